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
