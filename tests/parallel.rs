//! The parallel reader ([`run_parallel`]) gives exactly what one sequential
//! [`Analyzer`] gives: the same reports in the same order and the same count of
//! passed-over lines, whatever the layout of the input across its cuts.

use std::collections::BTreeMap;
use wxmsg::pipeline::{run_parallel, Analyzer, Options};
use wxmsg::render::report_json;

/// Every report as a JSON line, and the passed-over count, read sequentially.
fn sequential(input: &[u8], opts: &Options) -> (Vec<u8>, u64) {
    let mut an = Analyzer::new(input, "in", opts.clone());
    let mut out = Vec::new();
    while let Some(r) = an.next_report().unwrap() {
        report_json::write_report(&mut out, &r);
    }
    (out, an.skipped())
}

fn parallel(input: &[u8], opts: &Options, threads: usize) -> (Vec<u8>, u64) {
    let mut out = Vec::new();
    let (skipped, result) = run_parallel(
        input,
        "in",
        opts,
        threads,
        Vec::new,
        |r, acc: &mut Vec<u8>| report_json::write_report(acc, r),
        |acc| {
            out.extend_from_slice(&acc);
            Ok::<(), ()>(())
        },
    );
    assert!(result.is_ok());
    (out, skipped)
}

fn same(input: &[u8], opts: &Options) {
    let expected = sequential(input, opts);
    for threads in [1, 2, 3] {
        let got = parallel(input, opts, threads);
        assert_eq!(got.1, expected.1, "skipped, {threads} threads");
        assert!(
            got.0 == expected.0,
            "reports differ with {threads} threads: {} vs {} bytes",
            got.0.len(),
            expected.0.len()
        );
    }
}

fn kf_text(i: usize) -> String {
    format!(
        r#"{{"msgid":"m{i}","open_kfid":"wkA","external_userid":"wmB","send_time":{},"origin":3,"msgtype":"text","text":{{"content":"你好 {i} 😀"}}}}"#,
        1_700_000_000 + i
    )
}

fn oa_xml(i: usize) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o_{i}]]></FromUserName><CreateTime>{}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[第{i}条]]></Content><MsgId>{}</MsgId></xml>",
        1_700_000_000 + i,
        4_363_689_963_896_700_000u64 + i as u64
    )
}

/// Lines of every kind, `n` of them, from `line(i)`.
fn lines(n: usize, line: impl Fn(usize) -> String) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&line(i));
        s.push('\n');
    }
    s.into_bytes()
}

#[test]
fn ndjson_and_logs_across_many_cuts() {
    let input = lines(12_000, |i| match i % 9 {
        0 => format!("2024-05-01 10:00:00 INFO received payload: {}", oa_xml(i)),
        1 => "2024-05-01 10:00:00 WARN slow {\"table\":\"orders\"}".to_string(),
        2 => format!("{{\"MsgType\":\"text\",\"Content\":\"broken {i}"),
        3 => String::new(),
        4 => "job <cleanup> done".to_string(),
        _ => kf_text(i),
    });
    assert!(input.len() > 1 << 20);
    same(&input, &Options::default());
}

#[test]
fn pretty_printed_documents_across_cuts() {
    let mut input = Vec::new();
    for i in 0..6_000 {
        let v: serde_json::Value = serde_json::from_str(&kf_text(i)).unwrap();
        input.extend_from_slice(serde_json::to_string_pretty(&v).unwrap().as_bytes());
        input.push(b'\n');
        if i % 7 == 0 {
            input.extend_from_slice(oa_xml(i).replace("><", ">\n  <").as_bytes());
            input.push(b'\n');
        }
        if i % 500 == 0 {
            input.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"GBK\"?>\n");
        }
    }
    assert!(input.len() > 1 << 20);
    same(&input, &Options::default());
}

#[test]
fn one_document_without_a_payload_is_unrecognized_both_ways() {
    let mut input = b"{\"hello\":\"world\"}\n".to_vec();
    input.extend(std::iter::repeat_n(b'\n', 600_000));
    same(&input, &Options::default());
    let mut two = input.clone();
    two.extend_from_slice(b"{\"other\":1}\n");
    same(&two, &Options::default());
}

#[test]
fn a_line_over_the_record_limit_is_not_cut() {
    let mut opts = Options::default();
    opts.scan.max_record = 10_000;
    let mut input = lines(3_000, kf_text);
    input.extend_from_slice(
        format!(
            "{{\"MsgType\":\"text\",\"Content\":\"{}\"}}\n",
            "x".repeat(400_000)
        )
        .as_bytes(),
    );
    input.extend_from_slice(&lines(3_000, kf_text));
    same(&input, &opts);
    // The same with no line end at all after it.
    input.extend_from_slice("y".repeat(300_000).as_bytes());
    same(&input, &opts);
}

/// Lines longer than a chunk, each holding thousands of payloads between log
/// text (a batch logged on one line), among ordinary lines: every payload is
/// reported, with its column, as one sequential reader reports it.
#[test]
fn lines_of_thousands_of_payloads() {
    let batch = |n: usize| {
        let mut line = String::from("2024-05-01 INFO batch 批量");
        for i in 0..n {
            line.push_str(if i % 2 == 0 { " json=" } else { " xml=" });
            line.push_str(&if i % 2 == 0 { kf_text(i) } else { oa_xml(i) });
        }
        line
    };
    let input = lines(40, |i| {
        if i % 10 == 3 {
            batch(2_500)
        } else {
            kf_text(i)
        }
    });
    assert!(input.len() > 1 << 20);
    let (out, _) = sequential(&input, &Options::default());
    assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 36 + 4 * 2_500);
    same(&input, &Options::default());
}

#[test]
fn crlf_bom_and_no_final_line_end() {
    let mut input = "\u{feff}".as_bytes().to_vec();
    for i in 0..8_000 {
        input.extend_from_slice(kf_text(i).as_bytes());
        input.extend_from_slice(b"\r\n");
    }
    input.extend_from_slice(kf_text(9).as_bytes());
    same(&input, &Options::default());
    let mut counts = BTreeMap::new();
    for l in sequential(&input, &Options::default())
        .0
        .split(|&b| b == b'\n')
    {
        *counts.entry(l.is_empty()).or_insert(0) += 1;
    }
    assert_eq!(counts.get(&false), Some(&8_001));
}

/// Through the binary: a file large enough to be read on every core gives the
/// same output as one thread, for every command that uses the parallel reader.
#[test]
fn cli_output_is_the_same_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.ndjson");
    let mut input = lines(30_000, |i| match i % 5 {
        0 => format!("INFO received payload: {}", oa_xml(i)),
        1 => format!("{{\"MsgType\":\"text\",\"Content\":\"broken {i}"),
        _ => kf_text(i),
    });
    while input.len() < 5 << 20 {
        input.extend_from_slice(&input.clone());
    }
    std::fs::write(&path, &input).unwrap();
    let file = path.to_str().unwrap();
    for args in [
        &["parse", "--format", "json", file][..],
        &["parse", "--color", "never", file][..],
        &["convert", "--to", "json", file][..],
        &["convert", "--to", "xml", file][..],
    ] {
        let run = |threads: &str| {
            assert_cmd::Command::cargo_bin("wxmsg")
                .unwrap()
                .env("WXMSG_THREADS", threads)
                .args(args)
                .output()
                .unwrap()
        };
        let (one, two) = (run("1"), run("2"));
        assert_eq!(one.status.code(), two.status.code(), "{args:?}");
        assert!(one.stdout == two.stdout, "{args:?}: stdout differs");
        assert!(one.stderr == two.stderr, "{args:?}: stderr differs");
        assert!(!one.stdout.is_empty());
    }
}
