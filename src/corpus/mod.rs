//! The conformance corpus: portable cases with NumPy's recorded answers.
//!
//! A *case* is a format-1 program plus the observation NumPy gave for it
//! (`expect`), with a permanent id (`VC-0001`), a one-line description,
//! feature tags (`corpus/FEATURES`), the NumPy versions the expectation holds
//! for, and its provenance. Cases live in `corpus/cases/<area>/<topic>.json`,
//! each file a JSON list of cases in the canonical layout that
//! [`format_case_file`] writes (see `corpus/README.md`).
//!
//! This module is the library behind four `viewcheck` subcommands:
//!
//! ```text
//! viewcheck validate                    # load + JSON Schema + typed checks: validate()
//! viewcheck replay --backend strided    # replay() at --level (default exact)
//! viewcheck record [--all | ID...]      # record(): fill / refresh `expect` from NumPy
//! viewcheck verify                      # verify(): recorded answers vs live NumPy (exact)
//! ```
//!
//! `record` writes only the files that hold recorded cases, in the canonical
//! layout (so a re-record that changes nothing changes no byte); an
//! expectation that changed must be listed by id in `corpus/CHANGELOG.md`.
//!
//! ```
//! use viewcheck::backend::StridedBackend;
//! use viewcheck::compare::Level;
//! use viewcheck::corpus::{self, Corpus, Status};
//! let corpus = Corpus::load(corpus::default_dir()).unwrap();
//! let results = corpus::replay(&corpus, &StridedBackend, Level::Values);
//! // Every case whose answer holds for the pinned NumPy (variant cases
//! // record other releases' answers).
//! let pin = viewcheck::regress::pinned_numpy_version();
//! assert_eq!(results.len(), corpus.cases().filter(|c| c.applies_to(pin)).count());
//! let passed = results.iter().filter(|r| r.status == Status::Pass).count();
//! assert!(passed > 0);
//! ```
//!
//! # Files
//!
//! This file holds the corpus location, the provenance kinds and
//! [`Problem`]; the rest is split by task:
//!
//! - `load.rs`: cases and loading ([`Case`], [`CaseFile`], [`Corpus`]);
//! - `versions.rs`: NumPy version specs ([`version_matches`]);
//! - `features.rs`: feature tags ([`derived_features`], [`expected_features`]);
//! - `validate.rs`: JSON Schemas and the typed checks ([`validate`]);
//! - `record.rs`: [`replay`], [`record`] and [`verify`];
//! - `matrix.rs`: the corpus across NumPy releases ([`plan`], [`ranges`]);
//! - `layout.rs`: the canonical layout of case files ([`format_case_file`]);
//! - `rules.rs`: the rules catalog `corpus/RULES.md` ([`check_catalog`]).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use crate::backend::Backend;
use crate::compare::{compare, guarded_run, silence_backend_panics, Difference, Level};
use crate::format::{Bound, Item, Observation, Order, Program, Step, StepOutcome, Value};

mod features;
mod layout;
mod load;
mod matrix;
mod record;
mod rules;
mod validate;
mod versions;

pub use features::*;
pub use layout::*;
pub use load::*;
pub use matrix::*;
pub use record::*;
pub use rules::*;
pub use validate::*;
pub use versions::*;

/// The corpus files compiled into the library (see `build.rs`).
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_corpus.rs"));
}

/// The embedded copy of `corpus/RULES.md` (the rules catalog of this
/// crate's version, whatever directory the corpus is read from).
pub fn embedded_rules_text() -> &'static str {
    embedded::RULES
}

/// The corpus shipped with this crate (`<crate>/corpus`).
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The kinds of provenance a case may have.
pub const PROVENANCE_KINDS: [&str; 5] =
    ["hand-written", "generated", "fuzz", "regression", "matrix"];

/// Feature tags that are set by hand (everything else in a case's
/// `features` is derived from its program and its expectation).
pub const MANUAL_FEATURES: [&str; 2] = ["seed-claim", "regression"];

// ---------------------------------------------------------------------------
// Problems

/// Something wrong with the corpus: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file, relative to the corpus root (empty for corpus-wide problems).
    pub file: PathBuf,
    /// The case, when the problem belongs to one.
    pub id: Option<String>,
    pub message: String,
}

impl Problem {
    fn new(file: impl Into<PathBuf>, id: Option<&str>, message: impl Into<String>) -> Problem {
        Problem {
            file: file.into(),
            id: id.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.as_os_str().is_empty() {
            write!(f, "{}: ", self.file.display())?;
        }
        if let Some(id) = &self.id {
            write!(f, "{id}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

/// Several problems at once (e.g. everything wrong found while loading).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch corpus directory with the real schemas and FEATURES.
    fn scratch(name: &str, cases: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("viewcheck-corpus-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("cases/demo")).unwrap();
        fs::create_dir_all(dir.join("schema")).unwrap();
        for f in ["program", "observation", "case"] {
            let rel = format!("schema/{f}.schema.json");
            fs::copy(default_dir().join(&rel), dir.join(&rel)).unwrap();
        }
        fs::copy(default_dir().join("FEATURES"), dir.join("FEATURES")).unwrap();
        fs::write(dir.join("cases/demo/t.json"), cases).unwrap();
        dir
    }

    #[test]
    fn record_validate_verify_round_trip() {
        use crate::backend::StridedBackend;
        let cases = r#"[
          {"id": "VC-0001", "description": "a view", "features": [], "numpy": [">=2.4.6,<2.5"],
           "provenance": {"kind": "hand-written", "numpy": "2.4.6"},
           "program": {"format": 1, "steps": [{"op": "array", "out": "a", "shape": [2, 3]},
                                               {"op": "index", "out": "b", "src": "a", "index": [1]}]}},
          {"id": "VC-0002", "description": "rejected", "features": ["seed-claim"], "numpy": ["2.4.6"],
           "provenance": {"kind": "hand-written", "numpy": "2.4.6"},
           "program": {"format": 1, "steps": [{"op": "copy", "out": "b", "src": "a"}]}},
          {"id": "VC-0003", "description": "old numpy only", "features": [], "numpy": ["<2"],
           "provenance": {"kind": "hand-written", "numpy": "1.26.4"},
           "program_text": "{"}
        ]"#;
        let dir = scratch("record", cases);
        let mut c = Corpus::load(&dir).unwrap();
        assert_eq!(c.len(), 3);
        let oracle = StridedBackend;
        let r = record(&mut c, &oracle, "2.4.6", &filter::all).unwrap();
        assert_eq!(r.new, ["VC-0001", "VC-0002"]);
        assert_eq!(r.not_applicable, ["VC-0003"]);
        let text = fs::read_to_string(dir.join("cases/demo/t.json")).unwrap();
        let c = Corpus::load(&dir).unwrap();
        assert_eq!(
            c.get("VC-0002").unwrap().features,
            ["format-error", "seed-claim"]
        );
        assert!(c
            .get("VC-0002")
            .unwrap()
            .expect
            .as_ref()
            .unwrap()
            .format_error
            .is_some());
        let problems: Vec<String> = validate(&c).iter().map(|p| p.to_string()).collect();
        // VC-0003 stays unrecorded (it is for NumPy < 2); nothing else is wrong.
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("VC-0003") && problems[0].contains("not recorded"));
        assert!(verify(&c, &oracle, "2.4.6").is_empty());
        // Re-recording changes no byte.
        let mut c = c;
        let r = record(
            &mut c,
            &oracle,
            "2.4.6",
            &filter::ids(&["VC-0001".to_string()]),
        )
        .unwrap();
        assert_eq!(r.unchanged, ["VC-0001"]);
        assert_eq!(
            fs::read_to_string(dir.join("cases/demo/t.json")).unwrap(),
            text
        );
        // A tampered expectation is drift, and re-recording reports the change.
        fs::write(
            dir.join("cases/demo/t.json"),
            text.replace("[3, 4, 5]", "[3, 4, 6]"),
        )
        .unwrap();
        let mut c = Corpus::load(&dir).unwrap();
        let drift = verify(&c, &oracle, "2.4.6");
        assert_eq!(drift.len(), 1);
        assert_eq!(
            drift[0].diffs[0].to_string(),
            "arrays.b.values[2]: expected 6 got 5"
        );
        let r = record(&mut c, &oracle, "2.4.6", &filter::all).unwrap();
        assert_eq!(r.changed.len(), 1);
        assert_eq!(
            fs::read_to_string(dir.join("cases/demo/t.json")).unwrap(),
            text
        );
        // A new case gets the next id after the largest one in use.
        let new_case = serde_json::json!({"id": "fuzz-XXXX", "description": "added",
            "features": [], "numpy": [">=2.4.6,<2.5"],
            "provenance": {"kind": "fuzz", "numpy": "2.4.6"},
            "program": {"format": 1, "steps": [{"op": "array", "out": "a", "shape": [2]}]}});
        assert_eq!(
            c.add_case("regressions", "fuzz", new_case).unwrap(),
            "VC-0004"
        );
        let r = record(&mut c, &oracle, "2.4.6", &filter::unrecorded).unwrap();
        assert_eq!(r.new, ["VC-0004"]);
        let c = Corpus::load(&dir).unwrap();
        assert_eq!(c.get("VC-0004").unwrap().area, "regressions");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn load_rejects_duplicate_and_malformed_ids() {
        let cases = r#"[
          {"id": "VC-0001", "description": "x", "features": [], "numpy": ["2.4.6"],
           "provenance": {"kind": "hand-written", "numpy": "2.4.6"}, "program": {"format": 1, "steps": []}},
          {"id": "VC-0001", "description": "y", "features": [], "numpy": ["2.4.6"],
           "provenance": {"kind": "hand-written", "numpy": "2.4.6"}, "program": {"format": 1, "steps": []}},
          {"id": "VC-1", "description": "z", "features": [], "numpy": ["2.4.6"],
           "provenance": {"kind": "hand-written", "numpy": "2.4.6"}, "program": {"format": 1, "steps": []}}
        ]"#;
        let dir = scratch("ids", cases);
        let err = Corpus::load(&dir).unwrap_err().to_string();
        assert!(err.contains("VC-0001: duplicate id"), "{err}");
        assert!(err.contains("malformed id \"VC-1\""), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }
}
