//! The integration tests of `viewcheck`, in one test binary (one link of
//! libpython, one NumPy start-up).

mod cli;
mod compare;
mod differential;
mod format;
mod generate;
mod invariants;
