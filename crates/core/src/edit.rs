//! Edits: the only way a document changes on a device, each checked before it is applied.
//!
//! A [`Replica`] is one device's copy of one document with its clock. Every edit is
//! stamped with the device, the author and the clock, validated against the typed plan,
//! and either applied whole or refused with a specific [`EditError`]; nothing panics on
//! bad input.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::doc::{intern, Doc, RecordVersion, Signer, Written};
use crate::hlc::{stamp_ms, Clock, Observed};
use crate::model::evidence::{MAX_PHOTOS, MAX_PHOTO_BYTES};
use crate::model::{
    is_media_hash, winners, Category, Item, ItemSite, Kind, Milestone, Package, Plan, PlanMeta,
    Record, Site, Stage, Target,
};
use crate::report;

/// The longest text a field may hold.
pub const MAX_TEXT: usize = 4_000;
/// The longest name (of a category, site, stage, …).
pub const MAX_NAME: usize = 200;

/// A change a person makes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Edit {
    /// Sets fields of an entity, creating it when it does not exist yet. Setting a field
    /// that has an open conflict resolves it.
    Set {
        entity: String,
        fields: Map<String, Value>,
    },
    /// Adds a progress record.
    AddRecord { record: Record },
    /// Replaces a record with a corrected version (the old versions stay in the record).
    CorrectRecord { id: String, record: Record },
    /// Deletes a record with a tombstone.
    DeleteRecord { id: String },
}

/// Why an edit was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EditError {
    #[error("{field}: a quantity must be greater than zero (got {value})")]
    NotPositive { field: String, value: f64 },
    #[error("{field}: a count must be zero or more (got {value})")]
    Negative { field: String, value: f64 },
    #[error("{field}: a percentage must be between 0 and 100 (got {value})")]
    PercentOutOfRange { field: String, value: f64 },
    #[error("{field}: {date} is outside the plan's range {start} to {end}")]
    DateOutOfRange {
        field: String,
        date: NaiveDate,
        start: NaiveDate,
        end: NaiveDate,
    },
    #[error("{field}: no {kind:?} with id '{id}'")]
    UnknownReference {
        field: String,
        kind: Kind,
        id: String,
    },
    #[error("{field} must not be empty")]
    Empty { field: String },
    #[error("{field} is too long ({len} characters; at most {max})")]
    TooLong {
        field: String,
        len: usize,
        max: usize,
    },
    #[error("'{0}' is not an entity id Jindu knows")]
    BadId(String),
    #[error("{0}")]
    Invalid(String),
    #[error("no record with id '{0}'")]
    UnknownRecord(String),
    #[error("record '{0}' was deleted")]
    RecordDeleted(String),
    #[error(
        "a record must name a site, target, stage, package or milestone of its own item ({0})"
    )]
    Mismatch(String),
}

impl EditError {
    /// The field the error is about, so a form can show it next to that field.
    pub fn field(&self) -> Option<&str> {
        match self {
            EditError::NotPositive { field, .. }
            | EditError::Negative { field, .. }
            | EditError::PercentOutOfRange { field, .. }
            | EditError::DateOutOfRange { field, .. }
            | EditError::UnknownReference { field, .. }
            | EditError::Empty { field }
            | EditError::TooLong { field, .. } => Some(field),
            EditError::Mismatch(field) => Some(field),
            _ => None,
        }
    }
}

fn check_text(field: &str, text: &str, max: usize, required: bool) -> Result<(), EditError> {
    if required && text.trim().is_empty() {
        return Err(EditError::Empty {
            field: field.into(),
        });
    }
    let len = text.chars().count();
    if len > max {
        return Err(EditError::TooLong {
            field: field.into(),
            len,
            max,
        });
    }
    Ok(())
}

fn check_positive(field: &str, value: f64) -> Result<(), EditError> {
    if !(value.is_finite() && value > 0.0) {
        return Err(EditError::NotPositive {
            field: field.into(),
            value,
        });
    }
    Ok(())
}

fn check_ref(plan: &Plan, field: &str, kind: Kind, id: &str) -> Result<(), EditError> {
    let exists = match kind {
        Kind::Category => plan.category(id).is_some(),
        Kind::Item => plan.item(id).is_some(),
        Kind::Target => plan.target(id).is_some(),
        Kind::Stage => plan.stage(id).is_some(),
        Kind::Milestone => plan.milestone(id).is_some(),
        Kind::Site => plan.site(id).is_some(),
        Kind::ItemSite => plan.item_site(id).is_some(),
        Kind::Package => plan.package(id).is_some(),
        Kind::Plan => plan.meta.is_some(),
        Kind::CellEdit | Kind::Review | Kind::Issue => false,
    };
    if exists {
        Ok(())
    } else {
        Err(EditError::UnknownReference {
            field: field.into(),
            kind,
            id: id.into(),
        })
    }
}

fn check_date(plan: &Plan, field: &str, date: NaiveDate) -> Result<(), EditError> {
    let Some(meta) = &plan.meta else {
        return Ok(());
    };
    // Dates may run a year past the plan: late work is still reported.
    let end = meta
        .end
        .checked_add_signed(chrono::Duration::days(366))
        .unwrap_or(meta.end);
    if date < meta.start || date > end {
        return Err(EditError::DateOutOfRange {
            field: field.into(),
            date,
            start: meta.start,
            end,
        });
    }
    Ok(())
}

fn parse<T: for<'de> Deserialize<'de>>(
    kind: Kind,
    map: Map<String, Value>,
) -> Result<T, EditError> {
    serde_json::from_value(Value::Object(map))
        .map_err(|e| EditError::Invalid(format!("{kind:?}: {e}")))
}

/// Checks an entity as it would stand after an edit.
fn validate_entity(plan: &Plan, id: &str, map: Map<String, Value>) -> Result<(), EditError> {
    let kind = Kind::of_id(id).ok_or_else(|| EditError::BadId(id.into()))?;
    // A cell edit's id holds a period and an item's id.
    let longest = if kind == Kind::CellEdit { 120 } else { 80 };
    check_text("id", id, longest, true)?;
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(EditError::BadId(id.into()));
    }
    match kind {
        Kind::Plan => {
            let m: PlanMeta = parse(kind, map)?;
            check_text("title", &m.title, MAX_NAME, true)?;
            check_text("organisation", &m.organisation, MAX_NAME, false)?;
            if m.end < m.start {
                return Err(EditError::Invalid(format!(
                    "the plan ends ({}) before it starts ({})",
                    m.end, m.start
                )));
            }
        }
        Kind::Category => {
            let c: Category = parse(kind, map)?;
            check_text("name", &c.name, MAX_NAME, true)?;
        }
        Kind::Item => {
            let i: Item = parse(kind, map)?;
            check_text("content", &i.content, MAX_TEXT, true)?;
            check_ref(plan, "category", Kind::Category, &i.category)?;
            for d in &i.departments {
                check_text("departments", d, MAX_NAME, true)?;
            }
            if let Some(d) = &i.deadline {
                check_date(plan, "deadline", d.date)?;
            }
        }
        Kind::Target => {
            let t: Target = parse(kind, map)?;
            check_ref(plan, "item", Kind::Item, &t.item)?;
            check_text("name", &t.name, MAX_NAME, true)?;
            check_text("text", &t.text, MAX_TEXT, false)?;
            check_positive("quantity", t.quantity)?;
            if let Some(r) = &t.recurring {
                check_positive("recurring.per_month", r.per_month)?;
                if r.until < r.from {
                    return Err(EditError::Invalid(
                        "a recurrence ends before it starts".into(),
                    ));
                }
            }
        }
        Kind::Stage => {
            let s: Stage = parse(kind, map)?;
            check_ref(plan, "target", Kind::Target, &s.target)?;
            check_text("name", &s.name, MAX_NAME, true)?;
        }
        Kind::Milestone => {
            let m: Milestone = parse(kind, map)?;
            check_ref(plan, "item", Kind::Item, &m.item)?;
            check_text("text", &m.text, MAX_TEXT, true)?;
            check_date(plan, "due", m.due.date)?;
            if let Some(r) = &m.revised {
                check_date(plan, "revised", r.date)?;
            }
        }
        Kind::Site => {
            let s: Site = parse(kind, map)?;
            check_text("name", &s.name, MAX_NAME, true)?;
            for a in &s.aliases {
                check_text("aliases", a, MAX_NAME, true)?;
            }
            if s.lat.is_some_and(|x| !(-90.0..=90.0).contains(&x)) {
                return Err(EditError::Invalid(format!(
                    "lat: {} is not a latitude (−90 to 90)",
                    s.lat.unwrap_or_default()
                )));
            }
            if s.lon.is_some_and(|x| !(-180.0..=180.0).contains(&x)) {
                return Err(EditError::Invalid(format!(
                    "lon: {} is not a longitude (−180 to 180)",
                    s.lon.unwrap_or_default()
                )));
            }
        }
        Kind::ItemSite => {
            let s: ItemSite = parse(kind, map)?;
            check_ref(plan, "item", Kind::Item, &s.item)?;
            check_ref(plan, "site", Kind::Site, &s.site)?;
        }
        Kind::Package => {
            let p: Package = parse(kind, map)?;
            check_ref(plan, "item", Kind::Item, &p.item)?;
            check_ref(plan, "site", Kind::Site, &p.site)?;
            check_text("name", &p.name, MAX_NAME, true)?;
            check_text("label", &p.label, 20, false)?;
        }
        Kind::CellEdit => report::edits::validate_cell(plan, id, &map)?,
        Kind::Review => report::review::validate_review(plan, id, &map)?,
        Kind::Issue => report::issue::validate_issue(&map)?,
    }
    Ok(())
}

/// Checks a progress record against the plan.
pub fn validate_record(plan: &Plan, r: &Record) -> Result<(), EditError> {
    check_ref(plan, "item", Kind::Item, &r.item)?;
    check_text("by", &r.author, MAX_NAME, true)?;
    check_text("note", &r.note, MAX_TEXT, false)?;
    check_text("problem", &r.problem, MAX_TEXT, false)?;
    check_text("next_step", &r.next_step, MAX_TEXT, false)?;
    check_date(plan, "observed", r.observed)?;
    check_evidence(r)?;
    if let Some(p) = r.percent {
        if !(0.0..=100.0).contains(&p) {
            return Err(EditError::PercentOutOfRange {
                field: "percent".into(),
                value: p,
            });
        }
    }
    if let Some(n) = r.figure {
        if !(n.is_finite() && n >= 0.0) {
            return Err(EditError::Negative {
                field: "figure".into(),
                value: n,
            });
        }
    }
    let belongs = |ok: bool, what: &str| {
        if ok {
            Ok(())
        } else {
            Err(EditError::Mismatch(what.into()))
        }
    };
    if let Some(s) = &r.site {
        check_ref(plan, "site", Kind::Site, s)?;
        belongs(plan.sites_of(&r.item).any(|x| &x.site == s), "site")?;
    }
    if let Some(t) = &r.target {
        check_ref(plan, "target", Kind::Target, t)?;
        belongs(plan.targets_of(&r.item).any(|x| &x.id == t), "target")?;
    }
    if let Some(s) = &r.stage {
        check_ref(plan, "stage", Kind::Stage, s)?;
        let target = plan.stage(s).map(|x| &x.target);
        belongs(
            target.is_some_and(|t| plan.targets_of(&r.item).any(|x| &x.id == t)),
            "stage",
        )?;
    }
    if let Some(p) = &r.package {
        check_ref(plan, "package", Kind::Package, p)?;
        belongs(
            plan.packages.iter().any(|x| &x.id == p && x.item == r.item),
            "package",
        )?;
    }
    if let Some(m) = &r.milestone {
        check_ref(plan, "milestone", Kind::Milestone, m)?;
        belongs(plan.milestones_of(&r.item).any(|x| &x.id == m), "milestone")?;
    }
    Ok(())
}

/// Checks a record's photos and location: hashes in media form, sizes a photo can have,
/// coordinates on the globe.
fn check_evidence(r: &Record) -> Result<(), EditError> {
    if r.photos.len() > MAX_PHOTOS {
        return Err(EditError::Invalid(format!(
            "photos: a record holds at most {MAX_PHOTOS} photos (got {})",
            r.photos.len()
        )));
    }
    for p in &r.photos {
        if !is_media_hash(&p.photo) || !is_media_hash(&p.thumb) {
            return Err(EditError::Invalid(format!(
                "photos: '{}' is not a SHA-256 in 64 lowercase hex digits",
                if is_media_hash(&p.photo) {
                    &p.thumb
                } else {
                    &p.photo
                }
            )));
        }
        if p.width == 0 || p.height == 0 || p.bytes == 0 || p.bytes > MAX_PHOTO_BYTES {
            return Err(EditError::Invalid(format!(
                "photos: {}×{} px, {} bytes is not a photo Jindu stores (at most {MAX_PHOTO_BYTES} bytes)",
                p.width, p.height, p.bytes
            )));
        }
    }
    if let Some(l) = &r.location {
        if !l.is_valid() {
            return Err(EditError::Invalid(format!(
                "location: {}, {} (±{} m) is not a place on the globe",
                l.lat, l.lon, l.accuracy
            )));
        }
    }
    Ok(())
}

/// One device's replica of a document, with the device's clock.
#[derive(Clone, Debug, PartialEq)]
pub struct Replica {
    pub doc: Doc,
    pub device: String,
    pub clock: Clock,
    /// The account this device writes as; none (unverified) without accounts.
    pub signer: Signer,
}

/// What applying an edit did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The entity or record the edit touched.
    pub id: String,
    /// The stamp it was given.
    pub stamp: u64,
}

impl Replica {
    pub fn new(doc: Doc, device: impl Into<String>, clock: Clock) -> Self {
        Replica {
            doc,
            device: device.into(),
            clock,
            signer: Signer::none(),
        }
    }

    /// This replica writing as `signer` from now on.
    pub fn signed(mut self, signer: Signer) -> Self {
        self.signer = signer;
        self
    }

    /// A fresh id for a new entity of a kind, unique across devices.
    pub fn new_id(&mut self, kind: Kind, wall_ms: u64) -> String {
        let s = self.clock.tick(wall_ms);
        format!("{}-{}-{}", kind.prefix(), self.device, base36(s))
    }

    /// Applies an edit made by `author` at `wall_ms`, or refuses it leaving the replica as
    /// it was.
    pub fn apply(&mut self, edit: &Edit, author: &str, wall_ms: u64) -> Result<Applied, EditError> {
        let plan = Plan::from_doc(&self.doc);
        self.apply_with(&plan, edit, author, wall_ms)
    }

    /// [`Replica::apply`] checking the edit against `plan`, which must be the view of
    /// this replica's document as it stands (the app keeps one up to date with
    /// [`Plan::refresh`]), so that an edit does not read a large plan again.
    pub fn apply_with(
        &mut self,
        plan: &Plan,
        edit: &Edit,
        author: &str,
        wall_ms: u64,
    ) -> Result<Applied, EditError> {
        match edit {
            Edit::Set { entity, fields } => {
                if fields.is_empty() {
                    return Err(EditError::Invalid(
                        "an edit must set at least one field".into(),
                    ));
                }
                let kind = Kind::of_id(entity);
                if kind == Some(Kind::Issue) && self.doc.entities.contains_key(entity) {
                    return Err(report::issue::already_issued(entity));
                }
                let mut map = winners(&self.doc, entity);
                for (k, v) in fields {
                    check_text("field name", k, 40, true)?;
                    map.insert(k.clone(), v.clone());
                }
                let deleting = map.get("deleted").and_then(Value::as_bool) == Some(true);
                // The report's entities are not deleted: a cell is edited again, a review
                // replaced, an issue kept.
                if !deleting || kind.is_some_and(Kind::is_report) {
                    validate_entity(plan, entity, map)?;
                } else if Kind::of_id(entity).is_none() {
                    return Err(EditError::BadId(entity.clone()));
                }
                let floor = fields
                    .keys()
                    .filter_map(|k| self.doc.register(entity, k))
                    .map(|r| r.max_stamp())
                    .max()
                    .unwrap_or(0);
                let stamp = self.clock.tick_after(wall_ms, floor);
                let target = self.doc.entities.entry(entity.clone()).or_default();
                for (k, v) in fields {
                    target.entry(k).or_default().write(Written {
                        stamp,
                        device: intern(&self.device),
                        author: intern(author),
                        signer: self.signer.clone(),
                        value: v.clone(),
                    });
                }
                Ok(Applied {
                    id: entity.clone(),
                    stamp,
                })
            }
            Edit::AddRecord { record } => {
                validate_record(plan, record)?;
                let stamp = self.clock.tick(wall_ms);
                let id = format!("r-{}-{}", self.device, base36(stamp));
                self.push_version(&id, stamp, record_body(record));
                Ok(Applied { id, stamp })
            }
            Edit::CorrectRecord { id, record } => {
                let floor = self.check_live_record(id)?;
                validate_record(plan, record)?;
                let stamp = self.clock.tick_after(wall_ms, floor);
                self.push_version(id, stamp, record_body(record));
                Ok(Applied {
                    id: id.clone(),
                    stamp,
                })
            }
            Edit::DeleteRecord { id } => {
                let floor = self.check_live_record(id)?;
                let stamp = self.clock.tick_after(wall_ms, floor);
                self.push_version(id, stamp, Value::Null);
                Ok(Applied {
                    id: id.clone(),
                    stamp,
                })
            }
        }
    }

    fn check_live_record(&self, id: &str) -> Result<u64, EditError> {
        let versions = self
            .doc
            .records
            .get(id)
            .ok_or_else(|| EditError::UnknownRecord(id.into()))?;
        if versions.iter().any(RecordVersion::is_tombstone) {
            return Err(EditError::RecordDeleted(id.into()));
        }
        Ok(versions.iter().map(|v| v.stamp).max().unwrap_or(0))
    }

    fn push_version(&mut self, id: &str, stamp: u64, body: Value) {
        let versions = self.doc.records.entry(id.to_owned()).or_default();
        let v = RecordVersion {
            stamp,
            device: intern(&self.device),
            signer: self.signer.clone(),
            body: crate::doc::Body::new(&body),
        };
        let at = versions
            .iter()
            .position(|x| (x.stamp, &x.device) > (v.stamp, &v.device))
            .unwrap_or(versions.len());
        versions.insert(at, v);
    }

    /// Merges a remote replica's document in, observing its stamps. Returns how far ahead
    /// of our wall clock the furthest stamp was, when one was too far ahead to adopt.
    ///
    /// A document (a fetched file, an imported backup) that holds one of this replica's
    /// record versions or field values with other content is refused with
    /// [`DocError::Rewritten`](crate::doc::DocError::Rewritten), and neither the document
    /// nor the clock changes.
    pub fn merge_remote(
        &mut self,
        remote: &Doc,
        wall_ms: u64,
    ) -> Result<Option<u64>, crate::doc::DocError> {
        Ok(self.merge_remote_changes(remote, wall_ms)?.1)
    }

    /// [`merge_remote`](Self::merge_remote), also saying what changed (what the remote
    /// held that this replica lacked).
    pub fn merge_remote_changes(
        &mut self,
        remote: &Doc,
        wall_ms: u64,
    ) -> Result<(crate::doc::Changes, Option<u64>), crate::doc::DocError> {
        let changed = self.doc.merge_changes(remote)?;
        let skew = match self.clock.observe(wall_ms, remote.max_stamp()) {
            Observed::Adopted => None,
            Observed::FarAhead { ahead_ms } => Some(ahead_ms),
        };
        Ok((changed, skew))
    }
}

fn record_body(record: &Record) -> Value {
    serde_json::to_value(record).expect("a record is plain data")
}

/// Lower-case base-36, for short ids.
pub fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII digits")
}

/// When a stamp was written, as Unix milliseconds.
pub fn stamp_time(stamp: u64) -> u64 {
    stamp_ms(stamp)
}
