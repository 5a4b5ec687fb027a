//! Command-line definitions (clap derive). Doc comments here are the `--help` text.

use clap::{Args, Parser, Subcommand, ValueEnum};
use wxmsg::catalog::PlatformId;

const EXAMPLES: &str = "\
Examples:
  wxmsg parse fixtures/miniprogram/text.json      what is this, is it valid, show it
  cat app.log | wxmsg parse                       every payload hidden in a log
  tail -f app.log | wxmsg parse                   live: each payload as it arrives
  wxmsg parse --format json app.log | jq .type    machine-readable reports
  wxmsg convert --to xml push.json                WeChat-style XML
  wxmsg convert --to json push.xml                typed JSON

Exit status: 0 every payload valid, 1 a payload invalid or unreadable, 2 usage or I/O error.";

/// Inspect WeChat customer-service message payloads: recognise the platform and
/// type, validate every field, pretty-print, and convert between XML and JSON.
#[derive(Debug, Parser)]
#[command(name = "wxmsg", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Find payloads in files, stdin or logs; show what each is and whether it is valid.
    #[command(after_help = PARSE_EXAMPLES)]
    Parse(ParseArgs),
    /// Convert payloads between WeChat XML and typed JSON, losslessly.
    #[command(after_help = CONVERT_EXAMPLES)]
    Convert(ConvertArgs),
}

const PARSE_EXAMPLES: &str = "\
Examples:
  wxmsg parse fixtures/miniprogram/text.json
  tail -f app.log | wxmsg parse
  wxmsg parse --format json app.log | jq 'select(.valid | not)'
  wxmsg parse --platform miniprogram push.json";

const CONVERT_EXAMPLES: &str = "\
Examples:
  wxmsg convert --to xml push.json
  wxmsg convert --to json push.xml -o push.json
  wxmsg convert --to json --pretty fixtures/official-account/event.VIEW.xml";

/// Where payloads come from and how they are read.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files to read (`-` or none: standard input). Each may hold one payload,
    /// many (NDJSON, concatenated, a JSON array, a sync_msg response) or a log.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,

    /// Only consider this platform (repeatable): miniprogram, official-account,
    /// wecom-kf, devmode.
    #[arg(long, value_name = "ID", value_parser = parse_platform)]
    pub platform: Vec<PlatformId>,

    /// Largest document or line accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    pub max_record_bytes: usize,

    /// Deepest nesting of objects, arrays or XML elements accepted.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_depth: usize,
}

fn parse_platform(s: &str) -> Result<PlatformId, String> {
    PlatformId::from_name(s).ok_or_else(|| {
        format!(
            "unknown platform `{s}`; expected miniprogram, official-account, wecom-kf or devmode"
        )
    })
}

fn parse_offset(s: &str) -> Result<i32, String> {
    wxmsg::render::time::parse_offset(s)
        .ok_or_else(|| format!("`{s}` is not a UTC offset like +08:00, -05:30 or Z"))
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output: `pretty` for people, `json` for one report object per line.
    #[arg(long, value_enum, default_value_t = OutputFormat::Pretty)]
    pub format: OutputFormat,

    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Show long values in full instead of truncating them.
    #[arg(long)]
    pub full: bool,

    /// UTC offset for showing timestamps (WeChat's servers use +08:00).
    #[arg(long, value_name = "OFFSET", default_value = "+08:00", value_parser = parse_offset, allow_hyphen_values = true)]
    pub utc_offset: i32,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(long, value_enum)]
    pub to: Target,

    /// Write here instead of standard output.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<String>,

    /// Indent the output (one field per line) instead of one document per line.
    #[arg(long)]
    pub pretty: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    Json,
    Xml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
