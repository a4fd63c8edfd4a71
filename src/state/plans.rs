//! The plan library: opening another plan, creating one, adding an imported one (each
//! listed in the plan index), merging a backup into the open plan, and the built-in plan
//! and index embedded in the app.

use std::sync::Arc;

use jindu_core::doc::Doc;
use jindu_core::index;
use jindu_core::model::Plan;
use jindu_core::seed;
use jindu_core::tablet::Tablet;
use leptos::prelude::*;

use super::{AppState, PlanView};
use crate::storage::{self, Local};

impl AppState {
    /// Opens another plan: the device's copy, the built-in plan, or an empty document
    /// that the next sync fills from the endpoint.
    pub fn open_plan(&self, id: &str) {
        self.persist();
        self.store_summary();
        self.hold(open_tablet(id));
        self.save_settings(|s| s.plan = id.to_owned());
        self.plan_read();
        self.sync_now();
    }

    /// Creates a plan (empty, or with the open plan's structure but none of its
    /// records) by the core's rules for a new plan, lists it in the index and opens it.
    pub fn create_plan(&self, id: &str, title: &str, copy: bool) -> Result<(), String> {
        use jindu_core::newplan::{new_plan, NewPlan};
        let author = self.author_name();
        let now = js_sys::Date::now() as u64;
        let year = chrono::Datelike::year(&self.today());
        let made = self.tablet_read(|t| {
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
        let author = self.author_name();
        let now = js_sys::Date::now() as u64;
        let (device, mut clock, signer) = self.tablet_read(|t| {
            let r = t.replica();
            (t.device().to_owned(), r.clock.clone(), r.signer.clone())
        });
        clock.last = clock.last.max(newest);
        let mut idx = self.index.get_untracked();
        let by = index::By {
            device: &device,
            author: &author,
            signer: &signer,
        };
        index::list_plan(&mut idx, &mut clock, by, &id, title, now);
        self.report_storage(storage::save_index(&idx));
        self.index.set(idx);
        self.tablet_act(|t| t.adopt_clock(&mut Local, clock.last));
        self.open_plan(&id);
        Ok(())
    }

    /// Merges a backup file into the open plan (never replaces it).
    pub fn import_backup(&self, bytes: &[u8]) -> Result<(), String> {
        let doc = Doc::from_json(bytes).map_err(|e| e.to_string())?;
        let now = js_sys::Date::now() as u64;
        let absorbed = self.tablet_act(|t| t.import(&mut Local, &doc, now))?;
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

pub(super) fn read_plan(doc: &Doc) -> PlanView {
    crate::perf::span("jindu:plan-view", || {
        PlanView(Arc::new(Plan::from_doc(doc)))
    })
}

/// The tablet of plan `id` as this device stores it: the built-in plan or an empty
/// document (that the next sync fills) when the device holds none.
pub(super) fn open_tablet(id: &str) -> Tablet {
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
