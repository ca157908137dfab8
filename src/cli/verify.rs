//! `viewcheck verify`: recorded answers against the live NumPy.

use std::path::Path;

use super::*;
use crate::Fatal;

#[cfg(feature = "oracle")]
pub(crate) fn verify(dir: &Path) -> Result<u8, Fatal> {
    let corpus = load_corpus(dir)?;
    let oracle = process_backend(BackendArg::Numpy, viewcheck::protocol::DEFAULT_TIMEOUT)?;
    let version = oracle.implementation().version;
    let started = std::time::Instant::now();
    let drift = viewcheck::corpus::verify(&corpus, &oracle, &version);
    for d in &drift {
        out!("DRIFT {}", d.id);
        for x in &d.diffs {
            out!("      {}: recorded {} now {}", x.path, x.expected, x.got);
        }
    }
    // Cases whose recorded version range excludes this NumPy are not
    // checked; saying so keeps a run on another NumPy from passing silently.
    let checked = corpus.cases().filter(|c| c.applies_to(&version)).count();
    out!(
        "verify against NumPy {version}: {} cases: {checked} checked, {} skipped (their answers are recorded for other NumPy versions), {} drifted ({:.2} s)",
        corpus.len(),
        corpus.len() - checked,
        drift.len(),
        started.elapsed().as_secs_f64()
    );
    if checked == 0 {
        eprintln!(
            "viewcheck: nothing was checked: no case's recorded answer applies to NumPy {version}"
        );
        return Ok(1);
    }
    Ok(u8::from(!drift.is_empty()))
}

#[cfg(not(feature = "oracle"))]
pub(crate) fn verify(_dir: &Path) -> Result<u8, Fatal> {
    numpy_backend("`verify`").map(|_| 3)
}
