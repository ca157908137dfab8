//! Validation: the JSON Schemas of `corpus/schema/` ([`SchemaSet`]) and the
//! typed checks of a loaded corpus ([`validate`], [`validate_dir`]).

use super::*;

/// The compiled JSON Schemas of `corpus/schema/` (draft 2020-12):
/// `program.schema.json`, `observation.schema.json`, `case.schema.json`.
pub struct SchemaSet {
    schemas: boon::Schemas,
    program: boon::SchemaIndex,
    observation: boon::SchemaIndex,
    case: boon::SchemaIndex,
}

impl SchemaSet {
    /// Compiles the schemas of a corpus directory. They refer to each other
    /// by their `$id`s, which are registered up front: nothing is fetched.
    pub fn load(corpus_root: &Path) -> Result<SchemaSet, Problem> {
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(boon::Draft::V2020_12);
        let mut ids = HashMap::new();
        for name in ["program", "observation", "case"] {
            let rel = PathBuf::from("schema").join(format!("{name}.schema.json"));
            let text = fs::read_to_string(corpus_root.join(&rel))
                .map_err(|e| Problem::new(&rel, None, format!("cannot read: {e}")))?;
            let doc: Json = serde_json::from_str(&text)
                .map_err(|e| Problem::new(&rel, None, format!("invalid JSON: {e}")))?;
            let id = doc
                .get("$id")
                .and_then(Json::as_str)
                .ok_or_else(|| Problem::new(&rel, None, "missing `$id`"))?
                .to_string();
            compiler
                .add_resource(&id, doc)
                .map_err(|e| Problem::new(&rel, None, format!("{e:#}")))?;
            ids.insert(name, (id, rel));
        }
        let mut schemas = boon::Schemas::new();
        let mut compile = |name: &str| -> Result<boon::SchemaIndex, Problem> {
            let (id, rel) = &ids[name];
            compiler
                .compile(id, &mut schemas)
                .map_err(|e| Problem::new(rel, None, format!("does not compile: {e:#}")))
        };
        let program = compile("program")?;
        let observation = compile("observation")?;
        let case = compile("case")?;
        Ok(SchemaSet {
            schemas,
            program,
            observation,
            case,
        })
    }

    fn check(&self, v: &Json, idx: boon::SchemaIndex) -> Result<(), String> {
        self.schemas.validate(v, idx).map_err(|e| format!("{e}"))
    }

    /// Validates a format-1 program document.
    pub fn validate_program(&self, v: &Json) -> Result<(), String> {
        self.check(v, self.program)
    }

    /// Validates a format-1 observation document.
    pub fn validate_observation(&self, v: &Json) -> Result<(), String> {
        self.check(v, self.observation)
    }

    /// Validates one case object.
    pub fn validate_case(&self, v: &Json) -> Result<(), String> {
        self.check(v, self.case)
    }
}

/// Every problem of a loaded corpus: schema violations, unknown or missing
/// feature tags, unrecorded cases, a `format_error` expectation for a valid
/// program (or the reverse), malformed version specifiers, descriptions that
/// are not one line, retired ids in use, areas that are not kebab-case, and
/// files not in the canonical layout.
pub fn validate(corpus: &Corpus) -> Vec<Problem> {
    let mut problems = Vec::new();
    let schemas = match SchemaSet::load(&corpus.root) {
        Ok(s) => Some(s),
        Err(p) => {
            problems.push(p);
            None
        }
    };
    let features: HashSet<String> = match corpus.feature_list() {
        Ok(list) => list.into_iter().map(|(t, _)| t).collect(),
        Err(p) => {
            problems.push(p);
            HashSet::new()
        }
    };
    let retired: HashSet<String> = corpus.retired().into_iter().collect();
    for file in &corpus.files {
        let text = fs::read_to_string(corpus.root.join(&file.path)).unwrap_or_default();
        let raws: Vec<Json> = file
            .cases
            .iter()
            .map(|c| Json::Object(c.raw.clone()))
            .collect();
        if format_case_file(&raws) != text {
            problems.push(Problem::new(
                &file.path,
                None,
                "not in the canonical layout (rewrite it with the generator or `viewcheck record`)",
            ));
        }
        for case in &file.cases {
            let mut p = |msg: String| problems.push(Problem::new(&file.path, Some(&case.id), msg));
            if !is_kebab(&case.area) {
                p(format!("area {:?} is not kebab-case", case.area));
            }
            if retired.contains(&case.id) {
                p("uses a retired id (corpus/RETIRED)".into());
            }
            if let Some(s) = &schemas {
                if let Err(e) = s.validate_case(&Json::Object(case.raw.clone())) {
                    p(format!("schema: {e}"));
                }
            }
            if let Some(of) = case.variant_of() {
                match corpus.get(of) {
                    None => p(format!("variant_of {of}: no such case")),
                    Some(o) if o.variant_of().is_some() => {
                        p(format!("variant_of {of}: a variant of a variant"))
                    }
                    Some(o) if o.program != case.program => {
                        p(format!("variant_of {of}: not the same program"))
                    }
                    Some(o) if o.numpy.iter().any(|r| case.numpy.contains(r)) => p(format!(
                        "variant_of {of}: claims the same releases ({:?}) as that case",
                        case.numpy
                    )),
                    Some(_) => {}
                }
            }
            if case.description.trim().is_empty() || case.description.contains('\n') {
                p("the description must be one non-empty line".into());
            }
            if !PROVENANCE_KINDS.contains(&case.provenance_kind.as_str()) {
                p(format!(
                    "unknown provenance kind {:?}",
                    case.provenance_kind
                ));
            }
            if parse_version(&case.provenance_numpy).is_none() {
                p(format!(
                    "provenance.numpy {:?} is not a version",
                    case.provenance_numpy
                ));
            }
            if case.numpy.is_empty() {
                p("`numpy` lists no version".into());
            }
            for spec in &case.numpy {
                if version_matches(spec, "2.4.6").is_none() {
                    p(format!("malformed NumPy version specifier {spec:?}"));
                }
            }
            if !case.applies_to(&case.provenance_numpy) {
                p(format!(
                    "the recording NumPy {} is outside `numpy` {:?}",
                    case.provenance_numpy, case.numpy
                ));
            }
            for f in &case.features {
                if !features.is_empty() && !features.contains(f) {
                    p(format!("feature {f:?} is not in FEATURES"));
                }
            }
            let want = expected_features(case);
            if case.expect.is_some() && case.features != want {
                p(format!("features {:?} should be {:?}", case.features, want));
            }
            match (&case.program, &case.expect) {
                (_, None) => p("not recorded (no `expect`)".into()),
                (CaseProgram::Valid(_), Some(e)) if e.format_error.is_some() => {
                    p("`expect` has a format_error but the program is valid".into())
                }
                (CaseProgram::Rejected(m), Some(e)) if e.format_error.is_none() => p(format!(
                    "the program is rejected ({m}) but `expect` is a run"
                )),
                (CaseProgram::Valid(prog), Some(e)) if e.steps.len() != prog.steps.len() => {
                    p(format!(
                        "`expect` has {} step records for {} steps",
                        e.steps.len(),
                        prog.steps.len()
                    ))
                }
                _ => {}
            }
        }
    }
    problems
}

/// What `viewcheck validate` reports: how much was read, and every problem.
#[derive(Clone, Debug)]
pub struct Validation {
    /// Cases that could be read.
    pub cases: usize,
    /// Areas those cases are in.
    pub areas: usize,
    /// Every problem, loading and consistency alike, in file order within
    /// each kind (see [`Corpus::load`] and [`validate`]).
    pub problems: Vec<Problem>,
}

/// Validates the corpus at `root` as a whole: everything [`Corpus::load`]
/// would refuse (unreadable or malformed files, every bad field of every
/// case, duplicate ids) *and* everything [`validate`] finds in the cases
/// that could be read, so that one run lists every problem. Fails only when
/// the corpus cannot be examined at all (`root/cases` cannot be read).
pub fn validate_dir(root: &Path) -> Result<Validation, Problems> {
    let loaded = Corpus::load_what_parses(root.to_path_buf())?;
    let mut problems = loaded.problems;
    // A file with unreadable cases cannot be compared with its canonical
    // layout (the rewrite would drop them); its load problems say enough.
    problems.extend(
        validate(&loaded.corpus)
            .into_iter()
            .filter(|p| !(p.id.is_none() && loaded.incomplete.contains(&p.file))),
    );
    Ok(Validation {
        cases: loaded.corpus.len(),
        areas: loaded.corpus.areas().len(),
        problems,
    })
}
