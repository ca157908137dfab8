//! The comparator on real observations of the strided backend, each mutated
//! in one field: the exact path is reported at the levels that cover the
//! field and nothing at the levels below.

use viewcheck::backend::{Backend, BackendError, StridedBackend};
use viewcheck::compare::{compare, first_divergent_step, Difference, Level, LEVELS};
use viewcheck::format::{ArrayRecord, Bound, Observation, Program, StepOutcome};

/// `a` (3x4, owner), `b` = a[:, ::2] (view), `c` = b.copy(), `d` = a[1] (view),
/// `e` = a[:0] (empty view), `s` = a[0, 0] (scalar), `f` = a[:, 1:2] (extent-1 axis),
/// then a write through `b`.
const PROGRAM: &str = r#"{"format": 1, "steps": [
    {"op": "array", "out": "a", "shape": [3, 4]},
    {"op": "index", "out": "b", "src": "a", "index": [{"slice": [null, null, null]}, {"slice": [null, null, 2]}]},
    {"op": "copy", "out": "c", "src": "b"},
    {"op": "index", "out": "d", "src": "a", "index": [1]},
    {"op": "index", "out": "e", "src": "a", "index": [{"slice": [null, 0, null]}]},
    {"op": "index", "out": "s", "src": "a", "index": [0, 0]},
    {"op": "index", "out": "f", "src": "a", "index": [{"slice": [null, null, null]}, {"slice": [1, 2, null]}]},
    {"op": "add_assign", "dst": "b", "index": [0], "value": {"scalar": 100}},
    {"op": "index", "out": "g", "src": "a", "index": [7]}
]}"#;

fn program() -> Program {
    Program::parse(PROGRAM).expect("valid program")
}

fn base() -> Observation {
    StridedBackend.run(&program()).expect("strided runs it")
}

fn array<'a>(obs: &'a mut Observation, name: &str) -> &'a mut ArrayRecord {
    let b = obs
        .arrays
        .iter_mut()
        .find(|(n, _)| n == name)
        .map(|(_, b)| b)
        .expect("bound");
    match b {
        Bound::Array(a) => a,
        Bound::Scalar(_) => panic!("{name} is a scalar"),
    }
}

fn paths(d: &[Difference]) -> Vec<String> {
    d.iter().map(|d| d.path.clone()).collect()
}

/// Asserts that `mutated` differs from the base exactly at `expected_paths`
/// from level `from` upwards, and not at all below it.
fn check(mutated: &Observation, from: Level, expected_paths: &[&str]) {
    let b = base();
    for level in LEVELS {
        let d = compare(&b, mutated, level);
        if level >= from {
            assert_eq!(paths(&d), expected_paths, "at level {level}: {d:?}");
        } else {
            assert!(d.is_empty(), "level {level} should ignore it: {d:?}");
        }
    }
}

#[test]
fn base_observation_is_what_we_think() {
    let b = base();
    assert_eq!(b.steps.len(), 9);
    assert!(matches!(b.steps[8].outcome, StepOutcome::Error(ref c) if c == "IndexError"));
    assert!(matches!(b.get("s"), Some(Bound::Scalar(0))));
    assert!(b.get("g").is_none());
    for level in LEVELS {
        assert!(compare(&b, &b, level).is_empty());
    }
}

#[test]
fn a_value() {
    let mut m = base();
    array(&mut m, "b").values[5] += 1;
    check(&m, Level::Values, &["arrays.b.values[5]"]);
    let d = compare(&base(), &m, Level::Values);
    let (e, g) = (
        array(&mut base(), "b").values[5],
        array(&mut m, "b").values[5],
    );
    assert_eq!(
        d[0].to_string(),
        format!("arrays.b.values[5]: expected {e} got {g}")
    );
}

#[test]
fn many_values_are_capped() {
    let mut m = base();
    for v in array(&mut m, "a").values.iter_mut() {
        *v = -1;
    }
    let d = compare(&base(), &m, Level::Values);
    assert_eq!(
        paths(&d),
        [
            "arrays.a.values[0]",
            "arrays.a.values[1]",
            "arrays.a.values[2]",
            "arrays.a.values[3]",
            "arrays.a.values[4]",
            "arrays.a.values[+7 more]"
        ]
    );
}

#[test]
fn a_scalar() {
    let mut m = base();
    let s = m.arrays.iter_mut().find(|(n, _)| n == "s").unwrap();
    s.1 = Bound::Scalar(9);
    check(&m, Level::Values, &["arrays.s.scalar"]);
}

#[test]
fn a_shape() {
    let mut m = base();
    array(&mut m, "d").shape = vec![2, 2];
    check(&m, Level::Values, &["arrays.d.shape"]);
}

#[test]
fn step_outcome() {
    let mut m = base();
    m.steps[8].outcome = StepOutcome::Error("ValueError".into());
    check(&m, Level::Values, &["steps[8]"]);
    let d = compare(&base(), &m, Level::Values);
    assert_eq!(
        d[0].to_string(),
        "steps[8]: expected error IndexError got error ValueError"
    );
    m.steps[3].outcome = StepOutcome::Skipped;
    let d = compare(&base(), &m, Level::Values);
    assert_eq!(d[0].to_string(), "steps[3]: expected ok got skipped");
}

#[test]
fn warnings_only_at_exact() {
    let mut m = base();
    m.steps[7].outcome = StepOutcome::Ok {
        warning: Some("RuntimeWarning".into()),
    };
    check(&m, Level::Exact, &["steps[7].warning"]);
}

#[test]
fn informational_keys_are_ignored() {
    let mut m = base();
    m.steps[7]
        .extra
        .insert("numpy_deviation".into(), "overlap".into());
    m.extra.insert("numpy".into(), "2.4.6".into());
    check(&m, Level::Exact, &[]);
    // Also after a JSON round trip with unknown keys.
    let mut j = base().to_json();
    j["steps"][0]["numpy_deviation"] = "duplicate-order".into();
    j["arrays"]["a"]["extra_key"] = 1.into();
    j["timing_ms"] = 3.into();
    let parsed = Observation::from_json(&j).unwrap();
    assert!(compare(&base(), &parsed, Level::Exact).is_empty());
}

#[test]
fn bound_names() {
    let mut m = base();
    m.arrays.retain(|(n, _)| n != "c");
    m.shares_memory.retain(|(a, b)| a != "c" && b != "c");
    m.may_share_memory.retain(|(a, b)| a != "c" && b != "c");
    check(&m, Level::Values, &["arrays.c"]);
    let d = compare(&base(), &m, Level::Values);
    assert_eq!(
        d[0].to_string(),
        "arrays.c: expected array of shape [3, 2] got unbound"
    );
    // An extra name is reported too, and the reverse direction reads well.
    let d = compare(&m, &base(), Level::Exact);
    assert_eq!(
        d[0].to_string(),
        "arrays.c: expected unbound got array of shape [3, 2]"
    );
    assert_eq!(d.len(), 1, "{d:?}");
}

#[test]
fn writeable_from_aliasing() {
    let mut m = base();
    array(&mut m, "d").writeable = false;
    check(&m, Level::Aliasing, &["arrays.d.writeable"]);
}

#[test]
fn buffer_partition_not_numbers() {
    // Renumbering the buffers consistently is not a difference ...
    let mut m = base();
    for (_, b) in m.arrays.iter_mut() {
        if let Bound::Array(a) = b {
            a.buffer += 10;
        }
    }
    check(&m, Level::Exact, &[]);
    // ... moving `c` into `a`'s buffer is (reported for every name whose
    // buffer mates changed).
    let mut m = base();
    let a_buf = array(&mut m, "a").buffer;
    array(&mut m, "c").buffer = a_buf;
    check(
        &m,
        Level::Aliasing,
        &[
            "arrays.a.buffer",
            "arrays.b.buffer",
            "arrays.c.buffer",
            "arrays.d.buffer",
            "arrays.e.buffer",
            "arrays.f.buffer",
        ],
    );
    let d = compare(&base(), &m, Level::Aliasing);
    assert_eq!(
        d[2].to_string(),
        "arrays.c.buffer: expected a buffer of its own got the buffer of a, b, d, e, f"
    );
}

#[test]
fn shares_memory_from_aliasing() {
    let mut m = base();
    let before = m.shares_memory.len();
    m.shares_memory
        .retain(|p| p != &("a".to_string(), "d".to_string()));
    assert_eq!(m.shares_memory.len(), before - 1);
    check(&m, Level::Aliasing, &["shares_memory"]);
    let d = compare(&base(), &m, Level::Aliasing);
    assert_eq!(
        d[0].to_string(),
        r#"shares_memory: expected ["a", "d"] got no such pair"#
    );
    // Pair order within a pair and list order do not matter.
    let mut m = base();
    m.shares_memory.reverse();
    for p in m.shares_memory.iter_mut() {
        *p = (p.1.clone(), p.0.clone());
    }
    check(&m, Level::Exact, &[]);
}

#[test]
fn may_share_memory_from_layout() {
    let mut m = base();
    m.may_share_memory.push(("c".into(), "d".into()));
    check(&m, Level::Layout, &["may_share_memory"]);
    let d = compare(&base(), &m, Level::Layout);
    assert_eq!(
        d[0].to_string(),
        r#"may_share_memory: expected no such pair got ["c", "d"]"#
    );
}

#[test]
fn strides_of_long_axes_from_layout() {
    let mut m = base();
    array(&mut m, "b").strides[1] = 3;
    check(&m, Level::Layout, &["arrays.b.strides[1]"]);
}

#[test]
fn strides_of_unit_axes_only_at_exact() {
    let mut m = base();
    let f = array(&mut m, "f");
    assert_eq!(f.shape, [3, 1]);
    f.strides[1] = 99;
    check(&m, Level::Exact, &["arrays.f.strides[1]"]);
}

#[test]
fn offsets() {
    let mut m = base();
    array(&mut m, "d").offset += 1;
    check(&m, Level::Layout, &["arrays.d.offset"]);
    let mut m = base();
    let e = array(&mut m, "e");
    assert_eq!(e.shape, [0, 4]);
    e.offset += 5;
    check(&m, Level::Exact, &["arrays.e.offset"]);
}

#[test]
fn flags_from_layout() {
    for key in ["owndata", "c_contiguous", "f_contiguous"] {
        let mut m = base();
        let b = array(&mut m, "b");
        match key {
            "owndata" => b.owndata = !b.owndata,
            "c_contiguous" => b.c_contiguous = !b.c_contiguous,
            _ => b.f_contiguous = !b.f_contiguous,
        }
        check(&m, Level::Layout, &[format!("arrays.b.{key}").as_str()]);
    }
}

#[test]
fn format_error_presence_not_message() {
    let a = Observation::rejected("steps[0]: one message");
    let b = Observation::rejected("another message");
    assert!(compare(&a, &b, Level::Exact).is_empty());
    for level in LEVELS {
        assert_eq!(paths(&compare(&a, &base(), level)), ["format_error"]);
        assert_eq!(paths(&compare(&base(), &a, level)), ["format_error"]);
    }
}

#[test]
fn level_names() {
    for level in LEVELS {
        assert_eq!(level.to_string().parse::<Level>(), Ok(level));
    }
    assert_eq!("layout".parse::<Level>(), Ok(Level::Layout));
    assert!("strict".parse::<Level>().is_err());
    assert!(Level::Values < Level::Aliasing && Level::Layout < Level::Exact);
}

/// The strided backend with a fault injected into the observation of any
/// program of at least `from_len` steps.
struct Faulty {
    from_len: usize,
    panic: bool,
}

impl Backend for Faulty {
    fn name(&self) -> &str {
        "faulty"
    }
    fn run(&self, program: &Program) -> Result<Observation, BackendError> {
        let mut obs = StridedBackend.run(program)?;
        if program.steps.len() >= self.from_len {
            if self.panic {
                panic!("injected fault");
            }
            array(&mut obs, "a").strides[0] = 77;
        }
        Ok(obs)
    }
}

#[test]
fn first_divergent_step_finds_the_prefix() {
    let p = program();
    let s = StridedBackend;
    assert_eq!(first_divergent_step(&p, &s, &s, Level::Exact), None);
    let f = Faulty {
        from_len: 4,
        panic: false,
    };
    assert_eq!(first_divergent_step(&p, &s, &f, Level::Exact), Some(3));
    assert_eq!(first_divergent_step(&p, &s, &f, Level::Aliasing), None);
    viewcheck::compare::silence_backend_panics();
    let f = Faulty {
        from_len: 6,
        panic: true,
    };
    assert_eq!(first_divergent_step(&p, &f, &s, Level::Values), Some(5));
}

// ---------------------------------------------------------------------------
// The campaign loop, with the strided backend against faulty versions of
// itself (the real generator/reducer and NumPy are exercised by tests/cli.rs).

mod campaign {
    use super::*;
    use viewcheck::campaign::{run_with, Config, FailureKind};

    /// Drops steps from the end while the failure persists.
    fn shrink_tail(p: &Program, still_fails: &mut dyn FnMut(&Program) -> bool) -> Program {
        let mut best = p.clone();
        while best.steps.len() > 1 {
            let mut shorter = best.clone();
            shorter.steps.pop();
            if !still_fails(&shorter) {
                break;
            }
            best = shorter;
        }
        best
    }

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("viewcheck-test-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn divergences_are_shrunk_located_and_saved() {
        let dir = temp_dir("divergence");
        let config = Config {
            seed: 7,
            cases: 10,
            level: Level::Exact,
            max_failures: 2,
            failures_dir: Some(dir.clone()),
            ..Config::default()
        };
        let faulty = Faulty {
            from_len: 4,
            panic: false,
        };
        let mut calls = 0;
        let report = run_with(
            &config,
            &StridedBackend,
            &faulty,
            &mut |_, _| program(),
            &mut shrink_tail,
            &mut |_| calls += 1,
        );
        assert_eq!(report.cases_run, 2);
        assert!(report.stopped_early);
        assert_eq!(calls, 2);
        assert_eq!(report.failures.len(), 2);
        let f = &report.failures[1];
        assert_eq!((f.seed, f.case), (7, 1));
        assert_eq!(f.kind, FailureKind::Divergence);
        assert_eq!(f.original.steps.len(), 9);
        assert_eq!(f.shrunk.steps.len(), 4);
        assert_eq!(f.first_step, Some(3));
        assert_eq!(paths(&f.diffs), ["arrays.a.strides[0]"]);
        assert_eq!(
            f.diffs[0].to_string(),
            "arrays.a.strides[0]: expected 4 got 77"
        );
        // The reproducer: shrunk program, then the original; both valid.
        let path = f.reproducer.clone().expect("written");
        assert_eq!(path, dir.join("seed7-case1.jsonl"));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Program> = text.lines().map(|l| Program::parse(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].steps, f.shrunk.steps);
        assert_eq!(lines[1].steps, program().steps);
        assert!(lines[0]
            .note
            .as_deref()
            .unwrap()
            .contains("first divergent step 3"));
        // Step outcomes are counted from the expected backend.
        let index_int = &report.by_kind["index[int]"];
        assert_eq!(index_int.ok, 2 * 2);
        assert_eq!(index_int.errors["IndexError"], 2);
        assert_eq!(report.by_kind["add_assign[int]"].ok, 2);
        assert!(report.op_table().contains("IndexError"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_panicking_backend_does_not_stop_the_campaign() {
        let faulty = Faulty {
            from_len: 9,
            panic: true,
        };
        let config = Config {
            seed: 1,
            cases: 3,
            level: Level::Values,
            max_failures: 0,
            failures_dir: None,
            ..Config::default()
        };
        let report = run_with(
            &config,
            &StridedBackend,
            &faulty,
            &mut |_, _| program(),
            &mut shrink_tail,
            &mut |_| {},
        );
        assert_eq!(report.cases_run, 3);
        assert_eq!(report.failures.len(), 3);
        let f = &report.failures[0];
        assert_eq!(
            f.kind,
            FailureKind::BackendError {
                backend: "faulty".into()
            }
        );
        assert_eq!(f.shrunk.steps.len(), 9);
        assert_eq!(f.first_step, Some(8));
        assert_eq!(f.diffs[0].path, "backend");
        assert!(f.diffs[0].got.contains("injected fault"), "{:?}", f.diffs);
        assert!(f.reproducer.is_none());
    }

    #[test]
    fn agreeing_backends_pass() {
        let config = Config {
            seed: 1,
            cases: 5,
            level: Level::Exact,
            max_failures: 1,
            failures_dir: None,
            ..Config::default()
        };
        let report = run_with(
            &config,
            &StridedBackend,
            &StridedBackend,
            &mut |_, _| program(),
            &mut shrink_tail,
            &mut |_| {},
        );
        assert_eq!(report.cases_run, 5);
        assert!(report.failures.is_empty() && !report.stopped_early);
        assert_eq!(report.by_kind["array"].total(), 5);
    }

    #[test]
    fn generator_and_reducer_panics_are_contained() {
        viewcheck::compare::silence_backend_panics();
        let config = Config {
            seed: 3,
            cases: 3,
            level: Level::Exact,
            max_failures: 0,
            failures_dir: None,
            ..Config::default()
        };
        let faulty = Faulty {
            from_len: 1,
            panic: false,
        };
        let report = run_with(
            &config,
            &StridedBackend,
            &faulty,
            &mut |_, case| {
                if case == 1 {
                    panic!("generator fault");
                }
                program()
            },
            &mut |_, _| panic!("reducer fault"),
            &mut |_| {},
        );
        assert_eq!(report.cases_run, 3);
        let kinds: Vec<&FailureKind> = report.failures.iter().map(|f| &f.kind).collect();
        assert_eq!(
            kinds,
            [
                &FailureKind::Divergence,
                &FailureKind::Generator,
                &FailureKind::Divergence
            ]
        );
        assert!(report.failures[1].diffs[0].got.contains("generator fault"));
        // A reducer that panics leaves the original program.
        assert_eq!(report.failures[0].shrunk.steps, program().steps);
        assert_eq!(report.failures[0].first_step, Some(0));
    }
}
