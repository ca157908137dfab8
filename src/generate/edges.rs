//! Edge recipes: short runs of steps that reach places the ordinary step
//! choice almost never does (one is picked per [`GenConfig::edge_rate`]):
//!
//! - `grow`: int64 limits. Program integers stop at ±(2^31 - 1), so values
//!   near ±2^63 are reached by one `+= ±(2^31 - 1)` and then 29 to 33
//!   doublings `a += a` (the last ones overflow in array form); then an
//!   element read as a scalar is added to itself in place (scalar form,
//!   NumPy's RuntimeWarning) and written elsewhere as a big scalar value.
//!   Needs about 36 steps of room below `max_steps`, so it comes early in
//!   a program, which then is longer than [`GenConfig::short_steps`].
//! - `caps`: indices at NumPy's caps: runs of 0-d booleans (62 to 65
//!   advanced indices, with or without an ellipsis), newaxis runs that make
//!   63 to 65 axes, more than 64 items, all-True masks next to them.
//! - `limit`: writes and indices whose advanced-index result is just over
//!   2^24 elements only when the subspace is counted, and writes (of about
//!   2^24/m elements) that would be over it if a mask over an axis of
//!   extent m >= 256 counted by its size instead of its number of Trues.
//! - `keep_order`: an F-ordered array with length-1 axes (whose strides
//!   tie with their neighbours') or a reversed view, then a K- or A-order
//!   copy, ravel or flatten, where the stride order rules differ.
//! - `nbytes`: zero-size shapes whose non-zero extents are just over
//!   NumPy's byte-size limit (2^63 bytes), as `array`, `reshape` and
//!   `broadcast_to`.

use super::*;

/// 2^20, the largest extent format 1 allows.
const MEG: usize = 1 << 20;

impl Gen<'_, '_, '_, '_> {
    /// Pushes one edge recipe (see the module notes).
    pub(crate) fn gen_edge(&mut self, max_steps: usize) {
        let room = max_steps.saturating_sub(self.steps.len());
        match self.weighted(&[if room >= 40 { 4 } else { 0 }, 3, 3, 2, 3]) {
            0 => self.edge_grow(),
            1 => self.edge_caps(),
            2 => self.edge_limit(),
            3 => self.edge_nbytes(),
            _ => self.edge_keep_order(),
        }
    }

    fn add_step(&mut self, dst: &str, index: Vec<Item>, value: Value) {
        self.push(Step::AddAssign {
            dst: dst.to_string(),
            index,
            value,
        });
    }

    fn edge_grow(&mut self) {
        let Some((name, a)) =
            self.pick_array(&|a| a.writeable() && a.size() >= 1 && a.size() <= 64)
        else {
            let n = self.range(1, 6) as usize;
            self.helper_array(&[n]);
            return;
        };
        let start = if self.chance(0.5) { MAX_INT } else { -MAX_INT };
        self.add_step(&name, Vec::new(), Value::Scalar(start));
        let doublings = self.range(29, 33);
        for _ in 0..doublings {
            self.add_step(&name, Vec::new(), Value::Var(name.clone()));
        }
        // Scalar form: one element, read as a scalar, added to itself.
        let at: Vec<Item> = a
            .shape()
            .iter()
            .map(|&d| Item::Int(self.below(d) as i64))
            .collect();
        let s = self.fresh_name();
        self.push(Step::Index {
            out: s.clone(),
            src: name.clone(),
            index: at.clone(),
        });
        if self.chance(0.5) {
            self.add_step(&name, at, Value::Var(s.clone()));
        } else {
            let edge = if self.chance(0.5) { MAX_INT } else { -MAX_INT };
            self.add_step(&name, at, Value::Scalar(edge));
        }
        // A big scalar written elsewhere.
        if let Some((dst, b)) = self.pick_array(&|b| b.writeable() && b.size() >= 1) {
            let at: Vec<Item> = b
                .shape()
                .iter()
                .map(|&d| Item::Int(self.below(d) as i64))
                .collect();
            self.push(Step::Assign {
                dst,
                index: at,
                value: Value::Var(s),
            });
        }
    }

    fn edge_caps(&mut self) {
        let Some((name, a)) = self.pick_array(&|a| a.ndim() <= 8) else {
            self.gen_array();
            return;
        };
        let n = a.ndim();
        let t = Item::Mask(NdList {
            shape: Vec::new(),
            data: vec![true],
        });
        let index: Vec<Item> = match self.below(4) {
            // 62..=65 advanced indices, with or without an ellipsis.
            0 => {
                let k = self.range(62, 65) as usize;
                let mut v = vec![t; k];
                if self.chance(0.6) {
                    v.push(Item::Ellipsis);
                }
                v
            }
            // newaxis runs that make 63..=65 axes.
            1 => {
                let k = (self.range(63, 65) as usize).saturating_sub(n);
                let mut v = vec![Item::NewAxis; k];
                v.push(Item::Ellipsis);
                v
            }
            // More than 64 items that NumPy still accepts, or just over 128.
            2 => {
                let bools = self.range(30, 45) as usize;
                let newaxes = if self.chance(0.2) {
                    129 - bools
                } else {
                    (63 - n.min(30)).min(self.range(20, 31) as usize)
                };
                let mut v = vec![t; bools];
                v.extend(std::iter::repeat_n(Item::NewAxis, newaxes));
                v.push(Item::Ellipsis);
                v
            }
            // All-True masks over the leading axes, a 0-d boolean run after.
            _ => {
                let lead = self.range(1, n.max(1) as i64) as usize;
                let lead = lead.min(n);
                let mut v = Vec::new();
                let shape = a.shape()[..lead].to_vec();
                if lead > 0 && Self::representable(&shape) {
                    let data = vec![true; size(&shape)];
                    v.push(Item::Mask(NdList { shape, data }));
                }
                let k = self.range(1, 63) as usize;
                v.extend(std::iter::repeat_n(t, k));
                v
            }
        };
        // Not as a write: the oracle's documented-write replay cannot take
        // targets with more than 32 axes or 64 index arrays.
        let out = self.fresh_name();
        self.push(Step::Index {
            out,
            src: name,
            index,
        });
    }

    /// An index array of zeros of `shape`.
    fn zeros(shape: Vec<usize>) -> Item {
        let n = size(&shape);
        Item::Array(NdList {
            shape,
            data: vec![0; n],
        })
    }

    fn edge_limit(&mut self) {
        let limit = viewcheck_arrays::MAX_RESULT_ELEMENTS;
        // Half the time the mask variant, which needs a long third axis.
        let long = self.chance(0.5);
        let found = self.pick_array(&|a| {
            a.ndim() >= 3
                && a.shape()[..3].iter().all(|&d| d >= 1)
                && a.size() <= 4096
                && (!long || (a.shape()[2] >= 256 && a.writeable()))
                // A one-element subspace cannot put the count over the
                // limit: the read would fit the per-step limit, be built
                // (2^23 elements) and only then fail the program budget.
                && size(&a.shape()[2..]) >= 2
        });
        let (name, a) = match found {
            Some(f) => f,
            None => {
                // A source: three leading axes and a tail.
                let (m, tail) = if long {
                    (self.range(256, 1024) as usize, 1)
                } else {
                    (self.range(2, 24) as usize, self.range(1, 8) as usize)
                };
                let name = self.helper_array(&[1, 1, m, tail]);
                match self.env().get(&name) {
                    Some(Binding::Array(a)) => (name, a.clone()),
                    _ => return,
                }
            }
        };
        let sh = a.shape();
        let m = sh[2];
        let p = 1usize << 12;
        let (q, mask) = if m >= 256 && a.writeable() {
            // A one-True mask over axis 2 (a write: the result is big): the
            // p·q·sub targets fit, p·q·m·sub would not.
            let sub = size(&sh[3..]).max(1);
            let pq = limit / (sub * m) + 1;
            let mut data = vec![false; m];
            data[self.below(m)] = true;
            (pq.div_ceil(p), Some(data))
        } else {
            // p·q fits, p·q·sub (the subspace is axes 2 and on) does not.
            let sub = size(&sh[2..]);
            let pq = limit / sub + 1 + self.below(3);
            (pq.div_ceil(p), None)
        };
        let write = a.writeable() && (mask.is_some() || self.chance(0.6));
        let mut index = vec![Self::zeros(vec![p, 1, 1]), Self::zeros(vec![1, q, 1])];
        if let Some(data) = mask {
            index.push(Item::Mask(NdList {
                shape: vec![m],
                data,
            }));
        }
        if write {
            let v = self.scalar();
            let step = if self.chance(0.5) {
                Step::Assign {
                    dst: name,
                    index,
                    value: Value::Scalar(v),
                }
            } else {
                Step::AddAssign {
                    dst: name,
                    index,
                    value: Value::Scalar(v),
                }
            };
            self.push(step);
        } else {
            let out = self.fresh_name();
            self.push(Step::Index {
                out,
                src: name,
                index,
            });
        }
    }

    fn edge_keep_order(&mut self) {
        let n = self.range(2, 4) as usize;
        let mut shape: Vec<i64> = (0..n).map(|_| self.range(2, 4)).collect();
        let ones = self.range(1, 2) as usize;
        for _ in 0..ones {
            let at = self.below(shape.len() + 1);
            shape.insert(at, 1);
        }
        let a = self.fresh_name();
        self.push(Step::Array {
            out: a.clone(),
            shape,
            order: Order::F,
        });
        let src = if self.chance(0.3) {
            let v = self.fresh_name();
            let index = vec![Item::Slice(None, None, Some(-1))];
            self.push(Step::Index {
                out: v.clone(),
                src: a,
                index,
            });
            v
        } else {
            a
        };
        let order = if self.chance(0.75) {
            Order::K
        } else {
            Order::A
        };
        let out = self.fresh_name();
        let step = match self.below(3) {
            0 => Step::Copy { out, src, order },
            1 => Step::Ravel { out, src, order },
            _ => Step::Flatten { out, src, order },
        };
        self.push(step);
    }

    fn edge_nbytes(&mut self) {
        // Non-zero extents whose product times 8 is 2^63 (too big) or 2^60.
        // Only shapes over the limit: a bound zero-size array with 2^20-long
        // axes would later get masks longer than format 1 allows.
        let mut shape: Vec<i64> = vec![MEG as i64; 3];
        let zero_at = self.below(shape.len() + 1);
        shape.insert(zero_at, 0);
        match self.below(3) {
            0 => {
                let out = self.fresh_name();
                let order = if self.chance(0.3) { Order::F } else { Order::C };
                self.push(Step::Array { out, shape, order });
            }
            1 => {
                let Some((name, _)) = self.pick_array(&|a| a.size() == 0) else {
                    let out = self.fresh_name();
                    self.push(Step::Array {
                        out,
                        shape: vec![0],
                        order: Order::C,
                    });
                    return;
                };
                let out = self.fresh_name();
                self.push(Step::Reshape {
                    out,
                    src: name,
                    shape,
                    order: Order::C,
                    copy: None,
                });
            }
            _ => {
                let Some((name, _)) = self.pick_array(&|a| a.ndim() <= 1 && a.size() <= 1) else {
                    let out = self.fresh_name();
                    self.push(Step::Array {
                        out,
                        shape: vec![1],
                        order: Order::C,
                    });
                    return;
                };
                let out = self.fresh_name();
                self.push(Step::BroadcastTo {
                    out,
                    src: name,
                    shape,
                });
            }
        }
    }
}
