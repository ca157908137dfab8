//! The corpus tooling on corpora made for the occasion: `validate_dir`
//! lists every problem of a broken corpus at once, and `import-crash`
//! refuses artifacts that reproduce nothing and programs already in the
//! corpus.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};
use viewcheck::backend::{Backend, BackendError, StridedBackend};
use viewcheck::corpus::{validate_dir, Corpus};
use viewcheck::format::{Observation, Program};
use viewcheck::regress::{import_crash, ArtifactKind, ImportError};

/// A fresh directory under the target directory, removed first if a
/// previous run left it.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// A corpus directory with the real schemas, FEATURES and RETIRED and the
/// given case files (`(path under cases/, text)`).
fn corpus_with(name: &str, files: &[(&str, String)]) -> PathBuf {
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let root = scratch(name);
    fs::create_dir_all(root.join("schema")).unwrap();
    for e in fs::read_dir(real.join("schema")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), root.join("schema").join(e.file_name())).unwrap();
    }
    for f in ["FEATURES", "RETIRED"] {
        fs::copy(real.join(f), root.join(f)).unwrap();
    }
    fs::create_dir_all(root.join("cases")).unwrap();
    for (path, text) in files {
        let p = root.join("cases").join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    root
}

/// A recorded, valid case of the real corpus (VC-0163: `a.reshape(-1, 4)`),
/// as a JSON object.
fn real_case() -> serde_json::Map<String, Json> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let corpus = Corpus::load(&root).unwrap_or_else(|p| panic!("{p}"));
    corpus.get("VC-0163").expect("VC-0163 exists").raw.clone()
}

fn file_of(cases: &[Json]) -> String {
    serde_json::to_string_pretty(&Json::Array(cases.to_vec())).unwrap()
}

#[test]
fn validate_dir_reports_every_problem_of_every_kind() {
    let good = real_case();
    let mut two_bad_fields = good.clone();
    two_bad_fields.insert("id".into(), json!("VC-9001"));
    two_bad_fields.remove("description");
    two_bad_fields.insert("numpy".into(), json!("2.4.6"));
    let mut bad_id = good.clone();
    bad_id.insert("id".into(), json!("VC-12"));
    let mut duplicate = good.clone();
    duplicate.insert("description".into(), json!("Same id as the first case"));
    let mut unknown_feature = good.clone();
    unknown_feature.insert("id".into(), json!("VC-9002"));
    unknown_feature.insert("features".into(), json!(["op:array", "op:teleport"]));
    let root = corpus_with(
        "validate-many",
        &[
            (
                "reshape/a.json",
                file_of(&[
                    Json::Object(good),
                    Json::Object(two_bad_fields),
                    Json::Object(bad_id),
                ]),
            ),
            ("reshape/b.json", file_of(&[Json::Object(duplicate)])),
            ("reshape/c.json", "[{\"id\": ".to_string()),
            ("writes/d.json", file_of(&[Json::Object(unknown_feature)])),
            ("loose.json", "[]".to_string()),
        ],
    );
    let v = validate_dir(&root).unwrap_or_else(|p| panic!("could not run: {p}"));
    let lines: Vec<String> = v.problems.iter().map(|p| p.to_string()).collect();
    let text = lines.join("\n");
    let expect_line = |file: &str, needle: &str| {
        assert!(
            v.problems
                .iter()
                .any(|p| p.file == Path::new(file) && p.to_string().contains(needle)),
            "no problem in {file} mentioning {needle:?}:\n{text}"
        );
    };
    // Both bad fields of one case, each naming the case.
    expect_line(
        "cases/reshape/a.json",
        "VC-9001: missing string field `description`",
    );
    expect_line(
        "cases/reshape/a.json",
        "VC-9001: missing list field `numpy`",
    );
    // A case without a usable id is named by its position.
    expect_line("cases/reshape/a.json", "[2]: malformed id \"VC-12\"");
    expect_line("cases/reshape/b.json", "VC-0163: duplicate id");
    expect_line("cases/reshape/c.json", "invalid JSON");
    expect_line("cases/loose.json", "case files live in cases/<area>/");
    // Consistency problems of cases that did load are reported too.
    expect_line(
        "cases/writes/d.json",
        "VC-9002: feature \"op:teleport\" is not in FEATURES",
    );
    expect_line("cases/writes/d.json", "VC-9002: features [");
    // a.json lost cases to load problems, so its layout is not judged; the
    // other files were written by hand and are not in the canonical layout.
    expect_line("cases/writes/d.json", "canonical layout");
    expect_line("cases/reshape/b.json", "canonical layout");
    assert!(
        !text.contains("a.json: not in the canonical layout"),
        "{text}"
    );
    assert_eq!(v.problems.len(), 10, "{text}");
    assert_eq!((v.cases, v.areas), (3, 2));
    // The strict loader refuses the same corpus, with the load problems.
    let strict = Corpus::load(&root).unwrap_err();
    assert_eq!(strict.0.len(), 6, "{strict}");
}

#[test]
fn validate_dir_of_a_clean_corpus_finds_nothing_and_of_no_corpus_cannot_run() {
    let good = real_case();
    let text = viewcheck::corpus::format_case_file(&[Json::Object(good)]);
    let root = corpus_with("validate-clean", &[("reshape/a.json", text)]);
    let v = validate_dir(&root).unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    assert_eq!((v.cases, v.areas), (1, 1));
    let missing = scratch("validate-missing").join("nothing-here");
    assert!(validate_dir(&missing).is_err());
}

#[test]
fn import_refuses_empty_trivial_and_passing_artifacts() {
    assert!(matches!(
        import_crash(b"", ArtifactKind::Auto, None),
        Err(ImportError::Empty)
    ));
    let e = import_crash(br#"{"format": 1, "steps": []}"#, ArtifactKind::Auto, None).unwrap_err();
    assert!(matches!(e, ImportError::Trivial), "{e}");
    // Random-looking bytes make a program, but nothing fails on it.
    let bytes: Vec<u8> = (0..64u32).map(|i| (i * 97 % 256) as u8).collect();
    match import_crash(&bytes, ArtifactKind::GeneratorBytes, None) {
        Err(e @ ImportError::NothingFails(_)) => {
            let msg = e.to_string();
            assert!(msg.contains("reproduces no failure"), "{msg}");
            assert!(msg.contains("NumPy was not run"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
    let e = import_crash(&bytes, ArtifactKind::GeneratorBytes, Some(&StridedBackend)).unwrap_err();
    assert!(e.to_string().contains("agrees with NumPy"), "{e}");
}

/// A stand-in for NumPy that disagrees with the strided crate on the
/// offset of every array, so that any program with an array "fails".
struct Disagreeing;

impl Backend for Disagreeing {
    fn name(&self) -> &str {
        "numpy"
    }
    fn run(&self, program: &Program) -> Result<Observation, BackendError> {
        let mut obs = StridedBackend.run(program)?;
        for (_, a) in obs.arrays.iter_mut() {
            if let viewcheck::format::Bound::Array(r) = a {
                r.offset += 1;
            }
        }
        Ok(obs)
    }
}

#[test]
fn import_accepts_a_failure_once_and_refuses_the_same_program_again() {
    let root = corpus_with("import-twice", &[]);
    let artifact = br#"{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [2, 3]},
        {"op": "transpose", "out": "t", "src": "a", "axes": null}]}"#;
    let imported = import_crash(artifact, ArtifactKind::Auto, Some(&Disagreeing))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(imported.failed());
    let mut corpus = Corpus::load(&root).unwrap();
    let id = corpus
        .add_case("regressions", "fuzz", imported.case.clone())
        .unwrap_or_else(|p| panic!("{p}"));
    // The same artifact again, even reformatted, names the case it repeats.
    let reformatted = Program::parse(std::str::from_utf8(artifact).unwrap())
        .unwrap()
        .to_json()
        .to_string();
    let again = import_crash(
        reformatted.as_bytes(),
        ArtifactKind::Auto,
        Some(&Disagreeing),
    )
    .unwrap();
    let mut corpus = Corpus::load(&root).unwrap();
    assert_eq!(
        corpus.same_program(&again.case).map(|c| c.id.as_str()),
        Some(id.as_str())
    );
    let p = corpus
        .add_case("regressions", "other-topic", again.case.clone())
        .unwrap_err();
    assert_eq!(p.id.as_deref(), Some(id.as_str()), "{p}");
    assert!(p.to_string().contains("already holds this program"), "{p}");
    let corpus = Corpus::load(&root).unwrap();
    assert_eq!(corpus.len(), 1, "nothing was added the second time");
}

#[test]
fn a_program_of_a_hand_written_case_is_not_imported_again() {
    let good = real_case();
    let program = good["program"].clone();
    let text = viewcheck::corpus::format_case_file(&[Json::Object(good)]);
    let root = corpus_with("import-existing", &[("reshape/a.json", text)]);
    let imported = import_crash(
        program.to_string().as_bytes(),
        ArtifactKind::Auto,
        Some(&Disagreeing),
    )
    .unwrap();
    let mut corpus = Corpus::load(&root).unwrap();
    let p = corpus
        .add_case("regressions", "fuzz", imported.case)
        .unwrap_err();
    assert_eq!(p.id.as_deref(), Some("VC-0163"), "{p}");
    assert_eq!(p.file, Path::new("cases/reshape/a.json"));
}

#[test]
fn a_duplicate_key_in_a_case_file_is_a_problem() {
    let good = real_case();
    let text = viewcheck::corpus::format_case_file(&[Json::Object(good)]);
    // The same key twice: a lenient reader would keep the last description.
    let doubled = text.replacen(
        "\"description\":",
        "\"description\": \"first\",\n    \"description\":",
        1,
    );
    assert_ne!(doubled, text);
    let root = corpus_with("validate-duplicate", &[("reshape/a.json", doubled)]);
    let v = validate_dir(&root).unwrap();
    assert!(
        v.problems
            .iter()
            .any(|p| p.to_string().contains("duplicate key \"description\"")),
        "{:?}",
        v.problems
    );
}
