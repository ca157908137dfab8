//! `viewcheck validate`: check the corpus files.

use std::path::Path;

use crate::Fatal;

pub(crate) fn validate(dir: &Path) -> Result<u8, Fatal> {
    let v = viewcheck::corpus::validate_dir(dir).map_err(|problems| {
        Fatal::env(format!(
            "cannot validate the corpus at {}:\n{problems}",
            dir.display()
        ))
    })?;
    for p in &v.problems {
        out!("{p}");
    }
    out!(
        "{} cases in {} areas: {} problem(s)",
        v.cases,
        v.areas,
        v.problems.len()
    );
    Ok(u8::from(!v.problems.is_empty()))
}
