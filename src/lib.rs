//! viewcheck: NumPy's view/copy behaviour as checked facts.
pub mod backend;
pub mod campaign;
pub mod compare;
pub mod conformance;
pub mod corpus;
pub mod format;
pub mod generate;
#[cfg(feature = "harness")]
pub mod harness;
pub mod inject;
pub mod invariants;
pub mod protocol;
pub mod regress;
pub mod render;
pub mod report_html;
pub mod shrink;
pub mod supervise;
