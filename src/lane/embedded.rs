//! Payloads held in the string fields of a JSON document that is no payload
//! itself: a structured log line such as
//! `{"level":"info","msg":"push","body":"{\"ToUserName\":…}"}`.
//!
//! The full pipeline finds them by walking the tree (`pipeline::embedded`),
//! parsing every string that starts like a document. Here the walk goes over
//! the tape instead, and each such string is read onto a tape of its own and
//! reported by the lane, so a log of such lines costs about what the payloads
//! would cost on their own. Whatever the lane cannot settle — a string that
//! starts like a document and does not read as one, a payload with findings
//! the lane leaves to the validator, another encryption scheme at the top —
//! sends the whole line to the full pipeline, which decides as it always did.

use super::{reports, Spares, TapeDoc};
use crate::detect::{self, TapeRoot};
use crate::doc::{pointer_push, Format, Locator};
use crate::input::{Item, Scanner};
use crate::parse::json;
use crate::pipeline::{
    is_broken_payload, may_hold_document, string_scanner, Options, MAX_STRING_DEPTH,
};
use crate::report::Report;
use crate::scan::has_brace_or_angle;
use crate::tape::{Kind, Tape, View};
use std::collections::VecDeque;
use std::sync::Arc;

/// Top-level keys of the other encryption schemes `crypto::other_scheme`
/// explains (WeChat Pay v3 and refunds, mini program open data): a document
/// with one of them is left to the full pipeline.
const OTHER_SCHEME_KEYS: [&str; 4] = ["resource", "ciphertext", "encryptedData", "req_info"];

/// What [`analyze_embedded`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Embedded {
    /// The reports of the payloads found were appended.
    Reports,
    /// The document holds no payload, as the full pipeline would find: it is
    /// passed over (or, alone in its input, reported unrecognized).
    Nothing,
    /// The full pipeline must look; nothing was appended.
    Unsure,
}

/// Appends the reports of the payloads that `doc`'s string fields hold, as the
/// full pipeline would report them. [`Embedded::Unsure`], with `out` as it
/// was, when the full pipeline must look: `doc` is a payload (a flawed one,
/// as the lane passed it by), or holds something the lane cannot settle.
pub fn analyze_embedded(
    doc: &TapeDoc,
    opts: &Options,
    out: &mut VecDeque<Report>,
    spares: &mut Spares,
) -> Embedded {
    if doc.format != Format::Json || doc.embedded.is_some() {
        return Embedded::Unsure;
    }
    let root = doc.tape.root(&doc.text);
    let top = TapeRoot {
        tape: &doc.tape,
        text: &doc.text,
    };
    if root.kind() != Kind::Object
        || detect::is_wechat(&top)
        || OTHER_SCHEME_KEYS.iter().any(|k| root.get(k).is_some())
    {
        return Embedded::Unsure;
    }
    let before = out.len();
    let mut walk = Walk {
        source: &doc.source,
        loc: Locator::new(&doc.text, doc.line, doc.column),
        prefix: "",
        path: Vec::new(),
        depth: 0,
        opts,
        out,
        spares,
    };
    if walk.value(root).is_none() {
        out.truncate(before);
        return Embedded::Unsure;
    }
    // No report at all (no payload) is what the full pipeline calls a
    // document without a payload too.
    if out.len() == before {
        Embedded::Nothing
    } else {
        Embedded::Reports
    }
}

/// One step down from a container.
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The walk over one document, in document order: the outer one, or one
/// held in a string of it.
struct Walk<'a, 'o> {
    source: &'o Arc<str>,
    loc: Locator<'a>,
    /// The JSON Pointer of the string that holds the walked document (empty
    /// for the outer one).
    prefix: &'o str,
    /// Where the value being walked is: member keys and item indices from
    /// the root, made a JSON Pointer only for a payload found.
    path: Vec<Step<'a>>,
    /// How many strings deep the walked document is (the outer one is 0), as
    /// `pipeline::embedded` counts.
    depth: usize,
    opts: &'o Options,
    out: &'o mut VecDeque<Report>,
    spares: &'o mut Spares,
}

impl<'a> Walk<'a, '_> {
    /// Walks `v` and what it holds; `None` when the full pipeline must look.
    fn value(&mut self, v: View<'a>) -> Option<()> {
        match v.kind() {
            // A payload written as an object of the line (not the root, which
            // is no payload): the full pipeline reports it.
            Kind::Object if self.depth == 0 && !self.path.is_empty() && detect::is_wechat(&v) => {
                None
            }
            Kind::Object | Kind::Array => {
                let object = v.kind() == Kind::Object;
                for (i, child) in v.children().enumerate() {
                    self.path.push(if object {
                        Step::Key(child.key())
                    } else {
                        Step::Index(i)
                    });
                    let walked = self.value(child);
                    self.path.pop();
                    walked?;
                }
                Some(())
            }
            Kind::Str | Kind::StrEsc => self.string(v),
            _ => Some(()),
        }
    }

    /// A string field: a payload in it, or in the log line it holds, is read
    /// and reported; a JSON document in it that is no payload is walked in
    /// turn; text that only starts like a document is the full pipeline's to
    /// judge.
    fn string(&mut self, v: View<'a>) -> Option<()> {
        if self.depth + 1 > MAX_STRING_DEPTH {
            return Some(());
        }
        // Most strings are no document and hold none: tell by their raw
        // bytes before decoding anything (`\u` may be any character).
        let raw = v.raw().trim_start();
        if !(raw.starts_with('{') || raw.starts_with('<') || raw.starts_with('\\')) {
            let escaped_char = v.kind() == Kind::StrEsc && raw.contains("\\u");
            if !(may_hold_document(raw) || escaped_char) {
                return Some(());
            }
            return self.log_line(v.str()?.trim(), v);
        }
        let decoded = v.str()?;
        let t = decoded.trim();
        let format = if t.starts_with('{') {
            Format::Json
        } else if t.starts_with("<xml") {
            Format::Xml
        } else {
            return self.log_line(t, v);
        };
        let limits = self.opts.scan.limits;
        let mut inner = self.spares.take();
        let d = Arc::get_mut(&mut inner)?;
        // The parser reads a JSON value and leaves what follows; an XML text
        // it reads to its end, so the tape must have read all of it.
        let read = match format {
            Format::Json => d.tape.read_into(t, limits).is_some(),
            Format::Xml => d.tape.read_xml_into(t, limits) == Some(t.len()),
        };
        if !read {
            self.spares.give(inner);
            if format == Format::Xml {
                return None;
            }
            // As `pipeline::embedded` does: documents after a broken one
            // (`{broken} {good}`) are framed as a log line; what the parser
            // refuses and does not look like a payload is passed over; the
            // rest is the full pipeline's call.
            let Err(e) = json::parse(t.as_bytes(), json::Mode::Strict, limits) else {
                return None;
            };
            let after = t.as_bytes().get(e.pos.saturating_add(1)..);
            if after.is_some_and(has_brace_or_angle) {
                return self.log_line(t, v);
            }
            return (!is_broken_payload(t, &e)).then_some(());
        }
        let top = TapeRoot {
            tape: &d.tape,
            text: t,
        };
        if !detect::is_wechat(&top) {
            let walked = match format {
                Format::Json => self.nested(&d.tape, t, v),
                Format::Xml => Some(()),
            };
            self.spares.give(inner);
            return walked;
        }
        let at = self.loc.at(v.pos() as usize);
        d.hold_embedded(t, self.source, format, self.field(), at);
        reports(&inner, self.opts, self.out)
    }

    /// A string that does not start like a document: framed as a log line,
    /// as the full pipeline frames it (a container runtime's
    /// `{"log":"… recv {\"ToUserName\":…}\n"}`), each payload in it read onto
    /// a tape of its own and reported as standing at the string, `v`.
    fn log_line(&mut self, t: &str, v: View<'a>) -> Option<()> {
        if !may_hold_document(t) {
            return Some(());
        }
        let mut scanner = string_scanner(t, self.source, self.opts.scan, true);
        // The line's documents are read into the walk's spare tapes.
        std::mem::swap(scanner.spares(), self.spares);
        let walked = self.log_line_items(&mut scanner, v);
        std::mem::swap(scanner.spares(), self.spares);
        walked
    }

    /// The items `scanner` frames in a string at `v`; `None` at the first
    /// one the full pipeline must look at.
    fn log_line_items(&mut self, scanner: &mut Scanner<&[u8]>, v: View<'a>) -> Option<()> {
        // Reading a string in memory fails on nothing.
        while let Ok(Some(item)) = scanner.next_item() {
            match item {
                Item::Skipped { .. } => {}
                Item::Tape(mut doc) => {
                    let walked = self.log_line_document(&mut doc, v);
                    scanner.spares().give(doc);
                    walked?;
                }
                Item::Doc(..) | Item::Broken(_) => return None,
            }
        }
        Some(())
    }

    /// A document on a tape found in a string at `v`: a payload is reported
    /// as standing there; the strings of any other JSON document are walked
    /// in turn, as the full pipeline walks them.
    fn log_line_document(&mut self, doc: &mut Arc<TapeDoc>, v: View<'a>) -> Option<()> {
        let d = Arc::get_mut(doc)?;
        let top = TapeRoot {
            tape: &d.tape,
            text: &d.text,
        };
        if !detect::is_wechat(&top) {
            return match d.format {
                Format::Json => self.nested(&d.tape, &d.text, v),
                Format::Xml => Some(()),
            };
        }
        d.embed_at(self.field(), self.loc.at(v.pos() as usize));
        reports(doc, self.opts, self.out)
    }

    /// A JSON document on `tape` that is no payload, held in the string at
    /// `v`: its strings are walked in turn (a structured log line that a
    /// container logged), as far down as the full pipeline looks.
    fn nested(&mut self, tape: &Tape, text: &str, v: View<'a>) -> Option<()> {
        if self.depth + 1 >= MAX_STRING_DEPTH {
            return Some(());
        }
        let (line, column) = self.loc.at(v.pos() as usize);
        let prefix = self.field();
        let mut walk = Walk {
            source: self.source,
            loc: Locator::fixed(line, column),
            prefix: &prefix,
            path: Vec::new(),
            depth: self.depth + 1,
            opts: self.opts,
            out: &mut *self.out,
            spares: &mut *self.spares,
        };
        walk.value(tape.root(text))
    }

    /// The JSON Pointer of the string being walked.
    fn field(&self) -> String {
        self.path
            .iter()
            .fold(self.prefix.to_string(), |p, step| match step {
                Step::Key(k) => pointer_push(&p, k),
                Step::Index(i) => pointer_push(&p, &i.to_string()),
            })
    }
}
