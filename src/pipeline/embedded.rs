//! Payloads held in the string fields of a JSON document that is no payload
//! itself, found by walking its tree:
//!
//! - a structured log line's field holding the payload as its whole text
//!   (`{"level":"info","body":"{\"ToUserName\":…}"}`);
//! - a field holding a whole log line, as a container runtime writes one
//!   (`{"log":"2024-05-01 INFO recv {\"ToUserName\":…}\n","stream":"stdout"}`):
//!   the text is framed as any log line is, so a payload after a prefix, an
//!   escaped literal or an `<xml>` document in it is found as it would be in a
//!   text log;
//! - a field holding a JSON document that is no payload either (a structured
//!   logger's line inside a container's): its strings are walked in turn;
//! - a member that is itself a payload object, as a structured logger writes
//!   a request body it was handed as an object (`{"level":30,"body":{…}}`).
//!
//! Every finding of such a payload points at the outermost string field, the
//! only place in the input a position can name.

use crate::detect;
use crate::diag::{Code, Diagnostic};
use crate::doc::{pointer_push, Document, Format, Locator, Node, Value};
use crate::input::{Item, ScanOptions, Scanner};
use crate::parse::{json, xml};
use crate::report::Report;
use std::sync::Arc;

/// How many strings deep a payload is looked for: a payload in a structured
/// log line that a container runtime logged as a string is two deep.
pub(crate) const MAX_STRING_DEPTH: usize = 2;

/// A payload found in a string field, with the notes its reading made, or the
/// report of a payload there that could not be read.
pub(super) type Found = Result<(Document, Vec<Diagnostic>), Report>;

/// Appends the payloads `outer`'s string fields hold, in document order.
pub(super) fn find(outer: &Document, scan: ScanOptions, found: &mut Vec<Found>) {
    let mut walk = Walk { outer, scan, found };
    let mut loc = outer.locator();
    // A document read from a string field already (the text joined from a
    // container's log records, `/log`) is one string deep, as when its
    // record's `log` string is walked: its fields are found under that path.
    match outer.embedded.as_ref().filter(|e| !e.field.is_empty()) {
        Some(e) => walk.node(&mut loc, &outer.root, &e.field, 1),
        None => walk.node(&mut loc, &outer.root, "", 0),
    }
}

/// Whether text held in a string field may hold a document the walk would
/// look at: any `{` or `<` in it.
pub(crate) fn may_hold_document(s: &str) -> bool {
    crate::scan::has_brace_or_angle(s.as_bytes())
}

/// A scanner that frames `text`, a string field's, as a log line, with `scan`'s
/// limits; documents on tapes with `lane`, trees otherwise.
pub(crate) fn string_scanner<'t>(
    text: &'t str,
    source: &Arc<str>,
    scan: ScanOptions,
    lane: bool,
) -> Scanner<&'t [u8]> {
    let opts = ScanOptions {
        lane,
        line_starts: false,
        fixture: false,
        ..scan
    };
    Scanner::buffered(text.as_bytes(), source.clone(), opts).plain_text()
}

/// The walk over one outer document.
struct Walk<'a, 'f> {
    outer: &'a Document,
    scan: ScanOptions,
    found: &'f mut Vec<Found>,
}

impl Walk<'_, '_> {
    /// Walks `node`, at `path` below the string field the walk started in
    /// and `depth` strings deep (the outer document's tree is 0), positions
    /// from `loc`.
    fn node(&mut self, loc: &mut Locator<'_>, node: &Node, path: &str, depth: usize) {
        match &node.value {
            // A payload a structured logger wrote as an object of the line
            // (pino's `{body: req.body}`, zap's `zap.Any`), not as a string:
            // found where it stands, findings pointing at its `{`.
            Value::Object(_) if depth == 0 && !path.is_empty() && detect::is_wechat(node) => {
                let at = loc.at(node.pos as usize);
                let mut doc = self.outer.part(node.clone());
                doc.embed_at(path.to_string(), at);
                self.found.push(Ok((doc, Vec::new())));
            }
            Value::Object(members) => {
                for m in members {
                    let path = pointer_push(path, &m.key);
                    self.node(loc, &m.node, &path, depth);
                }
            }
            Value::Array(items) => {
                for (i, n) in items.iter().enumerate() {
                    let path = pointer_push(path, &i.to_string());
                    self.node(loc, n, &path, depth);
                }
            }
            Value::String(s) => {
                let at = loc.at(node.pos as usize);
                self.string(s, at, path, depth);
            }
            _ => {}
        }
    }

    /// A string field at `at`: a document that is its whole text, or a log
    /// line with documents in it.
    fn string(&mut self, s: &str, at: (u32, u32), path: &str, depth: usize) {
        // What the string holds is one string deeper than the string itself.
        let depth = depth + 1;
        if depth > MAX_STRING_DEPTH {
            return;
        }
        let t = s.trim();
        let ends_line = s.ends_with('\n');
        if t.starts_with('{') || t.starts_with("<xml") {
            self.whole(t, at, path, depth, ends_line);
        } else if may_hold_document(t) {
            self.log_line(t, at, path, depth, ends_line);
        }
    }

    /// A string whose whole text starts like a document, `depth` strings deep.
    fn whole(&mut self, t: &str, at: (u32, u32), path: &str, depth: usize, ends_line: bool) {
        let limits = self.scan.limits;
        let parsed = if t.starts_with('{') {
            json::parse(t.as_bytes(), json::Mode::Strict, limits).map(|(n, _)| (n, Format::Json))
        } else {
            xml::parse(t.as_bytes(), limits).map(|(n, _, _)| (n, Format::Xml))
        };
        match parsed {
            Ok((root, format)) => {
                let doc = Document::embedded(
                    self.outer.source.clone(),
                    format,
                    t,
                    root,
                    path.to_string(),
                    at,
                );
                self.document(doc, Vec::new(), at, path, depth);
            }
            // A payload in the field that cannot be read is reported like a
            // broken payload anywhere else, never dropped silently.
            Err(e) => {
                let xml = t.starts_with("<xml");
                // More documents may follow a broken one in the string
                // (`"{broken} {good}"`): framed as a log line, each is
                // found and the broken one reported, as on a line of a log.
                let after = t.as_bytes().get(e.pos.saturating_add(1)..);
                if !xml && after.is_some_and(crate::scan::has_brace_or_angle) {
                    return self.log_line(t, at, path, depth, ends_line);
                }
                if xml || super::is_broken_payload(t, &e) {
                    let format = if xml { Format::Xml } else { Format::Json };
                    let d = Diagnostic::new(e.code, e.message, at.0, at.1);
                    self.broken(d, format, path, ends_line);
                }
            }
        }
    }

    /// A string that holds a log line, `depth` strings deep: framed as one,
    /// every document in it standing at the string field.
    fn log_line(&mut self, t: &str, at: (u32, u32), path: &str, depth: usize, ends_line: bool) {
        let mut scanner = string_scanner(t, &self.outer.source, self.scan, false);
        // Reading a string in memory fails on nothing.
        while let Ok(Some(item)) = scanner.next_item() {
            match item {
                Item::Doc(mut doc, notes) => {
                    let notes = notes
                        .into_iter()
                        .map(|n| Diagnostic {
                            line: at.0,
                            column: at.1,
                            ..n
                        })
                        .collect();
                    doc.embed_at(path.to_string(), at);
                    self.document(*doc, notes, at, path, depth);
                }
                Item::Broken(b) => {
                    let mut d = Diagnostic {
                        line: at.0,
                        column: at.1,
                        ..b.diagnostic
                    };
                    // The framing names where the document starts in the
                    // string's text (`the document that starts at 1:32`),
                    // which is not where it is reported: both are said.
                    let named = format!("starts at {}:{}", b.line, b.column);
                    if d.message.contains(&named) {
                        let real = format!(
                            "starts at {}:{} ({}:{} of the string's text)",
                            at.0, at.1, b.line, b.column
                        );
                        d.message = d.message.replace(&named, &real).into();
                    }
                    self.broken(d, b.format, path, ends_line);
                }
                Item::Tape(_) | Item::Skipped { .. } => {}
            }
        }
    }

    /// A document read from a string field `depth` strings deep: a payload is
    /// found; the strings of any other JSON document are walked in turn.
    fn document(
        &mut self,
        doc: Document,
        notes: Vec<Diagnostic>,
        at: (u32, u32),
        path: &str,
        depth: usize,
    ) {
        if detect::is_wechat(&doc.root) {
            self.found.push(Ok((doc, notes)));
        } else if doc.format == Format::Json {
            let mut loc = Locator::fixed(at.0, at.1);
            self.node(&mut loc, &doc.root, path, depth);
        }
    }

    /// The report of a payload in the string field `path` that could not be read.
    /// `ends_line`: the string ends with a line break, as an entry of a log
    /// that keeps each line apart (a container's) does.
    fn broken(&mut self, d: Diagnostic, format: Format, path: &str, ends_line: bool) {
        let (line, column) = (d.line, d.column);
        // A payload an application printed over several lines reaches such
        // a log one line an entry: say why it ended there.
        let why = match d.code {
            Code::Truncated if ends_line => {
                "; the string ends there: a payload spread over several log entries is not joined"
            }
            _ => "",
        };
        let d = Diagnostic {
            message: format!("in the string field {path}: {}{why}", d.message).into(),
            ..d
        }
        .with_field(path.to_string());
        self.found.push(Err(Report::unidentified(
            self.outer.source.clone(),
            (line, column),
            format,
            vec![d],
            None,
        )));
    }
}
