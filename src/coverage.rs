//! Rule coverage: which rules of `corpus/RULES.md` a step exercises.
//!
//! [`step_rules`] attributes one step of a program to rule ids from what
//! the program says (the op, its arguments, the kinds of index items) and
//! what the observation shows (the step's outcome and error class, whether
//! its result is a view of its source or a fresh buffer, `owndata`,
//! contiguity, zero extents, the final state of the source and of the
//! result). The attribution is deliberately conservative: a rule is counted
//! when the step is one the rule speaks about, whether or not the step
//! would have noticed a violation of it. `check` sums it over a campaign
//! ([`count_rules`]) and lists the rules it never reached ([`unreached`]).
//!
//! Observations hold the *final* state of every name; a name is bound once,
//! so its shape, strides, offset and flags are the ones its step produced
//! (only its values may have changed since).

use std::collections::{BTreeMap, BTreeSet};

use crate::format::{
    ArrayRecord, Bound, Item, Observation, Order, Program, Step, StepOutcome, Value,
};

/// Every rule id of the embedded `corpus/RULES.md`, in catalog order.
pub fn all_rule_ids() -> Vec<String> {
    crate::corpus::parse_rules(crate::corpus::embedded_rules_text())
        .into_iter()
        .map(|r| r.id)
        .collect()
}

/// Adds, for every step of `program`, one count to each rule
/// [`step_rules`] attributes it to. `observation` is the expected
/// backend's (NumPy's) observation of `program`; a rejected program counts
/// under `V-FORMAT-1`, and under `V-FORMAT-2` too when its error names a
/// limit.
pub fn count_rules(
    counts: &mut BTreeMap<String, u64>,
    program: &Program,
    observation: &Observation,
) {
    if let Some(e) = &observation.format_error {
        *counts.entry("V-FORMAT-1".into()).or_default() += 1;
        if ["limit", "exceed", "at most", "more than"]
            .iter()
            .any(|w| e.contains(w))
        {
            *counts.entry("V-FORMAT-2".into()).or_default() += 1;
        }
        return;
    }
    for k in 0..program.steps.len().min(observation.steps.len()) {
        for r in step_rules(program, k, observation) {
            *counts.entry(r.to_string()).or_default() += 1;
        }
    }
}

/// The rule ids of the catalog that `counts` never reached, in catalog order.
pub fn unreached(counts: &BTreeMap<String, u64>) -> Vec<String> {
    all_rule_ids()
        .into_iter()
        .filter(|id| counts.get(id).copied().unwrap_or(0) == 0)
        .collect()
}

fn array<'a>(obs: &'a Observation, name: Option<&str>) -> Option<&'a ArrayRecord> {
    match obs.get(name?) {
        Some(Bound::Array(a)) => Some(a),
        _ => None,
    }
}

fn shares(obs: &Observation, a: &str, b: &str) -> bool {
    obs.shares_memory
        .iter()
        .any(|(x, y)| (x == a && y == b) || (x == b && y == a))
}

/// Flag and stride rules that hold for any array result.
fn result_rules(out: &ArrayRecord, rules: &mut BTreeSet<&'static str>) {
    if out.shape.contains(&0) {
        rules.insert("R-FLAGS-2");
    } else if out.shape.len() <= 1 {
        rules.insert("R-FLAGS-3");
    } else if out.shape.contains(&1) {
        rules.insert("R-FLAGS-1");
    }
    let huge = out.strides.iter().any(|s| s.unsigned_abs() >= 1 << 40);
    if huge {
        rules.insert("R-STRIDE-6");
    }
}

/// The rules that step `k` of `program` exercises, given `obs`, the
/// expected observation of the whole program.
pub fn step_rules(program: &Program, k: usize, obs: &Observation) -> BTreeSet<&'static str> {
    let step = &program.steps[k];
    let mut rules = BTreeSet::new();
    let outcome = &obs.steps[k].outcome;
    if *outcome == StepOutcome::Skipped {
        let scalar = step
            .uses()
            .iter()
            .any(|n| matches!(obs.get(n), Some(Bound::Scalar(_))));
        rules.insert(if scalar { "V-STEP-2" } else { "V-STEP-1" });
        return rules;
    }
    let error = match outcome {
        StepOutcome::Error(class) => Some(class.as_str()),
        _ => None,
    };
    if error == Some("LimitExceeded") {
        // The per-step limit (an advanced index over 2^24 elements) or the
        // program's budget (a result that does not fit next to the others).
        let per_step = match (step, array(obs, step.src())) {
            (
                Step::Index { index, .. }
                | Step::Assign { index, .. }
                | Step::AddAssign { index, .. },
                Some(s),
            ) => advanced_size(index, &s.shape).is_some_and(|n| n > 1 << 24),
            _ => false,
        };
        rules.insert(if per_step { "V-LIMIT-1" } else { "V-LIMIT-2" });
        return rules;
    }
    let src = array(obs, step.src());
    let out = array(obs, step.out());
    if let Some(o) = out {
        result_rules(o, &mut rules);
    }
    // A view: the result shares the source's buffer.
    let view = match (src, out) {
        (Some(s), Some(o)) => s.buffer == o.buffer,
        _ => false,
    };
    if view {
        rules.insert("R-WFLAG-1");
        if let Some(s) = src {
            if !s.owndata {
                rules.insert("R-BUF-1");
            }
        }
    }
    match step {
        Step::Array { shape, .. } => {
            if error.is_some() {
                rules.insert("R-STRIDE-5");
            } else {
                rules.insert("R-OWN-1");
                if shape.contains(&0) {
                    rules.insert("R-STRIDE-2");
                    rules.insert("R-STRIDE-5");
                }
            }
        }
        Step::Index { index, .. } => {
            index_rules(index, src, out, error, &mut rules);
        }
        Step::Transpose { axes, .. } => {
            rules.insert(if error.is_some() {
                "R-TRANS-2"
            } else {
                "R-TRANS-1"
            });
            if axes.is_none() && error.is_none() {
                rules.insert("R-TRANS-1");
            }
        }
        Step::Swapaxes { .. } | Step::Moveaxis { .. } => {
            rules.insert(if error.is_some() {
                "R-TRANS-2"
            } else {
                "R-TRANS-3"
            });
        }
        Step::Reshape {
            shape, order, copy, ..
        } => {
            if let Some(s) = src {
                if *order == Order::A {
                    rules.insert("R-RESHAPE-1");
                }
                if copy.is_some() {
                    rules.insert("R-RESHAPE-6");
                }
                if s.shape.is_empty() {
                    rules.insert("R-RESHAPE-8");
                }
                let same = shape.len() == s.shape.len()
                    && shape.iter().zip(&s.shape).all(|(&a, &b)| a == b as i64);
                if error.is_some() {
                    rules.insert("R-RESHAPE-3");
                    if *copy == Some(false) {
                        rules.insert("R-RESHAPE-5");
                    }
                } else if same && *copy != Some(true) {
                    rules.insert("R-RESHAPE-2");
                } else if view {
                    let contiguous = if matches!(order, Order::F) {
                        s.f_contiguous
                    } else {
                        s.c_contiguous
                    };
                    rules.insert(if contiguous {
                        "R-RESHAPE-4"
                    } else {
                        "R-RESHAPE-5"
                    });
                    if contiguous {
                        rules.insert("R-STRIDE-1");
                    }
                } else {
                    rules.insert("R-RESHAPE-7");
                    rules.insert("R-OWN-2");
                }
                if shape.iter().any(|&e| e < 0) {
                    rules.insert("R-RESHAPE-3");
                }
            }
        }
        Step::Ravel { order, .. } => {
            if let (Some(s), Some(_)) = (src, out) {
                let contiguous = s.c_contiguous || s.f_contiguous;
                if view && contiguous {
                    rules.insert("R-RAVEL-1");
                    rules.insert("R-STRIDE-1");
                } else if view {
                    rules.insert("R-RAVEL-2");
                } else {
                    rules.insert("R-RAVEL-3");
                    if *order == Order::K {
                        rules.insert("R-STRIDE-4");
                        rules.insert("R-RAVEL-2");
                    }
                }
            }
        }
        Step::Flatten { order, .. } => {
            rules.insert("R-FLATTEN-1");
            rules.insert("R-OWN-1");
            if *order == Order::K {
                rules.insert("R-STRIDE-4");
            }
            if out.is_some_and(|o| o.shape.contains(&0)) {
                rules.insert("R-STRIDE-2");
            }
        }
        Step::Squeeze { .. } => {
            if error.is_some() {
                rules.insert("R-SQUEEZE-1");
            } else if let (Some(s), Some(o)) = (src, out) {
                rules.insert(if s.shape == o.shape {
                    "R-SAME-1"
                } else {
                    "R-SQUEEZE-1"
                });
            }
        }
        Step::ExpandDims { .. } => {
            rules.insert("R-EXPAND-1");
        }
        Step::BroadcastTo { .. } => {
            rules.insert(if error.is_some() {
                "R-BCAST-2"
            } else {
                "R-BCAST-1"
            });
            if error == Some("ValueError") && out.is_none() {
                rules.insert("R-BCAST-2");
            }
        }
        Step::Diagonal { .. } => {
            if error.is_some() {
                rules.insert("R-DIAG-3");
            } else {
                rules.insert("R-DIAG-1");
                if out.is_some_and(|o| o.shape.last() == Some(&0)) {
                    rules.insert("R-DIAG-2");
                }
            }
        }
        Step::Copy { order, .. } => {
            rules.insert("R-COPY-1");
            rules.insert("R-OWN-1");
            if *order == Order::K {
                rules.insert("R-STRIDE-3");
            }
            if out.is_some_and(|o| o.shape.contains(&0)) {
                rules.insert("R-STRIDE-2");
            }
        }
        Step::Asarray { .. } => {
            rules.insert("R-ASARRAY-1");
        }
        Step::Assign { dst, index, value } | Step::AddAssign { dst, index, value } => {
            let add = matches!(step, Step::AddAssign { .. });
            let dst_rec = array(obs, Some(dst));
            if error.is_some() || dst_rec.is_some_and(|d| !d.writeable) {
                rules.insert("R-WRITE-6");
            }
            let advanced = index.iter().any(|i| {
                matches!(i, Item::Mask(_) | Item::Var(_))
                    || matches!(i, Item::Array(a) if !a.shape.is_empty())
            });
            // An index naming an array that aliases the destination.
            if index
                .iter()
                .any(|i| matches!(i, Item::Var(n) if n == dst || shares(obs, n, dst)))
            {
                rules.insert("R-OVERLAP-5");
            }
            // A scalar position (integers on every axis, or `()` on a 0-d
            // array) written with an array value.
            let scalar_position = dst_rec.is_some_and(|d| {
                index.iter().all(|i| matches!(i, Item::Int(_))) && index.len() == d.shape.len()
            });
            if scalar_position
                && matches!(value, Value::Var(v) if matches!(obs.get(v), Some(Bound::Array(_))))
            {
                rules.insert("R-WRITE-8");
            }
            let full_mask = index.len() == 1
                && matches!(&index[0], Item::Mask(m) if dst_rec.is_some_and(|d| d.shape == m.shape));
            if error.is_none() {
                if full_mask {
                    rules.insert("R-WRITE-4");
                } else if advanced {
                    rules.insert("R-WRITE-3");
                    if has_duplicates(index) {
                        rules.insert("R-WRITE-5");
                    }
                } else {
                    rules.insert("R-WRITE-1");
                }
                // Another name sees the write.
                if obs.shares_memory.iter().any(|(a, b)| a == dst || b == dst) {
                    rules.insert("R-WRITE-2");
                }
                if let Value::Var(v) = value {
                    if v == dst || shares(obs, v, dst) {
                        rules.insert("R-OVERLAP-1");
                    }
                }
                if add {
                    rules.insert("R-WRITE-7");
                }
                if obs.steps[k].extra.contains_key("numpy_deviation") {
                    let kind = obs.steps[k].extra["numpy_deviation"].as_str().unwrap_or("");
                    rules.insert(match kind {
                        "duplicate-order" => "R-OVERLAP-4",
                        _ if full_mask => "R-OVERLAP-3",
                        _ => "R-OVERLAP-2",
                    });
                }
            }
            index_rules(index, dst_rec, None, error, &mut rules);
        }
    }
    // Every pair the step's result is in is decided by the sharing rules.
    if let Some(o) = step.out() {
        if obs.get(o).is_some() {
            rules.insert("R-SHARE-2");
            if obs.may_share_memory.iter().any(|(a, b)| a == o || b == o) {
                rules.insert("R-SHARE-1");
            }
        }
    }
    rules
}

/// The number of elements of `src[index]` when `index` has advanced items
/// (format 1's LimitExceeded count: broadcast index shapes, a mask by its
/// Trues, times what the basic items keep), or `None`.
fn advanced_size(index: &[Item], shape: &[usize]) -> Option<u128> {
    // A `{"var": ...}` item's shape is the bound array's, not in the step.
    if index.iter().any(|i| matches!(i, Item::Var(_))) {
        return None;
    }
    let consumed: usize = index
        .iter()
        .map(|i| match i {
            Item::Int(_) | Item::Slice(..) | Item::Array(_) | Item::Var(_) => 1,
            Item::Mask(m) => m.shape.len(),
            Item::NewAxis | Item::Ellipsis => 0,
        })
        .sum();
    let spare = shape.len().checked_sub(consumed)?;
    let (mut b, mut sub, mut axis, mut advanced) = (Vec::<usize>::new(), 1u128, 0usize, false);
    let mut broadcast = |s: &[usize]| {
        let nd = b.len().max(s.len());
        let mut out = vec![1usize; nd];
        for (k, o) in out.iter_mut().enumerate() {
            let x = (k + b.len()).checked_sub(nd).map_or(1, |j| b[j]);
            let y = (k + s.len()).checked_sub(nd).map_or(1, |j| s[j]);
            *o = if x == 1 { y } else { x };
        }
        b = out;
    };
    for i in index {
        match i {
            Item::Int(_) => axis += 1,
            Item::NewAxis => {}
            Item::Ellipsis => {
                sub *= shape[axis..axis + spare]
                    .iter()
                    .map(|&d| d as u128)
                    .product::<u128>();
                axis += spare;
            }
            Item::Slice(a, z, c) => {
                let (_, _, n) =
                    viewcheck_arrays::layout::slice_indices(*a, *z, *c, shape[axis]).ok()?;
                sub *= n as u128;
                axis += 1;
            }
            Item::Array(a) => {
                if !a.shape.is_empty() {
                    advanced = true;
                    broadcast(&a.shape);
                }
                axis += 1;
            }
            Item::Var(_) => return None,
            Item::Mask(m) => {
                advanced = true;
                broadcast(&[m.data.iter().filter(|&&x| x).count()]);
                axis += m.shape.len();
            }
        }
    }
    let rest: u128 = shape[axis.min(shape.len())..]
        .iter()
        .map(|&d| d as u128)
        .product();
    advanced.then(|| b.iter().map(|&d| d as u128).product::<u128>() * sub * rest)
}

/// Whether some index array of `index` repeats a value (duplicate targets).
fn has_duplicates(index: &[Item]) -> bool {
    index.iter().any(|i| match i {
        Item::Array(a) => {
            let mut d = a.data.clone();
            d.sort_unstable();
            d.windows(2).any(|w| w[0] == w[1])
        }
        _ => false,
    })
}

/// The rules of an index (for `index` and for the index of a write).
fn index_rules(
    index: &[Item],
    src: Option<&ArrayRecord>,
    out: Option<&ArrayRecord>,
    error: Option<&str>,
    rules: &mut BTreeSet<&'static str>,
) {
    let Some(s) = src else { return };
    let ndim = s.shape.len();
    let mut consumed = 0usize;
    let mut advanced = 0usize;
    let mut basic_besides = false;
    let mut ellipses = 0;
    for item in index {
        match item {
            Item::Int(_) => {
                consumed += 1;
                rules.insert("R-INDEX-2");
            }
            Item::Slice(_, _, step) => {
                consumed += 1;
                basic_besides = true;
                rules.insert(if *step == Some(0) {
                    "R-SLICE-3"
                } else {
                    "R-SLICE-1"
                });
            }
            Item::NewAxis => {
                basic_besides = true;
                rules.insert("R-INDEX-4");
            }
            Item::Ellipsis => {
                ellipses += 1;
                basic_besides = true;
                rules.insert("R-INDEX-5");
            }
            Item::Array(a) if a.shape.is_empty() => {
                consumed += 1;
                rules.insert("R-INDEX-8");
            }
            Item::Array(_) => {
                consumed += 1;
                advanced += 1;
            }
            Item::Var(_) => {
                consumed += 1;
                advanced += 1;
                rules.insert("V-VAR-1");
            }
            Item::Mask(m) if m.shape.is_empty() => {
                advanced += 1;
                rules.insert("R-INDEX-9");
            }
            Item::Mask(m) => {
                consumed += m.shape.len();
                advanced += 1;
                let full = index.len() == 1 && m.shape == s.shape;
                rules.insert(if full { "R-MASK-1" } else { "R-MASK-2" });
            }
        }
    }
    if ndim == 0 {
        rules.insert("R-INDEX-7");
    }
    if index.len() > 64 || advanced >= 63 {
        rules.insert("R-INDEX-10");
    }
    if ellipses > 1 {
        rules.insert("R-INDEX-5");
    }
    if let Some(class) = error {
        if class == "IndexError" {
            if consumed > ndim && ellipses <= 1 {
                rules.insert("R-INDEX-6");
            } else if advanced > 0 {
                rules.insert("R-FANCY-4");
                if index
                    .iter()
                    .filter(|i| matches!(i, Item::Array(a) if !a.shape.is_empty()))
                    .count()
                    > 1
                {
                    rules.insert("R-FANCY-3");
                }
            } else if index.iter().any(|i| matches!(i, Item::Int(_))) {
                rules.insert("R-INDEX-3");
            }
        }
        return;
    }
    if advanced > 0 {
        rules.insert("R-FANCY-1");
        if basic_besides {
            rules.insert("R-FANCY-2");
        }
        if let Some(o) = out {
            rules.insert("R-FANCY-5");
            if !o.owndata {
                rules.insert("R-OWN-2");
            } else {
                rules.insert("R-OWN-1");
            }
            if o.shape.contains(&0) {
                rules.insert("R-FANCY-6");
                rules.insert("R-STRIDE-2");
            }
        }
    } else if consumed == ndim && !basic_besides && index.iter().all(|i| matches!(i, Item::Int(_)))
    {
        rules.insert("R-INDEX-1");
    } else if let Some(o) = out {
        rules.insert("R-INDEX-1");
        if index.iter().any(|i| matches!(i, Item::Slice(..))) && o.shape.contains(&0) {
            rules.insert("R-SLICE-2");
        }
    }
    if index.iter().any(|i| matches!(i, Item::Int(_))) && consumed <= ndim {
        rules.insert("R-INDEX-3");
    }
}

/// `check`'s rule-coverage summary: one line with how many rules of the
/// catalog the campaign reached, then (unless `brief`) the reached rules
/// with their step counts, several to a line, and the rules never reached.
pub fn summary(counts: &BTreeMap<String, u64>, brief: bool) -> String {
    use std::fmt::Write as _;
    let all = all_rule_ids();
    let missing = unreached(counts);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "rules:        {} of {} rules of corpus/RULES.md reached",
        all.len() - missing.len(),
        all.len()
    );
    if !brief {
        let cells: Vec<String> = all
            .iter()
            .filter_map(|id| counts.get(id).map(|n| format!("{id} {n}")))
            .collect();
        for chunk in cells.chunks(6) {
            let _ = writeln!(out, "  {}", chunk.join(", "));
        }
    }
    if !missing.is_empty() {
        let _ = writeln!(out, "never reached: {}", missing.join(", "));
    }
    out
}
