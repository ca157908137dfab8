//! viewcheck: NumPy's view/copy behaviour as checked facts.
pub mod format;
