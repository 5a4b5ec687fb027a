//! WeChat XML output of a document tree.
//!
//! Follows the conventions of WeChat's own pushes so the result reads back into the
//! same tree: root `<xml>`, strings in CDATA, numbers and booleans bare, `null` as an
//! empty element, arrays as `<item>` children, or as the element itself repeated where
//! the catalogue (or the source XML) says so. Anything that cannot be written as
//! well-formed XML is an error naming the field; broken XML is never emitted.

use std::fmt;

use super::json_out;
use crate::catalog::{Field, PlatformId, Ty, TypeDef, Xml};
use crate::doc::{pointer_push, Document, Format, Member, Node, Value, XmlForm};
use crate::parse::xml::{first_invalid_char, is_name};

/// Why a tree cannot be written as XML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlWriteError {
    /// JSON-Pointer path of the offending field (empty for the root).
    pub field: String,
    pub message: String,
    /// Where the offending value is in the source it was read from (its
    /// node's `pos`), to report the error at.
    pub pos: u32,
}

impl fmt::Display for XmlWriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for XmlWriteError {}

/// Appends `root` (an object) as a WeChat XML document to `out`.
///
/// `td`, when known, decides which arrays are written as repeated sibling elements
/// (`Xml::Siblings` fields); otherwise the nodes' own [`XmlForm::Siblings`] does.
/// Compact output is one line; `pretty` puts every element on its own line, indented
/// by two spaces per level. No trailing newline. On error nothing is appended.
pub fn write_xml(
    out: &mut Vec<u8>,
    root: &Node,
    td: Option<&'static TypeDef>,
    pretty: bool,
) -> Result<(), XmlWriteError> {
    let start = out.len();
    let mut w = Writer {
        out,
        pretty,
        path: Vec::new(),
    };
    let result = w.root(root, td.map_or(Ctx::None, Ctx::Top));
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Where catalogue fields are looked up for the members being written.
#[derive(Clone, Copy)]
enum Ctx {
    /// No catalogue knowledge (no type, or a field the catalogue does not list).
    None,
    Top(&'static TypeDef),
    Children(&'static Field),
}

impl Ctx {
    fn lookup(self, name: &str) -> Option<&'static Field> {
        match self {
            Ctx::None => None,
            Ctx::Top(td) => td.field(name),
            Ctx::Children(f) => f.child(name),
        }
    }

    /// The context for the members (or array items) of a value of field `f`.
    fn below(f: Option<&'static Field>) -> Ctx {
        f.map_or(Ctx::None, Ctx::Children)
    }
}

/// One step of the path to the value being written; turned into a JSON Pointer only
/// when an error is reported, so writing allocates nothing per value.
#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

struct Writer<'o, 'a> {
    out: &'o mut Vec<u8>,
    pretty: bool,
    path: Vec<Seg<'a>>,
}

impl<'a> Writer<'_, 'a> {
    fn root(&mut self, root: &'a Node, ctx: Ctx) -> Result<(), XmlWriteError> {
        let Value::Object(members) = &root.value else {
            return Err(self.error(
                root.pos,
                format!(
                    "the root of a WeChat XML document must be an object, not {}",
                    root.value.type_name()
                ),
            ));
        };
        self.out.extend_from_slice(b"<xml>");
        self.members(members, ctx, 1)?;
        if !members.is_empty() {
            self.newline(0);
        }
        self.out.extend_from_slice(b"</xml>");
        Ok(())
    }

    fn members(
        &mut self,
        members: &'a [Member],
        ctx: Ctx,
        depth: usize,
    ) -> Result<(), XmlWriteError> {
        for m in members {
            self.path.push(Seg::Key(&m.key));
            // `xml` is refused too: readers (ours included) take a nested <xml> for
            // the start of the next document.
            if !is_name(&m.key) || m.key == "xml" {
                return Err(self.error(
                    m.node.pos,
                    format!("the key {:?} is not a valid XML element name", m.key),
                ));
            }
            // A colon makes a namespace prefix, and WeChat XML declares none:
            // `a:b` has an unbound prefix, `:a` none at all, and `xml:x` is
            // reserved (not namespace-well-formed; expat refuses all three).
            if m.key.contains(':') {
                return Err(self.error(
                    m.node.pos,
                    format!(
                        "the key {:?} is not a valid XML element name: a colon would make it a namespace prefix, which WeChat XML does not declare",
                        m.key
                    ),
                ));
            }
            let field = ctx.lookup(&m.key);
            match &m.node.value {
                Value::Array(items) if as_siblings(field, m.node.xml, items.len()) => {
                    for (i, item) in items.iter().enumerate() {
                        self.path.push(Seg::Index(i));
                        self.element(&m.key, item, field, depth)?;
                        self.path.pop();
                    }
                }
                _ => self.element(&m.key, &m.node, field, depth)?,
            }
            self.path.pop();
        }
        Ok(())
    }

    /// Writes one element named `name` holding `node`, the value (or an item of
    /// the value) of catalogue field `field`: its fields are where those of
    /// `node`'s members (or of its items' members) are looked up.
    fn element(
        &mut self,
        name: &str,
        node: &'a Node,
        field: Option<&'static Field>,
        depth: usize,
    ) -> Result<(), XmlWriteError> {
        let ctx = Ctx::below(field);
        self.newline(depth);
        match &node.value {
            Value::Null => {
                self.open(name, true);
                return Ok(());
            }
            Value::Bool(b) => {
                self.open(name, false);
                self.out
                    .extend_from_slice(if *b { b"true" } else { b"false" });
            }
            Value::Number(n) => {
                // Lexemes come from the parsers and are valid JSON numbers; checking
                // keeps a hand-built tree from injecting markup.
                let ok = !n.is_empty()
                    && n.bytes().all(|b| {
                        b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')
                    });
                if !ok {
                    return Err(self.error(node.pos, format!("{n:?} is not a number")));
                }
                self.open(name, false);
                self.out.extend_from_slice(n.as_bytes());
            }
            Value::String(s) => {
                if let Some(i) = first_invalid_char(s.as_bytes()) {
                    let c = s.get(i..).and_then(|t| t.chars().next()).unwrap_or('\u{0}');
                    return Err(self.error(
                        node.pos,
                        format!(
                            "the string holds U+{:04X}, a character XML 1.0 cannot carry",
                            c as u32
                        ),
                    ));
                }
                self.open(name, false);
                // Digits on a string field WeChat writes bare go out bare, as
                // WeChat sends them; the typing pass reads them back as this string.
                let bare = field.is_some_and(|f| f.ty == Ty::String && f.xml == Xml::Plain)
                    && !s.is_empty()
                    && s.bytes().all(|b| b.is_ascii_digit());
                if bare {
                    self.out.extend_from_slice(s.as_bytes());
                } else {
                    write_text(self.out, s);
                }
            }
            Value::Object(members) => {
                self.open(name, false);
                self.members(members, ctx, depth + 1)?;
                if !members.is_empty() {
                    self.newline(depth);
                }
            }
            Value::Array(items) => {
                self.open(name, false);
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Seg::Index(i));
                    self.element("item", item, field, depth + 1)?;
                    self.path.pop();
                }
                if !items.is_empty() {
                    self.newline(depth);
                }
            }
        }
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'>');
        Ok(())
    }

    fn open(&mut self, name: &str, empty: bool) {
        self.out.push(b'<');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(if empty { b"/>" } else { b">" });
    }

    /// In pretty mode, a line break and the indent for `depth` (none before the root).
    fn newline(&mut self, depth: usize) {
        if self.pretty {
            self.out.push(b'\n');
            self.out.resize(self.out.len() + 2 * depth, b' ');
        }
    }

    /// The error `message` about the value at `pos`, named by the path so far.
    fn error(&self, pos: u32, message: String) -> XmlWriteError {
        XmlWriteError {
            field: pointer(&self.path),
            message,
            pos,
        }
    }
}

/// The JSON Pointer of a path of segments.
fn pointer(path: &[Seg<'_>]) -> String {
    let mut field = String::new();
    for seg in path {
        field = match seg {
            Seg::Key(k) => pointer_push(&field, k),
            Seg::Index(i) => pointer_push(&field, &i.to_string()),
        };
    }
    field
}

/// Whether an array of `len` items on field `field` (none: one the
/// catalogue does not list) is written as the element itself repeated, not
/// as one element of `<item>`s. Repetition where the catalogue (`Arr<List>`)
/// or the source XML (`source`) says so; else an `<item>` list where
/// either says that (`Arr<item>`); else, for a JSON array on a field the catalogue does not
/// list as a list, repetition for two items or more — the form WeChat's
/// pushes give what the catalogue does not list (`add_express_path`'s
/// `Actions`), so that XML→JSON→XML keeps it — and an `<item>` list for one,
/// which reads back as a one-item array where a lone element would read as
/// its value. Either way the array reads back as itself: JSON→XML→JSON is
/// the identity. What an array cannot say is which of the two forms an
/// XML `<item>` list of two or more had on such a field: it goes back as
/// repetition, which [`repeated_elements`] names. An empty array is one
/// empty element either way (it reads back as the empty list only on a
/// repeated field).
fn as_siblings(field: Option<&Field>, source: XmlForm, len: usize) -> bool {
    let form = field.map(|f| f.xml);
    if len == 0 {
        // An empty list of siblings is one empty element, which reads back
        // as the empty list: no element at all would drop the key.
        return false;
    }
    match (form, source) {
        (Some(Xml::Siblings), _) | (_, XmlForm::Siblings) => true,
        (Some(Xml::Items), _) | (_, XmlForm::Items) => false,
        _ => len >= 2,
    }
}

/// A value that written as XML reads back as something else: XML has one form
/// for an empty array, an empty object and `null` (an empty element), and an
/// object of `item`s looks like a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlLoss {
    /// JSON Pointer of the value (empty for the root).
    pub field: String,
    /// What the value is (`an empty array`).
    pub was: String,
    /// What the XML reads back as (`null`).
    pub reads_as: String,
    /// Where the value is in the source the payload was read from (its
    /// node's `pos`), to report the loss at.
    pub pos: u32,
}

impl fmt::Display for XmlLoss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.field.is_empty() {
            "the document"
        } else {
            &self.field
        };
        write!(
            f,
            "{at}: {} reads back from XML as {}; XML cannot tell them apart",
            self.was, self.reads_as
        )
    }
}

/// At most this many losses are named per document: a payload of many empty
/// lists says enough with the first few.
pub const MAX_LOSSES: usize = 8;

/// Reads `xml`, which [`write_xml`] wrote for `root`, back as `wxmsg convert
/// --to json` reads XML and names the values that come back different, in
/// document order (at most [`MAX_LOSSES`]); none when the round trip is the
/// identity. The XML is detected on its own (among the platforms `only`
/// allows; all when empty) and typed by the type it is detected as, which
/// need not be the JSON's: a `sync_msg` response's entries, or an envelope
/// whose `AgentID` makes its XML WeCom's.
pub fn reads_back(root: &Node, only: &[PlatformId], xml: &[u8]) -> Vec<XmlLoss> {
    let back = match read(root, xml) {
        Ok(back) => back,
        Err(loss) => return vec![loss],
    };
    let back = if crate::detect::is_wechat(&back) && crate::crypto::other_scheme(&back).is_none() {
        let doc = Document {
            source: "".into(),
            format: Format::Xml,
            text: String::from_utf8_lossy(xml).into(),
            line: 1,
            column: 1,
            root: back,
            embedded: None,
            lenient: false,
        };
        let det = crate::detect::detect(&doc, &doc.root, only);
        det.typed.unwrap_or(doc.root)
    } else {
        back
    };
    let mut losses = Vec::new();
    differences(root, &back, &mut Vec::new(), &mut losses);
    losses
}

/// [`reads_back`] with the XML typed by the catalogue of `td` (none: not
/// typed), whatever it would be detected as.
pub fn reads_back_as(root: &Node, td: Option<&'static TypeDef>, xml: &[u8]) -> Vec<XmlLoss> {
    let mut back = match read(root, xml) {
        Ok(back) => back,
        Err(loss) => return vec![loss],
    };
    if let Some(td) = td {
        crate::typing::apply_catalog(&mut back, td);
    }
    let mut losses = Vec::new();
    differences(root, &back, &mut Vec::new(), &mut losses);
    losses
}

/// The tree of `xml`, written for `root`, or the loss of the whole document.
fn read(root: &Node, xml: &[u8]) -> Result<Node, XmlLoss> {
    match crate::parse::xml::parse(xml, crate::parse::Limits::default()) {
        Ok((node, _, _)) => Ok(node),
        Err(e) => Err(XmlLoss {
            field: String::new(),
            was: "the document".to_string(),
            reads_as: format!("nothing: {}", e.message),
            pos: root.pos,
        }),
    }
}

/// Appends to `out` the values of `a` (in document order) that `b` does not
/// hold alike, each named by its path from the root (`path`, which it leaves
/// as it found it). Within an object whose keys stop lining up (a member
/// written twice, dropped or renamed), the first such member is the last
/// named: past it, members cannot be paired. The path becomes text only for a
/// loss: comparing allocates nothing per value.
fn differences<'a>(a: &'a Node, b: &Node, path: &mut Vec<Seg<'a>>, out: &mut Vec<XmlLoss>) {
    if out.len() >= MAX_LOSSES {
        return;
    }
    let loss = |path: &[Seg<'_>], at: &Node, was: String, reads_as: String| XmlLoss {
        field: pointer(path),
        was,
        reads_as,
        pos: at.pos,
    };
    match (&a.value, &b.value) {
        (Value::Object(x), Value::Object(y)) => {
            let before = out.len();
            // A key written twice reads back as one member holding all its
            // values, named at its first occurrence: the later ones have no
            // member of their own to pair with (rare: checked only when the
            // keys do not line up).
            let aligned = x.len() == y.len() && x.iter().zip(y).all(|(m, n)| m.key == n.key);
            let mut seen = std::collections::HashSet::new();
            let firsts = x.iter().filter(|m| aligned || seen.insert(m.key.as_str()));
            for (m, n) in firsts.zip(y) {
                path.push(Seg::Key(&m.key));
                if m.key != n.key {
                    let was = describe(&m.node.value);
                    out.push(loss(path, &m.node, was, format!("the member {:?}", n.key)));
                    path.pop();
                    return;
                }
                differences(&m.node, &n.node, path, out);
                path.pop();
            }
            // A count that differs is named when no member explains it (a key
            // written twice comes back as one member holding both).
            let distinct = if aligned { x.len() } else { seen.len() };
            if distinct != y.len() && out.len() == before {
                let was = format!("an object of {} members", x.len());
                out.push(loss(path, a, was, format!("one of {}", y.len())));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (m, n)) in x.iter().zip(y).enumerate() {
                path.push(Seg::Index(i));
                differences(m, n, path, out);
                path.pop();
            }
        }
        (x, y) if x == y => {}
        (x, y) => out.push(loss(path, a, describe(x), describe(y))),
    }
}

/// An array of XML input that JSON→XML does not write back in the form it
/// had: the JSON has one form for both of XML's (an element repeated, an
/// `<item>` list), and JSON→XML writes the catalogue's form for a field it
/// lists as a list, else repetition for two items or more (see
/// [`as_siblings`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repeated {
    /// JSON Pointer of the array.
    pub field: String,
    /// The element's name.
    pub name: String,
    /// How many values it holds.
    pub count: usize,
    /// Where the first element is in the source.
    pub pos: u32,
    /// What the XML had, and what it comes back as.
    pub back: Back,
}

/// How an array of XML input comes back from its JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Back {
    /// An element repeated where the catalogue lists an `<item>` list: it
    /// comes back as that list.
    AsItems,
    /// An element repeated with other elements between its repetitions: it
    /// comes back repeated in the first one's place.
    Together,
    /// An `<item>` list of two or more where the catalogue lists none (or
    /// lists repetition): it comes back as the element repeated.
    AsRepeated,
}

impl fmt::Display for Repeated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (field, name, count) = (&self.field, &self.name, self.count);
        match self.back {
            Back::AsItems => write!(
                f,
                "{field}: <{name}> repeats {count} times where the catalogue lists an <item> list: the JSON holds the values as one array, which converts back to XML as an <item> list, not as repeated elements"
            ),
            Back::Together => write!(
                f,
                "{field}: <{name}> repeats {count} times with other elements between: the JSON holds the values as one array in the first one's place, which converts back to XML as {count} <{name}> elements there, not in their places"
            ),
            Back::AsRepeated => write!(
                f,
                "{field}: <{name}> holds an <item> list of {count} where the catalogue lists none: the JSON holds it as an array, which converts back to XML as {count} repeated <{name}> elements (the form repetition the catalogue does not list has in WeChat's pushes), not as an <item> list"
            ),
        }
    }
}

/// The arrays of XML-origin `root` (typed for `td`, when known) that its JSON
/// converts back to XML in another form ([`Back`]), in document order, at
/// most [`MAX_LOSSES`].
pub fn repeated_elements(root: &Node, td: Option<&'static TypeDef>) -> Vec<Repeated> {
    let mut out = Vec::new();
    repeated_in(root, td.map_or(Ctx::None, Ctx::Top), "", &mut out);
    out
}

fn repeated_in(node: &Node, ctx: Ctx, path: &str, out: &mut Vec<Repeated>) {
    match &node.value {
        Value::Object(members) => {
            for m in members {
                if out.len() >= MAX_LOSSES {
                    return;
                }
                if !matches!(m.node.value, Value::Object(_) | Value::Array(_)) {
                    continue;
                }
                let field = ctx.lookup(&m.key);
                let here = pointer_push(path, &m.key);
                if let Value::Array(items) = &m.node.value {
                    // As the array's JSON, which has no XML form, is written.
                    let repeated = as_siblings(field, XmlForm::None, items.len());
                    let back = match m.node.xml {
                        XmlForm::Siblings if !repeated => Some(Back::AsItems),
                        XmlForm::Siblings if apart(members, items) => Some(Back::Together),
                        XmlForm::Items if repeated => Some(Back::AsRepeated),
                        _ => None,
                    };
                    if let Some(back) = back {
                        out.push(Repeated {
                            field: here.clone(),
                            name: m.key.clone(),
                            count: items.len(),
                            pos: m.node.pos,
                            back,
                        });
                    }
                }
                repeated_in(&m.node, Ctx::below(field), &here, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                repeated_in(item, ctx, &pointer_push(path, &i.to_string()), out);
            }
        }
        _ => {}
    }
}

/// Whether another of `members` stands between the first and the last of
/// `items`, an element's repetitions among them.
fn apart(members: &[Member], items: &[Node]) -> bool {
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return false;
    };
    members
        .iter()
        .any(|m| m.key_pos > first.pos && m.key_pos < last.pos)
}

/// A value in a few words, for [`XmlLoss`].
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(_) => "a string".to_string(),
        Value::Array(items) if items.is_empty() => "an empty array".to_string(),
        Value::Array(items) => format!("an array of {}", items.len()),
        Value::Object(members) if members.is_empty() => "an empty object".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// Writes a string's content: CDATA sections, with `]]>` split across two sections
/// and some characters written outside CDATA as character references: every `\r`
/// as `&#13;` (XML end-of-line handling would otherwise turn `\r\n` into `\n` in
/// other readers), and DEL, C1 controls, bidi controls and U+2028/U+2029 as
/// `&#xHHHH;`, as the JSON writer escapes them, so XML on a terminal cannot drive
/// it and still reads back the same. At least one CDATA section is always written,
/// so the reader sees a string even for `""` or `"\r"`.
fn write_text(out: &mut Vec<u8>, s: &str) {
    let referenced = |c: char| c == '\r' || c == '\u{7f}' || json_out::terminal_unsafe(c);
    let mut rest = s;
    let mut wrote_cdata = false;
    loop {
        let (run, special) = match rest.char_indices().find(|&(_, c)| referenced(c)) {
            Some((i, c)) => (rest.get(..i).unwrap_or_default(), Some(c)),
            None => (rest, None),
        };
        if !run.is_empty() || (!wrote_cdata && special.is_none()) {
            write_cdata(out, run);
            wrote_cdata = true;
        }
        let Some(c) = special else {
            break;
        };
        if !wrote_cdata {
            out.extend_from_slice(b"<![CDATA[]]>");
            wrote_cdata = true;
        }
        if c == '\r' {
            out.extend_from_slice(b"&#13;");
        } else {
            out.extend_from_slice(format!("&#x{:X};", c as u32).as_bytes());
        }
        rest = rest.get(run.len() + c.len_utf8()..).unwrap_or_default();
    }
}

fn write_cdata(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(b"<![CDATA[");
    let mut rest = s.as_bytes();
    while let Some(i) = memchr::memmem::find(rest, b"]]>") {
        // `]]` ends this section, `>` starts the next one.
        out.extend_from_slice(rest.get(..i + 2).unwrap_or_default());
        out.extend_from_slice(b"]]><![CDATA[");
        rest = rest.get(i + 2..).unwrap_or_default();
    }
    out.extend_from_slice(rest);
    out.extend_from_slice(b"]]>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Direction, Disc, PlatformId, Req, Ty};
    use crate::doc::Format;

    static LIST_CHILDREN: [Field; 1] = [Field::new(
        "TemplateId",
        Ty::String,
        Xml::Cdata,
        Req::Always,
        "模板",
        "template",
    )];
    static FIELDS: [Field; 3] = [
        Field::new(
            "Event",
            Ty::String,
            Xml::Cdata,
            Req::Always,
            "事件",
            "event",
        ),
        Field::new(
            "Popup",
            Ty::Object,
            Xml::Nested,
            Req::Always,
            "弹窗",
            "popup",
        )
        .children(&POPUP),
        Field::new(
            "Pics",
            Ty::StringArray,
            Xml::Items,
            Req::Optional,
            "图片",
            "pictures",
        ),
    ];
    static POPUP: [Field; 1] = [Field::new(
        "List",
        Ty::ObjectArray,
        Xml::Siblings,
        Req::Always,
        "列表",
        "list",
    )
    .children(&LIST_CHILDREN)];
    static TD: TypeDef = TypeDef {
        platform: PlatformId::OfficialAccount,
        id: "event.test",
        disc: Disc::Pascal,
        zh: "测试",
        en: "test",
        direction: Direction::SystemEvent,
        formats: &[Format::Xml],
        fields: &[&FIELDS],
        note: "",
    };

    fn n(value: Value) -> Node {
        Node {
            pos: 0,
            xml: XmlForm::None,
            value,
        }
    }

    fn obj(members: Vec<(&str, Node)>) -> Node {
        n(Value::Object(
            members
                .into_iter()
                .map(|(k, node)| Member {
                    key: k.to_owned(),
                    key_pos: 0,
                    node,
                })
                .collect(),
        ))
    }

    fn s(v: &str) -> Node {
        n(Value::String(v.to_owned()))
    }

    fn render(
        root: &Node,
        td: Option<&'static TypeDef>,
        pretty: bool,
    ) -> Result<String, XmlWriteError> {
        let mut out = b"keep".to_vec();
        let r = write_xml(&mut out, root, td, pretty);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("keep"));
        if r.is_err() {
            assert_eq!(text, "keep", "nothing is appended on error");
        }
        r.map(|()| text["keep".len()..].to_owned())
    }

    #[test]
    fn wechat_conventions() {
        let root = obj(vec![
            ("ToUserName", s("gh_1")),
            ("CreateTime", n(Value::Number("1409659813".into()))),
            ("Location_X", n(Value::Number("119.385040".into()))),
            ("Flag", n(Value::Bool(false))),
            ("StaffId", n(Value::Null)),
            ("Empty", s("")),
            ("Tricky", s("a]]>b\r\nc<&>")),
            ("CrOnly", s("\r")),
            ("Info", obj(vec![("Count", n(Value::Number("1".into())))])),
            (
                "PicList",
                n(Value::Array(vec![obj(vec![("PicMd5Sum", s("x"))])])),
            ),
        ]);
        assert_eq!(
            render(&root, None, false).unwrap(),
            "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>1409659813</CreateTime>\
             <Location_X>119.385040</Location_X><Flag>false</Flag><StaffId/>\
             <Empty><![CDATA[]]></Empty>\
             <Tricky><![CDATA[a]]]]><![CDATA[>b]]>&#13;<![CDATA[\nc<&>]]></Tricky>\
             <CrOnly><![CDATA[]]>&#13;</CrOnly>\
             <Info><Count>1</Count></Info>\
             <PicList><item><PicMd5Sum><![CDATA[x]]></PicMd5Sum></item></PicList></xml>"
        );
    }

    /// Characters that could drive a terminal go out as character references,
    /// never as they are, and read back as the same string.
    #[test]
    fn terminal_unsafe_characters_are_written_as_references() {
        let text = "a\u{202e}b\u{9b}c\u{7f}d\u{2028}e\u{2067}\u{61c} 中文 👨\u{200d}👩";
        let root = obj(vec![("Content", s(text)), ("Only", s("\u{202e}"))]);
        let xml = render(&root, None, false).unwrap();
        assert_eq!(
            xml,
            "<xml><Content><![CDATA[a]]>&#x202E;<![CDATA[b]]>&#x9B;<![CDATA[c]]>&#x7F;\
             <![CDATA[d]]>&#x2028;<![CDATA[e]]>&#x2067;&#x61C;<![CDATA[ 中文 👨\u{200d}👩]]></Content>\
             <Only><![CDATA[]]>&#x202E;</Only></xml>"
        );
        assert_eq!(reads_back_as(&root, None, xml.as_bytes()), Vec::new());
    }

    /// A loss is named where it comes back changed: a key written twice comes
    /// back as one array, an empty array as `null`.
    #[test]
    fn losses_are_named_at_the_member_that_changes() {
        let cases = [
            (
                obj(vec![
                    ("A", s("x")),
                    ("Content", s("a")),
                    ("Content", s("b")),
                ]),
                "/Content: a string reads back from XML as an array of 2",
            ),
            (
                // The repeated key is named once, not against the next member.
                obj(vec![
                    ("Content", s("a")),
                    ("Content", s("b")),
                    ("Z", n(Value::Number("1".into()))),
                ]),
                "/Content: a string reads back from XML as an array of 2",
            ),
            (
                obj(vec![("A", obj(vec![("B", n(Value::Array(Vec::new())))]))]),
                "/A/B: an empty array reads back from XML as null",
            ),
            (
                obj(vec![("E", obj(vec![("item", s("x"))]))]),
                "/E: an object reads back from XML as an array of 1",
            ),
        ];
        for (root, message) in cases {
            let xml = render(&root, None, false).unwrap();
            let losses = reads_back_as(&root, None, xml.as_bytes());
            let named: Vec<String> = losses.iter().map(|l| l.to_string()).collect();
            assert_eq!(named, [format!("{message}; XML cannot tell them apart")]);
        }
    }

    #[test]
    fn pretty_puts_each_element_on_its_own_line() {
        let root = obj(vec![
            ("A", s("x")),
            ("B", obj(vec![("C", n(Value::Null))])),
            ("D", n(Value::Array(vec![s("1")]))),
            ("E", n(Value::Array(vec![s("2"), s("3")]))),
        ]);
        assert_eq!(
            render(&root, None, true).unwrap(),
            "<xml>\n  <A><![CDATA[x]]></A>\n  <B>\n    <C/>\n  </B>\n  <D>\n    <item><![CDATA[1]]></item>\n  </D>\n  <E><![CDATA[2]]></E>\n  <E><![CDATA[3]]></E>\n</xml>"
        );
        assert_eq!(render(&obj(vec![]), None, true).unwrap(), "<xml></xml>");
        assert_eq!(render(&obj(vec![]), None, false).unwrap(), "<xml></xml>");
    }

    #[test]
    fn siblings_from_the_catalogue_or_the_source() {
        let list = |ids: &[&str]| {
            n(Value::Array(
                ids.iter()
                    .map(|id| obj(vec![("TemplateId", s(id))]))
                    .collect(),
            ))
        };
        let root = obj(vec![
            ("Event", s("e")),
            ("Popup", obj(vec![("List", list(&["a", "b"]))])),
        ]);
        assert_eq!(
            render(&root, Some(&TD), false).unwrap(),
            "<xml><Event><![CDATA[e]]></Event><Popup>\
             <List><TemplateId><![CDATA[a]]></TemplateId></List>\
             <List><TemplateId><![CDATA[b]]></TemplateId></List></Popup></xml>"
        );
        // Without the catalogue the same array of two is repeated too: the
        // form WeChat gives repetition the catalogue does not list.
        assert_eq!(
            render(&root, None, false).unwrap(),
            render(&root, Some(&TD), false).unwrap()
        );
        // An array of one is an <item> list there: a lone element would
        // read back as its value, not as an array.
        let root = obj(vec![("Popup", obj(vec![("List", list(&["a"]))]))]);
        assert!(render(&root, None, false)
            .unwrap()
            .contains("<List><item><TemplateId>"));
        assert_eq!(
            render(&root, Some(&TD), false).unwrap(),
            "<xml><Popup><List><TemplateId><![CDATA[a]]></TemplateId></List></Popup></xml>"
        );
        // An empty sibling array is one empty element (it reads back as the
        // empty array; nothing at all would drop the key).
        let root = obj(vec![("Popup", obj(vec![("List", list(&[]))]))]);
        assert_eq!(
            render(&root, Some(&TD), false).unwrap(),
            "<xml><Popup><List></List></Popup></xml>"
        );
        // The node's own form decides when the catalogue is silent.
        let mut arr = n(Value::Array(vec![s("1"), n(Value::Null)]));
        arr.xml = XmlForm::Siblings;
        let root = obj(vec![("Tag", arr.clone())]);
        assert_eq!(
            render(&root, None, false).unwrap(),
            "<xml><Tag><![CDATA[1]]></Tag><Tag/></xml>"
        );
        arr.xml = XmlForm::Items;
        let root = obj(vec![("Tag", arr)]);
        assert_eq!(
            render(&root, None, false).unwrap(),
            "<xml><Tag><item><![CDATA[1]]></item><item/></Tag></xml>"
        );
    }

    /// Every value that comes back changed is named, in document order, up
    /// to [`MAX_LOSSES`].
    #[test]
    fn every_loss_is_named_up_to_the_cap() {
        let empty = || n(Value::Array(Vec::new()));
        let root = obj(vec![
            ("A", empty()),
            ("B", s("x")),
            ("C", obj(vec![("x", obj(vec![])), ("y", empty())])),
        ]);
        let xml = render(&root, None, false).unwrap();
        let fields: Vec<String> = reads_back_as(&root, None, xml.as_bytes())
            .into_iter()
            .map(|l| l.field)
            .collect();
        assert_eq!(fields, ["/A", "/C/x", "/C/y"]);
        let many = obj((0..20).map(|_| ("K", empty())).collect());
        let xml = render(&many, None, false).unwrap();
        // Twenty `K`s read back as one member: the keys stop lining up there.
        assert_eq!(reads_back_as(&many, None, xml.as_bytes()).len(), 1);
        let keys: Vec<String> = (0..20).map(|i| format!("K{i}")).collect();
        let many = obj(keys.iter().map(|k| (k.as_str(), empty())).collect());
        let xml = render(&many, None, false).unwrap();
        assert_eq!(reads_back_as(&many, None, xml.as_bytes()).len(), MAX_LOSSES);
    }

    #[test]
    fn repeated_elements_are_named_outside_the_catalogues_lists() {
        let xml = "<xml><Event>e</Event><Popup><List><TemplateId>a</TemplateId></List>\
                   <List><TemplateId>b</TemplateId></List></Popup><X>1</X><Y/><X>2</X>\
                   <Event>f</Event></xml>";
        let (root, _, _) =
            crate::parse::xml::parse(xml.as_bytes(), crate::parse::Limits::default()).unwrap();
        let named = |root: &Node, td| -> Vec<(String, usize, Back)> {
            repeated_elements(root, td)
                .into_iter()
                .map(|r| (r.field, r.count, r.back))
                .collect()
        };
        // Elements repeated apart come back together.
        let apart = [
            ("/Event".to_string(), 2, Back::Together),
            ("/X".to_string(), 2, Back::Together),
        ];
        assert_eq!(named(&root, Some(&TD)), apart);
        // Without the catalogue, `List` repeated in a row comes back as it
        // was, repeated.
        assert_eq!(named(&root, None), apart);
        // An <item> list of two where the catalogue lists none comes back
        // repeated; one of one, or a listed one, as it was.
        let xml = "<xml><Popup><List><item>a</item><item>b</item></List></Popup>\
                   <Pics><item>a</item><item>b</item></Pics><One><item>a</item></One></xml>";
        let (root, _, _) =
            crate::parse::xml::parse(xml.as_bytes(), crate::parse::Limits::default()).unwrap();
        assert_eq!(
            named(&root, Some(&TD)),
            [("/Popup/List".to_string(), 2, Back::AsRepeated)]
        );
        // A repetition where the catalogue lists an <item> list comes back as it.
        let xml = "<xml><Pics><X>a</X></Pics><Pics><X>b</X></Pics></xml>";
        let (root, _, _) =
            crate::parse::xml::parse(xml.as_bytes(), crate::parse::Limits::default()).unwrap();
        assert_eq!(
            named(&root, Some(&TD)),
            [("/Pics".to_string(), 2, Back::AsItems)]
        );
    }

    #[test]
    fn errors_name_the_field_and_emit_nothing() {
        for bad in [
            "", "1a", "-a", ".a", "a b", "a<b", "a&b", "a\"", "a'", "a/b", "a=b", "xml", "a:b",
            ":a", "xml:x", "a:", "a:b:c",
        ] {
            let root = obj(vec![("Ok", obj(vec![(bad, s("x"))]))]);
            let e = render(&root, None, false).unwrap_err();
            assert_eq!(e.field, pointer_push("/Ok", bad), "{bad:?}");
        }
        let root = obj(vec![(
            "List",
            n(Value::Array(vec![
                s("fine"),
                obj(vec![("Text", s("bell\u{7}"))]),
            ])),
        )]);
        let e = render(&root, None, false).unwrap_err();
        assert_eq!(e.field, "/List/1/Text");
        assert!(e.message.contains("U+0007"), "{}", e.message);
        assert_eq!(e.to_string(), format!("/List/1/Text: {}", e.message));
        let e = render(&obj(vec![("N", s("\u{FFFF}"))]), None, false).unwrap_err();
        assert!(e.message.contains("U+FFFF"), "{}", e.message);
        let e = render(&s("x"), None, false).unwrap_err();
        assert_eq!(e.field, "");
        let e = render(
            &obj(vec![("N", n(Value::Number("1<a>".into())))]),
            None,
            false,
        )
        .unwrap_err();
        assert_eq!(e.field, "/N");
        // Allowed: tab, LF, CR, DEL, C1, non-BMP.
        assert!(render(&obj(vec![("T", s("\t\n\r\u{7f}\u{85}😀"))]), None, false).is_ok());
    }
}
