//! Sync rounds as a tablet sees them: one on the live replica, driven a reply at a time,
//! or one that ran on a copy (in the sync worker) while the live replica kept taking
//! edits, reconciled by [`Tablet::finish_round`]; and a backup merged in.

use super::persist::KeyValue;
use super::{Absorbed, Tablet};
use crate::doc::{Doc, DocError};
use crate::sync::{Pending, Reply, Step, SyncError, SyncRound, SyncState};

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

impl Tablet {
    /// Says the endpoint cannot be reached (the browser knows it has no network).
    pub fn mark_offline(&mut self, reason: &str) {
        self.sync.offline = Some(reason.to_owned());
        self.sync.server_fault = false;
    }

    /// Clears a stopped sync (after the user changed the token or endpoint, or the
    /// office changed the account's role) and stores that, so that a reload does not
    /// bring the stop back.
    pub fn clear_stop(&mut self, kv: &mut impl KeyValue) {
        if self.sync.stopped.take().is_some() {
            if let Err(e) = self.save_sync(kv) {
                self.storage_error = Some(e.0);
            }
        }
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
        self.sync.server_fault = s.server_fault;
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
