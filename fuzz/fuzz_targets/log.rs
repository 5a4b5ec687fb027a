//! Log extraction end to end: the analyzer over any bytes, every report rendered
//! both ways. The human rendering (colour off) must carry no control character
//! but the line feed, whatever the payload holds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wxmsg::pipeline::{Analyzer, Options};
use wxmsg::render::{pretty, report_json};

fuzz_target!(|data: &[u8]| {
    let mut opts = Options::default();
    opts.scan.max_record = 4096;
    let mut an = Analyzer::new(data, "fuzz", opts);
    let popts = pretty::PrettyOptions {
        color: false,
        full: false,
        max_value_width: 40,
        utc_offset_secs: 8 * 3600,
    };
    while let Ok(Some(r)) = an.next_report() {
        let mut human = Vec::new();
        pretty::write_report(&mut human, &r, &popts).expect("writing to a Vec");
        let text = String::from_utf8(human).expect("human output is UTF-8");
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "control character in {text:?}"
        );
        let mut j = Vec::new();
        report_json::write_report(&mut j, &r);
        assert!(serde_json_ok(&j));
    }
});

/// The JSON report is one well-formed line.
fn serde_json_ok(line: &[u8]) -> bool {
    line.ends_with(b"\n") && line.iter().filter(|&&b| b == b'\n').count() == 1
}
