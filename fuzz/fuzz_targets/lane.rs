//! The fast lane is invisible: for any bytes, the reports with the lane are
//! byte for byte those without it — as JSON lines, as pretty JSON and as
//! annotated tables, all read off the tape — with the same lines skipped. Seeded
//! from fixtures, the corpus and tape-shaped documents, this is the check that
//! the tape never accepts what the full parsers refuse and the lane never calls
//! a payload clean that the validator would flag.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wxmsg::pipeline::{Analyzer, Options};
use wxmsg::render::{json_out, pretty, report_json};

fn run(data: &[u8], lane: bool) -> (Vec<u8>, u64) {
    let mut opts = Options::default();
    opts.scan.max_record = 4096;
    opts.scan.lane = lane;
    let popts = pretty::PrettyOptions {
        color: false,
        full: false,
        max_value_width: 40,
        utc_offset_secs: 8 * 3600,
    };
    let mut an = Analyzer::new(data, "fuzz", opts);
    let mut out = Vec::new();
    while let Ok(Some(r)) = an.next_report() {
        report_json::write_report(&mut out, &r);
        match (&r.doc, &r.payload_tape) {
            (Some(doc), _) => json_out::write_json(&mut out, &doc.root, true),
            (None, Some(tape)) => tape.write_json(&mut out, true),
            (None, None) => {}
        }
        pretty::write_report(&mut out, &r, &popts).expect("writing to a Vec");
        an.recycle(r);
    }
    (out, an.skipped())
}

fuzz_target!(|data: &[u8]| {
    let (slow, slow_skipped) = run(data, false);
    let (fast, fast_skipped) = run(data, true);
    assert_eq!(
        String::from_utf8_lossy(&fast),
        String::from_utf8_lossy(&slow),
        "lane output differs"
    );
    assert_eq!(fast_skipped, slow_skipped);
});
