//! `wxmsg types`: every platform and type the catalogue knows.

use super::Status;
use anyhow::Result;
use clap::ValueEnum;
use std::io::{self, Write};
use wxmsg::catalog::{self, PlatformId, TypeDef};
use wxmsg::render::sanitize::width;

const EXAMPLES: &str = "\
Examples:
  wxmsg types                              every platform and type
  wxmsg types --platform wecom-kf          one platform
  wxmsg types --format json | jq -r '.[] | select(.direction == \"system event\") | .type'";

/// List every platform and type the catalogue knows: id, 中文 and English name,
/// the formats it arrives in and who sends it.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Only this platform (repeatable).
    #[arg(long, value_enum, value_name = "ID")]
    pub platform: Vec<PlatformArg>,

    /// Output: an aligned table, or a JSON array of objects with the same data.
    #[arg(long, value_enum, default_value_t = TypesFormat::Table)]
    pub format: TypesFormat,
}

/// A platform id on the command line (its own enum so clap can list and complete
/// the values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    Miniprogram,
    OfficialAccount,
    WecomKf,
    Devmode,
}

impl PlatformArg {
    /// The catalogue's platform.
    pub fn id(self) -> PlatformId {
        match self {
            PlatformArg::Miniprogram => PlatformId::Miniprogram,
            PlatformArg::OfficialAccount => PlatformId::OfficialAccount,
            PlatformArg::WecomKf => PlatformId::WecomKf,
            PlatformArg::Devmode => PlatformId::Devmode,
        }
    }
}

/// Output formats of `wxmsg types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TypesFormat {
    Table,
    Json,
}

/// The `PLATFORM TYPE` pair that names one catalogue type (`schema`, `sample`).
#[derive(Debug, clap::Args)]
pub struct TypeArgs {
    /// Platform id.
    #[arg(value_enum, value_name = "PLATFORM")]
    pub platform: PlatformArg,

    /// Type id (`text`, `event.SCAN`, …), as listed by `wxmsg types`.
    #[arg(
        value_name = "TYPE",
        value_parser = crate::cli::Suggest(crate::cli::type_names),
        hide_possible_values = true
    )]
    pub type_id: String,
}

impl TypeArgs {
    /// The named type, or an error listing the platform's types.
    pub fn find(&self) -> Result<&'static TypeDef> {
        find_type(self.platform, &self.type_id)
    }
}

/// Looks up a type, or explains which types the platform has.
pub fn find_type(platform: PlatformArg, id: &str) -> Result<&'static TypeDef> {
    let p = platform.id();
    catalog::find(p, id).ok_or_else(|| {
        let known: Vec<&str> = p.platform().types.iter().map(|t| t.id).collect();
        anyhow::anyhow!(
            "unknown type `{id}` for platform {p}; its types are: {}",
            known.join(", ")
        )
    })
}

pub fn run(a: Args) -> Result<Status> {
    let only: Vec<PlatformId> = a.platform.iter().map(|p| p.id()).collect();
    let types: Vec<&'static TypeDef> = catalog::all_types()
        .filter(|t| only.is_empty() || only.contains(&t.platform))
        .collect();
    let text = match a.format {
        TypesFormat::Table => table(&types),
        TypesFormat::Json => json(&types)?,
    };
    io::stdout().lock().write_all(text.as_bytes())?;
    Ok(Status::Ok)
}

fn formats(t: &TypeDef) -> Vec<&'static str> {
    t.formats.iter().map(|f| f.as_str()).collect()
}

fn table(types: &[&'static TypeDef]) -> String {
    let mut rows: Vec<[String; 6]> = vec![[
        "PLATFORM".into(),
        "TYPE".into(),
        "中文".into(),
        "ENGLISH".into(),
        "FORMATS".into(),
        "DIRECTION".into(),
    ]];
    for t in types {
        rows.push([
            t.platform.as_str().into(),
            t.id.into(),
            t.zh.into(),
            t.en.into(),
            formats(t).join(", "),
            t.direction.as_str().into(),
        ]);
    }
    align(&rows)
}

/// Rows as columns padded to their display width (CJK counts two), two spaces
/// apart, with no trailing spaces.
pub fn align<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(cell));
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                line.push_str(&" ".repeat(widths[i] - width(cell) + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn json(types: &[&'static TypeDef]) -> Result<String> {
    let list: Vec<serde_json::Value> = types
        .iter()
        .map(|t| {
            serde_json::json!({
                "platform": t.platform.as_str(),
                "type": t.id,
                "zh": t.zh,
                "en": t.en,
                "formats": formats(t),
                "direction": t.direction.as_str(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&list)?;
    s.push('\n');
    Ok(s)
}
