//! The document of one plan and its wire format: reading (strictly, in normal form),
//! the canonical encoding, the merge (a join) and the comparisons built on it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::binary;
use super::record::merge_versions;
use super::rewrite::{check_rewrite, Rewrite};
use super::{Fields, Register, Versions};

/// The format this build reads and writes. Documents with a greater number were written
/// by a newer Jindu: this build must not overwrite them.
pub const FORMAT: u32 = 3;

/// The replicated document of one plan (or of the plan index).
///
/// Read strictly: a key this format does not know, at any level of the document's own
/// structure, is refused rather than dropped (a document of a newer format is reported
/// as such), and so is a key given twice. Record bodies and field values are the
/// plan's content and are kept exactly as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Doc {
    /// The format this document was written in.
    pub format: u32,
    /// Which document this is (a plan id, or `index`).
    pub id: String,
    /// Entities by id, each a map of field registers.
    #[serde(deserialize_with = "unique_keys")]
    pub entities: BTreeMap<String, Fields>,
    /// Progress records by id.
    #[serde(deserialize_with = "unique_keys")]
    pub records: BTreeMap<String, Versions>,
}

/// Reads a map refusing a key given twice: which of the two was meant is unknowable,
/// and keeping either silently would hide the other.
fn unique_keys<'de, D, V>(d: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Visit<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visit<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of entities or records by id")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((id, v)) = m.next_entry::<String, V>()? {
                if out.contains_key(&id) {
                    return Err(serde::de::Error::custom(format!("'{id}' appears twice")));
                }
                out.insert(id, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Visit(std::marker::PhantomData))
}

/// What a merge changed ([`Doc::merge_changes`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Whether the document changed (a newer format alone counts).
    pub any: bool,
    /// The entities and records that changed, each once, in no particular order.
    pub ids: Vec<String>,
}

/// Errors reading a document.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocError {
    /// The bytes are not a Jindu document.
    #[error("not a Jindu document: {0}")]
    Malformed(String),
    /// Written by a newer format; this build must not touch it.
    #[error("the document uses format {found}, newer than this version of Jindu understands ({supported}); update Jindu to sync it")]
    NewerFormat { found: u32, supported: u32 },
    /// Two documents with different ids cannot merge.
    #[error("documents '{0}' and '{1}' are different plans")]
    DifferentDocuments(String, String),
    /// The other document holds a record version or field value of this one with other
    /// content: one of them was rewritten in place. Nothing was merged.
    #[error("{what} has two contents: {ours} here, {theirs} in the other copy; one of them was rewritten in place, so nothing was merged")]
    Rewritten {
        /// The record version or field value, in words (see [`Rewrite::what`]).
        what: String,
        /// The first characters of this document's content.
        ours: String,
        /// The first characters of the other document's content.
        theirs: String,
    },
}

impl From<Rewrite> for DocError {
    fn from(r: Rewrite) -> Self {
        DocError::Rewritten {
            what: r.what,
            ours: r.ours,
            theirs: r.theirs,
        }
    }
}

#[derive(Deserialize)]
struct FormatProbe {
    format: u32,
}

impl Doc {
    /// An empty document.
    pub fn new(id: impl Into<String>) -> Self {
        Doc {
            format: FORMAT,
            id: id.into(),
            entities: BTreeMap::new(),
            records: BTreeMap::new(),
        }
    }

    /// Parses a document, refusing newer formats and migrating older ones.
    pub fn from_json(bytes: &[u8]) -> Result<Self, DocError> {
        let mut doc: Doc = match serde_json::from_slice(bytes) {
            Ok(doc) => doc,
            // A newer format may not read as this one: say so rather than "malformed".
            Err(e) => {
                let probe = serde_json::from_slice::<FormatProbe>(bytes);
                check_format(probe.map_or(FORMAT, |p| p.format))?;
                return Err(DocError::Malformed(e.to_string()));
            }
        };
        doc.check_read()?;
        doc.migrate();
        for versions in doc.records.values_mut() {
            versions.shrink_to_fit();
        }
        Ok(doc)
    }

    /// Brings a document of an older format to this one, as a pure step per format:
    /// - 1 → 2: writes gain a signer (the account that wrote them); format 1 had no
    ///   accounts, so its writes read as unverified, which is what an absent signer says.
    /// - 2 → 3: records may list photos, a location and a capture time, sites their
    ///   coordinates, and the plan may hold the office's cell edits, reviews and issued
    ///   reports; every format 2 document is a format 3 one as it stands. The number
    ///   moves so that a format 2 build, which would drop those fields from a record it
    ///   corrects and could not keep an issue unchanged, refuses to write these
    ///   documents.
    fn migrate(&mut self) {
        self.format = self.format.max(FORMAT);
    }

    /// What reading checks of a document, in either form: a format this build knows, and
    /// the normal form.
    fn check_read(&self) -> Result<(), DocError> {
        check_format(self.format)?;
        self.check_normal_form()
    }

    /// The compact binary form this device stores (see `doc/binary.rs`).
    pub fn to_binary(&self) -> Vec<u8> {
        binary::encode(self)
    }

    /// Reads the binary form, as strictly as [`Doc::from_json`] reads JSON.
    pub fn from_binary(bytes: &[u8]) -> Result<Self, DocError> {
        let mut doc = binary::decode(bytes)?;
        doc.check_read()?;
        doc.migrate();
        Ok(doc)
    }

    /// The canonical encoding: the same state always gives the same bytes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a document of plain JSON values always serialises")
    }

    /// The size of the canonical encoding in bytes.
    pub fn encoded_len(&self) -> usize {
        self.to_json().len()
    }

    /// Rejects documents whose lists are out of canonical order (which a merge would not
    /// produce), so that a hand-edited or corrupted file is reported instead of merged.
    fn check_normal_form(&self) -> Result<(), DocError> {
        for (id, fields) in &self.entities {
            for (name, reg) in fields {
                let sorted = reg.values.windows(2).all(|w| w[0].dot() < w[1].dot());
                if !sorted || reg.values.is_empty() {
                    return Err(DocError::Malformed(format!(
                        "field {id}.{name} has no value or values out of order"
                    )));
                }
                if reg.values.iter().any(|w| !reg.has_seen(w.stamp, &w.device)) {
                    return Err(DocError::Malformed(format!(
                        "field {id}.{name} has a value missing from its context"
                    )));
                }
            }
        }
        for (id, versions) in &self.records {
            let sorted = versions
                .windows(2)
                .all(|w| (w[0].stamp, &w[0].device) < (w[1].stamp, &w[1].device));
            if !sorted || versions.is_empty() {
                return Err(DocError::Malformed(format!(
                    "record {id} has no version or versions out of order"
                )));
            }
        }
        Ok(())
    }

    /// The winning value of a field.
    pub fn get(&self, entity: &str, field: &str) -> Option<&Value> {
        self.entities
            .get(entity)?
            .get(field)?
            .winner()
            .map(|w| &w.value)
    }

    /// The register of a field.
    pub fn register(&self, entity: &str, field: &str) -> Option<&Register> {
        self.entities.get(entity)?.get(field)
    }

    /// Joins another replica of the same document into this one. Returns whether this
    /// one changed (it did not when it already held everything `other` holds).
    pub fn merge(&mut self, other: &Doc) -> Result<bool, DocError> {
        self.join(other, None)
    }

    /// [`merge`](Self::merge), saying which entities and records changed: what a view
    /// of this document must read again, and what another copy of it lacks.
    pub fn merge_changes(&mut self, other: &Doc) -> Result<Changes, DocError> {
        let mut ids = Vec::new();
        let any = self.join(other, Some(&mut ids))?;
        Ok(Changes { any, ids })
    }

    /// The merge, noting the ids that changed in `ids` when given (a plain merge does
    /// not pay for copying them).
    fn join(&mut self, other: &Doc, mut ids: Option<&mut Vec<String>>) -> Result<bool, DocError> {
        if self.id != other.id {
            return Err(DocError::DifferentDocuments(
                self.id.clone(),
                other.id.clone(),
            ));
        }
        // Checked before anything changes, so a refused merge leaves this document as it
        // was; what follows then finds equal content wherever both hold an identity.
        check_rewrite(self, other)?;
        let mut any = other.format > self.format;
        let mut note = |id: &String| {
            any = true;
            if let Some(ids) = ids.as_deref_mut() {
                ids.push(id.clone());
            }
        };
        self.format = self.format.max(other.format);
        for (id, fields) in &other.entities {
            let Some(mine) = self.entities.get_mut(id) else {
                self.entities.insert(id.clone(), fields.clone());
                note(id);
                continue;
            };
            let mut changed = false;
            for (name, reg) in fields {
                match mine.get_mut(name) {
                    Some(r) => changed |= r.join(reg),
                    None => {
                        mine.insert(name, reg.clone());
                        changed = true;
                    }
                }
            }
            if changed {
                note(id);
            }
        }
        if other.records.len() * 8 < self.records.len() {
            // A few records (a journal entry, a small sync): look each one up.
            for (id, versions) in &other.records {
                match self.records.get_mut(id) {
                    Some(mine) if mine == versions => {}
                    Some(mine) => {
                        if merge_versions(mine, versions) {
                            note(id);
                        }
                    }
                    None => {
                        self.records.insert(id.clone(), versions.clone());
                        note(id);
                    }
                }
            }
        } else {
            // Many: walk both maps in key order and build the joined map in one pass,
            // which is much cheaper than inserting each record.
            let mine = std::mem::take(&mut self.records);
            let mut theirs = other.records.iter().peekable();
            let mut joined = Vec::with_capacity(mine.len() + other.records.len());
            for (id, mut versions) in mine {
                while let Some((tid, tv)) = theirs.next_if(|(tid, _)| **tid < id) {
                    joined.push((tid.clone(), tv.clone()));
                    note(tid);
                }
                if let Some((_, tv)) = theirs.next_if(|(tid, _)| **tid == id) {
                    if versions != *tv && merge_versions(&mut versions, tv) {
                        note(&id);
                    }
                }
                joined.push((id, versions));
            }
            for (id, v) in theirs {
                joined.push((id.clone(), v.clone()));
                note(id);
            }
            self.records = joined.into_iter().collect();
        }
        Ok(any)
    }

    /// The part of this document that holds `ids` (entities or records; ids it lacks
    /// are left out): what a copy that lacks only those needs.
    pub fn subset<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Doc {
        let mut part = Doc::new(self.id.clone());
        part.format = self.format;
        for id in ids {
            if let Some(fields) = self.entities.get(id) {
                part.entities.insert(id.to_owned(), fields.clone());
            } else if let Some(versions) = self.records.get(id) {
                part.records.insert(id.to_owned(), versions.clone());
            }
        }
        part
    }

    /// Whether this document already holds everything `other` holds, so that writing
    /// this one in place of `other` loses nothing.
    pub fn contains(&self, other: &Doc) -> bool {
        if self.id != other.id || other.format > self.format {
            return false;
        }
        // A version or value held with other content is not held: writing this document
        // would rewrite it.
        if check_rewrite(self, other).is_err() {
            return false;
        }
        let fields_held = other.entities.iter().all(|(id, fields)| {
            let Some(mine) = self.entities.get(id) else {
                return fields.is_empty();
            };
            fields.iter().all(|(name, reg)| match mine.get(name) {
                Some(r) if r == reg => true,
                Some(r) => {
                    let mut joined = r.clone();
                    joined.join(reg);
                    joined == *r
                }
                None => false,
            })
        });
        fields_held
            && other.records.iter().all(|(id, versions)| {
                let Some(mine) = self.records.get(id) else {
                    return false;
                };
                mine == versions
                    || versions.iter().all(|v| {
                        mine.binary_search_by(|m| (m.stamp, &m.device).cmp(&(v.stamp, &v.device)))
                            .is_ok_and(|i| mine[i] == *v)
                    })
            })
    }

    /// The greatest stamp anywhere in the document (0 when empty).
    pub fn max_stamp(&self) -> u64 {
        let fields = self
            .entities
            .values()
            .flat_map(|f| f.values())
            .map(Register::max_seen);
        let records = self
            .records
            .values()
            .flat_map(|v| v.iter().map(|x| x.stamp));
        fields.chain(records).max().unwrap_or(0)
    }
}

/// Refuses a format newer than this build's.
fn check_format(found: u32) -> Result<(), DocError> {
    if found > FORMAT {
        return Err(DocError::NewerFormat {
            found,
            supported: FORMAT,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_read_document_holds_each_device_author_and_field_name_once() {
        let text = r#"{"format":3,"id":"x","entities":{"a":{"title":{"v":[{"s":1,"d":"tab1","a":"甲","v":"A"}]}},"b":{"title":{"v":[{"s":2,"d":"tab1","a":"甲","v":"B"}],"c":{"tab1":5}}}},"records":{"r":[{"s":3,"d":"tab1","r":{}}]}}"#;
        let doc = Doc::from_json(text.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(doc.to_json()).unwrap(), text);
        let a = doc.register("a", "title").unwrap().winner().unwrap();
        let b = doc.register("b", "title").unwrap().winner().unwrap();
        assert!(Arc::ptr_eq(&a.device, &b.device) && &*a.device == "tab1");
        assert!(Arc::ptr_eq(&a.author, &b.author) && &*a.author == "甲");
        assert!(Arc::ptr_eq(&a.device, &doc.records["r"][0].device));
        let (name_a, _) = doc.entities["a"].iter().next().unwrap();
        let (name_b, _) = doc.entities["b"].iter().next().unwrap();
        assert!(std::ptr::eq(name_a, name_b));
        assert!(doc.register("b", "title").unwrap().has_seen(5, "tab1"));
    }

    #[test]
    fn newer_formats_are_refused_and_garbage_is_reported() {
        let newer = br#"{"format": 4, "id": "x", "entities": {}, "records": {}}"#;
        assert_eq!(
            Doc::from_json(newer),
            Err(DocError::NewerFormat {
                found: 4,
                supported: 3
            })
        );
        // A newer format whose shape this one cannot read is still reported as newer.
        let reshaped = br#"{"format": 4, "id": "x", "entities": [[1]], "records": 7}"#;
        assert!(matches!(
            Doc::from_json(reshaped),
            Err(DocError::NewerFormat { found: 4, .. })
        ));
        assert!(matches!(
            Doc::from_json(br#"{"format": 2, "id": "x", "entities": [[1]], "records": {}}"#),
            Err(DocError::Malformed(_))
        ));
        assert!(matches!(
            Doc::from_json(b"{not json"),
            Err(DocError::Malformed(_))
        ));
        let doc = Doc::new("x");
        assert_eq!(Doc::from_json(&doc.to_json()).unwrap(), doc);
    }

    /// The document's own structure is read strictly: a key it does not know, at any
    /// level, is refused (not dropped, which would lose it on the next write), except
    /// that a newer format is still reported as newer. Content (record bodies, field
    /// values) is the plan's and is kept as written.
    #[test]
    fn unknown_keys_are_refused_at_every_level() {
        let good = r#"{"format":3,"id":"x","entities":{"e":{"f":{"v":[{"s":1,"d":"a","v":{"any":"key"}}],"c":{"b":2},"h":[{"s":0,"d":"b","v":0}]}}},"records":{"r":[{"s":1,"d":"a","r":{"any":"key"}}]}}"#;
        let doc = Doc::from_json(good.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(doc.to_json()).unwrap(), good);
        for (at, unknown) in [
            ("the document", r#"{"format":3,"zz":0,"#),
            ("a register", r#"{"f":{"zz":0,"v""#),
            ("a value", r#"{"s":1,"d":"a","zz":0,"v":{"any""#),
            ("a history entry", r#"[{"s":0,"d":"b","zz":0,"v":0}]"#),
            ("a record version", r#"[{"s":1,"d":"a","zz":0,"r""#),
        ] {
            let known = match at {
                "the document" => r#"{"format":3,"#,
                "a register" => r#"{"f":{"v""#,
                "a value" => r#"{"s":1,"d":"a","v":{"any""#,
                "a history entry" => r#"[{"s":0,"d":"b","v":0}]"#,
                _ => r#"[{"s":1,"d":"a","r""#,
            };
            assert_eq!(good.matches(known).count(), 1, "{at}");
            let text = good.replacen(known, unknown, 1);
            assert!(
                matches!(Doc::from_json(text.as_bytes()), Err(DocError::Malformed(e)) if e.contains("unknown field")),
                "{at}: {text}"
            );
        }
        let newer = good.replacen(r#"{"format":3,"#, r#"{"format":4,"zz":0,"#, 1);
        assert!(matches!(
            Doc::from_json(newer.as_bytes()),
            Err(DocError::NewerFormat { found: 4, .. })
        ));
    }

    /// A key given twice (an entity, a record, a field, a device in a context) is
    /// refused: a map would keep the last silently, hiding the first.
    #[test]
    fn keys_given_twice_are_refused() {
        let field = r#"{"v":[{"s":1,"d":"a","v":1}]}"#;
        let version = r#"[{"s":1,"d":"a","r":1}]"#;
        for text in [
            format!(r#"{{"format":3,"id":"x","entities":{{"e":{{"f":{field}}},"e":{{"g":{field}}}}},"records":{{}}}}"#),
            format!(r#"{{"format":3,"id":"x","entities":{{}},"records":{{"r":{version},"r":{version}}}}}"#),
            format!(r#"{{"format":3,"id":"x","entities":{{"e":{{"f":{field},"f":{field}}}}},"records":{{}}}}"#),
            r#"{"format":3,"id":"x","entities":{"e":{"f":{"v":[{"s":1,"d":"a","v":1}],"c":{"b":1,"b":2}}}},"records":{}}"#.to_owned(),
            r#"{"format":3,"format":3,"id":"x","entities":{},"records":{}}"#.to_owned(),
        ] {
            assert!(
                matches!(Doc::from_json(text.as_bytes()), Err(DocError::Malformed(_))),
                "{text}"
            );
        }
    }

    /// One identity, one content: a merge that finds two refuses, names both, and
    /// leaves the receiving document as it was; `contains` does not count it as held.
    #[test]
    fn a_merge_refuses_a_rewrite_and_changes_nothing() {
        let ours = r#"{"format":3,"id":"x","entities":{"e":{"f":{"v":[{"s":65536,"d":"a","v":"old"}]}}},"records":{"r":[{"s":1,"d":"a","r":{"p":1}}]}}"#;
        let mut doc = Doc::from_json(ours.as_bytes()).unwrap();
        let before = doc.clone();
        let record = ours.replace(r#"{"p":1}"#, r#"{"p":2}"#);
        let record = Doc::from_json(record.as_bytes()).unwrap();
        let field = Doc::from_json(ours.replace("old", "new").as_bytes()).unwrap();
        let mut more = field.clone();
        more.records.insert("s".into(), before.records["r"].clone());
        for (theirs, what) in [
            (&record, "record r's version written"),
            (
                &field,
                "field e.f's value written at 1970-01-01 00:00:00 UTC on device a (stamp 65536)",
            ),
            (&more, "field e.f's value"),
        ] {
            match doc.merge(theirs) {
                Err(DocError::Rewritten {
                    what: w,
                    ours,
                    theirs,
                }) => {
                    assert!(w.starts_with(what), "{w}");
                    assert!(ours.contains("1") || ours.contains("old"), "{ours}");
                    assert_ne!(ours, theirs);
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(doc, before);
            assert!(doc.merge_changes(theirs).is_err());
            assert_eq!(doc, before);
            assert!(!doc.contains(theirs) && !theirs.contains(&doc));
        }
        let e = DocError::from(check_rewrite(&doc, &field).unwrap_err());
        assert_eq!(
            e.to_string(),
            r#"field e.f's value written at 1970-01-01 00:00:00 UTC on device a (stamp 65536) has two contents: "old" here, "new" in the other copy; one of them was rewritten in place, so nothing was merged"#
        );
    }
}
