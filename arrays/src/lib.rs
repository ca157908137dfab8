//! A minimal strided N-d array of int64 whose every view, copy, memory
//! layout, flag and error matches NumPy 2.4.6.
//!
//! This crate is the reference implementation behind `viewcheck`: each
//! public operation is documented with the NumPy rule it mirrors, and the
//! arithmetic of shapes, strides and offsets lives in one module,
//! [`layout`], under numbered invariants.
//!
//! # Aliasing
//!
//! An [`Array`] is a window — shape, strides and an offset, all in elements
//! — onto a shared buffer. Views (slicing, transposing, most reshapes) share
//! the buffer, so a write through one shows in every other:
//!
//! ```
//! use viewcheck_arrays::{Array, Index, Indexed, Order, Value, shares_memory};
//! let a = Array::arange(&[3, 4], Order::C);
//! let t = a.transpose(None).unwrap();                 // a view
//! t.assign(&[Index::Int(0), Index::Int(2)], Value::Scalar(99)).unwrap();
//! assert_eq!(a.to_vec()[8], 99);                      // a[2, 0] changed
//! assert!(shares_memory(&a, &t));
//! ```
//!
//! Advanced ("fancy") indexing copies, so writes into its result are lost,
//! while *assignment* through an advanced index writes into the original:
//!
//! ```
//! use viewcheck_arrays::{Array, Index, Indexed, Order, Value, shares_memory};
//! let a = Array::arange(&[2, 3], Order::C);
//! let Indexed::Array(f) = a.get(&[Index::full(), Index::Array { shape: vec![2], data: vec![0, 1] }])
//!     .unwrap() else { unreachable!() };
//! assert!(!shares_memory(&a, &f));
//! assert!(!f.owndata());                               // a transposed view of a hidden buffer
//! assert_eq!(f.strides(), &[1, 2]);
//! a.assign(&[Index::Array { shape: vec![2], data: vec![1, 1] }], Value::Scalar(7)).unwrap();
//! assert_eq!(a.to_vec(), vec![0, 1, 2, 7, 7, 7]);
//! ```
//!
//! # Rationale
//!
//! Strides count elements, not bytes: with a single dtype the factor is a
//! constant and element units keep every formula readable. Buffers are
//! reference-counted (`Rc<RefCell<Vec<i64>>>`) so that the crate needs no
//! `unsafe`; identity of the `Rc` is NumPy's "same owner at the end of the
//! `.base` chain".
//!
//! # Limitations
//!
//! One dtype (int64), no casting, no ufuncs beyond `+=`, single-threaded
//! (`Array` is not `Send`). Writes follow NumPy's *documented* semantics
//! (the value is read before anything is written; for duplicate targets
//! the last write in C order wins), which NumPy itself breaks in a few
//! overlap cases — see format 1's `numpy_deviation`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// `mutant!("name")`: whether the semantic mutant `name` of
/// `mutants::CATALOG` is active. Without the `mutants` feature it is the
/// constant `false`, so the mutation points compile to nothing.
#[cfg(feature = "mutants")]
macro_rules! mutant {
    ($name:literal) => {
        $crate::mutants::is($name)
    };
}
#[cfg(not(feature = "mutants"))]
macro_rules! mutant {
    ($name:literal) => {
        false
    };
}

mod array;
mod dims;
mod error;
mod index;
pub mod layout;
#[cfg(feature = "mutants")]
pub mod mutants;
mod overlap;

pub use array::{Array, Order};
pub use error::{Error, ErrorKind, Warning};
pub use index::{Index, Indexed, Value, MAX_RESULT_ELEMENTS};
pub use overlap::{may_share_memory, shares_memory, shares_memory_bounded, Overlap};
