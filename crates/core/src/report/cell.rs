//! One item's 完成情况 cell, composed as the office writes it.
//!
//! The cell is the item's latest narrative of the period (an item-level record with
//! text), followed only by what was recorded after it: the parts (targets and their
//! stages, sites and their work packages, milestones) whose latest record is newer than
//! the narrative, each in its own record's words when it has them, else as a line
//! generated from its figures. With no narrative, the parts make the cell. A site's own
//! account stands to its work packages as the narrative to the item: only packages
//! recorded after it follow it. "Newer" is the plan's record order (observed day, then
//! clock), the order in which [`crate::progress::latest`] reads records.
//!
//! Nothing is invented from the plan alone: a milestone without a record is not told,
//! and one with a record but no words is told as met when the record says so, as
//! missed only once its date has passed, and otherwise by its status. A sentence the
//! cell already says is not said again ([`Cell`]).

use chrono::NaiveDate;

use super::words::Cell;
use crate::model::{Item, Measure, Plan, RecordStatus, RecordView};

/// What a row says when the period has no record of the item.
pub const NOTHING_RECORDED: &str = "本期无记录。";

pub(super) fn num(v: f64) -> String {
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
        RecordStatus::Rectifying => "整改中",
        RecordStatus::Accepted => "已验收",
    }
}

fn words(r: &RecordView) -> Option<&str> {
    let n = r.record.note.trim();
    (!n.is_empty()).then_some(n)
}

fn item_level(r: &RecordView) -> bool {
    let x = &r.record;
    x.site.is_none()
        && x.target.is_none()
        && x.stage.is_none()
        && x.package.is_none()
        && x.milestone.is_none()
}

/// The period's records of one item after a point, in record order, with lookups of the
/// latest one of each part.
struct After<'a> {
    records: Vec<&'a RecordView>,
}

impl<'a> After<'a> {
    /// The latest record (after `floor`, a position in `records`) matching `pred`, with
    /// its position.
    fn latest(
        &self,
        floor: Option<usize>,
        pred: impl Fn(&RecordView) -> bool,
    ) -> Option<(usize, &'a RecordView)> {
        let from = floor.map_or(0, |f| f + 1);
        self.records
            .iter()
            .enumerate()
            .skip(from)
            .rev()
            .find(|(_, r)| pred(r))
            .map(|(i, r)| (i, *r))
    }
}

/// The figures of a percentage or a status, as a generated phrase.
fn figure_phrase(r: &RecordView) -> Option<String> {
    match (r.record.percent, r.record.status) {
        (Some(p), _) => Some(format!("完成{}%", num(p))),
        (None, Some(s)) => Some(status_word(s).to_owned()),
        _ => None,
    }
}

/// Composes the cell of `item` from its records observed from `start` through `as_of`;
/// milestones are judged as of `as_of`.
pub fn compose(plan: &Plan, item: &Item, start: NaiveDate, as_of: NaiveDate) -> String {
    let all = After {
        records: plan
            .records_of(&item.id)
            .filter(|r| start <= r.record.observed && r.record.observed <= as_of)
            .collect(),
    };
    let mut cell = Cell::default();
    let narrative = all.latest(None, |r| item_level(r) && words(r).is_some());
    if let Some((_, r)) = narrative {
        let text = words(r).unwrap_or_default();
        match r.record.percent {
            Some(p) if !text.contains(&format!("{}%", num(p))) => {
                cell.narrative(&format!("完成{}%。{text}", num(p)))
            }
            _ => cell.narrative(text),
        }
    }
    let floor = narrative.map(|(i, _)| i);
    // The item's own figures recorded after the narrative, without words.
    if let Some((_, r)) = all.latest(floor, |r| item_level(r) && words(r).is_none()) {
        if let Some(phrase) = figure_phrase(r) {
            cell.generated(&phrase);
        }
    }
    targets(plan, item, &all, floor, &mut cell);
    sites(plan, item, &all, floor, &mut cell);
    milestones(plan, item, &all, floor, as_of, &mut cell);
    if cell.is_empty() {
        NOTHING_RECORDED.into()
    } else {
        cell.text()
    }
}

/// Targets: each stage's count, the target's own count, and its counts at sites.
fn targets(plan: &Plan, item: &Item, all: &After, floor: Option<usize>, cell: &mut Cell) {
    for t in plan.targets_of(&item.id) {
        let of_target = |r: &RecordView| {
            r.record.target.as_deref() == Some(&t.id) && r.record.milestone.is_none()
        };
        let mut generated = Vec::new();
        let mut tell = |r: &RecordView, phrase: Option<String>, cell: &mut Cell| match words(r) {
            Some(w) => cell.own_words(w),
            None => generated.extend(phrase),
        };
        for s in plan.stages_of(&t.id) {
            let Some((_, r)) = all.latest(floor, |r| {
                of_target(r) && r.record.stage.as_deref() == Some(&s.id)
            }) else {
                continue;
            };
            let phrase = r.record.figure.map(|n| {
                if s.completes && t.quantity > 0.0 {
                    format!(
                        "{}{}/{}{}（{}%）",
                        s.name,
                        num(n),
                        num(t.quantity),
                        t.unit,
                        num((n / t.quantity * 100.0).min(100.0))
                    )
                } else {
                    format!("{}{}{}", s.name, num(n), t.unit)
                }
            });
            tell(r, phrase.or_else(|| figure_phrase(r)), cell);
        }
        if let Some((_, r)) = all.latest(floor, |r| {
            of_target(r) && r.record.stage.is_none() && r.record.site.is_none()
        }) {
            let phrase = match (r.record.figure, &t.recurring) {
                (Some(n), Some(rec)) => Some(format!(
                    "累计{}{}（每月不少于{}{}）",
                    num(n),
                    t.unit,
                    num(rec.per_month),
                    t.unit
                )),
                (Some(n), None) => Some(format!("{}/{}{}", num(n), num(t.quantity), t.unit)),
                (None, _) => figure_phrase(r),
            };
            tell(r, phrase, cell);
        }
        for link in plan.sites_of(&item.id) {
            let Some((_, r)) = all.latest(floor, |r| {
                of_target(r)
                    && r.record.stage.is_none()
                    && r.record.site.as_deref() == Some(&link.site)
            }) else {
                continue;
            };
            let name = plan.site(&link.site).map_or("", |s| s.name.as_str());
            let phrase = match r.record.figure {
                Some(n) => Some(format!("{name}{}{}", num(n), t.unit)),
                None => figure_phrase(r).map(|p| format!("{name}{p}")),
            };
            tell(r, phrase, cell);
        }
        if !generated.is_empty() {
            cell.generated(&format!("{}：{}", t.name, generated.join("，")));
        }
    }
}

/// Sites: the site's own account, then its work packages recorded after it.
fn sites(plan: &Plan, item: &Item, all: &After, floor: Option<usize>, cell: &mut Cell) {
    let of_site = |r: &RecordView, site: &str| {
        r.record.site.as_deref() == Some(site)
            && r.record.target.is_none()
            && r.record.milestone.is_none()
    };
    for link in plan.sites_of(&item.id) {
        let Some(site) = plan.site(&link.site) else {
            continue;
        };
        let own = all.latest(floor, |r| {
            of_site(r, &site.id) && r.record.package.is_none()
        });
        let mut total = None;
        let mut site_floor = floor;
        if let Some((i, r)) = own {
            match words(r) {
                Some(w) => {
                    cell.own_words(w);
                    site_floor = Some(i);
                }
                None => total = figure_phrase(r),
            }
        }
        let mut parts = Vec::new();
        for wp in plan.packages_of(&item.id, &site.id) {
            let Some((_, r)) = all.latest(site_floor, |r| {
                of_site(r, &site.id) && r.record.package.as_deref() == Some(&wp.id)
            }) else {
                continue;
            };
            if let Some(w) = words(r) {
                cell.own_words(w);
                continue;
            }
            let name = format!("{}{}", wp.label, wp.name);
            let phrase = match (wp.measure, r.record.percent, r.record.status) {
                (Measure::Percent, Some(p), _) => Some(format!("{name}{}%", num(p))),
                (_, _, Some(s)) => Some(format!("{name}{}", status_word(s))),
                (_, Some(p), None) => Some(format!("{name}{}%", num(p))),
                _ => None,
            };
            parts.extend(phrase);
        }
        if total.is_none() && parts.is_empty() {
            continue;
        }
        let mut line = site.name.clone();
        if let Some(t) = total {
            line.push_str(&t);
        }
        if !parts.is_empty() {
            line.push('：');
            line.push_str(&parts.join("；"));
        }
        cell.generated(&line);
    }
}

/// Milestones with a record after the narrative: in its words, else met, missed (only
/// once its date has passed) or its status.
fn milestones(
    plan: &Plan,
    item: &Item,
    all: &After,
    floor: Option<usize>,
    as_of: NaiveDate,
    cell: &mut Cell,
) {
    let (mut met, mut missed, mut under_way) = (Vec::new(), Vec::new(), Vec::new());
    for m in plan.milestones_of(&item.id) {
        let Some((_, r)) = all.latest(floor, |r| r.record.milestone.as_deref() == Some(&m.id))
        else {
            continue;
        };
        if let Some(w) = words(r) {
            cell.own_words(w);
        } else if r.record.status.is_some_and(RecordStatus::is_done) {
            met.push(m.text.clone());
        } else if m.effective_due() < as_of {
            missed.push(m.text.clone());
        } else if let Some(phrase) = figure_phrase(r) {
            under_way.push(format!("{}：{phrase}", m.text));
        }
    }
    if !met.is_empty() {
        cell.generated(&format!("已完成节点：{}", met.join("；")));
    }
    if !missed.is_empty() {
        cell.generated(&format!("逾期节点：{}", missed.join("；")));
    }
    for line in under_way {
        cell.generated(&line);
    }
}
