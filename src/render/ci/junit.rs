//! The `junit` format: JUnit XML, one `<testcase>` per file.
//!
//! ```xml
//! <testsuites name="wxmsg validate" tests="2" failures="1" errors="0">
//!   <testsuite name="wxmsg validate" tests="2" failures="1" errors="0" skipped="0">
//!     <testcase name="a.json" classname="wxmsg.validate" file="a.json">
//!       <failure message="error[missing-field] /Title: …" type="missing-field">a.json:3:5: error[missing-field] /Title: …</failure>
//!     </testcase>
//!     <testcase name="b.json" classname="wxmsg.validate" file="b.json"/>
//!   </testsuite>
//! </testsuites>
//! ```
//!
//! A failing file's `<failure>` lists every shown finding, one per line; a passing
//! file with warnings lists them in `<system-out>`. A testcase's `name` and `file`
//! are the real file name (a backslash or a tab as it is, see [`location`]); a
//! name that is not UTF-8 has U+FFFD for its stray bytes, as XML is text. XML 1.0
//! cannot carry control characters at all, so every other payload-derived string is
//! escaped with
//! [`sanitize::escape`] (messages with [`sanitize::escape_message`], which keeps
//! their own escapes single) and any character XML still forbids is written as
//! `\u{…}`.

use super::{finding_line, headline, CiOptions, FileResult, Totals, Unreadable};
use crate::render::sanitize;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use quick_xml::Writer;
use std::borrow::Cow;
use std::io::{self, Write};

const SUITE: &str = "wxmsg validate";
const CLASSNAME: &str = "wxmsg.validate";

/// Writes the JUnit document followed by a newline. Each failure's text is
/// written finding by finding, never built whole.
pub fn write(
    out: &mut dyn Write,
    files: &[FileResult],
    unreadable: &[Unreadable],
    o: &CiOptions,
) -> io::Result<()> {
    let t = Totals::of(files, o.strict);
    // A path that could not be read is a test that could not run: JUnit's
    // `error`, counted in `tests` and `errors` but not in `failures`.
    let tests = (files.len() + unreadable.len()).to_string();
    let failures = t.failed.to_string();
    let errors = unreadable.len().to_string();
    let mut w = Writer::new_with_indent(&mut *out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", SUITE));
    suites.push_attribute(("tests", tests.as_str()));
    suites.push_attribute(("failures", failures.as_str()));
    suites.push_attribute(("errors", errors.as_str()));
    w.write_event(Event::Start(suites.borrow()))?;
    let mut suite = BytesStart::new("testsuite");
    suite.push_attribute(("name", SUITE));
    suite.push_attribute(("tests", tests.as_str()));
    suite.push_attribute(("failures", failures.as_str()));
    suite.push_attribute(("errors", errors.as_str()));
    suite.push_attribute(("skipped", "0"));
    w.write_event(Event::Start(suite.borrow()))?;
    for f in files {
        testcase(&mut w, f, o)?;
    }
    for u in unreadable {
        error_case(&mut w, u)?;
    }
    w.write_event(Event::End(suite.to_end()))?;
    w.write_event(Event::End(suites.to_end()))?;
    out.write_all(b"\n")
}

/// A path that could not be read: a testcase holding an `<error>` with the
/// message told on stderr.
fn error_case<W: Write>(w: &mut Writer<W>, u: &Unreadable) -> io::Result<()> {
    let path = location(&u.path);
    let mut el = BytesStart::new("testcase");
    el.push_attribute(Attribute {
        key: QName("name"),
        value: Cow::Borrowed(&path),
    });
    el.push_attribute(("classname", CLASSNAME));
    if u.file.is_some() {
        el.push_attribute(Attribute {
            key: QName("file"),
            value: Cow::Borrowed(&path),
        });
    }
    w.write_event(Event::Start(el.borrow()))?;
    let message = xml_safe(sanitize::escape_message(&u.message));
    let mut error = BytesStart::new("error");
    error.push_attribute(("message", message.as_ref()));
    error.push_attribute(("type", "unreadable"));
    w.write_event(Event::Start(error.borrow()))?;
    w.write_event(Event::Text(BytesText::new(&message)))?;
    w.write_event(Event::End(error.to_end()))?;
    w.write_event(Event::End(el.to_end()))?;
    Ok(())
}

fn testcase<W: Write>(w: &mut Writer<W>, f: &FileResult, o: &CiOptions) -> io::Result<()> {
    let path = location(&f.path);
    let mut el = BytesStart::new("testcase");
    el.push_attribute(Attribute {
        key: QName("name"),
        value: Cow::Borrowed(&path),
    });
    el.push_attribute(("classname", CLASSNAME));
    el.push_attribute(Attribute {
        key: QName("file"),
        value: Cow::Borrowed(&path),
    });
    let passed = f.passed(o.strict);
    if passed && f.findings.is_empty() {
        w.write_event(Event::Empty(el))?;
        return Ok(());
    }
    w.write_event(Event::Start(el.borrow()))?;
    let inner = if passed {
        BytesStart::new("system-out")
    } else {
        // The first finding that makes the file fail names the failure.
        let (message, kind) = match &f.first_failure {
            Some(d) => (headline(d), d.code.as_str()),
            None => ("the file failed".to_string(), "failure"),
        };
        let message = xml_safe(sanitize::escape_message(&message));
        let mut failure = BytesStart::new("failure");
        failure.push_attribute(("message", message.as_ref()));
        failure.push_attribute(("type", kind));
        failure
    };
    w.write_event(Event::Start(inner.borrow()))?;
    // The text: every shown finding, one per line. An empty text still counts (it
    // keeps the closing tag on the same line).
    w.write_event(Event::Text(BytesText::new("")))?;
    for (i, d) in f.findings.iter().enumerate() {
        let d = d?;
        let mut line = if i > 0 {
            "\n".to_string()
        } else {
            String::new()
        };
        line.push_str(&finding_line(&f.path, &d));
        let line = xml_safe(Cow::Owned(line));
        w.write_event(Event::Text(BytesText::new(&line)))?;
    }
    w.write_event(Event::End(inner.to_end()))?;
    w.write_event(Event::End(el.to_end()))?;
    Ok(())
}

/// A file name as an attribute value, already escaped: the real name, which
/// tools resolve against the checkout ([`sanitize::escape_location`] keeps a
/// backslash or a tab), with XML's escapes and a tab or line break as a
/// character reference, since a parser turns a raw one into a space.
fn location(path: &str) -> String {
    let safe = xml_safe(sanitize::escape_location(path));
    let escaped = quick_xml::escape::escape(safe.as_ref());
    let mut out = String::with_capacity(escaped.len());
    for c in escaped.chars() {
        match c {
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Replaces characters outside XML 1.0's `Char` production (after escaping only
/// U+FFFE and U+FFFF can be left) with a visible `\u{…}`.
fn xml_safe(s: Cow<'_, str>) -> Cow<'_, str> {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    if s.chars().all(allowed) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if allowed(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{file, sample};
    use super::*;
    use crate::diag::{Code, Diagnostic};
    use quick_xml::escape::resolve_predefined_entity;
    use quick_xml::events::Event;
    use quick_xml::{Reader, XmlVersion};

    fn render(files: &[super::FileResult]) -> String {
        let mut out = Vec::new();
        write(&mut out, files, &[], &CiOptions::default()).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// An element: name, attributes, text.
    type Element = (String, Vec<(String, String)>, String);

    /// Every element, in document order.
    fn elements(xml: &str) -> Vec<Element> {
        let mut r = Reader::from_str(xml);
        let mut v: Vec<Element> = Vec::new();
        // Indexes in `v` of the open elements: text belongs to the innermost.
        let mut open: Vec<usize> = Vec::new();
        loop {
            let ev = r.read_event().unwrap();
            match ev {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let attrs = e
                        .attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            let value = a.normalized_value(XmlVersion::Implicit1_0).unwrap();
                            (a.key.as_ref().to_string(), value.into_owned())
                        })
                        .collect();
                    v.push((e.name().as_ref().to_string(), attrs, String::new()));
                    if matches!(ev, Event::Start(_)) {
                        open.push(v.len() - 1);
                    }
                }
                Event::End(_) => {
                    open.pop();
                }
                Event::Text(t) => {
                    if let Some(&i) = open.last() {
                        v[i].2.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(g) => {
                    let c = match g.resolve_char_ref().unwrap() {
                        Some(c) => c.to_string(),
                        None => resolve_predefined_entity(&g.xml10_content())
                            .unwrap()
                            .to_string(),
                    };
                    if let Some(&i) = open.last() {
                        v[i].2.push_str(&c);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        v
    }

    fn attr<'a>(attrs: &'a [(String, String)], k: &str) -> &'a str {
        attrs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
            .unwrap()
    }

    #[test]
    fn a_testcase_per_file_and_a_failure_per_failing_file() {
        let xml = render(&sample());
        let els = elements(&xml);
        let suites = &els[0];
        assert_eq!(suites.0, "testsuites");
        assert_eq!(attr(&suites.1, "tests"), "3");
        assert_eq!(attr(&suites.1, "failures"), "2");
        let cases: Vec<_> = els.iter().filter(|e| e.0 == "testcase").collect();
        assert_eq!(cases.len(), 3);
        assert_eq!(attr(&cases[0].1, "name"), "a/bad.json");
        let failures: Vec<_> = els.iter().filter(|e| e.0 == "failure").collect();
        assert_eq!(failures.len(), 2);
        assert_eq!(attr(&failures[0].1, "type"), "missing-field");
        assert_eq!(failures[0].2.lines().count(), 2);
        assert_eq!(attr(&failures[1].1, "type"), "no-payload");
    }

    #[test]
    fn control_characters_never_reach_the_xml() {
        let d = Diagnostic::new(Code::InvalidValue, "bad \u{1b}[2J \u{0} \u{fffe} <&>", 1, 1)
            .with_field("/a\"b");
        let xml = render(&[file("x\u{7}.json", "", vec![d])]);
        assert!(!xml
            .chars()
            .any(|c| c.is_control() && c != '\n' || c == '\u{fffe}'));
        let els = elements(&xml);
        let failure = els.iter().find(|e| e.0 == "failure").unwrap();
        assert!(failure.2.contains("\\x1b[2J \\x00 \\u{fffe} <&>"));
        assert!(attr(&failure.1, "message").contains("/a\"b"));
    }

    /// The testcase names the real file: a backslash or a tab as it is (a tab
    /// as a character reference, which a parser keeps), not `\\` or `\t`.
    #[test]
    fn a_testcase_names_the_real_file() {
        for name in [
            "bs/back\\slash.json",
            "bs/tab\tname.json",
            "a\r\nb.json",
            "<&\"'>.json",
        ] {
            let d = Diagnostic::new(Code::NoPayload, "no payload", 1, 1);
            let xml = render(&[file(name, "", vec![d])]);
            let els = elements(&xml);
            let case = els.iter().find(|e| e.0 == "testcase").unwrap();
            assert_eq!(attr(&case.1, "file"), name, "{xml}");
            assert_eq!(attr(&case.1, "name"), name, "{xml}");
        }
        let xml = render(&[file("x\u{1b}\u{202e}.json", "", Vec::new())]);
        let els = elements(&xml);
        let case = els.iter().find(|e| e.0 == "testcase").unwrap();
        assert_eq!(attr(&case.1, "file"), "x\\x1b\\u{202e}.json");
    }

    /// A path that could not be read is a testcase with an `<error>`,
    /// counted in `tests` and `errors`.
    #[test]
    fn unreadable_paths_are_errors() {
        let gone = Unreadable {
            path: "gone.json".into(),
            file: Some("gone.json".into()),
            message: "cannot read `gone.json`: No such file <&>".into(),
        };
        let mut out = Vec::new();
        write(&mut out, &sample(), &[gone], &CiOptions::default()).unwrap();
        let els = elements(&String::from_utf8(out).unwrap());
        for el in &els[..2] {
            assert_eq!(attr(&el.1, "tests"), "4");
            assert_eq!(attr(&el.1, "failures"), "2");
            assert_eq!(attr(&el.1, "errors"), "1");
        }
        let cases: Vec<_> = els.iter().filter(|e| e.0 == "testcase").collect();
        assert_eq!(cases.len(), 4);
        assert_eq!(attr(&cases[3].1, "file"), "gone.json");
        let errors: Vec<_> = els.iter().filter(|e| e.0 == "error").collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(attr(&errors[0].1, "type"), "unreadable");
        assert_eq!(
            attr(&errors[0].1, "message"),
            "cannot read `gone.json`: No such file <&>"
        );
        assert_eq!(errors[0].2, "cannot read `gone.json`: No such file <&>");
    }

    #[test]
    fn warnings_of_passing_files_go_to_system_out() {
        let d = Diagnostic::new(Code::UnknownField, "unknown field", 1, 2);
        let xml = render(&[file("w.json", "", vec![d])]);
        let els = elements(&xml);
        assert!(!els.iter().any(|e| e.0 == "failure"));
        let out = els.iter().find(|e| e.0 == "system-out").unwrap();
        assert_eq!(out.2, "w.json:1:2: warning[unknown-field] unknown field");
    }
}
