//! The differential property: on every generated program the strided
//! backend's observation equals NumPy's at the `exact` level.
//!
//! NumPy comes from the oracle (`NumpyBackend::new()`, which provisions the
//! pinned NumPy on first use). If it cannot start, these tests fail with its
//! message; they are never skipped. The number of proptest cases is
//! proptest's default (256) or `PROPTEST_CASES`. A failure prints the
//! program, the differences and a shrunk program with its differences.

use proptest::prelude::*;
use proptest::test_runner::Config;

use viewcheck::backend::{Backend, NumpyBackend, StridedBackend};
use viewcheck::compare::{compare, guarded_run, silence_backend_panics, Level};
use viewcheck::format::{Observation, Program};
use viewcheck::generate::{generate, program_for_case, GenConfig};
use viewcheck::shrink::shrink_with_budget;

/// Predicate calls spent on shrinking a failure before it is reported.
const SHRINK_BUDGET: usize = 600;

fn numpy() -> NumpyBackend {
    NumpyBackend::new().unwrap_or_else(|e| panic!("the NumPy oracle is unavailable: {e}"))
}

/// The differences between NumPy and the strided backend, as text (empty
/// when they agree). A backend failure counts as a difference.
fn differences(np: &NumpyBackend, program: &Program) -> Vec<String> {
    let expected: Observation = match np.run(program) {
        Ok(o) => o,
        // The oracle itself failing is not a divergence of the strided crate.
        Err(e) => panic!("the NumPy oracle failed on {}: {e}", program.to_line()),
    };
    match guarded_run(&StridedBackend, program) {
        Ok(got) => compare(&expected, &got, Level::Exact)
            .iter()
            .map(|d| d.to_string())
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}

/// `Ok` when the backends agree; otherwise a report with the program, the
/// differences, and a shrunk program that still differs.
fn check(np: &NumpyBackend, program: &Program) -> Result<(), String> {
    let diffs = differences(np, program);
    if diffs.is_empty() {
        return Ok(());
    }
    let small = shrink_with_budget(
        program,
        &mut |p: &Program| !differences(np, p).is_empty(),
        SHRINK_BUDGET,
    );
    let small_diffs = differences(np, &small);
    Err(format!(
        "strided differs from NumPy at `exact`\nprogram: {}\ndifferences:\n  {}\nshrunk: {}\ndifferences:\n  {}",
        program.to_line(),
        diffs.join("\n  "),
        small.to_line(),
        small_diffs.join("\n  "),
    ))
}

proptest! {
    #![proptest_config(Config {
        failure_persistence: None,
        max_shrink_iters: 32,
        ..Config::default()
    })]

    /// Bytes → program (the same generator as the campaign and the fuzzer)
    /// → both backends → no difference at `exact`.
    #[test]
    fn strided_matches_numpy_on_generated_programs(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048)
    ) {
        silence_backend_panics();
        let np = numpy();
        let mut u = arbitrary::Unstructured::new(&bytes);
        let program = generate(&mut u, &GenConfig::default()).expect("generation does not fail");
        if let Err(report) = check(&np, &program) {
            prop_assert!(false, "{}", report);
        }
    }
}

/// The campaign's deterministic cases (`program_for_case`), a fixed seed.
#[test]
fn strided_matches_numpy_on_seeded_cases() {
    silence_backend_panics();
    let np = numpy();
    let cfg = GenConfig::default();
    let mut failures = Vec::new();
    for case in 0..300 {
        let program = program_for_case(0xD1FF, case, &cfg);
        if let Err(report) = check(&np, &program) {
            failures.push(format!("case {case}: {report}"));
            if failures.len() >= 3 {
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Format 1.2's `{"var": NAME}` index items, written by hand where they
/// alias what the step reads or writes (NumPy's own answers are the
/// expectation), and in generated programs that have them.
#[test]
fn strided_matches_numpy_on_var_index_programs() {
    silence_backend_panics();
    let np = numpy();
    let a6 = r#"{"op": "array", "out": "a", "shape": [6]}"#;
    let a34 = r#"{"op": "array", "out": "a", "shape": [3, 4]}"#;
    let programs = [
        // NumPy's `a[2:][a[:-2]] = 3`, and its `+=` form.
        format!(
            r#"[{a6}, {{"op": "index", "out": "d", "src": "a", "index": [{{"slice": [2, null, null]}}]}},
                {{"op": "index", "out": "i", "src": "a", "index": [{{"slice": [null, -2, null]}}]}},
                {{"op": "assign", "dst": "d", "index": [{{"var": "i"}}], "value": {{"scalar": 3}}}}]"#
        ),
        format!(
            r#"[{a6}, {{"op": "index", "out": "d", "src": "a", "index": [{{"slice": [2, null, null]}}]}},
                {{"op": "index", "out": "i", "src": "a", "index": [{{"slice": [null, -2, null]}}]}},
                {{"op": "add_assign", "dst": "d", "index": [{{"var": "i"}}], "value": {{"scalar": 3}}}}]"#
        ),
        // The index is the destination itself, reversed, with duplicates.
        format!(
            r#"[{a6}, {{"op": "index", "out": "r", "src": "a", "index": [{{"slice": [null, null, -1]}}]}},
                {{"op": "assign", "dst": "a", "index": [{{"slice": [null, null, 2]}}], "value": {{"scalar": 1}}}},
                {{"op": "assign", "dst": "a", "index": [{{"var": "r"}}], "value": {{"var": "r"}}}}]"#
        ),
        // The index is a view of the value.
        format!(
            r#"[{a6}, {{"op": "array", "out": "b", "shape": [4]}},
                {{"op": "index", "out": "i", "src": "b", "index": [{{"slice": [1, null, null]}}]}},
                {{"op": "add_assign", "dst": "a", "index": [{{"var": "i"}}], "value": {{"var": "b"}}}}]"#
        ),
        // `a[a]`, and a 0-d var (a scalar result) and an n-d source.
        format!(
            r#"[{a6}, {{"op": "index", "out": "b", "src": "a", "index": [{{"var": "a"}}]}},
                {{"op": "index", "out": "z", "src": "a", "index": [1, "ellipsis"]}},
                {{"op": "index", "out": "c", "src": "a", "index": [{{"var": "z"}}]}},
                {{"op": "array", "out": "m", "shape": [3, 4]}},
                {{"op": "index", "out": "e", "src": "m", "index": [{{"var": "z"}}]}},
                {{"op": "assign", "dst": "a", "index": [{{"var": "z"}}], "value": {{"scalar": -1}}}}]"#
        ),
        // Mixed with slices, newaxis and masks; a transposed (F-order) index.
        format!(
            r#"[{a34}, {{"op": "index", "out": "i", "src": "a", "index": [0, {{"slice": [null, 3, null]}}]}},
                {{"op": "index", "out": "b", "src": "a", "index": [{{"slice": [null, null, -1]}}, "newaxis", {{"var": "i"}}]}},
                {{"op": "index", "out": "c", "src": "a", "index": [{{"var": "i"}}, {{"mask": [true, false, true, true]}}]}},
                {{"op": "transpose", "out": "t", "src": "i", "axes": null}},
                {{"op": "index", "out": "j", "src": "a", "index": [{{"slice": [null, 2, null]}}, {{"slice": [null, 2, null]}}]}},
                {{"op": "assign", "dst": "a", "index": [{{"var": "j"}}, {{"var": "t"}}], "value": {{"scalar": 9}}}}]"#
        ),
        // The layout of the index decides the layout of some results
        // (R-FANCY-5): F-ordered, strided, reversed and broadcast (zero
        // strides) indices, alone, in pairs, with a one-element subspace.
        format!(
            r#"[{a34}, {{"op": "array", "out": "f", "shape": [2, 3], "order": "F"}},
                {{"op": "array", "out": "v", "shape": [12]}},
                {{"op": "index", "out": "b", "src": "v", "index": [{{"var": "f"}}]}},
                {{"op": "index", "out": "s", "src": "a", "index": [{{"slice": [null, null, 2]}}, {{"slice": [null, null, 2]}}]}},
                {{"op": "index", "out": "c", "src": "v", "index": [{{"var": "s"}}]}},
                {{"op": "index", "out": "r", "src": "f", "index": [{{"slice": [null, null, -1]}}, {{"slice": [null, null, -1]}}]}},
                {{"op": "index", "out": "e", "src": "v", "index": [{{"var": "r"}}]}},
                {{"op": "transpose", "out": "t", "src": "f", "axes": null}},
                {{"op": "index", "out": "g", "src": "a", "index": [{{"var": "f"}}, {{"array": [[0], [1]]}}]}},
                {{"op": "index", "out": "h", "src": "v", "index": [{{"var": "t"}}, "newaxis"]}},
                {{"op": "index", "out": "k", "src": "a", "index": [{{"slice": [null, 2, null]}}, {{"var": "f"}}]}},
                {{"op": "index", "out": "o", "src": "f", "index": [0, {{"slice": [null, 2, null]}}]}},
                {{"op": "broadcast_to", "out": "w", "src": "o", "shape": [3, 2]}},
                {{"op": "index", "out": "m", "src": "v", "index": [{{"var": "w"}}]}},
                {{"op": "index", "out": "n", "src": "a", "index": [{{"var": "w"}}, {{"var": "t"}}]}},
                {{"op": "array", "out": "q", "shape": [4, 1]}},
                {{"op": "index", "out": "p", "src": "q", "index": [{{"var": "t"}}]}}]"#
        ),
        // Skipped: a var naming a failed step, and a scalar.
        format!(
            r#"[{a6}, {{"op": "index", "out": "f", "src": "a", "index": [9]}},
                {{"op": "index", "out": "b", "src": "a", "index": [{{"var": "f"}}]}},
                {{"op": "index", "out": "s", "src": "a", "index": [2]}},
                {{"op": "index", "out": "c", "src": "a", "index": [{{"var": "s"}}]}},
                {{"op": "assign", "dst": "a", "index": [{{"var": "s"}}], "value": {{"scalar": 0}}}}]"#
        ),
        // Errors: out of bounds through an alias, too many indices.
        format!(
            r#"[{a6}, {{"op": "index", "out": "d", "src": "a", "index": [{{"slice": [3, null, null]}}]}},
                {{"op": "index", "out": "b", "src": "d", "index": [{{"var": "a"}}]}},
                {{"op": "assign", "dst": "d", "index": [{{"var": "a"}}], "value": {{"scalar": 0}}}},
                {{"op": "index", "out": "c", "src": "a", "index": [{{"var": "a"}}, {{"var": "a"}}]}}]"#
        ),
    ];
    let mut failures = Vec::new();
    for steps in &programs {
        let program = Program::parse(&format!(r#"{{"format": 1, "steps": {steps}}}"#))
            .unwrap_or_else(|e| panic!("{e}: {steps}"));
        if let Err(report) = check(&np, &program) {
            failures.push(report);
        }
    }
    // Generated programs with var items.
    let cfg = GenConfig::default();
    let mut with_vars = 0;
    for case in 0..3000 {
        let program = program_for_case(0x7A1, case, &cfg);
        if !program
            .steps
            .iter()
            .any(|s| s.index_vars().next().is_some())
        {
            continue;
        }
        with_vars += 1;
        if let Err(report) = check(&np, &program) {
            failures.push(format!("case {case}: {report}"));
        }
        if failures.len() >= 3 || with_vars >= 150 {
            break;
        }
    }
    assert!(
        with_vars >= 50,
        "only {with_vars} generated programs with var items"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// NumPy itself: a var item means the literal index array of its values at
/// the time of the step, even when the step writes through it.
#[test]
fn a_var_index_is_numpys_literal_of_its_values() {
    let np = numpy();
    let run = |item: &str, add: bool| {
        let op = if add { "add_assign" } else { "assign" };
        let text = format!(
            r#"{{"format": 1, "steps": [{{"op": "array", "out": "a", "shape": [6]}},
                {{"op": "index", "out": "d", "src": "a", "index": [{{"slice": [2, null, null]}}]}},
                {{"op": "index", "out": "i", "src": "a", "index": [{{"slice": [null, -2, null]}}]}},
                {{"op": "{op}", "dst": "d", "index": [{item}], "value": {{"scalar": 3}}}}]}}"#
        );
        let obs = np.run(&Program::parse(&text).unwrap()).unwrap();
        // Only the final values of `a` (the arrays differ in nothing else).
        obs.arrays.iter().find(|(n, _)| n == "a").unwrap().1.clone()
    };
    for add in [false, true] {
        assert_eq!(
            run(r#"{"var": "i"}"#, add),
            run(r#"{"array": [0, 1, 2, 3]}"#, add)
        );
    }
}
