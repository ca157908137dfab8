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
//! [`Oracle::global`]. The release it runs is the pin unless one was asked
//! for ([`request_numpy`], what `--numpy VERSION` calls, or the environment
//! variable `VIEWCHECK_NUMPY`); any release in [`SUPPORTED_NUMPY`] (1.24 to
//! the 2.4 series) may be. Before NumPy is imported, the first of these that
//! applies decides where it comes from:
//!
//! 1. **`VIEWCHECK_PYTHON`** names a virtual environment directory or a Python
//!    executable (normally inside one). That interpreter is asked for its
//!    site-packages directories, which are added to the embedded interpreter's
//!    `sys.path`. Its `major.minor` must equal the embedded interpreter's, and
//!    it must have exactly the release asked for, or, if none was, any
//!    supported release; anything else is an error (no fallback), since the
//!    variable is an explicit choice.
//! 2. **The project virtual environment** of the release: for the pin
//!    `<workspace>/.venv` (or the directory named by `VIEWCHECK_VENV_DIR`),
//!    for another release `<that directory>-numpy-<release>` beside it
//!    ([`numpy_venv_dir`]), read from its layout
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
//! # Writes: documented semantics, deviations, raw
//!
//! [`Oracle::run_with`] with [`Writes::Raw`] skips what follows and keeps
//! whatever NumPy's own statement left in memory, unmarked: NumPy as an
//! implementation under test. The oracle's answers are always documented.
//!
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
        /// The release that was looked for.
        wanted: String,
        /// What was looked at, in order, and why each was not used.
        tried: Vec<String>,
        /// How to fix it.
        fix: String,
    },
    /// A NumPy other than the release asked for (by default the pin of
    /// `oracle/requirements.txt`) was found where that one was required.
    NumpyVersion {
        /// The version found.
        found: String,
        /// The release asked for (`--numpy`, `VIEWCHECK_NUMPY`) or the pin.
        wanted: String,
        /// Where it was found.
        location: String,
        /// How to fix it.
        fix: String,
    },
    /// `VIEWCHECK_PYTHON` has a NumPy release outside
    /// [`SUPPORTED_NUMPY`].
    NumpyUnsupported {
        /// The version found.
        found: String,
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
            OracleError::NumpyMissing { wanted, tried, fix } => {
                writeln!(f, "viewcheck-oracle: NumPy {wanted} was not found.")?;
                for t in tried {
                    writeln!(f, "  - {t}")?;
                }
                write!(f, "Fix: {fix}")
            }
            OracleError::NumpyVersion {
                found,
                wanted,
                location,
                fix,
            } => {
                let why = if wanted == pinned_numpy_version() && requested_numpy().is_none() {
                    "the oracle is pinned to"
                } else {
                    "this run asked for"
                };
                write!(
                    f,
                    "viewcheck-oracle: {location} has NumPy {found}, but {why} NumPy {wanted}.\nFix: {fix}"
                )
            }
            OracleError::NumpyUnsupported {
                found,
                location,
                fix,
            } => write!(
                f,
                "viewcheck-oracle: {location} has NumPy {found}, which viewcheck does not support ({SUPPORTED_NUMPY}).\nFix: {fix}"
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
        self.run_with(program, Writes::Documented)
    }

    /// [`Oracle::run`] with writes performed as `writes` says: the
    /// documented semantics (the oracle's answers), or NumPy's raw
    /// statements (NumPy as an implementation under test).
    pub fn run_with(&self, program: &Value, writes: Writes) -> Result<Value, OracleError> {
        Python::attach(|py| {
            let arg = json_to_py(py, program).map_err(|e| python_error(py, &e))?;
            let out = self
                .run_program
                .bind(py)
                .call1((arg, writes.as_str()))
                .map_err(|e| self.run_error(py, &e))?;
            py_to_json(&out)
        })
    }

    /// The NumPy version in use (`numpy.__version__`): the pin, the release
    /// asked for, or `VIEWCHECK_PYTHON`'s.
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
            let discover::Found {
                source,
                site_packages,
                version: pinned,
            } = discover(&boot, &info)?;
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
                    wanted: pinned.clone(),
                    location: numpy_location,
                    fix: format!(
                        "make the environment in use hold exactly NumPy {pinned}: {}",
                        discover::pip_fix()
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

mod discover;

pub use discover::{
    build_python, check_supported_numpy, numpy_venv_dir, pinned_numpy_version, project_venv_dir,
    request_numpy, requested_numpy, workspace_root, Writes, SUPPORTED_NUMPY,
};
use discover::{discover, numpy_broken, Embedded};

#[cfg(test)]
mod tests;
