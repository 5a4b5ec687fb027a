//! Detection: which platform and type a parsed document is.
//!
//! The discriminator (`MsgType`/`Event`, `msgtype`/`event.event_type`, `Encrypt`,
//! `msg_list`) gives the type id. Every catalogue type with that id is a candidate;
//! each candidate is checked, and the best fit wins (fewest errors, then fewest
//! warnings; ranking only counts findings, so only the winner's are built). When candidates of different platforms fit equally — a bare `text` can
//! come from a mini program or an official account — the platform is left open and
//! all of them are listed. Nothing here names a field of a particular type: the
//! catalogue decides.

use crate::catalog::disc_keys::{
    disc_slot, AGENT_ID, DISC_KEYS, ENCRYPT, ERRCODE, ERRMSG, EVENT, HAS_MORE, MSG_LIST,
    MSG_SIGNATURE, MSG_TYPE, NEXT_CURSOR, SNAKE_TYPE, TIME_STAMP,
};
use crate::catalog::{self, Disc, PlatformId, Platforms, TypeDef};
use crate::diag::{Code, Diagnostic, Severity};
use crate::doc::{Document, Format, Node, Value, XmlForm};
use crate::report::Envelope;
use crate::tape::{Kind, Tape, View};
use crate::typing;
use crate::validate;
use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Mutex;

/// The type discriminator found in a document.
#[derive(Clone, Debug)]
pub struct Discriminator {
    pub id: TypeId,
    pub disc: Disc,
    pub envelope: Option<Envelope>,
    /// The catalogue's candidate types for `id` and `disc`, as
    /// [`catalog::candidate_rules`] gives them (none for an unknown id).
    pub rules: &'static [catalog::Candidate],
    /// A WeCom application message (`AgentID` beside a PascalCase `MsgType`,
    /// catalogue §1 rule 11): none of the four platforms' types, so no
    /// candidates.
    pub wecom_app: bool,
}

impl Discriminator {
    /// A discriminator of a type the catalogue may know, looked up once.
    fn new(id: Known, disc: Disc, envelope: Option<Envelope>) -> Discriminator {
        let (id, rules) = match id {
            Known::Id(id, by_disc) => (Cow::Borrowed(id), catalog::rules_of(by_disc, disc)),
            Known::Unknown(id) => (Cow::Owned(id), &[][..]),
        };
        Discriminator {
            id,
            disc,
            envelope,
            rules,
            wecom_app: false,
        }
    }

    /// This discriminator of a payload carrying `AgentID`: a WeCom
    /// application message unless a WeCom type has its id (the kf callback
    /// notice).
    fn with_agent_id(mut self) -> Discriminator {
        let wecom = |c: &catalog::Candidate| c.td.platform == PlatformId::WecomKf;
        if !self.rules.iter().any(wecom) {
            self.rules = &[];
            self.wecom_app = true;
        }
        self
    }
}

/// A type id as detection reads it: the catalogue's, with its types, or not.
enum Known {
    Id(&'static str, &'static catalog::ByDisc),
    Unknown(String),
}

impl Known {
    /// The type `id` names; a passive reply's when only a reply has that
    /// message type (`music` is `reply.music`).
    fn of(id: &str) -> Known {
        // `reply.text` is an id, never a `MsgType`.
        let found = catalog::lookup_id(id)
            .filter(|(k, _)| !k.starts_with(catalog::REPLY_PREFIX))
            .or_else(|| reply_id(id));
        Known::found(found, || id.to_string())
    }

    /// [`Known::of`] in a passive reply (the plaintext of an encrypted reply
    /// envelope): a reply's type first (`text` is `reply.text`).
    fn of_reply(id: &str) -> Known {
        let found = reply_id(id).or_else(|| catalog::lookup_id(id));
        Known::found(found, || id.to_string())
    }

    /// A catalogue lookup's answer, or the id made from the payload's text.
    fn found(
        lookup: Option<(&'static str, &'static catalog::ByDisc)>,
        unknown: impl FnOnce() -> String,
    ) -> Known {
        match lookup {
            Some((id, by_disc)) => Known::Id(id, by_disc),
            None => Known::Unknown(unknown()),
        }
    }
}

/// What the discriminator reads of a payload object, gathered in one pass:
/// which of [`DISC_KEYS`] are present (the first member with each key counts),
/// and the string values of the first three.
#[derive(Default)]
pub struct Probe<'a> {
    present: u16,
    texts: [Option<Cow<'a, str>>; 3],
}

impl<'a> Probe<'a> {
    /// Records the first member with the key in `slot`.
    fn found(&mut self, slot: usize, text: impl FnOnce() -> Option<Cow<'a, str>>) {
        if self.present & (1 << slot) != 0 {
            return;
        }
        self.present |= 1 << slot;
        if let Some(t) = self.texts.get_mut(slot) {
            *t = text();
        }
    }

    fn has(&self, slot: usize) -> bool {
        self.present & (1 << slot) != 0
    }

    fn text(&self, slot: usize) -> Option<&str> {
        self.texts.get(slot).and_then(|t| t.as_deref())
    }
}

/// What detection reads of a payload object: keys and string values. Both the
/// owned tree and the fast lane's tape provide it, so both are told apart by
/// this one set of rules.
pub trait Keyed {
    /// The discriminator keys of the object.
    fn probe(&self) -> Probe<'_>;
    /// `self[key][sub]` when both are there and the inner value is a string.
    fn nested_text_of(&self, key: &str, sub: &str) -> Option<Cow<'_, str>>;
    /// How many keys are catalogue signature keys, counting at most `limit`.
    fn signature_keys(&self, limit: usize) -> usize;
    /// Whether `self[key]` is the number 0 (or the text `0`).
    fn holds_zero(&self, key: &str) -> bool;
    /// Whether the object has a member `key`.
    fn has(&self, key: &str) -> bool;
}

impl Keyed for Node {
    fn probe(&self) -> Probe<'_> {
        let mut p = Probe::default();
        for m in self.members() {
            if let Some(slot) = DISC_KEYS.iter().position(|k| *k == m.key) {
                p.found(slot, || text(Some(&m.node)).map(Cow::Borrowed));
            }
        }
        p
    }
    fn nested_text_of(&self, key: &str, sub: &str) -> Option<Cow<'_, str>> {
        text(self.get(key).and_then(|e| e.get(sub))).map(Cow::Borrowed)
    }
    fn signature_keys(&self, limit: usize) -> usize {
        self.members()
            .iter()
            .filter(|m| catalog::is_signature_key(&m.key))
            .take(limit)
            .count()
    }
    fn holds_zero(&self, key: &str) -> bool {
        self.get(key)
            .and_then(Node::scalar_text)
            .is_some_and(|t| t == "0")
    }
    fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

/// [`Keyed::probe`] of an object on a tape, by walking its members.
fn probe_view(v: View<'_>) -> Probe<'_> {
    let mut p = Probe::default();
    if v.kind() != Kind::Object {
        return p;
    }
    for m in v.children() {
        let slot = disc_slot(m.key_hash());
        if let Some(slot) = slot.filter(|&s| {
            DISC_KEYS
                .get(s)
                .is_some_and(|k| catalog::same_key(m.key().as_bytes(), k.as_bytes()))
        }) {
            p.found(slot, || m.str());
        }
    }
    p
}

impl Keyed for View<'_> {
    fn probe(&self) -> Probe<'_> {
        probe_view(*self)
    }
    fn nested_text_of(&self, key: &str, sub: &str) -> Option<Cow<'_, str>> {
        self.get(key).and_then(|e| e.get(sub)).and_then(|v| v.str())
    }
    fn signature_keys(&self, limit: usize) -> usize {
        if self.kind() != Kind::Object {
            return 0;
        }
        self.children()
            .filter(|m| catalog::is_signature_key(m.key()))
            .take(limit)
            .count()
    }
    fn holds_zero(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| matches!(v.kind(), Kind::Number | Kind::Str) && v.raw() == "0")
    }
    fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

/// The root of a tape, probed from the keys its reader noted
/// ([`Tape::root_keys`]) instead of by walking its members again.
pub struct TapeRoot<'t> {
    pub tape: &'t Tape,
    pub text: &'t str,
}

impl<'t> TapeRoot<'t> {
    pub fn view(&self) -> View<'t> {
        self.tape.root(self.text)
    }
}

impl Keyed for TapeRoot<'_> {
    fn probe(&self) -> Probe<'_> {
        // Only a root object has members, so any other root has no notes.
        let keys = &self.tape.root_keys;
        let mut p = Probe {
            present: keys.present,
            ..Probe::default()
        };
        // Only the first three slots' values are read.
        for (slot, t) in p.texts.iter_mut().enumerate() {
            if keys.present & (1 << slot) != 0 {
                *t = keys
                    .at
                    .get(slot)
                    .and_then(|&i| self.tape.view(self.text, i as usize).str());
            }
        }
        p
    }
    fn nested_text_of(&self, key: &str, sub: &str) -> Option<Cow<'_, str>> {
        self.view()
            .get(key)
            .and_then(|e| e.get(sub))
            .and_then(|v| v.str())
    }
    fn signature_keys(&self, limit: usize) -> usize {
        self.view().signature_keys(limit)
    }
    fn holds_zero(&self, key: &str) -> bool {
        self.view().holds_zero(key)
    }
    fn has(&self, key: &str) -> bool {
        self.view().has(key)
    }
}

/// Reads the type discriminator of a payload object.
pub fn discriminator(root: &impl Keyed) -> Option<Discriminator> {
    let p = root.probe();
    let has_plain = p.has(MSG_TYPE) || p.has(SNAKE_TYPE) || p.has(EVENT);
    let encrypt = p.has(ENCRYPT);
    if encrypt && !has_plain {
        let reply = p.has(MSG_SIGNATURE) || p.has(TIME_STAMP);
        let envelope = if reply {
            Envelope::Reply
        } else {
            Envelope::Push
        };
        return Some(Discriminator::new(
            Known::of("encrypted"),
            Disc::Envelope,
            Some(envelope),
        ));
    }
    let compat = encrypt.then_some(Envelope::Compat);
    let pascal = |id: Known| {
        let d = Discriminator::new(id, Disc::Pascal, compat);
        if p.has(AGENT_ID) && compat.is_none() {
            d.with_agent_id()
        } else {
            d
        }
    };
    if let Some(t) = p.text(MSG_TYPE) {
        return Some(pascal(type_id(t, p.text(EVENT))));
    }
    if let Some(t) = p.text(SNAKE_TYPE) {
        let id = type_id(t, root.nested_text_of("event", "event_type").as_deref());
        return Some(Discriminator::new(id, Disc::Snake, None));
    }
    if let Some(e) = p.text(EVENT) {
        return Some(pascal(event_id(e)));
    }
    // A `sync_msg` response: its own keys, or a failure, which carries only
    // `errcode` and `errmsg` (catalogue §1 rule 7, §5.3). A bare success
    // (`{"errcode":0,"errmsg":"ok"}`) is the reply of any WeChat API, which
    // logs are full of: not a payload.
    let sync = p.has(MSG_LIST) || p.has(NEXT_CURSOR) || p.has(HAS_MORE);
    if sync || p.has(ERRCODE) && p.has(ERRMSG) && !root.holds_zero("errcode") {
        return Some(Discriminator::new(
            Known::of("sync_msg"),
            Disc::SyncResponse,
            None,
        ));
    }
    None
}

/// The finding for an event without its name: `Event` beside `MsgType`
/// (`event`), or `event.event_type` in a WeCom kf event (catalogue §2, §5.6).
/// Missing, or there but not a string (not an object, for kf's `event`).
fn missing_event_name(
    doc: &Document,
    root: &Node,
    disc: Disc,
    whole: &impl Fn(Code, Cow<'static, str>) -> Diagnostic,
) -> Diagnostic {
    let event = root.get("event");
    let (path, found, what, kind) = match (disc, event) {
        (Disc::Snake, Some(e)) if matches!(e.value, Value::Object(_)) => (
            "/event/event_type",
            e.get("event_type"),
            "event.event_type (event type)",
            "a string",
        ),
        (Disc::Snake, e) => (
            "/event",
            e,
            "event (the event, with its event_type)",
            "an object",
        ),
        _ => (
            "/Event",
            root.get("Event"),
            "Event (event type)",
            "a string",
        ),
    };
    let key = if disc == Disc::Snake {
        "msgtype"
    } else {
        "MsgType"
    };
    match found {
        Some(n) => {
            let (line, column) = doc.line_col(n.pos);
            Diagnostic::new(
                Code::TypeMismatch,
                format!(
                    "{what} should be {kind}, found {}: `{key}` is `event`",
                    n.value.type_name()
                ),
                line,
                column,
            )
        }
        None => whole(
            Code::MissingField,
            format!("missing required field {what}: `{key}` is `event`").into(),
        ),
    }
    .with_field(path.to_string())
}

/// The passive-reply type for message type `id` (`reply.text` for `text`).
fn reply_id(id: &str) -> Option<(&'static str, &'static catalog::ByDisc)> {
    catalog::lookup_id(&format!("{}{id}", catalog::REPLY_PREFIX))
}

/// A discriminator's value: only a string names a type (`"MsgType": 1` does not).
fn text(node: Option<&Node>) -> Option<&str> {
    match node.map(|n| &n.value) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The type id from a message type and, for events, the event's own name:
/// `text`, or `event.SCAN` (`event` alone when the event name is missing).
fn type_id(msg_type: &str, event: Option<&str>) -> Known {
    match (msg_type, event) {
        ("event", Some(e)) => event_id(e),
        (t, _) => Known::of(t),
    }
}

/// `event.NAME`, looked up in the catalogue by the name alone: a `String` is
/// made only for an event the catalogue does not know.
fn event_id(name: &str) -> Known {
    Known::found(catalog::lookup_event(name), || format!("event.{name}"))
}

/// A type id (`text`, `event.SCAN`): the catalogue's own text when it knows the
/// type, else the payload's.
pub type TypeId = Cow<'static, str>;

/// True when the document carries a discriminator or at least two of the
/// catalogue's signature keys; anything else is not a payload.
pub fn is_wechat(root: &impl Keyed) -> bool {
    match discriminator(root) {
        Some(d) if d.disc == Disc::Snake => is_kf_item(root),
        Some(_) => true,
        // One key alone is weak evidence: a sync_msg *request* body carries
        // `open_kfid` too. Two of them (or a discriminator) make a payload.
        None => root.signature_keys(2) == 2,
    }
}

/// A lower-case `msgtype` makes a WeCom kf message only beside `msgid`,
/// `origin` or the `event` (catalogue §1 rule 8): the customer-service send
/// APIs' request bodies (`{"touser":…,"msgtype":"text","text":{…}}`), which
/// backends log beside the pushes they receive, have none of them.
pub fn is_kf_item(root: &impl Keyed) -> bool {
    root.has("msgid") || root.has("origin") || root.has("event")
}

/// What detection concluded.
#[derive(Clone, Debug)]
pub struct Detection {
    pub platform: Option<PlatformId>,
    pub candidates: Platforms,
    pub type_id: Option<TypeId>,
    pub type_def: Option<&'static TypeDef>,
    pub envelope: Option<Envelope>,
    /// Detection findings plus the validation findings of the chosen type.
    pub diagnostics: Vec<Diagnostic>,
    /// The payload after the catalogue typing pass (XML sources only).
    pub typed: Option<Node>,
}

/// Ranks a candidate by its findings: fewer errors first, then fewer warnings.
fn fit(diags: &[Diagnostic]) -> (usize, usize) {
    (
        crate::report::count(diags, Severity::Error),
        crate::report::count(diags, Severity::Warning),
    )
}

/// `det` settled among the platforms in `prefer` (`validate --platform`):
/// when it fits several platforms equally, some of them preferred, the
/// detection `again` among those alone. A payload of one platform stays that
/// platform's, preferred or not (another platform's payload is caught, not
/// squeezed into a preferred one).
pub fn settle(
    det: Detection,
    prefer: &[PlatformId],
    again: impl FnOnce(&[PlatformId]) -> Detection,
) -> Detection {
    if prefer.is_empty()
        || det.platform.is_some()
        || !det.candidates.iter().any(|p| prefer.contains(&p))
    {
        return det;
    }
    again(prefer)
}

/// Detects and validates one payload object of `doc`.
///
/// `only` restricts the platforms considered (`--platform`); empty means all.
pub fn detect(doc: &Document, root: &Node, only: &[PlatformId]) -> Detection {
    let det = detect_as(doc, root, only, false);
    // A payload sent by the account (`FromUserName` its original id `gh_…`,
    // the push's addresses swapped), or one not addressed to an account (the
    // reply samples' `toUser`), that is no good as an incoming message may be
    // a passive reply (a `text` one has no `MsgId`, an `image` one an
    // `<Image>` object). Only where the incoming types find errors: the fast
    // lane answers for clean ones, and an incoming push to an account that
    // lost its `MsgId` stays a broken push.
    if fit(&det.diagnostics).0 > 0
        && (sent_by_account(root) || addressed_elsewhere(root))
        && reply_id(det_msg_type(&det)).is_some()
    {
        let reply = detect_as(doc, root, only, true);
        // Another platform's markers (devmode's `App_Type`) say it is no
        // reply of the account's.
        let marks = marker_platforms(root, &|_| true);
        let marked_other = !marks.is_empty() && !reply.candidates.iter().any(|p| marks.contains(p));
        if fit(&reply.diagnostics).0 < fit(&det.diagnostics).0 && !marked_other {
            return reply;
        }
    }
    det
}

/// `FromUserName` is an original id (`gh_…`): an account's own message.
fn sent_by_account(root: &Node) -> bool {
    root.get_str("FromUserName").is_some_and(is_original_id)
}

/// An original id (`gh_…`), a mini program's or an official account's
/// (catalogue §2).
pub(crate) fn is_original_id(id: &str) -> bool {
    id.starts_with("gh_")
}

/// `ToUserName` is there and no original id (`gh_…`): not a push to an
/// account, as every incoming message of a mini program or official account
/// is.
fn addressed_elsewhere(root: &Node) -> bool {
    root.get_str("ToUserName")
        .is_some_and(|t| !is_original_id(t))
}

/// The message type a detection read (`text` for `text` and `reply.text`).
fn det_msg_type(det: &Detection) -> &str {
    let t = det.type_id.as_deref().unwrap_or_default();
    t.strip_prefix(catalog::REPLY_PREFIX).unwrap_or(t)
}

/// [`detect`] for the plaintext of an encrypted passive-reply envelope: its
/// message type names a passive reply where the catalogue has one (a `text`
/// reply carries no `MsgId`, an `image` reply an `<Image>` object).
pub fn detect_reply(doc: &Document, root: &Node, only: &[PlatformId]) -> Detection {
    detect_as(doc, root, only, true)
}

fn detect_as(doc: &Document, root: &Node, only: &[PlatformId], reply: bool) -> Detection {
    let mut det = detect_fields(doc, root, only, reply);
    if det.envelope.is_some() {
        if let Some(dup) = repeated_encrypt(doc, root) {
            // The repetition is an error here, not the warning a repeated
            // scalar gets: it would otherwise pass without a key and fail with
            // one, as the JSON form's duplicate key fails either way.
            det.diagnostics.retain(|d| {
                !(d.code == Code::RepeatedElement && d.field.as_deref() == Some("/Encrypt"))
            });
            det.diagnostics.push(dup);
            det.diagnostics = sorted(std::mem::take(&mut det.diagnostics));
        }
    }
    det
}

/// `duplicate-key` for an envelope whose `<Encrypt>` element repeats, at the
/// second one: an envelope carries one ciphertext, and readers disagree on
/// which of several they verify and decrypt (most keep the last).
fn repeated_encrypt(doc: &Document, root: &Node) -> Option<Diagnostic> {
    let node = root.get("Encrypt")?;
    let Value::Array(items) = &node.value else {
        return None;
    };
    if node.xml != XmlForm::Siblings {
        return None;
    }
    let second = items.get(1)?;
    let (first_line, first_column) = doc.line_col(node.pos);
    let (line, column) = doc.line_col(second.pos);
    Some(
        Diagnostic::new(
            Code::DuplicateKey,
            format!(
                "<Encrypt> repeats {} times (first at line {first_line}, column {first_column}): an envelope carries one ciphertext, and readers disagree on which one they verify and decrypt",
                items.len()
            ),
            line,
            column,
        )
        .with_field("/Encrypt"),
    )
}

fn detect_fields(doc: &Document, root: &Node, only: &[PlatformId], reply: bool) -> Detection {
    let allowed = |p: PlatformId| only.is_empty() || only.contains(&p);
    // A finding about the whole payload, at its start. Built only when needed:
    // the position of a `sync_msg` entry takes a count from the document start.
    let whole = |code: Code, message: Cow<'static, str>| {
        let (line, column) = doc.line_col(root.pos);
        Diagnostic::new(code, message, line, column)
    };
    let Some(d) = discriminator(root) else {
        let mut diags = validate::validate_fields(doc, root, &[], false);
        // A discriminator that is there but not a string is a type error at that
        // field; only a missing one is a missing discriminator.
        let present = ["MsgType", "msgtype", "Event"]
            .into_iter()
            .find_map(|k| root.members().iter().find(|m| m.key == k));
        diags.push(match present {
            Some(m) => {
                let (l, c) = doc.line_col(m.node.pos);
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!(
                        "{} should be a string naming the type, found {}",
                        m.key,
                        m.node.value.type_name()
                    ),
                    l,
                    c,
                )
                .with_field(crate::doc::pointer_push("", &m.key))
            }
            None => whole(
                Code::MissingDiscriminator,
                "no MsgType, msgtype or Event field says what this payload is".into(),
            ),
        });
        let candidates = marker_platforms(root, &allowed);
        // `Encrypt` beside a discriminator that is not a string (a repeated
        // `<MsgType>`, `"MsgType": [..]`) is still a compatibility-mode body:
        // its signed copy is what the payload says, so it must be opened, not
        // passed over as a plain payload (catalogue §7.1).
        let envelope = root.get("Encrypt").map(|_| Envelope::Compat);
        return Detection {
            platform: candidates.single(),
            candidates,
            type_id: None,
            type_def: None,
            envelope,
            diagnostics: sorted(diags),
            typed: None,
        };
    };
    let d = match d.disc {
        Disc::Pascal if reply => {
            let id = Known::of_reply(&d.id);
            Discriminator::new(id, d.disc, d.envelope)
        }
        _ => d,
    };

    // Every candidate type is checked (XML sources after the catalogue typing
    // pass, run on a copy only when it changes something for that type).
    let types: Vec<&'static TypeDef> = d
        .rules
        .iter()
        .map(|c| c.td)
        .filter(|t| allowed(t.platform))
        .collect();
    let typed_for = |td: &'static TypeDef| {
        (doc.format == Format::Xml && typing::changes(root, td)).then(|| {
            let mut typed = root.clone();
            typing::apply_catalog(&mut typed, td);
            typed
        })
    };

    if d.wecom_app {
        return wecom_app(doc, root, &d, &whole);
    }
    if types.is_empty() {
        let candidates: Platforms = match d.disc {
            Disc::Snake | Disc::SyncResponse => [PlatformId::WecomKf]
                .into_iter()
                .filter(|p| allowed(*p))
                .collect(),
            _ => {
                let m = marker_platforms(root, &allowed);
                if m.is_empty() {
                    [PlatformId::Miniprogram, PlatformId::OfficialAccount]
                        .into_iter()
                        .filter(|p| allowed(*p))
                        .collect()
                } else {
                    m
                }
            }
        };
        // What every payload of the platform carries is still checked (the
        // first candidate's: the official ones share one header).
        // Only a header that holds the payload's own discriminator key: a
        // PascalCase payload with a WeCom marker (`AgentID`) is no kf item.
        let disc_key = match d.disc {
            Disc::Snake => "msgtype",
            _ => "MsgType",
        };
        let header = candidates
            .iter()
            .next()
            .map(|p| {
                let p = p.platform();
                if d.id.starts_with("event") {
                    p.event_header
                } else {
                    p.message_header
                }
            })
            .filter(|h| h.iter().any(|f| f.name == disc_key))
            .unwrap_or_default();
        let mut diags = validate::validate_fields(doc, root, &[header], false);
        if d.id == "event" {
            // `event` alone is an event without its name, not a type of its own.
            diags.push(missing_event_name(doc, root, d.disc, &whole));
        } else {
            let where_ = if only.is_empty() {
                "the catalogue".to_string()
            } else {
                format!(
                    "the catalogue of {}",
                    only.iter()
                        .map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            diags.push(whole(
                Code::UnknownType,
                format!(
                    "type `{}` is not in {where_}; only its platform's common header and the structure were checked",
                    d.id
                )
                .into(),
            ));
        }
        return Detection {
            platform: candidates.single(),
            candidates,
            type_id: Some(d.id),
            type_def: None,
            envelope: d.envelope,
            diagnostics: sorted(diags),
            typed: None,
        };
    }

    // The best fit wins: fewest errors, then fewest warnings. The first candidate
    // is validated in full (it is the one chosen whenever it ties for best, as
    // every candidate of an ambiguous `text` does); the others are only counted.
    let first_typed = typed_for(types[0]);
    let first = validate::validate(doc, first_typed.as_ref().unwrap_or(root), types[0]);
    let fits: Vec<(usize, usize)> = std::iter::once(fit(&first))
        .chain(types.iter().skip(1).map(|&td| {
            let typed = typed_for(td);
            validate::fit(doc, typed.as_ref().unwrap_or(root), td)
        }))
        .collect();
    // Platform markers (devmode's `App_Type`, the official account's
    // `MsgDataId`) say whose payload it is (catalogue §1 rules 9 and 13): the
    // best fit is looked for among the marked candidates when there are any,
    // so an error in a marked field does not hand the payload to a platform
    // that calls the field unknown.
    let marked: Vec<usize> = (0..types.len())
        .filter(|&i| {
            let p = types[i].platform.platform();
            root.members()
                .iter()
                .any(|m| p.markers.contains(&m.key.as_str()))
        })
        .collect();
    let pool: Vec<usize> = if marked.is_empty() {
        (0..types.len()).collect()
    } else {
        marked
    };
    let best = pool.iter().map(|&i| fits[i]).min().unwrap_or((0, 0));
    let mut tied: Vec<usize> = pool.into_iter().filter(|&i| fits[i] == best).collect();
    // An original id in `ToUserName` rules out a platform never addressed to
    // one (a WeCom envelope goes to a CorpID) among those that tie.
    let to_original = |i: &usize| types[*i].platform.platform().original_ids;
    if tied.len() > 1
        && !tied.iter().all(to_original)
        && tied.iter().any(to_original)
        && root.get_str("ToUserName").is_some_and(is_original_id)
    {
        tied.retain(to_original);
    }
    let candidates: Platforms = tied.iter().map(|&i| types[i].platform).collect();
    let chosen = tied.first().copied().unwrap_or(0);
    let td = types[chosen];
    let (typed, mut diags) = if chosen == 0 {
        (first_typed, first)
    } else {
        let typed = typed_for(td);
        let diags = validate::validate(doc, typed.as_ref().unwrap_or(root), td);
        (typed, diags)
    };
    let platform = candidates.single();
    if platform.is_none() {
        diags.push(whole(
            Code::AmbiguousPlatform,
            ambiguous_message(&d.id, candidates),
        ));
    }
    if d.envelope.is_some() && d.disc == Disc::Envelope {
        diags.push(whole(Code::Encrypted, ENCRYPTED_MESSAGE.into()));
    }
    if d.disc == Disc::SyncResponse {
        // A success carries everything a caller reads next (`next_cursor`,
        // `has_more`, `msg_list`): without them it cannot go on.
        if root.holds_zero("errcode") {
            for f in td.all_fields().filter(|f| f.req.on_success()) {
                if root.get(f.name).is_none() {
                    let message = format!(
                        "missing field {} ({}): a response with errcode 0 always has it",
                        f.name, f.en
                    );
                    diags.push(
                        whole(Code::MissingField, message.into())
                            .with_field(crate::doc::pointer_push("", f.name)),
                    );
                }
            }
        }
        if let Some(n) = root.get("errcode") {
            if n.scalar_text().is_some_and(|t| t != "0") {
                let (l, c) = doc.line_col(n.pos);
                let msg = root.get_str("errmsg").unwrap_or("");
                diags.push(
                    Diagnostic::new(
                        Code::SyncErrcode,
                        format!(
                            "sync_msg failed: errcode {} {}",
                            n.scalar_text().unwrap_or("?"),
                            msg
                        ),
                        l,
                        c,
                    )
                    .with_field("/errcode"),
                );
            }
        }
    }
    Detection {
        platform,
        candidates,
        type_id: Some(d.id),
        type_def: Some(td),
        envelope: d.envelope,
        diagnostics: sorted(diags),
        typed,
    }
}

/// A WeCom application message (catalogue §1 rule 11): its common header,
/// which the official pushes share (§2), is checked (`AgentID` comes bare and
/// as CDATA in WeCom's own samples, so it is not), and an `unknown-type`
/// warning says that its type is none of the four platforms'.
fn wecom_app(
    doc: &Document,
    root: &Node,
    d: &Discriminator,
    whole: &dyn Fn(Code, Cow<'static, str>) -> Diagnostic,
) -> Detection {
    let official = PlatformId::OfficialAccount.platform();
    let header = if d.id.starts_with("event") {
        official.event_header
    } else {
        official.message_header
    };
    let mut diags = validate::validate_fields(doc, root, &[header], false);
    diags.push(whole(
        Code::UnknownType,
        format!(
            "a WeCom application message (`AgentID` beside `MsgType`, catalogue §1 rule 11): \
             `{}` of a self-built WeCom app is none of the types of {}; only the common header was checked",
            d.id,
            catalog::platforms().map(|p| p.id).collect::<Vec<_>>().join(", ")
        )
        .into(),
    ));
    Detection {
        platform: None,
        candidates: Platforms::default(),
        type_id: Some(d.id.clone()),
        type_def: None,
        envelope: d.envelope,
        diagnostics: sorted(diags),
        typed: None,
    }
}

/// The `ambiguous-platform` message for a type that fits these platforms equally.
/// Many payloads carry it (every bare `text`), so the message of a catalogue
/// type is built once and shared from then on.
pub(crate) fn ambiguous_message(id: &TypeId, candidates: Platforms) -> Cow<'static, str> {
    /// Messages made so far, by the address of the catalogue's id and the
    /// platform bits: at most one per catalogue type id and set of platforms,
    /// so the strings kept for the run are few and bounded.
    static MADE: Mutex<Vec<(usize, Platforms, &'static str)>> = Mutex::new(Vec::new());
    thread_local! {
        /// This thread's copy of what it has taken from `MADE`: threads
        /// reading one input in parallel do not queue for the lock.
        static SEEN: RefCell<Vec<(usize, Platforms, &'static str)>> = const { RefCell::new(Vec::new()) };
    }
    let Cow::Borrowed(id) = id else {
        return Cow::Owned(build_ambiguous_message(id, candidates));
    };
    let at = id.as_ptr() as usize;
    let find = |made: &[(usize, Platforms, &'static str)]| {
        made.iter()
            .find(|e| e.0 == at && e.1 == candidates)
            .map(|e| e.2)
    };
    if let Some(m) = SEEN.with_borrow(|seen| find(seen)) {
        return Cow::Borrowed(m);
    }
    let Ok(mut made) = MADE.lock() else {
        return Cow::Owned(build_ambiguous_message(id, candidates));
    };
    let m = match find(&made) {
        Some(m) => m,
        None => {
            let m: &'static str = build_ambiguous_message(id, candidates).leak();
            made.push((at, candidates, m));
            m
        }
    };
    SEEN.with_borrow_mut(|seen| seen.push((at, candidates, m)));
    Cow::Borrowed(m)
}

fn build_ambiguous_message(id: &str, candidates: Platforms) -> String {
    let mut m = String::with_capacity(64 + id.len());
    m.push('`');
    m.push_str(id);
    m.push_str("` fits ");
    for (i, p) in candidates.iter().enumerate() {
        if i > 0 {
            m.push_str(" and ");
        }
        m.push_str(p.as_str());
    }
    m.push_str(" equally; pass --platform to choose");
    m
}

/// The `encrypted` message for an envelope read without a key.
pub(crate) const ENCRYPTED_MESSAGE: &str = "encrypted payload (safe mode): to see and check the message inside, pass the EncodingAESKey of the receiving app in the WXMSG_AES_KEY environment variable (safer) or with --aes-key; `wxmsg decrypt` prints the plaintext";

fn marker_platforms(root: &Node, allowed: &dyn Fn(PlatformId) -> bool) -> Platforms {
    catalog::platforms()
        .filter(|p| allowed(p.pid))
        .filter(|p| {
            root.members()
                .iter()
                .any(|m| p.markers.contains(&m.key.as_str()))
        })
        .map(|p| p.pid)
        .collect()
}

fn sorted(mut d: Vec<Diagnostic>) -> Vec<Diagnostic> {
    d.sort_by_key(|x| (x.line, x.column));
    d
}

/// For a `sync_msg` response: the entries of its `msg_list`, each a payload
/// of its own whatever the response's errcode says.
pub fn sync_entries(root: &Node) -> Option<&[Node]> {
    match root.get("msg_list").map(|n| &n.value) {
        Some(Value::Array(items)) => Some(items),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_messages_of_catalogue_types_are_made_once() {
        let both: Platforms = [PlatformId::Miniprogram, PlatformId::OfficialAccount]
            .into_iter()
            .collect();
        let id = catalog::lookup_id("text")
            .map(|(id, _)| Cow::Borrowed(id))
            .unwrap();
        let (a, b) = (ambiguous_message(&id, both), ambiguous_message(&id, both));
        assert_eq!(
            a,
            "`text` fits miniprogram and official-account equally; pass --platform to choose"
        );
        assert!(matches!((&a, &b), (Cow::Borrowed(x), Cow::Borrowed(y)) if std::ptr::eq(*x, *y)));
        // Other threads share it too (each keeps its own list of those it used).
        let other = std::thread::spawn(move || ambiguous_message(&id, both))
            .join()
            .expect("the thread runs");
        assert!(
            matches!((&a, &other), (Cow::Borrowed(x), Cow::Borrowed(y)) if std::ptr::eq(*x, *y))
        );
        let id = catalog::lookup_id("text")
            .map(|(id, _)| Cow::Borrowed(id))
            .unwrap();
        // Another set of platforms is another message.
        let three: Platforms = [
            PlatformId::Miniprogram,
            PlatformId::OfficialAccount,
            PlatformId::Devmode,
        ]
        .into_iter()
        .collect();
        assert!(ambiguous_message(&id, three).contains("and devmode equally"));
        // An id from a payload is not kept.
        let made: TypeId = Cow::Owned("made_up".to_string());
        assert!(
            matches!(ambiguous_message(&made, both), Cow::Owned(ref m) if m.starts_with("`made_up` fits"))
        );
    }

    /// A `sync_msg` failure carries only `errcode` and `errmsg`; a bare
    /// success of that shape is any API's reply, not a payload.
    #[test]
    fn a_failed_sync_msg_response_is_one() {
        let limits = crate::parse::Limits::default();
        let of = |text: &str| {
            let (d, _) = crate::parse::json::parse(
                text.as_bytes(),
                crate::parse::json::Mode::Strict,
                limits,
            )
            .unwrap();
            discriminator(&d).map(|d| d.disc)
        };
        for sync in [
            r#"{"errcode":95000,"errmsg":"invalid token"}"#,
            r#"{"errcode":0,"errmsg":"ok","has_more":0}"#,
            r#"{"next_cursor":"c"}"#,
            r#"{"msg_list":[]}"#,
        ] {
            assert_eq!(of(sync), Some(Disc::SyncResponse), "{sync}");
        }
        for other in [
            r#"{"errcode":0,"errmsg":"ok"}"#,
            r#"{"errcode":"0","errmsg":"ok"}"#,
            r#"{"errcode":40001}"#,
        ] {
            assert_eq!(of(other), None, "{other}");
        }
    }

    /// Detection's answer for a tape's root: from the keys the reader noted,
    /// and by walking the members. The two must agree.
    fn noted_and_walked(tape: &Tape, text: &str) -> (String, String) {
        let noted = discriminator(&TapeRoot { tape, text });
        let walked = discriminator(&tape.root(text));
        (format!("{noted:?}"), format!("{walked:?}"))
    }

    #[test]
    fn noted_root_keys_detect_exactly_what_walking_the_root_does() {
        let limits = crate::parse::Limits::default();
        let json = [
            r#"{"MsgType":"text","Content":"x"}"#,
            r#"{"Content":"x","MsgType":"event","Event":"subscribe"}"#,
            r#"{"MsgType":1,"msgtype":"text","text":{"content":"x"}}"#,
            r#"{"MsgType":"text","MsgType":"image"}"#,
            r#"{"Encrypt":"abc","ToUserName":"gh"}"#,
            r#"{"Encrypt":"abc","MsgSignature":"s","TimeStamp":1}"#,
            r#"{"Encrypt":"abc","MsgType":"text"}"#,
            r#"{"errcode":0,"next_cursor":"c","msg_list":[{"msgtype":"text"}]}"#,
            r#"{"errcode":95000,"errmsg":"invalid token"}"#,
            r#"{"errcode":"0","errmsg":"ok"}"#,
            r#"{"has_more":0}"#,
            r#"{"msgtype":"event","event":{"event_type":"enter_session"}}"#,
            r#"{"inner":{"MsgType":"text"},"Event":"subscribe"}"#,
            r#"{"inner":[{"MsgType":"text"}]}"#,
            r#"{"MsgType":"te\u0078t"}"#,
            r#"{"MsgType" : "text" , "Event":null}"#,
            r#"[{"MsgType":"text"}]"#,
            r#""MsgType""#,
            r#"{}"#,
        ];
        let mut tape = Tape::default();
        for text in json {
            // Read into one tape, as the scanner does: nothing of the last
            // document's notes may carry over.
            assert!(tape.read_into(text, limits).is_some(), "{text}");
            let (noted, walked) = noted_and_walked(&tape, text);
            assert_eq!(noted, walked, "{text}");
        }
        let xml = [
            "<xml><ToUserName><![CDATA[gh]]></ToUserName><MsgType><![CDATA[text]]></MsgType></xml>",
            "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[SCAN]]></Event></xml>",
            "<xml><Encrypt><![CDATA[abc]]></Encrypt><MsgSignature>s</MsgSignature></xml>",
            "<xml><Articles><item><MsgType>text</MsgType></item></Articles></xml>",
            "<xml><MsgType>1</MsgType><Event/></xml>",
            "<xml></xml>",
        ];
        for text in xml {
            assert!(tape.read_xml_into(text, limits).is_some(), "{text}");
            let (noted, walked) = noted_and_walked(&tape, text);
            assert_eq!(noted, walked, "{text}");
        }
        // Every bundled fixture the tape readers take.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut dirs = vec![root];
        let mut checked = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let read = match path.extension().and_then(|e| e.to_str()) {
                    Some("json") => tape.read_into(&text, limits),
                    Some("xml") => tape.read_xml_into(&text, limits),
                    _ => None,
                };
                if read.is_some() {
                    let (noted, walked) = noted_and_walked(&tape, &text);
                    assert_eq!(noted, walked, "{}", path.display());
                    checked += 1;
                }
            }
        }
        assert!(checked > 40, "only {checked} fixtures read onto a tape");
    }
}
