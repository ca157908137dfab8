//! Arbitrary bytes → `Program::parse` and `Observation::from_json`: the
//! format-1 readers never panic, and what they accept round-trips: for a
//! program `p`, `parse(p.to_json())` is `p` again; for an observation `o`,
//! `to_json(from_json(to_json(o)))` equals `to_json(o)`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use viewcheck::format::{Observation, Program};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = Program::parse(text) {
        let json = p.to_json();
        let again = Program::from_json(&json)
            .unwrap_or_else(|e| panic!("to_json of an accepted program is rejected: {e}\n{json}"));
        assert_eq!(p, again, "from_json(to_json(p)) != p for {json}");
        let line = json.to_string();
        let reparsed = Program::parse(&line)
            .unwrap_or_else(|e| panic!("the text of an accepted program is rejected: {e}\n{line}"));
        assert_eq!(p, reparsed, "parse(to_json(p).to_string()) != p for {line}");
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        if let Ok(o) = Observation::from_json(&value) {
            let j1 = o.to_json();
            let o2 = Observation::from_json(&j1).unwrap_or_else(|e| {
                panic!("to_json of an accepted observation is rejected: {e}\n{j1}")
            });
            let j2 = o2.to_json();
            assert_eq!(j1, j2, "observation JSON is not a fixed point");
        }
    }
});
