//! A payload value as a renderer walks it: a node of the owned tree, or a value
//! still on the fast lane's tape.
//!
//! The annotated tables show every valid payload, and most payloads take the
//! fast lane. Reading those straight off the tape spares building (and
//! dropping) a tree with a `String` per key and value only to print it. Both
//! sides read alike here: a tape value shows as the tree the full parser would
//! have built from the same text (`tests/lane.rs` holds the two to the same
//! bytes).

use crate::doc::{Member, Node, Value};
use crate::tape::{Children, Kind, View};
use std::borrow::Cow;

/// One payload value.
#[derive(Clone, Copy)]
pub enum Val<'a> {
    Node(&'a Node),
    Tape(View<'a>),
}

/// What a value is, with the text of a scalar.
pub enum Shape<'a> {
    Null,
    Bool(bool),
    /// The number's lexeme, as written.
    Number(&'a str),
    /// The string's decoded text.
    Str(Cow<'a, str>),
    Object {
        empty: bool,
    },
    Array {
        len: usize,
    },
}

/// A non-empty container (see [`Val::nested`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nested {
    Object,
    Array,
}

impl Shape<'_> {
    /// String or numeric text of a scalar, as [`Node::scalar_text`].
    pub fn scalar_text(&self) -> Option<&str> {
        match self {
            Shape::Str(s) => Some(s),
            Shape::Number(n) => Some(n),
            Shape::Bool(true) => Some("true"),
            Shape::Bool(false) => Some("false"),
            _ => None,
        }
    }
}

impl<'a> Val<'a> {
    /// What the value is.
    pub fn shape(self) -> Shape<'a> {
        match self {
            Val::Node(n) => match &n.value {
                Value::Null => Shape::Null,
                Value::Bool(b) => Shape::Bool(*b),
                Value::Number(s) => Shape::Number(s),
                Value::String(s) => Shape::Str(Cow::Borrowed(s)),
                Value::Object(m) => Shape::Object {
                    empty: m.is_empty(),
                },
                Value::Array(items) => Shape::Array { len: items.len() },
            },
            Val::Tape(v) => match v.kind() {
                Kind::Null => Shape::Null,
                Kind::True => Shape::Bool(true),
                Kind::False => Shape::Bool(false),
                Kind::Number => Shape::Number(v.raw()),
                Kind::Str | Kind::StrEsc => Shape::Str(v.str().unwrap_or_default()),
                Kind::Object => Shape::Object {
                    empty: v.children().next().is_none(),
                },
                Kind::Array => Shape::Array {
                    len: v.children().count(),
                },
            },
        }
    }

    /// True when the value's text (a string's or a number's) is known, without
    /// a look at it, to be printable ASCII with no `"` or `\`: a plain string
    /// or a number on the lane's tape, whose reader checked it.
    pub fn plain_text(self) -> bool {
        match self {
            Val::Tape(v) => match v.kind() {
                Kind::Number => true,
                Kind::Str => v.is_plain(),
                _ => false,
            },
            Val::Node(_) => false,
        }
    }

    /// [`Val::plain_text`] for the key of a member on the lane's tape.
    pub fn plain_key(self) -> bool {
        matches!(self, Val::Tape(v) if v.key_is_plain())
    }

    /// For an object or array with something inside: which of the two it is.
    /// Cheaper than [`Val::shape`], which decodes strings and counts items.
    pub fn nested(self) -> Option<Nested> {
        match self {
            Val::Node(n) => match &n.value {
                Value::Object(m) if !m.is_empty() => Some(Nested::Object),
                Value::Array(items) if !items.is_empty() => Some(Nested::Array),
                _ => None,
            },
            Val::Tape(v) => match v.kind() {
                Kind::Object if v.children().next().is_some() => Some(Nested::Object),
                Kind::Array if v.children().next().is_some() => Some(Nested::Array),
                _ => None,
            },
        }
    }

    /// The members of an object, in order (none for anything else).
    pub fn members(self) -> Members<'a> {
        match self {
            Val::Node(n) => Members::Node(n.members().iter()),
            Val::Tape(v) if v.kind() == Kind::Object => Members::Tape(v.children()),
            Val::Tape(_) => Members::Node([].iter()),
        }
    }

    /// The items of an array, in order (none for anything else).
    pub fn items(self) -> Items<'a> {
        match self {
            Val::Node(Node {
                value: Value::Array(items),
                ..
            }) => Items::Node(items.iter()),
            Val::Node(_) => Items::Node([].iter()),
            Val::Tape(v) if v.kind() == Kind::Array => Items::Tape(v.children()),
            Val::Tape(_) => Items::Node([].iter()),
        }
    }
}

/// The members of an object value: key and value.
pub enum Members<'a> {
    Node(std::slice::Iter<'a, Member>),
    Tape(Children<'a>),
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, Val<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Members::Node(it) => it.next().map(|m| (m.key.as_str(), Val::Node(&m.node))),
            // Tape keys hold no escapes: their text is the key.
            Members::Tape(it) => it.next().map(|v| (v.key(), Val::Tape(v))),
        }
    }
}

/// The items of an array value.
pub enum Items<'a> {
    Node(std::slice::Iter<'a, Node>),
    Tape(Children<'a>),
}

impl<'a> Iterator for Items<'a> {
    type Item = Val<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Items::Node(it) => it.next().map(Val::Node),
            Items::Tape(it) => it.next().map(Val::Tape),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{json, Limits};
    use crate::tape::Tape;

    /// Walks a value into a line of text, structure and scalars included.
    fn walk(v: Val<'_>, out: &mut String) {
        match v.shape() {
            Shape::Null => out.push_str("null"),
            Shape::Bool(b) => out.push_str(if b { "T" } else { "F" }),
            Shape::Number(n) => out.push_str(n),
            Shape::Str(s) => {
                out.push('"');
                out.push_str(&s);
                out.push('"');
            }
            Shape::Object { empty } => {
                out.push_str(if empty { "{0" } else { "{" });
                for (k, m) in v.members() {
                    out.push_str(k);
                    out.push('=');
                    walk(m, out);
                    out.push(';');
                }
                out.push('}');
            }
            Shape::Array { len } => {
                out.push_str(&format!("[{len}:"));
                for item in v.items() {
                    walk(item, out);
                    out.push(';');
                }
                out.push(']');
            }
        }
        if let Some(t) = v.shape().scalar_text() {
            out.push_str(&format!("<{t}>"));
        }
        out.push_str(&format!("{:?}", v.nested()));
    }

    #[test]
    fn a_tape_reads_as_the_tree_the_parser_builds() {
        for text in [
            r#"{"a":1,"b":"x\u00e9\n","c":[true,false,null,[],{}],"d":{"e":-0.5e2},"a":"dup"}"#,
            r#"[1,"two",{"k":[3]}]"#,
            r#""just a string""#,
            r#"{}"#,
        ] {
            let (node, _) =
                json::parse_str(text, json::Mode::Strict, Limits::default()).expect("valid JSON");
            let (tape, _) = Tape::read(text, Limits::default()).expect("strict JSON");
            let (mut from_tree, mut from_tape) = (String::new(), String::new());
            walk(Val::Node(&node), &mut from_tree);
            walk(Val::Tape(tape.root(text)), &mut from_tape);
            assert_eq!(from_tree, from_tape, "{text}");
        }
    }
}
