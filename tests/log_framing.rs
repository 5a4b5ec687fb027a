//! End-to-end tests of how payloads are framed in application logs: a broken
//! payload never hides the ones after it, floods stay linear, and an `<xml>`
//! a logger cut short ends where the next log record starts.

use serde_json::Value;
#[path = "common/parse_json.rs"]
mod parse_json;
use parse_json::{reports, wxmsg};

/// (line, column, valid, first diagnostic's code and line:column) per report.
fn summary(reps: &[Value]) -> Vec<(u64, u64, bool, String)> {
    reps.iter()
        .map(|r| {
            let d = r["diagnostics"]
                .as_array()
                .and_then(|ds| {
                    ds.iter().find(|d| d["severity"] == "error").map(|d| {
                        format!(
                            "{} {}:{}",
                            d["code"].as_str().unwrap(),
                            d["line"],
                            d["column"]
                        )
                    })
                })
                .unwrap_or_default();
            (
                r["line"].as_u64().unwrap(),
                r["column"].as_u64().unwrap(),
                r["valid"].as_bool().unwrap(),
                d,
            )
        })
        .collect()
}

const JT: &str = r#"{"ToUserName":"gh_4f2a9c7e1b3d","FromUserName":"oR3Kx5d_9TqLmA2vYpW7cN1eZbG4","CreateTime":1736908245,"MsgType":"text","Content":"你好","MsgId":24880237586741259}"#;
const XT: &str = "<xml><ToUserName><![CDATA[gh_8e3b6f1a9d24]]></ToUserName><FromUserName><![CDATA[oR3Kx5d_9TqLmA2vYpW7cN1eZbG4]]></FromUserName><CreateTime>1736908245</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content><MsgId>24880237586741259</MsgId></xml>";

/// sweepC #1: a JSON payload broken inside a value (an unescaped quote, a
/// letter in a number) hid every payload after it on its line.
#[test]
fn a_broken_json_payload_does_not_hide_the_rest_of_its_line() {
    let quote = JT.replace("你好", r#"he said "hi""#);
    let number = JT.replace("24880237586741259", "2488023758674125x");
    let input = format!(
        "2026 INFO batch [{quote},{JT}]\n2026 INFO a {number} b {JT}\n2026 INFO a {number} b {XT}\n"
    );
    let (code, reps) = reports(&input);
    assert_eq!(code, 1);
    let got = summary(&reps);
    let col = |line: &str, s: &str| line[..line.find(s).unwrap()].chars().count() as u64 + 1;
    let l1 = format!("2026 INFO batch [{quote},{JT}]");
    let l2 = format!("2026 INFO a {number} b {JT}");
    let l3 = format!("2026 INFO a {number} b {XT}");
    let bad_quote = format!("json-syntax 1:{}", col(&l1, "hi\"\""));
    let bad_number = |l: u32, line: &str| format!("json-syntax {l}:{}", col(line, "x}"));
    assert_eq!(
        got,
        vec![
            (1, 18, false, bad_quote),
            (1, col(&l1, &format!(",{JT}")) + 1, true, String::new()),
            (2, 13, false, bad_number(2, &l2)),
            (2, col(&l2, &format!(" b {JT}")) + 3, true, String::new()),
            (3, 13, false, bad_number(3, &l3)),
            (3, col(&l3, "<xml>"), true, String::new()),
        ]
    );
}

/// sweepC #1, in string fields: a zap body holding `[{broken},{good}]` or
/// `{broken} {good}`, and a docker line's log string, report both.
#[test]
fn a_broken_json_payload_in_a_string_field_does_not_hide_the_next() {
    let quote = JT.replace("你好", r#"he said "hi""#);
    let number = JT.replace("24880237586741259", "2488023758674125x");
    let line = |key: &str, text: String| serde_json::json!({ key: text }).to_string();
    let input = [
        line("body", format!("[{quote},{JT}]")),
        line("body", format!("{number} {JT}")),
        line("log", format!("INFO recv {quote} {JT}\n")),
    ]
    .join("\n")
        + "\n";
    let (code, reps) = reports(&input);
    assert_eq!(code, 1);
    let got: Vec<(u64, bool)> = reps
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["valid"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, false),
            (1, true),
            (2, false),
            (2, true),
            (3, false),
            (3, true)
        ],
        "{reps:#?}"
    );
}

/// sweepC #6: a line of many `<xml>` openings (self-closed, left open, with
/// an element, with escaped line breaks) is read in linear time: 200,000 of
/// them (about 1.2 MB) took minutes when each searched the rest of the line
/// (400,000 are read here).
/// So did openings each left inside an unclosed CDATA section or comment,
/// where every one searched the rest of the line for the section's end.
#[test]
fn a_flood_of_xml_openings_on_one_line_is_read_in_linear_time() {
    for unit in [
        "<xml/>",
        "<xml> ",
        "<xml><a>",
        "<xml>\\n<A>",
        "<xml><![CDATA[",
        "<xml><a><!--",
        "<![CDATA[<xml>",
    ] {
        let input = format!("2026 INFO {}\n", unit.repeat(400_000));
        let start = std::time::Instant::now();
        let out = wxmsg()
            .args(["parse", "--format", "json"])
            .write_stdin(input)
            .output()
            .unwrap();
        let took = start.elapsed();
        assert!(out.status.code().is_some(), "{unit}");
        assert!(took.as_secs() < 20, "{unit}: {took:?}");
    }
}

/// sweepC #2: an XML payload a logger cut inside CDATA no longer swallows
/// the records after it into one bogus valid payload: it is `truncated` at
/// the end of its line (naming the logger's marker), and the payloads on the
/// next records are each found.
#[test]
fn an_xml_cut_inside_cdata_does_not_swallow_the_next_records() {
    let cut = &XT[..XT.find("gh_8e3b").unwrap() + 4];
    let content_cut = format!("{}你...(truncated)", &XT[..XT.find("你好").unwrap()]);
    for (first, marker) in [
        (cut.to_string(), None),
        (content_cut, Some("...(truncated)")),
    ] {
        let input = format!(
            "2026-01-05 10:00:00.001 INFO [exec-1] recv {first}\n2026-01-05 10:00:00.002 INFO [exec-2] recv {JT}\n2026-01-05 10:00:00.003 INFO [exec-3] recv {XT}\n"
        );
        let (code, reps) = reports(&input);
        assert_eq!(code, 1);
        let got = summary(&reps);
        let end = 44 + first.chars().count() as u64;
        assert_eq!(
            got,
            vec![
                (1, 44, false, format!("truncated 1:{end}")),
                (2, 44, true, String::new()),
                (3, 44, true, String::new()),
            ]
        );
        let message = reps[0]["diagnostics"][0]["message"].as_str().unwrap();
        if let Some(m) = marker {
            assert!(message.contains(m), "{message}");
        }
    }
    // A payload whose CDATA text runs over several lines is still one.
    let multi = XT.replace("你好", "第一行\n第二行\n  第三行");
    let (code, reps) = reports(&format!("2026-01-05 10:00:00.001 INFO recv {multi}\n"));
    assert_eq!(
        (code, summary(&reps)),
        (0, vec![(1, 35, true, String::new())])
    );
}

/// sweepC #8: an `<xml>` cut on its line and followed by a stack trace is
/// reported cut at the end of its own line, not of the trace's last line.
#[test]
fn an_xml_cut_before_a_stack_trace_points_at_its_own_line() {
    let head = "2026-01-05 10:00:00.001 ERROR [exec-1] failed to handle <xml><ToUserName><![CDATA[gh_8e3b6f1a9d24]]></ToUserName>";
    let input = format!(
        "{head}\njava.lang.IllegalStateException: bad payload\n\tat com.example.Handler.handle(Handler.java:42)\nCaused by: com.example.ParseException: body={JT}\n\t... 42 more\n2026-01-05 10:00:00.002 INFO [exec-1] recv {XT}\n"
    );
    let (_, reps) = reports(&input);
    let got = summary(&reps);
    let end = head.chars().count() as u64 + 1;
    assert_eq!(got[0], (1, 57, false, format!("truncated 1:{end}")));
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!((got[1].0, got[1].2), (4, true));
    assert_eq!((got[2].0, got[2].2), (6, true));
}

/// sweepB #5: a trailing comma or a missing comma in a pretty-printed JSON
/// file is reported as the syntax error it is, where it is, not as a cut.
#[test]
fn a_syntax_error_in_pretty_printed_json_is_no_cut() {
    for (text, at) in [
        ("{\n  \"ToUserName\": \"gh_1\",\n  \"MsgType\": \"text\",\n}\n", "4:1"),
        (
            "{\n  \"ToUserName\": \"gh_1\",\n  \"FromUserName\": \"o1\"\n  \"MsgType\": \"text\"\n}\n",
            "4:3",
        ),
    ] {
        let (code, reps) = reports(text);
        assert_eq!(code, 1);
        assert_eq!(summary(&reps)[0].3, format!("json-syntax {at}"), "{text}");
    }
}
