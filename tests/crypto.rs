//! Safe mode (安全模式): every public test vector of catalog §10 (one case file each
//! under `tests/corpus/decrypt/`), all 32 padding lengths, each failure class, and
//! the `decrypt` / `encrypt` / `parse --aes-key` command lines.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use wxmsg::crypto::{
    self, query::percent_decode, scheme, signature, AesKey, DecryptConfig, Query, SignatureParams,
    Verification,
};
use wxmsg::diag::Code;
use wxmsg::pipeline::{Analyzer, Options};
use wxmsg::report::{Envelope, Report};

/// One vector: key, signature inputs, receiver id, ciphertext and plaintext.
#[derive(Debug, Clone)]
struct Case {
    name: String,
    kind: String,
    key: String,
    token: String,
    timestamp: String,
    nonce: String,
    msg_signature: Option<String>,
    signature: Option<String>,
    receiver_id: String,
    random: Option<String>,
    pad: u8,
    reencrypts: bool,
    encrypt: String,
    echostr_urlencoded: Option<String>,
    wrong_nonce: Option<String>,
    body: Option<String>,
    expected: String,
}

fn cases() -> Vec<Case> {
    let dir = Path::new("tests/corpus/decrypt");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            let s = |k: &str| v[k].as_str().map(str::to_string);
            Case {
                name: s("name").unwrap(),
                kind: s("kind").unwrap(),
                key: s("key").unwrap(),
                token: s("token").unwrap(),
                timestamp: s("timestamp").unwrap(),
                nonce: s("nonce").unwrap(),
                msg_signature: s("msg_signature"),
                signature: s("signature"),
                receiver_id: s("receiver_id").unwrap(),
                random: s("random"),
                pad: v["pad"].as_u64().unwrap() as u8,
                reencrypts: v["reencrypts"].as_bool().unwrap(),
                encrypt: s("encrypt").unwrap(),
                echostr_urlencoded: s("echostr_urlencoded"),
                wrong_nonce: s("wrong_nonce"),
                body: s("body"),
                expected: s("expected").unwrap(),
            }
        })
        .collect()
}

fn case(prefix: &str) -> Case {
    cases()
        .into_iter()
        .find(|c| c.name.starts_with(prefix))
        .unwrap_or_else(|| panic!("no case {prefix}"))
}

/// A configuration with everything the case knows (token and signature inputs).
fn config(c: &Case) -> DecryptConfig {
    let mut cfg = DecryptConfig::new(&c.key);
    cfg.receiver_id = Some(c.receiver_id.clone());
    cfg.token = Some(c.token.clone());
    cfg.request = params(c);
    cfg
}

fn params(c: &Case) -> SignatureParams {
    SignatureParams {
        timestamp: Some(c.timestamp.clone()),
        nonce: Some(c.nonce.clone()),
        msg_signature: c.msg_signature.clone(),
    }
}

fn wxmsg() -> Command {
    let mut c = Command::cargo_bin("wxmsg").unwrap();
    c.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("WXMSG_AES_KEY");
    c
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

// ---------------------------------------------------------------------------
// Public vectors through the library

#[test]
fn the_corpus_holds_every_catalogue_vector() {
    let names: Vec<String> = cases().into_iter().map(|c| c.name).collect();
    for v in [
        "v1-",
        "v2-",
        "v3a-",
        "v3b-",
        "v4-",
        "v5-",
        "v6-json-secure",
        "v6-json-reply",
        "v7-third",
        "v7-third-party-platform-reply",
        "v8a-",
        "v8b-",
        "v8c-",
        "v9-",
        "v10-",
    ] {
        assert!(
            names.iter().any(|n| n.starts_with(v)),
            "missing {v}: {names:?}"
        );
    }
}

#[test]
fn every_vector_verifies_and_decrypts_exactly() {
    for c in cases() {
        let cfg = config(&c);
        let own = (c.kind == "reply").then(|| params(&c));
        let opened = cfg
            .open(&c.encrypt, own.as_ref())
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        assert_eq!(
            String::from_utf8(opened.plain.message.clone()).unwrap(),
            c.expected,
            "{}",
            c.name
        );
        assert_eq!(opened.receiver_id, c.receiver_id, "{}", c.name);
        assert_eq!(opened.plain.pad, c.pad, "{}", c.name);
        if let Some(r) = &c.random {
            assert_eq!(&opened.plain.random, r.as_bytes(), "{}", c.name);
        }
        let expect_verified = c.msg_signature.is_some();
        assert_eq!(
            opened.verification == Verification::Verified,
            expect_verified,
            "{}",
            c.name
        );
    }
}

#[test]
fn every_signature_recomputes() {
    for c in cases() {
        if let Some(sig) = &c.msg_signature {
            assert_eq!(
                &signature::msg_signature(&c.token, &c.timestamp, &c.nonce, &c.encrypt),
                sig,
                "{}",
                c.name
            );
        }
        if let Some(sig) = &c.signature {
            assert_eq!(
                &signature::plain_signature(&c.token, &c.timestamp, &c.nonce),
                sig,
                "{}",
                c.name
            );
        }
    }
}

#[test]
fn encryption_reproduces_the_vectors_byte_for_byte() {
    let mut n = 0;
    for c in cases().into_iter().filter(|c| c.reencrypts) {
        let key = AesKey::from_encoding_key(&c.key).unwrap();
        let random: [u8; 16] = c.random.as_deref().unwrap().as_bytes().try_into().unwrap();
        let enc = crypto::encrypt(&key, &random, c.expected.as_bytes(), &c.receiver_id).unwrap();
        assert_eq!(enc, c.encrypt, "{}", c.name);
        n += 1;
    }
    // All but V10, whose producer pads to 16 bytes (pad 15): decryption must
    // accept it, but our 32-byte padding cannot reproduce it.
    assert_eq!(n, cases().len() - 1);
}

#[test]
fn v3a_counts_utf8_bytes_and_keeps_chinese() {
    let c = case("v3a-");
    let key = AesKey::from_encoding_key(&c.key).unwrap();
    let ct = crypto::b64::decode(&c.encrypt).unwrap();
    let p = scheme::decrypt(&key, &ct).unwrap();
    assert_eq!(p.message.len(), 19);
    assert_eq!(String::from_utf8(p.message).unwrap(), "我是中文abcd123");
}

#[test]
fn v1_has_pad_30_and_v6_pad_19_beyond_a_16_byte_unpadder() {
    assert_eq!(case("v1-").pad, 30);
    assert_eq!(case("v6-json-secure").pad, 19);
    assert_eq!(case("v7-third-party-platform-xml").pad, 22);
    assert_eq!(case("v9-").pad, 21);
}

#[test]
fn v9_key_with_trailing_bits_decodes() {
    // 'G' = 000110: the low two bits are set and must be ignored.
    let c = case("v9-");
    assert!(c.key.ends_with('G'));
    let key = AesKey::from_encoding_key(&c.key).unwrap();
    assert_eq!(
        signature::hex(key.bytes()),
        "69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051"
    );
    let e = base64_strict_rejects(&c.key);
    assert!(
        e,
        "the strict engine should reject this key (that is the pitfall)"
    );
}

fn base64_strict_rejects(key: &str) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(format!("{key}="))
        .is_err()
}

#[test]
fn v10_indented_plaintext_is_kept_exactly() {
    let c = case("v10-");
    let opened = config(&c).open(&c.encrypt, Some(&params(&c))).unwrap();
    let text = String::from_utf8(opened.plain.message).unwrap();
    assert!(
        text.starts_with("<xml>\n            <ToUserName>"),
        "{text:?}"
    );
    assert!(text.ends_with("\n            </xml>"), "{text:?}");
}

// ---------------------------------------------------------------------------
// All 32 padding lengths

#[test]
fn all_32_padding_lengths_round_trip() {
    let c = case("v1-");
    let key = AesKey::from_encoding_key(&c.key).unwrap();
    let cfg = {
        let mut cfg = DecryptConfig::new(&c.key);
        cfg.receiver_id = Some(c.receiver_id.clone());
        cfg
    };
    // FullStr = 16 + 4 + len + 18 (the CorpID): len 0..32 covers every pad.
    let mut pads = Vec::new();
    for len in 0..32 {
        let msg: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        let enc = crypto::encrypt(&key, b"0123456789abcdef", &msg, &c.receiver_id).unwrap();
        let opened = cfg.open(&enc, None).unwrap();
        assert_eq!(opened.plain.message, msg);
        pads.push(opened.plain.pad);
    }
    pads.sort_unstable();
    assert_eq!(pads, (1..=32).collect::<Vec<u8>>());
}

// ---------------------------------------------------------------------------
// Failure classes

fn open_err(cfg: &DecryptConfig, encrypt: &str) -> crypto::CryptoError {
    cfg.open(encrypt, None).unwrap_err()
}

#[test]
fn key_length_and_alphabet() {
    let e = open_err(
        &DecryptConfig::new("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2"),
        "AAAA",
    );
    assert_eq!(e.code, Code::BadAesKey);
    assert!(
        e.message.contains("42 characters") && e.message.contains("43"),
        "{e}"
    );
    let e = open_err(
        &DecryptConfig::new("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B/C"),
        "AAAA",
    );
    assert_eq!(e.code, Code::BadAesKey);
    assert!(
        e.message.contains("character 42") && e.message.contains("'/'"),
        "{e}"
    );
    // The key itself never appears in a message.
    let key = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C_";
    assert!(!open_err(&DecryptConfig::new(key), "AAAA")
        .message
        .contains(key));
}

#[test]
fn bad_base64_names_the_position() {
    let c = case("v1-");
    let mut bad = c.encrypt.clone();
    bad.replace_range(10..11, "*");
    let e = open_err(&DecryptConfig::new(&c.key), &bad);
    assert_eq!(e.code, Code::BadBase64);
    assert!(e.message.contains("'*' at position 11"), "{e}");
}

#[test]
fn ciphertext_length_not_a_multiple_of_16() {
    let c = case("v1-");
    // 18 bytes.
    let e = open_err(&DecryptConfig::new(&c.key), "AAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(e.code, Code::BadCiphertextLength);
    assert!(e.message.contains("18 bytes"), "{e}");
}

#[test]
fn sixteen_zero_bytes_are_bad_padding_with_a_hint() {
    for c in cases() {
        let e = open_err(&DecryptConfig::new(&c.key), "AAAAAAAAAAAAAAAAAAAAAA==");
        assert_eq!(e.code, Code::BadPadding, "{}: {e}", c.name);
        assert!(e.message.contains("wrong key?"), "{e}");
    }
}

#[test]
fn wrong_key_is_bad_padding() {
    let c = case("v1-");
    let e = open_err(&DecryptConfig::new(&"A".repeat(43)), &c.encrypt);
    assert_eq!(e.code, Code::BadPadding, "{e}");
}

#[test]
fn length_field_out_of_range() {
    use aes::Aes256;
    use cbc::cipher::block_padding::NoPadding;
    use cbc::cipher::{BlockEncryptMut, KeyIvInit};
    let key = AesKey::from_encoding_key(&"A".repeat(43)).unwrap();
    for claimed in [u32::MAX, 0x8000_0000, 100] {
        let mut full = b"0123456789abcdef".to_vec();
        full.extend_from_slice(&claimed.to_be_bytes());
        full.extend_from_slice(b"<xml/>wxid");
        let pad = 32 - full.len() % 32;
        full.resize(full.len() + pad, pad as u8);
        let len = full.len();
        cbc::Encryptor::<Aes256>::new(key.bytes().into(), &key.iv().into())
            .encrypt_padded_mut::<NoPadding>(&mut full, len)
            .unwrap();
        let e = open_err(
            &DecryptConfig::new(&"A".repeat(43)),
            &crypto::b64::encode(&full),
        );
        assert_eq!(e.code, Code::BadLengthField, "{e}");
        assert!(e.message.contains(&claimed.to_string()), "{e}");
    }
}

#[test]
fn receiver_mismatch_shows_both_ids() {
    let c = case("v1-");
    let mut cfg = DecryptConfig::new(&c.key);
    cfg.receiver_id = Some("wx_other_appid".into());
    let e = open_err(&cfg, &c.encrypt);
    assert_eq!(e.code, Code::ReceiverMismatch);
    assert!(
        e.message.contains("`wx5823bf96d3bd56c7`") && e.message.contains("`wx_other_appid`"),
        "{e}"
    );
}

#[test]
fn signature_mismatch_v8a_with_the_wrong_nonce() {
    let c = case("v8a-");
    let mut cfg = config(&c);
    cfg.request.nonce = c.wrong_nonce.clone();
    let e = open_err(&cfg, &c.encrypt);
    assert_eq!(e.code, Code::SignatureMismatch);
    let given = c.msg_signature.as_deref().unwrap();
    let expected = signature::msg_signature(&c.token, &c.timestamp, "437374424", &c.encrypt);
    // The supplied value and what was hashed, never the expected value: it
    // is a signature made with the token (a signing oracle in a CI log).
    assert!(e.message.contains(given), "{e}");
    assert!(!e.message.contains(&expected), "{e}");
    assert!(e.message.contains("nonce `437374424`"), "{e}");
    let start: String = c.encrypt.chars().take(12).collect();
    assert!(
        e.message.contains(&format!(
            "Encrypt ({} characters, `{start}…`)",
            c.encrypt.len()
        )),
        "{e}"
    );
    // And the right nonce verifies.
    assert!(config(&c).open(&c.encrypt, None).is_ok());
}

#[test]
fn signature_is_checked_before_decrypting() {
    // A wrong signature on garbage reports the signature, not the garbage.
    let c = case("v1-");
    let mut cfg = config(&c);
    cfg.request.msg_signature = Some("0".repeat(40));
    assert_eq!(open_err(&cfg, "not base64!").code, Code::SignatureMismatch);
}

#[test]
fn plain_signature_from_the_query_is_checked_too() {
    let c = case("v6-json-secure");
    let mut cfg = config(&c);
    cfg.signature = c.signature.clone();
    assert!(cfg.open(&c.encrypt, None).is_ok());
    cfg.signature = Some("1".repeat(40));
    let e = open_err(&cfg, &c.encrypt);
    assert_eq!(e.code, Code::SignatureMismatch);
    assert!(e.message.starts_with("signature mismatch"), "{e}");
}

#[test]
fn without_token_it_decrypts_but_says_not_verified() {
    let c = case("v5-");
    let opened = DecryptConfig::new(&c.key).open(&c.encrypt, None).unwrap();
    assert!(matches!(opened.verification, Verification::NotVerified(_)));
}

#[test]
fn query_parsing_keeps_plus_and_decodes_percent() {
    let c = case("v2-");
    let enc = c.echostr_urlencoded.as_deref().unwrap();
    assert_eq!(percent_decode(enc), c.encrypt);
    let q = Query::parse(&format!(
        "msg_signature={}&timestamp={}&nonce={}&echostr={enc}",
        c.msg_signature.as_deref().unwrap(),
        c.timestamp,
        c.nonce
    ));
    assert_eq!(q.echostr.as_deref(), Some(c.encrypt.as_str()));
    let q = Query::parse(&format!("echostr={}", c.encrypt));
    assert_eq!(
        q.echostr.as_deref(),
        Some(c.encrypt.as_str()),
        "+ must stay +"
    );
}

#[test]
fn other_schemes_are_refused_not_tried() {
    let pay = r#"{"id":"EV-2018022511223320873","create_time":"2015-05-20T13:29:35+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","resource":{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"abc=","associated_data":"","nonce":"xyz"}}"#;
    let open_data =
        r#"{"encryptedData":"CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZM","iv":"r7BXXKkLb8qrSNn05n0qiA=="}"#;
    let refund = "<xml><return_code>SUCCESS</return_code><appid><![CDATA[wx1]]></appid><mch_id><![CDATA[10000100]]></mch_id><nonce_str><![CDATA[abc]]></nonce_str><req_info><![CDATA[T87GAHG17TGAHG1TGHAHAHA1Y1CIOA9UGJH1GAHV871HAGAGQYQQPOOJMXNBCXBVNMNMAJAA]]></req_info></xml>";
    for (doc, needle) in [
        (pay, "pay.weixin.qq.com"),
        (open_data, "session_key"),
        (refund, "req_info"),
    ] {
        let reps = analyze(doc, Some(DecryptConfig::new(&"A".repeat(43))));
        assert_eq!(reps.len(), 1, "{doc}");
        let d = &reps[0].diagnostics;
        assert!(
            d.iter()
                .any(|d| d.code == Code::UnsupportedScheme && d.message.contains(needle)),
            "{d:?}"
        );
        assert!(!reps[0].valid());
        assert!(!d.iter().any(|d| d.code == Code::BadPadding));
    }
}

// ---------------------------------------------------------------------------
// The pipeline: `parse --aes-key` reports the inner payload

fn analyze(text: &str, decrypt: Option<DecryptConfig>) -> Vec<Report> {
    let opts = Options {
        decrypt,
        ..Default::default()
    };
    let mut an = Analyzer::new(text.as_bytes(), "t", opts);
    let mut v = Vec::new();
    while let Some(r) = an.next_report().unwrap() {
        v.push(r);
    }
    v
}

#[test]
fn every_envelope_body_is_decrypted_by_the_pipeline() {
    for c in cases() {
        let Some(body) = &c.body else { continue };
        let reps = analyze(body, Some(config(&c)));
        assert_eq!(reps.len(), 1, "{}", c.name);
        let r = &reps[0];
        let want = match c.kind.as_str() {
            "reply" => Envelope::Reply,
            "compat" => Envelope::Compat,
            _ => Envelope::Push,
        };
        assert_eq!(r.envelope, Some(want), "{}", c.name);
        let doc = r.doc.as_ref().unwrap();
        assert_eq!(&*doc.text, c.expected, "{}", c.name);
        assert_eq!(
            doc.embedded.as_ref().map(|e| e.field.as_str()),
            Some("/Encrypt"),
            "{}",
            c.name
        );
        assert_ne!(r.type_id.as_deref(), Some("encrypted"), "{}", c.name);
        // The inner payload of a passive reply is a reply (no MsgId), which the
        // catalogue's incoming `text` type does not describe.
        if c.kind != "reply" {
            assert!(r.valid(), "{}: {:?}", c.name, r.diagnostics);
        }
        let codes: Vec<Code> = r.diagnostics.iter().map(|d| d.code).collect();
        assert!(codes.contains(&Code::Decrypted), "{}", c.name);
        assert!(!codes.contains(&Code::SignatureNotVerified), "{}", c.name);
        assert!(!codes.contains(&Code::Encrypted), "{}", c.name);
    }
}

#[test]
fn pipeline_failures_are_errors_on_the_envelope() {
    let c = case("v1-");
    let mut cfg = config(&c);
    cfg.receiver_id = Some("wx_other_appid".into());
    let reps = analyze(c.body.as_deref().unwrap(), Some(cfg));
    let r = &reps[0];
    assert_eq!(r.type_id.as_deref(), Some("encrypted"));
    assert!(!r.valid());
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.code == Code::ReceiverMismatch && d.field.as_deref() == Some("/Encrypt")));
    // A malformed key is reported on the payload too.
    let reps = analyze(c.body.as_deref().unwrap(), Some(DecryptConfig::new("nope")));
    assert!(reps[0]
        .diagnostics
        .iter()
        .any(|d| d.code == Code::BadAesKey));
}

#[test]
fn without_a_key_the_note_says_how_to_decrypt() {
    let c = case("v1-");
    let reps = analyze(c.body.as_deref().unwrap(), None);
    let note = reps[0]
        .diagnostics
        .iter()
        .find(|d| d.code == Code::Encrypted)
        .unwrap();
    assert!(
        note.message.contains("WXMSG_AES_KEY") && note.message.contains("--aes-key"),
        "{}",
        note.message
    );
}

#[test]
fn an_envelope_inside_a_log_line_is_decrypted_in_place() {
    let c = case("v6-json-secure");
    let line = serde_json::json!({"level": "info", "body": c.body.as_deref().unwrap()});
    let text = format!("noise\n{line}\n");
    let reps = analyze(&text, Some(config(&c)));
    assert_eq!(reps.len(), 1);
    assert_eq!(reps[0].line, 2);
    assert_eq!(reps[0].type_id.as_deref(), Some("event.debug_demo"));
    let doc = reps[0].doc.as_ref().unwrap();
    assert_eq!(doc.embedded.as_ref().unwrap().field, "/body/Encrypt");
}

// ---------------------------------------------------------------------------
// Command lines

const V1_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

#[test]
fn cli_decrypt_prints_every_vector_exactly() {
    for c in cases() {
        let input = c.body.clone().unwrap_or_else(|| c.encrypt.clone());
        let mut cmd = wxmsg();
        cmd.args([
            "decrypt",
            "--aes-key",
            &c.key,
            "--receiver-id",
            &c.receiver_id,
        ])
        .args(["--token", &c.token]);
        // A reply envelope carries its own signature inputs.
        if c.kind != "reply" || c.body.is_none() {
            cmd.args(["--timestamp", &c.timestamp, "--nonce", &c.nonce]);
            if let Some(s) = &c.msg_signature {
                cmd.args(["--msg-signature", s]);
            }
        }
        let out = cmd.write_stdin(input).output().unwrap();
        assert!(out.status.success(), "{}: {}", c.name, stderr_of(&out));
        assert_eq!(stdout_of(&out), format!("{}\n", c.expected), "{}", c.name);
        if c.msg_signature.is_some() {
            assert!(stderr_of(&out).contains("signature verified"), "{}", c.name);
        }
    }
}

#[test]
fn cli_key_from_the_environment() {
    let c = case("v5-");
    let out = wxmsg()
        .env("WXMSG_AES_KEY", &c.key)
        .arg("decrypt")
        .write_stdin(c.body.clone().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), format!("{}\n", c.expected));
    assert!(stderr_of(&out).contains("signature not verified"));
    assert!(stderr_of(&out).contains("receiver id wx2c2769f8efd9abc2"));
    // --aes-key wins over the environment.
    let out = wxmsg()
        .env("WXMSG_AES_KEY", "A".repeat(43))
        .args(["decrypt", "--aes-key", &c.key])
        .write_stdin(c.body.clone().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
}

/// `WXMSG_AES_KEY=` (set but empty, as a withheld CI secret expands) is no
/// key at all, for every command; an explicit empty `--aes-key` is still a
/// bad key.
#[test]
fn cli_an_empty_key_variable_is_no_key() {
    let fixture = "fixtures/miniprogram/encrypted.json";
    let out = wxmsg()
        .env("WXMSG_AES_KEY", "")
        .args(["validate", fixture])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stdout_of(&out));
    let reps = |args: &[&str]| {
        let out = wxmsg()
            .env("WXMSG_AES_KEY", "")
            .args(["parse", "--format", "json"])
            .args(args)
            .arg(fixture)
            .output()
            .unwrap();
        let r: Value = serde_json::from_str(stdout_of(&out).trim()).unwrap();
        (out.status.code(), r["diagnostics"].to_string())
    };
    let (code, diags) = reps(&[]);
    assert_eq!(code, Some(0), "{diags}");
    assert!(diags.contains("\"encrypted\"") && !diags.contains("bad-aes-key"));
    let out = wxmsg()
        .env("WXMSG_AES_KEY", "")
        .args(["convert", "--to", "json", fixture])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    // decrypt and encrypt need a key: without one it is a usage error.
    let out = wxmsg()
        .env("WXMSG_AES_KEY", "")
        .args(["decrypt", fixture])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("no key"), "{}", stderr_of(&out));
    let out = wxmsg()
        .env("WXMSG_AES_KEY", "")
        .args(["encrypt", "--receiver-id", "wx1"])
        .write_stdin("{\"ToUserName\":\"gh_1\"}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    // An empty flag is a key of 0 characters: a usage error.
    let out = wxmsg()
        .args(["parse", "--aes-key", "", fixture])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("bad-aes-key"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn cli_help_never_shows_the_key_from_the_environment() {
    let secret = "Zz9".repeat(14) + "Q";
    for sub in ["parse", "decrypt", "encrypt", "convert"] {
        let out = wxmsg()
            .env("WXMSG_AES_KEY", &secret)
            .args([sub, "--help"])
            .output()
            .unwrap();
        let help = stdout_of(&out);
        assert!(help.contains("WXMSG_AES_KEY"), "{sub}");
        assert!(!help.contains(&secret), "{sub} leaks the key");
    }
}

#[test]
fn cli_query_with_plus_and_percent_2b() {
    let c = case("v2-");
    let sig = c.msg_signature.as_deref().unwrap();
    let encoded = c.echostr_urlencoded.as_deref().unwrap();
    for echostr in [encoded, c.encrypt.as_str()] {
        let q = format!(
            "msg_signature={sig}&timestamp={}&nonce={}&echostr={echostr}",
            c.timestamp, c.nonce
        );
        // The echostr straight from --query, and the URL pasted as input.
        let out = wxmsg()
            .env("WXMSG_AES_KEY", &c.key)
            .args(["decrypt", "--token", &c.token, "--query", &q])
            .output()
            .unwrap();
        assert!(out.status.success(), "{echostr}: {}", stderr_of(&out));
        assert_eq!(stdout_of(&out), "1616140317555161061\n");
        assert!(stderr_of(&out).contains("signature verified"));
        let out = wxmsg()
            .env("WXMSG_AES_KEY", &c.key)
            .args(["decrypt", "--token", &c.token])
            .write_stdin(format!("https://example.com/wecom/callback?{q}\n"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{echostr}: {}", stderr_of(&out));
        assert_eq!(stdout_of(&out), "1616140317555161061\n");
    }
    // The signature parameters from --query, the ciphertext from stdin.
    let q = format!(
        "msg_signature={sig}&timestamp={}&nonce={}",
        c.timestamp, c.nonce
    );
    let out = wxmsg()
        .args([
            "decrypt",
            "--aes-key",
            &c.key,
            "--token",
            &c.token,
            "--query",
            &q,
        ])
        .write_stdin(encoded)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "1616140317555161061\n");
}

#[test]
fn cli_plus_decoded_as_space_is_explained() {
    let c = case("v2-");
    let mangled = c.encrypt.replace('+', " ");
    let out = wxmsg()
        .args(["decrypt", "--aes-key", &c.key])
        .write_stdin(mangled)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = stderr_of(&out);
    assert!(
        err.contains("bad-base64") && err.contains("position") && err.contains('+'),
        "{err}"
    );
}

/// Every failure: exit 1, one clear error, nothing on stdout.
#[test]
fn cli_failures_print_nothing_on_stdout() {
    let v1 = case("v1-");
    let v8a = case("v8a-");
    let body = v1.body.clone().unwrap();
    let runs: Vec<(Vec<String>, String, &str)> = vec![
        (
            vec!["--aes-key".into(), V1_KEY.into()],
            "AAAA*AAA".into(),
            "bad-base64",
        ),
        (
            vec!["--aes-key".into(), V1_KEY.into()],
            "AAAAAAAAAAAAAAAAAAAAAAAA".into(),
            "bad-ciphertext-length",
        ),
        (
            vec!["--aes-key".into(), V1_KEY.into()],
            "AAAAAAAAAAAAAAAAAAAAAA==".into(),
            "bad-padding",
        ),
        (
            vec![
                "--aes-key".into(),
                V1_KEY.into(),
                "--receiver-id".into(),
                "wx_other_appid".into(),
            ],
            body.clone(),
            "receiver-mismatch",
        ),
        (
            vec![
                "--aes-key".into(),
                v8a.key.clone(),
                "--token".into(),
                v8a.token.clone(),
                "--query".into(),
                format!(
                    "msg_signature={}&timestamp={}&nonce=437374424",
                    v8a.msg_signature.as_deref().unwrap(),
                    v8a.timestamp
                ),
            ],
            v8a.encrypt.clone(),
            "signature-mismatch",
        ),
        (
            vec!["--aes-key".into(), V1_KEY.into()],
            r#"{"encryptedData":"abc","iv":"def"}"#.into(),
            "unsupported-scheme",
        ),
        (
            vec!["--aes-key".into(), V1_KEY.into()],
            std::fs::read_to_string("fixtures/miniprogram/text.json").unwrap(),
            "no encrypted payload",
        ),
    ];
    for (args, stdin, needle) in runs {
        let out = wxmsg()
            .arg("decrypt")
            .args(&args)
            .write_stdin(stdin)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{needle}: {}", stderr_of(&out));
        assert!(out.stdout.is_empty(), "{needle}: {}", stdout_of(&out));
        assert!(
            stderr_of(&out).contains(needle),
            "{needle}: {}",
            stderr_of(&out)
        );
    }
    // No key at all is a usage error.
    let out = wxmsg().arg("decrypt").write_stdin(body).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("WXMSG_AES_KEY"));
}

/// Runs `wxmsg parse --format json` and returns (exit code, reports).
fn parse_json(args: &[&str], stdin: &str) -> (i32, Vec<Value>) {
    let out = wxmsg()
        .args(["parse", "--format", "json"])
        .args(args)
        .write_stdin(stdin.to_string())
        .output()
        .unwrap();
    let reps = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code().unwrap_or(-1), reps)
}

fn encrypt_file(path: &str, extra: &[&str]) -> String {
    let out = wxmsg()
        .env("WXMSG_AES_KEY", V1_KEY)
        .args(["encrypt", "--receiver-id", "wx5823bf96d3bd56c7"])
        .args(extra)
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    stdout_of(&out)
}

#[test]
fn cli_parse_reports_the_inner_payload() {
    let envelope = encrypt_file("fixtures/official-account/event.LOCATION.xml", &[]);
    assert!(
        envelope.starts_with("<xml><ToUserName><![CDATA[gh_27666c9aaa4e]]></ToUserName><Encrypt>")
    );
    // Without a key: an encrypted envelope, with a hint.
    let (code, reps) = parse_json(&[], &envelope);
    assert_eq!(code, 0);
    assert_eq!(reps[0]["type"], "encrypted");
    assert_eq!(reps[0]["envelope"], "push");
    let msgs = reps[0]["diagnostics"].to_string();
    assert!(msgs.contains("WXMSG_AES_KEY"), "{msgs}");
    // With the key: the payload inside, its platform, type and validity.
    let (code, reps) = parse_json(
        &["--aes-key", V1_KEY, "--receiver-id", "wx5823bf96d3bd56c7"],
        &envelope,
    );
    assert_eq!(code, 0, "{reps:?}");
    let r = &reps[0];
    assert_eq!(r["platform"], "official-account");
    assert_eq!(r["type"], "event.LOCATION");
    assert_eq!(r["valid"], true);
    assert_eq!(r["envelope"], "push");
    assert_eq!(r["embedded_in"], "/Encrypt");
    assert_eq!(r["payload"]["Latitude"].to_string(), "31.228611");
    let codes: Vec<&str> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"decrypted") && codes.contains(&"signature-not-verified"));
    // The same key from the environment.
    let out = wxmsg()
        .env("WXMSG_AES_KEY", V1_KEY)
        .args(["parse", "--format", "json"])
        .write_stdin(envelope.clone())
        .output()
        .unwrap();
    assert!(stdout_of(&out).contains("\"type\":\"event.LOCATION\""));
    // A failure is an error finding: exit 1. The envelope is a fixed vector's:
    // a wrong key on a fresh (random) ciphertext leaves valid-looking padding
    // about once in 256 runs, and that is `bad-length-field` instead.
    let fixed = format!(
        "<xml><ToUserName><![CDATA[gh_27666c9aaa4e]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt></xml>",
        case("v1-").encrypt
    );
    let (code, reps) = parse_json(&["--aes-key", &"A".repeat(43)], &fixed);
    assert_eq!(code, 1);
    assert!(reps[0]["diagnostics"].to_string().contains("bad-padding"));
}

#[test]
fn cli_parse_reports_an_invalid_inner_payload_as_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.json");
    std::fs::write(
        &p,
        r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":"soon","MsgType":"text"}"#,
    )
    .unwrap();
    let envelope = encrypt_file(p.to_str().unwrap(), &[]);
    assert!(envelope.starts_with("{\"ToUserName\":\"gh_1\",\"Encrypt\":\""));
    let (code, reps) = parse_json(&["--aes-key", V1_KEY], &envelope);
    assert_eq!(code, 1);
    assert_eq!(reps[0]["type"], "text");
    assert_eq!(reps[0]["valid"], false);
}

#[test]
fn cli_convert_converts_the_decrypted_payload() {
    let envelope = encrypt_file("fixtures/official-account/event.LOCATION.xml", &[]);
    let out = wxmsg()
        .args(["convert", "--to", "json", "--aes-key", V1_KEY])
        .write_stdin(envelope)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(stdout_of(&out).contains("\"Event\":\"LOCATION\""));
}

/// A safe-mode failure is a payload that could not be converted: an error on
/// stderr at the `Encrypt` field, nothing on stdout for it (never the
/// ciphertext envelope as if it were the payload), exit 1; the payloads
/// around it are still converted.
#[test]
fn cli_convert_refuses_what_safe_mode_refuses() {
    let v1 = case("v1-");
    let plain = r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1,"MsgType":"text","Content":"hi","MsgId":1}"#;
    let input = format!("{plain}\n{}\n{plain}\n", v1.body.as_deref().unwrap());
    let wrong_nonce = format!(
        "msg_signature={}&timestamp={}&nonce=1",
        v1.msg_signature.as_deref().unwrap(),
        v1.timestamp
    );
    let a43 = "A".repeat(43);
    let runs: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--aes-key", &a43], "bad-padding"),
        (
            vec!["--aes-key", V1_KEY, "--receiver-id", "wx_other_appid"],
            "receiver-mismatch",
        ),
        (
            vec![
                "--aes-key",
                V1_KEY,
                "--token",
                &v1.token,
                "--query",
                &wrong_nonce,
            ],
            "signature-mismatch",
        ),
    ];
    for to in ["json", "xml"] {
        for (args, code) in &runs {
            let out = wxmsg()
                .args(["convert", "--to", to])
                .args(args)
                .write_stdin(input.clone())
                .output()
                .unwrap();
            let (stdout, stderr) = (stdout_of(&out), stderr_of(&out));
            assert_eq!(out.status.code(), Some(1), "{to} {code}: {stderr}");
            assert!(!stdout.contains("Encrypt"), "{to} {code}: {stdout}");
            assert_eq!(stdout.lines().count(), 2, "{to} {code}: {stdout}");
            let line = format!(
                ":2:{}: error[{code}]: ",
                v1.body.as_deref().unwrap().find("<Encrypt>").unwrap() + 1
            );
            assert!(
                stderr.starts_with("wxmsg: error: ") && stderr.contains(&line),
                "{to} {code}: {stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "{to} {code}: {stderr}");
        }
    }
    // The right key and receiver: the payload inside, exit 0.
    let out = wxmsg()
        .args(["convert", "--to", "json", "--aes-key", V1_KEY])
        .args(["--receiver-id", &v1.receiver_id])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains(r#""Content":"hello""#));
}

#[test]
fn cli_encrypt_then_decrypt_is_the_identity() {
    let mut files: Vec<PathBuf> = Vec::new();
    for p in ["official-account", "miniprogram", "wecom-kf", "devmode"] {
        for e in std::fs::read_dir(Path::new("fixtures").join(p)).unwrap() {
            let path = e.unwrap().path();
            if !path.to_string_lossy().contains("encrypted") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() > 20);
    for path in files {
        let original = std::fs::read(&path).unwrap();
        for extra in [
            &[][..],
            &["--token", "tok"][..],
            &["--token", "tok", "--reply"][..],
        ] {
            let envelope = encrypt_file(path.to_str().unwrap(), extra);
            let out = wxmsg()
                .env("WXMSG_AES_KEY", V1_KEY)
                .args(["decrypt", "-q", "--receiver-id", "wx5823bf96d3bd56c7"])
                .args(if extra.len() > 1 {
                    &["--token", "tok"][..]
                } else {
                    &[][..]
                })
                .write_stdin(envelope)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: {}",
                path.display(),
                stderr_of(&out)
            );
            let mut want = original.clone();
            if !want.ends_with(b"\n") {
                want.push(b'\n');
            }
            assert_eq!(out.stdout, want, "{} {extra:?}", path.display());
        }
    }
}

#[test]
fn cli_encrypt_with_token_prints_a_query_that_verifies() {
    let c = case("v1-");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v1.xml");
    std::fs::write(&p, format!("{}\n", c.expected)).unwrap();
    let out = wxmsg()
        .env("WXMSG_AES_KEY", &c.key)
        .args([
            "encrypt",
            "--receiver-id",
            &c.receiver_id,
            "--token",
            &c.token,
        ])
        .args(["--timestamp", &c.timestamp, "--nonce", &c.nonce])
        .args(["--random", c.random.as_deref().unwrap()])
        .arg(&p)
        .output()
        .unwrap();
    assert!(out.status.success());
    // Byte for byte the official sample's envelope and query.
    assert_eq!(stdout_of(&out), format!("{}\n", c.body.as_deref().unwrap()));
    let query = stderr_of(&out);
    assert_eq!(
        query.trim_end(),
        format!(
            "msg_signature={}&timestamp={}&nonce={}",
            c.msg_signature.as_deref().unwrap(),
            c.timestamp,
            c.nonce
        )
    );
    let dec = wxmsg()
        .env("WXMSG_AES_KEY", &c.key)
        .args(["decrypt", "--token", &c.token, "--query", query.trim_end()])
        .write_stdin(stdout_of(&out))
        .output()
        .unwrap();
    assert!(dec.status.success());
    assert!(stderr_of(&dec).contains("signature verified"));
}

#[test]
fn cli_encrypt_reproduces_the_reply_vectors() {
    for prefix in ["v6-json-reply", "v7-third-party-platform-reply", "v8c-"] {
        let c = case(prefix);
        let out = wxmsg()
            .env("WXMSG_AES_KEY", &c.key)
            .args([
                "encrypt",
                "--reply",
                "--receiver-id",
                &c.receiver_id,
                "--token",
                &c.token,
            ])
            .args(["--timestamp", &c.timestamp, "--nonce", &c.nonce])
            .args(["--random", c.random.as_deref().unwrap()])
            .write_stdin(c.expected.clone())
            .output()
            .unwrap();
        assert!(out.status.success(), "{prefix}: {}", stderr_of(&out));
        let env = stdout_of(&out);
        assert!(env.contains(&c.encrypt), "{prefix}: {env}");
        assert!(
            env.contains(c.msg_signature.as_deref().unwrap()),
            "{prefix}: {env}"
        );
        assert!(
            env.contains(&c.timestamp) && env.contains(&c.nonce),
            "{prefix}"
        );
    }
    // The JSON reply has the official shape.
    let c = case("v6-json-reply");
    let out = wxmsg()
        .env("WXMSG_AES_KEY", &c.key)
        .args([
            "encrypt",
            "--reply",
            "--receiver-id",
            &c.receiver_id,
            "--token",
            &c.token,
        ])
        .args(["--timestamp", &c.timestamp, "--nonce", &c.nonce])
        .args(["--random", c.random.as_deref().unwrap()])
        .write_stdin(c.expected.clone())
        .output()
        .unwrap();
    assert_eq!(
        stdout_of(&out),
        format!(
            "{}\n",
            c.body
                .as_deref()
                .unwrap()
                .replace(": ", ":")
                .replace(", ", ",")
        )
    );
}

/// `--timestamp` is written as a JSON number only when it is one: `0123` is a
/// string (not the invalid `"TimeStamp":0123`), and the reply still verifies.
#[test]
fn cli_encrypt_reply_timestamp_is_valid_json_and_round_trips() {
    let c = case("v6-json-reply");
    for (ts, json) in [
        ("0123", r#""0123""#),
        ("0", "0"),
        ("1714112445", "1714112445"),
    ] {
        let out = wxmsg()
            .env("WXMSG_AES_KEY", &c.key)
            .args(["encrypt", "--reply", "--receiver-id", &c.receiver_id])
            .args(["--token", &c.token, "--timestamp", ts, "--nonce", &c.nonce])
            .write_stdin(c.expected.clone())
            .output()
            .unwrap();
        assert!(out.status.success(), "{ts}: {}", stderr_of(&out));
        let env = stdout_of(&out);
        let v: Value = serde_json::from_str(&env).unwrap_or_else(|e| panic!("{ts}: {e}: {env}"));
        assert_eq!(v["TimeStamp"].to_string(), json, "{ts}");
        let dec = wxmsg()
            .env("WXMSG_AES_KEY", &c.key)
            .args(["decrypt", "--token", &c.token])
            .write_stdin(env)
            .output()
            .unwrap();
        assert!(dec.status.success(), "{ts}: {}", stderr_of(&dec));
        assert_eq!(stdout_of(&dec), format!("{}\n", c.expected), "{ts}");
        assert!(stderr_of(&dec).contains("signature verified"), "{ts}");
    }
}

#[test]
fn cli_encrypt_bare_reproduces_the_chinese_vector_and_an_echostr() {
    let c = case("v3a-");
    let out = wxmsg()
        .env("WXMSG_AES_KEY", &c.key)
        .args(["encrypt", "--bare", "--receiver-id", &c.receiver_id])
        .args(["--random", c.random.as_deref().unwrap()])
        .write_stdin(c.expected.clone())
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), format!("{}\n", c.encrypt));
    let c = case("v2-");
    let out = wxmsg()
        .env("WXMSG_AES_KEY", &c.key)
        .args([
            "encrypt",
            "--bare",
            "--receiver-id",
            &c.receiver_id,
            "--token",
            &c.token,
        ])
        .args(["--timestamp", &c.timestamp, "--nonce", &c.nonce])
        .args(["--random", c.random.as_deref().unwrap()])
        .write_stdin(c.expected.clone())
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), format!("{}\n", c.encrypt));
    let query = stderr_of(&out);
    assert!(
        query.contains(c.echostr_urlencoded.as_deref().unwrap()),
        "{query}"
    );
    assert!(
        query.contains(c.msg_signature.as_deref().unwrap()),
        "{query}"
    );
}

#[test]
fn cli_encrypt_refuses_bad_input_with_exit_1() {
    for (args, stdin, needle) in [
        (vec!["--aes-key", V1_KEY], "hello", "--bare"),
        (vec!["--aes-key", V1_KEY], "<xml><a>", "XML"),
        (vec!["--aes-key", V1_KEY], "", "empty"),
    ] {
        let out = wxmsg()
            .arg("encrypt")
            .args(["--receiver-id", "wx1"])
            .args(&args)
            .write_stdin(stdin)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{needle}");
        assert!(out.stdout.is_empty(), "{needle}");
        assert!(
            stderr_of(&out).contains(needle),
            "{needle}: {}",
            stderr_of(&out)
        );
    }
    // --reply needs --token (usage error).
    let out = wxmsg()
        .args([
            "encrypt",
            "--aes-key",
            V1_KEY,
            "--receiver-id",
            "wx1",
            "--reply",
        ])
        .write_stdin("{}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_decrypt_reads_every_envelope_of_a_log() {
    let c = case("v6-json-secure");
    let log = format!(
        "2024-05-01 10:00:00 INFO start\n2024-05-01 10:00:01 INFO push {}\n2024-05-01 10:00:02 INFO push {}\n",
        c.body.as_deref().unwrap().replace('\n', ""),
        c.body.as_deref().unwrap().replace('\n', "")
    );
    let out = wxmsg()
        .args(["decrypt", "--aes-key", &c.key])
        .write_stdin(log)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), format!("{0}\n{0}\n", c.expected));
}

/// A bare value is one record: over `--max-record-bytes` (the limit given, not
/// twice it) it is `record-too-large`, never cut and then blamed on the
/// base64 or the key; at the limit it decrypts.
#[test]
fn cli_decrypt_a_bare_value_over_the_record_limit_is_record_too_large() {
    let c = case("v2-");
    let len = c.encrypt.len();
    let decrypt = |max: usize, stdin: String| {
        wxmsg()
            .args(["decrypt", "-q", "--aes-key", &c.key])
            .args(["--max-record-bytes", &max.to_string()])
            .write_stdin(stdin)
            .output()
            .unwrap()
    };
    for max in [21, len / 2, len - 1] {
        let out = decrypt(max, format!("{}\n", c.encrypt));
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{max}: {err}");
        assert!(out.stdout.is_empty(), "{max}");
        assert!(
            err.contains("record-too-large")
                && err.contains(&format!("over the {max} byte record limit")),
            "{max}: {err}"
        );
        assert!(!err.contains("bad-") && !err.contains("wrong key"), "{err}");
    }
    // Exactly at the limit, with its line end (LF or CRLF): decrypted.
    for end in ["", "\n", "\r\n"] {
        let out = decrypt(len, format!("{}{end}", c.encrypt));
        assert!(out.status.success(), "{end:?}: {}", stderr_of(&out));
        assert_eq!(stdout_of(&out), format!("{}\n", c.expected));
    }
    // Wrapped over lines, the line breaks are part of the value.
    let (a, b) = c.encrypt.split_at(40);
    let out = decrypt(len, format!("{a}\n{b}\n"));
    assert!(stderr_of(&out).contains("record-too-large"));
    let out = decrypt(len + 1, format!("{a}\n{b}\n"));
    assert!(out.status.success(), "{}", stderr_of(&out));
    // A word and then a log longer than the limit: every envelope is read,
    // not only those within the first record's worth of bytes.
    let v6 = case("v6-json-secure");
    let body = v6.body.as_deref().unwrap().replace('\n', "");
    let log = format!("started\n{body}\n{body}\n{body}\n");
    let out = wxmsg()
        .args(["decrypt", "-q", "--aes-key", &v6.key])
        .args(["--max-record-bytes", &(body.len() + 10).to_string()])
        .write_stdin(log)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), format!("{0}\n{0}\n{0}\n", v6.expected));
}

#[test]
fn cli_decrypt_tells_a_wrapped_value_from_a_log_that_starts_with_a_word() {
    let c = case("v2-");
    // Base64 wrapped over two lines is one value.
    let (a, b) = c.encrypt.split_at(40);
    let out = wxmsg()
        .args(["decrypt", "-q", "--aes-key", &c.key])
        .write_stdin(format!("\n{a}\n{b}\n"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), format!("{}\n", c.expected));
    // A word and then an envelope is a log.
    let v6 = case("v6-json-secure");
    let out = wxmsg()
        .args(["decrypt", "-q", "--aes-key", &v6.key])
        .write_stdin(format!("started\n{}\n", v6.body.as_deref().unwrap()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), format!("{}\n", v6.expected));
}

/// An Encrypt value of a valid text message, for envelopes built by hand.
fn bare_text_encrypt() -> String {
    let out = wxmsg()
        .env("WXMSG_AES_KEY", V1_KEY)
        .args(["encrypt", "--receiver-id", "wx1", "--bare"])
        .write_stdin(r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1,"MsgType":"text","Content":"hi","MsgId":1}"#)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    stdout_of(&out).trim().to_string()
}

/// The envelope's own findings (duplicate keys, repeated and unknown elements)
/// stay on the report of the payload decrypted from it, where they are in the
/// envelope; without them a duplicate `Encrypt` passed once a key was given.
#[test]
fn cli_envelope_findings_survive_decryption() {
    let e = bare_text_encrypt();
    let json =
        format!(r#"{{"ToUserName":"gh","ToUserName":"evil","Encrypt":"{e}","Encrypt":"{e}"}}"#);
    let (code, reps) = parse_json(&["--aes-key", V1_KEY], &json);
    assert_eq!(code, 1, "{reps:?}");
    assert_eq!(reps[0]["type"], "text");
    let diags = reps[0]["diagnostics"].as_array().unwrap();
    let dups: Vec<(u64, u64)> = diags
        .iter()
        .filter(|d| d["code"] == "duplicate-key")
        .map(|d| (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
        .collect();
    // The first Encrypt value starts at column 50.
    assert_eq!(dups, vec![(1, 20), (1, 53 + e.len() as u64)], "{diags:?}");
    assert!(diags.iter().any(|d| d["code"] == "decrypted"));
    let xml = format!(
        "<xml><ToUserName>gh</ToUserName><ToUserName>evil</ToUserName><Foo>1</Foo><Encrypt>{e}</Encrypt></xml>"
    );
    let (_, reps) = parse_json(&["--aes-key", V1_KEY], &xml);
    let diags = reps[0]["diagnostics"].to_string();
    assert_eq!(reps[0]["type"], "text");
    for (code, at) in [
        ("repeated-element", "\"line\":1,\"column\":6"),
        ("unknown-field", "\"line\":1,\"column\":62"),
    ] {
        let found = reps[0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == code && d.to_string().contains(at));
        assert!(found, "{code} at {at}: {diags}");
    }
    // `validate` fails the file as it does without the key.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r1.json");
    std::fs::write(&p, &json).unwrap();
    for key in [None, Some(V1_KEY)] {
        let mut cmd = wxmsg();
        cmd.arg("validate").arg(&p);
        if let Some(k) = key {
            cmd.args(["--aes-key", k]);
        }
        let out = cmd.output().unwrap();
        let text = format!("{}{}", stdout_of(&out), stderr_of(&out));
        assert_eq!(out.status.code(), Some(1), "{key:?}: {text}");
        assert!(text.contains("duplicate-key"), "{key:?}: {text}");
    }
}

/// A malformed key is a usage error (exit 2) for every command that takes
/// one, from the flag or the environment, refused before any input is read;
/// the message says what is wrong and never repeats the key.
#[test]
fn cli_a_malformed_key_is_a_usage_error_everywhere() {
    let body = case("v1-").body.unwrap();
    let near = format!("{V1_KEY}=");
    let plus = format!("{}+", &V1_KEY[..42]);
    for (key, needle) in [
        (near.as_str(), "drop the trailing `=`"),
        ("short", "has 5 characters"),
        (plus.as_str(), "character 43"),
    ] {
        for args in [
            vec!["decrypt"],
            vec!["encrypt", "--receiver-id", "wx1"],
            vec!["parse"],
            vec!["validate", "-"],
            vec!["convert", "--to", "json"],
        ] {
            for env in [false, true] {
                let mut cmd = wxmsg();
                cmd.args(&args).write_stdin(body.clone());
                if env {
                    cmd.env("WXMSG_AES_KEY", key);
                } else {
                    cmd.args(["--aes-key", key]);
                }
                let out = cmd.output().unwrap();
                let err = stderr_of(&out);
                assert_eq!(out.status.code(), Some(2), "{args:?} {key}: {err}");
                assert!(out.stdout.is_empty(), "{args:?} {key}");
                assert!(
                    err.contains("bad-aes-key") && err.contains(needle),
                    "{args:?} {key}: {err}"
                );
                assert!(!err.contains(&V1_KEY[..40]), "{err}");
            }
        }
    }
}

/// Runs `wxmsg encrypt --receiver-id wx1` with the V1 key, `args` and `stdin`.
fn encrypt_with(args: &[&str], stdin: &[u8]) -> std::process::Output {
    wxmsg()
        .env("WXMSG_AES_KEY", V1_KEY)
        .args(["encrypt", "--receiver-id", "wx1"])
        .args(args)
        .write_stdin(stdin.to_vec())
        .output()
        .unwrap()
}

/// The input is one payload: a second document or trailing text is refused
/// where it starts, as are parse errors, each at `source:line:column`.
#[test]
fn cli_encrypt_takes_one_payload_and_names_where_errors_are() {
    for (stdin, at, needle) in [
        (
            "<xml><ToUserName><![CDATA[a]]></ToUserName></xml>\n<xml><ToUserName><![CDATA[b]]></ToUserName></xml>\n",
            "<stdin>:2:1: ",
            "text after the payload",
        ),
        (
            "{\"ToUserName\":\"a\"} trailing garbage\n",
            "<stdin>:1:20: ",
            "text after the payload",
        ),
        ("{\"a\":1,}\n", "<stdin>:1:8: ", "trailing comma"),
        (
            "<xml>\n<ToUserName>a</ToUserName>\n",
            "<stdin>:2:27: ",
            "ends before </xml>",
        ),
        ("\n\n  hello\n", "<stdin>:3:3: ", "not an XML or JSON payload"),
        ("", "<stdin>:1:1: ", "empty"),
    ] {
        let out = encrypt_with(&[], stdin.as_bytes());
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{stdin:?}: {err}");
        assert!(out.stdout.is_empty(), "{stdin:?}");
        assert!(err.contains(at) && err.contains(needle), "{stdin:?}: {err}");
    }
    // Whitespace around the one payload is fine, and --bare takes any text.
    let out = encrypt_with(&[], b"\n {\"ToUserName\":\"a\"}\n\n");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = encrypt_with(&["--bare"], b"{} {}");
    assert!(out.status.success(), "{}", stderr_of(&out));
}

/// A UTF-8 BOM is tolerated where the payload starts, and is not part of the
/// encrypted message (WeChat's plaintexts never carry one).
#[test]
fn cli_encrypt_tolerates_a_bom() {
    for payload in [
        "{\"ToUserName\":\"gh_x\"}",
        "<xml><ToUserName><![CDATA[gh_x]]></ToUserName></xml>",
    ] {
        let out = encrypt_with(&[], format!("\u{feff}{payload}\n").as_bytes());
        assert!(out.status.success(), "{payload}: {}", stderr_of(&out));
        assert!(stdout_of(&out).contains("gh_x"));
        let dec = wxmsg()
            .args(["decrypt", "-q", "--aes-key", V1_KEY])
            .write_stdin(stdout_of(&out))
            .output()
            .unwrap();
        assert_eq!(stdout_of(&dec), format!("{payload}\n"));
    }
    // An error after a BOM is placed as an editor shows it.
    let out = encrypt_with(&[], "\u{feff}{\"a\":1,}".as_bytes());
    assert!(
        stderr_of(&out).contains("<stdin>:1:8: "),
        "{}",
        stderr_of(&out)
    );
}

/// A copied ToUserName that XML 1.0 cannot carry (from `&#27;` or a JSON
/// escape) is refused like `convert --to xml` refuses it, never written raw
/// into the envelope; JSON envelopes escape controls and U+2028/U+2029.
#[test]
fn cli_encrypt_never_writes_what_the_envelope_cannot_carry() {
    let out = encrypt_with(&[], b"<xml>\n<ToUserName>a&amp;b&#27;</ToUserName></xml>");
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("<stdin>:2:1: ") && err.contains("/ToUserName") && err.contains("U+001B"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "{err:?}");
    // A raw control character in a JSON string is not JSON at all.
    let out = encrypt_with(&[], b"{\"ToUserName\":\"a\x1bb\"}");
    assert_eq!(out.status.code(), Some(1));
    // An escaped one is kept, escaped, in a JSON envelope.
    let out = encrypt_with(
        &[],
        br#"{"ToUserName":"a\u001b[2J\u2028\u0085","AgentID":5}"#,
    );
    let env = stdout_of(&out);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        env.starts_with(r#"{"ToUserName":"a\u001b[2J\u2028\u0085","Encrypt":""#),
        "{env}"
    );
    assert!(env.trim_end().ends_with(r#"","AgentID":5}"#), "{env}");
    // A C1 control XML can carry is a character reference, not a raw byte.
    let out = encrypt_with(
        &[],
        "<xml><ToUserName>a\u{85}\u{202e}</ToUserName></xml>".as_bytes(),
    );
    let env = stdout_of(&out);
    assert!(
        env.starts_with("<xml><ToUserName><![CDATA[a]]>&#x85;&#x202E;</ToUserName><Encrypt>"),
        "{env}"
    );
    // A nonce XML cannot carry is a usage error for an XML reply.
    let out = encrypt_with(
        &["--reply", "--token", "T", "--nonce", "a\u{1}b"],
        b"<xml><ToUserName>a</ToUserName></xml>",
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("--nonce"), "{}", stderr_of(&out));
}

/// `--timestamp` is Unix seconds: digits within i64, else a usage error; the
/// query on stderr has every value percent-encoded, so any nonce round-trips
/// through `decrypt --query`.
#[test]
fn cli_encrypt_checks_the_timestamp_and_encodes_the_query() {
    for ts in [
        "abc",
        "",
        "12 34",
        "1.5",
        "99999999999999999999",
        "9223372036854775808",
    ] {
        let out = encrypt_with(
            &["--token", "T", "--timestamp", ts],
            b"{\"ToUserName\":\"a\"}",
        );
        assert_eq!(out.status.code(), Some(2), "{ts:?}: {}", stderr_of(&out));
        assert!(out.stdout.is_empty(), "{ts:?}");
        assert!(stderr_of(&out).contains("--timestamp"), "{ts:?}");
    }
    for nonce in ["a&b=c", "x#y", "1 2+3%", "中"] {
        let out = encrypt_with(
            &[
                "--token",
                "T",
                "--timestamp",
                "1409659813",
                "--nonce",
                nonce,
            ],
            b"{\"ToUserName\":\"a\"}",
        );
        assert!(out.status.success(), "{nonce}: {}", stderr_of(&out));
        let query = stderr_of(&out).trim_end().to_string();
        assert!(
            !query.contains(' ') && query.matches('&').count() == 2,
            "{query}"
        );
        let dec = wxmsg()
            .args([
                "decrypt",
                "--aes-key",
                V1_KEY,
                "--token",
                "T",
                "--query",
                &query,
            ])
            .write_stdin(stdout_of(&out))
            .output()
            .unwrap();
        assert!(
            dec.status.success(),
            "{nonce}: {query}: {}",
            stderr_of(&dec)
        );
        assert!(stderr_of(&dec).contains("signature verified"), "{nonce}");
    }
}

/// A URL verification in an access-log line: the query ends at the space
/// before `HTTP/1.1"`, and every such line is verified, decrypted and
/// reported on its own, at its line and the column where its query starts.
#[test]
fn cli_decrypt_url_verifications_in_a_log() {
    let c = case("v2-");
    let q = format!(
        "msg_signature={}&timestamp={}&nonce={}&echostr={}",
        c.msg_signature.as_deref().unwrap(),
        c.timestamp,
        c.nonce,
        c.echostr_urlencoded.as_deref().unwrap()
    );
    let log = format!(
        "1.2.3.4 - - \"GET /cb?{q} HTTP/1.1\" 200\nhttps://example.com/cb?{q}#top\n5.6.7.8 - - 'GET /cb?{q}' 200\n"
    );
    let out = wxmsg()
        .args(["decrypt", "--aes-key", &c.key, "--token", &c.token])
        .write_stdin(log)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(stdout_of(&out), "1616140317555161061\n".repeat(3));
    for at in ["<stdin>:1:22: ", "<stdin>:2:24: ", "<stdin>:3:22: "] {
        assert!(err.contains(at), "{at}: {err}");
    }
    assert_eq!(err.matches("signature verified").count(), 3, "{err}");
    // A bad line fails on its own, the others still decrypt.
    let bad = q.replace("nonce=", "nonce=9");
    let log = format!("GET /cb?{q} HTTP/1.1\nGET /cb?{bad} HTTP/1.1\n");
    let out = wxmsg()
        .args(["decrypt", "--aes-key", &c.key, "--token", &c.token])
        .write_stdin(log)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(stdout_of(&out), "1616140317555161061\n");
    assert!(
        err.contains("<stdin>:2:9: error") || err.contains("<stdin>:2:9: signature-mismatch"),
        "{err}"
    );
}

/// Errors about a bare value name its line and column: the bad character's,
/// also when the value is wrapped over lines.
#[test]
fn cli_decrypt_bare_value_errors_name_line_and_column() {
    let c = case("v2-");
    let (a, b) = c.encrypt.split_at(40);
    let (b1, b2) = b.split_at(10);
    for (stdin, at) in [
        (format!("{a}!{b}\n"), "<stdin>:1:41: "),
        (format!("\n{a}\n{b1}!{b2}\n"), "<stdin>:3:11: "),
        (format!("  {a}*\n"), "<stdin>:1:43: "),
    ] {
        let out = wxmsg()
            .args(["decrypt", "--aes-key", &c.key])
            .write_stdin(stdin.clone())
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{stdin:?}: {err}");
        assert!(err.contains(&format!("{at}bad-base64")), "{stdin:?}: {err}");
    }
    // Other failures of a value point at where it starts.
    let out = wxmsg()
        .args(["decrypt", "--aes-key", &c.key])
        .write_stdin("\n\nQUJD\n")
        .output()
        .unwrap();
    assert!(
        stderr_of(&out).contains("<stdin>:3:1: bad-ciphertext-length"),
        "{}",
        stderr_of(&out)
    );
    // Prose is still no value: a log with nothing to decrypt.
    let out = wxmsg()
        .args(["decrypt", "--aes-key", &c.key])
        .write_stdin("started\nnothing to see, here.\n")
        .output()
        .unwrap();
    assert!(
        stderr_of(&out).contains("<stdin>:1:1: no encrypted payload"),
        "{}",
        stderr_of(&out)
    );
}

/// `decrypt` tolerates a BOM where its input starts, before an envelope, a
/// bare value or a query (it read as a bad base64 character).
#[test]
fn cli_decrypt_tolerates_a_bom() {
    let v6 = case("v6-json-secure");
    let v2 = case("v2-");
    let q = format!(
        "msg_signature={}&timestamp={}&nonce={}&echostr={}",
        v2.msg_signature.as_deref().unwrap(),
        v2.timestamp,
        v2.nonce,
        v2.echostr_urlencoded.as_deref().unwrap()
    );
    for (key, input, expected) in [
        (&v6.key, v6.body.clone().unwrap(), v6.expected.clone()),
        (&v2.key, v2.encrypt.clone(), "1616140317555161061".into()),
        (
            &v2.key,
            format!("\n{}", v2.encrypt),
            "1616140317555161061".into(),
        ),
        (&v2.key, q, "1616140317555161061".into()),
    ] {
        let out = wxmsg()
            .args(["decrypt", "-q", "--aes-key", key, "--token", &v2.token])
            .write_stdin(format!("\u{feff}{input}\n"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{input}: {}", stderr_of(&out));
        assert_eq!(stdout_of(&out), format!("{expected}\n"));
    }
}

/// An official account's or mini program's GET verification (catalogue V6:
/// plain 3-part `signature`, `echostr` not encrypted) prints the echostr as
/// is once the signature checks, where it was decrypted and failed.
#[test]
fn plain_mode_url_verification_returns_the_echostr_as_is() {
    let q = "signature=f464b24fc39322e44b38aa78f5edd27bd1441696&timestamp=1714036504&nonce=1514711492&echostr=4375120948345356249";
    let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let out = wxmsg()
        .args([
            "decrypt",
            "--aes-key",
            key,
            "--token",
            "AAAAA",
            "--query",
            q,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "4375120948345356249\n");
    assert!(stderr_of(&out).contains("signature verified"));
    // An account in plain mode has no key to give.
    let out = wxmsg()
        .env_remove("WXMSG_AES_KEY")
        .args(["decrypt", "--token", "AAAAA", "--query", q])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "4375120948345356249\n");
    let out = wxmsg()
        .args([
            "decrypt",
            "--aes-key",
            key,
            "--token",
            "other",
            "--query",
            q,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_of(&out).contains("signature-mismatch"));
    assert_eq!(stdout_of(&out), "");
}

/// A compatibility-mode body whose plaintext copy was edited (V4's `Content`)
/// is `compat-mismatch` at the edited field: only the ciphertext is signed.
/// The untouched vector has no such finding.
#[test]
fn a_compat_copy_that_disagrees_with_its_ciphertext_is_reported() {
    let c = case("v4");
    let body = c.body.clone().unwrap();
    let run = |body: &str| {
        let out = wxmsg()
            .args(["parse", "--format", "json", "--aes-key", &c.key])
            .write_stdin(body)
            .output()
            .unwrap();
        let r: Value = serde_json::from_str(stdout_of(&out).lines().next().unwrap()).unwrap();
        r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "compat-mismatch")
            .map(|d| (d["field"].clone(), d["line"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(&body), []);
    let edited = body.replace("[abcdteT]", "[EVIL]");
    assert_ne!(edited, body);
    assert_eq!(run(&edited), [(Value::from("/Content"), Value::from(5))]);
    // A field the copy lacks is a mismatch too, not the copy's missing-field:
    // the report is about the decrypted copy.
    let without = body.replace("<MsgId>6054768590064713728</MsgId>\n", "");
    assert_ne!(without, body);
    assert_eq!(run(&without), [(Value::from("/MsgId"), Value::from(1))]);
    let out = wxmsg()
        .args(["parse", "--format", "json", "--aes-key", &c.key])
        .write_stdin(without)
        .output()
        .unwrap();
    assert!(
        !stdout_of(&out).contains("missing-field"),
        "{}",
        stdout_of(&out)
    );
}

/// Passive replies: the plaintext of an encrypted reply envelope is checked as
/// a passive reply (V10's text reply has no `MsgId`), and so is a plaintext
/// sent by the account (`FromUserName` `gh_…`) that no incoming type fits
/// (V3b's video reply with its `<Video>` object). A push without `MsgId`
/// stays invalid.
#[test]
fn cli_passive_replies_are_checked_as_replies() {
    let c = case("v10-");
    let out = wxmsg()
        .args(["parse", "--format", "json", "--aes-key", &c.key])
        .args(["--receiver-id", &c.receiver_id, "--token", &c.token])
        .write_stdin(c.body.clone().unwrap())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["type"], "reply.text", "{report}");
    assert_eq!(report["platform"], "official-account", "{report}");
    assert_eq!(report["envelope"], "reply", "{report}");

    let v3b = case("v3b-");
    let out = wxmsg()
        .args(["parse", "--format", "json"])
        .write_stdin(v3b.expected)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert_eq!(report["type"], "reply.video", "{report}");

    let push = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[x]]></Content></xml>";
    let out = wxmsg()
        .args(["parse", "--format", "json"])
        .write_stdin(push)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert_eq!(report["type"], "text", "{report}");
    assert_eq!(report["diagnostics"][0]["field"], "/MsgId", "{report}");
}

/// `Encrypt` makes a body an envelope whatever its plaintext copy's `MsgType`
/// is: a repeated `<MsgType>`, or a JSON array or number there, once made the
/// body a plain payload, so `decrypt` found nothing to open and `convert`
/// wrote out the unsigned copy with exit 0.
#[test]
fn a_compat_body_with_a_broken_msg_type_is_still_opened() {
    let c = case("v4");
    let body = c.body.clone().unwrap();
    let dup = body.replace(
        "<MsgType><![CDATA[text]]></MsgType>",
        "<MsgType><![CDATA[text]]></MsgType>\n<MsgType><![CDATA[image]]></MsgType>",
    );
    assert_ne!(dup, body);
    let e = &c.encrypt;
    let array = format!(r#"{{"ToUserName":"gh_10f6c3c3ac5a","MsgType":["text"],"Encrypt":"{e}"}}"#);
    let number = format!(r#"{{"ToUserName":"gh_10f6c3c3ac5a","MsgType":123,"Encrypt":"{e}"}}"#);
    for input in [&dup, &array, &number] {
        let out = wxmsg()
            .env("WXMSG_AES_KEY", &c.key)
            .args(["decrypt", "-q"])
            .write_stdin(input.as_str())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{input}: {}", stderr_of(&out));
        assert_eq!(stdout_of(&out), format!("{}\n", c.expected), "{input}");
        // `convert` writes the signed copy, never the envelope, and says
        // where the copy differs from it.
        let out = wxmsg()
            .env("WXMSG_AES_KEY", &c.key)
            .args(["convert", "--to", "json"])
            .write_stdin(input.as_str())
            .output()
            .unwrap();
        let text = stdout_of(&out);
        assert!(text.contains(r#""MsgType":"text""#), "{input}: {text}");
        assert!(!text.contains("Encrypt"), "{input}: {text}");
        let (code, reps) = parse_json(&["--aes-key", &c.key], input);
        assert_eq!(code, 1, "{reps:?}");
        assert_eq!(reps[0]["type"], "text", "{reps:?}");
        assert_eq!(reps[0]["envelope"], "compat", "{reps:?}");
        let found = reps[0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "compat-mismatch" && d["field"] == "/MsgType");
        assert!(found, "{reps:?}");
    }
    // Without a key the body is still known for a compatibility-mode one.
    let (code, reps) = parse_json(&[], &number);
    assert_eq!(code, 1, "{reps:?}");
    assert_eq!(reps[0]["envelope"], "compat", "{reps:?}");
}

/// Two `<Encrypt>` elements fail an XML envelope with a key and without one,
/// as the JSON form's duplicate key does, and the finding names the
/// repetition (with a key it was `bad-base64`, "`Encrypt` is not a string";
/// without one, a warning that let the file pass).
#[test]
fn cli_a_repeated_encrypt_element_fails_with_and_without_a_key() {
    let e = bare_text_encrypt();
    let xml = format!(
        "<xml><ToUserName>gh</ToUserName><Encrypt>{e}</Encrypt><Encrypt>{e}</Encrypt></xml>"
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("dup.xml");
    std::fs::write(&p, &xml).unwrap();
    for key in [None, Some(V1_KEY)] {
        let mut cmd = wxmsg();
        cmd.args(["validate", "--format", "json"]).arg(&p);
        if let Some(k) = key {
            cmd.args(["--aes-key", k]);
        }
        let out = cmd.output().unwrap();
        let text = format!("{}{}", stdout_of(&out), stderr_of(&out));
        assert_eq!(out.status.code(), Some(1), "{key:?}: {text}");
        assert!(text.contains("duplicate-key"), "{key:?}: {text}");
        assert!(
            text.contains("<Encrypt> repeats 2 times"),
            "{key:?}: {text}"
        );
        assert!(!text.contains("bad-base64"), "{key:?}: {text}");
        // Said once, at the second element.
        assert_eq!(text.matches("duplicate-key").count(), 1, "{key:?}: {text}");
    }
    let out = wxmsg()
        .env("WXMSG_AES_KEY", V1_KEY)
        .arg("decrypt")
        .write_stdin(xml)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_of(&out), "");
    assert!(
        stderr_of(&out).contains("duplicate-key: <Encrypt> repeats 2 times"),
        "{}",
        stderr_of(&out)
    );
}

/// Plain mode (明文模式): the URL's 3-part `signature` is a plaintext push's
/// only authentication, so `--token` with a query checks it (catalogue V6's
/// plain-mode numbers) instead of ignoring both flags: a forged one fails,
/// with or without a key, and a token without the query's inputs says so.
#[test]
fn cli_a_plain_payload_is_checked_against_the_query_signature() {
    let file = "fixtures/miniprogram/text.json";
    let query = |sig: &str| format!("signature={sig}&timestamp=1714037059&nonce=486452656");
    let good = query("899cf89e464efb63f54ddac96b0a0a235f53aa78");
    let forged = query(&"0".repeat(40));
    let codes = |args: &[&str]| {
        let out = wxmsg()
            .args(["parse", "--format", "json", "--token", "AAAAA"])
            .args(args)
            .arg(file)
            .output()
            .unwrap();
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        let codes: Vec<String> = r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect();
        (out.status.code(), codes)
    };
    let (code, found) = codes(&["--query", &forged]);
    assert_eq!(code, Some(1), "{found:?}");
    assert!(
        found.contains(&"signature-mismatch".to_string()),
        "{found:?}"
    );
    let (code, found) = codes(&["--query", &forged, "--aes-key", V1_KEY]);
    assert_eq!(code, Some(1), "{found:?}");
    assert!(
        found.contains(&"signature-mismatch".to_string()),
        "{found:?}"
    );
    let (code, found) = codes(&["--query", &good]);
    assert_eq!(code, Some(0), "{found:?}");
    assert!(
        !found.iter().any(|c| c.starts_with("signature")),
        "{found:?}"
    );
    let (code, found) = codes(&[]);
    assert_eq!(code, Some(0), "{found:?}");
    assert!(
        found.contains(&"signature-not-verified".to_string()),
        "{found:?}"
    );
    // `convert` writes nothing of it.
    let out = wxmsg()
        .args([
            "convert", "--to", "json", "--token", "AAAAA", "--query", &forged, file,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "");
    assert!(stderr_of(&out).contains("signature-mismatch"));
    // `validate` (the fast lane's command) fails the forged one too.
    let out = wxmsg()
        .args(["validate", "--token", "AAAAA", "--query", &forged, file])
        .output()
        .unwrap();
    let text = format!("{}{}", stdout_of(&out), stderr_of(&out));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("signature-mismatch"), "{text}");
    assert!(!text.contains("AAAAA"), "{text}");
}

/// A `signature-mismatch` never prints the signature the token would give:
/// over a timestamp, nonce and `Encrypt` the fixture's author chose, that is
/// a valid signature in the token's name. Every output format, and both the
/// 4-part `msg_signature` and the 3-part `signature`.
#[test]
fn cli_a_signature_mismatch_never_prints_the_expected_signature() {
    let c = case("v1-");
    let body = c.body.clone().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("forged.xml");
    std::fs::write(&p, &body).unwrap();
    let (ts, nonce) = ("1999999999", "424242");
    let oracle = [
        signature::msg_signature(&c.token, ts, nonce, &c.encrypt),
        signature::plain_signature(&c.token, ts, nonce),
    ];
    let zeros = "0".repeat(40);
    let queries = [
        format!("msg_signature={zeros}&timestamp={ts}&nonce={nonce}"),
        // A right msg_signature, so that the plain one is checked next.
        format!(
            "msg_signature={}&signature={zeros}&timestamp={ts}&nonce={nonce}",
            oracle[0]
        ),
    ];
    for q in &queries {
        for fmt in ["human", "github", "json", "sarif", "junit"] {
            let out = wxmsg()
                .env("WXMSG_AES_KEY", &c.key)
                .args([
                    "validate", "--format", fmt, "--token", &c.token, "--query", q,
                ])
                .arg(&p)
                .output()
                .unwrap();
            let text = format!("{}{}", stdout_of(&out), stderr_of(&out));
            assert_eq!(out.status.code(), Some(1), "{fmt} {q}: {text}");
            assert!(text.contains("signature-mismatch"), "{fmt} {q}: {text}");
            assert!(text.contains(&zeros), "{fmt} {q}: {text}");
            // The query's own right msg_signature is the supplied value there.
            let hidden = if q.contains("&signature=") {
                &oracle[1..]
            } else {
                &oracle[..]
            };
            for o in hidden {
                assert!(!text.contains(o.as_str()), "{fmt} {q}: {text}");
            }
        }
        let out = wxmsg()
            .env("WXMSG_AES_KEY", &c.key)
            .args(["decrypt", "--token", &c.token, "--query", q])
            .arg(&p)
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert!(err.contains("signature-mismatch"), "{err}");
        assert!(!err.contains(&oracle[1]), "{err}");
    }
}

/// A JSON envelope around `plaintext`, encrypted with `V1_KEY` and a fixed
/// prefix (deterministic), for plaintexts `wxmsg encrypt` would refuse.
fn envelope_of(plaintext: &[u8]) -> String {
    let key = AesKey::from_encoding_key(V1_KEY).unwrap();
    let e = crypto::encrypt(&key, b"0123456789abcdef", plaintext, "wx1").unwrap();
    format!("{{\"ToUserName\":\"gh_x\",\n\"Encrypt\":\"{e}\"}}")
}

/// A syntax error inside the decrypted plaintext names its line and column in
/// the plaintext (a decrypted push can be several KB); the finding itself
/// stays at the envelope's `Encrypt` field.
#[test]
fn cli_plaintext_syntax_errors_name_their_plaintext_position() {
    let xml = "<xml><ToUserName><![CDATA[gh_x]]></ToUserName>\n<FromUserName><![CDATA[o1]]></FromUserName>\n<CreateTime>1714112445</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hi]]></Contnt>\n<MsgId>12</MsgId>\n</xml>";
    let json = "{\n  \"ToUserName\": \"gh_x\",\n  \"FromUserName\": \"o1\",\n  \"CreateTime\": 1714112445,\n  \"MsgType\": \"text\",\n  \"Content\": \"hi\" \"x\",\n  \"MsgId\": 12\n}";
    for (plain, code, at) in [
        (xml, "xml-syntax", "(plaintext line 5, column 24)"),
        (json, "json-syntax", "(plaintext line 6, column 19)"),
    ] {
        let (_, reps) = parse_json(&["--aes-key", V1_KEY], &envelope_of(plain.as_bytes()));
        let d = reps[0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("{reps:?}"))
            .clone();
        assert!(d["message"].as_str().unwrap().ends_with(at), "{d}");
        assert_eq!(
            (d["line"].clone(), d["column"].clone()),
            (2.into(), 11.into()),
            "{d}"
        );
        assert_eq!(d["field"], "/Encrypt", "{d}");
    }
}

/// A URL verification logged by a Go service (`encoding/json` writes `&` as
/// `\u0026`) or a PHP one (`/` as `\/`) inside a JSON string: the string's
/// escapes are decoded before the query is split, so it verifies and decrypts
/// like the plain line (it was "the query has no echostr value").
#[test]
fn cli_decrypt_a_query_logged_inside_a_json_string() {
    let c = case("v2-");
    let q = format!(
        "msg_signature={}&timestamp={}&nonce={}&echostr={}",
        c.msg_signature.as_deref().unwrap(),
        c.timestamp,
        c.nonce,
        c.echostr_urlencoded.as_deref().unwrap()
    );
    let go = q.replace('&', "\\u0026");
    let log = format!("{{\"level\":\"info\",\"url\":\"/cb?{go}\"}}\n{{\"url\":\"\\/cb?{q}\"}}\n");
    let out = wxmsg()
        .args(["decrypt", "--aes-key", &c.key, "--token", &c.token])
        .write_stdin(log)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(stdout_of(&out), "1616140317555161061\n".repeat(2));
    assert_eq!(err.matches("signature verified").count(), 2, "{err}");
}

/// `msg_signature` covers the `Encrypt` text without the whitespace a
/// re-indented envelope puts around it, as decoding ignores it: the value was
/// "valid base64" and "wrongly signed" at once.
#[test]
fn cli_whitespace_around_encrypt_is_not_signed() {
    let c = case("v6-json-secure");
    let xml = format!(
        "<xml>\n  <ToUserName>gh_97417a04a28d</ToUserName>\n  <Encrypt>\n    {}\n  </Encrypt>\n</xml>\n",
        c.encrypt
    );
    let q = format!(
        "timestamp={}&nonce={}&msg_signature={}",
        c.timestamp,
        c.nonce,
        c.msg_signature.as_deref().unwrap()
    );
    let out = wxmsg()
        .env("WXMSG_AES_KEY", &c.key)
        .args(["decrypt", "--token", &c.token, "--query", &q])
        .write_stdin(xml)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(stdout_of(&out), format!("{}\n", c.expected));
    assert!(err.contains("signature verified"), "{err}");
}

/// An empty `--token ''` (a CI secret withheld from a fork expands to "")
/// counts as no token, as an empty key counts as no key: "signature not
/// verified", not a "wrong token" failure of every payload.
#[test]
fn cli_an_empty_token_is_no_token() {
    let c = case("v1-");
    let q = format!(
        "msg_signature={}&timestamp={}&nonce={}",
        c.msg_signature.as_deref().unwrap(),
        c.timestamp,
        c.nonce
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v1.xml");
    std::fs::write(&p, c.body.clone().unwrap()).unwrap();
    let out = wxmsg()
        .env("WXMSG_AES_KEY", &c.key)
        .args(["validate", "--verbose", "--token", "", "--query", &q])
        .arg(&p)
        .output()
        .unwrap();
    let text = format!("{}{}", stdout_of(&out), stderr_of(&out));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("--token is empty"), "{text}");
    assert!(!text.contains("signature-mismatch"), "{text}");
    let out = wxmsg()
        .env("WXMSG_AES_KEY", &c.key)
        .args(["decrypt", "--token", "", "--query", &q])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), format!("{}\n", c.expected));
    assert!(stderr_of(&out).contains("--token is empty"));
    // A plain-mode payload and an official account's URL verification too.
    let (code, reps) = parse_json(
        &[
            "--token",
            "",
            "--query",
            &format!("signature={}&timestamp=1&nonce=2", "0".repeat(40)),
        ],
        &std::fs::read_to_string("fixtures/miniprogram/text.json").unwrap(),
    );
    assert_eq!(code, 0, "{reps:?}");
    assert!(reps[0].to_string().contains("--token is empty"), "{reps:?}");
    let out = wxmsg()
        .args(["decrypt", "--token", ""])
        .args([
            "--query",
            &format!(
                "signature={}&timestamp=1&nonce=2&echostr=42",
                "0".repeat(40)
            ),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "42\n");
    assert!(
        stderr_of(&out).contains("--token is empty"),
        "{}",
        stderr_of(&out)
    );
}

/// A decrypted plaintext is a record: a UTF-8 BOM before it is tolerated as
/// at the top level (it was "not a JSON or XML payload"), and a UTF-16 one
/// gets `utf16-input` (it was `invalid-utf8 … at byte 0`).
#[test]
fn cli_a_plaintext_bom_is_tolerated_and_utf16_is_named() {
    let text = std::fs::read_to_string("fixtures/miniprogram/text.json").unwrap();
    let mut bom = "\u{feff}".as_bytes().to_vec();
    bom.extend_from_slice(text.trim_end().as_bytes());
    let (code, reps) = parse_json(&["--aes-key", V1_KEY], &envelope_of(&bom));
    assert_eq!(code, 0, "{reps:?}");
    assert_eq!(reps[0]["type"], "text", "{reps:?}");
    let mut u16 = vec![0xFF, 0xFE];
    for unit in text.trim_end().encode_utf16() {
        u16.extend_from_slice(&unit.to_le_bytes());
    }
    let (code, reps) = parse_json(&["--aes-key", V1_KEY], &envelope_of(&u16));
    assert_eq!(code, 1, "{reps:?}");
    let codes: Vec<&Value> = reps[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["code"])
        .collect();
    assert!(codes.contains(&&Value::from("utf16-input")), "{reps:?}");
    assert!(!codes.contains(&&Value::from("invalid-utf8")), "{reps:?}");
}

/// `decrypt` reports an envelope it cannot open at its `Encrypt` field, as
/// `parse` and `convert` do (it said the envelope's first character).
#[test]
fn cli_decrypt_reports_envelope_errors_at_the_encrypt_field() {
    let e = bare_text_encrypt();
    let bad = format!("{}!{}", &e[..8], &e[9..]);
    let xml = format!("<xml>\n  <ToUserName>gh</ToUserName>\n  <Encrypt>{bad}</Encrypt>\n</xml>\n");
    let json = format!("{{\"ToUserName\": \"gh\",\n \"Encrypt\": \"{bad}\"}}\n");
    for (input, at) in [
        (&xml, "<stdin>:3:3: bad-base64"),
        (&json, "<stdin>:2:13: bad-base64"),
    ] {
        let out = wxmsg()
            .env("WXMSG_AES_KEY", V1_KEY)
            .arg("decrypt")
            .write_stdin(input.as_str())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr_of(&out).contains(at), "{at}: {}", stderr_of(&out));
        let (_, reps) = parse_json(&["--aes-key", V1_KEY], input);
        let d = &reps[0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "bad-base64")
            .unwrap()
            .clone();
        let (line, column) = (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap());
        assert!(at.contains(&format!(":{line}:{column}:")), "{at} vs {d}");
    }
}

/// `--query` is read whole: a space in its `echostr` (a `+` that URL decoding
/// turned into one) is `bad-base64` at that space with the "`+` turned into a
/// space" hint, not a value silently cut at the space and called truncated,
/// and the hint does not tell the user to use the `--query` they used.
#[test]
fn cli_query_flag_with_a_space_in_echostr() {
    let c = case("v2-");
    let encoded = c.echostr_urlencoded.clone().unwrap();
    let first = encoded.find("%2B").unwrap();
    let mangled = encoded.replacen("%2B", " ", 1);
    let q = format!(
        "msg_signature={}&timestamp={}&nonce={}&echostr={mangled}",
        c.msg_signature.as_deref().unwrap(),
        c.timestamp,
        c.nonce
    );
    let out = wxmsg()
        .args(["decrypt", "--aes-key", &c.key, "--query", &q])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("bad-base64"), "{err}");
    assert!(err.contains("' ' at position"), "{err}");
    assert!(err.contains("turned into a space"), "{err}");
    assert!(!err.contains("truncated"), "{err}");
    assert!(!err.contains("pass the query with --query"), "{err}");
    // The position (1-based) is the space's own in the decoded value.
    let decoded = percent_decode(&mangled);
    let pos = decoded.find(' ').unwrap() + 1;
    assert!(first > 0);
    assert!(err.contains(&format!("' ' at position {pos} ")), "{err}");
}

/// `encrypt` refuses an input that is already an encrypted envelope (it has
/// `Encrypt`), naming where: a second envelope around it decrypts to the
/// first, almost always the wrong file. `--bare` still encrypts any text.
#[test]
fn cli_encrypt_refuses_an_encrypted_envelope() {
    let c = case("v6-json-secure");
    let body = c.body.clone().unwrap();
    let out = encrypt_with(&[], body.as_bytes());
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(stdout_of(&out), "");
    assert!(err.contains("already an encrypted envelope"), "{err}");
    assert!(err.contains("<stdin>:1:"), "{err}");
    let out = encrypt_with(&["--bare"], body.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
}

/// A plaintext that is itself an encrypted envelope (a fixture encrypted
/// twice) is not a valid payload: `parse` called it a valid `encrypted`
/// envelope embedded in /Encrypt.
#[test]
fn cli_an_envelope_inside_an_envelope_is_invalid() {
    let inner = envelope_of(b"{\"ToUserName\":\"gh_x\",\"MsgType\":\"text\"}");
    let (code, reps) = parse_json(&["--aes-key", V1_KEY], &envelope_of(inner.as_bytes()));
    assert_eq!(code, 1, "{reps:?}");
    let diags = reps[0]["diagnostics"].as_array().unwrap();
    let found = diags
        .iter()
        .any(|d| d["code"] == "invalid-value" && d["field"] == "/Encrypt");
    assert!(found, "{reps:?}");
    assert!(!diags.iter().any(|d| d["code"] == "encrypted"), "{reps:?}");
}
