//! Building a [`FileResult`] one report at a time.

use super::findings::Sorter;
use super::spool::{Spool, SpoolStore};
use super::{CiOptions, FileResult, Finding, Format, Reopen};
use crate::diag::{Code, Diagnostic, Severity};
use crate::input::LineStart;
use crate::render::report_json;
use crate::report::Report;
use std::io::{self, Write};
use std::sync::Arc;

/// Gathers what one file's reports contribute to the `format` report: counts for
/// the verdict, the shown findings (sorted, spooled) and, for the JSON format, the
/// report objects (spooled). Reports are not kept: feed each one to
/// [`add`](Collector::add) as it comes and drop it.
#[derive(Debug)]
pub struct Collector {
    path: String,
    options: CiOptions,
    payloads: u64,
    has_error: bool,
    has_warning: bool,
    file_diagnostics: Vec<Diagnostic>,
    /// `None` for the JSON format, which shows reports rather than findings.
    sorter: Option<Sorter>,
    first_failure: Option<Finding>,
    codes: Vec<bool>,
    payload_json: Option<Spool>,
    scratch: Vec<u8>,
}

impl Collector {
    /// A collector for the file shown as `path`, judged and filtered by `options`,
    /// spooling to `store`.
    pub fn new(
        path: impl Into<String>,
        format: Format,
        options: &CiOptions,
        store: &Arc<SpoolStore>,
    ) -> Self {
        let json = format == Format::Json;
        Collector {
            path: path.into(),
            options: *options,
            payloads: 0,
            has_error: false,
            has_warning: false,
            file_diagnostics: Vec::new(),
            sorter: (!json).then(|| Sorter::new(store)),
            first_failure: None,
            codes: vec![false; Code::ALL.len()],
            payload_json: json.then(|| Spool::new(store)),
            scratch: Vec::new(),
        }
    }

    /// Payloads (reports) added so far.
    pub fn payloads(&self) -> u64 {
        self.payloads
    }

    /// Adds one payload's report.
    pub fn add(&mut self, r: &Report) {
        self.add_located(r, &|_| None);
    }

    /// [`Collector::add`], with where lines start in the input: `line_start(n)`
    /// is a line at or before line `n` and its byte offset, when known.
    pub fn add_located(&mut self, r: &Report, line_start: &dyn Fn(u32) -> Option<LineStart>) {
        self.payloads += 1;
        for d in &r.diagnostics {
            self.finding(d, false, line_start);
        }
        if let Some(spool) = &mut self.payload_json {
            self.scratch.clear();
            if self.payloads > 1 {
                self.scratch.push(b',');
            }
            report_json::write_report(&mut self.scratch, r);
            // `write_report` ends each report with a newline (it writes JSON lines);
            // inside the array the document stays on one line.
            if self.scratch.last() == Some(&b'\n') {
                self.scratch.pop();
            }
            // Writing to a spool cannot fail (it falls back to memory).
            let _ = spool.write_all(&self.scratch);
        }
    }

    /// Adds a finding about the file as a whole (`no-payload`).
    pub fn add_file_diagnostic(&mut self, d: Diagnostic) {
        self.finding(&d, true, &|_| None);
        self.file_diagnostics.push(d);
    }

    /// Records a finding; `line_start` is asked only for one that is shown.
    fn finding(
        &mut self,
        d: &Diagnostic,
        whole_file: bool,
        line_start: &dyn Fn(u32) -> Option<LineStart>,
    ) {
        match d.severity {
            Severity::Error => self.has_error = true,
            Severity::Warning => self.has_warning = true,
            Severity::Info => {}
        }
        if !self.options.shows(d) {
            return;
        }
        let Some(sorter) = &mut self.sorter else {
            return;
        };
        if let Some(i) = Code::ALL.iter().position(|c| *c == d.code) {
            if let Some(seen) = self.codes.get_mut(i) {
                *seen = true;
            }
        }
        let f = Finding {
            anchor: line_start(d.line),
            ..Finding::of(d, whole_file)
        };
        // The first failing finding in sorted order: the smallest position, and
        // among equal positions the one that came first.
        if f.fails(self.options.strict)
            && self
                .first_failure
                .as_ref()
                .is_none_or(|first| f.key() < first.key())
        {
            self.first_failure = Some(f.clone());
        }
        sorter.push(f);
    }

    /// The result, with `source` to quote lines from (human format). Fails only
    /// when spooled findings cannot be read back to be sorted.
    pub fn finish(self, source: Option<Box<dyn Reopen>>) -> io::Result<FileResult> {
        let findings = match self.sorter {
            Some(s) => s.finish()?,
            None => Default::default(),
        };
        let payload_json = self.payload_json.map(|mut s| {
            s.seal();
            s
        });
        Ok(FileResult {
            path: self.path,
            payloads: self.payloads,
            has_error: self.has_error,
            has_warning: self.has_warning,
            file_diagnostics: self.file_diagnostics,
            findings,
            first_failure: self.first_failure,
            codes: self.codes,
            payload_json,
            source,
        })
    }
}
