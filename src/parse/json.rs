//! A hand-written, span-aware JSON parser and a cheap structural scan.
//!
//! Why not serde_json: every diagnostic must point at the byte where a field or
//! value starts, numbers must keep their exact lexeme (`119.385040`, ids above
//! 2^53), object members must keep their order *and* their duplicates (validation
//! reports them), payloads copied from documentation need a few relaxations
//! (comments, no-break spaces, Markdown escapes), and the log reader needs a scan
//! that says where a candidate document ends without building anything.
//!
//! The parser is iterative (an explicit stack of open containers), so hostile
//! nesting can never overflow the call stack whatever limits are configured.

use memchr::{memchr, memchr2, memchr3};

use super::{Extent, Limits, ParseError};
use crate::diag::Code;
use crate::doc::{Member, Node, Value};

/// Which relaxations to allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// RFC 8259 only.
    Strict,
    /// Examples copied from docs: `//` comments running to the end of the line,
    /// U+00A0 (and U+3000) as whitespace, Markdown escapes `\_` `\*` `\#` `\[` `\]`
    /// inside strings read as the bare character.
    Lenient,
    /// As [`Mode::Lenient`], but a `//` comment also ends before the next `"`, `}`
    /// or `]` on its line — for doc pages flattened to one line, where the comment
    /// is followed by the rest of the document on the same line.
    LenientInline,
}

impl Mode {
    fn lenient(self) -> bool {
        !matches!(self, Mode::Strict)
    }

    /// Length of the `//` comment at the start of `rest`, up to but excluding the
    /// byte that ends it (all of `rest` when the text ends first).
    fn comment_len(self, rest: &[u8]) -> usize {
        let body = rest.get(2..).unwrap_or_default();
        let end = match self {
            Mode::LenientInline => body
                .iter()
                .position(|&b| matches!(b, b'\n' | b'\r' | b'"' | b'}' | b']')),
            _ => memchr2(b'\n', b'\r', body),
        };
        2 + end.unwrap_or(body.len())
    }
}

/// The UTF-8 encodings of the non-ASCII characters lenient modes read as whitespace.
const NBSP: &[u8] = b"\xC2\xA0";
const IDEOGRAPHIC_SPACE: &[u8] = b"\xE3\x80\x80";

/// Parses one JSON value starting at `text[0]` (leading whitespace allowed).
///
/// Returns the tree and the byte offset just past the value. Nothing after the
/// value is looked at (except the byte that ends a number), so the caller decides
/// what trailing text means. Offsets in the tree are relative to `text`; offsets
/// beyond `u32::MAX` are clamped (records are capped far below that).
pub fn parse(text: &[u8], mode: Mode, limits: Limits) -> Result<(Node, usize), ParseError> {
    Parser {
        text,
        checked: None,
        pos: 0,
        mode,
        limits,
        fields: 0,
    }
    .document()
}

/// [`parse`] for text already known to be UTF-8: string contents are sliced out of
/// `text` rather than validated again, so each byte is checked once.
pub fn parse_str(text: &str, mode: Mode, limits: Limits) -> Result<(Node, usize), ParseError> {
    Parser {
        text: text.as_bytes(),
        checked: Some(text),
        pos: 0,
        mode,
        limits,
        fields: 0,
    }
    .document()
}

/// An object or array whose closing bracket has not been seen yet.
enum Frame {
    Array {
        pos: usize,
        items: Vec<Node>,
    },
    Object {
        pos: usize,
        members: Vec<Member>,
        /// The key whose value is being parsed right now.
        key: String,
        key_pos: usize,
    },
}

impl Frame {
    fn into_node(self) -> Node {
        match self {
            Frame::Array { pos, items } => Node::new(offset(pos), Value::Array(items)),
            Frame::Object { pos, members, .. } => Node::new(offset(pos), Value::Object(members)),
        }
    }
}

/// What to do after a value has been attached to its parent.
enum Next {
    /// Another value follows (after `,` or `:`).
    Value,
    /// The parent closed; it becomes the finished value.
    Close,
}

fn offset(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or(u32::MAX)
}

/// Bytes that end the fast scan of a string body: the closing quote, an escape,
/// and raw control characters (which JSON forbids inside strings).
static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

struct Parser<'a> {
    text: &'a [u8],
    /// The same text when it is known to be UTF-8 (see [`parse_str`]).
    checked: Option<&'a str>,
    pos: usize,
    mode: Mode,
    limits: Limits,
    /// Object members plus array elements seen so far.
    fields: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn document(&mut self) -> Result<(Node, usize), ParseError> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            self.skip_ws();
            let start = self.pos;
            let mut node = match self.peek() {
                None => return Err(self.truncated("a value")),
                Some(b'{') => {
                    self.enter(stack.len())?;
                    self.pos += 1;
                    self.skip_ws();
                    match self.peek() {
                        Some(b'}') => {
                            self.pos += 1;
                            Node::new(offset(start), Value::Object(Vec::new()))
                        }
                        Some(b'"') => {
                            let (key, key_pos) = self.key()?;
                            stack.push(Frame::Object {
                                pos: start,
                                // Payload objects usually have a handful of members;
                                // starting at 8 saves two reallocations.
                                members: Vec::with_capacity(8),
                                key,
                                key_pos,
                            });
                            continue 'value;
                        }
                        None => return Err(self.truncated("an object key or `}` after `{`")),
                        Some(_) => return Err(self.unexpected("an object key or `}` after `{`")),
                    }
                }
                Some(b'[') => {
                    self.enter(stack.len())?;
                    self.pos += 1;
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            Node::new(offset(start), Value::Array(Vec::new()))
                        }
                        None => return Err(self.truncated("a value or `]` after `[`")),
                        Some(_) => {
                            self.count_field()?;
                            stack.push(Frame::Array {
                                pos: start,
                                items: Vec::new(),
                            });
                            continue 'value;
                        }
                    }
                }
                Some(b'"') => Node::new(offset(start), Value::String(self.string()?)),
                Some(b'-' | b'0'..=b'9') => Node::new(offset(start), Value::Number(self.number()?)),
                Some(b't') => Node::new(offset(start), self.literal(b"true", Value::Bool(true))?),
                Some(b'f') => Node::new(offset(start), self.literal(b"false", Value::Bool(false))?),
                Some(b'n') => Node::new(offset(start), self.literal(b"null", Value::Null)?),
                Some(_) => return Err(self.unexpected_value()),
            };
            // Attach the finished value to its parent and close every container
            // that ends right after it; stop when another value has to be read.
            loop {
                let Some(mut frame) = stack.pop() else {
                    return Ok((node, self.pos));
                };
                let next = match &mut frame {
                    Frame::Array { items, .. } => {
                        items.push(node);
                        self.after_element()?
                    }
                    Frame::Object {
                        members,
                        key,
                        key_pos,
                        ..
                    } => {
                        members.push(Member {
                            key: std::mem::take(key),
                            key_pos: offset(*key_pos),
                            node,
                        });
                        match self.after_member()? {
                            Some((k, kp)) => {
                                *key = k;
                                *key_pos = kp;
                                Next::Value
                            }
                            None => Next::Close,
                        }
                    }
                };
                match next {
                    Next::Value => {
                        stack.push(frame);
                        continue 'value;
                    }
                    Next::Close => node = frame.into_node(),
                }
            }
        }
    }

    /// After an array element: `,` and another element, or `]`.
    fn after_element(&mut self) -> Result<Next, ParseError> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_ws();
                match self.peek() {
                    Some(b']') => Err(self.syntax(
                        self.pos,
                        "trailing comma: expected a value after `,`, found `]`",
                    )),
                    _ => {
                        self.count_field()?;
                        Ok(Next::Value)
                    }
                }
            }
            Some(b']') => {
                self.pos += 1;
                Ok(Next::Close)
            }
            None => Err(self.truncated("`,` or `]` after array element")),
            Some(_) => Err(self.unexpected("`,` or `]` after array element")),
        }
    }

    /// After an object member: `,` and the next key (returned), or `}` (`None`).
    fn after_member(&mut self) -> Result<Option<(String, usize)>, ParseError> {
        self.skip_ws();
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                self.skip_ws();
                match self.peek() {
                    Some(b'"') => self.key().map(Some),
                    Some(b'}') => Err(self.syntax(
                        self.pos,
                        "trailing comma: expected an object key after `,`, found `}`",
                    )),
                    None => Err(self.truncated("an object key after `,`")),
                    Some(_) => Err(self.unexpected("an object key after `,`")),
                }
            }
            Some(b'}') => {
                self.pos += 1;
                Ok(None)
            }
            None => Err(self.truncated("`,` or `}` after object member")),
            Some(_) => Err(self.unexpected("`,` or `}` after object member")),
        }
    }

    /// Reads a key (at its opening quote) and the `:` after it.
    fn key(&mut self) -> Result<(String, usize), ParseError> {
        let key_pos = self.pos;
        self.count_field()?;
        let key = self.string()?;
        self.skip_ws();
        match self.peek() {
            Some(b':') => {
                self.pos += 1;
                Ok((key, key_pos))
            }
            None => Err(self.truncated("`:` after object key")),
            Some(_) => Err(self.unexpected("`:` after object key")),
        }
    }

    /// Checks the depth limit before opening a container at `self.pos`.
    fn enter(&self, open: usize) -> Result<(), ParseError> {
        if open >= self.limits.max_depth {
            return Err(ParseError::new(
                self.pos,
                Code::TooDeep,
                format!(
                    "objects and arrays are nested deeper than {} levels",
                    self.limits.max_depth
                ),
            ));
        }
        Ok(())
    }

    /// Counts one member or element starting at `self.pos`.
    fn count_field(&mut self) -> Result<(), ParseError> {
        self.fields += 1;
        if self.fields > self.limits.max_fields {
            return Err(ParseError::new(
                self.pos,
                Code::TooManyFields,
                format!(
                    "the document has more than {} fields",
                    self.limits.max_fields
                ),
            ));
        }
        Ok(())
    }

    /// Skips JSON whitespace and, in lenient modes, comments and wide spaces.
    ///
    /// A lenient-only construct cut off by the end of the text (a lone `/`, half a
    /// no-break space) is skipped too, so the caller reports the text as truncated.
    fn skip_ws(&mut self) {
        let lenient = self.mode.lenient();
        loop {
            let rest = self.text.get(self.pos..).unwrap_or_default();
            match rest.first() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') if lenient && matches!(rest.get(1), None | Some(b'/')) => {
                    self.pos += self.mode.comment_len(rest).min(rest.len());
                }
                Some(0xC2 | 0xE3) if lenient => match wide_space(rest) {
                    WideSpace::Full(n) => self.pos += n,
                    WideSpace::Partial => self.pos = self.text.len(),
                    WideSpace::No => return,
                },
                _ => return,
            }
        }
    }

    /// Reads the string whose opening quote is at `self.pos`.
    fn string(&mut self) -> Result<String, ParseError> {
        let text = self.text;
        let mut i = self.pos + 1;
        // Allocated only once an escape shows up; escape-free strings are copied
        // straight from the input.
        let mut decoded: Option<String> = None;
        loop {
            let rest = text.get(i..).unwrap_or_default();
            let run = string_run(rest);
            let chunk = rest.get(..run).unwrap_or_default();
            let plain = self.utf8(i, chunk)?;
            let stop = i + run;
            match text.get(stop) {
                Some(b'"') => {
                    self.pos = stop + 1;
                    return Ok(match decoded {
                        Some(mut s) => {
                            s.push_str(plain);
                            s
                        }
                        None => plain.to_owned(),
                    });
                }
                Some(b'\\') => {
                    let out = decoded.get_or_insert_with(|| String::with_capacity(run + 16));
                    out.push_str(plain);
                    i = self.escape(stop, out)?;
                }
                Some(&c) => {
                    return Err(self.syntax(
                        stop,
                        format!(
                            "control character `{}` in a string (it must be escaped)",
                            show_char(char::from(c))
                        ),
                    ))
                }
                None => {
                    return Err(self.truncated("`\"` to close the string"));
                }
            }
        }
    }

    /// Validates a run of string bytes (no quotes, escapes or control characters).
    fn utf8(&self, start: usize, chunk: &'a [u8]) -> Result<&'a str, ParseError> {
        // Runs start after a quote or an escape and stop at one (all ASCII), so
        // they are on character boundaries of checked text.
        if let Some(run) = self.checked.and_then(|t| t.get(start..start + chunk.len())) {
            return Ok(run);
        }
        std::str::from_utf8(chunk).map_err(|e| {
            let bad = start + e.valid_up_to();
            // A sequence cut off by the end of the text is truncation, not bad data.
            if e.error_len().is_none() && start + chunk.len() == self.text.len() {
                self.truncated("the rest of a UTF-8 character")
            } else {
                let byte = self.text.get(bad).copied().unwrap_or_default();
                ParseError::new(
                    bad,
                    Code::InvalidUtf8,
                    format!("invalid UTF-8 byte `\\x{byte:02x}` in a string"),
                )
            }
        })
    }

    /// Decodes the escape whose backslash is at `at`; returns the offset after it.
    fn escape(&self, at: usize, out: &mut String) -> Result<usize, ParseError> {
        let Some(&c) = self.text.get(at + 1) else {
            return Err(self.truncated("an escape character after `\\`"));
        };
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(at, out),
            // Markdown escapes left in doc examples (`wechatapp\_id`).
            b'_' | b'*' | b'#' | b'[' | b']' if self.mode.lenient() => char::from(c),
            _ => {
                let shown = match char_at(self.text, at + 1) {
                    Some(ch) => show_char(ch),
                    None => format!("\\x{c:02x}"),
                };
                return Err(self.syntax(at, format!("invalid escape `\\{shown}` in a string")));
            }
        };
        out.push(ch);
        Ok(at + 2)
    }

    /// Decodes `\uXXXX` (and the low half of a surrogate pair) at `at`.
    fn unicode_escape(&self, at: usize, out: &mut String) -> Result<usize, ParseError> {
        let hi = self.hex4(at)?;
        let ch = match hi {
            0xD800..=0xDBFF => {
                let paired = match (self.text.get(at + 6), self.text.get(at + 7)) {
                    (None, _) | (Some(b'\\'), None) => {
                        return Err(self.truncated("a low surrogate `\\uDC00`-`\\uDFFF`"))
                    }
                    (Some(b'\\'), Some(b'u')) => {
                        let lo = self.hex4(at + 6)?;
                        (0xDC00..=0xDFFF).contains(&lo).then_some(lo)
                    }
                    _ => None,
                };
                match paired {
                    Some(lo) => char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)),
                    None => {
                        return Err(self.lone_surrogate(
                            at,
                            "is a high surrogate not followed by a low surrogate escape",
                        ))
                    }
                }
            }
            0xDC00..=0xDFFF => {
                return Err(self.lone_surrogate(at, "is a low surrogate without a high surrogate"))
            }
            _ => char::from_u32(hi),
        };
        match ch {
            Some(ch) => {
                out.push(ch);
                Ok(at + if ch.len_utf16() == 2 { 12 } else { 6 })
            }
            // Unreachable for the ranges above, but an error beats a panic.
            None => Err(self.lone_surrogate(at, "does not name a character")),
        }
    }

    fn lone_surrogate(&self, at: usize, what: &str) -> ParseError {
        let escape = self
            .text
            .get(at..at + 6)
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        ParseError::new(at, Code::LoneSurrogate, format!("`{escape}` {what}"))
    }

    /// The value of the four hex digits after the `\u` at `at`.
    fn hex4(&self, at: usize) -> Result<u32, ParseError> {
        let mut v = 0;
        for i in at + 2..at + 6 {
            let digit = match self.text.get(i) {
                None => return Err(self.truncated("four hex digits after `\\u`")),
                Some(&b) => char::from(b).to_digit(16),
            };
            match digit {
                Some(d) => v = v * 16 + d,
                None => {
                    return Err(self.syntax(
                        at,
                        "invalid `\\u` escape: expected four hex digits after `\\u`",
                    ))
                }
            }
        }
        Ok(v)
    }

    /// Reads a number at `self.pos`, keeping its exact lexeme.
    fn number(&mut self) -> Result<String, ParseError> {
        let text = self.text;
        let start = self.pos;
        let mut i = start;
        if text.get(i) == Some(&b'-') {
            i += 1;
        }
        match text.get(i) {
            Some(b'0') => {
                i += 1;
                if text.get(i).is_some_and(u8::is_ascii_digit) {
                    return Err(self.syntax(i, "invalid number: leading zeros are not allowed"));
                }
            }
            Some(b'1'..=b'9') => i = digits_end(text, i),
            None => return Err(self.truncated("a digit after `-`")),
            Some(_) => return Err(self.syntax(i, "invalid number: expected a digit after `-`")),
        }
        if text.get(i) == Some(&b'.') {
            i += 1;
            match text.get(i) {
                Some(b'0'..=b'9') => i = digits_end(text, i),
                None => return Err(self.truncated("a digit after `.` in a number")),
                Some(_) => return Err(self.syntax(i, "invalid number: expected a digit after `.`")),
            }
        }
        if matches!(text.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(text.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            match text.get(i) {
                Some(b'0'..=b'9') => i = digits_end(text, i),
                None => return Err(self.truncated("a digit in the exponent of a number")),
                Some(_) => {
                    return Err(self.syntax(i, "invalid number: expected a digit in the exponent"))
                }
            }
        }
        self.pos = i;
        // The lexeme is ASCII by construction, so the conversion cannot fail.
        Ok(text
            .get(start..i)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or_default()
            .to_owned())
    }

    /// Reads `true`, `false` or `null` at `self.pos`.
    fn literal(&mut self, word: &'static [u8], value: Value) -> Result<Value, ParseError> {
        let rest = self.text.get(self.pos..).unwrap_or_default();
        let name = String::from_utf8_lossy(word);
        if rest.iter().zip(word).any(|(a, b)| a != b) {
            return Err(self.syntax(self.pos, format!("invalid literal: expected `{name}`")));
        }
        if rest.len() < word.len() {
            return Err(self.truncated(&format!("the rest of `{name}`")));
        }
        self.pos += word.len();
        Ok(value)
    }

    fn truncated(&self, expected: &str) -> ParseError {
        ParseError::new(
            self.text.len(),
            Code::Truncated,
            format!("unexpected end of input; expected {expected}"),
        )
    }

    fn syntax(&self, pos: usize, message: impl Into<String>) -> ParseError {
        ParseError::new(pos, Code::JsonSyntax, message)
    }

    /// The error for the character at `self.pos` where `expected` should be.
    fn unexpected(&self, expected: &str) -> ParseError {
        match char_at(self.text, self.pos) {
            Some(c) => self.syntax(
                self.pos,
                format!(
                    "expected {expected}, found `{}`{}",
                    show_char(c),
                    self.hint(c)
                ),
            ),
            None => self.invalid_byte(),
        }
    }

    /// The error for the character at `self.pos` where a value should start.
    fn unexpected_value(&self) -> ParseError {
        match char_at(self.text, self.pos) {
            Some(c) => self.syntax(
                self.pos,
                format!(
                    "unexpected character `{}` where a value was expected{}",
                    show_char(c),
                    self.hint(c)
                ),
            ),
            None => self.invalid_byte(),
        }
    }

    fn invalid_byte(&self) -> ParseError {
        let byte = self.peek().unwrap_or_default();
        ParseError::new(
            self.pos,
            Code::InvalidUtf8,
            format!("invalid UTF-8 byte `\\x{byte:02x}`"),
        )
    }

    /// Explains the usual reasons for a character that breaks strict JSON.
    fn hint(&self, c: char) -> &'static str {
        match c {
            '/' if !self.mode.lenient() => " (comments are not allowed in JSON)",
            '\u{a0}' | '\u{3000}' if !self.mode.lenient() => {
                " (a wide or no-break space is not JSON whitespace)"
            }
            '\'' => " (JSON strings use double quotes)",
            '\u{feff}' => " (a byte order mark)",
            _ => "",
        }
    }
}

/// Length of the leading run of `rest` that holds no quote, backslash or control
/// character.
///
/// Most strings in payloads are short, so a table-driven loop answers first; a
/// string still going after that is long (a base64 blob, a whole article), where
/// memchr's vectorised search and a branch-free control-character check pay off.
fn string_run(rest: &[u8]) -> usize {
    const SHORT: usize = 32;
    let head = rest.get(..SHORT).unwrap_or(rest);
    if let Some(p) = head.iter().position(|&b| STRING_STOP[usize::from(b)]) {
        return p;
    }
    if head.len() == rest.len() {
        return rest.len();
    }
    let tail = rest.get(SHORT..).unwrap_or_default();
    let end = memchr2(b'"', b'\\', tail).unwrap_or(tail.len());
    let body = tail.get(..end).unwrap_or_default();
    // Folding with `|` (no early exit) lets the compiler vectorise the check;
    // the position is only searched for in the rare failing case.
    if body.iter().fold(false, |seen, &b| seen | (b < 0x20)) {
        let p = body.iter().position(|&b| b < 0x20).unwrap_or(end);
        return SHORT + p;
    }
    SHORT + end
}

/// Offset just past the run of ASCII digits starting at `i`.
fn digits_end(text: &[u8], i: usize) -> usize {
    let rest = text.get(i..).unwrap_or_default();
    i + rest
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len())
}

/// Whether lenient whitespace (a no-break or ideographic space) starts a text.
enum WideSpace {
    /// A whole one, this many bytes long.
    Full(usize),
    /// The start of one, cut off by the end of the text.
    Partial,
    No,
}

fn wide_space(rest: &[u8]) -> WideSpace {
    for w in [NBSP, IDEOGRAPHIC_SPACE] {
        if rest.starts_with(w) {
            return WideSpace::Full(w.len());
        }
        if rest.len() < w.len() && w.starts_with(rest) {
            return WideSpace::Partial;
        }
    }
    WideSpace::No
}

/// The character starting at `pos`, if the bytes there are valid UTF-8.
fn char_at(text: &[u8], pos: usize) -> Option<char> {
    let rest = text.get(pos..(pos + 4).min(text.len()))?;
    let valid = match std::str::from_utf8(rest) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(rest.get(..e.valid_up_to())?).ok()?,
    };
    valid.chars().next()
}

/// A character as shown in a message: invisible and control characters escaped,
/// so a message never carries raw terminal controls or look-alike spaces.
fn show_char(c: char) -> String {
    if c.is_ascii_graphic() {
        c.to_string()
    } else if c.is_control() || c.is_whitespace() || c == '\u{feff}' {
        c.escape_default().to_string()
    } else {
        c.escape_debug().to_string()
    }
}

/// Finds where the JSON document starting at `text[0]` (`{` or `[`) ends, without
/// parsing it: strings, escapes and a bracket stack only.
///
/// [`Extent::NotDocument`] marks the first byte that cannot be JSON there (a raw
/// line break inside a string, a bracket that closes the wrong container, a
/// non-key after `{`, a byte outside the JSON alphabet, a bracket opening more
/// than `max_depth` containers, where the parser stops with `too-deep`);
/// [`Extent::NeedMore`] means everything so far is plausible. O(n), no allocation.
///
/// The depth stop bounds the cost of a candidate that never closes: a log line
/// of `{"a":{"a":…` starts a candidate at every `{`, and each would otherwise be
/// scanned to the end of the line.
pub fn extent(text: &[u8], mode: Mode, max_depth: usize) -> Extent {
    // Bracket kinds are remembered for this many levels (1 bit each, on the
    // stack); deeper levels are only counted, and the parser's depth limit
    // rejects such documents anyway.
    const TRACKED: usize = 1024;
    let mut kinds = [0u64; TRACKED / 64];
    let mut depth = 0usize;
    // Just after `{`: only a key or `}` may follow.
    let mut want_key = false;
    let lenient = mode.lenient();
    match text.first() {
        None => return Extent::NeedMore,
        Some(b'{' | b'[') => {}
        Some(_) => return Extent::NotDocument(0),
    }
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        let rest = text.get(i..).unwrap_or_default();
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'/' if lenient => match rest.get(1) {
                None => return Extent::NeedMore,
                Some(b'/') => {
                    let n = mode.comment_len(rest);
                    // A comment running to the end of the text leaves the document open.
                    if n >= rest.len() {
                        return Extent::NeedMore;
                    }
                    i += n;
                    continue;
                }
                Some(_) => return Extent::NotDocument(i),
            },
            0xC2 | 0xE3 if lenient => match wide_space(rest) {
                WideSpace::Full(n) => {
                    i += n;
                    continue;
                }
                WideSpace::Partial => return Extent::NeedMore,
                WideSpace::No => return Extent::NotDocument(i),
            },
            _ => {}
        }
        if want_key {
            want_key = false;
            if b != b'"' && b != b'}' {
                return Extent::NotDocument(i);
            }
        }
        match b {
            b'{' | b'[' => {
                if depth >= max_depth {
                    return Extent::NotDocument(i);
                }
                if let Some(word) = kinds.get_mut(depth / 64) {
                    let bit = 1u64 << (depth % 64);
                    if b == b'[' {
                        *word |= bit;
                    } else {
                        *word &= !bit;
                    }
                }
                depth += 1;
                want_key = b == b'{';
                i += 1;
            }
            b'}' | b']' => {
                let Some(d) = depth.checked_sub(1) else {
                    return Extent::NotDocument(i);
                };
                if let Some(word) = kinds.get(d / 64) {
                    let is_array = word & (1u64 << (d % 64)) != 0;
                    if is_array != (b == b']') {
                        return Extent::NotDocument(i);
                    }
                }
                depth = d;
                i += 1;
                if depth == 0 {
                    return Extent::Complete(i);
                }
            }
            b'"' => match string_end(text, i + 1) {
                Ok(end) => i = end,
                Err(e) => return e,
            },
            b',' => {
                // In an object a key follows (or, leniently, the closing
                // brace): a `{` there is no member of this document but,
                // at most, the start of another (a line of `{"a":1, {"a":1,`
                // is not one document 64 levels deep).
                let d = depth.saturating_sub(1);
                want_key = kinds
                    .get(d / 64)
                    .is_some_and(|word| word & (1u64 << (d % 64)) == 0)
                    && depth > 0
                    && depth <= TRACKED;
                i += 1;
            }
            b':' | b'-' | b'+' | b'.' | b'0'..=b'9' | b'e' | b'E' => i += 1,
            // The letters of `true`, `false` and `null`.
            b't' | b'r' | b'u' | b'f' | b'a' | b'l' | b's' | b'n' => i += 1,
            _ => return Extent::NotDocument(i),
        }
    }
    Extent::NeedMore
}

/// Where the scan for documents goes on after a candidate whose structural
/// scan ([`extent`]) stopped at `stop`, on its line: at `stop`, unless the
/// text there follows a string (`"he said "hi""`, `"oR3K b {"ToUserName"`):
/// the quote that closed it may have been meant to open one, so that string
/// may hold the start of the next document, and the scan goes on just inside
/// it. Always past the candidate's first byte and never past `stop`.
pub fn resume_after_break(text: &[u8], stop: usize) -> usize {
    let stop = stop.min(text.len());
    let before = text.get(..stop).unwrap_or_default();
    let Some(last) = before.iter().rposition(|b| !b.is_ascii_whitespace()) else {
        return stop;
    };
    if before.get(last) != Some(&b'"') {
        return stop;
    }
    // The strings before `stop` are whole (the structural scan read past
    // them): the last one opened is the one that ends at `last`.
    let mut opened = None;
    let mut i = 0;
    while let Some(q) = memchr(b'"', before.get(i..).unwrap_or_default()) {
        let open = i + q;
        if open >= last {
            break;
        }
        opened = Some(open);
        match string_end(before, open + 1) {
            Ok(end) => i = end,
            Err(_) => break,
        }
    }
    opened.map_or(stop, |o| (o + 1).clamp(1, stop.max(1)))
}

/// Offset just past the closing quote of a string whose body is the start of
/// `text`, when it closes in `text`.
pub fn string_body_end(text: &[u8]) -> Option<usize> {
    string_end(text, 0).ok()
}

/// Offset just past the closing quote of the string whose body starts at `i`,
/// or the verdict when the string is not closed (a raw line break means the
/// line ended inside it: JSON strings cannot span lines).
fn string_end(text: &[u8], mut i: usize) -> Result<usize, Extent> {
    loop {
        let rest = text.get(i..).unwrap_or_default();
        let stop = memchr3(b'"', b'\\', b'\n', rest);
        let run = rest.get(..stop.unwrap_or(rest.len())).unwrap_or_default();
        if let Some(cr) = memchr(b'\r', run) {
            return Err(Extent::NotDocument(i + cr));
        }
        let Some(stop) = stop else {
            return Err(Extent::NeedMore);
        };
        let at = i + stop;
        match text.get(at) {
            Some(b'"') => return Ok(at + 1),
            Some(b'\\') => match text.get(at + 1) {
                None => return Err(Extent::NeedMore),
                Some(b'\n' | b'\r') => return Err(Extent::NotDocument(at + 1)),
                Some(_) => i = at + 2,
            },
            _ => return Err(Extent::NotDocument(at)),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_scan_resumes_inside_a_string_a_break_follows() {
        // `"he said "hi""`: stopped at `h`, after the string `"he said "`.
        let t = br#"{"C":"he said "hi"","M":1}"#;
        assert_eq!(resume_after_break(t, 15), 6);
        // A string cut short swallowed the next document's start.
        let t = br#"{"F":"oR3K b {"ToUserName":"gh"}"#;
        assert_eq!(resume_after_break(t, 15), 6);
        // Not after a string: where the scan stopped.
        let t = br#"{"M":248x}"#;
        assert_eq!(resume_after_break(t, 8), 8);
        assert_eq!(resume_after_break(b"{", 0), 0);
    }

    use super::*;

    fn ok(text: &str, mode: Mode) -> (Node, usize) {
        match parse(text.as_bytes(), mode, Limits::default()) {
            Ok(r) => r,
            Err(e) => panic!("{text:?}: {e:?}"),
        }
    }

    fn strict(text: &str) -> Node {
        ok(text, Mode::Strict).0
    }

    fn err(text: &[u8], mode: Mode) -> ParseError {
        match parse(text, mode, Limits::default()) {
            Ok(r) => panic!("{:?} parsed: {r:?}", String::from_utf8_lossy(text)),
            Err(e) => e,
        }
    }

    fn serr(text: &str) -> ParseError {
        err(text.as_bytes(), Mode::Strict)
    }

    fn string_of(node: &Node) -> &str {
        match &node.value {
            Value::String(s) => s,
            v => panic!("not a string: {v:?}"),
        }
    }

    fn number_of(node: &Node) -> &str {
        match &node.value {
            Value::Number(s) => s,
            v => panic!("not a number: {v:?}"),
        }
    }

    // Seed 000, session event: Markdown `\_` in a key, a double-encoded StaffName.
    const SEED_SESSION: &str = r#"{ "App_Type": "yunh5", "ChannelId": "15033", "ChannelName": "xy007", "Content": "", "CreateTime": 1697444398, "FromUserName": 799533513, "MsgId": "652cf22e7a3ca", "Event": "system_notify_in_receive", "StaffId": null, "StaffName": "\\\\u5728\\\\u7ebf\\\\u5ba2\\\\u670d", "ToBusiness": true, "ToUserName": "lkkk1", "ChatSessionId": "20211", "wechatapp\_id": "211079" }"#;

    // Seed 000, B-side text: U+00A0 indentation and `//` comments, laid out on lines.
    const SEED_STAFF: &str = "{\n\u{a0} \u{a0}\"App_Type\": \"wechat_kefu\",\n\u{a0} \u{a0}\"ChannelName\": \"咸鱼测试1\",\n\u{a0} \u{a0}\"CreateTime\": 1688441501,\n\u{a0} \u{a0}\"FromUserName\": \"799533439\", \u{a0} \u{a0} // 客服的uid\n\u{a0} \u{a0}\"StaffId\": \"18186158229\", \u{a0} \u{a0}// 客服登录账号\n\u{a0} \u{a0}\"ToBusiness\": false\n}";

    // Seed 000 as stored: the doc page flattened to one line.
    const SEED_FLAT: &str = "{ \"ToUserName\": \"toUser\", \"MsgType\": \"event\", \"Event\": \"subscribe\", // subscribe:关注,unsubscribe:取关 \"ToBusiness\": false // 标记是否为客服发送消息 } ``` 6、扫描渠道二维码关注 ``` json { \"a\": 1 }";

    // A strict document touching every construct, for the prefix tests.
    const SAMPLE: &str = "{\"ToUserName\": \"gh_bba8f05106a1\", \"MsgId\": 4363689963896700987,\n \"Lat\": -23.1e+5, \"Emoji\": \"😀 \\ud83d\\ude00 \\n\\\"\", \"中文\": \"在线客服\",\n \"List\": [true, false, null, {}, [], [0, 1.5]], \"x\": {\"y\": \"z\"}}";

    #[test]
    fn seed_session_event_lenient() {
        let (doc, end) = ok(SEED_SESSION, Mode::Lenient);
        assert_eq!(end, SEED_SESSION.len());
        assert_eq!(doc.get_str("wechatapp_id"), Some("211079"));
        assert_eq!(
            doc.get_str("StaffName"),
            Some(r"\\u5728\\u7ebf\\u5ba2\\u670d")
        );
        assert_eq!(doc.get("StaffId").map(|n| &n.value), Some(&Value::Null));
        assert_eq!(doc.get("FromUserName").map(number_of), Some("799533513"));
    }

    #[test]
    fn seed_session_event_strict_rejects_markdown_escape() {
        let e = serr(SEED_SESSION);
        assert_eq!(e.code, Code::JsonSyntax);
        assert_eq!(e.pos, SEED_SESSION.find(r"\_").unwrap());
        assert!(e.message.contains(r"invalid escape `\_`"), "{}", e.message);
    }

    #[test]
    fn double_encoded_staff_name_is_strict_json() {
        let doc = strict(r#"{"StaffName": "\\\\u5728\\\\u7ebf"}"#);
        assert_eq!(doc.get_str("StaffName"), Some(r"\\u5728\\u7ebf"));
        let doc = strict(r#"{"StaffName": "\\u5728"}"#);
        assert_eq!(doc.get_str("StaffName"), Some(r"\u5728"));
    }

    #[test]
    fn seed_staff_reply_lenient() {
        for mode in [Mode::Lenient, Mode::LenientInline] {
            let (doc, end) = ok(SEED_STAFF, mode);
            assert_eq!(end, SEED_STAFF.len());
            let keys: Vec<&str> = doc.members().iter().map(|m| m.key.as_str()).collect();
            assert_eq!(
                keys,
                [
                    "App_Type",
                    "ChannelName",
                    "CreateTime",
                    "FromUserName",
                    "StaffId",
                    "ToBusiness"
                ]
            );
            assert_eq!(doc.get_str("StaffId"), Some("18186158229"));
        }
    }

    #[test]
    fn seed_staff_reply_strict_points_at_no_break_space() {
        let e = serr(SEED_STAFF);
        assert_eq!(e.code, Code::JsonSyntax);
        assert_eq!(e.pos, 2);
        assert!(e.message.contains(r"`\u{a0}`"), "{}", e.message);
        assert!(e.message.contains("no-break"), "{}", e.message);
    }

    #[test]
    fn strict_rejects_comment_with_position() {
        let text = "{\"a\": 1 // note\n}";
        let e = serr(text);
        assert_eq!((e.code, e.pos), (Code::JsonSyntax, 8));
        assert!(
            e.message
                .starts_with("expected `,` or `}` after object member, found `/`"),
            "{}",
            e.message
        );
        assert!(e.message.contains("comments"), "{}", e.message);
    }

    #[test]
    fn flattened_seed_needs_inline_comments() {
        let (doc, end) = ok(SEED_FLAT, Mode::LenientInline);
        assert_eq!(end, SEED_FLAT.find(" ```").unwrap());
        assert_eq!(doc.get_str("Event"), Some("subscribe"));
        assert_eq!(
            doc.get("ToBusiness").map(|n| &n.value),
            Some(&Value::Bool(false))
        );
        // Plain Lenient lets the first comment swallow the rest of the line.
        let e = err(SEED_FLAT.as_bytes(), Mode::Lenient);
        assert_eq!((e.code, e.pos), (Code::Truncated, SEED_FLAT.len()));
    }

    #[test]
    fn lenient_whitespace_and_escapes() {
        let text = "\u{3000}{\u{a0}\"a\\*b\\#\\[c\\]\"\u{3000}:\u{a0}[1 // x\n, 2]}";
        let (doc, end) = ok(text, Mode::Lenient);
        assert_eq!(end, text.len());
        assert_eq!(doc.members()[0].key, "a*b#[c]");
        assert_eq!(doc.pos as usize, "\u{3000}".len());
        // No-break spaces inside strings are content, never whitespace.
        let doc = ok("\"\u{a0}x\u{3000}\"", Mode::Lenient).0;
        assert_eq!(string_of(&doc), "\u{a0}x\u{3000}");
        // A lone slash is not a comment.
        let e = err(b"[1 / 2]", Mode::Lenient);
        assert_eq!((e.code, e.pos), (Code::JsonSyntax, 3));
    }

    #[test]
    fn numbers_keep_their_lexeme() {
        for n in [
            "4363689963896700987",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775809",
            "9007199254740993",
            "119.385040",
            "-0",
            "0",
            "1e5",
            "1E+05",
            "-0.0e-0",
            "1700000000.5",
            "123456789012345678901234567890.000000000000000000001",
        ] {
            let text = format!("[{n}]");
            let doc = strict(&text);
            match &doc.value {
                Value::Array(items) => assert_eq!(number_of(&items[0]), n),
                v => panic!("{v:?}"),
            }
            // At the top level the number ends with the text.
            assert_eq!(
                ok(n, Mode::Strict),
                (Node::new(0, Value::Number(n.into())), n.len())
            );
        }
    }

    #[test]
    fn invalid_numbers() {
        for (text, pos) in [
            ("[01]", 2),
            ("[-01]", 3),
            ("[-]", 2),
            ("[-a]", 2),
            ("[1.]", 3),
            ("[1.e5]", 3),
            ("[1e]", 3),
            ("[1e+]", 4),
        ] {
            let e = serr(text);
            assert_eq!((e.code, e.pos), (Code::JsonSyntax, pos), "{text}");
            assert!(e.message.starts_with("invalid number"), "{}", e.message);
        }
        for text in ["[+1]", "[.5]", "[NaN]", "[Infinity]"] {
            let e = serr(text);
            assert_eq!((e.code, e.pos), (Code::JsonSyntax, 1), "{text}");
            assert!(
                e.message.starts_with("unexpected character"),
                "{}",
                e.message
            );
        }
        let e = serr("[-Infinity]");
        assert_eq!((e.code, e.pos), (Code::JsonSyntax, 2));
        // A second `.` ends the number; the array then complains.
        let e = serr("[1.5.3]");
        assert_eq!((e.code, e.pos), (Code::JsonSyntax, 4));
        assert!(e
            .message
            .starts_with("expected `,` or `]` after array element"));
    }

    #[test]
    fn duplicate_keys_kept_in_order() {
        let doc = strict(r#"{"MsgType":"text","b":1,"MsgType":"event"}"#);
        let pairs: Vec<(&str, Option<&str>)> = doc
            .members()
            .iter()
            .map(|m| (m.key.as_str(), m.node.scalar_text()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("MsgType", Some("text")),
                ("b", Some("1")),
                ("MsgType", Some("event"))
            ]
        );
        assert_eq!(doc.get_str("MsgType"), Some("text"));
    }

    #[test]
    fn positions_are_byte_offsets() {
        let text = " {\"中\": \"文\",\n \"b\" : [1, {\"c\":null}], \"d\":true}";
        let (doc, end) = ok(text, Mode::Strict);
        assert_eq!(end, text.len());
        assert_eq!(doc.pos, 1);
        let m = doc.members();
        assert_eq!(m[0].key_pos as usize, text.find("\"中").unwrap());
        assert_eq!(m[0].node.pos as usize, text.find("\"文").unwrap());
        assert_eq!(m[1].key_pos as usize, text.find("\"b").unwrap());
        assert_eq!(m[1].node.pos as usize, text.find('[').unwrap());
        let Value::Array(items) = &m[1].node.value else {
            panic!()
        };
        assert_eq!(items[0].pos as usize, text.find('1').unwrap());
        assert_eq!(items[1].pos as usize, text.find("{\"c").unwrap());
        assert_eq!(
            items[1].members()[0].key_pos as usize,
            text.find("\"c").unwrap()
        );
        assert_eq!(
            items[1].members()[0].node.pos as usize,
            text.find("null").unwrap()
        );
        assert_eq!(m[2].node.pos as usize, text.find("true").unwrap());
    }

    #[test]
    fn all_escapes() {
        let doc = strict(r#""\"\\\/\b\f\n\r\t\u0041\u00e9\u4E2D\u0000\u001b""#);
        assert_eq!(string_of(&doc), "\"\\/\u{8}\u{c}\n\r\tAé中\0\u{1b}");
        let doc = strict(r#""a\u00e9b中c""#);
        assert_eq!(string_of(&doc), "aéb中c");
        let e = serr(r#""\x""#);
        assert_eq!((e.code, e.pos), (Code::JsonSyntax, 1));
        assert!(e.message.contains(r"invalid escape `\x`"), "{}", e.message);
        let e = serr("\"\\\u{1}\"");
        assert!(e.message.contains(r"`\\u{1}`"), "{}", e.message);
        let e = serr(r#""ab\u12G4""#);
        assert_eq!((e.code, e.pos), (Code::JsonSyntax, 3));
        // Markdown escapes are strict errors, lenient characters.
        assert_eq!(serr(r#""\_""#).code, Code::JsonSyntax);
        assert_eq!(string_of(&ok(r#""a\_b""#, Mode::Lenient).0), "a_b");
        assert_eq!(err(br#""\x""#, Mode::Lenient).code, Code::JsonSyntax);
    }

    #[test]
    fn surrogate_pairs_and_lone_surrogates() {
        let doc = strict(r#""\ud83d\ude00 \uD83E\uDD16""#);
        assert_eq!(string_of(&doc), "😀 🤖");
        for (text, escape) in [
            (r#""x\ud800""#, r"\ud800"),
            (r#""x\udc00""#, r"\udc00"),
            (r#""x\ud800\u0041""#, r"\ud800"),
            (r#""x\ud800\n""#, r"\ud800"),
            (r#""x\uD800\uD800""#, r"\uD800"),
            (r#""x\ude00\ud83d""#, r"\ude00"),
        ] {
            let e = serr(text);
            assert_eq!((e.code, e.pos), (Code::LoneSurrogate, 2), "{text}");
            assert!(e.message.contains(escape), "{}", e.message);
        }
    }

    #[test]
    fn invalid_utf8_is_located() {
        let e = err(b"{\"a\": \"ok\xffno\"}", Mode::Strict);
        assert_eq!((e.code, e.pos), (Code::InvalidUtf8, 9));
        assert!(e.message.contains(r"\xff"), "{}", e.message);
        // A sequence cut short by a quote is bad data, not truncation.
        let e = err(b"\"\xe4\xb8\"", Mode::Strict);
        assert_eq!((e.code, e.pos), (Code::InvalidUtf8, 1));
        // Invalid UTF-8 in keys and between tokens.
        assert_eq!(
            err(b"{\"\xc0\x80\":1}", Mode::Strict).code,
            Code::InvalidUtf8
        );
        let e = err(b"[\xff]", Mode::Lenient);
        assert_eq!((e.code, e.pos), (Code::InvalidUtf8, 1));
        // After an escape, validation resumes.
        let e = err(b"\"\\n\xff\"", Mode::Strict);
        assert_eq!((e.code, e.pos), (Code::InvalidUtf8, 3));
    }

    #[test]
    fn raw_control_characters_rejected() {
        for (text, shown) in [
            ("\"a\nb\"", r"\n"),
            ("\"a\tb\"", r"\t"),
            ("\"a\u{0}b\"", r"\u{0}"),
            ("\"a\u{1b}b\"", r"\u{1b}"),
        ] {
            let e = serr(text);
            assert_eq!((e.code, e.pos), (Code::JsonSyntax, 2), "{text:?}");
            assert!(e.message.contains(shown), "{}", e.message);
        }
        // DEL is allowed raw by RFC 8259.
        assert_eq!(string_of(&strict("\"\u{7f}\"")), "\u{7f}");
        // Outside strings the character is shown escaped too.
        let e = serr("[\u{1b}]");
        assert!(e.message.contains(r"`\u{1b}`"), "{}", e.message);
    }

    #[test]
    fn structural_errors() {
        for (text, pos, start) in [
            (r#"{"a" 1}"#, 5, "expected `:` after object key, found `1`"),
            (
                r#"{"a":1 "b":2}"#,
                7,
                "expected `,` or `}` after object member",
            ),
            (r#"[1 2]"#, 3, "expected `,` or `]` after array element"),
            (
                r#"{a:1}"#,
                1,
                "expected an object key or `}` after `{`, found `a`",
            ),
            (
                r#"{'a':1}"#,
                1,
                "expected an object key or `}` after `{`, found `'`",
            ),
            (r#"{"a":1,}"#, 7, "trailing comma"),
            (r#"[1,]"#, 3, "trailing comma"),
            (
                r#"{"a":1,2}"#,
                7,
                "expected an object key after `,`, found `2`",
            ),
            (
                r#"[1}"#,
                2,
                "expected `,` or `]` after array element, found `}`",
            ),
            (
                r#"{"a":]"#,
                5,
                "unexpected character `]` where a value was expected",
            ),
            (r#"[tru]"#, 1, "invalid literal: expected `true`"),
            (r#"[nul1]"#, 1, "invalid literal: expected `null`"),
            (r#"[True]"#, 1, "unexpected character `T`"),
            (
                "[\"a\"\u{a0}]",
                4,
                "expected `,` or `]` after array element, found `\\u{a0}`",
            ),
            ("\u{feff}{}", 0, "unexpected character `\\u{feff}`"),
        ] {
            let e = serr(text);
            assert_eq!(
                (e.code, e.pos),
                (Code::JsonSyntax, pos),
                "{text}: {}",
                e.message
            );
            assert!(e.message.starts_with(start), "{text}: {}", e.message);
        }
    }

    #[test]
    fn every_prefix_is_truncated() {
        for (doc, mode) in [
            (SAMPLE, Mode::Strict),
            (SEED_SESSION, Mode::Lenient),
            (SEED_STAFF, Mode::Lenient),
            (SEED_STAFF, Mode::LenientInline),
            ("{\"a\":\u{3000}\"b\"}", Mode::Lenient),
        ] {
            let bytes = doc.as_bytes();
            let (_, end) = ok(doc, mode);
            assert_eq!(end, doc.len());
            for cut in 0..bytes.len() {
                let e = err(&bytes[..cut], mode);
                assert_eq!(
                    (e.code, e.pos),
                    (Code::Truncated, cut),
                    "{mode:?} cut {cut}: {}",
                    e.message
                );
                assert!(e.message.contains("expected"), "{}", e.message);
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        // Every prefix and every single-byte corruption of the sample document.
        let bytes = SAMPLE.as_bytes();
        for mode in [Mode::Strict, Mode::Lenient, Mode::LenientInline] {
            for i in 0..bytes.len() {
                for b in [b'"', b'\\', b'{', b']', b'/', 0xC2, 0xE3, 0xFF, b'\n', b'u'] {
                    let mut v = bytes.to_vec();
                    v[i] = b;
                    let _ = parse(&v, mode, Limits::default());
                    let _ = parse(&v[i..], mode, Limits::default());
                    let _ = extent(&v, mode, usize::MAX);
                    let _ = extent(&v[i..], mode, 64);
                }
            }
        }
    }

    #[test]
    fn truncation_messages_say_what_was_expected() {
        for (text, expected) in [
            ("", "a value"),
            ("  ", "a value"),
            ("{", "an object key or `}` after `{`"),
            ("{\"a\"", "`:` after object key"),
            ("{\"a\":", "a value"),
            ("{\"a\":1", "`,` or `}` after object member"),
            ("[1", "`,` or `]` after array element"),
            ("{\"MsgType\":\"te", "`\"` to close the string"),
            ("\"\\u12", "four hex digits"),
            ("\"\\ud83d", "low surrogate"),
            ("\"\\ud83d\\", "low surrogate"),
            ("\"\\ud83d\\u", "four hex digits"),
            ("\"\\", "an escape character"),
            ("-", "a digit after `-`"),
            ("fals", "`false`"),
            ("\"\u{e4}", "`\"` to close the string"),
        ] {
            let e = serr(text);
            assert_eq!((e.code, e.pos), (Code::Truncated, text.len()), "{text:?}");
            assert!(e.message.contains(expected), "{text:?}: {}", e.message);
        }
        let e = err(b"\"\xe4\xb8", Mode::Strict);
        assert_eq!((e.code, e.pos), (Code::Truncated, 3));
        // A lenient construct cut short is truncation too.
        for (text, strict_code) in [
            (&b"[1 /"[..], Code::JsonSyntax),
            (b"[1 \xc2", Code::InvalidUtf8),
            (b"[1 \xe3\x80", Code::InvalidUtf8),
        ] {
            assert_eq!(err(text, Mode::Lenient).code, Code::Truncated);
            assert_eq!(err(text, Mode::Strict).code, strict_code);
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let deep = "[".repeat(100_000);
        let e = serr(&deep);
        assert_eq!((e.code, e.pos), (Code::TooDeep, 64));
        let deep = "{\"a\":".repeat(100_000);
        assert_eq!(serr(&deep).code, Code::TooDeep);
        // Exactly at the limit is fine.
        let limits = Limits {
            max_depth: 3,
            max_fields: 100,
        };
        assert!(parse(b"[[{}]]", Mode::Strict, limits).is_ok());
        let e = parse(b"[[[{}]]]", Mode::Strict, limits).unwrap_err();
        assert_eq!((e.code, e.pos), (Code::TooDeep, 3));
        // Even a huge configured limit cannot overflow the stack.
        let limits = Limits {
            max_depth: usize::MAX,
            max_fields: usize::MAX,
        };
        let text = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        let (node, end) = parse(text.as_bytes(), Mode::Strict, limits).unwrap();
        assert_eq!(end, text.len());
        // The tree's own Drop recurses, so take it apart by hand.
        let mut pending = vec![node];
        while let Some(mut n) = pending.pop() {
            if let Value::Array(items) = &mut n.value {
                pending.append(items);
            }
        }
    }

    #[test]
    fn too_many_fields() {
        let limits = Limits {
            max_depth: 64,
            max_fields: 3,
        };
        assert!(parse(br#"{"a":[1,2]}"#, Mode::Strict, limits).is_ok());
        let e = parse(br#"{"a":[1,2],"b":3}"#, Mode::Strict, limits).unwrap_err();
        assert_eq!((e.code, e.pos), (Code::TooManyFields, 11));
        let e = parse(br#"[1,2,3,4]"#, Mode::Strict, limits).unwrap_err();
        assert_eq!((e.code, e.pos), (Code::TooManyFields, 7));
    }

    #[test]
    fn trailing_text_is_not_read() {
        for (text, end) in [
            ("{\"a\":1} {\"b\":2}", 7),
            ("{\"a\":1}\n", 7),
            ("[1]garbage \u{ff}", 3),
            ("true}", 4),
            ("\"x\"\"y\"", 3),
            ("12 34", 2),
            ("nullx", 4),
        ] {
            assert_eq!(ok(text, Mode::Strict).1, end, "{text}");
        }
        // Bytes after the value are never inspected, even invalid ones.
        let (_, end) = parse(b"{}\xff\xfe", Mode::Strict, Limits::default()).unwrap();
        assert_eq!(end, 2);
    }

    /// The framing stops where the parser would: at the bracket that opens one
    /// container too many, so a never-closing nest is not scanned to its end.
    #[test]
    fn extent_stops_where_the_parser_is_too_deep() {
        let limits = Limits {
            max_depth: 3,
            max_fields: 100,
        };
        for deep in [
            "[[[{}]]]",
            "{\"a\":[{\"b\":{\"c\":1}}]}",
            &"{\"a\":".repeat(1000),
        ] {
            let e = parse(deep.as_bytes(), Mode::Strict, limits).unwrap_err();
            assert_eq!(e.code, Code::TooDeep);
            assert_eq!(
                extent(deep.as_bytes(), Mode::LenientInline, 3),
                Extent::NotDocument(e.pos),
                "{deep}"
            );
        }
        assert_eq!(extent(b"[[{}]]", Mode::Strict, 3), Extent::Complete(6));
        assert_eq!(extent(b"[[{", Mode::Strict, 3), Extent::NeedMore);
    }

    #[test]
    fn extent_finds_the_end() {
        for mode in [Mode::Strict, Mode::Lenient, Mode::LenientInline] {
            let line = br#"{"a":"}","b":"\"}","c":[{"d":"]"}]} trailing {"#;
            assert_eq!(extent(line, mode, 64), Extent::Complete(35));
            assert_eq!(
                extent(b"[1, 2.5e-3, true, null] x", mode, 64),
                Extent::Complete(23)
            );
            assert_eq!(extent(b"{}", mode, 64), Extent::Complete(2));
            assert_eq!(
                extent(SAMPLE.as_bytes(), mode, 64),
                Extent::Complete(SAMPLE.len())
            );
            assert_eq!(extent(b"{\"a\":", mode, 64), Extent::NeedMore);
            assert_eq!(extent(b"{\"a\":\"b\\", mode, 64), Extent::NeedMore);
            assert_eq!(extent(b"{\"a\":[1,{", mode, 64), Extent::NeedMore);
            assert_eq!(extent(b"", mode, 64), Extent::NeedMore);
            // After a comma in an object only a key (or the brace) may come:
            // `{"a":1, {"a":1,` is no document 64 levels deep.
            assert_eq!(
                extent(b"{\"a\":1, {\"a\":1,", mode, 64),
                Extent::NotDocument(8)
            );
            assert_eq!(
                extent(b"{\"a\":1,\n \"b\":[1,{}],}", mode, 64),
                Extent::Complete(21)
            );
            // Log-like garbage is rejected at once.
            assert_eq!(extent(b"{request_id} ok", mode, 64), Extent::NotDocument(1));
            assert_eq!(extent(b"{ 42 }", mode, 64), Extent::NotDocument(2));
            assert_eq!(
                extent(b"{\"a\":\"b\nnext line", mode, 64),
                Extent::NotDocument(7)
            );
            assert_eq!(extent(b"{\"a\":\"b\r\n", mode, 64), Extent::NotDocument(7));
            assert_eq!(extent(b"{\"a\":\"b\\\n", mode, 64), Extent::NotDocument(8));
            assert_eq!(extent(b"{\"a\":[1}", mode, 64), Extent::NotDocument(7));
            assert_eq!(extent(b"[1]]", mode, 64), Extent::Complete(3));
            assert_eq!(extent(b"{\"a\": x}", mode, 64), Extent::NotDocument(6));
            assert_eq!(extent(b"x{}", mode, 64), Extent::NotDocument(0));
            // Strings may hold anything but line breaks.
            let text = "{\"中\":\"{[\u{a0}\\u00e9\t\"}";
            assert_eq!(
                extent(text.as_bytes(), mode, 64),
                Extent::Complete(text.len())
            );
        }
        // A document spread over several lines is complete once it closes.
        let multi = b"{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}\nrest";
        assert_eq!(
            extent(multi, Mode::Strict, 64),
            Extent::Complete(multi.len() - 5)
        );
    }

    #[test]
    fn extent_lenient_relaxations() {
        let staff = SEED_STAFF.as_bytes();
        assert_eq!(extent(staff, Mode::Strict, 64), Extent::NotDocument(2));
        assert_eq!(
            extent(staff, Mode::Lenient, 64),
            Extent::Complete(staff.len())
        );
        let flat = SEED_FLAT.as_bytes();
        let end = SEED_FLAT.find(" ```").unwrap();
        assert_eq!(extent(flat, Mode::LenientInline, 64), Extent::Complete(end));
        assert_eq!(extent(flat, Mode::Lenient, 64), Extent::NeedMore);
        let slash = SEED_FLAT.find("//").unwrap();
        assert_eq!(extent(flat, Mode::Strict, 64), Extent::NotDocument(slash));
        // Partial lenient tokens at the end wait for more text.
        for text in [
            &b"{\"a\":1 /"[..],
            b"{\"a\":1 \xc2",
            b"{\"a\":1 \xe3\x80",
            b"{ // c",
        ] {
            assert_eq!(extent(text, Mode::Lenient, 64), Extent::NeedMore);
        }
        assert_eq!(
            extent(b"{\"a\":1 /x}", Mode::Lenient, 64),
            Extent::NotDocument(7)
        );
        assert_eq!(
            extent(b"{\"a\":1 \xc2\xa1}", Mode::Lenient, 64),
            Extent::NotDocument(7)
        );
        // A comment after `{` does not count as the key.
        assert_eq!(
            extent(b"{ // c\n \"a\":1}", Mode::Lenient, 64),
            Extent::Complete(14)
        );
        assert_eq!(
            extent(b"{ // c\n a}", Mode::Lenient, 64),
            Extent::NotDocument(8)
        );
    }

    #[test]
    fn extent_agrees_with_parse_on_every_prefix() {
        for (doc, mode) in [
            (SAMPLE, Mode::Strict),
            (SEED_STAFF, Mode::Lenient),
            (SEED_SESSION, Mode::Lenient),
        ] {
            let bytes = doc.as_bytes();
            for cut in 1..bytes.len() {
                assert_eq!(
                    extent(&bytes[..cut], mode, 64),
                    Extent::NeedMore,
                    "cut {cut}"
                );
            }
        }
    }

    #[test]
    fn extent_tracks_deep_and_very_deep_brackets() {
        // With no depth limit, as deep as the text goes.
        let mut text = "[".repeat(5000);
        assert_eq!(
            extent(text.as_bytes(), Mode::Strict, usize::MAX),
            Extent::NeedMore
        );
        text.push_str(&"]".repeat(5000));
        assert_eq!(
            extent(text.as_bytes(), Mode::Strict, usize::MAX),
            Extent::Complete(10_000)
        );
        let mixed = format!("{}{{}}{}", "[".repeat(1030), "]".repeat(1030));
        assert_eq!(
            extent(mixed.as_bytes(), Mode::Strict, usize::MAX),
            Extent::Complete(mixed.len())
        );
        let wrong = format!("{}{}", "[".repeat(100), "}");
        assert_eq!(
            extent(wrong.as_bytes(), Mode::Strict, usize::MAX),
            Extent::NotDocument(100)
        );
    }

    /// Our tree compared with serde_json's reading of the same text.
    fn same_as_serde(node: &Node, v: &serde_json::Value) -> bool {
        match (&node.value, v) {
            (Value::Null, serde_json::Value::Null) => true,
            (Value::Bool(a), serde_json::Value::Bool(b)) => a == b,
            (Value::Number(a), serde_json::Value::Number(b)) => {
                if b.is_f64() {
                    // serde_json's float reading and printing are not always
                    // correctly rounded, so allow for the last bits.
                    let (x, y) = (a.parse::<f64>().unwrap(), b.as_f64().unwrap());
                    (x - y).abs() <= y.abs() * 1e-14
                } else {
                    a == &b.to_string()
                }
            }
            (Value::String(a), serde_json::Value::String(b)) => a == b,
            (Value::Array(a), serde_json::Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_as_serde(x, y))
            }
            (Value::Object(a), serde_json::Value::Object(b)) => {
                // serde_json keeps the last of duplicate keys; compare those.
                a.iter().all(|m| {
                    a.iter().rev().find(|n| n.key == m.key).is_some_and(|last| {
                        b.get(&m.key).is_some_and(|y| same_as_serde(&last.node, y))
                    })
                }) && b.keys().all(|k| a.iter().any(|m| &m.key == k))
            }
            _ => false,
        }
    }

    proptest::proptest! {
        /// On text made of JSON's own alphabet, we accept exactly what serde_json
        /// accepts (as one value plus trailing whitespace) and read the same tree.
        #[test]
        fn agrees_with_serde_json(text in r#"[ \[\]{}",:0-9a-z\\. eE+\-\n\u{a0}\u{1f600}]{0,24}"#) {
            let limits = Limits { max_depth: 127, max_fields: usize::MAX };
            let ours = parse(text.as_bytes(), Mode::Strict, limits);
            let theirs = serde_json::from_str::<serde_json::Value>(&text);
            match (&ours, &theirs) {
                (Ok((node, end)), Ok(v)) => {
                    proptest::prop_assert!(text[*end..].trim_matches([' ', '\n']).is_empty());
                    proptest::prop_assert!(same_as_serde(node, v), "{:?} vs {:?}", node, v);
                }
                (Ok((_, end)), Err(_)) => {
                    // Only trailing text can make serde_json refuse what we read.
                    proptest::prop_assert!(!text[*end..].trim_matches([' ', '\n']).is_empty(), "{:?}", text);
                }
                (Err(e), Ok(_)) => proptest::prop_assert!(false, "{:?}: {:?}", text, e),
                (Err(_), Err(_)) => {}
            }
        }

        /// One-character edits of valid JSON: accepted and rejected exactly as by serde_json.
        #[test]
        fn agrees_with_serde_json_on_edits(
            v in json_value(),
            at in proptest::prelude::any::<proptest::sample::Index>(),
            with in r#"[\[\]{}",:0-9\\. eE+\-\n\u{a0}\u{7f}\u{1f600}]?"#,
        ) {
            let mut text = serde_json::to_string(&v).unwrap();
            let cut = at.index(text.len() + 1);
            if let Some(start) = (0..=cut).rev().find(|&i| text.is_char_boundary(i)) {
                let end = text[start..].chars().next().map_or(start, |c| start + c.len_utf8());
                text.replace_range(start..end, &with);
            }
            let ours = parse(text.as_bytes(), Mode::Strict, Limits::default());
            let theirs = serde_json::from_str::<serde_json::Value>(&text);
            let ours_whole = matches!(&ours, Ok((_, end)) if text[*end..].trim_matches([' ', '\n']).is_empty());
            // We keep every lexeme; serde_json refuses numbers beyond f64.
            let out_of_range = matches!(&theirs, Err(e) if e.to_string().contains("out of range"));
            if !out_of_range {
                proptest::prop_assert_eq!(ours_whole, theirs.is_ok(), "{:?}: {:?}", text, ours);
            }
            if let (Ok((node, _)), Ok(v)) = (&ours, &theirs) {
                proptest::prop_assert!(same_as_serde(node, v));
            }
        }

        /// Any serde_json value survives: printed, parsed back, and equal.
        #[test]
        fn reads_serde_output(v in json_value()) {
            for text in [serde_json::to_string(&v).unwrap(), serde_json::to_string_pretty(&v).unwrap()] {
                let (node, end) = parse(text.as_bytes(), Mode::Strict, Limits::default()).unwrap();
                proptest::prop_assert_eq!(end, text.len());
                proptest::prop_assert!(same_as_serde(&node, &v));
                proptest::prop_assert_eq!(extent(text.as_bytes(), Mode::Strict, 64), match v {
                    serde_json::Value::Array(_) | serde_json::Value::Object(_) => Extent::Complete(text.len()),
                    _ => Extent::NotDocument(0),
                });
            }
        }

        /// Arbitrary bytes never panic, and errors stay inside the text.
        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            for mode in [Mode::Strict, Mode::Lenient, Mode::LenientInline] {
                match parse(&bytes, mode, Limits::default()) {
                    Ok((_, end)) => proptest::prop_assert!(end <= bytes.len()),
                    Err(e) => proptest::prop_assert!(e.pos <= bytes.len()),
                }
                match extent(&bytes, mode, 64) {
                    Extent::Complete(end) => proptest::prop_assert!(end <= bytes.len()),
                    Extent::NotDocument(pos) => proptest::prop_assert!(pos < bytes.len()),
                    Extent::NeedMore => {}
                }
            }
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<u64>().prop_map(|n| serde_json::json!(n)),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            (-1e12f64..1e12).prop_map(|n| serde_json::json!(n)),
            any::<String>().prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                proptest::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
