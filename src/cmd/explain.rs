//! `wxmsg explain`: the long explanation of a diagnostic code.

use super::types::align;
use super::Status;
use anyhow::Result;
use std::io::{self, Write};
use wxmsg::diag::Code;

const EXAMPLES: &str = "\
Examples:
  wxmsg explain missing-field
  wxmsg explain 'warning[type-variant]'     as shown in a report
  wxmsg explain                             every code, with its severity";

/// Explain a diagnostic code in depth: what triggers it, why it matters on
/// WeChat, how to fix it, with an example. Without CODE, list every code.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The code (`missing-field`), or a finding's label as shown (`error[missing-field]`).
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
}

pub fn run(a: Args) -> Result<Status> {
    let text = match a.code {
        None => list(),
        Some(name) => {
            let code = lookup(&name)?;
            // The text's first line already says what the code means; the header
            // adds what the text does not: the severity it is reported with.
            format!(
                "{} ({})\n\n{}",
                code,
                code.severity(),
                wxmsg::explain::explain(code)
            )
        }
    };
    io::stdout().lock().write_all(text.as_bytes())?;
    Ok(Status::Ok)
}

/// The code named by `name`, accepting the `severity[code]` form of reports.
fn lookup(name: &str) -> Result<Code> {
    let bare = name
        .trim()
        .split_once('[')
        .and_then(|(_, rest)| rest.strip_suffix(']'))
        .unwrap_or(name.trim());
    Code::from_name(bare).ok_or_else(|| {
        let close: Vec<&str> = Code::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| c.contains(bare) || (!bare.is_empty() && bare.contains(c)))
            .collect();
        let hint = if close.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", close.join(", "))
        };
        anyhow::anyhow!(
            "unknown diagnostic code `{bare}`{hint}; run `wxmsg explain` to list every code"
        )
    })
}

fn list() -> String {
    let mut rows: Vec<[String; 3]> = vec![["CODE".into(), "SEVERITY".into(), "MEANING".into()]];
    for c in Code::ALL {
        rows.push([
            c.as_str().into(),
            c.severity().as_str().into(),
            c.summary().into(),
        ]);
    }
    let mut out = align(&rows);
    out.push_str("\n`wxmsg explain CODE` explains one in depth.\n");
    out
}
