//! `convert` keeps XML's repeated sibling elements where the catalogue lists
//! no list: XML→JSON→XML gives the elements back repeated (not an `<item>`
//! list), and JSON→XML→JSON gives the JSON back. What JSON cannot tell apart
//! (an `<item>` list of two or more outside the catalogue, an element
//! repeated apart) is named by a warning.

use assert_cmd::Command;

fn wxmsg() -> Command {
    let mut c = Command::cargo_bin("wxmsg").unwrap();
    c.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("WXMSG_AES_KEY");
    c
}

/// Runs `wxmsg convert --to <to>` on `stdin`: (exit code, stdout, stderr).
fn convert(to: &str, stdin: &str) -> (i32, String, String) {
    let out = wxmsg()
        .args(["convert", "--to", to])
        .write_stdin(stdin)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A real `add_express_path` push (WxJava's WxMaMessageTest), one line: two
/// sibling `<Actions>` the catalogue lists nothing for.
const EXPRESS: &str = "<xml><ToUserName><![CDATA[gh_3953b390c11d]]></ToUserName>\
<FromUserName><![CDATA[ofYMP5JFT4SD7EX1LQv3IWrciBSo]]></FromUserName><CreateTime>1642658087</CreateTime>\
<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[add_express_path]]></Event>\
<DeliveryID><![CDATA[TEST]]></DeliveryID><WayBillId><![CDATA[01234567894_waybill_id]]></WayBillId>\
<Version>16</Version><Count>2</Count>\
<Actions><ActionTime>1642605533</ActionTime><ActionType>300001</ActionType><ActionMsg><![CDATA[揽件阶段-揽件成功]]></ActionMsg><Lat>0</Lat><Lng>0</Lng></Actions>\
<Actions><ActionTime>1642605533</ActionTime><ActionType>100001</ActionType><ActionMsg><![CDATA[揽件阶段-揽件成功]]></ActionMsg><Lat>0</Lat><Lng>0</Lng></Actions>\
<OrderId><![CDATA[01234567894]]></OrderId></xml>";

#[test]
fn sibling_elements_outside_the_catalogue_survive_xml_to_json_to_xml() {
    let (code, json, err) = convert("json", EXPRESS);
    assert_eq!(code, 0, "{err}");
    assert!(
        json.contains(r#""Actions":[{"ActionTime":1642605533"#),
        "{json}"
    );
    // It comes back as it was: nothing to warn of.
    assert!(!err.contains("Actions"), "{err}");
    let (code, xml, err) = convert("xml", &json);
    assert_eq!(code, 0, "{err}");
    assert_eq!(xml.trim_end(), EXPRESS);
    assert!(!xml.contains("<item>"), "{xml}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn json_arrays_outside_the_catalogue_survive_json_to_xml_to_json() {
    // Arrays of objects, of strings, of one value and of arrays, on fields
    // the catalogue does not list, nested too.
    let json = r#"{"ToUserName":"gh_3953b390c11d","FromUserName":"ofYMP5JFT4SD7EX1LQv3IWrciBSo","CreateTime":1642658087,"MsgType":"event","Event":"add_express_path","Actions":[{"ActionType":300001,"Tags":["a","b","c"]},{"ActionType":100001,"Tags":["d"]}],"One":[{"A":"x"}],"Grid":[[1,2],[3]],"OrderId":"01234567894"}"#;
    let (code, xml, err) = convert("xml", json);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    // Two values or more: the element repeated; one: an <item> list of one.
    assert!(
        xml.contains("<Actions><ActionType>300001</ActionType><Tags><![CDATA[a]]></Tags><Tags><![CDATA[b]]></Tags><Tags><![CDATA[c]]></Tags></Actions><Actions>"),
        "{xml}"
    );
    assert!(
        xml.contains("<Tags><item><![CDATA[d]]></item></Tags>"),
        "{xml}"
    );
    assert!(
        xml.contains("<One><item><A><![CDATA[x]]></A></item></One>"),
        "{xml}"
    );
    assert!(
        xml.contains("<Grid><item>1</item><item>2</item></Grid><Grid><item>3</item></Grid>"),
        "{xml}"
    );
    let (code, back, err) = convert("json", &xml);
    assert_eq!(code, 0, "{err}");
    assert_eq!(back.trim_end(), json);
    assert!(err.is_empty(), "{err}");
}

#[test]
fn catalogue_lists_keep_their_documented_form() {
    // `PicList` is an `<item>` list (catalog §4.3), even of two.
    let xml = "<xml><ToUserName><![CDATA[gh_e136c6e50636]]></ToUserName><FromUserName><![CDATA[oMgHVjngRipVsoxg6TuX3vz6glDg]]></FromUserName>\
<CreateTime>1408090816</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[pic_weixin]]></Event>\
<EventKey><![CDATA[6]]></EventKey><SendPicsInfo><Count>2</Count><PicList>\
<item><PicMd5Sum><![CDATA[5a75aaca956d97be686719218f275c6b]]></PicMd5Sum></item>\
<item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item>\
</PicList></SendPicsInfo></xml>";
    let (code, json, err) = convert("json", xml);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    let (code, back, err) = convert("xml", &json);
    assert_eq!(code, 0, "{err}");
    assert_eq!(back.trim_end(), xml);
    assert!(err.is_empty(), "{err}");
}

#[test]
fn an_item_list_outside_the_catalogue_is_named_as_coming_back_repeated() {
    let xml = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
<CreateTime>1736908245</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[add_express_path]]></Event>\
<Codes><item><![CDATA[a]]></item><item><![CDATA[b]]></item></Codes><Single><item><![CDATA[c]]></item></Single></xml>";
    let (code, json, err) = convert("json", xml);
    assert_eq!(code, 0, "{err}");
    assert!(
        json.contains(r#""Codes":["a","b"],"Single":["c"]"#),
        "{json}"
    );
    assert!(
        err.contains("<stdin>:1:")
            && err.contains(
                "/Codes: <Codes> holds an <item> list of 2 where the catalogue lists none"
            )
            && err.contains("converts back to XML as 2 repeated <Codes> elements"),
        "{err}"
    );
    // A list of one comes back as it was.
    assert!(!err.contains("Single"), "{err}");
    let (_, back, _) = convert("xml", &json);
    assert!(
        back.contains("<Codes><![CDATA[a]]></Codes><Codes><![CDATA[b]]></Codes><Single><item><![CDATA[c]]></item></Single>"),
        "{back}"
    );
}

#[test]
fn an_element_repeated_apart_is_named_as_coming_back_together() {
    let xml = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
<CreateTime>1736908245</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[add_express_path]]></Event>\
<Step>1</Step><Note><![CDATA[n]]></Note><Step>2</Step></xml>";
    let (code, json, err) = convert("json", xml);
    assert_eq!(code, 0, "{err}");
    assert!(json.contains(r#""Step":[1,2],"Note":"n""#), "{json}");
    assert!(
        err.contains("/Step: <Step> repeats 2 times with other elements between")
            && err.contains("not in their places"),
        "{err}"
    );
}
