//! `viewcheck record`: fill in recorded answers from the live NumPy.

use std::path::Path;

use super::*;
use crate::Fatal;

#[cfg(feature = "oracle")]
pub(crate) fn record(all: bool, ids: &[String], dir: &Path) -> Result<u8, Fatal> {
    use viewcheck::corpus::filter;
    let mut corpus = load_corpus(dir)?;
    let oracle = process_backend(BackendArg::Numpy, viewcheck::protocol::DEFAULT_TIMEOUT)?;
    let version = oracle.implementation().version;
    let by_ids = filter::ids(ids);
    let filter: &dyn Fn(&viewcheck::corpus::Case) -> bool = if all {
        &filter::all
    } else if !ids.is_empty() {
        &by_ids
    } else {
        &filter::unrecorded
    };
    let report = viewcheck::corpus::record(&mut corpus, &oracle, &version, filter)
        .map_err(|p| Fatal::env(p.to_string()))?;
    for id in &report.new {
        out!("new        {id}");
    }
    for (id, diffs) in &report.changed {
        out!("CHANGED    {id} (list it in corpus/CHANGELOG.md)");
        for d in diffs {
            out!("           {}: was {} now {}", d.path, d.expected, d.got);
        }
    }
    for (id, e) in &report.failed {
        out!("FAILED     {id}: {e}");
    }
    out!(
        "recorded with NumPy {version}: {} new, {} changed, {} unchanged, {} failed, {} not applicable; {} file(s) written",
        report.new.len(),
        report.changed.len(),
        report.unchanged.len(),
        report.failed.len(),
        report.not_applicable.len(),
        report.files_written.len()
    );
    Ok(u8::from(!report.failed.is_empty()))
}

#[cfg(not(feature = "oracle"))]
pub(crate) fn record(_all: bool, _ids: &[String], _dir: &Path) -> Result<u8, Fatal> {
    numpy_backend("`record`").map(|_| 3)
}
