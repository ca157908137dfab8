//! The integration tests of `viewcheck`, in one test binary (one link of
//! libpython, one NumPy start-up).

mod bad_input;
mod cli;
mod compare;
mod conformance;
mod corpus_tools;
mod coverage;
// Needs the embedded NumPy (the default `oracle` feature).
#[cfg(feature = "oracle")]
mod differential;
mod format;
mod generate;
mod invariants;
mod protocol;
mod releases;
mod reliability;
mod render;
mod report_html;
