//! Reproducers a person reads in seconds: a failing program as a runnable
//! NumPy script ([`numpy_script`]), as Rust against `viewcheck-arrays`
//! ([`rust_snippet`]), and the owning buffers of its observations as text
//! ([`buffer_picture`]).

use std::collections::BTreeSet;

mod picture;
mod python;
mod rust;

pub use picture::buffer_picture;
pub use python::numpy_script;
pub use rust::rust_snippet;

/// Cells of one buffer drawn by [`buffer_picture`]: enough for every
/// shrunk program seen so far, small enough for a terminal.
pub const MAX_PICTURE_CELLS: usize = 256;

/// Identifiers for the program's names in a target language: a name the
/// language reserves gets `_` appended (repeatedly, until it collides with
/// nothing), so that every program stays expressible.
pub(crate) fn identifiers(
    program: &crate::format::Program,
    reserved: &[&str],
) -> Vec<(String, String)> {
    let names: Vec<String> = program
        .steps
        .iter()
        .filter_map(|s| s.out().map(str::to_string))
        .collect();
    let mut taken: BTreeSet<String> = names.iter().cloned().collect();
    names
        .into_iter()
        .map(|n| {
            let mut id = n.clone();
            if reserved.contains(&n.as_str()) {
                while taken.contains(&id) || reserved.contains(&id.as_str()) {
                    id.push('_');
                }
                taken.insert(id.clone());
            }
            (n, id)
        })
        .collect()
}

/// The identifier of `name` (names bound by no step keep their spelling;
/// format 1 rejects such programs, but the renderings should not panic).
pub(crate) fn ident<'a>(ids: &'a [(String, String)], name: &'a str) -> &'a str {
    ids.iter()
        .find(|(n, _)| n == name)
        .map(|(_, i)| i.as_str())
        .unwrap_or(name)
}

/// A nested list literal of `data` laid out by `shape` (C order), e.g.
/// `[[0], [2]]`; a 0-d list is its single value.
pub(crate) fn nested<T>(shape: &[usize], data: &[T], show: &dyn Fn(&T) -> String) -> String {
    fn go<T>(shape: &[usize], data: &[T], show: &dyn Fn(&T) -> String) -> String {
        match shape.split_first() {
            None => data.first().map(show).unwrap_or_default(),
            Some((&n, rest)) => {
                let chunk: usize = rest.iter().product();
                let parts: Vec<String> = (0..n)
                    .map(|i| {
                        go(
                            rest,
                            data.get(i * chunk..(i + 1) * chunk).unwrap_or(&[]),
                            show,
                        )
                    })
                    .collect();
                format!("[{}]", parts.join(", "))
            }
        }
    }
    go(shape, data, show)
}
