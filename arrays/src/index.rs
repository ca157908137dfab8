//! Indexing (`x[idx]`), assignment (`x[idx] = v`) and `x[idx] += v`, after
//! NumPy's `mapping.c`.
//!
//! An index is parsed once into *entries* ([`Prepared`]), exactly as
//! `prepare_index` does: integers and slices consume an axis, `newaxis` and
//! `...` consume none, boolean arrays become their `nonzero()` integer
//! arrays (unless a single mask has the array's exact shape), a 0-d integer
//! array is an integer that forces a copy, and a 0-d boolean is an advanced
//! index of length 1 or 0. From the entries follow the three kinds of
//! result: a scalar (every axis indexed by an integer), a view (basic
//! indexing), or a fresh buffer (advanced indexing).

use crate::array::{Array, Order};
use crate::dims::Dims;
use crate::error::{shape_str, Error, Warning};
use crate::layout::{self, MAX_DIMS};

/// One entry of an index tuple (`x[(e0, e1, ...)]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Index {
    /// An integer: selects one position, removes the axis.
    Int(i64),
    /// `start:stop:step`.
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// `np.newaxis` (`None`): a new length-1 axis with stride 0.
    NewAxis,
    /// `...`.
    Ellipsis,
    /// An integer (intp) index array, C-contiguous, of any shape (0-d too).
    Array {
        /// Extents (`[]` for a 0-d array).
        shape: Vec<usize>,
        /// Values in C order.
        data: Vec<i64>,
    },
    /// An integer (intp) index array read from an existing array, with
    /// that array's memory layout: `data` in C order as for
    /// [`Index::Array`], `strides` (in elements, one per axis) the layout
    /// NumPy sees. Only the layout of some advanced-index results depends on
    /// it (R-FANCY-5: the iterator's K order of the index arrays); a
    /// C-contiguous one is exactly an [`Index::Array`].
    ArrayView {
        /// Extents (`[]` for a 0-d array).
        shape: Vec<usize>,
        /// Values in C order.
        data: Vec<i64>,
        /// Strides in elements.
        strides: Vec<isize>,
    },
    /// A boolean mask of any shape (0-d too).
    Mask {
        /// Extents (`[]` for a 0-d mask).
        shape: Vec<usize>,
        /// Values in C order.
        data: Vec<bool>,
    },
}

impl Index {
    /// `:` — the full slice.
    pub fn full() -> Index {
        Index::Slice(None, None, None)
    }
}

/// What `x[idx]` gives: NumPy returns a scalar when every axis is indexed by
/// an integer.
#[derive(Clone, Debug)]
pub enum Indexed {
    /// A view or a fresh array.
    Array(Array),
    /// A scalar copy of one element.
    Scalar(i64),
}

/// The right-hand side of a write.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    /// A Python int.
    Scalar(i64),
    /// An array (broadcast to the target).
    Array(&'a Array),
}

/// Most elements a step may produce before it fails with
/// [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) (format 1's limit, 2^24).
pub const MAX_RESULT_ELEMENTS: usize = 1 << 24;

#[derive(Clone, Debug)]
enum Entry {
    Int(i64),
    Slice(Option<i64>, Option<i64>, Option<i64>),
    NewAxis,
    /// `...`, worth this many full slices.
    Ellipsis(usize),
    /// An integer index array. `bool_axis_len` is set when it came from a
    /// mask's `nonzero()`: the mask's extent along the axis it covers.
    Fancy {
        shape: Vec<usize>,
        data: Vec<i64>,
        bool_axis_len: Option<usize>,
        /// The strides of an [`Index::ArrayView`]; `None`: C-contiguous.
        strides: Option<Vec<isize>>,
    },
    /// A 0-d boolean: an advanced axis of length 1 (true) or 0 (false).
    Bool0d(bool),
}

#[derive(Default, Clone, Copy)]
struct Kinds {
    integer: bool,
    slice: bool,
    newaxis: bool,
    ellipsis: bool,
    fancy: bool,
    scalar_array: bool,
}

/// A parsed index (`prepare_index`).
#[derive(Debug)]
enum Prepared {
    /// Every axis indexed by an integer: a scalar.
    Integers(Vec<i64>),
    /// A single boolean mask with exactly the array's shape.
    Mask(Vec<bool>),
    /// Anything else.
    General {
        entries: Vec<Entry>,
        fancy: bool,
        /// Only `...` (explicit or implied): `x[...]`.
        only_ellipsis: bool,
        /// A 0-d integer array without other advanced indices: the basic
        /// view is copied.
        scalar_array: bool,
    },
}

fn nonzero(shape: &[usize], data: &[bool]) -> Vec<Vec<i64>> {
    let mut out = vec![Vec::new(); shape.len()];
    let ndim = shape.len();
    let mut idx = vec![0usize; ndim];
    for &b in data {
        if b {
            for (k, o) in out.iter_mut().enumerate() {
                o.push(idx[k] as i64);
            }
        }
        for k in (0..ndim).rev() {
            idx[k] += 1;
            if idx[k] < shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    out
}

impl Array {
    /// Format 1's `LimitExceeded` rule, decided from shapes alone before
    /// anything else (so before read-only, bounds and mask-length checks):
    /// an index with advanced items whose result would have more than
    /// [`MAX_RESULT_ELEMENTS`] elements. The count is `|broadcast(B_i)| ×
    /// |subspace|`, where an index array contributes its shape, an n-d mask
    /// `(count_true,)` (consuming n axes), a 0-d mask `(1,)` or `(0,)`, and
    /// the subspace is what slices and the (explicit or implied) ellipsis
    /// keep. When that cannot be computed (two ellipses, too many indices, a
    /// zero step, index shapes that do not broadcast) no limit applies and
    /// NumPy's own error follows.
    fn check_limit(&self, index: &[Index]) -> Result<(), Error> {
        let mut consumed = 0usize;
        let mut ellipses = 0usize;
        let mut advanced = false;
        for item in index {
            match item {
                Index::Ellipsis => ellipses += 1,
                Index::NewAxis => {}
                Index::Mask { shape, .. } => {
                    consumed += shape.len();
                    advanced = true;
                }
                Index::Array { shape, .. } | Index::ArrayView { shape, .. } => {
                    consumed += 1;
                    advanced |= !shape.is_empty();
                }
                Index::Int(_) | Index::Slice(..) => consumed += 1,
            }
        }
        if !advanced || ellipses > 1 || consumed > self.ndim() {
            return Ok(());
        }
        let mut bshapes: Vec<Vec<usize>> = Vec::new();
        let mut sub: u128 = 1;
        let mut axis = 0usize;
        for item in index {
            match item {
                Index::Ellipsis => {
                    let span = self.ndim() - consumed;
                    sub *= layout::size_u128(&self.shape[axis..axis + span]);
                    axis += span;
                }
                Index::NewAxis => {}
                Index::Slice(a, b, c) => {
                    if *c == Some(0) {
                        return Ok(());
                    }
                    let (_, _, len) = layout::slice_indices(*a, *b, *c, self.shape[axis])?;
                    sub *= len as u128;
                    axis += 1;
                }
                Index::Mask { shape, data } => {
                    let n = if mutant!("limit-mask-full-size") {
                        data.len()
                    } else {
                        data.iter().filter(|&&b| b).count()
                    };
                    bshapes.push(vec![n]);
                    axis += shape.len();
                }
                Index::Array { shape, .. } | Index::ArrayView { shape, .. } => {
                    if !shape.is_empty() {
                        bshapes.push(shape.clone());
                    }
                    axis += 1;
                }
                Index::Int(_) => axis += 1,
            }
        }
        if !mutant!("limit-ignores-subspace") {
            sub *= layout::size_u128(&self.shape[axis..]);
        }
        let nd = bshapes.iter().map(Vec::len).max().unwrap_or(0);
        let mut b = vec![1usize; nd];
        for s in &bshapes {
            for (k, &d) in s.iter().enumerate() {
                let o = &mut b[nd - s.len() + k];
                if d != 1 && d != *o {
                    if *o != 1 {
                        return Ok(());
                    }
                    *o = d;
                }
            }
        }
        let total = layout::size_u128(&b) * sub;
        if total > MAX_RESULT_ELEMENTS as u128 {
            return Err(Error::limit(total));
        }
        Ok(())
    }

    fn prepare(&self, index: &[Index]) -> Result<Prepared, Error> {
        let ndim = self.ndim();
        // Converting the index arrays happens before NumPy sees the index.
        for item in index {
            if let Index::Array { shape, .. }
            | Index::ArrayView { shape, .. }
            | Index::Mask { shape, .. } = item
            {
                if shape.len() > MAX_DIMS {
                    return Err(Error::value(format!(
                        "maximum supported dimension for an ndarray is currently {MAX_DIMS}, found {}",
                        shape.len()
                    )));
                }
            }
        }
        let cap = if mutant!("index-cap-maxdims") {
            MAX_DIMS
        } else {
            2 * MAX_DIMS
        };
        if index.len() > cap {
            return Err(Error::index("too many indices for array"));
        }
        let mut kinds = Kinds::default();
        let mut entries: Vec<Entry> = Vec::new();
        let mut used = 0usize;
        let mut new_ndim = 0usize;
        let mut fancy_ndim = 0usize;
        let mut ellipsis_pos = None;
        for item in index {
            match item {
                Index::Ellipsis => {
                    if kinds.ellipsis {
                        return Err(Error::index(
                            "an index can only have a single ellipsis ('...')",
                        ));
                    }
                    kinds.ellipsis = true;
                    ellipsis_pos = Some(entries.len());
                    entries.push(Entry::Ellipsis(0));
                }
                Index::NewAxis => {
                    kinds.newaxis = true;
                    new_ndim += 1;
                    entries.push(Entry::NewAxis);
                }
                Index::Slice(a, b, c) => {
                    kinds.slice = true;
                    used += 1;
                    new_ndim += 1;
                    entries.push(Entry::Slice(*a, *b, *c));
                }
                Index::Int(i) => {
                    kinds.integer = true;
                    used += 1;
                    entries.push(Entry::Int(*i));
                }
                Index::Mask { shape, data } => {
                    if index.len() == 1 && shape.as_slice() == self.shape() {
                        return Ok(Prepared::Mask(data.clone()));
                    }
                    if shape.is_empty() {
                        kinds.fancy = true;
                        fancy_ndim = fancy_ndim.max(1);
                        entries.push(Entry::Bool0d(data[0]));
                        continue;
                    }
                    if entries.len() + shape.len() >= MAX_DIMS * 2 {
                        return Err(Error::index("too many indices for array"));
                    }
                    kinds.fancy = true;
                    for (k, arr) in nonzero(shape, data).into_iter().enumerate() {
                        used += 1;
                        entries.push(Entry::Fancy {
                            shape: vec![arr.len()],
                            data: arr,
                            bool_axis_len: Some(shape[k]),
                            strides: None,
                        });
                    }
                    fancy_ndim = fancy_ndim.max(1);
                }
                Index::Array { shape, data } | Index::ArrayView { shape, data, .. } => {
                    if shape.is_empty() {
                        kinds.integer = true;
                        kinds.scalar_array = true;
                        used += 1;
                        entries.push(Entry::Int(data[0]));
                        continue;
                    }
                    kinds.fancy = true;
                    used += 1;
                    fancy_ndim = fancy_ndim.max(shape.len());
                    entries.push(Entry::Fancy {
                        shape: shape.clone(),
                        data: data.clone(),
                        bool_axis_len: None,
                        strides: match item {
                            Index::ArrayView { strides, .. } => Some(strides.clone()),
                            _ => None,
                        },
                    });
                }
            }
        }
        let mut integer_only = false;
        if used < ndim {
            let missing = ndim - used;
            match ellipsis_pos {
                Some(p) => entries[p] = Entry::Ellipsis(missing),
                None => {
                    kinds.ellipsis = true;
                    entries.push(Entry::Ellipsis(missing));
                }
            }
            new_ndim += missing;
        } else if used > ndim {
            return Err(Error::index(format!(
                "too many indices for array: array is {ndim}-dimensional, but {used} were indexed"
            )));
        } else if index.is_empty() {
            // x[()] on a 0-d array is an integer index: the scalar.
            integer_only = true;
        }
        if kinds.newaxis || kinds.fancy {
            if new_ndim + fancy_ndim > MAX_DIMS {
                return Err(Error::index(format!(
                    "number of dimensions must be within [0, {MAX_DIMS}], indexing result would have {}",
                    new_ndim + fancy_ndim
                )));
            }
            let mut axis = 0usize;
            for e in &entries {
                match e {
                    // A mask axis of extent 0 is never checked (NumPy
                    // compares only positive extents).
                    Entry::Fancy {
                        bool_axis_len: Some(n),
                        ..
                    } if (*n > 0 || mutant!("mask-zero-extent-checked"))
                        && *n != self.shape[axis] =>
                    {
                        return Err(Error::index(format!(
                            "boolean index did not match indexed array along axis {axis}; size of axis is {} but size of corresponding boolean axis is {n}",
                            self.shape[axis]
                        )));
                    }
                    Entry::Ellipsis(k) => axis += k,
                    Entry::NewAxis | Entry::Bool0d(_) => {}
                    _ => axis += 1,
                }
            }
        }
        let only_integers = !kinds.slice && !kinds.newaxis && !kinds.ellipsis && !kinds.fancy;
        if integer_only || (only_integers && kinds.integer) {
            let ints = entries
                .iter()
                .filter_map(|e| match e {
                    Entry::Int(i) => Some(*i),
                    _ => None,
                })
                .collect();
            return Ok(Prepared::Integers(ints));
        }
        let only_ellipsis =
            kinds.ellipsis && !kinds.slice && !kinds.newaxis && !kinds.integer && !kinds.fancy;
        Ok(Prepared::General {
            entries,
            fancy: kinds.fancy,
            only_ellipsis,
            scalar_array: kinds.scalar_array && !kinds.fancy,
        })
    }

    /// Bounds-checks one integer index (`check_and_adjust_index`).
    fn adjust(i: i64, n: usize, axis: usize) -> Result<isize, Error> {
        let n = n as i64;
        if i < -n || i > n || (i == n && !mutant!("index-upper-bound-inclusive")) {
            return Err(Error::index(format!(
                "index {i} is out of bounds for axis {axis} with size {n}"
            )));
        }
        Ok(if i < 0 { i + n } else { i } as isize)
    }

    fn integer_address(&self, ints: &[i64]) -> Result<isize, Error> {
        let mut addr = self.offset;
        for (axis, &i) in ints.iter().enumerate() {
            addr += Array::adjust(i, self.shape[axis], axis)? * self.strides[axis];
        }
        Ok(addr)
    }

    /// `get_view_from_index`: the view made by the basic entries; advanced
    /// axes are left out (it is the *subspace* of advanced indexing).
    fn basic_view(&self, entries: &[Entry]) -> Result<Array, Error> {
        let mut shape = Dims::new();
        let mut strides = Dims::new();
        let mut offset = self.offset;
        let mut axis = 0usize;
        for e in entries {
            match e {
                Entry::Int(i) => {
                    offset += Array::adjust(*i, self.shape[axis], axis)? * self.strides[axis];
                    axis += 1;
                }
                Entry::Ellipsis(k) => {
                    for _ in 0..*k {
                        shape.push(self.shape[axis]);
                        strides.push(self.strides[axis]);
                        axis += 1;
                    }
                }
                Entry::Slice(a, b, c) => {
                    let (start, step, len) = layout::slice_indices(*a, *b, *c, self.shape[axis])?;
                    offset += start * self.strides[axis];
                    shape.push(len);
                    strides.push(layout::numpy_stride_mul(self.strides[axis], step));
                    axis += 1;
                }
                Entry::NewAxis => {
                    shape.push(1);
                    strides.push(isize::from(mutant!("newaxis-stride-one")));
                }
                Entry::Bool0d(_) => {}
                Entry::Fancy { .. } => axis += 1,
            }
        }
        Ok(self.view(shape, strides, offset))
    }

    /// `x[idx]` (`array_subscript`).
    ///
    /// * every axis indexed by an integer: a scalar (bounds-checked);
    /// * a single mask of the array's shape: a fresh 1-d array of the selected
    ///   elements in logical C order;
    /// * basic indices only: a view (a K-order copy when a 0-d integer array
    ///   stands in for an integer);
    /// * advanced indices: a fresh buffer (see [`Array::get`]'s layout rules
    ///   in `DESIGN.md`): index arrays broadcast to `B`, the basic entries
    ///   make the subspace `S`; the buffer is `B + S` with `B` C-ordered
    ///   outermost and `S` in the |stride| order of the subspace view (C order
    ///   when `S` has one element); when integers/arrays are separated by a
    ///   slice, newaxis or ellipsis the `B` block goes first, otherwise the
    ///   result is a transposed view (`owndata = false`) that puts `B` where
    ///   the first advanced index stood.
    ///
    /// Index arrays are bounds-checked (all values, unless they broadcast to
    /// an empty shape) before anything is read. Before any of this, a result
    /// over [`MAX_RESULT_ELEMENTS`] elements fails with `LimitExceeded`
    /// (see `check_limit`).
    pub fn get(&self, index: &[Index]) -> Result<Indexed, Error> {
        self.check_limit(index)?;
        match self.prepare(index)? {
            Prepared::Integers(ints) => {
                let addr = self.integer_address(&ints)?;
                Ok(Indexed::Scalar(self.buffer.borrow()[addr as usize]))
            }
            Prepared::Mask(mask) => {
                let data = self.buffer.borrow();
                let mut addresses = self.addresses();
                if mutant!("mask-memory-order") {
                    addresses.sort_unstable();
                }
                let values: Vec<i64> = addresses
                    .into_iter()
                    .zip(&mask)
                    .filter(|(_, &m)| m)
                    .map(|(a, _)| data[a as usize])
                    .collect();
                let n = values.len();
                Ok(Indexed::Array(Array::owning(
                    values,
                    vec![n],
                    layout::alloc_strides(&[n], false),
                )))
            }
            Prepared::General {
                entries,
                fancy,
                only_ellipsis,
                scalar_array,
            } => {
                if only_ellipsis {
                    return Ok(Indexed::Array(self.view(
                        self.shape.clone(),
                        self.strides.clone(),
                        self.offset,
                    )));
                }
                let view = self.basic_view(&entries)?;
                if !fancy {
                    if scalar_array && !mutant!("scalar-array-index-view") {
                        return Ok(Indexed::Array(view.copy(Order::K)));
                    }
                    return Ok(Indexed::Array(view));
                }
                let plan = self.fancy_plan(&entries, view)?;
                // NumPy allocates the result before it checks the index
                // values, so "too big" wins over IndexError.
                let mut result_shape = plan.bshape.clone();
                result_shape.extend_from_slice(plan.subspace.shape());
                layout::check_nbytes(&result_shape)?;
                plan.check_bounds(self)?;
                Ok(Indexed::Array(plan.gather(self)))
            }
        }
    }

    fn fancy_plan(&self, entries: &[Entry], subspace: Array) -> Result<FancyPlan, Error> {
        // consec (mapiter_fill_info): integers and advanced indices form one
        // block unless a slice/newaxis/ellipsis separates them.
        let mut consec = 0usize;
        let mut status = -1; // -1 none yet, 0 in block, 1 block ended, 2 split
        let mut result_dim = 0usize;
        let mut axis = 0usize;
        let mut arrays: Vec<IndexArr> = Vec::new();
        for e in entries {
            let advanced = matches!(e, Entry::Int(_) | Entry::Fancy { .. } | Entry::Bool0d(_));
            if advanced {
                if status == -1 {
                    consec = result_dim;
                    status = 0;
                } else if status == 1 {
                    status = 2;
                    consec = 0;
                }
            } else if status == 0 {
                status = 1;
            }
            match e {
                Entry::Fancy {
                    shape,
                    data,
                    strides,
                    ..
                } => {
                    arrays.push(IndexArr {
                        shape: shape.clone(),
                        data: data.clone(),
                        axis: Some(axis),
                        strides: strides.clone(),
                    });
                    axis += 1;
                }
                Entry::Bool0d(b) => arrays.push(IndexArr {
                    shape: vec![usize::from(*b)],
                    data: vec![0; usize::from(*b)],
                    axis: None,
                    strides: None,
                }),
                Entry::Ellipsis(k) => {
                    axis += k;
                    result_dim += k;
                }
                Entry::NewAxis => result_dim += 1,
                Entry::Int(_) | Entry::Slice(..) => {
                    axis += 1;
                    result_dim += 1;
                }
            }
        }
        if arrays.len() > MAX_DIMS || (mutant!("fancy-cap-off-by-one") && arrays.len() == MAX_DIMS)
        {
            return Err(Error::index(format!(
                "too many advanced (array) indices. This probably means you are indexing with too many booleans. (more than {MAX_DIMS} found)"
            )));
        }
        // NumPy drops a subspace of exactly one element (`PyArray_MapIterNew`:
        // an ellipsis or slices over length-1 axes count as none at all).
        let no_subspace = subspace.size() == 1;
        if no_subspace && arrays.len() >= MAX_DIMS {
            return Err(Error::index(format!(
                "when no subspace is given, the number of index arrays cannot be above {}, but {} index arrays found",
                MAX_DIMS - 1,
                arrays.len()
            )));
        }
        let bshape = broadcast_index_shapes(&arrays)?;
        Ok(FancyPlan {
            arrays,
            bshape,
            subspace,
            consec,
        })
    }

    /// `x[idx] = value` (`array_assign_subscript`) with format 1's documented
    /// semantics: the value is read completely before anything is written,
    /// and where an element is targeted twice the last write in C order of
    /// `x[idx]` wins. The value broadcasts to `x[idx]`'s shape after its
    /// leading length-1 axes are dropped. Errors, in NumPy's order: a
    /// read-only destination (ValueError), index errors, the value's shape,
    /// out-of-bounds index-array values. A failing call writes nothing.
    pub fn assign(&self, index: &[Index], value: Value<'_>) -> Result<(), Error> {
        self.check_limit(index)?;
        if !self.writeable {
            return Err(Error::value("assignment destination is read-only"));
        }
        match self.prepare(index)? {
            Prepared::Integers(ints) => {
                let addr = self.integer_address(&ints)?;
                let v = match value {
                    Value::Scalar(s) => s,
                    Value::Array(a) if a.ndim() == 0 => a.to_vec()[0],
                    Value::Array(_) => {
                        return Err(Error::value("setting an array element with a sequence."))
                    }
                };
                self.buffer.borrow_mut()[addr as usize] = v;
                Ok(())
            }
            Prepared::Mask(mask) => {
                let targets: Vec<isize> = self
                    .address_iter()
                    .zip(&mask)
                    .filter(|(_, &m)| m)
                    .map(|(a, _)| a)
                    .collect();
                let values: Vec<i64> = match value {
                    Value::Scalar(s) => vec![s; targets.len()],
                    Value::Array(a) if a.ndim() > 1 => {
                        return Err(Error::type_error(format!(
                            "NumPy boolean array indexing assignment requires a 0 or 1-dimensional input, input has {} dimensions",
                            a.ndim()
                        )))
                    }
                    Value::Array(a) => {
                        let v = a.to_vec();
                        if a.ndim() == 0 || v.len() == 1 {
                            vec![v[0]; targets.len()]
                        } else if v.len() == targets.len() {
                            v
                        } else {
                            return Err(Error::value(format!(
                                "NumPy boolean array indexing assignment cannot assign {} input values to the {} output values where the mask is true",
                                v.len(),
                                targets.len()
                            )));
                        }
                    }
                };
                self.write(targets.iter().copied(), &values);
                Ok(())
            }
            Prepared::General {
                entries,
                fancy,
                only_ellipsis,
                ..
            } => {
                let view = if only_ellipsis {
                    self.clone()
                } else {
                    self.basic_view(&entries)?
                };
                if !fancy {
                    let values = broadcast_value(value, view.shape(), Leading::StripOnes).map_err(
                        |from| {
                            Error::value(format!(
                                "could not broadcast input array from shape {} into shape {}",
                                shape_str(&from),
                                shape_str(view.shape())
                            ))
                        },
                    )?;
                    if mutant!("assign-unbuffered") {
                        if let Value::Array(a) = value {
                            if a.same_buffer(self) && view.size() <= 4096 {
                                // Re-read the value after every element written.
                                for (i, t) in view.addresses().into_iter().enumerate() {
                                    let now =
                                        broadcast_value(value, view.shape(), Leading::StripOnes)
                                            .expect("broadcast checked above");
                                    self.buffer.borrow_mut()[t as usize] = now[i];
                                }
                                return Ok(());
                            }
                        }
                    }
                    self.write(view.address_iter(), &values);
                    return Ok(());
                }
                let plan = self.fancy_plan(&entries, view)?;
                let shape = plan.result_shape();
                let values = broadcast_value(value, &shape, Leading::Reshape).map_err(|from| {
                    Error::value(format!(
                        "shape mismatch: value array of shape {} could not be broadcast to indexing result of shape {}",
                        shape_str(&from),
                        shape_str(&shape)
                    ))
                })?;
                plan.check_bounds(self)?;
                let (_, targets) = plan.targets(self);
                self.write(targets.iter().copied(), &values);
                Ok(())
            }
        }
    }

    /// `x[idx] += value`: Python's `t = x[idx]; t += value; x[idx] = t`. A
    /// basic index adds in place through the view; an advanced index adds
    /// into the copy and assigns it back, so a duplicated target is
    /// incremented once (the last in C order wins). int64 wraps around; a
    /// scalar target (all integers) overflowing with a scalar value warns
    /// `RuntimeWarning` as NumPy's scalar arithmetic does. The value
    /// broadcasts by ufunc rules (no dropping of leading axes).
    pub fn add_assign(&self, index: &[Index], value: Value<'_>) -> Result<Option<Warning>, Error> {
        match self.get(index)? {
            Indexed::Scalar(s) => match value {
                Value::Scalar(v) => {
                    let (sum, overflow) = s.overflowing_add(v);
                    self.assign(index, Value::Scalar(sum))?;
                    let overflow = overflow && !mutant!("add-overflow-no-warning");
                    Ok(overflow.then_some(Warning::RuntimeWarning))
                }
                Value::Array(a) => {
                    let sums: Vec<i64> = a.to_vec().iter().map(|v| s.wrapping_add(*v)).collect();
                    let t = Array::owning(
                        sums,
                        a.shape.clone(),
                        layout::alloc_strides(&a.shape, false),
                    );
                    self.assign(index, Value::Array(&t))?;
                    Ok(None)
                }
            },
            Indexed::Array(t) => {
                let addend = broadcast_value(value, t.shape(), Leading::Keep).map_err(|from| {
                    Error::value(format!(
                        "non-broadcastable output operand with shape {} doesn't match the broadcast shape {}",
                        shape_str(t.shape()),
                        shape_str(&from)
                    ))
                })?;
                let sums: Vec<i64> = t
                    .to_vec()
                    .iter()
                    .zip(&addend)
                    .map(|(a, b)| {
                        if mutant!("add-saturates") {
                            a.saturating_add(*b)
                        } else {
                            a.wrapping_add(*b)
                        }
                    })
                    .collect();
                if t.same_buffer(self) {
                    // A view: the in-place ufunc writes through it.
                    if !t.writeable {
                        return Err(Error::value("output array is read-only"));
                    }
                    t.write(t.address_iter(), &sums);
                    Ok(None)
                } else {
                    let copy = Array::owning(
                        sums,
                        t.shape.clone(),
                        layout::alloc_strides(&t.shape, false),
                    );
                    self.assign(index, Value::Array(&copy))?;
                    Ok(None)
                }
            }
        }
    }

    /// Writes `values[i]` to address `targets[i]`, in order (so the last of
    /// duplicate targets wins).
    fn write(&self, targets: impl IntoIterator<Item = isize>, values: &[i64]) {
        let mut data = self.buffer.borrow_mut();
        let pairs = targets.into_iter().zip(values);
        if mutant!("write-first-wins") {
            let pairs: Vec<_> = pairs.collect();
            for (t, &v) in pairs.into_iter().rev() {
                data[t as usize] = v;
            }
            return;
        }
        for (t, &v) in pairs {
            data[t as usize] = v;
        }
    }
}

/// How a value with more axes than its target may lose leading axes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leading {
    /// Basic assignment (`PyArray_AssignArray`): leading length-1 axes are
    /// stripped.
    StripOnes,
    /// Advanced assignment (`PyArray_MapIterNew`): the value is reshaped to
    /// its trailing axes, which works whenever the sizes agree — so with zero
    /// elements any leading axes go.
    Reshape,
    /// Ufunc broadcasting (`+=`): no axis is dropped.
    Keep,
}

/// The value's elements broadcast to `shape`, in C order, read completely
/// before any write. On failure returns the value's shape.
fn broadcast_value(
    value: Value<'_>,
    shape: &[usize],
    leading: Leading,
) -> Result<Vec<i64>, Vec<usize>> {
    let n = layout::size(shape);
    let a = match value {
        Value::Scalar(s) => return Ok(vec![s; n]),
        Value::Array(a) => a,
    };
    let mut vshape: &[usize] = a.shape();
    let mut vstrides: &[isize] = a.strides();
    match leading {
        Leading::StripOnes => {
            while vshape.len() > shape.len() && vshape[0] == 1 {
                vshape = &vshape[1..];
                vstrides = &vstrides[1..];
            }
        }
        Leading::Reshape if vshape.len() > shape.len() => {
            let cut = vshape.len() - shape.len();
            if layout::size(&vshape[cut..]) != a.size() {
                return Err(a.shape().to_vec());
            }
            // Equal sizes: the dropped axes have length 1, or there are no
            // elements to read at all.
            vshape = &vshape[cut..];
            vstrides = &vstrides[cut..];
        }
        _ => {}
    }
    if vshape.len() > shape.len() {
        return Err(a.shape().to_vec());
    }
    let lead = shape.len() - vshape.len();
    let mut strides = vec![0isize; shape.len()];
    for k in 0..vshape.len() {
        if vshape[k] == shape[lead + k] {
            strides[lead + k] = vstrides[k];
        } else if vshape[k] != 1 {
            return Err(a.shape().to_vec());
        }
    }
    let data = a.buffer.borrow();
    Ok(layout::AddressIter::new(shape, &strides, a.offset)
        .map(|addr| data[addr as usize])
        .collect())
}

/// Broadcast shape of the index arrays (`mapiter_fill_info`); IndexError on
/// mismatch. 0-d booleans take part as 1-d arrays of length 1 or 0.
fn broadcast_index_shapes(arrays: &[IndexArr]) -> Result<Vec<usize>, Error> {
    let nd = arrays.iter().map(|a| a.shape.len()).max().unwrap_or(0);
    let mut out = vec![1usize; nd];
    let mismatch = || {
        let shapes: Vec<String> = arrays.iter().map(|a| shape_str(&a.shape)).collect();
        Error::index(format!(
            "shape mismatch: indexing arrays could not be broadcast together with shapes {} ",
            shapes.join(" ")
        ))
    };
    for IndexArr { shape, .. } in arrays {
        let lead = nd - shape.len();
        for (k, &d) in shape.iter().enumerate() {
            let o = &mut out[lead + k];
            if d != 1 && d != *o {
                if *o != 1 {
                    return Err(mismatch());
                }
                *o = d;
            }
        }
    }
    Ok(out)
}

/// One advanced index after parsing: its values, shape, and the axis of the
/// source it indexes (`None` for a 0-d boolean, which indexes no axis).
struct IndexArr {
    shape: Vec<usize>,
    data: Vec<i64>,
    axis: Option<usize>,
    /// The memory layout NumPy sees (`None`: C-contiguous).
    strides: Option<Vec<isize>>,
}

/// An advanced index, ready to run: the index arrays, their broadcast shape
/// `B`, the subspace view `S`, and where the `B` block goes in the result.
struct FancyPlan {
    arrays: Vec<IndexArr>,
    bshape: Vec<usize>,
    subspace: Array,
    consec: usize,
}

impl FancyPlan {
    /// Every value of every index array must be in range for its axis,
    /// unless the arrays broadcast to an empty shape (then NumPy checks
    /// nothing, so `a[[], [7]]` is fine).
    fn check_bounds(&self, source: &Array) -> Result<(), Error> {
        if layout::size(&self.bshape) == 0 {
            return Ok(());
        }
        for arr in &self.arrays {
            if let Some(axis) = arr.axis {
                for &v in &arr.data {
                    Array::adjust(v, source.shape[axis], axis)?;
                }
            }
        }
        Ok(())
    }

    /// Buffer addresses of `x[idx]` in C order of the `B + S` shape (before
    /// the `consec` transposition). Index values must have been checked.
    fn buffer_addresses(&self, source: &Array) -> Vec<isize> {
        if self.subspace.size() == 0 {
            // An empty result reads nothing; don't walk a large `B`.
            return Vec::new();
        }
        let nd = self.bshape.len();
        let mut offsets = vec![0isize; layout::size(&self.bshape)];
        for arr in &self.arrays {
            let Some(axis) = arr.axis else { continue };
            let (extent, stride) = (source.shape[axis], source.strides[axis]);
            // The index array seen through B: stride 0 on broadcast axes.
            let lead = nd - arr.shape.len();
            let own = layout::fill_strides(&arr.shape, false);
            let mut bstrides = vec![0isize; nd];
            for k in 0..arr.shape.len() {
                if arr.shape[k] != 1 {
                    bstrides[lead + k] = own[k];
                }
            }
            for (o, pos) in
                offsets
                    .iter_mut()
                    .zip(layout::AddressIter::new(&self.bshape, &bstrides, 0))
            {
                let i = Array::adjust(arr.data[pos as usize], extent, axis)
                    .expect("index values are checked before use");
                *o += i * stride;
            }
        }
        let sub = self.subspace.addresses();
        let mut out = Vec::with_capacity(offsets.len() * sub.len());
        for o in &offsets {
            out.extend(sub.iter().map(|s| o + s));
        }
        out
    }

    /// The `B` axes, outermost first, in the order NumPy's iterator keeps
    /// over the index arrays (each broadcast to `B`, in its own strides).
    fn index_keep_order(&self) -> Vec<usize> {
        let nb = self.bshape.len();
        if self.arrays.iter().all(|a| a.strides.is_none()) {
            // C-contiguous arrays broadcast keep C order.
            return (0..nb).collect();
        }
        let operands: Vec<Vec<isize>> = self
            .arrays
            .iter()
            .map(|a| {
                let own = match &a.strides {
                    Some(s) => s.clone(),
                    None => layout::fill_strides(&a.shape, false),
                };
                let mut b = vec![0isize; nb];
                let lead = nb - a.shape.len();
                for (k, (&e, &st)) in a.shape.iter().zip(&own).enumerate() {
                    if e != 1 {
                        b[lead + k] = st;
                    }
                }
                b
            })
            .collect();
        let ops: Vec<&[isize]> = operands.iter().map(Vec::as_slice).collect();
        layout::nditer_keep_order(&self.bshape, &ops)
    }

    /// The `B + S` shape of the buffer.
    fn buffer_shape(&self) -> Vec<usize> {
        self.bshape
            .iter()
            .chain(self.subspace.shape())
            .copied()
            .collect()
    }

    /// Result axis `j` is buffer axis `perm[j]`: the `B` block moves to
    /// position `consec`.
    fn result_perm(&self) -> Vec<usize> {
        let nb = self.bshape.len();
        let ns = self.subspace.ndim();
        let mut perm: Vec<usize> = (nb..nb + ns).collect();
        for k in 0..nb {
            perm.insert(self.consec + k, k);
        }
        perm
    }

    /// The shape of `x[idx]` and the address of each of its elements in C
    /// order (for assignment). Index values must have been checked.
    fn targets(&self, source: &Array) -> (Vec<usize>, Vec<isize>) {
        let full = self.buffer_shape();
        let perm = self.result_perm();
        let shape: Vec<usize> = perm.iter().map(|&k| full[k]).collect();
        if layout::size(&full) == 0 {
            // Nothing is written, and the extents of an assignment target
            // are not bound by invariant 7 (NumPy allocates no result), so
            // their running products may not even fit in 64 bits.
            return (shape, Vec::new());
        }
        let c = layout::fill_strides(&full, false);
        let strides: Vec<isize> = perm.iter().map(|&k| c[k]).collect();
        let addrs = self.buffer_addresses(source);
        let targets = layout::AddressIter::new(&shape, &strides, 0)
            .map(|p| addrs[p as usize])
            .collect();
        (shape, targets)
    }

    /// The shape of `x[idx]` without reading anything.
    fn result_shape(&self) -> Vec<usize> {
        let full = self.buffer_shape();
        self.result_perm().iter().map(|&k| full[k]).collect()
    }

    /// Runs `x[idx]`: allocates the `B + S` buffer in NumPy's layout, fills
    /// it, and returns it, or its transposed view when `consec != 0`.
    ///
    /// Layout (`PyArray_MapIterNew`): when the subspace has exactly one
    /// element the `B` axes follow the iterator's K order of the index
    /// arrays (C order for C-contiguous ones, however they broadcast; the
    /// layout of an [`Index::ArrayView`] can change it); otherwise `B` is
    /// C-ordered and outermost and the subspace axes are innermost in the
    /// |stride| order of the subspace view. Zero elements: all strides 0.
    fn gather(&self, source: &Array) -> Array {
        let full = self.buffer_shape();
        let nb = self.bshape.len();
        let strides = if mutant!("fancy-result-c-order") {
            layout::alloc_strides(&full, false)
        } else if self.subspace.size() == 1 {
            let mut perm = self.index_keep_order();
            perm.extend(nb..full.len());
            layout::alloc_strides_perm(&full, &perm)
        } else {
            let mut perm: Vec<usize> = (0..nb).collect();
            perm.extend(
                layout::sorted_stride_perm(self.subspace.strides())
                    .into_iter()
                    .map(|k| nb + k),
            );
            layout::alloc_strides_perm(&full, &perm)
        };
        let values: Vec<i64> = {
            let data = source.buffer.borrow();
            self.buffer_addresses(source)
                .into_iter()
                .map(|a| data[a as usize])
                .collect()
        };
        let buffer = Array::fresh(full, strides, &values);
        if self.consec == 0 {
            return buffer;
        }
        let perm = self.result_perm();
        let mut view = buffer.view(
            perm.iter().map(|&k| buffer.shape[k]).collect::<Dims<_>>(),
            perm.iter().map(|&k| buffer.strides[k]).collect::<Dims<_>>(),
            0,
        );
        view.owndata = mutant!("fancy-transposed-owndata");
        view
    }
}
