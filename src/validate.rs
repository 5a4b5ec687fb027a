//! Validation: checks a payload against its catalogue type, field by field.
//!
//! Every rule here is driven by the [`crate::catalog`]: which fields are required,
//! their types, the documented non-canonical types (`variants`), enumerations and
//! nested fields. Integers are compared from their exact lexeme (never through
//! `f64`), so 64-bit ids such as `MsgId` are range-checked exactly.
//!
//! JSON values are typed and checked strictly. XML has no types, so XML values are
//! checked for whether their *text* fits the field, and the CDATA/bare-text form is
//! compared with how WeChat writes the field.
//!
//! Most payloads are valid, so the hot path builds nothing: field paths are a
//! chain of borrowed segments (`Path`) and messages are closures, both turned
//! into text only when a finding is kept. Detection ranks several candidate types
//! with [`fit`], which only counts findings.

use crate::catalog::{Field, Req, Ty, TypeDef, Xml};
use crate::diag::{Code, Diagnostic, Severity};
use crate::doc::{
    is_integer_lexeme, push_pointer_segment, Document, Locator, Member, Node, Value, XmlForm,
};
use crate::tape::hex4;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Timestamps above this (the year 5138 in seconds) are almost certainly milliseconds.
pub(crate) const MS_THRESHOLD: u128 = 100_000_000_000;

/// How many enumeration values an `unknown-code` message lists before eliding.
const MAX_LISTED_CODES: usize = 8;

/// How many characters of a found value a message quotes.
const MAX_QUOTED_CHARS: usize = 40;

/// Objects with more members than this find duplicate keys with a hash map;
/// smaller ones compare keys pairwise, which is cheaper than hashing them.
const PAIRWISE_MAX: usize = 16;

/// Validates `root` (the payload object, possibly a sub-node of `doc.root`) against
/// every field group of `td`, reporting fields the type does not list.
///
/// Paths in the diagnostics are relative to `root`; the result is ordered by
/// source position.
pub fn validate(doc: &Document, root: &Node, td: &'static TypeDef) -> Vec<Diagnostic> {
    validate_fields(doc, root, td.fields, true)
}

/// How many errors and warnings [`validate`] would report, without building them.
pub fn fit(doc: &Document, root: &Node, td: &'static TypeDef) -> (usize, usize) {
    let mut v = Validator {
        loc: doc.locator(),
        out: None,
        counts: [0; 3],
    };
    v.root(root, td.fields, true);
    (v.counts[0], v.counts[1])
}

/// Validates `root` against a list of field groups; `unknown` says whether
/// top-level fields not listed in any group are reported as `unknown-field`.
///
/// Nested objects whose catalogue entry lists children always report unknown
/// members (their field list is complete even when the top level is partial).
/// Duplicate keys are reported in every object, catalogued or not.
pub fn validate_fields(
    doc: &Document,
    root: &Node,
    groups: &[&'static [Field]],
    unknown: bool,
) -> Vec<Diagnostic> {
    let mut v = Validator {
        loc: doc.locator(),
        out: Some(Vec::new()),
        counts: [0; 3],
    };
    v.root(root, groups, unknown);
    let mut out = v.out.unwrap_or_default();
    // `sort_by_key` is stable, so findings at one position keep their discovery order.
    out.sort_by_key(|d| (d.line, d.column));
    out
}

/// One step of a field path.
#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// A field path as a chain of borrowed segments, rendered as a JSON Pointer
/// (`/event/fail_type`) only when a finding is kept.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    /// One more segment below a parent path.
    Child(&'a Path<'a>, Seg<'a>),
    /// Several more segments (the explicit stack of [`Validator::walk_unknown`]).
    Tail(&'a Path<'a>, &'a [Seg<'a>]),
}

impl<'a> Path<'a> {
    fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Child(self, Seg::Key(key))
    }

    fn index(&'a self, i: usize) -> Path<'a> {
        Path::Child(self, Seg::Index(i))
    }

    /// The JSON Pointer: `~` → `~0`, `/` → `~1` in keys, indices in decimal.
    fn render(&self) -> String {
        let mut segs: Vec<Seg<'_>> = Vec::new();
        let mut p = self;
        loop {
            match p {
                Path::Root => break,
                Path::Child(parent, s) => {
                    segs.push(*s);
                    p = parent;
                }
                Path::Tail(parent, tail) => {
                    segs.extend(tail.iter().rev().copied());
                    p = parent;
                }
            }
        }
        let mut out = String::new();
        for s in segs.iter().rev() {
            match s {
                Seg::Key(k) => push_pointer_segment(&mut out, k),
                // Writing to a `String` cannot fail.
                Seg::Index(i) => _ = write!(out, "/{i}"),
            }
        }
        out
    }
}

struct Validator<'a> {
    /// Positions of findings, counted on from the last one.
    loc: Locator<'a>,
    /// The findings, or `None` when only counting them (see [`fit`]).
    out: Option<Vec<Diagnostic>>,
    /// Findings by severity: errors, warnings, info.
    counts: [usize; 3],
}

impl Validator<'_> {
    fn root(&mut self, root: &Node, groups: &[&'static [Field]], unknown: bool) {
        match &root.value {
            Value::Object(members) => self.object(root, members, groups, &Path::Root, unknown),
            _ => self.emit(Code::TypeMismatch, root.pos, None, || {
                format!("the payload should be an object, found {}", found(root))
            }),
        }
    }

    /// Records one finding; the message and path are only built when kept.
    fn emit(
        &mut self,
        code: Code,
        pos: u32,
        path: Option<&Path<'_>>,
        message: impl FnOnce() -> String,
    ) {
        self.counts[match code.severity() {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        }] += 1;
        if let Some(out) = &mut self.out {
            let (line, col) = self.loc.at(pos as usize);
            let mut d = Diagnostic::new(code, message(), line, col);
            if let Some(p) = path {
                d = d.with_field(p.render());
            }
            out.push(d);
        }
    }

    /// [`Validator::emit`] for a finding about the field at `path`.
    fn at(&mut self, code: Code, pos: u32, path: &Path<'_>, message: impl FnOnce() -> String) {
        self.emit(code, pos, Some(path), message);
    }

    /// Checks one object: duplicates, each member, unknown members, missing fields.
    fn object(
        &mut self,
        obj: &Node,
        members: &[Member],
        groups: &[&'static [Field]],
        path: &Path<'_>,
        report_unknown: bool,
    ) {
        self.duplicates(members, path);
        // Fields seen, by position in the groups (the first 64), so that required
        // fields are not searched for a second time.
        let mut seen = 0u64;
        for m in members {
            let mpath = path.key(&m.key);
            match lookup(groups, &m.key) {
                // Every occurrence of a duplicated key is checked: each is a value in
                // the source that some reader will take.
                Some((i, f)) => {
                    seen |= 1u64.checked_shl(i as u32).unwrap_or(0);
                    self.value(f, f.ty, &m.node, &mpath)
                }
                None => {
                    if report_unknown {
                        self.at(Code::UnknownField, m.key_pos, &mpath, || {
                            unknown_field_message(&m.key, groups.iter().flat_map(|g| g.iter()))
                        });
                    }
                    self.walk_unknown(&m.node, &mpath);
                }
            }
        }
        let mut forms: Vec<&'static Field> = Vec::new();
        let mut form_found = false;
        for (i, f) in groups.iter().flat_map(|g| g.iter()).enumerate() {
            let marked = seen & 1u64.checked_shl(i as u32).unwrap_or(0) != 0;
            let present = || marked || members.iter().any(|m| m.key == f.name);
            if f.req == Req::Always && !present() {
                self.at(Code::MissingField, obj.pos, &path.key(f.name), || {
                    format!("missing required field {} ({})", f.name, f.en)
                });
            }
            if f.req.form().is_some() {
                form_found |= present();
                forms.push(f);
            }
        }
        // The same content in either form's shape: one of them must be there.
        if let (Some(first), false) = (forms.first(), form_found) {
            self.at(Code::MissingField, obj.pos, &path.key(first.name), || {
                let each: Vec<String> = forms
                    .iter()
                    .map(|f| match f.req {
                        Req::Cond(c) => {
                            format!("{} ({})", f.name, c.split(':').next().unwrap_or(c))
                        }
                        _ => f.name.to_string(),
                    })
                    .collect();
                format!("missing its content, in either form: {}", each.join(" or "))
            });
        }
    }

    /// Reports every key that repeats an earlier key of the same object.
    fn duplicates(&mut self, members: &[Member], path: &Path<'_>) {
        if members.len() <= PAIRWISE_MAX {
            for (i, m) in members.iter().enumerate() {
                if let Some(first) = members[..i].iter().find(|f| f.key == m.key) {
                    self.duplicate(m, first.key_pos, path);
                }
            }
            return;
        }
        let mut first: HashMap<&str, u32> = HashMap::new();
        for m in members {
            match first.get(m.key.as_str()) {
                Some(&pos) => self.duplicate(m, pos, path),
                None => {
                    first.insert(&m.key, m.key_pos);
                }
            }
        }
    }

    /// Reports `m` as repeating the key first seen at `first`.
    fn duplicate(&mut self, m: &Member, first: u32, path: &Path<'_>) {
        // Only located when the finding is kept (not when only counting).
        let (line, col) = match self.out {
            Some(_) => self.loc.at(first as usize),
            None => (0, 0),
        };
        self.at(Code::DuplicateKey, m.key_pos, &path.key(&m.key), || {
            format!(
                "duplicate key {} (first at line {line}, column {col})",
                m.key
            )
        });
    }

    /// Walks a value the catalogue knows nothing about, only for duplicate keys,
    /// in document order. Iterative (an explicit stack of containers and the path
    /// segments down to the current one), so a hand-built tree of any depth cannot
    /// exhaust the call stack.
    fn walk_unknown(&mut self, node: &Node, path: &Path<'_>) {
        match &node.value {
            Value::Object(members) => self.duplicates(members, path),
            Value::Array(_) => {}
            // A scalar holds no keys: no stack to set up.
            _ => return,
        }
        let mut stack: Vec<(&Node, usize)> = vec![(node, 0)];
        let mut segs: Vec<Seg<'_>> = Vec::new();
        while let Some((n, next)) = stack.last_mut() {
            let i = *next;
            *next += 1;
            let child = match &n.value {
                Value::Object(members) => members.get(i).map(|m| (&m.node, Seg::Key(&m.key))),
                Value::Array(items) => items.get(i).map(|c| (c, Seg::Index(i))),
                _ => None,
            };
            let Some((c, seg)) = child else {
                stack.pop();
                // The root frame has no segment of its own.
                if !stack.is_empty() {
                    segs.pop();
                }
                continue;
            };
            match &c.value {
                Value::Object(members) => {
                    segs.push(seg);
                    self.duplicates(members, &Path::Tail(path, &segs));
                    stack.push((c, 0));
                }
                Value::Array(_) => {
                    segs.push(seg);
                    stack.push((c, 0));
                }
                _ => {}
            }
        }
    }

    /// Checks one value against `ty` (the field's type, or a variant of it).
    fn value(&mut self, field: &'static Field, ty: Ty, node: &Node, path: &Path<'_>) {
        if node.xml != XmlForm::None {
            return self.xml_value(field, ty, node, path);
        }
        match (ty, &node.value) {
            (Ty::String, Value::String(s)) => {
                self.escapes(field, s, node, path);
                self.codes(field, node, path);
            }
            (Ty::Integer | Ty::Id64 | Ty::Timestamp, Value::Number(n)) if is_integer_lexeme(n) => {
                if self.range(field, ty, n, node, path) {
                    self.codes(field, node, path);
                }
            }
            (Ty::Number, Value::Number(_))
            | (Ty::Boolean, Value::Bool(_))
            | (Ty::Null, Value::Null) => self.codes(field, node, path),
            (Ty::Integer | Ty::Id64 | Ty::Timestamp | Ty::Number, Value::String(s)) => {
                self.json_numeric_string(field, ty, s, node, path)
            }
            (Ty::Object, Value::Object(members)) => self.children(field, node, members, path),
            (Ty::ObjectArray, Value::Array(items)) => self.object_items(field, items, path),
            // Only where the catalogue documents it (the subscribe-message JSON
            // `List`); anywhere else an object is a mismatch (`msg_list` is
            // always an array).
            (Ty::ObjectArray, Value::Object(members)) if field.variants.contains(&Ty::Object) => {
                self.at(Code::TypeVariant, node.pos, path, || {
                    format!(
                        "{} should be an array of objects, found a single object \
                         (WeChat sends one entry as an object); read as one entry",
                        field.name
                    )
                });
                // The path stays `/List/…`: it must point at the object that exists.
                self.children(field, node, members, path);
            }
            (Ty::StringArray, Value::Array(items)) => self.string_items(field, items, path),
            _ => self.other(field, ty, node, path),
        }
    }

    /// A JSON string on a numeric field: accepted only as a documented variant.
    fn json_numeric_string(
        &mut self,
        field: &'static Field,
        ty: Ty,
        s: &str,
        node: &Node,
        path: &Path<'_>,
    ) {
        let integral = ty.is_integral();
        let fits = fits_number(ty, s);
        if !field.variants.contains(&Ty::String) {
            self.at(Code::TypeMismatch, node.pos, path, || {
                let hint = if is_numeric_text(s) {
                    " (a number written as a string)"
                } else {
                    ""
                };
                format!(
                    "{} should be {}, found string {}{hint}",
                    field.name,
                    expected(ty),
                    quote(s)
                )
            });
        } else if fits {
            self.at(Code::TypeVariant, node.pos, path, || {
                number_string_message(field, ty, s)
            });
            if !integral || self.range(field, ty, s, node, path) {
                self.codes(field, node, path);
            }
        } else if is_numeric_text(s) {
            // The string variant covers ids written as text, not a fraction where
            // an integer belongs.
            self.at(Code::TypeMismatch, node.pos, path, || {
                format!(
                    "{} should be {}, found string {}",
                    field.name,
                    expected(ty),
                    quote(s)
                )
            });
        } else if takes_text(field, ty, s) {
            self.at(Code::TypeVariant, node.pos, path, || {
                variant_message(field, ty, &JsonScalar::Str(s))
            });
            self.escapes(field, s, node, path);
            self.codes(field, node, path);
        } else {
            // The string variant is a number written as a string, not any text.
            self.at(Code::TypeMismatch, node.pos, path, || {
                format!(
                    "{} should be {}, found string {} (not a number)",
                    field.name,
                    expected(ty),
                    quote(s)
                )
            });
        }
    }

    /// Checks one XML-origin value. XML has no types: only whether the text fits.
    fn xml_value(&mut self, field: &'static Field, ty: Ty, node: &Node, path: &Path<'_>) {
        match (ty, &node.value) {
            (Ty::String, Value::String(s)) => {
                self.escapes(field, s, node, path);
                self.codes(field, node, path);
            }
            // An empty element is an empty string in XML, not a null.
            (Ty::String, Value::Null) => {}
            (Ty::String, Value::Number(n)) => {
                if node.xml == XmlForm::Plain && field.xml == Xml::Cdata {
                    self.at(Code::TypeVariant, node.pos, path, || {
                        bare_number_message(field, n)
                    });
                }
                self.codes(field, node, path);
            }
            (
                Ty::Integer | Ty::Id64 | Ty::Timestamp | Ty::Number,
                Value::String(s) | Value::Number(s),
            ) => self.xml_numeric_text(field, ty, s, node, path),
            (Ty::Boolean, Value::Bool(_)) | (Ty::Null, Value::Null) => {
                self.codes(field, node, path)
            }
            (Ty::Boolean, Value::String(s)) if matches!(s.trim(), "true" | "false") => {
                self.codes(field, node, path)
            }
            (Ty::Object, Value::Object(members)) => self.children(field, node, members, path),
            (Ty::ObjectArray, Value::Array(items)) => self.object_items(field, items, path),
            // An empty container is an empty list.
            (Ty::ObjectArray | Ty::StringArray, Value::Null) => {}
            // A single sibling cannot be told from a plain element until the schema
            // says it repeats, so one `<List>` is one entry, silently.
            (Ty::ObjectArray, Value::Object(members)) if field.xml == Xml::Siblings => {
                self.children(field, node, members, path)
            }
            (Ty::StringArray, Value::Array(items)) => self.string_items(field, items, path),
            (Ty::StringArray, Value::String(s)) if field.xml == Xml::Siblings => {
                self.escapes(field, s, node, path)
            }
            (Ty::StringArray, Value::Number(_)) if field.xml == Xml::Siblings => {}
            (_, Value::Array(items)) if node.xml == XmlForm::Siblings && !ty.is_array() => {
                self.at(Code::RepeatedElement, node.pos, path, || {
                    format!(
                        "<{}> repeats {} times where the catalogue expects one value",
                        field.name,
                        items.len()
                    )
                });
                for (i, item) in items.iter().enumerate() {
                    self.value(field, ty, item, &path.index(i));
                }
            }
            _ => self.other(field, ty, node, path),
        }
    }

    /// XML text on a numeric field: numbers fit; the CDATA form is a variant.
    fn xml_numeric_text(
        &mut self,
        field: &'static Field,
        ty: Ty,
        s: &str,
        node: &Node,
        path: &Path<'_>,
    ) {
        // XML readers (Go's encoding/xml, Java's JAXB) trim element text before
        // reading a number, so padding decides the warning, not the type.
        let t = s.trim();
        let integral = ty.is_integral();
        let fits = fits_number(ty, t);
        if fits {
            if node.xml == XmlForm::Cdata && field.xml != Xml::Cdata {
                self.at(Code::TypeVariant, node.pos, path, || {
                    cdata_number_message(field, ty, s)
                });
            } else if t.len() != s.len() {
                // XML readers trim it, but a converter keeps the text as written,
                // and that JSON string would no longer be a number.
                self.at(Code::TypeVariant, node.pos, path, || {
                    format!(
                        "{} should be {}, found number padded with whitespace {}",
                        field.name,
                        expected(ty),
                        quote(s)
                    )
                });
            }
            if !integral || self.range(field, ty, t, node, path) {
                self.codes(field, node, path);
            }
            return;
        }
        let variant = if is_numeric_text(t) {
            // A fraction on an integer field.
            Ty::Number
        } else {
            Ty::String
        };
        let msg = || mismatch_message(field, ty, node);
        // Non-numeric text is the documented variant only where any text is.
        let documented =
            field.variants.contains(&variant) && (variant != Ty::String || field.any_text);
        if documented {
            self.at(Code::TypeVariant, node.pos, path, || {
                format!("{} (a documented variant)", msg())
            });
            self.codes(field, node, path);
        } else {
            self.at(Code::TypeMismatch, node.pos, path, msg);
        }
    }

    /// A value of the wrong type: a documented variant (warning) or a mismatch.
    fn other(&mut self, field: &'static Field, ty: Ty, node: &Node, path: &Path<'_>) {
        let msg = || mismatch_message(field, ty, node);
        match variant_for(&node.value, field.variants) {
            // `v != ty` guards the recursion below: re-checking as the same type
            // would land here again.
            Some(v) if v != ty => {
                self.at(Code::TypeVariant, node.pos, path, || {
                    format!("{} (a documented variant)", msg())
                });
                // `v` matches the value's own type, so this call cannot come back here.
                self.value(field, v, node, path);
            }
            _ => {
                self.at(Code::TypeMismatch, node.pos, path, msg);
                self.walk_unknown(node, path);
            }
        }
    }

    /// Recurses into a nested object with the field's children.
    fn children(
        &mut self,
        field: &'static Field,
        node: &Node,
        members: &[Member],
        path: &Path<'_>,
    ) {
        let known = !field.children.is_empty();
        self.object(
            node,
            members,
            std::slice::from_ref(&field.children),
            path,
            known,
        );
    }

    fn object_items(&mut self, field: &'static Field, items: &[Node], path: &Path<'_>) {
        for (i, item) in items.iter().enumerate() {
            let ipath = path.index(i);
            match &item.value {
                // A payload of its own is checked where it is reported.
                Value::Object(_) if field.payloads => {}
                Value::Object(members) => self.children(field, item, members, &ipath),
                _ => {
                    self.at(Code::TypeMismatch, item.pos, &ipath, || {
                        format!(
                            "{} item {i} should be an object, found {}",
                            field.name,
                            found(item)
                        )
                    });
                    self.walk_unknown(item, &ipath);
                }
            }
        }
    }

    fn string_items(&mut self, field: &'static Field, items: &[Node], path: &Path<'_>) {
        for (i, item) in items.iter().enumerate() {
            let ipath = path.index(i);
            match &item.value {
                Value::String(s) => self.escapes(field, s, item, &ipath),
                // Bare XML text is still text.
                Value::Number(_) | Value::Null if item.xml != XmlForm::None => {}
                _ => {
                    self.at(Code::TypeMismatch, item.pos, &ipath, || {
                        format!(
                            "{} item {i} should be a string, found {}",
                            field.name,
                            found(item)
                        )
                    });
                    self.walk_unknown(item, &ipath);
                }
            }
        }
    }

    /// Range rules of integer types; false when the value broke one (an error).
    fn range(
        &mut self,
        field: &'static Field,
        ty: Ty,
        lexeme: &str,
        node: &Node,
        path: &Path<'_>,
    ) -> bool {
        // Up to 11 digits and no sign is inside every range below (the smallest
        // limit is the millisecond threshold, 10^11): most ids and timestamps.
        if lexeme.len() <= 11 && lexeme.bytes().all(|b| b.is_ascii_digit()) {
            return true;
        }
        let (negative, digits) = match lexeme.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, lexeme),
        };
        // `None`: more than u128 holds, which is out of every range here.
        let mag = magnitude(digits);
        let negative = negative && mag != Some(0);
        let above = |limit: u128| mag.is_none_or(|m| m > limit);
        let shown = || show_lexeme(lexeme);
        match ty {
            Ty::Id64 if negative => {
                self.at(Code::InvalidValue, node.pos, path, || {
                    format!(
                        "{} should be a non-negative 64-bit id, found {}",
                        field.name,
                        shown()
                    )
                });
                false
            }
            Ty::Id64 if above(u64::MAX as u128) => {
                self.at(Code::IntegerOutOfRange, node.pos, path, || {
                    format!(
                        "{} is out of range: {} exceeds the 64-bit id maximum {}",
                        field.name,
                        shown(),
                        u64::MAX
                    )
                });
                false
            }
            Ty::Integer if above(if negative { 1 << 63 } else { u64::MAX as u128 }) => {
                self.at(Code::IntegerOutOfRange, node.pos, path, || {
                    format!(
                        "{} is out of range: {} does not fit a 64-bit integer ({} to {})",
                        field.name,
                        shown(),
                        i64::MIN,
                        u64::MAX
                    )
                });
                false
            }
            Ty::Timestamp if negative => {
                self.at(Code::InvalidValue, node.pos, path, || {
                    format!(
                        "{} should be non-negative Unix seconds, found {}",
                        field.name,
                        shown()
                    )
                });
                false
            }
            Ty::Timestamp if above(i64::MAX as u128) => {
                self.at(Code::IntegerOutOfRange, node.pos, path, || {
                    format!(
                        "{} is out of range: {} exceeds the largest timestamp {}",
                        field.name,
                        shown(),
                        i64::MAX
                    )
                });
                false
            }
            Ty::Timestamp if above(MS_THRESHOLD) => {
                let secs = mag.map_or(0, |m| m / 1000);
                self.at(Code::TimestampMilliseconds, node.pos, path, || {
                    milliseconds_message(field, lexeme, secs)
                });
                true
            }
            _ => true,
        }
    }

    /// Reports an enumerated value the catalogue does not list.
    fn codes(&mut self, field: &'static Field, node: &Node, path: &Path<'_>) {
        if field.codes.is_empty() {
            return;
        }
        let Some(text) = node.scalar_text() else {
            return;
        };
        // XML element text may be padded; JSON text is compared exactly.
        let text = if node.xml == XmlForm::None {
            text
        } else {
            text.trim()
        };
        if field.code(text).is_some() {
            return;
        }
        self.at(Code::UnknownCode, node.pos, path, || {
            let mut known: Vec<&str> = field
                .codes
                .iter()
                .take(MAX_LISTED_CODES)
                .map(|c| c.value)
                .collect();
            if field.codes.len() > MAX_LISTED_CODES {
                known.push("…");
            }
            format!(
                "{} has value {}, which the catalogue does not list (known: {})",
                field.name,
                quote(text),
                known.join(", ")
            )
        });
    }

    /// Reports literal `\uXXXX` sequences: text that was JSON-encoded twice.
    fn escapes(&mut self, field: &'static Field, s: &str, node: &Node, path: &Path<'_>) {
        if !has_u_escape(s) {
            return;
        }
        self.at(
            Code::EscapedText,
            node.pos,
            path,
            || match decode_u_escapes(s) {
                Some(d) => format!(
                    "{} holds literal \\uXXXX escapes (double-encoded text); decoded: {}",
                    field.name,
                    quote(&d)
                ),
                None => format!(
                "{} holds literal \\uXXXX escapes (double-encoded text) that do not decode cleanly",
                field.name
            ),
            },
        );
    }
}

/// The field with this name in any group, and its position in the groups.
fn lookup(groups: &[&'static [Field]], key: &str) -> Option<(usize, &'static Field)> {
    groups
        .iter()
        .flat_map(|g| g.iter())
        .enumerate()
        .find(|(_, f)| f.name == key)
}

/// The variant of `variants` that the value's own type satisfies, if any.
fn variant_for(value: &Value, variants: &[Ty]) -> Option<Ty> {
    let accept: &[Ty] = match value {
        Value::String(_) => &[Ty::String],
        Value::Number(n) if is_integer_lexeme(n) => {
            &[Ty::Integer, Ty::Id64, Ty::Timestamp, Ty::Number]
        }
        Value::Number(_) => &[Ty::Number],
        Value::Bool(_) => &[Ty::Boolean],
        Value::Null => &[Ty::Null],
        Value::Object(_) => &[Ty::Object],
        Value::Array(_) => &[Ty::ObjectArray, Ty::StringArray],
    };
    variants.iter().copied().find(|v| accept.contains(v))
}

/// "`Field` should be `ty`, found …": the message of a type mismatch or variant.
fn mismatch_message(field: &Field, ty: Ty, node: &Node) -> String {
    format!(
        "{} should be {}, found {}",
        field.name,
        expected(ty),
        found(node)
    )
}

/// What a field of type `ty` should be, for messages.
fn expected(ty: Ty) -> &'static str {
    match ty {
        Ty::String => "a string",
        Ty::Integer => "an integer",
        Ty::Id64 => "an integer (64-bit id)",
        Ty::Timestamp => "an integer (Unix seconds)",
        Ty::Number => "a number",
        Ty::Boolean => "a boolean",
        Ty::Null => "null",
        Ty::Object => "an object",
        Ty::ObjectArray => "an array of objects",
        Ty::StringArray => "an array of strings",
    }
}

/// What a value is, for messages, in the terms of its source format.
fn found(node: &Node) -> String {
    match (node.xml, &node.value) {
        (XmlForm::None, Value::String(s)) => JsonScalar::Str(s).describe(),
        (XmlForm::None, Value::Number(n)) => JsonScalar::Number(n).describe(),
        (XmlForm::None, Value::Bool(b)) => JsonScalar::Bool(*b).describe(),
        (XmlForm::None, Value::Null) => JsonScalar::Null.describe(),
        (XmlForm::None, Value::Object(_)) => "an object".to_string(),
        (XmlForm::None, Value::Array(_)) => "an array".to_string(),
        (XmlForm::Cdata, Value::String(s)) => format!("CDATA text {}", quote(s)),
        (_, Value::String(s)) => format!("text {}", quote(s)),
        (_, Value::Number(n)) => format!("bare number {}", show_lexeme(n)),
        (_, Value::Bool(b)) => format!("text {b}"),
        (_, Value::Null) => "an empty element".to_string(),
        (_, Value::Object(_)) => "an element with child elements".to_string(),
        (XmlForm::Siblings, Value::Array(_)) => "a repeated element".to_string(),
        (_, Value::Array(_)) => "a list of <item> elements".to_string(),
    }
}

/// A JSON scalar as messages describe it: `string "…"`, `integer 12`,
/// `number 1.5`, `boolean true`, `null`. Shared with the fast lane, which
/// describes values off its tape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum JsonScalar<'a> {
    /// The decoded text of a string.
    Str(&'a str),
    /// A number's lexeme.
    Number(&'a str),
    Bool(bool),
    Null,
}

impl JsonScalar<'_> {
    fn describe(&self) -> String {
        let mut s = String::new();
        self.push_to(&mut s);
        s
    }

    fn push_to(&self, out: &mut String) {
        match *self {
            JsonScalar::Str(s) => {
                out.push_str("string ");
                push_quoted(out, s);
            }
            JsonScalar::Number(n) => {
                out.push_str(if is_integer_lexeme(n) {
                    "integer "
                } else {
                    "number "
                });
                push_lexeme(out, n);
            }
            JsonScalar::Bool(b) => out.push_str(if b { "boolean true" } else { "boolean false" }),
            JsonScalar::Null => out.push_str("null"),
        }
    }
}

/// "`Field` should be `ty`, found ", the start of a mismatch or variant message.
fn push_should_be(out: &mut String, field: &Field, ty: Ty) {
    out.push_str(field.name);
    out.push_str(" should be ");
    out.push_str(expected(ty));
    out.push_str(", found ");
}

/// The `type-variant` message for a JSON value of a documented variant type
/// on a field of type `ty`. Written piece by piece: a relay log can hold one
/// on every payload.
pub(crate) fn variant_message(field: &Field, ty: Ty, found: &JsonScalar<'_>) -> String {
    let mut msg = String::with_capacity(128);
    push_should_be(&mut msg, field, ty);
    found.push_to(&mut msg);
    msg.push_str(" (a documented variant)");
    msg
}

/// The `type-variant` message for a JSON string holding a number where a
/// field of type `ty` takes a number.
pub(crate) fn number_string_message(field: &Field, ty: Ty, s: &str) -> String {
    number_text_message(field, ty, "written as a string", s, "a documented variant")
}

/// The `type-variant` message for XML text `s` holding a number in CDATA
/// where WeChat writes the field (of type `ty`) as bare text.
pub(crate) fn cdata_number_message(field: &Field, ty: Ty, s: &str) -> String {
    number_text_message(field, ty, "in CDATA", s, "WeChat writes bare text here")
}

/// "`Field` should be `ty`, found number `how` "`s`" (`why`)".
fn number_text_message(field: &Field, ty: Ty, how: &str, s: &str, why: &str) -> String {
    let mut msg = String::with_capacity(128);
    push_should_be(&mut msg, field, ty);
    msg.push_str("number ");
    msg.push_str(how);
    msg.push(' ');
    push_quoted(&mut msg, s);
    msg.push_str(" (");
    msg.push_str(why);
    msg.push(')');
    msg
}

/// The `type-variant` message for bare XML number `n` where WeChat writes the
/// (text) field in CDATA.
pub(crate) fn bare_number_message(field: &Field, n: &str) -> String {
    let mut msg = String::with_capacity(128);
    msg.push_str(field.name);
    msg.push_str(" should be CDATA text, found bare number ");
    push_lexeme(&mut msg, n);
    msg.push_str(" (bare text where WeChat writes CDATA)");
    msg
}

/// Whether text `s` is a number a field of numeric type `ty` takes: an
/// integer lexeme for the integer types, any numeric text for `Number`.
pub(crate) fn fits_number(ty: Ty, s: &str) -> bool {
    if ty.is_integral() {
        is_integer_lexeme(s)
    } else {
        is_numeric_text(s)
    }
}

/// Whether text `s` that is not a number is a documented variant of numeric
/// field `field` (of type `ty`): where the field takes any text, and for ids
/// only in the cloud-function shape.
pub(crate) fn takes_text(field: &Field, ty: Ty, s: &str) -> bool {
    field.any_text && (ty != Ty::Id64 || is_opaque_id(s))
}

/// A timestamp `value` in seconds, and the unit it is read in: seconds up to
/// [`MS_THRESHOLD`], else the first of milliseconds, microseconds and
/// nanoseconds that brings it under (a clock read at a finer unit).
pub(crate) fn in_seconds(value: u128) -> (&'static str, u128) {
    let (mut unit, mut secs) = ("seconds", value);
    for finer in ["milliseconds", "microseconds", "nanoseconds"] {
        if secs <= MS_THRESHOLD {
            break;
        }
        (unit, secs) = (finer, secs / 1000);
    }
    (unit, secs)
}

/// The `timestamp-milliseconds` message for timestamp `lexeme`, `secs` being
/// its value taken as milliseconds, in seconds. A value still too large for
/// seconds then is in microseconds or nanoseconds (a clock read at a finer
/// unit), and the message says so, with its value in seconds from that unit.
pub(crate) fn milliseconds_message(field: &Field, lexeme: &str, secs: u128) -> String {
    let (unit, secs) = in_seconds(secs.saturating_mul(1000));
    let mut msg = String::with_capacity(128);
    msg.push_str(field.name);
    msg.push(' ');
    push_lexeme(&mut msg, lexeme);
    // Writing to a `String` cannot fail.
    let _ = write!(
        msg,
        " looks like {unit}; WeChat timestamps are Unix seconds (would be {secs})"
    );
    msg
}

/// The `unknown-field` message for `key` in an object whose catalogue fields
/// are `fields` (in catalogue order). Shared with the fast lane, which reports
/// unknown top-level fields itself.
pub(crate) fn unknown_field_message<'f>(
    key: &str,
    fields: impl IntoIterator<Item = &'f Field>,
) -> String {
    let mut msg = String::with_capacity(64 + key.len());
    msg.push_str("unknown field ");
    push_quoted(&mut msg, key);
    msg.push_str("; the catalogue does not list it here");
    // Case slips (`MsgID` for `MsgId`) are the usual cause.
    if let Some(f) = fields
        .into_iter()
        .find(|f| f.name.eq_ignore_ascii_case(key))
    {
        let _ = write!(msg, " (did you mean {:?}?)", f.name);
    }
    msg
}

/// A string quoted for a message, shortened when long.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    push_quoted(&mut q, s);
    q
}

/// Appends [`quote`]`(s)`.
fn push_quoted(out: &mut String, s: &str) {
    // Short printable ASCII without `"` or `\` (most keys and values): `{:?}`
    // would write it as it is, between quotes.
    if s.len() <= MAX_QUOTED_CHARS
        && s.bytes()
            .all(|b| matches!(b, b' '..=b'~') && b != b'"' && b != b'\\')
    {
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    // Writing to a `String` cannot fail.
    let _ = match s.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => write!(out, "{:?}…", &s[..cut]),
        None => write!(out, "{s:?}"),
    };
}

/// The cloud-function message id shape: hex digits, `_`, Unix seconds
/// (`49d72d67b16d115e7935ac386f2f0fa41535298877_1555684067`).
fn is_opaque_id(s: &str) -> bool {
    match s.rsplit_once('_') {
        Some((id, secs)) => {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_hexdigit())
                && !secs.is_empty()
                && secs.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// A numeric lexeme for a message, shortened when absurdly long.
fn show_lexeme(s: &str) -> String {
    let mut out = String::new();
    push_lexeme(&mut out, s);
    out
}

/// Appends [`show_lexeme`]`(s)`.
fn push_lexeme(out: &mut String, s: &str) {
    match s.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => {
            out.push_str(&s[..cut]);
            out.push('…');
        }
        None => out.push_str(s),
    }
}

/// The value of an ASCII digit string; `None` when it exceeds u128.
fn magnitude(digits: &str) -> Option<u128> {
    let d = digits.trim_start_matches('0');
    if d.is_empty() {
        return Some(0);
    }
    // u128::MAX has 39 digits; longer strings cannot fit and must not be parsed
    // into anything lossy.
    if d.len() > 39 {
        return None;
    }
    d.parse::<u128>().ok()
}

/// True for text that reads as a decimal number (`12`, `-0.5`, `1.2e16`, `054`).
/// Only a classification for messages and variants; values are never converted.
pub(crate) fn is_numeric_text(s: &str) -> bool {
    // The byte filter keeps `inf`/`NaN`, which `f64` would accept, out.
    s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        && s.parse::<f64>().is_ok()
}

/// True when `s` holds a backslash, `u` and four hex digits.
pub(crate) fn has_u_escape(s: &str) -> bool {
    let b = s.as_bytes();
    // Most text has no backslash at all: memchr answers that at memory speed.
    memchr::memchr_iter(b'\\', b).any(|i| {
        b.get(i + 1) == Some(&b'u')
            && b.get(i + 2..i + 6)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    })
}

/// Reads one `\uXXXX` escape at `i`, however many backslashes lead it (text
/// encoded twice or more carries `\\\\u…`): the code unit and the index after it.
fn u_escape_at(b: &[u8], i: usize) -> Option<(u32, usize)> {
    let run = b.get(i..)?.iter().take_while(|&&c| c == b'\\').count();
    if run == 0 || b.get(i + run) != Some(&b'u') {
        return None;
    }
    let unit = hex4(b, i + run + 1)?;
    Some((unit, i + run + 5))
}

/// Decodes the literal `\uXXXX` sequences of `s` (pairing surrogates); `None` when
/// one names half a surrogate pair. Other text, other escapes included, is kept.
fn decode_u_escapes(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if let Some((hi, next)) = u_escape_at(b, i) {
            let (code, next) = if (0xD800..0xDC00).contains(&hi) {
                let (lo, after) =
                    u_escape_at(b, next).filter(|(lo, _)| (0xDC00..0xE000).contains(lo))?;
                (0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00), after)
            } else {
                (hi, next)
            };
            out.push(char::from_u32(code)?);
            i = next;
            continue;
        }
        // A run of backslashes with no escape after it is copied whole, so a long
        // run is scanned once rather than once per backslash.
        let run = b.get(i..)?.iter().take_while(|&&c| c == b'\\').count();
        if run > 0 {
            out.extend(std::iter::repeat_n('\\', run));
            i += run;
            continue;
        }
        // Copy one whole character; `i` is always on a boundary here because
        // escapes are ASCII.
        let c = s.get(i..).and_then(|r| r.chars().next())?;
        out.push(c);
        i += c.len_utf8();
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{self, code, EnumCode, PlatformId};
    use crate::diag::Severity;
    use crate::doc::Format;
    use std::sync::Arc;

    // Test documents come from the real parsers, so positions are the real ones.

    fn doc_of(format: Format, text: &str, root: Node) -> Document {
        Document {
            source: Arc::from("test"),
            format,
            text: Arc::from(text),
            line: 1,
            column: 1,
            root,
            embedded: None,
            lenient: false,
        }
    }

    fn json(text: &str) -> Document {
        let (root, _) = crate::parse::json::parse(
            text.as_bytes(),
            crate::parse::json::Mode::Strict,
            crate::parse::Limits::default(),
        )
        .expect("test JSON parses");
        doc_of(Format::Json, text, root)
    }

    /// 1-based line/column of the `nth` occurrence of `needle` in `text`.
    fn at(text: &str, needle: &str, nth: usize) -> (u32, u32) {
        let pos = text.match_indices(needle).nth(nth).unwrap().0;
        crate::doc::line_col_in(text, pos, 1, 1)
    }

    fn mp(id: &str) -> &'static TypeDef {
        catalog::find(PlatformId::Miniprogram, id).unwrap()
    }

    fn run(doc: &Document, td: &'static TypeDef) -> Vec<Diagnostic> {
        validate(doc, &doc.root, td)
    }

    fn codes_of(ds: &[Diagnostic]) -> Vec<Code> {
        ds.iter().map(|d| d.code).collect()
    }

    fn only(ds: &[Diagnostic], code: Code) -> &Diagnostic {
        let hits: Vec<_> = ds.iter().filter(|d| d.code == code).collect();
        assert_eq!(hits.len(), 1, "{code}: {ds:#?}");
        hits[0]
    }

    fn loc(d: &Diagnostic) -> (u32, u32) {
        (d.line, d.column)
    }

    const TEXT_OK: &str = r#"{
  "ToUserName": "gh_1",
  "FromUserName": "o_1",
  "CreateTime": 1482048670,
  "MsgType": "text",
  "Content": "hi",
  "MsgId": 4363689963896700987
}"#;

    fn text_with(field: &str, value: &str) -> String {
        let line = TEXT_OK
            .lines()
            .find(|l| l.contains(&format!("\"{field}\"")))
            .unwrap();
        let comma = if line.ends_with(',') { "," } else { "" };
        TEXT_OK.replace(line, &format!("  \"{field}\": {value}{comma}"))
    }

    // ---- A small nested catalogue for object/array/code/variant rules. ----

    static STATES: &[EnumCode] = &[
        code("0", "零", "zero"),
        code("1", "一", "one"),
        code("2", "二", "two"),
    ];

    static KINDS: &[EnumCode] = &[
        code("a", "甲", "a"),
        code("b", "乙", "b"),
        code("c", "丙", "c"),
        code("d", "丁", "d"),
        code("e", "戊", "e"),
        code("f", "己", "f"),
        code("g", "庚", "g"),
        code("h", "辛", "h"),
        code("i", "壬", "i"),
    ];

    static ITEM: &[Field] = &[
        Field::new("id", Ty::Id64, Xml::Plain, Req::Always, "编号", "id"),
        Field::new("name", Ty::String, Xml::Cdata, Req::Optional, "名", "name"),
    ];

    static EVENT: &[Field] = &[
        Field::new(
            "fail_type",
            Ty::Integer,
            Xml::Plain,
            Req::Always,
            "失败",
            "fail type",
        )
        .codes(STATES),
        Field::new("kind", Ty::String, Xml::Cdata, Req::Optional, "类", "kind").codes(KINDS),
    ];

    static NESTED: &[Field] = &[
        Field::new(
            "event",
            Ty::Object,
            Xml::Nested,
            Req::Always,
            "事件",
            "event",
        )
        .children(EVENT),
        Field::new(
            "List",
            Ty::ObjectArray,
            Xml::Siblings,
            Req::Optional,
            "列表",
            "list",
        )
        .variants(&[Ty::Object])
        .children(ITEM),
        Field::new(
            "Pics",
            Ty::ObjectArray,
            Xml::Items,
            Req::Optional,
            "图",
            "pics",
        )
        .children(ITEM),
        Field::new(
            "tags",
            Ty::StringArray,
            Xml::Items,
            Req::Optional,
            "标签",
            "tags",
        ),
        Field::new("flag", Ty::Boolean, Xml::Plain, Req::Optional, "旗", "flag")
            .variants(&[Ty::Integer]),
        Field::new(
            "staff",
            Ty::String,
            Xml::Cdata,
            Req::Optional,
            "员",
            "staff",
        )
        .variants(&[Ty::Null, Ty::Id64]),
        Field::new(
            "scale",
            Ty::Number,
            Xml::Plain,
            Req::Optional,
            "比",
            "scale",
        )
        .variants(&[Ty::String]),
        Field::new(
            "count",
            Ty::Integer,
            Xml::Plain,
            Req::Optional,
            "数",
            "count",
        ),
        Field::new(
            "ratio",
            Ty::Integer,
            Xml::Plain,
            Req::Optional,
            "率",
            "ratio",
        )
        .variants(&[Ty::Number]),
        Field::new(
            "agent",
            Ty::Integer,
            Xml::Plain,
            Req::Optional,
            "应用",
            "agent",
        )
        .variants(&[Ty::Null]),
        Field::new("at", Ty::Timestamp, Xml::Plain, Req::Optional, "时", "time")
            .variants(&[Ty::String]),
        Field::new("nothing", Ty::Null, Xml::Plain, Req::Optional, "空", "null"),
    ];

    static NESTED_GROUPS: &[&[Field]] = &[NESTED];

    fn nested(text: &str) -> (Document, Vec<Diagnostic>) {
        let d = json(text);
        let ds = validate_fields(&d, &d.root, NESTED_GROUPS, true);
        (d, ds)
    }

    // ---- Tests ----

    #[test]
    fn quoting_is_the_debug_form_cut_at_forty_characters() {
        let reference = |s: &str| match s.char_indices().nth(MAX_QUOTED_CHARS) {
            Some((cut, _)) => format!("{:?}…", &s[..cut]),
            None => format!("{s:?}"),
        };
        let forty = "a".repeat(MAX_QUOTED_CHARS);
        for s in [
            "",
            "MsgId",
            "a b~c/d'e",
            "say \"hi\"",
            "back\\slash",
            "tab\tnew\nline\u{7f}\u{1b}[31m",
            "中文键",
            "\u{202e}bidi",
            &forty,
            &format!("{forty}b"),
            &format!("{forty}中"),
            &"中".repeat(45),
        ] {
            assert_eq!(quote(s), reference(s), "{s:?}");
        }
    }

    #[test]
    fn valid_miniprogram_text_is_clean() {
        let d = json(TEXT_OK);
        assert_eq!(run(&d, mp("text")), vec![]);
    }

    #[test]
    fn missing_required_field_points_at_object() {
        let t = TEXT_OK.replace("  \"Content\": \"hi\",\n", "");
        let d = json(&t);
        let ds = run(&d, mp("text"));
        let m = only(&ds, Code::MissingField);
        assert_eq!(m.field.as_deref(), Some("/Content"));
        assert_eq!(loc(m), (1, 1));
        assert!(m.message.contains("Content"), "{}", m.message);
        assert_eq!(m.severity, Severity::Error);
        assert_eq!(ds.len(), 1);
    }

    #[test]
    fn optional_and_conditional_fields_may_be_absent() {
        // BusinessId is Optional and Encrypt is Cond in EXTRA; neither is in TEXT_OK.
        let td = mp("text");
        assert!(td.all_fields().any(|f| matches!(f.req, Req::Cond(_))));
        assert!(td.all_fields().any(|f| f.req == Req::Optional));
        assert!(run(&json(TEXT_OK), td).is_empty());
    }

    #[test]
    fn unknown_top_level_field_is_a_warning_at_the_key() {
        let t = TEXT_OK.replace("\"Content\"", "\"Extra\": 1, \"MsgID\": 2, \"Content\"");
        let d = json(&t);
        let ds = run(&d, mp("text"));
        let u: Vec<_> = ds.iter().filter(|d| d.code == Code::UnknownField).collect();
        assert_eq!(u.len(), 2, "{ds:#?}");
        assert_eq!(u[0].severity, Severity::Warning);
        assert_eq!(loc(u[0]), at(&t, "\"Extra\"", 0));
        assert_eq!(u[0].field.as_deref(), Some("/Extra"));
        assert!(
            u[1].message.contains("did you mean \"MsgId\""),
            "{}",
            u[1].message
        );
        // Off switch: the same document with unknown = false reports nothing.
        let quiet = validate_fields(&d, &d.root, mp("text").fields, false);
        assert!(quiet.is_empty(), "{quiet:#?}");
    }

    #[test]
    fn duplicate_keys_reported_at_second_key() {
        let t = r#"{"MsgType":"text","MsgType":"event","ToUserName":"a","FromUserName":"b","CreateTime":1,"Content":"x","MsgId":1}"#;
        let d = json(t);
        let ds = run(&d, mp("text"));
        let dup = only(&ds, Code::DuplicateKey);
        assert_eq!(loc(dup), at(t, "\"MsgType\"", 1));
        assert_eq!(dup.field.as_deref(), Some("/MsgType"));
        assert!(
            dup.message.contains("duplicate key MsgType"),
            "{}",
            dup.message
        );
        assert!(dup.message.contains("column 2"), "{}", dup.message);
        assert_eq!(dup.severity, Severity::Error);
    }

    #[test]
    fn duplicates_inside_unknown_objects_and_arrays() {
        let t = r#"{"event":{"fail_type":1},"x":{"a":[{"k":1,"k":2}],"a":0}}"#;
        let (_, ds) = nested(t);
        let dups: Vec<_> = ds.iter().filter(|d| d.code == Code::DuplicateKey).collect();
        assert_eq!(dups.len(), 2, "{ds:#?}");
        assert_eq!(dups[0].field.as_deref(), Some("/x/a/0/k"));
        assert_eq!(loc(dups[0]), at(t, "\"k\"", 1));
        assert_eq!(dups[1].field.as_deref(), Some("/x/a"));
        assert_eq!(loc(dups[1]), at(t, "\"a\"", 1));
    }

    #[test]
    fn createtime_string_is_a_mismatch_without_variant() {
        let t = text_with("CreateTime", "\"abc\"");
        let d = json(&t);
        let ds = run(&d, mp("text"));
        let m = only(&ds, Code::TypeMismatch);
        assert_eq!(
            m.message,
            "CreateTime should be an integer (Unix seconds), found string \"abc\""
        );
        assert_eq!(loc(m), at(&t, "\"abc\"", 0));
        assert_eq!(m.field.as_deref(), Some("/CreateTime"));

        let t = text_with("CreateTime", "\"1482048670\"");
        let ds = run(&json(&t), mp("text"));
        let m = only(&ds, Code::TypeMismatch);
        assert!(
            m.message.contains("a number written as a string"),
            "{}",
            m.message
        );
    }

    #[test]
    fn string_field_given_number_is_a_mismatch() {
        let t = text_with("Content", "12");
        let ds = run(&json(&t), mp("text"));
        let m = only(&ds, Code::TypeMismatch);
        assert_eq!(m.message, "Content should be a string, found integer 12");
        assert_eq!(loc(m), at(&t, "12", 0));
    }

    #[test]
    fn string_field_variants_warn_and_still_range_check() {
        let (_, ds) = nested(r#"{"event":{"fail_type":0},"staff":null}"#);
        let w = only(&ds, Code::TypeVariant);
        assert_eq!(
            w.message,
            "staff should be a string, found null (a documented variant)"
        );
        assert_eq!(ds.len(), 1);

        let (_, ds) = nested(r#"{"event":{"fail_type":0},"staff":123}"#);
        assert_eq!(codes_of(&ds), vec![Code::TypeVariant]);

        // Read as the Id64 variant, so -1 is still refused.
        let (_, ds) = nested(r#"{"event":{"fail_type":0},"staff":-1}"#);
        assert_eq!(codes_of(&ds), vec![Code::TypeVariant, Code::InvalidValue]);

        let (_, ds) = nested(r#"{"event":{"fail_type":0},"staff":true}"#);
        assert_eq!(codes_of(&ds), vec![Code::TypeMismatch]);
    }

    #[test]
    fn id64_boundaries() {
        let td = mp("text");
        let ok = text_with("MsgId", "18446744073709551615");
        assert!(run(&json(&ok), td).is_empty());

        let t = text_with("MsgId", "18446744073709551616");
        let ds = run(&json(&t), td);
        let e = only(&ds, Code::IntegerOutOfRange);
        assert!(e.message.contains("18446744073709551616"), "{}", e.message);
        assert!(
            e.message.starts_with("MsgId is out of range"),
            "{}",
            e.message
        );
        assert_eq!(loc(e), at(&t, "18446744073709551616", 0));
        assert_eq!(ds.len(), 1);

        // Far beyond u128 too: no overflow, still out of range.
        let t = text_with("MsgId", &"9".repeat(200));
        assert_eq!(codes_of(&run(&json(&t), td)), vec![Code::IntegerOutOfRange]);

        let t = text_with("MsgId", "-1");
        let ds = run(&json(&t), td);
        let e = only(&ds, Code::InvalidValue);
        assert_eq!(
            e.message,
            "MsgId should be a non-negative 64-bit id, found -1"
        );
        assert_eq!(ds.len(), 1);
    }

    #[test]
    fn float_on_integer_field_is_a_mismatch() {
        let t = text_with("MsgId", "1.2e16");
        let ds = run(&json(&t), mp("text"));
        let e = only(&ds, Code::TypeMismatch);
        assert_eq!(
            e.message,
            "MsgId should be an integer (64-bit id), found number 1.2e16"
        );
        assert_eq!(loc(e), at(&t, "1.2e16", 0));

        // With Number listed as a variant it is only a warning.
        let (_, ds) = nested(r#"{"event":{"fail_type":0},"ratio":0.5,"count":0.5}"#);
        assert_eq!(codes_of(&ds), vec![Code::TypeVariant, Code::TypeMismatch]);
        assert_eq!(ds[0].field.as_deref(), Some("/ratio"));
        assert_eq!(ds[1].field.as_deref(), Some("/count"));
    }

    #[test]
    fn msgid_numeric_string_is_a_variant_and_range_checked() {
        // MsgId lists String as a variant (cloud-function ids).
        let td = mp("text");
        let t = text_with("MsgId", "\"123\"");
        let ds = run(&json(&t), td);
        let w = only(&ds, Code::TypeVariant);
        assert!(
            w.message.contains("number written as a string \"123\""),
            "{}",
            w.message
        );
        assert_eq!(ds.len(), 1);

        let t = text_with("MsgId", "\"18446744073709551616\"");
        assert_eq!(
            codes_of(&run(&json(&t), td)),
            vec![Code::TypeVariant, Code::IntegerOutOfRange]
        );
        let t = text_with("MsgId", "\"-1\"");
        assert_eq!(
            codes_of(&run(&json(&t), td)),
            vec![Code::TypeVariant, Code::InvalidValue]
        );
        // Hex cloud-function ids are the documented string form.
        let t = text_with("MsgId", "\"49d7a3_1555684067\"");
        let ds = run(&json(&t), td);
        assert_eq!(codes_of(&ds), vec![Code::TypeVariant]);
        assert!(
            !ds[0].message.contains("number written"),
            "{}",
            ds[0].message
        );
        // A fraction is not an id even as a string.
        let t = text_with("MsgId", "\"1.5\"");
        assert_eq!(codes_of(&run(&json(&t), td)), vec![Code::TypeMismatch]);
    }

    #[test]
    fn number_field_string_variant() {
        let (_, ds) = nested(r#"{"event":{"fail_type":0},"scale":"0.5"}"#);
        let w = only(&ds, Code::TypeVariant);
        assert!(
            w.message.contains("number written as a string"),
            "{}",
            w.message
        );
        let (_, ds) = nested(r#"{"event":{"fail_type":0},"scale":15}"#);
        assert!(ds.is_empty(), "{ds:#?}");
        let (_, ds) = nested(r#"{"event":{"fail_type":0},"count":"7"}"#);
        assert_eq!(codes_of(&ds), vec![Code::TypeMismatch]);
    }

    #[test]
    fn timestamps() {
        let td = mp("text");
        let t = text_with("CreateTime", "1700000000000");
        let ds = run(&json(&t), td);
        let w = only(&ds, Code::TimestampMilliseconds);
        assert_eq!(w.severity, Severity::Warning);
        assert!(w.message.contains("1700000000)"), "{}", w.message);
        assert_eq!(ds.len(), 1);

        assert!(run(&json(&text_with("CreateTime", "100000000000")), td).is_empty());

        let ds = run(&json(&text_with("CreateTime", "-5")), td);
        assert_eq!(codes_of(&ds), vec![Code::InvalidValue]);
        let ds = run(&json(&text_with("CreateTime", "9223372036854775808")), td);
        assert_eq!(codes_of(&ds), vec![Code::IntegerOutOfRange]);
        let ds = run(&json(&text_with("CreateTime", "9223372036854775807")), td);
        assert_eq!(codes_of(&ds), vec![Code::TimestampMilliseconds]);
        for bad in ["1.7e9", "1700000000.5"] {
            let ds = run(&json(&text_with("CreateTime", bad)), td);
            assert_eq!(codes_of(&ds), vec![Code::TypeMismatch], "{bad}");
        }
        // A timestamp with a String variant still gets the ms check.
        let (_, ds) = nested(r#"{"event":{"fail_type":0},"at":"1700000000000"}"#);
        assert_eq!(
            codes_of(&ds),
            vec![Code::TypeVariant, Code::TimestampMilliseconds]
        );
    }

    #[test]
    fn integer_range_is_i64_or_u64() {
        let ok = r#"{"event":{"fail_type":0},"count":-9223372036854775808}"#;
        assert!(nested(ok).1.is_empty());
        let ok = r#"{"event":{"fail_type":0},"count":18446744073709551615}"#;
        assert!(nested(ok).1.is_empty());
        for bad in ["-9223372036854775809", "18446744073709551616"] {
            let t = format!(r#"{{"event":{{"fail_type":0}},"count":{bad}}}"#);
            let (_, ds) = nested(&t);
            let e = only(&ds, Code::IntegerOutOfRange);
            assert_eq!(loc(e), at(&t, bad, 0));
            assert_eq!(e.field.as_deref(), Some("/count"));
        }
    }

    #[test]
    fn booleans_and_nulls() {
        let (_, ds) = nested(r#"{"event":{"fail_type":0},"flag":true,"nothing":null}"#);
        assert!(ds.is_empty(), "{ds:#?}");
        let (_, ds) = nested(r#"{"event":{"fail_type":0},"flag":1}"#);
        assert_eq!(codes_of(&ds), vec![Code::TypeVariant]);
        let (_, ds) = nested(r#"{"event":{"fail_type":0},"flag":"true","nothing":0}"#);
        assert_eq!(codes_of(&ds), vec![Code::TypeMismatch, Code::TypeMismatch]);
        assert_eq!(
            ds[0].message,
            "flag should be a boolean, found string \"true\""
        );
        assert_eq!(ds[1].message, "nothing should be null, found integer 0");
    }

    #[test]
    fn nested_object_rules() {
        let t = "{\n  \"event\": {\n    \"fail_type\": \"x\",\n    \"bogus\": 1,\n    \"bogus\": 2\n  }\n}";
        let (_, ds) = nested(t);
        assert_eq!(
            codes_of(&ds),
            vec![
                Code::TypeMismatch,
                Code::UnknownField,
                Code::DuplicateKey,
                Code::UnknownField
            ]
        );
        assert_eq!(ds[0].field.as_deref(), Some("/event/fail_type"));
        assert_eq!(loc(&ds[0]), (3, 18));
        assert_eq!(ds[1].field.as_deref(), Some("/event/bogus"));
        assert_eq!(loc(&ds[1]), (4, 5));
        assert_eq!(loc(&ds[2]), (5, 5));

        // `unknown = false` silences only the top level; `event` lists its fields.
        let d = json(&t.replace("\"event\"", "\"top\": 1, \"event\""));
        let quiet = validate_fields(&d, &d.root, NESTED_GROUPS, false);
        assert_eq!(
            codes_of(&quiet),
            vec![
                Code::TypeMismatch,
                Code::UnknownField,
                Code::DuplicateKey,
                Code::UnknownField
            ]
        );

        let t = "{\n  \"event\": {}\n}";
        let (_, ds) = nested(t);
        let m = only(&ds, Code::MissingField);
        assert_eq!(m.field.as_deref(), Some("/event/fail_type"));
        assert_eq!(loc(m), (2, 12));

        let (_, ds) = nested(r#"{"event":[1]}"#);
        assert_eq!(ds[0].message, "event should be an object, found an array");

        let (_, ds) = nested("{}");
        assert_eq!(codes_of(&ds), vec![Code::MissingField]);
        assert_eq!(loc(&ds[0]), (1, 1));
    }

    #[test]
    fn object_arrays() {
        let t = r#"{"event":{"fail_type":0},"List":[{"id":1},{"name":"n","x":1},"s"]}"#;
        let (_, ds) = nested(t);
        assert_eq!(
            codes_of(&ds),
            vec![Code::MissingField, Code::UnknownField, Code::TypeMismatch]
        );
        assert_eq!(ds[0].field.as_deref(), Some("/List/1/id"));
        assert_eq!(loc(&ds[0]), at(t, "{\"name\"", 0));
        assert_eq!(ds[1].field.as_deref(), Some("/List/1/x"));
        assert_eq!(ds[2].field.as_deref(), Some("/List/2"));
        assert_eq!(
            ds[2].message,
            "List item 2 should be an object, found string \"s\""
        );

        // WeChat's own JSON: one entry sent as an object.
        let t = r#"{"event":{"fail_type":0},"List":{"id":-1}}"#;
        let (_, ds) = nested(t);
        assert_eq!(codes_of(&ds), vec![Code::TypeVariant, Code::InvalidValue]);
        assert_eq!(loc(&ds[0]), at(t, "{\"id\"", 0));
        assert_eq!(ds[1].field.as_deref(), Some("/List/id"));

        let (_, ds) = nested(r#"{"event":{"fail_type":0},"List":"x"}"#);
        assert_eq!(codes_of(&ds), vec![Code::TypeMismatch]);

        // Only where the catalogue documents it: a WeCom menu's list is an array.
        let menu = crate::catalog::find(crate::catalog::PlatformId::WecomKf, "msgmenu").unwrap();
        let t = r#"{"msgid":"m","open_kfid":"k","external_userid":"e","send_time":1700000000,"origin":5,"msgtype":"msgmenu","msgmenu":{"head_content":"h","list":{"type":"click","click":{"id":"1","content":"c"}}}}"#;
        let ds = run(&json(t), menu);
        let d = only(&ds, Code::TypeMismatch);
        assert_eq!(d.field.as_deref(), Some("/msgmenu/list"));
        assert!(!codes_of(&ds).contains(&Code::TypeVariant), "{ds:?}");
    }

    #[test]
    fn string_arrays() {
        let t = r#"{"event":{"fail_type":0},"tags":["a",1,"\\u4e2d"]}"#;
        let (_, ds) = nested(t);
        assert_eq!(codes_of(&ds), vec![Code::TypeMismatch, Code::EscapedText]);
        assert_eq!(ds[0].field.as_deref(), Some("/tags/1"));
        assert_eq!(ds[1].field.as_deref(), Some("/tags/2"));
    }

    #[test]
    fn enumeration_codes() {
        let t = r#"{"event":{"fail_type":7,"kind":"z"}}"#;
        let (_, ds) = nested(t);
        assert_eq!(codes_of(&ds), vec![Code::UnknownCode, Code::UnknownCode]);
        assert_eq!(ds[0].field.as_deref(), Some("/event/fail_type"));
        assert_eq!(loc(&ds[0]), at(t, "7", 0));
        assert!(ds[0].message.contains("\"7\""), "{}", ds[0].message);
        assert!(
            ds[0].message.contains("known: 0, 1, 2)"),
            "{}",
            ds[0].message
        );
        assert!(
            ds[1].message.contains("known: a, b, c, d, e, f, g, h, …)"),
            "{}",
            ds[1].message
        );
        assert_eq!(ds[0].severity, Severity::Warning);
        assert!(nested(r#"{"event":{"fail_type":2,"kind":"i"}}"#)
            .1
            .is_empty());
    }

    #[test]
    fn escaped_text_is_info_with_decoding() {
        // The JSON source holds `\\u5f20` etc.: the value has a literal backslash-u.
        let t = text_with("Content", r#""\\u5f20\\u4e09 \\ud83d\\ude00""#);
        let ds = run(&json(&t), mp("text"));
        let e = only(&ds, Code::EscapedText);
        assert_eq!(e.severity, Severity::Info);
        assert!(e.message.contains("decoded: \"张三 😀\""), "{}", e.message);
        assert_eq!(e.field.as_deref(), Some("/Content"));

        let t = text_with("Content", r#""\\ud800 x""#);
        let ds = run(&json(&t), mp("text"));
        assert!(only(&ds, Code::EscapedText)
            .message
            .contains("do not decode"));

        // `\u` without four hex digits is just text.
        let t = text_with("Content", r#""C:\\users""#);
        assert!(run(&json(&t), mp("text")).is_empty());
    }

    #[test]
    fn output_is_ordered_by_position_and_paths_escape() {
        let t = "{\n\"z/~\": 1,\n  \"event\": {\"fail_type\": \"q\"}\n}";
        let (_, ds) = nested(t);
        assert_eq!(ds[0].field.as_deref(), Some("/z~1~0"));
        let mut sorted = ds.clone();
        sorted.sort_by_key(|d| (d.line, d.column));
        assert_eq!(ds, sorted);
        assert_eq!(loc(&ds[0]), (2, 1));
    }

    #[test]
    fn sub_node_root_paths_are_relative() {
        let t = r#"{"msg_list":[{"event":{"fail_type":"x"}}]}"#;
        let d = json(t);
        let Value::Array(items) = &d.root.members()[0].node.value else {
            panic!()
        };
        let ds = validate_fields(&d, &items[0], NESTED_GROUPS, true);
        assert_eq!(ds[0].field.as_deref(), Some("/event/fail_type"));
        assert_eq!(loc(&ds[0]), at(t, "\"x\"", 0));
    }

    #[test]
    fn non_object_root_is_a_mismatch() {
        let d = json("[1]");
        let ds = run(&d, mp("text"));
        assert_eq!(codes_of(&ds), vec![Code::TypeMismatch]);
        assert_eq!(ds[0].field, None);
    }

    #[test]
    fn embedded_documents_report_the_embedding_position() {
        let mut d = json(r#"{"event":{"fail_type":"x"}}"#);
        d.embedded = Some(crate::doc::Embedding {
            field: "/payload".into(),
            line: 9,
            column: 4,
        });
        let ds = validate_fields(&d, &d.root, NESTED_GROUPS, true);
        assert_eq!(loc(&ds[0]), (9, 4));
    }

    // ---- XML-origin values: nodes built by hand with positions into real text. ----

    struct X<'a> {
        text: &'a str,
    }

    impl X<'_> {
        fn node(&self, needle: &str, xml: XmlForm, value: Value) -> Node {
            Node {
                pos: self.text.find(needle).unwrap() as u32,
                xml,
                value,
            }
        }

        fn member(&self, key: &str, xml: XmlForm, value: Value) -> Member {
            let tag = format!("<{key}>");
            let node = self.node(&tag, xml, value);
            Member {
                key: key.to_string(),
                key_pos: node.pos,
                node,
            }
        }
    }

    fn s(v: &str) -> Value {
        Value::String(v.to_string())
    }

    fn n(v: &str) -> Value {
        Value::Number(v.to_string())
    }

    fn xml_doc(text: &str, members: Vec<Member>) -> Document {
        let root = Node {
            pos: 0,
            xml: XmlForm::Nested,
            value: Value::Object(members),
        };
        doc_of(Format::Xml, text, root)
    }

    const XML_TEXT: &str = "<xml>\n<ToUserName><![CDATA[gh_1]]></ToUserName>\n<FromUserName>12345</FromUserName>\n<CreateTime><![CDATA[1482048670]]></CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content></Content>\n<MsgId>abc</MsgId>\n</xml>";

    #[test]
    fn xml_forms() {
        let x = X { text: XML_TEXT };
        let d = xml_doc(
            XML_TEXT,
            vec![
                x.member("ToUserName", XmlForm::Cdata, s("gh_1")),
                x.member("FromUserName", XmlForm::Plain, n("12345")),
                x.member("CreateTime", XmlForm::Cdata, s("1482048670")),
                x.member("MsgType", XmlForm::Cdata, s("text")),
                x.member("Content", XmlForm::Empty, Value::Null),
                x.member("MsgId", XmlForm::Plain, s("abc")),
            ],
        );
        let ds = run(&d, mp("text"));
        // MsgId lists a String variant, so non-numeric text there is a variant too.
        assert_eq!(
            codes_of(&ds),
            vec![Code::TypeVariant, Code::TypeVariant, Code::TypeVariant],
            "{ds:#?}"
        );
        assert!(ds[0]
            .message
            .contains("bare text where WeChat writes CDATA"));
        assert_eq!(loc(&ds[0]), (3, 1));
        assert_eq!(ds[0].field.as_deref(), Some("/FromUserName"));
        assert!(
            ds[1].message.contains("number in CDATA"),
            "{}",
            ds[1].message
        );
        assert_eq!(loc(&ds[1]), (4, 1));
        assert_eq!(ds[2].field.as_deref(), Some("/MsgId"));
    }

    #[test]
    fn xml_numeric_fields() {
        let t = "<xml><count><![CDATA[abc]]></count><agent></agent><ratio>1.5</ratio><at> 1700000000000 </at><scale><![CDATA[23]]></scale><event><fail_type>0</fail_type></event></xml>";
        let x = X { text: t };
        let event = x.node(
            "<event>",
            XmlForm::Nested,
            Value::Object(vec![x.member("fail_type", XmlForm::Plain, n("0"))]),
        );
        let d = xml_doc(
            t,
            vec![
                x.member("count", XmlForm::Cdata, s("abc")),
                x.member("agent", XmlForm::Empty, Value::Null),
                x.member("ratio", XmlForm::Plain, n("1.5")),
                x.member("at", XmlForm::Plain, s(" 1700000000000 ")),
                x.member("scale", XmlForm::Cdata, s("23")),
                Member {
                    key: "event".into(),
                    key_pos: event.pos,
                    node: event,
                },
            ],
        );
        let ds = validate_fields(&d, &d.root, NESTED_GROUPS, true);
        assert_eq!(
            codes_of(&ds),
            vec![
                Code::TypeMismatch,
                Code::TypeVariant,
                Code::TypeVariant,
                Code::TypeVariant,
                Code::TimestampMilliseconds,
                Code::TypeVariant
            ],
            "{ds:#?}"
        );
        assert_eq!(
            ds[0].message,
            "count should be an integer, found CDATA text \"abc\""
        );
        assert_eq!(loc(&ds[0]), at(t, "<count>", 0));
        assert!(ds[1].message.contains("empty element"), "{}", ds[1].message);
        assert!(ds[3].message.contains("padded"), "{}", ds[3].message);
        assert!(
            ds[5].message.contains("number in CDATA"),
            "{}",
            ds[5].message
        );
        assert_eq!(ds[5].field.as_deref(), Some("/scale"));

        // Empty on an integer field without a Null variant.
        let t = "<xml><count/><event><fail_type>0</fail_type></event></xml>";
        let x = X { text: t };
        let event = x.node(
            "<event>",
            XmlForm::Nested,
            Value::Object(vec![x.member("fail_type", XmlForm::Plain, n("0"))]),
        );
        let d = xml_doc(
            t,
            vec![
                Member {
                    key: "count".into(),
                    key_pos: 5,
                    node: Node {
                        pos: 5,
                        xml: XmlForm::Empty,
                        value: Value::Null,
                    },
                },
                Member {
                    key: "event".into(),
                    key_pos: event.pos,
                    node: event,
                },
            ],
        );
        let ds = validate_fields(&d, &d.root, NESTED_GROUPS, true);
        assert_eq!(codes_of(&ds), vec![Code::TypeMismatch]);
    }

    #[test]
    fn xml_agentid_in_cdata_and_plain() {
        static AGENT: &[Field] = &[Field::new(
            "AgentID",
            Ty::Integer,
            Xml::Plain,
            Req::Always,
            "应用",
            "agent",
        )];
        static CDATA_ID: &[Field] = &[Field::new(
            "AgentID",
            Ty::Integer,
            Xml::Cdata,
            Req::Always,
            "应用",
            "agent",
        )];
        let t = "<xml><AgentID><![CDATA[218]]></AgentID></xml>";
        let x = X { text: t };
        let d = xml_doc(t, vec![x.member("AgentID", XmlForm::Cdata, s("218"))]);
        let ds = validate_fields(&d, &d.root, &[AGENT], true);
        assert_eq!(codes_of(&ds), vec![Code::TypeVariant]);
        assert_eq!(loc(&ds[0]), (1, 6));
        // Where the catalogue says CDATA, CDATA is the canonical form.
        assert!(validate_fields(&d, &d.root, &[CDATA_ID], true).is_empty());

        let d = xml_doc(t, vec![x.member("AgentID", XmlForm::Plain, n("1"))]);
        assert!(validate_fields(&d, &d.root, &[AGENT], true).is_empty());
    }

    #[test]
    fn xml_arrays_and_repeats() {
        let t = "<xml><event><fail_type>1</fail_type></event><List><id>1</id></List><Pics><item><id>x</id></item></Pics><count>1</count><count>2</count></xml>";
        let x = X { text: t };
        let event = x.node(
            "<event>",
            XmlForm::Nested,
            Value::Object(vec![x.member("fail_type", XmlForm::Plain, n("1"))]),
        );
        let list = x.node(
            "<List>",
            XmlForm::Nested,
            Value::Object(vec![x.member("id", XmlForm::Plain, n("1"))]),
        );
        let item = x.node(
            "<item>",
            XmlForm::Nested,
            Value::Object(vec![x.member("id", XmlForm::Plain, s("x"))]),
        );
        let pics = x.node("<Pics>", XmlForm::Items, Value::Array(vec![item]));
        let c0 = x.node("<count>1", XmlForm::Plain, n("1"));
        let c1 = x.node("<count>2", XmlForm::Plain, n("2"));
        let counts = Node {
            pos: c0.pos,
            xml: XmlForm::Siblings,
            value: Value::Array(vec![c0, c1]),
        };
        let m = |key: &str, node: Node| Member {
            key: key.into(),
            key_pos: node.pos,
            node,
        };
        let d = xml_doc(
            t,
            vec![
                m("event", event),
                m("List", list),
                m("Pics", pics),
                m("count", counts),
            ],
        );
        let ds = validate_fields(&d, &d.root, NESTED_GROUPS, true);
        // One <List> is one entry (no warning); the bad id inside <item> is found.
        assert_eq!(
            codes_of(&ds),
            vec![Code::TypeMismatch, Code::RepeatedElement],
            "{ds:#?}"
        );
        assert_eq!(ds[0].field.as_deref(), Some("/Pics/0/id"));
        assert_eq!(ds[1].field.as_deref(), Some("/count"));
    }

    // ---- Through the real parsers. ----

    fn parsed_json(text: &str) -> Document {
        let (root, _) = crate::parse::json::parse(
            text.as_bytes(),
            crate::parse::json::Mode::Strict,
            crate::parse::Limits::default(),
        )
        .unwrap();
        doc_of(Format::Json, text, root)
    }

    fn parsed_xml(text: &str) -> Document {
        let (root, _, _) =
            crate::parse::xml::parse(text.as_bytes(), crate::parse::Limits::default()).unwrap();
        doc_of(Format::Xml, text, root)
    }

    #[test]
    fn real_json_parser() {
        let d = parsed_json(TEXT_OK);
        assert!(run(&d, mp("text")).is_empty());

        let t = "{\"ToUserName\":\"a\",\"FromUserName\":\"b\",\"CreateTime\":1.7e9,\n\"MsgType\":\"text\",\"MsgType\":\"event\",\"Content\":\"x\",\"MsgId\":18446744073709551616}";
        let d = parsed_json(t);
        let ds = run(&d, mp("text"));
        assert_eq!(
            codes_of(&ds),
            vec![
                Code::TypeMismatch,
                Code::DuplicateKey,
                Code::IntegerOutOfRange
            ]
        );
        assert_eq!(loc(&ds[0]), at(t, "1.7e9", 0));
        assert_eq!(loc(&ds[1]), at(t, "\"MsgType\"", 1));
        assert_eq!(loc(&ds[2]), at(t, "18446744073709551616", 0));
    }

    #[test]
    fn real_xml_parser() {
        let t = "<xml>\n  <ToUserName><![CDATA[gh_1]]></ToUserName>\n  <FromUserName><![CDATA[o_1]]></FromUserName>\n  <CreateTime>1348831860</CreateTime>\n  <MsgType><![CDATA[text]]></MsgType>\n  <Content><![CDATA[this is a test]]></Content>\n  <MsgId>4363689963896700987</MsgId>\n</xml>";
        let d = parsed_xml(t);
        assert!(run(&d, mp("text")).is_empty(), "{:#?}", run(&d, mp("text")));

        let t = "<xml>\n  <ToUserName><![CDATA[gh_1]]></ToUserName>\n  <FromUserName><![CDATA[o_1]]></FromUserName>\n  <CreateTime><![CDATA[1348831860]]></CreateTime>\n  <MsgType><![CDATA[text]]></MsgType>\n  <Content>123</Content>\n  <MsgId>-1</MsgId>\n  <MsgId>2</MsgId>\n</xml>";
        let d = parsed_xml(t);
        let ds = run(&d, mp("text"));
        assert_eq!(
            codes_of(&ds),
            vec![
                Code::TypeVariant,
                Code::TypeVariant,
                Code::RepeatedElement,
                Code::InvalidValue
            ],
            "{ds:#?}"
        );
        assert_eq!(loc(&ds[0]), (4, 3));
        assert_eq!(ds[1].field.as_deref(), Some("/Content"));
        assert_eq!(loc(&ds[1]), (6, 3));
        assert_eq!(ds[3].field.as_deref(), Some("/MsgId/0"));
        assert_eq!(loc(&ds[3]), (7, 3));
    }

    #[test]
    fn helpers() {
        assert_eq!(magnitude("000"), Some(0));
        assert_eq!(magnitude("0018446744073709551616"), Some(1 << 64));
        assert_eq!(magnitude(&"9".repeat(40)), None);
        assert!(is_numeric_text("1.2e16") && is_numeric_text("-0.5"));
        assert!(!is_numeric_text("inf") && !is_numeric_text("NaN") && !is_numeric_text("1-2"));
        assert!(!has_u_escape("\\u12") && has_u_escape("x\\uABCDy"));
        assert_eq!(decode_u_escapes("a\\u00e9\\n").as_deref(), Some("aé\\n"));
        assert_eq!(decode_u_escapes("\\udc00"), None);
        // The seed's StaffName, read literally: two backslashes per escape.
        assert_eq!(
            decode_u_escapes(r"\\u5728\\u7ebf\\u5ba2\\u670d").as_deref(),
            Some("在线客服")
        );
        assert_eq!(decode_u_escapes(r"a\\b").as_deref(), Some(r"a\\b"));
        let run = "\\".repeat(200_000);
        assert_eq!(decode_u_escapes(&run).as_deref(), Some(run.as_str()));
        assert_eq!(quote(&"x".repeat(50)), format!("{:?}…", "x".repeat(40)));
    }
}
