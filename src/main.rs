//! The `wxmsg` binary: parses arguments, runs the library, renders, and maps the
//! outcome to an exit code (0 ok, 1 findings, 2 usage or I/O error).

mod cli;

use anyhow::Result;
use clap::Parser;
use cli::{Cli, Cmd, ColorChoice, ConvertArgs, InputArgs, OutputFormat, ParseArgs, Target};
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use wxmsg::pipeline::{Analyzer, Options};
use wxmsg::render::{json_out, pretty, report_json, xml_out};
use wxmsg::report::Summary;

/// How a run ended.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    Ok = 0,
    Findings = 1,
    Trouble = 2,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(s) => ExitCode::from(s as u8),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            error_line(&format!("{e:#}"));
            ExitCode::from(2)
        }
    }
}

/// A closed output pipe (`wxmsg parse big.log | head -1`) is a normal way to stop.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Writes `wxmsg: error: …` to stderr, red when stderr is a terminal.
fn error_line(msg: &str) {
    let msg = wxmsg::render::sanitize::escape(msg);
    let mut err = io::stderr().lock();
    let _ = if use_color(ColorChoice::Auto, io::stderr().is_terminal()) {
        writeln!(err, "wxmsg: \x1b[1;31merror\x1b[0m: {msg}")
    } else {
        writeln!(err, "wxmsg: error: {msg}")
    };
}

/// The colour decision for one stream: `--color` wins, then `NO_COLOR` (any
/// non-empty value) and `CLICOLOR_FORCE`, then whether the stream is a terminal.
fn use_color(choice: ColorChoice, is_tty: bool) -> bool {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if set("NO_COLOR") {
                false
            } else if set("CLICOLOR_FORCE") {
                true
            } else {
                is_tty && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        }
    }
}

fn run(cli: Cli) -> Result<Status> {
    match cli.cmd {
        Cmd::Parse(a) => parse(a),
        Cmd::Convert(a) => convert(a),
    }
}

fn options(input: &InputArgs) -> Options {
    let mut o = Options::default();
    o.scan.max_record = input.max_record_bytes;
    o.scan.limits.max_depth = input.max_depth;
    o.platforms = input.platform.clone();
    o
}

/// The inputs to read: the named files, or stdin.
fn inputs(input: &InputArgs) -> Vec<String> {
    if input.files.is_empty() {
        vec!["-".to_string()]
    } else {
        input.files.clone()
    }
}

/// Runs `each` over every report of every input; I/O problems are reported and
/// make the run end with status 2, but the other inputs are still read.
fn for_each_report(
    input: &InputArgs,
    mut each: impl FnMut(&wxmsg::report::Report, bool) -> Result<()>,
) -> Result<(Summary, Status)> {
    let opts = options(input);
    let mut summary = Summary::default();
    let mut status = Status::Ok;
    for path in inputs(input) {
        if path == "-" && io::stdin().is_terminal() {
            let _ = writeln!(
                io::stderr(),
                "wxmsg: reading payloads from the terminal; end with Ctrl-D, or pass a FILE"
            );
        }
        let (reader, name) = match wxmsg::input::open(&path) {
            Ok(x) => x,
            Err(e) => {
                error_line(&format!("cannot read `{path}`: {e}"));
                status = Status::Trouble;
                continue;
            }
        };
        let mut an = Analyzer::new(reader, name, opts.clone());
        loop {
            match an.next_report() {
                Ok(Some(r)) => {
                    summary.add(&r);
                    each(&r, an.input_drained())?;
                }
                Ok(None) => break,
                Err(e) => {
                    error_line(&format!("error reading `{path}`: {e}"));
                    status = Status::Trouble;
                    break;
                }
            }
        }
        summary.skipped += an.skipped();
    }
    if status == Status::Ok && summary.invalid > 0 {
        status = Status::Findings;
    }
    Ok((summary, status))
}

fn parse(a: ParseArgs) -> Result<Status> {
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
    let mut buf = Vec::with_capacity(4096);
    let (summary, status) = for_each_report(&a.input, |r, drained| {
        match a.format {
            OutputFormat::Pretty => pretty::write_report(&mut out, r, &popts)?,
            OutputFormat::Json => {
                buf.clear();
                report_json::write_report(&mut buf, r);
                out.write_all(&buf)?;
            }
        }
        // Flush whenever the input has nothing more buffered, so live streams
        // (`tail -f app.log | wxmsg parse`) show each payload at once.
        if drained {
            out.flush()?;
        }
        Ok(())
    })?;
    if a.format == OutputFormat::Pretty {
        pretty::write_summary(&mut out, &summary, &popts)?;
    }
    out.flush()?;
    Ok(status)
}

fn convert(a: ConvertArgs) -> Result<Status> {
    let mut out: Box<dyn Write> = match &a.output {
        Some(path) => Box::new(io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| anyhow::anyhow!("cannot write `{path}`: {e}"))?,
        )),
        None => Box::new(io::BufWriter::with_capacity(64 * 1024, io::stdout().lock())),
    };
    let mut buf = Vec::with_capacity(4096);
    let mut failed = false;
    let (_summary, status) = for_each_report(&a.input, |r, drained| {
        let Some(doc) = &r.doc else {
            failed = true;
            for d in &r.diagnostics {
                error_line(&format!(
                    "{}:{}:{}: {}[{}]: {}",
                    r.source, d.line, d.column, d.severity, d.code, d.message
                ));
            }
            return Ok(());
        };
        buf.clear();
        match a.to {
            Target::Json => json_out::write_json(&mut buf, &doc.root, a.pretty),
            Target::Xml => {
                if let Err(e) = xml_out::write_xml(&mut buf, &doc.root, r.type_def, a.pretty) {
                    failed = true;
                    error_line(&format!(
                        "{}:{}:{}: cannot write {} as XML: {}",
                        r.source, r.line, r.column, e.field, e.message
                    ));
                    return Ok(());
                }
            }
        }
        buf.push(b'\n');
        out.write_all(&buf)?;
        if drained {
            out.flush()?;
        }
        Ok(())
    })?;
    out.flush()?;
    // Conversion succeeds even for payloads with validation findings; only
    // unreadable or unconvertible documents make it fail.
    Ok(match status {
        Status::Trouble => Status::Trouble,
        _ if failed => Status::Findings,
        _ => Status::Ok,
    })
}
