//! Conversion: JSON → XML → JSON settles after one round (the second round gives
//! the same JSON as the first), for anything the JSON parser accepts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wxmsg::parse::{json, xml, Limits};
use wxmsg::render::json_out::write_json;
use wxmsg::render::xml_out::write_xml;

fn json_to_xml_to_json(text: &[u8]) -> Option<Vec<u8>> {
    let (node, _) = json::parse(text, json::Mode::Strict, Limits::default()).ok()?;
    let mut x = Vec::new();
    write_xml(&mut x, &node, None, false).ok()?;
    let (back, _, _) = xml::parse(&x, Limits::default()).expect("written XML re-parses");
    let mut j = Vec::new();
    write_json(&mut j, &back, false);
    Some(j)
}

fuzz_target!(|data: &[u8]| {
    if let Some(first) = json_to_xml_to_json(data) {
        let second = json_to_xml_to_json(&first).expect("converted JSON converts again");
        assert_eq!(first, second);
    }
});
