//! The fast lane is invisible: for any bytes, the reports with the lane are
//! byte for byte those without it — as JSON lines (payload as JSON text) and as
//! annotated tables (payload on the tape) — with the same lines skipped. Seeded
//! from fixtures, the corpus and tape-shaped documents, this is the check that
//! the tape never accepts what the full parsers refuse and the lane never calls
//! a payload clean that the validator would flag.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wxmsg::pipeline::{Analyzer, LanePayload, Options};
use wxmsg::render::{pretty, report_json};

fn run(data: &[u8], lane: Option<LanePayload>, tables: bool) -> (Vec<u8>, u64) {
    let mut opts = Options::default();
    opts.scan.max_record = 4096;
    if let Some(payload) = lane {
        opts.scan.lane = true;
        opts.lane_payload = payload;
    }
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
        if tables {
            pretty::write_report(&mut out, &r, &popts).expect("writing to a Vec");
        }
    }
    (out, an.skipped())
}

fuzz_target!(|data: &[u8]| {
    for (payload, tables) in [(LanePayload::Json, false), (LanePayload::Tape, true)] {
        let (slow, slow_skipped) = run(data, None, tables);
        let (fast, fast_skipped) = run(data, Some(payload), tables);
        assert_eq!(
            String::from_utf8_lossy(&fast),
            String::from_utf8_lossy(&slow),
            "lane ({payload:?}) output differs"
        );
        assert_eq!(fast_skipped, slow_skipped);
    }
});
