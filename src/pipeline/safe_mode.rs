//! Transparent decryption: with a key, an encrypted push, passive reply or
//! compatibility-mode payload is verified and decrypted, and the *inner* payload
//! is detected and validated in its place. The envelope stays visible in the
//! report (`envelope`, an `embedded in /Encrypt` origin, a `decrypted` note and
//! the envelope's own findings at their place in it); every failure becomes an
//! error diagnostic on the envelope's report.

use super::report;
use crate::catalog::PlatformId;
use crate::crypto::{self, DecryptConfig, Opened, Verification};
use crate::detect::{self, Detection};
use crate::diag::{Code, Diagnostic};
use crate::doc::{pointer_push, Document, Format, Node};
use crate::parse::{json, xml, Limits};
use crate::report::{Envelope, Report};

/// The report for an encrypted payload when a key is configured.
pub(super) fn decrypted_report(
    doc: Document,
    det: Detection,
    notes: Vec<Diagnostic>,
    cfg: &DecryptConfig,
    among: (&[PlatformId], &[PlatformId]),
    limits: Limits,
) -> Report {
    let envelope = det.envelope.unwrap_or(Envelope::Push);
    let at = encrypt_position(&doc);
    let opened = match crypto::open_envelope(&doc.root, envelope, cfg) {
        Ok(o) => o,
        Err(e) => {
            let mut diag = Diagnostic::new(e.code, e.message, at.0, at.1);
            // A signature covers the request parameters too, not just the field.
            if e.code != Code::SignatureMismatch {
                diag = diag.with_field("/Encrypt");
            }
            // A repeated `<Encrypt>` is already the detection's finding, at
            // the second element: once is enough.
            let said = det
                .diagnostics
                .iter()
                .any(|d| d.code == e.code && d.field.as_deref() == Some("/Encrypt"));
            let extra = if e.code == Code::DuplicateKey && said {
                Vec::new()
            } else {
                vec![diag]
            };
            return outer_report(doc, det, notes, extra);
        }
    };
    let done = Done {
        opened: &opened,
        envelope,
        checked_receiver: cfg.receiver_id.is_some(),
        at,
    };
    match parse_plaintext(&opened.plain.message, limits) {
        Ok(inner) => {
            // The envelope's own findings (a duplicate key, a repeated or
            // unknown element) stay: they are as true of the payload that came
            // out of it, and a duplicate `Encrypt` means another reader may
            // decrypt a different one.
            let mut notes = notes;
            if envelope == Envelope::Compat {
                // The copy was checked as a payload of its own; what is true of
                // the payload is the decrypted copy's to say, and where the two
                // differ is a finding of its own.
                notes.extend(envelope_findings(det).filter(|d| d.code.is_structural()));
                notes.extend(compat_mismatches(&doc, &inner.root));
            } else {
                notes.extend(envelope_findings(det));
            }
            inner_report(doc, inner, notes, &done, among)
        }
        Err((code, message)) => {
            let mut diags = done.notes();
            diags.push(
                Diagnostic::new(
                    code,
                    format!("in the decrypted plaintext: {message}"),
                    at.0,
                    at.1,
                )
                .with_field("/Encrypt"),
            );
            outer_report(doc, det, notes, diags)
        }
    }
}

/// Where a compatibility-mode payload's plaintext copy says other than its
/// `Encrypt` copy: a field of the copy with another value inside, or none.
/// Only the ciphertext is signed, so a reader of the copy (most handlers)
/// may act on a message WeChat never sent (catalogue §9.6).
fn compat_mismatches(outer: &Document, inner: &Node) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let mut push = |key: &str, message: String, pos: u32| {
        let (line, column) = outer.line_col(pos);
        found.push(
            Diagnostic::new(Code::CompatMismatch, message, line, column)
                .with_field(pointer_push("", key)),
        );
    };
    for m in outer.root.members().iter().filter(|m| m.key != "Encrypt") {
        let message = match inner.get(&m.key) {
            None => format!(
                "the plaintext copy has {}, which the signed Encrypt copy does not",
                m.key
            ),
            // By text: `<CreateTime><![CDATA[1]]>` and `<CreateTime>1` say the same.
            Some(n) if n.scalar_text() != m.node.scalar_text() => {
                format!(
                    "the plaintext copy's {} is {}, but the signed Encrypt copy says {}",
                    m.key,
                    shown(&m.node),
                    shown(n)
                )
            }
            Some(_) => continue,
        };
        push(&m.key, message, m.node.pos);
    }
    for m in inner.members() {
        if outer.root.get(&m.key).is_none() {
            let message = format!(
                "the signed Encrypt copy has {}, which the plaintext copy does not",
                m.key
            );
            push(&m.key, message, outer.root.pos);
        }
    }
    found
}

/// A value as a finding quotes it: its text, or its kind for a container.
fn shown(n: &Node) -> String {
    match n.scalar_text() {
        Some(t) => format!("{t:?}"),
        None => n.value.type_name().to_string(),
    }
}

/// A successful decryption and where its findings go.
struct Done<'a> {
    opened: &'a Opened,
    envelope: Envelope,
    checked_receiver: bool,
    /// Position of the `Encrypt` field in the source.
    at: (u32, u32),
}

impl Done<'_> {
    /// The `decrypted` note (naming the receiver id) and, when the signature
    /// was not checked, `signature-not-verified`.
    fn notes(&self) -> Vec<Diagnostic> {
        let (line, column) = self.at;
        let what = match self.envelope {
            Envelope::Reply => "the encrypted passive reply",
            Envelope::Compat => "the Encrypt copy of this compatibility-mode payload",
            _ => "the encrypted push envelope",
        };
        let id = crypto::shown(&self.opened.receiver_id);
        let check = if self.checked_receiver {
            " (matches --receiver-id)"
        } else {
            " (pass --receiver-id to check it is your appid / CorpID / suite id)"
        };
        let mut v = Vec::with_capacity(2);
        let sig = match &self.opened.verification {
            Verification::Verified => "; signature verified",
            Verification::NotVerified(why) => {
                v.push(Diagnostic::new(
                    Code::SignatureNotVerified,
                    format!("signature not verified: {why}"),
                    line,
                    column,
                ));
                ""
            }
        };
        v.insert(
            0,
            Diagnostic::new(
                Code::Decrypted,
                format!("decrypted {what}: receiver id {id}{check}{sig}"),
                line,
                column,
            )
            .with_field("/Encrypt"),
        );
        v
    }
}

/// A parsed plaintext: root, format, exact text and the XML reader's notes.
struct Inner {
    root: Node,
    format: Format,
    text: String,
    notes: Vec<(Code, String)>,
}

/// Parses the decrypted message with the same parsers and limits as any input.
fn parse_plaintext(bytes: &[u8], limits: Limits) -> Result<Inner, (Code, String)> {
    if utf16(bytes) {
        return Err((
            Code::Utf16Input,
            "the plaintext is UTF-16 (WeChat payloads are UTF-8): whatever encrypted it encoded the text as UTF-16; `wxmsg decrypt` prints it as is".into(),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        (
            Code::InvalidUtf8,
            format!("not valid UTF-8 at byte {}", e.valid_up_to()),
        )
    })?;
    // A BOM is tolerated wherever a record starts (a reply template saved by a
    // Windows editor, a .NET relay), as the top-level reader does.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let body = text.trim_start();
    let lead = text.len() - body.len();
    let trailing = |used: usize| {
        let rest = text.get(lead + used..).unwrap_or("");
        rest.trim().is_empty()
    };
    // The finding itself sits at the envelope's `Encrypt` field; where in the
    // (possibly several-KB) plaintext the problem is goes into its message.
    let at = |pos: usize| {
        let (line, column) = crate::doc::line_col_in(text, lead + pos, 1, 1);
        format!("(plaintext line {line}, column {column})")
    };
    let located = |e: crate::parse::ParseError| (e.code, format!("{} {}", e.message, at(e.pos)));
    if body.starts_with('<') {
        let (root, used, notes) = xml::parse(body.as_bytes(), limits).map_err(located)?;
        if !trailing(used) {
            return Err((Code::XmlSyntax, format!("text after </xml> {}", at(used))));
        }
        let notes = notes.into_iter().map(|n| (n.code, n.message)).collect();
        return Ok(Inner {
            root,
            format: Format::Xml,
            text: text.to_string(),
            notes,
        });
    }
    if body.starts_with('{') {
        let (root, used) =
            json::parse(body.as_bytes(), json::Mode::Strict, limits).map_err(located)?;
        if !trailing(used) {
            return Err((
                Code::JsonSyntax,
                format!("text after the JSON object {}", at(used)),
            ));
        }
        return Ok(Inner {
            root,
            format: Format::Json,
            text: text.to_string(),
            notes: Vec::new(),
        });
    }
    let start: String = body.chars().take(24).collect();
    Err((
        Code::Unrecognized,
        format!("it is not a JSON or XML payload (it starts with {start:?}); `wxmsg decrypt` prints it as is"),
    ))
}

/// UTF-16 text: a UTF-16 BOM, or (for text of ASCII characters, as every
/// payload's markup is) a NUL in every other byte of its start.
fn utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    let head = &bytes[..bytes.len().min(16)];
    head.len() >= 4
        && (head.iter().skip(1).step_by(2).all(|&b| b == 0)
            || head.iter().step_by(2).all(|&b| b == 0))
}

/// The inner payload's report, located at the envelope.
fn inner_report(
    outer: Document,
    inner: Inner,
    outer_notes: Vec<Diagnostic>,
    done: &Done<'_>,
    (only, prefer): (&[PlatformId], &[PlatformId]),
) -> Report {
    let (line, column) = start_of(&outer);
    let at = done.at;
    // The plaintext has no place in the source; the embedding points every
    // finding in it at the `Encrypt` field it came from.
    let field = match &outer.embedded {
        Some(e) if !e.field.is_empty() => pointer_push(&e.field, "Encrypt"),
        _ => "/Encrypt".to_string(),
    };
    let doc = Document::embedded(
        outer.source.clone(),
        inner.format,
        &inner.text,
        inner.root,
        field.clone(),
        at,
    );
    let mut notes = outer_notes;
    notes.extend(
        inner
            .notes
            .into_iter()
            .map(|(code, message)| Diagnostic::new(code, message, at.0, at.1)),
    );
    notes.extend(done.notes());
    let detect = |only: &[PlatformId]| {
        if done.envelope == Envelope::Reply {
            detect::detect_reply(&doc, &doc.root, only)
        } else {
            detect::detect(&doc, &doc.root, only)
        }
    };
    let mut det = detect::settle(detect(only), prefer, detect);
    if det.envelope.is_some() {
        // The key was given: "pass the key" says nothing here.
        det.diagnostics.retain(|d| d.code != Code::Encrypted);
        // WeChat encrypts a message once: an envelope inside an envelope is a
        // fixture encrypted twice (the wrong file given to `wxmsg encrypt`),
        // and nothing in it is the message.
        notes.push(
            Diagnostic::new(
                Code::InvalidValue,
                "the decrypted plaintext is itself an encrypted envelope (it has `Encrypt`): the message was encrypted twice",
                at.0,
                at.1,
            )
            .with_field(field),
        );
    }
    let mut r = report(doc, det, notes);
    r.envelope = Some(done.envelope);
    r.line = line;
    r.column = column;
    r
}

/// The envelope's own report, with `extra` findings instead of the "how to
/// decrypt" note and the envelope's validation (which says nothing once a key
/// was tried). It is marked [`Report::undecrypted`]: there is no payload in it
/// to show or convert.
fn outer_report(
    doc: Document,
    det: Detection,
    notes: Vec<Diagnostic>,
    extra: Vec<Diagnostic>,
) -> Report {
    let mut notes = notes;
    notes.extend(extra);
    let det = Detection {
        diagnostics: det
            .diagnostics
            .into_iter()
            .filter(|d| d.code != Code::Encrypted)
            .collect(),
        ..det
    };
    let mut r = report(doc, det, notes);
    r.undecrypted = true;
    r
}

/// The envelope's findings that still hold once the payload inside is
/// reported in its place, at their own line and column: all but the "how to
/// decrypt" note and the envelope's platform ambiguity (the payload's own
/// detection says which platform it is).
fn envelope_findings(det: Detection) -> impl Iterator<Item = Diagnostic> {
    det.diagnostics
        .into_iter()
        .filter(|d| !matches!(d.code, Code::Encrypted | Code::AmbiguousPlatform))
}

/// Where the `Encrypt` field is in the source (the document start if absent).
fn encrypt_position(doc: &Document) -> (u32, u32) {
    match doc.root.get("Encrypt") {
        Some(n) => doc.line_col(n.pos),
        None => start_of(doc),
    }
}

/// Where a report of this document starts (as the plain pipeline computes it).
fn start_of(doc: &Document) -> (u32, u32) {
    let (line, column) = doc.line_col(doc.root.pos);
    match &doc.embedded {
        Some(e) => (e.line, e.column),
        None => (line, column),
    }
}
