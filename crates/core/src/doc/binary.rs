//! A compact binary form of a document, for this device's own storage (sync and the
//! journal stay JSON).
//!
//! Reading a large plan's JSON spent most of its time lexing text and looking up the
//! same few names (devices, authors, fields) over and over. This form names each of
//! those once, in a table, and refers to them by number; numbers are varints, strings
//! are length-prefixed, and record bodies are kept as the JSON text they are held in.
//! It holds exactly the state the JSON holds: a document read from it encodes to the
//! same canonical JSON bytes, and it is checked as strictly as JSON is. It has no keys,
//! so nothing unknown can hide in it (bytes after the end are refused); a name, id or
//! device given twice, or one write held twice with different contents, is damage.
//!
//! Layout (`varint` is unsigned LEB128, `str` is a varint length and UTF-8 bytes):
//!
//! ```text
//! document  = format:varint id:str names entities records
//! names     = count:varint str*                      (devices, authors, field names)
//! entities  = count:varint (id:str count:varint (name:ref register)*)*
//! register  = count:varint written*  count:varint (device:ref stamp:varint)*  count:varint written*
//! written   = stamp:varint device:ref author:ref signer value
//! records   = count:varint (id:str count:varint (stamp:varint device:ref signer body:str)*)*
//! signer    = account:ref name:ref                   (format 2 on; format 1 has none)
//! value     = 0 null | 1 false | 2 true | 3 u:varint | 4 (-1-i):varint | 5 f64 (8 bytes LE)
//!           | 6 str | 7 count:varint value* | 8 count:varint (key:str value)*
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

use super::register::RegisterWire;
use super::{intern, Body, Doc, DocError, Fields, RecordVersion, Register, Signer, Written};

/// The names a document uses, numbered in order of first use.
#[derive(Default)]
struct Names<'a> {
    numbers: FxHashMap<&'a str, u32>,
    list: Vec<&'a str>,
    /// Whether writes carry a signer (format 2 on).
    signed: bool,
}

impl<'a> Names<'a> {
    /// Writes the number of `name`, numbering it if it is new.
    fn put(&mut self, out: &mut Vec<u8>, name: &'a str) {
        let next = self.list.len() as u32;
        let n = *self.numbers.entry(name).or_insert_with(|| {
            self.list.push(name);
            next
        });
        varint(out, n as u64);
    }
}

/// Encodes `doc` in the binary form.
pub fn encode(doc: &Doc) -> Vec<u8> {
    // The body first, numbering names as they come; the table goes before it.
    let mut names = Names {
        signed: doc.format >= 2,
        ..Names::default()
    };
    let mut body = Vec::with_capacity(doc.entities.len() * 256 + doc.records.len() * 160);
    let out = &mut body;
    varint(out, doc.entities.len() as u64);
    for (id, fields) in &doc.entities {
        string(out, id);
        varint(out, fields.len() as u64);
        for (name, r) in fields {
            names.put(out, name);
            varint(out, r.values.len() as u64);
            for w in &r.values {
                written(out, &mut names, w);
            }
            varint(out, r.context.len() as u64);
            for (device, stamp) in &r.context {
                names.put(out, device);
                varint(out, *stamp);
            }
            varint(out, r.history.len() as u64);
            for w in &r.history {
                written(out, &mut names, w);
            }
        }
    }
    varint(out, doc.records.len() as u64);
    for (id, versions) in &doc.records {
        string(out, id);
        varint(out, versions.len() as u64);
        for v in versions {
            varint(out, v.stamp);
            names.put(out, &v.device);
            signer(out, &mut names, &v.signer);
            string(out, v.body.json());
        }
    }
    let mut head = Vec::with_capacity(64 + names.list.iter().map(|n| n.len() + 2).sum::<usize>());
    varint(&mut head, doc.format as u64);
    string(&mut head, &doc.id);
    varint(&mut head, names.list.len() as u64);
    for name in &names.list {
        string(&mut head, name);
    }
    head.append(&mut body);
    head
}

fn written<'a>(out: &mut Vec<u8>, names: &mut Names<'a>, w: &'a Written) {
    varint(out, w.stamp);
    names.put(out, &w.device);
    names.put(out, &w.author);
    signer(out, &mut *names, &w.signer);
    value(out, &w.value);
}

fn signer<'a>(out: &mut Vec<u8>, names: &mut Names<'a>, s: &'a Signer) {
    if !names.signed {
        return;
    }
    names.put(out, &s.account);
    names.put(out, &s.name);
}

fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(0),
        Value::Bool(false) => out.push(1),
        Value::Bool(true) => out.push(2),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                out.push(3);
                varint(out, u);
            } else if let Some(i) = n.as_i64() {
                out.push(4);
                varint(out, (-1 - i) as u64);
            } else {
                out.push(5);
                out.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_le_bytes());
            }
        }
        Value::String(s) => {
            out.push(6);
            string(out, s);
        }
        Value::Array(a) => {
            out.push(7);
            varint(out, a.len() as u64);
            for x in a {
                value(out, x);
            }
        }
        Value::Object(o) => {
            out.push(8);
            varint(out, o.len() as u64);
            for (k, x) in o {
                string(out, k);
                value(out, x);
            }
        }
    }
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn string(out: &mut Vec<u8>, s: &str) {
    varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Decodes the binary form. Damage is an error, never a panic or a partial document.
pub fn decode(bytes: &[u8]) -> Result<Doc, DocError> {
    let mut r = Reader {
        bytes,
        at: 0,
        signed: false,
    };
    let doc = r.doc().ok_or_else(|| {
        DocError::Malformed(format!("the stored plan is damaged (at byte {})", r.at))
    })?;
    if r.at != bytes.len() {
        return Err(DocError::Malformed(
            "the stored plan is damaged (bytes after its end)".into(),
        ));
    }
    Ok(doc)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Whether writes carry a signer (format 2 on).
    signed: bool,
}

/// Values nest at most this deep (as in serde_json, which refuses deeper nesting).
const MAX_DEPTH: u32 = 128;

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= ((b & 0x7f) as u64).checked_shl(shift)?;
            if b < 0x80 {
                return Some(n);
            }
        }
        None
    }

    /// A count of things each taking at least one byte: never more than the bytes left,
    /// so a damaged count cannot ask for a huge allocation.
    fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.varint()?).ok()?;
        (n <= self.bytes.len() - self.at).then_some(n)
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.count()?;
        let s = std::str::from_utf8(&self.bytes[self.at..self.at + n]).ok()?;
        self.at += n;
        Some(s)
    }

    fn name(&mut self, names: &[Arc<str>]) -> Option<Arc<str>> {
        names.get(usize::try_from(self.varint()?).ok()?).cloned()
    }

    fn doc(&mut self) -> Option<Doc> {
        let format = u32::try_from(self.varint()?).ok()?;
        self.signed = format >= 2;
        let id = self.str()?.to_owned();
        let n = self.count()?;
        let names = (0..n)
            .map(|_| self.str().map(intern))
            .collect::<Option<Vec<_>>>()?;
        let n = self.count()?;
        let mut entities = Vec::with_capacity(n);
        for _ in 0..n {
            let id = self.str()?.to_owned();
            let n = self.count()?;
            let mut fields = Vec::with_capacity(n);
            for _ in 0..n {
                let name = self.name(&names)?;
                fields.push((name, self.register(&names)?));
            }
            let fields = Fields::from_names(fields);
            if fields.len() != n {
                return None;
            }
            entities.push((id, fields));
        }
        let n = self.count()?;
        let mut records = Vec::with_capacity(n);
        for _ in 0..n {
            let id = self.str()?.to_owned();
            let n = self.count()?;
            let mut versions = Vec::with_capacity(n);
            for _ in 0..n {
                let stamp = self.varint()?;
                let device = self.name(&names)?;
                let signer = self.signer(&names)?;
                let body = RawValue::from_string(self.str()?.to_owned()).ok()?;
                versions.push(RecordVersion {
                    stamp,
                    device,
                    signer,
                    body: Body(Arc::from(body)),
                });
            }
            records.push((id, versions));
        }
        let (n_entities, n_records) = (entities.len(), records.len());
        let doc = Doc {
            format,
            id,
            entities: entities.into_iter().collect(),
            records: records.into_iter().collect(),
        };
        // An id given twice is damage, as in JSON.
        (doc.entities.len() == n_entities && doc.records.len() == n_records).then_some(doc)
    }

    fn register(&mut self, names: &[Arc<str>]) -> Option<Register> {
        let n = self.count()?;
        let values = (0..n)
            .map(|_| self.written(names))
            .collect::<Option<Vec<_>>>()?;
        let n = self.count()?;
        let mut context = BTreeMap::new();
        for _ in 0..n {
            let device = self.name(names)?;
            if context.insert(device, self.varint()?).is_some() {
                return None;
            }
        }
        let n = self.count()?;
        let history = (0..n)
            .map(|_| self.written(names))
            .collect::<Option<Vec<_>>>()?;
        Register::try_from(RegisterWire {
            values,
            context,
            history,
        })
        .ok()
    }

    fn written(&mut self, names: &[Arc<str>]) -> Option<Written> {
        Some(Written {
            stamp: self.varint()?,
            device: self.name(names)?,
            author: self.name(names)?,
            signer: self.signer(names)?,
            value: self.value(0)?,
        })
    }

    /// A write's signer; none in format 1, which had no accounts.
    fn signer(&mut self, names: &[Arc<str>]) -> Option<Signer> {
        if !self.signed {
            return Some(Signer::none());
        }
        let account = self.name(names)?;
        let name = self.name(names)?;
        // An unsigned write has no name either: one state, one encoding.
        (!account.is_empty() || name.is_empty()).then_some(Signer { account, name })
    }

    fn value(&mut self, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        Some(match self.byte()? {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::Number(self.varint()?.into()),
            4 => {
                let n = i64::try_from(self.varint()?).ok()?;
                Value::Number((-1 - n).into())
            }
            5 => {
                let b = self.bytes.get(self.at..self.at + 8)?;
                self.at += 8;
                let f = f64::from_le_bytes(b.try_into().ok()?);
                Value::Number(Number::from_f64(f)?)
            }
            6 => Value::String(self.str()?.to_owned()),
            7 => {
                let n = self.count()?;
                let a = (0..n)
                    .map(|_| self.value(depth + 1))
                    .collect::<Option<Vec<_>>>()?;
                Value::Array(a)
            }
            8 => {
                let n = self.count()?;
                let mut o = Map::new();
                for _ in 0..n {
                    let k = self.str()?.to_owned();
                    let v = self.value(depth + 1)?;
                    o.insert(k, v);
                }
                Value::Object(o)
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_of_value_reads_back_as_the_same_json() {
        let values = [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(u64::MAX),
            json!(-1),
            json!(i64::MIN),
            json!(1.5),
            json!(-0.0),
            json!(1e300),
            json!(""),
            json!("白鹤苑 \" \\ \n 🏗"),
            json!([1, [2, [3, {"a": null}]], "x"]),
            json!({"date": "2021-09-30", "precision": "month", "text": "计划9月底前完成", "n": {"m": []}}),
        ];
        for v in values {
            let mut out = Vec::new();
            value(&mut out, &v);
            let mut r = Reader {
                bytes: &out,
                at: 0,
                signed: true,
            };
            let back = r.value(0).unwrap();
            assert_eq!(r.at, out.len());
            assert_eq!(back.to_string(), v.to_string(), "{v}");
        }
    }

    #[test]
    fn damage_is_an_error_never_a_panic_or_a_huge_allocation() {
        let doc = crate::seed::xixing_2021();
        let bytes = doc.to_binary();
        assert_eq!(Doc::from_binary(&bytes).unwrap(), doc);
        for cut in 0..bytes.len().min(600) {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
        // A count far beyond the bytes left is refused before anything is allocated.
        let mut huge = Vec::new();
        varint(&mut huge, 1);
        string(&mut huge, "x");
        varint(&mut huge, u64::MAX >> 1);
        assert!(decode(&huge).is_err());
        // A value nested too deep is refused, not a stack overflow.
        let deep = [7u8, 1].repeat(100_000);
        let mut r = Reader {
            bytes: &deep,
            at: 0,
            signed: true,
        };
        assert!(r.value(0).is_none());
        // A body that is not JSON is refused.
        let mut bad = doc.clone();
        bad.records.clear();
        let mut bytes = bad.to_binary();
        bytes.pop(); // the record count (0)
        varint(&mut bytes, 1);
        string(&mut bytes, "r");
        varint(&mut bytes, 1);
        varint(&mut bytes, 5);
        varint(&mut bytes, 0);
        string(&mut bytes, "{not json");
        assert!(decode(&bytes).is_err());
    }

    /// What JSON refuses, the binary form refuses too: one write held twice with
    /// different contents, and a field, id or device given twice.
    #[test]
    fn a_write_or_name_held_twice_is_damage() {
        let w = |v: Value| Written {
            stamp: 1,
            device: intern("a"),
            author: intern(""),
            signer: Signer::none(),
            value: v,
        };
        let twice = Register {
            values: vec![w(json!("x"))],
            context: BTreeMap::new(),
            history: vec![w(json!("y"))],
        };
        let mut doc = Doc::new("x");
        doc.entities
            .insert("e".into(), Fields::from_names(vec![(intern("f"), twice)]));
        assert!(decode(&encode(&doc)).is_err());
        // The same field name twice: patch the encoding of two fields "f" and "g".
        let one = Register {
            values: vec![w(json!("x"))],
            ..Register::default()
        };
        let mut doc = Doc::new("x");
        let fields = vec![(intern("f"), one.clone()), (intern("g"), one)];
        doc.entities.insert("e".into(), Fields::from_names(fields));
        let bytes = encode(&doc);
        assert!(decode(&bytes).is_ok());
        // Names are numbered in order of first use: "f" is 0, "a" 1, "" 2, "g" 3.
        let g = bytes.iter().rposition(|&b| b == 3).unwrap();
        let mut patched = bytes.clone();
        patched[g] = 0;
        assert!(decode(&patched).is_err());
    }
}
