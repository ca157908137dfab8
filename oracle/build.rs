//! Build script: make binaries load the libpython PyO3 was built against and
//! record which interpreter that was.

use std::process::Command;

fn main() {
    // -Wl,-rpath,<libdir of the build interpreter>: without it the dynamic
    // loader may pick a same-named libpython from the system library path.
    // (Link args apply to this package's own binaries, tests and examples;
    // a downstream binary needs the same call in its own build script.)
    pyo3_build_config::add_libpython_rpath_link_args();
    let config = pyo3_build_config::get();
    if let Some(executable) = config.executable() {
        println!("cargo:rustc-env=VIEWCHECK_BUILD_PYTHON={executable}");
        // The installation prefix of that interpreter (PYTHONHOME syntax,
        // `prefix[:exec_prefix]`): the embedded interpreter is started with it
        // so that it uses the standard library matching its libpython, not
        // one found through a different `python3` on PATH.
        let home = Command::new(executable)
            .args([
                "-c",
                "import sys; p, e = sys.base_prefix, sys.base_exec_prefix; print(p if p == e else p + ':' + e)",
            ])
            .output();
        if let Ok(out) = home {
            let home = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if out.status.success() && !home.is_empty() {
                println!("cargo:rustc-env=VIEWCHECK_BUILD_PYTHON_HOME={home}");
            }
        }
    }
    if let Some(lib_dir) = config.lib_dir() {
        println!("cargo:rustc-env=VIEWCHECK_BUILD_PYTHON_LIBDIR={lib_dir}");
        // For dependents' build scripts (`links`): DEP_VIEWCHECK_ORACLE_LIBDIR,
        // so a binary package can emit `cargo:rustc-link-arg=-Wl,-rpath,<it>`.
        println!("cargo:libdir={lib_dir}");
    }
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
    println!("cargo:rerun-if-env-changed=PYO3_CONFIG_FILE");
    println!("cargo:rerun-if-changed=build.rs");
}
