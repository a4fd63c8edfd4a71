//! Issued reports (签发): what the office sent out, kept in the plan document and never
//! changed.
//!
//! An issue is an entity of its own (kind [`Kind::Issue`], a fresh id per issue, so two
//! offices issuing offline both keep theirs), written once, in one edit: the whole
//! table as issued (every cell as printed, the period, the as-of date), who issued it
//! and when, and the hashes of its evidence photos. The table is a copy, not a
//! reference: an issue whose items were later deleted still shows as it was issued.
//! Issues are numbered 第1版, 第2版… when shown, in the order of their stamps.
//!
//! Nothing changes an issue: an edit of an existing one is refused, and the server's
//! plan guard refuses a write that changes one ([`check_issues`]).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::Report;
use crate::doc::{Doc, Fields, Signer};
use crate::edit::{Edit, EditError};
use crate::model::Kind;

/// An issued report as its entity holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// The table as issued: its cells carry the text as printed.
    pub report: Report,
    /// Who issued it (the name on the device).
    pub issued_by: String,
    /// When, as Unix milliseconds.
    pub issued_at: u64,
    /// Hashes of the evidence photos annexed: the period's photos as of the table's day.
    #[serde(default)]
    pub photos: Vec<String>,
}

/// The fields every issue writes, in one edit.
const FIELDS: [&str; 4] = ["issued_at", "issued_by", "photos", "report"];

/// The edit that issues `report` as entity `id` (a fresh id of [`Kind::Issue`]). The
/// cells are frozen as printed, marks included only when the office asked for them.
pub fn issue(id: &str, report: &Report, issued_by: &str, issued_at: u64) -> Edit {
    issue_with_photos(id, report, issued_by, issued_at, &[])
}

/// [`issue`] with the hashes of the evidence photos annexed to the table (see
/// [`super::evidence::annex`]).
pub fn issue_with_photos(
    id: &str,
    report: &Report,
    issued_by: &str,
    issued_at: u64,
    photos: &[String],
) -> Edit {
    let mut frozen = report.clone();
    for i in 0..frozen.rows.len() {
        frozen.rows[i].status = report.printed(&report.rows[i]);
    }
    frozen.marks = false;
    let mut fields = Map::new();
    fields.insert("issued_at".into(), json!(issued_at));
    fields.insert("issued_by".into(), json!(issued_by));
    fields.insert("photos".into(), json!(photos));
    fields.insert(
        "report".into(),
        serde_json::to_value(&frozen).expect("a report is plain data"),
    );
    Edit::Set {
        entity: id.to_owned(),
        fields,
    }
}

/// An issue as listed: its number among the plan's issues and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Issued {
    pub id: String,
    /// 1 for 第1版: the place of its stamp among the plan's issues.
    pub version: usize,
    pub stamp: u64,
    pub device: String,
    /// The account that issued it; none when unverified.
    pub signer: Signer,
    pub issue: Issue,
}

impl Issued {
    /// 第N版.
    pub fn label(&self) -> String {
        format!("第{}版", self.version)
    }
}

/// The plan's issues, oldest first, numbered. An issue that does not read is left out
/// (the plan guard keeps such a thing from being stored).
pub fn issues(doc: &Doc) -> Vec<Issued> {
    let prefix = format!("{}-", Kind::Issue.prefix());
    let mut out: Vec<Issued> = doc
        .entities
        .range(prefix.clone()..)
        .take_while(|(id, _)| id.starts_with(&prefix))
        .filter_map(|(id, fields)| read(id, fields))
        .collect();
    out.sort_by(|a, b| (a.stamp, &a.device).cmp(&(b.stamp, &b.device)));
    for (i, x) in out.iter_mut().enumerate() {
        x.version = i + 1;
    }
    out
}

fn read(id: &str, fields: &Fields) -> Option<Issued> {
    let report = fields.get("report")?.winner()?;
    let map: Map<String, Value> = FIELDS
        .into_iter()
        .filter_map(|n| Some((n.to_owned(), fields.get(n)?.winner()?.value.clone())))
        .collect();
    Some(Issued {
        id: id.to_owned(),
        version: 0,
        stamp: report.stamp,
        device: report.device.to_string(),
        signer: report.signer.clone(),
        issue: serde_json::from_value(Value::Object(map)).ok()?,
    })
}

/// Checks a new issue as it would stand: the fields an issue has, a table with rows.
pub(crate) fn validate_issue(fields: &Map<String, Value>) -> Result<(), EditError> {
    if let Some(name) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(EditError::Invalid(format!(
            "an issued report has no field '{name}'"
        )));
    }
    let issue: Issue = serde_json::from_value(Value::Object(fields.clone()))
        .map_err(|e| EditError::Invalid(format!("Issue: {e}")))?;
    if issue.report.rows.is_empty() {
        return Err(EditError::Invalid("an issued report has no rows".into()));
    }
    if issue.issued_by.trim().is_empty() {
        return Err(EditError::Empty {
            field: "issued_by".into(),
        });
    }
    Ok(())
}

/// The refusal of an edit of an issue that exists.
pub(crate) fn already_issued(id: &str) -> EditError {
    EditError::Invalid(format!(
        "report {id} was issued and never changes: issue a new version instead"
    ))
}

/// An issue a write would change.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("issued report {id} {how}: an issued report never changes; issue a new version instead")]
pub struct IssueChanged {
    pub id: String,
    /// What the write does to it, in words.
    pub how: &'static str,
}

/// Refuses a `body` that changes an issue `stored` holds (any difference at all) or that
/// adds an issue not written once, in one edit (one value per field, no history, one
/// stamp and device throughout): the plan guard's rule for issues.
pub fn check_issues(stored: &Doc, body: &Doc) -> Result<(), IssueChanged> {
    let prefix = format!("{}-", Kind::Issue.prefix());
    let of = |doc: &Doc| {
        doc.entities
            .range(prefix.clone()..)
            .take_while(|(id, _)| id.starts_with(&prefix))
            .map(|(id, f)| (id.clone(), f.clone()))
            .collect::<Vec<_>>()
    };
    let refuse = |id: &str, how| {
        Err(IssueChanged {
            id: id.to_owned(),
            how,
        })
    };
    for (id, fields) in of(stored) {
        match body.entities.get(&id) {
            None => return refuse(&id, "is missing"),
            Some(f) if *f != fields => return refuse(&id, "was changed"),
            Some(_) => {}
        }
    }
    for (id, fields) in of(body) {
        if stored.entities.contains_key(&id) {
            continue;
        }
        let mut dots = fields
            .values()
            .map(|r| match (r.values(), r.history_slice()) {
                ([w], []) if r.max_seen() == w.stamp => Some((w.stamp, w.device.clone())),
                _ => None,
            });
        let first = dots.next().flatten();
        let once = first.is_some()
            && dots.all(|d| d == first)
            && FIELDS.iter().all(|n| fields.get(n).is_some())
            && fields.len() == FIELDS.len();
        if !once {
            return refuse(&id, "was not written once, whole");
        }
    }
    Ok(())
}
