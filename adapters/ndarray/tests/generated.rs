//! Generated programs (viewcheck's own generator, restricted to the ops and
//! index kinds the adapter declares) never make the adapter fail: each gets
//! an observation or is declared unsupported.

use viewcheck::backend::Backend;
use viewcheck::compare::guarded_run;
use viewcheck::generate::{program_for_case, GenConfig};
use viewcheck_ndarray::{capabilities, NdarrayBackend};

#[test]
fn generated_programs_within_the_capabilities_never_fail_the_adapter() {
    let caps = capabilities();
    let cfg = GenConfig {
        ops: caps.ops.clone(),
        index_kinds: caps.index_kinds.clone(),
        ..GenConfig::default()
    };
    viewcheck::compare::silence_backend_panics();
    let mut failures = Vec::new();
    let mut observed = 0;
    let cases = 1500;
    for case in 0..cases {
        let program = program_for_case(20240611, case, &cfg);
        match guarded_run(&NdarrayBackend, &program) {
            Ok(obs) => {
                assert_eq!(obs.steps.len(), program.steps.len());
                observed += 1;
            }
            // Argument values ndarray has no counterpart for (orders A and
            // K, diagonals other than the main one, most index-array forms)
            // are common in generated programs; they are not failures.
            Err(e) if e.class() == "unsupported" => {}
            Err(e) => failures.push(format!("case {case}: {e}\n  {}", program.to_line())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // About a quarter run (410 of 1500 with ndarray 0.17.2): enough for the
    // property to mean something.
    assert!(observed >= cases / 10, "only {observed} of {cases} ran");
    assert_eq!(NdarrayBackend.name(), "ndarray");
}
