//! After the role rule refused this tablet's upload: keep every record, drop the plan
//! changes the server refused.
//!
//! An inspector's tablet whose role changed while it was offline, or that imported a
//! backup carrying someone else's plan edits, holds plan changes its account may not
//! upload. Nothing is dropped silently: the tablet stops and says why (`refused`), and
//! the person chooses. Choosing to drop starts again from the server's file with every
//! record this tablet holds merged in: records (its own and those it learned) all stay,
//! plan values come from the server alone.

use super::changes::ChangeLog;
use super::persist::KeyValue;
use super::{Absorbed, Tablet};
use crate::doc::{Doc, DocError};

impl Tablet {
    /// Replaces the plan with `server` (the file as the server holds it now) joined with
    /// every record this tablet holds, drops the pending plan edits, clears the stop and
    /// stores the result whole. Refused, changing nothing, when `server` rewrote
    /// something this tablet holds.
    pub fn drop_plan_changes(
        &mut self,
        kv: &mut impl KeyValue,
        server: &Doc,
    ) -> Result<Absorbed, DocError> {
        // Records another tab of this device stored are kept too.
        self.catch_up(kv);
        let mut records = Doc::new(self.replica.doc.id.clone());
        records.records = self.replica.doc.records.clone();
        let mut doc = server.clone();
        doc.merge(&records)?;
        self.replica.doc = doc;
        self.replica.clock.last = self.replica.clock.last.max(server.max_stamp());
        let doc = &self.replica.doc;
        self.sync
            .pending
            .retain(|p| doc.records.contains_key(&p.id));
        self.sync.stopped = None;
        // A copy of the old document (the sync worker's) cannot be brought here by
        // adding to it: a new instance makes it load the whole document again.
        self.changes = ChangeLog::default();
        // Nor does the replica hold what was stored any more: a catch-up reads it all.
        self.seen = None;
        self.unsaved = true;
        if let Err(e) = self.write_whole(kv) {
            self.storage_error = Some(e.0);
        }
        Ok(Absorbed {
            whole: true,
            ids: Vec::new(),
        })
    }
}
