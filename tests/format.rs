//! The format-1 validator: every structural rejection names its exact place
//! and reason; parse → to_json → parse is a fixed point on generated
//! programs; malformed lines become `format_error` observations.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::json;

use viewcheck::backend::{run_line, StridedBackend};
use viewcheck::format::{Program, MAX_STEPS};
use viewcheck::generate::{generate, GenConfig};

/// Asserts that `text` is rejected with exactly `expected` (`path: message`).
#[track_caller]
fn rejects(text: &str, expected: &str) {
    match Program::parse(text) {
        Ok(p) => panic!("accepted {text}: {p:?}"),
        Err(e) => assert_eq!(e.to_string(), expected, "for {text}"),
    }
}

#[track_caller]
fn accepts(text: &str) -> Program {
    Program::parse(text).unwrap_or_else(|e| panic!("rejected {text}: {e}"))
}

/// A program whose steps are `a = arange(2, 3)` and then `steps`.
fn with_a(steps: &str) -> String {
    format!(
        r#"{{"format": 1, "steps": [{{"op": "array", "out": "a", "shape": [2, 3]}}, {steps}]}}"#
    )
}

/// A program with the single step `step`.
fn one(step: &str) -> String {
    format!(r#"{{"format": 1, "steps": [{step}]}}"#)
}

#[test]
fn the_document() {
    let e = Program::parse("{\"format\": 1,").unwrap_err();
    assert_eq!(e.path, "");
    assert!(e.message.starts_with("invalid JSON: "), "{e}");
    rejects("[]", "a program is a JSON object, got a list");
    rejects("1", "a program is a JSON object, got an integer");
    rejects(
        r#"{"format": 1, "steps": [], "extra": 1}"#,
        "unknown field `extra`",
    );
    rejects(r#"{"steps": []}"#, "missing field `format`");
    rejects(r#"{"format": 1}"#, "missing field `steps`");
    rejects(
        r#"{"format": 1.0, "steps": []}"#,
        "format: 1.0 is not an integer (format 1 integers are JSON integers without fraction or exponent)",
    );
    rejects(r#"{"format": 2, "steps": []}"#, "format: expected 1, got 2");
    rejects(
        r#"{"format": "1", "steps": []}"#,
        r#"format: expected 1, got "1""#,
    );
    rejects(
        r#"{"format": 1, "steps": {}}"#,
        "steps: expected a list, got an object",
    );
    rejects(
        r#"{"format": 1, "name": 3, "steps": []}"#,
        "name: expected a string, got an integer",
    );
    rejects(
        r#"{"format": 1, "note": [], "steps": []}"#,
        "note: expected a string, got a list",
    );
    let p = accepts(r#"{"format": 1, "name": "n", "note": null, "steps": []}"#);
    assert_eq!(p.name.as_deref(), Some("n"));
    assert_eq!(p.note, None);
}

#[test]
fn the_step_limit() {
    let steps = |n: usize| {
        let s: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"op": "array", "out": "v{i}", "shape": [1]}}"#))
            .collect();
        format!(r#"{{"format": 1, "steps": [{}]}}"#, s.join(","))
    };
    assert_eq!(accepts(&steps(MAX_STEPS)).steps.len(), 1024);
    rejects(
        &steps(MAX_STEPS + 1),
        "steps: 1025 steps exceed the limit of 1024",
    );
}

#[test]
fn steps_and_ops() {
    rejects(&one("1"), "steps[0]: a step is an object, got an integer");
    rejects(&one(r#"{"out": "a"}"#), "steps[0]: missing field `op`");
    rejects(
        &one(r#"{"op": 3}"#),
        "steps[0].op: expected an op name, got an integer",
    );
    rejects(
        &one(r#"{"op": "resize", "out": "a"}"#),
        r#"steps[0].op: unknown op "resize""#,
    );
    rejects(
        &one(r#"{"op": "array", "out": "a", "shape": [1], "extra": true}"#),
        "steps[0]: unknown field `extra`",
    );
    rejects(
        &one(r#"{"op": "array", "shape": [1]}"#),
        "steps[0]: missing field `out`",
    );
    rejects(
        &with_a(r#"{"op": "swapaxes", "out": "b", "src": "a", "axis1": 0}"#),
        "steps[1]: missing field `axis2`",
    );
    rejects(
        &with_a(r#"{"op": "index", "out": "b", "src": "a"}"#),
        "steps[1]: missing field `index`",
    );
    rejects(
        &with_a(r#"{"op": "assign", "dst": "a", "index": []}"#),
        "steps[1]: missing field `value`",
    );
}

#[test]
fn names_binding_and_rebinding() {
    for bad in [
        "A",
        "1a",
        "a-b",
        "",
        "é",
        "abcdefghijklmnopqrstuvwxyz0123456",
    ] {
        rejects(
            &one(&format!(
                r#"{{"op": "array", "out": "{bad}", "shape": [1]}}"#
            )),
            &format!("steps[0].out: name {bad:?} does not match [a-z_][a-z0-9_]{{0,31}}"),
        );
    }
    accepts(&one(
        r#"{"op": "array", "out": "_abcdefghijklmnopqrstuvwxyz0123", "shape": [1]}"#,
    ));
    rejects(
        &one(r#"{"op": "array", "out": 1, "shape": [1]}"#),
        "steps[0].out: expected a name, got an integer",
    );
    rejects(
        &with_a(r#"{"op": "copy", "out": "b", "src": "zz"}"#),
        "steps[1].src: name `zz` is not bound by an earlier step",
    );
    rejects(
        &one(r#"{"op": "assign", "dst": "a", "index": [], "value": {"scalar": 1}}"#),
        "steps[0].dst: name `a` is not bound by an earlier step",
    );
    rejects(
        &with_a(r#"{"op": "add_assign", "dst": "a", "index": [], "value": {"var": "q"}}"#),
        "steps[1].value.var: name `q` is not bound by an earlier step",
    );
    rejects(
        &with_a(r#"{"op": "copy", "out": "a", "src": "a"}"#),
        "steps[1].out: name `a` is already bound (no rebinding)",
    );
    // A step may not use the name it binds.
    rejects(
        &with_a(r#"{"op": "copy", "out": "b", "src": "b"}"#),
        "steps[1].src: name `b` is not bound by an earlier step",
    );
    // A failing step still binds its name structurally.
    let p = accepts(&with_a(
        r#"{"op": "index", "out": "b", "src": "a", "index": [9]},
           {"op": "copy", "out": "c", "src": "b"}"#,
    ));
    assert_eq!(p.steps.len(), 3);
}

#[test]
fn integers_and_their_range() {
    rejects(
        &one(r#"{"op": "array", "out": "a", "shape": [2147483648]}"#),
        "steps[0].shape[0]: integer 2147483648 is outside [-(2^31 - 1), 2^31 - 1]",
    );
    rejects(
        &with_a(r#"{"op": "index", "out": "b", "src": "a", "index": [-2147483648]}"#),
        "steps[1].index[0]: integer -2147483648 is outside [-(2^31 - 1), 2^31 - 1]",
    );
    rejects(
        &with_a(r#"{"op": "index", "out": "b", "src": "a", "index": [18446744073709551615]}"#),
        "steps[1].index[0]: integer 18446744073709551615 is outside [-(2^31 - 1), 2^31 - 1]",
    );
    accepts(&with_a(
        r#"{"op": "index", "out": "b", "src": "a", "index": [2147483647, -2147483647]}"#,
    ));
    rejects(
        &with_a(r#"{"op": "diagonal", "out": "b", "src": "a", "offset": 1.5}"#),
        "steps[1].offset: 1.5 is not an integer (format 1 integers are JSON integers without fraction or exponent)",
    );
    rejects(
        &with_a(r#"{"op": "swapaxes", "out": "b", "src": "a", "axis1": "0", "axis2": 1}"#),
        "steps[1].axis1: expected an integer, got a string",
    );
    rejects(
        &with_a(r#"{"op": "transpose", "out": "b", "src": "a", "axes": "x"}"#),
        "steps[1].axes: expected a list of integers, got a string",
    );
    rejects(
        &with_a(
            r#"{"op": "moveaxis", "out": "b", "src": "a", "source": [0], "destination": [1.0]}"#,
        ),
        "steps[1].destination[0]: 1.0 is not an integer (format 1 integers are JSON integers without fraction or exponent)",
    );
    rejects(
        &with_a(r#"{"op": "assign", "dst": "a", "index": [], "value": {"scalar": 2147483648}}"#),
        "steps[1].value.scalar: integer 2147483648 is outside [-(2^31 - 1), 2^31 - 1]",
    );
}

#[test]
fn shapes_and_their_limits() {
    rejects(
        &one(r#"{"op": "array", "out": "a", "shape": [1048577]}"#),
        "steps[0].shape[0]: extent 1048577 exceeds the limit of 2^20",
    );
    accepts(&one(r#"{"op": "array", "out": "a", "shape": [1048576]}"#));
    rejects(
        &one(r#"{"op": "array", "out": "a", "shape": [1024, 1025]}"#),
        "steps[0].shape: 1049600 elements exceed the limit of 2^20 for `array`",
    );
    rejects(
        &with_a(r#"{"op": "broadcast_to", "out": "b", "src": "a", "shape": [1025, 1024, 1]}"#),
        "steps[1].shape: 1049600 elements exceed the limit of 2^20 for `broadcast_to`",
    );
    // Reshape shapes have no element limit (NumPy rejects the size).
    accepts(&with_a(
        r#"{"op": "reshape", "out": "b", "src": "a", "shape": [1024, 1025]}"#,
    ));
    rejects(
        &with_a(r#"{"op": "reshape", "out": "b", "src": "a", "shape": [1048577, -1]}"#),
        "steps[1].shape[0]: extent 1048577 exceeds the limit of 2^20",
    );
    let axes = |n: usize| vec!["1"; n].join(", ");
    accepts(&one(&format!(
        r#"{{"op": "array", "out": "a", "shape": [{}]}}"#,
        axes(32)
    )));
    rejects(
        &one(&format!(
            r#"{{"op": "array", "out": "a", "shape": [{}]}}"#,
            axes(33)
        )),
        "steps[0].shape: 33 axes exceed the limit of 32",
    );
    rejects(
        &with_a(&format!(
            r#"{{"op": "reshape", "out": "b", "src": "a", "shape": [{}]}}"#,
            axes(33)
        )),
        "steps[1].shape: 33 axes exceed the limit of 32",
    );
    rejects(
        &one(r#"{"op": "array", "out": "a", "shape": [2, -1]}"#),
        "steps[0].shape[1]: array extent -1 is negative",
    );
    // Negative extents in reshape and broadcast_to go to NumPy.
    accepts(&with_a(
        r#"{"op": "reshape", "out": "b", "src": "a", "shape": [-3, -1]}"#,
    ));
    accepts(&with_a(
        r#"{"op": "broadcast_to", "out": "b", "src": "a", "shape": [-1, 3]}"#,
    ));
    rejects(
        &one(r#"{"op": "array", "out": "a", "shape": 3}"#),
        "steps[0].shape: expected a list of integers, got an integer",
    );
}

#[test]
fn orders_and_copy_flags() {
    rejects(
        &one(r#"{"op": "array", "out": "a", "shape": [1], "order": "A"}"#),
        r#"steps[0].order: order must be one of "C"/"F", got "A""#,
    );
    rejects(
        &with_a(r#"{"op": "reshape", "out": "b", "src": "a", "shape": [6], "order": "K"}"#),
        r#"steps[1].order: order must be one of "C"/"F"/"A", got "K""#,
    );
    rejects(
        &with_a(r#"{"op": "ravel", "out": "b", "src": "a", "order": "c"}"#),
        r#"steps[1].order: order must be one of "C"/"F"/"A"/"K", got "c""#,
    );
    rejects(
        &with_a(r#"{"op": "copy", "out": "b", "src": "a", "order": null}"#),
        r#"steps[1].order: order must be one of "C"/"F"/"A"/"K", got null"#,
    );
    rejects(
        &with_a(r#"{"op": "reshape", "out": "b", "src": "a", "shape": [6], "copy": 1}"#),
        "steps[1].copy: expected true, false or null, got an integer",
    );
    for copy in ["true", "false", "null"] {
        accepts(&with_a(&format!(
            r#"{{"op": "reshape", "out": "b", "src": "a", "shape": [6], "copy": {copy}}}"#
        )));
    }
}

#[test]
fn index_items() {
    let idx = |items: &str| {
        with_a(&format!(
            r#"{{"op": "index", "out": "b", "src": "a", "index": {items}}}"#
        ))
    };
    rejects(
        &idx("{}"),
        "steps[1].index: expected a list of index items, got an object",
    );
    rejects(
        &idx(r#"["all"]"#),
        r#"steps[1].index[0]: unknown index item "all""#,
    );
    rejects(
        &idx("[true]"),
        "steps[1].index[0]: unknown index item a boolean",
    );
    rejects(&idx("[null]"), "steps[1].index[0]: unknown index item null");
    rejects(
        &idx("[[0, 1]]"),
        "steps[1].index[0]: unknown index item a list",
    );
    rejects(
        &idx("[1.5]"),
        "steps[1].index[0]: 1.5 is not an integer (format 1 integers are JSON integers without fraction or exponent)",
    );
    rejects(
        &idx(r#"[{"range": 1}]"#),
        "steps[1].index[0]: unknown index item kind `range`",
    );
    rejects(
        &idx(r#"[{"slice": [null, null, null], "array": [0]}]"#),
        "steps[1].index[0]: unknown index item an object",
    );
    rejects(
        &idx(r#"[{"slice": [1, 2]}]"#),
        "steps[1].index[0].slice: expected [start, stop, step]",
    );
    rejects(
        &idx(r#"[{"slice": 1}]"#),
        "steps[1].index[0].slice: expected [start, stop, step]",
    );
    rejects(
        &idx(r#"[{"slice": [null, "1", null]}]"#),
        "steps[1].index[0].slice[1]: expected an integer, got a string",
    );
    rejects(
        &idx(r#"[0, {"array": [[0], [1, 2]]}]"#),
        "steps[1].index[1].array: ragged index array",
    );
    rejects(
        &idx(r#"[{"array": [[0], 1]}]"#),
        "steps[1].index[0].array: ragged index array",
    );
    rejects(
        &idx(r#"[{"array": [0, [1]]}]"#),
        "steps[1].index[0].array: ragged index array",
    );
    rejects(
        &idx(r#"[{"mask": [[true], []]}]"#),
        "steps[1].index[0].mask: ragged index array",
    );
    rejects(
        &idx(r#"[{"array": [true]}]"#),
        "steps[1].index[0].array: index array holds a boolean, not an integer",
    );
    rejects(
        &idx(r#"[{"array": [[1.0]]}]"#),
        "steps[1].index[0].array[0][0]: 1.0 is not an integer (format 1 integers are JSON integers without fraction or exponent)",
    );
    rejects(
        &idx(r#"[{"mask": [1, 0]}]"#),
        "steps[1].index[0].mask: mask holds an integer, not a boolean",
    );
    rejects(
        &idx(r#"[{"array": [2147483648]}]"#),
        "steps[1].index[0].array: integer 2147483648 is outside [-(2^31 - 1), 2^31 - 1]",
    );
    let big = format!(r#"[{{"array": [{}]}}]"#, vec!["0"; 65537].join(","));
    rejects(
        &idx(&big),
        "steps[1].index[0].array: 65537 elements exceed the index limit of 2^16",
    );
    let ok = format!(r#"[{{"array": [{}]}}]"#, vec!["0"; 65536].join(","));
    accepts(&idx(&ok));
    let big_mask = format!(
        r#"[{{"mask": [{}]}}]"#,
        vec!["[true, false]"; 32769].join(",")
    );
    rejects(
        &idx(&big_mask),
        "steps[1].index[0].mask: 65538 elements exceed the index limit of 2^16",
    );
    // Every kind that is accepted, with its shape.
    let p = accepts(&idx(
        r#"[{"array": 1}, {"array": []}, {"array": [[]]}, {"mask": true}, {"mask": [[false], [true]]},
            "newaxis", "ellipsis", {"slice": [null, -1, -2]}, -3]"#,
    ));
    let viewcheck::format::Step::Index { index, .. } = &p.steps[1] else {
        panic!("an index step")
    };
    use viewcheck::format::{Item, NdList};
    assert_eq!(
        index,
        &vec![
            Item::Array(NdList {
                shape: vec![],
                data: vec![1]
            }),
            Item::Array(NdList {
                shape: vec![0],
                data: vec![]
            }),
            Item::Array(NdList {
                shape: vec![1, 0],
                data: vec![]
            }),
            Item::Mask(NdList {
                shape: vec![],
                data: vec![true]
            }),
            Item::Mask(NdList {
                shape: vec![2, 1],
                data: vec![false, true]
            }),
            Item::NewAxis,
            Item::Ellipsis,
            Item::Slice(None, Some(-1), Some(-2)),
            Item::Int(-3),
        ]
    );
}

#[test]
fn values() {
    let val = |v: &str| {
        with_a(&format!(
            r#"{{"op": "assign", "dst": "a", "index": [], "value": {v}}}"#
        ))
    };
    rejects(
        &val("3"),
        r#"steps[1].value: expected {"scalar": int} or {"var": name}, got an integer"#,
    );
    rejects(
        &val(r#"{"scalar": 1, "var": "a"}"#),
        "steps[1].value: expected exactly one key, `scalar` or `var`",
    );
    rejects(
        &val("{}"),
        "steps[1].value: expected exactly one key, `scalar` or `var`",
    );
    rejects(
        &val(r#"{"vector": [1]}"#),
        "steps[1].value: unknown value kind `vector`",
    );
    rejects(
        &val(r#"{"scalar": 1.5}"#),
        "steps[1].value.scalar: 1.5 is not an integer (format 1 integers are JSON integers without fraction or exponent)",
    );
    rejects(
        &val(r#"{"scalar": true}"#),
        "steps[1].value.scalar: expected an integer, got a boolean",
    );
    rejects(
        &val(r#"{"var": "A"}"#),
        "steps[1].value.var: expected a name, got a string",
    );
    rejects(
        &val(r#"{"var": 1}"#),
        "steps[1].value.var: expected a name, got an integer",
    );
    accepts(&val(r#"{"var": "a"}"#));
    accepts(&val(r#"{"scalar": -2147483647}"#));
}

#[test]
fn defaults_are_written_out() {
    let p = accepts(&with_a(
        r#"{"op": "reshape", "out": "b", "src": "a", "shape": [6]},
           {"op": "diagonal", "out": "c", "src": "a"},
           {"op": "asarray", "out": "d", "src": "a"},
           {"op": "copy", "out": "e", "src": "a"},
           {"op": "transpose", "out": "f", "src": "a"},
           {"op": "squeeze", "out": "g", "src": "a"}"#,
    ));
    let j = p.to_json();
    assert_eq!(j["steps"][0]["order"], json!("C"));
    assert_eq!(
        j["steps"][1],
        json!({"op": "reshape", "out": "b", "src": "a", "shape": [6], "order": "C", "copy": null})
    );
    assert_eq!(
        j["steps"][2],
        json!({"op": "diagonal", "out": "c", "src": "a", "offset": 0, "axis1": 0, "axis2": 1})
    );
    assert_eq!(j["steps"][3]["order"], json!("K"));
    assert_eq!(j["steps"][4]["order"], json!("C"));
    assert_eq!(j["steps"][5]["axes"], json!(null));
    assert_eq!(j["steps"][6]["axis"], json!(null));
    assert_eq!(Program::from_json(&j).unwrap(), p);
}

#[test]
fn run_line_turns_malformed_input_into_a_format_error() {
    let cases = [
        ("not json", "invalid JSON: "),
        ("", "invalid JSON: "),
        ("[]", "a program is a JSON object, got a list"),
        (
            r#"{"format": 1.0, "steps": []}"#,
            "format: 1.0 is not an integer",
        ),
        (
            r#"{"format": 1, "steps": [{"op": "copy", "out": "b", "src": "a"}]}"#,
            "steps[0].src: name `a` is not bound by an earlier step",
        ),
    ];
    for (line, prefix) in cases {
        let obs = run_line(&StridedBackend, line).expect("no backend failure");
        let msg = obs
            .format_error
            .clone()
            .unwrap_or_else(|| panic!("no format_error for {line:?}"));
        assert!(msg.starts_with(prefix), "{line:?}: {msg}");
        assert!(obs.steps.is_empty() && obs.arrays.is_empty());
        let j = obs.to_json();
        assert_eq!(j["format"], json!(1));
        assert_eq!(j["format_error"], json!(msg));
        assert!(j.get("steps").is_none(), "{j}");
    }
    let ok = run_line(
        &StridedBackend,
        &with_a(r#"{"op": "copy", "out": "b", "src": "a"}"#),
    )
    .unwrap();
    assert_eq!(ok.format_error, None);
    assert_eq!(ok.steps.len(), 2);
}

proptest! {
    #![proptest_config(Config { failure_persistence: None, ..Config::default() })]

    /// parse → to_json → parse is a fixed point on generated programs, also
    /// through the text form.
    #[test]
    fn round_trip_is_a_fixed_point(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut u = arbitrary::Unstructured::new(&bytes);
        let p = generate(&mut u, &GenConfig::default()).expect("generation does not fail");
        let j = p.to_json();
        let q = Program::from_json(&j).map_err(|e| TestCaseError::fail(format!("{e}: {j}")))?;
        prop_assert_eq!(&q, &p);
        prop_assert_eq!(q.to_json(), j);
        let r = Program::parse(&p.to_line()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(r, p);
    }
}

/// Format 1.2: `{"var": NAME}` index items name an array bound by an earlier
/// step, with the same name and binding rules (and messages) as `src`,
/// `dst` and a value's `var`.
#[test]
fn var_index_items() {
    let p = accepts(&with_a(
        r#"{"op": "index", "out": "i", "src": "a", "index": [0]},
           {"op": "index", "out": "b", "src": "a", "index": [{"var": "i"}, {"slice": [null, null, -1]}]},
           {"op": "assign", "dst": "a", "index": ["ellipsis", {"var": "i"}], "value": {"var": "i"}},
           {"op": "add_assign", "dst": "b", "index": [{"var": "b"}, "newaxis"], "value": {"scalar": 1}}"#,
    ));
    use viewcheck::format::{Item, Step};
    assert_eq!(
        p.steps[2].index(),
        Some(&[Item::Var("i".into()), Item::Slice(None, None, Some(-1))][..])
    );
    assert_eq!(p.steps[2].index_kinds(), ["slice", "var"]);
    assert_eq!(p.steps[3].uses(), ["a", "i", "i"]);
    assert_eq!(p.steps[4].index_vars().collect::<Vec<_>>(), ["b"]);
    assert!(matches!(p.steps[4], Step::AddAssign { .. }));
    // parse -> to_json -> parse is a fixed point, and the item is written back as is.
    assert_eq!(Program::from_json(&p.to_json()).unwrap(), p);
    assert!(p.to_line().contains(r#"{"var":"i"}"#));

    rejects(
        &with_a(r#"{"op": "index", "out": "b", "src": "a", "index": [{"var": "q"}]}"#),
        "steps[1].index[0].var: name `q` is not bound by an earlier step",
    );
    // A step may not use the name it binds, not even in its index.
    rejects(
        &with_a(r#"{"op": "index", "out": "b", "src": "a", "index": [0, {"var": "b"}]}"#),
        "steps[1].index[1].var: name `b` is not bound by an earlier step",
    );
    // Bound later is not bound.
    rejects(
        &with_a(
            r#"{"op": "assign", "dst": "a", "index": [{"var": "c"}], "value": {"scalar": 0}},
               {"op": "copy", "out": "c", "src": "a"}"#,
        ),
        "steps[1].index[0].var: name `c` is not bound by an earlier step",
    );
    // Names are checked in field order: dst, then the index, then the value.
    rejects(
        &with_a(r#"{"op": "assign", "dst": "a", "index": [{"var": "x"}], "value": {"var": "y"}}"#),
        "steps[1].index[0].var: name `x` is not bound by an earlier step",
    );
    rejects(
        &with_a(r#"{"op": "assign", "dst": "z", "index": [{"var": "x"}], "value": {"scalar": 0}}"#),
        "steps[1].dst: name `z` is not bound by an earlier step",
    );
    rejects(
        &with_a(r#"{"op": "index", "out": "b", "src": "a", "index": [{"var": "A"}]}"#),
        r#"steps[1].index[0].var: name "A" does not match [a-z_][a-z0-9_]{0,31}"#,
    );
    rejects(
        &with_a(r#"{"op": "index", "out": "b", "src": "a", "index": [{"var": ["a"]}]}"#),
        "steps[1].index[0].var: expected a name, got a list",
    );
    rejects(
        &with_a(
            r#"{"op": "index", "out": "b", "src": "a", "index": [{"var": "a", "array": [0]}]}"#,
        ),
        r#"steps[1].index[0]: unknown index item an object"#,
    );
    // A var item is not a literal: it does not count toward the index
    // element limits of the validator (the program's element budget
    // bounds it instead).
    let big = r#"{"op": "array", "out": "big", "shape": [70000]},
                 {"op": "index", "out": "b", "src": "big", "index": [{"var": "big"}]}"#;
    accepts(&one(big));
}
