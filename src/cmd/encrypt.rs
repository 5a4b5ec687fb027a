//! `wxmsg encrypt`: wrap a payload into a safe-mode envelope (for test fixtures
//! and for reproducing what WeChat sends).
//!
//! The message is the input's bytes exactly, except its final newline (a file's
//! line terminator, not part of the payload; WeChat's plaintexts never end with
//! one) and, unless `--bare`, a UTF-8 BOM (an encoding mark, tolerated wherever
//! a record starts). The input must be one payload: a second document or any
//! other text after it is refused, naming where it starts. The envelope goes to
//! stdout followed by a newline, so that `wxmsg encrypt … | wxmsg decrypt` gives
//! the input back unchanged. It is written by the same writers as `convert`, so
//! a copied `ToUserName` that XML cannot carry is refused and JSON escapes what
//! a terminal would act on. With `--token`, the matching callback query goes to
//! stderr as one line, every value percent-encoded.

use super::{error_line, Status};
use anyhow::{Context, Result};
use std::io::{self, Read, Write};
use wxmsg::crypto::{self, query::percent_encode, signature, AesKey};
use wxmsg::doc::{line_col_in, Member, Node, Value};
use wxmsg::parse::{json, xml, Limits};
use wxmsg::render::{json_out, xml_out};

const EXAMPLES: &str = "\
Examples:
  export WXMSG_AES_KEY=jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C
  wxmsg encrypt --receiver-id wx5823bf96d3bd56c7 text.xml > push.xml
  wxmsg encrypt --receiver-id wx5823bf96d3bd56c7 --token QDG6eK text.xml 2> query.txt
  wxmsg decrypt --token QDG6eK --query \"$(cat query.txt)\" push.xml
  wxmsg encrypt --receiver-id wxba5fad812f8e6fb9 --token AAAAA --reply reply.json
  printf 1616140317555161061 | wxmsg encrypt --bare --receiver-id wx5823bf96d3bd56c7

The envelope has the input's format: XML <xml><ToUserName/><Encrypt/>[<AgentID/>]</xml>
or JSON {\"ToUserName\",\"Encrypt\"}, ToUserName and AgentID copied from the payload.
With --token, `msg_signature=…&timestamp=…&nonce=…` (plus `&echostr=…` with --bare)
is printed on stderr, ready for `wxmsg decrypt --query`.";

/// Arguments of `wxmsg encrypt`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The plaintext payload (`-` or none: standard input): one XML or JSON payload.
    #[arg(value_name = "FILE")]
    pub file: Option<String>,

    /// EncodingAESKey (43 characters). Prefer the WXMSG_AES_KEY environment
    /// variable: flags show up in `ps` and in shell history.
    #[arg(
        long,
        value_name = "KEY",
        env = crate::cli::KEY_ENV,
        hide_env_values = true
    )]
    pub aes_key: String,

    /// Receiver id for the trailer: appid (official account, mini program),
    /// component appid (third-party platform), CorpID (WeCom) or SuiteId.
    #[arg(long, value_name = "ID")]
    pub receiver_id: String,

    /// Token: also compute msg_signature (printed on stderr as a callback query,
    /// or put into the envelope with --reply).
    #[arg(long, value_name = "T")]
    pub token: Option<String>,

    /// Make a passive-reply envelope (Encrypt, MsgSignature, TimeStamp, Nonce).
    #[arg(long, requires = "token")]
    pub reply: bool,

    /// Print only the base64 Encrypt value (a WeCom echostr, say); any text is
    /// accepted as the message.
    #[arg(long, conflicts_with = "reply")]
    pub bare: bool,

    /// Timestamp to sign, in Unix seconds (default: now).
    #[arg(long, value_name = "TS", value_parser = parse_timestamp)]
    pub timestamp: Option<String>,

    /// Nonce to sign (default: 9 random digits; a reply usually echoes the
    /// request's nonce).
    #[arg(long, value_name = "N")]
    pub nonce: Option<String>,

    /// The 16-byte random prefix, only to reproduce published test vectors.
    #[arg(long, value_name = "TEXT16", hide = true, value_parser = parse_random)]
    pub random: Option<[u8; 16]>,
}

/// `--timestamp`: digits only, within i64 (what servers store it in). It is
/// signed as text and written into `TimeStamp`, so `abc` or `12 34` would only
/// make an envelope no server accepts.
fn parse_timestamp(s: &str) -> Result<String, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be a non-negative integer of digits (Unix seconds)".into());
    }
    if s.parse::<i64>().is_err() {
        return Err(format!(
            "is out of range: at most {} (Unix seconds)",
            i64::MAX
        ));
    }
    Ok(s.to_string())
}

fn parse_random(s: &str) -> Result<[u8; 16], String> {
    s.as_bytes()
        .try_into()
        .map_err(|_| format!("--random takes exactly 16 bytes, got {}", s.len()))
}

/// The parts of the plaintext the envelope repeats.
struct Header {
    xml: bool,
    to_user: Option<Node>,
    agent_id: Option<Node>,
}

/// A UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Encrypts the input; see the module documentation.
pub fn run(a: Args) -> Result<Status> {
    let path = a.file.as_deref().unwrap_or("-");
    let (mut reader, name) =
        wxmsg::input::open(path).with_context(|| format!("cannot read `{path}`"))?;
    let mut raw = Vec::new();
    reader
        .read_to_end(&mut raw)
        .with_context(|| format!("error reading `{path}`"))?;
    let mut msg = raw.strip_suffix(b"\n").unwrap_or(&raw);

    let key = match AesKey::from_encoding_key(&a.aes_key) {
        Ok(k) => k,
        Err(e) => {
            error_line(&format!("{}: {}", e.code, e.message));
            return Ok(Status::Trouble);
        }
    };
    if !a.bare {
        msg = msg.strip_prefix(BOM).unwrap_or(msg);
    }
    if msg.is_empty() {
        return fail(&format!("{name}:1:1: the input is empty"));
    }
    let header = if a.bare {
        None
    } else {
        match header(msg) {
            Ok(h) => Some(h),
            Err((pos, why)) => {
                let (line, column) = position(msg, pos);
                return fail(&format!(
                    "{name}:{line}:{column}: {why} (use --bare to encrypt arbitrary text)"
                ));
            }
        }
    };

    let random = match a.random {
        Some(r) => r,
        None => crypto::random_prefix()?,
    };
    let encrypt = match crypto::encrypt(&key, &random, msg, &a.receiver_id) {
        Ok(e) => e,
        Err(e) => return fail(&format!("{}: {}", e.code, e.message)),
    };
    let timestamp = match a.timestamp {
        Some(t) => t,
        None => now().to_string(),
    };
    let nonce = match a.nonce {
        Some(n) => n,
        None => crypto::random_nonce()?,
    };
    let sig = a
        .token
        .as_deref()
        .map(|t| signature::msg_signature(t, &timestamp, &nonce, &encrypt));

    let mut out = Vec::with_capacity(encrypt.len() + 256);
    let written = match (&header, &sig) {
        (None, _) => {
            out.extend_from_slice(encrypt.as_bytes());
            Ok(())
        }
        (Some(h), Some(sig)) if a.reply => write_envelope(
            &mut out,
            h.xml,
            &reply_envelope(&encrypt, sig, &timestamp, &nonce),
        ),
        (Some(h), _) => write_envelope(&mut out, h.xml, &push_envelope(h, &encrypt)),
    };
    if let Err(e) = written {
        // Only copied fields and --nonce are not ours; their text is what XML
        // cannot carry (a control character, say).
        if e.field == "/Nonce" {
            error_line(&format!(
                "--nonce: cannot write it in an XML envelope: {}",
                e.message
            ));
            return Ok(Status::Trouble);
        }
        let (line, column) = position(msg, e.pos as usize);
        return fail(&format!(
            "{name}:{line}:{column}: cannot write {} into the XML envelope: {}",
            e.field, e.message
        ));
    }
    out.push(b'\n');
    io::stdout().write_all(&out)?;
    io::stdout().flush()?;
    if let (Some(sig), false) = (&sig, a.reply) {
        // Every value encoded: a nonce is any text, and `&`, `=` or `#` in it
        // would change what `decrypt --query` reads.
        let mut q = format!(
            "msg_signature={}&timestamp={}&nonce={}",
            percent_encode(sig),
            percent_encode(&timestamp),
            percent_encode(&nonce)
        );
        if a.bare {
            q.push_str("&echostr=");
            q.push_str(&percent_encode(&encrypt));
        }
        writeln!(io::stderr(), "{q}")?;
    }
    Ok(Status::Ok)
}

/// Line and column (1-based, columns in characters) of byte `pos` of the
/// message, for errors: invalid UTF-8 before it counts a character a byte.
fn position(msg: &[u8], pos: usize) -> (u32, u32) {
    let before = String::from_utf8_lossy(msg.get(..pos).unwrap_or(msg));
    line_col_in(&before, before.len(), 1, 1)
}

fn fail(msg: &str) -> Result<Status> {
    error_line(msg);
    Ok(Status::Findings)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Parses the plaintext (same parsers as everywhere) for its format and the
/// fields the envelope repeats; node positions are offsets into `msg`. An error
/// names the byte offset in `msg` it is about.
fn header(msg: &[u8]) -> Result<Header, (usize, String)> {
    let start = msg
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let body = msg.get(start..).unwrap_or_default();
    let (mut root, used, xml) = match body.first() {
        Some(b'<') => {
            let (root, used, _) = xml::parse(body, Limits::default()).map_err(|e| {
                (
                    start + e.pos,
                    format!("not a well-formed XML payload: {}", e.message),
                )
            })?;
            (root, used, true)
        }
        Some(b'{') => {
            let (root, used) =
                json::parse(body, json::Mode::Strict, Limits::default()).map_err(|e| {
                    (
                        start + e.pos,
                        format!("not a well-formed JSON payload: {}", e.message),
                    )
                })?;
            (root, used, false)
        }
        _ => return Err((start, "not an XML or JSON payload".into())),
    };
    // One payload per envelope: a second document (or a log's next line)
    // would be encrypted along with it, and no reader takes that apart.
    let rest = body.get(used..).unwrap_or_default();
    if let Some(k) = rest.iter().position(|b| !b.is_ascii_whitespace()) {
        return Err((
            start + used + k,
            "text after the payload: encrypt takes exactly one payload (a second document or trailing text starts here)".into(),
        ));
    }
    // An input with `Encrypt` is already encrypted (an envelope, or a
    // compatibility-mode body): a second envelope around it decrypts to the
    // first, which is almost always the wrong file in a fixture script.
    if let Some(n) = root.get("Encrypt") {
        return Err((
            start + n.pos as usize,
            "the input has `Encrypt`: it is already an encrypted envelope (or a compatibility-mode body); decrypt it first with `wxmsg decrypt`".into(),
        ));
    }
    shift(&mut root, start);
    Ok(Header {
        xml,
        to_user: root.get("ToUserName").cloned(),
        agent_id: root.get("AgentID").cloned(),
    })
}

/// Moves the positions of the members the envelope copies from `body` to the
/// whole message, which starts `by` bytes earlier.
fn shift(root: &mut Node, by: usize) {
    let by = u32::try_from(by).unwrap_or(u32::MAX);
    if let Value::Object(members) = &mut root.value {
        for m in members {
            m.node.pos = m.node.pos.saturating_add(by);
        }
    }
}

/// Writes an envelope in the payload's format with the tool's own writers:
/// XML refuses characters XML 1.0 cannot carry (naming the field and its
/// position), JSON escapes controls and U+2028/U+2029.
fn write_envelope(out: &mut Vec<u8>, xml: bool, root: &Node) -> Result<(), xml_out::XmlWriteError> {
    if xml {
        xml_out::write_xml(out, root, None, false)
    } else {
        json_out::write_json(out, root, false);
        Ok(())
    }
}

/// `ToUserName`, `Encrypt` and (WeCom) `AgentID`, the first and last copied
/// from the payload: XML as text, JSON as written (numbers keep their lexeme;
/// an object or array, which no envelope has, becomes `null`).
fn push_envelope(h: &Header, encrypt: &str) -> Node {
    let copy = |n: &Node| {
        let value = match &n.value {
            _ if h.xml => Value::String(n.scalar_text().unwrap_or_default().into()),
            Value::Object(_) | Value::Array(_) => Value::Null,
            v => v.clone(),
        };
        Node::new(n.pos, value)
    };
    let mut members = Vec::with_capacity(3);
    if let Some(n) = &h.to_user {
        if !h.xml || n.scalar_text().is_some() {
            members.push(member("ToUserName", copy(n)));
        }
    }
    members.push(member("Encrypt", text(encrypt)));
    if let Some(n) = &h.agent_id {
        if !h.xml || n.scalar_text().is_some() {
            members.push(member("AgentID", copy(n)));
        }
    }
    Node::new(0, Value::Object(members))
}

/// `Encrypt`, `MsgSignature`, `TimeStamp` and `Nonce` of a passive reply.
fn reply_envelope(encrypt: &str, sig: &str, ts: &str, nonce: &str) -> Node {
    // TimeStamp is a number in both formats when it is one (catalog §7.2);
    // anything else (`0123` too, which JSON has no number for) is text, which
    // signs and verifies the same.
    let ts = if is_json_integer(ts) {
        Node::new(0, Value::Number(ts.into()))
    } else {
        text(ts)
    };
    Node::new(
        0,
        Value::Object(vec![
            member("Encrypt", text(encrypt)),
            member("MsgSignature", text(sig)),
            member("TimeStamp", ts),
            member("Nonce", text(nonce)),
        ]),
    )
}

fn member(key: &str, node: Node) -> Member {
    Member {
        key: key.into(),
        key_pos: node.pos,
        node,
    }
}

fn text(s: &str) -> Node {
    Node::new(0, Value::String(s.into()))
}

/// True for a canonical non-negative JSON integer: `0`, or digits without a
/// leading zero.
fn is_json_integer(s: &str) -> bool {
    match s.as_bytes() {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_integers_are_written_as_numbers() {
        for ts in ["0", "7", "1409659813"] {
            assert!(is_json_integer(ts), "{ts}");
        }
        for ts in ["", "00", "0123", "-1", "+1", "1.5", "1e3", "12a", " 1"] {
            assert!(!is_json_integer(ts), "{ts}");
        }
    }

    fn reply(xml: bool, ts: &str) -> String {
        let mut out = Vec::new();
        write_envelope(&mut out, xml, &reply_envelope("E", "S", ts, "N")).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_timestamp_with_a_leading_zero_is_a_json_string() {
        let v: serde_json::Value = serde_json::from_str(&reply(false, "0123")).unwrap();
        assert_eq!(v["TimeStamp"], "0123");
        let out = reply(false, "1409659813");
        assert!(out.contains(r#""TimeStamp":1409659813,"#), "{out}");
        let out = reply(true, "0123");
        assert!(
            out.contains("<TimeStamp><![CDATA[0123]]></TimeStamp>"),
            "{out}"
        );
        assert_eq!(
            reply(true, "7"),
            "<xml><Encrypt><![CDATA[E]]></Encrypt><MsgSignature><![CDATA[S]]></MsgSignature><TimeStamp>7</TimeStamp><Nonce><![CDATA[N]]></Nonce></xml>"
        );
    }

    #[test]
    fn timestamps_are_digits_within_i64() {
        for ok in ["0", "0123", "1409659813", "9223372036854775807"] {
            assert_eq!(parse_timestamp(ok).as_deref(), Ok(ok));
        }
        for bad in [
            "",
            "abc",
            "12 34",
            "-1",
            "+1",
            " 1",
            "1.5",
            "9223372036854775808",
            "99999999999999999999999",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn one_payload_and_nothing_after_it() {
        for ok in ["{\"a\":1}  \n\n", "  <xml><a>1</a></xml>\r\n"] {
            assert!(header(ok.as_bytes()).is_ok(), "{ok:?}");
        }
        for (bad, at) in [
            ("<xml><a>1</a></xml>\n<xml><a>2</a></xml>", 20),
            ("{\"ToUserName\":\"a\"} trailing garbage", 19),
            ("\n {\"a\":1}{\"b\":2}", 9),
        ] {
            let (pos, why) = header(bad.as_bytes()).err().unwrap();
            assert_eq!(pos, at, "{bad:?}");
            assert!(why.contains("text after the payload"), "{why}");
        }
    }

    #[test]
    fn errors_name_line_and_column() {
        let msg = b"{\n  \"a\": 1,\n}";
        let (pos, _) = header(msg).err().unwrap();
        assert_eq!(position(msg, pos), (3, 1));
        assert_eq!(position("中\n文x".as_bytes(), 7), (2, 2));
    }
}
