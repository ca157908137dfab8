//! `check` as a supervisor and its workers.
//!
//! The worker (`viewcheck check-worker`, [`serve`]) runs cases exactly as
//! the in-process loop does — NumPy embedded, the strided crate linked in,
//! no serialization between them — and streams [`Event`]s to its standard
//! output. The supervisor ([`run_supervised`]) only reads those events,
//! writes reproducers and keeps the tally. When the worker dies (a NumPy
//! segfault, an abort, a panic outside the backends' guards) or sends
//! nothing within the time limit (a hang in either backend, the generator or
//! the reducer), the supervisor records a crash or timeout finding for the
//! case in flight, with its program, and starts a new worker at the next
//! case. Cases are a pure function of `(seed, case)`, so a restarted worker
//! makes exactly the programs the old one would have.
//!
//! With `--jobs N` there are N workers, each supervised by a thread of its
//! own (`slot`) that runs blocks of consecutive cases (`run_block`);
//! the blocks are merged in case order (`Merge`), so that the results do
//! not depend on N. The worker's side is in `worker.rs`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::wire::{parse_message, Job, Message};
pub use super::worker::serve;
use super::{Config, Event, FailureKind, Progress, Report, Tally};
use crate::compare::Difference;
use crate::protocol::{StartError, WorkerCommand, MAX_MESSAGE_BYTES, START_TIMEOUT};
use crate::supervise::{interrupted, Fault, Worker};

/// What the case in flight is doing, to name the culprit of a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Generate,
    Expected,
    Got,
    Shrink,
}

/// The signal number behind [`interrupted`].
fn interrupt_signal() -> i32 {
    crate::supervise::interrupt_signal().unwrap_or(2)
}

/// How many cases a worker reruns carefully after a fault it could not pin
/// on a case: more than a worker finishes between two batches.
const CAREFUL_WINDOW: u64 = 256;

/// A fault seen in fast mode, waiting to be pinned by a careful rerun.
struct Suspect {
    fault: Fault,
    first: u64,
}

/// How many cases a block has: small enough that `jobs` workers finish
/// together (a few dozen blocks each), big enough that handing one out
/// (a job line and its answer) costs nothing against running it.
fn block_size(planned: u64, jobs: usize) -> u64 {
    planned.div_ceil(jobs as u64 * 16).clamp(1, 64)
}

/// The cases of a campaign (of its shard), cut into consecutive blocks.
#[derive(Clone, Copy, Debug)]
struct Blocks {
    offset: u64,
    stride: u64,
    planned: u64,
    size: u64,
}

impl Blocks {
    fn count(&self) -> usize {
        self.planned.div_ceil(self.size) as usize
    }

    /// The first case of block `j` and the end of its cases (exclusive).
    fn range(&self, j: usize) -> (u64, u64) {
        let k0 = j as u64 * self.size;
        let k1 = (k0 + self.size).min(self.planned);
        (
            self.offset + k0 * self.stride,
            self.offset + (k1 - 1) * self.stride + 1,
        )
    }
}

/// What the worker slots (threads) and the merging thread share.
struct Shared<'a> {
    config: &'a Config,
    command: &'a WorkerCommand,
    blocks: Blocks,
    next_block: AtomicUsize,
    /// The case of the `--max-failures`-th failure in case order, once
    /// known (`u64::MAX` before): nothing after it is wanted.
    cut: AtomicU64,
    /// A worker could not be restarted: start no new block.
    halt: AtomicBool,
    out_of_time: AtomicBool,
    interrupted: AtomicBool,
    /// Cases finished and failures found so far, for progress.
    done: AtomicU64,
    found: AtomicUsize,
    started: Instant,
}

impl Shared<'_> {
    fn cut(&self) -> u64 {
        self.cut.load(Ordering::SeqCst)
    }

    fn time_is_up(&self) -> bool {
        self.config
            .time
            .is_some_and(|t| self.started.elapsed() >= t)
    }
}

/// What a worker slot tells the merging thread.
enum Note {
    /// The first worker answered its first job.
    Started { oracle: String, got: String },
    /// The first worker could not start.
    StartFailed(StartError),
    /// Block `block` has a new failure, of case `case`.
    Found { block: usize, case: u64 },
    /// Block `block` is over (or stopped): its tally, and the case in
    /// flight at each restart of its worker.
    Block {
        block: usize,
        tally: Box<Tally>,
        restarts: Vec<u64>,
    },
    /// The slot ends.
    Exit,
}

/// Runs the campaign of `config` in `config.jobs` worker processes started
/// with `command` (which must run [`serve`]). `Err` only if the first
/// worker cannot start (e.g. NumPy is missing): that is an environment
/// problem, not a finding.
///
/// The cases are cut into blocks that idle workers take in order; each
/// block's events are kept apart and the blocks are merged in case order,
/// so the failures, reproducers and counts do not depend on the number of
/// workers (only times do). With `--max-failures`, the campaign keeps
/// exactly the cases up to the failure that reaches the limit, in case
/// order: failures other workers found past it are dropped, reproducers
/// included, as if those cases had not run (which they would not have with
/// one worker).
///
/// Workers send finished cases in batches; a crash or hang between two
/// batches is not yet pinned on a case, so the cases after the last batch
/// are run again *carefully* (every event at once, with its program) by a
/// new worker, which fails again on the same case if the fault is
/// deterministic, and this time says which case and which backend.
pub fn run_supervised(
    config: &Config,
    command: &WorkerCommand,
    on_start: &mut dyn FnMut(&str, &str),
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, StartError> {
    let planned = config.planned();
    let jobs = config.jobs.max(1);
    let blocks = Blocks {
        offset: config.shard.0,
        stride: config.shard.1.max(1),
        planned,
        size: block_size(planned, jobs),
    };
    let shared = Shared {
        config,
        command,
        blocks,
        next_block: AtomicUsize::new(0),
        cut: AtomicU64::new(u64::MAX),
        halt: AtomicBool::new(false),
        out_of_time: AtomicBool::new(false),
        interrupted: AtomicBool::new(false),
        done: AtomicU64::new(0),
        found: AtomicUsize::new(0),
        started: Instant::now(),
    };
    let mut merge = Merge::new(config);
    if blocks.count() == 0 {
        return Ok(merge.finish(&shared));
    }
    let slots = jobs.min(blocks.count());
    let (tx, rx) = mpsc::channel::<Note>();
    std::thread::scope(|scope| {
        let shared = &shared;
        {
            let tx = tx.clone();
            scope.spawn(move || slot(shared, tx, true));
        }
        let mut running = 1;
        let mut more = Some(slots - 1);
        let mut start_error = None;
        while running > 0 {
            let note = match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(n) => Some(n),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            };
            match note {
                Some(Note::Started { oracle, got }) => {
                    merge.report.got_name = got.clone();
                    on_start(&oracle, &got);
                    // The first worker provisioned NumPy if it had to; the
                    // others start now, side by side.
                    for _ in 0..more.take().unwrap_or(0) {
                        let tx = tx.clone();
                        running += 1;
                        scope.spawn(move || slot(shared, tx, false));
                    }
                }
                Some(Note::StartFailed(e)) => start_error = Some(e),
                Some(Note::Found { block, case }) => merge.live(shared, block, case),
                Some(Note::Block {
                    block,
                    tally,
                    restarts,
                }) => merge.block(shared, block, (*tally, restarts)),
                Some(Note::Exit) => running -= 1,
                None => {}
            }
            if merge.report.got_name.is_empty() && start_error.is_none() {
                continue;
            }
            progress(Progress {
                done: shared.done.load(Ordering::SeqCst),
                cases: planned,
                failures: shared.found.load(Ordering::SeqCst),
                elapsed: shared.started.elapsed(),
            });
        }
        drop(tx);
        match start_error {
            Some(e) => Err(e),
            None => Ok(merge.finish(shared)),
        }
    })
}

/// Puts the blocks together in case order.
struct Merge {
    report: Report,
    /// Blocks that ended before an earlier one.
    waiting: BTreeMap<usize, (Tally, Vec<u64>)>,
    /// The first block not merged yet.
    next: usize,
    /// Failures in the blocks merged so far.
    failures: usize,
    /// Failure cases already reported by blocks still running.
    live: BTreeMap<usize, Vec<u64>>,
}

impl Merge {
    fn new(config: &Config) -> Merge {
        let mut report = Report::empty(config, "numpy", "strided");
        report.got_name.clear();
        Merge {
            report,
            waiting: BTreeMap::new(),
            next: 0,
            failures: 0,
            live: BTreeMap::new(),
        }
    }

    fn max(&self) -> usize {
        self.report.config.max_failures
    }

    /// Sets the cut at the `max`-th failure if `cases` (the failure cases
    /// of block `self.next`, in order) reach it.
    fn try_cut(&self, shared: &Shared, cases: &[u64]) {
        let max = self.max();
        if max == 0 || shared.cut() != u64::MAX {
            return;
        }
        if self.failures + cases.len() >= max {
            let mut sorted = cases.to_vec();
            sorted.sort_unstable();
            shared
                .cut
                .store(sorted[max - self.failures - 1], Ordering::SeqCst);
        }
    }

    fn live(&mut self, shared: &Shared, block: usize, case: u64) {
        self.live.entry(block).or_default().push(case);
        if block == self.next {
            self.try_cut(shared, &self.live[&block]);
        }
    }

    fn block(&mut self, shared: &Shared, block: usize, result: (Tally, Vec<u64>)) {
        self.waiting.insert(block, result);
        while let Some(t) = self.waiting.remove(&self.next) {
            self.live.remove(&self.next);
            let cases: Vec<u64> = t.0.report.failures.iter().map(|f| f.case).collect();
            self.try_cut(shared, &cases);
            self.failures += cases.len();
            self.absorb(shared, t);
            self.next += 1;
            if let Some(l) = self.live.get(&self.next) {
                self.try_cut(shared, l);
            }
        }
    }

    /// Adds a block's cases up to the cut to the report; drops the rest,
    /// with their reproducers.
    fn absorb(&mut self, shared: &Shared, (t, restarts): (Tally, Vec<u64>)) {
        let cut = shared.cut();
        let r = &mut self.report;
        for s in t.segments.into_iter().filter(|s| s.through <= cut) {
            r.add_batch(s);
        }
        r.restarts += restarts.iter().filter(|&&c| c <= cut).count() as u64;
        for f in t.report.failures {
            if f.case <= cut {
                r.failures.push(f);
            } else if let Some(dir) = &r.config.failures_dir {
                let _ = std::fs::remove_file(super::engine::unshrunk_path(dir, &f));
                let _ = std::fs::remove_file(super::reproducer_path(dir, &f));
            }
        }
    }

    fn finish(mut self, shared: &Shared) -> Report {
        // Blocks that a stop left behind an unfinished one.
        for (_, t) in std::mem::take(&mut self.waiting) {
            self.absorb(shared, t);
        }
        let cut = shared.cut();
        let r = &mut self.report;
        if r.got_name.is_empty() {
            r.got_name = "strided".into();
        }
        r.failures.sort_by_key(|f| f.case);
        if cut != u64::MAX {
            r.stopped_early = cut + shared.blocks.stride < r.config.cases;
        }
        r.out_of_time =
            shared.out_of_time.load(Ordering::SeqCst) && r.cases_run < r.config.planned();
        if shared.interrupted.load(Ordering::SeqCst) {
            r.interrupted = Some(interrupt_signal());
        }
        r.total_time = shared.started.elapsed();
        self.report
    }
}

/// One worker slot: takes blocks in order and runs them in its worker
/// process (kept from block to block, replaced after a fault).
fn slot(shared: &Shared, tx: mpsc::Sender<Note>, first: bool) {
    let mut worker: Option<Worker> = None;
    let mut started = !first;
    loop {
        if shared.halt.load(Ordering::SeqCst) {
            break;
        }
        if interrupted() {
            shared.interrupted.store(true, Ordering::SeqCst);
            break;
        }
        if shared.time_is_up() {
            shared.out_of_time.store(true, Ordering::SeqCst);
            break;
        }
        let block = shared.next_block.fetch_add(1, Ordering::SeqCst);
        if block >= shared.blocks.count() {
            break;
        }
        let (first_case, end) = shared.blocks.range(block);
        if first_case > shared.cut() {
            break;
        }
        match run_block(
            shared,
            &mut worker,
            block,
            first_case,
            end,
            &tx,
            &mut started,
        ) {
            Ok((tally, restarts)) => {
                let _ = tx.send(Note::Block {
                    block,
                    tally: Box::new(tally),
                    restarts,
                });
            }
            Err(e) => {
                let _ = tx.send(Note::StartFailed(e));
                shared.halt.store(true, Ordering::SeqCst);
                break;
            }
        }
    }
    if let Some(mut w) = worker {
        // End of input: the worker exits by itself.
        w.finish(Duration::from_secs(2));
    }
    let _ = tx.send(Note::Exit);
}

/// Gives `worker` (started if there is none) the job, and waits for its
/// hello.
fn begin(
    shared: &Shared,
    worker: &mut Option<Worker>,
    job: &Job,
    echo: bool,
) -> Result<(String, String), StartError> {
    if let Some(mut w) = worker.take() {
        let line = w
            .send(&job.to_line())
            .and_then(|_| w.recv(shared.config.timeout));
        if let Ok(Ok(Message::Hello { oracle, got })) = line.as_deref().map(parse_message) {
            *worker = Some(w);
            return Ok((oracle, got));
        }
        // Gone between two jobs: a fresh one below.
    }
    let (w, oracle, got) = start_worker(shared.command, job, echo)?;
    *worker = Some(w);
    Ok((oracle, got))
}

/// Runs the cases `first, first + stride, ...` below `end` (block `block`).
/// `Err` only if the campaign's very first worker cannot start.
#[allow(clippy::too_many_arguments)]
fn run_block(
    shared: &Shared,
    slot_worker: &mut Option<Worker>,
    block: usize,
    first: u64,
    end: u64,
    tx: &mpsc::Sender<Note>,
    started: &mut bool,
) -> Result<(Tally, Vec<u64>), StartError> {
    let config = shared.config;
    let mut restarts = Vec::new();
    let stride = shared.blocks.stride;
    let mut tally = Tally::new(config, "numpy", "strided");
    let mut next = first;
    let mut careful_until = 0u64;
    let mut suspect: Option<Suspect> = None;
    // Failures and cases already told to the merging thread.
    let (mut told_failures, mut told_cases) = (0usize, 0u64);
    let mut tell = |tally: &Tally| {
        for f in &tally.report.failures[told_failures..] {
            let _ = tx.send(Note::Found {
                block,
                case: f.case,
            });
            shared.found.fetch_add(1, Ordering::SeqCst);
        }
        told_failures = tally.report.failures.len();
        let n = tally.report.cases_run;
        shared
            .done
            .fetch_add(n.saturating_sub(told_cases), Ordering::SeqCst);
        told_cases = told_cases.max(n);
    };
    'workers: while next < end {
        if next > shared.cut() {
            break;
        }
        if interrupted() {
            shared.interrupted.store(true, Ordering::SeqCst);
            break;
        }
        let job = Job {
            seed: config.seed,
            level: config.level,
            first: next,
            end,
            stride,
            careful_until,
            implementation: config.implementation.clone(),
            // A little less than the supervisor's own limit, so that a hang
            // of the implementation is the worker's finding (and the worker
            // goes on), not a timeout of the worker.
            impl_timeout_ms: (config.timeout.as_millis() as u64).saturating_mul(3) / 4,
            generator: config.generator.clone(),
        };
        match begin(shared, slot_worker, &job, !*started) {
            Ok((oracle, got)) => {
                if !*started {
                    let _ = tx.send(Note::Started {
                        oracle,
                        got: got.clone(),
                    });
                }
                *started = true;
                tally.report.got_name = got;
            }
            Err(e) if !*started => return Err(e),
            Err(e) => {
                // A worker that started before and no longer does: the case
                // it would have run is charged with it, and the campaign
                // stops (every further start would fail the same way).
                tally.fault(
                    next,
                    FailureKind::Crash {
                        backend: "numpy".into(),
                    },
                    vec![fault_diff(&format!(
                        "the worker could not be restarted: {e}"
                    ))],
                );
                shared.halt.store(true, Ordering::SeqCst);
                tell(&tally);
                break;
            }
        }
        let mut worker = slot_worker.take().expect("begin started a worker");
        // What the case in flight is doing; `None` while that is not known
        // (fast mode between batches).
        let mut phase = if next < careful_until {
            Some(Phase::Generate)
        } else {
            None
        };
        let mut in_flight = next;
        loop {
            let stop = || interrupted() || first > shared.cut();
            let got = worker.recv_or_interrupt(config.timeout, &stop);
            let fault = match got {
                None => {
                    worker.kill();
                    if interrupted() {
                        shared.interrupted.store(true, Ordering::SeqCst);
                    }
                    // Keeps a failure being shrunk (past the cut it is
                    // dropped with its block).
                    tally.fault(in_flight, FailureKind::Interrupted, Vec::new());
                    tell(&tally);
                    break 'workers;
                }
                Some(Err(fault)) => Some(fault),
                Some(Ok(line)) => match parse_message(&line) {
                    Ok(Message::Event(event)) => {
                        match &event {
                            Event::Case { case, .. } => {
                                in_flight = *case;
                                phase = Some(Phase::Expected);
                            }
                            Event::Got { .. } => phase = Some(Phase::Got),
                            Event::Found(f) => {
                                in_flight = f.case;
                                phase = Some(Phase::Shrink);
                            }
                            Event::Failed(_) => {
                                phase = (in_flight < careful_until).then_some(Phase::Shrink);
                            }
                            Event::Batch(b) => {
                                in_flight = b.through + stride;
                                next = b.through + stride;
                                phase = (in_flight < careful_until).then_some(Phase::Generate);
                            }
                            Event::Alive { .. } | Event::Done { .. } => {}
                        }
                        let batch_end = match &event {
                            Event::Batch(b) => Some(b.through),
                            _ => None,
                        };
                        tally.apply(event);
                        tell(&tally);
                        if let Some(through) = batch_end {
                            if let Some(s) = suspect.take() {
                                if through + 1 >= careful_until {
                                    // The careful rerun went past the window
                                    // without failing: not reproducible.
                                    unpinned(&mut tally, s, through);
                                    tell(&tally);
                                } else {
                                    suspect = Some(s);
                                }
                            }
                            if through >= shared.cut() {
                                // The cut is reached: nothing after it counts.
                                worker.kill();
                                break 'workers;
                            }
                            if shared.time_is_up() {
                                worker.kill();
                                shared.out_of_time.store(true, Ordering::SeqCst);
                                break 'workers;
                            }
                        }
                        None
                    }
                    Ok(Message::End) => {
                        if let Some(s) = suspect.take() {
                            unpinned(&mut tally, s, end.saturating_sub(1));
                            tell(&tally);
                        }
                        // The worker waits for its next job.
                        *slot_worker = Some(worker);
                        break 'workers;
                    }
                    Ok(Message::Hello { .. }) => None,
                    Err(problem) => {
                        worker.kill();
                        Some(Fault::Protocol {
                            message: problem,
                            stderr: worker.stderr_tail(),
                        })
                    }
                },
            };
            let Some(fault) = fault else { continue };
            tally.report.restarts += 1;
            restarts.push(if phase.is_some() { in_flight } else { next });
            match phase {
                Some(phase) => {
                    let got = tally.report.got_name.clone();
                    let (kind, what) = culprit(phase, &fault, &got);
                    tally.fault(
                        in_flight,
                        kind,
                        vec![fault_diff(&format!("{what}: {fault}"))],
                    );
                    tell(&tally);
                    suspect = None;
                    next = in_flight + stride;
                    careful_until = 0;
                }
                None => {
                    // Not pinned yet: rerun the unreported cases carefully.
                    suspect = Some(Suspect { fault, first: next });
                    careful_until = next + CAREFUL_WINDOW * stride;
                }
            }
            // The dead worker is dropped here; a new one starts above.
            continue 'workers;
        }
    }
    Ok((tally, restarts))
}

/// Records a fault that a careful rerun of cases `s.first..=through` did
/// not reproduce.
fn unpinned(tally: &mut Tally, s: Suspect, through: u64) {
    let kind = match s.fault {
        Fault::Timeout { .. } => FailureKind::Timeout {
            backend: "unknown".into(),
        },
        _ => FailureKind::Crash {
            backend: "unknown".into(),
        },
    };
    let text = format!(
        "the worker failed while running one of cases {}..={through}, but not when they were run again one by one (a flaky fault): {}",
        s.first, s.fault
    );
    tally.report.cases_run = tally.report.cases_run.saturating_sub(1);
    tally.fault(s.first, kind, vec![fault_diff(&text)]);
    // Its cases were counted by their batches.
    if let Some(last) = tally.segments.last_mut() {
        last.cases = 0;
    }
}

/// The kind of finding a fault is, and the words for it, given what the
/// case was doing.
fn culprit(phase: Phase, fault: &Fault, got: &str) -> (FailureKind, &'static str) {
    let timeout = matches!(fault, Fault::Timeout { .. });
    let on = |backend: &str| {
        let backend = backend.to_string();
        if timeout {
            FailureKind::Timeout { backend }
        } else {
            FailureKind::Crash { backend }
        }
    };
    match phase {
        Phase::Generate => (
            FailureKind::Generator,
            "the worker failed while generating the program (the generator runs the strided crate)",
        ),
        Phase::Expected => (on("numpy"), "the worker failed while NumPy ran the program"),
        Phase::Got => (
            on(got),
            "the worker failed while the implementation under test ran the program",
        ),
        Phase::Shrink => (on("numpy"), "the worker failed while shrinking"),
    }
}

fn fault_diff(text: &str) -> Difference {
    Difference {
        path: "backend".into(),
        expected: "an observation".into(),
        got: text.to_string(),
    }
}

fn start_worker(
    command: &WorkerCommand,
    job: &Job,
    echo: bool,
) -> Result<(Worker, String, String), StartError> {
    let mut c = std::process::Command::new(&command.program);
    c.args(&command.args);
    for (k, v) in &command.env {
        c.env(k, v);
    }
    let mut worker = Worker::spawn(&mut c, MAX_MESSAGE_BYTES, echo).map_err(|e| StartError {
        message: format!("cannot start `{}`: {e}", command.display()),
        stderr: String::new(),
        echoed: false,
    })?;
    let fail = |f: Fault| StartError {
        message: format!("the campaign worker did not start: {}", f.summary()),
        stderr: f.stderr().to_string(),
        echoed: echo,
    };
    worker.send(&job.to_line()).map_err(fail)?;
    let line = worker.recv(START_TIMEOUT).map_err(fail)?;
    worker.set_echo_stderr(false);
    match parse_message(&line) {
        Ok(Message::Hello { oracle, got }) => Ok((worker, oracle, got)),
        _ => Err(StartError {
            message: format!("the campaign worker answered its job with `{line}`"),
            stderr: worker.stderr_tail(),
            echoed: echo,
        }),
    }
}
