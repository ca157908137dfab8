//! bytes → program → every property of `viewcheck::invariants` after every
//! step, on the strided crate only (no Python). Generation and checking are
//! one pass (`regress::checked_program_from_bytes`): each step runs once.
//! A violation or a panic is a crash; the report names the step and the
//! property, and the program JSON (ending with that step) reproduces it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use viewcheck::regress::{checked_program_from_bytes, render_program};

fuzz_target!(
    init: {
        viewcheck_fuzz::install_step_context_hook();
    },
    |data: &[u8]| {
        let (program, result) = checked_program_from_bytes(data);
        if let Err(v) = result {
            panic!(
                "invariant violated\nprogram: {}\nviolation: {v}",
                render_program(&program)
            );
        }
    }
);
