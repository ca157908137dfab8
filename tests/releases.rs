//! Every NumPy release: `--numpy`, `--writes raw`, NumPy under test, the
//! matrix's ranges. The tests that run an older NumPy provision its
//! `.venv-numpy-VERSION` on first use, as a user's first run does.

// Most tests need NumPy; the build without it keeps the others.
#![cfg_attr(not(feature = "oracle"), allow(dead_code))]

use std::process::{Command, Output};

use viewcheck::corpus::ranges;
#[cfg(feature = "oracle")]
use viewcheck::corpus::Corpus;

fn viewcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_viewcheck"))
        .args(args)
        .env_remove("VIEWCHECK_NUMPY")
        .output()
        .expect("the viewcheck binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

// Used by the NumPy-backed tests only.
#[cfg(feature = "oracle")]
fn fail_lines(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.starts_with("FAIL "))
        .map(str::to_owned)
        .collect()
}

// Used by the NumPy-backed tests only.
#[cfg(feature = "oracle")]
fn id_of(line: &str) -> &str {
    line.split_whitespace().nth(1).unwrap_or("")
}

// Used by the NumPy-backed tests only.
#[cfg(feature = "oracle")]
fn marked_deviation(corpus: &Corpus, id: &str) -> bool {
    corpus.get(id).is_some_and(|c| {
        c.expect.as_ref().is_some_and(|e| {
            e.steps
                .iter()
                .any(|s| s.extra.contains_key("numpy_deviation"))
        })
    })
}

#[test]
fn ranges_are_runs_of_consecutive_tested_releases() {
    let rel: Vec<String> = ["1.24.4", "2.0.0", "2.1.3", "2.4.6"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(ranges(&rel, &[true, true, true, true]), [">=1.24.4,<2.5"]);
    assert_eq!(ranges(&rel, &[false, false, true, true]), [">=2.1.3,<2.5"]);
    assert_eq!(
        ranges(&rel, &[true, true, false, false]),
        [">=1.24.4,<=2.0.0"]
    );
    assert_eq!(
        ranges(&rel, &[true, false, true, false]),
        ["1.24.4", "2.1.3"]
    );
    assert!(ranges(&rel, &[false; 4]).is_empty());
}

#[test]
fn writes_raw_is_only_for_numpy_under_test() {
    let o = viewcheck(&["check", "--cases", "1", "--writes", "raw"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--impl numpy"), "{}", text(&o));
}

#[test]
fn an_unsupported_release_is_a_usage_error_naming_the_supported_ones() {
    for bad in ["1.23.5", "2.5.0", "2.0"] {
        let o = viewcheck(&["replay", "--impl", "numpy", "--numpy", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", text(&o));
    }
    // The oracle's own range check (a build without it refuses --numpy).
    #[cfg(feature = "oracle")]
    {
        let o = viewcheck(&["verify", "--numpy", "1.23.5"]);
        assert!(text(&o).contains("1.24 to 2.4.x"), "{}", text(&o));
    }
}

#[cfg(feature = "oracle")]
#[test]
fn numpy_2_0_0_under_test_fails_the_overlapping_fancy_assignment_and_each_failure_is_explained() {
    let o = viewcheck(&[
        "replay", "--impl", "numpy", "--numpy", "2.0.0", "--writes", "raw",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let fails = fail_lines(&o);
    // a[[1, 2, 3, 4, 5]] = a[:-1]: wrong in NumPy itself up to 2.0.0; the
    // corpus records 2.0.0's own answer (with its deviation) in a variant.
    let overlap = fails
        .iter()
        .find(|l| id_of(l) == "VC-0488")
        .unwrap_or_else(|| panic!("VC-0488 passes:\n{}", text(&o)));
    assert!(overlap.contains("own write deviates"), "{overlap}");
    // Every failure names the case or the deviation that explains it.
    for l in &fails {
        assert!(l.contains(" ["), "unexplained: {l}");
    }
    // Against its own recorded answers only its write deviations remain.
    let own = viewcheck(&[
        "replay",
        "--impl",
        "numpy",
        "--numpy",
        "2.0.0",
        "--writes",
        "raw",
        "--answers",
        "2.0.0",
    ]);
    let corpus = Corpus::embedded().expect("the embedded corpus loads");
    let own_fails = fail_lines(&own);
    assert!(!own_fails.is_empty(), "{}", text(&own));
    for l in &own_fails {
        assert!(
            marked_deviation(&corpus, id_of(l)),
            "not a marked deviation: {l}"
        );
    }
}

#[cfg(feature = "oracle")]
#[test]
fn the_pin_under_test_with_raw_writes_fails_exactly_the_cases_marked_numpy_deviation() {
    let o = viewcheck(&["replay", "--impl", "numpy", "--writes", "raw"]);
    let corpus = Corpus::embedded().expect("the embedded corpus loads");
    let failed: std::collections::BTreeSet<String> =
        fail_lines(&o).iter().map(|l| id_of(l).to_owned()).collect();
    let marked: std::collections::BTreeSet<String> = corpus
        .cases()
        .filter(|c| c.applies_to(viewcheck_oracle::pinned_numpy_version()))
        .filter(|c| marked_deviation(&corpus, &c.id))
        .map(|c| c.id.clone())
        .collect();
    assert!(!failed.is_empty(), "{}", text(&o));
    // A marked case may still pass raw (its deviation is in a warning or a
    // value no comparison reaches); no unmarked case may fail.
    assert!(
        failed.is_subset(&marked),
        "failed {failed:?}\nmarked {marked:?}"
    );
    // And documented writes pass everything.
    let documented = viewcheck(&["replay", "--impl", "numpy"]);
    assert_eq!(documented.status.code(), Some(0), "{}", text(&documented));
}

#[cfg(feature = "oracle")]
#[test]
fn verify_on_an_older_release_counts_what_it_checked_and_skipped() {
    let o = viewcheck(&["verify", "--numpy", "1.26.4"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    let line = out
        .lines()
        .find(|l| l.starts_with("verify against NumPy 1.26.4"))
        .unwrap_or_else(|| panic!("{out}"));
    let number = |word: &str| -> usize {
        let before = &line[..line.find(word).unwrap_or_else(|| panic!("{line}"))];
        before
            .split_whitespace()
            .last()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{line}"))
    };
    assert!(number(" checked") > 600, "{line}");
    assert!(number(" skipped") > 0, "{line}");
    assert_eq!(number(" drifted"), 0, "{line}");
}

#[cfg(feature = "oracle")]
#[test]
fn a_campaign_against_an_older_oracle_runs_and_says_which_numpy() {
    let dir = std::env::temp_dir().join(format!("viewcheck-releases-{}", std::process::id()));
    let o = viewcheck(&[
        "check",
        "--numpy",
        "2.0.2",
        "--cases",
        "150",
        "--max-failures",
        "0",
        "--quiet",
        "--failures-dir",
        dir.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    // Failures are real differences between 2.0.2 and the strided crate
    // (which follows the pin); a usage or start-up error is not.
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
    assert!(text(&o).contains("NumPy 2.0.2"), "{}", text(&o));
    // reshape(copy=...) does not exist before 2.1: never generated for it.
    assert!(!text(&o).contains("TypeError"), "{}", text(&o));
}

#[test]
fn the_validator_checks_what_variant_of_names() {
    let dir = std::env::temp_dir().join(format!("viewcheck-variant-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let copied = Command::new("cp")
        .arg("-r")
        .arg(viewcheck::corpus::default_dir())
        .arg(&dir)
        .status()
        .expect("cp runs");
    assert!(copied.success());
    let file = dir.join("cases/writes/scalar-position.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let first = text
        .find("\"variant_of\": \"")
        .expect("the file has variants");
    let mut broken = text.clone();
    broken.replace_range(
        first..first + "\"variant_of\": \"VC-0682\"".len(),
        "\"variant_of\": \"VC-9999\"",
    );
    std::fs::write(&file, broken).unwrap();
    let v = viewcheck::corpus::validate_dir(&dir).expect("the corpus can be examined");
    let _ = std::fs::remove_dir_all(&dir);
    let messages: Vec<String> = v.problems.iter().map(|p| p.to_string()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("variant_of VC-9999: no such case")),
        "{messages:#?}"
    );
}
