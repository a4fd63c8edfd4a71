//! The office's review of progress records before they go into the table.
//!
//! One entity per record (kind [`Kind::Review`], id `rev-{record id}`), written by the
//! office only, holding the stamp of the record version it reviewed, the verdict
//! (已审核 or 退回) and a comment. Every review writes all three fields at once, so the
//! winning values of the three registers are one write's. Whether a record changed
//! since its review is computed (its standing version is newer than the reviewed
//! stamp), never written by the inspector: correcting a returned record is what makes
//! it "changed since review".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::doc::Doc;
use crate::edit::{Edit, EditError, MAX_TEXT};
use crate::model::{Kind, Plan, RecordView};

/// What the office said of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 已审核: fit for the table.
    Approved,
    /// 退回: to be corrected, with a comment saying why.
    Returned,
}

/// A review as the document holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// The stamp of the record version reviewed.
    pub stamp: u64,
    pub verdict: Verdict,
    #[serde(default)]
    pub comment: String,
}

/// The id of the review of record `record`.
pub fn review_id(record: &str) -> String {
    format!("{}-{record}", Kind::Review.prefix())
}

/// The record a review's id names.
pub fn reviewed_record(id: &str) -> Option<&str> {
    id.strip_prefix(Kind::Review.prefix())?
        .strip_prefix('-')
        .filter(|r| !r.is_empty())
}

/// The edit that reviews `record` as it stands (its standing version's stamp).
pub fn review(record: &RecordView, verdict: Verdict, comment: &str) -> Edit {
    let mut fields = Map::new();
    fields.insert("stamp".into(), json!(record.stamp));
    fields.insert("verdict".into(), json!(verdict));
    fields.insert("comment".into(), json!(comment.trim()));
    Edit::Set {
        entity: review_id(&record.id),
        fields,
    }
}

/// A record's review as it bears on the record now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewState {
    pub verdict: Verdict,
    pub comment: String,
    /// Who reviewed it (the author of the review).
    pub reviewer: String,
    /// The stamp of the version reviewed.
    pub reviewed: u64,
    /// The record's standing version is newer than the one reviewed.
    pub changed: bool,
    /// Two office tablets reviewed it concurrently (the newest review is shown).
    pub conflict: bool,
}

impl ReviewState {
    /// Approved, and the record has not changed since.
    pub fn approved(&self) -> bool {
        self.verdict == Verdict::Approved && !self.changed
    }

    /// Returned, and the record has not been corrected since: still to fix.
    pub fn to_fix(&self) -> bool {
        self.verdict == Verdict::Returned && !self.changed
    }
}

/// The review of `record`, if the office reviewed it.
pub fn review_of(doc: &Doc, record: &RecordView) -> Option<ReviewState> {
    let fields = doc.entities.get(&review_id(&record.id))?;
    let winner = |name: &str| fields.get(name).and_then(|r| r.winner());
    let verdict = winner("verdict")?;
    let review: Review = serde_json::from_value(Value::Object(
        ["stamp", "verdict", "comment"]
            .into_iter()
            .filter_map(|n| Some((n.to_owned(), winner(n)?.value.clone())))
            .collect(),
    ))
    .ok()?;
    Some(ReviewState {
        verdict: review.verdict,
        comment: review.comment,
        reviewer: verdict.author.to_string(),
        reviewed: review.stamp,
        changed: record.stamp > review.stamp,
        conflict: fields.get("verdict").is_some_and(|r| r.values().len() > 1),
    })
}

/// The reviews of the plan's standing records, by record id.
pub fn reviews(doc: &Doc, plan: &Plan) -> BTreeMap<String, ReviewState> {
    plan.records
        .iter()
        .filter_map(|r| Some((r.id.clone(), review_of(doc, r)?)))
        .collect()
}

/// A record the office returned and nobody has corrected yet.
#[derive(Clone, Debug, PartialEq)]
pub struct ToFix {
    pub record: RecordView,
    pub comment: String,
    pub reviewer: String,
}

/// The records returned and not corrected since, oldest observation first: the
/// inspector's list to fix.
pub fn to_fix(doc: &Doc, plan: &Plan) -> Vec<ToFix> {
    plan.records
        .iter()
        .filter_map(|r| {
            let s = review_of(doc, r).filter(ReviewState::to_fix)?;
            Some(ToFix {
                record: r.clone(),
                comment: s.comment,
                reviewer: s.reviewer,
            })
        })
        .collect()
}

/// The plan view with only the records approved and unchanged since: what a table
/// limited to reviewed records is composed from.
pub fn reviewed_only(doc: &Doc, plan: &Plan) -> Plan {
    let mut only = plan.clone();
    only.retain_records(|r| review_of(doc, r).is_some_and(|s| s.approved()));
    only
}

/// Checks a review as it would stand: a standing record, a version of it, a verdict,
/// and a comment when the record is returned.
pub(crate) fn validate_review(
    plan: &Plan,
    id: &str,
    fields: &Map<String, Value>,
) -> Result<(), EditError> {
    let record = reviewed_record(id).ok_or_else(|| EditError::BadId(id.into()))?;
    let Some(standing) = plan.records.iter().find(|r| r.id == record) else {
        return Err(EditError::UnknownRecord(record.into()));
    };
    let review: Review = serde_json::from_value(Value::Object(fields.clone()))
        .map_err(|e| EditError::Invalid(format!("Review: {e}")))?;
    if review.stamp > standing.stamp {
        return Err(EditError::Invalid(format!(
            "record {record} has no version {} to review",
            review.stamp
        )));
    }
    let len = review.comment.chars().count();
    if len > MAX_TEXT {
        return Err(EditError::TooLong {
            field: "comment".into(),
            len,
            max: MAX_TEXT,
        });
    }
    if review.verdict == Verdict::Returned && review.comment.trim().is_empty() {
        return Err(EditError::Empty {
            field: "comment".into(),
        });
    }
    Ok(())
}
