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
//! inert with [`sanitize::escape_message`] and then encoded the way the Actions
//! toolkit encodes command values (`%`, CR and LF; in properties also `:` and `,`).
//! A file name is a location the runner resolves, so it keeps its backslashes
//! and tabs ([`sanitize::escape_location`]); a name that is not UTF-8 has
//! U+FFFD for its stray bytes (a workflow command is text).

use super::{CiOptions, FileResult, Totals, Unreadable};
use crate::diag::Severity;
use crate::render::sanitize;
use std::io::{self, Write};

/// Writes one workflow command per shown finding, one `::error` per path that
/// could not be read, then the closing count.
pub fn write(
    out: &mut dyn Write,
    files: &[FileResult],
    unreadable: &[Unreadable],
    o: &CiOptions,
) -> io::Result<()> {
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
    // An annotation on the path, so the pull request shows what broke the job
    // (standard input has no file to point at: the annotation is the job's).
    for u in unreadable {
        match &u.file {
            Some(_) => writeln!(
                out,
                "::error file={}::{}",
                property(&u.path),
                data(&u.message)
            )?,
            None => writeln!(out, "::error::{}", data(&u.message))?,
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
/// The runner decodes it and resolves the file, so the real name goes in: a
/// backslash or a tab as it is, a CR or LF encoded (`\r` would name another
/// file). Only what a terminal would act on is escaped
/// ([`sanitize::escape_location`]), as the Actions log shows the command.
fn property(s: &str) -> String {
    encode(&sanitize::escape_location(s), true)
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
        write(&mut out, &sample(), &[], &CiOptions::default()).unwrap();
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
        write(&mut out, &[f], &[], &CiOptions::default()).unwrap();
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

    /// A backslash or a tab is part of the name, not an escape: the
    /// annotation names the real file.
    #[test]
    fn backslashes_and_tabs_in_a_file_name_stay() {
        assert_eq!(property("bs/back\\slash.json"), "bs/back\\slash.json");
        assert_eq!(property("bs/tab\tname.json"), "bs/tab\tname.json");
        assert_eq!(property("bs/\u{202e}x.json"), "bs/\\u{202e}x.json");
    }

    /// A path that could not be read is an `::error` on that file, before
    /// the count (which counts checked files only).
    #[test]
    fn unreadable_paths_are_annotated() {
        let gone = |path: &str, file: bool| Unreadable {
            path: path.into(),
            file: file.then(|| path.into()),
            message: format!("cannot read `{path}`: gone"),
        };
        let mut out = Vec::new();
        let o = CiOptions::default();
        write(
            &mut out,
            &[],
            &[gone("a,b\\c.json", true), gone("<stdin>", false)],
            &o,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::error file=a%2Cb\\c.json::cannot read `a,b\\c.json`: gone\n::error::cannot read `<stdin>`: gone\n0 passed, 0 failed\n"
        );
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
        write(&mut out, &[f], &[], &o).unwrap();
        assert!(String::from_utf8(out)
            .unwrap()
            .starts_with("::notice file=e.xml,line=1,col=1,title=encrypted::encrypted\n"));
    }
}
