//! The analysis result for one payload: what it is, whether it is valid, and why.
//!
//! A [`Report`] is what every renderer (pretty, JSON lines, CI formats) draws from.

use crate::catalog::{PlatformId, Platforms, TypeDef};
use crate::diag::{Code, Diagnostic, Severity};
use crate::doc::{Document, Embedding, Format};
use crate::lane::TapeDoc;
use crate::render::json_out;
use crate::tape::View;
use std::sync::Arc;

/// How a payload was wrapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Envelope {
    /// An encrypted push (`ToUserName` + `Encrypt`, WeCom adds `AgentID`).
    Push,
    /// An encrypted passive reply (`Encrypt`, `MsgSignature`, `TimeStamp`, `Nonce`).
    Reply,
    /// Compatibility mode: plaintext fields plus an `Encrypt` copy.
    Compat,
    /// One entry of a WeCom `sync_msg` response's `msg_list`.
    SyncMsg,
}

impl Envelope {
    pub fn as_str(self) -> &'static str {
        match self {
            Envelope::Push => "push",
            Envelope::Reply => "reply",
            Envelope::Compat => "compat",
            Envelope::SyncMsg => "sync_msg",
        }
    }
}

/// Everything wxmsg found out about one payload (or one broken document).
#[derive(Clone, Debug)]
pub struct Report {
    /// Display name of the input.
    pub source: Arc<str>,
    /// 1-based line and column where the payload starts.
    pub line: u32,
    pub column: u32,
    pub format: Format,
    /// The platform, when exactly one fits best.
    pub platform: Option<PlatformId>,
    /// Every platform that fits best (one entry when `platform` is set).
    pub candidates: Platforms,
    /// Type id (`text`, `event.SCAN`), when a discriminator was found.
    pub type_id: Option<crate::detect::TypeId>,
    /// The catalogue entry the payload was validated against.
    pub type_def: Option<&'static TypeDef>,
    pub envelope: Option<Envelope>,
    pub diagnostics: Vec<Diagnostic>,
    /// The parsed payload; `None` when the document could not be parsed, or when
    /// the fast lane checked it without building a tree (see `payload_tape`).
    /// Boxed: most reports have none, and a report is moved several times on
    /// its way to the printer; a small one moves without a `memcpy` call.
    pub doc: Option<Box<Document>>,
    /// The payload on the fast lane's tape ([`crate::lane`]), in place of `doc`:
    /// it reads, and is written out, as the tree `doc` would be.
    pub payload_tape: Option<TapePayload>,
    /// A key was given but the payload inside this encrypted envelope could
    /// not be obtained (a wrong key or signature, another receiver, a bad
    /// ciphertext or an unreadable plaintext): the reason is among the error
    /// `diagnostics`, and `doc` is the envelope itself, not a payload.
    pub undecrypted: bool,
}

/// A payload the fast lane checked, still on its tape.
#[derive(Clone, Debug)]
pub struct TapePayload {
    /// The document (shared by every entry of a `sync_msg` response).
    pub doc: Arc<TapeDoc>,
    /// The tape entry of the payload object.
    pub root: usize,
}

impl Report {
    /// Where the payload was found inside another document, when it was
    /// (its tree's or its tape's say).
    pub fn embedding(&self) -> Option<&Embedding> {
        match (&self.doc, &self.payload_tape) {
            (Some(d), _) => d.embedded.as_ref(),
            (None, Some(t)) => t.doc.embedded.as_ref(),
            (None, None) => None,
        }
    }
}

impl TapePayload {
    /// The payload object.
    pub fn view(&self) -> View<'_> {
        self.doc.tape.view(&self.doc.text, self.root)
    }

    /// Appends the payload as JSON, exactly as [`write_json`] writes the tree the
    /// full parser builds. Compact output is copied from the text where it can be
    /// ([`TapeDoc::write_compact`]).
    ///
    /// [`write_json`]: crate::render::json_out::write_json
    pub fn write_json(&self, out: &mut Vec<u8>, pretty: bool) {
        // Pretty output is never a copy: it does not ask.
        if pretty || !self.doc.write_compact(self.root, out) {
            json_out::write_view(out, self.view(), pretty);
        }
    }
}

impl Report {
    /// A report that names no platform or type: a broken document, or one that
    /// is not a payload, with its findings and the document when it parsed.
    pub fn unidentified(
        source: Arc<str>,
        (line, column): (u32, u32),
        format: Format,
        diagnostics: Vec<Diagnostic>,
        doc: Option<Document>,
    ) -> Report {
        Report {
            source,
            line,
            column,
            format,
            platform: None,
            candidates: Platforms::default(),
            type_id: None,
            type_def: None,
            envelope: None,
            diagnostics,
            doc: doc.map(Box::new),
            payload_tape: None,
            undecrypted: false,
        }
    }

    /// A payload is valid when no finding is an error.
    pub fn valid(&self) -> bool {
        count(&self.diagnostics, Severity::Error) == 0
    }

    /// True when any finding is a warning (for `--strict`).
    pub fn has_warnings(&self) -> bool {
        count(&self.diagnostics, Severity::Warning) > 0
    }
}

/// How many findings have this severity.
pub fn count(diags: &[Diagnostic], severity: Severity) -> usize {
    diags.iter().filter(|d| d.severity == severity).count()
}

/// Counts over a whole run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub payloads: u64,
    pub valid: u64,
    pub invalid: u64,
    /// Documents and text passed over because they carry no WeChat keys.
    pub skipped: u64,
    pub warnings: u64,
    /// The code of the first finding of the run (any severity), so the human
    /// output can point at `wxmsg explain CODE`; `None` when nothing was found.
    pub first_code: Option<Code>,
}

impl Summary {
    pub fn add(&mut self, r: &Report) {
        self.payloads += 1;
        if r.valid() {
            self.valid += 1;
        } else {
            self.invalid += 1;
        }
        self.warnings += count(&r.diagnostics, Severity::Warning) as u64;
        if self.first_code.is_none() {
            self.first_code = r.diagnostics.first().map(|d| d.code);
        }
    }

    /// Adds the counts of `later`, a summary of reports that came after these.
    pub fn merge(&mut self, later: &Summary) {
        self.payloads += later.payloads;
        self.valid += later.valid;
        self.invalid += later.invalid;
        self.skipped += later.skipped;
        self.warnings += later.warnings;
        if self.first_code.is_none() {
            self.first_code = later.first_code;
        }
    }
}
