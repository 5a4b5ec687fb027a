//! `wxmsg decrypt`: print safe-mode plaintexts exactly as WeChat sent them.
//!
//! Output framing: each plaintext is written byte for byte, followed by one
//! newline that is not part of it (a record terminator, so several payloads stay
//! apart and `encrypt | decrypt` is the identity on a file that ends with a
//! newline). Strip that last newline to get the exact bytes back. On a terminal,
//! control characters are shown escaped instead (like everywhere else in wxmsg);
//! piped or redirected output is always raw.

use super::{error_line, Status};
use crate::cli::KeyArgs;
use anyhow::Result;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use wxmsg::crypto::{self, signature, DecryptConfig, Opened, Query, Verification};
use wxmsg::diag::{Code, Severity};
use wxmsg::pipeline::{Analyzer, Options};
use wxmsg::render::sanitize;
use wxmsg::report::{Envelope, Report};

const EXAMPLES: &str = "\
Examples:
  export WXMSG_AES_KEY=jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C
  wxmsg decrypt push.xml                        the plaintext payload, exactly as sent
  wxmsg decrypt --receiver-id wx5823bf96d3bd56c7 push.xml
  wxmsg decrypt --token QDG6eK \\
      --query 'msg_signature=477715d1…&timestamp=1409659813&nonce=1372623149' push.xml
  wxmsg decrypt app.log                         every envelope in a log, one per line
  wxmsg decrypt --token QDG6eK --query 'msg_signature=…&timestamp=…&nonce=…&echostr=…'
                                                WeCom URL verification: the echostr reply
  echo 'P9nAzCzy…qQ==' | wxmsg decrypt          a bare Encrypt value or echostr

Input: envelopes (XML or JSON, also inside logs), a bare base64 ciphertext, or a
callback URL / query with `echostr=`. Output: each plaintext followed by one
newline. Notes (receiver id, signature status) go to stderr; -q hides them.
Exit status: 0 all decrypted, 1 a payload failed (nothing printed for it), 2 usage or I/O error.";

/// Arguments of `wxmsg decrypt`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Files to read (`-` or none: standard input): envelopes (one or many, or a
    /// log), a bare `Encrypt` value or `echostr`, or a callback URL with `echostr=`.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,

    #[command(flatten)]
    pub key: KeyArgs,

    /// Largest document or line accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    pub max_record_bytes: usize,

    /// Do not print the per-payload notes (receiver id, signature status) on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Decrypts every input; see the module documentation for the output format.
pub fn run(a: Args) -> Result<Status> {
    // An official account's URL verification in plain mode (`--query` with
    // `signature` and `echostr`, no `msg_signature`) decrypts nothing: an
    // account in plain mode has no key to give.
    let plain = a.files.is_empty()
        && a.key
            .query
            .as_deref()
            .map(Query::parse_pasted)
            .is_some_and(|q| {
                q.signature.is_some() && q.msg_signature.is_none() && q.echostr.is_some()
            });
    let cfg = match a.key.decrypt_config() {
        Some(cfg) => cfg,
        None if plain => a.key.config_with(""),
        None => {
            error_line(
                "no key: set the WXMSG_AES_KEY environment variable (safer) or pass --aes-key",
            );
            return Ok(Status::Trouble);
        }
    };
    let stdout = io::stdout();
    let mut run = Run {
        cfg,
        tty: stdout.is_terminal(),
        out: io::BufWriter::new(stdout.lock()),
        quiet: a.quiet,
        max: a.max_record_bytes,
        failed: false,
        trouble: false,
    };
    let query_echostr = a
        .key
        .query
        .as_deref()
        .and_then(|q| Query::parse_pasted(q).echostr);
    match query_echostr {
        // `--query '…&echostr=…'` alone is a complete WeCom URL verification.
        Some(echostr) if a.files.is_empty() => {
            let cfg = run.cfg.clone();
            run.echostr(&echostr, &cfg, |_| "--query".into())?
        }
        _ => {
            let files = if a.files.is_empty() {
                vec!["-".to_string()]
            } else {
                a.files.clone()
            };
            for path in files {
                run.input(&path)?;
            }
        }
    }
    run.out.flush()?;
    Ok(if run.trouble {
        Status::Trouble
    } else if run.failed {
        Status::Findings
    } else {
        Status::Ok
    })
}

struct Run<W: Write> {
    cfg: DecryptConfig,
    tty: bool,
    out: W,
    quiet: bool,
    max: usize,
    failed: bool,
    trouble: bool,
}

impl<W: Write> Run<W> {
    fn input(&mut self, path: &str) -> Result<()> {
        if path == "-" && io::stdin().is_terminal() {
            let _ = writeln!(
                io::stderr(),
                "wxmsg: reading from the terminal; paste an envelope or Encrypt value, end with Ctrl-D"
            );
        }
        let (reader, name) = match wxmsg::input::open(path) {
            Ok(x) => x,
            Err(e) => {
                error_line(&format!("cannot read `{path}`: {e}"));
                self.trouble = true;
                return Ok(());
            }
        };
        let mut reader = BufReader::new(reader);
        // The first line decides: a bare value or a query is read whole, anything
        // else goes through the normal framing (so logs stream line by line).
        // Leading blank lines are kept (positions stay right) but skipped for the
        // decision.
        let mut first = Vec::new();
        let mut line_start;
        loop {
            line_start = first.len();
            let limit = (self.max as u64 + 1).saturating_sub(first.len() as u64);
            match reader.by_ref().take(limit).read_until(b'\n', &mut first) {
                Ok(0) => break,
                Ok(_)
                    if skip_bom(&first[line_start..])
                        .iter()
                        .all(u8::is_ascii_whitespace) => {}
                Ok(_) => break,
                Err(e) => {
                    error_line(&format!("error reading `{path}`: {e}"));
                    self.trouble = true;
                    return Ok(());
                }
            }
        }
        if skip_bom(&first).iter().all(u8::is_ascii_whitespace) {
            // Nothing to decrypt is not a failure (reliability F9), but says so.
            if !self.quiet {
                self.note(&format!("{name}: no payloads: the input is empty"));
            }
            return Ok(());
        }
        let line = skip_bom(first[line_start..].trim_ascii());
        let (bare, token, line_len) = (is_bare(line), is_token(line), line.len());
        if bare || token {
            // Read the rest: a lone token is a value even if it is not valid
            // base64 (so the error can name the bad character); a token followed
            // by more text is just the first line of something else. The value
            // is one record: up to the limit, and a line end after it, is read;
            // a byte more means it is over the limit.
            let mut all = first;
            let cap = self.max as u64 + VALUE_SLACK;
            let room = cap.saturating_sub((all.len() - line_start) as u64);
            if let Err(e) = reader.by_ref().take(room).read_to_end(&mut all) {
                error_line(&format!("error reading `{path}`: {e}"));
                self.trouble = true;
                return Ok(());
            }
            let read = &all[line_start..];
            let more = read.len() as u64 >= cap;
            let rest = skip_bom(read.trim_ascii());
            let alone = !more && rest.len() == line_len;
            let value = bare && (is_bare_text(rest) || (!more && is_wrapped_value(rest)));
            if !(alone || value) {
                // Whatever was not read yet follows.
                return self.envelopes(path, &name, io::Cursor::new(all).chain(reader));
            }
            if more || rest.len() > self.max {
                let size = if more {
                    String::new()
                } else {
                    format!("{} bytes, ", rest.len())
                };
                // Reading stopped inside the value: its first line is where it is.
                let line = 1 + all[..line_start].iter().filter(|&&b| b == b'\n').count();
                error_line(&format!(
                    "{name}:{line}:1: {}: the value is {size}over the {} byte record limit (--max-record-bytes); not decrypted",
                    Code::RecordTooLarge,
                    self.max
                ));
                self.failed = true;
                return Ok(());
            }
            return match String::from_utf8(all) {
                // Positions are counted after a BOM, as an editor shows them.
                Ok(text) => self.text(&name, text.strip_prefix('\u{feff}').unwrap_or(&text)),
                Err(e) => {
                    let valid = e.as_bytes().get(..e.utf8_error().valid_up_to());
                    let (line, column) = position(valid.unwrap_or_default());
                    error_line(&format!(
                        "{name}:{line}:{column}: {}: the input is not valid UTF-8",
                        Code::InvalidUtf8
                    ));
                    self.failed = true;
                    Ok(())
                }
            };
        }
        self.envelopes(path, &name, io::Cursor::new(first).chain(reader))
    }

    /// A bare `Encrypt` value or `echostr` (possibly wrapped over lines), or
    /// callback URLs / queries with `echostr=`, one per line (an access log).
    /// `text` is the whole input, so positions in it are the file's.
    fn text(&mut self, name: &str, text: &str) -> Result<()> {
        if text.contains("echostr=") {
            return self.queries(name, text);
        }
        let t = text.trim();
        let start = text.len() - text.trim_start().len();
        let at = |pos: usize| {
            let (line, column) = position(text.as_bytes().get(..pos).unwrap_or_default());
            format!("{name}:{line}:{column}")
        };
        if t.contains('&') && t.contains('=') {
            error_line(&format!("{}: the query has no echostr value", at(start)));
            self.failed = true;
            return Ok(());
        }
        // An echostr copied straight out of a URL is percent-decoded; then the
        // value's offsets are no longer the file's.
        let (value, offsets) = if t.contains('%') {
            (crypto::query::percent_decode(t), None)
        } else {
            (t.to_string(), Some(start))
        };
        let cfg = self.cfg.clone();
        self.open_value(&value, &cfg, |offset| match (offset, offsets) {
            (Some(o), Some(base)) => at(base + o),
            _ => at(start),
        })
    }

    /// WeCom URL verifications: every line with a query carrying `echostr`,
    /// each verified and decrypted on its own, reported at its line and the
    /// column where its query starts.
    fn queries(&mut self, name: &str, text: &str) -> Result<()> {
        let mut found = false;
        let mut offset = 0;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            let here = offset;
            offset += line.len();
            let Some((at, q)) = Query::find(line).filter(|(_, q)| q.echostr.is_some()) else {
                continue;
            };
            found = true;
            let mut cfg = self.cfg.clone();
            cfg.apply_query(&q);
            let (_, column) = position(text.as_bytes().get(here..here + at).unwrap_or_default());
            let echostr = q.echostr.unwrap_or_default();
            self.echostr(&echostr, &cfg, |_| format!("{name}:{}:{column}", i + 1))?;
        }
        if !found {
            error_line(&format!("{name}:1:1: the query has no echostr value"));
            self.failed = true;
        }
        Ok(())
    }

    /// A URL verification's `echostr`. WeCom's is encrypted and signed with
    /// `msg_signature`; an official account's or mini program's carries only
    /// the plain 3-part `signature` and is returned as is (catalogue §7.3), so
    /// it is checked (with a token) and printed unchanged, not decrypted.
    fn echostr(
        &mut self,
        echostr: &str,
        cfg: &DecryptConfig,
        at: impl Fn(Option<usize>) -> String,
    ) -> Result<()> {
        let (Some(sig), None) = (&cfg.signature, &cfg.request.msg_signature) else {
            return self.open_value(echostr, cfg, at);
        };
        let r = &cfg.request;
        let verified = match (&cfg.token, &r.timestamp, &r.nonce) {
            // An empty token counts as none (see `crypto::EMPTY_TOKEN`).
            (Some(token), ..) if token.is_empty() => {
                format!("signature not verified: {}", crypto::EMPTY_TOKEN)
            }
            (Some(token), Some(ts), Some(nonce)) => {
                let parts = [token.as_str(), ts.as_str(), nonce.as_str()];
                if let Err(e) = signature::verify("signature", sig, &parts, "timestamp and nonce") {
                    self.fail(&at(None), &e);
                    return Ok(());
                }
                "signature verified".to_string()
            }
            (None, ..) => "signature not verified (no --token)".to_string(),
            _ => "signature not verified (the query lacks timestamp or nonce)".to_string(),
        };
        write_plain(&mut self.out, echostr.as_bytes(), self.tty)?;
        self.out.flush()?;
        if !self.quiet {
            self.note(&format!(
                "{}: plain-mode URL verification (official account / mini program): the echostr is returned as is, not encrypted; {verified}",
                at(None)
            ));
        }
        Ok(())
    }

    /// Reports a value that failed to verify or decrypt, at `at`.
    fn fail(&mut self, at: &str, e: &crypto::CryptoError) {
        error_line(&format!("{at}: {}: {}", e.code, e.message));
        self.failed = true;
    }

    /// Verifies and decrypts one value, printing it or the error. `at` names
    /// where the value is, or (given an error's offset in it) the character
    /// an error is about.
    fn open_value(
        &mut self,
        value: &str,
        cfg: &DecryptConfig,
        at: impl Fn(Option<usize>) -> String,
    ) -> Result<()> {
        match cfg.open(value, None) {
            Ok(opened) => self.emit(&at(None), &opened, "echostr / Encrypt value"),
            Err(e) => {
                self.fail(&at(e.offset), &e);
                Ok(())
            }
        }
    }

    /// Envelopes found by the normal framing (files, logs, NDJSON, …).
    fn envelopes(&mut self, path: &str, name: &str, reader: impl Read) -> Result<()> {
        let opts = Options {
            scan: wxmsg::input::ScanOptions {
                max_record: self.max,
                ..Default::default()
            },
            ..Default::default()
        };
        let mut an = Analyzer::new(reader, name.to_string(), opts);
        let (mut found, mut plain) = (0u64, 0u64);
        loop {
            let r = match an.next_report() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    error_line(&format!("error reading `{path}`: {e}"));
                    self.trouble = true;
                    return Ok(());
                }
            };
            match (&r.doc, r.envelope) {
                (Some(doc), Some(env @ (Envelope::Push | Envelope::Reply | Envelope::Compat))) => {
                    found += 1;
                    let at = format!("{}:{}:{}", r.source, r.line, r.column);
                    match crypto::open_envelope(&doc.root, env, &self.cfg) {
                        Ok(opened) => self.emit(&at, &opened, envelope_name(env))?,
                        Err(e) => {
                            // At the `Encrypt` field, as `parse` and `convert`
                            // report it, not at the envelope's first character.
                            let at = match doc.root.get("Encrypt") {
                                Some(n) => {
                                    let (line, column) = doc.line_col(n.pos);
                                    format!("{}:{line}:{column}", r.source)
                                }
                                None => at,
                            };
                            error_line(&format!("{at}: {}: {}", e.code, e.message));
                            self.failed = true;
                        }
                    }
                }
                _ if refused(&r) => {
                    found += 1;
                    self.report_errors(&r);
                }
                (None, _) => {
                    found += 1;
                    self.report_errors(&r);
                }
                _ => plain += 1,
            }
        }
        if found == 0 {
            let passed = if plain > 0 {
                format!(" ({plain} payload(s) without encryption passed over)")
            } else {
                String::new()
            };
            error_line(&format!(
                "{name}:1:1: no encrypted payload (an object with `Encrypt`) and no base64 value found{passed}"
            ));
            self.failed = true;
        } else if plain > 0 && !self.quiet {
            self.note(&format!(
                "{name}: {plain} payload(s) without encryption passed over"
            ));
        }
        Ok(())
    }

    /// Writes one plaintext and its note.
    fn emit(&mut self, at: &str, opened: &Opened, what: &str) -> Result<()> {
        write_plain(&mut self.out, &opened.plain.message, self.tty)?;
        self.out.flush()?;
        if !self.quiet {
            let check = if self.cfg.receiver_id.is_some() {
                " (checked)"
            } else {
                ""
            };
            let sig = match &opened.verification {
                Verification::Verified => "signature verified".to_string(),
                Verification::NotVerified(why) => format!("signature not verified ({why})"),
            };
            let id = if opened.receiver_id.is_empty() {
                "(empty)".to_string()
            } else {
                opened.receiver_id.clone()
            };
            self.note(&format!(
                "{at}: decrypted {what}, receiver id {id}{check}; {sig}"
            ));
        }
        Ok(())
    }

    fn report_errors(&mut self, r: &Report) {
        for d in r
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            error_line(&format!(
                "{}:{}:{}: {}: {}",
                r.source, d.line, d.column, d.code, d.message
            ));
        }
        self.failed = true;
    }

    fn note(&self, msg: &str) {
        let _ = writeln!(io::stderr(), "wxmsg: {}", sanitize::escape(msg));
    }
}

/// Bytes read past the record limit for a bare value: its line end (`\r\n`)
/// and one more, which tells a value over the limit from one at it.
const VALUE_SLACK: u64 = 3;

/// True when the first line is a bare base64 value (possibly percent-encoded, or
/// with a `+` turned into a space by a URL decoder) or a query / URL carrying
/// `echostr=`.
fn is_bare(first: &[u8]) -> bool {
    let t = first.trim_ascii();
    if memchr::memmem::find(t, b"echostr=").is_some() {
        return true;
    }
    let symbols = t.iter().filter(|&&b| b != b' ').count();
    // Spaces are tolerated only in something long enough to be a ciphertext, so
    // that a line of prose is not mistaken for one.
    let min = if symbols < t.len() { 24 } else { 1 };
    symbols >= min
        && t.iter()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=% ".contains(b))
}

/// The whole input is one value: base64 wrapped over lines, or a query.
fn is_bare_text(text: &[u8]) -> bool {
    memchr::memmem::find(text, b"echostr=").is_some()
        || text
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=% \t\r\n".contains(b))
}

/// Text that can hold no envelope, one word per line: a value wrapped over
/// lines with a character base64 does not have (reported where it is), not
/// a log of prose.
fn is_wrapped_value(text: &[u8]) -> bool {
    !text.iter().any(|b| matches!(b, b'<' | b'{'))
        && text
            .split(|&b| b == b'\n')
            .all(|l| !l.trim_ascii().iter().any(u8::is_ascii_whitespace))
}

/// `bytes` without a leading UTF-8 BOM, which is tolerated wherever a record
/// starts.
fn skip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Line and column (1-based, columns in characters) just past `before`, the
/// input up to a position.
fn position(before: &[u8]) -> (u32, u32) {
    let text = String::from_utf8_lossy(before);
    wxmsg::doc::line_col_in(&text, text.len(), 1, 1)
}

/// One word that does not start a document: possibly a mangled ciphertext.
fn is_token(line: &[u8]) -> bool {
    !line.is_empty()
        && !line.iter().any(u8::is_ascii_whitespace)
        && !matches!(line.first(), Some(b'<' | b'{' | b'[' | b'"'))
}

/// Payloads refused outright (WeChat Pay, mini program open data).
fn refused(r: &Report) -> bool {
    r.diagnostics
        .iter()
        .any(|d| d.code == Code::UnsupportedScheme)
}

fn envelope_name(e: Envelope) -> &'static str {
    match e {
        Envelope::Reply => "passive-reply envelope",
        Envelope::Compat => "compatibility-mode payload",
        _ => "push envelope",
    }
}

/// The plaintext and one newline: raw bytes for pipes and files; on a terminal,
/// each line with control and bidi characters escaped.
fn write_plain(out: &mut impl Write, msg: &[u8], tty: bool) -> io::Result<()> {
    if tty {
        let text = String::from_utf8_lossy(msg);
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(sanitize::escape(line).as_bytes())?;
        }
    } else {
        out.write_all(msg)?;
    }
    out.write_all(b"\n")
}
