//! Snapshot tests of the human-readable output: one payload per platform shape,
//! an invalid payload, a broken document among good ones, and a hostile payload.

use assert_cmd::Command;

fn pretty(args: &[&str], stdin: Option<&str>) -> String {
    let mut c = Command::cargo_bin("wxmsg").unwrap();
    c.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .args(["parse", "--color", "never"])
        .args(args);
    if let Some(s) = stdin {
        c.write_stdin(s);
    }
    String::from_utf8(c.output().unwrap().stdout).unwrap()
}

#[test]
fn mini_program_xml() {
    insta::assert_snapshot!(pretty(&["fixtures/miniprogram/miniprogrampage.xml"], None));
}

#[test]
fn official_account_nested_event() {
    insta::assert_snapshot!(pretty(
        &["fixtures/official-account/event.pic_sysphoto.xml"],
        None
    ));
}

#[test]
fn wecom_kf_sync_response() {
    insta::assert_snapshot!(pretty(&["fixtures/wecom-kf/sync_msg.json"], None));
}

#[test]
fn devmode_session_event() {
    insta::assert_snapshot!(pretty(
        &["fixtures/devmode/event.system_notify_in_receive.json"],
        None
    ));
}

#[test]
fn relayed_official_account_text_with_string_numbers() {
    insta::assert_snapshot!(pretty(&["fixtures/official-account/text.json"], None));
}

#[test]
fn invalid_payload_with_findings() {
    let input = "{\n  \"msgid\": \"m1\",\n  \"send_time\": 1733988102000,\n  \"origin\": 7,\n  \"msgtype\": \"text\",\n  \"text\": {\"content\": \"你好\", \"colour\": \"red\"},\n  \"text\": {\"content\": \"again\"}\n}\n";
    insta::assert_snapshot!(pretty(&[], Some(input)));
}

#[test]
fn broken_document_among_good_ones() {
    let input = "2024-05-01 10:00:00 INFO recv {\"msgid\":\"a\",\"send_time\":1733988102,\"origin\":3,\"msgtype\":\"image\",\"image\":{\"media_id\":\"m\"}}\n2024-05-01 10:00:01 INFO recv {\"msgid\":\"b\",\"send_time\":17339\n2024-05-01 10:00:02 INFO recv <xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[MENU_HELP]]></EventKey></xml>\n";
    insta::assert_snapshot!(pretty(&[], Some(input)));
}

#[test]
fn hostile_text_is_escaped_and_cjk_aligned() {
    let input = "{\"ToUserName\":\"gh_1\",\"FromUserName\":\"o\\u001b]52;c;ZXZpbA==\\u0007\",\"CreateTime\":1700000000,\"MsgType\":\"text\",\"Content\":\"你好\\u001b[2J\\u202e 👨‍👩‍👧 C:\\\\x1b\",\"MsgId\":9223372036854775808,\"额外字段\":\"中文键\"}";
    insta::assert_snapshot!(pretty(&["--platform", "official-account"], Some(input)));
}
