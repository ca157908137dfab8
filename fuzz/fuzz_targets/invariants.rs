//! bytes → `generate` → `invariants::check_program`: every property of
//! `viewcheck::invariants` after every step, on the strided crate only (no
//! Python). A violation or a panic is a crash; the report names the step and
//! the property, and the program JSON reproduces it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use viewcheck::regress::{program_from_bytes, render_program};

fuzz_target!(
    init: {
        viewcheck_fuzz::install_step_context_hook();
    },
    |data: &[u8]| {
        let Some(program) = program_from_bytes(data) else {
            return;
        };
        if let Err(v) = viewcheck::invariants::check_program(&program) {
            panic!(
                "invariant violated\nprogram: {}\nviolation: {v}",
                render_program(&program)
            );
        }
    }
);
