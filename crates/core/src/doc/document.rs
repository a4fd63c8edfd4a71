//! The document of one plan and its wire format: reading (strictly, in normal form),
//! the canonical encoding, the merge (a join) and the comparisons built on it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::binary;
use super::record::merge_versions;
use super::register::canonical_greater;
use super::{Fields, Register, Versions};

/// The format this build reads and writes. Documents with a greater number were written
/// by a newer Jindu: this build must not overwrite them.
pub const FORMAT: u32 = 1;

/// The replicated document of one plan (or of the plan index).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Doc {
    /// The format this document was written in.
    pub format: u32,
    /// Which document this is (a plan id, or `index`).
    pub id: String,
    /// Entities by id, each a map of field registers.
    pub entities: BTreeMap<String, Fields>,
    /// Progress records by id.
    pub records: BTreeMap<String, Versions>,
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
        // Format 1 is the first: later formats add a migration step here, as a pure
        // function from the older shape to the newer one.
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
        for versions in doc.records.values_mut() {
            versions.shrink_to_fit();
        }
        Ok(doc)
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
        let doc = binary::decode(bytes)?;
        doc.check_read()?;
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
                    Some(r) => changed |= r.merge(reg),
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
        let fields_held = other.entities.iter().all(|(id, fields)| {
            let Some(mine) = self.entities.get(id) else {
                return fields.is_empty();
            };
            fields.iter().all(|(name, reg)| match mine.get(name) {
                Some(r) if r == reg => true,
                Some(r) => {
                    let mut joined = r.clone();
                    joined.merge(reg);
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
                            .is_ok_and(|i| mine[i] == *v || !canonical_greater(v, &mine[i]))
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
        let text = r#"{"format":1,"id":"x","entities":{"a":{"title":{"v":[{"s":1,"d":"tab1","a":"甲","v":"A"}]}},"b":{"title":{"v":[{"s":2,"d":"tab1","a":"甲","v":"B"}],"c":{"tab1":5}}}},"records":{"r":[{"s":3,"d":"tab1","r":{}}]}}"#;
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
        let newer = br#"{"format": 2, "id": "x", "entities": {}, "records": {}}"#;
        assert_eq!(
            Doc::from_json(newer),
            Err(DocError::NewerFormat {
                found: 2,
                supported: 1
            })
        );
        // A newer format whose shape this one cannot read is still reported as newer.
        let reshaped = br#"{"format": 3, "id": "x", "entities": [[1]], "records": 7}"#;
        assert!(matches!(
            Doc::from_json(reshaped),
            Err(DocError::NewerFormat { found: 3, .. })
        ));
        assert!(matches!(
            Doc::from_json(br#"{"format": 1, "id": "x", "entities": [[1]], "records": {}}"#),
            Err(DocError::Malformed(_))
        ));
        assert!(matches!(
            Doc::from_json(b"{not json"),
            Err(DocError::Malformed(_))
        ));
        let doc = Doc::new("x");
        assert_eq!(Doc::from_json(&doc.to_json()).unwrap(), doc);
    }
}
