//! The first screen's figures, small enough to read before the plan.
//!
//! Reading a large plan (the capacity plan: 18 MB of binary form, 60,000 records) takes
//! seconds on a tablet. The overview needs a few hundred bytes of it: the plan's title,
//! its progress and how many items are overdue or at risk, each category's progress
//! and item count, and the latest records. A [`Summary`] holds exactly that. The app
//! stores one beside the plan's snapshot, paints the overview from it, and reads the
//! plan after the first paint; once the plan is read, the overview's figures are the
//! plan's again ([`Summary::of`]) and a stored summary that disagrees is replaced.
//!
//! A summary is a hint, never a source of truth: nothing is edited, stored or synced
//! from it, and one that does not read (damaged, another version's) is ignored.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::Plan;
use crate::progress::{overview, Progress};

/// How many of the latest records the overview lists.
pub const LATEST: usize = 5;
/// How many characters of a record's note the overview shows.
pub const NOTE_CHARS: usize = 80;

/// What the overview shows of a plan as of a date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// The plan's id: a summary of another plan is not shown.
    pub plan: String,
    /// The plan's title (its id when it has none).
    pub title: String,
    /// The day the figures were judged at.
    pub as_of: NaiveDate,
    /// The plan's time zone, as minutes east of UTC (what "today" is before it is read).
    pub utc_offset_minutes: i32,
    pub progress: Progress,
    pub overdue: usize,
    pub at_risk: usize,
    /// Every category, in plan order.
    pub categories: Vec<CategorySummary>,
    /// The newest records, newest first.
    pub latest: Vec<LatestRecord>,
    /// Whether the plan holds any record (the latest list may be empty when it holds none).
    pub has_records: bool,
}

/// One category's card on the overview.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategorySummary {
    pub id: String,
    pub name: String,
    pub items: usize,
    pub progress: Progress,
}

/// One line of the overview's latest records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatestRecord {
    pub item: String,
    /// The item's display number ("1.2").
    pub number: String,
    pub observed: NaiveDate,
    pub author: String,
    /// The start of the note, at most [`NOTE_CHARS`] characters.
    pub note: String,
}

/// Why a stored summary was not used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    #[error("the stored overview summary does not read: {0}")]
    Damaged(String),
    #[error("the stored overview summary is of plan '{found}', not '{expected}'")]
    OtherPlan { expected: String, found: String },
}

impl Summary {
    /// The overview's figures of `plan` as of a day: what the app shows once the plan is
    /// read, and what it stores for the next start.
    pub fn of(plan: &Plan, as_of: NaiveDate) -> Summary {
        let figures = overview(plan, as_of);
        let categories = plan
            .categories
            .iter()
            .zip(figures.categories)
            .map(|(c, (_, progress))| CategorySummary {
                id: c.id.clone(),
                name: c.name.clone(),
                items: plan.items_of(&c.id).count(),
                progress,
            })
            .collect();
        // Records are in observation order: the newest are at the end.
        let latest = plan
            .records
            .iter()
            .rev()
            .take(LATEST)
            .map(|r| LatestRecord {
                item: r.record.item.clone(),
                number: plan
                    .item(&r.record.item)
                    .map(|i| plan.display_number(i))
                    .unwrap_or_default(),
                observed: r.record.observed,
                author: r.record.author.clone(),
                note: r.record.note.chars().take(NOTE_CHARS).collect(),
            })
            .collect();
        Summary {
            plan: plan.id.clone(),
            title: plan.title(),
            as_of,
            utc_offset_minutes: plan.utc_offset_minutes(),
            progress: figures.plan,
            overdue: figures.overdue,
            at_risk: figures.at_risk,
            categories,
            latest,
            has_records: !plan.records.is_empty(),
        }
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("a summary always encodes")
    }

    /// Reads a stored summary of plan `id`.
    pub fn from_text(text: &str, id: &str) -> Result<Summary, SummaryError> {
        let summary: Summary =
            serde_json::from_str(text).map_err(|e| SummaryError::Damaged(e.to_string()))?;
        if summary.plan != id {
            return Err(SummaryError::OtherPlan {
                expected: id.to_owned(),
                found: summary.plan,
            });
        }
        Ok(summary)
    }

    /// The day a moment falls on in the plan's time zone (as [`Plan::local_date`]).
    pub fn local_date(&self, unix_ms: i64) -> NaiveDate {
        crate::model::local_day(self.utc_offset_minutes, unix_ms)
    }
}

#[cfg(test)]
mod tests;
