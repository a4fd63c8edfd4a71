//! Clients of the app's web workers (separate wasm modules, each started on first use):
//! one request at a time per worker, answered with `{ok: true, ...}` or
//! `{ok: false, error}`. The service worker caches them with the rest of the build, so
//! they work offline too.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker};

thread_local! {
    /// Each started worker, by the URL of its loader, with the promise of its
    /// `{ready: true}`.
    static WORKERS: RefCell<HashMap<&'static str, (Worker, Promise)>> = RefCell::default();
}

fn worker(url: &'static str) -> Result<(Worker, Promise), String> {
    WORKERS.with(|w| {
        if let Some(existing) = w.borrow().get(url) {
            return Ok(existing.clone());
        }
        let made = Worker::new(url).map_err(|e| format!("{e:?}"))?;
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
        w.borrow_mut().insert(url, (made.clone(), ready.clone()));
        Ok((made, ready))
    })
}

/// Ends the worker at `url`, releasing its memory (a wasm module's memory only grows);
/// the next request starts it again.
pub fn stop(url: &'static str) {
    if let Some((w, _)) = WORKERS.with(|w| w.borrow_mut().remove(url)) {
        w.terminate();
    }
}

pub use jindu_web::{field as get, object as request};

/// Posts one request to the worker at `url` and waits for its answer. `module` names the
/// worker in errors ("the spreadsheet module did not load").
pub async fn ask(url: &'static str, module: &str, req: &Object) -> Result<JsValue, String> {
    ask_transferring(url, module, req, None).await
}

/// [`ask`], transferring `buffer` (a field of `req`) to the worker rather than copying
/// it: the page's copy is gone once posted.
pub async fn ask_transferring(
    url: &'static str,
    module: &str,
    req: &Object,
    buffer: Option<&js_sys::ArrayBuffer>,
) -> Result<JsValue, String> {
    let not_loaded = || format!("the {module} did not load");
    let (w, ready) = worker(url)?;
    if JsFuture::from(ready).await.is_err() {
        // Not loaded (offline before the script was cached, say): the next request
        // starts it afresh rather than finding this failed one.
        stop(url);
        return Err(not_loaded());
    }
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
    match buffer {
        Some(b) => w.post_message_with_transfer(req, &js_sys::Array::of1(b)),
        None => w.post_message(req),
    }
    .map_err(|e| format!("{e:?}"))?;
    let answer = JsFuture::from(promise)
        .await
        .map_err(|e| get(&e, "message").as_string().unwrap_or_else(not_loaded))?;
    if get(&answer, "ok").as_bool() == Some(true) {
        Ok(answer)
    } else {
        Err(get(&answer, "error")
            .as_string()
            .unwrap_or_else(|| "failed".into()))
    }
}
