//! Cost of `shares_memory` on two 10^6-element views versus two 10-element
//! views of the same layouts. The exact answer must not enumerate elements:
//! the goal is a ratio within 10x.
//!
//! Run: `cargo bench -p viewcheck-arrays --bench shares_memory`

use std::hint::black_box;
use std::time::Instant;
use viewcheck_arrays::{shares_memory, Array, Index, Indexed, Order};

fn view(a: &Array, idx: &[Index]) -> Array {
    match a.get(idx).unwrap() {
        Indexed::Array(v) => v,
        Indexed::Scalar(_) => unreachable!(),
    }
}

fn s(start: i64, stop: Option<i64>, step: i64) -> Index {
    Index::Slice(Some(start), stop, Some(step))
}

/// Pairs of views over an `n`-element buffer, laid out as `rows x cols`.
fn pairs(rows: usize, cols: usize) -> Vec<(&'static str, Array, Array)> {
    let flat = Array::arange(&[rows * cols], Order::C);
    let grid = Array::arange(&[rows, cols], Order::C);
    vec![
        (
            "even vs odd",
            view(&flat, &[s(0, None, 2)]),
            view(&flat, &[s(1, None, 2)]),
        ),
        (
            "halves",
            view(&flat, &[s(0, Some((rows * cols / 2) as i64), 1)]),
            view(&flat, &[s((rows * cols / 2) as i64, None, 1)]),
        ),
        (
            "reversed vs forward",
            view(&flat, &[s(-1, None, -1)]),
            flat.clone(),
        ),
        (
            "column 0 vs column 1",
            view(&grid, &[Index::full(), Index::Int(0)]),
            view(&grid, &[Index::full(), Index::Int(1)]),
        ),
        (
            "transposed vs shifted rows",
            grid.transpose(None).unwrap(),
            view(&grid, &[s(1, None, 2), s(0, None, 3)]),
        ),
        (
            "step 3 vs step 5",
            view(&flat, &[s(1, None, 3)]),
            view(&flat, &[s(2, None, 5)]),
        ),
    ]
}

fn time(a: &Array, b: &Array) -> f64 {
    let mut iters = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            black_box(shares_memory(black_box(a), black_box(b)));
        }
        let el = t.elapsed().as_secs_f64();
        if el > 0.05 {
            return el / iters as f64;
        }
        iters *= 4;
    }
}

fn main() {
    let small = pairs(2, 5);
    let large = pairs(1000, 1000);
    println!(
        "{:<28} {:>12} {:>12} {:>8}  answer",
        "pair", "10 elem (ns)", "1e6 elem (ns)", "ratio"
    );
    let mut worst: f64 = 0.0;
    for ((name, a, b), (_, la, lb)) in small.iter().zip(&large) {
        let ts = time(a, b) * 1e9;
        let tl = time(la, lb) * 1e9;
        let ratio = tl / ts;
        worst = worst.max(ratio);
        println!(
            "{name:<28} {ts:>12.1} {tl:>12.1} {ratio:>8.2}  {}",
            shares_memory(la, lb)
        );
    }
    println!("worst ratio: {worst:.2} (goal: <= 10)");
}
