//! Reports for `wxmsg validate`: the per-file verdicts rendered for people and for CI.
//!
//! Every format — [`human`], [`json`], [`github`], [`junit`], [`sarif`] — draws from the
//! same [`FileResult`] values, and they all agree on which findings are shown
//! ([`CiOptions::shows`]) and on whether a file passed ([`FileResult::passed`]).
//! Wording shared by several formats (the one-line finding, the closing count) is
//! produced here once.
//!
//! Nothing here analyses anything or prints: the command feeds each file's reports
//! to a [`Collector`] and hands the results and an [`io::Write`] to [`write`].
//!
//! Memory does not grow with the size of a file: a [`Collector`] keeps counts, not
//! reports, and puts what must wait for the end of the run (the shown findings,
//! sorted; the JSON of the payloads) in [`spool::Spool`]s, which move to a temporary
//! file once they outgrow memory. The human format reads the quoted source lines
//! again from the input ([`source::Reopen`]) rather than keeping it.

pub mod collect;
pub mod findings;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod source;
pub mod spool;

pub use collect::{Batch, Collector};
pub use findings::Findings;
pub use source::{ReadSeek, Reopen};
pub use spool::{Spool, SpoolStore};

use crate::diag::{Code, Diagnostic, Severity};
use crate::input::LineStart;
use std::io::{self, Write};
use std::path::PathBuf;

/// What checking one file found: its verdict and what the formats show of it.
/// Built by a [`Collector`].
pub struct FileResult {
    /// The path as the user will recognise it (`fixtures/a.json`, `<stdin>`); a
    /// name that is not UTF-8 has U+FFFD for its stray bytes.
    pub path: String,
    /// The file as named on disk, when the input is one (`None`: standard
    /// input, or not told): SARIF's URI carries its exact bytes, even those
    /// `path` cannot. Set by the caller after [`Collector::finish`].
    pub file: Option<PathBuf>,
    /// How many payloads (reports) the file held.
    pub payloads: u64,
    /// Some finding (shown or not) is an error.
    pub has_error: bool,
    /// Some finding (shown or not) is a warning.
    pub has_warning: bool,
    /// Findings about the file as a whole (`no-payload`), not about one payload.
    pub file_diagnostics: Vec<Diagnostic>,
    /// The shown findings (see [`CiOptions::shows`]), ordered by position in the
    /// file; findings at the same place keep the engine's order. Empty for the
    /// JSON format, which shows the reports instead.
    pub findings: Findings,
    /// The first of `findings` that makes the file fail (it names the JUnit failure).
    pub first_failure: Option<Finding>,
    /// Which codes occur in `findings`, by index in [`Code::ALL`].
    pub codes: Vec<bool>,
    /// For the JSON format: the payloads' report objects, comma-separated.
    pub payload_json: Option<Spool>,
    /// For the human format: the input, to quote the lines findings point at.
    pub source: Option<Box<dyn Reopen>>,
}

impl std::fmt::Debug for FileResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileResult")
            .field("path", &self.path)
            .field("payloads", &self.payloads)
            .field("has_error", &self.has_error)
            .field("has_warning", &self.has_warning)
            .field("file_diagnostics", &self.file_diagnostics)
            .field("findings", &self.findings.len())
            .finish_non_exhaustive()
    }
}

impl FileResult {
    /// A file passes when it holds at least one payload, nothing in it is an error,
    /// and — with `strict` — nothing is a warning either.
    pub fn passed(&self, strict: bool) -> bool {
        self.payloads > 0 && !self.has_error && !(strict && self.has_warning)
    }

    /// Whether `code` occurs among the shown findings.
    pub fn has_code(&self, code: Code) -> bool {
        let i = Code::ALL.iter().position(|c| *c == code);
        i.and_then(|i| self.codes.get(i)).copied().unwrap_or(false)
    }
}

/// A path that could not be read (missing, a dangling link, an I/O error). It
/// has no verdict — it counts as neither passed nor failed — but every
/// machine-readable format carries it, since that report is what a dashboard
/// shows: JSON in `errors`, JUnit as a testcase with an `<error>`, SARIF as a
/// tool execution notification of an unsuccessful invocation, GitHub as an
/// `::error` annotation. The human format leaves it to the stderr line the
/// command writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// The path as the user will recognise it, as in [`FileResult::path`].
    pub path: String,
    /// The file as named on disk, as in [`FileResult::file`] (`None`:
    /// standard input).
    pub file: Option<PathBuf>,
    /// What went wrong, as told on stderr:
    /// ``cannot read `x.json`: No such file or directory (os error 2)``.
    pub message: String,
}

/// A shown finding, as the formats need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// 1-based line in the file.
    pub line: u32,
    /// 1-based column in the line, in characters.
    pub column: u32,
    /// How serious it is.
    pub severity: Severity,
    /// What it is.
    pub code: Code,
    /// About the file as a whole (`no-payload`): nothing to point at.
    pub whole_file: bool,
    /// The field and the message: `/Title: message`, or just the message.
    pub text: String,
    /// A line at or before `line` whose start in the input is known: quoting
    /// reads on from there rather than from the first line.
    pub anchor: Option<LineStart>,
}

impl Finding {
    /// The finding as shown for `d`; `whole_file` for a file-level finding.
    pub fn of(d: &Diagnostic, whole_file: bool) -> Finding {
        Finding {
            line: d.line,
            column: d.column,
            severity: d.severity,
            code: d.code,
            whole_file,
            text: message_with_field(d),
            anchor: None,
        }
    }

    /// The sort key: position in the file.
    pub fn key(&self) -> (u32, u32) {
        (self.line, self.column)
    }

    /// Whether this finding makes its file fail.
    pub fn fails(&self, strict: bool) -> bool {
        match self.severity {
            Severity::Error => true,
            Severity::Warning => strict,
            Severity::Info => false,
        }
    }
}

/// The output formats of `wxmsg validate --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `path:line:col: error[code] field: message` with a source snippet.
    Human,
    /// One JSON document holding the parse reports of every file.
    Json,
    /// GitHub Actions workflow commands (`::error file=…`), one per finding.
    Github,
    /// JUnit XML, one `<testcase>` per file.
    Junit,
    /// SARIF 2.1.0 for code-scanning dashboards.
    Sarif,
}

/// How the results are judged and what is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CiOptions {
    /// Warnings fail a file too.
    pub strict: bool,
    /// Show info findings as well.
    pub verbose: bool,
    /// Show only the findings that make a file fail.
    pub quiet: bool,
    /// Paint the human format with ANSI colours.
    pub color: bool,
    /// Threads the human format may quote a file's lines on (0 and 1: the
    /// calling thread alone). The output is the same whatever the number.
    pub threads: usize,
}

impl CiOptions {
    /// Whether a finding is reported: errors always; warnings unless `quiet` (or
    /// when `strict` makes them fail); info only with `verbose`.
    pub fn shows(&self, d: &Diagnostic) -> bool {
        match d.severity {
            Severity::Error => true,
            Severity::Warning => self.strict || !self.quiet,
            Severity::Info => self.verbose && !self.quiet,
        }
    }
}

/// Files that passed and failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Files that passed.
    pub passed: usize,
    /// Files that failed.
    pub failed: usize,
}

impl Totals {
    /// Counts the verdicts of `files`.
    pub fn of(files: &[FileResult], strict: bool) -> Totals {
        let passed = files.iter().filter(|f| f.passed(strict)).count();
        Totals {
            passed,
            failed: files.len() - passed,
        }
    }
}

impl std::fmt::Display for Totals {
    /// The closing line of the human and GitHub formats: `3 passed, 1 failed`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)
    }
}

/// Writes `files` and the paths that could not be read (`unreadable`) in
/// `format`. Both should already be in the order to show.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    files: &[FileResult],
    unreadable: &[Unreadable],
    o: &CiOptions,
) -> io::Result<()> {
    match format {
        // The command tells them on stderr, where a person looks.
        Format::Human => human::write(out, files, o),
        Format::Json => json::write(out, files, unreadable, o),
        Format::Github => github::write(out, files, unreadable, o),
        Format::Junit => junit::write(out, files, unreadable, o),
        Format::Sarif => sarif::write(out, files, unreadable, o),
    }
}

/// The parts of a finding after the location, as plain text:
/// `error[missing-field] /Title: message`, or `error[no-payload] message` when the
/// finding has no field. Payload-derived text is *not* escaped here; each format
/// escapes for its own medium.
pub fn headline(f: &Finding) -> String {
    format!("{}[{}] {}", f.severity.as_str(), f.code.as_str(), f.text)
}

/// `/Title: message`, or just the message when the finding has no field.
pub fn message_with_field(d: &Diagnostic) -> String {
    match &d.field {
        Some(f) => format!("{f}: {}", d.message),
        None => d.message.to_string(),
    }
}

/// `path:line:col: error[code] field: message` — the one-line form of a finding,
/// with every payload-derived part escaped for a terminal or a text report.
pub fn finding_line(path: &str, f: &Finding) -> String {
    format!(
        "{}:{}:{}: {}",
        crate::render::sanitize::escape(path),
        f.line,
        f.column,
        crate::render::sanitize::escape_message(&headline(f))
    )
}

#[cfg(test)]
pub(crate) mod testing {
    //! Hand-built results for the renderers' unit tests.

    use super::{CiOptions, Collector, FileResult, Format, SpoolStore};
    use crate::diag::{Code, Diagnostic};
    use crate::doc::Format as DocFormat;
    use crate::report::Report;
    use std::sync::Arc;

    /// A report at 1:1 with the given findings and no parsed document.
    pub fn report(path: &str, diagnostics: Vec<Diagnostic>) -> Report {
        Report {
            type_id: Some("text".into()),
            ..Report::unidentified(Arc::from(path), (1, 1), DocFormat::Json, diagnostics, None)
        }
    }

    /// A file with one payload carrying `diagnostics`, collected for `format`
    /// with options `o`.
    pub fn file_for(
        format: Format,
        o: &CiOptions,
        path: &str,
        source: &str,
        diagnostics: Vec<Diagnostic>,
    ) -> FileResult {
        let store = SpoolStore::in_memory();
        let mut c = Collector::new(path, format, o, &store);
        c.add(&report(path, diagnostics));
        c.finish(Some(Box::new(source.as_bytes().to_vec())))
            .unwrap()
    }

    /// [`file_for`] the human format with the default options.
    pub fn file(path: &str, source: &str, diagnostics: Vec<Diagnostic>) -> FileResult {
        file_for(
            Format::Human,
            &CiOptions::default(),
            path,
            source,
            diagnostics,
        )
    }

    /// Three files: one clean, one with an error and a warning, one with no payload.
    pub fn sample_for(format: Format, o: &CiOptions) -> Vec<FileResult> {
        let ok = file_for(format, o, "a/ok.json", "{}\n", Vec::new());
        let bad = file_for(
            format,
            o,
            "a/bad.json",
            "{\n  \"MsgType\": \"text\",\n  \"CreateTime\": \"x\"\n}\n",
            vec![
                Diagnostic::new(Code::MissingField, "missing required field Content", 1, 1)
                    .with_field("/Content"),
                Diagnostic::new(Code::TypeVariant, "CreateTime should be an integer", 3, 17)
                    .with_field("/CreateTime"),
            ],
        );
        let store = SpoolStore::in_memory();
        let mut c = Collector::new("b/empty.json", format, o, &store);
        c.add_file_diagnostic(Diagnostic::new(
            Code::NoPayload,
            "no WeChat payload found: the file is empty",
            1,
            1,
        ));
        let empty = c.finish(Some(Box::new(Vec::new()))).unwrap();
        vec![bad, ok, empty]
    }

    /// [`sample_for`] the human format with the default options.
    pub fn sample() -> Vec<FileResult> {
        sample_for(Format::Human, &CiOptions::default())
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{file, sample};
    use super::*;
    use crate::diag::Code;

    #[test]
    fn verdicts() {
        let files = sample();
        assert_eq!(
            Totals::of(&files, false),
            Totals {
                passed: 1,
                failed: 2
            }
        );
        let warn = file(
            "w.json",
            "",
            vec![Diagnostic::new(Code::UnknownField, "unknown field", 1, 1)],
        );
        assert!(warn.passed(false));
        assert!(!warn.passed(true));
        let info = file(
            "i.json",
            "",
            vec![Diagnostic::new(Code::Encrypted, "encrypted", 1, 1)],
        );
        assert!(info.passed(true));
    }

    #[test]
    fn what_is_shown() {
        let e = Diagnostic::new(Code::MissingField, "m", 1, 1);
        let w = Diagnostic::new(Code::UnknownField, "u", 1, 1);
        let i = Diagnostic::new(Code::Encrypted, "e", 1, 1);
        let default = CiOptions::default();
        assert!(default.shows(&e) && default.shows(&w) && !default.shows(&i));
        let verbose = CiOptions {
            verbose: true,
            ..default
        };
        assert!(verbose.shows(&i));
        let quiet = CiOptions {
            quiet: true,
            ..default
        };
        assert!(quiet.shows(&e) && !quiet.shows(&w) && !quiet.shows(&i));
        let quiet_strict = CiOptions {
            strict: true,
            ..quiet
        };
        assert!(quiet_strict.shows(&w));
    }

    #[test]
    fn finding_line_escapes_and_omits_a_missing_field() {
        let d = Diagnostic::new(Code::NoPayload, "no payload", 1, 1);
        assert_eq!(
            finding_line("x\u{1b}.json", &Finding::of(&d, true)),
            "x\\x1b.json:1:1: error[no-payload] no payload"
        );
        let d = d.with_field("/a\nb");
        assert_eq!(
            finding_line("x.json", &Finding::of(&d, false)),
            "x.json:1:1: error[no-payload] /a\\nb: no payload"
        );
    }
}
