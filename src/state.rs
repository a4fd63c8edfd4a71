//! The app's state: the open plan's replica, its sync state and the settings, with the
//! operations components dispatch. Components read signals and call these methods; only
//! this module touches storage and the network (through `storage` and `net`).

use std::sync::Arc;

use chrono::NaiveDate;
use jindu_core::doc::Doc;
use jindu_core::edit::{Applied, Edit, EditError, Replica};
use jindu_core::index;
use jindu_core::model::Plan;
use jindu_core::seed;
use jindu_core::sync::{
    run_round, Endpoint, Outcome, Policy, Reply, Status, Step, SyncRound, SyncState,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{Lang, Texts};
use crate::net::{endpoint_base, FetchEndpoint};
use crate::storage::{self, Device, Settings};
use crate::sync_worker;

/// The plan as read from the replica, compared by identity so that a memo over it does
/// not compare whole plans on every change. Kept up to date by [`AppState`]: an edit
/// refreshes what it touched, a merge or another plan reads the document again.
#[derive(Clone, Debug)]
pub struct PlanView(pub Arc<Plan>);

impl PartialEq for PlanView {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Everything components need, as copyable signal handles. Provided once as context:
/// every page reads the same plan, and there is only one of each.
#[derive(Clone, Copy)]
pub struct AppState {
    pub settings: RwSignal<Settings>,
    pub replica: RwSignal<Replica>,
    pub sync: RwSignal<SyncState>,
    pub plan: RwSignal<PlanView>,
    /// The plan index (plans known on this device and at the endpoint).
    pub index: RwSignal<Doc>,
    /// The last storage failure; edits stay in memory while it is set.
    pub storage_error: RwSignal<Option<String>>,
    /// Set while a sync round runs.
    syncing: RwSignal<bool>,
    /// Another round was asked for while one ran.
    again: RwSignal<bool>,
    /// A pending debounced sync after an edit.
    debounce: StoredValue<Option<TimeoutHandle>>,
    /// Edits are in the journal and not yet in the plan's snapshot.
    journalled: StoredValue<bool>,
    /// The date progress and schedules are judged at, when not today.
    as_of: RwSignal<Option<NaiveDate>>,
    /// Rounds in a row that found the endpoint unreachable (for the retry back-off).
    offline_rounds: StoredValue<u32>,
    /// The one scheduled retry, replaced rather than stacked.
    retry: StoredValue<Option<TimeoutHandle>>,
}

impl AppState {
    pub fn expect() -> AppState {
        expect_context::<AppState>()
    }

    /// Loads settings, device and the open plan from storage (the built-in plan when the
    /// device holds none) and provides the state as context.
    pub fn provide() -> AppState {
        let mut settings = storage::load_settings();
        let device = storage::load_device();
        if !index::is_plan_id(&settings.plan) {
            settings.plan = seed::PLAN_ID.to_owned();
        }
        let doc = crate::perf::span("jindu:load-plan", || load_or_seed(&settings.plan));
        let sync = storage::load_sync(&settings.plan);
        // A journal left by an earlier visit is folded at the next chance too.
        let journalled = storage::has_journal(&settings.plan);
        let plan = RwSignal::new(read_plan(&doc));
        let replica = RwSignal::new(Replica::new(doc, device.id, device.clock));
        let state = AppState {
            settings: RwSignal::new(settings),
            replica,
            sync: RwSignal::new(sync),
            plan,
            index: RwSignal::new(storage::load_index().unwrap_or_else(built_in_index)),
            storage_error: RwSignal::new(None),
            syncing: RwSignal::new(false),
            again: RwSignal::new(false),
            debounce: StoredValue::new(None),
            journalled: StoredValue::new(journalled),
            as_of: RwSignal::new(None),
            offline_rounds: StoredValue::new(0),
            retry: StoredValue::new(None),
        };
        provide_context(state);
        // The journal is folded into the snapshot when the app leaves the screen (another
        // app, the tablet locked, the tab closed): nobody is typing then, and rewriting
        // the snapshot of a large plan takes a while.
        let fold = move |_| {
            let hidden = document().visibility_state() == web_sys::VisibilityState::Hidden;
            if hidden {
                state.fold_journal();
            }
        };
        // For the app's lifetime: the handles are dropped without removing the listeners.
        let _ = window_event_listener_untyped("visibilitychange", fold);
        let _ = window_event_listener_untyped("pagehide", move |_| state.fold_journal());
        state
    }

    /// Reads the plan view again from the whole document (after a merge).
    fn replan(&self) {
        let view = self.replica.with_untracked(|r| read_plan(&r.doc));
        self.plan.set(view);
    }

    pub fn lang(&self) -> Lang {
        self.settings.with(|s| s.lang)
    }

    /// The texts in the current language (tracks the language).
    pub fn t(&self) -> &'static Texts {
        self.lang().t()
    }

    /// The open plan's title (its id when it has none yet).
    pub fn title(&self) -> String {
        self.plan.with(|p| {
            p.0.meta
                .as_ref()
                .map(|m| m.title.clone())
                .unwrap_or_else(|| p.0.id.clone())
        })
    }

    /// The date figures are judged at: today, unless the user chose another (to look at
    /// a past plan as it stood, say 2021-06-30).
    pub fn as_of(&self) -> NaiveDate {
        self.as_of.get().unwrap_or_else(|| self.today())
    }

    /// Whether a date other than today was chosen.
    pub fn as_of_set(&self) -> bool {
        self.as_of.with(Option::is_some)
    }

    pub fn set_as_of(&self, date: Option<NaiveDate>) {
        self.as_of.set(date);
    }

    /// Whether this device is in office mode (plan editing shown).
    pub fn is_office(&self) -> bool {
        self.settings.with(|s| s.office)
    }

    /// Today in the plan's time zone.
    pub fn today(&self) -> NaiveDate {
        let now = js_sys::Date::now() as i64;
        self.plan.with(|p| p.0.local_date(now))
    }

    pub fn status(&self) -> Status {
        self.sync.with(SyncState::status)
    }

    /// Applies an edit made on this device, stores it at once and schedules a sync.
    pub fn edit(&self, edit: Edit) -> Result<Applied, EditError> {
        crate::perf::span("jindu:edit", || self.edit_now(edit))
    }

    fn edit_now(&self, edit: Edit) -> Result<Applied, EditError> {
        let author = self.settings.with_untracked(|s| s.author.clone());
        let now = js_sys::Date::now() as u64;
        // Checked against the plan view the app holds, which is then refreshed where the
        // edit touched it: reading a large plan again would take seconds.
        let mut result = None;
        self.replica.update(|r| {
            result = Some(
                self.plan
                    .with_untracked(|p| r.apply_with(&p.0, &edit, &author, now)),
            )
        });
        let applied = result.expect("update ran")?;
        self.replica.with_untracked(|r| {
            self.plan
                .update(|p| Arc::make_mut(&mut p.0).refresh(&r.doc, &applied.id))
        });
        let fields = match &edit {
            Edit::Set { fields, .. } => fields.keys().cloned().collect(),
            _ => Vec::new(),
        };
        self.sync.update(|s| s.note_edit(&applied, fields));
        self.persist_edits([applied.id.as_str()]);
        self.sync_soon();
        Ok(applied)
    }

    /// Stores what an edit (or a sync round) touched at once, each entity or record as a
    /// journal entry, with the device clock and sync state; the journal is folded into
    /// the plan's snapshot when it grows long or the app is hidden.
    fn persist_edits<'a>(&self, touched: impl IntoIterator<Item = &'a str>) {
        let result = crate::perf::span("jindu:store", || {
            self.replica.with_untracked(|r| {
                let mut full = false;
                for id in touched {
                    full |= storage::journal_plan(&r.doc, id)?;
                }
                self.store_device_and_sync(r)?;
                Ok::<_, storage::StorageError>(full)
            })
        });
        match result {
            Ok(full) => {
                if self.storage_error.get_untracked().is_some() {
                    self.storage_error.set(None);
                }
                if full {
                    self.persist();
                } else {
                    self.journalled.set_value(true);
                }
            }
            Err(e) => self.storage_error.set(Some(e.0)),
        }
    }

    /// Brings the plan view and storage up to date after a sync round changed these
    /// entities and records in the replica: a few are read and journalled one by one
    /// (like edits), many at once (reading the plan again, rewriting the snapshot).
    fn absorb(&self, ids: &[String]) {
        const ONE_BY_ONE: usize = 32;
        // Views of the replica itself (the editor's open conflicts) read it again.
        self.replica.notify();
        if ids.len() > ONE_BY_ONE {
            self.replan();
            self.persist();
            return;
        }
        self.replica.with_untracked(|r| {
            self.plan.update(|p| {
                let plan = Arc::make_mut(&mut p.0);
                for id in ids {
                    plan.refresh(&r.doc, id);
                }
            })
        });
        self.persist_edits(ids.iter().map(String::as_str));
    }

    /// Rewrites the snapshot when edits are waiting in the journal (see `provide`).
    pub fn fold_journal(&self) {
        if self.journalled.get_value() {
            self.persist();
        }
    }

    /// Writes the replica, the device clock and the sync state to storage.
    pub fn persist(&self) {
        self.journalled.set_value(false);
        let result = crate::perf::span("jindu:store", || self.store_now());
        match result {
            Ok(()) => {
                if self.storage_error.get_untracked().is_some() {
                    self.storage_error.set(None);
                }
            }
            Err(e) => self.storage_error.set(Some(e.0)),
        }
    }

    fn store_now(&self) -> Result<(), storage::StorageError> {
        self.replica.with_untracked(|r| {
            storage::save_plan(&r.doc)?;
            self.store_device_and_sync(r)
        })
    }

    fn store_device_and_sync(&self, r: &Replica) -> Result<(), storage::StorageError> {
        storage::save_device(&Device {
            id: r.device.clone(),
            clock: r.clock.clone(),
        })?;
        storage::save_sync(&r.doc.id, &self.sync.get_untracked())
    }

    pub fn save_settings(&self, change: impl FnOnce(&mut Settings)) {
        self.settings.update(change);
        if let Err(e) = storage::save_settings(&self.settings.get_untracked()) {
            self.storage_error.set(Some(e.0));
        }
    }

    /// Syncs a couple of seconds after the last edit (edits in a burst go together).
    pub fn sync_soon(&self) {
        let this = *self;
        debounce(self.debounce, 1_500, move || this.sync_now());
    }

    /// Starts a sync round (or asks for another one after the running round).
    pub fn sync_now(&self) {
        if self.syncing.get_untracked() {
            self.again.set(true);
            return;
        }
        // When the browser knows it has no network, a round could only fail, after copying
        // the whole plan: say offline at once and try again when the network is back.
        if !window().navigator().on_line() {
            self.sync.update(|s| {
                s.offline = Some("the browser has no network connection".into());
            });
            return;
        }
        self.syncing.set(true);
        let this = *self;
        spawn_local(async move {
            loop {
                this.again.set(false);
                this.round().await;
                if !this.again.get_untracked() {
                    break;
                }
            }
            this.syncing.set(false);
            this.retry_when_offline();
        });
    }

    /// While the endpoint is unreachable, tries again after 3 s, 6 s, 12 s … up to a
    /// minute, so a tablet back in range syncs without anyone pressing a button.
    fn retry_when_offline(&self) {
        let offline = self
            .sync
            .with_untracked(|s| s.offline.is_some() && s.stopped.is_none());
        if !offline {
            self.offline_rounds.set_value(0);
            return;
        }
        let n = self.offline_rounds.get_value().min(5);
        self.offline_rounds.set_value(n + 1);
        let delay = std::time::Duration::from_secs((3u64 << n).min(60));
        let this = *self;
        if let Some(h) = self.retry.get_value() {
            h.clear();
        }
        self.retry
            .set_value(set_timeout_with_handle(move || this.sync_now(), delay).ok());
    }

    /// Clears a stopped sync (after the user changed the token or endpoint) and syncs.
    pub fn retry_sync(&self) {
        self.sync.update(|s| s.stopped = None);
        self.sync_now();
    }

    async fn round(&self) {
        let (base, token) = self
            .settings
            .with_untracked(|s| (endpoint_base(s.endpoint.as_deref()), s.token.clone()));
        let plan = self.replica.with_untracked(|r| r.doc.id.clone());
        let endpoint = FetchEndpoint {
            url: format!("{base}{}", index::plan_path(&plan)),
            token: token.clone(),
        };
        let seed = (js_sys::Math::random() * u64::MAX as f64) as u64;
        let learned = if self.unchanged(&endpoint, &plan, seed).await {
            // Nothing to send and nothing new: the round is over, and the replica was
            // neither copied nor encoded (on a large plan, every minute).
            Some(Vec::new())
        } else {
            self.full_round(&endpoint, &plan, seed).await
        };
        self.sync.notify();
        // Only a round that brought something this device lacked changed the document
        // (not one that was offline, found the file unchanged or only uploaded this
        // device's edits); only then are the plan view and storage brought up to date.
        // (`None`: another plan was opened meanwhile and the round's result was dropped.)
        match learned {
            Some(ids) if !ids.is_empty() => self.absorb(&ids),
            _ => {
                if let Err(e) = self
                    .replica
                    .with_untracked(|r| self.store_device_and_sync(r))
                {
                    self.storage_error.set(Some(e.0));
                }
            }
        }
        self.sync_index(&base, &token).await;
    }

    /// With nothing to send, checks whether the file is still the version this replica
    /// merged last, without downloading it; if so, the engine takes that answer as it
    /// would in a round (the sync state says synced) and this returns true.
    async fn unchanged(&self, endpoint: &FetchEndpoint, plan: &str, seed: u64) -> bool {
        let etag = self.sync.with_untracked(|s| {
            (s.pending.is_empty() && s.stopped.is_none())
                .then(|| s.etag.clone())
                .flatten()
        });
        let Some(etag) = etag else {
            return false;
        };
        if endpoint.unchanged(&etag).await != Ok(true) {
            return false;
        }
        let mut round = SyncRound::new(Policy::default(), seed);
        self.on_live(plan, |r, s| {
            // An edit made while the request was out makes the engine ask for the file:
            // not synced, and a whole round follows.
            let Step::Send(_) = round.start(r, s) else {
                return false;
            };
            let reply = Reply::status(304, Some(&etag), Vec::new());
            let step = round.on_reply(r, s, reply, endpoint.now_ms());
            matches!(step, Step::Finished(Outcome::Synced { .. }))
        })
        .unwrap_or(false)
    }

    /// Runs `f` on the live replica and sync state, if `plan` is still the open plan
    /// (another may have been opened while a request was out).
    fn on_live<T>(
        &self,
        plan: &str,
        f: impl FnOnce(&mut Replica, &mut SyncState) -> T,
    ) -> Option<T> {
        let mut out = None;
        self.replica.update_untracked(|r| {
            if r.doc.id == plan {
                self.sync.update_untracked(|s| out = Some(f(r, s)));
            }
        });
        out
    }

    /// A whole round: in the sync worker, or on the page when the worker cannot run it.
    async fn full_round(
        &self,
        endpoint: &FetchEndpoint,
        plan: &str,
        seed: u64,
    ) -> Option<Vec<String>> {
        match self.round_in_worker(endpoint, plan, seed).await {
            Ok(learned) => learned,
            Err(e) => {
                // Nothing of the round reached the replica or the sync state: run it here.
                leptos::logging::warn!("sync module: {e}; syncing on the page");
                self.round_here(endpoint, plan, seed).await
            }
        }
    }

    /// Runs a round in the sync worker on a copy of the replica, then merges what it
    /// learned into the live replica and takes its sync state, keeping every pending edit
    /// made meanwhile. Returns the entities and records that changed, or `None` when
    /// another plan was opened meanwhile (the round's result is then dropped: the next
    /// round of that plan fetches it again). An error means the round did not run.
    async fn round_in_worker(
        &self,
        endpoint: &FetchEndpoint,
        plan: &str,
        seed: u64,
    ) -> Result<Option<Vec<String>>, String> {
        let sent = self.sync.get_untracked();
        let req = self.replica.with_untracked(|r| {
            crate::perf::span("jindu:sync-request", || {
                sync_worker::request_for(endpoint, r, &sent, seed)
            })
        })?;
        let ended = sync_worker::round(&req).await?;
        // Pending edits the round confirmed: those it was given and did not give back.
        let confirmed: Vec<_> = sent
            .pending
            .into_iter()
            .filter(|p| !ended.state.pending.contains(p))
            .collect();
        Ok(self.on_live(plan, |live, s| {
            live.clock.last = live.clock.last.max(ended.clock);
            s.pending.retain(|p| !confirmed.contains(p));
            s.etag = ended.state.etag;
            s.last_synced_ms = ended.state.last_synced_ms;
            s.stopped = ended.state.stopped;
            s.offline = ended.state.offline;
            s.skewed_ahead_ms = ended.state.skewed_ahead_ms;
            live.doc
                .merge_changes(&ended.learned)
                .map(|c| c.ids)
                .unwrap_or_default()
        }))
    }

    /// Runs a round on the page (when the sync worker cannot): the engine works on the
    /// live replica and sync state, a reply at a time, each in one task, so edits made
    /// while a request is out land in the same replica and the engine counts as sent
    /// only what a request carried. Returns what changed, as [`Self::round_in_worker`].
    async fn round_here(
        &self,
        endpoint: &FetchEndpoint,
        plan: &str,
        seed: u64,
    ) -> Option<Vec<String>> {
        let mut round = SyncRound::new(Policy::default(), seed);
        // `None` once another plan was opened while a request was out: the round is over.
        let mut step = self.on_live(plan, |r, s| round.start(r, s));
        while let Some(next) = step {
            step = match next {
                Step::Send(request) => {
                    let reply = endpoint.send(request).await;
                    let now = endpoint.now_ms();
                    self.on_live(plan, |r, s| round.on_reply(r, s, reply, now))
                }
                Step::Wait(ms) => {
                    endpoint.sleep(ms).await;
                    self.on_live(plan, |_, _| round.resume())
                }
                Step::Finished(_) => return Some(round.learned_ids().to_vec()),
            };
        }
        None
    }

    /// Keeps the plan index in step with the endpoint's (best effort: its failures do
    /// not change the plan's sync status).
    async fn sync_index(&self, base: &str, token: &str) {
        let endpoint = FetchEndpoint {
            url: format!("{base}{}", index::INDEX_PATH),
            token: token.to_owned(),
        };
        let device = self
            .replica
            .with_untracked(|r| (r.device.clone(), r.clock.clone()));
        let mut replica = Replica::new(self.index.get_untracked(), device.0, device.1);
        let mut state = SyncState::default();
        run_round(&endpoint, &mut replica, &mut state, Policy::default(), 7).await;
        let _ = storage::save_index(&replica.doc);
        self.index.set(replica.doc);
    }

    /// Opens another plan: the device's copy, the built-in plan, or an empty document
    /// that the next sync fills from the endpoint.
    pub fn open_plan(&self, id: &str) {
        self.persist();
        let doc = load_or_seed(id);
        let sync = storage::load_sync(id);
        self.plan.set(read_plan(&doc));
        self.journalled.set_value(storage::has_journal(id));
        self.replica.update(|r| r.doc = doc);
        self.sync.set(sync);
        self.save_settings(|s| s.plan = id.to_owned());
        self.sync_now();
    }

    /// Creates a plan (empty, or with the open plan's structure but none of its
    /// records), lists it in the index and opens it.
    pub fn create_plan(&self, id: &str, title: &str, copy: bool) -> Result<(), String> {
        let mut doc = Doc::new(id);
        if copy {
            doc.entities = self.replica.with_untracked(|r| r.doc.entities.clone());
        }
        let author = self.settings.with_untracked(|s| s.author.clone());
        let now = js_sys::Date::now() as u64;
        let (device, clock) = self
            .replica
            .with_untracked(|r| (r.device.clone(), r.clock.clone()));
        let mut replica = Replica::new(doc, device, clock);
        let year = chrono::Datelike::year(&self.today());
        let mut meta = serde_json::Map::new();
        meta.insert("title".into(), title.into());
        meta.insert("year".into(), year.into());
        meta.insert("start".into(), format!("{year}-01-01").into());
        meta.insert("end".into(), format!("{year}-12-31").into());
        replica
            .apply(
                &Edit::Set {
                    entity: "plan".into(),
                    fields: meta,
                },
                &author,
                now,
            )
            .map_err(|e| e.to_string())?;
        let clock = replica.clock;
        self.replica.update(|r| r.clock = clock);
        self.add_plan(replica.doc, title)
    }

    /// Stores a new plan document (an import), lists it in the index and opens it. Refuses
    /// an id that is taken, so nothing existing is touched.
    pub fn add_plan(&self, doc: Doc, title: &str) -> Result<(), String> {
        let id = doc.id.clone();
        if !index::is_plan_id(&id) || id == index::INDEX_ID {
            return Err(format!("'{id}'"));
        }
        if storage::holds_plan(&id)
            || index::listed(&self.index.get_untracked())
                .iter()
                .any(|l| l.id == id)
        {
            return Err(format!("'{id}' exists"));
        }
        storage::save_plan(&doc).map_err(|e| e.0)?;
        let author = self.settings.with_untracked(|s| s.author.clone());
        let now = js_sys::Date::now() as u64;
        let (device, mut clock) = self
            .replica
            .with_untracked(|r| (r.device.clone(), r.clock.clone()));
        let mut idx = self.index.get_untracked();
        index::list_plan(&mut idx, &mut clock, &device, &author, &id, title, now);
        let _ = storage::save_index(&idx);
        self.index.set(idx);
        self.replica.update(|r| r.clock = clock);
        self.open_plan(&id);
        Ok(())
    }

    /// Merges a backup file into the open plan (never replaces it).
    pub fn import_backup(&self, bytes: &[u8]) -> Result<(), String> {
        let doc = Doc::from_json(bytes).map_err(|e| e.to_string())?;
        let now = js_sys::Date::now() as u64;
        let mut result = Ok(None);
        self.replica.update(|r| result = r.merge_remote(&doc, now));
        result.map_err(|e| e.to_string())?;
        self.replan();
        self.persist();
        self.sync_soon();
        Ok(())
    }
}

/// The built-in plan, byte-identical to what a fresh server holds (written by
/// `build.rs` from `jindu_core::seed`).
pub fn built_in_plan() -> Doc {
    Doc::from_binary(include_bytes!(concat!(env!("OUT_DIR"), "/xixing-2021.bin")))
        .expect("the embedded built-in plan is a valid document")
}

/// The built-in plan index, as a fresh server holds it.
pub fn built_in_index() -> Doc {
    Doc::from_binary(include_bytes!(concat!(env!("OUT_DIR"), "/plan-index.bin")))
        .expect("the embedded index is a valid document")
}

/// Runs `f` after `ms` milliseconds, replacing the call pending in `slot`.
fn debounce(slot: StoredValue<Option<TimeoutHandle>>, ms: u64, f: impl FnOnce() + 'static) {
    if let Some(h) = slot.get_value() {
        h.clear();
    }
    let handle = set_timeout_with_handle(f, std::time::Duration::from_millis(ms)).ok();
    slot.set_value(handle);
}

fn read_plan(doc: &Doc) -> PlanView {
    crate::perf::span("jindu:plan-view", || {
        PlanView(Arc::new(Plan::from_doc(doc)))
    })
}

fn load_or_seed(id: &str) -> Doc {
    storage::load_plan(id).unwrap_or_else(|| {
        if id == seed::PLAN_ID {
            built_in_plan()
        } else {
            Doc::new(id)
        }
    })
}
