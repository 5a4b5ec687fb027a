//! End-to-end tests of the `wxmsg` binary: framing, detection, validation,
//! reports, conversion, exit codes, streaming and escaping.

use serde_json::Value;
#[path = "common/parse_json.rs"]
mod parse_json;
use parse_json::{reports_in as reports, wxmsg};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

fn fixture_files() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for p in ["miniprogram", "official-account", "wecom-kf", "devmode"] {
        for e in std::fs::read_dir(Path::new("fixtures").join(p)).unwrap() {
            v.push(e.unwrap().path());
        }
    }
    v.sort();
    v
}

#[test]
fn every_fixture_is_detected_as_its_platform_and_type_and_is_valid() {
    for path in fixture_files() {
        let platform = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        let ty = path.file_stem().unwrap().to_str().unwrap();
        let p = path.to_str().unwrap();
        let (code, reps) = reports(&["--platform", platform, p], None);
        assert_eq!(code, 0, "{p}: {reps:?}");
        assert!(!reps.is_empty(), "{p}: no payload");
        for r in &reps {
            assert_eq!(r["valid"], true, "{p}: {r}");
            assert_eq!(r["platform"], platform, "{p}");
            if ty != "sync_msg" {
                assert_eq!(r["type"], ty, "{p}");
            } else {
                assert_eq!(r["envelope"], "sync_msg", "{p}");
            }
        }
        // Without --platform the fixture's platform is still among the candidates.
        let (_, reps) = reports(&[p], None);
        for r in &reps {
            let cands: Vec<&str> = r["candidates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert!(cands.contains(&platform), "{p}: {r}");
        }
    }
}

#[test]
fn unambiguous_fixtures_need_no_platform_flag() {
    for (file, platform, ty) in [
        (
            "fixtures/miniprogram/miniprogrampage.json",
            "miniprogram",
            "miniprogrampage",
        ),
        (
            "fixtures/official-account/event.SCAN.xml",
            "official-account",
            "event.SCAN",
        ),
        (
            "fixtures/official-account/text.json",
            "official-account",
            "text",
        ),
        (
            "fixtures/wecom-kf/event.msg_send_fail.json",
            "wecom-kf",
            "event.msg_send_fail",
        ),
        ("fixtures/devmode/text.json", "devmode", "text"),
        (
            "fixtures/devmode/event.system_notify_in_receive.json",
            "devmode",
            "event.system_notify_in_receive",
        ),
    ] {
        let (code, reps) = reports(&[file], None);
        assert_eq!(code, 0, "{file}");
        assert_eq!(reps[0]["platform"], platform, "{file}");
        assert_eq!(reps[0]["type"], ty, "{file}");
    }
}

#[test]
fn bare_text_is_ambiguous_between_mini_program_and_official_account() {
    let (code, reps) = reports(&["fixtures/miniprogram/text.json"], None);
    assert_eq!(code, 0);
    assert_eq!(reps[0]["platform"], Value::Null);
    assert_eq!(
        reps[0]["candidates"],
        serde_json::json!(["miniprogram", "official-account"])
    );
    let (_, reps) = reports(
        &[
            "--platform",
            "miniprogram",
            "fixtures/miniprogram/text.json",
        ],
        None,
    );
    assert_eq!(reps[0]["platform"], "miniprogram");
}

#[test]
fn report_objects_have_the_documented_fields() {
    let (_, reps) = reports(&["fixtures/wecom-kf/event.msg_send_fail.json"], None);
    let r = &reps[0];
    for k in [
        "source",
        "line",
        "column",
        "format",
        "platform",
        "candidates",
        "type",
        "valid",
        "diagnostics",
        "payload",
    ] {
        assert!(r.get(k).is_some(), "missing {k}: {r}");
    }
    assert_eq!(r["format"], "json");
    assert_eq!(r["line"], 1);
    assert_eq!(r["source"], "fixtures/wecom-kf/event.msg_send_fail.json");
}

#[test]
fn a_log_yields_every_payload_with_its_line() {
    let (code, reps) = reports(&["fixtures/logs/app.log"], None);
    assert_eq!(code, 0, "{reps:#?}");
    assert!(reps.len() >= 8, "{}", reps.len());
    let lines: Vec<u64> = reps.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted, "reports come in input order");
    assert!(reps.iter().all(|r| r["valid"] == true));
    // The structured-log line carries an XML payload in its `body` string.
    assert!(reps
        .iter()
        .any(|r| r["embedded_in"] == "/body" && r["format"] == "xml"));
    // A multi-line XML payload is read whole.
    assert!(reps.iter().any(|r| r["format"] == "xml"));
}

#[test]
fn container_and_proxy_logs_yield_every_payload_where_it_stands() {
    // Line, column, and two more fields of each report.
    let where_ = |file: &str, a: &str, b: &str| -> Vec<(u64, u64, String, String)> {
        let (code, reps) = reports(&[file], None);
        assert_eq!(code, 0, "{reps:#?}");
        reps.iter()
            .map(|r| {
                let text = |k: &str| r[k].as_str().unwrap().to_string();
                let at = |k: &str| r[k].as_u64().unwrap();
                (at("line"), at("column"), text(a), text(b))
            })
            .collect()
    };
    let owned = |v: &[(u64, u64, &str, &str)]| -> Vec<(u64, u64, String, String)> {
        v.iter()
            .map(|&(l, c, a, b)| (l, c, a.to_string(), b.to_string()))
            .collect()
    };
    let docker: &[(u64, u64, &str, &str)] = &[
        (2, 8, "event.SCAN", "/log"),
        (4, 8, "text", "/log/item"),
        (5, 8, "text", "/log"),
    ];
    let nginx: &[(u64, u64, &str, &str)] = &[
        (2, 168, "event.CLICK", "official-account"),
        (3, 81, "event.user_enter_tempsession", "miniprogram"),
        (4, 81, "text", "wecom-kf"),
    ];
    for (file, a, b, want) in [
        ("fixtures/logs/docker.log", "type", "embedded_in", docker),
        ("fixtures/logs/nginx-access.log", "type", "platform", nginx),
    ] {
        assert_eq!(where_(file, a, b), owned(want), "{file}");
    }
    // Read from escaped text (embedded_in ""), escapes decoded: the XML's
    // line breaks were `\x0A`, and nothing is left to find.
    let (_, reps) = reports(&["fixtures/logs/nginx-access.log"], None);
    for r in &reps {
        assert_eq!(r["embedded_in"], "", "{r}");
        assert_eq!(r["diagnostics"], serde_json::json!([]), "{r}");
    }
}

#[test]
fn broken_payload_among_good_ones_is_reported_and_does_not_hide_the_rest() {
    let input = concat!(
        "{\"ToUserName\":\"gh_1\",\"FromUserName\":\"o1\",\"CreateTime\":1700000000,\"MsgType\":\"text\",\"Content\":\"a\",\"MsgId\":1}\n",
        "2024-01-01 INFO got {\"ToUserName\":\"gh_1\",\"MsgType\":\"te\n",
        "{\"ToUserName\":\"gh_1\",\"FromUserName\":\"o1\",\"CreateTime\":1700000001,\"MsgType\":\"text\",\"Content\":\"b\",\"MsgId\":2}\n",
    );
    let (code, reps) = reports(&[], Some(input));
    assert_eq!(code, 1);
    assert_eq!(reps.len(), 3);
    assert_eq!(reps[0]["valid"], true);
    assert_eq!(reps[1]["valid"], false);
    assert_eq!(reps[1]["line"], 2);
    assert_eq!(reps[1]["column"], 21);
    assert_eq!(reps[1]["diagnostics"][0]["code"], "truncated");
    assert_eq!(reps[1]["diagnostics"][0]["line"], 2);
    assert_eq!(reps[2]["valid"], true);
    assert_eq!(reps[2]["line"], 3);
}

#[test]
fn diagnostics_name_field_line_and_column() {
    let input = "{\n  \"ToUserName\": \"gh_1\",\n  \"FromUserName\": \"o1\",\n  \"CreateTime\": \"soon\",\n  \"MsgType\": \"miniprogrampage\",\n  \"MsgId\": 1\n}\n";
    let (code, reps) = reports(&[], Some(input));
    assert_eq!(code, 1);
    let d = reps[0]["diagnostics"].as_array().unwrap();
    let ct = d
        .iter()
        .find(|d| d["field"] == "/CreateTime")
        .expect("CreateTime finding");
    assert_eq!(ct["severity"], "error");
    assert_eq!(ct["code"], "type-mismatch");
    assert_eq!(
        (ct["line"].as_u64(), ct["column"].as_u64()),
        (Some(4), Some(17))
    );
    assert!(d
        .iter()
        .any(|d| d["code"] == "missing-field" && d["field"] == "/Title"));
}

#[test]
fn single_document_without_wechat_keys_is_unrecognized() {
    let (code, reps) = reports(&[], Some("{\"hello\": \"world\"}\n"));
    assert_eq!(code, 1);
    assert_eq!(reps.len(), 1);
    assert_eq!(reps[0]["diagnostics"][0]["code"], "unrecognized");
}

#[test]
fn non_payload_json_in_a_stream_is_skipped_and_counted() {
    let input = "{\"pool\":\"main\",\"idle\":3}\nplain text\n{\"ToUserName\":\"gh_1\",\"FromUserName\":\"o1\",\"CreateTime\":1700000000,\"MsgType\":\"event\",\"Event\":\"user_enter_tempsession\",\"SessionFrom\":\"x\"}\n";
    let (code, reps) = reports(&[], Some(input));
    assert_eq!(code, 0);
    assert_eq!(reps.len(), 1);
    let out = wxmsg()
        .args(["parse", "--color", "never"])
        .write_stdin(input)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("2 skipped"), "{text}");
}

#[test]
fn sync_msg_response_is_one_report_per_entry_and_errcode_is_reported() {
    let (code, reps) = reports(&["fixtures/wecom-kf/sync_msg.json"], None);
    assert_eq!(code, 0);
    assert_eq!(reps.len(), 3);
    assert!(reps.iter().all(|r| r["platform"] == "wecom-kf"));
    let (code, reps) = reports(
        &[],
        Some("{\"errcode\":95007,\"errmsg\":\"invalid msg token\",\"next_cursor\":\"\",\"has_more\":0,\"msg_list\":[]}"),
    );
    assert_eq!(code, 1);
    assert_eq!(reps[0]["type"], "sync_msg");
    assert!(reps[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "sync-errcode"));
}

/// The response's own fields are checked whatever its list holds: a response
/// with something to say (a finding, or no entry to stand for it) is reported
/// itself, before its entries, and each entry is checked as its own type.
#[test]
fn sync_msg_response_fields_are_checked_and_an_empty_list_is_reported() {
    let item = r#"{"msgid":"m1","open_kfid":"wk1","external_userid":"wm1","send_time":1615478585,"origin":3,"msgtype":"text","text":{"content":"hi"}}"#;
    let codes = |r: &Value| -> Vec<String> {
        r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d["code"].as_str().unwrap(),
                    d["field"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    // A boolean has_more, a string errcode, no errmsg, an unknown key.
    let odd = format!(r#"{{"errcode":"0","has_more":true,"zz":1,"msg_list":[{item}]}}"#);
    let (code, reps) = reports(&[], Some(&odd));
    assert_eq!(code, 1);
    assert_eq!(reps.len(), 2, "{reps:?}");
    assert_eq!(reps[0]["type"], "sync_msg");
    let found = codes(&reps[0]);
    for want in [
        "type-mismatch /errcode",
        "type-mismatch /has_more",
        "missing-field /errmsg",
        "unknown-field /zz",
    ] {
        assert!(found.iter().any(|c| c == want), "{want}: {found:?}");
    }
    assert!(!found.iter().any(|c| c.contains("/msg_list/")), "{found:?}");
    assert_eq!(
        (reps[1]["type"].as_str(), reps[1]["valid"].as_bool()),
        (Some("text"), Some(true))
    );
    assert_eq!(reps[1]["envelope"], "sync_msg");
    // A clean response stands for its entries alone.
    let clean = format!(
        r#"{{"errcode":0,"errmsg":"ok","next_cursor":"c","has_more":0,"msg_list":[{item}]}}"#
    );
    let (code, reps) = reports(&[], Some(&clean));
    assert_eq!((code, reps.len()), (0, 1));
    assert_eq!(reps[0]["type"], "text");
    // An empty list is a valid response, not "no payload".
    let empty = r#"{"errcode":0,"errmsg":"ok","next_cursor":"c","has_more":1,"msg_list":[]}"#;
    let (code, reps) = reports(&[], Some(empty));
    assert_eq!((code, reps.len()), (0, 1));
    assert_eq!(
        (reps[0]["type"].as_str(), reps[0]["valid"].as_bool()),
        (Some("sync_msg"), Some(true))
    );
    let out = wxmsg().arg("validate").write_stdin(empty).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // A failed response: its errcode is reported, and its entries are still
    // checked as their own types (no unknown `text` in a listed item).
    let failed = format!(
        r#"{{"errcode":95000,"errmsg":"bad","next_cursor":"","has_more":0,"msg_list":[{item}]}}"#
    );
    let (code, reps) = reports(&[], Some(&failed));
    assert_eq!((code, reps.len()), (1, 2));
    assert_eq!(codes(&reps[0]), ["sync-errcode /errcode"]);
    assert_eq!(reps[1]["valid"], true);
}

/// A mass send that failed review says so as `err(<code>)`, a documented
/// status (the docs' own sample has `err(30003)`), decoded, not unknown.
#[test]
fn mass_send_review_failures_are_documented_statuses() {
    let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[MASSSENDJOBFINISH]]></Event><MsgID>1000001625</MsgID><Status><![CDATA[err(30003)]]></Status><TotalCount>0</TotalCount><FilterCount>0</FilterCount><SentCount>0</SentCount><ErrorCount>0</ErrorCount></xml>";
    let out = wxmsg()
        .args(["validate", "--strict", "-"])
        .write_stdin(xml)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = wxmsg()
        .args(["parse", "--color", "never", "-"])
        .write_stdin(xml.replace("30003", "20013"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("review failed: copyright"), "{text}");
}

/// WeCom's envelope adds AgentID, written as CDATA or bare: either way the
/// envelope is WeCom's, not a tie with the platforms that have no AgentID.
#[test]
fn a_wecom_envelope_with_a_bare_agent_id_is_wecom() {
    for agent in ["<![CDATA[218]]>", "1"] {
        let xml = format!("<xml><ToUserName><![CDATA[ww12345678910]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS]]></Encrypt><AgentID>{agent}</AgentID></xml>");
        let (_, reps) = reports(&[], Some(&xml));
        assert_eq!(reps.len(), 1, "{reps:?}");
        assert_eq!(reps[0]["platform"], "wecom-kf", "{agent}: {reps:?}");
        assert_eq!(reps[0]["type"], "encrypted");
    }
}

/// A subscribe-message event carries its entries in one of two shapes (the
/// XML wrapper, or JSON's top-level `List`): with neither, it is missing them.
#[test]
fn a_subscribe_event_without_its_entries_is_missing_them() {
    let head = r#""ToUserName":"gh_1","FromUserName":"o1","CreateTime":1,"MsgType":"event","Event":"subscribe_msg_popup_event""#;
    let list = r#""List":[{"TemplateId":"t1","SubscribeStatusString":"accept","PopupScene":"0"}]"#;
    for (input, valid) in [
        (format!("{{{head}}}"), false),
        (format!("{{{head},{list}}}"), true),
        (
            format!("{{{head},\"SubscribeMsgPopupEvent\":{{{list}}}}}"),
            true,
        ),
    ] {
        let (_, reps) = reports(&["--platform", "miniprogram"], Some(&input));
        assert_eq!(reps[0]["valid"], valid, "{input}: {reps:?}");
        if !valid {
            assert_eq!(reps[0]["diagnostics"][0]["code"], "missing-field");
        } else {
            // `"PopupScene":"0"` is the JSON push's own form, not a variant.
            assert_eq!(reps[0]["diagnostics"], serde_json::json!([]), "{input}");
        }
    }
    let xml = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_popup_event]]></Event></xml>";
    let (_, reps) = reports(&["--platform", "miniprogram"], Some(xml));
    assert_eq!(reps[0]["valid"], false, "{reps:?}");
}

#[test]
fn ids_beyond_2_53_and_decimals_are_kept_exactly() {
    let input = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[LOCATION]]></Event><Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision></xml>";
    let out = wxmsg()
        .args(["convert", "--to", "json"])
        .write_stdin(input)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\"Precision\":119.385040"), "{text}");
    assert!(text.contains("\"CreateTime\":1700000000"), "{text}");
    let input = "{\"ToUserName\":\"gh_1\",\"FromUserName\":\"o1\",\"CreateTime\":1,\"MsgType\":\"text\",\"Content\":\"x\",\"MsgId\":18446744073709551615}";
    let out = wxmsg()
        .args(["convert", "--to", "xml"])
        .write_stdin(input)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("<MsgId>18446744073709551615</MsgId>"),
        "{text}"
    );
}

/// `wxmsg sample PLATFORM TYPE --to json`, read.
fn sample_json(platform: &str, type_id: &str) -> Value {
    let out = wxmsg()
        .args(["sample", platform, type_id, "--to", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn convert(args: &[&str], stdin: &[u8]) -> (i32, Vec<u8>) {
    let out = wxmsg()
        .arg("convert")
        .args(args)
        .write_stdin(stdin.to_vec())
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), out.stdout)
}

#[test]
fn every_fixture_round_trips_through_convert() {
    for path in fixture_files() {
        let p = path.to_str().unwrap();
        let original = std::fs::read(&path).unwrap();
        let (c1, json1) = convert(&["--to", "json"], &original);
        assert_eq!(c1, 0, "{p}");
        let (c2, xml) = convert(&["--to", "xml"], &json1);
        assert_eq!(c2, 0, "{p}: {}", String::from_utf8_lossy(&json1));
        let (c3, json2) = convert(&["--to", "json"], &xml);
        assert_eq!(c3, 0, "{p}");
        assert_eq!(
            String::from_utf8_lossy(&json1),
            String::from_utf8_lossy(&json2),
            "{p}: JSON→XML→JSON must be the identity"
        );
        let (_, xml2) = convert(&["--to", "xml"], &json2);
        assert_eq!(xml, xml2, "{p}: XML output is stable");
    }
}

#[test]
fn exit_codes() {
    wxmsg()
        .args(["parse", "fixtures/devmode/text.json"])
        .assert()
        .code(0);
    wxmsg()
        .args(["parse"])
        .write_stdin("{\"MsgType\":\"text\"}")
        .assert()
        .code(1);
    wxmsg()
        .args(["parse", "no/such/file.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no/such/file.json"));
    wxmsg().args(["parse", "--no-such-flag"]).assert().code(2);
    wxmsg()
        .args(["parse", "--platform", "weibo", "x"])
        .assert()
        .code(2);
    wxmsg().args(["convert", "x.json"]).assert().code(2);
}

#[test]
fn payload_text_never_reaches_the_terminal_raw() {
    let input = "{\"ToUserName\":\"gh_1\",\"FromUserName\":\"o\\u001b]8;;http://evil\\u0007x\",\"CreateTime\":1700000000,\"MsgType\":\"text\",\"Content\":\"hi\\u001b[2J\\u202egnp.exe\\u200b 👨‍👩‍👧\",\"MsgId\":1}";
    for color in ["never", "always"] {
        let out = wxmsg()
            .args(["parse", "--color", color])
            .write_stdin(input)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("\\x1b[2J"), "{text}");
        assert!(text.contains("\\u{202e}"), "{text}");
        assert!(text.contains("\\u{200b}"), "{text}");
        assert!(text.contains("👨‍👩‍👧"), "emoji ZWJ sequence kept: {text}");
        assert!(!text.contains("\u{202e}") && !text.contains("\u{200b}"));
        if color == "never" {
            assert!(!text.contains('\x1b'), "{text}");
        } else {
            // Only our own SGR colour sequences remain.
            for (i, _) in text.match_indices('\x1b') {
                assert_eq!(&text[i + 1..i + 2], "[", "{text}");
                assert!(!text[i..].starts_with("\x1b[2J"));
            }
        }
    }
}

#[test]
fn colour_follows_flags_and_no_color() {
    let f = "fixtures/devmode/text.json";
    let plain = wxmsg().args(["parse", f]).output().unwrap();
    assert!(!plain.stdout.contains(&0x1b), "auto on a pipe: no colour");
    let forced = wxmsg()
        .args(["parse", "--color", "always", f])
        .output()
        .unwrap();
    assert!(forced.stdout.contains(&0x1b));
    let env = wxmsg()
        .args(["parse", f])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(env.stdout.contains(&0x1b));
    let env = wxmsg()
        .args(["parse", f])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!env.stdout.contains(&0x1b));
}

#[test]
fn seed_documents_are_read_as_they_were_published() {
    let (code, reps) = reports(&["fixtures/seeds/000_developer_mode.txt"], None);
    assert_eq!(code, 0, "{reps:#?}");
    assert_eq!(
        reps.len(),
        19,
        "2 session events, 4 mini program, 9 official account, 4 staff replies"
    );
    assert!(reps.iter().any(|r| r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "lenient-json")));
    let (code, reps) = reports(&["fixtures/seeds/002_miniprogram_receive.txt"], None);
    assert_eq!(code, 0, "{reps:#?}");
    assert_eq!(reps.len(), 8, "four types, each in XML and JSON");
    let (code, reps) = reports(&["fixtures/seeds/001_wecom_kf_syncmsg.go.txt"], None);
    assert_eq!((code, reps.len()), (0, 0), "Go code holds no payload");
}

/// Live streaming: with stdin still open, each payload is printed as soon as it is complete.
#[test]
fn streams_payloads_while_stdin_stays_open() {
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
    for i in 0..3 {
        writeln!(
            stdin,
            "log line {i} {{\"ToUserName\":\"gh_1\",\"FromUserName\":\"o1\",\"CreateTime\":1700000000,\"MsgType\":\"text\",\"Content\":\"{i}\",\"MsgId\":{i}}}"
        )
        .unwrap();
        stdin.flush().unwrap();
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("report printed before stdin closed");
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["line"], i + 1);
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_closed_output_pipe_ends_quietly() {
    let mut big = String::new();
    for i in 0..20_000 {
        big.push_str(&format!("{{\"ToUserName\":\"gh_1\",\"FromUserName\":\"o1\",\"CreateTime\":1700000000,\"MsgType\":\"text\",\"Content\":\"{i}\",\"MsgId\":{i}}}\n"));
    }
    let bin = assert_cmd::cargo::cargo_bin("wxmsg");
    let mut child = std::process::Command::new(bin)
        .args(["parse"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(big.as_bytes());
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    let _ = writer.join();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(0), "{err}");
}

#[test]
fn json_array_and_concatenated_documents() {
    let one = "{\"ToUserName\":\"gh_1\",\"FromUserName\":\"o1\",\"CreateTime\":1700000000,\"MsgType\":\"image\",\"PicUrl\":\"u\",\"MediaId\":\"m\",\"MsgId\":1}";
    let (code, reps) = reports(&[], Some(&format!("[{one},\n {one}]")));
    assert_eq!((code, reps.len()), (0, 2));
    assert_eq!(reps[1]["line"], 2);
    let (code, reps) = reports(&[], Some(&format!("{one}{one} {one}")));
    assert_eq!((code, reps.len()), (0, 3));
}

#[test]
fn help_shows_examples() {
    for cmd in [
        &["--help"][..],
        &["parse", "--help"],
        &["convert", "--help"],
    ] {
        wxmsg()
            .args(cmd)
            .assert()
            .code(0)
            .stdout(predicates::str::contains("Examples:"));
    }
}

/// Round trips that once changed a value: a number with an exponent, and an
/// `item` list written as one element of `<item>`s (WeCom's `merged_msg`) as
/// the only member its object has left, with one element and with two.
#[test]
fn exponents_and_a_lone_item_list_round_trip_through_xml() {
    let merged: Value =
        serde_json::from_slice(&std::fs::read("fixtures/wecom-kf/merged_msg.json").unwrap())
            .unwrap();
    let mut inputs = vec![serde_json::json!({
        "ToUserName": "gh_1", "FromUserName": "o1", "CreateTime": 1727323209,
        "MsgType": "event", "Event": "LOCATION", "Latitude": 3.1e1,
        "Longitude": 121.475470, "Precision": 65.0, "Extra": [1e3, -0.5E-2]
    })];
    for n in [1, 2] {
        let mut m = merged.clone();
        let inner = m["merged_msg"].as_object_mut().unwrap();
        inner.remove("title");
        let items = inner["item"].as_array_mut().unwrap();
        items.truncate(n);
        inputs.push(m);
    }
    for input in inputs {
        let text = serde_json::to_vec(&input).unwrap();
        let (c1, xml) = convert(&["--to", "xml"], &text);
        let (c2, back) = convert(&["--to", "json"], &xml);
        assert_eq!((c1, c2), (0, 0));
        let back: Value = serde_json::from_slice(&back).unwrap();
        assert_eq!(back, input, "{}", String::from_utf8_lossy(&xml));
    }
}

/// What WeChat's XML cannot carry is written all the same, with a warning on
/// stderr naming the field (and where it is) and what it reads back as; the
/// exit status is 0.
#[test]
fn values_xml_cannot_carry_are_converted_with_a_warning() {
    let payload = r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1727323209,"MsgType":"text","Content":"hi","MsgId":1234567890123456,"Extra":{"a":[]}}"#;
    let out = wxmsg()
        .args(["convert", "--to", "xml"])
        .write_stdin(payload)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("<Extra><a></a></Extra>"));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "wxmsg: warning: <stdin>:1:136: /Extra/a: an empty array reads back from XML as null; XML cannot tell them apart\n"
    );
    // What XML carries as it is gives no warning.
    let plain = payload.replace(r#""a":[]"#, r#""a":[1]"#);
    let out = wxmsg()
        .args(["convert", "--to", "xml"])
        .write_stdin(plain)
        .output()
        .unwrap();
    assert_eq!((out.status.code(), out.stderr.len()), (Some(0), 0));
}

/// Messages say what the document has: one payload key is named, not denied,
/// and a type that fits several platforms is not called one platform's.
#[test]
fn messages_name_what_the_document_has() {
    let (_, reps) = reports(&[], Some(r#"{"ToUserName":"gh_1"}"#));
    assert_eq!(
        reps[0]["diagnostics"][0]["message"],
        "\"ToUserName\" is the only WeChat payload key in this document, and it has no message type (MsgType, msgtype, Event, Encrypt or msg_list)"
    );
    let out = wxmsg()
        .args(["validate", "--format", "json", "--platform", "wecom-kf"])
        .arg("fixtures/official-account/text.xml")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages: Vec<&str> = v["files"][0]["payloads"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "platform-mismatch")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        ["`text` fits miniprogram and official-account; --platform requires wecom-kf"]
    );
}

/// Fuzz regression: a document exactly at the depth limit must convert to XML and
/// back (XML depth counts containers, as JSON's does).
#[test]
fn document_at_the_depth_limit_round_trips() {
    let original =
        std::fs::read("tests/corpus/fuzz-regressions/roundtrip-depth-limit.json").unwrap();
    let (c1, json1) = convert(&["--to", "json"], &original);
    let (c2, xml) = convert(&["--to", "xml"], &json1);
    let (c3, json2) = convert(&["--to", "json"], &xml);
    assert_eq!((c1, c2, c3), (0, 0, 0));
    assert_eq!(json1, json2);
}

#[test]
fn convert_errors_come_between_the_payloads_around_them() {
    // Stdout and stderr into one file, as `2>&1` does: an error line must come
    // after the output of the payloads before it, not ahead of them.
    let payload = |id: u32| {
        format!(
            r#"{{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1700000000,"MsgType":"text","Content":"p{id}","MsgId":{id}}}"#
        )
    };
    let input = format!(
        "{}\n{}\n{{\"MsgType\":\"text\",}}\n{}\n",
        payload(1),
        payload(2),
        payload(3)
    );
    let dir = tempfile::tempdir().unwrap();
    let (inp, merged) = (dir.path().join("in.ndjson"), dir.path().join("out"));
    std::fs::write(&inp, input).unwrap();
    let out = std::fs::File::create(&merged).unwrap();
    let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("wxmsg"))
        .args(["convert", "--to", "json", "--platform", "miniprogram"])
        .arg(&inp)
        .env("WXMSG_THREADS", "1")
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    let text = std::fs::read_to_string(&merged).unwrap();
    let order: Vec<&str> = text
        .lines()
        .map(|l| match l {
            _ if l.starts_with("wxmsg: error:") => "error",
            _ if l.contains("\"p1\"") => "p1",
            _ if l.contains("\"p2\"") => "p2",
            _ if l.contains("\"p3\"") => "p3",
            _ => "other",
        })
        .collect();
    assert_eq!(order, ["p1", "p2", "error", "p3"], "{text}");
}

/// A limit of 0 would pass every payload over unseen: it is a usage error.
#[test]
fn limits_of_zero_are_usage_errors() {
    for flag in ["--max-depth", "--max-fields", "--max-record-bytes"] {
        let out = wxmsg()
            .args(["parse", flag, "0", "-"])
            .write_stdin("{}")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("must be at least 1"), "{flag}: {err}");
    }
}

/// A `sync_msg` response is one payload to `convert`: its own fields
/// (`next_cursor` is what the next call needs) go out with its entries, and the
/// round trip through XML gives it back as it was.
#[test]
fn convert_keeps_a_sync_msg_response_whole() {
    let original = sample_json("wecom-kf", "sync_msg");
    let sample = original.to_string().into_bytes();
    assert!(original["msg_list"].as_array().unwrap().len() > 1);
    let (code, json) = convert(&["--to", "json"], &sample);
    assert_eq!(code, 0);
    let lines: Vec<&[u8]> = json
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "{}", String::from_utf8_lossy(&json));
    assert_eq!(serde_json::from_slice::<Value>(lines[0]).unwrap(), original);
    let (code, xml) = convert(&["--to", "xml"], &sample);
    assert_eq!(code, 0);
    let (code, back) = convert(&["--to", "json"], &xml);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_slice::<Value>(&back).unwrap(), original);
}

/// `-o` naming one of the inputs would empty it before it is read: refused,
/// and the file is left as it was, whatever path or redirection names it.
#[test]
fn convert_refuses_to_write_over_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.json");
    let text = std::fs::read("fixtures/miniprogram/text.json").unwrap();
    std::fs::write(&path, &text).unwrap();
    let file = path.to_str().unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    for (args, stdin) in [
        (vec!["convert", "--to", "xml", "-o", file, file], false),
        (
            vec![
                "convert",
                "--to",
                "json",
                "-o",
                link.to_str().unwrap(),
                file,
            ],
            false,
        ),
        (vec!["convert", "--to", "json", "-o", file], true),
    ] {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("wxmsg"));
        c.args(&args);
        if stdin {
            c.stdin(std::fs::File::open(&path).unwrap());
        }
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is also an input"), "{args:?}: {err}");
        assert_eq!(std::fs::read(&path).unwrap(), text, "{args:?}");
    }
    // Another file is written as usual.
    let other = dir.path().join("out.xml");
    let (code, _) = convert(&["--to", "xml", "-o", other.to_str().unwrap(), file], b"");
    assert_eq!(code, 0);
    assert!(std::fs::read(&other).unwrap().starts_with(b"<xml>"));
}

/// An empty list of a field WeChat's XML writes as repeated elements goes out as
/// one empty element, which reads back as the empty list: the key is kept, and
/// the round trip needs no warning.
#[test]
fn convert_keeps_empty_lists_of_repeated_elements() {
    let mut popup = sample_json("miniprogram", "event.subscribe_msg_popup_event");
    popup["List"] = Value::Array(Vec::new());
    let mut publish = sample_json("official-account", "event.PUBLISHJOBFINISH");
    publish["PublishEventInfo"]["article_detail"]["item"] = Value::Array(Vec::new());
    for payload in [popup, publish] {
        let text = payload.to_string();
        let out = wxmsg()
            .args(["convert", "--to", "xml"])
            .write_stdin(text.clone())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (code, back) = convert(&["--to", "json"], &out.stdout);
        assert_eq!(code, 0);
        assert_eq!(serde_json::from_slice::<Value>(&back).unwrap(), payload);
    }
}

/// What the payload leaves out of XML input (attributes, text beside child
/// elements) is said on stderr by `convert` too, never dropped silently; the
/// conversion itself still succeeds.
#[test]
fn convert_warns_about_what_it_leaves_out() {
    let xml = "<xml><ToUserName>gh_1</ToUserName><FromUserName>o</FromUserName>\
               <CreateTime>1</CreateTime><MsgType>text</MsgType>\
               <Content lang=\"z\u{202e}h\">hi <br/>there</Content><MsgId>1</MsgId></xml>";
    let out = wxmsg()
        .args(["convert", "--to", "json"])
        .write_stdin(xml)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("<stdin>:1:") && err.contains("[xml-attribute]"),
        "{err}"
    );
    assert!(
        err.contains("[xml-mixed-content]") && err.contains("hi there"),
        "{err}"
    );
    assert!(
        !err.contains('\u{202e}'),
        "raw bidi control on stderr: {err:?}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["MsgId"], 1);
}

/// A timestamp too large for seconds names the unit it is likely in, and what
/// it would be in seconds from there (not a value still too large).
#[test]
fn oversized_timestamps_name_their_likely_unit() {
    for (value, unit) in [
        ("1714543012999", "milliseconds"),
        ("1714543012999999", "microseconds"),
        ("1714543012999999999", "nanoseconds"),
    ] {
        let input = format!(
            r#"{{"ToUserName":"gh_1","FromUserName":"o","CreateTime":{value},"MsgType":"text","Content":"x","MsgId":1}}"#
        );
        let (_, reps) = reports(&[], Some(&input));
        let d = reps[0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "timestamp-milliseconds")
            .cloned()
            .unwrap();
        let message = d["message"].as_str().unwrap();
        assert!(message.contains(&format!("looks like {unit}")), "{message}");
        assert!(message.ends_with("(would be 1714543012)"), "{message}");
    }
}

/// An input with text but nothing to convert says so on stderr and fails,
/// rather than write nothing and succeed (empty input is a note and success:
/// `empty_input_is_no_payloads_and_success_except_for_validate`).
#[test]
fn convert_says_when_there_is_nothing_to_convert() {
    for input in ["hello\n", "<foo>x</foo>\n"] {
        let out = wxmsg()
            .args(["convert", "--to", "json"])
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{input:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no WeChat payload found"), "{input:?}: {err}");
    }
}

/// A value XML cannot carry is reported at its own line and column, with its
/// field, and nothing of its payload goes out.
#[test]
fn convert_names_where_a_value_xml_cannot_carry_is() {
    let input = "{\"ToUserName\":\"gh_1\",\"FromUserName\":\"o\",\"CreateTime\":1,\"MsgType\":\"text\",\"MsgId\":1,\n \"Content\":\"a\\u0001b\"}\n";
    let out = wxmsg()
        .args(["convert", "--to", "xml"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("<stdin>:2:12: cannot write /Content as XML: the string holds U+0001"),
        "{err}"
    );
}

/// A payload of a type the catalogue does not know still has its platform's
/// common header checked: an official push without `ToUserName`,
/// `FromUserName` and `CreateTime`, or a kf message without `msgid` and
/// `send_time`, is invalid; one with its header is valid with a warning.
#[test]
fn an_unknown_type_still_has_its_header_checked() {
    let codes = |r: &Value| -> Vec<String> {
        r["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| format!("{} {}", d["code"], d["field"]))
            .collect()
    };
    let input = concat!(
        "{\"MsgType\":\"foo\"}\n",
        "{\"msgtype\":\"nope\",\"origin\":3}\n",
        "{\"ToUserName\":\"gh_1\",\"FromUserName\":\"o\",\"CreateTime\":1,\"MsgType\":\"event\",\"Event\":\"weird\"}\n",
        // WeCom's marker on a PascalCase payload: no kf item header is asked for.
        "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[u]]></FromUserName><CreateTime>1714036504</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event><AgentID>1</AgentID></xml>\n",
    );
    let (_, reps) = reports(&[], Some(input));
    assert_eq!(
        codes(&reps[0]),
        [
            "\"missing-field\" \"/ToUserName\"",
            "\"missing-field\" \"/FromUserName\"",
            "\"missing-field\" \"/CreateTime\"",
            "\"unknown-type\" null",
        ]
    );
    assert_eq!(
        codes(&reps[1]),
        [
            "\"missing-field\" \"/msgid\"",
            "\"missing-field\" \"/send_time\"",
            "\"unknown-type\" null",
        ]
    );
    assert_eq!(reps[2]["valid"], true);
    assert_eq!(codes(&reps[2]), ["\"unknown-type\" null"]);
    assert_eq!(codes(&reps[3]), ["\"unknown-type\" null"]);
}

/// A usage error quoting a value from the command line shows it escaped, as
/// payload text is: never raw on a terminal, never dropped in a pipe.
#[test]
fn usage_errors_escape_the_values_they_quote() {
    let out = wxmsg()
        .args(["parse", "--platform", "\u{1b}]0;X\u{7}\u{1b}[2J", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains(r"'\x1b]0;X\x07\x1b[2J'"), "{err}");
}

/// A successful `sync_msg` response always has `next_cursor`, `has_more` and
/// `msg_list` (catalogue §5.3); a failure has only `errcode` and `errmsg`.
#[test]
fn a_successful_sync_response_lacking_its_cursor_is_invalid() {
    let input = concat!(
        "{\"errcode\":0,\"errmsg\":\"ok\",\"msg_list\":[]}\n",
        "{\"errcode\":95000,\"errmsg\":\"invalid token\"}\n",
    );
    let (code, reps) = reports(&[], Some(input));
    assert_eq!(code, 1);
    let fields: Vec<&str> = reps[0]["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "missing-field")
        .filter_map(|d| d["field"].as_str())
        .collect();
    assert_eq!(fields, ["/next_cursor", "/has_more"]);
    let codes: Vec<&str> = reps[1]["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(codes, ["sync-errcode"]);
}

/// Empty input, or only whitespace, has no payload to miss: `parse`, `convert`
/// and `decrypt` say "no payloads" and succeed (reliability.md F9), writing
/// nothing to stdout. `validate` still fails it: a fixture must hold a payload.
#[test]
fn empty_input_is_no_payloads_and_success_except_for_validate() {
    let key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    for stdin in ["", "  \n\n", "\u{feff}\n"] {
        for args in [
            vec!["parse"],
            vec!["convert", "--to", "json"],
            vec!["convert", "--to", "xml"],
            vec!["decrypt", "--aes-key", key],
        ] {
            let out = wxmsg().args(&args).write_stdin(stdin).output().unwrap();
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            assert_eq!(out.status.code(), Some(0), "{args:?} {stdin:?}: {stderr}");
            assert!(
                format!("{stdout}{stderr}").contains("0 payloads")
                    || stderr.contains("no payloads"),
                "{args:?} {stdin:?}: {stdout} {stderr}"
            );
            if args[0] != "parse" {
                assert!(stdout.is_empty(), "{args:?} {stdin:?}: {stdout}");
            }
        }
        let out = wxmsg().arg("validate").write_stdin(stdin).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "validate {stdin:?}");
    }
}

/// `MsgDataId` and `PopupScene` are strings in JSON that WeChat's XML writes as
/// bare digits: XML → JSON gives the string (no `type-variant` warning on the
/// JSON), JSON → XML gives the bare digits back, both ways the identity. A JSON
/// number there (the variant) goes out bare too, and the loss is named.
#[test]
fn convert_keeps_bare_digit_strings_strings_both_ways() {
    let xml = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
<CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>\
<MsgId>1234567890123456</MsgId><MsgDataId>2247483650</MsgDataId><Idx>1</Idx></xml>";
    let popup = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
<CreateTime>1736908245</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_popup_event]]></Event>\
<SubscribeMsgPopupEvent><List><TemplateId><![CDATA[t]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString>\
<PopupScene>2</PopupScene></List></SubscribeMsgPopupEvent></xml>";
    let convert = |to: &str, input: &str| {
        let out = wxmsg()
            .args(["convert", "--to", to])
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{input}");
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    for (input, needle) in [
        (xml, r#""MsgDataId":"2247483650""#),
        (popup, r#""PopupScene":"2""#),
    ] {
        // Many copies, so the multi-payload path is taken as well as the single one.
        for copies in [1, 50] {
            let many = format!("{input}\n").repeat(copies);
            let (json, err) = convert("json", &many);
            assert!(err.is_empty(), "{err}");
            assert_eq!(json.lines().count(), copies);
            assert!(json.lines().all(|l| l.contains(needle)), "{json}");
            let (back, err) = convert("xml", &json);
            assert!(err.is_empty(), "{err}");
            assert_eq!(back, many);
        }
        let (json, _) = convert("json", input);
        let out = wxmsg()
            .args(["validate", "--strict", "--platform", "official-account"])
            .write_stdin(json)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    let variant = r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1,"MsgType":"text","Content":"hi","MsgId":1,"MsgDataId":22}"#;
    let (back, err) = convert("xml", variant);
    assert!(back.contains("<MsgDataId>22</MsgDataId>"), "{back}");
    assert!(
        err.contains("/MsgDataId: the number 22 reads back from XML as a string"),
        "{err}"
    );
}

/// The official account's doc samples carry `<MsgDataId>xxxx</MsgDataId>` and
/// `<Idx>xxxx</Idx>` placeholders (catalogue §4.1, P/N): they are official
/// account messages, valid with a `type-variant` warning on `Idx`, not mini
/// program ones with unknown fields.
#[test]
fn official_doc_samples_with_placeholder_ids_are_official_account_messages() {
    let sample = "<xml>\n  <ToUserName><![CDATA[toUser]]></ToUserName>\n  <FromUserName><![CDATA[fromUser]]></FromUserName>\n  \
<CreateTime>1348831860</CreateTime>\n  <MsgType><![CDATA[text]]></MsgType>\n  <Content><![CDATA[this is a test]]></Content>\n  \
<MsgId>1234567890123456</MsgId>\n  <MsgDataId>xxxx</MsgDataId>\n  <Idx>xxxx</Idx>\n</xml>\n";
    let (code, reps) = reports(&[], Some(sample));
    assert_eq!(code, 0);
    assert_eq!(reps[0]["platform"], "official-account", "{}", reps[0]);
    let codes: Vec<&str> = reps[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["type-variant"], "{}", reps[0]);
}

/// An event without its name is missing a required field (or has it with the
/// wrong type), not an unknown type that passes.
#[test]
fn an_event_without_its_name_fails() {
    for (payload, code, field) in [
        (
            r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1,"MsgType":"event","EventKey":"k"}"#,
            "missing-field",
            "/Event",
        ),
        (
            r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1,"MsgType":"event","Event":5}"#,
            "type-mismatch",
            "/Event",
        ),
        (
            r#"{"msgid":"m","send_time":1615478585,"origin":4,"msgtype":"event"}"#,
            "missing-field",
            "/event",
        ),
        (
            r#"{"msgtype":"event","event":{"open_kfid":"wk1"}}"#,
            "missing-field",
            "/event/event_type",
        ),
    ] {
        let (exit, reps) = reports(&[], Some(payload));
        assert_eq!(exit, 1, "{payload}");
        let d = &reps[0]["diagnostics"][0];
        assert_eq!(d["code"], code, "{payload}: {d}");
        assert_eq!(d["field"], field, "{payload}: {d}");
    }
}

/// A lower-case `msgtype` makes a WeCom kf message only beside `msgid`,
/// `origin` or `event` (catalogue §1 rule 8): the send APIs' request bodies a
/// backend logs beside the pushes it receives are passed over, not reported
/// as invalid kf messages, on the fast lane and off it.
#[test]
fn send_api_request_bodies_in_a_log_are_not_payloads() {
    let log = "2026 INFO mp custom send {\"touser\":\"oR3Kx5d_9TqLmA2vYpW7cN1eZbG4\",\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}}\n\
2026 INFO kf send {\"touser\":\"wm1\",\"open_kfid\":\"wk1\",\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}}\n\
2026 INFO bare {\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}}\n\
2026 INFO recv {\"msgid\":\"m1\",\"open_kfid\":\"wk1\",\"external_userid\":\"wm1\",\"send_time\":1736908245,\"origin\":3,\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}}\n";
    for threads in ["1", "2"] {
        let out = wxmsg()
            .env("WXMSG_THREADS", threads)
            .args(["parse", "--format", "json"])
            .write_stdin(log)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        let reports: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(reports.len(), 1, "{text}");
        assert_eq!(reports[0]["line"], 4);
        assert_eq!(reports[0]["type"], "text");
    }
}

/// Platform markers say whose payload it is before the fewest findings do
/// (catalogue §1 rules 9 and 13): an error in a marked field stays an error of
/// the marked platform, not an unknown field of another.
#[test]
fn platform_markers_decide_before_the_fewest_findings() {
    for (payload, platform, code, field) in [
        (
            r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1702716507,"MsgType":"text","Content":"hi","MsgId":1,"bizmsgmenuid":[1]}"#,
            "official-account",
            "type-mismatch",
            "/bizmsgmenuid",
        ),
        (
            r#"{"App_Type":"yunh5","ChannelId":"15033","ChannelName":"x","Content":"hi","CreateTime":"1697444398","FromUserName":"799533513","MsgId":"652cf22e7a3ca","MsgType":"text","ToBusiness":false,"ToUserName":"visitor","ChatSessionId":"20211","wechatapp_id":"211079"}"#,
            "devmode",
            "missing-field",
            "/StaffId",
        ),
    ] {
        for threads in ["1", "2"] {
            let out = wxmsg()
                .env("WXMSG_THREADS", threads)
                .args(["parse", "--format", "json"])
                .write_stdin(payload)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1), "{payload}");
            let r: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(r["platform"], platform, "{r}");
            let d = &r["diagnostics"][0];
            assert_eq!(
                (d["code"].as_str(), d["field"].as_str()),
                (Some(code), Some(field)),
                "{r}"
            );
        }
    }
}

/// `channels_shop_order.product_titles` as an array, as one test fixture has
/// it (catalogue §11.2, an open question), is a documented variant, like the
/// other open questions' types; its items must still be strings.
#[test]
fn product_titles_as_an_array_is_a_documented_variant() {
    let order = |titles: &str| {
        format!(
            r#"{{"msgid":"m1","open_kfid":"wk1","external_userid":"wm1","send_time":1615478585,"origin":3,"msgtype":"channels_shop_order","channels_shop_order":{{"order_id":"1","product_titles":{titles},"price_wording":"p","state":"s","image_url":"u","shop_nickname":"n"}}}}"#
        )
    };
    let (code, reps) = reports(&[], Some(&order(r#"["a","b"]"#)));
    assert_eq!(code, 0);
    assert_eq!(reps[0]["diagnostics"][0]["code"], "type-variant");
    let (code, reps) = reports(&[], Some(&order("[1]")));
    assert_eq!(code, 1);
    assert!(reps[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "type-mismatch"
            && d["field"] == "/channels_shop_order/product_titles/0"));
}

/// A `sync_msg` entry without its `msgtype` is still a WeCom kf message:
/// reported on that platform, with its missing discriminator.
#[test]
fn a_sync_msg_entry_without_msgtype_is_still_wecom_kf() {
    let response = r#"{"errcode":0,"errmsg":"ok","next_cursor":"c","has_more":0,"msg_list":[{"msgid":"m","send_time":1615478585,"origin":3,"text":{"content":"x"}}]}"#;
    let (code, reps) = reports(&[], Some(response));
    assert_eq!(code, 1);
    assert_eq!(reps.len(), 1, "{reps:?}");
    assert_eq!(reps[0]["platform"], "wecom-kf", "{}", reps[0]);
    assert_eq!(reps[0]["diagnostics"][0]["code"], "missing-discriminator");
}
