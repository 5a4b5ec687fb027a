//! End-to-end tests of `wxmsg validate`: the five formats (machine formats read back
//! with real parsers), exit codes, `--strict`, `--platform`, directory walking,
//! files without payloads, ordering and standard input.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;
use tempfile::TempDir;

#[path = "common/xml_tree.rs"]
mod xml_tree;
use xml_tree::xml_tree;

/// A plain text message with two findings: four missing fields (errors) and an
/// unknown field `Bogus` (a warning) at column 50.
const BAD: &str = "{\"ToUserName\":\"gh_83629a3d0dc4\",\"MsgType\":\"text\",\"Bogus\":1}\n";

fn wxmsg() -> Command {
    let mut c = Command::cargo_bin("wxmsg").unwrap();
    c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: Option<&str>) -> Run {
    let mut c = wxmsg();
    c.arg("validate").args(args);
    c.write_stdin(stdin.unwrap_or(""));
    let out = c.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Runs with `--format json` and parses the document.
fn json(args: &[&str], stdin: Option<&str>) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let r = run(&all, stdin);
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\nstderr: {}", r.stdout, r.stderr));
    (r.code, v)
}

fn paths(v: &Value) -> Vec<String> {
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

fn fixture(rel: &str) -> String {
    fs::read_to_string(Path::new("fixtures").join(rel)).unwrap()
}

/// A temporary tree: `files` are (relative path, content).
fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (rel, content) in files {
        let p = dir.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    dir
}

fn p(dir: &TempDir, rel: &str) -> String {
    dir.path().join(rel).to_string_lossy().into_owned()
}

// ---------------------------------------------------------------------------
// The project's own fixtures

/// Every fixture with a default extension, as the walk should find them.
fn fixture_count() -> usize {
    fn count(dir: &Path) -> usize {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                if p.is_dir() {
                    count(&p)
                } else {
                    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
                    usize::from(["json", "jsonl", "ndjson", "xml"].contains(&ext))
                }
            })
            .sum()
    }
    count(Path::new("fixtures"))
}

#[test]
fn the_projects_own_fixtures_pass() {
    let r = run(&["fixtures/"], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let n = fixture_count();
    assert!(n > 50);
    assert_eq!(
        r.stdout.lines().last(),
        Some(format!("{n} passed, 0 failed").as_str())
    );
    let (code, v) = json(&["fixtures"], None);
    assert_eq!(code, 0);
    assert_eq!(v["passed"], n);
    assert_eq!(v["failed"], 0);
    // Each platform's fixtures are of that platform.
    for platform in ["miniprogram", "official-account", "wecom-kf", "devmode"] {
        let dir = format!("fixtures/{platform}");
        let r = run(&["--quiet", "--platform", platform, &dir], None);
        assert_eq!(r.code, 0, "{platform}: {}", r.stdout);
    }
}

// ---------------------------------------------------------------------------
// Formats

#[test]
fn human_findings_have_location_code_field_snippet_and_caret() {
    let dir = tree(&[
        ("bad.json", BAD),
        ("ok.json", &fixture("wecom-kf/text.json")),
    ]);
    let bad = p(&dir, "bad.json");
    let r = run(&["--color", "never", dir.path().to_str().unwrap()], None);
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let head = format!(
        "{bad}:1:50: warning[unknown-field] /Bogus: unknown field \"Bogus\"; the catalogue does not list it here"
    );
    let at = lines.iter().position(|l| *l == head).expect(&r.stdout);
    // The source line, then a caret under column 50 (the `"` of `"Bogus"`).
    let src = lines[at + 1];
    let caret = lines[at + 2];
    let bar = src.find("| ").unwrap() + 2;
    let col = caret.find('^').unwrap();
    assert_eq!(&src[col..col + 7], "\"Bogus\"");
    assert_eq!(caret[..bar].trim_end(), "    |");
    assert!(lines.contains(&format!("{bad}:1:1: error[missing-field] /MsgId: missing required field MsgId (message id, 64-bit integer (use it to de-duplicate retries))").as_str()));
    // A finding without a field has no field part.
    assert!(lines.iter().any(|l| l.starts_with(&format!(
        "{bad}:1:1: warning[ambiguous-platform] `text` fits"
    ))));
    // The first code shown is named in the one-per-run hint.
    assert!(lines.contains(
        &"hint: `wxmsg explain missing-field` tells what a finding means and how to fix it (any code in [brackets] works)"
    ));
    assert_eq!(lines.last(), Some(&"1 passed, 1 failed"));
    assert!(!r.stdout.contains('\x1b'));
}

#[test]
fn human_colour_follows_the_flag_and_environment() {
    let dir = tree(&[("bad.json", BAD)]);
    let path = p(&dir, "bad.json");
    let always = run(&["--color", "always", &path], None);
    assert!(always
        .stdout
        .contains("\x1b[1;31merror[missing-field]\x1b[0m"));
    // Not a terminal: no colour in `auto` unless CLICOLOR_FORCE says so.
    assert!(!run(&[&path], None).stdout.contains('\x1b'));
    let forced = wxmsg()
        .env("CLICOLOR_FORCE", "1")
        .args(["validate", &path])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains('\x1b'));
    let both = wxmsg()
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .args(["validate", &path])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&both.stdout).contains('\x1b'));
}

#[test]
fn human_output_never_passes_terminal_escapes_through() {
    let hostile =
        "{\"ToUserName\":\"gh_83629a3d0dc4\",\"MsgType\":\"text\",\"\u{1b}]52;c;eA==\u{7}\":1}\n";
    let dir = tree(&[("h\u{1b}[2J.json", hostile)]);
    let r = run(&["--color", "never", dir.path().to_str().unwrap()], None);
    assert_eq!(r.code, 1);
    assert!(!r.stdout.chars().any(|c| c.is_control() && c != '\n'));
    assert!(r.stdout.contains("h\\x1b[2J.json"));
    assert!(r.stdout.contains("\\x1b]52;c;eA==\\x07"));
}

#[test]
fn json_holds_the_same_reports_as_parse() {
    let dir = tree(&[
        ("bad.json", BAD),
        ("ok.json", &fixture("wecom-kf/text.json")),
    ]);
    let (code, v) = json(&[dir.path().to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert_eq!(v["passed"], 1);
    assert_eq!(v["failed"], 1);
    assert_eq!(paths(&v), [p(&dir, "bad.json"), p(&dir, "ok.json")]);
    let bad = &v["files"][0];
    assert_eq!(bad["valid"], false);
    assert_eq!(bad["diagnostics"].as_array().unwrap().len(), 0);
    // `payloads` holds exactly what `wxmsg parse --format json` prints.
    for (i, rel) in ["bad.json", "ok.json"].iter().enumerate() {
        let out = wxmsg()
            .args(["parse", "--format", "json", &p(&dir, rel)])
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["files"][i]["payloads"][0], report, "{rel}");
    }
}

/// `::error file=F,line=L,col=C,title=T::message` → (command, properties, message).
fn workflow_command(line: &str) -> (String, Vec<(String, String)>, String) {
    let rest = line.strip_prefix("::").expect(line);
    let (head, message) = rest.split_once("::").expect(line);
    let (command, props) = head.split_once(' ').expect(line);
    let props = props
        .split(',')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect(kv);
            (k.to_string(), v.to_string())
        })
        .collect();
    (command.to_string(), props, message.to_string())
}

#[test]
fn github_annotations_one_per_finding() {
    let dir = tree(&[("bad.json", BAD), ("empty.json", "")]);
    let r = run(&["--format", "github", dir.path().to_str().unwrap()], None);
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.last(), Some(&"0 passed, 2 failed"));
    let cmds: Vec<_> = lines[..lines.len() - 1]
        .iter()
        .map(|l| workflow_command(l))
        .collect();
    // 4 missing fields, ambiguous platform, unknown field, no payload.
    assert_eq!(cmds.len(), 7);
    let bogus = cmds
        .iter()
        .find(|(_, props, _)| props.contains(&("title".into(), "unknown-field".into())))
        .unwrap();
    assert_eq!(bogus.0, "warning");
    assert_eq!(
        bogus.1,
        [
            ("file".to_string(), p(&dir, "bad.json")),
            ("line".to_string(), "1".to_string()),
            ("col".to_string(), "50".to_string()),
            ("title".to_string(), "unknown-field".to_string()),
        ]
    );
    assert!(bogus.2.starts_with("/Bogus: unknown field"));
    let last = cmds.last().unwrap();
    assert_eq!(last.0, "error");
    assert!(last.1.contains(&("title".into(), "no-payload".into())));
    assert!(last.1.contains(&("file".into(), p(&dir, "empty.json"))));
}

#[test]
fn junit_has_a_testcase_per_file_and_failures_for_failing_ones() {
    let dir = tree(&[
        ("a/bad.json", BAD),
        ("a/ok.json", &fixture("wecom-kf/text.json")),
        ("b/empty.xml", ""),
        ("b/warn.json", &fixture("official-account/video.json")),
    ]);
    let r = run(&["--format", "junit", dir.path().to_str().unwrap()], None);
    assert_eq!(r.code, 1);
    assert!(r
        .stdout
        .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    let root = xml_tree(&r.stdout);
    assert_eq!(root.name, "testsuites");
    assert_eq!(root.attr("tests"), Some("4"));
    assert_eq!(root.attr("failures"), Some("2"));
    let suite = &root.all("testsuite")[0];
    let cases = suite.all("testcase");
    let names: Vec<&str> = cases.iter().map(|c| c.attr("name").unwrap()).collect();
    assert_eq!(
        names,
        [
            p(&dir, "a/bad.json"),
            p(&dir, "a/ok.json"),
            p(&dir, "b/empty.xml"),
            p(&dir, "b/warn.json"),
        ]
    );
    let failure = &cases[0].all("failure")[0];
    assert_eq!(failure.attr("type"), Some("missing-field"));
    assert_eq!(failure.text.lines().count(), 6);
    assert!(failure
        .text
        .contains(":1:50: warning[unknown-field] /Bogus"));
    assert!(cases[1].children.is_empty());
    assert_eq!(cases[2].all("failure")[0].attr("type"), Some("no-payload"));
    // Warnings of a passing file are reported without failing it.
    assert!(cases[3].all("failure").is_empty());
    assert!(cases[3].all("system-out")[0]
        .text
        .contains("warning[type-variant]"));
    // With --strict the warnings fail it.
    let strict = run(
        &["--strict", "--format", "junit", &p(&dir, "b/warn.json")],
        None,
    );
    assert_eq!(strict.code, 1);
    let root = xml_tree(&strict.stdout);
    let case = &root.all("testsuite")[0].all("testcase")[0];
    assert_eq!(case.all("failure")[0].attr("type"), Some("type-variant"));
}

#[test]
fn sarif_is_2_1_0_with_rules_and_located_results() {
    let dir = tree(&[("bad.json", BAD), ("empty.json", "")]);
    let r = run(&["--format", "sarif", dir.path().to_str().unwrap()], None);
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"]
        .as_str()
        .unwrap()
        .ends_with("sarif-schema-2.1.0.json"));
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "wxmsg");
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "ambiguous-platform",
            "missing-field",
            "unknown-field",
            "no-payload"
        ]
    );
    assert_eq!(
        rules[1]["shortDescription"]["text"],
        "a required field is absent"
    );
    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    for res in results {
        let rule = res["ruleId"].as_str().unwrap();
        assert!(ids.contains(&rule));
        assert_eq!(
            rules[res["ruleIndex"].as_u64().unwrap() as usize]["id"],
            rule
        );
        assert!(["error", "warning"].contains(&res["level"].as_str().unwrap()));
        assert!(!res["message"]["text"].as_str().unwrap().is_empty());
    }
    let bogus = results
        .iter()
        .find(|r| r["ruleId"] == "unknown-field")
        .unwrap();
    let loc = &bogus["locations"][0]["physicalLocation"];
    assert!(loc["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("/bad.json"));
    assert_eq!(loc["region"]["startLine"], 1);
    assert_eq!(loc["region"]["startColumn"], 50);
}

// ---------------------------------------------------------------------------
// Exit codes, --strict, --platform

#[test]
fn exit_codes() {
    let dir = tree(&[
        ("ok.json", &fixture("wecom-kf/text.json")),
        ("bad.json", BAD),
    ]);
    assert_eq!(run(&[&p(&dir, "ok.json")], None).code, 0);
    assert_eq!(run(&[&p(&dir, "bad.json")], None).code, 1);
    // A path that does not exist: reported on stderr, the rest still checked, exit 2.
    let missing = p(&dir, "nope.json");
    let (code, v) = json(&[&missing, &p(&dir, "bad.json")], None);
    assert_eq!(code, 2);
    assert_eq!(paths(&v), [p(&dir, "bad.json")]);
    let r = run(&[&missing, &p(&dir, "ok.json")], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nope.json"), "{}", r.stderr);
    assert_eq!(r.stdout.lines().last(), Some("1 passed, 0 failed"));
    // Usage errors.
    for args in [
        &["--format", "yaml"][..],
        &["--platform", "weibo"],
        &["--no-such-flag"],
        &["--quiet", "--verbose"],
        &["--ext", ""],
    ] {
        assert_eq!(run(args, None).code, 2, "{args:?}");
    }
}

#[test]
fn strict_fails_on_warnings() {
    let video = "fixtures/official-account/video.json";
    let r = run(&[video], None);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("warning[type-variant]"));
    let r = run(&["--strict", video], None);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout.lines().last(), Some("0 passed, 1 failed"));
    // Info findings never fail, not even with --strict.
    assert_eq!(
        run(&["--strict", "fixtures/wecom-kf/encrypted.xml"], None).code,
        0
    );
    // An ambiguous platform is a warning; --platform settles it.
    let text = "fixtures/miniprogram/text.json";
    assert_eq!(run(&["--strict", text], None).code, 1);
    assert_eq!(
        run(&["--strict", "--platform", "miniprogram", text], None).code,
        0
    );
}

#[test]
fn platform_is_required_and_repeatable() {
    let scan = "fixtures/official-account/event.SCAN.xml";
    let kf = "fixtures/wecom-kf/text.json";
    assert_eq!(run(&["--platform", "official-account", scan], None).code, 0);
    let (code, v) = json(&["--platform", "wecom-kf", scan], None);
    assert_eq!(code, 1);
    let diags = v["files"][0]["payloads"][0]["diagnostics"]
        .as_array()
        .unwrap();
    let mismatch = diags
        .iter()
        .find(|d| d["code"] == "platform-mismatch")
        .expect("platform-mismatch");
    assert_eq!(mismatch["severity"], "error");
    assert_eq!(mismatch["line"], 1);
    assert_eq!(mismatch["column"], 1);
    assert_eq!(v["files"][0]["payloads"][0]["valid"], false);
    // Repeated: both platforms allowed.
    let both = ["--platform", "wecom-kf", "--platform", "official-account"];
    assert_eq!(run(&[&both[..], &[scan, kf]].concat(), None).code, 0);
    let r = run(
        &[
            &both[..],
            &["fixtures/devmode/event.system_notify_in_receive.json"],
        ]
        .concat(),
        None,
    );
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("error[platform-mismatch]"));
}

/// sweepD #1: `--platform` settles each ambiguous payload on its own. A
/// file with one broken record or one payload of another platform had every
/// other payload left `ambiguous-platform` (`platform: null`), which on a
/// large log meant a spurious warning per payload.
#[test]
fn platform_settles_each_payload_whatever_the_others_are() {
    let text = fs::read_to_string("fixtures/miniprogram/text.json").unwrap();
    let text: serde_json::Value = serde_json::from_str(&text).unwrap();
    let kf = fs::read_to_string("fixtures/wecom-kf/text.json").unwrap();
    let kf: serde_json::Value = serde_json::from_str(&kf).unwrap();
    let line = text.to_string();
    for other in [
        // A record cut short.
        line[..line.find("\"MsgType").unwrap()].to_string(),
        // A payload of another platform.
        kf.to_string(),
    ] {
        let input = format!("{line}\n{other}\n{line}\n");
        let (code, v) = json(&["--platform", "miniprogram"], Some(&input));
        assert_eq!(code, 1);
        let payloads = v["files"][0]["payloads"].as_array().unwrap();
        for i in [0, 2] {
            let p = &payloads[i];
            assert_eq!(p["platform"], "miniprogram", "{other}: {p}");
            assert_eq!(p["diagnostics"], serde_json::json!([]), "{other}: {p}");
        }
        // The other one still fails as it did.
        assert_eq!(payloads[1]["valid"], false);
        let github = run(
            &["--format", "github", "--platform", "miniprogram"],
            Some(&input),
        );
        assert!(
            !github.stdout.contains("ambiguous-platform"),
            "{}",
            github.stdout
        );
    }
}

/// sweepD #6: a payload that fits several platforms equally, every one of
/// them allowed with `--platform`, is of an allowed platform: no
/// `ambiguous-platform` warning, which `--strict` failed with no way left to
/// settle it. One that fits an allowed and another platform still warns.
#[test]
fn a_payload_fitting_several_allowed_platforms_is_not_ambiguous() {
    let text = "fixtures/miniprogram/text.json";
    let both = [
        "--platform",
        "miniprogram",
        "--platform",
        "official-account",
    ];
    let r = run(&[&["--strict"][..], &both, &[text]].concat(), None);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(!r.stdout.contains("ambiguous-platform"), "{}", r.stdout);
    let (_, v) = json(&[&both[..], &[text]].concat(), None);
    let p = &v["files"][0]["payloads"][0];
    assert_eq!(p["platform"], serde_json::Value::Null);
    assert_eq!(
        p["candidates"],
        serde_json::json!(["miniprogram", "official-account"])
    );
    assert_eq!(p["diagnostics"], serde_json::json!([]));
    // Without --platform it is still a warning.
    assert_eq!(run(&["--strict", text], None).code, 1);
}

// ---------------------------------------------------------------------------
// Walking

#[test]
fn directories_are_walked_recursively_with_the_default_extensions() {
    let ok = fixture("wecom-kf/text.json");
    let dir = tree(&[
        ("a.json", &ok),
        (
            "sub/deeper/b.xml",
            &fixture("official-account/event.SCAN.xml"),
        ),
        ("sub/c.jsonl", &ok),
        ("sub/d.NDJSON", &ok),
        ("notes.txt", BAD),
        ("app.log", BAD),
        (".hidden/e.json", BAD),
        (".f.json", BAD),
        ("target/g.json", BAD),
        ("sub/target/h.json", BAD),
    ]);
    let (code, v) = json(&[dir.path().to_str().unwrap()], None);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        paths(&v),
        [
            p(&dir, "a.json"),
            p(&dir, "sub/c.jsonl"),
            p(&dir, "sub/d.NDJSON"),
            p(&dir, "sub/deeper/b.xml"),
        ]
    );
    // --ext changes the set (comma-separated or repeated, with or without a dot).
    let (_, v) = json(&["--ext", ".TXT,log", dir.path().to_str().unwrap()], None);
    assert_eq!(paths(&v), [p(&dir, "app.log"), p(&dir, "notes.txt")]);
    let (_, v) = json(
        &["--ext", "txt", "--ext", "xml", dir.path().to_str().unwrap()],
        None,
    );
    assert_eq!(
        paths(&v),
        [p(&dir, "notes.txt"), p(&dir, "sub/deeper/b.xml")]
    );
    // Files named explicitly are always read: hidden, in target/, any extension.
    let named = [
        p(&dir, ".hidden/e.json"),
        p(&dir, "target/g.json"),
        p(&dir, "notes.txt"),
    ];
    let args: Vec<&str> = named.iter().map(String::as_str).collect();
    let (code, v) = json(&args, None);
    assert_eq!(code, 1);
    assert_eq!(paths(&v).len(), 3);
    // A named directory is walked even when it is itself hidden.
    let (_, v) = json(&[&p(&dir, ".hidden")], None);
    assert_eq!(paths(&v), [p(&dir, ".hidden/e.json")]);
}

#[test]
fn a_directory_without_matching_files_warns() {
    let dir = tree(&[("notes.txt", BAD)]);
    let r = run(&[dir.path().to_str().unwrap()], None);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, "0 passed, 0 failed\n");
    assert!(r.stderr.contains("warning: no *.json"), "{}", r.stderr);
}

/// The no-payload message counts what `parse` counts as skipped: documents
/// that are no payload (several on one line each count) and lines with none.
/// (In a `.json` or `.xml` fixture the text before them counts too: see
/// `text_beside_a_payload_in_a_fixture_is_a_warning`.)
#[test]
fn no_payload_message_counts_lines_or_documents() {
    let dir = tree(&[("one-line.ndjson", "INFO a {\"k\":1} {\"k\":2} {\"k\":3}\n")]);
    let (code, v) = json(&[dir.path().to_str().unwrap()], None);
    assert_eq!(code, 1);
    let d = &v["files"][0]["diagnostics"][0];
    assert_eq!(d["code"], "no-payload");
    assert_eq!(
        d["message"],
        "no WeChat payload found: 3 lines or documents without one passed over"
    );
}

#[test]
fn empty_files_and_files_without_a_payload_fail() {
    let dir = tree(&[
        ("empty.json", ""),
        ("blank.xml", "\n  \n"),
        ("log.json", "starting up\nlistening on :8080\n"),
        ("other.json", "{\"name\": \"not a wechat payload\"}\n"),
    ]);
    let (code, v) = json(&[dir.path().to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert_eq!(v["passed"], 0);
    assert_eq!(v["failed"], 4);
    for f in v["files"].as_array().unwrap() {
        assert_eq!(f["valid"], false);
        let path = f["path"].as_str().unwrap();
        if path.ends_with("other.json") {
            // A lone document with no WeChat keys is a payload that failed.
            assert_eq!(f["payloads"][0]["diagnostics"][0]["code"], "unrecognized");
            continue;
        }
        assert_eq!(f["payloads"].as_array().unwrap().len(), 0, "{path}");
        let d = &f["diagnostics"][0];
        assert_eq!(d["code"], "no-payload", "{path}");
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(1), Some(1))
        );
    }
    let r = run(&[&p(&dir, "empty.json")], None);
    assert_eq!(
        r.stdout,
        format!(
            "{}:1:1: error[no-payload] no WeChat payload found: the file is empty\n\n\
             hint: `wxmsg explain no-payload` tells what a finding means and how to fix it (any code in [brackets] works)\n0 passed, 1 failed\n",
            p(&dir, "empty.json")
        )
    );
}

#[test]
fn order_is_sorted_by_path_and_deterministic() {
    let ok = fixture("wecom-kf/text.json");
    let names: Vec<String> = (0..60)
        .map(|i| format!("d{}/f{:02}.json", (i * 7) % 5, (i * 37) % 60))
        .collect();
    let files: Vec<(&str, &str)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), if i % 3 == 0 { BAD } else { ok.as_str() }))
        .collect();
    let dir = tree(&files);
    let root = dir.path().to_str().unwrap();
    let first = run(&["--format", "github", root], None).stdout;
    for _ in 0..3 {
        assert_eq!(run(&["--format", "github", root], None).stdout, first);
    }
    let (_, v) = json(&[root], None);
    let got = paths(&v);
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(got, sorted);
    assert_eq!(got.len(), 60);
    // Naming a file twice, or naming it and its directory, checks it once.
    let one = p(&dir, &names[0]);
    let (_, v) = json(&[&one, root, &one], None);
    assert_eq!(paths(&v).len(), 60);
}

// ---------------------------------------------------------------------------
// Standard input, verbosity, help

#[test]
fn standard_input_with_no_path_or_dash() {
    let ok = fixture("wecom-kf/text.json");
    for args in [&[][..], &["-"]] {
        let (code, v) = json(args, Some(&ok));
        assert_eq!(code, 0, "{args:?}");
        assert_eq!(paths(&v), ["<stdin>"]);
    }
    let r = run(&["-"], Some(BAD));
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("<stdin>:1:50: warning[unknown-field]"));
    let (code, v) = json(&[], Some(""));
    assert_eq!(code, 1);
    assert_eq!(v["files"][0]["diagnostics"][0]["code"], "no-payload");
    // Stdin alongside files.
    let (_, v) = json(&["fixtures/wecom-kf/text.json", "-"], Some(&ok));
    assert_eq!(paths(&v), ["<stdin>", "fixtures/wecom-kf/text.json"]);
}

#[test]
fn quiet_and_verbose_choose_what_is_shown() {
    let video = "fixtures/official-account/video.json";
    let enc = "fixtures/wecom-kf/encrypted.xml";
    let r = run(&["--quiet", video, enc], None);
    assert_eq!(r.stdout, "2 passed, 0 failed\n");
    let r = run(&[video, enc], None);
    assert!(r.stdout.contains("warning[type-variant]"));
    assert!(!r.stdout.contains("info[encrypted]"));
    let r = run(&["--verbose", enc], None);
    assert!(r.stdout.contains("info[encrypted]"), "{}", r.stdout);
    // --quiet --strict still shows the warnings that fail.
    let r = run(&["--quiet", "--strict", video], None);
    assert!(r.stdout.contains("warning[type-variant]"));
}

#[test]
fn help_shows_examples() {
    let out = wxmsg().args(["validate", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("Examples:"));
    for f in [
        "human",
        "json",
        "github",
        "junit",
        "sarif",
        "--strict",
        "--platform",
        "--ext",
    ] {
        assert!(help.contains(f), "{f}");
    }
}

// ---------------------------------------------------------------------------
// Streaming: inputs are read as they come, never held whole

/// A WeCom kf text message on one line, valid.
fn kf_line(i: usize) -> String {
    format!(
        "{{\"msgid\":\"m{i}\",\"open_kfid\":\"wkclu4XR26xrWvZYR9VfWiNkCtkSmABU\",\"external_userid\":\"wm1_ry5LTFMovcU7bvALDW_7XSsv1oEz\",\"send_time\":1733901520,\"origin\":3,\"msgtype\":\"text\",\"text\":{{\"content\":\"你好，第 {i} 条\"}}}}"
    )
}

/// A WeCom kf text message without its text (an error) and with an unknown field
/// (a warning).
fn kf_bad_line(i: usize) -> String {
    format!(
        "{{\"msgid\":\"m{i}\",\"open_kfid\":\"wk\",\"external_userid\":\"wm\",\"send_time\":1,\"origin\":3,\"msgtype\":\"text\",\"bogus\":{i}}}"
    )
}

/// `lines` payload lines, findings on some; with `mixed`, also payloads of other
/// platforms and a log line with a long prefix before a payload.
fn generated(lines: usize, mixed: bool) -> String {
    let mut s = String::new();
    for i in 1..=lines {
        if i % 97 == 0 {
            s.push_str(&kf_bad_line(i));
        } else if mixed && i % 151 == 0 {
            s.push_str(BAD.trim_end());
        } else if mixed && i % 499 == 0 {
            s.push_str(&format!("{} msg={}", "日志".repeat(5000), BAD.trim_end()));
        } else {
            s.push_str(&kf_line(i));
        }
        s.push_str(if i % 5 == 0 { "\r\n" } else { "\n" });
    }
    s
}

/// Runs `wxmsg validate ARGS` and returns (exit code, stdout).
fn output(args: &[&str]) -> (i32, Vec<u8>) {
    let out = wxmsg().arg("validate").args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), out.stdout)
}

/// A named pipe cannot be read twice: the human format's snippets come from a
/// copy made while it streamed, so every format reports exactly what it
/// reports for the same bytes in a regular file, with `--platform` too.
#[cfg(unix)]
#[test]
fn a_fifo_is_reported_exactly_like_the_same_file() {
    use std::ffi::CString;
    use std::io::Write;
    use std::os::unix::ffi::OsStrExt;

    let dir = TempDir::new().unwrap();
    let path = dir.path().join("in.ndjson");
    let name = path.to_str().unwrap().to_string();
    for (content, platform) in [
        (generated(3000, true), "official-account"),
        (generated(3000, false), "wecom-kf"),
    ] {
        for format in ["human", "json", "github", "junit", "sarif"] {
            for extra in [&[][..], &["--platform", platform]] {
                let mut args = vec!["--format", format];
                args.extend_from_slice(extra);
                args.push(&name);

                fs::write(&path, &content).unwrap();
                let (code, want) = output(&args);
                assert_eq!(code, 1, "{format} {extra:?}");
                fs::remove_file(&path).unwrap();

                let c = CString::new(path.as_os_str().as_bytes()).unwrap();
                // SAFETY: a valid NUL-terminated path; mkfifo only reads it.
                assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
                let writer = {
                    let (path, content) = (path.clone(), content.clone());
                    // Opening blocks until wxmsg opens the other end.
                    std::thread::spawn(move || {
                        let mut f = fs::OpenOptions::new().write(true).open(path).unwrap();
                        f.write_all(content.as_bytes()).unwrap();
                    })
                };
                let (code, got) = output(&args);
                writer.join().unwrap();
                fs::remove_file(&path).unwrap();
                assert_eq!(code, 1, "{format} {extra:?}");
                assert!(
                    got == want,
                    "{format} {extra:?}: the FIFO's report differs:\n{}",
                    String::from_utf8_lossy(&got)
                );
                if format == "human" {
                    let text = String::from_utf8(got).unwrap();
                    assert!(text.contains(":97:1: error[missing-field]"), "{text}");
                    assert!(text.contains("\n  97 | {\"msgid\":\"m97\""), "{text}");
                }
            }
        }
    }
}

/// Standard input: a pipe is copied as it streams, a redirected file is read again
/// from where standard input started; both report what the file reports.
#[cfg(unix)]
#[test]
fn standard_input_pipe_and_redirect_quote_the_same_lines() {
    let content = generated(2000, true);
    let dir = tree(&[("in.ndjson", &content)]);
    let file = p(&dir, "in.ndjson");
    let (_, want) = output(&["--platform", "wecom-kf", &file]);
    let want = String::from_utf8(want).unwrap().replace(&file, "<stdin>");
    assert!(snippets_quote(&want, &content) > 30);
    let piped = run(&["--platform", "wecom-kf"], Some(&content));
    assert_eq!(piped.code, 1);
    assert_eq!(piped.stdout, want);
    // `< file`, with standard input already moved past a first line that holds
    // no payload.
    let shifted = tree(&[("in.ndjson", &format!("skip me\n{content}"))]);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("read -r first; exec \"$0\" validate --platform wecom-kf")
        .arg(env!("CARGO_BIN_EXE_wxmsg"))
        .stdin(fs::File::open(shifted.path().join("in.ndjson")).unwrap())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
}

/// A line over the record limit is left out of what the scanner holds, but
/// its bytes still count: findings far after it quote their own lines.
#[test]
fn findings_after_a_line_over_the_limit_quote_their_own_lines() {
    let mut content = String::new();
    for i in 1..=3000 {
        let line = match i {
            20 => format!("{{\"a\":\"{}\"}}", "x".repeat(200_000)),
            10 | 2500 | 2900 => kf_bad_line(i),
            _ => kf_line(i),
        };
        content.push_str(&line);
        content.push('\n');
    }
    let dir = tree(&[("in.ndjson", &content)]);
    let (code, out) = output(&["--max-record-bytes", "100000", &p(&dir, "in.ndjson")]);
    assert_eq!(code, 1);
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("record-too-large"), "{text}");
    assert!(snippets_quote(&text, &content) >= 7, "{text}");
}

/// One large input, or a pipe, is cut into pieces checked on every core
/// (`WXMSG_THREADS` threads); every format reports exactly what one thread
/// reports, with the quoted lines found by jumping to where each piece said
/// they start.
#[test]
fn a_large_file_on_several_threads_is_reported_as_on_one() {
    // Past the size from which a file is read on every core (4 MB), with lines
    // of 30 KB among short ones so pieces end at different kinds of lines.
    let mixed = generated(22_000, true);
    let fitting = generated(22_000, false);
    assert!(fitting.len() > 4 << 20);
    for (content, platform) in [(&mixed, "official-account"), (&fitting, "wecom-kf")] {
        let dir = tree(&[("in.ndjson", content)]);
        let file = p(&dir, "in.ndjson");
        for format in ["human", "json", "github", "junit", "sarif"] {
            for extra in [&[][..], &["--platform", platform], &["--verbose"]] {
                let mut args = vec!["validate", "--format", format];
                args.extend_from_slice(extra);
                args.push(&file);
                let one = same_on_any_threads(&args, &format!("{format} {extra:?}"));
                assert_eq!(one.0, Some(1), "{format} {extra:?}");
                if format == "human" {
                    let text = String::from_utf8(one.1).unwrap();
                    assert!(snippets_quote(&text, content) > 200, "{text}");
                }
            }
        }
        // So is a pipe, whatever its size: nothing is printed before its end.
        for args in [&[][..], &["--platform", platform]] {
            let (_, want) = output(&[args, &[file.as_str()]].concat());
            let want = String::from_utf8(want).unwrap().replace(&file, "<stdin>");
            let piped = wxmsg()
                .env("WXMSG_THREADS", "2")
                .arg("validate")
                .args(args)
                .write_stdin(content.as_bytes())
                .output()
                .unwrap();
            assert_eq!(String::from_utf8(piped.stdout).unwrap(), want, "{args:?}");
        }
        // Standard input redirected from the file is cut the same way.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_wxmsg"))
            .env("WXMSG_THREADS", "2")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .arg("validate")
            .stdin(fs::File::open(&file).unwrap())
            .output()
            .unwrap();
        let (_, want) = output(&[&file]);
        let want = String::from_utf8(want).unwrap().replace(&file, "<stdin>");
        assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
    }
}

#[test]
fn large_files_among_small_ones_are_reported_as_on_one_thread() {
    // Among several inputs, large files are put aside and read on every core
    // once the small ones are done, or one per core when there are many; the
    // report is the one a single thread gives, in path order.
    let big = generated(22_000, true);
    for large in [1, 5] {
        let names: Vec<String> = (0..large).map(|k| format!("logs/{k}.ndjson")).collect();
        let good = fs::read_to_string("fixtures/miniprogram/text.json").unwrap();
        let mut files: Vec<(&str, &str)> = vec![("a.json", BAD), ("z/ok.json", &good)];
        files.extend(names.iter().map(|n| (n.as_str(), big.as_str())));
        let dir = tree(&files);
        let root = dir.path().to_string_lossy().into_owned();
        for format in ["human", "json"] {
            let args = ["validate", "--format", format, &root];
            let one = same_on_any_threads(&args, &format!("{large} large, {format}"));
            assert_eq!(one.0, Some(1), "{format}");
            if format == "human" {
                let text = String::from_utf8(one.1).unwrap();
                assert!(
                    text.ends_with(&format!("1 passed, {} failed\n", large + 1)),
                    "{text}"
                );
            }
        }
    }
}

/// Runs `wxmsg ARGS` on one thread, then on two and three, which must give the
/// same exit code, output and messages; returns the one-thread run.
fn same_on_any_threads(args: &[&str], what: &str) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let on = |threads: &str| {
        let out = wxmsg()
            .env("WXMSG_THREADS", threads)
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), out.stdout, out.stderr)
    };
    let one = on("1");
    for threads in ["2", "3"] {
        let many = on(threads);
        assert!(
            many == one,
            "{what} on {threads} threads differs:\n{}",
            String::from_utf8_lossy(&many.1)
        );
    }
    one
}

/// Checks that every source line the human report quotes (`  97 | {…`) is
/// part of that line of `content`; returns how many it checked. Quoting jumps
/// over the lines between findings, so a wrong jump shows here.
fn snippets_quote(report: &str, content: &str) -> usize {
    let lines: Vec<&str> = content.lines().collect();
    let mut checked = 0;
    for l in report.lines() {
        let Some((n, text)) = l.trim_start().split_once(" | ") else {
            continue;
        };
        let Ok(n) = n.parse::<usize>() else {
            continue;
        };
        let line = lines[n - 1].trim_end_matches('\r');
        // Without a `…` before it, the quote starts where the line starts.
        let ok = match text.strip_prefix('…') {
            Some(cut) => line.contains(cut.trim_end_matches('…')),
            None => line.starts_with(text.trim_end_matches('…')),
        };
        assert!(ok, "line {n} quoted as {text:?}, is {line:?}");
        checked += 1;
    }
    checked
}

/// Set in the environment of the re-executed test binary (see below).
const HELPER_ENV: &str = "WXMSG_VALIDATE_TEST_HELPER";

/// A 43 MB file is checked in a fraction of its size: reports are not kept, the
/// file is not read whole, and what waits for the output is spooled. A child's peak
/// RSS on Linux starts from its parent's, so (as in tests/stream.rs) the test runs
/// itself again alone in a fresh, small process, which runs wxmsg and measures it.
#[cfg(unix)]
#[test]
fn a_large_file_is_checked_in_flat_memory() {
    if std::env::var_os(HELPER_ENV).is_some() {
        return large_file_through_the_cli();
    }
    common::rerun_alone("a_large_file_is_checked_in_flat_memory", HELPER_ENV);
}

#[cfg(unix)]
fn large_file_through_the_cli() {
    use std::io::{BufWriter, Read, Write};
    use std::process::{Command, Stdio};
    const LINES: usize = 200_000;
    const LIMIT: u64 = 16 << 20;
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("big.ndjson");
    {
        let mut w = BufWriter::new(fs::File::create(&path).unwrap());
        for i in 1..=LINES {
            let line = if i % 97 == 0 {
                kf_bad_line(i)
            } else {
                kf_line(i)
            };
            writeln!(w, "{line}").unwrap();
        }
        w.flush().unwrap();
    }
    let size = fs::metadata(&path).unwrap().len();
    assert!(
        size > 2 * LIMIT,
        "the file ({size} bytes) must dwarf the limit"
    );
    let bad = LINES / 97;
    for format in ["human", "json"] {
        // Reaped by `wait_with_rusage` (wait4), which `Child::wait` cannot replace.
        #[allow(clippy::zombie_processes)]
        let mut child = Command::new(env!("CARGO_BIN_EXE_wxmsg"))
            .args(["validate", "--format", format])
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run wxmsg");
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .expect("wxmsg output is UTF-8");
        let (code, peak) = common::wait_with_rusage(child.id());
        assert_eq!(code, 1, "{format}");
        if format == "human" {
            assert_eq!(out.lines().last(), Some("0 passed, 1 failed"));
            // Each bad line: a missing field and an unknown field, each quoted.
            assert_eq!(out.matches("error[missing-field]").count(), bad);
            assert_eq!(out.matches("warning[unknown-field]").count(), bad);
            let last = LINES / 97 * 97;
            assert!(out.contains(&format!("\n  {last} | {{\"msgid\":\"m{last}\"")));
        } else {
            // Every payload's report, in order, in one document.
            assert!(out.starts_with("{\"passed\":0,\"failed\":1,\"files\":[{\"path\":"));
            // (then the paths that could not be read: none)
            assert!(out.ends_with("]}],\"errors\":[]}\n"));
            assert_eq!(out.matches("{\"source\":").count(), LINES);
            assert_eq!(out.matches("\"valid\":false").count(), bad + 1);
            let at = |line: usize| out.find(&format!("\"msgid\":\"m{line}\"")).unwrap();
            assert!(at(1) < at(LINES / 2) && at(LINES / 2) < at(LINES));
        }
        println!(
            "wxmsg validate --format {format}: {size} bytes, peak RSS {} KiB",
            peak / 1024
        );
        assert!(
            peak < LIMIT,
            "{format}: peak RSS {} KiB is over {} KiB",
            peak / 1024,
            LIMIT / 1024
        );
    }
}

/// Payload text quoted in a finding's message (an unknown event name with a
/// bidi override and a C1 CSI) reaches no report format raw: SARIF escapes it
/// as the human, GitHub and JUnit formats do, and JSON as `\uXXXX`.
#[test]
fn no_report_format_carries_bidi_or_c1_characters_raw() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("bidi.json");
    fs::write(
        &path,
        "{\"ToUserName\":\"gh_1\",\"FromUserName\":\"o1\",\"CreateTime\":1,\"MsgType\":\"event\",\"Event\":\"\\u202eSCAN\\u009b\",\"MsgId\":1}\n",
    )
    .unwrap();
    for format in ["human", "json", "github", "junit", "sarif"] {
        let (_, out) = output(&["--format", format, path.to_str().unwrap()]);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("SCAN"), "{format}: {text}");
        assert!(
            !text
                .chars()
                .any(|c| matches!(c, '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}')),
            "{format}: {text}"
        );
    }
}

/// A message quotes a value the way Rust's `{:?}` does, so a backslash in the
/// value shows as `\\` in the message. Every format shows that one escape as it
/// is, not doubled again (which would say the value holds two backslashes).
#[test]
fn every_format_quotes_a_backslash_in_a_value_alike() {
    let input = r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1,"MsgType":"text","Content":"a","MsgId":"x\\y"}"#;
    let quoted = r#"found string "x\\y""#;
    for format in ["human", "github", "junit", "sarif"] {
        let r = run(&["--format", format], Some(input));
        assert_eq!(r.code, 1, "{format}");
        let shown = if format == "junit" {
            // The failure's message attribute, with XML's escapes resolved.
            r.stdout.replace("&quot;", "\"")
        } else if format == "sarif" {
            let v: Value = serde_json::from_str(&r.stdout).unwrap();
            v.to_string()
                .replace(r#"\\"#, r#"\"#)
                .replace(r#"\""#, "\"")
        } else {
            r.stdout.clone()
        };
        // The message's line (the human format's snippet quotes the source
        // below it, where backslashes are doubled on purpose).
        let message = shown.lines().find(|l| l.contains("found string"));
        assert!(
            message.is_some_and(|l| l.contains(quoted)),
            "{format}: {}",
            r.stdout
        );
        assert!(
            !shown.contains(r#"found string "x\\\\y""#),
            "{format}: {}",
            r.stdout
        );
    }
}

/// A flood of combining marks is one column but megabytes: the human format's
/// snippets cut it, on either side of the caret, as every value is cut, rather
/// than quote it whole (or read the line again and again to find its end).
#[test]
fn human_snippets_cut_floods_of_combining_marks() {
    let flood = format!("e{}", "\u{301}".repeat(200_000));
    let payload = |content: &str| {
        format!(
            r#"{{"ToUserName":"gh_1","FromUserName":"o","CreateTime":true,"MsgType":"text","Content":"{content}","MsgId":1,"Title":"{content}"}}"#
        )
    };
    // Findings before and after the flood, on one line of several payloads.
    let line = [payload(&flood), payload("x"), payload(&flood)].join(" ");
    let r = run(
        &["--color", "never", "--platform", "miniprogram"],
        Some(&line),
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.matches("type-mismatch").count() >= 3,
        "{}",
        r.stdout
    );
    let longest = r.stdout.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest < 1000, "a line of {longest} characters");
}

/// A closed output pipe cuts the report short, not the verdict: the status is
/// still 1 when a file failed (a CI step piping the report into `head` under
/// `pipefail` must not go green).
#[test]
fn a_closed_pipe_keeps_the_verdict() {
    let dir = tree(&[("bad.json", "{\"MsgType\":\"text\",\"Content\":true}\n")]);
    let bad = p(&dir, "bad.json");
    // Enough findings that the report outgrows the pipe's buffer.
    let big = dir.path().join("big.json");
    let line = "{\"MsgType\":\"text\",\"Content\":true}\n";
    std::fs::write(&big, line.repeat(20_000)).unwrap();
    for path in [bad.as_str(), big.to_str().unwrap()] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("wxmsg"))
            .args(["validate", path])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Read one byte, then close the pipe.
        let mut stdout = child.stdout.take().unwrap();
        let mut byte = [0u8; 1];
        std::io::Read::read_exact(&mut stdout, &mut byte).unwrap();
        drop(stdout);
        assert_eq!(child.wait().unwrap().code(), Some(1), "{path}");
    }
}

/// A FIFO met on the walk is passed over (opening it would wait forever for a
/// writer); the regular files beside it are checked.
#[test]
fn a_fifo_below_a_directory_is_passed_over() {
    let dir = tree(&[("a/ok.json", &fixture("miniprogram/text.json"))]);
    let fifo = dir.path().join("a/pipe.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let out = wxmsg()
        .args(["validate", "--format", "json", dir.path().to_str().unwrap()])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(paths(&v).len(), 1, "{v}");
}

/// sweepD #3: a UTF-8 BOM is no column, as editors show the line: a finding
/// on the first line of a file with a BOM is at the column it has without
/// one, in the header, the machine formats and under the caret.
#[test]
fn a_bom_is_no_column() {
    let dir = TempDir::new().unwrap();
    let body = r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":true,"MsgType":"text","Content":"x","MsgId":1}"#;
    let column = body.find("true").unwrap() + 1;
    for (name, text) in [
        ("plain.json", body.to_string()),
        ("bom.json", format!("\u{feff}{body}")),
    ] {
        let path = dir.path().join(name);
        fs::write(&path, &text).unwrap();
        let path = path.to_str().unwrap();
        let args = ["--format", "github", "--platform", "miniprogram", path];
        let r = run(&args, None);
        assert!(
            r.stdout.contains(&format!("line=1,col={column},")),
            "{name}: {}",
            r.stdout
        );
        let r = run(
            &["--color", "never", "--platform", "miniprogram", path],
            None,
        );
        assert!(
            r.stdout.contains(&format!(":1:{column}: error")),
            "{}",
            r.stdout
        );
        // The caret stands under the value.
        let lines: Vec<&str> = r.stdout.lines().collect();
        let caret = lines
            .iter()
            .position(|l| l.trim_end().ends_with('^'))
            .unwrap();
        let at = lines[caret].find('^').unwrap();
        let quoted: String = lines[caret - 1].chars().skip(at).take(4).collect();
        assert_eq!(quoted, "true", "{name}: {}", r.stdout);
    }
}

/// sweepD #7: a document cut off by the end of the input is reported at the
/// end of its last line, with or without a last line break (CRLF too), not
/// at a column past the break.
#[test]
fn the_end_of_the_input_is_the_end_of_the_last_line() {
    let dir = TempDir::new().unwrap();
    for (name, text) in [
        (
            "lf.xml",
            "<xml>\n<ToUserName>gh_1</ToUserName>\n<MsgType>text\n",
        ),
        (
            "none.xml",
            "<xml>\n<ToUserName>gh_1</ToUserName>\n<MsgType>text",
        ),
        (
            "crlf.xml",
            "<xml>\r\n<ToUserName>gh_1</ToUserName>\r\n<MsgType>text\r\n",
        ),
    ] {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        let r = run(&["--format", "github", path.to_str().unwrap()], None);
        assert!(r.stdout.contains("line=3,col=14,"), "{name}: {}", r.stdout);
    }
}

/// sweepD #4: a `.json` or `.xml` fixture holds payloads alone. A line of
/// other text or a document with no payload in one (stray words, the `[`
/// and `]` of an array whose items lack their commas) is a `stray-text`
/// warning at its place, which `--strict` fails; in a log (`.ndjson`,
/// `.log`, standard input) such text is passed over as before.
#[test]
fn text_that_is_no_payload_in_a_fixture_is_a_warning() {
    let dir = TempDir::new().unwrap();
    let good = kf_line(1);
    let text = format!("[\n{good}\n{good}\n]\nGARBAGE here\n  {{\"foo\":1}}\n");
    let mut want = vec![(1, 1, "line"), (4, 1, "line"), (5, 1, "line")];
    want.push((6, 3, "document"));
    for (name, flagged) in [
        ("a.json", true),
        ("a.JSON", true),
        ("a.ndjson", false),
        ("a.log", false),
    ] {
        let path = dir.path().join(name);
        fs::write(&path, &text).unwrap();
        let path = path.to_str().unwrap();
        let (code, v) = json(&[path], None);
        assert_eq!(code, 0, "{name}");
        let got: Vec<(u64, u64, &str)> = v["files"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                assert_eq!(d["code"], "stray-text");
                assert_eq!(d["severity"], "warning");
                let msg = d["message"].as_str().unwrap();
                let kind = if msg.contains("document") {
                    "document"
                } else {
                    "line"
                };
                (
                    d["line"].as_u64().unwrap(),
                    d["column"].as_u64().unwrap(),
                    kind,
                )
            })
            .collect();
        let want: Vec<(u64, u64, &str)> = if flagged {
            want.iter().map(|&(l, c, k)| (l, c, k)).collect()
        } else {
            Vec::new()
        };
        assert_eq!(got, want, "{name}");
        assert_eq!(
            run(&["--strict", path], None).code,
            if flagged { 1 } else { 0 }
        );
    }
    // Standard input is no fixture file.
    assert_eq!(run(&["--strict"], Some(&text)).code, 0);
    // Only the first 32 are listed; the last one listed counts the rest, the
    // same on one thread and on every core (a file of 4 MiB and more).
    let mut big = String::new();
    let mut n = 0;
    while big.len() < 5 << 20 {
        n += 1;
        big.push_str(&kf_line(n));
        big.push_str(if n % 100 == 0 { "\n#\n" } else { "\n" });
    }
    let stray = n / 100;
    let path = dir.path().join("big.json");
    fs::write(&path, &big).unwrap();
    let path = path.to_str().unwrap();
    let one = wxmsg()
        .env("WXMSG_THREADS", "1")
        .args(["validate", "--format", "github", path])
        .output()
        .unwrap();
    let all = wxmsg()
        .args(["validate", "--format", "github", path])
        .output()
        .unwrap();
    assert_eq!(one.stdout, all.stdout);
    let out = String::from_utf8(all.stdout).unwrap();
    let lines: Vec<&str> = out.lines().filter(|l| l.contains("stray-text")).collect();
    assert_eq!(lines.len(), 32, "{out}");
    assert!(lines[0].contains("line=101,col=1,"), "{}", lines[0]);
    assert!(
        lines[31].contains(&format!(
            "({} more lines or documents like it below)",
            stray - 32
        )),
        "{}",
        lines[31]
    );
}

/// sweepD #4, beside a payload: in a fixture file, text on a payload's line
/// (before it, after it, a comma between two) is out of place too, once a
/// line; an XML declaration, comments (over several lines too) and
/// processing instructions are XML's own. In a log the same text is a
/// prefix, passed over.
#[test]
fn text_beside_a_payload_in_a_fixture_is_a_warning() {
    let dir = TempDir::new().unwrap();
    let xml = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[x]]></Content><MsgId>1</MsgId></xml>";
    let kf = kf_line(1);
    let cases = [
        (
            "a.xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- a text push -->\n<?xml-stylesheet href=\"a\"?>\n{xml} junk\n<!--\n  several\n  lines\n-->\n"),
            vec![(4, xml.chars().count() as u64 + 2)],
        ),
        (
            "a.json",
            format!("x {kf} y\n{kf}\n  {kf}, {kf}\n"),
            vec![(1, 1), (3, kf.chars().count() as u64 + 3)],
        ),
    ];
    for (name, text, want) in cases {
        for (file, flagged) in [(name.to_string(), true), (format!("{name}.log"), false)] {
            let path = dir.path().join(&file);
            fs::write(&path, &text).unwrap();
            let (code, v) = json(
                &[
                    "--platform",
                    "official-account",
                    "--platform",
                    "wecom-kf",
                    path.to_str().unwrap(),
                ],
                None,
            );
            assert_eq!(code, 0, "{file}: {v}");
            let got: Vec<(u64, u64)> = v["files"][0]["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
                .collect();
            assert_eq!(got, if flagged { want.clone() } else { vec![] }, "{file}");
        }
    }
}
