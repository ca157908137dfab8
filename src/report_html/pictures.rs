//! Buffer pictures: which elements of its owning buffer each array of an
//! observation sees, from shape, strides and offset alone.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value as Json;

use super::*;

/// What one array of an observation sees of its owning buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Footprint {
    /// The array's name.
    pub name: String,
    /// Its owning buffer's number.
    pub buffer: i64,
    /// Address → position in C order of the first of its elements there,
    /// for the addresses below [`MAX_CELLS`].
    pub cells: BTreeMap<i64, u64>,
    /// 1 + the largest address it reaches (0 for an empty array).
    pub size: i64,
    /// Set when it reaches below address 0 (an impossible observation,
    /// worth saying).
    pub below_zero: Option<i64>,
}

/// Why an array of an observation cannot be drawn, or its footprint.
pub(crate) type Drawn = Result<Footprint, String>;

/// The footprints of an observation's arrays, in the order of its `arrays`.
pub struct Footprints {
    pub(crate) arrays: Vec<(String, Drawn)>,
    /// Why nothing at all can be drawn (a rejected program, a backend error).
    pub(crate) none: Option<String>,
}

pub(crate) fn ints(v: Option<&Json>) -> Option<Vec<i64>> {
    v?.as_array()?.iter().map(Json::as_i64).collect()
}

/// The footprint of one array description of format 1 (shape, strides and
/// offset in elements, the owning buffer's number).
pub fn footprint(name: &str, array: &Json) -> Drawn {
    let shape = ints(array.get("shape")).ok_or("no shape observed")?;
    let mut missing = Vec::new();
    let strides = ints(array.get("strides"));
    let offset = array.get("offset").and_then(Json::as_i64);
    let buffer = array.get("buffer").and_then(Json::as_i64);
    if strides.is_none() {
        missing.push("strides");
    }
    if offset.is_none() {
        missing.push("offset");
    }
    if buffer.is_none() {
        missing.push("buffer");
    }
    let (Some(strides), Some(offset), Some(buffer)) = (strides, offset, buffer) else {
        return Err(format!(
            "{} not observed, so it cannot be placed on a buffer",
            missing.join(", ")
        ));
    };
    if strides.len() != shape.len() {
        return Err(format!(
            "{} strides for {} axes",
            strides.len(),
            shape.len()
        ));
    }
    let mut fp = Footprint {
        name: name.to_string(),
        buffer,
        cells: BTreeMap::new(),
        size: 0,
        below_zero: None,
    };
    if shape.iter().any(|&n| n <= 0) {
        return Ok(fp);
    }
    let count: u128 = shape.iter().map(|&n| n as u128).product();
    // Bounds first, from the extremes of each axis, so that the size is
    // known even for an array too big to enumerate.
    let (mut lo, mut hi) = (offset as i128, offset as i128);
    for (&n, &s) in shape.iter().zip(&strides) {
        let reach = (n as i128 - 1) * s as i128;
        if reach > 0 {
            hi += reach;
        } else {
            lo += reach;
        }
    }
    fp.size = (hi + 1).clamp(0, i64::MAX as i128) as i64;
    if lo < 0 {
        fp.below_zero = Some(lo.max(i64::MIN as i128) as i64);
    }
    if count > MAX_ENUMERATED {
        return Err(format!(
            "{count} elements, too many to enumerate (the drawing stops at {MAX_ENUMERATED})"
        ));
    }
    // An odometer over the C-order positions; the address moves by one
    // stride per step, so the walk costs one addition per element.
    let nd = shape.len();
    let mut idx = vec![0i64; nd];
    let mut addr = offset as i128;
    for pos in 0..count as u64 {
        if (0..MAX_CELLS as i128).contains(&addr) {
            fp.cells.entry(addr as i64).or_insert(pos);
        }
        for k in (0..nd).rev() {
            idx[k] += 1;
            addr += strides[k] as i128;
            if idx[k] < shape[k] {
                break;
            }
            addr -= strides[k] as i128 * shape[k] as i128;
            idx[k] = 0;
        }
    }
    Ok(fp)
}

impl Footprints {
    /// The footprints of every array of an observation (scalars have none).
    pub fn of(obs: &Json) -> Footprints {
        let none = if let Some(e) = obs.get("format_error") {
            Some(format!("the program was rejected: {}", plain(e)))
        } else if let Some(e) = obs.get("backend_error") {
            Some(format!("the backend failed: {}", plain(e)))
        } else if obs.get("arrays").and_then(Json::as_object).is_none() {
            Some("the observation has no arrays".into())
        } else {
            None
        };
        let mut arrays = Vec::new();
        if let Some(map) = obs.get("arrays").and_then(Json::as_object) {
            for (name, a) in map {
                if a.get("scalar").is_some() {
                    continue;
                }
                arrays.push((name.clone(), footprint(name, a)));
            }
        }
        Footprints { arrays, none }
    }

    /// The footprint of `name`, if it could be drawn.
    pub fn get(&self, name: &str) -> Option<&Footprint> {
        self.arrays
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, d)| d.as_ref().ok())
    }

    /// One picture per owning buffer; cells and arrays that differ from
    /// `other` (the other side's observation) are highlighted.
    pub(crate) fn draw(
        &self,
        out: &mut String,
        other: Option<&Footprints>,
        named: &BTreeSet<&str>,
    ) {
        if let Some(why) = &self.none {
            let _ = writeln!(
                out,
                "<p class=\"note\">Nothing to draw: {}</p>",
                escape(why)
            );
            return;
        }
        // Against an observation with nothing to draw every cell would
        // differ: that says nothing the note on the other side does not.
        let other = other.filter(|o| o.none.is_none());
        let mut buffers: BTreeMap<i64, Vec<&Footprint>> = BTreeMap::new();
        for (_, d) in &self.arrays {
            if let Ok(fp) = d {
                buffers.entry(fp.buffer).or_default().push(fp);
            }
        }
        if self.arrays.is_empty() {
            out.push_str("<p class=\"note\">No arrays (only scalars, or nothing bound).</p>\n");
        }
        for (buffer, fps) in &buffers {
            let size = fps.iter().map(|f| f.size).max().unwrap_or(0);
            let _ = writeln!(
                out,
                "<div class=\"buffer\" data-buffer=\"{buffer}\"><b>buffer {buffer}</b> <span class=\"note\">{size} element(s) reached by {}</span>",
                escape(&fps.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", "))
            );
            for fp in fps {
                if let Some(lo) = fp.below_zero {
                    let _ = writeln!(
                        out,
                        "<p class=\"note warn\">{} reaches address {lo}, before the start of its buffer: those elements cannot be drawn.</p>",
                        escape(&fp.name)
                    );
                }
            }
            let drawn = (size.max(0) as usize).min(MAX_CELLS);
            if size as u128 > MAX_CELLS as u128 {
                let _ = writeln!(
                    out,
                    "<p class=\"note\">Only addresses 0 to {} of {size} are drawn.</p>",
                    MAX_CELLS - 1
                );
            }
            if drawn == 0 {
                out.push_str("<p class=\"note\">Its arrays are empty: they see no element.</p>\n");
            }
            let row_flags: Vec<(bool, Option<String>)> = fps
                .iter()
                .map(|fp| {
                    let (differs, why) = row_difference(fp, other);
                    (differs || named.contains(fp.name.as_str()), why)
                })
                .collect();
            for start in (0..drawn).step_by(BAND) {
                let end = (start + BAND).min(drawn);
                out.push_str("<table class=\"buf\"><thead><tr><th class=\"n\"></th>");
                for a in start..end {
                    let _ = write!(out, "<th>{a}</th>");
                }
                out.push_str("</tr></thead><tbody>\n");
                for (fp, (row_differs, _)) in fps.iter().zip(&row_flags) {
                    let theirs = other
                        .and_then(|o| o.get(&fp.name))
                        .filter(|t| t.buffer == fp.buffer);
                    let _ = write!(
                        out,
                        "<tr{} data-a=\"{}\"><th class=\"n\">{}</th>",
                        if *row_differs { " class=\"d\"" } else { "" },
                        escape(&fp.name),
                        escape(&fp.name)
                    );
                    for a in start..end {
                        let mine = fp.cells.get(&(a as i64));
                        let differs = other.is_some()
                            && match theirs {
                                Some(t) => t.cells.get(&(a as i64)) != mine,
                                None => mine.is_some(),
                            };
                        match (mine, differs) {
                            (Some(p), false) => {
                                let _ = write!(out, "<td class=\"o\">{p}</td>");
                            }
                            (Some(p), true) => {
                                let _ = write!(out, "<td class=\"o d\">{p}</td>");
                            }
                            (None, true) => out.push_str("<td class=\"d\"></td>"),
                            (None, false) => out.push_str("<td></td>"),
                        }
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody></table>\n");
            }
            for (fp, (_, why)) in fps.iter().zip(&row_flags) {
                if let Some(why) = why {
                    let _ = writeln!(
                        out,
                        "<p class=\"note warn\">{}: {}</p>",
                        escape(&fp.name),
                        escape(why)
                    );
                }
            }
            out.push_str("</div>\n");
        }
        for (name, d) in &self.arrays {
            if let Err(why) = d {
                let _ = writeln!(
                    out,
                    "<p class=\"note\">{} is not drawn: {}.</p>",
                    escape(name),
                    escape(why)
                );
            }
        }
    }
}

/// Whether `fp`'s row differs from the same array in `other`, and how, in
/// words (a different buffer or a missing array is not visible cell by
/// cell).
pub(crate) fn row_difference(fp: &Footprint, other: Option<&Footprints>) -> (bool, Option<String>) {
    let Some(other) = other else {
        return (false, None);
    };
    match other.arrays.iter().find(|(n, _)| *n == fp.name) {
        None => (true, Some("not an array in the other observation".into())),
        Some((_, Err(why))) => (
            true,
            Some(format!("not drawn in the other observation ({why})")),
        ),
        Some((_, Ok(t))) if t.buffer != fp.buffer => (
            true,
            Some(format!("on buffer {} in the other observation", t.buffer)),
        ),
        Some((_, Ok(t))) => (t.cells != fp.cells || t.size != fp.size, None),
    }
}
