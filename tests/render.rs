//! The renderings of `viewcheck::render`: the NumPy script really runs and
//! prints the recorded facts, the Rust snippet really compiles (and prints
//! the same outcomes), and the buffer picture marks the differing cells.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value as Json;
use viewcheck::backend::{Backend, StridedBackend};
use viewcheck::corpus::{default_dir, CaseProgram, Corpus};
use viewcheck::format::{Bound, Observation, Program, StepOutcome};
use viewcheck::render::{buffer_picture, numpy_script, rust_snippet};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The project venv's Python (the one the oracle provides NumPy from).
fn venv_python() -> PathBuf {
    #[cfg(feature = "oracle")]
    let venv = viewcheck_oracle::project_venv_dir();
    #[cfg(not(feature = "oracle"))]
    let venv = std::env::var_os("VIEWCHECK_VENV_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv"));
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: the NumPy script tests need the project venv with the pinned NumPy \
         (run any NumPy-backed command once, e.g. `cargo run -- exec --backend numpy`, \
         or set VIEWCHECK_VENV_DIR)",
        python.display()
    );
    python
}

/// `steps[i]: outcome` lines as format 1 words them.
fn outcome_words(obs: &Observation) -> Vec<String> {
    obs.steps
        .iter()
        .enumerate()
        .map(|(i, s)| match &s.outcome {
            StepOutcome::Ok { .. } => format!("steps[{i}]: ok"),
            StepOutcome::Error(c) => format!("steps[{i}]: {c}"),
            StepOutcome::Skipped => format!("steps[{i}]: skipped"),
        })
        .collect()
}

/// The facts an observation records, in the shape the script prints them.
fn expected_facts(obs: &Observation) -> Vec<String> {
    let json = obs.to_json();
    let mut lines: Vec<String> = obs
        .arrays
        .iter()
        .map(|(n, _)| format!("{n}: {}", json["arrays"][n.as_str()]))
        .collect();
    lines.push(format!("shares_memory: {}", json["shares_memory"]));
    lines
}

fn run_script(name: &str, program: &Program) -> (Vec<String>, Vec<String>) {
    let dir = repo().join("target/render-check/py");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.py"));
    std::fs::write(&path, numpy_script(program)).unwrap();
    let out = Command::new(venv_python()).arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{} failed:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let (steps, facts) = text.split_once("--\n").expect("the script prints `--`");
    // Normalise the facts through serde so that spacing does not matter.
    let facts = facts
        .lines()
        .map(|l| {
            let (name, rest) = l.split_once(": ").unwrap();
            format!("{name}: {}", serde_json::from_str::<Json>(rest).unwrap())
        })
        .collect();
    (steps.lines().map(str::to_string).collect(), facts)
}

fn corpus() -> Corpus {
    Corpus::load(default_dir()).expect("the corpus loads")
}

/// The first case of every corpus file with a valid program and an
/// observation without NumPy's documented-write deviations (the script
/// runs NumPy's raw statement) or format 1's limits (not in the script).
fn sample(corpus: &Corpus) -> Vec<(String, Program, Observation)> {
    corpus
        .files
        .iter()
        .filter_map(|f| {
            f.cases.iter().find_map(|c| match (&c.program, &c.expect) {
                (CaseProgram::Valid(p), Some(e))
                    if e.steps.iter().all(|s| {
                        !s.extra.contains_key("numpy_deviation")
                            && s.outcome != StepOutcome::Error("LimitExceeded".into())
                    }) =>
                {
                    Some((c.id.clone(), p.clone(), e.clone()))
                }
                _ => None,
            })
        })
        .collect()
}

fn program(line: &str) -> Program {
    Program::parse(line).unwrap()
}

/// Format 1.2's `{"var"}` index items: aliasing the destination (NumPy's
/// `a[2:][a[:-2]] = 3`), in an index with a reserved name, next to a slice
/// and a value var, naming a scalar and a failed step (both skipped).
fn with_vars() -> Program {
    program(
        r#"{"format": 1, "steps": [
        {"op": "array", "out": "a", "shape": [6]},
        {"op": "index", "out": "d", "src": "a", "index": [{"slice": [2, null, null]}]},
        {"op": "index", "out": "self", "src": "a", "index": [{"slice": [null, -2, null]}]},
        {"op": "assign", "dst": "d", "index": [{"var": "self"}], "value": {"scalar": 3}},
        {"op": "array", "out": "np", "shape": [3, 4]},
        {"op": "index", "out": "b", "src": "np", "index": [{"var": "self"}, {"slice": [null, null, -1]}]},
        {"op": "add_assign", "dst": "np", "index": [{"slice": [null, 2, null]}, {"var": "self"}], "value": {"var": "self"}},
        {"op": "index", "out": "s", "src": "a", "index": [1]},
        {"op": "index", "out": "c", "src": "a", "index": [{"var": "s"}]},
        {"op": "index", "out": "f", "src": "a", "index": [9]},
        {"op": "assign", "dst": "a", "index": [{"var": "f"}], "value": {"scalar": 0}},
        {"op": "index", "out": "e", "src": "np", "index": [{"var": "a"}]}]}"#,
    )
}

/// Names Python and Rust reserve, a `{"var"}` value, a mask, a failing
/// step and a skipped one.
fn awkward() -> Program {
    program(
        r#"{"format": 1, "steps": [
        {"op": "array", "out": "np", "shape": [2, 3], "order": "F"},
        {"op": "index", "out": "self", "src": "np", "index": [{"mask": [true, false]}, {"slice": [null, null, -2]}]},
        {"op": "transpose", "out": "if_", "src": "np", "axes": null},
        {"op": "index", "out": "if", "src": "if_", "index": [0]},
        {"op": "assign", "dst": "if", "index": [], "value": {"var": "self"}},
        {"op": "index", "out": "_", "src": "np", "index": [5]},
        {"op": "index", "out": "print", "src": "_", "index": []},
        {"op": "add_assign", "dst": "np", "index": [{"array": [[1], [0]]}, 0], "value": {"scalar": 7}},
        {"op": "index", "out": "s", "src": "np", "index": [1, 2]}]}"#,
    )
}

#[test]
fn the_numpy_script_prints_the_recorded_facts() {
    let corpus = corpus();
    let cases = sample(&corpus);
    assert!(cases.len() >= 10, "only {} sample cases", cases.len());
    for (id, p, expected) in &cases {
        let (steps, mut facts) = run_script(id, p);
        assert_eq!(steps, outcome_words(expected), "{id}: step outcomes");
        // One line per name: compared as a set, because the order of the
        // names in a parsed observation depends on serde_json's
        // `preserve_order`, which only some builds enable.
        let mut want = expected_facts(expected);
        facts.sort();
        want.sort();
        assert_eq!(facts, want, "{id}: final facts");
    }
}

#[test]
fn the_numpy_script_indexes_with_var_items() {
    let p = with_vars();
    let expected = StridedBackend.run(&p).unwrap();
    let words = outcome_words(&expected);
    // What the program claims to exercise: the write through an aliasing
    // index, skips for a scalar and a failed name, and an error.
    assert_eq!(words[3], "steps[3]: ok");
    assert_eq!(words[8], "steps[8]: skipped");
    assert_eq!(words[10], "steps[10]: skipped");
    assert_eq!(words[11], "steps[11]: IndexError");
    let (steps, mut facts) = run_script("vars", &p);
    assert_eq!(steps, words);
    let mut want = expected_facts(&expected);
    facts.sort();
    want.sort();
    assert_eq!(facts, want);
    let script = numpy_script(&p);
    assert!(script.contains("d[self] = 3"), "{script}");
    assert!(
        script.contains(r#"if VC_ready(8, "a", index=("s",)):"#),
        "{script}"
    );
}

#[test]
fn the_numpy_script_survives_reserved_names_and_failures() {
    let p = awkward();
    let expected = StridedBackend.run(&p).unwrap();
    // The program must exercise what it claims to: an error and a skip.
    let words = outcome_words(&expected);
    assert_eq!(words[5], "steps[5]: IndexError");
    assert_eq!(words[6], "steps[6]: skipped");
    let (steps, facts) = run_script("awkward", &p);
    assert_eq!(steps, words);
    assert_eq!(facts, expected_facts(&expected));
    let script = numpy_script(&p);
    assert!(script.contains("np_ = np.arange(6, dtype=np.int64).reshape((2, 3)).copy(order=\"F\")"));
    assert!(
        script.contains("py={\"np\": \"np_\", \"if\": \"if__\", \"print\": \"print_\"}"),
        "{script}"
    );
}

/// The Rust snippets of a view, a fancy index, a write and [`awkward`],
/// built as binaries of a throwaway crate against `arrays/` and run: they
/// must compile and print the strided crate's step outcomes and strides.
#[test]
fn the_rust_snippet_compiles_and_runs() {
    let corpus = corpus();
    let by_id = |id: &str| {
        let c = corpus.cases().find(|c| c.id == id).unwrap();
        match &c.program {
            CaseProgram::Valid(p) => p.clone(),
            CaseProgram::Rejected(e) => panic!("{id}: {e}"),
        }
    };
    let programs = [
        ("view", by_id("VC-0001")),
        ("fancy", by_id("VC-0049")),
        ("write", by_id("VC-0011")),
        ("awkward", awkward()),
        ("vars", with_vars()),
    ];
    assert!(programs[1]
        .1
        .steps
        .iter()
        .any(|s| s.kind_label().contains("array")));
    assert!(programs[2].1.steps.iter().any(|s| s.op() == "assign"));
    let dir = repo().join("target/render-check");
    let bin = dir.join("src/bin");
    let _ = std::fs::remove_dir_all(&bin);
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"render-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nviewcheck-arrays = {{ path = {:?} }}\n\n[workspace]\n",
            repo().join("arrays").display().to_string()
        ),
    )
    .unwrap();
    for (name, p) in &programs {
        std::fs::write(bin.join(format!("{name}.rs")), rust_snippet(p)).unwrap();
    }
    // A target directory of its own: the outer `cargo test` may hold the
    // lock of the workspace's.
    let target = dir.join("target");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--offline", "--quiet", "--bins"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the generated snippets in {} do not compile:\n{}",
        bin.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    for (name, p) in &programs {
        let expected = StridedBackend.run(p).unwrap();
        let out = Command::new(target.join("debug").join(name))
            .output()
            .unwrap();
        assert!(out.status.success(), "{name} failed");
        let text = String::from_utf8(out.stdout).unwrap();
        let (steps, facts) = text.split_once("--\n").unwrap();
        assert_eq!(
            steps.lines().collect::<Vec<_>>(),
            outcome_words(&expected),
            "{name}"
        );
        for (n, b) in &expected.arrays {
            let want = match b {
                Bound::Scalar(s) => format!("{n}: scalar {s}"),
                Bound::Array(a) => format!(
                    "{n}: shape {:?} strides {:?} offset {} buffer {}",
                    a.shape, a.strides, a.offset, a.buffer
                ),
            };
            assert!(
                facts.lines().any(|l| l.starts_with(&want)),
                "{name}: no line `{want}` in\n{facts}"
            );
        }
    }
}

fn observation(json: &str) -> Observation {
    Observation::parse(json).unwrap()
}

#[test]
fn the_buffer_picture_marks_the_cells_that_differ() {
    let p = program(
        r#"{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [2, 3]},
        {"op": "transpose", "out": "t", "src": "a", "axes": null}]}"#,
    );
    let expected = StridedBackend.run(&p).unwrap();
    // The bug "transpose keeps the strides".
    let mut got = expected.clone();
    if let Bound::Array(t) = &mut got.arrays[1].1 {
        t.strides = vec![3, 1];
    }
    let alone = buffer_picture(&expected, None);
    assert_eq!(
        alone,
        "buffer 0: 6 element(s), seen by a, t\n  \
         addr     0 1 2 3 4 5\n  \
         NumPy a  0 1 2 3 4 5\n  \
         NumPy t  0 2 4 1 3 5\n"
    );
    let pic = buffer_picture(&expected, Some(&got));
    // Strides [3, 1] on shape (3, 2) reach address 7: the buffer widens.
    assert_eq!(
        pic,
        "buffer 0: 8 element(s), seen by a, t\n  \
         addr     0 1 2 3 4 5 6 7\n  \
         NumPy a  0 1 2 3 4 5 · ·\n  \
         got   a  0 1 2 3 4 5 · ·\n  \
         NumPy t  0 2 4 1 3 5 · ·\n  \
         got   t  0 1 · 2 3 · 4 5  !\n\
         \x20            ^ ^ ^   ^ ^ ^\n"
    );
    assert_eq!(
        buffer_picture(&expected, Some(&expected))
            .matches('!')
            .count(),
        0
    );
}

#[test]
fn the_buffer_picture_says_what_it_cannot_draw() {
    let expected = observation(
        r#"{"format":1,"steps":[{"ok":true},{"ok":true}],"arrays":{
        "a":{"shape":[300],"strides":[1],"offset":0,"buffer":0,"owndata":true,"writeable":true,"c_contiguous":true,"f_contiguous":true,"values":[]},
        "b":{"shape":[2],"strides":[1],"offset":1,"buffer":0,"owndata":false,"writeable":true,"c_contiguous":true,"f_contiguous":true,"values":[1,2]}},
        "shares_memory":[["a","b"]],"may_share_memory":[["a","b"]]}"#,
    );
    let mut got = expected.clone();
    if let Bound::Array(b) = &mut got.arrays[1].1 {
        b.buffer = 1;
    }
    let pic = buffer_picture(&expected, Some(&got));
    assert!(
        pic.contains("(only addresses 0..255 of 300 are drawn)"),
        "{pic}"
    );
    assert!(
        pic.contains("! got: b is on a buffer with b (NumPy: a, b)"),
        "{pic}"
    );
    assert!(!pic.contains(" 256"), "{pic}");
    let rejected = Observation::rejected("steps[0]: bad");
    assert!(buffer_picture(&rejected, None).contains("rejected"));
}

/// `check` on an implementation whose transposes keep their strides:
/// each failure shows its buffer picture and gets a `.py` and a `.rs`
/// next to its reproducer; `diff --render` prints all three.
#[cfg(feature = "oracle")]
#[test]
fn check_and_diff_show_the_renderings() {
    let exe = env!("CARGO_BIN_EXE_viewcheck");
    let dir = repo().join("target/render-check/failures");
    let _ = std::fs::remove_dir_all(&dir);
    let implementation = format!(
        "cmd:python3 {} {exe}",
        repo()
            .join("tests/fixtures/transpose_bug_impl.py")
            .display()
    );
    let o = Command::new(exe)
        // The fixed mix, whose first failure here shows a marked value.
        .args([
            "check",
            "--cases",
            "100",
            "--max-failures",
            "1",
            "-q",
            "--swarm",
            "off",
        ])
        .args(["--impl", &implementation, "--failures-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("buffers (NumPy's rows, then"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("  got   ") && l.ends_with("  !")),
        "{out}"
    );
    let jsonl = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .expect("a reproducer");
    let (py, rs) = (jsonl.with_extension("py"), jsonl.with_extension("rs"));
    assert!(
        out.contains(&format!("numpy script: {}", py.display())),
        "{out}"
    );
    assert!(
        out.contains(&format!("rust snippet: {}", rs.display())),
        "{out}"
    );
    let shrunk = Program::parse(
        std::fs::read_to_string(&jsonl)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(std::fs::read_to_string(&py).unwrap(), numpy_script(&shrunk));
    assert_eq!(std::fs::read_to_string(&rs).unwrap(), rust_snippet(&shrunk));

    let o = Command::new(exe)
        .args(["diff", "--render", "--impl", &implementation])
        .arg(&jsonl)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    for part in [
        "-- buffers (",
        "-- NumPy script --",
        "import numpy as np",
        "-- Rust snippet",
        "fn main() {",
    ] {
        assert!(out.contains(part), "no {part:?} in\n{out}");
    }
    let o = Command::new(exe)
        .args(["diff"])
        .arg(&jsonl)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&o.stdout).contains("import numpy"));
}
