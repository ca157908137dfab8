//! The campaign worker's messages as JSON lines: the job its supervisor
//! gives it, and the [`Event`]s it sends back. Internal to `check` (the
//! worker and its supervisor are the same executable), so it carries no
//! version of its own.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value as Json};

use super::{Batch, CaseTimes, Event, Failure, FailureKind, OutcomeCounts};
use crate::compare::{Difference, Level};
use crate::format::{Program, StepOutcome};
use crate::generate::GenConfig;

/// What a campaign worker runs: cases `first, first + stride, ...` below
/// `end`, of the campaign given by the seed, level and generator.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Generator seed.
    pub seed: u64,
    /// Comparison level.
    pub level: Level,
    /// First case.
    pub first: u64,
    /// End of the cases (exclusive).
    pub end: u64,
    /// Distance between cases (1: all of them).
    pub stride: u64,
    /// Cases below this run *carefully*: every event is sent at once, with
    /// the program, so that a crash is pinned on its case and backend. Past
    /// it, finished cases are sent in batches a few times a second.
    pub careful_until: u64,
    /// The implementation under test in place of the strided crate (a
    /// command line speaking docs/PROTOCOL.md), if any.
    pub implementation: Option<String>,
    /// The per-program time limit the worker gives that implementation.
    pub impl_timeout_ms: u64,
    /// The generator's knobs.
    pub generator: GenConfig,
}

impl Job {
    /// The job as one JSON line.
    pub fn to_line(&self) -> String {
        json!({
            "seed": self.seed,
            "level": self.level.as_str(),
            "first": self.first,
            "end": self.end,
            "stride": self.stride,
            "careful_until": self.careful_until,
            "implementation": self.implementation,
            "impl_timeout_ms": self.impl_timeout_ms,
            "generator": serde_json::to_value(&self.generator).unwrap_or(Json::Null),
        })
        .to_string()
    }

    /// Reads a job line.
    pub fn parse(line: &str) -> Result<Job, String> {
        let v: Json = serde_json::from_str(line).map_err(|e| format!("bad job: {e}"))?;
        let int = |k: &str| {
            v[k].as_u64()
                .ok_or_else(|| format!("bad job: `{k}` is not an integer"))
        };
        Ok(Job {
            seed: int("seed")?,
            level: v["level"]
                .as_str()
                .unwrap_or("")
                .parse()
                .map_err(|e| format!("bad job: {e}"))?,
            first: int("first")?,
            end: int("end")?,
            stride: int("stride")?.max(1),
            careful_until: int("careful_until")?,
            implementation: v["implementation"].as_str().map(str::to_string),
            impl_timeout_ms: v["impl_timeout_ms"].as_u64().unwrap_or(10_000),
            generator: serde_json::from_value(v["generator"].clone())
                .map_err(|e| format!("bad job: generator: {e}"))?,
        })
    }

    /// The cases of the job, in order.
    pub fn cases(&self) -> impl Iterator<Item = u64> {
        (self.first..self.end).step_by(self.stride.max(1) as usize)
    }
}

fn outcome_to_str(o: &StepOutcome) -> String {
    match o {
        StepOutcome::Ok { warning: None } => "ok".into(),
        StepOutcome::Ok { warning: Some(w) } => format!("ok:{w}"),
        StepOutcome::Skipped => "skipped".into(),
        StepOutcome::Error(class) => format!("error:{class}"),
    }
}

fn outcome_from_str(s: &str) -> Option<StepOutcome> {
    Some(match s {
        "ok" => StepOutcome::Ok { warning: None },
        "skipped" => StepOutcome::Skipped,
        _ => match s.split_once(':')? {
            ("ok", w) => StepOutcome::Ok {
                warning: Some(w.to_string()),
            },
            ("error", c) => StepOutcome::Error(c.to_string()),
            _ => return None,
        },
    })
}

fn kind_to_json(k: &FailureKind) -> Json {
    match k {
        FailureKind::Divergence => json!({"type": "divergence"}),
        FailureKind::Generator => json!({"type": "generator"}),
        FailureKind::Interrupted => json!({"type": "interrupted"}),
        FailureKind::BackendError { backend } => {
            json!({"type": "backend_error", "backend": backend})
        }
        FailureKind::Crash { backend } => json!({"type": "crash", "backend": backend}),
        FailureKind::Timeout { backend } => json!({"type": "timeout", "backend": backend}),
    }
}

fn kind_from_json(v: &Json) -> Option<FailureKind> {
    let backend = || v["backend"].as_str().map(str::to_string);
    Some(match v["type"].as_str()? {
        "divergence" => FailureKind::Divergence,
        "generator" => FailureKind::Generator,
        "interrupted" => FailureKind::Interrupted,
        "backend_error" => FailureKind::BackendError {
            backend: backend()?,
        },
        "crash" => FailureKind::Crash {
            backend: backend()?,
        },
        "timeout" => FailureKind::Timeout {
            backend: backend()?,
        },
        _ => return None,
    })
}

fn diffs_to_json(diffs: &[Difference]) -> Json {
    Json::Array(
        diffs
            .iter()
            .map(|d| json!([d.path, d.expected, d.got]))
            .collect(),
    )
}

fn diffs_from_json(v: &Json) -> Option<Vec<Difference>> {
    v.as_array()?
        .iter()
        .map(|d| {
            Some(Difference {
                path: d[0].as_str()?.to_string(),
                expected: d[1].as_str()?.to_string(),
                got: d[2].as_str()?.to_string(),
            })
        })
        .collect()
}

/// A program that may not validate (a generator bug's) still travels: if it
/// does not parse on arrival it is replaced by an empty one, and its text
/// kept in the failure's differences by the sender.
fn program_from_json(v: &Json) -> Program {
    Program::from_json(v).unwrap_or_default()
}

fn failure_to_json(f: &Failure) -> Json {
    json!({
        "seed": f.seed,
        "case": f.case,
        "kind": kind_to_json(&f.kind),
        "original": f.original.to_json(),
        "shrunk": f.shrunk.to_json(),
        "diffs": diffs_to_json(&f.diffs),
        "first_step": f.first_step,
    })
}

fn failure_from_json(v: &Json) -> Option<Failure> {
    let mut f = Failure::new(
        v["seed"].as_u64()?,
        v["case"].as_u64()?,
        kind_from_json(&v["kind"])?,
        program_from_json(&v["original"]),
        diffs_from_json(&v["diffs"])?,
    );
    f.shrunk = program_from_json(&v["shrunk"]);
    f.first_step = v["first_step"].as_u64().map(|k| k as usize);
    Some(f)
}

fn nanos(d: Duration) -> u64 {
    d.as_nanos().min(u64::MAX as u128) as u64
}

/// An event as one JSON line.
pub fn event_to_line(e: &Event) -> String {
    let v = match e {
        Event::Case { case, program } => {
            json!({"ev": "case", "case": case, "program": program.to_json()})
        }
        Event::Got { case } => json!({"ev": "got", "case": case}),
        Event::Batch(b) => json!({
            "ev": "batch",
            "through": b.through,
            "cases": b.cases,
            "unsupported": b.unsupported,
            "by_kind": serde_json::to_value(&b.by_kind).unwrap_or(Json::Null),
            "rules": serde_json::to_value(&b.rules).unwrap_or(Json::Null),
            "times": [nanos(b.times.generate), nanos(b.times.expected), nanos(b.times.got), nanos(b.times.shrink)],
        }),
        Event::Found(f) => json!({"ev": "found", "failure": failure_to_json(f)}),
        Event::Failed(f) => json!({"ev": "failed", "failure": failure_to_json(f)}),
        Event::Alive { case, best } => json!({
            "ev": "alive",
            "case": case,
            "best": best.as_ref().map(Program::to_json),
        }),
        Event::Done {
            case,
            unsupported,
            outcomes,
            rules,
            times,
        } => json!({
            "ev": "done",
            "case": case,
            "unsupported": unsupported,
            "outcomes": outcomes.iter().map(outcome_to_str).collect::<Vec<_>>(),
            "rules": rules,
            "times": [nanos(times.generate), nanos(times.expected), nanos(times.got), nanos(times.shrink)],
        }),
    };
    v.to_string()
}

/// What a worker line says.
#[derive(Debug)]
pub enum Message {
    /// The worker is ready; the description of its oracle.
    Hello {
        /// e.g. `NumPy 2.4.6 (Python 3.11.7, ...)`.
        oracle: String,
        /// The name of the backend under test.
        got: String,
    },
    /// A campaign event.
    Event(Event),
    /// Every case of the job ran.
    End,
}

/// The hello line.
pub fn hello_line(oracle: &str, got: &str) -> String {
    json!({"ev": "hello", "oracle": oracle, "got": got}).to_string()
}

/// The end line.
pub fn end_line() -> String {
    json!({"ev": "end"}).to_string()
}

/// Reads a worker line.
pub fn parse_message(line: &str) -> Result<Message, String> {
    let v: Json = serde_json::from_str(line).map_err(|e| format!("unreadable message: {e}"))?;
    let case = || v["case"].as_u64().ok_or("a message without `case`");
    let bad = || format!("malformed `{}` message", v["ev"].as_str().unwrap_or("?"));
    Ok(match v["ev"].as_str().unwrap_or("") {
        "hello" => Message::Hello {
            oracle: v["oracle"].as_str().unwrap_or("").to_string(),
            got: v["got"].as_str().unwrap_or("strided").to_string(),
        },
        "end" => Message::End,
        "case" => Message::Event(Event::Case {
            case: case()?,
            program: Program::from_json(&v["program"]).map_err(|e| format!("case program: {e}"))?,
        }),
        "got" => Message::Event(Event::Got { case: case()? }),
        "batch" => {
            let t = |i: usize| Duration::from_nanos(v["times"][i].as_u64().unwrap_or(0));
            Message::Event(Event::Batch(Box::new(Batch {
                through: v["through"].as_u64().ok_or_else(bad)?,
                cases: v["cases"].as_u64().ok_or_else(bad)?,
                unsupported: v["unsupported"].as_u64().unwrap_or(0),
                by_kind: serde_json::from_value::<BTreeMap<String, OutcomeCounts>>(
                    v["by_kind"].clone(),
                )
                .map_err(|_| bad())?,
                rules: serde_json::from_value(v["rules"].clone()).unwrap_or_default(),
                times: CaseTimes {
                    generate: t(0),
                    expected: t(1),
                    got: t(2),
                    shrink: t(3),
                },
            })))
        }
        "found" => Message::Event(Event::Found(Box::new(
            failure_from_json(&v["failure"]).ok_or_else(bad)?,
        ))),
        "failed" => Message::Event(Event::Failed(Box::new(
            failure_from_json(&v["failure"]).ok_or_else(bad)?,
        ))),
        "alive" => Message::Event(Event::Alive {
            case: case()?,
            best: (!v["best"].is_null()).then(|| program_from_json(&v["best"])),
        }),
        "done" => {
            let outcomes = v["outcomes"]
                .as_array()
                .ok_or_else(bad)?
                .iter()
                .map(|o| o.as_str().and_then(outcome_from_str))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(bad)?;
            let t = |i: usize| Duration::from_nanos(v["times"][i].as_u64().unwrap_or(0));
            Message::Event(Event::Done {
                case: case()?,
                unsupported: v["unsupported"].as_bool().unwrap_or(false),
                outcomes,
                rules: serde_json::from_value(v["rules"].clone()).unwrap_or_default(),
                times: CaseTimes {
                    generate: t(0),
                    expected: t(1),
                    got: t(2),
                    shrink: t(3),
                },
            })
        }
        other => return Err(format!("unknown message `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_survive_the_wire() {
        let program = Program::parse(
            r#"{"format":1,"steps":[{"op":"array","out":"a","shape":[3]},{"op":"index","out":"b","src":"a","index":[5]}]}"#,
        )
        .unwrap();
        let mut f = Failure::new(
            7,
            3,
            FailureKind::Timeout {
                backend: "numpy".into(),
            },
            program.clone(),
            vec![Difference {
                path: "backend".into(),
                expected: "an observation".into(),
                got: "timeout".into(),
            }],
        );
        f.first_step = Some(1);
        let events = [
            Event::Case {
                case: 3,
                program: program.clone(),
            },
            Event::Got { case: 3 },
            Event::Found(Box::new(f.clone())),
            Event::Alive {
                case: 3,
                best: Some(program.clone()),
            },
            Event::Failed(Box::new(f)),
            Event::Batch(Box::new(Batch {
                through: 9,
                cases: 2,
                unsupported: 1,
                by_kind: [(
                    "index[slice]".to_string(),
                    OutcomeCounts {
                        ok: 3,
                        errors: [("IndexError".to_string(), 2)].into_iter().collect(),
                        skipped: 1,
                    },
                )]
                .into_iter()
                .collect(),
                rules: [("R-SLICE-1".to_string(), 4)].into_iter().collect(),
                times: CaseTimes {
                    generate: Duration::from_nanos(1),
                    expected: Duration::from_nanos(2),
                    got: Duration::from_nanos(3),
                    shrink: Duration::from_nanos(4),
                },
            })),
            Event::Done {
                case: 3,
                unsupported: true,
                outcomes: vec![
                    StepOutcome::Ok { warning: None },
                    StepOutcome::Error("IndexError".into()),
                    StepOutcome::Skipped,
                    StepOutcome::Ok {
                        warning: Some("RuntimeWarning".into()),
                    },
                ],
                rules: [("V-STEP-1".to_string(), 1)].into_iter().collect(),
                times: CaseTimes {
                    generate: Duration::from_nanos(5),
                    expected: Duration::from_nanos(6),
                    got: Duration::from_nanos(7),
                    shrink: Duration::from_nanos(8),
                },
            },
        ];
        for e in events {
            let line = event_to_line(&e);
            match parse_message(&line).unwrap() {
                Message::Event(back) => assert_eq!(format!("{back:?}"), format!("{e:?}")),
                other => panic!("{other:?}"),
            }
        }
        let job = Job {
            seed: 1,
            level: Level::Layout,
            first: 4,
            end: 20,
            stride: 3,
            careful_until: 9,
            implementation: Some("python3 adapter.py".into()),
            impl_timeout_ms: 7500,
            generator: GenConfig::default(),
        };
        assert_eq!(Job::parse(&job.to_line()).unwrap(), job);
        assert_eq!(job.cases().collect::<Vec<_>>(), [4, 7, 10, 13, 16, 19]);
    }
}
