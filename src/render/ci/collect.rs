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
    severity: Severities,
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
            severity: Severities::default(),
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
        let shows = self.sorter.is_some().then_some(self.options);
        for d in &r.diagnostics {
            if let Some(f) = self.severity.judge(d, false, shows, line_start) {
                self.keep(f);
            }
        }
        if let Some(spool) = &mut self.payload_json {
            self.scratch.clear();
            push_report_json(&mut self.scratch, r, self.payloads > 1);
            // Writing to a spool cannot fail (it falls back to memory).
            let _ = spool.write_all(&self.scratch);
        }
    }

    /// Adds a batch of reports gathered from the input after those added so far.
    pub fn absorb(&mut self, batch: Batch) {
        let before = self.payloads;
        self.payloads += batch.payloads;
        self.severity.has_error |= batch.severity.has_error;
        self.severity.has_warning |= batch.severity.has_warning;
        for f in batch.shown {
            self.keep(f);
        }
        if let (Some(spool), Some(json)) = (&mut self.payload_json, &batch.payload_json) {
            // The batch puts a comma before each report; the first of all has none.
            let json = json.get(usize::from(before == 0)..).unwrap_or_default();
            let _ = spool.write_all(json);
        }
    }

    /// Adds a finding about the file as a whole (`no-payload`).
    pub fn add_file_diagnostic(&mut self, d: Diagnostic) {
        let shows = self.sorter.is_some().then_some(self.options);
        if let Some(f) = self.severity.judge(&d, true, shows, &|_| None) {
            self.keep(f);
        }
        self.file_diagnostics.push(d);
    }

    /// Adds a finding about the file at a place in it (`stray-text`): a file
    /// finding in the JSON format, quoted at its line like a payload's in the
    /// others.
    pub fn add_file_finding(&mut self, d: Diagnostic) {
        let shows = self.sorter.is_some().then_some(self.options);
        if let Some(f) = self.severity.judge(&d, false, shows, &|_| None) {
            self.keep(f);
        }
        self.file_diagnostics.push(d);
    }

    /// Keeps a finding that is shown.
    fn keep(&mut self, f: Finding) {
        let Some(sorter) = &mut self.sorter else {
            return;
        };
        if let Some(i) = Code::ALL.iter().position(|c| *c == f.code) {
            if let Some(seen) = self.codes.get_mut(i) {
                *seen = true;
            }
        }
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
            file: None,
            payloads: self.payloads,
            has_error: self.severity.has_error,
            has_warning: self.severity.has_warning,
            file_diagnostics: self.file_diagnostics,
            findings,
            first_failure: self.first_failure,
            codes: self.codes,
            payload_json,
            source,
        })
    }
}

/// Whether any finding was an error, or a warning.
#[derive(Clone, Copy, Debug, Default)]
struct Severities {
    has_error: bool,
    has_warning: bool,
}

impl Severities {
    /// Notes how serious `d` is, and makes its finding when it is shown: when
    /// `shows` (`None`: nothing is) says so. `line_start` is asked only then.
    fn judge(
        &mut self,
        d: &Diagnostic,
        whole_file: bool,
        shows: Option<CiOptions>,
        line_start: &dyn Fn(u32) -> Option<LineStart>,
    ) -> Option<Finding> {
        match d.severity {
            Severity::Error => self.has_error = true,
            Severity::Warning => self.has_warning = true,
            Severity::Info => {}
        }
        if !shows?.shows(d) {
            return None;
        }
        Some(Finding {
            anchor: line_start(d.line),
            ..Finding::of(d, whole_file)
        })
    }
}

/// Appends the JSON object of `r` as one line of the format's `payloads`
/// array, after a comma when it is not the first.
fn push_report_json(out: &mut Vec<u8>, r: &Report, comma: bool) {
    if comma {
        out.push(b',');
    }
    report_json::write_report(out, r);
    // `write_report` ends each report with a newline (it writes JSON lines);
    // inside the array the document stays on one line.
    if out.last() == Some(&b'\n') {
        out.pop();
    }
}

/// What the reports of one piece of an input contribute, gathered on any
/// thread: a large input is checked on several cores, and each piece's batch
/// is handed to the file's [`Collector`] in input order ([`Collector::absorb`]).
#[derive(Debug)]
pub struct Batch {
    /// What is shown (`None`: nothing, the JSON format shows reports).
    shows: Option<CiOptions>,
    payloads: u64,
    severity: Severities,
    /// The findings shown, in report order.
    shown: Vec<Finding>,
    /// For the JSON format, each report's object after a comma.
    payload_json: Option<Vec<u8>>,
}

impl Batch {
    /// An empty batch for a collector of `format` and `options`.
    pub fn new(format: Format, options: &CiOptions) -> Self {
        let json = format == Format::Json;
        Batch {
            shows: (!json).then_some(*options),
            payloads: 0,
            severity: Severities::default(),
            shown: Vec::new(),
            payload_json: json.then(Vec::new),
        }
    }

    /// [`Collector::add_located`] into the batch.
    pub fn add_located(&mut self, r: &Report, line_start: &dyn Fn(u32) -> Option<LineStart>) {
        self.payloads += 1;
        for d in &r.diagnostics {
            if let Some(f) = self.severity.judge(d, false, self.shows, line_start) {
                self.shown.push(f);
            }
        }
        if let Some(json) = &mut self.payload_json {
            push_report_json(json, r, true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{Analyzer, Options};

    /// The reports of a few payloads: valid, with errors, with warnings,
    /// encrypted (an info finding), and a broken line.
    fn reports() -> Vec<Report> {
        let text = [
            r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1,"MsgType":"text","Content":"hi","MsgId":1}"#,
            r#"{"ToUserName":"gh_1","MsgType":"text","Bogus":1}"#,
            r#"{"ToUserName":"gh_1","Encrypt":"abc"}"#,
            r#"{"MsgType":"text","Content":"cut"#,
            r#"{"msgid":"m","open_kfid":"wk","external_userid":"wm","send_time":1,"origin":3,"msgtype":"text","text":{"content":"x"},"extra":2}"#,
        ]
        .join("\n");
        let mut an = Analyzer::new(text.as_bytes(), "in", Options::default());
        std::iter::from_fn(|| an.next_report().ok().flatten()).collect()
    }

    /// A collector's verdict, and what its result looks like in `format`.
    fn written(c: Collector, format: Format, options: &CiOptions) -> (bool, bool, Vec<u8>) {
        let result = c.finish(None).unwrap();
        let mut out = Vec::new();
        let verdict = (result.has_error, result.has_warning);
        super::super::write(&mut out, format, &[result], &[], options).unwrap();
        (verdict.0, verdict.1, out)
    }

    #[test]
    fn batches_in_order_add_up_to_the_reports_one_by_one() {
        let all = reports();
        assert!(all.len() >= 5);
        // Also without the errors, so the warnings decide a strict verdict.
        let no_errors: Vec<&Report> = all
            .iter()
            .filter(|r| r.diagnostics.iter().all(|d| d.severity != Severity::Error))
            .collect();
        assert!(no_errors.len() >= 2);
        let store = SpoolStore::new();
        for (format, reports) in [Format::Json, Format::Github, Format::Junit]
            .into_iter()
            .flat_map(|f| [(f, all.iter().collect::<Vec<_>>()), (f, no_errors.clone())])
        {
            for (verbose, quiet, strict) in [
                (false, false, false),
                (true, false, true),
                (false, true, false),
            ] {
                let options = CiOptions {
                    strict,
                    verbose,
                    quiet,
                    ..CiOptions::default()
                };
                let mut one = Collector::new("in", format, &options, &store);
                for r in &reports {
                    one.add(r);
                }
                // An empty batch first, then batches of two.
                let mut batched = Collector::new("in", format, &options, &store);
                batched.absorb(Batch::new(format, &options));
                for pair in reports.chunks(2) {
                    let mut b = Batch::new(format, &options);
                    for r in pair {
                        b.add_located(r, &|_| None);
                    }
                    batched.absorb(b);
                }
                assert_eq!(batched.payloads(), one.payloads());
                let (want, got) = (
                    written(one, format, &options),
                    written(batched, format, &options),
                );
                assert!(
                    got == want,
                    "{format:?} {options:?}:\n{}\nnot\n{}",
                    String::from_utf8_lossy(&got.2),
                    String::from_utf8_lossy(&want.2)
                );
            }
        }
    }
}
