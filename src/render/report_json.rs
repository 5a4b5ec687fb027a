//! `--format json`: one JSON object per payload per line, from the same [`Report`]
//! values the pretty renderer uses.
//!
//! Fields: `source`, `line`, `column`, `format`, `platform`, `candidates`, `type`,
//! `valid`, `envelope`, `embedded_in`, `diagnostics` (`[{severity, code, message,
//! field, line, column}]`) and `payload` (the payload as typed JSON, numbers exact).

use super::json_out::write_json;
use crate::catalog::{PlatformId, Platforms};
use crate::diag::{Code, Diagnostic, Severity};
use crate::doc::Format;
use crate::report::{Envelope, Report};
use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

/// Appends one report as a single JSON line (with the trailing newline).
///
/// Most of a line is the same for every payload of a stream, or of a type:
/// the source, the fields from `format` to the opening of `diagnostics`, and
/// the catalogue's own findings (`ambiguous-platform`, `encrypted`) up to their
/// line. Those pieces are written once per thread and copied after that
/// ([`Pieces`]); only the positions and the payload are written for each report.
pub fn write_report(out: &mut Vec<u8>, r: &Report) {
    PIECES.with_borrow_mut(|pieces| {
        out.extend_from_slice(pieces.source(&r.source));
        number(out, r.line);
        out.extend_from_slice(b",\"column\":");
        number(out, r.column);
        match pieces.middle(r) {
            Some(middle) => out.extend_from_slice(middle),
            None => write_middle(out, r),
        }
        for (i, d) in r.diagnostics.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match pieces.diagnostic_head(d) {
                Some(head) => out.extend_from_slice(head),
                None => diagnostic_head(out, d),
            }
            diagnostic_position(out, d);
        }
    });
    out.extend_from_slice(b"],\"payload\":");
    match (&r.doc, &r.payload_tape) {
        (Some(doc), _) => write_json(out, &doc.root, false),
        (None, Some(tape)) => tape.write_json(out, false),
        (None, None) => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b"}\n");
}

/// `{"source":…,"line":`.
fn write_source(out: &mut Vec<u8>, source: &str) {
    out.extend_from_slice(b"{\"source\":");
    string(out, source);
    out.extend_from_slice(b",\"line\":");
}

/// From `,"format":` to `,"diagnostics":[`: what a report says besides its
/// position, findings and payload.
fn write_middle(out: &mut Vec<u8>, r: &Report) {
    out.extend_from_slice(platform_fields(r.format, r.platform, r.candidates));
    out.extend_from_slice(b",\"type\":");
    match &r.type_id {
        // The catalogue's own ids, from a closed list like the names.
        Some(Cow::Borrowed(id)) => name(out, id),
        id => opt_string(out, id.as_deref()),
    }
    out.extend_from_slice(envelope_fields(r.valid(), r.envelope));
    out.extend_from_slice(b",\"embedded_in\":");
    opt_string(out, r.embedding().map(|e| e.field.as_str()));
    out.extend_from_slice(b",\"diagnostics\":[");
}

/// The pieces of report lines a thread has written, to be copied the next
/// time they come. Each is kept with what tells it apart exactly: the source
/// by its `Arc` (held, so its address cannot be another source's), a type id
/// or message by the address and length of its `'static` text (never freed).
/// Slots are few and overwritten on a miss, so memory stays bounded.
struct Pieces {
    source: Option<(Arc<str>, Vec<u8>)>,
    middles: [Option<(MiddleKey, Vec<u8>)>; SLOTS],
    diagnostics: [Option<(DiagnosticKey, Vec<u8>)>; SLOTS],
}

/// Slots per kind of piece: a stream's payloads come in a few dozen kinds,
/// and a piece may take the slot after its own when that one is taken.
const SLOTS: usize = 256;

thread_local! {
    static PIECES: RefCell<Pieces> = const {
        RefCell::new(Pieces {
            source: None,
            middles: [const { None }; SLOTS],
            diagnostics: [const { None }; SLOTS],
        })
    };
}

/// What [`write_middle`] writes depends on, for a report whose type id is the
/// catalogue's (or missing) and that is not embedded.
#[derive(Clone, Copy, PartialEq, Eq)]
struct MiddleKey {
    format: Format,
    platform: Option<PlatformId>,
    candidates: Platforms,
    type_id: Option<(usize, usize)>,
    valid: bool,
    envelope: Option<Envelope>,
}

/// What [`diagnostic_head`] writes depends on, for a finding with a
/// `'static` message and no field.
#[derive(Clone, Copy, PartialEq, Eq)]
struct DiagnosticKey {
    severity: Severity,
    code: Code,
    message: (usize, usize),
}

/// The address and length of a text: with `'static` texts, equal exactly
/// when the texts are the same one.
fn identity(s: &'static str) -> (usize, usize) {
    (s.as_ptr() as usize, s.len())
}

/// The slot of `key` in `slots`: its own (the high bits of its words mixed
/// by multiplying), or the one after it when that one holds `key` or nothing;
/// else its own, written anew.
fn slot_for<K: Copy + PartialEq>(
    slots: &mut [Option<(K, Vec<u8>)>; SLOTS],
    key: K,
    words: [usize; 3],
    write: impl FnOnce(&mut Vec<u8>),
) -> Option<&[u8]> {
    let mixed = words.iter().fold(0u64, |h, &w| {
        (h ^ w as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    });
    let own = (mixed >> 56) as usize % SLOTS;
    let next = (own + 1) % SLOTS;
    let holds = |slot: &Option<(K, Vec<u8>)>| matches!(slot, Some((k, _)) if *k == key);
    let at = match (slots.get(own), slots.get(next)) {
        (Some(s), _) if holds(s) => own,
        (Some(Some(_)), Some(s)) if holds(s) || s.is_none() => next,
        _ => own,
    };
    let slot = slots.get_mut(at)?;
    if !holds(slot) {
        let mut piece = Vec::new();
        write(&mut piece);
        *slot = Some((key, piece));
    }
    slot.as_ref().map(|(_, p)| p.as_slice())
}

impl Pieces {
    /// [`write_source`] of `source`, written again only for a new source.
    fn source(&mut self, source: &Arc<str>) -> &[u8] {
        let same = matches!(&self.source, Some((s, _)) if Arc::ptr_eq(s, source));
        if !same {
            let mut piece = Vec::new();
            write_source(&mut piece, source);
            self.source = Some((source.clone(), piece));
        }
        self.source.as_ref().map_or(&[], |(_, p)| p.as_slice())
    }

    /// [`write_middle`] of `r`, from its slot; `None` when `r` has a type id
    /// or an embedding of its own to write.
    fn middle(&mut self, r: &Report) -> Option<&[u8]> {
        let type_id = match &r.type_id {
            Some(Cow::Borrowed(id)) => Some(identity(id)),
            Some(Cow::Owned(_)) => return None,
            None => None,
        };
        if r.embedding().is_some() {
            return None;
        }
        let key = MiddleKey {
            format: r.format,
            platform: r.platform,
            candidates: r.candidates,
            type_id,
            valid: r.valid(),
            envelope: r.envelope,
        };
        let (at, len) = type_id.unwrap_or_default();
        let bits = usize::from(r.candidates.bits())
            | r.platform.map_or(0, |p| p as usize + 1) << 8
            | usize::from(key.valid) << 12
            | r.envelope.map_or(0, |e| e as usize + 1) << 13
            | (r.format as usize) << 16;
        slot_for(&mut self.middles, key, [at, len, bits], |piece| {
            write_middle(piece, r)
        })
    }

    /// [`diagnostic_head`] of `d`, from its slot; `None` when its message is
    /// its own or it names a field.
    fn diagnostic_head(&mut self, d: &Diagnostic) -> Option<&[u8]> {
        let (Cow::Borrowed(message), None) = (&d.message, &d.field) else {
            return None;
        };
        let key = DiagnosticKey {
            severity: d.severity,
            code: d.code,
            message: identity(message),
        };
        let (at, len) = key.message;
        slot_for(
            &mut self.diagnostics,
            key,
            [at, len, d.code as usize],
            |piece| diagnostic_head(piece, d),
        )
    }
}

/// `,"format":…,"platform":…,"candidates":[…]`. These take a few values
/// each, so every combination is written once, at first use, and a report
/// copies its own in one piece (naming them one by one took a dozen copies).
fn platform_fields(
    format: Format,
    platform: Option<PlatformId>,
    candidates: Platforms,
) -> &'static [u8] {
    static TABLE: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    const PLATFORM_CHOICES: usize = PlatformId::ALL.len() + 1;
    let index = |format: Format, platform: Option<PlatformId>, candidates: Platforms| {
        let p = platform.map_or(0, |p| p as usize + 1);
        ((format as usize) * PLATFORM_CHOICES + p) * 16 + usize::from(candidates.bits() & 15)
    };
    let table = TABLE.get_or_init(|| {
        let mut table = vec![Vec::new(); 2 * PLATFORM_CHOICES * 16];
        for (format, platform, candidates) in platform_combinations() {
            if let Some(piece) = table.get_mut(index(format, platform, candidates)) {
                write_platform_fields(piece, format, platform, candidates);
            }
        }
        table
    });
    table
        .get(index(format, platform, candidates))
        .map_or(&[], Vec::as_slice)
}

/// Every format, platform (or none) and set of candidate platforms.
fn platform_combinations() -> impl Iterator<Item = (Format, Option<PlatformId>, Platforms)> {
    let platforms = || std::iter::once(None).chain(PlatformId::ALL.map(Some));
    [Format::Json, Format::Xml]
        .into_iter()
        .flat_map(move |format| {
            platforms().flat_map(move |platform| {
                (0..16u8).map(move |bits| {
                    let candidates = PlatformId::ALL
                        .into_iter()
                        .filter(|&p| bits & (1 << p as u8) != 0)
                        .collect();
                    (format, platform, candidates)
                })
            })
        })
}

/// What [`platform_fields`] copies, written name by name.
fn write_platform_fields(
    out: &mut Vec<u8>,
    format: Format,
    platform: Option<PlatformId>,
    candidates: Platforms,
) {
    out.extend_from_slice(b",\"format\":");
    name(out, format.as_str());
    out.extend_from_slice(b",\"platform\":");
    opt_name(out, platform.map(|p| p.as_str()));
    out.extend_from_slice(b",\"candidates\":[");
    for (i, p) in candidates.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        name(out, p.as_str());
    }
    out.push(b']');
}

/// `,"valid":…,"envelope":…`, one piece per combination as in [`platform_fields`].
fn envelope_fields(valid: bool, envelope: Option<Envelope>) -> &'static [u8] {
    static TABLE: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    const ENVELOPES: [Option<Envelope>; 5] = [
        None,
        Some(Envelope::Push),
        Some(Envelope::Reply),
        Some(Envelope::Compat),
        Some(Envelope::SyncMsg),
    ];
    let index = |valid: bool, envelope: Option<Envelope>| {
        usize::from(valid) * ENVELOPES.len() + envelope.map_or(0, |e| e as usize + 1)
    };
    let table = TABLE.get_or_init(|| {
        let mut table = vec![Vec::new(); 2 * ENVELOPES.len()];
        for valid in [false, true] {
            for envelope in ENVELOPES {
                if let Some(out) = table.get_mut(index(valid, envelope)) {
                    out.extend_from_slice(b",\"valid\":");
                    out.extend_from_slice(if valid { b"true" } else { b"false" });
                    out.extend_from_slice(b",\"envelope\":");
                    opt_name(out, envelope.map(|e| e.as_str()));
                }
            }
        }
        table
    });
    table.get(index(valid, envelope)).map_or(&[], Vec::as_slice)
}

/// One diagnostic as a JSON object.
pub fn diagnostic(out: &mut Vec<u8>, d: &Diagnostic) {
    diagnostic_head(out, d);
    diagnostic_position(out, d);
}

/// A diagnostic's object up to its line: `{"severity":…,"field":…,"line":`.
fn diagnostic_head(out: &mut Vec<u8>, d: &Diagnostic) {
    out.extend_from_slice(b"{\"severity\":");
    name(out, d.severity.as_str());
    out.extend_from_slice(b",\"code\":");
    name(out, d.code.as_str());
    out.extend_from_slice(b",\"message\":");
    string(out, &d.message);
    out.extend_from_slice(b",\"field\":");
    opt_string(out, d.field.as_deref());
    out.extend_from_slice(b",\"line\":");
}

/// The rest of a diagnostic's object after [`diagnostic_head`].
fn diagnostic_position(out: &mut Vec<u8>, d: &Diagnostic) {
    number(out, d.line);
    out.extend_from_slice(b",\"column\":");
    number(out, d.column);
    out.push(b'}');
}

/// Appends a line or column number in decimal, without a `String` per number.
fn number(out: &mut Vec<u8>, n: u32) {
    let mut buf = [0u8; 20];
    out.extend_from_slice(super::decimal(n.into(), &mut buf));
}

fn string(out: &mut Vec<u8>, s: &str) {
    super::json_out::write_string(out, s);
}

/// A name from one of wxmsg's own closed lists (formats, platforms, envelopes,
/// severities, codes): plain ASCII by construction, so it is quoted as it is,
/// without the look at each byte a payload's text gets. A test holds every
/// such name to that.
fn name(out: &mut Vec<u8>, s: &'static str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

fn opt_name(out: &mut Vec<u8>, s: Option<&'static str>) {
    match s {
        Some(s) => name(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn opt_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::PlatformId;
    use crate::diag::{Code, Diagnostic};
    use crate::doc::{Document, Format};
    use crate::parse::{json, Limits};
    use std::sync::Arc;

    #[test]
    fn names_from_closed_lists_need_no_escaping() {
        use crate::report::Envelope;
        let names = [Format::Json, Format::Xml]
            .iter()
            .map(|f| f.as_str())
            .chain(PlatformId::ALL.iter().map(|p| p.as_str()))
            .chain(
                [
                    Envelope::Push,
                    Envelope::Reply,
                    Envelope::Compat,
                    Envelope::SyncMsg,
                ]
                .iter()
                .map(|e| e.as_str()),
            )
            .chain(
                [
                    crate::diag::Severity::Error,
                    crate::diag::Severity::Warning,
                    crate::diag::Severity::Info,
                ]
                .iter()
                .map(|s| s.as_str()),
            )
            .chain(Code::ALL.iter().map(|c| c.as_str()))
            // Type ids a report borrows are the catalogue's own.
            .chain(crate::catalog::all_types().map(|t| t.id))
            .chain(["encrypted", "sync_msg"]);
        for n in names {
            let (mut quoted, mut escaped) = (Vec::new(), Vec::new());
            name(&mut quoted, n);
            string(&mut escaped, n);
            assert_eq!(quoted, escaped, "{n}");
        }
    }

    #[test]
    fn every_combination_of_platform_fields_reads_as_written_name_by_name() {
        let mut seen = std::collections::HashSet::new();
        for (format, platform, candidates) in platform_combinations() {
            assert!(seen.insert((format, platform, candidates.bits())));
            let mut slow = Vec::new();
            write_platform_fields(&mut slow, format, platform, candidates);
            assert_eq!(platform_fields(format, platform, candidates), slow);
        }
        assert_eq!(seen.len(), 2 * 5 * 16);
        for valid in [false, true] {
            for envelope in [None, Some(Envelope::Push), Some(Envelope::SyncMsg)] {
                let text = String::from_utf8(envelope_fields(valid, envelope).to_vec()).unwrap();
                let whole: serde_json::Value =
                    serde_json::from_str(&format!("{{{}}}", &text[1..])).unwrap();
                assert_eq!(whole["valid"], valid);
                assert_eq!(whole["envelope"].as_str(), envelope.map(|e| e.as_str()));
            }
        }
    }

    fn report(text: &str) -> Report {
        let (root, _) =
            json::parse(text.as_bytes(), json::Mode::Strict, Limits::default()).unwrap();
        Report {
            source: Arc::from("a \"quoted\" name.json"),
            line: 3,
            column: 7,
            format: Format::Json,
            platform: None,
            candidates: [PlatformId::Miniprogram, PlatformId::OfficialAccount]
                .into_iter()
                .collect(),
            type_id: Some("text".into()),
            type_def: None,
            envelope: None,
            payload_tape: None,
            undecrypted: false,
            diagnostics: vec![
                Diagnostic::new(Code::MissingField, "no \"MsgId\"", 3, 7).with_field("/MsgId")
            ],
            doc: Some(Box::new(Document {
                source: Arc::from("x"),
                format: Format::Json,
                text: Arc::from(text),
                line: 3,
                column: 7,
                root,
                embedded: None,
                lenient: false,
            })),
        }
    }

    #[test]
    fn one_line_with_every_documented_field() {
        let mut out = Vec::new();
        write_report(
            &mut out,
            &report("{\"MsgId\":4363689963896700987,\"P\":119.385040}"),
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("}\n") && text.matches('\n').count() == 1);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["source"], "a \"quoted\" name.json");
        assert_eq!(
            (v["line"].as_u64(), v["column"].as_u64()),
            (Some(3), Some(7))
        );
        assert_eq!(v["platform"], serde_json::Value::Null);
        assert_eq!(v["candidates"][1], "official-account");
        assert_eq!(v["valid"], false);
        assert_eq!(v["diagnostics"][0]["code"], "missing-field");
        assert_eq!(v["diagnostics"][0]["severity"], "error");
        assert_eq!(v["diagnostics"][0]["field"], "/MsgId");
        // Numbers are written as their lexeme, never through f64.
        assert!(text.contains("\"payload\":{\"MsgId\":4363689963896700987,\"P\":119.385040}"));
    }

    /// [`write_report`] without [`Pieces`]: every piece written anew.
    fn write_report_anew(out: &mut Vec<u8>, r: &Report) {
        write_source(out, &r.source);
        number(out, r.line);
        out.extend_from_slice(b",\"column\":");
        number(out, r.column);
        write_middle(out, r);
        for (i, d) in r.diagnostics.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            diagnostic(out, d);
        }
        out.extend_from_slice(b"],\"payload\":null}\n");
    }

    #[test]
    fn pieces_copied_are_the_pieces_written_anew() {
        // More kinds of report than there are slots, in an order that comes
        // back to earlier ones: every slot is taken, shared and written over.
        let ids: Vec<&'static str> = crate::catalog::all_types().map(|t| t.id).collect();
        let sources: Vec<Arc<str>> = ["a.json", "b \"quoted\".log", "a.json"]
            .into_iter()
            .map(Arc::from)
            .collect();
        let messages = [crate::detect::ENCRYPTED_MESSAGE, "a `static` message"];
        let (mut cached, mut anew) = (Vec::new(), Vec::new());
        let mut n = 0;
        for round in 0..8 {
            for (i, id) in ids.iter().enumerate() {
                let bits = (i + round) % 16;
                let candidates: Platforms = PlatformId::ALL
                    .into_iter()
                    .filter(|&p| bits & (1 << p as usize) != 0)
                    .collect();
                let mut r = report("{}");
                r.doc = None;
                r.source = sources[(i + round) % sources.len()].clone();
                r.line = i as u32 + 1;
                r.type_id = match i % 7 {
                    0 => None,
                    1 => Some(Cow::Owned(format!("own.{id}"))),
                    _ => Some(Cow::Borrowed(*id)),
                };
                r.platform = candidates.single();
                r.candidates = candidates;
                r.envelope = [None, Some(Envelope::Push), Some(Envelope::SyncMsg)][i % 3];
                r.format = [Format::Json, Format::Xml][(i / 3) % 2];
                r.diagnostics = (0..i % 4)
                    .map(|k| {
                        let d = Diagnostic::new(
                            [Code::AmbiguousPlatform, Code::Encrypted, Code::MissingField][k % 3],
                            messages[(i + k) % 2],
                            r.line,
                            k as u32 + 1,
                        );
                        if k == 2 {
                            d.with_field("/MsgId")
                        } else {
                            d
                        }
                    })
                    .collect();
                write_report(&mut cached, &r);
                write_report_anew(&mut anew, &r);
                n += 1;
            }
        }
        assert!(n > 2 * SLOTS, "{n} reports");
        assert_eq!(String::from_utf8(cached), String::from_utf8(anew));
    }

    #[test]
    fn a_new_source_is_named_even_where_an_old_one_was() {
        // The last source is held, so a source made after it is let go is
        // another `Arc`, wherever it lives.
        for name in ["first.json", "second.json", "third.json"] {
            let mut r = report("{}");
            r.source = Arc::from(name);
            let mut out = Vec::new();
            write_report(&mut out, &r);
            drop(r);
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(v["source"], name);
        }
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 99, 100, 12345, u32::MAX] {
            let mut out = Vec::new();
            number(&mut out, n);
            assert_eq!(String::from_utf8(out).unwrap(), n.to_string());
        }
    }

    #[test]
    fn unparsed_payload_is_null() {
        let mut r = report("{}");
        r.doc = None;
        let mut out = Vec::new();
        write_report(&mut out, &r);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert!(v["payload"].is_null() && v["embedded_in"].is_null());
    }
}
