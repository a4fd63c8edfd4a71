//! The app's state: the open plan's [`Tablet`] and its plan view, the settings and the
//! plan index, with the operations components dispatch. Components read state through
//! these methods and call them to change it; what a tablet decides (storing an edit,
//! reconciling a sync round, the badge's verdict) is [`Tablet`]'s, in `jindu-core`, and
//! only `storage` touches the browser's storage.
//!
//! The plan is read after the first screen: when a summary of the overview is stored
//! beside the plan's snapshot (`jindu_core::summary`), the overview is painted from it
//! and the plan is read right after the first paint ([`AppState::read_plan`]). Until
//! then the tablet is `None`: nothing is folded, synced or caught up over a plan not
//! read, and a user's action that needs the plan (an edit, an export) reads it first.
//!
//! The state is split by concern, each an `impl AppState` block of its own: this file
//! holds the signals, the reads, the edits and what is stored; `sync` the sync service
//! (when rounds run, in the worker or on the page); `plans` the plan library (opening,
//! creating and importing plans, the built-in plan and index); `report` the office's
//! report (cell edits, reviews, issues, and moving kept cell edits into the document).

mod account;
mod first_screen;
mod media;
mod plans;
mod report;
mod sync;

use std::sync::Arc;

use chrono::NaiveDate;
use jindu_core::doc::Doc;
use jindu_core::edit::{Applied, Edit, EditError};
use jindu_core::index;
use jindu_core::model::{Kind, Plan};
use jindu_core::seed;
use jindu_core::summary::Summary;
use jindu_core::sync::SyncState;
use jindu_core::tablet::wire::Digest;
use jindu_core::tablet::{Absorbed, Tablet, TabletError, Verdict};
use leptos::prelude::*;

use crate::i18n::{Lang, Texts};
use crate::storage::{self, Local, Settings};

pub use plans::{built_in_index, built_in_plan};
use plans::{open_tablet, read_plan};

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
    /// The open plan: its replica, sync state and storage policy; `None` until the plan
    /// is read (see the module's documentation).
    tablet: RwSignal<Option<Tablet>>,
    /// The stored overview summary shown until the plan is read, and the plan's sync
    /// state as stored (what the badge says until then).
    unread: RwSignal<Option<(Summary, SyncState)>>,
    /// The plan's revision and the day the stored summary reflects.
    summarised: StoredValue<Option<(Digest, NaiveDate)>>,
    /// The overview's figures last computed from the plan as of today, with the plan's
    /// revision: what the next stored summary is, without computing it twice.
    computed: StoredValue<Option<(Digest, NaiveDate, Summary)>>,
    plan: RwSignal<PlanView>,
    /// The plan index (plans known on this device and at the endpoint).
    index: RwSignal<Doc>,
    /// The last storage failure outside the plan (settings, the index).
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
    /// Photos waiting for upload and what the device keeps.
    media: RwSignal<crate::media::Status>,
    /// Set while an upload pass runs.
    uploading: StoredValue<bool>,
    /// Upload passes in a row cut off before the queue was empty (for the back-off).
    upload_failures: StoredValue<u32>,
}

impl AppState {
    pub fn expect() -> AppState {
        expect_context::<AppState>()
    }

    /// Loads settings and the open plan from storage (the built-in plan when the device
    /// holds none) and provides the state as context. With a stored overview summary of
    /// the plan, the plan itself is read later, by [`AppState::read_plan`].
    pub fn provide() -> AppState {
        let mut settings = storage::load_settings();
        if !index::is_plan_id(&settings.plan) {
            settings.plan = seed::PLAN_ID.to_owned();
        }
        let unread =
            storage::load_summary(&settings.plan).map(|s| (s, storage::load_sync(&settings.plan)));
        let (tablet, plan) = match unread {
            Some(_) => (
                None,
                PlanView(Arc::new(Plan::from_doc(&Doc::new(&settings.plan)))),
            ),
            None => {
                let tablet = crate::perf::span("jindu:load-plan", || open_tablet(&settings.plan));
                let plan = read_plan(tablet.doc());
                (Some(tablet), plan)
            }
        };
        let problems = tablet.as_ref().map(|t| t.problems().join("; "));
        let read = tablet.is_some();
        let state = AppState {
            settings: RwSignal::new(settings),
            tablet: RwSignal::new(tablet),
            unread: RwSignal::new(unread),
            summarised: StoredValue::new(None),
            computed: StoredValue::new(None),
            plan: RwSignal::new(plan),
            index: RwSignal::new(storage::load_index().unwrap_or_else(built_in_index)),
            storage_error: RwSignal::new(problems.filter(|p| !p.is_empty())),
            syncing: RwSignal::new(false),
            again: RwSignal::new(false),
            debounce: StoredValue::new(None),
            as_of: RwSignal::new(None),
            offline_rounds: StoredValue::new(0),
            retry: StoredValue::new(None),
            media: RwSignal::new(Default::default()),
            uploading: StoredValue::new(false),
            upload_failures: StoredValue::new(0),
        };
        provide_context(state);
        if read {
            state.plan_read();
        }
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

    /// Whether the open plan is read (tracked): until then only its summary is shown.
    pub fn is_read(&self) -> bool {
        self.tablet.with(Option::is_some)
    }

    /// Whether the open plan is read, untracked.
    pub(super) fn is_read_untracked(&self) -> bool {
        self.tablet.with_untracked(Option::is_some)
    }

    /// The open plan's id (known before the plan is read).
    pub fn plan_id(&self) -> String {
        self.plan.with_untracked(|p| p.0.id.clone())
    }

    /// Runs `f` on the open plan's tablet when it is read (tracked); `None` before.
    pub(super) fn tablet_with<T>(&self, f: impl FnOnce(&Tablet) -> T) -> Option<T> {
        self.tablet.with(|t| t.as_ref().map(f))
    }

    /// Runs `f` on the open plan's tablet when it is read (untracked); `None` before.
    pub(super) fn tablet_with_untracked<T>(&self, f: impl FnOnce(&Tablet) -> T) -> Option<T> {
        self.tablet.with_untracked(|t| t.as_ref().map(f))
    }

    /// Changes the open plan's tablet when it is read, and notifies what reads it;
    /// `None` (and no change) before: what runs in the background (a sync round,
    /// folding the journal, another tab's writes) never acts over a plan not read.
    pub(super) fn tablet_update<T>(&self, f: impl FnOnce(&mut Tablet) -> T) -> Option<T> {
        let mut out = None;
        self.tablet.maybe_update(|t| match t {
            Some(t) => {
                out = Some(f(t));
                true
            }
            None => false,
        });
        out
    }

    /// Reads the open plan's tablet for a user's action (untracked), reading the plan
    /// first if it is not read yet.
    pub(super) fn tablet_read<T>(&self, f: impl FnOnce(&Tablet) -> T) -> T {
        self.read_plan();
        self.tablet_with_untracked(f)
            .expect("the plan was just read")
    }

    /// Changes the open plan's tablet for a user's action, reading the plan first if
    /// it is not read yet.
    pub(super) fn tablet_act<T>(&self, f: impl FnOnce(&mut Tablet) -> T) -> T {
        self.read_plan();
        self.tablet_update(f).expect("the plan was just read")
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
        self.tablet_with_untracked(|t| {
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
        if let Some(view) = self.tablet_with_untracked(|t| read_plan(t.doc())) {
            self.plan.set(view);
        }
    }

    /// Reads what another tab of the app stored (on the browser's `storage` event).
    fn catch_up(&self) {
        if let Some(absorbed) = self.tablet_update(|t| t.catch_up(&mut Local)) {
            self.absorb(&absorbed);
        }
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

    /// Reads the open plan's document (tracked: conflicts, the device's storage use);
    /// an empty document of the plan until it is read.
    pub fn with_doc<T>(&self, f: impl FnOnce(&Doc) -> T) -> T {
        self.tablet.with(|t| match t {
            Some(t) => f(t.doc()),
            None => f(&Doc::new(self.plan_id())),
        })
    }

    /// Reads the open plan's document without tracking it, reading the plan first if
    /// it is not read yet (an export, an editor's form).
    pub fn with_doc_untracked<T>(&self, f: impl FnOnce(&Doc) -> T) -> T {
        self.tablet_read(|t| f(t.doc()))
    }

    /// This device's id.
    pub fn device_id(&self) -> String {
        self.tablet_read(|t| t.device().to_owned())
    }

    /// A fresh id for a new entity of a kind.
    pub fn new_id(&self, kind: Kind) -> String {
        let now = js_sys::Date::now() as u64;
        self.read_plan();
        let mut id = String::new();
        self.tablet.update_untracked(|t| {
            if let Some(t) = t {
                id = t.new_id(&mut Local, kind, now);
            }
        });
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
        self.tablet_with(|t| t.storage_error().map(str::to_owned))
            .flatten()
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
        match self.tablet_with(|t| t.sync_state().last_synced_ms) {
            Some(ms) => ms,
            None => self
                .unread
                .with(|u| u.as_ref().and_then(|(_, s)| s.last_synced_ms)),
        }
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
        if let Some(title) = self
            .unread
            .with(|u| u.as_ref().map(|(s, _)| s.title.clone()))
        {
            return title;
        }
        self.plan.with(|p| p.0.title())
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

    /// Judges the plan as of another day (reading the plan first: the stored summary's
    /// figures are today's).
    pub fn set_as_of(&self, date: Option<NaiveDate>) {
        self.read_plan();
        self.as_of.set(date);
    }

    /// Whether this device edits the plan: the account's role when the server has
    /// accounts, else the office/inspector switch.
    pub fn is_office(&self) -> bool {
        self.settings.with(|s| match &s.account {
            Some(a) => a.is_office(),
            None => s.office,
        })
    }

    /// Today in the plan's time zone.
    pub fn today(&self) -> NaiveDate {
        self.plan.track();
        self.unread.track();
        self.today_untracked()
    }

    fn today_untracked(&self) -> NaiveDate {
        let now = js_sys::Date::now() as i64;
        if let Some(day) = self
            .unread
            .with_untracked(|u| u.as_ref().map(|(s, _)| s.local_date(now)))
        {
            return day;
        }
        self.plan.with_untracked(|p| p.0.local_date(now))
    }

    /// What the sync badge says (tracked).
    pub fn status(&self) -> Verdict {
        match self.tablet_with(Tablet::verdict) {
            Some(v) => v,
            None => self.unread.with(|u| {
                u.as_ref()
                    .map_or(Verdict::Pending { count: 0 }, |(_, s)| s.status())
            }),
        }
    }

    /// Applies an edit made on this device, stores it at once and schedules a sync.
    pub fn edit(&self, edit: Edit) -> Result<Applied, EditError> {
        crate::perf::span("jindu:edit", || self.edit_now(edit))
    }

    fn edit_now(&self, edit: Edit) -> Result<Applied, EditError> {
        let author = self.author_name();
        let now = js_sys::Date::now() as u64;
        // Checked against the plan view the app holds, which is then refreshed where the
        // edit touched it: reading a large plan again would take seconds.
        let result = self.tablet_act(|t| {
            crate::perf::span("jindu:store", || {
                self.plan
                    .with_untracked(|p| t.edit(&mut Local, &p.0, &edit, &author, now))
            })
        });
        let edited = match result {
            Ok(edited) => edited,
            Err(TabletError::Edit(e)) => return Err(e),
            Err(TabletError::NotSaved(e)) => {
                return Err(EditError::Invalid(format!("{} ({e})", self.t().not_saved)))
            }
        };
        self.absorb(&edited.caught_up);
        self.tablet_with_untracked(|t| {
            self.plan
                .update(|p| Arc::make_mut(&mut p.0).refresh(t.doc(), &edited.applied.id))
        });
        self.sync_soon();
        Ok(edited.applied)
    }

    /// Rewrites the snapshot when edits wait in the journal (see `provide`), and the
    /// overview's summary when the plan changed.
    pub fn fold_journal(&self) {
        if self.tablet_with_untracked(Tablet::needs_fold) == Some(true) {
            self.persist();
        }
        self.store_summary();
    }

    /// Folds everything the tablet holds into the plan's snapshot (nothing before the
    /// plan is read: the journal stays as stored).
    pub fn persist(&self) {
        let result =
            self.tablet_update(|t| crate::perf::span("jindu:store", || t.fold(&mut Local)));
        if let Some(Ok(absorbed)) = result {
            self.absorb(&absorbed);
        }
    }

    pub fn save_settings(&self, change: impl FnOnce(&mut Settings)) {
        self.settings.update(change);
        self.report_storage(storage::save_settings(&self.settings.get_untracked()));
    }
}
