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
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    io::stdout().lock().write_all(&buf)?;
    Ok(Status::Ok)
}
