//! Renderers: reports and documents → text. Nothing here analyses anything.

pub mod ci;
pub mod json_out;
pub mod payload;
pub mod pretty;
pub mod report_json;
pub mod sanitize;
pub mod time;
pub mod xml_out;

use crate::diag::Code;

/// The one-per-run pointer at `wxmsg explain`, naming the first code shown.
pub fn explain_hint(code: Code) -> String {
    format!(
        "`wxmsg explain {code}` tells what a finding means and how to fix it (any code in [brackets] works)"
    )
}
