//! The period's progress table, in the seed's shape: 序号 / 项目类别 / 具体项目及内容 /
//! 责任科室 / 完成情况, built from the records of the period.
//!
//! - [`period`]: periods as the office names them and the status column's heading;
//! - [`cell`]: one item's 完成情况 cell, composed from its records;
//! - `words`: the cell's text, in which no sentence is told twice;
//! - `csv`: the table as CSV and CSV read back;
//! - [`evidence`]: the annex of the period's photos with their captions;
//! - [`edits`]: the office's edits of cells, in the plan document;
//! - [`review`]: the office's review of records (已审核, 退回);
//! - [`issue`]: issued tables (签发), never changed;
//! - [`bulletin`]: the supervision bulletin (督查通报): counts by schedule and an annex
//!   of the items behind, with their 存在问题 and 下步措施.
//!
//! Schedule marks (【逾期】, 【有风险】) are the screen's: what is printed and exported
//! carries them only when the office asks ([`Report::marks`]). The office may edit a
//! cell's text before issuing; [`Report::with_cell_edits`] puts such edits in place of
//! the composed text.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::Plan;
use crate::progress::{item_schedule, Schedule};

pub mod bulletin;
pub mod cell;
mod csv;
pub mod edits;
pub mod evidence;
pub mod issue;
pub mod period;
pub mod review;
mod words;

pub use bulletin::{bulletin, AnnexEntry, Bulletin, Concern, Counts};
pub use cell::NOTHING_RECORDED;
pub use csv::parse_csv;
pub use edits::{cell_edits, cell_id, set_cell, EditedCell, MAX_CELL_TEXT};
pub use issue::{check_issues, issues, IssueChanged, Issued};
pub use period::{chinese_date, headings, Period};
pub use review::{review_of, reviewed_only, to_fix, ReviewState, Verdict};

/// Why a table cannot be drawn up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("the period ends ({end}) before it starts ({start})")]
    EndsBeforeStart { start: NaiveDate, end: NaiveDate },
    #[error("there is no month {month} in {year}")]
    NoSuchMonth { year: i32, month: u32 },
    #[error("there is no quarter {0}: quarters are 1 to 4")]
    NoSuchQuarter(u32),
    #[error("the table is drawn up as of {as_of}, before the period starts ({start})")]
    AsOfBeforeStart { as_of: NaiveDate, start: NaiveDate },
    #[error("the plan has no items to report on")]
    EmptyPlan,
}

/// One row of the table: an item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub item: String,
    /// The category's number (序号), shown on its first row.
    pub number: String,
    pub category: String,
    /// The item's content, numbered ("1. …") in categories the plan numbers.
    pub content: String,
    pub departments: String,
    /// Whether the row's 责任科室 cell is one with the row above (the plan writes the
    /// departments once for both).
    #[serde(default)]
    pub departments_shared: bool,
    /// The status text (完成情况) composed from the period's records.
    pub status: String,
    /// Where the item stands as of the table's date.
    pub schedule: Schedule,
}

/// The table for one period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub title: String,
    pub period: Period,
    /// The day the table is drawn up as of, usually the period's end. Records observed
    /// after it (or after the period) are left out, and schedules are judged on it (or
    /// on the period's end, if that is earlier).
    pub as_of: NaiveDate,
    /// Whether printed and exported cells carry the schedule marks (【逾期】,
    /// 【有风险】); the office's table never does unless it asks (标注逾期/风险).
    #[serde(default)]
    pub marks: bool,
    pub rows: Vec<Row>,
}

/// The table of a period as of its end.
pub fn build(plan: &Plan, period: &Period) -> Result<Report, ReportError> {
    build_as_of(plan, period, period.end)
}

/// The day a period's schedules are judged on when drawn up as of `as_of` (the earlier
/// of the two), once the period and the day are checked.
pub(crate) fn judging_day(period: &Period, as_of: NaiveDate) -> Result<NaiveDate, ReportError> {
    if period.end < period.start {
        return Err(ReportError::EndsBeforeStart {
            start: period.start,
            end: period.end,
        });
    }
    if as_of < period.start {
        return Err(ReportError::AsOfBeforeStart {
            as_of,
            start: period.start,
        });
    }
    Ok(as_of.min(period.end))
}

/// The table of a period as of a day: records observed after it are left out, and
/// schedules and milestones are judged on it (or on the period's end, if earlier).
pub fn build_as_of(plan: &Plan, period: &Period, as_of: NaiveDate) -> Result<Report, ReportError> {
    let judged = judging_day(period, as_of)?;
    let mut rows: Vec<Row> = Vec::new();
    for (ci, cat) in plan.categories.iter().enumerate() {
        for (n, item) in plan.items_of(&cat.id).enumerate() {
            let content = if cat.numbered {
                format!("{}. {}", n + 1, item.content)
            } else {
                item.content.clone()
            };
            let departments = item.departments.join("、");
            // Shared only with a row above in the category that names the same
            // departments: a merge never hides what a row says.
            let departments_shared = n > 0
                && item.departments_shared
                && rows.last().is_some_and(|r| r.departments == departments);
            rows.push(Row {
                item: item.id.clone(),
                number: format!("{}", ci + 1),
                category: cat.name.clone(),
                content,
                departments,
                departments_shared,
                status: cell::compose(plan, item, period.start, judged),
                schedule: item_schedule(plan, item, judged),
            });
        }
    }
    if rows.is_empty() {
        return Err(ReportError::EmptyPlan);
    }
    Ok(Report {
        title: plan.title(),
        period: period.clone(),
        as_of,
        marks: false,
        rows,
    })
}

/// Runs of rows for merged cells: (first row, number of rows), wherever `joins(row)`
/// says a row is one with the row above.
fn spans(rows: &[Row], joins: impl Fn(usize) -> bool) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for i in 0..rows.len() {
        match spans.last_mut() {
            Some((_, len)) if i > 0 && joins(i) => *len += 1,
            _ => spans.push((i, 1)),
        }
    }
    spans
}

impl Report {
    /// The report with the office's edits to status texts, by item id.
    pub fn with_override(mut self, edits: &BTreeMap<String, String>) -> Report {
        for row in &mut self.rows {
            if let Some(text) = edits.get(&row.item) {
                row.status = text.clone();
            }
        }
        self
    }

    /// The report with schedule marks in what is printed and exported, or without.
    pub fn with_marks(mut self, marks: bool) -> Report {
        self.marks = marks;
        self
    }

    /// The header row.
    pub fn headings(&self) -> [String; 5] {
        headings(&self.period, self.as_of)
    }

    /// Runs of rows sharing a category (序号 and 项目类别): (first row, number of rows).
    pub fn category_spans(&self) -> Vec<(usize, usize)> {
        spans(&self.rows, |i| {
            self.rows[i - 1].number == self.rows[i].number
        })
    }

    /// Runs of rows sharing one 责任科室 cell: (first row, number of rows).
    pub fn department_spans(&self) -> Vec<(usize, usize)> {
        spans(&self.rows, |i| {
            self.rows[i].departments_shared && self.rows[i - 1].number == self.rows[i].number
        })
    }

    /// A row's status as printed and exported: marked only when the report asks.
    pub fn printed(&self, row: &Row) -> String {
        if self.marks {
            marked(row)
        } else {
            row.status.clone()
        }
    }

    /// A download name after the plan and the period.
    pub fn file_name(&self, extension: &str) -> String {
        let clean: String = format!("{}-{}", self.title, self.period.label)
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{clean}.{extension}")
    }
}

/// A row's schedule mark, as the screen shows it: 【逾期】, 【有风险】 or nothing.
pub fn mark(row: &Row) -> &'static str {
    match row.schedule {
        Schedule::Overdue => "【逾期】",
        Schedule::AtRisk => "【有风险】",
        _ => "",
    }
}

/// The status text with the schedule mark the office looks for.
pub fn marked(row: &Row) -> String {
    format!("{}{}", mark(row), row.status)
}

/// The year a plan's report defaults to: the plan's own, else `fallback` (this year).
pub fn plan_year(plan: &Plan, fallback: i32) -> i32 {
    plan.meta.as_ref().map_or(fallback, |m| m.year)
}
