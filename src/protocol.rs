//! The implementation protocol, version 1: how viewcheck talks to a backend
//! that runs in another process (its own NumPy worker, its strided worker,
//! or an implementation under test in any language).
//!
//! JSON Lines over the child's standard input and output, one message per
//! line, each an object with a `type`:
//!
//! | from | message |
//! |---|---|
//! | harness | `{"type": "start", "protocol": 1}` |
//! | implementation | `{"type": "started", "protocol": 1, "implementation": {"name": ..., "version": ..., "language": ...}, "capabilities": {...}}` |
//! | harness | `{"type": "run", "seq": 7, "program": PROGRAM}` |
//! | implementation | `{"type": "result", "seq": 7, "observation": OBSERVATION}` |
//! | implementation | `{"type": "unsupported", "seq": 7, "reason": "..."}` |
//! | implementation | `{"type": "error", "seq": 7, "message": "..."}` |
//! | harness | `{"type": "stop"}` |
//!
//! The harness waits for each answer with a deadline ([`ProcessBackend`]);
//! a child that dies or hangs is reported as a crash or timeout of that one
//! program and replaced by a fresh one before the next.

use std::cell::RefCell;
use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::backend::{Backend, BackendError};
use crate::format::{Observation, Program, FORMAT_VERSION, MAX_LINE_BYTES};
use crate::supervise::{last_lines, read_bounded_line, BoundedLine, Fault, Worker};

/// The protocol version this viewcheck speaks.
pub const PROTOCOL_VERSION: u64 = 1;

/// The longest message line either side may send: an observation of a
/// program within format 1's budget fits with room to spare.
pub const MAX_MESSAGE_BYTES: usize = 1 << 28;

/// Default deadline for one program.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Deadline for the handshake: a first start may install NumPy.
pub const START_TIMEOUT: Duration = Duration::from_secs(900);

/// Who answers: the `implementation` object of `started`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Implementation {
    /// Its name, e.g. `numpy`, `ndarray`.
    pub name: String,
    /// Its version.
    #[serde(default)]
    pub version: String,
    /// The language it is written in.
    #[serde(default)]
    pub language: String,
}

/// Every index kind of [`Step::index_kinds`](crate::format::Step::index_kinds)
/// (`()` is the empty index).
pub const INDEX_KINDS: [&str; 10] = [
    "int", "slice", "newaxis", "ellipsis", "array", "array0d", "mask", "mask0d", "var", "()",
];

/// Every observation field an implementation may be unable to report.
/// `shape`, `values`, scalars and step outcomes are always reported.
pub const OBSERVABLE: [&str; 10] = [
    "strides",
    "offset",
    "buffer",
    "owndata",
    "writeable",
    "c_contiguous",
    "f_contiguous",
    "shares_memory",
    "may_share_memory",
    "warnings",
];

/// What an implementation supports, from its `started` message. A missing
/// list means "all of them".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// The ops it can run (names of [`crate::format::OPS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ops: Option<Vec<String>>,
    /// The index kinds it can run ([`INDEX_KINDS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_kinds: Option<Vec<String>>,
    /// The observation fields it reports ([`OBSERVABLE`]); the others are
    /// left out of its observations and of the comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observes: Option<Vec<String>>,
}

impl Capabilities {
    /// Everything (NumPy, the strided crate).
    pub fn all() -> Capabilities {
        Capabilities::default()
    }

    /// Why `program` is beyond these capabilities, if it is: the first op or
    /// index kind it uses that is not supported.
    pub fn unsupported(&self, program: &Program) -> Option<String> {
        for (k, step) in program.steps.iter().enumerate() {
            if let Some(ops) = &self.ops {
                if !ops.iter().any(|o| o == step.op()) {
                    return Some(format!("steps[{k}]: op `{}` is not supported", step.op()));
                }
            }
            if let Some(kinds) = &self.index_kinds {
                for kind in step.index_kinds() {
                    if !kinds.iter().any(|x| x == kind) {
                        return Some(format!(
                            "steps[{k}]: index kind `{kind}` ({}) is not supported",
                            step.op()
                        ));
                    }
                }
            }
        }
        None
    }

    /// Whether the implementation reports `field` (one of [`OBSERVABLE`]).
    pub fn observes(&self, field: &str) -> bool {
        self.observes
            .as_ref()
            .is_none_or(|o| o.iter().any(|f| f == field))
    }

    /// Whether a difference between an expected observation and this
    /// implementation's is about something it reports (differences about
    /// fields it does not observe are left out).
    pub fn compares(&self, d: &crate::compare::Difference) -> bool {
        if self.observes.is_none() {
            return true;
        }
        let path = d.path.as_str();
        let field = if let Some(rest) = path.strip_prefix("arrays.") {
            // arrays.NAME.FIELD[...]
            rest.split_once('.')
                .map(|(_, f)| f.split('[').next().unwrap_or(f))
                .unwrap_or("")
        } else {
            path.split('[').next().unwrap_or(path)
        };
        match field {
            "steps" => {
                // Warning classes are the only step difference that can be
                // unobserved: the outcome itself always is.
                self.observes("warnings")
                    || !(d.expected.contains("warning") || d.got.contains("warning"))
            }
            f if OBSERVABLE.contains(&f) => self.observes(f),
            _ => true,
        }
    }

    /// Fills the fields an implementation leaves out of `observation` (those
    /// it does not observe) with placeholders, so that it parses as a
    /// format-1 observation; [`Capabilities::compares`] then ignores them.
    pub fn complete(&self, observation: &mut serde_json::Value) {
        if self.observes.is_none() {
            return;
        }
        let Some(obj) = observation.as_object_mut() else {
            return;
        };
        for key in ["shares_memory", "may_share_memory"] {
            obj.entry(key).or_insert_with(|| serde_json::json!([]));
        }
        let Some(arrays) = obj.get_mut("arrays").and_then(|a| a.as_object_mut()) else {
            return;
        };
        for (n, (_, a)) in arrays.iter_mut().enumerate() {
            let Some(a) = a.as_object_mut() else { continue };
            if a.contains_key("scalar") {
                continue;
            }
            let ndim = a
                .get("shape")
                .and_then(|s| s.as_array())
                .map_or(0, Vec::len);
            a.entry("strides")
                .or_insert_with(|| serde_json::json!(vec![0; ndim]));
            a.entry("offset").or_insert_with(|| serde_json::json!(0));
            a.entry("buffer").or_insert_with(|| serde_json::json!(n));
            for flag in ["owndata", "writeable", "c_contiguous", "f_contiguous"] {
                a.entry(flag).or_insert_with(|| serde_json::json!(false));
            }
        }
    }

    /// Problems with the lists: names that are not ops, index kinds or
    /// observable fields.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut check = |list: &Option<Vec<String>>, known: &[&str], what: &str| {
            for x in list.iter().flatten() {
                if !known.contains(&x.as_str()) {
                    out.push(format!("unknown {what} `{x}`"));
                }
            }
        };
        check(&self.ops, &crate::format::OPS, "op");
        check(&self.index_kinds, &INDEX_KINDS, "index kind");
        check(&self.observes, &OBSERVABLE, "observation field");
        out
    }
}

/// A message to an implementation.
#[derive(Debug)]
pub enum Request {
    /// The handshake.
    Start {
        /// The harness's protocol version.
        protocol: u64,
    },
    /// Run one program.
    Run {
        /// Sequence number, echoed in the answer.
        seq: u64,
        /// The program (format 1).
        program: Box<RawValue>,
    },
    /// End.
    Stop,
}

/// A message from an implementation.
#[derive(Debug)]
pub enum Response {
    /// The answer to `start`.
    Started {
        /// The implementation's protocol version.
        protocol: u64,
        /// Who it is.
        implementation: Implementation,
        /// What it supports (see docs/PROTOCOL.md).
        capabilities: Capabilities,
    },
    /// The observation of a program.
    Result {
        /// The `seq` of the request.
        seq: u64,
        /// The observation (format 1).
        observation: Box<RawValue>,
    },
    /// The implementation cannot express this program.
    Unsupported {
        /// The `seq` of the request.
        seq: u64,
        /// Why.
        reason: String,
    },
    /// The implementation failed to run the program at all.
    Error {
        /// The `seq` of the request.
        seq: u64,
        /// What went wrong.
        message: String,
    },
}

/// Every field any message has; a flat struct because serde's tagged enums
/// cannot carry borrowed raw JSON.
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    protocol: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    program: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    implementation: Option<Implementation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    capabilities: Option<Capabilities>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    observation: Option<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

fn need<T>(v: Option<T>, kind: &str, field: &str) -> Result<T, String> {
    v.ok_or_else(|| format!("a `{kind}` message without `{field}`"))
}

const WIRE_MEMBERS: [&str; 8] = [
    "protocol",
    "seq",
    "program",
    "implementation",
    "capabilities",
    "observation",
    "reason",
    "message",
];

impl Wire {
    /// Refuses members of other message types: the flat struct would
    /// otherwise accept, say, a `reason` on a `result`, which
    /// protocol/schema/ and docs/PROTOCOL.md do not allow.
    fn only(&self, allowed: &[&str]) -> Result<(), String> {
        let present = [
            ("protocol", self.protocol.is_some()),
            ("seq", self.seq.is_some()),
            ("program", self.program.is_some()),
            ("implementation", self.implementation.is_some()),
            ("capabilities", self.capabilities.is_some()),
            ("observation", self.observation.is_some()),
            ("reason", self.reason.is_some()),
            ("message", self.message.is_some()),
        ];
        match present
            .iter()
            .find(|(name, here)| *here && !allowed.contains(name))
        {
            Some((name, _)) => Err(format!(
                "a `{}` message with a `{name}` member (not one of its own)",
                self.kind
            )),
            None => Ok(()),
        }
    }
}

impl Request {
    /// Reads a request line.
    pub fn parse(line: &[u8]) -> Result<Request, String> {
        let w: Wire = serde_json::from_slice(line).map_err(|e| e.to_string())?;
        w.only(match w.kind.as_str() {
            "start" => &["protocol"],
            "run" => &["seq", "program"],
            "stop" => &[],
            _ => &WIRE_MEMBERS, // reported as an unknown type below
        })?;
        let k = w.kind.as_str();
        Ok(match k {
            "start" => Request::Start {
                protocol: need(w.protocol, k, "protocol")?,
            },
            "run" => Request::Run {
                seq: need(w.seq, k, "seq")?,
                program: need(w.program, k, "program")?,
            },
            "stop" => Request::Stop,
            other => return Err(format!("unknown request type `{other}`")),
        })
    }
}

impl Response {
    /// Reads a response line.
    pub fn parse(line: &str) -> Result<Response, String> {
        let w: Wire = serde_json::from_str(line).map_err(|e| e.to_string())?;
        w.only(match w.kind.as_str() {
            "started" => &["protocol", "implementation", "capabilities"],
            "result" => &["seq", "observation"],
            "unsupported" => &["seq", "reason"],
            "error" => &["seq", "message"],
            _ => &WIRE_MEMBERS, // reported as an unknown type below
        })?;
        let k = w.kind.as_str();
        Ok(match k {
            "started" => Response::Started {
                protocol: need(w.protocol, k, "protocol")?,
                implementation: need(w.implementation, k, "implementation")?,
                capabilities: w.capabilities.unwrap_or_default(),
            },
            "result" => Response::Result {
                seq: need(w.seq, k, "seq")?,
                observation: need(w.observation, k, "observation")?,
            },
            "unsupported" => Response::Unsupported {
                seq: need(w.seq, k, "seq")?,
                reason: need(w.reason, k, "reason")?,
            },
            "error" => Response::Error {
                seq: need(w.seq, k, "seq")?,
                message: need(w.message, k, "message")?,
            },
            other => return Err(format!("unknown response type `{other}`")),
        })
    }

    /// The response as one JSON line (without the newline).
    pub fn to_line(self) -> String {
        let w = match self {
            Response::Started {
                protocol,
                implementation,
                capabilities,
            } => Wire {
                kind: "started".into(),
                protocol: Some(protocol),
                implementation: Some(implementation),
                capabilities: Some(capabilities),
                ..Wire::default()
            },
            Response::Result { seq, observation } => Wire {
                kind: "result".into(),
                seq: Some(seq),
                observation: Some(observation),
                ..Wire::default()
            },
            Response::Unsupported { seq, reason } => Wire {
                kind: "unsupported".into(),
                seq: Some(seq),
                reason: Some(reason),
                ..Wire::default()
            },
            Response::Error { seq, message } => Wire {
                kind: "error".into(),
                seq: Some(seq),
                message: Some(message),
                ..Wire::default()
            },
        };
        serde_json::to_string(&w).unwrap_or_default()
    }
}

/// Serves the protocol on `input`/`output` with an in-process backend:
/// what `viewcheck worker` runs. Returns when `stop` arrives or the input
/// ends.
pub fn serve(
    backend: &dyn Backend,
    implementation: &Implementation,
    capabilities: &Capabilities,
    input: &mut dyn BufRead,
    output: &mut dyn Write,
) -> std::io::Result<()> {
    loop {
        let line = match read_bounded_line(input, MAX_MESSAGE_BYTES)? {
            BoundedLine::Eof => return Ok(()),
            BoundedLine::TooLong { len } => {
                return Err(std::io::Error::other(format!(
                    "a request line of {len} bytes"
                )))
            }
            BoundedLine::Line(l) => l,
        };
        let request = Request::parse(&line)
            .map_err(|e| std::io::Error::other(format!("bad request: {e}")))?;
        let response = match request {
            Request::Stop => return Ok(()),
            Request::Start { .. } => Response::Started {
                protocol: PROTOCOL_VERSION,
                implementation: implementation.clone(),
                capabilities: capabilities.clone(),
            },
            Request::Run { seq, program } => match run_one(backend, seq, program.get()) {
                Ok(observation) => {
                    // What `Response::Result` writes, without parsing the
                    // observation again: our own writer made it.
                    write!(
                        output,
                        r#"{{"type":"result","seq":{seq},"observation":{observation}}}"#
                    )?;
                    output.write_all(b"\n")?;
                    output.flush()?;
                    continue;
                }
                Err(response) => *response,
            },
        };
        output.write_all(response.to_line().as_bytes())?;
        output.write_all(b"\n")?;
        output.flush()?;
    }
}

/// The observation line of one program, or the response that says why
/// there is none.
fn run_one(backend: &dyn Backend, seq: u64, program: &str) -> Result<String, Box<Response>> {
    let observation = match Program::parse(program) {
        Err(e) => Observation::rejected(e.to_string()).to_line(),
        Ok(p) => match crate::compare::guarded_run(backend, &p) {
            Ok(o) => o.to_line(),
            Err(e) if e.class() == "unsupported" => {
                return Err(Box::new(Response::Unsupported {
                    seq,
                    reason: e.message[crate::backend::UNSUPPORTED.len()..].to_string(),
                }))
            }
            Err(e) => {
                return Err(Box::new(Response::Error {
                    seq,
                    message: e.message,
                }))
            }
        },
    };
    Ok(observation)
}

/// How to start an implementation's process.
#[derive(Clone, Debug)]
pub struct WorkerCommand {
    /// The executable.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Extra environment variables.
    pub env: Vec<(OsString, OsString)>,
}

impl WorkerCommand {
    /// This viewcheck executable with `args` (its hidden `worker` command).
    pub fn this_executable(args: &[&str]) -> std::io::Result<WorkerCommand> {
        Ok(WorkerCommand {
            program: std::env::current_exe()?,
            args: args.iter().map(OsString::from).collect(),
            env: Vec::new(),
        })
    }

    /// A command line run by `sh -c 'exec <line>'`: the shell parses it,
    /// then gives way, so that a crash shows the implementation's own
    /// signal rather than the shell's exit status.
    pub fn shell(line: &str) -> WorkerCommand {
        WorkerCommand {
            program: "sh".into(),
            args: vec!["-c".into(), format!("exec {line}").into()],
            env: Vec::new(),
        }
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// The command line, for messages.
    pub fn display(&self) -> String {
        std::iter::once(self.program.display().to_string())
            .chain(self.args.iter().map(|a| a.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What one program gave on a process backend.
#[derive(Debug)]
pub enum RunOutcome {
    /// An observation (as the JSON text the implementation sent).
    Observation(Box<RawValue>),
    /// The implementation said it cannot express the program.
    Unsupported(String),
    /// The implementation reported a failure of its own.
    Error(String),
    /// It crashed, hung or broke the protocol (and was replaced).
    Fault(Fault),
}

/// A backend in another process, supervised: each program has a deadline,
/// and a crashed or hung process is replaced before the next program.
pub struct ProcessBackend {
    name: String,
    command: WorkerCommand,
    timeout: Duration,
    state: RefCell<State>,
}

struct State {
    worker: Option<Worker>,
    implementation: Implementation,
    capabilities: Capabilities,
    seq: u64,
    restarts: u64,
}

/// Why a process backend could not start.
#[derive(Clone, Debug)]
pub struct StartError {
    /// What happened.
    pub message: String,
    /// The child's standard error (which often says why).
    pub stderr: String,
    /// Whether that standard error was already shown as it came.
    pub echoed: bool,
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        let tail = last_lines(&self.stderr, 30);
        if !tail.is_empty() && !self.echoed {
            write!(f, "\nits standard error:\n{tail}")?;
        }
        Ok(())
    }
}

impl ProcessBackend {
    /// Starts the process and completes the handshake, so that a backend
    /// that cannot start is known before any program runs.
    pub fn start(
        name: &str,
        command: WorkerCommand,
        timeout: Duration,
    ) -> Result<ProcessBackend, StartError> {
        let backend = ProcessBackend {
            name: name.to_string(),
            command,
            timeout,
            state: RefCell::new(State {
                worker: None,
                implementation: Implementation::default(),
                capabilities: Capabilities::default(),
                seq: 0,
                restarts: 0,
            }),
        };
        let (worker, implementation, capabilities) = backend.spawn()?;
        {
            let mut s = backend.state.borrow_mut();
            s.worker = Some(worker);
            s.implementation = implementation;
            s.capabilities = capabilities;
        }
        Ok(backend)
    }

    fn spawn(&self) -> Result<(Worker, Implementation, Capabilities), StartError> {
        let mut worker = Worker::spawn(&mut self.command.command(), MAX_MESSAGE_BYTES, true)
            .map_err(|e| StartError {
                message: format!("cannot start `{}`: {e}", self.command.display()),
                stderr: String::new(),
                echoed: false,
            })?;
        let fail = |fault: Fault| StartError {
            message: format!(
                "`{}` did not complete the handshake: {}",
                self.command.display(),
                fault.summary()
            ),
            stderr: fault.stderr().to_string(),
            echoed: true,
        };
        worker
            .send(&format!(
                r#"{{"type":"start","protocol":{PROTOCOL_VERSION}}}"#
            ))
            .map_err(fail)?;
        let line = worker.recv(START_TIMEOUT).map_err(fail)?;
        worker.set_echo_stderr(false);
        match Response::parse(&line) {
            Ok(Response::Started {
                protocol,
                implementation,
                capabilities,
            }) if protocol == PROTOCOL_VERSION => {
                let problems = capabilities.problems();
                if problems.is_empty() {
                    Ok((worker, implementation, capabilities))
                } else {
                    Err(StartError {
                        message: format!(
                            "`{}` declared capabilities this viewcheck does not know: {}",
                            self.command.display(),
                            problems.join(", ")
                        ),
                        stderr: worker.stderr_tail(),
                        echoed: true,
                    })
                }
            }
            Ok(Response::Started { protocol, .. }) => Err(StartError {
                message: format!(
                    "`{}` speaks protocol {protocol}, this viewcheck speaks {PROTOCOL_VERSION}",
                    self.command.display()
                ),
                stderr: worker.stderr_tail(),
                echoed: true,
            }),
            _ => Err(StartError {
                message: format!(
                    "`{}` answered the handshake with {}",
                    self.command.display(),
                    preview(&line)
                ),
                stderr: worker.stderr_tail(),
                echoed: true,
            }),
        }
    }

    /// Starts an implementation given as a shell command line, named
    /// after what it says it is in the handshake.
    pub fn start_shell(line: &str, timeout: Duration) -> Result<ProcessBackend, StartError> {
        let mut b = ProcessBackend::start("impl", WorkerCommand::shell(line), timeout)?;
        let name = b.implementation().name;
        if !name.is_empty() {
            b.name = name;
        }
        Ok(b)
    }

    /// Who answered the handshake.
    pub fn implementation(&self) -> Implementation {
        self.state.borrow().implementation.clone()
    }

    /// How many times the process was replaced after a fault.
    pub fn restarts(&self) -> u64 {
        self.state.borrow().restarts
    }

    /// The per-program deadline.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs one program given as JSON text.
    pub fn run_json(&self, program: &str) -> RunOutcome {
        match self.submit(program) {
            Ok(seq) => self.answer(seq),
            Err(fault) => {
                self.state.borrow_mut().worker = None;
                RunOutcome::Fault(fault)
            }
        }
    }

    /// Sends one program (JSON text) without waiting for its answer,
    /// starting the process first if there is none; returns its sequence
    /// number. Answers come in order ([`ProcessBackend::answer`]), so
    /// several programs may be in flight, as long as their requests fit in
    /// the pipe (a process that hangs stops reading them). An `Err` leaves
    /// the process as it is: the answers already on their way are still
    /// read, and the next [`answer`](ProcessBackend::answer) tells what
    /// became of it.
    pub fn submit(&self, program: &str) -> Result<u64, Fault> {
        let mut s = self.state.borrow_mut();
        if s.worker.is_none() {
            match self.spawn() {
                Ok((w, i, c)) => {
                    s.worker = Some(w);
                    s.implementation = i;
                    s.capabilities = c;
                    s.restarts += 1;
                }
                Err(e) => {
                    return Err(Fault::Crash {
                        status: format!("could not be restarted: {}", e.message),
                        stderr: e.stderr,
                    })
                }
            }
        }
        s.seq += 1;
        let seq = s.seq;
        let worker = s.worker.as_mut().expect("worker started above");
        worker.send(&format!(
            r#"{{"type":"run","seq":{seq},"program":{program}}}"#
        ))?;
        Ok(seq)
    }

    /// Waits for the answer to `seq`, the oldest program submitted and not
    /// answered yet. After a fault the process is gone, with every program
    /// submitted after `seq`: submit those again.
    pub fn answer(&self, seq: u64) -> RunOutcome {
        let mut s = self.state.borrow_mut();
        let Some(worker) = s.worker.as_mut() else {
            return RunOutcome::Fault(Fault::Crash {
                status: "was not running".into(),
                stderr: String::new(),
            });
        };
        let line = match worker.recv(self.timeout) {
            Ok(l) => l,
            Err(fault) => {
                s.worker = None;
                return RunOutcome::Fault(fault);
            }
        };
        let mut bad = |what: String| {
            let stderr = worker.stderr_tail();
            worker.kill();
            RunOutcome::Fault(Fault::Protocol {
                message: what,
                stderr,
            })
        };
        let outcome = match Response::parse(&line) {
            Ok(Response::Result {
                seq: n,
                observation,
            }) if n == seq => RunOutcome::Observation(observation),
            Ok(Response::Unsupported { seq: n, reason }) if n == seq => {
                RunOutcome::Unsupported(reason)
            }
            Ok(Response::Error { seq: n, message }) if n == seq => RunOutcome::Error(message),
            Ok(_) => bad(format!(
                "expected the answer to run {seq}, got {}",
                preview(&line)
            )),
            Err(e) => bad(format!("unreadable answer ({e}): {}", preview(&line))),
        };
        if matches!(outcome, RunOutcome::Fault(_)) {
            s.worker = None;
        }
        outcome
    }

    /// Ends the process politely.
    pub fn stop(&self) {
        let mut s = self.state.borrow_mut();
        if let Some(mut w) = s.worker.take() {
            let _ = w.send(r#"{"type":"stop"}"#);
            w.finish(Duration::from_secs(2));
        }
    }
}

impl Drop for ProcessBackend {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Backend for ProcessBackend {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        self.state.borrow().capabilities.clone()
    }

    fn run(&self, program: &Program) -> Result<Observation, BackendError> {
        let fail = |message: String| BackendError {
            backend: self.name.clone(),
            message,
        };
        let capabilities = self.capabilities();
        if let Some(reason) = capabilities.unsupported(program) {
            return Err(BackendError::unsupported(&self.name, &reason));
        }
        match self.run_json(&program.to_line()) {
            RunOutcome::Observation(raw) => {
                let mut value = crate::format::json_from_str(raw.get())
                    .map_err(|e| fail(format!("unreadable observation: {e}")))?;
                capabilities.complete(&mut value);
                Observation::from_json(&value)
                    .map_err(|e| fail(format!("invalid observation: {e}")))
            }
            RunOutcome::Unsupported(reason) => Err(BackendError::unsupported(&self.name, &reason)),
            RunOutcome::Error(message) => Err(fail(message)),
            RunOutcome::Fault(fault) => Err(fail(fault.to_string())),
        }
    }
}

/// The first 200 characters of a line, for messages.
fn preview(line: &str) -> String {
    let mut p: String = line.chars().take(200).collect();
    if p.len() < line.len() {
        p.push_str("...");
    }
    format!("`{p}`")
}

/// The `backend_error` line `exec` prints for a program that a backend could
/// not run.
pub fn backend_error_line(message: &str) -> String {
    serde_json::json!({"format": FORMAT_VERSION, "backend_error": message}).to_string()
}

/// Line limit for programs read by the commands (re-exported for them).
pub const MAX_PROGRAM_LINE: usize = MAX_LINE_BYTES;
