//! Writes: `assign` and `iadd` steps and their values (scalars, helper
//! arrays, views overlapping the destination).

use super::*;

impl Gen<'_, '_, '_, '_> {
    // ---- writes -----------------------------------------------------------

    /// A scalar write value: small, sometimes at the edge of the range.
    pub(crate) fn scalar(&mut self) -> i64 {
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
    pub(crate) fn fits(v: &[usize], t: &[usize], add: bool, full_mask: bool) -> bool {
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
    pub(crate) fn overlap_index(&mut self, shape: &[usize], target: &[usize]) -> Option<Vec<Item>> {
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
    pub(crate) fn value_shape(&mut self, t: &[usize], add: bool, full_mask: bool) -> Vec<usize> {
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
    pub(crate) fn helper_array(&mut self, shape: &[usize]) -> String {
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
    pub(crate) fn writeable_1d(&mut self) -> (String, Array) {
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
    pub(crate) fn slice_of(&mut self, len: usize, k: usize, step: i64) -> Item {
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
    pub(crate) fn gen_special_write(&mut self, add: bool) {
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

    pub(crate) fn gen_write(&mut self, add: bool, invalid: bool, max_steps: usize) {
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
            let mut index = self.gen_index(&shape, bad_index, true);
            self.var_items(dst.array.as_ref(), &mut index, bad_index);
            index
        };
        let full_mask = matches!(index.as_slice(), [Item::Mask(m)] if m.shape == shape);
        // The shape of `dst[index]` (empty for a scalar), if it exists.
        let target: Option<Vec<usize>> = dst.array.as_ref().and_then(|a| {
            let idx = backend::to_index(&index, self.env())?;
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

    pub(crate) fn write_value(
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
