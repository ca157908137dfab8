//! Build script of the `viewcheck` package.
//!
//! With the `oracle` feature, the binaries and tests of this package link
//! libpython (through `viewcheck-oracle`). Cargo does not propagate link
//! arguments from dependencies, so this package sets its own rpath to the
//! library directory of the interpreter PyO3 was built against; otherwise the
//! dynamic loader could pick a same-named libpython from elsewhere, or none.

fn main() {
    if std::env::var_os("CARGO_FEATURE_ORACLE").is_some() {
        pyo3_build_config::add_libpython_rpath_link_args();
    }
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
    println!("cargo:rerun-if-env-changed=PYO3_CONFIG_FILE");
    println!("cargo:rerun-if-changed=build.rs");
}
