//! The one adapter over the browser's localStorage (through gloo-storage): nothing else
//! in the app touches storage.
//!
//! Keys are namespaced and versioned (`jindu.v1.…`). How a plan is kept (a compressed
//! snapshot plus a journal of what was stored since, its sync state, the device) is
//! decided by [`jindu_core::tablet`], over [`Local`], this module's [`KeyValue`].
//! Everything else is plain serde data. Failures are returned, never swallowed. The
//! office's report cell edits live in the plan document; this module only hands over
//! those an earlier version kept here ([`legacy_report_edits`]).

use gloo_storage::{LocalStorage, Storage};
use jindu_core::doc::Doc;
use jindu_core::hlc::Clock;
use jindu_core::stored;
use jindu_core::summary::Summary;
use jindu_core::sync::SyncState;
use jindu_core::tablet::persist::{self, PREFIX};
pub use jindu_core::tablet::{Device, KeyValue, StorageError};
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

const SETTINGS: &str = "jindu.v1.settings";
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
    /// The account the server named for the token (`GET {endpoint}.me`), kept for
    /// offline use; `None` without accounts.
    #[serde(default)]
    pub account: Option<Account>,
}

/// An account as the server describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// `office`, `inspector` or `viewer`.
    pub role: String,
    /// The plans it is limited to; empty means all.
    #[serde(default)]
    pub plans: Vec<String>,
}

impl Account {
    /// Whether the account is the office's (edits and creates plans).
    pub fn is_office(&self) -> bool {
        self.role == "office"
    }
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
            account: None,
        }
    }
}

/// localStorage as the [`KeyValue`] store a [`jindu_core::tablet::Tablet`] keeps its
/// plan in.
pub struct Local;

impl KeyValue for Local {
    fn get(&self, key: &str) -> Option<String> {
        raw().get_item(key).ok().flatten()
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageError> {
        raw().set_item(key, value).map_err(|e| {
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

    fn remove(&mut self, key: &str) -> Result<(), StorageError> {
        raw()
            .remove_item(key)
            .map_err(|_| StorageError(format!("localStorage refused to remove {key}")))
    }
}

fn raw() -> web_sys::Storage {
    LocalStorage::raw()
}

pub fn load_settings() -> Settings {
    LocalStorage::get(SETTINGS).unwrap_or_default()
}

pub fn save_settings(s: &Settings) -> Result<(), StorageError> {
    LocalStorage::set(SETTINGS, s).map_err(|e| StorageError(e.to_string()))
}

/// The device's identity, made (random, once per install) on first use.
pub fn load_device() -> Device {
    if let Some(d) = persist::load_device(&Local) {
        return d;
    }
    let d = Device {
        id: random_id(),
        clock: Clock::default(),
    };
    let _ = persist::save_device(&mut Local, &d);
    d
}

/// Eight random lower-case letters and digits from the browser's CSPRNG.
pub fn random_id() -> String {
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

/// Whether this device stores a plan under `id`, readable or not: reading a large plan
/// only to learn that would take seconds, and a damaged one must not be written over.
pub fn holds_plan(id: &str) -> bool {
    // `key in localStorage` is true exactly for stored keys (besides the Storage
    // methods' names, which no plan key equals), and copies no value.
    js_sys::Reflect::has(&raw(), &persist::plan_key(id).into()).unwrap_or(false)
}

/// A stored plan document with its journal replayed, if this device holds one that reads
/// (what a tablet opening it reads).
pub fn load_plan(id: &str) -> Option<Doc> {
    let mut doc = stored::decode_snapshot_owned(Local.get(&persist::plan_key(id))?).ok()?;
    persist::replay(
        &mut doc,
        &Local.get(&persist::journal_key(id)).unwrap_or_default(),
    );
    Some(doc)
}

/// Stores a whole plan as a snapshot (a new plan: an import or a copy), clearing any
/// journal and overview summary under its id.
pub fn save_plan(doc: &Doc) -> Result<(), StorageError> {
    Local.set(&persist::plan_key(&doc.id), &stored::encode_snapshot(doc))?;
    Local.remove(&persist::summary_key(&doc.id))?;
    Local.remove(&persist::journal_key(&doc.id))
}

/// The overview summary stored for plan `id`, when the device holds that plan and the
/// summary reads. One that does not read is reported on the console and ignored (the
/// plan is read at once, and its summary written anew).
pub fn load_summary(id: &str) -> Option<Summary> {
    if !holds_plan(id) {
        return None;
    }
    let text = Local.get(&persist::summary_key(id))?;
    Summary::from_text(&text, id)
        .map_err(|e| leptos::logging::warn!("{e}; reading the plan first"))
        .ok()
}

/// Stores the overview summary of a plan, read at the next start before the plan.
pub fn save_summary(summary: &Summary) -> Result<(), StorageError> {
    Local.set(&persist::summary_key(&summary.plan), &summary.to_text())
}

/// The sync state stored for plan `id` with the edits its journal holds (what the badge
/// says before the plan is read).
pub fn load_sync(id: &str) -> SyncState {
    persist::sync_as_stored(&Local, id)
}

/// Cell edits an earlier version of the app kept in this browser, for one plan and
/// period (`jindu.v1.report.{plan}.{start}.{end}`: text by item id), before they moved
/// into the plan document.
pub struct LegacyReportEdits {
    /// The key they are kept under, removed once they are in the document.
    pub key: String,
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
    pub edits: std::collections::BTreeMap<String, String>,
}

/// The cell edits this browser still keeps for `plan` outside its document. A key that
/// does not read is left where it is (and out of the list), never removed.
pub fn legacy_report_edits(plan: &str) -> Vec<LegacyReportEdits> {
    let prefix = format!("{PREFIX}report.{plan}.");
    let s = raw();
    let n = s.length().unwrap_or(0);
    let keys: Vec<String> = (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(&prefix))
        .collect();
    keys.into_iter()
        .filter_map(|key| {
            let (start, end) = key[prefix.len()..].split_once('.')?;
            let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
            let (start, end) = (day(start)?, day(end)?);
            let edits = LocalStorage::get(&key).ok()?;
            Some(LegacyReportEdits {
                key,
                start,
                end,
                edits,
            })
        })
        .collect()
}

/// Removes cell edits kept outside the document, once all of them are in it.
pub fn remove_legacy_report_edits(key: &str) -> Result<(), StorageError> {
    Local.remove(key)
}

pub fn load_index() -> Option<Doc> {
    let text = raw().get_item(INDEX).ok()??;
    Doc::from_json(text.as_bytes()).ok()
}

pub fn save_index(doc: &Doc) -> Result<(), StorageError> {
    let json = String::from_utf8(doc.to_json()).expect("JSON is UTF-8");
    Local.set(INDEX, &json)
}

/// The plan ids this device holds.
pub fn stored_plans() -> Vec<String> {
    let s = raw();
    let n = s.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter_map(|k| k.strip_prefix("jindu.v1.plan.").map(str::to_owned))
        .collect()
}

/// Characters held under Jindu's keys and values (UTF-16 code units, as browsers count
/// the quota).
pub fn used() -> f64 {
    let s = raw();
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
