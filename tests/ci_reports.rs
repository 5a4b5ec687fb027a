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

// ---------------------------------------------------------------------------
// #9: `WXMSG_THREADS` and threads the system refuses

/// A WeCom kf text message on one line: valid, or (every 5th) without its
/// text and with an unknown field, so the report has findings to quote.
fn kf_line(i: usize) -> String {
    if i % 5 == 0 {
        format!("{{\"msgid\":\"m{i}\",\"open_kfid\":\"wk\",\"external_userid\":\"wm\",\"send_time\":1,\"origin\":3,\"msgtype\":\"text\",\"bogus\":{i}}}\n")
    } else {
        format!("{{\"msgid\":\"m{i}\",\"open_kfid\":\"wkclu4XR26xrWvZYR9VfWiNkCtkSmABU\",\"external_userid\":\"wm1_ry5LTFMovcU7bvALDW_7XSsv1oEz\",\"send_time\":1733901520,\"origin\":3,\"msgtype\":\"text\",\"text\":{{\"content\":\"你好，第 {i} 条\"}}}}\n")
    }
}

/// A tree with a file large enough to be read on several threads (4 MiB and
/// up, with more findings than the human format quotes on one thread) and
/// two small ones, so files are also spread over threads.
fn threads_tree() -> TempDir {
    let big: String = (1..=30_000).map(kf_line).collect();
    assert!(big.len() > 4 << 20);
    let small: String = (1..=200).map(kf_line).collect();
    tree(&[
        ("big.ndjson", &big),
        ("a.ndjson", &small),
        ("b.json", &good()),
    ])
}

/// (exit code, stdout, stderr) of `wxmsg ARGS` in `dir` with `env` set.
fn run_env(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> (i32, Vec<u8>, String) {
    let mut c = wxmsg();
    c.current_dir(dir).args(args).write_stdin("");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Not a whole number from 1 up: a usage error (exit 2) before anything is
/// read, for every command that reads on threads. Empty is unset.
#[test]
fn an_invalid_thread_count_is_a_usage_error() {
    let dir = tree(&[("a.json", &good())]);
    for bad in ["abc", "-1", "0", "2.5"] {
        for args in [
            &["validate", "a.json"][..],
            &["validate", "--format", "json", "a.json"],
            &["parse", "a.json"],
            &["convert", "--to", "xml", "a.json"],
        ] {
            let (code, stdout, stderr) = run_env(dir.path(), &[("WXMSG_THREADS", bad)], args);
            assert_eq!(code, 2, "{bad} {args:?}: {stderr}");
            assert!(stdout.is_empty(), "{bad} {args:?}");
            assert!(
                stderr.starts_with("wxmsg: error: WXMSG_THREADS must be")
                    && stderr.contains(&format!("`{bad}`")),
                "{bad} {args:?}: {stderr}"
            );
        }
    }
    let (code, _, stderr) = run_env(
        dir.path(),
        &[("WXMSG_THREADS", "")],
        &["validate", "a.json"],
    );
    assert_eq!(code, 0, "{stderr}");
}

/// A thread count far beyond what the system gives is capped (no abort with
/// a backtrace), and a system that refuses every thread (here: no memory for
/// a thread's stack) gets the same report as one thread, in every format.
#[test]
fn threads_the_system_refuses_are_done_without() {
    let dir = tree(&[]);
    let src = threads_tree();
    for f in ["big.ndjson", "a.ndjson", "b.json"] {
        fs::copy(src.path().join(f), dir.path().join(f)).unwrap();
    }
    // A stack larger than any address space: every spawn fails.
    const NO_STACK: (&str, &str) = ("RUST_MIN_STACK", "1099511627776000");
    for format in ["human", "json", "github"] {
        for paths in [&["big.ndjson"][..], &["."]] {
            let mut args = vec!["validate", "--color", "never", "--format", format];
            args.extend_from_slice(paths);
            let one = run_env(dir.path(), &[("WXMSG_THREADS", "1")], &args);
            assert_eq!(one.0, 1, "{}", one.2);
            for env in [
                &[("WXMSG_THREADS", "4"), NO_STACK][..],
                &[NO_STACK][..],
                &[("WXMSG_THREADS", "100000")][..],
            ] {
                let many = run_env(dir.path(), env, &args);
                assert!(!many.2.contains("panicked"), "{env:?} {args:?}: {}", many.2);
                assert!(
                    many == one,
                    "{env:?} {args:?} differs from one thread: {}\n{}",
                    many.0,
                    many.2
                );
            }
        }
    }
    let parse = |env: &[(&str, &str)]| {
        run_env(
            dir.path(),
            env,
            &["parse", "--format", "json", "big.ndjson"],
        )
    };
    let one = parse(&[("WXMSG_THREADS", "1")]);
    assert_eq!(parse(&[("WXMSG_THREADS", "4"), NO_STACK]), one);
}
