//! Spools: append-only byte buffers that hold what one file contributes to the
//! report until the whole run can be written.
//!
//! `wxmsg validate` prints files in path order and some formats put run-wide totals
//! first, so nothing can be written before every file is checked. What a file
//! contributes (its sorted findings, the JSON of its payloads) grows with the file,
//! so a [`Spool`] keeps at most [`CHUNK`] bytes in memory and moves the rest to one
//! temporary file shared by every spool of the run ([`SpoolStore`]). The file is
//! created on first need, unlinked at once where the platform allows it, and never
//! seen by the user. When no temporary file can be made or written, spools simply
//! stay in memory: the report is the same, only the memory use differs.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Bytes a spool gathers in memory before moving them to the shared file.
const CHUNK: usize = 64 * 1024;
/// Bytes a finished ([`Spool::seal`]ed) spool may keep in memory. Small results
/// (the common case: a fixture with a finding or two) never touch the disk.
const SEALED_IN_MEMORY: usize = 8 * 1024;
/// Bytes a [`SpoolReader`] reads from the shared file at a time.
const READ_PIECE: usize = 16 * 1024;

/// The temporary file behind the spools of one run.
#[derive(Debug, Default)]
pub struct SpoolStore {
    state: Mutex<StoreState>,
}

#[derive(Debug, Default)]
struct StoreState {
    file: Option<File>,
    /// Where the file is, when it could not be unlinked while open (removed on drop).
    path: Option<PathBuf>,
    /// No file could be created or written: spools keep everything in memory.
    unavailable: bool,
    /// Bytes written so far (the next chunk goes here).
    end: u64,
}

impl SpoolStore {
    /// A store that creates its temporary file (in [`std::env::temp_dir`]) when a
    /// spool first outgrows memory.
    pub fn new() -> Arc<Self> {
        Arc::new(SpoolStore::default())
    }

    /// A store that never uses the disk: every spool stays in memory.
    pub fn in_memory() -> Arc<Self> {
        Arc::new(SpoolStore {
            state: Mutex::new(StoreState {
                unavailable: true,
                ..StoreState::default()
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, StoreState> {
        // A panic elsewhere while holding the lock leaves the offsets consistent
        // (`end` only moves after a complete write), so the state is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends `bytes` to the file and returns where they start; `None` when there
    /// is no usable file (the caller keeps the bytes in memory).
    fn append(&self, bytes: &[u8]) -> Option<u64> {
        let mut st = self.lock();
        if st.unavailable {
            return None;
        }
        if st.file.is_none() {
            match create_temp() {
                Ok((f, path)) => {
                    st.file = Some(f);
                    st.path = path;
                }
                Err(_) => {
                    st.unavailable = true;
                    return None;
                }
            }
        }
        let at = st.end;
        let written = match st.file.as_mut() {
            Some(f) => f.seek(SeekFrom::Start(at)).and_then(|_| f.write_all(bytes)),
            None => return None,
        };
        match written {
            Ok(()) => {
                st.end = at + bytes.len() as u64;
                Some(at)
            }
            // A full disk: what is on the file stays readable, the rest of the run
            // is kept in memory.
            Err(_) => {
                st.unavailable = true;
                None
            }
        }
    }

    /// Fills `buf` from the file at offset `at`.
    fn read_at(&self, at: u64, buf: &mut [u8]) -> io::Result<()> {
        let mut st = self.lock();
        let f = st
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("the results spool file is gone"))?;
        f.seek(SeekFrom::Start(at))?;
        f.read_exact(buf)
    }
}

impl Drop for SpoolStore {
    fn drop(&mut self) {
        let st = match self.state.get_mut() {
            Ok(st) => st,
            Err(e) => e.into_inner(),
        };
        st.file = None;
        if let Some(path) = st.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Creates the temporary file, readable and writable by the user only. It is
/// unlinked at once where the platform allows that (Unix), so it disappears with
/// the process whatever happens; elsewhere it is removed when the store is dropped.
fn create_temp() -> io::Result<(File, Option<PathBuf>)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir();
    let mut last = io::Error::other("no temporary file name was free");
    for _ in 0..16 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            ".wxmsg-validate-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = dir.join(name);
        let mut oo = OpenOptions::new();
        oo.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            oo.mode(0o600);
        }
        match oo.open(&path) {
            Ok(f) => {
                if std::fs::remove_file(&path).is_ok() {
                    return Ok((f, None));
                }
                return Ok((f, Some(path)));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// An append-only byte buffer: the first bytes on the shared file, the latest in
/// memory. Write to it, [`seal`](Spool::seal) it, read it back with
/// [`reader`](Spool::reader) as often as needed.
#[derive(Debug)]
pub struct Spool {
    store: Arc<SpoolStore>,
    /// Pieces on the shared file, in order: offset and length.
    chunks: Vec<(u64, usize)>,
    /// The bytes after the chunks, still in memory.
    tail: Vec<u8>,
    len: u64,
}

impl Spool {
    /// An empty spool backed by `store`.
    pub fn new(store: &Arc<SpoolStore>) -> Self {
        Spool {
            store: Arc::clone(store),
            chunks: Vec::new(),
            tail: Vec::new(),
            len: 0,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Moves the in-memory bytes to the shared file (when there is one).
    fn spill(&mut self) {
        if self.tail.is_empty() {
            return;
        }
        if let Some(at) = self.store.append(&self.tail) {
            self.chunks.push((at, self.tail.len()));
            self.tail.clear();
        }
    }

    /// Marks the end of writing: a large tail goes to the shared file and the spare
    /// capacity is given back, so a finished spool holds little memory.
    pub fn seal(&mut self) {
        if self.tail.len() > SEALED_IN_MEMORY {
            self.spill();
        }
        self.tail.shrink_to_fit();
    }

    /// Reads the spool from its first byte.
    pub fn reader(&self) -> SpoolReader<'_> {
        SpoolReader {
            spool: self,
            chunk: 0,
            in_chunk: 0,
            buf: Vec::new(),
            at: 0,
            tail_at: 0,
        }
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tail.extend_from_slice(buf);
        self.len += buf.len() as u64;
        if self.tail.len() >= CHUNK {
            self.spill();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Reads a [`Spool`] from the start: its chunks, then its tail.
#[derive(Debug)]
pub struct SpoolReader<'a> {
    spool: &'a Spool,
    /// The chunk being read and how far into it.
    chunk: usize,
    in_chunk: usize,
    /// Bytes read from the file and not yet handed out (`buf[at..]`).
    buf: Vec<u8>,
    at: usize,
    /// How far into the tail, once the chunks are done.
    tail_at: usize,
}

impl Read for SpoolReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(rest) = self.buf.get(self.at..).filter(|r| !r.is_empty()) {
                let n = rest.len().min(out.len());
                out[..n].copy_from_slice(&rest[..n]);
                self.at += n;
                return Ok(n);
            }
            let Some(&(offset, len)) = self.spool.chunks.get(self.chunk) else {
                let rest = self.spool.tail.get(self.tail_at..).unwrap_or_default();
                let n = rest.len().min(out.len());
                out[..n].copy_from_slice(&rest[..n]);
                self.tail_at += n;
                return Ok(n);
            };
            if self.in_chunk >= len {
                self.chunk += 1;
                self.in_chunk = 0;
                continue;
            }
            let n = (len - self.in_chunk).min(READ_PIECE);
            self.buf.resize(n, 0);
            self.spool
                .store
                .read_at(offset + self.in_chunk as u64, &mut self.buf)?;
            self.in_chunk += n;
            self.at = 0;
        }
    }
}

impl SpoolReader<'_> {
    /// Offset of the next byte [`Read::read`] hands out.
    fn position(&self) -> u64 {
        let before: u64 = self
            .spool
            .chunks
            .iter()
            .take(self.chunk)
            .map(|&(_, len)| len as u64)
            .sum();
        if self.chunk >= self.spool.chunks.len() {
            return before + self.tail_at as u64;
        }
        let unread = self.buf.len().saturating_sub(self.at);
        before + self.in_chunk.saturating_sub(unread) as u64
    }
}

impl Seek for SpoolReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.spool.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.position().checked_add_signed(d),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        // Find the chunk holding `target`; past the chunks it is in the tail
        // (or past the end, where reads return nothing, as for a file).
        self.buf.clear();
        self.at = 0;
        let mut start = 0u64;
        for (i, &(_, len)) in self.spool.chunks.iter().enumerate() {
            if target < start + len as u64 {
                self.chunk = i;
                self.in_chunk = (target - start) as usize;
                self.tail_at = 0;
                return Ok(target);
            }
            start += len as u64;
        }
        self.chunk = self.spool.chunks.len();
        self.in_chunk = 0;
        self.tail_at = usize::try_from(target - start).unwrap_or(usize::MAX);
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(s: &Spool) -> Vec<u8> {
        let mut v = Vec::new();
        s.reader().read_to_end(&mut v).unwrap();
        v
    }

    #[test]
    fn reads_back_what_was_written_across_the_file_and_memory() {
        let store = SpoolStore::new();
        let mut a = Spool::new(&store);
        let mut b = Spool::new(&store);
        let mut want_a = Vec::new();
        let mut want_b = Vec::new();
        // Interleaved writes of two spools share the file.
        for i in 0..5000u32 {
            let line = format!("line {i} {}\n", "x".repeat((i % 97) as usize));
            a.write_all(line.as_bytes()).unwrap();
            want_a.extend_from_slice(line.as_bytes());
            if i % 3 == 0 {
                b.write_all(line.as_bytes()).unwrap();
                want_b.extend_from_slice(line.as_bytes());
            }
        }
        a.seal();
        b.seal();
        assert!(!a.chunks.is_empty(), "big spools go to the file");
        assert!(a.tail.len() <= SEALED_IN_MEMORY);
        assert_eq!(a.len(), want_a.len() as u64);
        assert_eq!(read_all(&a), want_a);
        assert_eq!(read_all(&b), want_b);
        // Readable again.
        assert_eq!(read_all(&a), want_a);
    }

    #[test]
    fn in_memory_store_keeps_everything() {
        let store = SpoolStore::in_memory();
        let mut s = Spool::new(&store);
        let data = vec![7u8; 3 * CHUNK + 5];
        s.write_all(&data).unwrap();
        s.seal();
        assert!(s.chunks.is_empty());
        assert_eq!(read_all(&s), data);
        assert!(Spool::new(&store).is_empty());
    }

    #[test]
    fn seeks_anywhere_in_the_file_part_and_the_tail() {
        let store = SpoolStore::new();
        let mut s = Spool::new(&store);
        let data: Vec<u8> = (0..3 * CHUNK + 777).map(|i| (i % 251) as u8).collect();
        for piece in data.chunks(1000) {
            s.write_all(piece).unwrap();
        }
        assert!(s.chunks.len() > 1 && !s.tail.is_empty());
        let mut r = s.reader();
        let len = data.len() as u64;
        let chunk = CHUNK as u64;
        for at in [
            0,
            5,
            chunk - 1,
            chunk,
            chunk + READ_PIECE as u64 + 3,
            3 * chunk + 1,
            len - 1,
            0,
        ] {
            assert_eq!(r.seek(SeekFrom::Start(at)).unwrap(), at);
            let mut got = [0u8; 100];
            let n = r.read(&mut got).unwrap();
            assert!(n > 0);
            assert_eq!(&got[..n], &data[at as usize..at as usize + n], "at {at}");
            assert_eq!(r.stream_position().unwrap(), at + n as u64);
        }
        assert_eq!(r.seek(SeekFrom::End(-2)).unwrap(), len - 2);
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, &data[data.len() - 2..]);
        // Past the end reads nothing; before the start is an error.
        assert_eq!(r.seek(SeekFrom::Start(len + 10)).unwrap(), len + 10);
        assert_eq!(r.read(&mut [0u8; 4]).unwrap(), 0);
        assert!(r.seek(SeekFrom::Current(-(len as i64) - 11)).is_err());
    }
}
