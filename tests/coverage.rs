//! Rule coverage (`viewcheck::coverage`): the attribution of steps to the
//! rules of corpus/RULES.md, checked on corpus cases whose rules are known.

use std::collections::{BTreeMap, BTreeSet};

use viewcheck::corpus::{parse_rules, Case, CaseProgram, Corpus};
use viewcheck::coverage::{all_rule_ids, count_rules, step_rules, summary, unreached};
use viewcheck::format::Program;

fn corpus() -> Corpus {
    Corpus::load(viewcheck::corpus::default_dir()).unwrap_or_else(|p| panic!("{p}"))
}

fn case<'a>(c: &'a Corpus, id: &str) -> (&'a Case, &'a Program) {
    let case = c.cases().find(|k| k.id == id).expect("case exists");
    match &case.program {
        CaseProgram::Valid(p) => (case, p),
        CaseProgram::Rejected(_) => panic!("{id} is rejected"),
    }
}

/// The rules step `k` of case `id` is attributed to.
fn rules_of(c: &Corpus, id: &str, k: usize) -> BTreeSet<&'static str> {
    let (case, p) = case(c, id);
    step_rules(p, k, case.expect.as_ref().expect("recorded"))
}

#[track_caller]
fn has(rules: &BTreeSet<&'static str>, want: &[&str]) {
    for w in want {
        assert!(rules.contains(w), "{w} missing from {rules:?}");
    }
}

#[test]
fn steps_are_attributed_to_their_rules() {
    let c = corpus();
    // VC-0721: a K copy of an F-contiguous array with a length-1 axis.
    has(
        &rules_of(&c, "VC-0721", 1),
        &["R-COPY-1", "R-OWN-1", "R-STRIDE-3", "R-FLAGS-1"],
    );
    // VC-0723: 64 0-d booleans with an ellipsis; 65 raise IndexError.
    has(
        &rules_of(&c, "VC-0723", 1),
        &["R-INDEX-9", "R-INDEX-10", "R-INDEX-5", "R-FANCY-1"],
    );
    has(&rules_of(&c, "VC-0723", 3), &["R-INDEX-10"]);
    // VC-0727: a write over the limit is LimitExceeded.
    let r = rules_of(&c, "VC-0727", 1);
    assert_eq!(r, ["V-LIMIT-1"].into_iter().collect(), "{r:?}");
    // VC-0728: slices of one buffer; a reversed one shares with the others.
    has(
        &rules_of(&c, "VC-0728", 2),
        &["R-SLICE-1", "R-SHARE-2", "R-WFLAG-1"],
    );
    // VC-0662: a result within 2^24 but over the program's 2^22 budget.
    let r = rules_of(&c, "VC-0662", 1);
    assert_eq!(r, ["V-LIMIT-2"].into_iter().collect(), "{r:?}");
    // VC-0725: an empty mask on a non-empty axis, read and written.
    has(
        &rules_of(&c, "VC-0725", 1),
        &["R-MASK-2", "R-FANCY-1", "R-FANCY-6"],
    );
    has(&rules_of(&c, "VC-0725", 3), &["R-WRITE-3", "R-MASK-2"]);
}

#[test]
fn skipped_steps_and_rejected_programs() {
    let c = corpus();
    let skips: Vec<(&Case, &Program, usize)> = c
        .cases()
        .filter_map(|k| match &k.program {
            CaseProgram::Valid(p) => Some((k, p)),
            _ => None,
        })
        .flat_map(|(k, p)| {
            let e = k.expect.as_ref().unwrap();
            (0..p.steps.len())
                .filter(|&i| e.steps[i].outcome == viewcheck::format::StepOutcome::Skipped)
                .map(move |i| (k, p, i))
        })
        .collect();
    assert!(!skips.is_empty());
    for (k, p, i) in skips {
        let r = step_rules(p, i, k.expect.as_ref().unwrap());
        assert_eq!(r.len(), 1, "{} steps[{i}]: {r:?}", k.id);
        assert!(
            r.contains("V-STEP-1") || r.contains("V-STEP-2"),
            "{}: {r:?}",
            k.id
        );
    }
    let rejected = c
        .cases()
        .find(|k| matches!(k.program, CaseProgram::Rejected(_)))
        .unwrap();
    let mut counts = BTreeMap::new();
    count_rules(
        &mut counts,
        &Program::default(),
        &rejected.rejection().unwrap(),
    );
    assert_eq!(counts.get("V-FORMAT-1"), Some(&1));
}

/// Over the whole corpus, every rule is reached, and most (case, rule)
/// pairs that RULES.md lists are attributed to some step of that case.
#[test]
fn the_corpus_reaches_the_rules_it_lists() {
    let c = corpus();
    let mut counts = BTreeMap::new();
    let mut per_case: BTreeMap<&str, BTreeSet<&'static str>> = BTreeMap::new();
    for k in c.cases() {
        let Some(e) = k.expect.as_ref() else { continue };
        match &k.program {
            CaseProgram::Valid(p) => {
                count_rules(&mut counts, p, e);
                let set = per_case.entry(k.id.as_str()).or_default();
                if e.format_error.is_none() {
                    for i in 0..p.steps.len().min(e.steps.len()) {
                        set.extend(step_rules(p, i, e));
                    }
                }
            }
            CaseProgram::Rejected(_) => {
                count_rules(&mut counts, &Program::default(), e);
                per_case
                    .entry(k.id.as_str())
                    .or_default()
                    .insert("V-FORMAT-1");
            }
        }
    }
    let missing = unreached(&counts);
    assert!(
        missing.is_empty(),
        "rules no corpus step reaches: {missing:?}"
    );
    let rules = parse_rules(&c.rules_text());
    let (mut listed, mut found, mut misses) = (0, 0, Vec::new());
    for rule in &rules {
        for id in &rule.cases {
            listed += 1;
            if per_case
                .get(id.as_str())
                .is_some_and(|s| s.contains(rule.id.as_str()))
            {
                found += 1;
            } else {
                misses.push(format!("{id}:{}", rule.id));
            }
        }
    }
    let recall = found as f64 / listed as f64;
    eprintln!(
        "attributed {found} of {listed} listed (case, rule) pairs ({:.1}%)",
        100.0 * recall
    );
    assert!(
        recall >= 0.85,
        "only {found} of {listed} listed (case, rule) pairs attributed; missed: {misses:?}"
    );
    assert_eq!(all_rule_ids().len(), rules.len());
    let text = summary(&counts, false);
    assert!(text.starts_with(&format!(
        "rules:        {} of {} rules",
        rules.len() - missing.len(),
        rules.len()
    )));
}
