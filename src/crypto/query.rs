//! The callback URL's query string (`msg_signature=…&timestamp=…&nonce=…`),
//! pasted whole, as a full URL, or inside a log line (`"GET /cb?… HTTP/1.1"`).
//!
//! Percent escapes are decoded, but `+` stays `+`: in a WeChat callback it is part
//! of a base64 `echostr`, never an encoded space (form decoding that turns it into
//! a space is a known way to break URL verification).

/// The parameters wxmsg uses from a callback query. Unknown keys are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub msg_signature: Option<String>,
    /// The plain 3-part `signature` (official accounts and mini programs).
    pub signature: Option<String>,
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    /// WeCom URL verification: the encrypted `echostr`.
    pub echostr: Option<String>,
}

impl Query {
    /// Parses `a=1&b=2`, `?a=1&b=2`, `https://host/path?a=1&b=2#frag`, or the
    /// first such query in a line of text (see [`Query::find`]).
    ///
    /// The first occurrence of a key wins; `&amp;` (a query copied out of HTML or
    /// XML) is read as `&`.
    pub fn parse(text: &str) -> Query {
        Query::find(text).map_or_else(Query::default, |(_, q)| q)
    }

    /// Parses a query or callback URL given on the command line (`--query`):
    /// the whole value, spaces included. A space there is a `+` that URL
    /// decoding turned into one (catalogue §7.3), so cutting the value at it
    /// (as [`Query::find`] does in a log line) would hide the real problem
    /// behind "truncated". The query starts after the first `?`, if any, and
    /// ends at `#`.
    pub fn parse_pasted(text: &str) -> Query {
        let t = text.trim();
        let t = t.split_once('?').map_or(t, |(_, q)| q);
        let t = t.split_once('#').map_or(t, |(q, _)| q);
        Query::pairs(&json_unescape(t))
    }

    /// The first query in `text` that carries a parameter wxmsg uses, with the
    /// byte offset where it starts.
    ///
    /// A query ends at whitespace, a quote or `#`: in an access log
    /// (`"GET /cb?…&echostr=… HTTP/1.1" 200`) or a quoted URL, what follows is
    /// not part of the last value, and a URL never holds those characters
    /// unencoded. Before a `?`, a word is a path or URL, not a query.
    pub fn find(text: &str) -> Option<(usize, Query)> {
        // A word is a slice of `text`, so its offset is where its pointer is.
        let base = text.as_ptr() as usize;
        let mut words = text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '#'));
        words.find_map(|word| {
            let start = word.as_ptr() as usize - base;
            let (skip, query) = match word.split_once('?') {
                Some((path, q)) => (path.len() + 1, q),
                None => (0, word),
            };
            let q = Query::pairs(&json_unescape(query));
            (q != Query::default()).then_some((start + skip, q))
        })
    }

    fn pairs(t: &str) -> Query {
        let mut q = Query::default();
        for pair in t.split('&') {
            let pair = pair.strip_prefix("amp;").unwrap_or(pair);
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match percent_decode(k).as_str() {
                "msg_signature" => &mut q.msg_signature,
                "signature" => &mut q.signature,
                "timestamp" => &mut q.timestamp,
                "nonce" => &mut q.nonce,
                "echostr" => &mut q.echostr,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(percent_decode(v));
            }
        }
        q
    }
}

/// Decodes the JSON string escapes a structured logger writes into a URL:
/// Go's `encoding/json` (zap, logrus, gin) writes `&` as `\u0026`, PHP's
/// `json_encode` `/` as `\/`. A URL never holds a backslash unencoded, so a
/// query found inside a JSON string field is read as its text, as the payloads
/// in such fields are. Anything else after a backslash is kept as written.
fn json_unescape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\\') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let esc = &rest[i..];
        let unicode = esc
            .get(1..6)
            .and_then(|u| u.strip_prefix('u'))
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        let (decoded, used) = match (esc.as_bytes().get(1), unicode) {
            (Some(b'u'), Some(c)) => (c, 6),
            (Some(b'/'), _) => ('/', 2),
            (Some(b'\\'), _) => ('\\', 2),
            _ => ('\\', 1),
        };
        out.push(decoded);
        rest = &esc[used..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Decodes `%XX` escapes (either case); `+` and malformed escapes are kept as
/// written. Bytes that do not form UTF-8 become U+FFFD.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hi = b.get(i + 1).and_then(|&c| char::from(c).to_digit(16));
            let lo = b.get(i + 2).and_then(|&c| char::from(c).to_digit(16));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                // Two hex digits always fit a byte.
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Percent-encodes a value for a query string (everything but unreserved
/// characters), so that `+`, `/` and `=` of base64 survive any URL decoder.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_is_kept_and_escapes_decoded() {
        let q = Query::parse(
            "msg_signature=5c45&timestamp=1409659589&nonce=263014780&echostr=P9n%2FqY+4R%3D%3D",
        );
        assert_eq!(q.msg_signature.as_deref(), Some("5c45"));
        assert_eq!(q.timestamp.as_deref(), Some("1409659589"));
        assert_eq!(q.nonce.as_deref(), Some("263014780"));
        assert_eq!(q.echostr.as_deref(), Some("P9n/qY+4R=="));
        let q = Query::parse("echostr=a%2Bb%2bc+d");
        assert_eq!(q.echostr.as_deref(), Some("a+b+c+d"));
    }

    #[test]
    fn urls_fragments_and_html_ampersands() {
        let q = Query::parse("https://example.com/wx?signature=ab&amp;timestamp=1&openid=o#top");
        assert_eq!(q.signature.as_deref(), Some("ab"));
        assert_eq!(q.timestamp.as_deref(), Some("1"));
        assert_eq!(q.nonce, None);
        let q = Query::parse("?nonce=1&nonce=2&flag&=x");
        assert_eq!(q.nonce.as_deref(), Some("1"));
    }

    #[test]
    fn a_query_ends_at_whitespace_a_quote_or_a_fragment() {
        let line = r#"1.2.3.4 - - [01/May/2024] "GET /cb?msg_signature=5c&timestamp=1&nonce=2&echostr=P9n%2B4R%3D%3D HTTP/1.1" 200"#;
        let (at, q) = Query::find(line).unwrap();
        assert_eq!(&line[at..at + 16], "msg_signature=5c");
        assert_eq!(q.echostr.as_deref(), Some("P9n+4R=="));
        assert_eq!(q.timestamp.as_deref(), Some("1"));
        let q = Query::parse("see 'https://h/cb?nonce=7&echostr=AB#x' or later");
        assert_eq!(q.nonce.as_deref(), Some("7"));
        assert_eq!(q.echostr.as_deref(), Some("AB"));
        let q = Query::parse("  nonce=3&echostr=CD\tnext");
        assert_eq!(q.echostr.as_deref(), Some("CD"));
        // Words without a parameter wxmsg uses are passed over.
        let (at, q) = Query::find("INFO a=b verify echostr=EF&nonce=1").unwrap();
        assert_eq!(at, 16);
        assert_eq!(q.echostr.as_deref(), Some("EF"));
        assert_eq!(Query::find("no query here"), None);
        assert_eq!(Query::parse(""), Query::default());
    }

    #[test]
    fn malformed_escapes_are_kept() {
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%e4%b8%ad"), "中");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }

    #[test]
    fn encode_round_trips() {
        let s = "P9n/qY+4R==";
        assert_eq!(percent_encode(s), "P9n%2FqY%2B4R%3D%3D");
        assert_eq!(percent_decode(&percent_encode(s)), s);
    }
}
