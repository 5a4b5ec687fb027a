//! A file's shown findings, sorted by position without holding them all in memory.
//!
//! Findings arrive payload by payload, almost always already in file order. They are
//! gathered in runs of about [`RUN_BYTES`]; each run is sorted and written to a
//! [`Spool`] in a compact binary form. When the runs follow each other in order (the
//! usual case) they are simply read one after the other; otherwise they are merged.
//! The order is the same as a stable sort of all findings by (line, column).

use super::spool::{Spool, SpoolReader, SpoolStore};
use super::Finding;
use crate::diag::{Code, Severity};
use crate::input::LineStart;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, BufReader, Read, Write};
use std::sync::Arc;

/// Estimated bytes of findings sorted in memory before they go to a spool.
const RUN_BYTES: usize = 1 << 20;
/// Estimated bytes of one finding besides its text.
const OVERHEAD: usize = 64;
/// Fixed part of an encoded finding: line, column, severity, code, flag, text
/// length, and the anchor's line (0 for none) and offset.
const HEADER: usize = 4 + 4 + 1 + 1 + 1 + 4 + 4 + 8;

/// Collects findings and hands them back sorted.
#[derive(Debug)]
pub(crate) struct Sorter {
    store: Arc<SpoolStore>,
    buf: Vec<Finding>,
    buf_bytes: usize,
    runs: Vec<Spool>,
    /// Every finding so far came at or after the one before it.
    in_order: bool,
    last: (u32, u32),
    count: u64,
    scratch: Vec<u8>,
}

impl Sorter {
    pub(crate) fn new(store: &Arc<SpoolStore>) -> Self {
        Sorter {
            store: Arc::clone(store),
            buf: Vec::new(),
            buf_bytes: 0,
            runs: Vec::new(),
            in_order: true,
            last: (0, 0),
            count: 0,
            scratch: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, f: Finding) {
        let key = f.key();
        if key < self.last {
            self.in_order = false;
        }
        self.last = key;
        self.count += 1;
        self.buf_bytes += OVERHEAD + f.text.len();
        self.buf.push(f);
        if self.buf_bytes >= RUN_BYTES {
            self.flush_run();
        }
    }

    /// Sorts the gathered findings and writes them out as one run.
    fn flush_run(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        // Stable: findings at the same place keep the order they came in.
        self.buf.sort_by_key(Finding::key);
        let mut run = Spool::new(&self.store);
        for f in self.buf.drain(..) {
            self.scratch.clear();
            encode(&f, &mut self.scratch);
            // Writing to a spool cannot fail (it falls back to memory).
            let _ = run.write_all(&self.scratch);
        }
        run.seal();
        self.buf_bytes = 0;
        self.runs.push(run);
    }

    /// Every finding, sorted. Fails only when a run cannot be read back for merging.
    pub(crate) fn finish(mut self) -> io::Result<Findings> {
        self.flush_run();
        if self.in_order || self.runs.len() <= 1 {
            return Ok(Findings {
                segments: self.runs,
                count: self.count,
            });
        }
        // Merge: the smallest head wins; between equal positions the earlier run
        // (whose findings came first) wins, which keeps the sort stable.
        let mut readers: Vec<Decoder<'_>> = self.runs.iter().map(Decoder::new).collect();
        let mut heads: Vec<Option<Finding>> = Vec::with_capacity(readers.len());
        let mut heap = BinaryHeap::new();
        for (i, r) in readers.iter_mut().enumerate() {
            let head = r.next_finding()?;
            if let Some(f) = &head {
                heap.push(Reverse((f.key(), i)));
            }
            heads.push(head);
        }
        let mut merged = Spool::new(&self.store);
        let mut scratch = Vec::new();
        while let Some(Reverse((_, i))) = heap.pop() {
            let (Some(slot), Some(reader)) = (heads.get_mut(i), readers.get_mut(i)) else {
                continue;
            };
            if let Some(f) = slot.take() {
                scratch.clear();
                encode(&f, &mut scratch);
                let _ = merged.write_all(&scratch);
            }
            *slot = reader.next_finding()?;
            if let Some(f) = slot.as_ref() {
                heap.push(Reverse((f.key(), i)));
            }
        }
        merged.seal();
        Ok(Findings {
            segments: vec![merged],
            count: self.count,
        })
    }
}

/// A file's shown findings in the order they are reported.
#[derive(Debug, Default)]
pub struct Findings {
    /// Spools read one after the other.
    segments: Vec<Spool>,
    count: u64,
}

impl Findings {
    /// How many findings there are.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The findings in order. Reading them back from the spool file can fail.
    pub fn iter(&self) -> FindingsIter<'_> {
        FindingsIter {
            segments: &self.segments,
            current: None,
            next: 0,
        }
    }
}

/// Iterator over [`Findings`].
#[derive(Debug)]
pub struct FindingsIter<'a> {
    segments: &'a [Spool],
    current: Option<Decoder<'a>>,
    next: usize,
}

impl Iterator for FindingsIter<'_> {
    type Item = io::Result<Finding>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(d) = &mut self.current {
                match d.next_finding() {
                    Ok(Some(f)) => return Some(Ok(f)),
                    Ok(None) => self.current = None,
                    Err(e) => {
                        // Stop after an error rather than report it forever.
                        self.current = None;
                        self.next = self.segments.len();
                        return Some(Err(e));
                    }
                }
            }
            let s = self.segments.get(self.next)?;
            self.next += 1;
            self.current = Some(Decoder::new(s));
        }
    }
}

/// Reads encoded findings from a spool.
#[derive(Debug)]
struct Decoder<'a> {
    r: BufReader<SpoolReader<'a>>,
    text: Vec<u8>,
}

impl<'a> Decoder<'a> {
    fn new(s: &'a Spool) -> Self {
        Decoder {
            r: BufReader::with_capacity(8 * 1024, s.reader()),
            text: Vec::new(),
        }
    }

    fn next_finding(&mut self) -> io::Result<Option<Finding>> {
        let mut h = [0u8; HEADER];
        // A clean end is an end before the first byte of a record.
        let mut got = 0;
        while got < HEADER {
            match self.r.read(&mut h[got..]) {
                Ok(0) if got == 0 => return Ok(None),
                Ok(0) => return Err(corrupt()),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let severity = match h[8] {
            0 => Severity::Error,
            1 => Severity::Warning,
            2 => Severity::Info,
            _ => return Err(corrupt()),
        };
        let code = *Code::ALL.get(usize::from(h[9])).ok_or_else(corrupt)?;
        let len = usize::try_from(u32_at(11)).map_err(|_| corrupt())?;
        let anchor = match u32_at(15) {
            0 => None,
            line => {
                let mut offset = [0u8; 8];
                offset.copy_from_slice(&h[19..27]);
                Some(LineStart {
                    line,
                    offset: u64::from_le_bytes(offset),
                })
            }
        };
        self.text.resize(len, 0);
        self.r.read_exact(&mut self.text)?;
        let text = String::from_utf8(std::mem::take(&mut self.text)).map_err(|_| corrupt())?;
        Ok(Some(Finding {
            line: u32_at(0),
            column: u32_at(4),
            severity,
            code,
            whole_file: h[10] != 0,
            text,
            anchor,
        }))
    }
}

fn corrupt() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "the results spool is damaged")
}

/// Appends the binary form of `f` (little-endian, text length-prefixed).
fn encode(f: &Finding, out: &mut Vec<u8>) {
    out.extend_from_slice(&f.line.to_le_bytes());
    out.extend_from_slice(&f.column.to_le_bytes());
    out.push(match f.severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    });
    // Fewer than 256 codes exist; the index is checked when read back.
    let code = Code::ALL.iter().position(|c| *c == f.code).unwrap_or(0);
    out.push(u8::try_from(code).unwrap_or(u8::MAX));
    out.push(u8::from(f.whole_file));
    // A finding's text is at most a few kilobytes; longer is cut (never happens).
    let text = f.text.as_bytes();
    let mut len = text.len().min(u32::MAX as usize);
    while !f.text.is_char_boundary(len) {
        len -= 1;
    }
    out.extend_from_slice(&(len as u32).to_le_bytes());
    let anchor = f.anchor.unwrap_or(LineStart { line: 0, offset: 0 });
    out.extend_from_slice(&anchor.line.to_le_bytes());
    out.extend_from_slice(&anchor.offset.to_le_bytes());
    out.extend_from_slice(&text[..len]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(line: u32, column: u32, text: &str) -> Finding {
        Finding {
            line,
            column,
            severity: Severity::Warning,
            code: Code::UnknownField,
            whole_file: false,
            text: text.to_string(),
            anchor: None,
        }
    }

    fn collect(f: &Findings) -> Vec<(u32, u32, String)> {
        f.iter()
            .map(|r| r.unwrap())
            .map(|f| (f.line, f.column, f.text))
            .collect()
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let store = SpoolStore::in_memory();
        let mut s = Sorter::new(&store);
        let f = Finding {
            line: 7,
            column: 9,
            severity: Severity::Info,
            code: Code::ALL[Code::ALL.len() - 1],
            whole_file: true,
            text: "/a: 中文 \u{1b}".to_string(),
            anchor: Some(LineStart {
                line: 5,
                offset: u64::MAX - 1,
            }),
        };
        let g = Finding {
            anchor: None,
            line: 8,
            ..f.clone()
        };
        s.push(f.clone());
        s.push(g.clone());
        let got: Vec<Finding> = s.finish().unwrap().iter().map(|r| r.unwrap()).collect();
        assert_eq!(got, vec![f, g]);
    }

    #[test]
    fn sorted_stably_in_memory_and_across_runs() {
        for store in [SpoolStore::in_memory(), SpoolStore::new()] {
            // Few findings: one run, sorted in memory.
            let mut s = Sorter::new(&store);
            for (l, c, t) in [(3, 1, "a"), (1, 5, "b"), (3, 1, "c"), (1, 2, "d")] {
                s.push(finding(l, c, t));
            }
            let got = collect(&s.finish().unwrap());
            let want = [(1, 2, "d"), (1, 5, "b"), (3, 1, "a"), (3, 1, "c")];
            let want: Vec<_> = want
                .iter()
                .map(|&(l, c, t)| (l, c, t.to_string()))
                .collect();
            assert_eq!(got, want);

            // Many findings in a scrambled order: several runs, merged.
            let mut s = Sorter::new(&store);
            let mut all = Vec::new();
            for i in 0..60_000u32 {
                let line = (i * 7919) % 5000 + 1;
                let text = format!("{i:08}{}", "-".repeat(20));
                all.push((line, 1, text.clone()));
                s.push(finding(line, 1, &text));
            }
            let f = s.finish().unwrap();
            assert_eq!(f.len(), 60_000);
            all.sort_by_key(|&(l, c, _)| (l, c));
            assert_eq!(collect(&f), all);

            // Many findings already in order: runs read one after the other.
            let mut s = Sorter::new(&store);
            for i in 0..60_000u32 {
                s.push(finding(i / 2 + 1, i % 2 + 1, "in order, with some text"));
            }
            let f = s.finish().unwrap();
            assert!(f.segments.len() > 1);
            let keys: Vec<_> = collect(&f).into_iter().map(|(l, c, _)| (l, c)).collect();
            assert!(keys.windows(2).all(|w| w[0] <= w[1]));
            assert_eq!(keys.len(), 60_000);
        }
    }
}
