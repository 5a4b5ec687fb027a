//! `wxmsg sample`: a realistic, valid example payload of a type.

use super::types::TypeArgs;
use super::Status;
use crate::cli::Target;
use anyhow::Result;
use std::io::{self, Write};
use wxmsg::doc::Format;
use wxmsg::render::{json_out, xml_out};

const EXAMPLES: &str = "\
Examples:
  wxmsg sample miniprogram text
  wxmsg sample miniprogram event.subscribe_msg_popup_event --to json
  wxmsg sample wecom-kf event.enter_session > fixtures/enter_session.json
  wxmsg sample official-account event.SCAN | wxmsg parse --platform official-account

Samples are deterministic: the same command prints the same payload.

The miniprogram and official-account samples of `text`, `image`, `encrypted`,
`event.subscribe_msg_popup_event`, `event.subscribe_msg_change_event` and
`event.subscribe_msg_sent_event` are the same payload on both platforms, so
`validate --strict` warns `ambiguous-platform` on them unless told the platform:
  wxmsg validate --strict --platform miniprogram fixtures/text.json";

/// Print a realistic, valid example payload of a type: plausible ids and
/// timestamps, Chinese text where users write it, every required field.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub which: TypeArgs,

    /// Output format (default: the first format the type arrives in).
    #[arg(long, value_enum)]
    pub to: Option<Target>,

    /// One line instead of indented output.
    #[arg(long)]
    pub compact: bool,
}

pub fn run(a: Args) -> Result<Status> {
    let td = a.which.find()?;
    let format = match a.to {
        Some(Target::Json) => Format::Json,
        Some(Target::Xml) => Format::Xml,
        None => td.formats.first().copied().unwrap_or(Format::Json),
    };
    if !td.formats.contains(&format) {
        // Still useful (a converter's view), but say it is not what WeChat sends.
        let _ = writeln!(
            io::stderr(),
            "wxmsg: note: {} {} arrives as {} only; this is its {} form as `wxmsg convert` writes it",
            td.platform,
            td.id,
            td.formats
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            format
        );
    }
    let root = wxmsg::sample::sample(td, format);
    let mut buf = Vec::new();
    match format {
        Format::Json => json_out::write_json(&mut buf, &root, !a.compact),
        Format::Xml => xml_out::write_xml(&mut buf, &root, Some(td), !a.compact)
            .map_err(|e| anyhow::anyhow!("cannot write the sample as XML: {e}"))?,
    }
    buf.push(b'\n');
    io::stdout().lock().write_all(&buf)?;
    Ok(Status::Ok)
}
