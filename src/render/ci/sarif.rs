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
//! display them as text.

use super::{message_with_field, CiOptions, FileResult};
use crate::diag::{Code, Severity};
use serde_json::{json, Value};
use std::io::{self, Write};

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

/// Writes the SARIF log (pretty-printed) followed by a newline.
pub fn write(out: &mut dyn Write, files: &[FileResult], o: &CiOptions) -> io::Result<()> {
    let found: Vec<(&FileResult, Vec<&crate::diag::Diagnostic>)> =
        files.iter().map(|f| (f, f.shown(o))).collect();
    // Rules in documentation order, so the output does not depend on which file
    // happened to hold a code first.
    let rules: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|c| found.iter().any(|(_, ds)| ds.iter().any(|d| d.code == *c)))
        .collect();
    let mut results = Vec::new();
    for (f, ds) in &found {
        let uri = uri(&f.path);
        for d in ds {
            let index = rules.iter().position(|c| *c == d.code).unwrap_or(0);
            results.push(json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": index,
                "level": level(d.severity),
                "message": { "text": message_with_field(d) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": {
                            "startLine": d.line.max(1),
                            "startColumn": d.column.max(1),
                        },
                    },
                }],
            }));
        }
    }
    let rules: Vec<Value> = rules
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
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "wxmsg",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": information_uri(),
                    "rules": rules,
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a URI reference: relative paths stay relative (viewers resolve them
/// against the repository root), absolute ones become `file://` URIs; everything
/// but unreserved characters and `/` is percent-encoded.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
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
    use super::super::testing::sample;
    use super::*;

    fn render(o: &CiOptions) -> Value {
        let mut out = Vec::new();
        write(&mut out, &sample(), o).unwrap();
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

    #[test]
    fn uris() {
        assert_eq!(uri("a/b c.json"), "a/b%20c.json");
        assert_eq!(uri("/tmp/x.json"), "file:///tmp/x.json");
        assert_eq!(uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(uri("测.json"), "%E6%B5%8B.json");
        assert_eq!(uri("a\\b.json"), "a/b.json");
    }
}
