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

use serde_json::{Map, Value as Json};
use std::collections::HashSet;
use std::fmt;

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

/// Memory order argument of `array`, `reshape`, `ravel`, `flatten`, `copy`, `asarray`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    C,
    F,
    A,
    K,
}

impl Order {
    /// The string used in JSON and in NumPy.
    pub fn as_str(self) -> &'static str {
        match self {
            Order::C => "C",
            Order::F => "F",
            Order::A => "A",
            Order::K => "K",
        }
    }
}

/// A nested list of index values with its shape (`[]` has shape `(0,)`; a
/// bare value is 0-d).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NdList<T> {
    pub shape: Vec<usize>,
    /// The values in C order.
    pub data: Vec<T>,
}

/// One entry of an index tuple.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Item {
    /// An integer: selects one position and removes the axis.
    Int(i64),
    /// `start:stop:step`, each optional.
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// `np.newaxis`: inserts a length-1 axis.
    NewAxis,
    /// `...`.
    Ellipsis,
    /// An intp index array (advanced index); a 0-d one acts as an integer that copies.
    Array(NdList<i64>),
    /// A boolean mask (advanced index).
    Mask(NdList<bool>),
}

/// The right-hand side of a write.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    Scalar(i64),
    Var(String),
}

/// One step of a program. Field meanings follow NumPy (see `docs/FORMAT.md`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    Array {
        out: String,
        shape: Vec<i64>,
        order: Order,
    },
    Index {
        out: String,
        src: String,
        index: Vec<Item>,
    },
    Transpose {
        out: String,
        src: String,
        axes: Option<Vec<i64>>,
    },
    Swapaxes {
        out: String,
        src: String,
        axis1: i64,
        axis2: i64,
    },
    Moveaxis {
        out: String,
        src: String,
        source: Vec<i64>,
        destination: Vec<i64>,
    },
    Reshape {
        out: String,
        src: String,
        shape: Vec<i64>,
        order: Order,
        copy: Option<bool>,
    },
    Ravel {
        out: String,
        src: String,
        order: Order,
    },
    Flatten {
        out: String,
        src: String,
        order: Order,
    },
    Squeeze {
        out: String,
        src: String,
        axis: Option<Vec<i64>>,
    },
    ExpandDims {
        out: String,
        src: String,
        axis: Vec<i64>,
    },
    BroadcastTo {
        out: String,
        src: String,
        shape: Vec<i64>,
    },
    Diagonal {
        out: String,
        src: String,
        offset: i64,
        axis1: i64,
        axis2: i64,
    },
    Copy {
        out: String,
        src: String,
        order: Order,
    },
    Asarray {
        out: String,
        src: String,
        order: Order,
    },
    Assign {
        dst: String,
        index: Vec<Item>,
        value: Value,
    },
    AddAssign {
        dst: String,
        index: Vec<Item>,
        value: Value,
    },
}

/// Every op name of format 1, in the order of the format's table.
pub const OPS: [&str; 16] = [
    "array",
    "index",
    "transpose",
    "swapaxes",
    "moveaxis",
    "reshape",
    "ravel",
    "flatten",
    "squeeze",
    "expand_dims",
    "broadcast_to",
    "diagonal",
    "copy",
    "asarray",
    "assign",
    "add_assign",
];

impl Step {
    /// The op name as written in JSON.
    pub fn op(&self) -> &'static str {
        match self {
            Step::Array { .. } => "array",
            Step::Index { .. } => "index",
            Step::Transpose { .. } => "transpose",
            Step::Swapaxes { .. } => "swapaxes",
            Step::Moveaxis { .. } => "moveaxis",
            Step::Reshape { .. } => "reshape",
            Step::Ravel { .. } => "ravel",
            Step::Flatten { .. } => "flatten",
            Step::Squeeze { .. } => "squeeze",
            Step::ExpandDims { .. } => "expand_dims",
            Step::BroadcastTo { .. } => "broadcast_to",
            Step::Diagonal { .. } => "diagonal",
            Step::Copy { .. } => "copy",
            Step::Asarray { .. } => "asarray",
            Step::Assign { .. } => "assign",
            Step::AddAssign { .. } => "add_assign",
        }
    }

    /// The name this step binds, if any.
    pub fn out(&self) -> Option<&str> {
        match self {
            Step::Array { out, .. }
            | Step::Index { out, .. }
            | Step::Transpose { out, .. }
            | Step::Swapaxes { out, .. }
            | Step::Moveaxis { out, .. }
            | Step::Reshape { out, .. }
            | Step::Ravel { out, .. }
            | Step::Flatten { out, .. }
            | Step::Squeeze { out, .. }
            | Step::ExpandDims { out, .. }
            | Step::BroadcastTo { out, .. }
            | Step::Diagonal { out, .. }
            | Step::Copy { out, .. }
            | Step::Asarray { out, .. } => Some(out),
            Step::Assign { .. } | Step::AddAssign { .. } => None,
        }
    }

    /// The array this step reads or writes (`src` or `dst`), if any.
    pub fn src(&self) -> Option<&str> {
        match self {
            Step::Array { .. } => None,
            Step::Index { src, .. }
            | Step::Transpose { src, .. }
            | Step::Swapaxes { src, .. }
            | Step::Moveaxis { src, .. }
            | Step::Reshape { src, .. }
            | Step::Ravel { src, .. }
            | Step::Flatten { src, .. }
            | Step::Squeeze { src, .. }
            | Step::ExpandDims { src, .. }
            | Step::BroadcastTo { src, .. }
            | Step::Diagonal { src, .. }
            | Step::Copy { src, .. }
            | Step::Asarray { src, .. } => Some(src),
            Step::Assign { dst, .. } | Step::AddAssign { dst, .. } => Some(dst),
        }
    }

    /// Every name the step reads: `src`/`dst` and a `{"var": ...}` value.
    pub fn uses(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.src().into_iter().collect();
        if let Step::Assign {
            value: Value::Var(n),
            ..
        }
        | Step::AddAssign {
            value: Value::Var(n),
            ..
        } = self
        {
            v.push(n);
        }
        v
    }

    /// The distinct kinds of index item the step uses (`int`, `slice`,
    /// `newaxis`, `ellipsis`, `array`, `array0d`, `mask`, `mask0d`, and
    /// `()` for an empty index), sorted; empty for steps without an index.
    pub fn index_kinds(&self) -> Vec<&'static str> {
        let index = match self {
            Step::Index { index, .. }
            | Step::Assign { index, .. }
            | Step::AddAssign { index, .. } => index,
            _ => return Vec::new(),
        };
        let mut kinds: Vec<&'static str> = index
            .iter()
            .map(|item| match item {
                Item::Int(_) => "int",
                Item::Slice(..) => "slice",
                Item::NewAxis => "newaxis",
                Item::Ellipsis => "ellipsis",
                Item::Array(a) if a.shape.is_empty() => "array0d",
                Item::Array(_) => "array",
                Item::Mask(m) if m.shape.is_empty() => "mask0d",
                Item::Mask(_) => "mask",
            })
            .collect();
        if kinds.is_empty() {
            kinds.push("()");
        }
        kinds.sort_unstable();
        kinds.dedup();
        kinds
    }

    /// A short label for statistics and failure signatures: the op, refined
    /// for `index`, `assign` and `add_assign` by the kinds of index items
    /// they use, e.g. `index[array,slice]`.
    pub fn kind_label(&self) -> String {
        let kinds = self.index_kinds();
        if kinds.is_empty() {
            self.op().to_string()
        } else {
            format!("{}[{}]", self.op(), kinds.join(","))
        }
    }
}

/// A format-1 program.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Program {
    pub name: Option<String>,
    pub note: Option<String>,
    pub steps: Vec<Step>,
}

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

/// Which numbers the JSON reader turns into values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Numbers {
    /// Programs: every number in format 1 is an integer, so a token with a
    /// fraction or an exponent, or an integer beyond 64 bits, is an error
    /// where it stands. These are the tokens that JSON readers disagree on
    /// (Python reads `1e3` as a float and `2**70` exactly, serde_json both as
    /// floats), so no `Value` could carry what the line says.
    Format1Integers,
    /// Observations: informational keys (timings) may hold any finite number.
    Any,
}

/// One step of a JSON path: an object key or a list index.
enum Segment {
    Key(String),
    Index(usize),
}

/// A JSON reader that builds a `serde_json::Value` but, unlike
/// `serde_json::from_str`, rejects duplicate keys (serde_json keeps the last
/// one, so `{"format": 2, "format": 1}` would run), limits nesting with its
/// own message, keeps the text of numbers for messages, and names the JSON
/// path of every error.
struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    path: Vec<Segment>,
    depth: usize,
    numbers: Numbers,
    /// Values read so far (programs only, see [`MAX_PROGRAM_JSON_VALUES`]).
    values: usize,
}

/// A number token longer than this is shortened in messages.
const MAX_QUOTED_NUMBER: usize = 40;

fn quote_number(token: &str) -> String {
    if token.len() <= MAX_QUOTED_NUMBER {
        token.to_string()
    } else {
        // Number tokens are ASCII, so any byte index is a char boundary.
        format!(
            "{}... ({} characters)",
            &token[..MAX_QUOTED_NUMBER - 8],
            token.len()
        )
    }
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, numbers: Numbers) -> Reader<'a> {
        Reader {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            path: Vec::new(),
            depth: 0,
            numbers,
            values: 0,
        }
    }

    fn path_string(&self) -> String {
        let mut s = String::new();
        for (i, seg) in self.path.iter().enumerate() {
            match seg {
                Segment::Key(k) if i == 0 => s.push_str(k),
                Segment::Key(k) => {
                    s.push('.');
                    s.push_str(k);
                }
                Segment::Index(i) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
            }
        }
        s
    }

    /// `column C` (1-based, in characters), with the line when the text has
    /// several (pretty-printed documents).
    fn place(&self, pos: usize) -> String {
        let before = &self.text[..pos];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        if line_start == 0 {
            format!("column {column}")
        } else {
            let line = before.matches('\n').count() + 1;
            format!("line {line} column {column}")
        }
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, FormatError> {
        Err(FormatError {
            path: self.path_string(),
            message: message.into(),
        })
    }

    /// What is at `pos`, for "found ..." (the end, a visible character, or
    /// the code point of an invisible one such as NUL).
    fn found(&self, pos: usize) -> String {
        match self.text[pos..].chars().next() {
            None => "the end of the text".to_string(),
            Some(c) if c.is_ascii_graphic() => format!("`{c}`"),
            Some(c) => format!("U+{:04X}", c as u32),
        }
    }

    fn expected<T>(&self, what: &str) -> Result<T, FormatError> {
        self.fail(format!(
            "invalid JSON: expected {what} at {}, found {}",
            self.place(self.pos),
            self.found(self.pos)
        ))
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The whole text is one JSON value, with nothing but whitespace around it.
    fn document(mut self) -> Result<Json, FormatError> {
        if self.text.starts_with('\u{feff}') {
            return self.fail("a UTF-8 byte-order mark at the start of the line is not allowed");
        }
        self.skip_ws();
        if self.pos == self.bytes.len() {
            return self.fail("invalid JSON: no value (the text is empty or only whitespace)");
        }
        let v = self.value()?;
        self.skip_ws();
        if self.pos < self.bytes.len() {
            return self.fail(format!(
                "invalid JSON: {} at {} after the end of the JSON value",
                self.found(self.pos),
                self.place(self.pos)
            ));
        }
        Ok(v)
    }

    fn value(&mut self) -> Result<Json, FormatError> {
        if matches!(self.numbers, Numbers::Format1Integers) {
            self.values += 1;
            if self.values > MAX_PROGRAM_JSON_VALUES {
                return self.fail(format!(
                    "the program holds more than 2^21 JSON values (at {}); format 1 programs are smaller",
                    self.place(self.pos)
                ));
            }
        }
        match self.peek() {
            Some(b'{') => self.nested(Reader::object),
            Some(b'[') => self.nested(Reader::list),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            _ => self.expected("a value"),
        }
    }

    fn nested(
        &mut self,
        read: fn(&mut Reader<'a>) -> Result<Json, FormatError>,
    ) -> Result<Json, FormatError> {
        // The reader recurses once per level, so the limit also bounds its stack.
        if self.depth == MAX_JSON_DEPTH {
            // The path goes up to the innermost key: a path through 128
            // nested lists would be 128 `[0]`s, the column says where.
            let last_key = self.path.iter().rposition(|s| matches!(s, Segment::Key(_)));
            self.path.truncate(last_key.map_or(0, |k| k + 1));
            return self.fail(format!(
                "lists and objects are nested more than {MAX_JSON_DEPTH} deep (at {})",
                self.place(self.pos)
            ));
        }
        self.depth += 1;
        let v = read(self);
        self.depth -= 1;
        v
    }

    fn literal(&mut self, word: &str, v: Json) -> Result<Json, FormatError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(v)
        } else {
            self.expected(&format!("`{word}`"))
        }
    }

    fn list(&mut self) -> Result<Json, FormatError> {
        self.pos += 1; // [
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            self.path.push(Segment::Index(items.len()));
            let item = self.value()?;
            self.path.pop();
            items.push(item);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.comma(b']')?,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return self.expected("`,` or `]`"),
            }
        }
    }

    fn object(&mut self) -> Result<Json, FormatError> {
        self.pos += 1; // {
        let mut map = Map::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(map));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return self.expected("a key (a string)");
            }
            let key = self.string()?;
            if map.contains_key(&key) {
                return self.fail(format!("duplicate key {key:?}"));
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return self.expected("`:`");
            }
            self.pos += 1;
            self.skip_ws();
            self.path.push(Segment::Key(key));
            let v = self.value()?;
            let Some(Segment::Key(key)) = self.path.pop() else {
                unreachable!("the key pushed above")
            };
            map.insert(key, v);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.comma(b'}')?,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(map));
                }
                _ => return self.expected("`,` or `}`"),
            }
        }
    }

    /// Steps over a `,` that must be followed by another entry: JSON has no
    /// trailing commas, and saying so is clearer than "expected a value".
    fn comma(&mut self, close: u8) -> Result<(), FormatError> {
        let at = self.pos;
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(close) {
            return self.fail(format!(
                "invalid JSON: trailing comma at {} before `{}`",
                self.place(at),
                close as char
            ));
        }
        Ok(())
    }

    fn string(&mut self) -> Result<String, FormatError> {
        let open = self.pos;
        self.pos += 1; // "
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Stops only at ASCII bytes, so both ends are char boundaries.
            out.push_str(&self.text[start..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let c = self.escape()?;
                    out.push(c);
                }
                Some(b) => {
                    return self.fail(format!(
                        "invalid JSON: control character U+{b:04X} in a string at {} (write it as an escape)",
                        self.place(self.pos)
                    ))
                }
                None => {
                    return self.fail(format!(
                        "invalid JSON: the string that starts at {} is not closed",
                        self.place(open)
                    ))
                }
            }
        }
    }

    fn escape(&mut self) -> Result<char, FormatError> {
        let at = self.pos;
        self.pos += 1; // backslash
        let Some(b) = self.peek() else {
            return self.expected("an escape character");
        };
        self.pos += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4(at)?;
                if (0xD800..0xDC00).contains(&hi) {
                    if self.text[self.pos..].starts_with("\\u") {
                        self.pos += 2;
                        let lo = self.hex4(at)?;
                        if (0xDC00..0xE000).contains(&lo) {
                            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            return Ok(char::from_u32(c).expect("a valid surrogate pair"));
                        }
                    }
                    return self.fail(format!(
                        "invalid JSON: unpaired surrogate \\u{hi:04X} in a string at {}",
                        self.place(at)
                    ));
                }
                match char::from_u32(hi) {
                    Some(c) => c,
                    None => {
                        return self.fail(format!(
                            "invalid JSON: unpaired surrogate \\u{hi:04X} in a string at {}",
                            self.place(at)
                        ))
                    }
                }
            }
            _ => {
                return self.fail(format!(
                    "invalid JSON: unknown escape `\\{}` in a string at {}",
                    self.text[at + 1..].chars().next().unwrap_or(' '),
                    self.place(at)
                ));
            }
        })
    }

    fn hex4(&mut self, at: usize) -> Result<u32, FormatError> {
        let digits = self.bytes.get(self.pos..self.pos + 4);
        match digits.filter(|d| d.iter().all(u8::is_ascii_hexdigit)) {
            Some(d) => {
                self.pos += 4;
                let s = std::str::from_utf8(d).expect("hex digits are ASCII");
                Ok(u32::from_str_radix(s, 16).expect("four hex digits"))
            }
            None => self.fail(format!(
                "invalid JSON: \\u at {} needs four hex digits",
                self.place(at)
            )),
        }
    }

    fn number(&mut self) -> Result<Json, FormatError> {
        let start = self.pos;
        // The token for messages: every character a number may contain.
        let mut end = start;
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.bytes.get(end) {
            end += 1;
        }
        let token = &self.text[start..end];
        let b = token.as_bytes();
        // JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        let mut i = usize::from(b.first() == Some(&b'-'));
        let digits = |i: &mut usize| {
            let s = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - s
        };
        let int_start = i;
        let int_digits = digits(&mut i);
        let mut ok = int_digits > 0 && (b[int_start] != b'0' || int_digits == 1);
        let mut integer = true;
        if ok && b.get(i) == Some(&b'.') {
            i += 1;
            integer = false;
            ok = digits(&mut i) > 0;
        }
        if ok && matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            integer = false;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            ok = digits(&mut i) > 0;
        }
        if !ok || i != b.len() {
            return self.fail(format!(
                "invalid JSON: malformed number `{}` at {}",
                quote_number(token),
                self.place(start)
            ));
        }
        self.pos = end;
        if integer {
            if let Ok(v) = token.parse::<i64>() {
                return Ok(Json::from(v));
            }
            if let Ok(v) = token.parse::<u64>() {
                return Ok(Json::from(v));
            }
        }
        match self.numbers {
            Numbers::Format1Integers if integer => self.fail(format!(
                "integer {} is outside [-(2^31 - 1), 2^31 - 1]",
                quote_number(token)
            )),
            Numbers::Format1Integers => {
                self.fail(format!("{} {NOT_AN_INTEGER}", quote_number(token)))
            }
            Numbers::Any => match token
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
            {
                Some(n) => Ok(Json::Number(n)),
                None => self.fail(format!("number {} is out of range", quote_number(token))),
            },
        }
    }
}

/// Why a number is not a format-1 integer, after the number.
const NOT_AN_INTEGER: &str =
    "is not an integer (format 1 integers are JSON integers without fraction or exponent)";

/// Parses JSON text strictly: a duplicate key, nesting deeper than
/// [`MAX_JSON_DEPTH`], a byte-order mark or anything after the value is an
/// error with its JSON path. Numbers become integers when they are integer
/// tokens that fit 64 bits, otherwise floats. For corpus files and
/// observations; programs go through [`Program::parse`].
pub fn json_from_str(text: &str) -> Result<Json, FormatError> {
    Reader::new(text, Numbers::Any).document()
}

fn describe(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Json::Number(_) => "a non-integer number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// Reads an integer within the format's range.
fn int(v: &Json, path: &str) -> Result<i64, FormatError> {
    match v {
        Json::Number(n) => match n.as_i64() {
            Some(i) if (-MAX_INT..=MAX_INT).contains(&i) => Ok(i),
            _ if n.is_i64() || n.is_u64() => err(
                path,
                format!("integer {n} is outside [-(2^31 - 1), 2^31 - 1]"),
            ),
            // Only a `Value` built elsewhere gets here: the text reader
            // rejects such numbers itself, quoting them as written.
            _ => err(path, format!("{n} {NOT_AN_INTEGER}")),
        },
        other => err(
            path,
            format!("expected an integer, got {}", describe(other)),
        ),
    }
}

fn int_list(v: &Json, path: &str) -> Result<Vec<i64>, FormatError> {
    match v {
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| int(x, &format!("{path}[{i}]")))
            .collect(),
        other => err(
            path,
            format!("expected a list of integers, got {}", describe(other)),
        ),
    }
}

fn is_valid_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && (b[0].is_ascii_lowercase() || b[0] == b'_')
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// Builds a program: structural checks that need the steps seen so far
/// (bound names) live here so that each message can name the step.
struct StepReader<'a> {
    obj: &'a Map<String, Json>,
    path: String,
    used: Vec<&'static str>,
}

impl<'a> StepReader<'a> {
    fn field(&mut self, key: &'static str) -> Option<&'a Json> {
        self.used.push(key);
        self.obj.get(key)
    }

    fn sub(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn required(&mut self, key: &'static str) -> Result<&'a Json, FormatError> {
        match self.field(key) {
            Some(v) => Ok(v),
            None => err(&self.path, format!("missing field `{key}`")),
        }
    }

    fn name(&mut self, key: &'static str) -> Result<String, FormatError> {
        let p = self.sub(key);
        match self.required(key)? {
            Json::String(s) if is_valid_name(s) => Ok(s.clone()),
            Json::String(s) => err(
                &p,
                format!("name {s:?} does not match [a-z_][a-z0-9_]{{0,31}}"),
            ),
            other => err(&p, format!("expected a name, got {}", describe(other))),
        }
    }

    fn int_or(&mut self, key: &'static str, default: i64) -> Result<i64, FormatError> {
        let p = self.sub(key);
        match self.field(key) {
            None => Ok(default),
            Some(v) => int(v, &p),
        }
    }

    fn ints(&mut self, key: &'static str) -> Result<Vec<i64>, FormatError> {
        let p = self.sub(key);
        int_list(self.required(key)?, &p)
    }

    fn ints_or_null(&mut self, key: &'static str) -> Result<Option<Vec<i64>>, FormatError> {
        let p = self.sub(key);
        match self.field(key) {
            None | Some(Json::Null) => Ok(None),
            Some(v) => int_list(v, &p).map(Some),
        }
    }

    fn order(
        &mut self,
        key: &'static str,
        default: Order,
        allowed: &[Order],
    ) -> Result<Order, FormatError> {
        let p = self.sub(key);
        let Some(v) = self.field(key) else {
            return Ok(default);
        };
        let found = allowed
            .iter()
            .copied()
            .find(|o| v.as_str() == Some(o.as_str()));
        match found {
            Some(o) => Ok(o),
            None => {
                let names: Vec<String> = allowed
                    .iter()
                    .map(|o| format!("{:?}", o.as_str()))
                    .collect();
                err(
                    &p,
                    format!("order must be one of {}, got {v}", names.join("/")),
                )
            }
        }
    }

    fn shape(&mut self, key: &'static str, op: &str) -> Result<Vec<i64>, FormatError> {
        let p = self.sub(key);
        let shape = self.ints(key)?;
        if shape.len() > MAX_SHAPE_AXES {
            return err(
                &p,
                format!("{} axes exceed the limit of {MAX_SHAPE_AXES}", shape.len()),
            );
        }
        for (i, &e) in shape.iter().enumerate() {
            if op == "array" && e < 0 {
                return err(
                    &format!("{p}[{i}]"),
                    format!("array extent {e} is negative"),
                );
            }
            if e > MAX_EXTENT {
                return err(
                    &format!("{p}[{i}]"),
                    format!("extent {e} exceeds the limit of 2^20"),
                );
            }
        }
        if (op == "array" || op == "broadcast_to") && shape.iter().all(|&e| e >= 0) {
            // 32 extents of up to 2^20 overflow any integer type, so the
            // product is checked (a zero extent makes it 0 whatever precedes).
            let n = if shape.contains(&0) {
                Some(0)
            } else {
                shape.iter().try_fold(1i64, |n, &e| n.checked_mul(e))
            };
            match n {
                Some(n) if n <= MAX_ELEMENTS => {}
                Some(n) => {
                    return err(
                        &p,
                        format!("{n} elements exceed the limit of 2^20 for `{op}`"),
                    )
                }
                None => {
                    return err(
                        &p,
                        format!("at least 2^63 elements exceed the limit of 2^20 for `{op}`"),
                    )
                }
            }
        }
        Ok(shape)
    }

    fn index(&mut self, key: &'static str) -> Result<Vec<Item>, FormatError> {
        let p = self.sub(key);
        match self.required(key)? {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, x)| parse_item(x, &format!("{p}[{i}]")))
                .collect(),
            other => err(
                &p,
                format!("expected a list of index items, got {}", describe(other)),
            ),
        }
    }

    fn value(&mut self, key: &'static str) -> Result<Value, FormatError> {
        let p = self.sub(key);
        let v = self.required(key)?;
        let Json::Object(m) = v else {
            return err(
                &p,
                format!(
                    "expected {{\"scalar\": int}} or {{\"var\": name}}, got {}",
                    describe(v)
                ),
            );
        };
        if m.len() != 1 {
            return err(
                &p,
                "expected exactly one key, `scalar` or `var`".to_string(),
            );
        }
        if let Some(s) = m.get("scalar") {
            return Ok(Value::Scalar(int(s, &format!("{p}.scalar"))?));
        }
        if let Some(n) = m.get("var") {
            return match n {
                Json::String(s) if is_valid_name(s) => Ok(Value::Var(s.clone())),
                other => err(
                    &format!("{p}.var"),
                    format!("expected a name, got {}", describe(other)),
                ),
            };
        }
        let k = m.keys().next().map(String::as_str).unwrap_or("");
        err(&p, format!("unknown value kind `{k}`"))
    }

    fn finish(self) -> Result<(), FormatError> {
        for k in self.obj.keys() {
            if k != "op" && !self.used.contains(&k.as_str()) {
                return err(&self.path, format!("unknown field `{k}`"));
            }
        }
        Ok(())
    }
}

/// Reads an index array or mask. Its shape is its nesting, read from the
/// first element at each depth: the limits are checked on that shape before
/// anything else is read, and then every sub-list must agree with it
/// (otherwise the list is ragged).
fn parse_nd<T>(
    v: &Json,
    path: &str,
    leaf: &dyn Fn(&Json, &str) -> Result<T, FormatError>,
) -> Result<NdList<T>, FormatError> {
    let mut shape = Vec::new();
    let mut cur = v;
    while let Json::Array(items) = cur {
        shape.push(items.len());
        match items.first() {
            Some(first) => cur = first,
            None => break,
        }
    }
    if shape.len() > MAX_INDEX_AXES {
        return err(
            path,
            format!("{} axes exceed the limit of {MAX_INDEX_AXES}", shape.len()),
        );
    }
    // A ragged list can claim 32 extents of any length in a few hundred
    // bytes, so the product is checked (in u64, the same on every platform).
    let total = if shape.contains(&0) {
        Some(0)
    } else {
        shape.iter().try_fold(1u64, |n, &e| n.checked_mul(e as u64))
    };
    match total {
        Some(n) if n <= MAX_INDEX_ELEMENTS as u64 => {}
        Some(n) => return err(path, format!("{n} elements exceed the index limit of 2^16")),
        None => {
            return err(
                path,
                "at least 2^64 elements exceed the index limit of 2^16",
            )
        }
    }
    let total = total.expect("checked above") as usize;
    let mut data = Vec::with_capacity(total);
    fn walk<T>(
        v: &Json,
        shape: &[usize],
        path: &str,
        data: &mut Vec<T>,
        leaf: &dyn Fn(&Json, &str) -> Result<T, FormatError>,
    ) -> Result<(), FormatError> {
        match (v, shape.split_first()) {
            (Json::Array(_), None) => err(path, "ragged index array"),
            (_, None) => {
                data.push(leaf(v, path)?);
                Ok(())
            }
            (Json::Array(items), Some((&n, rest))) if items.len() == n => items
                .iter()
                .try_for_each(|x| walk(x, rest, path, data, leaf)),
            _ => err(path, "ragged index array"),
        }
    }
    walk(v, &shape, path, &mut data, leaf)?;
    Ok(NdList { shape, data })
}

fn parse_item(v: &Json, path: &str) -> Result<Item, FormatError> {
    match v {
        Json::Number(_) => Ok(Item::Int(int(v, path)?)),
        Json::String(s) if s == "newaxis" => Ok(Item::NewAxis),
        Json::String(s) if s == "ellipsis" => Ok(Item::Ellipsis),
        Json::String(s) => err(path, format!("unknown index item {s:?}")),
        Json::Object(m) if m.len() == 1 => {
            let (k, x) = m.iter().next().expect("one entry");
            let sub = format!("{path}.{k}");
            match k.as_str() {
                "slice" => {
                    let Json::Array(parts) = x else {
                        return err(&sub, "expected [start, stop, step]");
                    };
                    if parts.len() != 3 {
                        return err(&sub, "expected [start, stop, step]");
                    }
                    let mut out = [None; 3];
                    for (i, part) in parts.iter().enumerate() {
                        if !part.is_null() {
                            out[i] = Some(int(part, &format!("{sub}[{i}]"))?);
                        }
                    }
                    Ok(Item::Slice(out[0], out[1], out[2]))
                }
                "array" => Ok(Item::Array(parse_nd(x, &sub, &|leaf, p| match leaf {
                    Json::Number(_) => int(leaf, p),
                    other => err(
                        p,
                        format!("index array holds {}, not an integer", describe(other)),
                    ),
                })?)),
                "mask" => Ok(Item::Mask(parse_nd(x, &sub, &|leaf, p| match leaf {
                    Json::Bool(b) => Ok(*b),
                    other => err(p, format!("mask holds {}, not a boolean", describe(other))),
                })?)),
                other => err(path, format!("unknown index item kind `{other}`")),
            }
        }
        other => err(path, format!("unknown index item {}", describe(other))),
    }
}

impl Program {
    /// Parses and validates a program from JSON text (one line of a JSON
    /// Lines stream, or a whole document).
    ///
    /// Problems of the text itself come first, at the first place they
    /// occur: a line longer than [`MAX_LINE_BYTES`] (rejected unread), a
    /// byte-order mark, malformed JSON, a duplicate key, nesting deeper than
    /// [`MAX_JSON_DEPTH`], and numbers that are not format-1 integers (a
    /// fraction, an exponent, or beyond 64 bits). Then the structural rules,
    /// in step order, exactly as [`Program::from_json`] checks them.
    pub fn parse(text: &str) -> Result<Program, FormatError> {
        if text.len() > MAX_LINE_BYTES {
            return Err(FormatError::line_too_long(text.len()));
        }
        let v = Reader::new(text, Numbers::Format1Integers).document()?;
        Program::from_json(&v)
    }

    /// [`Program::parse`] for raw bytes, as a line reader has them: text
    /// that is not UTF-8 is rejected with the place of the first bad byte.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Program, FormatError> {
        if bytes.len() > MAX_LINE_BYTES {
            return Err(FormatError::line_too_long(bytes.len()));
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Program::parse(text),
            Err(e) => {
                let good = e.valid_up_to();
                // `good` ends on a char boundary by definition of valid_up_to.
                let text = std::str::from_utf8(&bytes[..good]).expect("valid prefix");
                let at = Reader::new(text, Numbers::Any).place(good);
                err(
                    "",
                    format!(
                        "the line is not UTF-8: byte 0x{:02X} at {at} does not belong to a UTF-8 character",
                        bytes[good]
                    ),
                )
            }
        }
    }

    /// Validates a parsed JSON document as a program.
    pub fn from_json(v: &Json) -> Result<Program, FormatError> {
        let Json::Object(root) = v else {
            return err(
                "",
                format!("a program is a JSON object, got {}", describe(v)),
            );
        };
        for k in root.keys() {
            if !["format", "name", "note", "steps"].contains(&k.as_str()) {
                return err("", format!("unknown field `{k}`"));
            }
        }
        match root.get("format") {
            Some(Json::Number(n)) if n.as_i64() == Some(FORMAT_VERSION) => {}
            Some(Json::Number(n)) if !n.is_i64() && !n.is_u64() => {
                return err("format", format!("{n} {NOT_AN_INTEGER}"))
            }
            Some(other) => return err("format", format!("expected 1, got {other}")),
            None => return err("", "missing field `format`"),
        }
        let text = |k: &str| -> Result<Option<String>, FormatError> {
            match root.get(k) {
                None | Some(Json::Null) => Ok(None),
                Some(Json::String(s)) => Ok(Some(s.clone())),
                Some(other) => err(k, format!("expected a string, got {}", describe(other))),
            }
        };
        let name = text("name")?;
        let note = text("note")?;
        let Some(steps_json) = root.get("steps") else {
            return err("", "missing field `steps`");
        };
        let Json::Array(steps_json) = steps_json else {
            return err(
                "steps",
                format!("expected a list, got {}", describe(steps_json)),
            );
        };
        if steps_json.len() > MAX_STEPS {
            return err(
                "steps",
                format!("{} steps exceed the limit of {MAX_STEPS}", steps_json.len()),
            );
        }
        let mut bound: HashSet<String> = HashSet::new();
        let mut steps = Vec::with_capacity(steps_json.len());
        let mut index_elements: usize = 0;
        for (i, s) in steps_json.iter().enumerate() {
            let path = format!("steps[{i}]");
            let step = parse_step(s, &path)?;
            if let Step::Index { index, .. }
            | Step::Assign { index, .. }
            | Step::AddAssign { index, .. } = &step
            {
                for (j, item) in index.iter().enumerate() {
                    let (kind, n) = match item {
                        Item::Array(a) => ("array", a.data.len()),
                        Item::Mask(m) => ("mask", m.data.len()),
                        _ => continue,
                    };
                    index_elements = index_elements.saturating_add(n);
                    if index_elements > MAX_PROGRAM_INDEX_ELEMENTS {
                        return err(
                            &format!("{path}.index[{j}].{kind}"),
                            format!(
                                "index arrays and masks up to here hold {index_elements} elements, \
                                 more than the limit of 2^20 per program"
                            ),
                        );
                    }
                }
            }
            for (key, used) in step_use_fields(&step) {
                if !bound.contains(used) {
                    return err(
                        &format!("{path}.{key}"),
                        format!("name `{used}` is not bound by an earlier step"),
                    );
                }
            }
            if let Some(out) = step.out() {
                if !bound.insert(out.to_string()) {
                    return err(
                        &format!("{path}.out"),
                        format!("name `{out}` is already bound (no rebinding)"),
                    );
                }
            }
            steps.push(step);
        }
        Ok(Program { name, note, steps })
    }

    /// The program as JSON, with every field written out (defaults included).
    pub fn to_json(&self) -> Json {
        let mut m = Map::new();
        m.insert("format".into(), Json::from(FORMAT_VERSION));
        if let Some(n) = &self.name {
            m.insert("name".into(), Json::from(n.clone()));
        }
        if let Some(n) = &self.note {
            m.insert("note".into(), Json::from(n.clone()));
        }
        m.insert(
            "steps".into(),
            Json::Array(self.steps.iter().map(step_to_json).collect()),
        );
        Json::Object(m)
    }

    /// The program as one line of JSON.
    pub fn to_line(&self) -> String {
        self.to_json().to_string()
    }
}

fn step_use_fields(step: &Step) -> Vec<(&'static str, &str)> {
    let mut v = Vec::new();
    match step {
        Step::Array { .. } => {}
        Step::Assign { dst, value, .. } | Step::AddAssign { dst, value, .. } => {
            v.push(("dst", dst.as_str()));
            if let Value::Var(n) = value {
                v.push(("value.var", n.as_str()));
            }
        }
        other => v.push(("src", other.src().expect("has src"))),
    }
    v
}

fn parse_step(v: &Json, path: &str) -> Result<Step, FormatError> {
    let Json::Object(obj) = v else {
        return err(path, format!("a step is an object, got {}", describe(v)));
    };
    let op = match obj.get("op") {
        Some(Json::String(s)) => s.as_str(),
        Some(other) => {
            return err(
                &format!("{path}.op"),
                format!("expected an op name, got {}", describe(other)),
            )
        }
        None => return err(path, "missing field `op`"),
    };
    let mut r = StepReader {
        obj,
        path: path.to_string(),
        used: Vec::new(),
    };
    use Order::*;
    let step = match op {
        "array" => Step::Array {
            out: r.name("out")?,
            shape: r.shape("shape", "array")?,
            order: r.order("order", C, &[C, F])?,
        },
        "index" => Step::Index {
            out: r.name("out")?,
            src: r.name("src")?,
            index: r.index("index")?,
        },
        "transpose" => Step::Transpose {
            out: r.name("out")?,
            src: r.name("src")?,
            axes: r.ints_or_null("axes")?,
        },
        "swapaxes" => Step::Swapaxes {
            out: r.name("out")?,
            src: r.name("src")?,
            axis1: {
                let p = r.sub("axis1");
                int(r.required("axis1")?, &p)?
            },
            axis2: {
                let p = r.sub("axis2");
                int(r.required("axis2")?, &p)?
            },
        },
        "moveaxis" => Step::Moveaxis {
            out: r.name("out")?,
            src: r.name("src")?,
            source: r.ints("source")?,
            destination: r.ints("destination")?,
        },
        "reshape" => Step::Reshape {
            out: r.name("out")?,
            src: r.name("src")?,
            shape: r.shape("shape", "reshape")?,
            order: r.order("order", C, &[C, F, A])?,
            copy: {
                let p = r.sub("copy");
                match r.field("copy") {
                    None | Some(Json::Null) => None,
                    Some(Json::Bool(b)) => Some(*b),
                    Some(other) => {
                        return err(
                            &p,
                            format!("expected true, false or null, got {}", describe(other)),
                        )
                    }
                }
            },
        },
        "ravel" => Step::Ravel {
            out: r.name("out")?,
            src: r.name("src")?,
            order: r.order("order", C, &[C, F, A, K])?,
        },
        "flatten" => Step::Flatten {
            out: r.name("out")?,
            src: r.name("src")?,
            order: r.order("order", C, &[C, F, A, K])?,
        },
        "squeeze" => Step::Squeeze {
            out: r.name("out")?,
            src: r.name("src")?,
            axis: r.ints_or_null("axis")?,
        },
        "expand_dims" => Step::ExpandDims {
            out: r.name("out")?,
            src: r.name("src")?,
            axis: r.ints("axis")?,
        },
        "broadcast_to" => Step::BroadcastTo {
            out: r.name("out")?,
            src: r.name("src")?,
            shape: r.shape("shape", "broadcast_to")?,
        },
        "diagonal" => Step::Diagonal {
            out: r.name("out")?,
            src: r.name("src")?,
            offset: r.int_or("offset", 0)?,
            axis1: r.int_or("axis1", 0)?,
            axis2: r.int_or("axis2", 1)?,
        },
        "copy" => Step::Copy {
            out: r.name("out")?,
            src: r.name("src")?,
            order: r.order("order", C, &[C, F, A, K])?,
        },
        "asarray" => Step::Asarray {
            out: r.name("out")?,
            src: r.name("src")?,
            order: r.order("order", K, &[C, F, A, K])?,
        },
        "assign" => Step::Assign {
            dst: r.name("dst")?,
            index: r.index("index")?,
            value: r.value("value")?,
        },
        "add_assign" => Step::AddAssign {
            dst: r.name("dst")?,
            index: r.index("index")?,
            value: r.value("value")?,
        },
        other => return err(&format!("{path}.op"), format!("unknown op {other:?}")),
    };
    r.finish()?;
    Ok(step)
}

fn nd_to_json<T: Copy>(nd: &NdList<T>, leaf: fn(T) -> Json) -> Json {
    fn build<T: Copy>(shape: &[usize], data: &[T], leaf: fn(T) -> Json) -> Json {
        if shape.is_empty() {
            return leaf(data[0]);
        }
        let n = shape[0];
        let inner = shape[1..]
            .iter()
            .try_fold(1usize, |p, &e| p.checked_mul(e))
            .expect("an NdList's shape multiplies to its data length");
        Json::Array(
            (0..n)
                .map(|i| build(&shape[1..], &data[i * inner..(i + 1) * inner], leaf))
                .collect(),
        )
    }
    build(&nd.shape, &nd.data, leaf)
}

/// An index item as JSON.
pub fn item_to_json(item: &Item) -> Json {
    let opt = |x: Option<i64>| x.map(Json::from).unwrap_or(Json::Null);
    match item {
        Item::Int(i) => Json::from(*i),
        Item::Slice(a, b, c) => serde_json::json!({"slice": [opt(*a), opt(*b), opt(*c)]}),
        Item::NewAxis => Json::from("newaxis"),
        Item::Ellipsis => Json::from("ellipsis"),
        Item::Array(a) => serde_json::json!({ "array": nd_to_json(a, Json::from) }),
        Item::Mask(m) => serde_json::json!({ "mask": nd_to_json(m, Json::from) }),
    }
}

fn step_to_json(step: &Step) -> Json {
    use serde_json::json;
    let ints = |v: &Vec<i64>| Json::from(v.clone());
    let idx = |v: &Vec<Item>| Json::Array(v.iter().map(item_to_json).collect());
    let val = |v: &Value| match v {
        Value::Scalar(s) => json!({ "scalar": s }),
        Value::Var(n) => json!({ "var": n }),
    };
    match step {
        Step::Array { out, shape, order } => {
            json!({"op": "array", "out": out, "shape": ints(shape), "order": order.as_str()})
        }
        Step::Index { out, src, index } => {
            json!({"op": "index", "out": out, "src": src, "index": idx(index)})
        }
        Step::Transpose { out, src, axes } => {
            json!({"op": "transpose", "out": out, "src": src, "axes": axes.as_ref().map(ints)})
        }
        Step::Swapaxes {
            out,
            src,
            axis1,
            axis2,
        } => json!({"op": "swapaxes", "out": out, "src": src, "axis1": axis1, "axis2": axis2}),
        Step::Moveaxis {
            out,
            src,
            source,
            destination,
        } => json!({"op": "moveaxis", "out": out, "src": src,
                    "source": ints(source), "destination": ints(destination)}),
        Step::Reshape {
            out,
            src,
            shape,
            order,
            copy,
        } => json!({"op": "reshape", "out": out, "src": src, "shape": ints(shape),
                    "order": order.as_str(), "copy": copy}),
        Step::Ravel { out, src, order } => {
            json!({"op": "ravel", "out": out, "src": src, "order": order.as_str()})
        }
        Step::Flatten { out, src, order } => {
            json!({"op": "flatten", "out": out, "src": src, "order": order.as_str()})
        }
        Step::Squeeze { out, src, axis } => {
            json!({"op": "squeeze", "out": out, "src": src, "axis": axis.as_ref().map(ints)})
        }
        Step::ExpandDims { out, src, axis } => {
            json!({"op": "expand_dims", "out": out, "src": src, "axis": ints(axis)})
        }
        Step::BroadcastTo { out, src, shape } => {
            json!({"op": "broadcast_to", "out": out, "src": src, "shape": ints(shape)})
        }
        Step::Diagonal {
            out,
            src,
            offset,
            axis1,
            axis2,
        } => json!({"op": "diagonal", "out": out, "src": src,
                    "offset": offset, "axis1": axis1, "axis2": axis2}),
        Step::Copy { out, src, order } => {
            json!({"op": "copy", "out": out, "src": src, "order": order.as_str()})
        }
        Step::Asarray { out, src, order } => {
            json!({"op": "asarray", "out": out, "src": src, "order": order.as_str()})
        }
        Step::Assign { dst, index, value } => {
            json!({"op": "assign", "dst": dst, "index": idx(index), "value": val(value)})
        }
        Step::AddAssign { dst, index, value } => {
            json!({"op": "add_assign", "dst": dst, "index": idx(index), "value": val(value)})
        }
    }
}

// ---------------------------------------------------------------------------
// Observations

/// What happened at one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// The step succeeded; NumPy may have emitted a warning.
    Ok { warning: Option<String> },
    /// The step raised; the NumPy exception class name.
    Error(String),
    /// The step used an unbound name or a scalar as `src`/`dst`.
    Skipped,
}

/// One entry of `steps`: the outcome plus informational keys (e.g.
/// `numpy_deviation`) that comparisons ignore.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRecord {
    pub outcome: StepOutcome,
    pub extra: Map<String, Json>,
}

impl StepRecord {
    pub fn ok() -> StepRecord {
        StepRecord {
            outcome: StepOutcome::Ok { warning: None },
            extra: Map::new(),
        }
    }
    pub fn error(class: impl Into<String>) -> StepRecord {
        StepRecord {
            outcome: StepOutcome::Error(class.into()),
            extra: Map::new(),
        }
    }
    pub fn skipped() -> StepRecord {
        StepRecord {
            outcome: StepOutcome::Skipped,
            extra: Map::new(),
        }
    }
}

/// The final state of one array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrayRecord {
    pub shape: Vec<usize>,
    /// In elements.
    pub strides: Vec<i64>,
    /// In elements, from the start of the owning buffer.
    pub offset: i64,
    /// Owning buffers numbered in order of first appearance.
    pub buffer: usize,
    pub owndata: bool,
    pub writeable: bool,
    pub c_contiguous: bool,
    pub f_contiguous: bool,
    /// Flat, in C order.
    pub values: Vec<i64>,
}

/// What a name is bound to at the end of a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bound {
    Scalar(i64),
    Array(ArrayRecord),
}

/// A format-1 observation.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Observation {
    /// Set when the program was rejected whole; then everything else is empty.
    pub format_error: Option<String>,
    pub steps: Vec<StepRecord>,
    /// Bound names in binding order.
    pub arrays: Vec<(String, Bound)>,
    pub shares_memory: Vec<(String, String)>,
    pub may_share_memory: Vec<(String, String)>,
    /// Top-level informational keys (`numpy`, timings, ...).
    pub extra: Map<String, Json>,
}

impl Observation {
    /// The observation of a program rejected whole.
    pub fn rejected(message: impl Into<String>) -> Observation {
        Observation {
            format_error: Some(message.into()),
            ..Observation::default()
        }
    }

    /// Looks up a bound name.
    pub fn get(&self, name: &str) -> Option<&Bound> {
        self.arrays.iter().find(|(n, _)| n == name).map(|(_, b)| b)
    }

    /// Serializes to JSON (keys in format-1 order).
    pub fn to_json(&self) -> Json {
        use serde_json::json;
        let mut m = Map::new();
        m.insert("format".into(), json!(FORMAT_VERSION));
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        if let Some(e) = &self.format_error {
            m.insert("format_error".into(), json!(e));
            return Json::Object(m);
        }
        let steps = self
            .steps
            .iter()
            .map(|s| {
                let mut o = Map::new();
                match &s.outcome {
                    StepOutcome::Ok { warning } => {
                        o.insert("ok".into(), json!(true));
                        if let Some(w) = warning {
                            o.insert("warning".into(), json!(w));
                        }
                    }
                    StepOutcome::Error(c) => {
                        o.insert("error".into(), json!(c));
                    }
                    StepOutcome::Skipped => {
                        o.insert("skipped".into(), json!(true));
                    }
                }
                for (k, v) in &s.extra {
                    o.insert(k.clone(), v.clone());
                }
                Json::Object(o)
            })
            .collect();
        m.insert("steps".into(), Json::Array(steps));
        let mut arrays = Map::new();
        for (name, b) in &self.arrays {
            let v = match b {
                Bound::Scalar(s) => json!({ "scalar": s }),
                Bound::Array(a) => json!({
                    "shape": a.shape, "strides": a.strides, "offset": a.offset,
                    "buffer": a.buffer, "owndata": a.owndata, "writeable": a.writeable,
                    "c_contiguous": a.c_contiguous, "f_contiguous": a.f_contiguous,
                    "values": a.values,
                }),
            };
            arrays.insert(name.clone(), v);
        }
        m.insert("arrays".into(), Json::Object(arrays));
        let pairs =
            |v: &Vec<(String, String)>| Json::Array(v.iter().map(|(a, b)| json!([a, b])).collect());
        m.insert("shares_memory".into(), pairs(&self.shares_memory));
        m.insert("may_share_memory".into(), pairs(&self.may_share_memory));
        Json::Object(m)
    }

    /// One line of JSON.
    pub fn to_line(&self) -> String {
        self.to_json().to_string()
    }

    /// Parses an observation from JSON text with the strict reader
    /// ([`json_from_str`]: no duplicate keys), then as [`Observation::from_json`].
    pub fn parse(text: &str) -> Result<Observation, FormatError> {
        Observation::from_json(&json_from_str(text)?)
    }

    /// Parses an observation (e.g. one recorded in the corpus or printed by
    /// another implementation). Unknown keys are kept as informational extras.
    pub fn from_json(v: &Json) -> Result<Observation, FormatError> {
        let Json::Object(root) = v else {
            return err(
                "",
                format!("an observation is an object, got {}", describe(v)),
            );
        };
        match root.get("format") {
            Some(Json::Number(n)) if n.as_i64() == Some(FORMAT_VERSION) => {}
            Some(other) => return err("format", format!("expected 1, got {other}")),
            None => return err("", "missing field `format`"),
        }
        let known = [
            "format",
            "format_error",
            "steps",
            "arrays",
            "shares_memory",
            "may_share_memory",
        ];
        let extra: Map<String, Json> = root
            .iter()
            .filter(|(k, _)| !known.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(fe) = root.get("format_error") {
            let msg = match fe {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            return Ok(Observation {
                format_error: Some(msg),
                extra,
                ..Observation::default()
            });
        }
        let steps = match root.get("steps") {
            Some(Json::Array(s)) => s
                .iter()
                .enumerate()
                .map(|(i, s)| parse_step_record(s, &format!("steps[{i}]")))
                .collect::<Result<Vec<_>, _>>()?,
            Some(other) => {
                return err("steps", format!("expected a list, got {}", describe(other)))
            }
            None => return err("", "missing field `steps`"),
        };
        let mut arrays = Vec::new();
        match root.get("arrays") {
            Some(Json::Object(m)) => {
                for (name, b) in m {
                    arrays.push((name.clone(), parse_bound(b, &format!("arrays.{name}"))?));
                }
            }
            Some(other) => {
                return err(
                    "arrays",
                    format!("expected an object, got {}", describe(other)),
                )
            }
            None => return err("", "missing field `arrays`"),
        }
        let pairs = |key: &str| -> Result<Vec<(String, String)>, FormatError> {
            match root.get(key) {
                None => err("", format!("missing field `{key}`")),
                Some(Json::Array(v)) => v
                    .iter()
                    .enumerate()
                    .map(|(i, p)| match p {
                        Json::Array(ab) if ab.len() == 2 => match (&ab[0], &ab[1]) {
                            (Json::String(a), Json::String(b)) => Ok((a.clone(), b.clone())),
                            _ => err(&format!("{key}[{i}]"), "expected a pair of names"),
                        },
                        _ => err(&format!("{key}[{i}]"), "expected a pair of names"),
                    })
                    .collect(),
                Some(other) => err(key, format!("expected a list, got {}", describe(other))),
            }
        };
        Ok(Observation {
            format_error: None,
            steps,
            arrays,
            shares_memory: pairs("shares_memory")?,
            may_share_memory: pairs("may_share_memory")?,
            extra,
        })
    }
}

fn parse_step_record(v: &Json, path: &str) -> Result<StepRecord, FormatError> {
    let Json::Object(m) = v else {
        return err(path, format!("expected an object, got {}", describe(v)));
    };
    let outcome = if let Some(Json::String(c)) = m.get("error") {
        StepOutcome::Error(c.clone())
    } else if m.get("skipped") == Some(&Json::Bool(true)) {
        StepOutcome::Skipped
    } else if m.get("ok") == Some(&Json::Bool(true)) {
        let warning = match m.get("warning") {
            None | Some(Json::Null) => None,
            Some(Json::String(w)) => Some(w.clone()),
            Some(other) => {
                return err(
                    &format!("{path}.warning"),
                    format!("expected a class name, got {other}"),
                )
            }
        };
        StepOutcome::Ok { warning }
    } else {
        return err(
            path,
            "expected {\"ok\": true}, {\"error\": class} or {\"skipped\": true}",
        );
    };
    let extra = m
        .iter()
        .filter(|(k, _)| !["ok", "error", "skipped", "warning"].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(StepRecord { outcome, extra })
}

fn parse_bound(v: &Json, path: &str) -> Result<Bound, FormatError> {
    let Json::Object(m) = v else {
        return err(path, format!("expected an object, got {}", describe(v)));
    };
    if let Some(s) = m.get("scalar") {
        return match s.as_i64() {
            Some(i) => Ok(Bound::Scalar(i)),
            None => err(&format!("{path}.scalar"), "expected an integer"),
        };
    }
    let get = |k: &str| -> Result<&Json, FormatError> {
        m.get(k).ok_or_else(|| FormatError {
            path: path.to_string(),
            message: format!("missing field `{k}`"),
        })
    };
    let ints = |k: &str| -> Result<Vec<i64>, FormatError> {
        match get(k)? {
            Json::Array(v) => v
                .iter()
                .map(|x| {
                    x.as_i64().ok_or_else(|| FormatError {
                        path: format!("{path}.{k}"),
                        message: "expected integers".into(),
                    })
                })
                .collect(),
            _ => err(&format!("{path}.{k}"), "expected a list of integers"),
        }
    };
    let boolean = |k: &str| -> Result<bool, FormatError> {
        get(k)?.as_bool().ok_or_else(|| FormatError {
            path: format!("{path}.{k}"),
            message: "expected a boolean".into(),
        })
    };
    let int1 = |k: &str| -> Result<i64, FormatError> {
        get(k)?.as_i64().ok_or_else(|| FormatError {
            path: format!("{path}.{k}"),
            message: "expected an integer".into(),
        })
    };
    let shape = ints("shape")?;
    if shape.iter().any(|&e| e < 0) {
        return err(&format!("{path}.shape"), "negative extent");
    }
    Ok(Bound::Array(ArrayRecord {
        shape: shape.into_iter().map(|e| e as usize).collect(),
        strides: ints("strides")?,
        offset: int1("offset")?,
        buffer: int1("buffer")?.max(0) as usize,
        owndata: boolean("owndata")?,
        writeable: boolean("writeable")?,
        c_contiguous: boolean("c_contiguous")?,
        f_contiguous: boolean("f_contiguous")?,
        values: ints("values")?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_fixed_point() {
        let text = r#"{"format":1,"steps":[{"op":"array","out":"a","shape":[2,3]},
            {"op":"index","out":"b","src":"a","index":[{"mask":[[true,false,true],[false,false,true]]},"ellipsis"]},
            {"op":"assign","dst":"a","index":[{"array":[[0],[1]]},{"slice":[null,2,-1]}],"value":{"scalar":-4}}]}"#;
        let p = Program::parse(text).unwrap();
        let again = Program::from_json(&p.to_json()).unwrap();
        assert_eq!(p, again);
    }

    #[test]
    fn ragged_is_rejected_with_its_place() {
        let text = r#"{"format":1,"steps":[{"op":"array","out":"a","shape":[2,3]},{"op":"array","out":"c","shape":[1]},
            {"op":"array","out":"d","shape":[1]},
            {"op":"index","out":"b","src":"a","index":[0,{"array":[[0],[1,2]]}]}]}"#;
        let e = Program::parse(text).unwrap_err();
        assert_eq!(e.to_string(), "steps[3].index[1].array: ragged index array");
    }
}
