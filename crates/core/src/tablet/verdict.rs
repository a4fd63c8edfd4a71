//! The sync verdict: what the badge on every screen says about the open plan.
//!
//! This is the one place where the badge's states are defined. Each state has the name
//! the app writes into the badge's `data-state` attribute, which its style sheet and the
//! end-to-end tests read:
//!
//! | state | `data-state` | meaning |
//! | --- | --- | --- |
//! | [`Verdict::Synced`] | `synced` | a reply confirmed that the shared file holds every edit of this tablet |
//! | [`Verdict::Pending`] | `pending` | edits wait to be sent (or nothing was ever confirmed yet) |
//! | [`Verdict::Offline`] | `offline` | the endpoint could not be reached; the tablet retries by itself |
//! | [`Verdict::Error`] | `error` | syncing stopped for a reason a person must deal with (wrong token, newer format, a refused document) |
//! | [`Verdict::Refused`] | `refused` | the server refused an upload by a role rule (an inspector changing the plan): the refused edits are kept and shown, never retried in a loop |
//! | [`Verdict::Revoked`] | `revoked` | the server no longer accepts this tablet's token: access revoked; unsynced records stay exportable |
//! | [`Verdict::ServerFault`] | `server-fault` | the server answered with a fault of its own (a 500, not "offline"): the tablet keeps its edits, says so and retries by itself |
//! | [`Verdict::Rewritten`] | `rewritten` | the shared file changed content this tablet holds under the same stamp: the tablet keeps its copy and stops uploading to that file |
//! | [`Verdict::StorageFull`] | `storage-full` | the browser refused to store an edit: that edit was not saved, nothing else was lost |
//!
//! The engine reports a 403 as `refused` (with the server's words) and a 401 for a
//! token that worked before as `revoked` (a 401 for a token that never worked is a
//! wrong token: `error`). A 500 (any 5xx but 502–504, which say the server or its store
//! is unreachable for now) is `server-fault`; 502–504, 408, 429 and network errors are
//! `offline`. Both are retried with the same back-off.

use serde::Serialize;

/// The badge's state for one plan on one tablet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Verdict {
    Synced { at_ms: u64 },
    Pending { count: usize },
    Offline { pending: usize, reason: String },
    Error { pending: usize, reason: String },
    Refused { pending: usize, reason: String },
    Revoked { pending: usize },
    ServerFault { pending: usize, reason: String },
    Rewritten { pending: usize, reason: String },
    StorageFull { pending: usize, reason: String },
}

impl Verdict {
    /// The name the badge's `data-state` carries (see the table above).
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Synced { .. } => "synced",
            Verdict::Pending { .. } => "pending",
            Verdict::Offline { .. } => "offline",
            Verdict::Error { .. } => "error",
            Verdict::Refused { .. } => "refused",
            Verdict::Revoked { .. } => "revoked",
            Verdict::ServerFault { .. } => "server-fault",
            Verdict::Rewritten { .. } => "rewritten",
            Verdict::StorageFull { .. } => "storage-full",
        }
    }

    /// How many edits wait to be confirmed.
    pub fn pending(&self) -> usize {
        match self {
            Verdict::Synced { .. } => 0,
            Verdict::Pending { count } => *count,
            Verdict::Offline { pending, .. }
            | Verdict::Error { pending, .. }
            | Verdict::Refused { pending, .. }
            | Verdict::Revoked { pending }
            | Verdict::ServerFault { pending, .. }
            | Verdict::Rewritten { pending, .. }
            | Verdict::StorageFull { pending, .. } => *pending,
        }
    }

    /// Whether syncing stopped until a person acts (as opposed to retrying by itself).
    pub fn needs_a_person(&self) -> bool {
        !matches!(
            self,
            Verdict::Synced { .. }
                | Verdict::Pending { .. }
                | Verdict::Offline { .. }
                | Verdict::ServerFault { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_its_own_name() {
        let all = [
            Verdict::Synced { at_ms: 1 },
            Verdict::Pending { count: 2 },
            Verdict::Offline {
                pending: 1,
                reason: "x".into(),
            },
            Verdict::Error {
                pending: 1,
                reason: "x".into(),
            },
            Verdict::Refused {
                pending: 1,
                reason: "x".into(),
            },
            Verdict::Revoked { pending: 1 },
            Verdict::ServerFault {
                pending: 1,
                reason: "x".into(),
            },
            Verdict::Rewritten {
                pending: 1,
                reason: "x".into(),
            },
            Verdict::StorageFull {
                pending: 1,
                reason: "x".into(),
            },
        ];
        let names: std::collections::BTreeSet<_> = all.iter().map(Verdict::name).collect();
        assert_eq!(names.len(), all.len());
        assert_eq!(all[0].pending(), 0);
        assert!(all.iter().skip(2).all(|v| v.pending() == 1));
        // Offline and a server fault retry by themselves; the rest wait for a person.
        let retried: Vec<_> = all
            .iter()
            .filter(|v| !v.needs_a_person())
            .map(Verdict::name)
            .collect();
        assert_eq!(retried, ["synced", "pending", "offline", "server-fault"]);
    }
}
