//! `wxmsg validate`: check payload fixtures for CI and pre-commit.
//!
//! Paths are expanded (directories searched recursively), every file is read whole
//! and checked on all cores, and the results are rendered sorted by path by one of
//! the [`ci`] formats. A file passes when it holds at least one payload and every
//! payload is valid (with `--strict`, also free of warnings).

use super::{error_line, use_color, Status};
use crate::cli::ColorChoice;
use anyhow::Result;
use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use wxmsg::catalog::PlatformId;
use wxmsg::diag::{Code, Diagnostic, Severity};
use wxmsg::pipeline::{Analyzer, Options};
use wxmsg::render::ci::{self, CiOptions, FileResult};
use wxmsg::render::sanitize;
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
    #[arg(long, value_name = "ID", value_parser = parse_platform)]
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
    /// One JSON document: `{"passed", "failed", "files": [{path, valid, diagnostics, payloads}]}`.
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

fn parse_platform(s: &str) -> Result<PlatformId, String> {
    PlatformId::from_name(s).ok_or_else(|| {
        format!(
            "unknown platform `{s}`; expected miniprogram, official-account, wecom-kf or devmode"
        )
    })
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
    let exts: Vec<String> = if a.ext.is_empty() {
        DEFAULT_EXTS.iter().map(|e| e.to_string()).collect()
    } else {
        a.ext.clone()
    };
    let (mut inputs, mut trouble) = collect_inputs(&a.paths, &exts);
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
    // Stdin can only be read once and from one thread: read it before the workers.
    let stdin = if inputs.iter().any(|i| matches!(i, Input::Stdin)) {
        if io::stdin().is_terminal() {
            let _ = writeln!(
                io::stderr(),
                "wxmsg: reading payloads from the terminal; end with Ctrl-D, or pass a PATH"
            );
        }
        let mut buf = Vec::new();
        match io::stdin().lock().read_to_end(&mut buf) {
            Ok(_) => Some(buf),
            Err(e) => {
                error_line(&format!("cannot read standard input: {e}"));
                trouble = true;
                None
            }
        }
    } else {
        None
    };

    // Only the JSON format shows the payloads; the others need just the findings,
    // so the parsed documents are freed as soon as each payload is checked.
    let keep_docs = a.format == CiFormat::Json;
    let outcomes = check_all(&inputs, stdin, &opts, &a.platform, keep_docs)?;
    let mut files = Vec::with_capacity(outcomes.len());
    for o in outcomes {
        match o {
            Ok(f) => files.push(f),
            Err(msg) => {
                error_line(&msg);
                trouble = true;
            }
        }
    }

    let co = CiOptions {
        strict: a.strict,
        verbose: a.verbose,
        quiet: a.quiet,
        color: a.format == CiFormat::Human && use_color(a.color, io::stdout().is_terminal()),
    };
    let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    ci::write(&mut out, a.format.into(), &files, &co)?;
    out.flush()?;

    Ok(if trouble {
        Status::Trouble
    } else if files.iter().all(|f| f.passed(a.strict)) {
        Status::Ok
    } else {
        Status::Findings
    })
}

/// Expands the paths into inputs. Paths that cannot be read are reported on stderr
/// (the flag returned says so) and the rest are still collected.
fn collect_inputs(paths: &[String], exts: &[String]) -> (Vec<Input>, bool) {
    let mut inputs = Vec::new();
    let mut trouble = false;
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
                trouble |= walk(&path, exts, &mut inputs);
                if inputs.len() == before {
                    warning_line(&format!("no *.{} files under `{p}`", exts.join("/*.")));
                }
            }
            // Named files are read whatever their extension: the user asked for them.
            Ok(_) => inputs.push(Input::File(path)),
            Err(e) => {
                error_line(&format!("cannot read `{p}`: {e}"));
                trouble = true;
            }
        }
    }
    (inputs, trouble)
}

/// Adds every matching file below `dir`. Hidden entries and `target/` directories
/// (build output, which holds copies of fixtures) are skipped, and symbolic links to
/// directories are not followed, so a link cycle cannot make the walk endless.
/// Returns true when some directory could not be read.
fn walk(dir: &Path, exts: &[String], inputs: &mut Vec<Input>) -> bool {
    let mut trouble = false;
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            error_line(&format!("cannot read `{}`: {e}", dir.display()));
            return true;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                error_line(&format!("cannot read `{}`: {e}", dir.display()));
                trouble = true;
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
            error_line(&format!("cannot read `{}`", path.display()));
            trouble = true;
            continue;
        };
        if ft.is_dir() {
            if name != "target" {
                trouble |= walk(&path, exts, inputs);
            }
        } else if has_ext(&name, exts) {
            // A symlink to a file is read; one to a directory is not followed.
            if ft.is_symlink() && fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                continue;
            }
            inputs.push(Input::File(path));
        }
    }
    trouble
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

/// Checks every input on all cores. Each result sits at its input's index, so the
/// order is the input order whichever thread finished first. An `Err` is a message
/// about a file that could not be read.
fn check_all(
    inputs: &[Input],
    stdin: Option<Vec<u8>>,
    opts: &Options,
    allowed: &[PlatformId],
    keep_docs: bool,
) -> Result<Vec<Result<FileResult, String>>> {
    let mut stdin = stdin;
    let mut slots: Vec<Option<Result<FileResult, String>>> = Vec::new();
    slots.resize_with(inputs.len(), || None);
    // Stdin was read up front; check it here rather than hand the bytes to a worker.
    for (i, input) in inputs.iter().enumerate() {
        if let Input::Stdin = input {
            if let (Some(slot), Some(bytes)) = (slots.get_mut(i), stdin.take()) {
                *slot = Some(check(input.name(), bytes, opts, allowed, keep_docs));
            }
        }
    }
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, inputs.len().max(1));
    let done = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = inputs.get(i) else { break };
                        if let Input::File(path) = input {
                            let name = input.name();
                            let r = match fs::read(path) {
                                Ok(bytes) => check(name, bytes, opts, allowed, keep_docs),
                                Err(e) => Err(format!("cannot read `{name}`: {e}")),
                            };
                            mine.push((i, r));
                        }
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect::<Vec<_>>()
    });
    for worker in done {
        let Ok(results) = worker else {
            anyhow::bail!("a checking thread stopped unexpectedly");
        };
        for (i, r) in results {
            if let Some(slot) = slots.get_mut(i) {
                *slot = Some(r);
            }
        }
    }
    Ok(slots.into_iter().flatten().collect())
}

/// Every report of one file's bytes, and how many lines were passed over.
/// Without `keep_docs` the reports carry no parsed document.
fn analyse(
    name: &str,
    bytes: &[u8],
    opts: &Options,
    keep_docs: bool,
) -> Result<(Vec<Report>, u64), String> {
    let mut an = Analyzer::new(bytes, Arc::<str>::from(name), opts.clone());
    let mut reports = Vec::new();
    loop {
        match an.next_report() {
            Ok(Some(mut r)) => {
                if !keep_docs {
                    r.doc = None;
                }
                reports.push(r);
            }
            Ok(None) => return Ok((reports, an.skipped())),
            Err(e) => return Err(format!("error reading `{name}`: {e}")),
        }
    }
}

/// Checks one file's bytes.
fn check(
    name: String,
    bytes: Vec<u8>,
    opts: &Options,
    allowed: &[PlatformId],
    keep_docs: bool,
) -> Result<FileResult, String> {
    let (mut reports, skipped) = analyse(&name, &bytes, opts, keep_docs)?;
    if !allowed.is_empty() {
        // "Must be of these platforms": detect freely first, so a payload of another
        // platform is caught rather than squeezed into an allowed one; only when
        // every payload could be one of them, detect again restricted to them to
        // settle ambiguous ones (a bare `text`).
        let fits = |r: &Report| match r.platform {
            Some(p) => allowed.contains(&p),
            None => r.candidates.iter().any(|p| allowed.contains(p)),
        };
        if reports.iter().all(fits) {
            let restricted = Options {
                platforms: allowed.to_vec(),
                ..opts.clone()
            };
            let (again, _) = analyse(&name, &bytes, &restricted, keep_docs)?;
            if again.len() == reports.len() {
                reports = again;
            }
        }
        for r in &mut reports {
            require_platform(r, allowed);
        }
    }
    let mut file_diagnostics = Vec::new();
    if reports.is_empty() {
        let message = if bytes.iter().all(u8::is_ascii_whitespace) {
            "no WeChat payload found: the file is empty".to_string()
        } else if skipped > 0 {
            let lines = if skipped == 1 { "line" } else { "lines" };
            format!("no WeChat payload found: {skipped} {lines} without one passed over")
        } else {
            "no WeChat payload found".to_string()
        };
        file_diagnostics.push(Diagnostic::new(Code::NoPayload, message, 1, 1));
    }
    Ok(FileResult {
        path: name,
        source: bytes,
        reports,
        file_diagnostics,
    })
}

/// With `--platform`, a payload must be recognised as one of those platforms. A
/// payload that already has an error is failed anyway and gets no second finding.
fn require_platform(r: &mut Report, allowed: &[PlatformId]) {
    if r.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return;
    }
    let fits = r.type_def.is_some_and(|t| allowed.contains(&t.platform))
        && r.candidates.iter().any(|p| allowed.contains(p));
    if fits {
        return;
    }
    let names: Vec<&str> = allowed.iter().map(|p| p.as_str()).collect();
    let what = match (&r.type_id, r.type_def) {
        (Some(t), Some(td)) => format!("`{t}` is a {} payload", td.platform),
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

/// Writes `wxmsg: warning: …` to stderr.
fn warning_line(msg: &str) {
    let msg = sanitize::escape(msg);
    let mut err = io::stderr().lock();
    let _ = if use_color(ColorChoice::Auto, io::stderr().is_terminal()) {
        writeln!(err, "wxmsg: \x1b[1;33mwarning\x1b[0m: {msg}")
    } else {
        writeln!(err, "wxmsg: warning: {msg}")
    };
}
