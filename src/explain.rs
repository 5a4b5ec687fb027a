//! The long explanations behind `wxmsg explain CODE`, in the style of `rustc --explain`:
//! what triggers a diagnostic, why it matters on WeChat, how to fix it, and an example.
//!
//! The texts live in `docs/explain/<code>.md` so they read (and diff) as prose. The
//! `match` below has no wildcard arm on purpose: a new [`Code`] without a text does not
//! compile.

use crate::diag::Code;

/// The long explanation of `code` (Markdown-flavoured plain text, ends with a newline).
pub fn explain(code: Code) -> &'static str {
    match code {
        Code::JsonSyntax => include_str!("../docs/explain/json-syntax.md"),
        Code::XmlSyntax => include_str!("../docs/explain/xml-syntax.md"),
        Code::Truncated => include_str!("../docs/explain/truncated.md"),
        Code::RecordTooLarge => include_str!("../docs/explain/record-too-large.md"),
        Code::TooDeep => include_str!("../docs/explain/too-deep.md"),
        Code::TooManyFields => include_str!("../docs/explain/too-many-fields.md"),
        Code::InvalidUtf8 => include_str!("../docs/explain/invalid-utf8.md"),
        Code::Utf16Input => include_str!("../docs/explain/utf16-input.md"),
        Code::LoneSurrogate => include_str!("../docs/explain/lone-surrogate.md"),
        Code::DoctypeRefused => include_str!("../docs/explain/doctype-refused.md"),
        Code::UnknownEntity => include_str!("../docs/explain/unknown-entity.md"),
        Code::XmlRoot => include_str!("../docs/explain/xml-root.md"),
        Code::DeclaredEncoding => include_str!("../docs/explain/declared-encoding.md"),
        Code::LenientJson => include_str!("../docs/explain/lenient-json.md"),
        Code::DuplicateKey => include_str!("../docs/explain/duplicate-key.md"),
        Code::XmlAttribute => include_str!("../docs/explain/xml-attribute.md"),
        Code::XmlMixedContent => include_str!("../docs/explain/xml-mixed-content.md"),
        Code::XmlNotWellFormed => include_str!("../docs/explain/xml-not-well-formed.md"),
        Code::RepeatedElement => include_str!("../docs/explain/repeated-element.md"),
        Code::Unrecognized => include_str!("../docs/explain/unrecognized.md"),
        Code::MissingDiscriminator => include_str!("../docs/explain/missing-discriminator.md"),
        Code::UnknownType => include_str!("../docs/explain/unknown-type.md"),
        Code::AmbiguousPlatform => include_str!("../docs/explain/ambiguous-platform.md"),
        Code::Encrypted => include_str!("../docs/explain/encrypted.md"),
        Code::SyncErrcode => include_str!("../docs/explain/sync-errcode.md"),
        Code::MissingField => include_str!("../docs/explain/missing-field.md"),
        Code::TypeMismatch => include_str!("../docs/explain/type-mismatch.md"),
        Code::TypeVariant => include_str!("../docs/explain/type-variant.md"),
        Code::UnknownField => include_str!("../docs/explain/unknown-field.md"),
        Code::UnknownCode => include_str!("../docs/explain/unknown-code.md"),
        Code::InvalidValue => include_str!("../docs/explain/invalid-value.md"),
        Code::IntegerOutOfRange => include_str!("../docs/explain/integer-out-of-range.md"),
        Code::TimestampMilliseconds => include_str!("../docs/explain/timestamp-milliseconds.md"),
        Code::EscapedText => include_str!("../docs/explain/escaped-text.md"),
        Code::NoPayload => include_str!("../docs/explain/no-payload.md"),
        Code::PlatformMismatch => include_str!("../docs/explain/platform-mismatch.md"),
        Code::StrayText => include_str!("../docs/explain/stray-text.md"),
        Code::BadAesKey => include_str!("../docs/explain/bad-aes-key.md"),
        Code::BadBase64 => include_str!("../docs/explain/bad-base64.md"),
        Code::BadCiphertextLength => include_str!("../docs/explain/bad-ciphertext-length.md"),
        Code::BadPadding => include_str!("../docs/explain/bad-padding.md"),
        Code::BadLengthField => include_str!("../docs/explain/bad-length-field.md"),
        Code::ReceiverMismatch => include_str!("../docs/explain/receiver-mismatch.md"),
        Code::SignatureMismatch => include_str!("../docs/explain/signature-mismatch.md"),
        Code::CompatMismatch => include_str!("../docs/explain/compat-mismatch.md"),
        Code::UnsupportedScheme => include_str!("../docs/explain/unsupported-scheme.md"),
        Code::SignatureNotVerified => include_str!("../docs/explain/signature-not-verified.md"),
        Code::Decrypted => include_str!("../docs/explain/decrypted.md"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_text_that_names_it() {
        for &c in Code::ALL {
            let t = explain(c);
            assert!(!t.trim().is_empty(), "{c}");
            assert!(
                t.contains(&format!("[{}]", c.as_str())),
                "{c} not shown in its example"
            );
            assert!(t.ends_with('\n'), "{c}");
        }
    }
}
