//! The plan view: a [`Doc`] read into a typed [`Plan`], and kept current after an edit
//! without reading the whole document again.

use rustc_hash::FxHashMap as HashMap;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::entity::{
    Category, Item, ItemSite, Kind, Milestone, Package, PlanMeta, Record, Site, Stage, Target,
};
use crate::doc::{current_version, Doc, Fields, Register, Versions};

/// A record as it stands now, with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordView {
    pub id: String,
    pub record: Record,
    /// Stamp and device of the standing version (the record's clock order).
    pub stamp: u64,
    pub device: crate::doc::DeviceId,
    /// The account that wrote the standing version; none when unverified (written
    /// before accounts, through a shared token or without a server's accounts).
    pub signer: crate::doc::Signer,
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
    pub(super) record_index: HashMap<String, Vec<usize>>,
    /// Positions of entities in their kind's list, by id (ids name their kind).
    pub(super) positions: HashMap<String, usize>,
    /// Positions of each entity's children by the parent's id.
    pub(super) children: HashMap<String, Children>,
    /// Display numbers of items by id.
    pub(super) numbers: HashMap<String, String>,
}

/// Positions (ascending) in the plan's lists of the entities under one parent.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Children {
    pub(super) items: Vec<usize>,
    pub(super) targets: Vec<usize>,
    pub(super) stages: Vec<usize>,
    pub(super) milestones: Vec<usize>,
    pub(super) sites: Vec<usize>,
    pub(super) packages: Vec<usize>,
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
        if Kind::of_id(id).is_some_and(Kind::is_report) {
            // The report's entities are not part of the plan view.
            return;
        }
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

    /// [`Plan::read_entity`] of the entity `id` with these fields.
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
            // Read by the report module from the document (`report/edits.rs` …).
            Some(Kind::CellEdit | Kind::Review | Kind::Issue) => Ok(()),
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
            Some(Kind::CellEdit | Kind::Review | Kind::Issue) | None => {}
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
                signer: v.signer.clone(),
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

    /// Keeps only the records `keep` accepts (a table limited to reviewed records).
    pub fn retain_records(&mut self, keep: impl Fn(&RecordView) -> bool) {
        self.records.retain(keep);
        self.reindex();
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
}
