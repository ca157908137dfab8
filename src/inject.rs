//! Fault injection, to test the supervision with real crashes and hangs.
//!
//! Worker processes (`viewcheck worker`, `viewcheck check-worker`) read
//! `VIEWCHECK_INJECT_FAULT`, a comma-separated list of `KIND:BACKEND:EVERY`
//! rules: the backend named `BACKEND` (`numpy`, `strided`) suffers `KIND` on
//! every program whose text hashes to a multiple of `EVERY`, where `KIND` is
//!
//! - `segv`: the process kills itself with SIGSEGV (what a NumPy segfault does);
//! - `abort`: the process aborts (a panic outside every guard, a failed
//!   allocation);
//! - `hang`: the backend never returns;
//! - `panic`: the backend panics (contained: a backend error).
//!
//! Unset, it costs one environment lookup per worker. It exists for the
//! tests of `docs/RELIABILITY.md` and for anyone who wants to see what a
//! crash looks like in a report.

use crate::backend::{Backend, BackendError};
use crate::format::{Observation, Program};

/// The environment variable.
pub const VAR: &str = "VIEWCHECK_INJECT_FAULT";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Segv,
    Abort,
    Hang,
    Panic,
}

#[derive(Clone, Debug)]
struct Rule {
    kind: Kind,
    backend: String,
    every: u64,
}

/// A backend with the injected faults of its name.
pub struct Injected<'a> {
    inner: &'a dyn Backend,
    rules: Vec<Rule>,
}

/// The rules of [`VAR`], or why they are malformed.
fn rules() -> Result<Vec<Rule>, String> {
    let Ok(spec) = std::env::var(VAR) else {
        return Ok(Vec::new());
    };
    spec.split(',')
        .filter(|r| !r.trim().is_empty())
        .map(|r| {
            let parts: Vec<&str> = r.trim().split(':').collect();
            let bad = || format!("{VAR}: `{r}` is not KIND:BACKEND:EVERY");
            let [kind, backend, every] = parts[..] else {
                return Err(bad());
            };
            let kind = match kind {
                "segv" => Kind::Segv,
                "abort" => Kind::Abort,
                "hang" => Kind::Hang,
                "panic" => Kind::Panic,
                _ => return Err(bad()),
            };
            let every = every.parse().ok().filter(|&n| n > 0).ok_or_else(bad)?;
            Ok(Rule {
                kind,
                backend: backend.to_string(),
                every,
            })
        })
        .collect()
}

/// `backend` with the faults [`VAR`] asks for (none if unset).
pub fn wrap(backend: &dyn Backend) -> Result<Injected<'_>, String> {
    let name = backend.name().to_string();
    Ok(Injected {
        inner: backend,
        rules: rules()?.into_iter().filter(|r| r.backend == name).collect(),
    })
}

/// FNV-1a: a stable hash of the program text, whatever the build.
fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Backend for Injected<'_> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn run(&self, program: &Program) -> Result<Observation, BackendError> {
        if !self.rules.is_empty() {
            let h = hash(&program.to_line());
            for r in &self.rules {
                if h % r.every == 0 {
                    match r.kind {
                        Kind::Segv => {
                            // Rust's own SIGSEGV handler (stack-overflow
                            // detection) lets the first one pass and restores
                            // the default action: the second one kills.
                            let pid = std::process::id().to_string();
                            for _ in 0..2 {
                                let _ = std::process::Command::new("kill")
                                    .args(["-SEGV", &pid])
                                    .status();
                                std::thread::sleep(std::time::Duration::from_millis(200));
                            }
                            std::process::abort();
                        }
                        Kind::Abort => std::process::abort(),
                        Kind::Hang => loop {
                            std::thread::sleep(std::time::Duration::from_secs(3600));
                        },
                        Kind::Panic => panic!("injected panic ({VAR})"),
                    }
                }
            }
        }
        self.inner.run(program)
    }
}
