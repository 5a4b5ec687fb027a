//! Renderers: reports and documents → text. Nothing here analyses anything.

pub mod json_out;
pub mod pretty;
pub mod report_json;
pub mod sanitize;
pub mod time;
pub mod xml_out;
