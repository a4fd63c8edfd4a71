//! Reading a plan from a table in the seed's layout (CSV here; .xlsx, Word documents and
//! tables pasted from Word through `jindu-exchange` and the import page): 序号 /
//! 项目类别 / 具体项目及内容 / 责任科室 / (完成时限) / (1-6月完成情况), with the variants
//! of those headings that offices use (`heading.rs`).
//!
//! Merged category and department cells arrive repeated or empty (both are handled;
//! `grid.rs` lays out a table with row and column spans that way), several numbered
//! items may share one cell ("1. …;\n2. …;"), deadlines are read from "计划X月底前完成"
//! (`text.rs`) and quantities from "200台", "10处200个接口" or "一条" (`targets.rs`,
//! `numerals.rs`). A progress column's cells become records dated at the end of the
//! period its heading names. What is read is a
//! [`Proposal`]: every guess can be corrected before it becomes a plan, and every row
//! that could not be read is named.

mod grid;
mod heading;
mod numerals;
mod rows;
mod target_words;
mod targets;
mod text;

pub use grid::{grid, join_tables, Grid, SpanCell};
pub use heading::{period_end, Columns};
pub use rows::{heading_row, parse_grid, parse_rows, parse_rows_for_year};
pub use targets::targets_in;
pub use text::deadline_in;

use chrono::NaiveDate;

use crate::doc::Doc;
use crate::edit::{Edit, EditError, Replica};
use crate::hlc::Clock;
use crate::model::{DateSpec, Record};
use crate::newplan::{new_replica, NewPlan};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposedTarget {
    pub name: String,
    pub quantity: f64,
    pub unit: String,
    /// The words it was read from.
    pub text: String,
    /// Whether it is a count each month ("每月…不少于2场"): a recurring target, judged
    /// per month from the plan's start to the item's deadline.
    #[serde(default)]
    pub per_month: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposedItem {
    pub content: String,
    pub departments: Vec<String>,
    /// Whether the table gives the item no department cell of its own: its row's cell
    /// was merged with (or left empty under) the one above, or it shares a cell of
    /// several numbered items. Becomes the item's `departments_shared`.
    #[serde(default)]
    pub departments_shared: bool,
    pub deadline: Option<DateSpec>,
    pub targets: Vec<ProposedTarget>,
    /// The spreadsheet row it came from (1-based), for the preview.
    pub row: usize,
    /// Its cell of the progress column (empty when none): an imported record.
    #[serde(default)]
    pub progress: String,
    /// Whether that cell is shared with the items next to it (merged over their rows,
    /// or beside a cell of several numbered items): each gets the text as its record,
    /// and the preview says the cell is shared.
    #[serde(default)]
    pub progress_shared: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposedCategory {
    pub name: String,
    /// Whether its items were numbered in the table.
    pub numbered: bool,
    pub items: Vec<ProposedItem>,
}

/// What a table was read as, to be reviewed and corrected.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub categories: Vec<ProposedCategory>,
    /// Rows that could not be read, with the reason.
    pub unread: Vec<(usize, String)>,
    /// The year deadlines were placed in.
    pub year: i32,
    /// The table's progress column, when it has one.
    #[serde(default)]
    pub progress: Option<ProgressColumn>,
}

/// Who imports a proposal, where and when: every value and record of the new plan is
/// written by `author` on `device` at `wall_ms`; records of a progress column that names
/// no period are dated `today`.
#[derive(Clone, Copy, Debug)]
pub struct Importer<'a> {
    pub author: &'a str,
    pub device: &'a str,
    pub wall_ms: u64,
    pub today: NaiveDate,
}

/// A progress column ("1-6月完成情况"): each item's cell becomes a record of that item,
/// unless the office leaves them out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgressColumn {
    pub heading: String,
    /// The end of the period the heading names; `None`: the import date.
    pub as_of: Option<NaiveDate>,
    /// Whether the cells are imported as records.
    pub keep: bool,
}

impl Proposal {
    pub fn item_count(&self) -> usize {
        self.categories.iter().map(|c| c.items.len()).sum()
    }

    /// Makes a new plan document from the (corrected) proposal, by the rules of
    /// [`new_plan`](crate::newplan::new_plan): the plan's meta for the proposal's year,
    /// then its categories, items and targets, then (unless left out) the progress
    /// column's cells as item records marked imported, dated [`Proposal::records_on`].
    /// Every value is written by the importer's `author` (the inspector) on its
    /// `device`, stamped by `clock`, which moves past those stamps; every entity and record goes through the
    /// same validation as any edit.
    pub fn into_doc(
        &self,
        plan_id: &str,
        title: &str,
        by: &Importer,
        clock: &mut Clock,
    ) -> Result<Doc, EditError> {
        let Importer {
            author,
            device,
            wall_ms,
            today,
        } = *by;
        let spec = NewPlan {
            id: plan_id,
            title,
            year: Some(self.year),
            structure: None,
        };
        let mut r = new_replica(spec, author, device, clock.clone(), wall_ms)?;
        let set = |r: &mut Replica, id: &str, v: serde_json::Value| {
            let serde_json::Value::Object(fields) = v else {
                unreachable!("fields are objects")
            };
            r.apply(
                &Edit::Set {
                    entity: id.into(),
                    fields,
                },
                author,
                wall_ms,
            )
            .map(|_| ())
        };
        for (ci, c) in self.categories.iter().enumerate() {
            let cat = format!("cat-{}", ci + 1);
            set(
                &mut r,
                &cat,
                json!({"name": c.name, "order": ci + 1, "numbered": c.numbered}),
            )?;
            for (ii, item) in c.items.iter().enumerate() {
                let id = format!("item-{}-{}", ci + 1, ii + 1);
                let mut fields = json!({"category": cat, "order": ii + 1, "content": item.content,
                           "departments": item.departments, "deadline": item.deadline});
                if item.departments_shared && ii > 0 {
                    fields["departments_shared"] = json!(true);
                }
                set(&mut r, &id, fields)?;
                for (ti, t) in item.targets.iter().enumerate() {
                    let mut fields = json!({"item": id, "order": ti + 1, "name": t.name, "quantity": t.quantity, "unit": t.unit, "text": t.text});
                    if t.per_month {
                        let (from, year_end) = (
                            NaiveDate::from_ymd_opt(self.year, 1, 1),
                            NaiveDate::from_ymd_opt(self.year, 12, 31),
                        );
                        let until = item.deadline.as_ref().map(|d| d.date).or(year_end);
                        fields["recurring"] =
                            json!({"per_month": t.quantity, "from": from, "until": until});
                        fields["deadline"] = json!(item.deadline);
                    }
                    set(
                        &mut r,
                        &format!("tgt-{}-{}-{}", ci + 1, ii + 1, ti + 1),
                        fields,
                    )?;
                }
            }
        }
        if let Some(on) = self.records_on(today) {
            for (ci, c) in self.categories.iter().enumerate() {
                for (ii, item) in c.items.iter().enumerate() {
                    let note = item.progress.trim();
                    if note.is_empty() {
                        continue;
                    }
                    let record = Record {
                        note: note.to_owned(),
                        imported: true,
                        ..Record::new(on, author, format!("item-{}-{}", ci + 1, ii + 1))
                    };
                    r.apply(&Edit::AddRecord { record }, author, wall_ms)?;
                }
            }
        }
        *clock = r.clock;
        Ok(r.doc)
    }

    /// The day the progress column's records are dated, or `None` when there is no
    /// column or the office leaves it out: the end of the period its heading names,
    /// else `today`, kept within the plan's year (a plan of an earlier year imported
    /// later is reported as of its year's end).
    pub fn records_on(&self, today: NaiveDate) -> Option<NaiveDate> {
        let column = self.progress.as_ref().filter(|c| c.keep)?;
        Some(column.as_of.unwrap_or_else(|| {
            let first = NaiveDate::from_ymd_opt(self.year, 1, 1).unwrap_or(today);
            let last = NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or(today);
            today.clamp(first, last)
        }))
    }

    /// The records the proposal would import: (category, item, text), in order.
    pub fn records(&self) -> impl Iterator<Item = (usize, usize, &str)> {
        let keep = self.progress.as_ref().is_some_and(|c| c.keep);
        self.categories
            .iter()
            .enumerate()
            .flat_map(|(ci, c)| {
                c.items
                    .iter()
                    .enumerate()
                    .map(move |(ii, item)| (ci, ii, item.progress.trim()))
            })
            .filter(move |(_, _, text)| keep && !text.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Plan;

    fn rows(cells: &[&[&str]]) -> Vec<Vec<String>> {
        cells
            .iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    fn by(today: NaiveDate) -> Importer<'static> {
        Importer {
            author: "王芳",
            device: "tab-1",
            wall_ms: 1,
            today,
        }
    }

    fn table(progress_heading: &str) -> Vec<Vec<String>> {
        let head = [
            "序号",
            "类别",
            "工作内容",
            "牵头单位",
            "完成时限",
            progress_heading,
        ];
        rows(&[
            &["某街道2024年工作计划"],
            &head,
            &[
                "1",
                "环境",
                "新建口袋公园3处",
                "城建办",
                "9月底前",
                "已完成2处。\n第3处在建。",
            ],
            &["1", "环境", "改造公厕5座", "城建办", "年底前", ""],
            // The heading repeated where the table continues on the next page.
            &head,
            &[
                "2",
                "服务",
                "新增养老床位40张",
                "民政办、各社区",
                "",
                "已完成。",
            ],
        ])
    }

    #[test]
    fn a_progress_column_becomes_imported_records_dated_at_its_periods_end() {
        let p = parse_rows(&table("1-9月完成情况"), 2030);
        assert!(
            p.unread.is_empty(),
            "the repeated heading is skipped: {:?}",
            p.unread
        );
        assert_eq!(p.year, 2024, "the year from the title");
        let counts: Vec<usize> = p.categories.iter().map(|c| c.items.len()).collect();
        assert_eq!(counts, vec![2, 1]);
        let deadlines: Vec<String> = p
            .categories
            .iter()
            .flat_map(|c| &c.items)
            .map(|i| {
                i.deadline
                    .as_ref()
                    .map(|d| d.date.to_string())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(deadlines, vec!["2024-09-30", "2024-12-31", ""]);
        assert_eq!(
            p.categories[1].items[0].departments,
            vec!["民政办", "各社区"]
        );
        let column = p.progress.as_ref().unwrap();
        assert_eq!(column.as_of, NaiveDate::from_ymd_opt(2024, 9, 30));
        let today = NaiveDate::from_ymd_opt(2024, 11, 2).unwrap();
        let doc = p
            .into_doc("p", "计划", &by(today), &mut Clock::default())
            .unwrap();
        let plan = Plan::from_doc(&doc);
        let mut notes: Vec<(&str, &str, String, bool, &str)> = plan
            .records
            .iter()
            .map(|r| {
                let r = &r.record;
                (
                    r.item.as_str(),
                    r.note.as_str(),
                    r.observed.to_string(),
                    r.imported,
                    r.author.as_str(),
                )
            })
            .collect();
        notes.sort();
        assert_eq!(
            notes,
            vec![
                (
                    "item-1-1",
                    "已完成2处。\n第3处在建。",
                    "2024-09-30".into(),
                    true,
                    "王芳"
                ),
                ("item-2-1", "已完成。", "2024-09-30".into(), true, "王芳"),
            ]
        );
    }

    #[test]
    fn without_a_period_records_are_dated_the_import_day_and_can_be_left_out() {
        let mut p = parse_rows(&table("进展情况"), 2030);
        let today = NaiveDate::from_ymd_opt(2024, 11, 2).unwrap();
        assert_eq!(p.records_on(today), Some(today));
        assert_eq!(
            p.records_on(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()),
            NaiveDate::from_ymd_opt(2024, 12, 31),
            "kept within the plan's year"
        );
        assert_eq!(p.records().count(), 2);
        p.progress.as_mut().unwrap().keep = false;
        assert_eq!(p.records().count(), 0);
        let doc = p
            .into_doc("p", "计划", &by(today), &mut Clock::default())
            .unwrap();
        assert!(Plan::from_doc(&doc).records.is_empty());
    }
}
