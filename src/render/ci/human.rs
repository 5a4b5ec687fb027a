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

use super::source::{LineCursor, Window};
use super::{CiOptions, FileResult, Finding, Reopen, Totals};
use crate::diag::Severity;
use crate::input::LineStart;
use crate::render::sanitize;
use std::io::{self, Write};
use unicode_segmentation::UnicodeSegmentation;

mod blocks;

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
        if f.findings.is_empty() {
            continue;
        }
        if blocks::worth_it(f, o) && blocks::write_file(out, f, o, &mut first)? {
            continue;
        }
        let mut quoter = Quoter::new(f);
        let mut group: Vec<Finding> = Vec::new();
        let mut it = f.findings.iter().peekable();
        while let Some(next) = it.next() {
            group.push(next?);
            // Findings on the same line share one read of it.
            if let (Some(Ok(after)), Some(first)) = (it.peek(), group.first()) {
                if after.line == first.line {
                    continue;
                }
            }
            if let Some(d) = group.first() {
                first.get_or_insert(d.code);
            }
            quoter.group(out, &group, o)?;
            group.clear();
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

/// Writes the findings of one file, group by group, quoting the lines they
/// point at from the file read again.
struct Quoter<'f> {
    file: &'f FileResult,
    /// The source, opened at the first finding that quotes it. `None` once
    /// opened when it cannot be read again (it vanished since it was checked):
    /// findings from there on go unquoted.
    lines: Option<LineCursor<'f>>,
    opened: bool,
}

impl<'f> Quoter<'f> {
    fn new(file: &'f FileResult) -> Self {
        Quoter {
            file,
            lines: None,
            opened: false,
        }
    }

    /// A quoter that quotes nothing, as after a failed read.
    fn unquoting(file: &'f FileResult) -> Self {
        Quoter {
            file,
            lines: None,
            opened: true,
        }
    }

    /// Quoting has stopped: the source could not be opened or read.
    fn stopped(&self) -> bool {
        self.opened && self.lines.is_none()
    }

    /// Writes `group` (findings on one line, in order).
    fn group(&mut self, out: &mut dyn Write, group: &[Finding], o: &CiOptions) -> io::Result<()> {
        let f = self.file;
        let windows = if group.iter().any(|d| !d.whole_file) {
            if !self.opened {
                self.opened = true;
                self.lines = f
                    .source
                    .as_deref()
                    .and_then(|s| s.reopen().ok())
                    .map(LineCursor::new);
            }
            quote(&mut self.lines, group)
        } else {
            Vec::new()
        };
        // One window per distinct column, in column order.
        let window = |d: &Finding| {
            (!d.whole_file)
                .then(|| {
                    windows
                        .binary_search_by_key(&col0(d.column), |w| w.col0)
                        .ok()
                })
                .flatten()
                .and_then(|i| windows.get(i))
        };
        let mut snips: Vec<Option<Snippet>> = group
            .iter()
            .map(|d| window(d).map(|w| snippet_parts(&w.before, &w.after, w.cut_left, w.cut_right)))
            .collect();
        // Snippets that reached where a window was cut are read again from
        // wider windows, every column of the line in one read per width.
        let mut cut: Vec<usize> = group
            .iter()
            .zip(&snips)
            .filter(|(_, s)| s.as_ref().is_some_and(|s| s.reached_cut))
            .map(|(d, _)| col0(d.column))
            .collect();
        cut.dedup();
        if let (Some(source), Some(first)) = (f.source.as_deref(), group.first()) {
            if !cut.is_empty() {
                let size = windows
                    .iter()
                    .filter(|w| cut.contains(&w.col0))
                    .map(|w| w.before.chars().count().max(w.after.chars().count()))
                    .max()
                    .unwrap_or(1);
                let anchor = group.iter().filter_map(|d| d.anchor).max_by_key(|a| a.line);
                let mut wide = wider(source, anchor, first.line, cut, size);
                // Looked up per finding: a line may hold thousands.
                wide.sort_unstable_by_key(|&(c, _)| c);
                for (d, snip) in group.iter().zip(&mut snips) {
                    if let Ok(i) = wide.binary_search_by_key(&col0(d.column), |&(c, _)| c) {
                        *snip = wide.get(i).map(|(_, s)| s.clone());
                    }
                }
            }
        }
        for (d, snip) in group.iter().zip(snips) {
            finding(out, &f.path, d, snip, o)?;
        }
        Ok(())
    }

    /// Writes `findings` (whole groups, in order) group by group.
    fn groups(
        &mut self,
        out: &mut dyn Write,
        findings: &[Finding],
        o: &CiOptions,
    ) -> io::Result<()> {
        for group in findings.chunk_by(|a, b| a.line == b.line) {
            self.group(out, group, o)?;
        }
        Ok(())
    }
}

/// The 0-based character index a 1-based column points at.
fn col0(column: u32) -> usize {
    (column.max(1) - 1) as usize
}

/// The windows of the line `group` (findings on one line) points at, one per
/// distinct column; none when the line does not exist. A read error stops quoting
/// the rest of the file.
fn quote(lines: &mut Option<LineCursor<'_>>, group: &[Finding]) -> Vec<Window> {
    let Some(cursor) = lines.as_mut() else {
        return Vec::new();
    };
    let Some(first) = group.first() else {
        return Vec::new();
    };
    let mut cols: Vec<usize> = group
        .iter()
        .filter(|d| !d.whole_file)
        .map(|d| col0(d.column))
        .collect();
    cols.sort_unstable();
    cols.dedup();
    // The nearest known line start before the line, if any finding has one.
    let anchor = group.iter().filter_map(|d| d.anchor).max_by_key(|a| a.line);
    let jumped = anchor.map_or(Ok(()), |to| cursor.jump(to));
    match jumped.and_then(|()| cursor.windows(first.line, &cols)) {
        Ok(w) => w.unwrap_or_default(),
        Err(_) => {
            *lines = None;
            Vec::new()
        }
    }
}

/// The widest window [`wider`] reads, in characters either side: snippets cut
/// clusters longer than [`sanitize::MAX_CLUSTER_BYTES`], so fifty columns of
/// clusters that long fit well within it.
const WIDEST_WINDOW: usize = 64 * 1024;

/// The snippets of line `line` at the columns `cols` (0-based, ascending) from
/// windows wider than `size`, doubled until a column's snippet no longer
/// reaches where its window was cut (then it is the snippet of the whole line),
/// up to [`WIDEST_WINDOW`]. Each width reads the line once for all the columns
/// still waiting, so a line with many findings costs a few reads of it, not one
/// per finding. Only lines with enormous grapheme clusters get here. A column
/// left out (the input cannot be read again, or the widest window still cuts
/// it) keeps the snippet it had.
fn wider(
    source: &dyn Reopen,
    anchor: Option<LineStart>,
    line: u32,
    mut cols: Vec<usize>,
    mut size: usize,
) -> Vec<(usize, Snippet)> {
    let mut done = Vec::new();
    while !cols.is_empty() && size < WIDEST_WINDOW {
        size = size.saturating_mul(2).min(WIDEST_WINDOW);
        let Ok(r) = source.reopen() else {
            break;
        };
        let mut cursor = LineCursor::with_window(r, size);
        if anchor.is_some_and(|to| cursor.jump(to).is_err()) {
            break;
        }
        let Ok(Some(windows)) = cursor.windows(line, &cols) else {
            break;
        };
        cols.retain(|&c| {
            let Some(w) = windows.iter().find(|w| w.col0 == c) else {
                return false;
            };
            let s = snippet_parts(&w.before, &w.after, w.cut_left, w.cut_right);
            if s.reached_cut {
                return true;
            }
            done.push((c, s));
            false
        });
    }
    done
}

/// One finding: the located headline, then the source line with a caret.
fn finding(
    out: &mut dyn Write,
    path: &str,
    d: &Finding,
    snippet: Option<Snippet>,
    o: &CiOptions,
) -> io::Result<()> {
    let colour = match d.severity {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        Severity::Info => CYAN,
    };
    // Written piece by piece, as a file with many findings has one per line.
    let on = |out: &mut dyn Write, style: &str| {
        if o.color {
            out.write_all(style.as_bytes())
        } else {
            Ok(())
        }
    };
    let off = |out: &mut dyn Write| on(out, RESET);
    on(out, BOLD)?;
    out.write_all(sanitize::escape(path).as_bytes())?;
    out.write_all(b":")?;
    decimal(out, d.line)?;
    out.write_all(b":")?;
    decimal(out, d.column)?;
    out.write_all(b":")?;
    off(out)?;
    out.write_all(b" ")?;
    on(out, colour)?;
    out.write_all(d.severity.as_str().as_bytes())?;
    out.write_all(b"[")?;
    out.write_all(d.code.as_str().as_bytes())?;
    out.write_all(b"]")?;
    off(out)?;
    out.write_all(b" ")?;
    out.write_all(sanitize::escape_message(&d.text).as_bytes())?;
    out.write_all(b"\n")?;
    // A finding about the whole file (`no-payload`) has no place to point at.
    if let Some(Snippet { shown, caret, .. }) = snippet {
        out.write_all(b"  ")?;
        on(out, BLUE)?;
        let digits = decimal(out, d.line)?;
        out.write_all(b" |")?;
        off(out)?;
        out.write_all(b" ")?;
        out.write_all(shown.as_bytes())?;
        out.write_all(b"\n  ")?;
        on(out, BLUE)?;
        spaces(out, digits)?;
        out.write_all(b" |")?;
        off(out)?;
        spaces(out, 1 + caret)?;
        on(out, colour)?;
        out.write_all(b"^")?;
        off(out)?;
        out.write_all(b"\n")?;
    }
    out.write_all(b"\n")
}

/// Writes `n` in decimal; returns how many digits it took. (`write!` costs more
/// than the rest of a finding's line.)
fn decimal(out: &mut dyn Write, n: u32) -> io::Result<usize> {
    let mut buf = [0u8; 20];
    let digits = crate::render::decimal(n.into(), &mut buf);
    out.write_all(digits)?;
    Ok(digits.len())
}

/// Writes `n` spaces.
fn spaces(out: &mut dyn Write, mut n: usize) -> io::Result<()> {
    const SPACES: &[u8; 64] = &[b' '; 64];
    while n > 0 {
        let k = n.min(SPACES.len());
        out.write_all(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

/// Wraps `s` in an ANSI style when colour is on.
fn paint(s: &str, style: &str, o: &CiOptions) -> String {
    if o.color {
        format!("{style}{s}{RESET}")
    } else {
        s.to_string()
    }
}

/// The part of `line` to show around `column` (1-based, in characters), escaped,
/// and the display offset of the caret in it. Long lines (a minified payload in a
/// log) are cut to a window around the column, marked with `…`.
#[cfg(test)]
fn snippet(line: &str, column: u32) -> (String, usize) {
    let split = line
        .char_indices()
        .nth(col0(column))
        .map_or(line.len(), |(i, _)| i);
    let (before, after) = line.split_at(split);
    let s = snippet_parts(before, after, false, false);
    (s.shown, s.caret)
}

/// A source line cut for display.
#[derive(Clone, Debug)]
struct Snippet {
    /// The part shown, escaped, `…` where cut.
    shown: String,
    /// Display offset of the caret in `shown`.
    caret: usize,
    /// The text came from windows of a longer line and the cut went as far as a
    /// window's edge, where the window may have split a grapheme cluster: only a
    /// wider window gives the right snippet.
    reached_cut: bool,
}

/// [`snippet`] of a line split at the column into `before` and `after`, which may
/// be windows of a longer line: `more_left`/`more_right` say the line goes on
/// beyond them.
fn snippet_parts(before: &str, after: &str, more_left: bool, more_right: bool) -> Snippet {
    // Room for both sides of the usual line, so it is not regrown piece by piece.
    let mut shown = String::with_capacity(4 * (BEFORE_COLS + AFTER_COLS));
    let (width, cut_left, reached_start) = if sanitize::is_plain_ascii(before) {
        // Printable ASCII is one grapheme and one column a byte, escaped as it is:
        // the walk below comes down to keeping the last BEFORE_COLS bytes.
        let cut_left = before.len() > BEFORE_COLS;
        let kept = before
            .get(before.len().saturating_sub(BEFORE_COLS)..)
            .unwrap_or_default();
        if cut_left || more_left {
            shown.push('…');
        }
        shown.push_str(kept);
        let reached_start = if cut_left {
            before.len() == BEFORE_COLS + 1
        } else {
            !before.is_empty()
        };
        (kept.len(), cut_left, reached_start)
    } else {
        walk_left(before, more_left, &mut shown)
    };
    let width = width + usize::from(cut_left || more_left);
    let (tail, cut_right) = sanitize::escape_truncated(after, AFTER_COLS);
    shown.push_str(&tail);
    // Whether the cut looked at the last grapheme of `after`: it stopped there
    // (`left` bytes from it on were left out) or went through.
    let last = after.graphemes(true).next_back().map_or(0, str::len);
    let reached_end = !after.is_empty() && cut_right.is_none_or(|left| left <= last);
    if cut_right.is_some() || more_right {
        shown.push('…');
    }
    Snippet {
        shown,
        caret: width,
        reached_cut: more_left && reached_start || more_right && reached_end,
    }
}

/// The general case of [`snippet_parts`]' left side: walks left from the caret
/// one grapheme at a time, escaping each, so an escape such as `\u{202e}` is kept
/// whole or dropped whole. Writes the kept part (after a `…` where cut) to
/// `shown`; returns its width without the `…`, whether it was cut, and whether
/// the walk looked at the first grapheme of `before`.
fn walk_left(before: &str, more_left: bool, shown: &mut String) -> (usize, bool, bool) {
    let mut kept = Vec::new();
    let mut width = 0;
    let mut cut_left = false;
    let mut graphemes = before.graphemes(true).rev();
    let mut reached_start = !before.is_empty();
    while let Some(g) = graphemes.next() {
        let e = sanitize::escape(g);
        let w = sanitize::width(&e);
        // A flood of combining marks is one column but megabytes: cut there, as
        // every value is cut.
        if width + w > BEFORE_COLS || g.len() > sanitize::MAX_CLUSTER_BYTES {
            cut_left = true;
            reached_start = graphemes.next().is_none();
            break;
        }
        width += w;
        kept.push(e);
    }
    if cut_left || more_left {
        shown.push('…');
    }
    for e in kept.iter().rev() {
        shown.push_str(e);
    }
    (width, cut_left, reached_start)
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

    /// Renders one file whose single payload has findings at `positions`.
    fn render_source(source: &str, positions: &[(u32, u32)]) -> String {
        let diags = positions
            .iter()
            .map(|&(l, c)| crate::diag::Diagnostic::new(crate::diag::Code::UnknownField, "u", l, c))
            .collect();
        let files = vec![super::super::testing::file("s.log", source, diags)];
        let mut out = Vec::new();
        write(&mut out, &files, &CiOptions::default()).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// What the human format showed when it cut snippets from the whole file.
    fn whole_line_snippet(source: &str, line: u32, column: u32) -> Option<(String, usize)> {
        let text = source.split('\n').nth(line.checked_sub(1)? as usize)?;
        let text = text.strip_suffix('\r').unwrap_or(text);
        Some(snippet(text, column))
    }

    #[test]
    fn snippets_from_windows_match_the_whole_line() {
        let flag = "\u{1F1E8}\u{1F1F3}";
        let zalgo = format!(
            "Z{}",
            "\u{301}".repeat(3 * super::super::source::WINDOW_CHARS)
        );
        let lines = [
            format!("{}X{}", "a".repeat(20_000), "b".repeat(20_000)),
            format!("a{}X{}", flag.repeat(5000), flag.repeat(5000)),
            format!("{}{zalgo}X{zalgo}", "c".repeat(9000)),
            format!("{}\u{1b}[2J\u{202e}X\r", "中".repeat(6000)),
            "short\r".to_string(),
        ];
        let source = lines.join("\n");
        for (i, text) in lines.iter().enumerate() {
            let line = i as u32 + 1;
            let x = text.chars().position(|c| c == 'X').unwrap_or(2) as u32 + 1;
            let columns = [1, x.saturating_sub(1).max(1), x, x + 1, 1_000_000];
            let positions: Vec<(u32, u32)> = columns.iter().map(|&c| (line, c)).collect();
            let text_out = render_source(&source, &positions);
            for c in columns {
                let (shown, caret) = whole_line_snippet(&source, line, c).unwrap();
                let block = format!(
                    "s.log:{line}:{c}: warning[unknown-field] u\n  {line} | {shown}\n    | {}^\n",
                    " ".repeat(caret)
                );
                assert!(text_out.contains(&block), "line {line} column {c}");
            }
        }
    }

    /// The printable-ASCII shortcut on the left of the caret gives what walking
    /// it grapheme by grapheme gives, around every length where the cut starts.
    #[test]
    fn plain_text_before_the_caret_is_cut_as_walking_it_cuts_it() {
        for n in 0..=BEFORE_COLS + 3 {
            for before in [
                "x".repeat(n),
                format!("{}~ ", "ab".repeat(n)),
                "中".repeat(n),
            ] {
                for after in ["", "tail", "\u{301}rest"] {
                    for (more_left, more_right) in [(false, false), (true, false), (true, true)] {
                        let got = snippet_parts(&before, after, more_left, more_right);
                        let mut shown = String::new();
                        let (width, cut_left, reached_start) =
                            walk_left(&before, more_left, &mut shown);
                        let caret = width + usize::from(cut_left || more_left);
                        assert!(shown.len() <= got.shown.len(), "{before:?}");
                        assert_eq!(&got.shown[..shown.len()], shown, "{before:?} {more_left}");
                        assert_eq!(got.caret, caret, "{before:?} {more_left}");
                        if !more_right {
                            assert_eq!(got.reached_cut, more_left && reached_start, "{before:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn lines_that_do_not_exist_are_not_quoted() {
        let text = render_source("one\r\ntwo\n", &[(0, 1), (2, 1), (3, 1), (9, 1)]);
        assert!(text.contains("s.log:2:1: warning[unknown-field] u\n  2 | two\n    | ^\n"));
        for missing in ["s.log:0:1:", "s.log:3:1:", "s.log:9:1:"] {
            let at = text.find(missing).unwrap();
            assert!(text[at..].lines().nth(1) == Some(""), "{missing}");
        }
    }
}
