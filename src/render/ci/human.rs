//! The human format: compiler-style findings with a source snippet.
//!
//! ```text
//! fixtures/bad.json:3:17: warning[type-variant] /CreateTime: CreateTime should be an integer
//!   3 |   "CreateTime": "x"
//!     |                 ^
//!
//! hint: `wxmsg explain missing-field` tells what a finding means and how to fix it (…)
//! 1 passed, 1 failed
//! ```
//!
//! The closing count is always the last line, alone, so scripts can `tail -1` it.
//! Everything quoted from the file goes through [`sanitize`] before colour is added.

use super::{message_with_field, CiOptions, FileResult, Totals};
use crate::diag::{Diagnostic, Severity};
use crate::render::sanitize;
use std::io::{self, Write};
use unicode_segmentation::UnicodeSegmentation;

/// Display columns of source shown left of the caret before the line is cut.
const BEFORE_COLS: usize = 50;
/// Display columns of source shown from the caret on.
const AFTER_COLS: usize = 50;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const CYAN: &str = "\x1b[1;36m";
const BLUE: &str = "\x1b[1;34m";
const GREEN: &str = "\x1b[1;32m";

/// Writes every shown finding of every file, then the hint and the closing count.
pub fn write(out: &mut dyn Write, files: &[FileResult], o: &CiOptions) -> io::Result<()> {
    let mut first: Option<crate::diag::Code> = None;
    for f in files {
        let shown = f.shown(o);
        if shown.is_empty() {
            continue;
        }
        let lines = LineIndex::new(&f.source);
        for d in shown {
            first.get_or_insert(d.code);
            finding(out, &f.path, &f.file_diagnostics, d, &lines, o)?;
        }
    }
    if let Some(code) = first {
        writeln!(
            out,
            "{}: {}",
            paint("hint", BOLD, o),
            crate::render::explain_hint(code)
        )?;
    }
    let t = Totals::of(files, o.strict);
    let failed = format!("{} failed", t.failed);
    let passed = format!("{} passed", t.passed);
    if t.failed > 0 {
        writeln!(out, "{}, {}", passed, paint(&failed, RED, o))
    } else {
        writeln!(out, "{}, {}", paint(&passed, GREEN, o), failed)
    }
}

/// One finding: the located headline, then the source line with a caret.
fn finding(
    out: &mut dyn Write,
    path: &str,
    file_level: &[Diagnostic],
    d: &Diagnostic,
    lines: &LineIndex,
    o: &CiOptions,
) -> io::Result<()> {
    let colour = match d.severity {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        Severity::Info => CYAN,
    };
    let tag = format!("{}[{}]", d.severity.as_str(), d.code.as_str());
    let rest = message_with_field(d);
    let loc = format!("{}:{}:{}:", sanitize::escape(path), d.line, d.column);
    writeln!(
        out,
        "{} {} {}",
        paint(&loc, BOLD, o),
        paint(&tag, colour, o),
        sanitize::escape(&rest)
    )?;
    // A finding about the whole file (`no-payload`) has no place to point at.
    let whole_file = file_level.iter().any(|x| std::ptr::eq(x, d));
    if let Some(text) = lines.line(d.line).filter(|_| !whole_file) {
        let (shown, caret) = snippet(&text, d.column);
        let num = d.line.to_string();
        let pad = " ".repeat(num.len());
        writeln!(out, "  {} {shown}", paint(&format!("{num} |"), BLUE, o))?;
        writeln!(
            out,
            "  {} {}{}",
            paint(&format!("{pad} |"), BLUE, o),
            " ".repeat(caret),
            paint("^", colour, o)
        )?;
    }
    writeln!(out)
}

/// Wraps `s` in an ANSI style when colour is on.
fn paint(s: &str, style: &str, o: &CiOptions) -> String {
    if o.color {
        format!("{style}{s}{RESET}")
    } else {
        s.to_string()
    }
}

/// Where each line of a file starts, to fetch the line of a finding.
struct LineIndex<'a> {
    source: &'a [u8],
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(source: &'a [u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', source).map(|i| i + 1));
        LineIndex { source, starts }
    }

    /// Line `n` (1-based) without its line ending; `None` past the end of the file
    /// (an empty file has no line 1).
    fn line(&self, n: u32) -> Option<String> {
        let i = (n as usize).checked_sub(1)?;
        let start = *self.starts.get(i)?;
        if start >= self.source.len() {
            return None;
        }
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.source.len(), |&next| next - 1);
        let bytes = self.source.get(start..end)?;
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        Some(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// The part of `line` to show around `column` (1-based, in characters), escaped,
/// and the display offset of the caret in it. Long lines (a minified payload in a
/// log) are cut to a window around the column, marked with `…`.
fn snippet(line: &str, column: u32) -> (String, usize) {
    let col0 = (column.max(1) - 1) as usize;
    let split = line.char_indices().nth(col0).map_or(line.len(), |(i, _)| i);
    let (before, after) = line.split_at(split);

    // Walk left from the caret one grapheme at a time, escaping each, so an escape
    // such as `\u{202e}` is kept whole or dropped whole.
    let mut kept = Vec::new();
    let mut width = 0;
    let mut cut_left = false;
    for g in before.graphemes(true).rev() {
        let e = sanitize::escape(g);
        let w = sanitize::width(&e);
        if width + w > BEFORE_COLS {
            cut_left = true;
            break;
        }
        width += w;
        kept.push(e);
    }
    let mut shown = String::new();
    if cut_left {
        shown.push('…');
        width += 1;
    }
    for e in kept.iter().rev() {
        shown.push_str(e);
    }
    let (tail, cut_right) = sanitize::escape_truncated(after, AFTER_COLS);
    shown.push_str(&tail);
    if cut_right.is_some() {
        shown.push('…');
    }
    (shown, width)
}

#[cfg(test)]
mod tests {
    use super::super::testing::sample;
    use super::*;

    fn render(o: &CiOptions) -> String {
        let mut out = Vec::new();
        write(&mut out, &sample(), o).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn findings_snippets_hint_and_count() {
        let text = render(&CiOptions::default());
        let expected = "\
a/bad.json:1:1: error[missing-field] /Content: missing required field Content
  1 | {
    | ^

a/bad.json:3:17: warning[type-variant] /CreateTime: CreateTime should be an integer
  3 |   \"CreateTime\": \"x\"
    |                 ^

b/empty.json:1:1: error[no-payload] no WeChat payload found: the file is empty

hint: `wxmsg explain missing-field` tells what a finding means and how to fix it (any code in [brackets] works)
1 passed, 2 failed
";
        assert_eq!(text, expected);
    }

    #[test]
    fn colour_only_when_asked() {
        assert!(!render(&CiOptions::default()).contains('\x1b'));
        let coloured = render(&CiOptions {
            color: true,
            ..CiOptions::default()
        });
        assert!(coloured.contains("\x1b[1;31merror[missing-field]\x1b[0m"));
        assert!(coloured.ends_with("\x1b[1;31m2 failed\x1b[0m\n"));
    }

    #[test]
    fn no_findings_no_hint() {
        let files = vec![super::super::testing::file("x.json", "{}", Vec::new())];
        let mut out = Vec::new();
        write(&mut out, &files, &CiOptions::default()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "1 passed, 0 failed\n");
    }

    #[test]
    fn caret_counts_display_width_after_escaping() {
        // `中` is two columns, the tab shows as `\t` (two columns).
        let (s, caret) = snippet("中\tx", 3);
        assert_eq!(s, "中\\tx");
        assert_eq!(caret, 4);
        // A column past the end puts the caret after the last character.
        let (s, caret) = snippet("ab", 3);
        assert_eq!((s.as_str(), caret), ("ab", 2));
        // Terminal escapes in the source are shown inert.
        let (s, _) = snippet("\u{1b}]52;c;x\u{7}", 1);
        assert_eq!(s, "\\x1b]52;c;x\\x07");
    }

    #[test]
    fn long_lines_are_windowed_around_the_column() {
        let line = format!("{}X{}", "a".repeat(500), "b".repeat(500));
        let (s, caret) = snippet(&line, 501);
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert_eq!(s.chars().nth(caret), Some('X'));
        assert!(sanitize::width(&s) <= BEFORE_COLS + AFTER_COLS + 2);
    }

    #[test]
    fn lines_by_number() {
        let idx = LineIndex::new(b"one\r\ntwo\n\nfour");
        assert_eq!(idx.line(1).as_deref(), Some("one"));
        assert_eq!(idx.line(2).as_deref(), Some("two"));
        assert_eq!(idx.line(3).as_deref(), Some(""));
        assert_eq!(idx.line(4).as_deref(), Some("four"));
        assert_eq!(idx.line(5), None);
        assert_eq!(idx.line(0), None);
        assert_eq!(LineIndex::new(b"").line(1), None);
    }
}
