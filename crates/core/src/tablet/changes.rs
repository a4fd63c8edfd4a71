//! What changed in a tablet's document, by revision: what a copy of it that is known to
//! hold an earlier revision (the sync worker's) needs to catch up.
//!
//! Every change of the live document (an edit, a round's merge, another tab's caught-up
//! writes, a backup) moves the revision on and logs the ids it touched. A copy made at
//! revision `r` is brought up to date by [`Tablet::delta_since`]: the subset of the
//! document holding the ids changed since `r`. Merging is a join, so sending an id the
//! copy already holds is harmless; what matters is never to miss one. The log is
//! bounded: when it overflows, the revisions it dropped can no longer be answered and the
//! copy must get the whole document again, as must a copy of another instance (another
//! plan opened, the page reloaded).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Tablet;
use crate::doc::Doc;
use crate::tablet::wire::Digest;

/// How many changed ids the log keeps. A copy further behind gets the whole document.
pub const CHANGE_LOG_LIMIT: usize = 4_096;

/// Instance numbers: unique among the tablets opened in this process (a page, the
/// simulation), which is as long as any copy made of them lives.
static INSTANCES: AtomicU64 = AtomicU64::new(1);

/// A tablet's revision counter and its bounded log of changed ids.
#[derive(Clone, Debug)]
pub struct ChangeLog {
    instance: u64,
    revision: u64,
    /// The oldest revision the log still answers for: every change after it is logged.
    floor: u64,
    log: VecDeque<(u64, String)>,
    limit: usize,
}

impl Default for ChangeLog {
    fn default() -> Self {
        ChangeLog::with_limit(CHANGE_LOG_LIMIT)
    }
}

impl ChangeLog {
    /// A fresh log of a fresh instance, keeping up to `limit` ids.
    pub fn with_limit(limit: usize) -> Self {
        ChangeLog {
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
            revision: 0,
            floor: 0,
            log: VecDeque::new(),
            limit,
        }
    }

    /// Notes that these ids changed: a new revision (none when no id changed).
    pub fn note<'a>(&mut self, ids: impl IntoIterator<Item = &'a String>) {
        let mut ids = ids.into_iter().peekable();
        if ids.peek().is_none() {
            return;
        }
        self.revision += 1;
        for id in ids {
            self.log.push_back((self.revision, id.clone()));
        }
        while self.log.len() > self.limit {
            if let Some((dropped, _)) = self.log.pop_front() {
                // Changes after a revision before `dropped` are no longer all known.
                self.floor = self.floor.max(dropped);
            }
        }
    }

    /// This instance at its current revision.
    pub fn digest(&self) -> Digest {
        Digest {
            instance: self.instance,
            revision: self.revision,
        }
    }

    /// The ids changed since `from` (each once, sorted), or `None` when the log cannot
    /// say: another instance, a revision it never had, or one it has forgotten.
    pub fn since(&self, from: Digest) -> Option<Vec<String>> {
        if from.instance != self.instance
            || from.revision > self.revision
            || from.revision < self.floor
        {
            return None;
        }
        let start = self.log.partition_point(|(r, _)| *r <= from.revision);
        let mut ids: Vec<String> = self.log.range(start..).map(|(_, id)| id.clone()).collect();
        ids.sort_unstable();
        ids.dedup();
        Some(ids)
    }
}

impl Tablet {
    /// The document's digest: this tablet's instance at its current revision.
    pub fn digest(&self) -> Digest {
        self.changes.digest()
    }

    /// The ids changed since `from` ([`ChangeLog::since`]).
    pub fn changed_since(&self, from: Digest) -> Option<Vec<String>> {
        self.changes.since(from)
    }

    /// What a copy of this document at `from` lacks: the subset holding every id changed
    /// since. `None` when `from` is stale (another instance, or too far behind): the
    /// copy needs the whole document.
    pub fn delta_since(&self, from: Digest) -> Option<Doc> {
        let ids = self.changes.since(from)?;
        Some(self.replica.doc.subset(ids.iter().map(String::as_str)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn changes_since_a_revision() {
        let mut log = ChangeLog::default();
        let start = log.digest();
        assert_eq!(log.since(start), Some(vec![]));
        log.note(&ids(&["b", "a"]));
        let middle = log.digest();
        log.note(&ids(&["c", "a"]));
        assert_eq!(log.since(start), Some(ids(&["a", "b", "c"])));
        assert_eq!(log.since(middle), Some(ids(&["a", "c"])));
        assert_eq!(log.since(log.digest()), Some(vec![]));
        // Nothing changed: no new revision.
        log.note(&[]);
        assert_eq!(log.digest().revision, 2);
    }

    #[test]
    fn a_wrong_digest_is_stale() {
        let mut log = ChangeLog::default();
        log.note(&ids(&["a"]));
        let other = ChangeLog::default();
        assert_ne!(other.digest().instance, log.digest().instance);
        assert_eq!(log.since(other.digest()), None);
        // A revision this log never reached.
        let ahead = Digest {
            revision: 9,
            ..log.digest()
        };
        assert_eq!(log.since(ahead), None);
    }

    #[test]
    fn an_overflowing_log_is_stale_for_what_it_forgot() {
        let mut log = ChangeLog::with_limit(3);
        let start = log.digest();
        log.note(&ids(&["a", "b"]));
        let one = log.digest();
        log.note(&ids(&["c"]));
        assert_eq!(log.since(start), Some(ids(&["a", "b", "c"])));
        // Revision 1's "a" is dropped: from before revision 1, the log cannot say.
        log.note(&ids(&["d"]));
        assert_eq!(log.since(start), None);
        assert_eq!(log.since(one), Some(ids(&["c", "d"])));
        // A change bigger than the whole log forgets everything before it.
        let three = log.digest();
        log.note(&ids(&["e", "f", "g", "h"]));
        assert_eq!(log.since(three), None);
        assert_eq!(log.since(log.digest()), Some(vec![]));
    }
}
