//! Shapes and axes: array shapes within the configured limits, axes in or
//! out of range.

use super::*;

impl Gen<'_, '_, '_, '_> {
    // ---- shapes and axes --------------------------------------------------

    pub(crate) fn extent(&mut self, max: usize) -> usize {
        match self.range(0, 23) {
            0 => 0,
            1..=5 => 1,
            _ => self.range(2.min(max as i64), max as i64) as usize,
        }
    }

    /// A random array shape within the configured limits.
    pub(crate) fn gen_shape(&mut self) -> Vec<usize> {
        let mut shape: Vec<usize> = if self.cfg.max_ndim >= 1 && self.chance(self.cfg.long_rate) {
            let nd = 1 + self.below(self.cfg.max_ndim.min(2));
            let lo = self.cfg.max_extent.min(self.cfg.long_extent) as i64;
            (0..nd)
                .map(|_| self.range(lo, self.cfg.long_extent as i64) as usize)
                .collect()
        } else {
            let w = [1, 4, 5, 4, 3, 1];
            let nd = self.weighted(&w[..=self.cfg.max_ndim.min(5)]);
            (0..nd).map(|_| self.extent(self.cfg.max_extent)).collect()
        };
        // Halving the longest axis reaches the limit in a few steps even
        // from extents of 2^20 (decrementing would take millions).
        // An empty array's other extents are bounded too: masks and index
        // arrays over them must stay within format 1's limits.
        let nonzero = |shape: &[usize]| size(&shape.iter().map(|&e| e.max(1)).collect::<Vec<_>>());
        while size(&shape) > self.cfg.max_elements
            || nonzero(&shape) > self.cfg.max_elements.saturating_mul(16)
        {
            let (i, _) = shape
                .iter()
                .enumerate()
                .max_by_key(|(_, &e)| e)
                .expect("nonempty");
            shape[i] /= 2;
        }
        shape
    }

    /// An axis in `0..n` written as-is or (sometimes) negatively.
    pub(crate) fn repr_axis(&mut self, ax: usize, n: usize) -> i64 {
        if self.chance(0.25) {
            ax as i64 - n as i64
        } else {
            ax as i64
        }
    }

    /// An axis out of range for `n` axes.
    pub(crate) fn bad_axis(&mut self, n: usize) -> i64 {
        let n = n as i64;
        match self.below(4) {
            0 => n,
            1 => -n - 1,
            2 => n + 3,
            _ => MAX_INT,
        }
    }

    /// `k` distinct axes out of `0..n`, in random order.
    pub(crate) fn distinct(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..k.min(n) {
            let j = i + self.below(n - i);
            all.swap(i, j);
        }
        all.truncate(k.min(n));
        all
    }
}
