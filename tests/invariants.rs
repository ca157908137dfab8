//! The invariant checker (`viewcheck::invariants`): generated programs break
//! none of its properties, and faults injected into a step — a stray write,
//! a write to the wrong place or of the wrong value, a write by a failing or
//! reading step, a view bound where a copy belongs, a panic — are each
//! reported as the property they break. Also: crash artifacts import as
//! corpus cases (`viewcheck::regress`).

use proptest::prelude::*;
use viewcheck::backend::{Backend, Binding, Env, StridedBackend};
use viewcheck::format::{Program, Step, StepOutcome};
use viewcheck::invariants::{check_program, Checker, Property, Violation};
use viewcheck::regress::{
    checked_program_from_bytes, import_crash, observed_program_from_bytes, program_from_bytes,
    ArtifactKind, ImportError, Imported, ID_PLACEHOLDER, PROVENANCE,
};
use viewcheck_arrays::{Index, Value};

fn program(steps: &str) -> Program {
    Program::parse(&format!(r#"{{"format": 1, "steps": [{steps}]}}"#))
        .unwrap_or_else(|e| panic!("bad test program: {e}"))
}

fn array(env: &Env, name: &str) -> viewcheck_arrays::Array {
    match env.get(name) {
        Some(Binding::Array(a)) => a.clone(),
        other => panic!("`{name}` is not an array: {other:?}"),
    }
}

/// Runs every step but the last normally, then the last one with `fault`.
fn run_with_fault(p: &Program, fault: impl FnOnce(&mut Env)) -> Result<(), Violation> {
    let mut c = Checker::new();
    let (last, init) = p.steps.split_last().expect("a step");
    for s in init {
        c.step(s).expect("the steps before the fault are clean");
    }
    c.step_with(last, fault).map(|_| ())
}

fn expect_violation(r: Result<(), Violation>, step: usize, property: Property) -> Violation {
    let v = r.expect_err("the injected fault must be detected");
    assert_eq!((v.step, v.property), (step, property), "wrong report: {v}");
    v
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    })]

    /// Bytes → the fuzz targets' program → every property after every
    /// step, checked both ways: generated then checked, and generated while
    /// checked (the `invariants` target), which must make the same program.
    #[test]
    fn generated_programs_keep_every_invariant(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048)
    ) {
        let p = program_from_bytes(&bytes).expect("the generator never gives up");
        if let Err(v) = check_program(&p) {
            prop_assert!(false, "{v}\nprogram: {}", p.to_json());
        }
        let (fused, result) = checked_program_from_bytes(&bytes);
        prop_assert_eq!(result, Ok(()));
        prop_assert_eq!(&fused, &p);
        // The `differential` target's one-pass run: the same program and
        // the observation `StridedBackend` makes of it.
        let (observed, obs) = observed_program_from_bytes(&bytes);
        prop_assert_eq!(&observed, &p);
        prop_assert_eq!(obs, StridedBackend.run(&p));
    }
}

#[test]
fn hand_written_programs_keep_every_invariant() {
    let p = program(
        r#"{"op": "array", "out": "a", "shape": [3, 4], "order": "F"},
           {"op": "transpose", "out": "t", "src": "a", "axes": null},
           {"op": "index", "out": "v", "src": "t", "index": [{"slice": [null, null, -1]}, 1]},
           {"op": "broadcast_to", "out": "b", "src": "v", "shape": [2, 4]},
           {"op": "diagonal", "out": "d", "src": "a"},
           {"op": "reshape", "out": "r", "src": "t", "shape": [-1], "order": "A"},
           {"op": "reshape", "out": "r2", "src": "t", "shape": [2, 6]},
           {"op": "ravel", "out": "k", "src": "t", "order": "K"},
           {"op": "flatten", "out": "fl", "src": "v", "order": "F"},
           {"op": "copy", "out": "c", "src": "t", "order": "K"},
           {"op": "asarray", "out": "s", "src": "t", "order": "C"},
           {"op": "index", "out": "f", "src": "a", "index": [{"slice": [null, null, null]}, {"array": [3, 0, 3]}]},
           {"op": "index", "out": "m", "src": "a", "index": [{"mask": [true, false, true]}]},
           {"op": "assign", "dst": "a", "index": [{"slice": [1, null, null]}], "value": {"var": "v"}},
           {"op": "add_assign", "dst": "t", "index": [{"array": [0, 0, 2]}], "value": {"scalar": 5}},
           {"op": "assign", "dst": "d", "index": [], "value": {"scalar": 1}},
           {"op": "assign", "dst": "a", "index": [7], "value": {"scalar": 1}},
           {"op": "add_assign", "dst": "v", "index": ["ellipsis"], "value": {"var": "v"}},
           {"op": "squeeze", "out": "q", "src": "fl", "axis": null},
           {"op": "expand_dims", "out": "e", "src": "v", "axis": [0, 2]},
           {"op": "index", "out": "x", "src": "a", "index": [0, 0]}"#,
    );
    let mut c = Checker::new();
    let mut outcomes = Vec::new();
    for s in &p.steps {
        let r = c.step(s).unwrap_or_else(|v| panic!("{v}"));
        outcomes.push(r.outcome);
    }
    // The read-only diagonal and the out-of-bounds integer fail.
    assert!(matches!(&outcomes[15], StepOutcome::Error(e) if e == "ValueError"));
    assert!(matches!(&outcomes[16], StepOutcome::Error(e) if e == "IndexError"));
}

#[test]
fn a_stray_write_during_a_read_step_is_caught() {
    let p = program(
        r#"{"op": "array", "out": "a", "shape": [4]},
           {"op": "array", "out": "b", "shape": [2, 2]},
           {"op": "transpose", "out": "t", "src": "b", "axes": null}"#,
    );
    let v = expect_violation(
        run_with_fault(&p, |env| {
            array(env, "a")
                .assign(&[Index::Int(2)], Value::Scalar(-9))
                .unwrap();
        }),
        2,
        Property::ReadChangedMemory,
    );
    assert!(v.message.contains("address 2"), "{v}");
    assert!(v.message.contains("from 2 to -9"), "{v}");
    assert!(v
        .to_string()
        .starts_with("steps[2] (transpose): read-changed-memory: "));
}

#[test]
fn a_write_by_a_failing_step_is_caught() {
    let p = program(
        r#"{"op": "array", "out": "a", "shape": [4]},
           {"op": "assign", "dst": "a", "index": [9], "value": {"scalar": 1}}"#,
    );
    expect_violation(
        run_with_fault(&p, |env| {
            array(env, "a")
                .assign(&[Index::Int(0)], Value::Scalar(1))
                .unwrap();
        }),
        1,
        Property::FailedStepChangedMemory,
    );
}

#[test]
fn a_write_outside_the_destination_is_caught() {
    // `v` is a[1::2]; writing v[0] must not touch a[0].
    let p = program(
        r#"{"op": "array", "out": "a", "shape": [6]},
           {"op": "index", "out": "v", "src": "a", "index": [{"slice": [1, null, 2]}]},
           {"op": "assign", "dst": "v", "index": [0], "value": {"scalar": 7}}"#,
    );
    let v = expect_violation(
        run_with_fault(&p, |env| {
            array(env, "a")
                .assign(&[Index::Int(0)], Value::Scalar(7))
                .unwrap();
        }),
        2,
        Property::WriteLocality,
    );
    assert!(v.message.contains("address 0"), "{v}");
    // The same with an advanced index: only `v`'s addresses may change.
    let p = program(
        r#"{"op": "array", "out": "a", "shape": [6]},
           {"op": "index", "out": "v", "src": "a", "index": [{"slice": [1, null, 2]}]},
           {"op": "assign", "dst": "v", "index": [{"array": [0, 2]}], "value": {"scalar": 7}}"#,
    );
    expect_violation(
        run_with_fault(&p, |env| {
            array(env, "a")
                .assign(&[Index::Int(2)], Value::Scalar(7))
                .unwrap();
        }),
        2,
        Property::WriteLocality,
    );
}

#[test]
fn a_wrong_written_value_is_caught() {
    // a[1:3] += b where b overlaps a: the value is read before the write.
    let p = program(
        r#"{"op": "array", "out": "a", "shape": [4]},
           {"op": "index", "out": "b", "src": "a", "index": [{"slice": [0, 2, null]}]},
           {"op": "add_assign", "dst": "a", "index": [{"slice": [1, 3, null]}], "value": {"var": "b"}}"#,
    );
    // Unfaulted, the documented result [0, 1, 3, 3] passes ...
    assert_eq!(check_program(&p), Ok(()));
    // ... and a sequential (not-as-if-copied) result [0, 1, 3, 3]+[0, 0, 1, 0] is caught.
    expect_violation(
        run_with_fault(&p, |env| {
            array(env, "a")
                .assign(&[Index::Int(2)], Value::Scalar(4))
                .unwrap();
        }),
        2,
        Property::WriteValues,
    );
    // A fancy write of a scalar: every changed address must hold it.
    let p = program(
        r#"{"op": "array", "out": "a", "shape": [4]},
           {"op": "assign", "dst": "a", "index": [{"array": [3, 1]}], "value": {"scalar": 9}}"#,
    );
    expect_violation(
        run_with_fault(&p, |env| {
            array(env, "a")
                .assign(&[Index::Int(1)], Value::Scalar(8))
                .unwrap();
        }),
        1,
        Property::WriteValues,
    );
}

#[test]
fn a_view_bound_where_a_copy_belongs_is_caught() {
    let p = program(
        r#"{"op": "array", "out": "a", "shape": [2, 3]},
           {"op": "copy", "out": "c", "src": "a"}"#,
    );
    let v = expect_violation(
        run_with_fault(&p, |env| {
            let a = array(env, "a");
            env.bind("c", Binding::Array(a.transpose(Some(&[0, 1])).unwrap()));
        }),
        1,
        Property::CopyIndependence,
    );
    assert!(v.message.contains("`c`"), "{v}");
    // A fancy result that is really a view of its source.
    let p = program(
        r#"{"op": "array", "out": "a", "shape": [3]},
           {"op": "index", "out": "f", "src": "a", "index": [{"array": [0, 1, 2]}]}"#,
    );
    expect_violation(
        run_with_fault(&p, |env| {
            let a = array(env, "a");
            env.bind("f", Binding::Array(a.transpose(None).unwrap()));
        }),
        1,
        Property::CopyIndependence,
    );
}

#[test]
fn wrong_result_values_are_caught() {
    // reshape(order=F) read in C order instead.
    let p = program(
        r#"{"op": "array", "out": "a", "shape": [2, 3]},
           {"op": "reshape", "out": "r", "src": "a", "shape": [3, 2], "order": "F"}"#,
    );
    expect_violation(
        run_with_fault(&p, |env| {
            let a = array(env, "a");
            let wrong = a
                .reshape(&[3, 2], viewcheck_arrays::Order::C, None)
                .unwrap();
            env.bind("r", Binding::Array(wrong));
        }),
        1,
        Property::ResultValues,
    );
    // A transposed view bound where a basic index's view of part of it belongs
    // reaches addresses outside the source.
    let p = program(
        r#"{"op": "array", "out": "a", "shape": [6]},
           {"op": "index", "out": "h", "src": "a", "index": [{"slice": [0, 3, null]}]},
           {"op": "index", "out": "v", "src": "h", "index": [{"slice": [null, null, -1]}]}"#,
    );
    expect_violation(
        run_with_fault(&p, |env| {
            let a = array(env, "a");
            env.bind("v", Binding::Array(a.transpose(None).unwrap()));
        }),
        2,
        Property::ViewAddresses,
    );
}

#[test]
fn a_panicking_step_is_reported_with_its_step() {
    let p = program(
        r#"{"op": "array", "out": "a", "shape": [2]},
           {"op": "copy", "out": "c", "src": "a"}"#,
    );
    let v = expect_violation(
        run_with_fault(&p, |_| panic!("injected")),
        1,
        Property::Panic,
    );
    assert_eq!(v.message, "injected");
    assert_eq!(v.op, "copy");
}

/// The import of an artifact on which nothing fails: refused, with the
/// case it would have made.
fn refused_import(artifact: &[u8], kind: ArtifactKind, numpy: Option<&dyn Backend>) -> Imported {
    match import_crash(artifact, kind, numpy) {
        Err(ImportError::NothingFails(imported)) => *imported,
        other => panic!("expected a refusal for reproducing nothing, got {other:?}"),
    }
}

/// A case as `Corpus::add_case` will see it: the placeholder id replaced.
fn with_id(case: &serde_json::Value) -> serde_json::Value {
    let mut c = case.clone();
    c["id"] = "VC-9999".into();
    c
}

fn schemas() -> viewcheck::corpus::SchemaSet {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    viewcheck::corpus::SchemaSet::load(&root).unwrap_or_else(|p| panic!("{p}"))
}

#[test]
fn generator_bytes_import_as_a_corpus_case() {
    let bytes: Vec<u8> = (0..512u32).map(|i| (i * 37 % 251) as u8).collect();
    let imported = refused_import(&bytes, ArtifactKind::Auto, None);
    assert_eq!(imported.kind, ArtifactKind::GeneratorBytes);
    assert_eq!(Some(&imported.program), program_from_bytes(&bytes).as_ref());
    assert!(!imported.failed(), "{}", imported.report());
    let case = &imported.case;
    assert_eq!(case["id"], ID_PLACEHOLDER);
    assert_eq!(case["provenance"]["kind"], PROVENANCE);
    assert_eq!(
        Program::from_json(&case["program"]).unwrap(),
        imported.program
    );
    assert!(case.get("expect").is_none(), "no oracle, no expectation");
    schemas()
        .validate_case(&with_id(case))
        .unwrap_or_else(|e| panic!("{e}\n{case}"));
    // Program text is read as such, and junk that is neither is refused.
    let text = imported.program.to_json().to_string();
    let again = refused_import(text.as_bytes(), ArtifactKind::ProgramJson, None);
    assert_eq!(again.program, imported.program);
    assert!(import_crash(b"{\"format\": 2}", ArtifactKind::ProgramJson, None).is_err());
}

#[cfg(feature = "oracle")]
#[test]
fn an_import_with_numpy_records_the_expectation() {
    let numpy = viewcheck::backend::NumpyBackend::new().unwrap_or_else(|e| panic!("{e}"));
    let text = br#"{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [2, 3]},
        {"op": "index", "out": "b", "src": "a", "index": [{"slice": [null, null, -1]}]}]}"#;
    let imported = refused_import(text, ArtifactKind::Auto, Some(&numpy));
    assert!(!imported.failed(), "{}", imported.report());
    let case = &imported.case;
    assert_eq!(
        case["expect"]["arrays"]["b"]["strides"],
        serde_json::json!([-3, 1])
    );
    assert_eq!(
        case["features"],
        serde_json::json!(["item:slice", "op:array", "op:index", "order:C"])
    );
    schemas()
        .validate_case(&with_id(case))
        .unwrap_or_else(|e| panic!("{e}\n{case}"));
    assert!(imported.report().contains("agree at level exact"));
}

#[test]
fn steps_are_counted_from_zero_across_calls() {
    let p = program(r#"{"op": "array", "out": "a", "shape": [2]}"#);
    let mut c = Checker::new();
    c.step(&p.steps[0]).unwrap();
    let again = Step::Copy {
        out: "b".into(),
        src: "a".into(),
        order: viewcheck::format::Order::C,
    };
    let v = c.step_with(&again, |_| panic!("x")).unwrap_err();
    assert_eq!(v.step, 1);
}
