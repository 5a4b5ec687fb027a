//! Realistic example payloads, derived from the catalogue.
//!
//! [`sample`] walks a type's fields and fills each from a small table of plausible
//! values keyed by field (original ids `gh_…`, openids `o…`, WeCom `wk…`/`wm…` ids,
//! recent Unix seconds, 64-bit message ids above 2^53, Chinese text where a user
//! would write it, URLs for links). Enumerated fields take their first code (item
//! *n* of an array takes code *n*), discriminators come from the type id, objects
//! and arrays from the field's children. Nothing depends on the clock or on
//! randomness, so the output is stable and can be snapshot-tested.
//!
//! Which optional and conditional fields appear is decided by [`include`]: the
//! sample shows one coherent situation (a push, not a passive reply; a plain
//! message, not one from an article), and a field whose condition names a sibling
//! (`type is click`, `change_type 1, 2 or 4`) appears exactly when that sibling's
//! sample value satisfies it.

use crate::catalog::{self, Direction, Field, PlatformId, Req, Ty, TypeDef};
use crate::doc::{Format, Member, Node, Value, XmlForm};
use crate::schema;

/// Unix seconds every sample is dated at: 2025-01-15 10:30:45 +08:00.
pub const TIME: u64 = 1_736_908_245;

/// Ciphertext of public test vector V6 (mini program / official account JSON
/// secure mode, catalogue §10); the envelope's `ToUserName` is [`VECTOR_GH`].
const V6_ENCRYPT: &str = "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04=";

/// Ciphertext of public test vector V7 (XML secure mode, catalogue §10).
const V7_ENCRYPT: &str = "D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==";

/// `ToUserName` of the V6 and V7 envelopes.
const VECTOR_GH: &str = "gh_97417a04a28d";

/// Ciphertext of public test vector V1 (the official WeCom sample, catalogue §10),
/// with its CorpID and `AgentID`.
const V1_ENCRYPT: &str = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";
const V1_CORPID: &str = "wx5823bf96d3bd56c7";
const V1_AGENT: &str = "218";

/// Original ids (`gh_` + 12 hex) of the sample mini program and official account.
const MP_GH: &str = "gh_4f2a9c7e1b3d";
const OA_GH: &str = "gh_8e3b6f1a9d24";
/// An openid: `o` + 27 base64url characters.
const OPENID: &str = "oR3Kx5d_9TqLmA2vYpW7cN1eZbG4";
/// A WeCom CorpID.
const CORPID: &str = "ww5f3a1c7e9b2d4a60";
const OPEN_KFID: &str = "wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw";
const EXTERNAL_USERID: &str = "wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw";
const MP_APPID: &str = "wx3a8c1f9b2e6d4075";
/// A 64-bit `MsgId` above 2^53 (f64 would round it).
const MSG_ID: &str = "24880237586741259";
/// A 64-bit `MsgID` of a template or mass-send job.
const JOB_MSG_ID: &str = "3864512935026114561";
const PIC_URL: &str = "http://mmbiz.qpic.cn/mmbiz_jpg/5ZqXH1Mqm0eXo7GNcDvPvicUtxqSn3gAgVoGdGw0pp6Qzw1tFPgnHTCA0icuZO9e4sJDzmDUPwgmpxibhOT8KZ6lw/0";
const ARTICLE_URLS: [&str; 2] = [
    "https://mp.weixin.qq.com/s/8JpTkSNx1cQcZc3yHkV2Gw",
    "https://mp.weixin.qq.com/s/Qm3vR7tY2uWx9zB4cD6eFg",
];
const MEDIA_ID: &str = "Yh3Z8mQk2vX9cT1bN6rW0pL4sD7fG5hJ-aE3uI8oK2yR_tV6nB9mC1xZ4qS7wD0f";
const THUMB_MEDIA_ID: &str = "Tb7nK2pX5vQ9mR1cW4yZ8hJ0sL3dF6gA-eU2iO7tB5nM9xC1vZ4kS8wD0qP3rY6h";
const KF_MEDIA_ID: &str = "2iSLeVyqzk4eX0IB5kTi9Ljfa2rt9dwfq5WKRQ4Nvvgw";
const CDN_IMAGE: &str = "https://wx.qlogo.cn/finderhead/ver_1/9Xp4UoL7a2KqWm1sEr8YtZc3VbN6hD0f/0";

/// Optional fields left out of samples: they belong to special set-ups
/// (platform-type mini programs, the developer-mode relay flag, 16 kHz voice)
/// or their name is unconfirmed.
const LEFT_OUT: &[&str] = &["BusinessId", "ToBusiness", "MediaId16K", "no_newline"];

/// Conditions (substrings of [`Req::Cond`] texts) that describe a situation the
/// samples do not show: compatibility mode, the developer's passive reply, a
/// message from an article or a menu, an entry from WeChat Channels, and the ids
/// the docs say events do not carry.
const NOT_SHOWN: &[&str] = &[
    "compatibility mode",
    "passive reply envelope",
    "came from an article",
    "customer-service menu item",
    "speech recognition",
    "reply generated by a menu click",
    "entered from WeChat Channels",
    "documented as not returned for events",
];

/// An example payload of `td` as it would arrive in `format` (the XML and JSON
/// forms differ only where the catalogue says so, e.g. the subscribe-message
/// wrapper, and in the encrypted test vector used).
pub fn sample(td: &'static TypeDef, format: Format) -> Node {
    let g = Gen { td, format };
    let fields: Vec<&'static Field> = td.all_fields().collect();
    node(Value::Object(g.object(&fields, "", 0)))
}

fn node(value: Value) -> Node {
    Node {
        pos: 0,
        xml: XmlForm::None,
        value,
    }
}

/// Whether a field appears in a sample.
enum When {
    Always,
    Never,
    /// Only in the form of this format.
    Only(Format),
    /// Only when the sibling field's value is one of these.
    Sibling(&'static str, Vec<String>),
}

/// Decides whether `f` appears; `siblings` are the names of the fields beside it.
fn include(f: &Field, siblings: &[&'static Field]) -> When {
    match f.req {
        Req::Always => When::Always,
        Req::Optional if LEFT_OUT.contains(&f.name) => When::Never,
        Req::Optional => When::Always,
        Req::Cond(c) => {
            if NOT_SHOWN.iter().any(|s| c.contains(s)) {
                When::Never
            } else if let Some(format) = f.req.form() {
                When::Only(format)
            } else {
                sibling_condition(c, siblings).unwrap_or(When::Always)
            }
        }
    }
}

/// Reads conditions of the form `[only when] NAME [is] VALUES`, where NAME is a
/// sibling field and VALUES are like `2`, `1 or 3`, `1, 2 or 4`, `1-3`, `click`.
fn sibling_condition(cond: &str, siblings: &[&'static Field]) -> Option<When> {
    let rest = cond.strip_prefix("only when ").unwrap_or(cond);
    let mut words = rest.split_whitespace();
    let name = words.next()?;
    let sib = siblings.iter().find(|s| s.name == name)?;
    let mut values = Vec::new();
    for w in words {
        let w = w.trim_end_matches(',');
        if w == "is" || w == "or" {
            continue;
        }
        if let Some((a, b)) = w.split_once('-') {
            let (a, b) = (a.parse::<u32>().ok()?, b.parse::<u32>().ok()?);
            values.extend((a..=b).map(|n| n.to_string()));
        } else if w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            values.push(w.to_string());
        } else {
            return None;
        }
    }
    if values.is_empty() {
        return None;
    }
    Some(When::Sibling(sib.name, values))
}

struct Gen {
    td: &'static TypeDef,
    format: Format,
}

impl Gen {
    /// The members of an object with these fields; `path` is its JSON Pointer
    /// (array items as `-`), `i` its index when it is an array item.
    fn object(&self, fields: &[&'static Field], path: &str, i: usize) -> Vec<Member> {
        // Unconditional fields first, so conditions can read their siblings.
        let decisions: Vec<When> = fields.iter().map(|f| include(f, fields)).collect();
        let mut values: Vec<Option<Value>> = vec![None; fields.len()];
        for (k, f) in fields.iter().enumerate() {
            let keep = match &decisions[k] {
                When::Always => true,
                When::Only(fmt) => *fmt == self.format,
                When::Never | When::Sibling(..) => false,
            };
            if keep {
                values[k] = Some(self.value(f, &format!("{path}/{}", f.name), i));
            }
        }
        for (k, f) in fields.iter().enumerate() {
            if let When::Sibling(name, allowed) = &decisions[k] {
                let sib = fields
                    .iter()
                    .position(|s| s.name == *name)
                    .and_then(|p| values[p].as_ref());
                let holds = match sib {
                    Some(Value::String(s) | Value::Number(s)) => allowed.contains(s),
                    _ => false,
                };
                if holds {
                    values[k] = Some(self.value(f, &format!("{path}/{}", f.name), i));
                }
            }
        }
        let mut members: Vec<Member> = fields
            .iter()
            .zip(values)
            .filter_map(|(f, v)| {
                v.map(|v| Member {
                    key: f.name.to_string(),
                    key_pos: 0,
                    node: node(v),
                })
            })
            .collect();
        count_fields(&mut members);
        members
    }

    /// The value of field `f` at `path`, item `i` of its array (0 otherwise).
    fn value(&self, f: &'static Field, path: &str, i: usize) -> Value {
        match f.ty {
            Ty::Object => {
                Value::Object(self.object(&f.children.iter().collect::<Vec<_>>(), path, i))
            }
            Ty::ObjectArray => {
                if let Some(items) = self.special_items(path) {
                    return Value::Array(items);
                }
                let children: Vec<&'static Field> = f.children.iter().collect();
                let item_path = format!("{path}/-");
                Value::Array(
                    (0..2)
                        .map(|n| node(Value::Object(self.object(&children, &item_path, n))))
                        .collect(),
                )
            }
            Ty::StringArray => Value::Array(
                ["示例一", "示例二"]
                    .iter()
                    .map(|s| node(Value::String(s.to_string())))
                    .collect(),
            ),
            Ty::Null => Value::Null,
            // The only boolean is the developer-mode `ToBusiness`; the seed sends
            // `true` in session events and staff replies alike.
            Ty::Boolean => Value::Bool(true),
            ty => {
                let text = self.text(f, path, i);
                typed(ty, text)
            }
        }
    }

    /// Arrays whose items are whole payloads of other types: the `msg_list` of a
    /// `sync_msg` response holds one customer message and one event.
    fn special_items(&self, path: &str) -> Option<Vec<Node>> {
        if self.td.platform != PlatformId::WecomKf || path != "/msg_list" {
            return None;
        }
        let text = catalog::find(PlatformId::WecomKf, "text")?;
        let event = catalog::find(PlatformId::WecomKf, "event.enter_session")?;
        Some(vec![
            sample(text, Format::Json),
            sample(event, Format::Json),
        ])
    }

    /// The text of a scalar field (a number's lexeme for numeric fields).
    fn text(&self, f: &'static Field, path: &str, i: usize) -> String {
        // Discriminators are the type id itself.
        if let Some((_, v)) = schema::discriminators(self.td)
            .into_iter()
            .find(|(p, _)| *p == path)
        {
            return v.to_string();
        }
        if f.name == "origin" && self.td.direction == Direction::SystemEvent {
            // Events are pushed by the system: origin 4.
            return "4".into();
        }
        if let Some(c) = f.codes.get(i % f.codes.len().max(1)) {
            return c.value.to_string();
        }
        if let Some(t) = self.known(f, path, i) {
            return t.to_string();
        }
        match f.ty {
            Ty::Timestamp => TIME.to_string(),
            Ty::Id64 => MSG_ID.to_string(),
            Ty::Integer => (i + 1).to_string(),
            Ty::Number => "1.5".into(),
            _ if looks_like_url(f) => ARTICLE_URLS[i % 2].into(),
            _ => "示例".into(),
        }
    }

    /// Values from the table, by platform, type and path.
    fn known(&self, f: &'static Field, path: &str, i: usize) -> Option<String> {
        use PlatformId::*;
        let p = self.td.platform;
        let id = self.td.id;
        let pick = |a: &[&str]| a[i % a.len()].to_string();
        let s = |v: &str| Some(v.to_string());
        let media_url = || {
            let ext = match id {
                "image" => "jpg",
                "voice" => "amr",
                "video" => "mp4",
                _ => "pdf",
            };
            format!("https://cdn.example.com/kefu/2025/01/15/a8c1f9b2e6d4.{ext}")
        };
        match (p, path) {
            (Miniprogram | OfficialAccount, "/ToUserName") if id == "encrypted" => s(VECTOR_GH),
            (WecomKf, "/ToUserName") if id == "encrypted" => s(V1_CORPID),
            (_, "/Encrypt") if id == "encrypted" => Some(
                match (p, self.format) {
                    (WecomKf, _) => V1_ENCRYPT,
                    (_, Format::Json) => V6_ENCRYPT,
                    (_, Format::Xml) => V7_ENCRYPT,
                }
                .to_string(),
            ),
            (_, "/AgentID") => s(V1_AGENT),
            // A passive reply goes back to the user: the push's addresses swapped.
            (OfficialAccount, "/ToUserName") if self.td.direction == Direction::StaffToUser => {
                s(OPENID)
            }
            (OfficialAccount, "/FromUserName") if self.td.direction == Direction::StaffToUser => {
                s(OA_GH)
            }
            (Miniprogram, "/ToUserName") => s(MP_GH),
            (OfficialAccount, "/ToUserName") => s(OA_GH),
            (Miniprogram | OfficialAccount, "/FromUserName") => s(OPENID),
            (WecomKf, "/ToUserName") => s(CORPID),
            (Devmode, "/ToUserName") => s("visitor_8f3a2c1d"),
            (Devmode, "/FromUserName") => s("799533513"),
            (Devmode, "/MsgId") if self.td.direction == Direction::SystemEvent => {
                s("678d9a3f2b1c4")
            }
            (Devmode, "/MsgId") => s("678d9a4e8c2f1"),
            (Devmode, "/ChannelId") => s("15033"),
            (Devmode, "/ChannelName") => s("官网在线咨询"),
            (Devmode, "/StaffId") => s("kefu_lihua"),
            (Devmode, "/StaffName") => s("客服小李"),
            (Devmode, "/ChatSessionId") => s("20211"),
            (Devmode, "/wechatapp_id") => s("211079"),
            (Devmode, "/Content") => match id {
                "text" => s("您好，您的订单已经发货，预计明天送达。"),
                "multiple" | "miniprogrampage" => s(PIC_URL),
                _ if self.td.direction == Direction::SystemEvent => s(""),
                _ => Some(media_url()),
            },
            (Devmode, "/Title") if id == "multiple" => s("春季新品发布会回顾"),
            (Devmode, "/Description") => s("一文看懂本季新品亮点"),
            (_, "/Content") => s("你好，请问这件商品还有货吗？"),
            (_, "/Title") if id == "link" => s("微信公众平台开发者文档"),
            (_, "/Description") if id == "link" => s("公众号消息接口说明与示例"),
            (_, "/Title") => s("新品上市，限时八折"),
            (_, "/Articles/-/Title") => Some(pick(&["春季新品发布会回顾", "会员日专享福利"])),
            (_, "/Articles/-/Description") => {
                Some(pick(&["一文看懂本季新品亮点", "本周六会员日，全场满减"]))
            }
            (_, "/Articles/-/PicUrl" | "/PicUrl" | "/ThumbUrl") => s(PIC_URL),
            (_, "/MediaId" | "/Image/MediaId" | "/Voice/MediaId" | "/Video/MediaId") => {
                s(MEDIA_ID)
            }
            (_, "/ThumbMediaId" | "/Music/ThumbMediaId") => s(THUMB_MEDIA_ID),
            (_, "/Video/Title") => s("新品开箱视频"),
            (_, "/Video/Description") => s("三分钟看懂新品的使用方法"),
            (_, "/Music/Title") => s("店铺背景音乐"),
            (_, "/Music/Description") => s("轻松愉快的购物时光"),
            (_, "/Music/MusicUrl" | "/Music/HQMusicUrl") => {
                s("https://m.example.com/music/shop-bgm.mp3")
            }
            (_, "/TransInfo/KfAccount") => s("kf2001@shopdemo"),
            (_, "/AppId") => s(MP_APPID),
            (_, "/PagePath") => s("pages/goods/detail?id=1024"),
            (_, "/SessionFrom") => s("goods_detail_1024"),
            (_, "/MsgId") => s(MSG_ID),
            (_, "/MsgID") => s(JOB_MSG_ID),
            (_, "/Format") => s("amr"),
            (_, "/Location_X") => s("23.134521"),
            (_, "/Location_Y") => s("113.358803"),
            (_, "/Scale") => s("20"),
            (_, "/Label") => s("广州市海珠区阅江西路222号"),
            (_, "/Latitude") => s("31.228611"),
            (_, "/Longitude") => s("121.475470"),
            (_, "/Precision") => s("65.000000"),
            (_, "/EventKey") => Some(self.event_key(f)),
            (_, "/Ticket") => s("gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xLzJ6dzBkTGZsRzBHSEZLN0hLMUJ0AAIEzTSHZwMEAAAAAA=="),
            (_, "/MenuId") => s("410418124"),
            (_, "/ScanCodeInfo/ScanType") => s("qrcode"),
            (_, "/ScanCodeInfo/ScanResult") => s("https://weixin.qq.com/r/mp/8Ejk0pzEhFL0rXyY90c4"),
            (_, "/SendPicsInfo/PicList/-/PicMd5Sum") => Some(pick(&[
                "1b5f7c23b5bf75682a53e7b6d163e185",
                "7f2e4c8d1a9b3e5f6c0d2a4b8e1f3c5d",
            ])),
            (_, "/SendLocationInfo/Location_X") => s("23.104105"),
            (_, "/SendLocationInfo/Location_Y") => s("113.320826"),
            (_, "/SendLocationInfo/Scale") => s("15"),
            (_, "/SendLocationInfo/Label") => s("广州市天河区天河路208号"),
            (_, "/SendLocationInfo/Poiname") => s("天河城"),
            (_, "/TotalCount") => s("100"),
            (_, "/FilterCount") => s("80"),
            (_, "/SentCount") => s("75"),
            (_, "/ErrorCount") => s("5"),
            (_, "/CopyrightCheckResult/ResultList/-/UserDeclareState") => s("0"),
            (_, "/CopyrightCheckResult/ResultList/-/AuditState") => s("2"),
            (_, "/KfAccount" | "/FromKfAccount") => s("kf2001@shopdemo"),
            (_, "/ToKfAccount") => s("kf2002@shopdemo"),
            (_, "/PublishEventInfo/publish_id") => s("2247503051"),
            (_, "/PublishEventInfo/publish_status") => s("0"),
            (_, "/PublishEventInfo/article_id") => {
                s("b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvyWFSmBkE")
            }
            (_, "/SubscribeMsgPopupEvent/List/-/TemplateId")
            | (_, "/SubscribeMsgChangeEvent/List/-/TemplateId")
            | (_, "/SubscribeMsgSentEvent/List/-/TemplateId")
            | (_, "/List/-/TemplateId") => Some(pick(&[
                "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc",
                "9Xp4UoL7a2KqWm1sEr8YtZc3VbN6hD0fGjQ5iA2BnTs",
            ])),
            _ if path.ends_with("/List/-/MsgID") => {
                Some(pick(&["1700827132819554304", "1700827132819554305"]))
            }
            _ if path.ends_with("/List/-/ErrorCode") => s("0"),
            _ if path.ends_with("/List/-/ErrorStatus") => s("success"),
            (_, "/ArticleCount") => s("2"),
            // WeCom kf items.
            (WecomKf, "/msgid") if self.td.direction == Direction::SystemEvent => {
                s("6GR8X2GhTzhKn1r1ZQr5NFbVBJC1jkRH3yW1KhYpDMhu")
            }
            (WecomKf, "/msgid") => s("from_msgid_4622416642169452483"),
            (_, "/open_kfid" | "/event/open_kfid" | "/OpenKfId") => s(OPEN_KFID),
            (_, "/external_userid" | "/event/external_userid") => s(EXTERNAL_USERID),
            (_, "/servicer_userid" | "/event/servicer_userid" | "/event/new_servicer_userid") => {
                s("zhangsan")
            }
            (_, "/event/old_servicer_userid") => s("lisi"),
            (_, "/event/fail_msgid" | "/event/recall_msgid") => {
                s("mK9bT3vQ7xZ1cN5rW8pY2sD6fH0jL4gE7aU1iO5yR9tB")
            }
            (_, "/event/scene") => s("order_help"),
            (_, "/event/scene_param") => s("order_id=1024"),
            (_, "/event/welcome_code") => s("VFhF0GptTkbTBnzGWoFOQ4BJV7BOsDkX4-TrGz_CJgM"),
            (_, "/event/msg_code") => s("lpbTaBdRYt4WMmEvHK6C8CR_8EpozPmoNPjzp5KGRl0"),
            (_, "/Token") => s("ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR"),
            (_, "/text/content") => s("你好，我想咨询一下退货流程"),
            _ if path.ends_with("/media_id") => s(KF_MEDIA_ID),
            (_, "/location/latitude") => s("23.10647"),
            (_, "/location/longitude") => s("113.2669"),
            (_, "/location/name") => s("广州国际媒体港"),
            (_, "/location/address") => s("广东省广州市海珠区滨江东路"),
            (_, "/link/title") => s("微信客服接入指引"),
            (_, "/link/desc") => s("三步完成微信客服的配置"),
            (_, "/link/url") => s("https://kf.weixin.qq.com/help/guide"),
            (_, "/business_card/userid") => s("zhangsan"),
            (_, "/miniprogram/title") => s("会员中心"),
            (_, "/miniprogram/appid" | "/msgmenu/list/-/miniprogram/appid") => s(MP_APPID),
            (_, "/miniprogram/pagepath" | "/msgmenu/list/-/miniprogram/pagepath") => {
                s("pages/member/index")
            }
            (_, "/miniprogram/thumb_media_id") => s(KF_MEDIA_ID),
            (_, "/msgmenu/head_content") => s("您对本次服务是否满意呢？"),
            (_, "/msgmenu/tail_content") => s("欢迎再次光临"),
            (_, "/msgmenu/list/-/click/id") => Some(pick(&["101", "102"])),
            (_, "/msgmenu/list/-/click/content") => s("满意"),
            (_, "/msgmenu/list/-/view/url") => s("https://kf.weixin.qq.com/order/track"),
            (_, "/msgmenu/list/-/view/content") => s("查看物流"),
            (_, "/msgmenu/list/-/miniprogram/content") => s("打开小程序"),
            (_, "/msgmenu/list/-/text/content") => s("感谢您的评价"),
            (_, "/channels_shop_product/product_id") => s("10000087654321"),
            (_, "/channels_shop_product/title") => s("手工陶瓷马克杯"),
            (_, "/channels_shop_product/sales_price") => s("59.90"),
            (_, "/channels_shop_product/shop_nickname" | "/channels_shop_order/shop_nickname") => {
                s("广州好物小店")
            }
            (_, "/channels_shop_order/order_id") => s("3705115058471208928"),
            (_, "/channels_shop_order/product_titles") => s("手工陶瓷马克杯"),
            (_, "/channels_shop_order/price_wording") => s("¥59.90"),
            (_, "/channels_shop_order/state") => s("已发货"),
            (_, "/merged_msg/title") => s("张三和李四的聊天记录"),
            (_, "/merged_msg/item/-/send_time") => Some((TIME - 300 + 60 * i as u64).to_string()),
            (_, "/merged_msg/item/-/msgtype") => s("text"),
            (_, "/merged_msg/item/-/sender_name") => Some(pick(&["张三", "李四"])),
            (_, "/merged_msg/item/-/msg_content") => Some(pick(&[
                r#"{"text":{"content":"明天上午十点开会"}}"#,
                r#"{"text":{"content":"好的，收到"}}"#,
            ])),
            (_, "/channels/nickname") => s("广州美食探店"),
            (_, "/channels/title") => s("周末去哪儿吃"),
            (_, "/errcode") => s("0"),
            (_, "/errmsg") => s("ok"),
            (_, "/next_cursor") => s("4gw7MepFLfgF2VC5npN"),
            _ if path.ends_with("Idx") || path.ends_with("/idx") => Some((i + 1).to_string()),
            _ if path.ends_with("/OriginalArticleType")
                || path.ends_with("/CanReprint")
                || path.ends_with("/NeedReplaceContent")
                || path.ends_with("/NeedShowReprintSource") =>
            {
                s("1")
            }
            _ if f.ty == Ty::String && looks_like_url(f) => {
                if f.en.contains("image") || f.en.contains("avatar") || f.en.contains("thumbnail")
                {
                    s(CDN_IMAGE)
                } else {
                    Some(ARTICLE_URLS[i % 2].to_string())
                }
            }
            _ => None,
        }
    }

    /// `EventKey` depends on the event: a QR scene, a menu key, a URL or a page.
    fn event_key(&self, f: &Field) -> String {
        let event = self.td.id.strip_prefix("event.").unwrap_or(self.td.id);
        match event {
            "subscribe" => "qrscene_123123",
            "SCAN" => "123123",
            "CLICK" => "V1001_TODAY_NEWS",
            "VIEW" => "https://m.example.com/shop/index.html",
            "view_miniprogram" => "pages/index/index",
            "scancode_push" | "scancode_waitmsg" => "rselfmenu_0_1",
            "pic_sysphoto" | "pic_photo_or_album" | "pic_weixin" => "rselfmenu_1_0",
            "location_select" => "rselfmenu_2_0",
            _ if looks_like_url(f) => "https://m.example.com/",
            _ => "MENU_KEY_1",
        }
        .to_string()
    }
}

/// A `String`-typed field that holds a link, by name or meaning.
fn looks_like_url(f: &Field) -> bool {
    let n = f.name;
    n.ends_with("Url")
        || n.ends_with("url")
        || n.ends_with("_image")
        || n == "head_image"
        || f.en.contains("URL")
}

/// Sets `Count` / `count` / `ArticleCount` to the length of the one array beside it,
/// so counts and lists agree as they do in real pushes.
fn count_fields(members: &mut [Member]) {
    let lens: Vec<usize> = members
        .iter()
        .filter_map(|m| match &m.node.value {
            Value::Array(items) => Some(items.len()),
            _ => None,
        })
        .collect();
    let [len] = lens[..] else {
        return;
    };
    for m in members.iter_mut() {
        if matches!(m.key.as_str(), "Count" | "count" | "ArticleCount")
            && matches!(m.node.value, Value::Number(_))
        {
            m.node.value = Value::Number(len.to_string());
        }
    }
}

/// The JSON value of a scalar's text for a field of type `ty`.
fn typed(ty: Ty, text: String) -> Value {
    match ty {
        Ty::Integer | Ty::Id64 | Ty::Timestamp | Ty::Number
            if crate::doc::is_canonical_number(&text) =>
        {
            Value::Number(text)
        }
        // A table value that is not a number cannot fill a numeric field; a safe
        // default keeps the sample valid.
        Ty::Integer | Ty::Id64 | Ty::Timestamp | Ty::Number => Value::Number("1".into()),
        _ => Value::String(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{all_types, find};

    fn keys(n: &Node) -> Vec<&str> {
        n.members().iter().map(|m| m.key.as_str()).collect()
    }

    #[test]
    fn samples_are_deterministic() {
        for td in all_types() {
            assert_eq!(
                sample(td, Format::Json),
                sample(td, Format::Json),
                "{}",
                td.id
            );
        }
    }

    #[test]
    fn subscribe_events_differ_by_format() {
        let td = find(PlatformId::Miniprogram, "event.subscribe_msg_popup_event").unwrap();
        let json = sample(td, Format::Json);
        let xml = sample(td, Format::Xml);
        assert!(json.has("List") && !json.has("SubscribeMsgPopupEvent"));
        assert!(xml.has("SubscribeMsgPopupEvent") && !xml.has("List"));
    }

    #[test]
    fn conditions_follow_siblings() {
        let td = find(PlatformId::WecomKf, "event.session_status_change").unwrap();
        let s = sample(td, Format::Json);
        let ev = s.get("event").unwrap();
        // change_type 1: a new servicer and a msg_code, no old servicer.
        assert_eq!(
            keys(ev),
            [
                "event_type",
                "open_kfid",
                "external_userid",
                "change_type",
                "new_servicer_userid",
                "msg_code"
            ]
        );
        let menu = find(PlatformId::WecomKf, "msgmenu").unwrap();
        let s = sample(menu, Format::Json);
        let Some(Value::Array(items)) = s
            .get("msgmenu")
            .and_then(|m| m.get("list"))
            .map(|l| &l.value)
        else {
            panic!("no list");
        };
        assert_eq!(keys(&items[0]), ["type", "click"]);
        assert_eq!(keys(&items[1]), ["type", "view"]);
    }

    #[test]
    fn counts_match_their_lists() {
        let td = find(PlatformId::OfficialAccount, "news").unwrap();
        let s = sample(td, Format::Xml);
        assert_eq!(
            s.get("ArticleCount").unwrap().value,
            Value::Number("2".into())
        );
    }
}
