//! Comparing two observations of the same program at a chosen level.
//!
//! Format 1 defines four cumulative levels (see `docs/FORMAT.md`):
//!
//! | level | compares |
//! |---|---|
//! | [`Level::Values`] | format-error presence, step outcomes (ok / error class / skipped), which names are bound, shapes, values, scalars |
//! | [`Level::Aliasing`] | + `shares_memory`, the partition of names into buffers, `writeable` |
//! | [`Level::Layout`] | + strides of axes with extent > 1, offsets of non-empty arrays, `owndata`, c/f contiguity, `may_share_memory` |
//! | [`Level::Exact`] | + every stride and offset, warning classes |
//!
//! Informational keys (`numpy_deviation`, timings, ...) are never compared.
//! Every [`Difference`] names the place with a JSON-like path such as
//! `steps[3]`, `arrays.b.strides[1]` or `arrays.b.values[5]`.
//!
//! ```
//! use viewcheck::backend::{Backend, StridedBackend};
//! use viewcheck::compare::{compare, Level};
//! use viewcheck::format::Program;
//! let p = Program::parse(r#"{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [3]}]}"#).unwrap();
//! let expected = StridedBackend.run(&p).unwrap();
//! let mut got = expected.clone();
//! if let viewcheck::format::Bound::Array(a) = &mut got.arrays[0].1 {
//!     a.values[2] = 7;
//! }
//! let diffs = compare(&expected, &got, Level::Values);
//! assert_eq!(diffs[0].to_string(), "arrays.a.values[2]: expected 2 got 7");
//! ```

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;

use crate::backend::{Backend, BackendError};
use crate::format::{ArrayRecord, Bound, Observation, Program, StepOutcome};

/// How much of two observations must agree. Levels are cumulative: each one
/// compares everything the previous one does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    /// Outcomes, bound names, shapes, values and scalars.
    Values,
    /// + which names share memory and writeability.
    Aliasing,
    /// + strides and offsets that matter, owndata, contiguity, may_share_memory.
    Layout,
    /// + every stride and offset, and warning classes.
    #[default]
    Exact,
}

/// Every level, from weakest to strongest.
pub const LEVELS: [Level; 4] = [Level::Values, Level::Aliasing, Level::Layout, Level::Exact];

impl Level {
    /// The level's name as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Values => "values",
            Level::Aliasing => "aliasing",
            Level::Layout => "layout",
            Level::Exact => "exact",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an unknown level name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownLevel(pub String);

impl fmt::Display for UnknownLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown level {:?} (expected values, aliasing, layout or exact)",
            self.0
        )
    }
}

impl std::error::Error for UnknownLevel {}

impl FromStr for Level {
    type Err = UnknownLevel;

    fn from_str(s: &str) -> Result<Level, UnknownLevel> {
        LEVELS
            .iter()
            .copied()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownLevel(s.to_string()))
    }
}

/// One place where two observations disagree.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Difference {
    /// Where, e.g. `steps[3]`, `arrays.b.strides[1]`, `shares_memory`.
    pub path: String,
    /// What the expected observation (normally NumPy's) has there.
    pub expected: String,
    /// What the other observation has there.
    pub got: String,
}

impl Difference {
    fn new(path: impl Into<String>, expected: impl Into<String>, got: impl Into<String>) -> Self {
        Difference {
            path: path.into(),
            expected: expected.into(),
            got: got.into(),
        }
    }
}

impl fmt::Display for Difference {
    /// `path: expected X got Y`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {} got {}",
            self.path, self.expected, self.got
        )
    }
}

/// How many differing elements of one array are listed one by one; the rest
/// are summarised in a single entry.
pub const MAX_VALUE_DIFFS: usize = 5;

/// Compares `got` against `expected` at `level`; an empty result means they
/// agree. Differences are listed in document order: format error, steps,
/// arrays (in `expected`'s binding order, then names only `got` binds),
/// `shares_memory`, `may_share_memory`.
pub fn compare(expected: &Observation, got: &Observation, level: Level) -> Vec<Difference> {
    let mut out = Vec::new();
    match (&expected.format_error, &got.format_error) {
        (Some(_), Some(_)) => return out,
        (Some(e), None) => {
            out.push(Difference::new(
                "format_error",
                format!("a format error ({e})"),
                "a run",
            ));
            return out;
        }
        (None, Some(g)) => {
            out.push(Difference::new(
                "format_error",
                "a run",
                format!("a format error ({g})"),
            ));
            return out;
        }
        (None, None) => {}
    }
    compare_steps(expected, got, level, &mut out);
    compare_arrays(expected, got, level, &mut out);
    if level >= Level::Aliasing {
        compare_pairs(
            "shares_memory",
            &expected.shares_memory,
            &got.shares_memory,
            expected,
            got,
            &mut out,
        );
    }
    if level >= Level::Layout {
        compare_pairs(
            "may_share_memory",
            &expected.may_share_memory,
            &got.may_share_memory,
            expected,
            got,
            &mut out,
        );
    }
    out
}

fn outcome_str(o: &StepOutcome) -> String {
    match o {
        StepOutcome::Ok { .. } => "ok".into(),
        StepOutcome::Error(c) => format!("error {c}"),
        StepOutcome::Skipped => "skipped".into(),
    }
}

fn compare_steps(
    expected: &Observation,
    got: &Observation,
    level: Level,
    out: &mut Vec<Difference>,
) {
    if expected.steps.len() != got.steps.len() {
        out.push(Difference::new(
            "steps",
            format!("{} step records", expected.steps.len()),
            format!("{} step records", got.steps.len()),
        ));
    }
    for (i, (e, g)) in expected.steps.iter().zip(&got.steps).enumerate() {
        let path = format!("steps[{i}]");
        match (&e.outcome, &g.outcome) {
            (StepOutcome::Ok { warning: we }, StepOutcome::Ok { warning: wg }) => {
                if level >= Level::Exact && we != wg {
                    let w = |w: &Option<String>| w.clone().unwrap_or_else(|| "no warning".into());
                    out.push(Difference::new(format!("{path}.warning"), w(we), w(wg)));
                }
            }
            (a, b) if a == b => {}
            (a, b) => out.push(Difference::new(path, outcome_str(a), outcome_str(b))),
        }
    }
}

fn bound_str(b: &Bound) -> String {
    match b {
        Bound::Scalar(s) => format!("scalar {s}"),
        Bound::Array(a) => format!("array of shape {:?}", a.shape),
    }
}

/// For every name bound to an array in both observations, the names (among
/// those) that live in the same buffer in `obs`.
fn buffer_groups(obs: &Observation, names: &[&str]) -> HashMap<String, Vec<String>> {
    let buffer_of = |n: &str| match obs.get(n) {
        Some(Bound::Array(a)) => Some(a.buffer),
        _ => None,
    };
    let mut groups = HashMap::new();
    for &n in names {
        let b = buffer_of(n);
        let mates: Vec<String> = names
            .iter()
            .filter(|&&m| m != n && b.is_some() && buffer_of(m) == b)
            .map(|m| m.to_string())
            .collect();
        groups.insert(n.to_string(), mates);
    }
    groups
}

fn compare_arrays(
    expected: &Observation,
    got: &Observation,
    level: Level,
    out: &mut Vec<Difference>,
) {
    // Which names are bound, and to what kind of thing.
    let mut common_arrays: Vec<&str> = Vec::new();
    for (name, e) in &expected.arrays {
        let path = format!("arrays.{name}");
        match got.get(name) {
            None => out.push(Difference::new(path, bound_str(e), "unbound")),
            Some(g) => match (e, g) {
                (Bound::Scalar(x), Bound::Scalar(y)) => {
                    if x != y {
                        out.push(Difference::new(
                            format!("{path}.scalar"),
                            x.to_string(),
                            y.to_string(),
                        ));
                    }
                }
                (Bound::Array(_), Bound::Array(_)) => common_arrays.push(name),
                (e, g) => out.push(Difference::new(path, bound_str(e), bound_str(g))),
            },
        }
    }
    for (name, g) in &got.arrays {
        if expected.get(name).is_none() {
            out.push(Difference::new(
                format!("arrays.{name}"),
                "unbound",
                bound_str(g),
            ));
        }
    }
    let groups = (level >= Level::Aliasing).then(|| {
        (
            buffer_groups(expected, &common_arrays),
            buffer_groups(got, &common_arrays),
        )
    });
    for &name in &common_arrays {
        let (Some(Bound::Array(e)), Some(Bound::Array(g))) = (expected.get(name), got.get(name))
        else {
            continue;
        };
        compare_array(name, e, g, level, out);
        if let Some((ge, gg)) = &groups {
            let (me, mg) = (&ge[name], &gg[name]);
            if me != mg {
                let mates = |m: &Vec<String>| {
                    if m.is_empty() {
                        "a buffer of its own".to_string()
                    } else {
                        format!("the buffer of {}", m.join(", "))
                    }
                };
                out.push(Difference::new(
                    format!("arrays.{name}.buffer"),
                    mates(me),
                    mates(mg),
                ));
            }
        }
    }
}

fn list_str(v: &[i64]) -> String {
    const SHOWN: usize = 32;
    let mut s: Vec<String> = v.iter().take(SHOWN).map(|x| x.to_string()).collect();
    if v.len() > SHOWN {
        s.push(format!("... ({} in all)", v.len()));
    }
    format!("[{}]", s.join(", "))
}

fn compare_array(
    name: &str,
    e: &ArrayRecord,
    g: &ArrayRecord,
    level: Level,
    out: &mut Vec<Difference>,
) {
    let path = format!("arrays.{name}");
    if e.shape != g.shape {
        out.push(Difference::new(
            format!("{path}.shape"),
            format!("{:?}", e.shape),
            format!("{:?}", g.shape),
        ));
    } else if e.values.len() != g.values.len() {
        out.push(Difference::new(
            format!("{path}.values"),
            format!("{} values", e.values.len()),
            format!("{} values", g.values.len()),
        ));
    } else {
        let differing: Vec<usize> = (0..e.values.len())
            .filter(|&i| e.values[i] != g.values[i])
            .collect();
        for &i in differing.iter().take(MAX_VALUE_DIFFS) {
            out.push(Difference::new(
                format!("{path}.values[{i}]"),
                e.values[i].to_string(),
                g.values[i].to_string(),
            ));
        }
        if differing.len() > MAX_VALUE_DIFFS {
            out.push(Difference::new(
                format!("{path}.values[+{} more]", differing.len() - MAX_VALUE_DIFFS),
                list_str(&e.values),
                list_str(&g.values),
            ));
        }
    }
    let flag = |out: &mut Vec<Difference>, key: &str, a: bool, b: bool| {
        if a != b {
            out.push(Difference::new(
                format!("{path}.{key}"),
                a.to_string(),
                b.to_string(),
            ));
        }
    };
    if level >= Level::Aliasing {
        flag(out, "writeable", e.writeable, g.writeable);
    }
    if level >= Level::Layout {
        let same_shape = e.shape == g.shape;
        if e.strides.len() != g.strides.len() {
            out.push(Difference::new(
                format!("{path}.strides"),
                format!("{:?}", e.strides),
                format!("{:?}", g.strides),
            ));
        } else if same_shape {
            for (i, (se, sg)) in e.strides.iter().zip(&g.strides).enumerate() {
                let matters = level >= Level::Exact || e.shape.get(i).is_some_and(|&n| n > 1);
                if matters && se != sg {
                    out.push(Difference::new(
                        format!("{path}.strides[{i}]"),
                        se.to_string(),
                        sg.to_string(),
                    ));
                }
            }
        }
        let nonempty = e.shape.iter().all(|&n| n > 0) && g.shape.iter().all(|&n| n > 0);
        if (level >= Level::Exact || nonempty) && e.offset != g.offset {
            out.push(Difference::new(
                format!("{path}.offset"),
                e.offset.to_string(),
                g.offset.to_string(),
            ));
        }
        flag(out, "owndata", e.owndata, g.owndata);
        flag(out, "c_contiguous", e.c_contiguous, g.c_contiguous);
        flag(out, "f_contiguous", e.f_contiguous, g.f_contiguous);
    }
}

/// Pairs are compared as unordered sets, restricted to names that are arrays
/// in both observations (a name bound in only one is reported under
/// `arrays` already).
fn compare_pairs(
    key: &str,
    expected: &[(String, String)],
    got: &[(String, String)],
    eo: &Observation,
    go: &Observation,
    out: &mut Vec<Difference>,
) {
    let is_common = |n: &str| {
        matches!(eo.get(n), Some(Bound::Array(_))) && matches!(go.get(n), Some(Bound::Array(_)))
    };
    let norm = |pairs: &[(String, String)]| -> BTreeSet<(String, String)> {
        pairs
            .iter()
            .filter(|(a, b)| is_common(a) && is_common(b))
            .map(|(a, b)| {
                if a <= b {
                    (a.clone(), b.clone())
                } else {
                    (b.clone(), a.clone())
                }
            })
            .collect()
    };
    let (se, sg) = (norm(expected), norm(got));
    // Report in the expected observation's binding order.
    let rank: HashMap<&str, usize> = eo
        .arrays
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.as_str(), i))
        .collect();
    let mut missing: Vec<&(String, String)> = se.difference(&sg).collect();
    let mut extra: Vec<&(String, String)> = sg.difference(&se).collect();
    let key_of = |p: &&(String, String)| {
        let (a, b) = (rank[p.0.as_str()], rank[p.1.as_str()]);
        (a.min(b), a.max(b))
    };
    missing.sort_by_key(key_of);
    extra.sort_by_key(key_of);
    let show = |p: &(String, String)| {
        let (a, b) = if rank[p.0.as_str()] <= rank[p.1.as_str()] {
            (&p.0, &p.1)
        } else {
            (&p.1, &p.0)
        };
        format!("[{a:?}, {b:?}]")
    };
    for p in missing {
        out.push(Difference::new(key, show(p), "no such pair"));
    }
    for p in extra {
        out.push(Difference::new(key, "no such pair", show(p)));
    }
}

/// The first step after which the two backends' observations differ at
/// `level`, found by running the prefixes `steps[..=k]` for k = 0, 1, ...
/// A backend failure (an `Err` or a panic) on a prefix counts as a
/// difference there. `None` when every prefix agrees (including the whole
/// program).
pub fn first_divergent_step(
    program: &Program,
    expected: &dyn Backend,
    got: &dyn Backend,
    level: Level,
) -> Option<usize> {
    (0..program.steps.len()).find(|&k| {
        let prefix = Program {
            name: None,
            note: None,
            steps: program.steps[..=k].to_vec(),
        };
        match (guarded_run(expected, &prefix), guarded_run(got, &prefix)) {
            (Ok(e), Ok(g)) => !compare(&e, &g, level).is_empty(),
            _ => true,
        }
    })
}

thread_local! {
    static IN_BACKEND: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs (once) a panic hook that stays silent for panics raised inside
/// [`guarded_run`] (they are reported as [`BackendError`]s instead) and
/// delegates every other panic to the previous hook.
pub fn silence_backend_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_BACKEND.with(|f| f.get()) {
                previous(info);
            }
        }));
    });
}

/// Runs `program` on `backend`, turning a panic that escapes the backend into
/// a [`BackendError`] so that callers never abort.
pub fn guarded_run(
    backend: &dyn Backend,
    program: &Program,
) -> Result<crate::format::Observation, BackendError> {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            IN_BACKEND.with(|f| f.set(self.0));
        }
    }
    let _reset = Reset(IN_BACKEND.with(|f| f.replace(true)));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| backend.run(program))).unwrap_or_else(
        |payload| {
            Err(BackendError {
                backend: backend.name().to_string(),
                message: format!("panic: {}", crate::backend::panic_message(payload.as_ref())),
            })
        },
    )
}
