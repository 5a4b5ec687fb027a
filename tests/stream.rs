//! The "nothing lost" streaming guarantee (reliability research §5.5) and the
//! generated limit cases (§5.4 `limits/`: never committed, built here).
//!
//! * `ten_thousand_line_stream_with_bad_lines_every_97` pipes a 10,000-line stream
//!   through the real `wxmsg parse --format json`, with a malformed line every 97
//!   lines, and checks every payload, every bad line, the exit code and the
//!   child's peak memory.
//! * `good_records_around_random_garbage_all_survive` is the proptest version, in
//!   process, over random garbage.
//! * The rest are limits: 100,000-deep nesting, 20,000 fields, 800,000 attributes.

mod common;

use proptest::prelude::*;
use serde_json::Value as Json;
use std::io::{Read, Write};
use wxmsg::pipeline::{Analyzer, Options};
use wxmsg::render::pretty::{self, PrettyOptions};
use wxmsg::render::report_json;
use wxmsg::report::Report;

// ------------------------------------------------------------------ helpers

/// Every report of `input`, with its JSON rendering parsed back; the human
/// rendering is produced too (and must not panic).
fn analyse(input: &[u8], opts: Options) -> (Vec<Report>, Vec<Json>, u64) {
    let mut an = Analyzer::new(input, "t", opts);
    let mut reports = Vec::new();
    let mut json = Vec::new();
    while let Some(r) = an.next_report().expect("in-memory input cannot fail") {
        let mut out = Vec::new();
        report_json::write_report(&mut out, &r);
        json.push(serde_json::from_slice(&out).expect("the JSON report is JSON"));
        let mut human = Vec::new();
        pretty::write_report(&mut human, &r, &PrettyOptions::default()).unwrap();
        reports.push(r);
    }
    let skipped = an.skipped();
    (reports, json, skipped)
}

fn codes(r: &Json) -> Vec<String> {
    r["diagnostics"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .map(|d| d["code"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// What must be identical between a payload read in a stream and read alone:
/// everything but the position and the source name.
fn essence(r: &Json) -> Json {
    serde_json::json!({
        "format": r["format"],
        "platform": r["platform"],
        "candidates": r["candidates"],
        "type": r["type"],
        "valid": r["valid"],
        "envelope": r["envelope"],
        "embedded_in": r["embedded_in"],
        "codes": codes(r),
        "payload": r["payload"],
    })
}

fn mp_text(content: &str) -> String {
    format!(
        "{{\"ToUserName\":\"gh_83629a3d0dc4\",\"FromUserName\":\"oXx4Ei-KZR8krzwyQX6SXLh2a04k\",\
         \"CreateTime\":1714543012,\"MsgType\":\"text\",\"Content\":{},\"MsgId\":24541098273650418}}",
        serde_json::to_string(content).unwrap()
    )
}

fn kf_text(content: &str) -> String {
    format!(
        "{{\"msgid\":\"from_msgid_4622416642169452483\",\"open_kfid\":\"wkclu4XR26xrWvZYR9VfWiNkCtkSmABU\",\
         \"external_userid\":\"wm1_ry5LTFMovcU7bvALDW_7XSsv1oEz\",\"send_time\":1733901520,\"origin\":3,\
         \"msgtype\":\"text\",\"text\":{{\"content\":{}}}}}",
        serde_json::to_string(content).unwrap()
    )
}

/// `text` as CDATA sections (a `]]>` inside is split across two sections).
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

/// `text` as escaped character data.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn oa_text_xml(content_xml: &str, msgid: u64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_27666c9aaa4e]]></ToUserName>\
         <FromUserName><![CDATA[odGyQgHZBUWOHM-eO48SOqYlLl33]]></FromUserName>\
         <CreateTime>1727321845</CreateTime><MsgType><![CDATA[text]]></MsgType>\
         <Content>{content_xml}</Content><MsgId>{msgid}</MsgId></xml>"
    )
}

// ------------------------------------------------------------------ the CLI stream

/// The malformed inputs placed on every 97th line. Each gets exactly one report:
/// all of them are payload-like (they carry WeChat keys), so none is skipped.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Bad {
    /// A byte that is never UTF-8 inside `Content` → `invalid-utf8`.
    InvalidUtf8,
    /// Cut off inside a string → `truncated` (the next line does not continue it).
    Truncated,
    /// A one-line billion-laughs document (DOCTYPE + `&lol9;`) → `doctype-refused`.
    BillionLaughs,
    /// A 20 MB payload line, over the 16 MiB record limit → `record-too-large`,
    /// skipped without being buffered.
    Huge,
    /// A raw NUL inside a JSON string → `json-syntax`.
    Nul,
    /// A well-formed payload full of terminal escapes: reported, and valid.
    Escapes,
}

const HUGE_LEN: usize = 20 << 20;

/// The kind of bad line on the n-th multiple of 97 (n from 0): the small kinds in
/// turn, and three 20 MB lines (60 MB of input in all).
fn bad_kind(n: usize) -> Bad {
    if matches!(n, 3 | 50 | 100) {
        return Bad::Huge;
    }
    [
        Bad::InvalidUtf8,
        Bad::Truncated,
        Bad::BillionLaughs,
        Bad::Nul,
        Bad::Escapes,
    ][n % 5]
}

fn billion_laughs_line() -> String {
    let mut s = String::from("<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY lol \"lol\">");
    for i in 2..10 {
        let prev = if i == 2 {
            "lol".to_owned()
        } else {
            format!("lol{}", i - 1)
        };
        s.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    s.push_str("]>");
    s.push_str(&oa_text_xml("&lol9;", 1));
    s
}

/// A good line: one of three templates, with text that depends on the line.
fn good_line(line: usize) -> String {
    let text = format!("第{line}行 \"quoted\" & <tag> ]]> 😀");
    match line % 3 {
        0 => mp_text(&text),
        1 => oa_text_xml(&cdata(&text), 24_728_503_316_092_871 + line as u64),
        _ => kf_text(&text),
    }
}

/// One line of the stream (without its newline); `None` for the huge line, which
/// is written in pieces.
fn stream_line(line: usize) -> Option<Vec<u8>> {
    if line % 97 != 0 {
        return Some(good_line(line).into_bytes());
    }
    Some(match bad_kind(line / 97 - 1) {
        Bad::InvalidUtf8 => {
            let mut b = mp_text("caf\u{e9} X").into_bytes();
            let x = b.iter().position(|&c| c == b'X').unwrap();
            b.splice(x..=x, [0xFF, 0xFE]);
            b
        }
        Bad::Truncated => {
            let s = mp_text("cut");
            s.as_bytes()[..s.find("\"MsgType\":\"te").unwrap() + 13].to_vec()
        }
        Bad::BillionLaughs => billion_laughs_line().into_bytes(),
        Bad::Huge => return None,
        Bad::Nul => mp_text("a\u{0}b").replace("\\u0000", "\0").into_bytes(),
        Bad::Escapes => mp_text(
            "\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\u{1b}]8;;http://evil.example/\u{1b}\\x\u{9b}31m\u{202e}\r\u{8}\u{7f}",
        )
        .into_bytes(),
    })
}

/// Writes the whole stream; the huge lines are streamed from a small buffer.
fn write_stream(w: &mut dyn Write, lines: usize) -> std::io::Result<()> {
    let chunk = vec![b'x'; 64 * 1024];
    for line in 1..=lines {
        match stream_line(line) {
            Some(bytes) => w.write_all(&bytes)?,
            None => {
                let head = mp_text("");
                let (open, close) = head.split_at(head.find("\"\",\"MsgId\"").unwrap() + 1);
                w.write_all(open.as_bytes())?;
                let mut left = HUGE_LEN;
                while left > 0 {
                    let n = left.min(chunk.len());
                    w.write_all(&chunk[..n])?;
                    left -= n;
                }
                w.write_all(close.as_bytes())?;
            }
        }
        w.write_all(b"\n")?;
    }
    w.flush()
}

/// Set in the environment of the re-executed test binary (see below).
const HELPER_ENV: &str = "WXMSG_STREAM_TEST_HELPER";

/// Measured in a fresh process of its own (see `common::rerun_alone`).
#[cfg(unix)]
#[test]
fn ten_thousand_line_stream_with_bad_lines_every_97() {
    if std::env::var_os(HELPER_ENV).is_some() {
        return stream_through_the_cli();
    }
    common::rerun_alone(
        "ten_thousand_line_stream_with_bad_lines_every_97",
        HELPER_ENV,
    );
}

#[cfg(unix)]
fn stream_through_the_cli() {
    use std::process::{Command, Stdio};
    const LINES: usize = 10_000;
    // Reaped by `wait_with_rusage` (wait4), which `Child::wait` cannot replace.
    #[allow(clippy::zombie_processes)]
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxmsg"))
        .args([
            "parse",
            "--format",
            "json",
            "--max-record-bytes",
            "16777216",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run wxmsg");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let mut w = std::io::BufWriter::with_capacity(64 * 1024, &mut stdin);
        write_stream(&mut w, LINES)
    });
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .expect("wxmsg output is UTF-8");
    writer.join().unwrap().expect("write the stream");
    let (code, peak) = common::wait_with_rusage(child.id());

    let reports: Vec<Json> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    // One report per line, in input order: 9,897 good, 103 bad.
    assert_eq!(reports.len(), LINES, "one report per line");
    let bad_lines = LINES / 97;
    let mut invalid = 0;
    for (i, r) in reports.iter().enumerate() {
        let line = i + 1;
        assert_eq!(r["line"], line, "report {i} is not for line {line}: {r}");
        if line % 97 != 0 {
            // Identical to the same line analysed alone.
            let (_, alone, _) = analyse(good_line(line).as_bytes(), Options::default());
            assert_eq!(alone.len(), 1, "line {line} alone");
            assert_eq!(essence(r), essence(&alone[0]), "line {line}");
            assert_eq!(r["valid"], true, "line {line}: {r}");
            continue;
        }
        let kind = bad_kind(line / 97 - 1);
        let cs = codes(r);
        let want: &[&str] = match kind {
            Bad::InvalidUtf8 => &["invalid-utf8"],
            Bad::Truncated => &["truncated"],
            Bad::BillionLaughs => &["doctype-refused"],
            Bad::Huge => &["record-too-large"],
            Bad::Nul => &["json-syntax"],
            Bad::Escapes => &[],
        };
        if kind == Bad::Escapes {
            assert_eq!(r["valid"], true, "line {line} ({kind:?}): {r}");
            let (_, alone, _) = analyse(&stream_line(line).unwrap(), Options::default());
            assert_eq!(essence(r), essence(&alone[0]), "line {line}");
        } else {
            invalid += 1;
            assert_eq!(r["valid"], false, "line {line} ({kind:?}): {r}");
            assert!(
                cs.iter().any(|c| want.contains(&c.as_str())),
                "line {line} ({kind:?}): codes {cs:?}, want one of {want:?}"
            );
        }
    }
    let escapes = (0..bad_lines)
        .filter(|&n| bad_kind(n) == Bad::Escapes)
        .count();
    assert_eq!(invalid, bad_lines - escapes);
    assert_eq!(code, 1, "exit code with invalid payloads");
    println!("wxmsg peak RSS: {} KiB", peak / 1024);
    assert!(
        peak < 64 << 20,
        "peak RSS {} KiB is over 64 MiB",
        peak / 1024
    );
}

// ------------------------------------------------------------------ proptest

/// `</xml>` in generated text and garbage: an unclosed `<xml>` in a garbage line
/// must not swallow the good records up to a `</xml>` on a later line.
const CLOSE_TAG: &str = "</xml>";

/// A plain first line before the generated ones (empty: none). Empty, so a first
/// garbage line with NUL bytes must not be taken for UTF-16.
const FIRST_LINE: &[u8] = b"";

/// Text for payload values: CJK, emoji (with ZWJ), quotes, `]]>`, `&`, `<`,
/// backslashes, braces, spaces. No newline (each record is one line).
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9 ]{1,6}",
            Just("中文".to_owned()),
            Just("😀".to_owned()),
            Just("👨\u{200d}👩\u{200d}👧".to_owned()),
            Just("\"".to_owned()),
            Just("'".to_owned()),
            Just("]]>".to_owned()),
            Just("&".to_owned()),
            Just("&amp;".to_owned()),
            Just("<xml>".to_owned()),
            Just(CLOSE_TAG.to_owned()),
            Just("\\".to_owned()),
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("\t".to_owned()),
        ],
        0..8,
    )
    .prop_map(|v| v.concat())
}

/// A valid payload line from one of four templates.
fn good() -> impl Strategy<Value = String> {
    (0..4u8, text(), 1..u64::MAX / 2).prop_map(|(t, s, id)| match t {
        0 => mp_text(&s),
        1 => kf_text(&s),
        2 => oa_text_xml(&cdata(&s), id),
        _ => oa_text_xml(&escaped(&s), id),
    })
}

/// A garbage line: random bytes mixed with fragments that look like the start of a
/// document, so framing is really exercised. Never a `\n`, and never a `}`: with
/// it, garbage lines could wrap good lines into one bigger, perfectly valid JSON
/// document (`{"MsgType":` / good line / `}` is pretty-printed JSON), which is
/// then not garbage any more.
fn garbage() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            proptest::collection::vec(
                any::<u8>().prop_filter("no newline or `}`", |&b| b != b'\n' && b != b'}'),
                0..12
            ),
            Just(b"{".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"\\\"".to_vec()),
            Just(b"\"MsgType\":".to_vec()),
            Just(b"\"ToUserName\":\"gh_1\"".to_vec()),
            Just(b"<xml>".to_vec()),
            Just(CLOSE_TAG.as_bytes().to_vec()),
            Just(b"<![CDATA[".to_vec()),
            Just(b"]]>".to_vec()),
            Just(b"&".to_vec()),
            Just(b"\xff".to_vec()),
            Just(b"\0".to_vec()),
            Just(b"\r".to_vec()),
            Just("\u{feff}".as_bytes().to_vec()),
        ],
        0..6,
    )
    .prop_map(|v| v.concat())
}

#[derive(Clone, Debug)]
enum Line {
    Good(String),
    Garbage(Vec<u8>),
}

fn lines() -> impl Strategy<Value = Vec<Line>> {
    proptest::collection::vec(
        prop_oneof![
            good().prop_map(Line::Good),
            garbage().prop_map(Line::Garbage),
        ],
        1..24,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Every good record is reported exactly once, in order, on its own line,
    /// exactly as if it were alone, whatever garbage surrounds it.
    #[test]
    fn good_records_around_random_garbage_all_survive(input in lines(), crlf in any::<bool>()) {
        let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        let mut bytes = Vec::new();
        let mut good_lines = Vec::new();
        let skip = usize::from(!FIRST_LINE.is_empty());
        if skip == 1 {
            bytes.extend_from_slice(FIRST_LINE);
            bytes.extend_from_slice(eol);
        }
        for (i, l) in input.iter().enumerate() {
            let i = i + skip;
            match l {
                Line::Good(s) => {
                    bytes.extend_from_slice(s.as_bytes());
                    good_lines.push((i + 1, s));
                }
                Line::Garbage(g) => bytes.extend_from_slice(g),
            }
            bytes.extend_from_slice(eol);
        }
        let (_, reports, _) = analyse(&bytes, Options::default());
        let on_good: Vec<&Json> = reports
            .iter()
            .filter(|r| good_lines.iter().any(|(l, _)| r["line"] == *l))
            .collect();
        prop_assert_eq!(on_good.len(), good_lines.len(), "reports: {:#?}", reports);
        let mut last_line = 0;
        for r in &reports {
            let line = r["line"].as_u64().unwrap_or(0);
            prop_assert!(line >= last_line, "reports out of order: {:#?}", reports);
            last_line = line;
        }
        for ((line, text), r) in good_lines.iter().zip(&on_good) {
            prop_assert_eq!(&r["line"], &Json::from(*line));
            let (_, alone, _) = analyse(text.as_bytes(), Options::default());
            prop_assert_eq!(alone.len(), 1);
            prop_assert_eq!(essence(r), essence(&alone[0]), "line {}", line);
            prop_assert_eq!(&r["valid"], &Json::Bool(true), "line {}: {}", line, r);
        }
    }
}

// ------------------------------------------------------------------ limits

fn only_report(input: &[u8], opts: Options) -> Json {
    let (_, reports, _) = analyse(input, opts);
    assert_eq!(reports.len(), 1, "{reports:#?}");
    reports.into_iter().next().unwrap()
}

fn assert_code(r: &Json, code: &str) {
    assert_eq!(r["valid"], false, "{r}");
    assert!(codes(r).iter().any(|c| c == code), "want {code}: {r}");
}

/// J1: 100,000 nested arrays (and objects) inside a payload-like object.
#[test]
fn json_nested_100000_deep_is_too_deep() {
    let depth = 100_000;
    let mut arrays = String::from("{\"MsgType\":\"text\",\"x\":");
    arrays.push_str(&"[".repeat(depth));
    arrays.push_str(&"]".repeat(depth));
    arrays.push_str("}\n");
    assert_code(
        &only_report(arrays.as_bytes(), Options::default()),
        "too-deep",
    );

    let mut objects = String::from("{\"MsgType\":\"text\",\"x\":");
    objects.push_str(&"{\"a\":".repeat(depth));
    objects.push('1');
    objects.push_str(&"}".repeat(depth));
    objects.push_str("}\n");
    assert_code(
        &only_report(objects.as_bytes(), Options::default()),
        "too-deep",
    );

    // Unclosed: the input ends 100,000 levels deep.
    let open = format!("{{\"MsgType\":\"text\",\"x\":{}", "[".repeat(depth));
    let r = only_report(open.as_bytes(), Options::default());
    assert_eq!(r["valid"], false, "{r}");
}

/// X12: 100,000 nested elements.
#[test]
fn xml_nested_100000_deep_is_too_deep() {
    let depth = 100_000;
    let mut s = String::from("<xml><MsgType><![CDATA[text]]></MsgType><x>");
    s.push_str(&"<a>".repeat(depth));
    s.push_str(&"</a>".repeat(depth));
    s.push_str("</x></xml>\n");
    assert_code(&only_report(s.as_bytes(), Options::default()), "too-deep");

    let open = format!("<xml><MsgType>text</MsgType>{}", "<a>".repeat(depth));
    let r = only_report(open.as_bytes(), Options::default());
    assert_eq!(r["valid"], false, "{r}");
}

/// 20,000 fields against the default limit of 10,000, in JSON and in XML.
#[test]
fn twenty_thousand_fields_are_too_many() {
    let opts = Options::default();
    assert_eq!(opts.scan.limits.max_fields, 10_000);
    let mut json = String::from("{\"MsgType\":\"text\"");
    for i in 0..20_000 {
        json.push_str(&format!(",\"k{i}\":{i}"));
    }
    json.push_str("}\n");
    assert_code(
        &only_report(json.as_bytes(), opts.clone()),
        "too-many-fields",
    );

    let mut xml = String::from("<xml><MsgType><![CDATA[text]]></MsgType>");
    for i in 0..20_000 {
        xml.push_str(&format!("<k{i}>{i}</k{i}>"));
    }
    xml.push_str("</xml>\n");
    assert_code(&only_report(xml.as_bytes(), opts), "too-many-fields");
}

/// X13: one element with 800,000 attributes (about 10 MB, inside the 16 MiB record
/// limit). quick-xml before 0.41 checked duplicates quadratically; this must simply
/// complete and report the attributes. No timing assertion.
#[test]
fn eight_hundred_thousand_attributes_complete() {
    let mut s = String::with_capacity(12 << 20);
    s.push_str("<xml><ToUserName");
    for i in 0..800_000 {
        s.push_str(&format!(" a{i}=\"\""));
    }
    s.push_str(
        "><![CDATA[gh_27666c9aaa4e]]></ToUserName><MsgType><![CDATA[text]]></MsgType></xml>\n",
    );
    assert!(s.len() < 16 << 20, "{} bytes", s.len());
    let r = only_report(s.as_bytes(), Options::default());
    assert!(codes(&r).iter().any(|c| c == "xml-attribute"), "{r}");
    let text = r.to_string();
    assert!(
        text.len() < 64 * 1024,
        "the report quotes {} bytes",
        text.len()
    );

    // The same attribute 800,000 times.
    let mut d = String::with_capacity(12 << 20);
    d.push_str("<xml><ToUserName");
    for _ in 0..800_000 {
        d.push_str(" a=\"\"");
    }
    d.push_str(
        "><![CDATA[gh_27666c9aaa4e]]></ToUserName><MsgType><![CDATA[text]]></MsgType></xml>\n",
    );
    let (reports, _, _) = analyse(d.as_bytes(), Options::default());
    assert_eq!(reports.len(), 1);
}

/// X13: 100,000 namespace declarations on one element (RUSTSEC-2026-0195 hit
/// `NsReader`; wxmsg uses a plain reader): completes, reports the attributes.
#[test]
fn hundred_thousand_namespace_declarations_complete() {
    let mut s = String::from("<xml");
    for i in 0..100_000 {
        s.push_str(&format!(" xmlns:p{i}=\"urn:x:{i}\""));
    }
    s.push_str("><ToUserName><![CDATA[gh_27666c9aaa4e]]></ToUserName><MsgType><![CDATA[text]]></MsgType></xml>\n");
    let r = only_report(s.as_bytes(), Options::default());
    assert!(codes(&r).iter().any(|c| c == "xml-attribute"), "{r}");
}

/// F10: the reader of wxmsg's output goes away early (`wxmsg parse big.log | head
/// -1`): wxmsg stops quietly, without a panic or a "Broken pipe" error.
#[cfg(unix)]
#[test]
fn closed_output_pipe_is_a_quiet_exit() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxmsg"))
        .arg("parse")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wxmsg");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        // Fails with EPIPE once wxmsg has gone: that is expected.
        for line in 1..=200_000 {
            if writeln!(stdin, "{}", good_line(line)).is_err() {
                break;
            }
        }
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty());
    // Dropping the read end closes the pipe.
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.to_lowercase().contains("broken pipe"), "{err}");
    assert_ne!(out.status.code(), Some(101), "{err}");
}

/// L1: a 1 MB line of `{`: a million candidate starts, none of them a payload.
/// Must stay linear: a failed candidate is judged by what was read before its
/// problem, not by the rest of its line.
#[test]
fn brace_flood_line_is_linear() {
    let mut s = "{".repeat(1 << 20);
    s.push('\n');
    s.push_str(&good_line(2));
    s.push('\n');
    let (_, reports, skipped) = analyse(s.as_bytes(), Options::default());
    assert_eq!(reports.len(), 1, "{reports:#?}");
    assert_eq!(reports[0]["line"], 2);
    assert_eq!(skipped, 1);
}

/// F1/L3: a document left open, followed by a million short lines that could
/// still continue it (blank for JSON, text for XML), up to the record limit.
/// Must stay linear: the structural scan runs once per buffer fill, not once
/// per line, and consumed lines are dropped in bulk.
#[test]
fn open_document_over_many_lines_is_linear() {
    for open in ["{\"MsgType\":\n", "<xml>\n"] {
        let mut s = String::from(open);
        s.push_str(&" \n".repeat(1_000_000));
        s.push_str(&good_line(3));
        s.push('\n');
        let (_, reports, _) = analyse(s.as_bytes(), Options::default());
        assert_eq!(reports.last().unwrap()["valid"], true, "{open}");
    }
}
