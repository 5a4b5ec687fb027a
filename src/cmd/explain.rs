//! `wxmsg explain`: the long explanation of a diagnostic code.

use super::types::align;
use super::Status;
use anyhow::Result;
use std::io::{self, Write};
use wxmsg::diag::{Code, Severity};

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
    #[arg(
        value_name = "CODE",
        value_parser = crate::cli::Suggest(crate::cli::code_names),
        hide_possible_values = true
    )]
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

/// The code named by `name`, accepting the `severity[code]` form of reports
/// and any letter case (`MISSING-FIELD`). A label whose severity is not the
/// code's (`error[type-variant]`) still names the code: it is explained, with
/// a note on stderr saying the severity it is reported with.
fn lookup(name: &str) -> Result<Code> {
    let trimmed = name.trim();
    let (label, bare) = match trimmed
        .split_once('[')
        .and_then(|(sev, rest)| Some((sev, rest.strip_suffix(']')?)))
    {
        Some((sev, code)) => (Some(sev.trim()), code.trim()),
        None => (None, trimmed),
    };
    let wanted = bare.to_ascii_lowercase();
    let code = Code::from_name(&wanted).ok_or_else(|| {
        let close: Vec<&str> = Code::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| c.contains(&*wanted) || (!wanted.is_empty() && wanted.contains(c)))
            .collect();
        let hint = if close.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", close.join(", "))
        };
        anyhow::anyhow!(
            "unknown diagnostic code `{bare}`{hint}; run `wxmsg explain` to list every code"
        )
    })?;
    if let Some(sev) = label.filter(|s| !s.eq_ignore_ascii_case(code.severity().as_str())) {
        super::note_line(&format!(
            "`{code}` is reported as {}, not `{sev}`: `{}[{code}]`",
            severity_phrase(code.severity()),
            code.severity()
        ));
    }
    Ok(code)
}

/// "an error", "a warning", "an info finding".
fn severity_phrase(s: Severity) -> &'static str {
    match s {
        Severity::Error => "an error",
        Severity::Warning => "a warning",
        Severity::Info => "an info finding",
    }
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
