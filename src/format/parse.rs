//! Programs from JSON: the typed readers of steps, index items and nested
//! lists, and [`Program`]'s parsing, validation and serialisation entry points.

use super::*;

pub(crate) fn describe(v: &Json) -> &'static str {
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
                // Format 1.2: an array bound earlier, as an index array
                // (whether it is bound is checked with the step's other names).
                "var" => match x {
                    Json::String(s) if is_valid_name(s) => Ok(Item::Var(s.clone())),
                    Json::String(s) => err(
                        &sub,
                        format!("name {s:?} does not match [a-z_][a-z0-9_]{{0,31}}"),
                    ),
                    other => err(&sub, format!("expected a name, got {}", describe(other))),
                },
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
            if let Some(index) = step.index() {
                // Literal index arrays and masks only: a `{"var": ...}` item
                // is an array the program built, under its element budget.
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

/// The names a step uses with the path of each, in field order: `src` or
/// `dst`, then the `{"var": ...}` items of the index, then the value.
fn step_use_fields(step: &Step) -> Vec<(String, &str)> {
    let mut v = Vec::new();
    match step {
        Step::Array { .. } => {}
        Step::Assign { dst, .. } | Step::AddAssign { dst, .. } => {
            v.push(("dst".into(), dst.as_str()))
        }
        other => v.push(("src".into(), other.src().expect("has src"))),
    }
    for (j, item) in step.index().unwrap_or(&[]).iter().enumerate() {
        if let Item::Var(n) = item {
            v.push((format!("index[{j}].var"), n.as_str()));
        }
    }
    if let Step::Assign {
        value: Value::Var(n),
        ..
    }
    | Step::AddAssign {
        value: Value::Var(n),
        ..
    } = step
    {
        v.push(("value.var".into(), n.as_str()));
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
