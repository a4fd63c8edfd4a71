//! Field registers: each value written with its dot `(stamp, device)`, a register's
//! surviving values, causal context and short history, and an entity's fields by name.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::intern::{intern, interned, interned_context, Shared};
use super::rewrite::{held_twice, shown};
use super::{DeviceId, Signer};

/// How many of the newest values each register keeps in its history.
pub const HISTORY_PER_FIELD: usize = 4;

fn is_empty(s: &Arc<str>) -> bool {
    s.is_empty()
}

/// One value written to a field, with its dot and author. The dot is its identity: one
/// dot has one author and one value (see `doc/rewrite.rs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// The account that wrote it (format 2); absent when unverified.
    #[serde(rename = "w", default, skip_serializing_if = "Signer::is_none")]
    pub signer: Signer,
    /// The value.
    #[serde(rename = "v")]
    pub value: Value,
}

impl Written {
    pub(super) fn dot(&self) -> (u64, &str) {
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
#[serde(try_from = "RegisterWire")]
pub struct Register {
    /// Surviving values, sorted by dot; more than one means an open conflict.
    #[serde(rename = "v")]
    pub(super) values: Vec<Written>,
    /// Newest stamp seen from each device, where the values do not show it.
    #[serde(rename = "c", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(super) context: BTreeMap<DeviceId, u64>,
    /// The newest values ever written that are no longer current, newest first.
    #[serde(rename = "h", default, skip_serializing_if = "Vec::is_empty")]
    pub(super) history: Vec<Written>,
}

/// A register as read, before what the values say is left out (it usually already is).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegisterWire {
    #[serde(rename = "v")]
    pub(super) values: Vec<Written>,
    #[serde(rename = "c", default, deserialize_with = "interned_context")]
    pub(super) context: BTreeMap<DeviceId, u64>,
    #[serde(rename = "h", default)]
    pub(super) history: Vec<Written>,
}

impl TryFrom<RegisterWire> for Register {
    type Error = String;

    /// Refuses a register that holds one dot twice with different contents (in its
    /// values and its history, say): which of them was written is unknowable.
    fn try_from(mut w: RegisterWire) -> Result<Self, String> {
        if let Some((a, b)) = held_twice(&w.values, &w.history) {
            let text = |w: &Written| shown(&serde_json::to_string(w).unwrap_or_default());
            return Err(format!(
                "a value (stamp {} of device {}) is held twice with different contents: {} and {}",
                a.stamp,
                a.device,
                text(a),
                text(b)
            ));
        }
        // Read vectors grow by doubling: a lone value would hold room for four.
        w.values.shrink_to_fit();
        w.history.shrink_to_fit();
        let r = Register {
            values: w.values,
            context: w.context,
            history: w.history,
        };
        if r.is_compact() {
            Ok(r)
        } else {
            let mut whole = Whole::default();
            whole.add(&r);
            Ok(whole.into_register(r.values.clone()))
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
    pub(super) fn is_compact(&self) -> bool {
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
    /// The kept history as stored: the newest values no longer current (newest first).
    pub fn history_slice(&self) -> &[Written] {
        &self.history
    }

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
    ///
    /// Refuses, changing nothing, when `other` holds one of this register's writes with
    /// other content (ours, theirs): that is a rewrite, not a tie to break.
    pub fn merge(&mut self, other: &Register) -> Result<bool, Box<(Written, Written)>> {
        if let Some((ours, theirs)) = self.rewritten_by(other) {
            return Err(Box::new((ours.clone(), theirs.clone())));
        }
        Ok(self.join(other))
    }

    /// [`merge`](Self::merge) once the caller has found no rewrite.
    pub(super) fn join(&mut self, other: &Register) -> bool {
        // Most registers are the same on both sides: nothing to do.
        if self == other {
            return false;
        }
        let mut kept: BTreeMap<(u64, &str), &Written> = BTreeMap::new();
        for (mine, theirs) in [(&*self, other), (other, &*self)] {
            for w in &mine.values {
                let in_both = theirs.values.iter().any(|t| t.dot() == w.dot());
                if in_both || !theirs.has_seen(w.stamp, &w.device) {
                    // One dot has one content (the caller checked), so either copy will do.
                    kept.entry(w.dot()).or_insert(w);
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
    pub(super) fn from_names(mut v: Vec<(Arc<str>, Register)>) -> Fields {
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
                let n = v.len();
                let fields = Fields::from_names(v);
                if fields.len() != n {
                    // Which of the two registers was meant is unknowable.
                    return Err(serde::de::Error::custom("a field name appears twice"));
                }
                Ok(fields)
            }
        }
        d.deserialize_map(Visit)
    }
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
            signer: Signer::none(),
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
        ab.merge(&b).unwrap();
        assert_eq!(ab.winner().unwrap().value, json!("from b"));
        assert_eq!(ab.conflicts().len(), 1);
        assert_eq!(ab.conflicts()[0].value, json!("from a"));
        // Resolving: a write after seeing both replaces both.
        ab.write(w(7, "a", json!("agreed")));
        let mut back = b.clone();
        back.merge(&ab).unwrap();
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
        b.merge(&c).unwrap();
        b.write(w(12, "b", json!("b")));
        let mut all = b.clone();
        all.merge(&a).unwrap();
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
            signer: Signer::none(),
            value: v,
        };
        let mut out = Vec::new();
        let mut a = Register::default();
        a.write(w(1, "a", json!("base")));
        let mut b = a.clone();
        a.write(w(5, "a", json!("from a")));
        b.write(w(6, "b", json!("from b")));
        let mut ab = a.clone();
        ab.merge(&b).unwrap();
        out.push(ab.clone());
        let mut c = ab.clone();
        c.write(w(7, "c", json!("agreed")));
        out.push(c.clone());
        let mut d = b.clone();
        d.merge(&c).unwrap();
        d.write(w(9, "d", json!(9)));
        d.write(w(10, "a", json!(10)));
        d.write(w(11, "b", json!(11)));
        out.push(d.clone());
        let mut e = a.clone();
        e.write(w(2, "z", json!("old concurrent")));
        let mut f = d.clone();
        f.merge(&e).unwrap();
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

    /// A register that holds one dot twice with different contents (in its values and its
    /// history, or twice in its history) is refused: which was written is unknowable.
    /// Held twice with the same content (the whole form) it reads as usual.
    #[test]
    fn one_dot_held_twice_with_different_contents_is_refused() {
        for text in [
            r#"{"v":[{"s":4,"d":"b","v":4}],"h":[{"s":4,"d":"b","v":5}]}"#,
            r#"{"v":[{"s":4,"d":"b","v":4}],"h":[{"s":4,"d":"b","a":"x","v":4}]}"#,
            r#"{"v":[{"s":5,"d":"b","v":5}],"h":[{"s":4,"d":"b","v":4},{"s":4,"d":"b","v":3}]}"#,
        ] {
            let e = serde_json::from_str::<Register>(text).unwrap_err();
            assert!(e.to_string().contains("held twice"), "{e}");
        }
        let same = r#"{"v":[{"s":4,"d":"b","v":4}],"h":[{"s":4,"d":"b","v":4}]}"#;
        assert!(serde_json::from_str::<Register>(same).is_ok());
    }

    /// Merging a register that holds one of ours (a value or a history entry) with other
    /// content is refused, and ours stays as it was.
    #[test]
    fn a_register_merge_refuses_a_rewritten_value() {
        let mut a = Register::default();
        a.write(w(1, "a", json!("first")));
        a.write(w(2, "a", json!("second")));
        let before = a.clone();
        for (spot, text) in [
            (
                "value",
                r#"{"v":[{"s":2,"d":"a","v":"SECOND"}],"h":[{"s":1,"d":"a","v":"first"}]}"#,
            ),
            (
                "history",
                r#"{"v":[{"s":3,"d":"b","v":"third"}],"c":{"a":2},"h":[{"s":2,"d":"a","v":"second"},{"s":1,"d":"a","v":"FIRST"}]}"#,
            ),
        ] {
            let theirs: Register = serde_json::from_str(text).unwrap();
            let (ours, rewritten) = *a.merge(&theirs).unwrap_err();
            assert_eq!(ours.dot(), rewritten.dot(), "{spot}");
            assert_ne!(ours.value, rewritten.value, "{spot}");
            assert_eq!(a, before, "{spot}");
        }
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

    /// Fields read from an object in any order come out in name order, and write back as
    /// the same object. A repeated name is refused: which register was meant is
    /// unknowable (a map would silently keep the last).
    #[test]
    fn fields_are_a_map_in_name_order() {
        let text =
            r#"{"order":{"v":[{"s":2,"d":"a","v":2}]},"content":{"v":[{"s":1,"d":"a","v":"x"}]}}"#;
        let mut f: Fields = serde_json::from_str(text).unwrap();
        assert_eq!(f.keys().collect::<Vec<_>>(), ["content", "order"]);
        assert_eq!(f.get("order").unwrap().winner().unwrap().value, json!(2));
        let repeated = r#"{"order":{"v":[{"s":1,"d":"a","v":1}]},"content":{"v":[{"s":1,"d":"a","v":"x"}]},"order":{"v":[{"s":2,"d":"a","v":2}]}}"#;
        assert!(serde_json::from_str::<Fields>(repeated).is_err());
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"content":{"v":[{"s":1,"d":"a","v":"x"}]},"order":{"v":[{"s":2,"d":"a","v":2}]}}"#
        );
        f.entry("name").or_default().write(Written {
            stamp: 3,
            device: "b".into(),
            author: "".into(),
            signer: Signer::none(),
            value: json!("n"),
        });
        assert_eq!(f.keys().collect::<Vec<_>>(), ["content", "name", "order"]);
        assert!(f.insert("content", Register::default()).is_some());
        assert!(f.get("content").unwrap().winner().is_none());
        assert!(f.get("missing").is_none() && f.len() == 3);
    }
}
