//! Who may change what in a plan document: the one rule the server enforces on every
//! write and the simulation's store applies.
//!
//! A write is judged by what its body *adds*: record versions and field values that
//! neither the stored file nor any of its kept history versions hold (so a tablet that
//! uploads again after `history restore` adds nothing it had already written). Then:
//!
//! | role | may add |
//! | --- | --- |
//! | viewer | nothing (the server refuses its every write) |
//! | inspector | versions of progress records it wrote first (new records, their corrections and deletions); no plan field, no report cell edit, review or issue, no index |
//! | office | anything the plan guard allows |
//!
//! The report's entities (the office's cell edits, its reviews of records, issued
//! tables) are the office's as the plan is: an inspector's write adding one is refused,
//! naming what it is.
//!
//! and, for every role, each added version or value must be signed by the writing
//! account: nobody signs for someone else. A shared token (no account) may add only
//! unsigned writes. A new file (no stored version) may carry earlier writers' records:
//! an office importing or copying a plan; only the office creates files.

use serde::{Deserialize, Serialize};

use crate::doc::{Doc, RecordVersion, Signer, Written};
use crate::model::Kind;

/// What an account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Edits the plan and records progress.
    Office,
    /// Records progress; does not change the plan.
    Inspector,
    /// Reads only.
    Viewer,
}

impl Role {
    /// The role's name as the CLI and the API spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Office => "office",
            Role::Inspector => "inspector",
            Role::Viewer => "viewer",
        }
    }

    /// Reads a role's name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "office" => Some(Role::Office),
            "inspector" => Some(Role::Inspector),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    /// Whether this role may change the plan itself (its categories, items, targets …).
    pub fn edits_plan(self) -> bool {
        self == Role::Office
    }

    /// Whether this role may write the report: edit its cells, review records, issue it.
    pub fn writes_report(self) -> bool {
        self == Role::Office
    }

    /// Whether this role may record progress.
    pub fn records(self) -> bool {
        self != Role::Viewer
    }
}

/// Who is writing: an account, or a shared token (no account).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Writer<'a> {
    /// The account's id; `None` for a shared token or an open server.
    pub account: Option<&'a str>,
    pub role: Role,
}

/// What kind of file a write targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A plan's document.
    Plan,
    /// The plan index.
    Index,
}

/// Why a write was refused, in words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// Judges a write of `body` over `stored` (the current file, `None` for a new file) and
/// `kept` (its history versions), by `writer` to a file of kind `target`.
pub fn check_write(
    writer: Writer,
    target: Target,
    stored: Option<&Doc>,
    kept: &[Doc],
    body: &Doc,
) -> Result<(), Refusal> {
    let role = writer.role;
    if role == Role::Viewer {
        return Err(Refusal("a viewer account may only read".into()));
    }
    if target == Target::Index && !role.edits_plan() {
        return Err(Refusal(format!(
            "the plan index lists the plans; only the office changes it, not a {} account",
            role.as_str()
        )));
    }
    let Some(stored) = stored else {
        return match role {
            Role::Office => Ok(()),
            _ => Err(Refusal(format!(
                "only the office creates files, not a {} account",
                role.as_str()
            ))),
        };
    };
    let known: Vec<&Doc> = std::iter::once(stored).chain(kept).collect();
    let mine = writer.account.unwrap_or("");
    let signed_by = |s: &Signer| &*s.account == mine;
    let claimed = |s: &Signer, what: String| {
        Refusal(format!(
            "{what} is signed by {}, but this write is made by {}: nobody signs for someone else",
            s,
            writer
                .account
                .map_or("a shared token".to_owned(), |a| format!("account '{a}'"))
        ))
    };
    for added in additions(&known, body) {
        match added {
            Added::Version { id, version: v } => {
                if !signed_by(&v.signer) {
                    return Err(claimed(
                        &v.signer,
                        format!("version {} of record {id}", v.stamp),
                    ));
                }
                if role == Role::Inspector {
                    let first = known
                        .iter()
                        .filter_map(|d| d.records.get(id))
                        .flatten()
                        .chain(&body.records[id])
                        .min_by(|a, b| (a.stamp, &a.device).cmp(&(b.stamp, &b.device)))
                        .expect("the record has this version");
                    if !signed_by(&first.signer) {
                        return Err(Refusal(format!(
                            "record {id} was written by {}; an inspector corrects or deletes only its own records",
                            first.signer
                        )));
                    }
                }
            }
            Added::Value {
                entity,
                field,
                written: w,
            } => {
                if !signed_by(&w.signer) {
                    return Err(claimed(
                        &w.signer,
                        format!("the value of {entity}.{field} written at {}", w.stamp),
                    ));
                }
                if let Some(what) = report_entity(entity) {
                    if !role.writes_report() {
                        return Err(Refusal(format!(
                            "{entity} is {what}: only the office writes it, not an {} account",
                            role.as_str()
                        )));
                    }
                }
                if !role.edits_plan() {
                    return Err(Refusal(format!(
                        "{entity}.{field} is part of the plan: only the office changes it, not an {} account",
                        role.as_str()
                    )));
                }
            }
        }
    }
    Ok(())
}

/// What a report entity is, in words; `None` for the plan's own entities.
fn report_entity(id: &str) -> Option<&'static str> {
    match Kind::of_id(id)? {
        Kind::CellEdit => Some("the office's edit of a report cell"),
        Kind::Review => Some("the office's review of a record"),
        Kind::Issue => Some("an issued report"),
        _ => None,
    }
}

/// A write a body adds to what is known.
#[derive(Debug)]
pub enum Added<'a> {
    Version {
        id: &'a str,
        version: &'a RecordVersion,
    },
    Value {
        entity: &'a str,
        field: &'a str,
        written: &'a Written,
    },
}

impl Added<'_> {
    pub fn signer(&self) -> &Signer {
        match self {
            Added::Version { version, .. } => &version.signer,
            Added::Value { written, .. } => &written.signer,
        }
    }
}

/// The record versions and field values (current or kept in a field's history) that
/// `body` holds and none of the `known` documents holds with the same content.
pub fn additions<'a>(known: &[&Doc], body: &'a Doc) -> Vec<Added<'a>> {
    let mut out = Vec::new();
    for (id, versions) in &body.records {
        // A record's versions are sorted by (stamp, device) in every document read.
        let held = |v: &RecordVersion| {
            known.iter().any(|d| {
                d.records.get(id).is_some_and(|vs| {
                    vs.binary_search_by(|m| (m.stamp, &m.device).cmp(&(v.stamp, &v.device)))
                        .is_ok_and(|i| vs[i] == *v)
                })
            })
        };
        for v in versions.iter().filter(|v| !held(v)) {
            out.push(Added::Version { id, version: v });
        }
    }
    for (entity, fields) in &body.entities {
        for (field, register) in fields {
            // A register holds a few values and at most a short history.
            let held: Vec<&Written> = known
                .iter()
                .filter_map(|d| d.register(entity, field))
                .flat_map(|r| r.values().iter().chain(r.history_slice()))
                .collect();
            for w in register.values().iter().chain(register.history_slice()) {
                if !held.contains(&w) {
                    out.push(Added::Value {
                        entity,
                        field,
                        written: w,
                    });
                }
            }
        }
    }
    out
}

/// Who wrote a version of a file, read from what it adds to the version before it: the
/// server lets each write add only writes signed by its own account, so the signers of
/// what a version adds are the account that wrote it (an unsigned addition: a shared
/// token or an open server). `None` for the oldest version kept (nothing to compare).
pub fn writers(before: Option<&Doc>, version: &Doc) -> Option<Vec<Signer>> {
    let before = before?;
    let mut signers: Vec<Signer> = additions(&[before], version)
        .iter()
        .map(|a| a.signer().clone())
        .collect();
    signers.sort();
    signers.dedup();
    Some(signers)
}
