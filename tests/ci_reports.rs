//! End-to-end tests of what `wxmsg validate`'s machine-readable reports carry
//! beyond the findings: paths that could not be read (in every format), file
//! names as real locations (not terminal-escaped), the JSON report's escaping
//! of file names, and the `WXMSG_THREADS` setting.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;
use tempfile::TempDir;

#[path = "common/xml_tree.rs"]
mod xml_tree;
use xml_tree::xml_tree;

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

/// The GitHub workflow commands of a report: (command, properties, message).
fn commands(out: &str) -> Vec<(String, String, String)> {
    out.lines()
        .filter_map(|l| l.strip_prefix("::"))
        .map(|l| {
            let (head, message) = l.split_once("::").unwrap();
            let (command, props) = head.split_once(' ').unwrap_or((head, ""));
            (command.to_string(), props.to_string(), message.to_string())
        })
        .collect()
}

// ---------------------------------------------------------------------------
// #2: paths that could not be read are in every machine-readable report

const GONE: &str = "cannot read `gone.json`: No such file or directory (os error 2)";
const DANGLING: &str = "cannot read `d/dangling.json`: No such file or directory (os error 2)";

/// A readable fixture, a missing path named on the command line and a
/// dangling link met on the walk: each format carries both failures, the
/// exit status stays 2 and stderr still tells them.
#[cfg(unix)]
#[test]
fn unreadable_paths_are_in_every_machine_report() {
    let dir = tree(&[("d/ok.json", &good())]);
    std::os::unix::fs::symlink("nowhere.json", dir.path().join("d/dangling.json")).unwrap();
    let args = |format: &'static str| ["--format", format, "gone.json", "d"];

    let r = run_in(dir.path(), &args("json"));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(GONE) && r.stderr.contains(DANGLING),
        "{}",
        r.stderr
    );
    let v = json(&r);
    // The existing fields keep their meaning: the files that were checked.
    assert_eq!(
        (v["passed"].as_u64(), v["failed"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(v["files"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        v["errors"],
        serde_json::json!([
            {"path": "gone.json", "message": GONE},
            {"path": "d/dangling.json", "message": DANGLING},
        ])
    );

    let r = run_in(dir.path(), &args("junit"));
    assert_eq!(r.code, 2);
    let root = xml_tree(&r.stdout);
    let suite = &root.all("testsuite")[0];
    for el in [&root, *suite] {
        assert_eq!(el.attr("tests"), Some("3"), "{}", r.stdout);
        assert_eq!(el.attr("failures"), Some("0"));
        assert_eq!(el.attr("errors"), Some("2"));
    }
    let errors: Vec<(&str, &str, &str)> = suite
        .all("testcase")
        .iter()
        .flat_map(|c| {
            c.all("error").into_iter().map(|e| {
                (
                    c.attr("file").unwrap(),
                    e.attr("message").unwrap(),
                    e.text.as_str(),
                )
            })
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("gone.json", GONE, GONE),
            ("d/dangling.json", DANGLING, DANGLING)
        ]
    );

    let r = run_in(dir.path(), &args("sarif"));
    assert_eq!(r.code, 2);
    let v = json(&r);
    let inv = &v["runs"][0]["invocations"];
    assert_eq!(inv.as_array().map(Vec::len), Some(1));
    assert_eq!(inv[0]["executionSuccessful"], false);
    let notes = inv[0]["toolExecutionNotifications"].as_array().unwrap();
    let told: Vec<(&str, &str, &str)> = notes
        .iter()
        .map(|n| {
            (
                n["level"].as_str().unwrap(),
                n["message"]["text"].as_str().unwrap(),
                n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        told,
        [
            ("error", GONE, "gone.json"),
            ("error", DANGLING, "d/dangling.json")
        ]
    );

    let r = run_in(dir.path(), &args("github"));
    assert_eq!(r.code, 2);
    assert_eq!(
        commands(&r.stdout),
        [
            (
                "error".to_string(),
                "file=gone.json".to_string(),
                GONE.to_string()
            ),
            (
                "error".to_string(),
                "file=d/dangling.json".to_string(),
                DANGLING.to_string()
            ),
        ]
    );
    assert_eq!(r.stdout.lines().last(), Some("1 passed, 0 failed"));

    // The human format leaves them to stderr, as before.
    let r = run_in(dir.path(), &["--color", "never", "gone.json", "d"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "1 passed, 0 failed\n");
    assert_eq!(
        r.stderr,
        format!("wxmsg: error: {GONE}\nwxmsg: error: {DANGLING}\n")
    );
}

/// A run that read every path says so: SARIF's invocation succeeded, JSON's
/// `errors` is empty, JUnit counts no error.
#[test]
fn a_run_that_read_everything_is_successful() {
    let dir = tree(&[("ok.json", &good())]);
    let v = json(&run_in(dir.path(), &["--format", "sarif", "ok.json"]));
    assert_eq!(
        v["runs"][0]["invocations"],
        serde_json::json!([{"executionSuccessful": true}])
    );
    let v = json(&run_in(dir.path(), &["--format", "json", "ok.json"]));
    assert_eq!(v["errors"], serde_json::json!([]));
    let r = run_in(dir.path(), &["--format", "junit", "ok.json"]);
    assert_eq!(xml_tree(&r.stdout).attr("errors"), Some("0"));
}

/// Standard input that cannot be read (a directory) has no file to point at:
/// the GitHub annotation and the SARIF notification carry no location.
#[cfg(unix)]
#[test]
fn unreadable_standard_input_has_no_location() {
    let dir = tree(&[]);
    let stdin = || fs::File::open(dir.path()).unwrap();
    let wxmsg = || std::process::Command::new(assert_cmd::cargo::cargo_bin("wxmsg"));
    let out = wxmsg()
        .args(["validate", "--format", "github"])
        .stdin(stdin())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    let cmds = commands(&text);
    assert_eq!(cmds.len(), 1, "{text}");
    assert_eq!((cmds[0].0.as_str(), cmds[0].1.as_str()), ("error", ""));
    assert!(
        cmds[0].2.starts_with("cannot read standard input"),
        "{text}"
    );
    let out = wxmsg()
        .args(["validate", "--format", "sarif"])
        .stdin(stdin())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = &v["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert!(n["message"]["text"]
        .as_str()
        .unwrap()
        .starts_with("cannot read standard input"));
    assert!(n.get("locations").is_none(), "{n}");
}

// ---------------------------------------------------------------------------
// #5: file names in location fields are the real names

/// A backslash and a tab are part of a file name on Unix: the GitHub
/// `file=`, the JUnit `file`/`name` and the SARIF URI name the real file, only
/// encoded as each carrier needs. Bytes that are not UTF-8 keep their value
/// in the SARIF URI. Controls and bidi characters stay escaped where a log
/// shows the name.
#[cfg(unix)]
#[test]
fn locations_name_the_real_file() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tree(&[
        ("bs/back\\slash.json", ""),
        ("bs/tab\tname.json", ""),
        ("bs/rtl\u{202e}x.json", ""),
    ]);
    fs::write(dir.path().join(OsStr::from_bytes(b"bs/n\xff.json")), "").unwrap();

    let r = run_in(dir.path(), &["--format", "github", "bs"]);
    assert_eq!(r.code, 1);
    let files: Vec<String> = commands(&r.stdout)
        .into_iter()
        .map(|(_, props, _)| props.split(',').next().unwrap().to_string())
        .collect();
    assert_eq!(
        files,
        [
            "file=bs/back\\slash.json",
            "file=bs/n\u{fffd}.json",
            "file=bs/rtl\\u{202e}x.json",
            "file=bs/tab\tname.json",
        ]
    );

    let r = run_in(dir.path(), &["--format", "junit", "bs"]);
    let root = xml_tree(&r.stdout);
    let cases: Vec<(&str, &str)> = root.all("testsuite")[0]
        .all("testcase")
        .iter()
        .map(|c| (c.attr("name").unwrap(), c.attr("file").unwrap()))
        .collect();
    assert_eq!(
        cases,
        [
            ("bs/back\\slash.json", "bs/back\\slash.json"),
            ("bs/n\u{fffd}.json", "bs/n\u{fffd}.json"),
            ("bs/rtl\\u{202e}x.json", "bs/rtl\\u{202e}x.json"),
            ("bs/tab\tname.json", "bs/tab\tname.json"),
        ]
    );

    let v = json(&run_in(dir.path(), &["--format", "sarif", "bs"]));
    let uris: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        [
            "bs/back%5Cslash.json",
            "bs/n%FF.json",
            "bs/rtl%E2%80%AEx.json",
            "bs/tab%09name.json",
        ]
    );

    // JSON carries the name as a JSON string: the real one (U+FFFD for the
    // stray byte).
    let v = json(&run_in(dir.path(), &["--format", "json", "bs"]));
    let paths: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "bs/back\\slash.json",
            "bs/n\u{fffd}.json",
            "bs/rtl\u{202e}x.json",
            "bs/tab\tname.json",
        ]
    );
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
