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
use wxmsg::render::sanitize;

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
            let e = if e.use_stderr() {
                escaped_usage_error().unwrap_or(e)
            } else {
                e
            };
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

/// A usage error may quote a value from the command line. Told again from
/// the arguments with their control characters escaped, as payload text is,
/// so `--platform "$(cat x)"` cannot drive the terminal (clap writes it raw
/// there, and drops it in a pipe). None when no argument needs escaping.
fn escaped_usage_error() -> Option<clap::Error> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // As payload text is shown: a backslash doubled, so `\x1b` typed is
    // told from an ESC; bytes that are not UTF-8 as U+FFFD.
    let escaped = |a: &std::ffi::OsString| {
        let text = a.to_string_lossy();
        let shown = sanitize::escape(&text);
        (matches!(text, std::borrow::Cow::Owned(_)) || matches!(shown, std::borrow::Cow::Owned(_)))
            .then(|| std::ffi::OsString::from(shown.into_owned()))
    };
    let shown: Vec<Option<std::ffi::OsString>> = args.iter().map(escaped).collect();
    if shown.iter().all(Option::is_none) {
        return None;
    }
    let safe = args.into_iter().zip(shown).map(|(a, s)| s.unwrap_or(a));
    Cli::try_parse_from(safe).err()
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
