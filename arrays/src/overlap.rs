//! `np.shares_memory` (exact) and `np.may_share_memory` (bounds).
//!
//! Two arrays on one buffer overlap when some element address is reachable
//! from both:
//!
//! ```text
//! lo_a + Σ |s_i|·x_i  =  lo_b + Σ |t_j|·y_j,    0 ≤ x_i < n_i,  0 ≤ y_j < m_j
//! ```
//!
//! where `lo` is each array's lowest address (a negative stride is walked
//! from its low end, which only renames the variable). Substituting
//! `y_j = (m_j − 1) − y'_j` puts every term on the left with a positive
//! coefficient:
//!
//! ```text
//! Σ c_k·z_k = R,   0 ≤ z_k ≤ u_k,   R = lo_b − lo_a + Σ |t_j|·(m_j − 1)
//! ```
//!
//! a bounded linear Diophantine equation (NumPy's `mem_overlap.c` solves the
//! same problem by pruned enumeration). Equal coefficients merge (`c·z1 +
//! c·z2` ranges over exactly `c·[0, u1 + u2]`); terms are sorted by
//! coefficient, largest first; then a depth-first search chooses `z_0` only
//! among values that (a) leave a remainder the other terms can still reach
//! (`0 ≤ R − c_0·z_0 ≤ Σ_{k>0} c_k·u_k`) and (b) satisfy the congruence
//! `c_0·z_0 ≡ R (mod gcd(c_1, c_2, ...))`, which it solves directly instead of
//! trying candidates. For the layouts that slicing, transposing and
//! reshaping produce, every level has at most a couple of candidates, so
//! the cost depends on the number of axes, not on the number of elements.
//!
//! The search is still exponential in the worst case (the problem is
//! NP-hard), so [`shares_memory`] gives it a work bound of [`SEARCH_WORK`]
//! candidates and, when that runs out, answers by intersecting the two
//! address sets instead: a bitmap over the common address range, linear in
//! the elements of both arrays plus that range / 64. Both answers are exact;
//! the bound only decides which one is cheaper to get.

use crate::array::Array;
use crate::layout::{self, MAX_DIMS};

/// Answer of a bounded overlap query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlap {
    /// No element address is shared.
    No,
    /// At least one element address is shared.
    Yes,
    /// The work bound ran out first (NumPy raises `TooHardError`).
    TooHard,
}

/// `np.may_share_memory(a, b)`: whether the address ranges
/// `[lowest, highest]` intersect. Zero-size arrays reach no memory.
pub fn may_share_memory(a: &Array, b: &Array) -> bool {
    if !a.same_buffer(b) {
        return false;
    }
    match (
        layout::extent(a.shape(), a.strides(), a.offset()),
        layout::extent(b.shape(), b.strides(), b.offset()),
    ) {
        (Some((alo, ahi)), Some((blo, bhi))) => alo <= bhi && blo <= ahi,
        _ if mutant!("may-share-empty") => {
            let (alo, ahi) = layout::extent(a.shape(), a.strides(), a.offset())
                .unwrap_or((a.offset(), a.offset()));
            let (blo, bhi) = layout::extent(b.shape(), b.strides(), b.offset())
                .unwrap_or((b.offset(), b.offset()));
            alo <= bhi && blo <= ahi
        }
        _ => false,
    }
}

/// Candidates the search of [`shares_memory`] tries before it switches to
/// intersecting address sets: at a few nanoseconds each, about as long as
/// the intersection takes for arrays of a few million elements.
const SEARCH_WORK: u64 = 1 << 22;

/// `np.shares_memory(a, b)`: exact, in bounded time (see the module notes).
pub fn shares_memory(a: &Array, b: &Array) -> bool {
    shares_memory_within(a, b, SEARCH_WORK)
}

fn shares_memory_within(a: &Array, b: &Array, work: u64) -> bool {
    match shares_memory_bounded(a, b, Some(work)) {
        Overlap::Yes => true,
        Overlap::No => false,
        Overlap::TooHard => addresses_intersect(a, b),
    }
}

/// Whether some element address is reachable from both arrays, by marking
/// the smaller array's addresses in a bitmap of the range both can reach.
fn addresses_intersect(a: &Array, b: &Array) -> bool {
    let (Some((alo, ahi)), Some((blo, bhi))) = (
        layout::extent(a.shape(), a.strides(), a.offset()),
        layout::extent(b.shape(), b.strides(), b.offset()),
    ) else {
        return false;
    };
    let (lo, hi) = (alo.max(blo), ahi.min(bhi));
    if lo > hi {
        return false;
    }
    let (small, large) = if a.size() <= b.size() { (a, b) } else { (b, a) };
    let bit = |addr: isize| {
        let k = (addr - lo) as usize;
        (k / 64, 1u64 << (k % 64))
    };
    let mut marked = vec![0u64; (hi - lo) as usize / 64 + 1];
    for addr in small.address_iter().filter(|x| (lo..=hi).contains(x)) {
        let (w, m) = bit(addr);
        marked[w] |= m;
    }
    large
        .address_iter()
        .filter(|x| (lo..=hi).contains(x))
        .any(|addr| {
            let (w, m) = bit(addr);
            marked[w] & m != 0
        })
}

/// `np.shares_memory(a, b, max_work)`: exact unless more than `max_work`
/// candidate values are tried, then [`Overlap::TooHard`].
pub fn shares_memory_bounded(a: &Array, b: &Array, max_work: Option<u64>) -> Overlap {
    if a.size() == 0 || b.size() == 0 || !may_share_memory(a, b) {
        return Overlap::No;
    }
    let (alo, _) = layout::extent(a.shape(), a.strides(), a.offset()).expect("non-empty");
    let (blo, _) = layout::extent(b.shape(), b.strides(), b.offset()).expect("non-empty");
    let blo = if mutant!("shares-memory-offset-b") {
        b.offset()
    } else {
        blo
    };
    // At most one term per axis of either array (2 * MAX_DIMS); fixed-size
    // storage keeps this allocation-free, as it runs for every pair of names.
    let mut storage = [(0i128, 0i128); 2 * MAX_DIMS];
    let mut n = 0usize;
    let mut rhs = (blo - alo) as i128;
    for (array, is_b) in [(a, false), (b, true)] {
        for (&extent, &s) in array.shape().iter().zip(array.strides()) {
            if extent <= 1 || s == 0 {
                continue;
            }
            let (c, u) = (s.unsigned_abs() as i128, extent as i128 - 1);
            if is_b {
                rhs += c * u;
            }
            match storage[..n].iter_mut().find(|t| t.0 == c) {
                Some(t) => t.1 += u,
                None => {
                    storage[n] = (c, u);
                    n += 1;
                }
            }
        }
    }
    let terms = &mut storage[..n];
    terms.sort_by_key(|t| std::cmp::Reverse(t.0));
    let mut suffix_max = [0i128; 2 * MAX_DIMS + 1];
    let mut suffix_gcd = [0i128; 2 * MAX_DIMS + 1];
    for k in (0..n).rev() {
        suffix_max[k] = suffix_max[k + 1] + terms[k].0 * terms[k].1;
        suffix_gcd[k] = gcd(suffix_gcd[k + 1], terms[k].0);
    }
    let mut budget = max_work.unwrap_or(u64::MAX);
    let search = Search {
        terms,
        suffix_max: &suffix_max[..=n],
        suffix_gcd: &suffix_gcd[..=n],
    };
    match search.solve(0, rhs, &mut budget) {
        Some(true) => Overlap::Yes,
        Some(false) => Overlap::No,
        None => Overlap::TooHard,
    }
}

struct Search<'a> {
    terms: &'a [(i128, i128)],
    suffix_max: &'a [i128],
    suffix_gcd: &'a [i128],
}

impl Search<'_> {
    /// Is `Σ_{k≥level} c_k·z_k = rhs` solvable? `None` when out of budget.
    fn solve(&self, level: usize, rhs: i128, budget: &mut u64) -> Option<bool> {
        if level == self.terms.len() {
            return Some(rhs == 0);
        }
        if rhs < 0 || rhs > self.suffix_max[level] || rhs % self.suffix_gcd[level] != 0 {
            return Some(false);
        }
        let (c, u) = self.terms[level];
        if level + 1 == self.terms.len() {
            if mutant!("overlap-bound-off-by-one") {
                return Some(rhs % c == 0 && rhs / c < u);
            }
            return Some(rhs % c == 0 && rhs / c <= u);
        }
        let rest_max = self.suffix_max[level + 1];
        let g = self.suffix_gcd[level + 1];
        let lo = (rhs - rest_max).max(0);
        let lo = (lo + c - 1) / c;
        let hi = u.min(rhs / c);
        if lo > hi {
            return Some(false);
        }
        // c·z ≡ rhs (mod g): with d = gcd(c, g), solvable iff d | rhs, and
        // then z ≡ (rhs/d)·(c/d)⁻¹ (mod g/d).
        let d = gcd(c, g);
        if rhs % d != 0 {
            return Some(false);
        }
        let m = g / d;
        let z0 = if m == 1 {
            0
        } else {
            ((rhs / d) % m) * mod_inverse((c / d) % m, m) % m
        };
        let mut z = lo + (z0 - lo).rem_euclid(m);
        while z <= hi {
            if *budget == 0 {
                return None;
            }
            *budget -= 1;
            if self.solve(level + 1, rhs - c * z, budget)? {
                return Some(true);
            }
            z += m;
        }
        Some(false)
    }
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

/// Inverse of `a` modulo `m` (`gcd(a, m) == 1`, `m > 1`).
fn mod_inverse(a: i128, m: i128) -> i128 {
    let (mut old_r, mut r) = (a.rem_euclid(m), m);
    let (mut old_s, mut s) = (1i128, 0i128);
    while r != 0 {
        let q = old_r / r;
        (old_r, r) = (r, old_r - q * r);
        (old_s, s) = (s, old_s - q * s);
    }
    old_s.rem_euclid(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Array, Index, Indexed, Order};

    fn slice(a: &Array, start: i64, stop: i64, step: i64) -> Array {
        match a
            .get(&[Index::Slice(Some(start), Some(stop), Some(step))])
            .unwrap()
        {
            Indexed::Array(v) => v,
            Indexed::Scalar(_) => unreachable!(),
        }
    }

    fn view(a: &Array, start: i64, stop: i64, dims: &[i64], idx: &[(i64, i64)]) -> Array {
        let flat = slice(a, start, stop, 1);
        let r = flat.reshape(dims, Order::C, None).unwrap();
        let idx: Vec<Index> = idx
            .iter()
            .map(|&(s, k)| Index::Slice(Some(s), None, Some(k)))
            .collect();
        match r.get(&idx).unwrap() {
            Indexed::Array(v) => v,
            Indexed::Scalar(_) => unreachable!(),
        }
    }

    /// The pair that needed the most search work (12341 candidates, no
    /// common address) among 60000 random sliced reshapes of a 2^24-element
    /// buffer: the search under a bound too small for it and the address
    /// intersection must both give the unbounded search's answer, and the
    /// intersection must agree with it on the neighbouring pairs too.
    #[test]
    fn search_out_of_work_falls_back_to_the_same_exact_answer() {
        let a = Array::arange(&[1 << 24], Order::C);
        let x = view(&a, 38, 2450393, &[3799, 645], &[(0, 1), (3, 6)]);
        let y = view(
            &a,
            1,
            1780225,
            &[61, 32, 48, 19],
            &[(1, 3), (0, 1), (2, 3), (6, 7)],
        );
        assert_eq!(shares_memory_bounded(&x, &y, None), Overlap::No);
        assert_eq!(shares_memory_bounded(&x, &y, Some(1000)), Overlap::TooHard);
        assert!(!shares_memory_within(&x, &y, 1000));
        assert!(!addresses_intersect(&x, &y));
        for shift in 0..12 {
            let y = view(
                &a,
                1 + shift,
                1780225 + shift,
                &[61, 32, 48, 19],
                &[(1, 3), (0, 1), (2, 3), (6, 7)],
            );
            let exact = shares_memory_bounded(&x, &y, None) == Overlap::Yes;
            assert_eq!(addresses_intersect(&x, &y), exact, "shift {shift}");
            assert_eq!(shares_memory_within(&x, &y, 0), exact, "shift {shift}");
        }
    }

    /// The address intersection at the edges of the range both arrays
    /// reach (`np.shares_memory` on `a = np.arange(10)`): one common address
    /// (`a[0:3]`, `a[2:5]`: True), a one-address range that only one of
    /// them reaches (`a[0:3:2]`, `a[1:4:2]`: False), ranges that only touch
    /// (`a[0:2]`, `a[2:4]`: False), the reversed array against itself, and
    /// `a[0:3:2]`, `a[1:3]` (True: address 2, the second of the range).
    #[test]
    fn the_intersection_fallback_at_the_edges_of_the_common_range() {
        let a = Array::arange(&[10], Order::C);
        for (x, y, shared) in [
            (slice(&a, 0, 3, 1), slice(&a, 2, 5, 1), true),
            (slice(&a, 0, 3, 2), slice(&a, 1, 4, 2), false),
            (slice(&a, 0, 2, 1), slice(&a, 2, 4, 1), false),
            (slice(&a, 9, -11, -1), a.clone(), true),
            (slice(&a, 4, 5, 1), slice(&a, 0, 10, 4), true),
            // The one common address is not the first of the range.
            (slice(&a, 0, 3, 2), slice(&a, 1, 3, 1), true),
        ] {
            let exact = shares_memory_bounded(&x, &y, None) == Overlap::Yes;
            assert_eq!(exact, shared, "{x:?} {y:?}");
            assert_eq!(addresses_intersect(&x, &y), shared, "{x:?} {y:?}");
            assert_eq!(addresses_intersect(&y, &x), shared, "{y:?} {x:?}");
            assert_eq!(shares_memory_within(&x, &y, 0), shared);
        }
    }

    #[test]
    fn interleaved_slices_do_not_share() {
        let a = Array::arange(&[10], Order::C);
        let even = slice(&a, 0, 10, 2);
        let odd = slice(&a, 1, 10, 2);
        assert!(!shares_memory(&even, &odd));
        assert!(may_share_memory(&even, &odd));
        assert!(shares_memory(&a, &slice(&a, 9, -11, -1)));
    }
}
