//! A program as Rust code against `viewcheck-arrays`.

use std::fmt::Write as _;

use super::{ident, identifiers, nested};
use crate::format::{Item, Order, Program, Step, Value};

/// Rust keywords, and `_`: a program name spelled like one cannot be a
/// binding (`r#` does not cover `self`, `super`, `crate` or `_`). The
/// helpers live in `mod vc`, which no local binding can shadow.
const RESERVED: &[&str] = &[
    "_", "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
    "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true",
    "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

const HELPERS: &str = r#"
/// Step outcomes and final facts printed as format 1 records them.
#[allow(dead_code)]
mod vc {
    use viewcheck_arrays::*;

    pub fn step<T>(i: usize, r: Result<T, Error>) -> Option<T> {
        match r {
            Ok(v) => {
                println!("steps[{i}]: ok");
                Some(v)
            }
            Err(e) => {
                println!("steps[{i}]: {}", e.kind.class_name());
                None
            }
        }
    }

    pub fn skipped<T>(i: usize) -> Option<T> {
        println!("steps[{i}]: skipped");
        None
    }

    /// A `{"var": NAME}` index item (format 1.2): NAME's current shape,
    /// values and layout as an index array, read before anything is written.
    pub fn index_of(a: &Array) -> Index {
        Index::ArrayView {
            shape: a.shape().to_vec(),
            data: a.to_vec(),
            strides: a.strides().to_vec(),
        }
    }

    pub fn value(v: &Indexed) -> Value<'_> {
        match v {
            Indexed::Array(a) => Value::Array(a),
            Indexed::Scalar(s) => Value::Scalar(*s),
        }
    }

    /// Shapes, strides and offsets in elements; `buffer` numbers owning
    /// buffers in order of first appearance, as format 1 does.
    pub fn report(names: &[(&str, &Option<Indexed>)]) {
        let mut owners: Vec<usize> = Vec::new();
        let mut arrays: Vec<(&str, &Array)> = Vec::new();
        for (name, bound) in names {
            match bound {
                None => {}
                Some(Indexed::Scalar(s)) => println!("{name}: scalar {s}"),
                Some(Indexed::Array(a)) => {
                    if !owners.contains(&a.buffer_id()) {
                        owners.push(a.buffer_id());
                    }
                    let buffer = owners.iter().position(|&b| b == a.buffer_id()).unwrap();
                    println!(
                        "{name}: shape {:?} strides {:?} offset {} buffer {buffer} owndata {} writeable {} C {} F {} values {:?}",
                        a.shape(),
                        a.strides(),
                        a.offset(),
                        a.owndata(),
                        a.writeable(),
                        a.is_c_contiguous(),
                        a.is_f_contiguous(),
                        a.to_vec()
                    );
                    arrays.push((name, a));
                }
            }
        }
        for (k, (a, x)) in arrays.iter().enumerate() {
            for (b, y) in &arrays[k + 1..] {
                if shares_memory(x, y) {
                    println!("shares_memory: {a} {b}");
                }
            }
        }
    }
}
"#;

fn order(o: Order) -> &'static str {
    match o {
        Order::C => "Order::C",
        Order::F => "Order::F",
        Order::A => "Order::A",
        Order::K => "Order::K",
    }
}

fn list(v: &[i64]) -> String {
    format!(
        "&[{}]",
        v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
    )
}

fn opt_list(v: &Option<Vec<i64>>) -> String {
    match v {
        None => "None".into(),
        Some(v) => format!("Some({})", list(v)),
    }
}

fn opt(b: Option<i64>) -> String {
    b.map(|v| format!("Some({v})"))
        .unwrap_or_else(|| "None".into())
}

fn flat<T: ToString>(v: &[T]) -> String {
    format!(
        "vec![{}]",
        v.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
    )
}

/// An index item; the `k`-th var item of the step is the array bound as
/// `i{k}` by the step's `match`.
fn item(i: &Item, k: usize) -> String {
    match i {
        Item::Int(v) => format!("Index::Int({v})"),
        Item::Slice(a, b, c) => format!("Index::Slice({}, {}, {})", opt(*a), opt(*b), opt(*c)),
        Item::NewAxis => "Index::NewAxis".into(),
        Item::Ellipsis => "Index::Ellipsis".into(),
        // The nesting as a comment: the crate takes shape and flat data.
        Item::Array(a) => format!(
            "Index::Array {{ shape: {}, data: {} }} /* {} */",
            flat(&a.shape),
            flat(&a.data),
            nested(&a.shape, &a.data, &|v| v.to_string())
        ),
        Item::Mask(m) => format!(
            "Index::Mask {{ shape: {}, data: {} }}",
            flat(&m.shape),
            flat(&m.data)
        ),
        Item::Var(_) => format!("vc::index_of(i{k})"),
    }
}

fn index(items: &[Item]) -> String {
    let mut k = 0;
    let items: Vec<String> = items
        .iter()
        .map(|i| {
            let s = item(i, k);
            k += usize::from(matches!(i, Item::Var(_)));
            s
        })
        .collect();
    format!("&[{}]", items.join(", "))
}

/// The call of a step on `x`, as a `Result<Indexed, Error>`.
fn call(step: &Step, v: &str) -> String {
    let arr = |e: String| format!("{e}.map(Indexed::Array)");
    // Operations that cannot fail in NumPy return a plain Array.
    let always = |e: String| format!("Ok::<_, Error>(Indexed::Array({e}))");
    match step {
        Step::Array {
            shape, order: o, ..
        } => {
            let shape: Vec<String> = shape.iter().map(i64::to_string).collect();
            arr(format!(
                "Array::try_arange(&[{}], {})",
                shape.join(", "),
                order(*o)
            ))
        }
        Step::Index { index: i, .. } => format!("x.get({})", index(i)),
        Step::Transpose { axes, .. } => arr(format!("x.transpose({})", opt_list(axes))),
        Step::Swapaxes { axis1, axis2, .. } => arr(format!("x.swapaxes({axis1}, {axis2})")),
        Step::Moveaxis {
            source,
            destination,
            ..
        } => arr(format!(
            "x.moveaxis({}, {})",
            list(source),
            list(destination)
        )),
        Step::Reshape {
            shape,
            order: o,
            copy,
            ..
        } => arr(format!(
            "x.reshape({}, {}, {})",
            list(shape),
            order(*o),
            match copy {
                None => "None".to_string(),
                Some(c) => format!("Some({c})"),
            }
        )),
        Step::Ravel { order: o, .. } => always(format!("x.ravel({})", order(*o))),
        Step::Flatten { order: o, .. } => always(format!("x.flatten({})", order(*o))),
        Step::Squeeze { axis, .. } => arr(format!("x.squeeze({})", opt_list(axis))),
        Step::ExpandDims { axis, .. } => arr(format!("x.expand_dims({})", list(axis))),
        Step::BroadcastTo { shape, .. } => arr(format!("x.broadcast_to({})", list(shape))),
        Step::Diagonal {
            offset,
            axis1,
            axis2,
            ..
        } => arr(format!("x.diagonal({offset}, {axis1}, {axis2})")),
        Step::Copy { order: o, .. } => always(format!("x.copy({})", order(*o))),
        Step::Asarray { order: o, .. } => always(format!("x.asarray({})", order(*o))),
        Step::Assign { index: i, .. } => format!("x.assign({}, {v})", index(i)),
        Step::AddAssign { index: i, .. } => format!("x.add_assign({}, {v})", index(i)),
    }
}

/// A `fn main()` doing `program`'s steps with `viewcheck-arrays`, printing
/// each step's outcome and then the shapes, strides, offsets (in elements),
/// flags and values of every bound name. Every name is an
/// `Option<Indexed>`: `None` once its step failed or was skipped.
pub fn rust_snippet(program: &Program) -> String {
    let ids = identifiers(program, RESERVED);
    let id = |n: &str| ident(&ids, n).to_string();
    let mut s = String::new();
    if let Some(name) = &program.name {
        let _ = writeln!(s, "// {name}");
    }
    s.push_str(
        "// Each step prints ok, the error class, or skipped (as format 1 records it).\n\
         // Not reproduced: format 1.1's per-program LimitExceeded budget.\n\
         #![allow(unused_variables)]\n\
         use viewcheck_arrays::*;\n\nfn main() {\n",
    );
    for (i, step) in program.steps.iter().enumerate() {
        let _ = writeln!(s, "    // steps[{i}]: {}", step.kind_label());
        match step {
            Step::Array { out, .. } => {
                let c = call(step, "");
                let _ = writeln!(
                    s,
                    "    let {}: Option<Indexed> = vc::step({i}, {c});",
                    id(out)
                );
            }
            Step::Assign { dst, value, .. } | Step::AddAssign { dst, value, .. } => {
                let mut scrutinee = vec![format!("&{}", id(dst))];
                let mut pattern = vec!["Some(Indexed::Array(x))".to_string()];
                for (k, n) in step.index_vars().enumerate() {
                    scrutinee.push(format!("&{}", id(n)));
                    pattern.push(format!("Some(Indexed::Array(i{k}))"));
                }
                let v = match value {
                    Value::Scalar(k) => format!("Value::Scalar({k})"),
                    Value::Var(n) => {
                        scrutinee.push(format!("&{}", id(n)));
                        pattern.push("Some(v)".to_string());
                        "vc::value(v)".to_string()
                    }
                };
                let c = call(step, &v);
                let _ = writeln!(
                    s,
                    "    match ({},) {{\n        ({},) => {{\n            vc::step({i}, {c});\n        }}\n        _ => {{\n            vc::skipped::<()>({i});\n        }}\n    }}",
                    scrutinee.join(", "),
                    pattern.join(", ")
                );
            }
            _ => {
                let c = call(step, "");
                let out = id(step.out().unwrap_or("_"));
                let src = id(step.src().unwrap_or("_"));
                let vars: Vec<String> = step.index_vars().map(&id).collect();
                if vars.is_empty() {
                    let _ = writeln!(
                        s,
                        "    let {out}: Option<Indexed> = match &{src} {{\n        Some(Indexed::Array(x)) => vc::step({i}, {c}),\n        _ => vc::skipped({i}),\n    }};"
                    );
                } else {
                    // A var item must name an array, like the source.
                    let scrutinee: Vec<String> = vars.iter().map(|n| format!("&{n}")).collect();
                    let pattern: Vec<String> = (0..vars.len())
                        .map(|k| format!("Some(Indexed::Array(i{k}))"))
                        .collect();
                    let _ = writeln!(
                        s,
                        "    let {out}: Option<Indexed> = match (&{src}, {},) {{\n        (Some(Indexed::Array(x)), {},) => vc::step({i}, {c}),\n        _ => vc::skipped({i}),\n    }};",
                        scrutinee.join(", "),
                        pattern.join(", ")
                    );
                }
            }
        }
    }
    let names: Vec<String> = ids.iter().map(|(n, i)| format!("({n:?}, &{i})")).collect();
    s.push_str("    println!(\"--\");\n");
    let _ = writeln!(s, "    vc::report(&[{}]);", names.join(", "));
    s.push_str("}\n");
    s.push_str(HELPERS);
    s
}
