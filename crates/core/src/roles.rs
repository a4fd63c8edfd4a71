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
//! | inspector | versions of progress records it wrote first (new records, their corrections and deletions); no plan field, no index |
//! | office | anything the plan guard allows |
//!
//! and, for every role, each added version or value must be signed by the writing
//! account: nobody signs for someone else. A shared token (no account) may add only
//! unsigned writes. A new file (no stored version) may carry earlier writers' records:
//! an office importing or copying a plan; only the office creates files.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::doc::{Doc, RecordVersion, Signer, Written};

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
    let who = |s: &Signer| {
        if s.is_none() {
            "no account".to_owned()
        } else {
            format!("account '{}'", s.account)
        }
    };
    let claimed = |s: &Signer, what: String| {
        Refusal(format!(
            "{what} is signed by {}, but this write is made by {}: nobody signs for someone else",
            who(s),
            writer
                .account
                .map_or("a shared token".to_owned(), |a| format!("account '{a}'"))
        ))
    };

    for (id, versions) in &body.records {
        let held: HashMap<(u64, &str), &RecordVersion> = known
            .iter()
            .filter_map(|d| d.records.get(id))
            .flatten()
            .map(|v| ((v.stamp, &*v.device), v))
            .collect();
        let first = known
            .iter()
            .filter_map(|d| d.records.get(id))
            .flatten()
            .chain(versions)
            .min_by(|a, b| (a.stamp, &a.device).cmp(&(b.stamp, &b.device)));
        let is_held = |v: &RecordVersion| held.get(&(v.stamp, &*v.device)) == Some(&v);
        for v in versions.iter().filter(|v| !is_held(v)) {
            let what = format!("version {} of record {id}", v.stamp);
            if !signed_by(&v.signer) {
                return Err(claimed(&v.signer, what));
            }
            if role == Role::Inspector {
                let first = first.expect("the record has this version");
                if !signed_by(&first.signer) {
                    return Err(Refusal(format!(
                        "record {id} was written by {}; an inspector corrects or deletes only its own records",
                        who(&first.signer)
                    )));
                }
            }
        }
    }

    for (id, fields) in &body.entities {
        for (name, register) in fields {
            let mut held: HashMap<(u64, &str), Vec<&Written>> = HashMap::new();
            for w in known
                .iter()
                .filter_map(|d| d.register(id, name))
                .flat_map(|r| r.values().iter().chain(r.history_slice()))
            {
                held.entry((w.stamp, &*w.device)).or_default().push(w);
            }
            let is_held = |w: &Written| {
                held.get(&(w.stamp, &*w.device))
                    .is_some_and(|ws| ws.contains(&w))
            };
            let added = register
                .values()
                .iter()
                .chain(register.history_slice())
                .filter(|w| !is_held(w));
            for w in added {
                let what = format!("the value of {id}.{name} written at {}", w.stamp);
                if !signed_by(&w.signer) {
                    return Err(claimed(&w.signer, what));
                }
                if !role.edits_plan() {
                    return Err(Refusal(format!(
                        "{id}.{name} is part of the plan: only the office changes it, not an {} account",
                        role.as_str()
                    )));
                }
            }
        }
    }
    Ok(())
}
