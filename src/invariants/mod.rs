//! Properties every program must satisfy on the strided crate, checked step
//! by step without Python.
//!
//! The differential check (strided crate vs. embedded NumPy) needs CPython;
//! these properties need nothing but the crate itself, so they run at
//! hundreds of thousands of steps per second and catch a different class of
//! bug: an internally inconsistent array, rather than one that disagrees
//! with NumPy. After every step [`Checker`] verifies:
//!
//! * **no panic** — a panicking step is a violation naming the step;
//! * **structure** — `shape.len() == strides.len() <= 64`;
//! * **in bounds** — every address a non-empty array can reach lies inside
//!   its buffer (invariant 2 of `viewcheck_arrays::layout`);
//! * **addresses** — `Array::addresses` equals a brute-force enumeration of
//!   `offset + Σ i_k·strides[k]` in C order, and `to_vec` has one value per
//!   element;
//! * **alias values** — what the crate reads through a name
//!   (`for_each_value`, its C-order walk) is what the buffer holds at the
//!   name's brute-force addresses, checked for a new name and, after a
//!   write, for every name on the written buffer (so a write is seen
//!   through every alias, and all aliases agree);
//! * **contiguity** — the C/F flags equal the brute-force definition
//!   (the addresses in C/F index order are consecutive, or there are none);
//! * **sharing** — `shares_memory` equals "the address sets intersect" and
//!   `may_share_memory` equals "the address ranges `[lowest, highest]`
//!   intersect", for the new name against every earlier one, both ways;
//! * **reads do not write** — a step other than `assign`/`add_assign`, and
//!   every failing or skipped step, leaves every buffer unchanged (each
//!   buffer is compared whole with its image from the step before);
//! * **write locality and values** — a write changes only addresses that
//!   `dst[index]` reaches (for a basic index exactly those, and they then
//!   hold the value read *before* the write, broadcast; for an advanced
//!   index at least inside `dst`), and a read-only destination always fails;
//! * **copies are independent** — `copy`, `flatten`, advanced-index results,
//!   `reshape(copy=True)` and every owning result live on a buffer no
//!   earlier name uses; views stay on their source's buffer and reach only
//!   addresses the source reaches;
//! * **result values** — `array`, `copy`, `reshape`, `ravel`, `flatten`,
//!   `squeeze`, `expand_dims` and `broadcast_to` hold their source's values
//!   in the order NumPy defines (C or F index order; a multiset for `K`).
//!
//! "Memory" is every element of every buffer a bound name lives on, read
//! with `Array::with_buffer`: the checker keeps an image of each buffer and
//! compares it with the buffer after every step, so it sees exactly what a
//! step wrote (an unchanged buffer costs one slice comparison). Values are
//! read from the images; what the crate itself reads through each name is
//! checked against them.
//!
//! The checker is built for throughput, because the `invariants` fuzz
//! target runs it on every input: [`generate_checked`] makes and checks a
//! program in one pass, and the per-step work is proportional to what the
//! step touched (a new array's window, a written buffer's names).
//!
//! ```
//! use viewcheck::format::Program;
//! use viewcheck::invariants::check_program;
//! let p = Program::parse(r#"{"format": 1, "steps": [
//!     {"op": "array", "out": "a", "shape": [3, 4]},
//!     {"op": "index", "out": "b", "src": "a", "index": [{"slice": [null, null, -2]}]},
//!     {"op": "assign", "dst": "b", "index": [0], "value": {"scalar": 7}},
//!     {"op": "add_assign", "dst": "a", "index": [{"array": [0, 0, 1]}], "value": {"var": "b"}}
//! ]}"#).unwrap();
//! assert_eq!(check_program(&p), Ok(()));
//! ```

use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use arbitrary::Unstructured;
use viewcheck_arrays as va;

use crate::backend::{panic_message, run_step, to_index, Binding, Env};
use crate::format::{Item, Order, Program, Step, StepOutcome, StepRecord, Value};
use crate::generate::{generate_with, GenConfig, Runner};

/// Which property a [`Violation`] breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Property {
    /// The step panicked.
    Panic,
    /// `shape`/`strides` lengths disagree or exceed 64 axes.
    Structure,
    /// A non-empty array reaches an address outside its buffer.
    InBounds,
    /// `addresses()` or `to_vec()` disagree with the brute-force enumeration.
    Addresses,
    /// Two names read different values at one address.
    AliasValues,
    /// A contiguity flag disagrees with its definition.
    Contiguity,
    /// `shares_memory` disagrees with address-set intersection.
    SharesMemory,
    /// `may_share_memory` disagrees with address-range intersection.
    MayShareMemory,
    /// A step that does not write changed memory.
    ReadChangedMemory,
    /// A failing or skipped step changed memory.
    FailedStepChangedMemory,
    /// A write changed an address its destination does not reach.
    WriteLocality,
    /// A write left wrong values at its targets (or succeeded on a read-only array).
    WriteValues,
    /// A copy shares a buffer with its source or another earlier name, or a
    /// view left its source's buffer.
    CopyIndependence,
    /// A view reaches addresses its source does not.
    ViewAddresses,
    /// A result holds values other than the ones NumPy defines.
    ResultValues,
}

impl Property {
    /// A short kebab-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Property::Panic => "panic",
            Property::Structure => "structure",
            Property::InBounds => "in-bounds",
            Property::Addresses => "addresses",
            Property::AliasValues => "alias-values",
            Property::Contiguity => "contiguity",
            Property::SharesMemory => "shares-memory",
            Property::MayShareMemory => "may-share-memory",
            Property::ReadChangedMemory => "read-changed-memory",
            Property::FailedStepChangedMemory => "failed-step-changed-memory",
            Property::WriteLocality => "write-locality",
            Property::WriteValues => "write-values",
            Property::CopyIndependence => "copy-independence",
            Property::ViewAddresses => "view-addresses",
            Property::ResultValues => "result-values",
        }
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A broken property: which step, which property, and the details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Index of the step in `program.steps`.
    pub step: usize,
    /// The step's op.
    pub op: &'static str,
    /// The property that failed.
    pub property: Property,
    /// What exactly was seen (names, addresses, values).
    pub message: String,
}

impl fmt::Display for Violation {
    /// `steps[3] (assign): write-locality: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "steps[{}] ({}): {}: {}",
            self.step, self.op, self.property, self.message
        )
    }
}

impl std::error::Error for Violation {}

thread_local! {
    static CURRENT_STEP: Cell<Option<(usize, &'static str)>> = const { Cell::new(None) };
}

/// The step a [`Checker`] on this thread is running right now, if any: lets a
/// panic hook (e.g. a fuzz target's, where panics abort before they can be
/// caught) name the step that panicked.
pub fn current_step() -> Option<(usize, &'static str)> {
    CURRENT_STEP.with(|c| c.get())
}

/// Runs `program` on the strided crate and checks every property after every
/// step; the first violation is returned.
pub fn check_program(program: &Program) -> Result<(), Violation> {
    let mut checker = Checker::new();
    for step in &program.steps {
        checker.step(step)?;
    }
    Ok(())
}

/// Generates a program from `u` the way [`generate`](crate::generate::generate)
/// does, checking every step as it is made: each step runs once, through
/// the [`Checker`], instead of once to generate and again to check (what the
/// `invariants` fuzz target does per input). Returns the program — ending
/// with the violating step if there is one, so it reproduces the violation
/// — and the first violation.
///
/// Without a violation the program is exactly the one `generate` makes from
/// the same bytes.
pub fn generate_checked(u: &mut Unstructured, cfg: &GenConfig) -> (Program, Result<(), Violation>) {
    // One checker per thread, emptied between programs: its lists keep
    // their room (a fuzz target calls this for every input).
    thread_local! {
        static SPARE: Cell<Option<Checker>> = const { Cell::new(None) };
    }
    let mut checker = SPARE.with(|c| c.take()).unwrap_or_default();
    checker.reset();
    let mut runner = CheckingRunner {
        checker,
        violation: None,
    };
    let program = generate_with(u, cfg, &mut runner);
    let result = match runner.violation {
        Some(v) => Err(v),
        None => Ok(()),
    };
    runner.checker.reset();
    SPARE.with(|c| c.set(Some(runner.checker)));
    (program, result)
}

/// The [`Runner`] of [`generate_checked`]: stops at the first violation.
struct CheckingRunner {
    checker: Checker,
    violation: Option<Violation>,
}

impl Runner for CheckingRunner {
    fn env(&self) -> &Env {
        self.checker.env()
    }

    fn run(&mut self, step: &Step) -> bool {
        match self.checker.step(step) {
            Ok(_) => true,
            Err(v) => {
                self.violation = Some(v);
                false
            }
        }
    }
}

/// An array bound to a name, with its brute-force address list (windows
/// never change once bound, only the values behind them).
struct Tracked {
    name: String,
    array: va::Array,
    /// Addresses in C index order (checked in bounds, so they fit `usize`).
    addrs: Vec<usize>,
    /// Lowest and highest address, `None` for a zero-size array.
    range: Option<(usize, usize)>,
    /// Its buffer's entry in `Checker::images`.
    image: usize,
}

/// One buffer as the last step left it.
struct Image {
    /// `Array::buffer_id` of the buffer.
    id: usize,
    /// A tracked array on the buffer (an index into `Checker::arrays`): the
    /// handle the buffer is read through.
    holder: usize,
    /// Every element of the buffer.
    cells: Vec<i64>,
}

/// One element a step changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Change {
    /// Index into `Checker::images`.
    image: usize,
    addr: usize,
    old: i64,
    new: i64,
}

/// A reusable "is this address marked" set: one stamp per address, so that
/// clearing it is one increment.
#[derive(Default)]
struct Marks {
    stamp: Vec<u32>,
    now: u32,
}

impl Marks {
    fn set(&mut self, addrs: &[usize], buffer_len: usize) {
        if self.stamp.len() < buffer_len {
            self.stamp.resize(buffer_len, 0);
        }
        self.now = self.now.wrapping_add(1);
        if self.now == 0 {
            self.stamp.fill(0);
            self.now = 1;
        }
        for &a in addrs {
            self.stamp[a] = self.now;
        }
    }

    fn has(&self, addr: usize) -> bool {
        self.stamp.get(addr) == Some(&self.now)
    }

    /// Unmarks everything (for addresses below `buffer_len`).
    fn clear(&mut self, buffer_len: usize) {
        self.set(&[], buffer_len);
    }

    /// Marks `addr`; false if it was marked already.
    fn insert(&mut self, addr: usize) -> bool {
        let fresh = !self.has(addr);
        self.stamp[addr] = self.now;
        fresh
    }
}

/// The right-hand side of a write as read before the write: a scalar, or an
/// array's shape and C-order values.
enum WriteValue {
    Scalar(i64),
    Array(Vec<usize>, Vec<i64>),
}

/// A write's expectations, computed before the step runs.
struct WritePlan {
    dst: usize,
    /// Exact target addresses (basic index), if known.
    targets: Option<Vec<usize>>,
    /// The value each target must hold afterwards, in target order.
    expected: Option<Vec<i64>>,
    /// For an advanced index with a scalar value: what every changed address
    /// must hold — the scalar, or (for `+=`) the old value plus it.
    each_changed: Option<(i64, bool)>,
}

/// Runs a program step by step on the strided crate (through
/// [`backend::run_step`](crate::backend::run_step), like `StridedBackend`)
/// and checks every property after each step.
pub struct Checker {
    env: Env,
    arrays: Vec<Tracked>,
    images: Vec<Image>,
    marks: RefCell<Marks>,
    steps: usize,
}

impl Default for Checker {
    fn default() -> Self {
        Checker::new()
    }
}

fn violation(step: usize, op: &'static str, property: Property, message: String) -> Violation {
    Violation {
        step,
        op,
        property,
        message,
    }
}

impl Checker {
    /// An empty environment.
    pub fn new() -> Checker {
        // Room for a typical program's names without regrowing.
        Checker {
            env: Env::with_capacity(32),
            arrays: Vec::with_capacity(32),
            images: Vec::with_capacity(16),
            marks: RefCell::new(Marks::default()),
            steps: 0,
        }
    }

    /// Forgets every step: the checker is as new, with its lists' room kept.
    pub fn reset(&mut self) {
        self.env.clear();
        self.arrays.clear();
        self.images.clear();
        self.steps = 0;
    }

    /// The names bound so far.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// Runs one step and checks it; returns the step's record.
    pub fn step(&mut self, step: &Step) -> Result<StepRecord, Violation> {
        self.step_with(step, |_| {})
    }

    /// Like [`Checker::step`], but runs `fault` right after the step itself
    /// and before the checks, as if the step had done what `fault` does.
    /// This is how the checker's own tests inject bugs (a stray write, a
    /// panic) and prove that each property is really checked.
    pub fn step_with(
        &mut self,
        step: &Step,
        fault: impl FnOnce(&mut Env),
    ) -> Result<StepRecord, Violation> {
        let i = self.steps;
        self.steps += 1;
        let op = step.op();
        let v = |property, message| violation(i, op, property, message);
        CURRENT_STEP.with(|c| c.set(Some((i, op))));

        let src = step.src().and_then(|n| self.tracked_index(n));
        let plan = self.write_plan(step);

        let env = &mut self.env;
        let record = catch_unwind(AssertUnwindSafe(|| {
            let r = run_step(env, step);
            fault(env);
            r
        }));
        CURRENT_STEP.with(|c| c.set(None));
        let record =
            record.map_err(|payload| v(Property::Panic, panic_message(payload.as_ref())))?;

        let is_write = matches!(step, Step::Assign { .. } | Step::AddAssign { .. });
        let failed = !matches!(record.outcome, StepOutcome::Ok { .. });
        // Every known buffer against its image: exactly what the step wrote.
        let changed = self.scan();
        if let Some(c) = changed.first().filter(|_| failed || !is_write) {
            let what = format!(
                "address {} of {} changed from {} to {}",
                c.addr,
                self.buffer_names(c.image),
                c.old,
                c.new
            );
            return Err(if failed {
                v(
                    Property::FailedStepChangedMemory,
                    format!("the step's outcome is {:?} but {what}", record.outcome),
                )
            } else {
                v(Property::ReadChangedMemory, what)
            });
        }
        if let Some(plan) = &plan {
            if !failed {
                self.check_write(plan, &changed).map_err(|(p, m)| v(p, m))?;
            }
        }
        // A write shows through every alias: each name on a changed buffer
        // still reads what the buffer holds at its addresses.
        let mut last = usize::MAX;
        for c in &changed {
            if c.image != last {
                last = c.image;
                for t in self.arrays.iter().filter(|t| t.image == c.image) {
                    check_reads(t, &self.images[t.image].cells)
                        .map_err(|m| v(Property::AliasValues, m))?;
                }
            }
        }

        // A new binding: check its window, its values and its relations.
        let mut new_array = None;
        if let (StepOutcome::Ok { .. }, Some(out)) = (&record.outcome, step.out()) {
            if let Some(Binding::Array(a)) = self.env.get(out) {
                if !self.arrays.iter().any(|t| t.name == out) {
                    let mut tracked = check_window(out, a).map_err(|(p, m)| v(p, m))?;
                    let id = a.buffer_id();
                    tracked.image = match self.images.iter().position(|im| im.id == id) {
                        Some(k) => k,
                        None => {
                            self.images.push(Image {
                                id,
                                holder: self.arrays.len(),
                                cells: a.with_buffer(|b| b.to_vec()),
                            });
                            self.images.len() - 1
                        }
                    };
                    check_reads(&tracked, &self.images[tracked.image].cells)
                        .map_err(|m| v(Property::AliasValues, m))?;
                    self.check_relations(&tracked).map_err(|(p, m)| v(p, m))?;
                    self.arrays.push(tracked);
                    new_array = Some(self.arrays.len() - 1);
                }
            }
        }
        if let (Some(k), Some(s)) = (new_array, src) {
            self.check_result(step, s, k).map_err(|(p, m)| v(p, m))?;
        } else if let (Some(k), Step::Array { shape, order, .. }) = (new_array, step) {
            check_fresh_arange(
                &self.arrays[k],
                &self.images[self.arrays[k].image].cells,
                shape,
                *order,
            )
            .map_err(|(p, m)| v(p, m))?;
        }
        if let (Step::Index { .. }, StepOutcome::Ok { .. }, Some(s)) = (step, &record.outcome, src)
        {
            if let Some(Binding::Scalar(x)) = step.out().and_then(|o| self.env.get(o)) {
                let t = &self.arrays[s];
                let cells = &self.images[t.image].cells;
                if !t.addrs.iter().any(|&a| cells[a] == *x) {
                    return Err(v(
                        Property::ResultValues,
                        format!("the scalar {x} is not among the values of `{}`", t.name),
                    ));
                }
            }
        }
        Ok(record)
    }

    fn tracked_index(&self, name: &str) -> Option<usize> {
        self.arrays.iter().position(|t| t.name == name)
    }

    fn buffer_names(&self, image: usize) -> String {
        let names: Vec<String> = self
            .arrays
            .iter()
            .filter(|t| t.image == image)
            .map(|t| format!("`{}`", t.name))
            .collect();
        format!("the buffer of {}", names.join(", "))
    }

    /// Compares every known buffer with its image and brings the images up
    /// to date; every element that changed, in (buffer, address) order.
    /// An unchanged buffer costs one slice comparison.
    fn scan(&mut self) -> Vec<Change> {
        let mut out = Vec::new();
        for (k, im) in self.images.iter_mut().enumerate() {
            let holder = &self.arrays[im.holder].array;
            holder.with_buffer(|now| {
                if now == im.cells.as_slice() {
                    return;
                }
                for (addr, (old, new)) in im.cells.iter().zip(now).enumerate() {
                    if old != new {
                        out.push(Change {
                            image: k,
                            addr,
                            old: *old,
                            new: *new,
                        });
                    }
                }
                // A buffer never changes length; if it did, every name on
                // it would fail its reads next.
                im.cells.clear();
                im.cells.extend_from_slice(now);
            });
        }
        out
    }

    /// Everything between the new array and earlier names: buffer identity,
    /// `shares_memory`, `may_share_memory`.
    fn check_relations(&self, new: &Tracked) -> Result<(), (Property, String)> {
        let mut marks = self.marks.borrow_mut();
        let mut marked = false;
        for t in &self.arrays {
            let (a, b) = (&new.array, &t.array);
            let same = a.same_buffer(b);
            if same != (a.buffer_id() == b.buffer_id()) || same != b.same_buffer(a) {
                return Err((
                    Property::SharesMemory,
                    format!(
                        "same_buffer and buffer_id disagree for `{}` and `{}`",
                        new.name, t.name
                    ),
                ));
            }
            let shares = same && {
                if !marked {
                    marks.set(&new.addrs, a.buffer_len());
                    marked = true;
                }
                t.addrs.iter().any(|&x| marks.has(x))
            };
            for (x, y, nx, ny) in [(a, b, &new.name, &t.name), (b, a, &t.name, &new.name)] {
                let got = va::shares_memory(x, y);
                if got != shares {
                    return Err((
                        Property::SharesMemory,
                        format!(
                            "shares_memory(`{nx}`, `{ny}`) is {got} but their address sets {}",
                            if shares { "intersect" } else { "are disjoint" }
                        ),
                    ));
                }
            }
            let may = same
                && match (new.range, t.range) {
                    (Some((alo, ahi)), Some((blo, bhi))) => alo <= bhi && blo <= ahi,
                    _ => false,
                };
            for (x, y, nx, ny) in [(a, b, &new.name, &t.name), (b, a, &t.name, &new.name)] {
                let got = va::may_share_memory(x, y);
                if got != may {
                    return Err((
                        Property::MayShareMemory,
                        format!(
                            "may_share_memory(`{nx}`, `{ny}`) is {got} but their address ranges {:?} and {:?} {}",
                            new.range,
                            t.range,
                            if may { "intersect" } else { "do not intersect" }
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The values of tracked array `k` in C index order, from its buffer's
    /// image (equal to what the crate reads: checked at binding and after
    /// every write to the buffer).
    fn values(&self, k: usize) -> Vec<i64> {
        let t = &self.arrays[k];
        let cells = &self.images[t.image].cells;
        t.addrs.iter().map(|&a| cells[a]).collect()
    }

    /// Targets and expected values of a write, from the state before it.
    fn write_plan(&self, step: &Step) -> Option<WritePlan> {
        let (dst, index, value, add) = match step {
            Step::Assign { dst, index, value } => (dst, index, value, false),
            Step::AddAssign { dst, index, value } => (dst, index, value, true),
            _ => return None,
        };
        let d = self.tracked_index(dst)?;
        let mut plan = WritePlan {
            dst: d,
            targets: None,
            expected: None,
            each_changed: None,
        };
        let basic = index.iter().all(|it| {
            matches!(
                it,
                Item::Int(_) | Item::Slice(..) | Item::NewAxis | Item::Ellipsis
            )
        });
        // The value, as NumPy reads it before writing: a scalar or an array.
        let scalar = match value {
            Value::Scalar(s) => Some(*s),
            Value::Var(n) => match self.env.get(n) {
                Some(Binding::Scalar(s)) => Some(*s),
                _ => None,
            },
        };
        if !basic {
            plan.each_changed = scalar.map(|s| (s, add));
            return Some(plan);
        }
        let value = match (scalar, value) {
            (Some(s), _) => Some(WriteValue::Scalar(s)),
            (None, Value::Var(n)) => self
                .tracked_index(n)
                .map(|k| WriteValue::Array(self.arrays[k].array.shape().to_vec(), self.values(k))),
            (None, Value::Scalar(_)) => None,
        };
        let mut idx = to_index(index);
        if !index.contains(&Item::Ellipsis) {
            idx.push(va::Index::Ellipsis);
        }
        let dst_array = &self.arrays[d].array;
        let Ok(Ok(va::Indexed::Array(view))) =
            catch_unwind(AssertUnwindSafe(|| dst_array.get(&idx)))
        else {
            return Some(plan);
        };
        let Ok(t) = check_window("(target)", &view) else {
            return Some(plan);
        };
        let distinct = {
            let mut marks = self.marks.borrow_mut();
            marks.clear(view.buffer_len());
            t.addrs.iter().all(|&a| marks.insert(a))
        };
        if distinct {
            let cells = &self.images[self.arrays[d].image].cells;
            let rhs: Option<Vec<i64>> = match &value {
                Some(WriteValue::Scalar(s)) => Some(vec![*s; t.addrs.len()]),
                Some(WriteValue::Array(vshape, vvals)) => {
                    broadcast_values(vshape, vvals, view.shape(), true)
                }
                None => None,
            };
            plan.expected = rhs.map(|mut r| {
                if add {
                    for (x, &a) in r.iter_mut().zip(&t.addrs) {
                        *x = cells[a].wrapping_add(*x);
                    }
                }
                r
            });
        }
        plan.targets = Some(t.addrs);
        Some(plan)
    }

    fn check_write(&self, plan: &WritePlan, changed: &[Change]) -> Result<(), (Property, String)> {
        let d = &self.arrays[plan.dst];
        if !d.array.writeable() {
            return Err((
                Property::WriteValues,
                format!("a write to the read-only array `{}` succeeded", d.name),
            ));
        }
        let mut allowed = self.marks.borrow_mut();
        allowed.set(
            plan.targets.as_deref().unwrap_or(&d.addrs),
            d.array.buffer_len(),
        );
        for c in changed {
            if c.image != d.image || !allowed.has(c.addr) {
                return Err((
                    Property::WriteLocality,
                    format!(
                        "address {} of {} changed from {} to {}, but `{}`{} does not reach it",
                        c.addr,
                        self.buffer_names(c.image),
                        c.old,
                        c.new,
                        d.name,
                        if plan.targets.is_some() {
                            "[index]"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            if let Some((s, add)) = plan.each_changed {
                let want = if add { c.old.wrapping_add(s) } else { s };
                if c.new != want {
                    return Err((
                        Property::WriteValues,
                        format!(
                            "address {} changed from {} to {}, expected {want}",
                            c.addr, c.old, c.new
                        ),
                    ));
                }
            }
        }
        if let (Some(targets), Some(expected)) = (&plan.targets, &plan.expected) {
            let cells = &self.images[d.image].cells;
            for (k, (&addr, &want)) in targets.iter().zip(expected).enumerate() {
                if cells[addr] != want {
                    return Err((
                        Property::WriteValues,
                        format!(
                            "element {k} of `{}`[index] (address {addr}) holds {}, expected {want}",
                            d.name, cells[addr]
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Op-specific facts about a new array `k` made from source `s`.
    fn check_result(&self, step: &Step, s: usize, k: usize) -> Result<(), (Property, String)> {
        let (src, res) = (&self.arrays[s], &self.arrays[k]);
        let (x, r) = (&src.array, &res.array);
        let same = r.same_buffer(x);
        let identical = same
            && r.shape() == x.shape()
            && r.strides() == x.strides()
            && r.offset() == x.offset();
        let ci = |m: String| Err((Property::CopyIndependence, m));
        let rv = |m: String| Err((Property::ResultValues, m));
        // A result lives on its source's buffer or on a brand-new one.
        if !same {
            if let Some(t) = self.arrays[..k].iter().find(|t| t.array.same_buffer(r)) {
                return ci(format!(
                    "`{}` lives on the buffer of `{}`, which is not its source `{}`",
                    res.name, t.name, src.name
                ));
            }
        }
        if r.owndata() && same && !(identical && x.owndata()) {
            return ci(format!(
                "`{}` owns its data but lives on the buffer of its source `{}`",
                res.name, src.name
            ));
        }
        let must_copy = |what: &str| {
            if same {
                ci(format!(
                    "{what} `{}` shares the buffer of its source `{}`",
                    res.name, src.name
                ))
            } else {
                Ok(())
            }
        };
        let must_view = |what: &str| {
            if !same {
                return ci(format!(
                    "the {what} `{}` is not on the buffer of its source `{}`",
                    res.name, src.name
                ));
            }
            if r.owndata() && !identical {
                return ci(format!("the {what} `{}` owns its data", res.name));
            }
            Ok(())
        };
        let subset = |what: &str| {
            let mut of = self.marks.borrow_mut();
            of.set(&src.addrs, x.buffer_len());
            match res.addrs.iter().find(|&&a| !of.has(a)) {
                Some(a) => Err((
                    Property::ViewAddresses,
                    format!(
                        "the {what} `{}` reaches address {a}, which its source `{}` does not",
                        res.name, src.name
                    ),
                )),
                None => Ok(()),
            }
        };
        let same_addresses = |what: &str| {
            let mut a = src.addrs.clone();
            let mut b = res.addrs.clone();
            a.sort_unstable();
            b.sort_unstable();
            if a != b {
                return Err((
                    Property::ViewAddresses,
                    format!(
                        "the {what} `{}` does not reach exactly the addresses of its source `{}`",
                        res.name, src.name
                    ),
                ));
            }
            Ok(())
        };
        let inherits_writeable = |what: &str| {
            if r.writeable() != x.writeable() {
                return Err((
                    Property::CopyIndependence,
                    format!(
                        "the {what} `{}` has writeable={} but its source `{}` has {}",
                        res.name,
                        r.writeable(),
                        src.name,
                        x.writeable()
                    ),
                ));
            }
            Ok(())
        };
        let fresh_copy = |what: &str| -> Result<(), (Property, String)> {
            must_copy(what)?;
            if !r.owndata() || !r.writeable() {
                return ci(format!(
                    "the {what} `{}` has owndata={} writeable={}",
                    res.name,
                    r.owndata(),
                    r.writeable()
                ));
            }
            if let Some(st) = r.strides().iter().find(|&&st| st < 0) {
                return ci(format!(
                    "the {what} `{}` has a negative stride {st}",
                    res.name
                ));
            }
            Ok(())
        };
        // Values are compared in place (no copies) on the common paths;
        // the lists are built only for the rarer checks and for messages.
        let xv = || self.values(s);
        let rvals = || self.values(k);
        let values_in = |order: Order, what: &str| -> Result<(), (Property, String)> {
            // A means F for an ISFORTRAN source, C otherwise.
            let order = match order {
                Order::A if is_fortran(src) => Order::F,
                Order::A => Order::C,
                o => o,
            };
            let (xc, rc) = (&self.images[src.image].cells, &self.images[res.image].cells);
            let ok = src.addrs.len() == res.addrs.len()
                && match order {
                    Order::C | Order::A => src
                        .addrs
                        .iter()
                        .zip(&res.addrs)
                        .all(|(&a, &b)| xc[a] == rc[b]),
                    Order::F => (0..src.addrs.len()).all(|j| {
                        xc[src.addrs[f_to_c(x.shape(), j)]] == rc[res.addrs[f_to_c(r.shape(), j)]]
                    }),
                    Order::K => sorted(&rvals()) == sorted(&xv()),
                };
            if !ok {
                return rv(format!(
                    "the {what} `{}` holds {:?}, not the values of `{}` ({:?}) in {} order",
                    res.name,
                    short(&rvals()),
                    src.name,
                    short(&xv()),
                    order.as_str()
                ));
            }
            Ok(())
        };
        match step {
            Step::Index { index, .. } => {
                let basic = index.iter().all(|it| {
                    matches!(
                        it,
                        Item::Int(_) | Item::Slice(..) | Item::NewAxis | Item::Ellipsis
                    )
                });
                if basic {
                    must_view("basic-index view")?;
                    inherits_writeable("basic-index view")?;
                    subset("basic-index view")?;
                } else {
                    must_copy("the advanced-index result")?;
                    let have = sorted(&xv());
                    if let Some(val) = rvals().iter().find(|v| have.binary_search(v).is_err()) {
                        return rv(format!(
                            "the advanced-index result `{}` holds {val}, which `{}` does not",
                            res.name, src.name
                        ));
                    }
                }
            }
            Step::Transpose { .. } | Step::Swapaxes { .. } | Step::Moveaxis { .. } => {
                must_view("transposed view")?;
                inherits_writeable("transposed view")?;
                same_addresses("transposed view")?;
            }
            Step::Squeeze { .. } | Step::ExpandDims { .. } => {
                must_view("view")?;
                inherits_writeable("view")?;
                same_addresses("view")?;
                values_in(Order::C, "view")?;
            }
            Step::Reshape { order, copy, .. } => {
                if *order == Order::K {
                    return rv("reshape with order K succeeded".into());
                }
                if r.owndata() {
                    return ci(format!("the reshape result `{}` owns its data", res.name));
                }
                match copy {
                    Some(true) => must_copy("the reshape(copy=True) result")?,
                    Some(false) => must_view("reshape(copy=False) result")?,
                    None => {}
                }
                if same {
                    same_addresses("reshaped view")?;
                }
                values_in(*order, "reshape result")?;
            }
            Step::Ravel { order, .. } => {
                if same {
                    must_view("ravel view")?;
                    same_addresses("ravel view")?;
                } else {
                    fresh_copy("ravel copy")?;
                }
                values_in(*order, "ravel result")?;
            }
            Step::Flatten { order, .. } => {
                fresh_copy("flatten result")?;
                values_in(*order, "flatten result")?;
            }
            Step::Copy { .. } => {
                fresh_copy("copy")?;
                values_in(Order::C, "copy")?;
            }
            Step::Asarray { .. } => {
                if same {
                    if !identical {
                        return ci(format!(
                            "asarray result `{}` is on its source's buffer but is not the same array",
                            res.name
                        ));
                    }
                } else {
                    fresh_copy("asarray copy")?;
                }
                values_in(Order::C, "asarray result")?;
            }
            Step::BroadcastTo { .. } => {
                must_view("broadcast view")?;
                if r.writeable() {
                    return ci(format!("the broadcast view `{}` is writeable", res.name));
                }
                if !res.addrs.is_empty() {
                    let set = |v: &[usize]| {
                        let mut v = v.to_vec();
                        v.sort_unstable();
                        v.dedup();
                        v
                    };
                    if set(&src.addrs) != set(&res.addrs) {
                        return Err((
                            Property::ViewAddresses,
                            format!(
                                "the broadcast view `{}` does not reach exactly the addresses of `{}`",
                                res.name, src.name
                            ),
                        ));
                    }
                }
                let (xv, rvals) = (xv(), rvals());
                if broadcast_values(x.shape(), &xv, r.shape(), false).as_ref() != Some(&rvals) {
                    return rv(format!(
                        "the broadcast view `{}` holds {:?}, not `{}` ({:?}) broadcast",
                        res.name,
                        short(&rvals),
                        src.name,
                        short(&xv)
                    ));
                }
            }
            Step::Diagonal { .. } => {
                must_view("diagonal view")?;
                if r.writeable() {
                    return ci(format!("the diagonal view `{}` is writeable", res.name));
                }
                subset("diagonal view")?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// What the crate reads through `t` (`for_each_value`, its C-order walk)
/// is what the buffer holds at `t`'s brute-force addresses.
fn check_reads(t: &Tracked, cells: &[i64]) -> Result<(), String> {
    let mut k = 0;
    let mut bad = None;
    t.array.for_each_value(|v| {
        if bad.is_none() {
            match t.addrs.get(k) {
                Some(&addr) if cells[addr] == v => {}
                Some(&addr) => {
                    bad = Some(format!(
                    "`{}` reads {v} at element {k} (address {addr}), but the buffer holds {} there",
                    t.name, cells[addr]
                ))
                }
                None => {
                    bad = Some(format!(
                        "`{}` reads more than its {} elements",
                        t.name,
                        t.addrs.len()
                    ))
                }
            }
        }
        k += 1;
    });
    if let Some(m) = bad {
        return Err(m);
    }
    if k != t.addrs.len() {
        return Err(format!(
            "`{}` reads {k} values for {} elements",
            t.name,
            t.addrs.len()
        ));
    }
    Ok(())
}

/// `np.arange(n).reshape(shape).copy(order)`: values, ownership, layout.
fn check_fresh_arange(
    t: &Tracked,
    cells: &[i64],
    shape: &[i64],
    order: Order,
) -> Result<(), (Property, String)> {
    let a = &t.array;
    if a.shape().len() != shape.len() || a.shape().iter().zip(shape).any(|(&x, &y)| x as i64 != y) {
        return Err((
            Property::ResultValues,
            format!("array has shape {:?}, expected {shape:?}", a.shape()),
        ));
    }
    if t.addrs
        .iter()
        .enumerate()
        .any(|(i, &addr)| cells[addr] != i as i64)
    {
        let vals: Vec<i64> = t.addrs.iter().map(|&addr| cells[addr]).collect();
        return Err((
            Property::ResultValues,
            format!("array holds {:?}, expected 0..{}", short(&vals), vals.len()),
        ));
    }
    if !a.owndata() || !a.writeable() {
        return Err((
            Property::CopyIndependence,
            "a new array must own its data and be writeable".into(),
        ));
    }
    let contiguous = if order == Order::F {
        a.is_f_contiguous()
    } else {
        a.is_c_contiguous()
    };
    if !contiguous {
        return Err((
            Property::Contiguity,
            format!(
                "array in order {} is not contiguous that way",
                order.as_str()
            ),
        ));
    }
    Ok(())
}

/// The window checks of one array: structure, addresses, bounds,
/// contiguity. Returns the array with its brute-force addresses.
fn check_window(name: &str, a: &va::Array) -> Result<Tracked, (Property, String)> {
    let (shape, strides, offset) = (a.shape(), a.strides(), a.offset());
    if shape.len() != strides.len() || shape.len() > 64 {
        return Err((
            Property::Structure,
            format!(
                "`{name}` has shape {shape:?} and strides {strides:?} (at most 64 axes, one stride each)"
            ),
        ));
    }
    let len = a.buffer_len();
    // One pass over the brute-force list: bounds, the usize addresses, the
    // range and C-consecutiveness.
    let mut addrs = Vec::new();
    let mut range: Option<(usize, usize)> = None;
    let mut c_contig = true;
    let out_of_bounds = with_brute_addresses(shape, strides, offset, false, |wide| {
        addrs.reserve_exact(wide.len());
        let mut prev = None;
        for (k, &x) in wide.iter().enumerate() {
            if x < 0 || x >= len as i128 {
                return Some((k, x));
            }
            let x = x as usize;
            c_contig &= prev.is_none_or(|p| x == p + 1);
            prev = Some(x);
            range = Some(range.map_or((x, x), |(lo, hi)| (lo.min(x), hi.max(x))));
            addrs.push(x);
        }
        None
    });
    if let Some((k, addr)) = out_of_bounds {
        return Err((
            Property::InBounds,
            format!(
                "`{name}` (shape {shape:?}, strides {strides:?}, offset {offset}) reaches address {addr} at element {k}, outside its buffer of {len}"
            ),
        ));
    }
    let crate_addrs = a.address_iter();
    if crate_addrs.len() != addrs.len() || crate_addrs.zip(&addrs).any(|(x, &y)| x != y as isize) {
        return Err((
            Property::Addresses,
            format!(
                "`{name}`.addresses() = {:?} but offset + Σ i·stride gives {:?}",
                short_isize(&a.addresses()),
                short_usize(&addrs)
            ),
        ));
    }
    // n addresses in F order can only be consecutive if they span exactly
    // n addresses; most views do not, and skip the second enumeration.
    let f_contig = match range {
        Some((lo, hi)) if hi - lo + 1 != addrs.len() => false,
        _ => consecutive(shape, strides, offset, true),
    };
    if a.is_c_contiguous() != c_contig || a.is_f_contiguous() != f_contig {
        return Err((
            Property::Contiguity,
            format!(
                "`{name}` (shape {shape:?}, strides {strides:?}) has c_contiguous={} f_contiguous={}, but its addresses are {}C-consecutive and {}F-consecutive",
                a.is_c_contiguous(),
                a.is_f_contiguous(),
                if c_contig { "" } else { "not " },
                if f_contig { "" } else { "not " },
            ),
        ));
    }
    Ok(Tracked {
        name: name.to_string(),
        array: a.clone(),
        addrs,
        range,
        image: usize::MAX,
    })
}

/// `offset + Σ i_k·strides[k]` for every element, in C (or F) index order,
/// computed from the definition (independent of the crate's incremental
/// walk) and handed to `f`: the addresses of the last (first) axes are
/// built up one axis at a time — `k` copies of the list so far, the `i`-th
/// shifted by `i·stride`. The list lives in a per-thread scratch buffer
/// (this runs for every new array and every write target), so `f` must not
/// call back into this function.
fn with_brute_addresses<R>(
    shape: &[usize],
    strides: &[isize],
    offset: isize,
    f_order: bool,
    f: impl FnOnce(&[i128]) -> R,
) -> R {
    thread_local! {
        static SCRATCH: RefCell<Vec<i128>> = const { RefCell::new(Vec::new()) };
    }
    SCRATCH.with(|scratch| {
        let mut out = scratch.borrow_mut();
        let n: usize = shape.iter().product();
        out.clear();
        if n == 0 {
            return f(&out);
        }
        out.resize(n, 0);
        // `out[..m]` holds the addresses of the axes processed so far (the
        // fastest-varying ones, the others at index 0), in index order.
        out[0] = offset as i128;
        let mut m = 1;
        let mut axis = |k: usize, out: &mut [i128]| {
            let (e, st) = (shape[k], strides[k] as i128);
            for i in (1..e).rev() {
                let shift = i as i128 * st;
                let (head, tail) = out.split_at_mut(i * m);
                for (dst, &src) in tail[..m].iter_mut().zip(&head[..m]) {
                    *dst = src + shift;
                }
            }
            m *= e;
        };
        if f_order {
            (0..shape.len()).for_each(|k| axis(k, &mut out));
        } else {
            (0..shape.len()).rev().for_each(|k| axis(k, &mut out));
        }
        f(&out)
    })
}

/// [`with_brute_addresses`] as a list (for tests).
#[cfg(test)]
fn brute_addresses(shape: &[usize], strides: &[isize], offset: isize, f_order: bool) -> Vec<i128> {
    with_brute_addresses(shape, strides, offset, f_order, |w| w.to_vec())
}

/// The brute-force contiguity definition: the addresses in C (or F) index
/// order are consecutive, or there are none.
fn consecutive(shape: &[usize], strides: &[isize], offset: isize, f_order: bool) -> bool {
    with_brute_addresses(shape, strides, offset, f_order, |w| {
        w.windows(2).all(|w| w[1] == w[0] + 1)
    })
}

/// NumPy's ISFORTRAN from the brute-force definitions (the C half from the
/// C-order addresses the array was tracked with).
fn is_fortran(t: &Tracked) -> bool {
    let a = &t.array;
    consecutive(a.shape(), a.strides(), a.offset(), true)
        && !t.addrs.windows(2).all(|w| w[1] == w[0] + 1)
}

/// The C-order position of the element that comes `j`-th in F index order
/// of an array of `shape`.
fn f_to_c(shape: &[usize], j: usize) -> usize {
    let mut rest = j;
    // The product of the extents after axis k (the C weight of axis k).
    let mut after: usize = shape.iter().product();
    let mut pos = 0;
    for &e in shape {
        // e > 0: only elements that exist are asked for.
        after /= e;
        pos += (rest % e) * after;
        rest /= e;
    }
    pos
}

/// Broadcasts C-order `values` of `from` to `to` (NumPy's rule: right
/// aligned, extents equal or 1). With `drop_leading`, leading length-1 axes
/// of `from` beyond `to`'s rank are dropped first, as assignment does.
fn broadcast_values(
    from: &[usize],
    values: &[i64],
    to: &[usize],
    drop_leading: bool,
) -> Option<Vec<i64>> {
    let mut from = from;
    while drop_leading && from.len() > to.len() && from[0] == 1 {
        from = &from[1..];
    }
    if from.len() > to.len() {
        return None;
    }
    let pad = to.len() - from.len();
    for (k, &e) in from.iter().enumerate() {
        if e != 1 && e != to[pad + k] {
            return None;
        }
    }
    let nd = from.len();
    let mut cst = vec![1usize; nd];
    for k in (0..nd.saturating_sub(1)).rev() {
        cst[k] = cst[k + 1] * from[k + 1];
    }
    let n: usize = to.iter().product();
    Some(
        (0..n)
            .map(|linear| {
                let mut rest = linear;
                let mut pos = 0;
                for k in (0..to.len()).rev() {
                    let i = rest % to[k];
                    rest /= to[k];
                    if k >= pad && from[k - pad] != 1 {
                        pos += i * cst[k - pad];
                    }
                }
                values[pos]
            })
            .collect(),
    )
}

fn sorted(v: &[i64]) -> Vec<i64> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v
}

const SHOWN: usize = 24;

fn short(v: &[i64]) -> Vec<i64> {
    v.iter().take(SHOWN).copied().collect()
}

fn short_isize(v: &[isize]) -> Vec<isize> {
    v.iter().take(SHOWN).copied().collect()
}

fn short_usize(v: &[usize]) -> Vec<usize> {
    v.iter().take(SHOWN).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_values_follows_numpy() {
        assert_eq!(
            broadcast_values(&[3], &[1, 2, 3], &[2, 3], false),
            Some(vec![1, 2, 3, 1, 2, 3])
        );
        assert_eq!(
            broadcast_values(&[2, 1], &[1, 2], &[2, 3], false),
            Some(vec![1, 1, 1, 2, 2, 2])
        );
        assert_eq!(broadcast_values(&[1, 3], &[1, 2, 3], &[3], false), None);
        assert_eq!(
            broadcast_values(&[1, 3], &[1, 2, 3], &[3], true),
            Some(vec![1, 2, 3])
        );
        assert_eq!(broadcast_values(&[2], &[1, 2], &[3], false), None);
        assert_eq!(broadcast_values(&[], &[5], &[2], false), Some(vec![5, 5]));
    }

    #[test]
    fn brute_addresses_follow_the_definition() {
        assert_eq!(
            brute_addresses(&[2, 3], &[3, 1], 0, false),
            vec![0, 1, 2, 3, 4, 5]
        );
        assert_eq!(
            brute_addresses(&[2, 3], &[3, 1], 0, true),
            vec![0, 3, 1, 4, 2, 5]
        );
        assert_eq!(
            brute_addresses(&[2, 2], &[-1, 4], 5, false),
            vec![5, 9, 4, 8]
        );
        assert_eq!(brute_addresses(&[], &[], 7, false), vec![7]);
        assert_eq!(
            brute_addresses(&[3, 0], &[1, 1], 0, true),
            Vec::<i128>::new()
        );
        assert!(consecutive(&[2, 1, 3], &[1, 100, 2], 0, true));
        assert!(!consecutive(&[2, 1, 3], &[1, 100, 2], 0, false));
    }

    #[test]
    fn f_order_reads_columns_first() {
        let c: Vec<usize> = (0..6).map(|j| f_to_c(&[2, 3], j)).collect();
        assert_eq!(c, vec![0, 3, 1, 4, 2, 5]);
        let c: Vec<usize> = (0..24).map(|j| f_to_c(&[2, 3, 4], j)).collect();
        assert_eq!(&c[..5], &[0, 12, 4, 16, 8]);
        assert_eq!(f_to_c(&[], 0), 0);
    }
}
