//! The human-readable report: one header line per payload, its fields annotated with
//! their catalogue meanings (中文 · English), then its diagnostics.
//!
//! Safety rule (reliability research §3.1, the tracing-subscriber lesson): every
//! payload-derived string — keys, values, type ids, messages, source names — goes
//! through [`sanitize`] first, and only then does this module add its own colour
//! codes. Colour is decided by [`PrettyOptions::color`] alone; this module never
//! touches `colored`'s process-global override.
//!
//! Speed: a report is rendered into one reused buffer and handed to the writer in a
//! single call. Cells are appended to a shared scratch string (no `String` per cell),
//! widths come from the same pass that escapes the text, and meanings (the last
//! column) are never measured at all.

use super::payload::{Items, Members, Nested, Shape, Val};
use super::sanitize;
use super::{decimal, time};
use crate::catalog::{EnumCode, Field, Ty, TypeDef};
use crate::diag::{Diagnostic, Severity};
use crate::doc::is_integer_lexeme;
use crate::report::{Envelope, Report, Summary};
use crate::validate;
use colored::{ColoredString, Colorize};
use std::cell::RefCell;
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
/// Gap between columns. Spaces only: table rows write it as part of their padding.
const GAP: &str = "  ";
/// Extra indentation per nesting level.
const STEP: usize = 2;
/// Rendering recurses once per level; parsers already cap depth (64 by default),
/// this is a second fence so a raised parser limit cannot exhaust the stack here.
const MAX_DEPTH: usize = 128;
/// Scratch buffers grown past this by one huge report are given back afterwards,
/// so a single `--full` megabyte value does not stay resident for the whole run.
const KEEP_BYTES: usize = 1 << 20;

/// Writes one report: header, annotated fields, diagnostics, then a blank line.
pub fn write_report(w: &mut dyn Write, r: &Report, o: &PrettyOptions) -> io::Result<()> {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            let res = render(w, r, o, &mut s);
            s.trim();
            res
        }
        // Only reachable if the writer itself renders a report: use fresh buffers.
        Err(_) => render(w, r, o, &mut Scratch::default()),
    })
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
// Buffers

thread_local! {
    /// Per-thread buffers reused from report to report (reports are rendered on
    /// worker threads in parallel runs).
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

#[derive(Default)]
struct Scratch {
    /// The report's output, written to the caller's writer in one call.
    out: String,
    /// Label and value cells of the levels being laid out (each level appends its
    /// cells and truncates them away when done).
    cells: String,
    /// Rows of the levels being laid out, same discipline as `cells`.
    rows: Vec<Row>,
    /// Widths of decoded enum codes (`中文 · English`), kept across reports.
    code_widths: CodeWidths,
}

/// A small direct-mapped cache of code meaning widths, keyed by the address of the
/// static catalogue entry (catalogue text never changes, so entries never go stale).
#[derive(Default)]
struct CodeWidths([(usize, usize); 32]);

impl CodeWidths {
    fn get(&mut self, c: &'static EnumCode, text: &str) -> usize {
        let key = std::ptr::from_ref(c) as usize;
        let slot = &mut self.0[(key >> 4) % 32];
        if slot.0 != key {
            *slot = (key, sanitize::width(text));
        }
        slot.1
    }
}

impl Scratch {
    fn trim(&mut self) {
        for s in [&mut self.out, &mut self.cells] {
            if s.capacity() > KEEP_BYTES {
                *s = String::new();
            }
        }
        if self.rows.capacity() > KEEP_BYTES / std::mem::size_of::<Row>() {
            self.rows = Vec::new();
        }
    }
}

fn render(w: &mut dyn Write, r: &Report, o: &PrettyOptions, s: &mut Scratch) -> io::Result<()> {
    s.out.clear();
    s.cells.clear();
    s.rows.clear();
    let mut p = Printer {
        o,
        limit: (!o.full).then_some(o.max_value_width),
        paint: Paint::new(o.color),
        out: &mut s.out,
        cells: &mut s.cells,
        rows: &mut s.rows,
        code_widths: &mut s.code_widths,
    };
    p.header(r);
    let root = match (&r.doc, &r.payload_tape) {
        (Some(doc), _) => Some(Val::Node(&doc.root)),
        (None, Some(tape)) => Some(Val::Tape(tape.view())),
        (None, None) => None,
    };
    if let Some(root) = root {
        let ctx = match r.type_def {
            Some(t) => Ctx::Type(t),
            None => Ctx::Unknown,
        };
        let level = match root.shape() {
            Shape::Object { .. } => Level::Members(root, ctx),
            // A non-object root is not a WeChat payload, but show it rather than nothing.
            _ => Level::Root(root, ctx),
        };
        p.level(level, STEP, 0);
    }
    for d in &r.diagnostics {
        p.diagnostic(d);
    }
    p.out.push('\n');
    w.write_all(s.out.as_bytes())
}

/// Renders one report into the scratch buffers.
struct Printer<'s> {
    o: &'s PrettyOptions,
    /// Columns payload text may take, `None` with `full`.
    limit: Option<usize>,
    paint: Paint,
    out: &'s mut String,
    cells: &'s mut String,
    rows: &'s mut Vec<Row>,
    code_widths: &'s mut CodeWidths,
}

// ---------------------------------------------------------------------------
// Header and diagnostics

impl Printer<'_> {
    fn header(&mut self, r: &Report) {
        let out = &mut *self.out;
        let m = self.paint.open(out, Style::Source);
        sanitize::push_escaped(out, &r.source, None, false);
        out.push(':');
        push_uint(out, u64::from(r.line));
        out.push(':');
        push_uint(out, u64::from(r.column));
        self.paint.close(out, m);
        out.push_str(GAP);

        let m = self.paint.open(out, Style::Platform);
        match r.platform {
            Some(p) => out.push_str(p.as_str()),
            None if r.candidates.is_empty() => out.push('?'),
            None => {
                for (i, p) in r.candidates.iter().enumerate() {
                    if i > 0 {
                        out.push('|');
                    }
                    out.push_str(p.as_str());
                }
            }
        }
        self.paint.close(out, m);
        out.push_str(" · ");
        // The type id is the payload's own MsgType/Event text: sanitise and bound it.
        let m = self.paint.open(out, Style::Type);
        match &r.type_id {
            Some(t) => push_bounded(out, t, self.limit),
            None => out.push('?'),
        }
        self.paint.close(out, m);

        if let Some(t) = r.type_def {
            out.push_str(GAP);
            push_meaning(out, t.zh, t.en);
        }

        out.push_str(GAP);
        out.push('(');
        out.push_str(r.format.as_str());
        if let Some(e) = r.envelope {
            out.push_str(", ");
            out.push_str(envelope_text(e));
        }
        if let Some(e) = r.embedding() {
            if e.field.is_empty() {
                // A literal in plain text, or text a logger or proxy escaped.
                out.push_str(", from escaped text");
            } else {
                out.push_str(", embedded in ");
                push_bounded(out, &e.field, self.limit);
            }
        }
        if r.doc.as_ref().is_some_and(|d| d.lenient) {
            out.push_str(", lenient");
        }
        out.push(')');

        out.push_str(GAP);
        if r.valid() {
            self.paint.push(out, "✔ valid", Style::Valid);
        } else {
            self.paint.push(out, "✘ invalid", Style::Invalid);
        }
        out.push('\n');
    }

    fn diagnostic(&mut self, d: &Diagnostic) {
        let out = &mut *self.out;
        let style = match d.severity {
            Severity::Error => Style::Error,
            Severity::Warning => Style::Warning,
            Severity::Info => Style::Info,
        };
        out.push_str("  ");
        let m = self.paint.open(out, style);
        out.push_str(d.severity.as_str());
        out.push('[');
        out.push_str(d.code.as_str());
        out.push(']');
        self.paint.close(out, m);
        out.push(' ');
        push_uint(out, u64::from(d.line));
        out.push(':');
        push_uint(out, u64::from(d.column));
        // Paths and messages carry input (keys, parser snippets, unknown values):
        // escaped (T14) and, unless `full`, cut like values (with twice the room, as
        // messages are sentences) so one hostile key cannot make a line of megabytes.
        let limit = self.limit.map(|w| w.saturating_mul(2));
        if let Some(f) = &d.field {
            out.push(' ');
            push_bounded(out, f, limit);
            out.push(':');
        }
        out.push(' ');
        // A message never below the longest of the tool's own, whose ends (a
        // documentation link, a hint) are the point of them.
        push_message(out, &d.message, limit.map(|l| l.max(MESSAGE_COLUMNS_MIN)));
        out.push('\n');
    }
}

fn envelope_text(e: Envelope) -> &'static str {
    match e {
        Envelope::Push => "encrypted push envelope",
        Envelope::Reply => "encrypted reply envelope",
        Envelope::Compat => "compatibility mode",
        Envelope::SyncMsg => "via sync_msg",
    }
}

/// Columns a finding's message always has before it is cut: more than any of
/// the tool's own messages takes (`unsupported-scheme`'s, about 360), with a
/// quoted excerpt or two in it.
const MESSAGE_COLUMNS_MIN: usize = 640;

/// A finding's message, escaped as messages are ([`sanitize::escape_message`])
/// and cut like [`push_bounded`] cuts.
fn push_message(out: &mut String, s: &str, limit: Option<usize>) {
    let text = sanitize::escape_message(s);
    let (kept, left) = match limit {
        Some(m) => sanitize::truncate(&text, m),
        None => (std::borrow::Cow::Borrowed(&*text), None),
    };
    out.push_str(&kept);
    if let Some(n) = left {
        push_more_bytes(out, n);
    }
}

/// Escaped payload text cut to `limit` columns (none: shown whole), with its cut
/// marker attached (for header and diagnostic parts).
fn push_bounded(out: &mut String, s: &str, limit: Option<usize>) {
    let (_, left) = sanitize::push_escaped(out, s, limit, false);
    if let Some(n) = left {
        push_more_bytes(out, n);
    }
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
    /// The first field of that name in catalogue order (as `TypeDef::field`).
    fn lookup(self, name: &str) -> Option<&'static Field> {
        // Comparing the first byte before the whole name skips most calls to
        // `memcmp` (many field names share a length).
        let first = name.as_bytes().first();
        let is = |f: &&'static Field| f.name.as_bytes().first() == first && f.name == name;
        match self {
            Ctx::Type(t) => t.fields.iter().flat_map(|g| g.iter()).find(is),
            Ctx::Fields(fs) => fs.iter().find(is),
            Ctx::Unknown => None,
        }
    }

    /// Whether a miss in [`Ctx::lookup`] means "not in catalogue" (rather than
    /// "nothing is known here").
    fn is_catalogued(self) -> bool {
        !matches!(self, Ctx::Unknown)
    }

    /// Context for the members below a field (its object, or its array's items).
    /// Items that are payloads of their own are annotated in their own reports.
    fn below(field: Option<&'static Field>) -> Ctx {
        match field {
            Some(f) if !f.children.is_empty() && !f.payloads => Ctx::Fields(f.children),
            _ => Ctx::Unknown,
        }
    }
}

/// The third column of a row. Never measured: nothing is aligned after it.
#[derive(Clone, Copy)]
enum Meaning {
    None,
    /// `中文 · English` of a catalogued field.
    Field(&'static Field),
    /// A member the catalogue of its object does not list.
    NotInCatalogue,
}

/// One line of the field table, before column widths are known. Its label and
/// value are byte ranges of [`Scratch::cells`], already escaped (and coloured);
/// the widths are display columns, colour codes excluded.
#[derive(Clone, Copy)]
struct Row {
    label: (usize, usize),
    label_w: usize,
    value: (usize, usize),
    value_w: usize,
    meaning: Meaning,
    /// Context for the members or items below this row's value.
    below: Ctx,
}

/// The values laid out together as one aligned table.
#[derive(Clone, Copy)]
enum Level<'a> {
    /// The members of an object.
    Members(Val<'a>, Ctx),
    /// The items of an array.
    Items(Val<'a>, Ctx),
    /// A document whose root is not an object, shown as one `(root)` row.
    Root(Val<'a>, Ctx),
}

impl<'a> Level<'a> {
    /// The value of each row, in order.
    fn values(self) -> Values<'a> {
        match self {
            Level::Members(v, _) => Values::Members(v.members()),
            Level::Items(v, _) => Values::Items(v.items()),
            Level::Root(v, _) => Values::Root(Some(v)),
        }
    }
}

/// The values of a level's rows.
enum Values<'a> {
    Members(Members<'a>),
    Items(Items<'a>),
    Root(Option<Val<'a>>),
}

impl<'a> Iterator for Values<'a> {
    type Item = Val<'a>;

    fn next(&mut self) -> Option<Val<'a>> {
        match self {
            Values::Members(it) => it.next().map(|(_, v)| v),
            Values::Items(it) => it.next(),
            Values::Root(v) => v.take(),
        }
    }
}

impl Printer<'_> {
    /// Writes the rows of one level with aligned columns, each followed right below
    /// by its nested object or array.
    fn level(&mut self, level: Level<'_>, indent: usize, depth: usize) {
        let first = self.rows.len();
        let cells_start = self.cells.len();
        match level {
            Level::Members(object, ctx) => {
                for (key, value) in object.members() {
                    self.member_row(key, value, ctx);
                }
            }
            Level::Items(array, ctx) => {
                for (i, n) in array.items().enumerate() {
                    let start = self.cells.len();
                    self.cells.push('[');
                    push_uint(self.cells, i as u64);
                    self.cells.push(']');
                    // ASCII: one column per byte.
                    let label_w = self.cells.len() - start;
                    let label = (start, self.cells.len());
                    self.value_row(label, label_w, n, None, Meaning::None, ctx);
                }
            }
            Level::Root(node, ctx) => {
                const ROOT: &str = "(root)";
                let start = self.cells.len();
                self.cells.push_str(ROOT);
                let label = (start, self.cells.len());
                self.value_row(label, ROOT.len(), node, None, Meaning::None, ctx);
            }
        }
        let rows = self.rows.get(first..).unwrap_or_default();
        let key_w = rows.iter().map(|r| r.label_w).max().unwrap_or(0);
        let key_w = key_w.min(KEY_COLUMN_MAX);
        let val_w = rows.iter().map(|r| r.value_w).max().unwrap_or(0);
        let val_w = val_w.min(VALUE_COLUMN_MAX);

        let mut values = level.values();
        for i in 0..rows.len() {
            let Some(&row) = self.rows.get(first + i) else {
                break;
            };
            self.line(&row, indent, key_w, val_w);
            let Some(value) = values.next() else {
                continue;
            };
            let below = match value.nested() {
                Some(Nested::Object) => Level::Members(value, row.below),
                Some(Nested::Array) => Level::Items(value, row.below),
                None => continue,
            };
            if depth + 1 >= MAX_DEPTH {
                push_spaces(self.out, indent + STEP);
                self.out.push_str("… (nested deeper than ");
                push_uint(self.out, MAX_DEPTH as u64);
                self.out.push_str(" levels; not shown)\n");
                continue;
            }
            self.level(below, indent + STEP, depth + 1);
        }
        self.rows.truncate(first);
        self.cells.truncate(cells_start);
    }

    /// Writes one table line.
    fn line(&mut self, row: &Row, indent: usize, key_w: usize, val_w: usize) {
        let out = &mut *self.out;
        let cell = |(a, b): (usize, usize)| self.cells.get(a..b).unwrap_or_default();
        push_spaces(out, indent);
        out.push_str(cell(row.label));
        let meaning = !matches!(row.meaning, Meaning::None);
        // No padding unless something follows: output carries no trailing blanks.
        // Padding and the gap after it are written as one run of spaces.
        if row.value_w > 0 || meaning {
            push_spaces(out, key_w.saturating_sub(row.label_w) + GAP.len());
            out.push_str(cell(row.value));
        }
        if meaning {
            push_spaces(out, val_w.saturating_sub(row.value_w) + GAP.len());
            match row.meaning {
                Meaning::Field(f) => {
                    let m = self.paint.open(out, Style::Meaning);
                    push_meaning(out, f.zh, f.en);
                    self.paint.close(out, m);
                }
                Meaning::NotInCatalogue => {
                    self.paint.push(out, "(not in catalogue)", Style::Warning);
                }
                Meaning::None => {}
            }
        }
        out.push('\n');
    }

    fn member_row(&mut self, key: &str, value: Val<'_>, ctx: Ctx) {
        let field = ctx.lookup(key);
        let meaning = match field {
            Some(f) => Meaning::Field(f),
            None if ctx.is_catalogued() => Meaning::NotInCatalogue,
            None => Meaning::None,
        };
        // A key label: escaped and bounded like a value. Unquoted for readability,
        // except when empty or when it starts or ends with whitespace: `"MsgType "`
        // must not look like `MsgType`, or the `(not in catalogue)` next to it
        // would be a riddle.
        let quote = match (key.as_bytes().first(), key.as_bytes().last()) {
            // Visible ASCII at both ends (the usual key): no whitespace there.
            (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => false,
            _ => {
                key.is_empty()
                    || key.starts_with(char::is_whitespace)
                    || key.ends_with(char::is_whitespace)
            }
        };
        let start = self.cells.len();
        let label_w = self.push_payload(key, quote, value.plain_key());
        let label = (start, self.cells.len());
        self.value_row(label, label_w, value, field, meaning, Ctx::below(field));
    }

    /// Appends the value cell of `node` and records its row.
    fn value_row(
        &mut self,
        label: (usize, usize),
        label_w: usize,
        node: Val<'_>,
        field: Option<&'static Field>,
        meaning: Meaning,
        below: Ctx,
    ) {
        let start = self.cells.len();
        let shape = node.shape();
        let plain = node.plain_text();
        let mut value_w = match &shape {
            Shape::Null => self.push_ascii("null"),
            Shape::Bool(b) => self.push_ascii(if *b { "true" } else { "false" }),
            // The lexeme comes from the parser, but it is still payload text.
            Shape::Number(n) => self.push_payload(n, false, plain),
            Shape::Str(s) => self.push_payload(s, true, plain),
            Shape::Object { empty: true } => self.push_ascii("{}"),
            Shape::Object { empty: false } => 0,
            Shape::Array { len } => {
                let n = *len as u64;
                self.cells.push('[');
                push_grouped(self.cells, n);
                self.cells.push_str(plural(n, " item]", " items]"));
                // ASCII: one column per byte.
                self.cells.len() - start
            }
        };
        if let Some(f) = field {
            value_w += self.annotate(&shape, f);
        }
        self.rows.push(Row {
            label,
            label_w,
            value: (start, self.cells.len()),
            value_w,
            meaning,
            below,
        });
    }

    /// Appends text of our own that is ASCII (one column per byte).
    fn push_ascii(&mut self, s: &str) -> usize {
        self.cells.push_str(s);
        s.len()
    }

    /// Appends `→ date` to timestamps and `→ 中文 · English` to enumerated codes;
    /// returns the columns added.
    fn annotate(&mut self, value: &Shape<'_>, f: &Field) -> usize {
        let mut w = 0;
        if f.ty == Ty::Timestamp {
            let digits = match value {
                Shape::Number(n) if is_integer_lexeme(n) => Some(*n),
                Shape::Str(s) if is_integer_lexeme(s) => Some(&**s),
                _ => None,
            };
            if let Some(n) = digits {
                self.cells.push_str(" → ");
                let start = self.cells.len();
                match n.parse::<i64>() {
                    // A value too large for seconds (`timestamp-milliseconds`)
                    // is dated in the unit it was read in, and says which.
                    Ok(v) if u128::try_from(v).is_ok_and(|u| u > validate::MS_THRESHOLD) => {
                        let (unit, secs) = validate::in_seconds(v.unsigned_abs().into());
                        let secs = i64::try_from(secs).unwrap_or(i64::MAX);
                        time::push_unix(self.cells, secs, self.o.utc_offset_secs);
                        self.cells.push_str(" (as ");
                        self.cells.push_str(unit);
                        self.cells.push(')');
                    }
                    Ok(secs) => time::push_unix(self.cells, secs, self.o.utc_offset_secs),
                    // More digits than i64 holds: certainly not a date.
                    Err(_) => self.cells.push_str(time::OUT_OF_RANGE),
                }
                // Dates are ASCII: one column per byte.
                w += 3 + self.cells.len() - start;
            }
        }
        if !f.codes.is_empty() {
            // Only a value of a type codes are written in is looked up: `true`
            // or `4.0` on an integer field is a type error, not an unknown code.
            let coded = match value {
                Shape::Str(s) if f.ty == Ty::String || is_integer_lexeme(s) => Some(&**s),
                Shape::Number(n) if f.ty == Ty::Number || is_integer_lexeme(n) => Some(*n),
                Shape::Bool(_) if f.ty == Ty::Boolean => value.scalar_text(),
                _ => None,
            };
            if let Some(text) = coded {
                self.cells.push_str(" → ");
                w += 3;
                match f.code(text) {
                    Some(c) => {
                        let start = self.cells.len();
                        self.cells.push_str(c.zh);
                        self.cells.push_str(" · ");
                        self.cells.push_str(c.en);
                        let text = self.cells.get(start..).unwrap_or_default();
                        w += self.code_widths.get(c, text);
                    }
                    None => {
                        w += "(unknown code)".len();
                        self.paint
                            .push(self.cells, "(unknown code)", Style::Warning);
                    }
                }
            }
        }
        w
    }

    /// Appends payload text, escaped and (unless `full`) cut with a
    /// `… (N more bytes)` marker; with `quoted`, in `"` with inner quotes written
    /// `\"`; `plain` when the text is known to be printable ASCII without `"`
    /// or `\` ([`Val::plain_text`]). Returns its width.
    fn push_payload(&mut self, s: &str, quoted: bool, plain: bool) -> usize {
        let (mut w, left) = if plain {
            sanitize::push_plain(self.cells, s, self.limit, quoted)
        } else {
            sanitize::push_escaped(self.cells, s, self.limit, quoted)
        };
        if let Some(n) = left {
            let m = self.paint.open(self.cells, Style::Meaning);
            w += push_more_bytes(self.cells, n);
            self.paint.close(self.cells, m);
        }
        w
    }
}

/// Appends `… (1,234 more bytes)`; returns its width (one column per character).
fn push_more_bytes(out: &mut String, n: usize) -> usize {
    let start = out.len();
    out.push_str("… (");
    let n = n as u64;
    push_grouped(out, n);
    out.push_str(plural(n, " more byte)", " more bytes)"));
    // All ASCII but `…`, which is three bytes and one column.
    out.len() - start - 2
}

/// `中文 · English`, or whichever half exists.
fn push_meaning(out: &mut String, zh: &str, en: &str) {
    match (zh.is_empty(), en.is_empty()) {
        (false, false) => {
            out.push_str(zh);
            out.push_str(" · ");
            out.push_str(en);
        }
        (false, true) => out.push_str(zh),
        (true, _) => out.push_str(en),
    }
}

fn push_spaces(s: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    if n <= SPACES.len() {
        // All of SPACES, then cut: a copy of a known size is a few moves, where
        // a run of this pad's length is a call to memset.
        let len = s.len() + n;
        s.push_str(SPACES);
        s.truncate(len);
        return;
    }
    let mut left = n;
    while left > 0 {
        let k = left.min(SPACES.len());
        s.push_str(SPACES.get(..k).unwrap_or_default());
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

const STYLES: usize = 9;

/// The `colored` form of already-safe text.
fn styled(s: &str, style: Style) -> ColoredString {
    match style {
        Style::Source | Style::Type => s.bold(),
        Style::Platform => s.cyan(),
        Style::Valid => s.green(),
        Style::Invalid => s.red().bold(),
        Style::Error => s.red(),
        Style::Warning => s.yellow(),
        Style::Info => s.blue(),
        Style::Meaning => s.dimmed(),
    }
}

/// Colours already-safe text. Plain when colour is off, so widths and tests do not
/// depend on the terminal.
fn paint(s: &str, style: Style, o: &PrettyOptions) -> String {
    if !o.color || s.is_empty() {
        return s.to_string();
    }
    styled(s, style).to_string()
}

/// Colours text in place: [`paint`] without a `String` per painted piece.
///
/// `colored` writes a style as `prefix + text + suffix` (the text we colour never
/// holds escape codes, so it is not rewritten). Each style's prefix and suffix are
/// learned once per report by painting a probe, which keeps every byte what
/// `colored` itself would write, under whatever its global switches say.
struct Paint {
    on: bool,
    codes: [Option<(String, String)>; STYLES],
}

/// Where a painted piece started: [`Paint::close`] drops the prefix again when the
/// piece came out empty (`colored` writes nothing for empty text).
struct Mark {
    style: Style,
    start: usize,
    text: usize,
}

impl Paint {
    fn new(on: bool) -> Paint {
        Paint {
            on,
            codes: Default::default(),
        }
    }

    fn codes(&mut self, style: Style) -> &(String, String) {
        self.codes[style as usize].get_or_insert_with(|| {
            const PROBE: &str = "x";
            let s = styled(PROBE, style).to_string();
            match s.find(PROBE) {
                Some(i) => (
                    s.get(..i).unwrap_or_default().to_string(),
                    s.get(i + PROBE.len()..).unwrap_or_default().to_string(),
                ),
                None => (String::new(), String::new()),
            }
        })
    }

    fn open(&mut self, out: &mut String, style: Style) -> Mark {
        let start = out.len();
        if self.on {
            out.push_str(&self.codes(style).0);
        }
        Mark {
            style,
            start,
            text: out.len(),
        }
    }

    fn close(&mut self, out: &mut String, m: Mark) {
        if !self.on {
            return;
        }
        if out.len() == m.text {
            out.truncate(m.start);
        } else {
            out.push_str(&self.codes(m.style).1);
        }
    }

    fn push(&mut self, out: &mut String, s: &str, style: Style) {
        let m = self.open(out, style);
        out.push_str(s);
        self.close(out, m);
    }
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Appends `n` in decimal.
fn push_uint(out: &mut String, n: u64) {
    let mut buf = [0u8; 20];
    // Pushed as chars: cheaper than validating a few bytes as UTF-8.
    for &d in decimal(n, &mut buf) {
        out.push(char::from(d));
    }
}

/// Appends `n` with thousands separators, like [`group_thousands`].
fn push_grouped(out: &mut String, n: u64) {
    let mut buf = [0u8; 20];
    let digits = decimal(n, &mut buf);
    for (i, &d) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(char::from(d));
    }
}

/// `1234567` → `1,234,567`.
fn group_thousands(n: u64) -> String {
    let mut out = String::with_capacity(26);
    push_grouped(&mut out, n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{self, code, Direction, Disc, PlatformId, Req, Xml};
    use crate::diag::Code;
    use crate::doc::{Document, Embedding, Format, Member, Node, Value};
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
        Report::unidentified(source, (1, 1), format, Vec::new(), doc)
    }

    fn typed(mut r: Report, t: &'static TypeDef) -> Report {
        r.platform = Some(t.platform);
        r.candidates = [t.platform].into_iter().collect();
        r.type_id = Some(t.id.into());
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
    fn pads_are_as_many_spaces_as_asked_after_any_text() {
        for n in 0..200 {
            let mut s = String::from("中x");
            push_spaces(&mut s, n);
            assert_eq!(s, format!("中x{}", " ".repeat(n)), "{n}");
        }
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

    /// A code field holding a type codes are not written in (`true`, `4.0`
    /// on an integer field) is a type error: no `(unknown code)` beside it.
    #[test]
    fn codes_are_looked_up_only_in_their_own_type() {
        for odd in [
            Node {
                pos: 0,
                xml: crate::doc::XmlForm::None,
                value: Value::Bool(true),
            },
            num("4.0"),
            s("abc"),
        ] {
            let root = obj(vec![("origin", odd)]);
            let r = typed(report("k", "{}", Format::Json, Some(root)), &KF_EVENT);
            let out = render(&r);
            assert!(!out.contains("unknown code"), "{out}");
        }
        let root = obj(vec![("origin", num("9"))]);
        let r = typed(report("k", "{}", Format::Json, Some(root)), &KF_EVENT);
        assert!(render(&r).contains("9 → (unknown code)"));
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
  origin     9 → (unknown code)                                消息来源 · message source
  send_time  1615478585000 → 2021-03-12 00:03:05 +08:00 (as milliseconds)  发送时间 · send time
  msgid      99999999999999999999999                           消息ID · message id
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
  info[escaped-text] 1:50 a string holds \\u escapes

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
        r.candidates = [PlatformId::Miniprogram, PlatformId::OfficialAccount]
            .into_iter()
            .collect();
        r.type_id = Some("text".into());
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
        if let Some(e) = r.doc.as_mut().and_then(|d| d.embedded.as_mut()) {
            e.field.clear();
        }
        assert!(render(&r).contains("(json, via sync_msg, from escaped text, lenient)"));
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
        r.type_id = Some("te\u{9b}xt".into());
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

    /// The tool's own sentences are shown whole (their ends hold links and
    /// hints); only a message swollen by quoted input is cut.
    #[test]
    fn messages_are_cut_only_past_what_the_tool_itself_writes() {
        let own = format!("{} See https://example.com/docs", "word ".repeat(100));
        let flood = "k".repeat(100_000);
        let mut r = report("t.json", "{}", Format::Json, Some(obj(vec![])));
        r.diagnostics = vec![
            Diagnostic::new(Code::UnsupportedScheme, own.clone(), 1, 1),
            Diagnostic::new(Code::UnknownField, flood, 1, 1),
        ];
        let out = render(&r);
        assert!(out.contains(&own), "{out}");
        assert!(out.contains("(99,360 more bytes)"), "{out}");
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
            r.type_id = Some(value.clone().into());
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
