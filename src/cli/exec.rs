//! `viewcheck exec`: run programs on one backend, one observation line per input line.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use viewcheck::backend::Backend;
use viewcheck::format::{Observation, Program, MAX_LINE_BYTES};
use viewcheck::protocol::{backend_error_line, ProcessBackend, RunOutcome};
use viewcheck::supervise::{read_bounded_line, BoundedLine};

use super::*;
use crate::Fatal;

/// The observation line of a valid program: a `backend_error` when the
/// backend fails, crashes or hangs.
pub(crate) fn exec_program(backend: &ProcessBackend, p: &Program) -> String {
    if let Some(reason) = backend.capabilities().unsupported(p) {
        return backend_error_line(&format!(
            "backend `{}`: unsupported: {reason}",
            backend.name()
        ));
    }
    outcome_line(backend, backend.run_json(&p.to_line()))
}

/// The line of a program's outcome (see [`exec_program`]).
fn outcome_line(backend: &ProcessBackend, outcome: RunOutcome) -> String {
    match outcome {
        RunOutcome::Observation(raw) => raw.get().to_string(),
        RunOutcome::Unsupported(reason) => backend_error_line(&format!(
            "backend `{}`: unsupported: {reason}",
            backend.name()
        )),
        RunOutcome::Error(message) => {
            backend_error_line(&format!("backend `{}` failed: {message}", backend.name()))
        }
        RunOutcome::Fault(fault) => {
            backend_error_line(&format!("backend `{}`: {fault}", backend.name()))
        }
    }
}

/// Whether the programs come from a regular file, which can be read ahead
/// without waiting for a person or another program to write more.
fn input_is_a_file(file: Option<&Path>) -> bool {
    use std::os::fd::AsFd;
    match file {
        Some(p) => std::fs::metadata(p).is_ok_and(|m| m.is_file()),
        None => std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map(std::fs::File::from)
            .and_then(|f| f.metadata())
            .is_ok_and(|m| m.is_file()),
    }
}

/// The line itself as the program of a `run` request, when it is JSON
/// that the request can carry: the worker then parses it with the same
/// reader `exec` would use, so a program that is not valid format 1 gets
/// the same `format_error` line from it, and a valid one the same
/// observation, without `exec` parsing and writing every program once more.
/// `None` (parse it here) for anything else: not UTF-8, not JSON, or nested
/// so deeply that the request would be too deep.
fn sendable_as_is(line: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(line).ok()?;
    // One level more, as in the request.
    let wrapped = format!("[{text}]");
    serde_json::from_str::<serde::de::IgnoredAny>(&wrapped).ok()?;
    Some(text.to_string())
}

/// Programs in flight at most when reading ahead, and their bytes: well
/// within a pipe's 64 KiB, so that sending never blocks on a worker that
/// hangs (and stops reading).
const AHEAD_PROGRAMS: usize = 64;
const AHEAD_BYTES: usize = 32 * 1024;

/// An input line on its way out.
enum Entry {
    /// Its output line.
    Ready(String),
    /// A program sent to the backend (`Some(seq)`), or to be sent again
    /// after a fault (`None`).
    Running { seq: Option<u64>, text: String },
}

pub(crate) fn exec(spec: &ImplSpec, file: Option<&Path>, timeout: Duration) -> Result<u8, Fatal> {
    let backend = impl_backend(spec, timeout)?;
    let mut input = read_input(file)?;
    if input_is_a_file(file) {
        return exec_ahead(&backend, input.as_mut(), file);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for n in 1.. {
        let read = read_bounded_line(input.as_mut(), MAX_LINE_BYTES).map_err(|e| {
            Fatal::env(format!(
                "cannot read line {n} of {}: {e}",
                file.map(|p| p.display().to_string())
                    .unwrap_or_else(|| "standard input".into())
            ))
        })?;
        let observation = match read {
            BoundedLine::Eof => break,
            BoundedLine::TooLong { len } => Observation::rejected(
                viewcheck::format::FormatError::line_too_long(len as usize).to_string(),
            )
            .to_line(),
            BoundedLine::Line(buf) if buf.iter().all(u8::is_ascii_whitespace) => continue,
            BoundedLine::Line(buf) => {
                let line = buf.strip_suffix(b"\r").unwrap_or(&buf);
                match Program::parse_bytes(line) {
                    Err(e) => Observation::rejected(e.to_string()).to_line(),
                    Ok(p) => exec_program(&backend, &p),
                }
            }
        };
        writeln!(out, "{observation}").map_err(write_err)?;
        // Each answer is out before the next program runs: a reader sees
        // every finished line even if a later program hangs.
        out.flush().map_err(write_err)?;
    }
    out.flush().map_err(write_err)?;
    Ok(0)
}

/// `exec` on a file: programs are sent up to [`AHEAD_PROGRAMS`] ahead of
/// their answers, so that the backend never waits for the next one. The
/// output is the same as one program at a time: lines in input order, a
/// crash or hang charged to the program that caused it (the backend
/// answers in order, so that is the oldest unanswered one), and the
/// programs sent after it sent again to the fresh process.
fn exec_ahead(
    backend: &ProcessBackend,
    input: &mut dyn std::io::BufRead,
    file: Option<&Path>,
) -> Result<u8, Fatal> {
    use std::collections::VecDeque;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut queue: VecDeque<Entry> = VecDeque::new();
    let (mut ahead, mut ahead_bytes) = (0usize, 0usize);
    let mut n = 0u64;
    let mut eof = false;
    // A program could not be sent: send nothing more until it is resent.
    let mut stalled = false;
    // A backend that supports everything gets each line as it is (see
    // `sendable_as_is`).
    let unrestricted = backend.capabilities() == viewcheck::protocol::Capabilities::all();
    loop {
        while !eof
            && !stalled
            && (ahead == 0 || (ahead < AHEAD_PROGRAMS && ahead_bytes < AHEAD_BYTES))
        {
            n += 1;
            let read = read_bounded_line(input, MAX_LINE_BYTES).map_err(|e| {
                Fatal::env(format!(
                    "cannot read line {n} of {}: {e}",
                    file.map(|p| p.display().to_string())
                        .unwrap_or_else(|| "standard input".into())
                ))
            })?;
            let text = match read {
                BoundedLine::Eof => {
                    eof = true;
                    break;
                }
                BoundedLine::TooLong { len } => {
                    queue.push_back(Entry::Ready(
                        Observation::rejected(
                            viewcheck::format::FormatError::line_too_long(len as usize).to_string(),
                        )
                        .to_line(),
                    ));
                    continue;
                }
                BoundedLine::Line(buf) if buf.iter().all(u8::is_ascii_whitespace) => continue,
                BoundedLine::Line(buf) => {
                    let line = buf.strip_suffix(b"\r").unwrap_or(&buf);
                    match unrestricted.then(|| sendable_as_is(line)).flatten() {
                        Some(text) => text,
                        None => match Program::parse_bytes(line) {
                            Err(e) => {
                                queue.push_back(Entry::Ready(
                                    Observation::rejected(e.to_string()).to_line(),
                                ));
                                continue;
                            }
                            Ok(p) => {
                                if let Some(reason) = backend.capabilities().unsupported(&p) {
                                    queue.push_back(Entry::Ready(backend_error_line(&format!(
                                        "backend `{}`: unsupported: {reason}",
                                        backend.name()
                                    ))));
                                    continue;
                                }
                                p.to_line()
                            }
                        },
                    }
                }
            };
            let seq = backend.submit(&text).ok();
            stalled = seq.is_none();
            ahead += 1;
            ahead_bytes += text.len();
            queue.push_back(Entry::Running { seq, text });
        }
        let Some(front) = queue.pop_front() else {
            break;
        };
        let line = match front {
            Entry::Ready(line) => line,
            Entry::Running { seq, text } => {
                ahead -= 1;
                ahead_bytes -= text.len();
                let outcome = match seq {
                    Some(seq) => backend.answer(seq),
                    // Nothing else is in flight: as `run_json`.
                    None => backend.run_json(&text),
                };
                if matches!(outcome, RunOutcome::Fault(_)) {
                    // The process is gone, with the programs sent after
                    // this one: send them again, in order.
                    stalled = false;
                    for e in queue.iter_mut() {
                        if let Entry::Running { seq, text } = e {
                            *seq = if stalled {
                                None
                            } else {
                                backend.submit(text).ok()
                            };
                            stalled = seq.is_none();
                        }
                    }
                } else if stalled
                    && !queue
                        .iter()
                        .any(|e| matches!(e, Entry::Running { seq: None, .. }))
                {
                    stalled = false;
                }
                outcome_line(backend, outcome)
            }
        };
        writeln!(out, "{line}").map_err(write_err)?;
        // Out as soon as known when nothing else is: a reader sees every
        // finished line even if a later program hangs.
        if matches!(queue.front(), None | Some(Entry::Running { .. })) {
            out.flush().map_err(write_err)?;
        }
    }
    out.flush().map_err(write_err)?;
    Ok(0)
}
