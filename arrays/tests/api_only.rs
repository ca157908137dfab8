//! What the corpus cannot reach: the read-only accessors the suite's own
//! checkers rely on (the invariant checker's write windows, the backends'
//! observations) and limits format 1 cannot express. Found untested by
//! cargo-mutants (docs/MUTANTS.md). Expected values are NumPy 2.4.6's:
//! `a = np.arange(12).reshape(3, 4)`, `list(v.flat)` and `v.base.size`.

use viewcheck_arrays::{Array, Index, Indexed, Order};

fn view(a: &Array, index: &[Index]) -> Array {
    match a.get(index).expect("valid index") {
        Indexed::Array(v) => v,
        Indexed::Scalar(s) => panic!("scalar {s}"),
    }
}

fn values(a: &Array) -> Vec<i64> {
    let mut seen = Vec::new();
    a.for_each_value(|v| seen.push(v));
    seen
}

#[test]
fn for_each_value_walks_the_logical_c_order_of_a_view() {
    let a = Array::arange(&[3, 4], Order::C);
    assert_eq!(values(&a), (0..12).collect::<Vec<i64>>());
    // a.T.flat
    let t = a.transpose(None).unwrap();
    assert_eq!(values(&t), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    // a[:, ::-2].flat
    let r = view(
        &a,
        &[
            Index::Slice(None, None, None),
            Index::Slice(None, None, Some(-2)),
        ],
    );
    assert_eq!(values(&r), [3, 1, 7, 5, 11, 9]);
    assert_eq!(values(&r), r.to_vec());
    // An empty view calls nothing.
    let e = view(&a, &[Index::Slice(Some(2), Some(1), None)]);
    assert_eq!(values(&e), Vec::<i64>::new());
}

#[test]
fn buffer_len_is_the_size_of_the_owning_buffer() {
    let a = Array::arange(&[3, 4], Order::C);
    assert_eq!(a.buffer_len(), 12);
    // Views keep their base's buffer: a[1:2, ::3].base.size, a.T.base.size
    let v = view(
        &a,
        &[
            Index::Slice(Some(1), Some(2), None),
            Index::Slice(None, None, Some(3)),
        ],
    );
    assert_eq!((v.size(), v.buffer_len()), (2, 12));
    assert_eq!(a.transpose(None).unwrap().buffer_len(), 12);
    // A copy owns a buffer of its own size; an F-ordered one too.
    assert_eq!(v.copy(Order::C).buffer_len(), 2);
    assert_eq!(Array::arange(&[2, 5], Order::F).buffer_len(), 10);
    // The whole buffer is what `with_buffer` shows, whatever the window.
    assert_eq!(v.with_buffer(|b| b.len()), 12);
}

/// Format 1 caps a reshape's shape list at 32 entries, so the crate's own
/// 64-axis cap (NumPy 2.x's NPY_MAXDIMS) is only reachable through the API:
/// `np.arange(1).reshape([1] * 64)` has 64 axes, `[1] * 65` is a ValueError.
#[test]
fn reshape_allows_64_axes_and_refuses_65() {
    let a = Array::arange(&[1], Order::C);
    let r = a.reshape(&[1; 64], Order::C, None).expect("64 axes");
    assert_eq!(r.ndim(), 64);
    let e = a.reshape(&[1; 65], Order::C, None).unwrap_err();
    assert_eq!(e.kind.class_name(), "ValueError");
    assert_eq!(
        e.message,
        "maximum supported dimension for an ndarray is currently 64, found 65"
    );
}

/// Observations carry an error's class, not its text; the crate's messages
/// are NumPy's all the same (`np.arange(6).reshape(s)` for each `s`:
/// leading unknown extents are not printed, a 1-tuple keeps its comma;
/// `np.broadcast_to(np.arange(3), ())`).
#[test]
fn error_messages_are_numpys() {
    let a = Array::arange(&[6], Order::C);
    for (shape, text) in [
        (&[4, -1][..], "(4,newaxis)"),
        (&[4], "(4,)"),
        (&[-1, 4], "(4)"),
        (&[5], "(5,)"),
    ] {
        let e = a.reshape(shape, Order::C, None).unwrap_err();
        assert_eq!(e.kind.class_name(), "ValueError");
        assert_eq!(
            e.message,
            format!("cannot reshape array of size 6 into shape {text}"),
            "reshape to {shape:?}"
        );
    }
    // np.arange(0).reshape(-1, 0): the unknown extent cannot be inferred.
    let e = Array::arange(&[0], Order::C)
        .reshape(&[-1, 0], Order::C, None)
        .unwrap_err();
    assert_eq!(e.message, "cannot reshape array of size 0 into shape (0)");
    let e = Array::arange(&[3], Order::C).broadcast_to(&[]).unwrap_err();
    assert_eq!(
        (e.kind.class_name(), e.message.as_str()),
        (
            "ValueError",
            "cannot broadcast a non-scalar to a scalar array"
        )
    );
}
