//! `wxmsg convert`: payloads between WeChat XML and typed JSON, losslessly.

use super::{error_line, for_each_report, Status};
use crate::cli::{ConvertArgs, Target};
use anyhow::Result;
use std::io::{self, Write};
use wxmsg::render::{json_out, xml_out};

pub fn run(a: ConvertArgs) -> Result<Status> {
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
