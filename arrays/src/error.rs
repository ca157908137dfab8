//! NumPy's exception classes, as values.

use std::fmt;

/// The class of the exception NumPy raises. `class_name()` is exactly
/// `type(e).__name__` in Python.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `IndexError`: out-of-bounds integers, too many indices, bad index arrays.
    IndexError,
    /// `ValueError`: shape mismatches, bad reshape, read-only destinations.
    ValueError,
    /// `TypeError`: e.g. a boolean-mask assignment with a 2-d value.
    TypeError,
    /// `numpy.exceptions.AxisError` (subclasses both `ValueError` and `IndexError`).
    AxisError,
    /// Not a NumPy exception: the step's result would exceed
    /// [`MAX_RESULT_ELEMENTS`](crate::MAX_RESULT_ELEMENTS) elements, so no
    /// backend allocates it (format 1's `LimitExceeded`).
    LimitExceeded,
}

impl ErrorKind {
    /// The Python class name.
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorKind::IndexError => "IndexError",
            ErrorKind::ValueError => "ValueError",
            ErrorKind::TypeError => "TypeError",
            ErrorKind::AxisError => "AxisError",
            ErrorKind::LimitExceeded => "LimitExceeded",
        }
    }
}

/// An exception: its class and a message close to NumPy's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The exception class.
    pub kind: ErrorKind,
    /// A message close to NumPy's (messages are not compared).
    pub message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }
    pub(crate) fn index(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::IndexError, message)
    }
    pub(crate) fn value(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::ValueError, message)
    }
    pub(crate) fn type_error(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::TypeError, message)
    }
    /// `AxisError: axis {axis} is out of bounds for array of dimension {ndim}`,
    /// with NumPy's optional `prefix: `.
    pub(crate) fn axis(axis: i64, ndim: usize, prefix: Option<&str>) -> Error {
        let p = prefix.map(|p| format!("{p}: ")).unwrap_or_default();
        Error::new(
            ErrorKind::AxisError,
            format!("{p}axis {axis} is out of bounds for array of dimension {ndim}"),
        )
    }
    pub(crate) fn limit(n: u128) -> Error {
        Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "the result would have {n} elements, more than {}",
                crate::MAX_RESULT_ELEMENTS
            ),
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.class_name(), self.message)
    }
}

impl std::error::Error for Error {}

/// A warning NumPy emits while still succeeding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Warning {
    /// `RuntimeWarning`, e.g. integer overflow in scalar arithmetic.
    RuntimeWarning,
}

impl Warning {
    /// The Python class name.
    pub fn class_name(self) -> &'static str {
        match self {
            Warning::RuntimeWarning => "RuntimeWarning",
        }
    }
}

/// A shape as NumPy prints it in messages: `(3,)`, `(2,3)`, `()`.
pub(crate) fn shape_str(s: &[usize]) -> String {
    let parts: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(","))
    }
}
