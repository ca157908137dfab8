//! `viewcheck check`: the differential campaign and its summary.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use viewcheck::backend::StridedBackend;
use viewcheck::campaign::{self, Config, Progress, Report};
use viewcheck::protocol::WorkerCommand;

use super::*;
use crate::Fatal;

pub(crate) fn check(
    config: Config,
    quiet: bool,
    in_process: bool,
    report_file: Option<&std::path::Path>,
) -> Result<u8, Fatal> {
    numpy_backend("`check`")?;
    viewcheck::supervise::catch_interrupts();
    let started = Instant::now();
    let command = WorkerCommand::this_executable(&["check-worker"])
        .map_err(|e| Fatal::env(format!("cannot find the viewcheck executable: {e}")))?;
    let mut startup = Duration::ZERO;
    let mut oracle = String::new();
    let mut on_start = |description: &str, got: &str| {
        startup = started.elapsed();
        oracle = description.to_string();
        out!(
            "viewcheck check: {} cases{}, seed {}, level {}, {got} vs numpy ({description})",
            config.planned(),
            if config.shard.1 > 1 {
                format!(
                    " (shard {}/{} of {})",
                    config.shard.0 + 1,
                    config.shard.1,
                    config.cases
                )
            } else {
                String::new()
            },
            config.seed,
            config.level,
        );
    };
    let mut last = Instant::now();
    // On a terminal, a progress bar on standard error; elsewhere (logs,
    // CI, tests) a plain line now and then.
    let terminal = !quiet && std::io::stderr().is_terminal();
    let mut bar: Option<ProgressBar> = None;
    let time_limit = config.time;
    let mut progress = |p: Progress| {
        if quiet {
            return;
        }
        if terminal {
            let bar = bar.get_or_insert_with(new_bar);
            draw_bar(bar, &p, time_limit);
            return;
        }
        let step = (p.cases / 10).max(1);
        if p.done == p.cases
            || (p.done % step == 0 && last.elapsed() >= Duration::from_secs(2))
            || last.elapsed() >= Duration::from_secs(15)
        {
            last = Instant::now();
            eprintln!(
                "  {}/{} cases, {} failure(s), {:.1}s",
                p.done,
                p.cases,
                p.failures,
                p.elapsed.as_secs_f64()
            );
        }
    };
    let report = if in_process {
        let (numpy, _) = in_process_numpy(false)?;
        on_start(&numpy_description(), "strided");
        Ok(campaign::run(
            &config,
            numpy.as_ref(),
            &StridedBackend,
            &mut progress,
        ))
    } else {
        campaign::supervisor::run_supervised(&config, &command, &mut on_start, &mut progress)
    };
    // Gone before anything else is printed, also after Ctrl-C.
    if let Some(bar) = bar.take() {
        bar.finish_and_clear();
    }
    let report = report.map_err(|e| start_failure("numpy", &e))?;
    let rendered = render_failures(&report);
    print_report(&report, startup, &oracle, quiet, &rendered);
    if let Some(path) = report_file {
        std::fs::write(path, campaign_jsonl(&report, &oracle))
            .map_err(|e| Fatal::env(format!("cannot write {}: {e}", path.display())))?;
        out!("report:       {}", path.display());
    }
    let unwritten = report.failures.iter().any(|f| f.write_error.is_some());
    Ok(match report.interrupted {
        Some(sig) => (128 + sig) as u8,
        None if unwritten => 3,
        None if report.failures.is_empty() => 0,
        None => 1,
    })
}

/// Standard error as the bar's terminal, a few columns narrower than it
/// is. indicatif fills the bar's line to the last column, so that the
/// terminal's echo of a Ctrl-C (`^C`) would wrap to a new line, and the
/// bar would stay on the screen above the line that clearing it erases.
#[derive(Debug)]
struct Narrow(console::Term);

impl indicatif::TermLike for Narrow {
    fn width(&self) -> u16 {
        self.0.size().1.saturating_sub(4).max(20)
    }
    fn height(&self) -> u16 {
        self.0.size().0
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_up(n)
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_down(n)
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_right(n)
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_left(n)
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.0.write_line(s)
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.0.write_str(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.0.clear_line()
    }
    fn flush(&self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// The progress bar of a campaign on a terminal (standard error).
fn new_bar() -> ProgressBar {
    let target = ProgressDrawTarget::term_like_with_hz(
        Box::new(Narrow(console::Term::buffered_stderr())),
        10,
    );
    let bar = ProgressBar::with_draw_target(Some(1000), target);
    bar.set_style(
        ProgressStyle::with_template("[{bar:30}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// Cases done of planned (or, with `--time`, the time used of the limit,
/// whichever is further), programs per second, failures and time left.
fn draw_bar(bar: &ProgressBar, p: &Progress, time: Option<Duration>) {
    let secs = p.elapsed.as_secs_f64();
    let mut done = p.done as f64 / p.cases.max(1) as f64;
    let rate = if secs > 0.0 {
        p.done as f64 / secs
    } else {
        0.0
    };
    let left = match time {
        Some(t) => {
            done = done.max(secs / t.as_secs_f64());
            let by_cases = (rate > 0.0).then(|| (p.cases - p.done.min(p.cases)) as f64 / rate);
            let by_time = t.as_secs_f64() - secs;
            by_cases.map_or(by_time, |c| c.min(by_time)).max(0.0)
        }
        None if rate > 0.0 => (p.cases - p.done.min(p.cases)) as f64 / rate,
        None => f64::NAN,
    };
    let left = if left.is_finite() {
        viewcheck::supervise::human_duration(Duration::from_secs(left.ceil() as u64))
    } else {
        "?".into()
    };
    bar.set_position((done.min(1.0) * 1000.0) as u64);
    let mut message = format!(
        "{}/{} cases, {:.0} programs/s, {} failure(s), {left} left",
        p.done, p.cases, rate, p.failures
    );
    // One line, within the narrowed width (`Narrow`): the bar and its
    // brackets take 33 columns. The text is ASCII.
    let room = usize::from(console::Term::stderr().size().1).saturating_sub(4 + 33);
    message.truncate(room.max(10));
    bar.set_message(message);
}

/// What `check` adds to a failure beyond its differences: the buffer
/// picture of the shrunk program, and the NumPy script and Rust snippet
/// written next to its reproducer.
#[derive(Default)]
pub(crate) struct Rendered {
    picture: Option<String>,
    files: Vec<std::path::PathBuf>,
    problems: Vec<String>,
}

/// The renderings of every failure. The observations are not kept in a
/// [`campaign::Failure`] (they cross the worker boundary as differences
/// only), so divergences are run once more, on fresh backends.
fn render_failures(r: &Report) -> Vec<Rendered> {
    use viewcheck::backend::Backend;
    use viewcheck::compare::guarded_run;
    use viewcheck::render::{buffer_picture, numpy_script, rust_snippet};
    let mut numpy = None;
    let mut implementation = None;
    r.failures
        .iter()
        .map(|f| {
            let mut out = Rendered::default();
            // After Ctrl-C the user wants the summary now, not new workers.
            if f.kind == campaign::FailureKind::Divergence && r.interrupted.is_none() {
                let numpy = numpy.get_or_insert_with(|| {
                    process_backend(crate::BackendArg::Numpy, r.config.timeout)
                        .map_err(|e| e.message)
                });
                let got = implementation.get_or_insert_with(|| match &r.config.implementation {
                    None => Ok(None),
                    Some(line) => impl_backend(&ImplSpec::Cmd(line.clone()), r.config.timeout)
                        .map(Some)
                        .map_err(|e| e.message),
                });
                match (numpy, got) {
                    (Ok(numpy), Ok(got)) => {
                        let got: &dyn Backend = match got {
                            Some(b) => b,
                            None => &StridedBackend,
                        };
                        match (guarded_run(numpy, &f.shrunk), guarded_run(got, &f.shrunk)) {
                            (Ok(e), Ok(g)) => out.picture = Some(buffer_picture(&e, Some(&g))),
                            (e, g) => out.problems.push(format!(
                                "no buffer picture: the rerun failed ({})",
                                [e.err(), g.err()]
                                    .into_iter()
                                    .flatten()
                                    .map(|e| e.to_string())
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            )),
                        }
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        out.problems.push(format!("no buffer picture: {e}"))
                    }
                }
            }
            if let (Some(p), None) = (&f.reproducer, &f.write_error) {
                for (ext, text) in [
                    ("py", numpy_script(&f.shrunk)),
                    ("rs", rust_snippet(&f.shrunk)),
                ] {
                    let path = p.with_extension(ext);
                    match std::fs::write(&path, text) {
                        Ok(()) => out.files.push(path),
                        Err(e) => out
                            .problems
                            .push(format!("cannot write {}: {e}", path.display())),
                    }
                }
            }
            out
        })
        .collect()
}

pub(crate) fn print_report(
    r: &Report,
    startup: Duration,
    oracle: &str,
    quiet: bool,
    rendered: &[Rendered],
) {
    let count = |pred: &dyn Fn(&campaign::FailureKind) -> bool| {
        r.failures.iter().filter(|f| pred(&f.kind)).count()
    };
    use campaign::FailureKind as K;
    out!();
    out!("== summary ==");
    out!(
        "cases:        {} run of {}{}",
        r.cases_run,
        r.config.planned(),
        if let Some(sig) = r.interrupted {
            format!(
                " (interrupted by {})",
                if sig == 15 { "SIGTERM" } else { "SIGINT" }
            )
        } else if r.stopped_early {
            format!(" (stopped after --max-failures {})", r.config.max_failures)
        } else if r.out_of_time {
            format!(
                " (stopped after --time {})",
                viewcheck::supervise::human_duration(r.config.time.unwrap_or_default())
            )
        } else {
            String::new()
        }
    );
    out!(
        "failures:     {} ({} divergence(s) at level {}, {} backend error(s), {} crash(es), {} timeout(s), {} generator bug(s))",
        r.failures.len(),
        count(&|k| *k == K::Divergence),
        r.config.level,
        count(&|k| matches!(k, K::BackendError { .. })),
        count(&|k| matches!(k, K::Crash { .. })),
        count(&|k| matches!(k, K::Timeout { .. })),
        count(&|k| *k == K::Generator),
    );
    out!(
        "throughput:   {} programs/s overall ({:.2}s wall: {:.2}s generating, {:.2}s shrinking)",
        rate(r.cases_run, r.total_time),
        r.total_time.as_secs_f64(),
        r.generate_time.as_secs_f64(),
        r.shrink_time.as_secs_f64()
    );
    out!(
        "  {:<8}    {} programs/s ({:.3}s in the backend)",
        r.expected_name,
        rate(r.cases_run, r.expected_time),
        r.expected_time.as_secs_f64()
    );
    out!(
        "  {:<8}    {} programs/s ({:.3}s in the backend)",
        r.got_name,
        rate(r.cases_run, r.got_time),
        r.got_time.as_secs_f64()
    );
    if r.unsupported > 0 {
        out!(
            "unsupported:  {} case(s) the implementation cannot express (not failures)",
            r.unsupported
        );
    }
    out!(
        "oracle:       {oracle} (start-up {:.2}s; {} worker restart(s) after crashes or timeouts)",
        startup.as_secs_f64(),
        r.restarts
    );
    if !quiet {
        out!();
        out!("step outcomes in {} by op[index kinds]:", r.expected_name);
        out_raw!("{}", r.op_table());
        out!();
        out!("steps per rule (as {} ran them):", r.expected_name);
    }
    out_raw!("{}", viewcheck::coverage::summary(&r.rules, quiet));
    for (i, f) in r.failures.iter().enumerate() {
        out!();
        out!(
            "== failure {} of {}: case {} (seed {}): {} ==",
            i + 1,
            r.failures.len(),
            f.case,
            f.seed,
            f.kind
        );
        out!(
            "shrunk program ({} step(s), original {}):",
            f.shrunk.steps.len(),
            f.original.steps.len()
        );
        out!("{}", f.shrunk.to_line());
        match f.first_step {
            Some(k) => out!(
                "first divergent step: steps[{k}] {}",
                f.shrunk.to_json()["steps"][k]
            ),
            None => out!("first divergent step: none (no prefix diverges on its own)"),
        }
        out!(
            "differences (expected = {}, got = {}):",
            r.expected_name,
            r.got_name
        );
        for d in &f.diffs {
            out!("  {d}");
        }
        if let Some(x) = rendered.get(i) {
            if let Some(pic) = &x.picture {
                out!(
                    "buffers (NumPy's rows, then {}'s; ^ and ! mark differences):",
                    r.got_name
                );
                out_raw!("{pic}");
            }
            for p in &x.problems {
                out!("{p}");
            }
        }
        match (&f.reproducer, &f.write_error) {
            (Some(p), None) => {
                out!("reproducer:   {}", p.display());
                out!("rerun:        cargo run --release -- diff {}", p.display());
                out!("              (or: viewcheck diff {})", p.display());
                for file in rendered.get(i).map(|x| x.files.as_slice()).unwrap_or(&[]) {
                    let what = if file.extension().is_some_and(|e| e == "py") {
                        "numpy script:"
                    } else {
                        "rust snippet:"
                    };
                    out!("{what} {}", file.display());
                }
            }
            (Some(p), Some(e)) => {
                out!(
                    "reproducer:   {} (the shrunk version could NOT be written: {e})",
                    p.display()
                );
            }
            (None, Some(e)) => out!("reproducer NOT written: {e}"),
            (None, None) => {}
        }
    }
    if !r.failures.is_empty() {
        let mut groups: Vec<(String, Vec<u64>)> = Vec::new();
        for f in &r.failures {
            let sig = f.signature();
            match groups.iter_mut().find(|(s, _)| *s == sig) {
                Some((_, cases)) => cases.push(f.case),
                None => groups.push((sig, vec![f.case])),
            }
        }
        out!();
        out!("== {} distinct failure signature(s) ==", groups.len());
        for (sig, cases) in &groups {
            let mut shown: Vec<String> = cases.iter().take(10).map(|c| c.to_string()).collect();
            if cases.len() > 10 {
                shown.push("...".into());
            }
            out!("{} case(s) [{}]: {sig}", cases.len(), shown.join(", "));
        }
        out!();
        let unwritten: Vec<String> = r
            .failures
            .iter()
            .filter(|f| f.write_error.is_some())
            .map(|f| f.case.to_string())
            .collect();
        let dir = r
            .config
            .failures_dir
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| "(none written)".into());
        if unwritten.is_empty() {
            out!(
                "FAILED: {} failure(s); reproducers in {dir}",
                r.failures.len()
            );
        } else {
            out!(
                "FAILED: {} failure(s); reproducers in {dir}, but NOT all written: case(s) {} (see above)",
                r.failures.len(),
                unwritten.join(", ")
            );
        }
    } else if r.interrupted.is_some() {
        out!();
        out!(
            "INTERRUPTED: no divergence at level {} in the {} case(s) that ran",
            r.config.level,
            r.cases_run
        );
    } else {
        out!();
        out!(
            "OK: no divergence at level {} in {} cases",
            r.config.level,
            r.cases_run
        );
    }
}

/// `check --report FILE`: the campaign as JSON Lines, in the shape of
/// `replay`'s report: a header, one line per failure, a footer with counts.
fn campaign_jsonl(r: &Report, oracle: &str) -> String {
    use serde_json::json;
    let c = &r.config;
    let mut out = String::new();
    let header = json!({
        "type": "header",
        "viewcheck": env!("CARGO_PKG_VERSION"),
        "command": "check",
        "oracle": oracle,
        "implementation": r.got_name,
        "platform": {"os": std::env::consts::OS, "arch": std::env::consts::ARCH},
        "level": c.level.as_str(),
        "seed": c.seed,
        "cases": c.cases,
        "shard": [c.shard.0 + 1, c.shard.1],
        "generator": serde_json::to_value(&c.generator).unwrap_or_default(),
    });
    out.push_str(&header.to_string());
    out.push('\n');
    for f in &r.failures {
        let line = json!({
            "type": "failure",
            "case": f.case,
            "kind": f.kind.to_string(),
            "signature": f.signature(),
            "program": f.shrunk.to_json(),
            "original": f.original.to_json(),
            "first_step": f.first_step,
            "diffs": f.diffs.iter().map(|d| json!({"path": d.path, "expected": d.expected, "got": d.got})).collect::<Vec<_>>(),
            "reproducer": f.reproducer.as_ref().map(|p| p.display().to_string()),
            "write_error": f.write_error,
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    let mut kinds = std::collections::BTreeMap::new();
    for f in &r.failures {
        let k = match &f.kind {
            campaign::FailureKind::Divergence => "divergence",
            campaign::FailureKind::BackendError { .. } => "backend_error",
            campaign::FailureKind::Crash { .. } => "crash",
            campaign::FailureKind::Timeout { .. } => "timeout",
            campaign::FailureKind::Generator => "generator",
            campaign::FailureKind::Interrupted => "interrupted",
        };
        *kinds.entry(k).or_insert(0u64) += 1;
    }
    let footer = json!({
        "type": "footer",
        "cases_run": r.cases_run,
        "planned": c.planned(),
        "failures": r.failures.len(),
        "by_kind": kinds,
        "unsupported": r.unsupported,
        "restarts": r.restarts,
        "stopped_early": r.stopped_early,
        "out_of_time": r.out_of_time,
        "interrupted": r.interrupted,
        "seconds": r.total_time.as_secs_f64(),
        "programs_per_second": r.programs_per_second(),
        "rules": r.rules,
        "rules_unreached": viewcheck::coverage::unreached(&r.rules),
        "step_outcomes": r.by_kind.iter().map(|(k, v)| (k.clone(), json!({"ok": v.ok, "skipped": v.skipped, "errors": v.errors}))).collect::<serde_json::Map<_, _>>(),
    });
    out.push_str(&footer.to_string());
    out.push('\n');
    out
}
