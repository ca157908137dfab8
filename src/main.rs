//! The `viewcheck` command line: run programs on a backend (`exec`), run the
//! differential campaign against NumPy (`check`), and compare the backends on
//! given programs (`diff`). See `README.md` for the reference.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use viewcheck::campaign::{Config, DEFAULT_FAILURES_DIR, DEFAULT_SEED};
use viewcheck::compare::Level;

/// `println!` that never panics: a closed standard output (e.g. `| head`)
/// ends the process quietly, any other write error with a message.
macro_rules! out {
    ($($arg:tt)*) => {
        if let Err(e) = {
            use std::io::Write as _;
            writeln!(std::io::stdout(), $($arg)*)
        } {
            $crate::output_failed(e)
        }
    };
}

/// `print!` that never panics (see [`out!`]).
macro_rules! out_raw {
    ($($arg:tt)*) => {
        if let Err(e) = {
            use std::io::Write as _;
            write!(std::io::stdout(), $($arg)*)
        } {
            $crate::output_failed(e)
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

mod cli;
use cli::*;

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
        #[command(flatten)]
        numpy: NumpyArgs,
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
        /// Generator: swarm testing, each program with its own random mix
        /// of ops and rates (`on` or `off`; default: the generator's).
        #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
        swarm: Option<bool>,
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
        #[command(flatten)]
        numpy: NumpyArgs,
        /// Run only shard I of N (1-based): the cases c with c % N == I - 1,
        /// so that N machines (a CI matrix) share one campaign.
        #[arg(long, value_name = "I/N", value_parser = parse_shard)]
        shard: Option<(u64, u64)>,
        /// Start no new case after this much time (`90s`, `10m`, `2h`, `1h30m`).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        time: Option<Duration>,
        /// Also write the campaign as JSON Lines (header, one line per
        /// failure, footer with counts) to FILE.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Worker processes running cases side by side: a number, or
        /// `auto` for one per available core. The results are the same for
        /// every N.
        #[arg(long, short, value_name = "N|auto", default_value = "1", value_parser = parse_jobs)]
        jobs: usize,
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
        #[command(flatten)]
        numpy: NumpyArgs,
        /// For each differing program, also print its buffer picture, a
        /// NumPy script and a viewcheck-arrays Rust snippet doing it.
        #[arg(long)]
        render: bool,
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
        #[command(flatten)]
        numpy: NumpyArgs,
        /// Comparison level.
        #[arg(long, value_enum, default_value_t = LevelArg::Exact)]
        level: LevelArg,
        /// The corpus directory.
        #[arg(long, default_value_os_t = viewcheck::corpus::default_dir())]
        corpus: PathBuf,
        /// Print every case, not only failures.
        #[arg(long, short)]
        verbose: bool,
        /// For every failing case, also print a picture of its buffers and
        /// its program as a NumPy script and as Rust code.
        #[arg(long)]
        render: bool,
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
        /// Compare with the answers recorded for this NumPy release (the
        /// cases whose `numpy` range includes it; default: the pin).
        #[arg(long, value_name = "VERSION", value_parser = parse_numpy)]
        answers: Option<String>,
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
        /// The NumPy release to record with (default: the pin). Only the
        /// cases whose `numpy` range includes it are recorded.
        #[arg(long, value_name = "VERSION", value_parser = parse_numpy)]
        numpy: Option<String>,
    },
    /// Re-run every case on the live NumPy oracle and list the ids whose
    /// recorded answer drifted, with diffs (exit 1 on drift).
    Verify {
        /// The corpus directory.
        #[arg(long, default_value_os_t = viewcheck::corpus::default_dir())]
        corpus: PathBuf,
        /// The NumPy release to verify against (default: the pin); cases
        /// whose `numpy` range excludes it are skipped and counted.
        #[arg(long, value_name = "VERSION", value_parser = parse_numpy)]
        numpy: Option<String>,
    },
    /// Run the corpus on several NumPy releases and say, per case, which
    /// releases its recorded answer holds for (same answer at exact level,
    /// same `numpy_deviation` marks); `--write` records that in the cases'
    /// `numpy` ranges, adds a variant case for each other answer and sets
    /// the releases of every rule in RULES.md.
    Matrix {
        /// Comma-separated releases, or `all` (1.24.4, 1.26.4, 2.0.0, 2.0.2,
        /// 2.1.3, 2.2.6, 2.3.5, 2.4.6). Each is provisioned like `--numpy`.
        #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = cli::matrix::parse_release)]
        numpy: Vec<String>,
        /// The corpus directory.
        #[arg(long, default_value_os_t = viewcheck::corpus::default_dir())]
        corpus: PathBuf,
        /// Write the ranges, variant cases and RULES.md releases.
        #[arg(long, conflicts_with = "check")]
        write: bool,
        /// Exit 1 if the corpus does not already say what the matrix found.
        #[arg(long)]
        check: bool,
        /// Time limit of one program, in seconds.
        #[arg(long, default_value_t = 10.0, value_parser = parse_seconds)]
        timeout: f64,
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
        /// The NumPy release whose answer is recorded (default: the pin).
        #[arg(long, value_name = "VERSION", value_parser = parse_numpy)]
        numpy: Option<String>,
    },
    /// Internal: serve the implementation protocol (docs/PROTOCOL.md) with
    /// a built-in backend on standard input/output. The other commands run
    /// their backends this way, as supervised child processes.
    #[command(hide = true)]
    Worker {
        /// The backend to serve.
        #[arg(long, value_enum)]
        backend: BackendArg,
        #[command(flatten)]
        numpy: NumpyArgs,
    },
    /// Internal: run the cases of campaign jobs (one a line of standard
    /// input) and stream the events to standard output (what `check`
    /// supervises).
    #[command(hide = true)]
    CheckWorker,
    /// Internal (feature `mutants`): measure the corpus and the campaign
    /// against every semantic mutant of viewcheck-arrays (DESIGN.md).
    #[cfg(feature = "mutants")]
    #[command(hide = true)]
    Mutants {
        /// Programs of each mutant's `check` campaign.
        #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..))]
        cases: u64,
        /// Seed of each campaign.
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
        /// Only these mutants (comma-separated names; default: the catalog).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// The CI subset; exit 1 if the corpus or the campaign misses any of it.
        #[arg(long, conflicts_with = "only")]
        ci: bool,
        /// Do not replay the corpus.
        #[arg(long)]
        skip_corpus: bool,
        /// Do not run campaigns.
        #[arg(long)]
        skip_check: bool,
        /// Where each mutant's reports and reproducers go.
        #[arg(long, default_value = "target/viewcheck-mutants")]
        work_dir: PathBuf,
        /// Print the catalog and exit.
        #[arg(long)]
        list: bool,
        /// Further arguments for every `check` (after `--`), e.g. generator knobs.
        #[arg(last = true)]
        check_args: Vec<String>,
    },
    /// Measure throughput: a plain-Python loop (bench/baseline.py), `exec`
    /// on both backends and `check` with 1..N workers, on the same
    /// generated programs (docs/BENCHMARK.md).
    #[command(hide = true)]
    Bench {
        /// Programs to generate and run.
        #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..))]
        programs: u64,
        /// Generator seed.
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
        /// Measure `check` with 1 to N workers.
        #[arg(long, default_value = "2", value_parser = parse_jobs)]
        jobs: usize,
        /// Rounds; each figure is the best of them.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=20))]
        repeat: u64,
        /// Where programs, outputs and bench.json go.
        #[arg(long, default_value = "target/viewcheck-bench")]
        dir: PathBuf,
        /// The Python running the baseline (default: the project's venv).
        #[arg(long)]
        python: Option<PathBuf>,
        /// The baseline script.
        #[arg(long, default_value_os_t = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/baseline.py")))]
        baseline: PathBuf,
    },
}

/// `--numpy` and `--writes`: which NumPy release runs, and how it writes.
#[derive(Args, Debug, Clone)]
struct NumpyArgs {
    /// The NumPy release to run, 1.24.0 to 2.4.x (default: the pin of
    /// oracle/requirements.txt), provisioned on first use in
    /// `.venv-numpy-VERSION` beside the project venv. With `--impl numpy`
    /// it is the release under test (the reference stays the pin);
    /// otherwise the oracle's.
    #[arg(long, value_name = "VERSION", value_parser = parse_numpy)]
    numpy: Option<String>,
    /// How NumPy performs writes: `documented` (format 1's semantics: the
    /// oracle's answers) or `raw` (what NumPy's own statements did; for
    /// NumPy under test, `--impl numpy`).
    #[arg(long, value_enum, default_value_t = WritesArg::Documented)]
    writes: WritesArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum WritesArg {
    /// The documented semantics (deviations marked `numpy_deviation`).
    Documented,
    /// What NumPy's statements did, unmarked.
    Raw,
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

/// Applies `--numpy` / `--writes`: to NumPy under test when
/// `implementation` is NumPy, else (if the command runs one) to the oracle.
/// Returns the releases that will run programs (`None`: the pin), so that
/// generated programs keep to what all of them support.
fn select_numpy(
    args: &NumpyArgs,
    implementation: Option<&mut ImplSpec>,
    uses_oracle: bool,
) -> Result<Vec<Option<String>>, Fatal> {
    let usage = |message: &str| Fatal {
        code: 2,
        message: message.to_owned(),
    };
    let raw = args.writes == WritesArg::Raw;
    let mut versions = Vec::new();
    match implementation {
        Some(ImplSpec::Numpy(run)) => {
            run.version = args.numpy.clone();
            run.raw_writes = raw;
            versions.push(args.numpy.clone());
        }
        _ => {
            if raw {
                return Err(usage(
                    "--writes raw is for NumPy under test: add --impl numpy (the oracle's answers \
                     are the documented semantics)",
                ));
            }
            if args.numpy.is_some() && !uses_oracle {
                return Err(usage(
                    "--numpy: this command runs no NumPy here; add --impl numpy to test a NumPy release",
                ));
            }
            oracle_numpy(args.numpy.as_deref())?;
        }
    }
    if uses_oracle {
        versions.push(
            std::env::var("VIEWCHECK_NUMPY")
                .ok()
                .filter(|v| !v.is_empty()),
        );
    }
    Ok(versions)
}

/// `--numpy` of the oracle: this process's and, through `VIEWCHECK_NUMPY`,
/// that of every worker it starts.
fn oracle_numpy(version: Option<&str>) -> Result<(), Fatal> {
    if let Some(v) = version {
        // Edition 2021: set_var is safe; main runs it before any thread or
        // child process exists.
        std::env::set_var("VIEWCHECK_NUMPY", v);
        request_numpy(Some(v))?;
    }
    Ok(())
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
            numpy,
            file,
            timeout,
        } => {
            let mut implementation = implementation.unwrap_or(match backend {
                Some(BackendArg::Numpy) => ImplSpec::Numpy(NumpyRun::default()),
                _ => ImplSpec::Strided,
            });
            select_numpy(&numpy, Some(&mut implementation), false).and_then(|_| {
                cli::exec::exec(
                    &implementation,
                    file.as_deref(),
                    Duration::from_secs_f64(timeout),
                )
            })
        }
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
            swarm,
            timeout,
            in_process,
            mut implementation,
            numpy,
            shard,
            time,
            report,
            jobs,
        } => select_numpy(&numpy, implementation.as_mut(), true).and_then(|versions| {
            generator_config(max_steps, max_ndim, max_extent, invalid_rate, swarm).and_then(
                |mut generator| {
                    generator.reshape_copy = versions
                        .iter()
                        .all(|v| numpy_has_reshape_copy(v.as_deref()));
                    cli::check::check(
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
                                Some(ImplSpec::Numpy(run)) => {
                                    Some(own_worker_line("numpy", &run.worker_args()))
                                }
                                Some(ImplSpec::Cmd(line)) => Some(line),
                            },
                            shard: shard.unwrap_or((0, 1)),
                            time,
                            jobs,
                        },
                        quiet,
                        in_process,
                        report.as_deref(),
                    )
                },
            )
        }),
        Command::Diff {
            file,
            level,
            show,
            timeout,
            implementation,
            numpy,
            render,
        } => {
            let mut implementation = implementation.unwrap_or(ImplSpec::Strided);
            select_numpy(&numpy, Some(&mut implementation), true).and_then(|_| {
                cli::diff::diff(
                    &file,
                    level.into(),
                    show,
                    Duration::from_secs_f64(timeout),
                    &implementation,
                    render,
                )
            })
        }
        Command::Validate { corpus } => cli::validate::validate(&corpus),
        Command::Replay {
            backend,
            implementation,
            numpy,
            level,
            corpus,
            verbose,
            render,
            expectations,
            strict,
            write_expectations,
            report,
            timeout,
            answers,
        } => {
            let mut implementation = implementation.unwrap_or(match backend {
                Some(BackendArg::Numpy) => ImplSpec::Numpy(NumpyRun::default()),
                _ => ImplSpec::InProcessStrided,
            });
            select_numpy(&numpy, Some(&mut implementation), false).and_then(|_| {
                cli::replay::replay(cli::replay::ReplayArgs {
                    implementation,
                    level: level.into(),
                    corpus,
                    verbose,
                    render,
                    expectations,
                    strict,
                    write_expectations,
                    report,
                    timeout: Duration::from_secs_f64(timeout),
                    answers,
                })
            })
        }
        Command::Record {
            all,
            ids,
            corpus,
            numpy,
        } => oracle_numpy(numpy.as_deref()).and_then(|_| cli::record::record(all, &ids, &corpus)),
        Command::Matrix {
            numpy,
            corpus,
            write,
            check,
            timeout,
        } => cli::matrix::matrix(cli::matrix::MatrixArgs {
            releases: numpy,
            corpus,
            write,
            check,
            timeout: Duration::from_secs_f64(timeout),
        }),
        Command::Verify { corpus, numpy } => {
            oracle_numpy(numpy.as_deref()).and_then(|_| cli::verify::verify(&corpus))
        }
        Command::ImportCrash {
            artifact,
            kind,
            area,
            topic,
            corpus,
            dry_run,
            numpy,
        } => oracle_numpy(numpy.as_deref()).and_then(|_| {
            cli::import_crash::import_crash(&artifact, kind, &area, &topic, &corpus, dry_run)
        }),
        Command::Worker { backend, numpy } => cli::worker::serve_worker(
            backend,
            &NumpyRun {
                version: numpy.numpy,
                raw_writes: numpy.writes == WritesArg::Raw,
            },
        ),
        Command::CheckWorker => cli::worker::serve_check_worker(),
        Command::Bench {
            programs,
            seed,
            jobs,
            repeat,
            dir,
            python,
            baseline,
        } => cli::bench::bench(cli::bench::BenchArgs {
            programs,
            seed,
            jobs,
            dir,
            python,
            baseline,
            repeat: repeat as usize,
        }),
        #[cfg(feature = "mutants")]
        Command::Mutants {
            cases,
            seed,
            only,
            ci,
            skip_corpus,
            skip_check,
            work_dir,
            list,
            check_args,
        } => cli::mutants::mutants(cli::mutants::MutantsArgs {
            cases,
            seed,
            only,
            ci,
            skip_corpus,
            skip_check,
            work_dir,
            check_args,
            list,
        }),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("viewcheck: {}", f.message.trim_end());
            ExitCode::from(f.code)
        }
    }
}
