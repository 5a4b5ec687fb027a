//! In-process benchmarks of the pipeline stages, one by one (`cargo bench`).
//!
//! The documents are built here, not read from files: the catalogue's own sample
//! of every type in every format it arrives in (all four platforms), plus a few
//! hand-written payloads with Chinese text, emoji, escapes and 64-bit ids, and a
//! `sync_msg` response. Throughput is reported in bytes of payload text.
//!
//! Whole-process figures against a cost floor and jq / jaq / xq are in
//! bench/run.sh; these are for finding which stage a change moved.

use divan::counter::BytesCount;
use divan::{black_box, Bencher};
use std::sync::{Arc, OnceLock};
use wxmsg::catalog;
use wxmsg::detect;
use wxmsg::doc::{Document, Format};
use wxmsg::parse::{json, xml, Limits};
use wxmsg::pipeline::{Analyzer, Options};
use wxmsg::render::{json_out, pretty, report_json, xml_out};
use wxmsg::report::Report;
use wxmsg::tape::Tape;

fn main() {
    divan::main();
}

/// Payloads the samples do not cover: real-world text and a whole response.
const EXTRA_JSON: &[&str] = &[
    r#"{"ToUserName":"gh_6d4c2a1e9f03","FromUserName":"oW3xk5Zt-9b2Qh1Lr8PqYfGm4uAa","CreateTime":1702711965,"MsgType":"text","Content":"你好，请问订单 20231216-8842 什么时候发货？谢谢🙏 👨‍👩‍👧","MsgId":18446744073709551615}"#,
    r#"{"ToUserName":"gh_6d4c2a1e9f03","FromUserName":"oW3xk5Zt-9b2Qh1Lr8PqYfGm4uAa","CreateTime":1702711965,"MsgType":"text","Content":"\u4f60\u597d \ud83d\ude00 \"quoted\" C:\\path","MsgId":4363689963896700987}"#,
    r#"{"errcode":0,"errmsg":"ok","next_cursor":"4gw7MepFLfgF2VC5npN","has_more":0,"msg_list":[{"msgid":"from_msgid_4622416642169452483","open_kfid":"wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q","external_userid":"wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw","send_time":1615478585,"origin":3,"msgtype":"text","text":{"content":"在吗？想问一下退款的进度"}},{"msgid":"7Cr4cXnSuRQSpTZXxbQjUVcMKJjzRHkYwGxdApwEYqzA","open_kfid":"wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q","external_userid":"wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw","send_time":1615478590,"origin":4,"msgtype":"event","event":{"event_type":"enter_session","open_kfid":"wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q","external_userid":"wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw","scene":"123","scene_param":"abc","welcome_code":"aaaaaa"}}]}"#,
    r#"{"App_Type":"wechat_kefu","ChannelId":"14777","ChannelName":"咸鱼测试1","MsgType":"text","Content":"啦啦啦 [微笑]","CreateTime":1688441501,"FromUserName":"799533439","StaffId":"18186158229","StaffName":"管理员","MsgId":"64a3929d8e4df","ToBusiness":false,"ToUserName":"h51a51-1688026512803-37275.0.14777"}"#,
];

const EXTRA_XML: &[&str] = &[
    "<xml><ToUserName><![CDATA[gh_6d4c2a1e9f03]]></ToUserName><FromUserName><![CDATA[oW3xk5Zt-9b2Qh1Lr8PqYfGm4uAa]]></FromUserName><CreateTime>1702711965</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好 <b>&amp;</b> 😀]]></Content><MsgId>4363689963896700987</MsgId></xml>",
];

struct Corpus {
    /// One payload per entry, as text.
    json: Vec<String>,
    xml: Vec<String>,
    /// The reports of all of them (JSON first), as the pipeline makes them.
    reports: Vec<Report>,
    /// The JSON payloads as one NDJSON stream.
    ndjson: String,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut json: Vec<String> = EXTRA_JSON.iter().map(|s| s.to_string()).collect();
        let mut xml: Vec<String> = EXTRA_XML.iter().map(|s| s.to_string()).collect();
        for td in catalog::all_types() {
            for &format in td.formats {
                let node = wxmsg::sample::sample(td, format);
                let mut out = Vec::new();
                match format {
                    Format::Json => json_out::write_json(&mut out, &node, false),
                    Format::Xml => {
                        if xml_out::write_xml(&mut out, &node, Some(td), false).is_err() {
                            continue;
                        }
                    }
                }
                let text = String::from_utf8(out).expect("renderers write UTF-8");
                match format {
                    Format::Json => json.push(text),
                    Format::Xml => xml.push(text.replace('\n', " ")),
                }
            }
        }
        let ndjson = json.join("\n") + "\n";
        let stream = format!("{ndjson}{}\n", xml.join("\n"));
        let reports = analyse(stream.as_bytes());
        Corpus {
            json,
            xml,
            reports,
            ndjson,
        }
    })
}

fn analyse(input: &[u8]) -> Vec<Report> {
    analyse_with(input, Options::default())
}

fn analyse_with(input: &[u8], opts: Options) -> Vec<Report> {
    let mut an = Analyzer::new(input, "bench", opts);
    let mut reports = Vec::new();
    while let Ok(Some(r)) = an.next_report() {
        reports.push(r);
    }
    reports
}

fn bytes(texts: &[String]) -> BytesCount {
    BytesCount::new(texts.iter().map(String::len).sum::<usize>())
}

fn payload_bytes(reports: &[&Report]) -> BytesCount {
    BytesCount::new(
        reports
            .iter()
            .filter_map(|r| r.doc.as_ref())
            .map(|d| d.text.len())
            .sum::<usize>(),
    )
}

#[divan::bench]
fn json_parse(b: Bencher) {
    let c = corpus();
    b.counter(bytes(&c.json)).bench(|| {
        for t in &c.json {
            black_box(json::parse(t.as_bytes(), json::Mode::Strict, Limits::default()).ok());
        }
    });
}

#[divan::bench]
fn xml_parse(b: Bencher) {
    let c = corpus();
    b.counter(bytes(&c.xml)).bench(|| {
        for t in &c.xml {
            black_box(xml::parse(t.as_bytes(), Limits::default()).ok());
        }
    });
}

/// Detection and validation of parsed documents (candidates ranked, the winner's
/// findings built), JSON and XML.
#[divan::bench]
fn detect_validate(b: Bencher) {
    let c = corpus();
    let docs: Vec<Document> = c
        .json
        .iter()
        .filter_map(|t| {
            let (root, _) =
                json::parse(t.as_bytes(), json::Mode::Strict, Limits::default()).ok()?;
            Some(doc(t, Format::Json, root))
        })
        .chain(c.xml.iter().filter_map(|t| {
            let (root, _, _) = xml::parse(t.as_bytes(), Limits::default()).ok()?;
            Some(doc(t, Format::Xml, root))
        }))
        .collect();
    let n: usize = docs.iter().map(|d| d.text.len()).sum();
    b.counter(BytesCount::new(n)).bench(|| {
        for d in &docs {
            black_box(detect::detect(d, &d.root, &[]));
        }
    });
}

fn doc(text: &str, format: Format, root: wxmsg::doc::Node) -> Document {
    Document {
        source: Arc::from("bench"),
        format,
        text: Arc::from(text),
        line: 1,
        column: 1,
        root,
        embedded: None,
        lenient: false,
    }
}

/// The whole pipeline (framing, parsing, detection, validation) over NDJSON.
#[divan::bench]
fn pipeline_ndjson(b: Bencher) {
    let c = corpus();
    b.counter(BytesCount::new(c.ndjson.len()))
        .bench(|| black_box(analyse(c.ndjson.as_bytes()).len()));
}

/// The same with the fast lane (`parse --format json`, `validate`): valid
/// payloads checked off a tape, without a tree.
#[divan::bench]
fn pipeline_ndjson_lane(b: Bencher) {
    let c = corpus();
    let mut opts = Options::default();
    opts.scan.lane = true;
    b.counter(BytesCount::new(c.ndjson.len()))
        .bench(|| black_box(analyse_with(c.ndjson.as_bytes(), opts.clone()).len()));
}

/// Reading documents onto the lane's tape (JSON and flat XML).
#[divan::bench]
fn tape_read(b: Bencher) {
    let c = corpus();
    b.counter(BytesCount::new(
        c.json.iter().chain(&c.xml).map(String::len).sum::<usize>(),
    ))
    .bench(|| {
        for t in &c.json {
            black_box(Tape::read(t, Limits::default()).is_some());
        }
        for t in &c.xml {
            black_box(Tape::read_xml(t, Limits::default()).is_some());
        }
    });
}

/// `parse --format json`: one JSON line per report.
#[divan::bench]
fn report_json_write(b: Bencher) {
    let c = corpus();
    let all: Vec<&Report> = c.reports.iter().collect();
    let mut out = Vec::with_capacity(1 << 20);
    b.counter(payload_bytes(&all)).bench_local(|| {
        out.clear();
        for r in &all {
            report_json::write_report(&mut out, r);
        }
        black_box(out.len())
    });
}

/// `parse`: the annotated field tables.
#[divan::bench]
fn pretty_render(b: Bencher) {
    let c = corpus();
    let all: Vec<&Report> = c.reports.iter().collect();
    let o = pretty::PrettyOptions::default();
    let mut out = Vec::with_capacity(1 << 20);
    b.counter(payload_bytes(&all)).bench_local(|| {
        out.clear();
        for r in &all {
            let _ = pretty::write_report(&mut out, r, &o);
        }
        black_box(out.len())
    });
}

/// `convert --to json` of XML payloads (after detection's typing pass).
#[divan::bench]
fn xml_to_json(b: Bencher) {
    let c = corpus();
    let from_xml: Vec<&Report> = c
        .reports
        .iter()
        .filter(|r| r.format == Format::Xml && r.doc.is_some())
        .collect();
    let mut out = Vec::with_capacity(1 << 20);
    b.counter(payload_bytes(&from_xml)).bench_local(|| {
        out.clear();
        for d in from_xml.iter().filter_map(|r| r.doc.as_ref()) {
            json_out::write_json(&mut out, &d.root, false);
        }
        black_box(out.len())
    });
}

/// `convert --to xml` of JSON payloads.
#[divan::bench]
fn json_to_xml(b: Bencher) {
    let c = corpus();
    let from_json: Vec<&Report> = c
        .reports
        .iter()
        .filter(|r| r.format == Format::Json && r.doc.is_some())
        .collect();
    let mut out = Vec::with_capacity(1 << 20);
    b.counter(payload_bytes(&from_json)).bench_local(|| {
        out.clear();
        for r in &from_json {
            if let Some(d) = &r.doc {
                let _ = xml_out::write_xml(&mut out, &d.root, r.type_def, false);
            }
        }
        black_box(out.len())
    });
}
