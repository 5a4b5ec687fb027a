//! Framing: any bytes through the scanner, off the fast lane and on it. Every
//! document it yields must have offsets inside its text, and a line and column
//! that point at that text in the input (at the quote of a payload logged as an
//! escaped string, at the `{` or `<xml` of other escaped text).
#![no_main]
use libfuzzer_sys::fuzz_target;
use wxmsg::input::{Item, ScanOptions, Scanner};

/// The byte offset of 1-based `line`:`column` in `data`, columns counted in
/// characters as the scanner counts them (every byte but UTF-8 continuation
/// bytes starts one).
fn offset_of(data: &[u8], line: u32, column: u32) -> Option<usize> {
    let mut at = 0;
    for _ in 1..line {
        at += data.get(at..)?.iter().position(|&b| b == b'\n')? + 1;
    }
    let skip = |at: &mut usize| {
        while data.get(*at).is_some_and(|&b| b & 0xC0 == 0x80) {
            *at += 1;
        }
    };
    // A BOM starting the line is no column (as an editor shows it), and stray
    // continuation bytes at the start of the line count for nothing.
    if data.get(at..).is_some_and(|rest| rest.starts_with(b"\xEF\xBB\xBF")) {
        at += 3;
    }
    skip(&mut at);
    for _ in 1..column {
        at += 1;
        skip(&mut at);
    }
    Some(at)
}

fuzz_target!(|data: &[u8]| {
    for lane in [false, true] {
        let opts = ScanOptions {
            max_record: 4096,
            lane,
            ..ScanOptions::default()
        };
        let mut sc = Scanner::new(data, "fuzz", opts);
        while let Ok(Some(item)) = sc.next_item() {
            let (text, line, column) = match &item {
                Item::Doc(doc, _) => {
                    assert!((doc.root.pos as usize) <= doc.text.len());
                    // A payload logged as escaped text is that text decoded:
                    // its position is the opening quote of a literal, or the
                    // document's first byte, which is never escaped.
                    let text: &[u8] = match doc.embedded {
                        Some(_) => escaped_start(data, doc.line, doc.column),
                        None => doc.text.as_bytes(),
                    };
                    (text, doc.line, doc.column)
                }
                Item::Tape(t) => {
                    // The same for a tape read from escaped text.
                    let text: &[u8] = match t.embedded {
                        Some(_) => escaped_start(data, t.line, t.column),
                        None => t.text.as_bytes(),
                    };
                    (text, t.line, t.column)
                }
                _ => continue,
            };
            assert!(line >= 1 && column >= 1);
            let at = offset_of(data, line, column).expect("the position is in the input");
            assert!(
                data.get(at..).is_some_and(|rest| rest.starts_with(text)),
                "{line}:{column} does not point at the document"
            );
        }
    }
});

/// What escaped text at `line`:`column` of `data` must start with: `{` or
/// `<xml` when it starts with `{` or `<`, the quote of a literal otherwise.
fn escaped_start(data: &[u8], line: u32, column: u32) -> &'static [u8] {
    let rest = offset_of(data, line, column).and_then(|at| data.get(at..));
    match rest.and_then(|r| r.first()) {
        Some(b'{') => b"{",
        Some(b'<') => b"<xml",
        _ => b"\"",
    }
}
