//! The fast lane must be invisible: for any input, the JSON-lines output with the
//! lane is byte for byte the output without it. Checked on every fixture and
//! corpus file, on every catalogue type's sample, and on payloads mutated at
//! random (wrong types, missing and unknown fields, duplicates, escapes, huge and
//! negative numbers, unknown codes) so that both the lane's "clean" and its
//! "send to the full pipeline" answers are exercised.

use proptest::prelude::*;
use std::path::Path;
use std::sync::Arc;
use wxmsg::catalog;
use wxmsg::doc::Format;
use wxmsg::parse::{json, xml, Limits};
use wxmsg::pipeline::{Analyzer, Options};
use wxmsg::render::{json_out, pretty, report_json, xml_out};
use wxmsg::tape::Tape;

/// A document the tape reads is the full parser's tree when built from the
/// tape: a payload the lane hands on is not parsed again, so the two must
/// agree on every key, value, position and XML form.
fn same_tree_from_tape(text: &str) {
    let limits = Limits::default();
    let (tape, full) = if text.starts_with("<xml>") {
        let Some((tape, _)) = Tape::read_xml(text, limits) else {
            return;
        };
        let (root, _, notes) = xml::parse(text.as_bytes(), limits).expect("the tape read it");
        assert!(
            notes.is_empty(),
            "notes on a document the tape read: {text}"
        );
        (tape, root)
    } else {
        let Some((tape, _)) = Tape::read(text, limits) else {
            return;
        };
        let (root, _) =
            json::parse_str(text, json::Mode::Strict, limits).expect("the tape read it");
        (tape, root)
    };
    assert_eq!(tape.root(text).to_node(), full, "{text}");
}

#[test]
fn trees_built_from_the_tape_are_the_parsers() {
    let mut read = 0;
    let mut lines = sample_lines();
    lines.extend(xml_sample_lines());
    lines.extend(sample_lines().iter().enumerate().map(|(i, l)| as_xml(l, i)));
    lines.push(
        r#"{"a":"\u00e9\ud83d\ude00\\","b":[1,-2.5e3,true,false,null,{}],"c":{"d":[]}}"#.into(),
    );
    lines.push("<xml><A><![CDATA[]]></A><B/><C></C><D> 1</D><E><item><F>1</F></item><item>x</item></E></xml>".into());
    for line in &lines {
        same_tree_from_tape(line);
        read += usize::from(
            Tape::read(line, Limits::default()).is_some()
                || Tape::read_xml(line, Limits::default()).is_some(),
        );
    }
    // Most of them are on the tape (the rest nest deeper or repeat names),
    // so the comparison is not vacuous.
    assert!(read * 10 >= lines.len() * 9, "{read} of {}", lines.len());
}

/// Every report of `input` as a JSON line, followed by its payload as
/// `convert --pretty` writes it and its annotated table; plus the number of
/// lines skipped.
fn run(input: &[u8], lane: bool, platforms: &[catalog::PlatformId]) -> (String, u64) {
    run_limited(input, lane, platforms, Options::default().scan.max_record)
}

/// [`run`] with records cut at `max_record` bytes.
fn run_limited(
    input: &[u8],
    lane: bool,
    platforms: &[catalog::PlatformId],
    max_record: usize,
) -> (String, u64) {
    let mut opts = Options::default();
    opts.scan.lane = lane;
    opts.scan.max_record = max_record;
    opts.platforms = platforms.to_vec();
    let mut an = Analyzer::new(input, Arc::<str>::from("input"), opts);
    let popts = pretty::PrettyOptions {
        color: false,
        full: false,
        max_value_width: 120,
        utc_offset_secs: 8 * 3600,
    };
    let mut out = Vec::new();
    while let Some(r) = an.next_report().expect("reading a slice cannot fail") {
        report_json::write_report(&mut out, &r);
        match (&r.doc, &r.payload_tape) {
            (Some(doc), _) => json_out::write_json(&mut out, &doc.root, true),
            (None, Some(tape)) => tape.write_json(&mut out, true),
            (None, None) => {}
        }
        out.push(b'\n');
        pretty::write_report(&mut out, &r, &popts).expect("writing to a Vec");
        // The next payload is read into this one's memory.
        an.recycle(r);
    }
    (
        String::from_utf8(out).expect("reports are UTF-8"),
        an.skipped(),
    )
}

/// The lane as JSON lines, conversion (compact and pretty) and the annotated
/// tables see it (payload on the tape), against the full pipeline.
fn same_with_and_without_lane(input: &[u8]) {
    for platforms in [vec![], vec![catalog::PlatformId::Miniprogram]] {
        let (slow, slow_skipped) = run(input, false, &platforms);
        let (fast, fast_skipped) = run(input, true, &platforms);
        assert_eq!(
            fast,
            slow,
            "lane output differs for {:?}",
            String::from_utf8_lossy(input)
        );
        assert_eq!(fast_skipped, slow_skipped);
    }
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn fixtures_and_corpus_read_the_same_with_the_lane() {
    let mut all = Vec::new();
    files(Path::new("fixtures"), &mut all);
    files(Path::new("tests/corpus"), &mut all);
    assert!(all.len() > 200, "expected the fixture and corpus trees");
    for p in all {
        let bytes = std::fs::read(&p).expect("readable test file");
        same_with_and_without_lane(&bytes);
        // As one NDJSON line too, where the lane is tried on every document.
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let line: String = text.lines().map(str::trim).collect();
            same_with_and_without_lane(line.as_bytes());
        }
    }
}

/// Every catalogue type's JSON sample as one compact line.
fn sample_lines() -> Vec<String> {
    catalog::all_types()
        .filter(|t| t.formats.contains(&Format::Json))
        .map(|t| {
            let mut out = Vec::new();
            json_out::write_json(&mut out, &wxmsg::sample::sample(t, Format::Json), false);
            String::from_utf8(out).expect("samples are UTF-8")
        })
        .collect()
}

/// Every catalogue type's XML sample as one line.
fn xml_sample_lines() -> Vec<String> {
    xml_samples(false)
}

/// Every catalogue type's XML sample, on one line or (`pretty`) one element a
/// line.
fn xml_samples(pretty: bool) -> Vec<String> {
    catalog::all_types()
        .filter(|t| t.formats.contains(&Format::Xml))
        .filter_map(|t| {
            let mut out = Vec::new();
            let node = wxmsg::sample::sample(t, Format::Xml);
            xml_out::write_xml(&mut out, &node, Some(t), pretty).ok()?;
            String::from_utf8(out).ok()
        })
        .collect()
}

#[test]
fn every_xml_sample_reads_the_same_with_the_lane() {
    let lines = xml_sample_lines();
    assert!(lines.len() > 40);
    same_with_and_without_lane(lines.join("\n").as_bytes());
    let logged: String = lines.iter().map(|l| format!("DEBUG body={l}\n")).collect();
    same_with_and_without_lane(logged.as_bytes());
}

/// A JSON object line written as XML, each scalar as CDATA, bare text or
/// padded text as `style` picks; objects as child elements, arrays as
/// `<item>` lists or as repeated elements (also as `style` picks).
fn as_xml(line: &str, style: usize) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(line) else {
        return String::new();
    };
    let mut out = String::from("<xml>");
    xml_members(&mut out, &map, style, 0);
    out.push_str("</xml>");
    out
}

fn xml_members(
    out: &mut String,
    map: &serde_json::Map<String, serde_json::Value>,
    style: usize,
    depth: usize,
) {
    for (i, (k, v)) in map.iter().enumerate() {
        let style = style.rotate_right(i as u32 % 8);
        match v {
            serde_json::Value::Array(items) if style % 2 == 0 => {
                for item in items {
                    xml_element(out, k, item, style >> 1, depth);
                }
            }
            _ => xml_element(out, k, v, style, depth),
        }
    }
}

fn xml_element(out: &mut String, k: &str, v: &serde_json::Value, style: usize, depth: usize) {
    let text = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Null => {
            out.push_str(&format!("<{k}/>"));
            return;
        }
        serde_json::Value::Object(map) => {
            out.push_str(&format!("<{k}>"));
            xml_members(out, map, style >> 2, depth + 1);
            out.push_str(&format!("</{k}>"));
            return;
        }
        serde_json::Value::Array(items) => {
            out.push_str(&format!("<{k}>"));
            for item in items {
                xml_element(out, "item", item, style >> 2, depth + 1);
            }
            out.push_str(&format!("</{k}>"));
            return;
        }
    };
    let body = match style % 4 {
        0 => format!("<![CDATA[{text}]]>"),
        1 | 2 => text.replace('&', "&amp;").replace('<', "&lt;"),
        _ => format!(" {} ", text.replace('&', "&amp;").replace('<', "&lt;")),
    };
    out.push_str(&format!("<{k}>{body}</{k}>"));
}

#[test]
fn every_sample_reads_the_same_with_the_lane() {
    let lines = sample_lines();
    assert!(lines.len() > 50);
    let all = lines.join("\n");
    same_with_and_without_lane(all.as_bytes());
    // In a log line after a prefix, and in a sync_msg response.
    let logged: String = lines.iter().map(|l| format!("INFO recv: {l}\n")).collect();
    same_with_and_without_lane(logged.as_bytes());
    let sync = format!(
        "{{\"errcode\":0,\"errmsg\":\"ok\",\"next_cursor\":\"x\",\"has_more\":0,\"msg_list\":[{}]}}",
        lines.join(",")
    );
    same_with_and_without_lane(sync.as_bytes());
}

/// An XML document with a line break and indentation after its root's
/// start tag and after each element that ends (`</A>`, `<B/>`), as indented
/// fixture files have them; text and CDATA stay as they are.
fn indented(x: &str) -> String {
    let mut out = String::new();
    let mut last_open = 0;
    for (i, c) in x.char_indices() {
        out.push(c);
        if c == '<' {
            last_open = i;
        }
        let ends = c == '>'
            && (x[last_open..].starts_with("</")
                || x[..i].ends_with('/')
                || x[last_open..].starts_with("<xml>"));
        if ends && x[i + 1..].starts_with('<') {
            out.push_str("\n  ");
        }
    }
    out.push('\n');
    out
}

/// Every sample pretty-printed over many lines, as fixture files and
/// `console.log(JSON.stringify(body, null, 2))` write them, and the XML ones
/// indented: read straight onto the tape from the buffered lines, with the
/// same reports as the full pipeline's, and nearly all on the lane.
#[test]
fn pretty_printed_samples_read_the_same_with_the_lane() {
    let lines = sample_lines();
    let pretty: Vec<String> = lines
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("samples are JSON");
            serde_json::to_string_pretty(&v).expect("a value prints")
        })
        .collect();
    // XML indented, a line break after each element that ends.
    let xml: String = xml_sample_lines().iter().map(|x| indented(x)).collect();
    let inputs = [
        xml,
        pretty.join("\n"),
        pretty.join("\r\n").replace('\n', "\r\n"),
        pretty.iter().map(|p| format!("INFO body: {p}\n")).collect(),
        pretty.iter().map(|p| p.replace("  ", "\t")).collect(),
    ];
    for input in &inputs {
        same_with_and_without_lane(input.as_bytes());
        let reports = lane_reports(input.as_bytes());
        let (lane, all) = (on_lane(&reports), lane_may_tell(&reports));
        // As on one line, some XML samples nest deeper than the tape reads.
        assert!(lane * 10 >= all * 8, "{lane} of {all} on the lane");
    }
}

/// Every sample logged inside a string, as structured loggers write request
/// bodies (`{"level":"info","body":"{\"ToUserName\":…}"}`) and text logs quote
/// them (`body="{\"ToUserName\":…}"`): the lane reads each string onto a tape
/// of its own, with the same reports as the full pipeline's (positions, the
/// `embedded_in` field) and nearly all of them on the lane. Strings that only
/// start like a document, payloads with warnings and other JSON are the full
/// pipeline's, with the same reports too.
#[test]
fn samples_logged_inside_strings_read_the_same_with_the_lane() {
    let quoted = |l: &str| serde_json::to_string(l).expect("a string prints");
    let lines = sample_lines();
    let xml = xml_sample_lines();
    let json_log: String = lines
        .iter()
        .map(|l| {
            format!(
                "{{\"ts\":\"2024-01-02T03:04:05Z\",\"level\":\"info\",\"body\":{}}}\n",
                quoted(l)
            )
        })
        .collect();
    let nested: String = lines
        .iter()
        .zip(&xml)
        .map(|(l, x)| {
            format!(
                "{{\"req\":{{\"a/b~c\":[1,{},{{\"x\":{}}}],\"n\":null}},\"note\":\"{{not json}}\"}}\n",
                quoted(&format!("\n  {l} trailing")),
                quoted(x)
            )
        })
        .collect();
    let text_log: String = lines
        .iter()
        .map(|l| format!("2024-01-02 03:04:05 INFO body={} done\n", quoted(l)))
        .collect();
    for input in [&json_log, &nested, &text_log] {
        same_with_and_without_lane(input.as_bytes());
        let reports = lane_reports(input.as_bytes());
        for r in &reports {
            assert!(r.embedding().is_some(), "{r:?}");
        }
        let (lane, all) = (on_lane(&reports), lane_may_tell(&reports));
        assert!(
            lane * 10 >= all * 8 && reports.len() >= lines.len(),
            "{lane} of {all} on the lane"
        );
    }
    // Warnings, errors, broken and non-payload JSON in the strings.
    let odd = [
        r#"{"MsgType":"text","Content":"x","CreateTime":1700000000000,"ToUserName":"a","FromUserName":"b","MsgId":1}"#,
        r#"{"MsgType":"text","Content":"x","New":1,"ToUserName":"a","FromUserName":"b","CreateTime":1,"MsgId":1}"#,
        r#"{"MsgType":"text"}"#,
        r#"{"MsgType":"text","Content":"#,
        r#"{"a":1}"#,
        r#"{"errcode":0,"errmsg":"ok","next_cursor":"x","has_more":0,"msg_list":[]}"#,
        "<xml><MsgType>text</MsgType></xml> and more",
    ];
    for o in odd {
        let logged = format!(
            "{{\"body\":{}}}\nbody={}\n{{\"a\":{},\"b\":{}}}\n",
            quoted(o),
            quoted(o),
            quoted(o),
            quoted(&lines[0])
        );
        same_with_and_without_lane(logged.as_bytes());
    }
}

/// A `sync_msg` response with something to say itself (an unknown key, an
/// empty list, a boolean `has_more`, a failed errcode, a missing field) is
/// reported before its entries the same with the lane as without.
#[test]
fn sync_responses_with_findings_of_their_own_read_the_same_with_the_lane() {
    let item = r#"{"msgid":"m1","open_kfid":"wk1","external_userid":"wm1","send_time":1615478585,"origin":3,"msgtype":"text","text":{"content":"hi"}}"#;
    let mut input = String::new();
    for head in [
        r#""NewField":1,"errcode":0,"errmsg":"ok","next_cursor":"c","has_more":0"#,
        r#""errcode":0,"errmsg":"ok","next_cursor":"c","has_more":true"#,
        r#""errcode":0,"errmsg":"ok","has_more":1"#,
        r#""errcode":0,"next_cursor":"c","has_more":0"#,
        r#""errcode":"0","errmsg":"ok","next_cursor":"c","has_more":0"#,
        r#""errcode":95000,"errmsg":"bad","next_cursor":"","has_more":0"#,
        r#""errcode":0,"errmsg":"ok","next_cursor":"c","has_more":0,"errmsg":"ok""#,
    ] {
        for list in ["", item] {
            input.push_str(&format!("{{{head},\"msg_list\":[{list}]}}\n"));
        }
    }
    same_with_and_without_lane(input.as_bytes());
}

/// A payload written as an object of a structured log line (not as a string)
/// is the full pipeline's to report: the lane hands the line over, and the
/// reports are the same either way.
#[test]
fn payload_objects_in_log_lines_read_the_same_with_the_lane() {
    let lines = sample_lines();
    let mut log = String::new();
    for l in lines.iter().take(40) {
        log.push_str(&format!("{{\"level\":30,\"body\":{l},\"msg\":\"recv\"}}\n"));
        log.push_str(&format!(
            "{{\"level\":30,\"items\":[{l},{{\"a\":1}}],\"x\":\"{{}}\"}}\n"
        ));
    }
    same_with_and_without_lane(log.as_bytes());
}

/// JSON lines that hold no payload (most lines of a structured log) stay on
/// their tape until the input shows whether they are passed over; alone in
/// their input, they are reported `unrecognized` as the full pipeline reports
/// them.
#[test]
fn documents_without_payloads_read_the_same_with_the_lane() {
    let quoted = |l: &str| serde_json::to_string(l).expect("a string prints");
    let lines = sample_lines();
    let other = r#"{"ts":"2024-01-02T03:04:05Z","level":"info","msg":"GET /x 200","ms":3,"trace":{"id":"ab","tags":["a","{b}"]}}"#;
    let mut log = String::new();
    for l in &lines {
        log.push_str(other);
        log.push('\n');
        log.push_str(&format!("{{\"level\":\"info\",\"body\":{}}}\n", quoted(l)));
    }
    let inputs = [
        log,
        format!("{other}\n"),
        format!("{other}\n\n\n"),
        format!("{other}\n{other}\n"),
        format!("{other}\n{}\n", lines[0]),
        format!("{}\n{other}\n", lines[0]),
        r#"{"a":"{\"b\":1}","c":"<xml><d>1</d></xml>"}"#.to_string(),
        // Another scheme's encryption is explained, not passed over.
        format!("{{\"encryptedData\":\"x\",\"iv\":\"y\"}}\n{other}\n"),
    ];
    for input in &inputs {
        same_with_and_without_lane(input.as_bytes());
    }
}

/// Each sample with fields no catalogue lists added at its top level: first,
/// last, several, one a case slip of a listed field, repeated, holding a
/// repeated key, and (in XML) bare `true`, which the typing pass changes.
/// The lane reports those warnings itself; the reports must not change.
#[test]
fn samples_with_unknown_fields_read_the_same_with_the_lane() {
    let json_extras = [
        (r#""NewField":1,"#, ""),
        ("", r#","a~b/c":[1,{"x":true}],"Later":"x""#),
        ("", r#","msgtype2":null,"MSGTYPE":"x""#),
        ("", r#","Dup":1,"Dup":2"#),
        ("", r#","In":{"a":1,"a":2}"#),
        ("", r#","MsgDataId":"1","App_Type":"x""#),
    ];
    let lines = sample_lines();
    for (front, back) in json_extras {
        let changed: Vec<String> = lines
            .iter()
            .filter_map(|l| {
                let inner = l.strip_prefix('{')?.strip_suffix('}')?;
                (!inner.is_empty()).then(|| format!("{{{front}{inner}{back}}}"))
            })
            .collect();
        assert!(changed.len() > 50);
        same_with_and_without_lane(changed.join("\n").as_bytes());
    }
    let xml_extras = [
        "<NewField>1</NewField>",
        "<NewField><![CDATA[x]]></NewField><Later>2</Later>",
        "<Flag>true</Flag>",
        "<Deep><a>1</a><b>false</b></Deep>",
        "<Deep><a>1</a><a>2</a></Deep>",
        "<Deep><a>1</a><c>x</c></Deep>",
    ];
    let xml = xml_sample_lines();
    for extra in xml_extras {
        let changed: Vec<String> = xml
            .iter()
            .map(|l| l.replacen("<xml>", &format!("<xml>{extra}"), 1))
            .chain(
                xml.iter()
                    .map(|l| l.replace("</xml>", &format!("{extra}</xml>"))),
            )
            .collect();
        same_with_and_without_lane(changed.join("\n").as_bytes());
    }
}

/// How many reports of `input` the lane made (their payload is on its tape)
/// with a finding of one of `codes`, and how many reports there are.
fn lane_share(input: &[u8], codes: &[wxmsg::diag::Code]) -> (usize, usize) {
    let reports = lane_reports(input);
    let lane = reports
        .iter()
        .filter(|r| {
            r.payload_tape.is_some() && r.diagnostics.iter().any(|d| codes.contains(&d.code))
        })
        .count();
    (lane, reports.len())
}

/// Every report of `input` with the lane on.
fn lane_reports(input: &[u8]) -> Vec<wxmsg::report::Report> {
    let mut opts = Options::default();
    opts.scan.lane = true;
    let mut an = Analyzer::new(input, Arc::<str>::from("input"), opts);
    let mut reports = Vec::new();
    while let Some(r) = an.next_report().expect("reading a slice cannot fail") {
        reports.push(r);
    }
    reports
}

/// How many of `reports` the lane made (their payload is on its tape).
fn on_lane(reports: &[wxmsg::report::Report]) -> usize {
    reports.iter().filter(|r| r.payload_tape.is_some()).count()
}

/// The reports the lane may answer for: not a passive reply whose `MsgType`
/// an incoming message has too (`reply.text`), which only the full pipeline
/// tells from a flawed incoming message.
fn lane_may_tell(reports: &[wxmsg::report::Report]) -> usize {
    let incoming = |t: &str| {
        catalog::all_types()
            .any(|td| td.id == t && td.platform == catalog::PlatformId::OfficialAccount)
    };
    reports
        .iter()
        .filter(|r| {
            !r.type_id
                .as_deref()
                .and_then(|t| t.strip_prefix(catalog::REPLY_PREFIX))
                .is_some_and(incoming)
        })
        .count()
}

/// Each sample with documented type variants and millisecond timestamps at
/// its top level, one field at a time and (as a relay writes them) every
/// number as a string at once: numbers as strings, numeric strings as numbers,
/// timestamps times 1000, nulls and booleans where text belongs. The lane
/// writes such warnings itself; the reports must not change.
#[test]
fn samples_with_type_variants_read_the_same_with_the_lane() {
    use serde_json::Value;
    let variants = |v: &Value| -> Vec<Value> {
        let mut out = vec![Value::Null, Value::Bool(true)];
        match v {
            Value::Number(n) => {
                out.push(Value::String(n.to_string()));
                if let Some(t) = n
                    .as_u64()
                    .filter(|t| (1_000_000_000..10_000_000_000).contains(t))
                {
                    out.push(Value::from(t * 1000));
                    out.push(Value::String((t * 1000).to_string()));
                }
            }
            Value::String(s) if s.parse::<u64>().is_ok() => {
                out.push(serde_json::from_str(s).expect("digits are a number"));
            }
            Value::String(_) => out.push(Value::from(7)),
            _ => {}
        }
        out
    };
    let mut changed = Vec::new();
    for line in sample_lines() {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        for (key, v) in &map {
            for w in variants(v) {
                let mut m = map.clone();
                m.insert(key.clone(), w);
                changed.push(Value::Object(m).to_string());
            }
        }
        let relayed: serde_json::Map<String, Value> = map
            .iter()
            .map(|(k, v)| match v {
                Value::Number(n) => (k.clone(), Value::String(n.to_string())),
                _ => (k.clone(), v.clone()),
            })
            .collect();
        changed.push(Value::Object(relayed).to_string());
    }
    let input = changed.join("\n");
    same_with_and_without_lane(input.as_bytes());
    // Not vacuous: the lane writes such warnings for a good share of them
    // (most of the rest are type mismatches, the validator's to report).
    use wxmsg::diag::Code;
    let (lane, all) = lane_share(
        input.as_bytes(),
        &[Code::TypeVariant, Code::TimestampMilliseconds],
    );
    assert!(lane * 10 >= all, "{lane} of {all} on the lane");

    // XML: each bare number put in CDATA, each CDATA number made bare (one at
    // a time, then all at once), and a timestamp in milliseconds either way.
    let mut xml = Vec::new();
    for line in xml_sample_lines() {
        let swaps = number_swaps(&line);
        for &(at, end, ref with) in &swaps {
            xml.push(format!("{}{with}{}", &line[..at], &line[end..]));
        }
        let mut all = line.clone();
        for &(at, end, ref with) in swaps.iter().rev() {
            all.replace_range(at..end, with);
        }
        xml.push(all.replace("1736908245", "1736908245000"));
        xml.push(all);
    }
    let xml = xml.join("\n");
    same_with_and_without_lane(xml.as_bytes());
    let (lane, all) = lane_share(xml.as_bytes(), &[Code::TypeVariant]);
    assert!(
        lane * 10 >= all,
        "{lane} of {all} XML documents on the lane"
    );
}

/// Each element text of `line` that is a number, as (start, end, the other
/// form): bare digits to CDATA, CDATA digits to bare.
fn number_swaps(line: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for (i, _) in line.match_indices('>') {
        let at = i + 1;
        let Some(len) = line[at..].find("</") else {
            continue;
        };
        let text = &line[at..at + len];
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if digits(text) {
            out.push((at, at + len, format!("<![CDATA[{text}]]>")));
        } else if let Some(inner) = text
            .strip_prefix("<![CDATA[")
            .and_then(|t| t.strip_suffix("]]>"))
            .filter(|t| digits(t))
        {
            out.push((at, at + len, inner.to_string()));
        }
    }
    out
}

/// Each sample with a field no catalogue lists added inside each of its
/// objects below the top level (one at a time, then in all of them), and each
/// XML sample with an unknown child element in each element that has
/// children. The lane reports those warnings itself; the reports must not
/// change.
#[test]
fn samples_with_nested_unknown_fields_read_the_same_with_the_lane() {
    use serde_json::Value;
    /// Adds `"NewKey":1` to the `nth` object below the top level (counted in
    /// document order), or to all of them when `nth` is `None`; true when
    /// there was such an object.
    fn add(v: &mut Value, depth: usize, nth: Option<usize>, seen: &mut usize) -> bool {
        let mut added = false;
        match v {
            Value::Object(map) => {
                if depth > 0 && nth.is_none_or(|n| n == *seen) {
                    map.insert("NewKey".into(), Value::from(1));
                    added = true;
                }
                if depth > 0 {
                    *seen += 1;
                }
                for (_, c) in map.iter_mut() {
                    added |= add(c, depth + 1, nth, seen);
                }
            }
            Value::Array(items) => {
                for c in items {
                    added |= add(c, depth + 1, nth, seen);
                }
            }
            _ => {}
        }
        added
    }
    let mut changed = Vec::new();
    for line in sample_lines() {
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        for nth in (0..).map(Some).chain([None]) {
            let mut w = v.clone();
            if !add(&mut w, 0, nth, &mut 0) {
                break;
            }
            changed.push(w.to_string());
        }
    }
    let input = changed.join("\n");
    same_with_and_without_lane(input.as_bytes());
    // Not vacuous: the lane reports a good share of them itself.
    use wxmsg::diag::Code;
    let (lane, all) = lane_share(input.as_bytes(), &[Code::UnknownField]);
    assert!(lane * 4 >= all, "{lane} of {all} on the lane");

    let mut xml = Vec::new();
    for line in xml_sample_lines() {
        // Every opening tag directly followed by a child element.
        let opens: Vec<usize> = line
            .match_indices("><")
            .map(|(i, _)| i + 1)
            .filter(|&i| {
                let tag_start = line[..i].rfind('<').unwrap_or(0);
                let tag = &line[tag_start..i];
                let next = &line[i..];
                !tag.starts_with("</")
                    && tag != "<xml>"
                    && !next.starts_with("</")
                    && !next.starts_with("<!")
            })
            .collect();
        for at in opens {
            let mut l = line.clone();
            l.insert_str(at, "<NewKey>1</NewKey>");
            xml.push(l);
        }
    }
    let xml = xml.join("\n");
    same_with_and_without_lane(xml.as_bytes());
    let (lane, all) = lane_share(xml.as_bytes(), &[Code::UnknownField]);
    assert!(lane * 4 >= all, "{lane} of {all} XML documents on the lane");
}

/// Each sample with a platform's marker key added (a tie between clean
/// candidates is settled by the markers present, on the lane as in `detect`),
/// as JSON and as XML.
#[test]
fn samples_with_platform_markers_read_the_same_with_the_lane() {
    let markers: Vec<&str> = catalog::PlatformId::ALL
        .iter()
        .flat_map(|p| p.platform().markers.iter().copied())
        .collect();
    assert!(markers.len() > 3);
    let mut lines = Vec::new();
    for line in sample_lines() {
        let Some(body) = line.strip_suffix('}') else {
            continue;
        };
        for (i, marker) in markers.iter().enumerate() {
            let value = ["\"x\"", "1"][i % 2];
            lines.push(format!("{body},\"{marker}\":{value}}}"));
        }
    }
    same_with_and_without_lane(lines.join("\n").as_bytes());
    let xml: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| as_xml(l, i))
        .collect();
    same_with_and_without_lane(xml.join("\n").as_bytes());
}

/// Replacement values that hit every branch of the validator.
const VALUES: &[&str] = &[
    "\"text\"",
    "\"\"",
    "\"\\u4f60\\u597d\"",
    "\"a\\\\u4f60\"",
    "\"a\\u005cu4f60\"",
    "\"tab\\tline\\n\"",
    "\"\\ud83d\\ude02\"",
    "\"\u{7f}del\"",
    "\"\u{85}c1\"",
    "\"bidi\u{202e}x\"",
    // Lead bytes the JSON writer looks at, of characters it writes as they are.
    "\"\u{a9} \u{2014}\"",
    "\"123\"",
    "\"1702716507\"",
    "\"49d72d67b16d115e7935ac386f2f0fa41535298877_1555684067\"",
    "0",
    "1",
    "-1",
    "12345678901",
    "123456789012",
    "1702716507000",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775808",
    "-9223372036854775809",
    "1.5",
    "1e3",
    "true",
    "false",
    "null",
    "{}",
    "{\"a\":1,\"a\":2}",
    "[]",
    "[\"x\",\"y\"]",
    "[{\"a\":1}]",
    "[1]",
];

/// A JSON object line with `key`'s value replaced, removed, duplicated or
/// joined by an unknown key.
fn mutate(line: &str, pick: usize, how: usize, value: &str) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(line) else {
        return line.to_string();
    };
    let keys: Vec<&String> = map.keys().collect();
    if keys.is_empty() {
        return line.to_string();
    }
    let key = keys[pick % keys.len()];
    let mut parts = Vec::new();
    for (k, v) in &map {
        let v = v.to_string();
        let k_json = serde_json::to_string(k).expect("a string");
        if k == key {
            match how % 5 {
                0 => parts.push(format!("{k_json}:{value}")),
                1 => {}
                2 => {
                    parts.push(format!("{k_json}:{v}"));
                    parts.push(format!("{k_json}:{value}"));
                }
                3 => {
                    parts.push(format!("{k_json}:{v}"));
                    parts.push(format!("\"Unknown_{k}\":{value}"));
                }
                _ => parts.push(format!("{}:{value}", k_json.to_lowercase())),
            }
        } else {
            parts.push(format!("{k_json}:{v}"));
        }
    }
    format!("{{{}}}", parts.join(","))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn mutated_payloads_read_the_same_with_the_lane(
        which in 0usize..1000,
        pick in 0usize..64,
        how in 0usize..5,
        value in 0usize..VALUES.len(),
        pick2 in 0usize..64,
        value2 in 0usize..VALUES.len(),
    ) {
        let lines = sample_lines();
        let line = &lines[which % lines.len()];
        let once = mutate(line, pick, how, VALUES[value]);
        let twice = mutate(&once, pick2, 0, VALUES[value2]);
        same_tree_from_tape(&once);
        same_with_and_without_lane(format!("{once}\n{twice}\n").as_bytes());
        // Whitespace between tokens: the payload is no longer copied whole.
        let spaced = once.replacen("\":", "\": ", 1 + pick % 3);
        same_with_and_without_lane(format!("{spaced}\n").as_bytes());
        // The same payloads as flat XML, values as CDATA, bare or padded text.
        let style = pick.wrapping_mul(31).wrapping_add(value2);
        let xml = format!("{}\n{}\n", as_xml(&once, style), as_xml(&twice, style >> 3));
        same_tree_from_tape(&as_xml(&once, style));
        same_with_and_without_lane(xml.as_bytes());
    }
}

/// `s` as nginx writes a request body by default: `"`, `\` and every byte
/// outside printable ASCII as `\xHH`.
fn nginx_escaped(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'"' | b'\\' | 0..=0x1f | 0x7f.. => format!("\\x{b:02X}"),
            _ => char::from(b).to_string(),
        })
        .collect()
}

/// What a report says of its payload, wherever the payload stood: type,
/// platform, validity, findings (as a sorted list: an embedded payload's all
/// stand at one place) and the payload itself.
fn what_reports_say(input: &[u8]) -> Vec<String> {
    let mut an = Analyzer::new(input, Arc::<str>::from("input"), Options::default());
    let mut said = Vec::new();
    while let Some(r) = an.next_report().expect("reading a slice cannot fail") {
        let mut out = Vec::new();
        report_json::write_report(&mut out, &r);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("a report is JSON");
        let mut findings: Vec<String> = v["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| format!("{} {} {}", d["code"], d["field"], d["message"]))
            .collect();
        findings.sort();
        said.push(format!(
            "{} {} {} {findings:?} {}",
            v["type"], v["platform"], v["valid"], v["payload"]
        ));
    }
    said
}

/// Payloads as container runtimes and proxies log them: in a `docker logs`
/// line's `log` string after a prefix or inside a structured log line, in an
/// nginx access log's request body escaped `\xHH` (`escape=default`) or
/// JSON-escaped without quotes (`escape=json`), and XML with its line breaks
/// escaped. Each reads the same with the lane, and says of its payload what
/// the payload on its own says.
#[test]
fn samples_logged_by_containers_and_proxies_read_as_themselves() {
    let quoted = |l: &str| serde_json::to_string(l).expect("a string prints");
    let lines = sample_lines();
    let xml = xml_samples(true);
    let docker = |l: &str| {
        format!(
            "{{\"log\":{},\"stream\":\"stdout\",\"time\":\"2024-01-02T03:04:05.1Z\"}}\n",
            quoted(l)
        )
    };
    let nginx = "1.2.3.4 - - [02/Jan/2024:03:04:05 +0800] \"POST /wx HTTP/1.1\" 200 7";
    type Shape<'a> = (&'a str, Box<dyn Fn(&str) -> String + 'a>);
    let json_shapes: Vec<Shape> = vec![
        (
            "docker, after a prefix",
            Box::new(|l: &str| docker(&format!("2024-01-02 INFO [wx] recv {{id}}: {l}\n"))),
        ),
        (
            "docker, in a structured line",
            Box::new(|l: &str| docker(&format!("{{\"level\":\"info\",\"body\":{}}}\n", quoted(l)))),
        ),
        (
            "nginx escape=default",
            Box::new(|l: &str| format!("{nginx} \"{}\" \"-\"\n", nginx_escaped(l))),
        ),
        (
            "nginx escape=json",
            Box::new(|l: &str| {
                let q = quoted(l);
                format!("{nginx} {} rt=0.004\n", &q[1..q.len() - 1])
            }),
        ),
    ];
    let xml_shapes: Vec<Shape> = vec![
        (
            "docker, after a prefix",
            Box::new(|x: &str| docker(&format!("INFO body: {x}\n"))),
        ),
        (
            "nginx escape=default",
            Box::new(|x: &str| format!("{nginx} \"{}\" \"-\"\n", nginx_escaped(x))),
        ),
        (
            "logfmt, quoted",
            Box::new(|x: &str| format!("level=info msg={} route=/wx\n", quoted(x))),
        ),
    ];
    for (samples, shapes, lane_share) in [(&lines, &json_shapes, 8), (&xml, &xml_shapes, 0)] {
        let plain: String = samples.iter().map(|s| format!("{s}\n\n")).collect();
        // Blank lines keep pretty XML samples apart.
        let expected = what_reports_say(plain.as_bytes());
        assert!(expected.len() >= samples.len());
        for (name, shape) in shapes {
            let logged: String = samples.iter().map(|s| shape(s)).collect();
            same_with_and_without_lane(logged.as_bytes());
            assert_eq!(
                what_reports_say(logged.as_bytes()),
                expected,
                "{name}: {logged}"
            );
            // Most JSON payloads stay on the lane in every shape.
            let reports = lane_reports(logged.as_bytes());
            let (lane, all) = (on_lane(&reports), lane_may_tell(&reports));
            assert!(
                lane * 10 >= all * lane_share,
                "{name}: {lane} of {all} on the lane"
            );
        }
    }
    // Two strings deep is found; three is further than anything looks.
    let two = docker(&format!("{{\"body\":{}}}", quoted(&lines[0])));
    let three = docker(&format!(
        "{{\"a\":{}}}",
        quoted(&format!("{{\"body\":{}}}", quoted(&lines[0])))
    ));
    for (input, found) in [(two, true), (three, false)] {
        same_with_and_without_lane(input.as_bytes());
        let said = what_reports_say(input.as_bytes());
        assert_eq!(
            said.iter().any(|r| !r.starts_with("null")),
            found,
            "{input}"
        );
    }
    // Docker's XML stays on the lane too.
    let docker_xml: String = xml.iter().map(|x| docker(&format!("INFO {x}\n"))).collect();
    let reports = lane_reports(docker_xml.as_bytes());
    assert!(on_lane(&reports) * 10 >= lane_may_tell(&reports) * 8);
}

/// Container records joined around a candidate over the record limit: the
/// lane and the full pipeline join (and skip) the same records. Found by the
/// `lane` fuzz target with its 4 KiB limit.
#[test]
fn container_records_beside_oversized_candidates_read_the_same_with_the_lane() {
    for name in ["docker-broken-json-line.log", "cri-after-open-json.log"] {
        let input = std::fs::read(Path::new("tests/corpus/lane").join(name)).expect("corpus file");
        let (slow, slow_skipped) = run_limited(&input, false, &[], 4096);
        let (fast, fast_skipped) = run_limited(&input, true, &[], 4096);
        assert_eq!(fast, slow, "lane output differs for {name}");
        assert_eq!(fast_skipped, slow_skipped, "{name}");
    }
    // The payload in the string of a broken zap line inside a docker record
    // is found on both paths (it was only on the full pipeline's).
    let input =
        std::fs::read("tests/corpus/lane/docker-broken-json-line.log").expect("corpus file");
    let (fast, _) = run(&input, true, &[]);
    assert!(
        fast.contains(r#""line":4,"column":8,"format":"json","platform":"wecom-kf""#),
        "{fast}"
    );
}
