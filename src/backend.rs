//! Backends: something that runs a format-1 program and reports what it saw.
//!
//! [`StridedBackend`] runs programs on `viewcheck-arrays`; `NumpyBackend`
//! (feature `oracle`) runs them in the embedded NumPy. Both produce the same
//! [`Observation`] structure, so one comparator serves every pair.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use viewcheck_arrays as va;

use crate::format::{
    ArrayRecord, Bound, Item, Observation, Order, Program, Step, StepOutcome, StepRecord, Value,
    PROGRAM_ELEMENT_LIMIT,
};

/// A backend failed to produce an observation at all (as opposed to a step
/// raising, which is part of the observation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendError {
    /// Which backend.
    pub backend: String,
    /// What went wrong, e.g. a panic message or a Python traceback.
    pub message: String,
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "backend `{}` failed: {}", self.backend, self.message)
    }
}

impl std::error::Error for BackendError {}

/// What a [`BackendError`] message starts with when the backend cannot
/// express the program (not a failure).
pub const UNSUPPORTED: &str = "unsupported: ";

impl BackendError {
    /// The backend cannot express the program: `reason` says why.
    pub fn unsupported(backend: &str, reason: &str) -> BackendError {
        BackendError {
            backend: backend.to_string(),
            message: format!("{UNSUPPORTED}{reason}"),
        }
    }

    /// What kind of failure this is: `unsupported`, `crash` or `timeout`
    /// (a supervised process died or hung: the messages of
    /// [`crate::supervise::Fault`]), or `error` for anything else.
    pub fn class(&self) -> &'static str {
        let m = self.message.as_str();
        if m.starts_with(UNSUPPORTED) {
            "unsupported"
        } else if m.starts_with("crash: ") {
            "crash"
        } else if m.starts_with("timeout: ") {
            "timeout"
        } else {
            "error"
        }
    }
}

/// Runs format-1 programs.
pub trait Backend {
    /// Short name used in reports (`strided`, `numpy`).
    fn name(&self) -> &str;
    /// Runs one validated program.
    fn run(&self, program: &Program) -> Result<Observation, BackendError>;
    /// What the backend supports and observes; comparisons leave out what
    /// it does not observe. Everything, unless it says otherwise.
    fn capabilities(&self) -> crate::protocol::Capabilities {
        crate::protocol::Capabilities::all()
    }
}

/// The strided crate, `viewcheck-arrays`.
#[derive(Clone, Copy, Debug, Default)]
pub struct StridedBackend;

impl Backend for StridedBackend {
    fn name(&self) -> &str {
        "strided"
    }

    /// Runs the program; a panic inside the crate becomes a [`BackendError`]
    /// naming the step, so a campaign never dies on it.
    fn run(&self, program: &Program) -> Result<Observation, BackendError> {
        let mut run = StridedRun::default();
        for step in &program.steps {
            if !run.step(step) {
                break;
            }
        }
        run.finish()
    }
}

/// A program running on the strided crate one step at a time: what
/// [`StridedBackend`] does, exposed so that a generator can run the steps it
/// makes and still get the backend's observation at the end (the
/// `differential` fuzz target runs every step once this way).
#[derive(Default)]
pub struct StridedRun {
    /// The names bound so far.
    pub env: Env,
    /// The record of every step that ran.
    pub records: Vec<StepRecord>,
    /// The panic that stopped the run: where, and the message.
    panic: Option<String>,
}

impl StridedRun {
    /// Runs `step`; `false` if it panicked (the run is then over: further
    /// steps are not run and [`StridedRun::finish`] reports the panic).
    pub fn step(&mut self, step: &Step) -> bool {
        if self.panic.is_some() {
            return false;
        }
        let env = &mut self.env;
        match catch_unwind(AssertUnwindSafe(|| run_step(env, step))) {
            Ok(record) => {
                self.records.push(record);
                true
            }
            Err(payload) => {
                let i = self.records.len();
                self.panic = Some(format!(
                    "panic at steps[{i}] ({}): {}",
                    step.op(),
                    panic_message(payload.as_ref())
                ));
                false
            }
        }
    }

    /// The observation of the final state, or the panic of a step (or of
    /// the observation itself) as a [`BackendError`].
    pub fn finish(self) -> Result<Observation, BackendError> {
        let fail = |message| BackendError {
            backend: "strided".into(),
            message,
        };
        if let Some(message) = self.panic {
            return Err(fail(message));
        }
        let StridedRun { env, records, .. } = self;
        catch_unwind(AssertUnwindSafe(|| observe(&env, records))).map_err(|payload| {
            fail(format!(
                "panic at the final observation: {}",
                panic_message(payload.as_ref())
            ))
        })
    }
}

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic payload".into())
}

fn order(o: Order) -> va::Order {
    match o {
        Order::C => va::Order::C,
        Order::F => va::Order::F,
        Order::A => va::Order::A,
        Order::K => va::Order::K,
    }
}

/// Converts format-1 index items to the crate's [`va::Index`].
pub fn to_index(items: &[Item]) -> Vec<va::Index> {
    items
        .iter()
        .map(|item| match item {
            Item::Int(i) => va::Index::Int(*i),
            Item::Slice(a, b, c) => va::Index::Slice(*a, *b, *c),
            Item::NewAxis => va::Index::NewAxis,
            Item::Ellipsis => va::Index::Ellipsis,
            Item::Array(a) => va::Index::Array {
                shape: a.shape.clone(),
                data: a.data.clone(),
            },
            Item::Mask(m) => va::Index::Mask {
                shape: m.shape.clone(),
                data: m.data.clone(),
            },
        })
        .collect()
}

/// What a name is bound to while a program runs.
#[derive(Clone, Debug)]
pub enum Binding {
    /// An array (a view or an owner).
    Array(va::Array),
    /// A NumPy scalar.
    Scalar(i64),
}

/// The environment of a running program: bound names in binding order.
///
/// A list, not a map: programs bind a few dozen short names, and a lookup
/// by comparing them is cheaper than hashing (this runs several times per
/// step, on the fuzzing hot path).
#[derive(Default)]
pub struct Env {
    bound: Vec<(String, Binding)>,
    /// Elements of all bound arrays, for [`PROGRAM_ELEMENT_LIMIT`].
    elements: usize,
}

impl Env {
    /// An empty environment with room for `n` names.
    pub fn with_capacity(n: usize) -> Env {
        Env {
            bound: Vec::with_capacity(n),
            elements: 0,
        }
    }
    /// The binding of `name`, if bound.
    pub fn get(&self, name: &str) -> Option<&Binding> {
        self.bound
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b)
    }
    /// Unbinds every name (keeping the room for them).
    pub fn clear(&mut self) {
        self.bound.clear();
        self.elements = 0;
    }
    /// Binds `name` (names are bound once).
    pub fn bind(&mut self, name: &str, b: Binding) {
        self.elements += elements(&b);
        self.bound.push((name.to_string(), b));
    }
    /// The elements of all bound arrays: each view counts its own size (its
    /// values are all in the observation), a scalar counts nothing.
    pub fn elements(&self) -> usize {
        self.elements
    }
    /// Bound names in binding order with their bindings.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Binding)> {
        self.bound.iter().map(|(n, b)| (n.as_str(), b))
    }
}

/// Runs one step on the environment and returns its record. Exposed so that
/// generators can track state step by step.
pub fn run_step(env: &mut Env, step: &Step) -> StepRecord {
    // Any name used that is unbound (its step failed or was skipped), or a
    // scalar used as src/dst, skips the step.
    let src = match step.src() {
        None => None,
        Some(name) => match env.get(name) {
            Some(Binding::Array(a)) => Some(a.clone()),
            _ => return StepRecord::skipped(),
        },
    };
    let value = match step {
        Step::Assign { value, .. } | Step::AddAssign { value, .. } => match value {
            Value::Scalar(s) => Some(Binding::Scalar(*s)),
            Value::Var(n) => match env.get(n) {
                Some(b) => Some(b.clone()),
                None => return StepRecord::skipped(),
            },
        },
        _ => None,
    };
    let x = || src.as_ref().expect("step has a source");
    let result: Result<Option<Binding>, va::Error> = match step {
        Step::Array {
            shape, order: o, ..
        } => {
            let shape: Vec<usize> = shape.iter().map(|&e| e as usize).collect();
            va::Array::try_arange(&shape, order(*o)).map(arr)
        }
        Step::Index { index, .. } => x().get(&to_index(index)).map(|r| {
            Some(match r {
                va::Indexed::Array(a) => Binding::Array(a),
                va::Indexed::Scalar(s) => Binding::Scalar(s),
            })
        }),
        Step::Transpose { axes, .. } => x().transpose(axes.as_deref()).map(arr),
        Step::Swapaxes { axis1, axis2, .. } => x().swapaxes(*axis1, *axis2).map(arr),
        Step::Moveaxis {
            source,
            destination,
            ..
        } => x().moveaxis(source, destination).map(arr),
        Step::Reshape {
            shape,
            order: o,
            copy,
            ..
        } => x().reshape(shape, order(*o), *copy).map(arr),
        Step::Ravel { order: o, .. } => Ok(arr(x().ravel(order(*o)))),
        Step::Flatten { order: o, .. } => Ok(arr(x().flatten(order(*o)))),
        Step::Squeeze { axis, .. } => x().squeeze(axis.as_deref()).map(arr),
        Step::ExpandDims { axis, .. } => x().expand_dims(axis).map(arr),
        Step::BroadcastTo { shape, .. } => x().broadcast_to(shape).map(arr),
        Step::Diagonal {
            offset,
            axis1,
            axis2,
            ..
        } => x().diagonal(*offset, *axis1, *axis2).map(arr),
        Step::Copy { order: o, .. } => Ok(arr(x().copy(order(*o)))),
        Step::Asarray { order: o, .. } => Ok(arr(x().asarray(order(*o)))),
        Step::Assign { index, .. } | Step::AddAssign { index, .. } => {
            let v = match value.as_ref().expect("write has a value") {
                Binding::Scalar(s) => va::Value::Scalar(*s),
                Binding::Array(a) => va::Value::Array(a),
            };
            let index = to_index(index);
            let r = if matches!(step, Step::Assign { .. }) {
                x().assign(&index, v).map(|()| None)
            } else {
                x().add_assign(&index, v)
            };
            return match r {
                Ok(warning) => StepRecord {
                    outcome: StepOutcome::Ok {
                        warning: warning.map(|w| w.class_name().to_string()),
                    },
                    extra: Default::default(),
                },
                Err(e) => StepRecord::error(e.kind.class_name()),
            };
        }
    };
    match result {
        Ok(bound) => {
            if let (Some(out), Some(b)) = (step.out(), bound) {
                // Format 1.1's per-program budget, decided after the step
                // succeeded (the per-step limit came first, inside the crate).
                if env.elements() + elements(&b) > PROGRAM_ELEMENT_LIMIT {
                    return StepRecord::error("LimitExceeded");
                }
                env.bind(out, b);
            }
            StepRecord::ok()
        }
        Err(e) => StepRecord::error(e.kind.class_name()),
    }
}

fn elements(b: &Binding) -> usize {
    match b {
        Binding::Array(a) => a.size(),
        Binding::Scalar(_) => 0,
    }
}

fn arr(a: va::Array) -> Option<Binding> {
    Some(Binding::Array(a))
}

/// The observation of a finished program: final state of every bound name,
/// owning buffers numbered by first appearance, and the sharing pairs.
pub fn observe(env: &Env, steps: Vec<StepRecord>) -> Observation {
    let mut buffers: Vec<usize> = Vec::new();
    let mut arrays = Vec::new();
    let mut named: Vec<(&str, &va::Array)> = Vec::new();
    for (name, b) in env.iter() {
        let bound = match b {
            Binding::Scalar(s) => Bound::Scalar(*s),
            Binding::Array(a) => {
                named.push((name, a));
                let id = a.buffer_id();
                let buffer = match buffers.iter().position(|&b| b == id) {
                    Some(k) => k,
                    None => {
                        buffers.push(id);
                        buffers.len() - 1
                    }
                };
                Bound::Array(ArrayRecord {
                    shape: a.shape().to_vec(),
                    strides: a.strides().iter().map(|&s| s as i64).collect(),
                    offset: a.offset() as i64,
                    buffer,
                    owndata: a.owndata(),
                    writeable: a.writeable(),
                    c_contiguous: a.is_c_contiguous(),
                    f_contiguous: a.is_f_contiguous(),
                    values: a.to_vec(),
                })
            }
        };
        arrays.push((name.to_string(), bound));
    }
    let mut shares = Vec::new();
    let mut may = Vec::new();
    for i in 0..named.len() {
        for j in i + 1..named.len() {
            let (a, b) = (named[i].1, named[j].1);
            let pair = (named[i].0.to_string(), named[j].0.to_string());
            if va::may_share_memory(a, b) {
                may.push(pair.clone());
                if va::shares_memory(a, b) {
                    shares.push(pair);
                }
            }
        }
    }
    Observation {
        format_error: None,
        steps,
        arrays,
        shares_memory: shares,
        may_share_memory: may,
        extra: Default::default(),
    }
}

/// The embedded NumPy oracle (`viewcheck-oracle`).
#[cfg(feature = "oracle")]
#[derive(Clone, Copy, Debug, Default)]
pub struct NumpyBackend;

#[cfg(feature = "oracle")]
impl NumpyBackend {
    /// Starts (once per process) the embedded interpreter and NumPy; the
    /// error says how to provide NumPy when it is missing.
    pub fn new() -> Result<NumpyBackend, BackendError> {
        viewcheck_oracle::Oracle::global().map_err(|e| BackendError {
            backend: "numpy".into(),
            message: e.to_string(),
        })?;
        Ok(NumpyBackend)
    }

    /// The NumPy version the oracle runs.
    pub fn numpy_version(&self) -> String {
        viewcheck_oracle::Oracle::global()
            .map(|o| o.numpy_version().to_string())
            .unwrap_or_default()
    }
}

#[cfg(feature = "oracle")]
impl Backend for NumpyBackend {
    fn name(&self) -> &str {
        "numpy"
    }

    fn run(&self, program: &Program) -> Result<Observation, BackendError> {
        run_numpy(program, viewcheck_oracle::Writes::Documented)
    }
}

/// NumPy as an implementation under test: like [`NumpyBackend`], but every
/// write keeps what NumPy's own statement did (`--writes raw`), unmarked,
/// so NumPy's write bugs show as divergences from the documented answers.
#[cfg(feature = "oracle")]
#[derive(Clone, Copy, Debug, Default)]
pub struct RawNumpyBackend;

#[cfg(feature = "oracle")]
impl Backend for RawNumpyBackend {
    fn name(&self) -> &str {
        "numpy"
    }

    fn run(&self, program: &Program) -> Result<Observation, BackendError> {
        run_numpy(program, viewcheck_oracle::Writes::Raw)
    }
}

#[cfg(feature = "oracle")]
fn run_numpy(
    program: &Program,
    writes: viewcheck_oracle::Writes,
) -> Result<Observation, BackendError> {
    let fail = |message: String| BackendError {
        backend: "numpy".into(),
        message,
    };
    let oracle = viewcheck_oracle::Oracle::global().map_err(|e| fail(e.to_string()))?;
    let json = oracle
        .run_with(&program.to_json(), writes)
        .map_err(|e| fail(e.to_string()))?;
    Observation::from_json(&json)
        .map_err(|e| fail(format!("the oracle returned a malformed observation: {e}")))
}

/// Runs a JSON line on a backend: malformed programs give a `format_error`
/// observation instead of an error.
pub fn run_line(backend: &dyn Backend, line: &str) -> Result<Observation, BackendError> {
    match Program::parse(line) {
        Ok(p) => backend.run(&p),
        Err(e) => Ok(Observation::rejected(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::MAX_ELEMENTS;

    fn run(program: serde_json::Value) -> Observation {
        let program = Program::parse(&program.to_string()).expect("valid program");
        StridedBackend.run(&program).expect("program runs")
    }

    fn outcomes(obs: &Observation) -> Vec<String> {
        obs.steps
            .iter()
            .map(|s| match &s.outcome {
                StepOutcome::Ok { .. } => "ok".to_string(),
                StepOutcome::Error(class) => class.clone(),
                StepOutcome::Skipped => "skipped".to_string(),
            })
            .collect()
    }

    fn names(obs: &Observation) -> Vec<&str> {
        obs.arrays.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn the_budget_admits_exactly_its_limit_and_refuses_the_next_element() {
        let full = MAX_ELEMENTS;
        assert_eq!(4 * full as usize, PROGRAM_ELEMENT_LIMIT);
        let obs = run(serde_json::json!({"format": 1, "steps": [
            {"op": "array", "out": "a", "shape": [full]},
            {"op": "array", "out": "b", "shape": [full]},
            {"op": "index", "out": "s", "src": "a", "index": [3]},
            // The same object as `a`, observed again: it counts again.
            {"op": "asarray", "out": "c", "src": "a"},
            {"op": "index", "out": "one", "src": "a", "index": [{"slice": [0, 1, null]}]},
            // Counts its full size, not the one element it views.
            {"op": "broadcast_to", "out": "w", "src": "one", "shape": [full - 1]},
            {"op": "copy", "out": "x", "src": "one"},
            {"op": "transpose", "out": "y", "src": "x", "axes": null},
            {"op": "index", "out": "z", "src": "b", "index": [5]},
            {"op": "assign", "dst": "a", "index": [0], "value": {"scalar": 7}},
        ]}));
        assert_eq!(
            outcomes(&obs),
            [
                "ok",
                "ok",
                "ok",
                "ok",
                "ok",
                "ok",
                "LimitExceeded",
                "skipped",
                "ok",
                "ok"
            ]
        );
        assert_eq!(names(&obs), ["a", "b", "s", "c", "one", "w", "z"]);
    }

    #[test]
    fn a_step_over_the_budget_binds_nothing_and_the_budget_is_per_program() {
        let full = MAX_ELEMENTS;
        let steps: Vec<_> = (0..6)
            .map(|i| serde_json::json!({"op": "array", "out": format!("a{i}"), "shape": [full]}))
            .chain([serde_json::json!({"op": "index", "out": "b", "src": "a4", "index": []})])
            .collect();
        let program = serde_json::json!({"format": 1, "steps": steps});
        let obs = run(program.clone());
        assert_eq!(
            outcomes(&obs),
            [
                "ok",
                "ok",
                "ok",
                "ok",
                "LimitExceeded",
                "LimitExceeded",
                "skipped"
            ]
        );
        assert_eq!(names(&obs), ["a0", "a1", "a2", "a3"]);
        // A fresh run starts from an empty budget.
        assert_eq!(outcomes(&run(program)), outcomes(&obs));
    }

    #[test]
    fn a_cleared_env_forgets_its_elements() {
        let mut env = Env::with_capacity(2);
        env.bind(
            "a",
            Binding::Array(va::Array::arange(&[3, 4], va::Order::C)),
        );
        env.bind("s", Binding::Scalar(1));
        assert_eq!(env.elements(), 12);
        env.clear();
        assert_eq!(env.elements(), 0);
    }

    #[test]
    fn hard_overlap_questions_get_numpys_answers() {
        // The oracle test of the same name has NumPy's (unbounded) answers:
        // every pair shares but (d0, d1).
        let mut steps = vec![serde_json::json!({"op": "array", "out": "a", "shape": vec![2; 20]})];
        for (out, offset, axis1, axis2) in [("d0", 0, 1, 19), ("d1", 1, 1, 19), ("d2", 0, 17, 16)] {
            steps.push(serde_json::json!({"op": "diagonal", "out": out, "src": "a",
                                          "offset": offset, "axis1": axis1, "axis2": axis2}));
        }
        let obs = run(serde_json::json!({"format": 1, "steps": steps}));
        let pairs: Vec<(&str, &str)> = obs
            .shares_memory
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("a", "d0"),
                ("a", "d1"),
                ("a", "d2"),
                ("d0", "d2"),
                ("d1", "d2")
            ]
        );
    }
}
