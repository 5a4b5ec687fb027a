//! WeChat XML onto a tape: `<xml>` holding leaf elements and shallow containers.
//!
//! Nearly every WeChat push is one `<xml>` element whose children each hold one
//! CDATA section, bare text, or nothing; `news` replies and some events add a
//! container or two (`<Articles><item>…</item></Articles>`). That shape is read
//! here without a general XML reader; anything else — deeper nesting,
//! attributes, entity references, comments, repeated names, text beside child
//! elements, odd characters — returns `None` and the document goes to
//! [`crate::parse::xml`], which reads all of XML and explains its problems.
//! Everything is entered as the full reader's tree would have it: CDATA as a
//! string, bare text as a number when it is a JSON number lexeme
//! ([`is_canonical_number`]) and as a string otherwise, an empty element as
//! null, a container as an object of its children, or as an array when its
//! children are all `<item>`s.

// `off`: the offset of an entry (`at` names the tag being read here).
use super::{at as off, is_ws, Entry, Kind, RootKeys, Tape, NONE};
use crate::catalog::{key_hash_bytes, same_key as same_bytes};
use crate::doc::{is_canonical_number, XmlForm};
use crate::parse::Limits;
use crate::scan::{scan_digits, scan_name, scan_printable_to_bracket, scan_string};

impl Tape {
    /// Reads an `<xml>…</xml>` document of the shape this module reads at the
    /// start of `text`; returns the tape and the offset just past `</xml>`, or
    /// `None` when the full reader has to look at it.
    pub fn read_xml(text: &str, limits: Limits) -> Option<(Tape, usize)> {
        let mut tape = Tape::default();
        let used = tape.read_xml_into(text, limits)?;
        Some((tape, used))
    }

    /// [`Tape::read_xml`] into this tape, replacing what it held and keeping its
    /// allocation. Returns the offset just past `</xml>`.
    pub fn read_xml_into(&mut self, text: &str, limits: Limits) -> Option<usize> {
        let b = text.as_bytes();
        // Every offset then fits an entry's `u32` as it is.
        if !b.starts_with(b"<xml>") || limits.max_depth == 0 || b.len() >= NONE as usize {
            return None;
        }
        // Not JSON text: never copied as compact JSON.
        self.spaced = true;
        self.verbatim = false;
        self.root_keys = RootKeys::default();
        let entries = &mut self.entries;
        entries.clear();
        // Leaves take 30 bytes or more; most documents fit the minimum.
        entries.reserve((b.len() / 24 + 2).clamp(16, 1024));
        entries.push(Entry {
            kind: Kind::Object,
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
            backslash: false,
            form: XmlForm::Nested,
        });
        let i = children(text, entries, &mut self.root_keys, 0, 5, b"xml", 1, limits)?;
        let count = off(entries.len());
        if let Some(root) = entries.first_mut() {
            root.next = count;
            root.end = off(i);
        }
        Some(i)
    }
}

/// How deep containers may nest below the root on the tape: `news` replies
/// and event details need two (`<Articles><item>`); anything deeper goes to
/// the full reader, which also enforces [`Limits::max_depth`].
const MAX_NESTING: usize = 3;

/// Reads the child elements of the container at entry `parent`, from `i` up to
/// and past its closing `</name>`; returns the offset after it. Children are
/// leaves, or containers of child elements themselves (not deeper than
/// [`MAX_NESTING`]). A container whose children are all `<item>` is an array of
/// them, as the full reader makes it; any other name repeated among siblings is
/// gathered into an array by the full reader, so it is left to that.
#[allow(clippy::too_many_arguments)]
fn children(
    text: &str,
    entries: &mut Vec<Entry>,
    root_keys: &mut RootKeys,
    parent: usize,
    mut i: usize,
    name: &[u8],
    depth: usize,
    limits: Limits,
) -> Option<usize> {
    let b = text.as_bytes();
    // Two bits per name hash: a name whose bits are both set may repeat an
    // earlier one (then compared in full); most documents never get there.
    let (mut seen_a, mut seen_b) = (0u64, 0u64);
    // The root is always the payload's object, even of `<item>`s: only a
    // container below it can be an array.
    let mut all_items = parent != 0;
    let mut repeated = false;
    loop {
        i = skip_ws(b, i);
        let rest = b.get(i..)?;
        if rest.starts_with(b"</")
            && rest
                .get(2..2 + name.len())
                .is_some_and(|n| same_bytes(n, name))
            && rest.get(2 + name.len()) == Some(&b'>')
        {
            i += 3 + name.len();
            break;
        }
        if rest.first() != Some(&b'<') || entries.len() > limits.max_fields {
            return None;
        }
        let at = entries.len();
        let (entry, content) = start_tag(text, i)?;
        let child_name = b.get(entry.key_start as usize..entry.key_end as usize)?;
        // A second root inside the first is an error of the full reader's.
        if child_name == b"xml" {
            return None;
        }
        all_items &= child_name == b"item";
        // A repeated name: compared in full only when both hash bits are set.
        let h = entry.key_hash;
        if parent == 0 {
            root_keys.note(h, child_name, at);
        }
        let (bit_a, bit_b) = (1u64 << (h & 63), 1u64 << ((h >> 6) & 63));
        // Once one name repeats, only whether they are all `<item>`s matters:
        // a long `<item>` list is not compared pairwise.
        if !repeated && seen_a & bit_a != 0 && seen_b & bit_b != 0 {
            let mut k = parent + 1;
            while let Some(e) = entries.get(k) {
                repeated |= e.key_hash == h && same_name(b, e, &entry);
                k = e.next as usize;
            }
        }
        seen_a |= bit_a;
        seen_b |= bit_b;
        if repeated && !all_items {
            return None;
        }
        i = match content {
            Some(content) if is_container(b, content) => {
                if depth > MAX_NESTING || depth >= limits.max_depth {
                    return None;
                }
                entries.push(Entry {
                    kind: Kind::Object,
                    start: off(content),
                    form: XmlForm::Nested,
                    ..entry
                });
                let after = children(
                    text,
                    entries,
                    root_keys,
                    at,
                    content,
                    child_name,
                    depth + 1,
                    limits,
                )?;
                if let Some(e) = entries.get_mut(at) {
                    e.end = off(after);
                }
                after
            }
            _ => {
                let (entry, after) = leaf(text, i, entry, content)?;
                if entry.backslash {
                    // Noted on the root, for `Tape::escaped_text`.
                    if let Some(root) = entries.first_mut() {
                        root.backslash = true;
                    }
                }
                entries.push(entry);
                after
            }
        };
        let next = off(entries.len());
        if let Some(e) = entries.get_mut(at) {
            e.next = next;
        }
    }
    if all_items && entries.len() > parent + 1 {
        let mut k = parent + 1;
        while let Some(e) = entries.get_mut(k) {
            // Array items have no key.
            e.key_pos = u32::MAX;
            e.key_start = 0;
            e.key_end = 0;
            e.key_hash = 0;
            e.key_plain = false;
            k = e.next as usize;
        }
        if let Some(e) = entries.get_mut(parent) {
            e.kind = Kind::Array;
            e.form = XmlForm::Items;
        }
    }
    Some(i)
}

/// True when the content of an element, from `content`, is child elements:
/// after any whitespace, a start tag (not text, CDATA or the element's end).
fn is_container(b: &[u8], content: usize) -> bool {
    let k = skip_ws(b, content);
    b.get(k) == Some(&b'<') && b.get(k + 1).is_some_and(|&c| is_name_start(c))
}

/// The offset of the first byte at or after `i` that is not whitespace.
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|&c| is_ws(c)) {
        i += 1;
    }
    i
}

/// Bytes an element name may start with (the rest: [`scan_name`]).
fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

/// Whether two entries have the same name.
fn same_name(b: &[u8], x: &Entry, y: &Entry) -> bool {
    let name = |e: &Entry| {
        b.get(e.key_start as usize..e.key_end as usize)
            .unwrap_or_default()
    };
    same_bytes(name(x), name(y))
}

/// Reads a start tag at its `<`: the element's entry as a leaf without content
/// (`<Name/>`, null), and where its content starts (`None` for `<Name/>`).
#[inline(always)]
fn start_tag(text: &str, at: usize) -> Option<(Entry, Option<usize>)> {
    let b = text.as_bytes();
    let name_start = at + 1;
    let name_end = scan_name(b, name_start);
    let first = *b.get(name_start)?;
    if name_end == name_start || !is_name_start(first) {
        return None;
    }
    let name = b.get(name_start..name_end)?;
    let entry = Entry {
        kind: Kind::Null,
        pos: off(at),
        start: off(name_end),
        end: off(name_end),
        next: 0,
        key_pos: off(at),
        key_start: off(name_start),
        key_end: off(name_end),
        key_hash: key_hash_bytes(name),
        plain: false,
        key_plain: true,
        backslash: false,
        form: XmlForm::Empty,
    };
    match b.get(name_end)? {
        b'/' if b.get(name_end + 1)? == &b'>' => Some((entry, None)),
        b'>' => Some((entry, Some(name_end + 1))),
        _ => None,
    }
}

/// Reads the rest of a leaf element whose start tag [`start_tag`] read: its
/// text (CDATA, bare or none) and its end tag. The entry and the offset after it.
#[inline(always)]
fn leaf(text: &str, at: usize, mut entry: Entry, content: Option<usize>) -> Option<(Entry, usize)> {
    let b = text.as_bytes();
    let Some(i) = content else {
        // `<Name/>`.
        let end = entry.key_end as usize;
        return Some((entry, end + 2));
    };
    // See `Entry::backslash`.
    let mut escaped = false;
    let name = b.get(at + 1..entry.key_end as usize)?;
    let content_start = i;
    let close_at;
    if b.get(i..)?.starts_with(b"<![CDATA[") {
        let body = i + 9;
        // Usually one pass: printable ASCII without quotes or backslashes up to
        // the first `]`, which starts `]]>`. That text is checked and plain.
        let k = scan_printable_to_bracket(b, body);
        let len = if b.get(k..k + 3) == Some(b"]]>") {
            entry.plain = true;
            k - body
        } else {
            let len = cdata_end(b.get(body..)?)?;
            let body_text = b.get(body..body + len)?;
            let (plain, stop) = checked_text(body_text)?;
            entry.plain = plain;
            escaped = backslash_from(body_text, stop);
            len
        };
        entry.kind = Kind::Str;
        entry.form = XmlForm::Cdata;
        entry.start = off(body);
        entry.end = off(body + len);
        close_at = body + len + 3;
    } else {
        // Usually digits (times and ids): then no `&`, `]]>` or odd character.
        let digits = scan_digits(b, i) - i;
        let len = match b.get(i + digits) {
            Some(b'<') => digits,
            _ => memchr::memchr(b'<', b.get(i..)?)?,
        };
        if len > 0 {
            let content = b.get(i..i + len)?;
            // Digits alone are plain text; anything else is looked through.
            entry.plain = len == digits || {
                // Entity references are resolved by the full reader; `]]>`
                // outside CDATA is an error there.
                if memchr::memchr(b'&', content).is_some() || cdata_end(content).is_some() {
                    return None;
                }
                let (plain, stop) = checked_text(content)?;
                escaped = backslash_from(content, stop);
                plain
            };
            // Cut at `>` and `<`: always on character boundaries.
            let content = text.get(i..i + len)?;
            // Digits alone (times and ids) need no second look: a number
            // unless they start with a zero.
            let number = if len == digits {
                len == 1 || b.get(i) != Some(&b'0')
            } else {
                is_canonical_number(content)
            };
            entry.kind = if number { Kind::Number } else { Kind::Str };
            entry.form = XmlForm::Plain;
            entry.start = off(content_start);
            entry.end = off(content_start + len);
        }
        close_at = i + len;
    }
    // Exactly `</Name>` must follow.
    let close = b.get(close_at..)?;
    if close.first() != Some(&b'<')
        || close.get(1) != Some(&b'/')
        || !same_bytes(close.get(2..2 + name.len())?, name)
        || close.get(2 + name.len()) != Some(&b'>')
    {
        return None;
    }
    entry.backslash = escaped;
    Some((entry, close_at + 3 + name.len()))
}

/// Whether text `s` holds a backslash, given where its first quote,
/// backslash or control character is ([`checked_text`]): most text holds
/// none of them.
fn backslash_from(s: &[u8], stop: usize) -> bool {
    match s.get(stop) {
        None => false,
        Some(b'\\') => true,
        Some(_) => memchr::memchr(b'\\', s.get(stop + 1..).unwrap_or_default()).is_some(),
    }
}

/// Where the first `]]>` in `s` starts. Brackets are rare in element text, so
/// a `memchr` for them beats a substring searcher's setup on short text.
#[inline(always)]
fn cdata_end(s: &[u8]) -> Option<usize> {
    let mut from = 0;
    loop {
        let k = from + memchr::memchr(b']', s.get(from..)?)?;
        if s.get(k + 1..k + 3) == Some(b"]>") {
            return Some(k);
        }
        from = k + 1;
    }
}

/// Checks that every character of element text is an XML character (no control
/// characters but tab, LF and CR; not U+FFFE / U+FFFF); `None` when one is not.
/// Otherwise tells whether the text is printable ASCII that JSON needs no escape
/// for (written into JSON as it is), and where its first quote, backslash or
/// control character is (its length when none).
fn checked_text(s: &[u8]) -> Option<(bool, usize)> {
    // Usually one word-at-a-time pass: no quote, backslash, control or
    // non-ASCII byte at all.
    let (stop, unusual, _) = scan_string(s, 0);
    if stop == s.len() && !unusual {
        return Some((true, stop));
    }
    // The scan stops at the first control character, if any: none before it.
    let controls = s
        .get(stop..)
        .unwrap_or_default()
        .iter()
        .any(|&c| c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'));
    let non_chars = memchr::memchr_iter(0xEF, s)
        .any(|k| s.get(k + 1) == Some(&0xBF) && matches!(s.get(k + 2), Some(0xBE | 0xBF)));
    if controls || non_chars {
        return None;
    }
    Some((false, stop))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::xml;

    fn read(t: &str) -> Option<(Tape, usize)> {
        Tape::read_xml(t, Limits::default())
    }

    #[test]
    fn leaves_are_entered_as_the_full_reader_types_them() {
        let t = "<xml><A><![CDATA[x y]]></A>\n <B>123</B><C>1.50</C><D/><E></E><F> 1</F><G>054</G><H>0</H></xml>tail";
        let (tape, used) = read(t).unwrap();
        assert_eq!(&t[used..], "tail");
        let (full, full_used, _) = xml::parse(t.as_bytes(), Limits::default()).unwrap();
        assert_eq!(used, full_used);
        let root = tape.root(t);
        let got: Vec<(&str, Kind, XmlForm, &str, u32)> = root
            .children()
            .map(|m| (m.key(), m.kind(), m.form(), m.raw(), m.pos()))
            .collect();
        assert_eq!(
            got,
            [
                ("A", Kind::Str, XmlForm::Cdata, "x y", 5),
                ("B", Kind::Number, XmlForm::Plain, "123", 29),
                ("C", Kind::Number, XmlForm::Plain, "1.50", 39),
                ("D", Kind::Null, XmlForm::Empty, "", 50),
                ("E", Kind::Null, XmlForm::Empty, "", 54),
                ("F", Kind::Str, XmlForm::Plain, " 1", 61),
                ("G", Kind::Str, XmlForm::Plain, "054", 70),
                ("H", Kind::Number, XmlForm::Plain, "0", 80),
            ]
        );
        for (m, f) in root.children().zip(full.members()) {
            assert_eq!(
                (m.key(), m.pos(), m.form()),
                (f.key.as_str(), f.node.pos, f.node.xml)
            );
        }
    }

    #[test]
    fn backslashes_in_text_are_noted_while_reading() {
        let leaves = [
            "plain",
            r"C:\temp",
            r"\xE4\xBD\xA0",
            r#"say "hi" \ bye"#,
            r"你好\n",
            "你好",
            "a ] b",
            r"a ] \ b",
        ];
        for leaf in leaves {
            for t in [
                format!("<xml><A><![CDATA[{leaf}]]></A><B>1</B></xml>"),
                format!("<xml><B>1</B><A>{leaf}</A></xml>"),
            ] {
                let (tape, _) = read(&t).unwrap();
                let root = tape.root(&t);
                let a = root.children().find(|m| m.key() == "A").unwrap();
                let held = leaf.contains('\\');
                assert_eq!(a.has_backslash(), held, "{t}");
                assert_eq!(tape.escaped_text(), held, "{t}");
            }
        }
    }

    #[test]
    fn anything_but_flat_leaves_goes_to_the_full_reader() {
        for t in [
            "<xml ><A>1</A></xml>",
            "<xml a=\"1\"><A>1</A></xml>",
            "<xml><A b=\"1\">1</A></xml>",
            "<xml><A>x<B>1</B></A></xml>",
            "<xml><A><B>1</B>x</A></xml>",
            "<xml><A><B>1</B><B>2</B></A></xml>",
            "<xml><A><item>1</item><B>2</B><item>3</item></A></xml>",
            "<xml><A><item>1</item><item>2</item><B>3</B></A></xml>",
            "<xml><item>1</item><item>2</item></xml>",
            "<xml><A><xml>1</xml></A></xml>",
            "<xml><A><B><C><D><E>1</E></D></C></B></A></xml>",
            "<xml><A><B>1</A></B></xml>",
            "<xml><A>a &amp; b</A></xml>",
            "<xml><A>x<![CDATA[y]]></A></xml>",
            "<xml><A> <![CDATA[y]]></A></xml>",
            "<xml><A><![CDATA[y]]> </A></xml>",
            "<xml><A>1</A><A>2</A></xml>",
            "<xml><!-- c --><A>1</A></xml>",
            "<xml><A>1</B></xml>",
            "<xml><A>1</A >",
            "<xml><A>a]]>b</A></xml>",
            "<xml><A>\u{1}</A></xml>",
            "<xml><A><![CDATA[\u{fffe}]]></A></xml>",
            "<xml><A>1</A>",
            "<xml><1A>1</1A></xml>",
            "<xml><a:b>1</a:b></xml>",
        ] {
            assert!(read(t).is_none(), "{t}");
        }
    }

    /// The tape value `v` against the full reader's node: kind, position, XML
    /// form, text and keys, all the way down.
    fn same_as_full(v: crate::tape::View<'_>, n: &crate::doc::Node, t: &str) {
        use crate::doc::Value;
        assert_eq!((v.pos(), v.form()), (n.pos, n.xml), "{t} at {}", v.pos());
        match &n.value {
            Value::Object(members) => {
                assert_eq!(v.kind(), Kind::Object, "{t}");
                let got: Vec<_> = v.children().collect();
                assert_eq!(got.len(), members.len(), "{t}");
                for (c, m) in got.into_iter().zip(members) {
                    assert_eq!(c.key(), m.key, "{t}");
                    same_as_full(c, &m.node, t);
                }
            }
            Value::Array(items) => {
                assert_eq!(v.kind(), Kind::Array, "{t}");
                let got: Vec<_> = v.children().collect();
                assert_eq!(got.len(), items.len(), "{t}");
                for (c, item) in got.into_iter().zip(items) {
                    assert_eq!(c.key(), "", "{t}");
                    same_as_full(c, item, t);
                }
            }
            Value::String(s) => assert_eq!((v.kind(), v.raw()), (Kind::Str, s.as_str()), "{t}"),
            Value::Number(s) => {
                assert_eq!((v.kind(), v.raw()), (Kind::Number, s.as_str()), "{t}")
            }
            Value::Null => assert_eq!(v.kind(), Kind::Null, "{t}"),
            Value::Bool(_) => panic!("the reader makes no booleans: {t}"),
        }
    }

    #[test]
    fn nested_elements_are_entered_as_the_full_reader_builds_them() {
        for t in [
            "<xml><A><B>1</B><C><![CDATA[c]]></C></A><D>2</D></xml>",
            "<xml><Articles><item><Title><![CDATA[t]]></Title><Url><![CDATA[u]]></Url></item>\n  <item><Title><![CDATA[t2]]></Title><Url/></item></Articles><Count>2</Count></xml>",
            "<xml><Labels><item>a</item><item/><item>3</item></Labels></xml>",
            "<xml><P><item>1</item></P></xml>",
            "<xml><S><Pics><item><Md5><![CDATA[m]]></Md5></item></Pics></S></xml>",
            "<xml><A>\n  <B> x </B>\n</A><E>  </E></xml>",
        ] {
            let (tape, used) = read(t).expect(t);
            let (full, full_used, _) = xml::parse(t.as_bytes(), Limits::default()).expect(t);
            assert_eq!(used, full_used, "{t}");
            same_as_full(tape.root(t), &full, t);
            // Each container's `next` passes over exactly its subtree.
            assert_eq!(tape.root(t).subtree().count(), tape.entries.len(), "{t}");
        }
    }

    #[test]
    fn quick_paths_for_cdata_and_digits_agree_with_the_general_one() {
        for leaf in [
            "<![CDATA[a]b]]>",
            "<![CDATA[a]]b]]>",
            "<![CDATA[]]>",
            "<![CDATA[]]]>",
            "<![CDATA[a\"b]]>",
            "<![CDATA[a\\b]]>",
            "<![CDATA[中文]]>",
            "<![CDATA[tab\there]]>",
            "<![CDATA[0123456789abcdefghij]]>",
            "0",
            "0123",
            "1702716508",
            "12a",
            "12 ",
            "1.5",
            "-3",
            "",
        ] {
            let t = format!("<xml><A>{leaf}</A></xml>");
            let (tape, _) = read(&t).expect(&t);
            let (full, _, _) = xml::parse(t.as_bytes(), Limits::default()).unwrap();
            same_as_full(tape.root(&t), &full, &t);
            let a = tape.root(&t).children().next().unwrap();
            let general = checked_text(a.raw().as_bytes()).is_some_and(|(plain, _)| plain);
            assert_eq!(a.is_plain(), general && a.kind() != Kind::Null, "{t}");
        }
        for t in [
            "<xml><A>12&amp;</A></xml>",
            "<xml><A>12]]></A></xml>",
            "<xml><A>12",
            "<xml><A><![CDATA[a]]",
            "<xml><A><![CDATA[\u{1}]]></A></xml>",
        ] {
            assert!(read(t).is_none(), "{t}");
        }
    }

    #[test]
    fn limits_send_documents_to_the_full_reader() {
        let t = "<xml><A>1</A><B>2</B><C>3</C></xml>";
        let fields = |max_fields| Limits {
            max_depth: 64,
            max_fields,
        };
        assert!(Tape::read_xml(t, fields(3)).is_some());
        assert!(Tape::read_xml(t, fields(2)).is_none());
    }
}
