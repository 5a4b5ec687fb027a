//! End-to-end tests of what `wxmsg validate`'s machine-readable reports carry
//! beyond the findings: paths that could not be read (in every format), file
//! names as real locations (not terminal-escaped), the JSON report's escaping
//! of file names, and the `WXMSG_THREADS` setting.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;
use tempfile::TempDir;

/// A valid WeCom kf text payload (the project's own fixture).
fn good() -> String {
    fs::read_to_string("fixtures/wecom-kf/text.json").unwrap()
}

fn wxmsg() -> Command {
    let mut c = Command::cargo_bin("wxmsg").unwrap();
    c.env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("WXMSG_THREADS");
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `wxmsg validate ARGS` in `dir` (so paths in the reports are relative).
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = wxmsg()
        .current_dir(dir)
        .arg("validate")
        .args(args)
        .write_stdin("")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// A temporary tree: `files` are (relative path, content).
fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (rel, content) in files {
        let p = dir.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    dir
}

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\nstderr: {}", r.stdout, r.stderr))
}

// ---------------------------------------------------------------------------
// #8: the JSON report's file `path` is escaped as its other strings are

/// Bidi controls, DEL, C1 controls and U+2028 in a file name reach the JSON
/// report's `path` as `\uXXXX`, exactly as in each payload's `source`.
#[cfg(unix)]
#[test]
fn json_path_escapes_what_a_terminal_would_act_on() {
    let name = "p\u{202e}\u{7f}\u{9b}\u{2028}q.json";
    let dir = tree(&[(name, &good())]);
    let r = run_in(dir.path(), &["--format", "json", name]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("\"path\":\"p\\u202e\\u007f\\u009b\\u2028q.json\""),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout
            .chars()
            .any(|c| matches!(c, '\u{7f}' | '\u{9b}' | '\u{202e}' | '\u{2028}')),
        "{}",
        r.stdout
    );
    // The same value.
    let v = json(&r);
    assert_eq!(v["files"][0]["path"], name);
    assert_eq!(v["files"][0]["payloads"][0]["source"], name);
}
