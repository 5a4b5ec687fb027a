//! A borrowed, flat reading of one JSON document: the fast lane's input.
//!
//! The tree in [`crate::doc`] owns a `String` per key and value, which is what a
//! renderer or a finding needs but costs an allocation per field. Most payloads
//! are valid and only need checking and copying out, so the fast lane
//! ([`crate::lane`]) reads them into a [`Tape`]: one entry per value, in document
//! order, each holding byte ranges into the text. Nothing is decoded until asked.
//!
//! The reader is deliberately narrower than [`crate::parse::json`]: it accepts
//! only strict JSON within the limits, and gives up (returns `None`) on anything
//! unusual — an escape in a key, a lone surrogate, a control character. The caller
//! then hands the document to the full parser, which decides and explains. So the
//! tape never accepts a document the full parser would refuse.

mod xml;

use crate::catalog::disc_keys::{disc_slot, AGENT_ID, DISC_KEYS};
use crate::catalog::{key_hash, key_hash_bytes, same_key};
use crate::doc::{Member, Node, Value, XmlForm};
use crate::parse::Limits;
use crate::scan::{scan_digits, scan_escape, scan_string};
use std::borrow::Cow;

/// What an entry holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Null,
    False,
    True,
    Number,
    /// A string with no escapes: its text is the raw slice.
    Str,
    /// A string with escapes, decoded on demand.
    StrEsc,
    Object,
    Array,
}

/// One value. Offsets are bytes into the document text.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub kind: Kind,
    /// Where the value starts (its quote, first digit or bracket), like `Node::pos`.
    pub pos: u32,
    /// The raw text: a string's body between its quotes, a number's lexeme.
    pub start: u32,
    pub end: u32,
    /// The index of the entry after this value and everything inside it.
    pub next: u32,
    /// For object members: where the key starts (its quote), like `Member::key_pos`,
    /// and the key's text (escape-free by construction).
    pub key_pos: u32,
    pub key_start: u32,
    pub key_end: u32,
    /// [`key_hash`] of the key (0 when there is no key).
    pub key_hash: u64,
    /// For strings: printable ASCII only (no DEL), so JSON output copies the raw
    /// text as it is. For JSON numbers: digits alone (no sign, fraction or
    /// exponent). For XML text, a number's too: printable ASCII without `"`
    /// or `\`.
    pub plain: bool,
    /// The same for the key.
    pub key_plain: bool,
    /// For JSON strings with escapes: an escape decodes to a backslash (`\\`
    /// or `\u005C`). Noted while reading, so no check has to scan the text again.
    ///
    /// For XML text: the text holds a backslash (checked while reading it);
    /// on the root, that some element's text does ([`Tape::escaped_text`]).
    pub backslash: bool,
    /// What the XML source said about the value ([`XmlForm::None`] for JSON).
    pub form: XmlForm,
}

/// The entries of one document, root first.
#[derive(Clone, Debug, Default)]
pub struct Tape {
    pub entries: Vec<Entry>,
    /// Whitespace stands between two of the JSON text's tokens (before the first
    /// and after the last does not count). Without it, and without a byte a
    /// JSON writer would change, the text is its own compact form and is copied
    /// as it is. Always set for XML.
    pub spaced: bool,
    /// No string or key of the JSON text has an escape or a byte the JSON
    /// writer looks at ([`crate::scan::is_writer_look`]): each is written as it
    /// stands. Never set for XML.
    pub verbatim: bool,
    /// Where the root object's discriminator keys are, noted by the reader as
    /// it hashes each key.
    pub root_keys: RootKeys,
}

/// Which of the discriminator keys ([`DISC_KEYS`]) the root object has, and
/// where: the first member with each key counts, as in detection's own walk.
#[derive(Clone, Copy, Debug, Default)]
pub struct RootKeys {
    /// Bit `slot`: a member of the root object has the key `DISC_KEYS[slot]`.
    pub present: u16,
    /// The entry of that member's value, for each slot present but the
    /// last ([`AGENT_ID`], whose presence alone counts): a smaller struct,
    /// copied per document.
    pub at: [u32; AGENT_ID],
}

impl RootKeys {
    /// Notes a member of the root object, whose value is entry `value`, when
    /// its key is a discriminator key seen for the first time.
    #[inline(always)]
    fn note(&mut self, hash: u64, key: &[u8], value: usize) {
        let Some(slot) = disc_slot(hash) else {
            return;
        };
        let bit = 1 << slot;
        if self.present & bit == 0
            && DISC_KEYS
                .get(slot)
                .is_some_and(|k| same_key(key, k.as_bytes()))
        {
            if let Some(a) = self.at.get_mut(slot) {
                *a = at(value);
            }
            self.present |= bit;
        }
    }
}

/// JSON whitespace (the same four bytes are XML's).
pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl Tape {
    /// Reads one strict JSON value at the start of `text` (leading whitespace
    /// allowed); returns the tape and the offset just past the value, or `None`
    /// when the full parser has to look at it.
    pub fn read(text: &str, limits: Limits) -> Option<(Tape, usize)> {
        let mut tape = Tape::default();
        let used = tape.read_into(text, limits)?;
        Some((tape, used))
    }

    /// [`Tape::read`] into this tape, replacing what it held and keeping its
    /// allocation: a reader of many documents allocates for the first only.
    /// Returns the offset just past the value.
    pub fn read_into(&mut self, text: &str, limits: Limits) -> Option<usize> {
        self.read_bytes_into(text.as_bytes(), limits)
    }

    /// [`Tape::read_into`] on bytes not yet checked as UTF-8: the offset just
    /// past the value, whose bytes the caller checks (and only they) before
    /// taking the tape's offsets into them as text. The reader refuses every
    /// non-ASCII byte outside a string, so those offsets always fall between
    /// characters.
    pub fn read_bytes_into(&mut self, text: &[u8], limits: Limits) -> Option<usize> {
        // Every offset then fits an entry's `u32` as it is.
        if text.len() >= NONE as usize {
            return None;
        }
        // Payloads hold about one value per 30 bytes and rarely fewer than 16
        // bytes per value, so this rarely regrows; capped so a long line does
        // not reserve more than it is likely to use.
        let capacity = (text.len() / 16 + 2).min(1024);
        let mut entries = std::mem::take(&mut self.entries);
        entries.clear();
        entries.reserve(capacity);
        let mut r = Reader {
            b: text,
            i: 0,
            entries,
            open: NONE,
            in_object: false,
            depth: 0,
            fields: 0,
            limits,
            spaced: false,
            verbatim: true,
            root_keys: RootKeys::default(),
        };
        let used = r.document();
        self.entries = r.entries;
        self.spaced = r.spaced;
        self.verbatim = r.verbatim;
        self.root_keys = r.root_keys;
        used
    }

    /// XML only: the text of some element holds a backslash, as text a
    /// logger escaped byte by byte (`\xE4\xBD\xA0`) does. Noted while
    /// reading, so that the scanner looks at the document again
    /// (`input::escaped`) only then.
    pub fn escaped_text(&self) -> bool {
        self.entries.first().is_some_and(|e| e.backslash)
    }

    /// The root value.
    pub fn root<'t>(&'t self, text: &'t str) -> View<'t> {
        self.view(text, 0)
    }

    /// The value at entry `i` (see [`View::index`]).
    pub fn view<'t>(&'t self, text: &'t str, i: usize) -> View<'t> {
        View {
            text,
            entries: &self.entries,
            i,
        }
    }
}

/// No container: the parent of the root.
const NONE: u32 = u32::MAX;

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    entries: Vec<Entry>,
    /// The innermost open container's entry ([`NONE`] at the top). An open
    /// container's `next` holds its parent until it closes, so the nesting needs
    /// no stack of its own (one allocation less per document).
    open: u32,
    /// Whether `open` is an object.
    in_object: bool,
    /// How many containers are open.
    depth: usize,
    fields: usize,
    limits: Limits,
    /// See [`Tape::spaced`].
    spaced: bool,
    /// See [`Tape::verbatim`].
    verbatim: bool,
    /// See [`Tape::root_keys`].
    root_keys: RootKeys,
}

/// An offset into the text, or an entry's index, as an entry holds it. The
/// readers take only texts shorter than `u32::MAX` (checked once in
/// [`Tape::read_into`] and [`Tape::read_xml_into`]), which have fewer values
/// than bytes: no saturation to pay for on every offset.
#[inline(always)]
fn at(i: usize) -> u32 {
    i as u32
}

impl Reader<'_> {
    #[inline(always)]
    fn skip_ws(&mut self) {
        while self.b.get(self.i).is_some_and(|&c| is_ws(c)) {
            self.i += 1;
            // Only where there is whitespace: compact text pays nothing.
            self.spaced = true;
        }
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Counts a member or array element against the field limit.
    #[inline(always)]
    fn count(&mut self) -> Option<()> {
        self.fields += 1;
        (self.fields <= self.limits.max_fields).then_some(())
    }

    fn document(&mut self) -> Option<usize> {
        self.skip_ws();
        // Whitespace before the value is not between its tokens.
        self.spaced = false;
        // The key fields of the next entry. An array item keeps the last key's
        // range (and, after its first item, its hash and plainness): nothing
        // reads them, and the tape's contents stay as they always were.
        let (mut key_pos, mut ks, mut ke, mut kh, mut kp) = (u32::MAX, 0, 0, 0, false);
        loop {
            // A value is expected at `self.i`.
            let start = self.i;
            let idx = self.entries.len();
            let mut entry = Entry {
                kind: Kind::Null,
                pos: at(start),
                start: at(start),
                end: at(start),
                next: at(idx + 1),
                key_pos,
                key_start: ks,
                key_end: ke,
                key_hash: kh,
                plain: false,
                key_plain: kp,
                backslash: false,
                form: XmlForm::None,
            };
            match *self.b.get(start)? {
                b'"' => {
                    let (end, escaped, plain, backslash) = self.string()?;
                    entry.kind = if escaped { Kind::StrEsc } else { Kind::Str };
                    entry.plain = plain;
                    entry.backslash = backslash;
                    entry.start = at(start + 1);
                    entry.end = at(end);
                    self.entries.push(entry);
                }
                c @ (b'{' | b'[') => {
                    if self.depth >= self.limits.max_depth {
                        return None;
                    }
                    let object = c == b'{';
                    entry.kind = if object { Kind::Object } else { Kind::Array };
                    entry.next = self.open;
                    self.entries.push(entry);
                    self.open = at(idx);
                    self.in_object = object;
                    self.depth += 1;
                    self.i += 1;
                    self.skip_ws();
                    let close = if object { b'}' } else { b']' };
                    if self.peek()? != close {
                        if object {
                            (key_pos, ks, ke, kh, kp) = self.key()?;
                        } else {
                            self.count()?;
                            (key_pos, kh, kp) = (u32::MAX, 0, false);
                        }
                        continue;
                    }
                    self.i += 1;
                    self.close();
                }
                b'-' | b'0'..=b'9' => {
                    entry.kind = Kind::Number;
                    let (end, digits) = self.number()?;
                    entry.end = at(end);
                    entry.plain = digits;
                    self.entries.push(entry);
                }
                c => {
                    let (word, kind): (&[u8], Kind) = match c {
                        b't' => (b"true", Kind::True),
                        b'f' => (b"false", Kind::False),
                        b'n' => (b"null", Kind::Null),
                        _ => return None,
                    };
                    if self.b.get(start..start + word.len())? != word {
                        return None;
                    }
                    self.i = start + word.len();
                    entry.kind = kind;
                    entry.end = at(self.i);
                    self.entries.push(entry);
                }
            }
            // After a value: `,` continues the parent, a bracket closes it.
            loop {
                if self.depth == 0 {
                    return Some(self.i);
                }
                self.skip_ws();
                let c = self.peek()?;
                if c == b',' {
                    self.i += 1;
                    self.skip_ws();
                    if self.in_object {
                        (key_pos, ks, ke, kh, kp) = self.key()?;
                    } else {
                        self.count()?;
                        key_pos = u32::MAX;
                    }
                    break;
                }
                if c != if self.in_object { b'}' } else { b']' } {
                    return None;
                }
                self.i += 1;
                self.close();
            }
        }
    }

    /// Finishes the innermost open container, whose closing bracket ends at
    /// `self.i`, and reopens its parent.
    fn close(&mut self) {
        let next = at(self.entries.len());
        let end = at(self.i);
        let mut parent = NONE;
        if let Some(e) = self.entries.get_mut(self.open as usize) {
            parent = e.next;
            e.next = next;
            e.end = end;
        }
        self.open = parent;
        self.depth = self.depth.saturating_sub(1);
        self.in_object = self
            .entries
            .get(parent as usize)
            .is_some_and(|e| e.kind == Kind::Object);
    }

    /// Reads a key at `self.i` and the `:` after it: (key_pos, start, end, hash,
    /// plain).
    #[inline(always)]
    fn key(&mut self) -> Option<(u32, u32, u32, u64, bool)> {
        self.count()?;
        let pos = self.i;
        if self.peek()? != b'"' {
            return None;
        }
        // A key stops at its closing quote: an escape, a control character or
        // the end of the text all send the document to the full parser.
        let (end, odd, look) = scan_string(self.b, pos + 1);
        if self.b.get(end) != Some(&b'"') {
            return None;
        }
        self.i = end + 1;
        if self.peek() == Some(b':') {
            self.i += 1;
        } else {
            self.skip_ws();
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
        }
        self.skip_ws();
        let key = self.b.get(pos + 1..end).unwrap_or_default();
        let hash = key_hash_bytes(key);
        if self.depth == 1 {
            // The member's value is the next entry.
            self.root_keys.note(hash, key, self.entries.len());
        }
        self.verbatim &= !look;
        Some((at(pos), at(pos + 1), at(end), hash, !odd))
    }

    /// Reads a string at its opening quote; returns the offset of the closing
    /// quote, whether it holds escapes, whether it is printable ASCII without
    /// escapes, and whether an escape decodes to a backslash. Gives up on
    /// control characters and on escapes the full parser would refuse or that
    /// name half a surrogate pair.
    #[inline(always)]
    fn string(&mut self) -> Option<(usize, bool, bool, bool)> {
        let (stop, odd, look) = scan_string(self.b, self.i + 1);
        if self.b.get(stop) == Some(&b'"') {
            self.i = stop + 1;
            self.verbatim &= !look;
            return Some((stop, false, !odd, false));
        }
        self.verbatim = false;
        self.escaped_string(stop)
    }

    /// The rest of [`Reader::string`] from `i`, the first stop that is not the
    /// closing quote: out of line, as most strings have no escapes.
    #[inline(never)]
    fn escaped_string(&mut self, mut i: usize) -> Option<(usize, bool, bool, bool)> {
        let mut backslash = false;
        loop {
            match *self.b.get(i)? {
                b'"' => {
                    self.i = i + 1;
                    return Some((i, true, false, backslash));
                }
                b'\\' => {}
                _ => return None,
            }
            i = match *self.b.get(i + 1)? {
                b'\\' => {
                    backslash = true;
                    i + 2
                }
                b'"' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i + 2,
                b'u' => {
                    let unit = hex4(self.b, i + 2)?;
                    backslash |= unit == 0x5C;
                    if (0xD800..0xDC00).contains(&unit) {
                        if self.b.get(i + 6..i + 8)? != b"\\u" {
                            return None;
                        }
                        let lo = hex4(self.b, i + 8)?;
                        if !(0xDC00..0xE000).contains(&lo) {
                            return None;
                        }
                        i + 12
                    } else if (0xDC00..0xE000).contains(&unit) {
                        return None;
                    } else {
                        i + 6
                    }
                }
                _ => return None,
            };
            // Escapes often follow each other: no scan to the next one.
            if self.b.get(i) != Some(&b'\\') {
                i = scan_string(self.b, i).0;
            }
        }
    }

    /// Reads a number; returns the offset after it, and whether it is digits
    /// alone (no sign, fraction or exponent).
    #[inline(always)]
    fn number(&mut self) -> Option<(usize, bool)> {
        let b = self.b;
        let mut i = self.i;
        let negative = b.get(i) == Some(&b'-');
        if negative {
            i += 1;
        }
        match *b.get(i)? {
            b'0' => {
                i += 1;
                if b.get(i).is_some_and(u8::is_ascii_digit) {
                    return None;
                }
            }
            b'1'..=b'9' => i = scan_digits(b, i),
            _ => return None,
        }
        let int_end = i;
        if b.get(i) == Some(&b'.') {
            let d = scan_digits(b, i + 1);
            if d == i + 1 {
                return None;
            }
            i = d;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let d = scan_digits(b, i);
            if d == i {
                return None;
            }
            i = d;
        }
        // The end of the text may cut a number short; the full parser decides.
        b.get(i)?;
        self.i = i;
        Some((i, !negative && int_end == i))
    }
}

/// Four hex digits at `i`, if they are there.
pub(crate) fn hex4(b: &[u8], i: usize) -> Option<u32> {
    // Looked up, not tested digit by digit: `\u` escapes come in runs (a
    // logger's escaped Chinese), and the lookups have no branch to mispredict.
    let &[a, b, c, d] = b.get(i..i + 4)?.first_chunk::<4>()?;
    let [a, b, c, d] = [a, b, c, d].map(|x| HEX[usize::from(x)]);
    ((a | b | c | d) < 16).then(|| u32::from_be_bytes([0, 0, a << 4 | b, c << 4 | d]))
}

/// Each byte's hex digit value; 0xFF for bytes that are not hex digits.
static HEX: [u8; 256] = {
    let mut t = [0xFF; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Decodes the body of a JSON string the tape accepted (escapes are valid and
/// surrogates paired, checked by the reader).
fn decode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    decode_into(raw, &mut out);
    out
}

/// [`decode`] appending to `out`.
fn decode_into(raw: &str, out: &mut String) {
    decode_pieces(raw, |p| match p {
        Piece::Text(t) => out.push_str(t),
        Piece::Char(c) => out.push(c),
    });
}

/// A part of a decoded string: text as written, or the character of an escape.
pub enum Piece<'a> {
    Text(&'a str),
    Char(char),
}

/// Decodes the body of a JSON string the tape accepted, piece by piece, so a
/// writer can take it without a buffer in between.
fn decode_pieces<'a>(raw: &'a str, mut piece: impl FnMut(Piece<'a>)) {
    let b = raw.as_bytes();
    let mut start = 0;
    let mut i = 0;
    loop {
        i = scan_escape(b, i);
        if i >= b.len() {
            break;
        }
        if i > start {
            piece(Piece::Text(raw.get(start..i).unwrap_or_default()));
        }
        let c = b.get(i + 1).copied().unwrap_or_default();
        let (ch, len) = match c {
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => {
                let hi = hex4(b, i + 2).unwrap_or(0xFFFD);
                if (0xD800..0xDC00).contains(&hi) {
                    let lo = hex4(b, i + 8).unwrap_or(0xDC00);
                    let code = 0x10000 + ((hi - 0xD800) << 10) + (lo.saturating_sub(0xDC00));
                    (char::from_u32(code).unwrap_or('\u{FFFD}'), 12)
                } else {
                    (char::from_u32(hi).unwrap_or('\u{FFFD}'), 6)
                }
            }
            other => (char::from(other), 2),
        };
        piece(Piece::Char(ch));
        i += len;
        start = i;
    }
    if start < b.len() {
        piece(Piece::Text(raw.get(start..).unwrap_or_default()));
    }
}

/// True when the decoded text of an escaped string body holds a backslash: an
/// escaped one (`\\\\`) or `\u005c`. The tests' oracle for [`Entry::backslash`].
#[cfg(test)]
fn decodes_to_backslash(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut i = 0;
    while let Some(k) = b.get(i..).and_then(|r| memchr::memchr(b'\\', r)) {
        i += k;
        match b.get(i + 1) {
            Some(b'\\') => return true,
            Some(b'u') => {
                if b.get(i + 2..i + 6)
                    .is_some_and(|h| h.eq_ignore_ascii_case(b"005c"))
                {
                    return true;
                }
                i += 6;
            }
            _ => i += 2,
        }
    }
    false
}

/// A piece of a view's text by its offsets: what a writer copies as it stands.
#[derive(Clone, Copy, Debug)]
pub struct Span<'t> {
    text: &'t [u8],
    start: usize,
    end: usize,
}

impl<'t> Span<'t> {
    /// The piece's bytes.
    pub fn bytes(&self) -> &'t [u8] {
        self.text.get(self.start..self.end).unwrap_or_default()
    }

    /// Appends the piece to `out`. A piece of up to sixteen bytes, with sixteen
    /// bytes of text from its start, goes as one fixed-size block cut back to
    /// its length: a copy whose length is known only at run time is a call, and
    /// most keys and values are short.
    #[inline(always)]
    pub fn append_to(&self, out: &mut Vec<u8>) {
        let len = self.end.wrapping_sub(self.start);
        if len <= 16 {
            let block = self.text.get(self.start..self.start + 16);
            if let Some(block) = block.and_then(|b| b.first_chunk::<16>()) {
                let keep = out.len() + len;
                out.extend_from_slice(block);
                out.truncate(keep);
                return;
            }
        }
        out.extend_from_slice(self.bytes());
    }
}

/// One value of a tape, with the text it points into.
#[derive(Clone, Copy)]
pub struct View<'t> {
    text: &'t str,
    entries: &'t [Entry],
    i: usize,
}

/// What a view of no entry reads as (never seen: views are built in range).
static NO_ENTRY: Entry = Entry {
    backslash: false,
    kind: Kind::Null,
    pos: 0,
    start: 0,
    end: 0,
    next: 0,
    key_pos: u32::MAX,
    key_start: 0,
    key_end: 0,
    key_hash: 0,
    plain: false,
    key_plain: false,
    form: XmlForm::None,
};

impl<'t> View<'t> {
    /// The entry itself, for a caller that reads several of its fields.
    pub(crate) fn entry(&self) -> &'t Entry {
        self.entries.get(self.i).unwrap_or(&NO_ENTRY)
    }

    /// True for a string whose raw text is printable ASCII without escapes.
    pub fn is_plain(&self) -> bool {
        self.entry().plain
    }

    /// What the XML source said about the value ([`XmlForm::None`] for JSON).
    pub fn form(&self) -> XmlForm {
        self.entry().form
    }

    /// True when the member's key is printable ASCII (keys never have escapes).
    pub fn key_is_plain(&self) -> bool {
        self.entry().key_plain
    }

    fn slice(&self, start: u32, end: u32) -> &'t str {
        self.text
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    pub fn kind(&self) -> Kind {
        self.entry().kind
    }

    /// Which entry of the tape this is ([`Tape::view`] gives it back).
    pub fn index(&self) -> usize {
        self.i
    }

    pub fn pos(&self) -> u32 {
        self.entry().pos
    }

    pub fn key_pos(&self) -> u32 {
        self.entry().key_pos
    }

    /// A JSON member's key and colon as written, `"key":`, when the key is
    /// plain and nothing stands between the colon and the value: what compact
    /// JSON output writes before the value, in one piece.
    pub fn compact_key(&self) -> Option<Span<'t>> {
        let e = self.entry();
        let compact = e.form == XmlForm::None
            && e.key_plain
            && e.key_pos != u32::MAX
            && e.pos == e.key_end.wrapping_add(2);
        compact.then(|| self.span(e.key_pos, e.pos))
    }

    /// A plain JSON string with its quotes, `"text"`, as written (and as JSON
    /// output writes it).
    pub fn quoted_plain(&self) -> Option<Span<'t>> {
        let e = self.entry();
        (e.kind == Kind::Str && e.plain && e.form == XmlForm::None)
            .then(|| self.span(e.pos, e.end.wrapping_add(1)))
    }

    /// [`View::raw`] as a [`Span`].
    pub fn raw_span(&self) -> Span<'t> {
        let e = self.entry();
        self.span(e.start, e.end)
    }

    /// [`View::key`] as a [`Span`].
    pub fn key_span(&self) -> Span<'t> {
        let e = self.entry();
        self.span(e.key_start, e.key_end)
    }

    fn span(&self, start: u32, end: u32) -> Span<'t> {
        Span {
            text: self.text.as_bytes(),
            start: start as usize,
            end: end as usize,
        }
    }

    /// The member's key ("" for array items and the root).
    pub fn key(&self) -> &'t str {
        let e = self.entry();
        self.slice(e.key_start, e.key_end)
    }

    /// [`key_hash`] of the member's key.
    pub fn key_hash(&self) -> u64 {
        self.entry().key_hash
    }

    /// Whether the member's key is `key`, whose [`key_hash`] is `hash`.
    #[inline(always)]
    pub fn key_is(&self, hash: u64, key: &str) -> bool {
        let e = self.entry();
        e.key_hash == hash
            && same_key(
                self.text
                    .as_bytes()
                    .get(e.key_start as usize..e.key_end as usize)
                    .unwrap_or_default(),
                key.as_bytes(),
            )
    }

    /// The raw text: a string's body as written, a number's lexeme.
    pub fn raw(&self) -> &'t str {
        let e = self.entry();
        self.slice(e.start, e.end)
    }

    /// A string's value (decoded when it has escapes); `None` for other kinds.
    pub fn str(&self) -> Option<Cow<'t, str>> {
        match self.kind() {
            Kind::Str => Some(Cow::Borrowed(self.raw())),
            Kind::StrEsc => Some(Cow::Owned(decode(self.raw()))),
            _ => None,
        }
    }

    /// A string's decoded value in pieces, for writers that need no `String`.
    pub fn decoded_pieces(&self, mut piece: impl FnMut(Piece<'t>)) {
        match self.kind() {
            Kind::Str => piece(Piece::Text(self.raw())),
            Kind::StrEsc => decode_pieces(self.raw(), piece),
            _ => {}
        }
    }

    /// True when a string's decoded value holds a backslash.
    pub fn has_backslash(&self) -> bool {
        match self.kind() {
            Kind::StrEsc => self.entry().backslash,
            // XML text is taken as written, and was looked through for
            // backslashes when it was read; a JSON `Str` never holds one.
            Kind::Str if self.form() != XmlForm::None => self.entry().backslash,
            _ => false,
        }
    }

    /// The value as the full parsers build it ([`crate::parse::json`],
    /// [`crate::parse::xml`]): the same tree, positions and XML forms, so a
    /// payload the lane hands on need not be parsed again.
    pub fn to_node(&self) -> Node {
        let e = self.entry();
        let value = match e.kind {
            Kind::Null => Value::Null,
            Kind::False => Value::Bool(false),
            Kind::True => Value::Bool(true),
            Kind::Number => Value::Number(self.raw().to_owned()),
            Kind::Str | Kind::StrEsc => {
                Value::String(self.str().map(Cow::into_owned).unwrap_or_default())
            }
            Kind::Object => {
                let mut members = Vec::with_capacity(self.children().count());
                members.extend(self.children().map(|m| Member {
                    key: m.key().to_owned(),
                    key_pos: m.key_pos(),
                    node: m.to_node(),
                }));
                Value::Object(members)
            }
            Kind::Array => {
                let mut items = Vec::with_capacity(self.children().count());
                items.extend(self.children().map(|m| m.to_node()));
                Value::Array(items)
            }
        };
        Node {
            pos: e.pos,
            xml: e.form,
            value,
        }
    }

    /// The members of an object or the items of an array, in order.
    pub fn children(&self) -> Children<'t> {
        let e = self.entry();
        let container = matches!(e.kind, Kind::Object | Kind::Array);
        Children {
            text: self.text,
            entries: self.entries,
            i: self.i + 1,
            end: if container {
                e.next as usize
            } else {
                self.i + 1
            },
        }
    }

    /// The first member with this key.
    pub fn get(&self, key: &str) -> Option<View<'t>> {
        if self.kind() != Kind::Object {
            return None;
        }
        let h = key_hash(key);
        self.children().find(|m| m.key_is(h, key))
    }

    /// This value and every value inside it, in document order (a flat walk:
    /// no recursion however deep the value is).
    pub fn subtree(&self) -> impl Iterator<Item = View<'t>> + 't {
        let (text, entries) = (self.text, self.entries);
        let end = match self.kind() {
            Kind::Object | Kind::Array => self.entry().next as usize,
            _ => self.i + 1,
        };
        (self.i..end.min(entries.len())).map(move |i| View { text, entries, i })
    }
}

/// Iterator over a container's direct children.
pub struct Children<'t> {
    text: &'t str,
    entries: &'t [Entry],
    i: usize,
    end: usize,
}

impl<'t> Iterator for Children<'t> {
    type Item = View<'t>;

    fn next(&mut self) -> Option<View<'t>> {
        if self.i >= self.end {
            return None;
        }
        let v = View {
            text: self.text,
            entries: self.entries,
            i: self.i,
        };
        let next = self.entries.get(self.i)?.next as usize;
        // `next` always moves forward; a zero would mean a broken tape.
        self.i = if next > self.i { next } else { self.end };
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::json;

    #[test]
    fn hex4_reads_four_hex_digits_of_any_case_and_nothing_else() {
        let reference = |q: &[u8]| {
            q.iter()
                .try_fold(0, |v, &c| Some(v * 16 + char::from(c).to_digit(16)?))
        };
        for x in 0..=255u8 {
            for at in 0..4 {
                let mut q = *b"aF09";
                q[at] = x;
                assert_eq!(hex4(&q, 0), reference(&q), "{q:?}");
            }
        }
        assert_eq!(hex4(b"\\uD83D", 2), Some(0xD83D));
        assert_eq!(hex4(b"ffff", 0), Some(0xFFFF));
        assert_eq!(hex4(b"fff", 0), None);
    }

    fn read(t: &str) -> Option<(Tape, usize)> {
        Tape::read(t, Limits::default())
    }

    #[test]
    fn spans_append_exactly_their_bytes_near_the_end_of_the_text_too() {
        let text: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for start in 0..=text.len() {
            for end in start..=text.len().min(start + 20) {
                let span = Span {
                    text: &text,
                    start,
                    end,
                };
                let mut out = b"kept".to_vec();
                span.append_to(&mut out);
                assert_eq!(&out[..4], b"kept");
                assert_eq!(&out[4..], &text[start..end], "{start}..{end}");
            }
        }
    }

    #[test]
    fn spacing_and_strings_the_writer_would_change_are_noted_while_reading() {
        // (text, whitespace between tokens, every string and key as it stands)
        let cases = [
            (r#"{"a":1,"b":[true,null],"c":{}}"#, false, true),
            (" \t\r\n{\"a\":1}", false, true),
            (r#"{"a":1} "#, false, true),
            (r#"{"a": 1}"#, true, true),
            (r#"{"a" :1}"#, true, true),
            (r#"[1 ,2]"#, true, true),
            (r#"[ ]"#, true, true),
            (r#"{"a":"中文 and spaces, {not} tokens"}"#, false, true),
            (r#"{"中":"\u4e2d"}"#, false, false),
            (r#"{"a":"\/"}"#, false, false),
            ("{\"a\":\"\u{7f}\"}", false, false),
            ("{\"a\":\"x\u{85}\"}", false, false),
            ("{\"a\":\"\u{61c}\"}", false, false),
            ("{\"\u{2028}\":1}", false, false),
            ("{\"a\":\"\u{202e}\", \"b\":1}", true, false),
            // Lead bytes of other characters: no look needed.
            ("{\"a\":\"\u{e9}\u{640}\u{1e00}\u{3000}\"}", false, true),
            // A look is not a change: `©` and `—` share their lead bytes with
            // characters that are escaped, and the writer decides.
            ("{\"a\":\"\u{a9}\"}", false, false),
            ("{\"a\":\"\u{2014}\"}", false, false),
        ];
        for (text, spaced, verbatim) in cases {
            let (tape, _) = read(text).expect(text);
            assert_eq!((tape.spaced, tape.verbatim), (spaced, verbatim), "{text}");
        }
        // A tape read again forgets what the last text had.
        let mut tape = read(r#"{"a": "\n"}"#).expect("read").0;
        tape.read_into(r#"{"a":"b"}"#, Limits::default());
        assert_eq!((tape.spaced, tape.verbatim), (false, true));
        // XML is never copied as JSON.
        tape.read_xml_into("<xml><a>1</a></xml>", Limits::default());
        assert_eq!((tape.spaced, tape.verbatim), (true, false));
    }

    #[test]
    fn numbers_of_digits_alone_are_noted_while_reading() {
        for (number, digits) in [
            ("0", true),
            ("7", true),
            ("1702716507", true),
            ("18446744073709551616", true),
            ("-1", false),
            ("-0", false),
            ("1.5", false),
            ("10.0", false),
            ("1e5", false),
            ("1E+5", false),
            ("0.1e-2", false),
        ] {
            for text in [format!("[{number}]"), format!(r#"{{"a":{number}}}"#)] {
                let (tape, _) = read(&text).expect("strict JSON");
                let e = &tape.entries[1];
                assert_eq!((e.kind, e.plain), (Kind::Number, digits), "{text}");
            }
        }
    }

    #[test]
    fn a_backslash_in_the_decoded_text_is_noted_while_reading() {
        // Every sequence of up to three of these pieces, as one string.
        let pieces = [
            "a",
            r"\\",
            r"\u005c",
            r"\u005C",
            r"\u005d",
            r"\n",
            r"\/",
            r"\u4f60",
            r"\ud83d\ude00",
            "你",
            r#"\""#,
        ];
        let mut bodies = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = bodies
                .iter()
                .flat_map(|b| pieces.iter().map(move |p| format!("{b}{p}")))
                .collect();
            bodies.extend(longer);
        }
        for body in &bodies {
            let text = format!(r#"["{body}"]"#);
            let (tape, _) = read(&text).unwrap();
            let v = tape.root(&text).children().next().unwrap();
            let decoded = v.str().unwrap();
            assert_eq!(v.has_backslash(), decoded.contains('\\'), "{text}");
            assert_eq!(v.has_backslash(), decodes_to_backslash(v.raw()), "{text}");
        }
    }

    #[test]
    fn members_and_values_point_into_the_text() {
        let t = r#"{"A":"x","B":{"c":[1,-2.5e3,true,null]},"D":"\u4f60\n"} tail"#;
        let (tape, used) = read(t).unwrap();
        assert_eq!(&t[used..], " tail");
        let root = tape.root(t);
        let keys: Vec<&str> = root.children().map(|m| m.key()).collect();
        assert_eq!(keys, ["A", "B", "D"]);
        assert_eq!(root.get("A").unwrap().str().unwrap(), "x");
        let items: Vec<&str> = root
            .get("B")
            .unwrap()
            .get("c")
            .unwrap()
            .children()
            .map(|v| v.raw())
            .collect();
        assert_eq!(items, ["1", "-2.5e3", "true", "null"]);
        assert_eq!(root.get("D").unwrap().str().unwrap(), "你\n");
        assert_eq!(root.get("B").unwrap().key_pos(), 9);
    }

    #[test]
    fn agrees_with_the_full_parser_when_it_accepts() {
        let cases = [
            "{}",
            "[]",
            "{\"a\":[]}",
            "{\"a\":{}}",
            "{\"a\" : 1 , \"b\" :\t[ 1 , 2 ] }",
            "{\"a\":\"\\ud83d\\ude02\"}",
            "{\"a\":0.5}",
            "{\"a\":-0}",
        ];
        for c in cases {
            let (_, used) = read(c).unwrap_or_else(|| panic!("{c}"));
            let (_, full) = json::parse_str(c, json::Mode::Strict, Limits::default()).unwrap();
            assert_eq!(used, full, "{c}");
        }
    }

    #[test]
    fn gives_up_on_what_the_full_parser_must_judge() {
        for c in [
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"\\udc00\"}",
            "{\"a\":\"x\ty\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\\n\":1}",
            "{\"a\":1,}",
            "{\"a\":1",
            "{\"a\":tru}",
            "[1 2]",
            "{\"a\":1]",
            "{1:2}",
        ] {
            assert!(read(c).is_none(), "{c}");
        }
    }

    #[test]
    fn key_hashes_tell_keys_apart_that_differ_in_one_byte() {
        // A prefilter only, but a useless one if it missed bytes: every byte of
        // a key of any length counts, and so does the length.
        for len in 0..40 {
            let key = vec![b'k'; len];
            let h = key_hash_bytes(&key);
            assert_eq!(h, key_hash_bytes(&key.clone()));
            assert_ne!(h, key_hash_bytes(&vec![b'k'; len + 1]), "len {len}");
            for at in 0..len {
                let mut other = key.clone();
                other[at] = b'j';
                assert_ne!(h, key_hash_bytes(&other), "len {len} at {at}");
            }
        }
        assert_eq!(key_hash("MsgType"), key_hash_bytes(b"MsgType"));
    }

    #[test]
    fn limits_send_documents_to_the_full_parser() {
        let tight = Limits {
            max_depth: 2,
            max_fields: 3,
        };
        assert!(Tape::read("[[1]]", tight).is_some());
        assert!(Tape::read("[[[1]]]", tight).is_none());
        assert!(Tape::read("{\"a\":1,\"b\":2,\"c\":3}", tight).is_some());
        assert!(Tape::read("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", tight).is_none());
    }
}
