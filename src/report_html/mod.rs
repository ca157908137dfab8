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

mod numpy_code;
mod pictures;

pub use numpy_code::numpy_step;
use numpy_code::*;
pub use pictures::{footprint, Footprint, Footprints};

/// Cells drawn per buffer: a page of ~100 failing cases stays in the low
/// megabytes even when some arrays have 2^20 elements.
pub const MAX_CELLS: usize = 512;

/// Cells per band of a buffer picture, so that NumPy's picture and the
/// implementation's fit side by side on an ordinary screen.
pub(crate) const BAND: usize = 16;

/// Elements enumerated per array at most: the live-element budget of a
/// program (2^22), so any valid observation is drawn.
pub(crate) const MAX_ENUMERATED: u128 = 1 << 22;

/// Characters of JSON (program, observation) shown per block; the full text
/// is in `report.jsonl`.
pub(crate) const MAX_JSON_CHARS: usize = 20_000;

/// Characters per cell of the differences table.
pub(crate) const MAX_DIFF_CHARS: usize = 2_000;

/// Rows of the differences table per case.
pub(crate) const MAX_DIFF_ROWS: usize = 200;

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
pub(crate) fn clip(s: &str, max: usize) -> String {
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
pub(crate) fn anchor(id: &str) -> String {
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
pub(crate) fn has_section(s: CaseStatus) -> bool {
    s.disagrees() || s == CaseStatus::XPass
}

pub(crate) fn status_badge(s: CaseStatus) -> String {
    format!("<span class=\"st st-{0}\">{0}</span>", s.as_str())
}

pub(crate) const CSS: &str = r#"
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

pub(crate) fn facts_name(implementation: &Json) -> String {
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
pub(crate) fn plain(v: &Json) -> String {
    match v {
        Json::Null => "—".into(),
        Json::String(s) => s.clone(),
        Json::Array(a) => a.iter().map(plain).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

pub(crate) fn header_facts(out: &mut String, header: &Json) {
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

pub(crate) fn status_counts(out: &mut String, cases: &[CaseReport]) {
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

pub(crate) fn rule_table(out: &mut String, cases: &[CaseReport], rules: &[RuleSummary]) {
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

pub(crate) fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

pub(crate) fn case_index(out: &mut String, cases: &[CaseReport]) {
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

pub(crate) fn case_section(out: &mut String, c: &CaseReport) {
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
            numpy_step(
                &json!({"op": "assign", "dst": "d", "index": [{"var": "i"}, 0],
                "value": {"scalar": 3}})
            ),
            "d[i, 0] = 3"
        );
        assert_eq!(
            numpy_step(&json!({"op": "transpose", "out": "t", "src": "a"})),
            "t = np.transpose(a, None)"
        );
    }
}
