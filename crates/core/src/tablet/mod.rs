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
//!   dropped; and what the sync worker keeps between rounds ([`KeptCopy`]);
//! - how a round on the live replica is driven, a reply at a time, when no worker runs;
//! - how a second tab of the app on the same device is shared with: every write first
//!   reads what the other tab stored since ([`Tablet::catch_up`]), so neither overwrites
//!   the other's edits and the device's clock never issues one stamp twice;
//! - what the badge says ([`Verdict`]).
//!
//! The app's state calls these methods; the simulation (`tests/sync_sim.rs`) drives the
//! same type against a faulty store.

mod changes;
mod kept;
pub mod persist;
mod refused;
mod rounds;
mod store;
mod verdict;
pub mod wire;

use crate::doc::Doc;
use crate::edit::{Applied, Edit, EditError, Replica};
use crate::hlc::Clock;
use crate::model::{Kind, Plan};
use crate::sync::{Pending, SyncError, SyncState};

pub use changes::{ChangeLog, CHANGE_LOG_LIMIT};
pub use kept::{Begun, KeptCopy};
pub use persist::{Device, KeyValue, StorageError};
pub use rounds::RoundEnd;
pub use verdict::Verdict;

use persist::{load_device, save_device};

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
    /// What it last read or wrote of the stored plan (`store.rs`): what catching up
    /// with another tab need not read again. `None`: read it all.
    seen: Option<store::Seen>,
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
        // Read once: the stored clock comes with the device id.
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
            seen: None,
        };
        let (doc, sync) = tablet.read_stored(kv, fallback);
        tablet.replica.doc = doc;
        tablet.sync = sync;
        tablet
    }

    pub fn doc(&self) -> &Doc {
        &self.replica.doc
    }

    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// Writes from now on as `signer` (the account the server named; none without
    /// accounts). Not stored here: the app keeps the account and signs on every open.
    pub fn sign_as(&mut self, signer: crate::doc::Signer) {
        self.replica.signer = signer;
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

    /// Moves the clock past a stamp this device issued elsewhere (a new plan, the plan
    /// index) and stores it.
    pub fn adopt_clock(&mut self, kv: &mut impl KeyValue, last: u64) {
        self.replica.clock.last = self.replica.clock.last.max(last);
        let _ = self.save_device(kv);
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
