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
use crate::diag::Diagnostic;
use crate::doc::{Document, Format, Value};
use crate::parse::json;
use crate::tape::{Kind, Tape};
use std::sync::Arc;

/// How many times one line's escaped text is decoded: each try may read the
/// rest of the line, so a line of `{\"` stays linear.
const TRIES_PER_LINE: u32 = 16;

impl<B: Buffered> Scanner<B> {
    /// Whether escaped text at `c` may be decoded: counted against the line's
    /// tries.
    fn may_try_escaped(&mut self, c: usize) -> bool {
        let line = self.line_of(c);
        let (last, tries) = self.escaped_tries;
        let tries = if last == line { tries } else { 0 };
        self.escaped_tries = (line, tries + 1);
        tries < TRIES_PER_LINE
    }

    /// A `{` at `c` followed by an escaped quote: a payload logged as escaped
    /// JSON, inside a string literal or bare. False, with nothing done, when
    /// it is no such payload.
    #[inline(never)]
    pub(super) fn escaped_json(&mut self, c: usize, line_end: usize) -> bool {
        let after = &self.buf[c + 1..line_end];
        let json_quote = after.starts_with(b"\\\"");
        if !json_quote && !after.starts_with(b"\\x22") || !self.may_try_escaped(c) {
            return false;
        }
        if json_quote && c > 0 && self.buf[c - 1] == b'"' && self.escaped_literal(c - 1, line_end) {
            return true;
        }
        self.bare_escaped_json(c, line_end)
    }

    /// A payload logged as a JSON string literal in plain text
    /// (`body="{\"ToUserName\":…}"`): decode the literal once, then parse what it
    /// holds. Returns false when the quote at `q` does not start such a literal.
    fn escaped_literal(&mut self, q: usize, line_end: usize) -> bool {
        let bytes = &self.buf[q..line_end];
        let mut i = 1;
        let end = loop {
            match bytes.get(i) {
                Some(b'\\') => i += 2,
                Some(b'"') => break i,
                Some(b'\n' | b'\r') | None => return false,
                Some(_) => i += 1,
            }
        };
        let limits = self.opts.limits;
        let Ok((lit, _)) = json::parse(&bytes[..=end], json::Mode::Strict, limits) else {
            return false;
        };
        let Value::String(inner) = lit.value else {
            return false;
        };
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
        let (decoded, _) = unescape(&self.buf[c..line_end], usize::MAX);
        let Ok(text) = from_utf8(&decoded) else {
            return false;
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
                    text.len()
                }
            },
        };
        self.covered = line;
        self.pos = c + unescape(&self.buf[c..line_end], used).1.max(1);
        true
    }

    /// An `<xml>` document at `c`, on one line, with escaped line breaks
    /// between its elements (`>\x0A<`, `>\n<`) or escaped UTF-8 bytes in it
    /// (`\xE4\xBD\xA0`): read as the text those escapes stand for. False, with
    /// nothing done, for any other document, which is read as it stands.
    #[inline(never)]
    pub(super) fn escaped_xml(&mut self, c: usize) -> bool {
        let line_end = self.line_end(self.line_index(c));
        let line = &self.buf[c..line_end];
        if memchr::memchr(b'\\', line).is_none() || self.declared.is_some() || self.doctype {
            return false;
        }
        let Some(end) = super::xml_close(line) else {
            return false;
        };
        if !escapes_between_elements(&line[..end]) || !self.may_try_escaped(c) {
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
/// tag (`</A>\x0A<B>`, `<xml>\n  <A>`), or an escaped byte that is not ASCII.
/// A payload holds neither as it stands.
fn escapes_between_elements(raw: &[u8]) -> bool {
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
    between_tags || escaped_high_byte(raw)
}

/// Whether an element's text on an XML `tape` of `text` holds an escaped
/// byte that is not ASCII (`\xE4`): then the document is no plain one for
/// the tape (see [`Scanner::escaped_xml`]). The reader noted which text
/// holds a backslash at all.
pub(super) fn leaves_hold_escaped_bytes(tape: &Tape, text: &str) -> bool {
    tape.entries
        .iter()
        .filter(|e| e.kind == Kind::Str && e.backslash)
        .any(|e| {
            let leaf = text.as_bytes().get(e.start as usize..e.end as usize);
            escaped_high_byte(leaf.unwrap_or_default())
        })
}

/// Whether `raw` holds an escaped byte that is not ASCII (`\xE4`).
fn escaped_high_byte(raw: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', raw).any(|i| {
        raw.get(i + 1) == Some(&b'x')
            && hex_byte(raw.get(i + 2..i + 4).unwrap_or_default()).is_some_and(|b| b >= 0x80)
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

/// Decodes the escapes of `raw` that loggers write (`\"`, `\\`, `\/`, `\'`,
/// `\n`, `\r`, `\t`, `\b`, `\f`, `\xHH` bytes, `\uXXXX` characters with
/// surrogate pairs), up to the first unescaped `"` or line break, or until
/// `limit` bytes are decoded. An escape of any other form is kept as it
/// stands. Returns the bytes and how many bytes of `raw` they took.
fn unescape(raw: &[u8], limit: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(raw.len().min(limit));
    let mut i = 0;
    while out.len() < limit {
        let Some(&b) = raw.get(i) else {
            break;
        };
        match b {
            b'"' | b'\n' | b'\r' => break,
            b'\\' => {
                let (bytes, len) = escape(raw.get(i..).unwrap_or_default());
                out.extend_from_slice(bytes.as_slice());
                i += len;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    (out, i)
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

    #[test]
    fn escaped_xml_is_told_by_escapes_a_payload_never_holds() {
        assert!(escapes_between_elements(
            br"<xml><A>1</A>\x0A<B>2</B></xml>"
        ));
        assert!(escapes_between_elements(br"<xml><A>1</A>\n<B>2</B></xml>"));
        assert!(escapes_between_elements(br"<xml>\r\n  <A>1</A></xml>"));
        assert!(escapes_between_elements(
            br"<xml><A><![CDATA[\xE4\xBD\xA0]]></A></xml>"
        ));
        assert!(!escapes_between_elements(br"<xml><A>C:\x41\temp</A></xml>"));
        assert!(!escapes_between_elements(br"<xml><A>1</A><B>\n</B></xml>"));
    }
}
