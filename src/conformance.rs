//! What an implementer reads: the status of every case, their own
//! expectations file, the per-rule summary and the JSON-Lines report.
//!
//! A case run on an implementation ends with one [`CaseStatus`]. Known
//! failures live in the implementer's repository as an [`Expectations`]
//! file (one `xfail` or `skip` entry per line, by case id or glob, with a
//! reason), so that a run is green while they are known and tells them when
//! one starts passing (`xpass`). [`RuleSummary`] folds the statuses into the
//! rules of `corpus/RULES.md`: which rules the implementation keeps, breaks
//! or cannot express.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value as Json};

use crate::compare::Difference;
use crate::corpus::{Rule, Status};

/// The outcome of one case on an implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaseStatus {
    /// Agrees with NumPy's recorded answer.
    Pass,
    /// Disagrees.
    Fail,
    /// Disagrees (or errs, crashes, hangs), as the expectations file says.
    XFail,
    /// Passes although the expectations file says it fails.
    XPass,
    /// The implementation cannot express the program (declared in its
    /// capabilities, or answered `unsupported`).
    Unsupported,
    /// Not run: the expectations file says skip.
    Skip,
    /// The implementation failed to run the program (an `error` answer, an
    /// unreadable observation, a panic).
    Error,
    /// Its process died on the program.
    Crash,
    /// It did not answer within the time limit.
    Timeout,
}

/// Every status, in report order.
pub const STATUSES: [CaseStatus; 9] = [
    CaseStatus::Pass,
    CaseStatus::Fail,
    CaseStatus::XFail,
    CaseStatus::XPass,
    CaseStatus::Unsupported,
    CaseStatus::Skip,
    CaseStatus::Error,
    CaseStatus::Crash,
    CaseStatus::Timeout,
];

impl CaseStatus {
    /// The status as written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Pass => "pass",
            CaseStatus::Fail => "fail",
            CaseStatus::XFail => "xfail",
            CaseStatus::XPass => "xpass",
            CaseStatus::Unsupported => "unsupported",
            CaseStatus::Skip => "skip",
            CaseStatus::Error => "error",
            CaseStatus::Crash => "crash",
            CaseStatus::Timeout => "timeout",
        }
    }

    /// Whether the case ran and did not agree with NumPy (whether or not
    /// the expectations knew): fail, xfail, error, crash, timeout.
    pub fn disagrees(self) -> bool {
        matches!(
            self,
            CaseStatus::Fail
                | CaseStatus::XFail
                | CaseStatus::Error
                | CaseStatus::Crash
                | CaseStatus::Timeout
        )
    }

    /// Whether the status makes the run fail (`xpass` only under `strict`).
    pub fn is_failure(self, strict: bool) -> bool {
        match self {
            CaseStatus::XFail => false,
            CaseStatus::XPass => strict,
            s => s.disagrees(),
        }
    }
}

impl std::fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status of a replayed case before expectations, with its details.
pub fn raw_status(status: &Status) -> (CaseStatus, String) {
    match status {
        Status::Pass => (CaseStatus::Pass, String::new()),
        Status::Fail(d) => (
            CaseStatus::Fail,
            d.first().map(|d| d.to_string()).unwrap_or_default(),
        ),
        Status::Unsupported(r) => (CaseStatus::Unsupported, r.clone()),
        Status::Crash(m) => (CaseStatus::Crash, m.clone()),
        Status::Timeout(m) => (CaseStatus::Timeout, m.clone()),
        Status::BackendError(m) => (CaseStatus::Error, m.clone()),
        Status::Unrecorded => (
            CaseStatus::Error,
            "the case has no recorded answer (run `viewcheck record`)".into(),
        ),
    }
}

/// What an expectations entry says about matching cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Known to fail (any failing status).
    XFail,
    /// Do not run.
    Skip,
}

/// One line of an expectations file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `xfail` or `skip`.
    pub expect: Expect,
    /// A case id or a glob of them (`*` any run of characters, `?` one).
    pub pattern: String,
    /// Why (required).
    pub reason: String,
    /// Its line number in the file.
    pub line: usize,
}

/// An implementer's known failures:
///
/// ```text
/// # viewcheck expectations for mylib
/// xfail VC-0012   negative steps start at the other end
/// skip  VC-05*    masks are not implemented yet
/// ```
///
/// The first entry that matches a case id applies.
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    /// Where it was read from.
    pub path: Option<PathBuf>,
    /// The entries, in file order.
    pub entries: Vec<Entry>,
}

/// `*` and `?` globs over case ids.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Iterative matcher with one backtrack point: linear in practice.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < t.len() {
        if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == '*' {
        i += 1;
    }
    i == p.len()
}

impl Expectations {
    /// Parses an expectations file; every malformed line is reported with
    /// its number.
    pub fn parse(text: &str) -> Result<Expectations, String> {
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.splitn(3, char::is_whitespace);
            let kind = parts.next().unwrap_or("");
            let pattern = parts.next().unwrap_or("").trim();
            let reason = parts.next().unwrap_or("").trim();
            let expect = match kind {
                "xfail" => Expect::XFail,
                "skip" => Expect::Skip,
                other => {
                    problems.push(format!(
                        "line {}: `{other}` is not `xfail` or `skip`",
                        n + 1
                    ));
                    continue;
                }
            };
            if pattern.is_empty() || reason.is_empty() {
                problems.push(format!(
                    "line {}: expected `{kind} CASE-ID-OR-GLOB REASON`",
                    n + 1
                ));
                continue;
            }
            entries.push(Entry {
                expect,
                pattern: pattern.to_string(),
                reason: reason.to_string(),
                line: n + 1,
            });
        }
        if problems.is_empty() {
            Ok(Expectations {
                path: None,
                entries,
            })
        } else {
            Err(problems.join("\n"))
        }
    }

    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Expectations, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut e = Expectations::parse(&text).map_err(|p| format!("{}:\n{p}", path.display()))?;
        e.path = Some(path.to_path_buf());
        Ok(e)
    }

    /// The entry that applies to `id`.
    pub fn lookup(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| glob_match(&e.pattern, id))
    }

    /// Entries that match none of `ids` (stale: worth a warning).
    pub fn unmatched<'a>(&'a self, ids: &[&str]) -> Vec<&'a Entry> {
        self.entries
            .iter()
            .filter(|e| !ids.iter().any(|id| glob_match(&e.pattern, id)))
            .collect()
    }

    /// An expectations file that marks `failures` (id, reason) as `xfail`.
    pub fn write(header: &str, failures: &[(String, String)]) -> String {
        let mut out = String::new();
        for l in header.lines() {
            let _ = writeln!(out, "# {l}");
        }
        let width = failures.iter().map(|(id, _)| id.len()).max().unwrap_or(0);
        for (id, reason) in failures {
            let reason = reason.lines().next().unwrap_or("").trim();
            let reason = if reason.is_empty() { "fails" } else { reason };
            let _ = writeln!(out, "xfail {id:<width$}  {reason}");
        }
        out
    }
}

/// The final status of a case, given its replay status and its entry.
pub fn apply(raw: CaseStatus, entry: Option<&Entry>) -> CaseStatus {
    match (entry.map(|e| e.expect), raw) {
        (Some(Expect::Skip), _) => CaseStatus::Skip,
        (Some(Expect::XFail), CaseStatus::Pass) => CaseStatus::XPass,
        (Some(Expect::XFail), s) if s.disagrees() => CaseStatus::XFail,
        (_, s) => s,
    }
}

/// One case of a run, as reported.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// The case id.
    pub id: String,
    /// Its corpus area.
    pub area: String,
    /// The final status.
    pub status: CaseStatus,
    /// Why (the first difference, the error, the reason of the entry).
    pub detail: String,
    /// Every difference (expected = NumPy's recorded answer).
    pub diffs: Vec<Difference>,
    /// The program (JSON), and NumPy's and the implementation's
    /// observations where there are any.
    pub program: Json,
    /// NumPy's recorded observation.
    pub expected: Json,
    /// The implementation's observation.
    pub got: Option<Json>,
}

/// How each rule of the catalog fared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSummary {
    /// The rule id, e.g. `R-RESHAPE-3`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// `kept` (every case that ran passed), `broken` (some case failed),
    /// `cannot express` (no case could run) or `not run`.
    pub verdict: &'static str,
    /// Count of its cases per status.
    pub counts: BTreeMap<CaseStatus, usize>,
    /// The failing cases.
    pub failing: Vec<String>,
}

/// Folds case statuses into the rules.
pub fn rule_summaries(rules: &[Rule], cases: &[CaseReport]) -> Vec<RuleSummary> {
    let by_id: BTreeMap<&str, &CaseReport> = cases.iter().map(|c| (c.id.as_str(), c)).collect();
    rules
        .iter()
        .map(|r| {
            let mut counts = BTreeMap::new();
            let mut failing = Vec::new();
            let distinct: BTreeSet<&String> = r.cases.iter().collect();
            for id in distinct {
                if let Some(c) = by_id.get(id.as_str()) {
                    *counts.entry(c.status).or_insert(0) += 1;
                    if c.status.disagrees() {
                        failing.push(id.clone());
                    }
                }
            }
            let ran: usize = counts
                .iter()
                .filter(|(s, _)| !matches!(s, CaseStatus::Unsupported | CaseStatus::Skip))
                .map(|(_, n)| n)
                .sum();
            let verdict = if !failing.is_empty() {
                "broken"
            } else if ran > 0 {
                "kept"
            } else if counts.is_empty() {
                "not run"
            } else {
                "cannot express"
            };
            RuleSummary {
                id: r.id.clone(),
                title: r.title.clone(),
                verdict,
                counts,
                failing,
            }
        })
        .collect()
}

/// The per-rule summary as a Markdown table, the headline first.
pub fn rules_markdown(implementation: &str, summaries: &[RuleSummary]) -> String {
    let count = |v: &str| summaries.iter().filter(|s| s.verdict == v).count();
    let mut out = format!(
        "# {implementation}: NumPy's rules, kept and broken\n\n{} rules: {} kept, {} broken, {} cannot be expressed, {} not run.\n\n",
        summaries.len(),
        count("kept"),
        count("broken"),
        count("cannot express"),
        count("not run")
    );
    out.push_str("| rule | verdict | cases | failing (minimal first) |\n|---|---|---|---|\n");
    for s in summaries {
        let cases: Vec<String> = s.counts.iter().map(|(st, n)| format!("{n} {st}")).collect();
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} |",
            s.id,
            s.title.replace('|', "\\|"),
            s.verdict,
            cases.join(", "),
            s.failing.join(", ")
        );
    }
    out
}

/// Counts of cases per status.
pub fn counts(cases: &[CaseReport]) -> BTreeMap<&'static str, usize> {
    let mut c: BTreeMap<&'static str, usize> = STATUSES.iter().map(|s| (s.as_str(), 0)).collect();
    for case in cases {
        *c.entry(case.status.as_str()).or_insert(0) += 1;
    }
    c
}

/// The JSON-Lines report: a header, one line per case, a footer.
pub fn jsonl_report(header: Json, cases: &[CaseReport], summaries: &[RuleSummary]) -> String {
    let mut out = String::new();
    let mut h = header;
    h["type"] = json!("header");
    let _ = writeln!(out, "{h}");
    for c in cases {
        let line = json!({
            "type": "case",
            "id": c.id,
            "area": c.area,
            "status": c.status.as_str(),
            "detail": c.detail,
            "diffs": c.diffs.iter().map(|d| json!({"path": d.path, "expected": d.expected, "got": d.got})).collect::<Vec<_>>(),
            "program": c.program,
            "expected": c.expected,
            "got": c.got,
        });
        let _ = writeln!(out, "{line}");
    }
    let rules: Vec<Json> = summaries
        .iter()
        .map(|s| {
            json!({
                "rule": s.id,
                "verdict": s.verdict,
                "counts": s.counts.iter().map(|(k, v)| (k.as_str().to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "failing": s.failing,
            })
        })
        .collect();
    let footer = json!({"type": "footer", "counts": counts(cases), "rules": rules});
    let _ = writeln!(out, "{footer}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("VC-05*", "VC-0512"));
        assert!(glob_match("VC-0?12", "VC-0512"));
        assert!(glob_match("*", "VC-0001"));
        assert!(glob_match("VC-0001", "VC-0001"));
        assert!(!glob_match("VC-05*", "VC-0612"));
        assert!(!glob_match("VC-0001", "VC-00012"));
        assert!(glob_match("*12", "VC-0512"));
        assert!(!glob_match("*13", "VC-0512"));
    }

    #[test]
    fn expectations_parse_apply_and_write() {
        let e = Expectations::parse(
            "# mine\nxfail VC-0012  negative steps\n\nskip VC-05*   no masks yet\n",
        )
        .unwrap();
        assert_eq!(e.entries.len(), 2);
        assert_eq!(e.lookup("VC-0012").unwrap().reason, "negative steps");
        assert_eq!(e.lookup("VC-0599").unwrap().expect, Expect::Skip);
        assert!(e.lookup("VC-0013").is_none());
        assert_eq!(
            apply(CaseStatus::Fail, e.lookup("VC-0012")),
            CaseStatus::XFail
        );
        assert_eq!(
            apply(CaseStatus::Crash, e.lookup("VC-0012")),
            CaseStatus::XFail
        );
        assert_eq!(
            apply(CaseStatus::Pass, e.lookup("VC-0012")),
            CaseStatus::XPass
        );
        assert_eq!(
            apply(CaseStatus::Pass, e.lookup("VC-0501")),
            CaseStatus::Skip
        );
        assert_eq!(apply(CaseStatus::Fail, None), CaseStatus::Fail);
        assert_eq!(
            e.unmatched(&["VC-0012", "VC-0001"])
                .iter()
                .map(|x| x.line)
                .collect::<Vec<_>>(),
            [4]
        );
        let bad = Expectations::parse("xfail VC-1\nmaybe VC-2 why\nskip\n").unwrap_err();
        assert_eq!(bad.lines().count(), 3, "{bad}");
        let text = Expectations::write(
            "written by viewcheck",
            &[(
                "VC-0001".into(),
                "arrays.a.strides[0]: expected 1 got 2\nmore".into(),
            )],
        );
        assert_eq!(
            text,
            "# written by viewcheck\nxfail VC-0001  arrays.a.strides[0]: expected 1 got 2\n"
        );
        assert_eq!(Expectations::parse(&text).unwrap().entries.len(), 1);
    }

    #[test]
    fn xpass_fails_only_when_strict() {
        assert!(!CaseStatus::XPass.is_failure(false));
        assert!(CaseStatus::XPass.is_failure(true));
        assert!(!CaseStatus::XFail.is_failure(true));
        assert!(!CaseStatus::Unsupported.is_failure(true));
        assert!(CaseStatus::Timeout.is_failure(false));
    }
}
