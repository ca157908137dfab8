//! The array object and its view/copy operations.

use std::cell::RefCell;
use std::rc::Rc;

use crate::dims::Dims;
use crate::error::Error;
use crate::layout::{self, MAX_DIMS};

/// The memory every view of one allocation shares.
pub(crate) type Buffer = Rc<RefCell<Vec<i64>>>;

/// Memory order argument (`order=` in NumPy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    /// Row-major.
    C,
    /// Column-major.
    F,
    /// F if the array is F-contiguous and not C-contiguous, else C.
    A,
    /// Keep the source's layout as far as possible.
    K,
}

/// A strided int64 N-d array: a window (shape, strides, offset) onto a shared
/// buffer, with NumPy's `owndata` and `writeable` flags.
///
/// Cloning an `Array` gives the *same object* in NumPy's sense (what
/// `np.asarray(x)` returns when no copy is needed): same buffer, same flags,
/// including `owndata`. Operations that NumPy documents as returning a new
/// view return an array with `owndata == false`.
///
/// ```
/// use viewcheck_arrays::{Array, Index, Indexed, Order};
/// let a = Array::arange(&[2, 3], Order::C);
/// // a[:, ::2] is a view: a write through it shows in `a`.
/// let Indexed::Array(v) = a.get(&[Index::full(), Index::Slice(None, None, Some(2))]).unwrap()
///     else { unreachable!() };
/// assert_eq!(v.strides(), &[3, 2]);
/// v.assign(&[Index::Int(1), Index::Int(0)], viewcheck_arrays::Value::Scalar(-1)).unwrap();
/// assert_eq!(a.to_vec(), vec![0, 1, 2, -1, 4, 5]);
/// assert!(viewcheck_arrays::shares_memory(&a, &v));
/// ```
#[derive(Clone, Debug)]
pub struct Array {
    pub(crate) buffer: Buffer,
    pub(crate) shape: Dims<usize>,
    pub(crate) strides: Dims<isize>,
    pub(crate) offset: isize,
    pub(crate) owndata: bool,
    pub(crate) writeable: bool,
}

impl Array {
    /// `np.arange(n, dtype=np.int64).reshape(shape).copy(order=order)`: a
    /// fresh owning array holding 0..n-1 in C index order, laid out in C or
    /// F order (`A` and `K` act as C, as they do for a C-contiguous source).
    ///
    /// Does not apply NumPy's byte-size limit (invariant 7 of [`layout`]):
    /// a zero-size `shape` that NumPy rejects as too big still gives an empty
    /// array here. [`Array::try_arange`] is the checked form.
    pub fn arange(shape: &[usize], order: Order) -> Array {
        let n = layout::size(shape);
        let strides = layout::alloc_strides(shape, order == Order::F);
        let mut data = vec![0i64; n];
        for (i, addr) in layout::AddressIter::new(shape, &strides, 0).enumerate() {
            data[addr as usize] = i as i64;
        }
        Array::owning(data, shape.to_vec(), strides)
    }

    /// [`Array::arange`] with NumPy's check that the item size times the
    /// non-zero extents fits in `npy_intp` (ValueError "array is too big",
    /// [`layout::check_nbytes`]), which zero-size shapes must pass too.
    pub fn try_arange(shape: &[usize], order: Order) -> Result<Array, Error> {
        layout::check_nbytes(shape)?;
        Ok(Array::arange(shape, order))
    }

    /// An owning array over `data` laid out with `strides` (used for every
    /// fresh allocation).
    pub(crate) fn owning(
        data: Vec<i64>,
        shape: impl Into<Dims<usize>>,
        strides: impl Into<Dims<isize>>,
    ) -> Array {
        Array {
            buffer: Rc::new(RefCell::new(data)),
            shape: shape.into(),
            strides: strides.into(),
            offset: 0,
            owndata: true,
            writeable: true,
        }
    }

    /// A new view of the same buffer (`owndata = false`), inheriting `writeable`.
    pub(crate) fn view(
        &self,
        shape: impl Into<Dims<usize>>,
        strides: impl Into<Dims<isize>>,
        offset: isize,
    ) -> Array {
        let (shape, strides) = (shape.into(), strides.into());
        debug_assert_eq!(shape.len(), strides.len());
        Array {
            buffer: Rc::clone(&self.buffer),
            shape,
            strides,
            offset,
            owndata: false,
            writeable: self.writeable,
        }
    }

    /// Extents of the axes.
    #[inline]
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// Strides in elements (NumPy's byte strides divided by the item size).
    #[inline]
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }
    /// Offset in elements of the first element from the start of the owning buffer.
    #[inline]
    pub fn offset(&self) -> isize {
        self.offset
    }
    /// Number of axes.
    #[inline]
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }
    /// Number of elements.
    #[inline]
    pub fn size(&self) -> usize {
        layout::size(&self.shape)
    }
    /// `flags.owndata`: this array object allocated the buffer.
    #[inline]
    pub fn owndata(&self) -> bool {
        self.owndata
    }
    /// `flags.writeable`.
    #[inline]
    pub fn writeable(&self) -> bool {
        self.writeable
    }
    /// `flags.c_contiguous` (relaxed strides, see [`layout::is_c_contiguous`]).
    pub fn is_c_contiguous(&self) -> bool {
        layout::is_c_contiguous(&self.shape, &self.strides)
    }
    /// `flags.f_contiguous`.
    pub fn is_f_contiguous(&self) -> bool {
        layout::is_f_contiguous(&self.shape, &self.strides)
    }
    /// Whether two arrays are windows onto the same allocation (NumPy: the
    /// same array at the end of the `.base` chain).
    #[inline]
    pub fn same_buffer(&self, other: &Array) -> bool {
        Rc::ptr_eq(&self.buffer, &other.buffer)
    }
    /// An identity for the owning buffer, stable while any view of it lives.
    #[inline]
    pub fn buffer_id(&self) -> usize {
        Rc::as_ptr(&self.buffer) as *const () as usize
    }
    /// Length of the owning buffer in elements.
    pub fn buffer_len(&self) -> usize {
        self.buffer.borrow().len()
    }

    /// The values in C order of the logical index.
    pub fn to_vec(&self) -> Vec<i64> {
        let data = self.buffer.borrow();
        self.address_iter().map(|a| data[a as usize]).collect()
    }

    /// The values in C order of the logical index, one at a time
    /// (`ndarray.flat`), read while `f` runs, without allocating.
    #[inline]
    pub fn for_each_value(&self, mut f: impl FnMut(i64)) {
        let data = self.buffer.borrow();
        self.address_iter().for_each(|a| f(data[a as usize]));
    }

    /// The buffer addresses of the elements, in C order.
    pub fn addresses(&self) -> Vec<isize> {
        self.address_iter().collect()
    }

    /// The buffer addresses of the elements, in C order, one at a time.
    #[inline]
    pub fn address_iter(&self) -> layout::AddressIter<'_> {
        layout::AddressIter::new(&self.shape, &self.strides, self.offset)
    }

    /// Runs `f` on the whole owning buffer — every element, including the
    /// ones this window does not reach (NumPy: the memory of the array at
    /// the end of the `.base` chain). For inspection: a checker compares it
    /// before and after an operation to see exactly what the operation
    /// wrote. The buffer cannot be written while `f` runs.
    pub fn with_buffer<R>(&self, f: impl FnOnce(&[i64]) -> R) -> R {
        f(&self.buffer.borrow())
    }

    /// A fresh owning array of `shape` laid out with `strides` (non-negative,
    /// a permutation of contiguous strides), holding `values_in_c` in C order
    /// of the logical index.
    pub(crate) fn fresh(
        shape: impl Into<Dims<usize>>,
        strides: impl Into<Dims<isize>>,
        values_in_c: &[i64],
    ) -> Array {
        let (shape, strides) = (shape.into(), strides.into());
        let len = layout::extent(&shape, &strides, 0).map_or(0, |(_, hi)| hi as usize + 1);
        let mut data = vec![0i64; len];
        for (v, addr) in values_in_c
            .iter()
            .zip(layout::AddressIter::new(&shape, &strides, 0))
        {
            data[addr as usize] = *v;
        }
        Array::owning(data, shape, strides)
    }

    /// A fresh owning copy with NumPy's layout for `order` (`ndarray.copy`,
    /// `PyArray_NewCopy`): C, F, A (F if ISFORTRAN), or K (R3.3: C if
    /// C-contiguous or ndim <= 1, F if F-contiguous, else axes by |stride|).
    pub fn copy(&self, order: Order) -> Array {
        let strides = match self.resolve_order(order) {
            Order::C => layout::alloc_strides(&self.shape, false),
            Order::F => layout::alloc_strides(&self.shape, true),
            _ => layout::k_copy_strides(&self.shape, &self.strides),
        };
        Array::fresh(self.shape.clone(), strides, &self.to_vec())
    }

    /// A resolves to F or C; C/F/K stay.
    fn resolve_order(&self, order: Order) -> Order {
        match order {
            Order::A if layout::is_fortran(&self.shape, &self.strides) => Order::F,
            Order::A => Order::C,
            o => o,
        }
    }

    /// `np.asarray(x, order=order)`: the same object when the layout already
    /// satisfies the order (always for A and K), otherwise a C or F copy.
    pub fn asarray(&self, order: Order) -> Array {
        match order {
            Order::C if !self.is_c_contiguous() => self.copy(Order::C),
            Order::A if mutant!("asarray-a-copies") && !self.is_c_contiguous() => {
                self.copy(Order::C)
            }
            Order::F if !self.is_f_contiguous() => self.copy(Order::F),
            _ => self.clone(),
        }
    }

    /// `np.transpose(x, axes)`: always a new view. `None` reverses the axes.
    /// Errors, checked axis by axis: wrong length (ValueError), axis out of
    /// range (AxisError), repeated axis (ValueError).
    pub fn transpose(&self, axes: Option<&[i64]>) -> Result<Array, Error> {
        let n = self.ndim();
        let perm: Vec<usize> = match axes {
            None => (0..n).rev().collect(),
            Some(axes) => {
                if axes.len() != n {
                    return Err(Error::value("axes don't match array"));
                }
                let mut perm = Vec::with_capacity(n);
                for &a in axes {
                    let a = layout::normalize_axis(a, n, None)?;
                    if perm.contains(&a) && !mutant!("transpose-repeat-accepted") {
                        return Err(Error::value("repeated axis in transpose"));
                    }
                    perm.push(a);
                }
                perm
            }
        };
        Ok(self.permuted(&perm))
    }

    fn permuted(&self, perm: &[usize]) -> Array {
        self.view(
            perm.iter().map(|&k| self.shape[k]).collect::<Dims<_>>(),
            perm.iter().map(|&k| self.strides[k]).collect::<Dims<_>>(),
            self.offset,
        )
    }

    /// `np.swapaxes(x, axis1, axis2)`: a transpose; AxisError carries
    /// `axis1:`/`axis2:`.
    pub fn swapaxes(&self, axis1: i64, axis2: i64) -> Result<Array, Error> {
        let n = self.ndim();
        let a = layout::normalize_axis(axis1, n, Some("axis1"))?;
        let b = if mutant!("swapaxes-wraps") && n > 0 {
            axis2.rem_euclid(n as i64) as usize
        } else {
            layout::normalize_axis(axis2, n, Some("axis2"))?
        };
        let mut perm: Vec<usize> = (0..n).collect();
        perm.swap(a, b);
        Ok(self.permuted(&perm))
    }

    /// `np.moveaxis(x, source, destination)`: a transpose. Source axes are
    /// normalized (AxisError `source:`) and checked for repeats (ValueError)
    /// before the destination; unequal lengths raise ValueError.
    pub fn moveaxis(&self, source: &[i64], destination: &[i64]) -> Result<Array, Error> {
        let n = self.ndim();
        let src = layout::normalize_axis_tuple(source, n, Some("source"))?;
        let dst = layout::normalize_axis_tuple(destination, n, Some("destination"))?;
        if src.len() != dst.len() {
            return Err(Error::value(
                "`source` and `destination` arguments must have the same number of elements",
            ));
        }
        let mut order: Vec<usize> = (0..n).filter(|k| !src.contains(k)).collect();
        let mut pairs: Vec<(usize, usize)> = dst.into_iter().zip(src).collect();
        if !mutant!("moveaxis-unsorted") {
            pairs.sort_unstable();
        }
        for (d, s) in pairs {
            order.insert(d, s);
        }
        Ok(self.permuted(&order))
    }

    /// `np.reshape(x, shape, order=order, copy=copy)` (`shape.c`):
    ///
    /// 1. `A` means F when the array is ISFORTRAN, else C.
    /// 2. Unless `copy == Some(true)`, a requested shape *literally* equal to
    ///    the current one gives a plain view keeping every stride.
    /// 3. One negative extent is inferred; sizes must match (ValueError).
    ///    The result shape must pass [`layout::check_nbytes`] (ValueError),
    ///    whatever the copy mode.
    /// 4. `copy == Some(true)` copies. Otherwise a source contiguous in the
    ///    order gets [`layout::fill_strides`]; else the no-copy algorithm
    ///    ([`layout::nocopy_reshape`]); else `copy == Some(false)` raises
    ///    ValueError and `None` copies.
    /// 5. A copy is never returned as such: the result is a view of the
    ///    private copy, so `owndata` is false (and it is writeable).
    pub fn reshape(&self, shape: &[i64], order: Order, copy: Option<bool>) -> Result<Array, Error> {
        if shape.len() > MAX_DIMS {
            return Err(Error::value(format!(
                "maximum supported dimension for an ndarray is currently {MAX_DIMS}, found {}",
                shape.len()
            )));
        }
        let f = match self.resolve_order(order) {
            Order::F => true,
            Order::C => false,
            _ => return Err(Error::value("order 'K' is not permitted for reshaping")),
        };
        if copy != Some(true)
            && !mutant!("reshape-same-shape-recomputes")
            && shape.len() == self.ndim()
            && shape.iter().zip(&self.shape).all(|(&a, &b)| a == b as i64)
        {
            return Ok(self.view(self.shape.clone(), self.strides.clone(), self.offset));
        }
        let new_shape = fix_unknown_dimension(shape, self.size())?;
        layout::check_nbytes(&new_shape)?;
        let (source, strides) = if copy == Some(true) {
            (self.copy(if f { Order::F } else { Order::C }), None)
        } else if (!f && self.is_c_contiguous()) || (f && self.is_f_contiguous()) {
            (self.clone(), None)
        } else if let Some(s) = layout::nocopy_reshape(&self.shape, &self.strides, &new_shape, f)
            .filter(|_| !mutant!("reshape-noncontig-copies"))
        {
            (self.clone(), Some(s))
        } else if copy == Some(false) {
            return Err(Error::value(
                "Unable to avoid creating a copy while reshaping.",
            ));
        } else {
            (self.copy(if f { Order::F } else { Order::C }), None)
        };
        let strides = strides.unwrap_or_else(|| layout::fill_strides(&new_shape, f));
        if mutant!("reshape-copy-owndata") && source.owndata && !source.same_buffer(self) {
            return Ok(Array {
                shape: new_shape.into(),
                strides: strides.into(),
                ..source
            });
        }
        Ok(source.view(new_shape, strides, source.offset))
    }

    /// `np.ravel(x, order)` (`PyArray_Ravel`): K becomes C or F when the array
    /// is contiguous that way, A becomes F if ISFORTRAN. A C (F) ravel of a
    /// C (F) contiguous array is `reshape(-1)`; a K ravel is a view when the
    /// axes sorted by |stride| are contiguous with positive strides;
    /// everything else is [`Array::flatten`].
    pub fn ravel(&self, order: Order) -> Array {
        let order = match order {
            Order::K if self.is_c_contiguous() => Order::C,
            Order::K if self.is_f_contiguous() => Order::F,
            o => self.resolve_order(o),
        };
        match order {
            Order::C if self.is_c_contiguous() => {
                return self
                    .reshape(&[-1], Order::C, None)
                    .expect("contiguous ravel")
            }
            Order::F if self.is_f_contiguous() => {
                return self
                    .reshape(&[-1], Order::F, None)
                    .expect("contiguous ravel")
            }
            Order::K => {
                let perm = layout::sorted_stride_perm(&self.strides);
                let mut expected: isize = 1;
                let contiguous = perm.iter().rev().all(|&k| {
                    if self.shape[k] == 1 {
                        return true;
                    }
                    let ok = if mutant!("ravel-k-abs-stride") {
                        self.strides[k].abs() == expected
                    } else {
                        self.strides[k] == expected
                    };
                    expected *= self.shape[k] as isize;
                    ok
                });
                if contiguous {
                    return self.view(vec![self.size()], vec![1], self.offset);
                }
            }
            _ => {}
        }
        self.flatten(order)
    }

    /// `x.flatten(order)` (`PyArray_Flatten`): always a fresh owning 1-d array.
    /// C and F read in logical C/F order; A is F if ISFORTRAN; K reads the axes
    /// in the iterator's keep-order ([`layout::nditer_keep_order`]), each axis
    /// forwards (negative strides are not reversed).
    pub fn flatten(&self, order: Order) -> Array {
        let perm: Vec<usize> = match self.resolve_order(order) {
            Order::C => (0..self.ndim()).collect(),
            Order::F => (0..self.ndim()).rev().collect(),
            _ if mutant!("flatten-k-stride-sort") => layout::sorted_stride_perm(&self.strides),
            _ => layout::nditer_keep_order(&self.shape, &[&self.strides]),
        };
        let p = self.permuted(&perm);
        let values = p.to_vec();
        let n = values.len();
        Array::owning(values, vec![n], layout::alloc_strides(&[n], false))
    }

    /// `np.squeeze(x, axis)`: removes length-1 axes (all of them for `None`).
    /// With nothing to remove it returns the *same object*. Listed axes are
    /// normalized (AxisError), checked for duplicates (ValueError) and must
    /// have length 1 (ValueError).
    pub fn squeeze(&self, axis: Option<&[i64]>) -> Result<Array, Error> {
        let n = self.ndim();
        let mut remove = vec![false; n];
        match axis {
            None => {
                for (k, r) in remove.iter_mut().enumerate() {
                    *r = self.shape[k] == 1;
                }
            }
            Some(axes) => {
                for &a in axes {
                    let k = layout::normalize_axis(a, n, None)?;
                    if remove[k] {
                        return Err(Error::value("duplicate value in 'axis'"));
                    }
                    remove[k] = true;
                }
                if remove.iter().zip(&self.shape).any(|(&r, &e)| r && e != 1) {
                    if mutant!("squeeze-axis-error-class") {
                        return Err(Error::axis(axes[0], n, None));
                    }
                    return Err(Error::value(
                        "cannot select an axis to squeeze out which has size not equal to one",
                    ));
                }
            }
        }
        if !remove.contains(&true) {
            if mutant!("squeeze-noop-new-view") {
                return Ok(self.view(self.shape.clone(), self.strides.clone(), self.offset));
            }
            return Ok(self.clone());
        }
        let keep: Vec<usize> = (0..n).filter(|&k| !remove[k]).collect();
        Ok(self.view(
            keep.iter().map(|&k| self.shape[k]).collect::<Dims<_>>(),
            keep.iter().map(|&k| self.strides[k]).collect::<Dims<_>>(),
            self.offset,
        ))
    }

    /// `np.expand_dims(x, axis)`: axes normalized against `ndim + len(axis)`
    /// (AxisError, then ValueError for repeats), then a C-order `reshape`, so
    /// the new axes get reshape's strides, not newaxis's zero.
    pub fn expand_dims(&self, axis: &[i64]) -> Result<Array, Error> {
        let out_ndim = self.ndim() + axis.len();
        let axes = layout::normalize_axis_tuple(axis, out_ndim, None)?;
        let mut it = self.shape.iter();
        let shape: Vec<i64> = (0..out_ndim)
            .map(|k| {
                if axes.contains(&k) {
                    1
                } else {
                    *it.next().expect("enough axes") as i64
                }
            })
            .collect();
        let mut r = self.reshape(&shape, Order::C, None)?;
        if mutant!("expand-dims-zero-stride") {
            for &k in &axes {
                r.strides[k] = 0;
            }
        }
        Ok(r)
    }

    /// `np.broadcast_to(x, shape)`: a read-only view. Axes are aligned at the
    /// end; every length-1 axis of the result and every new axis gets stride 0.
    /// Errors (all ValueError): a non-scalar to `()`, negative extents,
    /// incompatible shapes, a shape over NumPy's byte-size limit
    /// ([`layout::check_nbytes`], which a zero extent does not lift).
    pub fn broadcast_to(&self, shape: &[i64]) -> Result<Array, Error> {
        if shape.is_empty() && self.ndim() > 0 {
            return Err(Error::value(
                "cannot broadcast a non-scalar to a scalar array",
            ));
        }
        if shape.iter().any(|&e| e < 0) {
            return Err(Error::value(
                "all elements of broadcast shape must be non-negative",
            ));
        }
        let shape: Vec<usize> = shape.iter().map(|&e| e as usize).collect();
        if shape.len() < self.ndim() {
            return Err(broadcast_error(&self.shape, &shape));
        }
        let lead = shape.len() - self.ndim();
        let mut strides = vec![0isize; shape.len()];
        for k in 0..self.ndim() {
            let (src, dst) = (self.shape[k], shape[lead + k]);
            if src == dst {
                strides[lead + k] = if dst == 1 && !mutant!("broadcast-len1-keeps-stride") {
                    0
                } else {
                    self.strides[k]
                };
            } else if src != 1 {
                return Err(broadcast_error(&self.shape, &shape));
            }
        }
        layout::check_nbytes(&shape)?;
        let mut v = self.view(shape, strides, self.offset);
        v.writeable = mutant!("broadcast-writeable") && self.writeable;
        Ok(v)
    }

    /// `np.diagonal(x, offset, axis1, axis2)`: a read-only view; the diagonal
    /// axis goes last with stride `s1 + s2`. The start moves by the offset
    /// unless the diagonal would have negative length.
    pub fn diagonal(&self, offset: i64, axis1: i64, axis2: i64) -> Result<Array, Error> {
        let n = self.ndim();
        if n < 2 {
            return Err(Error::value(
                "diag requires an array of at least two dimensions",
            ));
        }
        let a1 = layout::normalize_axis(axis1, n, Some("axis1"))?;
        let a2 = layout::normalize_axis(axis2, n, Some("axis2"))?;
        if a1 == a2 {
            return Err(Error::value("axis1 and axis2 cannot be the same"));
        }
        let (mut d1, s1) = (self.shape[a1] as i64, self.strides[a1]);
        let (mut d2, s2) = (self.shape[a2] as i64, self.strides[a2]);
        let (move_by, stride) = if offset >= 0 {
            d2 -= offset;
            (offset, s2)
        } else {
            d1 += offset;
            (-offset, s1)
        };
        let diag = d1.min(d2);
        let (len, start) = if diag < 0 && !mutant!("diagonal-negative-moves-start") {
            (0, self.offset)
        } else {
            (
                diag.max(0) as usize,
                layout::numpy_offset_move(self.offset, move_by as isize, stride),
            )
        };
        let mut shape = Dims::new();
        let mut strides = Dims::new();
        for k in (0..n).filter(|&k| k != a1 && k != a2) {
            shape.push(self.shape[k]);
            strides.push(self.strides[k]);
        }
        shape.push(len);
        strides.push(layout::numpy_stride_add(s1, s2));
        let mut v = self.view(shape, strides, start);
        v.writeable = mutant!("diagonal-writeable") && self.writeable;
        Ok(v)
    }
}

/// `_fix_unknown_dimension`: at most one negative (unknown) extent, inferred
/// from the size; every mismatch is a ValueError.
fn fix_unknown_dimension(shape: &[i64], size: usize) -> Result<Vec<usize>, Error> {
    // NumPy's `convert_shape_to_string`: leading unknown extents are left
    // out, later ones print as `newaxis`, and a 1-tuple keeps its comma.
    let mismatch = || {
        let dims: Vec<String> = shape
            .iter()
            .skip_while(|&&d| d < 0)
            .map(|&d| {
                if d < 0 {
                    "newaxis".to_string()
                } else {
                    d.to_string()
                }
            })
            .collect();
        let tail = if shape.len() == 1 && !dims.is_empty() {
            ","
        } else {
            ""
        };
        Error::value(format!(
            "cannot reshape array of size {size} into shape ({}{tail})",
            dims.join(",")
        ))
    };
    // NumPy multiplies the known extents left to right in `npy_intp` and
    // gives up at the first overflow, so a zero *before* the big extents
    // keeps the product at 0 (and the size check of the result decides),
    // while a zero after them comes too late.
    let mut unknown = None;
    let mut known: i64 = 1;
    for (i, &d) in shape.iter().enumerate() {
        if d < 0 {
            if unknown.is_some() {
                return Err(Error::value("can only specify one unknown dimension"));
            }
            unknown = Some(i);
        } else {
            known = known.checked_mul(d).ok_or_else(mismatch)?;
        }
    }
    let size = i64::try_from(size).expect("an array's size fits in i64");
    let mut out: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
    match unknown {
        Some(i) => {
            if known == 0 || size % known != 0 {
                return Err(mismatch());
            }
            out[i] = (size / known) as usize;
        }
        None if known != size => return Err(mismatch()),
        None => {}
    }
    Ok(out)
}

fn broadcast_error(from: &[usize], to: &[usize]) -> Error {
    let fmt = crate::error::shape_str;
    Error::value(format!(
        "operands could not be broadcast together with remapped shapes [original->remapped]: {}  and requested shape {}",
        fmt(from),
        fmt(to)
    ))
}
