//! Replays the hostile-input corpus in `tests/corpus/` (see its README.md) through
//! the library: every case is analysed with [`Analyzer`], rendered with both the
//! human and the JSON renderer, and checked against its `.expect` sidecar.
//!
//! Besides the per-case expectations, every case must: not panic; produce human
//! output (colour off) that is UTF-8 and holds no character that can drive a
//! terminal or hide itself (C0 controls other than `\n`, DEL, C1 controls, bidi
//! controls, U+2028/U+2029, zero-width and other invisible format characters); and
//! produce one well-formed JSON object per report from the JSON renderer.
//!
//! Cases listed in `tests/corpus/KNOWN_FAILURES` (bugs not fixed yet) are skipped
//! and printed; when one of them passes, the run says so, so it can be unlisted.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use wxmsg::pipeline::{Analyzer, Options};
use wxmsg::render::pretty::{self, PrettyOptions};
use wxmsg::render::report_json;
use wxmsg::report::{Report, Summary};

/// Directories of this corpus (others, such as `decrypt/`, have their own runners).
const DIRS: &[&str] = &[
    "json",
    "xml",
    "ndjson",
    "logs",
    "terminal",
    "fuzz-regressions",
];

/// Files in those directories that are not cases.
const NOT_CASES: &[&str] = &[".gitkeep", "README.md"];

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Every file below the corpus directories, as paths relative to the corpus root.
fn files() -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else {
                let rel = p.strip_prefix(root).unwrap();
                out.push(rel.to_str().unwrap().replace('\\', "/"));
            }
        }
    }
    let root = corpus_root();
    let mut out = Vec::new();
    for d in DIRS {
        walk(&root.join(d), &root, &mut out);
    }
    out.sort();
    out
}

fn is_case(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    !rel.ends_with(".expect") && !NOT_CASES.contains(&name)
}

fn cases() -> Vec<String> {
    files().into_iter().filter(|f| is_case(f)).collect()
}

fn known_failures() -> BTreeSet<String> {
    let text = std::fs::read_to_string(corpus_root().join("KNOWN_FAILURES")).unwrap_or_default();
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One `report:` line: where a report starts, whether it is valid, and codes it has.
#[derive(Debug)]
struct ReportExpect {
    line: u32,
    valid: bool,
    codes: Vec<String>,
}

/// A parsed `.expect` file.
#[derive(Debug, Default)]
struct Expect {
    reports: Option<usize>,
    valid: Option<usize>,
    skipped: Option<u64>,
    line: Option<u32>,
    column: Option<u32>,
    type_id: Option<String>,
    platform: Option<String>,
    codes: Vec<String>,
    no_codes: Vec<String>,
    each: Vec<ReportExpect>,
    payload: Vec<(String, serde_json::Value)>,
    shows: Vec<String>,
    hides: Vec<String>,
    json_shows: Vec<String>,
    max_record: Option<usize>,
    max_depth: Option<usize>,
    max_fields: Option<usize>,
    full: bool,
    longest_line: Option<usize>,
    json_terminal_safe: bool,
}

/// Keys whose value is literal text to the end of the line (no trailing comment).
const LITERAL_KEYS: &[&str] = &["shows", "hides", "json-shows", "payload"];

fn parse_expect(text: &str) -> Result<Expect, String> {
    let mut e = Expect::default();
    for (n, raw) in text.lines().enumerate() {
        let n = n + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, value)) = trimmed.split_once(':') else {
            return Err(format!("line {n}: expected `key: value`, got {trimmed:?}"));
        };
        let key = key.trim();
        let value = if LITERAL_KEYS.contains(&key) {
            value.trim()
        } else {
            // A `#` after whitespace starts a comment.
            let v = match value.find(" #").or_else(|| value.find("\t#")) {
                Some(i) => &value[..i],
                None => value,
            };
            v.trim()
        };
        let num = |v: &str| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("line {n}: `{key}` needs a number, got {v:?}"))
        };
        match key {
            "reports" => e.reports = Some(num(value)? as usize),
            "valid" => e.valid = Some(num(value)? as usize),
            "skipped" => e.skipped = Some(num(value)?),
            "line" => e.line = Some(num(value)? as u32),
            "column" => e.column = Some(num(value)? as u32),
            "type" => e.type_id = Some(value.to_owned()),
            "platform" => e.platform = Some(value.to_owned()),
            "code" => e.codes.push(known_code(value, n)?),
            "no-code" => e.no_codes.push(known_code(value, n)?),
            "report" => {
                let mut words = value.split_whitespace();
                let line = num(words.next().unwrap_or(""))? as u32;
                let valid = match words.next() {
                    Some("valid") => true,
                    Some("invalid") => false,
                    other => {
                        return Err(format!(
                            "line {n}: `report: LINE valid|invalid [CODE…]`, got {other:?}"
                        ))
                    }
                };
                let codes = words
                    .map(|c| known_code(c, n))
                    .collect::<Result<Vec<_>, _>>()?;
                e.each.push(ReportExpect { line, valid, codes });
            }
            "payload" => {
                let (ptr, json) = value
                    .split_once(' ')
                    .ok_or_else(|| format!("line {n}: `payload: /POINTER JSON`"))?;
                let v: serde_json::Value = serde_json::from_str(json.trim())
                    .map_err(|err| format!("line {n}: bad JSON {json:?}: {err}"))?;
                e.payload.push((ptr.to_owned(), v));
            }
            "shows" => e.shows.push(value.to_owned()),
            "hides" => e.hides.push(value.to_owned()),
            "json-shows" => e.json_shows.push(value.to_owned()),
            "max-record" => e.max_record = Some(num(value)? as usize),
            "max-depth" => e.max_depth = Some(num(value)? as usize),
            "max-fields" => e.max_fields = Some(num(value)? as usize),
            "full" => e.full = boolean(value, n, key)?,
            "longest-line" => e.longest_line = Some(num(value)? as usize),
            "json-terminal-safe" => e.json_terminal_safe = boolean(value, n, key)?,
            _ => return Err(format!("line {n}: unknown key `{key}`")),
        }
    }
    if e.reports.is_none() {
        return Err("`reports:` is required".into());
    }
    if !e.each.is_empty() && Some(e.each.len()) != e.reports {
        return Err(format!(
            "{} `report:` lines but `reports: {}`",
            e.each.len(),
            e.reports.unwrap_or(0)
        ));
    }
    Ok(e)
}

fn boolean(value: &str, line: usize, key: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("line {line}: `{key}: true|false`")),
    }
}

fn known_code(name: &str, line: usize) -> Result<String, String> {
    match wxmsg::diag::Code::from_name(name) {
        Some(_) => Ok(name.to_owned()),
        None => Err(format!("line {line}: unknown diagnostic code `{name}`")),
    }
}

/// What one run of a case produced.
struct Outcome {
    reports: Vec<Report>,
    skipped: u64,
    human: String,
    json_lines: Vec<serde_json::Value>,
    json_text: String,
}

fn options(e: &Expect) -> Options {
    let mut o = Options::default();
    if let Some(m) = e.max_record {
        o.scan.max_record = m;
    }
    if let Some(d) = e.max_depth {
        o.scan.limits.max_depth = d;
    }
    if let Some(f) = e.max_fields {
        o.scan.limits.max_fields = f;
    }
    o
}

/// Analyses `bytes` and renders every report both ways. Errors are invariant
/// violations (not expectation mismatches).
fn run(name: &str, bytes: &[u8], opts: Options, full: bool) -> Result<Outcome, String> {
    let mut an = Analyzer::new(bytes, name, opts);
    let mut reports = Vec::new();
    while let Some(r) = an.next_report().map_err(|e| format!("I/O error: {e}"))? {
        reports.push(r);
    }
    let skipped = an.skipped();
    let popts = PrettyOptions {
        color: false,
        full,
        ..PrettyOptions::default()
    };
    let mut human = Vec::new();
    let mut summary = Summary::default();
    let mut json = Vec::new();
    let mut json_lines = Vec::new();
    for r in &reports {
        summary.add(r);
        pretty::write_report(&mut human, r, &popts).map_err(|e| e.to_string())?;
        let mut one = Vec::new();
        report_json::write_report(&mut one, r);
        let text = std::str::from_utf8(&one).map_err(|e| format!("JSON report not UTF-8: {e}"))?;
        let body = text
            .strip_suffix('\n')
            .ok_or("JSON report does not end with a newline")?;
        if body.contains('\n') {
            return Err(format!("JSON report spans several lines: {body}"));
        }
        let v: serde_json::Value =
            serde_json::from_str(body).map_err(|e| format!("JSON report is not JSON: {e}"))?;
        json_lines.push(v);
        json.extend_from_slice(&one);
    }
    summary.skipped = skipped;
    pretty::write_summary(&mut human, &summary, &popts).map_err(|e| e.to_string())?;
    let human = String::from_utf8(human).map_err(|e| format!("human output not UTF-8: {e}"))?;
    if let Some((i, c)) = human.char_indices().find(|&(_, c)| unsafe_char(c)) {
        let from = human[..i]
            .char_indices()
            .rev()
            .nth(40)
            .map_or(0, |(j, _)| j);
        return Err(format!(
            "human output holds U+{:04X} near {:?}",
            u32::from(c),
            &human[from..i]
        ));
    }
    Ok(Outcome {
        reports,
        skipped,
        human,
        json_lines,
        json_text: String::from_utf8(json).unwrap_or_default(),
    })
}

/// Characters that must never reach the terminal raw.
fn unsafe_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{9}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{ad}' | '\u{61c}'
        | '\u{200b}' | '\u{200e}' | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}'
        | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

fn check(e: &Expect, o: &Outcome) -> Vec<String> {
    let mut bad = Vec::new();
    let codes_of = |r: &Report| -> Vec<&'static str> {
        r.diagnostics.iter().map(|d| d.code.as_str()).collect()
    };
    let got: Vec<String> = o
        .reports
        .iter()
        .map(|r| {
            format!(
                "line {} {} [{}]",
                r.line,
                if r.valid() { "valid" } else { "invalid" },
                codes_of(r).join(" ")
            )
        })
        .collect();
    if let Some(n) = e.reports {
        if o.reports.len() != n {
            bad.push(format!("reports: want {n}, got {}", o.reports.len()));
        }
    }
    if let Some(n) = e.valid {
        let v = o.reports.iter().filter(|r| r.valid()).count();
        if v != n {
            bad.push(format!("valid: want {n}, got {v}"));
        }
    }
    if let Some(n) = e.skipped {
        if o.skipped != n {
            bad.push(format!("skipped: want {n}, got {}", o.skipped));
        }
    }
    let first = o.reports.first();
    if let Some(l) = e.line {
        if first.map(|r| r.line) != Some(l) {
            bad.push(format!("line: want {l}, got {:?}", first.map(|r| r.line)));
        }
    }
    if let Some(c) = e.column {
        if first.map(|r| r.column) != Some(c) {
            bad.push(format!(
                "column: want {c}, got {:?}",
                first.map(|r| r.column)
            ));
        }
    }
    if let Some(t) = &e.type_id {
        let have = first.and_then(|r| r.type_id.as_deref());
        if have != Some(t.as_str()) {
            bad.push(format!("type: want {t}, got {have:?}"));
        }
    }
    if let Some(p) = &e.platform {
        let have = first.and_then(|r| r.platform).map(|p| p.as_str());
        if have != Some(p.as_str()) {
            bad.push(format!("platform: want {p}, got {have:?}"));
        }
    }
    let all: BTreeSet<&str> = o.reports.iter().flat_map(codes_of).collect();
    for c in &e.codes {
        if !all.contains(c.as_str()) {
            bad.push(format!("code: {c} not reported"));
        }
    }
    for c in &e.no_codes {
        if all.contains(c.as_str()) {
            bad.push(format!("no-code: {c} was reported"));
        }
    }
    for (i, want) in e.each.iter().enumerate() {
        let Some(r) = o.reports.get(i) else { break };
        let codes = codes_of(r);
        if r.line != want.line
            || r.valid() != want.valid
            || want.codes.iter().any(|c| !codes.contains(&c.as_str()))
        {
            bad.push(format!(
                "report {}: want line {} {} {:?}, got {}",
                i + 1,
                want.line,
                if want.valid { "valid" } else { "invalid" },
                want.codes,
                got[i]
            ));
        }
    }
    for (ptr, want) in &e.payload {
        // The first report that has a payload (broken documents have none).
        let have = o
            .json_lines
            .iter()
            .filter_map(|v| v.get("payload"))
            .find(|p| !p.is_null())
            .and_then(|p| p.pointer(ptr));
        if have != Some(want) {
            bad.push(format!("payload {ptr}: want {want}, got {have:?}"));
        }
    }
    for s in &e.shows {
        if !o.human.contains(s.as_str()) {
            bad.push(format!("shows: {s:?} not in the human output"));
        }
    }
    for s in &e.hides {
        if o.human.contains(s.as_str()) {
            bad.push(format!("hides: {s:?} is in the human output"));
        }
    }
    if let Some(max) = e.longest_line {
        if let Some(l) = o.human.lines().find(|l| l.len() > max) {
            let head: String = l.chars().take(80).collect();
            bad.push(format!(
                "longest-line: a human output line is {} bytes (limit {max}): {head}…",
                l.len()
            ));
        }
    }
    if e.json_terminal_safe {
        if let Some(c) = o.json_text.chars().find(|&c| unsafe_char(c)) {
            bad.push(format!(
                "json-terminal-safe: the JSON output holds U+{:04X} raw",
                u32::from(c)
            ));
        }
    }
    for s in &e.json_shows {
        if !o.json_text.contains(s.as_str()) {
            bad.push(format!("json-shows: {s:?} not in the JSON output"));
        }
    }
    if !bad.is_empty() {
        bad.push(format!("reports were: {got:#?}"));
    }
    bad
}

/// Runs one case; `Err` holds everything that went wrong.
fn replay(rel: &str) -> Result<(), String> {
    let root = corpus_root();
    let bytes = std::fs::read(root.join(rel)).map_err(|e| e.to_string())?;
    let expect_text =
        std::fs::read_to_string(root.join(format!("{rel}.expect"))).map_err(|e| e.to_string())?;
    let e = parse_expect(&expect_text).map_err(|m| format!("{rel}.expect: {m}"))?;
    let opts = options(&e);
    let full = e.full;
    let outcome =
        panic::catch_unwind(AssertUnwindSafe(|| run(rel, &bytes, opts, full))).map_err(|p| {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            format!("panicked: {msg}")
        })??;
    let bad = check(&e, &outcome);
    if bad.is_empty() {
        Ok(())
    } else {
        Err(bad.join("\n  "))
    }
}

#[test]
fn corpus_cases_meet_their_expectations() {
    let known = known_failures();
    let all = cases();
    assert!(!all.is_empty(), "no corpus cases found");
    let mut failures = String::new();
    let mut skipped = Vec::new();
    let mut passed = 0;
    for rel in &all {
        if known.contains(rel) {
            match replay(rel) {
                Ok(()) => {
                    let _ = writeln!(
                        std::io::stderr(),
                        "known failure now passes (remove it from KNOWN_FAILURES): {rel}"
                    );
                }
                Err(m) => skipped.push((rel.as_str(), m)),
            }
            continue;
        }
        match replay(rel) {
            Ok(()) => passed += 1,
            Err(m) => {
                let _ = writeln!(failures, "{rel}:\n  {m}");
            }
        }
    }
    // Written to the real stderr (not the captured test output) so the skipped
    // cases show in every `cargo test` run.
    let mut note = format!("{passed} corpus cases passed, {} skipped\n", skipped.len());
    for (rel, why) in &skipped {
        let why = why.lines().next().unwrap_or_default();
        let _ = writeln!(note, "skipped (tests/corpus/KNOWN_FAILURES): {rel}: {why}");
    }
    let _ = std::io::stderr().write_all(note.as_bytes());
    assert!(failures.is_empty(), "corpus failures:\n{failures}");
}

#[test]
fn every_case_has_an_expect_file_and_every_expect_file_a_case() {
    let files = files();
    let set: BTreeSet<&str> = files.iter().map(String::as_str).collect();
    let mut problems = Vec::new();
    for f in &files {
        if let Some(case) = f.strip_suffix(".expect") {
            if !set.contains(case) {
                problems.push(format!("{f} has no case file"));
            }
        } else if is_case(f) && !set.contains(format!("{f}.expect").as_str()) {
            problems.push(format!("{f} has no .expect file"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn known_failures_name_existing_cases() {
    let all: BTreeSet<String> = cases().into_iter().collect();
    for k in known_failures() {
        assert!(
            all.contains(&k),
            "KNOWN_FAILURES lists {k}, which is not a case"
        );
    }
}

#[test]
fn expect_parser_rejects_typos() {
    assert!(parse_expect("reports: 1\nvalid: 1\n").is_ok());
    assert!(parse_expect("valid: 1\n").is_err(), "reports is required");
    assert!(parse_expect("reports: 1\nreprots: 1\n").is_err());
    assert!(parse_expect("reports: 1\ncode: no-such-code\n").is_err());
    assert!(parse_expect("reports: 2\nreport: 1 valid\n").is_err());
    let e = parse_expect("reports: 1 # one\nshows: a # b\n").unwrap();
    assert_eq!(e.reports, Some(1));
    assert_eq!(e.shows, ["a # b"]);
}

/// T11 at full size (generated, not committed): a 1 MB value is cut with a marker,
/// and shown whole with `full`.
#[test]
fn one_megabyte_value_is_truncated_unless_full() {
    let content = "长".repeat(350_000); // 1,050,000 bytes
    let line = format!(
        "{{\"ToUserName\":\"gh_83629a3d0dc4\",\"FromUserName\":\"oXx4Ei-KZR8krzwyQX6SXLh2a04k\",\
         \"CreateTime\":1714543012,\"MsgType\":\"text\",\"Content\":\"{content}\",\"MsgId\":1}}\n"
    );
    let short = run("1mb", line.as_bytes(), Options::default(), false).unwrap();
    assert_eq!(short.reports.len(), 1);
    assert!(short.reports[0].valid());
    assert!(short.human.contains("more bytes"), "no truncation marker");
    assert!(
        short.human.len() < 16 * 1024,
        "truncated output is {} bytes",
        short.human.len()
    );
    let full = run("1mb", line.as_bytes(), Options::default(), true).unwrap();
    assert!(full.human.contains(&content));
    assert!(!full.human.contains("more bytes"));
}
