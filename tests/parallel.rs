//! The parallel reader ([`run_parallel`]) gives exactly what one sequential
//! [`Analyzer`] gives: the same reports in the same order, the same count of
//! passed-over lines, and the same answers to where a report's line starts,
//! whatever the layout of the input across its cuts.

use std::collections::BTreeMap;
use wxmsg::input::LineStart;
use wxmsg::pipeline::{run_parallel, Analyzer, Options, Skips};
use wxmsg::render::report_json;

/// What a reader gave: every report as a JSON line, and for each report its
/// line and where the reader said a line at or before it starts.
#[derive(Default)]
struct Read {
    reports: Vec<u8>,
    starts: Vec<(u32, Option<LineStart>)>,
}

/// Every report, and what was passed over (how often, and where), read
/// sequentially.
fn sequential(input: &[u8], opts: &Options) -> (Read, Skips) {
    let mut an = Analyzer::new(input, "in", opts.clone());
    let mut out = Read::default();
    while let Some(r) = an.next_report().unwrap() {
        report_json::write_report(&mut out.reports, &r);
        out.starts.push((r.line, an.line_start(r.line)));
    }
    (out, an.skips().clone())
}

fn parallel(input: &[u8], opts: &Options, threads: usize) -> (Read, Skips) {
    let mut out = Read::default();
    let (skipped, result) = run_parallel(
        input,
        "in",
        opts,
        threads,
        Read::default,
        |r, line_start: &dyn Fn(u32) -> _, acc: &mut Read| {
            report_json::write_report(&mut acc.reports, r);
            acc.starts.push((r.line, line_start(r.line)));
        },
        |acc| {
            out.reports.extend_from_slice(&acc.reports);
            out.starts.extend(acc.starts);
            Ok::<(), ()>(())
        },
    );
    assert!(result.is_ok());
    (out, skipped)
}

/// Checks that each line start given is exact: the line is at or before the
/// report's, and starts at that byte of the input. Returns how many were given.
fn exact_starts(input: &[u8], read: &Read) -> usize {
    let mut starts = vec![0];
    starts.extend(memchr::memchr_iter(b'\n', input).map(|i| i as u64 + 1));
    let mut given = 0;
    for &(line, start) in &read.starts {
        let Some(s) = start else { continue };
        assert!(s.line <= line, "{s:?} for a report on line {line}");
        assert_eq!(
            starts.get(s.line as usize - 1),
            Some(&s.offset),
            "line {} does not start at {}",
            s.line,
            s.offset
        );
        given += 1;
    }
    given
}

/// Compares one sequential reader with parallel ones, which also give line
/// starts for most reports (all but those of a scan restarted after a line
/// too long to cut, and of the last document when it holds no payload).
fn same(input: &[u8], opts: &Options) {
    let mut opts = opts.clone();
    opts.scan.line_starts = true;
    let opts = &opts;
    let expected = sequential(input, opts);
    let known = exact_starts(input, &expected.0);
    assert!(
        known > 0 || expected.0.starts.is_empty(),
        "no line starts given"
    );
    for threads in [1, 2, 3] {
        let got = parallel(input, opts, threads);
        assert_eq!(got.1, expected.1, "skipped, {threads} threads");
        let (g, e) = (&got.0.reports, &expected.0.reports);
        if g != e {
            let lines = |b: &[u8]| {
                String::from_utf8_lossy(b)
                    .lines()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            };
            let (g, e) = (lines(g), lines(e));
            let i = g.iter().zip(&e).take_while(|(a, b)| a == b).count();
            panic!(
                "reports differ with {threads} threads from line {i}:\n{:.300}\nnot\n{:.300}",
                g.get(i).map_or("(none)", |l| l),
                e.get(i).map_or("(none)", |l| l),
            );
        }
        let given = exact_starts(input, &got.0);
        assert!(
            given * 10 >= known * 9,
            "{threads} threads gave {given} line starts, one reader {known}"
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

/// Lines over the record limit (but far shorter than a chunk) among documents
/// over several lines, some left open: wherever the cuts fall, and however far
/// ahead a document's scan read, each document and each skipped line is
/// reported as one reader reading line by line reports it.
#[test]
fn lines_over_the_record_limit_among_documents_over_several_lines() {
    let mut opts = Options::default();
    opts.scan.max_record = 2_000;
    let mut input = String::new();
    for i in 0..6_000 {
        let v: serde_json::Value = serde_json::from_str(&kf_text(i)).unwrap();
        input.push_str(&serde_json::to_string_pretty(&v).unwrap());
        input.push('\n');
        if i % 13 == 0 {
            input.push_str(&format!("INFO {}\n", "x".repeat(2_500 + i % 700)));
        }
        if i % 17 == 0 {
            input.push_str("<xml>\n<ToUserName>gh_1</ToUserName>\n");
        }
        if i % 19 == 0 {
            input.push_str("INFO {\"ToUserName\":\"gh_1\",\"MsgType\":\"text\"\n");
        }
        if i % 23 == 0 {
            input.push_str(&oa_xml(i).replace("><", ">\n<"));
            input.push('\n');
        }
    }
    assert!(input.len() > 1 << 20);
    same(input.as_bytes(), &opts);
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
    assert_eq!(out.starts.len(), 36 + 4 * 2_500);
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
        .reports
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
        // Thousands of findings: quoted on every core too.
        &["validate", file][..],
        &["validate", "--color", "always", file][..],
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

/// The human format quotes standard input redirected from a file by reading
/// the file again, on every core: each reader at its own offset.
#[test]
fn validate_quotes_redirected_stdin_the_same_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.ndjson");
    // Every third line is broken: over ten thousand findings.
    let input = lines(40_000, |i| match i % 3 {
        0 => format!("{{\"MsgType\":\"text\",\"Content\":\"broken {i}"),
        _ => kf_text(i),
    });
    std::fs::write(&path, &input).unwrap();
    let run = |threads: &str| {
        let stdin = std::fs::File::open(&path).unwrap();
        std::process::Command::new(assert_cmd::cargo::cargo_bin("wxmsg"))
            .env("WXMSG_THREADS", threads)
            .arg("validate")
            .stdin(stdin)
            .output()
            .unwrap()
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one.status.code(), Some(1));
    assert_eq!(two.status.code(), Some(1));
    assert!(one.stdout == two.stdout, "stdout differs");
    let text = String::from_utf8(one.stdout).unwrap();
    assert!(text.matches("error[").count() > 10_000);
    assert!(text.contains("  40000 | {\"MsgType\":\"text\",\"Content\":\"broken 39999"));
}
