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
    match backend.run_json(&p.to_line()) {
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

pub(crate) fn exec(spec: &ImplSpec, file: Option<&Path>, timeout: Duration) -> Result<u8, Fatal> {
    let backend = impl_backend(spec, timeout)?;
    let mut input = read_input(file)?;
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
