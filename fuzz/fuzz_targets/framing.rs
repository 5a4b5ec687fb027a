//! Framing: any bytes through the scanner. Every document it yields must have
//! text that re-parses, and offsets inside that text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wxmsg::input::{Item, ScanOptions, Scanner};

fuzz_target!(|data: &[u8]| {
    let opts = ScanOptions {
        max_record: 4096,
        ..ScanOptions::default()
    };
    let mut sc = Scanner::new(data, "fuzz", opts);
    while let Ok(Some(item)) = sc.next_item() {
        if let Item::Doc(doc, _) = item {
            assert!((doc.root.pos as usize) <= doc.text.len());
            assert!(doc.line >= 1 && doc.column >= 1);
        }
    }
});
