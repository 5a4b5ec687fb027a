//! `wxmsg completions`: a shell completion script, from the clap definitions.

use super::Status;
use crate::cli::Cli;
use anyhow::Result;
use clap::CommandFactory;
use std::io::{self, Write};

const EXAMPLES: &str = "\
Examples:
  wxmsg completions bash > ~/.local/share/bash-completion/completions/wxmsg
  wxmsg completions zsh > \"${fpath[1]}/_wxmsg\"
  wxmsg completions fish > ~/.config/fish/completions/wxmsg.fish
  wxmsg completions powershell >> $PROFILE";

/// Print a shell completion script.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

pub fn run(a: Args) -> Result<Status> {
    let mut cmd = Cli::command();
    // `generate` panics when its writer fails; a Vec cannot, and the script is
    // then written as any command's output is, so a closed pipe
    // (`wxmsg completions bash | head`) ends the run quietly.
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "wxmsg", &mut buf);
    io::stdout().lock().write_all(&buf)?;
    Ok(Status::Ok)
}
