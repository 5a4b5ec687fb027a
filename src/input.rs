//! Input framing: turns a byte stream (a file, stdin, an application log) into
//! documents with source positions, without ever reading the whole stream.
//!
//! A payload can sit anywhere: alone in a file, one per line (NDJSON), several in
//! one line, inside a log line after a prefix, as pretty-printed JSON/XML
//! spanning many lines, or escaped by a logger or proxy (`escaped`). The
//! scanner reads line by line, looks for candidate starts (`{` and `<xml`),
//! asks a cheap structural scan ([`crate::parse::Extent`]) how many more lines
//! the candidate needs, and only then runs the real parser once.
//!
//! Guarantees: memory is bounded by the record limit (an oversized line is skipped
//! without being buffered); a broken document never hides what follows it (scanning
//! resumes at the next line); nothing is read past the end of the current payload,
//! so `tail -f` shows each payload as soon as its last line arrives.

use crate::diag::{Code, Diagnostic};
use crate::doc::{Document, Format, Node};
use crate::lane::{Spares, TapeDoc};
use crate::parse::{json, xml, Extent, Limits, ParseError};
use std::cell::Cell;
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

mod container;
mod escaped;

/// Knobs for framing and parsing.
#[derive(Clone, Copy, Debug)]
pub struct ScanOptions {
    /// Largest document (and line) accepted, in bytes.
    pub max_record: usize,
    pub limits: Limits,
    /// Read strict JSON and simple XML documents (on one line or over several,
    /// or logged as an escaped literal) onto a tape ([`Item::Tape`]) for the
    /// fast lane ([`crate::lane`]) instead of building their tree here. Only for
    /// consumers that can use a report without a tree (JSON lines, validation).
    pub lane: bool,
    /// Keep where the lines of the latest documents start
    /// ([`Scanner::line_start`]), for a report that quotes them afterwards.
    pub line_starts: bool,
    /// The input is a fixture file, which holds documents alone: text beside
    /// a document on its line is no log prefix but text out of place, and is
    /// reported skipped (once a line) as a line without a document is.
    pub fixture: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_record: 16 << 20,
            limits: Limits::default(),
            lane: false,
            line_starts: false,
            fixture: false,
        }
    }
}

/// One thing found in the input.
#[derive(Debug)]
pub enum Item {
    /// A document that parsed (it may or may not be a WeChat payload), with the
    /// non-fatal findings made while reading it (lenient JSON, XML attributes, …).
    /// Boxed like [`Item::Broken`]: most items are tapes, and a small item
    /// moves through the queue without a `memcpy` call.
    Doc(Box<Document>, Vec<Diagnostic>),
    /// A document that looks like a payload but could not be read.
    Broken(Box<Broken>),
    /// A strict JSON document on a tape, for the fast lane (with [`ScanOptions::lane`]).
    Tape(Arc<TapeDoc>),
    /// A non-blank line that holds no document (counted, not shown), and
    /// where its text starts.
    Skipped { line: u32, column: u32 },
}

/// A payload-like document that failed to parse.
#[derive(Debug, Clone)]
pub struct Broken {
    pub source: Arc<str>,
    pub format: Format,
    /// Where the document starts.
    pub line: u32,
    pub column: u32,
    /// What went wrong, located at the problem.
    pub diagnostic: Diagnostic,
}

/// A buffered reader that can show what it holds without reading more: a
/// `BufReader` over a file or pipe, or a slice already in memory (the chunks
/// of a parallel run), which is read in place rather than copied through a
/// second buffer.
pub trait Buffered: BufRead {
    /// The bytes buffered and not yet consumed.
    fn buffered(&self) -> &[u8];
}

impl<R: Read> Buffered for BufReader<R> {
    fn buffered(&self) -> &[u8] {
        self.buffer()
    }
}

impl Buffered for &[u8] {
    fn buffered(&self) -> &[u8] {
        self
    }
}

/// Reads documents from one input.
pub struct Scanner<B: Buffered> {
    reader: B,
    source: Arc<str>,
    opts: ScanOptions,
    /// Bytes of consecutive whole lines; `buf[0]` starts line `buf_line`.
    buf: Vec<u8>,
    /// Offsets in `buf` where each buffered line starts.
    starts: Vec<usize>,
    buf_line: u32,
    /// Scan position in `buf`.
    pos: usize,
    eof: bool,
    started: bool,
    pending: VecDeque<Item>,
    docs: u64,
    other_text: bool,
    /// The last line reported skipped for text out of place (see
    /// [`ScanOptions::fixture`]).
    stray_line: u32,
    failed: bool,
    /// Last source line (1-based) on which a document started or ended.
    covered: u32,
    /// Encoding named by an `<?xml … encoding="…"?>` declaration, waiting for the
    /// `<xml>` document that follows it.
    declared: Option<String>,
    /// A `<!DOCTYPE` seen before the next `<xml>` document (refused with it).
    doctype: bool,
    /// The line on which [`Scanner::fast_json`] was last tried.
    fast_tried: Option<u32>,
    /// Bytes of escaped text read by tries to decode it (`input::escaped`):
    /// the work a line of escaped candidates costs, which tests bound.
    escaped_work: u64,
    /// The input ended while a candidate still needed more of it.
    ran_out: bool,
    /// Tape documents to read the next ones into.
    spares: Spares,
    /// The last position [`Scanner::line_col`] answered: source line, byte
    /// offset in that line, and column.
    last_col: Cell<(u32, usize, u32)>,
    /// The same for the errors of broken documents ([`Scanner::error_col`]),
    /// apart, as a document's start and its error (far on, at the end of its
    /// line) are asked for in turn.
    last_error_col: Cell<(u32, usize, u32)>,
    /// What searches for the ends of CDATA sections and comments found
    /// missing in `buf[..end]` ([`xml::Unclosed`], in buffer offsets), with
    /// that `end` and the record shape `quiet` is about: a line of many
    /// unclosed `<xml>`s is then framed in linear time.
    unclosed: Cell<(usize, Option<RecordShape>, xml::Unclosed)>,
    /// Bytes of the input before `buf[0]`.
    buf_offset: u64,
    /// Lines over the record limit stand in the buffer as a bare line end: each
    /// is the buffer index after one and the bytes of input it left out there.
    /// Rare, so usually empty.
    left_out: Vec<(usize, u64)>,
    /// Where the lines of the latest documents start (see [`Scanner::line_start`]).
    line_starts: VecDeque<LineStart>,
    /// Findings of lines over the record limit that were read ahead of the
    /// documents before them, by line: each is queued once the scan reaches its
    /// line, so the reports keep the input's order.
    deferred: VecDeque<(u32, Item)>,
    /// Buffered lines (by number, in order) that may be container log
    /// records ([`container::may_be_record`]), marked as they are read so the
    /// scan of every other line looks no further than whether this is empty;
    /// each with whether a join took it into a payload that starts on an
    /// earlier line (it is then passed over when reached).
    record_lines: VecDeque<(u32, bool)>,
    /// Whether container log records are looked for: not in text that is
    /// itself a record's (or a string field's).
    records: bool,
}

/// A line of the input and the byte offset where it starts, counted from the
/// start of what the scanner reads. The human format jumps to such a line to
/// quote it instead of reading every line before it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineStart {
    /// 1-based line number.
    pub line: u32,
    /// Byte offset of the line's first byte.
    pub offset: u64,
}

/// How many [`LineStart`]s a scanner keeps: reports trail the scanner by a
/// few documents at most, so the oldest are never asked for.
const LINE_STARTS_KEPT: usize = 1024;

impl<R: Read> Scanner<BufReader<R>> {
    pub fn new(reader: R, source: impl Into<Arc<str>>, opts: ScanOptions) -> Self {
        Scanner::buffered(BufReader::with_capacity(64 * 1024, reader), source, opts)
    }

    /// A scanner for a piece of an input that starts at the beginning of a line
    /// (not the first line: no encoding sniffing), `from`, so lines and offsets
    /// are counted as in one scan of the whole input. Used with
    /// [`Scanner::ended_clean`] to read one input in independent pieces.
    pub(crate) fn resume_at(
        reader: R,
        source: impl Into<Arc<str>>,
        opts: ScanOptions,
        from: LineStart,
    ) -> Self {
        Scanner::resume_buffered(
            BufReader::with_capacity(64 * 1024, reader),
            source,
            opts,
            from,
        )
    }
}

impl<B: Buffered> Scanner<B> {
    /// [`Scanner::new`] on a reader that is buffered already.
    pub fn buffered(reader: B, source: impl Into<Arc<str>>, opts: ScanOptions) -> Self {
        Scanner {
            reader,
            source: source.into(),
            opts,
            buf: Vec::new(),
            starts: Vec::new(),
            buf_line: 1,
            pos: 0,
            eof: false,
            started: false,
            pending: VecDeque::new(),
            docs: 0,
            other_text: false,
            stray_line: 0,
            failed: false,
            covered: 0,
            declared: None,
            doctype: false,
            fast_tried: None,
            escaped_work: 0,
            ran_out: false,
            spares: Spares::default(),
            last_col: Cell::new((0, 0, 1)),
            last_error_col: Cell::new((0, 0, 1)),
            unclosed: Cell::new((0, None, xml::Unclosed::default())),
            buf_offset: 0,
            left_out: Vec::new(),
            line_starts: VecDeque::new(),
            deferred: VecDeque::new(),
            record_lines: VecDeque::new(),
            records: true,
        }
    }

    /// [`Scanner::resume_at`] on a reader that is buffered already.
    pub(crate) fn resume_buffered(
        reader: B,
        source: impl Into<Arc<str>>,
        opts: ScanOptions,
        from: LineStart,
    ) -> Self {
        let mut s = Scanner::buffered(reader, source, opts);
        s.buf_line = from.line;
        s.buf_offset = from.offset;
        s.started = true;
        s
    }

    /// After the end of input: nothing was left open at the end — no candidate
    /// still waiting for lines, no `<?xml` declaration or `<!DOCTYPE` waiting for
    /// its document. A scan of the text that follows then starts from the same
    /// state as a fresh scanner, so pieces of an input cut after such an end scan
    /// exactly as the whole input does.
    pub(crate) fn ended_clean(&self) -> bool {
        !self.ran_out && self.declared.is_none() && !self.doctype
    }

    /// Documents found, and whether anything else was seen (the parts of
    /// [`Scanner::was_single_document`], to add up over pieces of an input).
    pub(crate) fn doc_counts(&self) -> (u64, bool) {
        (self.docs, self.other_text)
    }

    /// This scanner frames its text as a plain-text log, looking for no
    /// container log records: for text that is a record's own, or a string
    /// field's.
    pub(crate) fn plain_text(mut self) -> Self {
        self.records = false;
        self
    }

    /// Display name of the input.
    pub fn source(&self) -> &Arc<str> {
        &self.source
    }

    /// True when the next read would have to wait for the input; a good moment to
    /// flush output so live streams show each payload at once.
    pub fn input_drained(&self) -> bool {
        self.reader.buffered().is_empty()
    }

    /// After the end of input: the input held exactly one document and nothing else.
    pub fn was_single_document(&self) -> bool {
        self.docs == 1 && !self.other_text
    }

    /// The next item, `Ok(None)` at the end of input. I/O errors end the scan.
    pub fn next_item(&mut self) -> io::Result<Option<Item>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Ok(Some(item));
            }
            if self.failed {
                return Ok(None);
            }
            // Container log records were seen among the lines read (rare):
            // looked at apart, so the usual step is as it always was.
            if !self.record_lines.is_empty() && self.container_line()? {
                continue;
            }
            if !self.step()? {
                return Ok(None);
            }
        }
    }

    /// Counts a document starting on source line `line` (buffered), and keeps
    /// where that line starts (with [`ScanOptions::line_starts`]).
    fn count_doc(&mut self, line: u32) {
        self.docs += 1;
        if !self.opts.line_starts || self.line_starts.back().is_some_and(|s| s.line >= line) {
            return;
        }
        let i = line.checked_sub(self.buf_line).map(|i| i as usize);
        let Some(&start) = i.and_then(|i| self.starts.get(i)) else {
            return;
        };
        if self.line_starts.len() == LINE_STARTS_KEPT {
            self.line_starts.pop_front();
        }
        self.line_starts.push_back(LineStart {
            line,
            offset: self.input_offset(start),
        });
    }

    /// The byte offset in the input of `buf[at]`.
    fn input_offset(&self, at: usize) -> u64 {
        let left_out: u64 = self
            .left_out
            .iter()
            .take_while(|&&(i, _)| i <= at)
            .map(|&(_, n)| n)
            .sum();
        self.buf_offset + at as u64 + left_out
    }

    /// The start of the nearest line at or before `line` on which a recent
    /// document started: a place to read on from to reach `line`. Only with
    /// [`ScanOptions::line_starts`].
    pub fn line_start(&self, line: u32) -> Option<LineStart> {
        let i = self.line_starts.partition_point(|s| s.line <= line);
        i.checked_sub(1)
            .and_then(|i| self.line_starts.get(i))
            .copied()
    }

    /// Index of the buffered line holding byte `at`.
    fn line_index(&self, at: usize) -> usize {
        // Lines are read one at a time as the scan reaches the end of the
        // buffer, so the line asked about is nearly always the last one read:
        // no search, whose branches a processor cannot foresee.
        if self.starts.last().is_some_and(|&s| s <= at) {
            return self.starts.len() - 1;
        }
        match self.starts.binary_search(&at) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// End of the buffered line `i` (exclusive, including its newline).
    fn line_end(&self, i: usize) -> usize {
        self.starts.get(i + 1).copied().unwrap_or(self.buf.len())
    }

    /// 1-based line and column of byte `at` in `buf`.
    fn line_col(&self, at: usize) -> (u32, u32) {
        self.col_cached(at, &self.last_col)
    }

    /// [`Scanner::line_col`] of a broken document's error, counted on from
    /// the last error's: a line of broken documents, each with its error at
    /// the line's end, is counted once.
    fn error_col(&self, at: usize) -> (u32, u32) {
        self.col_cached(at, &self.last_error_col)
    }

    /// Line and column of `at`, counted on from the position `last` holds
    /// when on the same line before it, which then holds `at`'s.
    ///
    /// Columns are what an editor shows: a UTF-8 BOM starting the line is
    /// no column, and the end of the input after a last line break is the
    /// end of that line, not a column past its break.
    fn col_cached(&self, at: usize, last: &Cell<(u32, usize, u32)>) -> (u32, u32) {
        let i = self.line_index(at);
        let start = self.starts.get(i).copied().unwrap_or(0);
        let line = self.buf_line + i as u32;
        // Most documents start their line.
        if at <= start {
            return (line, 1);
        }
        let mut at = at;
        if self.buf.get(at - 1) == Some(&b'\n') {
            at -= 1;
            if at > start && self.buf.get(at - 1) == Some(&b'\r') {
                at -= 1;
            }
        }
        let offset = at - start;
        if offset == 0 {
            return (line, 1);
        }
        // A first byte other than the BOM's settles it for almost every line.
        let bom = u32::from(
            offset >= 3
                && self.buf.get(start) == Some(&BOM[0])
                && self.buf.get(start + 1..start + 3) == Some(&BOM[1..]),
        );
        // Documents on one line come in order: count on from the last one asked
        // about, so a line of thousands of payloads is not counted from its start
        // for each of them.
        let (from, col) = match last.get() {
            (l, o, c) if l == line && o <= offset => (o, c),
            _ => (0, 1),
        };
        let col = col + count_chars(self.buf.get(start + from..at).unwrap_or_default()) as u32;
        last.set((line, offset, col));
        (line, col - bom)
    }

    /// 1-based line of byte `at` in `buf` (no column: that needs a count).
    fn line_of(&self, at: usize) -> u32 {
        self.buf_line + self.line_index(at) as u32
    }

    /// Reads one more line into the buffer. Returns false at end of input.
    fn read_line(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let start = self.buf.len();
        let cap = self.opts.max_record;
        let mut overflow: usize = 0;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                self.eof = true;
                break;
            }
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            let room = cap.saturating_sub(self.buf.len() - start);
            if overflow == 0 && take <= room {
                self.buf.extend_from_slice(&chunk[..take]);
            } else {
                // Oversized line: stop buffering, just count and discard.
                overflow += take;
            }
            self.reader.consume(take);
            if done {
                break;
            }
        }
        if !self.started {
            self.started = true;
            if let Some(item) = self.sniff_encoding(start) {
                self.pending.push_back(item);
                self.failed = true;
                return Ok(false);
            }
        }
        if overflow > 0 {
            let line = self.buf_line + self.starts.len() as u32;
            let size = self.buf.len() - start + overflow;
            self.buf.truncate(start);
            self.unclosed.take();
            self.other_text = true;
            self.pending.push_back(Item::Broken(Box::new(Broken {
                source: self.source.clone(),
                format: Format::Json,
                line,
                column: 1,
                diagnostic: Diagnostic::new(
                    Code::RecordTooLarge,
                    format!(
                        "line {line} is {size} bytes, over the {} byte record limit; skipped",
                        cap
                    ),
                    line,
                    1,
                ),
            })));
            // Keep line numbering right: the skipped line still counts.
            self.starts.push(start);
            self.buf.push(b'\n');
            self.left_out
                .push((start + 1, (size as u64).saturating_sub(1)));
            return Ok(true);
        }
        if self.buf.len() == start {
            return Ok(false);
        }
        self.starts.push(start);
        self.mark_record(start, self.starts.len() - 1);
        Ok(true)
    }

    /// Takes every further line already buffered (never waiting for input) for
    /// a document starting at `c`, as long as the document stays within the
    /// record limit.
    fn read_ahead(&mut self, c: usize) -> io::Result<()> {
        if self.read_buffered_lines(c) {
            return Ok(());
        }
        while self.pending.is_empty()
            && self.buf.len() - c <= self.opts.max_record
            && memchr::memchr(b'\n', self.reader.buffered()).is_some()
        {
            if !self.read_line()? {
                break;
            }
        }
        Ok(())
    }

    /// Takes every whole line the reader holds already in one go, as
    /// [`Scanner::read_line`] would one by one, when that keeps a document
    /// starting at `c` within the record limit (so no line can be oversized).
    /// Never waits for input; false, with nothing taken, when it cannot.
    fn read_buffered_lines(&mut self, c: usize) -> bool {
        if self.eof || !self.started || !self.pending.is_empty() {
            return false;
        }
        let chunk = self.reader.buffered();
        let Some(last) = memchr::memrchr(b'\n', chunk) else {
            return false;
        };
        let take = last + 1;
        if self.buf.len() - c + take > self.opts.max_record {
            return false;
        }
        let start = self.buf.len();
        self.buf.extend_from_slice(&chunk[..take]);
        let first = self.starts.len();
        self.starts.push(start);
        self.starts
            .extend(memchr::memchr_iter(b'\n', &chunk[..last]).map(|i| start + i + 1));
        self.reader.consume(take);
        for k in first..self.starts.len() {
            self.mark_record(self.starts[k], k);
        }
        true
    }

    /// UTF-16 input cannot hold a WeChat payload in any form we read; say so once.
    fn sniff_encoding(&self, start: usize) -> Option<Item> {
        let head = &self.buf[start..];
        let bom16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
        // UTF-16 text of ASCII characters has a NUL in every other byte; a few
        // stray NULs in a first line are just garbage.
        let sample = &head[..head.len().min(64)];
        let (mut even, mut odd) = (0usize, 0usize);
        for (i, &b) in sample.iter().enumerate() {
            if b == 0 {
                if i % 2 == 0 {
                    even += 1;
                } else {
                    odd += 1;
                }
            }
        }
        let half = sample.len() / 2;
        let nul_pairs = sample.len() >= 8
            && ((odd * 10 >= half * 8 && even * 10 <= half * 2)
                || (even * 10 >= half * 8 && odd * 10 <= half * 2));
        if bom16 || nul_pairs {
            let d = Diagnostic::new(
                Code::Utf16Input,
                "the input is UTF-16 (or has NUL bytes between characters); convert it with `iconv -f UTF-16 -t UTF-8`",
                1,
                1,
            );
            return Some(Item::Broken(Box::new(Broken {
                source: self.source.clone(),
                format: Format::Json,
                line: 1,
                column: 1,
                diagnostic: d,
            })));
        }
        None
    }

    /// Drops buffered lines before the one holding `pos` — only once they are a
    /// large share of the buffer, so stepping through many buffered lines does not
    /// shift the rest of the buffer each time (amortised linear).
    fn compact(&mut self) {
        let i = self.line_index(self.pos);
        if i == 0 {
            return;
        }
        let cut = self.starts[i];
        if cut < 64 * 1024 && cut * 2 < self.buf.len() {
            return;
        }
        self.buf.drain(..cut);
        self.unclosed.take();
        self.buf_offset += cut as u64;
        while let Some(&(_, n)) = self.left_out.first().filter(|&&(at, _)| at <= cut) {
            self.buf_offset += n;
            self.left_out.remove(0);
        }
        for (at, _) in &mut self.left_out {
            *at -= cut;
        }
        self.starts.drain(..i);
        for s in &mut self.starts {
            *s -= cut;
        }
        self.pos -= cut;
        self.buf_line += i as u32;
    }

    /// Moves the scan position to the start of the line after the one holding `at`.
    fn resume_after_line_of(&mut self, at: usize) {
        let i = self.line_index(at);
        self.pos = self.line_end(i);
    }

    /// Does one unit of work; false when the input is exhausted.
    fn step(&mut self) -> io::Result<bool> {
        if !self.deferred.is_empty() {
            let scanned_to = if self.pos < self.buf.len() {
                self.line_of(self.pos)
            } else {
                self.buf_line + self.starts.len() as u32
            };
            let due = self
                .deferred
                .iter()
                .take_while(|&&(l, _)| l <= scanned_to)
                .count();
            if due > 0 {
                self.pending
                    .extend(self.deferred.drain(..due).map(|(_, item)| item));
                return Ok(true);
            }
        }
        if self.pos >= self.buf.len() {
            self.compact();
            if !self.read_line()? {
                return Ok(!self.pending.is_empty());
            }
            return Ok(true);
        }
        self.compact();
        let line_end = self.line_end(self.line_index(self.pos));
        let hay = &self.buf[self.pos..line_end];
        let Some(off) = memchr::memchr2(b'{', b'<', hay) else {
            if hay.iter().any(|b| !b.is_ascii_whitespace()) && !is_bom_only(hay) {
                self.other_text = true;
                // After a document on its line (a line with none is
                // `leave_line`'s to report).
                if self.opts.fixture && self.line_of(self.pos) <= self.covered {
                    self.stray(self.pos, line_end);
                }
            }
            self.leave_line(line_end);
            return Ok(true);
        };
        let c = self.pos + off;
        if self.buf[self.pos..c]
            .iter()
            .any(|b| !b.is_ascii_whitespace())
            && !is_bom_only(&self.buf[self.pos..c])
        {
            self.other_text = true;
            if self.opts.fixture {
                self.stray(self.pos, c);
            }
        }
        if self.buf[c] == b'{'
            && matches!(self.buf.get(c + 1), Some(b'\\' | b' '))
            && self.escaped_json(c, line_end)
        {
            return Ok(true);
        }
        if self.buf[c..line_end].starts_with(b"<?xml") {
            // The declaration belongs to the document after it: not a skipped line.
            self.declared = declared_encoding(&self.buf[c..line_end]);
            self.covered = self.line_col(c).0;
            // Past its `?>`: the rest is no text out of place.
            self.pos = c + self.xml_misc(c, line_end).unwrap_or(1);
            return Ok(true);
        }
        if self.buf[c..line_end].starts_with(b"<!DOCTYPE") {
            // Entity declarations (billion laughs, XXE) are never expanded; the
            // document that follows is refused as a whole.
            self.doctype = true;
            self.covered = self.line_col(c).0;
            self.pos = c + 1;
            return Ok(true);
        }
        let format = if self.buf[c] == b'{' {
            Format::Json
        } else if is_xml_start(&self.buf[c..line_end]) {
            Format::Xml
        } else if is_misspelt_xml_start(&self.buf[c..line_end]) {
            self.misspelt_root(c);
            return Ok(true);
        } else if let Some(len) = self.xml_misc_ahead(c, line_end)? {
            // A comment or a processing instruction beside the documents is
            // XML's own (a fixture annotated `<!-- a text push -->`): passed
            // over as no text out of place.
            self.covered = self.covered.max(self.line_of(c + len - 1));
            self.pos = c + len;
            return Ok(true);
        } else {
            self.other_text = true;
            if self.opts.fixture {
                self.stray(c, c + 1);
            }
            self.pos = c + 1;
            return Ok(true);
        };
        self.candidate(c, format)?;
        Ok(true)
    }

    /// The length of the XML comment (`<!-- … -->`, over lines too) or
    /// processing instruction (`<?target … ?>`, on its line, without `<` or
    /// `>` inside) at `c`, when it
    /// is closed in what is buffered. A comment's search for its end is kept
    /// ([`xml::Unclosed`]): a line of unclosed comments stays linear.
    fn xml_misc(&self, c: usize, line_end: usize) -> Option<usize> {
        let text = self.buf.get(c..)?;
        if text.starts_with(b"<?") {
            // Ends at the first `>`, before any `<` (a line of `<?` stays
            // linear).
            let line = self.buf.get(c + 2..line_end)?;
            let k = memchr::memchr2(b'<', b'>', line)?;
            return (line[k] == b'>' && k > 0 && line[k - 1] == b'?').then_some(k + 3);
        }
        if !text.starts_with(b"<!--") {
            return None;
        }
        let end = self.buf.len();
        let (shape, mut known) = self.known_unclosed(c, end);
        let found = if known.comment <= 4 {
            None
        } else {
            let k = memchr::memmem::find(&text[4..], b"-->");
            if k.is_none() {
                known.comment = 4;
            }
            k
        };
        self.learn_unclosed(c, end, shape, known);
        found.map(|k| k + 7)
    }

    /// [`Scanner::xml_misc`], reading on for a comment's end in a fixture
    /// file (a comment over several lines before the root), up to the record
    /// limit. A log is not read ahead for one: under `tail -f`, a `<!--` in a
    /// log line would hold back what comes after it.
    fn xml_misc_ahead(&mut self, c: usize, line_end: usize) -> io::Result<Option<usize>> {
        loop {
            let found = self.xml_misc(c, line_end);
            if found.is_some()
                || !self.opts.fixture
                || !self.buf[c..].starts_with(b"<!--")
                || self.buf.len() - c > self.opts.max_record
                || !self.read_line()?
            {
                return Ok(found);
            }
        }
    }

    /// Reports the text in `buf[from..to]` (on one line, not all blank) as
    /// skipped, unless its line was reported already: in a fixture file,
    /// text beside a document is out of place ([`ScanOptions::fixture`]).
    #[cold]
    fn stray(&mut self, from: usize, to: usize) {
        let text = self.buf.get(from..to).unwrap_or_default();
        let Some(k) = text.iter().position(|b| !b.is_ascii_whitespace()) else {
            return;
        };
        let (line, column) = self.line_col(from + k);
        if self.stray_line == line {
            return;
        }
        self.stray_line = line;
        self.pending.push_back(Item::Skipped { line, column });
    }

    /// Reports the `<XML>` or `<Xml>` at `c` as `xml-root`: a WeChat document
    /// whose root is cased otherwise, which no handler reads as one, would
    /// otherwise be passed over as text without a word.
    #[cold]
    fn misspelt_root(&mut self, c: usize) {
        let name_end = self.buf[c + 1..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .map_or(self.buf.len(), |n| c + 1 + n);
        let name = String::from_utf8_lossy(&self.buf[c + 1..name_end]).into_owned();
        let err = ParseError::new(
            0,
            Code::XmlRoot,
            format!("the root element is <{name}>; WeChat XML has the root <xml>, in lower case"),
        );
        self.broken_or_skip(c, Format::Xml, err, None);
    }

    /// Moves past the rest of the current line; a non-blank line that no document
    /// touched is reported as skipped.
    fn leave_line(&mut self, line_end: usize) {
        let i = self.line_index(self.pos);
        let abs = self.buf_line + i as u32;
        let start = self.starts.get(i).copied().unwrap_or(0);
        let line = &self.buf[start..line_end];
        if abs > self.covered
            && abs != self.stray_line
            && line.iter().any(|b| !b.is_ascii_whitespace())
            && !is_bom_only(line)
        {
            // Counted without `line_col`: a log has many such lines, and
            // blanks (ASCII) after a BOM (no column) are a column each.
            let text = line.strip_prefix(&BOM[..]).unwrap_or(line);
            let blank = text.iter().take_while(|b| b.is_ascii_whitespace()).count();
            self.pending.push_back(Item::Skipped {
                line: abs,
                column: blank as u32 + 1,
            });
        }
        self.pos = line_end;
    }

    /// Frames and parses the candidate starting at `c`.
    fn candidate(&mut self, c: usize, format: Format) -> io::Result<()> {
        // A record cut (`record_cut`) is looked for wherever a document may
        // run past its first line (`xml_ahead`, the scan below), so however
        // much of it is buffered, the answer is the same.
        if format == Format::Json && (self.fast_json(c) || self.tape_ahead(c))
            || format == Format::Xml
                && (self.fast_xml(c) || self.escaped_xml(c) || self.xml_ahead(c))
        {
            return Ok(());
        }
        // Find the extent, reading more lines as long as the text stays plausible.
        let outcome = loop {
            if format == Format::Xml {
                if let Some(next) = self.record_cut(c) {
                    self.cut_by_record(c, next);
                    return Ok(());
                }
            }
            match self.extent(c, self.buf.len(), format) {
                Extent::Complete(end) => break Ok(end),
                Extent::NotDocument(at) => break Err(Some(at)),
                Extent::NeedMore => {
                    if self.buf.len() - c > self.opts.max_record {
                        break Err(None);
                    }
                    let before = self.buf.len();
                    let queued = self.pending.len();
                    let got = self.read_line()?;
                    // A long document is re-scanned once per buffer fill rather
                    // than once per line.
                    if got {
                        self.read_ahead(c)?;
                    }
                    if self.pending.len() > queued {
                        self.interrupted(c, queued, format);
                        return Ok(());
                    }
                    if !got || self.buf.len() == before {
                        self.ran_out |= !got;
                        if !self.pending.is_empty() {
                            // An oversized line interrupted the candidate.
                            break Err(None);
                        }
                        break Err(Some(self.buf.len() - c));
                    }
                }
            }
        };
        // A skipped line read ahead of an earlier document stands in the buffer
        // as a blank line: a verdict reached past it is about text around a gap,
        // which is not one document, as when the scan reads into the gap itself.
        let reach = match outcome {
            Ok(end) | Err(Some(end)) => (c + end + 1).min(self.buf.len()),
            Err(None) => self.buf.len(),
        };
        if let Some(line) = self.gap_within(c, reach) {
            self.runs_into_gap(c, line, format);
            return Ok(());
        }
        match outcome {
            Ok(end) => self.complete(c, end, format),
            Err(at) => self.incomplete(c, at, format),
        }
        Ok(())
    }

    /// Where a later buffered line, before the document's `</xml>`, starts a
    /// log record shaped like the one the `<xml>` at `c` is logged in
    /// (`2026-01-01 10:00:00 INFO got <xml>…`): the document was cut off at the
    /// end of the line before. Without this,
    /// an `<xml>` left open would hold back every payload after it until an
    /// `</xml>` or the record limit came, which under `tail -f` may be never.
    fn record_cut(&self, c: usize) -> Option<usize> {
        let first = self.line_index(c);
        let shape = RecordShape::of(self.buf.get(*self.starts.get(first)?..c)?)?;
        // The usual logged document ends on its own line: nothing to look at.
        if xml_close(before_next_xml(self.buf.get(c..self.line_end(first))?)).is_some() {
            return None;
        }
        let end = self.buf.len();
        let (known_for, mut known) = self.known_unclosed(c, end);
        if known_for != Some(shape) {
            known.quiet = usize::MAX;
        }
        let cut = xml::record_cut(self.buf.get(c..)?, |l| shape.starts(l), true, &mut known);
        self.learn_unclosed(c, end, Some(shape), known);
        let next = c + cut?;
        self.gap_within(c, next).is_none().then_some(next)
    }

    /// Reports the `<xml>` at `c` as cut off before `next`, the start of a
    /// line that begins another log record ([`Scanner::record_cut`]).
    #[cold]
    #[inline(never)]
    fn cut_by_record(&mut self, c: usize, next: usize) {
        // Lines before the record that, outside CDATA, hold text that is no
        // markup (a stack trace after the log line) do not continue the
        // document either: it was cut before the first of them.
        let not_markup = |l: &[u8]| {
            l.iter()
                .find(|b| !matches!(b, b' ' | b'\t'))
                .is_some_and(|&b| !matches!(b, b'<' | b'\n' | b'\r'))
        };
        let stray = xml::record_cut(
            &self.buf[c..next],
            not_markup,
            false,
            &mut xml::Unclosed::default(),
        )
        .map(|k| c + k);
        let mut end = stray.unwrap_or(next);
        while end > c && matches!(self.buf[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        let (l, _) = self.error_col(end);
        let line_start = self
            .starts
            .get(self.line_index(end.max(c + 1) - 1))
            .copied()
            .unwrap_or(c)
            .max(c);
        let message = match marker_at_end(&self.buf[line_start..end]) {
            // A logger that cuts long messages marks the cut (`...(truncated)`).
            Some(marker) => format!(
                "the log line marks the document as cut off ({:?}): the logger truncated it; line {} starts another log record",
                String::from_utf8_lossy(marker),
                self.line_of(next)
            ),
            None if stray.is_some() => format!(
                "the document is cut off at the end of line {l}: line {} does not continue it, and line {} starts another log record",
                l + 1,
                self.line_of(next)
            ),
            None => format!(
                "the document is cut off at the end of line {l}: line {} starts another log record",
                self.line_of(next)
            ),
        };
        let err = ParseError::new(end - c, Code::Truncated, message);
        self.broken_or_skip(c, Format::Xml, err, None);
    }

    /// A line over the record limit, skipped (its finding queued from
    /// `queued` on), came before the candidate at `c` ended: the text around
    /// the gap is not one document. The candidate is reported (or passed
    /// over) as cut off there, ahead of the skipped line's finding.
    #[cold]
    #[inline(never)]
    fn interrupted(&mut self, c: usize, queued: usize, format: Format) {
        let skipped: Vec<Item> = self.pending.drain(queued..).collect();
        let gap = skipped.iter().find_map(|item| match item {
            Item::Broken(b) => Some(b.line),
            _ => None,
        });
        let line = gap.unwrap_or(self.buf_line);
        let at = self.line_start_from(line, c);
        // Lines are read ahead in bulk, past a document's end: one that ended
        // before the skipped line is whole, and the lines after it come first.
        let ext = self.extent(c, at, format);
        self.defer(skipped);
        // A verdict past a line skipped earlier (read ahead of an earlier
        // document) is about text around that gap, as in `candidate`.
        let reach = match ext {
            Extent::Complete(end) | Extent::NotDocument(end) => c + end + 1,
            Extent::NeedMore => at + 1,
        };
        if let Some(first) = self.gap_within(c, reach.min(self.buf.len())) {
            return self.runs_into_gap(c, first, format);
        }
        match ext {
            Extent::Complete(end) => self.complete(c, end, format),
            Extent::NotDocument(end) => self.incomplete(c, Some(end), format),
            Extent::NeedMore => self.runs_into_gap(c, line, format),
        }
    }

    /// Reports (or passes over) the candidate at `c` as cut off by the skipped
    /// line `line`, over the record limit.
    fn runs_into_gap(&mut self, c: usize, line: u32, format: Format) {
        let at = self.line_start_from(line, c);
        // A flaw before the gap is the document's own (a line cut short before
        // the next record): the parser names it, wherever the gap was found.
        let before = &self.buf[c..at];
        let limits = self.opts.limits;
        let flaw = match format {
            // A flaw only strict reading sees (a `//` comment copied from a doc
            // page) is not one: such documents are read leniently.
            Format::Json => json::parse(before, json::Mode::Strict, limits)
                .err()
                .filter(|e| {
                    e.code != Code::JsonSyntax
                        || [json::Mode::Lenient, json::Mode::LenientInline]
                            .into_iter()
                            .all(|mode| {
                                json::parse(before, mode, limits)
                                    .err()
                                    .is_some_and(|e| e.code != Code::Truncated)
                            })
                }),
            Format::Xml => xml::parse(before, limits).err(),
        };
        let err = flaw.filter(|e| e.code != Code::Truncated).unwrap_or_else(|| {
            ParseError::new(
                at - c,
                Code::Truncated,
                format!(
                    "the document runs into line {line}, which is over the {} byte record limit and was skipped",
                    self.opts.max_record
                ),
            )
        });
        self.broken_or_skip(c, format, err, None);
    }

    /// How far `buf[c..end]`, a candidate of `format`, plausibly runs (the
    /// structural scan the candidate loop frames documents with).
    fn extent(&self, c: usize, end: usize, format: Format) -> Extent {
        let text = &self.buf[c..end];
        match format {
            Format::Json => {
                json::extent(text, json::Mode::LenientInline, self.opts.limits.max_depth)
            }
            Format::Xml => {
                let (shape, mut known) = self.known_unclosed(c, end);
                let extent = xml::extent_with(text, &mut known);
                self.learn_unclosed(c, end, shape, known);
                extent
            }
        }
    }

    /// What earlier searches found missing in `buf[..end]`, for the text from
    /// `c` on, and the record shape its `quiet` is about.
    fn known_unclosed(&self, c: usize, end: usize) -> (Option<RecordShape>, xml::Unclosed) {
        match self.unclosed.get() {
            (e, shape, known) if e == end => (shape, known.from(c)),
            _ => (None, xml::Unclosed::default()),
        }
    }

    /// Keeps what a search of `buf[c..end]` found missing (`found`, offsets
    /// from `c`), its `quiet` about record shape `shape`.
    fn learn_unclosed(
        &self,
        c: usize,
        end: usize,
        shape: Option<RecordShape>,
        found: xml::Unclosed,
    ) {
        let (e, kept_shape, mut known) = self.unclosed.get();
        if e != end {
            known = xml::Unclosed::default();
        }
        if e != end || kept_shape != shape {
            known.quiet = usize::MAX;
        }
        known.learn(c, found);
        self.unclosed.set((end, shape, known));
    }

    /// Where buffered line `line` starts (the end of the buffer when it is
    /// not buffered), but not before `c`.
    fn line_start_from(&self, line: u32, c: usize) -> usize {
        self.starts
            .get(line.saturating_sub(self.buf_line) as usize)
            .copied()
            .unwrap_or(self.buf.len())
            .max(c)
    }

    /// Holds findings of skipped lines until the scan reaches them.
    fn defer(&mut self, skipped: Vec<Item>) {
        for item in skipped {
            let line = match &item {
                Item::Broken(b) => b.line,
                _ => self.buf_line,
            };
            self.deferred.push_back((line, item));
        }
    }

    /// The first skipped line (over the record limit, its finding held back)
    /// inside the text from `c` to `end`: a document there is not whole.
    fn gap_within(&self, c: usize, end: usize) -> Option<u32> {
        let (first, last) = (self.line_of(c), self.line_of(end.saturating_sub(1).max(c)));
        self.deferred
            .iter()
            .map(|&(line, _)| line)
            .find(|&line| line > first && line <= last)
    }

    /// The structural scan found a whole candidate: parse it for real.
    fn complete(&mut self, c: usize, end: usize, format: Format) {
        let declared = if format == Format::Xml {
            self.declared.take()
        } else {
            None
        };
        if format == Format::Xml && std::mem::take(&mut self.doctype) {
            let err = ParseError::new(
                0,
                Code::DoctypeRefused,
                "a DOCTYPE precedes this document; DOCTYPE and entity declarations are refused (billion laughs, XXE), WeChat never sends them",
            );
            self.broken_or_skip(c, format, err, Some(c + end));
            return;
        }
        if let Some(enc) = &declared {
            // Only UTF-8 is read; a declaration naming another encoding is honoured
            // by refusing bytes that are not UTF-8, never by guessing.
            if from_utf8(&self.buf[c..c + end]).is_err() {
                let err = ParseError::new(
                    0,
                    Code::InvalidUtf8,
                    format!(
                        "the document declares encoding=\"{enc}\" and is not UTF-8; WeChat sends UTF-8 (convert with `iconv -f {enc} -t UTF-8`)"
                    ),
                );
                self.broken_or_skip(c, format, err, Some(c + end));
                return;
            }
        }
        let limits = self.opts.limits;
        // A document over several lines (pretty-printed JSON, indented XML)
        // goes on the tape too; only what the tape refuses is parsed here.
        if self.opts.lane && declared.is_none() && self.tape_at(c, c + end, format) {
            return;
        }
        let bytes = &self.buf[c..c + end];
        let parsed = match format {
            Format::Json => parse_json_any(bytes, limits),
            Format::Xml => read_xml(bytes, limits),
        };
        match parsed {
            Ok((root, used, lenient, notes)) => {
                let Ok(text) = from_utf8(&bytes[..used.min(bytes.len())]) else {
                    self.broken_or_skip(
                        c,
                        format,
                        ParseError::new(0, Code::InvalidUtf8, "the document is not valid UTF-8"),
                        Some(c + end),
                    );
                    return;
                };
                let text = Arc::from(text);
                self.accept(c, used, format, text, root, lenient, notes, declared);
            }
            // Bytes a logger wrote `\xHH` (Python's `repr`) are decoded first.
            Err(e) if format == Format::Json && self.python_bytes_json(c, end, &e) => {}
            Err(e) => self.broken_or_skip(c, format, e, Some(c + end)),
        }
    }

    /// Queues a parsed document whose `used` bytes start at `c`.
    #[allow(clippy::too_many_arguments)]
    fn accept(
        &mut self,
        c: usize,
        used: usize,
        format: Format,
        text: Arc<str>,
        root: Node,
        lenient: bool,
        notes: Vec<(usize, Code, String)>,
        declared: Option<String>,
    ) {
        let (line, column) = self.line_col(c);
        let doc = Document {
            source: self.source.clone(),
            format,
            text,
            line,
            column,
            root,
            embedded: None,
            lenient,
        };
        self.count_doc(line);
        let mut diags: Vec<Diagnostic> = notes
            .into_iter()
            .map(|(pos, code, message)| {
                let (l, col) = doc.line_col(pos as u32);
                Diagnostic::new(code, message, l, col)
            })
            .collect();
        if let Some(enc) = declared {
            diags.push(Diagnostic::new(
                Code::DeclaredEncoding,
                format!("the XML declaration names encoding=\"{enc}\" but the bytes are UTF-8; read as UTF-8"),
                line,
                column,
            ));
        }
        if lenient {
            diags.push(Diagnostic::new(
                Code::LenientJson,
                "read with `//` comments, no-break spaces or Markdown escapes tolerated (copied from a doc page?); WeChat sends strict JSON",
                line,
                column,
            ));
        }
        self.pending.push_back(Item::Doc(Box::new(doc), diags));
        self.pos = c + used.max(1);
        self.covered = self.line_of(self.pos.saturating_sub(1).max(c));
    }

    /// The common case first: a strict JSON document that ends on the line it
    /// starts on (NDJSON, a log line) is parsed straight away, with the line's
    /// UTF-8 checked once, instead of a structural scan and a parse. Anything else
    /// (an error, a document running on) falls back to the scan, which then
    /// decides exactly as it always did; a strict document parsed here is one the
    /// scan would have framed the same way. Tried once per line (on its first
    /// candidate), so a line of many candidates stays linear.
    fn fast_json(&mut self, c: usize) -> bool {
        let line = self.line_of(c);
        if self.fast_tried == Some(line) {
            return false;
        }
        self.fast_tried = Some(line);
        let line_end = self.line_end(self.line_index(c));
        if self.opts.lane && self.tape_at(c, line_end, Format::Json) {
            return true;
        }
        let Ok(rest) = from_utf8(&self.buf[c..line_end]) else {
            return false;
        };
        let Ok((root, used)) = json::parse_str(rest, json::Mode::Strict, self.opts.limits) else {
            return false;
        };
        let Some(text) = rest.get(..used) else {
            return false;
        };
        let text = Arc::from(text);
        self.accept(c, used, Format::Json, text, root, false, Vec::new(), None);
        true
    }

    /// A strict JSON document running on past its first line (pretty-printed),
    /// for the lane: the lines already buffered are taken (never waiting for
    /// input) and the tape reads the document straight from them, with no
    /// structural scan first. The tape stops at the end of the value. Anything
    /// it does not read, a document longer than what is buffered or than the
    /// record limit included, is framed by the scan as before, which reads no
    /// less far than the tape did.
    ///
    /// Lines are taken only in one go and within the record limit
    /// ([`Scanner::read_buffered_lines`]): a line taken on its own could be
    /// an oversized one, whose finding would then be queued before this
    /// document's.
    fn tape_ahead(&mut self, c: usize) -> bool {
        if !self.opts.lane {
            return false;
        }
        self.read_buffered_lines(c);
        let end = self.buf.len().min(c + self.opts.max_record);
        // The tape would read a skipped line's place as a blank line.
        self.pending.is_empty() && self.deferred.is_empty() && self.tape_at(c, end, Format::Json)
    }

    /// Queues a document read onto a tape (see [`ScanOptions::lane`]), with the
    /// bookkeeping of [`Scanner::accept`].
    fn accept_tape(&mut self, c: usize, used: usize, format: Format, mut doc: Arc<TapeDoc>) {
        let (line, column) = self.line_col(c);
        self.count_doc(line);
        if let Some(d) = Arc::get_mut(&mut doc) {
            // A reused document usually names this source already: no count
            // up and down (two atomic operations) per payload then.
            if !Arc::ptr_eq(&d.source, &self.source) {
                d.source.clone_from(&self.source);
            }
            d.format = format;
            d.line = line;
            d.column = column;
        }
        self.pending.push_back(Item::Tape(doc));
        self.pos = c + used.max(1);
        self.covered = self.line_of(self.pos.saturating_sub(1).max(c));
    }

    /// Tape documents done with, to read the next ones into (see [`Spares`]).
    pub fn spares(&mut self) -> &mut Spares {
        &mut self.spares
    }

    /// [`Scanner::fast_json`] for WeChat XML on one line, for the lane: no
    /// structural scan first. Anything it cannot read goes the usual way.
    fn fast_xml(&mut self, c: usize) -> bool {
        if !self.opts.lane || self.declared.is_some() || self.doctype {
            return false;
        }
        let line_end = self.line_end(self.line_index(c));
        // The tape refuses a root inside the root, so a document it reads ends at
        // the first `</xml>`. On a long line (many documents) only that much is
        // checked as UTF-8 and offered, so the line is read in linear time; most
        // lines hold one document, and the rest of the line is taken as it is.
        // Nor past the next `<xml`, which the tape would refuse too: a line
        // of unclosed documents costs no search to its end each.
        let end = if line_end - c <= 4096 {
            line_end
        } else {
            let line = before_next_xml(&self.buf[c..line_end]);
            xml_close(line).map_or(c + line.len(), |k| c + k)
        };
        self.tape_at(c, end, Format::Xml)
    }

    /// [`Scanner::tape_ahead`] for XML over several lines (indented fixture
    /// files): the lines already buffered are taken, and the text up to the
    /// first `</xml>` (where a document the tape reads ends) is offered to the
    /// tape, with no structural scan first, lines taken as there. What it does
    /// not read is framed by the scan as before.
    fn xml_ahead(&mut self, c: usize) -> bool {
        if !self.opts.lane || self.declared.is_some() || self.doctype {
            return false;
        }
        self.read_buffered_lines(c);
        // A record cut before the document's end is the scan's to report.
        if self.record_cut(c).is_some() {
            return false;
        }
        // Only as far as the next `<xml`, which the tape would refuse: a run
        // of unclosed documents costs no search to the end of the buffer each.
        let text = &self.buf[c..];
        let next = xml_open(text.get(1..).unwrap_or_default()).map_or(text.len(), |k| k + 1);
        let Some(end) = xml_close(&text[..next]).map(|k| c + k) else {
            return false;
        };
        self.pending.is_empty()
            && self.deferred.is_empty()
            && end - c <= self.opts.max_record
            && self.tape_at(c, end, Format::Xml)
    }

    /// Reads the document at `c` (in `buf[c..end]`) onto a tape of a spare
    /// document and queues it; false, with nothing queued, when the full parser
    /// has to look.
    fn tape_at(&mut self, c: usize, end: usize, format: Format) -> bool {
        let limits = self.opts.limits;
        let bytes = &self.buf[c..end];
        // Inside a string literal (`body="<xml>…"`): see `escaped_xml`.
        let quoted = c > 0 && self.buf[c - 1] == b'"';
        let mut doc = self.spares.take();
        let used = Arc::get_mut(&mut doc).and_then(|d| {
            let text = match format {
                // Only the document's own bytes are checked as UTF-8: `end`
                // may lie many lines on (see `Scanner::tape_ahead`).
                Format::Json => {
                    let used = d.tape.read_bytes_into(bytes, limits)?;
                    from_utf8(bytes.get(..used)?).ok()?
                }
                Format::Xml => {
                    let rest = from_utf8(bytes).ok()?;
                    let text = rest.get(..d.tape.read_xml_into(rest, limits)?)?;
                    // Bytes a logger escaped are decoded first (`escaped_xml`).
                    if d.tape.escaped_text()
                        && escaped::leaves_hold_escaped_bytes(&d.tape, text, quoted)
                    {
                        return None;
                    }
                    text
                }
            };
            d.text.clear();
            d.text.push_str(text);
            d.embedded = None;
            Some(text.len())
        });
        match used {
            Some(used) => {
                self.accept_tape(c, used, format, doc);
                true
            }
            None => {
                self.spares.give(doc);
                false
            }
        }
    }

    /// The candidate could not be framed: too large, cut off, or not a document.
    fn incomplete(&mut self, c: usize, at: Option<usize>, format: Format) {
        let err = match at {
            None => ParseError::new(
                0,
                Code::RecordTooLarge,
                format!(
                    "the document is larger than the {} byte record limit",
                    self.opts.max_record
                ),
            ),
            // Reported where the input ends, which may be far from where the
            // document starts: the message names its start.
            Some(at) if c + at >= self.buf.len() => {
                let (line, column) = self.line_col(c);
                ParseError::new(
                    at,
                    Code::Truncated,
                    format!(
                        "the input ends before the document that starts at {line}:{column} is complete"
                    ),
                )
            }
            Some(at) if matches!(self.buf.get(c + at), Some(b'\n' | b'\r')) => ParseError::new(
                at,
                Code::Truncated,
                "the document is cut off at the end of the line",
            ),
            Some(at) => {
                let mut upto = (c + at + 1).min(self.buf.len());
                // Whole characters: the byte the scan stopped at may lead one
                // (`170…`), which cut short reads as invalid UTF-8.
                while self.buf.get(upto).is_some_and(|&b| b & 0xC0 == 0x80) {
                    upto += 1;
                }
                // What is passed over is judged by the text before the problem, and
                // the parser's error is never past it: a candidate that does not
                // look like a payload here is passed over without parsing it (a line
                // of `{"a":{"a":…` has one at every brace).
                if format == Format::Json && !looks_like_payload(&self.buf[c..upto]) {
                    self.pass_over(c);
                    return;
                }
                // Let the real parser phrase the problem precisely.
                let slice = &self.buf[c..upto];
                let e = match format {
                    Format::Json => json::parse(slice, json::Mode::Strict, self.opts.limits)
                        .err()
                        .filter(|e| e.code != Code::Truncated),
                    Format::Xml => xml::parse(slice, self.opts.limits)
                        .err()
                        .filter(|e| e.code != Code::Truncated || e.pos < at),
                };
                e.unwrap_or_else(|| {
                    ParseError::new(
                        at,
                        if format == Format::Xml {
                            Code::Truncated
                        } else {
                            Code::JsonSyntax
                        },
                        if format == Format::Xml {
                            "a new <xml> document starts before this one is closed"
                        } else {
                            "unexpected text inside the document"
                        },
                    )
                })
            }
        };
        // Where the structural scan stopped at the start of another document
        // (`<xml>` inside an unclosed one, `{` where a `,` or `}` belongs), that
        // document is the next candidate: the broken one must not hide it.
        let next = if err.code == Code::TooDeep && format == Format::Json {
            // The structural scan stops at the depth limit, at a `{` that is
            // no new document but the rest of this one: its end is where its
            // brackets balance, counted without a limit (when buffered).
            match json::extent(&self.buf[c..], json::Mode::LenientInline, usize::MAX) {
                Extent::Complete(end) => Some(c + end),
                _ => None,
            }
        } else if format == Format::Json {
            // JSON broken inside a value (`"he said "hi""`, `2488…5x`) has no
            // end its brackets name: the scan goes on where the structural
            // scan stopped, on the same line (`broken_or_skip` keeps to it),
            // so a payload after it there is still found, as after a broken
            // `<xml>`. What it passes on the way (the rest of the broken
            // document) is judged as any other text; where the break follows
            // a string, from just inside it (`json::resume_after_break`).
            at.map(|at| c + json::resume_after_break(&self.buf[c..], at))
                .filter(|&n| n > c)
        } else {
            at.map(|at| c + at)
                .filter(|&n| n > c && next_document_starts(&self.buf[n..], format))
        };
        self.broken_or_skip(c, format, err, next);
    }

    /// Passes over the candidate at `c`, which was never a payload: the scan
    /// goes on from the next byte.
    fn pass_over(&mut self, c: usize) {
        self.other_text = true;
        self.pos = c + 1;
    }

    /// Reports a payload-like failure, or passes over a candidate that was never
    /// a payload. The scan resumes at `resume` when the broken document is known
    /// to end there on its own line (its brackets or tags balance; another
    /// document starts there), so a payload after it on that line is still
    /// found; else at the next line.
    fn broken_or_skip(
        &mut self,
        c: usize,
        format: Format,
        mut err: ParseError,
        mut resume: Option<usize>,
    ) {
        // A syntax error at the very start of a later line means the document
        // stopped at the end of the line before (a log line cut short), and the
        // next record was read as its continuation: say so, and point there.
        let at = (c + err.pos).min(self.buf.len());
        let err_line = self.line_index(at);
        if err_line > self.line_index(c) && matches!(err.code, Code::JsonSyntax | Code::XmlSyntax) {
            let line_start = self.starts.get(err_line).copied().unwrap_or(at);
            // Unless the line plainly goes on with the document's structure
            // (`}`, `]`, `"key":` in pretty-printed JSON): then the error is
            // the document's own (a trailing comma, a missing one), as on one
            // line.
            let goes_on =
                format == Format::Json && continues_json(&self.buf[at..self.line_end(err_line)]);
            if !goes_on
                && self.buf[line_start..at]
                    .iter()
                    .all(|b| b.is_ascii_whitespace())
            {
                let mut end = line_start;
                while end > c && matches!(self.buf[end - 1], b'\n' | b'\r') {
                    end -= 1;
                }
                let (l, _) = self.error_col(end.max(c));
                // The next line is a record of its own, not the rest of this one.
                resume = None;
                err = ParseError::new(
                    end - c,
                    Code::Truncated,
                    format!(
                        "the document is cut off at the end of line {l}; line {} does not continue it",
                        l + 1
                    ),
                );
            }
        }
        // A logger that cuts long messages marks the cut (`...(truncated)`):
        // the document did not go wrong there, it was cut off.
        let at = (c + err.pos).min(self.buf.len());
        if matches!(err.code, Code::JsonSyntax | Code::XmlSyntax)
            && self.line_index(at) == self.line_index(c)
        {
            let line = self
                .buf
                .get(c..self.line_end(self.line_index(c)))
                .unwrap_or_default();
            if let Some(marker) = truncation_marker(line, at - c) {
                err = ParseError::new(
                    err.pos,
                    Code::Truncated,
                    format!(
                        "the log line marks the document as cut off ({:?}): the logger truncated it",
                        String::from_utf8_lossy(marker)
                    ),
                );
            }
        }
        let start_line_end = self.line_end(self.line_index(c));
        // Judge by what was read before the problem: keys later on the line belong
        // to whatever comes next (a `{request_id}` prefix must not claim the payload
        // after it), and looking no further keeps a line of `{`s linear.
        let probe_end = if err.code == Code::RecordTooLarge {
            start_line_end
        } else {
            c + err.pos + 1
        }
        .min(self.buf.len());
        let looks = format == Format::Xml || looks_like_payload(&self.buf[c..probe_end]);
        if !looks {
            self.pass_over(c);
            return;
        }
        let (line, column) = self.line_col(c);
        let (el, ec) = self.error_col((c + err.pos).min(self.buf.len()));
        self.count_doc(line);
        self.covered = line;
        self.pending.push_back(Item::Broken(Box::new(Broken {
            source: self.source.clone(),
            format,
            line,
            column,
            diagnostic: Diagnostic::new(err.code, err.message, el, ec),
        })));
        // Only on the line the document starts on: across lines, brackets or
        // tags that balance may be another record's (`</xml>` in a JSON string
        // on the next line), and the next line is where the next record starts.
        // Except past a limit: the document was read well-formed up to it and
        // framed whole, so nothing inside it (a nested object that looks like
        // a payload) may be taken for a record of its own.
        let line = self.line_index(c);
        let whole = matches!(err.code, Code::TooDeep | Code::TooManyFields);
        match resume.filter(|&r| {
            r > c
                && if whole {
                    r <= self.buf.len()
                } else {
                    r < self.buf.len() && self.line_index(r) == line
                }
        }) {
            Some(r) => {
                self.pos = r;
                self.covered = self.line_of(r.saturating_sub(1).max(c));
            }
            // An `<xml>` that runs on past its line (left open, cut off by the
            // end of the input) gives no end to resume at: the scan goes on
            // inside it, on its own line, where another payload may follow it.
            None if format == Format::Xml && !whole && c + 4 < self.line_end(line) => {
                self.pos = c + 4;
            }
            None => self.resume_after_line_of(c),
        }
    }
}

/// How a log record starts, taken from the text before a document on its
/// line: up to its first twelve bytes with digits as `0` and ASCII letters as
/// `a` (`2026-01-01 10:00:00 INFO` is `0000-00-00 0`). Only a prefix with a
/// date or time in it (four digits or more) has a shape, or one that starts
/// with a log level and a colon as Python's default format writes it
/// (`INFO:wx.views:recv `): a bare `got ` is too like the text of a
/// document's own lines to tell records by.
#[derive(Clone, Copy, PartialEq, Eq)]
struct RecordShape {
    bytes: [u8; RecordShape::MAX],
    len: usize,
    /// A record that starts with its level and a colon, as Python's default
    /// format writes it (`INFO:wx.views:recv …`): no date to tell records by,
    /// but a line starting `WARNING:` starts one.
    level: bool,
}

impl RecordShape {
    const MAX: usize = 12;

    fn class(b: u8) -> u8 {
        match b {
            b'0'..=b'9' => b'0',
            b'a'..=b'z' | b'A'..=b'Z' => b'a',
            _ => b,
        }
    }

    fn of(prefix: &[u8]) -> Option<RecordShape> {
        let len = prefix.len().min(Self::MAX);
        let mut bytes = [0; Self::MAX];
        for (d, &b) in bytes.iter_mut().zip(prefix) {
            *d = Self::class(b);
        }
        let digits = bytes[..len].iter().filter(|&&b| b == b'0').count();
        if len >= 8 && digits >= 4 {
            return Some(RecordShape {
                bytes,
                len,
                level: false,
            });
        }
        Self::level_colon(prefix).then_some(RecordShape {
            bytes: [0; Self::MAX],
            len: 0,
            level: true,
        })
    }

    /// Whether `line` starts with a log level in capitals and a colon
    /// (Python's `%(levelname)s:%(name)s:%(message)s`).
    fn level_colon(line: &[u8]) -> bool {
        const LEVELS: [&[u8]; 8] = [
            b"CRITICAL:",
            b"DEBUG:",
            b"ERROR:",
            b"FATAL:",
            b"INFO:",
            b"TRACE:",
            b"WARN:",
            b"WARNING:",
        ];
        LEVELS.iter().any(|l| line.starts_with(l))
    }

    /// Whether `line` starts with a record of this shape.
    fn starts(&self, line: &[u8]) -> bool {
        if self.level {
            return Self::level_colon(line);
        }
        line.len() >= self.len
            && line
                .iter()
                .zip(&self.bytes[..self.len])
                .all(|(&b, &s)| Self::class(b) == s)
    }
}

/// The marker a logger leaves where it cut a long message (`...(truncated)`,
/// `… [truncated 512 bytes]`, `<TRUNCATED>`, a bare `...` or `…`), when
/// `line` (from a document's start to its line's end) ends with one that
/// starts near `at`, where the document stopped parsing.
fn truncation_marker(line: &[u8], at: usize) -> Option<&[u8]> {
    const ELLIPSIS: &[u8] = "\u{2026}".as_bytes();
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    // The parser stops at or just after the marker's first byte (`170...`
    // stops at the second dot); a marker is short.
    let from = at.saturating_sub(4).min(end);
    let tail = line.get(from..end)?;
    if tail.len() > 64 {
        return None;
    }
    let lower = tail.to_ascii_lowercase();
    let find = |needle: &[u8]| lower.windows(needle.len()).position(|w| w == needle);
    let start = [
        &b"..."[..],
        ELLIPSIS,
        b"(trunc",
        b"[trunc",
        b"<trunc",
        b"trunc",
    ]
    .into_iter()
    .filter_map(find)
    .min()?;
    let marker = tail.get(start..)?;
    let dots_only = marker.iter().all(|&b| b == b'.') || marker == ELLIPSIS;
    (dots_only || find(b"truncat").is_some()).then_some(marker)
}

/// The marker a logger left at the end of `line` where it cut a long message
/// off ([`truncation_marker`]'s, looked for at the line's end): the shortest
/// one there, with the dots right before it (`...(truncated)`).
fn marker_at_end(line: &[u8]) -> Option<&[u8]> {
    const ELLIPSIS: &[u8] = "\u{2026}".as_bytes();
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let line = line.get(..end)?;
    let mut start = (end.saturating_sub(64)..end)
        .rev()
        .find(|&from| truncation_marker(line, from + 4).is_some_and(|m| m.len() == end - from))?;
    loop {
        match line.get(..start) {
            Some([.., b'.' | b'(' | b'[' | b'<' | b' ']) => start -= 1,
            Some(l) if l.ends_with(ELLIPSIS) => start -= ELLIPSIS.len(),
            _ => break,
        }
    }
    line.get(start..).map(|m| m.trim_ascii_start())
}

/// Whether `line`, from where a JSON document's syntax error is to its end,
/// plainly goes on with a document's structure: a closing bracket, or a
/// member's key (`"MsgType":`). No log record starts so.
fn continues_json(line: &[u8]) -> bool {
    match line {
        [b'}' | b']', ..] => true,
        [b'"', rest @ ..] => json::string_body_end(rest).is_some_and(|end| {
            rest.get(end..)
                .and_then(|r| r.iter().find(|b| !matches!(b, b' ' | b'\t')))
                == Some(&b':')
        }),
        _ => false,
    }
}

/// Whether `text` starts a document of `format`: `{` for JSON, `<xml` for XML.
fn next_document_starts(text: &[u8], format: Format) -> bool {
    match format {
        Format::Json => text.first() == Some(&b'{'),
        Format::Xml => is_xml_start(text),
    }
}

/// [`std::str::from_utf8`], checked with SIMD: every line and document is
/// validated, mostly Chinese text, and this is much faster on it. The answer is
/// the same; on failure the error is std's own (re-checked by std, which only
/// invalid input pays for), so its position and message never change.
#[inline]
fn from_utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => std::str::from_utf8(bytes),
    }
}

/// Strict JSON first; the lenient readings only for text copied from docs.
#[allow(clippy::type_complexity)]
fn parse_json_any(bytes: &[u8], limits: Limits) -> Result<Parsed, ParseError> {
    match json::parse(bytes, json::Mode::Strict, limits) {
        Ok((n, e)) => Ok((n, e, false, Vec::new())),
        Err(strict) => {
            if !matches!(strict.code, Code::JsonSyntax) {
                return Err(strict);
            }
            for mode in [json::Mode::Lenient, json::Mode::LenientInline] {
                if let Ok((n, e)) = json::parse(bytes, mode, limits) {
                    return Ok((n, e, true, Vec::new()));
                }
            }
            Err(strict)
        }
    }
}

/// A document read: its tree, the bytes it took, whether it was read
/// leniently, and the parser's notes as (offset, code, message).
type Parsed = (Node, usize, bool, Vec<(usize, Code, String)>);

/// An XML document, never lenient.
fn read_xml(bytes: &[u8], limits: Limits) -> Result<Parsed, ParseError> {
    let (n, e, notes) = xml::parse(bytes, limits)?;
    // A root holding only text is no WeChat document: most likely an
    // unclosed `<xml>` framed up to a `</xml>` somewhere later.
    if n.members().is_empty() {
        if let Some(t) = notes.iter().find(|t| t.code == Code::XmlMixedContent) {
            return Err(ParseError::new(
                t.pos,
                Code::XmlSyntax,
                "the <xml> element holds text instead of fields (an unclosed <xml>?)",
            ));
        }
    }
    let notes = notes
        .into_iter()
        .map(|n| (n.pos, n.code, n.message))
        .collect();
    Ok((n, e, false, notes))
}

/// Where the first `<xml` in `text` starts, if there is one.
fn xml_open(text: &[u8]) -> Option<usize> {
    static OPEN: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    OPEN.get_or_init(|| memchr::memmem::Finder::new(b"<xml"))
        .find(text)
}

/// `text`, an `<xml>` document's from its `<`, up to the next `<xml` (where
/// the document ends at the latest, cut off if not before): what is worth
/// looking at for its end, so a line of unclosed `<xml>`s is read in linear
/// time.
fn before_next_xml(text: &[u8]) -> &[u8] {
    let next = xml_open(text.get(1..).unwrap_or_default()).map_or(text.len(), |k| k + 1);
    text.get(..next).unwrap_or(text)
}

/// Where the first `</xml>` in `text` ends, if there is one.
fn xml_close(text: &[u8]) -> Option<usize> {
    static CLOSE: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    let close = CLOSE.get_or_init(|| memchr::memmem::Finder::new(b"</xml>"));
    close.find(text).map(|k| k + close.needle().len())
}

/// The encoding an XML declaration names, when it is not UTF-8 (`<?xml
/// version="1.0" encoding="GBK"?>` → `GBK`).
fn declared_encoding(decl: &[u8]) -> Option<String> {
    let end = memchr::memmem::find(decl, b"?>")?;
    let decl = &decl[..end];
    let at = memchr::memmem::find(decl, b"encoding")?;
    let rest = &decl[at + 8..];
    let q = rest.iter().position(|&b| b == b'"' || b == b'\'')?;
    let quote = rest[q];
    let value = &rest[q + 1..];
    let close = value.iter().position(|&b| b == quote)?;
    let name = String::from_utf8_lossy(&value[..close]).trim().to_string();
    let utf8 = name.eq_ignore_ascii_case("utf-8") || name.eq_ignore_ascii_case("utf8");
    (!utf8 && !name.is_empty()).then_some(name)
}

/// `<xml` followed by `>`, `/` or whitespace.
fn is_xml_start(s: &[u8]) -> bool {
    s.starts_with(b"<xml") && matches!(s.get(4), Some(b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n'))
}

/// Whether `s` starts with an `<xml` start tag cased otherwise (`<XML>`, `<Xml `).
fn is_misspelt_xml_start(s: &[u8]) -> bool {
    let head = s.get(..5).unwrap_or(s).to_ascii_lowercase();
    is_xml_start(&head) && !is_xml_start(s)
}

/// The characters of `b` as columns count them: the bytes that are not UTF-8
/// continuation bytes (`10xxxxxx`). Eight bytes a round, as the prefix of a
/// log line is counted for the column of each payload after it.
fn count_chars(b: &[u8]) -> usize {
    const LOW: u64 = 0x0101_0101_0101_0101;
    let mut words = b.chunks_exact(8);
    let mut continuation = 0;
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
        // Bit 7 set and bit 6 clear, moved to the low bit of each byte.
        continuation += ((w >> 7) & !(w >> 6) & LOW).count_ones() as usize;
    }
    let tail = words.remainder();
    continuation += tail.iter().filter(|&&c| (c & 0xC0) == 0x80).count();
    b.len() - continuation
}

/// The UTF-8 byte order mark.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

fn is_bom_only(s: &[u8]) -> bool {
    // Allocation-free: this runs on the prefix of every log line.
    let mut rest = s.iter().copied().filter(|b| !b.is_ascii_whitespace());
    rest.next() == Some(0xEF)
        && rest.next() == Some(0xBB)
        && rest.next() == Some(0xBF)
        && rest.next().is_none()
}

/// True when a failed JSON candidate uses WeChat payload keys *as keys* (`"MsgType":`),
/// so that it is reported as broken rather than passed over. Requiring the colon
/// keeps code that merely mentions the names (Go struct tags `json:"msgid"`) out.
pub fn looks_like_payload(text: &[u8]) -> bool {
    // One pass over the quotes: a `"Key"` (keys hold no quote) runs from one quote
    // to the next, so every pair of neighbouring quotes is a possible key. A line
    // of `{`s fails a candidate at every brace, so this must not cost a search per
    // key per candidate. The keys' lengths are kept one bit each: most quoted
    // text is not as long as any key.
    static LENGTHS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let lengths = *LENGTHS.get_or_init(|| {
        crate::catalog::signature_keys()
            .fold(0, |m, k| m | 1u64.checked_shl(k.len() as u32).unwrap_or(0))
    });
    let mut quotes = memchr::memchr_iter(b'"', text);
    let Some(mut open) = quotes.next() else {
        return false;
    };
    for close in quotes {
        let key = text.get(open + 1..close).unwrap_or_default();
        if key.len() < 64
            && lengths & (1 << key.len()) != 0
            && text
                .get(close + 1..)
                .unwrap_or_default()
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .is_some_and(|&b| b == b':')
            && std::str::from_utf8(key).is_ok_and(crate::catalog::is_signature_key)
        {
            return true;
        }
        open = close;
    }
    false
}

/// The size of a named input (`-` is stdin) when it is a regular file, which can
/// be read ahead safely; `None` for pipes, terminals and anything unreadable.
pub fn regular_file_len(path: &str) -> Option<u64> {
    let meta = metadata(path)?;
    meta.is_file().then_some(meta.len())
}

/// What a named input (`-` is stdin) is: its file's metadata, when it can be
/// read (for stdin, what the descriptor refers to).
pub fn metadata(path: &str) -> Option<std::fs::Metadata> {
    if path == "-" {
        stdin_metadata()
    } else {
        std::fs::metadata(path).ok()
    }
}

#[cfg(unix)]
fn stdin_metadata() -> Option<std::fs::Metadata> {
    use std::os::fd::AsFd;
    let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
    std::fs::File::from(fd).metadata().ok()
}

#[cfg(not(unix))]
fn stdin_metadata() -> Option<std::fs::Metadata> {
    None
}

/// Opens a named input (`-` is stdin).
pub fn open(path: &str) -> io::Result<(Box<dyn Read>, Arc<str>)> {
    if path == "-" {
        return Ok((Box::new(io::stdin()), Arc::from("<stdin>")));
    }
    let f = std::fs::File::open(path)?;
    Ok((Box::new(f), Arc::from(path)))
}

impl<B: Buffered> Scanner<B> {
    /// Convenience for tests and small inputs: every item until the end.
    pub fn collect_items(mut self) -> io::Result<Vec<Item>> {
        let mut v = Vec::new();
        while let Some(i) = self.next_item()? {
            v.push(i);
        }
        Ok(v)
    }
}

impl<B: Buffered> std::fmt::Debug for Scanner<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("source", &self.source)
            .field("line", &self.buf_line)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(input: &str) -> Vec<Item> {
        Scanner::new(input.as_bytes(), "t", ScanOptions::default())
            .collect_items()
            .unwrap()
    }

    /// (kind, line, column) per item, for compact assertions.
    fn shape(input: &str) -> Vec<(&'static str, u32, u32)> {
        items(input)
            .into_iter()
            .map(|i| match i {
                Item::Doc(d, _) => ("doc", d.line, d.column),
                Item::Broken(b) => ("broken", b.line, b.column),
                Item::Tape(t) => ("tape", t.line, t.column),
                Item::Skipped { .. } => ("skipped", 0, 0),
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn count_chars_counts_the_bytes_that_start_a_character(
            b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80)
        ) {
            let want = b.iter().filter(|&&c| (c & 0xC0) != 0x80).count();
            proptest::prop_assert_eq!(count_chars(&b), want);
        }
    }

    #[test]
    fn count_chars_of_text() {
        let s = "2024-05-01 INFO 接收消息 🙂 é payload: ";
        assert_eq!(count_chars(s.as_bytes()), s.chars().count());
        assert_eq!(count_chars(&[0x80; 17]), 0);
        assert_eq!(
            count_chars(&[0xBF, 0xC0, 0x7F, 0xFF, 0x40, 0x80, 0x3F, 0xE4, 0xB8]),
            6
        );
    }

    #[test]
    fn line_starts_of_documents_are_their_byte_offsets() {
        // Documents on one line or across lines, after noise, blank lines and
        // CRLFs, a broken one, and now and then a line over the record limit
        // (left out of the buffer): far more than one buffer, so the scanner
        // drops lines it has read and the offsets must count them.
        let mut input = String::new();
        let long = format!("{{\"MsgType\":\"{}\"}}\n", "长".repeat(3000));
        for i in 0..8000 {
            input.push_str(match i % 5 {
                0 => "{\"MsgType\":\"text\",\"Content\":\"你好\"}\n",
                1 => "noise line 噪声\r\n\r\n",
                2 => "2024 INFO got {\"MsgType\":\"text\"} and {\"MsgType\":\"image\"}\n",
                3 => "{\n  \"MsgType\": \"text\"\n}\n<xml><MsgType>text</MsgType></xml>\n",
                _ if i % 300 == 4 => &long,
                _ => "{\"MsgType\":\"te\n",
            });
        }
        let starts: Vec<usize> = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', input.as_bytes()).map(|i| i + 1))
            .collect();
        let opts = ScanOptions {
            line_starts: true,
            max_record: 4096,
            ..ScanOptions::default()
        };
        let mut sc = Scanner::new(input.as_bytes(), "t", opts);
        let (mut checked, mut too_long) = (0, 0);
        while let Some(item) = sc.next_item().unwrap() {
            let (line, document) = match item {
                Item::Doc(d, _) => (d.line, true),
                Item::Broken(b) => (b.line, b.diagnostic.code != Code::RecordTooLarge),
                Item::Tape(t) => (t.line, true),
                Item::Skipped { .. } => continue,
            };
            let start = sc.line_start(line).unwrap();
            assert_eq!(start.offset, starts[start.line as usize - 1] as u64);
            if document {
                // A document's own line; a line left out is no document's.
                assert_eq!(start.line, line);
            } else {
                assert!(start.line < line);
                too_long += 1;
            }
            // A line after it, inside a document across lines, reads on from it.
            assert_eq!(
                sc.line_start(line + 1).map(|s| s.line >= start.line),
                Some(true)
            );
            checked += 1;
        }
        assert!(too_long > 20, "{too_long} lines over the limit");
        assert!(checked > 9000 && input.len() > 256 * 1024);
        // Only the latest are kept.
        assert_eq!(sc.line_start(1), None);
    }

    #[test]
    fn ndjson_lines() {
        let s = "{\"MsgType\":\"text\"}\n{\"msgtype\":\"text\"}\n";
        assert_eq!(shape(s), vec![("doc", 1, 1), ("doc", 2, 1)]);
    }

    #[test]
    fn payload_inside_a_log_line_has_its_column() {
        let s = "2024-05-01 10:00:00 INFO 接收 {\"MsgType\":\"text\"} done\n";
        assert_eq!(shape(s), vec![("doc", 1, 29)]);
    }

    #[test]
    fn pretty_json_and_xml_across_lines() {
        let s = "noise\n{\n  \"MsgType\": \"text\",\n  \"Content\": \"a}b\"\n}\n\
                 <xml>\n<MsgType><![CDATA[text]]></MsgType>\n</xml>\n";
        assert_eq!(
            shape(s),
            vec![("skipped", 0, 0), ("doc", 2, 1), ("doc", 6, 1)]
        );
    }

    #[test]
    fn broken_document_does_not_hide_the_next() {
        let s = "{\"MsgType\":\"text\"}\n{\"MsgType\":\"te\n{\"MsgType\":\"image\"}\n";
        let got = items(s);
        assert_eq!(got.len(), 3);
        match &got[1] {
            Item::Broken(b) => {
                assert_eq!((b.line, b.diagnostic.code), (2, Code::Truncated));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&got[2], Item::Doc(d, _) if d.line == 3));
    }

    /// JSON broken inside a value (an unescaped quote, a letter in a number,
    /// a string cut short) does not hide the payloads after it on its line:
    /// the broken one gets its error where it is, the scan goes on there.
    #[test]
    fn a_json_broken_inside_a_value_does_not_hide_the_rest_of_its_line() {
        let good = r#"{"ToUserName":"gh_1","MsgType":"text","Content":"hi"}"#;
        let quote = r#"{"ToUserName":"gh_1","MsgType":"text","Content":"he said "hi"","MsgId":1}"#;
        let number = r#"{"ToUserName":"gh_1","MsgType":"text","MsgId":248x}"#;
        let cut = r#"{"ToUserName":"gh_1","FromUserName":"oR3K"#;
        for (line, broken_col) in [
            (format!("2026 INFO batch [{quote},{good}]\n"), 18),
            (format!("2026 INFO a {number} b {good}\n"), 13),
            (format!("2026 INFO a {cut} b {good}\n"), 13),
            (
                format!("2026 INFO a {number} b {good} c {quote} d {good}\n"),
                13,
            ),
        ] {
            let got = shape(&line);
            let first = got[0];
            assert_eq!(first, ("broken", 1, broken_col), "{line}: {got:?}");
            let docs = got.iter().filter(|i| i.0 != "broken").count();
            assert_eq!(docs, line.matches(good).count(), "{line}: {got:?}");
        }
        // The error stays where the document broke.
        let s = format!("x {number} {good}\n");
        match &items(&s)[0] {
            Item::Broken(b) => assert_eq!(
                (b.diagnostic.code, b.diagnostic.line, b.diagnostic.column),
                (Code::JsonSyntax, 1, 3 + number.find("x}").unwrap() as u32)
            ),
            other => panic!("{other:?}"),
        }
    }

    /// An `<xml>` left open runs to the end of the input: a payload after it
    /// on its own line is still found (and one on the next line, as always).
    #[test]
    fn an_unclosed_xml_does_not_hide_the_payload_after_it_on_its_line() {
        for s in [
            "a <xml> {\"MsgType\":\"text\"}\n",
            "a <xml><Content>x {\"MsgType\":\"text\"}\nb\n",
        ] {
            let got = items(s);
            assert!(
                matches!(&got[0], Item::Broken(b) if (b.line, b.column) == (1, 3)
                    && b.diagnostic.message.contains("the document that starts at 1:3")),
                "{got:?}"
            );
            assert!(
                got.iter()
                    .any(|i| matches!(i, Item::Doc(d, _) if d.line == 1 && d.column > 3)),
                "{s:?}: {got:?}"
            );
        }
    }

    /// A logger's truncation marker after a cut document makes its finding
    /// `truncated`, naming the marker, where the cut reads as a syntax error
    /// (a number cut by `...`); a character after the cut is read whole.
    #[test]
    fn a_loggers_truncation_marker_says_the_document_was_cut() {
        let doc = "{\"ToUserName\":\"gh_1\",\"MsgType\":\"text\",\"CreateTime\":170000";
        for marker in [
            "...(truncated)",
            "\u{2026}",
            " [TRUNCATED 512 bytes]",
            "<truncated>",
        ] {
            let got = items(&format!("2024 INFO recv {doc}{marker}\nnext\n"));
            match &got[0] {
                Item::Broken(b) => {
                    assert_eq!(b.diagnostic.code, Code::Truncated, "{marker:?}: {b:?}");
                    assert!(b.diagnostic.message.contains("truncated it"), "{b:?}");
                }
                other => panic!("{marker:?}: {other:?}"),
            }
        }
        // Not a marker: text after a broken document stays a syntax error.
        let got = items(&format!("2024 INFO recv {doc}x, more text here\n"));
        assert!(
            matches!(&got[0], Item::Broken(b) if b.diagnostic.code == Code::JsonSyntax),
            "{got:?}"
        );
        assert_eq!(
            truncation_marker(b"170...(truncated)", 4),
            Some(&b"...(truncated)"[..])
        );
        assert_eq!(
            truncation_marker(b"170x...not a marker at all, just text", 4),
            None
        );
    }

    #[test]
    fn non_payload_braces_are_passed_over() {
        let s =
            "{request_id} GET /x\njob <cleanup> done\nstruct { MsgID string `json:\"msgid\"` }\n";
        assert_eq!(
            shape(s),
            vec![("skipped", 0, 0), ("skipped", 0, 0), ("skipped", 0, 0)]
        );
    }

    #[test]
    fn two_payloads_on_one_line() {
        let s = "a {\"MsgType\":\"text\"} b <xml><MsgType>1</MsgType></xml>\n";
        assert_eq!(shape(s), vec![("doc", 1, 3), ("doc", 1, 24)]);
    }

    /// Columns of many documents on one line are counted on from the last one;
    /// they must be what counting from the line's start gives, on the fast lane
    /// and off it. On a long line, an XML document holding `</xml>` in its CDATA
    /// is cut short for the lane, which refuses it, and is read whole the usual
    /// way; the documents near the end of the line are offered whole.
    #[test]
    fn many_documents_on_one_line_have_their_columns() {
        let docs = [
            "{\"MsgType\":\"text\",\"Content\":\"中文\"}",
            "<xml><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[中]]></Content></xml>",
            "<xml><Content><![CDATA[a</xml>b]]></Content><MsgType>text</MsgType></xml>",
        ];
        let mut line = String::from("日志 ");
        let mut want = Vec::new();
        for k in 0..150 {
            let doc = docs[k % docs.len()];
            line.push_str(if k % 2 == 0 { "é=" } else { "x " });
            want.push((line.chars().count() as u32 + 1, doc));
            line.push_str(doc);
            line.push_str(" 记录 ");
        }
        line.push('\n');
        assert!(line.len() > 2 * 4096);
        for lane in [false, true] {
            let opts = ScanOptions {
                lane,
                ..ScanOptions::default()
            };
            let items = Scanner::new(line.as_bytes(), "t", opts)
                .collect_items()
                .unwrap();
            let got: Vec<(u32, u32, String)> = items
                .iter()
                .map(|i| match i {
                    Item::Doc(d, _) => (d.line, d.column, d.text.to_string()),
                    Item::Tape(t) => (t.line, t.column, t.text.clone()),
                    _ => (0, 0, String::new()),
                })
                .collect();
            let want_at: Vec<(u32, u32, String)> =
                want.iter().map(|&(c, d)| (1, c, d.to_string())).collect();
            assert_eq!(got, want_at, "lane {lane}");
            // On the lane, every plain XML document is read onto a tape, those
            // cut at the first `</xml>` as much as those near the end of the line.
            let taped = items
                .iter()
                .filter(|i| matches!(i, Item::Tape(t) if t.text == docs[1]))
                .count();
            let plain = want.iter().filter(|w| w.1 == docs[1]).count();
            assert_eq!(taped, if lane { plain } else { 0 });
        }
    }

    /// The one pass over quotes finds a key exactly where searching for each
    /// `"Key"` followed by a colon does.
    #[test]
    fn payload_keys_are_found_as_a_search_for_each_would() {
        use proptest::prelude::*;
        let reference = |text: &[u8]| {
            crate::catalog::signature_keys().any(|k| {
                let k = format!("\"{k}\"");
                memchr::memmem::find_iter(text, k.as_bytes()).any(|at| {
                    text[at + k.len()..]
                        .iter()
                        .find(|b| !b.is_ascii_whitespace())
                        .is_some_and(|&b| b == b':')
                })
            })
        };
        let pieces = prop::sample::select(vec![
            "\"",
            "MsgType",
            "msgid",
            "Event",
            "x",
            " ",
            ":",
            "\\",
            "{",
            "}",
            ",",
            "中",
            "\n",
            "ToUserName",
            "msg_list",
            "Msg",
        ]);
        proptest!(|(v in prop::collection::vec(pieces, 0..24))| {
            let text = v.concat();
            prop_assert_eq!(
                looks_like_payload(text.as_bytes()),
                reference(text.as_bytes()),
                "{:?}", text
            );
        });
        assert!(looks_like_payload(br#"x"y"MsgType" : 1"#));
        assert!(!looks_like_payload(br#"json:"msgid" tag"#));
        assert!(!looks_like_payload(br#"{\"MsgType\":\"text\"}"#));
    }

    /// Every item of `input` read with `opts`, the lane on or off, as (kind,
    /// line, column, text or finding); a tape document counts as the document
    /// it stands for. Also how many were tapes.
    fn framed(
        input: &[u8],
        opts: ScanOptions,
        lane: bool,
    ) -> (Vec<(String, u32, u32, String)>, usize) {
        let mut sc = Scanner::new(input, "t", ScanOptions { lane, ..opts });
        let (mut got, mut tapes) = (Vec::new(), 0);
        while let Some(item) = sc.next_item().unwrap() {
            got.push(match item {
                Item::Doc(d, notes) => {
                    let notes: Vec<_> = notes.iter().map(|n| n.code).collect();
                    (
                        "doc".into(),
                        d.line,
                        d.column,
                        format!("{} {notes:?}", d.text),
                    )
                }
                Item::Tape(t) => {
                    tapes += 1;
                    ("doc".into(), t.line, t.column, format!("{} []", t.text))
                }
                Item::Broken(b) => {
                    let d = b.diagnostic;
                    let what = format!("{:?} {}:{} {}", d.code, d.line, d.column, d.message);
                    ("broken".into(), b.line, b.column, what)
                }
                Item::Skipped { .. } => ("skipped".into(), 0, 0, String::new()),
            });
        }
        (got, tapes)
    }

    #[test]
    fn documents_across_lines_are_framed_the_same_on_the_tape() {
        let pretty = "{\n  \"MsgType\": \"text\",\n  \"Content\": \"a}b\\\"{\",\n  \"List\": [\n    1,\n    {}\n  ]\n}";
        let cases: Vec<(String, usize)> = vec![
            (format!("{pretty}\n"), 1),
            (format!("{pretty}\n{pretty}\n"), 2),
            (pretty.replace('\n', "\r\n") + "\r\n", 1),
            (
                format!("INFO got {pretty} and {{\"MsgType\":\"image\"}}\ntail\n"),
                2,
            ),
            (format!("{pretty} {pretty}\n"), 2),
            // Cut off, strict only in part, over the record limit, not UTF-8
            // further on: the scan decides, as without the lane.
            (format!("{pretty}\n{}", &pretty[..30]), 1),
            (format!("{{\n  // note\n{}\n", &pretty[2..]), 0),
            (
                format!(
                    "{{\n  \"MsgType\": \"text\",\n  \"Content\": \"{}\"\n}}\n",
                    "x".repeat(200)
                ),
                0,
            ),
            (format!("{pretty}\n\u{ff}\u{fe} {{\n\"a\":1}}\n"), 2),
            ("{\n\"MsgType\": \"te\u{7}xt\"\n}\n".into(), 0),
            // A broken document, then a line over the record limit: the
            // finding on the document comes first (no line is read singly
            // ahead of the scan, which would queue the long line's finding).
            (
                format!(
                    "{{\"MsgType\":\"text\" oops}}\n{}\n{pretty}\n",
                    "x".repeat(200)
                ),
                1,
            ),
        ];
        let opts = ScanOptions {
            max_record: 128,
            ..ScanOptions::default()
        };
        for (input, on_tape) in &cases {
            let (slow, _) = framed(input.as_bytes(), opts, false);
            let (fast, tapes) = framed(input.as_bytes(), opts, true);
            assert_eq!(fast, slow, "{input:?}");
            assert_eq!(tapes, *on_tape, "{input:?}");
        }
        // Indented XML, and what only looks like its end or its start.
        let xml =
            "<xml>\n  <ToUserName><![CDATA[gh_1]]></ToUserName>\n  <MsgType>text</MsgType>\n</xml>";
        let xml_cases: Vec<(String, usize)> = vec![
            (format!("{xml}\n"), 1),
            (format!("{xml}\n{xml}\n"), 2),
            (format!("log: {xml} tail\n"), 1),
            // Framed by the scan, then read onto the tape.
            (xml.replace("gh_1", "</xml>"), 1),
            (xml.replace("gh_1", "<xml>"), 1),
            (format!("<xml>\n  <A>1</A>\n{xml}\n"), 1),
            (format!("<?xml version=\"1.0\"?>\n{xml}\n"), 1),
            (
                format!("<?xml version=\"1.0\" encoding=\"GBK\"?>\n{xml}\n"),
                0,
            ),
            (format!("{xml}\n{}", &xml[..40]), 1),
        ];
        for (input, on_tape) in &xml_cases {
            let (slow, _) = framed(input.as_bytes(), opts, false);
            let (fast, tapes) = framed(input.as_bytes(), opts, true);
            assert_eq!(fast, slow, "{input:?}");
            assert_eq!(tapes, *on_tape, "{input:?}");
        }
        // Many buffer fills (64 KiB each) of pretty documents between other
        // lines: documents cut by the end of a fill are framed the same.
        let mut input = String::new();
        for i in 0..6000 {
            input.push_str(&pretty.replace("a}b", &"长".repeat(i % 7)));
            input.push_str(if i % 3 == 0 { "\nnoise {\n" } else { "\n" });
        }
        let opts = ScanOptions::default();
        let (slow, _) = framed(input.as_bytes(), opts, false);
        let (fast, tapes) = framed(input.as_bytes(), opts, true);
        assert_eq!(fast, slow);
        assert!(
            input.len() > 6 * 64 * 1024 && tapes == 6000,
            "{tapes} on the tape"
        );
    }

    #[test]
    fn oversized_line_is_skipped_without_buffering() {
        let opts = ScanOptions {
            max_record: 64,
            ..ScanOptions::default()
        };
        let big = format!("{{\"MsgType\":\"{}\"}}\n", "x".repeat(1000));
        let s = format!("{big}{{\"MsgType\":\"text\"}}\n");
        let got = Scanner::new(s.as_bytes(), "t", opts)
            .collect_items()
            .unwrap();
        assert!(
            matches!(&got[0], Item::Broken(b) if b.diagnostic.code == Code::RecordTooLarge && b.line == 1)
        );
        assert!(matches!(&got[1], Item::Doc(d, _) if d.line == 2));
    }

    /// Lines are read ahead of a document in bulk: one that ends before a line
    /// over the record limit is whole, and what comes between them is reported
    /// before that line's finding.
    #[test]
    fn a_document_ending_before_an_oversized_line_is_whole() {
        let input = format!(
            "{{\n\"ToUserName\":\"gh_1\",\n\"MsgType\":\"text\"}}\n{{\"MsgType\":\"text\"}}\n{}\n{{\"MsgType\":\"image\"}}\n",
            "x".repeat(3_000)
        );
        for lane in [false, true] {
            let opts = ScanOptions {
                max_record: 2_000,
                lane,
                ..ScanOptions::default()
            };
            let got: Vec<(&str, u32)> = Scanner::new(input.as_bytes(), "t", opts)
                .collect_items()
                .unwrap()
                .iter()
                .map(|i| match i {
                    Item::Doc(d, _) => ("doc", d.line),
                    Item::Tape(t) => ("doc", t.line),
                    Item::Broken(b) => (b.diagnostic.code.as_str(), b.line),
                    Item::Skipped { .. } => ("skipped", 0),
                })
                .collect();
            assert_eq!(
                got,
                [("doc", 1), ("doc", 4), ("record-too-large", 5), ("doc", 6)],
                "lane {lane}"
            );
        }
    }

    /// A document is never read across a line that was skipped for its size:
    /// the text around the gap is no document (it was read as one, with a
    /// blank line for the gap).
    #[test]
    fn oversized_line_inside_a_document_cuts_it_off() {
        let big = format!("  \"note\": \"{}\",\n", "x".repeat(1000));
        for lane in [false, true] {
            let opts = ScanOptions {
                max_record: 256,
                lane,
                ..ScanOptions::default()
            };
            for (open, tail) in [
                (
                    "{\n  \"ToUserName\": \"gh_1\",\n",
                    "  \"MsgType\": \"text\"\n}\n",
                ),
                (
                    "{\n  // copied\n  \"ToUserName\": \"gh_1\",\n",
                    "  \"MsgType\": \"text\"\n}\n",
                ),
                (
                    "<xml>\n<ToUserName>gh_1</ToUserName>\n",
                    "<MsgType>text</MsgType>\n</xml>\n",
                ),
            ] {
                let input = format!("{open}{big}{tail}{{\"MsgType\":\"text\"}}\n");
                let got = Scanner::new(input.as_bytes(), "t", opts)
                    .collect_items()
                    .unwrap();
                let gap = 1 + open.matches('\n').count() as u32;
                let shape: Vec<(Code, u32, u32)> = got
                    .iter()
                    .filter_map(|i| match i {
                        Item::Broken(b) => Some((b.diagnostic.code, b.line, b.diagnostic.line)),
                        _ => None,
                    })
                    .collect();
                assert_eq!(
                    shape,
                    [(Code::Truncated, 1, gap), (Code::RecordTooLarge, gap, gap)],
                    "{input}"
                );
                // The payload after it is read as before.
                assert!(got.iter().any(|i| match i {
                    Item::Doc(d, _) => d.line == gap + 3,
                    Item::Tape(t) => t.line == gap + 3,
                    _ => false,
                }));
            }
        }
    }

    #[test]
    fn utf16_is_refused_clearly() {
        let mut b = vec![0xFF, 0xFE];
        for c in "{\"MsgType\":\"text\"}".bytes() {
            b.extend_from_slice(&[c, 0]);
        }
        let got = Scanner::new(&b[..], "t", ScanOptions::default())
            .collect_items()
            .unwrap();
        assert!(matches!(&got[..], [Item::Broken(b)] if b.diagnostic.code == Code::Utf16Input));
    }

    #[test]
    fn single_document_is_known_at_the_end() {
        let mut sc = Scanner::new(&b"{\"a\":1}\n"[..], "t", ScanOptions::default());
        while sc.next_item().unwrap().is_some() {}
        assert!(sc.was_single_document());
        let mut sc = Scanner::new(&b"x\n{\"a\":1}\n"[..], "t", ScanOptions::default());
        while sc.next_item().unwrap().is_some() {}
        assert!(!sc.was_single_document());
    }

    /// Yields its chunks, then fails: proves nothing is read past the payload.
    struct Live(Vec<&'static [u8]>);
    impl Read for Live {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("read past the available input"));
            }
            let c = self.0.remove(0);
            buf[..c.len()].copy_from_slice(c);
            Ok(c.len())
        }
    }

    #[test]
    fn streams_each_payload_before_reading_further() {
        let mut sc = Scanner::new(
            Live(vec![b"{\"MsgType\":\n", b"\"text\"}\n"]),
            "t",
            ScanOptions::default(),
        );
        assert!(matches!(sc.next_item(), Ok(Some(Item::Doc(..)))));
        assert!(sc.input_drained());
        assert!(sc.next_item().is_err());
    }

    /// A root `xml` cased otherwise is `xml-root`, not text passed over; the
    /// payload after it is still found.
    #[test]
    fn a_root_cased_otherwise_is_xml_root() {
        let s = "<XML><MsgType>text</MsgType></XML> {\"MsgType\":\"text\"}\n<Xml>\n</Xml>\n<xmls><XMLs>\n";
        let got = items(s);
        let roots: Vec<(u32, u32)> = got
            .iter()
            .filter_map(|i| match i {
                Item::Broken(b) if b.diagnostic.code == Code::XmlRoot => Some((b.line, b.column)),
                _ => None,
            })
            .collect();
        assert_eq!(roots, [(1, 1), (2, 1)], "{got:?}");
        assert!(
            got.iter()
                .any(|i| matches!(i, Item::Doc(d, _) if d.line == 1 && d.column == 36)),
            "{got:?}"
        );
    }

    /// sweepC #7: Python's default log format has no date, but a record
    /// starts with its level and a colon: an `<xml>` left open on such a line
    /// ends where a later line starts a record, before any further read
    /// (`tail -f`), as it does after a dated prefix.
    /// Lines taken in one go (the lane reading ahead for an open JSON
    /// candidate) are marked as records at their own line numbers: the CRI
    /// records after it are joined with the lane as without it.
    #[test]
    fn records_read_in_one_go_are_marked_at_their_own_lines() {
        let input = b"{\"a\":\"x\n\
2024-05-01T02:01:06.000191056Z stdout F recv: <xml>\n\
2024-05-01T02:01:06.000198975Z stdout F   <MsgType>text</MsgType>\n\
2024-05-01T02:01:08.000254408Z stdout F </xml>\n";
        for lane in [false, true] {
            let (got, _) = framed(input, ScanOptions::default(), lane);
            let docs: Vec<_> = got.iter().filter(|g| g.0 != "skipped").collect();
            assert_eq!(docs.len(), 1, "lane {lane}: {got:?}");
            assert_eq!(
                (docs[0].0.as_str(), docs[0].1, docs[0].2),
                ("doc", 2, 47),
                "lane {lane}"
            );
            assert!(
                docs[0].3.contains("<MsgType>text</MsgType>\n</xml>"),
                "{got:?}"
            );
        }
    }

    #[test]
    fn an_xml_left_open_in_python_default_log_format_ends_at_the_next_record() {
        let cut = "INFO:wx.views:recv <xml><ToUserName>gh_1</ToUserName>\n";
        let next = "WARNING:wx.views:recv {\"MsgType\":\"text\"}\n";
        let mut sc = Scanner::new(
            Live(vec![cut.as_bytes(), next.as_bytes()]),
            "t",
            ScanOptions::default(),
        );
        match sc.next_item() {
            Ok(Some(Item::Broken(b))) => {
                assert_eq!((b.line, b.column), (1, 20));
                assert_eq!(b.diagnostic.code, Code::Truncated);
            }
            other => panic!("{other:?}"),
        }
        let mut got = None;
        while let Ok(Some(item)) = sc.next_item() {
            if !matches!(item, Item::Skipped { .. }) {
                got = Some(item);
                break;
            }
        }
        assert!(
            matches!(got, Some(Item::Doc(ref d, _)) if d.line == 2),
            "{got:?}"
        );
        // A document's own lines do not end it.
        let whole = "INFO:wx:recv <xml>\n<ToUserName>gh_1</ToUserName>\n  <MsgType>text</MsgType>\n</xml>\n";
        assert_eq!(shape(whole), vec![("doc", 1, 14)]);
    }

    /// An `<xml>` left open on a log line ends where a later line starts a
    /// record of the same shape, so the payloads after it come as they
    /// arrive (`tail -f`); a document's own lines, and lines inside its CDATA,
    /// do not end it.
    #[test]
    fn an_xml_left_open_on_a_log_line_ends_where_the_next_record_starts() {
        let cut = "2026-01-01 10:00:00 INFO got <xml><ToUserName>gh_1</ToUserName>\n";
        let next = "2026-01-01 10:00:01 INFO got {\"MsgType\":\"text\"}\n";
        let mut sc = Scanner::new(
            Live(vec![cut.as_bytes(), next.as_bytes()]),
            "t",
            ScanOptions::default(),
        );
        match sc.next_item() {
            Ok(Some(Item::Broken(b))) => {
                assert_eq!((b.line, b.column), (1, 30));
                assert_eq!(b.diagnostic.code, Code::Truncated);
                assert_eq!((b.diagnostic.line, b.diagnostic.column), (1, 64));
                assert!(
                    b.diagnostic
                        .message
                        .contains("line 2 starts another log record"),
                    "{}",
                    b.diagnostic.message
                );
            }
            other => panic!("{other:?}"),
        }
        // The payload on the next record, before any further read.
        let mut got = None;
        while let Ok(Some(item)) = sc.next_item() {
            if !matches!(item, Item::Skipped { .. }) {
                got = Some(item);
                break;
            }
        }
        assert!(
            matches!(&got, Some(Item::Doc(d, _)) if d.line == 2),
            "{got:?}"
        );
        for whole in [
            "2026-01-01 10:00:00 INFO got <xml><ToUserName>gh_1</ToUserName>\n<MsgType>text</MsgType>\n</xml>\n",
            "2026-01-01 10:00:00 INFO got <xml><Content><![CDATA[a\nb 2026-01-01 10:00:01]]></Content></xml>\n",
            "2026-01-01 10:00:00 INFO got <xml><!-- a\n2026-01-01 10:00:01 b --><A>1</A></xml>\n",
        ] {
            assert_eq!(shape(whole), [("doc", 1, 30)], "{whole:?}");
        }
        // Text outside CDATA that breaks onto a line shaped like a record is
        // taken for one, however the input arrives: the same bytes always
        // give the same report (one thread or two, a file or a pipe).
        let broken = "2026-01-01 10:00:00 INFO got <xml><Content>minutes:\n2026-01-01 10:00:01 meeting\n</Content></xml>\n";
        assert_eq!(shape(broken)[0], ("broken", 1, 30));
        let mut sc = Scanner::new(
            Live(broken.split_inclusive('\n').map(str::as_bytes).collect()),
            "t",
            ScanOptions::default(),
        );
        assert!(
            matches!(sc.next_item(), Ok(Some(Item::Broken(b))) if b.diagnostic.code == Code::Truncated)
        );
        // A prefix without a date or time has no shape to tell records by.
        let plain = "INFO got <xml><A>1</A>\nINFO got <A>2</A></xml>\n";
        assert_eq!(shape(plain), [("doc", 1, 10)]);
    }

    /// sweepC #2: a logger's cut mostly falls inside CDATA, which then runs
    /// on into the next records: a line starting a record of the `<xml>`
    /// line's shape ends it there too, the cut document is `truncated` at
    /// the end of its line (naming the logger's marker), and the payloads
    /// on the swallowed lines are found. Text in CDATA that breaks onto a
    /// line of another shape is still the document's.
    #[test]
    fn an_xml_cut_inside_cdata_ends_where_the_next_record_starts() {
        let json = r#"{"ToUserName":"gh_1","MsgType":"text","Content":"hi"}"#;
        let xml = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><MsgType><![CDATA[text]]></MsgType></xml>";
        for (cut, marker) in [
            ("<xml><ToUserName><![CDATA[gh_8", None),
            (
                "<xml><ToUserName><![CDATA[gh_8...(truncated)",
                Some("...(truncated)"),
            ),
        ] {
            let s = format!(
                "2026-01-05 10:00:00.001 INFO [e-1] recv {cut}\n2026-01-05 10:00:00.002 INFO [e-2] recv {json}\n2026-01-05 10:00:00.003 INFO [e-3] recv {xml}\n"
            );
            let got = items(&s);
            assert_eq!(got.len(), 3, "{got:?}");
            match &got[0] {
                Item::Broken(b) => {
                    assert_eq!((b.line, b.column), (1, 41));
                    assert_eq!(b.diagnostic.code, Code::Truncated);
                    assert_eq!(b.diagnostic.line, 1);
                    assert_eq!(b.diagnostic.column as usize, 41 + cut.len());
                    if let Some(m) = marker {
                        assert!(b.diagnostic.message.contains(m), "{}", b.diagnostic.message);
                    }
                }
                other => panic!("{other:?}"),
            }
            assert!(matches!(&got[1], Item::Doc(d, _) if d.line == 2), "{got:?}");
            assert!(matches!(&got[2], Item::Doc(d, _) if d.line == 3), "{got:?}");
        }
        let whole =
            "2026-01-05 10:00:00 INFO recv <xml><Content><![CDATA[a\n  b\nc]]></Content></xml>\n";
        assert_eq!(shape(whole), [("doc", 1, 31)]);
    }

    /// sweepC #8: an `<xml>` cut on its line, then lines of text that is no
    /// markup (a stack trace) before the next record: the cut is at the end
    /// of the `<xml>`'s line, not of the last line before the record.
    #[test]
    fn an_xml_cut_before_a_stack_trace_is_cut_on_its_own_line() {
        let s = "2026-01-05 10:00:00.001 ERROR failed <xml><ToUserName>gh_1</ToUserName>\njava.lang.IllegalStateException: bad\n\tat a.B.c(B.java:42)\n2026-01-05 10:00:00.002 INFO next\n";
        match &items(s)[0] {
            Item::Broken(b) => {
                assert_eq!(b.diagnostic.code, Code::Truncated);
                assert_eq!((b.diagnostic.line, b.diagnostic.column), (1, 72));
                assert!(
                    b.diagnostic.message.contains("line 2 does not continue it"),
                    "{}",
                    b.diagnostic.message
                );
            }
            other => panic!("{other:?}"),
        }
    }

    /// sweepB #5: in pretty-printed JSON, a syntax error at the start of a
    /// later line that goes on with the document (`}` after a trailing
    /// comma, the next `"key":` after a missing comma) is the document's
    /// own, not a cut; a line that starts anything else still means a cut.
    #[test]
    fn a_syntax_error_where_pretty_json_goes_on_is_no_cut() {
        let error = |s: &str| match &items(s)[0] {
            Item::Broken(b) => (b.diagnostic.code, b.diagnostic.line, b.diagnostic.column),
            other => panic!("{other:?}"),
        };
        let trailing = "{\n  \"ToUserName\": \"gh_1\",\n  \"MsgType\": \"text\",\n}\n";
        assert_eq!(error(trailing), (Code::JsonSyntax, 4, 1));
        let missing = "{\n  \"ToUserName\": \"gh_1\",\n  \"FromUserName\": \"o1\"\n  \"MsgType\": \"text\"\n}\n";
        assert_eq!(error(missing), (Code::JsonSyntax, 4, 3));
        let cut = "2026 INFO a {\"ToUserName\":\"gh_1\",\n2026 INFO b {\"ToUserName\":\"gh_1\"}\n";
        assert_eq!(error(cut), (Code::Truncated, 1, 34));
        assert!(continues_json(b"\"MsgType\" : 1"));
        assert!(!continues_json(b"\"MsgType\" is"));
        assert!(!continues_json(b"\"MsgType"));
    }

    #[test]
    fn payload_logged_as_an_escaped_json_string() {
        let s =
            "INFO body=\"{\\\"MsgType\\\":\\\"text\\\",\\\"Content\\\":\\\"a\\\\\\\"b\\\"}\" end\n";
        let got = items(s);
        match &got[..] {
            [Item::Doc(d, _)] => {
                assert_eq!((d.line, d.column), (1, 11));
                assert_eq!(d.root.get_str("Content"), Some("a\"b"));
                assert_eq!(d.embedded.as_ref().map(|e| e.field.as_str()), Some(""));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn declared_non_utf8_encoding_is_refused_or_noted() {
        let mut gbk = b"<?xml version=\"1.0\" encoding=\"GBK\"?>\n<xml><Content><![CDATA[".to_vec();
        gbk.extend_from_slice(&[0xC4, 0xE3, 0xBA, 0xC3]); // 你好 in GBK
        gbk.extend_from_slice(b"]]></Content></xml>\n");
        let got = Scanner::new(&gbk[..], "t", ScanOptions::default())
            .collect_items()
            .unwrap();
        assert!(
            matches!(&got[..], [Item::Broken(b)] if b.diagnostic.code == Code::InvalidUtf8 && b.diagnostic.message.contains("GBK")),
            "{got:?}"
        );
        let lying = "<?xml version='1.0' encoding='gb2312'?><xml><Content><![CDATA[你好]]></Content></xml>\n";
        match &items(lying)[..] {
            [Item::Doc(_, notes)] => assert_eq!(notes[0].code, Code::DeclaredEncoding),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            &items("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml><A>1</A></xml>\n")[..],
            [Item::Doc(_, notes)] if notes.is_empty()
        ));
    }

    #[test]
    fn doctype_before_the_root_is_refused() {
        let s = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n]>\n<xml><Content>&lol;</Content></xml>\n<xml><Content>ok</Content></xml>\n";
        let got = items(s);
        let codes: Vec<_> = got
            .iter()
            .filter_map(|i| match i {
                Item::Broken(b) => Some((b.line, b.diagnostic.code)),
                Item::Doc(d, _) => Some((d.line, Code::Unrecognized)),
                Item::Tape(t) => Some((t.line, Code::Unrecognized)),
                Item::Skipped { .. } => None,
            })
            .collect();
        assert_eq!(
            codes,
            vec![(5, Code::DoctypeRefused), (6, Code::Unrecognized)],
            "{got:?}"
        );
    }

    #[test]
    fn crlf_and_bom_are_tolerated() {
        let s = "\u{feff}{\"MsgType\":\"text\"}\r\n\u{feff}{\"MsgType\":\"image\"}\r\n";
        // An editor shows no BOM: each document starts its line's column 1.
        assert_eq!(shape(s), vec![("doc", 1, 1), ("doc", 2, 1)]);
    }

    #[test]
    fn simd_utf8_check_agrees_with_std() {
        // Long enough for the SIMD loop (64-byte blocks), with 2-, 3- and 4-byte
        // characters straddling block ends.
        let text = "{\"Content\":\"你好，世界 🙂 café ✓\"}".repeat(12);
        let text = text.as_bytes();
        let check = |b: &[u8]| {
            let std = std::str::from_utf8(b);
            assert_eq!(from_utf8(b), std, "{b:?}");
            assert_eq!(simdutf8::basic::from_utf8(b).is_ok(), std.is_ok(), "{b:?}");
        };
        // Every prefix: each cuts a multi-byte character short at some point.
        for end in 0..=text.len() {
            check(&text[..end]);
        }
        // A bad byte anywhere: lone continuation, overlong lead, surrogate lead,
        // past U+10FFFF, and bytes UTF-8 never uses.
        for at in 0..text.len() {
            for bad in [0x80, 0xbf, 0xc0, 0xc1, 0xe0, 0xed, 0xf4, 0xf5, 0xff] {
                let mut b = text.to_vec();
                b[at] = bad;
                check(&b);
                check(&b[..at + 1]);
            }
        }
        for b in [
            &b"\xed\xa0\x80"[..],
            b"\xf4\x90\x80\x80",
            b"\xe0\x80\xaf",
            b"\xf0\x9f\x99",
            b"\xe4\xbd",
            b"",
        ] {
            check(b);
        }
    }
}
