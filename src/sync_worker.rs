//! The client of the sync worker (crates/sync-worker): a sync round of the open plan
//! runs there on a copy of the replica, so that parsing, merging and encoding a large
//! plan never block the page. The page's cost is the replica's binary form going in and
//! what the round learned coming back.

use jindu_core::doc::Doc;
use jindu_core::edit::Replica;
use jindu_core::sync::SyncState;
use js_sys::{Object, Uint8Array};

use crate::net::FetchEndpoint;
use crate::workers::{ask, get, request, stop};

const WORKER_URL: &str = "/jindu-sync-worker_loader.js";
const MODULE: &str = "sync module";

/// How a round in the worker ended.
pub struct Ended {
    /// The sync state after the round (of the state it was given).
    pub state: SyncState,
    /// The worker replica's clock after the round.
    pub clock: u64,
    /// The part of the merged document the round changed: what the page's replica may
    /// lack.
    pub learned: Doc,
}

/// The request for one round of `replica`'s document against `endpoint`: made at once,
/// from the replica as it stands.
pub fn request_for(
    endpoint: &FetchEndpoint,
    replica: &Replica,
    state: &SyncState,
    seed: u64,
) -> Result<Object, String> {
    let state_json = serde_json::to_string(state).map_err(|e| e.to_string())?;
    Ok(request(&[
        ("op", "round".into()),
        ("url", endpoint.url.as_str().into()),
        ("token", endpoint.token.as_str().into()),
        (
            "doc",
            Uint8Array::from(replica.doc.to_binary().as_slice()).into(),
        ),
        ("device", replica.device.as_str().into()),
        ("clock", replica.clock.last.to_string().into()),
        ("state", state_json.into()),
        ("seed", seed.to_string().into()),
    ]))
}

/// Runs the round in the worker. The worker is ended after each round: a round of a
/// large plan holds the plan, the fetched file and the encoded result at once, and a
/// wasm module never gives memory back; starting it again takes a few milliseconds
/// (its compiled code is cached).
pub async fn round(req: &Object) -> Result<Ended, String> {
    let answer = ask(WORKER_URL, MODULE, req).await;
    stop(WORKER_URL);
    let answer = answer?;
    let text = |key: &str| get(&answer, key).as_string().unwrap_or_default();
    Ok(Ended {
        state: serde_json::from_str(&text("state")).map_err(|e| e.to_string())?,
        clock: text("clock")
            .parse()
            .map_err(|_| "the sync module gave no clock".to_string())?,
        learned: Doc::from_binary(&Uint8Array::new(&get(&answer, "learned")).to_vec())
            .map_err(|e| e.to_string())?,
    })
}
