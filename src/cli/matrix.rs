//! `viewcheck matrix`: the corpus on a list of NumPy releases — which
//! releases each recorded answer holds for, and (`--write`) the ranges and
//! variant cases that record it.

use std::time::Instant;

use viewcheck::corpus::{self, Matrix, Plan};

use super::*;
use crate::Fatal;

/// What `viewcheck matrix` was asked to do.
pub(crate) struct MatrixArgs {
    pub(crate) releases: Vec<String>,
    pub(crate) corpus: std::path::PathBuf,
    pub(crate) write: bool,
    pub(crate) check: bool,
    pub(crate) timeout: Duration,
}

pub(crate) fn matrix(args: MatrixArgs) -> Result<u8, Fatal> {
    numpy_backend("`matrix`")?;
    let mut corpus = load_corpus(&args.corpus)?;
    let mut releases = expand(&args.releases);
    corpus::sort_releases(&mut releases);
    releases.dedup();
    let started = Instant::now();
    let mut m = Matrix {
        releases: releases.clone(),
        ..Matrix::default()
    };
    for release in &releases {
        let t = Instant::now();
        let spec = ImplSpec::Numpy(NumpyRun {
            version: Some(release.clone()),
            raw_writes: false,
        });
        let backend = impl_backend(&spec, args.timeout)?;
        let got = backend.implementation().version;
        if &got != release {
            return Err(Fatal::env(format!(
                "asked for NumPy {release}, the worker runs NumPy {got}"
            )));
        }
        let mut failed = 0;
        for case in corpus.cases() {
            let answer = case.run(&backend);
            failed += usize::from(answer.is_err());
            m.answers.entry(case.id.clone()).or_default().push(answer);
        }
        eprintln!(
            "matrix: NumPy {release}: {} cases run ({failed} without an answer) in {:.1} s",
            corpus.len(),
            t.elapsed().as_secs_f64()
        );
    }
    let plan = corpus::plan(&corpus, &m);
    print_plan(&m, &plan);
    let pending = plan.ranges.iter().filter(|c| c.new.is_some()).count() + plan.variants.len();
    out!(
        "matrix: {} cases on NumPy {} ({:.1} s): {} ranges to change, {} variant cases to add, {} answers missing",
        corpus.len(),
        releases.join(", "),
        started.elapsed().as_secs_f64(),
        plan.ranges.iter().filter(|c| c.new.is_some()).count(),
        plan.variants.len(),
        plan.unknown.len()
    );
    if args.write {
        let added = corpus::apply_plan(&mut corpus, &plan, &releases)
            .map_err(|p| Fatal::env(p.to_string()))?;
        for (id, v) in added.iter().zip(&plan.variants) {
            out!(
                "added      {id}: {} on NumPy {}",
                v.of,
                v.releases.join(", ")
            );
        }
        let corpus = load_corpus(&args.corpus)?;
        let rules = corpus::rules_with_releases(&corpus, &releases);
        std::fs::write(args.corpus.join("RULES.md"), rules)
            .map_err(|e| Fatal::env(format!("cannot write RULES.md: {e}")))?;
        out!(
            "written: {} ranges, {} cases added, RULES.md releases; list them in corpus/CHANGELOG.md",
            plan.ranges.iter().filter(|c| c.new.is_some()).count(),
            added.len()
        );
        return Ok(0);
    }
    if !plan.unknown.is_empty() {
        return Ok(1);
    }
    Ok(u8::from(args.check && pending > 0))
}

fn print_plan(m: &Matrix, plan: &Plan) {
    for (r, release) in m.releases.iter().enumerate() {
        let holds = plan.ranges.iter().filter(|c| c.holds[r]).count();
        out!(
            "NumPy {release}: {holds} of {} answers hold",
            plan.ranges.len()
        );
    }
    for c in plan.ranges.iter().filter(|c| c.new.is_some()) {
        out!(
            "RANGE      {}: {} -> {}",
            c.id,
            c.old.join(" | "),
            c.new.as_ref().map(|n| n.join(" | ")).unwrap_or_default()
        );
    }
    for v in &plan.variants {
        out!("DIFFERS    {} on NumPy {}", v.of, v.releases.join(", "));
        for d in v.diffs.iter().take(4) {
            out!(
                "           {}: recorded {} there {}",
                d.path,
                d.expected,
                d.got
            );
        }
    }
    for (id, release, e) in &plan.unknown {
        out!("NO ANSWER  {id} on NumPy {release}: {e}");
    }
}

/// One entry of `matrix --numpy`: a supported release, or `all`.
pub(crate) fn parse_release(s: &str) -> Result<String, String> {
    match s.trim() {
        "all" => Ok("all".into()),
        r => parse_numpy(r),
    }
}

/// The releases `--numpy` names (none, or `all`: the default list).
fn expand(releases: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in releases {
        if r == "all" {
            out.extend(corpus::MATRIX_RELEASES.iter().map(|r| r.to_string()));
        } else {
            out.push(r.clone());
        }
    }
    if out.is_empty() {
        out.extend(corpus::MATRIX_RELEASES.iter().map(|r| r.to_string()));
    }
    out
}
