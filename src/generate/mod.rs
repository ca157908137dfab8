//! The program generator shared by the `check` campaign, the proptest
//! properties and cargo-fuzz.
//!
//! [`generate`] turns an [`arbitrary::Unstructured`] byte stream into a
//! format-1 [`Program`]; [`program_for_case`] derives that byte stream
//! deterministically from a `(seed, case)` pair, so every case of a campaign
//! can be regenerated from two numbers.
//!
//! # Design
//!
//! The generator *runs* every step it emits on the strided backend
//! ([`backend::run_step`] on an [`Env`], or through whatever [`Runner`] it
//! is given — the invariant checker is one), so at each point it knows the
//! shape, strides, writeability and aliasing of every bound name, which
//! names are scalars, and which steps failed (their `out` is structurally
//! bound but unbound at run time). It uses that knowledge to pick arguments
//! that fit: axes within range, reshape shapes that are factorizations of
//! the size, index arrays within bounds and broadcast-compatible, masks of
//! the right shape whose counts agree with the other index arrays, values
//! whose shape broadcasts to the indexed target, and so on.
//!
//! With probability [`GenConfig::invalid_rate`] a step is deliberately made
//! semantically invalid (out-of-range axis, bad reshape size, two unknown
//! dimensions, out-of-bounds integer or index array, mismatched mask,
//! non-broadcastable index arrays, too many indices, a second ellipsis, a
//! zero slice step, a shape-mismatched value, a read-only destination, a bad
//! broadcast target, ...) so that error classes get compared too. With
//! probability [`GenConfig::skip_rate`] a step uses a name whose step failed
//! or that is bound to a scalar, so that `skipped` outcomes are exercised.
//!
//! The choices are weighted toward the places implementations get wrong:
//! sources are preferably recent results (views of views) or arrays with
//! negative or zero strides, non-C layouts, size-0 and size-1 axes, or
//! read-only flags; slices often have negative steps and out-of-range
//! bounds; fancy indices are often separated by slices (the transposed
//! result rule), have duplicate targets in writes, or broadcast against each
//! other; write values are often views overlapping the destination.
//!
//! Every program the generator returns is structurally valid
//! (`Program::from_json(&p.to_json())` accepts it and gives back `p`); no
//! JSON is built during generation. If the strided backend panics on a step
//! (or the runner says stop), generation stops right after that step, so the
//! program reproduces the panic. When the byte stream runs out the program
//! ends: a fuzz input of a few bytes is a program of a few steps, rather
//! than one padded with identical default steps.
//!
//! ```
//! use viewcheck::generate::{program_for_case, GenConfig};
//! use viewcheck::format::Program;
//! let cfg = GenConfig::default();
//! let p = program_for_case(1, 2, &cfg);
//! assert_eq!(p, program_for_case(1, 2, &cfg)); // deterministic
//! assert_eq!(Program::from_json(&p.to_json()).unwrap(), p);
//! ```

use std::panic::{catch_unwind, AssertUnwindSafe};

use arbitrary::Unstructured;
use viewcheck_arrays::{Array, Indexed};

use crate::backend::{self, Binding, Env, StridedRun};
use crate::format::{Item, NdList, Order, Program, Step, Value, MAX_INT};

/// The number of elements of `shape`, saturating: extents up to 2^20 on
/// many axes overflow `usize`, and an overflowed product would let a huge
/// shape pass for a small one.
fn size(shape: &[usize]) -> usize {
    if shape.contains(&0) {
        return 0;
    }
    shape
        .iter()
        .try_fold(1usize, |n, &e| n.checked_mul(e))
        .unwrap_or(usize::MAX)
}

/// Knobs of the generator. The defaults keep arrays small (at most 4 axes of
/// extent at most 5, or now and then one or two axes of extent up to 24, and
/// at most 200 elements at creation) and programs short (4 to 20 steps),
/// which is where the interesting layouts are dense.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenConfig {
    /// Fewest steps of a program (helper steps included).
    pub min_steps: usize,
    /// Most steps of a program (helper steps included; at most 1,024).
    pub max_steps: usize,
    /// Most axes of an `array` step (views may add a few through `newaxis`,
    /// `expand_dims`, `broadcast_to` and reshapes).
    pub max_ndim: usize,
    /// Largest extent of an `array` step.
    pub max_extent: usize,
    /// Most elements of an `array` or `broadcast_to` result.
    pub max_elements: usize,
    /// Most elements of the broadcast shape of the index arrays of one index.
    pub max_index_elements: usize,
    /// Probability (0..1) that an `array` step instead has one or two long
    /// axes (extents up to [`GenConfig::long_extent`], still at most
    /// `max_elements` elements), so that strides and offsets get large
    /// enough for non-trivial overlap problems.
    pub long_rate: f64,
    /// Largest extent of a long axis.
    pub long_extent: usize,
    /// Probability (0..1) that a step is made deliberately invalid.
    pub invalid_rate: f64,
    /// Probability (0..1) that a step uses a failed or scalar name as its
    /// source, destination or value (so that it is skipped, or uses a scalar
    /// value).
    pub skip_rate: f64,
    /// Only these ops (an implementation's capabilities); `None`: all. A
    /// step the implementation could not run is not made, and neither is
    /// any step that would use its result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ops: Option<Vec<String>>,
    /// Only these index kinds (see [`Step::index_kinds`]); `None`: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_kinds: Option<Vec<String>>,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            min_steps: 4,
            max_steps: 20,
            max_ndim: 4,
            max_extent: 5,
            max_elements: 200,
            max_index_elements: 12,
            long_rate: 0.1,
            long_extent: 24,
            invalid_rate: 0.1,
            skip_rate: 0.03,
            ops: None,
            index_kinds: None,
        }
    }
}

impl GenConfig {
    /// Whether `step` is within the configured ops and index kinds.
    fn allows(&self, step: &Step) -> bool {
        self.ops
            .as_ref()
            .is_none_or(|ops| ops.iter().any(|o| o == step.op()))
            && self.index_kinds.as_ref().is_none_or(|kinds| {
                step.index_kinds()
                    .iter()
                    .all(|k| kinds.iter().any(|x| x == k))
            })
    }
}

/// How many bytes [`program_for_case`] feeds to [`generate`]: several times
/// what a default-config program consumes (a few hundred bytes on average,
/// under 1 KiB in 5,000 samples).
pub const CASE_BYTES: usize = 4096;

/// The SplitMix64 step: advances `state` and returns the next output.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The program of case `case` of a campaign with seed `seed`: a SplitMix64
/// byte stream derived from both numbers, fed to [`generate`].
pub fn program_for_case(seed: u64, case: u64, cfg: &GenConfig) -> Program {
    let mut s = seed;
    let mixed = splitmix64(&mut s) ^ case.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    let mut state = mixed;
    let _ = splitmix64(&mut state);
    let mut bytes = Vec::with_capacity(CASE_BYTES);
    while bytes.len() < CASE_BYTES {
        bytes.extend_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    let mut u = Unstructured::new(&bytes);
    generate(&mut u, cfg).unwrap_or_default()
}

/// Generates one structurally valid program from `u` (see the module
/// documentation). The steps run on the strided backend as they are made.
///
/// The byte stream running out ends the program (after at least one step):
/// every further choice would take its first alternative, so the steps
/// would repeat and say nothing new. A short fuzz input therefore stands for
/// a short program.
pub fn generate(u: &mut Unstructured, cfg: &GenConfig) -> arbitrary::Result<Program> {
    let mut runner = StridedRun::default();
    Ok(generate_with(u, cfg, &mut runner))
}

/// Where the generator runs the steps it makes, and whose state it reads to
/// make the next one. [`generate`] runs them on the strided backend
/// ([`StridedRun`]); the invariant checker runs them through its own checks,
/// so a fuzz target executes every step once, not once to generate and
/// again to check.
pub trait Runner {
    /// The names bound so far, as the steps run left them.
    fn env(&self) -> &Env;
    /// Runs `step` on [`Runner::env`]. `false` ends the program right after
    /// this step (the step panicked, or broke a property being checked).
    fn run(&mut self, step: &Step) -> bool;
}

/// The plain [`Runner`]: the steps run as [`StridedBackend`](backend::StridedBackend)
/// runs them; a panicking step ends the program.
impl Runner for StridedRun {
    fn env(&self) -> &Env {
        &self.env
    }

    fn run(&mut self, step: &Step) -> bool {
        self.step(step)
    }
}

/// [`generate`] with the steps run by `runner`. The program is the same for
/// every runner that leaves the environment as [`backend::run_step`] does,
/// up to the step where the runner says stop (inclusive).
pub fn generate_with(u: &mut Unstructured, cfg: &GenConfig, runner: &mut dyn Runner) -> Program {
    let mut g = Gen {
        u,
        cfg,
        runner,
        steps: Vec::with_capacity(cfg.max_steps.clamp(1, 64)),
        stopped: false,
        dropped: Vec::new(),
    };
    let max = cfg.max_steps.clamp(1, crate::format::MAX_STEPS);
    let min = cfg.min_steps.clamp(1, max);
    let target = g.range(min as i64, max as i64) as usize;
    // Out of bytes ends the program, once it has a step; so does a
    // configuration that lets few of the attempted steps through.
    let mut attempts = 0;
    while g.steps.len() < target
        && !g.stopped
        && (g.steps.is_empty() || !g.u.is_empty())
        && attempts < 4 * target + 16
    {
        attempts += 1;
        g.step(max);
    }
    Program {
        name: None,
        note: None,
        steps: g.steps,
    }
}

/// The item whose slice of the cumulative weights holds `r` (`r` below the
/// total weight), or `None` past the end.
fn select<K>(mut r: u32, weighted: impl Iterator<Item = (K, u32)>) -> Option<K> {
    for (k, w) in weighted {
        if r < w {
            return Some(k);
        }
        r -= w;
    }
    None
}

/// Ops and their weights when a step is chosen.
const OP_WEIGHTS: [(&str, u32); 16] = [
    ("array", 5),
    ("index", 26),
    ("transpose", 6),
    ("swapaxes", 3),
    ("moveaxis", 3),
    ("reshape", 9),
    ("ravel", 4),
    ("flatten", 3),
    ("squeeze", 3),
    ("expand_dims", 3),
    ("broadcast_to", 5),
    ("diagonal", 4),
    ("copy", 3),
    ("asarray", 3),
    ("assign", 12),
    ("add_assign", 8),
];

const ORDERS: [Order; 4] = [Order::C, Order::F, Order::A, Order::K];

/// One entry of an index under construction: the item and, for items that
/// consume axes, the first array axis it consumes.
struct Slot {
    item: Item,
    axis: Option<usize>,
}

/// The source of a step: a bound array, or a name that makes it skip.
struct Src {
    name: String,
    array: Option<Array>,
}

struct Gen<'u, 'b, 'c, 'r> {
    u: &'u mut Unstructured<'b>,
    cfg: &'c GenConfig,
    runner: &'r mut dyn Runner,
    steps: Vec<Step>,
    /// The runner said stop: no further step is made or run.
    stopped: bool,
    /// Names of steps left out because the configuration does not allow
    /// them (or they use such a name).
    dropped: Vec<String>,
}

impl Gen<'_, '_, '_, '_> {
    // ---- randomness -------------------------------------------------------

    /// A uniform integer in `lo..=hi` (`lo` when the bytes run out).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        self.u.int_in_range(lo..=hi).unwrap_or(lo)
    }

    /// A uniform index below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        self.range(0, n as i64 - 1) as usize
    }

    /// True with probability `p`; false when the bytes have run out (the
    /// first alternative is "no").
    fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        (self.range(0, 9999) as f64) >= (1.0 - p) * 10000.0
    }

    fn pick<T: Clone>(&mut self, v: &[T]) -> T {
        v[self.below(v.len())].clone()
    }

    /// An index chosen with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let r = self.range(0, total as i64 - 1) as u32;
        select(r, weights.iter().copied().enumerate()).unwrap_or(weights.len() - 1)
    }

    fn order(&mut self) -> Order {
        let i = self.weighted(&[4, 3, 2, 2]);
        ORDERS[i]
    }

    // ---- environment ------------------------------------------------------

    fn fresh_name(&self) -> String {
        let i = self.bound_names().count();
        if i < 26 {
            ((b'a' + i as u8) as char).to_string()
        } else {
            format!("v{i}")
        }
    }

    /// The environment the steps made so far left.
    fn env(&self) -> &Env {
        self.runner.env()
    }

    /// Appends `step` and runs it. When the runner says stop (a panic, a
    /// broken property) the program ends with this step: later pushes are
    /// dropped.
    fn push(&mut self, step: Step) {
        if self.stopped {
            return;
        }
        let restricted = self.cfg.ops.is_some() || self.cfg.index_kinds.is_some();
        if restricted
            && (!self.cfg.allows(&step)
                || step
                    .uses()
                    .iter()
                    .any(|n| self.dropped.iter().any(|d| d == n)))
        {
            if let Some(out) = step.out() {
                self.dropped.push(out.to_string());
            }
            return;
        }
        if !self.runner.run(&step) {
            self.stopped = true;
        }
        self.steps.push(step);
    }

    /// Names that make a step using them skip as `src`/`dst`: names whose
    /// step failed or was skipped, and scalars.
    fn skip_names(&self) -> Vec<String> {
        self.bound_names()
            .filter(|n| !matches!(self.env().get(n), Some(Binding::Array(_))))
            .map(str::to_string)
            .collect()
    }

    /// Every name bound structurally (by any earlier step), in order.
    fn bound_names(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().filter_map(|s| s.out())
    }

    /// How many trap features an array has (negative or zero strides, a
    /// non-C layout, size-0 or size-1 axes, being a view, read-only).
    fn interest(a: &Array) -> u32 {
        let st = a.strides();
        let sh = a.shape();
        if a.size() <= 1 {
            // Empty and one-element arrays are traps too, but they are
            // easily reached and mask everything else.
            return 1;
        }
        let mut w = 2;
        if st.iter().zip(sh).any(|(&s, &n)| s < 0 && n > 1) {
            w += 2;
        }
        if st.iter().zip(sh).any(|(&s, &n)| s == 0 && n > 1) {
            w += 2;
        }
        if !a.is_c_contiguous() {
            w += 2;
        }
        if sh.iter().any(|&n| n <= 1) {
            w += 1;
        }
        if !a.owndata() {
            w += 1;
        }
        if !a.writeable() {
            w += 1;
        }
        w
    }

    /// An array satisfying `pred`: often the most recent one (views of
    /// views), otherwise weighted by [`Gen::interest`].
    fn pick_array(&mut self, pred: &dyn Fn(&Array) -> bool) -> Option<(String, Array)> {
        let limit = self.cfg.max_elements.max(1) * 8;
        // Two passes over the candidates instead of collecting them: this
        // runs for almost every step.
        let candidate = |b: &Binding| match b {
            Binding::Array(a) if pred(a) && a.size() <= limit => Some(Self::interest(a)),
            _ => None,
        };
        let mut total = 0u32;
        let mut last = None;
        let mut last_is_small = false;
        for (k, (_, b)) in self.env().iter().enumerate() {
            if let Some(w) = candidate(b) {
                total += w;
                last = Some(k);
                last_is_small = matches!(b, Binding::Array(a) if a.size() <= 1);
            }
        }
        let last = last?;
        let chosen = if self.chance(if last_is_small { 0.1 } else { 0.35 }) {
            last
        } else {
            let r = self.range(0, total as i64 - 1) as u32;
            let candidates = self
                .env()
                .iter()
                .enumerate()
                .filter_map(|(k, (_, b))| candidate(b).map(|w| (k, w)));
            select(r, candidates).unwrap_or(last)
        };
        self.env().iter().nth(chosen).and_then(|(n, b)| match b {
            Binding::Array(a) => Some((n.to_string(), a.clone())),
            Binding::Scalar(_) => None,
        })
    }

    /// The source of a non-write step: usually an array, sometimes (per
    /// `skip_rate`) a failed or scalar name.
    fn pick_src(&mut self) -> Option<Src> {
        if self.chance(self.cfg.skip_rate) {
            let skips = self.skip_names();
            if !skips.is_empty() {
                let name = self.pick(&skips);
                return Some(Src { name, array: None });
            }
        }
        self.pick_array(&|_| true).map(|(name, a)| Src {
            name,
            array: Some(a),
        })
    }

    // ---- shapes and axes --------------------------------------------------

    fn extent(&mut self, max: usize) -> usize {
        match self.range(0, 23) {
            0 => 0,
            1..=5 => 1,
            _ => self.range(2.min(max as i64), max as i64) as usize,
        }
    }

    /// A random array shape within the configured limits.
    fn gen_shape(&mut self) -> Vec<usize> {
        let mut shape: Vec<usize> = if self.cfg.max_ndim >= 1 && self.chance(self.cfg.long_rate) {
            let nd = 1 + self.below(self.cfg.max_ndim.min(2));
            let lo = self.cfg.max_extent.min(self.cfg.long_extent) as i64;
            (0..nd)
                .map(|_| self.range(lo, self.cfg.long_extent as i64) as usize)
                .collect()
        } else {
            let w = [1, 4, 5, 4, 3, 1];
            let nd = self.weighted(&w[..=self.cfg.max_ndim.min(5)]);
            (0..nd).map(|_| self.extent(self.cfg.max_extent)).collect()
        };
        // Halving the longest axis reaches the limit in a few steps even
        // from extents of 2^20 (decrementing would take millions).
        // An empty array's other extents are bounded too: masks and index
        // arrays over them must stay within format 1's limits.
        let nonzero = |shape: &[usize]| size(&shape.iter().map(|&e| e.max(1)).collect::<Vec<_>>());
        while size(&shape) > self.cfg.max_elements
            || nonzero(&shape) > self.cfg.max_elements.saturating_mul(16)
        {
            let (i, _) = shape
                .iter()
                .enumerate()
                .max_by_key(|(_, &e)| e)
                .expect("nonempty");
            shape[i] /= 2;
        }
        shape
    }

    /// An axis in `0..n` written as-is or (sometimes) negatively.
    fn repr_axis(&mut self, ax: usize, n: usize) -> i64 {
        if self.chance(0.25) {
            ax as i64 - n as i64
        } else {
            ax as i64
        }
    }

    /// An axis out of range for `n` axes.
    fn bad_axis(&mut self, n: usize) -> i64 {
        let n = n as i64;
        match self.below(4) {
            0 => n,
            1 => -n - 1,
            2 => n + 3,
            _ => MAX_INT,
        }
    }

    /// `k` distinct axes out of `0..n`, in random order.
    fn distinct(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..k.min(n) {
            let j = i + self.below(n - i);
            all.swap(i, j);
        }
        all.truncate(k.min(n));
        all
    }

    // ---- steps ------------------------------------------------------------

    fn step(&mut self, max_steps: usize) {
        if !self
            .env()
            .iter()
            .any(|(_, b)| matches!(b, Binding::Array(_)))
        {
            self.gen_array();
            return;
        }
        let weights: [u32; OP_WEIGHTS.len()] = OP_WEIGHTS.map(|(op, w)| match &self.cfg.ops {
            Some(ops) if !ops.iter().any(|o| o == op) => 0,
            _ => w,
        });
        if weights.iter().all(|&w| w == 0) {
            self.gen_array();
            return;
        }
        let op = OP_WEIGHTS[self.weighted(&weights)].0;
        if op == "array" {
            self.gen_array();
            return;
        }
        let invalid = self.chance(self.cfg.invalid_rate);
        if op == "assign" || op == "add_assign" {
            self.gen_write(op == "add_assign", invalid, max_steps);
            return;
        }
        let Some(Src { name, array }) = self.pick_src() else {
            self.gen_array();
            return;
        };
        let generated;
        let shape: &[usize] = match &array {
            Some(a) => a.shape(),
            None => {
                generated = self.gen_shape();
                &generated
            }
        };
        let out = self.fresh_name();
        let n = shape.len();
        let step = match op {
            "index" => Step::Index {
                out,
                src: name,
                index: self.gen_index(shape, invalid, false),
            },
            "transpose" => Step::Transpose {
                out,
                src: name,
                axes: self.gen_transpose(n, invalid),
            },
            "swapaxes" => {
                let (axis1, axis2) = if invalid || n == 0 {
                    let good = self.below(n.max(1));
                    let good = self.repr_axis(good, n.max(1));
                    let bad = self.bad_axis(n);
                    if self.chance(0.5) {
                        (bad, good)
                    } else {
                        (good, bad)
                    }
                } else {
                    let a = self.below(n);
                    let b = self.below(n);
                    (self.repr_axis(a, n), self.repr_axis(b, n))
                };
                Step::Swapaxes {
                    out,
                    src: name,
                    axis1,
                    axis2,
                }
            }
            "moveaxis" => {
                let (source, destination) = self.gen_moveaxis(n, invalid);
                Step::Moveaxis {
                    out,
                    src: name,
                    source,
                    destination,
                }
            }
            "reshape" => {
                let size: usize = size(shape);
                let new_shape = self.gen_reshape(shape, size, invalid);
                let order = ORDERS[self.weighted(&[5, 3, 2])];
                let copy = match self.weighted(&[6, 2, 2]) {
                    0 => None,
                    1 => Some(true),
                    _ => Some(false),
                };
                Step::Reshape {
                    out,
                    src: name,
                    shape: new_shape,
                    order,
                    copy,
                }
            }
            "ravel" => Step::Ravel {
                out,
                src: name,
                order: self.order(),
            },
            "flatten" => Step::Flatten {
                out,
                src: name,
                order: self.order(),
            },
            "copy" => Step::Copy {
                out,
                src: name,
                order: self.order(),
            },
            "asarray" => Step::Asarray {
                out,
                src: name,
                order: self.order(),
            },
            "squeeze" => Step::Squeeze {
                out,
                src: name,
                axis: self.gen_squeeze(shape, invalid),
            },
            "expand_dims" => Step::ExpandDims {
                out,
                src: name,
                axis: self.gen_expand_dims(n, invalid),
            },
            "broadcast_to" => Step::BroadcastTo {
                out,
                src: name,
                shape: self.gen_broadcast(shape, invalid),
            },
            "diagonal" => {
                let (offset, axis1, axis2) = self.gen_diagonal(shape, invalid);
                Step::Diagonal {
                    out,
                    src: name,
                    offset,
                    axis1,
                    axis2,
                }
            }
            _ => unreachable!("every op is listed"),
        };
        self.push(step);
    }

    fn gen_array(&mut self) {
        let shape = self.gen_shape();
        let order = if self.chance(0.35) {
            Order::F
        } else {
            Order::C
        };
        let out = self.fresh_name();
        self.push(Step::Array {
            out,
            shape: shape.iter().map(|&e| e as i64).collect(),
            order,
        });
    }

    fn gen_transpose(&mut self, n: usize, invalid: bool) -> Option<Vec<i64>> {
        if !invalid && self.chance(0.3) {
            return None;
        }
        let perm = self.distinct(n, n);
        let mut axes: Vec<i64> = perm.iter().map(|&a| self.repr_axis(a, n)).collect();
        if invalid {
            match self.below(3) {
                0 if n >= 2 => axes[1] = axes[0],
                1 => {
                    if n >= 1 && self.chance(0.5) {
                        axes.pop();
                    } else {
                        axes.push(0);
                    }
                }
                _ => {
                    if n == 0 {
                        axes.push(self.bad_axis(0));
                    } else {
                        let i = self.below(n);
                        axes[i] = self.bad_axis(n);
                    }
                }
            }
        }
        Some(axes)
    }

    fn gen_moveaxis(&mut self, n: usize, invalid: bool) -> (Vec<i64>, Vec<i64>) {
        let k = self.below(n + 1);
        let s = self.distinct(n, k);
        let d = self.distinct(n, k);
        let mut source: Vec<i64> = s.iter().map(|&a| self.repr_axis(a, n)).collect();
        let mut dest: Vec<i64> = d.iter().map(|&a| self.repr_axis(a, n)).collect();
        if invalid {
            match self.below(3) {
                0 if k >= 2 => {
                    if self.chance(0.5) {
                        source[1] = source[0];
                    } else {
                        dest[1] = dest[0];
                    }
                }
                1 if n >= 1 => {
                    if k >= 1 {
                        dest.pop();
                    } else {
                        source.push(0);
                    }
                }
                _ => {
                    let bad = self.bad_axis(n);
                    if source.is_empty() {
                        source.push(bad);
                        dest.push(0);
                    } else if self.chance(0.5) {
                        source[0] = bad;
                    } else {
                        dest[0] = bad;
                    }
                }
            }
        }
        (source, dest)
    }

    /// A random factorization of `n` into a few extents (with extra 1s).
    fn factorize(&mut self, n: usize) -> Vec<usize> {
        let k = self.weighted(&[1, 4, 4, 3, 1]) + 1;
        let mut rem = n;
        let mut out = Vec::new();
        for _ in 1..k {
            let divs: Vec<usize> = (1..=rem).filter(|d| rem % d == 0).collect();
            let d = if divs.len() > 1 && self.chance(0.8) {
                divs[1 + self.below(divs.len() - 1)]
            } else {
                self.pick(&divs)
            };
            out.push(d);
            rem /= d;
        }
        out.push(rem);
        if self.chance(0.25) {
            let p = self.below(out.len() + 1);
            out.insert(p, 1);
        }
        out
    }

    fn gen_reshape(&mut self, shape: &[usize], size: usize, invalid: bool) -> Vec<i64> {
        if invalid {
            return match self.below(4) {
                0 => vec![size as i64 + 1],
                1 => {
                    let mut f: Vec<i64> = self
                        .factorize(size.max(1))
                        .iter()
                        .map(|&e| e as i64)
                        .collect();
                    f.push(-1);
                    f.insert(0, -1);
                    f
                }
                2 => vec![0, -1],
                _ => {
                    let mut f: Vec<i64> = self
                        .factorize(size.max(1))
                        .iter()
                        .map(|&e| e as i64)
                        .collect();
                    let i = self.below(f.len());
                    f[i] += 1;
                    if size > 1 && self.chance(0.5) {
                        f = vec![(size + 1) as i64, -1];
                    }
                    f
                }
            };
        }
        if self.chance(0.15) {
            // The same shape, literally (the same-shape shortcut), or with
            // one extent unknown.
            let mut s: Vec<i64> = shape.iter().map(|&e| e as i64).collect();
            if !s.is_empty() && size > 0 && self.chance(0.4) {
                let i = self.below(s.len());
                s[i] = -1;
            }
            return s;
        }
        if size == 0 {
            let nd = 1 + self.below(3);
            let mut s: Vec<i64> = (0..nd).map(|_| self.range(0, 3)).collect();
            let i = self.below(nd);
            s[i] = 0;
            return s;
        }
        let f = self.factorize(size);
        let mut s: Vec<i64> = f.iter().map(|&e| e as i64).collect();
        if self.chance(0.3) {
            let i = self.below(s.len());
            s[i] = if self.chance(0.8) {
                -1
            } else {
                -self.range(2, 9)
            };
        }
        s
    }

    fn gen_squeeze(&mut self, shape: &[usize], invalid: bool) -> Option<Vec<i64>> {
        let n = shape.len();
        let ones: Vec<usize> = (0..n).filter(|&i| shape[i] == 1).collect();
        if invalid {
            let others: Vec<usize> = (0..n).filter(|&i| shape[i] != 1).collect();
            return Some(match self.below(3) {
                0 if !others.is_empty() => {
                    let a = self.pick(&others);
                    vec![self.repr_axis(a, n)]
                }
                1 if !ones.is_empty() => {
                    let a = self.pick(&ones);
                    vec![a as i64, a as i64 - n as i64]
                }
                _ => vec![self.bad_axis(n)],
            });
        }
        if self.chance(0.4) {
            return None;
        }
        let k = self.below(ones.len() + 1);
        let mut picked = ones.clone();
        for i in 0..k {
            let j = i + self.below(picked.len() - i);
            picked.swap(i, j);
        }
        picked.truncate(k);
        Some(picked.iter().map(|&a| self.repr_axis(a, n)).collect())
    }

    fn gen_expand_dims(&mut self, n: usize, invalid: bool) -> Vec<i64> {
        let k = self.weighted(&[1, 6, 3]);
        let m = n + k;
        let mut axes: Vec<i64> = self
            .distinct(m, k)
            .iter()
            .map(|&a| self.repr_axis(a, m))
            .collect();
        if invalid {
            // One more axis: the result would have `m + 1` axes.
            if k >= 1 && self.chance(0.5) {
                let a = axes[0];
                axes.push(a);
            } else {
                let bad = self.bad_axis(m + 1);
                axes.push(bad);
            }
        }
        axes
    }

    fn gen_broadcast(&mut self, shape: &[usize], invalid: bool) -> Vec<i64> {
        if invalid {
            let mut s: Vec<i64> = shape.iter().map(|&e| e as i64).collect();
            let non1: Vec<usize> = (0..s.len()).filter(|&i| shape[i] != 1).collect();
            match self.below(3) {
                0 if !non1.is_empty() => {
                    let i = self.pick(&non1);
                    s[i] += 1;
                }
                1 if !non1.is_empty() => {
                    let i = self.pick(&non1);
                    s.remove(i);
                }
                _ => {
                    let i = self.below(s.len() + 1);
                    s.insert(i, -1);
                }
            }
            return s;
        }
        let mut s: Vec<usize> = Vec::new();
        let lead = self.weighted(&[4, 4, 2]);
        for _ in 0..lead {
            let e = self.extent(3);
            s.push(e);
        }
        for &e in shape {
            if e == 1 && self.chance(0.6) {
                let e = self.extent(3);
                s.push(e);
            } else {
                s.push(e);
            }
        }
        if size(&s) > self.cfg.max_elements {
            s = shape.to_vec();
        }
        s.iter().map(|&e| e as i64).collect()
    }

    fn gen_diagonal(&mut self, shape: &[usize], invalid: bool) -> (i64, i64, i64) {
        let n = shape.len();
        if n < 2 {
            // Always an error: fewer than two axes.
            let o = self.range(-1, 1);
            return (o, 0, 1);
        }
        let ax = self.distinct(n, 2);
        let (a1, a2) = (ax[0], ax[1]);
        let default_axes = !invalid && self.chance(0.4);
        let (mut axis1, mut axis2) = if default_axes {
            (0, 1)
        } else {
            (self.repr_axis(a1, n), self.repr_axis(a2, n))
        };
        let (u1, u2) = if default_axes { (0, 1) } else { (a1, a2) };
        let (d1, d2) = (shape[u1] as i64, shape[u2] as i64);
        let offset = match self.weighted(&[4, 4, 2, 1]) {
            0 => 0,
            1 => self.range(-d1 - 1, d2 + 1),
            2 => {
                if self.chance(0.5) {
                    d2
                } else {
                    -d1
                }
            }
            _ => {
                if self.chance(0.5) {
                    MAX_INT
                } else {
                    -MAX_INT
                }
            }
        };
        if invalid {
            if self.chance(0.5) {
                axis2 = if axis1 < 0 { axis1 + n as i64 } else { axis1 };
            } else if self.chance(0.5) {
                axis1 = self.bad_axis(n);
            } else {
                axis2 = self.bad_axis(n);
            }
        }
        (offset, axis1, axis2)
    }

    // ---- indices ----------------------------------------------------------

    /// A slice for an axis of extent `d`: half the time a non-empty one
    /// (bounds in range, possibly negative or null), otherwise anything
    /// (out-of-range, huge or null bounds, often empty).
    fn gen_slice(&mut self, d: usize) -> Item {
        let di = d as i64;
        if d > 0 && self.chance(0.6) {
            let step = self.pick(&[1i64, 1, 2, 3, -1, -1, -2, -3]);
            let (start, stop) = if step > 0 {
                let a = self.range(0, di - 1);
                let b = self.range(a + 1, di);
                (a, b)
            } else {
                let a = self.range(0, di - 1);
                let b = self.range(-1, a - 1);
                (a, b)
            };
            let first_or_last = if step > 0 { 0 } else { di - 1 };
            let start = if start == first_or_last && self.chance(0.4) {
                None
            } else if self.chance(0.25) {
                Some(start - di)
            } else {
                Some(start)
            };
            let stop = if stop == -1 || (stop == di && self.chance(0.5)) {
                None
            } else if stop < di && self.chance(0.25) {
                Some(stop - di)
            } else {
                Some(stop)
            };
            let step = if step == 1 && self.chance(0.5) {
                None
            } else {
                Some(step)
            };
            return Item::Slice(start, stop, step);
        }
        let part = |g: &mut Self| -> Option<i64> {
            match g.weighted(&[30, 6, 64]) {
                0 => None,
                1 => Some(if g.chance(0.5) { MAX_INT } else { -MAX_INT }),
                _ => Some(g.range(-di - 2, di + 2)),
            }
        };
        let start = part(self);
        let stop = part(self);
        let step = if self.chance(0.3) {
            None
        } else {
            let steps = [1, 1, 2, 3, -1, -1, -1, -2, -3, di + 1, -(di + 1)];
            Some(self.pick(&steps))
        };
        Item::Slice(start, stop, step)
    }

    /// An index value for an axis of extent `d` (in range unless `d` is 0;
    /// in writes, biased toward duplicates).
    fn idx_value(&mut self, d: usize, write: bool) -> i64 {
        let di = d as i64;
        if d == 0 {
            return self.range(-1, 1);
        }
        if write && self.chance(0.4) {
            return if self.chance(0.5) { 0 } else { -1 };
        }
        self.range(-di, di - 1)
    }

    fn oob_value(&mut self, d: usize) -> i64 {
        let di = d as i64;
        match self.below(5) {
            0 => di,
            1 => -di - 1,
            2 => di + 3,
            3 => MAX_INT,
            _ => -MAX_INT,
        }
    }

    /// A boolean mask of `shape` with exactly `count` trues.
    fn mask_with_count(&mut self, shape: &[usize], count: usize) -> NdList<bool> {
        let n: usize = size(shape);
        let mut data = vec![false; n];
        let mut free: Vec<usize> = (0..n).collect();
        for _ in 0..count.min(n) {
            let i = self.below(free.len());
            data[free.swap_remove(i)] = true;
        }
        NdList {
            shape: shape.to_vec(),
            data,
        }
    }

    /// Whether a shape can be written as a nested JSON list (a 0 extent can
    /// only be the last one: `[]` always reads back as shape `(0,)`).
    fn representable(shape: &[usize]) -> bool {
        shape.iter().rev().skip(1).all(|&e| e != 0)
    }

    /// The broadcast shape of the index arrays of one index.
    fn gen_bshape(&mut self) -> Vec<usize> {
        let nd = self.weighted(&[13, 6, 1]) + 1;
        let mut b = Vec::with_capacity(nd);
        let mut total = 1;
        for i in 0..nd {
            let e = match self.range(0, 15) {
                0 if i + 1 == nd => 0,
                0..=4 => 1,
                _ => self.range(2, 4) as usize,
            };
            let e = if total * e.max(1) > self.cfg.max_index_elements {
                1
            } else {
                e
            };
            total *= e.max(1);
            b.push(e);
        }
        b
    }

    /// An integer index array whose shape broadcasts to `b`.
    fn array_item(&mut self, b: &[usize], d: usize, write: bool) -> Item {
        let drop = self.below(b.len());
        let mut shape: Vec<usize> = b[drop..].to_vec();
        for e in shape.iter_mut() {
            if self.chance(0.2) {
                *e = 1;
            }
        }
        let n: usize = size(&shape);
        let data = (0..n).map(|_| self.idx_value(d, write)).collect();
        Item::Array(NdList { shape, data })
    }

    fn int0d(v: i64) -> Item {
        Item::Array(NdList {
            shape: vec![],
            data: vec![v],
        })
    }

    /// An index for an array of `shape`: valid, or (when `invalid`) with one
    /// deliberate error.
    fn gen_index(&mut self, shape: &[usize], invalid: bool, write: bool) -> Vec<Item> {
        let mut slots = self.valid_index(shape, write);
        if invalid {
            self.corrupt_index(shape, &mut slots);
            if self.chance(0.2) {
                // Two errors at once: which one NumPy reports first matters.
                self.corrupt_index(shape, &mut slots);
            }
        }
        slots.into_iter().map(|s| s.item).collect()
    }

    fn valid_index(&mut self, shape: &[usize], write: bool) -> Vec<Slot> {
        let n = shape.len();
        let pattern = self.range(0, 99);
        if pattern < 4 {
            return Vec::new();
        }
        if pattern < 8 {
            let mut v = vec![Slot {
                item: Item::Ellipsis,
                axis: None,
            }];
            if self.chance(0.3) {
                let p = self.below(2);
                v.insert(
                    p,
                    Slot {
                        item: Item::NewAxis,
                        axis: None,
                    },
                );
            }
            return v;
        }
        if pattern < 15 && Self::representable(shape) {
            // A single full-shape mask (NumPy's special 1-d path).
            let size: usize = size(shape);
            let count = if self.chance(0.2) {
                size
            } else {
                self.below(size + 1)
            };
            let m = self.mask_with_count(shape, count);
            return vec![Slot {
                item: Item::Mask(m),
                axis: if n > 0 { Some(0) } else { None },
            }];
        }
        if pattern < 22 && shape.iter().all(|&d| d >= 1) {
            // Every axis an integer: a scalar, or with `...` a 0-d view.
            let mut v: Vec<Slot> = shape
                .iter()
                .enumerate()
                .map(|(i, &d)| Slot {
                    item: Item::Int(self.range(-(d as i64), d as i64 - 1)),
                    axis: Some(i),
                })
                .collect();
            if self.chance(0.3) {
                let p = self.below(v.len() + 1);
                v.insert(
                    p,
                    Slot {
                        item: Item::Ellipsis,
                        axis: None,
                    },
                );
            }
            return v;
        }
        self.general_index(shape, write)
    }

    fn general_index(&mut self, shape: &[usize], write: bool) -> Vec<Slot> {
        #[derive(Clone, Copy, PartialEq)]
        enum K {
            Slice,
            Int,
            Array,
            Array0d,
            Mask,
            Mask2,
        }
        let n = shape.len();
        let use_ell = self.chance(0.25);
        let consumed = if self.chance(0.65) {
            n
        } else {
            self.below(n + 1)
        };
        let e = if use_ell {
            self.below(consumed + 1)
        } else {
            consumed
        };
        let axes: Vec<usize> = (0..e).chain(n - (consumed - e)..n).collect();
        let allow_adv = self.chance(0.55);
        let mut kinds: Vec<K> = Vec::with_capacity(consumed);
        let mut i = 0;
        while i < axes.len() {
            let ax = axes[i];
            let d = shape[ax];
            let k = if allow_adv {
                [K::Slice, K::Int, K::Array, K::Mask, K::Array0d]
                    [self.weighted(&[40, 12, 28, 12, 5])]
            } else {
                [K::Slice, K::Int][self.weighted(&[70, 30])]
            };
            let k = if (k == K::Int || k == K::Array0d) && d == 0 {
                K::Slice
            } else {
                k
            };
            let two = k == K::Mask
                && i + 1 < axes.len()
                && axes[i + 1] == ax + 1
                && d != 0
                && self.chance(0.2);
            if two {
                kinds.push(K::Mask2);
                kinds.push(K::Mask2);
                i += 2;
            } else {
                kinds.push(k);
                i += 1;
            }
        }
        // Advanced indices separated by a slice: the transposed result rule.
        if allow_adv && kinds.len() >= 3 && self.chance(0.3) {
            let last = kinds.len() - 1;
            if kinds[0] != K::Mask2 && kinds[last] != K::Mask2 {
                kinds[0] = K::Array;
                kinds[last] = K::Array;
                if kinds[1] != K::Mask2 {
                    kinds[1] = K::Slice;
                }
            }
        }
        let has_array = kinds.contains(&K::Array);
        let b = if has_array {
            self.gen_bshape()
        } else {
            Vec::new()
        };
        // The length every (non-1) advanced dimension must have.
        let mut want: Option<usize> = b.last().copied().filter(|&l| l != 1);
        let mut slots = Vec::new();
        let mut i = 0;
        while i < kinds.len() {
            let ax = axes[i];
            let d = shape[ax];
            let item = match kinds[i] {
                K::Slice => self.gen_slice(d),
                K::Int => Item::Int(self.range(-(d as i64), d as i64 - 1)),
                K::Array0d => Self::int0d(self.range(-(d as i64), d as i64 - 1)),
                K::Array => self.array_item(&b, d, write),
                K::Mask | K::Mask2 => {
                    let mshape: Vec<usize> = if kinds[i] == K::Mask2 {
                        vec![d, shape[ax + 1]]
                    } else {
                        vec![d]
                    };
                    let s: usize = size(&mshape);
                    let count = match want {
                        Some(w) if w <= s => {
                            if self.chance(0.85) {
                                w
                            } else {
                                s.min(1)
                            }
                        }
                        Some(_) => s.min(1),
                        None => {
                            let c = if self.chance(0.4) {
                                s.min(1)
                            } else {
                                self.below(s + 1)
                            };
                            if c != 1 {
                                want = Some(c);
                            }
                            c
                        }
                    };
                    Item::Mask(self.mask_with_count(&mshape, count))
                }
            };
            slots.push(Slot {
                item,
                axis: Some(ax),
            });
            i += if kinds[i] == K::Mask2 { 2 } else { 1 };
        }
        if use_ell {
            let pos = slots
                .iter()
                .filter(|s| s.axis.is_some_and(|a| a < e))
                .count();
            slots.insert(
                pos,
                Slot {
                    item: Item::Ellipsis,
                    axis: None,
                },
            );
        }
        if self.chance(0.25) {
            for _ in 0..1 + self.below(2) {
                let p = self.below(slots.len() + 1);
                slots.insert(
                    p,
                    Slot {
                        item: Item::NewAxis,
                        axis: None,
                    },
                );
            }
        }
        if allow_adv && self.chance(0.08) {
            let p = self.below(slots.len() + 1);
            let v = self.chance(0.6);
            slots.insert(
                p,
                Slot {
                    item: Item::Mask(NdList {
                        shape: vec![],
                        data: vec![v],
                    }),
                    axis: None,
                },
            );
        }
        slots
    }

    /// Makes a valid index invalid in one way.
    fn corrupt_index(&mut self, shape: &[usize], slots: &mut Vec<Slot>) {
        let n = shape.len();
        let consuming: Vec<usize> = (0..slots.len())
            .filter(|&i| slots[i].axis.is_some())
            .collect();
        if n >= 2 && !shape.contains(&0) && self.chance(0.03) {
            // Index arrays broadcasting to 4097 x 4097 > 2^24 elements:
            // `LimitExceeded` on every backend. (Not on size-0 arrays: there
            // the result is empty and all 2^24 index values get checked.)
            let big = 4097;
            slots.clear();
            for shape in [vec![big, 1], vec![1, big]] {
                slots.push(Slot {
                    item: Item::Array(NdList {
                        shape,
                        data: vec![0; big],
                    }),
                    axis: Some(0),
                });
            }
            return;
        }
        match self.below(7) {
            0 if !consuming.is_empty() => {
                // An out-of-bounds integer.
                let i = self.pick(&consuming);
                let ax = slots[i].axis.expect("consuming");
                let v = self.oob_value(shape[ax]);
                slots[i] = Slot {
                    item: Item::Int(v),
                    axis: Some(ax),
                };
            }
            1 if !consuming.is_empty() => {
                // An out-of-bounds value in an index array.
                let i = self.pick(&consuming);
                let ax = slots[i].axis.expect("consuming");
                let v = self.oob_value(shape[ax]);
                if consuming.len() >= 2 && self.chance(0.3) {
                    // ... next to an empty index array: the broadcast index
                    // is empty, and NumPy then checks no bounds at all.
                    let j = *consuming.iter().find(|&&j| j != i).expect("two");
                    slots[j].item = Item::Array(NdList {
                        shape: vec![0],
                        data: vec![],
                    });
                    for (k, s) in slots.iter_mut().enumerate() {
                        if k != j
                            && matches!(s.item, Item::Array(_) | Item::Mask(_))
                            && s.axis.is_some()
                        {
                            s.item = Item::Slice(None, None, None);
                        }
                    }
                    slots[i].item = Item::Array(NdList {
                        shape: vec![1],
                        data: vec![v],
                    });
                    return;
                }
                if let Item::Array(a) = &mut slots[i].item {
                    if !a.data.is_empty() {
                        let k = self.below(a.data.len());
                        a.data[k] = v;
                        return;
                    }
                }
                let item = if self.chance(0.2) {
                    Self::int0d(v)
                } else {
                    let mut data = vec![0; 1 + self.below(3)];
                    let k = self.below(data.len());
                    data[k] = v;
                    Item::Array(NdList {
                        shape: vec![data.len()],
                        data,
                    })
                };
                // Keep other index arrays broadcastable: replace them all.
                for s in slots.iter_mut() {
                    if matches!(s.item, Item::Array(_) | Item::Mask(_)) && s.axis.is_some() {
                        s.item = Item::Slice(None, None, None);
                    }
                }
                slots[i].item = item;
            }
            2 if n >= 1 => {
                // A mask whose length does not match its axis.
                let i = if consuming.is_empty() {
                    None
                } else {
                    Some(self.pick(&consuming))
                };
                let ax = i.and_then(|i| slots[i].axis).unwrap_or(0);
                let d = shape[ax];
                let len = if d > 0 && self.chance(0.5) {
                    d - 1
                } else {
                    d + 1
                };
                let count = self.below(len + 1);
                let m = self.mask_with_count(&[len], count);
                for s in slots.iter_mut() {
                    if matches!(s.item, Item::Array(_) | Item::Mask(_)) && s.axis.is_some() {
                        s.item = Item::Slice(None, None, None);
                    }
                }
                let slot = Slot {
                    item: Item::Mask(m),
                    axis: Some(ax),
                };
                match i {
                    Some(i) => slots[i] = slot,
                    None => slots.insert(0, slot),
                }
            }
            3 if consuming.len() >= 2 => {
                // Index arrays that do not broadcast together.
                let (i, j) = (consuming[0], consuming[consuming.len() - 1]);
                let (di, dj) = (
                    shape[slots[i].axis.expect("consuming")],
                    shape[slots[j].axis.expect("consuming")],
                );
                let li = 2 + self.below(2);
                let lj = if li == 2 { 3 } else { 2 };
                let vi = (0..li)
                    .map(|_| self.idx_value(di, false))
                    .collect::<Vec<_>>();
                let vj = (0..lj)
                    .map(|_| self.idx_value(dj, false))
                    .collect::<Vec<_>>();
                slots[i].item = Item::Array(NdList {
                    shape: vec![li],
                    data: vi,
                });
                slots[j].item = Item::Array(NdList {
                    shape: vec![lj],
                    data: vj,
                });
            }
            4 => {
                // A second ellipsis.
                let has = slots.iter().any(|s| s.item == Item::Ellipsis);
                for _ in 0..if has { 1 } else { 2 } {
                    let p = self.below(slots.len() + 1);
                    slots.insert(
                        p,
                        Slot {
                            item: Item::Ellipsis,
                            axis: None,
                        },
                    );
                }
            }
            5 => {
                // A zero slice step.
                let slices: Vec<usize> = (0..slots.len())
                    .filter(|&i| matches!(slots[i].item, Item::Slice(..)))
                    .collect();
                if slices.is_empty() {
                    slots.insert(
                        0,
                        Slot {
                            item: Item::Slice(None, None, Some(0)),
                            axis: None,
                        },
                    );
                } else {
                    let i = self.pick(&slices);
                    if let Item::Slice(_, _, step) = &mut slots[i].item {
                        *step = Some(0);
                    }
                }
            }
            _ => {
                // Too many indices.
                let used: usize = slots
                    .iter()
                    .map(|s| match &s.item {
                        Item::Int(_) | Item::Slice(..) => 1,
                        Item::Array(a) if a.shape.is_empty() => 1,
                        Item::Array(_) => 1,
                        Item::Mask(m) => m.shape.len(),
                        Item::NewAxis | Item::Ellipsis => 0,
                    })
                    .sum();
                for _ in used..=n {
                    let item = match self.below(3) {
                        0 => Item::Int(0),
                        1 => Item::Slice(None, None, None),
                        _ => Self::int0d(0),
                    };
                    slots.push(Slot { item, axis: None });
                }
            }
        }
    }

    // ---- writes -----------------------------------------------------------

    /// A scalar write value: small, sometimes at the edge of the range.
    fn scalar(&mut self) -> i64 {
        match self.weighted(&[10, 1]) {
            0 => self.range(-9, 9),
            _ => {
                if self.chance(0.5) {
                    MAX_INT
                } else {
                    -MAX_INT
                }
            }
        }
    }

    /// Whether a value of shape `v` may be written to a target of shape `t`.
    fn fits(v: &[usize], t: &[usize], add: bool, full_mask: bool) -> bool {
        if full_mask && !add {
            return v.is_empty() || (v.len() == 1 && t.len() == 1 && (v[0] == 1 || v[0] == t[0]));
        }
        let mut v = v;
        if add && v.len() > t.len() {
            return false;
        }
        while v.len() > t.len() {
            if v[0] != 1 {
                return false;
            }
            v = &v[1..];
        }
        v.iter()
            .rev()
            .zip(t.iter().rev())
            .all(|(&a, &b)| a == b || a == 1)
    }

    /// A basic index of an array of `shape` whose result broadcasts to
    /// `target` (a view overlapping its source), if one is easy to build.
    fn overlap_index(&mut self, shape: &[usize], target: &[usize]) -> Option<Vec<Item>> {
        let k = shape.len().min(target.len());
        let lead = shape.len() - k;
        let mut items = Vec::new();
        for &d in &shape[..lead] {
            if d == 0 {
                return None;
            }
            items.push(Item::Int(self.range(0, d as i64 - 1)));
        }
        for (i, &d) in shape[lead..].iter().enumerate() {
            let r = target[target.len() - k + i];
            let len = if r <= d {
                r
            } else if d >= 1 {
                1
            } else {
                return None;
            };
            if len == 0 {
                items.push(Item::Slice(Some(0), Some(0), None));
                continue;
            }
            let steps: Vec<i64> = [1i64, -1, 2, -2, 3]
                .into_iter()
                .filter(|s| s.unsigned_abs() as usize * (len - 1) < d)
                .collect();
            let s = self.pick(&steps);
            let span = s.unsigned_abs() as i64 * (len as i64 - 1);
            let di = d as i64;
            if s > 0 {
                let start = self.range(0, di - 1 - span);
                items.push(Item::Slice(Some(start), Some(start + span + 1), Some(s)));
            } else {
                let start = self.range(span, di - 1);
                let stop = start - span - 1;
                items.push(Item::Slice(
                    Some(start),
                    if stop < 0 { None } else { Some(stop) },
                    Some(s),
                ));
            }
        }
        Some(items)
    }

    /// A shape that broadcasts to `t` (dropped leading axes, some 1s).
    fn value_shape(&mut self, t: &[usize], add: bool, full_mask: bool) -> Vec<usize> {
        if full_mask && !add {
            return match self.below(3) {
                0 => vec![],
                1 => vec![1],
                _ => t.to_vec(),
            };
        }
        let drop = if self.chance(0.7) {
            0
        } else {
            self.below(t.len() + 1)
        };
        let mut v: Vec<usize> = t[drop..].to_vec();
        for e in v.iter_mut() {
            if self.chance(0.15) {
                *e = 1;
            }
        }
        if !add && self.chance(0.08) {
            v.insert(0, 1);
        }
        v
    }

    /// Pushes an `array` step of `shape` (sometimes built transposed, so the
    /// value is F-like) and returns the name holding the value.
    fn helper_array(&mut self, shape: &[usize]) -> String {
        let transposed = shape.len() >= 2 && self.chance(0.3);
        let mut s: Vec<i64> = shape.iter().map(|&e| e as i64).collect();
        if transposed {
            s.reverse();
        }
        let order = if self.chance(0.3) { Order::F } else { Order::C };
        let name = self.fresh_name();
        self.push(Step::Array {
            out: name.clone(),
            shape: s,
            order,
        });
        if !transposed {
            return name;
        }
        let t = self.fresh_name();
        self.push(Step::Transpose {
            out: t.clone(),
            src: name,
            axes: None,
        });
        t
    }

    /// A writeable 1-d array of at least 2 elements (creating one if there
    /// is none, or now and then anyway).
    fn writeable_1d(&mut self) -> (String, Array) {
        let found = if self.chance(0.8) {
            self.pick_array(&|a| a.writeable() && a.ndim() == 1 && a.size() >= 2)
        } else {
            None
        };
        if let Some(f) = found {
            return f;
        }
        let n = self.range(4, self.cfg.long_extent.max(4) as i64);
        let name = self.fresh_name();
        self.push(Step::Array {
            out: name.clone(),
            shape: vec![n],
            order: Order::C,
        });
        match self.env().get(&name) {
            Some(Binding::Array(a)) => (name, a.clone()),
            // The step did not run (generation stopped): what it would
            // have bound.
            _ => (
                name,
                Array::arange(&[n as usize], viewcheck_arrays::Order::C),
            ),
        }
    }

    /// A slice of an axis of extent `len` selecting `k` elements with step
    /// `step` (`|step| * (k - 1) < len`), at a random position.
    fn slice_of(&mut self, len: usize, k: usize, step: i64) -> Item {
        let span = step.abs() * (k as i64 - 1);
        let l = len as i64;
        if step > 0 {
            let start = self.range(0, l - 1 - span);
            Item::Slice(Some(start), Some(start + span + 1), Some(step))
        } else {
            let start = self.range(span, l - 1);
            let stop = start - span - 1;
            Item::Slice(Some(start), (stop >= 0).then_some(stop), Some(step))
        }
    }

    /// The writes where NumPy's raw behaviour deviates from the documented
    /// semantics (format 1 `numpy_deviation`), built on purpose: 1-d slice
    /// assignment from an overlapping slice with another step, full-shape
    /// mask assignment from an overlapping 1-d view, and duplicate n-d
    /// fancy targets with F-ordered or reversed values.
    fn gen_special_write(&mut self, add: bool) {
        let kind = self.below(3);
        let (dst, index, value) = match kind {
            0 | 1 => {
                let (dst, a) = self.writeable_1d();
                let len = a.size();
                let (index, k) = if kind == 0 {
                    let s1 = self.pick(&[1i64, 2, 3, -1, -2]);
                    let kmax = (len - 1) / s1.unsigned_abs() as usize + 1;
                    let k = self.range(2, kmax.max(2) as i64) as usize;
                    (vec![self.slice_of(len, k, s1)], k)
                } else {
                    let k = self.range(1, len as i64) as usize;
                    (vec![Item::Mask(self.mask_with_count(&[len], k))], k)
                };
                let steps: Vec<i64> = [1i64, 2, 3, -1, -2, -3]
                    .into_iter()
                    .filter(|s| s.unsigned_abs() as usize * (k - 1) < len)
                    .collect();
                let mut s2 = self.pick(&steps);
                let mut item = self.slice_of(len, k, s2);
                if let [Item::Slice(Some(start1), _, Some(s1))] = index.as_slice() {
                    // Mostly the NumPy gap: the same direction, another
                    // stride magnitude, starting close to the destination.
                    let same: Vec<i64> = steps
                        .iter()
                        .copied()
                        .filter(|s| s.signum() == s1.signum() && s != s1)
                        .collect();
                    if !same.is_empty() && self.chance(0.7) {
                        s2 = self.pick(&same);
                        let span = s2.abs() * (k as i64 - 1);
                        let (lo, hi) = if s2 > 0 {
                            (0, len as i64 - 1 - span)
                        } else {
                            (span, len as i64 - 1)
                        };
                        let start = (start1 + self.range(-2, 2)).clamp(lo, hi);
                        let stop = start + s2.signum() * (span + 1);
                        item = Item::Slice(Some(start), (stop >= 0).then_some(stop), Some(s2));
                    }
                }
                let v = self.fresh_name();
                self.push(Step::Index {
                    out: v.clone(),
                    src: dst.clone(),
                    index: vec![item],
                });
                (dst, index, Value::Var(v))
            }
            _ => {
                let Some((dst, a)) =
                    self.pick_array(&|a| a.writeable() && a.ndim() >= 1 && a.shape()[0] >= 1)
                else {
                    return self.gen_array();
                };
                let d = a.shape()[0];
                let b = if self.chance(0.5) {
                    vec![2, 2]
                } else {
                    vec![2, 3]
                };
                let hi = (d as i64 - 1).min(1);
                let data: Vec<i64> = (0..size(&b)).map(|_| self.range(0, hi)).collect();
                let index = vec![Item::Array(NdList {
                    shape: b.clone(),
                    data,
                })];
                let mut t = b;
                t.extend_from_slice(&a.shape()[1..]);
                if size(&t) > self.cfg.max_elements {
                    return self.gen_array();
                }
                let v = if self.chance(0.5) {
                    // Built transposed: an F-ordered value.
                    let mut r: Vec<i64> = t.iter().map(|&e| e as i64).collect();
                    r.reverse();
                    let base = self.fresh_name();
                    self.push(Step::Array {
                        out: base.clone(),
                        shape: r,
                        order: Order::C,
                    });
                    let v = self.fresh_name();
                    self.push(Step::Transpose {
                        out: v.clone(),
                        src: base,
                        axes: None,
                    });
                    v
                } else {
                    // Reversed along the index axes.
                    let base = self.fresh_name();
                    let order = if self.chance(0.5) { Order::F } else { Order::C };
                    self.push(Step::Array {
                        out: base.clone(),
                        shape: t.iter().map(|&e| e as i64).collect(),
                        order,
                    });
                    let v = self.fresh_name();
                    let rev = Item::Slice(None, None, Some(-1));
                    self.push(Step::Index {
                        out: v.clone(),
                        src: base,
                        index: vec![rev.clone(), rev],
                    });
                    v
                };
                (dst, index, Value::Var(v))
            }
        };
        self.push(if add {
            Step::AddAssign { dst, index, value }
        } else {
            Step::Assign { dst, index, value }
        });
    }

    fn gen_write(&mut self, add: bool, invalid: bool, max_steps: usize) {
        if !invalid && self.steps.len() + 4 <= max_steps && self.chance(0.15) {
            return self.gen_special_write(add);
        }
        // What is wrong (when `invalid`): a read-only destination, the
        // index, the value; sometimes two of them (which error wins matters).
        let (ro, bad_index, bad_value) = if invalid {
            let first = self.below(3);
            let second = if self.chance(0.25) {
                self.below(3)
            } else {
                first
            };
            let has = |k| first == k || second == k;
            (has(0), has(1), has(2))
        } else {
            (false, false, false)
        };
        let skip = self.chance(self.cfg.skip_rate);
        let dst = if skip {
            let skips = self.skip_names();
            if skips.is_empty() {
                None
            } else {
                let name = self.pick(&skips);
                Some(Src { name, array: None })
            }
        } else {
            None
        };
        let dst = match dst {
            Some(d) => d,
            None => {
                let readonly = if ro {
                    self.pick_array(&|a| !a.writeable())
                } else {
                    None
                };
                let chosen = readonly
                    .or_else(|| self.pick_array(&|a| a.writeable()))
                    .or_else(|| self.pick_array(&|_| true));
                match chosen {
                    Some((name, a)) => Src {
                        name,
                        array: Some(a),
                    },
                    None => {
                        self.gen_array();
                        return;
                    }
                }
            }
        };
        let shape: Vec<usize> = match &dst.array {
            Some(a) => a.shape().to_vec(),
            None => self.gen_shape(),
        };
        let index = if bad_value && !add && Self::representable(&shape) && self.chance(0.3) {
            // A full-shape mask: its value must be 0-d or 1-d (else TypeError).
            let size: usize = size(&shape);
            let count = self.below(size + 1);
            vec![Item::Mask(self.mask_with_count(&shape, count))]
        } else {
            self.gen_index(&shape, bad_index, true)
        };
        let full_mask = matches!(index.as_slice(), [Item::Mask(m)] if m.shape == shape);
        // The shape of `dst[index]` (empty for a scalar), if it exists.
        let target: Option<Vec<usize>> = dst.array.as_ref().and_then(|a| {
            let idx = backend::to_index(&index);
            match catch_unwind(AssertUnwindSafe(|| a.get(&idx))) {
                Ok(Ok(Indexed::Array(r))) => Some(r.shape().to_vec()),
                Ok(Ok(Indexed::Scalar(_))) => Some(Vec::new()),
                _ => None,
            }
        });
        let room = max_steps.saturating_sub(self.steps.len() + 1);
        let value = if bad_value && room >= 2 {
            let t = target.clone().unwrap_or_default();
            let bad = if full_mask && !add && self.chance(0.5) {
                vec![2, t.first().copied().unwrap_or(1).max(1)]
            } else if t.is_empty() {
                vec![2]
            } else if self.chance(0.3) {
                let mut b = t.clone();
                b.insert(0, 2);
                b
            } else {
                let mut b = t.clone();
                let i = self.below(b.len());
                b[i] = if b[i] == 1 { 2 } else { b[i] + 1 };
                b
            };
            Value::Var(self.helper_array(&bad))
        } else {
            self.write_value(&dst, target.as_deref(), add, full_mask, room)
        };
        let step = if add {
            Step::AddAssign {
                dst: dst.name,
                index,
                value,
            }
        } else {
            Step::Assign {
                dst: dst.name,
                index,
                value,
            }
        };
        self.push(step);
    }

    fn write_value(
        &mut self,
        dst: &Src,
        target: Option<&[usize]>,
        add: bool,
        full_mask: bool,
        room: usize,
    ) -> Value {
        if self.chance(self.cfg.skip_rate) {
            let failed: Vec<String> = self
                .bound_names()
                .filter(|n| self.env().get(n).is_none())
                .map(str::to_string)
                .collect();
            if !failed.is_empty() {
                return Value::Var(self.pick(&failed));
            }
        }
        let Some(t) = target else {
            return Value::Scalar(self.scalar());
        };
        if self.chance(0.25) {
            return Value::Scalar(self.scalar());
        }
        // Bound names that fit: scalars, and arrays of a fitting shape
        // (those overlapping the destination first).
        let mut overlapping = Vec::new();
        let mut others = Vec::new();
        for (name, b) in self.env().iter() {
            match b {
                Binding::Scalar(_) => others.push(name.to_string()),
                Binding::Array(a) => {
                    if Self::fits(a.shape(), t, add, full_mask) {
                        let ov = dst.array.as_ref().is_some_and(|d| d.same_buffer(a));
                        if ov {
                            overlapping.push(name.to_string());
                        } else {
                            others.push(name.to_string());
                        }
                    }
                }
            }
        }
        if (!overlapping.is_empty() || !others.is_empty()) && self.chance(0.5) {
            let from_overlap = !overlapping.is_empty() && (others.is_empty() || self.chance(0.65));
            let pool = if from_overlap { &overlapping } else { &others };
            let pool = pool.clone();
            return Value::Var(self.pick(&pool));
        }
        if room >= 1 && self.chance(0.5) && !(full_mask && !add && t.len() != 1) {
            if let Some(d) = dst.array.clone() {
                if let Some(items) = self.overlap_index(d.shape(), t) {
                    let name = self.fresh_name();
                    self.push(Step::Index {
                        out: name.clone(),
                        src: dst.name.clone(),
                        index: items,
                    });
                    return Value::Var(name);
                }
            }
        }
        if room >= 2 {
            let v = self.value_shape(t, add, full_mask);
            if size(&v) <= self.cfg.max_elements * 8 {
                return Value::Var(self.helper_array(&v));
            }
        }
        Value::Scalar(self.scalar())
    }
}
