//! A viewcheck backend that runs format-1 programs on the `ndarray` crate.
//!
//! The aim is to report what ndarray itself does, so each op is mapped onto
//! the ndarray API a Rust user would call for it (README.md has the table),
//! and strides, offsets, layout flags and sharing are read off the views
//! ndarray returns rather than computed from NumPy's rules.
//!
//! Aliasing without `unsafe`: every owning array lives in an
//! `Rc<RefCell<ArrayD<i64>>>`, and a name bound to a view keeps its owner,
//! the chain of ndarray calls that made it, and where the resulting view
//! lies (shape, strides, lowest element). Each call runs once, on the
//! parent view, when the step runs. To read, the owner is borrowed and the
//! view rebuilt at its place with `ArrayView::from_shape`; to write, the
//! chain is replayed on `owner.view_mut()` with the mutable versions of the
//! calls. ndarray's view methods are pure functions of the layout, so both
//! give the view the calls gave.
#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use ndarray::{
    ArrayBase, ArrayD, ArrayViewD, ArrayViewMutD, Axis, ErrorKind, IxDyn, Order as NdOrder,
    RawData, ShapeBuilder, ShapeError, SliceInfoElem,
};
use viewcheck::backend::{panic_message, Backend, BackendError};
use viewcheck::format::{
    ArrayRecord, Bound, Item, Observation, Order, Program, Step, StepRecord, Value,
    MAX_RESULT_ELEMENTS, OPS, PROGRAM_ELEMENT_LIMIT,
};
use viewcheck::protocol::{Capabilities, Implementation, OBSERVABLE};

/// The ndarray release this adapter is built against (pinned in Cargo.toml).
pub const NDARRAY_VERSION: &str = "0.17.2";

/// Who answers the handshake.
pub fn implementation() -> Implementation {
    Implementation {
        name: "ndarray".into(),
        version: NDARRAY_VERSION.into(),
        language: "rust".into(),
    }
}

/// Index kinds ndarray can express: basic slicing maps onto `SliceInfoElem`,
/// and one 1-d index array onto `select`. Masks and 0-d index arrays have no
/// ndarray counterpart; `{"var": ...}` items (format 1.2, `var`) are not
/// declared either.
pub const INDEX_KINDS: [&str; 6] = ["int", "slice", "newaxis", "ellipsis", "array", "()"];

/// What the adapter declares: every op (some arguments of some ops are
/// unsupported at run time, see README.md), the index kinds above, and every
/// observable field except warnings, a notion ndarray does not have.
pub fn capabilities() -> Capabilities {
    Capabilities {
        ops: Some(OPS.iter().map(|s| s.to_string()).collect()),
        index_kinds: Some(INDEX_KINDS.iter().map(|s| s.to_string()).collect()),
        observes: Some(
            OBSERVABLE
                .iter()
                .filter(|f| **f != "warnings")
                .map(|s| s.to_string())
                .collect(),
        ),
    }
}

/// The ndarray backend.
#[derive(Clone, Copy, Debug, Default)]
pub struct NdarrayBackend;

type Owner = Rc<RefCell<ArrayD<i64>>>;

/// One ndarray call that turns a view into another view of the same owner.
#[derive(Clone, Debug)]
enum ViewOp {
    /// `slice_move` (ints, slices and new axes in one call).
    Slice(Vec<SliceInfoElem>),
    /// `permuted_axes`.
    Permute(Vec<usize>),
    /// `reversed_axes`.
    Reverse,
    /// `swap_axes`.
    Swap(usize, usize),
    /// `insert_axis`.
    Insert(usize),
    /// `remove_axis`.
    Remove(usize),
    /// `into_shape_with_order`: exists for mutable views too.
    IntoShape(Vec<usize>, NdOrder),
    /// The borrowed side of `to_shape`'s `CowArray`: an `ArrayView` only.
    ToShape(Vec<usize>, NdOrder),
    /// `broadcast`: an `ArrayView` only (repeated elements cannot be
    /// mutably aliased in Rust).
    Broadcast(Vec<usize>),
    /// `into_diag` (`diag` / `diag_mut`).
    Diag,
}

impl ViewOp {
    /// Whether ndarray can only give a read-only view for this op.
    fn read_only(&self) -> bool {
        matches!(self, ViewOp::ToShape(..) | ViewOp::Broadcast(_))
    }
}

/// A bound array: its owner, the calls that made the view (none: the name
/// is the owner itself), and where the resulting view lies.
#[derive(Clone)]
struct View {
    owner: Owner,
    chain: Vec<ViewOp>,
    placement: Rc<Placement>,
}

#[derive(Clone)]
enum Binding {
    Array(View),
    Scalar(i64),
}

/// Why a step or the program did not produce a value.
#[derive(Debug)]
enum Fail {
    /// The step fails with this error class.
    Class(&'static str),
    /// The step uses a name that is not bound to an array or scalar.
    Skipped,
    /// ndarray has no equivalent: the whole program is unsupported.
    Unsupported(String),
    /// A bug of the adapter.
    Internal(String),
}

type Res<T> = Result<T, Fail>;

fn unsupported<T>(why: impl Into<String>) -> Res<T> {
    Err(Fail::Unsupported(why.into()))
}

/// ndarray's `ShapeError` kinds as error classes: an element position out of
/// range is NumPy's `IndexError`, every other kind (incompatible shape or
/// layout, overflow, unsupported) is a bad argument, `ValueError`.
fn shape_error(e: ShapeError) -> Fail {
    Fail::Class(match e.kind() {
        ErrorKind::OutOfBounds => "IndexError",
        _ => "ValueError",
    })
}

/// A panic inside ndarray as an error class: ndarray reports misuse by
/// panicking, and the message says which argument was wrong.
fn panic_class(step: &Step, message: &str) -> &'static str {
    if matches!(step, Step::AddAssign { .. }) && message.contains("attempt to add with overflow") {
        // i64 `+=` in a build with overflow checks (debug); other overflow
        // panics come from out-of-range index arithmetic inside ndarray.
        return "OverflowError";
    }
    if message.contains("broadcast") {
        return "ValueError";
    }
    // ndarray's own asserts drop their message in release builds, leaving
    // the condition: both forms are matched.
    if [
        "stride must not be zero",
        "step != 0",
        "listed exactly once",
    ]
    .iter()
    .any(|m| message.contains(m))
    {
        return "ValueError";
    }
    match step {
        Step::Index { .. } | Step::Assign { .. } | Step::AddAssign { .. } => "IndexError",
        Step::Transpose { .. }
        | Step::Swapaxes { .. }
        | Step::Moveaxis { .. }
        | Step::Squeeze { .. }
        | Step::ExpandDims { .. } => "AxisError",
        _ => "ValueError",
    }
}

/// A view op that exists for every kind of view (owned, shared, mutable).
fn apply<S: RawData<Elem = i64>>(a: ArrayBase<S, IxDyn>, op: &ViewOp) -> Res<ArrayBase<S, IxDyn>> {
    Ok(match op {
        ViewOp::Slice(info) => a.slice_move(info.as_slice()),
        ViewOp::Permute(axes) => a.permuted_axes(IxDyn(axes)),
        ViewOp::Reverse => a.reversed_axes(),
        ViewOp::Swap(x, y) => {
            let mut a = a;
            a.swap_axes(*x, *y);
            a
        }
        ViewOp::Insert(k) => a.insert_axis(Axis(*k)),
        ViewOp::Remove(k) => a.remove_axis(Axis(*k)),
        ViewOp::IntoShape(shape, order) => a
            .into_shape_with_order((IxDyn(shape), *order))
            .map_err(shape_error)?,
        ViewOp::Diag => a.into_diag().into_dyn(),
        ViewOp::ToShape(..) | ViewOp::Broadcast(_) => {
            return Err(Fail::Class("ValueError"));
        }
    })
}

/// Where a view lies in its owner's memory: enough to build the same view
/// again with `ArrayView::from_shape`.
struct Placement {
    shape: Vec<usize>,
    strides: Vec<isize>,
    /// Elements from the owner's lowest address to the view's lowest one.
    low: usize,
}

impl Placement {
    fn of(v: &ArrayViewD<'_, i64>, base: usize) -> Res<Placement> {
        let low = low_address(v.as_ptr() as usize, v.shape(), v.strides());
        let low = low
            .checked_sub(base)
            .ok_or(Fail::Internal("a view below its owner's memory".into()))?;
        Ok(Placement {
            shape: v.shape().to_vec(),
            strides: v.strides().to_vec(),
            low: low / size_of::<i64>(),
        })
    }

    fn view<'a>(&self, data: &'a [i64]) -> Res<ArrayViewD<'a, i64>> {
        // ndarray keeps strides as `usize` and reads them as `isize`; the
        // builder takes them in that form.
        let strides: Vec<usize> = self.strides.iter().map(|&s| s as usize).collect();
        let rest = data
            .get(self.low..)
            .ok_or(Fail::Internal("a view past its owner's memory".into()))?;
        ArrayViewD::from_shape(IxDyn(&self.shape).strides(IxDyn(&strides)), rest)
            .map_err(|e| Fail::Internal(format!("cannot rebuild a view: {e}")))
    }
}

/// Applies one op to a shared view of `owner` and says where the result
/// lies. `to_shape` and `broadcast` return views that borrow their input
/// (`&self`) rather than the owner, which is why views are kept as
/// placements and rebuilt with `from_shape` on the owner's memory: a read
/// costs the same whatever the length of the chain behind it.
fn place(owner: &ArrayD<i64>, parent: &Placement, op: &ViewOp) -> Res<Placement> {
    let (data, base) = memory(owner)?;
    let v = parent.view(data)?;
    match op {
        ViewOp::ToShape(shape, order) => {
            let cow = v.to_shape((IxDyn(shape), *order)).map_err(shape_error)?;
            if !cow.is_view() {
                return Err(Fail::Internal(
                    "to_shape copied where it had returned a view".into(),
                ));
            }
            Placement::of(&cow.view(), base)
        }
        ViewOp::Broadcast(shape) => match v.broadcast(IxDyn(shape)) {
            Some(b) => Placement::of(&b, base),
            None => Err(Fail::Class("ValueError")),
        },
        other => Placement::of(&apply(v, other)?, base),
    }
}

/// An owner's elements in memory order, and their lowest address.
fn memory(owner: &ArrayD<i64>) -> Res<(&[i64], usize)> {
    let data = owner
        .as_slice_memory_order()
        .ok_or(Fail::Internal("an owner that is not contiguous".into()))?;
    Ok((data, data.as_ptr() as usize))
}

/// Replays `ops` on a mutable view: writes go through the `_mut` / consuming
/// versions of the calls that made the view, as a Rust caller's would.
fn with_mut<R>(
    mut v: ArrayViewMutD<'_, i64>,
    ops: &[ViewOp],
    f: impl FnOnce(ArrayViewMutD<'_, i64>) -> R,
) -> Res<R> {
    for op in ops {
        if op.read_only() {
            return Err(Fail::Class("ValueError"));
        }
        v = apply(v, op)?;
    }
    Ok(f(v))
}

impl View {
    fn owner(a: ArrayD<i64>) -> Res<View> {
        let (_, base) = memory(&a)?;
        let placement = Placement::of(&a.view(), base)?;
        Ok(View {
            owner: Rc::new(RefCell::new(a)),
            chain: Vec::new(),
            placement: Rc::new(placement),
        })
    }

    fn then(&self, op: ViewOp) -> Res<View> {
        let placement = place(&self.owner.borrow(), &self.placement, &op)?;
        let mut chain = self.chain.clone();
        chain.push(op);
        Ok(View {
            owner: self.owner.clone(),
            chain,
            placement: Rc::new(placement),
        })
    }

    fn read<R>(&self, f: impl FnOnce(ArrayViewD<'_, i64>) -> R) -> Res<R> {
        let owner = self.owner.borrow();
        let (data, _) = memory(&owner)?;
        Ok(f(self.placement.view(data)?))
    }

    fn writeable(&self) -> bool {
        !self.chain.iter().any(ViewOp::read_only)
    }

    fn shape(&self) -> &[usize] {
        &self.placement.shape
    }
}

fn nd_order(o: Order, what: &str) -> Res<NdOrder> {
    match o {
        Order::C => Ok(NdOrder::RowMajor),
        Order::F => Ok(NdOrder::ColumnMajor),
        // ndarray orders are row- or column-major only; "whatever the
        // source is" (A) and "keep the source's" (K) have no counterpart.
        other => unsupported(format!(
            "{what} order {} (ndarray has C and F only)",
            other.as_str()
        )),
    }
}

/// A Python-style axis as ndarray's `usize`: negative axes count from the
/// end (a Rust caller would write `ndim - k`); one still out of range
/// becomes `usize::MAX`, so ndarray's own bounds check rejects it.
fn axis(a: i64, ndim: usize) -> usize {
    let a = if a < 0 { a + ndim as i64 } else { a };
    usize::try_from(a).unwrap_or(usize::MAX)
}

/// An axis the adapter itself must check, because it computes something
/// from it before ndarray is involved (moveaxis, squeeze, expand_dims).
fn checked_axis(a: i64, ndim: usize) -> Res<usize> {
    let k = axis(a, ndim);
    if k < ndim {
        Ok(k)
    } else {
        Err(Fail::Class("AxisError"))
    }
}

fn distinct(axes: &[usize]) -> Res<()> {
    let mut sorted = axes.to_vec();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err(Fail::Class("ValueError"));
    }
    Ok(())
}

/// The basic items of an index as one `slice_move` argument: ints and new
/// axes as they are, `start:stop:step` literally as ndarray's
/// `Slice { start, end, step }` (a missing start is 0, a missing step 1),
/// so that ndarray's own slice semantics show (a negative step reverses the
/// selected range, bounds are not clipped). An ellipsis and the axes the
/// index leaves out become full slices, as `..` in `s![]` would.
fn slice_info(items: &[Item], ndim: usize) -> Res<Vec<SliceInfoElem>> {
    let consumed = items
        .iter()
        .filter(|i| matches!(i, Item::Int(_) | Item::Slice(..) | Item::Array(_)))
        .count();
    let ellipses = items.iter().filter(|i| matches!(i, Item::Ellipsis)).count();
    if ellipses > 1 {
        // Not expressible as a list of `SliceInfoElem`s at all.
        return Err(Fail::Class("IndexError"));
    }
    let fill = ndim.saturating_sub(consumed);
    let full = SliceInfoElem::Slice {
        start: 0,
        end: None,
        step: 1,
    };
    let mut out = Vec::with_capacity(items.len() + fill);
    for item in items {
        match item {
            Item::Int(i) => out.push(SliceInfoElem::Index(*i as isize)),
            Item::Slice(start, stop, step) => out.push(SliceInfoElem::Slice {
                start: start.unwrap_or(0) as isize,
                end: stop.map(|e| e as isize),
                step: step.unwrap_or(1) as isize,
            }),
            Item::NewAxis => out.push(SliceInfoElem::NewAxis),
            Item::Ellipsis => out.extend(std::iter::repeat_n(full, fill)),
            // Handled by `select` after the basic part (see `index`).
            Item::Array(_) => out.push(full),
            Item::Mask(_) => return unsupported("boolean masks (ndarray has no mask indexing)"),
            Item::Var(_) => return unsupported(VAR_ITEMS),
        }
    }
    if ellipses == 0 {
        out.extend(std::iter::repeat_n(full, fill));
    }
    Ok(out)
}

/// Why a `{"var": ...}` item (format 1.2) is refused: not declared in
/// [`INDEX_KINDS`], so generated programs never have one.
const VAR_ITEMS: &str = "{\"var\": ...} index items (format 1.2; not declared)";

fn check_index(items: &[Item]) -> Res<Option<usize>> {
    let mut array = None;
    for (k, item) in items.iter().enumerate() {
        match item {
            Item::Mask(_) => return unsupported("boolean masks (ndarray has no mask indexing)"),
            Item::Var(_) => return unsupported(VAR_ITEMS),
            Item::Array(a) if a.shape.len() != 1 => {
                return unsupported(format!(
                    "a {}-d index array (ndarray's `select` takes a list)",
                    a.shape.len()
                ))
            }
            Item::Array(_) if array.is_some() => {
                return unsupported("several index arrays (ndarray's `select` takes one axis)")
            }
            Item::Array(_) => array = Some(k),
            _ => {}
        }
    }
    if array.is_some()
        && items
            .iter()
            .any(|i| matches!(i, Item::Int(_) | Item::NewAxis))
    {
        return unsupported("an index array mixed with integers or new axes");
    }
    Ok(array)
}

/// `x[index]` as ndarray calls: `slice_move`, then `select` for an index
/// array. All-integer indexing reads one element (a scalar, as in format 1).
fn index(src: &View, items: &[Item]) -> Res<Binding> {
    let array = check_index(items)?;
    let ndim = src.shape().len();
    let info = slice_info(items, ndim)?;
    let sliced = src.then(ViewOp::Slice(info))?;
    let Some(k) = array else {
        let all_ints = items.iter().all(|i| matches!(i, Item::Int(_)));
        if all_ints && items.len() == ndim {
            let value = sliced.read(|v| v.first().copied())?;
            return value
                .map(Binding::Scalar)
                .ok_or(Fail::Internal("no element at an all-integer index".into()));
        }
        return Ok(Binding::Array(sliced));
    };
    let Item::Array(idx) = &items[k] else {
        unreachable!("check_index found an array here")
    };
    // The array's axis, once the ellipsis before it is expanded.
    let ax = if items[..k].iter().any(|i| matches!(i, Item::Ellipsis)) {
        ndim - (items.len() - 1 - k)
    } else {
        k
    };
    let shape = sliced.shape();
    if ax >= shape.len() {
        return Err(Fail::Class("IndexError"));
    }
    let rest: u128 = shape
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != ax)
        .map(|(_, &e)| e as u128)
        .product();
    if rest * idx.data.len() as u128 > MAX_RESULT_ELEMENTS as u128 {
        return Err(Fail::Class("LimitExceeded"));
    }
    let len = shape[ax];
    let indices: Vec<usize> = idx.data.iter().map(|&i| axis(i, len)).collect();
    let selected = sliced.read(|v| v.select(Axis(ax), &indices))?;
    Ok(Binding::Array(View::owner(selected)?))
}

/// Infers the unknown (negative) extent of a reshape, as a Rust caller
/// computes it for ndarray's `usize` shapes; more than one unknown cannot
/// be inferred.
fn reshape_shape(shape: &[i64], size: usize) -> Res<Vec<usize>> {
    if shape.iter().filter(|&&e| e < 0).count() > 1 {
        return Err(Fail::Class("ValueError"));
    }
    let known: u128 = shape
        .iter()
        .filter(|&&e| e >= 0)
        .map(|&e| e as u128)
        .product();
    shape
        .iter()
        .map(|&e| {
            if e >= 0 {
                Ok(e as usize)
            } else if known == 0 || size as u128 % known != 0 {
                Err(Fail::Class("ValueError"))
            } else {
                Ok((size as u128 / known) as usize)
            }
        })
        .collect()
}

/// The result of a `CowArray`-returning call: its borrowed side is a view
/// of the source (`op` replays it), its owned side a new owner.
fn cow_result(src: &View, owned: Option<ArrayD<i64>>, op: ViewOp) -> Res<Binding> {
    Ok(Binding::Array(match owned {
        None => src.then(op)?,
        Some(a) => View::owner(a)?,
    }))
}

fn f_copy(v: ArrayViewD<'_, i64>) -> ArrayD<i64> {
    // ndarray's copies are C-ordered or layout-preserving; an F-ordered one
    // is the C copy of the reversed axes, reversed back.
    v.reversed_axes()
        .as_standard_layout()
        .into_owned()
        .reversed_axes()
}

fn arange(shape: &[usize], order: Order) -> ArrayD<i64> {
    // `from_shape_fn` fills by logical index, so F order changes the layout
    // and not the values (which are 0..n in C order).
    let dim = IxDyn(shape);
    let f = matches!(order, Order::F);
    ArrayD::from_shape_fn(dim.set_f(f), |idx| {
        let mut linear = 0usize;
        for (i, &e) in shape.iter().enumerate() {
            linear = linear * e + idx[i];
        }
        linear as i64
    })
}

fn write(env: &Env, dst: &View, items: &[Item], value: &Value, add: bool) -> Res<()> {
    if items.iter().any(|i| matches!(i, Item::Array(_))) {
        return unsupported("writes through an index array (ndarray's `select` copies)");
    }
    check_index(items)?;
    let value = match value {
        Value::Scalar(s) => Binding::Scalar(*s),
        Value::Var(n) => match env.get(n) {
            Some(b) => b.clone(),
            None => return Err(Fail::Skipped),
        },
    };
    // Rust's borrow rules forbid reading a view while a mutable view of the
    // same owner exists, so an array value is copied first, which is also
    // format 1's documented write semantics.
    let rhs: Result<i64, ArrayD<i64>> = match value {
        Binding::Scalar(s) => Ok(s),
        Binding::Array(v) => Err(v.read(|x| x.to_owned())?),
    };
    if !dst.writeable() {
        // ndarray offers no mutable view of this name; like NumPy's
        // read-only flag, that is decided before the index is looked at.
        return Err(Fail::Class("ValueError"));
    }
    let info = slice_info(items, dst.shape().len())?;
    let target = dst.then(ViewOp::Slice(info))?;
    let mut owner = target.owner.borrow_mut();
    with_mut(owner.view_mut(), &target.chain, |mut v| match &rhs {
        Ok(s) if add => v += *s,
        Ok(s) => v.fill(*s),
        Err(a) if add => v += a,
        Err(a) => v.assign(a),
    })
}

#[derive(Default)]
struct Env {
    bound: Vec<(String, Binding)>,
    elements: usize,
}

impl Env {
    fn get(&self, name: &str) -> Option<&Binding> {
        self.bound.iter().find(|(n, _)| n == name).map(|(_, b)| b)
    }
}

fn elements(b: &Binding) -> Res<usize> {
    match b {
        Binding::Scalar(_) => Ok(0),
        Binding::Array(v) => Ok(v.shape().iter().product()),
    }
}

/// Runs one step; `Ok(Some(b))` binds `b` to the step's `out`.
fn run(env: &Env, step: &Step, x: Option<&View>) -> Res<Option<Binding>> {
    let x = || x.expect("steps with a source get one");
    let arr = |v: View| Ok(Some(Binding::Array(v)));
    match step {
        Step::Array { shape, order, .. } => {
            let shape: Vec<usize> = shape.iter().map(|&e| e as usize).collect();
            arr(View::owner(arange(&shape, *order))?)
        }
        Step::Index { index: items, .. } => index(x(), items).map(Some),
        Step::Transpose { axes, .. } => {
            let src = x();
            let v = match axes {
                None => src.then(ViewOp::Reverse)?,
                Some(axes) => {
                    let ndim = src.shape().len();
                    src.then(ViewOp::Permute(
                        axes.iter().map(|&a| axis(a, ndim)).collect(),
                    ))?
                }
            };
            arr(v)
        }
        Step::Swapaxes { axis1, axis2, .. } => {
            let ndim = x().shape().len();
            let v = x().then(ViewOp::Swap(axis(*axis1, ndim), axis(*axis2, ndim)))?;
            arr(v)
        }
        Step::Moveaxis {
            source,
            destination,
            ..
        } => {
            // ndarray has no moveaxis; the permutation is what a caller
            // would pass to `permuted_axes`.
            let ndim = x().shape().len();
            let src = source
                .iter()
                .map(|&a| checked_axis(a, ndim))
                .collect::<Res<Vec<_>>>()?;
            let dst = destination
                .iter()
                .map(|&a| checked_axis(a, ndim))
                .collect::<Res<Vec<_>>>()?;
            if src.len() != dst.len() {
                return Err(Fail::Class("ValueError"));
            }
            distinct(&src)?;
            distinct(&dst)?;
            let mut rest = (0..ndim).filter(|a| !src.contains(a));
            let mut perm = vec![usize::MAX; ndim];
            for (&s, &d) in src.iter().zip(&dst) {
                perm[d] = s;
            }
            for p in perm.iter_mut().filter(|p| **p == usize::MAX) {
                *p = rest.next().expect("one remaining axis per free slot");
            }
            let v = x().then(ViewOp::Permute(perm))?;
            arr(v)
        }
        Step::Reshape {
            shape, order, copy, ..
        } => {
            let src = x();
            let o = nd_order(*order, "reshape")?;
            let size = elements(&Binding::Array(src.clone()))?;
            let shape = reshape_shape(shape, size)?;
            match copy {
                Some(false) => {
                    let v = src.then(ViewOp::IntoShape(shape, o))?;
                    arr(v)
                }
                Some(true) => {
                    let a = src.read(|v| {
                        v.to_shape((IxDyn(&shape), o))
                            .map(|c| c.into_owned())
                            .map_err(shape_error)
                    })??;
                    arr(View::owner(a)?)
                }
                None => {
                    let owned = src.read(|v| {
                        v.to_shape((IxDyn(&shape), o))
                            .map(|c| {
                                if c.is_view() {
                                    None
                                } else {
                                    Some(c.into_owned())
                                }
                            })
                            .map_err(shape_error)
                    })??;
                    cow_result(src, owned, ViewOp::ToShape(shape, o)).map(Some)
                }
            }
        }
        Step::Ravel { order, .. } => {
            let src = x();
            let o = nd_order(*order, "ravel")?;
            let (len, owned) = src.read(|v| {
                let c = v.flatten_with_order(o);
                (
                    c.len(),
                    if c.is_view() {
                        None
                    } else {
                        Some(c.into_owned().into_dyn())
                    },
                )
            })?;
            cow_result(src, owned, ViewOp::ToShape(vec![len], o)).map(Some)
        }
        Step::Flatten { order, .. } => {
            let o = nd_order(*order, "flatten")?;
            let a = x().read(|v| v.flatten_with_order(o).into_owned().into_dyn())?;
            arr(View::owner(a)?)
        }
        Step::Squeeze { axis: axes, .. } => {
            let src = x();
            let shape = src.shape();
            let mut axes = match axes {
                // ndarray has no squeeze: remove every length-1 axis.
                None => (0..shape.len()).filter(|&k| shape[k] == 1).collect(),
                Some(list) => {
                    let axes = list
                        .iter()
                        .map(|&a| checked_axis(a, shape.len()))
                        .collect::<Res<Vec<_>>>()?;
                    distinct(&axes)?;
                    axes
                }
            };
            // Highest first, so the remaining axis numbers stay valid.
            axes.sort_unstable_by(|a, b| b.cmp(a));
            let mut v = src.clone();
            for k in axes {
                v = v.then(ViewOp::Remove(k))?;
            }
            arr(v)
        }
        Step::ExpandDims { axis: axes, .. } => {
            let src = x();
            let out_ndim = src.shape().len() + axes.len();
            let mut axes: Vec<usize> = axes.iter().map(|&a| axis(a, out_ndim)).collect();
            distinct(&axes)?;
            // Lowest first: each axis is a position in the result.
            axes.sort_unstable();
            let mut v = src.clone();
            for k in axes {
                v = v.then(ViewOp::Insert(k))?;
            }
            arr(v)
        }
        Step::BroadcastTo { shape, .. } => {
            if shape.iter().any(|&e| e < 0) {
                return Err(Fail::Class("ValueError"));
            }
            let v = x().then(ViewOp::Broadcast(
                shape.iter().map(|&e| e as usize).collect(),
            ))?;
            arr(v)
        }
        Step::Diagonal {
            offset,
            axis1,
            axis2,
            ..
        } => {
            let src = x();
            let ndim = src.shape().len();
            let pair = (axis(*axis1, ndim), axis(*axis2, ndim));
            if ndim != 2 || *offset != 0 || !(pair == (0, 1) || pair == (1, 0)) {
                return unsupported(
                    "diagonal other than the main one of a 2-d array (ndarray has `diag` only)",
                );
            }
            let v = src.then(ViewOp::Diag)?;
            arr(v)
        }
        Step::Copy { order, .. } => {
            let a = match order {
                Order::C => x().read(|v| v.to_owned())?,
                Order::F => x().read(f_copy)?,
                other => return nd_order(*other, "copy").map(|_| None),
            };
            arr(View::owner(a)?)
        }
        Step::Asarray { order, .. } => {
            let src = x();
            match order {
                // Same object: ndarray would simply use the array it has.
                Order::K => arr(src.clone()),
                Order::C => {
                    let owned = src.read(|v| {
                        let c = v.as_standard_layout();
                        if c.is_view() {
                            None
                        } else {
                            Some(c.into_owned())
                        }
                    })?;
                    match owned {
                        None => arr(src.clone()),
                        Some(a) => arr(View::owner(a)?),
                    }
                }
                Order::F => {
                    let owned = src.read(|v| {
                        if v.t().is_standard_layout() {
                            None
                        } else {
                            Some(f_copy(v))
                        }
                    })?;
                    match owned {
                        None => arr(src.clone()),
                        Some(a) => arr(View::owner(a)?),
                    }
                }
                Order::A => nd_order(Order::A, "asarray").map(|_| None),
            }
        }
        Step::Assign { index, value, .. } | Step::AddAssign { index, value, .. } => {
            let add = matches!(step, Step::AddAssign { .. });
            write(env, x(), index, value, add).map(|()| None)
        }
    }
}

fn run_program(program: &Program) -> Res<Observation> {
    let mut env = Env::default();
    let mut records = Vec::with_capacity(program.steps.len());
    for step in &program.steps {
        let src = match step.src() {
            None => None,
            Some(name) => match env.get(name) {
                Some(Binding::Array(v)) => Some(v.clone()),
                _ => {
                    records.push(StepRecord::skipped());
                    continue;
                }
            },
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| run(&env, step, src.as_ref())));
        let record = match outcome {
            Err(payload) => StepRecord::error(panic_class(step, &panic_message(payload.as_ref()))),
            Ok(Err(Fail::Skipped)) => StepRecord::skipped(),
            Ok(Err(Fail::Class(c))) => StepRecord::error(c),
            Ok(Err(other)) => return Err(other),
            Ok(Ok(None)) => StepRecord::ok(),
            Ok(Ok(Some(b))) => {
                let n = elements(&b)?;
                if env.elements + n > PROGRAM_ELEMENT_LIMIT {
                    StepRecord::error("LimitExceeded")
                } else {
                    env.elements += n;
                    env.bound
                        .push((step.out().expect("a binding step").to_string(), b));
                    StepRecord::ok()
                }
            }
        };
        records.push(record);
    }
    observe(&env, records)
}

struct Seen {
    name: String,
    owner: Owner,
    /// Element addresses, sorted (for the exact overlap question).
    addresses: Vec<usize>,
}

/// The lowest address of a view's elements (`ptr` is its first element in
/// logical order), by ndarray's own rule: only axes of extent > 1 move it.
fn low_address(ptr: usize, shape: &[usize], strides: &[isize]) -> usize {
    let mut low = ptr;
    for (&len, &stride) in shape.iter().zip(strides) {
        if stride < 0 && len > 1 {
            low = low.wrapping_sub(stride.unsigned_abs() * (len - 1) * size_of::<i64>());
        }
    }
    low
}

/// The lowest address of an owner's elements: ndarray's copies keep
/// negative strides of contiguous sources, so `as_ptr` (the first element
/// in logical order) is not always the start of the allocation.
fn base_address(a: &ArrayD<i64>) -> usize {
    low_address(a.as_ptr() as usize, a.shape(), a.strides())
}

fn observe(env: &Env, steps: Vec<StepRecord>) -> Res<Observation> {
    let mut owners: Vec<Owner> = Vec::new();
    let mut arrays = Vec::new();
    let mut seen: Vec<Seen> = Vec::new();
    for (name, b) in &env.bound {
        let bound = match b {
            Binding::Scalar(s) => Bound::Scalar(*s),
            Binding::Array(view) => {
                let buffer = match owners.iter().position(|o| Rc::ptr_eq(o, &view.owner)) {
                    Some(k) => k,
                    None => {
                        owners.push(view.owner.clone());
                        owners.len() - 1
                    }
                };
                let base = base_address(&view.owner.borrow());
                let (record, mut addresses) = view.read(|v| {
                    let addresses: Vec<usize> =
                        v.iter().map(|x| std::ptr::from_ref(x) as usize).collect();
                    let offset = (v.as_ptr() as isize - base as isize) / size_of::<i64>() as isize;
                    let record = ArrayRecord {
                        shape: v.shape().to_vec(),
                        strides: v.strides().iter().map(|&s| s as i64).collect(),
                        offset: offset as i64,
                        buffer,
                        owndata: view.chain.is_empty(),
                        writeable: view.writeable(),
                        c_contiguous: v.is_standard_layout(),
                        f_contiguous: v.t().is_standard_layout(),
                        values: v.iter().copied().collect(),
                    };
                    (record, addresses)
                })?;
                addresses.sort_unstable();
                seen.push(Seen {
                    name: name.clone(),
                    owner: view.owner.clone(),
                    addresses,
                });
                Bound::Array(record)
            }
        };
        arrays.push((name.clone(), bound));
    }
    let mut shares = Vec::new();
    let mut may = Vec::new();
    for i in 0..seen.len() {
        for j in i + 1..seen.len() {
            let (a, b) = (&seen[i], &seen[j]);
            if !Rc::ptr_eq(&a.owner, &b.owner) {
                continue;
            }
            let (Some(a0), Some(a1), Some(b0), Some(b1)) = (
                a.addresses.first(),
                a.addresses.last(),
                b.addresses.first(),
                b.addresses.last(),
            ) else {
                continue;
            };
            if a0 <= b1 && b0 <= a1 {
                let pair = (a.name.clone(), b.name.clone());
                may.push(pair.clone());
                if intersect(&a.addresses, &b.addresses) {
                    shares.push(pair);
                }
            }
        }
    }
    Ok(Observation {
        format_error: None,
        steps,
        arrays,
        shares_memory: shares,
        may_share_memory: may,
        extra: Default::default(),
    })
}

fn intersect(a: &[usize], b: &[usize]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

impl Backend for NdarrayBackend {
    fn name(&self) -> &str {
        "ndarray"
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    fn run(&self, program: &Program) -> Result<Observation, BackendError> {
        let fail = |message: String| BackendError {
            backend: "ndarray".into(),
            message,
        };
        if let Some(why) = capabilities().unsupported(program) {
            return Err(BackendError::unsupported(self.name(), &why));
        }
        run_program(program).map_err(|e| match e {
            Fail::Unsupported(why) => BackendError::unsupported(self.name(), &why),
            Fail::Internal(m) => fail(format!("internal: {m}")),
            Fail::Class(_) | Fail::Skipped => {
                fail("internal: a step outcome escaped its step".into())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use viewcheck::format::StepOutcome;

    fn run(program: serde_json::Value) -> Observation {
        let program = Program::parse(&program.to_string()).expect("a valid program");
        NdarrayBackend.run(&program).expect("the program runs")
    }

    fn array<'a>(obs: &'a Observation, name: &str) -> &'a ArrayRecord {
        match obs.get(name) {
            Some(Bound::Array(a)) => a,
            other => panic!("{name} is {other:?}"),
        }
    }

    fn outcomes(obs: &Observation) -> Vec<String> {
        obs.steps
            .iter()
            .map(|s| match &s.outcome {
                StepOutcome::Ok { .. } => "ok".to_string(),
                StepOutcome::Error(c) => c.clone(),
                StepOutcome::Skipped => "skipped".to_string(),
            })
            .collect()
    }

    #[test]
    fn the_reported_version_is_the_pinned_one() {
        let manifest = include_str!("../Cargo.toml");
        assert!(
            manifest.contains(&format!("ndarray = \"={NDARRAY_VERSION}\"")),
            "Cargo.toml pins another ndarray than {NDARRAY_VERSION}"
        );
    }

    #[test]
    fn an_owner_with_a_negative_stride_counts_its_offset_from_its_lowest_element() {
        // `to_owned` of a reversed contiguous view keeps the reversal.
        let obs = run(serde_json::json!({"format": 1, "steps": [
            {"op": "array", "out": "a", "shape": [4]},
            {"op": "index", "out": "r", "src": "a", "index": [{"slice": [null, null, -1]}]},
            {"op": "copy", "out": "b", "src": "r"},
        ]}));
        let b = array(&obs, "b");
        assert_eq!(
            (b.strides.as_slice(), b.offset, b.owndata),
            (&[-1][..], 3, true)
        );
        assert_eq!(b.values, [3, 2, 1, 0]);
        assert_eq!(b.buffer, 1);
    }

    #[test]
    fn interleaved_views_may_share_but_do_not_share() {
        let obs = run(serde_json::json!({"format": 1, "steps": [
            {"op": "array", "out": "a", "shape": [6]},
            {"op": "index", "out": "e", "src": "a", "index": [{"slice": [0, null, 2]}]},
            {"op": "index", "out": "o", "src": "a", "index": [{"slice": [1, null, 2]}]},
        ]}));
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(obs.shares_memory, [pair("a", "e"), pair("a", "o")]);
        assert_eq!(
            obs.may_share_memory,
            [pair("a", "e"), pair("a", "o"), pair("e", "o")]
        );
    }

    #[test]
    fn writes_through_a_to_shape_or_broadcast_view_are_refused() {
        let obs = run(serde_json::json!({"format": 1, "steps": [
            {"op": "array", "out": "a", "shape": [6]},
            {"op": "reshape", "out": "r", "src": "a", "shape": [2, 3]},
            {"op": "assign", "dst": "r", "index": [0], "value": {"scalar": 9}},
            {"op": "broadcast_to", "out": "w", "src": "a", "shape": [2, 6]},
            {"op": "add_assign", "dst": "w", "index": [], "value": {"scalar": 1}},
            {"op": "reshape", "out": "m", "src": "a", "shape": [3, 2], "copy": false},
            {"op": "assign", "dst": "m", "index": [0], "value": {"scalar": 7}},
        ]}));
        assert_eq!(
            outcomes(&obs),
            ["ok", "ok", "ValueError", "ok", "ValueError", "ok", "ok"]
        );
        assert_eq!(array(&obs, "a").values, [7, 7, 2, 3, 4, 5]);
        assert!(!array(&obs, "r").writeable && array(&obs, "m").writeable);
    }

    #[test]
    fn the_budget_refuses_the_binding_that_crosses_it() {
        let full = 1 << 20;
        let obs = run(serde_json::json!({"format": 1, "steps": [
            {"op": "array", "out": "a", "shape": [full]},
            {"op": "array", "out": "b", "shape": [full]},
            {"op": "index", "out": "c", "src": "a", "index": []},
            {"op": "asarray", "out": "d", "src": "a"},
            {"op": "index", "out": "e", "src": "a", "index": [{"slice": [0, 1, null]}]},
            {"op": "index", "out": "s", "src": "b", "index": [3]},
        ]}));
        assert_eq!(
            outcomes(&obs),
            ["ok", "ok", "ok", "ok", "LimitExceeded", "ok"]
        );
        assert!(obs.get("e").is_none());
        assert_eq!(obs.get("s"), Some(&Bound::Scalar(3)));
    }

    #[test]
    fn f_order_arrays_hold_c_order_values_in_column_major_memory() {
        let obs = run(serde_json::json!({"format": 1, "steps": [
            {"op": "array", "out": "a", "shape": [2, 3], "order": "F"},
        ]}));
        let a = array(&obs, "a");
        assert_eq!(a.values, [0, 1, 2, 3, 4, 5]);
        assert_eq!(a.strides, [1, 2]);
        assert!(a.f_contiguous && !a.c_contiguous);
    }

    #[test]
    fn chains_of_a_thousand_views_run_on_a_test_thread_stack() {
        // Reads rebuild a view from its placement, writes replay the chain
        // in a loop: neither recurses per op.
        let mut reshapes = vec![serde_json::json!({"op": "array", "out": "v0", "shape": [2, 3]})];
        let mut transposes = reshapes.clone();
        for i in 1..1023 {
            let shape = if i % 2 == 1 { [3, 2] } else { [2, 3] };
            let (out, src) = (format!("v{i}"), format!("v{}", i - 1));
            reshapes
                .push(serde_json::json!({"op": "reshape", "out": out, "src": src, "shape": shape}));
            transposes.push(serde_json::json!({"op": "transpose", "out": out, "src": src}));
        }
        transposes.push(serde_json::json!(
            {"op": "assign", "dst": "v1022", "index": [0, 1], "value": {"scalar": -1}}));
        let obs = run(serde_json::json!({"format": 1, "steps": reshapes}));
        assert!(outcomes(&obs).iter().all(|o| o == "ok"));
        assert_eq!(array(&obs, "v1022").values, [0, 1, 2, 3, 4, 5]);
        let obs = run(serde_json::json!({"format": 1, "steps": transposes}));
        assert_eq!(outcomes(&obs).last().map(String::as_str), Some("ok"));
        // v1022 is an even number of transposes of v0: element [0, 1] is 1.
        assert_eq!(array(&obs, "v0").values, [0, -1, 2, 3, 4, 5]);
    }
}
