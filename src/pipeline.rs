//! The pipeline: framed documents → detected, validated [`Report`]s, one at a time.
//!
//! Besides plain payloads it unpacks what wraps them: a WeCom `sync_msg` response
//! becomes one report per `msg_list` entry, and a structured-log JSON line that
//! carries a payload in a string field (`"body":"<xml>…</xml>"`), or a whole log
//! line there (a container's `"log"`), yields that payload (`embedded`).
//! With a key ([`Options::decrypt`]), encrypted payloads are decrypted and the
//! payload inside is reported in their place (see `safe_mode`).

mod embedded;
mod parallel;
mod safe_mode;

pub(crate) use embedded::{may_hold_document, string_scanner, MAX_STRING_DEPTH};
pub use parallel::{run_parallel, ParallelError};

use crate::catalog::{self, PlatformId, Platforms};
use crate::crypto::{self, DecryptConfig, PlainCheck, Verification};
use crate::detect::{self, Detection};
use crate::diag::{Code, Diagnostic};
use crate::doc::{Document, Format, Node, Value};
use crate::input::{Item, LineStart, ScanOptions, Scanner};
use crate::lane::{self, Embedded, Spares, TapeDoc};
use crate::parse::ParseError;
use crate::report::{Envelope, Report};
use std::collections::VecDeque;
use std::io::{self, BufReader, Read};
use std::sync::Arc;

/// What the pipeline does besides framing.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub scan: ScanOptions,
    /// Platforms to consider (`--platform`); empty means all.
    pub platforms: Vec<PlatformId>,
    /// Platforms to settle ambiguous payloads among (`validate --platform`):
    /// see [`detect::settle`]. Empty means none.
    pub prefer: Vec<PlatformId>,
    /// Safe mode: when set, encrypted payloads (push, passive reply,
    /// compatibility mode) are verified and decrypted, and the payload inside is
    /// what gets detected and validated.
    pub decrypt: Option<DecryptConfig>,
    /// `--token` with a plain-mode query: the 3-part `signature` every payload
    /// that is not encrypted is checked against (the only authentication of a
    /// plain-mode push).
    pub plain_check: Option<PlainCheck>,
    /// What the fast lane ([`ScanOptions::lane`]) gives a report of its payload.
    pub lane_payload: LanePayload,
    /// A `sync_msg` response is one payload, reported whole, not one report
    /// per `msg_list` entry: for `convert`, which writes each payload out and
    /// must not drop the response's own fields (`next_cursor`, `has_more`).
    pub whole_responses: bool,
}

impl Options {
    /// Turns the fast lane on, each of its reports carrying its payload on
    /// the tape: for commands that write valid payloads out.
    pub fn tape_lane(&mut self) {
        self.scan.lane = true;
        self.lane_payload = LanePayload::Tape;
    }
}

/// How a fast-lane report carries its payload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LanePayload {
    /// On the tape itself ([`Report::payload_tape`]), which reads and is written
    /// out as the tree the full parser would have built.
    #[default]
    Tape,
    /// Not at all: for consumers that never show valid payloads.
    Nothing,
}

/// Where text with no payload was passed over: how often, and where, for
/// the first [`Skips::KEPT`] times (`validate` reports them in fixture files).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Skips {
    /// Lines with no document and documents with no payload passed over.
    pub count: u64,
    /// The first ones, in input order.
    pub first: Vec<Skip>,
}

/// One stretch of text with no payload, passed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Skip {
    /// Where its text starts.
    pub line: u32,
    pub column: u32,
    /// A document (JSON or XML) with no payload, rather than a line with none.
    pub document: bool,
}

impl Skips {
    /// How many skips are kept with their place: a file with more has
    /// bigger problems than a list of them can show.
    pub const KEPT: usize = 32;

    /// Counts one more, kept while there is room.
    pub fn add(&mut self, skip: Skip) {
        self.count += 1;
        if self.first.len() < Self::KEPT {
            self.first.push(skip);
        }
    }

    /// Counts `later`'s after these, in input order.
    pub fn append(&mut self, later: Skips) {
        self.count += later.count;
        let room = Self::KEPT.saturating_sub(self.first.len());
        self.first.extend(later.first.into_iter().take(room));
    }
}

/// Reads one input and yields a report per payload.
pub struct Analyzer<R: Read> {
    scanner: Scanner<BufReader<R>>,
    opts: Options,
    out: VecDeque<Report>,
    /// The first document, when it is not a payload: if it turns out to be the
    /// only thing in the input, it is reported `unrecognized`.
    held: Option<Held>,
    skips: Skips,
    done: bool,
}

impl<R: Read> Analyzer<R> {
    pub fn new(reader: R, source: impl Into<Arc<str>>, opts: Options) -> Self {
        Analyzer {
            scanner: Scanner::new(reader, source, opts.scan),
            opts,
            out: VecDeque::new(),
            held: None,
            skips: Skips::default(),
            done: false,
        }
    }

    /// Documents and lines passed over so far because they hold no payload.
    pub fn skipped(&self) -> u64 {
        self.skips.count
    }

    /// [`Analyzer::skipped`], with where the first ones are.
    pub fn skips(&self) -> &Skips {
        &self.skips
    }

    /// Where a line at or before `line` starts, near it (see
    /// [`Scanner::line_start`]): lines of the latest reports' documents.
    pub fn line_start(&self, line: u32) -> Option<LineStart> {
        self.scanner.line_start(line)
    }

    /// True when the next read would wait for input (flush output now).
    pub fn input_drained(&self) -> bool {
        self.out.is_empty() && self.scanner.input_drained()
    }

    /// The next report; `Ok(None)` at the end of input.
    pub fn next_report(&mut self) -> io::Result<Option<Report>> {
        loop {
            if let Some(r) = self.out.pop_front() {
                return Ok(Some(r));
            }
            if self.done {
                return Ok(None);
            }
            match self.scanner.next_item()? {
                None => {
                    self.done = true;
                    if let Some(held) = self.held.take() {
                        if self.scanner.was_single_document() {
                            let (doc, notes) = held.into_doc();
                            self.out.push_back(unrecognized(doc, notes));
                        } else {
                            self.skips.add(held.skip());
                        }
                    }
                }
                Some(item) => {
                    if let Some(held) = self.held.take() {
                        self.skips.add(held.skip());
                        held.recycle(self.scanner.spares());
                    }
                    self.item(item);
                }
            }
        }
    }

    fn item(&mut self, item: Item) {
        match analyze_item(item, &self.opts, &mut self.out, self.scanner.spares()) {
            Outcome::Reports => {}
            Outcome::Skipped(skip) => self.skips.add(skip),
            Outcome::NotPayload(held) => self.held = Some(held),
        }
    }

    /// Takes a report back once it has been used, so that the memory its
    /// payload sits in can hold a later one (optional: a report not given back
    /// is simply dropped).
    pub fn recycle(&mut self, report: Report) {
        self.scanner.spares().give_back(report);
    }
}

/// What one framed item turned out to be. Working this out needs nothing but the
/// item, so it can run on any thread (see [`run_parallel`]).
pub(crate) enum Outcome {
    /// The reports of its payloads were appended (none for an empty `sync_msg`
    /// response).
    Reports,
    /// A line with no document.
    Skipped(Skip),
    /// A document that holds no payload: passed over, unless it turns out to be
    /// the only thing in the input (then it is reported `unrecognized`).
    NotPayload(Held),
}

/// A document that holds no payload, kept until the input shows whether it
/// is passed over. Most are passed over, so one the lane read stays on its
/// tape: its tree is built only to be reported.
#[derive(Debug)]
pub(crate) enum Held {
    Doc(Box<Document>, Vec<Diagnostic>),
    Tape(Arc<TapeDoc>),
}

impl Held {
    /// The line the document starts on.
    pub(crate) fn line(&self) -> u32 {
        match self {
            Held::Doc(d, _) => d.line,
            Held::Tape(t) => t.line,
        }
    }

    /// The document, passed over.
    pub(crate) fn skip(&self) -> Skip {
        let (line, column) = match self {
            Held::Doc(d, _) => (d.line, d.column),
            Held::Tape(t) => (t.line, t.column),
        };
        Skip {
            line,
            column,
            document: true,
        }
    }

    /// The document and its notes, as the full pipeline holds them.
    pub(crate) fn into_doc(self) -> (Document, Vec<Diagnostic>) {
        match self {
            Held::Doc(d, notes) => (*d, notes),
            Held::Tape(t) => (t.to_document(), Vec::new()),
        }
    }

    /// Gives a tape back for the next document to be read into.
    pub(crate) fn recycle(self, spares: &mut Spares) {
        if let Held::Tape(t) = self {
            spares.give(t);
        }
    }
}

/// Detects, validates and unwraps what one framed item holds, appending its
/// reports to `out`. A tape document done with goes to `spares`.
pub(crate) fn analyze_item(
    item: Item,
    opts: &Options,
    out: &mut VecDeque<Report>,
    spares: &mut Spares,
) -> Outcome {
    let before = out.len();
    match item {
        Item::Skipped { line, column } => {
            return Outcome::Skipped(Skip {
                line,
                column,
                document: false,
            })
        }
        Item::Tape(t) => {
            let outcome = if lane::analyze(&t, opts, out) {
                Outcome::Reports
            } else {
                match lane::analyze_embedded(&t, opts, out, spares) {
                    Embedded::Reports => Outcome::Reports,
                    Embedded::Nothing => return Outcome::NotPayload(Held::Tape(t)),
                    Embedded::Unsure => analyze_item(t.to_item(), opts, out, spares),
                }
            };
            spares.give(t);
            return outcome;
        }
        Item::Broken(b) => out.push_back(Report::unidentified(
            b.source,
            (b.line, b.column),
            b.format,
            vec![b.diagnostic],
            None,
        )),
        Item::Doc(doc, notes) => {
            if detect::is_wechat(&doc.root) {
                analyze_into(out, *doc, notes, opts);
                return Outcome::Reports;
            }
            if let Some(other) = crypto::other_scheme(&doc.root) {
                out.push_back(unsupported(*doc, notes, other));
                return Outcome::Reports;
            }
            if doc.format == Format::Json {
                let mut found = Vec::new();
                embedded::find(&doc, opts.scan, &mut found);
                for inner in found {
                    match inner {
                        Ok((inner, notes)) => analyze_into(out, inner, notes, opts),
                        Err(broken) => out.push_back(broken),
                    }
                }
            }
            if out.len() == before {
                return Outcome::NotPayload(Held::Doc(doc, notes));
            }
        }
    }
    Outcome::Reports
}

/// Reports for one payload object (several for a `sync_msg` response).
fn analyze_into(
    out: &mut VecDeque<Report>,
    mut doc: Document,
    notes: Vec<Diagnostic>,
    opts: &Options,
) {
    let only = &opts.platforms[..];
    let prefer = &opts.prefer[..];
    let det = detect::settle(detect::detect(&doc, &doc.root, only), prefer, |p| {
        detect::detect(&doc, &doc.root, p)
    });
    if let Some(cfg) = &opts.decrypt {
        if matches!(
            det.envelope,
            Some(Envelope::Push | Envelope::Reply | Envelope::Compat)
        ) {
            out.push_back(safe_mode::decrypted_report(
                doc,
                det,
                notes,
                cfg,
                (only, prefer),
                opts.scan.limits,
            ));
            return;
        }
    }
    if det.type_id.as_deref() == Some("sync_msg") && !opts.whole_responses {
        if let Some(entries) = detect::sync_entries(&doc.root) {
            // Each entry is a payload of its own. The response is reported too
            // when it has something to say itself: a finding (a failed errcode,
            // a boolean has_more) or no entry to stand for it.
            let own = !det.diagnostics.is_empty() || !notes.is_empty() || entries.is_empty();
            let entries = if own {
                entries.to_vec()
            } else {
                // The response is not reported: its entries move out.
                take_sync_entries(&mut doc.root)
            };
            let subs: Vec<Document> = entries.into_iter().map(|e| doc.part(e)).collect();
            if own {
                out.push_back(report(doc, det, notes));
            }
            for sub in subs {
                let mut d = detect::settle(detect::detect(&sub, &sub.root, only), prefer, |p| {
                    detect::detect(&sub, &sub.root, p)
                });
                // An entry says nothing of its platform without its `msgtype`,
                // but a `sync_msg` response holds WeCom kf messages only.
                let kf = only.is_empty() || only.contains(&PlatformId::WecomKf);
                if kf && d.candidates == Platforms::default() {
                    d.candidates.insert(PlatformId::WecomKf);
                    d.platform = Some(PlatformId::WecomKf);
                }
                let mut r = report(sub, d, Vec::new());
                r.envelope = Some(Envelope::SyncMsg);
                out.push_back(r);
            }
            return;
        }
    }
    let mut notes = notes;
    if let Some(check) = &opts.plain_check {
        // A `sync_msg` response is an API's answer, not a signed push.
        if det.envelope.is_none() && det.type_id.as_deref() != Some("sync_msg") {
            notes.extend(plain_signature(&doc, check));
        }
    }
    out.push_back(report(doc, det, notes));
}

/// The finding of a plain-mode payload's `signature` check, at the payload's
/// start (the signature covers the request, not a field): a mismatch, or
/// why it was not checked. A match says nothing, as a valid field does.
fn plain_signature(doc: &Document, check: &PlainCheck) -> Option<Diagnostic> {
    let (line, column) = match &doc.embedded {
        Some(e) => (e.line, e.column),
        None => doc.line_col(doc.root.pos),
    };
    match check.check() {
        Ok(Verification::Verified) => None,
        Ok(Verification::NotVerified(why)) => Some(Diagnostic::new(
            Code::SignatureNotVerified,
            format!("signature not verified: {why}"),
            line,
            column,
        )),
        Err(e) => Some(Diagnostic::new(e.code, e.message, line, column)),
    }
}

/// Moves the items of the first `msg_list` member out of a `sync_msg` response
/// (the array [`detect::sync_entries`] reads).
fn take_sync_entries(root: &mut Node) -> Vec<Node> {
    let Value::Object(members) = &mut root.value else {
        return Vec::new();
    };
    match members.iter_mut().find(|m| m.key == "msg_list") {
        Some(m) => match &mut m.node.value {
            Value::Array(items) => std::mem::take(items),
            _ => Vec::new(),
        },
        None => Vec::new(),
    }
}

fn report(mut doc: Document, det: Detection, notes: Vec<Diagnostic>) -> Report {
    let (line, column) = doc.line_col(doc.root.pos);
    if let Some(typed) = det.typed {
        doc.root = typed;
    }
    let mut diagnostics = notes;
    diagnostics.extend(det.diagnostics);
    diagnostics.sort_by_key(|d| (d.line, d.column));
    Report {
        source: doc.source.clone(),
        line: doc.embedded.as_ref().map_or(line, |e| e.line),
        column: doc.embedded.as_ref().map_or(column, |e| e.column),
        format: doc.format,
        platform: det.platform,
        candidates: det.candidates,
        type_id: det.type_id,
        type_def: det.type_def,
        envelope: det.envelope,
        payload_tape: None,
        undecrypted: false,
        diagnostics,
        doc: Some(Box::new(doc)),
    }
}

/// A lone document with no WeChat keys.
fn unrecognized(doc: Document, notes: Vec<Diagnostic>) -> Report {
    let (line, column) = doc.line_col(doc.root.pos);
    // One payload key is not enough (a `sync_msg` request body has `open_kfid`):
    // say which one there is, not that there is none.
    let lone = doc
        .root
        .members()
        .iter()
        .find(|m| catalog::is_signature_key(&m.key));
    let message = match lone {
        Some(m) => format!(
            "{:?} is the only WeChat payload key in this document, and it has no message type (MsgType, msgtype, Event, Encrypt or msg_list)",
            m.key
        ),
        None => "no WeChat payload keys (ToUserName, MsgType, msgtype, Event, Encrypt, …) in this document".to_string(),
    };
    let d = Diagnostic::new(Code::Unrecognized, message, line, column);
    undetected(doc, notes, d)
}

/// A document encrypted with a scheme wxmsg recognises but does not decrypt
/// (WeChat Pay, mini program open data): refused with a pointer, never tried.
fn unsupported(doc: Document, notes: Vec<Diagnostic>, other: crypto::OtherScheme) -> Report {
    let (line, column) = doc.line_col(doc.root.pos);
    let d = Diagnostic::new(Code::UnsupportedScheme, other.message, line, column)
        .with_field(other.field);
    undetected(doc, notes, d)
}

/// A report for a whole document that is no payload wxmsg can detect, with the
/// finding that says why.
fn undetected(doc: Document, mut notes: Vec<Diagnostic>, why: Diagnostic) -> Report {
    notes.push(why);
    Report::unidentified(
        doc.source.clone(),
        doc.line_col(doc.root.pos),
        doc.format,
        notes,
        Some(doc),
    )
}

/// Whether JSON text `t` that failed to parse as `e` is a broken payload (to
/// report) rather than text that only starts like a document (passed over):
/// judged by what was read up to the problem.
pub(crate) fn is_broken_payload(t: &str, e: &ParseError) -> bool {
    let read = t.as_bytes().get(..=e.pos).unwrap_or(t.as_bytes());
    crate::input::looks_like_payload(read)
}
