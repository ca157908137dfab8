//! Small end-to-end checks against facts from the NumPy 2.4.6 rules.

use super::*;
use serde_json::json;

fn run(program: Value) -> Value {
    Oracle::global()
        .expect("oracle starts")
        .run(&program)
        .expect("program runs")
}

fn slice(a: Value, b: Value, c: Value) -> Value {
    json!({ "slice": [a, b, c] })
}

#[test]
fn starts_with_the_pinned_numpy() {
    let oracle = Oracle::global().expect("oracle starts");
    assert_eq!(oracle.numpy_version(), pinned_numpy_version());
    assert_eq!(pinned_numpy_version(), "2.4.6");
    let obs = run(json!({"format": 1, "steps": []}));
    assert_eq!(
        obs,
        json!({"format": 1, "numpy": "2.4.6", "steps": [], "arrays": {},
               "shares_memory": [], "may_share_memory": []})
    );
}

#[test]
fn fancy_index_in_the_middle_is_a_view_of_a_hidden_buffer() {
    // R9.4: a[:, [0, 1]] on arange(6).reshape(2, 3)
    let obs = run(json!({"format": 1, "steps": [
        {"op": "array", "out": "a", "shape": [2, 3]},
        {"op": "index", "out": "r", "src": "a",
         "index": [slice(Value::Null, Value::Null, Value::Null), {"array": [0, 1]}]},
    ]}));
    assert_eq!(obs["steps"], json!([{"ok": true}, {"ok": true}]));
    assert_eq!(
        obs["arrays"]["r"],
        json!({"shape": [2, 2], "strides": [1, 2], "offset": 0, "buffer": 1,
               "owndata": false, "writeable": true, "c_contiguous": false,
               "f_contiguous": true, "values": [0, 1, 3, 4]})
    );
    assert_eq!(obs["arrays"]["a"]["buffer"], json!(0));
    assert_eq!(obs["shares_memory"], json!([]));
}

#[test]
fn overlapping_strided_assignment_keeps_the_documented_result() {
    // R10.2 / A1: a[0:6:2] = a[0:3]; NumPy gives [0, 1, 1, 3, 1, 5, ...]
    let obs = run(json!({"format": 1, "steps": [
        {"op": "array", "out": "a", "shape": [12]},
        {"op": "index", "out": "v", "src": "a", "index": [slice(json!(0), json!(3), Value::Null)]},
        {"op": "assign", "dst": "a", "index": [slice(json!(0), json!(6), json!(2))],
         "value": {"var": "v"}},
    ]}));
    assert_eq!(
        obs["steps"][2],
        json!({"ok": true, "numpy_deviation": "overlap"})
    );
    assert_eq!(
        obs["arrays"]["a"]["values"],
        json!([0, 1, 1, 3, 2, 5, 6, 7, 8, 9, 10, 11])
    );
    assert_eq!(obs["shares_memory"], json!([["a", "v"]]));
}

#[test]
fn duplicate_fancy_targets_last_write_wins_and_add_applies_once() {
    // R10.5: a[[0, 0, 1, 0]] = [1, 2, 3, 4] -> a[0] = 4, a[1] = 3;
    // a[[0, 0, 1]] += 1 applies each duplicate once.
    let obs = run(json!({"format": 1, "steps": [
        {"op": "array", "out": "a", "shape": [5]},
        {"op": "array", "out": "v", "shape": [4]},
        {"op": "add_assign", "dst": "v", "index": [], "value": {"scalar": 1}},
        {"op": "assign", "dst": "a", "index": [{"array": [0, 0, 1, 0]}], "value": {"var": "v"}},
        {"op": "array", "out": "b", "shape": [4]},
        {"op": "add_assign", "dst": "b", "index": [{"array": [0, 0, 1]}], "value": {"scalar": 1}},
    ]}));
    assert!(obs["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| *s == json!({"ok": true})));
    assert_eq!(obs["arrays"]["a"]["values"], json!([4, 3, 2, 3, 4]));
    assert_eq!(obs["arrays"]["b"]["values"], json!([1, 2, 2, 3]));
}

#[test]
fn scalars_skips_and_error_classes() {
    let obs = run(json!({"format": 1, "steps": [
        {"op": "array", "out": "a", "shape": [2, 3]},
        {"op": "index", "out": "s", "src": "a", "index": [1, 2]},
        {"op": "transpose", "out": "t", "src": "s", "axes": null},
        {"op": "assign", "dst": "a", "index": [0], "value": {"var": "s"}},
        {"op": "swapaxes", "out": "w", "src": "a", "axis1": 0, "axis2": 5},
        {"op": "index", "out": "x", "src": "w", "index": []},
        {"op": "index", "out": "y", "src": "a", "index": [7]},
        {"op": "assign", "dst": "a", "index": [{"array": [0, 5]}], "value": {"scalar": 9}},
    ]}));
    assert_eq!(
        obs["steps"],
        json!([{"ok": true}, {"ok": true}, {"skipped": true}, {"ok": true},
               {"error": "AxisError"}, {"skipped": true}, {"error": "IndexError"},
               {"error": "IndexError"}])
    );
    assert_eq!(obs["arrays"]["s"], json!({"scalar": 5}));
    assert_eq!(obs["arrays"]["a"]["values"], json!([5, 5, 5, 3, 4, 5]));
    let names: Vec<&String> = obs["arrays"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["a", "s"]);
}

#[test]
fn oversized_fancy_results_are_refused_without_running() {
    // A 2^16-element index array of shape (2^16, 1) against one of shape
    // (2^16,) broadcasts to 2^32 elements.
    let column: Vec<Value> = (0..1 << 16).map(|_| json!([0])).collect();
    let row: Vec<i64> = vec![0; 1 << 16];
    let obs = run(json!({"format": 1, "steps": [
        {"op": "array", "out": "a", "shape": [4, 4]},
        {"op": "index", "out": "b", "src": "a", "index": [{"array": column}, {"array": row}]},
        {"op": "assign", "dst": "a", "index": [{"array": column}, {"array": row}],
         "value": {"scalar": 1}},
    ]}));
    assert_eq!(
        obs["steps"],
        json!([{"ok": true}, {"error": "LimitExceeded"}, {"error": "LimitExceeded"}])
    );
    assert_eq!(
        obs["arrays"]["a"]["values"],
        json!((0..16).collect::<Vec<_>>())
    );
}

#[test]
fn structural_problems_are_invalid_programs() {
    let oracle = Oracle::global().expect("oracle starts");
    let err = oracle
        .run(&json!({"format": 1, "steps": [{"op": "frobnicate", "out": "a"}]}))
        .unwrap_err();
    assert!(
        matches!(&err, OracleError::InvalidProgram { message } if message.contains("frobnicate")),
        "{err}"
    );
}

#[test]
fn json_round_trips_through_python() {
    let value = json!({"a": [1, -2, true, false, null, "s", 1.5, {"b": []}],
                       "big": u64::MAX, "min": i64::MIN});
    // Start the oracle first: it decides how the interpreter is initialised.
    Oracle::global().expect("oracle starts");
    let back = Python::attach(|py| {
        // Also fine from a thread attached to Python.
        Oracle::global().expect("oracle starts");
        let obj = json_to_py(py, &value).unwrap();
        py_to_json(&obj).unwrap()
    });
    assert_eq!(back, value);
}
