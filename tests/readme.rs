//! The README's `console` examples are executable: every `$ command` line is run
//! from the repository root (with the built `wxmsg` first on `PATH`) and its
//! standard output must match the lines that follow it exactly.

use std::path::Path;
use std::process::Command;

/// (command, expected stdout) pairs from the README's ```console blocks.
fn examples(readme: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut current: Option<(String, String)> = None;
    for line in readme.lines() {
        if line.starts_with("```") {
            if let Some(c) = current.take() {
                out.push(c);
            }
            in_block = !in_block && line.trim() == "```console";
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            if let Some(c) = current.take() {
                out.push(c);
            }
            current = Some((cmd.to_string(), String::new()));
        } else if let Some((_, expected)) = current.as_mut() {
            expected.push_str(line);
            expected.push('\n');
        }
    }
    out
}

#[test]
fn readme_console_examples_produce_the_shown_output() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let cases = examples(&readme);
    assert!(cases.len() >= 3, "the README should show console examples");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_wxmsg")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (cmd, expected) in cases {
        let out = Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .env("PATH", &path)
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .output()
            .unwrap();
        assert!(out.status.success(), "`{cmd}` failed: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "`{cmd}`");
    }
}
