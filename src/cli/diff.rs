//! `viewcheck diff`: compare NumPy and an implementation on given programs.

use std::path::Path;
use std::time::Duration;

use viewcheck::backend::Backend;
use viewcheck::compare::{
    compare, first_divergent_step, guarded_run, silence_backend_panics, Level,
};
use viewcheck::format::Observation;

use super::*;
use crate::{BackendArg, Fatal};

pub(crate) fn diff(
    path: &Path,
    level: Level,
    show: bool,
    timeout: Duration,
    spec: &ImplSpec,
    render: bool,
) -> Result<u8, Fatal> {
    silence_backend_panics();
    let programs = read_programs(path)?;
    if programs.is_empty() {
        return Err(Fatal::env(format!("{} holds no programs", path.display())));
    }
    let numpy = process_backend(BackendArg::Numpy, timeout)?;
    let strided = impl_backend(spec, timeout)?;
    // "numpy 2.4.6" against "numpy 2.0.0": names alone may be equal.
    let label = |p: &viewcheck::protocol::ProcessBackend| {
        let i = p.implementation();
        format!("{} {}", i.name, i.version)
    };
    let (numpy_label, impl_label) = (label(&numpy), label(&strided));
    let numpy: &dyn Backend = &numpy;
    let strided: &dyn Backend = &strided;
    let (mut differing, mut invalid) = (0usize, 0usize);
    for (line, program) in &programs {
        let program = match program {
            Ok(p) => p,
            Err(e) => {
                invalid += 1;
                out!("{}:{line}: not a valid program: {e}", path.display());
                continue;
            }
        };
        let title = program
            .name
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let e = guarded_run(numpy, program);
        let g = guarded_run(strided, program);
        let diffs = match (&e, &g) {
            (Ok(e), Ok(g)) => compare(e, g, level),
            _ => {
                let show = |r: &Result<Observation, _>| match r {
                    Ok(_) => "an observation".to_string(),
                    Err(err) => format!("{err}"),
                };
                vec![viewcheck::compare::Difference {
                    path: "backend".into(),
                    expected: show(&e),
                    got: show(&g),
                }]
            }
        };
        if show {
            for (name, r) in [(numpy.name(), &e), (strided.name(), &g)] {
                match r {
                    Ok(o) => out!("{}:{line}: {name}: {}", path.display(), o.to_line()),
                    Err(err) => out!("{}:{line}: {name}: {err}", path.display()),
                }
            }
        }
        if diffs.is_empty() {
            out!(
                "{}:{line}{title}: {} and {} agree at level {level}",
                path.display(),
                numpy.name(),
                strided.name()
            );
            continue;
        }
        differing += 1;
        out!(
            "{}:{line}{title}: {} difference(s) at level {level} (expected = {numpy_label}, got = {impl_label})",
            path.display(),
            diffs.len(),
        );
        match first_divergent_step(program, numpy, strided, level) {
            Some(k) => out!(
                "  first divergent step: steps[{k}] {}",
                program.to_json()["steps"][k]
            ),
            None => out!("  first divergent step: none (no prefix diverges on its own)"),
        }
        for d in &diffs {
            out!("  {d}");
        }
        if render {
            use viewcheck::render::{buffer_picture, numpy_script, rust_snippet};
            if let (Ok(e), Ok(g)) = (&e, &g) {
                out!("-- buffers (NumPy's rows, then {}'s) --", strided.name());
                out_raw!("{}", buffer_picture(e, Some(g)));
            }
            out!("-- NumPy script --");
            out_raw!("{}", numpy_script(program));
            out!("-- Rust snippet (viewcheck-arrays) --");
            out_raw!("{}", rust_snippet(program));
        }
    }
    out!(
        "{} program(s): {} differ, {} invalid, {} agree",
        programs.len(),
        differing,
        invalid,
        programs.len() - differing - invalid
    );
    Ok(if differing + invalid > 0 { 1 } else { 0 })
}
