//! The one adapter over the browser's localStorage (through gloo-storage).
//!
//! Keys are namespaced and versioned (`jindu.v1.…`). A plan document is stored as a
//! compressed snapshot plus a journal of the edits made since (see
//! [`jindu_core::stored`]): an edit appends a small delta at once, the snapshot is
//! rewritten later. Everything else is plain serde data. Failures are returned, never
//! swallowed: the caller keeps the edit in memory and tells the user.

use gloo_storage::{LocalStorage, Storage};
use jindu_core::doc::Doc;
use jindu_core::hlc::Clock;
use jindu_core::stored;
use jindu_core::sync::SyncState;
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

const PREFIX: &str = "jindu.v1.";
const SETTINGS: &str = "jindu.v1.settings";
const DEVICE: &str = "jindu.v1.device";
const INDEX: &str = "jindu.v1.index";

/// localStorage's usual quota: 5 M characters (UTF-16 code units), shown as 5 MB.
pub const QUOTA: f64 = 5_000_000.0;

/// Who uses this device and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub author: String,
    /// The sync endpoint base; `None` means this origin's `/files/`.
    pub endpoint: Option<String>,
    /// Sent only to the endpoint; never exported in backups.
    pub token: String,
    pub lang: Lang,
    pub office: bool,
    /// The plan open on this device.
    pub plan: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            author: String::new(),
            endpoint: None,
            token: String::new(),
            lang: Lang::Zh,
            office: false,
            plan: jindu_core::seed::PLAN_ID.to_owned(),
        }
    }
}

/// This install's identity and clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    pub clock: Clock,
}

/// A storage failure, in words for the user.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct StorageError(pub String);

fn plan_key(id: &str) -> String {
    format!("{PREFIX}plan.{id}")
}

fn journal_key(id: &str) -> String {
    format!("{PREFIX}journal.{id}")
}

/// A journal longer than this (in characters) is folded into the snapshot at once.
const JOURNAL_LIMIT: usize = 200_000;

fn sync_key(id: &str) -> String {
    format!("{PREFIX}sync.{id}")
}

fn raw() -> Result<web_sys::Storage, StorageError> {
    Ok(LocalStorage::raw())
}

fn set_raw(key: &str, value: &str) -> Result<(), StorageError> {
    raw()?.set_item(key, value).map_err(|e| {
        StorageError(
            e.as_string()
                .or_else(|| {
                    js_sys::Reflect::get(&e, &"message".into())
                        .ok()
                        .and_then(|m| m.as_string())
                })
                .unwrap_or_else(|| "localStorage refused the write (full?)".into()),
        )
    })
}

pub fn load_settings() -> Settings {
    LocalStorage::get(SETTINGS).unwrap_or_default()
}

pub fn save_settings(s: &Settings) -> Result<(), StorageError> {
    LocalStorage::set(SETTINGS, s).map_err(|e| StorageError(e.to_string()))
}

/// The device's identity, made (random, once per install) on first use.
pub fn load_device() -> Device {
    if let Ok(d) = LocalStorage::get::<Device>(DEVICE) {
        return d;
    }
    let d = Device {
        id: random_id(),
        clock: Clock::default(),
    };
    let _ = LocalStorage::set(DEVICE, &d);
    d
}

pub fn save_device(d: &Device) -> Result<(), StorageError> {
    LocalStorage::set(DEVICE, d).map_err(|e| StorageError(e.to_string()))
}

/// Eight random lower-case letters and digits from the browser's CSPRNG.
fn random_id() -> String {
    let mut bytes = [0u8; 8];
    let ok = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok())
        .unwrap_or(false);
    if !ok {
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect()
}

/// Whether edits to a plan wait in its journal (not yet folded into its snapshot).
pub fn has_journal(id: &str) -> bool {
    raw()
        .ok()
        .and_then(|s| s.get_item(&journal_key(id)).ok().flatten())
        .is_some_and(|j| !j.is_empty())
}

/// Whether this device stores a plan under `id`, readable or not: reading a large plan
/// only to learn that would take seconds, and a damaged one must not be written over.
pub fn holds_plan(id: &str) -> bool {
    // `key in localStorage` is true exactly for stored keys (besides the Storage
    // methods' names, which no plan key equals), and copies no value.
    raw().is_ok_and(|s| js_sys::Reflect::has(&s, &plan_key(id).into()).unwrap_or(false))
}

/// A stored plan document with its journal replayed, if this device holds one that reads.
pub fn load_plan(id: &str) -> Option<Doc> {
    let storage = raw().ok()?;
    let text =
        crate::perf::span("jindu:read-stored", || storage.get_item(&plan_key(id))).ok()??;
    let mut doc = match crate::perf::span("jindu:decode", || stored::decode_snapshot_owned(text)) {
        Ok(d) => d,
        Err(e) => {
            leptos::logging::error!("stored plan {id} does not read: {e}");
            return None;
        }
    };
    if let Some(journal) = storage.get_item(&journal_key(id)).ok().flatten() {
        for e in stored::replay(&mut doc, &journal) {
            leptos::logging::error!("an edit in the journal of {id} does not read: {e}");
        }
    }
    Some(doc)
}

/// Writes the whole plan as a snapshot and clears its journal (which the snapshot holds).
/// When the write fails, the previous snapshot and the journal stay as they were.
pub fn save_plan(doc: &Doc) -> Result<(), StorageError> {
    set_raw(&plan_key(&doc.id), &stored::encode_snapshot(doc))?;
    raw()?
        .remove_item(&journal_key(&doc.id))
        .map_err(|_| StorageError("localStorage refused to clear the journal".into()))
}

/// Stores one edit quickly: the entity or record it touched is appended to the plan's
/// journal. Returns whether the journal has grown long enough to fold into the snapshot.
pub fn journal_plan(doc: &Doc, touched: &str) -> Result<bool, StorageError> {
    let Some(delta) = stored::delta(doc, touched) else {
        save_plan(doc)?;
        return Ok(false);
    };
    let key = journal_key(&doc.id);
    let current = raw()?.get_item(&key).ok().flatten().unwrap_or_default();
    let next = stored::append(&current, &delta);
    set_raw(&key, &next)?;
    Ok(next.len() > JOURNAL_LIMIT)
}

pub fn load_sync(id: &str) -> SyncState {
    LocalStorage::get(sync_key(id)).unwrap_or_default()
}

pub fn save_sync(id: &str, s: &SyncState) -> Result<(), StorageError> {
    LocalStorage::set(sync_key(id), s).map_err(|e| StorageError(e.to_string()))
}

pub fn load_index() -> Option<Doc> {
    let text = raw().ok()?.get_item(INDEX).ok()??;
    Doc::from_json(text.as_bytes()).ok()
}

pub fn save_index(doc: &Doc) -> Result<(), StorageError> {
    let json = String::from_utf8(doc.to_json()).expect("JSON is UTF-8");
    set_raw(INDEX, &json)
}

/// The plan ids this device holds.
pub fn stored_plans() -> Vec<String> {
    let Ok(s) = raw() else { return Vec::new() };
    let n = s.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter_map(|k| k.strip_prefix("jindu.v1.plan.").map(str::to_owned))
        .collect()
}

/// Characters held under Jindu's keys and values (UTF-16 code units, as browsers count
/// the quota).
pub fn used() -> f64 {
    let Ok(s) = raw() else { return 0.0 };
    let n = s.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(PREFIX))
        .map(|k| {
            let v = s.get_item(&k).ok().flatten().unwrap_or_default();
            (k.encode_utf16().count() + v.encode_utf16().count()) as f64
        })
        .sum()
}
