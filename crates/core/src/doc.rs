//! The replicated document: a state-based CRDT that every device holds in full.
//!
//! A document is a map of entities (the plan's categories, items, targets, …), each a map
//! of field registers, plus the progress records. Merge is a join: commutative,
//! associative and idempotent, so any order of syncs converges on the same state, and the
//! canonical encoding turns the same state into the same bytes.
//!
//! - A field register is a multi-value register: each value carries its dot
//!   `(stamp, device)`, and the register remembers, per device, the newest stamp it has
//!   seen (its causal context). A write replaces every value its writer had seen; values
//!   written concurrently all survive. The greatest by `(stamp, device)` is the winner and
//!   the others are open conflicts until somebody writes again.
//! - Each register also keeps the newest [`HISTORY_PER_FIELD`] values ever written to it
//!   (who, when, what), so that the field's history travels with the document while
//!   staying small.
//! - Progress records are append-only sets of versions. A correction is a new version, a
//!   deletion is a tombstone version, and a tombstone wins over every other version, so a
//!   deleted record never comes back.

mod binary;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

/// The format this build reads and writes. Documents with a greater number were written
/// by a newer Jindu: this build must not overwrite them.
pub const FORMAT: u32 = 1;

/// How many of the newest values each register keeps in its history.
pub const HISTORY_PER_FIELD: usize = 4;

/// A device id: short, random per install. Shared: a plan names a few devices on every
/// one of its values, so reading one holds each name once (see [`intern`]).
pub type DeviceId = Arc<str>;

/// The shared copy of a short string that recurs throughout documents (device ids,
/// authors, field names): reading a large plan then allocates each once instead of on
/// every value, which was a large part of its memory and of the time to read it.
/// The table only grows; it holds the few names this device has met.
pub fn intern(s: &str) -> Arc<str> {
    thread_local! {
        static TABLE: std::cell::RefCell<rustc_hash::FxHashSet<Arc<str>>> =
            Default::default();
    }
    TABLE.with_borrow_mut(|table| match table.get(s) {
        Some(shared) => shared.clone(),
        None => {
            let shared: Arc<str> = Arc::from(s);
            table.insert(shared.clone());
            shared
        }
    })
}

fn is_empty(s: &Arc<str>) -> bool {
    s.is_empty()
}

/// Deserializes a string as its [`intern`]ed copy.
fn interned<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
    struct Visit;
    impl serde::de::Visitor<'_> for Visit {
        type Value = Arc<str>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Arc<str>, E> {
            Ok(intern(s))
        }
    }
    d.deserialize_str(Visit)
}

/// A string read as its [`intern`]ed copy (for map keys).
struct Shared(Arc<str>);

impl<'de> Deserialize<'de> for Shared {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Shared, D::Error> {
        interned(d).map(Shared)
    }
}

/// Deserializes a causal context with [`intern`]ed device ids.
fn interned_context<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<DeviceId, u64>, D::Error> {
    struct Visit;
    impl<'de> serde::de::Visitor<'de> for Visit {
        type Value = BTreeMap<DeviceId, u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of stamps by device")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((Shared(device), stamp)) = m.next_entry::<Shared, u64>()? {
                out.insert(device, stamp);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Visit)
}

/// One value written to a field, with its dot and author.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    /// Hybrid logical clock stamp of the write.
    #[serde(rename = "s")]
    pub stamp: u64,
    /// The device that wrote it.
    #[serde(rename = "d", deserialize_with = "interned")]
    pub device: DeviceId,
    /// Who was using the device.
    #[serde(
        rename = "a",
        default,
        skip_serializing_if = "is_empty",
        deserialize_with = "interned"
    )]
    pub author: Arc<str>,
    /// The value.
    #[serde(rename = "v")]
    pub value: Value,
}

impl Written {
    fn dot(&self) -> (u64, &str) {
        (self.stamp, &self.device)
    }
}

/// A multi-value register with its causal context and a short history.
///
/// Its whole state is the surviving values, the newest stamp seen from each device (the
/// causal context) and the newest [`HISTORY_PER_FIELD`] values ever written (current ones
/// included). A register holds that state as it is stored, leaving out what the values
/// already say: context entries equal to a device's value and history entries that are
/// current values. That is most of both, so a typical register holds its value and no
/// more, which keeps a large plan small in memory and quick to read. The whole state is
/// rebuilt only to write or merge.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RegisterWire")]
pub struct Register {
    /// Surviving values, sorted by dot; more than one means an open conflict.
    #[serde(rename = "v")]
    values: Vec<Written>,
    /// Newest stamp seen from each device, where the values do not show it.
    #[serde(rename = "c", default, skip_serializing_if = "BTreeMap::is_empty")]
    context: BTreeMap<DeviceId, u64>,
    /// The newest values ever written that are no longer current, newest first.
    #[serde(rename = "h", default, skip_serializing_if = "Vec::is_empty")]
    history: Vec<Written>,
}

/// A register as read, before what the values say is left out (it usually already is).
#[derive(Deserialize)]
struct RegisterWire {
    #[serde(rename = "v")]
    values: Vec<Written>,
    #[serde(rename = "c", default, deserialize_with = "interned_context")]
    context: BTreeMap<DeviceId, u64>,
    #[serde(rename = "h", default)]
    history: Vec<Written>,
}

impl From<RegisterWire> for Register {
    fn from(mut w: RegisterWire) -> Self {
        // Read vectors grow by doubling: a lone value would hold room for four.
        w.values.shrink_to_fit();
        w.history.shrink_to_fit();
        let r = Register {
            values: w.values,
            context: w.context,
            history: w.history,
        };
        if r.is_compact() {
            r
        } else {
            let mut whole = Whole::default();
            whole.add(&r);
            whole.into_register(r.values.clone())
        }
    }
}

/// A register's whole context and history, gathered by reference from registers (each
/// with its values put back) and single writes, as writing and merging need them.
#[derive(Default)]
struct Whole<'a> {
    context: BTreeMap<&'a str, u64>,
    /// The newest values, newest first, at most [`HISTORY_PER_FIELD`].
    history: Vec<&'a Written>,
}

impl<'a> Whole<'a> {
    /// A write: its device has seen its stamp, and it joins the history.
    fn add_written(&mut self, w: &'a Written) {
        let seen = self.context.entry(&w.device).or_insert(0);
        *seen = (*seen).max(w.stamp);
        push_history(&mut self.history, w);
    }

    /// A register's whole state.
    fn add(&mut self, r: &'a Register) {
        for (device, &stamp) in &r.context {
            let seen = self.context.entry(device).or_insert(0);
            *seen = (*seen).max(stamp);
        }
        for h in r.history.iter().take(HISTORY_PER_FIELD) {
            push_history(&mut self.history, h);
        }
        for v in &r.values {
            self.add_written(v);
        }
    }

    /// The register holding `values` with this context and history, leaving out what
    /// the values say.
    fn into_register(self, values: Vec<Written>) -> Register {
        let context = self
            .context
            .into_iter()
            .filter(|(d, s)| newest_value(&values, d) != Some(*s))
            .map(|(d, s)| (intern(d), s))
            .collect();
        let history = self
            .history
            .into_iter()
            .filter(|h| !values.iter().any(|v| v.dot() == h.dot()))
            .cloned()
            .collect();
        Register {
            values,
            context,
            history,
        }
    }
}

impl Register {
    /// Whether this is already what [`Whole::into_register`] makes of it (true of every
    /// register this build writes), so reading it needs no rebuilding.
    fn is_compact(&self) -> bool {
        let context_ok = self
            .context
            .iter()
            .all(|(d, &s)| newest_value(&self.values, d).is_none_or(|m| s > m));
        let h = &self.history;
        let history_ok = h.len() <= HISTORY_PER_FIELD
            && h.windows(2).all(|p| p[0].dot() > p[1].dot())
            && !h
                .iter()
                .any(|x| self.values.iter().any(|v| v.dot() == x.dot()))
            && h.last().is_none_or(|oldest| {
                let newer_values = self
                    .values
                    .iter()
                    .filter(|v| v.dot() > oldest.dot())
                    .count();
                h.len() + newer_values <= HISTORY_PER_FIELD
            });
        context_ok && history_ok
    }

    /// The surviving values, sorted by dot; more than one means an open conflict.
    pub fn values(&self) -> &[Written] {
        &self.values
    }

    /// The newest values ever written here (current ones included), newest first.
    pub fn history(&self) -> Vec<Written> {
        let mut whole = Whole::default();
        whole.add(self);
        whole.history.into_iter().cloned().collect()
    }

    /// The winning value: the greatest by `(stamp, device)`.
    pub fn winner(&self) -> Option<&Written> {
        self.values.last()
    }

    /// The values that lost to the winner and are kept as an open conflict.
    pub fn conflicts(&self) -> &[Written] {
        match self.values.len() {
            0 => &[],
            n => &self.values[..n - 1],
        }
    }

    /// The greatest stamp of any surviving value (0 when empty).
    pub fn max_stamp(&self) -> u64 {
        self.values.iter().map(|w| w.stamp).max().unwrap_or(0)
    }

    /// The greatest stamp the register has seen, replaced values included (0 when empty).
    pub fn max_seen(&self) -> u64 {
        self.context
            .values()
            .copied()
            .max()
            .unwrap_or(0)
            .max(self.max_stamp())
    }

    /// Writes a value that replaces everything this replica has seen in the register.
    pub fn write(&mut self, written: Written) {
        let mut whole = Whole::default();
        whole.add(self);
        whole.add_written(&written);
        *self = whole.into_register(vec![written.clone()]);
    }

    /// Whether the register has seen the write with this dot (it survives or was replaced).
    pub fn has_seen(&self, stamp: u64, device: &str) -> bool {
        self.context.get(device).is_some_and(|&s| s >= stamp)
            || self
                .values
                .iter()
                .any(|w| &*w.device == device && w.stamp >= stamp)
    }

    /// Joins another replica's register into this one. Returns whether this one changed.
    pub fn merge(&mut self, other: &Register) -> bool {
        // Most registers are the same on both sides: nothing to do.
        if self == other {
            return false;
        }
        let mut kept: BTreeMap<(u64, &str), &Written> = BTreeMap::new();
        for (mine, theirs) in [(&*self, other), (other, &*self)] {
            for w in &mine.values {
                let in_both = theirs.values.iter().any(|t| t.dot() == w.dot());
                if in_both || !theirs.has_seen(w.stamp, &w.device) {
                    kept.entry(w.dot())
                        .and_modify(|k| {
                            // Equal dots carry equal values from honest devices; pick one
                            // deterministically should they ever differ.
                            if canonical_greater(w, *k) {
                                *k = w;
                            }
                        })
                        .or_insert(w);
                }
            }
        }
        let values: Vec<Written> = kept.into_values().cloned().collect();
        let mut whole = Whole::default();
        whole.add(self);
        whole.add(other);
        let joined = whole.into_register(values);
        let changed = joined != *self;
        *self = joined;
        changed
    }
}

/// The newest stamp among the values `device` wrote: the context entry they imply.
fn newest_value(values: &[Written], device: &str) -> Option<u64> {
    values
        .iter()
        .filter(|w| &*w.device == device)
        .map(|w| w.stamp)
        .max()
}

/// Orders two entries that share a dot (which honest devices never produce) by their
/// canonical encoding, so that even then every replica keeps the same one.
fn canonical_greater<T: Serialize>(a: &T, b: &T) -> bool {
    let enc = |x: &T| serde_json::to_vec(x).unwrap_or_default();
    enc(a) > enc(b)
}

/// Inserts into a newest-first history capped at [`HISTORY_PER_FIELD`], without duplicates
/// (of a dot, the first inserted stays).
fn push_history<'a>(history: &mut Vec<&'a Written>, written: &'a Written) {
    if history.iter().any(|h| h.dot() == written.dot()) {
        return;
    }
    let at = history
        .iter()
        .position(|h| h.dot() < written.dot())
        .unwrap_or(history.len());
    history.insert(at, written);
    history.truncate(HISTORY_PER_FIELD);
}

/// An entity's fields, by name, in name order.
///
/// A sorted vector rather than a `BTreeMap`: entities have a handful of fields, and a
/// tree's node holds room for eleven, which made the maps most of a large plan's memory.
/// Serialized as a JSON object, like the map it replaces.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields(Vec<(Arc<str>, Register)>);

/// A field's place in [`Fields`], to fill with a default register when it is empty.
pub struct FieldEntry<'a> {
    fields: &'a mut Fields,
    name: &'a str,
}

impl<'a> FieldEntry<'a> {
    /// The field's register, added empty when the entity has no such field.
    pub fn or_default(self) -> &'a mut Register {
        let i = match self.fields.find(self.name) {
            Ok(i) => i,
            Err(i) => {
                self.fields
                    .0
                    .insert(i, (intern(self.name), Register::default()));
                i
            }
        };
        &mut self.fields.0[i].1
    }
}

impl Fields {
    fn find(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(n, _)| (**n).cmp(name))
    }

    pub fn get(&self, name: &str) -> Option<&Register> {
        self.find(name).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Register> {
        self.find(name).ok().map(|i| &mut self.0[i].1)
    }

    /// Sets a field's register, returning the one it replaces.
    pub fn insert(&mut self, name: &str, register: Register) -> Option<Register> {
        match self.find(name) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, register)),
            Err(i) => {
                self.0.insert(i, (intern(name), register));
                None
            }
        }
    }

    pub fn entry<'a>(&'a mut self, name: &'a str) -> FieldEntry<'a> {
        FieldEntry { fields: self, name }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Register)> {
        self.0.iter().map(|(n, r)| (&**n, r))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| &**n)
    }

    pub fn values(&self) -> impl Iterator<Item = &Register> {
        self.0.iter().map(|(_, r)| r)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = (&'a str, &'a Register);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Arc<str>, Register)>,
        fn(&'a (Arc<str>, Register)) -> (&'a str, &'a Register),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(n, r)| (&**n, r))
    }
}

impl Fields {
    /// Fields from names already shared; later entries with the same name replace
    /// earlier ones, as in a map.
    fn from_names(mut v: Vec<(Arc<str>, Register)>) -> Fields {
        if !v.windows(2).all(|p| p[0].0 < p[1].0) {
            v.reverse();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v.dedup_by(|later, kept| later.0 == kept.0);
        }
        v.shrink_to_fit();
        Fields(v)
    }
}

impl<S: AsRef<str>> FromIterator<(S, Register)> for Fields {
    /// Later entries with the same name replace earlier ones, as in a map.
    fn from_iter<I: IntoIterator<Item = (S, Register)>>(iter: I) -> Self {
        Fields::from_names(
            iter.into_iter()
                .map(|(n, r)| (intern(n.as_ref()), r))
                .collect(),
        )
    }
}

impl Serialize for Fields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (n, r) in &self.0 {
            map.serialize_entry(&**n, r)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Fields, A::Error> {
                let mut v = Vec::with_capacity(m.size_hint().unwrap_or(4));
                while let Some((Shared(name), register)) = m.next_entry::<Shared, Register>()? {
                    v.push((name, register));
                }
                // Canonical documents list fields in order: then this sorts nothing.
                Ok(Fields::from_names(v))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// One version of a progress record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordVersion {
    /// Stamp of this version.
    #[serde(rename = "s")]
    pub stamp: u64,
    /// The device that wrote this version.
    #[serde(rename = "d", deserialize_with = "interned")]
    pub device: DeviceId,
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
pub struct Body(Arc<RawValue>);

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

/// Joins a record's versions into ours; returns whether ours changed.
fn merge_versions(mine: &mut Versions, theirs: &Versions) -> bool {
    let mut changed = false;
    for v in theirs {
        match mine.binary_search_by(|m| (m.stamp, &m.device).cmp(&(v.stamp, &v.device))) {
            Ok(i) => {
                if canonical_greater(v, &mine[i]) {
                    mine[i] = v.clone();
                    changed = true;
                }
            }
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
    use serde_json::json;

    fn w(stamp: u64, device: &str, v: Value) -> Written {
        Written {
            stamp,
            device: device.into(),
            author: "".into(),
            value: v,
        }
    }

    #[test]
    fn concurrent_writes_are_kept_as_a_conflict_and_a_later_write_resolves_it() {
        let mut a = Register::default();
        a.write(w(1, "a", json!("base")));
        let mut b = a.clone();
        a.write(w(5, "a", json!("from a")));
        b.write(w(6, "b", json!("from b")));
        let mut ab = a.clone();
        ab.merge(&b);
        assert_eq!(ab.winner().unwrap().value, json!("from b"));
        assert_eq!(ab.conflicts().len(), 1);
        assert_eq!(ab.conflicts()[0].value, json!("from a"));
        // Resolving: a write after seeing both replaces both.
        ab.write(w(7, "a", json!("agreed")));
        let mut back = b.clone();
        back.merge(&ab);
        assert_eq!(back.values().len(), 1);
        assert_eq!(back.winner().unwrap().value, json!("agreed"));
        assert_eq!(back.history().len(), 4);
    }

    #[test]
    fn a_value_replaced_by_a_third_device_is_still_a_conflict_when_concurrent() {
        // a and c write concurrently; b sees only c, then writes; merging a in must
        // keep a's value, since nobody who wrote had seen it.
        let mut base = Register::default();
        base.write(w(1, "x", json!(0)));
        let mut a = base.clone();
        a.write(w(10, "a", json!("a")));
        let mut c = base.clone();
        c.write(w(11, "c", json!("c")));
        let mut b = base.clone();
        b.merge(&c);
        b.write(w(12, "b", json!("b")));
        let mut all = b.clone();
        all.merge(&a);
        let values: Vec<_> = all.values().iter().map(|w| w.value.clone()).collect();
        assert_eq!(values, vec![json!("a"), json!("b")]);
    }

    /// Registers are held as they are stored; the stored form is the one earlier versions
    /// wrote (these strings are what they wrote for the same writes and merges), and
    /// reading it back gives the same register.
    #[test]
    fn registers_keep_their_stored_form() {
        let w = |stamp: u64, device: &str, v: Value| Written {
            stamp,
            device: device.into(),
            author: format!("au{stamp}").into(),
            value: v,
        };
        let mut out = Vec::new();
        let mut a = Register::default();
        a.write(w(1, "a", json!("base")));
        let mut b = a.clone();
        a.write(w(5, "a", json!("from a")));
        b.write(w(6, "b", json!("from b")));
        let mut ab = a.clone();
        ab.merge(&b);
        out.push(ab.clone());
        let mut c = ab.clone();
        c.write(w(7, "c", json!("agreed")));
        out.push(c.clone());
        let mut d = b.clone();
        d.merge(&c);
        d.write(w(9, "d", json!(9)));
        d.write(w(10, "a", json!(10)));
        d.write(w(11, "b", json!(11)));
        out.push(d.clone());
        let mut e = a.clone();
        e.write(w(2, "z", json!("old concurrent")));
        let mut f = d.clone();
        f.merge(&e);
        out.push(f.clone());
        let mut g = Register::default();
        g.write(w(3, "a", json!(3)));
        g.write(w(4, "b", json!(4)));
        out.push(g);
        let expected = [
            r#"{"v":[{"s":5,"d":"a","a":"au5","v":"from a"},{"s":6,"d":"b","a":"au6","v":"from b"}],"h":[{"s":1,"d":"a","a":"au1","v":"base"}]}"#,
            r#"{"v":[{"s":7,"d":"c","a":"au7","v":"agreed"}],"c":{"a":5,"b":6},"h":[{"s":6,"d":"b","a":"au6","v":"from b"},{"s":5,"d":"a","a":"au5","v":"from a"},{"s":1,"d":"a","a":"au1","v":"base"}]}"#,
            r#"{"v":[{"s":11,"d":"b","a":"au11","v":11}],"c":{"a":10,"c":7,"d":9},"h":[{"s":10,"d":"a","a":"au10","v":10},{"s":9,"d":"d","a":"au9","v":9},{"s":7,"d":"c","a":"au7","v":"agreed"}]}"#,
            r#"{"v":[{"s":2,"d":"z","a":"au2","v":"old concurrent"},{"s":11,"d":"b","a":"au11","v":11}],"c":{"a":10,"c":7,"d":9},"h":[{"s":10,"d":"a","a":"au10","v":10},{"s":9,"d":"d","a":"au9","v":9},{"s":7,"d":"c","a":"au7","v":"agreed"}]}"#,
            r#"{"v":[{"s":4,"d":"b","a":"au4","v":4}],"c":{"a":3},"h":[{"s":3,"d":"a","a":"au3","v":3}]}"#,
        ];
        for (r, want) in out.iter().zip(expected) {
            assert_eq!(serde_json::to_string(r).unwrap(), want);
            let back: Register = serde_json::from_str(want).unwrap();
            assert_eq!(&back, r);
            assert!(back.is_compact());
        }
        // Seen from the whole state: f has seen every write, keeps two values and the
        // four newest writes.
        assert!(f.has_seen(7, "c") && f.has_seen(2, "z") && !f.has_seen(12, "b"));
        assert_eq!(f.max_seen(), 11);
        let dots: Vec<_> = f.history().iter().map(|h| h.stamp).collect();
        assert_eq!(dots, [11, 10, 9, 7]);
    }

    /// A register stored in its whole form (context and history repeating the values) is
    /// read as the same register as its compact form.
    #[test]
    fn a_register_stored_whole_reads_as_its_compact_form() {
        let whole = r#"{"v":[{"s":4,"d":"b","v":4}],"c":{"a":3,"b":4},"h":[{"s":4,"d":"b","v":4},{"s":3,"d":"a","v":3}]}"#;
        let compact = r#"{"v":[{"s":4,"d":"b","v":4}],"c":{"a":3},"h":[{"s":3,"d":"a","v":3}]}"#;
        let r: Register = serde_json::from_str(whole).unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), compact);
        assert_eq!(r, serde_json::from_str::<Register>(compact).unwrap());
    }

    /// Fields read from an object in any order come out in name order (a repeated name
    /// keeps its last value, as a map would), and write back as the same object.
    #[test]
    fn fields_are_a_map_in_name_order() {
        let text = r#"{"order":{"v":[{"s":1,"d":"a","v":1}]},"content":{"v":[{"s":1,"d":"a","v":"x"}]},"order":{"v":[{"s":2,"d":"a","v":2}]}}"#;
        let mut f: Fields = serde_json::from_str(text).unwrap();
        assert_eq!(f.keys().collect::<Vec<_>>(), ["content", "order"]);
        assert_eq!(f.get("order").unwrap().winner().unwrap().value, json!(2));
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"content":{"v":[{"s":1,"d":"a","v":"x"}]},"order":{"v":[{"s":2,"d":"a","v":2}]}}"#
        );
        f.entry("name").or_default().write(Written {
            stamp: 3,
            device: "b".into(),
            author: "".into(),
            value: json!("n"),
        });
        assert_eq!(f.keys().collect::<Vec<_>>(), ["content", "name", "order"]);
        assert!(f.insert("content", Register::default()).is_some());
        assert!(f.get("content").unwrap().winner().is_none());
        assert!(f.get("missing").is_none() && f.len() == 3);
    }

    #[test]
    fn a_tombstone_wins_over_a_later_correction() {
        let versions = vec![
            RecordVersion {
                stamp: 1,
                device: "a".into(),
                body: Body::new(&json!({"p": 10})),
            },
            RecordVersion {
                stamp: 2,
                device: "a".into(),
                body: Body::tombstone(),
            },
            RecordVersion {
                stamp: 3,
                device: "b".into(),
                body: Body::new(&json!({"p": 20})),
            },
        ];
        assert!(current_version(&versions).unwrap().is_tombstone());
    }

    #[test]
    fn record_bodies_are_held_as_canonical_text() {
        let canonical = r#"{"format":1,"id":"x","entities":{},"records":{"r1":[{"s":1,"d":"a","r":{"by":"甲","n":1.5,"on":"2021-07-01"}},{"s":2,"d":"a","r":null}]}}"#;
        let doc = Doc::from_json(canonical.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(doc.to_json()).unwrap(), canonical);
        let versions = &doc.records["r1"];
        assert!(!versions[0].is_tombstone() && versions[1].is_tombstone());
        let body: Value = versions[0].body.read().unwrap();
        assert_eq!(body, json!({"by": "甲", "n": 1.5, "on": "2021-07-01"}));
        // A file edited by hand (escapes, spaces, keys out of order, a trailing zero)
        // holds the same state, and encodes to the same bytes.
        let edited = br#"{"format":1,"id":"x","entities":{},"records":{"r1":[{"s":1,"d":"a","r": { "on" : "2021-07-01", "n": 1.50, "by":"\u7532" } },{"s":2,"d":"a","r": null }]}}"#;
        let read = Doc::from_json(edited).unwrap();
        assert_eq!(read, doc);
        assert_eq!(read.to_json(), doc.to_json());
        assert_eq!(
            Body::new(&json!({"b": 1, "a": [2]})).json(),
            r#"{"a":[2],"b":1}"#
        );
    }

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
