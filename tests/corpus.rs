//! The conformance corpus as tests (libtest-mimic harness).
//!
//! * `VC-0001`, `VC-0002`, ...: one test per case, replaying its program on
//!   the strided crate and comparing with the recorded NumPy answer at the
//!   `exact` level. Python-free: runs with `--no-default-features`.
//! * `verify::VC-0001`, ... (feature `oracle` only): the recorded answer
//!   against the live embedded NumPy, at `exact`; cases whose `numpy`
//!   versions exclude the oracle's NumPy are ignored.
//! * `corpus::validate`: JSON Schema and consistency checks of every case.
//! * `catalog::rules`: `corpus/RULES.md` names existing cases (at least two
//!   per rule) and existing functions.
//!
//! ```text
//! cargo test --test corpus                 # everything
//! cargo test --test corpus VC-0042         # one case (replay and verify)
//! cargo test --test corpus -- --skip verify::
//! ```

use std::path::Path;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};
use viewcheck::backend::{Backend, StridedBackend};
use viewcheck::compare::{silence_backend_panics, Level};
use viewcheck::corpus::{self, Case, CaseProgram, Corpus, Status};

/// The failure report of one case: id, file, description, the differences
/// (expected = NumPy's recorded answer) and the program.
fn failure(case: &Case, backend: &str, status: Status) -> Failed {
    let mut msg = format!(
        "{} ({}) on {backend}: {}\n",
        case.id,
        case.file.display(),
        case.description
    );
    match status {
        Status::Pass => return Failed::without_message(),
        Status::Fail(diffs) => {
            msg.push_str("differences (expected = recorded NumPy answer):\n");
            for d in diffs {
                msg.push_str(&format!("  {d}\n"));
            }
        }
        Status::BackendError(e) => msg.push_str(&format!("backend error: {e}\n")),
        Status::Unsupported(e) => msg.push_str(&format!("unsupported: {e}\n")),
        Status::Crash(e) => msg.push_str(&format!("crash: {e}\n")),
        Status::Timeout(e) => msg.push_str(&format!("timeout: {e}\n")),
        Status::Unrecorded => {
            msg.push_str("the case has no recorded `expect` (run `viewcheck record`)\n")
        }
    }
    match &case.program {
        CaseProgram::Valid(p) => msg.push_str(&format!("program: {}", p.to_line())),
        CaseProgram::Rejected(e) => msg.push_str(&format!("program rejected: {e}")),
    }
    msg.into()
}

fn check(case: &Case, backend: &dyn Backend) -> Result<(), Failed> {
    match corpus::replay_case(case, backend, Level::Exact) {
        Status::Pass => Ok(()),
        other => Err(failure(case, backend.name(), other)),
    }
}

fn catalog(corpus: &Corpus) -> Result<(), Failed> {
    let path = corpus.root.join("RULES.md");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let problems = corpus::check_catalog(corpus, &text, workspace);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} problem(s) in RULES.md:\n  {}",
            problems.len(),
            problems.join("\n  ")
        )
        .into())
    }
}

/// Every malformed JSON program of the corpus is rejected by the program
/// schema too, except for the rules JSON Schema cannot express (binding
/// order, raggedness, element counts, integers written as `1.0`).
fn schema_rejects(corpus: &Corpus) -> Result<(), Failed> {
    let schemas = corpus::SchemaSet::load(&corpus.root).map_err(|e| e.to_string())?;
    let beyond_schema = [
        "is not bound by an earlier step",
        "is already bound",
        "ragged index array",
        "elements exceed the",
        ".0",
    ];
    let mut wrong = Vec::new();
    for case in corpus.cases() {
        let (CaseProgram::Rejected(message), Some(program)) =
            (&case.program, case.raw.get("program"))
        else {
            continue;
        };
        if schemas.validate_program(program).is_ok()
            && !beyond_schema.iter().any(|k| message.contains(k))
        {
            wrong.push(format!(
                "{}: the schema accepts a program the parser rejects ({message})",
                case.id
            ));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("\n").into())
    }
}

fn main() {
    let args = Arguments::from_args();
    silence_backend_panics();
    let mut trials = Vec::new();
    match Corpus::load(corpus::default_dir()) {
        Err(problems) => {
            let msg = problems.to_string();
            trials.push(Trial::test("corpus::load", move || Err(msg.into())));
        }
        Ok(c) => {
            let c = Arc::new(c);
            let v = Arc::clone(&c);
            trials.push(Trial::test("corpus::validate", move || {
                let problems = corpus::validate(&v);
                if problems.is_empty() {
                    return Ok(());
                }
                let lines: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
                Err(format!("{} problem(s):\n  {}", lines.len(), lines.join("\n  ")).into())
            }));
            let r = Arc::clone(&c);
            trials.push(Trial::test("catalog::rules", move || catalog(&r)));
            let s = Arc::clone(&c);
            trials.push(Trial::test("corpus::schema-rejects", move || {
                schema_rejects(&s)
            }));
            // The strided crate follows the pin; variant cases record the
            // answers of other releases (checked by `viewcheck matrix`).
            let pin = viewcheck::regress::pinned_numpy_version();
            for case in c.cases().filter(|case| case.applies_to(pin)) {
                let case = case.clone();
                let kind = case.area.clone();
                trials.push(
                    Trial::test(case.id.clone(), move || check(&case, &StridedBackend))
                        .with_kind(kind),
                );
            }
            #[cfg(feature = "oracle")]
            oracle_trials(&c, &mut trials);
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

/// One `verify::<id>` trial per case: the recorded answer against the live
/// NumPy. If the oracle cannot start, every trial fails with the reason.
#[cfg(feature = "oracle")]
fn oracle_trials(c: &Corpus, trials: &mut Vec<Trial>) {
    use viewcheck::backend::NumpyBackend;
    let oracle = NumpyBackend::new().map_err(|e| e.to_string());
    let version = oracle
        .as_ref()
        .map(|o| o.numpy_version())
        .unwrap_or_default();
    for case in c.cases() {
        let case = case.clone();
        let kind = case.area.clone();
        let ignored = oracle.is_ok() && !case.applies_to(&version);
        let oracle = oracle.clone();
        trials.push(
            Trial::test(format!("verify::{}", case.id), move || match &oracle {
                Ok(np) => check(&case, np),
                Err(e) => Err(format!("{}: the NumPy oracle is unavailable: {e}", case.id).into()),
            })
            .with_kind(kind)
            .with_ignored_flag(ignored),
        );
    }
}
