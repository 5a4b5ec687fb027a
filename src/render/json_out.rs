//! JSON output of a document tree: compact (like `serde_json::to_string`) or pretty
//! (two-space indent and `": "`, like jq).
//!
//! Numbers are written as their source lexeme, so `119.385040` and
//! `4363689963896700987` survive exactly; object members keep their order (and their
//! duplicates). Strings are escaped per RFC 8259, plus U+2028/U+2029, which are
//! legal JSON but end a line in JavaScript and in some log viewers.

use crate::doc::{Node, Value};
use crate::scan::{block_writer_look, is_writer_look, scan_until};
use crate::tape::{Kind, Piece, View};
use wide::u8x16;

/// Appends `node` as JSON to `out`. No trailing newline is written.
///
/// Number lexemes are trusted as they are: both parsers only produce valid ones.
pub fn write_json(out: &mut Vec<u8>, node: &Node, pretty: bool) {
    write_value(out, &node.value, pretty, 0);
}

fn write_value(out: &mut Vec<u8>, value: &Value, pretty: bool, depth: usize) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(n.as_bytes()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.extend_from_slice(b"[]");
                return;
            }
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, pretty, depth + 1);
                write_value(out, &item.value, pretty, depth + 1);
            }
            newline(out, pretty, depth);
            out.push(b']');
        }
        Value::Object(members) => {
            if members.is_empty() {
                out.extend_from_slice(b"{}");
                return;
            }
            out.push(b'{');
            for (i, m) in members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, pretty, depth + 1);
                write_string(out, &m.key);
                out.extend_from_slice(if pretty { b": " } else { b":" });
                write_value(out, &m.node.value, pretty, depth + 1);
            }
            newline(out, pretty, depth);
            out.push(b'}');
        }
    }
}

/// Appends a tape value as JSON, compact or pretty: byte for byte what
/// [`write_json`] writes for the tree the full parser builds from the same text.
pub fn write_view(out: &mut Vec<u8>, v: View<'_>, pretty: bool) {
    view(out, v, pretty, 0);
}

/// [`write_view`] at `depth`.
fn view(out: &mut Vec<u8>, v: View<'_>, pretty: bool, depth: usize) {
    match v.kind() {
        Kind::Null => out.extend_from_slice(b"null"),
        Kind::True => out.extend_from_slice(b"true"),
        Kind::False => out.extend_from_slice(b"false"),
        Kind::Number => v.raw_span().append_to(out),
        Kind::Str if v.is_plain() => match v.quoted_plain() {
            // Quotes and all, as written: one copy.
            Some(quoted) => quoted.append_to(out),
            None => {
                out.push(b'"');
                v.raw_span().append_to(out);
                out.push(b'"');
            }
        },
        Kind::Str => write_string(out, v.raw()),
        Kind::StrEsc => {
            // Escapes decoded and written again as they come: no buffer between.
            out.push(b'"');
            v.decoded_pieces(|p| match p {
                Piece::Text(t) => write_body(out, t),
                Piece::Char(c) => write_char(out, c),
            });
            out.push(b'"');
        }
        Kind::Object | Kind::Array => {
            let object = v.kind() == Kind::Object;
            let mut children = v.children().peekable();
            if children.peek().is_none() {
                out.extend_from_slice(if object { b"{}" } else { b"[]" });
                return;
            }
            out.push(if object { b'{' } else { b'[' });
            for (i, m) in children.enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, pretty, depth + 1);
                if object {
                    if let Some(key) = m.compact_key() {
                        key.append_to(out);
                        if pretty {
                            out.push(b' ');
                        }
                    } else {
                        if m.key_is_plain() {
                            out.push(b'"');
                            m.key_span().append_to(out);
                            out.push(b'"');
                        } else {
                            write_string(out, m.key());
                        }
                        out.extend_from_slice(if pretty { b": " } else { b":" });
                    }
                }
                view(out, m, pretty, depth + 1);
            }
            newline(out, pretty, depth);
            out.push(if object { b'}' } else { b']' });
        }
    }
}

/// A line break and the indent of the deepest levels most payloads reach.
const INDENTS: &[u8; 33] = b"\n                                ";

/// In pretty mode, a line break and the indent for `depth`.
#[inline(always)]
fn newline(out: &mut Vec<u8>, pretty: bool, depth: usize) {
    if pretty {
        let len = out.len() + 1 + 2 * depth;
        if depth <= 16 {
            // All of INDENTS, then cut: a copy of a known size is a few moves,
            // where a copy of this line's size is a call to memcpy.
            out.extend_from_slice(INDENTS);
            out.truncate(len);
        } else {
            out.push(b'\n');
            out.resize(len, b' ');
        }
    }
}

/// What a byte needs when written inside a JSON string: 0 = nothing, `u` = `\u00XX`,
/// anything else = that letter after a backslash. Only ASCII needs escaping, apart
/// from the U+2028/U+2029 sequences handled in [`write_string`].
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0A] = b'n';
    t[0x0C] = b'f';
    t[0x0D] = b'r';
    t[0x7F] = b'u';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Bytes [`write_string`] has to look at: those [`ESCAPE`] marks, and the lead
/// bytes of the characters escaped for the terminal ([`is_writer_look`]: the
/// tape reader notes the same bytes, so a text without them is copied whole).
/// Everything else is copied as is.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = ESCAPE[i] != 0 || is_writer_look(i as u8);
        i += 1;
    }
    t
};

/// Appends `s` as a quoted JSON string, copying unescaped runs in one piece.
/// Writes `s` as a JSON string literal. Besides what RFC 8259 requires, DEL, C1
/// controls, bidi controls and U+2028/U+2029 are written as `\uXXXX`: the same
/// value, but `wxmsg … --format json | cat` cannot drive a terminal or reorder
/// what it shows.
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    write_body(out, s);
    out.push(b'"');
}

/// [`write_string`] without the quotes. Each character is written on its own
/// terms, so the body of a string can be written piece by piece.
fn write_body(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    let mut i = first_special(bytes, 0);
    if i == bytes.len() {
        out.extend_from_slice(bytes);
        return;
    }
    let mut start = 0;
    while let Some(&b) = bytes.get(i) {
        let esc = ESCAPE[usize::from(b)];
        if esc != 0 {
            out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
            out.push(b'\\');
            if esc == b'u' {
                out.extend_from_slice(b"u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xF) as usize]);
            } else {
                out.push(esc);
            }
            i += 1;
            start = i;
        } else {
            // A lead byte: escape the character only when it is terminal-unsafe.
            match s.get(i..).and_then(|t| t.chars().next()) {
                Some(c) if terminal_unsafe(c) => {
                    out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
                    let v = u32::from(c);
                    out.extend_from_slice(b"\\u");
                    for shift in [12, 8, 4, 0] {
                        out.push(HEX[((v >> shift) & 0xF) as usize]);
                    }
                    i += c.len_utf8();
                    start = i;
                }
                _ => i += 1,
            }
        }
        i = first_special(bytes, i);
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
}

/// One character as [`write_body`] writes it: escaped text (a logger's `\uXXXX`
/// Chinese) decodes to runs of characters, most of them copied as they are.
#[inline(always)]
fn write_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0; 4];
    let len = c.encode_utf8(&mut buf).len();
    if SPECIAL[usize::from(buf[0])] {
        write_body(out, c.encode_utf8(&mut buf));
        return;
    }
    // All four bytes, then the unused cut off: a fixed-size copy is one store,
    // where a copy of one to four bytes is a call.
    out.extend_from_slice(&buf);
    out.truncate(out.len() - (4 - len));
}

/// True when no byte of `b` needs a look from [`write_string`], which then
/// copies it as it is: the usual case.
pub(crate) fn copies_verbatim(b: &[u8]) -> bool {
    first_special(b, 0) == b.len()
}

/// The first byte from `i` that [`SPECIAL`] marks, or the end of `b`; sixteen
/// bytes a step.
#[inline(always)]
fn first_special(b: &[u8], i: usize) -> usize {
    scan_until(b, i, special_lanes, |c| SPECIAL[usize::from(c)])
}

/// [`SPECIAL`] for sixteen bytes at once: bit `k` for byte `k`.
#[inline(always)]
fn special_lanes(v: u8x16) -> u32 {
    let is = |c: u8| v.simd_eq(u8x16::splat(c));
    let control = v.min(u8x16::splat(0x1F)).simd_eq(v);
    (control | is(b'"') | is(b'\\') | block_writer_look(v)).to_bitmask()
}

/// C1 controls, bidi controls and the Unicode line/paragraph separators.
pub(crate) fn terminal_unsafe(c: char) -> bool {
    matches!(c,
        '\u{80}'..='\u{9F}'
        | '\u{61C}'
        | '\u{200E}' | '\u{200F}'
        | '\u{2028}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod view_tests {
    use super::*;
    use crate::parse::{json, Limits};
    use crate::tape::Tape;

    #[test]
    fn pretty_tapes_indent_like_serde_json_at_any_depth() {
        // Indents come from a fixed line up to depth 16, then are built: both
        // ways, and the step between them.
        for depth in 1..24 {
            let text = format!("{}{}", r#"{"k":["#.repeat(depth), "]}".repeat(depth))
                .replace("[]}", "[1]}");
            let (tape, _) = Tape::read(&text, Limits::default()).expect("tape");
            let mut out = Vec::new();
            write_view(&mut out, tape.root(&text), true);
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string_pretty(&value).unwrap(),
                "depth {depth}"
            );
        }
    }

    #[test]
    fn a_tape_is_written_as_its_tree_is_compact_and_pretty() {
        for text in [
            "{}",
            "[]",
            r#"{"a":{},"b":[],"c":[{}],"d":[1,[2,{"e":"x,y:{z}[\"\\"}]],"f":null}"#,
            r#"{"Content":"你好 \u0001 ,:{}[]","MsgId":4363689963896700987,"P":119.385040}"#,
            r#"[[[]],{"":{"":""}},true,false]"#,
            "{\"k\u{e9}y\":\"\\u2028\\u202e\\u007f\",\"x\":\"a\\\"b\",\"\u{202e}\":\"\u{85}\"}",
        ] {
            let (root, _) =
                json::parse(text.as_bytes(), json::Mode::Strict, Limits::default()).unwrap();
            let (tape, _) = Tape::read(text, Limits::default()).expect(text);
            for pretty in [false, true] {
                let mut tree = Vec::new();
                write_json(&mut tree, &root, pretty);
                let mut taped = Vec::new();
                write_view(&mut taped, tape.root(text), pretty);
                assert_eq!(
                    String::from_utf8(taped).unwrap(),
                    String::from_utf8(tree).unwrap(),
                    "{text} (pretty: {pretty})"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Member, XmlForm};

    fn n(value: Value) -> Node {
        Node {
            pos: 0,
            xml: XmlForm::None,
            value,
        }
    }

    fn obj(members: Vec<(&str, Value)>) -> Value {
        Value::Object(
            members
                .into_iter()
                .map(|(k, v)| Member {
                    key: k.to_owned(),
                    key_pos: 0,
                    node: n(v),
                })
                .collect(),
        )
    }

    fn sample() -> Node {
        n(obj(vec![
            ("ToUserName", Value::String("gh_1\"\\/".into())),
            ("CreateTime", Value::Number("1409659813".into())),
            ("MsgId", Value::Number("4561255354251345929".into())),
            ("Location_X", Value::Number("119.385040".into())),
            ("ToBusiness", Value::Bool(true)),
            ("StaffId", Value::Null),
            (
                "Ctl",
                Value::String("\u{0}\u{1f}\u{7f}\n\t\r\u{8}\u{c}é中😀\u{2028}\u{2029}".into()),
            ),
            (
                "List",
                Value::Array(vec![
                    n(obj(vec![("a", Value::Number("1".into()))])),
                    n(Value::Array(vec![])),
                    n(obj(vec![])),
                ]),
            ),
        ]))
    }

    fn render(node: &Node, pretty: bool) -> String {
        let mut out = Vec::new();
        write_json(&mut out, node, pretty);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn terminal_unsafe_characters_are_escaped_but_keep_their_value() {
        let text = "a\u{7f}b\u{9b}c\u{202e}d\u{2028}e\u{2067}f\u{61c}g 中文 👨\u{200d}👩";
        let mut out = Vec::new();
        write_string(&mut out, text);
        let json = String::from_utf8(out).unwrap();
        assert_eq!(
            json,
            "\"a\\u007fb\\u009bc\\u202ed\\u2028e\\u2067f\\u061cg 中文 👨\u{200d}👩\""
        );
        let back: String = serde_json::from_str(&json).unwrap();
        assert_eq!(back, text);
    }

    /// [`write_string`] character by character.
    fn write_string_reference(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{8}' => out.push_str("\\b"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\u{c}' => out.push_str("\\f"),
                '\r' => out.push_str("\\r"),
                c if c < ' ' || c == '\u{7f}' || terminal_unsafe(c) => {
                    out.push_str(&format!("\\u{:04x}", u32::from(c)));
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn strings_are_escaped_as_character_by_character_wherever_the_character_is() {
        // A character of each kind, at every place of strings across the
        // sixteen-byte steps, alone and next to another.
        let odd = [
            '\0', '\u{1f}', '\n', '"', '\\', '\u{7f}', '\u{80}', '\u{9f}', '\u{a0}', '\u{61c}',
            '\u{600}', '\u{200e}', '\u{2028}', '\u{202f}', '\u{2069}', '中', '😂',
        ];
        for len in 0..40 {
            for at in 0..=len {
                for &c in &odd {
                    for &d in &['a', '"', '\u{2029}'] {
                        let text: String = (0..len)
                            .map(|k| {
                                if k == at {
                                    c
                                } else if k == at + 1 {
                                    d
                                } else {
                                    'a'
                                }
                            })
                            .collect();
                        let mut out = Vec::new();
                        write_string(&mut out, &text);
                        assert_eq!(
                            String::from_utf8(out).unwrap(),
                            write_string_reference(&text),
                            "{text:?}"
                        );
                        // Copied as it is only when nothing needs escaping.
                        if copies_verbatim(text.as_bytes()) {
                            assert_eq!(write_string_reference(&text), format!("\"{text}\""));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn compact_matches_serde_json_and_keeps_lexemes() {
        let s = render(&sample(), false);
        let parsed: serde_json::Value = serde_json::from_str(&s).unwrap();
        // Same text as serde_json would print, apart from the lexemes it cannot keep
        // and the U+2028/U+2029 escapes.
        let reprinted = serde_json::to_string(&parsed).unwrap();
        assert_eq!(
            s.replace("\\u2028", "\u{2028}")
                .replace("\\u2029", "\u{2029}")
                .replace("119.385040", "119.38504")
                .replace("\\u007f", "\u{7f}"),
            reprinted
        );
        assert!(s.contains(r#""MsgId":4561255354251345929"#));
        assert!(s.contains(r#""Location_X":119.385040"#));
        assert!(s.contains(r#""\u0000\u001f"#));
        assert!(
            s.contains(r"\u007f") && !s.contains('\u{7f}'),
            "DEL is escaped"
        );
        assert!(s.contains(r#"\n\t\r\b\f"#));
        assert!(s.contains(r#"\u2028\u2029""#));
        assert_eq!(
            parsed["Ctl"].as_str().unwrap(),
            "\u{0}\u{1f}\u{7f}\n\t\r\u{8}\u{c}é中😀\u{2028}\u{2029}"
        );
    }

    #[test]
    fn pretty_is_jq_style() {
        let node = n(obj(vec![
            ("a", Value::Number("1".into())),
            (
                "b",
                Value::Array(vec![
                    n(Value::Bool(false)),
                    n(obj(vec![("c", Value::Null)])),
                ]),
            ),
            ("d", Value::Array(vec![])),
            ("e", obj(vec![])),
        ]));
        let expected = "{\n  \"a\": 1,\n  \"b\": [\n    false,\n    {\n      \"c\": null\n    }\n  ],\n  \"d\": [],\n  \"e\": {}\n}";
        assert_eq!(render(&node, true), expected);
        assert_eq!(
            render(&node, false),
            r#"{"a":1,"b":[false,{"c":null}],"d":[],"e":{}}"#
        );
    }

    #[test]
    fn pretty_parses_to_the_same_structure() {
        let a: serde_json::Value = serde_json::from_str(&render(&sample(), true)).unwrap();
        let b: serde_json::Value = serde_json::from_str(&render(&sample(), false)).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn scalars_and_duplicates() {
        assert_eq!(render(&n(Value::String(String::new())), false), "\"\"");
        assert_eq!(render(&n(Value::Null), true), "null");
        let dup = n(obj(vec![
            ("k", Value::Bool(true)),
            ("k", Value::Bool(false)),
        ]));
        assert_eq!(render(&dup, false), r#"{"k":true,"k":false}"#);
    }
}
