//! Seeds `fuzz/corpus/format/` with program texts: every `program` of the
//! corpus cases (`corpus/cases/**/*.json`: JSON lists of cases) plus
//! programs from the generator.
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --example seed_corpus -- [--generated N] [CASES_DIR] [OUT_DIR]
//! ```
//!
//! Defaults: 200 generated programs, `corpus/cases`, `fuzz/corpus/format`
//! (relative to the repository). File names are content hashes, so running
//! it again adds nothing twice. The generator-driven targets need no seeds:
//! their inputs are raw bytes, and libFuzzer starts from the empty input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use viewcheck::generate::{program_for_case, GenConfig};

/// FNV-1a, enough to name files by content.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "json" || e == "jsonl") {
            out.push(p);
        }
    }
}

fn main() -> ExitCode {
    let fuzz_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = fuzz_dir.parent().unwrap_or(fuzz_dir).to_path_buf();
    let mut generated = 200u64;
    let mut dirs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--generated" {
            match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => generated = n,
                None => {
                    eprintln!("seed_corpus: --generated needs a number");
                    return ExitCode::from(2);
                }
            }
        } else {
            dirs.push(PathBuf::from(a));
        }
    }
    let cases = dirs
        .first()
        .cloned()
        .unwrap_or_else(|| root.join("corpus/cases"));
    let out = dirs
        .get(1)
        .cloned()
        .unwrap_or_else(|| root.join("fuzz/corpus/format"));
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("seed_corpus: {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    let mut texts: Vec<String> = Vec::new();
    let mut files = Vec::new();
    collect(&cases, &mut files);
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        // A case file is a JSON list of cases; also accept one case, or
        // JSON Lines.
        let docs: Vec<serde_json::Value> = match serde_json::from_str(&text) {
            Ok(serde_json::Value::Array(cases)) => cases,
            Ok(v) => vec![v],
            Err(_) => text
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect(),
        };
        for d in docs {
            if let Some(p) = d.get("program") {
                texts.push(p.to_string());
            }
        }
    }
    let from_cases = texts.len();
    let cfg = GenConfig::default();
    for case in 0..generated {
        texts.push(program_for_case(0xF022, case, &cfg).to_json().to_string());
    }
    let mut written = 0;
    for t in &texts {
        let path = out.join(format!("{:016x}.json", fnv(t.as_bytes())));
        if !path.exists() {
            if let Err(e) = std::fs::write(&path, t) {
                eprintln!("seed_corpus: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            written += 1;
        }
    }
    eprintln!(
        "seed_corpus: {from_cases} program(s) from {} file(s) under {}, {generated} generated; {written} new seed(s) in {}",
        files.len(),
        cases.display(),
        out.display()
    );
    ExitCode::SUCCESS
}
