//! Programs written as the NumPy code they mean, step by step, with the
//! outcomes NumPy and the implementation reported.

use serde_json::Value as Json;

use super::*;

/// A JSON value as Python source (`null` is `None`, booleans are `True`).
pub(crate) fn py(v: &Json) -> String {
    match v {
        Json::Null => "None".into(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        Json::String(s) => format!("{s:?}"),
        Json::Array(a) => format!("[{}]", a.iter().map(py).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// A list as a Python tuple (shapes, axes).
pub(crate) fn tuple(v: &Json) -> String {
    match v.as_array() {
        Some(a) if a.len() == 1 => format!("({},)", py(&a[0])),
        Some(a) => format!("({})", a.iter().map(py).collect::<Vec<_>>().join(", ")),
        None => py(v),
    }
}

pub(crate) fn index_item(item: &Json) -> String {
    match item {
        Json::String(s) if s == "newaxis" => "np.newaxis".into(),
        Json::String(s) if s == "ellipsis" => "...".into(),
        Json::Object(o) if o.contains_key("slice") => {
            let parts = o["slice"].as_array().cloned().unwrap_or_default();
            let part = |i: usize| match parts.get(i) {
                Some(Json::Null) | None => String::new(),
                Some(v) => py(v),
            };
            let (start, stop, step) = (part(0), part(1), part(2));
            if step.is_empty() {
                format!("{start}:{stop}")
            } else {
                format!("{start}:{stop}:{step}")
            }
        }
        Json::Object(o) if o.contains_key("array") => {
            format!("np.array({}, dtype=np.intp)", py(&o["array"]))
        }
        Json::Object(o) if o.contains_key("mask") => {
            format!("np.array({}, dtype=bool)", py(&o["mask"]))
        }
        // Format 1.2: the bound array itself.
        Json::Object(o) if o.get("var").is_some_and(Json::is_string) => {
            o["var"].as_str().unwrap_or_default().to_string()
        }
        other => py(other),
    }
}

pub(crate) fn subscript(index: &Json) -> String {
    match index.as_array() {
        Some(items) if items.is_empty() => "()".into(),
        Some(items) => items.iter().map(index_item).collect::<Vec<_>>().join(", "),
        None => py(index),
    }
}

pub(crate) fn value(v: &Json) -> String {
    if let Some(s) = v.get("scalar") {
        py(s)
    } else if let Some(n) = v.get("var").and_then(Json::as_str) {
        n.to_string()
    } else {
        py(v)
    }
}

/// One step in NumPy terms (docs/FORMAT.md, the table of ops); an op this
/// page does not know is shown as its JSON.
pub fn numpy_step(step: &Json) -> String {
    let f = |k: &str| step.get(k);
    let s = |k: &str| f(k).and_then(Json::as_str).unwrap_or("?").to_string();
    let opt = |k: &str, default: &str| match f(k) {
        Some(Json::String(v)) => format!("{v:?}"),
        Some(Json::Null) => "None".into(),
        Some(v) => py(v),
        None => default.to_string(),
    };
    let out = s("out");
    let src = s("src");
    match f("op").and_then(Json::as_str).unwrap_or("") {
        "array" => {
            let shape = f("shape").cloned().unwrap_or(Json::Null);
            let n: i64 = shape
                .as_array()
                .map(|a| a.iter().filter_map(Json::as_i64).product())
                .unwrap_or(0);
            let order = match f("order").and_then(Json::as_str) {
                Some("F") => ".copy(order=\"F\")",
                _ => "",
            };
            format!(
                "{out} = np.arange({n}, dtype=np.int64).reshape({}){order}",
                tuple(&shape)
            )
        }
        "index" => format!(
            "{out} = {src}[{}]",
            subscript(f("index").unwrap_or(&Json::Null))
        ),
        "transpose" => format!(
            "{out} = np.transpose({src}, {})",
            match f("axes") {
                None | Some(Json::Null) => "None".into(),
                Some(a) => tuple(a),
            }
        ),
        "swapaxes" => format!(
            "{out} = np.swapaxes({src}, {}, {})",
            opt("axis1", "?"),
            opt("axis2", "?")
        ),
        "moveaxis" => format!(
            "{out} = np.moveaxis({src}, {}, {})",
            opt("source", "?"),
            opt("destination", "?")
        ),
        "reshape" => format!(
            "{out} = np.reshape({src}, {}, order={}, copy={})",
            tuple(f("shape").unwrap_or(&Json::Null)),
            opt("order", "\"C\""),
            opt("copy", "None")
        ),
        "ravel" => format!("{out} = np.ravel({src}, order={})", opt("order", "\"C\"")),
        "flatten" => format!("{out} = {src}.flatten(order={})", opt("order", "\"C\"")),
        "squeeze" => format!(
            "{out} = np.squeeze({src}, axis={})",
            match f("axis") {
                None | Some(Json::Null) => "None".into(),
                Some(a) => tuple(a),
            }
        ),
        "expand_dims" => format!(
            "{out} = np.expand_dims({src}, {})",
            tuple(f("axis").unwrap_or(&Json::Null))
        ),
        "broadcast_to" => format!(
            "{out} = np.broadcast_to({src}, {})",
            tuple(f("shape").unwrap_or(&Json::Null))
        ),
        "diagonal" => format!(
            "{out} = np.diagonal({src}, {}, {}, {})",
            opt("offset", "0"),
            opt("axis1", "0"),
            opt("axis2", "1")
        ),
        "copy" => format!("{out} = {src}.copy(order={})", opt("order", "\"C\"")),
        "asarray" => format!("{out} = np.asarray({src}, order={})", opt("order", "\"K\"")),
        "assign" => format!(
            "{}[{}] = {}",
            s("dst"),
            subscript(f("index").unwrap_or(&Json::Null)),
            value(f("value").unwrap_or(&Json::Null))
        ),
        "add_assign" => format!(
            "{}[{}] += {}",
            s("dst"),
            subscript(f("index").unwrap_or(&Json::Null)),
            value(f("value").unwrap_or(&Json::Null))
        ),
        _ => step.to_string(),
    }
}

/// A step record in a few words (`ok`, `IndexError`, `skipped`).
pub(crate) fn outcome(record: &Json) -> String {
    if let Some(e) = record.get("error") {
        plain(e)
    } else if record.get("skipped").is_some() {
        "skipped".into()
    } else if let Some(w) = record.get("warning") {
        format!("ok, {}", plain(w))
    } else if record.get("ok").is_some() {
        "ok".into()
    } else {
        record.to_string()
    }
}

/// The program as NumPy code, each step annotated with NumPy's outcome and,
/// where it differs, the implementation's.
pub(crate) fn numpy_program(
    program: &Json,
    expected: Option<&Vec<Json>>,
    got: Option<&Vec<Json>>,
) -> String {
    let Some(steps) = program.get("steps").and_then(Json::as_array) else {
        return format!("(no steps) {program}");
    };
    let mut lines = vec!["import numpy as np".to_string()];
    for (i, step) in steps.iter().enumerate() {
        let code = numpy_step(step);
        let e = expected.and_then(|s| s.get(i)).map(outcome);
        let g = got.and_then(|s| s.get(i)).map(outcome);
        let mut note = match &e {
            Some(e) => format!("NumPy: {e}"),
            None => String::new(),
        };
        if let Some(g) = &g {
            if Some(g) != e.as_ref() {
                note = format!("{note}; got: {g}  <-- differs");
            }
        }
        lines.push(format!("{code:<48}  # [{i}] {note}"));
    }
    lines.join("\n")
}
