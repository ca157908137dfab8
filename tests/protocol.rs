//! The implementation protocol v1 (docs/PROTOCOL.md) as others speak it:
//! every message of real exchanges with viewcheck's own worker and with the
//! Python adapters is checked against `protocol/schema/`, the schemas are
//! shown to reject malformed messages, and the adapters' observations are
//! compared with the corpus's recorded NumPy answers.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{json, Value as Json};
use viewcheck::corpus::{default_dir, CaseProgram, Corpus};

/// The protocol schemas with the corpus schemas they refer to, compiled.
struct Schemas {
    schemas: boon::Schemas,
    request: boon::SchemaIndex,
    response: boon::SchemaIndex,
    observation: boon::SchemaIndex,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

impl Schemas {
    fn load() -> Schemas {
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V2020_12);
        let files = [
            "corpus/schema/program.schema.json",
            "corpus/schema/observation.schema.json",
            "protocol/schema/request.schema.json",
            "protocol/schema/response.schema.json",
        ];
        let mut ids = Vec::new();
        for f in files {
            let doc: Json =
                serde_json::from_str(&std::fs::read_to_string(root().join(f)).unwrap()).unwrap();
            let id = doc["$id"]
                .as_str()
                .expect("every schema has an $id")
                .to_string();
            compiler.add_resource(&id, doc).unwrap();
            ids.push(id);
        }
        let mut schemas = boon::Schemas::new();
        let mut compile = |i: usize| {
            compiler
                .compile(&ids[i], &mut schemas)
                .unwrap_or_else(|e| panic!("{} does not compile: {e:#}", files[i]))
        };
        let observation = compile(1);
        let request = compile(2);
        let response = compile(3);
        Schemas {
            schemas,
            request,
            response,
            observation,
        }
    }

    fn check(&self, idx: boon::SchemaIndex, v: &Json) -> Result<(), String> {
        self.schemas.validate(v, idx).map_err(|e| format!("{e}"))
    }

    fn request(&self, v: &Json) -> Result<(), String> {
        self.check(self.request, v)
    }

    fn response(&self, v: &Json) -> Result<(), String> {
        self.check(self.response, v)
    }
}

/// One implementation process driven line by line, every message checked.
struct Exchange<'a> {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    schemas: &'a Schemas,
    /// Whether it reports every field, so that its observations must also
    /// pass the full observation schema.
    observes_all: bool,
}

impl<'a> Exchange<'a> {
    fn spawn(schemas: &'a Schemas, program: &Path, args: &[&str]) -> Exchange<'a> {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Exchange {
            child,
            stdin,
            stdout,
            schemas,
            observes_all: false,
        }
    }

    fn send(&mut self, request: &Json) {
        if let Err(e) = self.schemas.request(request) {
            panic!("the request {request} breaks the schema: {e}");
        }
        writeln!(self.stdin, "{request}").unwrap();
        self.stdin.flush().unwrap();
    }

    fn recv(&mut self) -> Json {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert!(line.ends_with('\n'), "no complete answer line: {line:?}");
        let v: Json = serde_json::from_str(&line).unwrap();
        if let Err(e) = self.schemas.response(&v) {
            panic!("the response {} breaks the schema: {e}", preview(&line));
        }
        if self.observes_all && v["type"] == "result" {
            if let Err(e) = self
                .schemas
                .check(self.schemas.observation, &v["observation"])
            {
                panic!(
                    "the observation {} breaks observation.schema.json: {e}",
                    preview(&line)
                );
            }
        }
        v
    }

    fn start(&mut self) -> Json {
        self.send(&json!({"type": "start", "protocol": 1}));
        let started = self.recv();
        assert_eq!(started["type"], "started", "{started}");
        self.observes_all = started["capabilities"].get("observes").is_none();
        started
    }

    fn run(&mut self, seq: u64, program: &Json) -> Json {
        self.send(&json!({"type": "run", "seq": seq, "program": program}));
        let answer = self.recv();
        assert_eq!(answer["seq"], seq, "{answer}");
        answer
    }

    /// Sends `stop` and requires the process to exit on its own, cleanly.
    fn stop(mut self) {
        self.send(&json!({"type": "stop"}));
        let status = self.child.wait().unwrap();
        assert!(status.success(), "exit status {status} after stop");
    }
}

fn preview(line: &str) -> String {
    line.chars().take(300).collect()
}

/// Every valid program of the corpus, as JSON.
fn corpus_programs() -> Vec<Json> {
    let corpus = Corpus::load(default_dir()).unwrap_or_else(|p| panic!("{p}"));
    corpus
        .cases()
        .filter_map(|c| match &c.program {
            CaseProgram::Valid(_) => Some(c.raw["program"].clone()),
            CaseProgram::Rejected(_) => None,
        })
        .collect()
}

/// Runs every corpus program through an exchange and counts the answer types.
fn exchange_corpus(ex: &mut Exchange) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for (k, program) in corpus_programs().iter().enumerate() {
        let answer = ex.run(k as u64 + 1, program);
        *counts
            .entry(answer["type"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    counts
}

#[test]
fn the_strided_worker_speaks_the_schemas_for_the_whole_corpus() {
    let schemas = Schemas::load();
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_viewcheck"));
    let mut ex = Exchange::spawn(&schemas, &exe, &["worker", "--backend", "strided"]);
    let started = ex.start();
    assert_eq!(started["protocol"], 1);
    let counts = exchange_corpus(&mut ex);
    assert_eq!(counts.keys().collect::<Vec<_>>(), ["result"], "{counts:?}");
    ex.stop();
}

#[test]
fn the_schemas_reject_malformed_messages() {
    let schemas = Schemas::load();
    let program = json!({"format": 1, "steps": [{"op": "array", "out": "a", "shape": [2]}]});
    let good_obs = json!({"format": 1, "steps": [{"ok": true}], "arrays": {"a": {
        "shape": [2], "strides": [1], "offset": 0, "buffer": 0, "owndata": true, "writeable": true,
        "c_contiguous": true, "f_contiguous": true, "values": [0, 1]}},
        "shares_memory": [], "may_share_memory": []});
    // The accepted forms first, so that each rejection below is caused by
    // its one change and not by a schema that rejects everything.
    for ok in [
        json!({"type": "start", "protocol": 1}),
        json!({"type": "run", "seq": 3, "program": program}),
        json!({"type": "stop"}),
    ] {
        schemas.request(&ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for ok in [
        json!({"type": "started", "protocol": 1, "implementation": {"name": "x"}}),
        json!({"type": "started", "protocol": 1, "implementation": {"name": "x", "version": "1", "language": "c"},
               "capabilities": {"ops": ["array", "index"], "index_kinds": ["()"], "observes": []}}),
        json!({"type": "result", "seq": 0, "observation": good_obs}),
        json!({"type": "result", "seq": 0, "observation": {"format": 1, "steps": [{"ok": true}],
               "arrays": {"a": {"shape": [2], "values": [0, 1]}}}}),
        json!({"type": "result", "seq": 0, "observation": {"format": 1, "format_error": "x"}}),
        json!({"type": "unsupported", "seq": 1, "reason": "no F order"}),
        json!({"type": "error", "seq": 1, "message": "out of memory"}),
    ] {
        schemas
            .response(&ok)
            .unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    let bad_requests = [
        json!({"type": "start"}),
        json!({"type": "start", "protocol": 2}),
        json!({"type": "run", "seq": 1}),
        json!({"type": "run", "seq": -1, "program": program}),
        json!({"type": "run", "seq": 1, "program": {"format": 1, "steps": [{"op": "frob"}]}}),
        json!({"type": "stop", "now": true}),
        json!({"type": "restart"}),
        json!({"protocol": 1}),
    ];
    for bad in bad_requests {
        assert!(schemas.request(&bad).is_err(), "accepted {bad}");
    }
    let bad_responses = [
        json!({"type": "started", "protocol": 1}),
        json!({"type": "started", "protocol": 1, "implementation": {"name": ""}}),
        json!({"type": "started", "protocol": 1, "implementation": {"name": "x"}, "capabilities": {"ops": ["frob"]}}),
        json!({"type": "started", "protocol": 1, "implementation": {"name": "x"}, "capabilities": {"index_kinds": ["fancy"]}}),
        json!({"type": "started", "protocol": 1, "implementation": {"name": "x"}, "capabilities": {"observes": ["values"]}}),
        json!({"type": "started", "protocol": 1, "implementation": {"name": "x"}, "capabilities": {"dtypes": []}}),
        json!({"type": "result", "seq": 1}),
        json!({"type": "result", "observation": good_obs}),
        json!({"type": "result", "seq": 1, "observation": {"format": 1, "steps": [{"ok": false}], "arrays": {}}}),
        json!({"type": "result", "seq": 1, "observation": {"format": 1, "steps": [], "arrays": {"a": {"shape": [2]}}}}),
        json!({"type": "result", "seq": 1, "observation": {"format": 2, "steps": [], "arrays": {}}}),
        json!({"type": "unsupported", "seq": 1}),
        json!({"type": "error", "seq": 1, "reason": "x"}),
        json!({"type": "finished", "seq": 1}),
    ];
    for bad in bad_responses {
        assert!(schemas.response(&bad).is_err(), "accepted {bad}");
    }
}

#[test]
fn the_harness_refuses_what_the_schemas_refuse() {
    use viewcheck::protocol::{Request, Response};
    let schemas = Schemas::load();
    // Members of another message type: the harness's flat reader must not
    // accept them either. Each line is accepted without its last member.
    for (bad, good) in [
        (
            r#"{"type":"result","seq":1,"observation":{"format":1,"format_error":"x"},"reason":"x"}"#,
            r#"{"type":"result","seq":1,"observation":{"format":1,"format_error":"x"}}"#,
        ),
        (
            r#"{"type":"error","seq":1,"message":"m","observation":{}}"#,
            r#"{"type":"error","seq":1,"message":"m"}"#,
        ),
        (
            r#"{"type":"started","protocol":1,"implementation":{"name":"x"},"seq":0}"#,
            r#"{"type":"started","protocol":1,"implementation":{"name":"x"}}"#,
        ),
    ] {
        let (b, g): (Json, Json) = (
            serde_json::from_str(bad).unwrap(),
            serde_json::from_str(good).unwrap(),
        );
        assert!(
            schemas.response(&b).is_err() && schemas.response(&g).is_ok(),
            "{bad}"
        );
        let e = Response::parse(bad)
            .err()
            .unwrap_or_else(|| panic!("accepted {bad}"));
        assert!(e.contains("member (not one of its own)"), "{e}");
        Response::parse(good).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
    for (bad, good) in [
        (r#"{"type":"stop","seq":3}"#, r#"{"type":"stop"}"#),
        (
            r#"{"type":"start","protocol":1,"seq":0}"#,
            r#"{"type":"start","protocol":1}"#,
        ),
    ] {
        let (b, g): (Json, Json) = (
            serde_json::from_str(bad).unwrap(),
            serde_json::from_str(good).unwrap(),
        );
        assert!(
            schemas.request(&b).is_err() && schemas.request(&g).is_ok(),
            "{bad}"
        );
        assert!(Request::parse(bad.as_bytes()).is_err(), "accepted {bad}");
        Request::parse(good.as_bytes()).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
    let e = Response::parse(r#"{"type":"finished","seq":1}"#)
        .err()
        .unwrap();
    assert!(e.contains("unknown response type `finished`"), "{e}");
}

// ---------------------------------------------------------------------------
// The Python adapters (they need the project's NumPy venv)

#[cfg(feature = "oracle")]
mod python {
    use super::*;
    use std::time::Duration;
    use viewcheck::compare::Level;
    use viewcheck::corpus::{replay, Status};
    use viewcheck::protocol::{ProcessBackend, RunOutcome, WorkerCommand};

    /// The Python of the project venv (made by the oracle if it is missing).
    fn python() -> PathBuf {
        if let Err(e) = viewcheck_oracle::Oracle::global() {
            panic!("NumPy unavailable: {e}");
        }
        viewcheck_oracle::project_venv_dir()
            .join("bin")
            .join("python")
    }

    fn adapter() -> PathBuf {
        root().join("adapters/python/viewcheck_adapter.py")
    }

    fn backend(name: &str, script: &Path, args: &[&str]) -> ProcessBackend {
        let mut argv = vec![script.as_os_str().to_owned()];
        argv.extend(args.iter().map(Into::into));
        let command = WorkerCommand {
            program: python(),
            args: argv,
            env: vec![],
        };
        ProcessBackend::start(name, command, Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_numpy_adapter_speaks_the_schemas_for_the_whole_corpus() {
        let schemas = Schemas::load();
        let script = adapter();
        let mut ex = Exchange::spawn(
            &schemas,
            &python(),
            &[script.to_str().unwrap(), "--module", "numpy"],
        );
        let started = ex.start();
        assert_eq!(started["implementation"]["name"], "numpy");
        // NumPy observes everything, so it must say so by listing every field.
        assert_eq!(
            started["capabilities"]["observes"].as_array().map(Vec::len),
            Some(viewcheck::protocol::OBSERVABLE.len())
        );
        ex.observes_all = true;
        let counts = exchange_corpus(&mut ex);
        assert_eq!(counts.keys().collect::<Vec<_>>(), ["result"], "{counts:?}");
        // A program that is not valid format 1 is the harness's mistake (it
        // sends only validated ones): an `error`, and the adapter goes on.
        writeln!(ex.stdin, r#"{{"type":"run","seq":9,"program":{{"format":1,"steps":[{{"op":"index","out":"b","src":"a","index":[]}}]}}}}"#).unwrap();
        ex.stdin.flush().unwrap();
        let answer = ex.recv();
        assert_eq!(
            (&answer["type"], &answer["seq"]),
            (&json!("error"), &json!(9)),
            "{answer}"
        );
        assert_eq!(
            ex.run(10, &json!({"format": 1, "steps": []}))["type"],
            "result"
        );
        ex.stop();
    }

    #[test]
    fn the_numpy_adapter_passes_the_whole_corpus_at_exact() {
        let corpus = Corpus::load(default_dir()).unwrap_or_else(|p| panic!("{p}"));
        let b = backend("numpy-adapter", &adapter(), &["--module", "numpy"]);
        let results = replay(&corpus, &b, Level::Exact);
        let bad: Vec<String> = results
            .iter()
            .filter(|r| r.status != Status::Pass)
            .map(|r| format!("{}: {:?}", r.id, r.status))
            .collect();
        assert!(results.len() > 600, "only {} cases", results.len());
        assert!(
            bad.is_empty(),
            "{} of {} cases fail:\n{}",
            bad.len(),
            results.len(),
            bad.join("\n")
        );
        assert_eq!(b.restarts(), 0);
    }

    #[test]
    fn viewcheck_replay_impl_cmd_passes_the_numpy_adapter() {
        let spec = format!(
            "cmd:'{}' '{}' --module numpy",
            python().display(),
            adapter().display()
        );
        let out = Command::new(env!("CARGO_BIN_EXE_viewcheck"))
            .args(["replay", "--impl", &spec])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary = text.lines().last().unwrap_or_default();
        let n: usize = summary
            .split(" cases: ")
            .next()
            .and_then(|s| s.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no summary: {summary}"));
        assert!(
            summary.contains(&format!("{n} cases: {n} pass")),
            "{summary}"
        );
    }

    /// A directory with the pinned array-api-strict of
    /// adapters/python/requirements.txt, for the project venv's Python
    /// (`PYTHONPATH`); installed from PyPI on first use, like NumPy.
    fn array_api_strict_dir() -> PathBuf {
        // Tests run in parallel: one install, the others wait for it.
        static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
        DIR.get_or_init(install_array_api_strict).clone()
    }

    fn install_array_api_strict() -> PathBuf {
        let reqs =
            std::fs::read_to_string(root().join("adapters/python/requirements.txt")).unwrap();
        let pin = reqs
            .lines()
            .find(|l| l.starts_with("array-api-strict=="))
            .expect("requirements.txt pins array-api-strict");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(pin.replace("==", "-"));
        if dir.join("array_api_strict").join("__init__.py").is_file() {
            return dir;
        }
        if std::env::var_os("VIEWCHECK_NO_INSTALL").is_some_and(|v| v == "1") {
            panic!(
                "VIEWCHECK_NO_INSTALL=1 and {} is missing: run `{} -m pip install --no-deps --target {} {pin}`",
                dir.display(),
                python().display(),
                dir.display()
            );
        }
        // Without dependencies: its one dependency, NumPy, is the venv's pinned one.
        let out = Command::new(python())
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--upgrade",
                "--target",
            ])
            .arg(&dir)
            .arg(pin)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cannot install {pin}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    }

    #[test]
    fn the_array_api_strict_adapter_speaks_the_schemas_for_the_whole_corpus() {
        let schemas = Schemas::load();
        let path = format!("PYTHONPATH={}", array_api_strict_dir().display());
        let (python, script) = (python(), adapter());
        let args = [
            path.as_str(),
            python.to_str().unwrap(),
            script.to_str().unwrap(),
            "--module",
            "array_api_strict",
        ];
        let mut ex = Exchange::spawn(&schemas, Path::new("env"), &args);
        let started = ex.start();
        // It observes no layout field, so its observations have none: the
        // response schema's partial form is what they must meet.
        assert_eq!(started["capabilities"]["observes"], json!([]));
        let counts = exchange_corpus(&mut ex);
        assert_eq!(
            counts.keys().collect::<Vec<_>>(),
            ["result", "unsupported"],
            "{counts:?}"
        );
        ex.stop();
    }

    #[test]
    fn array_api_strict_differs_from_numpy_exactly_where_its_expectations_say() {
        let spec = format!(
            "cmd:env PYTHONPATH='{}' '{}' '{}' --module array_api_strict",
            array_api_strict_dir().display(),
            python().display(),
            adapter().display()
        );
        let expectations = root().join("adapters/python/expectations/array_api_strict.txt");
        let out = Command::new(env!("CARGO_BIN_EXE_viewcheck"))
            .args(["replay", "--strict", "--impl", &spec, "--expectations"])
            .arg(&expectations)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        // --strict: a listed failure that passes fails the run as well as
        // an unlisted one, so both directions of a change are caught.
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary = text.lines().last().unwrap_or_default();
        assert!(
            summary.starts_with("replay on array-api-strict"),
            "{summary}"
        );
        for word in [" pass", " unsupported", " xfail"] {
            assert!(summary.contains(word), "{summary}");
        }
        assert!(!summary.contains("error"), "{summary}");
    }

    /// The adapter's core answering one program with a numpy profile whose
    /// `array` raises `exception` (Python source).
    fn answer_when_array_raises(exception: &str) -> Json {
        let code = format!(
            "import json, sys\nsys.path.insert(0, {dir:?})\nimport viewcheck_adapter as va\n\
             class Unusual(Exception): pass\n\
             class P(va.NumpyProfile):\n    def array(self, shape, order): raise {exception}\n\
             print(json.dumps(va.answer(P(), 4, {{'format': 1, 'steps': [{{'op': 'array', 'out': 'a', 'shape': [3]}}]}})))",
            dir = root().join("adapters/python").display().to_string(),
        );
        // -B: no __pycache__ in the source tree.
        let out = Command::new(python())
            .args(["-B", "-c", &code])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    #[test]
    fn resource_failures_are_error_messages_and_unusual_classes_keep_their_names() {
        let schemas = Schemas::load();
        let memory = answer_when_array_raises("MemoryError('no room')");
        schemas.response(&memory).unwrap();
        assert_eq!(memory["type"], "error", "{memory}");
        assert!(
            memory["message"].as_str().unwrap().contains("MemoryError"),
            "{memory}"
        );
        let deep = answer_when_array_raises("RecursionError()");
        assert_eq!(deep["type"], "error", "{deep}");
        let unusual = answer_when_array_raises("Unusual()");
        schemas.response(&unusual).unwrap();
        assert_eq!(
            unusual["observation"]["steps"],
            json!([{"error": "Unusual"}]),
            "{unusual}"
        );
    }

    /// The adapter printed in docs/PROTOCOL.md section 6, as a file.
    fn small_adapter() -> PathBuf {
        let doc = std::fs::read_to_string(root().join("docs/PROTOCOL.md")).unwrap();
        let section = &doc[doc
            .find("## 6. A complete small adapter")
            .expect("section 6")..];
        let start = section.find("```python\n").expect("a python block") + "```python\n".len();
        let len = section[start..].find("```").expect("the block ends");
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("small_adapter.py");
        std::fs::write(&path, &section[start..start + len]).unwrap();
        path
    }

    #[test]
    fn the_small_adapter_of_protocol_md_agrees_wherever_it_answers() {
        let corpus = Corpus::load(default_dir()).unwrap_or_else(|p| panic!("{p}"));
        let b = backend("numpy-small", &small_adapter(), &[]);
        assert_eq!(b.implementation().name, "numpy-small");
        let (mut pass, mut unsupported, mut bad) = (0, 0, Vec::new());
        for r in replay(&corpus, &b, Level::Exact) {
            match &r.status {
                Status::Pass => pass += 1,
                Status::Unsupported(_) => unsupported += 1,
                other => bad.push(format!("{}: {other:?}", r.id)),
            }
        }
        assert!(bad.is_empty(), "{} cases:\n{}", bad.len(), bad.join("\n"));
        // Both answers occur: the subset is real, and so is the refusal.
        assert!(
            pass >= 150 && unsupported >= 150,
            "{pass} pass, {unsupported} unsupported"
        );
        assert_eq!(b.restarts(), 0);
    }

    #[test]
    fn the_small_adapter_speaks_the_schemas_for_the_whole_corpus() {
        let schemas = Schemas::load();
        let script = small_adapter();
        let mut ex = Exchange::spawn(&schemas, &python(), &[script.to_str().unwrap()]);
        ex.start();
        // It lists ops and index kinds but no `observes`: every field.
        ex.observes_all = true;
        let counts = exchange_corpus(&mut ex);
        assert_eq!(
            counts.keys().collect::<Vec<_>>(),
            ["result", "unsupported"],
            "{counts:?}"
        );
        ex.stop();
    }

    /// A protocol-v1 implementation written for the occasion: `body` is
    /// Python that sees `msg` (each request) and `send` (to answer).
    fn fake(body: &str) -> WorkerCommand {
        let code = format!(
            "import json, sys\ndef send(m):\n    print(json.dumps(m), flush=True)\nfor line in sys.stdin:\n    msg = json.loads(line)\n{}",
            body.lines().map(|l| format!("    {l}\n")).collect::<String>()
        );
        WorkerCommand {
            program: python(),
            args: vec!["-c".into(), code.into()],
            env: vec![],
        }
    }

    const STARTED: &str = r#"if msg["type"] == "start": send({"type": "started", "protocol": 1, "implementation": {"name": "fake"}})"#;

    #[test]
    fn unknown_capabilities_and_other_versions_are_refused_at_the_handshake() {
        let unknown = fake(
            r#"send({"type": "started", "protocol": 1, "implementation": {"name": "x"}, "capabilities": {"ops": ["array", "frob"]}})"#,
        );
        let e = ProcessBackend::start("x", unknown, Duration::from_secs(10))
            .err()
            .expect("refused");
        assert!(e.message.contains("unknown op `frob`"), "{}", e.message);
        let v2 =
            fake(r#"send({"type": "started", "protocol": 2, "implementation": {"name": "x"}})"#);
        let e = ProcessBackend::start("x", v2, Duration::from_secs(10))
            .err()
            .expect("refused");
        assert!(e.message.contains("speaks protocol 2"), "{}", e.message);
    }

    #[test]
    fn crashes_hangs_and_bad_answers_are_recorded_and_the_process_restarted() {
        // The run after a fault is answered by a fresh process: its seq
        // counter continues in the harness, so the fake echoes it.
        let body = format!(
            "{STARTED}\nif msg[\"type\"] == \"run\":\n    kind = msg[\"program\"].get(\"name\")\n    if kind == \"crash\": sys.exit(3)\n    if kind == \"hang\": import time; time.sleep(60)\n    if kind == \"bad\": send({{\"type\": \"result\", \"seq\": msg[\"seq\"] + 1, \"observation\": {{}}}})\n    else: send({{\"type\": \"unsupported\", \"seq\": msg[\"seq\"], \"reason\": \"fine\"}})"
        );
        let b = ProcessBackend::start("fake", fake(&body), Duration::from_secs(2))
            .unwrap_or_else(|e| panic!("{e}"));
        let program = |name: &str| format!(r#"{{"format":1,"name":"{name}","steps":[]}}"#);
        let outcomes: Vec<String> = ["crash", "ok", "hang", "ok", "bad", "ok"]
            .iter()
            .map(|n| match b.run_json(&program(n)) {
                RunOutcome::Unsupported(r) => format!("unsupported {r}"),
                RunOutcome::Fault(f) => f.summary(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(outcomes[1], "unsupported fine");
        assert_eq!(outcomes[3], "unsupported fine");
        assert_eq!(outcomes[5], "unsupported fine", "{outcomes:?}");
        assert!(
            outcomes[0].starts_with("crash: ") && outcomes[0].contains(" 3"),
            "{outcomes:?}"
        );
        assert!(outcomes[2].starts_with("timeout: "), "{outcomes:?}");
        assert!(
            outcomes[4].contains("expected the answer to run"),
            "{outcomes:?}"
        );
        assert_eq!(b.restarts(), 3);
    }
}
