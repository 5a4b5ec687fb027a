//! Other WeChat encryption schemes, recognised so that they are refused with a
//! pointer instead of being fed to the safe-mode decryptor (where they would only
//! produce a misleading "bad padding").

use crate::doc::{Node, Value};

/// A payload encrypted with a scheme wxmsg does not decrypt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherScheme {
    /// Short name (`WeChat Pay API v3 resource`).
    pub name: &'static str,
    /// JSON Pointer of the encrypted field.
    pub field: String,
    /// What it is, which key it needs, and where it is documented.
    pub message: String,
}

/// Recognises WeChat Pay API v3 `resource` objects, WeChat Pay refund
/// notifications (`req_info`) and mini program open data (`encryptedData` + `iv`).
pub fn other_scheme(root: &Node) -> Option<OtherScheme> {
    if let Some(field) = pay_v3(root) {
        return Some(OtherScheme {
            name: "WeChat Pay API v3 resource",
            field,
            message: "WeChat Pay API v3 notification: `resource` is encrypted with AEAD_AES_256_GCM and the merchant's APIv3 key (with its own nonce and associated_data), not with an EncodingAESKey; wxmsg decrypts only message-push safe mode and does not try it. See 如何解密证书和回调报文: https://pay.weixin.qq.com/docs/merchant/development/interface-rules/certificate-callback-decryption.html".into(),
        });
    }
    if is_str(root, "encryptedData") && is_str(root, "iv") {
        return Some(OtherScheme {
            name: "mini program encryptedData",
            field: "/encryptedData".into(),
            message: "mini program open data: `encryptedData` is AES-128-CBC with the user's session_key and this `iv`, not safe mode; wxmsg does not decrypt it. Decrypt it on your server with the session_key from code2Session. See 开放数据校验与解密: https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html".into(),
        });
    }
    if is_str(root, "req_info") && (root.has("mch_id") || root.has("return_code")) {
        return Some(OtherScheme {
            name: "WeChat Pay refund notification",
            field: "/req_info".into(),
            message: "WeChat Pay refund notification: `req_info` is AES-256-ECB with the MD5 of the merchant's API key, not safe mode; wxmsg does not decrypt it. See 退款结果通知: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=9_16".into(),
        });
    }
    None
}

/// `{"resource": {"algorithm", "ciphertext", "nonce", "associated_data"}}`, or
/// such an object on its own: the JSON Pointer of its `ciphertext`.
fn pay_v3(root: &Node) -> Option<String> {
    let looks = |n: &Node| {
        is_str(n, "ciphertext")
            && (is_str(n, "algorithm") || (n.has("nonce") && n.has("associated_data")))
    };
    match root.get("resource") {
        Some(r) if looks(r) => Some("/resource/ciphertext".into()),
        _ if looks(root) => Some("/ciphertext".into()),
        _ => None,
    }
}

fn is_str(n: &Node, key: &str) -> bool {
    matches!(n.get(key).map(|v| &v.value), Some(Value::String(_)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{json, Limits};

    fn root(s: &str) -> Node {
        json::parse(s.as_bytes(), json::Mode::Strict, Limits::default())
            .unwrap()
            .0
    }

    #[test]
    fn recognises_each_scheme_by_its_fields() {
        let pay = root(
            r#"{"resource":{"algorithm":"AEAD_AES_256_GCM","ciphertext":"x","nonce":"n","associated_data":""}}"#,
        );
        assert_eq!(other_scheme(&pay).unwrap().field, "/resource/ciphertext");
        let bare = root(r#"{"ciphertext":"x","nonce":"n","associated_data":"a"}"#);
        assert_eq!(other_scheme(&bare).unwrap().field, "/ciphertext");
        let open = root(r#"{"encryptedData":"x","iv":"y"}"#);
        assert!(other_scheme(&open).unwrap().message.contains("session_key"));
        let refund = root(r#"{"return_code":"SUCCESS","req_info":"x"}"#);
        assert_eq!(other_scheme(&refund).unwrap().field, "/req_info");
    }

    #[test]
    fn ordinary_documents_are_not_refused() {
        for s in [
            r#"{"ciphertext":"x"}"#,
            r#"{"encryptedData":"x"}"#,
            r#"{"iv":"y","ToUserName":"gh"}"#,
            r#"{"req_info":"x"}"#,
            r#"{"resource":{"ciphertext":1,"algorithm":"x"}}"#,
        ] {
            assert_eq!(other_scheme(&root(s)), None, "{s}");
        }
    }
}
