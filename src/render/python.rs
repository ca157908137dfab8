//! A program as a runnable NumPy script.

use std::fmt::Write as _;

use super::{ident, identifiers, nested};
use crate::format::{Item, Order, Program, Step, Value};

/// Python keywords and the builtins the script itself calls: a program
/// name spelled like one of them would break the script. Helpers are
/// `VC_*`, which no format-1 name (lowercase only) can shadow.
const RESERVED: &[&str] = &[
    "and",
    "as",
    "assert",
    "async",
    "await",
    "break",
    "class",
    "continue",
    "def",
    "del",
    "elif",
    "else",
    "except",
    "finally",
    "for",
    "from",
    "global",
    "if",
    "import",
    "in",
    "is",
    "lambda",
    "nonlocal",
    "not",
    "or",
    "pass",
    "raise",
    "return",
    "try",
    "while",
    "with",
    "yield",
    "np",
    "print",
    "isinstance",
    "globals",
    "tuple",
    "int",
    "bool",
    "len",
    "range",
    "id",
    "type",
    "list",
    "dict",
    "set",
    "str",
    "enumerate",
    "zip",
    "getattr",
];

const PRELUDE: &str = r#"import numpy as np
import json as VC_json

# Each step prints its outcome as format 1 records it: ok, the exception's
# class, or skipped (a name it uses failed or was skipped, or a scalar is
# used as an array or as an index). Not reproduced: format 1.1's LimitExceeded budgets.


def VC_ready(i, src=None, var=None, index=()):
    g = globals()
    ok = (src is None or isinstance(g.get(src), np.ndarray)) and (var is None or var in g)
    ok = ok and all(isinstance(g.get(n), np.ndarray) for n in index)
    if not ok:
        print(f"steps[{i}]: skipped")
    return ok


def VC_ok(i):
    print(f"steps[{i}]: ok")


def VC_error(i, e):
    print(f"steps[{i}]: {type(e).__name__}")


def VC_owner(x):
    while isinstance(x.base, np.ndarray):
        x = x.base
    return x


def VC_report(names, py={}):
    """The final facts of every bound name, in format 1's terms: strides
    and offset in elements from the owning buffer (the end of .base)."""
    g = globals()
    arrays, owners = [], []
    for name in names:
        x = g.get(py.get(name, name), VC_report)
        if x is VC_report:
            continue
        if not isinstance(x, np.ndarray):
            print(f"{name}: " + VC_json.dumps({"scalar": int(x)}))
            continue
        owner = VC_owner(x)
        if not any(o is owner for o in owners):
            owners.append(owner)
        start = owner.__array_interface__["data"][0]
        facts = {
            "shape": list(x.shape),
            "strides": [s // x.itemsize for s in x.strides],
            "offset": (x.__array_interface__["data"][0] - start) // x.itemsize,
            "buffer": next(k for k, o in enumerate(owners) if o is owner),
            "owndata": bool(x.flags.owndata),
            "writeable": bool(x.flags.writeable),
            "c_contiguous": bool(x.flags.c_contiguous),
            "f_contiguous": bool(x.flags.f_contiguous),
            "values": [int(v) for v in x.ravel(order="C")],
        }
        print(f"{name}: " + VC_json.dumps(facts))
        arrays.append((name, x))
    pairs = [[a, b] for k, (a, x) in enumerate(arrays) for (b, y) in arrays[k + 1:]
             if np.shares_memory(x, y)]
    print("shares_memory: " + VC_json.dumps(pairs))
"#;

fn order(o: Order) -> String {
    format!("\"{}\"", o.as_str())
}

fn ints(v: &[i64]) -> String {
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

/// A shape or an axis list as a Python tuple (`(3,)`, `()`).
fn tuple(v: &[i64]) -> String {
    if v.len() == 1 {
        format!("({},)", v[0])
    } else {
        format!("({})", ints(v))
    }
}

fn opt_tuple(v: &Option<Vec<i64>>) -> String {
    v.as_deref().map(tuple).unwrap_or_else(|| "None".into())
}

fn bound(b: Option<i64>) -> String {
    b.map(|v| v.to_string()).unwrap_or_default()
}

fn item(i: &Item, id: &dyn Fn(&str) -> String) -> String {
    match i {
        Item::Int(v) => v.to_string(),
        Item::Slice(a, b, None) => format!("{}:{}", bound(*a), bound(*b)),
        Item::Slice(a, b, c) => format!("{}:{}:{}", bound(*a), bound(*b), bound(*c)),
        Item::NewAxis => "np.newaxis".into(),
        Item::Ellipsis => "...".into(),
        Item::Array(a) => format!(
            "np.array({}, dtype=np.intp)",
            nested(&a.shape, &a.data, &|v| v.to_string())
        ),
        Item::Mask(m) => format!(
            "np.array({}, dtype=bool)",
            nested(&m.shape, &m.data, &|v| if *v { "True" } else { "False" }
                .into())
        ),
        // The array itself, as NumPy is indexed with it (format 1.2).
        Item::Var(n) => id(n),
    }
}

/// `x[...]` of an index list, read as a tuple (`[]` is `x[()]`).
fn subscript(index: &[Item], id: &dyn Fn(&str) -> String) -> String {
    if index.is_empty() {
        "()".into()
    } else {
        index
            .iter()
            .map(|i| item(i, id))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The statement of a step, docs/FORMAT.md's NumPy column.
fn statement(step: &Step, id: &dyn Fn(&str) -> String) -> String {
    let lhs = step.out().map(id).unwrap_or_default();
    let x = step.src().map(id).unwrap_or_default();
    match step {
        Step::Array {
            shape, order: o, ..
        } => {
            let n: i64 = shape.iter().product();
            format!(
                "{lhs} = np.arange({n}, dtype=np.int64).reshape({}).copy(order={})",
                tuple(shape),
                order(*o)
            )
        }
        Step::Index { index, .. } => format!("{lhs} = {x}[{}]", subscript(index, id)),
        Step::Transpose { axes, .. } => format!("{lhs} = np.transpose({x}, {})", opt_tuple(axes)),
        Step::Swapaxes { axis1, axis2, .. } => {
            format!("{lhs} = np.swapaxes({x}, {axis1}, {axis2})")
        }
        Step::Moveaxis {
            source,
            destination,
            ..
        } => format!(
            "{lhs} = np.moveaxis({x}, [{}], [{}])",
            ints(source),
            ints(destination)
        ),
        Step::Reshape {
            shape,
            order: o,
            copy,
            ..
        } => format!(
            "{lhs} = np.reshape({x}, {}, order={}, copy={})",
            tuple(shape),
            order(*o),
            match copy {
                None => "None",
                Some(true) => "True",
                Some(false) => "False",
            }
        ),
        Step::Ravel { order: o, .. } => format!("{lhs} = np.ravel({x}, order={})", order(*o)),
        Step::Flatten { order: o, .. } => format!("{lhs} = {x}.flatten(order={})", order(*o)),
        Step::Squeeze { axis, .. } => {
            format!("{lhs} = np.squeeze({x}, axis={})", opt_tuple(axis))
        }
        Step::ExpandDims { axis, .. } => {
            format!("{lhs} = np.expand_dims({x}, {})", tuple(axis))
        }
        Step::BroadcastTo { shape, .. } => {
            format!("{lhs} = np.broadcast_to({x}, {})", tuple(shape))
        }
        Step::Diagonal {
            offset,
            axis1,
            axis2,
            ..
        } => format!("{lhs} = np.diagonal({x}, {offset}, {axis1}, {axis2})"),
        Step::Copy { order: o, .. } => format!("{lhs} = {x}.copy(order={})", order(*o)),
        Step::Asarray { order: o, .. } => {
            format!("{lhs} = np.asarray({x}, order={})", order(*o))
        }
        Step::Assign { index, value, .. } | Step::AddAssign { index, value, .. } => {
            let v = match value {
                Value::Scalar(s) => s.to_string(),
                Value::Var(n) => id(n),
            };
            let op = if matches!(step, Step::Assign { .. }) {
                "="
            } else {
                "+="
            };
            format!("{x}[{}] {op} {v}", subscript(index, id))
        }
    }
}

/// A runnable Python script performing `program` with NumPy, step by step,
/// that prints each step's outcome and then the observed facts of every
/// bound name (one JSON object per line, keyed as in format 1) and the
/// `np.shares_memory` pairs.
pub fn numpy_script(program: &Program) -> String {
    let ids = identifiers(program, RESERVED);
    let id = |n: &str| ident(&ids, n).to_string();
    let mut s = String::new();
    if let Some(name) = &program.name {
        let _ = writeln!(s, "# {name}");
    }
    s.push_str(PRELUDE);
    if program
        .steps
        .iter()
        .any(|st| matches!(st, Step::Assign { .. } | Step::AddAssign { .. }))
    {
        s.push_str(
            "\n# The writes below are NumPy's own statements. Format 1 records the\n\
             # documented result (value read before any write, last duplicate wins),\n\
             # which NumPy 2.4.6 departs from in a few overlap cases (FORMAT.md §4).\n",
        );
    }
    s.push('\n');
    for (i, step) in program.steps.iter().enumerate() {
        let var = match step {
            Step::Assign {
                value: Value::Var(n),
                ..
            }
            | Step::AddAssign {
                value: Value::Var(n),
                ..
            } => Some(id(n)),
            _ => None,
        };
        let _ = writeln!(s, "# steps[{i}]: {}", step.kind_label());
        let body = format!(
            "try:\n    {}\n    VC_ok({i})\nexcept Exception as e:\n    VC_error({i}, e)\n",
            statement(step, &id)
        );
        match (step.src(), var) {
            (None, _) => s.push_str(&body),
            (Some(src), var) => {
                let _ = write!(s, "if VC_ready({i}, {:?}", id(src));
                if let Some(v) = var {
                    let _ = write!(s, ", var={v:?}");
                }
                let index: Vec<String> =
                    step.index_vars().map(|n| format!("{:?}", id(n))).collect();
                if !index.is_empty() {
                    let _ = write!(s, ", index=({},)", index.join(", "));
                }
                s.push_str("):\n");
                for line in body.lines() {
                    let _ = writeln!(s, "    {line}");
                }
            }
        }
        s.push('\n');
    }
    let names: Vec<String> = ids.iter().map(|(n, _)| format!("{n:?}")).collect();
    let renamed: Vec<String> = ids
        .iter()
        .filter(|(n, i)| n != i)
        .map(|(n, i)| format!("{n:?}: {i:?}"))
        .collect();
    s.push_str("print(\"--\")\n");
    if renamed.is_empty() {
        let _ = writeln!(s, "VC_report([{}])", names.join(", "));
    } else {
        let _ = writeln!(
            s,
            "VC_report([{}], py={{{}}})  # names Python reserves, renamed",
            names.join(", "),
            renamed.join(", ")
        );
    }
    s
}
