//! The human format of a file with many findings, quoted on several threads.
//!
//! Quoting is most of the format's cost (reading each line again, cutting it
//! around the column, escaping it), and it comes after the whole input is
//! checked, so on one thread it is a serial tail behind a parallel check. Here
//! the findings are cut into blocks of whole lines; each block is rendered into
//! memory by a worker with a reader of its own, and the blocks are written in
//! order. The output is byte for byte that of one thread (unless the input
//! changes while it is read again).
//!
//! One thread stops quoting a file after a read of it fails. A worker can only
//! see its own reads, so a block rendered after a failed one (in file order) is
//! rendered again, unquoted, before it is written.

use super::{CiOptions, FileResult, Finding, Quoter};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Mutex, PoisonError};

/// Findings per block: about a quarter of a megabyte of output.
const BLOCK_FINDINGS: usize = 1024;
/// Blocks queued, being rendered or waiting to be written, per thread: bounds
/// the memory the rendered output takes.
const IN_FLIGHT_PER_THREAD: usize = 2;

/// Whether `f` is quoted on several threads: more than one is allowed, and it
/// has findings enough for a few blocks (below that, starting the threads costs
/// more than it saves).
pub(super) fn worth_it(f: &FileResult, o: &CiOptions) -> bool {
    o.threads > 1 && f.findings.len() > 4 * BLOCK_FINDINGS as u64
}

/// A block to render: its place in the file's order and its findings.
struct Job {
    seq: u64,
    findings: Vec<Finding>,
}

/// A rendered block. Its findings come back with it, in case it has to be
/// rendered again unquoted.
struct Rendered {
    seq: u64,
    bytes: io::Result<Vec<u8>>,
    /// The worker's quoting had stopped by the end of the block.
    stopped: bool,
    findings: Vec<Finding>,
}

/// Writes the findings of `f` like [`super::write`] does on one thread, noting
/// the first finding's code in `first`. False, with nothing written, when not
/// one quoting thread could be started.
pub(super) fn write_file(
    out: &mut dyn Write,
    f: &FileResult,
    o: &CiOptions,
    first: &mut Option<crate::diag::Code>,
) -> io::Result<bool> {
    let threads = o.threads.max(1);
    let limit = (IN_FLIGHT_PER_THREAD * threads) as u64;
    let (job_tx, job_rx) = mpsc::sync_channel::<Job>(limit as usize);
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = mpsc::channel::<Rendered>();
    std::thread::scope(|s| {
        // A thread the system refuses (a pids limit, no memory for its stack)
        // is done without: the blocks go to the workers that did start. With
        // none, nothing has been written yet and the caller quotes the file
        // on this thread instead.
        let mut started = 0;
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let job_rx = &job_rx;
            let spawned =
                std::thread::Builder::new().spawn_scoped(s, move || work(f, o, job_rx, &done_tx));
            if spawned.is_err() {
                break;
            }
            started += 1;
        }
        drop(done_tx);
        if started == 0 {
            return Ok(false);
        }
        // Owned here, so an early return closes the queue and the workers end.
        let (job_tx, done_rx) = (job_tx, done_rx);
        let mut order = Order {
            out,
            f,
            o,
            next: 0,
            waiting: BTreeMap::new(),
            stopped: false,
        };
        let mut sent = 0u64;
        let mut block: Vec<Finding> = Vec::with_capacity(BLOCK_FINDINGS);
        let mut it = f.findings.iter().peekable();
        while let Some(next) = it.next() {
            let d = next?;
            first.get_or_insert(d.code);
            let line = d.line;
            block.push(d);
            // Blocks end between lines: findings on one line share one read.
            let full = block.len() >= BLOCK_FINDINGS
                && !matches!(it.peek(), Some(Ok(after)) if after.line == line);
            if full || it.peek().is_none() {
                while sent - order.next >= limit {
                    order.take(&done_rx)?;
                }
                let findings = std::mem::replace(&mut block, Vec::with_capacity(BLOCK_FINDINGS));
                send(
                    &job_tx,
                    Job {
                        seq: sent,
                        findings,
                    },
                )?;
                sent += 1;
            }
        }
        drop(job_tx);
        while order.next < sent {
            order.take(&done_rx)?;
        }
        Ok(true)
    })
}

/// Queues `job`; fails only when every worker has gone.
fn send(tx: &SyncSender<Job>, job: Job) -> io::Result<()> {
    tx.send(job).map_err(|_| gone())
}

fn gone() -> io::Error {
    io::Error::other("a quoting thread stopped unexpectedly")
}

/// A worker: renders queued blocks with a reader of its own until the queue
/// closes.
fn work(f: &FileResult, o: &CiOptions, jobs: &Mutex<Receiver<Job>>, done: &mpsc::Sender<Rendered>) {
    let mut quoter = Quoter::new(f);
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(Job { seq, findings }) = job else {
            return;
        };
        let mut bytes = Vec::new();
        let result = quoter.groups(&mut bytes, &findings, o);
        let rendered = Rendered {
            seq,
            bytes: result.map(|()| bytes),
            stopped: quoter.stopped(),
            findings,
        };
        if done.send(rendered).is_err() {
            return;
        }
    }
}

/// Writes rendered blocks in file order.
struct Order<'a, 'f> {
    out: &'a mut dyn Write,
    f: &'f FileResult,
    o: &'a CiOptions,
    /// The next block to write.
    next: u64,
    /// Blocks rendered ahead of it.
    waiting: BTreeMap<u64, Rendered>,
    /// Quoting stopped in a block already written: the rest go unquoted.
    stopped: bool,
}

impl Order<'_, '_> {
    /// Waits for one more rendered block and writes every block now in order.
    fn take(&mut self, done: &Receiver<Rendered>) -> io::Result<()> {
        let r = done.recv().map_err(|_| gone())?;
        self.waiting.insert(r.seq, r);
        while let Some(r) = self.waiting.remove(&self.next) {
            self.next += 1;
            if self.stopped {
                Quoter::unquoting(self.f).groups(self.out, &r.findings, self.o)?;
            } else {
                self.out.write_all(&r.bytes?)?;
                self.stopped = r.stopped;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::source::{ReadSeek, Reopen};
    use super::super::super::testing::report;
    use super::super::super::{Collector, Format, SpoolStore};
    use super::*;
    use crate::diag::{Code, Diagnostic};
    use crate::input::LineStart;
    use std::io::{Read, Seek, SeekFrom};
    use std::sync::Arc;

    /// Lines of text, three findings on every other line (two at one column),
    /// one on the rest: enough for several blocks, with groups at every cut.
    /// Each finding knows where its line starts in `text`, as findings of a
    /// checked input do, so quoting seeks to it.
    fn findings_file(text: &[u8], source: Box<dyn Reopen>) -> FileResult {
        let store = SpoolStore::in_memory();
        let o = CiOptions::default();
        let mut c = Collector::new("big.log", Format::Human, &o, &store);
        let starts: Vec<u64> = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text).map(|i| i as u64 + 1))
            .collect();
        for (line, _) in (1..).zip(text.split(|&b| b == b'\n').filter(|l| !l.is_empty())) {
            let mut ds = vec![Diagnostic::new(Code::MissingField, "missing", line, 3)];
            if line % 2 == 0 {
                ds.push(Diagnostic::new(Code::TypeVariant, "variant", line, 9));
                ds.push(Diagnostic::new(Code::UnknownField, "unknown", line, 9));
            }
            let start = |n: u32| {
                let offset = *starts.get(n as usize - 1)?;
                Some(LineStart { line: n, offset })
            };
            c.add_located(&report("big.log", ds), &start);
        }
        c.finish(Some(source)).unwrap()
    }

    fn text(lines: u32) -> Vec<u8> {
        (1..=lines)
            .map(|n| format!("{{\"line\":{n},\"text\":\"中文 \u{1b}[31m {n}\"}}\n"))
            .collect::<String>()
            .into_bytes()
    }

    fn render(f: &FileResult, threads: usize) -> String {
        let o = CiOptions {
            threads,
            ..CiOptions::default()
        };
        let mut out = Vec::new();
        super::super::write(&mut out, std::slice::from_ref(f), &o).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn several_threads_write_what_one_writes() {
        let text = text(4000);
        let f = findings_file(&text, Box::new(text.clone()));
        assert!(worth_it(
            &f,
            &CiOptions {
                threads: 2,
                ..CiOptions::default()
            }
        ));
        let one = render(&f, 1);
        assert_eq!(one.matches("\n  4000 | ").count(), 3);
        assert!(one.contains("\\x1b[31m"), "quoted and escaped");
        for threads in [2, 3, 8] {
            assert_eq!(render(&f, threads), one, "{threads} threads");
        }
    }

    /// Reads `text`, but fails to read the bytes in `fail`: a bad patch the
    /// readers that seek past it do not see.
    struct Failing {
        text: Arc<Vec<u8>>,
        fail: std::ops::Range<u64>,
    }

    struct FailingReader {
        text: Arc<Vec<u8>>,
        fail: std::ops::Range<u64>,
        pos: u64,
    }

    impl Reopen for Failing {
        fn reopen(&self) -> io::Result<Box<dyn ReadSeek + '_>> {
            Ok(Box::new(FailingReader {
                text: self.text.clone(),
                fail: self.fail.clone(),
                pos: 0,
            }))
        }
    }

    impl Read for FailingReader {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.fail.contains(&self.pos) {
                return Err(io::Error::other("bad patch"));
            }
            let mut end = self.pos as usize + buf.len();
            if self.pos < self.fail.start {
                end = end.min(self.fail.start as usize);
            }
            let end = end.min(self.text.len());
            let got = self.text.get(self.pos as usize..end).unwrap_or_default();
            buf[..got.len()].copy_from_slice(got);
            self.pos += got.len() as u64;
            Ok(got.len())
        }
    }

    impl Seek for FailingReader {
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            match to {
                SeekFrom::Start(n) => self.pos = n,
                _ => return Err(io::Error::other("not needed")),
            }
            Ok(self.pos)
        }
    }

    #[test]
    fn quoting_stops_where_one_thread_stops_it() {
        let text = Arc::new(text(4000));
        // A patch past the middle: one thread quotes the lines before it and
        // stops there. A worker quoting a block after it reads it fine, and
        // its block is written again, unquoted.
        let at = text.len() as u64 * 3 / 5;
        let fail = at..at + 100;
        let f = findings_file(&text.clone(), Box::new(Failing { text, fail }));
        let one = render(&f, 1);
        assert!(one.contains("\n  1 | "));
        assert!(!one.contains("\n  4000 | "));
        for threads in [2, 3] {
            assert_eq!(render(&f, threads), one, "{threads} threads");
        }
    }
}
