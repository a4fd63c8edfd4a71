//! A tablet: everything one device decides about the plan it has open.
//!
//! [`Tablet`] owns the live replica and its sync bookkeeping and decides, with no web,
//! clock or I/O of its own (time comes in as `now`, storage as a [`KeyValue`]):
//!
//! - how an edit is stored: one journal line that carries the touched entity or record,
//!   the pending entry and the clock, so an edit is stored whole or not at all; a write
//!   the browser refuses (a full quota) undoes the edit in memory and reports it, so an
//!   edit is never shown as saved, or synced, when it was not stored;
//! - when the journal is folded into the snapshot ([`persist::JOURNAL_LIMIT`], or when
//!   the app is hidden);
//! - how a sync round that ran on a copy (in the sync worker) is reconciled with the
//!   live replica, which kept taking edits meanwhile ([`Tablet::finish_round`]): what it
//!   learned is merged in, and the pending edits it confirmed, and only those, are
//!   dropped;
//! - how a round on the live replica is driven, a reply at a time, when no worker runs;
//! - how a second tab of the app on the same device is shared with: every write first
//!   reads what the other tab stored since ([`Tablet::catch_up`]), so neither overwrites
//!   the other's edits and the device's clock never issues one stamp twice;
//! - what the badge says ([`Verdict`]).
//!
//! The app's state calls these methods; the simulation (`tests/sync_sim.rs`) drives the
//! same type against a faulty store.

mod changes;
pub mod persist;
mod verdict;
pub mod wire;

use crate::doc::{Doc, DocError};
use crate::edit::{Applied, Edit, EditError, Replica};
use crate::hlc::Clock;
use crate::model::{Kind, Plan};
use crate::stored;
use crate::sync::{Pending, Reply, Step, SyncError, SyncRound, SyncState};

pub use changes::{ChangeLog, CHANGE_LOG_LIMIT};
pub use persist::{Device, KeyValue, StorageError};
pub use verdict::Verdict;

use persist::{
    aside_key, generation, generation_key, journal_key, load_device, load_sync, part, plan_key,
    replay, save_device, save_sync, Line, JOURNAL_LIMIT,
};

/// A change of more entities and records than this is brought into the plan view by
/// reading the plan again, and into storage by rewriting the snapshot; fewer are
/// refreshed and journalled one by one, like edits.
pub const ONE_BY_ONE: usize = 32;

/// What changed in the tablet's document besides an edit of its own (a sync round, a
/// backup, another tab): what the plan view must read again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Absorbed {
    /// The entities and records that changed.
    pub ids: Vec<String>,
    /// Too many to refresh one by one: read the whole plan again.
    pub whole: bool,
}

impl Absorbed {
    fn of(ids: Vec<String>) -> Absorbed {
        let whole = ids.len() > ONE_BY_ONE;
        Absorbed { ids, whole }
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty() && !self.whole
    }

    fn join(&mut self, other: Absorbed) {
        self.ids.extend(other.ids);
        self.ids.sort_unstable();
        self.ids.dedup();
        self.whole |= other.whole || self.ids.len() > ONE_BY_ONE;
    }
}

/// An edit applied and stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edited {
    pub applied: Applied,
    /// What another tab had stored meanwhile, read in before the edit.
    pub caught_up: Absorbed,
}

/// Why an edit did not happen.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TabletError {
    #[error(transparent)]
    Edit(#[from] EditError),
    /// The browser refused to store it: the edit was undone, nothing else changed.
    #[error("not saved: {0}")]
    NotSaved(StorageError),
}

/// How a round on a copy of the replica ended (in the sync worker).
#[derive(Clone, Debug, PartialEq)]
pub struct RoundEnd {
    /// The sync state after the round, of the state the round was given.
    pub state: SyncState,
    /// The copy's clock after the round.
    pub clock: u64,
    /// The part of the merged document the round changed: what the live replica may
    /// lack.
    pub learned: Doc,
}

/// One device's open plan: its live replica, sync state and storage policy.
#[derive(Clone, Debug)]
pub struct Tablet {
    replica: Replica,
    sync: SyncState,
    /// The stored write counter this tablet's state reflects.
    generation: u64,
    /// The last storage failure; cleared by the next write that succeeds.
    storage_error: Option<String>,
    /// The replica holds something storage does not (what a round learned when storing
    /// it failed): folded at the next chance.
    unsaved: bool,
    /// Edits wait in the journal, not yet in the snapshot.
    journalled: bool,
    /// What reading the stored plan reported (damaged journal lines kept aside, a
    /// snapshot that did not read).
    problems: Vec<String>,
    /// The document's revision and the ids changed by each (`changes.rs`): what a copy
    /// of it (the sync worker's) lacks.
    changes: ChangeLog,
}

impl Tablet {
    /// Opens plan `id` as stored on this device: its snapshot with the journal replayed,
    /// or `fallback()` when the device holds none (the built-in plan, or an empty
    /// document the next sync fills). The device id is made by `new_device` on first use.
    pub fn open(
        kv: &mut impl KeyValue,
        id: &str,
        fallback: impl FnOnce() -> Doc,
        new_device: impl FnOnce() -> String,
    ) -> Tablet {
        let device = load_device(kv).unwrap_or_else(|| {
            let d = Device {
                id: new_device(),
                clock: Clock::default(),
            };
            // Without storage the id lives as long as the page; edits say why.
            let _ = save_device(kv, &d);
            d
        });
        let mut tablet = Tablet {
            replica: Replica::new(Doc::new(id), device.id, device.clock),
            sync: SyncState::default(),
            generation: 0,
            storage_error: None,
            unsaved: false,
            journalled: false,
            problems: Vec::new(),
            changes: ChangeLog::default(),
        };
        let (doc, sync) = tablet.read_stored(kv, fallback);
        tablet.replica.doc = doc;
        tablet.sync = sync;
        tablet
    }

    /// The stored document (its snapshot, or `base()` when none is stored, with the
    /// journal replayed) and sync state, with the clock brought past every stamp they
    /// hold. A snapshot that does not read is copied to `jindu.v1.damaged.{id}` (so the
    /// next fold does not destroy it) and reported.
    fn read_stored(
        &mut self,
        kv: &mut impl KeyValue,
        base: impl FnOnce() -> Doc,
    ) -> (Doc, SyncState) {
        let id = self.replica.doc.id.clone();
        self.generation = generation(kv, &id);
        let journal = kv.get(&journal_key(&id)).unwrap_or_default();
        self.journalled = !journal.is_empty();
        let mut doc = match kv.get(&plan_key(&id)) {
            None => base(),
            // The text is let go of once unpacked (a large plan's is megabytes).
            Some(text) => match stored::decode_snapshot_owned(text) {
                Ok(doc) => doc,
                Err(e) => {
                    self.problems
                        .push(format!("the stored copy of plan {id} does not read: {e}"));
                    let text = kv.get(&plan_key(&id)).unwrap_or_default();
                    let _ = kv.set(&format!("{}damaged.{id}", persist::PREFIX), &text);
                    base()
                }
            },
        };
        let replayed = replay(&mut doc, &journal);
        self.keep_aside(kv, &replayed.damaged);
        let mut sync = load_sync(kv, &id);
        for (written_at, p) in replayed.pending {
            if written_at > sync.generation && !sync.pending.contains(&p) {
                sync.pending.push(p);
            }
        }
        // Meaningful only as stored.
        sync.generation = 0;
        let stored_clock = load_device(kv).map_or(0, |d| d.clock.last);
        let clock = &mut self.replica.clock.last;
        *clock = (*clock).max(stored_clock).max(replayed.clock);
        (doc, sync)
    }

    /// Keeps journal lines that do not read under `jindu.v1.aside.{id}` (each once), so
    /// folding the journal never drops them, and reports them.
    fn keep_aside(&mut self, kv: &mut impl KeyValue, damaged: &[(String, String)]) {
        if damaged.is_empty() {
            return;
        }
        let key = aside_key(&self.replica.doc.id);
        let mut aside = kv.get(&key).unwrap_or_default();
        for (line, why) in damaged {
            let problem = format!("a stored edit does not read and was kept aside: {why}");
            if !self.problems.contains(&problem) {
                self.problems.push(problem);
            }
            if !aside.lines().any(|l| l == line) {
                aside = stored::append(&aside, line);
            }
        }
        if let Err(e) = kv.set(&key, &aside) {
            self.problems.push(format!(
                "a damaged stored edit could not be kept aside: {e}"
            ));
        }
    }

    pub fn doc(&self) -> &Doc {
        &self.replica.doc
    }

    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    pub fn device(&self) -> &str {
        &self.replica.device
    }

    pub fn sync_state(&self) -> &SyncState {
        &self.sync
    }

    /// What reading the stored plan reported (empty when all was well).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The last storage failure, while it lasts.
    pub fn storage_error(&self) -> Option<&str> {
        self.storage_error.as_deref()
    }

    /// Whether anything waits to be folded into the snapshot.
    pub fn needs_fold(&self) -> bool {
        self.journalled || self.unsaved
    }

    /// What the badge says.
    pub fn verdict(&self) -> Verdict {
        let pending = self.sync.pending.len();
        match (&self.sync.stopped, &self.storage_error) {
            (Some(SyncError::Rewritten(reason)), _) => Verdict::Rewritten {
                pending,
                reason: reason.clone(),
            },
            (Some(_), _) => self.sync.status(),
            (None, Some(reason)) => Verdict::StorageFull {
                pending,
                reason: reason.clone(),
            },
            (None, None) => self.sync.status(),
        }
    }

    /// Reads what another tab of the app stored since this one last read or wrote, and
    /// merges it in (a join: nothing of either is lost).
    pub fn catch_up(&mut self, kv: &mut impl KeyValue) -> Absorbed {
        let id = self.replica.doc.id.clone();
        if generation(kv, &id) == self.generation {
            return Absorbed::default();
        }
        let (stored, sync) = self.read_stored(kv, || Doc::new(id));
        for p in sync.pending {
            if !self.sync.pending.contains(&p) {
                self.sync.pending.push(p);
            }
        }
        match self.replica.doc.merge_changes(&stored) {
            Ok(changes) => {
                self.changes.note(&changes.ids);
                Absorbed::of(changes.ids)
            }
            Err(e) => {
                self.problems.push(format!(
                    "another tab stored a copy that does not merge: {e}"
                ));
                Absorbed::default()
            }
        }
    }

    /// A fresh id for a new entity, unique across devices and this device's tabs.
    pub fn new_id(&mut self, kv: &mut impl KeyValue, kind: Kind, now: u64) -> String {
        self.catch_up(kv);
        let id = self.replica.new_id(kind, now);
        // The clock is stored at once, so another tab never issues the same id.
        let _ = self.save_device(kv);
        id
    }

    /// Applies an edit checked against `plan` (the view of this tablet's document as it
    /// stands) and stores it, or refuses it leaving everything as it was.
    pub fn edit(
        &mut self,
        kv: &mut impl KeyValue,
        plan: &Plan,
        edit: &Edit,
        author: &str,
        now: u64,
    ) -> Result<Edited, TabletError> {
        let caught_up = self.catch_up(kv);
        let before = Undo::of(&self.replica.doc, edit);
        let applied = self.replica.apply_with(plan, edit, author, now)?;
        let fields = match edit {
            Edit::Set { fields, .. } => fields.keys().cloned().collect(),
            _ => Vec::new(),
        };
        let pending = Pending {
            id: applied.id.clone(),
            fields,
            stamp: applied.stamp,
        };
        match self.store_edit(kv, &pending) {
            Ok(long) => {
                self.storage_error = None;
                self.changes.note([&applied.id]);
                self.sync.pending.push(pending);
                self.journalled = true;
                if long {
                    // Failing here loses nothing: the journal holds the edit.
                    let _ = self.fold(kv);
                }
                Ok(Edited { applied, caught_up })
            }
            Err(e) => {
                before.restore(&mut self.replica.doc, &applied.id);
                self.storage_error = Some(e.0.clone());
                Err(TabletError::NotSaved(e))
            }
        }
    }

    /// Appends an edit's line to the journal; says whether the journal is now long.
    fn store_edit(&mut self, kv: &mut impl KeyValue, p: &Pending) -> Result<bool, StorageError> {
        let part = part(&self.replica.doc, &p.id).expect("an applied edit touched its id");
        self.bump(kv)?;
        let line = Line::Edit {
            edit: &part,
            pending: p,
            clock: self.replica.clock.last,
            generation: self.generation,
        };
        self.append_bumped(kv, &line.to_text())
    }

    /// Bumps the write counter (before writing, so another tab that sees the data also
    /// sees the counter moved), then appends a line to the journal.
    fn append(&mut self, kv: &mut impl KeyValue, line: &str) -> Result<bool, StorageError> {
        self.bump(kv)?;
        self.append_bumped(kv, line)
    }

    fn append_bumped(&mut self, kv: &mut impl KeyValue, line: &str) -> Result<bool, StorageError> {
        let key = journal_key(&self.replica.doc.id);
        let next = stored::append(&kv.get(&key).unwrap_or_default(), line);
        kv.set(&key, &next)?;
        Ok(next.len() > JOURNAL_LIMIT)
    }

    fn bump(&mut self, kv: &mut impl KeyValue) -> Result<(), StorageError> {
        let id = &self.replica.doc.id;
        let next = generation(kv, id).max(self.generation) + 1;
        kv.set(&generation_key(id), &next.to_string())?;
        self.generation = next;
        Ok(())
    }

    fn save_device(&self, kv: &mut impl KeyValue) -> Result<(), StorageError> {
        save_device(
            kv,
            &Device {
                id: self.replica.device.clone(),
                clock: self.replica.clock.clone(),
            },
        )
    }

    /// Stores the sync state, noting the write counter: it accounts for every edit
    /// stored up to then (this tablet read what other tabs stored before it wrote).
    fn save_sync(&self, kv: &mut impl KeyValue) -> Result<(), StorageError> {
        let state = SyncState {
            generation: self.generation,
            ..self.sync.clone()
        };
        save_sync(kv, &self.replica.doc.id, &state)
    }

    /// Rewrites the snapshot with everything the tablet holds (after reading in what
    /// another tab stored), stores the sync state and the clock, and clears the journal.
    /// When a write fails, what was stored stays as it was.
    pub fn fold(&mut self, kv: &mut impl KeyValue) -> Result<Absorbed, StorageError> {
        let caught_up = self.catch_up(kv);
        let id = self.replica.doc.id.clone();
        let result = self
            .bump(kv)
            .and_then(|()| kv.set(&plan_key(&id), &stored::encode_snapshot(&self.replica.doc)))
            .and_then(|()| self.save_sync(kv))
            .and_then(|()| self.save_device(kv))
            .and_then(|()| kv.remove(&journal_key(&id)));
        match result {
            Ok(()) => {
                self.storage_error = None;
                self.journalled = false;
                self.unsaved = false;
                Ok(caught_up)
            }
            Err(e) => {
                self.storage_error = Some(e.0.clone());
                Err(e)
            }
        }
    }

    /// Stores what a round or a merge changed: a few entities and records as journal
    /// lines, many by rewriting the snapshot; then the sync state and the clock.
    fn store_learned(&mut self, kv: &mut impl KeyValue, absorbed: &Absorbed) {
        let result = if absorbed.whole {
            self.fold(kv).map(|_| ())
        } else {
            let mut result = Ok(false);
            for changed in &absorbed.ids {
                let Some(part) = part(&self.replica.doc, changed) else {
                    continue;
                };
                result = self.append(kv, &Line::Delta(&part).to_text());
                if result.is_err() {
                    break;
                }
            }
            result
                .and_then(|long| {
                    self.journalled |= !absorbed.ids.is_empty();
                    self.save_sync(kv)?;
                    self.save_device(kv)?;
                    Ok(long)
                })
                .and_then(|long| {
                    if long {
                        self.fold(kv).map(|_| ())
                    } else {
                        Ok(())
                    }
                })
        };
        match result {
            Ok(()) => self.storage_error = None,
            Err(e) => {
                // What the round learned is on the server; it stays in memory and is
                // stored by the next fold that succeeds.
                self.unsaved |= !absorbed.ids.is_empty();
                self.storage_error = Some(e.0);
            }
        }
    }

    /// Moves the clock past a stamp this device issued elsewhere (a new plan, the plan
    /// index) and stores it.
    pub fn adopt_clock(&mut self, kv: &mut impl KeyValue, last: u64) {
        self.replica.clock.last = self.replica.clock.last.max(last);
        let _ = self.save_device(kv);
    }

    /// Says the endpoint cannot be reached (the browser knows it has no network).
    pub fn mark_offline(&mut self, reason: &str) {
        self.sync.offline = Some(reason.to_owned());
    }

    /// Clears a stopped sync (after the user changed the token or endpoint).
    pub fn clear_stop(&mut self) {
        self.sync.stopped = None;
    }

    /// Starts a round on the live replica (when no worker runs it).
    pub fn start_round(&mut self, round: &mut SyncRound) -> Step {
        round.start(&self.replica, &self.sync)
    }

    /// Feeds a reply to a round on the live replica.
    pub fn on_reply(&mut self, round: &mut SyncRound, reply: Reply, now: u64) -> Step {
        round.on_reply(&mut self.replica, &mut self.sync, reply, now)
    }

    /// Ends a round that ran on the live replica: stores what it changed.
    pub fn end_round(&mut self, kv: &mut impl KeyValue, round: &SyncRound) -> Absorbed {
        self.changes.note(round.learned_ids());
        let mut absorbed = Absorbed::of(round.learned_ids().to_vec());
        absorbed.join(self.catch_up(kv));
        self.store_learned(kv, &absorbed);
        absorbed
    }

    /// Reconciles a round that ran on a copy of this tablet (made when its sync state was
    /// `sent`) while the live replica kept taking edits: merges in what the round learned,
    /// drops the pending edits it confirmed and only those, takes its verdict, and
    /// stores what changed.
    pub fn finish_round(
        &mut self,
        kv: &mut impl KeyValue,
        sent: &SyncState,
        ended: RoundEnd,
    ) -> Absorbed {
        // Confirmed: the edits the round was given and did not give back.
        let confirmed: Vec<&Pending> = sent
            .pending
            .iter()
            .filter(|p| !ended.state.pending.contains(p))
            .collect();
        self.sync.pending.retain(|p| !confirmed.contains(&p));
        let s = ended.state;
        self.sync.etag = s.etag;
        self.sync.last_synced_ms = s.last_synced_ms;
        self.sync.stopped = s.stopped;
        self.sync.offline = s.offline;
        self.sync.skewed_ahead_ms = s.skewed_ahead_ms;
        self.replica.clock.last = self.replica.clock.last.max(ended.clock);
        let mut absorbed = match self.replica.doc.merge_changes(&ended.learned) {
            Ok(changes) => {
                self.changes.note(&changes.ids);
                Absorbed::of(changes.ids)
            }
            Err(e) => {
                self.sync.stopped = Some(stop_for(e));
                Absorbed::default()
            }
        };
        absorbed.join(self.catch_up(kv));
        self.store_learned(kv, &absorbed);
        absorbed
    }

    /// Merges a backup into the plan (never replaces it) and stores the result.
    pub fn import(
        &mut self,
        kv: &mut impl KeyValue,
        backup: &Doc,
        now: u64,
    ) -> Result<Absorbed, String> {
        let (changes, _) = self
            .replica
            .merge_remote_changes(backup, now)
            .map_err(|e| e.to_string())?;
        self.changes.note(&changes.ids);
        let mut absorbed = Absorbed {
            ids: changes.ids,
            whole: true,
        };
        absorbed.join(self.catch_up(kv));
        self.store_learned(kv, &absorbed);
        Ok(absorbed)
    }
}

fn stop_for(e: DocError) -> SyncError {
    match e {
        DocError::Rewritten { .. } => SyncError::Rewritten(e.to_string()),
        e => SyncError::Unreadable(e.to_string()),
    }
}

/// What an edit is about to change, to put back should storing it fail.
enum Undo {
    Entity(Option<crate::doc::Fields>),
    Record(Option<crate::doc::Versions>),
    NewRecord,
}

impl Undo {
    fn of(doc: &Doc, edit: &Edit) -> Undo {
        match edit {
            Edit::Set { entity, .. } => Undo::Entity(doc.entities.get(entity).cloned()),
            Edit::CorrectRecord { id, .. } | Edit::DeleteRecord { id } => {
                Undo::Record(doc.records.get(id).cloned())
            }
            Edit::AddRecord { .. } => Undo::NewRecord,
        }
    }

    fn restore(self, doc: &mut Doc, id: &str) {
        match self {
            Undo::Entity(Some(fields)) => {
                doc.entities.insert(id.to_owned(), fields);
            }
            Undo::Entity(None) => {
                doc.entities.remove(id);
            }
            Undo::Record(Some(versions)) => {
                doc.records.insert(id.to_owned(), versions);
            }
            Undo::Record(None) | Undo::NewRecord => {
                doc.records.remove(id);
            }
        }
    }
}

#[cfg(test)]
mod tests;
