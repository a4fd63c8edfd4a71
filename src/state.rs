//! The app's state: the open plan's [`Tablet`] and its plan view, the settings and the
//! plan index, with the operations components dispatch. Components read state through
//! these methods and call them to change it; what a tablet decides (storing an edit,
//! reconciling a sync round, the badge's verdict) is [`Tablet`]'s, in `jindu-core`, and
//! only `storage` touches the browser's storage.

use std::sync::Arc;

use chrono::NaiveDate;
use jindu_core::doc::Doc;
use jindu_core::edit::{Applied, Edit, EditError, Replica};
use jindu_core::index;
use jindu_core::model::{Kind, Plan};
use jindu_core::seed;
use jindu_core::sync::{run_round, Endpoint, Outcome, Policy, Reply, Step, SyncRound, SyncState};
use jindu_core::tablet::{Absorbed, Tablet, TabletError, Verdict};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{Lang, Texts};
use crate::net::{endpoint_base, FetchEndpoint};
use crate::storage::{self, Local, Settings};
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

/// The app's state, as copyable handles. Provided once as context: every page reads the
/// same plan, and there is only one of each.
#[derive(Clone, Copy)]
pub struct AppState {
    settings: RwSignal<Settings>,
    /// The open plan: its replica, sync state and storage policy.
    tablet: RwSignal<Tablet>,
    plan: RwSignal<PlanView>,
    /// The plan index (plans known on this device and at the endpoint).
    index: RwSignal<Doc>,
    /// The last storage failure outside the plan (settings, the index, report edits).
    storage_error: RwSignal<Option<String>>,
    /// Set while a sync round runs.
    syncing: RwSignal<bool>,
    /// Another round was asked for while one ran.
    again: RwSignal<bool>,
    /// A pending debounced sync after an edit.
    debounce: StoredValue<Option<TimeoutHandle>>,
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

    /// Loads settings and the open plan from storage (the built-in plan when the device
    /// holds none) and provides the state as context.
    pub fn provide() -> AppState {
        let mut settings = storage::load_settings();
        if !index::is_plan_id(&settings.plan) {
            settings.plan = seed::PLAN_ID.to_owned();
        }
        let tablet = crate::perf::span("jindu:load-plan", || open_tablet(&settings.plan));
        let plan = RwSignal::new(read_plan(tablet.doc()));
        let problems = tablet.problems().join("; ");
        let state = AppState {
            settings: RwSignal::new(settings),
            tablet: RwSignal::new(tablet),
            plan,
            index: RwSignal::new(storage::load_index().unwrap_or_else(built_in_index)),
            storage_error: RwSignal::new((!problems.is_empty()).then_some(problems)),
            syncing: RwSignal::new(false),
            again: RwSignal::new(false),
            debounce: StoredValue::new(None),
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
        // Another tab of the app on this device stored something: read it in.
        let other_tab = move |ev: web_sys::Event| {
            let key = js_sys::Reflect::get(&ev, &"key".into())
                .ok()
                .and_then(|k| k.as_string());
            if key.is_some_and(|k| k.starts_with("jindu.v1.gen.")) {
                state.catch_up();
            }
        };
        // For the app's lifetime: the handles are dropped without removing the listeners.
        let _ = window_event_listener_untyped("visibilitychange", fold);
        let _ = window_event_listener_untyped("pagehide", move |_| state.fold_journal());
        let _ = window_event_listener_untyped("storage", other_tab);
        state
    }

    /// Brings the plan view up to date with what changed in the document besides an
    /// edit (a round, another tab, a backup).
    fn absorb(&self, absorbed: &Absorbed) {
        if absorbed.is_empty() {
            return;
        }
        if absorbed.whole {
            self.replan();
            return;
        }
        self.tablet.with_untracked(|t| {
            self.plan.update(|p| {
                let plan = Arc::make_mut(&mut p.0);
                for id in &absorbed.ids {
                    plan.refresh(t.doc(), id);
                }
            })
        });
    }

    /// Reads the plan view again from the whole document.
    fn replan(&self) {
        let view = self.tablet.with_untracked(|t| read_plan(t.doc()));
        self.plan.set(view);
    }

    /// Reads what another tab of the app stored (on the browser's `storage` event).
    fn catch_up(&self) {
        let mut absorbed = Absorbed::default();
        self.tablet.update(|t| absorbed = t.catch_up(&mut Local));
        self.absorb(&absorbed);
    }

    /// Reads the plan view (tracked).
    pub fn with_plan<T>(&self, f: impl FnOnce(&Plan) -> T) -> T {
        self.plan.with(|p| f(&p.0))
    }

    /// Reads the plan view without tracking it.
    pub fn with_plan_untracked<T>(&self, f: impl FnOnce(&Plan) -> T) -> T {
        self.plan.with_untracked(|p| f(&p.0))
    }

    /// The plan view as a shared handle (tracked).
    pub fn plan_view(&self) -> PlanView {
        self.plan.get()
    }

    /// Reads the open plan's document (tracked: conflicts, the device's storage use).
    pub fn with_doc<T>(&self, f: impl FnOnce(&Doc) -> T) -> T {
        self.tablet.with(|t| f(t.doc()))
    }

    /// Reads the open plan's document without tracking it.
    pub fn with_doc_untracked<T>(&self, f: impl FnOnce(&Doc) -> T) -> T {
        self.tablet.with_untracked(|t| f(t.doc()))
    }

    /// This device's id.
    pub fn device_id(&self) -> String {
        self.tablet.with_untracked(|t| t.device().to_owned())
    }

    /// A fresh id for a new entity of a kind.
    pub fn new_id(&self, kind: Kind) -> String {
        let now = js_sys::Date::now() as u64;
        let mut id = String::new();
        self.tablet
            .update_untracked(|t| id = t.new_id(&mut Local, kind, now));
        id
    }

    /// The settings (tracked).
    pub fn with_settings<T>(&self, f: impl FnOnce(&Settings) -> T) -> T {
        self.settings.with(f)
    }

    /// Reads the settings without tracking them.
    pub fn with_settings_untracked<T>(&self, f: impl FnOnce(&Settings) -> T) -> T {
        self.settings.with_untracked(f)
    }

    /// Subscribes to every change of the plan view.
    pub fn track_plan(&self) {
        self.plan.track();
    }

    /// The settings, untracked.
    pub fn settings_untracked(&self) -> Settings {
        self.settings.get_untracked()
    }

    /// The plan index (tracked).
    pub fn with_index<T>(&self, f: impl FnOnce(&Doc) -> T) -> T {
        self.index.with(f)
    }

    /// The last storage failure, of the plan or anything else (tracked).
    pub fn storage_error(&self) -> Option<String> {
        self.tablet
            .with(|t| t.storage_error().map(str::to_owned))
            .or_else(|| self.storage_error.get())
    }

    /// Notes a storage failure outside the plan (or clears it).
    pub fn report_storage(&self, result: Result<(), storage::StorageError>) {
        let error = result.err().map(|e| e.0);
        if self.storage_error.get_untracked() != error {
            self.storage_error.set(error);
        }
    }

    /// When a reply last confirmed the shared file held everything (tracked).
    pub fn last_synced_ms(&self) -> Option<u64> {
        self.tablet.with(|t| t.sync_state().last_synced_ms)
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

    /// What the sync badge says (tracked).
    pub fn status(&self) -> Verdict {
        self.tablet.with(Tablet::verdict)
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
        self.tablet.update(|t| {
            result = Some(crate::perf::span("jindu:store", || {
                self.plan
                    .with_untracked(|p| t.edit(&mut Local, &p.0, &edit, &author, now))
            }))
        });
        let edited = match result.expect("update ran") {
            Ok(edited) => edited,
            Err(TabletError::Edit(e)) => return Err(e),
            Err(TabletError::NotSaved(e)) => {
                return Err(EditError::Invalid(format!("{} ({e})", self.t().not_saved)))
            }
        };
        self.absorb(&edited.caught_up);
        self.tablet.with_untracked(|t| {
            self.plan
                .update(|p| Arc::make_mut(&mut p.0).refresh(t.doc(), &edited.applied.id))
        });
        self.sync_soon();
        Ok(edited.applied)
    }

    /// Rewrites the snapshot when edits wait in the journal (see `provide`).
    pub fn fold_journal(&self) {
        if self.tablet.with_untracked(Tablet::needs_fold) {
            self.persist();
        }
    }

    /// Folds everything the tablet holds into the plan's snapshot.
    pub fn persist(&self) {
        let mut result = Ok(Absorbed::default());
        self.tablet.update(|t| {
            result = crate::perf::span("jindu:store", || t.fold(&mut Local));
        });
        if let Ok(absorbed) = result {
            self.absorb(&absorbed);
        }
    }

    pub fn save_settings(&self, change: impl FnOnce(&mut Settings)) {
        self.settings.update(change);
        self.report_storage(storage::save_settings(&self.settings.get_untracked()));
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
            self.tablet
                .update(|t| t.mark_offline("the browser has no network connection"));
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
        let offline = self.tablet.with_untracked(|t| {
            let s = t.sync_state();
            s.offline.is_some() && s.stopped.is_none()
        });
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
        self.tablet.update(Tablet::clear_stop);
        self.sync_now();
    }

    async fn round(&self) {
        let (base, token) = self
            .settings
            .with_untracked(|s| (endpoint_base(s.endpoint.as_deref()), s.token.clone()));
        // What another tab stored goes along in this round.
        self.catch_up();
        let plan = self.tablet.with_untracked(|t| t.doc().id.clone());
        let endpoint = FetchEndpoint {
            url: format!("{base}{}", index::plan_path(&plan)),
            token: token.clone(),
        };
        let seed = (js_sys::Math::random() * u64::MAX as f64) as u64;
        // With a live sync worker (its copy is of this tablet), its round's own GET
        // (conditional when nothing is pending) says 304 or brings the file, in one
        // request. Without one, nothing to send and nothing new ends the round before the
        // whole replica is encoded for a worker (on a large plan, every minute).
        let live = sync_worker::holds().is_some_and(|at| {
            self.tablet
                .with_untracked(|t| t.changed_since(at).is_some())
        });
        if live || !self.unchanged(&endpoint, &plan, seed).await {
            self.full_round(&endpoint, &plan, seed).await;
        }
        self.sync_index(&base, &token).await;
    }

    /// With nothing to send, checks whether the file is still the version this replica
    /// merged last, without downloading it; if so, the engine takes that answer as it
    /// would in a round (the sync state says synced) and this returns true.
    async fn unchanged(&self, endpoint: &FetchEndpoint, plan: &str, seed: u64) -> bool {
        let etag = self.tablet.with_untracked(|t| {
            let s = t.sync_state();
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
        let now = endpoint.now_ms();
        self.on_live(plan, |t| {
            // An edit made while the request was out makes the engine ask for the file:
            // not synced, and a whole round follows.
            let Step::Send(_) = t.start_round(&mut round) else {
                return false;
            };
            let reply = Reply::status(304, Some(&etag), Vec::new());
            let step = t.on_reply(&mut round, reply, now);
            t.end_round(&mut Local, &round);
            matches!(step, Step::Finished(Outcome::Synced { .. }))
        })
        .unwrap_or(false)
    }

    /// Runs `f` on the live tablet, if `plan` is still the open plan (another may have
    /// been opened while a request was out), and notifies what reads it.
    fn on_live<T>(&self, plan: &str, f: impl FnOnce(&mut Tablet) -> T) -> Option<T> {
        let mut out = None;
        self.tablet.update(|t| {
            if t.doc().id == plan {
                out = Some(f(t));
            }
        });
        out
    }

    /// A whole round: in the sync worker, or on the page when the worker cannot run it.
    async fn full_round(&self, endpoint: &FetchEndpoint, plan: &str, seed: u64) {
        if let Err(e) = self.round_in_worker(endpoint, plan, seed).await {
            // Nothing of the round reached the tablet: run it here.
            leptos::logging::warn!("sync module: {e}; syncing on the page");
            self.round_here(endpoint, plan, seed).await;
        }
    }

    /// Runs a round in the sync worker on its copy of the replica, first handing it the
    /// whole replica when it holds none (or its copy is stale); the tablet then
    /// reconciles the round with the live replica, which kept taking edits meanwhile.
    /// When another plan was opened meanwhile the round's result is dropped (the next
    /// round of that plan fetches it again). An error means the round did not run.
    async fn round_in_worker(
        &self,
        endpoint: &FetchEndpoint,
        plan: &str,
        seed: u64,
    ) -> Result<(), String> {
        let mut loaded = false;
        loop {
            let prepared = self.tablet.with_untracked(|t| {
                let sent = t.sync_state().clone();
                crate::perf::span("jindu:sync-request", || {
                    sync_worker::prepare(endpoint, t, &sent, seed)
                })
                .map(|p| (p, sent))
            });
            let Some((prepared, sent)) = prepared else {
                if loaded {
                    return Err("the sync module lost the plan".into());
                }
                // The first round in this worker, or its copy went stale: the whole
                // binary form, transferred.
                let whole = self.tablet.with_untracked(|t| {
                    crate::perf::span("jindu:sync-load", || sync_worker::prepare_load(t))
                });
                sync_worker::load(whole).await?;
                loaded = true;
                continue;
            };
            match sync_worker::round(prepared).await? {
                sync_worker::Answer::Ended(ended) => {
                    let finished = crate::perf::span("jindu:sync-finish", || {
                        self.on_live(plan, |t| t.finish_round(&mut Local, &sent, ended))
                    });
                    if let Some(absorbed) = finished {
                        crate::perf::span("jindu:sync-absorb", || self.absorb(&absorbed));
                    }
                    return Ok(());
                }
                // Not the copy the round was for: loaded again at the next turn.
                sync_worker::Answer::Stale if !loaded => {}
                sync_worker::Answer::Stale => {
                    return Err("the sync module kept answering stale".into())
                }
            }
        }
    }

    /// Runs a round on the page (when the sync worker cannot): the engine works on the
    /// live replica, a reply at a time, each in one task, so edits made while a request
    /// is out land in the same replica and the engine counts as sent only what a
    /// request carried.
    async fn round_here(&self, endpoint: &FetchEndpoint, plan: &str, seed: u64) {
        let mut round = SyncRound::new(Policy::default(), seed);
        // `None` once another plan was opened while a request was out: the round is over.
        let mut step = self.on_live(plan, |t| t.start_round(&mut round));
        while let Some(next) = step {
            step = match next {
                Step::Send(request) => {
                    let reply = endpoint.send(request).await;
                    let now = endpoint.now_ms();
                    self.on_live(plan, |t| t.on_reply(&mut round, reply, now))
                }
                Step::Wait(ms) => {
                    endpoint.sleep(ms).await;
                    self.on_live(plan, |_| round.resume())
                }
                Step::Finished(_) => {
                    if let Some(absorbed) = self.on_live(plan, |t| t.end_round(&mut Local, &round))
                    {
                        self.absorb(&absorbed);
                    }
                    return;
                }
            };
        }
    }

    /// Keeps the plan index in step with the endpoint's (best effort: its failures do
    /// not change the plan's sync status).
    async fn sync_index(&self, base: &str, token: &str) {
        let endpoint = FetchEndpoint {
            url: format!("{base}{}", index::INDEX_PATH),
            token: token.to_owned(),
        };
        let (device, clock) = self
            .tablet
            .with_untracked(|t| (t.device().to_owned(), t.replica().clock.clone()));
        let mut replica = Replica::new(self.index.get_untracked(), device, clock);
        let mut state = SyncState::default();
        run_round(&endpoint, &mut replica, &mut state, Policy::default(), 7).await;
        let _ = storage::save_index(&replica.doc);
        self.index.set(replica.doc);
    }

    /// Opens another plan: the device's copy, the built-in plan, or an empty document
    /// that the next sync fills from the endpoint.
    pub fn open_plan(&self, id: &str) {
        self.persist();
        let tablet = open_tablet(id);
        self.plan.set(read_plan(tablet.doc()));
        self.tablet.set(tablet);
        self.save_settings(|s| s.plan = id.to_owned());
        self.sync_now();
    }

    /// Creates a plan (empty, or with the open plan's structure but none of its
    /// records) by the core's rules for a new plan, lists it in the index and opens it.
    pub fn create_plan(&self, id: &str, title: &str, copy: bool) -> Result<(), String> {
        use jindu_core::newplan::{new_plan, NewPlan};
        let author = self.settings.with_untracked(|s| s.author.clone());
        let now = js_sys::Date::now() as u64;
        let year = chrono::Datelike::year(&self.today());
        let made = self.tablet.with_untracked(|t| {
            let spec = NewPlan {
                id,
                title,
                year: Some(year),
                structure: copy.then(|| &t.doc().entities),
            };
            let mut clock = t.replica().clock.clone();
            new_plan(spec, &author, t.device(), &mut clock, now)
        });
        let doc = made.map_err(|e| crate::i18n::describe_error(&e, self.lang()))?;
        self.add_plan(doc, title.trim())
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
        // The new plan's stamps come from this device's clock: the clock moves past them
        // before anything else is stamped.
        let newest = doc.max_stamp();
        storage::save_plan(&doc).map_err(|e| e.0)?;
        let author = self.settings.with_untracked(|s| s.author.clone());
        let now = js_sys::Date::now() as u64;
        let (device, mut clock) = self
            .tablet
            .with_untracked(|t| (t.device().to_owned(), t.replica().clock.clone()));
        clock.last = clock.last.max(newest);
        let mut idx = self.index.get_untracked();
        index::list_plan(&mut idx, &mut clock, &device, &author, &id, title, now);
        self.report_storage(storage::save_index(&idx));
        self.index.set(idx);
        self.tablet
            .update_untracked(|t| t.adopt_clock(&mut Local, clock.last));
        self.open_plan(&id);
        Ok(())
    }

    /// Merges a backup file into the open plan (never replaces it).
    pub fn import_backup(&self, bytes: &[u8]) -> Result<(), String> {
        let doc = Doc::from_json(bytes).map_err(|e| e.to_string())?;
        let now = js_sys::Date::now() as u64;
        let mut result = Ok(Absorbed::default());
        self.tablet
            .update(|t| result = t.import(&mut Local, &doc, now));
        let absorbed = result?;
        self.absorb(&absorbed);
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

/// The tablet of plan `id` as this device stores it: the built-in plan or an empty
/// document (that the next sync fills) when the device holds none.
fn open_tablet(id: &str) -> Tablet {
    Tablet::open(
        &mut Local,
        id,
        || {
            if id == seed::PLAN_ID {
                built_in_plan()
            } else {
                Doc::new(id)
            }
        },
        storage::random_id,
    )
}
