//! The human-readable report: one header line per payload, its fields annotated with
//! their catalogue meanings (中文 · English), then its diagnostics.
//!
//! Safety rule (reliability research §3.1, the tracing-subscriber lesson): every
//! payload-derived string — keys, values, type ids, messages, source names — goes
//! through [`sanitize`] first, and only then does this module add its own colour
//! codes. Colour is decided by [`PrettyOptions::color`] alone; this module never
//! touches `colored`'s process-global override.

use super::sanitize;
use super::time;
use crate::catalog::{Field, Ty, TypeDef};
use crate::diag::{Diagnostic, Severity};
use crate::doc::{is_integer_lexeme, Member, Node, Value};
use crate::report::{Envelope, Report, Summary};
use colored::Colorize;
use std::io::{self, Write};

/// How the pretty printer renders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrettyOptions {
    /// Add ANSI colours (the caller decides: TTY, `--color`, `NO_COLOR`).
    pub color: bool,
    /// Show long values in full instead of truncating them.
    pub full: bool,
    /// Display columns a string value (or key) may take before it is cut.
    pub max_value_width: usize,
    /// Zone timestamps are shown in, in seconds east of UTC.
    pub utc_offset_secs: i32,
}

impl Default for PrettyOptions {
    /// No colour, truncation at 120 columns, times in UTC+8 (China Standard Time,
    /// the zone WeChat's servers and most of its users live in).
    fn default() -> Self {
        PrettyOptions {
            color: false,
            full: false,
            max_value_width: 120,
            utc_offset_secs: 8 * 3600,
        }
    }
}

/// The value column never grows past this, so one long value does not push every
/// meaning off the screen; longer values simply overflow their row.
const VALUE_COLUMN_MAX: usize = 48;
/// Same for the key column (keys are attacker data and can be long too).
const KEY_COLUMN_MAX: usize = 40;
/// Gap between columns.
const GAP: &str = "  ";
/// Extra indentation per nesting level.
const STEP: usize = 2;
/// Rendering recurses once per level; parsers already cap depth (64 by default),
/// this is a second fence so a raised parser limit cannot exhaust the stack here.
const MAX_DEPTH: usize = 128;

/// Writes one report: header, annotated fields, diagnostics, then a blank line.
pub fn write_report(w: &mut dyn Write, r: &Report, o: &PrettyOptions) -> io::Result<()> {
    writeln!(w, "{}", header(r, o))?;
    if let Some(doc) = &r.doc {
        let ctx = match r.type_def {
            Some(t) => Ctx::Type(t),
            None => Ctx::Unknown,
        };
        match &doc.root.value {
            Value::Object(members) => write_level(w, member_rows(members, ctx, o), STEP, 0, o)?,
            // A non-object root is not a WeChat payload, but show it rather than nothing.
            _ => {
                let row = make_row(Cell::plain("(root)"), &doc.root, None, None, ctx, o);
                write_level(w, vec![row], STEP, 0, o)?;
            }
        }
    }
    for d in &r.diagnostics {
        writeln!(w, "{}", diagnostic_line(d, o))?;
    }
    writeln!(w)
}

/// Writes the closing summary line:
/// `5 payloads: 4 valid, 1 invalid · 2 skipped · 3 warnings`.
///
/// Counts that are zero are left out (only the payload count always shows).
pub fn write_summary(w: &mut dyn Write, s: &Summary, o: &PrettyOptions) -> io::Result<()> {
    let mut line = format!(
        "{} {}",
        group_thousands(s.payloads),
        plural(s.payloads, "payload", "payloads")
    );
    let mut counts = Vec::new();
    if s.valid > 0 {
        counts.push(paint(
            &format!("{} valid", group_thousands(s.valid)),
            Style::Valid,
            o,
        ));
    }
    if s.invalid > 0 {
        counts.push(paint(
            &format!("{} invalid", group_thousands(s.invalid)),
            Style::Invalid,
            o,
        ));
    }
    if !counts.is_empty() {
        line.push_str(": ");
        line.push_str(&counts.join(", "));
    }
    if s.skipped > 0 {
        line.push_str(&format!(" · {} skipped", group_thousands(s.skipped)));
    }
    if s.warnings > 0 {
        let text = format!(
            "{} {}",
            group_thousands(s.warnings),
            plural(s.warnings, "warning", "warnings")
        );
        line.push_str(" · ");
        line.push_str(&paint(&text, Style::Warning, o));
    }
    writeln!(w, "{line}")?;
    // Once per run, and only when a finding was shown: the codes in brackets are
    // what `wxmsg explain` takes.
    if let Some(code) = s.first_code {
        writeln!(w, "hint: {}", super::explain_hint(code))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Header and diagnostics

fn header(r: &Report, o: &PrettyOptions) -> String {
    let mut h = String::new();
    let location = format!("{}:{}:{}", sanitize::escape(&r.source), r.line, r.column);
    h.push_str(&paint(&location, Style::Source, o));
    h.push_str(GAP);

    let platform = match r.platform {
        Some(p) => p.as_str().to_string(),
        None if r.candidates.is_empty() => "?".to_string(),
        None => r
            .candidates
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join("|"),
    };
    h.push_str(&paint(&platform, Style::Platform, o));
    h.push_str(" · ");
    // The type id is the payload's own MsgType/Event text: sanitise and bound it.
    let type_id = match &r.type_id {
        Some(t) => short_marked(t, o),
        None => "?".to_string(),
    };
    h.push_str(&paint(&type_id, Style::Type, o));

    if let Some(t) = r.type_def {
        h.push_str(GAP);
        h.push_str(&meaning_text(t.zh, t.en));
    }

    h.push_str(GAP);
    h.push('(');
    h.push_str(r.format.as_str());
    if let Some(e) = r.envelope {
        h.push_str(", ");
        h.push_str(envelope_text(e));
    }
    if let Some(doc) = &r.doc {
        if let Some(e) = &doc.embedded {
            if e.field.is_empty() {
                h.push_str(", from an escaped JSON string");
            } else {
                h.push_str(", embedded in ");
                h.push_str(&short_marked(&e.field, o));
            }
        }
        if doc.lenient {
            h.push_str(", lenient");
        }
    }
    h.push(')');

    h.push_str(GAP);
    if r.valid() {
        h.push_str(&paint("✔ valid", Style::Valid, o));
    } else {
        h.push_str(&paint("✘ invalid", Style::Invalid, o));
    }
    h
}

fn envelope_text(e: Envelope) -> &'static str {
    match e {
        Envelope::Push => "encrypted push envelope",
        Envelope::Reply => "encrypted reply envelope",
        Envelope::Compat => "compatibility mode",
        Envelope::SyncMsg => "via sync_msg",
    }
}

fn diagnostic_line(d: &Diagnostic, o: &PrettyOptions) -> String {
    let style = match d.severity {
        Severity::Error => Style::Error,
        Severity::Warning => Style::Warning,
        Severity::Info => Style::Info,
    };
    let tag = format!("{}[{}]", d.severity.as_str(), d.code.as_str());
    let mut line = format!("  {} {}:{}", paint(&tag, style, o), d.line, d.column);
    // Paths and messages carry input (keys, parser snippets, unknown values):
    // escaped (T14) and, unless `full`, cut like values (with twice the room, as
    // messages are sentences) so one hostile key cannot make a line of megabytes.
    let width = o.max_value_width.saturating_mul(2);
    if let Some(f) = &d.field {
        line.push(' ');
        line.push_str(&bounded(f, width, o));
        line.push(':');
    }
    line.push(' ');
    line.push_str(&bounded(&d.message, width, o));
    line
}

// ---------------------------------------------------------------------------
// Fields

/// Where catalogue lookups happen for the members of one object.
#[derive(Clone, Copy)]
enum Ctx {
    /// Top level of a catalogued type.
    Type(&'static TypeDef),
    /// Inside a catalogued object (or the items of a catalogued object array).
    Fields(&'static [Field]),
    /// No catalogue information (unknown type, or inside an unknown field).
    Unknown,
}

impl Ctx {
    fn lookup(self, name: &str) -> Option<&'static Field> {
        match self {
            Ctx::Type(t) => t.field(name),
            Ctx::Fields(fs) => fs.iter().find(|f| f.name == name),
            Ctx::Unknown => None,
        }
    }

    /// Whether a miss in [`Ctx::lookup`] means "not in catalogue" (rather than
    /// "nothing is known here").
    fn is_catalogued(self) -> bool {
        !matches!(self, Ctx::Unknown)
    }

    /// Context for the members below a field (its object, or its array's items).
    fn below(field: Option<&'static Field>) -> Ctx {
        match field {
            Some(f) if !f.children.is_empty() => Ctx::Fields(f.children),
            _ => Ctx::Unknown,
        }
    }
}

/// Text already made safe, plus its display width (colour codes excluded).
#[derive(Default)]
struct Cell {
    text: String,
    width: usize,
}

impl Cell {
    /// A cell from text that is already safe (escaped payload text or our own words).
    fn plain(s: &str) -> Cell {
        Cell {
            text: s.to_string(),
            width: sanitize::width(s),
        }
    }

    fn push(&mut self, s: &str) {
        self.width += sanitize::width(s);
        self.text.push_str(s);
    }

    fn push_styled(&mut self, s: &str, style: Style, o: &PrettyOptions) {
        self.width += sanitize::width(s);
        if o.color {
            self.text.push_str(&paint(s, style, o));
        } else {
            self.text.push_str(s);
        }
    }
}

/// What comes below a row.
enum Nested<'a> {
    None,
    Object(&'a [Member], Ctx),
    Array(&'a [Node], Ctx),
}

/// One line of the field table, before column widths are known.
struct Row<'a> {
    label: Cell,
    value: Cell,
    meaning: Option<Cell>,
    nested: Nested<'a>,
}

fn member_rows<'a>(members: &'a [Member], ctx: Ctx, o: &PrettyOptions) -> Vec<Row<'a>> {
    members
        .iter()
        .map(|m| {
            let field = ctx.lookup(&m.key);
            let meaning = match field {
                Some(f) => Some(meaning_cell(f.zh, f.en, o)),
                None if ctx.is_catalogued() => {
                    let mut c = Cell::default();
                    c.push_styled("(not in catalogue)", Style::Warning, o);
                    Some(c)
                }
                None => None,
            };
            make_row(
                key_cell(&m.key, o),
                &m.node,
                field,
                meaning,
                Ctx::below(field),
                o,
            )
        })
        .collect()
}

fn item_rows<'a>(items: &'a [Node], ctx: Ctx, o: &PrettyOptions) -> Vec<Row<'a>> {
    items
        .iter()
        .enumerate()
        .map(|(i, n)| make_row(Cell::plain(&format!("[{i}]")), n, None, None, ctx, o))
        .collect()
}

/// Builds the row of one value; `below` is the context for its members or items.
fn make_row<'a>(
    label: Cell,
    node: &'a Node,
    field: Option<&'static Field>,
    meaning: Option<Cell>,
    below: Ctx,
    o: &PrettyOptions,
) -> Row<'a> {
    let mut value = Cell::default();
    let nested = match &node.value {
        Value::Null => {
            value.push("null");
            Nested::None
        }
        Value::Bool(b) => {
            value.push(if *b { "true" } else { "false" });
            Nested::None
        }
        Value::Number(n) => {
            // The lexeme comes from the parser, but it is still payload text.
            push_truncated(&mut value, n, false, o);
            Nested::None
        }
        Value::String(s) => {
            push_truncated(&mut value, s, true, o);
            Nested::None
        }
        Value::Object(m) if m.is_empty() => {
            value.push("{}");
            Nested::None
        }
        Value::Object(m) => Nested::Object(m, below),
        Value::Array(items) => {
            value.push(&format!(
                "[{} {}]",
                group_thousands(items.len() as u64),
                plural(items.len() as u64, "item", "items")
            ));
            Nested::Array(items, below)
        }
    };
    if let Some(f) = field {
        annotate(&mut value, node, f, o);
    }
    Row {
        label,
        value,
        meaning,
        nested,
    }
}

/// Appends `→ date` to timestamps and `→ 中文 · English` to enumerated codes.
fn annotate(value: &mut Cell, node: &Node, f: &Field, o: &PrettyOptions) {
    if f.ty == Ty::Timestamp {
        let digits = match &node.value {
            Value::Number(n) | Value::String(n) if is_integer_lexeme(n) => Some(n),
            _ => None,
        };
        if let Some(n) = digits {
            let date = match n.parse::<i64>() {
                Ok(secs) => time::format_unix(secs, o.utc_offset_secs),
                // More digits than i64 holds: certainly not a date.
                Err(_) => time::OUT_OF_RANGE.to_string(),
            };
            value.push(" → ");
            value.push(&date);
        }
    }
    if !f.codes.is_empty() {
        if let Some(text) = node.scalar_text() {
            value.push(" → ");
            match f.code(text) {
                Some(c) => value.push(&format!("{} · {}", c.zh, c.en)),
                None => value.push_styled("(unknown code)", Style::Warning, o),
            }
        }
    }
}

/// Appends payload text, escaped and (unless `full`) cut with a `… (N more bytes)`
/// marker; strings are quoted with `"` and inner quotes written `\"`.
fn push_truncated(cell: &mut Cell, s: &str, quoted: bool, o: &PrettyOptions) {
    let (text, left) = if o.full {
        (sanitize::escape(s), None)
    } else {
        sanitize::escape_truncated(s, o.max_value_width)
    };
    if quoted {
        cell.push(&format!("\"{}\"", text.replace('"', "\\\"")));
    } else {
        cell.push(&text);
    }
    if let Some(n) = left {
        cell.push_styled(&more_bytes(n), Style::Meaning, o);
    }
}

/// A key label: escaped and bounded like a value. Unquoted for readability, except
/// when empty or when it starts or ends with whitespace: `"MsgType "` must not look
/// like `MsgType`, or the `(not in catalogue)` next to it would be a riddle.
fn key_cell(key: &str, o: &PrettyOptions) -> Cell {
    let quote = key.is_empty()
        || key.starts_with(char::is_whitespace)
        || key.ends_with(char::is_whitespace);
    let (text, more) = short(key, o);
    let mut c = if quote {
        Cell::plain(&format!("\"{}\"", text.replace('"', "\\\"")))
    } else {
        Cell::plain(&text)
    };
    if let Some(m) = more {
        c.push_styled(&m, Style::Meaning, o);
    }
    c
}

/// Escaped, bounded payload text with its cut marker attached (for header parts).
fn short_marked(s: &str, o: &PrettyOptions) -> String {
    bounded(s, o.max_value_width, o)
}

/// Escaped text cut to `width` columns (unless `full`), with its cut marker.
fn bounded(s: &str, width: usize, o: &PrettyOptions) -> String {
    if o.full {
        return sanitize::escape(s).into_owned();
    }
    let (text, left) = sanitize::escape_truncated(s, width);
    let mut text = text.into_owned();
    if let Some(n) = left {
        text.push_str(&more_bytes(n));
    }
    text
}

/// Escaped, bounded payload text without quotes, and the marker when it was cut.
fn short(s: &str, o: &PrettyOptions) -> (String, Option<String>) {
    if o.full {
        return (sanitize::escape(s).into_owned(), None);
    }
    let (text, left) = sanitize::escape_truncated(s, o.max_value_width);
    (text.into_owned(), left.map(more_bytes))
}

fn more_bytes(n: usize) -> String {
    format!(
        "… ({} more {})",
        group_thousands(n as u64),
        plural(n as u64, "byte", "bytes")
    )
}

fn meaning_cell(zh: &str, en: &str, o: &PrettyOptions) -> Cell {
    let mut c = Cell::default();
    c.push_styled(&meaning_text(zh, en), Style::Meaning, o);
    c
}

/// `中文 · English`, or whichever half exists.
fn meaning_text(zh: &str, en: &str) -> String {
    match (zh.is_empty(), en.is_empty()) {
        (false, false) => {
            let mut t = String::with_capacity(zh.len() + en.len() + 4);
            t.push_str(zh);
            t.push_str(" · ");
            t.push_str(en);
            t
        }
        (false, true) => zh.to_string(),
        (true, _) => en.to_string(),
    }
}

/// Writes the rows of one level with aligned columns, then recurses into each row's
/// nested object or array right below it.
fn write_level(
    w: &mut dyn Write,
    rows: Vec<Row<'_>>,
    indent: usize,
    depth: usize,
    o: &PrettyOptions,
) -> io::Result<()> {
    let key_w = rows
        .iter()
        .map(|r| r.label.width)
        .max()
        .unwrap_or(0)
        .min(KEY_COLUMN_MAX);
    let val_w = rows
        .iter()
        .map(|r| r.value.width)
        .max()
        .unwrap_or(0)
        .min(VALUE_COLUMN_MAX);
    let mut line = String::new();
    for row in rows {
        line.clear();
        push_spaces(&mut line, indent);
        line.push_str(&row.label.text);
        // No padding unless something follows: output carries no trailing blanks.
        if row.value.width > 0 || row.meaning.is_some() {
            push_spaces(&mut line, key_w.saturating_sub(row.label.width));
            line.push_str(GAP);
            line.push_str(&row.value.text);
        }
        if let Some(m) = &row.meaning {
            push_spaces(&mut line, val_w.saturating_sub(row.value.width));
            line.push_str(GAP);
            line.push_str(&m.text);
        }
        line.push('\n');
        w.write_all(line.as_bytes())?;

        let (rows, next) = match row.nested {
            Nested::None => continue,
            Nested::Object(members, ctx) => (member_rows(members, ctx, o), indent + STEP),
            Nested::Array(items, ctx) => (item_rows(items, ctx, o), indent + STEP),
        };
        if rows.is_empty() {
            continue;
        }
        if depth + 1 >= MAX_DEPTH {
            let mut line = String::new();
            push_spaces(&mut line, next);
            line.push_str(&format!(
                "… (nested deeper than {MAX_DEPTH} levels; not shown)"
            ));
            writeln!(w, "{line}")?;
            continue;
        }
        write_level(w, rows, next, depth + 1, o)?;
    }
    Ok(())
}

fn push_spaces(s: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = n;
    while left > 0 {
        let k = left.min(SPACES.len());
        s.push_str(&SPACES[..k]);
        left -= k;
    }
}

// ---------------------------------------------------------------------------
// Small helpers

#[derive(Clone, Copy)]
enum Style {
    Source,
    Platform,
    Type,
    Valid,
    Invalid,
    Error,
    Warning,
    Info,
    Meaning,
}

/// Colours already-safe text. Plain when colour is off, so widths and tests do not
/// depend on the terminal.
fn paint(s: &str, style: Style, o: &PrettyOptions) -> String {
    if !o.color || s.is_empty() {
        return s.to_string();
    }
    let c = match style {
        Style::Source | Style::Type => s.bold(),
        Style::Platform => s.cyan(),
        Style::Valid => s.green(),
        Style::Invalid => s.red().bold(),
        Style::Error => s.red(),
        Style::Warning => s.yellow(),
        Style::Info => s.blue(),
        Style::Meaning => s.dimmed(),
    };
    c.to_string()
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// `1234567` → `1,234,567`.
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{self, code, Direction, Disc, PlatformId, Req, Xml};
    use crate::diag::Code;
    use crate::doc::{Document, Embedding, Format};
    use std::sync::Arc;

    // --- builders -------------------------------------------------------------

    fn s(v: &str) -> Node {
        Node::new(0, Value::String(v.to_string()))
    }

    fn num(v: &str) -> Node {
        Node::new(0, Value::Number(v.to_string()))
    }

    fn obj(members: Vec<(&str, Node)>) -> Node {
        let members = members
            .into_iter()
            .map(|(k, node)| Member {
                key: k.to_string(),
                key_pos: 0,
                node,
            })
            .collect();
        Node::new(0, Value::Object(members))
    }

    fn arr(items: Vec<Node>) -> Node {
        Node::new(0, Value::Array(items))
    }

    /// A report for `root`, as if parsed from `text` in `source`.
    fn report(source: &str, text: &str, format: Format, root: Option<Node>) -> Report {
        let source: Arc<str> = Arc::from(source);
        let doc = root.map(|root| Document {
            source: source.clone(),
            format,
            text: Arc::from(text),
            line: 1,
            column: 1,
            root,
            embedded: None,
            lenient: false,
        });
        Report {
            source,
            line: 1,
            column: 1,
            format,
            platform: None,
            candidates: Vec::new(),
            type_id: None,
            type_def: None,
            envelope: None,
            payload_json: None,
            diagnostics: Vec::new(),
            doc,
        }
    }

    fn typed(mut r: Report, t: &'static TypeDef) -> Report {
        r.platform = Some(t.platform);
        r.candidates = vec![t.platform];
        r.type_id = Some(t.id.to_string());
        r.type_def = Some(t);
        r
    }

    fn render_with(r: &Report, o: &PrettyOptions) -> String {
        let mut out = Vec::new();
        write_report(&mut out, r, o).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn render(r: &Report) -> String {
        render_with(r, &PrettyOptions::default())
    }

    fn summary(s: &Summary) -> String {
        let mut out = Vec::new();
        write_summary(&mut out, s, &PrettyOptions::default()).unwrap();
        String::from_utf8(out).unwrap()
    }

    // --- test catalogue (stable, independent of the real data being edited) ---

    static ORIGIN_CODES: &[catalog::EnumCode] = &[
        code("3", "微信客户发送的消息", "sent by the WeChat customer"),
        code("4", "系统推送的事件消息", "system event"),
        code(
            "5",
            "接待人员在企业微信客户端发送的消息",
            "sent by a staff member",
        ),
    ];

    static KF_EVENT_CHILDREN: &[Field] = &[
        Field::new(
            "event_type",
            Ty::String,
            Xml::Plain,
            Req::Always,
            "事件类型",
            "event type",
        )
        .codes(&[code(
            "enter_session",
            "用户进入会话",
            "user entered the session",
        )]),
        Field::new(
            "scene",
            Ty::String,
            Xml::Plain,
            Req::Optional,
            "场景值",
            "scene",
        ),
    ];

    static KF_EVENT_FIELDS: &[Field] = &[
        Field::new(
            "msgid",
            Ty::String,
            Xml::Plain,
            Req::Always,
            "消息ID",
            "message id",
        ),
        Field::new(
            "send_time",
            Ty::Timestamp,
            Xml::Plain,
            Req::Always,
            "发送时间",
            "send time",
        )
        .variants(&[Ty::String]),
        Field::new(
            "origin",
            Ty::Integer,
            Xml::Plain,
            Req::Always,
            "消息来源",
            "message source",
        )
        .codes(ORIGIN_CODES),
        Field::new(
            "msgtype",
            Ty::String,
            Xml::Plain,
            Req::Always,
            "消息类型",
            "message type",
        ),
        Field::new(
            "event",
            Ty::Object,
            Xml::Nested,
            Req::Always,
            "事件",
            "event",
        )
        .children(KF_EVENT_CHILDREN),
    ];

    static KF_EVENT: TypeDef = TypeDef {
        platform: PlatformId::WecomKf,
        id: "event.enter_session",
        disc: Disc::Snake,
        zh: "进入会话事件",
        en: "user entered the session",
        direction: Direction::SystemEvent,
        formats: &[Format::Json],
        fields: &[KF_EVENT_FIELDS],
        note: "",
    };

    static PIC_ITEM: &[Field] = &[Field::new(
        "PicMd5Sum",
        Ty::String,
        Xml::Cdata,
        Req::Always,
        "图片的MD5值",
        "picture MD5",
    )];

    static PIC_FIELDS: &[Field] = &[
        Field::new(
            "Count",
            Ty::Integer,
            Xml::Plain,
            Req::Always,
            "图片数量",
            "picture count",
        ),
        Field::new(
            "PicList",
            Ty::ObjectArray,
            Xml::Items,
            Req::Always,
            "图片列表",
            "pictures",
        )
        .children(PIC_ITEM),
        Field::new(
            "Tags",
            Ty::StringArray,
            Xml::Items,
            Req::Optional,
            "标签",
            "tags",
        ),
    ];

    static PIC_EVENT: TypeDef = TypeDef {
        platform: PlatformId::OfficialAccount,
        id: "event.pic_sysphoto",
        disc: Disc::Pascal,
        zh: "弹出系统拍照发图",
        en: "system camera photo",
        direction: Direction::SystemEvent,
        formats: &[Format::Xml],
        fields: &[PIC_FIELDS],
        note: "",
    };

    // --- tests ------------------------------------------------------------------

    /// Replaces `{name}` placeholders with the real catalogue meaning of that field,
    /// so the test pins layout without copying catalogue text that may be refined.
    fn with_meanings(template: &str, t: &TypeDef) -> String {
        let mut out = template.replace("{type}", &format!("{} · {}", t.zh, t.en));
        for f in t.all_fields() {
            out = out.replace(&format!("{{{}}}", f.name), &format!("{} · {}", f.zh, f.en));
        }
        out
    }

    #[test]
    fn valid_miniprogram_text() {
        let t = catalog::find(PlatformId::Miniprogram, "text").unwrap();
        let text = r#"{"ToUserName":"toUser","FromUserName":"fromUser","CreateTime":1482048670,"MsgType":"text","Content":"this is a test","MsgId":1234567890123456}"#;
        let root = obj(vec![
            ("ToUserName", s("toUser")),
            ("FromUserName", s("fromUser")),
            ("CreateTime", num("1482048670")),
            ("MsgType", s("text")),
            ("Content", s("this is a test")),
            ("MsgId", num("1234567890123456")),
        ]);
        let r = typed(
            report(
                "fixtures/miniprogram/text.json",
                text,
                Format::Json,
                Some(root),
            ),
            t,
        );
        let expected = with_meanings(
            "\
fixtures/miniprogram/text.json:1:1  miniprogram · text  {type}  (json)  ✔ valid
  ToUserName    \"toUser\"                                 {ToUserName}
  FromUserName  \"fromUser\"                               {FromUserName}
  CreateTime    1482048670 → 2016-12-18 16:11:10 +08:00  {CreateTime}
  MsgType       \"text\"                                   {MsgType}
  Content       \"this is a test\"                         {Content}
  MsgId         1234567890123456                         {MsgId}

",
            t,
        );
        assert_eq!(render(&r), expected);
    }

    #[test]
    fn kf_event_with_nested_object_and_codes() {
        let root = obj(vec![
            ("msgid", s("from_msgid_4622416642169452483")),
            ("send_time", s("1615478585")),
            ("origin", num("4")),
            ("msgtype", s("event")),
            (
                "event",
                obj(vec![
                    ("event_type", s("enter_session")),
                    ("scene", s("123")),
                    ("open_kfid", s("wkxxxx")),
                ]),
            ),
        ]);
        let r = typed(report("kf.json", "{}", Format::Json, Some(root)), &KF_EVENT);
        let expected = "\
kf.json:1:1  wecom-kf · event.enter_session  进入会话事件 · user entered the session  (json)  ✔ valid
  msgid      \"from_msgid_4622416642169452483\"           消息ID · message id
  send_time  \"1615478585\" → 2021-03-12 00:03:05 +08:00  发送时间 · send time
  origin     4 → 系统推送的事件消息 · system event      消息来源 · message source
  msgtype    \"event\"                                    消息类型 · message type
  event                                                 事件 · event
    event_type  \"enter_session\" → 用户进入会话 · user entered the session  事件类型 · event type
    scene       \"123\"                                             场景值 · scene
    open_kfid   \"wkxxxx\"                                          (not in catalogue)

";
        assert_eq!(render(&r), expected);
    }

    #[test]
    fn unknown_code_and_odd_timestamps() {
        let root = obj(vec![
            ("origin", num("9")),
            ("send_time", num("1615478585000")),
            ("msgid", num("99999999999999999999999")),
        ]);
        let mut r = typed(report("k", "{}", Format::Json, Some(root)), &KF_EVENT);
        r.diagnostics.push(
            Diagnostic::new(Code::UnknownCode, "origin 9 is not listed", 1, 2)
                .with_field("/origin"),
        );
        let expected = "\
k:1:1  wecom-kf · event.enter_session  进入会话事件 · user entered the session  (json)  ✔ valid
  origin     9 → (unknown code)                   消息来源 · message source
  send_time  1615478585000 → (date out of range)  发送时间 · send time
  msgid      99999999999999999999999              消息ID · message id
  warning[unknown-code] 1:2 /origin: origin 9 is not listed

";
        assert_eq!(render(&r), expected);
    }

    #[test]
    fn arrays() {
        let root = obj(vec![
            ("Count", num("2")),
            (
                "PicList",
                arr(vec![
                    obj(vec![("PicMd5Sum", s("1b5f7c23b5bf75682a53e7b6d163e185"))]),
                    obj(vec![("PicMd5Sum", s("x")), ("Extra", s("y"))]),
                ]),
            ),
            ("Tags", arr(vec![s("a")])),
            ("Empty", arr(vec![])),
            ("EmptyObj", obj(vec![])),
            (
                "Nested",
                arr(vec![arr(vec![num("1"), Node::new(0, Value::Null)])]),
            ),
        ]);
        let r = typed(
            report("a.xml", "<xml/>", Format::Xml, Some(root)),
            &PIC_EVENT,
        );
        let expected = "\
a.xml:1:1  official-account · event.pic_sysphoto  弹出系统拍照发图 · system camera photo  (xml)  ✔ valid
  Count     2          图片数量 · picture count
  PicList   [2 items]  图片列表 · pictures
    [0]
      PicMd5Sum  \"1b5f7c23b5bf75682a53e7b6d163e185\"  图片的MD5值 · picture MD5
    [1]
      PicMd5Sum  \"x\"  图片的MD5值 · picture MD5
      Extra      \"y\"  (not in catalogue)
  Tags      [1 item]   标签 · tags
    [0]  \"a\"
  Empty     [0 items]  (not in catalogue)
  EmptyObj  {}         (not in catalogue)
  Nested    [1 item]   (not in catalogue)
    [0]  [2 items]
      [0]  1
      [1]  null

";
        assert_eq!(render(&r), expected);
    }

    #[test]
    fn invalid_report_with_diagnostics() {
        let root = obj(vec![
            ("send_time", num("1615478585")),
            ("origin", s("3")),
            ("Foo", Node::new(0, Value::Bool(false))),
        ]);
        let mut r = typed(
            report("bad.json", "{}", Format::Json, Some(root)),
            &KF_EVENT,
        );
        r.line = 3;
        r.column = 7;
        r.diagnostics = vec![
            Diagnostic::new(Code::MissingField, "required field msgid is missing", 1, 1)
                .with_field("/msgid"),
            Diagnostic::new(Code::TypeMismatch, "expected integer, found string", 1, 40)
                .with_field("/origin"),
            Diagnostic::new(Code::UnknownField, "Foo is not a field of this type", 1, 45)
                .with_field("/Foo"),
            Diagnostic::new(Code::EscapedText, "a string holds \\u escapes", 1, 50),
        ];
        let expected = "\
bad.json:3:7  wecom-kf · event.enter_session  进入会话事件 · user entered the session  (json)  ✘ invalid
  send_time  1615478585 → 2021-03-12 00:03:05 +08:00           发送时间 · send time
  origin     \"3\" → 微信客户发送的消息 · sent by the WeChat customer  消息来源 · message source
  Foo        false                                             (not in catalogue)
  error[missing-field] 1:1 /msgid: required field msgid is missing
  error[type-mismatch] 1:40 /origin: expected integer, found string
  warning[unknown-field] 1:45 /Foo: Foo is not a field of this type
  info[escaped-text] 1:50 a string holds \\\\u escapes

";
        assert_eq!(render(&r), expected);
    }

    #[test]
    fn unparseable_report() {
        let mut r = report("logs/app.log", "", Format::Json, None);
        r.line = 12;
        r.column = 5;
        r.diagnostics = vec![Diagnostic::new(
            Code::JsonSyntax,
            "expected `,` or `}` after object member",
            12,
            40,
        )];
        let expected = "\
logs/app.log:12:5  ? · ?  (json)  ✘ invalid
  error[json-syntax] 12:40 expected `,` or `}` after object member

";
        assert_eq!(render(&r), expected);
    }

    #[test]
    fn ambiguous_platform() {
        let root = obj(vec![("MsgType", s("text")), ("Content", s("hi"))]);
        let mut r = report("x.xml", "<xml/>", Format::Xml, Some(root));
        r.candidates = vec![PlatformId::Miniprogram, PlatformId::OfficialAccount];
        r.type_id = Some("text".to_string());
        r.diagnostics = vec![Diagnostic::new(
            Code::AmbiguousPlatform,
            "fits miniprogram and official-account equally",
            1,
            1,
        )];
        // Without a type there is no catalogue to compare with: no meanings at all.
        let expected = "\
x.xml:1:1  miniprogram|official-account · text  (xml)  ✔ valid
  MsgType  \"text\"
  Content  \"hi\"
  warning[ambiguous-platform] 1:1 fits miniprogram and official-account equally

";
        assert_eq!(render(&r), expected);
    }

    #[test]
    fn header_mentions_envelope_embedding_and_leniency() {
        let mut r = report("e.log", "{}", Format::Json, Some(obj(vec![])));
        r.platform = Some(PlatformId::WecomKf);
        r.envelope = Some(Envelope::SyncMsg);
        if let Some(d) = r.doc.as_mut() {
            d.lenient = true;
            d.embedded = Some(Embedding {
                field: "/body".to_string(),
                line: 4,
                column: 9,
            });
        }
        assert_eq!(
            render(&r),
            "e.log:1:1  wecom-kf · ?  (json, via sync_msg, embedded in /body, lenient)  ✔ valid\n\n"
        );
        r.envelope = Some(Envelope::Push);
        r.doc = None;
        assert!(render(&r).contains("(json, encrypted push envelope)"));
    }

    #[test]
    fn hostile_keys_values_and_messages_are_escaped() {
        let family = "👨\u{200d}👩\u{200d}👧";
        let root = obj(vec![
            (
                "\u{1b}[2Jkey",
                s("\u{1b}]8;;http://evil\u{7}click\u{1b}]8;;\u{7}"),
            ),
            ("name", s("invoice\u{202e}fdp.exe")),
            ("id", s("o6_bm\u{200b}jp4")),
            ("cr", s("signature BAD\rsignature OK")),
            ("quote", s("say \"hi\"")),
            ("emoji", s(&format!("{family} ❤\u{fe0f}"))),
        ]);
        let mut r = report("evil\u{1b}[31m.json", "{}", Format::Json, Some(root));
        r.type_id = Some("te\u{9b}xt".to_string());
        r.diagnostics =
            vec![
                Diagnostic::new(Code::UnknownField, "unknown field \u{1b}[2J\u{202e}", 1, 2)
                    .with_field("/\u{1b}[2Jkey"),
            ];
        let expected = format!(
            "\
evil\\x1b[31m.json:1:1  ? · te\\u{{9b}}xt  (json)  ✔ valid
  \\x1b[2Jkey  \"\\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07\"
  name        \"invoice\\u{{202e}}fdp.exe\"
  id          \"o6_bm\\u{{200b}}jp4\"
  cr          \"signature BAD\\rsignature OK\"
  quote       \"say \\\"hi\\\"\"
  emoji       \"{family} ❤\u{fe0f}\"
  warning[unknown-field] 1:2 /\\x1b[2Jkey: unknown field \\x1b[2J\\u{{202e}}

"
        );
        let out = render(&r);
        assert_eq!(out, expected);
        for bad in ['\u{1b}', '\r', '\u{7}', '\u{9b}', '\u{202e}', '\u{200b}'] {
            assert!(!out.contains(bad), "{bad:?} leaked");
        }
        assert!(out.contains(family), "emoji ZWJ sequence kept");
    }

    #[test]
    fn keys_with_edge_whitespace_are_quoted() {
        let root = obj(vec![
            ("MsgType ", s("text")),
            ("", s("empty")),
            ("\u{3000}a\"b", num("1")),
            ("a b", num("2")),
        ]);
        let r = report("q.json", "{}", Format::Json, Some(root));
        let expected = "\
q.json:1:1  ? · ?  (json)  ✔ valid
  \"MsgType \"  \"text\"
  \"\"          \"empty\"
  \"\u{3000}a\\\"b\"    1
  a b         2

";
        assert_eq!(render(&r), expected);
    }

    #[test]
    fn cjk_aligns_by_display_width() {
        let root = obj(vec![
            ("名字", s("中文内容")),
            ("Count", num("2")),
            ("备注", s("ab")),
        ]);
        let r = typed(report("c.json", "{}", Format::Json, Some(root)), &PIC_EVENT);
        let expected = "\
c.json:1:1  official-account · event.pic_sysphoto  弹出系统拍照发图 · system camera photo  (json)  ✔ valid
  名字   \"中文内容\"  (not in catalogue)
  Count  2           图片数量 · picture count
  备注   \"ab\"        (not in catalogue)

";
        assert_eq!(render(&r), expected);
        // Every meaning starts at the same display column.
        let cols: Vec<usize> = expected
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (before, _) = l.split_once(['(', '图']).unwrap();
                sanitize::width(before)
            })
            .collect();
        assert!(cols.windows(2).all(|w| w[0] == w[1]), "{cols:?}");
    }

    #[test]
    fn truncation_marker_and_full() {
        let big = "x".repeat(1_000_000);
        let root = obj(vec![
            ("a", s("abcdefghijklmnop")),
            ("b", s("一二三四五六七八")),
            ("c", s("short")),
            ("d", s(&big)),
            ("abcdefghijklmnopqrstuvwxyz", num("1")),
        ]);
        let r = report("t.json", "{}", Format::Json, Some(root));
        let o = PrettyOptions {
            max_value_width: 10,
            ..PrettyOptions::default()
        };
        let expected = "\
t.json:1:1  ? · ?  (json)  ✔ valid
  a                            \"abcdefghij\"… (6 more bytes)
  b                            \"一二三四五\"… (9 more bytes)
  c                            \"short\"
  d                            \"xxxxxxxxxx\"… (999,990 more bytes)
  abcdefghij… (16 more bytes)  1

";
        assert_eq!(render_with(&r, &o), expected);

        let full = PrettyOptions { full: true, ..o };
        let out = render_with(&r, &full);
        assert!(
            out.contains(&format!("\n  a{}\"abcdefghijklmnop\"\n", " ".repeat(27))),
            "{out}"
        );
        assert!(out.contains("\"一二三四五六七八\"\n"));
        assert!(out.contains(&format!("\"{big}\"\n")));
        assert!(!out.contains("more bytes"));
    }

    #[test]
    fn non_object_root_and_deep_nesting() {
        let r = report("s.json", "\"x\"", Format::Json, Some(s("x")));
        assert_eq!(
            render(&r),
            "s.json:1:1  ? · ?  (json)  ✔ valid\n  (root)  \"x\"\n\n"
        );

        let mut node = num("1");
        for _ in 0..(MAX_DEPTH + 50) {
            node = obj(vec![("k", node)]);
        }
        let r = report("deep.json", "{}", Format::Json, Some(node));
        let out = render(&r);
        assert!(out.contains("nested deeper than 128 levels; not shown"));
        assert_eq!(
            out.lines().filter(|l| l.trim_start() == "k").count(),
            MAX_DEPTH
        );
    }

    #[test]
    fn colour_only_wraps_safe_text() {
        let root = obj(vec![
            ("\u{1b}[2J", s("\u{1b}]52;c;ZXZpbA==\u{7}")),
            ("origin", num("7")),
        ]);
        let mut r = typed(report("c.json", "{}", Format::Json, Some(root)), &KF_EVENT);
        r.diagnostics = vec![
            Diagnostic::new(Code::MissingField, "msgid \u{1b}[8m", 1, 1),
            Diagnostic::new(Code::Encrypted, "needs the key", 1, 1),
        ];
        let plain = render(&r);
        let colored = render_with(
            &r,
            &PrettyOptions {
                color: true,
                ..PrettyOptions::default()
            },
        );
        // Whether `colored` emits codes depends on the environment (it checks the
        // terminal); either way the only escapes are SGR colour codes of our own.
        assert_eq!(strip_sgr(&colored), plain);
        assert!(!plain.contains('\u{1b}'));
    }

    /// Removes `ESC [ digits/semicolons m`; panics on any other escape sequence.
    fn strip_sgr(s: &str) -> String {
        let mut out = String::new();
        let mut it = s.chars().peekable();
        while let Some(c) = it.next() {
            if c != '\u{1b}' {
                out.push(c);
                continue;
            }
            assert_eq!(it.next(), Some('['), "non-CSI escape in {s:?}");
            loop {
                match it.next() {
                    Some('m') => break,
                    Some(d) if d.is_ascii_digit() || d == ';' => {}
                    other => panic!("non-SGR escape {other:?} in {s:?}"),
                }
            }
        }
        out
    }

    #[test]
    fn summaries() {
        let mut sm = Summary {
            payloads: 1,
            valid: 1,
            ..Summary::default()
        };
        assert_eq!(summary(&sm), "1 payload: 1 valid\n");
        sm = Summary {
            payloads: 5,
            valid: 4,
            invalid: 1,
            skipped: 2,
            warnings: 3,
            ..Summary::default()
        };
        assert_eq!(
            summary(&sm),
            "5 payloads: 4 valid, 1 invalid · 2 skipped · 3 warnings\n"
        );
        sm = Summary {
            payloads: 2,
            valid: 0,
            invalid: 2,
            skipped: 0,
            warnings: 1,
            ..Summary::default()
        };
        assert_eq!(summary(&sm), "2 payloads: 2 invalid · 1 warning\n");
        sm = Summary {
            payloads: 0,
            skipped: 1234,
            ..Summary::default()
        };
        assert_eq!(summary(&sm), "0 payloads · 1,234 skipped\n");
    }

    #[test]
    fn thousands() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(group_thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    proptest::proptest! {
        #[test]
        fn any_payload_text_renders_inert(key in ".*", value in ".*", msg in ".*") {
            let root = obj(vec![(key.as_str(), s(&value)), ("k", num(&value))]);
            let mut r = report(&key, "{}", Format::Json, Some(root));
            r.type_id = Some(value.clone());
            r.diagnostics = vec![Diagnostic::new(Code::UnknownField, msg, 1, 1).with_field(key)];
            for o in [PrettyOptions::default(), PrettyOptions { full: true, max_value_width: 3, ..PrettyOptions::default() }] {
                let out = render_with(&r, &o);
                for c in out.chars() {
                    proptest::prop_assert!(c == '\n' || !c.is_control(), "{:?} in {:?}", c, out);
                }
            }
        }
    }
}
