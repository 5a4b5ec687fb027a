//! Safe mode (安全模式): recognise, verify, decrypt and encrypt WeChat's encrypted
//! message pushes, passive replies and WeCom URL-verification `echostr`s.
//!
//! One scheme serves official accounts, mini programs, third-party platforms and
//! WeCom (catalog §7): AES-256-CBC keyed by the 43-character EncodingAESKey,
//! IV = first 16 key bytes, over `random(16) ‖ len(u32 BE) ‖ msg ‖ receiveid`
//! padded to 32 bytes, base64 in `Encrypt`; `msg_signature` is SHA-1 of the
//! sorted token, timestamp, nonce and `Encrypt`.
//!
//! The pipeline checked here follows the reliability notes (§4.3): key shape →
//! signature (before anything is decrypted, compared in constant time) → base64
//! (errors name the position) → length → AES without padding → WeChat's 32-byte
//! PKCS#7 stripped by hand → bounds-checked length field → receiver id. Every
//! failure is a [`CryptoError`] with its own diagnostic code; nothing here prints
//! or panics. Other WeChat schemes (WeChat Pay, mini program open data) are only
//! recognised ([`other_scheme`]) and refused.

pub mod b64;
mod config;
mod envelope;
mod error;
mod key;
mod other;
pub mod query;
pub mod scheme;
pub mod signature;

pub use config::{DecryptConfig, Opened, PlainCheck, SignatureParams, Verification, EMPTY_TOKEN};
pub use envelope::{encrypt_text, open_envelope, reply_params};
pub use error::CryptoError;
pub use key::{AesKey, KEY_CHARS};
pub use other::{other_scheme, OtherScheme};
pub use query::Query;
pub use scheme::Plain;

pub(crate) use config::shown;

/// Encrypts `message` for `receiver_id` and returns the `Encrypt` text.
///
/// `random` is the 16-byte prefix; pass a fresh random one (see
/// [`random_prefix`]) except to reproduce a known vector.
pub fn encrypt(
    key: &AesKey,
    random: &[u8; scheme::RANDOM_LEN],
    message: &[u8],
    receiver_id: &str,
) -> Result<String, CryptoError> {
    let ct = scheme::encrypt(key, random, message, receiver_id.as_bytes())?;
    Ok(b64::encode(&ct))
}

/// 16 random alphanumeric bytes from the operating system, like the official
/// samples' prefix (any 16 bytes would do; letters and digits keep a decrypted
/// dump readable).
pub fn random_prefix() -> std::io::Result<[u8; scheme::RANDOM_LEN]> {
    const ALNUM: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut raw = [0u8; scheme::RANDOM_LEN];
    os_random(&mut raw)?;
    // The modulo bias (256 % 62) is irrelevant: the prefix only has to differ
    // between messages, it is not a key.
    Ok(raw.map(|b| ALNUM[usize::from(b) % ALNUM.len()]))
}

/// A random 9-digit decimal nonce, like WeChat's own.
pub fn random_nonce() -> std::io::Result<String> {
    let mut raw = [0u8; 4];
    os_random(&mut raw)?;
    let n = u64::from(u32::from_be_bytes(raw)) % 900_000_000;
    Ok((100_000_000 + n).to_string())
}

fn os_random(buf: &mut [u8]) -> std::io::Result<()> {
    getrandom::getrandom(buf).map_err(|e| {
        std::io::Error::other(format!(
            "the operating system's random number generator failed: {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The whole path: encrypt → base64 → signature → verify → decrypt.
        #[test]
        fn decrypt_of_encrypt_is_the_identity(
            key in "[A-Za-z0-9]{43}",
            msg in proptest::collection::vec(any::<u8>(), 0..1024),
            rid in "[a-z0-9_]{0,20}",
            ts in "[0-9]{10}",
            nonce in "[0-9]{9}",
        ) {
            let mut cfg = DecryptConfig::new(&key);
            let aes = cfg.key().unwrap().clone();
            let encrypt = encrypt(&aes, &random_prefix().unwrap(), &msg, &rid).unwrap();
            cfg.token = Some("token".into());
            cfg.receiver_id = Some(rid.clone());
            cfg.request = SignatureParams {
                msg_signature: Some(signature::msg_signature("token", &ts, &nonce, &encrypt)),
                timestamp: Some(ts),
                nonce: Some(nonce),
            };
            let opened = cfg.open(&encrypt, None).unwrap();
            prop_assert_eq!(opened.plain.message, msg);
            prop_assert_eq!(opened.receiver_id, rid);
            prop_assert_eq!(opened.verification, Verification::Verified);
        }

        /// Any text as `Encrypt` and any key text: an error or a result, never a panic.
        #[test]
        fn arbitrary_input_never_panics(key in ".{0,50}", encrypt in ".{0,200}") {
            let _ = DecryptConfig::new(&key).open(&encrypt, None);
        }
    }

    #[test]
    fn random_values_have_the_documented_shape() {
        let p = random_prefix().unwrap();
        assert!(p.iter().all(u8::is_ascii_alphanumeric));
        let n = random_nonce().unwrap();
        assert_eq!(n.len(), 9);
        assert!(n.bytes().all(|b| b.is_ascii_digit()));
    }
}
