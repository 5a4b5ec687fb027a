//! Terminal safety: nothing from a payload may drive the terminal or hide itself.
//!
//! Every payload-derived string (keys, values, messages, source names) passes
//! through [`escape`] before the renderer adds its own colour codes. The policy is
//! reliability research §2.5 (T1–T14) and §3.1:
//!
//! * C0 controls, DEL and C1 controls become visible escapes, so ESC-based attacks
//!   (OSC 52 clipboard writes, OSC 8 links, CSI screen clears, title reports) and
//!   line overwrites with a lone `\r` cannot reach the terminal.
//! * Bidi controls are always escaped (Trojan Source, CVE-2021-42574).
//! * Invisible characters (zero-width, BOM, soft hyphen, fillers, tag characters,
//!   stray variation selectors) are escaped so two equal-looking ids that differ
//!   only by an invisible character look different.
//! * Except: ZWJ, ZWNJ, VS15/VS16 and emoji tag sequences are kept where they build
//!   an emoji (👨‍👩‍👧, ❤️, 🏴󠁧󠁢󠁳󠁣󠁴󠁿), because WeChat users send emoji all the time and
//!   escaping them would make ordinary messages unreadable.
//!
//! Widths are measured per grapheme cluster with `unicode-width`, after escaping
//! (unicode-width gives control characters a width that terminals do not honour).

use std::borrow::Cow;
use unicode_segmentation::{GraphemeIndices, UnicodeSegmentation};
use unicode_width::UnicodeWidthStr;

const ZWNJ: char = '\u{200C}';
const ZWJ: char = '\u{200D}';
const VS15: char = '\u{FE0E}';
const VS16: char = '\u{FE0F}';
const BLACK_FLAG: char = '\u{1F3F4}';
const CANCEL_TAG: char = '\u{E007F}';
const KEYCAP: char = '\u{20E3}';

/// Returns `s` with every control, bidi and invisible character written as a
/// visible escape: `\n` `\t` `\r`, `\xNN` for the other C0 controls and DEL, and
/// `\u{…}` (lower-case hex) for everything else. A backslash stays a backslash.
///
/// Borrows when nothing needs escaping (the common case: printable ASCII and
/// ordinary CJK text).
pub fn escape(s: &str) -> Cow<'_, str> {
    if is_plain_ascii(s) || !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for (_, g) in clusters(s) {
        escape_cluster_into(g, &mut out);
    }
    Cow::Owned(out)
}

/// [`escape`] for wxmsg's own messages about a payload, which quote payload text
/// the way Rust's `{:?}` does (`found string "\u{1b}"` for an ESC): a backslash
/// there is the message's own escape, so it is kept single, where [`escape`] would
/// double it and make the message say the value holds a backslash. Anything a
/// message holds raw is still escaped.
pub fn escape_message(s: &str) -> Cow<'_, str> {
    if is_plain_ascii(s) || !s.chars().any(|c| c != '\\' && needs_escape(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for (i, piece) in s.split('\\').enumerate() {
        if i > 0 {
            out.push('\\');
        }
        out.push_str(&escape(piece));
    }
    Cow::Owned(out)
}

/// [`escape`] for a file name in a machine-read *location* (a GitHub
/// annotation's `file=`, a JUnit `file` attribute), which a tool resolves
/// against the checkout: there the name must stay the real one. A backslash,
/// a tab and a line break are kept as they are — each carrier encodes them
/// its own way (`%0A`, `&#9;`) — since writing them as `\\` or `\t` would name
/// another file. What a terminal or a viewer would act on (ESC and the other
/// controls, DEL, C1, bidi and invisible characters) is still escaped: a CI
/// log shows these reports, and there a name must not drive the terminal or
/// reorder what is shown. Such a name then no longer resolves; that is the
/// price, for names no one gives a fixture on purpose.
pub fn escape_location(s: &str) -> Cow<'_, str> {
    let kept = |c: char| matches!(c, '\\' | '\t' | '\r' | '\n');
    if is_plain_ascii(s) || !s.chars().any(|c| !kept(c) && needs_escape(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(i) = rest.find(kept) {
        let (piece, from) = rest.split_at(i);
        out.push_str(&escape(piece));
        let mut chars = from.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out.push_str(&escape(rest));
    Cow::Owned(out)
}

/// Cuts `s` (already escaped) to at most `max_width` display columns, never inside a
/// grapheme cluster. Returns the kept prefix and, when something was cut, how many
/// bytes of `s` were left out (for a `… (1,234 more bytes)` marker).
pub fn truncate(s: &str, max_width: usize) -> (Cow<'_, str>, Option<usize>) {
    // A character of width 2 takes at least 3 UTF-8 bytes and every other character
    // at most width 1, so a string never has more columns than bytes.
    if s.len() <= max_width {
        return (Cow::Borrowed(s), None);
    }
    let mut used = 0;
    for (off, g) in clusters(s) {
        let w = single_simple_width(g).unwrap_or_else(|| cluster_width(g));
        if used + w > max_width {
            let kept = s.get(..off).unwrap_or_default();
            return (Cow::Borrowed(kept), Some(s.len() - off));
        }
        used += w;
    }
    (Cow::Borrowed(s), None)
}

/// Longest grapheme cluster shown as is by [`escape_truncated`] (and the human
/// format's snippets), in bytes.
pub(crate) const MAX_CLUSTER_BYTES: usize = 128;

/// [`escape`] and [`truncate`] in one pass over raw payload text: stops escaping once
/// `max_width` columns are filled (a 1 MB `Content` costs only what is shown), never
/// cuts an escape like `\u{202e}` in half, and counts the left-out bytes of the
/// *original* text.
pub fn escape_truncated(s: &str, max_width: usize) -> (Cow<'_, str>, Option<usize>) {
    if s.len() <= max_width {
        if is_plain_ascii(s) {
            return (Cow::Borrowed(s), None);
        }
    } else if let Some(head) = s.get(..=max_width).filter(|h| is_plain_ascii(h)) {
        // Printable ASCII up to the first byte cut: a column and a cluster a byte,
        // so the cut falls after `max_width` bytes. The rest is never looked at.
        let kept = head.get(..max_width).unwrap_or_default();
        return (Cow::Borrowed(kept), Some(s.len() - max_width));
    }
    if let Some(cut) = simple_truncate(s, max_width) {
        return cut;
    }
    escape_truncated_clusters(s, max_width)
}

/// The general path of [`escape_truncated`], cluster by cluster (for text that is
/// not all [`simple_width`] characters).
fn escape_truncated_clusters(s: &str, max_width: usize) -> (Cow<'_, str>, Option<usize>) {
    let mut out: Option<String> = None;
    let mut used = 0;
    for (off, g) in clusters(s) {
        // Most clusters are one ordinary character: nothing to escape or measure.
        let (e, w) = match single_simple_width(g) {
            Some(w) => (Cow::Borrowed(g), w),
            None => {
                let e = escape_cluster(g);
                let w = match &e {
                    // `width` of one whole cluster is that cluster's width (it
                    // segments into itself): skip segmenting it again.
                    Cow::Borrowed(_) => cluster_width(g),
                    Cow::Owned(e) => width(e),
                };
                (e, w)
            }
        };
        // One cluster of thousands of combining marks ("Zalgo" text) is one column
        // wide but megabytes long: cut there too. Real clusters (emoji ZWJ families,
        // tag flags) stay far below this.
        if used + w > max_width || g.len() > MAX_CLUSTER_BYTES {
            let left = Some(s.len() - off);
            return match out {
                Some(o) => (Cow::Owned(o), left),
                None => (Cow::Borrowed(s.get(..off).unwrap_or_default()), left),
            };
        }
        used += w;
        match (&mut out, e) {
            (Some(o), e) => o.push_str(&e),
            (None, Cow::Borrowed(_)) => {}
            (None, Cow::Owned(e)) => {
                // First change: copy what was kept verbatim so far, then continue owned.
                let mut o = String::with_capacity(off + e.len() + 16);
                o.push_str(s.get(..off).unwrap_or_default());
                o.push_str(&e);
                out = Some(o);
            }
        }
    }
    match out {
        Some(o) => (Cow::Owned(o), None),
        None => (Cow::Borrowed(s), None),
    }
}

/// Display width of `s` in terminal columns, summed per grapheme cluster.
///
/// Call it on escaped text: raw control characters have no meaningful width.
pub fn width(s: &str) -> usize {
    if is_plain_ascii(s) {
        return s.len();
    }
    let mut w = 0;
    for c in s.chars() {
        match simple_width(c) {
            Some(cw) => w += cw,
            None => return grapheme_width(s),
        }
    }
    w
}

/// The width of a character that is always a grapheme cluster of its own and
/// never escaped: printable ASCII but `\`, CJK ideographs and punctuation,
/// fullwidth forms, and the few symbols the renderer writes itself (`·` `→` `…`).
/// Text made only of these (most chat messages and every catalogue meaning) is
/// measured and cut per character, without segmenting it into clusters.
fn simple_width(c: char) -> Option<usize> {
    match c {
        ' '..='[' | ']'..='~' | '\u{B7}' | '\u{2026}' | '\u{2192}' => Some(1),
        '\u{3000}'..='\u{3029}' | '\u{3030}'..='\u{303E}' | '\u{4E00}'..='\u{9FFF}' => Some(2),
        '\u{FF01}'..='\u{FF5E}' => Some(2),
        _ => None,
    }
}

/// [`escape_truncated`] for text of [`simple_width`] characters only (`None` for
/// anything else): nothing to escape, and every character is one cluster.
fn simple_truncate(s: &str, max_width: usize) -> Option<(Cow<'_, str>, Option<usize>)> {
    simple_cut(s, Some(max_width)).map(|(kept, _, left)| (Cow::Borrowed(kept), left))
}

/// The per-character cut of [`simple_truncate`] (no cut without a limit), with the
/// width of the kept prefix. `None` unless every character up to and including the
/// first one cut is a [`simple_width`] one: a combining mark there could merge with
/// the character at the cut. What follows the first cut character does not matter:
/// no cluster rule joins two simple characters, nor looks ahead past one, so the
/// cut falls on a cluster boundary whatever comes after it.
fn simple_cut(s: &str, max_width: Option<usize>) -> Option<(&str, usize, Option<usize>)> {
    let max_width = max_width.unwrap_or(usize::MAX);
    let mut used = 0;
    for (off, c) in s.char_indices() {
        let w = simple_width(c)?;
        if used + w > max_width {
            return Some((s.get(..off).unwrap_or_default(), used, Some(s.len() - off)));
        }
        used += w;
    }
    Some((s, used, None))
}

/// Appends payload text the way the renderer shows it: [`escape`]`(s)` when `limit`
/// is `None`, else [`escape_truncated`]`(s, limit)`; with `quote`, wrapped in `"`
/// with every inner `"` written `\"`. Returns the [`width`] of exactly what was
/// appended and, when the text was cut, how many bytes of `s` were left out.
///
/// The same bytes and widths as composing those functions, without their
/// temporaries: plain ASCII and [`simple_width`] text (nearly every value) is copied
/// and measured in one pass; anything else takes the general path and is measured
/// as a whole, so clusters that span the quotes are counted as before.
pub fn push_escaped(
    out: &mut String,
    s: &str,
    limit: Option<usize>,
    quote: bool,
) -> (usize, Option<usize>) {
    push_classed(out, s, scan_ascii(s), limit, quote)
}

/// [`push_escaped`] of text the caller knows to be printable ASCII without `"`
/// or `\` (a plain string, a number or a key on the fast lane's tape, checked
/// as it was read): the same bytes and width, without a second look at each
/// byte.
pub fn push_plain(
    out: &mut String,
    s: &str,
    limit: Option<usize>,
    quote: bool,
) -> (usize, Option<usize>) {
    debug_assert_eq!(scan_ascii(s), 0, "{s:?} is not plain");
    push_classed(out, s, 0, limit, quote)
}

/// [`push_escaped`] given the [`scan_ascii`] class of `s`.
fn push_classed(
    out: &mut String,
    s: &str,
    class: u8,
    limit: Option<usize>,
    quote: bool,
) -> (usize, Option<usize>) {
    if class & NOT_PLAIN == 0 {
        let (kept, left) = match limit {
            // Every byte is one character of width 1: cut at the limit exactly.
            Some(m) if s.len() > m => (s.get(..m).unwrap_or_default(), Some(s.len() - m)),
            _ => (s, None),
        };
        if class & QUOTE == 0 && quote {
            out.reserve(kept.len() + 2);
            out.push('"');
            out.push_str(kept);
            out.push('"');
            return (kept.len() + 2, left);
        }
        return (push_simple(out, kept, kept.len(), quote), left);
    }
    if let Some((kept, w, left)) = simple_cut(s, limit) {
        return (push_simple(out, kept, w, quote), left);
    }
    let (text, left) = match limit {
        None => (escape(s), None),
        // Neither plain ASCII nor all simple: straight to the general path.
        Some(m) => escape_truncated_clusters(s, m),
    };
    let start = out.len();
    if quote {
        out.push('"');
        push_quote_escaped(out, &text);
        out.push('"');
    } else {
        out.push_str(&text);
    }
    // Measured as a whole, exactly like `width` (the text is not all simple).
    (grapheme_width(out.get(start..).unwrap_or_default()), left)
}

/// Appends text of [`simple_width`] characters whose width is `w`, quoted or not.
/// Quotes and the backslashes added before inner quotes are one column each, and
/// none of them joins a cluster with its neighbours.
fn push_simple(out: &mut String, kept: &str, w: usize, quote: bool) -> usize {
    if !quote {
        out.push_str(kept);
        return w;
    }
    out.push('"');
    let quotes = push_quote_escaped(out, kept);
    out.push('"');
    w + quotes + 2
}

/// Appends `s` with every `"` written `\"`; returns how many there were.
fn push_quote_escaped(out: &mut String, s: &str) -> usize {
    let mut n = 0;
    let mut rest = s;
    while let Some(i) = memchr::memchr(b'"', rest.as_bytes()) {
        out.push_str(rest.get(..i).unwrap_or_default());
        out.push_str("\\\"");
        rest = rest.get(i + 1..).unwrap_or_default();
        n += 1;
    }
    out.push_str(rest);
    n
}

/// Width of one grapheme cluster. Measured per cluster (not per string) so that
/// [`truncate`] and [`width`] always agree.
fn cluster_width(g: &str) -> usize {
    g.width()
}

/// [`width`] the general way: the sum of [`cluster_width`] over the clusters of `s`
/// (single [`simple_width`] characters are measured without the width tables, which
/// gives the same number).
fn grapheme_width(s: &str) -> usize {
    clusters(s)
        .map(|(_, g)| single_simple_width(g).unwrap_or_else(|| cluster_width(g)))
        .sum()
}

/// The extended grapheme clusters of `s` with their byte offsets: exactly
/// `s.grapheme_indices(true)`, but runs of [`stands_alone`] characters (CJK text,
/// ASCII, plain emoji) are split without the segmenter.
///
/// Why that is exact: such a character is never Extend, ZWJ, SpacingMark, Prepend,
/// a regional indicator, a control, Hangul or an Indic letter, so UAX #29 always
/// breaks between two of them. Such a break is also where every rule that looks
/// backwards (emoji ZWJ sequences, regional indicator pairs, Indic conjuncts) stops,
/// so the text between two of them segments the same on its own as inside `s`.
/// Everything else is handed to the segmenter in those self-contained pieces.
fn clusters(s: &str) -> Clusters<'_> {
    Clusters {
        s,
        pos: 0,
        run: None,
    }
}

struct Clusters<'a> {
    s: &'a str,
    /// Where the next piece starts (always a cluster boundary).
    pos: usize,
    /// The piece the segmenter is walking, and its offset in `s`.
    run: Option<(usize, GraphemeIndices<'a>)>,
}

impl<'a> Iterator for Clusters<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        if let Some((base, run)) = &mut self.run {
            if let Some((off, g)) = run.next() {
                return Some((*base + off, g));
            }
            self.run = None;
        }
        let start = self.pos;
        let rest = self.s.get(start..)?;
        let mut chars = rest.char_indices();
        let (_, c) = chars.next()?;
        let c_alone = stands_alone(c);
        if c_alone {
            // Followed by another such character (or by the end): a cluster of
            // its own.
            let own = match chars.next() {
                None => true,
                Some((_, next)) => stands_alone(next),
            };
            if own {
                let len = c.len_utf8();
                self.pos += len;
                return Some((start, rest.get(..len).unwrap_or_default()));
            }
        }
        // The piece for the segmenter ends at the next break between two
        // characters that stand alone.
        let mut end = rest.len();
        let mut prev_alone = c_alone;
        for (off, ch) in rest.char_indices().skip(1) {
            let alone = stands_alone(ch);
            if prev_alone && alone {
                end = off;
                break;
            }
            prev_alone = alone;
        }
        let piece = rest.get(..end).unwrap_or_default();
        self.pos += end;
        let mut run = piece.grapheme_indices(true);
        let first = run.next();
        self.run = Some((start, run));
        first.map(|(off, g)| (start + off, g))
    }
}

/// Characters of grapheme break class "Other" that [`clusters`] may split off
/// without the segmenter: the [`simple_width`] ones and emoji that are neither
/// regional indicators nor skin-tone modifiers (those two extend or pair up).
fn stands_alone(c: char) -> bool {
    simple_width(c).is_some()
        || (is_emoji(c) && !matches!(c, '\u{1F1E6}'..='\u{1F1FF}' | '\u{1F3FB}'..='\u{1F3FF}'))
}

/// The width of a cluster that is one [`simple_width`] character, else `None`.
fn single_simple_width(g: &str) -> Option<usize> {
    // Every simple character takes at most three bytes.
    if g.len() > 3 {
        return None;
    }
    let mut cs = g.chars();
    let c = cs.next()?;
    if cs.next().is_some() {
        return None;
    }
    simple_width(c)
}

/// True when every byte is printable ASCII (space to `~`): nothing to escape, and
/// every byte is one column.
pub(crate) fn is_plain_ascii(s: &str) -> bool {
    scan_ascii(s) & NOT_PLAIN == 0
}

/// [`scan_ascii`] bit: some byte is not plain ASCII (see [`is_plain_ascii`]).
const NOT_PLAIN: u8 = 1;
/// [`scan_ascii`] bit: some byte is `"`.
const QUOTE: u8 = 2;

/// Classifies the bytes of `s` in one pass: [`NOT_PLAIN`] and [`QUOTE`] bits. The
/// scan may stop at the first byte that is not plain, so [`QUOTE`] is only reliable
/// when [`NOT_PLAIN`] is clear.
///
/// Works on whole 16-byte blocks without an early exit inside, so the test
/// vectorises: long values (base64 ciphertexts, URLs) cost a fraction of an
/// instruction per byte, and short ones (keys, ids) are gathered into one block
/// from two overlapping fixed-size pieces instead of a byte loop.
fn scan_ascii(s: &str) -> u8 {
    let b = s.as_bytes();
    let n = b.len();
    if n <= 16 {
        if n < 4 {
            return b.iter().fold(0, |acc, &x| acc | byte_class(x));
        }
        // Two pieces that overlap when n is not twice their size; spaces (plain)
        // fill the rest of the block.
        let mut block = [b' '; 16];
        if n >= 8 {
            block[..8].copy_from_slice(&piece::<8>(b, 0));
            block[8..].copy_from_slice(&piece::<8>(b, n - 8));
        } else {
            block[..4].copy_from_slice(&piece::<4>(b, 0));
            block[4..8].copy_from_slice(&piece::<4>(b, n - 4));
        }
        return block_class(&block);
    }
    let mut chunks = b.chunks_exact(16);
    let mut acc = 0;
    for chunk in &mut chunks {
        acc |= block_class(chunk);
        if acc & NOT_PLAIN != 0 {
            return acc;
        }
    }
    if !chunks.remainder().is_empty() {
        // The last 16 bytes, overlapping what was already checked.
        acc |= block_class(b.get(n - 16..).unwrap_or_default());
    }
    acc
}

/// [`scan_ascii`] of one byte.
fn byte_class(b: u8) -> u8 {
    u8::from(b.wrapping_sub(0x20) >= 0x5f || b == b'\\') | (u8::from(b == b'"') << 1)
}

/// [`scan_ascii`] of a block (16 bytes, so the fold is unrolled into vector code).
fn block_class(block: &[u8]) -> u8 {
    match <&[u8; 16]>::try_from(block) {
        Ok(b) => b.iter().fold(0, |acc, &x| acc | byte_class(x)),
        Err(_) => block.iter().fold(0, |acc, &x| acc | byte_class(x)),
    }
}

/// The `N` bytes of `b` at `at` (spaces, which are plain, if out of range).
fn piece<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    b.get(at..at + N)
        .and_then(|p| <[u8; N]>::try_from(p).ok())
        .unwrap_or([b' '; N])
}

/// Characters that are escaped unless [`escape_cluster_into`] finds them building an
/// emoji.
fn needs_escape(c: char) -> bool {
    matches!(c,
        // A literal backslash is doubled, so payload text like `\x1b` can never
        // pass for an escaped control character.
        '\\'
        | '\u{0}'..='\u{1F}'
        | '\u{7F}'..='\u{9F}' // DEL and C1 (U+009B is CSI, U+009D is OSC on some terminals)
        | '\u{AD}' // soft hyphen
        | '\u{34F}' // combining grapheme joiner
        | '\u{61C}' // Arabic letter mark (bidi)
        | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers: "blank" nicknames
        | '\u{17B4}' | '\u{17B5}' // Khmer inherent vowels, invisible
        | '\u{180E}' // Mongolian vowel separator
        | '\u{200B}'..='\u{200F}' // ZWSP, ZWNJ, ZWJ, LRM, RLM
        | '\u{2028}'..='\u{202E}' // line/paragraph separators, bidi embeddings/overrides
        | '\u{2060}'..='\u{206F}' // word joiner, invisible operators, bidi isolates, deprecated
        | '\u{FE00}'..='\u{FE0F}' // variation selectors
        | '\u{FEFF}' // BOM / zero-width no-break space
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation controls
        | '\u{1BCA0}'..='\u{1BCA3}' // shorthand format controls
        | '\u{1D173}'..='\u{1D17A}' // musical format controls
        | '\u{E0000}'..='\u{E0FFF}' // tags, variation selectors supplement, reserved ignorables
    )
}

/// Characters that can start an emoji: Extended_Pictographic (the ranges of Unicode's
/// emoji-data.txt, merged where the gaps hold no letters) and regional indicators
/// (flags).
fn is_emoji(c: char) -> bool {
    matches!(c,
        '\u{A9}' | '\u{AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2194}'..='\u{2199}' | '\u{21A9}'..='\u{21AA}' | '\u{231A}'..='\u{231B}'
        | '\u{2328}' | '\u{2388}' | '\u{23CF}' | '\u{23E9}'..='\u{23F3}'
        | '\u{23F8}'..='\u{23FA}' | '\u{24C2}' | '\u{25AA}'..='\u{25AB}' | '\u{25B6}'
        | '\u{25C0}' | '\u{25FB}'..='\u{25FE}' | '\u{2600}'..='\u{27BF}'
        | '\u{2934}'..='\u{2935}' | '\u{2B05}'..='\u{2B07}' | '\u{2B1B}'..='\u{2B1C}'
        | '\u{2B50}' | '\u{2B55}' | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}'
        | '\u{1F000}'..='\u{1FAFF}' // includes regional indicators and skin tones
        | '\u{1FC00}'..='\u{1FFFD}'
    )
}

/// Whether a grapheme cluster is an emoji, judged by how it *starts*: an emoji
/// character, or a well-formed keycap (`0`–`9`, `#`, `*`, optional VS16, U+20E3).
///
/// Only the start counts so that escaping is stable: once a stray character inside a
/// cluster is escaped, the kept prefix still starts the same way and is judged the
/// same way when the output is escaped again.
fn is_emoji_cluster(cs: &[char]) -> bool {
    match cs {
        [first, ..] if is_emoji(*first) => true,
        [b, KEYCAP] | [b, VS16, KEYCAP] => is_keycap_base(*b),
        _ => false,
    }
}

fn is_keycap_base(c: char) -> bool {
    matches!(c, '0'..='9' | '#' | '*')
}

/// True for a tag character that may spell a subdivision flag (`a`–`z`, `0`–`9`).
fn is_tag_spec(c: char) -> bool {
    matches!(c, '\u{E0030}'..='\u{E0039}' | '\u{E0061}'..='\u{E007A}')
}

/// Escapes one grapheme cluster (borrowing when nothing changes).
fn escape_cluster(g: &str) -> Cow<'_, str> {
    if !g.chars().any(needs_escape) {
        return Cow::Borrowed(g);
    }
    let mut out = String::with_capacity(g.len() + 8);
    escape_cluster_into(g, &mut out);
    Cow::Owned(out)
}

/// Appends one grapheme cluster to `out`, escaping what must not reach the terminal.
///
/// Inside a cluster that contains an emoji, joiners and selectors are kept only in
/// the positions where they build the emoji. Anything more (a run of selectors, a
/// dangling ZWJ, tags that are not a `🏴…CANCEL TAG` flag) is escaped, because those
/// are the shapes used to smuggle hidden text behind an emoji.
fn escape_cluster_into(g: &str, out: &mut String) {
    if !g.chars().any(needs_escape) {
        out.push_str(g);
        return;
    }
    let cs: Vec<char> = g.chars().collect();
    let emoji = is_emoji_cluster(&cs);
    let tags_ok = if emoji {
        valid_tag_sequences(&cs)
    } else {
        Vec::new()
    };
    // Whether the previous char was written as itself and is a visible base (not a
    // joiner or selector): selectors and ZWNJ may only follow such a char.
    let mut prev_base = false;
    // Whether the previous char was written as itself at all.
    let mut prev_kept = false;
    for (i, &c) in cs.iter().enumerate() {
        let keep = if !needs_escape(c) {
            true
        } else if !emoji {
            false
        } else {
            match c {
                // A presentation selector belongs right after the emoji (or keycap
                // base) it selects for; after anything else it is hidden payload.
                VS15 | VS16 => {
                    prev_base
                        && i > 0
                        && cs
                            .get(i - 1)
                            .is_some_and(|&p| is_emoji(p) || (i == 1 && is_keycap_base(p)))
                }
                // ZWNJ has no role in emoji sequences beyond breaking a ligature;
                // allow one right after an emoji and nowhere else.
                ZWNJ => prev_base && i > 0 && cs.get(i - 1).is_some_and(|&p| is_emoji(p)),
                ZWJ => {
                    // Joins two emoji: right after a kept emoji (or its kept
                    // presentation selector) and right before another emoji.
                    prev_kept
                        && i > 0
                        && cs
                            .get(i - 1)
                            .is_some_and(|&p| is_emoji(p) || p == VS15 || p == VS16)
                        && cs.get(i + 1).is_some_and(|&n| is_emoji(n))
                }
                _ => tags_ok.get(i).copied().unwrap_or(false),
            }
        };
        if keep {
            out.push(c);
        } else {
            push_escape(c, out);
        }
        prev_kept = keep;
        prev_base = keep && !needs_escape(c);
    }
}

/// Marks the tag characters of well-formed emoji tag sequences (subdivision flags
/// like 🏴󠁧󠁢󠁳󠁣󠁴󠁿): U+1F3F4, then 1–8 tag letters or digits, then CANCEL TAG.
fn valid_tag_sequences(cs: &[char]) -> Vec<bool> {
    let mut ok = vec![false; cs.len()];
    let mut i = 0;
    while i < cs.len() {
        if cs.get(i) == Some(&BLACK_FLAG) {
            let start = i + 1;
            let mut end = start;
            while cs.get(end).is_some_and(|&c| is_tag_spec(c)) {
                end += 1;
            }
            let n = end - start;
            if (1..=8).contains(&n) && cs.get(end) == Some(&CANCEL_TAG) {
                for flag in ok.iter_mut().take(end + 1).skip(start) {
                    *flag = true;
                }
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    ok
}

/// Writes the visible escape of one character.
fn push_escape(c: char, out: &mut String) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\u{0}'..='\u{1F}' | '\u{7F}' => {
            out.push_str("\\x");
            push_hex(u32::from(c), 2, out);
        }
        _ => {
            out.push_str("\\u{");
            push_hex(u32::from(c), 1, out);
            out.push('}');
        }
    }
}

/// Lower-case hex of `v`, zero-padded to at least `min_digits`.
fn push_hex(v: u32, min_digits: usize, out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [b'0'; 8];
    let mut n = 0;
    let mut v = v;
    while v > 0 || n < min_digits {
        buf[7 - n] = DIGITS[(v & 0xf) as usize];
        v >>= 4;
        n += 1;
        if n == 8 {
            break;
        }
    }
    for &b in &buf[8 - n..] {
        out.push(char::from(b));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn locations_keep_backslashes_tabs_and_line_breaks() {
        assert_eq!(escape_location("a\\b\tc\r\nd.json"), "a\\b\tc\r\nd.json");
        assert_eq!(
            escape_location("a\\\u{1b}[31m\u{202e}\t\u{7f}.json"),
            "a\\\\x1b[31m\\u{202e}\t\\x7f.json"
        );
        assert_eq!(escape_location("测试 ✓.json"), "测试 ✓.json");
    }

    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        for s in [
            "",
            "hello world",
            "你好，世界",
            "👍",
            "caf\u{e9}",
            "ｆｕｌｌ",
        ] {
            let e = escape(s);
            assert!(matches!(e, Cow::Borrowed(_)), "{s:?}");
            assert_eq!(e, s);
        }
    }

    #[test]
    fn c0_del_c1() {
        assert_eq!(escape("a\nb\tc\rd"), "a\\nb\\tc\\rd");
        assert_eq!(escape("\r\n"), "\\r\\n");
        assert_eq!(
            escape("\u{0}\u{7}\u{8}\u{b}\u{c}\u{1b}\u{1f}"),
            "\\x00\\x07\\x08\\x0b\\x0c\\x1b\\x1f"
        );
        assert_eq!(escape("\u{7f}"), "\\x7f");
        assert_eq!(
            escape("\u{80}\u{85}\u{9b}\u{9d}\u{9f}"),
            "\\u{80}\\u{85}\\u{9b}\\u{9d}\\u{9f}"
        );
        // U+00A0 (no-break space) is ordinary text.
        assert_eq!(escape("\u{a0}"), "\u{a0}");
    }

    #[test]
    fn terminal_attacks_are_inert() {
        // T1 OSC 52, T2 OSC 8, T3 title, T4 CSI.
        let osc52 = "\u{1b}]52;c;ZXZpbA==\u{7}";
        assert_eq!(escape(osc52), "\\x1b]52;c;ZXZpbA==\\x07");
        let osc8 = "\u{1b}]8;;http://evil\u{7}click\u{1b}]8;;\u{7}";
        assert_eq!(escape(osc8), "\\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07");
        assert_eq!(
            escape("\u{1b}[2J\u{1b}[1A\u{1b}[2K"),
            "\\x1b[2J\\x1b[1A\\x1b[2K"
        );
        assert_eq!(escape("\u{9b}31m"), "\\u{9b}31m");
        for s in [osc52, osc8, "x\u{1b}[8my", "\u{9d}0;t\u{9c}"] {
            let e = escape(s);
            assert!(!e.chars().any(|c| c.is_control()), "{e:?}");
        }
    }

    #[test]
    fn bidi_and_invisible() {
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        for c in [
            '\u{202a}',
            '\u{202b}',
            '\u{202c}',
            '\u{202d}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{200e}',
            '\u{200f}',
            '\u{61c}',
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{2060}',
            '\u{2061}',
            '\u{2064}',
            '\u{feff}',
            '\u{ad}',
            '\u{180e}',
            '\u{e0001}',
            '\u{e0041}',
            '\u{e007f}',
            '\u{2028}',
            '\u{2029}',
            '\u{3164}',
            '\u{fe0f}',
            '\u{e0100}',
        ] {
            let s = format!("a{c}b");
            assert_eq!(escape(&s), format!("a\\u{{{:x}}}b", u32::from(c)), "{c:?}");
        }
    }

    #[test]
    fn a_flood_of_combining_marks_is_cut() {
        let zalgo = format!("abe{}c", "\u{301}".repeat(3000));
        let (shown, left) = escape_truncated(&zalgo, 40);
        assert_eq!(shown, "ab");
        assert_eq!(left, Some(zalgo.len() - 2));
        // Long but legitimate clusters are kept.
        let family = "👨\u{200d}👩\u{200d}👧\u{200d}👦";
        assert_eq!(escape_truncated(family, 40), (Cow::Borrowed(family), None));
    }

    #[test]
    fn backslash_is_doubled() {
        // Otherwise the payload text `\x1b` would look like an escaped ESC.
        assert_eq!(escape("C:\\path\\x1b"), "C:\\\\path\\\\x1b");
        assert_ne!(escape("\\x1b"), escape("\u{1b}"));
    }

    #[test]
    fn emoji_sequences_kept() {
        for s in [
            "👨\u{200d}👩\u{200d}👧",                                   // family (ZWJ)
            "❤\u{fe0f}",                                                // VS16
            "☺\u{fe0e}",                                                // VS15
            "🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}", // Scotland
            "👍🏽",                                                       // skin tone
            "🇨🇳",                                                       // flag
            "1\u{fe0f}\u{20e3}",                                        // keycap
            "🏳\u{fe0f}\u{200d}🌈",                                      // rainbow flag
            "👁\u{fe0f}\u{200d}🗨\u{fe0f}",                               // eye in bubble
            "hi 👩\u{200d}💻 there",
        ] {
            assert_eq!(escape(s), s, "{s:?}");
        }
    }

    #[test]
    fn smuggling_behind_emoji_is_escaped() {
        // Tag characters spelling hidden text after an ordinary emoji.
        assert_eq!(escape("😀\u{e0041}\u{e0042}"), "😀\\u{e0041}\\u{e0042}");
        // A flag tag sequence without CANCEL TAG.
        assert_eq!(escape("🏴\u{e0067}\u{e0062}"), "🏴\\u{e0067}\\u{e0062}");
        // Runs of selectors (variation-selector steganography).
        assert_eq!(escape("😀\u{fe0f}\u{fe0f}"), "😀\u{fe0f}\\u{fe0f}");
        assert_eq!(escape("😀\u{e0100}"), "😀\\u{e0100}");
        // A dangling ZWJ, a doubled ZWJ, a ZWJ before a letter.
        assert_eq!(escape("😀\u{200d}"), "😀\\u{200d}");
        assert_eq!(escape("😀\u{200d}\u{200d}😀"), "😀\\u{200d}\\u{200d}😀");
        assert_eq!(escape("😀\u{200d}a"), "😀\\u{200d}a");
        // Joiners outside emoji.
        assert_eq!(escape("a\u{200d}b"), "a\\u{200d}b");
        assert_eq!(escape("\u{fe0f}"), "\\u{fe0f}");
    }

    #[test]
    fn messages_keep_their_own_escapes_and_escape_what_they_hold_raw() {
        // `{:?}` of an ESC, and of the text `\u{1b}`: told apart by the message.
        assert_eq!(escape_message(r#"found "\u{1b}""#), r#"found "\u{1b}""#);
        assert_eq!(escape_message(r#"found "\\u{1b}""#), r#"found "\\u{1b}""#);
        // Raw controls and bidi characters are escaped all the same.
        assert_eq!(
            escape_message("name \u{202e}x\u{1b} at \\"),
            "name \\u{202e}x\\x1b at \\"
        );
        assert!(matches!(escape_message("plain \\ text"), Cow::Borrowed(_)));
    }

    #[test]
    fn escaped_output_is_stable() {
        // The output holds nothing left to escape but its own backslashes.
        let s = "\u{1b}[2J\u{202e}\u{200b}\r😀\u{e0041}👨\u{200d}👩\u{200d}👧";
        let once = escape(s).into_owned();
        assert_eq!(escape(&once), once.replace('\\', "\\\\"));
        // Shapes proptest found where a cluster only *looked* like an emoji.
        for s in [
            "\\\u{200c}\u{200c}\u{20e3}",
            "🇨\u{200d}\u{301}\u{fe0f}",
            "🏴\u{e0041}\u{20e3}\u{200d}🏴",
        ] {
            let once = escape(s).into_owned();
            assert_eq!(escape(&once), once.replace('\\', "\\\\"), "{s:?}");
        }
        assert_eq!(escape("a\u{301}\u{fe0f}"), "a\u{301}\\u{fe0f}");
    }

    #[test]
    fn widths() {
        assert_eq!(width(""), 0);
        assert_eq!(width("abc"), 3);
        assert_eq!(width("中文"), 4);
        assert_eq!(width("小程序的原始ID"), 14);
        assert_eq!(width("👨\u{200d}👩\u{200d}👧"), 2);
        assert_eq!(width("❤\u{fe0f}"), 2);
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(width(&escape("\u{1b}")), 4);
    }

    #[test]
    fn truncate_by_grapheme() {
        assert_eq!(truncate("hello", 10), (Cow::Borrowed("hello"), None));
        assert_eq!(truncate("hello", 5), (Cow::Borrowed("hello"), None));
        assert_eq!(truncate("hello", 3), (Cow::Borrowed("hel"), Some(2)));
        assert_eq!(truncate("hello", 0), (Cow::Borrowed(""), Some(5)));
        // Wide characters are not split and never overflow the limit.
        assert_eq!(truncate("中文字", 3), (Cow::Borrowed("中"), Some(6)));
        assert_eq!(truncate("中文字", 4), (Cow::Borrowed("中文"), Some(3)));
        // A ZWJ family is one cluster of width 2.
        let fam = "👨\u{200d}👩\u{200d}👧";
        let s = format!("ab{fam}cd");
        assert_eq!(truncate(&s, 3), (Cow::Borrowed("ab"), Some(fam.len() + 2)));
        assert_eq!(truncate(&s, 4).0, format!("ab{fam}"));
        assert_eq!(
            truncate("e\u{301}e\u{301}", 1),
            (Cow::Borrowed("e\u{301}"), Some(3))
        );
    }

    #[test]
    fn escape_truncated_counts_raw_bytes_and_keeps_escapes_whole() {
        assert_eq!(
            escape_truncated("hello", 10),
            (Cow::Borrowed("hello"), None)
        );
        let (t, left) = escape_truncated("hello world", 5);
        assert!(matches!(t, Cow::Borrowed(_)));
        assert_eq!((t.as_ref(), left), ("hello", Some(6)));
        // `\x1b` is 4 columns: with 6 columns only one fits.
        let (t, left) = escape_truncated("a\u{1b}\u{1b}b", 6);
        assert_eq!((t.as_ref(), left), ("a\\x1b", Some(2)));
        // Escapes are not split: 3 columns cannot hold `\u{202e}`.
        let (t, left) = escape_truncated("ab\u{202e}cd", 4);
        assert_eq!((t.as_ref(), left), ("ab", Some(5)));
        // Ten ESCs fit byte-wise in 20 columns but not once escaped.
        let escs = "\u{1b}".repeat(10);
        let (t, left) = escape_truncated(&escs, 20);
        assert_eq!((t.as_ref(), left), ("\\x1b".repeat(5).as_str(), Some(5)));
        // A huge value: only the shown part is processed, the rest is counted.
        let big = "x".repeat(1_000_000);
        let (t, left) = escape_truncated(&big, 120);
        assert_eq!((t.len(), left), (120, Some(999_880)));
    }

    #[test]
    fn escape_truncated_matches_escape_when_it_fits() {
        for s in [
            "",
            "abc",
            "\u{1b}[2J",
            "中文\r\n",
            "👨\u{200d}👩\u{200d}👧\u{202e}",
        ] {
            let (t, left) = escape_truncated(s, 1000);
            assert_eq!(t, escape(s));
            assert_eq!(left, None);
        }
    }

    #[test]
    fn hex() {
        let mut s = String::new();
        push_hex(0, 2, &mut s);
        push_hex(0x1b, 2, &mut s);
        push_hex(0x10ffff, 1, &mut s);
        push_hex(0, 1, &mut s);
        assert_eq!(s, "001b10ffff0");
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        /// Strings biased towards the characters this module cares about.
        fn hostile() -> impl Strategy<Value = String> {
            let pieces = prop::sample::select(vec![
                "a",
                "中",
                "\u{1b}",
                "[2J",
                "\r",
                "\n",
                "\u{7f}",
                "\u{9b}",
                "\u{202e}",
                "\u{200b}",
                "\u{200d}",
                "\u{200c}",
                "\u{fe0f}",
                "\u{e0041}",
                "\u{e007f}",
                "🏴",
                "👨",
                "❤",
                "\\",
                "\u{301}",
                "\u{2028}",
                "\u{feff}",
                "1",
                "\u{20e3}",
                "🇨",
            ]);
            prop_oneof![
                prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat()),
                any::<String>(),
            ]
        }

        /// Like [`hostile`], plus the characters that decide cluster boundaries next
        /// to simple text: Prepend, SpacingMark, Indic conjuncts, Hangul jamo,
        /// pictographic CJK symbols, halfwidth sound marks, quotes.
        fn segmenting() -> impl Strategy<Value = String> {
            let pieces = prop::sample::select(vec![
                "a",
                "中",
                "，",
                "ａ",
                "　",
                "·",
                "…",
                "→",
                "\"",
                " ",
                "\\",
                "x",
                "\u{600}",
                "\u{93f}",
                "क",
                "\u{94d}",
                "ष",
                "\u{1100}",
                "\u{1161}",
                "\u{11a8}",
                "가",
                "\u{3030}",
                "\u{303d}",
                "\u{302a}",
                "\u{ff9e}",
                "ﾊ",
                "\u{301}",
                "e",
                "\u{200d}",
                "\u{200c}",
                "\u{fe0f}",
                "\u{fe0e}",
                "👨",
                "❤",
                "🏽",
                "🇨",
                "🇳",
                "\u{e0067}",
                "\u{e007f}",
                "🏴",
                "\r",
                "\n",
                "\u{1b}",
                "\u{20e3}",
                "1",
                "é",
                "😀",
                "☀",
                "👍",
                "©",
                "\u{2194}",
            ]);
            prop_oneof![
                3 => prop::collection::vec(pieces, 0..48).prop_map(|v| v.concat()),
                1 => "[ -~]{0,40}",
                1 => any::<String>(),
            ]
        }

        /// [`escape_truncated`] as first written: every cluster segmented, escaped
        /// and measured, with no shortcut.
        fn reference_escape_truncated(s: &str, max_width: usize) -> (String, Option<usize>) {
            let mut out = String::new();
            let mut used = 0;
            for (off, g) in s.grapheme_indices(true) {
                let e = escape_cluster(g);
                let w = reference_width(&e);
                if used + w > max_width || g.len() > MAX_CLUSTER_BYTES {
                    return (out, Some(s.len() - off));
                }
                used += w;
                out.push_str(&e);
            }
            (out, None)
        }

        fn reference_width(s: &str) -> usize {
            s.graphemes(true).map(cluster_width).sum()
        }

        proptest! {
            #[test]
            fn scan_matches_bytes(s in segmenting()) {
                let scalar = s.bytes().fold(0, |acc, x| acc | byte_class(x));
                let fast = scan_ascii(&s);
                prop_assert_eq!(fast & NOT_PLAIN, scalar & NOT_PLAIN);
                if scalar & NOT_PLAIN == 0 {
                    prop_assert_eq!(fast, scalar);
                }
            }

            #[test]
            fn clusters_are_the_segmenters(s in segmenting()) {
                let fast: Vec<_> = clusters(&s).collect();
                let slow: Vec<_> = s.grapheme_indices(true).collect();
                prop_assert_eq!(fast, slow);
            }

            /// `push_escaped` writes and measures exactly what the renderer used to
            /// build from `escape`/`escape_truncated`, `replace` and `width`.
            #[test]
            fn push_escaped_matches_composition(
                s in segmenting(),
                limit in prop::option::of(0usize..60),
                quote in any::<bool>(),
            ) {
                let (text, left) = match limit {
                    None => (escape(&s).into_owned(), None),
                    Some(m) => reference_escape_truncated(&s, m),
                };
                let shown = if quote {
                    format!("\"{}\"", text.replace('"', "\\\""))
                } else {
                    text
                };
                let mut out = String::from("prefix");
                let got = push_escaped(&mut out, &s, limit, quote);
                prop_assert_eq!(out.strip_prefix("prefix"), Some(shown.as_str()));
                prop_assert_eq!(got, (reference_width(&shown), left));
                prop_assert_eq!(width(&shown), reference_width(&shown));
                if let Some(m) = limit {
                    let (t, l) = escape_truncated(&s, m);
                    prop_assert_eq!((t.into_owned(), l), reference_escape_truncated(&s, m));
                }
            }

            /// Text known to be plain is written and measured as if it had been
            /// looked at.
            #[test]
            fn push_plain_is_push_escaped_on_plain_text(
                s in "[ !#-\\[\\]-~]{0,80}",
                limit in prop::option::of(0usize..60),
                quote in any::<bool>(),
            ) {
                let (mut a, mut b) = (String::from("x"), String::from("x"));
                let got = push_plain(&mut a, &s, limit, quote);
                prop_assert_eq!(got, push_escaped(&mut b, &s, limit, quote));
                prop_assert_eq!(a, b);
            }
        }

        proptest! {
            #[test]
            fn escaped_text_is_inert(s in hostile()) {
                let e = escape(&s);
                for c in e.chars() {
                    prop_assert!(!c.is_control(), "{c:?} in {e:?}");
                    let invisible = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
                        | '\u{200b}' | '\u{feff}' | '\u{2028}' | '\u{2029}');
                    prop_assert!(!invisible, "{:?} in {:?}", c, e);
                }
                prop_assert_eq!(escape(&e).into_owned(), e.replace('\\', "\\\\"));
            }

            #[test]
            fn truncation_respects_width(s in hostile(), max in 0usize..30) {
                let (t, left) = escape_truncated(&s, max);
                prop_assert!(width(&t) <= max);
                let e = escape(&s);
                prop_assert!(e.starts_with(t.as_ref()));
                match left {
                    None => prop_assert_eq!(t.as_ref(), e.as_ref()),
                    Some(n) => prop_assert!(n > 0 && n <= s.len()),
                }
                let (t2, left2) = truncate(&e, max);
                prop_assert!(width(&t2) <= max);
                prop_assert!(e.starts_with(t2.as_ref()));
                prop_assert_eq!(left2.unwrap_or(0), e.len() - t2.len());
            }
        }
    }

    /// [`clusters`] next to (nearly) every character: simple text around a code
    /// point splits exactly as the segmenter splits it.
    #[test]
    fn clusters_around_every_character() {
        let mut s = String::new();
        // The BMP, the emoji planes and the tags: every segmentation class is there.
        let ranges = [0..0x1_0000, 0x1_F000..0x1_FC00, 0xE_0000..0xE_0080];
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            for (before, after) in [
                ("a中", "中a"),
                ("\u{200d}", "〰"),
                ("👨\u{200d}", "a"),
                ("👍", "😀"),
                ("中", "\u{200d}👩"),
                ("🇨", "🏻"),
            ] {
                s.clear();
                s.push_str(before);
                s.push(c);
                s.push_str(after);
                assert!(
                    clusters(&s).eq(s.grapheme_indices(true)),
                    "{before:?} {c:?} {after:?}"
                );
            }
        }
    }

    /// The block scan agrees with a byte-at-a-time one for every length up to a few
    /// blocks and every position of a special byte.
    #[test]
    fn scan_blocks_match_bytes() {
        let scalar = |b: &[u8]| b.iter().fold(0, |acc, &x| acc | byte_class(x));
        for n in 0..=50 {
            for at in 0..n {
                for v in [b'"', b'\\', 0x7f, 0x1f, 0x00, b'\n', 0x80, 0xff, b' ', b'~'] {
                    let mut b = vec![b'a'; n];
                    b[at] = v;
                    let Ok(s) = std::str::from_utf8(&b) else {
                        continue;
                    };
                    let fast = scan_ascii(s);
                    let slow = scalar(&b);
                    assert_eq!(fast & NOT_PLAIN, slow & NOT_PLAIN, "{s:?}");
                    if slow & NOT_PLAIN == 0 {
                        assert_eq!(fast, slow, "{s:?}");
                    }
                }
            }
        }
        assert_eq!(scan_ascii("中文中文中文") & NOT_PLAIN, NOT_PLAIN);
        assert_eq!(scan_ascii("ab\"c"), QUOTE);
        assert_eq!(scan_ascii(""), 0);
    }

    /// The per-character shortcut measures and cuts exactly like the cluster path.
    #[test]
    fn simple_text_agrees_with_clusters() {
        let mut all = String::new();
        for c in (0u32..0x1_0000).filter_map(char::from_u32) {
            if simple_width(c).is_some() {
                let g = c.to_string();
                assert_eq!(simple_width(c), Some(cluster_width(&g)), "{c:?}");
                assert_eq!(escape(&g), g, "{c:?}");
                assert_eq!(g.graphemes(true).count(), 1);
                all.push(c);
            }
        }
        let sample = format!("{all}中文 · English → 测试…　全角ＡＢ");
        assert_eq!(
            width(&sample),
            sample.graphemes(true).map(cluster_width).sum::<usize>()
        );
        assert_eq!(sample.graphemes(true).count(), sample.chars().count());
        for max in [0, 1, 2, 3, 7, 40, 120, 10_000] {
            let fast = simple_truncate(&sample, max).unwrap();
            // The general path, as it runs for text with other characters.
            let mut used = 0;
            let mut slow = (Cow::Borrowed(sample.as_str()), None);
            for (off, g) in sample.grapheme_indices(true) {
                let w = width(&escape_cluster(g));
                if used + w > max {
                    slow = (Cow::Borrowed(&sample[..off]), Some(sample.len() - off));
                    break;
                }
                used += w;
            }
            assert_eq!(fast, slow, "{max}");
        }
    }
}
