//! How a tablet keeps its plan in storage: reading it (snapshot, journal, sync state,
//! clock), reading what another tab stored, appending journal lines behind the write
//! counter, and folding the journal into the snapshot. The layout is `persist`'s.

use super::persist::{
    aside_key, damaged_key, folded_key, generation, generation_key, journal_key, load_device, part,
    plan_key, replay, save_device, save_sync, stored_sync, Device, KeyValue, Line, StorageError,
    JOURNAL_LIMIT,
};
use super::{Absorbed, Tablet};
use crate::doc::Doc;
use crate::stored;
use crate::sync::{Pending, SyncState};

/// What a tablet last read or wrote of its stored plan, all of which its replica holds:
/// the fold marker then stored (`jindu.v1.folded.{id}`; none before a fold that writes
/// one) and the journal. While the marker is unchanged and the stored journal extends
/// the one seen, catching up with another tab replays only the lines added since.
#[derive(Clone, Debug)]
pub(super) struct Seen {
    folded: Option<String>,
    journal: String,
}

impl Tablet {
    /// The stored document (its snapshot, or `base()` when none is stored, with the
    /// journal replayed) and sync state, with the clock brought past every stamp the
    /// journal holds (the stored device clock is the caller's: `open` has read it
    /// already). A snapshot that does not read is copied to `jindu.v1.damaged.{id}` (so
    /// the next fold does not destroy it) and reported.
    pub(super) fn read_stored(
        &mut self,
        kv: &mut impl KeyValue,
        base: impl FnOnce() -> Doc,
    ) -> (Doc, SyncState) {
        let id = self.replica.doc.id.clone();
        self.generation = generation(kv, &id);
        // Before the snapshot: a fold between the two reads shows as a changed marker.
        let folded = kv.get(&folded_key(&id));
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
                    let _ = kv.set(&damaged_key(&id), &text);
                    base()
                }
            },
        };
        let replayed = replay(&mut doc, &journal);
        self.keep_aside(kv, &replayed.damaged);
        let sync = stored_sync(kv, &id, replayed.pending);
        let clock = &mut self.replica.clock.last;
        *clock = (*clock).max(replayed.clock);
        self.seen = Some(Seen { folded, journal });
        (doc, sync)
    }

    /// Reads only the journal lines another tab added since this tablet last read or
    /// wrote the journal, when the snapshot is still the one it read, and merges them in.
    /// `None` when that cannot be told (the snapshot was folded anew, the journal is not
    /// an extension of the one seen, nothing was seen): the whole stored plan must be
    /// read. `generation` is the write counter just read.
    fn catch_up_journal(&mut self, kv: &mut impl KeyValue, generation: u64) -> Option<Absorbed> {
        let id = self.replica.doc.id.clone();
        let seen = self.seen.as_ref()?;
        // An empty journal seen says nothing of the snapshot: a writer that keeps no
        // marker (an earlier version of the app in another tab) may have folded since.
        if seen.journal.is_empty() || kv.get(&folded_key(&id)) != seen.folded {
            return None;
        }
        let journal = kv.get(&journal_key(&id)).unwrap_or_default();
        let added = journal.strip_prefix(seen.journal.as_str())?;
        if !added.is_empty() && !added.starts_with('\n') {
            return None;
        }
        self.generation = generation;
        self.journalled = true;
        // Onto the replica, which holds the snapshot and the lines seen: what each line
        // changes is what the whole stored plan would have brought.
        let replayed = replay(&mut self.replica.doc, added);
        self.keep_aside(kv, &replayed.damaged);
        let sync = stored_sync(kv, &id, replayed.pending);
        self.absorb_pending(sync);
        let clock = &mut self.replica.clock.last;
        *clock = (*clock).max(replayed.clock);
        self.changes.note(&replayed.ids);
        self.seen = Some(Seen {
            folded: self.seen.take().and_then(|s| s.folded),
            journal,
        });
        Some(Absorbed::of(replayed.ids))
    }

    /// Adds the pending edits another tab stored to this tablet's.
    fn absorb_pending(&mut self, stored: SyncState) {
        for p in stored.pending {
            if !self.sync.pending.contains(&p) {
                self.sync.pending.push(p);
            }
        }
    }

    /// Keeps journal lines that do not read under `jindu.v1.aside.{id}` (each once), so
    /// folding the journal never drops them, and reports them.
    pub(super) fn keep_aside(&mut self, kv: &mut impl KeyValue, damaged: &[(String, String)]) {
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

    /// Reads what another tab of the app stored since this one last read or wrote, and
    /// merges it in (a join: nothing of either is lost). While the snapshot is the one
    /// this tablet read or wrote last, only the journal lines added since are read;
    /// otherwise (another tab folded) the whole stored plan.
    pub fn catch_up(&mut self, kv: &mut impl KeyValue) -> Absorbed {
        let stored_generation = generation(kv, &self.replica.doc.id);
        if stored_generation == self.generation {
            return Absorbed::default();
        }
        let absorbed = match self.catch_up_journal(kv, stored_generation) {
            Some(absorbed) => absorbed,
            None => self.catch_up_whole(kv),
        };
        // Another tab's clock, past the stamps it issued (new ids among them).
        let stored_clock = load_device(kv).map_or(0, |d| d.clock.last);
        self.replica.clock.last = self.replica.clock.last.max(stored_clock);
        absorbed
    }

    /// Reads the whole stored plan and merges it in.
    fn catch_up_whole(&mut self, kv: &mut impl KeyValue) -> Absorbed {
        let id = self.replica.doc.id.clone();
        let (stored, sync) = self.read_stored(kv, || Doc::new(id));
        self.absorb_pending(sync);
        match self.replica.doc.merge_changes(&stored) {
            Ok(changes) => {
                self.changes.note(&changes.ids);
                Absorbed::of(changes.ids)
            }
            Err(e) => {
                self.problems.push(format!(
                    "another tab stored a copy that does not merge: {e}"
                ));
                // The replica does not hold what was read: the next catch-up reads it all.
                self.seen = None;
                Absorbed::default()
            }
        }
    }

    /// Appends an edit's line to the journal; says whether the journal is now long.
    pub(super) fn store_edit(
        &mut self,
        kv: &mut impl KeyValue,
        p: &Pending,
    ) -> Result<bool, StorageError> {
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
    pub(super) fn append(
        &mut self,
        kv: &mut impl KeyValue,
        line: &str,
    ) -> Result<bool, StorageError> {
        self.bump(kv)?;
        self.append_bumped(kv, line)
    }

    pub(super) fn append_bumped(
        &mut self,
        kv: &mut impl KeyValue,
        line: &str,
    ) -> Result<bool, StorageError> {
        let key = journal_key(&self.replica.doc.id);
        let before = kv.get(&key).unwrap_or_default();
        let next = stored::append(&before, line);
        kv.set(&key, &next)?;
        let long = next.len() > JOURNAL_LIMIT;
        // The line is this tablet's, so it holds the journal now if it held the journal
        // before; if not, the next catch-up reads on from what it had seen.
        if let Some(seen) = &mut self.seen {
            if seen.journal == before {
                seen.journal = next;
            }
        }
        Ok(long)
    }

    pub(super) fn bump(&mut self, kv: &mut impl KeyValue) -> Result<(), StorageError> {
        let id = &self.replica.doc.id;
        let next = generation(kv, id).max(self.generation) + 1;
        kv.set(&generation_key(id), &next.to_string())?;
        self.generation = next;
        Ok(())
    }

    pub(super) fn save_device(&self, kv: &mut impl KeyValue) -> Result<(), StorageError> {
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
    pub(super) fn save_sync(&self, kv: &mut impl KeyValue) -> Result<(), StorageError> {
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
        self.write_whole(kv).map(|()| caught_up)
    }

    /// Writes the snapshot, the sync state and the clock, and clears the journal: what
    /// is stored becomes exactly what the tablet holds.
    pub(super) fn write_whole(&mut self, kv: &mut impl KeyValue) -> Result<(), StorageError> {
        let id = self.replica.doc.id.clone();
        let mut folded = String::new();
        let result = self
            .bump(kv)
            .and_then(|()| {
                // Before the snapshot: another tab that sees it then sees the marker moved.
                folded = self.generation.to_string();
                kv.set(&folded_key(&id), &folded)
            })
            .and_then(|()| kv.set(&plan_key(&id), &stored::encode_snapshot(&self.replica.doc)))
            .and_then(|()| self.save_sync(kv))
            .and_then(|()| self.save_device(kv))
            .and_then(|()| kv.remove(&journal_key(&id)));
        match result {
            Ok(()) => {
                self.seen = Some(Seen {
                    folded: Some(folded),
                    journal: String::new(),
                });
                self.storage_error = None;
                self.journalled = false;
                self.unsaved = false;
                Ok(())
            }
            Err(e) => {
                self.storage_error = Some(e.0.clone());
                Err(e)
            }
        }
    }

    /// Stores what a round or a merge changed: a few entities and records as journal
    /// lines, many by rewriting the snapshot; then the sync state and the clock.
    pub(super) fn store_learned(&mut self, kv: &mut impl KeyValue, absorbed: &Absorbed) {
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
}
