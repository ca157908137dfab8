//! Format 1: programs and observations (the public contract).
//!
//! A *program* is a list of steps that build arrays and views, index them and
//! write through them; an *observation* records what a backend did: each
//! step's outcome, the final state of every bound name, and which names share
//! memory. The normative text is `docs/FORMAT.md`; this module is its typed
//! Rust form.
//!
//! Parsing is hand-written rather than derived so that every rejection names
//! the exact place in the document, e.g. `steps[3].index[1]: ragged index
//! array`. A program that breaks any structural rule is rejected whole; the
//! backends never see it.
//!
//! ```
//! use viewcheck::format::Program;
//! let p = Program::parse(r#"{"format": 1, "steps": [
//!     {"op": "array", "out": "a", "shape": [2, 3]},
//!     {"op": "index", "out": "b", "src": "a", "index": [{"slice": [null, null, -1]}]}
//! ]}"#).unwrap();
//! assert_eq!(p.steps.len(), 2);
//! let err = Program::parse(r#"{"format": 1, "steps": [
//!     {"op": "index", "out": "b", "src": "a", "index": []}]}"#).unwrap_err();
//! assert_eq!(err.to_string(), "steps[0].src: name `a` is not bound by an earlier step");
//! ```
//!
//! # Files
//!
//! This file holds the limits of format 1 and [`FormatError`]; the rest is
//! split by what it reads or writes:
//!
//! - `program.rs`: the program types ([`Order`], [`Item`], [`Value`],
//!   [`Step`], [`Program`]);
//! - `reader.rs`: the strict JSON reader ([`json_from_str`]);
//! - `parse.rs`: programs from JSON ([`Program::parse`],
//!   [`Program::from_json`]) and their validation;
//! - `output.rs`: programs as JSON;
//! - `observation.rs`: observations ([`Observation`] and its parts), both
//!   ways.

use serde_json::{Map, Value as Json};
use std::collections::HashSet;
use std::fmt;

mod observation;
mod output;
mod parse;
mod program;
mod reader;

pub use observation::*;
pub use output::*;
use parse::*;
pub use program::*;
pub use reader::*;

/// The only format version this crate reads and writes.
pub const FORMAT_VERSION: i64 = 1;
/// Largest magnitude of any integer in a program: 2^31 - 1.
pub const MAX_INT: i64 = (1 << 31) - 1;
/// At most this many steps in a program.
pub const MAX_STEPS: usize = 1024;
/// At most this many axes in an `array`, `broadcast_to` or `reshape` shape.
pub const MAX_SHAPE_AXES: usize = 32;
/// Largest extent in an `array`, `broadcast_to` or `reshape` shape.
pub const MAX_EXTENT: i64 = 1 << 20;
/// Most elements an `array` or `broadcast_to` may have.
pub const MAX_ELEMENTS: i64 = 1 << 20;
/// Most elements an index array or mask may have.
pub const MAX_INDEX_ELEMENTS: usize = 1 << 16;
/// A step whose result would need more elements fails with `LimitExceeded`.
pub const MAX_RESULT_ELEMENTS: usize = 1 << 24;
/// Longest program line (bytes) that readers accept (format 1.1).
pub const MAX_LINE_BYTES: usize = 1 << 24;

// More limits of format 1.1 (`MAX_LINE_BYTES` is the first). Each keeps a
// hostile line from costing more than a valid program could, or keeps the
// validator in step with NumPy.

/// Most index-array and mask elements in one program, all steps together.
pub const MAX_PROGRAM_INDEX_ELEMENTS: usize = 1 << 20;
/// Most axes of an index array or mask: NumPy 1.x builds arrays of at most
/// 32 axes (2.x: 64), so 32 keeps every accepted program runnable on both.
pub const MAX_INDEX_AXES: usize = MAX_SHAPE_AXES;
/// Deepest nesting of JSON lists and objects (serde_json's own default; a
/// valid program needs at most 5 + `MAX_INDEX_AXES`).
pub const MAX_JSON_DEPTH: usize = 128;
/// Most JSON values (numbers, strings, lists, ...) in one program line: a
/// valid program needs at most [`MAX_PROGRAM_INDEX_ELEMENTS`] plus a few
/// hundred per step, and this bounds the memory of reading any line (a line
/// of 2^24 bytes of `0,` would otherwise be 8 million values).
pub const MAX_PROGRAM_JSON_VALUES: usize = 1 << 21;
/// Most elements all bound arrays of a program may have together (format
/// 1.1): a successful step whose array result would go beyond it fails with
/// `LimitExceeded` and binds nothing.
pub const PROGRAM_ELEMENT_LIMIT: usize = 1 << 22;

/// Why a document is not a valid format-1 program or observation, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// JSON path of the offending place, e.g. `steps[3].index[1]` (empty for the root).
    pub path: String,
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for FormatError {}

impl FormatError {
    /// The rejection of a program line of `bytes` bytes, longer than
    /// [`MAX_LINE_BYTES`]: what [`Program::parse`] says, for a line reader
    /// that stops reading at the limit and so never holds the whole line.
    pub fn line_too_long(bytes: usize) -> FormatError {
        FormatError {
            path: String::new(),
            message: format!("program line of {bytes} bytes exceeds the limit of 2^24 bytes"),
        }
    }
}

fn err<T>(path: &str, message: impl Into<String>) -> Result<T, FormatError> {
    Err(FormatError {
        path: path.to_string(),
        message: message.into(),
    })
}
