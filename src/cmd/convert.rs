//! `wxmsg convert`: payloads between WeChat XML and typed JSON, losslessly.

use super::{error_line, for_each_rendered, note_line, warning_line, Rendered, Status, Stderr};
use crate::cli::{ConvertArgs, InputArgs, Target};
use anyhow::Result;
use std::io::{self, Write};
use std::path::Path;
use wxmsg::diag::{Code, Diagnostic, Severity};
use wxmsg::doc::Format;
use wxmsg::render::{json_out, xml_out};
use wxmsg::report::Report;

pub fn run(a: ConvertArgs) -> Result<Status> {
    if let Some(path) = &a.output {
        // Creating the output empties it: as an input too, it would be read
        // empty and its payloads lost.
        if let Some(input) = same_file_as_input(Path::new(path), &a.input) {
            anyhow::bail!(
                "`-o {path}` is also an input ({input}): writing it would empty it before it is read; write elsewhere, then move the file"
            );
        }
    }
    let mut out: Box<dyn Write> = match &a.output {
        Some(path) => Box::new(io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| anyhow::anyhow!("cannot write `{path}`: {e}"))?,
        )),
        None => Box::new(io::BufWriter::with_capacity(64 * 1024, io::stdout().lock())),
    };
    let (to, pretty) = (a.to, a.pretty);
    let only = a.input.platform.clone();
    let render = |r: &Report, rd: &mut Rendered| {
        // What the payload leaves out of the input is not dropped silently.
        // Nor is XML that other readers refuse.
        for d in r
            .diagnostics
            .iter()
            .filter(|d| d.code.drops_input() || d.code == Code::XmlNotWellFormed)
        {
            rd.errors.push(Stderr::Warning(located(r, d)));
        }
        // Nor is a key given twice (reliability J6), which validation calls
        // an error: both values are converted, and no reader agrees on which
        // one counts.
        for d in r
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::DuplicateKey)
        {
            rd.errors.push(Stderr::Warning(format!(
                "{}:{}:{}: {}[{}]: {}; both values are converted",
                r.source,
                d.line,
                d.column,
                Severity::Warning,
                d.code,
                d.message
            )));
        }
        // A plaintext payload whose query signature fails (`--token` with
        // `--query 'signature=…'`) is not what WeChat sent: not written, as
        // an envelope whose signature fails is not opened.
        if r.diagnostics
            .iter()
            .any(|d| d.code == Code::SignatureMismatch)
        {
            failure(r, rd, |d| d.code == Code::SignatureMismatch);
            return;
        }
        if r.undecrypted {
            // Safe mode failed (wrong key or signature, another receiver, …):
            // the envelope is not the payload, so nothing of it goes out.
            failure(r, rd, |d| d.severity == Severity::Error);
            return;
        }
        if let (None, Some(tape)) = (&r.doc, &r.payload_tape) {
            // The fast lane checked the payload on its tape.
            tape.write_json(&mut rd.out, pretty);
            rd.out.push(b'\n');
            return;
        }
        let Some(doc) = &r.doc else {
            failure(r, rd, |_| true);
            return;
        };
        let start = rd.out.len();
        match to {
            Target::Json => {
                // XML's two list forms (an element repeated, an `<item>` list)
                // have one JSON form, an array: where it would not come back
                // to XML in the form it came in, not silently.
                if doc.format == Format::Xml {
                    for rep in xml_out::repeated_elements(&doc.root, r.type_def) {
                        let (line, column) = doc.line_col(rep.pos);
                        rd.errors.push(Stderr::Warning(format!(
                            "{}:{line}:{column}: {rep}",
                            r.source
                        )));
                    }
                }
                json_out::write_json(&mut rd.out, &doc.root, pretty)
            }
            Target::Xml => {
                if let Err(e) = xml_out::write_xml(&mut rd.out, &doc.root, r.type_def, pretty) {
                    // Nothing of an unconvertible payload goes out.
                    rd.out.truncate(start);
                    rd.failed = true;
                    let (line, column) = doc.line_col(e.pos);
                    rd.errors.push(Stderr::Error(format!(
                        "{}:{line}:{column}: cannot write {} as XML: {}",
                        r.source, e.field, e.message
                    )));
                    return;
                }
                // Written all the same (WeChat's XML has no other form), but not
                // silently: the JSON this XML gives back differs there.
                let xml = rd.out.get(start..).unwrap_or_default();
                for loss in xml_out::reads_back(&doc.root, &only, xml) {
                    let (line, column) = doc.line_col(loss.pos);
                    rd.errors.push(Stderr::Warning(format!(
                        "{}:{line}:{column}: {loss}",
                        r.source
                    )));
                }
            }
        }
        rd.out.push(b'\n');
    };
    let mut opts = super::options(&a.input);
    // To JSON, valid payloads are written from the lane's tape.
    if to == Target::Json {
        opts.tape_lane();
    }
    // A `sync_msg` response goes out whole, its own fields with its entries.
    opts.whole_responses = true;
    let several = a.input.files.len() > 1;
    let mut failed = false;
    let super::Outcome {
        summary, status, ..
    } = for_each_rendered(
        &a.input,
        &opts,
        render,
        |rd, drained| {
            failed |= rd.failed;
            if !rd.errors.is_empty() {
                // The payloads before go out first: stderr lines keep their place.
                out.flush()?;
            }
            for e in &rd.errors {
                match e {
                    Stderr::Error(e) => error_line(e),
                    Stderr::Warning(w) => warning_line(w),
                }
            }
            out.write_all(&rd.out)?;
            if drained {
                out.flush()?;
            }
            Ok(())
        },
        |path, tally| {
            // One input of several that holds no payload is not passed over in
            // silence (the run's own summary below names no file).
            if several && tally.payloads == 0 {
                let name = if path == "-" { "<stdin>" } else { path };
                if tally.skipped == 0 {
                    note_line(&format!("{name}: no payloads: the input is empty"));
                } else {
                    warning_line(&format!(
                    "{name}: no WeChat payload found, nothing converted from it ({} {} passed over)",
                    tally.skipped,
                    if tally.skipped == 1 {
                        "line or document"
                    } else {
                        "lines or documents"
                    }
                ));
                }
            }
        },
    )?;
    out.flush()?;
    // Empty input (or only whitespace) has no payload to miss: a note, and
    // success, as for `parse` (reliability F9). Input with text but no payload
    // is not a success to pass over in silence (a log that holds no payload,
    // the wrong file).
    let nothing = summary.payloads == 0 && status != Status::Trouble;
    let blank = nothing && summary.skipped == 0;
    let empty = nothing && !blank;
    if blank {
        note_line("no payloads: the input is empty");
    }
    if empty {
        warning_line(&format!(
            "no WeChat payload found, nothing converted ({} {} passed over)",
            summary.skipped,
            if summary.skipped == 1 {
                "line or document"
            } else {
                "lines or documents"
            }
        ));
    }
    // Conversion succeeds even for payloads with validation findings; only
    // unreadable, undecryptable or unconvertible documents, or none at all,
    // make it fail.
    Ok(match status {
        Status::Trouble => Status::Trouble,
        _ if failed || empty => Status::Findings,
        _ => Status::Ok,
    })
}

/// A payload that cannot be converted: nothing goes out for it, its findings
/// (those `shown` picks) go to stderr, and the run fails.
fn failure(r: &Report, rd: &mut Rendered, shown: impl Fn(&Diagnostic) -> bool) {
    rd.failed = true;
    for d in r.diagnostics.iter().filter(|d| shown(d)) {
        rd.errors.push(Stderr::Error(located(r, d)));
    }
}

/// A finding of `r` as stderr shows it: `source:line:col: severity[code]: message`.
fn located(r: &Report, d: &Diagnostic) -> String {
    format!(
        "{}:{}:{}: {}[{}]: {}",
        r.source, d.line, d.column, d.severity, d.code, d.message
    )
}

/// The input (its name as given, `-` for stdin) that is the file at `output`,
/// if one is: the same file by device and inode, whatever path names it.
fn same_file_as_input(output: &Path, input: &InputArgs) -> Option<String> {
    let out = std::fs::metadata(output).ok()?;
    let name = super::inputs(input)
        .into_iter()
        .find(|name| wxmsg::input::metadata(name).is_some_and(|m| same_file(&m, &out)))?;
    Some(if name == "-" {
        "standard input".to_string()
    } else {
        name
    })
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}
