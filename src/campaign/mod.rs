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
use std::path::PathBuf;
use std::time::Duration;

use crate::compare::{Difference, Level};
use crate::format::{Program, StepOutcome, OPS};

mod engine;
pub mod supervisor;
pub mod wire;
mod worker;

pub use engine::{
    reproducer_path, run, run_with, with_project_runner, write_reproducer, Batch, CaseRunner,
    CaseTimes, Event, Shrinker, Tally,
};

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
    /// This campaign's part of the cases: `(i, n)` runs the cases `c` with
    /// `c % n == i` (0-based), so that `n` machines share one campaign.
    pub shard: (u64, u64),
    /// Stop starting new cases after this much wall time.
    pub time: Option<Duration>,
    /// The implementation under test in place of the strided crate: a
    /// command line speaking docs/PROTOCOL.md (run with `sh -c`).
    pub implementation: Option<String>,
    /// The program generator's knobs (used by [`run`]).
    pub generator: crate::generate::GenConfig,
    /// Time limit of one program on one backend (and of one step of
    /// shrinking) when the campaign runs in worker processes.
    pub timeout: Duration,
    /// How many worker processes run cases side by side (at least 1). The
    /// results do not depend on it.
    pub jobs: usize,
}

impl Config {
    /// How many cases this campaign (its shard) is to run.
    pub fn planned(&self) -> u64 {
        let (i, n) = (self.shard.0, self.shard.1.max(1));
        if self.cases <= i {
            0
        } else {
            (self.cases - i).div_ceil(n)
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            seed: DEFAULT_SEED,
            cases: 1000,
            level: Level::Exact,
            max_failures: 10,
            failures_dir: Some(PathBuf::from(DEFAULT_FAILURES_DIR)),
            implementation: None,
            shard: (0, 1),
            time: None,
            generator: crate::generate::GenConfig::default(),
            timeout: crate::protocol::DEFAULT_TIMEOUT,
            jobs: 1,
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
    /// The process running a backend died on the program (a segfault, an
    /// abort, a panic outside the backend's guard).
    Crash {
        /// The backend that was running.
        backend: String,
    },
    /// A backend did not finish the program within the time limit.
    Timeout {
        /// The backend that was running.
        backend: String,
    },
    /// The campaign was interrupted (SIGINT/SIGTERM) during the case; not a
    /// finding, never stored in a report.
    Interrupted,
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureKind::Divergence => f.write_str("divergence"),
            FailureKind::BackendError { backend } => write!(f, "backend error ({backend})"),
            FailureKind::Generator => f.write_str("generator bug"),
            FailureKind::Crash { backend } => write!(f, "crash ({backend})"),
            FailureKind::Timeout { backend } => write!(f, "timeout ({backend})"),
            FailureKind::Interrupted => f.write_str("interrupted"),
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
    /// A failure of `original`, not shrunk, located or saved yet.
    pub fn new(
        seed: u64,
        case: u64,
        kind: FailureKind,
        original: Program,
        diffs: Vec<Difference>,
    ) -> Failure {
        Failure {
            seed,
            case,
            kind,
            shrunk: original.clone(),
            original,
            diffs,
            first_step: None,
            reproducer: None,
            write_error: None,
        }
    }

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
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// Whether `time` ran out before every case ran.
    pub out_of_time: bool,
    /// The signal (SIGINT 2, SIGTERM 15) that interrupted the campaign.
    pub interrupted: Option<i32>,
    /// How many times a worker process was replaced after a crash or hang.
    pub restarts: u64,
    /// Cases the tested backend could not express (not failures).
    pub unsupported: u64,
    /// Outcome counts by op and by `op[index kind]`.
    pub by_kind: BTreeMap<String, OutcomeCounts>,
    /// Steps per rule of `corpus/RULES.md` that they exercised, as NumPy
    /// ran them ([`crate::coverage`]).
    pub rules: BTreeMap<String, u64>,
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
    /// A report of nothing run yet.
    pub fn empty(config: &Config, expected_name: &str, got_name: &str) -> Report {
        Report {
            config: config.clone(),
            expected_name: expected_name.to_string(),
            got_name: got_name.to_string(),
            cases_run: 0,
            failures: Vec::new(),
            stopped_early: false,
            out_of_time: false,
            interrupted: None,
            restarts: 0,
            unsupported: 0,
            by_kind: BTreeMap::new(),
            rules: BTreeMap::new(),
            expected_time: Duration::ZERO,
            got_time: Duration::ZERO,
            generate_time: Duration::ZERO,
            shrink_time: Duration::ZERO,
            total_time: Duration::ZERO,
        }
    }

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

    /// Adds a worker's batch of finished cases: every total a batch carries
    /// (one place, so that no total is forgotten by one of the mergers).
    pub(crate) fn add_batch(&mut self, b: Batch) {
        self.cases_run += b.cases;
        self.unsupported += b.unsupported;
        merge_counts(&mut self.by_kind, b.by_kind);
        for (rule, n) in b.rules {
            *self.rules.entry(rule).or_default() += n;
        }
        self.generate_time += b.times.generate;
        self.expected_time += b.times.expected;
        self.got_time += b.times.got;
        self.shrink_time += b.times.shrink;
    }
}

/// Adds `more` to `by_kind`.
fn merge_counts(
    by_kind: &mut BTreeMap<String, OutcomeCounts>,
    more: BTreeMap<String, OutcomeCounts>,
) {
    for (label, c) in more {
        let t = by_kind.entry(label).or_default();
        t.ok += c.ok;
        t.skipped += c.skipped;
        for (k, n) in c.errors {
            *t.errors.entry(k).or_default() += n;
        }
    }
}

/// Counts each step under its op (`index`) and, for indexing ops, once
/// more under every index kind it uses (`index[mask]`, `index[slice]`, ...).
fn count_outcomes(
    by_kind: &mut BTreeMap<String, OutcomeCounts>,
    program: &Program,
    outcomes: &[StepOutcome],
) {
    for (step, outcome) in program.steps.iter().zip(outcomes) {
        let mut labels = vec![step.op().to_string()];
        labels.extend(
            step.index_kinds()
                .into_iter()
                .map(|k| format!("{}[{k}]", step.op())),
        );
        for label in labels {
            let c = by_kind.entry(label).or_default();
            match outcome {
                StepOutcome::Ok { .. } => c.ok += 1,
                StepOutcome::Error(class) => *c.errors.entry(class.clone()).or_default() += 1,
                StepOutcome::Skipped => c.skipped += 1,
            }
        }
    }
}
