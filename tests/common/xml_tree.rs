//! A small XML element tree, read with quick-xml: for the tests that check
//! the JUnit report's structure (included with `#[path]` where used).

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

/// An XML element: name, attributes (values as a parser reads them), text
/// and children.
#[derive(Debug, Default)]
pub struct El {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<El>,
}

impl El {
    pub fn attr(&self, k: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&El> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
}

/// The root element of `xml`, read with a real parser.
pub fn xml_tree(xml: &str) -> El {
    let mut r = Reader::from_str(xml);
    let mut stack = vec![El::default()];
    loop {
        let ev = r.read_event().unwrap_or_else(|e| panic!("{e}: {xml}"));
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let el = El {
                    name: e.name().as_ref().to_string(),
                    attrs: e
                        .attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            let v = a.normalized_value(XmlVersion::Implicit1_0).unwrap();
                            (a.key.as_ref().to_string(), v.into_owned())
                        })
                        .collect(),
                    ..El::default()
                };
                if matches!(ev, Event::Start(_)) {
                    stack.push(el);
                } else {
                    stack.last_mut().unwrap().children.push(el);
                }
            }
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::GeneralRef(g) => {
                let s = match g.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => resolve_predefined_entity(&g.xml10_content())
                        .unwrap()
                        .to_string(),
                };
                stack.last_mut().unwrap().text.push_str(&s);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unbalanced XML");
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "one root element");
    root.children.pop().unwrap()
}
