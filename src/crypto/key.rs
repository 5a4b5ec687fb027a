//! The EncodingAESKey: 43 characters of `[A-Za-z0-9]` that base64-decode (with an
//! `=` appended) to the 32-byte AES-256 key.

use super::CryptoError;
use crate::diag::Code;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, Engine};
use std::fmt;

/// Length of an EncodingAESKey in characters.
pub const KEY_CHARS: usize = 43;

/// 43 base64 characters carry 258 bits; the last character's low 2 bits are
/// dropped, and most keys the WeChat consoles generate have them set. The base64
/// crate's default engine rejects such input (`InvalidLastSymbol`), so the key
/// needs an engine that allows trailing bits.
const KEY_ENGINE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A decoded AES-256 key. `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct AesKey([u8; 32]);

impl AesKey {
    /// Decodes an EncodingAESKey, checking its shape first so that the error says
    /// what is wrong with it (without ever repeating the key).
    pub fn from_encoding_key(key: &str) -> Result<AesKey, CryptoError> {
        check_shape(key)?;
        let mut padded = String::with_capacity(KEY_CHARS + 1);
        padded.push_str(key);
        padded.push('=');
        let bytes = KEY_ENGINE.decode(padded.as_bytes()).map_err(|e| {
            CryptoError::new(
                Code::BadAesKey,
                format!("the EncodingAESKey does not decode as base64: {e}"),
            )
        })?;
        let arr: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            CryptoError::new(
                Code::BadAesKey,
                format!("the EncodingAESKey decodes to {} bytes, not 32", b.len()),
            )
        })?;
        Ok(AesKey(arr))
    }

    /// Wraps raw key bytes (tests and fuzzing).
    pub fn from_bytes(bytes: [u8; 32]) -> AesKey {
        AesKey(bytes)
    }

    /// The 32 key bytes.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// WeChat's IV: the first 16 bytes of the key.
    pub fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.0[..16]);
        iv
    }
}

impl fmt::Debug for AesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesKey(<redacted>)")
    }
}

/// 43 characters of `[A-Za-z0-9]`, checked before decoding (D1 in the reliability
/// notes): a short key or one with `+`, `/`, `=` or spaces is the most common
/// set-up mistake, and the base64 decoder's own message would not say so.
fn check_shape(key: &str) -> Result<(), CryptoError> {
    let n = key.chars().count();
    if n != KEY_CHARS {
        let hint = if key.trim() != key {
            " (it has leading or trailing whitespace)"
        } else if n == KEY_CHARS + 1 && key.ends_with('=') {
            " (drop the trailing `=`: WeChat shows the key without it)"
        } else if n == 0 {
            " (the key is empty)"
        } else {
            ""
        };
        return Err(CryptoError::new(
            Code::BadAesKey,
            format!(
                "the EncodingAESKey has {n} characters; it must be exactly {KEY_CHARS} characters of [A-Za-z0-9]{hint}"
            ),
        ));
    }
    if let Some((i, c)) = key
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_alphanumeric())
    {
        // The offending character is not part of any valid key, so naming it
        // reveals nothing secret and makes the mistake obvious.
        return Err(CryptoError::new(
            Code::BadAesKey,
            format!(
                "character {} of the EncodingAESKey is {c:?}; the key must be {KEY_CHARS} characters of [A-Za-z0-9]",
                i + 1
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_a_key_is_32_zero_bytes() {
        let k = AesKey::from_encoding_key(&"A".repeat(43)).unwrap();
        assert_eq!(k.bytes(), &[0u8; 32]);
    }

    #[test]
    fn keys_with_trailing_bits_decode() {
        // 'C' (000010) and 'G' (000110) carry non-zero low bits.
        let k = AesKey::from_encoding_key("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C").unwrap();
        assert_eq!(
            hex(k.bytes()),
            "8d69989bbaabe67328014c194631ad0719b3dca035b64023df292447aab60760"
        );
        let k = AesKey::from_encoding_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap();
        assert_eq!(
            hex(k.bytes()),
            "69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051"
        );
        assert_eq!(k.iv(), k.bytes()[..16]);
    }

    #[test]
    fn bad_shapes_are_named() {
        let e = AesKey::from_encoding_key("short").unwrap_err();
        assert_eq!(e.code, Code::BadAesKey);
        assert!(e.message.contains("has 5 characters"), "{e}");
        let e = AesKey::from_encoding_key(&format!("{}=", "A".repeat(43))).unwrap_err();
        assert!(e.message.contains("drop the trailing `=`"), "{e}");
        let e = AesKey::from_encoding_key(&format!("{} ", "A".repeat(43))).unwrap_err();
        assert!(e.message.contains("whitespace"), "{e}");
        let mut k = "A".repeat(43);
        k.replace_range(4..5, "+");
        let e = AesKey::from_encoding_key(&k).unwrap_err();
        assert!(
            e.message.contains("character 5") && e.message.contains("'+'"),
            "{e}"
        );
        let e = AesKey::from_encoding_key(&"中".repeat(43)).unwrap_err();
        assert!(e.message.contains("character 1"), "{e}");
    }

    proptest::proptest! {
        /// Every 43-character alphanumeric key decodes to 32 bytes, whatever its
        /// trailing bits.
        #[test]
        fn every_well_formed_key_decodes(key in "[A-Za-z0-9]{43}") {
            proptest::prop_assert!(AesKey::from_encoding_key(&key).is_ok());
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let k = AesKey::from_bytes([7; 32]);
        assert_eq!(format!("{k:?}"), "AesKey(<redacted>)");
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
