//! The [`Checker`]: its record of every bound array and buffer image, running
//! a step, and the checks of memory relations and writes.

use super::*;

/// An array bound to a name, with its brute-force address list (windows
/// never change once bound, only the values behind them).
pub(crate) struct Tracked {
    pub(crate) name: String,
    pub(crate) array: va::Array,
    /// Addresses in C index order (checked in bounds, so they fit `usize`).
    pub(crate) addrs: Vec<usize>,
    /// Lowest and highest address, `None` for a zero-size array.
    pub(crate) range: Option<(usize, usize)>,
    /// Its buffer's entry in `Checker::images`.
    pub(crate) image: usize,
}

/// One buffer as the last step left it.
pub(crate) struct Image {
    /// `Array::buffer_id` of the buffer.
    id: usize,
    /// A tracked array on the buffer (an index into `Checker::arrays`): the
    /// handle the buffer is read through.
    holder: usize,
    /// Every element of the buffer.
    pub(crate) cells: Vec<i64>,
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
pub(crate) struct Marks {
    stamp: Vec<u32>,
    now: u32,
}

impl Marks {
    pub(crate) fn set(&mut self, addrs: &[usize], buffer_len: usize) {
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

    pub(crate) fn has(&self, addr: usize) -> bool {
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
    pub(crate) env: Env,
    pub(crate) arrays: Vec<Tracked>,
    pub(crate) images: Vec<Image>,
    pub(crate) marks: RefCell<Marks>,
    pub(crate) steps: usize,
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
    pub(crate) fn values(&self, k: usize) -> Vec<i64> {
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
        let Some(mut idx) = to_index(index, &self.env) else {
            return Some(plan);
        };
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
}
