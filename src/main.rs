//! The `wxmsg` binary: parses arguments, runs the library, renders, and maps the
//! outcome to an exit code (0 ok, 1 findings, 2 usage or I/O error).

mod cli;
mod cmd;

use anyhow::Result;
use clap::Parser;
use cli::{Cli, Cmd};
use cmd::Status;
use std::process::ExitCode;
use wxmsg::crypto::AesKey;

fn main() -> ExitCode {
    // A set but empty key variable is no key at all: CI systems expand a
    // secret they withhold (a fork's pull request) to "". An empty --aes-key
    // stays what it says, a key of 0 characters. Nothing else runs yet, so
    // changing the environment here races with no other thread.
    if std::env::var_os(cli::KEY_ENV).is_some_and(|v| v.is_empty()) {
        std::env::remove_var(cli::KEY_ENV);
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // A malformed key is a set-up mistake like a bad flag (exit 2), refused
    // before any input is read, not a finding repeated on every payload.
    if let Some(Err(e)) = cli.cmd.aes_key().map(AesKey::from_encoding_key) {
        cmd::error_line(&format!("{}: {}", e.code, e.message));
        return ExitCode::from(2);
    }
    match run(cli) {
        Ok(s) => ExitCode::from(s as u8),
        Err(e) if cmd::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            cmd::error_line(&format!("{e:#}"));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<Status> {
    match cli.cmd {
        Cmd::Parse(a) => cmd::parse::run(a),
        Cmd::Convert(a) => cmd::convert::run(a),
        Cmd::Validate(a) => cmd::validate::run(a),
        Cmd::Decrypt(a) => cmd::decrypt::run(a),
        Cmd::Encrypt(a) => cmd::encrypt::run(a),
        Cmd::Types(a) => cmd::types::run(a),
        Cmd::Schema(a) => cmd::schema::run(a),
        Cmd::Sample(a) => cmd::sample::run(a),
        Cmd::Explain(a) => cmd::explain::run(a),
        Cmd::Completions(a) => cmd::completions::run(a),
        Cmd::Man(a) => cmd::man::run(a),
    }
}
