//! bytes → `generate` → the strided crate and the embedded NumPy, compared at
//! the `exact` level. The strided observation comes from the generator's own
//! run of the program (`regress::observed_program_from_bytes`), so each step
//! runs once on the strided crate. Any difference is a crash that prints the program JSON
//! and the differences (`path: expected X got Y`, NumPy being "expected").
//!
//! Needs the `oracle` feature, CPython with NumPy (provisioned into `.venv`
//! by the oracle on first use) and `ASAN_OPTIONS=detect_leaks=0`: CPython's
//! interpreter-lifetime allocations look like leaks to LeakSanitizer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use viewcheck::backend::{Backend, NumpyBackend, StridedBackend};
use viewcheck::compare::{compare, first_divergent_step, Level};
use viewcheck::regress::{observed_program_from_bytes, render_failure, render_program};

fuzz_target!(
    init: {
        viewcheck_fuzz::install_step_context_hook();
        if let Err(e) = NumpyBackend::new() {
            eprintln!("differential: cannot start the NumPy oracle: {e}");
            std::process::exit(2);
        }
    },
    |data: &[u8]| {
        let (program, got) = observed_program_from_bytes(data);
        let expected = NumpyBackend.run(&program).unwrap_or_else(|e| {
            panic!("the NumPy oracle failed: {e}\nprogram: {}", render_program(&program))
        });
        let got = got.unwrap_or_else(|e| {
            panic!("the strided backend failed: {e}\nprogram: {}", render_program(&program))
        });
        let diffs = compare(&expected, &got, Level::Exact);
        if !diffs.is_empty() {
            let first = first_divergent_step(&program, &NumpyBackend, &StridedBackend, Level::Exact);
            panic!(
                "strided differs from NumPy at level exact\n{}",
                render_failure(&program, &diffs, first)
            );
        }
    }
);
