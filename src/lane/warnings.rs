//! The warnings the lane writes itself, for payloads no candidate fits cleanly.
//!
//! Some warnings come with whole streams of otherwise valid payloads: fields
//! no catalogue lists yet (WeChat adds fields first), documented type
//! variants (a relay writes the official account's `CreateTime` and `MsgId`
//! as strings, every time) and timestamps in milliseconds (a sender's bug,
//! on every payload it sends). Sending each such payload to the full
//! pipeline would cost several times a clean one. So the lane counts them per
//! candidate, in the payload and in the objects inside it whose fields the
//! catalogue lists, ranks the candidates on the counts as detection would, and
//! writes the warnings with the validator's own messages. Any other finding,
//! or any doubt, leaves the payload to the full pipeline.

use super::{
    codes, digits_value, field_of, has_duplicates, in_range, unknown, value, TapeDoc, Verdict,
    MS_THRESHOLD,
};
use crate::catalog::{Candidate, Field, PlatformId, Required, Ty, Xml};
use crate::diag::{Code, Diagnostic};
use crate::doc::{is_integer_lexeme, pointer_push, XmlForm};
use crate::tape::{Kind, View};
use crate::validate::{self, fits_number, is_numeric_text, JsonScalar};
use std::fmt::Write as _;

/// The candidates (as bits of their index in `rules`) with the fewest
/// warnings, when each of them finds nothing but warnings the lane writes and
/// they certainly rank first; `None` when only the full validator can tell.
///
/// Ranking is by (errors, warnings). A candidate with an error ranks below
/// them all. One with `n` such warnings and another finding besides has at
/// least `n + 1` warnings or an error, so it ranks below the best one with
/// `best` warnings alone whenever `n >= best`.
pub(super) fn fewest(
    root: View<'_>,
    rules: &'static [Candidate],
    allowed: impl Fn(PlatformId) -> bool,
) -> Option<u8> {
    // Repeated keys, known or not, are errors for every candidate.
    if has_duplicates(root) {
        return None;
    }
    let mut best = u32::MAX;
    let mut tied = 0u8;
    // The fewest warnings among candidates with another finding.
    let mut flawed_fewest = u32::MAX;
    for (i, c) in rules.iter().enumerate() {
        if !allowed(c.td.platform) {
            continue;
        }
        match fit(root, c)? {
            Fit::Error => {}
            // Another finding, and no warning besides: this candidate may rank
            // level with or above any other. The usual flawed payload ends here.
            Fit::AtLeast(0) => return None,
            Fit::AtLeast(n) => flawed_fewest = flawed_fewest.min(n),
            // The lane's first pass found every candidate flawed: nothing at
            // all would mean the two disagree.
            Fit::Warned(0) => return None,
            Fit::Warned(n) => {
                if n < best {
                    best = n;
                    tied = 0;
                }
                if n == best {
                    tied |= 1 << i;
                }
            }
        }
    }
    (tied != 0 && flawed_fewest >= best).then_some(tied)
}

/// The warnings of candidate `c` that [`fewest`] counted, in document order:
/// what `Validator::object` reports for `root` and the objects inside it.
pub(super) fn push(
    doc: &TapeDoc,
    root: View<'_>,
    c: &'static Candidate,
    out: &mut Vec<Diagnostic>,
) {
    push_object(doc, root, &c.fields, "", out);
}

/// [`push`] for object `obj` with `fields`, at JSON Pointer `path`.
fn push_object(
    doc: &TapeDoc,
    obj: View<'_>,
    fields: &'static [Field],
    path: &str,
    out: &mut Vec<Diagnostic>,
) {
    let mut next = 0;
    for m in obj.children() {
        // Keys on the tape have no escapes: the text is the key.
        let key = m.key();
        let at = |pos: u32, code: Code, message: String| {
            let (line, column) = doc.line_col(pos);
            Diagnostic::new(code, message, line, column).with_field(pointer_push(path, key))
        };
        let Some((_, f)) = field_of(fields, &m, &mut next) else {
            let message = validate::unknown_field_message(key, fields);
            out.push(at(m.key_pos(), Code::UnknownField, message));
            continue;
        };
        if value(f, m) != Verdict::Flawed {
            continue;
        }
        match nested(f, m) {
            Some(Nested::Object(o)) => {
                push_object(doc, o, f.children, &pointer_push(path, key), out)
            }
            Some(Nested::Items(items)) => {
                let mpath = pointer_push(path, key);
                for (i, item) in items.children().enumerate() {
                    let mut ipath = mpath.clone();
                    // Writing to a `String` cannot fail.
                    let _ = write!(ipath, "/{i}");
                    push_object(doc, item, f.children, &ipath, out);
                }
            }
            None => {
                let Flaw::Warnings(w) = Flaw::of(f, m) else {
                    continue;
                };
                if let Some(message) = w.variant_message(f) {
                    out.push(at(m.pos(), Code::TypeVariant, message));
                }
                if let Some((lexeme, secs)) = w.millis {
                    let message = validate::milliseconds_message(f, lexeme, secs);
                    out.push(at(m.pos(), Code::TimestampMilliseconds, message));
                }
            }
        }
    }
}

/// How a candidate ranks, as far as the lane can tell.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fit {
    /// Exactly this many warnings, all of them ones the lane writes.
    Warned(u32),
    /// This many warnings the lane writes, and at least one finding besides.
    AtLeast(u32),
    /// At least one error: below any candidate without one.
    Error,
}

/// How validating `root` as candidate `c`'s type ranks it: by the warnings
/// the lane writes (one per unknown field, those of [`Flaw::Warnings`] for
/// each value) and whatever else it certainly finds. `None` when only the
/// validator can tell. The root has no repeated keys ([`fewest`] made sure).
fn fit(root: View<'_>, c: &'static Candidate) -> Option<Fit> {
    let mut t = Tally::default();
    match tally(root, &c.fields, c.required, &mut t) {
        Err(Stop::Error) => Some(Fit::Error),
        Err(Stop::Unknown) => None,
        Ok(()) if t.other => Some(Fit::AtLeast(t.warnings)),
        Ok(()) if t.unsure => None,
        Ok(()) => Some(Fit::Warned(t.warnings)),
    }
}

/// What [`tally`] has counted so far.
#[derive(Default)]
struct Tally {
    /// Warnings the lane writes.
    warnings: u32,
    /// A finding besides them.
    other: bool,
    /// A value that may hold findings or not.
    unsure: bool,
}

/// Why [`tally`] stopped early.
enum Stop {
    /// A certain error: the candidate ranks below any without one.
    Error,
    /// Only the validator can tell.
    Unknown,
}

/// Counts into `t` what `Validator::object` finds in `obj` with `fields`
/// (whose unknown members it reports), down through the objects inside it.
fn tally(
    obj: View<'_>,
    fields: &'static [Field],
    required: Required,
    t: &mut Tally,
) -> Result<(), Stop> {
    let (mut seen, mut next) = (0u64, 0);
    for m in obj.children() {
        let Some((i, f)) = field_of(fields, &m, &mut next) else {
            if typed_by_xml(m) {
                return Err(Stop::Unknown);
            }
            t.warnings += 1;
            // Inside an unknown field only repeated keys are findings.
            if unknown(m) == Verdict::Flawed {
                return Err(Stop::Error);
            }
            continue;
        };
        seen |= 1u64.checked_shl(i as u32).ok_or(Stop::Unknown)?;
        match value(f, m) {
            Verdict::Clean => {}
            Verdict::Unsure => t.unsure = true,
            Verdict::Flawed => match nested(f, m) {
                Some(Nested::Object(o)) => tally_child(f, o, t)?,
                Some(Nested::Items(items)) => {
                    for item in items.children() {
                        tally_child(f, item, t)?;
                    }
                }
                None => match Flaw::of(f, m) {
                    Flaw::Warnings(w) => t.warnings += w.count(),
                    Flaw::Error => return Err(Stop::Error),
                    Flaw::Other => t.other = true,
                },
            },
        }
    }
    if required.may_lack(seen) {
        // A required field missing is an error; past the 64th field the bit
        // set cannot say.
        return Err(if required.fields <= 64 {
            Stop::Error
        } else {
            Stop::Unknown
        });
    }
    Ok(())
}

/// [`tally`] for object `o` inside a value of field `f` (the value itself, or
/// an item of an array).
fn tally_child(f: &'static Field, o: View<'_>, t: &mut Tally) -> Result<(), Stop> {
    match (o.kind(), o.form()) {
        (Kind::Object, XmlForm::None | XmlForm::Nested) => {}
        // A JSON item that is not an object: a type mismatch.
        (_, XmlForm::None) => return Err(Stop::Error),
        // An XML item the typing pass would change.
        _ => {
            t.unsure = true;
            return Ok(());
        }
    }
    if has_duplicates(o) {
        return Err(Stop::Error);
    }
    tally(o, f.children, f.children_required, t)
}

/// A value `Validator::children` checks against its field's listed children.
enum Nested<'t> {
    /// An object.
    Object(View<'t>),
    /// An array, each of whose items should be an object.
    Items(View<'t>),
}

/// Member value `m` of field `f`, when it is an object (or array of objects)
/// whose members the validator checks against `f`'s listed children, unknown
/// ones reported. (A single object where an array belongs is a variant: not
/// here.)
fn nested<'t>(f: &'static Field, m: View<'t>) -> Option<Nested<'t>> {
    // Items that are payloads of their own are checked where they are reported.
    if f.children.is_empty() || f.payloads {
        return None;
    }
    match (f.ty, m.kind(), m.form()) {
        (Ty::Object, Kind::Object, XmlForm::None | XmlForm::Nested) => Some(Nested::Object(m)),
        (Ty::ObjectArray, Kind::Array, XmlForm::None | XmlForm::Items) => Some(Nested::Items(m)),
        _ => None,
    }
}

/// Whether unknown member `m` holds bare XML text `true` or `false`, which the
/// typing pass would make a boolean: the full pipeline's to show
/// (`typing::unknown_changes`).
fn typed_by_xml(m: View<'_>) -> bool {
    m.subtree().any(|o| {
        o.form() == XmlForm::Plain
            && matches!(o.kind(), Kind::Str | Kind::StrEsc)
            && o.str().is_some_and(|t| t == "true" || t == "false")
    })
}

/// What `Validator::value` makes of a member value that [`value`] found
/// flawed (so it has some finding).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Flaw<'t> {
    /// Only warnings the lane writes.
    Warnings(Warnings<'t>),
    /// Certainly an error (a type mismatch).
    Error,
    /// Anything else, or not known here.
    Other,
}

/// Warnings the lane writes for one JSON value: a documented type variant, a
/// timestamp in milliseconds, or the two in that order.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Warnings<'t> {
    variant: Option<Variant<'t>>,
    /// A timestamp's lexeme and its value in seconds.
    millis: Option<(&'t str, u128)>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Variant<'t> {
    /// A number written as a string, on a numeric field.
    NumberString(&'t str),
    /// Another type the field documents, as a JSON value of that type.
    Other(Ty, JsonScalar<'t>),
    /// An XML number in CDATA where WeChat writes bare text.
    CdataNumber(&'t str),
    /// A bare XML number where WeChat writes CDATA text.
    BareNumber(&'t str),
}

impl Warnings<'_> {
    fn count(&self) -> u32 {
        u32::from(self.variant.is_some()) + u32::from(self.millis.is_some())
    }

    fn variant_message(&self, field: &Field) -> Option<String> {
        Some(match self.variant? {
            Variant::NumberString(s) => validate::number_string_message(field, field.ty, s),
            Variant::Other(ty, found) => validate::variant_message(field, ty, &found),
            Variant::CdataNumber(s) => validate::cdata_number_message(field, field.ty, s),
            Variant::BareNumber(n) => validate::bare_number_message(field, n),
        })
    }
}

impl<'t> Flaw<'t> {
    /// Mirrors `Validator::value` and what it calls, for JSON values.
    fn of(field: &'static Field, m: View<'t>) -> Flaw<'t> {
        if m.form() != XmlForm::None {
            return Self::of_xml(field, m);
        }
        let ty = field.ty;
        let integral = ty.is_integral();
        let numeric = integral || ty == Ty::Number;
        let kind = m.kind();
        // The pairings `Validator::value` checks as they are; every other goes
        // to `Validator::other`, a documented variant or a type mismatch.
        let own = match kind {
            Kind::Str | Kind::StrEsc => ty == Ty::String || numeric,
            Kind::Number => ty == Ty::Number || (integral && is_integer_lexeme(m.raw())),
            Kind::True | Kind::False => ty == Ty::Boolean,
            Kind::Null => ty == Ty::Null,
            Kind::Object => matches!(ty, Ty::Object | Ty::ObjectArray),
            Kind::Array => matches!(ty, Ty::ObjectArray | Ty::StringArray),
        };
        if !own && variant_for(kind, m.raw(), field.variants).is_none() {
            return Flaw::Error;
        }
        if numeric && matches!(kind, Kind::Str | Kind::StrEsc) {
            // `Validator::json_numeric_string`: a mismatch unless a documented
            // string variant; then a number, or any text where the field takes it.
            if !field.variants.contains(&Ty::String) {
                return Flaw::Error;
            }
            let s = m.raw();
            let fits = fits_number(ty, s);
            if kind == Kind::StrEsc {
                // Escaped text would be described decoded: the validator's to write.
                return Flaw::Other;
            }
            if !fits && (is_numeric_text(s) || !validate::takes_text(field, ty, s)) {
                return Flaw::Error;
            }
        }
        Self::warnings(field, m).map_or(Flaw::Other, Flaw::Warnings)
    }

    /// Mirrors `Validator::xml_value` for the two variants an XML writer makes
    /// on every payload once it makes them: a number in CDATA where WeChat
    /// writes bare text, and a bare number where it writes CDATA. Anything
    /// else in XML (padding, text on a numeric field, what the typing pass
    /// changes) is the validator's to describe.
    fn of_xml(field: &'static Field, m: View<'t>) -> Flaw<'t> {
        let ty = field.ty;
        let integral = ty.is_integral();
        let s = m.raw();
        let warnings = match (m.kind(), m.form()) {
            (Kind::Str, XmlForm::Cdata) if integral || ty == Ty::Number => {
                let fits = fits_number(ty, s);
                if !fits || field.xml == Xml::Cdata || s.trim().len() != s.len() {
                    return Flaw::Other;
                }
                let millis = if integral {
                    checked(field, ty, s)
                } else {
                    (codes(field, s) == Verdict::Clean).then_some(None)
                };
                millis.map(|millis| Warnings {
                    variant: Some(Variant::CdataNumber(s)),
                    millis: millis.map(|secs| (s, secs)),
                })
            }
            (Kind::Number, XmlForm::Plain) if ty == Ty::String && field.xml == Xml::Cdata => {
                (codes(field, s) == Verdict::Clean).then_some(Warnings {
                    variant: Some(Variant::BareNumber(s)),
                    millis: None,
                })
            }
            _ => None,
        };
        warnings.map_or(Flaw::Other, Flaw::Warnings)
    }

    /// The warnings of a value [`Flaw::of`] found no error in, when they are all
    /// ones the lane writes.
    fn warnings(field: &'static Field, m: View<'t>) -> Option<Warnings<'t>> {
        let scalar = match m.kind() {
            Kind::Str => JsonScalar::Str(m.raw()),
            Kind::Number => JsonScalar::Number(m.raw()),
            Kind::True => JsonScalar::Bool(true),
            Kind::False => JsonScalar::Bool(false),
            Kind::Null => JsonScalar::Null,
            Kind::StrEsc | Kind::Object | Kind::Array => return None,
        };
        let ty = field.ty;
        let integral = ty.is_integral();
        let numeric = integral || ty == Ty::Number;
        match scalar {
            // An integer on an integer field: only its range or code can be amiss.
            JsonScalar::Number(n) if integral && is_integer_lexeme(n) => {
                let millis = checked(field, ty, n)?;
                millis.map(|secs| Warnings {
                    variant: None,
                    millis: Some((n, secs)),
                })
            }
            // A string variant (checked by `Flaw::of`): a number, or any text.
            JsonScalar::Str(s) if numeric => {
                let fits = fits_number(ty, s);
                if !fits {
                    // A string without escapes holds no literal `\uXXXX`.
                    return (codes(field, s) == Verdict::Clean).then_some(Warnings {
                        variant: Some(Variant::Other(ty, scalar)),
                        millis: None,
                    });
                }
                let millis = if integral {
                    checked(field, ty, s)?.map(|secs| (s, secs))
                } else {
                    (codes(field, s) == Verdict::Clean).then_some(None)?
                };
                Some(Warnings {
                    variant: Some(Variant::NumberString(s)),
                    millis,
                })
            }
            // Every other pairing of a canonical type: codes and the like.
            JsonScalar::Str(_) if ty == Ty::String => None,
            JsonScalar::Number(_) if ty == Ty::Number => None,
            JsonScalar::Bool(_) if ty == Ty::Boolean => None,
            JsonScalar::Null if ty == Ty::Null => None,
            // `Validator::other`: a documented variant, then checked as that type.
            _ => {
                let v = variant_for(m.kind(), m.raw(), field.variants)?;
                let millis = match scalar {
                    JsonScalar::Str(s) => (codes(field, s) == Verdict::Clean).then_some(None)?,
                    JsonScalar::Number(n) if v != Ty::Number => checked(field, v, n)?,
                    JsonScalar::Number(n) => (codes(field, n) == Verdict::Clean).then_some(None)?,
                    // Codes of booleans and nulls are the validator's to match.
                    JsonScalar::Bool(_) | JsonScalar::Null => {
                        field.codes.is_empty().then_some(None)?
                    }
                };
                Some(Warnings {
                    variant: Some(Variant::Other(ty, scalar)),
                    millis: millis.map(|secs| (m.raw(), secs)),
                })
            }
        }
    }
}

/// `Validator::variant_for`: the first of a field's documented variants that
/// a JSON value of `kind` (and lexeme `raw`, for numbers) is a value of.
fn variant_for(kind: Kind, raw: &str, variants: &[Ty]) -> Option<Ty> {
    let accept: &[Ty] = match kind {
        Kind::Str | Kind::StrEsc => &[Ty::String],
        Kind::Number if is_integer_lexeme(raw) => {
            &[Ty::Integer, Ty::Id64, Ty::Timestamp, Ty::Number]
        }
        Kind::Number => &[Ty::Number],
        Kind::True | Kind::False => &[Ty::Boolean],
        Kind::Null => &[Ty::Null],
        Kind::Object => &[Ty::Object],
        Kind::Array => &[Ty::ObjectArray, Ty::StringArray],
    };
    variants.iter().copied().find(|v| accept.contains(v))
}

/// `Validator::range` then `codes` on integer `lexeme` checked as `ty`:
/// `Some(None)` with nothing to say, `Some(Some(secs))` for a timestamp in
/// milliseconds (the one warning of theirs the lane writes), `None` for any
/// other finding, and for negative numbers (left to the validator).
fn checked(field: &'static Field, ty: Ty, lexeme: &str) -> Option<Option<u128>> {
    if !lexeme.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let millis = if ty == Ty::Timestamp && lexeme.len() > 11 {
        // Read once here rather than in `in_range` and again for the seconds.
        let n = u64::try_from(digits_value(lexeme)?).ok()?;
        // Above `i64::MAX` a timestamp is out of range: an error.
        if n > i64::MAX as u64 {
            return None;
        }
        (u128::from(n) > MS_THRESHOLD).then_some(u128::from(n / 1000))
    } else if in_range(ty, lexeme) == Verdict::Clean {
        None
    } else {
        return None;
    };
    (codes(field, lexeme) == Verdict::Clean).then_some(millis)
}
