//! `viewcheck replay`: the corpus on an implementation, with expectations and reports.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use viewcheck::backend::{Backend, StridedBackend};
use viewcheck::compare::{silence_backend_panics, Level};

use super::*;
use crate::Fatal;

pub(crate) struct ReplayArgs {
    pub(crate) implementation: ImplSpec,
    pub(crate) level: Level,
    pub(crate) corpus: PathBuf,
    pub(crate) verbose: bool,
    pub(crate) render: bool,
    pub(crate) expectations: Option<PathBuf>,
    pub(crate) strict: bool,
    pub(crate) write_expectations: Option<PathBuf>,
    pub(crate) report: Option<PathBuf>,
    pub(crate) timeout: Duration,
    /// Whose recorded answers to compare with: the cases whose `numpy`
    /// range includes this release (`None`: the pin).
    pub(crate) answers: Option<String>,
}

pub(crate) fn replay(a: ReplayArgs) -> Result<u8, Fatal> {
    use viewcheck::conformance::{self as cf, CaseReport, CaseStatus, Expectations};
    let corpus = load_corpus(&a.corpus)?;
    let expectations = match &a.expectations {
        Some(p) => Expectations::load(p).map_err(|e| Fatal {
            code: 2,
            message: e,
        })?,
        None => Expectations::default(),
    };
    let process = match &a.implementation {
        ImplSpec::InProcessStrided => None,
        spec => Some(impl_backend(spec, a.timeout)?),
    };
    let backend: &dyn Backend = match &process {
        None => &StridedBackend,
        Some(p) => p,
    };
    silence_backend_panics();
    let started = Instant::now();
    let mut cases = Vec::new();
    let answers = a
        .answers
        .clone()
        .unwrap_or_else(|| viewcheck_oracle_pin().to_owned());
    let under_test = process
        .as_ref()
        .map(|p| p.implementation())
        .filter(|i| i.name == "numpy")
        .map(|i| i.version);
    let other_releases = corpus.cases().filter(|c| !c.applies_to(&answers)).count();
    for case in corpus.cases().filter(|c| c.applies_to(&answers)) {
        let entry = expectations.lookup(&case.id);
        let (raw, mut detail, diffs, got) = if entry.is_some_and(|e| e.expect == cf::Expect::Skip) {
            (CaseStatus::Skip, String::new(), Vec::new(), None)
        } else {
            let (status, got) = viewcheck::corpus::replay_case_observed(case, backend, a.level);
            let (st, mut detail) = cf::raw_status(&status);
            if st == CaseStatus::Fail {
                if let Some(v) = &under_test {
                    detail.push_str(&explain(&corpus, case, v));
                }
            }
            let diffs = match status {
                viewcheck::corpus::Status::Fail(d) => d,
                _ => Vec::new(),
            };
            // A pass's observation is NumPy's; reports keep only the others.
            let got = got.filter(|_| st != CaseStatus::Pass).map(|o| o.to_json());
            (st, detail, diffs, got)
        };
        let status = cf::apply(raw, entry);
        if matches!(
            status,
            CaseStatus::XFail | CaseStatus::XPass | CaseStatus::Skip
        ) {
            if let Some(e) = entry {
                detail = if detail.is_empty() {
                    e.reason.clone()
                } else {
                    format!("{} ({detail})", e.reason)
                };
            }
        }
        let program = case.raw.get("program").cloned().unwrap_or_default();
        let expected = case.raw.get("expect").cloned().unwrap_or_default();
        cases.push(CaseReport {
            id: case.id.clone(),
            area: case.area.clone(),
            status,
            detail,
            diffs,
            program,
            expected,
            got,
        });
    }
    let elapsed = started.elapsed();
    for c in &cases {
        let shown = a.verbose || c.status != CaseStatus::Pass;
        if !shown {
            continue;
        }
        out!(
            "{:<11} {}  {}",
            c.status.as_str().to_uppercase(),
            c.id,
            c.detail.lines().next().unwrap_or("")
        );
        for d in c.diffs.iter().skip(1) {
            out!("            {d}");
        }
        if a.render && !c.diffs.is_empty() {
            render_case(&corpus, c);
        }
    }
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    for e in expectations.unmatched(&ids) {
        eprintln!(
            "viewcheck: warning: {}:{}: `{}` matches no case",
            a.expectations
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            e.line,
            e.pattern
        );
    }
    let counts = cf::counts(&cases);
    let summary: Vec<String> = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    out!(
        "replay on {} at {} against NumPy {answers}'s answers: {} cases: {} ({} cases/s){}",
        backend.name(),
        a.level,
        cases.len(),
        summary.join(", "),
        rate(cases.len() as u64, elapsed),
        if other_releases > 0 {
            format!("; {other_releases} cases record other releases' answers")
        } else {
            String::new()
        }
    );
    let rules_text = std::fs::read_to_string(corpus.root.join("RULES.md")).unwrap_or_default();
    let rules = viewcheck::corpus::parse_rules(&rules_text);
    let summaries = cf::rule_summaries(&rules, &cases);
    if let Some(path) = &a.write_expectations {
        let failures: Vec<(String, String)> = cases
            .iter()
            .filter(|c| c.status.disagrees())
            .map(|c| {
                let reason = if c.detail.starts_with(c.status.as_str()) {
                    c.detail.clone()
                } else {
                    format!("{}: {}", c.status, c.detail)
                };
                (c.id.clone(), reason)
            })
            .collect();
        let header = format!(
            "viewcheck expectations for {} (written by `viewcheck replay --write-expectations`)\nxfail: known to fail; skip: not run. One entry per line: KIND ID-OR-GLOB REASON",
            backend.name()
        );
        std::fs::write(path, Expectations::write(&header, &failures))
            .map_err(|e| Fatal::env(format!("cannot write {}: {e}", path.display())))?;
        out!(
            "wrote {} expectation(s) to {}",
            failures.len(),
            path.display()
        );
    }
    if let Some(dir) = &a.report {
        let capabilities = backend.capabilities();
        let implementation = match &process {
            None => viewcheck::protocol::Implementation {
                name: "viewcheck-arrays".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                language: "rust".into(),
            },
            Some(p) => p.implementation(),
        };
        let header = serde_json::json!({
            "viewcheck": env!("CARGO_PKG_VERSION"),
            "corpus": std::fs::read_to_string(corpus.root.join("VERSION")).unwrap_or_default().trim(),
            "numpy": answers,
            "implementation": implementation,
            "capabilities": capabilities,
            "platform": {"os": std::env::consts::OS, "arch": std::env::consts::ARCH},
            "level": a.level.as_str(),
            "expectations": a.expectations.as_ref().map(|p| p.display().to_string()),
        });
        std::fs::create_dir_all(dir)
            .map_err(|e| Fatal::env(format!("cannot create {}: {e}", dir.display())))?;
        let write = |name: &str, text: String| {
            let p = dir.join(name);
            std::fs::write(&p, text)
                .map_err(|e| Fatal::env(format!("cannot write {}: {e}", p.display())))
        };
        write(
            "report.html",
            viewcheck::report_html::html_report(&header, &cases, &summaries),
        )?;
        write("report.jsonl", cf::jsonl_report(header, &cases, &summaries))?;
        write(
            "rules.md",
            cf::rules_markdown(&implementation.name, &summaries),
        )?;
        out!("report written to {}", dir.display());
    }
    let failed = cases
        .iter()
        .filter(|c| c.status.is_failure(a.strict))
        .count();
    let checked = cases
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                CaseStatus::Pass | CaseStatus::Fail | CaseStatus::XFail | CaseStatus::XPass
            )
        })
        .count();
    if checked == 0 {
        eprintln!(
            "viewcheck: nothing was checked: every case was skipped, unsupported or failed to run"
        );
        return Ok(1);
    }
    Ok(u8::from(failed > 0))
}

/// `replay --render`: a failing case's buffers, and its program as NumPy and
/// Rust code.
/// Why NumPy `version` (under test) fails `case`, from the corpus: the
/// variant case recording that release's own answer, or the write
/// deviation the recorded answer marks.
fn explain(
    corpus: &viewcheck::corpus::Corpus,
    case: &viewcheck::corpus::Case,
    version: &str,
) -> String {
    let deviation = |o: Option<&viewcheck::format::Observation>| -> Option<String> {
        o?.steps.iter().enumerate().find_map(|(i, s)| {
            s.extra
                .get("numpy_deviation")
                .map(|d| format!("steps[{i}] numpy_deviation {d}"))
        })
    };
    let variant = corpus
        .cases()
        .find(|c| c.variant_of() == Some(case.id.as_str()) && c.applies_to(version));
    match (variant, deviation(case.expect.as_ref())) {
        (Some(v), _) => match deviation(v.expect.as_ref()) {
            Some(d) => format!(" [NumPy {version}'s own write deviates: {}, {d}]", v.id),
            None => format!(
                " [NumPy {version} behaves differently: its answer is {}]",
                v.id
            ),
        },
        (None, Some(d)) => {
            format!(" [NumPy's own write deviates from the documented semantics: {d}]")
        }
        (None, None) => String::new(),
    }
}

fn render_case(corpus: &viewcheck::corpus::Corpus, c: &viewcheck::conformance::CaseReport) {
    use viewcheck::render::{buffer_picture, numpy_script, rust_snippet};
    let Some(case) = corpus.get(&c.id) else {
        return;
    };
    let (Some(expected), viewcheck::corpus::CaseProgram::Valid(program)) =
        (&case.expect, &case.program)
    else {
        return;
    };
    let got = c
        .got
        .as_ref()
        .and_then(|g| viewcheck::format::Observation::from_json(g).ok());
    out!("--- buffers (NumPy's rows, then the implementation's; ! marks a difference)");
    out_raw!("{}", buffer_picture(expected, got.as_ref()));
    out!("--- as a NumPy script");
    out_raw!("{}", numpy_script(program));
    out!("--- as Rust code against viewcheck-arrays");
    out_raw!("{}", rust_snippet(program));
    out!("---");
}
