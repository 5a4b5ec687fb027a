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

use crate::catalog::{key_hash, key_hash_bytes};
use crate::doc::XmlForm;
use crate::parse::Limits;
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
    /// text as it is.
    pub plain: bool,
    /// The same for the key.
    pub key_plain: bool,
    /// What the XML source said about the value ([`XmlForm::None`] for JSON).
    pub form: XmlForm,
}

/// The entries of one document, root first.
#[derive(Clone, Debug, Default)]
pub struct Tape {
    pub entries: Vec<Entry>,
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
        let mut r = Reader {
            b: text.as_bytes(),
            i: 0,
            entries: Vec::with_capacity(24),
            stack: Vec::with_capacity(4),
            fields: 0,
            limits,
        };
        let used = r.document()?;
        Some((Tape { entries: r.entries }, used))
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

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    entries: Vec<Entry>,
    /// Open containers: their entry index and whether they are objects.
    stack: Vec<(usize, bool)>,
    fields: usize,
    limits: Limits,
}

pub(crate) fn off(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl Reader<'_> {
    fn skip_ws(&mut self) {
        while self.b.get(self.i).is_some_and(|&c| is_ws(c)) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Counts a member or array element against the field limit.
    fn count(&mut self) -> Option<()> {
        self.fields += 1;
        (self.fields <= self.limits.max_fields).then_some(())
    }

    fn document(&mut self) -> Option<usize> {
        self.skip_ws();
        let (mut key_pos, mut ks, mut ke, mut kh, mut kp) = (u32::MAX, 0, 0, 0, false);
        loop {
            // A value is expected at `self.i`.
            let start = self.i;
            let idx = self.entries.len();
            let mut entry = Entry {
                kind: Kind::Null,
                pos: off(start),
                start: off(start),
                end: off(start),
                next: 0,
                key_pos,
                key_start: ks,
                key_end: ke,
                key_hash: kh,
                plain: false,
                key_plain: kp,
                form: XmlForm::None,
            };
            let mut opened = None;
            match self.peek()? {
                b'"' => {
                    let (end, escaped, plain) = self.string()?;
                    entry.kind = if escaped { Kind::StrEsc } else { Kind::Str };
                    entry.plain = plain;
                    entry.start = off(start + 1);
                    entry.end = off(end - 1);
                }
                b'{' | b'[' => {
                    if self.stack.len() >= self.limits.max_depth {
                        return None;
                    }
                    let object = self.b[start] == b'{';
                    entry.kind = if object { Kind::Object } else { Kind::Array };
                    self.i += 1;
                    opened = Some(object);
                }
                b'-' | b'0'..=b'9' => {
                    let end = self.number()?;
                    entry.kind = Kind::Number;
                    entry.end = off(end);
                }
                b't' => entry.kind = self.literal(b"true", Kind::True)?,
                b'f' => entry.kind = self.literal(b"false", Kind::False)?,
                b'n' => entry.kind = self.literal(b"null", Kind::Null)?,
                _ => return None,
            }
            if matches!(entry.kind, Kind::True | Kind::False | Kind::Null) {
                entry.end = off(self.i);
            }
            self.entries.push(entry);
            if let Some(object) = opened {
                self.stack.push((idx, object));
                self.skip_ws();
                let close = if object { b'}' } else { b']' };
                if self.peek()? == close {
                    self.i += 1;
                    self.stack.pop();
                    self.close(idx);
                } else {
                    if object {
                        (key_pos, ks, ke, kh, kp) = self.key()?;
                    } else {
                        self.count()?;
                        (key_pos, kh, kp) = (u32::MAX, 0, false);
                    }
                    continue;
                }
            } else {
                let next = off(self.entries.len());
                if let Some(e) = self.entries.last_mut() {
                    e.next = next;
                }
            }
            // After a value: `,` continues the parent, a bracket closes it.
            loop {
                let Some(&(parent, object)) = self.stack.last() else {
                    return Some(self.i);
                };
                self.skip_ws();
                match self.peek()? {
                    b',' => {
                        self.i += 1;
                        self.skip_ws();
                        if object {
                            (key_pos, ks, ke, kh, kp) = self.key()?;
                        } else {
                            self.count()?;
                            key_pos = u32::MAX;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                self.i += 1;
                self.stack.pop();
                self.close(parent);
            }
        }
    }

    /// Finishes the container at `idx`, whose closing bracket ends at `self.i`.
    fn close(&mut self, idx: usize) {
        let next = off(self.entries.len());
        let end = off(self.i);
        if let Some(e) = self.entries.get_mut(idx) {
            e.next = next;
            e.end = end;
        }
    }

    /// Reads a key at `self.i` and the `:` after it: (key_pos, start, end, hash,
    /// plain).
    fn key(&mut self) -> Option<(u32, u32, u32, u64, bool)> {
        self.count()?;
        let pos = self.i;
        if self.peek()? != b'"' {
            return None;
        }
        let (end, escaped, plain) = self.string()?;
        if escaped {
            return None;
        }
        self.skip_ws();
        if self.peek()? != b':' {
            return None;
        }
        self.i += 1;
        self.skip_ws();
        let hash = key_hash_bytes(self.b.get(pos + 1..end - 1).unwrap_or_default());
        Some((off(pos), off(pos + 1), off(end - 1), hash, plain))
    }

    /// Reads a string at its opening quote; returns the offset after the closing
    /// quote, whether it holds escapes, and whether it is printable ASCII. Gives up on control characters and on
    /// escapes the full parser would refuse or that name half a surrogate pair.
    fn string(&mut self) -> Option<(usize, bool, bool)> {
        let mut i = self.i + 1;
        let mut escaped = false;
        let mut high = 0u8;
        loop {
            let (stop, unusual) = scan_string(self.b, i);
            if unusual {
                high = 0xFF;
            }
            i = stop;
            if self.b.get(i).is_some_and(|&c| c < 0x20) {
                return None;
            }
            if self.b.get(i) == Some(&b'"') {
                self.i = i + 1;
                return Some((i + 1, escaped, !escaped && high < 0x7F));
            }
            escaped = true;
            i = match *self.b.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i + 2,
                b'u' => {
                    let unit = hex4(self.b, i + 2)?;
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
        }
    }

    /// Reads a number; returns the offset after it.
    fn number(&mut self) -> Option<usize> {
        let b = self.b;
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match *b.get(i)? {
            b'0' => {
                i += 1;
                if b.get(i).is_some_and(u8::is_ascii_digit) {
                    return None;
                }
            }
            b'1'..=b'9' => i = digits(b, i),
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            let d = digits(b, i + 1);
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
            let d = digits(b, i);
            if d == i {
                return None;
            }
            i = d;
        }
        // The end of the text may cut a number short; the full parser decides.
        b.get(i)?;
        self.i = i;
        Some(i)
    }

    fn literal(&mut self, word: &[u8], kind: Kind) -> Option<Kind> {
        if self.b.get(self.i..self.i + word.len())? != word {
            return None;
        }
        self.i += word.len();
        Some(kind)
    }
}

/// Finds the end of a string body run from `i`: the offset of the first quote,
/// backslash or control character (or the end of `b`), and whether a byte
/// before it is DEL or non-ASCII. Eight bytes at a time: "some byte is zero"
/// (`(x - 0x01…) & !x & 0x80…`) never misses a hit and only flags falsely above
/// a true hit, so the lowest flagged byte is the first real one.
pub(crate) fn scan_string(b: &[u8], mut i: usize) -> (usize, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut unusual = 0u64;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let stop = zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGH);
        let odd = zero(w ^ (ONES * 0x7F)) | (w & HIGH);
        if stop != 0 {
            let k = stop.trailing_zeros() / 8;
            // Only the bytes before the stop belong to the run.
            let below = (1u64 << (8 * k)).wrapping_sub(1);
            unusual |= odd & below;
            return (i + k as usize, unusual != 0);
        }
        unusual |= odd;
        i += 8;
    }
    let mut odd = unusual != 0;
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        odd |= c >= 0x7F;
        i += 1;
    }
    (i, odd)
}

fn digits(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// Four hex digits at `i`, if they are there.
pub(crate) fn hex4(b: &[u8], i: usize) -> Option<u32> {
    let mut v = 0;
    for &c in b.get(i..i + 4)? {
        v = v * 16 + char::from(c).to_digit(16)?;
    }
    Some(v)
}

/// Decodes the body of a JSON string the tape accepted (escapes are valid and
/// surrogates paired, checked by the reader).
fn decode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    decode_into(raw, &mut out);
    out
}

/// [`decode`] appending to `out`.
fn decode_into(raw: &str, out: &mut String) {
    let b = raw.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while let Some(k) = b.get(i..).and_then(|r| memchr::memchr(b'\\', r)) {
        i += k;
        out.push_str(raw.get(start..i).unwrap_or_default());
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
        out.push(ch);
        i += len;
        start = i;
    }
    out.push_str(raw.get(start..).unwrap_or_default());
}

/// True when the decoded text of an escaped string body holds a backslash: an
/// escaped one (`\\\\`) or `\u005c`. Answered without decoding.
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

/// One value of a tape, with the text it points into.
#[derive(Clone, Copy)]
pub struct View<'t> {
    text: &'t str,
    entries: &'t [Entry],
    i: usize,
}

/// What a view of no entry reads as (never seen: views are built in range).
static NO_ENTRY: Entry = Entry {
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
    fn entry(&self) -> &'t Entry {
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

    /// The member's key ("" for array items and the root).
    pub fn key(&self) -> &'t str {
        let e = self.entry();
        self.slice(e.key_start, e.key_end)
    }

    /// [`key_hash`] of the member's key.
    pub fn key_hash(&self) -> u64 {
        self.entry().key_hash
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

    /// Appends a string's decoded value to `out` (nothing for other kinds).
    pub fn decode_into(&self, out: &mut String) {
        match self.kind() {
            Kind::Str => out.push_str(self.raw()),
            Kind::StrEsc => decode_into(self.raw(), out),
            _ => {}
        }
    }

    /// True when a string's decoded value holds a backslash.
    pub fn has_backslash(&self) -> bool {
        match self.kind() {
            Kind::StrEsc => decodes_to_backslash(self.raw()),
            // XML text is taken as written; a JSON `Str` never holds one.
            Kind::Str if self.form() != XmlForm::None => {
                memchr::memchr(b'\\', self.raw().as_bytes()).is_some()
            }
            _ => false,
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
        self.children()
            .find(|m| m.key_hash() == h && m.key() == key)
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

    fn read(t: &str) -> Option<(Tape, usize)> {
        Tape::read(t, Limits::default())
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
    fn string_scan_finds_the_first_stop_and_odd_bytes_before_it() {
        for len in 0..40 {
            let plain = vec![b'a'; len];
            assert_eq!(scan_string(&plain, 0), (len, false));
            for at in 0..len {
                for (byte, stops, odd) in [
                    (0x00, true, false),
                    (0x1F, true, false),
                    (b'"', true, false),
                    (b'\\', true, false),
                    (0x20, false, false),
                    (0x7E, false, false),
                    (0x7F, false, true),
                    (0x80, false, true),
                    (0xFF, false, true),
                ] {
                    let mut v = plain.clone();
                    v[at] = byte;
                    let want = if stops { (at, false) } else { (len, odd) };
                    assert_eq!(scan_string(&v, 0), want, "len {len} at {at} byte {byte:#x}");
                }
            }
        }
        // A stop right after odd bytes; odd bytes after the stop do not count.
        assert_eq!(scan_string(b"\xff\x01\xffaaaaa", 0), (1, true));
        assert_eq!(scan_string(b"ab\"\x80\x80\x80\x80\x80\x80", 0), (2, false));
        assert_eq!(
            scan_string(b"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\"", 0),
            (8, true)
        );
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
