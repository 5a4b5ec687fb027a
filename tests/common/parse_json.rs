//! Running `wxmsg parse --format json` on files or standard input, for the
//! end-to-end tests.

// Each test file that includes this module uses part of it.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;

/// The built binary, with the colour variables of the test's environment
/// removed.
pub fn wxmsg() -> Command {
    let mut c = Command::cargo_bin("wxmsg").unwrap();
    c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    c
}

/// Runs `wxmsg parse --format json` (and `args`), on `stdin` when given:
/// (exit code, reports).
pub fn reports_in(args: &[&str], stdin: Option<&str>) -> (i32, Vec<Value>) {
    let mut c = wxmsg();
    c.args(["parse", "--format", "json"]).args(args);
    if let Some(s) = stdin {
        c.write_stdin(s);
    }
    let out = c.output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let reps = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (out.status.code().unwrap_or(-1), reps)
}

/// Runs `wxmsg parse --format json` (and `args`) on `stdin`: (exit code, reports).
pub fn reports_with(args: &[&str], stdin: &str) -> (i32, Vec<Value>) {
    reports_in(args, Some(stdin))
}

/// [`reports_with`] with no further arguments.
pub fn reports(stdin: &str) -> (i32, Vec<Value>) {
    reports_with(&[], stdin)
}
