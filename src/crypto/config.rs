//! What decrypting needs besides the ciphertext (key, expected receiver id, token
//! and the request's signature parameters), and the verify-then-decrypt sequence.

use super::query::Query;
use super::scheme::{self, Plain};
use super::{b64, signature, AesKey, CryptoError};
use crate::diag::Code;
use std::fmt;

/// `timestamp`, `nonce` and `msg_signature` of one request (from the callback
/// URL) or of one passive reply (from its body).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignatureParams {
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    pub msg_signature: Option<String>,
}

/// Key, expected receiver id and signature inputs for decrypting payloads.
///
/// The key is decoded once, when the configuration is made; a malformed key is
/// kept as its error and reported on every payload that needs it, so that
/// `wxmsg parse` can still show everything else.
#[derive(Clone)]
pub struct DecryptConfig {
    key: Result<AesKey, CryptoError>,
    /// Expected receiver id (appid, component appid, CorpID or SuiteId); when
    /// unset, the trailer is reported but not checked.
    pub receiver_id: Option<String>,
    /// The token configured in the WeChat console; without it signatures are
    /// not checked.
    pub token: Option<String>,
    /// The callback request's signature parameters.
    pub request: SignatureParams,
    /// The plain 3-part `signature` of the callback URL (official accounts and
    /// mini programs send it next to `msg_signature`); checked when present.
    pub signature: Option<String>,
}

impl fmt::Debug for DecryptConfig {
    // Hand-written so that neither the key nor the token can reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptConfig")
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("receiver_id", &self.receiver_id)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("request", &self.request)
            .field("signature", &self.signature)
            .finish()
    }
}

/// Whether the signature was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// `msg_signature` (and `signature`, when given) matched.
    Verified,
    /// Not checked; the text says why (no token, or a parameter missing).
    NotVerified(String),
}

/// A successfully verified and decrypted payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The FullStr parts; `plain.message` is the payload exactly as sent.
    pub plain: Plain,
    /// The trailer as text (lossy if it is not UTF-8, which no real id is).
    pub receiver_id: String,
    pub verification: Verification,
}

impl DecryptConfig {
    /// A configuration with this EncodingAESKey and nothing else.
    pub fn new(encoding_aes_key: &str) -> Self {
        DecryptConfig {
            key: AesKey::from_encoding_key(encoding_aes_key),
            receiver_id: None,
            token: None,
            request: SignatureParams::default(),
            signature: None,
        }
    }

    /// The decoded key, or why the EncodingAESKey is unusable.
    pub fn key(&self) -> Result<&AesKey, CryptoError> {
        self.key.as_ref().map_err(Clone::clone)
    }

    /// Fills the request parameters not set yet from a callback query; values
    /// already set (explicit flags) win.
    pub fn apply_query(&mut self, q: &Query) {
        fill(&mut self.request.timestamp, &q.timestamp);
        fill(&mut self.request.nonce, &q.nonce);
        fill(&mut self.request.msg_signature, &q.msg_signature);
        fill(&mut self.signature, &q.signature);
    }

    /// Verifies (when a token is known), then decrypts one `Encrypt` value (or a
    /// WeCom `echostr`) and checks the receiver id.
    ///
    /// `own` are a passive reply's own `TimeStamp`, `Nonce` and `MsgSignature`;
    /// they take precedence over the request's. The signature is checked before
    /// anything is decrypted, as the official samples do.
    pub fn open(
        &self,
        encrypt: &str,
        own: Option<&SignatureParams>,
    ) -> Result<Opened, CryptoError> {
        let key = self.key()?;
        // WeChat never puts whitespace around `Encrypt` (catalogue §7.3 signs
        // the exact text); only re-formatting (xmllint, a pretty-printing
        // logger) does, and decoding ignores it, so the signature must too.
        let signed = encrypt.trim_matches(|c: char| c.is_ascii_whitespace());
        let verification = self.verify(signed, own)?;
        let ciphertext = b64::decode(encrypt)?;
        let plain = scheme::decrypt(key, &ciphertext)?;
        let receiver_id = String::from_utf8_lossy(&plain.receiver_id).into_owned();
        if let Some(expected) = &self.receiver_id {
            if &receiver_id != expected {
                return Err(CryptoError::new(
                    Code::ReceiverMismatch,
                    format!(
                        "the message is for receiver id {}, not {} (--receiver-id): use the appid of the official account or mini program, the component appid of a third-party platform, the CorpID of a WeCom app or the SuiteId of a suite",
                        shown(&receiver_id),
                        shown(expected)
                    ),
                ));
            }
        }
        Ok(Opened {
            plain,
            receiver_id,
            verification,
        })
    }

    fn verify(
        &self,
        encrypt: &str,
        own: Option<&SignatureParams>,
    ) -> Result<Verification, CryptoError> {
        let Some(token) = &self.token else {
            return Ok(Verification::NotVerified(
                "no --token was given, so msg_signature was not checked".into(),
            ));
        };
        if token.is_empty() {
            return Ok(Verification::NotVerified(EMPTY_TOKEN.into()));
        }
        let pick = |o: Option<&Option<String>>, r: &Option<String>| {
            o.and_then(|v| v.clone()).or_else(|| r.clone())
        };
        let ts = pick(own.map(|o| &o.timestamp), &self.request.timestamp);
        let nonce = pick(own.map(|o| &o.nonce), &self.request.nonce);
        let sig = pick(own.map(|o| &o.msg_signature), &self.request.msg_signature);
        let (Some(ts), Some(nonce), Some(sig)) = (ts, nonce, sig) else {
            return Ok(Verification::NotVerified(
                "--token was given, but not all of --msg-signature, --timestamp and --nonce (or --query)".into(),
            ));
        };
        let name = if own.is_some() {
            "MsgSignature"
        } else {
            "msg_signature"
        };
        signature::verify(
            name,
            &sig,
            &[token, &ts, &nonce, encrypt],
            &format!(
                "timestamp `{ts}`, nonce `{nonce}` and {}",
                described_encrypt(encrypt)
            ),
        )?;
        if own.is_none() {
            if let Some(plain) = &self.signature {
                signature::verify(
                    "signature",
                    plain,
                    &[token, &ts, &nonce],
                    &format!("timestamp `{ts}` and nonce `{nonce}`"),
                )?;
            }
        }
        Ok(Verification::Verified)
    }
}

/// Why an empty token checks nothing. No console token is empty, and a CI
/// secret withheld from a fork's pull request expands to `""`: like an empty
/// key, it counts as none rather than failing every signature as wrong.
pub const EMPTY_TOKEN: &str =
    "--token is empty (a CI secret that was not set?), so the signature was not checked";

/// The token and a callback request's plain 3-part `signature` inputs, for
/// payloads that are not encrypted (plain mode, 明文模式): there the URL's
/// `signature` is the only thing that authenticates a push (catalogue §7.3),
/// so `--token` with a query must check it rather than be ignored.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PlainCheck {
    /// The token configured in the WeChat console (never empty).
    pub token: String,
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    /// The query's `signature`.
    pub signature: Option<String>,
}

impl fmt::Debug for PlainCheck {
    // Hand-written so that the token cannot reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlainCheck")
            .field("token", &"<redacted>")
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .field("signature", &self.signature)
            .finish()
    }
}

impl PlainCheck {
    /// A check with this token and the `timestamp`, `nonce` and `signature`
    /// of a callback query.
    pub fn new(token: &str, q: &Query) -> Self {
        PlainCheck {
            token: token.to_string(),
            timestamp: q.timestamp.clone(),
            nonce: q.nonce.clone(),
            signature: q.signature.clone(),
        }
    }

    /// Checks the 3-part `signature` over the token, timestamp and nonce;
    /// without all three inputs it says what is missing.
    pub fn check(&self) -> Result<Verification, CryptoError> {
        if self.token.is_empty() {
            return Ok(Verification::NotVerified(EMPTY_TOKEN.into()));
        }
        let (Some(ts), Some(nonce), Some(sig)) = (&self.timestamp, &self.nonce, &self.signature)
        else {
            return Ok(Verification::NotVerified(
                "plaintext payload: --token was given, but the query's signature, timestamp and nonce were not all given (--query 'signature=…&timestamp=…&nonce=…')".into(),
            ));
        };
        signature::verify(
            "signature",
            sig,
            &[&self.token, ts, nonce],
            &format!("timestamp `{ts}` and nonce `{nonce}`"),
        )?;
        Ok(Verification::Verified)
    }
}

/// The `Encrypt` text as a mismatch names it: its length and first
/// characters, enough to tell which value was hashed without quoting it all.
fn described_encrypt(encrypt: &str) -> String {
    let start: String = encrypt.chars().take(12).collect();
    let more = if encrypt.chars().nth(12).is_some() {
        "…"
    } else {
        ""
    };
    format!(
        "Encrypt ({} characters, `{start}{more}`)",
        encrypt.chars().count()
    )
}

fn fill(slot: &mut Option<String>, from: &Option<String>) {
    if slot.is_none() {
        slot.clone_from(from);
    }
}

/// An id in backquotes, or `(empty)`: personal-subject third-party apps use an
/// empty receiver id, which would otherwise read as a formatting slip.
pub(crate) fn shown(id: &str) -> String {
    if id.is_empty() {
        "(empty)".to_string()
    } else {
        format!("`{id}`")
    }
}
