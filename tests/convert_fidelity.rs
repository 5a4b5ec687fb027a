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
