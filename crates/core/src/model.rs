//! The plan in its own terms: the typed view of a [`Doc`].
//!
//! The document stores fields as registers; this module reads the winning values into
//! typed structs (categories, items, targets, stages, milestones, sites, work packages,
//! progress records) and checks them. Entity kinds are told apart by their id prefix.

use rustc_hash::FxHashMap as HashMap;

use chrono::{Datelike, NaiveDate};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::doc::{current_version, Doc, Fields, Register, Versions};

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
}

impl Kind {
    /// Every kind, in the order a plan is read.
    pub const ALL: [Kind; 9] = [
        Kind::Plan,
        Kind::Category,
        Kind::Item,
        Kind::Target,
        Kind::Stage,
        Kind::Milestone,
        Kind::Site,
        Kind::ItemSite,
        Kind::Package,
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
        }
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

/// How precise a date in the plan's text is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// A day (6月15日).
    #[default]
    Day,
    /// About a day (6月20日左右, 本周五).
    Approximate,
    /// Part of a month (9月中下旬): the date is that part's last day.
    PartOfMonth,
    /// A month (9月底前, 4月): the date is its last day.
    Month,
}

/// A date as the plan writes it, next to its normalised value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateSpec {
    /// The text verbatim ("计划9月底前完成"); may be empty for dates entered as dates.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// The normalised date: the last day the text allows ("X月底前" is that month's
    /// last day, inclusive).
    pub date: NaiveDate,
    /// How precise the text is.
    #[serde(default)]
    pub precision: Precision,
}

impl DateSpec {
    /// A month's end, written as the plan writes it.
    pub fn month_end(year: i32, month: u32, text: &str) -> Self {
        DateSpec {
            text: text.to_owned(),
            date: last_day_of_month(year, month),
            precision: Precision::Month,
        }
    }

    /// A given day.
    pub fn day(date: NaiveDate, text: &str, precision: Precision) -> Self {
        DateSpec {
            text: text.to_owned(),
            date,
            precision,
        }
    }
}

/// The last day of a month (months outside 1–12 are clamped).
pub fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let month = month.clamp(1, 12);
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// A reporting period (1-6月).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

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
    #[serde(default)]
    pub deleted: bool,
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
}

/// A record as it stands now, with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordView {
    pub id: String,
    pub record: Record,
    /// Stamp and device of the standing version (the record's clock order).
    pub stamp: u64,
    pub device: crate::doc::DeviceId,
    /// How many versions the record has (more than one: it was corrected).
    pub versions: usize,
}

/// The plan read out of its document.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub id: String,
    pub meta: Option<PlanMeta>,
    pub categories: Vec<Category>,
    pub items: Vec<Item>,
    pub targets: Vec<Target>,
    pub stages: Vec<Stage>,
    pub milestones: Vec<Milestone>,
    pub sites: Vec<Site>,
    pub item_sites: Vec<ItemSite>,
    pub packages: Vec<Package>,
    /// Standing, undeleted records, oldest observation first.
    pub records: Vec<RecordView>,
    /// Entities whose fields do not read as their kind (kept in the document, shown to
    /// the office as problems rather than dropped).
    pub unreadable: Vec<(String, String)>,
    /// Positions in `records` (ascending) by every id a record refers to: its item, site,
    /// target, stage, package and milestone. Built by [`Plan::from_doc`].
    record_index: HashMap<String, Vec<usize>>,
    /// Positions of entities in their kind's list, by id (ids name their kind).
    positions: HashMap<String, usize>,
    /// Positions of each entity's children by the parent's id.
    children: HashMap<String, Children>,
    /// Display numbers of items by id.
    numbers: HashMap<String, String>,
}

/// Positions (ascending) in the plan's lists of the entities under one parent.
#[derive(Clone, Debug, Default, PartialEq)]
struct Children {
    items: Vec<usize>,
    targets: Vec<usize>,
    stages: Vec<usize>,
    milestones: Vec<usize>,
    sites: Vec<usize>,
    packages: Vec<usize>,
}

/// The winning value of every field of an entity, as a JSON object.
pub fn winners(doc: &Doc, id: &str) -> Map<String, Value> {
    doc.entities
        .get(id)
        .map(|fields| {
            fields
                .iter()
                .filter_map(|(k, r)| r.winner().map(|w| (k.to_owned(), w.value.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads an entity's winning values, with its `id`, as `T`: straight from the registers,
/// without copying the values into a map first (reading a large plan did that for every
/// field of every entity).
fn read_fields<T: for<'de> Deserialize<'de>>(fields: &Fields, id: &Value) -> Result<T, String> {
    let winners = fields
        .iter()
        .filter(|(name, _)| *name != "id")
        .filter_map(|(name, r)| r.winner().map(|w| (name, &w.value)));
    let pairs = winners.chain(std::iter::once(("id", id)));
    let map = serde::de::value::MapDeserializer::<_, serde_json::Error>::new(pairs);
    T::deserialize(map).map_err(|e| e.to_string())
}

/// The order of records in a plan: by observation, then clock order.
fn record_order(r: &RecordView) -> (NaiveDate, u64, &str) {
    (r.record.observed, r.stamp, &r.device)
}

/// The ids a record refers to (item, site, target, stage, package, milestone).
fn record_refs(rec: &Record) -> impl Iterator<Item = &String> {
    [
        Some(&rec.item),
        rec.site.as_ref(),
        rec.target.as_ref(),
        rec.stage.as_ref(),
        rec.package.as_ref(),
        rec.milestone.as_ref(),
    ]
    .into_iter()
    .flatten()
}

/// Sorts by order, then id. Keys end with the unique id, so an unstable sort gives the one
/// order (and moves less).
fn by_order<T>(list: &mut [T], key: impl Fn(&T) -> (f64, &str)) {
    list.sort_unstable_by(|a, b| {
        let (oa, ia) = key(a);
        let (ob, ib) = key(b);
        oa.total_cmp(&ob).then_with(|| ia.cmp(ib))
    });
}

impl Plan {
    /// Reads a document. Deleted entities are left out; entities that do not read as
    /// their kind are listed in `unreadable`.
    pub fn from_doc(doc: &Doc) -> Plan {
        let mut plan = Plan {
            id: doc.id.clone(),
            ..Plan::default()
        };
        plan.reserve_for(doc);
        for (id, fields) in &doc.entities {
            plan.read_fields(id, fields);
        }
        plan.sort_entities();
        for (id, versions) in &doc.records {
            if let Some(view) = plan.read_versions(id, versions) {
                plan.records.push(view);
            }
        }
        plan.records
            .sort_unstable_by(|a, b| record_order(a).cmp(&record_order(b)));
        plan.unreadable.sort();
        plan.reindex();
        plan
    }

    /// Brings the view up to date after an edit that touched one entity or record (`id`)
    /// of `doc`, the document this view was read from. The result equals
    /// `Plan::from_doc(doc)`, without reading the whole document again: a record costs a
    /// pass over the record index, an entity a pass over the entities.
    pub fn refresh(&mut self, doc: &Doc, id: &str) {
        self.unreadable.retain(|(u, _)| u != id);
        if doc.records.contains_key(id) {
            self.refresh_record(doc, id);
        } else {
            self.remove_entity(id);
            self.read_entity(doc, id);
            self.sort_entities();
            self.reindex_entities();
        }
        self.unreadable.sort();
    }

    /// Reads one entity into its kind's list (unsorted), or into `unreadable`. Deleted
    /// entities are left out.
    fn read_entity(&mut self, doc: &Doc, id: &str) {
        match doc.entities.get(id) {
            Some(fields) => self.read_fields(id, fields),
            None => self.read_fields(id, &Fields::default()),
        }
    }

    /// [`Plan::read_entity`] of the entity `id` with these fields.
    /// Room for every entity and record of `doc`, so that reading it allocates each
    /// list once: grown by doubling instead, a large plan's lists held up to twice their
    /// size, and old and new copies were both held while they grew.
    fn reserve_for(&mut self, doc: &Doc) {
        let mut counts = [0usize; Kind::ALL.len()];
        for id in doc.entities.keys() {
            if let Some(kind) = Kind::of_id(id) {
                counts[kind as usize] += 1;
            }
        }
        let n = |kind: Kind| counts[kind as usize];
        self.categories.reserve_exact(n(Kind::Category));
        self.items.reserve_exact(n(Kind::Item));
        self.targets.reserve_exact(n(Kind::Target));
        self.stages.reserve_exact(n(Kind::Stage));
        self.milestones.reserve_exact(n(Kind::Milestone));
        self.sites.reserve_exact(n(Kind::Site));
        self.item_sites.reserve_exact(n(Kind::ItemSite));
        self.packages.reserve_exact(n(Kind::Package));
        self.records.reserve_exact(doc.records.len());
    }

    fn read_fields(&mut self, id: &str, fields: &Fields) {
        let winner = |name: &str| fields.get(name).and_then(Register::winner);
        if winner("deleted").is_some_and(|w| w.value.as_bool() == Some(true)) {
            return;
        }
        let id_value = Value::String(id.to_owned());
        let result: Result<(), String> = match Kind::of_id(id) {
            Some(Kind::Plan) => read_fields(fields, &id_value).map(|m| self.meta = Some(m)),
            Some(Kind::Category) => read_fields(fields, &id_value).map(|c| self.categories.push(c)),
            Some(Kind::Item) => read_fields(fields, &id_value).map(|c| self.items.push(c)),
            Some(Kind::Target) => read_fields(fields, &id_value).map(|c| self.targets.push(c)),
            Some(Kind::Stage) => read_fields(fields, &id_value).map(|c| self.stages.push(c)),
            Some(Kind::Milestone) => {
                read_fields(fields, &id_value).map(|c| self.milestones.push(c))
            }
            Some(Kind::Site) => read_fields(fields, &id_value).map(|c| self.sites.push(c)),
            Some(Kind::ItemSite) => read_fields(fields, &id_value).map(|c| self.item_sites.push(c)),
            Some(Kind::Package) => read_fields(fields, &id_value).map(|c| self.packages.push(c)),
            None => Err("unknown kind of entity".into()),
        };
        if let Err(e) = result {
            self.unreadable.push((id.to_owned(), e));
        }
    }

    fn remove_entity(&mut self, id: &str) {
        match Kind::of_id(id) {
            Some(Kind::Plan) => self.meta = None,
            Some(Kind::Category) => self.categories.retain(|x| x.id != id),
            Some(Kind::Item) => self.items.retain(|x| x.id != id),
            Some(Kind::Target) => self.targets.retain(|x| x.id != id),
            Some(Kind::Stage) => self.stages.retain(|x| x.id != id),
            Some(Kind::Milestone) => self.milestones.retain(|x| x.id != id),
            Some(Kind::Site) => self.sites.retain(|x| x.id != id),
            Some(Kind::ItemSite) => self.item_sites.retain(|x| x.id != id),
            Some(Kind::Package) => self.packages.retain(|x| x.id != id),
            None => {}
        }
    }

    /// Puts the entity lists in plan order (cheap on lists that are nearly in order).
    fn sort_entities(&mut self) {
        by_order(&mut self.categories, |c| (c.order, &c.id));
        let cat_rank: HashMap<&str, usize> = self
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        // Items of deleted categories go last, in their own order.
        let rank = |c: &str| cat_rank.get(c).copied().unwrap_or(usize::MAX);
        self.items.sort_unstable_by(|a, b| {
            rank(&a.category)
                .cmp(&rank(&b.category))
                .then(a.order.total_cmp(&b.order))
                .then_with(|| a.id.cmp(&b.id))
        });
        by_order(&mut self.targets, |c| (c.order, &c.id));
        by_order(&mut self.stages, |c| (c.order, &c.id));
        by_order(&mut self.milestones, |c| (c.order, &c.id));
        self.sites.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        by_order(&mut self.item_sites, |c| (c.order, &c.id));
        by_order(&mut self.packages, |c| (c.order, &c.id));
    }

    /// The standing version of record `id` as a view: `None` when it is deleted, has no
    /// version, or does not read (then it is listed in `unreadable`).
    fn read_record(&mut self, doc: &Doc, id: &str) -> Option<RecordView> {
        self.read_versions(id, doc.records.get(id)?)
    }

    /// [`Plan::read_record`] of the record `id` with these versions.
    fn read_versions(&mut self, id: &str, versions: &Versions) -> Option<RecordView> {
        let v = current_version(versions)?;
        if v.is_tombstone() {
            return None;
        }
        match v.body.read::<Record>() {
            Ok(record) => Some(RecordView {
                id: id.to_owned(),
                record,
                stamp: v.stamp,
                device: v.device.clone(),
                versions: versions.len(),
            }),
            Err(e) => {
                self.unreadable.push((id.to_owned(), e.to_string()));
                None
            }
        }
    }

    /// Replaces record `id` in the list and the record index by its standing version.
    fn refresh_record(&mut self, doc: &Doc, id: &str) {
        if let Some(pos) = self.records.iter().position(|r| r.id == id) {
            let old = self.records.remove(pos);
            for rid in record_refs(&old.record) {
                if let Some(list) = self.record_index.get_mut(rid) {
                    list.retain(|&i| i != pos);
                    if list.is_empty() {
                        self.record_index.remove(rid);
                    }
                }
            }
            for list in self.record_index.values_mut() {
                for i in list.iter_mut().filter(|i| **i > pos) {
                    *i -= 1;
                }
            }
        }
        let Some(view) = self.read_record(doc, id) else {
            return;
        };
        let key = record_order(&view);
        let at = self.records.partition_point(|r| record_order(r) < key);
        for list in self.record_index.values_mut() {
            for i in list.iter_mut().filter(|i| **i >= at) {
                *i += 1;
            }
        }
        for rid in record_refs(&view.record) {
            let list = self.record_index.entry(rid.clone()).or_default();
            let p = list.partition_point(|&i| i < at);
            if list.get(p) != Some(&at) {
                list.insert(p, at);
            }
        }
        self.records.insert(at, view);
    }

    /// Builds the lookups over the lists read from the document.
    fn reindex(&mut self) {
        let mut index: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, r) in self.records.iter().enumerate() {
            for id in record_refs(&r.record) {
                let list = index.entry(id.clone()).or_default();
                // A record naming the same id twice is listed once.
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        self.record_index = index;
        self.reindex_entities();
    }

    /// Builds the lookups over the entity lists (positions by id, children, numbers).
    fn reindex_entities(&mut self) {
        fn add<'a>(p: &mut HashMap<String, usize>, ids: impl Iterator<Item = &'a String>) {
            p.extend(ids.enumerate().map(|(i, id)| (id.clone(), i)));
        }
        let mut p = HashMap::default();
        p.reserve(
            self.categories.len()
                + self.items.len()
                + self.targets.len()
                + self.stages.len()
                + self.milestones.len()
                + self.sites.len()
                + self.item_sites.len()
                + self.packages.len(),
        );
        add(&mut p, self.categories.iter().map(|x| &x.id));
        add(&mut p, self.items.iter().map(|x| &x.id));
        add(&mut p, self.targets.iter().map(|x| &x.id));
        add(&mut p, self.stages.iter().map(|x| &x.id));
        add(&mut p, self.milestones.iter().map(|x| &x.id));
        add(&mut p, self.sites.iter().map(|x| &x.id));
        add(&mut p, self.item_sites.iter().map(|x| &x.id));
        add(&mut p, self.packages.iter().map(|x| &x.id));
        self.positions = p;
        let mut children: HashMap<String, Children> = HashMap::default();
        let mut add = |parent: &str, pick: fn(&mut Children) -> &mut Vec<usize>, i: usize| {
            pick(children.entry(parent.to_owned()).or_default()).push(i);
        };
        for (i, x) in self.items.iter().enumerate() {
            add(&x.category, |c| &mut c.items, i);
        }
        for (i, x) in self.targets.iter().enumerate() {
            add(&x.item, |c| &mut c.targets, i);
        }
        for (i, x) in self.stages.iter().enumerate() {
            add(&x.target, |c| &mut c.stages, i);
        }
        for (i, x) in self.milestones.iter().enumerate() {
            add(&x.item, |c| &mut c.milestones, i);
        }
        for (i, x) in self.item_sites.iter().enumerate() {
            add(&x.item, |c| &mut c.sites, i);
        }
        for (i, x) in self.packages.iter().enumerate() {
            add(&x.item, |c| &mut c.packages, i);
        }
        self.children = children;
        let mut numbers = HashMap::default();
        for (ci, c) in self.categories.iter().enumerate() {
            for (n, item) in self.items_of(&c.id).enumerate() {
                numbers.insert(item.id.clone(), format!("{}.{}", ci + 1, n + 1));
            }
        }
        self.numbers = numbers;
    }

    fn child_list(&self, parent: &str, pick: fn(&Children) -> &Vec<usize>) -> &[usize] {
        self.children
            .get(parent)
            .map_or(&[], |c| pick(c).as_slice())
    }

    /// The records that refer to `id` (as item, site, target, stage, package or
    /// milestone), oldest observation first.
    pub fn records_referring<'a>(
        &'a self,
        id: &str,
    ) -> impl DoubleEndedIterator<Item = &'a RecordView> + 'a {
        self.record_index
            .get(id)
            .map(|v| v.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|&i| &self.records[i])
    }

    /// The entity `id` in `list`, through the positions index.
    fn by_id<'a, T>(&self, list: &'a [T], id: &str, id_of: fn(&T) -> &str) -> Option<&'a T> {
        let &i = self.positions.get(id)?;
        list.get(i).filter(|x| id_of(x) == id)
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.by_id(&self.categories, id, |x| &x.id)
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.by_id(&self.items, id, |x| &x.id)
    }

    pub fn target(&self, id: &str) -> Option<&Target> {
        self.by_id(&self.targets, id, |x| &x.id)
    }

    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.by_id(&self.stages, id, |x| &x.id)
    }

    pub fn milestone(&self, id: &str) -> Option<&Milestone> {
        self.by_id(&self.milestones, id, |x| &x.id)
    }

    pub fn package(&self, id: &str) -> Option<&Package> {
        self.by_id(&self.packages, id, |x| &x.id)
    }

    pub fn site(&self, id: &str) -> Option<&Site> {
        self.by_id(&self.sites, id, |x| &x.id)
    }

    pub fn item_site(&self, id: &str) -> Option<&ItemSite> {
        self.by_id(&self.item_sites, id, |x| &x.id)
    }

    /// Every work package of an item, at all its sites.
    pub fn packages_of_item<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a Package> + 'a {
        self.child_list(item, |c| &c.packages)
            .iter()
            .map(|&i| &self.packages[i])
    }

    /// Finds a site by its name or any alias.
    pub fn site_named(&self, name: &str) -> Option<&Site> {
        self.sites
            .iter()
            .find(|s| s.name == name || s.aliases.iter().any(|a| a == name))
    }

    pub fn items_of<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.child_list(category, |c| &c.items)
            .iter()
            .map(|&i| &self.items[i])
    }

    pub fn targets_of<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a Target> + 'a {
        self.child_list(item, |c| &c.targets)
            .iter()
            .map(|&i| &self.targets[i])
    }

    pub fn stages_of<'a>(&'a self, target: &'a str) -> impl Iterator<Item = &'a Stage> + 'a {
        self.child_list(target, |c| &c.stages)
            .iter()
            .map(|&i| &self.stages[i])
    }

    pub fn milestones_of<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a Milestone> + 'a {
        self.child_list(item, |c| &c.milestones)
            .iter()
            .map(|&i| &self.milestones[i])
    }

    pub fn sites_of<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a ItemSite> + 'a {
        self.child_list(item, |c| &c.sites)
            .iter()
            .map(|&i| &self.item_sites[i])
    }

    pub fn packages_of<'a>(
        &'a self,
        item: &'a str,
        site: &'a str,
    ) -> impl Iterator<Item = &'a Package> + 'a {
        self.child_list(item, |c| &c.packages)
            .iter()
            .map(|&i| &self.packages[i])
            .filter(move |p| p.site == site)
    }

    pub fn records_of<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a RecordView> + 'a {
        self.records_referring(item)
            .filter(move |r| r.record.item == item)
    }

    /// The item's display number, derived from order: "2.4" is the fourth item of the
    /// second category. The report prints item numbers only inside categories whose
    /// `numbered` flag is set, as the seed does.
    pub fn display_number(&self, item: &Item) -> String {
        self.numbers.get(&item.id).cloned().unwrap_or_default()
    }

    /// The day a moment falls on in the plan's time zone.
    pub fn local_date(&self, unix_ms: i64) -> NaiveDate {
        let offset = self.meta.as_ref().map_or(480, |m| m.utc_offset_minutes);
        let local = unix_ms + i64::from(offset) * 60_000;
        chrono::DateTime::from_timestamp_millis(local)
            .map(|d| d.date_naive())
            .unwrap_or(NaiveDate::MIN)
    }
}

/// Whole months from the start of `from`'s month through `to`'s month, inclusive.
pub fn months_inclusive(from: NaiveDate, to: NaiveDate) -> i32 {
    (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{plan, Shape};

    /// The lookups answer what a scan of the lists answers, in the same order.
    #[test]
    fn indexed_lookups_agree_with_scans() {
        let doc = plan(&Shape {
            items: 60,
            records_per_item: 6,
            devices: 5,
            seed: 11,
        });
        let p = Plan::from_doc(&doc);
        assert_eq!(p.items.len(), 60);
        let ids = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect::<Vec<_>>();
        for item in &p.items {
            assert_eq!(p.item(&item.id).map(|i| &i.id), Some(&item.id));
            let scan: Vec<&str> = p
                .records
                .iter()
                .filter(|r| r.record.item == item.id)
                .map(|r| r.id.as_str())
                .collect();
            let indexed: Vec<&str> = p.records_of(&item.id).map(|r| r.id.as_str()).collect();
            assert_eq!(ids(indexed), ids(scan));
            let targets: Vec<&str> = p
                .targets
                .iter()
                .filter(|t| t.item == item.id)
                .map(|t| t.id.as_str())
                .collect();
            assert_eq!(
                ids(p.targets_of(&item.id).map(|t| t.id.as_str()).collect()),
                ids(targets)
            );
            let ms: Vec<&str> = p
                .milestones
                .iter()
                .filter(|m| m.item == item.id)
                .map(|m| m.id.as_str())
                .collect();
            assert_eq!(
                ids(p.milestones_of(&item.id).map(|m| m.id.as_str()).collect()),
                ids(ms)
            );
            for s in p.sites_of(&item.id) {
                let wps: Vec<&str> = p
                    .packages
                    .iter()
                    .filter(|w| w.item == item.id && w.site == s.site)
                    .map(|w| w.id.as_str())
                    .collect();
                assert_eq!(
                    ids(p
                        .packages_of(&item.id, &s.site)
                        .map(|w| w.id.as_str())
                        .collect()),
                    ids(wps)
                );
            }
            let ci = p
                .categories
                .iter()
                .position(|c| c.id == item.category)
                .unwrap();
            let n = p
                .items
                .iter()
                .filter(|i| i.category == item.category)
                .position(|i| i.id == item.id)
                .unwrap();
            assert_eq!(p.display_number(item), format!("{}.{}", ci + 1, n + 1));
        }
        for t in &p.targets {
            let stages: Vec<&str> = p
                .stages
                .iter()
                .filter(|s| s.target == t.id)
                .map(|s| s.id.as_str())
                .collect();
            assert_eq!(
                ids(p.stages_of(&t.id).map(|s| s.id.as_str()).collect()),
                ids(stages)
            );
        }
        // Every entity is found by its id, and only under its own kind.
        for t in &p.targets {
            assert_eq!(p.target(&t.id), Some(t));
            assert!(p.stage(&t.id).is_none() && p.item(&t.id).is_none());
        }
        for x in &p.stages {
            assert_eq!(p.stage(&x.id), Some(x));
        }
        for x in &p.milestones {
            assert_eq!(p.milestone(&x.id), Some(x));
        }
        for x in &p.packages {
            assert_eq!(p.package(&x.id), Some(x));
        }
        for x in &p.sites {
            assert_eq!(p.site(&x.id), Some(x));
        }
        for x in &p.item_sites {
            assert_eq!(p.item_site(&x.id), Some(x));
        }
        for x in &p.categories {
            assert_eq!(p.category(&x.id), Some(x));
        }
        for item in &p.items {
            let scan: Vec<&str> = p
                .packages
                .iter()
                .filter(|w| w.item == item.id)
                .map(|w| w.id.as_str())
                .collect();
            let indexed: Vec<&str> = p
                .packages_of_item(&item.id)
                .map(|w| w.id.as_str())
                .collect();
            assert_eq!(indexed, scan);
        }
        assert!(p.package("wp-no-such").is_none() && p.site("site-no-such").is_none());
        assert!(p.item("no-such-item").is_none());
        assert!(p.records_referring("no-such-id").next().is_none());
    }
}
