//! The HTML report of a replay (`report.html` next to `report.jsonl`): one
//! self-contained page, readable offline and without scripts, for an
//! implementer who wants to see *why* a case failed.
//!
//! Besides the header facts, the counts and the per-rule table, every case
//! that did not pass gets a section with its program (as JSON and as NumPy
//! code), its differences, and a picture of each owning buffer: which
//! elements each array sees there, for NumPy's observation and for the
//! implementation's, with the cells where the two disagree highlighted.
//! Strides and offsets in format 1 are in elements from the owning buffer
//! (docs/FORMAT.md), so the picture follows from the observation alone.
//!
//! Every string that comes from a program, an observation or an
//! implementation goes through [`escape`]: case details and implementation
//! names are written by whoever implements the protocol.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::conformance::{counts, CaseReport, CaseStatus, RuleSummary, STATUSES};

/// Cells drawn per buffer: a page of ~100 failing cases stays in the low
/// megabytes even when some arrays have 2^20 elements.
pub const MAX_CELLS: usize = 512;

/// Cells per band of a buffer picture, so that NumPy's picture and the
/// implementation's fit side by side on an ordinary screen.
const BAND: usize = 16;

/// Elements enumerated per array at most: the live-element budget of a
/// program (2^22), so any valid observation is drawn.
const MAX_ENUMERATED: u128 = 1 << 22;

/// Characters of JSON (program, observation) shown per block; the full text
/// is in `report.jsonl`.
const MAX_JSON_CHARS: usize = 20_000;

/// Characters per cell of the differences table.
const MAX_DIFF_CHARS: usize = 2_000;

/// Rows of the differences table per case.
const MAX_DIFF_ROWS: usize = 200;

/// `&`, `<`, `>`, `"` and `'` as entities: safe in text and in quoted
/// attributes alike.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `s` cut to `max` characters, saying how much was left out.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((at, _)) => format!(
            "{}… ({} more characters, see report.jsonl)",
            &s[..at],
            s[at..].chars().count()
        ),
    }
}

/// The anchor of a case's section (ids are `VC-` and digits, but the page
/// must not break on an odd one).
fn anchor(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("case-{safe}")
}

/// Whether a case gets a section of its own: everything an implementer has
/// to look at (passes, unsupported and skipped cases do not).
fn has_section(s: CaseStatus) -> bool {
    matches!(
        s,
        CaseStatus::Fail
            | CaseStatus::XFail
            | CaseStatus::XPass
            | CaseStatus::Error
            | CaseStatus::Crash
            | CaseStatus::Timeout
    )
}

fn status_badge(s: CaseStatus) -> String {
    format!("<span class=\"st st-{0}\">{0}</span>", s.as_str())
}

const CSS: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1400px;padding:1em 1.5em;color:#1d1d1f;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
h3{margin:.2em 0}
table{border-collapse:collapse}
.facts td,.facts th{padding:.15em .8em .15em 0;text-align:left;vertical-align:top}
.grid{border:1px solid #ccc}.grid th,.grid td{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
.grid thead th{background:#f3f3f3}
.st{display:inline-block;padding:0 .5em;border-radius:.7em;font-weight:600;font-size:.9em;color:#fff;white-space:nowrap}
.st-pass{background:#2e7d32}.st-fail{background:#c62828}.st-xfail{background:#ef6c00}.st-xpass{background:#6a1b9a}
.st-unsupported{background:#78909c}.st-skip{background:#b0bec5;color:#222}.st-error{background:#8e0000}
.st-crash{background:#ad1457}.st-timeout{background:#6d4c41}
.counts span.st{margin-right:.4em;font-size:1em;padding:.1em .7em}
.counts span.zero{opacity:.35}
.v-kept{color:#2e7d32;font-weight:600}.v-broken{color:#c62828;font-weight:600}
.v-cannot{color:#78909c;font-weight:600}.v-notrun{color:#999}
section.case{border:1px solid #ccc;border-left:6px solid #c62828;border-radius:4px;margin:1.2em 0;padding:.6em 1em}
section.case.s-xfail{border-left-color:#ef6c00}section.case.s-xpass{border-left-color:#6a1b9a}
section.case.s-error{border-left-color:#8e0000}section.case.s-crash{border-left-color:#ad1457}
section.case.s-timeout{border-left-color:#6d4c41}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:.5em .7em;overflow-x:auto;white-space:pre-wrap;word-break:break-word;margin:.3em 0}
.detail{background:#fff4f4;border-color:#f1c0c0}
details>summary{cursor:pointer;color:#0b57d0}
.pics{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
.pic{flex:1 1 34em;min-width:0;overflow-x:auto}
.pic h4{margin:.4em 0}
table.buf{margin:.2em 0 .6em;font:12px/1.2 ui-monospace,Menlo,Consolas,monospace}
table.buf th,table.buf td{border:1px solid #d0d0d0;width:2.1em;min-width:2.1em;height:1.6em;text-align:center;padding:0}
table.buf thead th{background:#eceff1;color:#555;font-weight:normal}
table.buf th.n{width:auto;min-width:3em;padding:0 .4em;text-align:right;background:#fafafa;font-weight:600}
table.buf td.o{background:#90caf9}
table.buf td.d{outline:3px solid #e53935;outline-offset:-3px;background:#ffcdd2}
table.buf td.o.d{background:#ef9a9a}
table.buf tr.d th.n{background:#ffcdd2;color:#b71c1c}
.note{color:#555;font-size:.92em;margin:.2em 0}
.warn{color:#b71c1c}
.diffs td:first-child{font-family:ui-monospace,Menlo,Consolas,monospace}
.diffs td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
a{color:#0b57d0}
.legend span{display:inline-block;width:1.4em;height:1em;border:1px solid #999;vertical-align:middle;margin:0 .3em 0 .8em}
"#;

/// The report page: header facts, counts per status, the per-rule table and
/// one section per case that did not pass.
pub fn html_report(header: &Json, cases: &[CaseReport], rules: &[RuleSummary]) -> String {
    let implementation = &header["implementation"];
    let name = implementation["name"].as_str().unwrap_or("implementation");
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>viewcheck report: {}</title><style>{CSS}</style></head><body>\n",
        escape(name)
    );
    let _ = writeln!(
        out,
        "<h1>viewcheck report: {}</h1>",
        escape(&facts_name(implementation))
    );
    header_facts(&mut out, header);
    status_counts(&mut out, cases);
    rule_table(&mut out, cases, rules);
    case_index(&mut out, cases);
    let _ = writeln!(out, "<h2 id=\"cases\">Cases that did not pass</h2>");
    let _ = writeln!(
        out,
        "<p class=\"note legend\">In the buffer pictures, each row is an array on that owning buffer; \
         a numbered cell is an element it sees (the number is the position, in C order, of the first of its \
         elements at that address).<span style=\"background:#90caf9\"></span>seen \
         <span style=\"background:#ef9a9a;outline:3px solid #e53935;outline-offset:-3px\"></span>differs from the other observation; \
         an array's name is red when a difference names it or its picture differs.</p>"
    );
    let mut any = false;
    for c in cases.iter().filter(|c| has_section(c.status)) {
        any = true;
        case_section(&mut out, c);
    }
    if !any {
        let _ = writeln!(out, "<p>Every case that ran passed.</p>");
    }
    out.push_str("</body></html>\n");
    out
}

fn facts_name(implementation: &Json) -> String {
    let s = |k: &str| implementation[k].as_str().unwrap_or("").to_string();
    let mut n = s("name");
    if n.is_empty() {
        n = "implementation".into();
    }
    if !s("version").is_empty() {
        n = format!("{n} {}", s("version"));
    }
    n
}

/// A JSON value for a facts table: strings bare, the rest as JSON.
fn plain(v: &Json) -> String {
    match v {
        Json::Null => "—".into(),
        Json::String(s) => s.clone(),
        Json::Array(a) => a.iter().map(plain).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn header_facts(out: &mut String, header: &Json) {
    let imp = &header["implementation"];
    let caps = &header["capabilities"];
    let mut rows: Vec<(&str, String)> = vec![
        ("implementation", plain(&imp["name"])),
        ("version", plain(&imp["version"])),
        ("language", plain(&imp["language"])),
        ("viewcheck", plain(&header["viewcheck"])),
        ("corpus", plain(&header["corpus"])),
        ("NumPy (recorded answers)", plain(&header["numpy"])),
        (
            "platform",
            format!(
                "{} {}",
                plain(&header["platform"]["os"]),
                plain(&header["platform"]["arch"])
            ),
        ),
        ("level", plain(&header["level"])),
        ("expectations", plain(&header["expectations"])),
    ];
    // A capability left out of the handshake means "all of them".
    for (key, label) in [
        ("ops", "ops"),
        ("index_kinds", "index kinds"),
        ("observes", "observed fields"),
    ] {
        let v = &caps[key];
        rows.push((label, if v.is_null() { "all".into() } else { plain(v) }));
    }
    out.push_str("<table class=\"facts\">\n");
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", k, escape(&v));
    }
    out.push_str("</table>\n");
}

fn status_counts(out: &mut String, cases: &[CaseReport]) {
    let c = counts(cases);
    let _ = write!(
        out,
        "<h2 id=\"counts\">{} cases</h2>\n<p class=\"counts\">",
        cases.len()
    );
    for s in STATUSES {
        let n = c.get(s.as_str()).copied().unwrap_or(0);
        let zero = if n == 0 { " zero" } else { "" };
        let _ = write!(
            out,
            "<span class=\"st st-{0}{zero}\">{n} {0}</span>",
            s.as_str()
        );
    }
    out.push_str("</p>\n");
}

fn rule_table(out: &mut String, cases: &[CaseReport], rules: &[RuleSummary]) {
    let count = |v: &str| rules.iter().filter(|s| s.verdict == v).count();
    let _ = writeln!(
        out,
        "<h2 id=\"rules\">NumPy's rules, kept and broken</h2>\n<p>{} rules: {} kept, {} broken, {} cannot be expressed, {} not run.</p>",
        rules.len(),
        count("kept"),
        count("broken"),
        count("cannot express"),
        count("not run")
    );
    let sectioned: BTreeMap<&str, CaseStatus> = cases
        .iter()
        .filter(|c| has_section(c.status))
        .map(|c| (c.id.as_str(), c.status))
        .collect();
    out.push_str("<table class=\"grid rules\" id=\"rule-table\"><thead><tr><th>rule</th><th>verdict</th><th>cases</th><th>failing (minimal first)</th></tr></thead><tbody>\n");
    for r in rules {
        let class = match r.verdict {
            "kept" => "v-kept",
            "broken" => "v-broken",
            "cannot express" => "v-cannot",
            _ => "v-notrun",
        };
        let counts: Vec<String> = r
            .counts
            .iter()
            .map(|(s, n)| format!("{n} {}", status_badge(*s)))
            .collect();
        let failing: Vec<String> = r
            .failing
            .iter()
            .map(|id| {
                if sectioned.contains_key(id.as_str()) {
                    format!("<a href=\"#{}\">{}</a>", anchor(id), escape(id))
                } else {
                    escape(id)
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "<tr id=\"rule-{}\"><td><b>{}</b> {}</td><td class=\"{class}\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.id),
            escape(&r.id),
            escape(&r.title),
            escape(r.verdict),
            counts.join(" "),
            failing.join(", ")
        );
    }
    if rules.is_empty() {
        out.push_str(
            "<tr><td colspan=\"4\">No rules: the corpus has no readable RULES.md.</td></tr>\n",
        );
    }
    out.push_str("</tbody></table>\n");
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn case_index(out: &mut String, cases: &[CaseReport]) {
    let shown: Vec<&CaseReport> = cases.iter().filter(|c| has_section(c.status)).collect();
    if !shown.is_empty() {
        let _ = writeln!(
            out,
            "<h2 id=\"index\">{} cases to look at</h2>\n<table class=\"grid\"><thead><tr><th>case</th><th>area</th><th>status</th><th>detail</th></tr></thead><tbody>",
            shown.len()
        );
        for c in shown {
            let _ = writeln!(
                out,
                "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                anchor(&c.id),
                escape(&c.id),
                escape(&c.area),
                status_badge(c.status),
                escape(&clip(first_line(&c.detail), 300))
            );
        }
        out.push_str("</tbody></table>\n");
    }
    let quiet: Vec<&CaseReport> = cases
        .iter()
        .filter(|c| matches!(c.status, CaseStatus::Unsupported | CaseStatus::Skip))
        .collect();
    if !quiet.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} cases unsupported or skipped (not run)</summary><table class=\"grid\"><tbody>",
            quiet.len()
        );
        for c in quiet {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&c.id),
                status_badge(c.status),
                escape(&clip(first_line(&c.detail), 300))
            );
        }
        out.push_str("</tbody></table></details>\n");
    }
}

fn case_section(out: &mut String, c: &CaseReport) {
    let _ = writeln!(
        out,
        "<section class=\"case s-{st}\" id=\"{}\"><h3>{} {} <span class=\"note\">area {}</span></h3>",
        anchor(&c.id),
        escape(&c.id),
        status_badge(c.status),
        escape(&c.area),
        st = c.status.as_str()
    );
    if !c.detail.is_empty() {
        let _ = writeln!(
            out,
            "<pre class=\"detail\">{}</pre>",
            escape(&clip(&c.detail, MAX_JSON_CHARS))
        );
    }
    let expected_steps = c.expected.get("steps").and_then(Json::as_array);
    let got_steps = c
        .got
        .as_ref()
        .and_then(|g| g.get("steps"))
        .and_then(Json::as_array);
    let _ = writeln!(
        out,
        "<h4>Program</h4><pre class=\"numpy\">{}</pre>",
        escape(&numpy_program(&c.program, expected_steps, got_steps))
    );
    let pretty = serde_json::to_string_pretty(&c.program).unwrap_or_default();
    let _ = writeln!(
        out,
        "<details><summary>program as JSON</summary><pre>{}</pre></details>",
        escape(&clip(&pretty, MAX_JSON_CHARS))
    );
    if !c.diffs.is_empty() {
        out.push_str("<h4>Differences</h4><table class=\"grid diffs\"><thead><tr><th>path</th><th>expected (NumPy)</th><th>got</th></tr></thead><tbody>\n");
        for d in c.diffs.iter().take(MAX_DIFF_ROWS) {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&d.path),
                escape(&clip(&d.expected, MAX_DIFF_CHARS)),
                escape(&clip(&d.got, MAX_DIFF_CHARS))
            );
        }
        out.push_str("</tbody></table>\n");
        if c.diffs.len() > MAX_DIFF_ROWS {
            let _ = writeln!(
                out,
                "<p class=\"note\">{} more differences in report.jsonl.</p>",
                c.diffs.len() - MAX_DIFF_ROWS
            );
        }
    }
    let expected = Footprints::of(&c.expected);
    let got = c.got.as_ref().map(Footprints::of);
    out.push_str("<h4>Buffers: which elements each array sees</h4><div class=\"pics\">\n");
    out.push_str("<div class=\"pic pic-expected\"><h4>NumPy (expected)</h4>\n");
    // Without the implementation's observation the differences still name
    // the arrays that went wrong: their rows are marked on NumPy's side.
    let named: BTreeSet<&str> = c
        .diffs
        .iter()
        .filter_map(|d| d.path.strip_prefix("arrays."))
        .filter_map(|rest| rest.split(['.', '[']).next())
        .collect();
    expected.draw(out, got.as_ref(), &named);
    out.push_str("</div>\n<div class=\"pic pic-got\">");
    let _ = writeln!(out, "<h4>implementation (got)</h4>");
    match &got {
        Some(g) => g.draw(out, Some(&expected), &named),
        None => out.push_str(
            "<p class=\"note\">The implementation's observation is not in the report, so only NumPy's side is drawn.</p>\n",
        ),
    }
    out.push_str("</div></div>\n");
    for (label, obs) in [
        ("NumPy's observation", Some(&c.expected)),
        ("the implementation's observation", c.got.as_ref()),
    ] {
        if let Some(obs) = obs {
            let pretty = serde_json::to_string_pretty(obs).unwrap_or_default();
            let _ = writeln!(
                out,
                "<details><summary>{label} as JSON</summary><pre>{}</pre></details>",
                escape(&clip(&pretty, MAX_JSON_CHARS))
            );
        }
    }
    out.push_str("</section>\n");
}

// ---------------------------------------------------------------- NumPy code

/// A JSON value as Python source (`null` is `None`, booleans are `True`).
fn py(v: &Json) -> String {
    match v {
        Json::Null => "None".into(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        Json::String(s) => format!("{s:?}"),
        Json::Array(a) => format!("[{}]", a.iter().map(py).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// A list as a Python tuple (shapes, axes).
fn tuple(v: &Json) -> String {
    match v.as_array() {
        Some(a) if a.len() == 1 => format!("({},)", py(&a[0])),
        Some(a) => format!("({})", a.iter().map(py).collect::<Vec<_>>().join(", ")),
        None => py(v),
    }
}

fn index_item(item: &Json) -> String {
    match item {
        Json::String(s) if s == "newaxis" => "np.newaxis".into(),
        Json::String(s) if s == "ellipsis" => "...".into(),
        Json::Object(o) if o.contains_key("slice") => {
            let parts = o["slice"].as_array().cloned().unwrap_or_default();
            let part = |i: usize| match parts.get(i) {
                Some(Json::Null) | None => String::new(),
                Some(v) => py(v),
            };
            let (start, stop, step) = (part(0), part(1), part(2));
            if step.is_empty() {
                format!("{start}:{stop}")
            } else {
                format!("{start}:{stop}:{step}")
            }
        }
        Json::Object(o) if o.contains_key("array") => {
            format!("np.array({}, dtype=np.intp)", py(&o["array"]))
        }
        Json::Object(o) if o.contains_key("mask") => {
            format!("np.array({}, dtype=bool)", py(&o["mask"]))
        }
        other => py(other),
    }
}

fn subscript(index: &Json) -> String {
    match index.as_array() {
        Some(items) if items.is_empty() => "()".into(),
        Some(items) => items.iter().map(index_item).collect::<Vec<_>>().join(", "),
        None => py(index),
    }
}

fn value(v: &Json) -> String {
    if let Some(s) = v.get("scalar") {
        py(s)
    } else if let Some(n) = v.get("var").and_then(Json::as_str) {
        n.to_string()
    } else {
        py(v)
    }
}

/// One step in NumPy terms (docs/FORMAT.md, the table of ops); an op this
/// page does not know is shown as its JSON.
pub fn numpy_step(step: &Json) -> String {
    let f = |k: &str| step.get(k);
    let s = |k: &str| f(k).and_then(Json::as_str).unwrap_or("?").to_string();
    let opt = |k: &str, default: &str| match f(k) {
        Some(Json::String(v)) => format!("{v:?}"),
        Some(Json::Null) => "None".into(),
        Some(v) => py(v),
        None => default.to_string(),
    };
    let out = s("out");
    let src = s("src");
    match f("op").and_then(Json::as_str).unwrap_or("") {
        "array" => {
            let shape = f("shape").cloned().unwrap_or(Json::Null);
            let n: i64 = shape
                .as_array()
                .map(|a| a.iter().filter_map(Json::as_i64).product())
                .unwrap_or(0);
            let order = match f("order").and_then(Json::as_str) {
                Some("F") => ".copy(order=\"F\")",
                _ => "",
            };
            format!(
                "{out} = np.arange({n}, dtype=np.int64).reshape({}){order}",
                tuple(&shape)
            )
        }
        "index" => format!(
            "{out} = {src}[{}]",
            subscript(f("index").unwrap_or(&Json::Null))
        ),
        "transpose" => format!(
            "{out} = np.transpose({src}, {})",
            match f("axes") {
                None | Some(Json::Null) => "None".into(),
                Some(a) => tuple(a),
            }
        ),
        "swapaxes" => format!(
            "{out} = np.swapaxes({src}, {}, {})",
            opt("axis1", "?"),
            opt("axis2", "?")
        ),
        "moveaxis" => format!(
            "{out} = np.moveaxis({src}, {}, {})",
            opt("source", "?"),
            opt("destination", "?")
        ),
        "reshape" => format!(
            "{out} = np.reshape({src}, {}, order={}, copy={})",
            tuple(f("shape").unwrap_or(&Json::Null)),
            opt("order", "\"C\""),
            opt("copy", "None")
        ),
        "ravel" => format!("{out} = np.ravel({src}, order={})", opt("order", "\"C\"")),
        "flatten" => format!("{out} = {src}.flatten(order={})", opt("order", "\"C\"")),
        "squeeze" => format!(
            "{out} = np.squeeze({src}, axis={})",
            match f("axis") {
                None | Some(Json::Null) => "None".into(),
                Some(a) => tuple(a),
            }
        ),
        "expand_dims" => format!(
            "{out} = np.expand_dims({src}, {})",
            tuple(f("axis").unwrap_or(&Json::Null))
        ),
        "broadcast_to" => format!(
            "{out} = np.broadcast_to({src}, {})",
            tuple(f("shape").unwrap_or(&Json::Null))
        ),
        "diagonal" => format!(
            "{out} = np.diagonal({src}, {}, {}, {})",
            opt("offset", "0"),
            opt("axis1", "0"),
            opt("axis2", "1")
        ),
        "copy" => format!("{out} = {src}.copy(order={})", opt("order", "\"C\"")),
        "asarray" => format!("{out} = np.asarray({src}, order={})", opt("order", "\"K\"")),
        "assign" => format!(
            "{}[{}] = {}",
            s("dst"),
            subscript(f("index").unwrap_or(&Json::Null)),
            value(f("value").unwrap_or(&Json::Null))
        ),
        "add_assign" => format!(
            "{}[{}] += {}",
            s("dst"),
            subscript(f("index").unwrap_or(&Json::Null)),
            value(f("value").unwrap_or(&Json::Null))
        ),
        _ => step.to_string(),
    }
}

/// A step record in a few words (`ok`, `IndexError`, `skipped`).
fn outcome(record: &Json) -> String {
    if let Some(e) = record.get("error") {
        plain(e)
    } else if record.get("skipped").is_some() {
        "skipped".into()
    } else if let Some(w) = record.get("warning") {
        format!("ok, {}", plain(w))
    } else if record.get("ok").is_some() {
        "ok".into()
    } else {
        record.to_string()
    }
}

/// The program as NumPy code, each step annotated with NumPy's outcome and,
/// where it differs, the implementation's.
fn numpy_program(program: &Json, expected: Option<&Vec<Json>>, got: Option<&Vec<Json>>) -> String {
    let Some(steps) = program.get("steps").and_then(Json::as_array) else {
        return format!("(no steps) {program}");
    };
    let mut lines = vec!["import numpy as np".to_string()];
    for (i, step) in steps.iter().enumerate() {
        let code = numpy_step(step);
        let e = expected.and_then(|s| s.get(i)).map(outcome);
        let g = got.and_then(|s| s.get(i)).map(outcome);
        let mut note = match &e {
            Some(e) => format!("NumPy: {e}"),
            None => String::new(),
        };
        if let Some(g) = &g {
            if Some(g) != e.as_ref() {
                note = format!("{note}; got: {g}  <-- differs");
            }
        }
        lines.push(format!("{code:<48}  # [{i}] {note}"));
    }
    lines.join("\n")
}

// ------------------------------------------------------------ buffer pictures

/// What one array of an observation sees of its owning buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Footprint {
    /// The array's name.
    pub name: String,
    /// Its owning buffer's number.
    pub buffer: i64,
    /// Address → position in C order of the first of its elements there,
    /// for the addresses below [`MAX_CELLS`].
    pub cells: BTreeMap<i64, u64>,
    /// 1 + the largest address it reaches (0 for an empty array).
    pub size: i64,
    /// Set when it reaches below address 0 (an impossible observation,
    /// worth saying).
    pub below_zero: Option<i64>,
}

/// Why an array of an observation cannot be drawn, or its footprint.
type Drawn = Result<Footprint, String>;

/// The footprints of an observation's arrays, in the order of its `arrays`.
pub struct Footprints {
    arrays: Vec<(String, Drawn)>,
    /// Why nothing at all can be drawn (a rejected program, a backend error).
    none: Option<String>,
}

fn ints(v: Option<&Json>) -> Option<Vec<i64>> {
    v?.as_array()?.iter().map(Json::as_i64).collect()
}

/// The footprint of one array description of format 1 (shape, strides and
/// offset in elements, the owning buffer's number).
pub fn footprint(name: &str, array: &Json) -> Drawn {
    let shape = ints(array.get("shape")).ok_or("no shape observed")?;
    let mut missing = Vec::new();
    let strides = ints(array.get("strides"));
    let offset = array.get("offset").and_then(Json::as_i64);
    let buffer = array.get("buffer").and_then(Json::as_i64);
    if strides.is_none() {
        missing.push("strides");
    }
    if offset.is_none() {
        missing.push("offset");
    }
    if buffer.is_none() {
        missing.push("buffer");
    }
    let (Some(strides), Some(offset), Some(buffer)) = (strides, offset, buffer) else {
        return Err(format!(
            "{} not observed, so it cannot be placed on a buffer",
            missing.join(", ")
        ));
    };
    if strides.len() != shape.len() {
        return Err(format!(
            "{} strides for {} axes",
            strides.len(),
            shape.len()
        ));
    }
    let mut fp = Footprint {
        name: name.to_string(),
        buffer,
        cells: BTreeMap::new(),
        size: 0,
        below_zero: None,
    };
    if shape.iter().any(|&n| n <= 0) {
        return Ok(fp);
    }
    let count: u128 = shape.iter().map(|&n| n as u128).product();
    // Bounds first, from the extremes of each axis, so that the size is
    // known even for an array too big to enumerate.
    let (mut lo, mut hi) = (offset as i128, offset as i128);
    for (&n, &s) in shape.iter().zip(&strides) {
        let reach = (n as i128 - 1) * s as i128;
        if reach > 0 {
            hi += reach;
        } else {
            lo += reach;
        }
    }
    fp.size = (hi + 1).clamp(0, i64::MAX as i128) as i64;
    if lo < 0 {
        fp.below_zero = Some(lo.max(i64::MIN as i128) as i64);
    }
    if count > MAX_ENUMERATED {
        return Err(format!(
            "{count} elements, too many to enumerate (the drawing stops at {MAX_ENUMERATED})"
        ));
    }
    // An odometer over the C-order positions; the address moves by one
    // stride per step, so the walk costs one addition per element.
    let nd = shape.len();
    let mut idx = vec![0i64; nd];
    let mut addr = offset as i128;
    for pos in 0..count as u64 {
        if (0..MAX_CELLS as i128).contains(&addr) {
            fp.cells.entry(addr as i64).or_insert(pos);
        }
        for k in (0..nd).rev() {
            idx[k] += 1;
            addr += strides[k] as i128;
            if idx[k] < shape[k] {
                break;
            }
            addr -= strides[k] as i128 * shape[k] as i128;
            idx[k] = 0;
        }
    }
    Ok(fp)
}

impl Footprints {
    /// The footprints of every array of an observation (scalars have none).
    pub fn of(obs: &Json) -> Footprints {
        let none = if let Some(e) = obs.get("format_error") {
            Some(format!("the program was rejected: {}", plain(e)))
        } else if let Some(e) = obs.get("backend_error") {
            Some(format!("the backend failed: {}", plain(e)))
        } else if obs.get("arrays").and_then(Json::as_object).is_none() {
            Some("the observation has no arrays".into())
        } else {
            None
        };
        let mut arrays = Vec::new();
        if let Some(map) = obs.get("arrays").and_then(Json::as_object) {
            for (name, a) in map {
                if a.get("scalar").is_some() {
                    continue;
                }
                arrays.push((name.clone(), footprint(name, a)));
            }
        }
        Footprints { arrays, none }
    }

    /// The footprint of `name`, if it could be drawn.
    pub fn get(&self, name: &str) -> Option<&Footprint> {
        self.arrays
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, d)| d.as_ref().ok())
    }

    /// One picture per owning buffer; cells and arrays that differ from
    /// `other` (the other side's observation) are highlighted.
    fn draw(&self, out: &mut String, other: Option<&Footprints>, named: &BTreeSet<&str>) {
        if let Some(why) = &self.none {
            let _ = writeln!(
                out,
                "<p class=\"note\">Nothing to draw: {}</p>",
                escape(why)
            );
            return;
        }
        // Against an observation with nothing to draw every cell would
        // differ: that says nothing the note on the other side does not.
        let other = other.filter(|o| o.none.is_none());
        let mut buffers: BTreeMap<i64, Vec<&Footprint>> = BTreeMap::new();
        for (_, d) in &self.arrays {
            if let Ok(fp) = d {
                buffers.entry(fp.buffer).or_default().push(fp);
            }
        }
        if self.arrays.is_empty() {
            out.push_str("<p class=\"note\">No arrays (only scalars, or nothing bound).</p>\n");
        }
        for (buffer, fps) in &buffers {
            let size = fps.iter().map(|f| f.size).max().unwrap_or(0);
            let _ = writeln!(
                out,
                "<div class=\"buffer\" data-buffer=\"{buffer}\"><b>buffer {buffer}</b> <span class=\"note\">{size} element(s) reached by {}</span>",
                escape(&fps.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", "))
            );
            for fp in fps {
                if let Some(lo) = fp.below_zero {
                    let _ = writeln!(
                        out,
                        "<p class=\"note warn\">{} reaches address {lo}, before the start of its buffer: those elements cannot be drawn.</p>",
                        escape(&fp.name)
                    );
                }
            }
            let drawn = (size.max(0) as usize).min(MAX_CELLS);
            if size as u128 > MAX_CELLS as u128 {
                let _ = writeln!(
                    out,
                    "<p class=\"note\">Only addresses 0 to {} of {size} are drawn.</p>",
                    MAX_CELLS - 1
                );
            }
            if drawn == 0 {
                out.push_str("<p class=\"note\">Its arrays are empty: they see no element.</p>\n");
            }
            let row_flags: Vec<(bool, Option<String>)> = fps
                .iter()
                .map(|fp| {
                    let (differs, why) = row_difference(fp, other);
                    (differs || named.contains(fp.name.as_str()), why)
                })
                .collect();
            for start in (0..drawn).step_by(BAND) {
                let end = (start + BAND).min(drawn);
                out.push_str("<table class=\"buf\"><thead><tr><th class=\"n\"></th>");
                for a in start..end {
                    let _ = write!(out, "<th>{a}</th>");
                }
                out.push_str("</tr></thead><tbody>\n");
                for (fp, (row_differs, _)) in fps.iter().zip(&row_flags) {
                    let theirs = other
                        .and_then(|o| o.get(&fp.name))
                        .filter(|t| t.buffer == fp.buffer);
                    let _ = write!(
                        out,
                        "<tr{} data-a=\"{}\"><th class=\"n\">{}</th>",
                        if *row_differs { " class=\"d\"" } else { "" },
                        escape(&fp.name),
                        escape(&fp.name)
                    );
                    for a in start..end {
                        let mine = fp.cells.get(&(a as i64));
                        let differs = other.is_some()
                            && match theirs {
                                Some(t) => t.cells.get(&(a as i64)) != mine,
                                None => mine.is_some(),
                            };
                        match (mine, differs) {
                            (Some(p), false) => {
                                let _ = write!(out, "<td class=\"o\">{p}</td>");
                            }
                            (Some(p), true) => {
                                let _ = write!(out, "<td class=\"o d\">{p}</td>");
                            }
                            (None, true) => out.push_str("<td class=\"d\"></td>"),
                            (None, false) => out.push_str("<td></td>"),
                        }
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody></table>\n");
            }
            for (fp, (_, why)) in fps.iter().zip(&row_flags) {
                if let Some(why) = why {
                    let _ = writeln!(
                        out,
                        "<p class=\"note warn\">{}: {}</p>",
                        escape(&fp.name),
                        escape(why)
                    );
                }
            }
            out.push_str("</div>\n");
        }
        for (name, d) in &self.arrays {
            if let Err(why) = d {
                let _ = writeln!(
                    out,
                    "<p class=\"note\">{} is not drawn: {}.</p>",
                    escape(name),
                    escape(why)
                );
            }
        }
    }
}

/// Whether `fp`'s row differs from the same array in `other`, and how, in
/// words (a different buffer or a missing array is not visible cell by
/// cell).
fn row_difference(fp: &Footprint, other: Option<&Footprints>) -> (bool, Option<String>) {
    let Some(other) = other else {
        return (false, None);
    };
    match other.arrays.iter().find(|(n, _)| *n == fp.name) {
        None => (true, Some("not an array in the other observation".into())),
        Some((_, Err(why))) => (
            true,
            Some(format!("not drawn in the other observation ({why})")),
        ),
        Some((_, Ok(t))) if t.buffer != fp.buffer => (
            true,
            Some(format!("on buffer {} in the other observation", t.buffer)),
        ),
        Some((_, Ok(t))) => (t.cells != fp.cells || t.size != fp.size, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escape_everything_html_cares_about() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn footprints_follow_strides_offset_and_order() {
        let t = json!({"shape": [3, 2], "strides": [1, 3], "offset": 0, "buffer": 0});
        let fp = footprint("t", &t).unwrap();
        assert_eq!(
            fp.cells.into_iter().collect::<Vec<_>>(),
            [(0, 0), (1, 2), (2, 4), (3, 1), (4, 3), (5, 5)]
        );
        assert_eq!(fp.size, 6);
        // A reversed slice starts at the end: offset 5, stride -2.
        let r = json!({"shape": [3], "strides": [-2], "offset": 5, "buffer": 0});
        let fp = footprint("r", &r).unwrap();
        assert_eq!(
            fp.cells.into_iter().collect::<Vec<_>>(),
            [(1, 2), (3, 1), (5, 0)]
        );
        // Broadcast: every row sees the same elements, the first one counts.
        let b = json!({"shape": [2, 3], "strides": [0, 1], "offset": 1, "buffer": 0});
        let fp = footprint("b", &b).unwrap();
        assert_eq!(
            fp.cells.into_iter().collect::<Vec<_>>(),
            [(1, 0), (2, 1), (3, 2)]
        );
        let e = json!({"shape": [0, 4], "strides": [4, 1], "offset": 3, "buffer": 0});
        let fp = footprint("e", &e).unwrap();
        assert!(fp.cells.is_empty());
        assert_eq!(fp.size, 0);
        let big = json!({"shape": [1048576], "strides": [1], "offset": 0, "buffer": 0});
        let fp = footprint("big", &big).unwrap();
        assert_eq!(fp.cells.len(), MAX_CELLS);
        assert_eq!(fp.size, 1048576);
        let no = json!({"shape": [2], "values": [0, 1]});
        assert!(footprint("no", &no)
            .unwrap_err()
            .contains("strides, offset, buffer"));
    }

    #[test]
    fn numpy_code_for_steps() {
        assert_eq!(
            numpy_step(&json!({"op": "array", "out": "a", "shape": [2, 3], "order": "F"})),
            "a = np.arange(6, dtype=np.int64).reshape((2, 3)).copy(order=\"F\")"
        );
        assert_eq!(
            numpy_step(&json!({"op": "index", "out": "b", "src": "a",
                "index": [{"slice": [1, null, -2]}, "newaxis", "ellipsis", -1, {"mask": [true, false]}]})),
            "b = a[1::-2, np.newaxis, ..., -1, np.array([True, False], dtype=bool)]"
        );
        assert_eq!(
            numpy_step(
                &json!({"op": "add_assign", "dst": "a", "index": [], "value": {"var": "s"}})
            ),
            "a[()] += s"
        );
        assert_eq!(
            numpy_step(&json!({"op": "transpose", "out": "t", "src": "a"})),
            "t = np.transpose(a, None)"
        );
    }
}
