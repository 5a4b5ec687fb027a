//! Base64 of the `Encrypt` value: standard alphabet, checked character by
//! character so that an error names its position in the text as the user sees it.

use super::CryptoError;
use crate::diag::Code;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, Engine};

/// Missing `=` padding is common in hand-copied values and harmless; non-zero
/// trailing bits cannot change the decoded bytes, and the length and padding
/// checks after decryption catch real truncation.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Standard base64 with `=` padding, as WeChat writes `Encrypt`.
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes an `Encrypt` value (or an `echostr`).
///
/// Leading and trailing whitespace is ignored, and so are line breaks with their
/// indentation (a pretty-printed or wrapped value). A space or tab *inside* the
/// value is refused: it is almost always a `+` that a URL decoder turned into a
/// space, and dropping it would only produce a confusing length error later.
pub fn decode(text: &str) -> Result<Vec<u8>, CryptoError> {
    let clean = clean(text)?;
    if clean.is_empty() {
        return Err(CryptoError::new(
            Code::BadCiphertextLength,
            "the Encrypt value is empty",
        ));
    }
    LENIENT.decode(clean.as_bytes()).map_err(|e| {
        let detail = match e {
            base64::DecodeError::InvalidLength(n) => format!(
                "{n} base64 symbols cannot encode whole bytes (a character is missing: truncated?)"
            ),
            base64::DecodeError::InvalidPadding => "the `=` padding is wrong".to_string(),
            other => other.to_string(),
        };
        CryptoError::new(
            Code::BadBase64,
            format!("the Encrypt value is not valid base64: {detail}"),
        )
    })
}

/// The base64 symbols of `text`, or an error naming the first bad character by its
/// 1-based position (in characters) in `text`, and carrying its byte offset.
fn clean(text: &str) -> Result<String, CryptoError> {
    let trimmed_start = text.len() - text.trim_start().len();
    let lead = text
        .get(..trimmed_start)
        .unwrap_or_default()
        .chars()
        .count();
    let body = text.trim();
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices().enumerate().peekable();
    let mut padding = 0usize;
    while let Some((i, (byte, c))) = chars.next() {
        let pos = (lead + i + 1, trimmed_start + byte);
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' if padding == 0 => out.push(c),
            '=' if padding < 2 => {
                padding += 1;
                out.push(c);
            }
            c if c.is_whitespace() => {
                // A run of whitespace is skipped when it holds a line break.
                let mut line_break = c == '\n' || c == '\r';
                while let Some(&(_, (_, n))) = chars.peek() {
                    if !n.is_whitespace() {
                        break;
                    }
                    line_break |= n == '\n' || n == '\r';
                    chars.next();
                }
                if !line_break {
                    return Err(bad_char(
                        pos,
                        c,
                        " (base64 has no spaces: was a `+` turned into a space by URL decoding? put the `+` back, or write it `%2B`; --query keeps a `+` as written)",
                    ));
                }
            }
            '=' => {
                return Err(bad_char(pos, c, " (more than two `=` padding characters)"));
            }
            _ if padding > 0 => {
                return Err(bad_char(
                    pos,
                    c,
                    " (text after the `=` padding: two values run together?)",
                ));
            }
            '-' | '_' => {
                return Err(bad_char(
                    pos,
                    c,
                    " (URL-safe base64? WeChat uses the standard alphabet with `+` and `/`)",
                ));
            }
            '%' => {
                return Err(bad_char(
                    pos,
                    c,
                    " (still URL-encoded? decode %2B, %2F and %3D first, or pass the query with --query)",
                ));
            }
            _ => return Err(bad_char(pos, c, "")),
        }
    }
    Ok(out)
}

/// `pos`: the character's 1-based position in characters, and its byte offset.
fn bad_char((pos, offset): (usize, usize), c: char, hint: &str) -> CryptoError {
    CryptoError::new(
        Code::BadBase64,
        format!("the Encrypt value is not valid base64: {c:?} at position {pos}{hint}"),
    )
    .at(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_standard_and_unpadded() {
        assert_eq!(decode("AAAAAAAAAAAAAAAAAAAAAA==").unwrap(), vec![0u8; 16]);
        assert_eq!(decode("AAAAAAAAAAAAAAAAAAAAAA").unwrap(), vec![0u8; 16]);
        assert_eq!(
            decode("  AAAAAAAAAAAA\n    AAAAAAAAAA==\n").unwrap(),
            vec![0u8; 16]
        );
        assert_eq!(decode("+/+/").unwrap(), vec![0xfb, 0xff, 0xbf]);
    }

    #[test]
    fn errors_name_the_position() {
        let e = decode("AAAA-AAA").unwrap_err();
        assert_eq!(e.code, Code::BadBase64);
        assert!(
            e.message.contains("'-' at position 5") && e.message.contains("URL-safe"),
            "{e}"
        );
        let e = decode("  AAAA AAA").unwrap_err();
        assert!(
            e.message.contains("' ' at position 7") && e.message.contains('+'),
            "{e}"
        );
        let e = decode("AAAA%2BAA").unwrap_err();
        assert!(
            e.message.contains("position 5") && e.message.contains("URL-encoded"),
            "{e}"
        );
        let e = decode("AA==AA").unwrap_err();
        assert!(e.message.contains("position 5"), "{e}");
        let e = decode("中AAA").unwrap_err();
        assert!(e.message.contains("'中' at position 1"), "{e}");
        // The byte offset, for callers that name a line and column.
        assert_eq!(decode(" AB\nA!").unwrap_err().offset, Some(5));
        assert_eq!(e.offset, Some(0));
        let e = decode("AAAAA").unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
        assert_eq!(decode(" \n").unwrap_err().code, Code::BadCiphertextLength);
    }
}
