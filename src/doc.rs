//! Documents: a parsed payload as a tree that remembers where every key and value
//! came from, and what its source format said about it.
//!
//! Both parsers (JSON and XML) produce this one tree, so detection, validation,
//! conversion and rendering never care which format a payload arrived in. Numbers
//! keep their exact lexeme (`119.385040`, `4363689963896700987`), object members
//! keep their order and duplicates, and XML values remember whether they were CDATA
//! or bare text — the signal the XML→JSON typing rules need.

use std::fmt;
use std::sync::Arc;

/// The syntax a document was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// Stable lower-case name used in reports (`json` / `xml`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the XML source said about a node (JSON sources use [`XmlForm::None`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum XmlForm {
    /// Not from XML.
    #[default]
    None,
    /// Text that was (at least partly) wrapped in CDATA: always a string.
    Cdata,
    /// Bare character data (entity references already resolved).
    Plain,
    /// An element with no content at all (`<a/>` or `<a></a>`).
    Empty,
    /// An element with child elements.
    Nested,
    /// A container whose children were all `<item>` elements.
    Items,
    /// Repeated sibling elements with the same name, gathered into one array.
    Siblings,
}

/// A value with the byte offset (into [`Document::text`]) where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Byte offset of the value (for XML: of the element's start tag).
    pub pos: u32,
    /// What the XML source said about this value.
    pub xml: XmlForm,
    pub value: Value,
}

/// One object member. Members keep source order; duplicates are kept too.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub key: String,
    /// Byte offset of the key (for XML: of the element's start tag).
    pub key_pos: u32,
    pub node: Node,
}

/// A JSON-shaped value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The exact numeric lexeme as written in the source, never re-printed.
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

impl Value {
    /// The JSON type name (`string`, `integer`, `number`, …) used in messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if is_integer_lexeme(n) => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
}

/// True for `-?digits` lexemes (no fraction, no exponent).
pub fn is_integer_lexeme(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

/// True for bare XML text that is read as a number: a JSON number lexeme,
/// `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`, so that JSON→XML→JSON keeps every
/// number a number. Leading zeros, `+`, and a dot without digits on both
/// sides stay strings (`054`, `+1`, `29.`, `.5`): JSON has no such numbers.
pub fn is_canonical_number(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let int_start = usize::from(b.first() == Some(&b'-'));
    let mut i = digits(int_start);
    let int_len = i - int_start;
    if int_len == 0 || (int_len > 1 && b.get(int_start) == Some(&b'0')) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        let end = digits(i + 1);
        if end == i + 1 {
            return false;
        }
        i = end;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        let end = digits(i + 1 + sign);
        if end == i + 1 + sign {
            return false;
        }
        i = end;
    }
    i == b.len()
}

impl Node {
    pub fn new(pos: u32, value: Value) -> Self {
        Node {
            pos,
            xml: XmlForm::None,
            value,
        }
    }

    /// The members of an object, or an empty slice.
    pub fn members(&self) -> &[Member] {
        match &self.value {
            Value::Object(m) => m,
            _ => &[],
        }
    }

    /// First member with this key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.members()
            .iter()
            .find(|m| m.key == key)
            .map(|m| &m.node)
    }

    /// The member's string value, if it is a string.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        match self.get(key).map(|n| &n.value) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// String or numeric text of a scalar (for comparisons with catalogue codes).
    pub fn scalar_text(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) | Value::Number(s) => Some(s),
            Value::Bool(true) => Some("true"),
            Value::Bool(false) => Some("false"),
            _ => None,
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.members().iter().any(|m| m.key == key)
    }
}

/// How a document was found inside another one (a JSON string field holding a payload).
#[derive(Clone, Debug, PartialEq)]
pub struct Embedding {
    /// JSON-Pointer-like path of the string field in the outer JSON document
    /// (through a JSON document held in a string: `/log/body`); empty for
    /// escaped text in plain text (`body="{\"ToUserName\":…}"`, nginx's `\xHH`).
    pub field: String,
    /// Line and column of that string in the source.
    pub line: u32,
    pub column: u32,
}

impl Embedding {
    /// The string field `field` (empty for escaped text) at `line`:`column`.
    pub fn at(field: String, (line, column): (u32, u32)) -> Embedding {
        Embedding {
            field,
            line,
            column,
        }
    }
}

/// A parsed document plus everything needed to point back into its source.
#[derive(Clone, Debug)]
pub struct Document {
    /// Display name of the input (`app.log`, `<stdin>`).
    pub source: Arc<str>,
    pub format: Format,
    /// The document's exact text; node offsets index into it.
    pub text: Arc<str>,
    /// 1-based line in the source where `text` begins.
    pub line: u32,
    /// 1-based column (in characters) in the source where `text` begins.
    pub column: u32,
    /// The root value (for XML, the children of `<xml>` as an object).
    pub root: Node,
    /// Set when the document was the value of a JSON string field of another document.
    pub embedded: Option<Embedding>,
    /// Set when the document was only readable with the lenient rules (comments, no-break spaces).
    pub lenient: bool,
}

impl Document {
    /// A payload that is part of this document (a `sync_msg` entry, an object
    /// of a structured log line): the same source and text, so its findings
    /// are located in this document's text, with `root` as its tree.
    pub fn part(&self, root: Node) -> Document {
        Document {
            source: self.source.clone(),
            format: self.format,
            text: self.text.clone(),
            line: self.line,
            column: self.column,
            root,
            embedded: self.embedded.clone(),
            lenient: self.lenient,
        }
    }

    /// A document read from text that is not in the source as it stands: a
    /// string field's value (`field`, its JSON Pointer) or escaped text
    /// (`field` empty), at `at` in the source, where all its findings point.
    pub fn embedded(
        source: Arc<str>,
        format: Format,
        text: &str,
        root: Node,
        field: String,
        at: (u32, u32),
    ) -> Document {
        let mut doc = Document {
            source,
            format,
            text: Arc::from(text),
            line: at.0,
            column: at.1,
            root,
            embedded: None,
            lenient: false,
        };
        doc.embed_at(field, at);
        doc
    }

    /// Makes this document one found in the string field `field` (empty for
    /// escaped text) at `line`:`column`, as [`Document::embedded`] makes one.
    pub fn embed_at(&mut self, field: String, at: (u32, u32)) {
        (self.line, self.column) = at;
        self.embedded = Some(Embedding::at(field, at));
    }

    /// Line and column (both 1-based, column counted in characters) of a byte offset.
    pub fn line_col(&self, pos: u32) -> (u32, u32) {
        self.locator().at(pos as usize)
    }

    /// A [`Locator`] for many offsets of this document.
    pub fn locator(&self) -> Locator<'_> {
        Locator::of(&self.text, self.line, self.column, self.embedded.as_ref())
    }
}

/// Line/column of `pos` in `text`, when `text` itself starts at `line`:`column`.
pub fn line_col_in(text: &str, pos: usize, line: u32, column: u32) -> (u32, u32) {
    Locator::new(text, line, column).at(pos)
}

/// Line and column (1-based, columns in characters) of many offsets of one text.
///
/// Each answer is counted from the previous one rather than from the start, so
/// a one-line document with thousands of findings in document order costs one
/// pass, not one pass per finding.
#[derive(Clone, Debug)]
pub struct Locator<'a> {
    text: &'a str,
    /// Where `text` begins in the source.
    first_column: u32,
    /// The last offset answered, and its line and column.
    at: usize,
    line: u32,
    column: u32,
    /// Every offset answers this (an embedded document).
    fixed: bool,
}

impl<'a> Locator<'a> {
    /// Offsets of `text`, which begins at `line`:`column` of its source.
    pub fn new(text: &'a str, line: u32, column: u32) -> Self {
        Locator {
            text,
            first_column: column,
            at: 0,
            line,
            column,
            fixed: false,
        }
    }

    /// Offsets of a document's `text`, which begins at `line`:`column`; an
    /// embedded document's findings all point at its string field instead.
    pub fn of(text: &'a str, line: u32, column: u32, embedded: Option<&Embedding>) -> Self {
        match embedded {
            Some(e) => Locator::fixed(e.line, e.column),
            None => Locator::new(text, line, column),
        }
    }

    /// Answers `line`:`column` for every offset.
    pub fn fixed(line: u32, column: u32) -> Self {
        Locator {
            fixed: true,
            ..Locator::new("", line, column)
        }
    }

    /// Line and column of byte offset `pos` (clamped to the text, and back to a
    /// character boundary).
    pub fn at(&mut self, pos: usize) -> (u32, u32) {
        // Most reports are about a document's first byte, where a locator starts.
        if self.fixed || pos == self.at {
            return (self.line, self.column);
        }
        let text = self.text;
        let mut pos = pos.min(text.len());
        while !text.is_char_boundary(pos) {
            pos -= 1;
        }
        // Byte searches: `\n` is ASCII, and a `char` search costs several times more.
        // Both ends are character boundaries, so the slices are whole characters.
        let slice = |from: usize, to: usize| text.get(from..to).unwrap_or_default();
        if pos >= self.at {
            let step = slice(self.at, pos);
            match memchr::memrchr(b'\n', step.as_bytes()) {
                None => self.column += chars(step),
                Some(nl) => {
                    self.line += memchr::memchr_iter(b'\n', step.as_bytes()).count() as u32;
                    self.column = 1 + chars(slice(self.at + nl + 1, pos));
                }
            }
        } else {
            let back = slice(pos, self.at);
            if memchr::memchr(b'\n', back.as_bytes()).is_none() {
                self.column -= chars(back);
            } else {
                self.line -= memchr::memchr_iter(b'\n', back.as_bytes()).count() as u32;
                self.column = match memchr::memrchr(b'\n', slice(0, pos).as_bytes()) {
                    Some(nl) => 1 + chars(slice(nl + 1, pos)),
                    None => self.first_column + chars(slice(0, pos)),
                };
            }
        }
        self.at = pos;
        (self.line, self.column)
    }
}

/// Characters in `s` (std counts them a word at a time).
fn chars(s: &str) -> u32 {
    s.chars().count() as u32
}

/// Appends one JSON-Pointer segment (`~` → `~0`, `/` → `~1`) to `path`.
pub fn pointer_push(path: &str, segment: &str) -> String {
    let mut s = String::with_capacity(path.len() + segment.len() + 1);
    s.push_str(path);
    push_pointer_segment(&mut s, segment);
    s
}

/// Appends `/` and `segment` escaped for a JSON Pointer (`~` → `~0`, `/` → `~1`).
pub fn push_pointer_segment(out: &mut String, segment: &str) {
    out.push('/');
    if !segment.contains(['~', '/']) {
        out.push_str(segment);
        return;
    }
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_numbers() {
        for ok in [
            "0",
            "12",
            "-3",
            "119.385040",
            "0.5",
            "4363689963896700987",
            "1e5",
            "3.1e1",
            "31.2E+1",
            "-0.5e-0",
        ] {
            assert!(is_canonical_number(ok), "{ok}");
            // Exactly the JSON number lexemes.
            assert!(
                serde_json::from_str::<serde_json::Number>(ok).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "", "-", "054", "29.", ".5", "+1", "1.2.3", "0x10", " 1", "1e", "1e+", "1.e5", "1E5x",
            "-e5", "Infinity", "NaN",
        ] {
            assert!(!is_canonical_number(bad), "{bad}");
        }
    }

    #[test]
    fn line_col_counts_chars_after_last_newline() {
        let t = "{\n  \"中文\": 1}";
        assert_eq!(line_col_in(t, 0, 5, 3), (5, 3));
        let p = t.find('1').unwrap();
        assert_eq!(line_col_in(t, p, 5, 3), (6, 9));
    }

    #[test]
    fn locator_answers_as_counting_from_the_start_in_any_order() {
        let t = "{\"a\": \"中文\",\n  \"b\": [1,\n\n 2], \"c\": \"é\"}\n";
        let offsets: Vec<usize> = (0..=t.len() + 2).collect();
        let from_start = |pos: usize| {
            let mut p = pos.min(t.len());
            while !t.is_char_boundary(p) {
                p -= 1;
            }
            let before = &t[..p];
            match before.rfind('\n') {
                None => (5, 3 + before.chars().count() as u32),
                Some(nl) => (
                    5 + before.matches('\n').count() as u32,
                    1 + before[nl + 1..].chars().count() as u32,
                ),
            }
        };
        // Forwards, backwards, and jumping about.
        let mut orders = vec![offsets.clone(), offsets.iter().rev().copied().collect()];
        orders.push(
            offsets
                .iter()
                .map(|&i| (i * 7919) % offsets.len())
                .collect(),
        );
        for order in orders {
            let mut loc = Locator::new(t, 5, 3);
            for pos in order {
                assert_eq!(loc.at(pos), from_start(pos), "offset {pos}");
            }
        }
    }

    #[test]
    fn pointer_escapes() {
        assert_eq!(pointer_push("/a", "b/c~d"), "/a/b~1c~0d");
    }
}
