//! JSON: the parser in every mode; whatever parses must write back and re-parse
//! to the same value. Whatever the fast lane's tape reads, the parser reads too,
//! into the very tree the tape builds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wxmsg::doc::{Node, Value};
use wxmsg::parse::{json, Limits};
use wxmsg::render::json_out::write_json;
use wxmsg::tape::Tape;

/// The value without positions or source-format hints.
fn plain(n: &Node) -> Value {
    match &n.value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| Node::new(0, plain(i)))
                .collect(),
        ),
        Value::Object(ms) => Value::Object(
            ms.iter()
                .map(|m| wxmsg::doc::Member {
                    key: m.key.clone(),
                    key_pos: 0,
                    node: Node::new(0, plain(&m.node)),
                })
                .collect(),
        ),
        v => v.clone(),
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some((tape, used)) = Tape::read(text, Limits::default()) {
            let (full, _) = json::parse_str(&text[..used], json::Mode::Strict, Limits::default())
                .expect("what the tape reads parses");
            assert_eq!(tape.root(text).to_node(), full);
        }
    }
    for mode in [json::Mode::Strict, json::Mode::Lenient, json::Mode::LenientInline] {
        let _ = json::extent(data, mode, 64);
        if let Ok((node, end)) = json::parse(data, mode, Limits::default()) {
            assert!(end <= data.len());
            let mut out = Vec::new();
            write_json(&mut out, &node, false);
            let (again, _) = json::parse(&out, json::Mode::Strict, Limits::default())
                .expect("written JSON re-parses");
            assert_eq!(plain(&node), plain(&again));
        }
    }
});
