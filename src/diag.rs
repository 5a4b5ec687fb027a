//! Diagnostics: every finding the engine can report, with a stable code.
//!
//! Renderers (pretty, JSON, and later CI formats) all draw from [`Diagnostic`]; none
//! of them invents its own wording. Codes are kebab-case and never change meaning.

use std::borrow::Cow;
use std::fmt;

/// How serious a finding is. Only errors make a payload invalid; `--strict`
/// modes may also fail on warnings. Info never fails anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($( $variant:ident = $name:literal, $sev:ident, $summary:literal; )*) => {
        /// Every diagnostic code the tool can emit.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
    /// A finding about the document's structure rather than about a field's
    /// value: as true of a compatibility-mode body's plaintext copy as of any
    /// document, where the copy's validation gives way to the decrypted copy's.
    pub fn is_structural(self) -> bool {
        matches!(
            self,
            Code::DuplicateKey | Code::RepeatedElement | Code::XmlAttribute | Code::XmlMixedContent
        )
    }

            /// All codes, in documentation order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable kebab-case name shown in reports (`missing-field`).
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// The severity this code is reported with.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// One-line description of what the code means.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }

            /// Looks a code up by its name.
            pub fn from_name(name: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == name)
            }
        }
    };
}

codes! {
    // Reading and framing.
    JsonSyntax = "json-syntax", Error, "the JSON text is not well-formed";
    XmlSyntax = "xml-syntax", Error, "the XML text is not well-formed";
    Truncated = "truncated", Error, "the document ends before it is complete";
    RecordTooLarge = "record-too-large", Error, "a record is larger than the configured limit";
    TooDeep = "too-deep", Error, "values are nested deeper than the configured limit";
    TooManyFields = "too-many-fields", Error, "a document has more fields than the configured limit";
    InvalidUtf8 = "invalid-utf8", Error, "the bytes are not valid UTF-8";
    Utf16Input = "utf16-input", Error, "the input is UTF-16; WeChat payloads are UTF-8";
    LoneSurrogate = "lone-surrogate", Error, "a JSON \\u escape names half of a surrogate pair";
    DoctypeRefused = "doctype-refused", Error, "XML DOCTYPE and entity declarations are refused";
    UnknownEntity = "unknown-entity", Error, "an XML entity reference is not one of the five predefined ones";
    XmlRoot = "xml-root", Error, "a WeChat XML document must have the single root element <xml>";
    DeclaredEncoding = "declared-encoding", Warning, "an XML declaration names a non-UTF-8 encoding but the bytes are UTF-8";
    LenientJson = "lenient-json", Warning, "the JSON was only readable with comments or no-break spaces tolerated";
    DuplicateKey = "duplicate-key", Error, "an object has the same key twice";
    XmlAttribute = "xml-attribute", Warning, "WeChat XML has no attributes; they are not part of the payload";
    XmlMixedContent = "xml-mixed-content", Warning, "an element mixes text and child elements";
    XmlNotWellFormed = "xml-not-well-formed", Warning, "the XML breaks a well-formedness rule whose meaning is still plain (a bare ]]> in text)";
    RepeatedElement = "repeated-element", Warning, "an XML element repeats where the catalogue expects one value";
    // Recognition.
    Unrecognized = "unrecognized", Error, "the document carries no WeChat payload keys";
    MissingDiscriminator = "missing-discriminator", Error, "no MsgType, msgtype or Event says what the payload is";
    UnknownType = "unknown-type", Warning, "the message or event type is not in the catalogue";
    AmbiguousPlatform = "ambiguous-platform", Warning, "the payload fits more than one platform equally";
    Encrypted = "encrypted", Info, "the payload is encrypted (safe mode); its content needs the AES key";
    SyncErrcode = "sync-errcode", Error, "a sync_msg response reports a non-zero errcode";
    // Validation.
    MissingField = "missing-field", Error, "a required field is absent";
    TypeMismatch = "type-mismatch", Error, "a field's value has the wrong type";
    TypeVariant = "type-variant", Warning, "a field uses a documented but non-canonical type (e.g. a number as a string)";
    UnknownField = "unknown-field", Warning, "a field is not in the catalogue for this type";
    UnknownCode = "unknown-code", Warning, "an enumerated field has a value the catalogue does not list";
    InvalidValue = "invalid-value", Error, "a field's value breaks a documented rule";
    IntegerOutOfRange = "integer-out-of-range", Error, "an integer does not fit the field's range";
    TimestampMilliseconds = "timestamp-milliseconds", Warning, "a timestamp looks like milliseconds; WeChat uses Unix seconds";
    EscapedText = "escaped-text", Info, "a string holds literal \\uXXXX escapes (double-encoded text)";
    // Checking files (`wxmsg validate`).
    NoPayload = "no-payload", Error, "a file holds no WeChat payload (empty, or nothing recognisable)";
    PlatformMismatch = "platform-mismatch", Error, "a payload is not of the platform(s) required with --platform";
    StrayText = "stray-text", Warning, "a .json or .xml fixture holds text or a document that is no payload (passed over)";
    // Safe mode (安全模式): decryption and signatures.
    BadAesKey = "bad-aes-key", Error, "the EncodingAESKey is not 43 characters of [A-Za-z0-9]";
    BadBase64 = "bad-base64", Error, "the Encrypt value is not valid base64";
    BadCiphertextLength = "bad-ciphertext-length", Error, "the ciphertext length is not a positive multiple of 16 bytes";
    BadPadding = "bad-padding", Error, "the decrypted padding is invalid (usually a wrong key)";
    BadLengthField = "bad-length-field", Error, "the decrypted message length field points outside the plaintext";
    ReceiverMismatch = "receiver-mismatch", Error, "the decrypted receiver id (appid / corpid / suite id) is not the expected one";
    SignatureMismatch = "signature-mismatch", Error, "msg_signature does not match SHA-1 of the sorted token, timestamp, nonce and Encrypt";
    CompatMismatch = "compat-mismatch", Error, "a compatibility-mode payload's plaintext copy differs from its signed Encrypt copy";
    UnsupportedScheme = "unsupported-scheme", Error, "an encryption scheme wxmsg recognises but does not decrypt (WeChat Pay resource, encryptedData)";
    SignatureNotVerified = "signature-not-verified", Info, "the payload was decrypted without checking its signature (no --token)";
    Decrypted = "decrypted", Info, "the payload was decrypted from a safe-mode envelope";
}

impl Code {
    /// The finding says part of the input is left out of the payload (an XML
    /// attribute, text beside child elements): whatever writes the payload out
    /// (`convert`) has to say so too.
    pub fn drops_input(self) -> bool {
        matches!(self, Code::XmlAttribute | Code::XmlMixedContent)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding, located in the source.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    /// Borrowed for the messages payloads repeat (see
    /// `detect::ambiguous_message`), owned for the rest.
    pub message: Cow<'static, str>,
    /// JSON-Pointer-like path of the field (`/event/fail_type`); `None` for the whole document.
    pub field: Option<String>,
    /// 1-based line in the source.
    pub line: u32,
    /// 1-based column in the source, counted in characters.
    pub column: u32,
}

impl Diagnostic {
    /// A diagnostic with the code's own severity.
    pub fn new(code: Code, message: impl Into<Cow<'static, str>>, line: u32, column: u32) -> Self {
        Diagnostic {
            severity: code.severity(),
            code,
            message: message.into(),
            field: None,
            line,
            column,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {c}");
            assert!(c
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            assert_eq!(Code::from_name(c.as_str()), Some(*c));
        }
    }
}
