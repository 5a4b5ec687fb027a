//! The catalogue: every platform, message type, event and field wxmsg knows, as data.
//!
//! Detection, validation, XML↔JSON typing, pretty annotations, schemas and samples
//! all read from here; nothing else in the crate hard-codes a field name of a
//! particular message type. Adding a message type means adding a [`TypeDef`] to the
//! platform's list in its own file.
//!
//! Facts come from the reference catalogue (`reference/catalog.md`) and the seed
//! documents; each platform file names its sections.

mod devmode;
pub mod disc_keys;
mod miniprogram;
mod official_account;
mod wecom_kf;

use crate::doc::Format;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// The four payload sources wxmsg knows. The ids are stable identifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlatformId {
    Miniprogram,
    OfficialAccount,
    WecomKf,
    Devmode,
}

/// A set of platforms; iterates in [`PlatformId`] order. A report's candidate
/// platforms, kept without an allocation per payload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Platforms(u8);

impl Platforms {
    pub fn insert(&mut self, p: PlatformId) {
        self.0 |= 1 << p as u8;
    }

    /// The platforms of either set.
    pub fn union(self, other: Platforms) -> Platforms {
        Platforms(self.0 | other.0)
    }

    /// The platforms of both sets.
    pub fn intersection(self, other: Platforms) -> Platforms {
        Platforms(self.0 & other.0)
    }

    pub fn contains(self, p: PlatformId) -> bool {
        self.0 & (1 << p as u8) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The set as bits, `1 << p as u8` for each platform `p` (0 to 15).
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The platforms, in [`PlatformId`] order.
    pub fn iter(self) -> impl Iterator<Item = PlatformId> {
        PlatformId::ALL
            .into_iter()
            .filter(move |&p| self.contains(p))
    }

    /// The platform, when the set holds exactly one.
    pub fn single(self) -> Option<PlatformId> {
        let mut it = self.iter();
        match (it.next(), it.next()) {
            (Some(p), None) => Some(p),
            _ => None,
        }
    }
}

impl FromIterator<PlatformId> for Platforms {
    fn from_iter<I: IntoIterator<Item = PlatformId>>(iter: I) -> Self {
        let mut set = Platforms::default();
        for p in iter {
            set.insert(p);
        }
        set
    }
}

impl PlatformId {
    pub const ALL: [PlatformId; 4] = [
        PlatformId::Miniprogram,
        PlatformId::OfficialAccount,
        PlatformId::WecomKf,
        PlatformId::Devmode,
    ];

    /// The stable id (`miniprogram`, `official-account`, `wecom-kf`, `devmode`).
    pub fn as_str(self) -> &'static str {
        self.platform().id
    }

    pub fn from_name(name: &str) -> Option<PlatformId> {
        PlatformId::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The platform's catalogue entry.
    pub fn platform(self) -> &'static Platform {
        match self {
            PlatformId::Miniprogram => &miniprogram::PLATFORM,
            PlatformId::OfficialAccount => &official_account::PLATFORM,
            PlatformId::WecomKf => &wecom_kf::PLATFORM,
            PlatformId::Devmode => &devmode::PLATFORM,
        }
    }
}

impl fmt::Display for PlatformId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A payload source and the types it sends.
#[derive(Debug)]
pub struct Platform {
    pub pid: PlatformId,
    /// Stable id used in reports and flags.
    pub id: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Formats payloads of this platform arrive in.
    pub formats: &'static [Format],
    /// Top-level keys whose presence proves this platform (e.g. devmode's `App_Type`).
    pub markers: &'static [&'static str],
    /// Its payloads may be addressed to an original id (`ToUserName` `gh_…`),
    /// a mini program's or an official account's (catalogue §2); a WeCom
    /// callback is addressed to a CorpID (§5.1), never to one.
    pub original_ids: bool,
    /// The fields every message of this platform carries: what is checked of
    /// a payload whose type the catalogue does not know (empty: nothing).
    pub message_header: &'static [Field],
    /// The same for an event of a type the catalogue does not know.
    pub event_header: &'static [Field],
    pub types: &'static [TypeDef],
}

/// Which keys carry the type discriminator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Disc {
    /// `MsgType` (and `Event` when it is `event`), or `Event` alone.
    Pascal,
    /// WeCom kf `msgtype` (and `event.event_type` when it is `event`).
    Snake,
    /// An encrypted envelope: `Encrypt` and no plaintext discriminator.
    Envelope,
    /// A WeCom `sync_msg` response (`errcode`, `msg_list`, …).
    SyncResponse,
}

/// Who sends a payload to whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// A WeChat user's message to the business (C-side).
    UserToBusiness,
    /// A staff / customer-service reply to the user (B-side).
    StaffToUser,
    /// An event pushed by the platform.
    SystemEvent,
    /// An encrypted envelope or API response wrapping other payloads.
    Envelope,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::UserToBusiness => "user→business",
            Direction::StaffToUser => "staff→user",
            Direction::SystemEvent => "system event",
            Direction::Envelope => "envelope",
        }
    }
}

/// A message or event type of one platform.
#[derive(Debug)]
pub struct TypeDef {
    pub platform: PlatformId,
    /// Type id: the discriminator value, events as `event.<Event>` (`event.SCAN`).
    pub id: &'static str,
    pub disc: Disc,
    pub zh: &'static str,
    pub en: &'static str,
    pub direction: Direction,
    pub formats: &'static [Format],
    /// Field groups, in canonical order (shared headers first).
    pub fields: &'static [&'static [Field]],
    /// Extra remarks for `schema` / `explain` (English, may be empty).
    pub note: &'static str,
}

/// What a passive reply's type id starts with: `reply.text` is the reply
/// whose `MsgType` is `text` (incoming messages have the plain ids).
pub const REPLY_PREFIX: &str = "reply.";

impl TypeDef {
    /// The `MsgType` (or `msgtype`) value of a message type: its id, without
    /// [`REPLY_PREFIX`] for a passive reply.
    pub fn msg_type(&self) -> &'static str {
        self.id.strip_prefix(REPLY_PREFIX).unwrap_or(self.id)
    }

    /// All fields in canonical order.
    pub fn all_fields(&self) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().flat_map(|g| g.iter())
    }

    /// The top-level field with this name.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.all_fields().find(|f| f.name == name)
    }
}

/// The JSON type of a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    String,
    /// A non-negative or signed integer that fits i64/u64.
    Integer,
    /// A 64-bit id: an integer up to 2^64-1, kept exact (never through f64).
    Id64,
    /// Unix time in seconds (integer).
    Timestamp,
    /// Any JSON number (may be fractional; lexeme kept).
    Number,
    Boolean,
    Null,
    /// An object whose fields are [`Field::children`]; with no children listed, an
    /// object whose contents are not documented (only its shape is checked).
    Object,
    /// An array of objects whose fields are [`Field::children`].
    ObjectArray,
    /// An array of strings.
    StringArray,
}

impl Ty {
    /// The JSON type name used in messages and schemas.
    pub fn json_name(self) -> &'static str {
        match self {
            Ty::String => "string",
            Ty::Integer | Ty::Id64 | Ty::Timestamp => "integer",
            Ty::Number => "number",
            Ty::Boolean => "boolean",
            Ty::Null => "null",
            Ty::Object => "object",
            Ty::ObjectArray | Ty::StringArray => "array",
        }
    }

    /// The integer types: plain integers, 64-bit ids, Unix timestamps.
    pub fn is_integral(self) -> bool {
        matches!(self, Ty::Integer | Ty::Id64 | Ty::Timestamp)
    }

    pub fn is_array(self) -> bool {
        matches!(self, Ty::ObjectArray | Ty::StringArray)
    }
}

/// How a field is written in WeChat XML (catalogue §0 legend).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Xml {
    /// `C`: text wrapped in CDATA.
    Cdata,
    /// `N`/`P`: bare text (numbers, booleans).
    Plain,
    /// `Nest`: child elements.
    Nested,
    /// `Arr<item>`: a container of repeated `<item>` elements.
    Items,
    /// `Arr<Name>`: the element itself repeats as siblings.
    Siblings,
}

/// Whether a field must be present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Req {
    Always,
    /// Present only under a condition (stated in English). A condition that
    /// names a form (`XML form`, `JSON form: …`) makes the field one of its
    /// object's form alternatives: each form carries the same content in its
    /// own shape, and at least one of them must be there ([`Req::form`]).
    Cond(&'static str),
    Optional,
}

impl Req {
    /// The form this is an alternative of: a condition that starts by naming
    /// it (`XML form`, `JSON form: top-level; …`).
    pub const fn form(&self) -> Option<Format> {
        match self {
            Req::Cond(c) if starts_with(c, "XML form") => Some(Format::Xml),
            Req::Cond(c) if starts_with(c, "JSON form") => Some(Format::Json),
            _ => None,
        }
    }

    /// Required in an API response that reports success (`errcode` 0): a
    /// condition that starts `on success`.
    pub const fn on_success(&self) -> bool {
        matches!(self, Req::Cond(c) if starts_with(c, "on success"))
    }
}

/// The field of an API response ([`Disc::SyncResponse`]) that says whether it
/// succeeded: 0 is a success, in which the [`Req::on_success`] fields are
/// required; any other value is a failed call.
pub const SUCCESS_CODE: &str = "errcode";

/// `str::starts_with`, usable in constants.
const fn starts_with(s: &str, prefix: &str) -> bool {
    let (s, p) = (s.as_bytes(), prefix.as_bytes());
    if s.len() < p.len() {
        return false;
    }
    let mut i = 0;
    while i < p.len() {
        if s[i] != p[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// One value of an enumerated field and what it means.
#[derive(Debug)]
pub struct EnumCode {
    /// The value as written (`"3"` for the integer 3, `"success"` for a string).
    pub value: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// One field of a message type (or of a nested object).
#[derive(Clone, Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub xml: Xml,
    pub req: Req,
    pub zh: &'static str,
    pub en: &'static str,
    /// Known values of an enumerated field (empty: not enumerated).
    pub codes: &'static [EnumCode],
    /// Documented non-canonical types that are accepted with a `type-variant` warning.
    pub variants: &'static [Ty],
    /// Fields of an [`Ty::Object`], or of each item of an [`Ty::ObjectArray`].
    pub children: &'static [Field],
    /// On a numeric field with a [`Ty::String`] variant: text is the documented
    /// variant, not only a number written as a string (seed 000's
    /// `"MenuId": "MENUID"`). For a [`Ty::Id64`] it means an opaque id of the
    /// cloud-function shape `<hex>_<seconds>` (`"49d7…_1555684067"`), not any text.
    pub any_text: bool,
    /// [`key_hash`] of the name, so lookups compare one integer per field.
    pub hash: u64,
    /// [`Required::of`] the children, so checking an object field's value
    /// does not count them again.
    pub children_required: Required,
    /// On a [`Ty::ObjectArray`]: each item is a payload of its own (a
    /// `sync_msg` response's `msg_list`), detected, validated and reported
    /// apart, so checking the array only checks that each item is an object;
    /// [`Field::children`] then only describe the items.
    pub payloads: bool,
}

/// A cheap hash of a key, computed at compile time for catalogue names and
/// while reading a tape for payload keys; equal keys have equal hashes.
pub const fn key_hash(key: &str) -> u64 {
    key_hash_bytes(key.as_bytes())
}

/// Whether two keys (or other short strings) are equal. Up to 16 bytes,
/// nearly all of WeChat's keys and codes, they are compared as two overlapping
/// words each, inline: a `memcmp` call per field was 4% of a run's time.
#[inline(always)]
pub fn same_key(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if (8..=16).contains(&n) {
        return a.first_chunk::<8>() == b.first_chunk::<8>()
            && a.last_chunk::<8>() == b.last_chunk::<8>();
    }
    if (4..8).contains(&n) {
        return a.first_chunk::<4>() == b.first_chunk::<4>()
            && a.last_chunk::<4>() == b.last_chunk::<4>();
    }
    a == b
}

/// [`key_hash`] of raw key bytes. Only a prefilter (every user compares the
/// keys after a match), so it reads words rather than bytes: the first and
/// last eight bytes (four, or three single bytes, for shorter keys; the middle
/// words too for longer ones) and the length, mixed by a wide multiply whose
/// halves are folded together, so even the low bits (which
/// `lane::has_duplicates` uses) depend on every byte read.
pub const fn key_hash_bytes(b: &[u8]) -> u64 {
    /// The eight bytes at `i`, little-endian (0 out of range).
    const fn word8(b: &[u8], i: usize) -> u64 {
        match b.split_at_checked(i) {
            Some((_, rest)) => match rest.first_chunk::<8>() {
                Some(w) => u64::from_le_bytes(*w),
                None => 0,
            },
            None => 0,
        }
    }
    /// The four bytes at `i`, little-endian (0 out of range).
    const fn word4(b: &[u8], i: usize) -> u64 {
        match b.split_at_checked(i) {
            Some((_, rest)) => match rest.first_chunk::<4>() {
                Some(w) => u32::from_le_bytes(*w) as u64,
                None => 0,
            },
            None => 0,
        }
    }
    /// The 128-bit product, its halves xored.
    const fn fold_mul(a: u64, b: u64) -> u64 {
        let p = (a as u128) * (b as u128);
        (p as u64) ^ ((p >> 64) as u64)
    }
    const K0: u64 = 0xa076_1d64_78bd_642f;
    const K1: u64 = 0xe703_7ed1_a0b4_28db;
    let n = b.len();
    let (x, y) = if n >= 8 {
        (word8(b, 0), word8(b, n - 8))
    } else if n >= 4 {
        (word4(b, 0), word4(b, n - 4))
    } else if n > 0 {
        // Bytes 0, n/2 and n - 1 cover all of a key this short.
        let three = ((b[0] as u64) << 16) | ((b[n / 2] as u64) << 8) | b[n - 1] as u64;
        (three, 0)
    } else {
        (0, 0)
    };
    let mut h = fold_mul(x ^ K0, y ^ K1 ^ n as u64);
    let mut i = 8;
    while i + 8 < n {
        h = fold_mul(h ^ K0, word8(b, i) ^ K1);
        i += 8;
    }
    h
}

impl Field {
    /// A field with no codes, variants or children; refine with the builder methods.
    pub const fn new(
        name: &'static str,
        ty: Ty,
        xml: Xml,
        req: Req,
        zh: &'static str,
        en: &'static str,
    ) -> Field {
        Field {
            name,
            ty,
            xml,
            req,
            zh,
            en,
            codes: &[],
            variants: &[],
            children: &[],
            any_text: false,
            hash: key_hash(name),
            children_required: Required::of(&[]),
            payloads: false,
        }
    }

    /// See [`Field::payloads`].
    pub const fn payloads(mut self) -> Field {
        self.payloads = true;
        self
    }

    /// See [`Field::any_text`].
    pub const fn any_text(mut self) -> Field {
        self.any_text = true;
        self
    }

    pub const fn codes(mut self, codes: &'static [EnumCode]) -> Field {
        self.codes = codes;
        self
    }

    pub const fn variants(mut self, variants: &'static [Ty]) -> Field {
        self.variants = variants;
        self
    }

    /// A required object field (XML: nested elements) holding `children`:
    /// a kf message's body keyed like its `msgtype`, a passive reply's
    /// `<Image>`.
    pub const fn object(
        name: &'static str,
        zh: &'static str,
        en: &'static str,
        children: &'static [Field],
    ) -> Field {
        Field::new(name, Ty::Object, Xml::Nested, Req::Always, zh, en).children(children)
    }

    pub const fn children(mut self, children: &'static [Field]) -> Field {
        self.children = children;
        self.children_required = Required::of(&[children]);
        self
    }

    /// The child field with this name.
    pub fn child(&self, name: &str) -> Option<&'static Field> {
        self.children.iter().find(|f| f.name == name)
    }

    /// The meaning of an enumerated value.
    pub fn code(&self, value: &str) -> Option<&'static EnumCode> {
        // Codes are short: compared inline, not by a `memcmp` call each.
        self.codes
            .iter()
            .find(|c| same_key(c.value.as_bytes(), value.as_bytes()))
    }
}

/// Shorthand for an [`EnumCode`] in data tables.
pub const fn code(value: &'static str, zh: &'static str, en: &'static str) -> EnumCode {
    EnumCode { value, zh, en }
}

/// Top-level keys that only WeChat payloads carry. A document (or a broken
/// candidate in a log) with none of these, and none of the platforms' markers, is
/// not a payload and is passed over.
pub const SIGNATURE_KEYS: &[&str] = &[
    "ToUserName",
    "FromUserName",
    "MsgType",
    "CreateTime",
    "Event",
    "Encrypt",
    "msgtype",
    "msgid",
    "open_kfid",
    "external_userid",
    "servicer_userid",
    "send_time",
    "msg_list",
    "next_cursor",
];

/// The keys that mark a payload: [`SIGNATURE_KEYS`] and every platform's markers.
pub fn signature_keys() -> impl Iterator<Item = &'static str> {
    SIGNATURE_KEYS
        .iter()
        .chain(platforms().flat_map(|p| p.markers.iter()))
        .copied()
}

/// Every platform marker as a direct table from six bits of its key's hash,
/// built once from the platforms' `markers`: the fast lane asks it for each
/// member of a payload with more than one candidate type.
struct MarkerTable {
    shift: u32,
    slots: [Option<(u64, &'static str, Platforms)>; 64],
}

fn marker_table() -> &'static MarkerTable {
    static TABLE: OnceLock<MarkerTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut keys: Vec<(u64, &'static str, Platforms)> = Vec::new();
        for p in platforms() {
            for &k in p.markers {
                let h = key_hash(k);
                match keys.iter_mut().find(|(_, name, _)| *name == k) {
                    Some((_, _, ps)) => ps.insert(p.pid),
                    None => {
                        let mut ps = Platforms::default();
                        ps.insert(p.pid);
                        keys.push((h, k, ps));
                    }
                }
            }
        }
        // The lowest run of six bits at which the keys all differ (a unit
        // test makes sure there is one).
        let mut table = MarkerTable {
            shift: 0,
            slots: [None; 64],
        };
        for shift in 0..58 {
            let mut slots = [None; 64];
            let mut clash = false;
            for &(h, k, ps) in &keys {
                let at = ((h >> shift) & 63) as usize;
                clash |= slots[at].is_some();
                slots[at] = Some((h, k, ps));
            }
            if !clash {
                table = MarkerTable { shift, slots };
                break;
            }
        }
        table
    })
}

/// The platforms whose marker a key with this hash may be, with the marker
/// (the caller compares the key itself).
#[inline]
pub fn marker_of(hash: u64) -> Option<(&'static str, Platforms)> {
    let t = marker_table();
    match t.slots.get(((hash >> t.shift) & 63) as usize) {
        Some(&Some((h, k, ps))) if h == hash => Some((k, ps)),
        _ => None,
    }
}

/// True for a key in [`signature_keys`].
pub fn is_signature_key(key: &str) -> bool {
    signature_keys().any(|k| k == key)
}

/// Every platform, in a stable order.
pub fn platforms() -> impl Iterator<Item = &'static Platform> {
    PlatformId::ALL.into_iter().map(PlatformId::platform)
}

/// The platforms never addressed to an original id (`gh_…`; see
/// [`Platform::original_ids`]), worked out once.
pub fn never_original_ids() -> Platforms {
    static SET: OnceLock<Platforms> = OnceLock::new();
    *SET.get_or_init(|| {
        platforms()
            .filter(|p| !p.original_ids)
            .map(|p| p.pid)
            .collect()
    })
}

/// Every type of every platform.
pub fn all_types() -> impl Iterator<Item = &'static TypeDef> {
    platforms().flat_map(|p| p.types.iter())
}

/// A type by platform and id.
pub fn find(platform: PlatformId, id: &str) -> Option<&'static TypeDef> {
    platform.platform().types.iter().find(|t| t.id == id)
}

/// Every type (any platform) with this id and discriminator style, with what
/// the check of an earlier one tells about it (see [`Candidate`]).
pub fn candidate_rules(id: &str, disc: Disc) -> &'static [Candidate] {
    lookup_id(id).map_or(&[], |(_, by_disc)| rules_of(by_disc, disc))
}

/// A type a payload may be, among the types of its id and discriminator kind,
/// with what a check against an earlier one (by position) says about it. A
/// bare `text` is a mini program's or an official account's (or a developer
/// mode relay's): one check often answers for more than one of them.
#[derive(Debug)]
pub struct Candidate {
    pub td: &'static TypeDef,
    /// `td`'s fields in canonical order as one list (copies of them), for
    /// checks that index them by position: bit `i` of [`Required::first`] is
    /// `fields[i]`.
    pub fields: Vec<Field>,
    /// The fields `td` requires, worked out once rather than per payload.
    pub required: Required,
    /// The first candidate whose fields check any payload exactly as this one's
    /// do: its verdict is this one's (its own position when none before it is).
    pub same: usize,
    /// For each earlier candidate, what a payload its fields find nothing wrong
    /// with is to this one's (`None`: a check is needed).
    pub after: Vec<Option<Implied>>,
}

/// The fields a list of field groups requires, as bits of their positions
/// among all of them: a check compares it with the bits of the fields found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Required {
    /// Bit `i`: the `i`th field (of the first 64) is always present.
    pub first: u64,
    /// Some field past the 64th is always present (the bits cannot say which).
    pub beyond: bool,
    /// How many fields the groups hold.
    pub fields: usize,
    /// Bit `i`: the `i`th field (of the first 64) is a form alternative
    /// ([`Req::form`]); when any is, one of them must be present.
    pub forms: u64,
}

impl Required {
    /// Whether fields `seen` (bits of their positions) may lack a field the
    /// object requires: an always-present one, every form alternative of an
    /// object that has some, or one past the 64th (which the bits cannot say).
    pub const fn may_lack(&self, seen: u64) -> bool {
        self.beyond || self.first & !seen != 0 || (self.forms != 0 && self.forms & seen == 0)
    }

    /// Built without a branch per field (a search for the first required one
    /// mispredicted on every object); at compile time for the children of an
    /// object field ([`Field::children_required`]).
    pub const fn of(groups: &[&[Field]]) -> Required {
        let mut r = Required {
            first: 0,
            beyond: false,
            fields: 0,
            forms: 0,
        };
        let mut g = 0;
        while g < groups.len() {
            let group = groups[g];
            let mut i = 0;
            while i < group.len() {
                let always = matches!(group[i].req, Req::Always);
                if r.fields < 64 {
                    r.first |= (always as u64) << r.fields;
                    r.forms |= (group[i].req.form().is_some() as u64) << r.fields;
                } else {
                    r.beyond |= always;
                }
                r.fields += 1;
                i += 1;
            }
            g += 1;
        }
        r
    }
}

/// What a payload that an earlier candidate's fields find nothing wrong with
/// is to a later candidate's, by which of the earlier fields it holds (bits of
/// their positions among the earlier type's fields; such a payload holds no
/// other). Built by [`implied`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Implied {
    /// The earlier fields the later type has too, checked alike.
    pub alike: u64,
    /// The earlier fields that are fields the later type requires.
    pub required: u64,
    /// The later type requires a field the earlier one does not have.
    pub requires_other: bool,
}

impl Implied {
    /// The later candidate's verdict on a payload clean for the earlier one that
    /// holds the earlier fields `seen`: `Some(true)` clean (every field it holds
    /// is checked alike, every required one is there), `Some(false)` flawed (a
    /// required field is missing), `None` when that takes a check.
    pub fn verdict(&self, seen: u64) -> Option<bool> {
        if self.requires_other || seen & self.required != self.required {
            Some(false)
        } else if seen & !self.alike == 0 {
            Some(true)
        } else {
            None
        }
    }
}

/// The types of one id, by discriminator kind (see [`Candidate`]).
pub type ByDisc = [(Disc, Vec<Candidate>)];

/// The catalogue's own copy of a type id, when some type has it, and the id's
/// types: detection names most payloads' types without a `String` each, and
/// the lane checks their candidates without looking the id up again.
pub fn lookup_id(id: &str) -> Option<(&'static str, &'static ByDisc)> {
    id_index()
        .get_key_value(id)
        .map(|(k, v)| (*k, v.as_slice()))
}

/// [`lookup_id`] of `event.NAME`, asked with the event's own name: detection
/// has the name from the payload and need not build the id to look it up.
pub fn lookup_event(name: &str) -> Option<(&'static str, &'static ByDisc)> {
    type EventIndex =
        HashMap<&'static str, (&'static str, &'static ByDisc), BuildHasherDefault<KeyHasher>>;
    static INDEX: OnceLock<EventIndex> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            id_index()
                .iter()
                .filter_map(|(id, v)| Some((id.strip_prefix("event.")?, (*id, v.as_slice()))))
                .collect()
        })
        .get(name)
        .copied()
}

/// The candidates among an id's types for one discriminator kind.
pub fn rules_of(by_disc: &'static ByDisc, disc: Disc) -> &'static [Candidate] {
    by_disc
        .iter()
        .find(|(d, _)| *d == disc)
        .map(|(_, g)| g.as_slice())
        .unwrap_or_default()
}

/// The catalogue's types grouped by id, then by discriminator kind.
type IdIndex = HashMap<&'static str, Vec<(Disc, Vec<Candidate>)>, BuildHasherDefault<KeyHasher>>;

fn id_index() -> &'static IdIndex {
    // Built once: detection asks this for every payload. Keyed by id (a `str`
    // key can be looked up with any borrowed id), then by discriminator kind.
    static INDEX: OnceLock<IdIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m = IdIndex::default();
        for t in all_types() {
            let by_disc = m.entry(t.id).or_default();
            let at = match by_disc.iter().position(|(d, _)| *d == t.disc) {
                Some(at) => at,
                None => {
                    by_disc.push((t.disc, Vec::new()));
                    by_disc.len() - 1
                }
            };
            if let Some((_, group)) = by_disc.get_mut(at) {
                let same = group
                    .iter()
                    .position(|u| same_json_rules(t.all_fields(), u.td.all_fields()))
                    .unwrap_or(group.len());
                let after = group.iter().map(|u| implied(u.td, t)).collect();
                group.push(Candidate {
                    td: t,
                    fields: t.all_fields().cloned().collect(),
                    required: Required::of(t.fields),
                    same,
                    after,
                });
            }
        }
        m
    })
}

/// [`key_hash`] as a `Hasher` for the catalogue's own tables: ids are short and
/// trusted, so SipHash's protection is not needed on this hot path.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 ^= key_hash_bytes(bytes);
        self.0 = self.0.rotate_left(5);
    }
}

/// What a payload that `a`'s fields find nothing wrong with is to `b`'s, as the
/// fast lane checks payloads ([`crate::lane`]): such a payload holds only
/// fields of `a`, each of them checked alike by `b` when `b` has it (same
/// type, XML form, codes and nested fields: what a clean verdict rests on).
/// `None` when the lane's bit set cannot hold the fields of either, or `b`
/// names a field twice.
pub(crate) fn implied(a: &TypeDef, b: &TypeDef) -> Option<Implied> {
    let names: Vec<&str> = b.all_fields().map(|f| f.name).collect();
    let once = names
        .iter()
        .enumerate()
        .all(|(i, n)| !names[..i].contains(n));
    if !once || names.len() > 64 || a.all_fields().count() > 64 {
        return None;
    }
    let mut out = Implied {
        alike: 0,
        required: 0,
        requires_other: false,
    };
    for (i, x) in a.all_fields().enumerate() {
        let Some(y) = b.field(x.name) else {
            continue;
        };
        if x.ty == y.ty
            && x.xml == y.xml
            && same_codes(x, y)
            && same_json_rules(x.children.iter(), y.children.iter())
        {
            out.alike |= 1 << i;
        }
        if y.req == Req::Always {
            out.required |= 1 << i;
        }
    }
    out.requires_other = b
        .all_fields()
        .any(|y| y.req == Req::Always && a.field(y.name).is_none());
    Some(out)
}

/// True when two fields list the same enum codes, in the same order.
fn same_codes(x: &Field, y: &Field) -> bool {
    x.codes.len() == y.codes.len() && x.codes.iter().zip(y.codes).all(|(c, d)| c.value == d.value)
}

/// True when two field lists check any value alike: same names in the same
/// order, types, requirement, XML form, codes, variants and nested fields.
fn same_json_rules<'a>(
    a: impl Iterator<Item = &'a Field>,
    b: impl Iterator<Item = &'a Field>,
) -> bool {
    let (a, b): (Vec<&Field>, Vec<&Field>) = (a.collect(), b.collect());
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            x.name == y.name
                && x.ty == y.ty
                && x.req == y.req
                && x.xml == y.xml
                && x.any_text == y.any_text
                && x.variants == y.variants
                && same_codes(x, y)
                && same_json_rules(x.children.iter(), y.children.iter())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_table_finds_each_marker_of_each_platform_and_no_other_key() {
        for p in platforms() {
            for k in p.markers {
                let (name, ps) = marker_of(key_hash(k)).expect("every marker is in the table");
                assert_eq!(name, *k);
                assert!(ps.contains(p.pid), "{k}");
            }
        }
        for t in all_types() {
            for f in t.all_fields() {
                let marker = platforms().any(|p| p.markers.contains(&f.name));
                assert_eq!(marker_of(key_hash(f.name)).is_some(), marker, "{}", f.name);
            }
        }
    }

    /// The spacing after `failed:` in a template job's status varies
    /// (catalogue §4.2): every failure is known both ways.
    #[test]
    fn template_job_failures_are_known_with_and_without_the_space() {
        let td = find(PlatformId::OfficialAccount, "event.TEMPLATESENDJOBFINISH").unwrap();
        let codes: Vec<&str> = td
            .field("Status")
            .unwrap()
            .codes
            .iter()
            .map(|c| c.value)
            .collect();
        for c in &codes {
            if let Some(rest) = c.strip_prefix("failed:") {
                let other = match rest.strip_prefix(' ') {
                    Some(r) => format!("failed:{r}"),
                    None => format!("failed: {rest}"),
                };
                assert!(codes.contains(&other.as_str()), "{other}");
            }
        }
    }

    #[test]
    fn events_are_found_by_name_as_by_id() {
        let mut events = 0;
        for t in all_types() {
            if let Some(name) = t.id.strip_prefix("event.") {
                let (id, by_disc) = lookup_event(name).expect("a catalogue event");
                let (want_id, want) = lookup_id(t.id).expect("a catalogue id");
                assert_eq!((id, std::ptr::eq(by_disc, want)), (want_id, true));
                events += 1;
            }
        }
        assert!(events > 20, "{events}");
        for other in ["", "event", "text", "event.SCAN", "scan", "SCAN "] {
            assert!(lookup_event(other).is_none(), "{other}");
        }
    }

    #[test]
    fn object_fields_know_which_children_they_require() {
        let mut with_children = 0;
        for f in all_types().flat_map(|t| t.fields.iter().copied().flatten()) {
            for f in std::iter::once(f).chain(f.children) {
                let want = Required::of(&[f.children]);
                assert_eq!(f.children_required, want, "{}", f.name);
                let always = f.children.iter().filter(|c| c.req == Req::Always).count();
                assert_eq!(want.first.count_ones() as usize, always, "{}", f.name);
                with_children += usize::from(!f.children.is_empty());
            }
        }
        assert!(with_children > 10, "{with_children}");
    }

    #[test]
    fn same_key_agrees_with_equality() {
        // Every length up to 20, against itself and against each one-byte change.
        let base = b"ToUserName_external";
        for n in 0..=base.len() {
            let a = &base[..n];
            assert!(same_key(a, a));
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 1;
                assert!(!same_key(a, &b), "{n} {i}");
            }
            for m in 0..=base.len() {
                assert_eq!(same_key(a, &base[..m]), n == m);
            }
        }
    }

    #[test]
    fn a_platform_set_iterates_sorted_and_without_repeats() {
        let set: Platforms = [
            PlatformId::Devmode,
            PlatformId::Miniprogram,
            PlatformId::Devmode,
        ]
        .into_iter()
        .collect();
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [PlatformId::Miniprogram, PlatformId::Devmode]
        );
        assert_eq!(set.len(), 2);
        assert_eq!(set.single(), None);
        assert!(!set.contains(PlatformId::WecomKf));
        let one: Platforms = [PlatformId::WecomKf].into_iter().collect();
        assert_eq!(one.single(), Some(PlatformId::WecomKf));
        assert!(Platforms::default().is_empty());
        assert_eq!(Platforms::default().single(), None);
        let mut sorted = PlatformId::ALL.to_vec();
        sorted.sort();
        assert_eq!(sorted, PlatformId::ALL, "ALL is in declaration order");
    }

    #[test]
    fn ids_are_unique_per_platform() {
        for p in platforms() {
            let mut seen = std::collections::HashSet::new();
            for t in p.types {
                assert_eq!(t.platform, p.pid, "{} listed under {}", t.id, p.id);
                assert!(seen.insert(t.id), "duplicate type {} in {}", t.id, p.id);
            }
        }
    }

    #[test]
    fn field_names_are_unique_per_type() {
        fn check(fields: &mut dyn Iterator<Item = &'static Field>, ctx: &str) {
            let mut seen = std::collections::HashSet::new();
            for f in fields {
                assert!(seen.insert(f.name), "duplicate field {} in {ctx}", f.name);
                if !f.children.is_empty() {
                    check(&mut f.children.iter(), &format!("{ctx}/{}", f.name));
                }
            }
        }
        for t in all_types() {
            check(&mut t.all_fields(), &format!("{}:{}", t.platform, t.id));
        }
    }

    #[test]
    fn object_arrays_have_children_and_xml_forms_agree() {
        for t in all_types() {
            for f in t.all_fields() {
                // An Object may leave its contents undocumented (wecom-kf `note`);
                // arrays of objects must say what their items hold.
                if f.ty == Ty::ObjectArray {
                    assert!(!f.children.is_empty(), "{}:{} {}", t.platform, t.id, f.name);
                }
                if f.ty.is_array() {
                    assert!(
                        matches!(f.xml, Xml::Items | Xml::Siblings),
                        "{} {}",
                        t.id,
                        f.name
                    );
                }
            }
        }
    }

    #[test]
    fn every_platform_has_types_and_meanings() {
        for p in platforms() {
            assert!(!p.types.is_empty(), "{}", p.id);
            for t in p.types {
                assert!(!t.zh.is_empty() && !t.en.is_empty(), "{}:{}", p.id, t.id);
                for f in t.all_fields() {
                    assert!(
                        !f.zh.is_empty() && !f.en.is_empty(),
                        "{}:{} {}",
                        p.id,
                        t.id,
                        f.name
                    );
                }
            }
        }
    }
}
