//! Pieces the commands share: which backend or implementation to run, how to start it, reading programs and corpora.

use std::io::BufRead;
use std::path::Path;
use std::time::Duration;

use viewcheck::backend::Backend;
use viewcheck::format::{Program, MAX_LINE_BYTES};
use viewcheck::protocol::{ProcessBackend, WorkerCommand};
use viewcheck::supervise::{read_bounded_line, BoundedLine};

use crate::{BackendArg, Fatal};

pub(crate) mod bench;
pub(crate) mod check;
pub(crate) mod diff;
pub(crate) mod exec;
pub(crate) mod import_crash;
pub(crate) mod matrix;
#[cfg(feature = "mutants")]
pub(crate) mod mutants;
pub(crate) mod record;
pub(crate) mod replay;
pub(crate) mod validate;
pub(crate) mod verify;
pub(crate) mod worker;

/// `--shard I/N`: 1 <= I <= N, returned 0-based.
pub(crate) fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("`{s}`: expected I/N with 1 <= I <= N, e.g. 2/4");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let i: u64 = i.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if i == 0 || n == 0 || i > n {
        return Err(bad());
    }
    Ok((i - 1, n))
}

/// `--jobs N|auto`: 1 <= N <= 256, or one per available core.
pub(crate) fn parse_jobs(s: &str) -> Result<usize, String> {
    if s == "auto" {
        return Ok(std::thread::available_parallelism().map_or(1, |n| n.get().min(256)));
    }
    match s.parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{s}`: expected a number of workers from 1 to 256, or `auto` (one per core)"
        )),
    }
}

/// `--time DURATION`: `90`, `90s`, `10m`, `2h`, `1h30m`.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("`{s}`: expected a duration such as 90s, 10m, 2h or 1h30m");
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let (mut total, mut number) = (0u64, String::new());
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let n: u64 = number.parse().map_err(|_| bad())?;
        total = total
            .checked_add(n.checked_mul(unit).ok_or_else(bad)?)
            .ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() || total == 0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

/// What `--impl` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ImplSpec {
    /// The strided crate in this process (the default of `replay`: no
    /// process boundary, hundreds of thousands of cases per second).
    InProcessStrided,
    /// The strided crate in a supervised worker.
    Strided,
    /// NumPy in a supervised worker: the release and write mode of
    /// `--numpy` / `--writes`.
    Numpy(NumpyRun),
    /// Any program speaking the protocol (docs/PROTOCOL.md), run with `sh -c`.
    Cmd(String),
}

pub(crate) fn parse_impl(s: &str) -> Result<ImplSpec, String> {
    match s {
        "strided" => Ok(ImplSpec::Strided),
        "numpy" => Ok(ImplSpec::Numpy(NumpyRun::default())),
        _ => match s.strip_prefix("cmd:") {
            Some(c) if !c.trim().is_empty() => Ok(ImplSpec::Cmd(c.to_string())),
            _ => Err(format!(
                "`{s}`: expected `strided`, `numpy` or `cmd:<command line>`"
            )),
        },
    }
}

/// How a NumPy under test runs: `--numpy VERSION` (default: the oracle's
/// own choice, the pin) and `--writes`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NumpyRun {
    pub(crate) version: Option<String>,
    pub(crate) raw_writes: bool,
}

impl NumpyRun {
    /// The arguments of `viewcheck worker --backend numpy` that select it.
    pub(crate) fn worker_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(v) = &self.version {
            args.extend(["--numpy".to_owned(), v.clone()]);
        }
        if self.raw_writes {
            args.extend(["--writes".to_owned(), "raw".to_owned()]);
        }
        args
    }
}

/// `--numpy VERSION`: an exact release the executor supports.
pub(crate) fn parse_numpy(s: &str) -> Result<String, String> {
    let exact = s.split('.').count() == 3 && s.split('.').all(|p| p.parse::<u64>().is_ok());
    if !exact {
        return Err(format!(
            "`{s}`: name an exact NumPy release, e.g. 2.0.0 or 1.26.4"
        ));
    }
    check_supported(s)?;
    Ok(s.to_owned())
}

#[cfg(feature = "oracle")]
fn check_supported(s: &str) -> Result<(), String> {
    viewcheck_oracle::check_supported_numpy(s)
}

#[cfg(not(feature = "oracle"))]
fn check_supported(_: &str) -> Result<(), String> {
    Ok(())
}

/// Whether NumPy `version` (`None`: the pin) has `reshape(copy=...)`
/// (added in 2.1): the generator leaves the keyword out before.
pub(crate) fn numpy_has_reshape_copy(version: Option<&str>) -> bool {
    let Some(v) = version else { return true };
    let mut parts = v.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (2, 1)
}

/// The shell command line of this executable's own protocol worker.
pub(crate) fn own_worker_line(backend: &str, extra: &[String]) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "viewcheck".into());
    let mut line = format!("{} worker --backend {backend}", quote(&exe));
    for arg in extra {
        line.push(' ');
        line.push_str(&quote(arg));
    }
    line
}

/// The implementation of `spec` in a supervised process.
pub(crate) fn impl_backend(spec: &ImplSpec, timeout: Duration) -> Result<ProcessBackend, Fatal> {
    match spec {
        ImplSpec::InProcessStrided | ImplSpec::Strided => {
            process_backend(BackendArg::Strided, timeout)
        }
        ImplSpec::Numpy(run) => {
            numpy_backend("this command")?;
            let command = WorkerCommand::this_executable(
                &[&["worker", "--backend", "numpy"][..], &str_refs(&run.worker_args())].concat(),
            )
            .map_err(|e| Fatal::env(format!("cannot find the viewcheck executable: {e}")))?;
            ProcessBackend::start("numpy", command, timeout).map_err(|e| start_failure("numpy", &e))
        }
        ImplSpec::Cmd(line) => ProcessBackend::start_shell(line, timeout).map_err(|e| {
            Fatal::env(format!(
                "cannot start the implementation `{line}`:\n{e}\nFix: check that the command runs and speaks the protocol of docs/PROTOCOL.md (it must answer {{\"type\":\"start\",\"protocol\":1}})."
            ))
        }),
    }
}

fn str_refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A number of seconds for `--timeout`: positive and at most a day.
pub(crate) fn parse_on_off(s: &str) -> Result<bool, String> {
    match s {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("`{s}` is not `on` or `off`")),
    }
}

pub(crate) fn parse_seconds(s: &str) -> Result<f64, String> {
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

/// A command run with `>&-` must not "succeed" having shown nothing. Rust
/// reopens closed standard descriptors on `/dev/null` (read-write) at
/// start-up and its standard output then swallows every write, so that is
/// what a closed standard output looks like here; a shell's `>/dev/null`
/// opens it write-only.
pub(crate) fn stdout_is_open() -> Result<(), Fatal> {
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
pub(crate) fn generator_config(
    max_steps: Option<usize>,
    max_ndim: Option<usize>,
    max_extent: Option<usize>,
    invalid_rate: Option<f64>,
    swarm: Option<bool>,
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
        // An explicit --max-steps is the length of every program.
        short_steps: max_steps.unwrap_or(d.short_steps),
        swarm: swarm.unwrap_or(d.swarm),
        max_ndim: max_ndim.unwrap_or(d.max_ndim),
        max_extent: max_extent.unwrap_or(d.max_extent),
        invalid_rate: invalid_rate.unwrap_or(d.invalid_rate),
        ..d
    })
}

/// The worker command of a built-in backend: this executable's `worker`.
pub(crate) fn worker_command(backend: BackendArg) -> Result<WorkerCommand, Fatal> {
    let name = match backend {
        BackendArg::Strided => "strided",
        BackendArg::Numpy => "numpy",
    };
    WorkerCommand::this_executable(&["worker", "--backend", name])
        .map_err(|e| Fatal::env(format!("cannot find the viewcheck executable: {e}")))
}

/// A built-in backend in a supervised worker process, handshake done.
pub(crate) fn process_backend(
    backend: BackendArg,
    timeout: Duration,
) -> Result<ProcessBackend, Fatal> {
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
pub(crate) fn start_failure(name: &str, e: &viewcheck::protocol::StartError) -> Fatal {
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

/// The embedded NumPy of a worker process.
/// `raw_writes`: NumPy under test (`--writes raw`), else the oracle's
/// documented writes.
#[cfg(feature = "oracle")]
pub(crate) fn in_process_numpy(
    raw_writes: bool,
) -> Result<(Box<dyn Backend>, viewcheck::protocol::Implementation), Fatal> {
    let b = viewcheck::backend::NumpyBackend::new()
        .map_err(|e| Fatal::env(format!("cannot start the NumPy oracle.\n{}", e.message)))?;
    let implementation = viewcheck::protocol::Implementation {
        name: "numpy".into(),
        version: b.numpy_version(),
        language: "python".into(),
    };
    if raw_writes {
        return Ok((
            Box::new(viewcheck::backend::RawNumpyBackend),
            implementation,
        ));
    }
    Ok((Box::new(b), implementation))
}

#[cfg(not(feature = "oracle"))]
pub(crate) fn in_process_numpy(
    _raw_writes: bool,
) -> Result<(Box<dyn Backend>, viewcheck::protocol::Implementation), Fatal> {
    Err(numpy_backend("`worker --backend numpy`")
        .err()
        .unwrap_or_else(|| Fatal::env("no oracle")))
}

/// Asks this process's oracle for NumPy `version` (before it starts).
#[cfg(feature = "oracle")]
pub(crate) fn request_numpy(version: Option<&str>) -> Result<(), Fatal> {
    match version {
        Some(v) => viewcheck_oracle::request_numpy(v).map_err(|e| Fatal {
            code: 2,
            message: format!("--numpy {v}: {e}"),
        }),
        None => Ok(()),
    }
}

#[cfg(not(feature = "oracle"))]
pub(crate) fn request_numpy(version: Option<&str>) -> Result<(), Fatal> {
    match version {
        Some(_) => numpy_backend("--numpy"),
        None => Ok(()),
    }
}

/// Refuses NumPy in a build without the oracle.
#[cfg(feature = "oracle")]
pub(crate) fn numpy_backend(what: &str) -> Result<(), Fatal> {
    let _ = what;
    Ok(())
}

/// Refuses NumPy in a build without the oracle.
#[cfg(not(feature = "oracle"))]
pub(crate) fn numpy_backend(what: &str) -> Result<(), Fatal> {
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
pub(crate) fn numpy_description() -> String {
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
pub(crate) fn numpy_description() -> String {
    "NumPy unavailable".into()
}

pub(crate) fn read_input(file: Option<&Path>) -> Result<Box<dyn BufRead>, Fatal> {
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

pub(crate) fn write_err(e: std::io::Error) -> Fatal {
    crate::output_failed(e)
}

pub(crate) fn rate(n: u64, t: Duration) -> String {
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

/// One program of a file: its line number and the parse result.
pub(crate) type Numbered = (usize, Result<Program, String>);

/// The programs of a file: one JSON document, or JSON Lines (each line at
/// most [`MAX_LINE_BYTES`] long; a document only if the whole file is).
pub(crate) fn read_programs(path: &Path) -> Result<Vec<Numbered>, Fatal> {
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

pub(crate) fn load_corpus(dir: &Path) -> Result<viewcheck::corpus::Corpus, Fatal> {
    viewcheck::corpus::Corpus::load(dir).map_err(|problems| {
        Fatal::env(format!(
            "cannot load the corpus at {}:\n{problems}",
            dir.display()
        ))
    })
}

/// The NumPy version whose answers the corpus records (the pin).
pub(crate) fn viewcheck_oracle_pin() -> &'static str {
    "2.4.6"
}
