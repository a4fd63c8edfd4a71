//! The office's report in the plan document: cell edits, reviews and issues are edits
//! like any other (see `jindu_core::report`); this block adds who may write them and
//! moves cell edits an earlier version kept in this browser into the document.

use jindu_core::edit::EditError;
use jindu_core::model::{Kind, RecordView};
use jindu_core::report::edits::moving_kept_edits;
use jindu_core::report::evidence::annex;
use jindu_core::report::issue::issue_with_photos;
use jindu_core::report::review::{review, Verdict};
use jindu_core::report::{set_cell, Period, Report};

use leptos::prelude::*;

use super::AppState;
use crate::storage;

impl AppState {
    /// Whether this device writes the report (edits cells, issues): an office account,
    /// or any device without accounts (tracked).
    pub fn writes_report(&self) -> bool {
        self.settings
            .with(|s| s.account.as_ref().is_none_or(|a| a.is_office()))
    }

    /// Sets the office's text of a cell of the period's table.
    pub fn set_cell(&self, period: &Period, item: &str, text: &str) -> Result<(), EditError> {
        self.edit(set_cell(period, item, text)).map(drop)
    }

    /// Reviews a record as it stands.
    pub fn review(
        &self,
        record: &RecordView,
        verdict: Verdict,
        comment: &str,
    ) -> Result<(), EditError> {
        self.edit(review(record, verdict, comment)).map(drop)
    }

    /// Issues the table (签发) as it stands: a new issue, never changed.
    pub fn issue(&self, report: &Report) -> Result<(), EditError> {
        let id = self.new_id(Kind::Issue);
        let now = js_sys::Date::now() as u64;
        let by = self.author_name();
        // The evidence annex goes with it: the period's photos by hash.
        let photos: Vec<String> = self.with_plan_untracked(|p| {
            annex(p, &report.period, report.as_of)
                .into_iter()
                .map(|a| a.photo.photo)
                .collect()
        });
        self.edit(issue_with_photos(&id, report, &by, now, &photos))
            .map(drop)
    }

    /// Moves the cell edits this browser kept outside the open plan's document into it.
    /// A period's key is removed only once every one of its edits is in the document;
    /// an edit the document refuses (its item deleted, say) or whose cell the document
    /// already holds with another text stays where it was, so nothing is lost. An
    /// inspector's account does not write the report: its kept edits wait.
    pub(super) fn move_report_edits(&self) {
        if !self
            .settings
            .with_untracked(|s| s.account.as_ref().is_none_or(|a| a.is_office()))
        {
            return;
        }
        let plan = self.plan.with_untracked(|p| p.0.id.clone());
        for kept in storage::legacy_report_edits(&plan) {
            let (edits, mut all_in) = self
                .with_doc_untracked(|d| moving_kept_edits(d, kept.start, kept.end, &kept.edits));
            for edit in edits {
                if let Err(e) = self.edit(edit) {
                    leptos::logging::warn!("a kept cell edit stays in this browser: {e}");
                    all_in = false;
                }
            }
            if all_in {
                self.report_storage(storage::remove_legacy_report_edits(&kept.key));
            }
        }
    }
}
