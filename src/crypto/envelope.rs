//! Reading an envelope's fields: the `Encrypt` text and, for passive replies, the
//! body's own signature parameters.

use super::config::{DecryptConfig, Opened, SignatureParams};
use super::CryptoError;
use crate::diag::Code;
use crate::doc::{Node, Value, XmlForm};
use crate::report::Envelope;

/// Verifies and decrypts an encrypted push, passive reply or compatibility-mode
/// payload (the object that holds `Encrypt`).
pub fn open_envelope(
    root: &Node,
    envelope: Envelope,
    cfg: &DecryptConfig,
) -> Result<Opened, CryptoError> {
    let encrypt = encrypt_text(root)?;
    let own = (envelope == Envelope::Reply).then(|| reply_params(root));
    cfg.open(encrypt, own.as_ref())
}

/// The exact `Encrypt` text (what the signature covers).
pub fn encrypt_text(root: &Node) -> Result<&str, CryptoError> {
    let node = root.get("Encrypt");
    if let Some(Value::Array(items)) = node.map(|n| &n.value) {
        if node.is_some_and(|n| n.xml == XmlForm::Siblings) {
            // Which of several ciphertexts a reader opens is up to the reader:
            // refuse rather than pick one.
            return Err(CryptoError::new(
                Code::DuplicateKey,
                format!(
                    "<Encrypt> repeats {} times: an envelope carries one ciphertext; keep one",
                    items.len()
                ),
            ));
        }
    }
    node.and_then(Node::scalar_text)
        .ok_or_else(|| CryptoError::new(Code::BadBase64, "`Encrypt` is not a string"))
}

/// A passive reply's `TimeStamp`, `Nonce` and `MsgSignature` (`TimeStamp` is a
/// number in JSON replies, text in XML; both read as text).
pub fn reply_params(root: &Node) -> SignatureParams {
    let text = |k: &str| root.get(k).and_then(Node::scalar_text).map(str::to_string);
    SignatureParams {
        timestamp: text("TimeStamp"),
        nonce: text("Nonce"),
        msg_signature: text("MsgSignature"),
    }
}
