//! End-to-end tests of payloads spread over several records of a container
//! runtime's log: docker's json-file driver (one JSON object a line, a long
//! line split into records whose `log` does not end in `\n`) and the CRI
//! format of a Kubernetes node's files (`<time> <stream> <P|F> <text>`).
//! Records of one stream are joined while their text runs on; other streams'
//! records in between are read in their turn.

use serde_json::Value;
#[path = "common/parse_json.rs"]
mod parse_json;
use parse_json::{reports, wxmsg};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

/// (line, column, type, valid, embedded_in, first error's code and line:column) per report.
fn summary(reps: &[Value]) -> Vec<(u64, u64, String, bool, String, String)> {
    reps.iter()
        .map(|r| {
            let error = r["diagnostics"]
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
                r["type"].as_str().unwrap_or("?").to_string(),
                r["valid"].as_bool().unwrap(),
                r["embedded_in"].as_str().unwrap_or("null").to_string(),
                error,
            )
        })
        .collect()
}

fn row(
    line: u64,
    column: u64,
    ty: &str,
    valid: bool,
    embedded: &str,
    error: &str,
) -> (u64, u64, String, bool, String, String) {
    (
        line,
        column,
        ty.to_string(),
        valid,
        embedded.to_string(),
        error.to_string(),
    )
}

/// A docker json-file record of `text` on `stream`, as docker writes it.
fn docker(text: &str, stream: &str) -> String {
    let mut line = serde_json::to_string(&serde_json::json!({
        "log": text,
        "stream": stream,
        "time": "2026-11-20T02:00:00.000000001Z",
    }))
    .unwrap();
    line.push('\n');
    line
}

/// A CRI record of `text` on `stream` with `tag` (`P` or `F`).
fn cri(text: &str, stream: &str, tag: char) -> String {
    format!("2026-11-20T02:00:00.000000001Z {stream} {tag} {text}\n")
}

/// The column of a CRI record's text (`2026-11-20T02:00:00.000000001Z stdout F `).
const CRI_TEXT: u64 = 41;

/// A WeChat XML push as a server receives it: one element a line.
const XML_LINES: &[&str] = &[
    "<xml>",
    "  <ToUserName><![CDATA[gh_27666c9aaa4e]]></ToUserName>",
    "  <FromUserName><![CDATA[odGyQgHZBUWOHM-eO48SOqYlLl33]]></FromUserName>",
    "  <CreateTime>1727323260</CreateTime>",
    "  <MsgType><![CDATA[event]]></MsgType>",
    "  <Event><![CDATA[CLICK]]></Event>",
    "  <EventKey><![CDATA[V1001_MEMBER_POINTS]]></EventKey>",
    "</xml>",
];

const JT: &str = r#"{"ToUserName":"gh_83629a3d0dc4","FromUserName":"oXx4Ei-KZR8krzwyQX6SXLh2a04k","CreateTime":1714542988,"MsgType":"event","Event":"user_enter_tempsession","SessionFrom":"order_detail"}"#;

fn pretty_json() -> Vec<String> {
    let v: Value = serde_json::from_str(JT).unwrap();
    serde_json::to_string_pretty(&v)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

const PREFIX: &str = "2026-11-20 10:00:01.118 INFO recv: ";

/// The XML push logged by an application in a container, one record a line,
/// with `between` written after the record of line `at`.
fn docker_xml(at: usize, between: &str) -> String {
    let mut s = String::new();
    for (i, l) in XML_LINES.iter().enumerate() {
        let text = if i == 0 {
            format!("{PREFIX}{l}\n")
        } else {
            format!("{l}\n")
        };
        s.push_str(&docker(&text, "stdout"));
        if i == at {
            s.push_str(between);
        }
    }
    s
}

#[test]
fn a_multi_line_xml_push_in_docker_records_is_one_payload() {
    let start = docker("2026-11-20 10:00:00.001 INFO starting\n", "stdout");
    let input = format!("{start}{}", docker_xml(usize::MAX, ""));
    let (code, reps) = reports(&input);
    assert_eq!(code, 0, "{reps:#?}");
    // Where a payload in a docker record always points: its `log` string.
    assert_eq!(
        summary(&reps),
        vec![row(2, 8, "event.CLICK", true, "/log", "")]
    );
    assert_eq!(
        reps[0]["payload"]["EventKey"], "V1001_MEMBER_POINTS",
        "{reps:#?}"
    );
}

#[test]
fn records_of_the_other_stream_in_between_are_read_in_their_turn() {
    // A stderr record in the middle of the stdout payload, holding a payload
    // of its own, and one that holds none.
    let between = docker(&format!("2026-11-20 WARN slow: {JT}\n"), "stderr")
        + &docker("2026-11-20 WARN pool exhausted\n", "stderr");
    let input = docker_xml(2, &between);
    let (code, reps) = reports(&input);
    assert_eq!(code, 0, "{reps:#?}");
    assert_eq!(
        summary(&reps),
        vec![
            row(1, 8, "event.CLICK", true, "/log", ""),
            row(4, 8, "event.user_enter_tempsession", true, "/log", ""),
        ]
    );
}

#[test]
fn payloads_on_stdout_and_stderr_at_once_are_joined_per_stream() {
    let mut input = String::new();
    for l in XML_LINES {
        input.push_str(&docker(&format!("{l}\n"), "stdout"));
        input.push_str(&docker(&format!("{l}\n"), "stderr"));
    }
    let (code, reps) = reports(&input);
    assert_eq!(code, 0, "{reps:#?}");
    assert_eq!(
        summary(&reps),
        vec![
            row(1, 8, "event.CLICK", true, "/log", ""),
            row(2, 8, "event.CLICK", true, "/log", ""),
        ]
    );
}

#[test]
fn pretty_printed_json_in_docker_records_is_one_payload() {
    let lines = pretty_json();
    let mut input = docker(&format!("{PREFIX}{}\n", lines[0]), "stdout");
    for l in &lines[1..] {
        input.push_str(&docker(&format!("{l}\n"), "stdout"));
    }
    let (code, reps) = reports(&input);
    assert_eq!(code, 0, "{reps:#?}");
    assert_eq!(
        summary(&reps),
        vec![row(1, 8, "event.user_enter_tempsession", true, "/log", "")]
    );
}

#[test]
fn a_line_docker_split_is_joined_whatever_the_cut() {
    // Docker splits a line over 16 KiB into records whose `log` has no `\n`
    // but the last: every cut, through a tag, a CDATA section or a
    // character, joins back.
    let line = format!("{PREFIX}{}", XML_LINES.concat());
    let json = format!("{PREFIX}{JT}");
    for text in [&line, &json] {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        for k in (1..chars.len()).step_by(7) {
            let cut = chars[k].0;
            let input =
                docker(&text[..cut], "stdout") + &docker(&format!("{}\n", &text[cut..]), "stdout");
            let (code, reps) = reports(&input);
            assert_eq!(code, 0, "cut at {cut}: {reps:#?}");
            assert_eq!(reps.len(), 1, "cut at {cut}: {reps:#?}");
            // At the record holding the payload's first character.
            let line: u64 = if cut <= PREFIX.len() { 2 } else { 1 };
            assert_eq!(
                (&reps[0]["line"], &reps[0]["column"]),
                (&line.into(), &8.into()),
                "cut at {cut}"
            );
        }
    }
    // A line split in three, with a stderr record between the pieces.
    let third = line.len() / 3;
    let input = docker(&line[..third], "stdout")
        + &docker("oops\n", "stderr")
        + &docker(&line[third..2 * third], "stdout")
        + &docker(&format!("{}\n", &line[2 * third..]), "stdout");
    let (code, reps) = reports(&input);
    assert_eq!(code, 0, "{reps:#?}");
    assert_eq!(
        summary(&reps),
        vec![row(1, 8, "event.CLICK", true, "/log", "")]
    );
}

#[test]
fn cri_records_are_joined_with_their_columns_in_the_file() {
    let mut input = cri("2026-11-20 10:00:00.001 INFO starting", "stdout", 'F');
    for (i, l) in XML_LINES.iter().enumerate() {
        let text = if i == 0 {
            format!("{PREFIX}{l}")
        } else {
            l.to_string()
        };
        input.push_str(&cri(&text, "stdout", 'F'));
        if i == 3 {
            input.push_str(&cri("2026-11-20 WARN slow", "stderr", 'F'));
        }
    }
    // A partial line (`P`) continued by the next record of its stream.
    let one = format!("{PREFIX}{}", XML_LINES.concat());
    input.push_str(&cri(&one[..60], "stdout", 'P'));
    input.push_str(&cri(&one[60..], "stdout", 'F'));
    // A payload within one record keeps its exact place and no embedding.
    input.push_str(&cri(&format!("{PREFIX}{JT}"), "stdout", 'F'));
    let (code, reps) = reports(&input);
    assert_eq!(code, 0, "{reps:#?}");
    let at = CRI_TEXT + PREFIX.len() as u64;
    assert_eq!(
        summary(&reps),
        vec![
            row(2, at, "event.CLICK", true, "/log", ""),
            row(11, at, "event.CLICK", true, "/log", ""),
            row(13, at, "event.user_enter_tempsession", true, "null", ""),
        ]
    );
}

#[test]
fn findings_of_a_joined_payload_point_at_where_it_starts() {
    // No MsgType: the finding of the whole document is at its start.
    let lines: Vec<&str> = XML_LINES
        .iter()
        .copied()
        .filter(|l| !l.contains("MsgType"))
        .collect();
    let input: String = lines.iter().map(|l| cri(l, "stdout", 'F')).collect();
    let (code, reps) = reports(&input);
    assert_eq!(code, 1, "{reps:#?}");
    assert_eq!(reps.len(), 1, "{reps:#?}");
    for d in reps[0]["diagnostics"].as_array().unwrap() {
        assert_eq!(
            (&d["line"], &d["column"]),
            (&1.into(), &CRI_TEXT.into()),
            "{d}"
        );
    }
}

#[test]
fn a_payload_cut_off_is_not_merged_with_the_next_one() {
    // The application logged an `<xml>` cut short; its next log record holds
    // a whole payload: two reports, the first truncated where it was cut.
    let input = docker(&format!("{PREFIX}{}\n", XML_LINES[0]), "stdout")
        + &docker(&format!("{}\n", XML_LINES[1]), "stdout")
        + &docker(&format!("{PREFIX}{}\n", XML_LINES.concat()), "stdout");
    let (code, reps) = reports(&input);
    assert_eq!(code, 1, "{reps:#?}");
    assert_eq!(
        summary(&reps),
        vec![
            row(1, 8, "?", false, "null", "truncated 2:8"),
            row(3, 8, "event.CLICK", true, "/log", ""),
        ]
    );
    // The same in CRI records, the cut pointed at in the file.
    let input = cri(&format!("{PREFIX}{}", XML_LINES[0]), "stdout", 'F')
        + &cri(XML_LINES[1], "stdout", 'F')
        + &cri(&format!("{PREFIX}{}", XML_LINES.concat()), "stdout", 'F');
    let (_, reps) = reports(&input);
    let at = CRI_TEXT + PREFIX.len() as u64;
    let end = CRI_TEXT + XML_LINES[1].chars().count() as u64;
    assert_eq!(
        summary(&reps),
        vec![
            row(1, at, "?", false, "null", &format!("truncated 2:{end}")),
            // Within one record: its exact place, as without a join.
            row(3, at, "event.CLICK", true, "null", ""),
        ]
    );
}

#[test]
fn a_payload_the_input_ends_in_is_reported_truncated_at_its_records() {
    let input = docker(&format!("{PREFIX}{}\n", XML_LINES[0]), "stdout")
        + &docker(&format!("{}\n", XML_LINES[1]), "stdout");
    let (code, reps) = reports(&input);
    assert_eq!(code, 1, "{reps:#?}");
    assert_eq!(
        summary(&reps),
        vec![row(1, 8, "?", false, "null", "truncated 2:8")]
    );
    let message = reps[0]["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("starts at 1:8"), "{message}");
}

#[test]
fn validate_and_convert_read_joined_payloads() {
    let input = docker_xml(usize::MAX, "");
    let out = wxmsg()
        .args(["validate", "--quiet"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = wxmsg()
        .args(["convert", "--to", "json"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["Event"], "CLICK");
    assert_eq!(v["CreateTime"], 1727323260);
}

#[test]
fn bundled_container_fixtures_yield_every_payload_where_it_starts() {
    let out = wxmsg()
        .args(["parse", "--format", "json"])
        .args([
            "fixtures/logs/docker-multiline.log",
            "fixtures/logs/cri.log",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let reps: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(String, u64, u64, String, String)> = reps
        .iter()
        .map(|r| {
            (
                r["source"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
                r["column"].as_u64().unwrap(),
                r["type"].as_str().unwrap().to_string(),
                r["embedded_in"].as_str().unwrap_or("null").to_string(),
            )
        })
        .collect();
    let want = [
        ("docker-multiline", 2, 8, "event.subscribe", "/log"),
        (
            "docker-multiline",
            12,
            8,
            "event.user_enter_tempsession",
            "/log",
        ),
        ("docker-multiline", 20, 8, "event.enter_session", "/log"),
        ("cri", 2, 102, "event.CLICK", "/log"),
        ("cri", 11, 102, "event.CLICK", "/log"),
        ("cri", 14, 95, "event.enter_session", "null"),
    ];
    let want: Vec<(String, u64, u64, String, String)> = want
        .iter()
        .map(|&(f, l, c, t, e)| {
            (
                format!("fixtures/logs/{f}.log"),
                l,
                c,
                t.to_string(),
                e.to_string(),
            )
        })
        .collect();
    assert_eq!(got, want);
}

/// `tail -f` on a container's log: the payload is shown as soon as its last
/// record arrives, with the input still open.
#[test]
fn a_joined_payload_is_shown_when_its_last_record_arrives() {
    let bin = assert_cmd::cargo::cargo_bin("wxmsg");
    let mut child = std::process::Command::new(bin)
        .args(["parse", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    for round in 0..2u64 {
        for (i, l) in XML_LINES.iter().enumerate() {
            stdin
                .write_all(docker(&format!("{l}\n"), "stdout").as_bytes())
                .unwrap();
            stdin.flush().unwrap();
            if i + 1 < XML_LINES.len() {
                continue;
            }
            let line = rx
                .recv_timeout(Duration::from_secs(20))
                .expect("report printed before stdin closed");
            let v: Value = serde_json::from_str(&line).unwrap();
            assert_eq!(v["line"], round * XML_LINES.len() as u64 + 1);
            assert_eq!(v["type"], "event.CLICK");
        }
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    assert!(rx.recv_timeout(Duration::from_secs(5)).is_err());
}

#[test]
fn a_large_container_log_reads_the_same_on_one_thread_and_on_several() {
    // Joined payloads across the places a parallel run cuts the input at.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let mut text = String::new();
    let mut k = 0;
    while text.len() < 3 << 20 {
        k += 1;
        match k % 4 {
            0 => text.push_str(&docker_xml(k % 7, &docker("WARN x\n", "stderr"))),
            1 => {
                for l in pretty_json() {
                    text.push_str(&cri(&l, "stdout", 'F'));
                }
            }
            2 => text.push_str(&docker(&format!("{PREFIX}{JT}\n"), "stdout")),
            _ => {
                let one = format!("{PREFIX}{}", XML_LINES.concat());
                text.push_str(&docker(&one[..k % 50 + 1], "stdout"));
                text.push_str(&docker(&format!("{}\n", &one[k % 50 + 1..]), "stdout"));
            }
        }
    }
    std::fs::write(&path, &text).unwrap();
    let run = |threads: &str| {
        let out = wxmsg()
            .env("WXMSG_THREADS", threads)
            .args(["parse", "--format", "json", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("4"));
    assert_eq!(String::from_utf8(one).unwrap().lines().count(), k);
}

#[test]
fn a_structured_line_spread_over_records_is_walked_as_its_record_string() {
    // A JSON log line pretty-printed by the application: its `body` string
    // holds the payload, found under `/log/body` as in a one-record line.
    let line = serde_json::json!({"level": "info", "body": JT});
    let text = serde_json::to_string_pretty(&line).unwrap();
    let input: String = text
        .lines()
        .map(|l| docker(&format!("{l}\n"), "stdout"))
        .collect();
    let (code, reps) = reports(&input);
    assert_eq!(code, 0, "{reps:#?}");
    assert_eq!(
        summary(&reps),
        vec![row(
            1,
            8,
            "event.user_enter_tempsession",
            true,
            "/log/body",
            ""
        )]
    );
    // A string deeper than a record's own walk looks is not looked into.
    let deeper = serde_json::json!({"a": serde_json::to_string(&line).unwrap()});
    let text = serde_json::to_string_pretty(&deeper).unwrap();
    let input: String = text
        .lines()
        .map(|l| docker(&format!("{l}\n"), "stdout"))
        .collect();
    let (_, reps) = reports(&input);
    // (The input's only document, it is said to be no payload.)
    assert!(reps.iter().all(|r| r["type"].is_null()), "{reps:#?}");
}

#[test]
fn a_last_record_without_its_line_break_reads_as_before() {
    // Nothing follows a partial record: it is read as any record is.
    let input = docker(&format!("{PREFIX}{JT}"), "stdout");
    let (code, reps) = reports(&input);
    assert_eq!(code, 0, "{reps:#?}");
    assert_eq!(
        summary(&reps),
        vec![row(1, 8, "event.user_enter_tempsession", true, "/log", "")]
    );
}
