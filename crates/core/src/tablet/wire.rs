//! The messages between the app's page and its long-lived sync worker, shared by both
//! ends. Each message is one of these types as JSON, with at most one binary payload
//! beside it (a transferable buffer, never inside the JSON):
//!
//! - [`ToWorker::Load`] carries the whole document's binary form ([`Doc::to_binary`]) and
//!   is answered [`FromWorker::Ready`]: the worker now keeps that copy between rounds.
//! - [`ToWorker::Round`] carries the subset of the document changed since the copy's
//!   digest ([`super::Tablet::delta_since`]); the worker merges it and runs a round on
//!   its copy, answering [`FromWorker::Ended`] with what the round learned as the
//!   buffer, or [`FromWorker::Stale`] when its copy is not at `base` (it restarted, or
//!   the page opened another plan), and the page sends the whole form again.
//! - Anything that goes wrong is [`FromWorker::Failed`]; a message that does not decode
//!   is an error on either end, and the page then runs the round itself.
//!
//! [`Doc::to_binary`]: crate::doc::Doc::to_binary

use serde::{Deserialize, Serialize};

use crate::sync::SyncState;

/// Which revision of which tablet instance a document is ([`super::Tablet::digest`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    pub instance: u64,
    pub revision: u64,
}

/// From the page to the sync worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
// Externally tagged (`{"round": {...}}`): an internally tagged enum's decoder buffers
// the message first and costs the app's bundle several kilobytes more.
#[serde(rename_all = "snake_case")]
// One message at a time, held briefly: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum ToWorker {
    /// Keep this document (the buffer: its whole binary form), which is at `digest`.
    Load { digest: Digest },
    /// Merge the buffer (a subset document) into the copy at `base`, which is then at
    /// `digest`, and run one sync round on it.
    Round {
        base: Digest,
        digest: Digest,
        url: String,
        token: String,
        device: String,
        /// The page's clock.
        clock: u64,
        /// The page's sync state, which the round starts from.
        state: SyncState,
        /// The round's jitter seed.
        seed: u64,
    },
}

/// From the sync worker to the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum FromWorker {
    /// The document is loaded and kept.
    Ready { digest: Digest },
    /// The worker's copy is not at the round's `base` (`has`: what it holds, if
    /// anything): send the whole form.
    Stale { has: Option<Digest> },
    /// The round ran: the sync state after it (whole), the copy's clock; the buffer is
    /// the part of the merged document the round changed (a subset document, binary).
    Ended { state: SyncState, clock: u64 },
    /// The request failed; the worker dropped its copy.
    Failed { error: String },
}

impl ToWorker {
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("a message is plain data")
    }

    pub fn decode(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("a message that does not read: {e}"))
    }
}

impl FromWorker {
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("a message is plain data")
    }

    pub fn decode(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("an answer that does not read: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{Pending, SyncError};

    #[test]
    fn messages_round_trip() {
        let digest = Digest {
            instance: 3,
            revision: u64::MAX,
        };
        let state = SyncState {
            etag: Some("\"abc\"".into()),
            last_synced_ms: Some(1_700_000_000_000),
            pending: vec![Pending {
                id: "r-1".into(),
                fields: vec!["percent".into()],
                stamp: (1 << 60) + 7,
            }],
            stopped: Some(SyncError::Unexpected(418)),
            offline: Some("the endpoint answered 500".into()),
            server_fault: true,
            skewed_ahead_ms: None,
            generation: 0,
        };
        let to = [
            ToWorker::Load { digest },
            ToWorker::Round {
                base: Digest {
                    instance: 3,
                    revision: 1,
                },
                digest,
                url: "https://x/files/plans/p.json".into(),
                token: "t".into(),
                device: "d".into(),
                clock: u64::MAX - 1,
                state: state.clone(),
                seed: 42,
            },
        ];
        for m in to {
            assert_eq!(ToWorker::decode(&m.encode()), Ok(m));
        }
        let from = [
            FromWorker::Ready { digest },
            FromWorker::Stale { has: None },
            FromWorker::Stale { has: Some(digest) },
            FromWorker::Ended { state, clock: 9 },
            FromWorker::Failed {
                error: "bad".into(),
            },
        ];
        for m in from {
            assert_eq!(FromWorker::decode(&m.encode()), Ok(m));
        }
    }

    #[test]
    fn a_message_that_does_not_read_is_an_error() {
        assert!(ToWorker::decode("").is_err());
        assert!(ToWorker::decode(r#"{"explode":{}}"#).is_err());
        assert!(ToWorker::decode(r#"{"load":{}}"#).is_err());
        assert!(FromWorker::decode(r#"{"ended":{"state":1}}"#).is_err());
        assert!(FromWorker::decode("null").is_err());
    }
}
