//! Run JSON Lines format-1 programs from stdin through the oracle and print
//! one observation per line: `cargo run -p viewcheck-oracle --example oracle_run < programs.jsonl`.

use std::io::{BufRead, Write};

use viewcheck_oracle::Oracle;

fn main() {
    if let Err(e) = run() {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let oracle = Oracle::global()?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let program: serde_json::Value = serde_json::from_str(&line)?;
        let observation = oracle.run(&program)?;
        writeln!(out, "{observation}")?;
    }
    Ok(())
}
