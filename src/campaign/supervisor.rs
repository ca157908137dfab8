//! `check` as a supervisor and its workers.
//!
//! The worker (`viewcheck check-worker`, [`serve`]) runs cases exactly as
//! the in-process loop does — NumPy embedded, the strided crate linked in,
//! no serialization between them — and streams [`Event`]s to its standard
//! output. The supervisor ([`run_supervised`]) only reads those events,
//! writes reproducers and keeps the tally. When the worker dies (a NumPy
//! segfault, an abort, a panic outside the backends' guards) or sends
//! nothing within the time limit (a hang in either backend, the generator or
//! the reducer), the supervisor records a crash or timeout finding for the
//! case in flight, with its program, and starts a new worker at the next
//! case. Cases are a pure function of `(seed, case)`, so a restarted worker
//! makes exactly the programs the old one would have.

use std::io::Write;
use std::time::Duration;

use super::wire::{end_line, event_to_line, hello_line, parse_message, Job, Message};
use super::{CaseRunner, Config, Event, FailureKind, Progress, Report, Tally};
use crate::backend::Backend;
use crate::compare::Difference;
use crate::protocol::{StartError, WorkerCommand, MAX_MESSAGE_BYTES, START_TIMEOUT};
use crate::supervise::{interrupted, Fault, Worker};

/// What the case in flight is doing, to name the culprit of a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Generate,
    Expected,
    Got,
    Shrink,
}

/// The signal number behind [`interrupted`].
fn interrupt_signal() -> i32 {
    crate::supervise::interrupt_signal().unwrap_or(2)
}

/// Runs the campaign of `config` in worker processes started with
/// `command` (which must run [`serve`]). `Err` only if the first worker
/// cannot start (e.g. NumPy is missing): that is an environment problem,
/// not a finding.
pub fn run_supervised(
    config: &Config,
    command: &WorkerCommand,
    on_start: &mut dyn FnMut(&str),
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, StartError> {
    let mut tally = Tally::new(config, "numpy", "strided");
    let mut next = 0u64;
    let mut started_once = false;
    'workers: while next < config.cases {
        if tally.full() {
            tally.report.stopped_early = true;
            break;
        }
        if interrupted() {
            tally.report.interrupted = Some(interrupt_signal());
            break;
        }
        let job = Job {
            seed: config.seed,
            level: config.level,
            first: next,
            end: config.cases,
            stride: 1,
            generator: config.generator.clone(),
        };
        let mut worker = match start_worker(command, &job, !started_once) {
            Ok((w, oracle)) => {
                if !started_once {
                    on_start(&oracle);
                }
                started_once = true;
                w
            }
            Err(e) if !started_once => return Err(e),
            Err(e) => {
                // A worker that started before and no longer does: the case
                // it would have run is charged with it, and the campaign
                // stops (every further start would fail the same way).
                tally.fault(
                    next,
                    FailureKind::Crash {
                        backend: "numpy".into(),
                    },
                    vec![fault_diff(&format!(
                        "the worker could not be restarted: {e}"
                    ))],
                );
                break;
            }
        };
        let mut phase = Phase::Generate;
        let mut in_flight = next;
        loop {
            let got = worker.recv_or_interrupt(config.timeout, &interrupted);
            let line = match got {
                None => {
                    worker.kill();
                    tally.fault(in_flight, FailureKind::Interrupted, Vec::new());
                    tally.report.interrupted = Some(interrupt_signal());
                    break 'workers;
                }
                Some(Err(fault)) => {
                    let (kind, what) = culprit(phase, &fault);
                    tally.fault(
                        in_flight,
                        kind,
                        vec![fault_diff(&format!("{what}: {fault}"))],
                    );
                    tally.report.restarts += 1;
                    progress(tally.progress());
                    next = in_flight + 1;
                    continue 'workers;
                }
                Some(Ok(line)) => line,
            };
            let event = match parse_message(&line) {
                Ok(Message::Event(e)) => e,
                Ok(Message::End) => {
                    next = config.cases;
                    worker.finish(Duration::from_secs(2));
                    break;
                }
                Ok(Message::Hello { .. }) => continue,
                Err(problem) => {
                    worker.kill();
                    let fault = Fault::Protocol {
                        message: problem,
                        stderr: worker.stderr_tail(),
                    };
                    let (kind, what) = culprit(phase, &fault);
                    tally.fault(
                        in_flight,
                        kind,
                        vec![fault_diff(&format!("{what}: {fault}"))],
                    );
                    tally.report.restarts += 1;
                    next = in_flight + 1;
                    continue 'workers;
                }
            };
            let done = match &event {
                Event::Case { case, .. } => {
                    in_flight = *case;
                    phase = Phase::Expected;
                    None
                }
                Event::Got { .. } => {
                    phase = Phase::Got;
                    None
                }
                Event::Found(_) => {
                    phase = Phase::Shrink;
                    None
                }
                Event::Done { case, .. } => Some(*case),
                Event::Alive { .. } | Event::Failed(_) => None,
            };
            tally.apply(event);
            if let Some(case) = done {
                phase = Phase::Generate;
                in_flight = case + 1;
                next = case + 1;
                progress(tally.progress());
                if tally.full() {
                    worker.kill();
                    if next < config.cases {
                        tally.report.stopped_early = true;
                    }
                    break 'workers;
                }
            }
        }
    }
    Ok(tally.finish())
}

/// The kind of finding a fault is, and the words for it, given what the
/// case was doing.
fn culprit(phase: Phase, fault: &Fault) -> (FailureKind, &'static str) {
    let timeout = matches!(fault, Fault::Timeout { .. });
    let on = |backend: &str| {
        let backend = backend.to_string();
        if timeout {
            FailureKind::Timeout { backend }
        } else {
            FailureKind::Crash { backend }
        }
    };
    match phase {
        Phase::Generate => (
            FailureKind::Generator,
            "the worker failed while generating the program (the generator runs the strided crate)",
        ),
        Phase::Expected => (on("numpy"), "the worker failed while NumPy ran the program"),
        Phase::Got => (
            on("strided"),
            "the worker failed while the strided crate ran the program",
        ),
        Phase::Shrink => (on("numpy"), "the worker failed while shrinking"),
    }
}

fn fault_diff(text: &str) -> Difference {
    Difference {
        path: "backend".into(),
        expected: "an observation".into(),
        got: text.to_string(),
    }
}

fn start_worker(
    command: &WorkerCommand,
    job: &Job,
    echo: bool,
) -> Result<(Worker, String), StartError> {
    let mut c = std::process::Command::new(&command.program);
    c.args(&command.args);
    for (k, v) in &command.env {
        c.env(k, v);
    }
    let mut worker = Worker::spawn(&mut c, MAX_MESSAGE_BYTES, echo).map_err(|e| StartError {
        message: format!("cannot start `{}`: {e}", command.display()),
        stderr: String::new(),
        echoed: false,
    })?;
    let fail = |f: Fault| StartError {
        message: format!("the campaign worker did not start: {}", f.summary()),
        stderr: f.stderr().to_string(),
        echoed: echo,
    };
    worker.send(&job.to_line()).map_err(fail)?;
    let line = worker.recv(START_TIMEOUT).map_err(fail)?;
    worker.set_echo_stderr(false);
    match parse_message(&line) {
        Ok(Message::Hello { oracle }) => Ok((worker, oracle)),
        _ => Err(StartError {
            message: format!("the campaign worker answered its job with `{line}`"),
            stderr: worker.stderr_tail(),
            echoed: echo,
        }),
    }
}

/// The worker's side: reads its [`Job`] from the first line of `input`,
/// runs its cases on `expected` and `got` and writes one line per event to
/// `output`, flushed at once so that the supervisor knows what ran last.
pub fn serve(
    job_line: &str,
    expected: &dyn Backend,
    got: &dyn Backend,
    oracle: &str,
    output: &mut dyn Write,
) -> std::io::Result<()> {
    let job = Job::parse(job_line).map_err(std::io::Error::other)?;
    writeln!(output, "{}", hello_line(oracle))?;
    output.flush()?;
    let gen_config = job.generator.clone();
    let mut generate =
        |seed: u64, case: u64| crate::generate::program_for_case(seed, case, &gen_config);
    let mut shrink = |p: &crate::format::Program,
                      pred: &mut dyn FnMut(&crate::format::Program) -> bool| {
        crate::shrink::shrink(p, pred)
    };
    let mut runner = CaseRunner {
        seed: job.seed,
        level: job.level,
        expected,
        got,
        generate: &mut generate,
        shrink: &mut shrink,
    };
    let mut result = Ok(());
    for case in job.cases() {
        runner.run(case, &mut |e| {
            if result.is_ok() {
                result = writeln!(output, "{}", event_to_line(&e)).and_then(|_| output.flush());
            }
        });
        result
            .as_ref()
            .map_err(|e| std::io::Error::new(e.kind(), e.to_string()))?;
    }
    writeln!(output, "{}", end_line())?;
    output.flush()
}
