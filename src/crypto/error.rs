//! The one error type of safe mode: a diagnostic [`Code`] plus a message that
//! says what was found, where, and what probably went wrong.

use crate::diag::Code;
use std::fmt;

/// Why a payload could not be verified, decrypted or encrypted.
///
/// `code` is one of the safe-mode codes of [`crate::diag::Code`] (`bad-aes-key`,
/// `bad-base64`, `bad-ciphertext-length`, `bad-padding`, `bad-length-field`,
/// `receiver-mismatch`, `signature-mismatch`, `unsupported-scheme`), so the
/// pipeline can turn it into a [`crate::diag::Diagnostic`] unchanged. Messages never
/// contain the EncodingAESKey or the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CryptoError {
    pub code: Code,
    pub message: String,
    /// Byte offset in the `Encrypt` text of the character the error is about
    /// (a bad base64 character), so that a caller holding the source can
    /// name its line and column.
    pub offset: Option<usize>,
}

impl CryptoError {
    /// An error with this code and message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        CryptoError {
            code,
            message: message.into(),
            offset: None,
        }
    }

    /// The same error, about the character at byte `offset` of the text.
    pub fn at(mut self, offset: usize) -> Self {
        self.offset = Some(offset);
        self
    }
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for CryptoError {}
