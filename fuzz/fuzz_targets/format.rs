//! Arbitrary bytes → `Program::parse_bytes` and `Observation::parse`: the
//! format-1 readers never panic, every program they accept respects every
//! limit of the format, and what they accept round-trips: for a program `p`,
//! `parse(p.to_json())` is `p` again; for an observation `o`,
//! `to_json(from_json(to_json(o)))` equals `to_json(o)`.
//!
//! Short inputs rarely reach the limits, so the input is also read wrapped
//! in deep lists and repeated (see `stretched`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use viewcheck::format::{
    Item, NdList, Observation, Program, Step, MAX_ELEMENTS, MAX_EXTENT, MAX_INDEX_AXES,
    MAX_INDEX_ELEMENTS, MAX_INT, MAX_JSON_DEPTH, MAX_LINE_BYTES, MAX_PROGRAM_INDEX_ELEMENTS,
    MAX_SHAPE_AXES, MAX_STEPS,
};

/// Panics unless `p` keeps every limit the validator promises.
fn check_limits(p: &Program) {
    assert!(p.steps.len() <= MAX_STEPS, "{} steps", p.steps.len());
    let int = |i: i64| assert!((-MAX_INT..=MAX_INT).contains(&i), "integer {i}");
    let nd = |shape: &[usize], len: usize| {
        assert!(shape.len() <= MAX_INDEX_AXES, "{} index axes", shape.len());
        let n = shape.iter().try_fold(1usize, |n, &e| n.checked_mul(e));
        assert_eq!(n, Some(len), "shape {shape:?} for {len} elements");
        assert!(len <= MAX_INDEX_ELEMENTS, "{len} index elements");
    };
    let mut index_elements = 0usize;
    let mut bound: Vec<&str> = Vec::new();
    for step in &p.steps {
        // Every name a step uses (var index items included) is bound by an
        // earlier step; names are bound once.
        for used in step.uses() {
            assert!(bound.contains(&used), "`{used}` used before it is bound");
        }
        if let Some(out) = step.out() {
            assert!(!bound.contains(&out), "`{out}` bound twice");
            bound.push(out);
        }
        match step {
            Step::Array { shape, .. } | Step::BroadcastTo { shape, .. } => {
                assert!(shape.len() <= MAX_SHAPE_AXES);
                shape.iter().copied().for_each(int);
                assert!(shape.iter().all(|&e| e <= MAX_EXTENT));
                if shape.iter().all(|&e| e >= 0) {
                    let n = shape.iter().try_fold(1i64, |n, &e| n.checked_mul(e));
                    assert!(shape.contains(&0) || n.is_some_and(|n| n <= MAX_ELEMENTS));
                }
                if let Step::Array { shape, .. } = step {
                    assert!(shape.iter().all(|&e| e >= 0));
                }
            }
            Step::Reshape { shape, .. } => {
                assert!(shape.len() <= MAX_SHAPE_AXES);
                assert!(shape.iter().all(|&e| e <= MAX_EXTENT));
                shape.iter().copied().for_each(int);
            }
            Step::Index { index, .. }
            | Step::Assign { index, .. }
            | Step::AddAssign { index, .. } => {
                for item in index {
                    match item {
                        Item::Int(i) => int(*i),
                        Item::Slice(a, b, c) => {
                            [a, b, c].into_iter().flatten().copied().for_each(int)
                        }
                        Item::Array(NdList { shape, data }) => {
                            nd(shape, data.len());
                            data.iter().copied().for_each(int);
                            index_elements += data.len();
                        }
                        Item::Mask(NdList { shape, data }) => {
                            nd(shape, data.len());
                            index_elements += data.len();
                        }
                        // A bound array (format 1.2): no literal elements;
                        // bound by an earlier step (checked below).
                        Item::Var(_) => {}
                        Item::NewAxis | Item::Ellipsis => {}
                    }
                }
            }
            _ => {}
        }
    }
    assert!(
        index_elements <= MAX_PROGRAM_INDEX_ELEMENTS,
        "{index_elements} index elements in the program"
    );
}

fn check_program(bytes: &[u8]) {
    let Ok(p) = Program::parse_bytes(bytes) else {
        return;
    };
    assert!(bytes.len() <= MAX_LINE_BYTES);
    check_limits(&p);
    let json = p.to_json();
    let again = Program::from_json(&json)
        .unwrap_or_else(|e| panic!("to_json of an accepted program is rejected: {e}\n{json}"));
    assert_eq!(p, again, "from_json(to_json(p)) != p for {json}");
    let line = json.to_string();
    let reparsed = Program::parse(&line)
        .unwrap_or_else(|e| panic!("the text of an accepted program is rejected: {e}\n{line}"));
    assert_eq!(p, reparsed, "parse(to_json(p).to_string()) != p for {line}");
}

/// The input as an index item nested a little under and over the axis and
/// JSON depth limits, and as a long run of index arrays: shapes that reach
/// the limits without libFuzzer having to grow kilobyte inputs.
fn stretched(data: &[u8]) -> Vec<Vec<u8>> {
    let Some((&selector, rest)) = data.split_first() else {
        return Vec::new();
    };
    let depth = match selector % 4 {
        0 => MAX_INDEX_AXES,
        1 => MAX_INDEX_AXES + 1,
        2 => MAX_JSON_DEPTH - 5,
        _ => MAX_JSON_DEPTH - 4,
    };
    let head = br#"{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [3]}, {"op": "index", "out": "b", "src": "a", "index": [{"array": "#;
    let mut nested = head.to_vec();
    nested.extend(std::iter::repeat_n(b'[', depth));
    nested.extend_from_slice(rest);
    nested.extend(std::iter::repeat_n(b']', depth));
    nested.extend_from_slice(b"}]}]}");
    // `rest` repeated as the items of several index steps, and for one
    // selector in 16 of as many as a program may have: enough to cross the
    // program's index-element limit, too slow to build for every input.
    let copies = if selector & 0xF0 == 0xF0 {
        MAX_STEPS - 1
    } else {
        usize::from(selector & 0x0F) + 1
    };
    let mut repeated =
        br#"{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [3]}"#.to_vec();
    for i in 0..copies {
        repeated.extend_from_slice(
            format!(r#", {{"op": "index", "out": "b{i}", "src": "a", "index": ["#).as_bytes(),
        );
        repeated.extend_from_slice(rest);
        repeated.extend_from_slice(b"]}");
    }
    repeated.extend_from_slice(b"]}");
    vec![nested, repeated]
}

fuzz_target!(|data: &[u8]| {
    check_program(data);
    for input in stretched(data) {
        check_program(&input);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(o) = Observation::parse(text) {
            let j1 = o.to_json();
            let o2 = Observation::from_json(&j1).unwrap_or_else(|e| {
                panic!("to_json of an accepted observation is rejected: {e}\n{j1}")
            });
            let j2 = o2.to_json();
            assert_eq!(j1, j2, "observation JSON is not a fixed point");
        }
    }
});
