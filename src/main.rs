//! The `viewcheck` command line: run programs on a backend (`exec`), run the
//! differential campaign against NumPy (`check`), and compare the backends on
//! given programs (`diff`). See `README.md` for the reference.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};

use viewcheck::backend::{Backend, StridedBackend};
use viewcheck::campaign::{self, Config, Progress, Report, DEFAULT_FAILURES_DIR, DEFAULT_SEED};
use viewcheck::compare::{
    compare, first_divergent_step, guarded_run, silence_backend_panics, Level,
};
use viewcheck::format::{Observation, Program, MAX_LINE_BYTES};
use viewcheck::protocol::{
    backend_error_line, ProcessBackend, RunOutcome, WorkerCommand, DEFAULT_TIMEOUT,
};
use viewcheck::supervise::{read_bounded_line, BoundedLine};

/// `println!` that never panics: a closed standard output (e.g. `| head`)
/// ends the process quietly, any other write error with a message.
macro_rules! out {
    ($($arg:tt)*) => {
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            output_failed(e)
        }
    };
}

/// `print!` that never panics (see [`out!`]).
macro_rules! out_raw {
    ($($arg:tt)*) => {
        if let Err(e) = write!(std::io::stdout(), $($arg)*) {
            output_failed(e)
        }
    };
}

/// Ends the process after a failed write to standard output: quietly when
/// the reader went away, with a message otherwise (exit status 3).
fn output_failed(e: std::io::Error) -> ! {
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        eprintln!("viewcheck: cannot write the output: {e}");
    }
    std::process::exit(3)
}

/// viewcheck: NumPy's view/copy rules as checked facts. Runs format-1
/// programs on the strided crate and on the embedded NumPy and compares them.
#[derive(Parser, Debug)]
#[command(name = "viewcheck", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run format-1 programs (JSON Lines) on one backend; print one
    /// observation line per input line, in order.
    Exec {
        /// The backend to run the programs on (the same as `--impl strided|numpy`).
        #[arg(
            long,
            value_enum,
            required_unless_present = "implementation",
            conflicts_with = "implementation"
        )]
        backend: Option<BackendArg>,
        /// The implementation: `strided`, `numpy` or `cmd:<command line>`
        /// (docs/PROTOCOL.md).
        #[arg(long = "impl", value_name = "SPEC", value_parser = parse_impl)]
        implementation: Option<ImplSpec>,
        /// JSON Lines file of programs (default: standard input).
        file: Option<PathBuf>,
        /// Time limit of one program, in seconds (a program over it gives a
        /// `backend_error` line and the backend is restarted).
        #[arg(long, default_value_t = 10.0, value_parser = parse_seconds)]
        timeout: f64,
    },
    /// Generate programs and compare the strided crate against NumPy
    /// (exit 1 on any divergence or backend error).
    Check {
        /// Number of programs to generate and run (at least 1).
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
        cases: u64,
        /// Generator seed (default: a fixed seed, printed).
        #[arg(long)]
        seed: Option<u64>,
        /// Comparison level.
        #[arg(long, value_enum, default_value_t = LevelArg::Exact)]
        level: LevelArg,
        /// Stop after this many failures (0: never).
        #[arg(long, default_value_t = 10)]
        max_failures: usize,
        /// Where to write a reproducer for every failure.
        #[arg(long, default_value = DEFAULT_FAILURES_DIR)]
        failures_dir: PathBuf,
        /// No progress lines and no per-op table.
        #[arg(long, short)]
        quiet: bool,
        /// Generator: most steps per program.
        #[arg(long)]
        max_steps: Option<usize>,
        /// Generator: most axes of a generated array.
        #[arg(long)]
        max_ndim: Option<usize>,
        /// Generator: largest extent of a generated array.
        #[arg(long)]
        max_extent: Option<usize>,
        /// Generator: share of deliberately invalid steps (0 to 1).
        #[arg(long)]
        invalid_rate: Option<f64>,
        /// Time limit of one program on one backend, in seconds (a program
        /// over it is a `timeout` finding; the worker is restarted).
        #[arg(long, default_value_t = 10.0, value_parser = parse_seconds)]
        timeout: f64,
        /// Run the campaign in this process, unsupervised (no time limit, a
        /// crash ends the campaign): only to measure what supervision costs.
        #[arg(long, hide = true)]
        in_process: bool,
        /// The implementation under test: `strided` (default), `numpy`, or
        /// `cmd:<command line>` (docs/PROTOCOL.md). Generated programs keep
        /// to the ops and index kinds it declares.
        #[arg(long = "impl", value_name = "SPEC", value_parser = parse_impl)]
        implementation: Option<ImplSpec>,
    },
    /// Run every program in FILE (JSON Lines or one JSON document) on both
    /// backends and print their differences (exit 1 if any differ).
    Diff {
        /// Programs: JSON Lines, or a single JSON document.
        file: PathBuf,
        /// Comparison level.
        #[arg(long, value_enum, default_value_t = LevelArg::Exact)]
        level: LevelArg,
        /// Also print both observations of every program.
        #[arg(long)]
        show: bool,
        /// Time limit of one program on one backend, in seconds.
        #[arg(long, default_value_t = 10.0, value_parser = parse_seconds)]
        timeout: f64,
        /// The implementation compared with NumPy: `strided` (default),
        /// `numpy` or `cmd:<command line>` (docs/PROTOCOL.md).
        #[arg(long = "impl", value_name = "SPEC", value_parser = parse_impl)]
        implementation: Option<ImplSpec>,
    },
    /// Check the corpus: JSON Schema, ids, layout, features, recorded
    /// answers present (exit 1 on any problem). Needs no Python.
    Validate {
        /// The corpus directory.
        #[arg(long, default_value_os_t = viewcheck::corpus::default_dir())]
        corpus: PathBuf,
    },
    /// Replay every corpus case on a backend and compare with the recorded
    /// answers (exit 1 on any failure).
    Replay {
        /// The backend to replay on (the same as `--impl strided|numpy`).
        #[arg(long, value_enum, conflicts_with = "implementation")]
        backend: Option<BackendArg>,
        /// The implementation under test: `strided` (in this process),
        /// `numpy`, or `cmd:<command line>` (a program speaking
        /// docs/PROTOCOL.md, run with `sh -c`).
        #[arg(long = "impl", value_name = "SPEC", value_parser = parse_impl)]
        implementation: Option<ImplSpec>,
        /// Comparison level.
        #[arg(long, value_enum, default_value_t = LevelArg::Exact)]
        level: LevelArg,
        /// The corpus directory.
        #[arg(long, default_value_os_t = viewcheck::corpus::default_dir())]
        corpus: PathBuf,
        /// Print every case, not only failures.
        #[arg(long, short)]
        verbose: bool,
        /// Known failures: `xfail ID-OR-GLOB REASON` / `skip ID-OR-GLOB REASON` lines.
        #[arg(long, value_name = "FILE")]
        expectations: Option<PathBuf>,
        /// An `xpass` (an expected failure that passes) fails the run.
        #[arg(long)]
        strict: bool,
        /// Write today's failures as an expectations file.
        #[arg(long, value_name = "FILE")]
        write_expectations: Option<PathBuf>,
        /// Write the report into DIR: `report.jsonl`, `rules.md`, `report.html`.
        #[arg(long, value_name = "DIR")]
        report: Option<PathBuf>,
        /// Time limit of one program, in seconds.
        #[arg(long, default_value_t = 10.0, value_parser = parse_seconds)]
        timeout: f64,
    },
    /// Fill in (or refresh) recorded answers from the live NumPy oracle.
    /// Default: only cases without an answer.
    Record {
        /// Re-record every case.
        #[arg(long, conflicts_with = "ids")]
        all: bool,
        /// Re-record these case ids.
        ids: Vec<String>,
        /// The corpus directory.
        #[arg(long, default_value_os_t = viewcheck::corpus::default_dir())]
        corpus: PathBuf,
    },
    /// Re-run every case on the live NumPy oracle and list the ids whose
    /// recorded answer drifted, with diffs (exit 1 on drift).
    Verify {
        /// The corpus directory.
        #[arg(long, default_value_os_t = viewcheck::corpus::default_dir())]
        corpus: PathBuf,
    },
    /// Turn a fuzz crash artifact (generator bytes, or a program) into a
    /// corpus case with NumPy's recorded answer, under
    /// `corpus/cases/<area>/<topic>.json` with the next free id.
    ImportCrash {
        /// The artifact file (e.g. fuzz/artifacts/differential/crash-...).
        artifact: PathBuf,
        /// How to read it.
        #[arg(long, value_enum, default_value_t = ArtifactArg::Auto)]
        kind: ArtifactArg,
        /// Corpus area of the new case.
        #[arg(long, default_value = "regressions")]
        area: String,
        /// File (topic) within the area.
        #[arg(long, default_value = "fuzz")]
        topic: String,
        /// The corpus directory.
        #[arg(long, default_value_os_t = viewcheck::corpus::default_dir())]
        corpus: PathBuf,
        /// Only print the report and the case; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Internal: serve the implementation protocol (docs/PROTOCOL.md) with
    /// a built-in backend on standard input/output. The other commands run
    /// their backends this way, as supervised child processes.
    #[command(hide = true)]
    Worker {
        /// The backend to serve.
        #[arg(long, value_enum)]
        backend: BackendArg,
    },
    /// Internal: run the cases of a campaign job (first line of standard
    /// input) and stream the events to standard output (what `check`
    /// supervises).
    #[command(hide = true)]
    CheckWorker,
}

/// What `--impl` names.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ImplSpec {
    /// The strided crate in this process (the default of `replay`: no
    /// process boundary, hundreds of thousands of cases per second).
    InProcessStrided,
    /// The strided crate in a supervised worker.
    Strided,
    /// NumPy in a supervised worker.
    Numpy,
    /// Any program speaking the protocol (docs/PROTOCOL.md), run with `sh -c`.
    Cmd(String),
}

fn parse_impl(s: &str) -> Result<ImplSpec, String> {
    match s {
        "strided" => Ok(ImplSpec::Strided),
        "numpy" => Ok(ImplSpec::Numpy),
        _ => match s.strip_prefix("cmd:") {
            Some(c) if !c.trim().is_empty() => Ok(ImplSpec::Cmd(c.to_string())),
            _ => Err(format!(
                "`{s}`: expected `strided`, `numpy` or `cmd:<command line>`"
            )),
        },
    }
}

/// The shell command line of this executable's own protocol worker.
fn own_worker_line(backend: &str) -> String {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "viewcheck".into());
    format!(
        "'{}' worker --backend {backend}",
        exe.replace('\'', "'\\''")
    )
}

/// The implementation of `spec` in a supervised process.
fn impl_backend(spec: &ImplSpec, timeout: Duration) -> Result<ProcessBackend, Fatal> {
    match spec {
        ImplSpec::InProcessStrided | ImplSpec::Strided => {
            process_backend(BackendArg::Strided, timeout)
        }
        ImplSpec::Numpy => process_backend(BackendArg::Numpy, timeout),
        ImplSpec::Cmd(line) => {
            let command = WorkerCommand {
                program: "sh".into(),
                args: vec!["-c".into(), format!("exec {line}").into()],
                env: Vec::new(),
            };
            let b = ProcessBackend::start("impl", command, timeout).map_err(|e| {
                Fatal::env(format!(
                    "cannot start the implementation `{line}`:\n{e}\nFix: check that the command runs and speaks the protocol of docs/PROTOCOL.md (it must answer {{\"type\":\"start\",\"protocol\":1}})."
                ))
            })?;
            let name = b.implementation().name;
            Ok(if name.is_empty() { b } else { b.renamed(&name) })
        }
    }
}

/// A number of seconds for `--timeout`: positive and at most a day.
fn parse_seconds(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if v.is_finite() && v > 0.0 && v <= 86_400.0 {
        Ok(v)
    } else {
        Err(format!(
            "`{s}`: the time limit must be more than 0 and at most 86400 seconds"
        ))
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ArtifactArg {
    /// A program if the bytes parse as one, else generator bytes.
    Auto,
    /// Input of a generator-driven target (differential, invariants).
    Bytes,
    /// A format-1 program (artifacts of the `format` target).
    Program,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum BackendArg {
    /// The strided crate (viewcheck-arrays).
    Strided,
    /// The embedded NumPy oracle (needs the `oracle` feature).
    Numpy,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LevelArg {
    /// Outcomes, bound names, shapes, values, scalars.
    Values,
    /// + shares_memory, buffer partition, writeable.
    Aliasing,
    /// + strides of long axes, offsets of non-empty arrays, owndata, contiguity, may_share_memory.
    Layout,
    /// + every stride and offset, warning classes.
    Exact,
}

impl From<LevelArg> for Level {
    fn from(l: LevelArg) -> Level {
        match l {
            LevelArg::Values => Level::Values,
            LevelArg::Aliasing => Level::Aliasing,
            LevelArg::Layout => Level::Layout,
            LevelArg::Exact => Level::Exact,
        }
    }
}

/// A failure that ends the command with a message and an exit code.
struct Fatal {
    code: u8,
    message: String,
}

impl Fatal {
    /// Could not run: I/O, NumPy unavailable.
    fn env(message: impl Into<String>) -> Fatal {
        Fatal {
            code: 3,
            message: message.into(),
        }
    }
}

/// Exit codes: 0 success, 1 divergences/differences found, 2 usage error,
/// 3 could not run (I/O error, NumPy unavailable); an interrupted `check`
/// ends with 128 + the signal number after printing its summary.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let worker = matches!(cli.command, Command::Worker { .. } | Command::CheckWorker);
    if !worker {
        if let Err(f) = stdout_is_open() {
            eprintln!("viewcheck: {}", f.message);
            return ExitCode::from(f.code);
        }
    }
    let result = match cli.command {
        Command::Exec {
            backend,
            implementation,
            file,
            timeout,
        } => exec(
            &implementation.unwrap_or(match backend {
                Some(BackendArg::Numpy) => ImplSpec::Numpy,
                _ => ImplSpec::Strided,
            }),
            file.as_deref(),
            Duration::from_secs_f64(timeout),
        ),
        Command::Check {
            cases,
            seed,
            level,
            max_failures,
            failures_dir,
            quiet,
            max_steps,
            max_ndim,
            max_extent,
            invalid_rate,
            timeout,
            in_process,
            implementation,
        } => {
            generator_config(max_steps, max_ndim, max_extent, invalid_rate).and_then(|generator| {
                check(
                    Config {
                        seed: seed.unwrap_or(DEFAULT_SEED),
                        cases,
                        level: level.into(),
                        max_failures,
                        failures_dir: Some(failures_dir),
                        generator,
                        timeout: Duration::from_secs_f64(timeout),
                        implementation: match implementation {
                            None | Some(ImplSpec::Strided | ImplSpec::InProcessStrided) => None,
                            Some(ImplSpec::Numpy) => Some(own_worker_line("numpy")),
                            Some(ImplSpec::Cmd(line)) => Some(line),
                        },
                    },
                    quiet,
                    in_process,
                )
            })
        }
        Command::Diff {
            file,
            level,
            show,
            timeout,
            implementation,
        } => diff(
            &file,
            level.into(),
            show,
            Duration::from_secs_f64(timeout),
            &implementation.unwrap_or(ImplSpec::Strided),
        ),
        Command::Validate { corpus } => validate(&corpus),
        Command::Replay {
            backend,
            implementation,
            level,
            corpus,
            verbose,
            expectations,
            strict,
            write_expectations,
            report,
            timeout,
        } => replay(ReplayArgs {
            implementation: implementation.unwrap_or(match backend {
                Some(BackendArg::Numpy) => ImplSpec::Numpy,
                _ => ImplSpec::InProcessStrided,
            }),
            level: level.into(),
            corpus,
            verbose,
            expectations,
            strict,
            write_expectations,
            report,
            timeout: Duration::from_secs_f64(timeout),
        }),
        Command::Record { all, ids, corpus } => record(all, &ids, &corpus),
        Command::Verify { corpus } => verify(&corpus),
        Command::ImportCrash {
            artifact,
            kind,
            area,
            topic,
            corpus,
            dry_run,
        } => import_crash(&artifact, kind, &area, &topic, &corpus, dry_run),
        Command::Worker { backend } => serve_worker(backend),
        Command::CheckWorker => serve_check_worker(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("viewcheck: {}", f.message.trim_end());
            ExitCode::from(f.code)
        }
    }
}

/// A command run with `>&-` must not "succeed" having shown nothing. Rust
/// reopens closed standard descriptors on `/dev/null` (read-write) at
/// start-up and its standard output then swallows every write, so that is
/// what a closed standard output looks like here; a shell's `>/dev/null`
/// opens it write-only.
fn stdout_is_open() -> Result<(), Fatal> {
    let target = std::fs::read_link("/proc/self/fd/1").ok();
    let reopened = target.as_deref() == Some(Path::new("/dev/null"))
        && std::fs::read_to_string("/proc/self/fdinfo/1")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find_map(|l| l.strip_prefix("flags:"))
                    .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
            })
            .is_some_and(|flags| flags & 0o3 == 0o2);
    if reopened {
        return Err(Fatal::env(
            "standard output is closed; nothing could be reported.\n\
             Fix: run viewcheck with its standard output connected (a terminal, a pipe or a file; \
             `>/dev/null` to discard it).",
        ));
    }
    Ok(())
}

/// The generator's knobs from the command line, checked against what
/// format 1 and the generator can honour.
fn generator_config(
    max_steps: Option<usize>,
    max_ndim: Option<usize>,
    max_extent: Option<usize>,
    invalid_rate: Option<f64>,
) -> Result<viewcheck::generate::GenConfig, Fatal> {
    use viewcheck::format::{MAX_EXTENT, MAX_SHAPE_AXES, MAX_STEPS};
    let d = viewcheck::generate::GenConfig::default();
    let usage = |message: String| Fatal { code: 2, message };
    let check = |name: &str, v: Option<usize>, lo: usize, hi: usize| match v {
        Some(v) if v < lo || v > hi => Err(usage(format!(
            "--{name} {v} is out of range: it must be between {lo} and {hi} (format 1's limit)"
        ))),
        _ => Ok(()),
    };
    check("max-steps", max_steps, 1, MAX_STEPS)?;
    check("max-ndim", max_ndim, 1, MAX_SHAPE_AXES)?;
    check("max-extent", max_extent, 1, MAX_EXTENT as usize)?;
    if let Some(r) = invalid_rate {
        if !(0.0..=1.0).contains(&r) {
            return Err(usage(format!(
                "--invalid-rate {r} is out of range: it must be between 0 and 1"
            )));
        }
    }
    Ok(viewcheck::generate::GenConfig {
        max_steps: max_steps.unwrap_or(d.max_steps).max(d.min_steps),
        max_ndim: max_ndim.unwrap_or(d.max_ndim),
        max_extent: max_extent.unwrap_or(d.max_extent),
        invalid_rate: invalid_rate.unwrap_or(d.invalid_rate),
        ..d
    })
}

/// The worker command of a built-in backend: this executable's `worker`.
fn worker_command(backend: BackendArg) -> Result<WorkerCommand, Fatal> {
    let name = match backend {
        BackendArg::Strided => "strided",
        BackendArg::Numpy => "numpy",
    };
    WorkerCommand::this_executable(&["worker", "--backend", name])
        .map_err(|e| Fatal::env(format!("cannot find the viewcheck executable: {e}")))
}

/// A built-in backend in a supervised worker process, handshake done.
fn process_backend(backend: BackendArg, timeout: Duration) -> Result<ProcessBackend, Fatal> {
    if matches!(backend, BackendArg::Numpy) && !cfg!(feature = "oracle") {
        numpy_backend("this command")?;
    }
    let command = worker_command(backend)?;
    let name = match backend {
        BackendArg::Strided => "strided",
        BackendArg::Numpy => "numpy",
    };
    ProcessBackend::start(name, command, timeout).map_err(|e| start_failure(name, &e))
}

/// The message of a backend worker that did not start.
fn start_failure(name: &str, e: &viewcheck::protocol::StartError) -> Fatal {
    let mut message = format!("cannot start the {name} backend.\n{e}");
    let stderr = &e.stderr;
    let python_env: Vec<String> = ["PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP"]
        .iter()
        .filter_map(|v| std::env::var(v).ok().map(|x| format!("{v}={x}")))
        .collect();
    if name == "numpy" && !python_env.is_empty() {
        message.push_str(&format!(
            "\nNote: this environment sets {}; the embedded Python reads it.",
            python_env.join(", ")
        ));
    }
    if name == "numpy" && !stderr.contains("Fix:") {
        message.push_str(
            "\nFix: the embedded Python could not start or import NumPy. Check PYTHONHOME, \
             PYTHONPATH and any sitecustomize/usercustomize module of that Python (unset them \
             for viewcheck), or point VIEWCHECK_PYTHON at a working environment with the pinned \
             NumPy (oracle/requirements.txt).",
        );
    }
    Fatal::env(message)
}

/// `viewcheck worker`: the protocol on standard input/output.
fn serve_worker(backend: BackendArg) -> Result<u8, Fatal> {
    viewcheck::supervise::exit_when_orphaned();
    silence_backend_panics();
    let (backend, implementation): (Box<dyn Backend>, _) = match backend {
        BackendArg::Strided => (
            Box::new(StridedBackend),
            viewcheck::protocol::Implementation {
                name: "viewcheck-arrays".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                language: "rust".into(),
            },
        ),
        BackendArg::Numpy => in_process_numpy()?,
    };
    let backend = viewcheck::inject::wrap(backend.as_ref()).map_err(Fatal::env)?;
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    viewcheck::protocol::serve(
        &backend,
        &implementation,
        &viewcheck::protocol::Capabilities::all(),
        &mut stdin.lock(),
        &mut std::io::BufWriter::new(stdout.lock()),
    )
    .map_err(|e| Fatal::env(format!("worker: {e}")))?;
    Ok(0)
}

/// The embedded NumPy of a worker process.
#[cfg(feature = "oracle")]
fn in_process_numpy() -> Result<(Box<dyn Backend>, viewcheck::protocol::Implementation), Fatal> {
    let b = viewcheck::backend::NumpyBackend::new()
        .map_err(|e| Fatal::env(format!("cannot start the NumPy oracle.\n{}", e.message)))?;
    let implementation = viewcheck::protocol::Implementation {
        name: "numpy".into(),
        version: b.numpy_version(),
        language: "python".into(),
    };
    Ok((Box::new(b), implementation))
}

#[cfg(not(feature = "oracle"))]
fn in_process_numpy() -> Result<(Box<dyn Backend>, viewcheck::protocol::Implementation), Fatal> {
    Err(numpy_backend("`worker --backend numpy`")
        .err()
        .unwrap_or_else(|| Fatal::env("no oracle")))
}

/// `viewcheck check-worker`.
fn serve_check_worker() -> Result<u8, Fatal> {
    viewcheck::supervise::exit_when_orphaned();
    silence_backend_panics();
    let job = match read_bounded_line(&mut std::io::stdin().lock(), 1 << 20) {
        Ok(BoundedLine::Line(l)) => String::from_utf8_lossy(&l).into_owned(),
        _ => String::new(),
    };
    let (numpy, _) = in_process_numpy()?;
    let numpy = viewcheck::inject::wrap(numpy.as_ref()).map_err(Fatal::env)?;
    let strided = viewcheck::inject::wrap(&StridedBackend).map_err(Fatal::env)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    campaign::supervisor::serve(&job, &numpy, &strided, &numpy_description(), &mut out)
        .map_err(|e| Fatal::env(format!("check-worker: {e}")))?;
    Ok(0)
}

/// Refuses NumPy in a build without the oracle.
#[cfg(feature = "oracle")]
fn numpy_backend(what: &str) -> Result<(), Fatal> {
    let _ = what;
    Ok(())
}

/// Refuses NumPy in a build without the oracle.
#[cfg(not(feature = "oracle"))]
fn numpy_backend(what: &str) -> Result<(), Fatal> {
    Err(Fatal {
        code: 2,
        message: format!(
            "{what} needs NumPy, but this viewcheck was built without the `oracle` feature.\n\
             Fix: rebuild with default features (`cargo build --release`, without --no-default-features)."
        ),
    })
}

/// One line describing the oracle's NumPy and Python (in a worker).
#[cfg(feature = "oracle")]
fn numpy_description() -> String {
    match viewcheck_oracle::Oracle::global() {
        Ok(o) => format!(
            "NumPy {} (Python {}, {})",
            o.numpy_version(),
            o.python_version(),
            o.numpy_location()
        ),
        Err(_) => "NumPy unavailable".into(),
    }
}

#[cfg(not(feature = "oracle"))]
fn numpy_description() -> String {
    "NumPy unavailable".into()
}

fn read_input(file: Option<&Path>) -> Result<Box<dyn BufRead>, Fatal> {
    match file {
        None => Ok(Box::new(std::io::stdin().lock())),
        Some(p) => match std::fs::File::open(p) {
            Ok(f) => Ok(Box::new(std::io::BufReader::new(f))),
            Err(e) => Err(Fatal::env(format!(
                "cannot read {}: {e}\nFix: check the path (or omit it to read programs from standard input).",
                p.display()
            ))),
        },
    }
}

fn write_err(e: std::io::Error) -> Fatal {
    output_failed(e)
}

/// The observation line of a valid program: a `backend_error` when the
/// backend fails, crashes or hangs.
fn exec_program(backend: &ProcessBackend, p: &Program) -> String {
    if let Some(reason) = backend.capabilities().unsupported(p) {
        return backend_error_line(&format!(
            "backend `{}`: unsupported: {reason}",
            backend.name()
        ));
    }
    match backend.run_json(&p.to_line()) {
        RunOutcome::Observation(raw) => raw.get().to_string(),
        RunOutcome::Unsupported(reason) => backend_error_line(&format!(
            "backend `{}`: unsupported: {reason}",
            backend.name()
        )),
        RunOutcome::Error(message) => {
            backend_error_line(&format!("backend `{}` failed: {message}", backend.name()))
        }
        RunOutcome::Fault(fault) => {
            backend_error_line(&format!("backend `{}`: {fault}", backend.name()))
        }
    }
}

fn exec(spec: &ImplSpec, file: Option<&Path>, timeout: Duration) -> Result<u8, Fatal> {
    let backend = impl_backend(spec, timeout)?;
    let mut input = read_input(file)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for n in 1.. {
        let read = read_bounded_line(input.as_mut(), MAX_LINE_BYTES).map_err(|e| {
            Fatal::env(format!(
                "cannot read line {n} of {}: {e}",
                file.map(|p| p.display().to_string())
                    .unwrap_or_else(|| "standard input".into())
            ))
        })?;
        let observation = match read {
            BoundedLine::Eof => break,
            BoundedLine::TooLong { len } => Observation::rejected(
                viewcheck::format::FormatError::line_too_long(len as usize).to_string(),
            )
            .to_line(),
            BoundedLine::Line(buf) if buf.iter().all(u8::is_ascii_whitespace) => continue,
            BoundedLine::Line(buf) => {
                let line = buf.strip_suffix(b"\r").unwrap_or(&buf);
                match Program::parse_bytes(line) {
                    Err(e) => Observation::rejected(e.to_string()).to_line(),
                    Ok(p) => exec_program(&backend, &p),
                }
            }
        };
        writeln!(out, "{observation}").map_err(write_err)?;
        // Each answer is out before the next program runs: a reader sees
        // every finished line even if a later program hangs.
        out.flush().map_err(write_err)?;
    }
    out.flush().map_err(write_err)?;
    Ok(0)
}

fn rate(n: u64, t: Duration) -> String {
    let s = t.as_secs_f64();
    if s <= 0.0 {
        return "-".into();
    }
    let r = n as f64 / s;
    if r >= 100.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

fn check(config: Config, quiet: bool, in_process: bool) -> Result<u8, Fatal> {
    numpy_backend("`check`")?;
    viewcheck::supervise::catch_interrupts();
    let started = Instant::now();
    let command = WorkerCommand::this_executable(&["check-worker"])
        .map_err(|e| Fatal::env(format!("cannot find the viewcheck executable: {e}")))?;
    let mut startup = Duration::ZERO;
    let mut oracle = String::new();
    let mut on_start = |description: &str, got: &str| {
        startup = started.elapsed();
        oracle = description.to_string();
        out!(
            "viewcheck check: {} cases, seed {}, level {}, {got} vs numpy ({description})",
            config.cases,
            config.seed,
            config.level,
        );
    };
    let mut last = Instant::now();
    let mut progress = |p: Progress| {
        if quiet {
            return;
        }
        let step = (p.cases / 10).max(1);
        if p.done == p.cases
            || (p.done % step == 0 && last.elapsed() >= Duration::from_secs(2))
            || last.elapsed() >= Duration::from_secs(15)
        {
            last = Instant::now();
            eprintln!(
                "  {}/{} cases, {} failure(s), {:.1}s",
                p.done,
                p.cases,
                p.failures,
                p.elapsed.as_secs_f64()
            );
        }
    };
    let report = if in_process {
        let (numpy, _) = in_process_numpy()?;
        on_start(&numpy_description(), "strided");
        campaign::run(&config, numpy.as_ref(), &StridedBackend, &mut progress)
    } else {
        campaign::supervisor::run_supervised(&config, &command, &mut on_start, &mut progress)
            .map_err(|e| start_failure("numpy", &e))?
    };
    print_report(&report, startup, &oracle, quiet);
    let unwritten = report.failures.iter().any(|f| f.write_error.is_some());
    Ok(match report.interrupted {
        Some(sig) => (128 + sig) as u8,
        None if unwritten => 3,
        None if report.failures.is_empty() => 0,
        None => 1,
    })
}

fn print_report(r: &Report, startup: Duration, oracle: &str, quiet: bool) {
    let count = |pred: &dyn Fn(&campaign::FailureKind) -> bool| {
        r.failures.iter().filter(|f| pred(&f.kind)).count()
    };
    use campaign::FailureKind as K;
    out!();
    out!("== summary ==");
    out!(
        "cases:        {} run of {}{}",
        r.cases_run,
        r.config.cases,
        if let Some(sig) = r.interrupted {
            format!(
                " (interrupted by {})",
                if sig == 15 { "SIGTERM" } else { "SIGINT" }
            )
        } else if r.stopped_early {
            format!(" (stopped after --max-failures {})", r.config.max_failures)
        } else {
            String::new()
        }
    );
    out!(
        "failures:     {} ({} divergence(s) at level {}, {} backend error(s), {} crash(es), {} timeout(s), {} generator bug(s))",
        r.failures.len(),
        count(&|k| *k == K::Divergence),
        r.config.level,
        count(&|k| matches!(k, K::BackendError { .. })),
        count(&|k| matches!(k, K::Crash { .. })),
        count(&|k| matches!(k, K::Timeout { .. })),
        count(&|k| *k == K::Generator),
    );
    out!(
        "throughput:   {} programs/s overall ({:.2}s wall: {:.2}s generating, {:.2}s shrinking)",
        rate(r.cases_run, r.total_time),
        r.total_time.as_secs_f64(),
        r.generate_time.as_secs_f64(),
        r.shrink_time.as_secs_f64()
    );
    out!(
        "  {:<8}    {} programs/s ({:.3}s in the backend)",
        r.expected_name,
        rate(r.cases_run, r.expected_time),
        r.expected_time.as_secs_f64()
    );
    out!(
        "  {:<8}    {} programs/s ({:.3}s in the backend)",
        r.got_name,
        rate(r.cases_run, r.got_time),
        r.got_time.as_secs_f64()
    );
    if r.unsupported > 0 {
        out!(
            "unsupported:  {} case(s) the implementation cannot express (not failures)",
            r.unsupported
        );
    }
    out!(
        "oracle:       {oracle} (start-up {:.2}s; {} worker restart(s) after crashes or timeouts)",
        startup.as_secs_f64(),
        r.restarts
    );
    if !quiet {
        out!();
        out!("step outcomes in {} by op[index kinds]:", r.expected_name);
        out_raw!("{}", r.op_table());
    }
    for (i, f) in r.failures.iter().enumerate() {
        out!();
        out!(
            "== failure {} of {}: case {} (seed {}): {} ==",
            i + 1,
            r.failures.len(),
            f.case,
            f.seed,
            f.kind
        );
        out!(
            "shrunk program ({} step(s), original {}):",
            f.shrunk.steps.len(),
            f.original.steps.len()
        );
        out!("{}", f.shrunk.to_line());
        match f.first_step {
            Some(k) => out!(
                "first divergent step: steps[{k}] {}",
                f.shrunk.to_json()["steps"][k]
            ),
            None => out!("first divergent step: none (no prefix diverges on its own)"),
        }
        out!(
            "differences (expected = {}, got = {}):",
            r.expected_name,
            r.got_name
        );
        for d in &f.diffs {
            out!("  {d}");
        }
        match (&f.reproducer, &f.write_error) {
            (Some(p), None) => {
                out!("reproducer:   {}", p.display());
                out!("rerun:        cargo run --release -- diff {}", p.display());
                out!("              (or: viewcheck diff {})", p.display());
            }
            (Some(p), Some(e)) => {
                out!(
                    "reproducer:   {} (the shrunk version could NOT be written: {e})",
                    p.display()
                );
            }
            (None, Some(e)) => out!("reproducer NOT written: {e}"),
            (None, None) => {}
        }
    }
    if !r.failures.is_empty() {
        let mut groups: Vec<(String, Vec<u64>)> = Vec::new();
        for f in &r.failures {
            let sig = f.signature();
            match groups.iter_mut().find(|(s, _)| *s == sig) {
                Some((_, cases)) => cases.push(f.case),
                None => groups.push((sig, vec![f.case])),
            }
        }
        out!();
        out!("== {} distinct failure signature(s) ==", groups.len());
        for (sig, cases) in &groups {
            let mut shown: Vec<String> = cases.iter().take(10).map(|c| c.to_string()).collect();
            if cases.len() > 10 {
                shown.push("...".into());
            }
            out!("{} case(s) [{}]: {sig}", cases.len(), shown.join(", "));
        }
        out!();
        let unwritten: Vec<String> = r
            .failures
            .iter()
            .filter(|f| f.write_error.is_some())
            .map(|f| f.case.to_string())
            .collect();
        let dir = r
            .config
            .failures_dir
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| "(none written)".into());
        if unwritten.is_empty() {
            out!(
                "FAILED: {} failure(s); reproducers in {dir}",
                r.failures.len()
            );
        } else {
            out!(
                "FAILED: {} failure(s); reproducers in {dir}, but NOT all written: case(s) {} (see above)",
                r.failures.len(),
                unwritten.join(", ")
            );
        }
    } else if r.interrupted.is_some() {
        out!();
        out!(
            "INTERRUPTED: no divergence at level {} in the {} case(s) that ran",
            r.config.level,
            r.cases_run
        );
    } else {
        out!();
        out!(
            "OK: no divergence at level {} in {} cases",
            r.config.level,
            r.cases_run
        );
    }
}

/// One program of a file: its line number and the parse result.
type Numbered = (usize, Result<Program, String>);

/// The programs of a file: one JSON document, or JSON Lines (each line at
/// most [`MAX_LINE_BYTES`] long; a document only if the whole file is).
fn read_programs(path: &Path) -> Result<Vec<Numbered>, Fatal> {
    let cannot = |e: std::io::Error| {
        Fatal::env(format!(
            "cannot read {}: {e}\nFix: pass a file of programs (JSON Lines or one JSON document), e.g. a reproducer from target/viewcheck-failures/.",
            path.display()
        ))
    };
    let len = std::fs::metadata(path).map_err(cannot)?.len();
    if len <= MAX_LINE_BYTES as u64 {
        let text = std::fs::read_to_string(path).map_err(cannot)?;
        if let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) {
            return Ok(vec![(
                1,
                Program::from_json(&doc).map_err(|e| e.to_string()),
            )]);
        }
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut input = std::io::BufReader::new(file);
    let mut programs = Vec::new();
    for n in 1.. {
        match read_bounded_line(&mut input, MAX_LINE_BYTES).map_err(cannot)? {
            BoundedLine::Eof => break,
            BoundedLine::TooLong { len } => programs.push((
                n,
                Err(format!(
                    "the line is {len} bytes long, over the limit of {MAX_LINE_BYTES} bytes (2^24)"
                )),
            )),
            BoundedLine::Line(l) => {
                let line = String::from_utf8_lossy(&l);
                if !line.trim().is_empty() {
                    programs.push((
                        n,
                        Program::parse(line.trim_end()).map_err(|e| e.to_string()),
                    ));
                }
            }
        }
    }
    Ok(programs)
}

fn diff(
    path: &Path,
    level: Level,
    show: bool,
    timeout: Duration,
    spec: &ImplSpec,
) -> Result<u8, Fatal> {
    silence_backend_panics();
    let programs = read_programs(path)?;
    if programs.is_empty() {
        return Err(Fatal::env(format!("{} holds no programs", path.display())));
    }
    let numpy = process_backend(BackendArg::Numpy, timeout)?;
    let strided = impl_backend(spec, timeout)?;
    let numpy: &dyn Backend = &numpy;
    let strided: &dyn Backend = &strided;
    let (mut differing, mut invalid) = (0usize, 0usize);
    for (line, program) in &programs {
        let program = match program {
            Ok(p) => p,
            Err(e) => {
                invalid += 1;
                out!("{}:{line}: not a valid program: {e}", path.display());
                continue;
            }
        };
        let title = program
            .name
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let e = guarded_run(numpy, program);
        let g = guarded_run(strided, program);
        let diffs = match (&e, &g) {
            (Ok(e), Ok(g)) => compare(e, g, level),
            _ => {
                let show = |r: &Result<Observation, _>| match r {
                    Ok(_) => "an observation".to_string(),
                    Err(err) => format!("{err}"),
                };
                vec![viewcheck::compare::Difference {
                    path: "backend".into(),
                    expected: show(&e),
                    got: show(&g),
                }]
            }
        };
        if show {
            for (name, r) in [(numpy.name(), &e), (strided.name(), &g)] {
                match r {
                    Ok(o) => out!("{}:{line}: {name}: {}", path.display(), o.to_line()),
                    Err(err) => out!("{}:{line}: {name}: {err}", path.display()),
                }
            }
        }
        if diffs.is_empty() {
            out!(
                "{}:{line}{title}: {} and {} agree at level {level}",
                path.display(),
                numpy.name(),
                strided.name()
            );
            continue;
        }
        differing += 1;
        out!(
            "{}:{line}{title}: {} difference(s) at level {level} (expected = {}, got = {})",
            path.display(),
            diffs.len(),
            numpy.name(),
            strided.name()
        );
        match first_divergent_step(program, numpy, strided, level) {
            Some(k) => out!(
                "  first divergent step: steps[{k}] {}",
                program.to_json()["steps"][k]
            ),
            None => out!("  first divergent step: none (no prefix diverges on its own)"),
        }
        for d in &diffs {
            out!("  {d}");
        }
    }
    out!(
        "{} program(s): {} differ, {} invalid, {} agree",
        programs.len(),
        differing,
        invalid,
        programs.len() - differing - invalid
    );
    Ok(if differing + invalid > 0 { 1 } else { 0 })
}

fn load_corpus(dir: &Path) -> Result<viewcheck::corpus::Corpus, Fatal> {
    viewcheck::corpus::Corpus::load(dir).map_err(|problems| {
        Fatal::env(format!(
            "cannot load the corpus at {}:\n{problems}",
            dir.display()
        ))
    })
}

fn validate(dir: &Path) -> Result<u8, Fatal> {
    let v = viewcheck::corpus::validate_dir(dir).map_err(|problems| {
        Fatal::env(format!(
            "cannot validate the corpus at {}:\n{problems}",
            dir.display()
        ))
    })?;
    for p in &v.problems {
        out!("{p}");
    }
    out!(
        "{} cases in {} areas: {} problem(s)",
        v.cases,
        v.areas,
        v.problems.len()
    );
    Ok(u8::from(!v.problems.is_empty()))
}

struct ReplayArgs {
    implementation: ImplSpec,
    level: Level,
    corpus: PathBuf,
    verbose: bool,
    expectations: Option<PathBuf>,
    strict: bool,
    write_expectations: Option<PathBuf>,
    report: Option<PathBuf>,
    timeout: Duration,
}

fn replay(a: ReplayArgs) -> Result<u8, Fatal> {
    use viewcheck::conformance::{self as cf, CaseReport, CaseStatus, Expectations};
    let corpus = load_corpus(&a.corpus)?;
    let expectations = match &a.expectations {
        Some(p) => Expectations::load(p).map_err(|e| Fatal {
            code: 2,
            message: e,
        })?,
        None => Expectations::default(),
    };
    let process = match &a.implementation {
        ImplSpec::InProcessStrided => None,
        spec => Some(impl_backend(spec, a.timeout)?),
    };
    let backend: &dyn Backend = match &process {
        None => &StridedBackend,
        Some(p) => p,
    };
    silence_backend_panics();
    let started = Instant::now();
    let mut cases = Vec::new();
    for case in corpus.cases() {
        let entry = expectations.lookup(&case.id);
        let (raw, mut detail, diffs, got) = if entry.is_some_and(|e| e.expect == cf::Expect::Skip) {
            (CaseStatus::Skip, String::new(), Vec::new(), None)
        } else {
            let (status, got) = viewcheck::corpus::replay_case_observed(case, backend, a.level);
            let (st, detail) = cf::raw_status(&status);
            let diffs = match status {
                viewcheck::corpus::Status::Fail(d) => d,
                _ => Vec::new(),
            };
            // A pass's observation is NumPy's; reports keep only the others.
            let got = got.filter(|_| st != CaseStatus::Pass).map(|o| o.to_json());
            (st, detail, diffs, got)
        };
        let status = cf::apply(raw, entry);
        if matches!(
            status,
            CaseStatus::XFail | CaseStatus::XPass | CaseStatus::Skip
        ) {
            if let Some(e) = entry {
                detail = if detail.is_empty() {
                    e.reason.clone()
                } else {
                    format!("{} ({detail})", e.reason)
                };
            }
        }
        let program = case.raw.get("program").cloned().unwrap_or_default();
        let expected = case.raw.get("expect").cloned().unwrap_or_default();
        cases.push(CaseReport {
            id: case.id.clone(),
            area: case.area.clone(),
            status,
            detail,
            diffs,
            program,
            expected,
            got,
        });
    }
    let elapsed = started.elapsed();
    for c in &cases {
        let shown = a.verbose || c.status != CaseStatus::Pass;
        if !shown {
            continue;
        }
        out!(
            "{:<11} {}  {}",
            c.status.as_str().to_uppercase(),
            c.id,
            c.detail.lines().next().unwrap_or("")
        );
        for d in c.diffs.iter().skip(1) {
            out!("            {d}");
        }
    }
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    for e in expectations.unmatched(&ids) {
        eprintln!(
            "viewcheck: warning: {}:{}: `{}` matches no case",
            a.expectations
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            e.line,
            e.pattern
        );
    }
    let counts = cf::counts(&cases);
    let summary: Vec<String> = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    out!(
        "replay on {} at {}: {} cases: {} ({} cases/s)",
        backend.name(),
        a.level,
        cases.len(),
        summary.join(", "),
        rate(cases.len() as u64, elapsed)
    );
    let rules_text = std::fs::read_to_string(corpus.root.join("RULES.md")).unwrap_or_default();
    let rules = viewcheck::corpus::parse_rules(&rules_text);
    let summaries = cf::rule_summaries(&rules, &cases);
    if let Some(path) = &a.write_expectations {
        let failures: Vec<(String, String)> = cases
            .iter()
            .filter(|c| {
                matches!(
                    c.status,
                    CaseStatus::Fail
                        | CaseStatus::XFail
                        | CaseStatus::Error
                        | CaseStatus::Crash
                        | CaseStatus::Timeout
                )
            })
            .map(|c| {
                let reason = if c.detail.starts_with(c.status.as_str()) {
                    c.detail.clone()
                } else {
                    format!("{}: {}", c.status, c.detail)
                };
                (c.id.clone(), reason)
            })
            .collect();
        let header = format!(
            "viewcheck expectations for {} (written by `viewcheck replay --write-expectations`)\nxfail: known to fail; skip: not run. One entry per line: KIND ID-OR-GLOB REASON",
            backend.name()
        );
        std::fs::write(path, Expectations::write(&header, &failures))
            .map_err(|e| Fatal::env(format!("cannot write {}: {e}", path.display())))?;
        out!(
            "wrote {} expectation(s) to {}",
            failures.len(),
            path.display()
        );
    }
    if let Some(dir) = &a.report {
        let capabilities = backend.capabilities();
        let implementation = match &process {
            None => viewcheck::protocol::Implementation {
                name: "viewcheck-arrays".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                language: "rust".into(),
            },
            Some(p) => p.implementation(),
        };
        let header = serde_json::json!({
            "viewcheck": env!("CARGO_PKG_VERSION"),
            "corpus": std::fs::read_to_string(corpus.root.join("VERSION")).unwrap_or_default().trim(),
            "numpy": viewcheck_oracle_pin(),
            "implementation": implementation,
            "capabilities": capabilities,
            "platform": {"os": std::env::consts::OS, "arch": std::env::consts::ARCH},
            "level": a.level.as_str(),
            "expectations": a.expectations.as_ref().map(|p| p.display().to_string()),
        });
        std::fs::create_dir_all(dir)
            .map_err(|e| Fatal::env(format!("cannot create {}: {e}", dir.display())))?;
        let write = |name: &str, text: String| {
            let p = dir.join(name);
            std::fs::write(&p, text)
                .map_err(|e| Fatal::env(format!("cannot write {}: {e}", p.display())))
        };
        write("report.jsonl", cf::jsonl_report(header, &cases, &summaries))?;
        write(
            "rules.md",
            cf::rules_markdown(&implementation.name, &summaries),
        )?;
        out!("report written to {}", dir.display());
    }
    let failed = cases
        .iter()
        .filter(|c| c.status.is_failure(a.strict))
        .count();
    let checked = cases
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                CaseStatus::Pass | CaseStatus::Fail | CaseStatus::XFail | CaseStatus::XPass
            )
        })
        .count();
    if checked == 0 {
        eprintln!(
            "viewcheck: nothing was checked: every case was skipped, unsupported or failed to run"
        );
        return Ok(1);
    }
    Ok(u8::from(failed > 0))
}

/// The NumPy version whose answers the corpus records (the pin).
fn viewcheck_oracle_pin() -> &'static str {
    "2.4.6"
}

#[cfg(feature = "oracle")]
fn record(all: bool, ids: &[String], dir: &Path) -> Result<u8, Fatal> {
    use viewcheck::corpus::filter;
    let mut corpus = load_corpus(dir)?;
    let oracle = process_backend(BackendArg::Numpy, DEFAULT_TIMEOUT)?;
    let version = oracle.implementation().version;
    let by_ids = filter::ids(ids);
    let filter: &dyn Fn(&viewcheck::corpus::Case) -> bool = if all {
        &filter::all
    } else if !ids.is_empty() {
        &by_ids
    } else {
        &filter::unrecorded
    };
    let report = viewcheck::corpus::record(&mut corpus, &oracle, &version, filter)
        .map_err(|p| Fatal::env(p.to_string()))?;
    for id in &report.new {
        out!("new        {id}");
    }
    for (id, diffs) in &report.changed {
        out!("CHANGED    {id} (list it in corpus/CHANGELOG.md)");
        for d in diffs {
            out!("           {}: was {} now {}", d.path, d.expected, d.got);
        }
    }
    for (id, e) in &report.failed {
        out!("FAILED     {id}: {e}");
    }
    out!(
        "recorded with NumPy {version}: {} new, {} changed, {} unchanged, {} failed, {} not applicable; {} file(s) written",
        report.new.len(),
        report.changed.len(),
        report.unchanged.len(),
        report.failed.len(),
        report.not_applicable.len(),
        report.files_written.len()
    );
    Ok(u8::from(!report.failed.is_empty()))
}

#[cfg(not(feature = "oracle"))]
fn record(_all: bool, _ids: &[String], _dir: &Path) -> Result<u8, Fatal> {
    numpy_backend("`record`").map(|_| 3)
}

#[cfg(feature = "oracle")]
fn verify(dir: &Path) -> Result<u8, Fatal> {
    let corpus = load_corpus(dir)?;
    let oracle = process_backend(BackendArg::Numpy, DEFAULT_TIMEOUT)?;
    let version = oracle.implementation().version;
    let started = Instant::now();
    let drift = viewcheck::corpus::verify(&corpus, &oracle, &version);
    for d in &drift {
        out!("DRIFT {}", d.id);
        for x in &d.diffs {
            out!("      {}: recorded {} now {}", x.path, x.expected, x.got);
        }
    }
    out!(
        "verify against NumPy {version}: {} cases, {} drifted ({:.2} s)",
        corpus.len(),
        drift.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(u8::from(!drift.is_empty()))
}

#[cfg(not(feature = "oracle"))]
fn verify(_dir: &Path) -> Result<u8, Fatal> {
    numpy_backend("`verify`").map(|_| 3)
}

fn import_crash(
    artifact: &Path,
    kind: ArtifactArg,
    area: &str,
    topic: &str,
    dir: &Path,
    dry_run: bool,
) -> Result<u8, Fatal> {
    use viewcheck::regress::{import_crash, ArtifactKind};
    silence_backend_panics();
    let bytes = std::fs::read(artifact)
        .map_err(|e| Fatal::env(format!("cannot read {}: {e}", artifact.display())))?;
    let kind = match kind {
        ArtifactArg::Auto => ArtifactKind::Auto,
        ArtifactArg::Bytes => ArtifactKind::GeneratorBytes,
        ArtifactArg::Program => ArtifactKind::ProgramJson,
    };
    let numpy = process_backend(BackendArg::Numpy, DEFAULT_TIMEOUT)?;
    let imported = import_crash(&bytes, kind, Some(&numpy)).map_err(|e| Fatal {
        code: 1,
        message: format!("cannot import {}: {e}", artifact.display()),
    })?;
    out_raw!("{}", imported.report());
    if dry_run {
        out!(
            "{}",
            serde_json::to_string_pretty(&imported.case).unwrap_or_default()
        );
        return Ok(0);
    }
    let mut corpus = load_corpus(dir)?;
    if let Some(same) = corpus.same_program(&imported.case) {
        return Err(Fatal {
            code: 1,
            message: format!(
                "not added: {} already holds this program as {}",
                same.file.display(),
                same.id
            ),
        });
    }
    let id = corpus
        .add_case(area, topic, imported.case.clone())
        .map_err(|p| Fatal::env(format!("cannot add the case: {p}")))?;
    out!(
        "added {id} to {}/cases/{area}/{topic}.json; `cargo test --test corpus` replays it",
        dir.display()
    );
    Ok(0)
}
