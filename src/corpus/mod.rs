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
//! assert_eq!(results.len(), corpus.len());
//! let passed = results.iter().filter(|r| r.status == Status::Pass).count();
//! assert!(passed > 0);
//! ```

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use crate::backend::Backend;
use crate::compare::{compare, guarded_run, silence_backend_panics, Difference, Level};
use crate::format::{Bound, Item, Observation, Order, Program, Step, StepOutcome, Value};

/// The corpus files compiled into the library (see `build.rs`).
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_corpus.rs"));
}

/// The corpus shipped with this crate (`<crate>/corpus`).
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The kinds of provenance a case may have.
pub const PROVENANCE_KINDS: [&str; 4] = ["hand-written", "generated", "fuzz", "regression"];

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

// ---------------------------------------------------------------------------
// Cases

/// A case's program: valid (run by backends) or rejected whole by format 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseProgram {
    Valid(Program),
    /// The format error the typed parser reports (path and message).
    Rejected(String),
}

/// One conformance case.
#[derive(Clone, Debug)]
pub struct Case {
    /// Permanent id, `VC-` and at least four digits.
    pub id: String,
    /// The directory under `cases/` the case lives in.
    pub area: String,
    /// The file, relative to the corpus root.
    pub file: PathBuf,
    pub description: String,
    pub features: Vec<String>,
    /// NumPy versions (or specifiers such as `>=2.4.6,<2.5`) the expectation holds for.
    pub numpy: Vec<String>,
    /// `hand-written`, `generated`, `fuzz` or `regression`.
    pub provenance_kind: String,
    /// The NumPy version that produced `expect`.
    pub provenance_numpy: String,
    pub program: CaseProgram,
    /// The recorded observation; `None` until the case is recorded.
    pub expect: Option<Observation>,
    /// The case object exactly as read (what `record` edits and writes back).
    pub raw: Map<String, Json>,
}

impl Case {
    /// The observation a validating front end produces for this program
    /// without running it, if the program is rejected whole.
    pub fn rejection(&self) -> Option<Observation> {
        match &self.program {
            CaseProgram::Rejected(m) => Some(Observation::rejected(m.clone())),
            CaseProgram::Valid(_) => None,
        }
    }

    /// Whether the expectation claims to hold for NumPy `version`.
    pub fn applies_to(&self, version: &str) -> bool {
        self.numpy
            .iter()
            .any(|spec| version_matches(spec, version).unwrap_or(false))
    }

    /// Runs the case's program on `backend` (a rejected program is not run:
    /// its observation is the rejection).
    pub fn run(&self, backend: &dyn Backend) -> Result<Observation, String> {
        match &self.program {
            CaseProgram::Rejected(m) => Ok(Observation::rejected(m.clone())),
            CaseProgram::Valid(p) => guarded_run(backend, p).map_err(|e| e.to_string()),
        }
    }
}

/// One file of cases.
#[derive(Clone, Debug)]
pub struct CaseFile {
    /// Relative to the corpus root, e.g. `cases/slicing/basic.json`.
    pub path: PathBuf,
    pub cases: Vec<Case>,
}

/// Every case of a corpus directory.
#[derive(Clone, Debug)]
pub struct Corpus {
    /// The corpus directory (holding `cases/`, `schema/`, `FEATURES`, ...).
    pub root: PathBuf,
    /// Files in path order.
    pub files: Vec<CaseFile>,
}

/// What [`Corpus::load_what_parses`] found.
struct Loaded {
    /// The cases that could be read.
    corpus: Corpus,
    /// Why the others could not.
    problems: Vec<Problem>,
    /// Files some of whose cases are missing from `corpus`.
    incomplete: HashSet<PathBuf>,
}

fn walk_json(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if e.file_type()?.is_dir() {
            walk_json(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    Ok(())
}

/// Whether `id` is a well-formed case id: `VC-` then at least four digits
/// (no sign, and no leading zero beyond the four-digit padding).
pub fn is_valid_id(id: &str) -> bool {
    let Some(digits) = id.strip_prefix("VC-") else {
        return false;
    };
    digits.len() >= 4
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits.len() == 4 || !digits.starts_with('0'))
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Reads one case object. Every field is checked, so a case with several
/// problems reports all of them; a case whose id is unusable is named by its
/// position in the file (`[index]`).
fn parse_case(v: &Json, file: &Path, area: &str, index: usize) -> Result<Case, Vec<Problem>> {
    let Json::Object(m) = v else {
        return Err(vec![Problem::new(
            file,
            None,
            format!("[{index}]: a case is an object"),
        )]);
    };
    let mut problems = Vec::new();
    let id = match m.get("id") {
        Some(Json::String(s)) if is_valid_id(s) => Some(s.clone()),
        Some(Json::String(s)) => {
            problems.push(Problem::new(
                file,
                None,
                format!("[{index}]: malformed id {s:?} (expected VC-0000)"),
            ));
            None
        }
        _ => {
            problems.push(Problem::new(
                file,
                None,
                format!("[{index}]: missing string field `id`"),
            ));
            None
        }
    };
    let mut fail = |msg: String| {
        let msg = match &id {
            Some(_) => msg,
            None => format!("[{index}]: {msg}"),
        };
        problems.push(Problem::new(file, id.as_deref(), msg));
    };
    let string = |key: &str, fail: &mut dyn FnMut(String)| match m.get(key) {
        Some(Json::String(s)) => Some(s.clone()),
        _ => {
            fail(format!("missing string field `{key}`"));
            None
        }
    };
    let strings = |key: &str, fail: &mut dyn FnMut(String)| match m.get(key) {
        Some(Json::Array(items)) => {
            let out: Option<Vec<String>> = items
                .iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect();
            if out.is_none() {
                fail(format!("`{key}` holds a non-string"));
            }
            out
        }
        _ => {
            fail(format!("missing list field `{key}`"));
            None
        }
    };
    let description = string("description", &mut fail);
    let features = strings("features", &mut fail);
    let numpy = strings("numpy", &mut fail);
    let provenance = match m.get("provenance") {
        Some(Json::Object(p)) => match (p.get("kind"), p.get("numpy")) {
            (Some(Json::String(k)), Some(Json::String(n))) => Some((k.clone(), n.clone())),
            _ => {
                fail("`provenance` needs string fields `kind` and `numpy`".into());
                None
            }
        },
        _ => {
            fail("missing object field `provenance`".into());
            None
        }
    };
    let parsed = match (m.get("program"), m.get("program_text")) {
        (Some(p), None) => Some(Program::from_json(p)),
        (None, Some(Json::String(t))) => Some(Program::parse(t)),
        (None, Some(_)) => {
            fail("`program_text` must be a string".into());
            None
        }
        (Some(_), Some(_)) => {
            fail("a case has `program` or `program_text`, not both".into());
            None
        }
        (None, None) => {
            fail("missing field `program`".into());
            None
        }
    };
    let program = parsed.map(|p| match p {
        Ok(p) => CaseProgram::Valid(p),
        Err(e) => CaseProgram::Rejected(e.to_string()),
    });
    let expect = match m.get("expect") {
        None | Some(Json::Null) => Some(None),
        Some(e) => match Observation::from_json(e) {
            Ok(o) => Some(Some(o)),
            Err(e) => {
                fail(format!("expect: {e}"));
                None
            }
        },
    };
    match (
        id,
        description,
        features,
        numpy,
        provenance,
        program,
        expect,
    ) {
        (
            Some(id),
            Some(description),
            Some(features),
            Some(numpy),
            Some((provenance_kind, provenance_numpy)),
            Some(program),
            Some(expect),
        ) if problems.is_empty() => Ok(Case {
            id,
            area: area.to_string(),
            file: file.to_path_buf(),
            description,
            features,
            numpy,
            provenance_kind,
            provenance_numpy,
            program,
            expect,
            raw: m.clone(),
        }),
        _ => Err(problems),
    }
}

impl Corpus {
    /// Loads every case under `root/cases`. Fails with every problem found
    /// when a file is not a JSON list of cases, a case lacks a field or has a
    /// malformed id, or two cases share an id. (Schema and consistency checks
    /// are [`validate`]'s; [`validate_dir`] reports both kinds together.)
    pub fn load(root: impl Into<PathBuf>) -> Result<Corpus, Problems> {
        let loaded = Corpus::load_what_parses(root.into())?;
        if loaded.problems.is_empty() {
            Ok(loaded.corpus)
        } else {
            Err(Problems(loaded.problems))
        }
    }

    /// The corpus built into this library (the same files as `corpus/` of
    /// the viewcheck version it is): what an implementer's tests replay
    /// without a checkout of viewcheck. Its `root` is where the files came
    /// from at build time, which need not exist.
    pub fn embedded() -> Result<Corpus, Problems> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let texts = embedded::FILES
            .iter()
            .map(|(rel, text)| (root.join(rel), Ok(text.to_string())))
            .collect();
        let loaded = Corpus::load_texts(root, texts);
        if loaded.problems.is_empty() {
            Ok(loaded.corpus)
        } else {
            Err(Problems(loaded.problems))
        }
    }

    /// `RULES.md`: from the corpus directory, or the embedded copy when the
    /// directory is not there.
    pub fn rules_text(&self) -> String {
        fs::read_to_string(self.root.join("RULES.md")).unwrap_or_else(|_| embedded::RULES.into())
    }

    /// `VERSION`, as [`Corpus::rules_text`] finds it.
    pub fn version(&self) -> String {
        fs::read_to_string(self.root.join("VERSION"))
            .unwrap_or_else(|_| embedded::VERSION.into())
            .trim()
            .to_string()
    }

    /// Loads every case that can be read, and lists what could not. Fails
    /// only when `root/cases` itself cannot be read.
    fn load_what_parses(root: PathBuf) -> Result<Loaded, Problems> {
        let cases_dir = root.join("cases");
        let mut paths = Vec::new();
        if let Err(e) = walk_json(&cases_dir, &mut paths) {
            return Err(Problems(vec![Problem::new(
                "cases",
                None,
                format!("cannot read {}: {e}", cases_dir.display()),
            )]));
        }
        let texts = paths
            .into_iter()
            .map(|p| {
                let t = fs::read_to_string(&p).map_err(|e| e.to_string());
                (p, t)
            })
            .collect();
        Ok(Corpus::load_texts(root, texts))
    }

    /// Parses case files given as (path, text or read error).
    fn load_texts(root: PathBuf, texts: Vec<(PathBuf, Result<String, String>)>) -> Loaded {
        let cases_dir = root.join("cases");
        let mut problems = Vec::new();
        let mut incomplete = HashSet::new();
        let mut files = Vec::new();
        let mut seen: HashMap<String, PathBuf> = HashMap::new();
        for (path, text) in texts {
            let rel = path.strip_prefix(&root).unwrap_or(&path).to_path_buf();
            let area = path
                .strip_prefix(&cases_dir)
                .ok()
                .and_then(|p| p.components().next())
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_default();
            if path.parent() == Some(cases_dir.as_path()) {
                problems.push(Problem::new(&rel, None, "case files live in cases/<area>/"));
                continue;
            }
            let text = match text {
                Ok(t) => t,
                Err(e) => {
                    problems.push(Problem::new(&rel, None, format!("cannot read: {e}")));
                    continue;
                }
            };
            // The strict reader: a duplicate key in a case must not
            // silently keep its last value.
            let doc: Json = match crate::format::json_from_str(&text) {
                Ok(d) => d,
                Err(e) => {
                    problems.push(Problem::new(&rel, None, format!("invalid JSON: {e}")));
                    continue;
                }
            };
            let Json::Array(items) = doc else {
                problems.push(Problem::new(
                    &rel,
                    None,
                    "a case file is a JSON list of cases",
                ));
                continue;
            };
            let mut cases = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match parse_case(item, &rel, &area, i) {
                    Ok(c) => {
                        if let Some(first) = seen.insert(c.id.clone(), rel.clone()) {
                            problems.push(Problem::new(
                                &rel,
                                Some(&c.id),
                                format!("duplicate id (also in {})", first.display()),
                            ));
                        }
                        cases.push(c);
                    }
                    Err(ps) => {
                        incomplete.insert(rel.clone());
                        problems.extend(ps);
                    }
                }
            }
            files.push(CaseFile { path: rel, cases });
        }
        Loaded {
            corpus: Corpus { root, files },
            problems,
            incomplete,
        }
    }

    /// Every case, in file order.
    pub fn cases(&self) -> impl Iterator<Item = &Case> {
        self.files.iter().flat_map(|f| f.cases.iter())
    }

    /// The number of cases.
    pub fn len(&self) -> usize {
        self.files.iter().map(|f| f.cases.len()).sum()
    }

    /// Whether the corpus has no case.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The case with this id.
    pub fn get(&self, id: &str) -> Option<&Case> {
        self.cases().find(|c| c.id == id)
    }

    /// Case counts per area, in area order.
    pub fn areas(&self) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for c in self.cases() {
            match counts.iter_mut().find(|(a, _)| *a == c.area) {
                Some((_, n)) => *n += 1,
                None => counts.push((c.area.clone(), 1)),
            }
        }
        counts.sort();
        counts
    }

    /// The ids listed in `RETIRED` (removed cases; never reused).
    pub fn retired(&self) -> Vec<String> {
        fs::read_to_string(self.root.join("RETIRED"))
            .map(|t| {
                t.lines()
                    .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The next unused case id: one more than the largest id in use or
    /// retired (ids are never reused).
    pub fn next_id(&self) -> String {
        let max = self
            .cases()
            .map(|c| c.id.clone())
            .chain(self.retired())
            .filter_map(|id| id.strip_prefix("VC-").and_then(|d| d.parse::<u64>().ok()))
            .max()
            .unwrap_or(0);
        format!("VC-{:04}", max + 1)
    }

    /// Adds a case (e.g. a fuzz regression from `viewcheck::regress`) to
    /// `cases/<area>/<topic>.json`, creating the file if needed, and writes
    /// that file in the canonical layout. An `id` that is missing or not a
    /// well-formed case id is replaced by [`Corpus::next_id`]; the case must
    /// otherwise load (a `program`, `description`, `features`, `numpy` and
    /// `provenance` object); `expect` may be left out and filled by
    /// [`record`]. Returns the case's id.
    pub fn add_case(&mut self, area: &str, topic: &str, case: Json) -> Result<String, Problem> {
        let rel = PathBuf::from("cases")
            .join(area)
            .join(format!("{topic}.json"));
        if !is_kebab(area) || !is_kebab(topic) {
            return Err(Problem::new(
                &rel,
                None,
                "area and topic must be kebab-case",
            ));
        }
        let Json::Object(mut m) = case else {
            return Err(Problem::new(&rel, None, "a case is an object"));
        };
        let id = match m.get("id").and_then(Json::as_str) {
            Some(i) if is_valid_id(i) => i.to_string(),
            _ => self.next_id(),
        };
        if self.get(&id).is_some() || self.retired().contains(&id) {
            return Err(Problem::new(
                &rel,
                Some(&id),
                "the id is already used or retired",
            ));
        }
        m.insert("id".into(), Json::from(id.clone()));
        if let Some(same) = self.same_program(&Json::Object(m.clone())) {
            return Err(Problem::new(
                &same.file,
                Some(&same.id),
                format!(
                    "already holds this program; the case is not added again (its id would have been {id})"
                ),
            ));
        }
        let parsed = parse_case(&Json::Object(m), &rel, area, 0).map_err(|ps| {
            let mut ps = ps.into_iter();
            let first = ps.next().expect("a failed case has a problem");
            let more: Vec<String> = ps.map(|p| p.message).collect();
            if more.is_empty() {
                first
            } else {
                Problem {
                    message: format!("{}; {}", first.message, more.join("; ")),
                    ..first
                }
            }
        })?;
        let index = match self.files.iter().position(|f| f.path == rel) {
            Some(i) => i,
            None => {
                self.files.push(CaseFile {
                    path: rel.clone(),
                    cases: Vec::new(),
                });
                self.files.sort_by(|a, b| a.path.cmp(&b.path));
                self.files
                    .iter()
                    .position(|f| f.path == rel)
                    .expect("just added")
            }
        };
        let file = &mut self.files[index];
        file.cases.push(parsed);
        let raws: Vec<Json> = file
            .cases
            .iter()
            .map(|c| Json::Object(c.raw.clone()))
            .collect();
        let path = self.root.join(&rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)
                .map_err(|e| Problem::new(&rel, None, format!("cannot create: {e}")))?;
        }
        fs::write(&path, format_case_file(&raws))
            .map_err(|e| Problem::new(&rel, None, format!("cannot write: {e}")))?;
        Ok(id)
    }

    /// The case whose program equals the one of the case object `case`:
    /// the same parsed program (so formatting and key order do not matter),
    /// or the same raw value for a program that format 1 rejects.
    /// [`Corpus::add_case`] refuses such a case.
    pub fn same_program(&self, case: &Json) -> Option<&Case> {
        let m = case.as_object()?;
        let wanted = match (m.get("program"), m.get("program_text")) {
            (Some(p), None) => Program::from_json(p).map_err(|_| p.clone()),
            (None, Some(Json::String(t))) => Program::parse(t).map_err(|_| Json::from(t.as_str())),
            _ => return None,
        };
        self.cases().find(|c| match (&wanted, &c.program) {
            (Ok(p), CaseProgram::Valid(q)) => p == q,
            (Err(raw), CaseProgram::Rejected(_)) => {
                c.raw.get("program").or_else(|| c.raw.get("program_text")) == Some(raw)
            }
            _ => false,
        })
    }

    /// The tag list of `FEATURES`: `(tag, meaning)` per non-comment line.
    pub fn feature_list(&self) -> Result<Vec<(String, String)>, Problem> {
        let text = fs::read_to_string(self.root.join("FEATURES"))
            .map_err(|e| Problem::new("FEATURES", None, format!("cannot read: {e}")))?;
        Ok(parse_features(&text))
    }
}

/// Parses `FEATURES`: one tag per line, then whitespace and its meaning;
/// blank lines and lines starting with `#` are ignored.
pub fn parse_features(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((tag, meaning)) => (tag.to_string(), meaning.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Versions

fn parse_version(v: &str) -> Option<Vec<u64>> {
    let parts: Option<Vec<u64>> = v.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty() && p.len() <= 4)
}

fn cmp_versions(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            a.get(i)
                .copied()
                .unwrap_or(0)
                .cmp(&b.get(i).copied().unwrap_or(0))
        })
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// Whether NumPy `version` (e.g. `2.4.6`) satisfies `spec`: an exact version
/// (`2.4.6`) or comma-separated clauses `OPversion` with OP one of `>=`,
/// `<=`, `>`, `<`, `==`, `!=` (e.g. `>=2.4.6,<2.5`). Versions compare
/// numerically, missing components counting as 0. `None` when the spec or
/// the version is malformed.
pub fn version_matches(spec: &str, version: &str) -> Option<bool> {
    let v = parse_version(version)?;
    let mut all = true;
    for clause in spec.split(',') {
        let clause = clause.trim();
        let (op, rest) = ["==", ">=", "<=", "!=", ">", "<"]
            .iter()
            .find_map(|op| clause.strip_prefix(op).map(|r| (*op, r)))
            .unwrap_or(("==", clause));
        let w = parse_version(rest.trim())?;
        let o = cmp_versions(&v, &w);
        let ok = match op {
            "==" => o.is_eq(),
            "!=" => o.is_ne(),
            ">=" => o.is_ge(),
            "<=" => o.is_le(),
            ">" => o.is_gt(),
            _ => o.is_lt(),
        };
        all &= ok;
    }
    Some(all)
}

// ---------------------------------------------------------------------------
// Features

fn order_tag(o: Order) -> &'static str {
    match o {
        Order::C => "order:C",
        Order::F => "order:F",
        Order::A => "order:A",
        Order::K => "order:K",
    }
}

/// The feature tags a case's program and expectation imply: `op:<op>` for
/// every op, `item:<kind>` for every index item kind, `order:<X>` for every
/// effective memory order, `reshape-copy`, `value:array`, and outcome tags
/// (`format-error`, `limit-exceeded`, `skipped`, `scalar-result`, `warning`,
/// `numpy-deviation`, `error`). `corpus/FEATURES` gives their meanings.
pub fn derived_features(program: &CaseProgram, expect: Option<&Observation>) -> BTreeSet<String> {
    let mut t: BTreeSet<String> = BTreeSet::new();
    let mut add = |s: &str| {
        t.insert(s.to_string());
    };
    match program {
        CaseProgram::Rejected(_) => add("format-error"),
        CaseProgram::Valid(p) => {
            for step in &p.steps {
                add(&format!("op:{}", step.op()));
                match step {
                    Step::Array { order, .. }
                    | Step::Reshape { order, .. }
                    | Step::Ravel { order, .. }
                    | Step::Flatten { order, .. }
                    | Step::Copy { order, .. }
                    | Step::Asarray { order, .. } => add(order_tag(*order)),
                    _ => {}
                }
                if let Step::Reshape { copy: Some(_), .. } = step {
                    add("reshape-copy");
                }
                let index = match step {
                    Step::Index { index, .. }
                    | Step::Assign { index, .. }
                    | Step::AddAssign { index, .. } => index,
                    _ => continue,
                };
                if let Step::Assign {
                    value: Value::Var(_),
                    ..
                }
                | Step::AddAssign {
                    value: Value::Var(_),
                    ..
                } = step
                {
                    add("value:var");
                }
                if index.is_empty() {
                    add("item:empty-tuple");
                }
                for item in index {
                    add(match item {
                        Item::Int(_) => "item:int",
                        Item::Slice(..) => "item:slice",
                        Item::NewAxis => "item:newaxis",
                        Item::Ellipsis => "item:ellipsis",
                        Item::Array(a) if a.shape.is_empty() => "item:array-0d",
                        Item::Array(_) => "item:array",
                        Item::Mask(m) if m.shape.is_empty() => "item:mask-0d",
                        Item::Mask(_) => "item:mask",
                    });
                }
            }
        }
    }
    if let Some(e) = expect {
        for s in &e.steps {
            match &s.outcome {
                StepOutcome::Error(c) if c == "LimitExceeded" => add("limit-exceeded"),
                StepOutcome::Error(_) => add("error"),
                StepOutcome::Skipped => add("skipped"),
                StepOutcome::Ok { warning: Some(_) } => add("warning"),
                StepOutcome::Ok { warning: None } => {}
            }
            if s.extra.contains_key("numpy_deviation") {
                add("numpy-deviation");
            }
        }
        if e.arrays.iter().any(|(_, b)| matches!(b, Bound::Scalar(_))) {
            add("scalar-result");
        }
    }
    t
}

/// The `features` a case should carry: its derived tags plus the manual
/// ones it has, sorted.
pub fn expected_features(case: &Case) -> Vec<String> {
    let mut t = derived_features(&case.program, case.expect.as_ref());
    for f in &case.features {
        if MANUAL_FEATURES.contains(&f.as_str()) {
            t.insert(f.clone());
        }
    }
    t.into_iter().collect()
}

// ---------------------------------------------------------------------------
// JSON Schema

/// The compiled JSON Schemas of `corpus/schema/` (draft 2020-12):
/// `program.schema.json`, `observation.schema.json`, `case.schema.json`.
pub struct SchemaSet {
    schemas: boon::Schemas,
    program: boon::SchemaIndex,
    observation: boon::SchemaIndex,
    case: boon::SchemaIndex,
}

impl SchemaSet {
    /// Compiles the schemas of a corpus directory. They refer to each other
    /// by their `$id`s, which are registered up front: nothing is fetched.
    pub fn load(corpus_root: &Path) -> Result<SchemaSet, Problem> {
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V2020_12);
        let mut ids = HashMap::new();
        for name in ["program", "observation", "case"] {
            let rel = PathBuf::from("schema").join(format!("{name}.schema.json"));
            let text = fs::read_to_string(corpus_root.join(&rel))
                .map_err(|e| Problem::new(&rel, None, format!("cannot read: {e}")))?;
            let doc: Json = serde_json::from_str(&text)
                .map_err(|e| Problem::new(&rel, None, format!("invalid JSON: {e}")))?;
            let id = doc
                .get("$id")
                .and_then(Json::as_str)
                .ok_or_else(|| Problem::new(&rel, None, "missing `$id`"))?
                .to_string();
            compiler
                .add_resource(&id, doc)
                .map_err(|e| Problem::new(&rel, None, format!("{e:#}")))?;
            ids.insert(name, (id, rel));
        }
        let mut schemas = boon::Schemas::new();
        let mut compile = |name: &str| -> Result<boon::SchemaIndex, Problem> {
            let (id, rel) = &ids[name];
            compiler
                .compile(id, &mut schemas)
                .map_err(|e| Problem::new(rel, None, format!("does not compile: {e:#}")))
        };
        let program = compile("program")?;
        let observation = compile("observation")?;
        let case = compile("case")?;
        Ok(SchemaSet {
            schemas,
            program,
            observation,
            case,
        })
    }

    fn check(&self, v: &Json, idx: boon::SchemaIndex) -> Result<(), String> {
        self.schemas.validate(v, idx).map_err(|e| format!("{e}"))
    }

    /// Validates a format-1 program document.
    pub fn validate_program(&self, v: &Json) -> Result<(), String> {
        self.check(v, self.program)
    }

    /// Validates a format-1 observation document.
    pub fn validate_observation(&self, v: &Json) -> Result<(), String> {
        self.check(v, self.observation)
    }

    /// Validates one case object.
    pub fn validate_case(&self, v: &Json) -> Result<(), String> {
        self.check(v, self.case)
    }
}

// ---------------------------------------------------------------------------
// Validation

/// Every problem of a loaded corpus: schema violations, unknown or missing
/// feature tags, unrecorded cases, a `format_error` expectation for a valid
/// program (or the reverse), malformed version specifiers, descriptions that
/// are not one line, retired ids in use, areas that are not kebab-case, and
/// files not in the canonical layout.
pub fn validate(corpus: &Corpus) -> Vec<Problem> {
    let mut problems = Vec::new();
    let schemas = match SchemaSet::load(&corpus.root) {
        Ok(s) => Some(s),
        Err(p) => {
            problems.push(p);
            None
        }
    };
    let features: HashSet<String> = match corpus.feature_list() {
        Ok(list) => list.into_iter().map(|(t, _)| t).collect(),
        Err(p) => {
            problems.push(p);
            HashSet::new()
        }
    };
    let retired: HashSet<String> = corpus.retired().into_iter().collect();
    for file in &corpus.files {
        let text = fs::read_to_string(corpus.root.join(&file.path)).unwrap_or_default();
        let raws: Vec<Json> = file
            .cases
            .iter()
            .map(|c| Json::Object(c.raw.clone()))
            .collect();
        if format_case_file(&raws) != text {
            problems.push(Problem::new(
                &file.path,
                None,
                "not in the canonical layout (rewrite it with the generator or `viewcheck record`)",
            ));
        }
        for case in &file.cases {
            let mut p = |msg: String| problems.push(Problem::new(&file.path, Some(&case.id), msg));
            if !is_kebab(&case.area) {
                p(format!("area {:?} is not kebab-case", case.area));
            }
            if retired.contains(&case.id) {
                p("uses a retired id (corpus/RETIRED)".into());
            }
            if let Some(s) = &schemas {
                if let Err(e) = s.validate_case(&Json::Object(case.raw.clone())) {
                    p(format!("schema: {e}"));
                }
            }
            if case.description.trim().is_empty() || case.description.contains('\n') {
                p("the description must be one non-empty line".into());
            }
            if !PROVENANCE_KINDS.contains(&case.provenance_kind.as_str()) {
                p(format!(
                    "unknown provenance kind {:?}",
                    case.provenance_kind
                ));
            }
            if parse_version(&case.provenance_numpy).is_none() {
                p(format!(
                    "provenance.numpy {:?} is not a version",
                    case.provenance_numpy
                ));
            }
            if case.numpy.is_empty() {
                p("`numpy` lists no version".into());
            }
            for spec in &case.numpy {
                if version_matches(spec, "2.4.6").is_none() {
                    p(format!("malformed NumPy version specifier {spec:?}"));
                }
            }
            if !case.applies_to(&case.provenance_numpy) {
                p(format!(
                    "the recording NumPy {} is outside `numpy` {:?}",
                    case.provenance_numpy, case.numpy
                ));
            }
            for f in &case.features {
                if !features.is_empty() && !features.contains(f) {
                    p(format!("feature {f:?} is not in FEATURES"));
                }
            }
            let want = expected_features(case);
            if case.expect.is_some() && case.features != want {
                p(format!("features {:?} should be {:?}", case.features, want));
            }
            match (&case.program, &case.expect) {
                (_, None) => p("not recorded (no `expect`)".into()),
                (CaseProgram::Valid(_), Some(e)) if e.format_error.is_some() => {
                    p("`expect` has a format_error but the program is valid".into())
                }
                (CaseProgram::Rejected(m), Some(e)) if e.format_error.is_none() => p(format!(
                    "the program is rejected ({m}) but `expect` is a run"
                )),
                (CaseProgram::Valid(prog), Some(e)) if e.steps.len() != prog.steps.len() => {
                    p(format!(
                        "`expect` has {} step records for {} steps",
                        e.steps.len(),
                        prog.steps.len()
                    ))
                }
                _ => {}
            }
        }
    }
    problems
}

/// What `viewcheck validate` reports: how much was read, and every problem.
#[derive(Clone, Debug)]
pub struct Validation {
    /// Cases that could be read.
    pub cases: usize,
    /// Areas those cases are in.
    pub areas: usize,
    /// Every problem, loading and consistency alike, in file order within
    /// each kind (see [`Corpus::load`] and [`validate`]).
    pub problems: Vec<Problem>,
}

/// Validates the corpus at `root` as a whole: everything [`Corpus::load`]
/// would refuse (unreadable or malformed files, every bad field of every
/// case, duplicate ids) *and* everything [`validate`] finds in the cases
/// that could be read, so that one run lists every problem. Fails only when
/// the corpus cannot be examined at all (`root/cases` cannot be read).
pub fn validate_dir(root: &Path) -> Result<Validation, Problems> {
    let loaded = Corpus::load_what_parses(root.to_path_buf())?;
    let mut problems = loaded.problems;
    // A file with unreadable cases cannot be compared with its canonical
    // layout (the rewrite would drop them); its load problems say enough.
    problems.extend(
        validate(&loaded.corpus)
            .into_iter()
            .filter(|p| !(p.id.is_none() && loaded.incomplete.contains(&p.file))),
    );
    Ok(Validation {
        cases: loaded.corpus.len(),
        areas: loaded.corpus.areas().len(),
        problems,
    })
}

// ---------------------------------------------------------------------------
// Replay, record, verify

/// The outcome of one case on a backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// The backend's observation agrees with `expect` at the level.
    Pass,
    /// It disagrees; the differences (expected = the recorded answer).
    Fail(Vec<Difference>),
    /// The backend failed to produce an observation (or panicked).
    BackendError(String),
    /// The backend cannot express the program (its capabilities, or its
    /// own `unsupported` answer); not a failure.
    Unsupported(String),
    /// The backend's process died on the program.
    Crash(String),
    /// The backend did not answer within its time limit.
    Timeout(String),
    /// The case has no recorded `expect` yet.
    Unrecorded,
}

/// A case id and its [`Status`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult {
    pub id: String,
    pub status: Status,
}

/// Runs one case on `backend` and compares with its recorded answer.
pub fn replay_case(case: &Case, backend: &dyn Backend, level: Level) -> Status {
    replay_case_observed(case, backend, level).0
}

/// [`replay_case`], also returning the backend's observation (if it gave one).
pub fn replay_case_observed(
    case: &Case,
    backend: &dyn Backend,
    level: Level,
) -> (Status, Option<Observation>) {
    let Some(expect) = &case.expect else {
        return (Status::Unrecorded, None);
    };
    let run = match &case.program {
        CaseProgram::Rejected(m) => Ok(Observation::rejected(m.clone())),
        CaseProgram::Valid(p) => guarded_run(backend, p),
    };
    match run {
        Err(e) => (
            match e.class() {
                "unsupported" => Status::Unsupported(e.message),
                "crash" => Status::Crash(e.message),
                "timeout" => Status::Timeout(e.message),
                _ => Status::BackendError(e.to_string()),
            },
            None,
        ),
        Ok(got) => {
            let capabilities = backend.capabilities();
            let mut diffs = compare(expect, &got, level);
            diffs.retain(|d| capabilities.compares(d));
            let status = if diffs.is_empty() {
                Status::Pass
            } else {
                Status::Fail(diffs)
            };
            (status, Some(got))
        }
    }
}

/// Replays every case on `backend` at `level`, in corpus order. Programs
/// were parsed once by [`Corpus::load`]; panics inside the backend become
/// [`Status::BackendError`]s.
pub fn replay(corpus: &Corpus, backend: &dyn Backend, level: Level) -> Vec<CaseResult> {
    silence_backend_panics();
    corpus
        .cases()
        .map(|c| CaseResult {
            id: c.id.clone(),
            status: replay_case(c, backend, level),
        })
        .collect()
}

/// What [`record`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordReport {
    /// Cases that had no expectation and have one now.
    pub new: Vec<String>,
    /// Cases whose expectation changed (list them in `corpus/CHANGELOG.md`),
    /// with the differences at exact level (expected = old, got = new).
    pub changed: Vec<(String, Vec<Difference>)>,
    /// Cases re-recorded with an identical result.
    pub unchanged: Vec<String>,
    /// Cases the oracle could not run (left as they were).
    pub failed: Vec<(String, String)>,
    /// Selected cases whose `numpy` versions exclude the oracle's NumPy
    /// (left as they were: their expectation belongs to other versions).
    pub not_applicable: Vec<String>,
    /// Files rewritten, relative to the corpus root.
    pub files_written: Vec<PathBuf>,
}

/// Case filters for [`record`].
pub mod filter {
    use super::Case;

    /// Every case.
    pub fn all(_: &Case) -> bool {
        true
    }

    /// Cases without an `expect`.
    pub fn unrecorded(c: &Case) -> bool {
        c.expect.is_none()
    }

    /// Cases whose id is in `ids`.
    pub fn ids(ids: &[String]) -> impl Fn(&Case) -> bool + '_ {
        move |c| ids.contains(&c.id)
    }
}

/// The name order that `arrays` is written in: the order of `out` names in
/// the program's steps (binding order), unknown names last, alphabetically.
fn binding_order(program: Option<&Json>) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(Json::Array(steps)) = program.and_then(|p| p.get("steps")) {
        for s in steps {
            if let Some(Json::String(o)) = s.get("out") {
                names.push(o.clone());
            }
        }
    }
    names
}

/// Fills or refreshes `expect` of every case `filter` selects by running its
/// program on `oracle` (a rejected program records its format error without
/// running), sets `provenance.numpy` to `numpy_version` and re-derives the
/// case's `features`. Cases whose `numpy` versions exclude `numpy_version`
/// are not touched (see [`RecordReport::not_applicable`]). It then rewrites
/// every file that holds a recorded case in the canonical layout; unselected
/// cases and other files are left untouched.
pub fn record(
    corpus: &mut Corpus,
    oracle: &dyn Backend,
    numpy_version: &str,
    filter: &dyn Fn(&Case) -> bool,
) -> Result<RecordReport, Problem> {
    silence_backend_panics();
    let mut report = RecordReport::default();
    for file in &mut corpus.files {
        let mut touched = false;
        for case in &mut file.cases {
            if !filter(case) {
                continue;
            }
            if !case.applies_to(numpy_version) {
                report.not_applicable.push(case.id.clone());
                continue;
            }
            let obs = match case.run(oracle) {
                Ok(o) => o,
                Err(e) => {
                    report.failed.push((case.id.clone(), e));
                    continue;
                }
            };
            let mut obs_json = obs.to_json();
            if let Json::Object(m) = &mut obs_json {
                // Keep the executor's informational `numpy` key, but make the
                // recorded version explicit for every run observation.
                if m.contains_key("steps") && !m.contains_key("numpy") {
                    let mut with = Map::new();
                    for (k, v) in std::mem::take(m) {
                        with.insert(k.clone(), v);
                        if k == "format" {
                            with.insert("numpy".into(), Json::from(numpy_version));
                        }
                    }
                    *m = with;
                }
            }
            let parsed = Observation::from_json(&obs_json).map_err(|e| {
                Problem::new(
                    &file.path,
                    Some(&case.id),
                    format!("recorded observation: {e}"),
                )
            })?;
            match (&case.expect, case.raw.get("expect")) {
                (None, _) => report.new.push(case.id.clone()),
                (Some(old), old_json) => {
                    let diffs = compare(old, &parsed, Level::Exact);
                    let same_json = old_json.is_some_and(|o| json_eq_unordered(o, &obs_json));
                    if diffs.is_empty() && same_json {
                        report.unchanged.push(case.id.clone());
                    } else {
                        report.changed.push((case.id.clone(), diffs));
                    }
                }
            }
            case.expect = Some(parsed);
            case.provenance_numpy = numpy_version.to_string();
            case.raw.insert("expect".into(), obs_json);
            let prov = case
                .raw
                .entry("provenance")
                .or_insert_with(|| Json::Object(Map::new()));
            if let Json::Object(p) = prov {
                p.insert("numpy".into(), Json::from(numpy_version));
            }
            case.features = expected_features(case);
            case.raw.insert(
                "features".into(),
                Json::Array(case.features.iter().cloned().map(Json::from).collect()),
            );
            touched = true;
        }
        if touched {
            let raws: Vec<Json> = file
                .cases
                .iter()
                .map(|c| Json::Object(c.raw.clone()))
                .collect();
            let path = corpus.root.join(&file.path);
            fs::write(&path, format_case_file(&raws))
                .map_err(|e| Problem::new(&file.path, None, format!("cannot write: {e}")))?;
            report.files_written.push(file.path.clone());
        }
    }
    Ok(report)
}

fn json_eq_unordered(a: &Json, b: &Json) -> bool {
    // serde_json's Map equality ignores key order in both map flavours.
    a == b
}

/// A case whose recorded answer differs from the oracle's answer today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drift {
    pub id: String,
    /// Differences at exact level (expected = recorded, got = the oracle now);
    /// a backend failure is one difference at path `backend`.
    pub diffs: Vec<Difference>,
}

/// Re-runs every recorded case that applies to `numpy_version` on `oracle`
/// and reports each one whose answer changed, at exact level (informational
/// keys such as `numpy_deviation` are not compared). Unrecorded cases are
/// reported with a difference at path `expect`.
pub fn verify(corpus: &Corpus, oracle: &dyn Backend, numpy_version: &str) -> Vec<Drift> {
    silence_backend_panics();
    let mut drift = Vec::new();
    for case in corpus.cases() {
        if !case.applies_to(numpy_version) {
            continue;
        }
        let diffs = match replay_case(case, oracle, Level::Exact) {
            Status::Pass => continue,
            Status::Fail(d) => d,
            Status::BackendError(e)
            | Status::Unsupported(e)
            | Status::Crash(e)
            | Status::Timeout(e) => vec![Difference {
                path: "backend".into(),
                expected: "an observation".into(),
                got: e,
            }],
            Status::Unrecorded => vec![Difference {
                path: "expect".into(),
                expected: "a recorded observation".into(),
                got: "none".into(),
            }],
        };
        drift.push(Drift {
            id: case.id.clone(),
            diffs,
        });
    }
    drift
}

// ---------------------------------------------------------------------------
// Canonical layout

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Case,
    Provenance,
    Program,
    Step,
    Observation,
    StepRecord,
    Arrays,
    ArrayRecord,
    Other,
}

const CASE_KEYS: &[&str] = &[
    "id",
    "description",
    "features",
    "numpy",
    "provenance",
    "program",
    "program_text",
    "expect",
];
const PROVENANCE_KEYS: &[&str] = &["kind", "numpy"];
const PROGRAM_KEYS: &[&str] = &["format", "name", "note", "steps"];
const STEP_KEYS: &[&str] = &[
    "op",
    "out",
    "dst",
    "src",
    "index",
    "value",
    "shape",
    "offset",
    "axis1",
    "axis2",
    "source",
    "destination",
    "axes",
    "axis",
    "order",
    "copy",
];
const OBSERVATION_KEYS: &[&str] = &[
    "format",
    "numpy",
    "format_error",
    "steps",
    "arrays",
    "shares_memory",
    "may_share_memory",
];
const STEP_RECORD_KEYS: &[&str] = &["ok", "error", "skipped", "warning", "numpy_deviation"];
const ARRAY_RECORD_KEYS: &[&str] = &[
    "scalar",
    "shape",
    "strides",
    "offset",
    "buffer",
    "owndata",
    "writeable",
    "c_contiguous",
    "f_contiguous",
    "values",
];

fn known_keys(ctx: Ctx) -> &'static [&'static str] {
    match ctx {
        Ctx::Case => CASE_KEYS,
        Ctx::Provenance => PROVENANCE_KEYS,
        Ctx::Program => PROGRAM_KEYS,
        Ctx::Step => STEP_KEYS,
        Ctx::Observation => OBSERVATION_KEYS,
        Ctx::StepRecord => STEP_RECORD_KEYS,
        Ctx::ArrayRecord => ARRAY_RECORD_KEYS,
        Ctx::Arrays | Ctx::Other => &[],
    }
}

fn child_ctx(ctx: Ctx, key: &str) -> Ctx {
    match (ctx, key) {
        (Ctx::Case, "provenance") => Ctx::Provenance,
        (Ctx::Case, "program") => Ctx::Program,
        (Ctx::Case, "expect") => Ctx::Observation,
        (Ctx::Observation, "arrays") => Ctx::Arrays,
        (Ctx::Arrays, _) => Ctx::ArrayRecord,
        _ => Ctx::Other,
    }
}

/// List elements' context: `steps` of a program are steps, `steps` of an
/// observation are step records.
fn element_ctx(ctx: Ctx, key: &str) -> Ctx {
    match (ctx, key) {
        (Ctx::Program, "steps") => Ctx::Step,
        (Ctx::Observation, "steps") => Ctx::StepRecord,
        _ => Ctx::Other,
    }
}

/// Keys of `m` in canonical order: the context's known keys in their listed
/// order, then the rest sorted; for `arrays`, binding order first.
fn ordered_keys<'a>(m: &'a Map<String, Json>, ctx: Ctx, binding: &[String]) -> Vec<&'a String> {
    let known: Vec<&str> = if ctx == Ctx::Arrays {
        binding.iter().map(String::as_str).collect()
    } else {
        known_keys(ctx).to_vec()
    };
    let rank = |k: &str| known.iter().position(|x| *x == k).unwrap_or(usize::MAX);
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    keys
}

fn write_inline(v: &Json, ctx: Ctx, list_ctx: Ctx, binding: &[String], out: &mut String) {
    match v {
        Json::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_inline(x, list_ctx, Ctx::Other, binding, out);
            }
            out.push(']');
        }
        Json::Object(m) => {
            out.push('{');
            for (i, k) in ordered_keys(m, ctx, binding).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&Json::from(k.as_str()).to_string());
                out.push_str(": ");
                write_inline(&m[k], child_ctx(ctx, k), element_ctx(ctx, k), binding, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Writes the value of `key` inside a `program` / `expect` object: `steps`
/// one element per line, `arrays` one name per line, the rest inline.
fn write_member(
    key: &str,
    v: &Json,
    ctx: Ctx,
    binding: &[String],
    indent: usize,
    out: &mut String,
) {
    let pad = " ".repeat(indent);
    match (key, v) {
        ("steps", Json::Array(items)) if !items.is_empty() => {
            out.push_str("[\n");
            let ectx = element_ctx(ctx, key);
            for (i, x) in items.iter().enumerate() {
                out.push_str(&pad);
                out.push_str("  ");
                write_inline(x, ectx, Ctx::Other, binding, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad);
            out.push(']');
        }
        ("arrays", Json::Object(m)) if ctx == Ctx::Observation && !m.is_empty() => {
            out.push_str("{\n");
            let keys = ordered_keys(m, Ctx::Arrays, binding);
            let n = keys.len();
            for (i, k) in keys.into_iter().enumerate() {
                out.push_str(&pad);
                out.push_str("  ");
                out.push_str(&Json::from(k.as_str()).to_string());
                out.push_str(": ");
                write_inline(&m[k], Ctx::ArrayRecord, Ctx::Other, binding, out);
                out.push_str(if i + 1 < n { ",\n" } else { "\n" });
            }
            out.push_str(&pad);
            out.push('}');
        }
        _ => write_inline(v, child_ctx(ctx, key), element_ctx(ctx, key), binding, out),
    }
}

fn write_case(v: &Json, out: &mut String) {
    let Json::Object(case) = v else {
        out.push_str("  ");
        write_inline(v, Ctx::Other, Ctx::Other, &[], out);
        return;
    };
    let binding = binding_order(case.get("program"));
    out.push_str("  {\n");
    let keys = ordered_keys(case, Ctx::Case, &[]);
    let n = keys.len();
    for (i, k) in keys.into_iter().enumerate() {
        out.push_str("    ");
        out.push_str(&Json::from(k.as_str()).to_string());
        out.push_str(": ");
        let val = &case[k];
        match (k.as_str(), val) {
            ("program" | "expect", Json::Object(m)) if !m.is_empty() => {
                let ctx = child_ctx(Ctx::Case, k);
                out.push_str("{\n");
                let inner = ordered_keys(m, ctx, &binding);
                let n2 = inner.len();
                for (j, k2) in inner.into_iter().enumerate() {
                    out.push_str("      ");
                    out.push_str(&Json::from(k2.as_str()).to_string());
                    out.push_str(": ");
                    write_member(k2, &m[k2], ctx, &binding, 6, out);
                    out.push_str(if j + 1 < n2 { ",\n" } else { "\n" });
                }
                out.push_str("    }");
            }
            _ => write_inline(val, child_ctx(Ctx::Case, k), Ctx::Other, &binding, out),
        }
        out.push_str(if i + 1 < n { ",\n" } else { "\n" });
    }
    out.push_str("  }");
}

/// A case file in the canonical layout: a JSON list with one case per
/// block; each case one key per line; inside `program` and `expect` one key
/// per line, with `steps` one element per line and `arrays` one name per
/// line; everything else on one line with `", "` and `": "` separators.
/// Object keys follow a fixed order per kind of object (format 1's order),
/// unknown keys after them sorted, and `arrays` in binding order. The same
/// layout is written by `corpus/tools/gen_cases.py`.
pub fn format_case_file(cases: &[Json]) -> String {
    if cases.is_empty() {
        return "[]\n".into();
    }
    let mut out = String::from("[\n");
    for (i, c) in cases.iter().enumerate() {
        write_case(c, &mut out);
        out.push_str(if i + 1 < cases.len() { ",\n" } else { "\n" });
    }
    out.push_str("]\n");
    out
}

// ---------------------------------------------------------------------------
// The rules catalog

/// One rule of `corpus/RULES.md`: a NumPy rule (`R-AREA-N`) or one of
/// viewcheck's own format rules (`V-AREA-N`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// E.g. `R-RESHAPE-3` or `V-FORMAT-1`.
    pub id: String,
    pub title: String,
    /// `documented by NumPy`, `NumPy implementation detail` or `NumPy
    /// deviation` for `R-` rules; `viewcheck format rule` for `V-` rules.
    pub label: Option<String>,
    /// Case ids on the rule's `Cases:` line.
    pub cases: Vec<String>,
    /// `path: function` entries of the rule's `Implemented by:` line.
    pub functions: Vec<(String, String)>,
}

/// The three labels a NumPy rule (`R-...`) may carry.
pub const RULE_LABELS: [&str; 3] = [
    "documented by NumPy",
    "NumPy implementation detail",
    "NumPy deviation",
];

/// The label of viewcheck's own format rules (`V-...`).
pub const FORMAT_RULE_LABEL: &str = "viewcheck format rule";

fn case_ids_in(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 3 <= b.len() {
        if &b[i..i + 3] == b"VC-" && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i + 3;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j > i + 3 {
                out.push(text[i..j].to_string());
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Parses the rules of `RULES.md`: a rule starts at a heading `### R-AREA-N
/// Title` (or `### V-AREA-N Title`); its label is the first line that is `*<label>*`; `Cases:` and
/// `Implemented by:` lines (optionally list items) give case ids and
/// backticked `path: function` links.
pub fn parse_rules(text: &str) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix("### ") {
            let h = h.trim();
            let (id, title) = h.split_once(char::is_whitespace).unwrap_or((h, ""));
            if id.starts_with("R-") || id.starts_with("V-") {
                rules.push(Rule {
                    id: id.to_string(),
                    title: title
                        .trim_start_matches(['·', '-', ':', ' '])
                        .trim()
                        .to_string(),
                    label: None,
                    cases: Vec::new(),
                    functions: Vec::new(),
                });
                continue;
            }
        }
        if t.starts_with('#') {
            continue;
        }
        let Some(rule) = rules.last_mut() else {
            continue;
        };
        let item = t.trim_start_matches(['-', '*']).trim_start();
        if rule.label.is_none() {
            if let Some(l) = t.strip_prefix('*').and_then(|l| l.strip_suffix('*')) {
                if !l.starts_with('*') {
                    rule.label = Some(l.to_string());
                    continue;
                }
            }
        }
        if let Some(rest) = item.strip_prefix("Cases:") {
            rule.cases.extend(case_ids_in(rest));
        } else if let Some(rest) = item.strip_prefix("Implemented by:") {
            for part in rest.split('`').skip(1).step_by(2) {
                if let Some((p, f)) = part.split_once(':') {
                    rule.functions
                        .push((p.trim().to_string(), f.trim().to_string()));
                }
            }
        }
    }
    rules
}

/// Whether `file` (Rust source) defines `function`: `name` or `Type::name`
/// (an `fn name` inside an `impl ... Type` block).
fn defines(source: &str, function: &str) -> bool {
    let (ty, name) = match function.rsplit_once("::") {
        Some((t, n)) => (Some(t), n),
        None => (None, function),
    };
    let is_fn = |line: &str| {
        let l = line.trim_start();
        let l = l
            .strip_prefix("pub ")
            .or_else(|| l.strip_prefix("pub(crate) "))
            .unwrap_or(l);
        l.strip_prefix("fn ")
            .is_some_and(|r| r.starts_with(name) && r[name.len()..].starts_with(['(', '<']))
    };
    match ty {
        None => source.lines().any(is_fn),
        Some(ty) => {
            let mut in_impl = false;
            for line in source.lines() {
                if line.starts_with("impl") {
                    let head = line.trim_end_matches('{').trim();
                    in_impl = head.split([' ', '<', '>']).any(|w| w == ty);
                } else if line.starts_with('}') {
                    in_impl = false;
                } else if in_impl && is_fn(line) {
                    return true;
                }
            }
            false
        }
    }
}

/// Checks `RULES.md` against the corpus and the sources: every rule has a
/// well-formed unique id, an allowed label (one of [`RULE_LABELS`] for
/// `R-` rules, [`FORMAT_RULE_LABEL`] for `V-` rules), at least two case ids
/// that exist, and at least one `Implemented by:` link whose file exists
/// under `workspace` and defines the function; every case id mentioned
/// anywhere in the text exists.
pub fn check_catalog(corpus: &Corpus, rules_text: &str, workspace: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let ids: HashSet<&str> = corpus.cases().map(|c| c.id.as_str()).collect();
    let rules = parse_rules(rules_text);
    if rules.is_empty() {
        problems.push("RULES.md defines no rule (`### R-...` headings)".to_string());
    }
    let mut seen = HashSet::new();
    let mut sources: HashMap<String, Option<String>> = HashMap::new();
    for r in &rules {
        let well_formed = {
            let parts: Vec<&str> = r.id.split('-').collect();
            parts.len() == 3
                && (parts[0] == "R" || parts[0] == "V")
                && parts[1].bytes().all(|b| b.is_ascii_uppercase())
                && !parts[1].is_empty()
                && !parts[2].is_empty()
                && parts[2].bytes().all(|b| b.is_ascii_digit())
        };
        if !well_formed {
            problems.push(format!("{}: malformed rule id (expected R-AREA-N)", r.id));
        }
        if !seen.insert(r.id.clone()) {
            problems.push(format!("{}: defined twice", r.id));
        }
        let allowed: &[&str] = if r.id.starts_with("V-") {
            &[FORMAT_RULE_LABEL]
        } else {
            &RULE_LABELS
        };
        match &r.label {
            Some(l) if allowed.contains(&l.as_str()) => {}
            Some(l) => problems.push(format!("{}: unknown label {l:?}", r.id)),
            None => problems.push(format!(
                "{}: no label line (*documented by NumPy*, ...)",
                r.id
            )),
        }
        let distinct: BTreeSet<&String> = r.cases.iter().collect();
        if distinct.len() < 2 {
            problems.push(format!(
                "{}: links {} case(s); at least 2 are required",
                r.id,
                distinct.len()
            ));
        }
        for c in &r.cases {
            if !ids.contains(c.as_str()) {
                problems.push(format!("{}: case {c} does not exist", r.id));
            }
        }
        if r.functions.is_empty() {
            problems.push(format!("{}: no `Implemented by:` link", r.id));
        }
        for (path, func) in &r.functions {
            let src = sources
                .entry(path.clone())
                .or_insert_with(|| fs::read_to_string(workspace.join(path)).ok());
            match src {
                None => problems.push(format!("{}: {path} does not exist", r.id)),
                Some(s) if !defines(s, func) => {
                    problems.push(format!("{}: {path} defines no `{func}`", r.id))
                }
                Some(_) => {}
            }
        }
    }
    for c in case_ids_in(rules_text) {
        if !ids.contains(c.as_str()) {
            problems.push(format!("case {c} is mentioned but does not exist"));
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_specs() {
        assert_eq!(version_matches(">=2.4.6,<2.5", "2.4.6"), Some(true));
        assert_eq!(version_matches(">=2.4.6,<2.5", "2.5.0"), Some(false));
        assert_eq!(version_matches("2.4.6", "2.4.6"), Some(true));
        assert_eq!(version_matches("2.4", "2.4.0"), Some(true));
        assert_eq!(version_matches(">=x", "2.4.6"), None);
    }

    #[test]
    fn ids() {
        assert!(is_valid_id("VC-0001"));
        assert!(is_valid_id("VC-12345"));
        assert!(!is_valid_id("VC-001"));
        assert!(!is_valid_id("VC-01234"));
        assert!(!is_valid_id("vc-0001"));
    }

    #[test]
    fn rule_parsing_and_function_lookup() {
        let text = "# Rules\n\n### R-VIEW-1 · Slices are views\n*documented by NumPy*\n\nProse VC-0009.\n\n\
                    - Cases: VC-0001, VC-0002\n- Implemented by: `arrays/src/index.rs: Array::get`, `arrays/src/layout.rs: slice_indices`\n";
        let r = parse_rules(text);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].label.as_deref(), Some("documented by NumPy"));
        assert_eq!(r[0].cases, ["VC-0001", "VC-0002"]);
        assert_eq!(
            r[0].functions[1],
            ("arrays/src/layout.rs".into(), "slice_indices".into())
        );
        assert_eq!(case_ids_in(text), ["VC-0009", "VC-0001", "VC-0002"]);
        let src = "impl Array {\n    pub fn get(&self) {}\n}\npub fn slice_indices() {}\n";
        assert!(defines(src, "Array::get"));
        assert!(defines(src, "slice_indices"));
        assert!(!defines(src, "Array::slice_indices"));
        assert!(!defines(src, "get_x"));
    }

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

    #[test]
    fn canonical_layout() {
        let case = serde_json::json!({
            "expect": {"steps": [{"ok": true}], "format": 1,
                       "arrays": {"b": {"values": [0], "shape": [1]}, "a": {"shape": [1]}},
                       "shares_memory": [], "may_share_memory": []},
            "program": {"steps": [{"shape": [1], "out": "a", "op": "array"},
                                  {"src": "a", "out": "b", "op": "copy"}], "format": 1},
            "id": "VC-0001", "description": "d", "features": ["op:array"],
            "numpy": [">=2.4.6,<2.5"], "provenance": {"numpy": "2.4.6", "kind": "hand-written"}
        });
        let text = format_case_file(&[case]);
        let want = r#"[
  {
    "id": "VC-0001",
    "description": "d",
    "features": ["op:array"],
    "numpy": [">=2.4.6,<2.5"],
    "provenance": {"kind": "hand-written", "numpy": "2.4.6"},
    "program": {
      "format": 1,
      "steps": [
        {"op": "array", "out": "a", "shape": [1]},
        {"op": "copy", "out": "b", "src": "a"}
      ]
    },
    "expect": {
      "format": 1,
      "steps": [
        {"ok": true}
      ],
      "arrays": {
        "a": {"shape": [1]},
        "b": {"shape": [1], "values": [0]}
      },
      "shares_memory": [],
      "may_share_memory": []
    }
  }
]
"#;
        assert_eq!(text, want);
        let again: Vec<Json> = serde_json::from_str(&text).unwrap();
        assert_eq!(format_case_file(&again), text);
    }
}
