//! The reducer: shrinks a failing program to a small one that still fails.
//!
//! [`shrink`] is greedy delta debugging run to a fixed point. Starting from
//! the failing program it repeatedly proposes *candidates*, each strictly
//! simpler than the current program by some well-founded measure (fewer
//! steps, fewer index items, smaller extents, fewer non-default arguments),
//! and keeps the first candidate for which the predicate still holds. The
//! passes, in order:
//!
//! 1. **Drop steps.** Chunks of steps are removed, halving the chunk size
//!    from half the program down to single steps (classic ddmin). Removing a
//!    step also removes every later step that uses a name it binds,
//!    transitively, so the candidate stays structurally valid.
//! 2. **Bypass steps.** A step that derives `out` from `src` is removed and
//!    later steps use `src` instead (chains of views collapse).
//! 3. **Simplify steps**, one step at a time: smaller `array` shapes (drop an
//!    axis, set an extent to 1, decrement an extent), simpler index items
//!    (drop an item; an index array becomes an integer, a full slice, a 1-d
//!    array or a shorter one; a mask becomes a full slice; slice parts become
//!    `null`; integers become 0; a `{"var"}` item becomes the literal index
//!    array it holds on the strided crate, or a full slice), simpler values (`{"var"}` becomes a scalar,
//!    a scalar becomes 0), `add_assign` becomes `assign`, orders become `C`,
//!    `copy` becomes `null`, axis lists become `null` or lose an element,
//!    offsets and axes take their defaults.
//! 4. **Rename** the bound names to `a`, `b`, `c`, ... in binding order.
//!
//! The passes repeat until a whole round changes nothing or the budget of
//! predicate calls ([`DEFAULT_BUDGET`] for [`shrink`]) is spent. Every
//! candidate is validated with `Program::from_json(&candidate.to_json())`
//! and skipped if the format rejects it; candidates already tried are not
//! tried again. The predicate is never called on the original program (it
//! is assumed to fail).
//!
//! ```
//! use viewcheck::format::{Program, Step};
//! use viewcheck::shrink::shrink;
//! let p = Program::parse(r#"{"format": 1, "steps": [
//!     {"op": "array", "out": "a", "shape": [3, 4]},
//!     {"op": "array", "out": "b", "shape": [2]},
//!     {"op": "transpose", "out": "c", "src": "a", "axes": null},
//!     {"op": "ravel", "out": "d", "src": "c", "order": "F"}]}"#).unwrap();
//! // "Fails" whenever some step is a ravel.
//! let small = shrink(&p, &mut |q: &Program| q.steps.iter().any(|s| matches!(s, Step::Ravel { .. })));
//! let expected = r#"{"format":1,"steps":[{"op":"array","out":"a","shape":[],"order":"C"},{"op":"ravel","out":"b","src":"a","order":"C"}]}"#;
//! assert_eq!(small, Program::parse(expected).unwrap());
//! ```

use std::collections::{HashMap, HashSet};

use crate::format::{Item, NdList, Order, Program, Step, Value};

/// Predicate calls [`shrink`] may make.
pub const DEFAULT_BUDGET: usize = 2000;

/// Shrinks `program`, which fails (`still_fails` would return true), to a
/// smaller program for which `still_fails` is still true, with at most
/// [`DEFAULT_BUDGET`] predicate calls. See the module documentation.
pub fn shrink(program: &Program, still_fails: &mut dyn FnMut(&Program) -> bool) -> Program {
    shrink_with_budget(program, still_fails, DEFAULT_BUDGET)
}

/// [`shrink`] with an explicit budget of predicate calls.
pub fn shrink_with_budget(
    program: &Program,
    still_fails: &mut dyn FnMut(&Program) -> bool,
    budget: usize,
) -> Program {
    let mut s = Shrinker {
        current: program.clone(),
        pred: still_fails,
        calls: 0,
        budget,
        seen: HashSet::new(),
    };
    s.seen.insert(program.clone());
    loop {
        let mut progress = s.drop_steps();
        progress |= s.bypass_steps();
        progress |= s.simplify_steps();
        progress |= s.rename();
        if !progress || s.exhausted() {
            break;
        }
    }
    s.current
}

struct Shrinker<'p> {
    current: Program,
    pred: &'p mut dyn FnMut(&Program) -> bool,
    calls: usize,
    budget: usize,
    seen: HashSet<Program>,
}

impl Shrinker<'_> {
    fn exhausted(&self) -> bool {
        self.calls >= self.budget
    }

    /// Tries a candidate; on success it becomes the current program.
    fn try_candidate(&mut self, cand: Program) -> bool {
        if self.exhausted() || cand == self.current {
            return false;
        }
        let Ok(cand) = Program::from_json(&cand.to_json()) else {
            return false;
        };
        if !self.seen.insert(cand.clone()) {
            return false;
        }
        self.calls += 1;
        if (self.pred)(&cand) {
            self.current = cand;
            true
        } else {
            false
        }
    }

    /// Pass 1: remove chunks of steps (with their dependents).
    fn drop_steps(&mut self) -> bool {
        let mut progress = false;
        let mut chunk = (self.current.steps.len() / 2).max(1);
        loop {
            let mut start = self.current.steps.len();
            while start > 0 && !self.exhausted() {
                let from = start.saturating_sub(chunk);
                let cand = without(&self.current, from..start);
                if self.try_candidate(cand) {
                    progress = true;
                    start = from.min(self.current.steps.len());
                } else {
                    start = from;
                }
            }
            if chunk == 1 || self.exhausted() {
                break;
            }
            chunk /= 2;
        }
        progress
    }

    /// Pass 2: remove a step that derives `out` from `src` and let later
    /// steps use `src` instead (collapses chains of views).
    fn bypass_steps(&mut self) -> bool {
        let mut progress = false;
        let mut i = self.current.steps.len();
        while i > 0 && !self.exhausted() {
            i -= 1;
            if i >= self.current.steps.len() {
                continue;
            }
            if let Some(cand) = bypassed(&self.current, i) {
                progress |= self.try_candidate(cand);
            }
        }
        progress
    }

    /// Pass 3: replace single steps by simpler variants.
    fn simplify_steps(&mut self) -> bool {
        let mut progress = false;
        let mut i = 0;
        while i < self.current.steps.len() && !self.exhausted() {
            let mut changed = true;
            while changed && !self.exhausted() {
                changed = false;
                let mut variants = var_literals(&self.current, i);
                variants.extend(simpler_steps(&self.current.steps[i]));
                for variant in variants {
                    let mut cand = self.current.clone();
                    cand.steps[i] = variant;
                    if self.try_candidate(cand) {
                        changed = true;
                        progress = true;
                        break;
                    }
                }
            }
            i += 1;
        }
        progress
    }

    /// Pass 4: canonical names `a`, `b`, ... in binding order.
    fn rename(&mut self) -> bool {
        let cand = renamed(&self.current);
        self.try_candidate(cand)
    }
}

/// `program` without the steps in `range` and every later step that
/// (transitively) uses a name they bind.
fn without(program: &Program, range: std::ops::Range<usize>) -> Program {
    let mut dropped: HashSet<String> = HashSet::new();
    let mut steps = Vec::new();
    for (i, s) in program.steps.iter().enumerate() {
        let remove = range.contains(&i) || s.uses().iter().any(|n| dropped.contains(*n));
        if remove {
            if let Some(o) = s.out() {
                dropped.insert(o.to_string());
            }
        } else {
            steps.push(s.clone());
        }
    }
    Program {
        name: program.name.clone(),
        note: program.note.clone(),
        steps,
    }
}

/// `program` without step `i` (which reads `src` and binds `out`), every
/// later use of `out` replaced by `src`.
fn bypassed(program: &Program, i: usize) -> Option<Program> {
    let step = &program.steps[i];
    let (out, src) = (step.out()?.to_string(), step.src()?.to_string());
    let mut map = HashMap::new();
    map.insert(out, src);
    let mut p = program.clone();
    p.steps.remove(i);
    Some(renamed_with(&p, &map))
}

/// The canonical name of the `i`-th bound name.
fn canonical(i: usize) -> String {
    if i < 26 {
        ((b'a' + i as u8) as char).to_string()
    } else {
        format!("v{i}")
    }
}

fn renamed(program: &Program) -> Program {
    let mut map: HashMap<String, String> = HashMap::new();
    for s in &program.steps {
        if let Some(o) = s.out() {
            let n = canonical(map.len());
            map.insert(o.to_string(), n);
        }
    }
    renamed_with(program, &map)
}

/// `program` with every name in `map` replaced.
fn renamed_with(program: &Program, map: &HashMap<String, String>) -> Program {
    let r = |n: &String| map.get(n).cloned().unwrap_or_else(|| n.clone());
    let steps = program
        .steps
        .iter()
        .map(|s| {
            let mut s = s.clone();
            match &mut s {
                Step::Array { out, .. } => *out = r(out),
                Step::Assign {
                    dst, value, index, ..
                }
                | Step::AddAssign {
                    dst, value, index, ..
                } => {
                    *dst = r(dst);
                    if let Value::Var(v) = value {
                        *v = r(v);
                    }
                    rename_items(index, &r);
                }
                Step::Index { out, src, index } => {
                    *out = r(out);
                    *src = r(src);
                    rename_items(index, &r);
                }
                Step::Transpose { out, src, .. }
                | Step::Swapaxes { out, src, .. }
                | Step::Moveaxis { out, src, .. }
                | Step::Reshape { out, src, .. }
                | Step::Ravel { out, src, .. }
                | Step::Flatten { out, src, .. }
                | Step::Squeeze { out, src, .. }
                | Step::ExpandDims { out, src, .. }
                | Step::BroadcastTo { out, src, .. }
                | Step::Diagonal { out, src, .. }
                | Step::Copy { out, src, .. }
                | Step::Asarray { out, src, .. } => {
                    *out = r(out);
                    *src = r(src);
                }
            }
            s
        })
        .collect();
    Program {
        name: program.name.clone(),
        note: program.note.clone(),
        steps,
    }
}

/// The `{"var": ...}` items of an index renamed (format 1.2).
fn rename_items(index: &mut [Item], r: &dyn Fn(&String) -> String) {
    for item in index {
        if let Item::Var(n) = item {
            *n = r(n);
        }
    }
}

/// Step `i` of `program` with one of its `{"var": NAME}` items replaced by
/// the literal index array NAME holds when the step runs on the strided
/// crate (what the item means, format 1.2), one variant per var item that
/// names an array there. A literal that the validator would reject or read
/// back differently (a zero extent before the last axis) is left out.
fn var_literals(program: &Program, i: usize) -> Vec<Step> {
    let step = &program.steps[i];
    let Some(index) = step.index() else {
        return Vec::new();
    };
    if !index.iter().any(|it| matches!(it, Item::Var(_))) {
        return Vec::new();
    }
    let mut run = crate::backend::StridedRun::default();
    for s in &program.steps[..i] {
        if !run.step(s) {
            return Vec::new();
        }
    }
    let mut out = Vec::new();
    for (j, item) in index.iter().enumerate() {
        let Item::Var(n) = item else { continue };
        let Some(crate::backend::Binding::Array(a)) = run.env.get(n) else {
            continue;
        };
        let shape = a.shape().to_vec();
        let representable = shape.iter().rev().skip(1).all(|&e| e != 0);
        if !representable
            || shape.len() > crate::format::MAX_INDEX_AXES
            || a.size() > crate::format::MAX_INDEX_ELEMENTS
        {
            continue;
        }
        let literal = Item::Array(NdList {
            shape,
            data: a.to_vec(),
        });
        let mut s = step.clone();
        match &mut s {
            Step::Index { index, .. }
            | Step::Assign { index, .. }
            | Step::AddAssign { index, .. } => index[j] = literal,
            _ => unreachable!("a step with an index"),
        }
        out.push(s);
    }
    out
}

/// Shapes strictly smaller than `shape`: an axis dropped, an extent set to
/// 1, an extent decremented.
fn smaller_shapes(shape: &[i64]) -> Vec<Vec<i64>> {
    let mut out = Vec::new();
    for i in 0..shape.len() {
        let mut s = shape.to_vec();
        s.remove(i);
        out.push(s);
    }
    for i in 0..shape.len() {
        if shape[i] > 1 {
            let mut s = shape.to_vec();
            s[i] = 1;
            out.push(s);
        }
    }
    for i in 0..shape.len() {
        if shape[i] > 2 {
            let mut s = shape.to_vec();
            s[i] -= 1;
            out.push(s);
        }
    }
    out
}

/// Lists without one element each.
fn drop_one(v: &[i64]) -> Vec<Vec<i64>> {
    (0..v.len())
        .map(|i| {
            let mut w = v.to_vec();
            w.remove(i);
            w
        })
        .collect()
}

/// Simpler replacements of one index item.
fn simpler_items(item: &Item) -> Vec<Item> {
    let full = Item::Slice(None, None, None);
    let mut out = Vec::new();
    match item {
        Item::Int(i) => {
            if *i != 0 {
                out.push(Item::Int(0));
            }
        }
        Item::Slice(a, b, c) => {
            if a.is_some() {
                out.push(Item::Slice(None, *b, *c));
            }
            if b.is_some() {
                out.push(Item::Slice(*a, None, *c));
            }
            if c.is_some() {
                out.push(Item::Slice(*a, *b, None));
            }
        }
        Item::NewAxis | Item::Ellipsis => {}
        // A literal of the same values comes first (`var_literals`, which
        // needs the program); a full slice is simpler still.
        Item::Var(_) => out.push(full),
        Item::Array(a) => {
            if let Some(&v) = a.data.first() {
                out.push(Item::Int(v));
            }
            out.push(full);
            if a.shape.len() > 1 {
                out.push(Item::Array(NdList {
                    shape: vec![a.data.len()],
                    data: a.data.clone(),
                }));
            }
            if a.shape.len() == 1 && !a.data.is_empty() {
                for k in 0..a.data.len() {
                    let mut d = a.data.clone();
                    d.remove(k);
                    out.push(Item::Array(NdList {
                        shape: vec![d.len()],
                        data: d,
                    }));
                }
            }
            if a.data.iter().any(|&v| v != 0) {
                out.push(Item::Array(NdList {
                    shape: a.shape.clone(),
                    data: a
                        .data
                        .iter()
                        .map(|&v| if v < 0 { v } else { v.min(1) })
                        .collect(),
                }));
            }
        }
        Item::Mask(m) => {
            if m.shape.len() == 1 {
                out.push(full);
            }
            if m.data.iter().any(|&b| b) && m.data.len() > 1 {
                // Fewer trues: keep only the first.
                let first = m.data.iter().position(|&b| b).expect("some true");
                let data = (0..m.data.len()).map(|k| k == first).collect::<Vec<_>>();
                if data != m.data {
                    out.push(Item::Mask(NdList {
                        shape: m.shape.clone(),
                        data,
                    }));
                }
            }
        }
    }
    out.retain(|c| c != item);
    out
}

/// Simpler index tuples: an item dropped, or one item simplified.
fn simpler_indices(index: &[Item]) -> Vec<Vec<Item>> {
    let mut out = Vec::new();
    for i in 0..index.len() {
        let mut v = index.to_vec();
        v.remove(i);
        out.push(v);
    }
    for i in 0..index.len() {
        for s in simpler_items(&index[i]) {
            let mut v = index.to_vec();
            v[i] = s;
            out.push(v);
        }
    }
    out
}

/// Simpler variants of one step, most aggressive first.
fn simpler_steps(step: &Step) -> Vec<Step> {
    let mut out = Vec::new();
    let c_order = |o: &Order| *o != Order::C;
    match step {
        Step::Array {
            out: o,
            shape,
            order,
        } => {
            for s in smaller_shapes(shape) {
                out.push(Step::Array {
                    out: o.clone(),
                    shape: s,
                    order: *order,
                });
            }
            if c_order(order) {
                out.push(Step::Array {
                    out: o.clone(),
                    shape: shape.clone(),
                    order: Order::C,
                });
            }
        }
        Step::Index { out: o, src, index } => {
            for idx in simpler_indices(index) {
                out.push(Step::Index {
                    out: o.clone(),
                    src: src.clone(),
                    index: idx,
                });
            }
        }
        Step::Transpose {
            out: o,
            src,
            axes: Some(axes),
        } => {
            out.push(Step::Transpose {
                out: o.clone(),
                src: src.clone(),
                axes: None,
            });
            for a in drop_one(axes) {
                out.push(Step::Transpose {
                    out: o.clone(),
                    src: src.clone(),
                    axes: Some(a),
                });
            }
        }
        Step::Swapaxes {
            out: o,
            src,
            axis1,
            axis2,
        } => {
            let size = |a: i64, b: i64| a.abs() + b.abs();
            for (a, b) in [(0, *axis2), (*axis1, 0), (0, 1)] {
                if size(a, b) < size(*axis1, *axis2) {
                    out.push(Step::Swapaxes {
                        out: o.clone(),
                        src: src.clone(),
                        axis1: a,
                        axis2: b,
                    });
                }
            }
        }
        Step::Moveaxis {
            out: o,
            src,
            source,
            destination,
        } if source.len() == destination.len() => {
            for i in 0..source.len() {
                let mut s = source.clone();
                let mut d = destination.clone();
                s.remove(i);
                d.remove(i);
                out.push(Step::Moveaxis {
                    out: o.clone(),
                    src: src.clone(),
                    source: s,
                    destination: d,
                });
            }
        }
        Step::Reshape {
            out: o,
            src,
            shape,
            order,
            copy,
        } => {
            if copy.is_some() {
                out.push(Step::Reshape {
                    out: o.clone(),
                    src: src.clone(),
                    shape: shape.clone(),
                    order: *order,
                    copy: None,
                });
            }
            if c_order(order) {
                out.push(Step::Reshape {
                    out: o.clone(),
                    src: src.clone(),
                    shape: shape.clone(),
                    order: Order::C,
                    copy: *copy,
                });
            }
            if shape.len() > 1 {
                out.push(Step::Reshape {
                    out: o.clone(),
                    src: src.clone(),
                    shape: vec![-1],
                    order: *order,
                    copy: *copy,
                });
            }
            for s in drop_one(shape) {
                if shape.iter().filter(|&&e| e == 1).count() > 0 {
                    out.push(Step::Reshape {
                        out: o.clone(),
                        src: src.clone(),
                        shape: s,
                        order: *order,
                        copy: *copy,
                    });
                }
            }
        }
        Step::Ravel { out: o, src, order } if c_order(order) => out.push(Step::Ravel {
            out: o.clone(),
            src: src.clone(),
            order: Order::C,
        }),
        Step::Flatten { out: o, src, order } if c_order(order) => out.push(Step::Flatten {
            out: o.clone(),
            src: src.clone(),
            order: Order::C,
        }),
        Step::Copy { out: o, src, order } if c_order(order) => out.push(Step::Copy {
            out: o.clone(),
            src: src.clone(),
            order: Order::C,
        }),
        Step::Asarray { out: o, src, order } if c_order(order) => out.push(Step::Asarray {
            out: o.clone(),
            src: src.clone(),
            order: Order::C,
        }),
        Step::Squeeze {
            out: o,
            src,
            axis: Some(axis),
        } => {
            out.push(Step::Squeeze {
                out: o.clone(),
                src: src.clone(),
                axis: None,
            });
            for a in drop_one(axis) {
                out.push(Step::Squeeze {
                    out: o.clone(),
                    src: src.clone(),
                    axis: Some(a),
                });
            }
        }
        Step::ExpandDims { out: o, src, axis } => {
            for a in drop_one(axis) {
                out.push(Step::ExpandDims {
                    out: o.clone(),
                    src: src.clone(),
                    axis: a,
                });
            }
        }
        Step::BroadcastTo { out: o, src, shape } => {
            for s in smaller_shapes(shape) {
                out.push(Step::BroadcastTo {
                    out: o.clone(),
                    src: src.clone(),
                    shape: s,
                });
            }
        }
        Step::Diagonal {
            out: o,
            src,
            offset,
            axis1,
            axis2,
        } => {
            for (off, a1, a2) in [(0, *axis1, *axis2), (*offset, 0, 1)] {
                if (off, a1, a2) != (*offset, *axis1, *axis2) {
                    out.push(Step::Diagonal {
                        out: o.clone(),
                        src: src.clone(),
                        offset: off,
                        axis1: a1,
                        axis2: a2,
                    });
                }
            }
        }
        Step::Assign { dst, index, value } | Step::AddAssign { dst, index, value } => {
            let add = matches!(step, Step::AddAssign { .. });
            let make = |index: Vec<Item>, value: Value, add: bool| {
                if add {
                    Step::AddAssign {
                        dst: dst.clone(),
                        index,
                        value,
                    }
                } else {
                    Step::Assign {
                        dst: dst.clone(),
                        index,
                        value,
                    }
                }
            };
            match value {
                Value::Var(_) => out.push(make(index.clone(), Value::Scalar(0), add)),
                Value::Scalar(s) if *s != 0 => {
                    out.push(make(index.clone(), Value::Scalar(0), add));
                    if s.abs() > 1 {
                        out.push(make(index.clone(), Value::Scalar(s.signum()), add));
                    }
                }
                Value::Scalar(_) => {}
            }
            if add {
                out.push(make(index.clone(), value.clone(), false));
            }
            for idx in simpler_indices(index) {
                out.push(make(idx, value.clone(), add));
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Program {
        Program::parse(s).expect("valid")
    }

    #[test]
    fn var_items_are_dependents_renamed_and_become_literals() {
        let p = parse(
            r#"{"format":1,"steps":[{"op":"array","out":"x","shape":[6]},
            {"op":"index","out":"r","src":"x","index":[{"slice":[null,null,-2]}]},
            {"op":"array","out":"y","shape":[2]},
            {"op":"index","out":"z","src":"x","index":[{"var":"r"},"newaxis"]}]}"#,
        );
        // Dropping `r` drops `z`, which names it only in its index.
        let q = without(&p, 1..2);
        assert_eq!(q.steps.len(), 2);
        assert!(Program::from_json(&q.to_json()).is_ok());
        // Renaming reaches the var item.
        let q = renamed(&p);
        assert_eq!(q.steps[3].index_vars().collect::<Vec<_>>(), ["b"]);
        // The literal of what `r` holds on the strided crate: [5, 3, 1].
        let lit = var_literals(&p, 3);
        assert_eq!(lit.len(), 1);
        assert_eq!(
            lit[0].index(),
            Some(
                &[
                    Item::Array(NdList {
                        shape: vec![3],
                        data: vec![5, 3, 1]
                    }),
                    Item::NewAxis
                ][..]
            )
        );
        // "Fails" while something is bound to the values [5, 3, 1] by a
        // copy: the var item becomes a literal, and `r` and `y` go. Every
        // candidate the predicate sees is valid.
        let mut pred = |q: &Program| {
            assert!(Program::from_json(&q.to_json()).is_ok(), "{}", q.to_line());
            let mut run = crate::backend::StridedRun::default();
            for s in &q.steps {
                run.step(s);
            }
            let found = run.env.iter().any(|(_, b)| {
                matches!(b, crate::backend::Binding::Array(a)
                    if a.owndata() && a.to_vec() == [5, 3, 1])
            });
            found
        };
        let small = shrink(&p, &mut pred);
        assert_eq!(
            small,
            parse(
                r#"{"format":1,"steps":[{"op":"array","out":"a","shape":[6]},
                {"op":"index","out":"b","src":"a","index":[{"array":[5,3,1]}]}]}"#
            )
        );
    }

    #[test]
    fn a_var_naming_a_scalar_or_nothing_has_no_literal() {
        let p = parse(
            r#"{"format":1,"steps":[{"op":"array","out":"a","shape":[3]},
            {"op":"index","out":"s","src":"a","index":[1]},
            {"op":"index","out":"f","src":"a","index":[7]},
            {"op":"index","out":"b","src":"a","index":[{"var":"s"}]},
            {"op":"index","out":"c","src":"a","index":[{"var":"f"}]}]}"#,
        );
        assert!(var_literals(&p, 3).is_empty());
        assert!(var_literals(&p, 4).is_empty());
        // They can still become a full slice.
        assert!(simpler_items(&Item::Var("s".into())).contains(&Item::Slice(None, None, None)));
    }

    #[test]
    fn dropping_a_step_drops_its_dependents() {
        let p = parse(
            r#"{"format":1,"steps":[{"op":"array","out":"a","shape":[3]},
            {"op":"index","out":"b","src":"a","index":[0]},
            {"op":"array","out":"c","shape":[2]},
            {"op":"assign","dst":"c","index":[],"value":{"var":"b"}}]}"#,
        );
        let q = without(&p, 1..2);
        assert_eq!(q.steps.len(), 2);
        assert!(Program::from_json(&q.to_json()).is_ok());
    }

    #[test]
    fn respects_the_budget() {
        let p = parse(
            r#"{"format":1,"steps":[{"op":"array","out":"a","shape":[3,4,5]},
            {"op":"transpose","out":"b","src":"a","axes":[2,0,1]},
            {"op":"index","out":"c","src":"b","index":[{"slice":[1,null,-1]},{"array":[[0,1],[1,0]]}]}]}"#,
        );
        let mut calls = 0;
        let _ = shrink_with_budget(
            &p,
            &mut |_| {
                calls += 1;
                false
            },
            7,
        );
        assert_eq!(calls, 7);
    }

    #[test]
    fn reaches_a_fixed_point() {
        let p = parse(
            r#"{"format":1,"steps":[{"op":"array","out":"x","shape":[3,4,5],"order":"F"},
            {"op":"transpose","out":"y","src":"x","axes":[2,0,1]},
            {"op":"array","out":"z","shape":[2]},
            {"op":"index","out":"w","src":"y","index":[{"slice":[1,null,-1]},"newaxis",{"array":[[0,1],[1,0]]}]},
            {"op":"add_assign","dst":"w","index":[{"mask":[true,false,true,true,false]}],"value":{"var":"z"}}]}"#,
        );
        // Fails while some index step has an index array.
        let mut pred = |q: &Program| {
            q.steps.iter().any(|s| {
                matches!(s, Step::Index { index, .. } if index.iter().any(|i| matches!(i, Item::Array(_))))
            })
        };
        let small = shrink(&p, &mut pred);
        // Compared as programs, not as text: key order in JSON text depends
        // on serde_json's `preserve_order`, which only some builds enable.
        assert_eq!(
            small,
            parse(
                r#"{"format":1,"steps":[{"op":"array","out":"a","shape":[],"order":"C"},{"op":"index","out":"b","src":"a","index":[{"array":[]}]}]}"#
            )
        );
    }
}
