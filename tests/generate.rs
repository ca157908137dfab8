//! The generator: every program is valid format 1, and within a couple of
//! thousand default-config programs every op, every index item kind, every
//! order and the trap situations (negative and zero strides, overlapping and
//! duplicate writes, errors of each class, skipped steps, ...) all occur.
//! The coverage assertions count real occurrences, so they fail if the
//! generator stops producing a situation.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use arbitrary::Unstructured;
use viewcheck::backend::{run_step, Binding, Env, StridedRun};
use viewcheck::format::{Item, Order, Program, Step, StepOutcome, Value, OPS};
use viewcheck::generate::{generate, generate_with, program_for_case, GenConfig, Runner};
use viewcheck_arrays::Array;

const SEED: u64 = 0x5EED_0001;
const N: u64 = 2000;

#[test]
fn generated_programs_are_valid_and_deterministic() {
    let cfg = GenConfig::default();
    for case in 0..N {
        let p = program_for_case(SEED, case, &cfg);
        let again = Program::from_json(&p.to_json())
            .unwrap_or_else(|e| panic!("case {case}: {e}\n{}", p.to_line()));
        assert_eq!(again, p, "case {case}: not a round-trip fixed point");
        assert!(
            p.steps.len() >= cfg.min_steps && p.steps.len() <= cfg.max_steps,
            "case {case}: {} steps",
            p.steps.len()
        );
        for s in &p.steps {
            if let Some(o) = s.out() {
                assert!(o.len() <= 3, "case {case}: long name {o}");
            }
        }
        if case % 100 == 0 {
            assert_eq!(p, program_for_case(SEED, case, &cfg), "case {case}");
        }
    }
    assert_ne!(
        program_for_case(SEED, 0, &cfg),
        program_for_case(SEED, 1, &cfg)
    );
    assert_ne!(
        program_for_case(SEED, 0, &cfg),
        program_for_case(SEED + 1, 0, &cfg)
    );
}

#[test]
fn arbitrary_bytes_and_other_configs_give_valid_programs() {
    // Short, empty and patterned byte streams (as a fuzzer gives them).
    let mut streams: Vec<Vec<u8>> = vec![vec![], vec![0; 3], vec![255; 64], (0..=255).collect()];
    for k in 0..200u32 {
        streams.push(
            (0..(k * 7) % 900)
                .map(|i| (i * 31 + k * 17) as u8)
                .collect(),
        );
    }
    let configs = [
        GenConfig::default(),
        GenConfig {
            invalid_rate: 1.0,
            skip_rate: 0.5,
            ..GenConfig::default()
        },
        GenConfig {
            invalid_rate: 0.0,
            skip_rate: 0.0,
            max_ndim: 5,
            max_extent: 3,
            min_steps: 1,
            max_steps: 60,
            ..GenConfig::default()
        },
        GenConfig {
            max_ndim: 1,
            max_extent: 1,
            max_elements: 1,
            min_steps: 1,
            max_steps: 1,
            ..GenConfig::default()
        },
    ];
    for (ci, cfg) in configs.iter().enumerate() {
        for (si, bytes) in streams.iter().enumerate() {
            let mut u = arbitrary::Unstructured::new(bytes);
            let p = generate(&mut u, cfg).expect("generation does not fail");
            let again = Program::from_json(&p.to_json())
                .unwrap_or_else(|e| panic!("config {ci} stream {si}: {e}\n{}", p.to_line()));
            assert_eq!(again, p);
            assert!(!p.steps.is_empty() && p.steps.len() <= cfg.max_steps);
        }
        for case in 0..300 {
            let p = program_for_case(7, case, cfg);
            assert_eq!(Program::from_json(&p.to_json()).as_ref(), Ok(&p));
        }
    }
}

/// Occurrence counts of named situations.
#[derive(Default)]
struct Counts(BTreeMap<String, u64>);

impl Counts {
    fn add(&mut self, key: impl Into<String>) {
        *self.0.entry(key.into()).or_default() += 1;
    }
    fn get(&self, key: &str) -> u64 {
        self.0.get(key).copied().unwrap_or(0)
    }
}

fn order_name(o: Order) -> &'static str {
    o.as_str()
}

/// Records the index item kinds of one index applied to an array of `shape`.
fn index_kinds(c: &mut Counts, prefix: &str, index: &[Item], shape: Option<&[usize]>) {
    let mut adv_positions = Vec::new();
    let mut array_shapes = Vec::new();
    for (i, item) in index.iter().enumerate() {
        match item {
            Item::Int(v) => {
                c.add(format!("{prefix}int"));
                if *v < 0 {
                    c.add(format!("{prefix}int<0"));
                }
            }
            Item::Slice(a, b, s) => {
                c.add(format!("{prefix}slice"));
                if s.is_some_and(|s| s < 0) {
                    c.add(format!("{prefix}slice step<0"));
                }
                if s.is_some_and(|s| s > 1) {
                    c.add(format!("{prefix}slice step>1"));
                }
                if a.is_none() || b.is_none() || s.is_none() {
                    c.add(format!("{prefix}slice null part"));
                }
                if a.is_some_and(|a| a < 0) || b.is_some_and(|b| b < 0) {
                    c.add(format!("{prefix}slice negative bound"));
                }
                if a.is_some_and(|a| a.abs() > 1000) || b.is_some_and(|b| b.abs() > 1000) {
                    c.add(format!("{prefix}slice huge bound"));
                }
            }
            Item::NewAxis => c.add(format!("{prefix}newaxis")),
            Item::Ellipsis => c.add(format!("{prefix}ellipsis")),
            Item::Array(a) if a.shape.is_empty() => c.add(format!("{prefix}array0d")),
            Item::Array(a) => {
                c.add(format!("{prefix}array"));
                adv_positions.push(i);
                array_shapes.push(a.shape.clone());
                if a.shape == [0] {
                    c.add(format!("{prefix}array []"));
                }
                if a.shape.len() >= 2 {
                    c.add(format!("{prefix}array n-d"));
                }
                if a.data.iter().any(|&v| v < 0) {
                    c.add(format!("{prefix}array negative"));
                }
                let mut d = a.data.clone();
                d.sort_unstable();
                if d.windows(2).any(|w| w[0] == w[1]) {
                    c.add(format!("{prefix}array duplicates"));
                }
            }
            Item::Mask(m) if m.shape.is_empty() => {
                c.add(format!("{prefix}mask0d {}", m.data[0]));
            }
            Item::Var(_) => {
                c.add(format!("{prefix}var"));
                adv_positions.push(i);
            }
            Item::Mask(m) => {
                c.add(format!("{prefix}mask"));
                adv_positions.push(i);
                if m.shape.len() >= 2 {
                    c.add(format!("{prefix}mask n-d"));
                }
                if index.len() == 1 && shape == Some(m.shape.as_slice()) {
                    c.add(format!("{prefix}mask full-shape"));
                }
            }
        }
    }
    if adv_positions.len() >= 2 {
        let (first, last) = (adv_positions[0], adv_positions[adv_positions.len() - 1]);
        if index[first..last]
            .iter()
            .any(|it| matches!(it, Item::Slice(..) | Item::NewAxis | Item::Ellipsis))
        {
            c.add(format!("{prefix}separated advanced"));
        }
    }
    if array_shapes.len() >= 2 && array_shapes.windows(2).any(|w| w[0] != w[1]) {
        c.add(format!("{prefix}broadcasting arrays"));
    }
    if index.is_empty() {
        c.add(format!("{prefix}empty tuple"));
    }
}

/// Records what the `{"var": ...}` items of `step` name (format 1.2): a
/// skipping name, or an array that shares memory with the indexed array
/// (`src`: the source of an index, the destination of a write) or with the
/// value of a write ("related"), or some other array.
fn var_items(c: &mut Counts, prefix: &str, step: &Step, env: &Env, src: Option<&Array>) {
    let value = match step {
        Step::Assign {
            value: Value::Var(n),
            ..
        }
        | Step::AddAssign {
            value: Value::Var(n),
            ..
        } => match env.get(n) {
            Some(Binding::Array(v)) => Some(v.clone()),
            _ => None,
        },
        _ => None,
    };
    for n in step.index_vars() {
        match env.get(n) {
            Some(Binding::Array(a)) => {
                let related = src.is_some_and(|x| viewcheck_arrays::shares_memory(a, x))
                    || value
                        .as_ref()
                        .is_some_and(|v| viewcheck_arrays::shares_memory(a, v));
                c.add(format!(
                    "{prefix}var {}",
                    if related { "related" } else { "other" }
                ));
                if a.ndim() == 0 {
                    c.add(format!("{prefix}var 0-d"));
                }
            }
            _ => c.add(format!("{prefix}var skipping")),
        }
    }
}

/// Runs `N` default programs step by step and counts what happens.
fn coverage() -> Counts {
    let cfg = GenConfig::default();
    let mut c = Counts::default();
    for case in 0..N {
        let p = program_for_case(SEED, case, &cfg);
        let mut env = Env::default();
        for step in &p.steps {
            let op = step.op();
            c.add(format!("op {op}"));
            let src = step.src().and_then(|n| match env.get(n) {
                Some(Binding::Array(a)) => Some(a.clone()),
                _ => None,
            });
            if let Some(a) = &src {
                if a.strides()
                    .iter()
                    .zip(a.shape())
                    .any(|(&s, &n)| s < 0 && n > 1)
                {
                    c.add("src negative stride");
                }
                if a.strides()
                    .iter()
                    .zip(a.shape())
                    .any(|(&s, &n)| s == 0 && n > 1)
                {
                    c.add("src zero stride");
                }
                if a.is_f_contiguous() && !a.is_c_contiguous() {
                    c.add("src F-contiguous");
                }
                if !a.is_f_contiguous() && !a.is_c_contiguous() {
                    c.add("src non-contiguous");
                }
                if a.size() == 0 {
                    c.add("src size 0");
                }
                if a.shape().contains(&1) {
                    c.add("src extent 1");
                }
                if a.ndim() == 0 {
                    c.add("src 0-d");
                }
                if !a.owndata() {
                    c.add("src view");
                }
                if !a.writeable() {
                    c.add("src read-only");
                }
            }
            match step {
                Step::Array { order, .. } => c.add(format!("array order {}", order_name(*order))),
                Step::Transpose { axes, .. } => c.add(if axes.is_some() {
                    "transpose axes"
                } else {
                    "transpose null"
                }),
                Step::Reshape {
                    shape, order, copy, ..
                } => {
                    c.add(format!("reshape order {}", order_name(*order)));
                    c.add(format!("reshape copy {copy:?}"));
                    if shape.iter().any(|&e| e < 0) {
                        c.add("reshape unknown");
                    }
                    if shape.iter().filter(|&&e| e < 0).count() >= 2 {
                        c.add("reshape two unknowns");
                    }
                }
                Step::Ravel { order, .. } => c.add(format!("ravel order {}", order_name(*order))),
                Step::Flatten { order, .. } => {
                    c.add(format!("flatten order {}", order_name(*order)))
                }
                Step::Copy { order, .. } => c.add(format!("copy order {}", order_name(*order))),
                Step::Asarray { order, .. } => {
                    c.add(format!("asarray order {}", order_name(*order)))
                }
                Step::Squeeze { axis, .. } => c.add(if axis.is_some() {
                    "squeeze axes"
                } else {
                    "squeeze null"
                }),
                Step::Index { index, .. } => {
                    index_kinds(&mut c, "index ", index, src.as_ref().map(|a| a.shape()));
                    var_items(&mut c, "index ", step, &env, src.as_ref());
                }
                Step::Assign { index, value, dst } | Step::AddAssign { index, value, dst } => {
                    index_kinds(&mut c, "write ", index, src.as_ref().map(|a| a.shape()));
                    var_items(&mut c, "write ", step, &env, src.as_ref());
                    match value {
                        Value::Scalar(_) => c.add("value scalar"),
                        Value::Var(n) => match (env.get(n), &src) {
                            (Some(Binding::Scalar(_)), _) => c.add("value var scalar"),
                            (Some(Binding::Array(v)), Some(d)) => {
                                c.add("value var array");
                                if n == dst {
                                    c.add("value var is dst");
                                }
                                if viewcheck_arrays::shares_memory(v, d) {
                                    c.add("value var overlaps dst");
                                }
                            }
                            _ => c.add("value var unbound"),
                        },
                    }
                }
                _ => {}
            }
            let rec = catch_unwind(AssertUnwindSafe(|| run_step(&mut env, step)));
            let Ok(rec) = rec else {
                c.add("panic");
                break;
            };
            match &rec.outcome {
                StepOutcome::Ok { .. } => c.add(format!("ok {op}")),
                StepOutcome::Error(class) => {
                    c.add(format!("error {op}"));
                    c.add(format!("class {class}"));
                    c.add(format!("error {op} {class}"));
                }
                StepOutcome::Skipped => c.add("skipped"),
            }
            if let Some(Binding::Scalar(_)) = step.out().and_then(|o| env.get(o)) {
                c.add("scalar bound");
            }
        }
    }
    c
}

#[test]
fn every_op_kind_order_and_trap_is_covered() {
    let c = coverage();
    let report =
        c.0.iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n");
    eprintln!("coverage over {N} programs:\n{report}");
    let mut missing = Vec::new();
    let mut need = |key: String, at_least: u64| {
        if c.get(&key) < at_least {
            missing.push(format!("{key} ({} < {at_least})", c.get(&key)));
        }
    };
    for op in OPS {
        need(format!("op {op}"), 100);
        need(format!("ok {op}"), 50);
    }
    // Every op that can fail fails sometimes.
    for op in [
        "index",
        "transpose",
        "swapaxes",
        "moveaxis",
        "reshape",
        "squeeze",
        "expand_dims",
        "broadcast_to",
        "diagonal",
        "assign",
        "add_assign",
    ] {
        need(format!("error {op}"), 10);
    }
    for class in ["IndexError", "ValueError", "AxisError", "TypeError"] {
        need(format!("class {class}"), 5);
    }
    need("error assign ValueError".into(), 10);
    need("error index IndexError".into(), 10);
    need("error reshape ValueError".into(), 10);
    need("skipped".into(), 10);
    need("scalar bound".into(), 20);
    for o in ["C", "F"] {
        need(format!("array order {o}"), 50);
    }
    for o in ["C", "F", "A"] {
        need(format!("reshape order {o}"), 20);
    }
    for o in ["C", "F", "A", "K"] {
        for op in ["ravel", "flatten", "copy", "asarray"] {
            need(format!("{op} order {o}"), 10);
        }
    }
    for copy in ["None", "Some(true)", "Some(false)"] {
        need(format!("reshape copy {copy}"), 20);
    }
    for k in [
        "transpose axes",
        "transpose null",
        "squeeze axes",
        "squeeze null",
        "reshape unknown",
        "reshape two unknowns",
    ] {
        need(k.into(), 10);
    }
    for prefix in ["index ", "write "] {
        for kind in [
            "int",
            "int<0",
            "slice",
            "slice step<0",
            "slice step>1",
            "slice null part",
            "slice negative bound",
            "slice huge bound",
            "newaxis",
            "ellipsis",
            "array",
            "array0d",
            "array []",
            "array n-d",
            "array negative",
            "array duplicates",
            "mask",
            "mask n-d",
            "mask full-shape",
            "mask0d true",
            "mask0d false",
            "separated advanced",
            "broadcasting arrays",
            "empty tuple",
        ] {
            need(format!("{prefix}{kind}"), 5);
        }
    }
    for k in [
        "value scalar",
        "value var array",
        "value var scalar",
        "value var is dst",
        "value var overlaps dst",
        "value var unbound",
        "src negative stride",
        "src zero stride",
        "src F-contiguous",
        "src non-contiguous",
        "src size 0",
        "src extent 1",
        "src 0-d",
        "src view",
        "src read-only",
    ] {
        need(k.into(), 10);
    }
    // Format 1.2's var items: made in both kinds of step, mostly naming an
    // array that aliases the indexed array or the value (what they are
    // for), sometimes a skipping name.
    for prefix in ["index ", "write "] {
        need(format!("{prefix}var"), 30);
        need(format!("{prefix}var related"), 20);
        let (related, other) = (
            c.get(&format!("{prefix}var related")),
            c.get(&format!("{prefix}var other")),
        );
        // (An unweighted choice would name an unrelated array far more
        // often; swarm testing's op mixes leave fewer views to alias.)
        assert!(
            related > other,
            "{prefix}var items: {related} alias the indexed array or value, {other} do not"
        );
    }
    need("index var 0-d".into(), 1);
    need("index var skipping".into(), 1);
    assert!(missing.is_empty(), "not covered:\n{}", missing.join("\n"));
}

/// The reducer on generated programs with a semantic predicate ("the
/// strided backend reports `class` at some step"): the result is valid,
/// still fails, and is tiny.
#[test]
fn shrinking_generated_programs_gives_small_reproducers() {
    use viewcheck::backend::{Backend, StridedBackend};
    use viewcheck::shrink::{shrink, DEFAULT_BUDGET};
    let cfg = GenConfig::default();
    let raises = |p: &Program, class: &str| {
        StridedBackend.run(p).is_ok_and(|o| {
            o.steps
                .iter()
                .any(|s| s.outcome == StepOutcome::Error(class.to_string()))
        })
    };
    let mut shrunk = 0;
    for class in ["IndexError", "ValueError", "AxisError"] {
        let mut found = 0;
        for case in 0..400 {
            let p = program_for_case(SEED, case, &cfg);
            if !raises(&p, class) {
                continue;
            }
            let mut calls = 0;
            let small = shrink(&p, &mut |q| {
                calls += 1;
                raises(q, class)
            });
            assert!(calls <= DEFAULT_BUDGET);
            assert_eq!(Program::from_json(&small.to_json()).as_ref(), Ok(&small));
            assert!(raises(&small, class), "{}", small.to_line());
            assert!(
                small.steps.len() <= 3,
                "{class}: {} -> {}",
                p.to_line(),
                small.to_line()
            );
            assert!(small.steps.len() <= p.steps.len());
            found += 1;
            shrunk += 1;
            if found == 5 {
                break;
            }
        }
        assert!(found > 0, "no program raised {class}");
    }
    assert!(shrunk >= 10);
}

/// A runner that stops after `stop_after` steps, as the invariant checker
/// does at a violation.
struct StopAfter {
    inner: StridedRun,
    ran: usize,
    stop_after: usize,
}

impl Runner for StopAfter {
    fn env(&self) -> &viewcheck::backend::Env {
        self.inner.env()
    }
    fn run(&mut self, step: &viewcheck::format::Step) -> bool {
        self.ran += 1;
        self.inner.run(step) && self.ran < self.stop_after
    }
}

#[test]
fn a_runner_that_says_stop_ends_the_program_at_that_step() {
    let cfg = GenConfig::default();
    for case in 0..50u64 {
        let bytes: Vec<u8> = (0..4096u64)
            .map(|i| (i.wrapping_mul(2654435761).wrapping_add(case * 97) >> 7) as u8)
            .collect();
        let full = generate(&mut Unstructured::new(&bytes), &cfg).unwrap();
        let mut runner = StopAfter {
            inner: StridedRun::default(),
            ran: 0,
            stop_after: 3,
        };
        let cut = generate_with(&mut Unstructured::new(&bytes), &cfg, &mut runner);
        let k = full.steps.len().min(3);
        assert_eq!(cut.steps.len(), k, "case {case}");
        assert_eq!(cut.steps[..], full.steps[..k], "case {case}");
        assert_eq!(runner.ran, k);
    }
}

#[test]
fn running_out_of_bytes_ends_the_program() {
    let cfg = GenConfig::default();
    let p = generate(&mut Unstructured::new(&[]), &cfg).unwrap();
    assert_eq!(p.steps.len(), 1, "{}", p.to_json());
    // A few bytes make a few steps, never the configured minimum padded
    // with identical default steps.
    let p = generate(&mut Unstructured::new(&[7, 1, 200, 3]), &cfg).unwrap();
    assert!(
        !p.steps.is_empty() && p.steps.len() < cfg.min_steps,
        "{}",
        p.to_json()
    );
}
