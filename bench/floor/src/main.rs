//! `floor < corpus.ndjson`: parses every non-empty line with serde_json into
//! `serde::de::IgnoredAny` (the whole line checked as JSON, nothing built) and
//! prints `lines bytes` on stderr. Exit status 1 when a line is not JSON.
//!
//! This is the yardstick bench/run.sh divides wxmsg's times by: the least any
//! tool that checks JSON with serde_json has to spend on the same bytes.

use serde::de::IgnoredAny;
use std::io::{self, BufRead, BufReader};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut input = BufReader::with_capacity(256 * 1024, io::stdin().lock());
    let mut line = Vec::with_capacity(64 * 1024);
    let (mut lines, mut bytes, mut bad) = (0u64, 0u64, 0u64);
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(n) => bytes += n as u64,
            Err(e) => {
                eprintln!("floor: {e}");
                return ExitCode::from(2);
            }
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        lines += 1;
        if serde_json::from_slice::<IgnoredAny>(text).is_err() {
            bad += 1;
        }
    }
    eprintln!("{lines} lines, {bytes} bytes, {bad} not JSON");
    if bad > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
