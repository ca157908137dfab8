//! Observations: what a backend did at each step ([`StepOutcome`],
//! [`StepRecord`]), the final state of every name ([`ArrayRecord`], [`Bound`]),
//! and [`Observation`]'s parsing and JSON output.

use super::*;

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

/// Whether `serde_json::Map` keeps insertion order (its `preserve_order`
/// feature, which some dependency may or may not turn on): then
/// [`Observation::to_json`]'s text is in format-1 order.
fn maps_keep_order() -> bool {
    static KEEPS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *KEEPS.get_or_init(|| {
        let mut m = Map::new();
        m.insert("b".into(), Json::Null);
        m.insert("a".into(), Json::Null);
        m.keys().next().is_some_and(|k| k == "b")
    })
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

    /// One line of JSON: the text of [`Observation::to_json`], written
    /// directly (the hot path of every worker: no intermediate
    /// `serde_json::Value`).
    pub fn to_line(&self) -> String {
        match self.write_line() {
            Some(line) => line,
            None => self.to_json().to_string(),
        }
    }

    /// [`Observation::to_line`] without building a `serde_json::Value`;
    /// `None` where the text could differ from `to_json`'s: maps that sort
    /// their keys (serde_json without `preserve_order`), informational keys
    /// that collide with format-1 keys, or a name bound twice.
    fn write_line(&self) -> Option<String> {
        use std::fmt::Write as _;
        if !maps_keep_order() {
            return None;
        }
        let known = [
            "format",
            "format_error",
            "steps",
            "arrays",
            "shares_memory",
            "may_share_memory",
        ];
        if self.extra.keys().any(|k| known.contains(&k.as_str())) {
            return None;
        }
        for (i, (name, _)) in self.arrays.iter().enumerate() {
            if self.arrays[..i].iter().any(|(n, _)| n == name) {
                return None;
            }
        }
        let step_keys = ["ok", "warning", "error", "skipped"];
        if self
            .steps
            .iter()
            .any(|s| s.extra.keys().any(|k| step_keys.contains(&k.as_str())))
        {
            return None;
        }
        let mut out = String::with_capacity(256);
        let string = |out: &mut String, s: &str| {
            // serde_json's own escaping.
            out.push_str(&serde_json::to_string(s).unwrap_or_default());
        };
        let extras = |out: &mut String, m: &Map<String, Json>| {
            for (k, v) in m {
                out.push(',');
                string(out, k);
                out.push(':');
                out.push_str(&v.to_string());
            }
        };
        let ints = |out: &mut String, v: &mut dyn Iterator<Item = i64>| {
            out.push('[');
            for (i, x) in v.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{x}");
            }
            out.push(']');
        };
        let _ = write!(out, "{{\"format\":{FORMAT_VERSION}");
        extras(&mut out, &self.extra);
        if let Some(e) = &self.format_error {
            out.push_str(",\"format_error\":");
            string(&mut out, e);
            out.push('}');
            return Some(out);
        }
        out.push_str(",\"steps\":[");
        for (i, st) in self.steps.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match &st.outcome {
                StepOutcome::Ok { warning } => {
                    out.push_str("{\"ok\":true");
                    if let Some(w) = warning {
                        out.push_str(",\"warning\":");
                        string(&mut out, w);
                    }
                }
                StepOutcome::Error(c) => {
                    out.push_str("{\"error\":");
                    string(&mut out, c);
                }
                StepOutcome::Skipped => out.push_str("{\"skipped\":true"),
            }
            extras(&mut out, &st.extra);
            out.push('}');
        }
        out.push_str("],\"arrays\":{");
        for (i, (name, b)) in self.arrays.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            string(&mut out, name);
            match b {
                Bound::Scalar(v) => {
                    let _ = write!(out, ":{{\"scalar\":{v}}}");
                }
                Bound::Array(a) => {
                    out.push_str(":{\"shape\":");
                    ints(&mut out, &mut a.shape.iter().map(|&n| n as i64));
                    out.push_str(",\"strides\":");
                    ints(&mut out, &mut a.strides.iter().copied());
                    let _ = write!(
                        out,
                        ",\"offset\":{},\"buffer\":{},\"owndata\":{},\"writeable\":{},\"c_contiguous\":{},\"f_contiguous\":{},\"values\":",
                        a.offset, a.buffer, a.owndata, a.writeable, a.c_contiguous, a.f_contiguous
                    );
                    ints(&mut out, &mut a.values.iter().copied());
                    out.push('}');
                }
            }
        }
        out.push('}');
        for (key, pairs) in [
            ("shares_memory", &self.shares_memory),
            ("may_share_memory", &self.may_share_memory),
        ] {
            let _ = write!(out, ",\"{key}\":[");
            for (i, (a, b)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                string(&mut out, a);
                out.push(',');
                string(&mut out, b);
                out.push(']');
            }
            out.push(']');
        }
        out.push('}');
        Some(out)
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
