//! The client of the sync worker (crates/sync-worker): sync rounds of the open plan run
//! there, so that parsing, merging and encoding a large plan never block the page.
//!
//! The worker lives as long as the page and keeps a copy of the plan between rounds: the
//! first round after it starts (or after it answers `stale`: another plan, a restarted
//! worker, a copy too far behind) transfers the whole binary form ([`load`]); each round
//! then carries only the subset of the document changed since the copy's digest
//! ([`prepare`], [`round`]). The messages are `jindu_core::tablet::wire`'s.
//!
//! What is posted to the worker is counted, in bytes, under `jindu:sync-posted` (and the
//! whole form under `jindu:sync-loaded`; see [`crate::perf::count`]).

use std::cell::Cell;

use jindu_core::doc::Doc;
use jindu_core::sync::SyncState;
use jindu_core::tablet::wire::{Digest, FromWorker, ToWorker};
use jindu_core::tablet::{RoundEnd, Tablet};
use js_sys::{ArrayBuffer, Uint8Array};

use crate::net::FetchEndpoint;
use crate::perf;
use crate::workers::{ask_transferring, get, request, stop};

const WORKER_URL: &str = "/jindu-sync-worker_loader.js";
const MODULE: &str = "sync module";

thread_local! {
    /// The digest of the page's document the worker's copy holds, once loaded.
    static HOLDS: Cell<Option<Digest>> = const { Cell::new(None) };
}

/// What the worker's copy holds (`None`: nothing yet, or unknown).
pub fn holds() -> Option<Digest> {
    HOLDS.with(Cell::get)
}

/// Ends the worker after a failure (it starts again, empty, on the next round).
fn forget() {
    HOLDS.with(|h| h.set(None));
    stop(WORKER_URL);
}

/// A message ready to post: its JSON and its binary payload.
pub struct Prepared {
    msg: ToWorker,
    bytes: Vec<u8>,
}

/// The whole document for the worker to keep (the first round, or after `stale`).
pub fn prepare_load(tablet: &Tablet) -> Prepared {
    Prepared {
        msg: ToWorker::Load {
            digest: tablet.digest(),
        },
        bytes: tablet.doc().to_binary(),
    }
}

/// A round from the tablet as it stands, carrying what changed since the worker's copy;
/// `None` when the worker holds no copy this tablet can bring up to date (load it).
pub fn prepare(
    endpoint: &FetchEndpoint,
    tablet: &Tablet,
    state: &SyncState,
    seed: u64,
) -> Option<Prepared> {
    let base = holds()?;
    let delta = tablet.delta_since(base)?;
    Some(Prepared {
        msg: ToWorker::Round {
            base,
            digest: tablet.digest(),
            url: endpoint.url.clone(),
            token: endpoint.token.clone(),
            device: tablet.device().to_owned(),
            clock: tablet.replica().clock.last,
            state: state.clone(),
            seed,
        },
        bytes: delta.to_binary(),
    })
}

/// Posts a message (its payload transferred, not copied) and reads the answer. Any
/// failure ends the worker.
async fn post(prepared: Prepared) -> Result<(FromWorker, Option<Vec<u8>>), String> {
    let text = prepared.msg.encode();
    let buffer: ArrayBuffer = Uint8Array::from(prepared.bytes.as_slice()).buffer();
    let posted = (text.len() + prepared.bytes.len()) as f64;
    perf::count("jindu:sync-posted", posted);
    if matches!(prepared.msg, ToWorker::Load { .. }) {
        perf::count("jindu:sync-loaded", posted);
    }
    let req = request(&[("msg", text.into()), ("bytes", buffer.clone().into())]);
    drop(prepared.bytes);
    let answer = match ask_transferring(WORKER_URL, MODULE, &req, Some(&buffer)).await {
        Ok(a) => a,
        Err(e) => {
            forget();
            return Err(e);
        }
    };
    let msg = get(&answer, "msg").as_string().unwrap_or_default();
    let payload = get(&answer, "bytes");
    let payload = (!payload.is_undefined()).then(|| Uint8Array::new(&payload).to_vec());
    match FromWorker::decode(&msg) {
        Ok(FromWorker::Failed { error }) => {
            forget();
            Err(error)
        }
        Ok(answer) => Ok((answer, payload)),
        Err(e) => {
            forget();
            Err(e)
        }
    }
}

/// Hands the worker the whole document to keep.
pub async fn load(prepared: Prepared) -> Result<(), String> {
    HOLDS.with(|h| h.set(None));
    match post(prepared).await? {
        (FromWorker::Ready { digest }, _) => {
            HOLDS.with(|h| h.set(Some(digest)));
            Ok(())
        }
        _ => {
            forget();
            Err("the sync module did not keep the plan".into())
        }
    }
}

/// How a round in the worker ended.
pub enum Answer {
    Ended(Box<RoundEnd>),
    /// The worker's copy was not the one the round was for: load it again.
    Stale,
}

/// Runs a round in the worker.
pub async fn round(prepared: Prepared) -> Result<Answer, String> {
    let digest = match &prepared.msg {
        ToWorker::Round { digest, .. } => *digest,
        ToWorker::Load { .. } => return Err("not a round".into()),
    };
    match post(prepared).await? {
        (FromWorker::Ended { state, clock }, payload) => {
            let learned = Doc::from_binary(&payload.unwrap_or_default()).map_err(|e| {
                forget();
                e.to_string()
            })?;
            // The copy is the page's document at `digest`, joined with what it fetched.
            HOLDS.with(|h| h.set(Some(digest)));
            Ok(Answer::Ended(Box::new(RoundEnd {
                state,
                clock,
                learned,
            })))
        }
        (FromWorker::Stale { .. }, _) => {
            HOLDS.with(|h| h.set(None));
            Ok(Answer::Stale)
        }
        _ => {
            forget();
            Err("the sync module answered out of turn".into())
        }
    }
}
