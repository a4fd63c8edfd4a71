//! The sync worker: runs the app's sync rounds off the page's thread, on a copy of the
//! open plan that it keeps between rounds. Parsing the shared file, merging it, checking
//! and encoding the result take about a second on a 1,000-item plan on a mid-range
//! tablet; here they never hold up a tap.
//!
//! The worker lives as long as the page. It is loaded once with the whole document
//! (`ToWorker::Load`, the binary form as a transferred buffer) and afterwards is sent
//! only what changed since (`ToWorker::Round`, a subset document naming the digest of the
//! copy it applies to); see `jindu_core::tablet::wire` for the messages. Its memory is
//! one copy of the plan plus a round's peak (the fetched file and the encoded result),
//! which a wasm module keeps once grown: about what the page itself holds, for as long
//! as the page is open, in exchange for never encoding and posting the whole plan again.
//!
//! Each message is `{msg: <JSON>, bytes?: ArrayBuffer}`; each answer is
//! `{ok: true, msg: <FromWorker JSON>, bytes?: ArrayBuffer}`. Once loaded, the worker
//! posts `{ready: true}`.

use std::cell::RefCell;

use jindu_core::doc::Doc;
use jindu_core::edit::Replica;
use jindu_core::hlc::Clock;
use jindu_core::sync::{drive, Policy, SyncRound};
use jindu_core::tablet::wire::{FromWorker, ToWorker};
use jindu_core::tablet::{Begun, KeptCopy};
use jindu_web::{field as get, object, FetchEndpoint};
use js_sys::Uint8Array;
use wasm_bindgen::JsValue;

thread_local! {
    /// The kept copy of the plan and the digest of the page's document it holds.
    static COPY: RefCell<KeptCopy> = const { RefCell::new(KeptCopy::new()) };
}

fn bytes(data: &JsValue) -> Vec<u8> {
    let b = get(data, "bytes");
    if b.is_undefined() || b.is_null() {
        Vec::new()
    } else {
        Uint8Array::new(&b).to_vec()
    }
}

/// Answers one message; an error drops the kept copy (the page sends it whole again).
async fn handle(data: JsValue) -> (FromWorker, Option<Vec<u8>>) {
    match answer(&data).await {
        Ok(out) => out,
        Err(error) => {
            COPY.with(|c| c.borrow_mut().forget());
            (FromWorker::Failed { error }, None)
        }
    }
}

async fn answer(data: &JsValue) -> Result<(FromWorker, Option<Vec<u8>>), String> {
    let text = get(data, "msg")
        .as_string()
        .ok_or("a message without a body")?;
    match ToWorker::decode(&text)? {
        ToWorker::Load { digest } => {
            let doc = Doc::from_binary(&bytes(data)).map_err(|e| e.to_string())?;
            COPY.with(|c| c.borrow_mut().load(doc, digest));
            Ok((FromWorker::Ready { digest }, None))
        }
        ToWorker::Round {
            base,
            digest,
            url,
            token,
            device,
            clock,
            mut state,
            seed,
        } => {
            // Taken out for the round (one message at a time), put back after it; a copy
            // not at `base` stays, the delta never merged.
            let begun = COPY.with(|c| {
                c.borrow_mut().begin(base, || {
                    Doc::from_binary(&bytes(data)).map_err(|e| e.to_string())
                })
            })?;
            let doc = match begun {
                Begun::Run(doc) => doc,
                Begun::Stale { has } => return Ok((FromWorker::Stale { has }, None)),
            };
            let mut replica = Replica::new(doc, device, Clock { last: clock });
            let endpoint = FetchEndpoint { url, token };
            let mut round = SyncRound::new(Policy::default(), seed);
            drive(&endpoint, &mut replica, &mut state, &mut round).await;
            let learned = replica
                .doc
                .subset(round.learned_ids().iter().map(String::as_str));
            let clock = replica.clock.last;
            // The copy is now the page's document at `digest` joined with what the round
            // fetched: the page merges that in too, and sending it again is harmless.
            COPY.with(|c| c.borrow_mut().keep(replica.doc, digest));
            Ok((
                FromWorker::Ended { state, clock },
                Some(learned.to_binary()),
            ))
        }
    }
}

fn main() {
    console_error_panic_hook::set_once();
    jindu_web::serve(|data| async move {
        let (msg, payload) = handle(data).await;
        let mut fields = vec![("ok", JsValue::TRUE), ("msg", msg.encode().into())];
        if let Some(payload) = payload {
            // Posted as a transferred buffer (see `jindu_web::serve`).
            fields.push((
                "bytes",
                Uint8Array::from(payload.as_slice()).buffer().into(),
            ));
        }
        Ok(object(&fields).into())
    });
}
