//! Derived figures: progress roll-ups and schedule status as of a date.
//!
//! Every figure is a pure function of the plan and a date, and says how it was computed
//! ([`Basis`]), so the UI and the report can show the working. Percentages stay within
//! 0–100 whatever the records say.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{
    last_day_of_month, Item, Measure, Plan, RecordStatus, RecordView, Recurrence, Target,
};

/// Days before a due date from which an unmet deadline counts as at risk.
pub const AT_RISK_DAYS: i64 = 14;
/// Points by which elapsed time may run ahead of progress before an item is at risk.
pub const AT_RISK_GAP: f64 = 25.0;
/// The most a whole can show while one of its parts is unknown or unfinished.
pub const UNFINISHED_CAP: f64 = 99.0;

/// How a percentage was arrived at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum Basis {
    /// Nothing recorded yet.
    NoData,
    /// A record said it was done.
    ReportedDone { record: String },
    /// A record gave the percentage.
    Reported { record: String },
    /// The latest count against the quantity (of the completion stage, when named).
    Count {
        achieved: f64,
        quantity: f64,
        stage: Option<String>,
    },
    /// A recurring target: the months met so far against the whole span.
    Recurring {
        count: f64,
        required_so_far: f64,
        required_in_all: f64,
    },
    /// The mean of the parts that have figures, equally weighted.
    MeanOf { parts: usize, of: usize },
}

/// A percentage with its working.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// 0–100, or none when nothing is known.
    pub percent: Option<f64>,
    pub basis: Basis,
    /// Derived to fill a gap rather than reported (a site total computed from packages).
    pub estimate: bool,
}

impl Progress {
    /// Nothing known.
    pub fn none() -> Self {
        Progress {
            percent: None,
            basis: Basis::NoData,
            estimate: false,
        }
    }

    fn of(percent: f64, basis: Basis) -> Self {
        Progress {
            percent: Some(clamp(percent)),
            basis,
            estimate: false,
        }
    }

    /// The mean of the parts that have figures. A whole is complete only when every
    /// part is, so while any part is unknown or unfinished the mean stays below 100.
    fn mean(parts: &[Progress], of: usize) -> Self {
        let known: Vec<f64> = parts.iter().filter_map(|p| p.percent).collect();
        if known.is_empty() {
            return Progress::none();
        }
        let mut mean = clamp(known.iter().sum::<f64>() / known.len() as f64);
        if mean >= 100.0 && !parts.iter().all(Progress::is_done) {
            mean = UNFINISHED_CAP;
        }
        Progress {
            percent: Some(mean),
            basis: Basis::MeanOf {
                parts: known.len(),
                of,
            },
            estimate: parts.iter().any(|p| p.estimate && p.percent.is_some()),
        }
    }

    pub fn is_done(&self) -> bool {
        self.percent.is_some_and(|p| p >= 100.0)
    }
}

fn clamp(p: f64) -> f64 {
    if p.is_nan() {
        0.0
    } else {
        p.clamp(0.0, 100.0)
    }
}

/// The latest record referring to `id` (an item, site, target, stage, package or
/// milestone) and matching `pred`, among those observed on or before a date (ties: clock,
/// then device). Every figure here is read through it, so the interface should too.
/// Only the records that refer to `id` are looked at, so `pred` need not check it again.
pub fn latest<'a>(
    plan: &'a Plan,
    id: &str,
    as_of: NaiveDate,
    pred: impl Fn(&RecordView) -> bool,
) -> Option<&'a RecordView> {
    plan.records_referring(id)
        .rev()
        .filter(|r| r.record.observed <= as_of)
        .find(|r| pred(r))
}

fn is_done(r: &RecordView) -> bool {
    r.record.status.is_some_and(RecordStatus::is_done)
}

/// A target's progress as of a date.
pub fn target_progress(plan: &Plan, target: &Target, as_of: NaiveDate) -> Progress {
    let done = latest(plan, &target.id, as_of, |r| {
        r.record.target.as_deref() == Some(&target.id) && r.record.stage.is_none() && is_done(r)
    });
    if let Some(rec) = &target.recurring {
        return recurring_progress(plan, target, rec, as_of);
    }
    if let Some(r) = done {
        return Progress::of(
            100.0,
            Basis::ReportedDone {
                record: r.id.clone(),
            },
        );
    }
    let completion = plan.stages_of(&target.id).find(|s| s.completes);
    let figure = latest(plan, &target.id, as_of, |r| {
        r.record.target.as_deref() == Some(&target.id)
            && r.record.stage.as_deref() == completion.map(|s| s.id.as_str())
            && r.record.figure.is_some()
    });
    match figure.and_then(|r| r.record.figure) {
        Some(achieved) => Progress::of(
            achieved / target.quantity * 100.0,
            Basis::Count {
                achieved,
                quantity: target.quantity,
                stage: completion.map(|s| s.name.clone()),
            },
        ),
        None => Progress::none(),
    }
}

/// Months of a recurrence whose last day is on or before `as_of`.
fn months_completed(rec: &Recurrence, as_of: NaiveDate) -> u32 {
    let mut n = 0;
    let mut d = rec.from;
    loop {
        let end = last_day_of_month(chrono::Datelike::year(&d), chrono::Datelike::month(&d));
        if end > as_of || end > rec.until.max(rec.from) {
            return n;
        }
        n += 1;
        match end.succ_opt() {
            Some(next) => d = next,
            None => return n,
        }
    }
}

fn recurring_progress(
    plan: &Plan,
    target: &Target,
    rec: &Recurrence,
    as_of: NaiveDate,
) -> Progress {
    let count = latest(plan, &target.id, as_of, |r| {
        r.record.target.as_deref() == Some(&target.id) && r.record.figure.is_some()
    })
    .and_then(|r| r.record.figure);
    let Some(count) = count else {
        return Progress::none();
    };
    let total_months = months_completed(rec, rec.until).max(1);
    let required_in_all = rec.per_month * f64::from(total_months);
    let required_so_far = rec.per_month * f64::from(months_completed(rec, as_of));
    // Credit is earned month by month: an early surplus never completes the target.
    let credited = count.min(required_so_far);
    Progress::of(
        credited / required_in_all * 100.0,
        Basis::Recurring {
            count,
            required_so_far,
            required_in_all,
        },
    )
}

/// Whether a recurring target has kept pace as of a date.
pub fn recurring_on_track(plan: &Plan, target: &Target, as_of: NaiveDate) -> Option<bool> {
    match (
        &target.recurring,
        recurring_progress_basis(plan, target, as_of),
    ) {
        (Some(_), Some((count, required))) => Some(count >= required),
        _ => None,
    }
}

fn recurring_progress_basis(plan: &Plan, target: &Target, as_of: NaiveDate) -> Option<(f64, f64)> {
    match target_progress(plan, target, as_of).basis {
        Basis::Recurring {
            count,
            required_so_far,
            ..
        } => Some((count, required_so_far)),
        _ => None,
    }
}

/// A work package's progress as of a date.
pub fn package_progress(plan: &Plan, package: &str, as_of: NaiveDate) -> Progress {
    let Some(r) = latest(plan, package, as_of, |r| {
        r.record.package.as_deref() == Some(package)
            && (r.record.percent.is_some() || r.record.status.is_some())
    }) else {
        return Progress::none();
    };
    if is_done(r) {
        return Progress::of(
            100.0,
            Basis::ReportedDone {
                record: r.id.clone(),
            },
        );
    }
    match r.record.percent {
        Some(p) => Progress::of(
            p,
            Basis::Reported {
                record: r.id.clone(),
            },
        ),
        None => Progress::none(),
    }
}

/// A site's progress within an item: the reported total, else an estimate from its
/// packages (labelled as such, equally weighted).
pub fn site_progress(plan: &Plan, item: &str, site: &str, as_of: NaiveDate) -> Progress {
    let reported = latest(plan, site, as_of, |r| {
        r.record.item == item
            && r.record.site.as_deref() == Some(site)
            && r.record.package.is_none()
            && (r.record.percent.is_some()
                || matches!(
                    r.record.status,
                    Some(RecordStatus::Done | RecordStatus::Accepted | RecordStatus::NotStarted)
                ))
    });
    if let Some(r) = reported {
        if is_done(r) {
            return Progress::of(
                100.0,
                Basis::ReportedDone {
                    record: r.id.clone(),
                },
            );
        }
        if r.record.status == Some(RecordStatus::NotStarted) && r.record.percent.is_none() {
            return Progress::of(
                0.0,
                Basis::Reported {
                    record: r.id.clone(),
                },
            );
        }
        if let Some(p) = r.record.percent {
            return Progress::of(
                p,
                Basis::Reported {
                    record: r.id.clone(),
                },
            );
        }
    }
    let packages: Vec<Progress> = plan
        .packages_of(item, site)
        .filter(|p| p.measure == Measure::Percent)
        .map(|p| package_progress(plan, &p.id, as_of))
        .collect();
    let mut estimate = Progress::mean(&packages, packages.len());
    estimate.estimate = estimate.percent.is_some();
    estimate
}

/// An item's progress: done when a record says so; else the mean of its targets and
/// sites that have figures; else the latest percentage reported for the item itself.
pub fn item_progress(plan: &Plan, item: &Item, as_of: NaiveDate) -> Progress {
    let own = latest(plan, &item.id, as_of, |r| {
        r.record.item == item.id
            && r.record.site.is_none()
            && r.record.target.is_none()
            && r.record.package.is_none()
            && r.record.milestone.is_none()
            && (r.record.percent.is_some() || r.record.status.is_some())
    });
    if let Some(r) = own.filter(|r| is_done(r)) {
        return Progress::of(
            100.0,
            Basis::ReportedDone {
                record: r.id.clone(),
            },
        );
    }
    let mut parts: Vec<Progress> = plan
        .targets_of(&item.id)
        .map(|t| target_progress(plan, t, as_of))
        .collect();
    parts.extend(
        plan.sites_of(&item.id)
            .map(|s| site_progress(plan, &item.id, &s.site, as_of)),
    );
    let of = parts.len();
    let mean = Progress::mean(&parts, of);
    if mean.percent.is_some() {
        return mean;
    }
    match own.and_then(|r| r.record.percent.map(|p| (r, p))) {
        Some((r, p)) => Progress::of(
            p,
            Basis::Reported {
                record: r.id.clone(),
            },
        ),
        None => Progress::none(),
    }
}

/// A category's progress: the mean of its items that have figures.
pub fn category_progress(plan: &Plan, category: &str, as_of: NaiveDate) -> Progress {
    let parts: Vec<Progress> = plan
        .items_of(category)
        .map(|i| item_progress(plan, i, as_of))
        .collect();
    Progress::mean(&parts, parts.len())
}

/// What the overview shows, with each item read once: the plan's progress, each
/// category's, and how many items are overdue or at risk. Equal to [`plan_progress`],
/// [`category_progress`] and [`item_schedule`] over every item.
#[derive(Clone, Debug, PartialEq)]
pub struct Overview {
    pub plan: Progress,
    /// Each category's progress, in plan order.
    pub categories: Vec<(String, Progress)>,
    pub overdue: usize,
    pub at_risk: usize,
}

/// The overview's figures as of a date.
pub fn overview(plan: &Plan, as_of: NaiveDate) -> Overview {
    let mut by_category: std::collections::HashMap<&str, Vec<Progress>> =
        std::collections::HashMap::new();
    let mut all = Vec::new();
    let (mut overdue, mut at_risk) = (0, 0);
    for item in &plan.items {
        let progress = item_progress(plan, item, as_of);
        match item_schedule_with(plan, item, &progress, as_of) {
            Schedule::Overdue => overdue += 1,
            Schedule::AtRisk => at_risk += 1,
            _ => {}
        }
        if plan.category(&item.category).is_some() {
            by_category
                .entry(&item.category)
                .or_default()
                .push(progress.clone());
            all.push(progress);
        }
    }
    let categories = plan
        .categories
        .iter()
        .map(|c| {
            let parts = by_category.remove(c.id.as_str()).unwrap_or_default();
            (c.id.clone(), Progress::mean(&parts, parts.len()))
        })
        .collect();
    Overview {
        plan: Progress::mean(&all, all.len()),
        categories,
        overdue,
        at_risk,
    }
}

/// The plan's progress: the mean of all items that have figures.
pub fn plan_progress(plan: &Plan, as_of: NaiveDate) -> Progress {
    let parts: Vec<Progress> = plan
        .items
        .iter()
        .filter(|i| plan.category(&i.category).is_some())
        .map(|i| item_progress(plan, i, as_of))
        .collect();
    Progress::mean(&parts, parts.len())
}

/// Where something stands against its schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    Done,
    OnTrack,
    AtRisk,
    Overdue,
}

/// What a dated obligation belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Due {
    Item(String),
    Target(String),
    Milestone(String),
    Site(String),
    Package(String),
}

/// A dated obligation of an item and where it stands.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Deadline {
    pub item: String,
    pub what: Due,
    /// What is due, in the plan's words.
    pub text: String,
    pub date: NaiveDate,
    pub schedule: Schedule,
}

fn judge(met: bool, due: NaiveDate, as_of: NaiveDate) -> Schedule {
    if met {
        Schedule::Done
    } else if as_of > due {
        Schedule::Overdue
    } else if (due - as_of).num_days() <= AT_RISK_DAYS {
        Schedule::AtRisk
    } else {
        Schedule::OnTrack
    }
}

/// Every dated obligation of an item, judged as of a date.
pub fn deadlines(plan: &Plan, item: &Item, as_of: NaiveDate) -> Vec<Deadline> {
    deadlines_with(plan, item, &item_progress(plan, item, as_of), as_of)
}

/// [`deadlines`] given the item's progress as of the same date.
fn deadlines_with(
    plan: &Plan,
    item: &Item,
    progress: &Progress,
    as_of: NaiveDate,
) -> Vec<Deadline> {
    let mut out = Vec::new();
    if let Some(d) = &item.deadline {
        out.push(Deadline {
            item: item.id.clone(),
            what: Due::Item(item.id.clone()),
            text: d.text.clone(),
            date: d.date,
            schedule: judge(progress.is_done(), d.date, as_of),
        });
    }
    for t in plan.targets_of(&item.id) {
        let Some(d) = &t.deadline else { continue };
        let done = target_progress(plan, t, as_of).is_done()
            && t.recurring.as_ref().is_none_or(|r| as_of >= r.until);
        out.push(Deadline {
            item: item.id.clone(),
            what: Due::Target(t.id.clone()),
            text: if d.text.is_empty() {
                t.text.clone()
            } else {
                d.text.clone()
            },
            date: d.date,
            schedule: judge(done, d.date, as_of),
        });
    }
    for m in plan.milestones_of(&item.id) {
        let met = latest(plan, &m.id, as_of, |r| {
            r.record.milestone.as_deref() == Some(&m.id) && is_done(r)
        })
        .is_some();
        out.push(Deadline {
            item: item.id.clone(),
            what: Due::Milestone(m.id.clone()),
            text: m.text.clone(),
            date: m.effective_due(),
            schedule: judge(met || progress.is_done(), m.effective_due(), as_of),
        });
    }
    for s in plan.sites_of(&item.id) {
        let Some(d) = &s.deadline else { continue };
        let done = site_progress(plan, &item.id, &s.site, as_of).is_done();
        out.push(Deadline {
            item: item.id.clone(),
            what: Due::Site(s.site.clone()),
            text: plan
                .site(&s.site)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            date: d.date,
            schedule: judge(done || progress.is_done(), d.date, as_of),
        });
    }
    for p in plan.packages_of_item(&item.id) {
        let Some(d) = &p.due else { continue };
        let done = package_progress(plan, &p.id, as_of).is_done();
        out.push(Deadline {
            item: item.id.clone(),
            what: Due::Package(p.id.clone()),
            text: p.name.clone(),
            date: d.date,
            schedule: judge(done || progress.is_done(), d.date, as_of),
        });
    }
    out
}

/// An item's schedule as of a date: done; overdue when anything due has passed unmet;
/// at risk when something is due within [`AT_RISK_DAYS`] unmet, when elapsed time runs
/// [`AT_RISK_GAP`] points ahead of progress, or when a recurring target falls behind;
/// on track otherwise.
pub fn item_schedule(plan: &Plan, item: &Item, as_of: NaiveDate) -> Schedule {
    item_schedule_with(plan, item, &item_progress(plan, item, as_of), as_of)
}

/// [`item_schedule`] given the item's progress as of the same date (from
/// [`item_progress`]), for callers that show both.
pub fn item_schedule_with(
    plan: &Plan,
    item: &Item,
    progress: &Progress,
    as_of: NaiveDate,
) -> Schedule {
    if progress.is_done() {
        return Schedule::Done;
    }
    let worst = deadlines_with(plan, item, progress, as_of)
        .into_iter()
        .map(|d| d.schedule)
        .filter(|s| *s != Schedule::Done)
        .max()
        .unwrap_or(Schedule::OnTrack);
    if worst >= Schedule::AtRisk {
        return worst;
    }
    let behind_recurring = plan
        .targets_of(&item.id)
        .any(|t| recurring_on_track(plan, t, as_of) == Some(false));
    if behind_recurring {
        return Schedule::AtRisk;
    }
    if let (Some(deadline), Some(meta)) = (&item.deadline, &plan.meta) {
        let span = (deadline.date - meta.start).num_days().max(1) as f64;
        let gone = (as_of - meta.start).num_days().max(0) as f64;
        let elapsed = (gone / span * 100.0).min(100.0);
        if elapsed - progress.percent.unwrap_or(0.0) > AT_RISK_GAP {
            return Schedule::AtRisk;
        }
    }
    Schedule::OnTrack
}

/// Every deadline of the plan that is overdue or at risk as of a date, soonest first.
pub fn problems(plan: &Plan, as_of: NaiveDate) -> Vec<Deadline> {
    let mut out: Vec<Deadline> = plan
        .items
        .iter()
        .flat_map(|i| deadlines(plan, i, as_of))
        .filter(|d| matches!(d.schedule, Schedule::Overdue | Schedule::AtRisk))
        .collect();
    out.sort_by(|a, b| (a.date, &a.item).cmp(&(b.date, &b.item)));
    out
}
