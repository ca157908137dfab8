//! Supervised worker processes.
//!
//! Anything that can hang, crash or exhaust memory — NumPy, a strided crate
//! under test, an implementation in another language — runs in a child
//! process that speaks JSON Lines on its standard input and output. The
//! supervisor here reads the child's lines on a thread of its own and waits
//! for each with a deadline, so that a hang becomes a [`Fault::Timeout`] and a
//! death (a signal, an abort, an unexpected exit) a [`Fault::Crash`], each
//! with the tail of what the child wrote on its standard error. The caller
//! records the fault against the one program that caused it and starts a
//! fresh child for the next.
//!
//! Children run in their own process group, so a Ctrl-C at the terminal
//! reaches only the supervisor, which then reports what it has and ends
//! them. A child also watches its parent ([`exit_when_orphaned`]): if the
//! supervisor is killed outright, the child ends too instead of running on.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How much of a child's standard error is kept for reports.
const STDERR_TAIL_BYTES: usize = 16 * 1024;

/// One line read with a length limit.
#[derive(Debug, PartialEq, Eq)]
pub enum BoundedLine {
    /// A complete line (without its `\n`), at most the limit long.
    Line(Vec<u8>),
    /// A line longer than the limit; its bytes were read and dropped.
    TooLong {
        /// Its length in bytes (without the `\n`).
        len: u64,
    },
    /// End of input.
    Eof,
}

/// Reads one line of at most `max` bytes from `input`. A longer line is
/// consumed to its end without being stored, so memory stays bounded by
/// `max` whatever the input (a 3 GB line of spaces costs time, not memory).
pub fn read_bounded_line(input: &mut dyn BufRead, max: usize) -> io::Result<BoundedLine> {
    let mut line = Vec::new();
    let mut len: u64 = 0;
    let mut seen_any = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            if !seen_any {
                return Ok(BoundedLine::Eof);
            }
            break;
        }
        seen_any = true;
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        len += part.len() as u64;
        if len <= max as u64 {
            line.extend_from_slice(part);
        } else if !line.is_empty() {
            line = Vec::new();
        }
        let consumed = done.unwrap_or(part.len());
        input.consume(consumed);
        if done.is_some() {
            break;
        }
    }
    if len > max as u64 {
        Ok(BoundedLine::TooLong { len })
    } else {
        Ok(BoundedLine::Line(line))
    }
}

/// Why a child gave no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No line within the deadline; the child was killed.
    Timeout {
        /// The deadline that passed.
        after: Duration,
        /// The tail of its standard error.
        stderr: String,
    },
    /// The child ended (or closed its output) without answering.
    Crash {
        /// How it ended, e.g. `killed by signal 11 (SIGSEGV)`.
        status: String,
        /// The tail of its standard error.
        stderr: String,
    },
    /// The child answered with something that breaks the protocol (a line
    /// over the length limit, not UTF-8, not the expected message).
    Protocol {
        /// What was wrong.
        message: String,
        /// The tail of its standard error.
        stderr: String,
    },
}

impl Fault {
    /// The short class of the fault: `timeout`, `crash` or `protocol`.
    pub fn class(&self) -> &'static str {
        match self {
            Fault::Timeout { .. } => "timeout",
            Fault::Crash { .. } => "crash",
            Fault::Protocol { .. } => "protocol",
        }
    }

    /// The child's standard error tail.
    pub fn stderr(&self) -> &str {
        match self {
            Fault::Timeout { stderr, .. }
            | Fault::Crash { stderr, .. }
            | Fault::Protocol { stderr, .. } => stderr,
        }
    }

    /// One line: what happened, without the standard error.
    pub fn summary(&self) -> String {
        match self {
            Fault::Timeout { after, .. } => {
                format!("timeout: no answer within {}", human_duration(*after))
            }
            Fault::Crash { status, .. } => format!("crash: the process {status}"),
            Fault::Protocol { message, .. } => format!("protocol error: {message}"),
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary())?;
        let tail = last_lines(self.stderr(), 12);
        if !tail.is_empty() {
            write!(f, "; its standard error ended with:\n{tail}")?;
        }
        Ok(())
    }
}

/// `1.5 s`, `10 s`, `250 ms`.
pub fn human_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// The last `n` non-empty lines of `text`.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// How a process ended, in words.
pub fn describe_status(status: ExitStatus) -> String {
    if let Some(sig) = status.signal() {
        let name = match sig {
            1 => "SIGHUP",
            2 => "SIGINT",
            4 => "SIGILL",
            6 => "SIGABRT",
            7 => "SIGBUS",
            8 => "SIGFPE",
            9 => "SIGKILL",
            11 => "SIGSEGV",
            13 => "SIGPIPE",
            15 => "SIGTERM",
            24 => "SIGXCPU",
            _ => "",
        };
        let core = if status.core_dumped() {
            ", core dumped"
        } else {
            ""
        };
        if name.is_empty() {
            format!("was killed by signal {sig}{core}")
        } else {
            format!("was killed by signal {sig} ({name}){core}")
        }
    } else {
        match status.code() {
            Some(c) => format!("exited with status {c}"),
            None => "ended".into(),
        }
    }
}

/// What the reader thread hands over.
enum Event {
    Line(String),
    Bad(String),
    Closed,
}

/// A running child process with a line protocol on stdin/stdout.
pub struct Worker {
    child: Child,
    stdin: Option<io::BufWriter<ChildStdin>>,
    lines: Receiver<Event>,
    stderr: Arc<Mutex<StderrTail>>,
    exited: Option<ExitStatus>,
}

/// The end of a child's standard error, and whether to echo it live.
#[derive(Default)]
struct StderrTail {
    bytes: VecDeque<u8>,
    echo: bool,
}

impl Worker {
    /// Starts `command` with piped stdin/stdout/stderr in a process group of
    /// its own. Its output lines are limited to `max_line` bytes; with
    /// `echo_stderr` its standard error is also copied to ours as it comes
    /// (until [`Worker::set_echo_stderr`] turns that off).
    pub fn spawn(command: &mut Command, max_line: usize, echo_stderr: bool) -> io::Result<Worker> {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = command.spawn()?;
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let stdin = child.stdin.take().map(io::BufWriter::new);
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("worker-stdout".into())
            .spawn(move || read_lines(stdout, max_line, tx))?;
        let tail = Arc::new(Mutex::new(StderrTail {
            bytes: VecDeque::new(),
            echo: echo_stderr,
        }));
        let tail2 = Arc::clone(&tail);
        std::thread::Builder::new()
            .name("worker-stderr".into())
            .spawn(move || read_stderr(stderr, tail2))?;
        Ok(Worker {
            child,
            stdin,
            lines: rx,
            stderr: tail,
            exited: None,
        })
    }

    /// Whether the child's standard error is copied to ours live.
    pub fn set_echo_stderr(&self, echo: bool) {
        if let Ok(mut t) = self.stderr.lock() {
            t.echo = echo;
        }
    }

    /// The process id of the child.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The tail of the child's standard error so far.
    pub fn stderr_tail(&self) -> String {
        let t = self
            .stderr
            .lock()
            .map(|t| t.bytes.clone())
            .unwrap_or_default();
        String::from_utf8_lossy(&Vec::from(t)).into_owned()
    }

    /// Sends one line (a `\n` is added). A child that is gone gives a
    /// [`Fault::Crash`].
    pub fn send(&mut self, line: &str) -> Result<(), Fault> {
        let result = match self.stdin.as_mut() {
            Some(w) => w
                .write_all(line.as_bytes())
                .and_then(|_| w.write_all(b"\n"))
                .and_then(|_| w.flush()),
            None => Err(io::Error::new(io::ErrorKind::BrokenPipe, "stdin closed")),
        };
        result.map_err(|_| self.crash_fault())
    }

    /// Waits up to `timeout` for the next line. On a timeout the child is
    /// killed; on a crash it is reaped. Either way the worker is finished
    /// and a new one must be started.
    pub fn recv(&mut self, timeout: Duration) -> Result<String, Fault> {
        self.recv_or_interrupt(timeout, &|| false)
            .expect("never interrupted")
    }

    /// Like [`Worker::recv`], but also returns early with `None` when
    /// `interrupted` says so (polled every 50 ms), leaving the child running.
    pub fn recv_or_interrupt(
        &mut self,
        timeout: Duration,
        interrupted: &dyn Fn() -> bool,
    ) -> Option<Result<String, Fault>> {
        let deadline = Instant::now() + timeout;
        loop {
            if interrupted() {
                return None;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left.min(Duration::from_millis(50))) {
                Ok(Event::Line(l)) => return Some(Ok(l)),
                Ok(Event::Bad(message)) => {
                    self.kill();
                    return Some(Err(Fault::Protocol {
                        message,
                        stderr: self.stderr_tail(),
                    }));
                }
                Ok(Event::Closed) | Err(RecvTimeoutError::Disconnected) => {
                    return Some(Err(self.crash_fault()))
                }
                Err(RecvTimeoutError::Timeout) if Instant::now() >= deadline => {
                    self.kill();
                    return Some(Err(Fault::Timeout {
                        after: timeout,
                        stderr: self.stderr_tail(),
                    }));
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }

    /// The crash fault of a child that stopped answering: waits (briefly)
    /// for it to end so that the status and its last words are known.
    fn crash_fault(&mut self) -> Fault {
        let status = self.wait_briefly();
        // The stderr thread may still be draining the pipe.
        std::thread::sleep(Duration::from_millis(20));
        Fault::Crash {
            status: status
                .map(describe_status)
                .unwrap_or_else(|| "closed its output without answering".into()),
            stderr: self.stderr_tail(),
        }
    }

    /// Waits up to a second for the child to end; kills it if it does not.
    fn wait_briefly(&mut self) -> Option<ExitStatus> {
        if let Some(s) = self.exited {
            return Some(s);
        }
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            if let Ok(Some(s)) = self.child.try_wait() {
                self.exited = Some(s);
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.kill();
        self.exited
    }

    /// Kills the child (if it still runs) and reaps it.
    pub fn kill(&mut self) {
        self.stdin = None;
        if self.exited.is_none() {
            let _ = self.child.kill();
            if let Ok(s) = self.child.wait() {
                self.exited = Some(s);
            }
        }
    }

    /// Closes the child's input and waits up to `grace` for it to end by
    /// itself, then kills it. Returns how it ended.
    pub fn finish(&mut self, grace: Duration) -> Option<ExitStatus> {
        self.stdin = None;
        let deadline = Instant::now() + grace;
        while self.exited.is_none() && Instant::now() < deadline {
            if let Ok(Some(s)) = self.child.try_wait() {
                self.exited = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.kill();
        self.exited
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

fn read_lines(stdout: impl Read, max_line: usize, tx: Sender<Event>) {
    let mut input = BufReader::with_capacity(1 << 16, stdout);
    loop {
        let event = match read_bounded_line(&mut input, max_line) {
            Ok(BoundedLine::Line(bytes)) => match String::from_utf8(bytes) {
                Ok(s) => Event::Line(s),
                Err(_) => Event::Bad("an output line that is not UTF-8".into()),
            },
            Ok(BoundedLine::TooLong { len }) => Event::Bad(format!(
                "an output line of {len} bytes, over the limit of {max_line}"
            )),
            Ok(BoundedLine::Eof) | Err(_) => Event::Closed,
        };
        let closed = matches!(event, Event::Closed);
        if tx.send(event).is_err() || closed {
            return;
        }
    }
}

fn read_stderr(mut stderr: impl Read, tail: Arc<Mutex<StderrTail>>) {
    let mut buf = [0u8; 4096];
    loop {
        match stderr.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let Ok(mut t) = tail.lock() else { return };
                if t.echo {
                    let _ = io::stderr().write_all(&buf[..n]);
                }
                t.bytes.extend(&buf[..n]);
                let excess = t.bytes.len().saturating_sub(STDERR_TAIL_BYTES);
                t.bytes.drain(..excess);
            }
        }
    }
}

/// For a worker process: ends this process as soon as its parent is gone
/// (the supervisor was killed outright), checking four times a second, so
/// that no orphan keeps running a program nobody waits for.
pub fn exit_when_orphaned() {
    let parent = std::os::unix::process::parent_id();
    let _ = std::thread::Builder::new()
        .name("orphan-watch".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_millis(250));
            if std::os::unix::process::parent_id() != parent {
                std::process::exit(70);
            }
        });
}

/// The last of SIGINT / SIGTERM that arrived (0: none), once
/// [`catch_interrupts`] ran.
static INTERRUPT: std::sync::OnceLock<Arc<std::sync::atomic::AtomicUsize>> =
    std::sync::OnceLock::new();

/// Turns SIGINT and SIGTERM into a flag that long-running commands poll, so
/// that they can print what they found before they end. A second signal
/// ends the process at once (status 130 or 143).
pub fn catch_interrupts() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    INTERRUPT.get_or_init(|| {
        let which = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = Arc::new(std::sync::atomic::AtomicBool::new(false));
        for (sig, status) in [(SIGINT, 130), (SIGTERM, 143)] {
            // Registered first, so it sees `seen` as the previous signal left it.
            let _ = flag::register_conditional_shutdown(sig, status, Arc::clone(&seen));
            let _ = flag::register(sig, Arc::clone(&seen));
            let _ = flag::register_usize(sig, Arc::clone(&which), sig as usize);
        }
        which
    });
}

/// Whether SIGINT or SIGTERM arrived since [`catch_interrupts`].
pub fn interrupted() -> bool {
    interrupt_signal().is_some()
}

/// The signal number of the interruption, if one arrived.
pub fn interrupt_signal() -> Option<i32> {
    INTERRUPT
        .get()
        .map(|w| w.load(std::sync::atomic::Ordering::SeqCst))
        .filter(|&s| s != 0)
        .map(|s| s as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<BoundedLine> {
        let mut r = io::Cursor::new(input.to_vec());
        let mut out = Vec::new();
        loop {
            let l = read_bounded_line(&mut r, max).unwrap();
            let eof = l == BoundedLine::Eof;
            out.push(l);
            if eof {
                return out;
            }
        }
    }

    #[test]
    fn bounded_lines_split_and_drop_long_lines() {
        assert_eq!(
            lines(b"ab\n\nabcdef\nxyz", 4),
            vec![
                BoundedLine::Line(b"ab".to_vec()),
                BoundedLine::Line(Vec::new()),
                BoundedLine::TooLong { len: 6 },
                BoundedLine::Line(b"xyz".to_vec()),
                BoundedLine::Eof
            ]
        );
        assert_eq!(lines(b"", 4), vec![BoundedLine::Eof]);
        assert_eq!(
            lines(b"abcd\n", 4),
            vec![BoundedLine::Line(b"abcd".to_vec()), BoundedLine::Eof]
        );
    }

    #[test]
    fn a_long_line_is_not_stored() {
        // A BufReader with a small buffer sees the line in many chunks.
        let data = vec![b' '; 1 << 20];
        let mut r = BufReader::with_capacity(64, io::Cursor::new(data));
        assert_eq!(
            read_bounded_line(&mut r, 100).unwrap(),
            BoundedLine::TooLong { len: 1 << 20 }
        );
    }

    #[test]
    fn a_hanging_child_times_out_and_a_dying_one_crashes() {
        let mut w = Worker::spawn(Command::new("sleep").arg("30"), 100, false).unwrap();
        let t = Instant::now();
        let f = w.recv(Duration::from_millis(200)).unwrap_err();
        assert_eq!(f.class(), "timeout");
        assert!(t.elapsed() < Duration::from_secs(5));

        let mut w = Worker::spawn(
            Command::new("sh").args(["-c", "echo ok; echo boom >&2; kill -SEGV $$"]),
            100,
            false,
        )
        .unwrap();
        assert_eq!(w.recv(Duration::from_secs(5)).unwrap(), "ok");
        match w.recv(Duration::from_secs(5)).unwrap_err() {
            Fault::Crash { status, stderr } => {
                assert!(status.contains("SIGSEGV"), "{status}");
                assert!(stderr.contains("boom"), "{stderr}");
            }
            other => panic!("{other:?}"),
        }
    }
}
