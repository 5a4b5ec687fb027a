//! XML: the parser and the writer; a parsed document written back as WeChat XML
//! must parse again to the same value. Whatever the fast lane's tape reads, the
//! parser reads too, with nothing to note, into the very tree the tape builds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wxmsg::parse::{xml, Limits};
use wxmsg::render::json_out::write_json;
use wxmsg::render::xml_out::write_xml;
use wxmsg::tape::Tape;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some((tape, used)) = Tape::read_xml(text, Limits::default()) {
            let (full, _, notes) = xml::parse(&data[..used], Limits::default())
                .expect("what the tape reads parses");
            assert!(notes.is_empty());
            assert_eq!(tape.root(text).to_node(), full);
        }
    }
    let _ = xml::extent(data);
    if let Ok((node, end, _notes)) = xml::parse(data, Limits::default()) {
        assert!(end <= data.len());
        let mut out = Vec::new();
        if write_xml(&mut out, &node, None, false).is_ok() {
            let (again, _, _) = xml::parse(&out, Limits::default()).expect("written XML re-parses");
            let (mut a, mut b) = (Vec::new(), Vec::new());
            write_json(&mut a, &node, false);
            write_json(&mut b, &again, false);
            assert_eq!(a, b);
        }
    }
});
