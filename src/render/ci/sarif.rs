//! The `sarif` format: SARIF 2.1.0, for code-scanning dashboards (GitHub code
//! scanning, Azure DevOps, SonarQube and other SARIF viewers).
//!
//! One run; `tool.driver.rules` lists every code that occurs in the results (with
//! its [`Code::summary`]); one result per shown finding with its rule, level
//! (`error`, `warning`, `note`), message and region. Columns are counted in Unicode
//! code points, as everywhere in wxmsg, and the run says so (`columnKind`), since
//! SARIF's default is UTF-16 code units.
//!
//! Messages are kept exactly (JSON escaping makes them safe to carry); viewers
//! display them as text. A file's `artifactLocation.uri` is its real name,
//! percent-encoded byte by byte (RFC 3986): a backslash is `%5C` (on Unix a
//! character of the name, not a separator) and bytes that are not UTF-8 are
//! kept (`n%FF.json`).

use super::{CiOptions, FileResult, Unreadable};
use crate::diag::{Code, Severity};
use crate::render::sanitize;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Where the tool's documentation lives: the `repository` of Cargo.toml when it is
/// set, else the crate's registry page.
fn information_uri() -> &'static str {
    match env!("CARGO_PKG_REPOSITORY") {
        "" => "https://crates.io/crates/wxmsg",
        repo => repo,
    }
}

/// Writes the SARIF log (pretty-printed, as `serde_json` pretty-prints) followed by
/// a newline. The results are written one at a time, never held together.
pub fn write(
    out: &mut dyn Write,
    files: &[FileResult],
    unreadable: &[Unreadable],
    _o: &CiOptions,
) -> io::Result<()> {
    // Rules in documentation order, so the output does not depend on which file
    // happened to hold a code first.
    let rules: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|c| files.iter().any(|f| f.has_code(*c)))
        .collect();
    let rule_values: Vec<Value> = rules
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "shortDescription": { "text": c.summary() },
                "help": { "text": format!("Run `wxmsg explain {}` for details.", c.as_str()) },
                "defaultConfiguration": { "level": level(c.severity()) },
            })
        })
        .collect();
    let tool = json!({
        "driver": {
            "name": "wxmsg",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "informationUri": information_uri(),
            "rules": rule_values,
        },
    });
    // The log is `{"$schema", "version", "runs": [{"tool", "invocations",
    // "columnKind", "results"}]}`; its frame is written by hand in serde_json's
    // pretty layout (two-space indent).
    out.write_all(b"{\n  \"$schema\": ")?;
    pretty(out, &json!(SCHEMA), 2)?;
    out.write_all(b",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n      \"tool\": ")?;
    pretty(out, &tool, 6)?;
    out.write_all(b",\n      \"invocations\": ")?;
    pretty(out, &invocations(unreadable), 6)?;
    out.write_all(b",\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [")?;
    let mut any = false;
    for f in files {
        let uri = file_uri(f);
        for d in f.findings.iter() {
            let d = d?;
            let index = rules.iter().position(|c| *c == d.code).unwrap_or(0);
            let result = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": index,
                "level": level(d.severity),
                // Escaped as every other format escapes messages: payload text
                // in a message (a type name, a key) must not carry raw
                // controls or bidi characters into a CI log or a viewer.
                "message": { "text": sanitize::escape_message(&d.text) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": {
                            "startLine": d.line.max(1),
                            "startColumn": d.column.max(1),
                        },
                    },
                }],
            });
            out.write_all(if any { b",\n        " } else { b"\n        " })?;
            pretty(out, &result, 8)?;
            any = true;
        }
    }
    if any {
        out.write_all(b"\n      ]")?;
    } else {
        out.write_all(b"]")?;
    }
    out.write_all(b"\n    }\n  ]\n}\n")
}

/// The run's one invocation: it did not succeed when some path could not be
/// read, and each such path is a tool execution notification (an error about
/// running, not a result about the file's content).
fn invocations(unreadable: &[Unreadable]) -> Value {
    let notifications: Vec<Value> = unreadable
        .iter()
        .map(|u| {
            let mut n = json!({
                "level": "error",
                // Escaped as the results' messages are.
                "message": { "text": sanitize::escape_message(&u.message) },
            });
            if let Some(file) = &u.file {
                n["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri_of_bytes(&path_bytes(file)) },
                    },
                }]);
            }
            n
        })
        .collect();
    let mut invocation = json!({ "executionSuccessful": unreadable.is_empty() });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    json!([invocation])
}

/// Writes `v` pretty-printed as if it were nested `indent` spaces deep: every line
/// after the first is indented (JSON strings never hold a raw newline).
fn pretty(out: &mut dyn Write, v: &Value, indent: usize) -> io::Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(io::Error::from)?;
    let pad = " ".repeat(indent);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
            out.write_all(pad.as_bytes())?;
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The URI of a file's results: of its bytes on disk when known, else of its
/// shown path.
fn file_uri(f: &FileResult) -> String {
    match &f.file {
        Some(p) => uri_of_bytes(&path_bytes(p)),
        None => uri(&f.path),
    }
}

/// A path's bytes as a URI path wants them. On Unix a name is bytes, not
/// always UTF-8 (`n\xff.json` is `n%FF.json`), and a backslash is an ordinary
/// character of it.
#[cfg(unix)]
fn path_bytes(p: &Path) -> Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    Cow::Borrowed(p.as_os_str().as_bytes())
}

/// A path's bytes as a URI path wants them: elsewhere (Windows) a backslash
/// separates directories, which a URI writes as `/`.
#[cfg(not(unix))]
fn path_bytes(p: &Path) -> Cow<'_, [u8]> {
    Cow::Owned(p.to_string_lossy().replace('\\', "/").into_bytes())
}

/// A path as a URI reference: relative paths stay relative (viewers resolve them
/// against the repository root), absolute ones become `file://` URIs; everything
/// but unreserved characters and `/` is percent-encoded (RFC 3986), a backslash
/// too: on Unix it is part of a name, not a separator.
fn uri(path: &str) -> String {
    uri_of_bytes(path.as_bytes())
}

/// [`uri`] of a path's bytes.
fn uri_of_bytes(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    if path.starts_with(b"/") {
        out.push_str("file://");
    }
    for &b in path {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::sample_for;
    use super::super::Format;
    use super::*;

    fn render(o: &CiOptions) -> Value {
        let mut out = Vec::new();
        write(&mut out, &sample_for(Format::Sarif, o), &[], o).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn a_result_per_finding_and_a_rule_per_code() {
        let v = render(&CiOptions::default());
        assert_eq!(v["version"], "2.1.0");
        assert!(v["$schema"]
            .as_str()
            .unwrap()
            .contains("sarif-schema-2.1.0"));
        let run = &v["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "wxmsg");
        assert!(run["tool"]["driver"]["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://"));
        let rules: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(rules, ["missing-field", "type-variant", "no-payload"]);
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        let r = &results[1];
        assert_eq!(r["ruleId"], "type-variant");
        assert_eq!(r["ruleIndex"], 1);
        assert_eq!(r["level"], "warning");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "a/bad.json");
        assert_eq!(loc["region"]["startLine"], 3);
        assert_eq!(loc["region"]["startColumn"], 17);
    }

    /// A run that could not read a path says so in its invocation; one that
    /// could read them all is successful.
    #[test]
    fn unreadable_paths_are_notifications() {
        let v = render(&CiOptions::default());
        assert_eq!(
            v["runs"][0]["invocations"],
            json!([{"executionSuccessful": true}])
        );
        let gone = Unreadable {
            path: "a\\gone.json".into(),
            file: Some("a\\gone.json".into()),
            message: "cannot read `a\\gone.json`: No such file".into(),
        };
        let stdin = Unreadable {
            path: "<stdin>".into(),
            file: None,
            message: "cannot read standard input: EIO".into(),
        };
        let o = CiOptions::default();
        let mut out = Vec::new();
        write(&mut out, &sample_for(Format::Sarif, &o), &[gone, stdin], &o).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        let run = &v["runs"][0];
        assert_eq!(run["results"].as_array().map(Vec::len), Some(3));
        let inv = &run["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        let n = &inv["toolExecutionNotifications"];
        assert_eq!(n[0]["level"], "error");
        assert_eq!(
            n[0]["message"]["text"],
            "cannot read `a\\gone.json`: No such file"
        );
        assert_eq!(
            n[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            if cfg!(unix) {
                "a%5Cgone.json"
            } else {
                "a/gone.json"
            }
        );
        assert_eq!(n[1]["message"]["text"], "cannot read standard input: EIO");
        assert!(n[1].get("locations").is_none());
    }

    #[test]
    fn uris() {
        assert_eq!(uri("a/b c.json"), "a/b%20c.json");
        assert_eq!(uri("/tmp/x.json"), "file:///tmp/x.json");
        assert_eq!(uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(uri("测.json"), "%E6%B5%8B.json");
        // A backslash is part of a name on Unix, not a separator.
        assert_eq!(uri("a\\b.json"), "a%5Cb.json");
        assert_eq!(uri("tab\tname.json"), "tab%09name.json");
    }

    /// The URI of a file named on disk carries its bytes, even those that are
    /// not UTF-8, which the shown path has as U+FFFD.
    #[cfg(unix)]
    #[test]
    fn uris_of_names_that_are_not_utf8() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let mut f = super::super::testing::file("nu2/n\u{fffd}.json", "", Vec::new());
        assert_eq!(file_uri(&f), "nu2/n%EF%BF%BD.json");
        f.file = Some(Path::new(OsStr::from_bytes(b"nu2/n\xff.json")).to_path_buf());
        assert_eq!(file_uri(&f), "nu2/n%FF.json");
        f.file = Some(Path::new("/tmp/back\\slash.json").to_path_buf());
        assert_eq!(file_uri(&f), "file:///tmp/back%5Cslash.json");
    }
}
