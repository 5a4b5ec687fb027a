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

/// The ASCII decimal digits of `n`, written at the end of `buf`.
pub(crate) fn decimal(n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        if let Some(b) = buf.get_mut(i) {
            *b = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    buf.get(i..).unwrap_or_default()
}
