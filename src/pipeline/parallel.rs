//! One large input on several cores, output in input order.
//!
//! The input is cut into chunks of about a megabyte at line ends, and each
//! chunk is scanned, parsed, detected, validated and rendered by one thread from
//! its own bytes: nothing but the text and the rendered output crosses threads,
//! so the cores do not wait on each other's caches or on one allocator.
//!
//! Cutting is only allowed where it changes nothing. A chunk's scan is accepted
//! when it ended clean ([`Scanner::ended_clean`]: no document left open, no
//! declaration waiting for its document): the scan of the next chunk then starts
//! from the state a single scan of the whole input would be in. When a scan did
//! not end clean (a pretty-printed document across the cut), it is thrown away
//! and the chunk is scanned again together with the next one. The decisions that
//! depend on neighbouring documents (a document without a payload is passed over
//! unless it is the only one in the input) are made here, in order, exactly as
//! [`super::Analyzer::next_report`] makes them. So the reports, their order and the
//! counts are those of a sequential run.
//!
//! Memory stays bounded: a few chunks are in flight at once (one at a time when
//! they hold long lines), and a line longer
//! than the record limit is not split: from there on the input is read
//! sequentially (as it is when documents keep running across the cuts). This reads ahead of the payload being reported, so it is for
//! regular files, not for live streams (`tail -f … | wxmsg`).

use super::{analyze_item, unrecognized, Held, Options, Outcome, Skips};
use crate::input::{Buffered, Item, LineStart, Scanner};
use crate::report::Report;
use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Read};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// Bytes per chunk (cut at a line end before it).
const CHUNK_BYTES: usize = 1 << 18;
/// A scan that does not end clean is redone with the next chunk, but only this
/// many times; then the rest of the input is scanned sequentially.
const MAX_WIDEN: usize = 2;
/// Chunk scans in flight (queued, running, or done and not yet emitted) per thread.
const IN_FLIGHT_PER_THREAD: usize = 3;
/// Bytes in flight per thread, besides the count: a chunk holding one long line
/// (thousands of payloads logged on one line) can be many times [`CHUNK_BYTES`],
/// and its rendered output several times more, so past this such chunks are read
/// one at a time. Twice what full chunks of the usual size take.
const IN_FLIGHT_BYTES_PER_THREAD: usize = 2 * IN_FLIGHT_PER_THREAD * CHUNK_BYTES;

/// Why [`run_parallel`] stopped early.
#[derive(Debug)]
pub enum ParallelError<E> {
    /// Reading the input failed; what was read before was still emitted.
    Read(io::Error),
    /// The caller's `emit` failed (for instance a closed output pipe).
    Emit(E),
}

/// A scan of chunks `start .. start + chunks.len()`, whose first line is `from`.
struct Job {
    start: u64,
    from: LineStart,
    chunks: Vec<Arc<Vec<u8>>>,
}

/// A document without a payload, and where its line starts.
type Trailing = (Held, Option<LineStart>);

/// A chunk read and not yet emitted: its sequence number, first line, bytes.
type ReadChunk = (u64, LineStart, Arc<Vec<u8>>);

/// What a job came to.
struct Done<T> {
    start: u64,
    chunks: u64,
    acc: T,
    /// Lines and documents passed over inside the range.
    skips: Skips,
    /// The range's last item, when it was a document without a payload: whether
    /// it is passed over depends on what comes after it.
    trailing: Option<Trailing>,
    clean: bool,
    docs: u64,
    other_text: bool,
    /// Items framed in the range.
    items: u64,
}

struct State<T> {
    queue: VecDeque<Job>,
    done: BTreeMap<u64, Done<T>>,
    closing: bool,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Signals the workers: a job was queued, or the run is closing.
    queued: Condvar,
    /// Signals the calling thread: a job is done.
    finished: Condvar,
}

impl<T> Shared<T> {
    /// The state even if a worker panicked while holding it: a queue and a map,
    /// consistent between statements.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The in-order bookkeeping of the calling thread.
struct Order<T, E, F> {
    emit: F,
    skips: Skips,
    held: Option<Trailing>,
    docs: u64,
    other_text: bool,
    failure: Option<ParallelError<E>>,
    _acc: std::marker::PhantomData<T>,
}

impl<T, E, F: FnMut(T) -> Result<(), E>> Order<T, E, F> {
    fn accept(&mut self, done: Done<T>) {
        // A held document is passed over once another item follows it (a range
        // of blank lines has none).
        if done.items > 0 {
            if let Some((held, _)) = self.held.take() {
                self.skips.add(held.skip());
            }
            self.held = done.trailing;
        }
        self.skips.append(done.skips);
        self.docs += done.docs;
        self.other_text |= done.other_text;
        if self.failure.is_none() {
            if let Err(e) = (self.emit)(done.acc) {
                self.failure = Some(ParallelError::Emit(e));
            }
        }
    }
}

/// Reads all of `reader` on `threads` threads (this one included): `make` starts
/// an accumulator for a chunk, `work` runs for each report of it in order (on any
/// thread), and `emit` gets the accumulators back on this thread in input order.
/// `work` may change the report (it is dropped after), and can ask where a
/// recent line starts in the input, as [`super::Analyzer::line_start`] answers.
/// Returns the lines and documents passed over, like
/// [`super::Analyzer::skips`] after a sequential run (also when reading failed), and
/// why the run stopped early, if it did.
pub fn run_parallel<T, E>(
    mut reader: impl Read,
    source: impl Into<Arc<str>>,
    opts: &Options,
    threads: usize,
    make: impl Fn() -> T + Sync,
    work: impl Fn(&mut Report, &dyn Fn(u32) -> Option<LineStart>, &mut T) + Sync,
    emit: impl FnMut(T) -> Result<(), E>,
) -> (Skips, Result<(), ParallelError<E>>)
where
    T: Send,
{
    let source: Arc<str> = source.into();
    let threads = threads.max(1);
    let shared = Shared {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            done: BTreeMap::new(),
            closing: false,
        }),
        queued: Condvar::new(),
        finished: Condvar::new(),
    };
    let scan = |job: Job| -> Done<T> {
        let joined;
        let bytes: &[u8] = match &job.chunks[..] {
            [one] => one,
            many => {
                joined = many
                    .iter()
                    .flat_map(|c| c.iter().copied())
                    .collect::<Vec<u8>>();
                &joined
            }
        };
        // Every report holds the source's name, counted in and out as reports
        // come and go: a name of its own per scan keeps that count on this
        // thread's core, where one shared `Arc` would bounce between the cores.
        let name: Arc<str> = Arc::from(&*source);
        // Read in place: the chunk is in memory already.
        let scanner = if job.start == 0 {
            Scanner::buffered(bytes, name, opts.scan)
        } else {
            Scanner::resume_buffered(bytes, name, opts.scan, job.from)
        };
        let mut done = Done {
            start: job.start,
            chunks: job.chunks.len() as u64,
            acc: make(),
            skips: Skips::default(),
            trailing: None,
            clean: false,
            docs: 0,
            other_text: false,
            items: 0,
        };
        let (clean, docs, other_text) = scan_items(scanner, opts, &mut done, &work);
        done.clean = clean;
        done.docs = docs;
        done.other_text = other_text;
        done
    };

    let mut order = Order {
        emit,
        skips: Skips::default(),
        held: None,
        docs: 0,
        other_text: false,
        failure: None,
        _acc: std::marker::PhantomData,
    };
    let mut read: VecDeque<ReadChunk> = VecDeque::new();
    let mut carry: Vec<u8> = Vec::new();
    // Buffers of chunks emitted, for the chunks still to read.
    let mut spare: Vec<Vec<u8>> = Vec::new();
    let mut next_seq = 0u64;
    let mut next_from = LineStart { line: 1, offset: 0 };
    let mut next_emit = 0u64;
    let mut eof = false;
    let mut read_error: Option<io::Error> = None;
    // From here on, one sequential scan: a line longer than the record limit
    // cannot be cut, or documents keep running across the cuts.
    let mut sequential = false;
    // A scan at `next_emit` that did not end clean, waiting to be redone with
    // one more chunk.
    let mut widen: Option<Done<T>> = None;

    std::thread::scope(|scope| {
        // A thread the system refuses (a pids limit, no memory for its stack)
        // is done without: this thread scans queued chunks too, so the run goes
        // on with the threads that did start, down to this one alone. Same
        // output, only slower.
        let mut started = 1;
        while started < threads {
            let spawned =
                std::thread::Builder::new().spawn_scoped(scope, || worker(&shared, &scan));
            if spawned.is_err() {
                break;
            }
            started += 1;
        }
        let threads = started;
        let limit = IN_FLIGHT_PER_THREAD * threads;
        // Emits the scan at the front and forgets its chunks.
        let accept = |done: Done<T>,
                      read: &mut VecDeque<ReadChunk>,
                      spare: &mut Vec<Vec<u8>>,
                      next_emit: &mut u64,
                      order: &mut Order<T, E, _>| {
            for _ in 0..done.chunks {
                // The scans are done with it: its buffer takes the next chunk.
                if let Some(bytes) = read.pop_front().and_then(|c| Arc::into_inner(c.2)) {
                    spare.push(bytes);
                }
            }
            *next_emit += done.chunks;
            order.accept(done);
        };
        while order.failure.is_none() {
            if let Some(d) = widen.take() {
                let n = d.chunks as usize;
                if read.len() > n && n < MAX_WIDEN {
                    if let Some(&(seq, from, _)) = read.front() {
                        let chunks = read.iter().take(n + 1).map(|c| c.2.clone()).collect();
                        let mut state = shared.lock();
                        // Scans starting inside the widened range are stale.
                        state
                            .queue
                            .retain(|j| j.start <= seq || j.start > seq + n as u64);
                        state.queue.push_front(Job {
                            start: seq,
                            from,
                            chunks,
                        });
                        shared.queued.notify_one();
                    }
                    continue;
                }
                if eof && read.len() == n {
                    // Nothing follows (or reading failed): the scan stands.
                    accept(d, &mut read, &mut spare, &mut next_emit, &mut order);
                    continue;
                }
                if sequential || n >= MAX_WIDEN {
                    // Documents keep running across the cuts: scan the rest in
                    // one go rather than again and again.
                    sequential = true;
                    break;
                }
                // The next chunk has to be read first.
                widen = Some(d);
            }
            let in_flight: usize = read.iter().map(|c| c.2.len()).sum();
            let room = read.is_empty()
                || read.len() < limit && in_flight < IN_FLIGHT_BYTES_PER_THREAD * threads;
            if !eof && !sequential && (room || widen.is_some()) {
                let buf = spare.pop().unwrap_or_default();
                match read_chunk(&mut reader, &mut carry, buf, opts.scan.max_record) {
                    Ok(Chunk::Lines(bytes)) => {
                        let lines = memchr::memchr_iter(b'\n', &bytes).count();
                        let length = bytes.len() as u64;
                        let bytes = Arc::new(bytes);
                        read.push_back((next_seq, next_from, bytes.clone()));
                        if widen.is_none() {
                            let mut state = shared.lock();
                            state.queue.push_back(Job {
                                start: next_seq,
                                from: next_from,
                                chunks: vec![bytes],
                            });
                            shared.queued.notify_one();
                        }
                        next_seq += 1;
                        next_from = LineStart {
                            line: next_from
                                .line
                                .saturating_add(u32::try_from(lines).unwrap_or(u32::MAX)),
                            offset: next_from.offset + length,
                        };
                    }
                    Ok(Chunk::End) => eof = true,
                    Ok(Chunk::LongLine) => sequential = true,
                    Err(e) => {
                        // What was read before still goes out; the cut-off line
                        // does not.
                        read_error = Some(e);
                        eof = true;
                        carry.clear();
                    }
                }
                continue;
            }
            // Emit what is next in order, help with queued scans, or wait.
            let mut state = shared.lock();
            while let Some((&k, _)) = state.done.first_key_value() {
                if k >= next_emit {
                    break;
                }
                state.done.remove(&k);
            }
            if let Some(done) = state.done.remove(&next_emit) {
                drop(state);
                let last = eof && read.len() as u64 == done.chunks;
                if done.clean || last {
                    accept(done, &mut read, &mut spare, &mut next_emit, &mut order);
                } else {
                    widen = Some(done);
                }
                continue;
            }
            if read.is_empty() {
                break;
            }
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                let done = scan(job);
                shared.lock().done.insert(done.start, done);
                continue;
            }
            drop(
                shared
                    .finished
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
            );
        }
        let mut state = shared.lock();
        state.queue.clear();
        state.closing = true;
        shared.queued.notify_all();
    });

    if order.failure.is_none() && sequential {
        // One sequential scan from the first chunk not emitted: every chunk
        // before it ended clean, so this is where a single scan would be.
        let from = read.front().map_or(next_from, |c| c.1);
        let first = read.front().map_or(next_seq == 0, |c| c.0 == 0);
        let mut rest: Vec<u8> = read.iter().flat_map(|c| c.2.iter().copied()).collect();
        rest.append(&mut carry);
        let input = io::Cursor::new(rest).chain(reader);
        let scanner = if first {
            Scanner::new(input, source.clone(), opts.scan)
        } else {
            Scanner::resume_at(input, source.clone(), opts.scan, from)
        };
        if let Err(e) = scan_sequential(scanner, opts, &make, &work, &mut order) {
            read_error.get_or_insert(e);
        }
    }
    if let Some(e) = order.failure {
        return (order.skips, Err(e));
    }
    if let Some(e) = read_error {
        return (order.skips, Err(ParallelError::Read(e)));
    }
    if let Some((held, start)) = order.held.take() {
        if order.docs == 1 && !order.other_text {
            let (doc, notes) = held.into_doc();
            let mut acc = make();
            let line_start = |line| start.filter(|s: &LineStart| s.line <= line);
            work(&mut unrecognized(doc, notes), &line_start, &mut acc);
            if let Err(e) = (order.emit)(acc) {
                return (order.skips, Err(ParallelError::Emit(e)));
            }
        } else {
            order.skips.add(held.skip());
        }
    }
    (order.skips, Ok(()))
}

/// The rest of an input after a line too long to cut at: one scanner, emitting
/// every few hundred items so the output does not pile up.
fn scan_sequential<B: Buffered, T, E, F: FnMut(T) -> Result<(), E>>(
    mut scanner: Scanner<B>,
    opts: &Options,
    make: &impl Fn() -> T,
    work: &impl Work<T>,
    order: &mut Order<T, E, F>,
) -> io::Result<()> {
    loop {
        let mut done = Done {
            start: 0,
            chunks: 0,
            acc: make(),
            skips: Skips::default(),
            trailing: None,
            clean: true,
            docs: 0,
            other_text: false,
            items: 0,
        };
        let mut items = 0;
        let mut end = Ok(false);
        let mut reports = VecDeque::new();
        while items < 256 {
            match scanner.next_item() {
                Ok(Some(item)) => {
                    items += 1;
                    take_item(item, opts, &mut done, &mut reports, &mut scanner, work);
                }
                Ok(None) => {
                    end = Ok(true);
                    break;
                }
                Err(e) => {
                    end = Err(e);
                    break;
                }
            }
        }
        let finished = !matches!(end, Ok(false));
        if finished {
            let (docs, other_text) = scanner.doc_counts();
            done.docs = docs;
            done.other_text = other_text;
        }
        order.accept(done);
        if order.failure.is_some() {
            return Ok(());
        }
        match end {
            Ok(false) => {}
            Ok(true) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

/// What runs for each report (see [`run_parallel`]).
trait Work<T>: Fn(&mut Report, &dyn Fn(u32) -> Option<LineStart>, &mut T) {}

impl<T, F: Fn(&mut Report, &dyn Fn(u32) -> Option<LineStart>, &mut T)> Work<T> for F {}

/// One framed item of `scanner`: analysed, its reports through `work`, counted.
fn take_item<B: Buffered, T>(
    item: Item,
    opts: &Options,
    done: &mut Done<T>,
    reports: &mut VecDeque<Report>,
    scanner: &mut Scanner<B>,
    work: &impl Work<T>,
) {
    done.items += 1;
    if let Some((held, _)) = done.trailing.take() {
        done.skips.add(held.skip());
        held.recycle(scanner.spares());
    }
    match analyze_item(item, opts, reports, scanner.spares()) {
        Outcome::Reports => {
            for mut r in reports.drain(..) {
                work(&mut r, &|line| scanner.line_start(line), &mut done.acc);
                scanner.spares().give_back(r);
            }
        }
        Outcome::Skipped(skip) => done.skips.add(skip),
        Outcome::NotPayload(held) => {
            let start = scanner.line_start(held.line());
            done.trailing = Some((held, start));
        }
    }
}

/// Runs one scanner over a chunk to its end. Returns whether the scan ended
/// clean and its document counts.
fn scan_items<B: Buffered, T>(
    mut scanner: Scanner<B>,
    opts: &Options,
    done: &mut Done<T>,
    work: &impl Work<T>,
) -> (bool, u64, bool) {
    let mut reports = VecDeque::new();
    // A chunk is in memory: reading it cannot fail.
    while let Ok(Some(item)) = scanner.next_item() {
        take_item(item, opts, done, &mut reports, &mut scanner, work);
    }
    let (docs, other_text) = scanner.doc_counts();
    (scanner.ended_clean(), docs, other_text)
}

/// A worker: takes queued scans until the run closes.
fn worker<T>(shared: &Shared<T>, scan: &(dyn Fn(Job) -> Done<T> + Sync)) {
    let mut state = shared.lock();
    loop {
        if let Some(job) = state.queue.pop_front() {
            drop(state);
            let done = scan(job);
            state = shared.lock();
            state.done.insert(done.start, done);
            shared.finished.notify_one();
        } else if state.closing {
            return;
        } else {
            state = shared
                .queued
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Where to end a chunk: after a line end, preferably one followed by a line
/// that starts a document at its first column (`{`, `<`): a pretty-printed
/// document has its insides indented, so a cut there rarely falls inside one.
fn cut_point(buf: &[u8]) -> Option<usize> {
    let last = memchr::memrchr(b'\n', buf)? + 1;
    let window = buf.len().saturating_sub(64 * 1024);
    let mut end = last;
    while let Some(nl) = memchr::memrchr(b'\n', buf.get(..end.saturating_sub(1))?) {
        if nl < window {
            break;
        }
        if matches!(buf.get(nl + 1), Some(b'{' | b'<')) {
            return Some(nl + 1);
        }
        end = nl + 1;
    }
    Some(last)
}

enum Chunk {
    /// Whole lines (the last one possibly without its end, at the end of input).
    Lines(Vec<u8>),
    /// Nothing more.
    End,
    /// No line end within the record limit: not cut; `carry` holds what was read.
    LongLine,
}

/// Reads about [`CHUNK_BYTES`] into `buf` and cuts after the last line end; the
/// rest waits in `carry` for the next chunk. `buf` is best a spent chunk's
/// buffer: its pages are mapped already, where a new one faults each page in.
fn read_chunk(
    reader: &mut impl Read,
    carry: &mut Vec<u8>,
    mut buf: Vec<u8>,
    max_record: usize,
) -> io::Result<Chunk> {
    // The buffer keeps the length of the chunk it last held: those bytes are
    // written over, and only growth beyond them is zeroed. Clearing it and
    // reading into spare capacity would zero the whole chunk again on every
    // read, as `read_to_end` does for a reader without its own `read_buf`.
    let mut filled = carry.len();
    if buf.len() < filled {
        buf.resize(filled, 0);
    }
    if let Some(head) = buf.get_mut(..filled) {
        head.copy_from_slice(carry);
    }
    carry.clear();
    let mut at_end = false;
    loop {
        if filled >= CHUNK_BYTES {
            if let Some(cut) = cut_point(buf.get(..filled).unwrap_or_default()) {
                carry.extend_from_slice(buf.get(cut..filled).unwrap_or_default());
                buf.truncate(cut);
                return Ok(Chunk::Lines(buf));
            }
            if filled > max_record.saturating_add(CHUNK_BYTES) {
                buf.truncate(filled);
                *carry = buf;
                return Ok(Chunk::LongLine);
            }
        }
        if at_end {
            buf.truncate(filled);
            return Ok(if buf.is_empty() {
                Chunk::End
            } else {
                Chunk::Lines(buf)
            });
        }
        let want = CHUNK_BYTES.max(filled / 2);
        if buf.len() < filled + want {
            buf.resize(filled + want, 0);
        }
        let n = match fill(
            reader,
            buf.get_mut(filled..filled + want).unwrap_or_default(),
        ) {
            Ok(n) => n,
            Err(e) => {
                buf.truncate(filled);
                *carry = buf;
                return Err(e);
            }
        };
        filled += n;
        at_end = n < want;
    }
}

/// Reads into `dst` until it is full or the input ends; returns how much was read.
fn fill(reader: &mut impl Read, dst: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while let Some(rest) = dst.get_mut(got..).filter(|r| !r.is_empty()) {
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
