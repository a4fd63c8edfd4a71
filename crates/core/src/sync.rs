//! The sync engine: brings a device's replica and the shared file into agreement.
//!
//! The engine is a state machine with no I/O of its own ("sans-IO"): a [`SyncRound`]
//! says which request to send next ([`Step::Send`]) or how long to wait
//! ([`Step::Wait`]), and is fed each reply. The app drives it with `fetch`, the tests
//! with an in-memory store that injects faults or with the real server on loopback.
//!
//! One round: GET the file; merge it in; PUT the merged document back with `If-Match`
//! only when the file lacks something this device holds (or create it with
//! `If-None-Match: *` when absent). A 412 means somebody wrote in between: wait a
//! jittered back-off and start over. Timeouts, 429, 502–504 and network errors end the
//! round as offline; any other 5xx (a 500: the server failed at something of its own)
//! as a server fault, retried the same way but shown apart. 401/403 stop syncing with
//! the reason, and nothing is ever reported as synced
//! unless a reply confirmed it. A fetched file that rewrote content this replica holds
//! (a version's stamp and device with other content) is never merged: the round stops
//! with [`SyncError::Rewritten`] and the replica stays as it was.

use serde::{Deserialize, Serialize};

use crate::doc::{Changes, Doc, DocError};
use crate::edit::{Applied, Replica};
use crate::tablet::Verdict;

/// A request for the endpoint, relative to the document's path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `GET`, with `If-None-Match` when set.
    Get { if_none_match: Option<String> },
    /// `PUT` with `If-Match`.
    Put { body: Vec<u8>, if_match: String },
    /// `PUT` with `If-None-Match: *`.
    Create { body: Vec<u8> },
}

/// What came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// An HTTP response.
    Http {
        status: u16,
        etag: Option<String>,
        body: Vec<u8>,
    },
    /// No response: a network error or a timeout.
    Failed(String),
}

impl Reply {
    pub fn status(status: u16, etag: Option<&str>, body: impl Into<Vec<u8>>) -> Self {
        Reply::Http {
            status,
            etag: etag.map(str::to_owned),
            body: body.into(),
        }
    }
}

/// What the driver must do next.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Send(Request),
    /// Wait this many milliseconds, then call [`SyncRound::resume`].
    Wait(u64),
    Finished(Outcome),
}

/// Why syncing stopped and needs a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum SyncError {
    #[error("the endpoint rejected the token (401)")]
    Unauthorized,
    /// 401 for a token that worked before: the account was revoked or its token rotated.
    #[error("access revoked: the server no longer accepts this tablet's token (401); unsynced edits stay on this device")]
    Revoked,
    /// 403: the token may not do this (a viewer, a plan outside the account's list, an
    /// inspector changing the plan). The server's words say which rule; nothing is
    /// retried until a person acts.
    #[error("{0}")]
    Refused(String),
    #[error(
        "the shared file was written by a newer Jindu (format {0}); update this app to sync it"
    )]
    NewerFormat(u32),
    #[error("the shared file is not a Jindu plan document: {0}")]
    Unreadable(String),
    #[error("the endpoint refused the document: {0}")]
    Rejected(String),
    #[error("the endpoint gave no ETag, so it cannot guard against lost updates")]
    NoEtag,
    #[error(
        "refused to write: the document would have lost data it fetched (a bug; please report it)"
    )]
    WouldLoseData,
    #[error("the endpoint answered {0}")]
    Unexpected(u16),
    /// The fetched file holds a record version or field value this replica holds, with
    /// other content: it was rewritten in place. Nothing was merged; the words say which.
    #[error(
        "the shared file changed {0} in place; this tablet keeps its copy and stops uploading to that file: export your copy and ask the office to restore an earlier version with `jindu-server history restore`"
    )]
    Rewritten(String),
}

/// How a round ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A reply confirmed that the file holds everything this device holds.
    Synced { etag: String },
    /// The endpoint could not be reached or kept failing; try again later.
    Offline { reason: String },
    /// The endpoint was reached and failed at something of its own (a 500): try again
    /// later, as when offline, but a person at the server may have to act.
    ServerFault { reason: String },
    /// Syncing this document stopped; the reason says what a person must do.
    Stopped(SyncError),
}

/// Retry policy of a round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// How many 412s a round retries before giving up until the next round.
    pub max_conflicts: u32,
    pub base_backoff_ms: u64,
    pub max_backoff_ms: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_conflicts: 8,
            base_backoff_ms: 100,
            max_backoff_ms: 5_000,
        }
    }
}

/// A local edit not yet confirmed by the endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The entity or record written.
    pub id: String,
    /// The fields written (empty for a record).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    pub stamp: u64,
}

/// A device's sync bookkeeping for one document, persisted with the replica.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    /// The ETag of the version of the file this replica last merged and confirmed.
    pub etag: Option<String>,
    /// When a reply last confirmed the file held everything (Unix ms).
    pub last_synced_ms: Option<u64>,
    /// Local edits the endpoint has not confirmed yet.
    pub pending: Vec<Pending>,
    /// Set when syncing stopped for a reason a person must deal with.
    pub stopped: Option<SyncError>,
    /// The last round's failure to reach the endpoint, if it failed.
    pub offline: Option<String>,
    /// Whether the failure in `offline` was the server's own fault (a 500) rather than
    /// a failure to reach it: retried the same way, shown apart. (Absent in states
    /// stored before it existed.)
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub server_fault: bool,
    /// How far ahead the furthest remote stamp was, when one was too far to adopt.
    pub skewed_ahead_ms: Option<u64>,
    /// The storage write counter when this state was stored: the edits in journal lines
    /// written after it are pending too (see `tablet::persist`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub generation: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl SyncState {
    /// Notes a local edit as pending.
    pub fn note_edit(&mut self, applied: &Applied, fields: Vec<String>) {
        self.pending.push(Pending {
            id: applied.id.clone(),
            fields,
            stamp: applied.stamp,
        });
    }

    /// What the badge shows, from the sync state alone ([`crate::tablet::Tablet::verdict`]
    /// adds what storage says).
    pub fn status(&self) -> Verdict {
        let pending = self.pending.len();
        match &self.stopped {
            Some(SyncError::Refused(reason)) => {
                return Verdict::Refused {
                    pending,
                    reason: reason.clone(),
                }
            }
            Some(SyncError::Revoked) => return Verdict::Revoked { pending },
            Some(e) => {
                return Verdict::Error {
                    pending,
                    reason: e.to_string(),
                }
            }
            None => {}
        }
        if let Some(reason) = &self.offline {
            let reason = reason.clone();
            return if self.server_fault {
                Verdict::ServerFault { pending, reason }
            } else {
                Verdict::Offline { pending, reason }
            };
        }
        match (pending, self.last_synced_ms) {
            (0, Some(at_ms)) => Verdict::Synced { at_ms },
            (0, None) => Verdict::Pending { count: 0 },
            (count, _) => Verdict::Pending { count },
        }
    }

    /// Drops the pending edits that a confirmed document holds.
    fn confirm(&mut self, confirmed: &Doc, device: &str) {
        self.pending.retain(|p| !holds(confirmed, p, device));
    }
}

impl Pending {
    /// Whether `doc` holds this edit of `device`'s (a field written since replaced still
    /// counts: the register has seen it).
    pub fn held_by(&self, doc: &Doc, device: &str) -> bool {
        holds(doc, self, device)
    }
}

fn holds(doc: &Doc, p: &Pending, device: &str) -> bool {
    if p.fields.is_empty() {
        return doc
            .records
            .get(&p.id)
            .is_some_and(|v| v.iter().any(|x| x.stamp == p.stamp && &*x.device == device));
    }
    p.fields.iter().all(|f| {
        doc.register(&p.id, f)
            .is_some_and(|r| r.has_seen(p.stamp, device))
    })
}

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Idle,
    Getting,
    /// A PUT is in flight; these pending edits were in what it carries.
    Writing {
        carried: Vec<Pending>,
    },
    Rereading,
    Waiting,
    Done,
}

/// One sync round for one document.
#[derive(Clone, Debug)]
pub struct SyncRound {
    policy: Policy,
    phase: Phase,
    conflicts: u32,
    rng: u64,
    /// What fetched files held that the replica lacked.
    learned: Changes,
}

/// A small seeded generator for back-off jitter (xorshift64*).
fn next_random(state: &mut u64) -> u64 {
    let mut x = (*state).max(1);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    x.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

impl SyncRound {
    /// A round with a seed for its jitter (pass randomness in; tests pass a constant).
    pub fn new(policy: Policy, seed: u64) -> Self {
        SyncRound {
            policy,
            phase: Phase::Idle,
            conflicts: 0,
            rng: seed | 1,
            learned: Changes::default(),
        }
    }

    /// Starts the round.
    pub fn start(&mut self, replica: &Replica, state: &SyncState) -> Step {
        if let Some(e) = &state.stopped {
            self.phase = Phase::Done;
            return Step::Finished(Outcome::Stopped(e.clone()));
        }
        let _ = replica;
        self.phase = Phase::Getting;
        // With nothing pending, a 304 proves the file still equals what we merged; with
        // edits pending, fetch the body so the safety net can compare.
        let if_none_match = if state.pending.is_empty() {
            state.etag.clone()
        } else {
            None
        };
        Step::Send(Request::Get { if_none_match })
    }

    /// Whether the round merged in something the replica lacked: only then did the
    /// replica's document change (the driver rebuilds what it derives from it).
    pub fn learned(&self) -> bool {
        self.learned.any
    }

    /// The entities and records the round changed in the replica (each once, sorted).
    pub fn learned_ids(&self) -> &[String] {
        &self.learned.ids
    }

    /// Continues after a [`Step::Wait`].
    pub fn resume(&mut self) -> Step {
        self.phase = Phase::Getting;
        Step::Send(Request::Get {
            if_none_match: None,
        })
    }

    /// Feeds the reply to the last request.
    pub fn on_reply(
        &mut self,
        replica: &mut Replica,
        state: &mut SyncState,
        reply: Reply,
        wall_ms: u64,
    ) -> Step {
        let step = self.advance(replica, state, reply, wall_ms);
        if let Step::Finished(outcome) = &step {
            self.phase = Phase::Done;
            match outcome {
                Outcome::Synced { etag } => {
                    state.etag = Some(etag.clone());
                    state.last_synced_ms = Some(wall_ms);
                    state.offline = None;
                    state.server_fault = false;
                }
                Outcome::Offline { reason } => {
                    state.offline = Some(reason.clone());
                    state.server_fault = false;
                }
                Outcome::ServerFault { reason } => {
                    state.offline = Some(reason.clone());
                    state.server_fault = true;
                }
                Outcome::Stopped(e) => {
                    state.stopped = Some(e.clone());
                    state.offline = None;
                    state.server_fault = false;
                }
            }
        }
        step
    }

    fn advance(
        &mut self,
        replica: &mut Replica,
        state: &mut SyncState,
        reply: Reply,
        wall_ms: u64,
    ) -> Step {
        let (status, etag, body) = match reply {
            Reply::Failed(reason) => return offline(reason),
            Reply::Http { status, etag, body } => (status, etag, body),
        };
        match status {
            // A token that worked before and no longer does was revoked or rotated.
            401 if state.last_synced_ms.is_some() => return stopped(SyncError::Revoked),
            401 => return stopped(SyncError::Unauthorized),
            403 => {
                let words = String::from_utf8_lossy(&body);
                let words = words.trim();
                return stopped(SyncError::Refused(if words.is_empty() {
                    "the server refused this tablet's edits (403)".to_owned()
                } else {
                    words.chars().take(300).collect()
                }));
            }
            // Not reachable for now: a timeout, too many requests, or a gateway or store
            // that is down (the server answers 503 while its database fails over).
            408 | 429 | 502..=504 => return offline(format!("the endpoint answered {status}")),
            // Reached, and failed at something of its own: retried like offline, but said.
            500..=599 => return server_fault(status, &body),
            // Somebody wrote in between (or, from a confused proxy, a GET was refused):
            // wait and start over from a fresh GET.
            412 => {
                self.conflicts += 1;
                if self.conflicts > self.policy.max_conflicts {
                    return offline(format!(
                        "the file kept changing ({} attempts); will retry",
                        self.conflicts
                    ));
                }
                self.phase = Phase::Waiting;
                return Step::Wait(self.backoff());
            }
            _ => {}
        }
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Getting | Phase::Rereading => match status {
                // The file is still the version this replica merged last. That confirms
                // no pending edit: one made while the GET was out is not in the file.
                304 => match etag.or_else(|| state.etag.clone()) {
                    Some(etag) => {
                        if state.pending.is_empty() {
                            Step::Finished(Outcome::Synced { etag })
                        } else {
                            // Not expected (we only send If-None-Match with nothing
                            // pending), but never claim synced: fetch the body.
                            self.phase = Phase::Getting;
                            Step::Send(Request::Get {
                                if_none_match: None,
                            })
                        }
                    }
                    None => stopped(SyncError::NoEtag),
                },
                200 => {
                    let Some(etag) = etag else {
                        return stopped(SyncError::NoEtag);
                    };
                    let remote = match Doc::from_json(&body) {
                        Ok(d) => d,
                        Err(DocError::NewerFormat { found, .. }) => {
                            return stopped(SyncError::NewerFormat(found))
                        }
                        Err(e) => return stopped(SyncError::Unreadable(e.to_string())),
                    };
                    match replica.merge_remote_changes(&remote, wall_ms) {
                        Ok((changes, skew)) => {
                            self.learned.any |= changes.any;
                            // Each id once, across the merges of a round's retries.
                            self.learned.ids.extend(changes.ids);
                            self.learned.ids.sort_unstable();
                            self.learned.ids.dedup();
                            if skew.is_some() {
                                state.skewed_ahead_ms = skew;
                            }
                        }
                        // The merge refused and changed nothing: keep this copy, stop.
                        Err(DocError::Rewritten { what, ours, theirs }) => {
                            return stopped(SyncError::Rewritten(format!(
                                "{what}, from {ours} to {theirs}"
                            )))
                        }
                        Err(e) => return stopped(SyncError::Unreadable(e.to_string())),
                    }
                    if remote.contains(&replica.doc) {
                        state.confirm(&remote, &replica.device);
                        return Step::Finished(Outcome::Synced { etag });
                    }
                    // Safety net: what we write must hold everything we fetched.
                    if !replica.doc.contains(&remote) {
                        return stopped(SyncError::WouldLoseData);
                    }
                    self.phase = Phase::Writing {
                        carried: carried(replica, state),
                    };
                    Step::Send(Request::Put {
                        body: replica.doc.to_json(),
                        if_match: etag,
                    })
                }
                404 => {
                    self.phase = Phase::Writing {
                        carried: carried(replica, state),
                    };
                    Step::Send(Request::Create {
                        body: replica.doc.to_json(),
                    })
                }
                other => stopped(SyncError::Unexpected(other)),
            },
            Phase::Writing { carried } => match status {
                200 | 201 | 204 => match etag {
                    Some(etag) => {
                        state.pending.retain(|p| !carried.contains(p));
                        Step::Finished(Outcome::Synced { etag })
                    }
                    None => {
                        self.phase = Phase::Rereading;
                        Step::Send(Request::Get {
                            if_none_match: None,
                        })
                    }
                },
                409 | 413 | 422 => stopped(SyncError::Rejected(
                    String::from_utf8_lossy(&body).chars().take(300).collect(),
                )),
                other => stopped(SyncError::Unexpected(other)),
            },
            Phase::Idle | Phase::Waiting | Phase::Done => stopped(SyncError::Unexpected(status)),
        }
    }

    /// Exponential back-off with full jitter.
    fn backoff(&mut self) -> u64 {
        let exp = self
            .policy
            .base_backoff_ms
            .saturating_mul(1 << self.conflicts.min(16))
            .min(self.policy.max_backoff_ms);
        exp / 2 + next_random(&mut self.rng) % (exp / 2 + 1)
    }
}

/// The pending edits the replica's document holds: those a PUT of it carries. (Every
/// one, unless the driver recorded an edit it has not applied.) Edits made while the PUT
/// is out are not among them, so its success confirms only these.
fn carried(replica: &Replica, state: &SyncState) -> Vec<Pending> {
    state
        .pending
        .iter()
        .filter(|p| holds(&replica.doc, p, &replica.device))
        .cloned()
        .collect()
}

fn offline(reason: String) -> Step {
    Step::Finished(Outcome::Offline { reason })
}

fn server_fault(status: u16, body: &[u8]) -> Step {
    let words = String::from_utf8_lossy(body);
    let words: String = words.trim().chars().take(300).collect();
    let reason = if words.is_empty() {
        format!("the endpoint answered {status}")
    } else {
        format!("the endpoint answered {status}: {words}")
    };
    Step::Finished(Outcome::ServerFault { reason })
}

fn stopped(e: SyncError) -> Step {
    Step::Finished(Outcome::Stopped(e))
}

/// The endpoint seen by the async driver: GET, PUT with If-Match, PUT with
/// If-None-Match: *. Implemented over `fetch` in the app and over HTTP in tests.
#[allow(async_fn_in_trait)]
pub trait Endpoint {
    async fn send(&self, request: Request) -> Reply;
    async fn sleep(&self, ms: u64);
    fn now_ms(&self) -> u64;
}

/// Runs a whole round against an endpoint.
pub async fn run_round(
    endpoint: &impl Endpoint,
    replica: &mut Replica,
    state: &mut SyncState,
    policy: Policy,
    seed: u64,
) -> Outcome {
    drive(endpoint, replica, state, &mut SyncRound::new(policy, seed)).await
}

/// Runs `round` from its start to its end against an endpoint; the round then says
/// what it learned ([`SyncRound::learned_ids`]).
pub async fn drive(
    endpoint: &impl Endpoint,
    replica: &mut Replica,
    state: &mut SyncState,
    round: &mut SyncRound,
) -> Outcome {
    let mut step = round.start(replica, state);
    loop {
        step = match step {
            Step::Send(request) => {
                let reply = endpoint.send(request).await;
                round.on_reply(replica, state, reply, endpoint.now_ms())
            }
            Step::Wait(ms) => {
                endpoint.sleep(ms).await;
                round.resume()
            }
            Step::Finished(outcome) => return outcome,
        };
    }
}
