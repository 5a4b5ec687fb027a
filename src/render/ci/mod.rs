//! Reports for `wxmsg validate`: the per-file verdicts rendered for people and for CI.
//!
//! Every format — [`human`], [`json`], [`github`], [`junit`], [`sarif`] — draws from the
//! same [`FileResult`] values and the same [`Diagnostic`]s inside them, and they all
//! agree on which findings are shown ([`CiOptions::shows`]) and on whether a file
//! passed ([`FileResult::passed`]). Wording shared by several formats (the one-line
//! finding, the closing count) is produced here once.
//!
//! Nothing here analyses anything or prints: the command builds the results and hands
//! an [`io::Write`] to [`write`].

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use crate::diag::{Diagnostic, Severity};
use crate::report::Report;
use std::io::{self, Write};

/// What checking one file found.
#[derive(Clone, Debug)]
pub struct FileResult {
    /// The path as the user will recognise it (`fixtures/a.json`, `<stdin>`).
    pub path: String,
    /// The file's bytes, kept so the human format can quote the offending line.
    pub source: Vec<u8>,
    /// One report per payload, in the order they appear in the file.
    pub reports: Vec<Report>,
    /// Findings about the file as a whole (`no-payload`), not about one payload.
    pub file_diagnostics: Vec<Diagnostic>,
}

impl FileResult {
    /// A file passes when it holds at least one payload, nothing in it is an error,
    /// and — with `strict` — nothing is a warning either.
    pub fn passed(&self, strict: bool) -> bool {
        !self.reports.is_empty()
            && self.all().all(|d| match d.severity {
                Severity::Error => false,
                Severity::Warning => !strict,
                Severity::Info => true,
            })
    }

    /// Every finding of the file: file-level ones, then each payload's.
    pub fn all(&self) -> impl Iterator<Item = &Diagnostic> {
        self.file_diagnostics
            .iter()
            .chain(self.reports.iter().flat_map(|r| r.diagnostics.iter()))
    }

    /// The findings `o` shows, ordered by position in the file (stable, so findings
    /// at the same place keep the engine's order).
    pub fn shown<'a>(&'a self, o: &CiOptions) -> Vec<&'a Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.all().filter(|d| o.shows(d)).collect();
        v.sort_by_key(|d| (d.line, d.column));
        v
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
    pub passed: usize,
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

/// Writes `files` in `format`. `files` should already be in the order to show.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    files: &[FileResult],
    o: &CiOptions,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(out, files, o),
        Format::Json => json::write(out, files, o),
        Format::Github => github::write(out, files, o),
        Format::Junit => junit::write(out, files, o),
        Format::Sarif => sarif::write(out, files, o),
    }
}

/// The parts of a finding after the location, as plain text:
/// `error[missing-field] /Title: message`, or `error[no-payload] message` when the
/// finding has no field. Payload-derived text is *not* escaped here; each format
/// escapes for its own medium.
pub fn headline(d: &Diagnostic) -> String {
    let mut s = format!("{}[{}] ", d.severity.as_str(), d.code.as_str());
    s.push_str(&message_with_field(d));
    s
}

/// `/Title: message`, or just the message when the finding has no field.
pub fn message_with_field(d: &Diagnostic) -> String {
    match &d.field {
        Some(f) => format!("{f}: {}", d.message),
        None => d.message.clone(),
    }
}

/// `path:line:col: error[code] field: message` — the one-line form of a finding,
/// with every payload-derived part escaped for a terminal or a text report.
pub fn finding_line(path: &str, d: &Diagnostic) -> String {
    format!(
        "{}:{}:{}: {}",
        crate::render::sanitize::escape(path),
        d.line,
        d.column,
        crate::render::sanitize::escape(&headline(d))
    )
}

#[cfg(test)]
pub(crate) mod testing {
    //! Hand-built results for the renderers' unit tests.

    use super::FileResult;
    use crate::diag::{Code, Diagnostic};
    use crate::doc::Format as DocFormat;
    use crate::report::Report;
    use std::sync::Arc;

    /// A report at 1:1 with the given findings and no parsed document.
    pub fn report(path: &str, diagnostics: Vec<Diagnostic>) -> Report {
        Report {
            source: Arc::from(path),
            line: 1,
            column: 1,
            format: DocFormat::Json,
            platform: None,
            candidates: Vec::new(),
            type_id: Some("text".to_string()),
            type_def: None,
            envelope: None,
            payload_json: None,
            diagnostics,
            doc: None,
        }
    }

    /// A file with one payload carrying `diagnostics`.
    pub fn file(path: &str, source: &str, diagnostics: Vec<Diagnostic>) -> FileResult {
        FileResult {
            path: path.to_string(),
            source: source.as_bytes().to_vec(),
            reports: vec![report(path, diagnostics)],
            file_diagnostics: Vec::new(),
        }
    }

    /// Three files: one clean, one with an error and a warning, one with no payload.
    pub fn sample() -> Vec<FileResult> {
        let ok = file("a/ok.json", "{}\n", Vec::new());
        let bad = file(
            "a/bad.json",
            "{\n  \"MsgType\": \"text\",\n  \"CreateTime\": \"x\"\n}\n",
            vec![
                Diagnostic::new(Code::MissingField, "missing required field Content", 1, 1)
                    .with_field("/Content"),
                Diagnostic::new(Code::TypeVariant, "CreateTime should be an integer", 3, 17)
                    .with_field("/CreateTime"),
            ],
        );
        let empty = FileResult {
            path: "b/empty.json".to_string(),
            source: Vec::new(),
            reports: Vec::new(),
            file_diagnostics: vec![Diagnostic::new(
                Code::NoPayload,
                "no WeChat payload found: the file is empty",
                1,
                1,
            )],
        };
        vec![bad, ok, empty]
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
            finding_line("x\u{1b}.json", &d),
            "x\\x1b.json:1:1: error[no-payload] no payload"
        );
        let d = d.with_field("/a\nb");
        assert_eq!(
            finding_line("x.json", &d),
            "x.json:1:1: error[no-payload] /a\\nb: no payload"
        );
    }
}
