//! `viewcheck check`: the differential campaign and its summary.

use std::time::{Duration, Instant};

use viewcheck::backend::StridedBackend;
use viewcheck::campaign::{self, Config, Progress, Report};
use viewcheck::protocol::WorkerCommand;

use super::*;
use crate::Fatal;

pub(crate) fn check(config: Config, quiet: bool, in_process: bool) -> Result<u8, Fatal> {
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
    let mut progress = |p: Progress| {
        if quiet {
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
        let (numpy, _) = in_process_numpy()?;
        on_start(&numpy_description(), "strided");
        campaign::run(&config, numpy.as_ref(), &StridedBackend, &mut progress)
    } else {
        campaign::supervisor::run_supervised(&config, &command, &mut on_start, &mut progress)
            .map_err(|e| start_failure("numpy", &e))?
    };
    print_report(&report, startup, &oracle, quiet);
    let unwritten = report.failures.iter().any(|f| f.write_error.is_some());
    Ok(match report.interrupted {
        Some(sig) => (128 + sig) as u8,
        None if unwritten => 3,
        None if report.failures.is_empty() => 0,
        None => 1,
    })
}

pub(crate) fn print_report(r: &Report, startup: Duration, oracle: &str, quiet: bool) {
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
    }
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
        match (&f.reproducer, &f.write_error) {
            (Some(p), None) => {
                out!("reproducer:   {}", p.display());
                out!("rerun:        cargo run --release -- diff {}", p.display());
                out!("              (or: viewcheck diff {})", p.display());
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
