//! Indices: slices, integers, index arrays and masks, valid ones and
//! deliberately invalid ones.

use super::*;

impl Gen<'_, '_, '_, '_> {
    // ---- indices ----------------------------------------------------------

    /// A slice for an axis of extent `d`: half the time a non-empty one
    /// (bounds in range, possibly negative or null), otherwise anything
    /// (out-of-range, huge or null bounds, often empty).
    pub(crate) fn gen_slice(&mut self, d: usize) -> Item {
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
    pub(crate) fn idx_value(&mut self, d: usize, write: bool) -> i64 {
        let di = d as i64;
        if d == 0 {
            return self.range(-1, 1);
        }
        if write && self.chance(0.4) {
            return if self.chance(0.5) { 0 } else { -1 };
        }
        self.range(-di, di - 1)
    }

    pub(crate) fn oob_value(&mut self, d: usize) -> i64 {
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
    pub(crate) fn mask_with_count(&mut self, shape: &[usize], count: usize) -> NdList<bool> {
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
    pub(crate) fn representable(shape: &[usize]) -> bool {
        shape.iter().rev().skip(1).all(|&e| e != 0)
    }

    /// The broadcast shape of the index arrays of one index.
    pub(crate) fn gen_bshape(&mut self) -> Vec<usize> {
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
    pub(crate) fn array_item(&mut self, b: &[usize], d: usize, write: bool) -> Item {
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

    pub(crate) fn int0d(v: i64) -> Item {
        Item::Array(NdList {
            shape: vec![],
            data: vec![v],
        })
    }

    /// An index for an array of `shape`: valid, or (when `invalid`) with one
    /// deliberate error.
    pub(crate) fn gen_index(&mut self, shape: &[usize], invalid: bool, write: bool) -> Vec<Item> {
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

    pub(crate) fn valid_index(&mut self, shape: &[usize], write: bool) -> Vec<Slot> {
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

    pub(crate) fn general_index(&mut self, shape: &[usize], write: bool) -> Vec<Slot> {
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

    /// Format 1.2: now and then one index array of `index` (an index of `x`)
    /// becomes a `{"var": NAME}` item. NAME is a bound array whose values,
    /// as an index array in that place, keep the index valid; arrays that
    /// share memory with `x` (the destination of a write, the source of an
    /// index, and so usually the overlapping value of a write) are chosen
    /// [`VAR_RELATED_WEIGHT`] times as often as others, and when none fits a
    /// var item is made only with probability [`VAR_UNRELATED_RATE`]:
    /// aliasing is what var items are for. Per `skip_rate`, NAME is instead a failed or
    /// scalar name (the step is skipped). An index without index arrays, an
    /// invalid one, or a configuration without the `var` kind is left alone
    /// and consumes no bytes.
    pub(crate) fn var_items(&mut self, x: Option<&Array>, index: &mut [Item], invalid: bool) {
        let Some(x) = x else { return };
        if invalid
            || !self
                .cfg
                .index_kinds
                .as_ref()
                .is_none_or(|k| k.iter().any(|k| k == "var"))
        {
            return;
        }
        let arrays: Vec<usize> = (0..index.len())
            .filter(|&i| matches!(index[i], Item::Array(_)))
            .collect();
        if arrays.is_empty() || !self.chance(VAR_RATE) {
            return;
        }
        let j = self.pick(&arrays);
        if self.chance(self.cfg.skip_rate) {
            let skips = self.skip_names();
            if !skips.is_empty() {
                index[j] = Item::Var(self.pick(&skips));
                return;
            }
        }
        let Some(literal) = backend::to_index(index, self.env()) else {
            return;
        };
        let limit = self.cfg.max_index_elements * 2;
        let result_limit = self.cfg.max_elements * 8;
        let mut weighted: Vec<(String, u32)> = Vec::new();
        for (name, b) in self.env().iter() {
            let Binding::Array(a) = b else { continue };
            if a.size() > limit {
                continue;
            }
            let mut trial = literal.clone();
            trial[j] = viewcheck_arrays::Index::ArrayView {
                shape: a.shape().to_vec(),
                data: a.to_vec(),
                strides: a.strides().to_vec(),
            };
            let fits = match catch_unwind(AssertUnwindSafe(|| x.get(&trial))) {
                Ok(Ok(Indexed::Array(r))) => r.size() <= result_limit,
                Ok(Ok(Indexed::Scalar(_))) => true,
                _ => false,
            };
            if fits {
                let w = if viewcheck_arrays::shares_memory(a, x) {
                    VAR_RELATED_WEIGHT
                } else {
                    1
                };
                weighted.push((name.to_string(), w));
            }
        }
        let total: u32 = weighted.iter().map(|(_, w)| w).sum();
        let related = weighted.iter().any(|(_, w)| *w == VAR_RELATED_WEIGHT);
        // Without an aliasing candidate, a var item is made only now and
        // then: unrelated ones say little that a literal does not.
        if total == 0 || (!related && !self.chance(VAR_UNRELATED_RATE)) {
            return;
        }
        let r = self.range(0, total as i64 - 1) as u32;
        if let Some(name) = select(r, weighted.into_iter()) {
            index[j] = Item::Var(name);
        }
    }

    /// Makes a valid index invalid in one way.
    pub(crate) fn corrupt_index(&mut self, shape: &[usize], slots: &mut Vec<Slot>) {
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
                        Item::Var(_) => 1,
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
}
