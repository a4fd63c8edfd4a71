//! One identity, one content.
//!
//! A record version is identified by its record, stamp and device; a register value by
//! its entity, field, stamp and device (in the register's values or its history). Honest
//! devices never write two contents under one identity, so where two copies disagree,
//! one of them was rewritten in place (a tablet bug, a hand-edited file, a hostile
//! writer). That is corruption, not a tie to break: a merge refuses it and leaves the
//! receiving document unchanged, the server refuses the write, and a tablet stops
//! syncing that file instead of taking either copy.

use super::{Doc, RecordVersion, Register, Versions, Written};
use crate::hlc::stamp_ms;

/// How many characters of each content a [`Rewrite`] shows.
pub const SHOWN_CHARS: usize = 40;

/// An identity found with two contents: what carries it, and the start of each.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} was rewritten in place: it held {ours}, now {theirs}")]
pub struct Rewrite {
    /// The record version or field value, in words: `record R's version …` or
    /// `field E.F's value …`, with its device and when it was written.
    pub what: String,
    /// At most [`SHOWN_CHARS`] characters of the content held first (the stored file,
    /// the receiving document): its start, or from just before where the two differ.
    pub ours: String,
    /// The same characters of the other content.
    pub theirs: String,
}

/// Finds an identity that `stored` holds and `body` holds with other content: `body`
/// would rewrite it. Identities only one of them holds are not compared (that is what
/// a merge adds or what [`Doc::contains`] looks for).
pub fn check_rewrite(stored: &Doc, body: &Doc) -> Result<(), Rewrite> {
    for (id, fields) in &body.entities {
        let Some(mine) = stored.entities.get(id) else {
            continue;
        };
        if mine == fields {
            continue;
        }
        for (name, reg) in fields {
            if let Some((ours, theirs)) = mine.get(name).and_then(|r| r.rewritten_by(reg)) {
                return Err(Rewrite::of_value(id, name, ours, theirs));
            }
        }
    }
    let check = |id: &str, mine: &Versions, theirs: &Versions| match rewritten_version(mine, theirs)
    {
        Some((ours, theirs)) => Err(Rewrite::of_version(id, ours, theirs)),
        None => Ok(()),
    };
    if body.records.len() * 8 < stored.records.len() {
        // A few records (a journal entry, a small sync): look each one up.
        for (id, versions) in &body.records {
            if let Some(mine) = stored.records.get(id) {
                if mine != versions {
                    check(id, mine, versions)?;
                }
            }
        }
    } else {
        // Many: walk both maps in key order.
        let mut mine = stored.records.iter().peekable();
        for (id, versions) in &body.records {
            while mine.next_if(|(m, _)| *m < id).is_some() {}
            if let Some((_, m)) = mine.next_if(|(m, _)| *m == id) {
                if m != versions {
                    check(id, m, versions)?;
                }
            }
        }
    }
    Ok(())
}

/// The first version both sorted lists hold with different content (ours, theirs).
fn rewritten_version<'a>(
    mine: &'a Versions,
    theirs: &'a Versions,
) -> Option<(&'a RecordVersion, &'a RecordVersion)> {
    let mut mine = mine.iter().peekable();
    for t in theirs {
        let dot = (t.stamp, &t.device);
        while mine.next_if(|m| (m.stamp, &m.device) < dot).is_some() {}
        if let Some(m) = mine.next_if(|m| (m.stamp, &m.device) == dot) {
            if m != t {
                return Some((m, t));
            }
        }
    }
    None
}

impl Register {
    /// Every write this register holds as it is stored: its values and its history.
    /// Each identity appears once (reading refuses a register that holds one twice
    /// with different contents, and a register never holds it twice otherwise).
    pub(super) fn held(&self) -> impl Iterator<Item = &Written> {
        self.values.iter().chain(&self.history)
    }

    /// A write this register holds that `other` holds with other content (ours,
    /// theirs): `other` rewrote it.
    pub fn rewritten_by<'a>(&'a self, other: &'a Register) -> Option<(&'a Written, &'a Written)> {
        if self == other {
            return None;
        }
        other.held().find_map(|theirs| {
            self.held()
                .find(|ours| ours.dot() == theirs.dot() && *ours != theirs)
                .map(|ours| (ours, theirs))
        })
    }
}

/// Two writes of a register as read (its values, then its history) with one identity
/// and different contents. Allocates nothing: it runs on every register read, and a
/// typical one holds a single value.
pub(super) fn held_twice<'a>(
    values: &'a [Written],
    history: &'a [Written],
) -> Option<(&'a Written, &'a Written)> {
    let n = values.len() + history.len();
    let at = |i: usize| values.get(i).unwrap_or_else(|| &history[i - values.len()]);
    (0..n).find_map(|i| {
        let a = at(i);
        (i + 1..n)
            .map(at)
            .find(|b| a.dot() == b.dot() && a != *b)
            .map(|b| (a, b))
    })
}

impl Rewrite {
    /// The start of both contents, or, when they agree on more than their first 30
    /// characters, both from ten characters before where they differ (`…` marks what
    /// is left out): the difference is what a person must see.
    fn new(what: String, ours: &str, theirs: &str) -> Rewrite {
        let same = ours
            .chars()
            .zip(theirs.chars())
            .take_while(|(a, b)| a == b)
            .count();
        let skip = if same > SHOWN_CHARS - 10 {
            same - 10
        } else {
            0
        };
        let from = |text: &str| match (skip, text.char_indices().nth(skip)) {
            (0, _) => shown(text),
            (_, Some((at, _))) => format!("…{}", shown(&text[at..])),
            (_, None) => "…".to_owned(),
        };
        Rewrite {
            what,
            ours: from(ours),
            theirs: from(theirs),
        }
    }

    fn of_version(id: &str, ours: &RecordVersion, theirs: &RecordVersion) -> Rewrite {
        // The signer is part of the content: show it when it is what differs.
        let content = |v: &RecordVersion| {
            if ours.signer == theirs.signer {
                v.body.json().to_owned()
            } else {
                format!("{} signed by {}", v.body.json(), v.signer)
            }
        };
        Rewrite::new(
            format!(
                "record {id}'s version {}",
                written_by(ours.stamp, &ours.device)
            ),
            &content(ours),
            &content(theirs),
        )
    }

    fn of_value(entity: &str, field: &str, ours: &Written, theirs: &Written) -> Rewrite {
        // The author is part of the content: show it when it is what differs.
        let content = |w: &Written| {
            if ours.signer != theirs.signer {
                format!("{} signed by {}", w.value, w.signer)
            } else if ours.author == theirs.author {
                w.value.to_string()
            } else {
                format!("{} by {}", w.value, w.author)
            }
        };
        Rewrite::new(
            format!(
                "field {entity}.{field}'s value {}",
                written_by(ours.stamp, &ours.device)
            ),
            &content(ours),
            &content(theirs),
        )
    }
}

/// When and where a write was made, in words.
fn written_by(stamp: u64, device: &str) -> String {
    let when = i64::try_from(stamp_ms(stamp))
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(String::new, |t| {
            t.format(" at %Y-%m-%d %H:%M:%S UTC").to_string()
        });
    format!("written{when} on device {device} (stamp {stamp})")
}

/// The first [`SHOWN_CHARS`] characters of `text`, with `…` when there is more.
pub(super) fn shown(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_contents_are_shown_where_they_differ() {
        let r = Rewrite::new("x".into(), r#"{"a":1}"#, r#"{"a":2}"#);
        assert_eq!(
            (r.ours.as_str(), r.theirs.as_str()),
            (r#"{"a":1}"#, r#"{"a":2}"#)
        );
        let long = "甲".repeat(60);
        let r = Rewrite::new("x".into(), &format!("{long}old"), &format!("{long}new"));
        assert_eq!(r.ours, format!("…{}old", "甲".repeat(10)));
        assert_eq!(r.theirs, format!("…{}new", "甲".repeat(10)));
        let r = Rewrite::new("x".into(), &"a".repeat(50), &"b".repeat(50));
        assert_eq!(r.ours, format!("{}…", "a".repeat(SHOWN_CHARS)));
        assert_eq!(
            written_by(0, "d"),
            "written at 1970-01-01 00:00:00 UTC on device d (stamp 0)"
        );
    }
}
