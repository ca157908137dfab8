//! Faults, as docs/RELIABILITY.md promises to survive them: backends that
//! crash, hang or abort (injected with `VIEWCHECK_INJECT_FAULT` into the
//! worker processes), signals, a closed standard output, unwritable
//! reproducer directories, bad generator knobs. Each test runs the real
//! binary the way a user does.

// Most tests need NumPy; the build without it keeps the others.
#![cfg_attr(not(feature = "oracle"), allow(unused_imports, dead_code))]

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn viewcheck() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_viewcheck"));
    c.env_remove("VIEWCHECK_INJECT_FAULT");
    c
}

fn run(c: &mut Command, stdin: &str) -> Output {
    use std::io::Write;
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("viewcheck runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("viewcheck-rel-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

const GOOD: &str = r#"{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [2, 3]}, {"op": "transpose", "out": "t", "src": "a", "axes": null}]}"#;

#[cfg(feature = "oracle")]
#[test]
fn a_campaign_survives_segfaults_aborts_and_hangs() {
    let dir = temp_dir("faults");
    let o = run(
        viewcheck()
            .args([
                "check",
                "--cases",
                "150",
                "--timeout",
                "1",
                "--max-failures",
                "0",
                "-q",
            ])
            .arg("--failures-dir")
            .arg(&dir)
            .env(
                "VIEWCHECK_INJECT_FAULT",
                "segv:numpy:23,hang:strided:31,abort:strided:37",
            ),
        "",
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("cases:        150 run of 150"), "{out}");
    for kind in ["crash (numpy)", "crash (strided)", "timeout (strided)"] {
        assert!(out.contains(kind), "no {kind} finding:\n{out}");
    }
    assert!(out.contains("SIGSEGV") && out.contains("SIGABRT"), "{out}");
    // Every finding has its reproducer, and it replays the program; the
    // NumPy script and Rust snippet of each sit next to it.
    let all: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    let files: Vec<_> = all
        .iter()
        .filter(|f| f.path().extension().is_some_and(|e| e == "jsonl"))
        .collect();
    let failures = out.matches("== failure ").count();
    assert!(failures >= 3, "{out}");
    assert_eq!(files.len(), failures, "{all:?}\n{out}");
    assert_eq!(all.len(), 3 * failures, "{all:?}\n{out}");
    for f in &files {
        for ext in ["py", "rs"] {
            assert!(
                f.path().with_extension(ext).exists(),
                "{:?}: no .{ext}",
                f.path()
            );
        }
        let name = f.file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with('.') && !name.ends_with(".tmp"), "{name}");
        let text = std::fs::read_to_string(f.path()).unwrap();
        assert!(text.contains("\"steps\""), "{name}: {text}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "oracle")]
#[test]
fn exec_turns_a_hang_and_a_crash_into_backend_errors_and_goes_on() {
    // Find which of a few programs the injection hits, by running them.
    let programs: Vec<String> = (1..=12)
        .map(|n| {
            format!(r#"{{"format": 1, "steps": [{{"op": "array", "out": "a", "shape": [{n}]}}]}}"#)
        })
        .collect();
    let input = programs.join("\n") + "\n";
    let t = Instant::now();
    let o = run(
        viewcheck()
            .args(["exec", "--backend", "strided", "--timeout", "1"])
            .env("VIEWCHECK_INJECT_FAULT", "hang:strided:3,abort:strided:5"),
        &input,
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 12, "{out}");
    let timeouts = lines.iter().filter(|l| l.contains("timeout")).count();
    let crashes = lines.iter().filter(|l| l.contains("SIGABRT")).count();
    let ok = lines.iter().filter(|l| l.contains("\"steps\"")).count();
    assert!(timeouts >= 1 && crashes >= 1, "{out}");
    assert_eq!(ok + timeouts + crashes, 12, "{out}");
    assert!(t.elapsed() < Duration::from_secs(30 + timeouts as u64));

    // From a file, programs are sent ahead of their answers: the same lines,
    // each fault still charged to its own program, with blank and invalid
    // lines in between.
    let mixed = format!(
        "{}\n\nnot json\n{}",
        programs[..6].join("\n"),
        programs[6..].join("\n")
    );
    let dir = temp_dir("exec-ahead");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("programs.jsonl");
    std::fs::write(&file, &mixed).unwrap();
    let faults = "hang:strided:3,abort:strided:5";
    let piped = run(
        viewcheck()
            .args(["exec", "--backend", "strided", "--timeout", "1"])
            .env("VIEWCHECK_INJECT_FAULT", faults),
        &mixed,
    );
    let ahead = run(
        viewcheck()
            .args(["exec", "--backend", "strided", "--timeout", "1"])
            .arg(&file)
            .env("VIEWCHECK_INJECT_FAULT", faults),
        "",
    );
    assert_eq!(ahead.status.code(), Some(0), "{}", text(&ahead));
    assert_eq!(
        String::from_utf8_lossy(&ahead.stdout),
        String::from_utf8_lossy(&piped.stdout),
        "{}",
        text(&ahead)
    );
    assert_eq!(String::from_utf8_lossy(&ahead.stdout).lines().count(), 13);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_closed_standard_output_is_an_error() {
    for args in [&["exec", "--backend", "strided"][..], &["validate"][..]] {
        let mut child = viewcheck()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdin.take());
        // Stdio::null() is an open /dev/null, as `>/dev/null` is: accepted.
        assert_eq!(child.wait().unwrap().code(), Some(0), "{args:?}");
    }
    // A really closed descriptor: through the shell's `>&-`.
    let o = run(
        Command::new("sh").arg("-c").arg(format!(
            "echo '{GOOD}' | '{}' exec --backend strided >&-",
            env!("CARGO_BIN_EXE_viewcheck")
        )),
        "",
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("standard output is closed"),
        "{}",
        text(&o)
    );
}

#[test]
fn generator_knobs_out_of_range_are_usage_errors() {
    for args in [
        &["--max-extent", "1048577"][..],
        &["--max-steps", "1025"][..],
        &["--max-ndim", "33"][..],
        &["--invalid-rate", "2"][..],
        &["--cases", "0"][..],
        &["--timeout", "0"][..],
    ] {
        let o = run(viewcheck().arg("check").args(args), "");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
    }
}

#[cfg(feature = "oracle")]
#[test]
fn sigint_prints_the_summary_of_what_ran() {
    for jobs in ["1", "2"] {
        sigint_with_jobs(jobs);
    }
}

#[cfg(feature = "oracle")]
fn sigint_with_jobs(jobs: &str) {
    let dir = temp_dir("sigint");
    let mut child = viewcheck()
        .args(["check", "--cases", "100000000", "-q", "--jobs", jobs])
        .arg("--failures-dir")
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // Wait for the header: the campaign is running.
    let mut buf = [0u8; 1];
    let mut header = Vec::new();
    while !header.ends_with(b"\n") {
        assert_eq!(stdout.read(&mut buf).unwrap(), 1, "check ended early");
        header.push(buf[0]);
    }
    // Long enough for a debug build to finish a first block of cases (the
    // summary counts cases in order, so only whole blocks show).
    std::thread::sleep(Duration::from_millis(6000));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let code = child.wait().unwrap().code();
    assert_eq!(code, Some(130), "{rest}");
    assert!(
        rest.contains("== summary ==") && rest.contains("interrupted by SIGINT"),
        "{rest}"
    );
    assert!(!rest.contains("cases:        0 run"), "{rest}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "oracle")]
#[test]
fn an_unwritable_failures_dir_is_reported_with_status_3() {
    let file = temp_dir("notadir");
    std::fs::write(&file, "a file, not a directory").unwrap();
    let o = run(
        viewcheck()
            .args(["check", "--cases", "40", "--timeout", "2", "-q"])
            .arg("--failures-dir")
            .arg(&file)
            .env("VIEWCHECK_INJECT_FAULT", "abort:strided:7"),
        "",
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.contains("reproducer NOT written"), "{out}");
    assert!(out.contains("NOT all written"), "{out}");
    std::fs::remove_file(&file).unwrap();
}

#[cfg(feature = "oracle")]
#[test]
fn shards_are_disjoint_and_time_limits_stop_the_campaign() {
    let dir = temp_dir("shard");
    let o = run(
        viewcheck()
            .args([
                "check",
                "--cases",
                "90",
                "--shard",
                "2/3",
                "--max-failures",
                "0",
            ])
            .args(["--timeout", "5", "-q", "--jobs", "2"])
            .arg("--failures-dir")
            .arg(&dir)
            .arg("--report")
            .arg(dir.with_extension("jsonl"))
            .env("VIEWCHECK_INJECT_FAULT", "abort:strided:4"),
        "",
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("cases:        30 run of 30"), "{out}");
    let cases: Vec<u64> = out
        .lines()
        .filter_map(|l| l.strip_prefix("== failure "))
        .filter_map(|l| l.split(": case ").nth(1))
        .filter_map(|l| l.split_whitespace().next())
        .map(|c| c.parse().unwrap())
        .collect();
    assert!(!cases.is_empty(), "{out}");
    assert!(cases.iter().all(|c| c % 3 == 1), "{cases:?}");
    // The JSON-Lines report: a header, one line per failure, a footer.
    let report = std::fs::read_to_string(dir.with_extension("jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["type"], "header");
    assert_eq!(lines[0]["shard"], serde_json::json!([2, 3]));
    assert_eq!(lines.len(), cases.len() + 2, "{report}");
    let footer = lines.last().unwrap();
    assert_eq!(footer["planned"], 30);
    assert_eq!(footer["failures"], cases.len());
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(dir.with_extension("jsonl"));

    let t = Instant::now();
    let o = run(
        viewcheck().args([
            "check",
            "--cases",
            "100000000",
            "--time",
            "2s",
            "-q",
            "--jobs",
            "2",
        ]),
        "",
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("(stopped after --time 2 s)"), "{out}");
    assert!(t.elapsed() < Duration::from_secs(60), "{out}");
    for bad in [
        &["--shard", "0/3"][..],
        &["--shard", "4/3"],
        &["--time", "5x"],
    ] {
        let o = run(viewcheck().arg("check").args(bad), "");
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", text(&o));
    }
}

/// `check --report` of one run, without what depends on timing, and its
/// reproducer files by name.
#[cfg(feature = "oracle")]
fn campaign_result(
    jobs: &str,
    extra: &[&str],
    faults: &str,
) -> (i32, Vec<serde_json::Value>, Vec<(String, String)>, String) {
    let dir = temp_dir(&format!("jobs{jobs}-{}", extra.join("")));
    let report = dir.with_extension("jsonl");
    let o = run(
        viewcheck()
            .args(["check", "--cases", "120", "--timeout", "5", "-q"])
            .args(["--jobs", jobs])
            .args(extra)
            .arg("--failures-dir")
            .arg(&dir)
            .arg("--report")
            .arg(&report)
            .env("VIEWCHECK_INJECT_FAULT", faults),
        "",
    );
    let out = text(&o);
    let lines = std::fs::read_to_string(&report)
        .unwrap_or_else(|e| panic!("{e}: {out}"))
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            let o = v.as_object_mut().unwrap();
            o.remove("seconds");
            o.remove("programs_per_second");
            if let Some(serde_json::Value::String(p)) = o.get_mut("reproducer") {
                *p = p.rsplit('/').next().unwrap().to_string();
            }
            v
        })
        .collect();
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|f| {
                    let name = f.file_name().to_string_lossy().into_owned();
                    (name, std::fs::read_to_string(f.path()).unwrap())
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&report);
    (o.status.code().unwrap_or(-1), lines, files, out)
}

#[cfg(feature = "oracle")]
#[test]
fn jobs_do_not_change_the_results() {
    // Crashes of either backend (each contained in its worker, which is
    // restarted) and backend errors (shrunk), in workers running side by
    // side: the same findings, reproducers and report as with one worker.
    let faults = "abort:strided:13,panic:strided:11,segv:numpy:29";
    // The fixed mix: the injected faults' call counts are tuned to its
    // programs (swarm testing draws other ones).
    let args = ["--max-failures", "0", "--swarm", "off"];
    let (code1, report1, files1, out1) = campaign_result("1", &args, faults);
    let (code2, report2, files2, out2) = campaign_result("2", &args, faults);
    assert_eq!(code1, 1, "{out1}");
    assert_eq!(code2, 1, "{out2}");
    for kind in [
        "crash (numpy)",
        "crash (strided)",
        "backend error (strided)",
    ] {
        assert!(out1.contains(kind), "no {kind} finding:\n{out1}");
    }
    assert!(out2.contains("cases:        120 run of 120"), "{out2}");
    assert_eq!(report1, report2, "\n--- jobs 1\n{out1}\n--- jobs 2\n{out2}");
    assert_eq!(files1, files2);
    assert!(files1.len() >= 3 * 4, "{files1:?}");

    // --max-failures stops every worker at the same failure in case order.
    let (code1, report1, files1, out1) = campaign_result("1", &["--max-failures", "4"], faults);
    let (code3, report3, files3, out3) = campaign_result("3", &["--max-failures", "4"], faults);
    assert_eq!((code1, code3), (1, 1), "{out1}\n{out3}");
    assert!(out3.contains("(stopped after --max-failures 4)"), "{out3}");
    assert_eq!(report1, report3, "\n--- jobs 1\n{out1}\n--- jobs 3\n{out3}");
    assert_eq!(files1, files3);
    assert_eq!(report3.last().unwrap()["failures"], 4, "{out3}");

    for bad in [
        &["--jobs", "0"][..],
        &["--jobs", "257"],
        &["--jobs", "many"],
    ] {
        let o = run(viewcheck().arg("check").args(bad), "");
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", text(&o));
    }
}
