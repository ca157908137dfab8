//! The corpus across NumPy releases: which releases each recorded answer
//! holds for ([`Matrix`], [`plan`]), and the cases that record the answers
//! of the releases that behave differently ([`Plan::variants`]).
//!
//! A release's answer *holds* for a case when it equals the recorded one at
//! exact level and marks the same steps `numpy_deviation`: a release whose
//! own write did something else than the documented semantics (a write bug
//! since fixed) behaves differently even though the documented result is
//! the same, and the corpus says so.

use super::*;
use crate::format::StepRecord;
use std::collections::BTreeMap;

/// The releases `viewcheck matrix` runs by default: the newest patch of each
/// series from 1.24 on, plus 2.0.0 (before the overlapping fancy-assignment
/// fix of 2.0.1).
pub const MATRIX_RELEASES: &[&str] = &[
    "1.24.4", "1.26.4", "2.0.0", "2.0.2", "2.1.3", "2.2.6", "2.3.5", "2.4.6",
];

/// The first release series the executor does not support: the open upper
/// end of a range that reaches the newest release tested.
const BEYOND_NEWEST: &str = "2.5";

/// How `got` (one release's answer) differs from `expected` (a recorded
/// one): the exact-level comparison plus the steps whose `numpy_deviation`
/// marks differ.
pub fn behaviour_diffs(expected: &Observation, got: &Observation) -> Vec<Difference> {
    let mut diffs = compare(expected, got, Level::Exact);
    let mark = |r: Option<&StepRecord>| {
        r.and_then(|r| r.extra.get("numpy_deviation"))
            .map_or_else(|| "none".to_string(), |v| v.to_string())
    };
    for i in 0..expected.steps.len().max(got.steps.len()) {
        let (e, g) = (mark(expected.steps.get(i)), mark(got.steps.get(i)));
        if e != g {
            diffs.push(Difference {
                path: format!("steps[{i}].numpy_deviation"),
                expected: e,
                got: g,
            });
        }
    }
    diffs
}

/// Every case's answer on every release of a matrix run.
#[derive(Clone, Debug, Default)]
pub struct Matrix {
    /// The releases, oldest first.
    pub releases: Vec<String>,
    /// Case id → one answer per release (an `Err` when that release gave no
    /// observation: a crash, a time-out, a backend error).
    pub answers: BTreeMap<String, Vec<Result<Observation, String>>>,
}

/// Sorts release numbers oldest first.
pub fn sort_releases(releases: &mut [String]) {
    releases.sort_by_key(|r| parse_version(r).unwrap_or_default());
}

/// The version specifiers of the releases of `releases` (oldest first)
/// marked in `holds`: each run of consecutive tested releases becomes
/// `>=first,<=last` (one release: just it), and a run that reaches the
/// newest tested release is left open to the rest of its supported series
/// (`>=first,<2.5`). Releases between two tested ones are claimed only
/// inside a run, never across a release that behaves differently.
pub fn ranges(releases: &[String], holds: &[bool]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < releases.len() {
        if !holds[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < releases.len() && holds[i + 1] {
            i += 1;
        }
        let (first, last) = (&releases[start], &releases[i]);
        out.push(if i + 1 == releases.len() {
            format!(">={first},<{BEYOND_NEWEST}")
        } else if start == i {
            first.clone()
        } else {
            format!(">={first},<={last}")
        });
        i += 1;
    }
    out
}

/// What a matrix run means for the corpus.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Per case: the releases (of the matrix) its answer holds for, and the
    /// new `numpy` specifiers (`None`: unchanged).
    pub ranges: Vec<RangeChange>,
    /// New cases: one per group of releases that agree with each other but
    /// with no case of the family (the case and its variants).
    pub variants: Vec<Variant>,
    /// Cases that some release could not run (case id, release, message).
    pub unknown: Vec<(String, String, String)>,
}

/// The release range of one case.
#[derive(Clone, Debug)]
pub struct RangeChange {
    pub id: String,
    /// Per release of the matrix: whether the case's answer holds.
    pub holds: Vec<bool>,
    pub old: Vec<String>,
    /// The new specifiers, if they change.
    pub new: Option<Vec<String>>,
}

/// A case to add: `of`'s program with the answer of `releases`.
#[derive(Clone, Debug)]
pub struct Variant {
    /// The case whose program it shares.
    pub of: String,
    /// The releases whose answer it records (oldest first).
    pub releases: Vec<String>,
    /// Their answer.
    pub expect: Observation,
    /// How it differs from `of`'s answer.
    pub diffs: Vec<Difference>,
}

/// Works out, from a matrix run, the releases each case holds for and the
/// variant cases the releases that agree with no case need.
pub fn plan(corpus: &Corpus, matrix: &Matrix) -> Plan {
    let mut plan = Plan::default();
    let n = matrix.releases.len();
    for root in corpus.cases().filter(|c| c.variant_of().is_none()) {
        let family: Vec<&Case> = std::iter::once(root)
            .chain(
                corpus
                    .cases()
                    .filter(|c| c.variant_of() == Some(root.id.as_str())),
            )
            .collect();
        let Some(answers) = matrix.answers.get(&root.id) else {
            continue;
        };
        let mut covered = vec![false; n];
        for case in &family {
            let holds: Vec<bool> = (0..n)
                .map(|r| match (&case.expect, &answers[r], &case.program) {
                    (_, _, CaseProgram::Rejected(_)) => true,
                    (Some(e), Ok(got), _) => behaviour_diffs(e, got).is_empty(),
                    _ => false,
                })
                .collect();
            for (c, h) in covered.iter_mut().zip(&holds) {
                *c |= *h;
            }
            let mut new = ranges(&matrix.releases, &holds);
            if new.is_empty() {
                // Holds on no release tested: what it claims is left alone.
                new = case.numpy.clone();
            }
            plan.ranges.push(RangeChange {
                id: case.id.clone(),
                holds,
                old: case.numpy.clone(),
                new: (new != case.numpy).then_some(new),
            });
        }
        // The releases no case of the family holds for, grouped by answer.
        let mut groups: Vec<(Observation, Vec<usize>)> = Vec::new();
        for r in (0..n).filter(|&r| !covered[r]) {
            match &answers[r] {
                Err(e) => {
                    plan.unknown
                        .push((root.id.clone(), matrix.releases[r].clone(), e.clone()))
                }
                Ok(got) => match groups
                    .iter_mut()
                    .find(|(o, _)| behaviour_diffs(o, got).is_empty())
                {
                    Some((_, rs)) => rs.push(r),
                    None => groups.push((got.clone(), vec![r])),
                },
            }
        }
        for (expect, rs) in groups {
            let diffs = root
                .expect
                .as_ref()
                .map(|e| behaviour_diffs(e, &expect))
                .unwrap_or_default();
            plan.variants.push(Variant {
                of: root.id.clone(),
                releases: rs.iter().map(|&r| matrix.releases[r].clone()).collect(),
                expect,
                diffs,
            });
        }
    }
    plan
}

impl Variant {
    /// The case object of this variant (no id yet), its `numpy` range
    /// computed against `releases`, the releases of the matrix.
    pub fn to_case(&self, of: &Case, releases: &[String]) -> Json {
        let holds: Vec<bool> = releases.iter().map(|r| self.releases.contains(r)).collect();
        let recorded = self.releases.last().cloned().unwrap_or_default();
        let first = self
            .diffs
            .first()
            .map(|d| format!("{}: {} instead of {}", d.path, d.got, d.expected))
            .unwrap_or_default();
        let mut expect = self.expect.to_json();
        if let Json::Object(m) = &mut expect {
            m.insert("numpy".into(), Json::from(recorded.clone()));
        }
        let mut m = Map::new();
        m.insert(
            "description".into(),
            Json::from(format!(
                "{} on NumPy {}: {first}",
                of.id,
                self.releases.join(", ")
            )),
        );
        m.insert(
            "features".into(),
            Json::Array(of.features.iter().cloned().map(Json::from).collect()),
        );
        m.insert(
            "numpy".into(),
            Json::Array(
                ranges(releases, &holds)
                    .into_iter()
                    .map(Json::from)
                    .collect(),
            ),
        );
        m.insert(
            "provenance".into(),
            serde_json::json!({"kind": "matrix", "numpy": recorded}),
        );
        m.insert("variant_of".into(), Json::from(of.id.clone()));
        for key in ["program", "program_text"] {
            if let Some(v) = of.raw.get(key) {
                m.insert(key.into(), v.clone());
            }
        }
        m.insert("expect".into(), expect);
        Json::Object(m)
    }
}

/// Applies `plan` to the corpus on disk: new `numpy` ranges, then the
/// variant cases (each in its original's file, with the next free id, its
/// features re-derived). Returns the new ids.
pub fn apply_plan(
    corpus: &mut Corpus,
    plan: &Plan,
    releases: &[String],
) -> Result<Vec<String>, Problem> {
    let changes: BTreeMap<&str, &Vec<String>> = plan
        .ranges
        .iter()
        .filter_map(|c| c.new.as_ref().map(|n| (c.id.as_str(), n)))
        .collect();
    for file in &mut corpus.files {
        let mut touched = false;
        for case in &mut file.cases {
            if let Some(new) = changes.get(case.id.as_str()) {
                case.numpy = (*new).clone();
                case.raw.insert(
                    "numpy".into(),
                    Json::Array(new.iter().cloned().map(Json::from).collect()),
                );
                touched = true;
            }
        }
        if touched {
            corpus_write_file(&corpus.root, file)?;
        }
    }
    let mut added = Vec::new();
    for v in &plan.variants {
        let of = corpus
            .get(&v.of)
            .cloned()
            .ok_or_else(|| Problem::new(Path::new("cases"), Some(&v.of), "no such case"))?;
        let id = corpus.add_variant(&of, v.to_case(&of, releases))?;
        added.push(id);
    }
    Ok(added)
}

/// The text of `RULES.md` with each rule's `- NumPy releases:` line (after
/// its `- Cases:` line) saying on which of `releases` every listed case's
/// answer holds, by the cases' `numpy` ranges, and naming the variant
/// cases that record the other releases' answers.
pub fn rules_with_releases(corpus: &Corpus, releases: &[String]) -> String {
    let text = corpus.rules_text();
    let rules = parse_rules(&text);
    let mut by_id: BTreeMap<&str, &Rule> = BTreeMap::new();
    for r in &rules {
        by_id.insert(r.id.as_str(), r);
    }
    let mut out = Vec::new();
    let mut current: Option<&Rule> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("### ") {
            let id = rest.split_whitespace().next().unwrap_or("");
            current = by_id.get(id).copied();
        } else if line.starts_with('#') {
            current = None;
        }
        if line.starts_with("- NumPy releases:") && current.is_some() {
            continue;
        }
        out.push(line.to_string());
        if let (Some(rule), true) = (current, line.starts_with("- Cases:")) {
            out.push(releases_line(corpus, rule, releases));
        }
    }
    let mut s = out.join("\n");
    if text.ends_with('\n') {
        s.push('\n');
    }
    s
}

fn releases_line(corpus: &Corpus, rule: &Rule, releases: &[String]) -> String {
    let cases: Vec<&Case> = rule.cases.iter().filter_map(|id| corpus.get(id)).collect();
    let holds: Vec<bool> = releases
        .iter()
        .map(|r| cases.iter().all(|c| c.applies_to(r)))
        .collect();
    let mut line = format!(
        "- NumPy releases: {}",
        match ranges(releases, &holds) {
            r if r.is_empty() => "none of those tested".to_string(),
            r => r.join(" or "),
        }
    );
    let variants: Vec<String> = corpus
        .cases()
        .filter(|c| {
            c.variant_of()
                .is_some_and(|of| rule.cases.iter().any(|id| id == of))
        })
        .map(|c| c.id.clone())
        .collect();
    if !variants.is_empty() {
        line.push_str(&format!(
            " (other releases: {}, the answers of {})",
            variants.join(", "),
            releases
                .iter()
                .zip(&holds)
                .filter(|(_, h)| !**h)
                .map(|(r, _)| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    line
}
