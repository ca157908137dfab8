//! Programs as JSON: steps, index items and nested lists written back in the
//! form [`Program::parse`] reads.

use super::*;

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
        Item::Var(n) => serde_json::json!({ "var": n }),
    }
}

pub(crate) fn step_to_json(step: &Step) -> Json {
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
