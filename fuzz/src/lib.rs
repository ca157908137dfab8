//! Helpers shared by the fuzz targets (see `docs/FUZZING.md`).
//!
//! The byte-to-program mapping itself lives in the main crate
//! (`viewcheck::regress::program_from_bytes`), so that importing a crash
//! artifact regenerates exactly the program the fuzzer ran.

use std::sync::Once;

/// Chains a panic hook that names the program step the invariant checker
/// was running. libFuzzer's own hook aborts the process on any panic before
/// it can be caught, so without this the step index would be lost.
pub fn install_step_context_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Some((step, op)) = viewcheck::invariants::current_step() {
                eprintln!("viewcheck: panic while running steps[{step}] ({op})");
            }
            previous(info);
        }));
    });
}
