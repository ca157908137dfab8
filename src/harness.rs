//! A `cargo test` harness for implementers (feature `harness`): one trial
//! per corpus case, named by its id, with the implementer's expectations
//! applied, and (feature `oracle`) generated-campaign trials against the
//! embedded NumPy.
//!
//! An implementer's `tests/viewcheck.rs` (with `harness = false` for that
//! test in their `Cargo.toml`):
//!
//! ```no_run
//! use viewcheck::backend::{Backend, BackendError};
//! use viewcheck::format::{Observation, Program};
//!
//! struct MyArrays;
//! impl Backend for MyArrays {
//!     fn name(&self) -> &str { "myarrays" }
//!     fn run(&self, program: &Program) -> Result<Observation, BackendError> {
//!         // Run `program` on your library and describe what it did.
//!         # viewcheck::backend::StridedBackend.run(program)
//!     }
//! }
//!
//! fn main() {
//!     viewcheck::harness::Harness::new(MyArrays)
//!         .expectations(include_str!("viewcheck-expectations.txt"))
//!         .run();
//! }
//! ```
//!
//! `cargo test --test viewcheck VC-01` runs the cases whose id contains
//! `VC-01`; `--list` lists them. Expected failures (`xfail`) pass, an
//! `xpass` fails only with [`Harness::strict`], `skip` entries and
//! unsupported programs are ignored trials (reported as such, never as
//! passes).

use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Failed, Trial};

use crate::backend::Backend;
use crate::compare::{silence_backend_panics, Level};
use crate::conformance::{apply, raw_status, CaseStatus, Expect, Expectations};
use crate::corpus::{replay_case, Corpus, Status};

/// The harness: build it, then [`Harness::run`].
pub struct Harness<B> {
    backend: B,
    level: Level,
    expectations: Expectations,
    strict: bool,
    corpus: Option<Corpus>,
    campaign: Option<(u64, u64)>,
    answers: String,
}

impl<B: Backend + Send + 'static> Harness<B> {
    /// A harness for `backend`, at level `exact`, with the embedded corpus.
    pub fn new(backend: B) -> Harness<B> {
        Harness {
            backend,
            level: Level::Exact,
            expectations: Expectations::default(),
            strict: false,
            corpus: None,
            campaign: None,
            answers: crate::regress::pinned_numpy_version().to_owned(),
        }
    }

    /// The comparison level the implementation promises.
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// Known failures, as the text of an expectations file
    /// (see [`Expectations`]); typically `include_str!` of a file in the
    /// implementer's repository. A malformed file panics with its problems.
    pub fn expectations(mut self, text: &str) -> Self {
        self.expectations = Expectations::parse(text)
            .unwrap_or_else(|p| panic!("viewcheck expectations are malformed:\n{p}"));
        self
    }

    /// An `xpass` (an expected failure that passes) fails its trial.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Compares with the answers recorded for NumPy `release` (the cases
    /// whose `numpy` range includes it) instead of the pin's: for an
    /// implementation that targets an older release.
    pub fn answers(mut self, release: &str) -> Self {
        self.answers = release.to_owned();
        self
    }

    /// Replays this corpus instead of the embedded one.
    pub fn corpus(mut self, corpus: Corpus) -> Self {
        self.corpus = Some(corpus);
        self
    }

    /// Adds generated-campaign trials: `cases` programs from `seed`, in
    /// trials of 100, each comparing the implementation with the embedded
    /// NumPy (feature `oracle`).
    #[cfg(feature = "oracle")]
    pub fn campaign(mut self, cases: u64, seed: u64) -> Self {
        self.campaign = Some((cases, seed));
        self
    }

    /// The trials, without running them.
    pub fn trials(self) -> Vec<Trial> {
        silence_backend_panics();
        let corpus = match self.corpus.map(Ok).unwrap_or_else(Corpus::embedded) {
            Ok(c) => c,
            Err(p) => {
                let msg = p.to_string();
                return vec![Trial::test("corpus::load", move || Err(msg.into()))];
            }
        };
        let capabilities = self.backend.capabilities();
        let backend = Arc::new(Mutex::new(self.backend));
        let mut trials = Vec::new();
        let ids: Vec<&str> = corpus.cases().map(|c| c.id.as_str()).collect();
        let stale: Vec<String> = self
            .expectations
            .unmatched(&ids)
            .iter()
            .map(|e| format!("line {}: `{}` matches no case", e.line, e.pattern))
            .collect();
        if !stale.is_empty() {
            trials.push(
                Trial::test("expectations::stale", move || Err(stale.join("\n").into()))
                    .with_ignored_flag(!self.strict),
            );
        }
        for case in corpus.cases().filter(|c| c.applies_to(&self.answers)) {
            let entry = self.expectations.lookup(&case.id).cloned();
            let unsupported = match &case.program {
                crate::corpus::CaseProgram::Valid(p) => capabilities.unsupported(p),
                _ => None,
            };
            let ignored =
                entry.as_ref().is_some_and(|e| e.expect == Expect::Skip) || unsupported.is_some();
            let (id, kind) = (case.id.clone(), case_kind(&case.area));
            let (case, backend, level, strict) =
                (case.clone(), Arc::clone(&backend), self.level, self.strict);
            trials.push(
                Trial::test(id, move || {
                    let b = backend.lock().unwrap_or_else(|p| p.into_inner());
                    let status = replay_case(&case, &*b, level);
                    let (raw, detail) = raw_status(&status);
                    let finale = apply(raw, entry.as_ref());
                    match finale {
                        CaseStatus::Pass | CaseStatus::XFail | CaseStatus::Unsupported => Ok(()),
                        CaseStatus::XPass if !strict => Ok(()),
                        _ => Err(failure(&case, finale, &detail, &status)),
                    }
                })
                .with_kind(kind)
                .with_ignored_flag(ignored),
            );
        }
        #[cfg(feature = "oracle")]
        if let Some((cases, seed)) = self.campaign {
            campaign_trials(&backend, cases, seed, self.level, &mut trials);
        }
        #[cfg(not(feature = "oracle"))]
        let _ = self.campaign;
        trials
    }

    /// Runs the trials with libtest's command line and exits.
    pub fn run(self) -> ! {
        let args = Arguments::from_args();
        libtest_mimic::run(&args, self.trials()).exit()
    }
}

fn case_kind(area: &str) -> String {
    area.to_string()
}

fn failure(case: &crate::corpus::Case, status: CaseStatus, detail: &str, raw: &Status) -> Failed {
    let mut msg = format!("{} ({}): {status}: {}\n", case.id, case.description, detail);
    if let Status::Fail(diffs) = raw {
        msg.push_str("differences (expected = NumPy's recorded answer):\n");
        for d in diffs {
            msg.push_str(&format!("  {d}\n"));
        }
    }
    if let crate::corpus::CaseProgram::Valid(p) = &case.program {
        msg.push_str(&format!("program: {}\n", p.to_line()));
    }
    if status == CaseStatus::XPass {
        msg.push_str("it passes although the expectations say xfail: remove the entry\n");
    }
    msg.into()
}

#[cfg(feature = "oracle")]
fn campaign_trials<B: Backend + Send + 'static>(
    backend: &Arc<Mutex<B>>,
    cases: u64,
    seed: u64,
    level: Level,
    trials: &mut Vec<Trial>,
) {
    const CHUNK: u64 = 100;
    let mut first = 0;
    while first < cases {
        let end = (first + CHUNK).min(cases);
        let backend = Arc::clone(backend);
        trials.push(
            Trial::test(format!("campaign::seed{seed}::{first}..{end}"), move || {
                let numpy = crate::backend::NumpyBackend::new()
                    .map_err(|e| format!("the embedded NumPy is unavailable: {}", e.message))?;
                let b = backend.lock().unwrap_or_else(|p| p.into_inner());
                let mut failures = Vec::new();
                crate::campaign::with_project_runner(
                    seed,
                    level,
                    &numpy,
                    &*b,
                    &crate::generate::GenConfig::default(),
                    |runner| {
                        for case in first..end {
                            runner.run(case, &mut |e| {
                                if let crate::campaign::Event::Failed(f) = e {
                                    failures.push(f);
                                }
                            });
                        }
                    },
                );
                if failures.is_empty() {
                    return Ok(());
                }
                let mut msg = String::new();
                for f in &failures {
                    msg.push_str(&format!(
                        "case {} ({}): {}\n",
                        f.case,
                        f.kind,
                        f.shrunk.to_line()
                    ));
                    for d in &f.diffs {
                        msg.push_str(&format!("  {d}\n"));
                    }
                }
                Err(msg.into())
            })
            .with_kind("campaign"),
        );
        first = end;
    }
}
