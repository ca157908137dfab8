//! Build script of the fuzz targets.
//!
//! With the `oracle` feature the targets link libpython (through
//! `viewcheck-oracle`). Cargo does not propagate link arguments from
//! dependencies, so, as the root package does, this package sets its own
//! rpath to the library directory of the interpreter PyO3 was configured
//! with; otherwise the loader may pick another libpython, or none.

fn main() {
    #[cfg(feature = "oracle")]
    pyo3_build_config::add_libpython_rpath_link_args();
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
    println!("cargo:rerun-if-env-changed=PYO3_CONFIG_FILE");
    println!("cargo:rerun-if-changed=build.rs");
}
