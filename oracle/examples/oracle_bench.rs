//! Print how the oracle found NumPy, then time `Oracle::run` on a small
//! 10-step program: `cargo run --release -p viewcheck-oracle --example oracle_bench [N]`.

use std::time::Instant;

use viewcheck_oracle::Oracle;

fn main() {
    if let Err(e) = bench() {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

fn bench() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(2000);
    let start = Instant::now();
    let oracle = Oracle::global()?;
    eprintln!("start-up: {:.3} s", start.elapsed().as_secs_f64());
    eprintln!("{oracle:#?}");
    let program = serde_json::from_str(include_str!("bench_program.json"))?;
    let first = oracle.run(&program)?;
    println!("{first}");
    if n == 0 {
        return Ok(());
    }
    let start = Instant::now();
    for _ in 0..n {
        oracle.run(&program)?;
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{n} runs in {secs:.3} s: {:.0} programs/s ({:.1} us/program)",
        n as f64 / secs,
        secs * 1e6 / n as f64
    );
    Ok(())
}
