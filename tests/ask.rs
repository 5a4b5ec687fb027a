//! The tool explains itself: `types`, `schema`, `sample`, `explain`, completions
//! and the man page.
//!
//! The heart of it is `every_sample_is_valid_round_trips_and_passes_its_schema`:
//! every catalogue type's sample must be recognised as that type, be valid,
//! survive JSON→XML→JSON unchanged, and pass the exported JSON Schema as checked
//! by an independent validator (the `jsonschema` crate). The fixtures must pass
//! the same schemas, which keeps the schemas honest about what WeChat really sends.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use wxmsg::catalog::{self, PlatformId, TypeDef};
use wxmsg::diag::Code;
use wxmsg::doc::Format;

fn wxmsg() -> Command {
    let mut c = Command::cargo_bin("wxmsg").unwrap();
    c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    c
}

/// Runs wxmsg, expects success, returns stdout.
fn ok(args: &[&str], stdin: Option<&str>) -> String {
    let mut c = wxmsg();
    c.args(args);
    if let Some(s) = stdin {
        c.write_stdin(s);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "wxmsg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

// ---------------------------------------------------------------------------
// types and schema snapshots

#[test]
fn types_table() {
    insta::assert_snapshot!(ok(&["types"], None));
}

#[test]
fn types_json_for_one_platform() {
    let out = ok(
        &["types", "--platform", "devmode", "--format", "json"],
        None,
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v.as_array().unwrap().len(),
        PlatformId::Devmode.platform().types.len()
    );
    insta::assert_snapshot!(out);
}

#[test]
fn types_json_lists_every_type() {
    let v: Value = serde_json::from_str(&ok(&["types", "--format", "json"], None)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), catalog::all_types().count());
    for t in v.as_array().unwrap() {
        let p = PlatformId::from_name(t["platform"].as_str().unwrap()).unwrap();
        assert!(
            catalog::find(p, t["type"].as_str().unwrap()).is_some(),
            "{t}"
        );
    }
}

#[test]
fn schema_table_mini_program_text() {
    insta::assert_snapshot!(ok(&["schema", "miniprogram", "text"], None));
}

#[test]
fn schema_table_nested_arrays_and_codes() {
    insta::assert_snapshot!(ok(
        &["schema", "official-account", "event.pic_sysphoto"],
        None
    ));
    insta::assert_snapshot!(ok(&["schema", "wecom-kf", "event.msg_send_fail"], None));
}

#[test]
fn schema_json_schema_of_subscribe_popup() {
    insta::assert_snapshot!(ok(
        &[
            "schema",
            "miniprogram",
            "event.subscribe_msg_popup_event",
            "--format",
            "json-schema"
        ],
        None
    ));
}

#[test]
fn schema_json_schema_of_kf_event() {
    insta::assert_snapshot!(ok(
        &[
            "schema",
            "wecom-kf",
            "event.msg_send_fail",
            "--format",
            "json-schema"
        ],
        None
    ));
}

#[test]
fn unknown_platform_or_type_is_a_usage_error_listing_the_valid_ones() {
    let out = wxmsg().args(["schema", "nope", "text"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("official-account") && err.contains("wecom-kf"),
        "{err}"
    );

    for cmd in ["schema", "sample"] {
        let out = wxmsg().args([cmd, "wecom-kf", "nope"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("unknown type `nope`") && err.contains("event.enter_session"),
            "{err}"
        );
    }
}

// ---------------------------------------------------------------------------
// explain

#[test]
fn every_code_has_an_explanation_that_mentions_it() {
    for &c in Code::ALL {
        let text = wxmsg::explain::explain(c);
        assert!(!text.trim().is_empty(), "{c}");
        assert!(
            text.contains(c.as_str()),
            "{c}: the text does not mention the code"
        );
    }
}

#[test]
fn explain_prints_one_code_and_refuses_unknown_ones() {
    let out = ok(&["explain", "missing-field"], None);
    assert!(out.starts_with("missing-field (error)\n\nA required field is absent."));
    assert!(out.contains("error[missing-field]"));
    // The label as it appears in a report works too.
    assert_eq!(ok(&["explain", "error[missing-field]"], None), out);

    let list = ok(&["explain"], None);
    for &c in Code::ALL {
        assert!(list.contains(c.as_str()), "{c} not listed");
    }

    let bad = wxmsg().args(["explain", "no-such-code"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown diagnostic code"));
}

#[test]
fn human_output_points_to_explain_once_when_findings_are_shown() {
    let with = ok(
        &["parse", "--color", "never"],
        Some(
            "{\"msgid\":\"a\",\"send_time\":1736908245000,\"origin\":3,\"msgtype\":\"image\",\"image\":{\"media_id\":\"m\"}}\n\
             {\"msgid\":\"b\",\"send_time\":1736908245000,\"origin\":3,\"msgtype\":\"image\",\"image\":{\"media_id\":\"m\"}}\n",
        ),
    );
    assert_eq!(with.matches("wxmsg explain").count(), 1, "{with}");
    assert!(with
        .trim_end()
        .lines()
        .last()
        .unwrap()
        .contains("wxmsg explain"));
    let without = ok(
        &["parse", "--color", "never", "fixtures/wecom-kf/text.json"],
        None,
    );
    assert!(!without.contains("wxmsg explain"), "{without}");
}

// ---------------------------------------------------------------------------
// completions, man page, --help

#[test]
fn completions_generate_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = ok(&["completions", shell], None);
        assert!(out.contains("wxmsg"), "{shell}");
        assert!(
            out.contains("official-account"),
            "{shell}: no platform values"
        );
    }
}

#[test]
fn man_page_generates() {
    let out = ok(&["man"], None);
    assert!(out.starts_with(".ie") || out.contains(".TH wxmsg"), "{out}");
    assert!(out.contains("convert"));
    let sub = ok(&["man", "parse"], None);
    assert!(sub.contains(".TH wxmsg-parse"), "{sub}");
    let bad = wxmsg().args(["man", "nope"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn every_new_command_shows_examples_in_help() {
    for cmd in ["types", "schema", "sample", "explain", "completions", "man"] {
        let out = ok(&[cmd, "--help"], None);
        assert!(out.contains("Examples:"), "{cmd}");
    }
}

// ---------------------------------------------------------------------------
// Samples: valid, round-tripping, passing their schema

fn validator(td: &TypeDef) -> jsonschema::Validator {
    let schema = wxmsg::schema::json_schema(td);
    jsonschema::meta::validate(&schema).unwrap_or_else(|e| {
        panic!(
            "{}:{} schema is not a valid schema: {e}",
            td.platform, td.id
        )
    });
    jsonschema::draft202012::new(&schema)
        .unwrap_or_else(|e| panic!("{}:{} schema does not compile: {e}", td.platform, td.id))
}

/// Checks `json` against the schema of `td`; the message names every violation.
fn check_schema(td: &TypeDef, json: &Value, what: &str) {
    let v = validator(td);
    let errors: Vec<String> = v
        .iter_errors(json)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} fails the {}:{} schema:\n{}\n{json}",
        td.platform,
        td.id,
        errors.join("\n")
    );
}

/// `wxmsg parse --format json --platform P` reports for one document.
fn parse_reports(platform: &str, text: &str) -> Vec<Value> {
    ok(
        &["parse", "--format", "json", "--platform", platform],
        Some(text),
    )
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect()
}

fn convert(platform: &str, to: &str, text: &str) -> String {
    ok(&["convert", "--platform", platform, "--to", to], Some(text))
}

/// The type id a payload object of `td`'s platform would be detected as.
fn item_type(item: &Value) -> String {
    match item["msgtype"].as_str() {
        Some("event") => format!("event.{}", item["event"]["event_type"].as_str().unwrap()),
        Some(t) => t.to_string(),
        None => panic!("no msgtype in {item}"),
    }
}

/// Asserts the reports are of `td`, valid and clean. A `sync_msg` response is
/// reported per `msg_list` entry (`convert` writes it out whole, so converted it
/// is reported the same way).
fn assert_valid_as(reports: &[Value], td: &TypeDef, what: &str) {
    assert!(!reports.is_empty(), "{what}: no report");
    let p = td.platform.as_str();
    if td.id == "sync_msg" {
        assert_eq!(reports.len(), 2, "{what}: {reports:?}");
        let types: Vec<&str> = reports
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["text", "event.enter_session"], "{what}");
        for r in reports {
            assert_eq!(r["envelope"], "sync_msg", "{what}");
        }
    } else {
        assert_eq!(reports.len(), 1, "{what}: {reports:?}");
        assert_eq!(reports[0]["type"], td.id, "{what}: {}", reports[0]);
    }
    for r in reports {
        assert_eq!(r["platform"], p, "{what}: {r}");
        assert_eq!(r["valid"], true, "{what}: {r}");
        // A sample is clean: no errors and no warnings (information is fine, e.g.
        // `encrypted`).
        for d in r["diagnostics"].as_array().unwrap() {
            assert_eq!(d["severity"], "info", "{what}: {d}");
        }
    }
}

#[test]
fn every_sample_is_valid_round_trips_and_passes_its_schema() {
    let mut checked = 0;
    for td in catalog::all_types() {
        let p = td.platform.as_str();
        // The JSON form always: it is what the schema describes, and JSON-only
        // types still convert. The XML form where the type arrives as XML.
        let mut forms = vec![Format::Json];
        if td.formats.contains(&Format::Xml) {
            forms.push(Format::Xml);
        }
        for form in forms {
            let what = format!("{p} {} ({form})", td.id);
            let text = ok(&["sample", p, td.id, "--to", form.as_str()], None);

            assert_valid_as(&parse_reports(p, &text), td, &what);

            // JSON form of the sample (converted when the sample is XML).
            let json_text = convert(p, "json", &text);
            // JSON→XML→JSON is the identity.
            let xml = convert(p, "xml", &json_text);
            assert_valid_as(&parse_reports(p, &xml), td, &format!("{what} as XML"));
            let back = convert(p, "json", &xml);
            assert_eq!(back, json_text, "{what}: JSON→XML→JSON changed the payload");
            if form == Format::Xml {
                // And the XML sample itself comes back from JSON as written.
                let compact_xml = ok(&["convert", "--platform", p, "--to", "xml"], Some(&text));
                assert_eq!(xml, compact_xml, "{what}: XML→JSON→XML changed the payload");
            }

            // The schema describes the whole document: for a sync_msg response that
            // is the sample itself, not the entries `convert` wrote out.
            let whole = if td.id == "sync_msg" {
                &text
            } else {
                &json_text
            };
            let json: Value = serde_json::from_str(whole).unwrap();
            check_schema(td, &json, &what);
            if td.id == "sync_msg" {
                for item in json["msg_list"].as_array().unwrap() {
                    let ty = item_type(item);
                    let itd = catalog::find(td.platform, &ty).unwrap();
                    check_schema(itd, item, &format!("{what} msg_list entry {ty}"));
                }
            }
            checked += 1;
        }
    }
    assert!(checked > catalog::all_types().count());
}

#[test]
fn samples_of_both_forms_agree_where_the_catalogue_does_not_tell_them_apart() {
    for td in catalog::all_types() {
        if td.formats.len() < 2 || td.id == "encrypted" || td.id.starts_with("event.subscribe_msg")
        {
            // The encrypted samples carry different public test vectors (V6 JSON,
            // V7 XML); subscribe events have a wrapper only in XML.
            continue;
        }
        let p = td.platform.as_str();
        let json = ok(&["sample", p, td.id, "--to", "json", "--compact"], None);
        let xml = ok(&["sample", p, td.id, "--to", "xml"], None);
        assert_eq!(convert(p, "json", &xml), json, "{p} {}", td.id);
    }
}

#[test]
fn samples_are_deterministic_and_named_types_look_real() {
    let a = ok(&["sample", "miniprogram", "text", "--to", "json"], None);
    assert_eq!(
        a,
        ok(&["sample", "miniprogram", "text", "--to", "json"], None)
    );
    let v: Value = serde_json::from_str(&a).unwrap();
    let gh = v["ToUserName"].as_str().unwrap();
    assert!(gh.starts_with("gh_") && gh.len() == 15, "{gh}");
    let openid = v["FromUserName"].as_str().unwrap();
    assert!(openid.starts_with('o') && openid.len() == 28, "{openid}");
    // MsgId above 2^53 and written exactly.
    assert!(a.contains("\"MsgId\": 24880237586741259"), "{a}");
    assert!(v["Content"]
        .as_str()
        .unwrap()
        .chars()
        .any(|c| c > '\u{4e00}'));

    // The default form is the first the type arrives in.
    assert!(ok(&["sample", "official-account", "event.SCAN"], None).starts_with("<xml>"));
    assert!(ok(&["sample", "wecom-kf", "text"], None).starts_with('{'));

    // The encrypted samples carry the public test vectors.
    let env = ok(
        &["sample", "miniprogram", "encrypted", "--to", "json"],
        None,
    );
    assert!(env.contains("gh_97417a04a28d") && env.contains("+qdx1OKCy+5JPCBFWw70tm0f"));
}

// ---------------------------------------------------------------------------
// Fixtures pass the exported schemas

#[test]
fn every_json_fixture_passes_its_schema() {
    let mut checked = 0;
    for p in catalog::platforms() {
        let dir = Path::new("fixtures").join(p.id);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|f| f.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            let stem = f.file_stem().unwrap().to_str().unwrap();
            let td = catalog::find(p.pid, stem)
                .unwrap_or_else(|| panic!("{}: no type {stem} in {}", f.display(), p.id));
            let json: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let what = f.display().to_string();
            check_schema(td, &json, &what);
            if td.id == "sync_msg" {
                // The entries of msg_list are items of their own types.
                for item in json["msg_list"].as_array().unwrap() {
                    let ty = item_type(item);
                    let itd = catalog::find(p.pid, &ty).unwrap();
                    check_schema(itd, item, &format!("{what} msg_list entry {ty}"));
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} JSON fixtures found");
}

#[test]
fn schemas_reject_what_wxmsg_rejects_and_allow_what_it_only_warns_about() {
    let td = catalog::find(PlatformId::Miniprogram, "text").unwrap();
    let v = validator(td);
    let good: Value = serde_json::from_str(&ok(
        &["sample", "miniprogram", "text", "--to", "json"],
        None,
    ))
    .unwrap();
    assert!(v.is_valid(&good));

    // Warnings in wxmsg stay valid: unknown fields, the string variant of MsgId.
    let mut warned = good.clone();
    warned["Extra"] = Value::from("x");
    warned["MsgId"] = Value::from("24880237586741259");
    assert!(v.is_valid(&warned), "{warned}");

    // Errors in wxmsg are schema errors: a missing field, a wrong type, another
    // discriminator, a negative id.
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("MsgId");
    let mut wrong_type = good.clone();
    wrong_type["Content"] = Value::from(12);
    let mut other_type = good.clone();
    other_type["MsgType"] = Value::from("image");
    let mut negative = good.clone();
    negative["MsgId"] = Value::from(-1);
    for bad in [missing, wrong_type, other_type, negative] {
        assert!(!v.is_valid(&bad), "{bad}");
    }

    // Unknown codes are warnings in wxmsg, so the schema lists codes without
    // enforcing them.
    let kf = catalog::find(PlatformId::WecomKf, "text").unwrap();
    let mut item: Value = serde_json::from_str(&ok(&["sample", "wecom-kf", "text"], None)).unwrap();
    item["origin"] = Value::from(7);
    assert!(validator(kf).is_valid(&item));
}

/// Samples show what the catalogue documents: WeCom's servicer status event
/// carries no `external_userid` (catalogue §5.6, seed 001), though one is
/// accepted when a push has it.
#[test]
fn samples_leave_out_the_fields_the_docs_say_an_event_does_not_carry() {
    let sample = ok(
        &["sample", "wecom-kf", "event.servicer_status_change"],
        None,
    );
    assert!(!sample.contains("external_userid"), "{sample}");
    assert!(sample.contains("servicer_userid"), "{sample}");
}
