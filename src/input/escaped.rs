//! Payloads a logger escaped before writing them:
//!
//! - a JSON string literal in plain text, `body="{\"ToUserName\":…}"`;
//! - the same text without the quotes, as nginx writes a request body with
//!   `escape=json`: `{\"ToUserName\":…}`;
//! - bytes written `\xHH`, as nginx writes a request body by default:
//!   `{\x22ToUserName\x22:…}`, or an `<xml>` document whose line breaks are
//!   `\x0A` and whose Chinese is `\xE4\xBD\xA0…`;
//! - an `<xml>` document quoted by a logger that writes line breaks as `\n`
//!   (Go's `%q`, Python's `repr`).
//!
//! The escapes are decoded once, and the text is read as the document it
//! holds. Such a document's text is not in the input, so every finding of it
//! points at where it starts, as for a payload in a JSON string field.

use super::{from_utf8, looks_like_payload, read_xml, Broken, Buffered, Item, Scanner};
use crate::diag::{Code, Diagnostic};
use crate::doc::{Document, Format};
use crate::parse::{json, Extent, ParseError};
use crate::tape::{Kind, Tape};
use std::sync::Arc;

/// How many decoded bytes a try at escaped text reads first. A try reads on,
/// twice as far each time, only while the document it starts still runs on,
/// so it costs about as much as the document or the text up to its problem,
/// never the rest of a long line: a line of `{\"` candidates, or of thousands
/// of escaped payloads, is read in linear time, and none of them is left out.
const FIRST_READ: usize = 256;

/// A structural verdict this close to the end of a partial read may be about
/// where the read stopped (an escape or a character cut in two): read on.
const READ_SLACK: usize = 8;

impl<B: Buffered> Scanner<B> {
    /// A `{` at `c` followed by an escaped quote, or by escaped blanks then
    /// one (a pretty-printed body, `{\n  \"…`, `{\x0A  \x22…`): a payload
    /// logged as escaped JSON, inside a string literal or bare. False, with
    /// nothing done, when it is no such payload.
    #[inline(never)]
    pub(super) fn escaped_json(&mut self, c: usize, line_end: usize) -> bool {
        let after = skip_escaped_blanks(&self.buf[c + 1..line_end]);
        let json_quote = after.starts_with(b"\\\"");
        if !json_quote && !after.starts_with(b"\\x22") {
            return false;
        }
        if json_quote && c > 0 && self.buf[c - 1] == b'"' && self.escaped_literal(c - 1, line_end) {
            return true;
        }
        self.bare_escaped_json(c, line_end)
    }

    /// A payload logged as a JSON string literal in plain text
    /// (`body="{\"ToUserName\":…}"`): decode the literal once, then parse what it
    /// holds. Returns false when the quote at `q` does not start such a literal
    /// (one that holds a document and at most blanks after it).
    fn escaped_literal(&mut self, q: usize, line_end: usize) -> bool {
        let max_depth = self.opts.limits.max_depth;
        let raw = &self.buf[q + 1..line_end];
        let Some((decoded, read, closed)) = frame(raw, true, max_depth, &mut self.escaped_work)
        else {
            return false;
        };
        let whole = if closed {
            Some((decoded, read))
        } else {
            let extent = json::extent(&decoded, json::Mode::LenientInline, max_depth);
            match extent {
                // The document ends inside the read: the literal must close after
                // blanks.
                Extent::Complete(end) => decoded
                    .get(end..)
                    .unwrap_or_default()
                    .iter()
                    .all(u8::is_ascii_whitespace)
                    .then(|| blanks_to_quote(raw.get(read..).unwrap_or_default()))
                    .flatten()
                    .map(|k| (decoded, read + k)),
                // Not a document as far as it was read: judged by the text before
                // its problem, the whole literal decoded only for a report.
                _ => {
                    let limits = self.opts.limits;
                    let read = match extent {
                        Extent::NotDocument(at) => decoded.get(..=at).unwrap_or(&decoded),
                        _ => &decoded,
                    };
                    let payload_like = match json::parse(read, json::Mode::Strict, limits) {
                        Err(e) => looks_like_payload(read.get(..=e.pos).unwrap_or(read)),
                        Ok(_) => false,
                    };
                    if !payload_like {
                        return false;
                    }
                    self.escaped_work += raw.len() as u64;
                    unescape_literal(raw, usize::MAX)
                        .filter(|&(_, _, closed)| closed)
                        .map(|(d, r, _)| (d, r))
                }
            }
        };
        let Some((decoded, end)) = whole else {
            return false;
        };
        // `end` is the closing quote's offset after `q + 1`.
        let end = end + 1;
        let Ok(inner) = from_utf8(&decoded) else {
            return false;
        };
        let limits = self.opts.limits;
        let text = inner.trim();
        let (line, column) = self.line_col(q);
        if self.opts.lane && self.tape_escaped(text, line, column, true).is_some() {
            self.covered = line;
            self.pos = q + end + 1;
            return true;
        }
        match json::parse(text.as_bytes(), json::Mode::Strict, limits) {
            Ok((root, used)) if used == text.len() => {
                self.queue_escaped(text, Format::Json, root, Vec::new(), (line, column));
            }
            Ok(_) => return false,
            Err(e) => {
                if !looks_like_payload(text.as_bytes()) {
                    return false;
                }
                self.queue_escaped_broken(Format::Json, &e.message, e.code, (line, column));
            }
        }
        self.covered = line;
        self.pos = q + end + 1;
        true
    }

    /// Escaped JSON without quotes around it (`{\"ToUserName\":…}` or
    /// `{\x22ToUserName\x22:…}`), up to the first quote that is not escaped or
    /// the end of the line; what follows the document is left to the scan.
    fn bare_escaped_json(&mut self, c: usize, line_end: usize) -> bool {
        let max_depth = self.opts.limits.max_depth;
        let raw = &self.buf[c..line_end];
        let Some((decoded, _, ended)) = frame(raw, false, max_depth, &mut self.escaped_work) else {
            return false;
        };
        let text = match from_utf8(&decoded) {
            Ok(text) => text,
            // A character cut where the read stopped: the text before it.
            Err(e) if !ended && e.error_len().is_none() => {
                match from_utf8(decoded.get(..e.valid_up_to()).unwrap_or_default()) {
                    Ok(text) => text,
                    Err(_) => return false,
                }
            }
            Err(_) => return false,
        };
        let (line, column) = self.line_col(c);
        let limits = self.opts.limits;
        let used = match self
            .opts
            .lane
            .then(|| self.tape_escaped(text, line, column, false))
            .flatten()
        {
            Some(used) => used,
            None => match json::parse(text.as_bytes(), json::Mode::Strict, limits) {
                Ok((root, used)) => {
                    let text = text.get(..used).unwrap_or(text);
                    self.queue_escaped(text, Format::Json, root, Vec::new(), (line, column));
                    used
                }
                Err(e) => {
                    let read = text.as_bytes().get(..=e.pos).unwrap_or(text.as_bytes());
                    if !looks_like_payload(read) {
                        return false;
                    }
                    self.queue_escaped_broken(Format::Json, &e.message, e.code, (line, column));
                    // The rest of the escaped text goes with the broken payload.
                    usize::MAX
                }
            },
        };
        self.covered = line;
        self.pos = c + unescape(&self.buf[c..line_end], used).1.max(1);
        true
    }

    /// The JSON document `buf[c..c + end]`, which does not parse as it stands
    /// (`error`), read as Python writes bytes (`repr`, `%r` of a request
    /// body: `b'{"ToUserName":…,"Content":"\xe4\xbd\xa0"}'`): its `\xHH`,
    /// `\\`, `\'`, `\n`, `\r`, `\t` decoded once. Queued as read from
    /// escaped text when that is a JSON document, all of it, in UTF-8; else
    /// false, with nothing done, and the error stands.
    pub(super) fn python_bytes_json(&mut self, c: usize, end: usize, error: &ParseError) -> bool {
        let raw = &self.buf[c..c + end];
        let escaped_byte = error.code == Code::JsonSyntax
            && raw.get(error.pos..error.pos + 2) == Some(b"\\x".as_slice());
        if !escaped_byte {
            return false;
        }
        self.escaped_work += raw.len() as u64;
        let Some(decoded) = unescape_bytes_repr(raw) else {
            return false;
        };
        let Ok(text) = from_utf8(&decoded) else {
            return false;
        };
        match json::parse(text.as_bytes(), json::Mode::Strict, self.opts.limits) {
            Ok((root, used)) if used == text.len() => {
                let at = self.line_col(c);
                self.queue_escaped(text, Format::Json, root, Vec::new(), at);
                self.covered = at.0;
                self.pos = c + end;
                true
            }
            _ => false,
        }
    }

    /// An `<xml>` document at `c`, on one line, with escaped line breaks
    /// between its elements (`>\x0A<`, `>\n<`) or escaped UTF-8 bytes in it
    /// (`\xE4\xBD\xA0`): read as the text those escapes stand for. False, with
    /// nothing done, for any other document, which is read as it stands.
    #[inline(never)]
    pub(super) fn escaped_xml(&mut self, c: usize) -> bool {
        let line_end = self.line_end(self.line_index(c));
        let line = &self.buf[c..line_end];
        // The document ends before the next `<xml` on its line: looked at no
        // further, a line of many unclosed `<xml>`s is read in linear time.
        let line = super::before_next_xml(line);
        if memchr::memchr(b'\\', line).is_none() || self.declared.is_some() || self.doctype {
            return false;
        }
        let Some(end) = super::xml_close(line) else {
            return false;
        };
        // Inside a string literal (`body="<xml>…"`), as JSON writes one.
        let quoted = c > 0 && self.buf[c - 1] == b'"';
        if !escapes_between_elements(&line[..end], quoted) {
            return false;
        }
        let raw = &self.buf[c..c + end];
        let (decoded, read) = unescape(raw, usize::MAX);
        if read != raw.len() {
            // A quote that is not escaped: not one escaped run of text.
            return false;
        }
        let Ok(text) = from_utf8(&decoded) else {
            return false;
        };
        let Ok((root, used, _, notes)) = read_xml(text.as_bytes(), self.opts.limits) else {
            return false;
        };
        let at = self.line_col(c);
        let notes = notes
            .into_iter()
            .map(|(_, code, message)| Diagnostic::new(code, message, at.0, at.1))
            .collect();
        let text = text.get(..used).unwrap_or(text);
        self.queue_escaped(text, Format::Xml, root, notes, at);
        self.covered = at.0;
        self.pos = c + end;
        true
    }

    /// [`Scanner::escaped_literal`] and [`Scanner::bare_escaped_json`] for the
    /// lane: the decoded `text` (standing at `line`:`column`) read onto a tape
    /// and queued when the tape reads a document at its start (all of it, with
    /// `whole`); the bytes read, or `None` with nothing queued.
    fn tape_escaped(&mut self, text: &str, line: u32, column: u32, whole: bool) -> Option<usize> {
        let limits = self.opts.limits;
        let mut doc = self.spares.take();
        let d = Arc::get_mut(&mut doc)?;
        let used = match d.tape.read_into(text, limits) {
            Some(used) if !whole || used == text.len() => used,
            _ => {
                self.spares.give(doc);
                return None;
            }
        };
        let text = text.get(..used).unwrap_or(text);
        d.hold_embedded(
            text,
            &self.source,
            Format::Json,
            String::new(),
            (line, column),
        );
        self.count_doc(line);
        self.pending.push_back(Item::Tape(doc));
        Some(used)
    }

    /// Queues a document read from decoded `text` that stands at `at`.
    fn queue_escaped(
        &mut self,
        text: &str,
        format: Format,
        root: crate::doc::Node,
        notes: Vec<Diagnostic>,
        (line, column): (u32, u32),
    ) {
        let doc = Document::embedded(
            self.source.clone(),
            format,
            text,
            root,
            String::new(),
            (line, column),
        );
        self.count_doc(line);
        self.pending.push_back(Item::Doc(Box::new(doc), notes));
    }

    /// Queues the report of escaped text at `at` that holds a payload that
    /// could not be read.
    fn queue_escaped_broken(
        &mut self,
        format: Format,
        message: &str,
        code: crate::diag::Code,
        (line, column): (u32, u32),
    ) {
        self.count_doc(line);
        self.pending.push_back(Item::Broken(Box::new(Broken {
            source: self.source.clone(),
            format,
            line,
            column,
            diagnostic: Diagnostic::new(
                code,
                format!("in the escaped JSON string: {message}"),
                line,
                column,
            ),
        })));
    }
}

/// Whether `raw`, an `<xml>` document on one line, shows that a logger escaped
/// it: escaped line breaks or tabs after `<xml>` or an end tag, up to the next
/// tag (`</A>\x0A<B>`, `<xml>\n  <A>`), or an escaped byte that is not ASCII;
/// in a string literal (`quoted`), also an escaped character that is not
/// ASCII (`\u626b`, as JSON writers that keep to ASCII write one). A payload
/// holds none of them as it stands.
fn escapes_between_elements(raw: &[u8], quoted: bool) -> bool {
    let between_tags = memchr::memchr_iter(b'>', raw).any(|i| {
        let tag = memchr::memrchr(b'<', raw.get(..i).unwrap_or_default())
            .and_then(|k| raw.get(k..i))
            .unwrap_or_default();
        if !(tag.starts_with(b"</") || tag == b"<xml") {
            return false;
        }
        let mut rest = raw.get(i + 1..).unwrap_or_default();
        let mut escaped = false;
        loop {
            match rest {
                [b' ', r @ ..] => rest = r,
                [b'\\', b'n' | b'r' | b't', r @ ..]
                | [b'\\', b'x', b'0', b'9' | b'a' | b'A' | b'd' | b'D', r @ ..] => {
                    rest = r;
                    escaped = true;
                }
                _ => break,
            }
        }
        escaped && rest.first() == Some(&b'<')
    });
    between_tags || escaped_non_ascii(raw, quoted)
}

/// Whether an element's text on an XML `tape` of `text` holds an escaped
/// byte that is not ASCII (`\xE4`), or in a string literal (`quoted`) an
/// escaped character that is not ASCII (`\u626b`): then the document is no
/// plain one for the tape (see [`Scanner::escaped_xml`]). The reader noted
/// which text holds a backslash at all.
pub(super) fn leaves_hold_escaped_bytes(tape: &Tape, text: &str, quoted: bool) -> bool {
    tape.entries
        .iter()
        .filter(|e| e.kind == Kind::Str && e.backslash)
        .any(|e| {
            let leaf = text.as_bytes().get(e.start as usize..e.end as usize);
            escaped_non_ascii(leaf.unwrap_or_default(), quoted)
        })
}

/// Whether `raw` holds an escaped byte that is not ASCII (`\xE4`), or with
/// `unicode` an escaped character that is not ASCII (`\u626b`).
fn escaped_non_ascii(raw: &[u8], unicode: bool) -> bool {
    memchr::memchr_iter(b'\\', raw).any(|i| match raw.get(i + 1) {
        Some(b'x') => {
            hex_byte(raw.get(i + 2..i + 4).unwrap_or_default()).is_some_and(|b| b >= 0x80)
        }
        Some(b'u') if unicode => {
            unicode_escape(raw.get(i..).unwrap_or_default()).is_some_and(|(c, _)| !c.is_ascii())
        }
        _ => false,
    })
}

/// The byte two hex digits stand for.
fn hex_byte(h: &[u8]) -> Option<u8> {
    let s = std::str::from_utf8(h).ok()?;
    if s.len() != 2 {
        return None;
    }
    u8::from_str_radix(s, 16).ok()
}

/// `raw` after the blanks at its start, escaped (`\n`, `\r`, `\t`, `\x0A`,
/// `\x0D`, `\x09`, `\x20`) or spaces: where a pretty-printed document's
/// first key starts after its `{`.
fn skip_escaped_blanks(mut raw: &[u8]) -> &[u8] {
    loop {
        raw = match raw {
            [b' ', rest @ ..] | [b'\\', b'n' | b'r' | b't', rest @ ..] => rest,
            [b'\\', b'x', b'0', b'a' | b'A' | b'd' | b'D' | b'9', rest @ ..]
            | [b'\\', b'x', b'2', b'0', rest @ ..] => rest,
            _ => return raw,
        };
    }
}

/// Decodes escaped text at the start of `raw` for a try: up to `limit`
/// decoded bytes at first, then on, twice as far each time, while the JSON
/// document the text starts still runs on there. As a string literal's
/// content (`literal`, see [`unescape_literal`]) or as bare escaped text (see
/// [`unescape`]). Returns the decoded bytes, how many bytes of `raw` they
/// took, and whether the escaped text ended there (at its quote or line end);
/// `None` when `literal` and the text is no string literal's content. The
/// bytes of `raw` read are added to `work`.
fn frame(
    raw: &[u8],
    literal: bool,
    max_depth: usize,
    work: &mut u64,
) -> Option<(Vec<u8>, usize, bool)> {
    let mut limit = FIRST_READ;
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let before = i;
        let ended = if literal {
            unescape_literal_into(raw, &mut out, &mut i, limit)?
        } else {
            unescape_into(raw, &mut out, &mut i, limit);
            raw.get(i).is_none_or(|b| matches!(b, b'"' | b'\n' | b'\r'))
        };
        *work += (i - before) as u64;
        let more = !ended
            && match json::extent(&out, json::Mode::LenientInline, max_depth) {
                Extent::NeedMore => true,
                Extent::NotDocument(at) => at + READ_SLACK >= out.len(),
                Extent::Complete(_) => false,
            };
        if !more {
            return Some((out, i, ended));
        }
        limit = limit.saturating_mul(2);
    }
}

/// The content of a JSON string literal at the start of `raw` (after its
/// opening quote) decoded as JSON reads it, up to its closing quote or until
/// `limit` bytes are decoded: the bytes, how many bytes of `raw` they took,
/// and whether the closing quote was reached. `None` when this is no string
/// literal's content: an escape JSON does not know (`\x22`, `\'`), a control
/// character, or no closing quote before the end of the line.
fn unescape_literal(raw: &[u8], limit: usize) -> Option<(Vec<u8>, usize, bool)> {
    let mut out = Vec::new();
    let mut i = 0;
    let closed = unescape_literal_into(raw, &mut out, &mut i, limit)?;
    Some((out, i, closed))
}

/// [`unescape_literal`] on from `raw[*i]`, onto `out`, until `out` holds
/// `limit` bytes: whether the closing quote was reached.
fn unescape_literal_into(
    raw: &[u8],
    out: &mut Vec<u8>,
    i: &mut usize,
    limit: usize,
) -> Option<bool> {
    while out.len() < limit {
        let rest = raw.get(*i..).unwrap_or_default();
        // A run of plain bytes is copied at once.
        let run = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(rest.len())
            .min(limit - out.len());
        out.extend_from_slice(rest.get(..run).unwrap_or_default());
        *i += run;
        if out.len() >= limit {
            break;
        }
        match *raw.get(*i)? {
            b'"' => return Some(true),
            b'\\' => {
                let esc = raw.get(*i..).unwrap_or_default();
                let json_escape = matches!(
                    esc.get(1),
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' | b'u')
                );
                let (bytes, len) = escape(esc);
                // `len` 1: a `\u` escape that names no character.
                if !json_escape || len == 1 {
                    return None;
                }
                out.extend_from_slice(bytes.as_slice());
                *i += len;
            }
            _ => return None,
        }
    }
    Some(false)
}

/// Where the string literal whose rest is `raw` closes, when only blanks
/// (spaces, escaped line breaks and tabs) come before its closing quote.
fn blanks_to_quote(raw: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        match raw.get(i..)? {
            [b'"', ..] => return Some(i),
            [b' ', ..] => i += 1,
            [b'\\', b'n' | b'r' | b't', ..] => i += 2,
            _ => return None,
        }
    }
}

/// Decodes the escapes of `raw` that loggers write (`\"`, `\\`, `\/`, `\'`,
/// `\n`, `\r`, `\t`, `\b`, `\f`, `\xHH` bytes, `\uXXXX` characters with
/// surrogate pairs), up to the first unescaped `"` or line break, or until
/// `limit` bytes are decoded. An escape of any other form is kept as it
/// stands. Returns the bytes and how many bytes of `raw` they took.
fn unescape(raw: &[u8], limit: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(raw.len().min(limit));
    let mut i = 0;
    unescape_into(raw, &mut out, &mut i, limit);
    (out, i)
}

/// [`unescape`] on from `raw[*i]`, onto `out`, until `out` holds `limit`
/// bytes.
fn unescape_into(raw: &[u8], out: &mut Vec<u8>, i: &mut usize, limit: usize) {
    while out.len() < limit {
        let rest = raw.get(*i..).unwrap_or_default();
        // A run of plain bytes is copied at once.
        let run = rest
            .iter()
            .position(|&b| matches!(b, b'"' | b'\\' | b'\n' | b'\r'))
            .unwrap_or(rest.len())
            .min(limit - out.len());
        out.extend_from_slice(rest.get(..run).unwrap_or_default());
        *i += run;
        if out.len() >= limit {
            break;
        }
        match raw.get(*i) {
            Some(b'\\') => {
                let (bytes, len) = escape(raw.get(*i..).unwrap_or_default());
                out.extend_from_slice(bytes.as_slice());
                *i += len;
            }
            _ => break,
        }
    }
}

/// Decodes `raw` as Python writes bytes in a `repr` (`\xHH`, `\\`, `\'`,
/// `\n`, `\r`, `\t`); `None` at any other escape, which such text never
/// holds.
fn unescape_bytes_repr(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'\\', raw.get(i..).unwrap_or_default()) {
        out.extend_from_slice(raw.get(i..i + k).unwrap_or_default());
        i += k;
        let (b, len) = match raw.get(i + 1)? {
            b'\\' => (b'\\', 2),
            b'\'' => (b'\'', 2),
            b'n' => (b'\n', 2),
            b'r' => (b'\r', 2),
            b't' => (b'\t', 2),
            b'x' => (hex_byte(raw.get(i + 2..i + 4)?)?, 4),
            _ => return None,
        };
        out.push(b);
        i += len;
    }
    out.extend_from_slice(raw.get(i..).unwrap_or_default());
    Some(out)
}

/// The bytes one escape at the start of `esc` (which starts with `\`) stands
/// for, and its length.
fn escape(esc: &[u8]) -> (Decoded, usize) {
    let one = |b: u8| (Decoded::one(b), 2);
    // An escape of no known form: the backslash is taken as it stands, and
    // the text after it is read on.
    let unknown = (Decoded::one(b'\\'), 1);
    match esc.get(1) {
        Some(b'"') => one(b'"'),
        Some(b'\\') => one(b'\\'),
        Some(b'/') => one(b'/'),
        Some(b'\'') => one(b'\''),
        Some(b'n') => one(b'\n'),
        Some(b'r') => one(b'\r'),
        Some(b't') => one(b'\t'),
        Some(b'b') => one(0x08),
        Some(b'f') => one(0x0c),
        Some(b'x') => match hex_byte(esc.get(2..4).unwrap_or_default()) {
            Some(b) => (Decoded::one(b), 4),
            None => unknown,
        },
        Some(b'u') => match unicode_escape(esc) {
            Some((c, len)) => (Decoded::char(c), len),
            None => unknown,
        },
        _ => unknown,
    }
}

/// A `\uXXXX` escape at the start of `esc`, or a surrogate pair of two.
fn unicode_escape(esc: &[u8]) -> Option<(char, usize)> {
    let unit = |at: usize| -> Option<u32> {
        let h = std::str::from_utf8(esc.get(at..at + 4)?).ok()?;
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(h, 16).ok()
    };
    let hi = unit(2)?;
    if (0xD800..0xDC00).contains(&hi) {
        if esc.get(6..8) != Some(b"\\u") {
            return None;
        }
        let lo = unit(8)?;
        if !(0xDC00..0xE000).contains(&lo) {
            return None;
        }
        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
        return char::from_u32(c).map(|c| (c, 12));
    }
    char::from_u32(hi).map(|c| (c, 6))
}

/// Up to four decoded bytes, without an allocation.
struct Decoded {
    bytes: [u8; 4],
    len: usize,
}

impl Decoded {
    fn one(b: u8) -> Self {
        Decoded {
            bytes: [b, 0, 0, 0],
            len: 1,
        }
    }

    fn char(c: char) -> Self {
        let mut bytes = [0; 4];
        let len = c.encode_utf8(&mut bytes).len();
        Decoded { bytes, len }
    }

    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_decodes_what_loggers_write() {
        let (d, n) = unescape(
            br#"{\"a\":\"\u4f60\ud83d\ude00\x22\xE4\xBD\xA0\\n\q\"}" rest"#,
            usize::MAX,
        );
        assert_eq!(String::from_utf8(d).unwrap(), "{\"a\":\"你😀\"你\\n\\q\"}");
        assert_eq!(
            n,
            br#"{\"a\":\"\u4f60\ud83d\ude00\x22\xE4\xBD\xA0\\n\q\"}"#.len()
        );
        // Limited: the raw length of the first decoded bytes.
        let (d, n) = unescape(br#"{\x22a\x22:1} x"#, 7);
        assert_eq!(d, b"{\"a\":1}");
        assert_eq!(n, br#"{\x22a\x22:1}"#.len());
        // A lone surrogate or a short hex escape stays as written.
        let (d, _) = unescape(br"\ud800 \x4", usize::MAX);
        assert_eq!(d, br"\ud800 \x4");
    }

    /// The items of `input` and the bytes of escaped text its tries read.
    fn scan(input: &str) -> (Vec<Item>, u64) {
        let mut sc = Scanner::new(input.as_bytes(), "t", super::super::ScanOptions::default());
        let mut items = Vec::new();
        while let Some(item) = sc.next_item().unwrap() {
            items.push(item);
        }
        (items, sc.escaped_work)
    }

    fn docs(items: &[Item]) -> usize {
        items.iter().filter(|i| matches!(i, Item::Doc(..))).count()
    }

    /// Thousands of escaped payloads on one line are all read, each about
    /// once; a line of escaped candidates that are none costs work in
    /// proportion to its length, and the payload after them is still read.
    #[test]
    fn a_line_of_escaped_candidates_is_read_whole_in_linear_time() {
        let kf = r#"{"msgid":"m1","open_kfid":"wk1","external_userid":"wm1","send_time":1736908245,"origin":3,"msgtype":"text","text":{"content":"你好"}}"#;
        let literal = format!("\"{}\"", kf.replace('"', "\\\""));
        let nginx = kf.replace('"', "\\x22");
        for one in [literal, nginx] {
            let line = format!("INFO {}\n", vec![one.as_str(); 5000].join(" "));
            let (items, work) = scan(&line);
            assert_eq!(docs(&items), 5000);
            assert!(work <= 2 * line.len() as u64, "{work} for {}", line.len());
        }
        let payload = kf.replace('"', "\\\"");
        for flood in [
            r#""{\""#,
            r#"{\"a\":["#,
            r#"{\x22a\x22:\x22"#,
            r#"{\"a\":\"{\""#,
        ] {
            let work_of = |n: usize| {
                let line = format!("INFO {} body=\"{payload}\"\n", flood.repeat(n));
                let (items, work) = scan(&line);
                assert_eq!(docs(&items), 1, "{flood}");
                work
            };
            let (small, big) = (work_of(2000), work_of(8000));
            assert!(big <= 5 * small, "{flood}: {small} then {big}");
        }
    }

    #[test]
    fn escaped_blanks_may_open_a_pretty_printed_document() {
        assert_eq!(skip_escaped_blanks(br#"\n  \"a"#), br#"\"a"#);
        assert_eq!(skip_escaped_blanks(br"\x0A\x20\x09\x0d\x22a"), br"\x22a");
        assert_eq!(skip_escaped_blanks(br"\x41"), br"\x41");
        let body = "{\\n  \\\"MsgType\\\": \\\"text\\\",\\n  \\\"Content\\\": \\\"a\\\"\\n}";
        for line in [format!("INFO body=\"{body}\"\n"), format!("INFO {body}\n")] {
            let (items, _) = scan(&line);
            assert_eq!(docs(&items), 1, "{line}");
        }
    }

    #[test]
    fn python_bytes_repr_is_decoded_as_python_writes_it() {
        assert_eq!(
            unescape_bytes_repr(br#"{"a":"\xe4\xbd\xa0\\"x\'\n"}"#).unwrap(),
            "{\"a\":\"你\\\"x'\n\"}".as_bytes()
        );
        // JSON's own escapes are written `\\u`, `\\"` in a repr.
        assert_eq!(unescape_bytes_repr(br#"{"a":"\u4f60"}"#), None);
        assert_eq!(unescape_bytes_repr(br#"{"a":"\"\xe4"}"#), None);
        assert_eq!(unescape_bytes_repr(br"\x4"), None);
    }

    #[test]
    fn escaped_xml_is_told_by_escapes_a_payload_never_holds() {
        assert!(escapes_between_elements(
            br"<xml><A>1</A>\x0A<B>2</B></xml>",
            false
        ));
        assert!(escapes_between_elements(
            br"<xml><A>1</A>\n<B>2</B></xml>",
            false
        ));
        assert!(escapes_between_elements(
            br"<xml>\r\n  <A>1</A></xml>",
            false
        ));
        assert!(escapes_between_elements(
            br"<xml><A><![CDATA[\xE4\xBD\xA0]]></A></xml>",
            false
        ));
        assert!(!escapes_between_elements(
            br"<xml><A>C:\x41\temp</A></xml>",
            false
        ));
        assert!(!escapes_between_elements(
            br"<xml><A>1</A><B>\n</B></xml>",
            false
        ));
        // `\u` escapes of characters that are not ASCII, in a string literal.
        let u = br"<xml><A><![CDATA[\u626b\u7801]]></A></xml>";
        assert!(escapes_between_elements(u, true));
        assert!(!escapes_between_elements(u, false));
        assert!(!escapes_between_elements(
            br"<xml><A>\u0041</A></xml>",
            true
        ));
    }
}
