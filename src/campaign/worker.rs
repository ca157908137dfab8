//! The campaign worker's side (`viewcheck check-worker`): [`serve`] reads
//! jobs and runs their cases, streaming [`Event`]s to its supervisor
//! (`super::supervisor`).

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use super::wire::{end_line, event_to_line, hello_line, Job};
use super::{Batch, Event};
use crate::backend::Backend;

/// How long a worker in fast mode keeps finished cases before it sends
/// them as one batch.
const BATCH_EVERY: Duration = Duration::from_millis(20);

/// The worker's side: reads [`Job`]s from `input`, one a line, until its
/// end; runs each job's cases on `expected` and `got` and writes their
/// events to `output`, then an end line. Failures are sent at once (and
/// the batch of finished cases right after a failing one, so that batches
/// end at failures); finished cases in batches (at most 20 ms apart while
/// cases finish), except below the job's `careful_until`, where every
/// event is sent at once with its program.
pub fn serve(
    input: &mut dyn BufRead,
    expected: &dyn Backend,
    got: &dyn Backend,
    oracle: &str,
    output: &mut dyn Write,
) -> std::io::Result<()> {
    // The implementation under test, if it is not `got`: supervised from
    // here, so that its crashes and hangs are findings of this worker.
    // Started with the first job that names it, kept for the next ones.
    let mut implementation: Option<(String, crate::protocol::ProcessBackend)> = None;
    loop {
        let line = match crate::supervise::read_bounded_line(input, 1 << 20)? {
            crate::supervise::BoundedLine::Eof => return Ok(()),
            crate::supervise::BoundedLine::TooLong { len } => {
                return Err(std::io::Error::other(format!("a job line of {len} bytes")))
            }
            crate::supervise::BoundedLine::Line(l) => String::from_utf8_lossy(&l).into_owned(),
        };
        if line.trim().is_empty() {
            continue;
        }
        let job = Job::parse(&line).map_err(std::io::Error::other)?;
        match &job.implementation {
            None => implementation = None,
            Some(l) if implementation.as_ref().is_some_and(|(have, _)| have == l) => {}
            Some(l) => {
                let b = crate::protocol::ProcessBackend::start_shell(
                    l,
                    Duration::from_millis(job.impl_timeout_ms.max(1)),
                )
                .map_err(|e| std::io::Error::other(format!("cannot start `{l}`: {e}")))?;
                implementation = Some((l.clone(), b));
            }
        }
        // An implementation is named with its version ("numpy 2.0.0"):
        // its name alone may be the oracle's.
        let (got, label): (&dyn Backend, String) = match &implementation {
            Some((_, b)) => {
                let i = b.implementation();
                (b, format!("{} {}", i.name, i.version))
            }
            None => (got, got.name().to_string()),
        };
        serve_job(&job, expected, got, &label, oracle, output)?;
    }
}

/// Runs one job (see [`serve`]).
fn serve_job(
    job: &Job,
    expected: &dyn Backend,
    got: &dyn Backend,
    got_label: &str,
    oracle: &str,
    output: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(output, "{}", hello_line(oracle, got_label))?;
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
            let mut failed = false;
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
                        if careful || failed || last_sent.elapsed() >= BATCH_EVERY {
                            last_sent = Instant::now();
                            send(&[&Event::Batch(Box::new(take(&mut batch)))])
                        } else {
                            Ok(())
                        }
                    }
                    other => {
                        // A failure: what came before it first, then at once.
                        failed |= matches!(other, Event::Failed(_));
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
