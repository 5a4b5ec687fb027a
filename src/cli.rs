//! Command-line definitions (clap derive). Doc comments here are the `--help` text.

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsStr;
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
    /// Check payload fixtures for CI and pre-commit: every file must hold valid payloads.
    Validate(crate::cmd::validate::Args),
    /// Convert payloads between WeChat XML and typed JSON, losslessly.
    #[command(after_help = CONVERT_EXAMPLES)]
    Convert(ConvertArgs),
    /// Decrypt safe-mode (安全模式) payloads and print the plaintext exactly as sent.
    Decrypt(crate::cmd::decrypt::Args),
    /// Encrypt a payload into a safe-mode envelope (for test fixtures).
    Encrypt(crate::cmd::encrypt::Args),
    /// List every platform and type the catalogue knows.
    Types(crate::cmd::types::Args),
    /// Show the fields of a type, or export its JSON Schema.
    Schema(crate::cmd::schema::Args),
    /// Print a realistic, valid example payload of a type.
    Sample(crate::cmd::sample::Args),
    /// Explain a diagnostic code in depth.
    Explain(crate::cmd::explain::Args),
    /// Print a shell completion script.
    Completions(crate::cmd::completions::Args),
    /// Print the man page (roff).
    Man(crate::cmd::man::Args),
}

impl Cmd {
    /// The EncodingAESKey given to a command that takes one (flag or
    /// environment), to check before the command reads anything.
    pub fn aes_key(&self) -> Option<&str> {
        match self {
            Cmd::Parse(a) => a.input.key.aes_key.as_deref(),
            Cmd::Convert(a) => a.input.key.aes_key.as_deref(),
            Cmd::Validate(a) => a.key.aes_key.as_deref(),
            Cmd::Decrypt(a) => a.key.aes_key.as_deref(),
            Cmd::Encrypt(a) => Some(&a.aes_key),
            _ => None,
        }
    }
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
    #[arg(long, value_name = "ID", value_parser = PlatformParser, hide_possible_values = true)]
    pub platform: Vec<PlatformId>,

    /// Largest document or line accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20, value_parser = at_least_one)]
    pub max_record_bytes: usize,

    /// Deepest nesting of objects, arrays or XML elements accepted.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = at_least_one)]
    pub max_depth: usize,

    /// Most object members, array items or XML elements accepted in one document.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = at_least_one)]
    pub max_fields: usize,

    #[command(flatten)]
    pub key: KeyArgs,
}

const SAFE_MODE: &str = "Safe mode";

/// A limit of at least 1: a payload is an object, one level deep with one
/// field at least, so a limit of 0 would pass every payload over unseen.
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (a payload is an object with fields)".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// The environment variable that holds the EncodingAESKey (an empty value
/// counts as unset: see `main`).
pub const KEY_ENV: &str = "WXMSG_AES_KEY";

/// Safe mode (安全模式): what it takes to verify and decrypt encrypted payloads.
///
/// Every option carries its own `help_heading`: a `next_help_heading` on the
/// struct would also move the options flattened after it.
#[derive(Debug, Clone, Default, Args)]
pub struct KeyArgs {
    /// EncodingAESKey of the receiving app (43 characters) to decrypt `Encrypt`.
    /// Prefer the WXMSG_AES_KEY environment variable: flags show up in `ps` and
    /// in shell history.
    #[arg(
        long,
        value_name = "KEY",
        env = KEY_ENV,
        hide_env_values = true,
        help_heading = SAFE_MODE
    )]
    pub aes_key: Option<String>,

    /// Expected receiver id in the decrypted trailer: the appid (official account,
    /// mini program), component appid (third-party platform), CorpID (WeCom) or
    /// SuiteId. Without it the trailer is shown, not checked.
    #[arg(long, value_name = "ID", help_heading = SAFE_MODE)]
    pub receiver_id: Option<String>,

    /// Token from the WeChat console: verify msg_signature before decrypting.
    #[arg(long, value_name = "T", help_heading = SAFE_MODE)]
    pub token: Option<String>,

    /// `timestamp` of the callback URL (for the signature).
    #[arg(long, value_name = "TS", help_heading = SAFE_MODE)]
    pub timestamp: Option<String>,

    /// `nonce` of the callback URL (for the signature).
    #[arg(long, value_name = "N", help_heading = SAFE_MODE)]
    pub nonce: Option<String>,

    /// `msg_signature` of the callback URL.
    #[arg(long, value_name = "HEX", help_heading = SAFE_MODE)]
    pub msg_signature: Option<String>,

    /// The callback URL or its query, pasted as is:
    /// 'msg_signature=…&timestamp=…&nonce=…[&echostr=…]'. Percent escapes are
    /// decoded; `+` stays `+`. Explicit flags win over it.
    #[arg(long, value_name = "QUERY", help_heading = SAFE_MODE)]
    pub query: Option<String>,
}

impl KeyArgs {
    /// The decryption settings, when a key was given.
    pub fn decrypt_config(&self) -> Option<wxmsg::crypto::DecryptConfig> {
        self.aes_key.as_deref().map(|key| self.config_with(key))
    }

    /// The plain-mode signature check, when a token was given: payloads that
    /// are not encrypted are checked against the query's 3-part `signature`.
    pub fn plain_check(&self) -> Option<wxmsg::crypto::PlainCheck> {
        let token = self.token.as_deref()?;
        let q = self
            .query
            .as_deref()
            .map(wxmsg::crypto::Query::parse_pasted)
            .unwrap_or_default();
        let mut check = wxmsg::crypto::PlainCheck::new(token, &q);
        // Explicit flags win over the query, as for encrypted payloads.
        if self.timestamp.is_some() {
            check.timestamp.clone_from(&self.timestamp);
        }
        if self.nonce.is_some() {
            check.nonce.clone_from(&self.nonce);
        }
        Some(check)
    }

    /// The configuration of the flags with `key` (which is only decoded when
    /// something is decrypted).
    pub fn config_with(&self, key: &str) -> wxmsg::crypto::DecryptConfig {
        let mut cfg = wxmsg::crypto::DecryptConfig::new(key);
        cfg.receiver_id.clone_from(&self.receiver_id);
        cfg.token.clone_from(&self.token);
        cfg.request.timestamp.clone_from(&self.timestamp);
        cfg.request.nonce.clone_from(&self.nonce);
        cfg.request.msg_signature.clone_from(&self.msg_signature);
        if let Some(q) = &self.query {
            cfg.apply_query(&wxmsg::crypto::Query::parse_pasted(q));
        }
        cfg
    }
}

fn parse_platform(s: &str) -> Result<PlatformId, String> {
    PlatformId::from_name(s).ok_or_else(|| {
        let ids: Vec<&str> = PlatformId::ALL.iter().map(|p| p.as_str()).collect();
        let (last, rest) = ids.split_last().map_or(("", &[][..]), |(l, r)| (*l, r));
        format!(
            "unknown platform `{s}`; expected {} or {last}",
            rest.join(", ")
        )
    })
}

/// The value parser of every `--platform ID`: a catalogue platform id, with
/// the ids offered to shell completion (hidden in `--help`, whose text names
/// them already).
#[derive(Clone, Copy, Debug)]
pub struct PlatformParser;

impl TypedValueParser for PlatformParser {
    type Value = PlatformId;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<PlatformId, clap::Error> {
        parse_platform.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            PlatformId::ALL
                .iter()
                .map(|p| PossibleValue::new(p.as_str())),
        ))
    }
}

/// A free-text value whose likely values are offered to shell completion:
/// any text is taken (the command says what is wrong with it, as before), and
/// `names` lists what completes.
#[derive(Clone, Copy, Debug)]
pub struct Suggest(pub fn() -> Vec<&'static str>);

impl TypedValueParser for Suggest {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new((self.0)().into_iter().map(PossibleValue::new)))
    }
}

/// Every diagnostic code, for completing `explain CODE`.
pub fn code_names() -> Vec<&'static str> {
    wxmsg::diag::Code::ALL.iter().map(|c| c.as_str()).collect()
}

/// Every type id of the catalogue (of any platform, each once), for
/// completing `schema`/`sample` TYPE.
pub fn type_names() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = PlatformId::ALL
        .iter()
        .flat_map(|p| p.platform().types.iter().map(|t| t.id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
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
