//! Signatures: lower-case hex SHA-1 over the byte-sorted, concatenated parts.
//!
//! * `signature` (plain, 3 parts): token, timestamp, nonce.
//! * `msg_signature` (4 parts): token, timestamp, nonce and the exact `Encrypt`
//!   text (or the WeCom `echostr`); passive replies sign their own `TimeStamp`
//!   and `Nonce` the same way.

use super::CryptoError;
use crate::diag::Code;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// SHA-1 of the parts sorted byte-wise and concatenated without separator.
pub fn sha1_sorted(parts: &[&str]) -> [u8; 20] {
    let mut sorted: Vec<&str> = parts.to_vec();
    // `str`'s ordering is byte-wise, which is what WeChat's samples use.
    sorted.sort_unstable();
    let mut h = Sha1::new();
    for p in sorted {
        h.update(p.as_bytes());
    }
    h.finalize().into()
}

/// `msg_signature` for an `Encrypt` value (or `echostr`), as lower-case hex.
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    hex(&sha1_sorted(&[token, timestamp, nonce, encrypt]))
}

/// The plain URL `signature` (no ciphertext), as lower-case hex.
pub fn plain_signature(token: &str, timestamp: &str, nonce: &str) -> String {
    hex(&sha1_sorted(&[token, timestamp, nonce]))
}

/// Checks a supplied signature against the parts, comparing the 20-byte digests
/// in constant time; upper-case hex is accepted. `name` (`msg_signature`,
/// `signature`, `MsgSignature`) and `described` (what was hashed, without the
/// token) are used in the message.
///
/// The message shows the supplied value and what was hashed, never the
/// expected digest: that is a valid signature in the token's name over inputs
/// the supplier chose (a signing oracle in CI logs), as good as the token for
/// forging requests.
pub fn verify(
    name: &str,
    supplied: &str,
    parts: &[&str],
    described: &str,
) -> Result<(), CryptoError> {
    let expected = sha1_sorted(parts);
    let Some(given) = unhex20(supplied.trim()) else {
        return Err(CryptoError::new(
            Code::SignatureMismatch,
            format!(
                "{name} `{}` is not 40 hex digits (a SHA-1)",
                supplied.trim()
            ),
        ));
    };
    if bool::from(given.ct_eq(&expected)) {
        Ok(())
    } else {
        Err(CryptoError::new(
            Code::SignatureMismatch,
            format!(
                "{name} mismatch: the request says {}, which is not SHA-1 of the sorted token, {described} (wrong token, or parameters of another request?)",
                hex(&given),
            ),
        ))
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

fn unhex20(s: &str) -> Option<[u8; 20]> {
    let b = s.as_bytes();
    if b.len() != 40 {
        return None;
    }
    let mut out = [0u8; 20];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        let hi = char::from(pair[0]).to_digit(16)?;
        let lo = char::from(pair[1]).to_digit(16)?;
        // Both digits are < 16, so the value fits a byte.
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_vectors() {
        // catalog §10 V6 (plain and message signature) and V1.
        assert_eq!(
            plain_signature("AAAAA", "1714037059", "486452656"),
            "899cf89e464efb63f54ddac96b0a0a235f53aa78"
        );
        assert_eq!(
            plain_signature("AAAAA", "1714112445", "415670741"),
            "6c5c811b55cc85e0e1b54100749188c20beb3f5d"
        );
        assert_eq!(
            msg_signature("AAAAA", "1713424427", "415670741", "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ=="),
            "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1"
        );
    }

    #[test]
    fn verify_accepts_upper_case_and_never_shows_the_expected_value() {
        let parts = ["AAAAA", "1714037059", "486452656"];
        verify(
            "signature",
            "899CF89E464EFB63F54DDAC96B0A0A235F53AA78",
            &parts,
            "x",
        )
        .unwrap();
        let e = verify("signature", &"0".repeat(40), &parts, "timestamp and nonce").unwrap_err();
        assert_eq!(e.code, Code::SignatureMismatch);
        assert!(e.message.contains(&"0".repeat(40)), "{e}");
        // The right value, made with the token, is a signature in its name.
        assert!(
            !e.message
                .contains("899cf89e464efb63f54ddac96b0a0a235f53aa78"),
            "{e}"
        );
        assert!(e.message.contains("timestamp and nonce"), "{e}");
        let e = verify("signature", "xyz", &parts, "x").unwrap_err();
        assert!(e.message.contains("not 40 hex digits"), "{e}");
        assert!(!e.message.contains("899cf89e"), "{e}");
        assert!(verify("signature", "é".repeat(20).as_str(), &parts, "x").is_err());
    }
}
