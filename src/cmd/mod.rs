//! The subcommands. Each file holds one command: its arguments' use, the library
//! calls, the rendering and its exit status. Shared plumbing lives here.

pub mod completions;
pub mod convert;
pub mod decrypt;
pub mod encrypt;
pub mod explain;
pub mod man;
pub mod parse;
pub mod sample;
pub mod schema;
pub mod types;
pub mod validate;

use crate::cli::{ColorChoice, InputArgs};
use anyhow::Result;
use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use wxmsg::pipeline::{run_parallel, Analyzer, Options, ParallelError};
use wxmsg::report::{Report, Summary};

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok = 0,
    Findings = 1,
    Trouble = 2,
}

/// A closed output pipe (`wxmsg parse big.log | head -1`) is a normal way to stop.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Writes `wxmsg: error: …` to stderr, red when stderr is a terminal.
pub fn error_line(msg: &str) {
    stderr_line("error", "1;31", msg);
}

/// [`error_line`] for a warning.
pub fn warning_line(msg: &str) {
    stderr_line("warning", "1;33", msg);
}

/// [`error_line`] for a note: something worth knowing that is not a fault.
pub fn note_line(msg: &str) {
    stderr_line("note", "1;36", msg);
}

fn stderr_line(label: &str, sgr: &str, msg: &str) {
    // A message's own escapes stay single, as in the human formats.
    let msg = wxmsg::render::sanitize::escape_message(msg);
    let mut err = io::stderr().lock();
    let _ = if use_color(ColorChoice::Auto, io::stderr().is_terminal()) {
        writeln!(err, "wxmsg: \x1b[{sgr}m{label}\x1b[0m: {msg}")
    } else {
        writeln!(err, "wxmsg: {label}: {msg}")
    };
}

/// A line a command writes to stderr in its place among the payloads.
#[derive(Debug)]
pub enum Stderr {
    Error(String),
    Warning(String),
}

/// The colour decision for one stream: `--color` wins, then `NO_COLOR` (any
/// non-empty value) and `CLICOLOR_FORCE`, then whether the stream is a terminal.
pub fn use_color(choice: ColorChoice, is_tty: bool) -> bool {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if set("NO_COLOR") {
                false
            } else if set("CLICOLOR_FORCE") {
                true
            } else {
                is_tty && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        }
    }
}

pub fn options(input: &InputArgs) -> Options {
    let mut o = Options::default();
    o.scan.max_record = input.max_record_bytes;
    o.scan.limits.max_depth = input.max_depth;
    o.scan.limits.max_fields = input.max_fields;
    o.platforms = input.platform.clone();
    o.decrypt = input.key.decrypt_config();
    o.plain_check = input.key.plain_check();
    o
}

/// The inputs to read: the named files, or stdin.
pub fn inputs(input: &InputArgs) -> Vec<String> {
    if input.files.is_empty() {
        vec!["-".to_string()]
    } else {
        input.files.clone()
    }
}

/// What rendering some reports produced: text for stdout, lines for stderr, and
/// whether one of them could not be rendered.
#[derive(Default)]
pub struct Rendered {
    pub out: Vec<u8>,
    pub errors: Vec<Stderr>,
    pub failed: bool,
    summary: Summary,
}

/// Rendered output handed on at once, at least: the commands' output buffers
/// are this large, so a batch goes through them without a copy.
const OUTPUT_BATCH: usize = 64 * 1024;

/// Regular files at least this large are read on every core.
const PARALLEL_MIN_BYTES: u64 = 4 << 20;

/// The most threads one input is read on, whatever `WXMSG_THREADS` or the
/// number of cores say. Past a few dozen more threads only cost memory (each
/// keeps a few chunks in flight) and, thousands of them, more than a container's
/// pids limit allows.
pub const MAX_THREADS: usize = 256;

/// How many threads read one input: `WXMSG_THREADS` when set (1 turns the
/// parallel reader off), else every core; at most [`MAX_THREADS`]. A value that
/// is not a whole number from 1 up is a usage error, as a malformed
/// `WXMSG_AES_KEY` is; set but empty counts as unset, as for `WXMSG_AES_KEY`
/// and `NO_COLOR`.
fn threads() -> Result<usize> {
    let cores = || std::thread::available_parallelism().map_or(1, |n| n.get());
    threads_from(std::env::var_os("WXMSG_THREADS").as_deref(), cores)
}

/// [`threads`] for the variable's value `v`, with `cores` when it is unset.
fn threads_from(v: Option<&std::ffi::OsStr>, cores: impl FnOnce() -> usize) -> Result<usize> {
    let n = match v {
        None => cores(),
        Some(v) if v.is_empty() => cores(),
        Some(v) => match v.to_str().and_then(|s| s.parse::<usize>().ok()) {
            Some(n) if n > 0 => n,
            _ => anyhow::bail!(
                "WXMSG_THREADS must be a number of threads, 1 or more (1: one thread), not `{}`",
                v.to_string_lossy()
            ),
        },
    };
    Ok(n.clamp(1, MAX_THREADS))
}

/// What one input gave: its payloads, and the lines or documents passed over.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileTally {
    pub payloads: u64,
    pub skipped: u64,
}

impl FileTally {
    /// The totals of `summary` less `before` (the totals before an input).
    fn since(before: FileTally, summary: &Summary) -> FileTally {
        FileTally {
            payloads: summary.payloads.saturating_sub(before.payloads),
            skipped: summary.skipped.saturating_sub(before.skipped),
        }
    }
}

/// How [`for_each_rendered`] ended.
pub struct Outcome {
    pub summary: Summary,
    pub status: Status,
    /// Whether an input could be opened at all. When none could (`wxmsg parse
    /// missing.json`), a summary would only count what was never read.
    pub read_any: bool,
}

/// Runs `render` over every report of every input and hands what it produced to
/// `write`, in input order, with a flag saying the input is drained (flush now).
///
/// A large regular file is analysed and rendered on every core, chunk by chunk
/// ([`run_parallel`]); stdin from a pipe and small files go report by
/// report, so a live stream shows each payload as soon as it is complete. Both
/// give the same output. I/O problems are reported and make the run end with
/// status 2, but the other inputs are still read; `file_done` hears what
/// each input gave.
pub fn for_each_rendered(
    input: &InputArgs,
    opts: &Options,
    render: impl Fn(&Report, &mut Rendered) + Sync,
    mut write: impl FnMut(&mut Rendered, bool) -> Result<()>,
    mut file_done: impl FnMut(&str, FileTally),
) -> Result<Outcome> {
    let mut summary = Summary::default();
    let mut read_any = false;
    let mut status = Status::Ok;
    let threads = threads()?;
    let work = |r: &Report, acc: &mut Rendered| {
        acc.summary.add(r);
        render(r, acc);
    };
    for path in inputs(input) {
        if path == "-" && io::stdin().is_terminal() {
            let _ = writeln!(
                io::stderr(),
                "wxmsg: reading payloads from the terminal; end with Ctrl-D, or pass a FILE"
            );
        }
        let parallel = threads > 1
            && wxmsg::input::regular_file_len(&path).is_some_and(|n| n >= PARALLEL_MIN_BYTES);
        let before = FileTally::since(FileTally::default(), &summary);
        let (reader, name) = match wxmsg::input::open(&path) {
            Ok(x) => x,
            Err(e) => {
                error_line(&format!("cannot read `{path}`: {e}"));
                status = Status::Trouble;
                continue;
            }
        };
        read_any = true;
        if parallel {
            // Output buffers go round: one written out is cleared and takes the
            // next chunk's output, its pages already mapped.
            let spent: Mutex<Vec<Vec<u8>>> = Mutex::default();
            let make = || Rendered {
                out: spent
                    .lock()
                    .map(|mut s| s.pop().unwrap_or_default())
                    .unwrap_or_default(),
                ..Rendered::default()
            };
            // Rendering needs no line starts (see `validate`).
            let work = |r: &mut Report, _: &dyn Fn(u32) -> _, acc: &mut Rendered| work(r, acc);
            let (skipped, result) =
                run_parallel(reader, name, opts, threads, make, work, |mut acc| {
                    summary.merge(&acc.summary);
                    let written = write(&mut acc, false);
                    acc.out.clear();
                    if let Ok(mut s) = spent.lock() {
                        s.push(acc.out);
                    }
                    written
                });
            summary.skipped += skipped.count;
            match result {
                Ok(()) => {}
                Err(ParallelError::Emit(e)) => return Err(e),
                Err(ParallelError::Read(e)) => {
                    error_line(&format!("error reading `{path}`: {e}"));
                    status = Status::Trouble;
                    continue;
                }
            }
            file_done(&path, FileTally::since(before, &summary));
            continue;
        }
        let mut an = Analyzer::new(reader, name, opts.clone());
        let mut acc = Rendered::default();
        let mut hand_on = |acc: &mut Rendered, drained: bool| -> Result<()> {
            write(acc, drained)?;
            acc.out.clear();
            acc.errors.clear();
            acc.failed = false;
            Ok(())
        };
        // Output is handed on in batches of at least the writers' buffer size,
        // which a buffered writer passes straight through: one copy less than
        // handing on each payload. A drained input (a live stream waiting for
        // more) hands on what there is at once, and so does a report with
        // lines for stderr, after the payloads before it, so stderr lines
        // keep their place among them.
        let result = loop {
            match an.next_report() {
                Ok(Some(r)) => {
                    let before = acc.out.len();
                    work(&r, &mut acc);
                    an.recycle(r);
                    summary.merge(&std::mem::take(&mut acc.summary));
                    let for_stderr = !acc.errors.is_empty() || acc.failed;
                    if for_stderr && before > 0 {
                        let mut this = Rendered {
                            out: acc.out.split_off(before),
                            errors: std::mem::take(&mut acc.errors),
                            failed: std::mem::take(&mut acc.failed),
                            summary: Summary::default(),
                        };
                        hand_on(&mut acc, false)?;
                        std::mem::swap(&mut acc, &mut this);
                    }
                    let drained = an.input_drained();
                    if drained || for_stderr || acc.out.len() >= OUTPUT_BATCH {
                        hand_on(&mut acc, drained)?;
                    }
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        if !acc.out.is_empty() {
            hand_on(&mut acc, true)?;
        }
        summary.skipped += an.skipped();
        if let Err(e) = result {
            error_line(&format!("error reading `{path}`: {e}"));
            status = Status::Trouble;
            continue;
        }
        file_done(&path, FileTally::since(before, &summary));
    }
    if status == Status::Ok && summary.invalid > 0 {
        status = Status::Findings;
    }
    Ok(Outcome {
        summary,
        status,
        read_any,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn threads_setting() {
        let from =
            |v: Option<&str>| threads_from(v.map(OsStr::new), || 8).map_err(|e| e.to_string());
        assert_eq!(from(None).unwrap(), 8);
        assert_eq!(from(Some("")).unwrap(), 8);
        assert_eq!(from(Some("1")).unwrap(), 1);
        assert_eq!(from(Some("3")).unwrap(), 3);
        assert_eq!(from(Some("20000")).unwrap(), MAX_THREADS);
        assert_eq!(
            threads_from(None, || 100_000).unwrap(),
            MAX_THREADS,
            "the number of cores is capped too"
        );
        for bad in ["0", "-1", "abc", " 2", "2.5", "99999999999999999999999"] {
            let e = from(Some(bad)).unwrap_err();
            assert!(e.contains("WXMSG_THREADS") && e.contains(bad), "{e}");
        }
    }
}
