//! `wxmsg schema`: the fields of a type, or its JSON Schema.

use super::types::{align, TypeArgs};
use super::Status;
use anyhow::Result;
use clap::ValueEnum;
use std::io::{self, Write};
use wxmsg::catalog::{Req, TypeDef};
use wxmsg::schema;

const EXAMPLES: &str = "\
Examples:
  wxmsg schema miniprogram text
  wxmsg schema wecom-kf event.msg_send_fail
  wxmsg schema official-account event.SCAN --format json-schema > scan.schema.json

`wxmsg types` lists the platforms and type ids.";

/// Show the fields of a type (name, JSON type, XML form, required or not, meaning,
/// enumeration codes), or export a JSON Schema of its JSON form.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub which: TypeArgs,

    /// Output: the field table, or a JSON Schema (draft 2020-12) of the JSON form.
    #[arg(long, value_enum, default_value_t = SchemaFormat::Table)]
    pub format: SchemaFormat,
}

/// Output formats of `wxmsg schema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaFormat {
    Table,
    JsonSchema,
}

pub fn run(a: Args) -> Result<Status> {
    let td = a.which.find()?;
    let text = match a.format {
        SchemaFormat::Table => table(td),
        SchemaFormat::JsonSchema => {
            let mut s = serde_json::to_string_pretty(&schema::json_schema(td))?;
            s.push('\n');
            s
        }
    };
    io::stdout().lock().write_all(text.as_bytes())?;
    Ok(Status::Ok)
}

fn table(td: &TypeDef) -> String {
    let formats: Vec<&str> = td.formats.iter().map(|f| f.as_str()).collect();
    let mut out = format!(
        "{} · {}  {} · {}\nformats: {} · direction: {}\n\n",
        td.platform,
        td.id,
        td.zh,
        td.en,
        formats.join(", "),
        td.direction.as_str()
    );
    let mut rows: Vec<[String; 5]> = vec![[
        "FIELD".into(),
        "JSON TYPE".into(),
        "XML".into(),
        "PRESENCE".into(),
        "MEANING".into(),
    ]];
    for r in schema::rows(td) {
        let f = r.field;
        rows.push([
            format!("{}{}", "  ".repeat(r.depth), r.path),
            schema::json_type(f),
            schema::xml_form(f.xml).into(),
            schema::requirement(f.req).into(),
            format!("{} · {}", f.zh, f.en),
        ]);
        // Conditions and codes go on lines of their own under the meaning, so the
        // other columns stay narrow.
        let more = |text: String| -> [String; 5] {
            [
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                text,
            ]
        };
        if let Req::Cond(c) = f.req {
            rows.push(more(format!("  when: {c}")));
        }
        for (i, c) in f.codes.iter().enumerate() {
            let label = if i == 0 { "  codes:" } else { "        " };
            rows.push(more(format!("{label} {} = {} · {}", c.value, c.zh, c.en)));
        }
    }
    out.push_str(&align(&rows));
    if !td.note.is_empty() {
        out.push_str(&format!("\nnote: {}\n", td.note));
    }
    out
}
