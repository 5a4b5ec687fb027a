//! `wxmsg man`: the man page (roff), from the clap definitions.

use super::Status;
use crate::cli::Cli;
use anyhow::Result;
use clap::CommandFactory;
use std::io::{self, Write};

const EXAMPLES: &str = "\
Examples:
  wxmsg man | man -l -
  wxmsg man > /usr/local/share/man/man1/wxmsg.1
  wxmsg man parse > wxmsg-parse.1";

/// Print the man page (roff) of wxmsg, or of one of its commands.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A command (`parse`, `convert`, …) to print the page of, as `wxmsg-COMMAND(1)`.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

pub fn run(a: Args) -> Result<Status> {
    let mut root = Cli::command();
    // Building fills in each subcommand's display name (`wxmsg-parse`) and bin name
    // (`wxmsg parse`), which the page's title and synopsis use.
    root.build();
    let cmd = match &a.command {
        None => root,
        Some(name) => {
            let names: Vec<String> = root
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            let Some(sub) = root.find_subcommand(name) else {
                anyhow::bail!(
                    "unknown command `{name}`; the commands are: {}",
                    names.join(", ")
                );
            };
            sub.clone()
        }
    };
    let repeated: Vec<String> = cmd
        .get_positionals()
        .filter(|a| a.get_num_args().is_some_and(|n| n.max_values() > 1))
        .filter_map(|a| a.get_value_names()?.first().map(|n| n.to_string()))
        .collect();
    let mut buf = Vec::new();
    // `.TH title section date source manual`, shown by man as the footer
    // (source, date, title) and the header's middle (manual). clap_mangen
    // leaves an empty date unquoted, so the source took its place: a
    // command's page showed `parse ` there. Every field is filled instead,
    // the date's with the version (the page describes that release).
    clap_mangen::Man::new(cmd)
        .date(format!("wxmsg {}", env!("CARGO_PKG_VERSION")))
        .source("wxmsg")
        .manual("User Commands")
        .render(&mut buf)?;
    let page = finish(&String::from_utf8_lossy(&buf), &repeated);
    io::stdout().lock().write_all(page.as_bytes())?;
    Ok(Status::Ok)
}

/// The environment variables wxmsg reads, as a roff section.
const ENVIRONMENT: &str = r#".SH ENVIRONMENT
.TP
\fBWXMSG_AES_KEY\fR
The EncodingAESKey of safe mode (43 characters) for \fBparse\fR, \fBvalidate\fR, \fBconvert\fR, \fBdecrypt\fR and \fBencrypt\fR, as \fB\-\-aes\-key\fR (which wins). Prefer it to the flag: flags show up in \fBps\fR and in shell history. Set but empty counts as unset.
.TP
\fBWXMSG_THREADS\fR
How many threads read one large input (1: one thread, no parallel reading); by default every core, at most 256. A value that is not a whole number from 1 up is a usage error (exit 2). Set but empty counts as unset.
.TP
\fBNO_COLOR\fR
Any non\-empty value other than 0 turns colour off when \fB\-\-color\fR is auto (the default).
.TP
\fBCLICOLOR_FORCE\fR
Any non\-empty value other than 0 turns colour on when \fB\-\-color\fR is auto, even when the output is not a terminal. \fBNO_COLOR\fR wins over it.
.TP
\fBTERM\fR
\fBdumb\fR: no colour on a terminal when \fB\-\-color\fR is auto.
.TP
\fBTMPDIR\fR
Where \fBvalidate\fR spools results that outgrow memory.
"#;

/// The rendered page with a repeatable argument shown as `[FILE]...` and the
/// ENVIRONMENT section added, before VERSION when the page has one.
fn finish(page: &str, repeated: &[String]) -> String {
    let mut page = page.to_string();
    for name in repeated {
        let one = format!("[\\fI{name}\\fR]");
        page = page.replace(&one, &format!("{one}..."));
    }
    match page.find("\n.SH VERSION") {
        Some(i) => page.insert_str(i + 1, ENVIRONMENT),
        None => {
            if !page.ends_with('\n') {
                page.push('\n');
            }
            page.push_str(ENVIRONMENT);
        }
    }
    page
}
