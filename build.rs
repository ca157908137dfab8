//! Build script of the `viewcheck` package.
//!
//! With the `oracle` feature, the binaries and tests of this package link
//! libpython (through `viewcheck-oracle`). Cargo does not propagate link
//! arguments from dependencies, so this package sets its own rpath to the
//! library directory of the interpreter PyO3 was built against; otherwise the
//! dynamic loader could pick a same-named libpython from elsewhere, or none.

//!
//! It also embeds the corpus (`corpus/cases/**/*.json`, `RULES.md`,
//! `VERSION`) in the library, so that an implementer's `cargo test` works
//! with viewcheck as a dependency and no checkout of this repository.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

fn embed_corpus() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let corpus = root.join("corpus");
    let mut files = Vec::new();
    json_files(&corpus.join("cases"), &mut files);
    let mut code = String::from("/// Every case file: (path under the corpus root, text).\npub const FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        let rel = f.strip_prefix(&corpus).expect("under corpus");
        let _ = writeln!(
            code,
            "    ({:?}, include_str!({:?})),",
            rel.to_string_lossy(),
            f.to_string_lossy()
        );
    }
    code.push_str("];\n");
    for (name, file) in [("RULES", "RULES.md"), ("VERSION", "VERSION")] {
        let _ = writeln!(
            code,
            "/// `corpus/{file}`.\npub const {name}: &str = include_str!({:?});",
            corpus.join(file).to_string_lossy()
        );
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out.join("embedded_corpus.rs"), code).expect("OUT_DIR is writable");
    println!("cargo:rerun-if-changed=corpus");
}

fn main() {
    embed_corpus();
    if std::env::var_os("CARGO_FEATURE_ORACLE").is_some() {
        pyo3_build_config::add_libpython_rpath_link_args();
    }
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
    println!("cargo:rerun-if-env-changed=PYO3_CONFIG_FILE");
    println!("cargo:rerun-if-changed=build.rs");
}
