//! `viewcheck import-crash`: a fuzz artifact as a corpus case.

use std::path::Path;

use viewcheck::compare::silence_backend_panics;
use viewcheck::protocol::DEFAULT_TIMEOUT;

use super::*;
use crate::{ArtifactArg, BackendArg, Fatal};

pub(crate) fn import_crash(
    artifact: &Path,
    kind: ArtifactArg,
    area: &str,
    topic: &str,
    dir: &Path,
    dry_run: bool,
) -> Result<u8, Fatal> {
    use viewcheck::regress::{import_crash, ArtifactKind};
    silence_backend_panics();
    let bytes = std::fs::read(artifact)
        .map_err(|e| Fatal::env(format!("cannot read {}: {e}", artifact.display())))?;
    let kind = match kind {
        ArtifactArg::Auto => ArtifactKind::Auto,
        ArtifactArg::Bytes => ArtifactKind::GeneratorBytes,
        ArtifactArg::Program => ArtifactKind::ProgramJson,
    };
    let numpy = process_backend(BackendArg::Numpy, DEFAULT_TIMEOUT)?;
    let imported = import_crash(&bytes, kind, Some(&numpy)).map_err(|e| Fatal {
        code: 1,
        message: format!("cannot import {}: {e}", artifact.display()),
    })?;
    out_raw!("{}", imported.report());
    if dry_run {
        out!(
            "{}",
            serde_json::to_string_pretty(&imported.case).unwrap_or_default()
        );
        return Ok(0);
    }
    let mut corpus = load_corpus(dir)?;
    if let Some(same) = corpus.same_program(&imported.case) {
        return Err(Fatal {
            code: 1,
            message: format!(
                "not added: {} already holds this program as {}",
                same.file.display(),
                same.id
            ),
        });
    }
    let id = corpus
        .add_case(area, topic, imported.case.clone())
        .map_err(|p| Fatal::env(format!("cannot add the case: {p}")))?;
    out!(
        "added {id} to {}/cases/{area}/{topic}.json; `cargo test --test corpus` replays it",
        dir.display()
    );
    Ok(0)
}
