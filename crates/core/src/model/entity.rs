//! The kinds of entity a plan holds and the typed structs they read as: the plan's own
//! facts, categories, items, targets, stages, milestones, sites, work packages and the
//! progress records inspectors write.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::date::{DateSpec, Period};
use super::evidence::{Location, Photo};

/// The kinds of entity a plan holds, by id prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Plan,
    Category,
    Item,
    Target,
    Stage,
    Milestone,
    Site,
    ItemSite,
    Package,
    /// The office's text of one 完成情况 cell, per period and item (`report/edits.rs`).
    CellEdit,
    /// The office's review of one progress record (`report/review.rs`).
    Review,
    /// An issued report (签发), never changed once written (`report/issue.rs`).
    Issue,
}

impl Kind {
    /// Every kind, in the order a plan is read.
    pub const ALL: [Kind; 12] = [
        Kind::Plan,
        Kind::Category,
        Kind::Item,
        Kind::Target,
        Kind::Stage,
        Kind::Milestone,
        Kind::Site,
        Kind::ItemSite,
        Kind::Package,
        Kind::CellEdit,
        Kind::Review,
        Kind::Issue,
    ];

    /// The id prefix of entities of this kind.
    pub const fn prefix(self) -> &'static str {
        match self {
            Kind::Plan => "plan",
            Kind::Category => "cat",
            Kind::Item => "item",
            Kind::Target => "tgt",
            Kind::Stage => "stg",
            Kind::Milestone => "ms",
            Kind::Site => "site",
            Kind::ItemSite => "loc",
            Kind::Package => "wp",
            Kind::CellEdit => "cell",
            Kind::Review => "rev",
            Kind::Issue => "iss",
        }
    }

    /// Whether entities of this kind are the office's report (cell edits, reviews,
    /// issues) rather than the plan itself: the plan view does not read them, the report
    /// module does.
    pub const fn is_report(self) -> bool {
        matches!(self, Kind::CellEdit | Kind::Review | Kind::Issue)
    }

    /// The kind an entity id names.
    pub fn of_id(id: &str) -> Option<Kind> {
        if id == "plan" {
            return Some(Kind::Plan);
        }
        let prefix = id.split_once('-')?.0;
        Kind::ALL
            .into_iter()
            .find(|k| *k != Kind::Plan && k.prefix() == prefix)
    }
}

/// The id of the one plan-metadata entity in a plan document.
pub const PLAN_ENTITY: &str = "plan";

/// The plan's own facts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanMeta {
    pub title: String,
    #[serde(default)]
    pub organisation: String,
    pub year: i32,
    /// IANA name of the time zone "today" and deadlines are judged in.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// That zone's offset from UTC in minutes (Asia/Shanghai: +480, no daylight saving).
    #[serde(default = "default_offset")]
    pub utc_offset_minutes: i32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    #[serde(default)]
    pub periods: Vec<Period>,
}

fn default_time_zone() -> String {
    "Asia/Shanghai".into()
}

fn default_offset() -> i32 {
    480
}

/// A category of the plan (项目类别).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Category {
    /// The entity id (filled in from the document's key).
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub order: f64,
    /// Whether the plan numbers the category's items ("1." …); the seed numbers them in
    /// categories 1–3 only.
    #[serde(default)]
    pub numbered: bool,
    #[serde(default)]
    pub deleted: bool,
}

/// A manual status the office can set on an item, over what the figures say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Active,
    Suspended,
    Cancelled,
}

/// A concrete project (具体项目).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// The entity id (filled in from the document's key).
    #[serde(default)]
    pub id: String,
    pub category: String,
    pub order: f64,
    /// The content as written.
    pub content: String,
    /// Responsible departments and communities, as written (各社区 kept as is).
    #[serde(default)]
    pub departments: Vec<String>,
    /// Whether the item shares the 责任科室 cell of the item above it in its category:
    /// the plan writes the departments once for both (the seed's 1.1–1.5). A field of
    /// the item like any other; absent means a cell of its own.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub departments_shared: bool,
    #[serde(default)]
    pub deadline: Option<DateSpec>,
    #[serde(default)]
    pub status: Option<ItemStatus>,
    #[serde(default)]
    pub deleted: bool,
}

/// A recurring target, judged per month (每月…不少于2场).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recurrence {
    pub per_month: f64,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

/// A quantitative target (加装电梯200台).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The entity id (filled in from the document's key).
    #[serde(default)]
    pub id: String,
    pub item: String,
    pub order: f64,
    /// What is counted (加装电梯).
    pub name: String,
    /// How many; for a recurring target, how many per month.
    pub quantity: f64,
    pub unit: String,
    /// The text verbatim.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub recurring: Option<Recurrence>,
    #[serde(default)]
    pub deadline: Option<DateSpec>,
    #[serde(default)]
    pub deleted: bool,
}

/// A named stage of a target with a cumulative count (新开, 吊装完成).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// The entity id (filled in from the document's key).
    #[serde(default)]
    pub id: String,
    pub target: String,
    pub order: f64,
    pub name: String,
    /// Whether reaching the target's quantity in this stage completes the target: its
    /// count drives the target's percentage.
    #[serde(default)]
    pub completes: bool,
    #[serde(default)]
    pub deleted: bool,
}

/// A dated step of an item (6月完成整体方案设计).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    /// The entity id (filled in from the document's key).
    #[serde(default)]
    pub id: String,
    pub item: String,
    pub order: f64,
    /// What is due, verbatim.
    pub text: String,
    pub due: DateSpec,
    /// The new date when the plan slipped (相应推后).
    #[serde(default)]
    pub revised: Option<DateSpec>,
    #[serde(default)]
    pub deleted: bool,
}

impl Milestone {
    /// The date the milestone is judged against: the revised one when there is one.
    pub fn effective_due(&self) -> NaiveDate {
        self.revised.as_ref().unwrap_or(&self.due).date
    }
}

/// A named place shared across items (白鹤苑).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// The entity id (filled in from the document's key).
    #[serde(default)]
    pub id: String,
    pub name: String,
    /// Other names the plan uses for it (官河东方花城 for 官河).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Where the site is (degrees, WGS 84), when the office has given it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default)]
    pub deleted: bool,
}

impl Site {
    /// The site's coordinates, when both are given.
    pub fn position(&self) -> Option<(f64, f64)> {
        Some((self.lat?, self.lon?))
    }
}

/// A site's part in an item, with its own deadline when it has one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemSite {
    /// The entity id (filled in from the document's key).
    #[serde(default)]
    pub id: String,
    pub item: String,
    pub site: String,
    pub order: f64,
    #[serde(default)]
    pub deadline: Option<DateSpec>,
    #[serde(default)]
    pub deleted: bool,
}

/// How a work package's progress is given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    #[default]
    Percent,
    /// Words only (智慧襄庄's modules).
    Status,
}

/// A work package at a site (外立面改造及内墙涂料).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Package {
    /// The entity id (filled in from the document's key).
    #[serde(default)]
    pub id: String,
    pub item: String,
    pub site: String,
    pub order: f64,
    /// The plan's own label, such as "(1)".
    #[serde(default)]
    pub label: String,
    pub name: String,
    #[serde(default)]
    pub measure: Measure,
    #[serde(default)]
    pub due: Option<DateSpec>,
    #[serde(default)]
    pub deleted: bool,
}

/// A status an inspector reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    NotStarted,
    InProgress,
    Done,
    Delayed,
    /// 整改中: being rectified after a check; counts as in progress, not done.
    Rectifying,
    /// 已验收: accepted on inspection; counts as done.
    Accepted,
}

impl RecordStatus {
    /// Whether the work counts as done (已完成, 已验收).
    pub fn is_done(self) -> bool {
        matches!(self, RecordStatus::Done | RecordStatus::Accepted)
    }
}

/// What an inspector saw: the body of a progress record version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The day it was observed.
    #[serde(rename = "on")]
    pub observed: NaiveDate,
    #[serde(rename = "by")]
    pub author: String,
    pub item: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    #[serde(rename = "wp", default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(rename = "ms", default, skip_serializing_if = "Option::is_none")]
    pub milestone: Option<String>,
    /// A count against the target or stage.
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub figure: Option<f64>,
    #[serde(rename = "pct", default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    #[serde(rename = "st", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RecordStatus>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// 存在问题: why the work is behind or what is wrong.
    #[serde(rename = "prob", default, skip_serializing_if = "String::is_empty")]
    pub problem: String,
    /// 下步措施: what comes next.
    #[serde(rename = "next", default, skip_serializing_if = "String::is_empty")]
    pub next_step: String,
    /// 预计完成: when the work is expected done (a day, 左右, 上/中/下旬, a month).
    #[serde(rename = "exp", default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<DateSpec>,
    /// Read from a plan table's progress column when the plan was imported, not
    /// observed on a tablet.
    #[serde(rename = "imp", default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
    /// Photos of what was seen, by hash (format 3).
    #[serde(rename = "ph", default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Photo>,
    /// Where the tablet was when the record was made, when the inspector attached it.
    #[serde(rename = "loc", default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The device's clock when the record was made, Unix milliseconds (the observed day
    /// is what the inspector says; this is when the tablet saved it).
    #[serde(rename = "cap", default, skip_serializing_if = "Option::is_none")]
    pub captured: Option<i64>,
}

impl Record {
    /// A record of `item` observed on `observed` by `author`, with nothing else filled in
    /// (what a form or an import then sets).
    pub fn new(observed: NaiveDate, author: impl Into<String>, item: impl Into<String>) -> Record {
        Record {
            observed,
            author: author.into(),
            item: item.into(),
            site: None,
            target: None,
            stage: None,
            package: None,
            milestone: None,
            figure: None,
            percent: None,
            status: None,
            note: String::new(),
            problem: String::new(),
            next_step: String::new(),
            expected: None,
            imported: false,
            photos: Vec::new(),
            location: None,
            captured: None,
        }
    }
}
