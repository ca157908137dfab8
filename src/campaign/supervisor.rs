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
use std::time::{Duration, Instant};

use super::wire::{end_line, event_to_line, hello_line, parse_message, Job, Message};
use super::{Batch, Config, Event, FailureKind, Progress, Report, Tally};
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

/// How many cases a worker reruns carefully after a fault it could not pin
/// on a case: more than a worker finishes between two batches.
const CAREFUL_WINDOW: u64 = 256;

/// A fault seen in fast mode, waiting to be pinned by a careful rerun.
struct Suspect {
    fault: Fault,
    first: u64,
}

/// Runs the campaign of `config` in worker processes started with
/// `command` (which must run [`serve`]). `Err` only if the first worker
/// cannot start (e.g. NumPy is missing): that is an environment problem,
/// not a finding.
///
/// Workers send finished cases in batches; a crash or hang between two
/// batches is not yet pinned on a case, so the cases after the last batch
/// are run again *carefully* (every event at once, with its program) by a
/// new worker, which fails again on the same case if the fault is
/// deterministic, and this time says which case and which backend.
pub fn run_supervised(
    config: &Config,
    command: &WorkerCommand,
    on_start: &mut dyn FnMut(&str, &str),
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, StartError> {
    let mut tally = Tally::new(config, "numpy", "strided");
    // A shard runs cases `shard, shard + shards, ...` (0-based).
    let (offset, stride) = (config.shard.0, config.shard.1.max(1));
    let mut next = offset;
    let mut careful_until = 0u64;
    let mut suspect: Option<Suspect> = None;
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
            stride,
            careful_until,
            implementation: config.implementation.clone(),
            // A little less than the supervisor's own limit, so that a hang
            // of the implementation is the worker's finding (and the worker
            // goes on), not a timeout of the worker.
            impl_timeout_ms: (config.timeout.as_millis() as u64).saturating_mul(3) / 4,
            generator: config.generator.clone(),
        };
        let mut worker = match start_worker(command, &job, !started_once) {
            Ok((w, oracle, got)) => {
                if !started_once {
                    tally.report.got_name = got.clone();
                    on_start(&oracle, &got);
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
        // What the case in flight is doing; `None` while that is not known
        // (fast mode between batches).
        let mut phase = if next < careful_until {
            Some(Phase::Generate)
        } else {
            None
        };
        let mut in_flight = next;
        loop {
            let got = worker.recv_or_interrupt(config.timeout, &interrupted);
            let fault = match got {
                None => {
                    worker.kill();
                    tally.fault(in_flight, FailureKind::Interrupted, Vec::new());
                    tally.report.interrupted = Some(interrupt_signal());
                    break 'workers;
                }
                Some(Err(fault)) => Some(fault),
                Some(Ok(line)) => match parse_message(&line) {
                    Ok(Message::Event(event)) => {
                        match &event {
                            Event::Case { case, .. } => {
                                in_flight = *case;
                                phase = Some(Phase::Expected);
                            }
                            Event::Got { .. } => phase = Some(Phase::Got),
                            Event::Found(f) => {
                                in_flight = f.case;
                                phase = Some(Phase::Shrink);
                            }
                            Event::Failed(_) => {
                                phase = (in_flight < careful_until).then_some(Phase::Shrink);
                            }
                            Event::Batch(b) => {
                                in_flight = b.through + stride;
                                next = b.through + stride;
                                phase = (in_flight < careful_until).then_some(Phase::Generate);
                            }
                            Event::Alive { .. } | Event::Done { .. } => {}
                        }
                        let batch_end = match &event {
                            Event::Batch(b) => Some(b.through),
                            _ => None,
                        };
                        tally.apply(event);
                        if let Some(through) = batch_end {
                            if let Some(s) = suspect.take() {
                                if through + 1 >= careful_until {
                                    // The careful rerun went past the window
                                    // without failing: not reproducible.
                                    unpinned(&mut tally, s, through);
                                } else {
                                    suspect = Some(s);
                                }
                            }
                            progress(tally.progress());
                            if config.time.is_some_and(|t| tally.elapsed() >= t) {
                                worker.kill();
                                if next < config.cases {
                                    tally.report.out_of_time = true;
                                }
                                break 'workers;
                            }
                            if tally.full() {
                                worker.kill();
                                if next < config.cases {
                                    tally.report.stopped_early = true;
                                }
                                break 'workers;
                            }
                        }
                        None
                    }
                    Ok(Message::End) => {
                        worker.finish(Duration::from_secs(2));
                        if let Some(s) = suspect.take() {
                            unpinned(&mut tally, s, config.cases.saturating_sub(1));
                        }
                        next = config.cases;
                        break;
                    }
                    Ok(Message::Hello { .. }) => None,
                    Err(problem) => {
                        worker.kill();
                        Some(Fault::Protocol {
                            message: problem,
                            stderr: worker.stderr_tail(),
                        })
                    }
                },
            };
            let Some(fault) = fault else { continue };
            tally.report.restarts += 1;
            match phase {
                Some(phase) => {
                    let got = tally.report.got_name.clone();
                    let (kind, what) = culprit(phase, &fault, &got);
                    tally.fault(
                        in_flight,
                        kind,
                        vec![fault_diff(&format!("{what}: {fault}"))],
                    );
                    suspect = None;
                    next = in_flight + stride;
                    careful_until = 0;
                }
                None => {
                    // Not pinned yet: rerun the unreported cases carefully.
                    suspect = Some(Suspect { fault, first: next });
                    careful_until = next + CAREFUL_WINDOW * stride;
                }
            }
            progress(tally.progress());
            continue 'workers;
        }
    }
    Ok(tally.finish())
}

/// Records a fault that a careful rerun of cases `s.first..=through` did
/// not reproduce.
fn unpinned(tally: &mut Tally, s: Suspect, through: u64) {
    let kind = match s.fault {
        Fault::Timeout { .. } => FailureKind::Timeout {
            backend: "unknown".into(),
        },
        _ => FailureKind::Crash {
            backend: "unknown".into(),
        },
    };
    let text = format!(
        "the worker failed while running one of cases {}..={through}, but not when they were run again one by one (a flaky fault): {}",
        s.first, s.fault
    );
    tally.report.cases_run = tally.report.cases_run.saturating_sub(1);
    tally.fault(s.first, kind, vec![fault_diff(&text)]);
}

/// The kind of finding a fault is, and the words for it, given what the
/// case was doing.
fn culprit(phase: Phase, fault: &Fault, got: &str) -> (FailureKind, &'static str) {
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
            on(got),
            "the worker failed while the implementation under test ran the program",
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
) -> Result<(Worker, String, String), StartError> {
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
        Ok(Message::Hello { oracle, got }) => Ok((worker, oracle, got)),
        _ => Err(StartError {
            message: format!("the campaign worker answered its job with `{line}`"),
            stderr: worker.stderr_tail(),
            echoed: echo,
        }),
    }
}

/// How long a worker in fast mode keeps finished cases before it sends
/// them as one batch.
const BATCH_EVERY: Duration = Duration::from_millis(20);

/// The worker's side: reads its [`Job`] from the first line of `input`,
/// runs its cases on `expected` and `got` and writes its events to
/// `output`. Failures are sent at once; finished cases in batches (at most
/// 20 ms apart while cases finish), except below the job's
/// `careful_until`, where every event is sent at once with its program.
pub fn serve(
    job_line: &str,
    expected: &dyn Backend,
    got: &dyn Backend,
    oracle: &str,
    output: &mut dyn Write,
) -> std::io::Result<()> {
    let job = Job::parse(job_line).map_err(std::io::Error::other)?;
    // The implementation under test, if it is not `got`: supervised from
    // here, so that its crashes and hangs are findings of this worker.
    let implementation = match &job.implementation {
        None => None,
        Some(line) => Some(
            crate::protocol::ProcessBackend::start_shell(
                line,
                Duration::from_millis(job.impl_timeout_ms.max(1)),
            )
            .map_err(|e| std::io::Error::other(format!("cannot start `{line}`: {e}")))?,
        ),
    };
    let got: &dyn Backend = match &implementation {
        Some(b) => b,
        None => got,
    };
    writeln!(output, "{}", hello_line(oracle, got.name()))?;
    output.flush()?;
    // Programs within what the implementation declared it supports.
    let generator = job.generator.clone();
    super::engine::with_project_runner(job.seed, job.level, expected, got, &generator, |runner| {
        let mut batch = Batch::default();
        let mut last_sent = Instant::now();
        let mut result = Ok(());
        for case in job.cases() {
            let careful = case < job.careful_until;
            let mut program = None;
            runner.run(case, &mut |e| {
                if result.is_err() {
                    return;
                }
                let mut send = |events: &[&Event]| -> std::io::Result<()> {
                    for e in events {
                        writeln!(output, "{}", event_to_line(e))?;
                    }
                    output.flush()
                };
                let take = |batch: &mut Batch| std::mem::take(batch);
                result = match e {
                    Event::Case { case, program: p } => {
                        let r = if careful {
                            send(&[&Event::Case {
                                case,
                                program: p.clone(),
                            }])
                        } else {
                            Ok(())
                        };
                        program = Some(p);
                        r
                    }
                    Event::Got { .. } if careful => send(&[&e]),
                    Event::Got { .. } => Ok(()),
                    Event::Done {
                        case,
                        unsupported,
                        outcomes,
                        rules,
                        times,
                    } => {
                        batch.add(
                            case,
                            unsupported,
                            program.as_ref(),
                            &outcomes,
                            &rules,
                            &times,
                        );
                        if careful || last_sent.elapsed() >= BATCH_EVERY {
                            last_sent = Instant::now();
                            send(&[&Event::Batch(Box::new(take(&mut batch)))])
                        } else {
                            Ok(())
                        }
                    }
                    other => {
                        // A failure: what came before it first, then at once.
                        last_sent = Instant::now();
                        if batch.cases > 0 {
                            let b = Event::Batch(Box::new(take(&mut batch)));
                            send(&[&b, &other])
                        } else {
                            send(&[&other])
                        }
                    }
                };
            });
            result
                .as_ref()
                .map_err(|e| std::io::Error::new(e.kind(), e.to_string()))?;
        }
        if batch.cases > 0 {
            writeln!(output, "{}", event_to_line(&Event::Batch(Box::new(batch))))?;
        }
        Ok::<(), std::io::Error>(())
    })?;
    writeln!(output, "{}", end_line())?;
    output.flush()
}
