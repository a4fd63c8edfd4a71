//! The supervision bulletin (督查通报) of a period: how many items are done, on schedule
//! (按序时), behind schedule (慢序时) and overdue, and an annex of the items behind or
//! overdue with their 存在问题 and 下步措施.
//!
//! The four counts are the items' [`Schedule`] as the table judges them (as of the
//! bulletin's day, or the period's end if earlier), so they always add up to the
//! table's rows:
//!
//! | bulletin | [`Schedule`] | meaning |
//! | --- | --- | --- |
//! | 已完成 | `Done` | a record says the item (or every part) is done |
//! | 按序时 | `OnTrack` | nothing due has passed unmet, nothing due within two weeks, progress keeps pace with elapsed time |
//! | 慢序时 | `AtRisk` | something due within [`crate::progress::AT_RISK_DAYS`] unmet, progress behind elapsed time by [`crate::progress::AT_RISK_GAP`] points, or a recurring target behind |
//! | 逾期 | `Overdue` | something due has passed unmet |
//!
//! An annex entry's 存在问题 and 下步措施 are the records' own fields: each the latest
//! one written in the period (observed from its start to the bulletin's day) among the
//! item's records, parts included. When no record of the period has either, the item's
//! latest note of the period stands in as its 存在问题 ([`Concern::from_note`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{chinese_date, Period, ReportError};
use crate::model::{Item, Plan, RecordView};
use crate::progress::{item_schedule, Schedule};

/// The bulletin's heading.
pub const HEADING: &str = "督查通报";

/// How many items stand where.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// 已完成.
    pub done: usize,
    /// 按序时.
    pub on_schedule: usize,
    /// 慢序时.
    pub behind: usize,
    /// 逾期.
    pub overdue: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.done + self.on_schedule + self.behind + self.overdue
    }

    fn add(&mut self, s: Schedule) {
        match s {
            Schedule::Done => self.done += 1,
            Schedule::OnTrack => self.on_schedule += 1,
            Schedule::AtRisk => self.behind += 1,
            Schedule::Overdue => self.overdue += 1,
        }
    }
}

/// What the records of the period say went wrong and comes next.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concern {
    /// 存在问题 (or the latest note, when [`Concern::from_note`]).
    pub problem: String,
    /// 下步措施.
    pub next_step: String,
    /// No record of the period wrote 存在问题 or 下步措施: `problem` is the item's latest
    /// note of the period.
    #[serde(default)]
    pub from_note: bool,
}

/// One item of the annex.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnnexEntry {
    pub item: String,
    /// The item's number (2.4).
    pub number: String,
    pub content: String,
    pub departments: String,
    /// `AtRisk` (慢序时) or `Overdue` (逾期).
    pub schedule: Schedule,
    pub concern: Concern,
}

impl AnnexEntry {
    /// The standing as the bulletin words it.
    pub fn standing(&self) -> &'static str {
        standing(self.schedule)
    }
}

/// A schedule in the bulletin's words.
pub fn standing(s: Schedule) -> &'static str {
    match s {
        Schedule::Done => "已完成",
        Schedule::OnTrack => "按序时",
        Schedule::AtRisk => "慢序时",
        Schedule::Overdue => "逾期",
    }
}

/// The bulletin of a period as of a day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bulletin {
    pub title: String,
    pub period: Period,
    pub as_of: NaiveDate,
    pub counts: Counts,
    /// The items behind schedule or overdue, in plan order.
    pub annex: Vec<AnnexEntry>,
}

impl Bulletin {
    /// The counts in one sentence: "截至2021年6月30日，1-6月共17个项目：已完成3个，按序时
    /// 推进9个，慢序时3个，逾期2个。"
    pub fn summary(&self) -> String {
        let c = &self.counts;
        format!(
            "截至{}，{}共{}个项目：已完成{}个，按序时推进{}个，慢序时{}个，逾期{}个。",
            chinese_date(self.as_of),
            self.period.label,
            c.total(),
            c.done,
            c.on_schedule,
            c.behind,
            c.overdue
        )
    }

    /// The bulletin's heading line: "督查通报（1-6月）".
    pub fn heading(&self) -> String {
        format!("{HEADING}（{}）", self.period.label)
    }

    /// The annex table's heading row.
    pub fn annex_headings() -> [&'static str; 6] {
        [
            "序号",
            "具体项目",
            "责任科室",
            "进度",
            "存在问题",
            "下步措施",
        ]
    }
}

/// The bulletin of a period as of a day; the same items, checks and judging day as
/// [`super::build_as_of`].
pub fn bulletin(plan: &Plan, period: &Period, as_of: NaiveDate) -> Result<Bulletin, ReportError> {
    let judged = super::judging_day(period, as_of)?;
    let mut counts = Counts::default();
    let mut annex = Vec::new();
    for cat in &plan.categories {
        for item in plan.items_of(&cat.id) {
            let schedule = item_schedule(plan, item, judged);
            counts.add(schedule);
            if matches!(schedule, Schedule::AtRisk | Schedule::Overdue) {
                annex.push(AnnexEntry {
                    item: item.id.clone(),
                    number: plan.display_number(item),
                    content: item.content.clone(),
                    departments: item.departments.join("、"),
                    schedule,
                    concern: concern(plan, item, period.start, judged),
                });
            }
        }
    }
    if counts.total() == 0 {
        return Err(ReportError::EmptyPlan);
    }
    Ok(Bulletin {
        title: plan.title(),
        period: period.clone(),
        as_of,
        counts,
        annex,
    })
}

/// An item's 存在问题 and 下步措施 from its records observed from `start` to `end`.
pub fn concern(plan: &Plan, item: &Item, start: NaiveDate, end: NaiveDate) -> Concern {
    let period: Vec<&RecordView> = plan
        .records_of(&item.id)
        .filter(|r| start <= r.record.observed && r.record.observed <= end)
        .collect();
    // Records come oldest first (observed day, then clock): the latest is the last.
    let last = |field: fn(&RecordView) -> &str| {
        period
            .iter()
            .rev()
            .map(|r| field(r).trim())
            .find(|t| !t.is_empty())
            .unwrap_or("")
            .to_owned()
    };
    let problem = last(|r| &r.record.problem);
    let next_step = last(|r| &r.record.next_step);
    if !problem.is_empty() || !next_step.is_empty() {
        return Concern {
            problem,
            next_step,
            from_note: false,
        };
    }
    let note = last(|r| &r.record.note);
    Concern {
        from_note: !note.is_empty(),
        problem: note,
        next_step: String::new(),
    }
}
