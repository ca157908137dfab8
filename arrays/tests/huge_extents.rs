//! Zero-size shapes whose other extents are huge, and strides that NumPy
//! lets wrap around. Every expected value here was printed by NumPy 2.4.6
//! (strides and offsets divided by the item size, 8).

use viewcheck_arrays::{layout, Array, ErrorKind, Index, Indexed, Order};

const M: i64 = 1 << 20;
/// The largest slice step format 1 allows (2^31 - 1).
const BIG: i64 = (1 << 31) - 1;

fn empty() -> Array {
    Array::arange(&[0], Order::C)
}

fn view(r: Result<Indexed, viewcheck_arrays::Error>) -> Array {
    match r.expect("index succeeds") {
        Indexed::Array(a) => a,
        Indexed::Scalar(s) => panic!("scalar {s}"),
    }
}

fn step(s: i64) -> Index {
    Index::Slice(None, None, Some(s))
}

fn too_big(r: Result<Array, viewcheck_arrays::Error>) -> bool {
    matches!(r, Err(e) if e.kind == ErrorKind::ValueError)
}

#[test]
fn byte_size_limit_ignores_zero_extents_but_not_the_others() {
    // 8 · (2^30 - 1)(2^30 + 1) = 2^63 - 8 fits; 8 · 2^60 does not.
    assert!(layout::check_nbytes(&[0, (1 << 30) - 1, (1 << 30) + 1]).is_ok());
    assert!(layout::check_nbytes(&[0, 1 << 30, 1 << 30]).is_err());
    assert!(layout::check_nbytes(&[1 << 20, 1 << 20, 1 << 20, 0]).is_err());
    assert!(layout::check_nbytes(&[0, 1 << 20, 1 << 20, 1 << 17]).is_ok());
    assert!(layout::check_nbytes(&[]).is_ok());
    assert!(Array::try_arange(&[0, 1 << 20, 1 << 20, 1 << 20], Order::F).is_err());
    assert!(Array::try_arange(&[0, 1 << 20, 1 << 20, 1 << 17], Order::C).is_ok());
}

#[test]
fn broadcast_to_a_zero_size_shape_over_the_limit_raises() {
    let one = Array::arange(&[1], Order::C);
    assert!(too_big(one.broadcast_to(&[0, M, M, M])));
    let b = one.broadcast_to(&[0, M, M, M / 8]).unwrap();
    assert_eq!(b.strides(), &[0, 0, 0, 0]);
    // from an empty source: 8 more rows reach 2^60 elements, 7 do not
    let e = empty().reshape(&[0, M, M, M / 8], Order::C, None).unwrap();
    assert!(too_big(e.broadcast_to(&[8, 0, M, M, M / 8])));
    assert_eq!(
        e.broadcast_to(&[7, 0, M, M, M / 8]).unwrap().strides(),
        &[0, 1 << 57, 1 << 37, 1 << 17, 1]
    );
}

#[test]
fn reshape_of_an_empty_array_checks_the_known_product_and_the_byte_size() {
    let a = empty();
    for copy in [None, Some(true), Some(false)] {
        for order in [Order::C, Order::F, Order::A] {
            // the known extents overflow npy_intp: size mismatch (used to
            // give strides wrapped to [0, 2^60, 2^40, 2^20, 1])
            assert!(too_big(a.reshape(&[-1, M, M, M, M], order, copy)));
            // the product fits, the result does not
            assert!(too_big(a.reshape(&[-1, M, M, M], order, copy)));
            assert!(too_big(a.reshape(&[M, M, M, -1], order, copy)));
            assert!(too_big(a.reshape(&[0, M, M, M, M], order, copy)));
            assert!(too_big(a.reshape(&[M, M, M, M, 0], order, copy)));
        }
    }
    // NumPy's messages tell the two checks apart (classes do not)
    let msg = |shape: &[i64]| a.reshape(shape, Order::C, None).unwrap_err().message;
    assert!(msg(&[-1, M, M, M, M]).starts_with("cannot reshape array of size 0"));
    assert!(msg(&[M, M, M, M, 0]).starts_with("cannot reshape array of size 0"));
    assert!(msg(&[0, M, M, M, M]).starts_with("array is too big"));
    assert!(msg(&[-1, M, M, M]).starts_with("array is too big"));
    let r = a
        .reshape(&[0, (1 << 30) - 1, (1 << 30) + 1], Order::C, None)
        .unwrap();
    assert_eq!(r.strides(), &[1_152_921_504_606_846_975, 1_073_741_825, 1]);
}

#[test]
fn fancy_result_over_the_limit_raises_before_the_bounds_check() {
    let b = empty().reshape(&[0, M, M, 1, 1], Order::C, None).unwrap();
    let col = |v: i64| Index::Array {
        shape: vec![1 << 16, 1],
        data: vec![v; 1 << 16],
    };
    let row = Index::Array {
        shape: vec![1, 1 << 16],
        data: vec![0; 1 << 16],
    };
    for v in [0, 5] {
        let r = b.get(&[Index::Ellipsis, col(v), row.clone()]);
        assert!(
            matches!(r, Err(e) if e.kind == ErrorKind::ValueError),
            "{v}"
        );
    }
    let r = b.add_assign(
        &[Index::Ellipsis, col(0), row.clone()],
        viewcheck_arrays::Value::Scalar(5),
    );
    assert!(matches!(r, Err(e) if e.kind == ErrorKind::ValueError));
    // assignment allocates no result, so NumPy accepts it
    b.assign(
        &[Index::Ellipsis, col(0), row],
        viewcheck_arrays::Value::Scalar(5),
    )
    .unwrap();
}

#[test]
fn slice_steps_wrap_byte_strides_as_numpy_does() {
    let x = Array::arange(&[4], Order::C);
    let y = view(x.get(&[step(BIG)]));
    let y = view(y.get(&[step(BIG)]));
    let y = view(y.get(&[step(BIG)]));
    assert_eq!(y.strides(), &[6_442_450_943]);
    assert_eq!(y.to_vec(), vec![0]);
    let e = empty().reshape(&[0, M, M, M / 8], Order::C, None).unwrap();
    let full = Index::full();
    let s = view(e.get(&[full.clone(), step(BIG)]));
    assert_eq!(s.strides(), &[1 << 57, -(1 << 37), 1 << 17, 1]);
    let s = view(e.get(&[full, step(-BIG)]));
    assert_eq!(s.strides(), &[1 << 57, 1 << 37, 1 << 17, 1]);
    assert_eq!(s.offset(), (1 << 57) - (1 << 37));
}

#[test]
fn diagonal_adds_and_moves_by_wrapped_strides_as_numpy_does() {
    let a = Array::arange(&[4, 3], Order::C);
    let b = view(a.get(&[step(BIG), step(BIG)]));
    let c = view(b.get(&[step(BIG), step(BIG)]));
    assert_eq!(c.strides(), &[-12_884_901_885, -4_294_967_295]);
    let d = c.diagonal(0, 0, 1).unwrap();
    assert_eq!((d.strides(), d.offset()), (&[-17_179_869_180][..], 0));
    let d = c.diagonal(1, 0, 1).unwrap();
    assert_eq!((d.shape(), d.offset()), (&[0][..], -4_294_967_295));
    let d = c.diagonal(-1, 0, 1).unwrap();
    assert_eq!((d.shape(), d.offset()), (&[0][..], -12_884_901_885));
}
