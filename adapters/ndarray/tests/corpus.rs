//! The whole corpus replayed in process on the ndarray backend.

use viewcheck::compare::Level;
use viewcheck::corpus::{self, Corpus, Status};
use viewcheck_ndarray::{NdarrayBackend, UNSUPPORTED};

fn results() -> Vec<corpus::CaseResult> {
    let corpus = Corpus::load(corpus::default_dir()).expect("the corpus loads");
    corpus::replay(&corpus, &NdarrayBackend, Level::Exact)
}

#[test]
fn summary() {
    let mut counts = std::collections::BTreeMap::new();
    for r in results() {
        let (kind, detail) = match &r.status {
            Status::Pass => ("pass", String::new()),
            Status::Fail(d) => ("fail", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" | ")),
            Status::BackendError(e) if e.contains(&format!("failed: {UNSUPPORTED}")) => ("unsupported", e.clone()),
            Status::BackendError(e) => ("error", e.clone()),
            Status::Unrecorded => ("unrecorded", String::new()),
        };
        *counts.entry(kind).or_insert(0) += 1;
        if std::env::var("SHOW").is_ok() {
            println!("{} {kind} {detail}", r.id);
        }
    }
    println!("{counts:?}");
}
