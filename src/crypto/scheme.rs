//! WeChat's AES scheme (identical for official accounts, mini programs, third-party
//! platforms and WeCom): AES-256-CBC, IV = first 16 key bytes, over
//!
//! ```text
//! FullStr = random (16 bytes) ‖ msg_len (u32, big-endian) ‖ msg ‖ receiveid
//! ```
//!
//! padded with PKCS#7 to a multiple of **32** bytes (pad values 1..=32).
//!
//! The cipher runs with no padding and the padding is handled here: RustCrypto's
//! `Pkcs7` unpadder works on 16-byte blocks and rejects every pad above 16 —
//! about half of all real messages.

use super::{AesKey, CryptoError};
use crate::diag::Code;
use aes::Aes256;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};

/// WeChat's PKCS#7 block size.
pub const PAD_BLOCK: usize = 32;
/// AES block size: every ciphertext is a multiple of it.
const AES_BLOCK: usize = 16;
/// Length of the random prefix.
pub const RANDOM_LEN: usize = 16;
/// Random prefix plus the length field.
const HEADER: usize = RANDOM_LEN + 4;

/// A decrypted FullStr, split into its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plain {
    /// The 16-byte random prefix (needed to re-encrypt byte for byte).
    pub random: [u8; RANDOM_LEN],
    /// The message exactly as sent: not trimmed, not re-encoded.
    pub message: Vec<u8>,
    /// The trailer: appid, component appid, CorpID or SuiteId (may be empty).
    pub receiver_id: Vec<u8>,
    /// The padding value that was stripped (1..=32).
    pub pad: u8,
}

/// Decrypts a ciphertext and splits the FullStr, checking every step.
pub fn decrypt(key: &AesKey, ciphertext: &[u8]) -> Result<Plain, CryptoError> {
    let n = ciphertext.len();
    if n == 0 || n % AES_BLOCK != 0 {
        return Err(CryptoError::new(
            Code::BadCiphertextLength,
            format!(
                "the ciphertext is {n} bytes, not a positive multiple of 16 (truncated or not an Encrypt value?)"
            ),
        ));
    }
    let mut buf = ciphertext.to_vec();
    let dec = cbc::Decryptor::<Aes256>::new(key.bytes().into(), &key.iv().into());
    // With NoPadding and a whole number of blocks this cannot fail; the error
    // branch is kept so that no input can panic here.
    let plain_len = dec
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .map_err(|_| CryptoError::new(Code::BadCiphertextLength, "AES decryption failed"))?
        .len();
    buf.truncate(plain_len);
    let pad = unpad(&buf)?;
    buf.truncate(buf.len() - usize::from(pad));
    split(buf, pad)
}

/// Strips WeChat's 32-byte PKCS#7: the last byte p must be 1..=32 and the last p
/// bytes must all equal p. Garbage here almost always means a wrong key.
fn unpad(buf: &[u8]) -> Result<u8, CryptoError> {
    let Some(&p) = buf.last() else {
        return Err(CryptoError::new(Code::BadPadding, "nothing was decrypted"));
    };
    let hint = "(wrong key? or not a WeChat safe-mode payload)";
    if p == 0 || usize::from(p) > PAD_BLOCK {
        return Err(CryptoError::new(
            Code::BadPadding,
            format!("bad padding: the last byte is {p}, not 1..=32 {hint}"),
        ));
    }
    let p_len = usize::from(p);
    if p_len > buf.len() || buf[buf.len() - p_len..].iter().any(|&b| b != p) {
        return Err(CryptoError::new(
            Code::BadPadding,
            format!("bad padding: the last {p} bytes are not all {p} {hint}"),
        ));
    }
    Ok(p)
}

/// random ‖ msg_len ‖ msg ‖ receiveid, with `msg_len` bounds-checked in `usize`.
fn split(mut buf: Vec<u8>, pad: u8) -> Result<Plain, CryptoError> {
    if buf.len() < HEADER {
        return Err(CryptoError::new(
            Code::BadLengthField,
            format!(
                "the decrypted text is {} bytes, too short for the 16-byte random prefix and 4-byte length field (wrong key?)",
                buf.len()
            ),
        ));
    }
    let mut len_bytes = [0u8; 4];
    len_bytes.copy_from_slice(&buf[RANDOM_LEN..HEADER]);
    let msg_len = u32::from_be_bytes(len_bytes);
    let available = buf.len() - HEADER;
    let end = usize::try_from(msg_len)
        .ok()
        .and_then(|l| HEADER.checked_add(l))
        .filter(|&e| e <= buf.len())
        .ok_or_else(|| {
            CryptoError::new(
                Code::BadLengthField,
                format!(
                    "the length field says {msg_len} bytes but only {available} follow it (wrong key or corrupted ciphertext?)"
                ),
            )
        })?;
    let receiver_id = buf.split_off(end);
    let message = buf.split_off(HEADER);
    let mut random = [0u8; RANDOM_LEN];
    random.copy_from_slice(&buf[..RANDOM_LEN]);
    Ok(Plain {
        random,
        message,
        receiver_id,
        pad,
    })
}

/// Encrypts `message` for `receiver_id` with the given random prefix.
///
/// Always pads to a multiple of 32 (a whole 32-byte block when already aligned),
/// as the official samples do, so their vectors reproduce byte for byte.
pub fn encrypt(
    key: &AesKey,
    random: &[u8; RANDOM_LEN],
    message: &[u8],
    receiver_id: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let msg_len = u32::try_from(message.len()).map_err(|_| {
        CryptoError::new(
            Code::BadLengthField,
            format!(
                "the message is {} bytes; the length field holds at most 4 GiB",
                message.len()
            ),
        )
    })?;
    let body = HEADER + message.len() + receiver_id.len();
    let pad = PAD_BLOCK - body % PAD_BLOCK;
    let mut buf = Vec::with_capacity(body + pad);
    buf.extend_from_slice(random);
    buf.extend_from_slice(&msg_len.to_be_bytes());
    buf.extend_from_slice(message);
    buf.extend_from_slice(receiver_id);
    // `pad` is 1..=32, so the cast is exact.
    buf.resize(body + pad, pad as u8);
    let len = buf.len();
    let enc = cbc::Encryptor::<Aes256>::new(key.bytes().into(), &key.iv().into());
    enc.encrypt_padded_mut::<NoPadding>(&mut buf, len)
        .map_err(|_| CryptoError::new(Code::BadCiphertextLength, "AES encryption failed"))?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn zero_key() -> AesKey {
        AesKey::from_bytes([0; 32])
    }

    #[test]
    fn every_pad_length_round_trips() {
        let key = AesKey::from_encoding_key("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C").unwrap();
        let rid = b"wx5823bf96d3bd56c7";
        let mut seen = [false; 33];
        for len in 0..64 {
            let msg = vec![b'x'; len];
            let ct = encrypt(&key, b"0123456789abcdef", &msg, rid).unwrap();
            assert_eq!(ct.len() % PAD_BLOCK, 0);
            let p = decrypt(&key, &ct).unwrap();
            assert_eq!(p.message, msg);
            assert_eq!(p.receiver_id, rid);
            assert_eq!(&p.random, b"0123456789abcdef");
            seen[usize::from(p.pad)] = true;
        }
        assert!(seen[1..].iter().all(|&s| s), "pads 1..=32 all produced");
    }

    #[test]
    fn sixteen_zero_bytes_have_bad_padding() {
        let e = decrypt(&zero_key(), &[0; 16]).unwrap_err();
        assert_eq!(e.code, Code::BadPadding);
        assert!(e.message.contains("wrong key?"), "{e}");
    }

    #[test]
    fn lengths_are_checked() {
        for n in [0, 15, 17, 33] {
            let e = decrypt(&zero_key(), &vec![0; n]).unwrap_err();
            assert_eq!(e.code, Code::BadCiphertextLength, "{n}");
        }
    }

    #[test]
    fn length_field_out_of_range() {
        // A FullStr whose length field claims 0xFFFFFFFF bytes.
        let key = zero_key();
        let mut full = vec![b'r'; 16];
        full.extend_from_slice(&u32::MAX.to_be_bytes());
        full.extend_from_slice(b"hi");
        full.resize(32, 10);
        let ct = raw_encrypt(&key, full);
        let e = decrypt(&key, &ct).unwrap_err();
        assert_eq!(e.code, Code::BadLengthField);
        assert!(e.message.contains("4294967295"), "{e}");
        // Too short for the header at all.
        let ct = raw_encrypt(&key, vec![31; 32]);
        let e = decrypt(&key, &ct).unwrap_err();
        assert_eq!(e.code, Code::BadLengthField);
    }

    #[test]
    fn unequal_pad_bytes_are_refused() {
        let key = zero_key();
        let mut full = encrypt_plain(&key, b"m", b"id");
        let last = full.len() - 2;
        full[last] ^= 1;
        let e = decrypt(&key, &raw_encrypt(&key, full)).unwrap_err();
        assert_eq!(e.code, Code::BadPadding);
    }

    /// The padded FullStr `encrypt` would produce, before the cipher.
    fn encrypt_plain(key: &AesKey, msg: &[u8], rid: &[u8]) -> Vec<u8> {
        let ct = encrypt(key, &[b'r'; 16], msg, rid).unwrap();
        let mut buf = ct.clone();
        let dec = cbc::Decryptor::<Aes256>::new(key.bytes().into(), &key.iv().into());
        dec.decrypt_padded_mut::<NoPadding>(&mut buf).unwrap();
        buf
    }

    fn raw_encrypt(key: &AesKey, mut full: Vec<u8>) -> Vec<u8> {
        let len = full.len();
        let enc = cbc::Encryptor::<Aes256>::new(key.bytes().into(), &key.iv().into());
        enc.encrypt_padded_mut::<NoPadding>(&mut full, len).unwrap();
        full
    }

    proptest! {
        #[test]
        fn decrypt_inverts_encrypt(
            key in any::<[u8; 32]>(),
            random in any::<[u8; 16]>(),
            msg in proptest::collection::vec(any::<u8>(), 0..2048),
            rid in "[a-z0-9]{0,24}",
        ) {
            let key = AesKey::from_bytes(key);
            let ct = encrypt(&key, &random, &msg, rid.as_bytes()).unwrap();
            let p = decrypt(&key, &ct).unwrap();
            prop_assert_eq!(p.message, msg);
            prop_assert_eq!(p.receiver_id, rid.as_bytes());
            prop_assert_eq!(p.random, random);
        }

        #[test]
        fn flipped_bits_never_panic(
            msg in proptest::collection::vec(any::<u8>(), 0..256),
            bit in any::<usize>(),
        ) {
            let key = AesKey::from_bytes([3; 32]);
            let mut ct = encrypt(&key, &[1; 16], &msg, b"wxid").unwrap();
            let i = bit % (ct.len() * 8);
            ct[i / 8] ^= 1 << (i % 8);
            // Any outcome but a panic is fine: CBC without a MAC cannot detect
            // every flip, which is why the signature is checked first.
            let _ = decrypt(&key, &ct);
        }

        #[test]
        fn arbitrary_ciphertexts_never_panic(ct in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decrypt(&AesKey::from_bytes([9; 32]), &ct);
        }
    }
}
