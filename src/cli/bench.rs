//! `viewcheck bench` (hidden): the throughput of a plain-Python loop
//! (`bench/baseline.py`), of `exec` on both backends and of `check` with 1
//! to N workers, on the same generated programs, measured in one run
//! (docs/BENCHMARK.md). It runs this very executable, as a user does.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;
use crate::Fatal;

/// What `viewcheck bench` measures.
pub(crate) struct BenchArgs {
    /// Programs to generate (cases of `check`).
    pub programs: u64,
    /// Their seed.
    pub seed: u64,
    /// `check` runs with 1 to this many workers.
    pub jobs: usize,
    /// Where the programs, outputs and `bench.json` go.
    pub dir: PathBuf,
    /// The Python of the baseline (default: the project's venv).
    pub python: Option<PathBuf>,
    /// The baseline script.
    pub baseline: PathBuf,
    /// Rounds; each figure is the best (shortest) of them.
    pub repeat: usize,
}

/// One measured command.
struct Row {
    label: String,
    /// Shortest time of the rounds.
    best: Option<Duration>,
}

impl Row {
    fn rate(&self, n: u64) -> Option<f64> {
        self.best
            .map(|t| n as f64 / t.as_secs_f64().max(f64::MIN_POSITIVE))
    }
}

fn run_timed(mut c: Command, stdout: &Path, ok: &[i32]) -> Result<Duration, Fatal> {
    let out = std::fs::File::create(stdout)
        .map_err(|e| Fatal::env(format!("cannot write {}: {e}", stdout.display())))?;
    c.stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::piped())
        .env_remove("VIEWCHECK_INJECT_FAULT");
    let what = format!("{c:?}");
    let t = Instant::now();
    let o = c
        .output()
        .map_err(|e| Fatal::env(format!("cannot run {what}: {e}")))?;
    let took = t.elapsed();
    if !o.status.code().is_some_and(|c| ok.contains(&c)) {
        return Err(Fatal::env(format!(
            "{what} failed ({}):\n{}",
            viewcheck::supervise::describe_status(o.status),
            viewcheck::supervise::last_lines(&String::from_utf8_lossy(&o.stderr), 20)
        )));
    }
    Ok(took)
}

/// The Python that runs the baseline: `--python`, `VIEWCHECK_PYTHON` (a
/// venv or an executable), or the project's venv.
#[cfg(feature = "oracle")]
fn baseline_python(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    let venv_python = |dir: &Path| dir.join("bin").join("python");
    match std::env::var_os("VIEWCHECK_PYTHON") {
        Some(p) if Path::new(&p).is_dir() => venv_python(Path::new(&p)),
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => venv_python(&viewcheck_oracle::project_venv_dir()),
    }
}

#[cfg(not(feature = "oracle"))]
fn baseline_python(explicit: Option<&Path>) -> PathBuf {
    explicit.map_or_else(|| PathBuf::from("python3"), Path::to_path_buf)
}

pub(crate) fn bench(a: BenchArgs) -> Result<u8, Fatal> {
    numpy_backend("`bench`")?;
    let io = |p: &Path, e: std::io::Error| Fatal::env(format!("{}: {e}", p.display()));
    std::fs::create_dir_all(&a.dir).map_err(|e| io(&a.dir, e))?;
    let exe = std::env::current_exe()
        .map_err(|e| Fatal::env(format!("cannot find the viewcheck executable: {e}")))?;
    let n = a.programs;
    // The programs `check --seed S --cases N` makes, as a file for the others.
    let programs = a.dir.join("programs.jsonl");
    let gen = viewcheck::generate::GenConfig::default();
    let mut text = String::new();
    for case in 0..n {
        let p = viewcheck::generate::program_for_case(a.seed, case, &gen);
        let _ = writeln!(text, "{}", p.to_line());
    }
    std::fs::write(&programs, &text).map_err(|e| io(&programs, e))?;
    let python = baseline_python(a.python.as_deref());
    out!(
        "viewcheck bench: {n} programs (seed {}, generator defaults) in {}; best of {} round(s)",
        a.seed,
        programs.display(),
        a.repeat.max(1)
    );
    out!(
        "baseline:     {} {}",
        python.display(),
        a.baseline.display()
    );

    let mut rows: Vec<Row> = Vec::new();
    let mut labels = vec![
        "plain Python loop (bench/baseline.py)".to_string(),
        "exec --backend numpy".to_string(),
        "exec --backend strided".to_string(),
    ];
    labels.extend((1..=a.jobs.max(1)).map(|j| format!("check --jobs {j}")));
    for label in &labels {
        rows.push(Row {
            label: label.clone(),
            best: None,
        });
    }
    // NumPy's venv is provisioned by the first command that needs it: run
    // one before the baseline needs the venv's Python.
    let numpy_out = a.dir.join("numpy.jsonl");
    let mut first = Command::new(&exe);
    first.args(["exec", "--backend", "numpy"]).arg(&programs);
    run_timed(first, &numpy_out, &[0])?;
    for _ in 0..a.repeat.max(1) {
        for (i, row) in rows.iter_mut().enumerate() {
            let took = match i {
                0 => {
                    let report = a.dir.join("baseline.json");
                    let mut c = Command::new(&python);
                    c.arg(&a.baseline).arg(&programs);
                    run_timed(c, &report, &[0])?;
                    let line = std::fs::read_to_string(&report).map_err(|e| io(&report, e))?;
                    let v: serde_json::Value = serde_json::from_str(line.trim()).map_err(|e| {
                        Fatal::env(format!("the baseline printed `{}`: {e}", line.trim()))
                    })?;
                    Duration::from_secs_f64(v["seconds"].as_f64().unwrap_or(f64::NAN).max(0.0))
                }
                1 | 2 => {
                    let backend = if i == 1 { "numpy" } else { "strided" };
                    let mut c = Command::new(&exe);
                    c.args(["exec", "--backend", backend]).arg(&programs);
                    let out = a.dir.join(format!("{backend}.jsonl"));
                    let took = run_timed(c, &out, &[0])?;
                    let lines = std::fs::read_to_string(&out)
                        .map_err(|e| io(&out, e))?
                        .lines()
                        .count() as u64;
                    if lines != n {
                        return Err(Fatal::env(format!(
                            "exec --backend {backend} wrote {lines} lines for {n} programs"
                        )));
                    }
                    took
                }
                _ => {
                    let jobs = i - 2;
                    let failures = a.dir.join(format!("failures-{jobs}"));
                    let _ = std::fs::remove_dir_all(&failures);
                    let mut c = Command::new(&exe);
                    c.args(["check", "-q", "--max-failures", "0"])
                        .args(["--cases", &n.to_string()])
                        .args(["--seed", &a.seed.to_string()])
                        .args(["--jobs", &jobs.to_string()])
                        .arg("--failures-dir")
                        .arg(&failures);
                    run_timed(c, &a.dir.join(format!("check-{jobs}.txt")), &[0, 1])?
                }
            };
            row.best = Some(row.best.map_or(took, |b| b.min(took)));
        }
    }

    let base = rows[0].rate(n).unwrap_or(f64::NAN);
    let check1 = rows[3].rate(n).unwrap_or(f64::NAN);
    out!();
    out!(
        "{:<40} {:>9} {:>12} {:>14}",
        "what",
        "seconds",
        "programs/s",
        "x plain loop"
    );
    let mut json_rows = Vec::new();
    for r in &rows {
        let rate = r.rate(n).unwrap_or(f64::NAN);
        let secs = r.best.map_or(f64::NAN, |t| t.as_secs_f64());
        out!(
            "{:<40} {:>9.3} {:>12.0} {:>14.2}",
            r.label,
            secs,
            rate,
            rate / base
        );
        json_rows.push(serde_json::json!({
            "what": r.label, "seconds": secs, "programs_per_second": rate, "vs_plain_loop": rate / base,
        }));
    }
    out!("(the plain loop is timed inside Python, without start-up; every viewcheck command");
    out!(" is timed whole, start-up and NumPy's import included)");
    out!();
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let numpy_x = rows[1].rate(n).unwrap_or(f64::NAN) / base;
    let strided_x = rows[2].rate(n).unwrap_or(f64::NAN) / base;
    out!(
        "goal: exec --backend numpy >= 3x the plain loop: {numpy_x:.2}x, {}",
        verdict(numpy_x >= 3.0)
    );
    out!(
        "goal: exec --backend strided >= 50x the plain loop: {strided_x:.1}x, {}",
        verdict(strided_x >= 50.0)
    );
    for (j, r) in rows.iter().enumerate().skip(4) {
        let jobs = j - 2;
        let speedup = r.rate(n).unwrap_or(f64::NAN) / check1;
        out!(
            "goal: check --jobs {jobs} >= {:.1}x --jobs 1: {speedup:.2}x, {} ({} cores available)",
            0.8 * jobs as f64,
            verdict(speedup >= 0.8 * jobs as f64),
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
    }
    let summary = a.dir.join("bench.json");
    let json = serde_json::json!({
        "programs": n,
        "seed": a.seed,
        "rounds": a.repeat.max(1),
        "rows": json_rows,
    });
    std::fs::write(&summary, format!("{json}\n")).map_err(|e| io(&summary, e))?;
    out!("figures:      {}", summary.display());
    Ok(0)
}
