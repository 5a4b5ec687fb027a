//! The `github` format: GitHub Actions workflow commands, one per finding, so each
//! finding shows as an annotation on the file and line in the pull request.
//!
//! ```text
//! ::error file=a.json,line=3,col=5,title=missing-field::/Title: missing required field Title
//! 0 passed, 1 failed
//! ```
//!
//! Errors are `::error`, warnings `::warning`, info findings (`--verbose`) `::notice`.
//! The closing count follows as an ordinary log line. Text from the payload is made
//! inert with [`sanitize::escape_message`] (paths with [`sanitize::escape`]) and then encoded the way the Actions toolkit
//! encodes command values (`%`, CR and LF; in properties also `:` and `,`).

use super::{CiOptions, FileResult, Totals};
use crate::diag::Severity;
use crate::render::sanitize;
use std::io::{self, Write};

/// Writes one workflow command per shown finding, then the closing count.
pub fn write(out: &mut dyn Write, files: &[FileResult], o: &CiOptions) -> io::Result<()> {
    for f in files {
        let file = property(&f.path);
        for d in f.findings.iter() {
            let d = d?;
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            writeln!(
                out,
                "::{command} file={file},line={},col={},title={}::{}",
                d.line,
                d.column,
                d.code.as_str(),
                data(&d.text)
            )?;
        }
    }
    writeln!(out, "{}", Totals::of(files, o.strict))
}

/// A command's message, as the Actions toolkit's `escapeData` encodes it. The
/// message's own escapes (its quoted values) stay single, as in every format.
fn data(s: &str) -> String {
    encode(&sanitize::escape_message(s), false)
}

/// A command property value (`file=…`), as the toolkit's `escapeProperty` encodes it.
/// A CR or LF in a file name is encoded, not escaped, so the annotation still
/// names the file (`\r` would name another).
fn property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for piece in s.split_inclusive(['\r', '\n']) {
        let (text, end) = match piece.strip_suffix(['\r', '\n']) {
            Some(text) => (text, piece.get(text.len()..)),
            None => (piece, None),
        };
        out.push_str(&encode(&sanitize::escape(text), true));
        if let Some(end) = end {
            out.push_str(&encode(end, true));
        }
    }
    out
}

fn encode(s: &str, property: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::{file, file_for, sample};
    use super::super::Format;
    use super::*;
    use crate::diag::{Code, Diagnostic};

    #[test]
    fn one_command_per_finding_then_the_count() {
        let mut out = Vec::new();
        write(&mut out, &sample(), &CiOptions::default()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\
::error file=a/bad.json,line=1,col=1,title=missing-field::/Content: missing required field Content
::warning file=a/bad.json,line=3,col=17,title=type-variant::/CreateTime: CreateTime should be an integer
::error file=b/empty.json,line=1,col=1,title=no-payload::no WeChat payload found: the file is empty
1 passed, 2 failed
"
        );
    }

    #[test]
    fn values_cannot_break_out_of_the_command() {
        let d = Diagnostic::new(Code::InvalidValue, "50% bad\nvalue::x", 2, 3);
        let f = file("dir,x:y%.json", "", vec![d]);
        let mut out = Vec::new();
        write(&mut out, &[f], &CiOptions::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            "::error file=dir%2Cx%3Ay%25.json,line=2,col=3,title=invalid-value::50%25 bad\\nvalue::x"
        );
    }

    /// A CR or LF in a file name is encoded, so the annotation names the
    /// file; anything else a terminal would act on is still escaped.
    #[test]
    fn line_breaks_in_a_file_name_are_encoded_not_escaped() {
        assert_eq!(property("cr\rx\n.json"), "cr%0Dx%0A.json");
        assert_eq!(property("e\u{1b}[31m,\r\n"), "e\\x1b[31m%2C%0D%0A");
    }

    #[test]
    fn info_is_a_notice_with_verbose() {
        let d = Diagnostic::new(Code::Encrypted, "encrypted", 1, 1);
        let o = CiOptions {
            verbose: true,
            ..CiOptions::default()
        };
        let f = file_for(Format::Github, &o, "e.xml", "", vec![d]);
        let mut out = Vec::new();
        write(&mut out, &[f], &o).unwrap();
        assert!(String::from_utf8(out)
            .unwrap()
            .starts_with("::notice file=e.xml,line=1,col=1,title=encrypted::encrypted\n"));
    }
}
