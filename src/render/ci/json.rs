//! The `json` format: one JSON document for the whole run, on one line.
//!
//! ```json
//! {"passed":1,"failed":1,"files":[{"path":"a.json","valid":false,
//!   "diagnostics":[…],"payloads":[{…report…}]}],
//!  "errors":[{"path":"gone.json","message":"cannot read `gone.json`: …"}]}
//! ```
//!
//! `errors` lists the paths that could not be read, in the order stderr told
//! them (always there, empty when none); they are neither `passed` nor `failed`
//! and have no entry in `files`, which keep their meaning.
//!
//! `payloads` holds exactly the report objects `wxmsg parse --format json` prints
//! (every finding, whatever `--quiet`/`--verbose` say); `diagnostics` holds the
//! findings about the file itself (`no-payload`). The totals come first, so the
//! report objects wait in each file's spool until every file is checked. A file's `valid` is its verdict,
//! so with `--strict` a file whose payloads are all `valid` may still be `false`.

use super::{CiOptions, FileResult, Totals, Unreadable};
use crate::render::{json_out, report_json};
use std::io::{self, Write};

/// Writes the run as a single JSON document followed by a newline.
pub fn write(
    out: &mut dyn Write,
    files: &[FileResult],
    unreadable: &[Unreadable],
    o: &CiOptions,
) -> io::Result<()> {
    let t = Totals::of(files, o.strict);
    write!(
        out,
        "{{\"passed\":{},\"failed\":{},\"files\":[",
        t.passed, t.failed
    )?;
    let mut buf = Vec::with_capacity(4096);
    for (i, f) in files.iter().enumerate() {
        buf.clear();
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"path\":");
        // The writer every report string goes through: the same value as
        // serde_json would give, with DEL, C1, bidi controls and U+2028/9
        // escaped too, so the report is safe to show on a terminal.
        json_out::write_string(&mut buf, &f.path);
        buf.extend_from_slice(b",\"valid\":");
        buf.extend_from_slice(if f.passed(o.strict) {
            b"true"
        } else {
            b"false"
        });
        buf.extend_from_slice(b",\"diagnostics\":[");
        for (j, d) in f.file_diagnostics.iter().enumerate() {
            if j > 0 {
                buf.push(b',');
            }
            report_json::diagnostic(&mut buf, d);
        }
        buf.extend_from_slice(b"],\"payloads\":[");
        out.write_all(&buf)?;
        // The report objects, comma-separated, as the collector spooled them.
        if let Some(payloads) = &f.payload_json {
            io::copy(&mut payloads.reader(), out)?;
        }
        out.write_all(b"]}")?;
    }
    buf.clear();
    buf.extend_from_slice(b"],\"errors\":[");
    for (i, u) in unreadable.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"path\":");
        json_out::write_string(&mut buf, &u.path);
        buf.extend_from_slice(b",\"message\":");
        json_out::write_string(&mut buf, &u.message);
        buf.push(b'}');
    }
    buf.extend_from_slice(b"]}\n");
    out.write_all(&buf)
}

#[cfg(test)]
mod tests {
    use super::super::testing::sample_for;
    use super::super::Format;
    use super::*;
    use serde_json::Value;

    #[test]
    fn one_document_with_reports_and_file_findings() {
        let mut out = Vec::new();
        write(
            &mut out,
            &sample_for(Format::Json, &CiOptions::default()),
            &[],
            &CiOptions::default(),
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["passed"], 1);
        assert_eq!(v["failed"], 2);
        let files = v["files"].as_array().unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(files[0]["path"], "a/bad.json");
        assert_eq!(files[0]["valid"], false);
        assert_eq!(
            files[0]["payloads"][0]["diagnostics"][0]["code"],
            "missing-field"
        );
        assert_eq!(files[1]["valid"], true);
        assert_eq!(files[2]["payloads"].as_array().unwrap().len(), 0);
        assert_eq!(files[2]["diagnostics"][0]["code"], "no-payload");
        assert_eq!(v["errors"], serde_json::json!([]));
    }

    /// A path that could not be read is in `errors`, not in the counts or files.
    #[test]
    fn unreadable_paths_are_errors() {
        let o = CiOptions::default();
        let gone = Unreadable {
            path: "gone\u{202e}.json".into(),
            file: None,
            message: "cannot read `gone\u{202e}.json`: No such file".into(),
        };
        let mut out = Vec::new();
        write(&mut out, &sample_for(Format::Json, &o), &[gone], &o).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\u{202e}'), "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            (v["passed"].as_u64(), v["failed"].as_u64()),
            (Some(1), Some(2))
        );
        assert_eq!(v["files"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            v["errors"],
            serde_json::json!([{"path": "gone\u{202e}.json", "message": "cannot read `gone\u{202e}.json`: No such file"}])
        );
    }
}
