//! Browser adapters shared by the app and its workers: the sync endpoint over `fetch`
//! (the only place Jindu talks to the network) and timers, in a page or a worker, and
//! the plumbing of the workers' messages ([`serve`], [`field`], [`object`]).
//!
//! [`FetchEndpoint`] implements the core sync engine's [`Endpoint`]: GET, PUT with
//! `If-Match`, PUT with `If-None-Match: *`, each with a timeout. The token is sent only
//! to the configured endpoint, as `Authorization: Bearer`.

use jindu_core::sync::{Endpoint, Reply, Request};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, DedicatedWorkerGlobalScope, Headers, MessageEvent, RequestInit, Response,
};

/// How long a request may take before the round counts as offline.
const TIMEOUT_MS: i32 = 15_000;

/// One document at an endpoint.
pub struct FetchEndpoint {
    /// Absolute URL of the document.
    pub url: String,
    pub token: String,
}

fn js_err(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| "network error".into())
}

impl FetchEndpoint {
    /// Whether the document is still the version `etag` names: a GET with
    /// `If-None-Match` whose body, when there is one, is not downloaded. Any answer but
    /// 304 is `Ok(false)`. A device with nothing to send checks this before it hands
    /// its replica to a sync round.
    pub async fn unchanged(&self, etag: &str) -> Result<bool, String> {
        let request = Request::Get {
            if_none_match: Some(etag.to_owned()),
        };
        let reply = self.fetch(&request, false).await?;
        Ok(matches!(reply, Reply::Http { status: 304, .. }))
    }

    async fn fetch(&self, request: &Request, read_body: bool) -> Result<Reply, String> {
        let headers = Headers::new().map_err(js_err)?;
        if !self.token.is_empty() {
            headers
                .set("Authorization", &format!("Bearer {}", self.token))
                .map_err(js_err)?;
        }
        let init = RequestInit::new();
        let body = match request {
            Request::Get { if_none_match } => {
                init.set_method("GET");
                if let Some(tag) = if_none_match {
                    headers.set("If-None-Match", tag).map_err(js_err)?;
                }
                None
            }
            Request::Put { body, if_match } => {
                init.set_method("PUT");
                headers.set("If-Match", if_match).map_err(js_err)?;
                Some(body)
            }
            Request::Create { body } => {
                init.set_method("PUT");
                headers.set("If-None-Match", "*").map_err(js_err)?;
                Some(body)
            }
        };
        if let Some(body) = body {
            headers
                .set("Content-Type", "application/json")
                .map_err(js_err)?;
            let array = js_sys::Uint8Array::from(body.as_slice());
            init.set_body(&array);
        }
        init.set_headers(&headers);
        init.set_cache(web_sys::RequestCache::NoStore);
        let controller = AbortController::new().map_err(js_err)?;
        init.set_signal(Some(&controller.signal()));
        let scope = Scope::get()?;
        let cancel = controller.clone();
        let abort = wasm_bindgen::closure::Closure::once(move || controller.abort());
        let timer = scope
            .set_timeout(abort.as_ref().unchecked_ref(), TIMEOUT_MS)
            .map_err(js_err)?;
        let result = JsFuture::from(scope.fetch(&self.url, &init)).await;
        let res: Response = match result {
            Ok(r) => r.unchecked_into(),
            Err(e) => {
                scope.clear_timeout(timer);
                return Err(js_err(e));
            }
        };
        let status = res.status();
        let etag = res.headers().get("ETag").ok().flatten();
        if !read_body && status != 304 {
            // Not wanted: stop the download.
            cancel.abort();
            scope.clear_timeout(timer);
            return Ok(Reply::Http {
                status,
                etag,
                body: Vec::new(),
            });
        }
        let bytes = match res.array_buffer() {
            Ok(p) => JsFuture::from(p).await.map_err(js_err)?,
            Err(e) => return Err(js_err(e)),
        };
        scope.clear_timeout(timer);
        Ok(Reply::Http {
            status,
            etag,
            body: js_sys::Uint8Array::new(&bytes).to_vec(),
        })
    }
}

impl Endpoint for FetchEndpoint {
    async fn send(&self, request: Request) -> Reply {
        match self.fetch(&request, true).await {
            Ok(r) => r,
            Err(e) => Reply::Failed(e),
        }
    }

    async fn sleep(&self, ms: u64) {
        sleep_ms(ms as i32).await;
    }

    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
}

/// Waits without blocking the page (or the worker).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Ok(scope) = Scope::get() {
            let _ = scope.set_timeout(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// The global scope: a page's window or a worker's scope, which offer the same `fetch`
/// and timers.
enum Scope {
    Window(web_sys::Window),
    Worker(web_sys::WorkerGlobalScope),
}

impl Scope {
    fn get() -> Result<Scope, String> {
        let global = js_sys::global();
        if let Some(w) = global.dyn_ref::<web_sys::Window>() {
            Ok(Scope::Window(w.clone()))
        } else if let Some(w) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
            Ok(Scope::Worker(w.clone()))
        } else {
            Err("no window or worker scope".into())
        }
    }

    fn fetch(&self, url: &str, init: &RequestInit) -> js_sys::Promise {
        match self {
            Scope::Window(w) => w.fetch_with_str_and_init(url, init),
            Scope::Worker(w) => w.fetch_with_str_and_init(url, init),
        }
    }

    fn set_timeout(&self, f: &js_sys::Function, ms: i32) -> Result<i32, JsValue> {
        match self {
            Scope::Window(w) => w.set_timeout_with_callback_and_timeout_and_arguments_0(f, ms),
            Scope::Worker(w) => w.set_timeout_with_callback_and_timeout_and_arguments_0(f, ms),
        }
    }

    fn clear_timeout(&self, handle: i32) {
        match self {
            Scope::Window(w) => w.clear_timeout_with_handle(handle),
            Scope::Worker(w) => w.clear_timeout_with_handle(handle),
        }
    }
}

/// A field of a JavaScript object (`undefined` when it has none).
pub fn field(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A plain object with these fields.
pub fn object(pairs: &[(&str, JsValue)]) -> js_sys::Object {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

/// Serves a worker's requests: each message's data goes to `handle`, and its answer is
/// posted back, an error as `{ok: false, error}`; an `ArrayBuffer` in the answer's
/// `bytes` field is transferred with it. Once the handler is in place, posts
/// `{ready: true}`: messages that arrive while the module loads find no handler, so the
/// app waits for this before its first request.
pub fn serve<F, Fut>(handle: F)
where
    F: Fn(JsValue) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<JsValue, String>> + 'static,
{
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let answer = scope.clone();
    let on_message =
        wasm_bindgen::closure::Closure::<dyn Fn(MessageEvent)>::new(move |ev: MessageEvent| {
            let answer = answer.clone();
            let reply = handle(ev.data());
            wasm_bindgen_futures::spawn_local(async move {
                let out = reply.await.unwrap_or_else(|e| {
                    object(&[("ok", JsValue::FALSE), ("error", e.into())]).into()
                });
                // A binary payload is transferred, not copied.
                let payload = field(&out, "bytes");
                if payload.is_instance_of::<js_sys::ArrayBuffer>() {
                    let _ = answer.post_message_with_transfer(&out, &js_sys::Array::of1(&payload));
                } else {
                    let _ = answer.post_message(&out);
                }
            });
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let _ = scope.post_message(&object(&[("ready", JsValue::TRUE)]));
}
