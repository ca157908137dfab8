//! An implementation under test through the protocol, as an implementer
//! runs it: `replay --impl cmd:...` with crashes and hangs, expectations
//! files, reports.

use std::path::PathBuf;
use std::process::{Command, Output};

fn viewcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_viewcheck"))
        .args(args)
        .env_remove("VIEWCHECK_INJECT_FAULT")
        .output()
        .expect("viewcheck runs")
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("viewcheck-conf-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn flaky() -> String {
    format!(
        "cmd:python3 {}/tests/fixtures/flaky_impl.py {}",
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_BIN_EXE_viewcheck")
    )
}

#[test]
fn a_crashing_and_hanging_implementation_is_run_to_the_end() {
    // The one hang costs this much per run; the slowest corpus cases take
    // about 2 s in the debug worker on a loaded machine, and a case that
    // timed out in one run and not the next would change the counts.
    const TIMEOUT: &str = "8";
    let dir = scratch("flaky");
    let report = dir.join("report");
    let o = viewcheck(&[
        "replay",
        "--impl",
        &flaky(),
        "--timeout",
        TIMEOUT,
        "--report",
        report.to_str().unwrap(),
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let jsonl = std::fs::read_to_string(report.join("report.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["type"], "header");
    assert_eq!(lines[0]["implementation"]["name"], "viewcheck-arrays");
    let footer = lines.last().unwrap();
    assert_eq!(footer["type"], "footer");
    let counts = &footer["counts"];
    let crashes = counts["crash"].as_u64().unwrap();
    let timeouts = counts["timeout"].as_u64().unwrap();
    let passes = counts["pass"].as_u64().unwrap();
    assert!(crashes >= 5 && timeouts >= 1, "{counts}");
    // Every case is accounted for, and nothing else failed.
    let cases = lines.len() as u64 - 2;
    assert_eq!(passes + crashes + timeouts, cases, "{counts}");
    for l in &lines[1..lines.len() - 1] {
        if l["status"] == "crash" {
            assert!(l["detail"].as_str().unwrap().contains("SIGSEGV"), "{l}");
        }
    }
    assert!(out.contains("CRASH") && out.contains("TIMEOUT"), "{out}");
    // The per-rule summary names broken rules with their failing cases.
    let rules = std::fs::read_to_string(report.join("rules.md")).unwrap();
    assert!(rules.contains("| broken |"), "{rules}");

    // Today's failures as expectations: the same run is then green.
    let exp = dir.join("expectations.txt");
    let o = viewcheck(&[
        "replay",
        "--impl",
        &flaky(),
        "--timeout",
        TIMEOUT,
        "--write-expectations",
        exp.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let written = std::fs::read_to_string(&exp).unwrap();
    assert_eq!(
        written.lines().filter(|l| l.starts_with("xfail ")).count() as u64,
        crashes + timeouts,
        "{written}"
    );
    let o = viewcheck(&[
        "replay",
        "--impl",
        &flaky(),
        "--timeout",
        TIMEOUT,
        "--expectations",
        exp.to_str().unwrap(),
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains(&format!("{} xfail", crashes + timeouts)),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn expectations_mark_xpass_skip_and_stale_entries() {
    let dir = scratch("xpass");
    let exp = dir.join("e.txt");
    std::fs::write(
        &exp,
        "# passes on the strided crate: an xpass\nxfail VC-0001 thought broken\nskip VC-00[2]* never\nskip VC-01* not today\nxfail VC-9999 no such case\n",
    )
    .unwrap();
    let o = viewcheck(&["replay", "--expectations", exp.to_str().unwrap()]);
    let out = text(&o);
    // An xpass is reported, and fails only with --strict.
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("XPASS") && out.contains("VC-0001"), "{out}");
    assert!(out.contains("100 skip"), "{out}");
    assert!(out.contains("`VC-9999` matches no case"), "{out}");
    assert!(out.contains("`VC-00[2]*` matches no case"), "{out}");
    let o = viewcheck(&[
        "replay",
        "--strict",
        "--expectations",
        exp.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // Everything skipped: nothing checked is not a success.
    std::fs::write(&exp, "skip * all of it\n").unwrap();
    let o = viewcheck(&["replay", "--expectations", exp.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // A malformed file is a usage error naming the line.
    std::fs::write(&exp, "xfail VC-0001\n").unwrap();
    let o = viewcheck(&["replay", "--expectations", exp.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("line 1"), "{}", text(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Rewrites every case of a case file to claim NumPy >= 9.0 only.
#[cfg(feature = "oracle")]
fn recorded_for_another_numpy(path: &std::path::Path) {
    let mut cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for case in cases.as_array_mut().unwrap() {
        case["numpy"] = serde_json::json!([">=9.0"]);
    }
    std::fs::write(path, cases.to_string()).unwrap();
}

#[cfg(feature = "oracle")]
#[test]
fn verify_says_what_it_checked_and_fails_when_it_checked_nothing() {
    let o = viewcheck(&["verify"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    // The variant cases record other releases' answers: skipped, counted.
    let corpus = viewcheck::corpus::Corpus::embedded().unwrap();
    let variants = corpus
        .cases()
        .filter(|c| c.raw.contains_key("variant_of"))
        .count();
    assert!(variants > 0);
    assert!(
        out.contains(&format!(
            "{} checked, {variants} skipped",
            corpus.len() - variants
        )),
        "{out}"
    );
    // A corpus whose answers are all recorded for another NumPy.
    let dir = scratch("verify-none");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        let o = Command::new("cp")
            .arg("-r")
            .arg(from)
            .arg(to)
            .output()
            .unwrap();
        assert!(o.status.success());
    };
    copy(&src, &dir.join("corpus"));
    let case = dir.join("corpus/cases/reshape");
    for f in std::fs::read_dir(&case).unwrap().flatten() {
        recorded_for_another_numpy(&f.path());
    }
    let o = viewcheck(&["verify", "--corpus", dir.join("corpus").to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(!out.contains(" 0 skipped"), "{out}");
    // Every area excluded: nothing checked is a failure.
    for area in std::fs::read_dir(dir.join("corpus/cases"))
        .unwrap()
        .flatten()
    {
        for f in std::fs::read_dir(area.path()).unwrap().flatten() {
            recorded_for_another_numpy(&f.path());
        }
    }
    let o = viewcheck(&["verify", "--corpus", dir.join("corpus").to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(": 0 checked,") && out.contains("nothing was checked"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "oracle")]
#[test]
fn a_campaign_on_a_crashing_and_hanging_implementation_runs_to_the_end() {
    let dir = scratch("flaky-check");
    let o = viewcheck(&[
        "check",
        "--cases",
        "400",
        "--timeout",
        "4",
        "--max-failures",
        "0",
        "-q",
        "--impl",
        &flaky(),
        "--failures-dir",
        dir.to_str().unwrap(),
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("cases:        400 run of 400"), "{out}");
    assert!(out.contains("crash (viewcheck-arrays)"), "{out}");
    // A hang is a timeout finding: the implementation's own (its worker
    // gave up on it) or, on a loaded machine where the worker's answer came
    // too late as well, the supervisor's (`unknown`).
    assert!(out.contains("timeout ("), "{out}");
    // The fixture hangs on cases 7 and 207 whatever the generator made.
    for case in [7, 207] {
        assert!(
            out.contains(&format!(": case {case} (seed 20240611): timeout (")),
            "{out}"
        );
    }
    // Only crashes and timeouts: the implementation is the strided crate.
    assert!(out.contains("(0 divergence(s)"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The issue's own command: a plain `python3` finds the project's NumPy.
#[cfg(feature = "oracle")]
#[test]
fn the_python_adapter_on_numpy_passes_every_case_started_with_plain_python3() {
    // The project's environment exists once the oracle has started.
    let o = viewcheck(&["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let adapter = format!(
        "cmd:python3 {}/adapters/python/viewcheck_adapter.py --module numpy",
        env!("CARGO_MANIFEST_DIR")
    );
    let o = viewcheck(&["replay", "--impl", &adapter]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    // Exit 0: no case failed, and some were checked.
    assert!(!out.contains(" fail,") && !out.contains(" error"), "{out}");
    assert!(out.contains("replay on numpy at exact"), "{out}");
}

#[test]
fn replay_renders_failing_cases() {
    let bug = format!(
        "cmd:python3 {}/tests/fixtures/transpose_bug_impl.py {}",
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_BIN_EXE_viewcheck")
    );
    let o = viewcheck(&["replay", "--impl", &bug, "--render"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL        VC-0329"), "{out}");
    assert!(
        out.contains("--- buffers") && out.contains("  got   t "),
        "{out}"
    );
    assert!(out.contains("import numpy as np"), "{out}");
    assert!(out.contains("fn main()"), "{out}");
    // Without --render, only the differences.
    let o = viewcheck(&["replay", "--impl", &bug]);
    assert!(!text(&o).contains("--- buffers"), "{}", text(&o));
}
