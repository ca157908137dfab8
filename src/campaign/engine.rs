//! One case at a time: [`CaseRunner`] generates, runs, compares and shrinks
//! a case and tells what happens as a stream of [`Event`]s; [`Tally`] turns
//! that stream into a [`Report`], writing reproducers as soon as a failure
//! is known. In `check` the runner lives in a worker process and the tally
//! in its supervisor (`super::supervisor`), so that a crash or hang costs
//! one case; [`run_with`] wires the two together in one process.

use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::collections::BTreeMap;

use super::{count_outcomes, Config, Failure, FailureKind, OutcomeCounts, Progress, Report};
use crate::backend::{panic_message, Backend, BackendError};
use crate::compare::{
    compare, first_divergent_step, guarded_run, silence_backend_panics, Difference, Level,
};
use crate::format::{Observation, Program, StepOutcome};

/// Time spent on one case, by activity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaseTimes {
    /// Generating the program.
    pub generate: Duration,
    /// Inside the expected backend (first run).
    pub expected: Duration,
    /// Inside the tested backend (first run).
    pub got: Duration,
    /// Shrinking and locating a failure.
    pub shrink: Duration,
}

/// What happens during a case, in order.
#[derive(Clone, Debug)]
pub enum Event {
    /// The case's program is generated and valid; the expected backend runs next.
    Case {
        /// The case number.
        case: u64,
        /// Its program.
        program: Program,
    },
    /// The tested backend runs next.
    Got {
        /// The case number.
        case: u64,
    },
    /// A failure, before shrinking.
    Found(Box<Failure>),
    /// Still working (sent while shrinking, so that a supervisor can tell a
    /// long shrink from a hang), with the smallest failing program so far.
    Alive {
        /// The case number.
        case: u64,
        /// The smallest program known to fail, if smaller than the original.
        best: Option<Program>,
    },
    /// The failure, shrunk and located.
    Failed(Box<Failure>),
    /// Several cases are over (what a worker sends instead of one
    /// [`Event::Done`] per case, to keep the supervisor's work small).
    Batch(Box<Batch>),
    /// The case is over.
    Done {
        /// The case number.
        case: u64,
        /// The tested backend cannot express the program (not a failure).
        unsupported: bool,
        /// The expected backend's step outcomes (empty if it gave none).
        outcomes: Vec<StepOutcome>,
        /// The rules of `corpus/RULES.md` the case's steps exercised, with
        /// how many steps each ([`crate::coverage`]).
        rules: BTreeMap<String, u64>,
        /// Where the time went.
        times: CaseTimes,
    },
}

/// The totals of consecutive finished cases.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// The last case of the batch.
    pub through: u64,
    /// How many cases finished.
    pub cases: u64,
    /// How many of them the tested backend could not express.
    pub unsupported: u64,
    /// Their step outcomes, counted as [`Report::by_kind`] counts them.
    pub by_kind: BTreeMap<String, OutcomeCounts>,
    /// Their rule coverage, summed as [`Report::rules`] sums it.
    pub rules: BTreeMap<String, u64>,
    /// Their times, summed.
    pub times: CaseTimes,
}

impl Batch {
    /// Adds a finished case.
    pub fn add(
        &mut self,
        case: u64,
        unsupported: bool,
        program: Option<&Program>,
        outcomes: &[StepOutcome],
        rules: &BTreeMap<String, u64>,
        t: &CaseTimes,
    ) {
        self.through = case;
        for (r, n) in rules {
            *self.rules.entry(r.clone()).or_default() += n;
        }
        self.cases += 1;
        self.unsupported += u64::from(unsupported);
        if let Some(p) = program {
            count_outcomes(&mut self.by_kind, p, outcomes);
        }
        self.times.generate += t.generate;
        self.times.expected += t.expected;
        self.times.got += t.got;
        self.times.shrink += t.shrink;
    }
}

/// A reducer: `shrink(program, still_fails)` returns a smaller program for
/// which `still_fails` holds (or the program itself).
pub type Shrinker<'a> = dyn FnMut(&Program, &mut dyn FnMut(&Program) -> bool) -> Program + 'a;

/// Runs single cases of a campaign.
pub struct CaseRunner<'a> {
    /// The seed of the programs.
    pub seed: u64,
    /// Comparison level.
    pub level: Level,
    /// The expected backend (NumPy).
    pub expected: &'a dyn Backend,
    /// The backend under test.
    pub got: &'a dyn Backend,
    /// `generate(seed, case)`.
    pub generate: &'a mut dyn FnMut(u64, u64) -> Program,
    /// The reducer.
    pub shrink: &'a mut Shrinker<'a>,
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

/// How often an [`Event::Alive`] is sent at most while shrinking.
const ALIVE_EVERY: Duration = Duration::from_millis(500);

impl CaseRunner<'_> {
    /// Runs case `case`, telling `emit` what happens.
    pub fn run(&mut self, case: u64, emit: &mut dyn FnMut(Event)) {
        silence_backend_panics();
        let (seed, level) = (self.seed, self.level);
        let mut times = CaseTimes::default();
        let t = Instant::now();
        let generate = &mut *self.generate;
        let generated = catch_unwind(AssertUnwindSafe(|| generate(seed, case)));
        times.generate = t.elapsed();
        let problem = match &generated {
            Err(payload) => Some(format!(
                "the generator panicked: {}",
                panic_message(payload.as_ref())
            )),
            Ok(p) => catch_unwind(AssertUnwindSafe(|| Program::from_json(&p.to_json())))
                .map_err(|payload| {
                    format!(
                        "the generator made a program that cannot be written: {}",
                        panic_message(payload.as_ref())
                    )
                })
                .and_then(|r| r.map_err(|e| format!("an invalid program: {e}")))
                .err(),
        };
        let program = labelled(
            &generated.unwrap_or_default(),
            format!("seed{seed}-case{case}"),
            format!("viewcheck check --seed {seed}: case {case}"),
        );
        if let Some(problem) = problem {
            let program = if problem.contains("cannot be written") {
                Program::default()
            } else {
                program
            };
            let f = Failure::new(
                seed,
                case,
                FailureKind::Generator,
                program,
                vec![Difference {
                    path: "program".into(),
                    expected: "a valid format-1 program".into(),
                    got: problem,
                }],
            );
            emit(Event::Found(Box::new(f.clone())));
            emit(Event::Failed(Box::new(f)));
            emit(Event::Done {
                case,
                unsupported: false,
                outcomes: Vec::new(),
                rules: BTreeMap::new(),
                times,
            });
            return;
        }
        emit(Event::Case {
            case,
            program: program.clone(),
        });
        let t = Instant::now();
        let e = guarded_run(self.expected, &program);
        times.expected = t.elapsed();
        emit(Event::Got { case });
        let t = Instant::now();
        let g = guarded_run(self.got, &program);
        times.got = t.elapsed();
        let outcomes = e
            .as_ref()
            .map(|o| o.steps.iter().map(|r| r.outcome.clone()).collect())
            .unwrap_or_default();
        let mut rules = BTreeMap::new();
        if let Ok(o) = &e {
            crate::coverage::count_rules(&mut rules, &program, o);
        }
        let unsupported = matches!(&g, Err(err) if err.class() == "unsupported");
        let got_capabilities = self.got.capabilities();
        if let Some((kind, diffs)) = classify(&e, &g, level, &got_capabilities) {
            let t = Instant::now();
            let mut f = Failure::new(seed, case, kind.clone(), program.clone(), diffs);
            emit(Event::Found(Box::new(f.clone())));
            if matches!(
                kind,
                FailureKind::Crash { .. } | FailureKind::Timeout { .. }
            ) {
                // Every candidate would crash or hang the implementation
                // again (a restart or a whole time limit each): the finding
                // keeps its generated program.
                emit(Event::Failed(Box::new(f)));
                emit(Event::Done {
                    case,
                    unsupported,
                    outcomes,
                    rules,
                    times,
                });
                return;
            }
            let (expected, got) = (self.expected, self.got);
            let mut last = Instant::now();
            let mut best_len = program.steps.len();
            let mut pred = |p: &Program| {
                let fails = still_fails(p, &kind, expected, got, level);
                let smaller = fails && p.steps.len() < best_len;
                if smaller {
                    best_len = p.steps.len();
                }
                if smaller || last.elapsed() >= ALIVE_EVERY {
                    last = Instant::now();
                    emit(Event::Alive {
                        case,
                        best: smaller.then(|| p.clone()),
                    });
                }
                fails
            };
            let shrink = &mut *self.shrink;
            let shrunk = catch_unwind(AssertUnwindSafe(|| shrink(&program, &mut pred)));
            // Keep the shrunk program only if the reducer did not panic and
            // it really still fails.
            let shrunk = match shrunk {
                Ok(s) if still_fails(&s, &kind, expected, got, level) => s,
                _ => program.clone(),
            };
            let (se, sg) = (guarded_run(expected, &shrunk), guarded_run(got, &shrunk));
            if let Some((_, d)) = classify(&se, &sg, level, &got_capabilities) {
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
            times.shrink = t.elapsed();
            emit(Event::Failed(Box::new(f)));
        }
        emit(Event::Done {
            case,
            unsupported,
            outcomes,
            rules,
            times,
        });
    }
}

/// The failure that two results make, if any.
fn classify(
    e: &Result<Observation, BackendError>,
    g: &Result<Observation, BackendError>,
    level: Level,
    got_capabilities: &crate::protocol::Capabilities,
) -> Option<(FailureKind, Vec<Difference>)> {
    match (e, g) {
        (Ok(e), Ok(g)) => {
            let mut d = compare(e, g, level);
            d.retain(|d| got_capabilities.compares(d));
            (!d.is_empty()).then_some((FailureKind::Divergence, d))
        }
        // What the tested backend cannot express is not a failure.
        (Ok(_), Err(err)) if err.class() == "unsupported" => None,
        (Err(err), _) | (Ok(_), Err(err)) => {
            let backend = err.backend.clone();
            let kind = match err.class() {
                "crash" => FailureKind::Crash { backend },
                "timeout" => FailureKind::Timeout { backend },
                _ => FailureKind::BackendError { backend },
            };
            Some((kind, vec![backend_diff(e, g)]))
        }
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
                (Ok(e), Ok(g)) => {
                    let caps = got.capabilities();
                    compare(&e, &g, level).iter().any(|d| caps.compares(d))
                }
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
        _ => false,
    }
}

/// Writes `text` to `path`, which must not exist yet, in one write; a
/// partial file (a full disk) is removed again. No temporary files: a
/// process killed at any moment leaves either no file, or a complete one
/// (a single `write` of a regular file is not split by a signal).
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    let result = f.write_all(text.as_bytes()).and_then(|_| f.sync_data());
    if result.is_err() {
        drop(f);
        let _ = std::fs::remove_file(path);
    }
    result
}

/// The reproducer of a failure: `seed{S}-case{N}.jsonl` with the shrunk
/// program on the first line and the original on the second (just the
/// original if nothing could be removed).
pub fn reproducer_path(dir: &Path, failure: &Failure) -> PathBuf {
    dir.join(format!("seed{}-case{}.jsonl", failure.seed, failure.case))
}

/// Where a failure goes the moment it is found, before shrinking; removed
/// once the shrunk reproducer is written.
pub(crate) fn unshrunk_path(dir: &Path, failure: &Failure) -> PathBuf {
    dir.join(format!(
        "seed{}-case{}-unshrunk.jsonl",
        failure.seed, failure.case
    ))
}

fn reproducer_text(failure: &Failure, shrunk: bool) -> String {
    let mut text = String::new();
    if shrunk && failure.shrunk != failure.original {
        text.push_str(&failure.shrunk.to_line());
        text.push('\n');
    }
    text.push_str(&failure.original.to_line());
    text.push('\n');
    text
}

/// Writes the reproducer of a (shrunk) failure.
pub fn write_reproducer(dir: &Path, failure: &Failure) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = reproducer_path(dir, failure);
    write_new(&path, &reproducer_text(failure, true))?;
    Ok(path)
}

/// Turns [`Event`]s into a [`Report`], saving reproducers as soon as
/// failures are known.
pub struct Tally {
    /// The report so far.
    pub report: Report,
    started: Instant,
    /// The program of the case in flight.
    current: Option<(u64, Program)>,
    /// A failure found and not yet finished (being shrunk).
    pending: Option<Failure>,
    /// What each [`Event::Batch`] and each [`Tally::fault`] added, in the
    /// order they came: the same totals as the report, by range of cases,
    /// so that a supervisor can keep a campaign's cases up to a given one
    /// (`check --max-failures` with several workers).
    pub segments: Vec<Batch>,
}

impl Tally {
    /// An empty tally for a campaign with `config`.
    pub fn new(config: &Config, expected_name: &str, got_name: &str) -> Tally {
        Tally {
            report: Report::empty(config, expected_name, got_name),
            started: Instant::now(),
            current: None,
            pending: None,
            segments: Vec::new(),
        }
    }

    /// Whether the failure limit is reached.
    pub fn full(&self) -> bool {
        let max = self.report.config.max_failures;
        max > 0 && self.report.failures.len() >= max
    }

    /// Progress so far.
    pub fn progress(&self) -> Progress {
        Progress {
            done: self.report.cases_run,
            cases: self.report.config.planned(),
            failures: self.report.failures.len(),
            elapsed: self.started.elapsed(),
        }
    }

    /// Wall time since the tally started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The program of the case in flight, if it was generated.
    pub fn current(&self, case: u64) -> Option<&Program> {
        self.current
            .as_ref()
            .filter(|(c, _)| *c == case)
            .map(|(_, p)| p)
    }

    fn save(&self, failure: &mut Failure, shrunk: bool) {
        let Some(dir) = &self.report.config.failures_dir else {
            return;
        };
        let result = std::fs::create_dir_all(dir).and_then(|_| {
            let path = if shrunk {
                reproducer_path(dir, failure)
            } else {
                unshrunk_path(dir, failure)
            };
            write_new(&path, &reproducer_text(failure, shrunk)).map(|_| path)
        });
        match result {
            Ok(p) => {
                if shrunk {
                    let _ = std::fs::remove_file(unshrunk_path(dir, failure));
                }
                failure.reproducer = Some(p);
                failure.write_error = None;
            }
            Err(e) => {
                // Keep the early copy if the final one could not be written.
                let early = unshrunk_path(dir, failure);
                if shrunk && early.exists() {
                    failure.reproducer = Some(early);
                }
                failure.write_error = Some(format!("cannot write to {}: {e}", dir.display()));
            }
        }
    }

    /// Takes one event.
    pub fn apply(&mut self, event: Event) {
        match event {
            Event::Case { case, program } => self.current = Some((case, program)),
            Event::Got { .. } => {}
            Event::Batch(b) => {
                self.segments.push((*b).clone());
                self.report.add_batch(*b);
                self.current = None;
            }
            Event::Found(f) => {
                let mut f = *f;
                self.save(&mut f, false);
                self.pending = Some(f);
            }
            Event::Alive { best, .. } => {
                if let (Some(best), Some(p)) = (best, self.pending.as_mut()) {
                    p.shrunk = best;
                }
            }
            Event::Failed(f) => {
                let mut f = *f;
                self.save(&mut f, true);
                self.pending = None;
                self.report.failures.push(f);
            }
            Event::Done {
                case,
                unsupported,
                outcomes,
                rules,
                times,
            } => {
                self.report.cases_run += 1;
                for (r, n) in rules {
                    *self.report.rules.entry(r).or_default() += n;
                }
                self.report.unsupported += u64::from(unsupported);
                if let Some((c, p)) = &self.current {
                    if *c == case {
                        count_outcomes(&mut self.report.by_kind, p, &outcomes);
                    }
                }
                self.current = None;
                self.report.generate_time += times.generate;
                self.report.expected_time += times.expected;
                self.report.got_time += times.got;
                self.report.shrink_time += times.shrink;
            }
        }
    }

    /// Records a failure that no event reported: a crash or hang of the
    /// process running the case, or an interruption while it shrank. Ends
    /// the case.
    pub fn fault(&mut self, case: u64, kind: FailureKind, diffs: Vec<Difference>) {
        // An interrupted case ran only if it had already failed.
        let ran = self.pending.is_some() || !matches!(kind, FailureKind::Interrupted);
        if let Some(mut f) = self.pending.take() {
            // Found before the fault: keep it, with what shrinking reached
            // (the location of the first divergent step is not known).
            f.first_step = None;
            let why = diffs
                .first()
                .map(|d| d.got.lines().next().unwrap_or("").to_string())
                .unwrap_or_default();
            let note = format!(
                "viewcheck check --seed {}: case {}; shrinking cut short ({why})",
                f.seed, f.case
            );
            f.shrunk = labelled(
                &f.shrunk,
                format!("seed{}-case{}-shrunk", f.seed, f.case),
                note,
            );
            self.save(&mut f, true);
            self.report.failures.push(f);
        } else if !matches!(kind, FailureKind::Interrupted) {
            let program = self.current(case).cloned().unwrap_or_default();
            let mut f = Failure::new(self.report.config.seed, case, kind, program, diffs);
            self.save(&mut f, true);
            self.report.failures.push(f);
        }
        if ran {
            self.report.cases_run += 1;
        }
        self.segments.push(Batch {
            through: case,
            cases: u64::from(ran),
            ..Batch::default()
        });
        self.current = None;
    }

    /// The report, with the wall time.
    pub fn finish(mut self) -> Report {
        self.report.total_time = self.started.elapsed();
        self.report
    }
}

/// Runs a campaign in this process with the given generator and reducer.
///
/// `generate(seed, case)` makes the program of a case; `shrink(program,
/// still_fails)` reduces a failing program while `still_fails` holds.
/// `progress` is called after every case. Backend panics are caught (and
/// silenced while running a backend), never propagated; a backend that
/// hangs or crashes the process is not contained (that is what `check`'s
/// worker processes are for).
pub fn run_with(
    config: &Config,
    expected: &dyn Backend,
    got: &dyn Backend,
    generate: &mut dyn FnMut(u64, u64) -> Program,
    shrink: &mut Shrinker<'_>,
    progress: &mut dyn FnMut(Progress),
) -> Report {
    let mut tally = Tally::new(config, expected.name(), got.name());
    let mut runner = CaseRunner {
        seed: config.seed,
        level: config.level,
        expected,
        got,
        generate,
        shrink,
    };
    for case in 0..config.cases {
        if tally.full() {
            tally.report.stopped_early = true;
            break;
        }
        runner.run(case, &mut |e| tally.apply(e));
        progress(tally.progress());
    }
    tally.finish()
}

/// Calls `f` with a [`CaseRunner`] on the project's generator (with `gen`,
/// kept to what `got` declares it supports) and reducer: what a campaign
/// worker and the harness's campaign trials run.
pub fn with_project_runner<R>(
    seed: u64,
    level: Level,
    expected: &dyn Backend,
    got: &dyn Backend,
    gen: &crate::generate::GenConfig,
    f: impl FnOnce(&mut CaseRunner<'_>) -> R,
) -> R {
    let gen = gen.clone().within(&got.capabilities());
    let mut generate = |seed: u64, case: u64| crate::generate::program_for_case(seed, case, &gen);
    let mut shrink =
        |p: &Program, pred: &mut dyn FnMut(&Program) -> bool| crate::shrink::shrink(p, pred);
    let mut runner = CaseRunner {
        seed,
        level,
        expected,
        got,
        generate: &mut generate,
        shrink: &mut shrink,
    };
    f(&mut runner)
}

/// Runs the campaign in this process with the project's generator
/// ([`program_for_case`](crate::generate::program_for_case) with
/// `config.generator`) and reducer ([`shrink`](crate::shrink::shrink)).
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
