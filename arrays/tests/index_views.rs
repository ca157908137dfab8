//! `Index::ArrayView`: an index array with the memory layout of the array it
//! was read from (format 1.2 `{"var": ...}` items). Expected layouts are
//! NumPy 2.4.6's (corpus case VC-0719).

use viewcheck_arrays::{Array, Index, Indexed, Order};

fn view_of(a: &Array) -> Index {
    Index::ArrayView {
        shape: a.shape().to_vec(),
        data: a.to_vec(),
        strides: a.strides().to_vec(),
    }
}

fn get(x: &Array, index: &[Index]) -> Array {
    match x.get(index).expect("valid index") {
        Indexed::Array(a) => a,
        Indexed::Scalar(s) => panic!("scalar {s}"),
    }
}

#[test]
fn the_result_follows_the_k_order_of_the_index() {
    let v = Array::arange(&[12], Order::C);
    let f = Array::arange(&[2, 3], Order::F);
    // v[f] with f F-ordered: NumPy gives strides (1, 2), F-contiguous.
    let b = get(&v, &[view_of(&f)]);
    assert_eq!(b.strides(), &[1, 2]);
    assert_eq!(b.to_vec(), f.to_vec());
    // The same values as a literal (C) index array: a C result.
    let literal = Index::Array {
        shape: f.shape().to_vec(),
        data: f.to_vec(),
    };
    let c = get(&v, &[literal]);
    assert_eq!(c.strides(), &[3, 1]);
    assert_eq!(c.to_vec(), b.to_vec());
    // A broadcast view (a zero stride): NumPy gives (6, 1, 2).
    let w = f.broadcast_to(&[2, 2, 3]).unwrap();
    assert_eq!(get(&v, &[view_of(&w)]).strides(), &[6, 1, 2]);
    // A one-element subspace keeps the index's order: (1, 2, 1).
    let a = Array::arange(&[6, 1], Order::C);
    assert_eq!(get(&a, &[view_of(&f)]).strides(), &[1, 2, 1]);
}

#[test]
fn a_c_contiguous_view_is_a_literal() {
    let v = Array::arange(&[12], Order::C);
    let c = Array::arange(&[2, 3], Order::C);
    let literal = Index::Array {
        shape: vec![2, 3],
        data: c.to_vec(),
    };
    let a = get(&v, &[view_of(&c), Index::NewAxis]);
    let b = get(&v, &[literal, Index::NewAxis]);
    assert_eq!(
        (a.shape(), a.strides(), a.to_vec()),
        (b.shape(), b.strides(), b.to_vec())
    );
}
