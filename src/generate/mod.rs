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
//! other; write values are often views overlapping the destination, and
//! index arrays are now and then `{"var": ...}` items naming a bound array,
//! usually one sharing memory with the destination or source.
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
//!
//! # Files
//!
//! This file holds the configuration, the entry points, the [`Runner`] trait
//! and the generator's state; the generator's methods are split by what they
//! make:
//!
//! - `choose.rs`: drawing numbers from the bytes, picking names and arrays;
//! - `shapes.rs`: shapes and axes;
//! - `steps.rs`: the choice of the next step, and the view-making steps;
//! - `indices.rs`: slices, integers, index arrays, masks and `{"var": ...}`
//!   items naming bound arrays (format 1.2);
//! - `writes.rs`: `assign`/`iadd` steps and their values;
//! - `edges.rs`: edge recipes (int64 limits, index caps, LimitExceeded
//!   boundaries, byte-size limits), one step in [`GenConfig::edge_rate`].

use std::panic::{catch_unwind, AssertUnwindSafe};

use arbitrary::Unstructured;
use viewcheck_arrays::{Array, Indexed};

use crate::backend::{self, Binding, Env, StridedRun};
use crate::format::{Item, NdList, Order, Program, Step, Value, MAX_INT};

mod choose;
mod edges;
mod indices;
mod shapes;
mod steps;
mod writes;

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
/// at most 200 elements at creation) and programs short (4 to 20 steps; the
/// few with the int64-limit recipe up to 48), which is where the
/// interesting layouts are dense.
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
    /// Whether `reshape` steps may pass `copy` (`true`/`false`): off for a
    /// NumPy before 2.1, which has no such keyword.
    #[serde(default = "reshape_copy_default")]
    pub reshape_copy: bool,
    /// The length of a program is drawn from `min_steps..=short_steps`;
    /// only the int64-limit recipe (`edges.rs`, about 36 steps) goes on
    /// past it, up to `max_steps`.
    #[serde(default = "default_short_steps")]
    pub short_steps: usize,
    /// Probability (0..1) that a step is instead an edge recipe
    /// (`edges.rs`: int64 limits, NumPy's index caps, LimitExceeded
    /// boundaries, zero-size shapes over the byte-size limit).
    #[serde(default)]
    pub edge_rate: f64,
    /// Swarm testing (Groce et al. 2012): each program draws its own
    /// configuration first — every op switched off or weighted up at
    /// random, and the invalid-step and edge rates scaled — so
    /// that a program concentrates on a few features.
    #[serde(default)]
    pub swarm: bool,
}

fn reshape_copy_default() -> bool {
    true
}

fn default_short_steps() -> usize {
    20
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            min_steps: 4,
            max_steps: 48,
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
            reshape_copy: true,
            short_steps: 20,
            edge_rate: 0.015,
            // Measured on the mutant catalog (DESIGN.md): 1,957 programs to
            // kill all 42 mutants against 3,259 for the fixed mix, the
            // slowest kill 321 against 742.
            swarm: true,
        }
    }
}

impl GenConfig {
    /// This configuration, kept to the ops and index kinds of `capabilities`.
    pub fn within(mut self, capabilities: &crate::protocol::Capabilities) -> GenConfig {
        self.ops = capabilities.ops.clone();
        self.index_kinds = capabilities.index_kinds.clone();
        self
    }

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
    let mut weights: [u32; OP_WEIGHTS.len()] = OP_WEIGHTS.map(|(op, w)| match &cfg.ops {
        Some(ops) if !ops.iter().any(|o| o == op) => 0,
        _ => w,
    });
    let swarmed;
    let cfg = if cfg.swarm {
        swarmed = swarm(u, cfg, &mut weights);
        &swarmed
    } else {
        cfg
    };
    let mut g = Gen {
        u,
        cfg,
        runner,
        steps: Vec::with_capacity(cfg.max_steps.clamp(1, 64)),
        stopped: false,
        dropped: Vec::new(),
        weights,
    };
    let max = cfg.max_steps.clamp(1, crate::format::MAX_STEPS);
    let min = cfg.min_steps.clamp(1, max);
    let short = cfg.short_steps.clamp(min, max);
    let target = g.range(min as i64, short as i64) as usize;
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

/// A swarm configuration for one program, drawn from its first bytes: each
/// op is off with probability 1/4 (`array` never is) and weighted up
/// threefold with probability 1/5; the invalid-step, edge and skip rates
/// are each dropped to 0, kept or scaled up.
fn swarm(
    u: &mut Unstructured,
    cfg: &GenConfig,
    weights: &mut [u32; OP_WEIGHTS.len()],
) -> GenConfig {
    let mut draw = |n: u32| u.int_in_range(0..=n - 1).unwrap_or(0);
    for (k, w) in weights.iter_mut().enumerate() {
        match draw(20) {
            0..=4 if OP_WEIGHTS[k].0 != "array" => *w = 0,
            5..=8 => *w *= 3,
            _ => {}
        }
    }
    let mut scale = |rate: f64, up: f64| match draw(4) {
        0 => 0.0,
        1 => (rate * up).min(1.0),
        _ => rate,
    };
    let mut c = cfg.clone();
    c.invalid_rate = scale(cfg.invalid_rate, 3.0);
    c.edge_rate = scale(cfg.edge_rate, 4.0);
    c.skip_rate = scale(cfg.skip_rate, 4.0);
    c
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

/// Probability that an index with index arrays gets a `{"var": ...}` item
/// (format 1.2), when a bound array fits ([`Gen::var_items`]).
const VAR_RATE: f64 = 0.3;

/// Probability that a var item is made when no array sharing memory with
/// the indexed array fits.
const VAR_UNRELATED_RATE: f64 = 0.2;

/// How much more often a var item names an array sharing memory with the
/// indexed array (the destination of a write, the source of an index) than
/// any other fitting array.
const VAR_RELATED_WEIGHT: u32 = 8;

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
    /// This program's op weights ([`OP_WEIGHTS`] within `cfg.ops`, as the
    /// swarm configuration left them).
    weights: [u32; OP_WEIGHTS.len()],
}
