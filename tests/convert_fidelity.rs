//! End-to-end tests of `wxmsg convert`'s promise: a conversion is lossless, or
//! a warning on stderr names what does not survive it.

use assert_cmd::Command;

fn wxmsg() -> Command {
    let mut c = Command::cargo_bin("wxmsg").unwrap();
    c.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("WXMSG_AES_KEY");
    c
}

/// Runs `wxmsg <args>` on `stdin`: (exit code, stdout, stderr).
fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let out = wxmsg().args(args).write_stdin(stdin).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The usual text-message header, in XML.
const H: &str =
    "<ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
                 <CreateTime>1736908245</CreateTime><MsgType><![CDATA[text]]></MsgType>";

#[test]
fn an_empty_string_element_converts_to_an_empty_string_that_validates() {
    for content in ["<Content></Content>", "<Content/>"] {
        let xml = format!("<xml>{H}{content}<MsgId>1</MsgId></xml>");
        // Through the fast lane (one payload) and the full pipeline alike.
        for input in [xml.clone(), format!("{xml}\n{xml}\n")] {
            let (code, json, err) = run(&["convert", "--to", "json"], &input);
            assert_eq!(code, 0, "{err}");
            assert!(json.contains(r#""Content":"""#), "{json}");
            assert!(!json.contains("null"), "{json}");
            let (code, _, err) = run(&["validate", "-"], &json);
            assert_eq!(code, 0, "{err}");
        }
        // XML -> JSON -> XML -> JSON is the identity from the first JSON on.
        let (_, json, _) = run(&["convert", "--to", "json"], &xml);
        let (_, back, err) = run(&["convert", "--to", "xml"], &json);
        assert!(err.is_empty(), "{err}");
        let (_, again, _) = run(&["convert", "--to", "json"], &back);
        assert_eq!(again, json);
    }
    // The official account's subscribe event with an empty EventKey.
    let xml =
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
               <CreateTime>1736908245</CreateTime><MsgType><![CDATA[event]]></MsgType>\
               <Event><![CDATA[subscribe]]></Event><EventKey></EventKey></xml>";
    let (code, json, err) = run(&["convert", "--to", "json"], xml);
    assert_eq!(code, 0, "{err}");
    assert!(json.contains(r#""EventKey":"""#), "{json}");
    let (code, _, err) = run(&["validate", "-"], &json);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn null_on_a_string_field_written_as_xml_is_named() {
    let json = r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1736908245,"MsgType":"text","Content":null,"MsgId":1}"#;
    let (code, _, err) = run(&["convert", "--to", "xml"], json);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("/Content: null reads back from XML as a string"),
        "{err}"
    );
}

/// JSON -> XML -> JSON: (stderr of the first step, the JSON it gives back).
fn json_xml_json(json: &str) -> (String, String) {
    let (code, xml, err) = run(&["convert", "--to", "xml"], json);
    assert_eq!(code, 0, "{err}");
    let (code, back, err2) = run(&["convert", "--to", "json"], &xml);
    assert_eq!(code, 0, "{err2}");
    (err, back)
}

#[test]
fn booleans_in_sync_msg_entries_survive_or_are_named() {
    let entry = r#"{"msgid":"m1","open_kfid":"wk1","external_userid":"wm1","send_time":1736908245,"origin":3,"msgtype":"text","text":{"content":"hi"},"flag":true}"#;
    let json = format!(
        r#"{{"errcode":0,"errmsg":"ok","next_cursor":"c","has_more":0,"msg_list":[{entry}]}}"#
    );
    let (err, back) = json_xml_json(&json);
    assert!(
        back.trim() == json || err.contains("/msg_list/0/flag"),
        "{err}\n{back}"
    );
    assert!(back.contains(r#""flag":true"#), "{back}");
    // Twice in one input, through the full pipeline instead of the lane.
    let (code, xml, _) = run(&["convert", "--to", "xml"], &json);
    assert_eq!(code, 0);
    let (_, back, _) = run(&["convert", "--to", "json"], &format!("{xml}{xml}"));
    assert_eq!(back, format!("{json}\n{json}\n"));
}

#[test]
fn a_boolean_agent_id_in_an_envelope_is_named() {
    // The JSON is an official envelope; its XML is WeCom's (AgentID is its
    // marker), whose AgentID is a string: the boolean does not survive.
    let json = r#"{"ToUserName":"wx5823bf96d3bd56c7","Encrypt":"AAAA","AgentID":true}"#;
    let (err, back) = json_xml_json(json);
    assert!(back.contains(r#""AgentID":"true""#), "{back}");
    assert!(
        err.contains("/AgentID: true reads back from XML as a string"),
        "{err}"
    );
}

#[test]
fn a_missing_item_wrapper_is_reported_not_repaired() {
    let xml = "<xml><ToUserName><![CDATA[o1]]></ToUserName><FromUserName><![CDATA[gh_1]]></FromUserName>\
               <CreateTime>1736908245</CreateTime><MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount>\
               <Articles><Title><![CDATA[T]]></Title><Description><![CDATA[D]]></Description>\
               <PicUrl><![CDATA[http://p]]></PicUrl><Url><![CDATA[http://u]]></Url></Articles></xml>";
    let (code, out, _) = run(&["validate", "-"], xml);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("/Articles"), "{out}");
    assert!(!out.contains("/Articles/0"), "{out}");
    let (_, json, _) = run(&["convert", "--to", "json"], xml);
    assert!(json.contains(r#""Articles":{"Title":"T""#), "{json}");
    // With the wrapper, the same article is valid.
    let wrapped = xml
        .replace("<Articles>", "<Articles><item>")
        .replace("</Articles>", "</item></Articles>");
    let (code, out, _) = run(&["validate", "-"], &wrapped);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_duplicate_key_is_reported_where_it_is() {
    let json = r#"{"ToUserName":"gh_1","MsgType":"text","Content":"x","Content":"y","Z":1}"#;
    for to in ["xml", "json"] {
        let (code, _, err) = run(&["convert", "--to", to], json);
        assert_eq!(code, 0, "{err}");
        assert!(
            err.contains("<stdin>:1:53: warning[duplicate-key]: duplicate key Content (first at line 1, column 39)"),
            "{err}"
        );
        // The loss is named at the repeated key, never at an unrelated member.
        assert!(!err.contains("\"Z\""), "{err}");
    }
    let (_, _, err) = run(&["convert", "--to", "xml"], json);
    assert!(
        err.contains("/Content: a string reads back from XML as an array of 2"),
        "{err}"
    );
}

#[test]
fn keys_that_are_not_namespace_well_formed_are_refused() {
    for key in ["a:b", ":a", "xml:x"] {
        let json = format!(
            "{{\"ToUserName\":\"gh_1\",\"MsgType\":\"text\",\n\"{key}\":1}}\n{{\"ToUserName\":\"gh_2\",\"MsgType\":\"text\"}}\n"
        );
        let (code, out, err) = run(&["convert", "--to", "xml"], &json);
        assert_eq!(code, 1, "{err}");
        // Nothing of that payload; the next one still goes out.
        assert!(!out.contains("gh_1"), "{out}");
        assert!(out.contains("gh_2"), "{out}");
        let pointer = format!("/{key}");
        assert!(
            err.contains(&format!(
                "<stdin>:2:{}: cannot write {pointer} as XML",
                key.len() + 4
            )),
            "{err}"
        );
    }
}

#[test]
fn repeated_elements_outside_the_catalogue_are_named() {
    let xml = format!("<xml>{H}<MsgId>1</MsgId><Content>a</Content><MsgId>2</MsgId><Extra>x</Extra><Extra>y</Extra></xml>");
    let (code, json, err) = run(&["convert", "--to", "json"], &xml);
    assert_eq!(code, 0, "{err}");
    assert!(json.contains(r#""MsgId":[1,2]"#), "{json}");
    assert!(
        err.contains("<stdin>:1:") && err.contains("/MsgId: <MsgId> repeats 2 times"),
        "{err}"
    );
    // Repeated in a row, it comes back as it was: no finding
    // (tests/convert_siblings.rs).
    assert!(!err.contains("/Extra"), "{err}");
    // A field WeChat writes as repeated elements is no finding.
    let popup = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
                 <CreateTime>1736908245</CreateTime><MsgType><![CDATA[event]]></MsgType>\
                 <Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent>\
                 <List><TemplateId><![CDATA[t1]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>0</PopupScene></List>\
                 <List><TemplateId><![CDATA[t2]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>0</PopupScene></List>\
                 </SubscribeMsgPopupEvent></xml>";
    let (code, json, err) = run(&["convert", "--to", "json"], popup);
    assert_eq!(code, 0, "{err}");
    assert!(json.contains(r#""List":[{"#), "{json}");
    assert!(!err.contains("repeats"), "{err}");
}

#[test]
fn an_input_of_several_without_a_payload_is_named() {
    let dir = std::env::temp_dir().join(format!("wxmsg-fidelity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.xml");
    let arr = dir.join("arr.json");
    let empty = dir.join("empty.json");
    std::fs::write(
        &good,
        format!("<xml>{H}<Content>a</Content><MsgId>1</MsgId></xml>"),
    )
    .unwrap();
    std::fs::write(&arr, "[1,2]\n").unwrap();
    std::fs::write(&empty, "").unwrap();
    let out = wxmsg()
        .args(["convert", "--to", "json"])
        .arg(&good)
        .arg(&arr)
        .arg(&empty)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        err.contains(&format!(
            "{}: no WeChat payload found, nothing converted from it",
            arr.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}: no payloads: the input is empty",
            empty.display()
        )),
        "{err}"
    );
    assert!(!err.contains(&good.display().to_string()), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bare_cdata_end_in_xml_text_is_a_warning() {
    let xml = format!("<xml>{H}<Content>a]]>b</Content><MsgId>1</MsgId></xml>");
    let (code, json, err) = run(&["convert", "--to", "json"], &xml);
    assert_eq!(code, 0, "{err}");
    assert!(json.contains(r#""Content":"a]]>b""#), "{json}");
    assert!(err.contains("warning[xml-not-well-formed]"), "{err}");
    let (code, out, _) = run(&["validate", "-"], &xml);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[xml-not-well-formed]"), "{out}");
}
