//! The catalogue typing pass for trees read from XML.
//!
//! XML cannot say "boolean" or "array of one": `<Flag>true</Flag>` is text, and a
//! single `<List>` sibling looks like a plain object. Once the payload's type is
//! known, this pass fixes exactly those two things from the catalogue (and a
//! bare number on a string field WeChat writes bare, which XML cannot tell from
//! a string either, and an empty element on a string field, which is the empty
//! string), and nothing else: a value whose type disagrees with the catalogue is left as it is, so
//! validation reports it instead of the converter hiding it.

use crate::catalog::{Field, Ty, TypeDef, Xml};
use crate::doc::{Member, Node, Value, XmlForm};

/// Applies the catalogue of `td` to an XML-origin tree (in place).
///
/// * Bare-text (`XmlForm::Plain`) `true` / `false` becomes a boolean where the field
///   is `Ty::Boolean` or unknown to the catalogue (unknown fields keep JSON→XML→JSON
///   the identity for booleans).
/// * On an array field, an empty element becomes `[]`; on one WeChat writes
///   as repeated elements (`Xml::Siblings`), a single object (for
///   `Ty::ObjectArray`) or string (for `Ty::StringArray`) becomes a
///   one-element array. On an `<item>`-list field such a value is left as it
///   is: its `<item>` wrapper is missing, which validation reports.
/// * On an object field, an empty element becomes `{}`.
/// * On a string field, an empty element becomes `""` (its XML form stays
///   [`XmlForm::Empty`]), unless the field documents `null` as a variant.
/// * On a string field WeChat writes as bare text, a bare number becomes the
///   string of its digits.
pub fn apply_catalog(root: &mut Node, td: &'static TypeDef) {
    if let Value::Object(members) = &mut root.value {
        for m in members.iter_mut() {
            let field = td.field(&m.key);
            type_node(&mut m.node, field);
        }
    }
}

/// Whether [`apply_catalog`] would change anything in `root` for `td`: lets
/// detection skip copying the tree when the pass is a no-op (most payloads).
/// Mirrors the rules of `type_node` one for one, without changing anything.
pub fn changes(root: &Node, td: &'static TypeDef) -> bool {
    root.members()
        .iter()
        .any(|m| node_changes(&m.node, td.field(&m.key)))
}

fn node_changes(node: &Node, field: Option<&'static Field>) -> bool {
    let Some(f) = field else {
        return unknown_changes(node);
    };
    match f.ty {
        Ty::ObjectArray | Ty::StringArray => {
            let single = match (&node.value, f.ty) {
                (Value::Null, _) => node.xml == XmlForm::Empty,
                // One element of a field that repeats as siblings; under an
                // `<item>`-list field it is a missing `<item>`, for validation.
                (Value::Object(_), Ty::ObjectArray) | (Value::String(_), Ty::StringArray) => {
                    f.xml == Xml::Siblings
                }
                _ => false,
            };
            single
                || (f.ty == Ty::ObjectArray
                    && matches!(&node.value, Value::Array(items)
                        if items.iter().any(|item| members_change(item, f))))
        }
        Ty::Object => {
            (matches!(node.value, Value::Null) && node.xml == XmlForm::Empty)
                || (node.xml == XmlForm::Items
                    && f.child("item").is_some()
                    && matches!(node.value, Value::Array(_)))
                || match &node.value {
                    Value::Object(_) => members_change(node, f),
                    Value::Array(items) => items.iter().any(|item| members_change(item, f)),
                    _ => false,
                }
        }
        Ty::Boolean => bool_changes(node),
        Ty::String => empty_changes(node, f) || digits_change(node, f),
        _ => false,
    }
}

/// An empty element on a string field is the empty string (catalogue §8.3),
/// unless the field documents `null` as a variant.
fn empty_changes(node: &Node, f: &Field) -> bool {
    matches!(node.value, Value::Null)
        && node.xml == XmlForm::Empty
        && !f.variants.contains(&Ty::Null)
}

fn digits_change(node: &Node, f: &Field) -> bool {
    f.xml == Xml::Plain && node.xml == XmlForm::Plain && matches!(node.value, Value::Number(_))
}

fn members_change(node: &Node, f: &'static Field) -> bool {
    node.members()
        .iter()
        .any(|m| node_changes(&m.node, f.child(&m.key)))
}

fn unknown_changes(node: &Node) -> bool {
    match &node.value {
        Value::String(_) => bool_changes(node),
        Value::Object(members) => members.iter().any(|m| unknown_changes(&m.node)),
        Value::Array(items) => items.iter().any(unknown_changes),
        _ => false,
    }
}

fn bool_changes(node: &Node) -> bool {
    node.xml == XmlForm::Plain
        && matches!(&node.value, Value::String(s) if s == "true" || s == "false")
}

/// Types the value of a member whose catalogue field is `field` (`None`: unknown).
fn type_node(node: &mut Node, field: Option<&'static Field>) {
    let Some(f) = field else {
        type_unknown(node);
        return;
    };
    match f.ty {
        Ty::ObjectArray | Ty::StringArray => {
            let form = if f.xml == Xml::Siblings {
                XmlForm::Siblings
            } else {
                XmlForm::Items
            };
            let single = match (&node.value, f.ty) {
                (Value::Null, _) => node.xml == XmlForm::Empty,
                // One element of a field that repeats as siblings; under an
                // `<item>`-list field it is a missing `<item>`, for validation.
                (Value::Object(_), Ty::ObjectArray) | (Value::String(_), Ty::StringArray) => {
                    f.xml == Xml::Siblings
                }
                _ => false,
            };
            if single {
                let inner = std::mem::replace(&mut node.value, Value::Array(Vec::new()));
                if !matches!(inner, Value::Null) {
                    let element = Node {
                        pos: node.pos,
                        xml: node.xml,
                        value: inner,
                    };
                    node.value = Value::Array(vec![element]);
                }
                node.xml = form;
            }
            if f.ty == Ty::ObjectArray {
                if let Value::Array(items) = &mut node.value {
                    for item in items.iter_mut() {
                        type_members(item, f);
                    }
                }
            }
        }
        Ty::Object => {
            if matches!(node.value, Value::Null) && node.xml == XmlForm::Empty {
                node.value = Value::Object(Vec::new());
                node.xml = XmlForm::Nested;
            }
            // An object whose only children are `<item>`s (its other members
            // absent) reads as an `<item>` list; when the catalogue says it is an
            // object with an `item` member, rebuild that object. An `item` list
            // written as one element of `<item>`s (WeCom's `merged_msg`) is that
            // one child; one written as repeated elements is all of them.
            let item = f.child("item");
            if node.xml == XmlForm::Items && item.is_some() {
                if let Value::Array(items) = std::mem::replace(&mut node.value, Value::Null) {
                    let pos = items.first().map_or(node.pos, |i| i.pos);
                    let one_element = item.is_some_and(|i| i.xml == Xml::Items);
                    let siblings = |items: Vec<Node>| Node {
                        pos,
                        xml: XmlForm::Siblings,
                        value: Value::Array(items),
                    };
                    let value = match <[Node; 1]>::try_from(items) {
                        Ok([one]) if one_element => one,
                        Ok(one) => siblings(one.into()),
                        Err(items) => siblings(items),
                    };
                    node.value = Value::Object(vec![Member {
                        key: "item".to_string(),
                        key_pos: pos,
                        node: value,
                    }]);
                    node.xml = XmlForm::Nested;
                }
            }
            match &mut node.value {
                Value::Object(_) => type_members(node, f),
                // A repeated object element stays an array (validation reports it);
                // its objects are still typed.
                Value::Array(items) => items.iter_mut().for_each(|item| type_members(item, f)),
                _ => {}
            }
        }
        Ty::Boolean => plain_bool(node),
        Ty::String => {
            if empty_changes(node, f) {
                node.value = Value::String(String::new());
            }
            plain_digits(node, f);
        }
        _ => {}
    }
}

/// Types the members of an object whose fields are `f`'s children.
fn type_members(node: &mut Node, f: &'static Field) {
    if let Value::Object(members) = &mut node.value {
        for Member { key, node, .. } in members.iter_mut() {
            type_node(node, f.child(key));
        }
    }
}

/// A value (and everything below it) the catalogue knows nothing about: only the
/// boolean rule applies.
fn type_unknown(node: &mut Node) {
    match &mut node.value {
        Value::String(_) => plain_bool(node),
        Value::Object(members) => members.iter_mut().for_each(|m| type_unknown(&mut m.node)),
        Value::Array(items) => items.iter_mut().for_each(type_unknown),
        _ => {}
    }
}

/// Bare digits on a string field WeChat writes as bare text (`MsgDataId`,
/// `PopupScene`) → the string the catalogue's JSON form has: XML's form says
/// nothing about the type there.
fn plain_digits(node: &mut Node, f: &Field) {
    if !digits_change(node, f) {
        return;
    }
    if let Value::Number(n) = &mut node.value {
        node.value = Value::String(std::mem::take(n));
    }
}

/// Bare `true` / `false` → boolean. CDATA `true` was a string on purpose.
fn plain_bool(node: &mut Node) {
    if node.xml != XmlForm::Plain {
        return;
    }
    let b = match &node.value {
        Value::String(s) if s == "true" => true,
        Value::String(s) if s == "false" => false,
        _ => return,
    };
    node.value = Value::Bool(b);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Direction, Disc, PlatformId, Req};
    use crate::doc::Format;
    use crate::parse::xml::{extent, is_xml_char, parse};
    use crate::parse::{Extent, Limits};
    use crate::render::json_out::write_json;
    use crate::render::xml_out::write_xml;
    use proptest::collection::vec;
    use proptest::prelude::*;

    const fn f(name: &'static str, ty: Ty, xml: Xml) -> Field {
        Field::new(name, ty, xml, Req::Optional, "字段", "field")
    }

    static PIC: [Field; 1] = [f("PicMd5Sum", Ty::String, Xml::Cdata)];
    static LIST: [Field; 2] = [
        f("TemplateId", Ty::String, Xml::Cdata),
        f("Accepted", Ty::Boolean, Xml::Plain),
    ];
    static POPUP: [Field; 1] = [f("List", Ty::ObjectArray, Xml::Siblings).children(&LIST)];
    static INFO: [Field; 2] = [
        f("Count", Ty::Integer, Xml::Plain),
        f("Enabled", Ty::Boolean, Xml::Plain),
    ];
    static FIELDS: [Field; 9] = [
        f("Flag", Ty::Boolean, Xml::Plain),
        f("Name", Ty::String, Xml::Cdata),
        f("Pics", Ty::ObjectArray, Xml::Items).children(&PIC),
        f("Popup", Ty::Object, Xml::Nested).children(&POPUP),
        f("Tags", Ty::StringArray, Xml::Siblings),
        f("Labels", Ty::StringArray, Xml::Items),
        f("Info", Ty::Object, Xml::Nested).children(&INFO),
        f("Ids", Ty::ObjectArray, Xml::Siblings).children(&PIC),
        f("Staff", Ty::String, Xml::Cdata).variants(&[Ty::Null]),
    ];
    static TD: TypeDef = TypeDef {
        platform: PlatformId::OfficialAccount,
        id: "event.test",
        disc: Disc::Pascal,
        zh: "测试",
        en: "test",
        direction: Direction::SystemEvent,
        formats: &[Format::Xml, Format::Json],
        fields: &[&FIELDS],
        note: "",
    };

    /// The tree without positions and XML forms, for comparisons across formats.
    fn strip(node: &Node) -> Node {
        let value = match &node.value {
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            Value::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|m| Member {
                        key: m.key.clone(),
                        key_pos: 0,
                        node: strip(&m.node),
                    })
                    .collect(),
            ),
            v => v.clone(),
        };
        Node {
            pos: 0,
            xml: XmlForm::None,
            value,
        }
    }

    fn typed(xml: &str) -> Node {
        let (mut root, _, _) = parse(xml.as_bytes(), Limits::default()).unwrap();
        apply_catalog(&mut root, &TD);
        root
    }

    fn json(node: &Node) -> String {
        let mut out = Vec::new();
        write_json(&mut out, node, false);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn booleans_only_where_xml_could_not_say() {
        let root = typed(
            "<xml><Flag>true</Flag><Other>false</Other><Name>true</Name><Quoted><![CDATA[true]]></Quoted>\
             <Info><Count>1</Count><Enabled>false</Enabled><Extra>true</Extra></Info>\
             <Deep><X><item>true</item><item>no</item></X></Deep></xml>",
        );
        assert_eq!(
            json(&root),
            r#"{"Flag":true,"Other":false,"Name":"true","Quoted":"true","Info":{"Count":1,"Enabled":false,"Extra":true},"Deep":{"X":[true,"no"]}}"#
        );
        assert_eq!(root.get("Flag").unwrap().xml, XmlForm::Plain);
    }

    #[test]
    fn arrays_of_one_and_empty_containers() {
        let root = typed(
            "<xml><Popup><List><TemplateId><![CDATA[a]]></TemplateId><Accepted>true</Accepted></List></Popup>\
             <Pics><item><PicMd5Sum><![CDATA[m]]></PicMd5Sum></item></Pics>\
             <Tags><![CDATA[t]]></Tags><Labels/><Info/><Ids/></xml>",
        );
        assert_eq!(
            json(&root),
            r#"{"Popup":{"List":[{"TemplateId":"a","Accepted":true}]},"Pics":[{"PicMd5Sum":"m"}],"Tags":["t"],"Labels":[],"Info":{},"Ids":[]}"#
        );
        let list = root.get("Popup").unwrap().get("List").unwrap();
        assert_eq!(list.xml, XmlForm::Siblings);
        let Value::Array(items) = &list.value else {
            panic!()
        };
        assert_eq!(items[0].xml, XmlForm::Nested);
        assert_eq!(items[0].pos, list.pos);
        assert_eq!(root.get("Tags").unwrap().xml, XmlForm::Siblings);
        assert_eq!(root.get("Labels").unwrap().xml, XmlForm::Items);
        assert_eq!(root.get("Info").unwrap().xml, XmlForm::Nested);
        // Two siblings are already an array; their objects are still typed.
        let root = typed("<xml><Popup><List><Accepted>false</Accepted></List><List><Accepted>true</Accepted></List></Popup></xml>");
        assert_eq!(
            json(&root),
            r#"{"Popup":{"List":[{"Accepted":false},{"Accepted":true}]}}"#
        );
    }

    #[test]
    fn disagreements_are_left_for_validation() {
        let root = typed(
            "<xml><Flag><![CDATA[yes]]></Flag><Pics><![CDATA[x]]></Pics><Info>7</Info><Tags>12</Tags>\
             <Name/><Popup><List>3</List></Popup></xml>",
        );
        assert_eq!(
            json(&root),
            r#"{"Flag":"yes","Pics":"x","Info":7,"Tags":12,"Name":"","Popup":{"List":3}}"#
        );
    }

    #[test]
    fn a_missing_item_wrapper_is_left_for_validation() {
        // `Pics` and `Labels` are `<item>` lists: an object or text straight
        // inside is not one item of them.
        let root = typed(
            "<xml><Pics><PicMd5Sum><![CDATA[m]]></PicMd5Sum></Pics><Labels><![CDATA[a]]></Labels></xml>",
        );
        assert_eq!(json(&root), r#"{"Pics":{"PicMd5Sum":"m"},"Labels":"a"}"#);
        assert!(!changes(
            &parse(
                b"<xml><Pics><PicMd5Sum>m</PicMd5Sum></Pics><Labels>a</Labels></xml>",
                Limits::default()
            )
            .unwrap()
            .0,
            &TD
        ));
    }

    #[test]
    fn an_empty_element_on_a_string_field_is_the_empty_string() {
        let root = typed(
            "<xml><Name></Name><Info><Count/></Info><Staff/><Other/>\
             <Popup><List><TemplateId/></List></Popup></xml>",
        );
        // A numeric field, a field documenting null and an unknown one keep null.
        assert_eq!(
            json(&root),
            r#"{"Name":"","Info":{"Count":null},"Staff":null,"Other":null,"Popup":{"List":[{"TemplateId":""}]}}"#
        );
        assert_eq!(root.get("Name").unwrap().xml, XmlForm::Empty);
        // JSON -> XML -> JSON: "" is written as an empty CDATA section and reads
        // back the same; null on a string field reads back as "" and is named.
        let mut xml = Vec::new();
        let src = typed("<xml><Name><![CDATA[]]></Name><Staff/></xml>");
        write_xml(&mut xml, &src, Some(&TD), false).unwrap();
        assert!(crate::render::xml_out::reads_back_as(&src, Some(&TD), &xml).is_empty());
        let null = node(Value::Object(members(vec![("Name".into(), Value::Null)])));
        xml.clear();
        write_xml(&mut xml, &null, Some(&TD), false).unwrap();
        let loss = crate::render::xml_out::reads_back_as(&null, Some(&TD), &xml);
        assert_eq!(loss.len(), 1);
        assert_eq!(
            loss[0].to_string(),
            "/Name: null reads back from XML as a string; XML cannot tell them apart"
        );
    }

    /// Keys for generated trees: WeChat-like, never a catalogue name of [`TD`], never
    /// `item` (an object of only `item` keys reads back as an array) or `xml`.
    fn key() -> impl Strategy<Value = String> {
        "[A-Z][A-Za-z0-9_]{0,7}|[a-z][a-z0-9_]{0,7}".prop_filter("reserved", |k| {
            k != "item"
                && k != "xml"
                && !FIELDS
                    .iter()
                    .chain(&LIST)
                    .chain(&PIC)
                    .chain(&INFO)
                    .any(|f| f.name == k)
        })
    }

    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("]]>".to_owned()),
            Just("]]".to_owned()),
            Just("&".to_owned()),
            Just("&amp;".to_owned()),
            Just("<a>".to_owned()),
            Just("\r".to_owned()),
            Just("\r\n".to_owned()),
            Just(" ".to_owned()),
            Just("😀".to_owned()),
            Just("中文".to_owned()),
            Just("true".to_owned()),
            Just("12".to_owned()),
            any::<String>().prop_map(|s| s.chars().filter(|&c| is_xml_char(c)).collect()),
        ];
        vec(piece, 0..6).prop_map(|v| v.concat())
    }

    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            Just("18446744073709551616".to_owned()),
            "[1-9][0-9]{19,30}",
            "-?(0|[1-9][0-9]{0,12})\\.[0-9]{1,8}",
            Just("119.385040".to_owned()),
            "-?(0|[1-9][0-9]{0,6})(\\.[0-9]{1,4})?[eE][+-]?[0-9]{1,2}",
        ]
    }

    fn node(value: Value) -> Node {
        Node {
            pos: 0,
            xml: XmlForm::None,
            value,
        }
    }

    fn members(kv: Vec<(String, Value)>) -> Vec<Member> {
        let mut out: Vec<Member> = Vec::new();
        for (key, value) in kv {
            // Distinct keys: repeated keys are written as siblings and read back as one array.
            if !out.iter().any(|m| m.key == key) {
                out.push(Member {
                    key,
                    key_pos: 0,
                    node: node(value),
                });
            }
        }
        out
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            text().prop_map(Value::String),
            number().prop_map(Value::Number),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Null),
        ];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                vec((key(), inner.clone()), 1..5).prop_map(|kv| Value::Object(members(kv))),
                vec(inner, 1..4).prop_map(|v| Value::Array(v.into_iter().map(node).collect())),
            ]
        })
    }

    fn object_of(
        k: &'static str,
        s: impl Strategy<Value = String>,
    ) -> impl Strategy<Value = Value> {
        s.prop_map(move |s| Value::Object(members(vec![(k.to_owned(), Value::String(s))])))
    }

    /// [`value`] with what XML cannot carry as it is: empty arrays and objects,
    /// and objects whose keys are `item`.
    fn lossy_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            number().prop_map(Value::Number),
            Just(Value::Null),
            Just(Value::Array(Vec::new())),
            Just(Value::Object(Vec::new())),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            let item_key = prop_oneof![Just("item".to_owned()), key()];
            prop_oneof![
                vec((item_key, inner.clone()), 1..4).prop_map(|kv| Value::Object(members(kv))),
                vec(inner, 1..4).prop_map(|v| Value::Array(v.into_iter().map(node).collect())),
            ]
        })
    }

    /// A WeChat-shaped payload: unknown fields of every kind, plus optional known
    /// fields whose XML needs the catalogue (booleans, arrays of one).
    fn payload() -> impl Strategy<Value = Node> {
        let known = (
            proptest::option::of(any::<bool>()),
            proptest::option::of(vec(object_of("PicMd5Sum", text()), 1..3)),
            proptest::option::of(vec(
                (text(), any::<bool>()).prop_map(|(t, b)| {
                    Value::Object(members(vec![
                        ("TemplateId".into(), Value::String(t)),
                        ("Accepted".into(), Value::Bool(b)),
                    ]))
                }),
                1..3,
            )),
            proptest::option::of(vec(text(), 1..3)),
        );
        (vec((key(), value()), 0..8), known).prop_map(|(kv, (flag, pics, list, tags))| {
            let mut kv = kv;
            let arr = |v: Vec<Value>| Value::Array(v.into_iter().map(node).collect());
            if let Some(b) = flag {
                kv.push(("Flag".into(), Value::Bool(b)));
            }
            if let Some(p) = pics {
                kv.push(("Pics".into(), arr(p)));
            }
            if let Some(l) = list {
                kv.push((
                    "Popup".into(),
                    Value::Object(members(vec![("List".into(), arr(l))])),
                ));
            }
            if let Some(t) = tags {
                kv.push((
                    "Tags".into(),
                    arr(t.into_iter().map(Value::String).collect()),
                ));
            }
            node(Value::Object(members(kv)))
        })
    }

    /// The serde_json reading of a tree, numbers through serde_json's own parser.
    fn to_serde(node: &Node) -> serde_json::Value {
        match &node.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::from_str(n).unwrap(),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => serde_json::Value::Array(items.iter().map(to_serde).collect()),
            Value::Object(members) => serde_json::Value::Object(
                members
                    .iter()
                    .map(|m| (m.key.clone(), to_serde(&m.node)))
                    .collect(),
            ),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn json_to_xml_to_json_is_the_identity(root in payload(), pretty in any::<bool>()) {
            let mut xml = Vec::new();
            write_xml(&mut xml, &root, Some(&TD), pretty).unwrap();
            prop_assert_eq!(extent(&xml), Extent::Complete(xml.len()));
            let (mut back, end, notes) = parse(&xml, Limits::default())
                .map_err(|e| TestCaseError::fail(format!("{e:?} in {}", String::from_utf8_lossy(&xml))))?;
            prop_assert_eq!(end, xml.len());
            prop_assert!(notes.is_empty(), "{:?}", notes);
            apply_catalog(&mut back, &TD);
            prop_assert_eq!(strip(&back), strip(&root), "{}", String::from_utf8_lossy(&xml));
        }

        #[test]
        fn a_loss_is_named_exactly_when_xml_does_not_read_back_the_same(
            kv in vec((key(), lossy_value()), 1..5),
        ) {
            let root = node(Value::Object(members(kv)));
            let mut xml = Vec::new();
            write_xml(&mut xml, &root, Some(&TD), false).unwrap();
            let (mut back, _, _) = parse(&xml, Limits::default())
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            apply_catalog(&mut back, &TD);
            let same = strip(&back) == strip(&root);
            let loss = crate::render::xml_out::reads_back_as(&root, Some(&TD), &xml);
            prop_assert_eq!(loss.is_empty(), same, "{:?} in {}", loss, String::from_utf8_lossy(&xml));
        }

        #[test]
        fn write_json_reads_back_with_serde_json(root in payload(), pretty in any::<bool>()) {
            let mut out = Vec::new();
            write_json(&mut out, &root, pretty);
            let parsed: serde_json::Value = serde_json::from_slice(&out).unwrap();
            let expected = to_serde(&root);
            // preserve_order: the re-serialisations compare member order too.
            prop_assert_eq!(
                serde_json::to_string(&parsed).unwrap(),
                serde_json::to_string(&expected).unwrap()
            );
        }

        #[test]
        fn hostile_xml_never_panics(
            pieces in vec(prop_oneof![
                Just(&b"<a>"[..]), Just(&b"</a>"[..]), Just(&b"<b/>"[..]), Just(&b"<item>"[..]),
                Just(&b"</item>"[..]), Just(&b"<![CDATA["[..]), Just(&b"]]>"[..]), Just(&b"&amp;"[..]),
                Just(&b"&#0;"[..]), Just(&b"&#x1F600;"[..]), Just(&b"&nbsp;"[..]), Just(&b"&"[..]),
                Just(&b"<!--"[..]), Just(&b"-->"[..]), Just(&b"<xml>"[..]), Just(&b"</xml>"[..]),
                Just(&b"<!DOCTYPE x>"[..]), Just(&b"\0"[..]), Just(&b"\xff"[..]), Just(&b"\xe4\xb8"[..]),
                Just(&b" x=\"1\""[..]), Just(&b"12"[..]), Just(&b"<"[..]), Just(&b">"[..]),
                Just(&b"<?pi?>"[..]), Just(&b"<!"[..]),
            ], 0..40),
        ) {
            let mut doc = b"<xml>".to_vec();
            for p in pieces {
                doc.extend_from_slice(p);
            }
            let limits = Limits { max_depth: 8, max_fields: 30 };
            if let Ok((mut root, end, _)) = parse(&doc, limits) {
                prop_assert!(end <= doc.len());
                apply_catalog(&mut root, &TD);
                let mut out = Vec::new();
                write_json(&mut out, &root, true);
                let _ = write_xml(&mut out, &root, Some(&TD), false);
            }
            let _ = extent(&doc);
        }
    }

    /// `changes` says "no-op" exactly when `apply_catalog` leaves the tree as it is.
    fn agrees(root: &Node, td: &'static TypeDef) -> Result<(), TestCaseError> {
        let mut typed = root.clone();
        apply_catalog(&mut typed, td);
        prop_assert_eq!(changes(root, td), typed != *root, "{:?}", root);
        Ok(())
    }

    #[test]
    fn changes_agrees_on_every_fixture_and_type() {
        let mut checked = 0;
        for dir in [
            "fixtures/official-account",
            "fixtures/miniprogram",
            "fixtures/wecom-kf",
            "fixtures/devmode",
        ] {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for e in entries.flatten() {
                let text = std::fs::read(e.path()).unwrap();
                let Some(start) = text.windows(4).position(|w| w == b"<xml") else {
                    continue;
                };
                let Ok((root, _, _)) = parse(&text[start..], Limits::default()) else {
                    continue;
                };
                for td in crate::catalog::all_types() {
                    agrees(&root, td).unwrap();
                    checked += 1;
                }
            }
        }
        assert!(checked > 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn changes_predicts_apply_catalog(root in payload(), pretty in any::<bool>()) {
            let mut xml = Vec::new();
            write_xml(&mut xml, &root, Some(&TD), pretty).unwrap();
            let (back, _, _) = parse(&xml, Limits::default())
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            agrees(&back, &TD)?;
            for td in crate::catalog::all_types() {
                agrees(&back, td)?;
            }
        }

        #[test]
        fn changes_predicts_apply_catalog_on_odd_xml(
            pieces in vec(prop_oneof![
                Just("<Flag>true</Flag>"), Just("<Flag><![CDATA[true]]></Flag>"), Just("<Pics/>"),
                Just("<Pics><item><PicMd5Sum>x</PicMd5Sum></item></Pics>"), Just("<Tags>a</Tags>"),
                Just("<Popup><List><Accepted>false</Accepted></List></Popup>"), Just("<Popup/>"),
                Just("<Info><item><Count>1</Count></item><item/></Info>"), Just("<Info/>"),
                Just("<Other><x>true</x></Other>"), Just("<Ids><PicMd5Sum>1</PicMd5Sum></Ids>"),
                Just("<Labels><item>a</item></Labels>"), Just("<Labels/>"), Just("<Name>false</Name>"),
            ], 0..8),
        ) {
            let xml = format!("<xml>{}</xml>", pieces.concat());
            if let Ok((back, _, _)) = parse(xml.as_bytes(), Limits::default()) {
                agrees(&back, &TD)?;
            }
        }
    }
}
