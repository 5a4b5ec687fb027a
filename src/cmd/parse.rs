//! `wxmsg parse`: find payloads, show what each is and whether it is valid.

use super::{for_each_rendered, use_color, Status};
use crate::cli::{OutputFormat, ParseArgs};
use anyhow::Result;
use std::io::{self, IsTerminal, Write};
use wxmsg::render::{pretty, report_json};

pub fn run(a: ParseArgs) -> Result<Status> {
    let color = use_color(a.color, io::stdout().is_terminal());
    colored::control::set_override(color);
    let popts = pretty::PrettyOptions {
        color,
        full: a.full,
        max_value_width: 120,
        utc_offset_secs: a.utc_offset,
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let format = a.format;
    let render = |r: &_, rd: &mut super::Rendered| match format {
        // Writing into a Vec cannot fail.
        OutputFormat::Pretty => {
            let _ = pretty::write_report(&mut rd.out, r, &popts);
        }
        OutputFormat::Json => report_json::write_report(&mut rd.out, r),
    };
    // Valid payloads take the fast lane: JSON lines and the annotated tables
    // read them off the tape.
    let mut opts = super::options(&a.input);
    opts.tape_lane();
    let super::Outcome {
        summary,
        status,
        read_any,
    } = for_each_rendered(
        &a.input,
        &opts,
        render,
        |rd, drained| {
            out.write_all(&rd.out)?;
            // Flush whenever the input has nothing more buffered, so live streams
            // (`tail -f app.log | wxmsg parse`) show each payload at once.
            if drained {
                out.flush()?;
            }
            Ok(())
        },
        |_, _| {},
    )?;
    // No input could be opened: the errors on stderr say so, and a `0
    // payloads` summary on stdout would count what was never read.
    if a.format == OutputFormat::Pretty && read_any {
        pretty::write_summary(&mut out, &summary, &popts)?;
    }
    out.flush()?;
    Ok(status)
}
