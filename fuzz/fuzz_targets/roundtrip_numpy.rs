//! Baseline for `differential`: the same bytes → `generate` → embedded NumPy
//! round trip, without the strided run and the comparison. The ratio of the
//! two targets' exec/s is the cost of the differential check itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use viewcheck::backend::{Backend, NumpyBackend};
use viewcheck::regress::{program_from_bytes, render_program};

fuzz_target!(
    init: {
        if let Err(e) = NumpyBackend::new() {
            eprintln!("roundtrip_numpy: cannot start the NumPy oracle: {e}");
            std::process::exit(2);
        }
    },
    |data: &[u8]| {
        let Some(program) = program_from_bytes(data) else {
            return;
        };
        let observation = NumpyBackend.run(&program).unwrap_or_else(|e| {
            panic!("the NumPy oracle failed: {e}\nprogram: {}", render_program(&program))
        });
        std::hint::black_box(observation);
    }
);
