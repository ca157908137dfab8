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

/// The messages that print shapes (NumPy's, for `a = np.arange(6).reshape(2,
/// 3)`): a 1-tuple keeps its comma, others have none; `Display` is
/// `Class: message`.
#[test]
fn shape_messages_are_numpys() {
    use viewcheck_arrays::Value;
    let a = Array::arange(&[2, 3], Order::C);
    let check = |r: Result<(), viewcheck_arrays::Error>, class: &str, text: &str| {
        let e = r.unwrap_err();
        assert_eq!(e.to_string(), format!("{class}: {text}"));
    };
    let row = Index::Slice(None, Some(1), None);
    let two = Array::arange(&[2], Order::C);
    let two_by_two = Array::arange(&[2, 2], Order::C);
    let rows = Index::Array {
        shape: vec![2],
        data: vec![0, 1],
    };
    // a[:1] = np.arange(2)
    check(
        a.assign(std::slice::from_ref(&row), Value::Array(&two)),
        "ValueError",
        "could not broadcast input array from shape (2,) into shape (1,3)",
    );
    // np.broadcast_to(np.arange(3), (2,))
    check(
        Array::arange(&[3], Order::C).broadcast_to(&[2]).map(drop),
        "ValueError",
        "operands could not be broadcast together with remapped shapes \
         [original->remapped]: (3,)  and requested shape (2,)",
    );
    // a[[0, 1], [0, 1, 2]]
    let cols = Index::Array {
        shape: vec![3],
        data: vec![0, 1, 2],
    };
    check(
        a.get(&[rows.clone(), cols]).map(drop),
        "IndexError",
        "shape mismatch: indexing arrays could not be broadcast together with shapes (2,) (3,) ",
    );
    // a[[0, 1]] = np.arange(4).reshape(2, 2)
    check(
        a.assign(&[rows], Value::Array(&two_by_two)),
        "ValueError",
        "shape mismatch: value array of shape (2,2) could not be broadcast to \
         indexing result of shape (2,3)",
    );
    // a[:1] += np.arange(6).reshape(2, 3)
    check(
        a.add_assign(&[row], Value::Array(&a.copy(Order::C)))
            .map(drop),
        "ValueError",
        "non-broadcastable output operand with shape (1,3) doesn't match the \
         broadcast shape (2,3)",
    );
}

/// Format 1 caps index arrays and masks at 32 axes; the crate takes them up
/// to NumPy 2.x's 64 (`np.arange(1)[np.zeros([1] * 64, np.intp)]` has 64
/// axes) and refuses 65 as converting such an array would.
#[test]
fn index_arrays_of_64_axes_and_not_65() {
    let a = Array::arange(&[1], Order::C);
    let of = |n: usize| Index::Array {
        shape: vec![1; n],
        data: vec![0],
    };
    assert_eq!(view(&a, &[of(64)]).ndim(), 64);
    let e = a.get(&[of(65)]).map(drop).unwrap_err();
    assert_eq!(
        e.to_string(),
        "ValueError: maximum supported dimension for an ndarray is currently 64, found 65"
    );
    let mask = |n: usize| Index::Mask {
        shape: vec![1; n],
        data: vec![true],
    };
    let e = a.get(&[mask(65)]).map(drop).unwrap_err();
    assert_eq!(e.kind.class_name(), "ValueError");
}
