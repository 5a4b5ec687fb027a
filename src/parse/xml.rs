//! The WeChat XML reader: one `<xml>…</xml>` document → a [`Node`] tree.
//!
//! WeChat XML is a tiny dialect: a root `<xml>`, elements without attributes, text in
//! CDATA (strings) or bare (numbers), arrays as `<item>` children or as repeated
//! sibling elements. The reader maps it onto the shared tree and records, in
//! [`XmlForm`], what the XML itself said about each value, so the catalogue typing
//! pass ([`crate::typing`]) can fix only what XML cannot express.
//!
//! quick-xml is a non-validating pull parser: it neither checks that the document is
//! complete, nor limits depth, nor rejects raw control characters, and since 0.38 it
//! hands every `&name;` over as a separate event. All of that is done here.

use std::collections::HashMap;

use quick_xml::errors::{Error as QxError, IllFormedError, SyntaxError};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;

use super::{Extent, Limits, ParseError};
use crate::diag::Code;
use crate::doc::{is_canonical_number, Member, Node, Value, XmlForm};

/// A non-fatal finding made while reading (attributes dropped, mixed content, …).
#[derive(Clone, Debug, PartialEq)]
pub struct XmlNote {
    /// Byte offset (relative to the parsed slice) of the element or text concerned.
    pub pos: usize,
    pub code: Code,
    pub message: String,
}

/// Longest excerpt of dropped text or attributes quoted in a note; hostile input can
/// make either arbitrarily long, and the note only has to identify it.
const EXCERPT_CHARS: usize = 60;

/// One element being read: everything needed to build its [`Node`] at the end tag.
struct Frame {
    name: String,
    pos: usize,
    /// Concatenated character data (Text, CDATA and resolved references, in order).
    text: String,
    /// At least one CDATA section contributed to `text`.
    cdata: bool,
    /// Any character data event at all was seen (`<a></a>` has none).
    content: bool,
    /// Where the first non-whitespace character data started (for mixed-content notes).
    text_pos: Option<usize>,
    children: Vec<Child>,
}

struct Child {
    name: String,
    pos: usize,
    node: Node,
}

impl Frame {
    fn new(name: &str, pos: usize) -> Frame {
        Frame {
            name: name.to_owned(),
            pos,
            text: String::new(),
            cdata: false,
            content: false,
            text_pos: None,
            children: Vec::new(),
        }
    }

    /// Adds character data; `cdata` says whether it came from a CDATA section.
    fn push_text(&mut self, s: &str, pos: usize, cdata: bool) {
        self.content = true;
        self.cdata |= cdata;
        if self.text_pos.is_none() && (cdata && !s.is_empty() || !is_xml_whitespace(s)) {
            self.text_pos = Some(pos);
        }
        self.text.push_str(s);
    }

    /// Called when a child element starts: formatting whitespace between children is
    /// dropped now so that a long list of children does not accumulate it.
    fn child_starts(&mut self) {
        if self.text_pos.is_none() {
            self.text.clear();
        }
    }
}

/// Parses one WeChat XML document.
///
/// `text` must start with the `<xml` start tag (an XML declaration, comments and
/// whitespace before it are tolerated). Reading stops at the matching `</xml>`:
/// whatever follows is not looked at. Returns the root node (an object of the root's
/// children), the byte offset just past `</xml>`, and non-fatal notes.
pub fn parse(text: &[u8], limits: Limits) -> Result<(Node, usize, Vec<XmlNote>), ParseError> {
    let mut reader = Reader::from_reader(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut notes: Vec<XmlNote> = Vec::new();
    let mut fields = 0usize;
    loop {
        let pos = to_usize(reader.buffer_position());
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => return Err(map_error(e, text, pos, to_usize(reader.error_position()))),
        };
        match event {
            Event::Start(e) if stack.is_empty() => {
                open_root(&e, pos, &mut notes)?;
                stack.push(Frame::new("xml", pos));
            }
            Event::Empty(e) if stack.is_empty() => {
                open_root(&e, pos, &mut notes)?;
                let root = Node {
                    pos: to_u32(pos),
                    xml: XmlForm::Nested,
                    value: Value::Object(Vec::new()),
                };
                let end = to_usize(reader.buffer_position());
                check_chars(text, end)?;
                return Ok((root, end, notes));
            }
            Event::Start(e) => {
                let frame = open_child(&e, pos, &mut stack, &mut fields, limits, &mut notes)?;
                stack.push(frame);
            }
            Event::Empty(e) => {
                let frame = open_child(&e, pos, &mut stack, &mut fields, limits, &mut notes)?;
                let node = Node {
                    pos: to_u32(pos),
                    xml: XmlForm::Empty,
                    value: Value::Null,
                };
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Child {
                        name: frame.name,
                        pos,
                        node,
                    });
                }
            }
            Event::End(_) => {
                // quick-xml has already checked that the end tag names the open element.
                let Some(frame) = stack.pop() else {
                    return Err(ParseError::new(
                        pos,
                        Code::XmlSyntax,
                        "an end tag appears before the <xml> start tag",
                    ));
                };
                let is_root = stack.is_empty();
                let (name, child_pos, node) = finish(frame, is_root, &mut notes);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Child {
                        name,
                        pos: child_pos,
                        node,
                    }),
                    None => {
                        let end = to_usize(reader.buffer_position());
                        check_chars(text, end)?;
                        return Ok((node, end, notes));
                    }
                }
            }
            Event::Text(t) => match stack.last_mut() {
                Some(frame) => {
                    // XML 1.0 §2.4: `]]>` may not appear in text outside a CDATA
                    // section. Its meaning is plain, so it is read as text, but
                    // not in silence (reliability X7).
                    if let Some(i) = t.find("]]>") {
                        notes.push(XmlNote {
                            pos: pos + i,
                            code: Code::XmlNotWellFormed,
                            message: format!(
                                "`]]>` in the text of <{}> outside a CDATA section is not well-formed XML; it was read as text (write `]]&gt;`, or keep it inside CDATA split as `]]]]><![CDATA[>`)",
                                excerpt(&frame.name)
                            ),
                        });
                    }
                    frame.push_text(&t, pos, false)
                }
                None if is_xml_whitespace(&t) => {}
                None => {
                    return Err(ParseError::new(
                        pos,
                        Code::XmlRoot,
                        "text appears before the <xml> start tag",
                    ))
                }
            },
            Event::CData(c) => match stack.last_mut() {
                Some(frame) => frame.push_text(&c, pos, true),
                None => {
                    return Err(ParseError::new(
                        pos,
                        Code::XmlRoot,
                        "a CDATA section appears before the <xml> start tag",
                    ))
                }
            },
            Event::GeneralRef(r) => {
                let mut buf = [0u8; 4];
                let resolved = resolve_ref(&r, pos, &mut buf)?;
                match stack.last_mut() {
                    Some(frame) => frame.push_text(resolved, pos, false),
                    None => {
                        return Err(ParseError::new(
                            pos,
                            Code::XmlRoot,
                            "text appears before the <xml> start tag",
                        ))
                    }
                }
            }
            Event::DocType(_) => {
                // Never expanded, never even read: DTDs are how billion-laughs and
                // external-entity attacks get in, and WeChat never sends one.
                return Err(ParseError::new(
                    pos,
                    Code::DoctypeRefused,
                    "a <!DOCTYPE> declaration is not allowed in WeChat XML; it was not read",
                ));
            }
            // Not part of the payload; the declaration only matters before the root.
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
            Event::Eof => return Err(eof_error(text.len(), &stack)),
        }
    }
}

/// Checks the root start tag: it must be `<xml>`.
fn open_root(e: &BytesStart<'_>, pos: usize, notes: &mut Vec<XmlNote>) -> Result<(), ParseError> {
    let name = e.name();
    if name.as_ref() != "xml" {
        return Err(ParseError::new(
            pos,
            Code::XmlRoot,
            format!(
                "the root element is <{}>; WeChat XML documents are <xml>…</xml>",
                excerpt(name.as_ref())
            ),
        ));
    }
    attribute_note(e, pos, notes);
    Ok(())
}

/// Checks a child element's start tag against the limits and the WeChat rules, and
/// returns its frame (the caller pushes it, or turns it into an empty node).
fn open_child(
    e: &BytesStart<'_>,
    pos: usize,
    stack: &mut [Frame],
    fields: &mut usize,
    limits: Limits,
    notes: &mut Vec<XmlNote>,
) -> Result<Frame, ParseError> {
    let name = e.name();
    let name = name.as_ref();
    if name == "xml" {
        // Documents in logs follow each other; a second root inside the first means
        // the first was cut off, which is what the user needs to hear.
        return Err(ParseError::new(
            pos,
            Code::Truncated,
            "a new <xml> document starts before this one is closed",
        ));
    }
    if !is_name(name) {
        return Err(ParseError::new(
            pos,
            Code::XmlSyntax,
            format!("<{}> is not a valid XML element name", excerpt(name)),
        ));
    }
    // Depth counts containers, as the JSON parser does: `{"a":[1]}` is depth 2 in
    // JSON and `<xml><a><item>1</item></a></xml>` opens 3 elements, the last a
    // leaf. So a leaf may sit one level below the limit; anything written from
    // JSON within the limit reads back within it.
    let depth = stack.len() + 1;
    if depth > limits.max_depth.saturating_add(1) {
        return Err(ParseError::new(
            pos,
            Code::TooDeep,
            format!(
                "elements are nested deeper than the limit of {}",
                limits.max_depth
            ),
        ));
    }
    *fields += 1;
    if *fields > limits.max_fields {
        return Err(ParseError::new(
            pos,
            Code::TooManyFields,
            format!("the document has more than {} elements", limits.max_fields),
        ));
    }
    attribute_note(e, pos, notes);
    if let Some(parent) = stack.last_mut() {
        parent.child_starts();
    }
    Ok(Frame::new(name, pos))
}

/// Notes attributes on an element: WeChat never sends any, so they are dropped.
fn attribute_note(e: &BytesStart<'_>, pos: usize, notes: &mut Vec<XmlNote>) {
    let raw = e
        .attributes_raw()
        .trim_matches(|c: char| is_xml_ws_char(c) || c == '/');
    if raw.is_empty() {
        return;
    }
    notes.push(XmlNote {
        pos,
        code: Code::XmlAttribute,
        message: format!(
            "attributes on <{}> are not part of WeChat payloads and were dropped: {}",
            excerpt(e.name().as_ref()),
            quoted_excerpt(raw)
        ),
    });
}

/// Builds the node of a closed element: `(name, pos, node)`.
fn finish(frame: Frame, is_root: bool, notes: &mut Vec<XmlNote>) -> (String, usize, Node) {
    let Frame {
        name,
        pos,
        text,
        cdata,
        content,
        text_pos,
        children,
    } = frame;
    let pos32 = to_u32(pos);
    if children.is_empty() && !is_root {
        let node = if cdata {
            Node {
                pos: pos32,
                xml: XmlForm::Cdata,
                value: Value::String(text),
            }
        } else if !content {
            Node {
                pos: pos32,
                xml: XmlForm::Empty,
                value: Value::Null,
            }
        } else {
            // Bare text is the only place XML hints at a number; whitespace is kept
            // (never trimmed), so " 1" stays the string it was written as.
            let value = if is_canonical_number(&text) {
                Value::Number(text)
            } else {
                Value::String(text)
            };
            Node {
                pos: pos32,
                xml: XmlForm::Plain,
                value,
            }
        };
        return (name, pos, node);
    }
    if let Some(tp) = text_pos {
        let shown = text.trim_matches(is_xml_ws_char);
        let message = if is_root {
            format!(
                "text directly inside <xml> is not part of the payload and was dropped: {}",
                quoted_excerpt(shown)
            )
        } else {
            format!(
                "text beside the child elements of <{}> is not part of the payload and was dropped: {}",
                excerpt(&name),
                quoted_excerpt(shown)
            )
        };
        notes.push(XmlNote {
            pos: tp,
            code: Code::XmlMixedContent,
            message,
        });
    }
    // The root is always an object: the JSON form of a payload is the flat object of
    // its children, even when they happen to be called `item`.
    if !is_root && children.iter().all(|c| c.name == "item") {
        let items = children.into_iter().map(|c| c.node).collect();
        let node = Node {
            pos: pos32,
            xml: XmlForm::Items,
            value: Value::Array(items),
        };
        return (name, pos, node);
    }
    let node = Node {
        pos: pos32,
        xml: XmlForm::Nested,
        value: Value::Object(gather(children)),
    };
    (name, pos, node)
}

/// Turns child elements into object members; elements repeated as siblings become
/// one member (at the first occurrence) holding an array.
fn gather(children: Vec<Child>) -> Vec<Member> {
    let n = children.len();
    // first[i]: index of the first child with the same name as child i.
    let mut first: Vec<usize> = Vec::with_capacity(n);
    let mut count: Vec<usize> = vec![0; n];
    {
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(n);
        for (i, c) in children.iter().enumerate() {
            let f = *seen.entry(c.name.as_str()).or_insert(i);
            first.push(f);
            if let Some(k) = count.get_mut(f) {
                *k += 1;
            }
        }
    }
    if first.iter().enumerate().all(|(i, &f)| i == f) {
        return children
            .into_iter()
            .map(|c| Member {
                key: c.name,
                key_pos: to_u32(c.pos),
                node: c.node,
            })
            .collect();
    }
    let mut members: Vec<Member> = Vec::with_capacity(n);
    // slot[i]: member index of the group whose first child is i.
    let mut slot: Vec<usize> = vec![usize::MAX; n];
    for (i, c) in children.into_iter().enumerate() {
        let f = first.get(i).copied().unwrap_or(i);
        if f == i {
            let node = if count.get(i).copied().unwrap_or(1) > 1 {
                Node {
                    pos: to_u32(c.pos),
                    xml: XmlForm::Siblings,
                    value: Value::Array(vec![c.node]),
                }
            } else {
                c.node
            };
            if let Some(s) = slot.get_mut(i) {
                *s = members.len();
            }
            members.push(Member {
                key: c.name,
                key_pos: to_u32(c.pos),
                node,
            });
        } else if let Some(m) = slot.get(f).and_then(|&s| members.get_mut(s)) {
            if let Value::Array(items) = &mut m.node.value {
                items.push(c.node);
            }
        }
    }
    members
}

/// Resolves one entity or character reference (`r` is the text between `&` and `;`).
fn resolve_ref<'b>(
    r: &BytesRef<'_>,
    pos: usize,
    buf: &'b mut [u8; 4],
) -> Result<&'b str, ParseError> {
    let name: &str = r;
    let predefined = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    };
    let c = match predefined {
        Some(c) => c,
        None if r.is_char_ref() => match r.resolve_char_ref() {
            // Controls such as &#27; are legal to read here; renderers neutralise them.
            Ok(Some(c)) if c != '\u{FFFE}' && c != '\u{FFFF}' => c,
            _ => {
                return Err(ParseError::new(
                    pos,
                    Code::XmlSyntax,
                    format!(
                        "&{}; does not name a character allowed in XML",
                        excerpt(name)
                    ),
                ))
            }
        },
        None => {
            return Err(ParseError::new(
                pos,
                Code::UnknownEntity,
                format!(
                    "unknown entity &{}; (only &amp; &lt; &gt; &quot; &apos; and numeric references are defined)",
                    excerpt(name)
                ),
            ))
        }
    };
    Ok(c.encode_utf8(buf))
}

/// The error for an input that ends before `</xml>`.
fn eof_error(len: usize, stack: &[Frame]) -> ParseError {
    let message = match stack.last() {
        None => "the input ends before the <xml> start tag".to_owned(),
        Some(f) if stack.len() == 1 => format!(
            "the input ends before </xml> (the document starts at byte {})",
            f.pos
        ),
        Some(f) => format!(
            "the input ends inside <{}> (opened at byte {}) before </xml>",
            excerpt(&f.name),
            f.pos
        ),
    };
    ParseError::new(len, Code::Truncated, message)
}

/// Translates a quick-xml error. `start` is where the failing event began and
/// `err_pos` is quick-xml's own error position.
fn map_error(e: QxError, text: &[u8], start: usize, err_pos: usize) -> ParseError {
    match e {
        QxError::Encoding(_) => {
            // quick-xml validates UTF-8 per event; find the exact offending byte.
            let rest = text.get(start..).unwrap_or_default();
            let bad = match std::str::from_utf8(rest) {
                Ok(_) => start,
                Err(u) => start + u.valid_up_to(),
            };
            ParseError::new(bad, Code::InvalidUtf8, "the bytes are not valid UTF-8")
        }
        QxError::Syntax(SyntaxError::InvalidBangMarkup)
            if text.len() <= err_pos.saturating_add(2) =>
        {
            ParseError::new(err_pos, Code::Truncated, "the input ends inside `<!`")
        }
        QxError::Syntax(SyntaxError::InvalidBangMarkup) => ParseError::new(
            err_pos,
            Code::XmlSyntax,
            SyntaxError::InvalidBangMarkup.to_string(),
        ),
        // Refused for what it is, not reported as truncation: it is never read anyway.
        QxError::Syntax(SyntaxError::UnclosedDoctype) => ParseError::new(
            err_pos,
            Code::DoctypeRefused,
            "a <!DOCTYPE> declaration is not allowed in WeChat XML; it was not read",
        ),
        // Every other syntax error quick-xml has means "the input ended inside markup".
        QxError::Syntax(s) => ParseError::new(err_pos, Code::Truncated, s.to_string()),
        QxError::IllFormed(IllFormedError::UnclosedReference) => {
            let after = text.get(err_pos.saturating_add(1)..).unwrap_or_default();
            if memchr::memchr3(b'<', b'&', b';', after).is_none() {
                ParseError::new(
                    err_pos,
                    Code::Truncated,
                    "the input ends inside an entity reference",
                )
            } else {
                ParseError::new(
                    err_pos,
                    Code::XmlSyntax,
                    "a bare `&` in text must be written as &amp;",
                )
            }
        }
        QxError::IllFormed(i) => ParseError::new(err_pos, Code::XmlSyntax, i.to_string()),
        other => ParseError::new(err_pos, Code::XmlSyntax, other.to_string()),
    }
}

/// Rejects raw characters XML 1.0 does not allow anywhere in a document (quick-xml
/// accepts them).
fn check_chars(text: &[u8], end: usize) -> Result<(), ParseError> {
    let doc = text.get(..end).unwrap_or(text);
    match first_invalid_char(doc) {
        None => Ok(()),
        Some(i) => {
            let message = match doc.get(i) {
                Some(&b) if b < 0x20 => {
                    format!("the control character U+{b:04X} is not allowed in XML")
                }
                _ => "the noncharacters U+FFFE and U+FFFF are not allowed in XML".to_owned(),
            };
            Err(ParseError::new(i, Code::XmlSyntax, message))
        }
    }
}

/// Byte offset of the first character in UTF-8 `bytes` that XML 1.0 does not allow:
/// C0 controls other than tab, LF and CR, and U+FFFE / U+FFFF. (Surrogates cannot
/// occur in valid UTF-8.) A byte scan, because this runs over whole documents.
pub(crate) fn first_invalid_char(bytes: &[u8]) -> Option<usize> {
    // Bytes that may start a disallowed character: C0 controls but tab, LF and
    // CR, and 0xEF (U+FFFE / U+FFFF start with it). One table lookup per byte.
    static SUSPECT: [bool; 256] = {
        let mut t = [false; 256];
        let mut b = 0;
        while b < 0x20 {
            t[b] = !matches!(b as u8, b'\t' | b'\n' | b'\r');
            b += 1;
        }
        t[0xEF] = true;
        t
    };
    let mut i = 0;
    while let Some(skip) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| SUSPECT[usize::from(b)]))
    {
        i += skip;
        if bytes.get(i) != Some(&0xEF)
            || (bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)))
        {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Where a WeChat XML document starting at `text[0]` ends, by a cheap scan.
///
/// Skips CDATA sections and comments, and pairs `<xml` with `</xml>`. A second `<xml`
/// start tag before the first document is closed means the first was truncated:
/// [`Extent::NotDocument`] at that tag. Never allocates.
pub fn extent(text: &[u8]) -> Extent {
    extent_with(text, &mut Unclosed::default())
}

/// [`extent`] with what earlier scans of the same text found missing
/// ([`Unclosed`]), which it adds to.
pub fn extent_with(text: &[u8], known: &mut Unclosed) -> Extent {
    match open_tag_at(text, 0) {
        Tag::Yes => {}
        Tag::NeedMore => return Extent::NeedMore,
        Tag::No => return Extent::NotDocument(0),
    }
    let mut open = false;
    let mut i = 0;
    loop {
        let Some(rest) = text.get(i..) else {
            return Extent::NeedMore;
        };
        let Some(off) = memchr::memchr(b'<', rest) else {
            return Extent::NeedMore;
        };
        let p = i + off;
        let tail = text.get(p..).unwrap_or_default();
        if let Some(next) = skip_section(text, p, CDATA, &mut known.cdata)
            .or_else(|| skip_section(text, p, COMMENT, &mut known.comment))
        {
            match next {
                Some(len) => {
                    i = p + len;
                    continue;
                }
                None => return Extent::NeedMore,
            }
        }
        match open_tag_at(text, p) {
            Tag::NeedMore => return Extent::NeedMore,
            Tag::Yes if open => return Extent::NotDocument(p),
            Tag::Yes => {
                open = true;
                let Some(gt) = memchr::memchr(b'>', tail) else {
                    return Extent::NeedMore;
                };
                if tail.get(gt.wrapping_sub(1)) == Some(&b'/') {
                    return Extent::Complete(p + gt + 1);
                }
                i = p + gt + 1;
                continue;
            }
            Tag::No => {}
        }
        match close_tag_at(tail) {
            Close::End(len) if open => return Extent::Complete(p + len),
            Close::NeedMore => return Extent::NeedMore,
            _ => {}
        }
        i = p + 1;
    }
}

/// Where a later line of `text` (an `<xml>` document) starts a log record of
/// its own, as `starts_record` tells from the line's first bytes, before the
/// document's `</xml>`: the document was cut off before it. Lines inside a
/// comment are the document's text, whatever they start with; so are lines
/// inside a CDATA section, except one that starts a record: a logger that
/// cuts a long message (`%.-200msg`, a 4096-byte cap) mostly cuts inside
/// CDATA, and the section then runs on into the next records. The answer
/// depends on the bytes alone, not on how much of the document is buffered:
/// None once an end tag comes first, or another `<xml>` start tag (where
/// the document ends anyway, cut off), or when the document is an empty
/// `<xml/>`. So it looks no further than the document could run, and a
/// line of many `<xml>`s is read in linear time.
///
/// With `in_cdata` false, lines inside CDATA are never looked at (where a
/// document known to be cut was cut: text in CDATA may be anything).
/// `known` carries what searches found missing between calls on the same
/// text (see [`Unclosed`]); `known.quiet` only between calls with the same
/// `starts_record`.
pub fn record_cut(
    text: &[u8],
    starts_record: impl Fn(&[u8]) -> bool,
    in_cdata: bool,
    known: &mut Unclosed,
) -> Option<usize> {
    let mut i = 0;
    loop {
        let p = i + memchr::memchr2(b'<', b'\n', text.get(i..)?)?;
        if text.get(p) == Some(&b'\n') {
            i = p + 1;
            if starts_record(text.get(i..)?) {
                return Some(i);
            }
            continue;
        }
        let tail = text.get(p..).unwrap_or_default();
        if let Some(section) = skip_section(text, p, CDATA, &mut known.cdata) {
            let end = section.map_or(text.len(), |len| p + len);
            // From `known.quiet` on, no line starts a record.
            if in_cdata && p < known.quiet {
                let body = text.get(p..end).unwrap_or_default();
                if let Some(at) = memchr::memchr_iter(b'\n', body)
                    .map(|k| p + k + 1)
                    .find(|&at| text.get(at..).is_some_and(&starts_record))
                {
                    return Some(at);
                }
                if section.is_none() {
                    known.quiet = p;
                }
            }
            match section {
                Some(len) => i = p + len,
                // Open to the end of what is buffered: no line after it is a
                // record yet.
                None => return None,
            }
            continue;
        }
        match skip_section(text, p, COMMENT, &mut known.comment) {
            Some(Some(len)) => i = p + len,
            Some(None) => return None,
            None if matches!(close_tag_at(tail), Close::End(_)) => return None,
            None => match open_tag_at(text, p) {
                Tag::Yes if p > 0 => return None,
                // The document's own start tag, self-closed (`<xml/>`); looked
                // at no further than the next `<`.
                Tag::Yes
                    if memchr::memchr2(b'>', b'<', tail.get(1..).unwrap_or_default())
                        .is_some_and(|k| {
                            tail.get(k) == Some(&b'/') && tail.get(k + 1) == Some(&b'>')
                        }) =>
                {
                    return None;
                }
                _ => i = p + 1,
            },
        }
    }
}

/// Result of looking for a tag at a position.
enum Tag {
    Yes,
    No,
    NeedMore,
}

/// Is there an `<xml` start tag (`<xml`, then whitespace, `>` or `/`) at `p`?
fn open_tag_at(text: &[u8], p: usize) -> Tag {
    let tail = text.get(p..).unwrap_or_default();
    let head = b"<xml";
    if tail.len() < head.len() {
        return if head.starts_with(tail) {
            Tag::NeedMore
        } else {
            Tag::No
        };
    }
    if !tail.starts_with(head) {
        return Tag::No;
    }
    match tail.get(head.len()) {
        None => Tag::NeedMore,
        Some(b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n') => Tag::Yes,
        Some(_) => Tag::No,
    }
}

enum Close {
    /// An `</xml>` end tag of this many bytes.
    End(usize),
    No,
    NeedMore,
}

/// Is `tail` an `</xml>` end tag (whitespace allowed before `>`)?
fn close_tag_at(tail: &[u8]) -> Close {
    let head = b"</xml";
    if tail.len() < head.len() {
        return if head.starts_with(tail) {
            Close::NeedMore
        } else {
            Close::No
        };
    }
    if !tail.starts_with(head) {
        return Close::No;
    }
    let mut j = head.len();
    loop {
        match tail.get(j) {
            None => return Close::NeedMore,
            Some(b'>') => return Close::End(j + 1),
            Some(b' ' | b'\t' | b'\r' | b'\n') => j += 1,
            Some(_) => return Close::No,
        }
    }
}

/// A CDATA section's delimiters.
const CDATA: (&[u8], &[u8]) = (b"<![CDATA[", b"]]>");
/// A comment's delimiters.
const COMMENT: (&[u8], &[u8]) = (b"<!--", b"-->");

/// What searches over one text found missing, kept between scans that start
/// at many places in it (a line of unclosed `<xml>`s, each a candidate
/// document), so that each stretch is searched once rather than once per
/// candidate: from offset `cdata` to the text's end there is no `]]>`, from
/// `comment` no `-->`, and from `quiet` no line that [`record_cut`] cuts at.
/// `usize::MAX` where nothing is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unclosed {
    /// No `]]>` from here on.
    pub cdata: usize,
    /// No `-->` from here on.
    pub comment: usize,
    /// No line from here on starts a log record.
    pub quiet: usize,
}

impl Default for Unclosed {
    fn default() -> Self {
        Unclosed {
            cdata: usize::MAX,
            comment: usize::MAX,
            quiet: usize::MAX,
        }
    }
}

impl Unclosed {
    /// The same knowledge for the text from offset `c` on.
    pub fn from(self, c: usize) -> Unclosed {
        let at = |k: usize| {
            if k == usize::MAX {
                k
            } else {
                k.saturating_sub(c)
            }
        };
        Unclosed {
            cdata: at(self.cdata),
            comment: at(self.comment),
            quiet: at(self.quiet),
        }
    }

    /// Adds what `found` (for the text from offset `c` on) knows.
    pub fn learn(&mut self, c: usize, found: Unclosed) {
        let at = |k: usize| if k == usize::MAX { k } else { k + c };
        self.cdata = self.cdata.min(at(found.cdata));
        self.comment = self.comment.min(at(found.comment));
        self.quiet = self.quiet.min(at(found.quiet));
    }
}

/// If `text` at `p` starts a section `open … close`, returns `Some(Some(len))`
/// with its full length, or `Some(None)` when the section is not closed yet;
/// `None` if it is not such a section. A prefix of `open` at the end of input
/// also needs more. `missing` is where the text is known to hold no `close`
/// from on ([`Unclosed`]), lowered when this search finds none.
fn skip_section(
    text: &[u8],
    p: usize,
    (open, close): (&[u8], &[u8]),
    missing: &mut usize,
) -> Option<Option<usize>> {
    let tail = text.get(p..).unwrap_or_default();
    if tail.len() < open.len() {
        return if open.starts_with(tail) {
            Some(None)
        } else {
            None
        };
    }
    if !tail.starts_with(open) {
        return None;
    }
    let body = p + open.len();
    if body >= *missing {
        return Some(None);
    }
    match memchr::memmem::find(text.get(body..).unwrap_or_default(), close) {
        Some(q) => Some(Some(open.len() + q + close.len())),
        None => {
            *missing = body;
            Some(None)
        }
    }
}

/// Whether `s` is an XML 1.0 `Name` (NameStartChar NameChar*). WeChat element names
/// are ASCII identifiers, but any valid XML name is accepted.
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if is_name_start(c) => chars.all(is_name_char),
        _ => false,
    }
}

fn is_name_start(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c,
            '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Whether `c` may appear in an XML 1.0 document (the `Char` production).
pub fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

fn is_xml_ws_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// At most [`EXCERPT_CHARS`] characters of `s`, with `…` when cut.
fn excerpt(s: &str) -> String {
    match s.char_indices().nth(EXCERPT_CHARS) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or_default()),
        None => s.to_owned(),
    }
}

/// A double-quoted, escaped excerpt: dropped text may hold controls or newlines.
fn quoted_excerpt(s: &str) -> String {
    let (head, cut) = match s.char_indices().nth(EXCERPT_CHARS) {
        Some((i, _)) => (s.get(..i).unwrap_or_default(), true),
        None => (s, false),
    };
    let mut out = String::with_capacity(head.len() + 5);
    out.push('"');
    for c in head.chars() {
        // Single quotes need no escape inside double quotes (escape_debug adds one).
        match c {
            '\'' => out.push(c),
            c => out.extend(c.escape_debug()),
        }
    }
    out.push('"');
    if cut {
        out.push('…');
    }
    out
}

fn to_usize(p: u64) -> usize {
    usize::try_from(p).unwrap_or(usize::MAX)
}

fn to_u32(p: usize) -> u32 {
    u32::try_from(p).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// The decrypted message of catalogue vector V1 (newlines as in the plaintext).
    const V1: &str = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>";

    fn ok(text: &str) -> (Node, usize, Vec<XmlNote>) {
        match parse(text.as_bytes(), Limits::default()) {
            Ok(r) => r,
            Err(e) => panic!("{text:?}: {e:?}"),
        }
    }

    fn err(text: &[u8]) -> ParseError {
        match parse(text, Limits::default()) {
            Ok(r) => panic!("{:?} parsed: {:?}", String::from_utf8_lossy(text), r.0),
            Err(e) => e,
        }
    }

    /// The single member of `<xml><a>…</a></xml>`.
    fn leaf(inner: &str) -> Node {
        let (root, _, _) = ok(&format!("<xml><a>{inner}</a></xml>"));
        root.get("a").unwrap().clone()
    }

    #[test]
    fn v1_decrypted_message_has_wechat_types() {
        let (root, end, notes) = ok(V1);
        assert_eq!(end, V1.len());
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(root.xml, XmlForm::Nested);
        let keys: Vec<&str> = root.members().iter().map(|m| m.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "ToUserName",
                "FromUserName",
                "CreateTime",
                "MsgType",
                "Content",
                "MsgId",
                "AgentID"
            ]
        );
        let to = root.get("ToUserName").unwrap();
        assert_eq!(to.value, Value::String("wx5823bf96d3bd56c7".into()));
        assert_eq!(to.xml, XmlForm::Cdata);
        let ct = root.get("CreateTime").unwrap();
        assert_eq!(ct.value, Value::Number("1409659813".into()));
        assert_eq!(ct.value.type_name(), "integer");
        assert_eq!(ct.xml, XmlForm::Plain);
        assert_eq!(
            root.get("MsgId").unwrap().value,
            Value::Number("4561255354251345929".into())
        );
        assert_eq!(root.get_str("Content"), Some("hello"));
        // Positions are the offsets of each element's `<`.
        let m = &root.members()[2];
        assert_eq!(m.key_pos as usize, V1.find("<CreateTime>").unwrap());
        assert_eq!(m.node.pos, m.key_pos);
        assert_eq!(root.pos, 0);
    }

    #[test]
    fn leaf_mapping_follows_the_xml_signal() {
        assert_eq!(leaf("").value, Value::Null);
        assert_eq!(leaf("").xml, XmlForm::Empty);
        assert_eq!(leaf("<!-- c -->").xml, XmlForm::Empty);
        let (root, _, _) = ok("<xml><a/><b /></xml>");
        assert_eq!(root.get("a").unwrap().xml, XmlForm::Empty);
        assert_eq!(root.get("b").unwrap().value, Value::Null);
        let e = leaf("<![CDATA[]]>");
        assert_eq!(
            (e.value, e.xml),
            (Value::String(String::new()), XmlForm::Cdata)
        );
        let n = leaf("<![CDATA[23]]>");
        assert_eq!(
            (n.value, n.xml),
            (Value::String("23".into()), XmlForm::Cdata)
        );
        let mixed = leaf("x <![CDATA[y]]>&amp;");
        assert_eq!(
            (mixed.value, mixed.xml),
            (Value::String("x y&".into()), XmlForm::Cdata)
        );
        for (bare, num) in [
            ("-3", true),
            ("119.385040", true),
            ("054", false),
            (" 1", false),
            ("1e5", true),
            ("3.1E+1", true),
            ("29.", false),
            ("true", false),
        ] {
            let node = leaf(bare);
            assert_eq!(node.xml, XmlForm::Plain, "{bare}");
            let expected = if num {
                Value::Number(bare.into())
            } else {
                Value::String(bare.into())
            };
            assert_eq!(node.value, expected, "{bare}");
        }
        let ws = leaf(" \n ");
        assert_eq!(
            (ws.value, ws.xml),
            (Value::String(" \n ".into()), XmlForm::Plain)
        );
        // No end-of-line normalisation: the bytes are kept.
        assert_eq!(
            leaf("<![CDATA[a\r\nb]]>").value,
            Value::String("a\r\nb".into())
        );
        assert_eq!(
            leaf("<![CDATA[ 广州市 ]]>").value,
            Value::String(" 广州市 ".into())
        );
        assert_eq!(
            leaf("<![CDATA[x]]]]><![CDATA[>y]]>").value,
            Value::String("x]]>y".into())
        );
    }

    #[test]
    fn entity_references_are_resolved_in_place() {
        assert_eq!(
            leaf("a &amp; b &lt;c&gt;").value,
            Value::String("a & b <c>".into())
        );
        assert_eq!(leaf("&quot;&apos;").value, Value::String("\"'".into()));
        assert_eq!(leaf("&#x4E2D;&#25991;").value, Value::String("中文".into()));
        assert_eq!(leaf("1&#48;").value, Value::Number("10".into()));
        // Controls by reference are characters; renderers neutralise them.
        assert_eq!(leaf("&#27;[31m").value, Value::String("\u{1b}[31m".into()));
        let e = err(b"<xml><a>x&nbsp;y</a></xml>");
        assert_eq!(e.code, Code::UnknownEntity);
        assert_eq!(e.pos, 9);
        assert!(e.message.contains("&nbsp;"), "{}", e.message);
        for bad in [
            "&#0;",
            "&#xD800;",
            "&#xFFFE;",
            "&#xFFFF;",
            "&#x110000;",
            "&#xZZ;",
            "&#;",
        ] {
            let e = err(format!("<xml><a>{bad}</a></xml>").as_bytes());
            assert_eq!(e.code, Code::XmlSyntax, "{bad}");
            assert_eq!(e.pos, 8, "{bad}");
        }
        assert_eq!(err(b"<xml><a>a & b</a></xml>").code, Code::XmlSyntax);
    }

    #[test]
    fn doctype_is_refused_without_expansion() {
        let mut bomb = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for i in 1..10 {
            let prev = if i == 1 {
                "lol".to_owned()
            } else {
                format!("lol{}", i - 1)
            };
            bomb.push_str(&format!(
                "<!ENTITY lol{i} \"{}\">",
                format!("&{prev};").repeat(10)
            ));
        }
        bomb.push_str("]>");
        let started = Instant::now();
        let before = format!("{bomb}<xml><Content>&lol9;</Content></xml>");
        let e = err(before.as_bytes());
        assert_eq!((e.code, e.pos), (Code::DoctypeRefused, 0));
        let inside = format!("<xml>{bomb}<Content>&lol9;</Content></xml>");
        let e = err(inside.as_bytes());
        assert_eq!((e.code, e.pos), (Code::DoctypeRefused, 5));
        let xxe =
            "<xml><!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><a>&xxe;</a></xml>";
        assert_eq!(err(xxe.as_bytes()).code, Code::DoctypeRefused);
        let open = err(b"<xml><!DOCTYPE x [<!ENTITY a \"b\">");
        assert_eq!((open.code, open.pos), (Code::DoctypeRefused, 5));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn a_bare_cdata_end_in_text_is_a_warning() {
        let doc = "<xml><Content>a]]>b</Content><Ok><![CDATA[x]]]]><![CDATA[>y]]></Ok></xml>";
        let (root, _, notes) = ok(doc);
        assert_eq!(
            root.get("Content").unwrap().value,
            Value::String("a]]>b".into())
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(notes[0].code, Code::XmlNotWellFormed);
        assert_eq!(notes[0].pos, doc.find("]]>").unwrap());
        assert!(
            notes[0].message.contains("<Content>"),
            "{}",
            notes[0].message
        );
    }

    #[test]
    fn every_prefix_is_an_error_never_a_panic() {
        let doc = "<xml><ToUserName><![CDATA[中文 ]]>]]></ToUserName><!-- c --><PicList><item><PicMd5Sum>a&amp;b</PicMd5Sum></item></PicList><Flag a=\"1\"/><?pi x?><N>12</N></xml>";
        assert!(parse(doc.as_bytes(), Limits::default()).is_ok());
        for cut in 0..doc.len() {
            let e = err(&doc.as_bytes()[..cut]);
            if doc.is_char_boundary(cut) {
                assert_eq!(e.code, Code::Truncated, "cut at {cut}: {e:?}");
            } else {
                assert!(
                    matches!(e.code, Code::Truncated | Code::InvalidUtf8),
                    "cut at {cut}: {e:?}"
                );
            }
            assert!(e.pos <= cut, "cut at {cut}: {e:?}");
            assert_eq!(
                extent(&doc.as_bytes()[..cut]),
                Extent::NeedMore,
                "cut at {cut}"
            );
        }
        assert_eq!(extent(doc.as_bytes()), Extent::Complete(doc.len()));
    }

    #[test]
    fn items_become_arrays_even_with_one_item() {
        let (root, _, _) = ok("<xml><SendPicsInfo><Count>1</Count><PicList>\n <item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item>\n</PicList></SendPicsInfo></xml>");
        let info = root.get("SendPicsInfo").unwrap();
        assert_eq!(info.xml, XmlForm::Nested);
        let list = info.get("PicList").unwrap();
        assert_eq!(list.xml, XmlForm::Items);
        let Value::Array(items) = &list.value else {
            panic!("{list:?}")
        };
        assert_eq!(items.len(), 1);
        assert_eq!(
            items[0].get_str("PicMd5Sum"),
            Some("1b5f7c23b5bf75682a53e7b6d163e185")
        );
        let (root, _, _) = ok("<xml><L><item>1</item><item/><item><![CDATA[x]]></item></L></xml>");
        let Value::Array(items) = &root.get("L").unwrap().value else {
            panic!()
        };
        let values: Vec<&Value> = items.iter().map(|n| &n.value).collect();
        assert_eq!(
            values,
            [
                &Value::Number("1".into()),
                &Value::Null,
                &Value::String("x".into())
            ]
        );
        // The root stays an object even when its children are called `item`.
        let (root, _, _) = ok("<xml><item>1</item><item>2</item></xml>");
        assert_eq!(root.members().len(), 1);
        assert_eq!(root.get("item").unwrap().xml, XmlForm::Siblings);
    }

    #[test]
    fn repeated_siblings_are_gathered_at_the_first() {
        let doc = "<xml><SubscribeMsgPopupEvent><List><TemplateId><![CDATA[a]]></TemplateId></List><Other>1</Other><List><TemplateId><![CDATA[b]]></TemplateId></List></SubscribeMsgPopupEvent><Event><![CDATA[subscribe_msg_popup_event]]></Event></xml>";
        let (root, _, notes) = ok(doc);
        assert!(notes.is_empty());
        let ev = root.get("SubscribeMsgPopupEvent").unwrap();
        let keys: Vec<&str> = ev.members().iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["List", "Other"]);
        let m = &ev.members()[0];
        assert_eq!(m.key_pos as usize, doc.find("<List>").unwrap());
        assert_eq!(m.node.xml, XmlForm::Siblings);
        let Value::Array(items) = &m.node.value else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].get_str("TemplateId"), Some("b"));
        assert_eq!(items[1].pos as usize, doc.rfind("<List>").unwrap());
        // A single sibling is just an object: only the catalogue knows it is a list.
        let (root, _, _) = ok("<xml><E><List><A>1</A></List></E></xml>");
        assert_eq!(
            root.get("E").unwrap().get("List").unwrap().xml,
            XmlForm::Nested
        );
    }

    #[test]
    fn many_children_gather_quickly() {
        let mut doc = String::from("<xml>");
        for i in 0..5000 {
            doc.push_str(&format!("<k{}>{i}</k{}>", i % 2500, i % 2500));
        }
        doc.push_str("</xml>");
        let (root, _, _) = ok(&doc);
        assert_eq!(root.members().len(), 2500);
        let Value::Array(items) = &root.members()[7].node.value else {
            panic!()
        };
        assert_eq!(items[1].value, Value::Number("2507".into()));
    }

    #[test]
    fn notes_for_attributes_and_mixed_content() {
        let doc = "<xml a=\"1\"><A b='2' c=\"3\">x</A><B>pre<C>1</C> \n post</B>tail<D/></xml>";
        let (root, _, notes) = ok(doc);
        assert_eq!(root.get_str("A"), Some("x"));
        assert_eq!(
            root.get("B").unwrap().get("C").unwrap().value,
            Value::Number("1".into())
        );
        let codes: Vec<(Code, usize)> = notes.iter().map(|n| (n.code, n.pos)).collect();
        assert_eq!(
            codes,
            [
                (Code::XmlAttribute, 0),
                (Code::XmlAttribute, doc.find("<A").unwrap()),
                (Code::XmlMixedContent, doc.find("pre").unwrap()),
                (Code::XmlMixedContent, doc.find("tail").unwrap()),
            ]
        );
        assert!(
            notes[1].message.contains(r#""b='2' c=\"3\"""#),
            "{}",
            notes[1].message
        );
        assert!(
            notes[2].message.contains(r#""pre \n post""#),
            "{}",
            notes[2].message
        );
        // Formatting whitespace, comments and PIs between children are no content.
        let (_, _, notes) = ok("<xml>\r\n  <A>1</A>\n\t<!-- x --><?pi y?>\n<B><C/>\n</B>\n</xml>");
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn empty_roots_and_trailing_input() {
        for doc in ["<xml/>", "<xml></xml>", "<xml>\n</xml>", "<xml >\n</xml >"] {
            let (root, end, _) = ok(&format!("{doc}<xml><A>1</A></xml>"));
            assert_eq!(root.value, Value::Object(Vec::new()), "{doc}");
            assert_eq!(root.xml, XmlForm::Nested);
            assert_eq!(end, doc.len(), "{doc}");
        }
        // Nothing after </xml> is read, not even broken bytes.
        let mut bytes = b"<xml><A>1</A></xml>".to_vec();
        bytes.extend_from_slice(b"\xff\xfe<<&");
        assert_eq!(parse(&bytes, Limits::default()).unwrap().1, 19);
    }

    #[test]
    fn structural_errors() {
        let e = err(b"<xml><A><B>1</A></B></xml>");
        assert_eq!(e.code, Code::XmlSyntax);
        assert!(
            e.message.contains('A') && e.message.contains('B'),
            "{}",
            e.message
        );
        assert_eq!(e.pos, 12);
        let doc = b"<xml><A>1</A><B><xml><A>2</A></xml>";
        let e = err(doc);
        assert_eq!((e.code, e.pos), (Code::Truncated, 16));
        assert!(e.message.contains("new <xml>"));
        assert_eq!(extent(doc), Extent::NotDocument(16));
        assert_eq!(err(b"<root><A>1</A></root>").code, Code::XmlRoot);
        assert_eq!(err(b"<xml><1a>x</1a></xml>").code, Code::XmlSyntax);
        let e = err(b"<xml><A>1</A>");
        assert_eq!((e.code, e.pos), (Code::Truncated, 13));
        let e = err(b"");
        assert_eq!(e.code, Code::Truncated);
    }

    #[test]
    fn bad_characters_and_bytes() {
        let e = err(b"<xml><A>a\0b</A></xml>");
        assert_eq!((e.code, e.pos), (Code::XmlSyntax, 9));
        let e = err("<xml><A><![CDATA[x\u{1}]]></A></xml>".as_bytes());
        assert_eq!((e.code, e.pos), (Code::XmlSyntax, 18));
        let e = err("<xml><A>\u{FFFF}</A></xml>".as_bytes());
        assert_eq!((e.code, e.pos), (Code::XmlSyntax, 8));
        let e = err(b"<xml><A>ok\xffno</A></xml>");
        assert_eq!((e.code, e.pos), (Code::InvalidUtf8, 10));
        let e = err(b"<xml><A\xc3>1</A\xc3></xml>");
        assert_eq!((e.code, e.pos), (Code::InvalidUtf8, 7));
        // Tabs, newlines, CR, DEL and C1 are allowed characters.
        assert_eq!(
            leaf("\t\u{7f}\u{85}").value,
            Value::String("\t\u{7f}\u{85}".into())
        );
    }

    #[test]
    fn limits_are_enforced() {
        let limits = Limits {
            max_depth: 3,
            max_fields: 4,
        };
        assert!(parse(b"<xml><a><b><c>1</c></b></a></xml>", limits).is_ok());
        let e = parse(b"<xml><a><b><c><d>1</d></c></b></a></xml>", limits).unwrap_err();
        assert_eq!((e.code, e.pos), (Code::TooDeep, 14));
        assert!(parse(b"<xml><a/><a/><a/><a/></xml>", limits).is_ok());
        let e = parse(b"<xml><a/><a/><a/><a/><a/></xml>", limits).unwrap_err();
        assert_eq!((e.code, e.pos), (Code::TooManyFields, 21));
        let deep = format!("<xml>{}", "<a>".repeat(100_000));
        assert_eq!(err(deep.as_bytes()).code, Code::TooDeep);
    }

    #[test]
    fn extent_cases() {
        let cases: &[(&str, Extent)] = &[
            ("<xml><A>1</A></xml>trailing", Extent::Complete(19)),
            ("<xml/> more", Extent::Complete(6)),
            ("<xml a=\"1\"/>", Extent::Complete(12)),
            ("<xml></xml >", Extent::Complete(12)),
            (
                "<xml><A><![CDATA[</xml><xml>]]></A></xml>",
                Extent::Complete(41),
            ),
            ("<xml><!-- <xml> </xml> --></xml>", Extent::Complete(32)),
            (
                "<xml><xmlish/><xml_a/></xmlish></xml>",
                Extent::Complete(37),
            ),
            ("<xml><A>1</A>", Extent::NeedMore),
            ("<xml><A><![CDATA[</xml>", Extent::NeedMore),
            ("<xml><!-- </xml>", Extent::NeedMore),
            ("<xml></xml", Extent::NeedMore),
            ("<xml></x", Extent::NeedMore),
            ("<xml><", Extent::NeedMore),
            ("<xm", Extent::NeedMore),
            ("<xml", Extent::NeedMore),
            ("", Extent::NeedMore),
            ("<xml><A>1</A><xml>", Extent::NotDocument(13)),
            ("<xml><A/><xml/>", Extent::NotDocument(9)),
            ("<root></root>", Extent::NotDocument(0)),
            ("<xmlx>", Extent::NotDocument(0)),
            ("{\"a\":1}", Extent::NotDocument(0)),
        ];
        for (text, want) in cases {
            assert_eq!(extent(text.as_bytes()), *want, "{text:?}");
        }
        assert_eq!(extent(V1.as_bytes()), Extent::Complete(V1.len()));
    }

    #[test]
    fn names() {
        for good in [
            "xml",
            "A",
            "_a",
            "Location_X",
            "a-b.c",
            "中文",
            "wx:Content",
        ] {
            assert!(is_name(good), "{good}");
        }
        for bad in [
            "", "1a", "-a", ".a", "a b", "a<", "a&", "a\"", "a'", "a/", "a=", "a\u{0}",
        ] {
            assert!(!is_name(bad), "{bad:?}");
        }
    }

    /// What one scan found missing, kept for the next scans of the same text
    /// from later candidates, never changes their answers: every `<xml`
    /// of these texts, scanned in text order with one `Unclosed`, gets the
    /// extent and the record cut that a scan of its own gets.
    #[test]
    fn knowledge_kept_between_scans_gives_each_scan_its_own_answer() {
        for text in [
            "2026 INFO <xml><![CDATA[<xml><![CDATA[a]]></xml><xml><![CDATA[\n2026 b <xml></xml>",
            "2026 INFO <xml><!-- <xml><!-- x --><xml><a><!--\nz <xml><A>1</A></xml>",
            "2026 <xml><a><![CDATA[x\n2026 <xml><![CDATA[y\n<xml><b>]]></b></xml>\n2026 <xml/>",
            "<xml><![CDATA[<xml><!--<xml><![CDATA[]]>--><xml>-->]]></xml>",
        ] {
            scans_agree(text.as_bytes());
        }
    }

    /// Scans every `<xml` of `text` in order with one [`Unclosed`] and
    /// compares each answer with a scan of its own.
    fn scans_agree(text: &[u8]) {
        let starts = |l: &[u8]| l.starts_with(b"2026");
        let mut shared = (Unclosed::default(), Unclosed::default());
        for c in (0..text.len()).filter(|&c| text[c..].starts_with(b"<xml")) {
            let mut known = shared.0.from(c);
            let got = extent_with(&text[c..], &mut known);
            shared.0.learn(c, known);
            assert_eq!(got, extent(&text[c..]), "extent at {c} of {text:?}");
            let mut known = shared.1.from(c);
            let got = record_cut(&text[c..], starts, true, &mut known);
            shared.1.learn(c, known);
            let own = record_cut(&text[c..], starts, true, &mut Unclosed::default());
            assert_eq!(got, own, "record cut at {c} of {text:?}");
        }
    }

    proptest::proptest! {
        /// [`scans_agree`] on texts of the pieces the scans look for.
        #[test]
        fn knowledge_kept_between_scans_never_changes_an_answer(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "<xml>", "<xml/>", "</xml>", "<a>", "</a>", "<![CDATA[", "]]>", "<!--",
                "-->", "\n", "\n2026 ", "x", "<", "]", "-",
            ]), 0..40)
        ) {
            scans_agree(pieces.concat().as_bytes());
        }
    }
}
