//! Turns a fuzz crash artifact into a regression corpus case.
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --features oracle --example import_crash -- \
//!     [--kind auto|bytes|json] [--no-numpy] ARTIFACT [OUT.json]
//! ```
//!
//! Prints what the checks find (invariant violation, differences between
//! NumPy and the strided crate in `compare`'s `path: expected X got Y` form)
//! on stderr, and writes the case JSON (id placeholder, provenance "fuzz",
//! the program, NumPy's observation when the oracle ran) to OUT.json or
//! stdout. Without `--features oracle` (or with `--no-numpy`) the case has
//! no observation. An empty artifact, a program without steps, and one on
//! which every check that ran passes (without NumPy: the invariants and the
//! strided crate only) are refused with the reason and exit status 1. See
//! `viewcheck::regress::import_crash`.

use std::process::ExitCode;

use viewcheck::backend::Backend;
use viewcheck::regress::{import_crash, ArtifactKind};

fn usage() -> ExitCode {
    eprintln!("usage: import_crash [--kind auto|bytes|json] [--no-numpy] ARTIFACT [OUT.json]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut kind = ArtifactKind::Auto;
    let mut use_numpy = cfg!(feature = "oracle");
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--kind" => {
                kind = match args.next().as_deref() {
                    Some("auto") => ArtifactKind::Auto,
                    Some("bytes") => ArtifactKind::GeneratorBytes,
                    Some("json") => ArtifactKind::ProgramJson,
                    _ => return usage(),
                }
            }
            "--no-numpy" => use_numpy = false,
            "-h" | "--help" => return usage(),
            _ => paths.push(a),
        }
    }
    let (artifact, out) = match paths.as_slice() {
        [a] => (a, None),
        [a, o] => (a, Some(o)),
        _ => return usage(),
    };
    let bytes = match std::fs::read(artifact) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("import_crash: {artifact}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let numpy = if use_numpy { numpy_backend() } else { None };
    // Regenerating the program runs the strided crate step by step; if the
    // crash was a panic there, say so in one line instead of a backtrace
    // (the report below names the step).
    std::panic::set_hook(Box::new(|info| {
        eprintln!("import_crash: a panic while replaying the input: {info}");
    }));
    let imported = match import_crash(&bytes, kind, numpy.as_deref()) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("import_crash: {artifact}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprint!("{}", imported.report());
    let text = serde_json::to_string_pretty(&imported.case).expect("JSON") + "\n";
    match out {
        Some(o) => {
            if let Err(e) = std::fs::write(o, text) {
                eprintln!("import_crash: {o}: {e}");
                return ExitCode::FAILURE;
            }
            eprintln!("case written to {o}");
        }
        None => print!("{text}"),
    }
    ExitCode::SUCCESS
}

#[cfg(feature = "oracle")]
fn numpy_backend() -> Option<Box<dyn Backend>> {
    match viewcheck::backend::NumpyBackend::new() {
        Ok(b) => Some(Box::new(b)),
        Err(e) => {
            eprintln!("import_crash: NumPy unavailable, the case gets no observation: {e}");
            None
        }
    }
}

#[cfg(not(feature = "oracle"))]
fn numpy_backend() -> Option<Box<dyn Backend>> {
    None
}
