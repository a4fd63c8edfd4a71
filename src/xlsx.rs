//! The client of the .xlsx worker (crates/xlsx-worker): a separate wasm module started on
//! first use, so the app shell does not carry the zip and spreadsheet code. The service
//! worker caches it with the rest of the build, so it works offline too.

use std::cell::RefCell;

use jindu_core::doc::Doc;
use jindu_core::import::Proposal;
use jindu_core::report::Report;
use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker};

/// Where Trunk's loader shim for the worker is served.
const WORKER_URL: &str = "/jindu-xlsx-worker_loader.js";

thread_local! {
    /// The worker and the promise of its `{ready: true}`.
    static WORKER: RefCell<Option<(Worker, Promise)>> = const { RefCell::new(None) };
}

/// What a workbook held.
pub enum Read {
    Exact(Doc),
    Proposal(Proposal),
}

fn worker() -> Result<(Worker, Promise), String> {
    WORKER.with(|w| {
        if let Some(existing) = w.borrow().as_ref() {
            return Ok(existing.clone());
        }
        let made = Worker::new(WORKER_URL).map_err(|e| format!("{e:?}"))?;
        let ready = Promise::new(&mut |resolve, reject| {
            made.set_onmessage(Some(
                Closure::once_into_js(move |ev: MessageEvent| {
                    let _ = resolve.call1(&JsValue::NULL, &ev.data());
                })
                .unchecked_ref(),
            ));
            made.set_onerror(Some(
                Closure::once_into_js(move |ev: JsValue| {
                    let _ = reject.call1(&JsValue::NULL, &ev);
                })
                .unchecked_ref(),
            ));
        });
        *w.borrow_mut() = Some((made.clone(), ready.clone()));
        Ok((made, ready))
    })
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Posts one request and waits for its answer (requests are made one at a time).
async fn ask(request: &Object) -> Result<JsValue, String> {
    let (w, ready) = worker()?;
    JsFuture::from(ready)
        .await
        .map_err(|_| "the spreadsheet module did not load".to_string())?;
    let promise = Promise::new(&mut |resolve, reject| {
        let on_message = Closure::once_into_js(move |ev: MessageEvent| {
            let _ = resolve.call1(&JsValue::NULL, &ev.data());
        });
        w.set_onmessage(Some(on_message.unchecked_ref()));
        let on_error = Closure::once_into_js(move |ev: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &ev);
        });
        w.set_onerror(Some(on_error.unchecked_ref()));
    });
    w.post_message(request).map_err(|e| format!("{e:?}"))?;
    let answer = JsFuture::from(promise).await.map_err(|e| {
        get(&e, "message")
            .as_string()
            .unwrap_or_else(|| "the spreadsheet module did not load".into())
    })?;
    if get(&answer, "ok").as_bool() == Some(true) {
        Ok(answer)
    } else {
        Err(get(&answer, "error")
            .as_string()
            .unwrap_or_else(|| "failed".into()))
    }
}

fn request(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

/// The report and the plan's structure as an .xlsx workbook.
pub async fn export(report: &Report, doc: &Doc) -> Result<Vec<u8>, String> {
    let report_json = serde_json::to_string(report).map_err(|e| e.to_string())?;
    let req = request(&[
        ("op", "export".into()),
        ("report", report_json.into()),
        ("doc", Uint8Array::from(doc.to_json().as_slice()).into()),
    ]);
    let answer = ask(&req).await?;
    Ok(Uint8Array::new(&get(&answer, "bytes")).to_vec())
}

/// Reads a workbook: a Jindu export exactly (as plan `plan_id`), another table as a
/// proposal.
pub async fn read(bytes: &[u8], plan_id: &str, year: i32) -> Result<Read, String> {
    let req = request(&[
        ("op", "read".into()),
        ("bytes", Uint8Array::from(bytes).into()),
        ("plan", plan_id.into()),
        ("year", JsValue::from_f64(f64::from(year))),
    ]);
    let answer = ask(&req).await?;
    match get(&answer, "kind").as_string().as_deref() {
        Some("exact") => {
            let json = get(&answer, "doc").as_string().unwrap_or_default();
            Doc::from_json(json.as_bytes())
                .map(Read::Exact)
                .map_err(|e| e.to_string())
        }
        _ => {
            let json = get(&answer, "proposal").as_string().unwrap_or_default();
            serde_json::from_str(&json)
                .map(Read::Proposal)
                .map_err(|e| e.to_string())
        }
    }
}
