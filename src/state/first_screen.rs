//! The first screen before the plan: the overview is painted from the plan's stored
//! summary (`jindu_core::summary`), the plan is read right after the first paint, and
//! its figures then replace the summary's; the summary is stored again when the plan
//! or the day changed, for the next start.

use jindu_core::summary::Summary;
use jindu_core::tablet::Tablet;
use leptos::prelude::*;

use super::{open_tablet, read_plan, AppState};
use crate::storage;

impl AppState {
    /// Reads the open plan if only its summary is shown yet (called after the first
    /// paint, and by anything that needs the plan before then). The plan's figures then
    /// replace the summary's, and a stored summary that disagrees is rewritten.
    pub fn read_plan(&self) {
        if self.is_read_untracked() {
            return;
        }
        let id = self.plan_id();
        let tablet = crate::perf::span("jindu:load-plan", || open_tablet(&id));
        let problems = tablet.problems().join("; ");
        self.hold(tablet);
        if !problems.is_empty() {
            self.storage_error.set(Some(problems));
        }
        self.plan_read();
    }

    /// Makes `tablet` the open plan's, with its plan view, in place of any summary.
    pub(super) fn hold(&self, tablet: Tablet) {
        self.plan.set(read_plan(tablet.doc()));
        self.tablet.set(Some(tablet));
        self.unread.set(None);
    }

    /// What follows reading a plan: signing as the account, moving kept report edits in,
    /// and (once the screen shows the plan's figures) storing its summary.
    pub(super) fn plan_read(&self) {
        self.sign_tablet();
        self.move_report_edits();
        let this = *self;
        set_timeout(
            move || this.store_summary(),
            std::time::Duration::from_millis(500),
        );
    }

    /// The overview's figures (tracked): the stored summary until the plan is read, then
    /// the plan's own as of the chosen day.
    pub fn summary(&self) -> Summary {
        if let Some(s) = self.unread.with(|u| u.as_ref().map(|(s, _)| s.clone())) {
            return s;
        }
        let as_of = self.as_of();
        let summary =
            self.with_plan(|p| crate::perf::span("jindu:overview", || Summary::of(p, as_of)));
        if !self.as_of_set() {
            if let Some(digest) = self.tablet_with_untracked(Tablet::digest) {
                self.computed
                    .set_value(Some((digest, as_of, summary.clone())));
            }
        }
        summary
    }

    /// Stores the open plan's summary for the next start, when the plan changed (or the
    /// day did) since the stored one was written.
    pub fn store_summary(&self) {
        let Some(digest) = self.tablet_with_untracked(Tablet::digest) else {
            return;
        };
        let today = self.today_untracked();
        if self.summarised.get_value() == Some((digest, today)) {
            return;
        }
        let summary = match self.computed.get_value() {
            Some((d, day, summary)) if d == digest && day == today => summary,
            _ => self.with_plan_untracked(|p| Summary::of(p, today)),
        };
        if storage::save_summary(&summary).is_ok() {
            self.summarised.set_value(Some((digest, today)));
        }
    }
}
