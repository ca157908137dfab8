//! All shape, stride and offset arithmetic, in one place.
//!
//! Strides and offsets are counted in **elements** (NumPy counts bytes; with
//! one fixed item size the two differ only by a factor of 8, which is why
//! nothing here needs an item size).
//!
//! # Invariants
//!
//! Every [`Array`](crate::Array) satisfies these; every function here either
//! relies on them or establishes them for a result.
//!
//! 1. `shape.len() == strides.len()` and `ndim <= MAX_DIMS` (64, NumPy's `NPY_MAXDIMS`).
//! 2. If the array has no zero-length axis, every address it can reach,
//!    `offset + Σ i_k·strides[k]` with `0 ≤ i_k < shape[k]`, lies inside its
//!    buffer. A zero-size array reaches no address, so its strides and offset
//!    are unconstrained (NumPy keeps whatever the view arithmetic produced).
//! 3. The stride of a length-1 axis is never used to reach memory, so it may
//!    be anything; it is still *observable* and therefore always computed
//!    exactly as NumPy computes it (the source of most layout bugs).
//! 4. The contiguity flags are derived, never stored: [`is_c_contiguous`] and
//!    [`is_f_contiguous`] implement NumPy's relaxed rule (length-1 axes
//!    ignored; any zero-length axis makes both true).
//! 5. A fresh allocation with zero elements has all-zero strides
//!    ([`alloc_strides`]); a *view* with zero elements keeps computed strides
//!    ([`fill_strides`]). NumPy has done this since 1.23.
//! 6. Strides of new buffers are always positive (or zero): no copy ever
//!    reproduces a negative stride.
//! 7. The item size times the product of the *non-zero* extents fits in
//!    NumPy's `npy_intp` ([`check_nbytes`], `PyArray_NewFromDescr_int`'s
//!    "array is too big"), also for arrays with zero elements: every shape a
//!    step produces passes this check, or the step fails with ValueError
//!    (only the unchecked `Array::arange` skips it; `Array::try_arange`
//!    does not).
//!    So the contiguous strides of [`fill_strides`] and every offset of a
//!    view into them fit in 61 bits, and a product there that overflows is
//!    a bug (it panics rather than wrap).
//! 8. Where NumPy *itself* lets a byte stride wrap around — a slice step or
//!    a diagonal that takes a stride beyond the 64-bit range, which only
//!    happens on axes of length <= 1 where it reaches no memory — the crate
//!    reproduces NumPy's two's-complement byte arithmetic explicitly
//!    (`numpy_stride_mul`, `numpy_stride_add`), because those strides
//!    are observable.

use crate::dims::Dims;
use crate::error::Error;

/// NumPy's `NPY_MAXDIMS`.
pub const MAX_DIMS: usize = 64;

/// Bytes per element (int64); only invariants 7 and 8 depend on it.
pub(crate) const ITEMSIZE: i64 = 8;

/// Invariant 7, as `PyArray_NewFromDescr_int` checks it before it allocates
/// or wraps memory: the item size times every non-zero extent, multiplied in
/// `npy_intp` with overflow detection, must not overflow. Zero extents are
/// skipped, so a zero-size shape is not exempt: `(0, 2^20, 2^20, 2^20)`
/// needs 2^63 bytes "per row" and is rejected (NumPy 2.4.6).
pub fn check_nbytes(shape: &[usize]) -> Result<(), Error> {
    let fits = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(ITEMSIZE, |acc, &d| {
            i64::try_from(d).ok().and_then(|d| acc.checked_mul(d))
        })
        .is_some();
    if fits || (mutant!("nbytes-zero-size-exempt") && shape.contains(&0)) {
        Ok(())
    } else {
        Err(Error::value(
            "array is too big; `arr.size * arr.dtype.itemsize` is larger than the maximum possible size.",
        ))
    }
}

/// A stride in elements as NumPy would hold it after its byte stride went
/// through 64-bit two's-complement arithmetic: `8·s` reduced into
/// `[-2^63, 2^63)`, divided by 8 again (invariant 8).
fn from_wrapped_bytes(bytes: i128) -> isize {
    let m = 1i128 << 64;
    let mut b = bytes.rem_euclid(m);
    if b >= m / 2 {
        b -= m;
    }
    isize::try_from(b / i128::from(ITEMSIZE)).expect("a 64-bit byte stride / 8 fits")
}

/// `strides[k] * step` as `get_view_from_index` computes it on byte strides
/// (invariant 8): exact whenever it fits, NumPy's wrapped value otherwise.
pub(crate) fn numpy_stride_mul(stride: isize, step: isize) -> isize {
    from_wrapped_bytes(i128::from(ITEMSIZE) * stride as i128 * step as i128)
}

/// `s1 + s2` as `PyArray_Diagonal` computes it on byte strides (invariant 8).
pub(crate) fn numpy_stride_add(s1: isize, s2: isize) -> isize {
    from_wrapped_bytes(i128::from(ITEMSIZE) * (s1 as i128 + s2 as i128))
}

/// `offset + k·stride` as `PyArray_Diagonal` moves its data pointer, seen
/// the way an observation reads it: the view's pointer minus the owner's,
/// both unsigned 64-bit addresses. The bytes wrap around 2^64, so the
/// element offset is only defined modulo 2^61; without a wrapped stride
/// (invariant 8) the exact value is returned unchanged.
///
/// Which representative NumPy shows depends on the owner's address `p`: an
/// offset `v` in `[-p/8, 0)` reads as negative, a larger wrap as a huge
/// positive number. User-space pointers are below 2^60 bytes on every
/// 64-bit platform NumPy supports, so the representative is taken in
/// `[-2^57, 2^61 - 2^57)`; that agrees with NumPy except for "negative"
/// offsets between `-2^57` and `-p/8`, where no address-independent answer
/// exists.
pub(crate) fn numpy_offset_move(offset: isize, k: isize, stride: isize) -> isize {
    let exact = offset as i128 + k as i128 * stride as i128;
    let m = 1i128 << (64 - ITEMSIZE.trailing_zeros());
    let low = m / 16;
    isize::try_from((exact + low).rem_euclid(m) - low).expect("within 2^61")
}

/// Number of elements (product of the extents).
#[inline]
pub fn size(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Number of elements with overflow detection (for limits before allocating).
pub fn size_u128(shape: &[usize]) -> u128 {
    shape
        .iter()
        .fold(1u128, |acc, &e| acc.saturating_mul(e as u128))
}

/// NumPy's `_array_fill_strides`: contiguous strides for an existing buffer
/// (reshape's contiguous path, ravel's view path). A zero-length axis
/// multiplies as if it were 1, so zero-size views get non-zero strides.
pub fn fill_strides(shape: &[usize], f_order: bool) -> Vec<isize> {
    let n = shape.len();
    let mut strides = vec![0isize; n];
    let mut acc: isize = 1;
    let mut set = |k: usize| {
        strides[k] = acc;
        let extent = if mutant!("fill-strides-zero-extent") {
            shape[k]
        } else {
            shape[k].max(1)
        };
        acc = isize::try_from(extent)
            .ok()
            .and_then(|d| acc.checked_mul(d))
            .expect("invariant 7 bounds contiguous strides");
    };
    if f_order {
        (0..n).for_each(&mut set);
    } else {
        (0..n).rev().for_each(&mut set);
    }
    strides
}

/// Strides of a fresh allocation in C or F order: [`fill_strides`], except
/// that an array with zero elements gets all-zero strides (invariant 5).
pub fn alloc_strides(shape: &[usize], f_order: bool) -> Vec<isize> {
    if size(shape) == 0 && !mutant!("empty-alloc-fill-strides") {
        return vec![0; shape.len()];
    }
    fill_strides(shape, f_order)
}

/// Strides of a fresh allocation whose axes are laid out in `perm` order
/// (`perm[0]` outermost, last innermost). Zero elements: all zero.
pub fn alloc_strides_perm(shape: &[usize], perm: &[usize]) -> Vec<isize> {
    let mut strides = vec![0isize; shape.len()];
    if size(shape) == 0 {
        return strides;
    }
    let mut acc: isize = 1;
    for &ax in perm.iter().rev() {
        strides[ax] = acc;
        acc *= shape[ax] as isize;
    }
    strides
}

/// NumPy's relaxed C-contiguity (`_UpdateContiguousFlags`): walking from the
/// last axis, every axis of length > 1 must have the running product as its
/// stride; any zero-length axis makes the array contiguous.
pub fn is_c_contiguous(shape: &[usize], strides: &[isize]) -> bool {
    contiguous_in(shape, strides, (0..shape.len()).rev())
}

/// The F-order mirror of [`is_c_contiguous`].
pub fn is_f_contiguous(shape: &[usize], strides: &[isize]) -> bool {
    contiguous_in(shape, strides, 0..shape.len())
}

fn contiguous_in(shape: &[usize], strides: &[isize], axes: impl Iterator<Item = usize>) -> bool {
    if shape.contains(&0) && !mutant!("contig-empty-by-strides") {
        return true;
    }
    let mut expected: isize = 1;
    for k in axes {
        if shape[k] != 1 || mutant!("contig-strict-len1") {
            if strides[k] != expected {
                return false;
            }
            expected *= shape[k] as isize;
        }
    }
    true
}

/// NumPy's `ISFORTRAN`: F-contiguous and not C-contiguous. Every `order='A'`
/// means F exactly when this holds.
pub fn is_fortran(shape: &[usize], strides: &[isize]) -> bool {
    is_f_contiguous(shape, strides) && !is_c_contiguous(shape, strides)
}

/// `PyArray_CreateSortedStridePerm`: axes sorted by |stride| descending,
/// ties kept in axis order (stable). Length-1 and zero-stride axes take part
/// like any other axis.
pub fn sorted_stride_perm(strides: &[isize]) -> Vec<usize> {
    let mut perm: Vec<usize> = (0..strides.len()).collect();
    perm.sort_by(|&a, &b| strides[b].unsigned_abs().cmp(&strides[a].unsigned_abs()));
    perm
}

/// Layout of a K-order *copy* (`PyArray_NewLikeArray` with `order='K'`):
/// C if the prototype is C-contiguous or has at most one axis, else F if it
/// is F-contiguous, else the [`sorted_stride_perm`] of its strides.
pub fn k_copy_strides(shape: &[usize], strides: &[isize]) -> Vec<isize> {
    if shape.len() <= 1 || is_c_contiguous(shape, strides) {
        return alloc_strides(shape, false);
    }
    if is_f_contiguous(shape, strides) && !mutant!("k-copy-ignores-fortran") {
        return alloc_strides(shape, true);
    }
    alloc_strides_perm(shape, &sorted_stride_perm(strides))
}

/// The axis order NumPy's iterator picks with `KEEPORDER`
/// (`npyiter_find_best_axis_ordering`), for several operands of one shape.
/// Returns the axes outermost first.
///
/// Length-1 axes count as stride 0 in every operand. Starting from C order,
/// each axis is insertion-sorted inwards past more-inner axes: only operands
/// where both strides are non-zero have an opinion; any operand that finds
/// the inner axis's |stride| not larger stops the move (C order wins
/// conflicts); a pair on which no operand has an opinion is stepped over.
pub fn nditer_keep_order(shape: &[usize], operands: &[&[isize]]) -> Vec<usize> {
    let ndim = shape.len();
    let stride = |op: usize, axis: usize| -> isize {
        if shape[axis] == 1 {
            0
        } else {
            operands[op][axis]
        }
    };
    // perm[0] is the innermost axis, as in NumPy's reversed axisdata.
    let mut perm: Vec<usize> = (0..ndim).rev().collect();
    for i0 in 1..ndim {
        let ax0 = perm[i0];
        let mut ipos = i0;
        for i1 in (0..i0).rev() {
            let ax1 = perm[i1];
            let mut ambiguous = true;
            let mut should_swap = false;
            for op in 0..operands.len() {
                let (s0, s1) = (stride(op, ax0), stride(op, ax1));
                if s0 != 0 && s1 != 0 {
                    if s1.unsigned_abs() <= s0.unsigned_abs() {
                        should_swap = false;
                    } else if ambiguous {
                        should_swap = true;
                    }
                    ambiguous = false;
                }
            }
            if !ambiguous {
                if should_swap {
                    ipos = i1;
                } else {
                    break;
                }
            }
        }
        if ipos != i0 {
            perm.remove(i0);
            perm.insert(ipos, ax0);
        }
    }
    perm.reverse();
    perm
}

/// NumPy's `_attempt_nocopy_reshape`: strides that let `new_shape` walk the
/// elements of `(shape, strides)` in C (or F) order without copying, or
/// `None` when a copy is needed. `new_shape` has the same size, which is
/// non-zero.
///
/// Old length-1 axes are dropped; then old and new axes are grouped into
/// runs of equal product. Each old run must be uniformly strided in the
/// requested order; the new axes of the run get that stride innermost and
/// running products outward. Trailing new length-1 axes get the last stride
/// (times the last extent in F order).
pub fn nocopy_reshape(
    shape: &[usize],
    strides: &[isize],
    new_shape: &[usize],
    f_order: bool,
) -> Option<Vec<isize>> {
    let (od, os): (Vec<isize>, Vec<isize>) = shape
        .iter()
        .zip(strides)
        .filter(|(&d, _)| d != 1)
        .map(|(&d, &s)| (d as isize, s))
        .unzip();
    let nd: Vec<isize> = new_shape.iter().map(|&d| d as isize).collect();
    let mut ns = vec![0isize; nd.len()];
    let (mut oi, mut oj, mut ni, mut nj) = (0usize, 1usize, 0usize, 1usize);
    while ni < nd.len() && oi < od.len() {
        let mut np = nd[ni];
        let mut op = od[oi];
        while np != op {
            if np < op {
                np *= nd[nj];
                nj += 1;
            } else {
                op *= od[oj];
                oj += 1;
            }
        }
        for ok in oi..oj - 1 {
            let uniform = if f_order {
                os[ok + 1] == od[ok] * os[ok]
            } else {
                os[ok] == od[ok + 1] * os[ok + 1]
            };
            if !uniform {
                return None;
            }
        }
        if f_order {
            ns[ni] = os[oi];
            for nk in ni + 1..nj {
                ns[nk] = ns[nk - 1] * nd[nk - 1];
            }
        } else {
            ns[nj - 1] = os[oj - 1];
            for nk in (ni + 1..nj).rev() {
                ns[nk - 1] = ns[nk] * nd[nk];
            }
        }
        ni = nj;
        nj += 1;
        oi = oj;
        oj += 1;
    }
    let mut last = if ni >= 1 { ns[ni - 1] } else { 1 };
    if f_order && ni >= 1 {
        last *= nd[ni - 1];
    }
    for s in ns.iter_mut().skip(ni) {
        *s = last;
    }
    Some(ns)
}

/// Lowest and highest element address an array reaches, or `None` when it
/// has no elements (then it reaches no memory at all).
pub fn extent(shape: &[usize], strides: &[isize], offset: isize) -> Option<(isize, isize)> {
    if shape.contains(&0) {
        return None;
    }
    let (mut lo, mut hi) = (offset, offset);
    for (&n, &s) in shape.iter().zip(strides) {
        let span = s * (n as isize - 1);
        if span < 0 {
            lo += span;
        } else {
            hi += span;
        }
    }
    Some((lo, hi))
}

/// Python's `slice.indices(n)` followed by `len(range(...))`
/// (`PySlice_GetIndicesEx`), then NumPy's rule that an empty slice starts at
/// 0 with step 1. Returns `(start, step, length)`.
pub fn slice_indices(
    start: Option<i64>,
    stop: Option<i64>,
    step: Option<i64>,
    n: usize,
) -> Result<(isize, isize, usize), Error> {
    let n = n as i64;
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(Error::value("slice step cannot be zero"));
    }
    let (lower, upper) = if step < 0 { (-1, n - 1) } else { (0, n) };
    let clamp = |v: Option<i64>, default: i64| -> i64 {
        match v {
            None => default,
            Some(v) if v < 0 && mutant!("slice-negative-stop-clamp") => (v + n).max(0),
            Some(v) if v < 0 => (v + n).max(lower),
            Some(v) => v.min(upper),
        }
    };
    let (start, stop) = if step < 0 {
        (clamp(start, upper), clamp(stop, lower))
    } else {
        (clamp(start, lower), clamp(stop, upper))
    };
    let len = if step < 0 {
        if stop < start {
            (start - stop - 1) / (-step) + 1
        } else {
            0
        }
    } else if start < stop {
        (stop - start - 1) / step + 1
    } else {
        0
    };
    if len <= 0 && mutant!("slice-empty-keeps-start") {
        return Ok((start.clamp(0, (n - 1).max(0)) as isize, step as isize, 0));
    }
    if len <= 0 {
        return Ok((0, 1, 0));
    }
    Ok((start as isize, step as isize, len as usize))
}

/// `normalize_axis_index`: a possibly negative axis made non-negative, or
/// `AxisError` (with NumPy's `prefix: ` when given).
pub fn normalize_axis(axis: i64, ndim: usize, prefix: Option<&str>) -> Result<usize, Error> {
    let n = ndim as i64;
    if axis < -n || axis >= n {
        return Err(Error::axis(axis, ndim, prefix));
    }
    Ok(if axis < 0 { axis + n } else { axis } as usize)
}

/// `normalize_axis_tuple`: every axis normalized first (AxisError), then
/// duplicates rejected (ValueError).
pub fn normalize_axis_tuple(
    axes: &[i64],
    ndim: usize,
    argname: Option<&str>,
) -> Result<Vec<usize>, Error> {
    let out = axes
        .iter()
        .map(|&a| normalize_axis(a, ndim, argname))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, a) in out.iter().enumerate() {
        if out[..i].contains(a) {
            return Err(Error::value(match argname {
                Some(n) => format!("repeated axis in `{n}` argument"),
                None => "repeated axis".to_string(),
            }));
        }
    }
    Ok(out)
}

/// The buffer addresses of every element in C order of the logical index,
/// one at a time, without allocating (up to eight axes): an odometer over the index, stepping the address by one
/// stride per increment. Every read, copy and write of the crate walks an
/// array this way, so the last axis — where all but one step in `shape[-1]`
/// happen — is kept in plain fields and the other axes are touched only on
/// a carry.
#[derive(Clone, Debug)]
pub struct AddressIter<'a> {
    shape: &'a [usize],
    strides: &'a [isize],
    /// The index along the axes before the last.
    outer: Dims<usize>,
    /// The index along the last axis, its extent and its stride.
    inner: usize,
    inner_len: usize,
    inner_stride: isize,
    /// The address of the element at the current index.
    addr: isize,
    /// Elements not yet returned.
    left: usize,
}

impl<'a> AddressIter<'a> {
    /// The walk over `offset + Σ i_k·strides[k]` in C index order.
    #[inline]
    pub fn new(shape: &'a [usize], strides: &'a [isize], offset: isize) -> AddressIter<'a> {
        debug_assert_eq!(shape.len(), strides.len());
        let nd = shape.len();
        AddressIter {
            shape,
            strides,
            outer: shape.iter().skip(1).map(|_| 0).collect(),
            inner: 0,
            inner_len: if nd == 0 { 1 } else { shape[nd - 1] },
            inner_stride: if nd == 0 { 0 } else { strides[nd - 1] },
            addr: offset,
            left: size(shape),
        }
    }

    /// Moves to the next row: the odometer over the outer axes, with the
    /// last axis back at 0.
    fn carry(&mut self) {
        self.addr -= self.inner_stride * self.inner_len as isize;
        self.inner = 0;
        let mut k = self.outer.len();
        while k > 0 {
            k -= 1;
            self.outer[k] += 1;
            self.addr += self.strides[k];
            if self.outer[k] < self.shape[k] {
                return;
            }
            self.addr -= self.strides[k] * self.shape[k] as isize;
            self.outer[k] = 0;
        }
    }
}

impl Iterator for AddressIter<'_> {
    type Item = isize;

    #[inline]
    fn next(&mut self) -> Option<isize> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let here = self.addr;
        self.inner += 1;
        self.addr += self.inner_stride;
        if self.inner == self.inner_len && self.left > 0 {
            self.carry();
        }
        Some(here)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for AddressIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The odometer against `offset + Σ i_k·strides[k]` computed from
    /// scratch, for 0-d, empty, one-row and many-axis (spilled) shapes.
    #[test]
    fn address_iter_enumerates_c_order() {
        let cases: &[(&[usize], &[isize], isize)] = &[
            (&[], &[], 5),
            (&[0], &[3], 2),
            (&[3, 0, 2], &[4, 1, -7], 9),
            (&[4], &[-2], 10),
            (&[2, 3], &[1, 2], 0),
            (&[3, 1, 2], &[-6, 99, 1], 12),
            (
                &[2, 1, 2, 1, 2, 1, 2, 1, 2, 3],
                &[1, 0, 2, 0, 4, 0, 8, 0, 16, 32],
                0,
            ),
        ];
        for &(shape, strides, offset) in cases {
            let n: usize = shape.iter().product();
            let want: Vec<isize> = (0..n)
                .map(|mut rest| {
                    let mut addr = offset;
                    for k in (0..shape.len()).rev() {
                        addr += (rest % shape[k]) as isize * strides[k];
                        rest /= shape[k];
                    }
                    addr
                })
                .collect();
            let it = AddressIter::new(shape, strides, offset);
            assert_eq!(it.len(), n, "{shape:?}");
            assert_eq!(it.collect::<Vec<_>>(), want, "{shape:?} {strides:?}");
        }
    }

    #[test]
    fn slices_follow_python() {
        // a[8:2:-2] on 10 elements: 8, 6, 4
        assert_eq!(
            slice_indices(Some(8), Some(2), Some(-2), 10).unwrap(),
            (8, -2, 3)
        );
        // a[:-20:-3]: 9, 6, 3, 0
        assert_eq!(
            slice_indices(None, Some(-20), Some(-3), 10).unwrap(),
            (9, -3, 4)
        );
        // a[10:-20:-1]: all ten reversed
        assert_eq!(
            slice_indices(Some(10), Some(-20), Some(-1), 10).unwrap(),
            (9, -1, 10)
        );
        assert_eq!(
            slice_indices(Some(7), Some(3), None, 10).unwrap(),
            (0, 1, 0)
        );
    }

    #[test]
    fn nocopy_reshape_matches_numpy_examples() {
        // np.arange(24)[::2].reshape(2, 1, 6): strides (12, 12, 2)
        assert_eq!(
            nocopy_reshape(&[12], &[2], &[2, 1, 6], false),
            Some(vec![12, 12, 2])
        );
        // ... order='F': strides (2, 4, 4)
        assert_eq!(
            nocopy_reshape(&[12], &[2], &[2, 1, 6], true),
            Some(vec![2, 4, 4])
        );
        assert_eq!(
            nocopy_reshape(&[12], &[2], &[1, 12, 1], true),
            Some(vec![2, 2, 24])
        );
        // transposed (3, 2) of a (2, 3) C array cannot merge
        assert_eq!(nocopy_reshape(&[3, 2], &[1, 3], &[6], false), None);
    }

    #[test]
    fn keep_order_of_broadcast_is_c() {
        assert_eq!(nditer_keep_order(&[2, 3], &[&[0, 1]]), vec![0, 1]);
        assert_eq!(nditer_keep_order(&[3, 2], &[&[1, 0]]), vec![0, 1]);
        assert_eq!(nditer_keep_order(&[3, 2], &[&[1, 3]]), vec![1, 0]);
    }
}
