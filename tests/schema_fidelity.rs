//! The exported JSON Schemas say what `wxmsg validate` says: a payload passes
//! the schema of its type exactly when wxmsg finds no error in it.
//!
//! Each payload here goes through both: the schema of `wxmsg schema P T
//! --format json-schema`, checked by an independent validator (the `jsonschema`
//! crate), and `wxmsg parse --format json --platform P`, one document a line.
//! The one known split is JSON Schema's own: it counts `3.0` as an integer,
//! which wxmsg does not (the schemas' description says so).

use assert_cmd::Command;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn wxmsg() -> Command {
    let mut c = Command::cargo_bin("wxmsg").unwrap();
    c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    c
}

/// Runs wxmsg and returns (success, stdout).
fn run(args: &[&str], stdin: Option<&str>) -> (bool, String) {
    let mut c = wxmsg();
    c.args(args);
    if let Some(s) = stdin {
        c.write_stdin(s);
    }
    let out = c.output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap())
}

/// Runs wxmsg, expects success, returns stdout.
fn ok(args: &[&str], stdin: Option<&str>) -> String {
    let (success, out) = run(args, stdin);
    assert!(success, "wxmsg {args:?} failed:\n{out}");
    out
}

/// The exported JSON Schema of a type.
fn schema(platform: &str, id: &str) -> Value {
    let text = ok(&["schema", platform, id, "--format", "json-schema"], None);
    serde_json::from_str(&text).unwrap()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::meta::validate(schema).unwrap_or_else(|e| panic!("not a valid schema: {e}"));
    jsonschema::draft202012::new(schema).unwrap_or_else(|e| panic!("does not compile: {e}"))
}

/// The JSON sample of a type.
fn sample(platform: &str, id: &str) -> Value {
    serde_json::from_str(&ok(&["sample", platform, id, "--to", "json"], None)).unwrap()
}

/// wxmsg's verdict on each document (one a line): valid when every report of
/// its line is (a `sync_msg` response is reported per entry).
fn verdicts(platform: &str, docs: &[String]) -> Vec<bool> {
    let mut input = String::new();
    for d in docs {
        assert!(!d.contains('\n'));
        input.push_str(d);
        input.push('\n');
    }
    let (_, out) = run(
        &["parse", "--format", "json", "--platform", platform, "-"],
        Some(&input),
    );
    let mut by_line: BTreeMap<u64, bool> = BTreeMap::new();
    for line in out.lines().filter(|l| !l.trim().is_empty()) {
        let r: Value = serde_json::from_str(line).unwrap();
        let n = r["line"].as_u64().unwrap();
        let valid = r["valid"].as_bool().unwrap();
        *by_line.entry(n).or_insert(true) &= valid;
    }
    (1..=docs.len() as u64)
        .map(|n| {
            *by_line
                .get(&n)
                .unwrap_or_else(|| panic!("no report for line {n}: {}", docs[n as usize - 1]))
        })
        .collect()
}

/// Asserts that the schema of `platform`/`id` and wxmsg agree on every case
/// (a label and the document's JSON text), and returns wxmsg's verdicts.
fn assert_agree(platform: &str, id: &str, cases: &[(String, String)]) -> Vec<bool> {
    let v = validator(&schema(platform, id));
    let docs: Vec<String> = cases.iter().map(|(_, d)| d.clone()).collect();
    let wx = verdicts(platform, &docs);
    let mut split = Vec::new();
    for ((label, doc), valid) in cases.iter().zip(&wx) {
        let instance: Value = serde_json::from_str(doc).unwrap();
        let by_schema = v.is_valid(&instance);
        if by_schema != *valid {
            split.push(format!(
                "{label}: schema says {by_schema}, wxmsg says {valid}: {doc}"
            ));
        }
    }
    assert!(
        split.is_empty(),
        "{platform}:{id} schema and validate disagree:\n{}",
        split.join("\n")
    );
    wx
}

/// `doc` with the value at JSON pointer `ptr` (its parent must exist) set to
/// `value`, or removed when `value` is `None`.
fn with(doc: &Value, ptr: &str, value: Option<Value>) -> Value {
    let mut d = doc.clone();
    let (parent, key) = ptr.rsplit_once('/').unwrap();
    let p = d.pointer_mut(parent).unwrap();
    match (p, value) {
        (Value::Object(m), Some(v)) => {
            m.insert(key.to_string(), v);
        }
        (Value::Object(m), None) => {
            m.remove(key);
        }
        (Value::Array(a), Some(v)) => a[key.parse::<usize>().unwrap()] = v,
        (Value::Array(a), None) => {
            a.remove(key.parse::<usize>().unwrap());
        }
        (other, _) => panic!("{ptr}: parent is {other}"),
    }
    d
}

/// `doc` as text with the value at `ptr` replaced by the raw JSON `lexeme`
/// (numbers beyond what `serde_json` keeps exactly).
fn with_lexeme(doc: &Value, ptr: &str, lexeme: &str) -> String {
    const MARK: &str = "@@lexeme@@";
    let text = with(doc, ptr, Some(json!(MARK))).to_string();
    text.replace(&format!("\"{MARK}\""), lexeme)
}

/// Strings to try where a number may be written as a string.
const LEXEMES: &[&str] = &[
    "",
    "0",
    "-0",
    "00",
    "007",
    "-1",
    "+1",
    " 1",
    "1 ",
    "1.5",
    "1.",
    ".5",
    "+.5",
    "1e5",
    "1E+5",
    "-1.5e-3",
    "1e",
    "e5",
    "-",
    "--1",
    "abc",
    "0x10",
    "inf",
    "NaN",
    "1_2",
    "ab12_1555684067",
    "_1",
    "١٢",
    "99999999999",
    "100000000000",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "00018446744073709551615",
    "12345678901234567890123",
];

/// Item 2 of the schema sweep: the string variant of a numeric field takes
/// what wxmsg takes (digits in range for integers, numeric text for numbers,
/// any text or an opaque id only where the catalogue says so), not any string.
#[test]
fn numeric_strings_pass_the_schema_exactly_when_validate_takes_them() {
    let fields = [
        // Timestamp with a string variant.
        ("official-account", "text", "/CreateTime"),
        // 64-bit id, digits only.
        ("official-account", "text", "/MsgId"),
        // 64-bit id that also takes the cloud-function `<hex>_<seconds>` id.
        ("miniprogram", "text", "/MsgId"),
        // Integer that takes any text (`"MENUID"`), but no fraction.
        ("official-account", "event.VIEW", "/MenuId"),
        // Plain integer with a string variant.
        ("official-account", "event.MASSSENDJOBFINISH", "/TotalCount"),
        // Numbers with a string variant.
        ("official-account", "location", "/Location_X"),
        ("wecom-kf", "location", "/location/latitude"),
    ];
    for (platform, id, ptr) in fields {
        let good = sample(platform, id);
        let cases: Vec<(String, String)> = LEXEMES
            .iter()
            .map(|s| {
                let doc = with(&good, ptr, Some(json!(s)));
                (format!("{ptr} = {s:?}"), doc.to_string())
            })
            .collect();
        let wx = assert_agree(platform, id, &cases);
        // Both verdicts occur, so the agreement says something.
        assert!(
            wx.contains(&true) && wx.contains(&false),
            "{platform}:{id} {ptr}"
        );
    }
}

/// Every subschema that takes integers, walked down from `v`.
fn integer_schemas<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(m) => {
            let integral = match m.get("type") {
                Some(Value::String(t)) => t == "integer",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
                _ => false,
            };
            if integral {
                out.push(v);
            }
            for (k, child) in m {
                // Enumerated examples and constants are values, not schemas.
                if k != "examples" && k != "const" && k != "enum" {
                    integer_schemas(child, out);
                }
            }
        }
        Value::Array(items) => {
            for i in items {
                integer_schemas(i, out);
            }
        }
        _ => {}
    }
}

/// Item 5: every integer field is bounded as wxmsg bounds it (a code or count
/// fits i64 or u64, an id u64, a timestamp non-negative i64).
#[test]
fn integer_fields_are_bounded_as_validate_bounds_them() {
    let types: Value = serde_json::from_str(&ok(&["types", "--format", "json"], None)).unwrap();
    let mut unbounded = Vec::new();
    for t in types.as_array().unwrap() {
        let (p, id) = (t["platform"].as_str().unwrap(), t["type"].as_str().unwrap());
        let s = schema(p, id);
        let mut found = Vec::new();
        integer_schemas(&s, &mut found);
        for f in found {
            if f.get("minimum").is_none() || f.get("maximum").is_none() {
                unbounded.push(format!("{p}:{id} {f}"));
            }
        }
    }
    assert!(unbounded.is_empty(), "{}", unbounded.join("\n"));

    let good = sample("wecom-kf", "text");
    let cases: Vec<(String, String)> = [
        "0",
        "18446744073709551615",
        "-9223372036854775808",
        "100000000000000000000",
        "-100000000000000000000",
    ]
    .iter()
    .map(|n| (format!("origin = {n}"), with_lexeme(&good, "/origin", n)))
    .collect();
    assert_eq!(
        assert_agree("wecom-kf", "text", &cases),
        [true, true, true, false, false]
    );
}

/// Item 3: a subscribe-message event carries its content in one of two forms
/// (`List` in JSON, the `SubscribeMsg…Event` wrapper in XML); without either
/// the schema fails it, as wxmsg does.
#[test]
fn subscribe_message_events_need_one_of_their_content_forms() {
    let mut checked = 0;
    for platform in ["miniprogram", "official-account"] {
        for event in ["popup", "change", "sent"] {
            let id = format!("event.subscribe_msg_{event}_event");
            let good = sample(platform, &id);
            let xml = ok(&["sample", platform, &id, "--to", "xml"], None);
            let wrapped: Value =
                serde_json::from_str(&ok(&["convert", "--to", "json"], Some(&xml))).unwrap();
            assert!(wrapped.get("List").is_none(), "{wrapped}");
            let cases = [
                ("JSON form".to_string(), good.to_string()),
                ("XML form".to_string(), wrapped.to_string()),
                (
                    "neither".to_string(),
                    with(&good, "/List", None).to_string(),
                ),
            ];
            assert_eq!(
                assert_agree(platform, &id, &cases),
                [true, true, false],
                "{platform}:{id}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
}

/// Item 4: a `sync_msg` response's entries are checked as their own types,
/// a success carries what a caller reads next, and a failed call is an error.
#[test]
fn sync_msg_entries_and_success_fields_are_checked() {
    let good = sample("wecom-kf", "sync_msg");
    let entry = |i: usize, ptr: &str, v: Option<Value>| {
        with(&good, &format!("/msg_list/{i}{ptr}"), v).to_string()
    };
    let mut cases: Vec<(String, String)> = vec![
        ("sample".into(), good.to_string()),
        (
            "no msg_list".into(),
            with(&good, "/msg_list", None).to_string(),
        ),
        (
            "no next_cursor".into(),
            with(&good, "/next_cursor", None).to_string(),
        ),
        (
            "no has_more".into(),
            with(&good, "/has_more", None).to_string(),
        ),
        (
            "errcode 40001".into(),
            with(&good, "/errcode", Some(json!(40001))).to_string(),
        ),
        (
            "empty msg_list".into(),
            with(&good, "/msg_list", Some(json!([]))).to_string(),
        ),
        ("text without text".into(), entry(0, "/text", None)),
        ("text without msgid".into(), entry(0, "/msgid", None)),
        (
            "text with origin 'x'".into(),
            entry(0, "/origin", Some(json!("x"))),
        ),
        (
            "text content 5".into(),
            entry(0, "/text/content", Some(json!(5))),
        ),
        ("entry not an object".into(), entry(0, "", Some(json!(5)))),
        ("empty entry".into(), entry(0, "", Some(json!({})))),
        ("no msgtype".into(), entry(0, "/msgtype", None)),
        ("msgtype 5".into(), entry(0, "/msgtype", Some(json!(5)))),
        ("event without event".into(), entry(1, "/event", None)),
        (
            "event without event_type".into(),
            entry(1, "/event/event_type", None),
        ),
        (
            "event_type 5".into(),
            entry(1, "/event/event_type", Some(json!(5))),
        ),
        (
            "unknown event".into(),
            entry(1, "/event/event_type", Some(json!("zzz"))),
        ),
        (
            "enter_session without open_kfid".into(),
            entry(1, "/event/open_kfid", None),
        ),
        (
            "unknown message type".into(),
            entry(0, "/msgtype", Some(json!("zzz"))),
        ),
    ];
    let unknown = with(&good, "/msg_list/0/msgtype", Some(json!("zzz")));
    cases.push((
        "unknown message type without msgid".into(),
        with(&unknown, "/msg_list/0/msgid", None).to_string(),
    ));
    let wx = assert_agree("wecom-kf", "sync_msg", &cases);
    let expect = [
        true, false, false, false, false, true, false, false, false, false, false, false, false,
        false, false, false, false, true, false, true, false,
    ];
    assert_eq!(wx, expect, "{cases:#?}");
}

/// Item 6: JSON Schema takes `3.0` as an integer and wxmsg does not; every
/// schema's description says so, and this is the one split left.
#[test]
fn schemas_say_that_json_schema_counts_3_0_as_an_integer() {
    let types: Value = serde_json::from_str(&ok(&["types", "--format", "json"], None)).unwrap();
    for t in types.as_array().unwrap() {
        let (p, id) = (t["platform"].as_str().unwrap(), t["type"].as_str().unwrap());
        let d = schema(p, id)["description"].as_str().unwrap().to_string();
        assert!(
            d.contains("`3.0`") && d.contains("counts") && d.contains("integer"),
            "{p}:{id}: {d}"
        );
    }
    let good = sample("wecom-kf", "text");
    let float = with_lexeme(&good, "/origin", "3.0");
    let v = validator(&schema("wecom-kf", "text"));
    assert!(v.is_valid(&serde_json::from_str(&float).unwrap()));
    assert_eq!(verdicts("wecom-kf", &[float]), [false]);
}

/// Item 7: `sample --help` names the samples whose platform their payload does
/// not tell (`validate --strict` then warns `ambiguous-platform`) and says to
/// pass `--platform`.
#[test]
fn sample_help_names_the_samples_that_need_platform_for_strict() {
    let help = ok(&["sample", "--help"], None);
    assert!(
        help.contains("--strict") && help.contains("--platform"),
        "{help}"
    );
    let types: Value = serde_json::from_str(&ok(&["types", "--format", "json"], None)).unwrap();
    let mut ambiguous = Vec::new();
    for t in types.as_array().unwrap() {
        let (p, id) = (t["platform"].as_str().unwrap(), t["type"].as_str().unwrap());
        let s = ok(&["sample", p, id], None);
        let (strict, out) = run(&["validate", "--strict", "-"], Some(&s));
        if !strict {
            assert!(out.contains("ambiguous-platform"), "{p}:{id}: {out}");
            assert!(
                help.contains(&format!("`{id}`")),
                "{p}:{id} not in:\n{help}"
            );
            assert!(help.contains(p), "{p}:{id} not in:\n{help}");
            ambiguous.push(format!("{p}:{id}"));
            let (fixed, out) = run(&["validate", "--strict", "--platform", p, "-"], Some(&s));
            assert!(fixed, "{p}:{id}: {out}");
        }
    }
    assert!(!ambiguous.is_empty());
}

/// Mutations of every sample (a field removed, another type, a string where a
/// number goes, out-of-range numbers, an unknown field): the schema and wxmsg
/// agree on each, where the payload stays its type.
#[test]
fn schemas_and_validate_agree_on_mutated_samples() {
    let types: Value = serde_json::from_str(&ok(&["types", "--format", "json"], None)).unwrap();
    let mut compared = 0;
    for t in types.as_array().unwrap() {
        let (p, id) = (t["platform"].as_str().unwrap(), t["type"].as_str().unwrap());
        let (has_json, _) = run(&["sample", p, id, "--to", "json"], None);
        if !has_json || id == "encrypted" {
            continue;
        }
        let good = sample(p, id);
        let mut cases: Vec<(String, String)> = Vec::new();
        let mut stack = vec![(String::new(), good.clone())];
        while let Some((ptr, v)) = stack.pop() {
            if !ptr.is_empty() {
                let mut muts: Vec<(&str, String)> = vec![
                    ("delete", with(&good, &ptr, None).to_string()),
                    ("null", with(&good, &ptr, Some(Value::Null)).to_string()),
                    ("abc", with(&good, &ptr, Some(json!("abc"))).to_string()),
                    (
                        "-1 as text",
                        with(&good, &ptr, Some(json!("-1"))).to_string(),
                    ),
                    ("true", with(&good, &ptr, Some(json!(true))).to_string()),
                    ("{}", with(&good, &ptr, Some(json!({}))).to_string()),
                ];
                if v.is_number() {
                    muts.push((
                        "as text",
                        with(&good, &ptr, Some(json!(v.to_string()))).to_string(),
                    ));
                    muts.push(("-5", with(&good, &ptr, Some(json!(-5))).to_string()));
                    muts.push(("1.5", with(&good, &ptr, Some(json!(1.5))).to_string()));
                    muts.push(("10^20", with_lexeme(&good, &ptr, "100000000000000000000")));
                    muts.push(("2^64", with_lexeme(&good, &ptr, "18446744073709551616")));
                }
                for (what, doc) in muts {
                    cases.push((format!("{ptr} {what}"), doc));
                }
            }
            match &v {
                Value::Object(m) => {
                    for (k, c) in m {
                        stack.push((format!("{ptr}/{k}"), c.clone()));
                    }
                }
                Value::Array(items) => {
                    for (i, c) in items.iter().enumerate() {
                        stack.push((format!("{ptr}/{i}"), c.clone()));
                    }
                }
                _ => {}
            }
        }
        cases.push((
            "unknown field".into(),
            with(&good, "/ZzUnknown", Some(json!("x"))).to_string(),
        ));
        // Only where wxmsg still reads the payload as this type (a changed
        // discriminator makes it another one, which the schema refuses).
        let docs: Vec<String> = cases.iter().map(|(_, d)| d.clone()).collect();
        let (_, out) = run(
            &["parse", "--format", "json", "--platform", p, "-"],
            Some(&(docs.join("\n") + "\n")),
        );
        let mut retyped = vec![false; docs.len()];
        let mut first_seen = vec![false; docs.len()];
        for line in out.lines().filter(|l| !l.trim().is_empty()) {
            let r: Value = serde_json::from_str(line).unwrap();
            let n = r["line"].as_u64().unwrap() as usize - 1;
            if id != "sync_msg" && !first_seen[n] {
                retyped[n] = r["type"] != id;
            }
            first_seen[n] = true;
        }
        let kept: Vec<(String, String)> = cases
            .into_iter()
            .zip(retyped)
            .filter(|(_, r)| !r)
            .map(|(c, _)| c)
            .collect();
        compared += kept.len();
        assert_agree(p, id, &kept);
    }
    assert!(compared > 3000, "only {compared} mutations compared");
}
