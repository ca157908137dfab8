//! The HTML report (`report.html`): real corpus cases with an
//! implementation's observation that is wrong on purpose, and the exact
//! cells of the buffer pictures.

use std::sync::OnceLock;

use serde_json::{json, Value as Json};
use viewcheck::compare::{compare, Level};
use viewcheck::conformance::{CaseReport, CaseStatus, RuleSummary};
use viewcheck::corpus::{default_dir, Corpus};
use viewcheck::format::Observation;
use viewcheck::report_html::html_report;

/// Loaded once: validating the corpus is most of these tests' time.
fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| Corpus::load(default_dir()).expect("the corpus loads"))
}

fn corpus_case(id: &str) -> (String, Json, Json) {
    let corpus = corpus();
    let case = corpus
        .cases()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("{id} is in the corpus"));
    (
        case.area.clone(),
        case.raw["program"].clone(),
        case.raw["expect"].clone(),
    )
}

/// A failing report of case `id` whose implementation answered `got`, with
/// the differences the real comparison finds.
fn failing(id: &str, got: Option<Json>) -> CaseReport {
    let (area, program, expected) = corpus_case(id);
    let diffs = match &got {
        Some(g) => compare(
            &Observation::from_json(&expected).unwrap(),
            &Observation::from_json(g).unwrap(),
            Level::Exact,
        ),
        None => Vec::new(),
    };
    CaseReport {
        id: id.into(),
        area,
        status: CaseStatus::Fail,
        detail: diffs.first().map(|d| d.to_string()).unwrap_or_default(),
        diffs,
        program,
        expected,
        got,
    }
}

fn header() -> Json {
    json!({
        "viewcheck": "0.1.0", "corpus": "1.0", "numpy": "2.4.6",
        "implementation": {"name": "mylib<b>", "version": "0.3", "language": "c++"},
        "capabilities": {"ops": ["array", "transpose"]},
        "platform": {"os": "linux", "arch": "x86_64"},
        "level": "exact", "expectations": null,
    })
}

/// The part of `page` between `start` and the next `end` after it.
fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let at = page
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` is on the page"));
    let rest = &page[at..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// VC-0174: `t = a.T` of a 2x3 `a`; NumPy's `t` has strides [1, 3], the
/// implementation's [1, 2] (it sees 0, 2, 1, 3, 2, 4 instead of 0, 3, 1, 4,
/// 2, 5).
fn transpose_with_wrong_stride() -> CaseReport {
    let (_, _, expected) = corpus_case("VC-0174");
    let mut got = expected.clone();
    got["arrays"]["t"]["strides"] = json!([1, 2]);
    failing("VC-0174", Some(got))
}

#[test]
fn a_failing_case_has_its_section_program_differences_and_buffers() {
    let case = transpose_with_wrong_stride();
    assert!(case
        .diffs
        .iter()
        .any(|d| d.path.starts_with("arrays.t.strides")));
    let rules = vec![RuleSummary {
        id: "R-TRANSPOSE-1".into(),
        title: "Transpose <reverses> strides".into(),
        verdict: "broken",
        counts: [(CaseStatus::Fail, 1)].into_iter().collect(),
        failing: vec!["VC-0174".into()],
    }];
    let page = html_report(&header(), std::slice::from_ref(&case), &rules);
    assert!(page.starts_with("<!DOCTYPE html>"));
    // Header facts, escaped.
    assert!(page.contains("mylib&lt;b&gt; 0.3"), "{page}");
    assert!(!page.contains("mylib<b>"));
    assert!(page.contains("<th>ops</th><td>array, transpose</td>"));
    assert!(page.contains("<th>index kinds</th><td>all</td>"));
    // Counts and the rule table, with a link to the section.
    assert!(page.contains("<span class=\"st st-fail\">1 fail</span>"));
    let rule = between(&page, "<tr id=\"rule-R-TRANSPOSE-1\">", "</tr>");
    assert!(
        rule.contains("Transpose &lt;reverses&gt; strides"),
        "{rule}"
    );
    assert!(
        rule.contains("<a href=\"#case-VC-0174\">VC-0174</a>"),
        "{rule}"
    );
    assert!(rule.contains("class=\"v-broken\">broken"), "{rule}");

    let section = between(
        &page,
        "<section class=\"case s-fail\" id=\"case-VC-0174\">",
        "</section>",
    );
    assert!(section.contains("transpose"), "{section}");
    // The program, as NumPy code and as escaped JSON.
    assert!(section.contains("t = np.transpose(a, None)"), "{section}");
    assert!(
        section.contains("&quot;op&quot;: &quot;transpose&quot;"),
        "{section}"
    );
    // The differences table.
    let diffs = between(section, "<table class=\"grid diffs\">", "</table>");
    assert!(diffs.contains("<td>arrays.t.strides"), "{diffs}");
    assert!(
        diffs.contains("<td>[1, 3]</td><td>[1, 2]</td>") || diffs.contains("<td>3</td><td>2</td>"),
        "{diffs}"
    );

    // NumPy's picture: `a` sees 0..5 in order; `t` walks them 0, 3, 1, 4,
    // 2, 5, so address k holds its element number 0, 2, 4, 1, 3, 5. The
    // addresses 2 to 5 are not what the implementation's `t` sees there.
    let expected = between(
        section,
        "<div class=\"pic pic-expected\">",
        "<div class=\"pic pic-got\">",
    );
    assert!(
        expected
            .contains("<b>buffer 0</b> <span class=\"note\">6 element(s) reached by a, t</span>"),
        "{expected}"
    );
    assert!(
        expected.contains("<th>0</th><th>1</th><th>2</th><th>3</th><th>4</th><th>5</th></tr>"),
        "{expected}"
    );
    assert!(!expected.contains("<th>6</th>"), "{expected}");
    assert!(expected.contains(
        "<tr data-a=\"a\"><th class=\"n\">a</th><td class=\"o\">0</td><td class=\"o\">1</td><td class=\"o\">2</td><td class=\"o\">3</td><td class=\"o\">4</td><td class=\"o\">5</td></tr>"
    ), "{expected}");
    assert!(expected.contains(
        "<tr class=\"d\" data-a=\"t\"><th class=\"n\">t</th><td class=\"o\">0</td><td class=\"o\">2</td><td class=\"o d\">4</td><td class=\"o d\">1</td><td class=\"o d\">3</td><td class=\"o d\">5</td></tr>"
    ), "{expected}");
    // The implementation's: address k + 2j for t[k, j] — address 2 is seen
    // twice (the first is element 1), address 5 never.
    let got = between(section, "<div class=\"pic pic-got\">", "</div></div>");
    assert!(got.contains(
        "<tr class=\"d\" data-a=\"t\"><th class=\"n\">t</th><td class=\"o\">0</td><td class=\"o\">2</td><td class=\"o d\">1</td><td class=\"o d\">3</td><td class=\"o d\">5</td><td class=\"d\"></td></tr>"
    ), "{got}");
    assert!(got.contains("<tr data-a=\"a\">"), "{got}");
}

#[test]
fn without_the_implementations_observation_only_numpy_is_drawn() {
    let case = failing("VC-0174", None);
    let page = html_report(&header(), &[case], &[]);
    let section = between(&page, "id=\"case-VC-0174\"", "</section>");
    assert!(
        section.contains("The implementation's observation is not in the report"),
        "{section}"
    );
    // No comparison, so nothing is marked as differing.
    assert!(!section.contains("class=\"o d\""), "{section}");
    assert!(section.contains(
        "<tr data-a=\"t\"><th class=\"n\">t</th><td class=\"o\">0</td><td class=\"o\">2</td><td class=\"o\">4</td><td class=\"o\">1</td><td class=\"o\">3</td><td class=\"o\">5</td></tr>"
    ), "{section}");
}

#[test]
fn strings_from_implementations_are_escaped() {
    let mut case = failing("VC-0174", None);
    case.status = CaseStatus::Crash;
    case.detail = "crash: <script>alert('x')</script> & more".into();
    case.area = "<img src=x onerror=alert(1)>".into();
    let page = html_report(&header(), &[case], &[]);
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(page.contains("crash: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
    assert!(page.contains("<section class=\"case s-crash\" id=\"case-VC-0174\">"));
}

#[test]
fn unobserved_fields_other_buffers_and_big_arrays_are_said() {
    let (_, _, expected) = corpus_case("VC-0174");
    // An implementation that does not observe strides, offsets or buffers.
    let mut got = expected.clone();
    for name in ["a", "t"] {
        let a = got["arrays"][name].as_object_mut().unwrap();
        for k in ["strides", "offset", "buffer"] {
            a.remove(k);
        }
    }
    let mut case = failing("VC-0174", None);
    case.got = Some(got);
    let page = html_report(&header(), &[case], &[]);
    let got = between(&page, "<div class=\"pic pic-got\">", "</div></div>");
    assert!(
        got.contains("t is not drawn: strides, offset, buffer not observed"),
        "{got}"
    );
    // NumPy's rows are all highlighted: the other side cannot say.
    let expected = between(
        &page,
        "<div class=\"pic pic-expected\">",
        "<div class=\"pic pic-got\">",
    );
    assert!(
        expected.contains("<tr class=\"d\" data-a=\"t\">"),
        "{expected}"
    );
    assert!(
        expected.contains("t: not drawn in the other observation"),
        "{expected}"
    );

    // A copy instead of a view: t on buffer 1.
    let (_, _, expected) = corpus_case("VC-0174");
    let mut got = expected.clone();
    got["arrays"]["t"]["buffer"] = json!(1);
    let page = html_report(&header(), &[failing("VC-0174", Some(got))], &[]);
    let got = between(&page, "<div class=\"pic pic-got\">", "</div></div>");
    assert!(got.contains("data-buffer=\"1\""), "{got}");
    assert!(
        got.contains("t: on buffer 0 in the other observation"),
        "{got}"
    );

    // A big array: the drawing stops at 512 cells and says so.
    let big = json!({"format": 1, "steps": [{"ok": true}], "arrays": {"a": {
        "shape": [1000], "strides": [1], "offset": 0, "buffer": 0, "owndata": true,
        "writeable": true, "c_contiguous": true, "f_contiguous": true,
        "values": (0..1000).collect::<Vec<i64>>()}}, "shares_memory": [], "may_share_memory": []});
    let case = CaseReport {
        id: "VC-9999".into(),
        area: "synthetic".into(),
        status: CaseStatus::Error,
        detail: "backend error".into(),
        diffs: Vec::new(),
        program: json!({"format": 1, "steps": [{"op": "array", "out": "a", "shape": [1000]}]}),
        expected: big,
        got: Some(json!({"format": 1, "backend_error": "boom"})),
    };
    let page = html_report(&header(), &[case], &[]);
    assert!(page.contains("Only addresses 0 to 511 of 1000 are drawn."));
    assert!(page.contains("<td class=\"o\">511</td>") && !page.contains(">512</td>"));
    assert!(page.contains("Nothing to draw: the backend failed: boom"));
    assert!(page.contains("a = np.arange(1000, dtype=np.int64).reshape((1000,))"));
}

#[test]
fn passes_have_no_section_and_a_big_report_stays_small() {
    let (area, program, expected) = corpus_case("VC-0174");
    let pass = CaseReport {
        id: "VC-0001".into(),
        area: area.clone(),
        status: CaseStatus::Pass,
        detail: String::new(),
        diffs: Vec::new(),
        program: program.clone(),
        expected: expected.clone(),
        got: Some(expected.clone()),
    };
    let mut cases = vec![pass.clone(); 560];
    for i in 0..100 {
        let mut c = transpose_with_wrong_stride();
        c.id = format!("VC-{:04}", 1000 + i);
        cases.push(c);
    }
    let mut unsupported = pass;
    unsupported.id = "VC-0002".into();
    unsupported.status = CaseStatus::Unsupported;
    unsupported.detail = "op diagonal not supported".into();
    cases.push(unsupported);
    let page = html_report(&header(), &cases, &[]);
    assert!(!page.contains("id=\"case-VC-0001\""));
    assert!(page.contains("id=\"case-VC-1099\""));
    assert!(page.contains("560 pass"));
    assert!(page.contains("1 cases unsupported or skipped"));
    assert!(page.contains("op diagonal not supported"));
    assert!(page.len() < 3_000_000, "{} bytes", page.len());
}

#[test]
fn without_the_implementations_observation_the_differences_mark_the_arrays() {
    let mut case = transpose_with_wrong_stride();
    case.got = None;
    let page = html_report(&header(), &[case], &[]);
    let expected = between(
        &page,
        "<div class=\"pic pic-expected\">",
        "<div class=\"pic pic-got\">",
    );
    // `t` is named by `arrays.t.strides[1]`, `a` by no difference; the
    // cells are not compared with anything.
    assert!(
        expected.contains("<tr class=\"d\" data-a=\"t\">"),
        "{expected}"
    );
    assert!(expected.contains("<tr data-a=\"a\">"), "{expected}");
    assert!(!expected.contains("class=\"o d\""), "{expected}");
}
