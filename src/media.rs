//! The page's side of a record's photos: typed requests to the media worker
//! (`public/media-worker.js`), which decodes, downscales, hashes, keeps (IndexedDB) and
//! uploads them off the page's thread.

use std::cell::RefCell;

use jindu_core::model::Photo;
use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::workers::{ask, get, request};

/// The worker that adds and shows photos; uploads run in a second instance of the same
/// script, so that a long upload pass never holds up a thumbnail. Both share IndexedDB.
const URL: &str = "/media-worker.js";
const UPLOAD_URL: &str = "/media-worker.js?upload";
const MODULE: &str = "photo module";

thread_local! {
    /// The last request posted to each worker: a worker answers one request at a time,
    /// so each waits for the one before it.
    static TAILS: RefCell<[Promise; 2]> = RefCell::new([
        Promise::resolve(&JsValue::UNDEFINED),
        Promise::resolve(&JsValue::UNDEFINED),
    ]);
}

/// Posts `req` to the worker at `url` once the requests before it were answered.
async fn ask_in_turn(url: &'static str, req: &js_sys::Object) -> Result<JsValue, String> {
    let lane = usize::from(url == UPLOAD_URL);
    let mut release: Option<js_sys::Function> = None;
    let mine = Promise::new(&mut |resolve, _| release = Some(resolve));
    let before = TAILS.with(|t| std::mem::replace(&mut t.borrow_mut()[lane], mine));
    let _ = JsFuture::from(before).await;
    let answer = ask(url, MODULE, req).await;
    if let Some(release) = release {
        let _ = release.call0(&JsValue::NULL);
    }
    answer
}

/// Why a picked file was not added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// It is not an image this browser can decode (HEIC, a damaged file, not an image).
    Decode,
    /// Over 50 megapixels.
    TooLarge,
    /// The device refused to keep it (full disk, storage refused).
    Storage,
}

/// What adding picked files gave: the photos kept, and each refused file by name.
pub struct Added {
    pub photos: Vec<Photo>,
    pub refused: Vec<(String, Refusal)>,
}

/// Decodes, downscales and keeps the picked files for a record of `plan`.
pub async fn add(plan: &str, files: &web_sys::FileList) -> Result<Added, String> {
    let list = js_sys::Array::new();
    for i in 0..files.length() {
        if let Some(f) = files.get(i) {
            list.push(&f);
        }
    }
    let answer = ask_in_turn(
        URL,
        &request(&[
            ("op", "add".into()),
            ("plan", plan.into()),
            ("files", list.into()),
        ]),
    )
    .await?;
    let photos = js_sys::Array::from(&get(&answer, "photos"))
        .iter()
        .filter_map(|p| {
            Some(Photo {
                photo: get(&p, "photo").as_string()?,
                thumb: get(&p, "thumb").as_string()?,
                width: get(&p, "w").as_f64()? as u32,
                height: get(&p, "h").as_f64()? as u32,
                bytes: get(&p, "b").as_f64()? as u64,
            })
        })
        .collect();
    let refused = js_sys::Array::from(&get(&answer, "errors"))
        .iter()
        .map(|e| {
            let reason = match get(&e, "reason").as_string().as_deref() {
                Some("too_large") => Refusal::TooLarge,
                Some("storage") => Refusal::Storage,
                _ => Refusal::Decode,
            };
            (get(&e, "name").as_string().unwrap_or_default(), reason)
        })
        .collect();
    Ok(Added { photos, refused })
}

/// Photos waiting for upload, and what the worker keeps.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// Whether the worker answered yet (until then the counts below are not known).
    pub known: bool,
    pub pending: u32,
    pub pending_bytes: f64,
    pub kept_bytes: f64,
    /// Photos the endpoint refused because their bytes do not hash to their name.
    pub refused: Vec<String>,
}

pub async fn status() -> Result<Status, String> {
    let a = ask_in_turn(URL, &request(&[("op", "status".into())])).await?;
    Ok(Status {
        known: true,
        pending: get(&a, "pending").as_f64().unwrap_or(0.0) as u32,
        pending_bytes: get(&a, "pendingBytes").as_f64().unwrap_or(0.0),
        kept_bytes: get(&a, "keptBytes").as_f64().unwrap_or(0.0),
        refused: js_sys::Array::from(&get(&a, "refused"))
            .iter()
            .filter_map(|h| h.as_string())
            .collect(),
    })
}

/// How an upload pass ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Uploaded {
    pub uploaded: u32,
    pub remaining: u32,
    /// Why it stopped early: "offline", or the HTTP status (401/403 stop the queue until
    /// the token changes; others are retried later).
    pub stopped: Option<String>,
}

/// Uploads the pending photos of `plan` that `listed` (the hashes its records list) holds;
/// other plans' photos wait for their plan.
pub async fn upload(
    base: &str,
    token: Option<&str>,
    plan: &str,
    listed: &[String],
) -> Result<Uploaded, String> {
    let hashes = js_sys::Array::new();
    for h in listed {
        hashes.push(&h.into());
    }
    let a = ask_in_turn(
        UPLOAD_URL,
        &request(&[
            ("op", "upload".into()),
            ("base", base.into()),
            ("token", token.map_or(JsValue::NULL, Into::into)),
            ("plan", plan.into()),
            ("listed", hashes.into()),
        ]),
    )
    .await?;
    Ok(Uploaded {
        uploaded: get(&a, "uploaded").as_f64().unwrap_or(0.0) as u32,
        remaining: get(&a, "remaining").as_f64().unwrap_or(0.0) as u32,
        stopped: get(&a, "stopped").as_string(),
    })
}

/// A photo ready to show, or why it cannot be.
#[derive(Clone, Debug, PartialEq)]
pub enum Shown {
    /// An object URL of its bytes (revoke when the image goes).
    Url(String),
    /// The server has never had it: the tablet that took it has not uploaded it.
    Missing,
    /// Neither kept here nor reachable now.
    Offline,
    /// The endpoint's bytes do not hash to the photo's name (a plain WebDAV endpoint
    /// keeps whatever it was sent): damaged, not kept, not fetched again this time.
    Damaged,
}

/// Asks the worker for the photo or thumbnail `hash` of `plan`.
async fn fetch(base: &str, token: Option<&str>, plan: &str, hash: &str) -> Result<JsValue, String> {
    let token = token.map_or(JsValue::NULL, Into::into);
    let req = request(&[
        ("op", "get".into()),
        ("base", base.into()),
        ("token", token),
        ("plan", plan.into()),
        ("hash", hash.into()),
    ]);
    ask_in_turn(URL, &req).await
}

/// The photo or thumbnail `hash` of `plan`: kept on this device, else fetched and kept.
pub async fn show(
    base: &str,
    token: Option<&str>,
    plan: &str,
    hash: &str,
) -> Result<Shown, String> {
    let a = fetch(base, token, plan, hash).await?;
    let blob = get(&a, "blob");
    if let Some(blob) = blob.dyn_ref::<web_sys::Blob>() {
        return web_sys::Url::create_object_url_with_blob(blob)
            .map(Shown::Url)
            .map_err(|e| format!("{e:?}"));
    }
    if get(&a, "missing").as_bool() == Some(true) {
        return Ok(Shown::Missing);
    }
    if get(&a, "damaged").as_bool() == Some(true) {
        return Ok(Shown::Damaged);
    }
    Ok(Shown::Offline)
}

/// The bytes of the photo or thumbnail `hash` (kept here, else fetched and kept); `None`
/// when neither this device nor the server has it now.
pub async fn bytes(base: &str, token: Option<&str>, plan: &str, hash: &str) -> Option<Vec<u8>> {
    let a = fetch(base, token, plan, hash).await.ok()?;
    let blob = get(&a, "blob").dyn_into::<web_sys::Blob>().ok()?;
    let buffer = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// What the browser says this app's storage uses and may use (`navigator.storage
/// .estimate()`: localStorage, IndexedDB and caches together), in bytes.
pub async fn estimate() -> Option<(f64, f64)> {
    let promise = web_sys::window()?.navigator().storage().estimate().ok()?;
    let e = JsFuture::from(promise).await.ok()?;
    Some((get(&e, "usage").as_f64()?, get(&e, "quota").as_f64()?))
}
