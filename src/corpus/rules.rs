//! The rules catalog `corpus/RULES.md`: parsing it ([`parse_rules`]) and
//! checking it against the corpus and the sources ([`check_catalog`]).

use super::*;

/// One rule of `corpus/RULES.md`: a NumPy rule (`R-AREA-N`) or one of
/// viewcheck's own format rules (`V-AREA-N`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// E.g. `R-RESHAPE-3` or `V-FORMAT-1`.
    pub id: String,
    pub title: String,
    /// `documented by NumPy`, `NumPy implementation detail` or `NumPy
    /// deviation` for `R-` rules; `viewcheck format rule` for `V-` rules.
    pub label: Option<String>,
    /// Case ids on the rule's `Cases:` line.
    pub cases: Vec<String>,
    /// `path: function` entries of the rule's `Implemented by:` line.
    pub functions: Vec<(String, String)>,
}

/// The three labels a NumPy rule (`R-...`) may carry.
pub const RULE_LABELS: [&str; 3] = [
    "documented by NumPy",
    "NumPy implementation detail",
    "NumPy deviation",
];

/// The label of viewcheck's own format rules (`V-...`).
pub const FORMAT_RULE_LABEL: &str = "viewcheck format rule";

fn case_ids_in(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 3 <= b.len() {
        if &b[i..i + 3] == b"VC-" && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i + 3;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j > i + 3 {
                out.push(text[i..j].to_string());
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Parses the rules of `RULES.md`: a rule starts at a heading `### R-AREA-N
/// Title` (or `### V-AREA-N Title`); its label is the first line that is `*<label>*`; `Cases:` and
/// `Implemented by:` lines (optionally list items) give case ids and
/// backticked `path: function` links.
pub fn parse_rules(text: &str) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix("### ") {
            let h = h.trim();
            let (id, title) = h.split_once(char::is_whitespace).unwrap_or((h, ""));
            if id.starts_with("R-") || id.starts_with("V-") {
                rules.push(Rule {
                    id: id.to_string(),
                    title: title
                        .trim_start_matches(['·', '-', ':', ' '])
                        .trim()
                        .to_string(),
                    label: None,
                    cases: Vec::new(),
                    functions: Vec::new(),
                });
                continue;
            }
        }
        if t.starts_with('#') {
            continue;
        }
        let Some(rule) = rules.last_mut() else {
            continue;
        };
        let item = t.trim_start_matches(['-', '*']).trim_start();
        if rule.label.is_none() {
            if let Some(l) = t.strip_prefix('*').and_then(|l| l.strip_suffix('*')) {
                if !l.starts_with('*') {
                    rule.label = Some(l.to_string());
                    continue;
                }
            }
        }
        if let Some(rest) = item.strip_prefix("Cases:") {
            rule.cases.extend(case_ids_in(rest));
        } else if let Some(rest) = item.strip_prefix("Implemented by:") {
            for part in rest.split('`').skip(1).step_by(2) {
                if let Some((p, f)) = part.split_once(':') {
                    rule.functions
                        .push((p.trim().to_string(), f.trim().to_string()));
                }
            }
        }
    }
    rules
}

/// Whether `file` (Rust source) defines `function`: `name` or `Type::name`
/// (an `fn name` inside an `impl ... Type` block).
fn defines(source: &str, function: &str) -> bool {
    let (ty, name) = match function.rsplit_once("::") {
        Some((t, n)) => (Some(t), n),
        None => (None, function),
    };
    let is_fn = |line: &str| {
        let l = line.trim_start();
        let l = l
            .strip_prefix("pub ")
            .or_else(|| l.strip_prefix("pub(crate) "))
            .unwrap_or(l);
        l.strip_prefix("fn ")
            .is_some_and(|r| r.starts_with(name) && r[name.len()..].starts_with(['(', '<']))
    };
    match ty {
        None => source.lines().any(is_fn),
        Some(ty) => {
            let mut in_impl = false;
            for line in source.lines() {
                if line.starts_with("impl") {
                    let head = line.trim_end_matches('{').trim();
                    in_impl = head.split([' ', '<', '>']).any(|w| w == ty);
                } else if line.starts_with('}') {
                    in_impl = false;
                } else if in_impl && is_fn(line) {
                    return true;
                }
            }
            false
        }
    }
}

/// Checks `RULES.md` against the corpus and the sources: every rule has a
/// well-formed unique id, an allowed label (one of [`RULE_LABELS`] for
/// `R-` rules, [`FORMAT_RULE_LABEL`] for `V-` rules), at least two case ids
/// that exist, and at least one `Implemented by:` link whose file exists
/// under `workspace` and defines the function; every case id mentioned
/// anywhere in the text exists.
pub fn check_catalog(corpus: &Corpus, rules_text: &str, workspace: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let ids: HashSet<&str> = corpus.cases().map(|c| c.id.as_str()).collect();
    let rules = parse_rules(rules_text);
    if rules.is_empty() {
        problems.push("RULES.md defines no rule (`### R-...` headings)".to_string());
    }
    let mut seen = HashSet::new();
    let mut sources: HashMap<String, Option<String>> = HashMap::new();
    for r in &rules {
        let well_formed = {
            let parts: Vec<&str> = r.id.split('-').collect();
            parts.len() == 3
                && (parts[0] == "R" || parts[0] == "V")
                && parts[1].bytes().all(|b| b.is_ascii_uppercase())
                && !parts[1].is_empty()
                && !parts[2].is_empty()
                && parts[2].bytes().all(|b| b.is_ascii_digit())
        };
        if !well_formed {
            problems.push(format!("{}: malformed rule id (expected R-AREA-N)", r.id));
        }
        if !seen.insert(r.id.clone()) {
            problems.push(format!("{}: defined twice", r.id));
        }
        let allowed: &[&str] = if r.id.starts_with("V-") {
            &[FORMAT_RULE_LABEL]
        } else {
            &RULE_LABELS
        };
        match &r.label {
            Some(l) if allowed.contains(&l.as_str()) => {}
            Some(l) => problems.push(format!("{}: unknown label {l:?}", r.id)),
            None => problems.push(format!(
                "{}: no label line (*documented by NumPy*, ...)",
                r.id
            )),
        }
        let distinct: BTreeSet<&String> = r.cases.iter().collect();
        if distinct.len() < 2 {
            problems.push(format!(
                "{}: links {} case(s); at least 2 are required",
                r.id,
                distinct.len()
            ));
        }
        for c in &r.cases {
            if !ids.contains(c.as_str()) {
                problems.push(format!("{}: case {c} does not exist", r.id));
            }
        }
        if r.functions.is_empty() {
            problems.push(format!("{}: no `Implemented by:` link", r.id));
        }
        for (path, func) in &r.functions {
            let src = sources
                .entry(path.clone())
                .or_insert_with(|| fs::read_to_string(workspace.join(path)).ok());
            match src {
                None => problems.push(format!("{}: {path} does not exist", r.id)),
                Some(s) if !defines(s, func) => {
                    problems.push(format!("{}: {path} defines no `{func}`", r.id))
                }
                Some(_) => {}
            }
        }
    }
    for c in case_ids_in(rules_text) {
        if !ids.contains(c.as_str()) {
            problems.push(format!("case {c} is mentioned but does not exist"));
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_parsing_and_function_lookup() {
        let text = "# Rules\n\n### R-VIEW-1 · Slices are views\n*documented by NumPy*\n\nProse VC-0009.\n\n\
                    - Cases: VC-0001, VC-0002\n- Implemented by: `arrays/src/index.rs: Array::get`, `arrays/src/layout.rs: slice_indices`\n";
        let r = parse_rules(text);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].label.as_deref(), Some("documented by NumPy"));
        assert_eq!(r[0].cases, ["VC-0001", "VC-0002"]);
        assert_eq!(
            r[0].functions[1],
            ("arrays/src/layout.rs".into(), "slice_indices".into())
        );
        assert_eq!(case_ids_in(text), ["VC-0009", "VC-0001", "VC-0002"]);
        let src = "impl Array {\n    pub fn get(&self) {}\n}\npub fn slice_indices() {}\n";
        assert!(defines(src, "Array::get"));
        assert!(defines(src, "slice_indices"));
        assert!(!defines(src, "Array::slice_indices"));
        assert!(!defines(src, "get_x"));
    }
}
