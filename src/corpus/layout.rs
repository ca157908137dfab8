//! The canonical layout of case files: key order, what stays on one line
//! ([`format_case_file`]).

use super::*;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Case,
    Provenance,
    Program,
    Step,
    Observation,
    StepRecord,
    Arrays,
    ArrayRecord,
    Other,
}

const CASE_KEYS: &[&str] = &[
    "id",
    "description",
    "features",
    "numpy",
    "provenance",
    "variant_of",
    "program",
    "program_text",
    "expect",
];
const PROVENANCE_KEYS: &[&str] = &["kind", "numpy"];
const PROGRAM_KEYS: &[&str] = &["format", "name", "note", "steps"];
const STEP_KEYS: &[&str] = &[
    "op",
    "out",
    "dst",
    "src",
    "index",
    "value",
    "shape",
    "offset",
    "axis1",
    "axis2",
    "source",
    "destination",
    "axes",
    "axis",
    "order",
    "copy",
];
const OBSERVATION_KEYS: &[&str] = &[
    "format",
    "numpy",
    "format_error",
    "steps",
    "arrays",
    "shares_memory",
    "may_share_memory",
];
const STEP_RECORD_KEYS: &[&str] = &["ok", "error", "skipped", "warning", "numpy_deviation"];
const ARRAY_RECORD_KEYS: &[&str] = &[
    "scalar",
    "shape",
    "strides",
    "offset",
    "buffer",
    "owndata",
    "writeable",
    "c_contiguous",
    "f_contiguous",
    "values",
];

fn known_keys(ctx: Ctx) -> &'static [&'static str] {
    match ctx {
        Ctx::Case => CASE_KEYS,
        Ctx::Provenance => PROVENANCE_KEYS,
        Ctx::Program => PROGRAM_KEYS,
        Ctx::Step => STEP_KEYS,
        Ctx::Observation => OBSERVATION_KEYS,
        Ctx::StepRecord => STEP_RECORD_KEYS,
        Ctx::ArrayRecord => ARRAY_RECORD_KEYS,
        Ctx::Arrays | Ctx::Other => &[],
    }
}

fn child_ctx(ctx: Ctx, key: &str) -> Ctx {
    match (ctx, key) {
        (Ctx::Case, "provenance") => Ctx::Provenance,
        (Ctx::Case, "program") => Ctx::Program,
        (Ctx::Case, "expect") => Ctx::Observation,
        (Ctx::Observation, "arrays") => Ctx::Arrays,
        (Ctx::Arrays, _) => Ctx::ArrayRecord,
        _ => Ctx::Other,
    }
}

/// List elements' context: `steps` of a program are steps, `steps` of an
/// observation are step records.
fn element_ctx(ctx: Ctx, key: &str) -> Ctx {
    match (ctx, key) {
        (Ctx::Program, "steps") => Ctx::Step,
        (Ctx::Observation, "steps") => Ctx::StepRecord,
        _ => Ctx::Other,
    }
}

/// Keys of `m` in canonical order: the context's known keys in their listed
/// order, then the rest sorted; for `arrays`, binding order first.
fn ordered_keys<'a>(m: &'a Map<String, Json>, ctx: Ctx, binding: &[String]) -> Vec<&'a String> {
    let known: Vec<&str> = if ctx == Ctx::Arrays {
        binding.iter().map(String::as_str).collect()
    } else {
        known_keys(ctx).to_vec()
    };
    let rank = |k: &str| known.iter().position(|x| *x == k).unwrap_or(usize::MAX);
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    keys
}

fn write_inline(v: &Json, ctx: Ctx, list_ctx: Ctx, binding: &[String], out: &mut String) {
    match v {
        Json::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_inline(x, list_ctx, Ctx::Other, binding, out);
            }
            out.push(']');
        }
        Json::Object(m) => {
            out.push('{');
            for (i, k) in ordered_keys(m, ctx, binding).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&Json::from(k.as_str()).to_string());
                out.push_str(": ");
                write_inline(&m[k], child_ctx(ctx, k), element_ctx(ctx, k), binding, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Writes the value of `key` inside a `program` / `expect` object: `steps`
/// one element per line, `arrays` one name per line, the rest inline.
fn write_member(
    key: &str,
    v: &Json,
    ctx: Ctx,
    binding: &[String],
    indent: usize,
    out: &mut String,
) {
    let pad = " ".repeat(indent);
    match (key, v) {
        ("steps", Json::Array(items)) if !items.is_empty() => {
            out.push_str("[\n");
            let ectx = element_ctx(ctx, key);
            for (i, x) in items.iter().enumerate() {
                out.push_str(&pad);
                out.push_str("  ");
                write_inline(x, ectx, Ctx::Other, binding, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad);
            out.push(']');
        }
        ("arrays", Json::Object(m)) if ctx == Ctx::Observation && !m.is_empty() => {
            out.push_str("{\n");
            let keys = ordered_keys(m, Ctx::Arrays, binding);
            let n = keys.len();
            for (i, k) in keys.into_iter().enumerate() {
                out.push_str(&pad);
                out.push_str("  ");
                out.push_str(&Json::from(k.as_str()).to_string());
                out.push_str(": ");
                write_inline(&m[k], Ctx::ArrayRecord, Ctx::Other, binding, out);
                out.push_str(if i + 1 < n { ",\n" } else { "\n" });
            }
            out.push_str(&pad);
            out.push('}');
        }
        _ => write_inline(v, child_ctx(ctx, key), element_ctx(ctx, key), binding, out),
    }
}

fn write_case(v: &Json, out: &mut String) {
    let Json::Object(case) = v else {
        out.push_str("  ");
        write_inline(v, Ctx::Other, Ctx::Other, &[], out);
        return;
    };
    let binding = binding_order(case.get("program"));
    out.push_str("  {\n");
    let keys = ordered_keys(case, Ctx::Case, &[]);
    let n = keys.len();
    for (i, k) in keys.into_iter().enumerate() {
        out.push_str("    ");
        out.push_str(&Json::from(k.as_str()).to_string());
        out.push_str(": ");
        let val = &case[k];
        match (k.as_str(), val) {
            ("program" | "expect", Json::Object(m)) if !m.is_empty() => {
                let ctx = child_ctx(Ctx::Case, k);
                out.push_str("{\n");
                let inner = ordered_keys(m, ctx, &binding);
                let n2 = inner.len();
                for (j, k2) in inner.into_iter().enumerate() {
                    out.push_str("      ");
                    out.push_str(&Json::from(k2.as_str()).to_string());
                    out.push_str(": ");
                    write_member(k2, &m[k2], ctx, &binding, 6, out);
                    out.push_str(if j + 1 < n2 { ",\n" } else { "\n" });
                }
                out.push_str("    }");
            }
            _ => write_inline(val, child_ctx(Ctx::Case, k), Ctx::Other, &binding, out),
        }
        out.push_str(if i + 1 < n { ",\n" } else { "\n" });
    }
    out.push_str("  }");
}

/// A case file in the canonical layout: a JSON list with one case per
/// block; each case one key per line; inside `program` and `expect` one key
/// per line, with `steps` one element per line and `arrays` one name per
/// line; everything else on one line with `", "` and `": "` separators.
/// Object keys follow a fixed order per kind of object (format 1's order),
/// unknown keys after them sorted, and `arrays` in binding order. The same
/// layout is written by `corpus/tools/gen_cases.py`.
pub fn format_case_file(cases: &[Json]) -> String {
    if cases.is_empty() {
        return "[]\n".into();
    }
    let mut out = String::from("[\n");
    for (i, c) in cases.iter().enumerate() {
        write_case(c, &mut out);
        out.push_str(if i + 1 < cases.len() { ",\n" } else { "\n" });
    }
    out.push_str("]\n");
    out
}

/// Writes one case file in the canonical layout.
pub(crate) fn corpus_write_file(root: &Path, file: &CaseFile) -> Result<(), Problem> {
    let raws: Vec<Json> = file
        .cases
        .iter()
        .map(|c| Json::Object(c.raw.clone()))
        .collect();
    fs::write(root.join(&file.path), format_case_file(&raws))
        .map_err(|e| Problem::new(&file.path, None, format!("cannot write: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_layout() {
        let case = serde_json::json!({
            "expect": {"steps": [{"ok": true}], "format": 1,
                       "arrays": {"b": {"values": [0], "shape": [1]}, "a": {"shape": [1]}},
                       "shares_memory": [], "may_share_memory": []},
            "program": {"steps": [{"shape": [1], "out": "a", "op": "array"},
                                  {"src": "a", "out": "b", "op": "copy"}], "format": 1},
            "id": "VC-0001", "description": "d", "features": ["op:array"],
            "numpy": [">=2.4.6,<2.5"], "provenance": {"numpy": "2.4.6", "kind": "hand-written"}
        });
        let text = format_case_file(&[case]);
        let want = r#"[
  {
    "id": "VC-0001",
    "description": "d",
    "features": ["op:array"],
    "numpy": [">=2.4.6,<2.5"],
    "provenance": {"kind": "hand-written", "numpy": "2.4.6"},
    "program": {
      "format": 1,
      "steps": [
        {"op": "array", "out": "a", "shape": [1]},
        {"op": "copy", "out": "b", "src": "a"}
      ]
    },
    "expect": {
      "format": 1,
      "steps": [
        {"ok": true}
      ],
      "arrays": {
        "a": {"shape": [1]},
        "b": {"shape": [1], "values": [0]}
      },
      "shares_memory": [],
      "may_share_memory": []
    }
  }
]
"#;
        assert_eq!(text, want);
        let again: Vec<Json> = serde_json::from_str(&text).unwrap();
        assert_eq!(format_case_file(&again), text);
    }
}
