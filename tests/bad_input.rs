//! Hostile and malformed program lines: each class of bad input gets its
//! exact `format_error`, the validator's limits hold at their boundaries, and
//! nothing panics (the first case below once overflowed a multiplication in
//! a debug build).

use viewcheck::backend::{run_line, StridedBackend};
use viewcheck::format::{
    json_from_str, FormatError, Observation, Program, MAX_INDEX_AXES, MAX_JSON_DEPTH,
    MAX_LINE_BYTES, MAX_PROGRAM_INDEX_ELEMENTS,
};

/// What the reader says about a number that is not a format-1 integer.
const NOT_INT: &str =
    "is not an integer (format 1 integers are JSON integers without fraction or exponent)";

/// `depth` nested lists around `leaf`.
fn nest(depth: usize, leaf: &str) -> String {
    format!("{}{leaf}{}", "[".repeat(depth), "]".repeat(depth))
}

/// `a = arange(6).reshape(2, 3)`, then `b = a[item]`.
fn index(item: &str) -> String {
    format!(
        r#"{{"format": 1, "steps": [{{"op": "array", "out": "a", "shape": [2, 3]}}, {{"op": "index", "out": "b", "src": "a", "index": [{item}]}}]}}"#
    )
}

/// A program whose only step is `array` with this `shape` text.
fn shape(s: &str) -> String {
    format!(r#"{{"format": 1, "steps": [{{"op": "array", "out": "a", "shape": [{s}]}}]}}"#)
}

/// Asserts the exact rejection of `line` by `Program::parse` and by
/// `viewcheck exec`'s path (`run_line`), which must print the same text.
#[track_caller]
fn rejected(line: &str, expected: &str) {
    let shown: String = line.chars().take(200).collect();
    match Program::parse(line) {
        Ok(p) => panic!("accepted {shown}: {p:?}"),
        Err(e) => assert_eq!(e.to_string(), expected, "for {shown}"),
    }
    let obs = run_line(&StridedBackend, line).expect("a rejection is not a backend failure");
    assert_eq!(
        obs.format_error.as_deref(),
        Some(expected),
        "run_line, {shown}"
    );
}

#[test]
fn nesting_and_axes() {
    // Before: 64 levels multiplied 2 * 2 * ... in usize and panicked in
    // debug builds (wrapped in release, quoting a wrong element count).
    let doubled = format!(
        r#"{{"array": {}}}"#,
        (0..64).fold("0".to_string(), |s, _| format!("[{s}, 0]"))
    );
    rejected(
        &index(&doubled),
        "steps[1].index[0].array: 64 axes exceed the limit of 32",
    );
    // Before: 65 to 128 levels passed the validator and NumPy's oracle raised.
    for depth in [33, 64, 65, 100] {
        rejected(
            &index(&format!(r#"{{"array": {}}}"#, nest(depth, "0"))),
            &format!("steps[1].index[0].array: {depth} axes exceed the limit of 32"),
        );
        rejected(
            &index(&format!(r#"{{"mask": {}}}"#, nest(depth, "true"))),
            &format!("steps[1].index[0].mask: {depth} axes exceed the limit of 32"),
        );
    }
    // 32 axes, empty or not, are fine (NumPy 1.x builds 32, 2.x 64).
    assert_eq!(MAX_INDEX_AXES, 32);
    let p = Program::parse(&index(&format!(r#"{{"array": {}}}"#, nest(32, "0")))).unwrap();
    let viewcheck::format::Step::Index { index: items, .. } = &p.steps[1] else {
        panic!("an index step")
    };
    let viewcheck::format::Item::Array(a) = &items[0] else {
        panic!("an index array")
    };
    assert_eq!(a.shape, vec![1; 32]);
    Program::parse(&index(&format!(r#"{{"mask": {}}}"#, nest(31, "[]")))).unwrap();
    // The shape is the nesting of the first elements, and the limits are
    // checked on it first (a ragged list is cheaper to reject that way);
    // 32 levels of 8 claim 2^96 elements in a few hundred bytes.
    rejected(
        &index(&format!(
            r#"{{"array": [{}, 0]}}"#,
            nest(1, &["0"; 70000].join(","))
        )),
        "steps[1].index[0].array: 140000 elements exceed the index limit of 2^16",
    );
    let claims = (0..32).fold("0".to_string(), |s, _| {
        format!("[{s}, 0, 0, 0, 0, 0, 0, 0]")
    });
    rejected(
        &index(&format!(r#"{{"mask": {claims}}}"#)),
        "steps[1].index[0].mask: at least 2^64 elements exceed the index limit of 2^16",
    );
    rejected(
        &index(&format!(r#"{{"array": {}}}"#, nest(30, "[0, 0], [0]"))),
        "steps[1].index[0].array: ragged index array",
    );
    rejected(
        &index(r#"{"array": [[0], [[1]]]}"#),
        "steps[1].index[0].array: ragged index array",
    );
    // JSON nesting as such: 128 levels in all, with the path up to the last key.
    assert_eq!(MAX_JSON_DEPTH, 128);
    rejected(
        &nest(129, "0"),
        "lists and objects are nested more than 128 deep (at column 129)",
    );
    rejected(
        &index(&format!(r#"{{"array": {}}}"#, nest(200, "0"))),
        "steps[1].index[0].array: lists and objects are nested more than 128 deep (at column 254)",
    );
    // Depth 128 itself is read (then rejected as a program).
    rejected(&nest(128, "0"), "a program is a JSON object, got a list");
    let deep_note = format!(
        r#"{{"format": 1, "steps": [], "note": {}}}"#,
        nest(127, "0")
    );
    rejected(&deep_note, "note: expected a string, got a list");
}

#[test]
fn duplicate_keys() {
    // Before: the last one won (`b` was bound; format 2 then 1 ran).
    rejected(
        r#"{"format": 1, "steps": [{"op": "array", "out": "a", "out": "b", "shape": [1]}]}"#,
        r#"steps[0]: duplicate key "out""#,
    );
    rejected(
        r#"{"format": 2, "format": 1, "steps": []}"#,
        r#"duplicate key "format""#,
    );
    rejected(
        &index(r#"{"array": [0], "array": [1]}"#),
        r#"steps[1].index[0]: duplicate key "array""#,
    );
    // Keys are compared after unescaping.
    rejected(
        r#"{"format": 1, "steps": [], "st\u0065ps": []}"#,
        r#"duplicate key "steps""#,
    );
    // Observations and other documents read by the same reader.
    let e = Observation::parse(r#"{"format": 1, "format_error": "x", "format_error": "y"}"#)
        .unwrap_err();
    assert_eq!(e.to_string(), r#"duplicate key "format_error""#);
    let e = json_from_str(r#"[{"a": 1}, {"b": {"c": 1, "c": 2}}]"#).unwrap_err();
    assert_eq!(e.to_string(), r#"[1].b: duplicate key "c""#);
    // An empty key is a key like any other, in paths too.
    let e = json_from_str(r#"{"": {"b": {"a": 1, "a": 2}}}"#).unwrap_err();
    assert_eq!(e.path, ".b");
    // The same key in different objects is fine.
    Program::parse(
        r#"{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [1]}, {"op": "array", "out": "b", "shape": [1]}]}"#,
    )
    .unwrap();
}

#[test]
fn numbers() {
    // Before: "expected an integer, got 1.1805916207174113e21", "invalid JSON:
    // number out of range", "expected an integer, got 1000.0", ...
    rejected(
        &shape("1180591620717411303424"),
        "steps[0].shape[0]: integer 1180591620717411303424 is outside [-(2^31 - 1), 2^31 - 1]",
    );
    rejected(
        &shape("-1180591620717411303424"),
        "steps[0].shape[0]: integer -1180591620717411303424 is outside [-(2^31 - 1), 2^31 - 1]",
    );
    rejected(
        &shape("9223372036854775808"),
        "steps[0].shape[0]: integer 9223372036854775808 is outside [-(2^31 - 1), 2^31 - 1]",
    );
    rejected(
        &shape(&"9".repeat(5000)),
        "steps[0].shape[0]: integer 99999999999999999999999999999999... (5000 characters) is outside [-(2^31 - 1), 2^31 - 1]",
    );
    for bad in [
        "1e400", "1.5", "1e3", "1E3", "1.0", "-0.0", "2e-1", "1.5e+2",
    ] {
        rejected(&shape(bad), &format!("steps[0].shape[0]: {bad} {NOT_INT}"));
    }
    rejected(
        r#"{"format": 1e0, "steps": []}"#,
        &format!("format: 1e0 {NOT_INT}"),
    );
    rejected(
        &index(r#"{"slice": [null, 2.5, null]}"#),
        &format!("steps[1].index[0].slice[1]: 2.5 {NOT_INT}"),
    );
    rejected(
        &index(r#"{"array": [[0, 1e1]]}"#),
        &format!("steps[1].index[0].array[0][1]: 1e1 {NOT_INT}"),
    );
    // `-0` is the JSON integer 0, as Python's json reads it.
    let p = Program::parse(&shape("-0")).unwrap();
    assert_eq!(p.to_json()["steps"][0]["shape"], serde_json::json!([0]));
    let viewcheck::format::Step::Array { shape: s, .. } = &p.steps[0] else {
        panic!("an array step")
    };
    assert_eq!(s, &vec![0]);
    // The range is checked for 64-bit integers in step order, as before.
    rejected(
        &shape("2147483648"),
        "steps[0].shape[0]: integer 2147483648 is outside [-(2^31 - 1), 2^31 - 1]",
    );
    // Malformed number tokens are JSON errors.
    for (bad, column) in [
        ("01", 63),
        ("-", 63),
        ("1.", 63),
        (".5", 63),
        ("1e", 63),
        ("+1", 63),
        ("--1", 63),
        ("1.e5", 63),
    ] {
        let expected = if bad.starts_with(['.', '+']) {
            format!(
                "steps[0].shape[0]: invalid JSON: expected a value at column {column}, found `{}`",
                &bad[..1]
            )
        } else {
            format!("steps[0].shape[0]: invalid JSON: malformed number `{bad}` at column {column}")
        };
        rejected(&shape(bad), &expected);
    }
    // Observations may carry non-integer informational numbers.
    let o = Observation::parse(r#"{"format": 1, "seconds": 1.5e-3, "steps": [], "arrays": {}, "shares_memory": [], "may_share_memory": []}"#).unwrap();
    assert_eq!(o.extra["seconds"], serde_json::json!(0.0015));
    let e = Observation::parse(r#"{"format": 1, "seconds": 1e400}"#).unwrap_err();
    assert_eq!(e.to_string(), "seconds: number 1e400 is out of range");
}

#[test]
fn the_text_around_the_value() {
    // Before: "invalid JSON: expected value at line 1 column 1".
    rejected(
        "\u{feff}{\"format\": 1, \"steps\": []}",
        "a UTF-8 byte-order mark at the start of the line is not allowed",
    );
    rejected(
        "{\"format\": 1, \"steps\": []}\u{feff}",
        "invalid JSON: U+FEFF at column 27 after the end of the JSON value",
    );
    rejected(
        r#"{"format": 1, "steps": []} x"#,
        "invalid JSON: `x` at column 28 after the end of the JSON value",
    );
    rejected(
        r#"{"format": 1, "steps": []}{"format": 1, "steps": []}"#,
        "invalid JSON: `{` at column 27 after the end of the JSON value",
    );
    rejected(
        "{\"format\": 1, \"steps\": []}\u{0}",
        "invalid JSON: U+0000 at column 27 after the end of the JSON value",
    );
    // Whitespace around the value, and a CR LF ending, are fine.
    Program::parse(" \t{\"format\": 1, \"steps\": []}\r\n").unwrap();
    rejected(
        "",
        "invalid JSON: no value (the text is empty or only whitespace)",
    );
    rejected(
        " \t\r\n",
        "invalid JSON: no value (the text is empty or only whitespace)",
    );
    rejected("{}", "missing field `format`");
    rejected(
        "hello",
        "invalid JSON: expected a value at column 1, found `h`",
    );
    rejected(
        "nonsense",
        "invalid JSON: expected `null` at column 1, found `n`",
    );
    rejected("null", "a program is a JSON object, got null");
    rejected(r#""{}""#, "a program is a JSON object, got a string");
}

#[test]
fn truncated_lines() {
    let full = r#"{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [2, 3]}]}"#;
    // Every proper prefix is rejected, and never with a panic.
    for end in 0..full.len() {
        assert!(Program::parse(&full[..end]).is_err(), "{}", &full[..end]);
    }
    Program::parse(full).unwrap();
    rejected(
        r#"{"format": 1, "steps": ["#,
        "steps[0]: invalid JSON: expected a value at column 25, found the end of the text",
    );
    rejected(
        r#"{"format": 1, "steps": [{"op": "arr"#,
        "steps[0].op: invalid JSON: the string that starts at column 32 is not closed",
    );
    rejected(
        r#"{"format": 1, "steps": [{"op""#,
        "steps[0]: invalid JSON: expected `:` at column 30, found the end of the text",
    );
    rejected(
        r#"{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [2, 3]}"#,
        "steps: invalid JSON: expected `,` or `]` at column 69, found the end of the text",
    );
    rejected(
        r#"{"format": 1, "steps": []"#,
        "invalid JSON: expected `,` or `}` at column 26, found the end of the text",
    );
    rejected(
        r#"{"format": 1, "steps": [], "note": tr"#,
        "note: invalid JSON: expected `true` at column 36, found `t`",
    );
    rejected(
        r#"{"format": 1,"#,
        "invalid JSON: expected a key (a string) at column 14, found the end of the text",
    );
    rejected(
        "{\"format\": 1,\n \"steps\": [}",
        "steps[0]: invalid JSON: expected a value at line 2 column 12, found `}`",
    );
}

#[test]
fn malformed_json() {
    rejected(
        r#"{"format": 1, "steps": [],}"#,
        "invalid JSON: trailing comma at column 26 before `}`",
    );
    rejected(
        r#"{"format": 1, "steps": [1, ]}"#,
        "steps: invalid JSON: trailing comma at column 26 before `]`",
    );
    rejected(
        r#"{format: 1, "steps": []}"#,
        "invalid JSON: expected a key (a string) at column 2, found `f`",
    );
    rejected(
        r#"{'format': 1, "steps": []}"#,
        "invalid JSON: expected a key (a string) at column 2, found `'`",
    );
    rejected(
        r#"{"format" 1, "steps": []}"#,
        "invalid JSON: expected `:` at column 11, found `1`",
    );
    rejected(
        r#"{"format": 1 "steps": []}"#,
        "invalid JSON: expected `,` or `}` at column 14, found `\"`",
    );
    rejected(
        r#"{"format": 1, "steps": [] /* c */}"#,
        "invalid JSON: expected `,` or `}` at column 27, found `/`",
    );
    rejected(
        r#"{"format": 1, "steps": [NaN]}"#,
        "steps[0]: invalid JSON: expected a value at column 25, found `N`",
    );
    rejected(
        r#"{"format": 1, "steps": [], "note": "\x"}"#,
        r#"note: invalid JSON: unknown escape `\x` in a string at column 37"#,
    );
    rejected(
        r#"{"format": 1, "steps": [], "note": "\u12"}"#,
        r#"note: invalid JSON: \u at column 37 needs four hex digits"#,
    );
    rejected(
        r#"{"format": 1, "steps": [], "note": "\ud800"}"#,
        r#"note: invalid JSON: unpaired surrogate \uD800 in a string at column 37"#,
    );
    rejected(
        r#"{"format": 1, "steps": [], "note": "\udc00\ud800"}"#,
        r#"note: invalid JSON: unpaired surrogate \uDC00 in a string at column 37"#,
    );
    rejected(
        "{\"format\": 1, \"steps\": [], \"note\": \"a\tb\"}",
        "note: invalid JSON: control character U+0009 in a string at column 38 (write it as an escape)",
    );
    // Escapes and non-ASCII text are read as they should be.
    let p = Program::parse(
        r#"{"format": 1, "steps": [], "note": "é \u00e9 \ud83d\ude00 \"\\\/\b\f\n\r\t"}"#,
    )
    .unwrap();
    assert_eq!(p.note.as_deref(), Some("é é 😀 \"\\/\u{8}\u{c}\n\r\t"));
    // Columns count characters, not bytes.
    rejected(
        r#"{"format": 1, "steps": [], "note": "ééé" x}"#,
        "invalid JSON: expected `,` or `}` at column 42, found `x`",
    );
}

#[test]
fn binary_junk() {
    rejected(
        "{\"format\": 1, \"steps\": [\u{0}]}",
        "steps[0]: invalid JSON: expected a value at column 25, found U+0000",
    );
    rejected(
        "\u{0}",
        "invalid JSON: expected a value at column 1, found U+0000",
    );
    rejected(
        "\u{7f}ELF",
        "invalid JSON: expected a value at column 1, found U+007F",
    );
    rejected(
        "\u{fffd}\u{fffd}",
        "invalid JSON: expected a value at column 1, found U+FFFD",
    );
    rejected(
        "{\"format\": 1, \"steps\": [], \"note\": \"\u{0}\"}",
        "note: invalid JSON: control character U+0000 in a string at column 37 (write it as an escape)",
    );
    // Bytes that are not UTF-8, for line readers that have bytes.
    let e =
        Program::parse_bytes(b"{\"format\": 1, \"note\": \"\xff\", \"steps\": []}").unwrap_err();
    assert_eq!(
        e.to_string(),
        "the line is not UTF-8: byte 0xFF at column 24 does not belong to a UTF-8 character"
    );
    let e = Program::parse_bytes(b"\xc3").unwrap_err();
    assert_eq!(
        e.to_string(),
        "the line is not UTF-8: byte 0xC3 at column 1 does not belong to a UTF-8 character"
    );
    assert!(Program::parse_bytes(br#"{"format": 1, "steps": []}"#).is_ok());
    // Arbitrary bytes never panic.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..2000 {
        let len = (state % 64) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let alphabet = b"{}[],:\"\\0123456789-+.eEtrufalsn \x00\xff";
                alphabet[(state % alphabet.len() as u64) as usize]
            })
            .collect();
        let _ = Program::parse_bytes(&bytes);
    }
}

#[test]
fn wrong_types_for_every_field() {
    let a = r#"{"op": "array", "out": "a", "shape": [2, 3]}"#;
    let with_a = |step: &str| format!(r#"{{"format": 1, "steps": [{a}, {step}]}}"#);
    let cases: &[(&str, &str)] = &[
        (
            r#"{"op": "array", "out": "b", "shape": {}}"#,
            "steps[1].shape: expected a list of integers, got an object",
        ),
        (
            r#"{"op": "array", "out": "b", "shape": [1], "order": 1}"#,
            r#"steps[1].order: order must be one of "C"/"F", got 1"#,
        ),
        (
            r#"{"op": "index", "out": "b", "src": 1, "index": []}"#,
            "steps[1].src: expected a name, got an integer",
        ),
        (
            r#"{"op": "index", "out": null, "src": "a", "index": []}"#,
            "steps[1].out: expected a name, got null",
        ),
        (
            r#"{"op": "index", "out": "b", "src": "a", "index": "0"}"#,
            "steps[1].index: expected a list of index items, got a string",
        ),
        (
            r#"{"op": "transpose", "out": "b", "src": "a", "axes": [true]}"#,
            "steps[1].axes[0]: expected an integer, got a boolean",
        ),
        (
            r#"{"op": "swapaxes", "out": "b", "src": "a", "axis1": 0, "axis2": null}"#,
            "steps[1].axis2: expected an integer, got null",
        ),
        (
            r#"{"op": "moveaxis", "out": "b", "src": "a", "source": [0], "destination": {}}"#,
            "steps[1].destination: expected a list of integers, got an object",
        ),
        (
            r#"{"op": "reshape", "out": "b", "src": "a", "shape": [6], "copy": "no"}"#,
            "steps[1].copy: expected true, false or null, got a string",
        ),
        (
            r#"{"op": "ravel", "out": "b", "src": "a", "order": ["C"]}"#,
            r#"steps[1].order: order must be one of "C"/"F"/"A"/"K", got ["C"]"#,
        ),
        (
            r#"{"op": "flatten", "out": "b", "src": "a", "order": true}"#,
            r#"steps[1].order: order must be one of "C"/"F"/"A"/"K", got true"#,
        ),
        (
            r#"{"op": "squeeze", "out": "b", "src": "a", "axis": 0}"#,
            "steps[1].axis: expected a list of integers, got an integer",
        ),
        (
            r#"{"op": "expand_dims", "out": "b", "src": "a", "axis": null}"#,
            "steps[1].axis: expected a list of integers, got null",
        ),
        (
            r#"{"op": "broadcast_to", "out": "b", "src": "a", "shape": "2,3"}"#,
            "steps[1].shape: expected a list of integers, got a string",
        ),
        (
            r#"{"op": "diagonal", "out": "b", "src": "a", "offset": [0]}"#,
            "steps[1].offset: expected an integer, got a list",
        ),
        (
            r#"{"op": "copy", "out": "b", "src": "a", "order": "k"}"#,
            r#"steps[1].order: order must be one of "C"/"F"/"A"/"K", got "k""#,
        ),
        (
            r#"{"op": "asarray", "out": "b", "src": "a", "order": null}"#,
            r#"steps[1].order: order must be one of "C"/"F"/"A"/"K", got null"#,
        ),
        (
            r#"{"op": "assign", "dst": ["a"], "index": [], "value": {"scalar": 1}}"#,
            "steps[1].dst: expected a name, got a list",
        ),
        (
            r#"{"op": "add_assign", "dst": "a", "index": [], "value": {"scalar": "1"}}"#,
            "steps[1].value.scalar: expected an integer, got a string",
        ),
        (
            r#"{"op": "add_assign", "dst": "a", "index": [], "value": null}"#,
            r#"steps[1].value: expected {"scalar": int} or {"var": name}, got null"#,
        ),
        (
            r#"{"op": ["array"]}"#,
            "steps[1].op: expected an op name, got a list",
        ),
        (r#"[]"#, "steps[1]: a step is an object, got a list"),
    ];
    for (step, expected) in cases {
        rejected(&with_a(step), expected);
    }
    rejected(
        r#"{"format": 1, "steps": [], "name": {}}"#,
        "name: expected a string, got an object",
    );
    rejected(
        r#"{"format": true, "steps": []}"#,
        "format: expected 1, got true",
    );
    rejected(
        r#"{"format": 1, "steps": "[]"}"#,
        "steps: expected a list, got a string",
    );
}

#[test]
fn the_line_limit() {
    assert_eq!(MAX_LINE_BYTES, 1 << 24);
    // Rejected unread: a line of only `[` would otherwise be a depth error.
    let long = "[".repeat(MAX_LINE_BYTES + 1);
    rejected(
        &long,
        "program line of 16777217 bytes exceeds the limit of 2^24 bytes",
    );
    assert_eq!(
        FormatError::line_too_long(1 << 30).to_string(),
        "program line of 1073741824 bytes exceeds the limit of 2^24 bytes"
    );
    let e = Program::parse_bytes(long.as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "program line of 16777217 bytes exceeds the limit of 2^24 bytes"
    );
    // Exactly at the limit the line is read.
    let prefix = r#"{"format": 1, "steps": [], "note": ""#;
    let at_limit = format!(
        "{prefix}{}\"}}",
        "x".repeat(MAX_LINE_BYTES - prefix.len() - 2)
    );
    assert_eq!(at_limit.len(), MAX_LINE_BYTES);
    Program::parse(&at_limit).unwrap();
}

#[test]
fn the_program_index_element_limit() {
    assert_eq!(MAX_PROGRAM_INDEX_ELEMENTS, 1 << 20);
    // 16 index arrays of 2^16 elements are exactly the limit; one more
    // element anywhere crosses it, and the message names that item.
    let full = format!(r#"{{"array": [{}]}}"#, vec!["0"; 1 << 16].join(","));
    let steps = |n: usize, last: &str| {
        let mut s = vec![r#"{"op": "array", "out": "a", "shape": [2, 3]}"#.to_string()];
        for i in 0..n {
            s.push(format!(
                r#"{{"op": "index", "out": "b{i}", "src": "a", "index": [{full}]}}"#
            ));
        }
        s.push(format!(
            r#"{{"op": "assign", "dst": "a", "index": [0, {last}], "value": {{"scalar": 1}}}}"#
        ));
        format!(r#"{{"format": 1, "steps": [{}]}}"#, s.join(","))
    };
    Program::parse(&steps(16, r#"{"array": []}"#)).unwrap();
    rejected(
        &steps(16, r#"{"mask": true}"#),
        "steps[17].index[1].mask: index arrays and masks up to here hold 1048577 elements, more than the limit of 2^20 per program",
    );
    rejected(
        &steps(15, &format!("{full}, {full}")),
        "steps[16].index[2].array: index arrays and masks up to here hold 1114112 elements, more than the limit of 2^20 per program",
    );
}

#[test]
fn shape_products_do_not_overflow() {
    // Before: saturating products quoted 9223372036854775807 elements.
    let big = ["1048576"; 5].join(", ");
    rejected(
        &shape(&big),
        "steps[0].shape: at least 2^63 elements exceed the limit of 2^20 for `array`",
    );
    let mut with_zero = vec!["1048576"; 31];
    with_zero.push("0");
    Program::parse(&shape(&with_zero.join(", "))).unwrap();
    rejected(
        &shape("1048576, 1048576"),
        "steps[0].shape: 1099511627776 elements exceed the limit of 2^20 for `array`",
    );
}

/// Every structural boundary the validator accepts is one NumPy's executor
/// accepts too: it builds the index arrays and masks (`np.array(nested,
/// dtype)`) and runs the step, raising at most NumPy's own error for the step.
/// Before, a 65-deep index array passed here and the oracle failed.
#[cfg(feature = "oracle")]
#[test]
fn numpy_accepts_what_the_validator_accepts() {
    use viewcheck::backend::{Backend, NumpyBackend};
    let np = NumpyBackend::new().unwrap_or_else(|e| panic!("the NumPy oracle is unavailable: {e}"));
    let ones = vec!["1"; MAX_INDEX_AXES].join(", ");
    let deep_a = format!(r#"{{"op": "array", "out": "d", "shape": [{ones}]}}"#);
    let program = |steps: &[String]| format!(r#"{{"format": 1, "steps": [{}]}}"#, steps.join(", "));
    let a = r#"{"op": "array", "out": "a", "shape": [3]}"#.to_string();
    let idx = |src: &str, out: &str, items: &str| {
        format!(r#"{{"op": "index", "out": "{out}", "src": "{src}", "index": [{items}]}}"#)
    };
    let many_ints = vec!["0"; 100].join(", ");
    let many_arrays = vec![r#"{"array": 0}"#; 70].join(", ");
    let lines = [
        program(&[
            a.clone(),
            idx(
                "a",
                "b",
                &format!(r#"{{"array": {}}}"#, nest(MAX_INDEX_AXES, "0")),
            ),
        ]),
        program(&[
            a.clone(),
            idx(
                "a",
                "b",
                &format!(r#"{{"array": {}}}"#, nest(MAX_INDEX_AXES - 1, "[]")),
            ),
        ]),
        program(&[
            deep_a.clone(),
            idx(
                "d",
                "b",
                &format!(r#"{{"mask": {}}}"#, nest(MAX_INDEX_AXES, "true")),
            ),
        ]),
        program(&[
            deep_a.clone(),
            idx(
                "d",
                "b",
                &format!(r#"{{"mask": {}}}"#, nest(MAX_INDEX_AXES - 1, "[]")),
            ),
        ]),
        program(&[
            a.clone(),
            idx(
                "a",
                "b",
                &format!(r#"{{"mask": {}}}"#, nest(MAX_INDEX_AXES, "false")),
            ),
        ]),
        program(&[
            a.clone(),
            format!(
                r#"{{"op": "assign", "dst": "a", "index": [{{"array": {}}}], "value": {{"scalar": 7}}}}"#,
                nest(MAX_INDEX_AXES, "2")
            ),
        ]),
        program(&[a.clone(), idx("a", "b", &many_ints)]),
        program(&[a.clone(), idx("a", "b", &many_arrays)]),
        program(&[deep_a.clone(), idx("d", "b", &many_arrays)]),
        program(&[r#"{"op": "array", "out": "z", "shape": [-0, 2]}"#.to_string()]),
    ];
    for line in &lines {
        let p = Program::parse(line).unwrap_or_else(|e| panic!("rejected {line}: {e}"));
        if let Err(e) = np.run(&p) {
            panic!("the validator accepts what NumPy's executor rejects: {e}\n{line}");
        }
    }
}
