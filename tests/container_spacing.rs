//! Docker json-file records in any form of their JSON: re-serialised with
//! blanks between tokens (Python's `json.dumps` default, log shippers), or
//! with their members in another order, are joined like docker's own bytes.
//! A payload cut short in one record is reported at the record's `log`
//! string, and its message names that place too.

use serde_json::Value;
#[path = "common/parse_json.rs"]
mod parse_json;
use parse_json::reports;

/// (line, column, type, valid, embedded_in, error codes) per report.
fn summary(reps: &[Value]) -> Vec<(u64, u64, String, bool, String, Vec<String>)> {
    reps.iter()
        .map(|r| {
            let errors = r["diagnostics"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| d["severity"] == "error")
                .map(|d| format!("{} {}:{}", d["code"], d["line"], d["column"]))
                .collect();
            (
                r["line"].as_u64().unwrap(),
                r["column"].as_u64().unwrap(),
                r["type"].as_str().unwrap_or("?").to_string(),
                r["valid"].as_bool().unwrap(),
                r["embedded_in"].as_str().unwrap_or("null").to_string(),
                errors,
            )
        })
        .collect()
}

/// The application's lines: a logged WeChat XML push, one element a line
/// (wechatpy's SCAN test), after a log prefix.
const LINES: &[&str] = &[
    "2024-05-26 14:20:46 INFO recv: <xml>\n",
    "  <ToUserName><![CDATA[toUser]]></ToUserName>\n",
    "  <FromUserName><![CDATA[FromUser]]></FromUserName>\n",
    "  <CreateTime>123456789</CreateTime>\n",
    "  <MsgType><![CDATA[event]]></MsgType>\n",
    "  <Event><![CDATA[SCAN]]></Event>\n",
    "  <EventKey><![CDATA[123123]]></EventKey>\n",
    "  <Ticket><![CDATA[TICKET]]></Ticket>\n",
    "</xml>\n",
];

const TIME: &str = "\"2024-05-26T06:20:46.000000001Z\"";

/// The records of `LINES`, each written by `form` from the JSON of its
/// `log` string.
fn records(form: impl Fn(&str) -> String) -> String {
    LINES
        .iter()
        .map(|l| form(&serde_json::to_string(l).unwrap()) + "\n")
        .collect()
}

/// Docker's own bytes.
fn compact(log: &str) -> String {
    format!("{{\"log\":{log},\"stream\":\"stdout\",\"time\":{TIME}}}")
}

/// Python's `json.dumps` default: `", "` and `": "`.
fn spaced(log: &str) -> String {
    format!("{{\"log\": {log}, \"stream\": \"stdout\", \"time\": {TIME}}}")
}

#[test]
fn spaced_docker_records_are_joined_as_compact_ones_are() {
    let (code, reps) = reports(&records(compact));
    assert_eq!(code, 0, "{reps:#?}");
    let expected = |column| {
        vec![(
            1,
            column,
            "event.SCAN".to_string(),
            true,
            "/log".to_string(),
            vec![],
        )]
    };
    assert_eq!(summary(&reps), expected(8));
    let (code, reps) = reports(&records(spaced));
    assert_eq!(code, 0, "{reps:#?}");
    // At the `log` string's opening quote, one blank further on.
    assert_eq!(summary(&reps), expected(9));
}

#[test]
fn records_with_blanks_anywhere_between_tokens_are_joined() {
    for (form, column) in [
        (
            Box::new(|log: &str| {
                format!("{{ \"log\" : {log} , \"stream\" : \"stdout\" , \"time\" : {TIME} }}")
            }) as Box<dyn Fn(&str) -> String>,
            11,
        ),
        // Docker's head, blanks only after the string.
        (
            Box::new(|log: &str| format!("{{\"log\":{log}, \"stream\":\"stdout\"}}")),
            8,
        ),
        (
            Box::new(|log: &str| format!("{{\"log\":\t{log},\"stream\":\"stdout\"}}  ")),
            9,
        ),
    ] {
        let input = records(form);
        let (code, reps) = reports(&input);
        assert_eq!(code, 0, "{input}\n{reps:#?}");
        assert_eq!(
            summary(&reps),
            vec![(
                1,
                column,
                "event.SCAN".to_string(),
                true,
                "/log".to_string(),
                vec![]
            )],
            "{input}"
        );
    }
}

#[test]
fn records_with_their_members_in_another_order_are_joined() {
    let input =
        records(|log| format!("{{\"time\": {TIME}, \"stream\": \"stdout\", \"log\": {log}}}"));
    let (code, reps) = reports(&input);
    assert_eq!(code, 0, "{reps:#?}");
    let column = 1 + format!("{{\"time\": {TIME}, \"stream\": \"stdout\", \"log\": ").len() as u64;
    assert_eq!(
        summary(&reps),
        vec![(
            1,
            column,
            "event.SCAN".to_string(),
            true,
            "/log".to_string(),
            vec![]
        )]
    );
}

#[test]
fn spaced_records_of_two_streams_are_joined_per_stream() {
    let stderr =
        |log: &str| format!("{{\"log\": {log}, \"stream\": \"stderr\", \"time\": {TIME}}}\n");
    let mut input = String::new();
    for (k, l) in LINES.iter().enumerate() {
        input += &spaced(&serde_json::to_string(l).unwrap());
        input.push('\n');
        if k == 3 {
            input += &stderr("\"WARN slow request\\n\"");
        }
    }
    let (code, reps) = reports(&input);
    assert_eq!(code, 0, "{reps:#?}");
    assert_eq!(summary(&reps).len(), 1, "{reps:#?}");
    assert_eq!(reps[0]["type"], "event.SCAN");
}

#[test]
fn a_payload_cut_in_a_lone_record_names_the_place_it_is_reported_at() {
    // Nothing follows the record: it is read alone, its payload cut short.
    let input = records(spaced).lines().next().unwrap().to_string() + "\n";
    let (code, reps) = reports(&input);
    assert_eq!(code, 1, "{reps:#?}");
    assert_eq!(
        summary(&reps),
        vec![(
            1,
            9,
            "?".to_string(),
            false,
            "null".to_string(),
            vec!["\"truncated\" 1:9".to_string()]
        )]
    );
    let message = reps[0]["diagnostics"][0]["message"].as_str().unwrap();
    // The document starts at the `log` string (1:9), 32 characters into it.
    assert!(
        message.contains("the document that starts at 1:9 (1:32 of the string's text)"),
        "{message}"
    );
}

#[test]
fn a_payload_cut_in_any_string_field_names_the_place_it_is_reported_at() {
    let (code, reps) = reports("INFO x {\"msg\":\"recv: <xml><A>1</A>\"}\n");
    assert_eq!(code, 1, "{reps:#?}");
    let d = &reps[0]["diagnostics"][0];
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(15))
    );
    let message = d["message"].as_str().unwrap();
    assert!(
        message.contains("starts at 1:15 (1:7 of the string's text)"),
        "{message}"
    );
}

#[test]
fn an_ndjson_log_that_is_no_container_log_is_read_as_before() {
    // First keys of docker's names, but no `log` string: each line a
    // document of its own.
    let line = "{\"time\": \"2024-05-26T06:20:46Z\", \"level\": \"info\", \"msg\": \"recv: <xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[123123]]></EventKey><Ticket><![CDATA[TICKET]]></Ticket></xml>\"}\n";
    let (code, reps) = reports(&line.repeat(2));
    assert_eq!(code, 0, "{reps:#?}");
    let rows = summary(&reps);
    assert_eq!(rows.len(), 2, "{reps:#?}");
    assert!(
        rows.iter().all(|r| r.2 == "event.SCAN" && r.4 == "/msg"),
        "{rows:#?}"
    );
}
