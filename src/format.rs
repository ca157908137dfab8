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

fn err<T>(path: &str, message: impl Into<String>) -> Result<T, FormatError> {
    Err(FormatError {
        path: path.to_string(),
        message: message.into(),
    })
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
            _ => err(path, format!("expected an integer, got {n}")),
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
            let mut n: i64 = 1;
            for &e in &shape {
                n = n.saturating_mul(e);
            }
            if n > MAX_ELEMENTS {
                return err(
                    &p,
                    format!("{n} elements exceed the limit of 2^20 for `{op}`"),
                );
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

fn parse_nd<T>(
    v: &Json,
    path: &str,
    leaf: &dyn Fn(&Json, &str) -> Result<T, FormatError>,
) -> Result<NdList<T>, FormatError> {
    // Determine the shape from the first element at each depth, then check
    // that every sub-list agrees with it (otherwise the list is ragged).
    let mut shape = Vec::new();
    let mut cur = v;
    while let Json::Array(items) = cur {
        shape.push(items.len());
        match items.first() {
            Some(first) => cur = first,
            None => break,
        }
    }
    let total: usize = shape.iter().product();
    if total > MAX_INDEX_ELEMENTS {
        return err(
            path,
            format!("{total} elements exceed the index limit of 2^16"),
        );
    }
    let mut data = Vec::with_capacity(total);
    fn walk<T>(
        v: &Json,
        depth: usize,
        shape: &[usize],
        path: &str,
        data: &mut Vec<T>,
        leaf: &dyn Fn(&Json, &str) -> Result<T, FormatError>,
    ) -> Result<(), FormatError> {
        if depth == shape.len() {
            if v.is_array() {
                return err(path, "ragged index array");
            }
            data.push(leaf(v, path)?);
            return Ok(());
        }
        match v {
            Json::Array(items) if items.len() == shape[depth] => {
                for (i, x) in items.iter().enumerate() {
                    walk(x, depth + 1, shape, path, data, leaf)?;
                    let _ = i;
                }
                Ok(())
            }
            _ => err(path, "ragged index array"),
        }
    }
    walk(v, 0, &shape, path, &mut data, leaf)?;
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
    /// Parses and validates a program from JSON text.
    pub fn parse(text: &str) -> Result<Program, FormatError> {
        let v: Json = serde_json::from_str(text).map_err(|e| FormatError {
            path: String::new(),
            message: format!("invalid JSON: {e}"),
        })?;
        Program::from_json(&v)
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
        for (i, s) in steps_json.iter().enumerate() {
            let path = format!("steps[{i}]");
            let step = parse_step(s, &path)?;
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
        let inner: usize = shape[1..].iter().product();
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
