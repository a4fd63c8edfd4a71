//! What a tablet keeps in its browser's storage, over any string key-value store.
//!
//! The app's storage adapter implements [`KeyValue`] over localStorage; the simulation
//! over a map that can refuse writes (a full quota) and that two tabs share. The keys:
//!
//! - `jindu.v1.plan.{id}`: the plan's compressed snapshot ([`crate::stored`]);
//! - `jindu.v1.journal.{id}`: what was stored since the snapshot, a line each: an edit
//!   ([`Line::Edit`]: the entity or record it touched, the pending entry and the clock,
//!   so that one write stores all of an edit) or a delta learned from a sync round;
//! - `jindu.v1.aside.{id}`: journal lines that did not read, kept rather than dropped;
//! - `jindu.v1.damaged.{id}`: a snapshot that did not read, kept before a fold replaces it;
//! - `jindu.v1.sync.{id}`: the plan's [`SyncState`];
//! - `jindu.v1.gen.{id}`: a counter every writer bumps before it writes, so that a second
//!   tab of the app on the same device notices and reads what the first one stored
//!   before writing over it;
//! - `jindu.v1.folded.{id}`: the counter at the last fold, written before its snapshot,
//!   so that another tab knows whether the snapshot is still the one it read (then it
//!   reads only the journal lines added since);
//! - `jindu.v1.device`: the device id and clock.

use serde::{Deserialize, Serialize};

use crate::doc::Doc;
use crate::hlc::Clock;
use crate::sync::{Pending, SyncState};

/// A store of strings by key, as the browser's localStorage is.
pub trait KeyValue {
    fn get(&self, key: &str) -> Option<String>;
    /// Stores a value; refused when the store is full (nothing changes then).
    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageError>;
    fn remove(&mut self, key: &str) -> Result<(), StorageError>;
}

/// A storage failure, in words for the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StorageError(pub String);

pub const PREFIX: &str = "jindu.v1.";
pub const DEVICE_KEY: &str = "jindu.v1.device";

pub fn plan_key(id: &str) -> String {
    format!("{PREFIX}plan.{id}")
}

pub fn journal_key(id: &str) -> String {
    format!("{PREFIX}journal.{id}")
}

pub fn damaged_key(id: &str) -> String {
    format!("{PREFIX}damaged.{id}")
}

pub fn aside_key(id: &str) -> String {
    format!("{PREFIX}aside.{id}")
}

pub fn sync_key(id: &str) -> String {
    format!("{PREFIX}sync.{id}")
}

/// The overview's summary of the plan (`crate::summary`), read before the plan.
pub fn summary_key(id: &str) -> String {
    format!("{PREFIX}summary.{id}")
}

pub fn generation_key(id: &str) -> String {
    format!("{PREFIX}gen.{id}")
}

pub fn folded_key(id: &str) -> String {
    format!("{PREFIX}folded.{id}")
}

/// A journal longer than this (in characters) is folded into the snapshot at once.
pub const JOURNAL_LIMIT: usize = 200_000;

/// This install's identity and clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    pub clock: Clock,
}

/// One line of a plan's journal.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Line<'a> {
    /// An edit made on this device: what it touched, its pending entry and the clock
    /// after it. Written in one go, so an edit is stored whole or not at all.
    Edit {
        edit: &'a Doc,
        pending: &'a Pending,
        clock: u64,
        /// The write counter this line was written at.
        #[serde(rename = "gen")]
        generation: u64,
    },
    /// A part of the document learned from a sync round (and every line earlier
    /// versions wrote).
    Delta(&'a Doc),
}

impl Line<'_> {
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("a journal line is plain data")
    }
}

/// An edit line as read: the document part is read and checked as any document is.
#[derive(Deserialize)]
struct EditLine<'a> {
    #[serde(borrow)]
    edit: &'a serde_json::value::RawValue,
    pending: Pending,
    clock: u64,
    #[serde(rename = "gen", default)]
    generation: u64,
}

/// The part of `doc` that holds `id` (an entity or record) as a document of its own.
pub fn part(doc: &Doc, id: &str) -> Option<Doc> {
    (doc.entities.contains_key(id) || doc.records.contains_key(id)).then(|| doc.subset([id]))
}

/// What a journal holds, read line by line.
#[derive(Debug, Default)]
pub struct Replayed {
    /// Pending entries of the edits in the journal, with the write counter each was
    /// stored at.
    pub pending: Vec<(u64, Pending)>,
    /// The greatest clock an edit line carries.
    pub clock: u64,
    /// Lines that did not read or merge, with the reason, kept as they were.
    pub damaged: Vec<(String, String)>,
    /// The entities and records the lines changed in the document (each once, sorted).
    pub ids: Vec<String>,
}

/// Merges every line of `journal` into `doc`. A damaged line is reported with its text,
/// so that one bad write cannot hide the rest and is kept aside rather than dropped.
pub fn replay(doc: &mut Doc, journal: &str) -> Replayed {
    let mut out = Replayed::default();
    for line in journal.lines().filter(|l| !l.trim().is_empty()) {
        if let Err(e) = replay_line(doc, line, &mut out) {
            out.damaged.push((line.to_owned(), e));
        }
    }
    out.ids.sort_unstable();
    out.ids.dedup();
    out
}

fn replay_line(doc: &mut Doc, line: &str, out: &mut Replayed) -> Result<(), String> {
    if line.starts_with("{\"edit\":") {
        let l: EditLine = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let part = Doc::from_json(l.edit.get().as_bytes()).map_err(|e| e.to_string())?;
        let changes = doc.merge_changes(&part).map_err(|e| e.to_string())?;
        out.ids.extend(changes.ids);
        out.pending.push((l.generation, l.pending));
        out.clock = out.clock.max(l.clock);
    } else {
        let part = Doc::from_json(line.as_bytes()).map_err(|e| e.to_string())?;
        let changes = doc.merge_changes(&part).map_err(|e| e.to_string())?;
        out.ids.extend(changes.ids);
    }
    Ok(())
}

/// The stored sync state, with the pending edits of journal lines written after it
/// (`pending`: each with the write counter it was stored at).
pub(super) fn stored_sync(kv: &impl KeyValue, id: &str, pending: Vec<(u64, Pending)>) -> SyncState {
    let mut sync = load_sync(kv, id);
    for (written_at, p) in pending {
        if written_at > sync.generation && !sync.pending.contains(&p) {
            sync.pending.push(p);
        }
    }
    // Meaningful only as stored.
    sync.generation = 0;
    sync
}

/// The plan's sync state as stored, with the pending edits its journal holds, read
/// without reading the plan: what the badge says before the plan is read (the stored
/// state alone would say "synced" while edits wait in the journal).
pub fn sync_as_stored(kv: &impl KeyValue, id: &str) -> SyncState {
    let journal = kv.get(&journal_key(id)).unwrap_or_default();
    let pending = journal
        .lines()
        .filter(|l| l.starts_with("{\"edit\":"))
        .filter_map(|l| serde_json::from_str::<EditLine>(l).ok())
        .map(|l| (l.generation, l.pending))
        .collect();
    stored_sync(kv, id, pending)
}

/// Reads a stored sync state; one that does not read counts as none (the next round
/// rebuilds it).
pub fn load_sync(kv: &impl KeyValue, id: &str) -> SyncState {
    kv.get(&sync_key(id))
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

pub fn save_sync(kv: &mut impl KeyValue, id: &str, s: &SyncState) -> Result<(), StorageError> {
    kv.set(
        &sync_key(id),
        &serde_json::to_string(s).expect("the sync state is plain data"),
    )
}

pub fn load_device(kv: &impl KeyValue) -> Option<Device> {
    serde_json::from_str(&kv.get(DEVICE_KEY)?).ok()
}

pub fn save_device(kv: &mut impl KeyValue, d: &Device) -> Result<(), StorageError> {
    kv.set(
        DEVICE_KEY,
        &serde_json::to_string(d).expect("the device is plain data"),
    )
}

/// The plan's write counter as stored (0 when never written).
pub fn generation(kv: &impl KeyValue, id: &str) -> u64 {
    kv.get(&generation_key(id))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0)
}

/// A key-value store in memory, counting its size as browsers count localStorage's
/// quota (UTF-16 code units of keys and values): for tests and the simulation, where a
/// quota makes it refuse writes as a full browser does.
#[derive(Clone, Debug, Default)]
pub struct Memory {
    pub map: std::collections::BTreeMap<String, String>,
    /// Refuse writes that would take the store past this many code units.
    pub quota: Option<usize>,
}

impl Memory {
    /// The code units held.
    pub fn used(&self) -> usize {
        self.map.iter().map(|(k, v)| units(k) + units(v)).sum()
    }
}

fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

impl KeyValue for Memory {
    fn get(&self, key: &str) -> Option<String> {
        self.map.get(key).cloned()
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageError> {
        if let Some(quota) = self.quota {
            let replaced = self.map.get(key).map_or(0, |v| units(key) + units(v));
            if self.used() - replaced + units(key) + units(value) > quota {
                return Err(StorageError("the storage quota is full".into()));
            }
        }
        self.map.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn remove(&mut self, key: &str) -> Result<(), StorageError> {
        self.map.remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{Edit, Replica};
    use crate::stored;

    /// Lines of the form earlier versions wrote (a part of the document alone).
    #[test]
    fn a_journal_replays_onto_an_older_snapshot_and_replaying_twice_changes_nothing() {
        let mut r = Replica::new(crate::seed::xixing_2021(), "tablet", Clock::default());
        let snapshot = stored::encode_snapshot(&r.doc);
        let mut journal = String::new();
        for (n, note) in ["一", "二", "三"].iter().enumerate() {
            let record = serde_json::from_value(serde_json::json!({
                "on": "2021-07-01", "by": "甲", "item": "item-4-2", "note": note
            }))
            .unwrap();
            let applied = r
                .apply(
                    &Edit::AddRecord { record },
                    "甲",
                    1_625_100_000_000 + n as u64,
                )
                .unwrap();
            journal = stored::append(
                &journal,
                &Line::Delta(&part(&r.doc, &applied.id).unwrap()).to_text(),
            );
        }
        let mut read = stored::decode_snapshot(&snapshot).unwrap();
        assert!(replay(&mut read, &journal).damaged.is_empty());
        assert_eq!(read, r.doc);
        // A compaction that wrote the snapshot but died before clearing the journal.
        let mut again = stored::decode_snapshot(&stored::encode_snapshot(&r.doc)).unwrap();
        assert!(replay(&mut again, &journal).damaged.is_empty());
        assert_eq!(again, r.doc);
        // A damaged line is reported and the others still apply.
        let damaged = format!("{{broken\n{journal}");
        let mut partly = stored::decode_snapshot(&snapshot).unwrap();
        assert_eq!(replay(&mut partly, &damaged).damaged.len(), 1);
        assert_eq!(partly, r.doc);
    }
}
