//! Renderers: reports and documents → text. Nothing here analyses anything.

pub mod json_out;
pub mod xml_out;
