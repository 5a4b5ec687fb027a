//! Parsers: bytes of one document → a [`crate::doc::Node`] tree with byte offsets.

pub mod json;
pub mod xml;

use crate::diag::Code;

/// Limits every parser enforces.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Maximum nesting depth of objects/arrays (JSON) or elements (XML).
    pub max_depth: usize,
    /// Maximum number of object members / elements in one document.
    pub max_fields: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_fields: 10_000,
        }
    }
}

/// Why a document could not be parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    /// Byte offset (relative to the start of the parsed slice) where the problem is.
    pub pos: usize,
    pub code: Code,
    pub message: String,
}

impl ParseError {
    pub fn new(pos: usize, code: Code, message: impl Into<String>) -> Self {
        ParseError {
            pos,
            code,
            message: message.into(),
        }
    }
}

/// Where a candidate document ends, as far as a cheap structural scan can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extent {
    /// The document ends at this byte offset (exclusive).
    Complete(usize),
    /// The text so far is a plausible prefix; more input is needed.
    NeedMore,
    /// The text cannot be this kind of document; the problem is at this offset.
    NotDocument(usize),
}
