//! Byte scans: where a run of ordinary bytes ends. The innermost loops of the
//! JSON and XML tape readers (string bodies, digits, element names) and of the
//! JSON writer (bytes a string has to escape).
//!
//! Sixteen bytes are tested at once as one vector (`wide`'s `u8x16`: SSE2 on
//! x86-64, NEON on aarch64, plain code elsewhere), which takes a few
//! instructions where the same test on two 64-bit words takes about thirty.
//! Fewer than sixteen bytes left are tested as one more block too (see
//! [`scan_until`]).

use wide::u8x16;

/// Finds the end of a string body run from `i`: the offset of the first quote,
/// backslash or control character (or the end of `b`), whether a byte before
/// it is DEL or non-ASCII, and whether one is a byte the JSON writer looks at
/// ([`is_writer_look`]).
#[inline(always)]
pub(crate) fn scan_string(b: &[u8], i: usize) -> (usize, bool, bool) {
    let k = scan_printable(b, i);
    match b.get(k) {
        // DEL or non-ASCII: the run goes on, no longer printable.
        Some(&c) if c >= 0x7F => {
            let j = scan_unprintable_to_look(b, k);
            match b.get(j) {
                Some(&c) if is_writer_look(c) => (scan_unprintable(b, j + 1), true, true),
                _ => (j, true, false),
            }
        }
        _ => (k, false, false),
    }
}

/// DEL, and the lead bytes of the characters the JSON writer escapes so that
/// they cannot drive a terminal: `C2` (U+0080–U+009F), `D8` (U+061C) and `E2`
/// (the bidi controls and U+2028/U+2029). Text without them, quotes,
/// backslashes and control characters is written as it is.
pub(crate) const fn is_writer_look(c: u8) -> bool {
    matches!(c, 0x7F | 0xC2 | 0xD8 | 0xE2)
}

/// [`is_writer_look`] for sixteen bytes, as all-ones lanes.
#[inline(always)]
pub(crate) fn block_writer_look(v: u8x16) -> u8x16 {
    let is = |c: u8| v.simd_eq(u8x16::splat(c));
    is(0x7F) | is(0xC2) | is(0xD8) | is(0xE2)
}

/// A quote, a backslash or a control character: where a string's run stops.
#[inline(always)]
fn is_stop(c: u8) -> bool {
    c == b'"' || c == b'\\' || c < 0x20
}

/// [`is_stop`], or DEL or non-ASCII: where a run of printable ASCII stops.
#[inline(always)]
fn is_unprintable_or_stop(c: u8) -> bool {
    is_stop(c) || c >= 0x7F
}

/// Quotes and backslashes, as all-ones lanes.
#[inline(always)]
fn block_quote_or_backslash(v: u8x16) -> u8x16 {
    v.simd_eq(u8x16::splat(b'"')) | v.simd_eq(u8x16::splat(b'\\'))
}

/// The first backslash from `i` (or the end of `b`): where the next escape
/// of a string body starts. Inline, as escapes come a few bytes apart in a
/// payload logged as a string (`{\"ToUserName\":…`), where a call per piece
/// would cost more than the piece.
#[inline(always)]
pub(crate) fn scan_escape(b: &[u8], i: usize) -> usize {
    scan_until(
        b,
        i,
        |v| v.simd_eq(u8x16::splat(b'\\')).to_bitmask(),
        |c| c == b'\\',
    )
}

/// Bytes below 0x20, as all-ones lanes.
#[inline(always)]
fn block_control(v: u8x16) -> u8x16 {
    v.min(u8x16::splat(0x1F)).simd_eq(v)
}

/// [`is_unprintable_or_stop`] for sixteen bytes: bit `k` for byte `k`.
#[inline(always)]
fn block_unprintable_or_stop(v: u8x16) -> u32 {
    let above = v.max(u8x16::splat(0x7F)).simd_eq(v);
    (block_quote_or_backslash(v) | block_control(v) | above).to_bitmask()
}

/// [`block_unprintable_or_stop`], and `]` too: the end of CDATA text.
#[inline(always)]
fn block_unprintable_stop_or_bracket(v: u8x16) -> u32 {
    block_unprintable_or_stop(v) | v.simd_eq(u8x16::splat(b']')).to_bitmask()
}

/// [`is_stop`] for sixteen bytes.
#[inline(always)]
fn block_stop(v: u8x16) -> u32 {
    (block_quote_or_backslash(v) | block_control(v)).to_bitmask()
}

/// The first quote, backslash or byte outside printable ASCII from `i`.
#[inline(always)]
fn scan_printable(b: &[u8], i: usize) -> usize {
    scan_until(b, i, block_unprintable_or_stop, is_unprintable_or_stop)
}

/// The first quote, backslash, `]` or byte outside printable ASCII from `i`.
#[inline(always)]
pub(crate) fn scan_printable_to_bracket(b: &[u8], i: usize) -> usize {
    scan_until(b, i, block_unprintable_stop_or_bracket, |c| {
        c == b']' || is_unprintable_or_stop(c)
    })
}

/// The first quote, backslash or control character from `i`.
#[inline(never)]
fn scan_unprintable(b: &[u8], i: usize) -> usize {
    scan_until(b, i, block_stop, is_stop)
}

/// [`scan_unprintable`], stopping at an [`is_writer_look`] byte too.
#[inline(never)]
fn scan_unprintable_to_look(b: &[u8], i: usize) -> usize {
    scan_until(
        b,
        i,
        |v| block_stop(v) | block_writer_look(v).to_bitmask(),
        |c| is_stop(c) || is_writer_look(c),
    )
}

/// ASCII digits, as all-ones lanes: `v - '0'` is at most 9 (wrapping, so bytes
/// below `'0'` become large).
#[inline(always)]
fn block_digit(v: u8x16) -> u8x16 {
    let d = v - u8x16::splat(b'0');
    d.min(u8x16::splat(9)).simd_eq(d)
}

/// Bytes of an XML element name after its first: ASCII letters, digits, `_`.
/// A letter with its case bit set is `a..=z`, so one range covers both cases.
#[inline(always)]
fn block_name(v: u8x16) -> u8x16 {
    let letter = (v | u8x16::splat(0x20)) - u8x16::splat(b'a');
    let letter = letter.min(u8x16::splat(25)).simd_eq(letter);
    letter | block_digit(v) | v.simd_eq(u8x16::splat(b'_'))
}

/// Whether `b` holds a `{` or a `<`, where a document could start: most
/// strings of a structured log line are short and hold neither, and this
/// tells so in a step or two where a `memchr2` call costs more.
pub(crate) fn has_brace_or_angle(b: &[u8]) -> bool {
    let stop =
        |v: u8x16| (v.simd_eq(u8x16::splat(b'{')) | v.simd_eq(u8x16::splat(b'<'))).to_bitmask();
    scan_until(b, 0, stop, |c| c == b'{' || c == b'<') < b.len()
}

/// The offset of the first byte from `i` that `stop` flags (sixteen at a time,
/// bit `k` for byte `k`), or of the end of `b`. `stop_byte` is the same test
/// for one byte, used only on text of eight bytes or less.
#[inline(always)]
pub(crate) fn scan_until(
    b: &[u8],
    i: usize,
    stop: impl Fn(u8x16) -> u32,
    stop_byte: impl Fn(u8) -> bool,
) -> usize {
    let rest = b.get(i..).unwrap_or_default();
    let mut at = i;
    let mut blocks = rest.chunks_exact(16);
    for chunk in &mut blocks {
        let Some(chunk) = chunk.first_chunk::<16>() else {
            break;
        };
        let stops = stop(u8x16::new(*chunk));
        if stops != 0 {
            return at + stops.trailing_zeros() as usize;
        }
        at += 16;
    }
    let tail = blocks.remainder();
    if tail.is_empty() {
        return at;
    }
    // Fewer than sixteen bytes left: one more block all the same, of bytes
    // already passed and these, or (short text) of two pieces of eight that
    // overlap; only the text of eight bytes or less goes byte by byte.
    let n = b.len();
    if let Some(last) = b.last_chunk::<16>() {
        let stops = stop(u8x16::new(*last)) >> (16 - tail.len());
        return at + first_or(stops, tail.len());
    }
    if let (true, Some(lo), Some(hi)) = (n > 8, b.first_chunk::<8>(), b.last_chunk::<8>()) {
        let mut both = [0; 16];
        both[..8].copy_from_slice(lo);
        both[8..].copy_from_slice(hi);
        let stops = stop(u8x16::new(both));
        // Bit k of the high half is byte n - 8 + k.
        let by_offset = (stops & 0xFF) | (stops >> 8) << (n - 8);
        return at + first_or(by_offset >> at, n - at);
    }
    at + tail.iter().take_while(|&&c| !stop_byte(c)).count()
}

/// The lowest set bit of `stops`, or `none` when there is none.
#[inline(always)]
fn first_or(stops: u32, none: usize) -> usize {
    if stops == 0 {
        none
    } else {
        stops.trailing_zeros() as usize
    }
}

/// The lanes not set in `keep`, as a bit mask.
#[inline(always)]
fn not_kept(keep: u8x16) -> u32 {
    !keep.to_bitmask() & 0xFFFF
}

/// The first byte from `i` that is not an ASCII digit.
#[inline(always)]
pub(crate) fn scan_digits(b: &[u8], i: usize) -> usize {
    scan_until(b, i, |v| not_kept(block_digit(v)), |c| !c.is_ascii_digit())
}

/// The first byte from `i` that cannot continue an XML element name (ASCII
/// letters, digits and `_`).
#[inline(always)]
pub(crate) fn scan_name(b: &[u8], i: usize) -> usize {
    scan_until(
        b,
        i,
        |v| not_kept(block_name(v)),
        |c| !(c.is_ascii_alphanumeric() || c == b'_'),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`scan_string`] byte by byte.
    fn scan_reference(b: &[u8], mut i: usize) -> (usize, bool, bool) {
        let (mut odd, mut look) = (false, false);
        while let Some(&c) = b.get(i) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                break;
            }
            odd |= c >= 0x7F;
            look |= matches!(c, 0x7F | 0xC2 | 0xD8 | 0xE2);
            i += 1;
        }
        (i, odd, look)
    }

    #[test]
    fn braces_and_angles_are_found_anywhere() {
        for len in 0..40 {
            let plain = vec![b'a'; len];
            assert!(!has_brace_or_angle(&plain));
            for at in 0..len {
                for byte in [b'{', b'<', b'}', b'>', b'[', 0x7B ^ 0x80] {
                    let mut v = plain.clone();
                    v[at] = byte;
                    assert_eq!(has_brace_or_angle(&v), matches!(byte, b'{' | b'<'), "{v:?}");
                }
            }
        }
    }

    #[test]
    fn string_scan_finds_the_first_stop_and_odd_bytes_before_it() {
        // One byte of each class, and the edges of each class.
        let classes = [
            0x00, 0x01, 0x09, 0x0A, 0x1F, 0x20, 0x21, b'"', 0x23, b'\\', 0x5B, 0x7E, 0x7F, 0x80,
            0xC1, 0xC2, 0xC3, 0xD7, 0xD8, 0xD9, 0xE1, 0xE2, 0xE3, 0xE4, 0xFE, 0xFF,
        ];
        // Lengths across the 16-byte, 8-byte and single-byte stretches.
        for len in 0..40 {
            let plain = vec![b'a'; len];
            assert_eq!(scan_string(&plain, 0), (len, false, false));
            for start in [0, 1, 7, 9] {
                for at in 0..len {
                    for &byte in &classes {
                        let mut v = plain.clone();
                        v[at] = byte;
                        assert_eq!(
                            scan_string(&v, start),
                            scan_reference(&v, start),
                            "len {len} from {start} at {at} byte {byte:#x}"
                        );
                        // A second byte after the first: an odd byte then a
                        // stop, a stop then an odd byte, a carry or borrow
                        // next to a hit.
                        for &second in &classes {
                            for gap in [1, 2, 8] {
                                if at + gap < len {
                                    let mut w = v.clone();
                                    w[at + gap] = second;
                                    assert_eq!(
                                        scan_string(&w, start),
                                        scan_reference(&w, start),
                                        "len {len} from {start} at {at} byte {byte:#x} then {second:#x} at +{gap}"
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
        // A stop right after odd bytes; odd bytes after the stop do not count.
        assert_eq!(scan_string(b"\xff\x01\xffaaaaa", 0), (1, true, false));
        assert_eq!(
            scan_string(b"ab\"\x80\x80\x80\x80\x80\x80", 0),
            (2, false, false)
        );
        assert_eq!(
            scan_string(b"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\"", 0),
            (8, true, true)
        );
        // A look byte after the stop does not count, one before it does.
        assert_eq!(scan_string(b"\xe4\xb8\xad\"\xe2", 0), (3, true, false));
        assert_eq!(scan_string("中\u{202e}x\"".as_bytes(), 0), (7, true, true));
        // From past the end: nothing to scan.
        assert_eq!(scan_string(b"ab", 5), (5, false, false));
    }

    #[test]
    fn bracket_scan_stops_at_a_bracket_a_stop_or_an_odd_byte() {
        let reference = |b: &[u8], i: usize| {
            b.iter()
                .skip(i)
                .position(|&c| matches!(c, b'"' | b'\\' | b']') || !(0x20..0x7F).contains(&c))
                .map_or(b.len().max(i), |k| i + k)
        };
        let classes = [
            0x00, 0x1F, 0x20, b'"', b'\\', b'[', b']', b'^', 0x7E, 0x7F, 0x80, 0xFF,
        ];
        for len in 0..40 {
            for start in [0, 1, 9, 17] {
                for at in 0..len {
                    for &byte in &classes {
                        let mut v = vec![b'a'; len];
                        v[at] = byte;
                        assert_eq!(
                            scan_printable_to_bracket(&v, start),
                            reference(&v, start),
                            "len {len} from {start} at {at} byte {byte:#x}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn digit_and_name_scans_stop_where_byte_tests_stop() {
        let is_name = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let reference = |b: &[u8], i: usize, keep: &dyn Fn(u8) -> bool| {
            i + b.iter().skip(i).take_while(|&&c| keep(c)).count()
        };
        // Every byte value, at every place of a run long enough for a block and
        // a tail, from starts on both sides of the block edge.
        for len in 0..40 {
            for start in [0, 1, 15, 17] {
                for at in 0..len {
                    for byte in 0..=255u8 {
                        let mut v = vec![b'7'; len];
                        v[at] = byte;
                        let digit = |c: u8| c.is_ascii_digit();
                        assert_eq!(
                            scan_digits(&v, start),
                            reference(&v, start, &digit),
                            "digits {v:?} from {start}"
                        );
                        v.iter_mut().filter(|c| **c == b'7').for_each(|c| *c = b'k');
                        assert_eq!(
                            scan_name(&v, start),
                            reference(&v, start, &is_name),
                            "name {v:?} from {start}"
                        );
                    }
                }
            }
        }
    }
}
