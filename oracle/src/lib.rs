//! The NumPy oracle of viewcheck: format-1 programs run in NumPy itself.
//!
//! [`Oracle`] embeds CPython (through PyO3) and executes format-1 programs
//! (the project's program/observation format, `format-1.md`) with the pinned NumPy
//! (`oracle/requirements.txt`, currently `numpy==2.4.6`), returning format-1
//! observations as [`serde_json::Value`]s. The executor is the Python module
//! `oracle/executor.py`, compiled into this crate; it can also be run on its
//! own (`.venv/bin/python oracle/executor.py programs.jsonl`) for debugging.
//! The examples `oracle_run` (JSON Lines in, observations out) and
//! `oracle_bench` (start-up facts and programs per second) use this crate.
//! Object keys keep Python's order (serde_json's `preserve_order`), so
//! `arrays` lists names in binding order.
//!
//! ```no_run
//! let oracle = viewcheck_oracle::Oracle::global()?;
//! let program = serde_json::json!({"format": 1, "steps": [
//!     {"op": "array", "out": "a", "shape": [2, 3]},
//!     {"op": "index", "out": "r", "src": "a", "index": [{"slice": [null, null, null]}, {"array": [0, 1]}]},
//! ]});
//! let observation = oracle.run(&program)?;
//! assert_eq!(observation["arrays"]["r"]["strides"], serde_json::json!([1, 2]));
//! # Ok::<(), viewcheck_oracle::OracleError>(())
//! ```
//!
//! # Finding NumPy
//!
//! The interpreter is initialised once per process (and never finalised) by
//! [`Oracle::global`]. Before NumPy is imported, the first of these that
//! applies decides where it comes from:
//!
//! 1. **`VIEWCHECK_PYTHON`** names a virtual environment directory or a Python
//!    executable (normally inside one). That interpreter is asked for its
//!    site-packages directories, which are added to the embedded interpreter's
//!    `sys.path`. Its `major.minor` must equal the embedded interpreter's, and
//!    it must have exactly the pinned NumPy; anything else is an error (no
//!    fallback), since the variable is an explicit choice.
//! 2. **The project virtual environment**, `<workspace>/.venv` (or the directory
//!    named by `VIEWCHECK_VENV_DIR`), read from its layout
//!    (`lib/pythonX.Y/site-packages`). If it holds a NumPy other than the pinned
//!    one, or was made for another Python version, that is an error with the fix;
//!    it is never silently used.
//! 3. **The embedded interpreter's own `sys.path`**, accepted only if it has
//!    exactly the pinned NumPy.
//! 4. Otherwise the project virtual environment is **created**:
//!    `<build python> -m venv <workspace>/.venv`, then
//!    `<workspace>/.venv/bin/python -m pip install -r oracle/requirements.txt`,
//!    reported on stderr. An exclusive lock on `<venv>.lock` (`.venv.lock`)
//!    serialises concurrent processes: the others wait and then re-check.
//!    `VIEWCHECK_NO_INSTALL=1` forbids this step.
//!
//! The "build python" is the interpreter PyO3 was built against (the one whose
//! libpython this binary loads; see [`build_python`]). The build script sets an
//! rpath to its library directory so that a same-named libpython elsewhere on
//! the system is not picked up instead, and the interpreter is started with
//! `PYTHONHOME` set to that installation's prefix (unless `PYTHONHOME` is set
//! already; the variable is removed again right after start-up) so that it uses
//! the matching standard library whatever `python3` comes first on `PATH`. For
//! this to work, [`Oracle::global`] must be the first use of Python in the
//! process. The embedded interpreter's `sys.executable` is not used.
//!
//! # Writes: documented semantics and deviations
//!
//! `assign` and `add_assign` steps mean NumPy's *documented* semantics (the
//! value is read completely before anything is written; when one element is
//! written more than once, the last write in C order of `d[idx]` wins; a step
//! that raises changes nothing). For each write the executor runs the raw NumPy
//! statement (`d[idx] = v` / `d[idx] += v`) first, which decides the step's
//! outcome (error class, warning), restores the destination's owning buffer,
//! then performs the documented write. If the two results differ it keeps the
//! documented one and marks the step with `"numpy_deviation": "overlap"` (the
//! value is an array sharing memory with the destination) or
//! `"numpy_deviation": "duplicate-order"` (otherwise).
//!
//! # Element limit
//!
//! Before an `index`, `assign` or `add_assign` step whose index has index
//! arrays or masks, the executor computes the element count of `x[idx]`
//! without running it: the broadcast shape of the index arrays (a mask counts
//! as its `nonzero()` arrays, a 0-d boolean as an axis of length 1 or 0) times
//! the size of the subspace left by the basic items. Above 2^24 the step is
//! `{"error": "LimitExceeded"}` and nothing runs; when the count cannot be
//! computed (a broadcast mismatch, too many indices, ...) NumPy runs and raises.
//!
//! A binding step that succeeds is then checked against the program's budget
//! (format 1.1): if the elements of all arrays bound so far plus those of its
//! result exceed 2^22, it is `LimitExceeded` too and binds nothing.
//!
//! # Resource failures and hard overlap questions
//!
//! A `MemoryError` or `RecursionError` while a program runs is never a step's
//! outcome: the program is abandoned with [`OracleError::Resource`], which
//! names the step. `shares_memory` is NumPy's exact `np.shares_memory` with a
//! work bound; where NumPy's solver gives up, the executor intersects the
//! arrays' sorted element addresses instead, which is as exact and costs
//! O(n log n).
//!
//! # Limitations
//!
//! * One interpreter per process: all calls are serialised on the Python
//!   thread state (the GIL); [`Oracle::run`] may be called from any thread.
//! * Binaries of *other* packages that depend on this crate need their own
//!   build script calling `pyo3_build_config::add_libpython_rpath_link_args()`
//!   (Cargo does not propagate link arguments), or `LD_LIBRARY_PATH`.
//! * The discovery assumes a Unix-style venv layout (`bin/`, `lib/pythonX.Y/`);
//!   Windows layouts (`Scripts/`, `Lib/`) are recognised but untested.
//! * Programs are trusted to be structurally valid format-1; a structural
//!   problem the executor notices is reported as [`OracleError::InvalidProgram`]
//!   rather than as a `format_error` observation.
//! * Memory is bounded by the limits (a step's result at most 2^24 elements,
//!   all bound arrays together at most 2^22), not checked against the
//!   machine: with less memory than that needs, a program ends in
//!   [`OracleError::Resource`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::ffi::CString;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::sync::OnceLockExt;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Source of the executor module (`oracle/executor.py`).
const EXECUTOR_SOURCE: &str = include_str!("../executor.py");
/// File name the executor is compiled under (so tracebacks can show its lines).
const EXECUTOR_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/executor.py");
/// Start-up helpers (`oracle/src/bootstrap.py`).
const BOOTSTRAP_SOURCE: &str = include_str!("bootstrap.py");
/// File name the start-up helpers are compiled under.
const BOOTSTRAP_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/bootstrap.py");
/// The requirements file with the NumPy pin.
const REQUIREMENTS: &str = include_str!("../requirements.txt");
/// Where `requirements.txt` lives in the source tree this crate was built from.
const REQUIREMENTS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/requirements.txt");

/// Errors from starting the oracle or running a program.
///
/// Every message says what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OracleError {
    /// No usable NumPy was found and none could be (or was allowed to be)
    /// installed.
    NumpyMissing {
        /// What was looked at, in order, and why each was not used.
        tried: Vec<String>,
        /// How to fix it.
        fix: String,
    },
    /// A NumPy other than the pinned version was found where one was required.
    NumpyVersion {
        /// The version found.
        found: String,
        /// The pinned version (from `oracle/requirements.txt`).
        pinned: String,
        /// Where it was found.
        location: String,
        /// How to fix it.
        fix: String,
    },
    /// A Python environment was made for another Python version than the
    /// embedded interpreter (compiled extensions such as NumPy would not load).
    PythonMismatch {
        /// The environment or executable.
        location: String,
        /// Its `major.minor` version.
        found: String,
        /// The embedded interpreter's `major.minor` version.
        embedded: String,
        /// How to fix it.
        fix: String,
    },
    /// An environment variable names something unusable.
    BadEnvironment {
        /// The variable.
        variable: String,
        /// What is wrong with its value.
        message: String,
        /// How to fix it.
        fix: String,
    },
    /// Running an external Python (to query, create or fill a virtual
    /// environment) failed.
    VenvCreation {
        /// The command that failed.
        command: String,
        /// Its exit status or error, and the end of its output.
        detail: String,
        /// How to fix it.
        fix: String,
    },
    /// Python raised an unexpected exception (during start-up or while running
    /// a program): an internal error of the oracle.
    Python {
        /// The formatted Python traceback.
        traceback: String,
    },
    /// NumPy was found but importing it failed: a damaged installation (for
    /// example a deleted `numpy/_core`), not a bug of the oracle.
    NumpyBroken {
        /// Where the NumPy that failed to import came from.
        location: String,
        /// The exception that importing NumPy raised (class and message).
        detail: String,
        /// How to fix it.
        fix: String,
    },
    /// The embedded interpreter ran out of memory (or another resource, such
    /// as recursion depth) while running a program. There is no observation:
    /// what ran out is this machine, not a NumPy rule.
    Resource {
        /// What ran out, and at which step.
        message: String,
    },
    /// The executor rejected the program as structurally invalid format-1 (an
    /// unknown op, an unbound name, a ragged index array, ...).
    InvalidProgram {
        /// The executor's message.
        message: String,
    },
    /// A value could not be converted between JSON and Python.
    Conversion {
        /// What could not be converted.
        message: String,
    },
}

impl fmt::Display for OracleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OracleError::NumpyMissing { tried, fix } => {
                writeln!(f, "viewcheck-oracle: NumPy {} was not found.", pinned_numpy_version())?;
                for t in tried {
                    writeln!(f, "  - {t}")?;
                }
                write!(f, "Fix: {fix}")
            }
            OracleError::NumpyVersion {
                found,
                pinned,
                location,
                fix,
            } => write!(
                f,
                "viewcheck-oracle: {location} has NumPy {found}, but the oracle is pinned to NumPy {pinned}.\nFix: {fix}"
            ),
            OracleError::PythonMismatch {
                location,
                found,
                embedded,
                fix,
            } => write!(
                f,
                "viewcheck-oracle: {location} is Python {found}, but the embedded interpreter is Python {embedded}.\nFix: {fix}"
            ),
            OracleError::BadEnvironment {
                variable,
                message,
                fix,
            } => write!(f, "viewcheck-oracle: {variable}: {message}\nFix: {fix}"),
            OracleError::VenvCreation {
                command,
                detail,
                fix,
            } => write!(
                f,
                "viewcheck-oracle: `{command}` failed: {detail}\nFix: {fix}"
            ),
            OracleError::Python { traceback } => write!(
                f,
                "viewcheck-oracle: internal error in the embedded Python (please report it with the program that caused it):\n{traceback}"
            ),
            OracleError::NumpyBroken {
                location,
                detail,
                fix,
            } => write!(
                f,
                "viewcheck-oracle: NumPy from {location} is installed but cannot be imported ({detail}); \
                 the environment is damaged.\nFix: {fix}"
            ),
            OracleError::Resource { message } => write!(
                f,
                "viewcheck-oracle: the embedded NumPy ran {message}; no observation was made.\n\
                 Fix: run the program with more memory available (or a higher limit), or shorten it."
            ),
            OracleError::InvalidProgram { message } => write!(
                f,
                "viewcheck-oracle: not a valid format-1 program: {message}\nFix: validate programs before running them (a format_error observation)."
            ),
            OracleError::Conversion { message } => write!(
                f,
                "viewcheck-oracle: JSON/Python conversion failed: {message}"
            ),
        }
    }
}

impl std::error::Error for OracleError {}

/// Where the oracle's NumPy came from (see the crate docs, "Finding NumPy").
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NumpySource {
    /// The environment named by `VIEWCHECK_PYTHON`.
    EnvPython {
        /// The Python executable that was asked for its site-packages.
        python: PathBuf,
    },
    /// The project virtual environment (`<workspace>/.venv` or
    /// `VIEWCHECK_VENV_DIR`).
    Venv {
        /// The virtual environment's directory.
        dir: PathBuf,
        /// Whether this process created or filled it.
        installed: bool,
    },
    /// The embedded interpreter's own `sys.path`.
    Embedded,
}

/// An embedded CPython with the pinned NumPy, ready to run format-1 programs.
///
/// Obtain it with [`Oracle::global`]; it lives for the rest of the process.
pub struct Oracle {
    run_program: Py<PyAny>,
    program_error: Py<PyAny>,
    resource_error: Py<PyAny>,
    numpy_version: String,
    numpy_location: String,
    python_version: String,
    python_prefix: String,
    source: NumpySource,
    site_packages: Vec<PathBuf>,
}

impl fmt::Debug for Oracle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Oracle")
            .field("numpy_version", &self.numpy_version)
            .field("numpy_location", &self.numpy_location)
            .field("python_version", &self.python_version)
            .field("python_prefix", &self.python_prefix)
            .field("source", &self.source)
            .field("site_packages", &self.site_packages)
            .finish_non_exhaustive()
    }
}

static GLOBAL: OnceLock<Result<Oracle, OracleError>> = OnceLock::new();

impl Oracle {
    /// The process-wide oracle, started on first use.
    ///
    /// The first call initialises the embedded interpreter, finds (or
    /// installs) the pinned NumPy as described in the crate docs, imports it
    /// and compiles the executor; later calls return the same oracle, or the
    /// same error, without trying again.
    ///
    /// Safe to call from any thread, also one attached to Python: a caller
    /// that waits for another thread's start-up detaches from the interpreter
    /// meanwhile.
    pub fn global() -> Result<&'static Oracle, OracleError> {
        let result = match GLOBAL.get() {
            Some(result) => result,
            // The interpreter already runs (this thread may even be attached):
            // wait detached, so the initialising thread can attach.
            None => Python::try_attach(|py| GLOBAL.get_or_init_py_attached(py, Oracle::start))
                .unwrap_or_else(|| GLOBAL.get_or_init(Oracle::start)),
        };
        result.as_ref().map_err(Clone::clone)
    }

    /// Run one format-1 program and return its format-1 observation.
    ///
    /// The program is converted to native Python objects (dict, list, int,
    /// bool, str, None), run by the executor's `run_program`, and the result
    /// converted back. Step failures are part of the observation, not errors;
    /// an `Err` means the program was structurally invalid
    /// ([`OracleError::InvalidProgram`]) or the oracle failed internally.
    pub fn run(&self, program: &Value) -> Result<Value, OracleError> {
        Python::attach(|py| {
            let arg = json_to_py(py, program).map_err(|e| python_error(py, &e))?;
            let out = self
                .run_program
                .bind(py)
                .call1((arg,))
                .map_err(|e| self.run_error(py, &e))?;
            py_to_json(&out)
        })
    }

    /// The NumPy version in use (`numpy.__version__`), equal to the pin.
    pub fn numpy_version(&self) -> &str {
        &self.numpy_version
    }

    /// Where the imported NumPy package lives (`numpy.__file__`).
    pub fn numpy_location(&self) -> &str {
        &self.numpy_location
    }

    /// The embedded interpreter's version, `major.minor.micro`.
    pub fn python_version(&self) -> &str {
        &self.python_version
    }

    /// The embedded interpreter's installation prefix (`sys.base_prefix`),
    /// where its standard library comes from.
    pub fn python_prefix(&self) -> &str {
        &self.python_prefix
    }

    /// Which discovery step supplied NumPy.
    pub fn numpy_source(&self) -> &NumpySource {
        &self.source
    }

    /// The site-packages directories this oracle added to `sys.path` (empty
    /// when NumPy came from the embedded interpreter's own path).
    pub fn site_packages(&self) -> &[PathBuf] {
        &self.site_packages
    }

    fn run_error(&self, py: Python<'_>, err: &PyErr) -> OracleError {
        if err.is_instance(py, self.program_error.bind(py)) {
            OracleError::InvalidProgram {
                message: err.value(py).to_string(),
            }
        } else if err.is_instance(py, self.resource_error.bind(py)) {
            OracleError::Resource {
                message: err.value(py).to_string(),
            }
        } else if err.is_instance_of::<pyo3::exceptions::PyMemoryError>(py) {
            // Outside the executor's steps (e.g. converting the program).
            OracleError::Resource {
                message: format!("out of memory (MemoryError: {})", err.value(py)),
            }
        } else {
            python_error(py, err)
        }
    }

    fn start() -> Result<Oracle, OracleError> {
        initialize_interpreter();
        Python::attach(|py| {
            let boot = compile_module(py, BOOTSTRAP_SOURCE, BOOTSTRAP_FILE, "viewcheck_bootstrap")?;
            let info = Embedded::query(&boot)?;
            let pinned = pinned_numpy_version();
            let (source, site_packages) = discover(&boot, &info, pinned)?;
            if !site_packages.is_empty() {
                let dirs: Vec<String> = site_packages
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect();
                boot.getattr("add_site_dirs")
                    .and_then(|f| f.call1((dirs,)))
                    .map_err(|e| python_error(py, &e))?;
            }
            let import = boot
                .getattr("import_numpy")
                .map_err(|e| python_error(py, &e))?;
            // Discovery saw a NumPy distribution; an exception from importing
            // it means the installation is damaged, which the user can fix.
            let (numpy_version, numpy_location): (String, String) = import
                .call0()
                .map_err(|e| numpy_broken(py, &e, &source, &site_packages))?
                .extract()
                .map_err(|e| python_error(py, &e))?;
            if numpy_version != pinned {
                return Err(OracleError::NumpyVersion {
                    found: numpy_version,
                    pinned: pinned.to_owned(),
                    location: numpy_location,
                    fix: format!(
                        "make the environment in use hold exactly the pin: {}",
                        pip_fix()
                    ),
                });
            }
            let executor =
                compile_module(py, EXECUTOR_SOURCE, EXECUTOR_FILE, "viewcheck_executor")?;
            let get = |name: &str| {
                executor
                    .getattr(name)
                    .map(Bound::unbind)
                    .map_err(|e| python_error(py, &e))
            };
            Ok(Oracle {
                run_program: get("run_program")?,
                program_error: get("ProgramError")?,
                resource_error: get("ResourceError")?,
                numpy_version,
                numpy_location,
                python_version: info.version,
                python_prefix: info.prefix,
                source,
                site_packages,
            })
        })
    }
}

/// Start the embedded interpreter (if nobody in this process has yet) with
/// `PYTHONHOME` set to the build interpreter's prefix, unless the user set
/// `PYTHONHOME`.
///
/// Without a home, CPython derives its prefix from the first `python3` on
/// `PATH`; when that belongs to another installation of the same version
/// (e.g. `/usr/bin/python3` next to a pyenv build), the embedded interpreter
/// would load that installation's standard library and extension modules
/// against our libpython, and NumPy fails to import. The variable is removed
/// again right after initialisation, so child processes never see it.
fn initialize_interpreter() {
    let home = option_env!("VIEWCHECK_BUILD_PYTHON_HOME").filter(|home| {
        std::env::var_os("PYTHONHOME").is_none()
            && home.split(':').all(|dir| Path::new(dir).is_dir())
    });
    if let Some(home) = home {
        // Edition 2021: set_var is safe; it runs once, before Python exists.
        std::env::set_var("PYTHONHOME", home);
    }
    Python::initialize();
    if home.is_some() {
        std::env::remove_var("PYTHONHOME");
    }
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

fn pip_fix() -> String {
    venv_fix(&project_venv_dir())
}

/// How to provide the pinned NumPy in the virtual environment `venv`, naming
/// that directory (which `VIEWCHECK_VENV_DIR` may have moved away from
/// `.venv`).
fn venv_fix(venv: &Path) -> String {
    let venv = venv.display();
    format!(
        "run `{} -m venv {venv} && {venv}/bin/pip install -r {REQUIREMENTS_PATH}`, \
         or set VIEWCHECK_PYTHON=/path/to/venv-or-python (an environment with numpy=={} for the same Python version)",
        build_python().unwrap_or("python3"),
        pinned_numpy_version()
    )
}

/// Importing NumPy from `source` raised `err`: a damaged environment, with
/// the way to repair or replace that environment.
fn numpy_broken(
    py: Python<'_>,
    err: &PyErr,
    source: &NumpySource,
    site_packages: &[PathBuf],
) -> OracleError {
    let detail = match err.get_type(py).name() {
        Ok(class) => format!("{class}: {}", err.value(py)),
        Err(_) => err.to_string(),
    };
    let pinned = pinned_numpy_version();
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
                     or recreate it by hand: `{python} -m venv --clear {d} && {d}/bin/pip install -r {REQUIREMENTS_PATH}`"
                ),
            )
        }
        NumpySource::EnvPython { python: env } => {
            let e = env.display();
            (
                format!("VIEWCHECK_PYTHON={e} ({sites})"),
                format!(
                    "reinstall NumPy there (`{e} -m pip install --force-reinstall numpy=={pinned}`), \
                     or recreate that environment (`{python} -m venv --clear DIR && DIR/bin/pip install -r {REQUIREMENTS_PATH}`), \
                     or unset VIEWCHECK_PYTHON to use {}",
                    project_venv_dir().display()
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
fn no_install() -> bool {
    std::env::var_os("VIEWCHECK_NO_INSTALL").is_some_and(|v| !v.is_empty() && v != "0")
}

// ---------------------------------------------------------------------------
// Discovery

struct Embedded {
    version: String,
    prefix: String,
    major_minor: String,
    bindir: String,
    numpy_loaded: Option<String>,
}

impl Embedded {
    fn query(boot: &Bound<'_, PyModule>) -> Result<Embedded, OracleError> {
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

/// Decide where NumPy comes from; returns the source and the site-packages
/// directories to add to `sys.path`.
fn discover(
    boot: &Bound<'_, PyModule>,
    info: &Embedded,
    pinned: &str,
) -> Result<(NumpySource, Vec<PathBuf>), OracleError> {
    if let Some(loaded) = &info.numpy_loaded {
        // Someone in this process imported NumPy already: it is what we get.
        if loaded != pinned {
            return Err(OracleError::NumpyVersion {
                found: loaded.clone(),
                pinned: pinned.to_owned(),
                location: "the embedded interpreter (NumPy was already imported in this process)"
                    .to_owned(),
                fix: "start the oracle before anything else in the process imports NumPy"
                    .to_owned(),
            });
        }
        return Ok((NumpySource::Embedded, Vec::new()));
    }
    let mut tried = Vec::new();

    // (a) VIEWCHECK_PYTHON
    match std::env::var_os("VIEWCHECK_PYTHON") {
        Some(value) if !value.is_empty() => {
            let (python, dirs) = env_python(Path::new(&value), info)?;
            require_pinned_numpy(&dirs, pinned, &python.display().to_string())?;
            return Ok((NumpySource::EnvPython { python }, dirs));
        }
        _ => tried.push("VIEWCHECK_PYTHON: not set".to_owned()),
    }

    // (b) the project venv
    let venv = project_venv_dir();
    if let Some(site) = venv_site_packages(&venv, info)? {
        if find_numpy(&site, pinned, &venv)? {
            return Ok((
                NumpySource::Venv {
                    dir: venv,
                    installed: false,
                },
                vec![site],
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
        Some(v) if v == pinned => return Ok((NumpySource::Embedded, Vec::new())),
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
            tried,
            fix: format!(
                "{}; or unset VIEWCHECK_NO_INSTALL to let viewcheck create {} itself",
                venv_fix(&venv),
                venv.display()
            ),
        });
    }
    let site = install_venv(&venv, info, pinned)?;
    Ok((
        NumpySource::Venv {
            dir: venv,
            installed: true,
        },
        vec![site],
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

fn require_pinned_numpy(dirs: &[PathBuf], pinned: &str, location: &str) -> Result<(), OracleError> {
    let mut found = None;
    for dir in dirs {
        if let Some(version) = numpy_dist_version(dir) {
            if version == pinned {
                return Ok(());
            }
            found.get_or_insert(version);
        }
    }
    match found {
        Some(version) => Err(OracleError::NumpyVersion {
            found: version,
            pinned: pinned.to_owned(),
            location: location.to_owned(),
            fix: format!(
                "install the pin there (`{location} -m pip install numpy=={pinned}`), or unset VIEWCHECK_PYTHON"
            ),
        }),
        None => Err(OracleError::NumpyMissing {
            tried: vec![format!(
                "VIEWCHECK_PYTHON={location}: no NumPy in {}",
                dirs.iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )],
            fix: format!(
                "install it there (`{location} -m pip install numpy=={pinned}`), or unset VIEWCHECK_PYTHON"
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
                pinned_numpy_version()
            ),
        });
    }
    // Exists but has no site-packages yet (e.g. an interrupted `venv`):
    // treat as present but without NumPy; the installer repairs it.
    Ok(Some(unix))
}

/// Whether `site` has the pinned NumPy; an error if it has another version.
fn find_numpy(site: &Path, pinned: &str, venv: &Path) -> Result<bool, OracleError> {
    match numpy_dist_version(site) {
        None => Ok(false),
        Some(v) if v == pinned => Ok(true),
        Some(v) => Err(OracleError::NumpyVersion {
            found: v,
            pinned: pinned.to_owned(),
            location: venv.display().to_string(),
            fix: format!(
                "run `{}/bin/python -m pip install -r oracle/requirements.txt` in {}, or delete {} to have it recreated",
                venv.display(),
                workspace_root().display(),
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
    if Path::new(REQUIREMENTS_PATH).is_file() {
        pip.arg("-r").arg(REQUIREMENTS_PATH);
    } else {
        pip.arg(format!("numpy=={pinned}"));
    }
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

// ---------------------------------------------------------------------------
// Python helpers

fn compile_module<'py>(
    py: Python<'py>,
    source: &str,
    file: &str,
    name: &str,
) -> Result<Bound<'py, PyModule>, OracleError> {
    let cstr = |s: &str| {
        CString::new(s).map_err(|e| OracleError::Conversion {
            message: format!("embedded source {file}: {e}"),
        })
    };
    PyModule::from_code(py, &cstr(source)?, &cstr(file)?, &cstr(name)?)
        .map_err(|e| python_error(py, &e))
}

/// An unexpected Python exception, with its formatted traceback.
fn python_error(py: Python<'_>, err: &PyErr) -> OracleError {
    let formatted = (|| -> PyResult<String> {
        let traceback = py.import("traceback")?;
        let tb: Bound<'_, PyAny> = match err.traceback(py) {
            Some(tb) => tb.into_any(),
            None => py.None().into_bound(py),
        };
        let lines =
            traceback.call_method1("format_exception", (err.get_type(py), err.value(py), tb))?;
        PyString::new(py, "")
            .call_method1("join", (lines,))?
            .extract()
    })();
    OracleError::Python {
        traceback: formatted.unwrap_or_else(|_| err.to_string()),
    }
}

/// JSON → native Python objects (dict, list, int, bool, str, None, float).
fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Native Python objects → JSON. Anything but dict (with str keys), list,
/// tuple, int, bool, str, None, finite float and bytes is an error. Bytes
/// are the executor's compact form of an int64 list (native byte order),
/// which spares the 40 bytes per element of a list of Python ints.
fn py_to_json(obj: &Bound<'_, PyAny>) -> Result<Value, OracleError> {
    let conversion = |message: String| OracleError::Conversion { message };
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        let bytes = bytes.as_bytes();
        if bytes.len() % 8 != 0 {
            return Err(conversion(format!(
                "{} bytes are not a whole number of int64 values",
                bytes.len()
            )));
        }
        return Ok(Value::Array(
            bytes
                .chunks_exact(8)
                .map(|c| Value::from(i64::from_ne_bytes(c.try_into().expect("8 bytes"))))
                .collect(),
        ));
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Value::from(v));
        }
        if let Ok(v) = i.extract::<u64>() {
            return Ok(Value::from(v));
        }
        return Err(conversion(format!("integer {i} does not fit in 64 bits")));
    }
    if let Ok(list) = obj.cast::<PyList>() {
        return list.iter().map(|x| py_to_json(&x)).collect();
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(dict.len());
        for (k, v) in dict.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| conversion(format!("dict key {k} is not a str")))?
                .to_str()
                .map_err(|e| conversion(e.to_string()))?
                .to_owned();
            map.insert(key, py_to_json(&v)?);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(
            s.to_str()
                .map_err(|e| conversion(e.to_string()))?
                .to_owned(),
        ));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return t.iter().map(|x| py_to_json(&x)).collect();
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| conversion(format!("non-finite float {f}")));
    }
    let type_name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned());
    Err(conversion(format!(
        "unexpected Python object of type {type_name}: {obj}"
    )))
}

#[cfg(test)]
mod tests;
