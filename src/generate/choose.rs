//! The generator's choices: drawing numbers from the byte stream, and picking
//! names and arrays from the environment the steps made so far left.

use super::*;

impl Gen<'_, '_, '_, '_> {
    // ---- randomness -------------------------------------------------------

    /// A uniform integer in `lo..=hi` (`lo` when the bytes run out).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        self.u.int_in_range(lo..=hi).unwrap_or(lo)
    }

    /// A uniform index below `n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        self.range(0, n as i64 - 1) as usize
    }

    /// True with probability `p`; false when the bytes have run out (the
    /// first alternative is "no").
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        (self.range(0, 9999) as f64) >= (1.0 - p) * 10000.0
    }

    pub(crate) fn pick<T: Clone>(&mut self, v: &[T]) -> T {
        v[self.below(v.len())].clone()
    }

    /// An index chosen with the given weights.
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let r = self.range(0, total as i64 - 1) as u32;
        select(r, weights.iter().copied().enumerate()).unwrap_or(weights.len() - 1)
    }

    pub(crate) fn order(&mut self) -> Order {
        let i = self.weighted(&[4, 3, 2, 2]);
        ORDERS[i]
    }

    // ---- environment ------------------------------------------------------

    pub(crate) fn fresh_name(&self) -> String {
        let i = self.bound_names().count();
        if i < 26 {
            ((b'a' + i as u8) as char).to_string()
        } else {
            format!("v{i}")
        }
    }

    /// The environment the steps made so far left.
    pub(crate) fn env(&self) -> &Env {
        self.runner.env()
    }

    /// Appends `step` and runs it. When the runner says stop (a panic, a
    /// broken property) the program ends with this step: later pushes are
    /// dropped.
    pub(crate) fn push(&mut self, step: Step) {
        if self.stopped {
            return;
        }
        let restricted = self.cfg.ops.is_some() || self.cfg.index_kinds.is_some();
        if restricted
            && (!self.cfg.allows(&step)
                || step
                    .uses()
                    .iter()
                    .any(|n| self.dropped.iter().any(|d| d == n)))
        {
            if let Some(out) = step.out() {
                self.dropped.push(out.to_string());
            }
            return;
        }
        if !self.runner.run(&step) {
            self.stopped = true;
        }
        self.steps.push(step);
    }

    /// Names that make a step using them skip as `src`/`dst`: names whose
    /// step failed or was skipped, and scalars.
    pub(crate) fn skip_names(&self) -> Vec<String> {
        self.bound_names()
            .filter(|n| !matches!(self.env().get(n), Some(Binding::Array(_))))
            .map(str::to_string)
            .collect()
    }

    /// Every name bound structurally (by any earlier step), in order.
    pub(crate) fn bound_names(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().filter_map(|s| s.out())
    }

    /// How many trap features an array has (negative or zero strides, a
    /// non-C layout, size-0 or size-1 axes, being a view, read-only).
    pub(crate) fn interest(a: &Array) -> u32 {
        let st = a.strides();
        let sh = a.shape();
        if a.size() <= 1 {
            // Empty and one-element arrays are traps too, but they are
            // easily reached and mask everything else.
            return 1;
        }
        let mut w = 2;
        if st.iter().zip(sh).any(|(&s, &n)| s < 0 && n > 1) {
            w += 2;
        }
        if st.iter().zip(sh).any(|(&s, &n)| s == 0 && n > 1) {
            w += 2;
        }
        if !a.is_c_contiguous() {
            w += 2;
        }
        if sh.iter().any(|&n| n <= 1) {
            w += 1;
        }
        if !a.owndata() {
            w += 1;
        }
        if !a.writeable() {
            w += 1;
        }
        w
    }

    /// An array satisfying `pred`: often the most recent one (views of
    /// views), otherwise weighted by [`Gen::interest`].
    pub(crate) fn pick_array(&mut self, pred: &dyn Fn(&Array) -> bool) -> Option<(String, Array)> {
        let limit = self.cfg.max_elements.max(1) * 8;
        // Two passes over the candidates instead of collecting them: this
        // runs for almost every step.
        // Views with nearly as many axes as a program shape may have, or
        // more (index caps make up to 64), would lead to `broadcast_to` and
        // `expand_dims` shapes that format 1 rejects (they add up to 3).
        let max_ndim = crate::format::MAX_SHAPE_AXES - 4;
        let candidate = |b: &Binding| match b {
            Binding::Array(a) if pred(a) && a.size() <= limit && a.ndim() <= max_ndim => {
                Some(Self::interest(a))
            }
            _ => None,
        };
        let mut total = 0u32;
        let mut last = None;
        let mut last_is_small = false;
        for (k, (_, b)) in self.env().iter().enumerate() {
            if let Some(w) = candidate(b) {
                total += w;
                last = Some(k);
                last_is_small = matches!(b, Binding::Array(a) if a.size() <= 1);
            }
        }
        let last = last?;
        let chosen = if self.chance(if last_is_small { 0.1 } else { 0.35 }) {
            last
        } else {
            let r = self.range(0, total as i64 - 1) as u32;
            let candidates = self
                .env()
                .iter()
                .enumerate()
                .filter_map(|(k, (_, b))| candidate(b).map(|w| (k, w)));
            select(r, candidates).unwrap_or(last)
        };
        self.env().iter().nth(chosen).and_then(|(n, b)| match b {
            Binding::Array(a) => Some((n.to_string(), a.clone())),
            Binding::Scalar(_) => None,
        })
    }

    /// The source of a non-write step: usually an array, sometimes (per
    /// `skip_rate`) a failed or scalar name.
    pub(crate) fn pick_src(&mut self) -> Option<Src> {
        if self.chance(self.cfg.skip_rate) {
            let skips = self.skip_names();
            if !skips.is_empty() {
                let name = self.pick(&skips);
                return Some(Src { name, array: None });
            }
        }
        self.pick_array(&|_| true).map(|(name, a)| Src {
            name,
            array: Some(a),
        })
    }
}
