//! The fast lane: payloads checked straight off a [`Tape`], without a tree.
//!
//! Most payloads in a log or a fixture tree are valid. For those, building the
//! owned tree of [`crate::doc`] (a `String` per key and value) costs far more than
//! checking them. The scanner reads a strict JSON or simple XML document onto
//! a tape ([`analyze_embedded`] reads a payload logged inside a string onto one
//! of its own), and the lane asks one question per candidate type: would
//! [`crate::validate`] find nothing at all
//! ([`Verdict::Clean`]), certainly an error or a warning ([`Verdict::Flawed`]), or
//! can the lane not tell ([`Verdict::Unsure`])? When a clean candidate wins
//! detection outright, the report is complete without a tree: detection's own
//! findings (ambiguous platform, encrypted) are the only ones, and the payload is
//! written out as compact JSON. Some warnings are the lane's too, when they
//! are all there is to say ([`warnings`]): fields no catalogue lists (WeChat
//! adds fields before catalogues do), documented type variants (a relay writes
//! numbers as strings) and timestamps in milliseconds, each with the
//! validator's own message. Anything else — another finding, a wrapper to
//! unpack, a key to decrypt with — goes to the full pipeline.

use crate::catalog::{self, Candidate, Disc, Field, PlatformId, Platforms, Required, Ty, Xml};
use crate::detect::{self, Discriminator};
use crate::diag::{Code, Diagnostic};
use crate::doc::{Document, Embedding, Format, Locator, XmlForm};
use crate::input::Item;
use crate::pipeline::{LanePayload, Options};
use crate::render::json_out;
use crate::report::{Envelope, Report, TapePayload};
use crate::tape::{Entry, Kind, Tape, View};
use crate::validate::{self, fits_number};
use std::collections::VecDeque;
use std::sync::Arc;

mod embedded;
mod warnings;

pub use embedded::{analyze_embedded, Embedded};

/// `Validator::range`'s millisecond threshold: timestamps above it get a warning.
const MS_THRESHOLD: u128 = crate::validate::MS_THRESHOLD;

/// What [`crate::validate::validate`] would report for one candidate type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// No finding of any severity.
    Clean,
    /// Not known without the full validator.
    Unsure,
    /// At least one error or warning: ranks below any clean candidate.
    Flawed,
}

impl Verdict {
    /// The verdict of two parts of one payload: a flaw anywhere is a flaw; else
    /// any doubt is doubt.
    fn and(self, other: Verdict) -> Verdict {
        self.max(other)
    }
}

/// A strict JSON document read onto a tape by the scanner, not yet analysed.
#[derive(Debug)]
pub struct TapeDoc {
    pub source: Arc<str>,
    /// JSON, or WeChat XML of the shape `tape::xml` reads.
    pub format: Format,
    /// The document's own text.
    pub text: String,
    pub tape: Tape,
    /// Where the document starts in the input.
    pub line: u32,
    pub column: u32,
    /// Set when the document is a payload found in a string (a JSON log's
    /// field, an escaped literal in a text log): its findings all point there,
    /// as [`Document::locator`] has it.
    pub embedded: Option<Embedding>,
}

impl Default for TapeDoc {
    fn default() -> Self {
        TapeDoc {
            source: Arc::from(""),
            format: Format::Json,
            text: String::new(),
            tape: Tape::default(),
            line: 1,
            column: 1,
            embedded: None,
        }
    }
}

/// Tape documents done with, kept for the scanner to read the next ones into:
/// their text, tape and `Arc` allocations are reused, so a payload on the lane
/// costs no allocation of its own. Only documents nothing else holds are kept,
/// and only a few, none of them large.
#[derive(Debug, Default)]
pub struct Spares {
    docs: Vec<Arc<TapeDoc>>,
}

impl Spares {
    /// How many documents are kept.
    const KEEP: usize = 4;
    /// Larger texts are let go: memory stays bounded by the current payload.
    const MAX_TEXT: usize = 64 * 1024;

    /// Keeps `doc` for reuse when nothing else holds it.
    pub fn give(&mut self, mut doc: Arc<TapeDoc>) {
        if self.docs.len() < Self::KEEP
            && Arc::get_mut(&mut doc).is_some_and(|d| d.text.capacity() <= Self::MAX_TEXT)
        {
            self.docs.push(doc);
        }
    }

    /// Keeps the document of a report that has been used, when it is on the
    /// lane's tape and nothing else holds it.
    pub fn give_back(&mut self, report: Report) {
        if let Some(p) = report.payload_tape {
            self.give(p.doc);
        }
    }

    /// A document to read into: a kept one, or a new one.
    pub fn take(&mut self) -> Arc<TapeDoc> {
        self.docs.pop().unwrap_or_default()
    }
}

/// Appends to `out` the reports of a tape document (one, or one per entry of a
/// `sync_msg` response). False, with `out` as it was, when the full pipeline
/// must look.
pub fn analyze(doc: &Arc<TapeDoc>, opts: &Options, out: &mut VecDeque<Report>) -> bool {
    let before = out.len();
    if reports(doc, opts, out).is_none() {
        out.truncate(before);
        return false;
    }
    true
}

/// [`analyze`] on a borrowed document. With [`LanePayload::Tape`], each report
/// carries its payload as the document and the payload's tape entry.
fn reports(doc: &Arc<TapeDoc>, opts: &Options, out: &mut VecDeque<Report>) -> Option<()> {
    let root = doc.tape.root(&doc.text);
    if root.kind() != Kind::Object {
        return None;
    }
    let with_payload = |mut r: Report, at: usize| {
        if opts.lane_payload == LanePayload::Tape {
            r.payload_tape = Some(TapePayload {
                doc: doc.clone(),
                root: at,
            });
        }
        r
    };
    let top = detect::TapeRoot {
        tape: &doc.tape,
        text: &doc.text,
    };
    let d = detect::discriminator(&top)?;
    // A send API's request body is no payload: the full pipeline passes it over.
    if d.disc == Disc::Snake && !detect::is_kf_item(&top) {
        return None;
    }
    if d.disc != Disc::SyncResponse {
        let at = doc.line_col(root.pos());
        out.push_back(with_payload(payload_report(doc, root, at, d, opts)?, 0));
        return Some(());
    }
    // A `sync_msg` response stands for its entries when it has nothing to say
    // itself (as in `pipeline::analyze_into`): it is checked as its type, and
    // reported first when the lane can tell its findings (an unknown key, an
    // empty list); a failed errcode is the full pipeline's to report.
    let list = root.get("msg_list").filter(|l| l.kind() == Kind::Array)?;
    // Any errcode but 0, as a number or (XML) as text, is `sync-errcode`.
    let failed = root.get("errcode").is_some_and(|e| match e.kind() {
        Kind::Number => e.raw() != "0",
        Kind::Str | Kind::StrEsc => e.str().is_none_or(|t| t != "0"),
        _ => true,
    });
    // A success without a field it always has is the full pipeline's to report.
    let td = d.rules.first()?.td;
    if failed
        || td
            .all_fields()
            .any(|f| f.req.on_success() && root.get(f.name).is_none())
    {
        return None;
    }
    let r = payload_report(doc, root, doc.line_col(root.pos()), d, opts)?;
    if opts.whole_responses {
        out.push_back(with_payload(r, 0));
        return Some(());
    }
    if !r.diagnostics.is_empty() || list.children().next().is_none() {
        out.push_back(with_payload(r, 0));
    }
    // Entries come in text order: each one's line and column are counted on
    // from the last one's, not from the start of the document.
    let mut loc = doc.locator();
    for entry in list.children() {
        if entry.kind() != Kind::Object {
            return None;
        }
        let d = detect::discriminator(&entry)?;
        if d.disc == Disc::SyncResponse {
            return None;
        }
        let at = loc.at(entry.pos() as usize);
        let mut r = payload_report(doc, entry, at, d, opts)?;
        r.envelope = Some(Envelope::SyncMsg);
        out.push_back(with_payload(r, entry.index()));
    }
    Some(())
}

/// The report for one payload object `root` of `doc`, when the lane can tell.
fn payload_report(
    doc: &TapeDoc,
    root: View<'_>,
    at: (u32, u32),
    d: Discriminator,
    opts: &Options,
) -> Option<Report> {
    report_among(doc, root, at, d, opts, &opts.platforms, true)
}

/// [`payload_report`] among `platforms` (all when empty); with `settle`, a
/// payload that fits several equally, some of them in `opts.prefer`, is
/// reported among those alone (as [`detect::settle`] does).
fn report_among(
    doc: &TapeDoc,
    root: View<'_>,
    (line, column): (u32, u32),
    d: Discriminator,
    opts: &Options,
    platforms: &[PlatformId],
    settle: bool,
) -> Option<Report> {
    // A signature to check is the full pipeline's finding to add.
    if opts.decrypt.is_some() && d.envelope.is_some() || opts.plain_check.is_some() {
        return None;
    }
    let allowed = |p: PlatformId| platforms.is_empty() || platforms.contains(&p);
    let rules = d.rules;
    // One verdict per distinct set of rules (see `catalog::candidate_rules`).
    let mut verdicts = [Verdict::Unsure; 8];
    // The fields each checked candidate found, as bits of their positions.
    let mut seens = [None; 8];
    if rules.len() > verdicts.len() {
        return None;
    }
    // The clean candidates, as bits of their index in `rules`.
    let mut tied = 0u8;
    for (i, c) in rules.iter().enumerate() {
        if !allowed(c.td.platform) {
            continue;
        }
        // An earlier verdict that answers for this candidate too, or a check.
        let (v, seen) = match verdicts.get(c.same) {
            Some(&v) if c.same < i => (v, seens.get(c.same).copied().flatten()),
            _ => match implied_by_clean(c, &verdicts, &seens) {
                Some(true) => (Verdict::Clean, None),
                Some(false) => (Verdict::Flawed, None),
                None => {
                    let mut seen = 0;
                    (
                        object(root, &c.fields[..], c.required, true, &mut seen),
                        Some(seen),
                    )
                }
            },
        };
        verdicts[i] = v;
        seens[i] = seen;
        match v {
            Verdict::Clean => tied |= 1 << i,
            Verdict::Flawed => {}
            Verdict::Unsure => return None,
        }
    }
    // Platform markers decide among the candidates before any fit does (as in
    // `detect::detect`): a marked one that is not clean is the full
    // pipeline's to report.
    let mut marked = 0u8;
    if rules.len() > 1 {
        // One table lookup per member says which platforms it marks.
        let mut marks = Platforms::default();
        for m in root.children() {
            if let Some((key, ps)) = catalog::marker_of(m.key_hash()) {
                if m.key_is(m.key_hash(), key) {
                    marks = marks.union(ps);
                }
            }
        }
        for (i, c) in rules.iter().enumerate() {
            if allowed(c.td.platform) && marks.contains(c.td.platform) {
                marked |= 1 << i;
            }
        }
    }
    let unmarked_clean = marked != 0 && tied != 0 && tied & marked == 0;
    if unmarked_clean {
        return None;
    }
    if marked != 0 {
        tied &= marked;
    }
    // No clean candidate: when every one finds nothing but warnings the lane
    // writes (unknown fields, type variants, millisecond timestamps), their
    // counts alone rank them, as detection's would.
    let warned = tied == 0;
    if warned {
        // An embedded payload's findings all share one position, so their
        // order is the validator's own, which only the validator knows.
        if doc.embedded.is_some() {
            return None;
        }
        // Among the marked candidates when there are any.
        let is_marked = |p: PlatformId| {
            marked == 0
                || rules
                    .iter()
                    .enumerate()
                    .any(|(i, c)| marked & (1 << i) != 0 && c.td.platform == p)
        };
        tied = warnings::fewest(root, rules, |p| allowed(p) && is_marked(p))?;
    }
    let tied_rules = |bits: u8| {
        rules
            .iter()
            .enumerate()
            .filter(move |&(i, _)| bits & (1 << i) != 0)
            .map(|(_, c)| c.td)
    };
    // No clean candidate: the findings are the full validator's to make.
    let mut candidates: Platforms = tied_rules(tied).map(|t| t.platform).collect();
    // An original id in `ToUserName` rules out a platform never addressed to
    // one among those that tie, as in `detect::detect`.
    let never = candidates.intersection(catalog::never_original_ids());
    if candidates.len() > 1
        && !never.is_empty()
        && never != candidates
        && root
            .get("ToUserName")
            .and_then(|v| v.str())
            .is_some_and(|t| detect::is_original_id(&t))
    {
        for (i, c) in rules.iter().enumerate() {
            if never.contains(c.td.platform) {
                tied &= !(1 << i);
            }
        }
        candidates = tied_rules(tied).map(|t| t.platform).collect();
    }
    let td = tied_rules(tied).next()?;
    let platform = candidates.single();
    if settle && platform.is_none() && candidates.iter().any(|p| opts.prefer.contains(&p)) {
        return report_among(doc, root, (line, column), d, opts, &opts.prefer, false);
    }
    let mut diagnostics = Vec::new();
    if platform.is_none() {
        diagnostics.push(Diagnostic::new(
            Code::AmbiguousPlatform,
            detect::ambiguous_message(&d.id, candidates),
            line,
            column,
        ));
    }
    if d.envelope.is_some() && d.disc == Disc::Envelope {
        diagnostics.push(Diagnostic::new(
            Code::Encrypted,
            detect::ENCRYPTED_MESSAGE,
            line,
            column,
        ));
    }
    if warned {
        // After the findings above: those are at the payload's start, each
        // warning at a member further on.
        let chosen = rules.get(tied.trailing_zeros() as usize)?;
        warnings::push(doc, root, chosen, &mut diagnostics);
    }
    Some(Report {
        source: doc.source.clone(),
        line,
        column,
        format: doc.format,
        platform,
        candidates,
        type_id: Some(d.id),
        type_def: Some(td),
        envelope: d.envelope,
        diagnostics,
        doc: None,
        payload_tape: None,
        undecrypted: false,
    })
}

/// The field of `fields` that member `m`'s key names, and its position.
/// Payloads mostly list fields in catalogue order: the field at `next` (the
/// one after the last found, which it becomes) is tried before all of them.
#[inline(always)]
fn field_of<'f>(fields: &'f [Field], m: &View<'_>, next: &mut usize) -> Option<(usize, &'f Field)> {
    let found = match fields.get(*next) {
        Some(f) if m.key_is(f.hash, f.name) => Some((*next, f)),
        _ => fields
            .iter()
            .enumerate()
            .find(|(_, f)| m.key_is(f.hash, f.name)),
    };
    if let Some((i, _)) = found {
        *next = i + 1;
    }
    found
}

impl TapeDoc {
    /// Appends the value at tape entry `index` as the compact JSON
    /// [`write_view`] writes, copying the document's text wherever it already is
    /// that JSON; false, with nothing appended, when the document is not compact
    /// (whitespace between its tokens, [`Tape::spaced`]). Most JSON lines are
    /// compact, and copying them costs far less than writing them out value by
    /// value: only strings written differently (escapes decoded and written
    /// again, characters escaped for the terminal) are written one by one.
    ///
    /// [`write_view`]: crate::render::json_out::write_view
    /// [`Tape::spaced`]: crate::tape::Tape::spaced
    pub fn write_compact(&self, index: usize, out: &mut Vec<u8>) -> bool {
        let entries = &self.tape.entries;
        let Some(top) = entries.get(index) else {
            return false;
        };
        let Some(values) = entries.get(index..top.next as usize) else {
            return false;
        };
        let (from, to) = (top.pos as usize, top.end as usize);
        if self.format != Format::Json || self.tape.spaced || self.text.get(from..to).is_none() {
            return false;
        }
        let text = self.text.as_bytes();
        // The usual case, known from reading the text: no string that writing
        // would change.
        if self.tape.verbatim {
            out.extend_from_slice(text.get(from..to).unwrap_or_default());
            return true;
        }
        // The text not yet copied starts here.
        let mut copied = from;
        let mut rewrite =
            |at: usize, after: usize, out: &mut Vec<u8>, write: &dyn Fn(&mut Vec<u8>)| {
                out.extend_from_slice(text.get(copied..at).unwrap_or_default());
                write(out);
                copied = after;
            };
        for (i, e) in values.iter().enumerate() {
            // The value's own key belongs to its parent.
            if i > 0 && e.key_pos != u32::MAX {
                let (ks, ke) = (e.key_start as usize, e.key_end as usize);
                let key = self.text.get(ks..ke).unwrap_or_default();
                if !e.key_plain && !json_out::copies_verbatim(key.as_bytes()) {
                    rewrite(e.key_pos as usize, ke + 1, out, &|o| {
                        json_out::write_string(o, key)
                    });
                }
            }
            if matches!(e.kind, Kind::Str | Kind::StrEsc) {
                let end = e.end as usize;
                let raw = text.get(e.start as usize..end).unwrap_or_default();
                if e.kind == Kind::StrEsc || !(e.plain || json_out::copies_verbatim(raw)) {
                    let v = self.tape.view(&self.text, index + i);
                    rewrite(e.pos as usize, end + 1, out, &|o| {
                        json_out::write_view(o, v, false)
                    });
                }
            }
        }
        out.extend_from_slice(text.get(copied..to).unwrap_or_default());
        true
    }

    /// Line and column of a byte offset of the document.
    pub fn line_col(&self, pos: u32) -> (u32, u32) {
        self.locator().at(pos as usize)
    }

    /// A [`Locator`] for many offsets of this document, as
    /// [`Document::locator`] has it.
    pub fn locator(&self) -> Locator<'_> {
        Locator::of(&self.text, self.line, self.column, self.embedded.as_ref())
    }

    /// Takes `text`, a payload found in a string of `source` at
    /// `line`:`column` (the field's JSON Pointer, empty for an escaped literal
    /// in plain text), as this document, whose tape was read from it.
    pub fn hold_embedded(
        &mut self,
        text: &str,
        source: &Arc<str>,
        format: Format,
        field: String,
        (line, column): (u32, u32),
    ) {
        self.text.clear();
        self.text.push_str(text);
        self.source.clone_from(source);
        self.format = format;
        self.embed_at(field, (line, column));
    }

    /// Makes this document one found in the string field `field` (empty for
    /// escaped text) at `line`:`column`, where all its findings point.
    pub fn embed_at(&mut self, field: String, at: (u32, u32)) {
        (self.line, self.column) = at;
        self.embedded = Some(Embedding::at(field, at));
    }

    /// The document as the full pipeline takes it: the tree the full parser
    /// would have built, exactly as the scanner would have queued it without the
    /// lane. It is built from the tape, not parsed again: a flawed payload costs
    /// a parse less, and the tape reads only documents the parser reads the
    /// same way, with nothing to note (no XML attributes or stray text).
    pub fn to_item(&self) -> Item {
        Item::Doc(Box::new(self.to_document()), Vec::new())
    }

    /// The document of [`TapeDoc::to_item`].
    pub fn to_document(&self) -> Document {
        Document {
            source: self.source.clone(),
            format: self.format,
            text: Arc::from(self.text.as_str()),
            line: self.line,
            column: self.column,
            root: self.tape.root(&self.text).to_node(),
            embedded: self.embedded.clone(),
            lenient: false,
        }
    }
}

/// Candidate `c`'s verdict as an earlier clean candidate's tells it (see
/// [`crate::catalog::Implied`]), when one does. Only checked candidates are asked:
/// `seens` holds the fields each of them found.
fn implied_by_clean(c: &Candidate, verdicts: &[Verdict], seens: &[Option<u64>]) -> Option<bool> {
    c.after.iter().enumerate().find_map(|(j, rel)| {
        match (verdicts.get(j), seens.get(j).copied().flatten(), rel) {
            (Some(Verdict::Clean), Some(seen), Some(rel)) => rel.verdict(seen),
            _ => None,
        }
    })
}

/// What validating `root` against candidate `c`'s type would find, as far as
/// the lane can tell.
pub fn verdict(root: View<'_>, c: &'static Candidate) -> Verdict {
    object(root, &c.fields, c.required, true, &mut 0)
}

/// Mirrors `Validator::object`: duplicates, each member, unknown and missing
/// fields. `required` is [`Required::of`] the fields; `seen` gets the fields
/// found, as bits of their positions.
fn object(
    obj: View<'_>,
    fields: &'static [Field],
    required: Required,
    report_unknown: bool,
    seen_out: &mut u64,
) -> Verdict {
    // Where unknown keys are flaws, a repeated key is either unknown or a field
    // seen twice, caught below; only an object of unknown keys needs the search.
    if !report_unknown && has_duplicates(obj) {
        return Verdict::Flawed;
    }
    let mut v = Verdict::Clean;
    let mut seen = 0u64;
    let mut next = 0;
    for m in obj.children() {
        let e = m.entry();
        match field_of(fields, &m, &mut next) {
            Some((i, f)) => {
                if i >= 64 {
                    return Verdict::Unsure;
                }
                if seen & (1 << i) != 0 {
                    return Verdict::Flawed;
                }
                seen |= 1 << i;
                if !clean_at_sight(f, e) {
                    v = v.and(value(f, m));
                }
            }
            // An unknown field is a warning; inside it only duplicates are looked for.
            None if report_unknown => return Verdict::Flawed,
            None => v = v.and(unknown(m)),
        }
        if v == Verdict::Flawed {
            return v;
        }
    }
    *seen_out = seen;
    if required.may_lack(seen) {
        // Past the 64th field the bit set cannot say; let the validator look.
        return if required.fields > 64 {
            Verdict::Unsure
        } else {
            Verdict::Flawed
        };
    }
    v
}

/// [`object`] for an object field's value (or an item of an object array).
fn children(obj: View<'_>, field: &'static Field, report_unknown: bool) -> Verdict {
    object(
        obj,
        field.children,
        field.children_required,
        report_unknown,
        &mut 0,
    )
}

/// A value the catalogue does not describe: only duplicate keys inside it count.
fn unknown(v: View<'_>) -> Verdict {
    if v.subtree()
        .any(|o| o.kind() == Kind::Object && has_duplicates(o))
    {
        Verdict::Flawed
    } else {
        Verdict::Clean
    }
}

fn has_duplicates(obj: View<'_>) -> bool {
    // Two bits per key hash: a key whose bits are both set already may repeat
    // an earlier key (then compared in full); most objects never get there.
    let (mut a, mut b) = (0u64, 0u64);
    for (n, m) in obj.children().enumerate() {
        let h = m.key_hash();
        let (ba, bb) = (1u64 << (h & 63), 1u64 << ((h >> 6) & 63));
        if a & ba != 0 && b & bb != 0 {
            let k = m.key();
            if obj.children().take(n).any(|e| e.key_is(h, k)) {
                return true;
            }
        }
        a |= ba;
        b |= bb;
    }
    false
}

/// The usual members, which [`value`] would find clean, told from the entry
/// alone with no call: text on a string field (JSON text without escapes, or
/// XML text without a backslash), or JSON digits short
/// enough for any range on an integer field, neither with codes to look up.
#[inline(always)]
fn clean_at_sight(f: &Field, e: &Entry) -> bool {
    if !f.codes.is_empty() {
        return false;
    }
    match (f.ty, e.kind) {
        // A JSON `Str` has no escapes, so never a backslash either.
        (Ty::String, Kind::Str) => !e.backslash,
        // JSON digits alone (XML text is `plain` when it is printable,
        // digits or not).
        (Ty::Integer | Ty::Id64 | Ty::Timestamp, Kind::Number) => {
            let len = e.end.wrapping_sub(e.start) as usize;
            e.plain && e.form == XmlForm::None && short_enough(f.ty, len)
        }
        _ => false,
    }
}

/// Mirrors `Validator::value` for JSON values: clean only on the canonical type.
// Inlined into the field check's loop, its hot caller, however many others it has.
#[inline(always)]
fn value(field: &'static Field, m: View<'_>) -> Verdict {
    if m.form() != XmlForm::None {
        return xml_value(field, m);
    }
    match (field.ty, m.kind()) {
        (Ty::String, Kind::Str | Kind::StrEsc) => text(field, m),
        (Ty::Integer | Ty::Id64 | Ty::Timestamp, Kind::Number) => {
            let n = m.raw();
            if !n.bytes().all(|b| b.is_ascii_digit()) {
                // A fraction or exponent on an integer field is a mismatch; a
                // negative integer is the range rules' call.
                return if n.starts_with('-') && n[1..].bytes().all(|b| b.is_ascii_digit()) {
                    Verdict::Unsure
                } else {
                    Verdict::Flawed
                };
            }
            match in_range(field.ty, n) {
                Verdict::Clean => codes(field, n),
                other => other,
            }
        }
        (Ty::Number, Kind::Number) => codes(field, m.raw()),
        (Ty::Boolean, Kind::True | Kind::False) | (Ty::Null, Kind::Null) => {
            if field.codes.is_empty() {
                Verdict::Clean
            } else {
                Verdict::Unsure
            }
        }
        (Ty::Object, Kind::Object) => children(m, field, !field.children.is_empty()),
        (Ty::ObjectArray, Kind::Array) => m
            .children()
            .map(|item| match item.kind() {
                // A payload of its own: checked where it is reported.
                Kind::Object if field.payloads => Verdict::Clean,
                Kind::Object => children(item, field, !field.children.is_empty()),
                _ => Verdict::Flawed,
            })
            .fold(Verdict::Clean, Verdict::and),
        (Ty::StringArray, Kind::Array) => m
            .children()
            .map(|item| match item.kind() {
                Kind::Str | Kind::StrEsc => escapes(item),
                _ => Verdict::Flawed,
            })
            .fold(Verdict::Clean, Verdict::and),
        // Every other pairing is a type mismatch or a documented variant: an
        // error or a warning either way.
        _ => Verdict::Flawed,
    }
}

/// Mirrors `Validator::xml_value` for what an XML tape holds: leaves (CDATA
/// text, bare text or number, empty), objects of child elements and arrays of
/// `<item>` objects. Fields the typing pass would change (booleans, a single
/// element where an array belongs, an `<item>` list where an object does) are
/// left to the full pipeline.
#[inline(always)]
fn xml_value(field: &'static Field, m: View<'_>) -> Verdict {
    let numeric = matches!(
        field.ty,
        Ty::Integer | Ty::Id64 | Ty::Timestamp | Ty::Number
    );
    match (field.ty, m.kind(), m.form()) {
        // Child elements of an object whose fields the catalogue lists (typing
        // would judge those of any other), and `<item>` objects of an array.
        (Ty::Object, Kind::Object, XmlForm::Nested) if !field.children.is_empty() => {
            children(m, field, true)
        }
        (Ty::ObjectArray, Kind::Array, XmlForm::Items) if !field.children.is_empty() => m
            .children()
            .map(|item| match (item.kind(), item.form()) {
                // A payload of its own, checked where it is reported; from XML
                // the typing pass may change it (a bare `true`), which the
                // tape would not.
                (Kind::Object, XmlForm::Nested) if field.payloads => Verdict::Unsure,
                (Kind::Object, XmlForm::Nested) => children(item, field, true),
                _ => Verdict::Unsure,
            })
            .fold(Verdict::Clean, Verdict::and),
        // Typing makes an empty element the empty string (or keeps the null
        // a field documents), which the tape would write as null.
        (Ty::String, Kind::Null, _) => Verdict::Unsure,
        (Ty::String, Kind::Str, _) => text(field, m),
        (Ty::String, Kind::Number, _) => {
            if field.xml == Xml::Cdata {
                // Bare text where WeChat writes CDATA: a variant warning.
                Verdict::Flawed
            } else {
                // Typing makes these digits a string, which the tape would
                // write as a number.
                Verdict::Unsure
            }
        }
        (_, Kind::Str | Kind::Number, form) if numeric => {
            let s = m.raw();
            let t = s.trim();
            let integral = field.ty != Ty::Number;
            let fits = fits_number(field.ty, t);
            // Not a number, a number in CDATA where WeChat writes bare text, or
            // padding: each a warning or an error.
            if !fits || (form == XmlForm::Cdata && field.xml != Xml::Cdata) || t.len() != s.len() {
                return Verdict::Flawed;
            }
            if !integral {
                return codes(field, t);
            }
            if !t.bytes().all(|b| b.is_ascii_digit()) {
                // A negative integer: the range rules decide.
                return Verdict::Unsure;
            }
            match in_range(field.ty, t) {
                Verdict::Clean => codes(field, t),
                other => other,
            }
        }
        // An empty element on a numeric field, and anything else typing or the
        // other rules would have to judge.
        (_, Kind::Null, _) if numeric => Verdict::Flawed,
        _ => Verdict::Unsure,
    }
}

/// Whether `len` digits are inside every range of type `ty`, whatever they
/// are: up to 11 digits for every type (the smallest limit is 10^11), up to
/// 19 inside `u64` (message ids are mostly 16 to 19 digits).
#[inline(always)]
fn short_enough(ty: Ty, len: usize) -> bool {
    len <= 11 || (ty != Ty::Timestamp && len <= 19)
}

/// Mirrors `Validator::range` for an unsigned integer lexeme (JSON grammar: no
/// leading zeros): ids and integers up to `u64::MAX`, timestamps in seconds.
fn in_range(ty: Ty, digits: &str) -> Verdict {
    if short_enough(ty, digits.len()) {
        return Verdict::Clean;
    }
    let Some(n) = digits_value(digits) else {
        return Verdict::Flawed;
    };
    let fits = match ty {
        Ty::Timestamp => n <= MS_THRESHOLD,
        _ => n <= u128::from(u64::MAX),
    };
    if fits {
        Verdict::Clean
    } else {
        Verdict::Flawed
    }
}

/// The value of a run of ASCII digits; `None` past `u128`. Leading zeros
/// (possible in XML text and in strings) do not count.
fn digits_value(digits: &str) -> Option<u128> {
    let d = digits.trim_start_matches('0');
    // Up to 19 digits fit a `u64`, read without the general parser.
    if d.len() <= 19 {
        let n = d.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
        return Some(u128::from(n));
    }
    (d.len() <= 39).then(|| d.parse().ok()).flatten()
}

/// A string on a string field: literal `\uXXXX` text (an info finding) and codes.
fn text(field: &'static Field, m: View<'_>) -> Verdict {
    match escapes(m) {
        Verdict::Clean if field.codes.is_empty() => Verdict::Clean,
        // XML element text may be padded; JSON text is compared exactly.
        Verdict::Clean => match m.str() {
            Some(s) if m.form() == XmlForm::None => codes(field, &s),
            Some(s) => codes(field, s.trim()),
            None => Verdict::Unsure,
        },
        other => other,
    }
}

/// Decoded text holding a literal `\uXXXX` gets an info finding: the
/// validator's to write. Text with a backslash but no such sequence (a
/// Windows path, a regular expression) is clean.
fn escapes(m: View<'_>) -> Verdict {
    // The usual case first, without a call: JSON text without escapes.
    if m.kind() == Kind::Str && m.form() == XmlForm::None {
        return Verdict::Clean;
    }
    if !m.has_backslash() {
        return Verdict::Clean;
    }
    match m.str() {
        Some(text) if !validate::has_u_escape(&text) => Verdict::Clean,
        _ => Verdict::Unsure,
    }
}

/// An enumerated field's value must be listed (else a warning).
fn codes(field: &'static Field, text: &str) -> Verdict {
    if field.codes.is_empty() || field.code(text).is_some() {
        Verdict::Clean
    } else {
        Verdict::Flawed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Limits;

    fn doc(text: &str) -> TapeDoc {
        let (tape, _) = Tape::read(text, Limits::default()).expect("test JSON is strict");
        TapeDoc {
            source: Arc::from("test"),
            format: Format::Json,
            text: text.into(),
            tape,
            line: 1,
            column: 1,
            embedded: None,
        }
    }

    fn xml_doc(text: &str) -> TapeDoc {
        let (tape, _) = Tape::read_xml(text, Limits::default()).expect("the tape reads it");
        TapeDoc {
            format: Format::Xml,
            tape,
            text: text.into(),
            ..TapeDoc::default()
        }
    }

    /// The full pipeline's report on one JSON line, without the lane.
    fn full_report(text: &str) -> Report {
        let mut opts = Options::default();
        opts.scan.lane = false;
        let mut an = crate::pipeline::Analyzer::new(text.as_bytes(), "test", opts);
        match an.next_report() {
            Ok(Some(r)) => r,
            other => panic!("no report for {text}: {other:?}"),
        }
    }

    #[test]
    fn text_with_a_backslash_is_clean_unless_it_holds_a_literal_escape() {
        const HEAD: &str = r#""ToUserName":"gh_1","FromUserName":"o1","CreateTime":1702716507,"MsgType":"text","MsgId":1"#;
        const XML_HEAD: &str = "<ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1702716507</CreateTime><MsgType><![CDATA[text]]></MsgType><MsgId>1</MsgId>";
        // (the text as decoded, as JSON writes it; clean)
        for (content, json, clean) in [
            (r"D:\下载\发票.pdf", r"D:\\下载\\发票.pdf", true),
            (r"a\nb \x41 \\", r"a\\nb \\x41 \\\\", true),
            (r"\u4e2d", r"\\u4e2d", false),
            (r"x\\u0041", r"x\\\\u0041", false),
            (r"\u4e2d", r"\u005cu4e2d", false),
        ] {
            let json = format!(r#"{{{HEAD},"Content":"{json}"}}"#);
            let xml = format!("<xml>{XML_HEAD}<Content><![CDATA[{content}]]></Content></xml>");
            for (text, d) in [(&json, doc(&json)), (&xml, xml_doc(&xml))] {
                let mut out = VecDeque::new();
                let taken = analyze(&Arc::new(d), &Options::default(), &mut out);
                assert_eq!(taken, clean, "{text}");
                let full = full_report(text);
                let escaped = full.diagnostics.iter().any(|d| d.code == Code::EscapedText);
                assert_eq!(escaped, !clean, "{text}");
                if let Some(lane) = out.front() {
                    assert_eq!(lane.diagnostics, full.diagnostics, "{text}");
                }
            }
        }
    }

    #[test]
    fn warnings_the_lane_writes_are_the_validators() {
        const TEXT: &str = r#""ToUserName":"gh_1","FromUserName":"o1","CreateTime":1702716507,"MsgType":"text","Content":"hi","MsgId":1"#;
        // A relay's official-account message: numbers written as strings.
        const RELAY: &str = r#"{"Content":"x","CreateTime":"1688444107","FromUserName":"oR","MsgId":"24172710472080493","MsgType":"text","ToBusiness":false,"ToUserName":"gh_b"}"#;
        let taken = [
            // Unknown fields: first, last, with characters a JSON Pointer
            // escapes, holding an object and an array.
            format!(r#"{{"NewField":1,{TEXT},"a~b/c":[1,{{"x":true}}]}}"#),
            // A case slip: the message names the field meant.
            format!(r#"{{{TEXT},"msgid":2}}"#),
            // Known to one candidate (official account): that one ranks first.
            format!(r#"{{{TEXT},"MsgDataId":"1","Extra":{{"k":"v"}}}}"#),
            // A single platform, an encrypted envelope, an event.
            r#"{"msgid":"m","open_kfid":"wk","external_userid":"wm","send_time":1,"origin":3,"msgtype":"text","text":{"content":"x"},"extra":2}"#.to_string(),
            r#"{"ToUserName":"gh_1","Encrypt":"abc","Extra":"x"}"#.to_string(),
            r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1702716507,"MsgType":"event","Event":"subscribe","Later":"x"}"#.to_string(),
            // Documented type variants: numbers as strings (with an unknown
            // field too), a number where text belongs (one warning each way:
            // a variant on the official account, an unknown field on the mini
            // program; its marker settles the tie), any text on a numeric field.
            RELAY.to_string(),
            RELAY.replace("\"Content\"", "\"New\":1,\"Content\""),
            format!(r#"{{{TEXT},"MsgDataId":5}}"#),
            r#"{"ToUserName":"t","FromUserName":"f","CreateTime":"1","MsgType":"event","Event":"VIEW","EventKey":"k","MenuId":"MENUID"}"#.to_string(),
            // Milliseconds, as a number and as a string (two warnings).
            TEXT.replace("1702716507", "1702716507000").replace("\"T", "{\"T") + "}",
            TEXT.replace("1702716507", "\"1702716507000\"").replace("\"T", "{\"T") + "}",
            // Unknown fields inside objects and arrays of objects the
            // catalogue describes, and a variant one level down.
            r#"{"msgid":"m","open_kfid":"wk","external_userid":"wm","send_time":1,"origin":3,"msgtype":"event","event":{"event_type":"enter_session","open_kfid":"wk","external_userid":"wm","scene":"s","new_key":1,"a/b":[2]}}"#.to_string(),
            r#"{"msgid":"m","open_kfid":"wk","external_userid":"wm","send_time":1,"origin":3,"msgtype":"msgmenu","msgmenu":{"head_content":"h","list":[{"type":"click","click":{"id":"101","content":"x","more":1}},{"type":"view","view":{"url":"u","content":"c"},"New":true}]}}"#.to_string(),
            r#"{"errcode":0,"errmsg":"ok","next_cursor":"c","has_more":0,"msg_list":[{"msgid":"m","open_kfid":"wk","external_userid":"wm","send_time":1,"origin":3,"msgtype":"text","text":{"content":"x","menu_id2":"1"}}]}"#.to_string(),
            r#"{"ToUserName":"t","FromUserName":"f","CreateTime":1,"MsgType":"event","Event":"location_select","EventKey":"k","SendLocationInfo":{"Location_X":"23.1","Location_Y":"113.3","Scale":"15","Label":"l","Poiname":"p","Extra":"x"}}"#.to_string(),
            // A relay session event whose text field holds an integer.
            r#"{"App_Type":"yunh5","ChannelId":15033,"ChannelName":"x","Content":"","CreateTime":1697444398,"FromUserName":799533513,"MsgId":"652cf22e7a3ca","Event":"system_notify_in_receive","StaffId":null,"StaffName":"s","ToBusiness":true,"ToUserName":"l","ChatSessionId":"20211","wechatapp_id":"211079"}"#.to_string(),
        ];
        for text in &taken {
            let mut out = VecDeque::new();
            assert!(
                analyze(&Arc::new(doc(text)), &Options::default(), &mut out),
                "{text}"
            );
            assert_eq!(out.len(), 1, "{text}");
            let (lane, full) = (&out[0], full_report(text));
            assert!(
                lane.diagnostics.iter().any(|d| matches!(
                    d.code,
                    Code::UnknownField | Code::TypeVariant | Code::TimestampMilliseconds
                )),
                "{text}"
            );
            assert_eq!(lane.diagnostics, full.diagnostics, "{text}");
            assert_eq!(
                (lane.platform, lane.candidates, &lane.type_id),
                (full.platform, full.candidates, &full.type_id),
                "{text}"
            );
        }
        // Findings besides those (a repeated unknown key, a repeated key
        // inside one, a wrong type, a missing field, a number with escapes, a
        // negative or out-of-range id, an unlisted code): the validator's.
        let declined = [
            format!(r#"{{{TEXT},"Dup":1,"Dup":2}}"#),
            format!(r#"{{{TEXT},"In":{{"a":1,"a":2}}}}"#),
            format!(r#"{{{},"New":1}}"#, TEXT.replace("1702716507", r#""x""#)),
            format!(
                r#"{{{},"New":1}}"#,
                TEXT.replace(r#""FromUserName":"o1","#, "")
            ),
            RELAY.replace("1688444107", "1688\\u0034"),
            RELAY.replace("24172710472080493", "-5"),
            // Inside a described object: a repeated key, a missing field, an
            // array item that is not an object.
            r#"{"msgid":"m","open_kfid":"wk","external_userid":"wm","send_time":1,"origin":3,"msgtype":"text","text":{"content":"x","n":1,"n":2}}"#.to_string(),
            r#"{"msgid":"m","open_kfid":"wk","external_userid":"wm","send_time":1,"origin":3,"msgtype":"text","text":{"n":1}}"#.to_string(),
            r#"{"msgid":"m","open_kfid":"wk","external_userid":"wm","send_time":1,"origin":3,"msgtype":"msgmenu","msgmenu":{"list":[1,{"type":"click","click":{"id":"1","content":"x"},"New":1}]}}"#.to_string(),
            RELAY.replace("24172710472080493", "99999999999999999999"),
            r#"{"msgid":"m","open_kfid":"wk","external_userid":"wm","send_time":1,"origin":9,"msgtype":"text","text":{"content":"x"}}"#.to_string(),
            // A candidate with another finding and fewer warnings might rank
            // first: the official account, with one variant (`MsgDataId`) and
            // `Idx` written with an escape, against two fields the mini
            // program does not know.
            format!(r#"{{{TEXT},"MsgDataId":5,"Idx":"\u0031"}}"#),
            // An error in a field that marks the official account: its
            // payload, not the mini program's with two unknown fields.
            format!(r#"{{{TEXT},"MsgDataId":true,"Extra":1}}"#),
        ];
        for text in &declined {
            let mut out = VecDeque::new();
            let taken = analyze(&Arc::new(doc(text)), &Options::default(), &mut out);
            // Taken or not, a report must be the validator's.
            if taken {
                let (lane, full) = (&out[0], full_report(text));
                assert_eq!(lane.diagnostics, full.diagnostics, "{text}");
            }
            assert!(!taken, "{text}");
        }
    }

    #[test]
    fn members_clean_at_sight_are_those_the_value_check_finds_clean() {
        let values = [
            r#""text""#,
            r#""a\nb""#,
            r#""\u005c""#,
            "0",
            "1702716507",
            "99999999999",
            "100000000000",
            "100000000001",
            "1702716507000",
            "9999999999999999999",
            "18446744073709551616",
            "-1",
            "1.5",
            "1e3",
            "true",
            "null",
            "{}",
            "[]",
        ];
        let xml_values = [
            "text",
            "<![CDATA[text]]>",
            r"<![CDATA[a\u0041]]>",
            r"a\u0041",
            "",
            "1702716507",
            "<![CDATA[1702716507]]>",
            "0001702716507",
            "1702716507000",
            "99999999999999999999",
            " 12 ",
            "-1",
            "1.5",
            "<a>1</a>",
        ];
        let json = values.map(|v| doc(&format!(r#"{{"k":{v}}}"#)));
        let xml = xml_values.map(|v| xml_doc(&format!("<xml><k>{v}</k></xml>")));
        let (mut checked, mut checked_xml) = (0, 0);
        let fields = crate::catalog::all_types()
            .flat_map(|t| t.fields.iter().copied().flatten())
            .flat_map(|f| std::iter::once(f).chain(f.children));
        for f in fields {
            for d in json.iter().chain(&xml) {
                let m = d.tape.root(&d.text).children().next().expect("a member");
                if clean_at_sight(f, m.entry()) {
                    checked += 1;
                    checked_xml += usize::from(d.format == Format::Xml);
                    assert_eq!(value(f, m), Verdict::Clean, "{} {}", f.name, d.text);
                }
            }
        }
        assert!(checked > 100 && checked_xml > 50, "{checked} {checked_xml}");
    }

    #[test]
    fn integer_ranges_match_the_validators_limits() {
        use Verdict::{Clean, Flawed};
        for (ty, digits, want) in [
            (Ty::Id64, "1", Clean),
            (Ty::Id64, "9999999999999999999", Clean),
            (Ty::Id64, "18446744073709551615", Clean),
            (Ty::Id64, "18446744073709551616", Flawed),
            (Ty::Integer, "99999999999999999999", Flawed),
            (Ty::Id64, "000000000000000000000001", Clean),
            (Ty::Timestamp, "99999999999", Clean),
            (Ty::Timestamp, "100000000000", Clean),
            (Ty::Timestamp, "100000000001", Flawed),
            (Ty::Timestamp, "1702716507000", Flawed),
            (Ty::Timestamp, "0001702716507", Clean),
        ] {
            assert_eq!(in_range(ty, digits), want, "{ty:?} {digits}");
        }
    }

    #[test]
    fn compact_json_is_copied_where_writing_it_would_give_the_same_bytes() {
        // Compact text: written as `write_view` writes it, each value of it too.
        let compact = [
            r#"{"MsgType":"text","Content":"a b, c: {d}","n":-1.5e3,"t":true,"z":null}"#,
            r#"{"a":[],"b":{},"c":[1,[2,{}],{"d":"中文"}]}"#,
            r#"{}"#,
            r#"{"k":"\u4e2d","l":"\/","m":"\u0022\"\\","n":[{"o":"\uD83D\uDE00x"}]}"#,
            "{\"a\":\"\u{7f}\",\"b\":\"\u{85}x\u{2028}\",\"\u{202e}\":1,\"c\":\"\\u202e\"}",
            r#"{"errcode":0,"msg_list":[{"msgtype":"text","text":{"content":"\u5728"}},{"x":"y"}]}"#,
        ];
        for text in compact {
            let d = doc(text);
            for v in d.tape.root(&d.text).subtree() {
                if !matches!(v.kind(), Kind::Object | Kind::Array) {
                    continue;
                }
                let mut copied = b"before ".to_vec();
                assert!(
                    d.write_compact(v.index(), &mut copied),
                    "{text} at {}",
                    v.index()
                );
                let mut written = b"before ".to_vec();
                json_out::write_view(&mut written, v, false);
                assert_eq!(
                    String::from_utf8(copied).expect("UTF-8"),
                    String::from_utf8(written).expect("UTF-8"),
                    "{text} at {}",
                    v.index()
                );
            }
        }
        // Text as it stands, escapes decoded or not: the very same bytes.
        for text in compact.iter().take(3) {
            let mut out = Vec::new();
            assert!(doc(text).write_compact(0, &mut out));
            assert_eq!(out, text.as_bytes());
        }
        // Whitespace between tokens: nothing is written.
        for text in [
            r#"{ "a":1}"#,
            r#"{"a" :1}"#,
            r#"{"a": 1}"#,
            r#"{"a":1 }"#,
            r#"{"a":[1, 2]}"#,
            r#"{"a":[ ]}"#,
            r#"{"a":"\u00e9", "b":1}"#,
        ] {
            let mut out = b"kept".to_vec();
            assert!(!doc(text).write_compact(0, &mut out), "{text}");
            assert_eq!(out, b"kept");
        }
    }

    #[test]
    fn spares_keep_only_unshared_small_documents() {
        let mut spares = Spares::default();
        let shared = Arc::new(doc(r#"{"a":1}"#));
        let holder = shared.clone();
        spares.give(shared);
        assert!(
            spares.docs.is_empty(),
            "a document still held elsewhere is not reused"
        );
        drop(holder);
        let mut big = doc(r#"{"a":1}"#);
        big.text.reserve(Spares::MAX_TEXT + 1);
        spares.give(Arc::new(big));
        assert!(spares.docs.is_empty(), "a large text is let go");
        for _ in 0..Spares::KEEP + 2 {
            spares.give(Arc::new(doc(r#"{"a":1}"#)));
        }
        assert_eq!(spares.docs.len(), Spares::KEEP);
    }

    #[test]
    fn analyzer_reads_each_payload_into_the_last_ones_memory() {
        use crate::pipeline::Analyzer;
        let a = r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1700000000,"MsgType":"text","Content":"a longer first message","MsgId":1}"#;
        let b = r#"{"ToUserName":"gh_2","FromUserName":"o2","CreateTime":1700000001,"MsgType":"text","Content":"b","MsgId":2}"#;
        let input = format!("{a}\n{b}\n");
        let mut opts = Options::default();
        opts.scan.lane = true;
        let mut an = Analyzer::new(input.as_bytes(), "t", opts);
        let first = an.next_report().expect("in memory").expect("a report");
        let first_doc = first.payload_tape.as_ref().map(|p| Arc::as_ptr(&p.doc));
        assert_eq!(
            first.payload_tape.as_ref().map(|p| &p.doc.text[..]),
            Some(a)
        );
        an.recycle(first);
        let second = an.next_report().expect("in memory").expect("a report");
        let tape = second.payload_tape.as_ref().expect("on the lane");
        assert_eq!(Some(Arc::as_ptr(&tape.doc)), first_doc, "memory reused");
        // Nothing of the longer first payload is left over.
        assert_eq!(tape.doc.text, b);
        assert_eq!((second.line, second.column), (2, 1));
        let mut out = Vec::new();
        tape.write_json(&mut out, false);
        assert_eq!(out, b.as_bytes());
        assert_eq!(second.type_id.as_deref(), Some("text"));
    }

    #[test]
    fn a_clean_verdict_answers_for_later_candidates_only_as_checking_them_would() {
        use crate::catalog::{all_types, lookup_id};
        // Each type's sample, and the sample without each of its members in
        // turn, as JSON: checked against every pair of candidates of its id.
        // Pairs answered flawed, clean, and left to a check.
        let mut answered = [0; 3];
        for td in all_types() {
            let Some((_, by_disc)) = lookup_id(td.id) else {
                continue;
            };
            let sample = crate::sample::sample(td, Format::Json);
            let mut texts = Vec::new();
            let mut full = Vec::new();
            json_out::write_json(&mut full, &sample, false);
            texts.push(String::from_utf8(full).expect("UTF-8"));
            for drop in 0..sample.members().len() {
                let mut node = sample.clone();
                if let crate::doc::Value::Object(members) = &mut node.value {
                    members.remove(drop);
                }
                let mut out = Vec::new();
                json_out::write_json(&mut out, &node, false);
                texts.push(String::from_utf8(out).expect("UTF-8"));
            }
            for (_, group) in by_disc.iter() {
                for text in &texts {
                    let d = doc(text);
                    let root = d.tape.root(&d.text);
                    for (i, later) in group.iter().enumerate() {
                        for (j, rel) in later.after.iter().enumerate() {
                            let (Some(rel), Some(earlier)) = (rel, group.get(j)) else {
                                continue;
                            };
                            let mut seen = 0;
                            if object(root, &earlier.fields, earlier.required, true, &mut seen)
                                != Verdict::Clean
                            {
                                continue;
                            }
                            let direct = verdict(root, later);
                            let implied = rel.verdict(seen);
                            answered[implied.map_or(2, usize::from)] += 1;
                            match implied {
                                Some(true) => {
                                    assert_eq!(direct, Verdict::Clean, "{text} {i} after {j}")
                                }
                                Some(false) => {
                                    let Item::Doc(full, _) = d.to_item() else {
                                        panic!("{text} reads as a document");
                                    };
                                    let (errors, warnings) =
                                        crate::validate::fit(&full, &full.root, later.td);
                                    assert!(errors + warnings > 0, "{text} {i} after {j}");
                                }
                                None => {}
                            }
                        }
                    }
                }
            }
        }
        assert!(answered[0] > 0 && answered[1] > 0, "{answered:?}");

        // A bare `text`: a mini program's, an official account's or a relay's.
        let (_, by_disc) = lookup_id("text").expect("a catalogue id");
        let group = &by_disc
            .iter()
            .find(|(d, _)| *d == Disc::Pascal)
            .expect("PascalCase text")
            .1;
        let of = |p: PlatformId| {
            group
                .iter()
                .position(|c| c.td.platform == p)
                .expect("a candidate")
        };
        let (mp, oa, relay) = (
            of(PlatformId::Miniprogram),
            of(PlatformId::OfficialAccount),
            of(PlatformId::Devmode),
        );
        let base = r#""ToUserName":"gh_1","FromUserName":"o1","CreateTime":1700000000,"MsgType":"text","Content":"hi","MsgId":1"#;
        for (extra, at_oa) in [("", Some(true)), (r#","BusinessId":7"#, None)] {
            let d = doc(&format!("{{{base}{extra}}}"));
            let root = d.tape.root(&d.text);
            let mut seen = 0;
            assert_eq!(
                object(root, &group[mp].fields, group[mp].required, true, &mut seen),
                Verdict::Clean
            );
            let implied = |later: usize| group[later].after[mp].map(|r| r.verdict(seen));
            // Every official-account field it holds is checked alike: clean.
            // A mini-program-only field (`BusinessId`) takes a check.
            assert_eq!(implied(oa), Some(at_oa), "{extra}");
            // The relay requires fields a mini program payload never holds.
            assert_eq!(implied(relay), Some(Some(false)), "{extra}");
            assert_eq!(verdict(root, &group[relay]), Verdict::Flawed);
        }
    }
}
