//! Cases and loading: [`Case`], [`CaseFile`] and [`Corpus`], read from
//! `corpus/cases/` (or the embedded copy) with every problem named by file and
//! case.

use super::*;

/// A case's program: valid (run by backends) or rejected whole by format 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseProgram {
    Valid(Program),
    /// The format error the typed parser reports (path and message).
    Rejected(String),
}

/// One conformance case.
#[derive(Clone, Debug)]
pub struct Case {
    /// Permanent id, `VC-` and at least four digits.
    pub id: String,
    /// The directory under `cases/` the case lives in.
    pub area: String,
    /// The file, relative to the corpus root.
    pub file: PathBuf,
    pub description: String,
    pub features: Vec<String>,
    /// NumPy versions (or specifiers such as `>=2.4.6,<2.5`) the expectation holds for.
    pub numpy: Vec<String>,
    /// `hand-written`, `generated`, `fuzz` or `regression`.
    pub provenance_kind: String,
    /// The NumPy version that produced `expect`.
    pub provenance_numpy: String,
    pub program: CaseProgram,
    /// The recorded observation; `None` until the case is recorded.
    pub expect: Option<Observation>,
    /// The case object exactly as read (what `record` edits and writes back).
    pub raw: Map<String, Json>,
}

impl Case {
    /// The observation a validating front end produces for this program
    /// without running it, if the program is rejected whole.
    pub fn rejection(&self) -> Option<Observation> {
        match &self.program {
            CaseProgram::Rejected(m) => Some(Observation::rejected(m.clone())),
            CaseProgram::Valid(_) => None,
        }
    }

    /// The id of the case this one is a release variant of (`variant_of`):
    /// the same program, another release's answer.
    pub fn variant_of(&self) -> Option<&str> {
        self.raw.get("variant_of").and_then(Json::as_str)
    }

    /// Whether the expectation claims to hold for NumPy `version`.
    pub fn applies_to(&self, version: &str) -> bool {
        self.numpy
            .iter()
            .any(|spec| version_matches(spec, version).unwrap_or(false))
    }

    /// Runs the case's program on `backend` (a rejected program is not run:
    /// its observation is the rejection).
    pub fn run(&self, backend: &dyn Backend) -> Result<Observation, String> {
        match &self.program {
            CaseProgram::Rejected(m) => Ok(Observation::rejected(m.clone())),
            CaseProgram::Valid(p) => guarded_run(backend, p).map_err(|e| e.to_string()),
        }
    }
}

/// One file of cases.
#[derive(Clone, Debug)]
pub struct CaseFile {
    /// Relative to the corpus root, e.g. `cases/slicing/basic.json`.
    pub path: PathBuf,
    pub cases: Vec<Case>,
}

/// Every case of a corpus directory.
#[derive(Clone, Debug)]
pub struct Corpus {
    /// The corpus directory (holding `cases/`, `schema/`, `FEATURES`, ...).
    pub root: PathBuf,
    /// Files in path order.
    pub files: Vec<CaseFile>,
}

/// What [`Corpus::load_what_parses`] found.
pub(crate) struct Loaded {
    /// The cases that could be read.
    pub(crate) corpus: Corpus,
    /// Why the others could not.
    pub(crate) problems: Vec<Problem>,
    /// Files some of whose cases are missing from `corpus`.
    pub(crate) incomplete: HashSet<PathBuf>,
}

fn walk_json(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if e.file_type()?.is_dir() {
            walk_json(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    Ok(())
}

/// Whether `id` is a well-formed case id: `VC-` then at least four digits
/// (no sign, and no leading zero beyond the four-digit padding).
pub fn is_valid_id(id: &str) -> bool {
    let Some(digits) = id.strip_prefix("VC-") else {
        return false;
    };
    digits.len() >= 4
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits.len() == 4 || !digits.starts_with('0'))
}

pub(crate) fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Reads one case object. Every field is checked, so a case with several
/// problems reports all of them; a case whose id is unusable is named by its
/// position in the file (`[index]`).
fn parse_case(v: &Json, file: &Path, area: &str, index: usize) -> Result<Case, Vec<Problem>> {
    let Json::Object(m) = v else {
        return Err(vec![Problem::new(
            file,
            None,
            format!("[{index}]: a case is an object"),
        )]);
    };
    let mut problems = Vec::new();
    let id = match m.get("id") {
        Some(Json::String(s)) if is_valid_id(s) => Some(s.clone()),
        Some(Json::String(s)) => {
            problems.push(Problem::new(
                file,
                None,
                format!("[{index}]: malformed id {s:?} (expected VC-0000)"),
            ));
            None
        }
        _ => {
            problems.push(Problem::new(
                file,
                None,
                format!("[{index}]: missing string field `id`"),
            ));
            None
        }
    };
    let mut fail = |msg: String| {
        let msg = match &id {
            Some(_) => msg,
            None => format!("[{index}]: {msg}"),
        };
        problems.push(Problem::new(file, id.as_deref(), msg));
    };
    let string = |key: &str, fail: &mut dyn FnMut(String)| match m.get(key) {
        Some(Json::String(s)) => Some(s.clone()),
        _ => {
            fail(format!("missing string field `{key}`"));
            None
        }
    };
    let strings = |key: &str, fail: &mut dyn FnMut(String)| match m.get(key) {
        Some(Json::Array(items)) => {
            let out: Option<Vec<String>> = items
                .iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect();
            if out.is_none() {
                fail(format!("`{key}` holds a non-string"));
            }
            out
        }
        _ => {
            fail(format!("missing list field `{key}`"));
            None
        }
    };
    let description = string("description", &mut fail);
    let features = strings("features", &mut fail);
    let numpy = strings("numpy", &mut fail);
    let provenance = match m.get("provenance") {
        Some(Json::Object(p)) => match (p.get("kind"), p.get("numpy")) {
            (Some(Json::String(k)), Some(Json::String(n))) => Some((k.clone(), n.clone())),
            _ => {
                fail("`provenance` needs string fields `kind` and `numpy`".into());
                None
            }
        },
        _ => {
            fail("missing object field `provenance`".into());
            None
        }
    };
    let parsed = match (m.get("program"), m.get("program_text")) {
        (Some(p), None) => Some(Program::from_json(p)),
        (None, Some(Json::String(t))) => Some(Program::parse(t)),
        (None, Some(_)) => {
            fail("`program_text` must be a string".into());
            None
        }
        (Some(_), Some(_)) => {
            fail("a case has `program` or `program_text`, not both".into());
            None
        }
        (None, None) => {
            fail("missing field `program`".into());
            None
        }
    };
    let program = parsed.map(|p| match p {
        Ok(p) => CaseProgram::Valid(p),
        Err(e) => CaseProgram::Rejected(e.to_string()),
    });
    let expect = match m.get("expect") {
        None | Some(Json::Null) => Some(None),
        Some(e) => match Observation::from_json(e) {
            Ok(o) => Some(Some(o)),
            Err(e) => {
                fail(format!("expect: {e}"));
                None
            }
        },
    };
    match (
        id,
        description,
        features,
        numpy,
        provenance,
        program,
        expect,
    ) {
        (
            Some(id),
            Some(description),
            Some(features),
            Some(numpy),
            Some((provenance_kind, provenance_numpy)),
            Some(program),
            Some(expect),
        ) if problems.is_empty() => Ok(Case {
            id,
            area: area.to_string(),
            file: file.to_path_buf(),
            description,
            features,
            numpy,
            provenance_kind,
            provenance_numpy,
            program,
            expect,
            raw: m.clone(),
        }),
        _ => Err(problems),
    }
}

impl Corpus {
    /// Loads every case under `root/cases`. Fails with every problem found
    /// when a file is not a JSON list of cases, a case lacks a field or has a
    /// malformed id, or two cases share an id. (Schema and consistency checks
    /// are [`validate`]'s; [`validate_dir`] reports both kinds together.)
    pub fn load(root: impl Into<PathBuf>) -> Result<Corpus, Problems> {
        let loaded = Corpus::load_what_parses(root.into())?;
        if loaded.problems.is_empty() {
            Ok(loaded.corpus)
        } else {
            Err(Problems(loaded.problems))
        }
    }

    /// The corpus built into this library (the same files as `corpus/` of
    /// the viewcheck version it is): what an implementer's tests replay
    /// without a checkout of viewcheck. Its `root` is where the files came
    /// from at build time, which need not exist.
    pub fn embedded() -> Result<Corpus, Problems> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let texts = embedded::FILES
            .iter()
            .map(|(rel, text)| (root.join(rel), Ok(text.to_string())))
            .collect();
        let loaded = Corpus::load_texts(root, texts);
        if loaded.problems.is_empty() {
            Ok(loaded.corpus)
        } else {
            Err(Problems(loaded.problems))
        }
    }

    /// `RULES.md`: from the corpus directory, or the embedded copy when the
    /// directory is not there.
    pub fn rules_text(&self) -> String {
        fs::read_to_string(self.root.join("RULES.md")).unwrap_or_else(|_| embedded::RULES.into())
    }

    /// `VERSION`, as [`Corpus::rules_text`] finds it.
    pub fn version(&self) -> String {
        fs::read_to_string(self.root.join("VERSION"))
            .unwrap_or_else(|_| embedded::VERSION.into())
            .trim()
            .to_string()
    }

    /// Loads every case that can be read, and lists what could not. Fails
    /// only when `root/cases` itself cannot be read.
    pub(crate) fn load_what_parses(root: PathBuf) -> Result<Loaded, Problems> {
        let cases_dir = root.join("cases");
        let mut paths = Vec::new();
        if let Err(e) = walk_json(&cases_dir, &mut paths) {
            return Err(Problems(vec![Problem::new(
                "cases",
                None,
                format!("cannot read {}: {e}", cases_dir.display()),
            )]));
        }
        let texts = paths
            .into_iter()
            .map(|p| {
                let t = fs::read_to_string(&p).map_err(|e| e.to_string());
                (p, t)
            })
            .collect();
        Ok(Corpus::load_texts(root, texts))
    }

    /// Parses case files given as (path, text or read error).
    fn load_texts(root: PathBuf, texts: Vec<(PathBuf, Result<String, String>)>) -> Loaded {
        let cases_dir = root.join("cases");
        let mut problems = Vec::new();
        let mut incomplete = HashSet::new();
        let mut files = Vec::new();
        let mut seen: HashMap<String, PathBuf> = HashMap::new();
        for (path, text) in texts {
            let rel = path.strip_prefix(&root).unwrap_or(&path).to_path_buf();
            let area = path
                .strip_prefix(&cases_dir)
                .ok()
                .and_then(|p| p.components().next())
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_default();
            if path.parent() == Some(cases_dir.as_path()) {
                problems.push(Problem::new(&rel, None, "case files live in cases/<area>/"));
                continue;
            }
            let text = match text {
                Ok(t) => t,
                Err(e) => {
                    problems.push(Problem::new(&rel, None, format!("cannot read: {e}")));
                    continue;
                }
            };
            // The strict reader: a duplicate key in a case must not
            // silently keep its last value.
            let doc: Json = match crate::format::json_from_str(&text) {
                Ok(d) => d,
                Err(e) => {
                    problems.push(Problem::new(&rel, None, format!("invalid JSON: {e}")));
                    continue;
                }
            };
            let Json::Array(items) = doc else {
                problems.push(Problem::new(
                    &rel,
                    None,
                    "a case file is a JSON list of cases",
                ));
                continue;
            };
            let mut cases = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match parse_case(item, &rel, &area, i) {
                    Ok(c) => {
                        if let Some(first) = seen.insert(c.id.clone(), rel.clone()) {
                            problems.push(Problem::new(
                                &rel,
                                Some(&c.id),
                                format!("duplicate id (also in {})", first.display()),
                            ));
                        }
                        cases.push(c);
                    }
                    Err(ps) => {
                        incomplete.insert(rel.clone());
                        problems.extend(ps);
                    }
                }
            }
            files.push(CaseFile { path: rel, cases });
        }
        Loaded {
            corpus: Corpus { root, files },
            problems,
            incomplete,
        }
    }

    /// Every case, in file order.
    pub fn cases(&self) -> impl Iterator<Item = &Case> {
        self.files.iter().flat_map(|f| f.cases.iter())
    }

    /// The number of cases.
    pub fn len(&self) -> usize {
        self.files.iter().map(|f| f.cases.len()).sum()
    }

    /// Whether the corpus has no case.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The case with this id.
    pub fn get(&self, id: &str) -> Option<&Case> {
        self.cases().find(|c| c.id == id)
    }

    /// Case counts per area, in area order.
    pub fn areas(&self) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for c in self.cases() {
            match counts.iter_mut().find(|(a, _)| *a == c.area) {
                Some((_, n)) => *n += 1,
                None => counts.push((c.area.clone(), 1)),
            }
        }
        counts.sort();
        counts
    }

    /// The ids listed in `RETIRED` (removed cases; never reused).
    pub fn retired(&self) -> Vec<String> {
        fs::read_to_string(self.root.join("RETIRED"))
            .map(|t| {
                t.lines()
                    .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The next unused case id: one more than the largest id in use or
    /// retired (ids are never reused).
    pub fn next_id(&self) -> String {
        let max = self
            .cases()
            .map(|c| c.id.clone())
            .chain(self.retired())
            .filter_map(|id| id.strip_prefix("VC-").and_then(|d| d.parse::<u64>().ok()))
            .max()
            .unwrap_or(0);
        format!("VC-{:04}", max + 1)
    }

    /// Adds a case (e.g. a fuzz regression from `viewcheck::regress`) to
    /// `cases/<area>/<topic>.json`, creating the file if needed, and writes
    /// that file in the canonical layout. An `id` that is missing or not a
    /// well-formed case id is replaced by [`Corpus::next_id`]; the case must
    /// otherwise load (a `program`, `description`, `features`, `numpy` and
    /// `provenance` object); `expect` may be left out and filled by
    /// [`record`]. Returns the case's id.
    pub fn add_case(&mut self, area: &str, topic: &str, case: Json) -> Result<String, Problem> {
        let rel = PathBuf::from("cases")
            .join(area)
            .join(format!("{topic}.json"));
        if !is_kebab(area) || !is_kebab(topic) {
            return Err(Problem::new(
                &rel,
                None,
                "area and topic must be kebab-case",
            ));
        }
        let Json::Object(mut m) = case else {
            return Err(Problem::new(&rel, None, "a case is an object"));
        };
        let id = match m.get("id").and_then(Json::as_str) {
            Some(i) if is_valid_id(i) => i.to_string(),
            _ => self.next_id(),
        };
        if self.get(&id).is_some() || self.retired().contains(&id) {
            return Err(Problem::new(
                &rel,
                Some(&id),
                "the id is already used or retired",
            ));
        }
        m.insert("id".into(), Json::from(id.clone()));
        if let Some(same) = self.same_program(&Json::Object(m.clone())) {
            return Err(Problem::new(
                &same.file,
                Some(&same.id),
                format!(
                    "already holds this program; the case is not added again (its id would have been {id})"
                ),
            ));
        }
        let parsed = parse_case(&Json::Object(m), &rel, area, 0).map_err(|ps| {
            let mut ps = ps.into_iter();
            let first = ps.next().expect("a failed case has a problem");
            let more: Vec<String> = ps.map(|p| p.message).collect();
            if more.is_empty() {
                first
            } else {
                Problem {
                    message: format!("{}; {}", first.message, more.join("; ")),
                    ..first
                }
            }
        })?;
        let index = match self.files.iter().position(|f| f.path == rel) {
            Some(i) => i,
            None => {
                self.files.push(CaseFile {
                    path: rel.clone(),
                    cases: Vec::new(),
                });
                self.files.sort_by(|a, b| a.path.cmp(&b.path));
                self.files
                    .iter()
                    .position(|f| f.path == rel)
                    .expect("just added")
            }
        };
        let file = &mut self.files[index];
        file.cases.push(parsed);
        if let Some(dir) = self.root.join(&rel).parent() {
            fs::create_dir_all(dir)
                .map_err(|e| Problem::new(&rel, None, format!("cannot create: {e}")))?;
        }
        corpus_write_file(&self.root, file)?;
        Ok(id)
    }

    /// Adds `case` (a case object without id, as [`Variant::to_case`] makes
    /// it) at the end of `of`'s file, with the next free id and its
    /// features re-derived, and rewrites that file. Unlike
    /// [`Corpus::add_case`] it shares `of`'s program by design.
    pub fn add_variant(&mut self, of: &Case, case: Json) -> Result<String, Problem> {
        let id = self.next_id();
        let Json::Object(mut m) = case else {
            return Err(Problem::new(&of.file, Some(&of.id), "a case is an object"));
        };
        let mut ordered = Map::new();
        ordered.insert("id".into(), Json::from(id.clone()));
        ordered.extend(std::mem::take(&mut m));
        let mut parsed =
            parse_case(&Json::Object(ordered), &of.file, &of.area, 0).map_err(|ps| {
                let message: Vec<String> = ps.into_iter().map(|p| p.message).collect();
                Problem::new(&of.file, Some(&id), message.join("; "))
            })?;
        parsed.features = expected_features(&parsed);
        parsed.raw.insert(
            "features".into(),
            Json::Array(parsed.features.iter().cloned().map(Json::from).collect()),
        );
        let file = self
            .files
            .iter_mut()
            .find(|f| f.path == of.file)
            .ok_or_else(|| Problem::new(&of.file, Some(&of.id), "the case's file is not loaded"))?;
        // At the end, where corpus/tools/gen_cases.py keeps the cases its
        // tables do not make, so that both writers agree on the file.
        file.cases.push(parsed);
        corpus_write_file(&self.root, file)?;
        Ok(id)
    }

    /// The case whose program equals the one of the case object `case`:
    /// the same parsed program (so formatting and key order do not matter),
    /// or the same raw value for a program that format 1 rejects.
    /// [`Corpus::add_case`] refuses such a case.
    pub fn same_program(&self, case: &Json) -> Option<&Case> {
        let m = case.as_object()?;
        let wanted = match (m.get("program"), m.get("program_text")) {
            (Some(p), None) => Program::from_json(p).map_err(|_| p.clone()),
            (None, Some(Json::String(t))) => Program::parse(t).map_err(|_| Json::from(t.as_str())),
            _ => return None,
        };
        self.cases().find(|c| match (&wanted, &c.program) {
            (Ok(p), CaseProgram::Valid(q)) => p == q,
            (Err(raw), CaseProgram::Rejected(_)) => {
                c.raw.get("program").or_else(|| c.raw.get("program_text")) == Some(raw)
            }
            _ => false,
        })
    }

    /// The tag list of `FEATURES`: `(tag, meaning)` per non-comment line.
    pub fn feature_list(&self) -> Result<Vec<(String, String)>, Problem> {
        let text = fs::read_to_string(self.root.join("FEATURES"))
            .map_err(|e| Problem::new("FEATURES", None, format!("cannot read: {e}")))?;
        Ok(parse_features(&text))
    }
}

/// Parses `FEATURES`: one tag per line, then whitespace and its meaning;
/// blank lines and lines starting with `#` are ignored.
pub fn parse_features(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((tag, meaning)) => (tag.to_string(), meaning.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_valid_id("VC-0001"));
        assert!(is_valid_id("VC-12345"));
        assert!(!is_valid_id("VC-001"));
        assert!(!is_valid_id("VC-01234"));
        assert!(!is_valid_id("vc-0001"));
    }
}
