//! Owning buffers as plain text: which cells each array sees.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::MAX_PICTURE_CELLS;
use crate::format::{Bound, Observation};
use crate::report_html::{footprint, Footprint};

/// A row of a picture: label, cells (address -> C-order position), and
/// which drawn cells differ from NumPy's.
type Row<'a> = (String, &'a BTreeMap<i64, u64>, Vec<bool>);

/// Addresses per band, so that a picture fits a terminal.
const BAND: usize = 24;

/// The footprints of an observation's arrays (scalars have none), with the
/// reason for each array that cannot be drawn.
fn footprints(obs: &Observation) -> Vec<(String, Result<Footprint, String>)> {
    let json = obs.to_json();
    obs.arrays
        .iter()
        .filter(|(_, b)| matches!(b, Bound::Array(_)))
        .map(|(n, _)| (n.clone(), footprint(n, &json["arrays"][n.as_str()])))
        .collect()
}

fn names_on(fps: &[(String, Result<Footprint, String>)], buffer: i64) -> Vec<&str> {
    fps.iter()
        .filter_map(|(n, f)| {
            f.as_ref()
                .ok()
                .filter(|f| f.buffer == buffer)
                .map(|_| n.as_str())
        })
        .collect()
}

/// A plain-text picture of each owning buffer of `expected` (NumPy's
/// observation): a row of element addresses, then per array on it a row
/// with, at each address it sees, the C-order position of its element
/// there (`·` where it sees nothing). With `got`, each array's row from the
/// implementation follows NumPy's, and the cells where they differ are
/// underlined with `^` and the row ends in `!`.
pub fn buffer_picture(expected: &Observation, got: Option<&Observation>) -> String {
    let mut out = String::new();
    for (label, obs) in std::iter::once(("NumPy", expected)).chain(got.map(|g| ("got", g))) {
        if let Some(e) = &obs.format_error {
            let _ = writeln!(
                out,
                "{label}: nothing to draw, the program was rejected: {e}"
            );
            return out;
        }
    }
    let exp = footprints(expected);
    let got_fps = got.map(footprints);
    let theirs = |name: &str| -> Option<&Result<Footprint, String>> {
        got_fps
            .as_ref()?
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f)
    };
    let mut buffers: BTreeMap<i64, Vec<&Footprint>> = BTreeMap::new();
    for (_, f) in &exp {
        if let Ok(f) = f {
            buffers.entry(f.buffer).or_default().push(f);
        }
    }
    if exp.is_empty() {
        out.push_str("NumPy binds no arrays (only scalars, or nothing).\n");
    }
    for (buffer, fps) in &buffers {
        let mine: Vec<&str> = fps.iter().map(|f| f.name.as_str()).collect();
        // The implementation's arrays count towards the size too: an
        // offset past NumPy's reach is exactly what should show.
        let size = fps
            .iter()
            .map(|f| {
                let other = match theirs(&f.name) {
                    Some(Ok(t)) => t.size,
                    _ => 0,
                };
                f.size.max(other)
            })
            .max()
            .unwrap_or(0)
            .max(0) as usize;
        let _ = writeln!(
            out,
            "buffer {buffer}: {size} element(s), seen by {}",
            mine.join(", ")
        );
        let drawn = size.min(MAX_PICTURE_CELLS);
        if size > MAX_PICTURE_CELLS {
            let _ = writeln!(
                out,
                "  (only addresses 0..{} of {size} are drawn)",
                MAX_PICTURE_CELLS - 1
            );
        }
        let mut rows: Vec<Row> = Vec::new();
        let mut notes = Vec::new();
        for f in fps {
            rows.push((format!("NumPy {}", f.name), &f.cells, vec![false; drawn]));
            let Some(g) = got_fps.as_ref() else { continue };
            match theirs(&f.name) {
                Some(Ok(t)) => {
                    let differs: Vec<bool> = (0..drawn as i64)
                        .map(|a| t.cells.get(&a) != f.cells.get(&a))
                        .collect();
                    rows.push((format!("got   {}", f.name), &t.cells, differs));
                    // Only names that are arrays on both sides can be
                    // compared; the others get their own note.
                    let with: Vec<&str> = names_on(g, t.buffer)
                        .into_iter()
                        .filter(|n| {
                            mine.contains(n) || exp.iter().any(|(e, f)| e == n && f.is_ok())
                        })
                        .collect();
                    let want: Vec<&str> = mine
                        .iter()
                        .copied()
                        .filter(|n| matches!(theirs(n), Some(Ok(_))))
                        .collect();
                    if with != want {
                        notes.push(format!(
                            "! got: {} is on a buffer with {} (NumPy: {})",
                            f.name,
                            with.join(", "),
                            mine.join(", ")
                        ));
                    }
                    if let Some(lo) = t.below_zero {
                        notes.push(format!(
                            "! got: {} reaches address {lo}, before the start of its buffer",
                            f.name
                        ));
                    }
                }
                Some(Err(why)) => notes.push(format!("! got: {} is not drawn: {why}", f.name)),
                None => notes.push(format!("! got: {} is not an array", f.name)),
            }
        }
        let width = rows
            .iter()
            .flat_map(|(_, c, _)| c.range(..drawn as i64).map(|(_, p)| *p))
            .chain(std::iter::once(drawn.saturating_sub(1) as u64))
            .map(|v| v.to_string().len())
            .max()
            .unwrap_or(1);
        let label = rows
            .iter()
            .map(|(l, _, _)| l.len())
            .max()
            .unwrap_or(0)
            .max(4);
        for start in (0..drawn).step_by(BAND) {
            let end = (start + BAND).min(drawn);
            let mut line = format!("  {:<label$} ", "addr");
            for a in start..end {
                let _ = write!(line, " {a:>width$}");
            }
            let _ = writeln!(out, "{}", line.trim_end());
            for (name, cells, differs) in &rows {
                let mut line = format!("  {name:<label$} ");
                let mut marks = format!("  {:<label$} ", "");
                for (a, &d) in differs.iter().enumerate().take(end).skip(start) {
                    let cell = cells
                        .get(&(a as i64))
                        .map(u64::to_string)
                        .unwrap_or_else(|| "·".into());
                    let _ = write!(line, " {cell:>width$}");
                    let _ = write!(marks, " {:>width$}", if d { "^" } else { "" });
                }
                if differs[start..end].iter().any(|&d| d) {
                    let _ = writeln!(out, "{line}  !");
                    let _ = writeln!(out, "{}", marks.trim_end());
                } else {
                    let _ = writeln!(out, "{}", line.trim_end());
                }
            }
        }
        for n in notes {
            let _ = writeln!(out, "  {n}");
        }
    }
    for (name, f) in &exp {
        if let Err(why) = f {
            let _ = writeln!(out, "{name} is not drawn: {why}");
        }
    }
    if let Some(g) = &got_fps {
        for (name, f) in g {
            if f.is_ok() && !exp.iter().any(|(n, _)| n == name) {
                let _ = writeln!(out, "! got: {name} is an array, NumPy has no array {name}");
            }
        }
    }
    out
}
