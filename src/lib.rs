//! wxmsg: read, recognise, validate, pretty-print and convert WeChat
//! customer-service message payloads.
//!
//! The pipeline reads in one direction:
//! input framing ([`input`]) → documents with source positions ([`doc`], [`parse`])
//! → detection ([`detect`]) → validation ([`validate`]) → rendering ([`render`]).
//! Everything about platforms, types and fields comes from the [`catalog`].
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod catalog;
pub mod crypto;
pub mod detect;
pub mod diag;
pub mod doc;
pub mod explain;
pub mod input;
pub mod lane;
pub mod parse;
pub mod pipeline;
pub mod render;
pub mod report;
pub mod sample;
mod scan;
pub mod schema;
pub mod tape;
pub mod typing;
pub mod validate;
