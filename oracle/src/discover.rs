//! Where the oracle's NumPy comes from: the requested release, the
//! environments searched for it, and the virtual environments provisioned.

use super::*;

// ---------------------------------------------------------------------------
// Which NumPy

/// The NumPy releases the executor is written for and checked against: from
/// 1.24 to the 2.4 series (the newest this machine's CPython 3.11 installs).
/// A release outside is refused rather than run: the executor's reading of
/// an untried release (an API it lacks, a changed warning) would be
/// unverified.
pub const SUPPORTED_NUMPY: &str = ">=1.24,<2.5";
const OLDEST: (u64, u64) = (1, 24);
const NEWEST: (u64, u64) = (2, 4);

/// How the executor performs `assign` and `add_assign` steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Writes {
    /// Format 1's documented semantics (the value and index read completely
    /// before anything is written, the last write in C order wins); where
    /// NumPy's own statement did otherwise the step is marked
    /// `numpy_deviation`. The oracle's answers are these.
    #[default]
    Documented,
    /// What NumPy's statement `d[idx] = v` / `d[idx] += v` actually left in
    /// memory, unmarked: NumPy as an implementation under test.
    Raw,
}

impl Writes {
    /// `"documented"` or `"raw"`, as the executor and the CLI spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Writes::Documented => "documented",
            Writes::Raw => "raw",
        }
    }
}

static REQUESTED: OnceLock<String> = OnceLock::new();

/// Whether `version` (an exact release, `X.Y.Z`) is one the executor
/// supports ([`SUPPORTED_NUMPY`]); the error says which are.
pub fn check_supported_numpy(version: &str) -> Result<(), String> {
    let mut parts = version.split('.');
    let number = |p: Option<&str>| p.and_then(|p| p.parse::<u64>().ok());
    let (major, minor) = (number(parts.next()), number(parts.next()));
    let release = match (major, minor) {
        (Some(major), Some(minor)) => (major, minor),
        _ => {
            return Err(format!(
                "`{version}` is not a NumPy release number (expected X.Y.Z, e.g. 2.0.0)"
            ))
        }
    };
    if release < OLDEST || release > NEWEST {
        return Err(format!(
            "NumPy {version} is not supported: viewcheck runs NumPy {}.{} to {}.{}.x \
             (the releases its executor is checked against; the pin is {})",
            OLDEST.0,
            OLDEST.1,
            NEWEST.0,
            NEWEST.1,
            pinned_numpy_version()
        ));
    }
    Ok(())
}

/// Ask this process's oracle for NumPy `version` instead of the pin (what
/// `--numpy VERSION` does). Must be called before the first
/// [`Oracle::global`]; it wins over `VIEWCHECK_NUMPY`.
pub fn request_numpy(version: &str) -> Result<(), String> {
    check_supported_numpy(version)?;
    if version.split('.').count() != 3 || !version.split('.').all(|p| p.parse::<u64>().is_ok()) {
        return Err(format!(
            "`{version}`: name an exact NumPy release, e.g. 2.0.0 or 1.26.4"
        ));
    }
    if GLOBAL.get().is_some() && requested_numpy().as_deref() != Some(version) {
        return Err(format!(
            "the oracle of this process already started; NumPy {version} must be requested before"
        ));
    }
    match REQUESTED.set(version.to_owned()) {
        Ok(()) => Ok(()),
        Err(_) if REQUESTED.get().map(String::as_str) == Some(version) => Ok(()),
        Err(_) => Err(format!(
            "NumPy {} was requested already; one process runs one NumPy",
            REQUESTED.get().map_or("", String::as_str)
        )),
    }
}

/// The NumPy release asked for: [`request_numpy`], else the environment
/// variable `VIEWCHECK_NUMPY`, else `None` (the pin; or, when
/// `VIEWCHECK_PYTHON` is set, whatever supported release that environment
/// has).
pub fn requested_numpy() -> Option<String> {
    if let Some(v) = REQUESTED.get() {
        return Some(v.clone());
    }
    std::env::var("VIEWCHECK_NUMPY")
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The virtual environment that holds NumPy `version`: the project venv
/// ([`project_venv_dir`]) for the pin, `<project venv>-numpy-<version>`
/// beside it for any other release.
pub fn numpy_venv_dir(version: &str) -> PathBuf {
    let venv = project_venv_dir();
    if version == pinned_numpy_version() {
        return venv;
    }
    let mut name = venv.file_name().unwrap_or_default().to_os_string();
    name.push(format!("-numpy-{version}"));
    venv.with_file_name(name)
}

/// The arguments of `pip install` that install NumPy `version`: the
/// requirements file for the pin, `numpy==VERSION` for any other release.
fn pip_args(version: &str) -> Vec<String> {
    if version == pinned_numpy_version() && Path::new(REQUIREMENTS_PATH).is_file() {
        vec!["-r".to_owned(), REQUIREMENTS_PATH.to_owned()]
    } else {
        vec![format!("numpy=={version}")]
    }
}

/// [`pip_args`] as a command line shows them.
fn pip_requirement(version: &str) -> String {
    pip_args(version).join(" ")
}

/// The release the oracle must have, if the choice is not left to
/// `VIEWCHECK_PYTHON`'s environment.
pub(crate) fn target_numpy() -> String {
    requested_numpy().unwrap_or_else(|| pinned_numpy_version().to_owned())
}

// ---------------------------------------------------------------------------
// Build-time facts

/// The NumPy version pinned in `oracle/requirements.txt` (`numpy==X.Y.Z`).
pub fn pinned_numpy_version() -> &'static str {
    REQUIREMENTS
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("numpy=="))
        .map(str::trim)
        .unwrap_or("")
}

/// The Python executable PyO3 was built against (whose libpython the binary
/// loads), if the build recorded one. It creates the project virtual
/// environment.
pub fn build_python() -> Option<&'static str> {
    option_env!("VIEWCHECK_BUILD_PYTHON")
}

/// The workspace root this crate was built in (the parent of `oracle/`), where
/// the project virtual environment `.venv` lives.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The project virtual environment directory: `VIEWCHECK_VENV_DIR` if set,
/// else `<workspace>/.venv`.
pub fn project_venv_dir() -> PathBuf {
    match std::env::var_os("VIEWCHECK_VENV_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => workspace_root().join(".venv"),
    }
}

pub(crate) fn pip_fix() -> String {
    let target = target_numpy();
    venv_fix(&numpy_venv_dir(&target), &target)
}

/// How to provide the pinned NumPy in the virtual environment `venv`, naming
/// that directory (which `VIEWCHECK_VENV_DIR` may have moved away from
/// `.venv`).
fn venv_fix(venv: &Path, version: &str) -> String {
    let requirement = pip_requirement(version);
    let venv = venv.display();
    format!(
        "run `{} -m venv {venv} && {venv}/bin/pip install {requirement}`, \
         or set VIEWCHECK_PYTHON=/path/to/venv-or-python (an environment with numpy=={version} for the same Python version)",
        build_python().unwrap_or("python3"),
    )
}

/// Importing NumPy from `source` raised `err`: a damaged environment, with
/// the way to repair or replace that environment.
pub(crate) fn numpy_broken(
    py: Python<'_>,
    err: &PyErr,
    source: &NumpySource,
    site_packages: &[PathBuf],
) -> OracleError {
    let detail = match err.get_type(py).name() {
        Ok(class) => format!("{class}: {}", err.value(py)),
        Err(_) => err.to_string(),
    };
    let pinned = target_numpy();
    let requirement = pip_requirement(&pinned);
    let python = build_python().unwrap_or("python3");
    let sites = site_packages
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let (location, fix) = match source {
        NumpySource::Venv { dir, .. } => {
            let d = dir.display();
            let reprovision = if no_install() {
                " after unsetting VIEWCHECK_NO_INSTALL"
            } else {
                ""
            };
            (
                format!("the virtual environment {d} ({sites})"),
                format!(
                    "delete {d} (`rm -rf {d}`) so that it is re-provisioned on the next run{reprovision}, \
                     or recreate it by hand: `{python} -m venv --clear {d} && {d}/bin/pip install {requirement}`"
                ),
            )
        }
        NumpySource::EnvPython { python: env } => {
            let e = env.display();
            (
                format!("VIEWCHECK_PYTHON={e} ({sites})"),
                format!(
                    "reinstall NumPy there (`{e} -m pip install --force-reinstall numpy=={pinned}`), \
                     or recreate that environment (`{python} -m venv --clear DIR && DIR/bin/pip install {requirement}`), \
                     or unset VIEWCHECK_PYTHON to use {}",
                    numpy_venv_dir(&pinned).display()
                ),
            )
        }
        NumpySource::Embedded => (
            "the embedded interpreter's own sys.path".to_owned(),
            format!(
                "reinstall numpy=={pinned} for that interpreter, or {}",
                pip_fix()
            ),
        ),
    };
    OracleError::NumpyBroken {
        location,
        detail,
        fix,
    }
}

/// Whether `VIEWCHECK_NO_INSTALL` forbids creating the project venv.
pub(crate) fn no_install() -> bool {
    std::env::var_os("VIEWCHECK_NO_INSTALL").is_some_and(|v| !v.is_empty() && v != "0")
}

// ---------------------------------------------------------------------------
// Discovery

pub(crate) struct Embedded {
    pub(crate) version: String,
    pub(crate) prefix: String,
    major_minor: String,
    bindir: String,
    numpy_loaded: Option<String>,
}

impl Embedded {
    pub(crate) fn query(boot: &Bound<'_, PyModule>) -> Result<Embedded, OracleError> {
        let py = boot.py();
        let info = boot
            .getattr("embedded_info")
            .and_then(|f| f.call0())
            .map_err(|e| python_error(py, &e))?;
        let get = |k: &str| info.get_item(k).map_err(|e| python_error(py, &e));
        let extract_err = |e: PyErr| python_error(py, &e);
        let major: u32 = get("major")?.extract().map_err(extract_err)?;
        let minor: u32 = get("minor")?.extract().map_err(extract_err)?;
        Ok(Embedded {
            version: get("version")?.extract().map_err(extract_err)?,
            prefix: get("prefix")?.extract().map_err(extract_err)?,
            major_minor: format!("{major}.{minor}"),
            bindir: get("bindir")?.extract().map_err(extract_err)?,
            numpy_loaded: get("numpy_loaded")?.extract().map_err(extract_err)?,
        })
    }
}

/// Where NumPy comes from: the source, the site-packages directories to add
/// to `sys.path`, and the release importing it must give.
pub(crate) struct Found {
    pub(crate) source: NumpySource,
    pub(crate) site_packages: Vec<PathBuf>,
    pub(crate) version: String,
}

/// Decide where NumPy comes from (see the crate docs, "Finding NumPy").
pub(crate) fn discover(boot: &Bound<'_, PyModule>, info: &Embedded) -> Result<Found, OracleError> {
    let requested = requested_numpy();
    if let Some(v) = &requested {
        check_supported_numpy(v).map_err(|message| OracleError::BadEnvironment {
            variable: "VIEWCHECK_NUMPY (or --numpy)".to_owned(),
            message,
            fix: format!("ask for a release in {SUPPORTED_NUMPY}, or for none to get the pin"),
        })?;
    }
    let pinned = target_numpy();
    let pinned = pinned.as_str();
    let found = |source, site_packages, version: &str| Found {
        source,
        site_packages,
        version: version.to_owned(),
    };
    if let Some(loaded) = &info.numpy_loaded {
        // Someone in this process imported NumPy already: it is what we get.
        if loaded != pinned {
            return Err(OracleError::NumpyVersion {
                found: loaded.clone(),
                wanted: pinned.to_owned(),
                location: "the embedded interpreter (NumPy was already imported in this process)"
                    .to_owned(),
                fix: "start the oracle before anything else in the process imports NumPy"
                    .to_owned(),
            });
        }
        return Ok(found(NumpySource::Embedded, Vec::new(), loaded));
    }
    let mut tried = Vec::new();

    // (a) VIEWCHECK_PYTHON
    match std::env::var_os("VIEWCHECK_PYTHON") {
        Some(value) if !value.is_empty() => {
            let (python, dirs) = env_python(Path::new(&value), info)?;
            let version =
                require_numpy(&dirs, requested.as_deref(), &python.display().to_string())?;
            return Ok(found(NumpySource::EnvPython { python }, dirs, &version));
        }
        _ => tried.push("VIEWCHECK_PYTHON: not set".to_owned()),
    }

    // (b) the project venv (of the release asked for)
    let venv = numpy_venv_dir(pinned);
    if let Some(site) = venv_site_packages(&venv, info)? {
        if find_numpy(&site, pinned, &venv)? {
            return Ok(found(
                NumpySource::Venv {
                    dir: venv,
                    installed: false,
                },
                vec![site],
                pinned,
            ));
        }
        tried.push(format!("{}: no NumPy installed", venv.display()));
    } else {
        tried.push(format!("{}: does not exist", venv.display()));
    }

    // (c) the embedded interpreter's own sys.path
    let own: Option<String> = boot
        .getattr("installed_numpy_version")
        .and_then(|f| f.call0())
        .and_then(|v| v.extract())
        .map_err(|e| python_error(boot.py(), &e))?;
    match own {
        Some(v) if v == pinned => return Ok(found(NumpySource::Embedded, Vec::new(), pinned)),
        Some(v) => tried.push(format!(
            "embedded Python {}'s sys.path: NumPy {v}, not {pinned} (ignored)",
            info.version
        )),
        None => tried.push(format!(
            "embedded Python {}'s sys.path: no NumPy",
            info.version
        )),
    }

    // (d) create / fill the project venv
    if no_install() {
        tried.push("automatic install: disabled by VIEWCHECK_NO_INSTALL".to_owned());
        return Err(OracleError::NumpyMissing {
            wanted: pinned.to_owned(),
            tried,
            fix: format!(
                "{}; or unset VIEWCHECK_NO_INSTALL to let viewcheck create {} itself",
                venv_fix(&venv, pinned),
                venv.display()
            ),
        });
    }
    let site = install_venv(&venv, info, pinned)?;
    Ok(found(
        NumpySource::Venv {
            dir: venv,
            installed: true,
        },
        vec![site],
        pinned,
    ))
}

/// Resolve `VIEWCHECK_PYTHON` (a venv directory or a Python executable) and ask
/// that interpreter for its version and site-packages directories.
fn env_python(value: &Path, info: &Embedded) -> Result<(PathBuf, Vec<PathBuf>), OracleError> {
    let bad = |message: String| OracleError::BadEnvironment {
        variable: "VIEWCHECK_PYTHON".to_owned(),
        message,
        fix: "set VIEWCHECK_PYTHON to a virtual environment directory or to a Python executable \
              inside one, e.g. VIEWCHECK_PYTHON=$PWD/.venv"
            .to_owned(),
    };
    let python = if value.is_dir() {
        venv_python(value).ok_or_else(|| {
            bad(format!(
                "{} is a directory without bin/python (not a virtual environment)",
                value.display()
            ))
        })?
    } else if value.is_file() {
        value.to_path_buf()
    } else {
        return Err(bad(format!("{} does not exist", value.display())));
    };
    let script = "import json, site, sys\n\
                  print(json.dumps({'version': '%d.%d' % sys.version_info[:2], \
                  'site': site.getsitepackages() + [site.getusersitepackages()]}))";
    let output = run_captured(Command::new(&python).arg("-c").arg(script)).map_err(
        |(command, detail)| OracleError::VenvCreation {
            command,
            detail,
            fix: "make VIEWCHECK_PYTHON name a working Python executable or virtual environment"
                .to_owned(),
        },
    )?;
    let parsed: Value = serde_json::from_str(output.trim()).map_err(|e| {
        bad(format!(
            "{} printed something unexpected ({e}): {output}",
            python.display()
        ))
    })?;
    let version = parsed["version"].as_str().unwrap_or("?").to_owned();
    if version != info.major_minor {
        return Err(OracleError::PythonMismatch {
            location: python.display().to_string(),
            found: version,
            embedded: info.major_minor.clone(),
            fix: format!(
                "point VIEWCHECK_PYTHON at an environment made with Python {} (`python{} -m venv DIR`), \
                 or rebuild with PYO3_PYTHON set to that environment's base interpreter",
                info.major_minor, info.major_minor
            ),
        });
    }
    let dirs = parsed["site"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .collect();
    Ok((python, dirs))
}

/// The NumPy of `VIEWCHECK_PYTHON`'s site-packages `dirs`: exactly
/// `requested` if a release was asked for, else any supported release.
fn require_numpy(
    dirs: &[PathBuf],
    requested: Option<&str>,
    location: &str,
) -> Result<String, OracleError> {
    let found = dirs.iter().find_map(|dir| numpy_dist_version(dir));
    let wanted = requested.unwrap_or_else(|| pinned_numpy_version());
    match (found, requested) {
        (Some(version), Some(requested)) if version == requested => Ok(version),
        (Some(version), None) => match check_supported_numpy(&version) {
            Ok(()) => Ok(version),
            Err(message) => Err(OracleError::NumpyUnsupported {
                found: version,
                location: format!("VIEWCHECK_PYTHON={location}"),
                fix: format!(
                    "{message}. Install a supported release there (`{location} -m pip install numpy=={wanted}`), \
                     or unset VIEWCHECK_PYTHON to use the pin"
                ),
            }),
        },
        (Some(version), Some(_)) => Err(OracleError::NumpyVersion {
            found: version,
            wanted: wanted.to_owned(),
            location: format!("VIEWCHECK_PYTHON={location}"),
            fix: format!(
                "install it there (`{location} -m pip install numpy=={wanted}`), or unset VIEWCHECK_PYTHON \
                 (viewcheck then provisions {} itself)",
                numpy_venv_dir(wanted).display()
            ),
        }),
        (None, _) => Err(OracleError::NumpyMissing {
            wanted: wanted.to_owned(),
            tried: vec![format!(
                "VIEWCHECK_PYTHON={location}: no NumPy in {}",
                dirs.iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )],
            fix: format!(
                "install it there (`{location} -m pip install numpy=={wanted}`), or unset VIEWCHECK_PYTHON"
            ),
        }),
    }
}

/// The Python executable of a virtual environment, if present.
fn venv_python(venv: &Path) -> Option<PathBuf> {
    ["bin/python", "bin/python3", "Scripts/python.exe"]
        .iter()
        .map(|p| venv.join(p))
        .find(|p| p.is_file())
}

/// The site-packages of the virtual environment `venv` for the embedded
/// interpreter's version; `None` if `venv` does not exist; an error if it was
/// made for another Python version.
fn venv_site_packages(venv: &Path, info: &Embedded) -> Result<Option<PathBuf>, OracleError> {
    if !venv.is_dir() {
        return Ok(None);
    }
    let unix = venv
        .join("lib")
        .join(format!("python{}", info.major_minor))
        .join("site-packages");
    if unix.is_dir() {
        return Ok(Some(unix));
    }
    let windows = venv.join("Lib").join("site-packages");
    if windows.is_dir() {
        return Ok(Some(windows));
    }
    // Some other layout: another Python version, or a half-made venv.
    let other: Vec<String> = fs::read_dir(venv.join("lib"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter_map(|n| n.strip_prefix("python").map(str::to_owned))
        .collect();
    if let Some(found) = other.first() {
        return Err(OracleError::PythonMismatch {
            location: venv.display().to_string(),
            found: found.clone(),
            embedded: info.major_minor.clone(),
            fix: format!(
                "delete {} (it is recreated with Python {} automatically), or set VIEWCHECK_PYTHON to a \
                 Python {} environment with numpy=={}",
                venv.display(),
                info.major_minor,
                info.major_minor,
                target_numpy()
            ),
        });
    }
    // Exists but has no site-packages yet (e.g. an interrupted `venv`):
    // treat as present but without NumPy; the installer repairs it.
    Ok(Some(unix))
}

/// Whether `site` has NumPy `wanted`; an error if it has another version.
fn find_numpy(site: &Path, wanted: &str, venv: &Path) -> Result<bool, OracleError> {
    match numpy_dist_version(site) {
        None => Ok(false),
        Some(v) if v == wanted => Ok(true),
        Some(v) => Err(OracleError::NumpyVersion {
            found: v,
            wanted: wanted.to_owned(),
            location: venv.display().to_string(),
            fix: format!(
                "run `{}/bin/python -m pip install {}`, or delete {} to have it recreated",
                venv.display(),
                pip_requirement(wanted),
                venv.display()
            ),
        }),
    }
}

/// The version of NumPy installed in a site-packages directory, read from its
/// `numpy-X.Y.Z.dist-info` directory (without importing anything).
fn numpy_dist_version(site: &Path) -> Option<String> {
    let entries = fs::read_dir(site).ok()?;
    let mut versions: Vec<String> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter_map(|n| {
            n.strip_prefix("numpy-")
                .and_then(|r| r.strip_suffix(".dist-info"))
                .map(str::to_owned)
        })
        .collect();
    versions.sort();
    versions.pop()
}

/// Create `venv` (if needed) and install the requirements into it, holding
/// an exclusive lock on `<venv>.lock`; returns its site-packages.
fn install_venv(venv: &Path, info: &Embedded, pinned: &str) -> Result<PathBuf, OracleError> {
    let lock_path = {
        let mut name = venv.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        venv.with_file_name(name)
    };
    let lock_err = |e: std::io::Error| OracleError::VenvCreation {
        command: format!("lock {}", lock_path.display()),
        detail: e.to_string(),
        fix: format!(
            "make {} writable, or set VIEWCHECK_PYTHON / VIEWCHECK_VENV_DIR; or {}",
            lock_path
                .parent()
                .map_or_else(String::new, |p| p.display().to_string()),
            pip_fix()
        ),
    };
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(lock_err)?;
    eprintln!(
        "viewcheck-oracle: NumPy {pinned} not found; waiting for the lock {} to set up {}",
        lock_path.display(),
        venv.display()
    );
    lock.lock().map_err(lock_err)?;

    // Another process may have finished the job while we waited.
    if let Some(site) = venv_site_packages(venv, info)? {
        if find_numpy(&site, pinned, venv)? {
            eprintln!("viewcheck-oracle: {} is ready", venv.display());
            return Ok(site);
        }
    }

    let fix = pip_fix();
    if venv_python(venv).is_none() {
        let base = base_python(info)?;
        eprintln!(
            "viewcheck-oracle: creating the virtual environment {} with {}",
            venv.display(),
            base.display()
        );
        run_streamed(Command::new(&base).arg("-m").arg("venv").arg(venv)).map_err(
            |(command, detail)| OracleError::VenvCreation {
                command,
                detail,
                fix: format!("{fix} (on Debian/Ubuntu the `python3-venv` package provides `venv`)"),
            },
        )?;
    }
    let python = venv_python(venv).ok_or_else(|| OracleError::VenvCreation {
        command: format!("venv {}", venv.display()),
        detail: "no bin/python in the new environment".to_owned(),
        fix: fix.clone(),
    })?;
    let mut pip = Command::new(&python);
    pip.args(["-m", "pip", "install"]);
    pip.args(pip_args(pinned));
    eprintln!(
        "viewcheck-oracle: installing numpy=={pinned} into {} (pip output follows)",
        venv.display()
    );
    run_streamed(&mut pip).map_err(|(command, detail)| OracleError::VenvCreation {
        command,
        detail,
        fix: format!("check the network access to PyPI, then retry; or {fix}"),
    })?;
    let site = venv_site_packages(venv, info)?.unwrap_or_default();
    if !find_numpy(&site, pinned, venv)? {
        return Err(OracleError::NumpyMissing {
            wanted: pinned.to_owned(),
            tried: vec![format!(
                "{}: pip succeeded but {} has no numpy-{pinned}.dist-info",
                venv.display(),
                site.display()
            )],
            fix,
        });
    }
    eprintln!("viewcheck-oracle: {} is ready", venv.display());
    Ok(site)
}

/// The interpreter to create the project venv with: the build interpreter if
/// it exists and has the embedded interpreter's version, else the embedded
/// installation's own `pythonX.Y`.
fn base_python(info: &Embedded) -> Result<PathBuf, OracleError> {
    let mut candidates: Vec<PathBuf> = build_python().map(PathBuf::from).into_iter().collect();
    if !info.bindir.is_empty() {
        let bindir = Path::new(&info.bindir);
        candidates.push(bindir.join(format!("python{}", info.major_minor)));
        candidates.push(bindir.join("python3"));
    }
    let mut rejected = Vec::new();
    for candidate in &candidates {
        if !candidate.is_file() {
            rejected.push(format!("{}: does not exist", candidate.display()));
            continue;
        }
        let check = run_captured(
            Command::new(candidate)
                .arg("-c")
                .arg("import sys; print('%d.%d' % sys.version_info[:2])"),
        );
        match check {
            Ok(v) if v.trim() == info.major_minor => return Ok(candidate.clone()),
            Ok(v) => rejected.push(format!("{}: Python {}", candidate.display(), v.trim())),
            Err((_, detail)) => rejected.push(format!("{}: {detail}", candidate.display())),
        }
    }
    Err(OracleError::VenvCreation {
        command: "find a Python to create the virtual environment with".to_owned(),
        detail: format!(
            "no Python {} interpreter found ({})",
            info.major_minor,
            rejected.join("; ")
        ),
        fix: pip_fix(),
    })
}

fn describe(command: &Command) -> String {
    let mut s = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// Run a command, capturing its stdout; `Err((command, detail))` on failure.
fn run_captured(command: &mut Command) -> Result<String, (String, String)> {
    let text = describe(command);
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| (text.clone(), e.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err((text, format!("{}: {}", output.status, tail(&stderr))));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Run a command with both its stdout and stderr going to our stderr (our
/// stdout may carry data, e.g. JSON Lines).
fn run_streamed(command: &mut Command) -> Result<(), (String, String)> {
    let text = describe(command);
    let status = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()))
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| (text.clone(), e.to_string()))?;
    if status.success() {
        Ok(())
    } else {
        Err((text, format!("{status} (see its output above)")))
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(5)..].join("\n")
}
