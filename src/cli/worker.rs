//! `viewcheck worker` and `viewcheck check-worker`: the processes the other commands supervise.

use viewcheck::backend::{Backend, StridedBackend};
use viewcheck::campaign::{self};
use viewcheck::compare::silence_backend_panics;

use super::*;
use crate::{BackendArg, Fatal};

/// `viewcheck worker`: the protocol on standard input/output.
pub(crate) fn serve_worker(backend: BackendArg, numpy: &NumpyRun) -> Result<u8, Fatal> {
    viewcheck::supervise::exit_when_orphaned();
    silence_backend_panics();
    let (backend, implementation): (Box<dyn Backend>, _) = match backend {
        BackendArg::Strided => (
            Box::new(StridedBackend),
            viewcheck::protocol::Implementation {
                name: "viewcheck-arrays".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                language: "rust".into(),
            },
        ),
        BackendArg::Numpy => {
            request_numpy(numpy.version.as_deref())?;
            in_process_numpy(numpy.raw_writes)?
        }
    };
    let backend = viewcheck::inject::wrap(backend.as_ref()).map_err(Fatal::env)?;
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    viewcheck::protocol::serve(
        &backend,
        &implementation,
        &viewcheck::protocol::Capabilities::all(),
        &mut stdin.lock(),
        &mut std::io::BufWriter::new(stdout.lock()),
    )
    .map_err(|e| Fatal::env(format!("worker: {e}")))?;
    Ok(0)
}

/// `viewcheck check-worker`.
pub(crate) fn serve_check_worker() -> Result<u8, Fatal> {
    viewcheck::supervise::exit_when_orphaned();
    silence_backend_panics();
    let (numpy, _) = in_process_numpy(false)?;
    let numpy = viewcheck::inject::wrap(numpy.as_ref()).map_err(Fatal::env)?;
    let strided = viewcheck::inject::wrap(&StridedBackend).map_err(Fatal::env)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let stdin = std::io::stdin();
    campaign::supervisor::serve(
        &mut stdin.lock(),
        &numpy,
        &strided,
        &numpy_description(),
        &mut out,
    )
    .map_err(|e| Fatal::env(format!("check-worker: {e}")))?;
    Ok(0)
}
