//! Progress records: append-only sets of versions, each with its content held as
//! canonical JSON text; a tombstone version deletes the record for good.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use super::intern::interned;
use super::{DeviceId, Signer};

/// One version of a progress record. Its stamp and device are its identity within the
/// record: one identity has one body (see `doc/rewrite.rs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordVersion {
    /// Stamp of this version.
    #[serde(rename = "s")]
    pub stamp: u64,
    /// The device that wrote this version.
    #[serde(rename = "d", deserialize_with = "interned")]
    pub device: DeviceId,
    /// The account that wrote this version (format 2); absent when unverified.
    #[serde(rename = "w", default, skip_serializing_if = "Signer::is_none")]
    pub signer: Signer,
    /// The record's content at this version; `null` marks a tombstone.
    #[serde(rename = "r")]
    pub body: Body,
}

impl RecordVersion {
    /// Whether this version deletes the record.
    pub fn is_tombstone(&self) -> bool {
        self.body.is_tombstone()
    }
}

/// A record version's content, held as canonical JSON text (keys sorted, no spaces:
/// the value as it prints).
///
/// Records are most of a large plan and are read only to build the plan view, so they
/// are kept as text (about a fifth of the memory of a parsed value) and the binary
/// snapshot reads them without building their maps. A document encodes to the same
/// bytes as when bodies were values. Shared, never changed after it is written: merging
/// copies a pointer, not the content.
#[derive(Clone)]
pub struct Body(pub(super) Arc<RawValue>);

impl Body {
    /// The content of `value` in canonical form (keys sorted, no spaces).
    pub fn new(value: &Value) -> Body {
        Body(Arc::from(
            serde_json::value::to_raw_value(value).expect("a JSON value always serialises"),
        ))
    }

    /// A tombstone: the content of a deleted record.
    pub fn tombstone() -> Body {
        Body::new(&Value::Null)
    }

    pub fn is_tombstone(&self) -> bool {
        self.json() == "null"
    }

    /// The content as JSON text.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The content parsed as `T`.
    pub fn read<'a, T: Deserialize<'a>>(&'a self) -> serde_json::Result<T> {
        serde_json::from_str(self.json())
    }
}

impl PartialEq for Body {
    fn eq(&self, other: &Body) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.json() == other.json()
    }
}

impl Eq for Body {}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.json())
    }
}

impl Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Read from JSON (a sync, the journal, a backup), a body is brought to its
        // canonical text, as the value it was before: a file edited by hand (spaces,
        // keys out of order) then holds the same state as every other replica. The
        // binary snapshot holds canonical text already and skips this.
        let value = Value::deserialize(d)?;
        Ok(Body::new(&value))
    }
}

/// The versions of one record, sorted by `(stamp, device)`.
pub type Versions = Vec<RecordVersion>;

/// Picks the version that stands: a tombstone if there is one, else the newest.
pub fn current_version(versions: &Versions) -> Option<&RecordVersion> {
    versions
        .iter()
        .rev()
        .find(|v| v.is_tombstone())
        .or_else(|| versions.last())
}

/// Joins a record's versions into ours; returns whether ours changed. The caller has
/// checked that no version both hold differs (`check_rewrite`): one held by both is
/// the same version, and ours stays.
pub(super) fn merge_versions(mine: &mut Versions, theirs: &Versions) -> bool {
    let mut changed = false;
    for v in theirs {
        match mine.binary_search_by(|m| (m.stamp, &m.device).cmp(&(v.stamp, &v.device))) {
            Ok(i) => debug_assert_eq!(mine[i], *v, "a rewrite reached the merge"),
            Err(i) => {
                mine.insert(i, v.clone());
                changed = true;
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Doc;
    use serde_json::json;

    #[test]
    fn a_tombstone_wins_over_a_later_correction() {
        let versions = vec![
            RecordVersion {
                stamp: 1,
                device: "a".into(),
                signer: Signer::none(),
                body: Body::new(&json!({"p": 10})),
            },
            RecordVersion {
                stamp: 2,
                device: "a".into(),
                signer: Signer::none(),
                body: Body::tombstone(),
            },
            RecordVersion {
                stamp: 3,
                device: "b".into(),
                signer: Signer::none(),
                body: Body::new(&json!({"p": 20})),
            },
        ];
        assert!(current_version(&versions).unwrap().is_tombstone());
    }

    #[test]
    fn record_bodies_are_held_as_canonical_text() {
        let canonical = r#"{"format":3,"id":"x","entities":{},"records":{"r1":[{"s":1,"d":"a","r":{"by":"甲","n":1.5,"on":"2021-07-01"}},{"s":2,"d":"a","r":null}]}}"#;
        let doc = Doc::from_json(canonical.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(doc.to_json()).unwrap(), canonical);
        let versions = &doc.records["r1"];
        assert!(!versions[0].is_tombstone() && versions[1].is_tombstone());
        let body: Value = versions[0].body.read().unwrap();
        assert_eq!(body, json!({"by": "甲", "n": 1.5, "on": "2021-07-01"}));
        // A file edited by hand (escapes, spaces, keys out of order, a trailing zero)
        // holds the same state, and encodes to the same bytes.
        let edited = br#"{"format":3,"id":"x","entities":{},"records":{"r1":[{"s":1,"d":"a","r": { "on" : "2021-07-01", "n": 1.50, "by":"\u7532" } },{"s":2,"d":"a","r": null }]}}"#;
        let read = Doc::from_json(edited).unwrap();
        assert_eq!(read, doc);
        assert_eq!(read.to_json(), doc.to_json());
        assert_eq!(
            Body::new(&json!({"b": 1, "a": [2]})).json(),
            r#"{"a":[2],"b":1}"#
        );
    }
}
