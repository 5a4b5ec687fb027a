//! End-to-end tests of how payloads are framed in application logs: a broken
//! payload never hides the ones after it, floods stay linear, and an `<xml>`
//! a logger cut short ends where the next log record starts.

use assert_cmd::Command;
use serde_json::Value;

fn wxmsg() -> Command {
    let mut c = Command::cargo_bin("wxmsg").unwrap();
    c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    c
}

/// Runs `wxmsg parse --format json` on `stdin`: (exit code, reports).
fn reports(stdin: &str) -> (i32, Vec<Value>) {
    let out = wxmsg()
        .args(["parse", "--format", "json"])
        .write_stdin(stdin)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let reps = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (out.status.code().unwrap_or(-1), reps)
}

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
