//! Replay, record, verify: running cases on a backend ([`replay`]), filling
//! or refreshing `expect` from NumPy ([`record`]) and checking recorded
//! answers against live NumPy ([`verify`]).

use super::*;

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

/// Replays every case that holds for the pinned NumPy on `backend` at
/// `level`, in corpus order (variant cases recording other releases'
/// answers are left out). Programs were parsed once by [`Corpus::load`];
/// panics inside the backend become [`Status::BackendError`]s.
pub fn replay(corpus: &Corpus, backend: &dyn Backend, level: Level) -> Vec<CaseResult> {
    silence_backend_panics();
    corpus
        .cases()
        .filter(|c| c.applies_to(crate::regress::pinned_numpy_version()))
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
pub(crate) fn binding_order(program: Option<&Json>) -> Vec<String> {
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
            corpus_write_file(&corpus.root, file)?;
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
