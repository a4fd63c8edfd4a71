//! The period's progress table, in the seed's shape: 序号 / 项目类别 / 具体项目及内容 /
//! 责任科室 / 完成情况, built from the records of the period.
//!
//! Each item's status text is composed from what the records of the period say: the
//! latest overall account, figures against targets and stages, sites with their
//! work packages, and milestones met or missed. The office may edit the text before
//! issuing; [`Report::with_override`] keeps such edits beside the composed text.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{last_day_of_month, Measure, Plan, RecordStatus, RecordView};
use crate::progress::{deadlines, item_schedule, Due, Schedule};

/// A reporting period, inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// As the office writes it (1-6月, 2021年3月, 2021年第二季度).
    pub label: String,
}

impl Period {
    pub fn month(year: i32, month: u32) -> Option<Period> {
        Some(Period {
            start: NaiveDate::from_ymd_opt(year, month, 1)?,
            end: last_day_of_month(year, month),
            label: format!("{month}月"),
        })
    }

    pub fn quarter(year: i32, q: u32) -> Option<Period> {
        if !(1..=4).contains(&q) {
            return None;
        }
        let first = (q - 1) * 3 + 1;
        Some(Period {
            start: NaiveDate::from_ymd_opt(year, first, 1)?,
            end: last_day_of_month(year, first + 2),
            label: format!("第{}季度", ["一", "二", "三", "四"][q as usize - 1]),
        })
    }

    /// Months `from` through `to` of a year (1-6月).
    pub fn months(year: i32, from: u32, to: u32) -> Option<Period> {
        if from > to || to > 12 {
            return None;
        }
        Some(Period {
            start: NaiveDate::from_ymd_opt(year, from, 1)?,
            end: last_day_of_month(year, to),
            label: format!("{from}-{to}月"),
        })
    }

    pub fn year(year: i32) -> Option<Period> {
        Some(Period {
            start: NaiveDate::from_ymd_opt(year, 1, 1)?,
            end: NaiveDate::from_ymd_opt(year, 12, 31)?,
            label: format!("{year}年"),
        })
    }

    pub fn range(start: NaiveDate, end: NaiveDate) -> Option<Period> {
        (start <= end).then(|| Period {
            start,
            end,
            label: format!("{start}至{end}"),
        })
    }

    fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }
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
    /// The status text (完成情况) composed from the period's records.
    pub status: String,
    /// Where the item stands at the end of the period.
    pub schedule: Schedule,
}

/// The table for one period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub title: String,
    pub period: Period,
    pub rows: Vec<Row>,
}

/// The header row, as the seed has it.
pub fn headings(period: &Period) -> [String; 5] {
    [
        "序号".into(),
        "项目类别".into(),
        "具体项目及内容".into(),
        "责任科室".into(),
        format!("{}完成情况", period.label),
    ]
}

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn status_word(s: RecordStatus) -> &'static str {
    match s {
        RecordStatus::NotStarted => "未开始",
        RecordStatus::InProgress => "进行中",
        RecordStatus::Done => "已完成",
        RecordStatus::Delayed => "滞后",
    }
}

/// The latest record in the period matching `pred`.
fn latest<'a>(
    records: &[&'a RecordView],
    pred: impl Fn(&RecordView) -> bool,
) -> Option<&'a RecordView> {
    records.iter().rev().copied().find(|r| pred(r))
}

fn compose(plan: &Plan, item: &crate::model::Item, period: &Period) -> String {
    let records: Vec<&RecordView> = plan
        .records_of(&item.id)
        .filter(|r| period.contains(r.record.observed))
        .collect();
    let mut lines: Vec<String> = Vec::new();
    // The latest overall account of the item, as written.
    if let Some(r) = latest(&records, |r| {
        r.record.site.is_none()
            && r.record.target.is_none()
            && r.record.package.is_none()
            && r.record.milestone.is_none()
            && (!r.record.note.is_empty() || r.record.percent.is_some())
    }) {
        let mut s = r.record.note.clone();
        if let Some(p) = r.record.percent {
            s = format!("完成{}%。{s}", num(p));
        }
        lines.push(s);
    }
    // Targets and stages.
    for t in plan.targets_of(&item.id) {
        let mut parts = Vec::new();
        let stages: Vec<_> = plan.stages_of(&t.id).collect();
        for s in &stages {
            if let Some(r) = latest(&records, |r| {
                r.record.stage.as_deref() == Some(&s.id) && r.record.figure.is_some()
            }) {
                let n = r.record.figure.unwrap_or(0.0);
                if s.completes && !t.quantity.is_nan() {
                    parts.push(format!(
                        "{}{}/{}{}（{}%）",
                        s.name,
                        num(n),
                        num(t.quantity),
                        t.unit,
                        num((n / t.quantity * 100.0).min(100.0))
                    ));
                } else {
                    parts.push(format!("{}{}{}", s.name, num(n), t.unit));
                }
            }
        }
        if let Some(r) = latest(&records, |r| {
            r.record.target.as_deref() == Some(&t.id)
                && r.record.stage.is_none()
                && r.record.figure.is_some()
        }) {
            let n = r.record.figure.unwrap_or(0.0);
            match &t.recurring {
                Some(rec) => parts.push(format!(
                    "累计{}{}（每月不少于{}{}）",
                    num(n),
                    t.unit,
                    num(rec.per_month),
                    t.unit
                )),
                None => parts.push(format!("{}/{}{}", num(n), num(t.quantity), t.unit)),
            }
        }
        if !parts.is_empty() {
            lines.push(format!("{}：{}", t.name, parts.join("，")));
        }
    }
    // Sites and their work packages.
    for link in plan.sites_of(&item.id) {
        let Some(site) = plan.site(&link.site) else {
            continue;
        };
        let mut parts = Vec::new();
        for wp in plan.packages_of(&item.id, &link.site) {
            let Some(r) = latest(&records, |r| r.record.package.as_deref() == Some(&wp.id)) else {
                continue;
            };
            let name = format!("{}{}", wp.label, wp.name);
            let part = match (wp.measure, r.record.percent, r.record.status) {
                (Measure::Percent, Some(p), _) => format!("{name}{}%", num(p)),
                // A status-only package is told in the inspector's words.
                _ if !r.record.note.is_empty() => {
                    if r.record.note.starts_with(&name) {
                        r.record.note.clone()
                    } else {
                        format!("{name}：{}", r.record.note)
                    }
                }
                (_, _, Some(s)) => format!("{name}{}", status_word(s)),
                _ => continue,
            };
            parts.push(part);
        }
        let total = latest(&records, |r| {
            r.record.site.as_deref() == Some(&link.site)
                && r.record.package.is_none()
                && (r.record.percent.is_some() || r.record.status.is_some())
        });
        let mut line = site.name.clone();
        if let Some(r) = total {
            match (r.record.percent, r.record.status) {
                (Some(p), _) => line.push_str(&format!("完成{}%", num(p))),
                (None, Some(s)) => line.push_str(status_word(s)),
                _ => {}
            }
        }
        if !parts.is_empty() {
            line.push_str(&format!("：{}", parts.join("；")));
        }
        if total.is_some() || !parts.is_empty() {
            lines.push(line);
        }
    }
    // Milestones due in or before the period: met or missed.
    let judged = deadlines(plan, item, period.end);
    let mut met = Vec::new();
    let mut missed = Vec::new();
    for m in plan.milestones_of(&item.id) {
        if m.effective_due() > period.end {
            continue;
        }
        let schedule = judged
            .iter()
            .find(|d| d.what == Due::Milestone(m.id.clone()))
            .map(|d| d.schedule);
        match schedule {
            Some(Schedule::Done) => met.push(m.text.clone()),
            Some(Schedule::Overdue) => missed.push(m.text.clone()),
            _ => {}
        }
    }
    if !met.is_empty() {
        lines.push(format!("已完成节点：{}", met.join("；")));
    }
    if !missed.is_empty() {
        lines.push(format!("逾期节点：{}", missed.join("；")));
    }
    if lines.is_empty() {
        "本期无记录。".into()
    } else {
        lines.join("\n")
    }
}

/// Builds the table of a period from the plan's records.
pub fn build(plan: &Plan, period: &Period) -> Report {
    let mut rows = Vec::new();
    for (ci, cat) in plan.categories.iter().enumerate() {
        for (n, item) in plan.items_of(&cat.id).enumerate() {
            let content = if cat.numbered {
                format!("{}. {}", n + 1, item.content)
            } else {
                item.content.clone()
            };
            rows.push(Row {
                item: item.id.clone(),
                number: format!("{}", ci + 1),
                category: cat.name.clone(),
                content,
                departments: item.departments.join("、"),
                status: compose(plan, item, period),
                schedule: item_schedule(plan, item, period.end),
            });
        }
    }
    Report {
        title: plan
            .meta
            .as_ref()
            .map(|m| m.title.clone())
            .unwrap_or_else(|| plan.id.clone()),
        period: period.clone(),
        rows,
    }
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

    /// Runs of rows sharing a category: (first row, number of rows), for merged cells.
    pub fn category_spans(&self) -> Vec<(usize, usize)> {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            match spans.last_mut() {
                Some((start, len)) if self.rows[*start].number == row.number => *len += 1,
                _ => spans.push((i, 1)),
            }
        }
        spans
    }

    /// The table as CSV: UTF-8 with a byte-order mark (so Excel reads Chinese), CRLF line
    /// ends, every field quoted. Overdue and at-risk items are marked in the status.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = String::from("\u{feff}");
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let line = |cells: &[String]| {
            cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(",") + "\r\n"
        };
        out.push_str(&line(&headings(&self.period)));
        for row in &self.rows {
            out.push_str(&line(&[
                row.number.clone(),
                row.category.clone(),
                row.content.clone(),
                row.departments.clone(),
                marked(row),
            ]));
        }
        out.into_bytes()
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

/// The status text with the schedule mark the office looks for.
pub fn marked(row: &Row) -> String {
    match row.schedule {
        Schedule::Overdue => format!("【逾期】{}", row.status),
        Schedule::AtRisk => format!("【有风险】{}", row.status),
        _ => row.status.clone(),
    }
}

/// Parses CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF), skipping a BOM.
pub fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// The year a plan's report defaults to: the plan's own, else `fallback` (this year).
pub fn plan_year(plan: &Plan, fallback: i32) -> i32 {
    plan.meta.as_ref().map_or(fallback, |m| m.year)
}
