//! The binary speaks protocol v1: handshake, results, `unsupported`
//! programs as errors, format errors as observations, and `stop`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value as Json;
use viewcheck::protocol::Response;

/// Sends `requests` (one line each) and returns the response lines and the
/// exit status.
fn session(requests: &[&str]) -> (Vec<String>, std::process::ExitStatus) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_viewcheck-ndarray"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the adapter starts");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut lines = Vec::new();
    for r in requests {
        writeln!(stdin, "{r}").expect("request written");
        stdin.flush().expect("request flushed");
        if r.contains(r#""type":"stop""#) {
            break;
        }
        let mut line = String::new();
        stdout.read_line(&mut line).expect("response read");
        assert!(line.ends_with('\n'), "a whole response line, got {line:?}");
        lines.push(line.trim_end().to_string());
    }
    drop(stdin);
    let status = child.wait().expect("the adapter exits");
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err)
        .expect("stderr read");
    // Panics inside ndarray are step errors; none may leak to stderr.
    assert_eq!(err, "", "nothing on stderr");
    (lines, status)
}

/// The harness's response schema (with the corpus schemas it refers to).
fn response_schema() -> (boon::Schemas, boon::SchemaIndex) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V2020_12);
    let mut response_id = String::new();
    for file in [
        "corpus/schema/program.schema.json",
        "corpus/schema/observation.schema.json",
        "protocol/schema/response.schema.json",
    ] {
        let text = std::fs::read_to_string(root.join(file)).expect("the schema is readable");
        let doc: Json = serde_json::from_str(&text).expect("the schema is JSON");
        let id = doc["$id"].as_str().expect("a schema $id").to_string();
        compiler
            .add_resource(&id, doc)
            .expect("the schema is added");
        response_id = id;
    }
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile(&response_id, &mut schemas)
        .expect("the response schema compiles");
    (schemas, index)
}

/// Every response line, checked against the protocol's schema.
fn json(line: &str) -> Json {
    let v: Json = serde_json::from_str(line).expect("a JSON response");
    let (schemas, index) = response_schema();
    if let Err(e) = schemas.validate(&v, index) {
        panic!("the response {line} breaks the protocol schema: {e}");
    }
    v
}

const START: &str = r#"{"type":"start","protocol":1}"#;
const STOP: &str = r#"{"type":"stop"}"#;

#[test]
fn handshake_names_ndarray_and_its_capabilities() {
    let (lines, status) = session(&[START, STOP]);
    assert!(status.success());
    json(&lines[0]);
    let Ok(Response::Started {
        protocol,
        implementation,
        capabilities,
    }) = Response::parse(&lines[0])
    else {
        panic!("expected `started`, got {}", lines[0]);
    };
    assert_eq!(protocol, 1);
    assert_eq!(implementation.name, "ndarray");
    assert_eq!(implementation.version, "0.17.2");
    assert_eq!(implementation.language, "rust");
    assert!(capabilities.problems().is_empty());
    assert_eq!(capabilities.ops.as_ref().map(Vec::len), Some(16));
    let kinds = capabilities
        .index_kinds
        .clone()
        .expect("index kinds are declared");
    assert!(kinds.iter().any(|k| k == "slice"));
    assert!(!kinds.iter().any(|k| k == "mask" || k == "array0d"));
    assert!(!capabilities.observes("warnings"));
    assert!(capabilities.observes("strides") && capabilities.observes("shares_memory"));
}

#[test]
fn programs_get_observations_unsupported_ones_say_so() {
    let transpose = r#"{"type":"run","seq":1,"program":{"format":1,"steps":[{"op":"array","out":"a","shape":[2,3]},{"op":"transpose","out":"t","src":"a","axes":null}]}}"#;
    // ndarray's negative step reverses the selected range 1..4: [3, 2, 1],
    // where NumPy's 1::-1 is [1, 0].
    let reversed = r#"{"type":"run","seq":2,"program":{"format":1,"steps":[{"op":"array","out":"a","shape":[4]},{"op":"index","out":"r","src":"a","index":[{"slice":[1,null,-1]}]}]}}"#;
    let mask = r#"{"type":"run","seq":3,"program":{"format":1,"steps":[{"op":"array","out":"a","shape":[2]},{"op":"index","out":"m","src":"a","index":[{"mask":[true,false]}]}]}}"#;
    let bad = r#"{"type":"run","seq":4,"program":{"format":1,"steps":[{"op":"frob"}]}}"#;
    // ndarray panics on a slice past the end; the step records IndexError
    // and the panic message stays off stderr (checked by `session`).
    let past_end = r#"{"type":"run","seq":5,"program":{"format":1,"steps":[{"op":"array","out":"a","shape":[4]},{"op":"index","out":"b","src":"a","index":[{"slice":[0,9,null]}]}]}}"#;
    let (lines, status) = session(&[START, transpose, reversed, mask, bad, past_end, STOP]);
    assert!(status.success());
    assert_eq!(lines.len(), 6);
    let r = json(&lines[5]);
    assert_eq!(
        r["observation"]["steps"],
        serde_json::json!([{"ok": true}, {"error": "IndexError"}])
    );

    let r = json(&lines[1]);
    assert_eq!(r["type"], "result");
    assert_eq!(r["seq"], 1);
    let t = &r["observation"]["arrays"]["t"];
    assert_eq!(t["shape"], serde_json::json!([3, 2]));
    assert_eq!(t["strides"], serde_json::json!([1, 3]));
    assert_eq!(t["values"], serde_json::json!([0, 3, 1, 4, 2, 5]));
    assert_eq!(t["owndata"], false);
    assert_eq!(t["f_contiguous"], true);
    assert_eq!(r["observation"]["arrays"]["a"]["owndata"], true);
    assert_eq!(
        r["observation"]["shares_memory"],
        serde_json::json!([["a", "t"]])
    );

    let r = json(&lines[2]);
    let rev = &r["observation"]["arrays"]["r"];
    assert_eq!(rev["values"], serde_json::json!([3, 2, 1]));
    assert_eq!(rev["strides"], serde_json::json!([-1]));
    assert_eq!(rev["offset"], 3);

    // What ndarray cannot express is the protocol's own `unsupported`.
    let r = json(&lines[3]);
    assert_eq!(r["type"], "unsupported");
    assert_eq!(r["seq"], 3);
    let reason = r["reason"].as_str().expect("a reason");
    assert!(
        !reason.is_empty() && !reason.starts_with("unsupported"),
        "{reason}"
    );

    let r = json(&lines[4]);
    assert_eq!(r["type"], "result");
    assert!(r["observation"]["format_error"]
        .as_str()
        .is_some_and(|m| m.contains("unknown op")));
}

#[test]
fn input_ending_without_stop_ends_the_adapter_cleanly() {
    let (lines, status) = session(&[START]);
    assert_eq!(lines.len(), 1);
    assert!(status.success());
}
