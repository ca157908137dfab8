//! The differential campaign behind `viewcheck check`.
//!
//! For each case `0..cases`, a program is generated from `(seed, case)`, run
//! on the *expected* backend (NumPy) and on the backend under test (the
//! strided crate), and the two observations are compared at a
//! [`Level`]. A divergence (or a backend failure: an error or a panic, which
//! never aborts the campaign) is
//!
//! 1. written at once to the failures directory as a reproducer, so that it
//!    survives even if the process is killed later;
//! 2. shrunk with the reducer, keeping the same kind of failure;
//! 3. located: the first step after which the observations differ;
//! 4. written again, shrunk program first.
//!
//! Along the way the campaign counts, per op and per index kind
//! ([`Step::index_kinds`](crate::format::Step::index_kinds)), how often NumPy
//! succeeded, raised (by class) or skipped the step, and how long each
//! backend took.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::backend::panic_message;
use crate::backend::{Backend, BackendError};
use crate::compare::{
    compare, first_divergent_step, guarded_run, silence_backend_panics, Difference, Level,
};
use crate::format::{Observation, Program, StepOutcome, OPS};

/// The default seed of `check` (printed, so any run can be repeated).
pub const DEFAULT_SEED: u64 = 20_240_611;

/// Where reproducers go unless `--failures-dir` says otherwise.
pub const DEFAULT_FAILURES_DIR: &str = "target/viewcheck-failures";

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Seed of the program generator.
    pub seed: u64,
    /// Number of cases (programs) to run.
    pub cases: u64,
    /// Comparison level.
    pub level: Level,
    /// Stop after this many failures (0: never stop early).
    pub max_failures: usize,
    /// Where to write reproducers; `None` writes none.
    pub failures_dir: Option<PathBuf>,
    /// The program generator's knobs (used by [`run`]).
    pub generator: crate::generate::GenConfig,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            seed: DEFAULT_SEED,
            cases: 1000,
            level: Level::Exact,
            max_failures: 10,
            failures_dir: Some(PathBuf::from(DEFAULT_FAILURES_DIR)),
            generator: crate::generate::GenConfig::default(),
        }
    }
}

/// What kind of failure a case produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// Both backends ran the program and their observations differ.
    Divergence,
    /// A backend returned an error or panicked (named backend).
    BackendError {
        /// The backend's name (`numpy`, `strided`).
        backend: String,
    },
    /// The generator panicked or produced a program that does not validate
    /// (a bug of the generator, not of a backend).
    Generator,
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureKind::Divergence => f.write_str("divergence"),
            FailureKind::BackendError { backend } => write!(f, "backend error ({backend})"),
            FailureKind::Generator => f.write_str("generator bug"),
        }
    }
}

/// One failing case, with everything needed to reproduce it.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The generator seed.
    pub seed: u64,
    /// The case number.
    pub case: u64,
    /// What went wrong.
    pub kind: FailureKind,
    /// The generated program.
    pub original: Program,
    /// The reduced program (equal to `original` when nothing could be removed).
    pub shrunk: Program,
    /// The differences of the shrunk program (for a backend error, one entry
    /// with path `backend`).
    pub diffs: Vec<Difference>,
    /// The first step of the shrunk program after which the observations
    /// differ (None if no prefix diverges on its own).
    pub first_step: Option<usize>,
    /// The reproducer file, once written.
    pub reproducer: Option<PathBuf>,
    /// Why the reproducer could not be written, if it could not.
    pub write_error: Option<String>,
}

impl Failure {
    /// A short description that failures of the same bug tend to share: the
    /// kind, the op and index kinds of the first divergent step, and the
    /// differing places with names and positions blanked out (step outcomes
    /// keep their expected/got classes). Used to group failures in reports.
    pub fn signature(&self) -> String {
        let step = self
            .first_step
            .and_then(|k| self.shrunk.steps.get(k))
            .map(|s| s.kind_label())
            .unwrap_or_else(|| "-".into());
        let mut places: BTreeSet<String> = BTreeSet::new();
        for d in &self.diffs {
            let path = blank_path(&d.path);
            if path.starts_with("steps") || path == "backend" {
                let backend_msg = |m: &str| m.split(':').next().unwrap_or(m).to_string();
                let (e, g) = if path == "backend" {
                    (backend_msg(&d.expected), backend_msg(&d.got))
                } else {
                    (d.expected.clone(), d.got.clone())
                };
                places.insert(format!("{path} (expected {e} got {g})"));
            } else {
                places.insert(path);
            }
        }
        let places: Vec<String> = places.into_iter().collect();
        format!("{} in {step}: {}", self.kind, places.join(", "))
    }
}

/// `arrays.b.values[5]` -> `arrays.*.values[_]`.
fn blank_path(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    if let Some(r) = rest.strip_prefix("arrays.") {
        out.push_str("arrays.*");
        rest = r.find('.').map(|i| &r[i..]).unwrap_or("");
    }
    let mut in_brackets = false;
    for ch in rest.chars() {
        match ch {
            '[' => {
                in_brackets = true;
                out.push_str("[_]");
            }
            ']' => in_brackets = false,
            _ if in_brackets => {}
            c => out.push(c),
        }
    }
    out
}

/// Per op/index-kind outcome counts as observed from the expected backend.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    /// Steps that succeeded.
    pub ok: u64,
    /// Steps that raised, by exception class.
    pub errors: BTreeMap<String, u64>,
    /// Steps that were skipped.
    pub skipped: u64,
}

impl OutcomeCounts {
    /// All steps counted.
    pub fn total(&self) -> u64 {
        self.ok + self.skipped + self.errors.values().sum::<u64>()
    }
}

/// Progress, handed to the caller's callback after every case.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Cases finished so far.
    pub done: u64,
    /// Cases planned.
    pub cases: u64,
    /// Failures so far.
    pub failures: usize,
    /// Wall time so far.
    pub elapsed: Duration,
}

/// The outcome of a campaign.
#[derive(Clone, Debug)]
pub struct Report {
    /// The configuration it ran with.
    pub config: Config,
    /// Name of the expected backend.
    pub expected_name: String,
    /// Name of the backend under test.
    pub got_name: String,
    /// Cases actually run (fewer than planned after `max_failures`).
    pub cases_run: u64,
    /// Every failure, in case order.
    pub failures: Vec<Failure>,
    /// Whether `max_failures` stopped the campaign early.
    pub stopped_early: bool,
    /// Outcome counts by op and by `op[index kind]`.
    pub by_kind: BTreeMap<String, OutcomeCounts>,
    /// Time spent inside the expected backend's runs (first run of each case).
    pub expected_time: Duration,
    /// Time spent inside the tested backend's runs (first run of each case).
    pub got_time: Duration,
    /// Time spent generating programs.
    pub generate_time: Duration,
    /// Time spent shrinking and locating failures.
    pub shrink_time: Duration,
    /// Wall time of the whole campaign.
    pub total_time: Duration,
}

fn per_second(n: u64, t: Duration) -> f64 {
    let s = t.as_secs_f64();
    if s > 0.0 {
        n as f64 / s
    } else {
        f64::INFINITY
    }
}

impl Report {
    /// Programs per second over the whole campaign.
    pub fn programs_per_second(&self) -> f64 {
        per_second(self.cases_run, self.total_time)
    }
    /// Programs per second inside the expected backend.
    pub fn expected_per_second(&self) -> f64 {
        per_second(self.cases_run, self.expected_time)
    }
    /// Programs per second inside the tested backend.
    pub fn got_per_second(&self) -> f64 {
        per_second(self.cases_run, self.got_time)
    }

    /// The per-op table: one row per op (in the format's op order), each
    /// indexing op followed by one row per index kind its steps used (a step
    /// counts in every kind it uses); columns total, ok, skipped and one per
    /// exception class seen. The last row sums the op rows.
    pub fn op_table(&self) -> String {
        let classes: BTreeSet<&str> = self
            .by_kind
            .values()
            .flat_map(|c| c.errors.keys().map(String::as_str))
            .collect();
        let op_rank = |label: &str| {
            let op = label.split('[').next().unwrap_or(label);
            OPS.iter().position(|o| *o == op).unwrap_or(OPS.len())
        };
        let mut rows: Vec<(&String, &OutcomeCounts)> = self.by_kind.iter().collect();
        rows.sort_by(|a, b| (op_rank(a.0), a.0).cmp(&(op_rank(b.0), b.0)));
        let mut header: Vec<String> = vec![
            "op / op[index kind]".into(),
            "total".into(),
            "ok".into(),
            "skipped".into(),
        ];
        header.extend(classes.iter().map(|c| c.to_string()));
        let row = |label: &str, c: &OutcomeCounts| -> Vec<String> {
            let mut row = vec![
                label.to_string(),
                c.total().to_string(),
                c.ok.to_string(),
                c.skipped.to_string(),
            ];
            row.extend(
                classes
                    .iter()
                    .map(|k| c.errors.get(*k).copied().unwrap_or(0).to_string()),
            );
            row
        };
        let mut table: Vec<Vec<String>> = vec![header];
        let mut sum = OutcomeCounts::default();
        for (label, c) in &rows {
            table.push(row(label, c));
            if label.contains('[') {
                continue;
            }
            sum.ok += c.ok;
            sum.skipped += c.skipped;
            for (k, n) in &c.errors {
                *sum.errors.entry(k.clone()).or_default() += n;
            }
        }
        table.push(row("all steps", &sum));
        let widths: Vec<usize> = (0..table[0].len())
            .map(|i| table.iter().map(|r| r[i].len()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for (n, r) in table.iter().enumerate() {
            if n + 1 == table.len() {
                let _ = writeln!(
                    out,
                    "{}",
                    "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1))
                );
            }
            let cells: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 {
                        format!("{c:<w$}", w = widths[i])
                    } else {
                        format!("{c:>w$}", w = widths[i])
                    }
                })
                .collect();
            let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        }
        out
    }
}

/// The program with a name and note that say where it came from.
fn labelled(program: &Program, name: String, note: String) -> Program {
    Program {
        name: Some(name),
        note: Some(note),
        steps: program.steps.clone(),
    }
}

/// Whether a program survives a round trip through the validator.
fn is_valid(program: &Program) -> bool {
    Program::from_json(&program.to_json()).is_ok()
}

/// Both backends' results on one program.
struct Classified {
    /// The expected backend's observation, if it produced one.
    expected: Option<Observation>,
    /// The failure, if any, with its differences.
    failure: Option<(FailureKind, Vec<Difference>)>,
    /// Time inside the expected backend.
    expected_time: Duration,
    /// Time inside the tested backend.
    got_time: Duration,
}

/// Runs both backends on `program` and classifies the result.
fn classify(
    program: &Program,
    expected: &dyn Backend,
    got: &dyn Backend,
    level: Level,
) -> Classified {
    let t = Instant::now();
    let e = guarded_run(expected, program);
    let expected_time = t.elapsed();
    let t = Instant::now();
    let g = guarded_run(got, program);
    let got_time = t.elapsed();
    let failure = match (&e, &g) {
        (Ok(e), Ok(g)) => {
            let d = compare(e, g, level);
            (!d.is_empty()).then_some((FailureKind::Divergence, d))
        }
        (Err(err), _) | (Ok(_), Err(err)) => Some((
            FailureKind::BackendError {
                backend: err.backend.clone(),
            },
            vec![backend_diff(&e, &g)],
        )),
    };
    Classified {
        expected: e.ok(),
        failure,
        expected_time,
        got_time,
    }
}

fn backend_diff(
    e: &Result<Observation, BackendError>,
    g: &Result<Observation, BackendError>,
) -> Difference {
    let show = |r: &Result<Observation, BackendError>| match r {
        Ok(_) => "an observation".to_string(),
        Err(err) => format!("backend error: {}", err.message),
    };
    Difference {
        path: "backend".into(),
        expected: show(e),
        got: show(g),
    }
}

/// Whether `program` still fails the way `kind` says.
fn still_fails(
    program: &Program,
    kind: &FailureKind,
    expected: &dyn Backend,
    got: &dyn Backend,
    level: Level,
) -> bool {
    if !is_valid(program) {
        return false;
    }
    match kind {
        FailureKind::Divergence => {
            match (guarded_run(expected, program), guarded_run(got, program)) {
                (Ok(e), Ok(g)) => !compare(&e, &g, level).is_empty(),
                _ => false,
            }
        }
        FailureKind::BackendError { backend } => {
            let b = if backend == expected.name() {
                expected
            } else {
                got
            };
            guarded_run(b, program).is_err()
        }
        FailureKind::Generator => false,
    }
}

/// Writes a reproducer: the shrunk program on the first line, the original on
/// the second (just the original before shrinking). The file is replaced
/// atomically, so a killed process leaves either version, never half of one.
pub fn write_reproducer(dir: &Path, failure: &Failure) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("seed{}-case{}.jsonl", failure.seed, failure.case));
    let tmp = dir.join(format!(
        ".seed{}-case{}.jsonl.tmp",
        failure.seed, failure.case
    ));
    let mut text = String::new();
    if failure.shrunk != failure.original {
        text.push_str(&failure.shrunk.to_line());
        text.push('\n');
    }
    text.push_str(&failure.original.to_line());
    text.push('\n');
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

fn save(dir: &Option<PathBuf>, failure: &mut Failure) {
    if let Some(dir) = dir {
        match write_reproducer(dir, failure) {
            Ok(p) => {
                failure.reproducer = Some(p);
                failure.write_error = None;
            }
            Err(e) => failure.write_error = Some(format!("cannot write to {}: {e}", dir.display())),
        }
    }
}

/// A reducer: `shrink(program, still_fails)` returns a smaller program for
/// which `still_fails` holds (or the program itself).
pub type Shrinker<'a> = dyn FnMut(&Program, &mut dyn FnMut(&Program) -> bool) -> Program + 'a;

/// Runs a campaign with the given generator and reducer.
///
/// `generate(seed, case)` makes the program of a case; `shrink(program,
/// still_fails)` reduces a failing program while `still_fails` holds.
/// `progress` is called after every case. Backend panics are caught (and
/// silenced while running a backend), never propagated.
pub fn run_with(
    config: &Config,
    expected: &dyn Backend,
    got: &dyn Backend,
    generate: &mut dyn FnMut(u64, u64) -> Program,
    shrink: &mut Shrinker<'_>,
    progress: &mut dyn FnMut(Progress),
) -> Report {
    silence_backend_panics();
    let start = Instant::now();
    let mut report = Report {
        config: config.clone(),
        expected_name: expected.name().to_string(),
        got_name: got.name().to_string(),
        cases_run: 0,
        failures: Vec::new(),
        stopped_early: false,
        by_kind: BTreeMap::new(),
        expected_time: Duration::ZERO,
        got_time: Duration::ZERO,
        generate_time: Duration::ZERO,
        shrink_time: Duration::ZERO,
        total_time: Duration::ZERO,
    };
    let (seed, level) = (config.seed, config.level);
    let progress_at = |case: u64, failures: usize| Progress {
        done: case + 1,
        cases: config.cases,
        failures,
        elapsed: start.elapsed(),
    };
    for case in 0..config.cases {
        if config.max_failures > 0 && report.failures.len() >= config.max_failures {
            report.stopped_early = true;
            break;
        }
        report.cases_run += 1;
        let t = Instant::now();
        let generated = catch_unwind(AssertUnwindSafe(|| generate(seed, case)));
        report.generate_time += t.elapsed();
        let problem = match &generated {
            Err(payload) => Some(format!(
                "the generator panicked: {}",
                panic_message(payload.as_ref())
            )),
            Ok(p) => Program::from_json(&p.to_json())
                .err()
                .map(|e| format!("an invalid program: {e}")),
        };
        let program = labelled(
            &generated.unwrap_or_default(),
            format!("seed{seed}-case{case}"),
            format!("viewcheck check --seed {seed}: case {case}"),
        );
        if let Some(problem) = problem {
            let mut f = Failure {
                seed,
                case,
                kind: FailureKind::Generator,
                original: program.clone(),
                shrunk: program,
                diffs: vec![Difference {
                    path: "program".into(),
                    expected: "a valid format-1 program".into(),
                    got: problem,
                }],
                first_step: None,
                reproducer: None,
                write_error: None,
            };
            save(&config.failures_dir, &mut f);
            report.failures.push(f);
            progress(progress_at(case, report.failures.len()));
            continue;
        }
        let c = classify(&program, expected, got, level);
        report.expected_time += c.expected_time;
        report.got_time += c.got_time;
        if let Some(obs) = &c.expected {
            count(&mut report.by_kind, &program, obs);
        }
        if let Some((kind, diffs)) = c.failure {
            let t = Instant::now();
            let mut f = Failure {
                seed,
                case,
                kind: kind.clone(),
                original: program.clone(),
                shrunk: program.clone(),
                diffs,
                first_step: None,
                reproducer: None,
                write_error: None,
            };
            // Save the original before anything else can go wrong.
            save(&config.failures_dir, &mut f);
            let mut pred = |p: &Program| still_fails(p, &kind, expected, got, level);
            let shrunk = catch_unwind(AssertUnwindSafe(|| shrink(&program, &mut pred)));
            // Keep the shrunk program only if the reducer did not panic and
            // it really still fails.
            let shrunk = match shrunk {
                Ok(s) if still_fails(&s, &kind, expected, got, level) => s,
                _ => program.clone(),
            };
            if let Some((_, d)) = classify(&shrunk, expected, got, level).failure {
                f.diffs = d;
            }
            f.first_step = first_divergent_step(&shrunk, expected, got, level);
            let mut note = format!(
                "viewcheck check --seed {seed}: case {case}, shrunk; {kind} at level {level}"
            );
            if let Some(k) = f.first_step {
                let _ = write!(note, "; first divergent step {k}");
            }
            if let Some(d) = f.diffs.first() {
                let _ = write!(note, "; {d}");
            }
            f.shrunk = labelled(&shrunk, format!("seed{seed}-case{case}-shrunk"), note);
            save(&config.failures_dir, &mut f);
            report.shrink_time += t.elapsed();
            report.failures.push(f);
        }
        progress(progress_at(case, report.failures.len()));
    }
    report.total_time = start.elapsed();
    report
}

/// Runs the campaign with the project's generator
/// ([`program_for_case`](crate::generate::program_for_case) with
/// `config.generator`) and reducer
/// ([`shrink`](crate::shrink::shrink)).
pub fn run(
    config: &Config,
    expected: &dyn Backend,
    got: &dyn Backend,
    progress: &mut dyn FnMut(Progress),
) -> Report {
    let gen_config = config.generator.clone();
    let mut generate =
        |seed: u64, case: u64| crate::generate::program_for_case(seed, case, &gen_config);
    let mut shrink =
        |p: &Program, pred: &mut dyn FnMut(&Program) -> bool| crate::shrink::shrink(p, pred);
    run_with(config, expected, got, &mut generate, &mut shrink, progress)
}

/// Counts each step under its op (`index`) and, for indexing ops, once
/// more under every index kind it uses (`index[mask]`, `index[slice]`, ...).
fn count(by_kind: &mut BTreeMap<String, OutcomeCounts>, program: &Program, obs: &Observation) {
    for (step, record) in program.steps.iter().zip(&obs.steps) {
        let mut labels = vec![step.op().to_string()];
        labels.extend(
            step.index_kinds()
                .into_iter()
                .map(|k| format!("{}[{k}]", step.op())),
        );
        for label in labels {
            let c = by_kind.entry(label).or_default();
            match &record.outcome {
                StepOutcome::Ok { .. } => c.ok += 1,
                StepOutcome::Error(class) => *c.errors.entry(class.clone()).or_default() += 1,
                StepOutcome::Skipped => c.skipped += 1,
            }
        }
    }
}
