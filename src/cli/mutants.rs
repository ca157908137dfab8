//! `viewcheck mutants` (hidden; feature `mutants`): the measured power of
//! the suite. For each semantic mutant of viewcheck-arrays
//! (`viewcheck_arrays::mutants::CATALOG`), this executable is run again with
//! `VIEWCHECK_MUTANT` set: once as `replay --backend strided` (which corpus
//! cases kill it) and once as a bounded `check` campaign with a fixed seed
//! (after how many programs the first failure comes, and how small it
//! shrinks). A mutant neither kills is SURVIVED.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use viewcheck_arrays::mutants::{Mutant, CATALOG, ENV};

use crate::Fatal;

/// The mutants `.ci/run` measures (`--ci`): one per area (arithmetic,
/// flags, layout, views, indexing, caps, limits, errors, writes, overlap),
/// each killed by the corpus and within 100 programs of the default
/// campaign (seed 20240611), and cheap in a debug build (the
/// `limit-ignores-subspace` mutant is not: its kills write 2^24 elements).
pub(crate) const CI_SUBSET: &[&str] = &[
    "add-saturates",
    "contig-strict-len1",
    "empty-alloc-fill-strides",
    "reshape-noncontig-copies",
    "slice-empty-keeps-start",
    "fancy-cap-off-by-one",
    "limit-mask-full-size",
    "squeeze-axis-error-class",
    "write-first-wins",
    "overlap-bound-off-by-one",
];

pub(crate) struct MutantsArgs {
    pub(crate) cases: u64,
    pub(crate) seed: u64,
    pub(crate) only: Vec<String>,
    pub(crate) ci: bool,
    pub(crate) skip_corpus: bool,
    pub(crate) skip_check: bool,
    pub(crate) work_dir: PathBuf,
    /// Extra arguments passed to every `check` (generator knobs).
    pub(crate) check_args: Vec<String>,
    pub(crate) list: bool,
}

/// What one mutant's measurements gave.
struct Outcome {
    mutant: &'static Mutant,
    /// Corpus case ids that fail under the mutant (`None`: not measured).
    corpus: Option<Vec<String>>,
    /// The first failing case of the campaign, its kind and shrunk length
    /// (`None` inside: survived; outer `None`: not measured).
    check: Option<Option<Kill>>,
    seconds: f64,
}

struct Kill {
    case: u64,
    kind: String,
    steps: usize,
    original: usize,
}

pub(crate) fn mutants(a: MutantsArgs) -> Result<u8, Fatal> {
    if a.list {
        for m in CATALOG {
            let ci = if CI_SUBSET.contains(&m.name) {
                " [ci]"
            } else {
                ""
            };
            out!("{:<32} {}{ci}", m.name, m.description);
        }
        return Ok(0);
    }
    let selected: Vec<&'static Mutant> = if a.ci {
        CATALOG
            .iter()
            .filter(|m| CI_SUBSET.contains(&m.name))
            .collect()
    } else if a.only.is_empty() {
        CATALOG.iter().collect()
    } else {
        let mut v = Vec::new();
        for name in &a.only {
            match CATALOG.iter().find(|m| m.name == name) {
                Some(m) => v.push(m),
                None => {
                    return Err(Fatal {
                        code: 2,
                        message: format!(
                            "no such mutant `{name}` (see `viewcheck mutants --list`)"
                        ),
                    })
                }
            }
        }
        v
    };
    let exe = std::env::current_exe()
        .map_err(|e| Fatal::env(format!("cannot find the viewcheck executable: {e}")))?;
    std::fs::create_dir_all(&a.work_dir)
        .map_err(|e| Fatal::env(format!("cannot create {}: {e}", a.work_dir.display())))?;
    out!(
        "viewcheck mutants: {} mutant(s); corpus replay{}; check --cases {} --seed {}{}",
        selected.len(),
        if a.skip_corpus { " skipped" } else { "" },
        a.cases,
        a.seed,
        if a.skip_check { " skipped" } else { "" },
    );
    let mut outcomes = Vec::new();
    for m in selected {
        let started = Instant::now();
        let dir = a.work_dir.join(m.name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| Fatal::env(format!("cannot create {}: {e}", dir.display())))?;
        let corpus = if a.skip_corpus {
            None
        } else {
            Some(corpus_kills(&exe, m, &dir)?)
        };
        let check = if a.skip_check {
            None
        } else {
            Some(check_kill(&exe, m, &dir, &a)?)
        };
        let o = Outcome {
            mutant: m,
            corpus,
            check,
            seconds: started.elapsed().as_secs_f64(),
        };
        eprintln!("  {}", row(&o));
        outcomes.push(o);
    }
    out!();
    out!(
        "{:<32} {:>6}  {:<28} {:>9}  {:<24} {:>6}",
        "mutant",
        "corpus",
        "corpus cases (first 3)",
        "check",
        "kill (kind, shrunk steps)",
        "secs"
    );
    for o in &outcomes {
        out!("{}", row(o));
    }
    let survived: Vec<&str> = outcomes
        .iter()
        .filter(|o| !corpus_killed(o) && !check_killed(o))
        .map(|o| o.mutant.name)
        .collect();
    let corpus_missed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.corpus.is_some() && !corpus_killed(o))
        .map(|o| o.mutant.name)
        .collect();
    let check_missed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.check.is_some() && !check_killed(o))
        .map(|o| o.mutant.name)
        .collect();
    let kills: Vec<u64> = outcomes
        .iter()
        .filter_map(|o| match &o.check {
            Some(Some(k)) => Some(k.case + 1),
            _ => None,
        })
        .collect();
    out!();
    let measured = |v: bool, n: usize| {
        if v {
            format!("{n}/{}", outcomes.len())
        } else {
            "not measured".to_string()
        }
    };
    out!(
        "killed by the corpus: {}; by check within {} programs: {}{}",
        measured(!a.skip_corpus, outcomes.len() - corpus_missed.len()),
        a.cases,
        measured(!a.skip_check, kills.len()),
        if kills.is_empty() {
            String::new()
        } else {
            let mut k = kills.clone();
            k.sort_unstable();
            format!(
                " (programs to kill: median {}, max {}, total {})",
                k[k.len() / 2],
                k[k.len() - 1],
                k.iter().sum::<u64>()
            )
        }
    );
    if !corpus_missed.is_empty() {
        out!("missed by the corpus: {}", corpus_missed.join(", "));
    }
    if !check_missed.is_empty() {
        out!("missed by check: {}", check_missed.join(", "));
    }
    if !survived.is_empty() {
        out!("SURVIVED (neither kills): {}", survived.join(", "));
    }
    // `--ci` gates both measures: a mutant of the subset that the corpus or
    // the bounded campaign misses fails the run. Otherwise only a mutant
    // that survives everything does.
    let failed = if a.ci {
        !corpus_missed.is_empty() || !check_missed.is_empty()
    } else {
        !survived.is_empty()
    };
    Ok(u8::from(failed))
}

fn corpus_killed(o: &Outcome) -> bool {
    o.corpus.as_ref().is_some_and(|ids| !ids.is_empty())
}

fn check_killed(o: &Outcome) -> bool {
    matches!(o.check, Some(Some(_)))
}

fn row(o: &Outcome) -> String {
    let (n, ids) = match &o.corpus {
        None => ("-".to_string(), String::new()),
        Some(ids) => {
            let mut shown = ids.iter().take(3).cloned().collect::<Vec<_>>().join(",");
            if ids.len() > 3 {
                shown.push_str(",...");
            }
            (ids.len().to_string(), shown)
        }
    };
    let (programs, kill) = match &o.check {
        None => ("-".to_string(), String::new()),
        Some(None) => ("SURVIVED".to_string(), String::new()),
        Some(Some(k)) => (
            (k.case + 1).to_string(),
            format!("{}, {}/{} steps", k.kind, k.steps, k.original),
        ),
    };
    format!(
        "{:<32} {:>6}  {:<28} {:>9}  {:<24} {:>6.1}",
        o.mutant.name, n, ids, programs, kill, o.seconds
    )
}

/// The ids of the corpus cases that do not pass on the strided crate with
/// the mutant active (read from the expectations file `replay` writes).
fn corpus_kills(exe: &Path, m: &Mutant, dir: &Path) -> Result<Vec<String>, Fatal> {
    let file = dir.join("corpus-failures.txt");
    let status = Command::new(exe)
        .args(["replay", "--backend", "strided", "--write-expectations"])
        .arg(&file)
        .env(ENV, m.name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| Fatal::env(format!("cannot run replay: {e}")))?;
    let text = std::fs::read_to_string(&file).map_err(|e| {
        Fatal::env(format!(
            "replay under mutant {} ({status}) wrote no {}: {e}",
            m.name,
            file.display()
        ))
    })?;
    Ok(text
        .lines()
        .filter_map(|l| l.strip_prefix("xfail "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect())
}

/// The first failure of a bounded `check` campaign under the mutant.
fn check_kill(exe: &Path, m: &Mutant, dir: &Path, a: &MutantsArgs) -> Result<Option<Kill>, Fatal> {
    let report = dir.join("check.jsonl");
    let status = Command::new(exe)
        .arg("check")
        .args(["--cases", &a.cases.to_string()])
        .args(["--seed", &a.seed.to_string()])
        .args(["--max-failures", "1", "--quiet"])
        // Generous: a loaded machine must not pass a slow case for a kill.
        .args(["--timeout", "60"])
        .arg("--failures-dir")
        .arg(dir.join("failures"))
        .arg("--report")
        .arg(&report)
        .args(&a.check_args)
        .env(ENV, m.name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| Fatal::env(format!("cannot run check: {e}")))?;
    let text = std::fs::read_to_string(&report).map_err(|e| {
        Fatal::env(format!(
            "check under mutant {} ({status}) wrote no {}: {e}",
            m.name,
            report.display()
        ))
    })?;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| Fatal::env(format!("{}: {e}", report.display())))?;
        if v["type"] == "failure" {
            let steps = |key: &str| v[key]["steps"].as_array().map_or(0, Vec::len);
            return Ok(Some(Kill {
                case: v["case"].as_u64().unwrap_or(0),
                kind: v["kind"].as_str().unwrap_or("?").to_string(),
                steps: steps("program"),
                original: steps("original"),
            }));
        }
    }
    Ok(None)
}
