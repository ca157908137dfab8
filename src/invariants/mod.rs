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
//!
//! # Files
//!
//! This file holds the properties ([`Property`], [`Violation`]) and the entry
//! points ([`check_program`], [`generate_checked`]); the rest:
//!
//! - `checker.rs`: the [`Checker`], running a step, memory relations and
//!   writes;
//! - `results.rs`: op-specific facts about a new array (buffer, addresses,
//!   values);
//! - `window.rs`: one array at a time (brute-force addresses, reads, C/F
//!   order, broadcast values).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use arbitrary::Unstructured;
use viewcheck_arrays as va;

use crate::backend::{panic_message, run_step, to_index, Binding, Env};
use crate::format::{Item, Order, Program, Step, StepOutcome, StepRecord, Value};
use crate::generate::{generate_with, GenConfig, Runner};

mod checker;
mod results;
mod window;

pub use checker::*;
use window::*;

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
