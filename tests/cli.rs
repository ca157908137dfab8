//! The `viewcheck` binary, run as a user runs it. The `check`, `diff` and
//! `exec --backend numpy` tests need NumPy: the oracle provides it (creating
//! `.venv` on first use) or the test fails with the oracle's message; they
//! are never skipped. In a build without the `oracle` feature they are
//! replaced by a test that those commands refuse with a clear message.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn viewcheck(args: &[&str], stdin: Option<&str>) -> Output {
    viewcheck_bytes(args, stdin.map(str::as_bytes))
}

fn viewcheck_bytes(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_viewcheck"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the viewcheck binary runs");
    {
        let mut input = child.stdin.take().expect("stdin");
        if let Some(text) = stdin {
            input.write_all(text).expect("write stdin");
        }
    }
    child.wait_with_output().expect("viewcheck finishes")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

/// Fails with everything the binary said.
fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "exit status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("viewcheck-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const GOOD: &str = r#"{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [2, 3]}, {"op": "transpose", "out": "t", "src": "a", "axes": null}]}"#;
const GOOD_2: &str = r#"{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [5]}, {"op": "index", "out": "s", "src": "a", "index": [-1]}, {"op": "index", "out": "b", "src": "a", "index": [9]}]}"#;

fn mixed_input() -> String {
    [
        GOOD,
        "",
        "{not json",
        r#"{"format": 1, "steps": [{"op": "index", "out": "b", "src": "a", "index": []}]}"#,
        "   ",
        r#"{"format": 2, "steps": []}"#,
        GOOD_2,
        r#"[1, 2, 3]"#,
    ]
    .join("\n")
}

#[test]
fn exec_strided_one_line_per_program_in_order() {
    let out = viewcheck(&["exec", "--backend", "strided"], Some(&mixed_input()));
    assert_exit(&out, 0);
    let text = stdout(&out);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
        .collect();
    // Six non-blank input lines, six observations.
    assert_eq!(lines.len(), 6, "{text}");
    for l in &lines {
        assert_eq!(l["format"], 1);
    }
    assert_eq!(
        lines[0]["arrays"]["t"]["strides"],
        serde_json::json!([1, 3])
    );
    assert!(lines[1]["format_error"]
        .as_str()
        .unwrap()
        .starts_with("invalid JSON"));
    assert_eq!(
        lines[2]["format_error"],
        "steps[0].src: name `a` is not bound by an earlier step"
    );
    assert_eq!(lines[3]["format_error"], "format: expected 1, got 2");
    assert_eq!(lines[4]["arrays"]["s"], serde_json::json!({"scalar": 4}));
    assert_eq!(lines[4]["steps"][2]["error"], "IndexError");
    assert!(lines[5]["format_error"]
        .as_str()
        .unwrap()
        .contains("a program is a JSON object"));
}

#[test]
fn exec_survives_bytes_that_are_not_utf8() {
    let input = [GOOD.as_bytes(), b"\n\xff\xfe{}\n", GOOD_2.as_bytes()].concat();
    let out = viewcheck_bytes(&["exec", "--backend", "strided"], Some(&input));
    assert_exit(&out, 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].contains("not UTF-8"), "{text}");
    assert!(lines[2].contains("\"s\":{\"scalar\":4}"), "{text}");
}

#[test]
fn exec_reads_a_file_and_reports_a_missing_one() {
    let dir = temp_dir("exec");
    let file = dir.join("programs.jsonl");
    std::fs::write(&file, format!("{GOOD}\n{GOOD_2}\n")).unwrap();
    let out = viewcheck(
        &["exec", "--backend", "strided", file.to_str().unwrap()],
        None,
    );
    assert_exit(&out, 0);
    assert_eq!(stdout(&out).lines().count(), 2);
    let missing = dir.join("missing.jsonl");
    let out = viewcheck(
        &["exec", "--backend", "strided", missing.to_str().unwrap()],
        None,
    );
    assert_exit(&out, 3);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read") && err.contains("Fix:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn usage_errors_exit_2() {
    assert_exit(&viewcheck(&["exec"], None), 2);
    assert_exit(&viewcheck(&["check", "--level", "strict"], None), 2);
    assert_exit(&viewcheck(&["frobnicate"], None), 2);
}

#[cfg(feature = "oracle")]
#[test]
fn exec_numpy_agrees_with_strided_on_simple_programs() {
    let input = mixed_input();
    let strided = viewcheck(&["exec", "--backend", "strided"], Some(&input));
    let numpy = viewcheck(&["exec", "--backend", "numpy"], Some(&input));
    assert_exit(&strided, 0);
    assert_exit(&numpy, 0);
    let (s, n) = (stdout(&strided), stdout(&numpy));
    assert_eq!(s.lines().count(), n.lines().count());
    for (a, b) in s.lines().zip(n.lines()) {
        let (mut a, mut b): (serde_json::Value, serde_json::Value) = (
            serde_json::from_str(a).unwrap(),
            serde_json::from_str(b).unwrap(),
        );
        // Informational key of the oracle.
        b.as_object_mut().unwrap().remove("numpy");
        a.as_object_mut().unwrap().remove("numpy");
        assert_eq!(a, b);
    }
}

#[cfg(feature = "oracle")]
#[test]
fn check_50_cases() {
    let dir = temp_dir("check");
    let out = viewcheck(
        &[
            "check",
            "--cases",
            "50",
            "--failures-dir",
            dir.to_str().unwrap(),
        ],
        None,
    );
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("cases:        50 run of 50"), "{text}");
    assert!(text.contains("programs/s"), "{text}");
    assert!(text.contains("NumPy 2.4.6"), "{text}");
    assert!(text.contains("all steps"), "{text}");
    // The rule coverage crosses from the supervised worker to the report:
    // 50 swarm cases reach most of the catalog (73 of 81 when measured).
    let reached: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("rules:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no rule coverage line in\n{text}"));
    assert!(reached >= 40, "only {reached} rules reached:\n{text}");
    assert!(
        text.contains("OK: no divergence at level exact in 50 cases"),
        "{text}"
    );
    // No failure, no reproducer.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "oracle")]
#[test]
fn diff_reads_json_lines_and_single_documents() {
    let dir = temp_dir("diff");
    let lines = dir.join("programs.jsonl");
    std::fs::write(&lines, format!("{GOOD}\n\n{GOOD_2}\n")).unwrap();
    let out = viewcheck(&["diff", lines.to_str().unwrap()], None);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("2 program(s): 0 differ, 0 invalid, 2 agree"),
        "{text}"
    );
    // A pretty-printed single document.
    let doc = dir.join("program.json");
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(GOOD_2).unwrap())
            .unwrap();
    std::fs::write(&doc, pretty).unwrap();
    let out = viewcheck(&["diff", "--level", "layout", doc.to_str().unwrap()], None);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("agree at level layout"));
    // An invalid program is reported and fails the command.
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "{\"format\": 1}\n").unwrap();
    let out = viewcheck(&["diff", bad.to_str().unwrap()], None);
    assert_exit(&out, 1);
    assert!(stdout(&out).contains("missing field `steps`"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(not(feature = "oracle"))]
#[test]
fn without_the_oracle_numpy_commands_say_why() {
    let dir = temp_dir("no-oracle");
    let file = dir.join("p.jsonl");
    std::fs::write(&file, format!("{GOOD}\n")).unwrap();
    let f = file.to_str().unwrap();
    for args in [
        vec!["check", "--cases", "1"],
        vec!["diff", f],
        vec!["exec", "--backend", "numpy", f],
    ] {
        let out = viewcheck(&args, None);
        assert_exit(&out, 2);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("built without the `oracle` feature"),
            "{args:?}: {err}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
