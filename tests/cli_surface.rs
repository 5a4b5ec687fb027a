//! The command line's own surface: completions, man pages, `explain`'s
//! lookup, the explain pages' examples, and what a run that could read
//! nothing prints.

use assert_cmd::Command;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::Stdio;

fn wxmsg() -> Command {
    let mut c = Command::cargo_bin("wxmsg").unwrap();
    c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    c
}

/// Runs wxmsg with `args`; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = wxmsg().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// stdout of a successful run.
fn ok(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

/// The write end of a pipe whose read end is already closed: every write to
/// it fails with EPIPE, whatever the timing.
fn closed_pipe() -> OwnedFd {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors `pipe` fills in.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: `pipe` succeeded, so both are open descriptors owned by nobody else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    write
}

// ---------------------------------------------------------------------------
// completions

/// README "Exit status": a closed output pipe ends the run quietly. The
/// completion script used to panic there (exit 101).
#[test]
fn completions_into_a_closed_pipe_end_quietly() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("wxmsg"))
            .args(["completions", shell])
            .stdout(Stdio::from(closed_pipe()))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(
            out.stderr.is_empty(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

// ---------------------------------------------------------------------------
// messages

/// The platform-mismatch message reads "an official-account payload", and
/// still "a wecom-kf payload".
#[test]
fn platform_mismatch_uses_the_right_article() {
    let (code, out, _) = run(&[
        "validate",
        "--platform",
        "miniprogram",
        "fixtures/official-account/event.SCAN.xml",
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains(
            "`event.SCAN` is an official-account payload; --platform requires miniprogram"
        ),
        "{out}"
    );
    let (code, out, _) = run(&[
        "validate",
        "--platform",
        "official-account",
        "fixtures/wecom-kf/text.json",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("is a wecom-kf payload"), "{out}");
}

// ---------------------------------------------------------------------------
// explain pages

/// Every `$ wxmsg …` example in `docs/explain/*.md` whose paths are files in
/// the repository is run, and each output line the page shows under it (all
/// but `…`) must be a line the command prints, as the page shows it.
#[test]
fn explain_page_examples_print_what_the_pages_show() {
    let mut checked = 0;
    for &code in wxmsg::diag::Code::ALL {
        let page = wxmsg::explain::explain(code);
        let lines: Vec<&str> = page.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(command) = line.strip_prefix("    $ ") else {
                continue;
            };
            let mut words = command.split_whitespace().peekable();
            let mut env = Vec::new();
            while let Some((k, v)) = words.peek().and_then(|w| w.split_once('=')) {
                env.push((k.to_string(), v.to_string()));
                words.next();
            }
            if words.next() != Some("wxmsg") {
                continue;
            }
            let args: Vec<&str> = words.collect();
            // Illustrations with files of the reader's (`app.log`) are not run.
            let runnable = args
                .iter()
                .filter(|a| a.contains('/') || a.contains('.'))
                .all(|a| std::path::Path::new(a).is_file());
            if !runnable {
                continue;
            }
            let shown: Vec<&str> = lines[i + 1..]
                .iter()
                .take_while(|l| l.starts_with("    ") && !l.starts_with("    $ "))
                .map(|l| &l[4..])
                .filter(|l| l.trim() != "…")
                .collect();
            let mut c = wxmsg();
            c.args(&args).env("NO_COLOR", "1");
            for (k, v) in &env {
                c.env(k, v);
            }
            let out = c.output().unwrap();
            let printed = String::from_utf8_lossy(&out.stdout);
            let printed: Vec<&str> = printed.lines().map(str::trim_end).collect();
            for want in shown {
                assert!(
                    printed.contains(&want.trim_end()),
                    "docs/explain/{code}.md: `{command}` does not print\n{want}\nit prints:\n{}",
                    printed.join("\n")
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 0, "no example line was checked");
}

// ---------------------------------------------------------------------------
// explain's lookup

/// A code typed in another case is the code.
#[test]
fn explain_ignores_the_letter_case_of_a_code() {
    let want = ok(&["explain", "missing-field"]);
    assert_eq!(ok(&["explain", "MISSING-FIELD"]), want);
    assert_eq!(ok(&["explain", "Error[Missing-Field]"]), want);
}

/// A label with the wrong severity still names its code: the page is shown,
/// and a note says the severity the code is reported with. The right
/// severity gets no note.
#[test]
fn explain_tells_a_label_with_the_wrong_severity() {
    let want = ok(&["explain", "type-variant"]);
    let (code, out, err) = run(&["explain", "error[type-variant]"]);
    assert_eq!(code, 0);
    assert_eq!(out, want);
    assert!(
        err.contains(
            "`type-variant` is reported as a warning, not `error`: `warning[type-variant]`"
        ),
        "{err}"
    );
    let (code, out, err) = run(&["explain", "warning[type-variant]"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, want.as_str(), ""));
}

// ---------------------------------------------------------------------------
// runs that could read nothing

/// When no input could be read, stdout carries no summary counting what was
/// never read: the error is on stderr and the status is 2. When some input
/// was read, the summary stays.
#[test]
fn nothing_read_prints_no_summary() {
    for args in [
        &["parse", "no/such/file.json"][..],
        &["parse", "no/such/file.json", "nor/this.json"],
        &["validate", "/nonexistent/"],
        &["validate", "no/such/file.json"],
    ] {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(out, "", "{args:?}");
        assert!(err.contains("cannot read"), "{args:?}: {err}");
    }
    let (code, out, _) = run(&["parse", "no/such/file.json", "fixtures/wecom-kf/text.json"]);
    assert_eq!(code, 2);
    assert!(out.ends_with("1 payload: 1 valid\n"), "{out}");
    let (code, out, _) = run(&["validate", "/nonexistent/", "fixtures/wecom-kf/text.json"]);
    assert_eq!(code, 2);
    assert_eq!(out, "1 passed, 0 failed\n");
    // The machine formats still carry the unreadable path.
    let (code, out, _) = run(&["validate", "--format", "github", "/nonexistent/"]);
    assert_eq!(code, 2);
    assert!(
        out.starts_with("::error file=/nonexistent/::cannot read"),
        "{out}"
    );
}

/// The bash completion script's case for `wxmsg CMD` (up to the next case).
fn bash_section<'s>(script: &'s str, cmd: &str) -> &'s str {
    let heads: Vec<usize> = script
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .filter(|&i| {
            let line = script[i..].lines().next().unwrap_or("");
            line.starts_with("        wxmsg__") && line.ends_with(')')
        })
        .collect();
    let start = heads
        .iter()
        .copied()
        .find(|&i| {
            let line = script[i..].lines().next().unwrap_or("");
            line.ends_with(&format!("__{cmd})")) && !line.contains("help__")
        })
        .unwrap_or_else(|| panic!("no bash case for `{cmd}`"));
    let end = heads
        .iter()
        .copied()
        .find(|&i| i > start)
        .unwrap_or(script.len());
    &script[start..end]
}

/// `--platform` completes the catalogue's platform ids in every command that
/// takes it; `explain` completes the diagnostic codes; `schema` and `sample`
/// complete type ids.
#[test]
fn completions_offer_platforms_codes_and_types() {
    let script = ok(&["completions", "bash"]);
    let ids: Vec<&str> = wxmsg::catalog::PlatformId::ALL
        .iter()
        .map(|p| p.as_str())
        .collect();
    let want = format!("compgen -W \"{}\"", ids.join(" "));
    for cmd in ["parse", "validate", "convert", "types"] {
        let section = bash_section(&script, cmd);
        let after = section
            .split_once("--platform)")
            .unwrap_or_else(|| panic!("{cmd}: no --platform case\n{section}"))
            .1;
        let next = after.lines().nth(1).unwrap_or("");
        assert!(next.contains(&want), "{cmd}: {next}");
    }
    let explain = bash_section(&script, "explain");
    for &code in wxmsg::diag::Code::ALL {
        assert!(
            explain.contains(&format!(" {code} ")) || explain.contains(&format!(" {code}\"")),
            "explain does not complete {code}"
        );
    }
    for cmd in ["schema", "sample"] {
        let opts = bash_section(&script, cmd).lines().nth(1).unwrap_or("");
        for ty in [
            "text",
            "event.SCAN",
            "event.msg_send_fail",
            "event.subscribe_msg_popup_event",
        ] {
            assert!(
                opts.split_whitespace().any(|w| w == ty),
                "{cmd}: no {ty}: {opts}"
            );
        }
    }
    a_bad_platform_is_refused_with_the_platforms_named();
}

/// Bad values are still refused with the message naming the platforms (a
/// part of [`completions_offer_platforms_codes_and_types`]: the parser that
/// offers the ids must refuse as before).
fn a_bad_platform_is_refused_with_the_platforms_named() {
    for cmd in ["parse", "validate", "convert"] {
        let (code, out, err) = run(&[cmd, "--to", "json", "--platform", "weibo", "x"][..]
            .iter()
            .copied()
            .filter(|a| cmd == "convert" || (*a != "--to" && *a != "json"))
            .collect::<Vec<_>>());
        assert_eq!((code, out.as_str()), (2, ""), "{cmd}");
        assert!(
            err.contains("unknown platform `weibo`; expected miniprogram, official-account, wecom-kf or devmode"),
            "{cmd}: {err}"
        );
    }
}

// ---------------------------------------------------------------------------
// man pages

/// The `.TH` line's fields as roff reads them (quoted or bare words).
fn th_fields(page: &str) -> Vec<String> {
    let line = page
        .lines()
        .find(|l| l.starts_with(".TH "))
        .expect("no .TH line");
    let mut fields = Vec::new();
    let mut rest = &line[4..];
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let (field, after) = match rest.strip_prefix('"') {
            Some(q) => q.split_once('"').unwrap_or((q, "")),
            None => rest.split_once(' ').unwrap_or((rest, "")),
        };
        fields.push(field.to_string());
        rest = after;
    }
    fields
}

/// Every page's `.TH` has five fields: title, section, date (here the
/// version), source and manual; a command's page no longer puts its own name
/// where the footer shows the date.
#[test]
fn man_pages_have_a_sensible_footer() {
    let version = format!("wxmsg {}", env!("CARGO_PKG_VERSION"));
    for (args, title) in [(&["man"][..], "wxmsg"), (&["man", "parse"], "wxmsg-parse")] {
        let page = ok(args);
        assert_eq!(
            th_fields(&page),
            [title, "1", version.as_str(), "wxmsg", "User Commands"],
            "{args:?}"
        );
    }
}

/// Every page has an ENVIRONMENT section naming each variable wxmsg reads.
#[test]
fn man_pages_have_an_environment_section() {
    for args in [&["man"][..], &["man", "parse"], &["man", "validate"]] {
        let page = ok(args);
        let env = page
            .split_once(".SH ENVIRONMENT\n")
            .unwrap_or_else(|| panic!("{args:?}: no ENVIRONMENT section"))
            .1;
        let env = env.split("\n.SH ").next().unwrap_or("");
        for var in [
            "WXMSG_AES_KEY",
            "WXMSG_THREADS",
            "NO_COLOR",
            "CLICOLOR_FORCE",
            "TERM",
            "TMPDIR",
        ] {
            assert!(env.contains(&format!("\\fB{var}\\fR")), "{args:?}: {var}");
        }
    }
}

/// A repeatable FILE or PATH shows as `[FILE]...` in the synopsis.
#[test]
fn man_synopsis_shows_repeatable_arguments() {
    for (cmd, name) in [("parse", "FILE"), ("convert", "FILE"), ("validate", "PATH")] {
        let page = ok(&["man", cmd]);
        let synopsis = page
            .split_once(".SH SYNOPSIS\n")
            .and_then(|(_, s)| s.lines().next())
            .unwrap_or("");
        assert!(
            synopsis.contains(&format!("[\\fI{name}\\fR]...")),
            "{cmd}: {synopsis}"
        );
    }
}
