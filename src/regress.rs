//! From a fuzz crash artifact to a regression corpus case.
//!
//! The generator-driven fuzz targets (`differential`, `invariants`,
//! `roundtrip_numpy`) turn their input bytes into a program with
//! [`program_from_bytes`]; an artifact therefore *is* a program, but only for
//! this exact mapping and [`fuzz_config`]. [`import_crash`] makes it
//! permanent: it regenerates the program, re-runs what the targets check
//! (the strided crate, the invariants, and NumPy when an oracle is given),
//! and builds a corpus case object that no longer depends on the generator.
//! Artifacts of the `format` target are program text and are read as such.
//!
//! A program on which nothing fails is refused, but the refusal carries
//! what the import found:
//!
//! ```
//! use viewcheck::regress::{import_crash, ArtifactKind, ImportError};
//! let artifact = br#"{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [2, 2]},
//!     {"op": "diagonal", "out": "d", "src": "a"}]}"#;
//! let Err(ImportError::NothingFails(imported)) = import_crash(artifact, ArtifactKind::Auto, None)
//!     else { panic!("nothing fails on this program") };
//! assert_eq!(imported.kind, ArtifactKind::ProgramJson);
//! assert!(imported.violation.is_none());
//! assert_eq!(imported.case["provenance"]["kind"], "fuzz");
//! assert_eq!(imported.case["program"]["steps"][1]["op"], "diagonal");
//! ```

use std::fmt;

use arbitrary::Unstructured;
use serde_json::{json, Value as Json};

use crate::backend::{Backend, BackendError, StridedBackend, StridedRun};
use crate::compare::{compare, first_divergent_step, guarded_run, Difference, Level};
use crate::corpus::{derived_features, CaseProgram};
use crate::format::{Observation, Program};
use crate::generate::{generate, generate_with, GenConfig};
use crate::invariants::{check_program, generate_checked, Violation};

/// The `id` a freshly imported case carries until it is given its permanent
/// one. It is deliberately not a well-formed id, so that
/// [`Corpus::add_case`](crate::corpus::Corpus::add_case) replaces it with the
/// next free one.
pub const ID_PLACEHOLDER: &str = "VC-XXXX";

/// The `provenance.kind` of imported cases.
pub const PROVENANCE: &str = "fuzz";

/// The NumPy version the oracle pins (`oracle/requirements.txt`), recorded
/// as `provenance.numpy` when the oracle did not run.
pub fn pinned_numpy_version() -> &'static str {
    include_str!("../oracle/requirements.txt")
        .lines()
        .find_map(|l| l.trim().strip_prefix("numpy=="))
        .unwrap_or("2.4.6")
}

/// The corpus's usual version specifier for a NumPy version: `2.4.6` gives
/// `>=2.4.6,<2.5`.
fn numpy_spec(version: &str) -> String {
    let mut parts = version.split('.');
    match (
        parts.next().and_then(|p| p.parse::<u64>().ok()),
        parts.next().and_then(|p| p.parse::<u64>().ok()),
    ) {
        (Some(major), Some(minor)) => format!(">={version},<{major}.{}", minor + 1),
        _ => version.to_string(),
    }
}

/// The generator configuration of the fuzz targets. Changing it (or
/// `GenConfig::default`) changes which program an old artifact stands for;
/// imported corpus cases do not depend on it.
pub fn fuzz_config() -> GenConfig {
    GenConfig::default()
}

/// The program a generator-driven fuzz target runs for `bytes`, or `None`
/// when the generator gives up on them (the target then does nothing).
pub fn program_from_bytes(bytes: &[u8]) -> Option<Program> {
    let mut u = Unstructured::new(bytes);
    generate(&mut u, &fuzz_config()).ok()
}

/// What the `differential` fuzz target runs for `bytes`: the program of
/// [`program_from_bytes`] and the strided crate's observation of it (what
/// [`StridedBackend`] would report), taken from the run the generator makes
/// anyway — every step runs once.
pub fn observed_program_from_bytes(bytes: &[u8]) -> (Program, Result<Observation, BackendError>) {
    let mut u = Unstructured::new(bytes);
    let mut run = StridedRun::default();
    let program = generate_with(&mut u, &fuzz_config(), &mut run);
    (program, run.finish())
}

/// What the `invariants` fuzz target does with `bytes`: the program of
/// [`program_from_bytes`], generated and checked in one pass
/// ([`generate_checked`]); on a violation the program ends with the
/// violating step.
pub fn checked_program_from_bytes(bytes: &[u8]) -> (Program, Result<(), Violation>) {
    let mut u = Unstructured::new(bytes);
    generate_checked(&mut u, &fuzz_config())
}

/// A program as one JSON line (what every report prints).
pub fn render_program(program: &Program) -> String {
    program.to_json().to_string()
}

/// The report of a differential failure, in the CLI's layout: the program
/// line, the first divergent step when known, and one line per
/// [`Difference`] (`path: expected X got Y`, NumPy being "expected").
pub fn render_failure(
    program: &Program,
    diffs: &[Difference],
    first_step: Option<usize>,
) -> String {
    let mut out = format!("program: {}\n", render_program(program));
    match first_step {
        Some(k) => out.push_str(&format!(
            "first divergent step: steps[{k}] {}\n",
            program.to_json()["steps"][k]
        )),
        None => out.push_str("first divergent step: none (no prefix diverges on its own)\n"),
    }
    out.push_str("differences (expected = numpy, got = strided):\n");
    for d in diffs {
        out.push_str(&format!("  {d}\n"));
    }
    out
}

/// How to read an artifact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactKind {
    /// Program JSON if the bytes are a valid format-1 program, otherwise
    /// generator bytes.
    Auto,
    /// Bytes of a generator-driven target (`differential`, `invariants`,
    /// `roundtrip_numpy`).
    GeneratorBytes,
    /// Program text (artifacts of the `format` target, or a program file).
    ProgramJson,
}

/// Why an artifact could not be imported.
#[derive(Debug)]
pub enum ImportError {
    /// The artifact has no bytes: the generator would make its default
    /// program of nothing, which is no crash input.
    Empty,
    /// The generator produced no program from the bytes.
    NoProgram,
    /// The bytes are not a valid format-1 program (with the reason).
    NotAProgram(String),
    /// The program has no steps, so there is nothing it could reproduce.
    Trivial,
    /// Every check that ran passes on the program: it reproduces no
    /// failure (any more), and a case of it would test nothing new. The
    /// import is kept for inspection.
    NothingFails(Box<Imported>),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Empty => write!(f, "the artifact is empty, so it is no crash input"),
            ImportError::NoProgram => write!(f, "the generator makes no program of these bytes"),
            ImportError::NotAProgram(e) => write!(f, "not a format-1 program: {e}"),
            ImportError::Trivial => write!(f, "the program has no steps, so it reproduces nothing"),
            ImportError::NothingFails(i) => {
                write!(
                    f,
                    "it reproduces no failure: the invariants hold, the strided crate runs it"
                )?;
                match &i.numpy {
                    Some(_) => write!(f, " and agrees with NumPy at level exact")?,
                    None => write!(
                        f,
                        " (NumPy was not run, so a difference from it was not looked for)"
                    )?,
                }
                write!(f, "; program: {}", render_program(&i.program))
            }
        }
    }
}

impl std::error::Error for ImportError {}

/// An imported artifact: the program, what each check says about it, and the
/// corpus case.
#[derive(Debug)]
pub struct Imported {
    /// How the artifact was read (never `Auto`).
    pub kind: ArtifactKind,
    /// The program the fuzz target ran.
    pub program: Program,
    /// The first invariant violation on the strided crate, if any.
    pub violation: Option<Violation>,
    /// The strided crate's observation (an error if it panicked).
    pub strided: Result<Observation, BackendError>,
    /// NumPy's observation, when an oracle was given.
    pub numpy: Option<Result<Observation, BackendError>>,
    /// `compare(numpy, strided, exact)` when both ran.
    pub differences: Vec<Difference>,
    /// The first step after which the two differ, when they do.
    pub first_divergent_step: Option<usize>,
    /// The corpus case (`corpus/schema/case.schema.json`): `id` (the
    /// placeholder [`ID_PLACEHOLDER`]), a one-line `description` of what
    /// failed, the derived `features`, `numpy`, `provenance` (`kind`
    /// "fuzz"), the `program`, and `expect` (NumPy's observation) when the
    /// oracle ran; without it the corpus tooling records `expect` later.
    pub case: Json,
}

impl Imported {
    /// Whether anything failed: a violation, a backend failure or a difference.
    pub fn failed(&self) -> bool {
        self.violation.is_some()
            || self.strided.is_err()
            || matches!(self.numpy, Some(Err(_)))
            || !self.differences.is_empty()
    }

    /// A human-readable report: the program line, then each finding
    /// (violation, backend failure, differences in `compare`'s rendering).
    pub fn report(&self) -> String {
        let mut out = String::new();
        if let Some(v) = &self.violation {
            out.push_str(&format!("invariant violated: {v}\n"));
        }
        if let Err(e) = &self.strided {
            out.push_str(&format!("{e}\n"));
        }
        if let Some(Err(e)) = &self.numpy {
            out.push_str(&format!("{e}\n"));
        }
        if !self.differences.is_empty() {
            out.push_str(&render_failure(
                &self.program,
                &self.differences,
                self.first_divergent_step,
            ));
        } else {
            out.push_str(&format!("program: {}\n", render_program(&self.program)));
            if self.numpy.is_none() {
                out.push_str("numpy: not run (no oracle)\n");
            } else if !self.failed() {
                out.push_str("strided and numpy agree at level exact\n");
            }
        }
        out
    }
}

/// Turns a crash artifact into a corpus case.
///
/// The program is regenerated from the bytes ([`program_from_bytes`]) or
/// parsed from them (see [`ArtifactKind`]). Then the strided crate runs it
/// under [`check_program`] and as a backend, and, if `numpy` is given, NumPy
/// runs it and the two are compared at `exact`. The case records NumPy's
/// observation only when the oracle ran (a case without one must be given
/// its observation by the corpus tooling before it can be replayed).
///
/// Refused: an empty artifact ([`ImportError::Empty`]), a program without
/// steps ([`ImportError::Trivial`]) and a program on which nothing fails
/// ([`ImportError::NothingFails`], which still carries the import): random
/// bytes also make a program, so only a failure shows that an artifact is
/// a crash input.
pub fn import_crash(
    artifact: &[u8],
    kind: ArtifactKind,
    numpy: Option<&dyn Backend>,
) -> Result<Imported, ImportError> {
    if artifact.is_empty() {
        return Err(ImportError::Empty);
    }
    let imported = examine(artifact, kind, numpy)?;
    if imported.program.steps.is_empty() {
        return Err(ImportError::Trivial);
    }
    if !imported.failed() {
        return Err(ImportError::NothingFails(Box::new(imported)));
    }
    Ok(imported)
}

/// [`import_crash`] without its refusals: the program of any artifact,
/// what every check says about it, and its case.
fn examine(
    artifact: &[u8],
    kind: ArtifactKind,
    numpy: Option<&dyn Backend>,
) -> Result<Imported, ImportError> {
    let as_json = || -> Result<Program, ImportError> {
        let text = std::str::from_utf8(artifact)
            .map_err(|e| ImportError::NotAProgram(format!("not UTF-8: {e}")))?;
        Program::parse(text).map_err(|e| ImportError::NotAProgram(e.to_string()))
    };
    let (kind, program) = match kind {
        ArtifactKind::ProgramJson => (kind, as_json()?),
        ArtifactKind::GeneratorBytes => (
            kind,
            program_from_bytes(artifact).ok_or(ImportError::NoProgram)?,
        ),
        ArtifactKind::Auto => match as_json() {
            Ok(p) => (ArtifactKind::ProgramJson, p),
            Err(_) => (
                ArtifactKind::GeneratorBytes,
                program_from_bytes(artifact).ok_or(ImportError::NoProgram)?,
            ),
        },
    };
    crate::compare::silence_backend_panics();
    let violation = std::panic::catch_unwind(|| check_program(&program))
        .unwrap_or_else(|_| unreachable_panic())
        .err();
    let strided = guarded_run(&StridedBackend, &program);
    let numpy_obs = numpy.map(|b| guarded_run(b, &program));
    let (differences, first) = match (&numpy_obs, &strided) {
        (Some(Ok(e)), Ok(g)) => {
            let diffs = compare(e, g, Level::Exact);
            let first = if diffs.is_empty() {
                None
            } else {
                numpy.and_then(|b| first_divergent_step(&program, b, &StridedBackend, Level::Exact))
            };
            (diffs, first)
        }
        _ => (Vec::new(), None),
    };
    let mut finding = None;
    if let Some(v) = &violation {
        finding = Some(format!("invariant violated at {v}"));
    } else if let Err(e) = &strided {
        finding = Some(e.to_string());
    } else if let Some(d) = differences.first() {
        finding = Some(format!("strided differed from NumPy: {d}"));
    } else if let Some(Err(e)) = &numpy_obs {
        finding = Some(e.to_string());
    }
    let mut description = match finding {
        Some(f) => format!("Fuzz regression: {f}"),
        None => "Fuzz regression: a fuzz crash input (nothing fails on it now)".to_string(),
    };
    description = description.replace(['\n', '\r'], " ");
    if description.chars().count() > 200 {
        description = description.chars().take(197).collect::<String>() + "...";
    }
    let expect = match &numpy_obs {
        Some(Ok(obs)) => Some(obs),
        _ => None,
    };
    let version = expect
        .and_then(|o| o.extra.get("numpy"))
        .and_then(Json::as_str)
        .unwrap_or_else(|| pinned_numpy_version())
        .to_string();
    let features: Vec<String> = derived_features(&CaseProgram::Valid(program.clone()), expect)
        .into_iter()
        .collect();
    let mut case = serde_json::Map::new();
    case.insert("id".into(), json!(ID_PLACEHOLDER));
    case.insert("description".into(), json!(description));
    case.insert("features".into(), json!(features));
    case.insert("numpy".into(), json!([numpy_spec(&version)]));
    case.insert(
        "provenance".into(),
        json!({"kind": PROVENANCE, "numpy": version}),
    );
    case.insert("program".into(), program.to_json());
    if let Some(obs) = expect {
        case.insert("expect".into(), obs.to_json());
    }
    Ok(Imported {
        kind,
        program,
        violation,
        strided,
        numpy: numpy_obs,
        differences,
        first_divergent_step: first,
        case: Json::Object(case),
    })
}

/// `check_program` catches the crate's panics itself; a panic escaping it
/// is a bug in the checker, reported as such.
fn unreachable_panic() -> Result<(), Violation> {
    Err(Violation {
        step: 0,
        op: "?",
        property: crate::invariants::Property::Panic,
        message: "the invariant checker itself panicked".into(),
    })
}
