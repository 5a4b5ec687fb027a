//! Quoting the source: the human format shows the line a finding points at, read
//! again from the input once its findings are known and sorted.
//!
//! Inputs are never kept in memory: [`LineCursor`] reads forward to each needed line
//! (skipping the others without decoding them) and keeps only a window of
//! [`WINDOW_CHARS`] characters either side of each column, which is far more than a
//! snippet shows. The line is decoded exactly as `String::from_utf8_lossy` decodes
//! it, without a trailing `\r`, so a window of a line that fits is the whole line.

use super::spool::Spool;
use crate::input::LineStart;
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;

/// Characters kept either side of a column by default. Snippets show fifty
/// columns either side, so only unusual lines (grapheme clusters averaging more
/// than five characters next to the column) need more: the human format then reads
/// the line again with a wider window ([`LineCursor::with_window`]). Every
/// distinct column of a line costs about twice this, in time and memory, so a
/// one-line document with thousands of findings must not make it large.
pub const WINDOW_CHARS: usize = 256;

/// Lines up to this many bytes are decoded whole and each window is the whole
/// line, cut at its column: cheaper than streaming the characters by, and the
/// copies per column stay small.
const WHOLE_LINE_BYTES: usize = 4096;

/// Bytes read at a time. Quoting reads a line here and a line there, jumping
/// over the rest: small reads keep it from reading the input all over again.
const READ_BYTES: usize = 16 * 1024;

/// A reader that can also move to a byte offset.
pub trait ReadSeek: Read + Seek {}

impl<T: Read + Seek> ReadSeek for T {}

/// An input that can be read again from its start, for the human format's source
/// snippets (and `--platform`'s second look).
pub trait Reopen: Send + Sync {
    /// A reader positioned at the first byte of the input.
    fn reopen(&self) -> io::Result<Box<dyn ReadSeek + '_>>;
}

impl Reopen for PathBuf {
    fn reopen(&self) -> io::Result<Box<dyn ReadSeek + '_>> {
        Ok(Box::new(std::fs::File::open(self)?))
    }
}

impl Reopen for Spool {
    fn reopen(&self) -> io::Result<Box<dyn ReadSeek + '_>> {
        Ok(Box::new(self.reader()))
    }
}

impl Reopen for Vec<u8> {
    fn reopen(&self) -> io::Result<Box<dyn ReadSeek + '_>> {
        Ok(Box::new(io::Cursor::new(self.as_slice())))
    }
}

/// The text around one column of a line: `before` ends and `after` starts at the
/// column. `cut_left`/`cut_right` say the line goes on beyond the window.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Window {
    /// 0-based character index of the column (as asked for).
    pub col0: usize,
    /// The characters before the column (at most the window's size).
    pub before: String,
    /// The characters from the column on (at most the window's size).
    pub after: String,
    /// The line has more characters before `before`.
    pub cut_left: bool,
    /// The line has more characters after `after`.
    pub cut_right: bool,
}

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads an input forward, line by line, handing out windows of the lines asked
/// for; jumps over lines when told where a later one starts.
pub struct LineCursor<'a> {
    r: BufReader<Box<dyn ReadSeek + 'a>>,
    /// Byte offset of the reader's position (the start of line `line`).
    at: u64,
    /// Characters kept either side of a column.
    window: usize,
    /// Lines of up to this many bytes are decoded whole (each window is then
    /// the whole line); longer ones stream by, keeping only the windows.
    whole_line: usize,
    /// 1-based number of the line the reader is at the start of.
    line: u32,
    /// The input ended.
    eof: bool,
    /// The start of the line being read (kept for its capacity).
    head: Vec<u8>,
}

impl<'a> LineCursor<'a> {
    /// A cursor at the start of `r`, keeping [`WINDOW_CHARS`] either side, and
    /// lines up to [`WHOLE_LINE_BYTES`] whole.
    pub fn new(r: Box<dyn ReadSeek + 'a>) -> Self {
        LineCursor {
            whole_line: WHOLE_LINE_BYTES,
            ..LineCursor::with_window(r, WINDOW_CHARS)
        }
    }

    /// A cursor at the start of `r`, keeping `window` characters either side
    /// (and lines up to `window` bytes whole).
    pub fn with_window(r: Box<dyn ReadSeek + 'a>, window: usize) -> Self {
        LineCursor {
            r: BufReader::with_capacity(READ_BYTES, r),
            at: 0,
            window: window.max(1),
            whole_line: window.max(1),
            line: 1,
            eof: false,
            head: Vec::new(),
        }
    }

    /// Moves on to line `to.line`, starting at byte `to.offset`, without
    /// reading the lines before it — when it is ahead of the cursor and of what
    /// is buffered (reading on through the buffer costs less than a seek).
    pub fn jump(&mut self, to: LineStart) -> io::Result<()> {
        if to.line <= self.line || self.eof {
            return Ok(());
        }
        if to.offset < self.at + self.r.buffer().len() as u64 {
            return Ok(());
        }
        self.r.seek(SeekFrom::Start(to.offset))?;
        self.at = to.offset;
        self.line = to.line;
        Ok(())
    }

    /// Marks `n` buffered bytes as read.
    fn consume(&mut self, n: usize) {
        self.r.consume(n);
        self.at += n as u64;
    }

    /// Windows of line `n` (1-based) around each of `cols` (0-based character
    /// indexes, ascending, distinct); `None` when the input has no line `n` (it
    /// ends before, or `n` is 0), or when `n` is behind the cursor. A column past
    /// the end of the line gets the end of the line.
    pub fn windows(&mut self, n: u32, cols: &[usize]) -> io::Result<Option<Vec<Window>>> {
        if n == 0 || n < self.line {
            return Ok(None);
        }
        while self.line < n {
            if !self.skip_line()? {
                return Ok(None);
            }
        }
        if self.eof || self.fill()?.is_empty() {
            // Nothing after the last newline: no such line.
            self.eof = true;
            return Ok(None);
        }
        // Read the start of the line. A line of at most `limit` bytes (the common
        // case) is decoded whole and cut at each column.
        let limit = self.whole_line;
        let mut head = std::mem::take(&mut self.head);
        head.clear();
        let mut ended = false;
        while head.len() <= limit {
            let buf = self.fill()?;
            if buf.is_empty() {
                self.eof = true;
                ended = true;
                break;
            }
            let room = limit + 1 - head.len();
            match memchr::memchr(b'\n', buf) {
                Some(i) if i <= room => {
                    head.extend_from_slice(&buf[..i]);
                    self.consume(i + 1);
                    ended = true;
                    break;
                }
                _ => {
                    let n = buf.len().min(room);
                    head.extend_from_slice(&buf[..n]);
                    self.consume(n);
                }
            }
        }
        // A BOM starting the line is no column (as the scanner counts them).
        let text = head.strip_prefix(BOM).unwrap_or(&head);
        let windows = if ended {
            let bytes = text.strip_suffix(b"\r").unwrap_or(text);
            if bytes.len() <= limit {
                // At most `limit` characters: no window is cut. Most lines are
                // valid UTF-8, which SIMD checks far faster than a lossy decode.
                let line = match simdutf8::basic::from_utf8(bytes) {
                    Ok(s) => std::borrow::Cow::Borrowed(s),
                    Err(_) => String::from_utf8_lossy(bytes),
                };
                // Columns ascend: one walk finds every split. Up to the last
                // column, ASCII needs none: a character is a byte.
                let last = cols.last().map_or(0, |&c| c.min(line.len()));
                let ascii = line.as_bytes().get(..last).is_some_and(<[u8]>::is_ascii);
                let mut chars = line.char_indices().map(|(i, _)| i).enumerate();
                cols.iter()
                    .map(|&col0| {
                        let split = if ascii {
                            col0.min(line.len())
                        } else {
                            chars
                                .find(|&(n, _)| n >= col0)
                                .filter(|&(n, _)| n == col0)
                                .map_or(line.len(), |(_, i)| i)
                        };
                        let (before, after) = line.split_at(split);
                        Window {
                            col0,
                            before: before.to_string(),
                            after: after.to_string(),
                            cut_left: false,
                            cut_right: false,
                        }
                    })
                    .collect()
            } else {
                let mut cap = Capture::new(cols, limit);
                cap.feed(bytes);
                cap.finish();
                cap.windows
            }
        } else {
            self.stream_rest(text, cols)?
        };
        self.head = head;
        self.line += 1;
        Ok(Some(windows))
    }

    /// The windows of a long line whose first bytes, `head`, are read: the rest is
    /// decoded as it streams by, keeping only the windows.
    fn stream_rest(&mut self, head: &[u8], cols: &[usize]) -> io::Result<Vec<Window>> {
        let mut cap = Capture::new(cols, self.window);
        // Whether the bytes fed so far end in `\r` (held back: it is dropped when it
        // turns out to end the line).
        let mut held_cr = false;
        feed_piece(&mut cap, head, &mut held_cr);
        loop {
            let buf = self.fill()?;
            if buf.is_empty() {
                self.eof = true;
                break;
            }
            let (piece, newline) = match memchr::memchr(b'\n', buf) {
                Some(i) => (&buf[..i], true),
                None => (buf, false),
            };
            let used = piece.len() + usize::from(newline);
            if !cap.satisfied() {
                feed_piece(&mut cap, piece, &mut held_cr);
            }
            self.consume(used);
            if newline {
                break;
            }
        }
        cap.finish();
        Ok(cap.windows)
    }

    fn fill(&mut self) -> io::Result<&[u8]> {
        loop {
            match self.r.fill_buf() {
                Ok(b) if !b.is_empty() => break,
                // The end: asking again reads again, which stays at the end.
                Ok(_) => return Ok(&[]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        // Buffered now: this does not read.
        self.r.fill_buf()
    }

    /// Moves past the current line; false when the input ended first.
    fn skip_line(&mut self) -> io::Result<bool> {
        loop {
            let buf = self.fill()?;
            if buf.is_empty() {
                self.eof = true;
                return Ok(false);
            }
            match memchr::memchr(b'\n', buf) {
                Some(i) => {
                    self.consume(i + 1);
                    self.line += 1;
                    return Ok(true);
                }
                None => {
                    let n = buf.len();
                    self.consume(n);
                }
            }
        }
    }
}

/// Feeds a piece of a line that goes on, holding back a final `\r` (and feeding
/// one held back before, now that more follows).
fn feed_piece(cap: &mut Capture<'_>, piece: &[u8], held_cr: &mut bool) {
    if *held_cr && !piece.is_empty() {
        cap.feed(b"\r");
    }
    *held_cr = false;
    match piece.split_last() {
        Some((b'\r', rest)) => {
            cap.feed(rest);
            *held_cr = true;
        }
        _ => cap.feed(piece),
    }
}

/// Regional indicators pair up into flags counting from the first of a run, so a
/// window that starts inside a run must start on a pair boundary.
fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// Collects the windows of one line as its characters go by.
struct Capture<'c> {
    cols: &'c [usize],
    /// Characters kept either side of a column.
    window: usize,
    /// Next column of `cols` to start a window at.
    next: usize,
    windows: Vec<Window>,
    /// Windows still gathering their `after` part (indexes into `windows`), with
    /// how many characters they have.
    open: Vec<(usize, usize)>,
    /// The last characters before the current one.
    ring: VecDeque<char>,
    /// Characters have fallen out of the ring.
    dropped: bool,
    /// Regional indicators ending the fallen-out part.
    dropped_ri: usize,
    /// Index of the next character.
    index: usize,
    /// Bytes of an unfinished UTF-8 sequence, from the end of the last piece.
    carry: Vec<u8>,
    scratch: Vec<u8>,
}

impl<'c> Capture<'c> {
    fn new(cols: &'c [usize], window: usize) -> Self {
        Capture {
            cols,
            window,
            next: 0,
            windows: Vec::with_capacity(cols.len()),
            open: Vec::new(),
            ring: VecDeque::new(),
            dropped: false,
            dropped_ri: 0,
            index: 0,
            carry: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Every window is started and complete: the rest of the line is not needed.
    fn satisfied(&self) -> bool {
        self.next >= self.cols.len() && self.open.is_empty()
    }

    /// Decodes `bytes` (continuing the last piece) like `from_utf8_lossy`.
    fn feed(&mut self, bytes: &[u8]) {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        scratch.append(&mut self.carry);
        scratch.extend_from_slice(bytes);
        let mut rest = &scratch[..];
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    self.chars(s);
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    if let Ok(s) = std::str::from_utf8(good) {
                        self.chars(s);
                    }
                    match e.error_len() {
                        Some(len) => {
                            self.char('\u{FFFD}');
                            rest = bad.get(len..).unwrap_or_default();
                        }
                        None => {
                            // Possibly the start of a character cut by the piece end.
                            self.carry.extend_from_slice(bad);
                            break;
                        }
                    }
                }
            }
        }
        self.scratch = scratch;
    }

    /// The end of the line: an unfinished sequence is one replacement character,
    /// and columns past the end get windows at the end.
    fn finish(&mut self) {
        if !self.carry.is_empty() {
            self.carry.clear();
            self.char('\u{FFFD}');
        }
        while self.next < self.cols.len() {
            self.start(self.cols[self.next]);
            self.next += 1;
        }
        self.open.clear();
    }

    fn chars(&mut self, s: &str) {
        for c in s.chars() {
            if self.satisfied() {
                return;
            }
            self.char(c);
        }
    }

    fn char(&mut self, c: char) {
        while self.cols.get(self.next) == Some(&self.index) {
            self.start(self.index);
            self.next += 1;
        }
        let windows = &mut self.windows;
        let size = self.window;
        self.open.retain_mut(|(w, n)| {
            let Some(win) = windows.get_mut(*w) else {
                return false;
            };
            if *n >= size {
                win.cut_right = true;
                return false;
            }
            win.after.push(c);
            *n += 1;
            true
        });
        self.ring.push_back(c);
        if self.ring.len() > self.window {
            if let Some(gone) = self.ring.pop_front() {
                self.dropped = true;
                self.dropped_ri = if is_regional_indicator(gone) {
                    self.dropped_ri + 1
                } else {
                    0
                };
            }
        }
        self.index += 1;
    }

    /// Starts the window of the column at the current character.
    fn start(&mut self, col0: usize) {
        let mut chars = self.ring.iter().copied().peekable();
        // Half of a flag fell out of the window: drop the other half too, so the
        // flags that follow pair up as they do in the whole line.
        if self.dropped_ri % 2 == 1 && chars.peek().copied().is_some_and(is_regional_indicator) {
            chars.next();
        }
        self.windows.push(Window {
            col0,
            before: chars.collect(),
            after: String::new(),
            cut_left: self.dropped,
            cut_right: false,
        });
        self.open.push((self.windows.len() - 1, 0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the windows must equal when the line fits: the whole line split at
    /// the column, as the human format used to cut it from the whole file.
    fn reference(text: &[u8], n: u32, col0: usize) -> Option<(String, String)> {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
        let i = (n as usize).checked_sub(1)?;
        let start = *starts.get(i)?;
        if start >= text.len() {
            return None;
        }
        let end = starts.get(i + 1).map_or(text.len(), |&next| next - 1);
        let bytes = &text[start..end];
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let line = String::from_utf8_lossy(bytes).into_owned();
        let split = line.char_indices().nth(col0).map_or(line.len(), |(i, _)| i);
        let (b, a) = line.split_at(split);
        Some((b.to_string(), a.to_string()))
    }

    /// Reads through a reader that hands out `piece` bytes at a time, so sequences
    /// and `\r\n` get cut at every possible place; counts the bytes read.
    struct Trickle<'a> {
        all: &'a [u8],
        at: usize,
        piece: usize,
        read: std::rc::Rc<std::cell::Cell<usize>>,
    }

    fn trickle(all: &[u8], piece: usize) -> Trickle<'_> {
        Trickle {
            all,
            at: 0,
            piece,
            read: Default::default(),
        }
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let rest = self.all.get(self.at..).unwrap_or_default();
            let n = rest.len().min(self.piece).min(out.len());
            out[..n].copy_from_slice(&rest[..n]);
            self.at += n;
            self.read.set(self.read.get() + n);
            Ok(n)
        }
    }

    impl Seek for Trickle<'_> {
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            let SeekFrom::Start(n) = to else {
                unreachable!("the cursor seeks from the start")
            };
            self.at = n as usize;
            Ok(n)
        }
    }

    fn bytes(b: &[u8]) -> Box<dyn ReadSeek + '_> {
        Box::new(io::Cursor::new(b))
    }

    #[test]
    fn windows_of_short_lines_are_the_whole_line() {
        let text: &[u8] = b"one\r\ntw\xe2\x82o\r\r\n\n\xf0\x9f\x98\x80x\xff\xc3\r\nlast\xe2\x82";
        let mut compared = 0;
        // A window of 5 characters takes the streaming path for the lines with
        // more bytes than that, and cuts those with more characters.
        for window in [5, WINDOW_CHARS] {
            for piece in [1, 2, 3, 5, 64 * 1024] {
                for cols in [vec![0], vec![1, 3], vec![0, 2, 50]] {
                    let mut c = LineCursor::with_window(Box::new(trickle(text, piece)), window);
                    for n in [0, 1, 2, 3, 4, 5, 6, 7] {
                        let got = c.windows(n, &cols).unwrap();
                        let want: Option<Vec<(String, String)>> =
                            cols.iter().map(|&c| reference(text, n, c)).collect();
                        let (Some(got), Some(want)) = (got.clone(), want.clone()) else {
                            assert_eq!(got.is_none(), want.is_none(), "line {n}");
                            continue;
                        };
                        for (w, (before, after)) in got.into_iter().zip(want) {
                            if w.cut_left || w.cut_right {
                                assert!(window < WINDOW_CHARS);
                                assert!(before.ends_with(&w.before) && after.starts_with(&w.after));
                                continue;
                            }
                            assert_eq!(
                                (w.before, w.after),
                                (before, after),
                                "piece {piece}, line {n}"
                            );
                            compared += 1;
                        }
                    }
                }
            }
        }
        assert!(compared > 100);
    }

    #[test]
    fn lines_are_read_forward_only_and_missing_lines_are_none() {
        let mut c = LineCursor::new(bytes(b"a\nb\n"));
        assert_eq!(c.windows(2, &[0]).unwrap().unwrap()[0].after, "b");
        assert_eq!(c.windows(1, &[0]).unwrap(), None);
        assert_eq!(c.windows(3, &[0]).unwrap(), None);
        let mut c = LineCursor::new(bytes(b""));
        assert_eq!(c.windows(1, &[0]).unwrap(), None);
    }

    #[test]
    fn long_lines_keep_a_window_and_flags_stay_paired() {
        let flag = "\u{1F1E8}\u{1F1F3}";
        let mut line = "a".repeat(10_000);
        // An odd number of characters before the flags, so the window cut falls
        // inside a flag whichever way it is counted.
        line.push_str(&flag.repeat(WINDOW_CHARS));
        line.push('X');
        line.push_str(&"b".repeat(10_000));
        let col0 = line.chars().position(|c| c == 'X').unwrap();
        let mut c = LineCursor::new(bytes(line.as_bytes()));
        let w = c.windows(1, &[col0]).unwrap().unwrap().remove(0);
        assert!(w.cut_left && w.cut_right);
        assert!(w.after.starts_with('X'));
        assert_eq!(w.after.chars().count(), WINDOW_CHARS);
        // Whole flags only.
        assert_eq!(w.before.chars().count() % 2, 0);
        assert!(w.before.starts_with(flag) && w.before.ends_with(flag));
    }

    /// Where each line of `text` starts.
    fn line_starts(text: &[u8]) -> Vec<LineStart> {
        std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text).map(|i| i + 1))
            .enumerate()
            .map(|(i, offset)| LineStart {
                line: i as u32 + 1,
                offset: offset as u64,
            })
            .collect()
    }

    #[test]
    fn jumps_skip_the_lines_between_and_quote_the_same() {
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(&format!("{i} {}\r\n", "中x".repeat(i % 50)));
        }
        let text = text.as_bytes();
        let starts = line_starts(text);
        // Lines far apart, lines close together, and a jump to an earlier line
        // than asked for (the cursor reads on from there).
        let asks: [(u32, Option<u32>); 7] = [
            (5, None),
            (900, Some(900)),
            (902, Some(901)),
            (903, Some(903)),
            (2000, Some(1990)),
            (2999, Some(2999)),
            (3000, Some(3000)),
        ];
        let reader = trickle(text, usize::MAX);
        let read = reader.read.clone();
        let mut jumping = LineCursor::new(Box::new(reader));
        let mut plain = LineCursor::new(bytes(text));
        for (n, to) in asks {
            if let Some(to) = to {
                jumping.jump(starts[to as usize - 1]).unwrap();
            }
            let (got, want) = (jumping.windows(n, &[0, 3]), plain.windows(n, &[0, 3]));
            assert_eq!(got.unwrap(), want.unwrap(), "line {n}");
        }
        // Four places read (901 and 903 are buffered with 900), a buffer each,
        // of an input over fifteen times as large.
        assert!(read.get() <= 4 * READ_BYTES, "read {} bytes", read.get());
        assert!(text.len() > 15 * READ_BYTES);
        // Behind the cursor, or within what it holds: no jump.
        jumping.jump(starts[10]).unwrap();
        assert_eq!(jumping.line, 3001);
    }

    #[test]
    fn a_jump_within_the_buffer_reads_on() {
        let text = b"a\nb\nc\nd\n";
        let reader = trickle(text, usize::MAX);
        let read = reader.read.clone();
        let mut c = LineCursor::new(Box::new(reader));
        assert_eq!(c.windows(1, &[0]).unwrap().unwrap()[0].after, "a");
        c.jump(LineStart { line: 4, offset: 6 }).unwrap();
        assert_eq!(c.windows(4, &[0]).unwrap().unwrap()[0].after, "d");
        assert_eq!(read.get(), text.len());
    }
}
