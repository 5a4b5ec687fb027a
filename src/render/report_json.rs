//! `--format json`: one JSON object per payload per line, from the same [`Report`]
//! values the pretty renderer uses.
//!
//! Fields: `source`, `line`, `column`, `format`, `platform`, `candidates`, `type`,
//! `valid`, `envelope`, `embedded_in`, `diagnostics` (`[{severity, code, message,
//! field, line, column}]`) and `payload` (the payload as typed JSON, numbers exact).

use super::json_out::write_json;
use crate::catalog::{PlatformId, Platforms};
use crate::diag::Diagnostic;
use crate::doc::Format;
use crate::report::{Envelope, Report};
use std::borrow::Cow;
use std::sync::OnceLock;

/// Appends one report as a single JSON line (with the trailing newline).
pub fn write_report(out: &mut Vec<u8>, r: &Report) {
    out.extend_from_slice(b"{\"source\":");
    string(out, &r.source);
    out.extend_from_slice(b",\"line\":");
    number(out, r.line);
    out.extend_from_slice(b",\"column\":");
    number(out, r.column);
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
    for (i, d) in r.diagnostics.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        diagnostic(out, d);
    }
    out.extend_from_slice(b"],\"payload\":");
    match (&r.doc, &r.payload_tape) {
        (Some(doc), _) => write_json(out, &doc.root, false),
        (None, Some(tape)) => tape.write_json(out, false),
        (None, None) => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b"}\n");
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
    out.extend_from_slice(b"{\"severity\":");
    name(out, d.severity.as_str());
    out.extend_from_slice(b",\"code\":");
    name(out, d.code.as_str());
    out.extend_from_slice(b",\"message\":");
    string(out, &d.message);
    out.extend_from_slice(b",\"field\":");
    opt_string(out, d.field.as_deref());
    out.extend_from_slice(b",\"line\":");
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
