//! Payloads spread over several records of a container runtime's log.
//!
//! A container runtime writes each line of an application's output as a
//! record of its own, and splits a long line into several:
//!
//! - docker's json-file driver, one JSON object a line:
//!   `{"log":"…\n","stream":"stdout","time":"…"}`; a `log` string that does
//!   not end in `\n` is part of a line docker split (at 16 KiB), continued by
//!   the next record of the stream;
//! - the CRI format of the files on a Kubernetes node:
//!   `2016-10-06T00:17:09.669794202Z stdout F …`, where the tag `P` marks a
//!   partial line continued by the next record of the stream, `F` a full one.
//!
//! An application that logs a raw WeChat XML push (which has line breaks
//! between its elements) or pretty-printed JSON thus leaves one payload over
//! many records. A record whose application text leaves something open — a
//! partial line, or a document (or a `<?xml` declaration) that the text
//! framing of [`Scanner`] still waits for more lines of — is joined with the
//! following records of the same runtime and stream, one application line
//! each, until nothing is left open; the joined text is then framed exactly
//! as a plain-text log is (a nested [`Scanner`], so every rule of the text
//! framing applies: a new log record cuts a document off, a new `<xml>` ends
//! an unclosed one, nothing is merged that the text framing would keep
//! apart). Records of another stream or shape in between are left where they
//! stand and scanned in their turn, so interleaved stdout and stderr are
//! joined per stream. Every other record takes the usual way (its JSON line
//! read as a document, its `log` string walked by the pipeline), so a record
//! that holds whole payloads costs one extra structural look only.
//!
//! Lines read past while a payload is still open (other streams' records)
//! wait in the buffer: under `tail -f` they are shown once its last record
//! has arrived, and all that is held stays within the record limit, as for
//! a document over several lines of a plain-text log.
//!
//! Findings point at the records: a payload joined from several records at
//! where it starts (docker: the record's `log` string, as for any payload in
//! a string field; CRI: the column its text starts at), with `embedded_in`
//! `/log`; a payload within one CRI record at its exact place.

use super::{count_chars, Buffered, Item, LineStart, ScanOptions, Scanner};
use crate::doc::Value;
use crate::parse::{json, xml, Extent, Limits};
use memchr::memmem;
use std::io;
use std::sync::OnceLock;

/// The field a payload joined from several container log records is said to
/// be embedded in.
const JOINED_FIELD: &str = "/log";

/// Joined text past this size is framed again only after it grew by an
/// eighth, so a huge joined document costs linear time, not quadratic; below
/// it, after every record, so a payload is reported as soon as its last
/// record arrives.
const RECHECK_FREELY: usize = 64 * 1024;

/// Which runtime wrote a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Runtime {
    Docker,
    Cri,
}

/// One container log record, its application text decoded.
#[derive(Debug, PartialEq, Eq)]
struct Record {
    runtime: Runtime,
    /// `stdout`, `stderr` (docker: whatever its `stream` names).
    stream: Vec<u8>,
    /// The application's text, a line ending in `\n` unless `partial`.
    text: Vec<u8>,
    /// Column (1-based, in characters) where the record's text stands:
    /// docker, the `log` string's opening quote; CRI, its first character.
    column: u32,
    /// A piece of a line, continued by the next record of the stream.
    partial: bool,
}

/// Whether `line` may be a container log record: two compares for most
/// lines of any other log, so they cost next to nothing.
#[inline(always)]
pub(super) fn may_be_record(line: &[u8]) -> bool {
    // A docker record is a JSON object whose first key is `log`, `stream` or
    // `time` (told here by its first letter unless blanks come first: an
    // NDJSON payload's `{"ToUserName"` goes no further), an RFC 3339 time has
    // a `T` at byte 10.
    line.get(..11).is_some_and(|h| {
        let docker = h[0] == b'{'
            && matches!(
                (h[1], h[2]),
                (b'"', b'l' | b's' | b't') | (b' ' | b'\t' | b'\r', _)
            );
        (h[10] == b'T' || docker) && may_be_record_head(line)
    })
}

/// [`may_be_record`] for a line past its first test (an NDJSON line, a log
/// line that starts with an ISO time).
#[cold]
#[inline(never)]
fn may_be_record_head(line: &[u8]) -> bool {
    if line[0] == b'{' {
        return may_be_docker(line);
    }
    if line[4] != b'-' {
        return false;
    }
    // The time's end (its seconds end at byte 19; a fraction and a zone
    // may follow), eight bytes at a time, then the stream's name.
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut k = 19;
    while let Some(w) = line.get(k..k + 8) {
        let w = u64::from_le_bytes(w.try_into().unwrap_or_default()) ^ (ONES * u64::from(b' '));
        let zero = w.wrapping_sub(ONES) & !w & (ONES << 7);
        if zero != 0 {
            let at = k + (zero.trailing_zeros() / 8) as usize;
            return line.get(at + 1..at + 4) == Some(b"std");
        }
        if k > 32 {
            return false;
        }
        k += 8;
    }
    false
}

/// Whether `line`, an object, may be a docker record: its first key is one
/// of docker's (`log`, `stream`, `time`; JSON whitespace anywhere between
/// tokens), and the record has a `log` member. Docker's own `{"log":"` at
/// once.
fn may_be_docker(line: &[u8]) -> bool {
    if line.starts_with(DOCKER_HEAD) {
        return true;
    }
    // Docker's keys are short: most JSON lines (an NDJSON payload's
    // `{"ToUserName"…`) are told from a few bytes, before looking for the
    // line's end.
    let first = line.get(skip_ws(line, 1)..).unwrap_or_default();
    if ![&b"\"log\""[..], b"\"stream\"", b"\"time\""]
        .iter()
        .any(|k| first.starts_with(k))
    {
        return false;
    }
    let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
    let Some((key, after)) = first_key(line) else {
        return false;
    };
    match key {
        b"log" => after_colon(line, after).is_some_and(|k| line.get(k) == Some(&b'"')),
        b"stream" | b"time" => memmem::find(&line[after..], b"\"log\"").is_some(),
        _ => false,
    }
}

/// Docker's own head of a record, `{"log":"`.
const DOCKER_HEAD: &[u8] = b"{\"log\":\"";

/// The first key of the object `line` (undecoded, so one with an escape is
/// none of docker's) and where the text after its closing quote starts.
fn first_key(line: &[u8]) -> Option<(&[u8], usize)> {
    let at = skip_ws(line, 1);
    if line.get(at) != Some(&b'"') {
        return None;
    }
    let len = memchr::memchr(b'"', line.get(at + 1..)?)?;
    Some((&line[at + 1..at + 1 + len], at + 2 + len))
}

/// Where the value after a key's closing quote at `at` starts: past the
/// colon and the blanks around it.
fn after_colon(line: &[u8], at: usize) -> Option<usize> {
    let at = skip_ws(line, at);
    (line.get(at) == Some(&b':')).then(|| skip_ws(line, at + 1))
}

/// `at`, past any JSON whitespace there.
fn skip_ws(line: &[u8], mut at: usize) -> usize {
    while matches!(line.get(at), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        at += 1;
    }
    at
}

impl Record {
    /// The record `line` holds, whole (a line with anything after the
    /// record is no record of a runtime's).
    fn of(line: &[u8], limits: Limits) -> Option<Record> {
        match line.first()? {
            b'{' => Record::docker(line, limits),
            _ => Record::cri(line),
        }
    }

    /// `{"log":"…","stream":"…",…}`: docker's own bytes read at once, any
    /// other form of the same JSON (blanks between tokens, as
    /// `json.dumps` writes them; another order of the members) read whole.
    #[inline(never)]
    fn docker(line: &[u8], limits: Limits) -> Option<Record> {
        Record::docker_exact(line, limits).or_else(|| Record::docker_any(line, limits))
    }

    /// `{"log":"…","stream":"…",…}`, byte for byte as docker writes it.
    fn docker_exact(line: &[u8], limits: Limits) -> Option<Record> {
        const HEAD: usize = b"{\"log\":".len();
        if !line.starts_with(DOCKER_HEAD) {
            return None;
        }
        let body = line.get(HEAD..)?;
        // Decoded as JSON reads it, the rest of the line checked as UTF-8 at
        // once first: the string is the value that starts there.
        let (node, used) =
            json::parse_str(super::from_utf8(body).ok()?, json::Mode::Strict, limits).ok()?;
        let Value::String(text) = node.value else {
            return None;
        };
        let text = text.into_bytes();
        let i = used.checked_sub(1)?;
        let rest = trim_end(&body[i + 1..]);
        if !rest.ends_with(b"}") {
            return None;
        }
        let key = memchr::memmem::find(rest, b"\"stream\":\"")? + b"\"stream\":\"".len();
        let stream = rest[key..][..memchr::memchr(b'"', &rest[key..])?].to_vec();
        let partial = !text.ends_with(b"\n");
        Some(Record {
            runtime: Runtime::Docker,
            stream,
            text,
            column: HEAD as u32 + 1,
            partial,
        })
    }

    /// A docker record in any form of its JSON: an object, nothing after
    /// it, with a `log` and a `stream` string.
    #[cold]
    fn docker_any(line: &[u8], limits: Limits) -> Option<Record> {
        let (node, used) =
            json::parse_str(super::from_utf8(line).ok()?, json::Mode::Strict, limits).ok()?;
        if !trim_end(line.get(used..)?).is_empty() {
            return None;
        }
        let Value::Object(members) = node.value else {
            return None;
        };
        let string = |key: &str| {
            members
                .iter()
                .find(|m| m.key == key)
                .and_then(|m| match &m.node.value {
                    Value::String(s) => Some((m.node.pos as usize, s)),
                    _ => None,
                })
        };
        let (_, stream) = string("stream")?;
        let (pos, text) = string("log")?;
        let text = text.clone().into_bytes();
        let partial = !text.ends_with(b"\n");
        Some(Record {
            runtime: Runtime::Docker,
            stream: stream.clone().into_bytes(),
            text,
            column: count_chars(line.get(..pos)?) as u32 + 1,
            partial,
        })
    }

    /// `<RFC 3339 time> <stream> <P|F> <text>`.
    fn cri(line: &[u8]) -> Option<Record> {
        let time_end = memchr::memchr(b' ', &line[..line.len().min(40)])?;
        let time = &line[..time_end];
        if time.len() < 20 || !time[..4].iter().all(u8::is_ascii_digit) || !time.is_ascii() {
            return None;
        }
        let rest = &line[time_end + 1..];
        let stream_end = memchr::memchr(b' ', &rest[..rest.len().min(8)])?;
        let stream = &rest[..stream_end];
        if stream != b"stdout" && stream != b"stderr" {
            return None;
        }
        let tag_at = time_end + 1 + stream_end + 1;
        let partial = match line.get(tag_at) {
            Some(b'P') => true,
            Some(b'F') => false,
            _ => return None,
        };
        // An empty line has no space after its tag.
        let text_at = match line.get(tag_at + 1) {
            Some(b' ') => tag_at + 2,
            None | Some(b'\n' | b'\r') => tag_at + 1,
            Some(_) => return None,
        };
        let mut text = line[text_at..].to_vec();
        if partial {
            // The line break ends the record, not the application's line.
            while matches!(text.last(), Some(b'\n' | b'\r')) {
                text.pop();
            }
        } else if !text.ends_with(b"\n") {
            // The last line of the input, without its line break.
            text.push(b'\n');
        }
        Some(Record {
            runtime: Runtime::Cri,
            stream: stream.to_vec(),
            text,
            column: text_at as u32 + 1,
            partial,
        })
    }
}

/// Whether the text framing might leave something open at the end of
/// `text`, a record's: a candidate whose structural scan runs to its end, or
/// a declaration. Only the structural scan, no parse: most records hold
/// nothing or whole documents, and this tells them apart at a fraction of
/// what framing them costs. Never false where the framing leaves something
/// open (it resumes no further on than here); true may still be framed
/// whole, which [`Scanner::leaves_open`] then tells.
fn may_leave_open(text: &[u8], limits: Limits) -> bool {
    let mut i = 0;
    while let Some(k) = memchr::memchr2(b'{', b'<', text.get(i..).unwrap_or_default()) {
        let c = i + k;
        let rest = &text[c..];
        let extent = if rest[0] == b'{' {
            json::extent(rest, json::Mode::LenientInline, limits.max_depth)
        } else if rest.starts_with(b"<?xml") || rest.starts_with(b"<!DOCTYPE") {
            return true;
        } else if super::is_xml_start(rest) {
            xml::extent(rest)
        } else {
            Extent::NotDocument(0)
        };
        i = match extent {
            Extent::NeedMore => return true,
            Extent::Complete(end) => c + end.max(1),
            Extent::NotDocument(_) => c + 1,
        };
    }
    false
}

/// Whether `line`, a docker record, plainly leaves nothing open: its `log`
/// string ends its line (`\n`), its braces pair up, and each `<xml` in it
/// (raw, or as Go's encoder writes it, `\u003cxml`) has its `</xml>`, with
/// no XML declaration. Told from the raw string, undecoded: most records of
/// an application's log are such lines, those that log a whole payload too.
/// A brace inside a string value can make an open document look whole (a
/// cut `{"Content":"}`): that record is then read alone, as before joining,
/// and its payload is `truncated`. The string ends where docker's next
/// field starts: a quote inside it is escaped, so `","stream":"` cannot
/// stand in it; in another form of the record, at its first unescaped quote.
#[inline(never)]
fn docker_plainly_whole(line: &[u8]) -> bool {
    static GO_LT: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    let Some(raw) = docker_log_raw(line) else {
        return false;
    };
    if !raw.ends_with(b"\\n")
        || memchr::memchr_iter(b'{', raw).count() != memchr::memchr_iter(b'}', raw).count()
    {
        return false;
    }
    let count = |text: &[u8], needle: &[u8]| memmem::find_iter(text, needle).count();
    // Each `<xml` with its `</xml>`, and no declaration to wait for a document.
    let xml_whole = |text: &[u8], lt: &[u8]| {
        let at = |name: &[u8]| [lt, name].concat();
        count(text, &at(b"?xml")) == 0
            && count(text, &at(b"!doctype")) == 0
            && count(text, &at(b"xml")) == count(text, &[lt, b"/xml"].concat())
    };
    if memchr::memchr(b'<', raw).is_some() && !xml_whole(&raw.to_ascii_lowercase(), b"<") {
        return false;
    }
    // Go's encoder writes `<` as `\u003c`.
    let go = GO_LT
        .get_or_init(|| memmem::Finder::new(b"\\u003"))
        .find_iter(raw)
        .any(|k| matches!(raw.get(k + 5), Some(b'c' | b'C')));
    !go || xml_whole(&raw.to_ascii_lowercase(), b"\\u003c")
}

/// The `log` string of `line`, a docker record, raw (undecoded, without its
/// quotes): at once when it is docker's own `{"log":"…","stream":"`, else
/// the string after a first key `log`, blanks around its colon, to its
/// closing quote. None where `log` is not the first key: such a record is
/// read whole.
fn docker_log_raw(line: &[u8]) -> Option<&[u8]> {
    // Searchers built once: a record with a payload gets here, and building
    // one per search cost more than the search.
    static STREAM: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    if let Some(body) = line
        .get(DOCKER_HEAD.len()..)
        .filter(|_| line.starts_with(DOCKER_HEAD))
    {
        let stream = STREAM.get_or_init(|| memmem::Finder::new(b"\",\"stream\":\""));
        if let Some(end) = stream.find(body) {
            return Some(&body[..end]);
        }
    }
    let (key, after) = first_key(line)?;
    if key != b"log" {
        return None;
    }
    let start = after_colon(line, after)?;
    if line.get(start) != Some(&b'"') {
        return None;
    }
    let body = &line[start + 1..];
    // The closing quote: the first one no backslash escapes.
    let mut i = 0;
    loop {
        let k = i + memchr::memchr2(b'"', b'\\', body.get(i..)?)?;
        if body[k] == b'"' {
            return Some(&body[..k]);
        }
        i = k + 2;
    }
}

/// `s` without the blanks and line break at its end.
fn trim_end(mut s: &[u8]) -> &[u8] {
    while let Some((last, rest)) = s.split_last() {
        if !last.is_ascii_whitespace() {
            break;
        }
        s = rest;
    }
    s
}

/// Where a record's text stands in the joined text and in the file.
#[derive(Clone, Copy, Debug)]
struct Segment {
    /// Line and column in the joined text where the record's text starts.
    at: (u32, u32),
    /// The record's line and the column of its text in the file.
    file: (u32, u32),
    /// The text stands in the file as it is (CRI), so a column inside it is
    /// one of the file's; docker's is escaped in a JSON string, so every
    /// place inside it is told by the string's start.
    exact: bool,
}

/// The application text of records joined, and where each record's part
/// came from.
struct Joined {
    text: Vec<u8>,
    segments: Vec<Segment>,
    /// Line and column in the joined text where the next record's text goes.
    next: (u32, u32),
}

impl Joined {
    /// Joined text whose first line is numbered `line`, as the first
    /// record's line is, so that where records follow each other line by
    /// line (the usual case) the joined text's lines are the file's.
    fn new(line: u32) -> Joined {
        Joined {
            text: Vec::new(),
            segments: Vec::new(),
            next: (line, 1),
        }
    }

    /// Appends the text of `record`, on line `line` of the file.
    fn push(&mut self, line: u32, record: &Record) {
        self.segments.push(Segment {
            at: self.next,
            file: (line, record.column),
            exact: record.runtime == Runtime::Cri,
        });
        self.text.extend_from_slice(&record.text);
        let t = &record.text;
        self.next = match memchr::memrchr(b'\n', t) {
            Some(k) => (
                self.next.0 + memchr::memchr_iter(b'\n', t).count() as u32,
                1 + count_chars(&t[k + 1..]) as u32,
            ),
            None => (self.next.0, self.next.1 + count_chars(t) as u32),
        };
    }

    /// The index of the segment holding `at` (joined text's line, column).
    fn segment(&self, at: (u32, u32)) -> usize {
        self.segments
            .partition_point(|s| s.at <= at)
            .saturating_sub(1)
    }

    /// The file's line and column of `at` in the joined text.
    fn map(&self, at: (u32, u32)) -> (u32, u32) {
        let Some(s) = self.segments.get(self.segment(at)) else {
            return at;
        };
        if s.exact && at.0 == s.at.0 {
            (s.file.0, s.file.1 + at.1.saturating_sub(s.at.1))
        } else {
            s.file
        }
    }

    /// Whether the first segment is docker's.
    fn exact(&self) -> bool {
        self.segments.first().is_some_and(|s| s.exact)
    }
}

impl<B: Buffered> Scanner<B> {
    /// Marks buffered line `i`, starting at `start`, when it may be a
    /// container log record: a few
    /// compares per line read. By its index, not the last line's: lines read
    /// in one go are marked after all of them are buffered.
    #[inline(always)]
    pub(super) fn mark_record(&mut self, start: usize, i: usize) {
        if may_be_record(&self.buf[start..]) {
            let line = self.buf_line + i as u32;
            self.mark_record_line(line);
        }
    }

    #[cold]
    #[inline(never)]
    fn mark_record_line(&mut self, line: u32) {
        self.record_lines.push_back((line, false));
    }

    /// When the scan stands at the start of a buffered line and a line at
    /// or before it was marked: takes the marks up to it, passes over the
    /// line when a join took it already, and joins the records of a
    /// container log whose application text runs on. False when nothing was
    /// done but taking marks: the usual step reads the line.
    #[cold]
    #[inline(never)]
    pub(super) fn container_line(&mut self) -> io::Result<bool> {
        if self.pos >= self.buf.len() || !self.deferred.is_empty() {
            return Ok(false);
        }
        let i = self.line_index(self.pos);
        if self.starts.get(i) != Some(&self.pos) {
            return Ok(false);
        }
        let line = self.buf_line + i as u32;
        // Marks of lines the scan went past inside a document are stale.
        while self.record_lines.front().is_some_and(|&(l, _)| l < line) {
            self.record_lines.pop_front();
        }
        match self.record_lines.front() {
            Some(&(l, joined)) if l == line => {
                self.record_lines.pop_front();
                let line_end = self.line_end(i);
                if joined {
                    self.pos = line_end;
                    self.covered = self.covered.max(line);
                    return Ok(true);
                }
                Ok(self.records && self.join_records(i, line_end)?)
            }
            _ => Ok(false),
        }
    }

    /// The record on buffered line `i`, when its text runs on: joined with
    /// the following records of its stream, and what the joined text holds
    /// queued. False, with nothing done, for a record that leaves nothing
    /// open (the usual way reads it) and for a line that is no record.
    fn join_records(&mut self, i: usize, line_end: usize) -> io::Result<bool> {
        let limits = self.opts.limits;
        let start = self.starts[i];
        if docker_plainly_whole(&self.buf[start..line_end]) {
            return Ok(false);
        }
        let Some(first) = Record::of(&self.buf[start..line_end], limits) else {
            return Ok(false);
        };
        let line = self.buf_line + i as u32;
        // A partial line always runs on; a whole one only when the text
        // framing leaves a document (or a declaration) open at its end.
        let runs_on = first.partial
            || may_leave_open(&first.text, limits) && self.leaves_open(&first.text, line);
        if !runs_on {
            return Ok(false);
        }
        let mut joined = Joined::new(line);
        joined.push(line, &first);
        let mut checked = joined.text.len();
        let mut j = i + 1;
        loop {
            // The joined text, and all that was read past other streams'
            // records to get it, stay within the record limit.
            if joined.text.len() > self.opts.max_record
                || self.buf.len() - start > self.opts.max_record
            {
                break;
            }
            if j >= self.starts.len() {
                let queued = self.pending.len();
                let got = self.read_line()?;
                if self.pending.len() > queued {
                    // A line over the record limit: the records around it
                    // are not joined across it; its finding waits its turn.
                    let skipped: Vec<Item> = self.pending.drain(queued..).collect();
                    self.defer(skipped);
                    break;
                }
                if !got {
                    self.ran_out = true;
                    break;
                }
                continue;
            }
            let at = self.buf_line + j as u32;
            let (s, e) = (self.starts[j], self.line_end(j));
            j += 1;
            if self.deferred.iter().any(|&(l, _)| l == at) {
                break;
            }
            let Some(r) = Record::of(&self.buf[s..e], limits) else {
                continue;
            };
            if r.runtime != first.runtime || r.stream != first.stream {
                continue;
            }
            joined.push(at, &r);
            // Every line read was marked when it may be a record.
            if let Ok(k) = self.record_lines.binary_search_by_key(&at, |&(l, _)| l) {
                self.record_lines[k].1 = true;
            }
            if r.partial
                || joined.text.len() > RECHECK_FREELY && joined.text.len() < checked + checked / 8
            {
                continue;
            }
            checked = joined.text.len();
            if !self.leaves_open(&joined.text, line) {
                break;
            }
        }
        // Nothing of the stream followed (the end of the input, or the
        // record limit, came first): the record is read the usual way, as
        // one that leaves nothing open is. (`ran_out` stays: a piece of the
        // input cut after a partial record does not end clean.)
        if joined.segments.len() == 1 {
            return Ok(false);
        }
        self.queue_joined(&joined, line);
        self.pos = self.line_end(self.line_index(start));
        self.covered = self.covered.max(line);
        Ok(true)
    }

    /// A scanner of application text joined from records, numbered from
    /// `line`: framed as a plain-text log, with no records of its own.
    fn text_scanner<'t>(&self, text: &'t [u8], line: u32, lane: bool) -> Scanner<&'t [u8]> {
        let opts = ScanOptions {
            lane,
            line_starts: false,
            // Joined records are a log's text, even in a fixture file.
            fixture: false,
            ..self.opts
        };
        let mut s = Scanner::resume_buffered(
            text,
            self.source.clone(),
            opts,
            LineStart { line, offset: 0 },
        );
        s.records = false;
        s
    }

    /// Whether the text framing leaves something open at the end of `text`:
    /// a document still waiting for lines, or a declaration for its document.
    fn leaves_open(&self, text: &[u8], line: u32) -> bool {
        let mut s = self.text_scanner(text, line, true);
        // Reading text in memory fails on nothing.
        while let Ok(Some(_)) = s.next_item() {}
        !s.ended_clean()
    }

    /// Frames `joined` and queues what it holds, at the records' places.
    fn queue_joined(&mut self, joined: &Joined, line: u32) {
        let mut s = self.text_scanner(&joined.text, line, false);
        let exact = joined.exact();
        while let Ok(Some(item)) = s.next_item() {
            let item = match item {
                Item::Doc(mut doc, notes) => {
                    let start = (doc.line, doc.column);
                    let at = joined.map(start);
                    let end = doc.line_col(doc.text.len().saturating_sub(1) as u32);
                    let one_record = joined.segment(start) == joined.segment(end);
                    let notes = if exact && one_record {
                        // A document inside one CRI record stands in the
                        // file as it is: its places are the file's.
                        if let Some(e) = &mut doc.embedded {
                            (e.line, e.column) = joined.map((e.line, e.column));
                        }
                        (doc.line, doc.column) = at;
                        notes
                            .into_iter()
                            .map(|n| {
                                let (line, column) = joined.map((n.line, n.column));
                                crate::diag::Diagnostic { line, column, ..n }
                            })
                            .collect()
                    } else {
                        doc.embed_at(JOINED_FIELD.to_string(), at);
                        notes
                            .into_iter()
                            .map(|n| crate::diag::Diagnostic {
                                line: at.0,
                                column: at.1,
                                ..n
                            })
                            .collect()
                    };
                    self.count_doc(at.0);
                    Item::Doc(doc, notes)
                }
                Item::Broken(mut b) => {
                    let start = (b.line, b.column);
                    (b.line, b.column) = joined.map(start);
                    let d = &mut b.diagnostic;
                    (d.line, d.column) = joined.map((d.line, d.column));
                    // The framing names where the document starts in the
                    // joined text (`the document that starts at 1:32`).
                    let named = format!("starts at {}:{}", start.0, start.1);
                    if d.message.contains(&named) {
                        let real = format!("starts at {}:{}", b.line, b.column);
                        d.message = d.message.replace(&named, &real).into();
                    }
                    d.message = format!(
                        "in the container log records joined from line {}: {}",
                        b.line, d.message
                    )
                    .into();
                    self.count_doc(b.line);
                    Item::Broken(b)
                }
                other => other,
            };
            self.pending.push_back(item);
        }
        let (_, other_text) = s.doc_counts();
        self.other_text |= other_text;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: &str) -> Option<Record> {
        Record::of(line.as_bytes(), Limits::default())
    }

    #[test]
    fn docker_records_are_decoded() {
        let r = record(
            "{\"log\":\"a \\u003cxml\\u003e \\\"q\\\"\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-20T00:00:00Z\"}\n",
        )
        .expect("a record");
        assert_eq!(r.runtime, Runtime::Docker);
        assert_eq!(r.text, b"a <xml> \"q\"\n");
        assert_eq!(r.stream, b"stderr");
        assert_eq!(r.column, 8);
        assert!(!r.partial);
        let r = record("{\"log\":\"abc\",\"stream\":\"stdout\",\"time\":\"t\"}").expect("a record");
        assert!(r.partial);
        // Anything after the record, or no stream, is no record.
        assert_eq!(record("{\"log\":\"a\\n\",\"stream\":\"stdout\"} x"), None);
        assert_eq!(record("{\"log\":\"a\\n\",\"time\":\"t\"}"), None);
        assert_eq!(record("{\"log\":\"a\\n"), None);
        // Told whole without decoding, or not.
        assert!(docker_plainly_whole(
            b"{\"log\":\"a \\\"b\\\" c\\n\",\"stream\":\"stdout\"}"
        ));
        assert!(!docker_plainly_whole(
            b"{\"log\":\"a\",\"stream\":\"stdout\"}"
        ));
        assert!(!docker_plainly_whole(
            b"{\"log\":\"a {\\n\",\"stream\":\"stdout\"}"
        ));
        assert!(!docker_plainly_whole(
            b"{\"log\":\"\\u003cxml\\n\",\"stream\":\"stdout\"}"
        ));
    }

    #[test]
    fn cri_records_are_split_at_their_fields() {
        let r = record("2016-10-06T00:17:09.669794202Z stdout P <xml>\n").expect("a record");
        assert_eq!(r.runtime, Runtime::Cri);
        assert_eq!(r.text, b"<xml>");
        assert!(r.partial);
        assert_eq!(r.column, 41);
        let r = record("2016-10-06T00:17:09.669794202Z stderr F </xml>").expect("a record");
        assert_eq!(r.text, b"</xml>\n");
        assert!(!r.partial);
        let r = record("2016-10-06T00:17:09.669794202Z stdout F\n").expect("an empty line");
        assert_eq!(r.text, b"\n");
        assert_eq!(record("2016-10-06T00:17:09Z stdin F x\n"), None);
        assert_eq!(record("2016-10-06T00:17:09Z stdout X x\n"), None);
        assert_eq!(record("2016-10-06 00:17:09 INFO x\n"), None);
    }

    #[test]
    fn a_text_is_looked_at_whole_only_when_it_may_leave_a_document_open() {
        let open = |t: &str| may_leave_open(t.as_bytes(), Limits::default());
        assert!(!open("INFO starting\n"));
        assert!(!open("INFO job {cleanup} at <b> scheduled\n"));
        assert!(!open("recv {\"a\":1} and <xml><A>1</A></xml>\n"));
        assert!(open("recv <xml><A>1</A>\n"));
        assert!(open("recv {\n"));
        assert!(open("recv {\"a\":1} then {\"b\":\n"));
        assert!(open("<?xml version=\"1.0\"?>\n"));
        // A document inside an unclosed one's string is no end of it.
        assert!(open("recv {\"a\":\"{}\"\n"));
    }

    #[test]
    fn only_record_lines_are_looked_at_further() {
        assert!(may_be_record(b"{\"log\":\"x\",\"s\""));
        assert!(may_be_record(b"2016-10-06T00:17:09Z stdout F x"));
        assert!(!may_be_record(b"{\"ToUserName\":\"x\"}"));
        assert!(!may_be_record(b"2023-12-16 16:48:26.109 INFO"));
        assert!(!may_be_record(
            b"2023-12-16T16:48:30.025+08:00 INFO [http] GET"
        ));
        assert!(!may_be_record(b"<xml>"));
        // Any form of docker's JSON: blanks between tokens, another order.
        assert!(may_be_record(b"{\"log\": \"x\", \"stream\": \"stdout\"}"));
        assert!(may_be_record(b"{ \"log\" : \"x\" }"));
        assert!(may_be_record(b"{\"time\": \"t\", \"log\": \"x\"}"));
        assert!(!may_be_record(
            b"{\"time\": \"t\", \"msg\": \"x\"}\n\"log\""
        ));
        assert!(!may_be_record(b"{\"log\": 1, \"stream\": \"stdout\"}"));
    }

    #[test]
    fn docker_records_in_any_form_of_their_json_are_decoded() {
        let r = record("{\"log\": \"a\\n\", \"stream\": \"stderr\", \"time\": \"t\"}\n")
            .expect("a record");
        assert_eq!(
            (r.text.as_slice(), r.stream.as_slice()),
            (&b"a\n"[..], &b"stderr"[..])
        );
        assert_eq!(r.column, 9);
        let r = record("{\"stream\":\"stdout\", \"log\" : \"\\u00e9b\"}").expect("a record");
        assert_eq!(r.text, "\u{e9}b".as_bytes());
        assert!(r.partial);
        assert_eq!(r.column, 29);
        assert_eq!(
            record("{\"log\": \"a\\n\", \"stream\": \"stdout\"} x"),
            None
        );
        assert_eq!(record("{\"log\": \"a\\n\", \"time\": \"t\"}"), None);
        assert_eq!(record("{\"log\": 1, \"stream\": \"stdout\"}"), None);
        let raw = |l: &str| docker_log_raw(l.as_bytes()).map(<[u8]>::to_vec);
        assert_eq!(
            raw("{ \"log\" :\t\"a \\\"b\\\\\" , \"stream\": \"stdout\"}"),
            Some(b"a \\\"b\\\\".to_vec())
        );
        assert_eq!(raw("{\"stream\": \"stdout\", \"log\": \"a\"}"), None);
        assert!(docker_plainly_whole(
            b"{\"log\": \"a {} <xml></xml>\\n\", \"stream\": \"stdout\"}"
        ));
        assert!(!docker_plainly_whole(
            b"{\"log\": \"a <xml>\\n\", \"stream\": \"stdout\"}"
        ));
    }

    /// A record that logs a whole payload is told whole from its raw
    /// string, undecoded: braces that pair up, each `<xml` (raw or Go's
    /// `\u003cxml`) with its `</xml>`. An open one, a partial one or a
    /// declaration is looked at further.
    #[test]
    fn a_record_holding_whole_payloads_is_plainly_whole() {
        let rec = |log: &str| format!("{{\"log\":\"{log}\",\"stream\":\"stdout\",\"time\":\"t\"}}");
        for (log, whole) in [
            ("starting\\n", true),
            ("recv {\\\"MsgType\\\":\\\"text\\\",\\\"A\\\":{}}\\n", true),
            ("recv <xml><A>1</A></xml>\\n", true),
            (
                "recv \\u003cxml\\u003e\\u003cA\\u003e1\\u003c/A\\u003e\\u003c/xml\\u003e\\n",
                true,
            ),
            ("recv {\\\"MsgType\\\":\\n", false),
            ("recv <xml><A>1</A>\\n", false),
            ("recv \\u003cxml\\u003e\\n", false),
            ("<?xml version=\\\"1.0\\\"?>\\n", false),
            ("recv {}", false),
        ] {
            assert_eq!(docker_plainly_whole(rec(log).as_bytes()), whole, "{log}");
        }
    }

    #[test]
    fn joined_places_map_back_to_the_records() {
        let mut j = Joined::new(5);
        let cri = |text: &str, partial| Record {
            runtime: Runtime::Cri,
            stream: b"stdout".to_vec(),
            text: text.as_bytes().to_vec(),
            column: 42,
            partial,
        };
        j.push(5, &cri("ab", true));
        j.push(6, &cri("cd\n", false));
        j.push(8, &cri("ef\n", false));
        assert_eq!(j.map((5, 1)), (5, 42));
        assert_eq!(j.map((5, 2)), (5, 43));
        assert_eq!(j.map((5, 3)), (6, 42));
        assert_eq!(j.map((5, 4)), (6, 43));
        assert_eq!(j.map((6, 2)), (8, 43));
    }
}
