//! Steps: choosing the next step, and the arguments of the steps that make
//! arrays and views (`array`, `transpose`, `moveaxis`, `reshape`, `squeeze`,
//! `expand_dims`, `broadcast_to`, `diagonal`, ...).

use super::*;

impl Gen<'_, '_, '_, '_> {
    // ---- steps ------------------------------------------------------------

    pub(crate) fn step(&mut self, max_steps: usize) {
        if !self
            .env()
            .iter()
            .any(|(_, b)| matches!(b, Binding::Array(_)))
        {
            self.gen_array();
            return;
        }
        let weights = self.weights;
        if weights.iter().all(|&w| w == 0) {
            self.gen_array();
            return;
        }
        let op = OP_WEIGHTS[self.weighted(&weights)].0;
        if op == "array" {
            self.gen_array();
            return;
        }
        if self.chance(self.cfg.edge_rate) {
            return self.gen_edge(max_steps);
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
            "index" => {
                let mut index = self.gen_index(shape, invalid, false);
                self.var_items(array.as_ref(), &mut index, invalid);
                Step::Index {
                    out,
                    src: name,
                    index,
                }
            }
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
                    _ if !self.cfg.reshape_copy => None,
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

    pub(crate) fn gen_array(&mut self) {
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

    pub(crate) fn gen_transpose(&mut self, n: usize, invalid: bool) -> Option<Vec<i64>> {
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

    pub(crate) fn gen_moveaxis(&mut self, n: usize, invalid: bool) -> (Vec<i64>, Vec<i64>) {
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
    pub(crate) fn factorize(&mut self, n: usize) -> Vec<usize> {
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

    pub(crate) fn gen_reshape(&mut self, shape: &[usize], size: usize, invalid: bool) -> Vec<i64> {
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

    pub(crate) fn gen_squeeze(&mut self, shape: &[usize], invalid: bool) -> Option<Vec<i64>> {
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

    pub(crate) fn gen_expand_dims(&mut self, n: usize, invalid: bool) -> Vec<i64> {
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

    pub(crate) fn gen_broadcast(&mut self, shape: &[usize], invalid: bool) -> Vec<i64> {
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

    pub(crate) fn gen_diagonal(&mut self, shape: &[usize], invalid: bool) -> (i64, i64, i64) {
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
}
