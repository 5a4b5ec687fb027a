//! Unix timestamps → calendar dates, without a date library.
//!
//! WeChat stamps every payload with `CreateTime` in Unix seconds; the pretty printer
//! shows it as a local date so a person can match it against logs. The conversion is
//! Howard Hinnant's `days_from_civil` / `civil_from_days` on the proleptic Gregorian
//! calendar (<https://howardhinnant.github.io/date_algorithms.html>). All arithmetic is
//! done in `i64`/`i128` so that any `i64` input produces a string instead of a panic.

/// What [`format_unix`] returns when the year would not fit in four digits.
///
/// A millisecond timestamp read as seconds lands around the year 48,000; saying so
/// plainly is more useful than printing a date nobody can read.
pub const OUT_OF_RANGE: &str = "(date out of range)";

/// Largest absolute year [`format_unix`] prints (four digits keep the layout fixed).
const MAX_YEAR: i64 = 9999;

const DAY_SECS: i64 = 86_400;
const SECS_PER_DAY: i128 = DAY_SECS as i128;

/// Days since 1970-01-01 of a proleptic Gregorian date (`month` 1–12, `day` 1–31).
///
/// Saturates at the `i64` bounds for years so large that the day count does not fit,
/// so no input can make it panic.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // i128: `era * 146_097` overflows i64 for years beyond about ±2.3e13.
    let m = i128::from(month);
    let d = i128::from(day);
    // Shift the year so it starts in March: the leap day then falls at its end.
    let y = i128::from(year) - i128::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = if m > 2 { m - 3 } else { m + 9 }; // [0, 11] for real months, March = 0
    let doy = (153 * mp + 2) / 5 + d - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    let days = era * 146_097 + doe - 719_468;
    i64::try_from(days).unwrap_or(if days < 0 { i64::MIN } else { i64::MAX })
}

/// The proleptic Gregorian date `(year, month, day)` of a day count since 1970-01-01.
///
/// Total over `i64`: the arithmetic runs in `i128`, so even `i64::MIN` cannot overflow.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Every real date (and far beyond) fits the same arithmetic in i64, which is
    // several times cheaper than i128 division.
    const FAST: i64 = 1 << 40;
    if (-FAST..FAST).contains(&days) {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        return (y, m as u32, d as u32);
    }
    let z = i128::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let y = yoe + era * 400 + i128::from(m <= 2);
    // The year of any i64 day count fits easily in i64 (|days| / 365 < 2^55).
    let year = i64::try_from(y).unwrap_or(if y < 0 { i64::MIN } else { i64::MAX });
    (year, m as u32, d as u32)
}

/// Formats Unix seconds as `2016-12-18 16:11:10 +08:00` in the given UTC offset.
///
/// Years outside ±9999 give [`OUT_OF_RANGE`]; negative years (astronomical
/// numbering, 0 = 1 BC) are written `-0001`. Never panics, for any inputs.
pub fn format_unix(secs: i64, offset_secs: i32) -> String {
    let mut s = String::with_capacity(26);
    push_unix(&mut s, secs, offset_secs);
    s
}

/// [`format_unix`], appended to `out` (the pretty printer's buffer) without a
/// temporary. Everything it writes is ASCII.
pub fn push_unix(out: &mut String, secs: i64, offset_secs: i32) {
    let (days, sod) = match secs.checked_add(i64::from(offset_secs)) {
        Some(local) => (local.div_euclid(DAY_SECS), local.rem_euclid(DAY_SECS)),
        None => {
            // i128 so that `i64::MAX + offset` cannot overflow.
            let local = i128::from(secs) + i128::from(offset_secs);
            let days = local.div_euclid(SECS_PER_DAY);
            let Ok(days) = i64::try_from(days) else {
                out.push_str(OUT_OF_RANGE);
                return;
            };
            // [0, 86399], so the cast is exact.
            (days, local.rem_euclid(SECS_PER_DAY) as i64)
        }
    };
    let (year, month, day) = civil_from_days(days);
    if !(-MAX_YEAR..=MAX_YEAR).contains(&year) {
        out.push_str(OUT_OF_RANGE);
        return;
    }
    // Assembled on the stack at fixed positions and appended in one go, offset
    // included.
    let mut b = *b"-0000-00-00 00:00:00 +00:00";
    let y = year.unsigned_abs(); // at most 9999
    b[1] = digit(y / 1000);
    b[2] = digit(y / 100);
    b[3] = digit(y / 10);
    b[4] = digit(y);
    [b[6], b[7]] = two_digits(u64::from(month));
    [b[9], b[10]] = two_digits(u64::from(day));
    // sod is in [0, 86399].
    let sod = sod.unsigned_abs();
    [b[12], b[13]] = two_digits(sod / 3600);
    [b[15], b[16]] = two_digits(sod % 3600 / 60);
    [b[18], b[19]] = two_digits(sod % 60);
    let offset = offset_bytes(offset_secs);
    if let Some(off) = offset {
        [b[21], b[22], b[23], b[24], b[25], b[26]] = off;
    }
    let begin = usize::from(year >= 0);
    let end = if offset.is_some() { b.len() } else { 21 };
    // Only ASCII digits and punctuation were written.
    let text = b.get(begin..end).unwrap_or_default();
    out.push_str(std::str::from_utf8(text).unwrap_or_default());
    if offset.is_none() {
        push_offset(out, offset_secs);
    }
}

/// The ASCII digit of `n % 10`.
fn digit(n: u64) -> u8 {
    b'0' + (n % 10) as u8
}

/// The last two decimal digits of `n`.
fn two_digits(n: u64) -> [u8; 2] {
    [digit(n / 10), digit(n)]
}

/// Formats a UTC offset as `+08:00` / `-05:30` (seconds beyond whole minutes dropped).
pub fn format_offset(offset_secs: i32) -> String {
    let mut s = String::with_capacity(6);
    push_offset(&mut s, offset_secs);
    s
}

/// [`format_offset`], appended to `out`.
fn push_offset(out: &mut String, offset_secs: i32) {
    match offset_bytes(offset_secs) {
        Some(b) => out.push_str(std::str::from_utf8(&b).unwrap_or_default()),
        None => {
            // Only offsets no zone has (and `parse_offset` refuses) get here.
            let sign = if offset_secs < 0 { '-' } else { '+' };
            let abs = offset_secs.unsigned_abs();
            out.push_str(&format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60));
        }
    }
}

/// `+hh:mm` as bytes, or `None` when the hours take more than two digits.
fn offset_bytes(offset_secs: i32) -> Option<[u8; 6]> {
    let sign = if offset_secs < 0 { b'-' } else { b'+' };
    // unsigned_abs: `i32::MIN.abs()` would overflow.
    let abs = u64::from(offset_secs.unsigned_abs());
    let (h, m) = (abs / 3600, abs % 3600 / 60);
    if h >= 100 {
        return None;
    }
    let [h1, h2] = two_digits(h);
    let [m1, m2] = two_digits(m);
    Some([sign, h1, h2, b':', m1, m2])
}

/// Largest offset accepted by [`parse_offset`]: real zones span −12:00 to +14:00, and
/// ±18:00 is the bound ISO 8601 tooling commonly uses.
const MAX_OFFSET_SECS: i32 = 18 * 3600;

/// Parses a UTC offset: `+08:00`, `-05:30`, `+0800`, `+08`, `Z`, or `UTC`
/// (letters in any case). Returns the offset in seconds east of UTC.
pub fn parse_offset(s: &str) -> Option<i32> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") {
        return Some(0);
    }
    let (sign, rest) = if let Some(r) = s.strip_prefix('+') {
        (1, r)
    } else if let Some(r) = s.strip_prefix('-') {
        (-1, r)
    } else {
        return None;
    };
    // Only ASCII digits and one optional colon: this also makes the byte slicing
    // below land on char boundaries.
    let (hh, mm) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => (rest.get(..2)?, rest.get(2..)?),
        None => (rest, "00"),
    };
    if hh.len() != 2 || mm.len() != 2 {
        return None;
    }
    if !hh.bytes().chain(mm.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = hh.parse().ok()?;
    let m: i32 = mm.parse().ok()?;
    if m >= 60 {
        return None;
    }
    let secs = h * 3600 + m * 60;
    (secs <= MAX_OFFSET_SECS).then_some(sign * secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CST: i32 = 8 * 3600;

    #[test]
    fn wechat_sample_time() {
        // The CreateTime of WeChat's own mini program samples.
        assert_eq!(format_unix(1482048670, CST), "2016-12-18 16:11:10 +08:00");
        assert_eq!(format_unix(1482048670, 0), "2016-12-18 08:11:10 +00:00");
    }

    #[test]
    fn epoch_and_negative() {
        assert_eq!(format_unix(0, 0), "1970-01-01 00:00:00 +00:00");
        assert_eq!(format_unix(-1, 0), "1969-12-31 23:59:59 +00:00");
        assert_eq!(
            format_unix(0, -5 * 3600 - 1800),
            "1969-12-31 18:30:00 -05:30"
        );
        assert_eq!(format_unix(-86_400 * 365, 0), "1969-01-01 00:00:00 +00:00");
    }

    #[test]
    fn leap_years() {
        // 2000 is a leap year (divisible by 400), 1900 and 2100 are not.
        assert_eq!(format_unix(951_782_400, 0), "2000-02-29 00:00:00 +00:00");
        assert_eq!(format_unix(951_868_800, 0), "2000-03-01 00:00:00 +00:00");
        let feb28_2100 = days_from_civil(2100, 2, 28) * 86_400;
        assert_eq!(
            format_unix(feb28_2100 + 86_400, 0),
            "2100-03-01 00:00:00 +00:00"
        );
        assert_eq!(
            format_unix(days_from_civil(2024, 2, 29) * 86_400 + 3661, 0),
            "2024-02-29 01:01:01 +00:00"
        );
        assert_eq!(
            civil_from_days(days_from_civil(1900, 3, 1) - 1),
            (1900, 2, 28)
        );
    }

    #[test]
    fn past_2038() {
        assert_eq!(format_unix(2_147_483_647, 0), "2038-01-19 03:14:07 +00:00");
        assert_eq!(format_unix(2_147_483_648, 0), "2038-01-19 03:14:08 +00:00");
        assert_eq!(format_unix(4_102_444_800, 0), "2100-01-01 00:00:00 +00:00");
        assert_eq!(
            format_unix(253_402_300_799, 0),
            "9999-12-31 23:59:59 +00:00"
        );
        assert_eq!(format_unix(253_402_300_800, 0), OUT_OF_RANGE);
    }

    #[test]
    fn far_past() {
        assert_eq!(
            format_unix(days_from_civil(0, 1, 1) * 86_400, 0),
            "0000-01-01 00:00:00 +00:00"
        );
        assert_eq!(
            format_unix(days_from_civil(-1, 12, 31) * 86_400, 0),
            "-0001-12-31 00:00:00 +00:00"
        );
        assert_eq!(
            format_unix(days_from_civil(-9999, 1, 1) * 86_400, 0),
            "-9999-01-01 00:00:00 +00:00"
        );
        assert_eq!(
            format_unix(days_from_civil(-10000, 12, 31) * 86_400, 0),
            OUT_OF_RANGE
        );
    }

    #[test]
    fn milliseconds_are_out_of_range() {
        assert_eq!(format_unix(1_482_048_670_000, CST), OUT_OF_RANGE);
    }

    #[test]
    fn extremes_do_not_panic() {
        for s in [i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1] {
            for o in [i32::MIN, -1, 0, 1, i32::MAX] {
                assert_eq!(format_unix(s, o), OUT_OF_RANGE);
            }
        }
        for d in [i64::MIN, i64::MAX, 0, -1] {
            let _ = civil_from_days(d);
        }
        assert_eq!(days_from_civil(i64::MAX, 12, 31), i64::MAX);
        assert_eq!(days_from_civil(i64::MIN, 1, 1), i64::MIN);
        let _ = days_from_civil(2000, u32::MAX, u32::MAX);
        assert_eq!(format_offset(i32::MIN), "-596523:14");
    }

    #[test]
    fn round_trip_days() {
        for days in (-1_000_000..1_000_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
    }

    /// The i64 shortcut of [`civil_from_days`] agrees with the general i128 path,
    /// including at the edges of its range.
    #[test]
    fn fast_civil_matches_wide_arithmetic() {
        fn wide(days: i64) -> (i64, u32, u32) {
            let z = i128::from(days) + 719_468;
            let era = z.div_euclid(146_097);
            let doe = z - era * 146_097;
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            let mp = (5 * doy + 2) / 153;
            let d = doy - (153 * mp + 2) / 5 + 1;
            let m = if mp < 10 { mp + 3 } else { mp - 9 };
            let y = yoe + era * 400 + i128::from(m <= 2);
            (y as i64, m as u32, d as u32)
        }
        let edge = 1i64 << 40;
        for base in [0, -edge, edge, -719_468, 2_932_896, -3_652_059] {
            for d in base - 800..base + 800 {
                assert_eq!(civil_from_days(d), wide(d), "{d}");
            }
        }
        for d in (-2_000_000..2_000_000).step_by(331) {
            assert_eq!(civil_from_days(d), wide(d), "{d}");
        }
        // Offsets of 100 hours or more take the slow path of the offset.
        assert_eq!(format_unix(0, i32::MAX), "2038-01-19 03:14:07 +596523:14");
        // The i128 fallback of push_unix (seconds near the i64 bounds) still answers.
        assert_eq!(format_unix(i64::MAX, 1), OUT_OF_RANGE);
        assert_eq!(format_unix(i64::MIN, -1), OUT_OF_RANGE);
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+08:00"), Some(CST));
        assert_eq!(parse_offset("-05:30"), Some(-19_800));
        assert_eq!(parse_offset("+0800"), Some(CST));
        assert_eq!(parse_offset("+08"), Some(CST));
        assert_eq!(parse_offset("Z"), Some(0));
        assert_eq!(parse_offset("z"), Some(0));
        assert_eq!(parse_offset("UTC"), Some(0));
        assert_eq!(parse_offset("utc"), Some(0));
        assert_eq!(parse_offset("-00:00"), Some(0));
        assert_eq!(parse_offset("+18:00"), Some(18 * 3600));
        for bad in [
            "", "08:00", "+8:00", "+08:60", "+19:00", "+08:0", "+08:000", "++08:00", "+0８:00",
            "+中文", "+08:00x", "UTC+8", "+", "-",
        ] {
            assert_eq!(parse_offset(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn offset_round_trip() {
        for o in [0, CST, -19_800, 5 * 3600 + 45 * 60, -12 * 3600, 14 * 3600] {
            assert_eq!(parse_offset(&format_offset(o)), Some(o));
        }
    }
}
