//! `wxmsg validate`: check payload fixtures for CI and pre-commit.
//!
//! Paths are expanded (directories searched recursively), files are checked on all
//! cores (a single large file or a pipe is cut into pieces checked on all
//! cores, see [`run_parallel`]), and the results are rendered sorted by path by
//! one of the [`ci`] formats.
//! A file passes when it holds at least one payload and every payload is valid
//! (with `--strict`, also free of warnings).
//!
//! Memory stays flat whatever the size of a file: each input is streamed through
//! the pipeline's [`Analyzer`] and every report is folded into a [`Collector`] and
//! dropped at once. What the output needs later (sorted findings, the JSON of the
//! payloads) is spooled, to a temporary file once it outgrows memory; the human
//! format reads the lines it quotes again from the input. A pipe (standard input,
//! a FIFO, `<(cmd)`) cannot be read again, so when it must be (the human format,
//! `--platform`) it is copied to the spool as it streams.

use super::{
    error_line, threads, use_color, warning_line, Status, MAX_THREADS, PARALLEL_MIN_BYTES,
};
use crate::cli::ColorChoice;
use anyhow::Result;
use std::convert::Infallible;
use std::fs::{self, File};
use std::io::{self, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use wxmsg::catalog::PlatformId;
use wxmsg::diag::{Code, Diagnostic, Severity};
use wxmsg::input::{LineStart, ScanOptions};
use wxmsg::pipeline::{run_parallel, Analyzer, LanePayload, Options, ParallelError, Skips};
use wxmsg::render::ci::{
    self, Batch, CiOptions, Collector, FileResult, ReadSeek, Reopen, Spool, SpoolStore, Unreadable,
};
use wxmsg::report::Report;

const EXAMPLES: &str = "\
Examples:
  wxmsg validate fixtures/                         every *.json/*.jsonl/*.ndjson/*.xml below
  wxmsg validate --strict --platform wecom-kf kf/  warnings fail too; only WeCom kf payloads
  wxmsg validate --format github fixtures/         annotations in a GitHub Actions job
  wxmsg validate --format junit fixtures/ > junit.xml
  wxmsg validate --format sarif fixtures/ > wxmsg.sarif
  wxmsg validate --ext json,txt samples/           search other extensions
  cat push.xml | wxmsg validate                    standard input

Exit status: 0 every file passed, 1 a file failed, 2 usage error or a path that
could not be read (the other paths are still checked).";

/// Extensions searched for in directories unless `--ext` says otherwise.
const DEFAULT_EXTS: [&str; 4] = ["json", "jsonl", "ndjson", "xml"];

/// Arguments of `wxmsg validate`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Files and directories to check (`-` or none: standard input). Directories are
    /// searched recursively for the `--ext` extensions, skipping hidden entries and
    /// `target/`; files named here are always read, whatever their extension.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = CiFormat::Human)]
    pub format: CiFormat,

    /// Warnings (unknown fields, tolerated type variants, ambiguous platform) fail a
    /// file too.
    #[arg(long)]
    pub strict: bool,

    /// Every payload must be of this platform (repeatable): miniprogram,
    /// official-account, wecom-kf, devmode.
    #[arg(long, value_name = "ID", value_parser = crate::cli::PlatformParser, hide_possible_values = true)]
    pub platform: Vec<PlatformId>,

    /// Extensions searched for in directories, comma-separated or repeated
    /// [default: json,jsonl,ndjson,xml].
    #[arg(long, value_name = "EXT", value_delimiter = ',', value_parser = parse_ext)]
    pub ext: Vec<String>,

    #[command(flatten)]
    pub key: crate::cli::KeyArgs,

    /// Also show info findings (encrypted payloads, escaped text, …).
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,

    /// Show only the findings that make a file fail.
    #[arg(short, long)]
    pub quiet: bool,

    /// When to colour the human format.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Largest document or line accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    pub max_record_bytes: usize,

    /// Deepest nesting of objects, arrays or XML elements accepted.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_depth: usize,

    /// Most object members, array items or XML elements accepted in one document.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_fields: usize,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CiFormat {
    /// `path:line:col: error[code] field: message` with a source snippet.
    Human,
    /// One JSON document: `{"passed", "failed", "files": [{path, valid, diagnostics, payloads}],
    /// "errors": [{path, message}]}` (`errors`: paths that could not be read).
    Json,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// JUnit XML, one testcase per file.
    Junit,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
}

impl From<CiFormat> for ci::Format {
    fn from(f: CiFormat) -> Self {
        match f {
            CiFormat::Human => ci::Format::Human,
            CiFormat::Json => ci::Format::Json,
            CiFormat::Github => ci::Format::Github,
            CiFormat::Junit => ci::Format::Junit,
            CiFormat::Sarif => ci::Format::Sarif,
        }
    }
}

fn parse_ext(s: &str) -> Result<String, String> {
    let e = s.trim().trim_start_matches('.').to_ascii_lowercase();
    if e.is_empty() {
        Err("an extension cannot be empty".to_string())
    } else {
        Ok(e)
    }
}

/// One input to check. The derived order (stdin first, then paths compared by
/// component) is the output order.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    /// The name shown in reports.
    fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(p) => p.to_string_lossy().into_owned(),
        }
    }
}

/// Checks every file and writes the report; the status is 0 when every file
/// passed, 1 when one failed, 2 when a path could not be read.
pub fn run(a: Args) -> Result<Status> {
    // A bad `WXMSG_THREADS` is a usage error, told before any path is looked at.
    let threads = threads()?;
    let exts: Vec<String> = if a.ext.is_empty() {
        DEFAULT_EXTS.iter().map(|e| e.to_string()).collect()
    } else {
        a.ext.clone()
    };
    let (mut inputs, mut unreadable) = collect_inputs(&a.paths, &exts);
    // Sorted by path so output is the same whatever the walk or thread order; stdin
    // first. The same file named twice (or named and found) is checked once.
    inputs.sort();
    inputs.dedup();

    // The same reading limits and safe-mode keys as `wxmsg parse`. `--platform` is
    // checked after detection (see `check`), not used to steer it.
    let mut opts = Options::default();
    opts.scan.max_record = a.max_record_bytes;
    opts.scan.limits.max_depth = a.max_depth;
    opts.scan.limits.max_fields = a.max_fields;
    opts.decrypt = a.key.decrypt_config();
    opts.plain_check = a.key.plain_check();
    // Valid payloads are only counted: the fast lane checks them without a tree,
    // and writes them out as JSON only for the json format, which prints them.
    opts.scan.lane = true;
    // The human format quotes each finding's line afterwards, jumping to it.
    opts.scan.line_starts = a.format == CiFormat::Human;
    if a.format != CiFormat::Json {
        opts.lane_payload = LanePayload::Nothing;
    }
    // "Must be of these platforms": each payload is detected freely, so one of
    // another platform is caught rather than squeezed into an allowed one, and
    // one that fits several platforms equally is settled among the allowed
    // ones (a bare `text`). `require_platform` fails what does not fit.
    opts.prefer = a.platform.clone();
    if inputs.iter().any(|i| matches!(i, Input::Stdin)) && io::stdin().is_terminal() {
        let _ = writeln!(
            io::stderr(),
            "wxmsg: reading payloads from the terminal; end with Ctrl-D, or pass a PATH"
        );
    }

    let co = CiOptions {
        strict: a.strict,
        verbose: a.verbose,
        quiet: a.quiet,
        color: a.format == CiFormat::Human && use_color(a.color, io::stdout().is_terminal()),
        threads,
    };
    let ctx = Ctx {
        opts: &opts,
        allowed: &a.platform,
        format: a.format.into(),
        co,
        store: SpoolStore::new(),
        threads: co.threads,
    };
    let outcomes = check_all(&inputs, &ctx)?;
    let mut files = Vec::with_capacity(outcomes.len());
    for (input, o) in inputs.iter().zip(outcomes) {
        let file = match input {
            Input::File(p) => Some(p.clone()),
            Input::Stdin => None,
        };
        match o {
            Ok(mut f) => {
                // The machine formats locate findings by the name on disk.
                f.file = file;
                files.push(f);
            }
            Err(message) => cannot_read(&mut unreadable, input.name(), file, message),
        }
    }

    let status = if !unreadable.is_empty() {
        Status::Trouble
    } else if files.iter().all(|f| f.passed(a.strict)) {
        Status::Ok
    } else {
        Status::Findings
    };
    // Nothing could be read at all (`wxmsg validate missing/`): stderr said
    // why, and the human format's `0 passed, 0 failed` would count nothing.
    // The machine formats still carry the unreadable paths.
    if a.format == CiFormat::Human && files.is_empty() && !unreadable.is_empty() {
        return Ok(status);
    }
    let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let written = ci::write(&mut out, a.format.into(), &files, &unreadable, &co);
    match written.and_then(|()| out.flush()) {
        Ok(()) => Ok(status),
        // A closed pipe (`wxmsg validate fixtures/ | head`) cuts the report
        // short, not the verdict: every file was checked before it was written.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(status),
        Err(e) => Err(e.into()),
    }
}

/// Tells on stderr that `path` could not be read, and keeps it for the report.
fn cannot_read(list: &mut Vec<Unreadable>, path: String, file: Option<PathBuf>, message: String) {
    error_line(&message);
    list.push(Unreadable {
        path,
        file,
        message,
    });
}

/// Expands the paths into inputs. Paths that cannot be read are reported on stderr
/// and returned, and the rest are still collected.
fn collect_inputs(paths: &[String], exts: &[String]) -> (Vec<Input>, Vec<Unreadable>) {
    let mut inputs = Vec::new();
    let mut trouble = Vec::new();
    if paths.is_empty() {
        inputs.push(Input::Stdin);
    }
    for p in paths {
        if p == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let path = PathBuf::from(p);
        match fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                let before = inputs.len();
                walk(&path, exts, &mut inputs, &mut trouble);
                if inputs.len() == before {
                    warning_line(&format!("no *.{} files under `{p}`", exts.join("/*.")));
                }
            }
            // Named files are read whatever their extension: the user asked for them.
            Ok(_) => inputs.push(Input::File(path)),
            Err(e) => {
                let message = format!("cannot read `{p}`: {e}");
                cannot_read(&mut trouble, p.clone(), Some(path), message);
            }
        }
    }
    (inputs, trouble)
}

/// Adds every matching file below `dir`. Hidden entries and `target/` directories
/// (build output, which holds copies of fixtures) are skipped, and symbolic links to
/// directories are not followed, so a link cycle cannot make the walk endless.
/// Only regular files are found: a FIFO or device named on the command line is
/// still read (`<(zcat …)`), but one met on the walk is passed over.
/// What could not be read goes to `trouble`.
fn walk(dir: &Path, exts: &[String], inputs: &mut Vec<Input>, trouble: &mut Vec<Unreadable>) {
    let shown = |p: &Path| p.to_string_lossy().into_owned();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            let message = format!("cannot read `{}`: {e}", dir.display());
            cannot_read(trouble, shown(dir), Some(dir.to_path_buf()), message);
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let message = format!("cannot read `{}`: {e}", dir.display());
                cannot_read(trouble, shown(dir), Some(dir.to_path_buf()), message);
                continue;
            }
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Ok(ft) = entry.file_type() else {
            let message = format!("cannot read `{}`", path.display());
            cannot_read(trouble, shown(&path), Some(path), message);
            continue;
        };
        if ft.is_dir() {
            if name != "target" {
                walk(&path, exts, inputs, trouble);
            }
        } else if has_ext(&name, exts) {
            // A regular file is read, and a symlink to one; not a link to a
            // directory, nor a FIFO, socket or device, which opening could
            // block forever (a FIFO with no writer) or read without end.
            let regular = if ft.is_symlink() {
                // A dangling link is kept: reading it says what is wrong.
                fs::metadata(&path).map_or(true, |m| m.is_file())
            } else {
                ft.is_file()
            };
            if regular {
                inputs.push(Input::File(path));
            }
        }
    }
}

/// Whether a file name ends in `.EXT` for one of `exts` (already lower-case),
/// ignoring case. Matching the whole suffix lets `--ext log.json` work.
fn has_ext(name: &str, exts: &[String]) -> bool {
    let lower = name.to_lowercase();
    exts.iter().any(|e| {
        lower
            .strip_suffix(e.as_str())
            .and_then(|s| s.strip_suffix('.'))
            .is_some_and(|stem| !stem.is_empty())
    })
}

/// What every check needs: reading options, `--platform`, the output format and
/// options (a file's results are collected for them), the spool store, and how
/// many threads may read one large input.
#[derive(Clone)]
struct Ctx<'a> {
    opts: &'a Options,
    allowed: &'a [PlatformId],
    format: ci::Format,
    co: CiOptions,
    store: Arc<SpoolStore>,
    threads: usize,
}

impl Ctx<'_> {
    /// Threads to read an input of `len` bytes with (`None`: a pipe, whose
    /// size is not known; nothing is printed before its end anyway, so reading
    /// ahead of the payload being checked costs nothing).
    fn threads_for(&self, len: Option<u64>) -> usize {
        if len.is_none_or(|n| n >= PARALLEL_MIN_BYTES) {
            self.threads.max(1)
        } else {
            1
        }
    }
}

/// Checks every input on all cores: one outcome per input, at its index, so the
/// order is the input order whichever thread finished first. An `Err` is a message
/// about a file that could not be read.
///
/// Several inputs are spread one per core. A large file among them would keep one
/// core busy long after the others ran out of files, so it is put aside and read
/// afterwards on every core, like a single input. When there are many large files,
/// one per core keeps every core busy anyway and costs less than cutting each up.
fn check_all(inputs: &[Input], ctx: &Ctx<'_>) -> Result<Vec<Result<FileResult, String>>> {
    let mut slots: Vec<Option<Result<FileResult, String>>> = Vec::new();
    slots.resize_with(inputs.len(), || None);
    let all: Vec<usize> = (0..inputs.len()).collect();
    if inputs.len() == 1 {
        spread(inputs, &all, ctx, 1, false, &mut slots)?;
    } else {
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, inputs.len().clamp(1, MAX_THREADS));
        let one = Ctx {
            threads: 1,
            ..ctx.clone()
        };
        let large = spread(inputs, &all, &one, workers, ctx.threads > 1, &mut slots)?;
        if large.len() >= 2 * workers {
            spread(inputs, &large, &one, workers, false, &mut slots)?;
        } else {
            spread(inputs, &large, ctx, 1, false, &mut slots)?;
        }
    }
    // One outcome per input, in input order (every slot is filled by now; an
    // input that were not would be told, not dropped).
    Ok(slots
        .into_iter()
        .zip(inputs)
        .map(|(slot, input)| {
            slot.unwrap_or_else(|| Err(format!("`{}` was not checked", input.name())))
        })
        .collect())
}

/// Checks the inputs at `indices` on `workers` threads, each result into its slot.
/// With `defer_large`, regular files large enough to be read on several threads
/// are left unchecked; their indices are returned, in order.
fn spread(
    inputs: &[Input],
    indices: &[usize],
    ctx: &Ctx<'_>,
    workers: usize,
    defer_large: bool,
    slots: &mut [Option<Result<FileResult, String>>],
) -> Result<Vec<usize>> {
    let next = AtomicUsize::new(0);
    // Takes inputs off the shared list until it is empty.
    let take = || {
        let mut mine = Vec::new();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&i) = indices.get(k) else { break };
            let r = match inputs.get(i) {
                Some(Input::Stdin) => Some(check_stdin(ctx)),
                Some(input @ Input::File(path)) => check_file(input.name(), path, ctx, defer_large),
                None => continue,
            };
            mine.push((i, r));
        }
        mine
    };
    let done = std::thread::scope(|s| {
        let mut handles = Vec::new();
        for _ in 0..workers.max(1) {
            // A thread the system refuses (a pids limit, no memory for its
            // stack) is done without: the inputs go to those that started.
            match std::thread::Builder::new().spawn_scoped(s, take) {
                Ok(h) => handles.push(h),
                Err(_) => break,
            }
        }
        let mut done: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        if done.is_empty() {
            // Not one: this thread checks them all.
            done.push(Ok(take()));
        }
        done
    });
    let mut large = Vec::new();
    for worker in done {
        let Ok(results) = worker else {
            anyhow::bail!("a checking thread stopped unexpectedly");
        };
        for (i, r) in results {
            match (r, slots.get_mut(i)) {
                (Some(r), Some(slot)) => *slot = Some(r),
                (None, _) => large.push(i),
                (Some(_), None) => {}
            }
        }
    }
    large.sort_unstable();
    Ok(large)
}

/// Checks a named file, streaming it. A regular file is opened again for
/// `--platform`'s second look and the human format's snippets; anything else (a
/// FIFO, `<(cmd)`) is treated like a pipe on standard input. With `defer_large`, a
/// regular file of [`PARALLEL_MIN_BYTES`] or more is not checked (`None`).
fn check_file(
    name: String,
    path: &Path,
    ctx: &Ctx<'_>,
    defer_large: bool,
) -> Option<Result<FileResult, String>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return Some(Err(format!("cannot read `{name}`: {e}"))),
    };
    let len = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    if defer_large && len.is_some_and(|n| n >= PARALLEL_MIN_BYTES) {
        return None;
    }
    let again = len.map(|_| Box::new(path.to_path_buf()) as Box<dyn Reopen>);
    Some(check_reader(name, file, again, ctx, ctx.threads_for(len)))
}

/// Checks standard input. A regular file (`< file`) is read again by seeking back.
fn check_stdin(ctx: &Ctx<'_>) -> Result<FileResult, String> {
    let name = Input::Stdin.name();
    match StdinFile::open() {
        Some(file) => {
            let len = file
                .file
                .metadata()
                .map(|m| m.len().saturating_sub(file.start));
            let threads = ctx.threads_for(len.ok());
            let first = pass(&name, &file.file, None, ctx.opts, ctx, threads)
                .map_err(|e| e.message(&name))?;
            check(name, first, Box::new(file), ctx)
        }
        None => check_reader(name, io::stdin().lock(), None, ctx, ctx.threads_for(None)),
    }
}

/// Checks an input read by `reader` on `threads` threads; `again` reads it again
/// from the start. Without it (a pipe), the input is copied to the spool as it
/// streams when it must be read again (`--platform`, the human format's snippets).
fn check_reader(
    name: String,
    reader: impl Read,
    again: Option<Box<dyn Reopen>>,
    ctx: &Ctx<'_>,
    threads: usize,
) -> Result<FileResult, String> {
    if let Some(again) = again {
        let first =
            pass(&name, reader, None, ctx.opts, ctx, threads).map_err(|e| e.message(&name))?;
        return check(name, first, again, ctx);
    }
    let needed = ctx.format == ci::Format::Human;
    let mut copy = needed.then(|| Spool::new(&ctx.store));
    let first =
        pass(&name, reader, copy.as_mut(), ctx.opts, ctx, threads).map_err(|e| e.message(&name))?;
    let again: Box<dyn Reopen> = match copy {
        Some(mut copy) => {
            copy.seal();
            Box::new(copy)
        }
        // Never read again (see `needed`): an empty stand-in.
        None => Box::new(Vec::new()),
    };
    check(name, first, again, ctx)
}

/// Standard input when it is a regular file, which can be read again.
struct StdinFile {
    file: File,
    /// Where reading started (stdin need not be at the start of the file).
    start: u64,
}

impl StdinFile {
    #[cfg(unix)]
    fn open() -> Option<StdinFile> {
        use std::os::fd::AsFd;
        let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
        let mut file = File::from(fd);
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        let start = file.stream_position().ok()?;
        Some(StdinFile { file, start })
    }

    #[cfg(not(unix))]
    fn open() -> Option<StdinFile> {
        None
    }
}

impl Reopen for StdinFile {
    fn reopen(&self) -> io::Result<Box<dyn ReadSeek + '_>> {
        Ok(Box::new(FromOffset {
            file: &self.file,
            start: self.start,
            pos: 0,
        }))
    }
}

/// A file read from byte `start` on, as if it began there: standard input
/// redirected from a file that was partly read before wxmsg started. Each
/// reader keeps its own position and reads at it, so several can read the one
/// descriptor at once (the human format quotes on several threads).
struct FromOffset<'f> {
    file: &'f File,
    start: u64,
    /// Where the next read starts, from `start`.
    pos: u64,
}

impl Read for FromOffset<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = read_at(self.file, buf, self.start.saturating_add(self.pos))?;
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

/// Only Unix reads standard input again (see [`StdinFile::open`]).
#[cfg(not(unix))]
fn read_at(mut file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    file.seek(SeekFrom::Start(at))?;
    file.read(buf)
}

impl Seek for FromOffset<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self
                .file
                .metadata()?
                .len()
                .saturating_sub(self.start)
                .checked_add_signed(d),
        };
        self.pos = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

/// One read of an input through the analyzer.
struct Pass {
    collector: Collector,
    /// Lines with no document and documents with no payload, passed over.
    skips: Skips,
    /// The input holds something besides ASCII whitespace.
    any_text: bool,
}

/// Why a pass stopped.
enum PassError {
    /// Reading the input failed.
    Read(io::Error),
    /// Copying standard input to the spool failed.
    Copy(io::Error),
    /// The analyzer gave up.
    Analyze(io::Error),
}

impl PassError {
    /// The message for stderr about input `name`.
    fn message(&self, name: &str) -> String {
        let stdin = name == Input::Stdin.name();
        match self {
            PassError::Read(e) if stdin => format!("cannot read standard input: {e}"),
            PassError::Read(e) => format!("cannot read `{name}`: {e}"),
            PassError::Copy(e) => format!("cannot keep a copy of `{name}`: {e}"),
            PassError::Analyze(e) => format!("error reading `{name}`: {e}"),
        }
    }
}

/// Streams `reader` through the analyzer with `opts`, folding each report into a
/// collector and dropping it. With `copy`, what is read is also copied there.
/// With more than one thread, pieces of the input are checked on each and their
/// batches folded in input order: the same result, sooner.
fn pass(
    name: &str,
    reader: impl Read,
    copy: Option<&mut Spool>,
    opts: &Options,
    ctx: &Ctx<'_>,
    threads: usize,
) -> Result<Pass, PassError> {
    let mut tap = Tap {
        inner: reader,
        copy,
        any_text: false,
        error: None,
    };
    let mut collector = Collector::new(name, ctx.format, &ctx.co, &ctx.store);
    // In a fixture file, text beside a payload on its line is out of place
    // too (see `stray_text`), not a log prefix.
    let fixture_opts;
    let opts = if is_fixture(name) {
        fixture_opts = Options {
            scan: ScanOptions {
                fixture: true,
                ..opts.scan
            },
            ..opts.clone()
        };
        &fixture_opts
    } else {
        opts
    };
    let (skips, failure) = if threads > 1 {
        let work =
            |r: &mut Report, line_start: &dyn Fn(u32) -> Option<LineStart>, batch: &mut Batch| {
                require_platform(r, ctx.allowed);
                batch.add_located(r, line_start);
            };
        let emit = |batch: Batch| {
            collector.absorb(batch);
            Ok::<(), Infallible>(())
        };
        let make = || Batch::new(ctx.format, &ctx.co);
        let (skips, result) = run_parallel(&mut tap, name, opts, threads, make, work, emit);
        let failure = match result {
            Ok(()) => None,
            Err(ParallelError::Read(e)) => Some(e),
            Err(ParallelError::Emit(never)) => match never {},
        };
        (skips, failure)
    } else {
        let mut an = Analyzer::new(&mut tap, Arc::<str>::from(name), opts.clone());
        loop {
            match an.next_report() {
                Ok(Some(mut r)) => {
                    require_platform(&mut r, ctx.allowed);
                    collector.add_located(&r, &|line| an.line_start(line));
                    an.recycle(r);
                }
                Ok(None) => break (an.skips().clone(), None),
                Err(e) => break (Skips::default(), Some(e)),
            }
        }
    };
    if let Some(e) = failure {
        return Err(match tap.error.take() {
            Some(TapError::Read) => PassError::Read(e),
            Some(TapError::Copy) => PassError::Copy(e),
            None => PassError::Analyze(e),
        });
    }
    Ok(Pass {
        collector,
        skips,
        any_text: tap.any_text,
    })
}

/// Which side of a [`Tap`] failed.
enum TapError {
    Read,
    Copy,
}

/// A reader that notes whether the input holds anything but whitespace, tells
/// read errors from the analyzer's own, and can copy what it reads to a spool.
struct Tap<'s, R> {
    inner: R,
    copy: Option<&'s mut Spool>,
    any_text: bool,
    error: Option<TapError>,
}

impl<R: Read> Read for Tap<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.error = Some(TapError::Read);
                }
                return Err(e);
            }
        };
        let got = buf.get(..n).unwrap_or_default();
        if !self.any_text {
            self.any_text = !got.iter().all(u8::is_ascii_whitespace);
        }
        if let Some(copy) = self.copy.as_deref_mut() {
            if let Err(e) = copy.write_all(got) {
                self.error = Some(TapError::Copy);
                return Err(e);
            }
        }
        Ok(n)
    }
}

/// Finishes checking one input, given the first (free) pass over it. With
/// `--platform`, the input may be read a second time through `source`, which the
/// human format also keeps to quote lines.
fn check(
    name: String,
    first: Pass,
    source: Box<dyn Reopen>,
    ctx: &Ctx<'_>,
) -> Result<FileResult, String> {
    let Pass {
        mut collector,
        skips,
        any_text,
    } = first;
    let skipped = skips.count;
    if collector.payloads() > 0 && is_fixture(&name) {
        stray_text(&mut collector, &skips);
    }
    if collector.payloads() == 0 {
        let message = if !any_text {
            "no WeChat payload found: the file is empty".to_string()
        } else if skipped > 0 {
            // Counted as `parse` counts them (`· N skipped`): each line with no
            // document, and each document that is no payload (several may share
            // a line).
            let what = if skipped == 1 {
                "line or document"
            } else {
                "lines or documents"
            };
            format!("no WeChat payload found: {skipped} {what} without one passed over")
        } else {
            "no WeChat payload found".to_string()
        };
        collector.add_file_diagnostic(Diagnostic::new(Code::NoPayload, message, 1, 1));
    }
    let source = (ctx.format == ci::Format::Human).then_some(source);
    collector
        .finish(source)
        .map_err(|e| format!("cannot read back the results of `{name}`: {e}"))
}

/// Whether input `name` is a fixture file, which holds payloads alone
/// (`*.json`, `*.xml`), rather than a log.
fn is_fixture(name: &str) -> bool {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("xml"))
}

/// A `stray-text` finding for each of the first `skips` of a fixture file.
fn stray_text(collector: &mut Collector, skips: &Skips) {
    let more = skips.count.saturating_sub(skips.first.len() as u64);
    let last = skips.first.len().saturating_sub(1);
    for (i, s) in skips.first.iter().enumerate() {
        let what = if s.document {
            "this document holds no WeChat payload"
        } else {
            "this line holds no JSON or XML payload"
        };
        let mut message =
            format!("{what}: it is passed over, and a fixture file holds payloads alone");
        if i == last && more > 0 {
            let s = if more == 1 { "" } else { "s" };
            message.push_str(&format!(
                " ({more} more line{s} or document{s} like it below)"
            ));
        }
        collector.add_file_finding(Diagnostic::new(Code::StrayText, message, s.line, s.column));
    }
}

/// With `--platform`, a payload must be recognised as one of those platforms. A
/// payload that already has an error is failed anyway and gets no second finding.
fn require_platform(r: &mut Report, allowed: &[PlatformId]) {
    if allowed.is_empty() {
        return;
    }
    // A payload that fits several allowed platforms equally is of an allowed
    // platform whichever it is: no finding (one `--strict` would fail with no
    // way left to settle it).
    if r.platform.is_none()
        && r.candidates.iter().count() > 1
        && r.candidates.iter().all(|p| allowed.contains(&p))
    {
        r.diagnostics.retain(|d| d.code != Code::AmbiguousPlatform);
    }
    if r.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return;
    }
    let fits = r.type_def.is_some_and(|t| allowed.contains(&t.platform))
        && r.candidates.iter().any(|p| allowed.contains(&p));
    if fits {
        return;
    }
    let names: Vec<&str> = allowed.iter().map(|p| p.as_str()).collect();
    let what = match (&r.type_id, r.type_def) {
        // Ambiguous between platforms: naming the first would be wrong.
        (Some(t), Some(_)) if r.candidates.iter().count() > 1 => {
            let fits: Vec<&str> = r.candidates.iter().map(|p| p.as_str()).collect();
            format!("`{t}` fits {}", fits.join(" and "))
        }
        (Some(t), Some(td)) => {
            let name = td.platform.as_str();
            format!("`{t}` is {} {name} payload", article(name))
        }
        (Some(t), None) => format!("`{t}` is not a type of"),
        (None, _) => "the payload's type is not known to".to_string(),
    };
    let message = if r.type_def.is_some() {
        format!("{what}; --platform requires {}", names.join(" or "))
    } else {
        format!("{what} {} (required with --platform)", names.join(" or "))
    };
    r.diagnostics.push(Diagnostic::new(
        Code::PlatformMismatch,
        message,
        r.line,
        r.column,
    ));
    r.diagnostics.sort_by_key(|d| (d.line, d.column));
}

/// The indefinite article before a platform id read out as written: "an
/// official-account", "a miniprogram".
fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}
