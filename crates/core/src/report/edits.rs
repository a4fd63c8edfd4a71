//! The office's edits of 完成情况 cells, kept in the plan document so that every office
//! tablet sees them, backups hold them and a merge keeps concurrent edits of one cell as
//! a conflict, like any field.
//!
//! One entity per period and item (kind [`Kind::CellEdit`]), its id derived from the
//! period's days and the item's id (`cell-20210101-20210630-item-…`), so that two
//! tablets editing one cell write one register. It holds one field, `text`. A period is
//! its days: 4-6月 and 第二季度 share their cells, as the office's table would.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use super::{Period, Report};
use crate::doc::Doc;
use crate::edit::{Edit, EditError};
use crate::model::{Kind, Plan};

/// The longest text of one cell: about ten times the longest cell of the built-in plan.
pub const MAX_CELL_TEXT: usize = 2_000;

const DAY: &str = "%Y%m%d";

/// The id of the cell edit of `item` in `period`.
pub fn cell_id(period: &Period, item: &str) -> String {
    format!("{}{item}", period_prefix(period.start, period.end))
}

fn period_prefix(start: NaiveDate, end: NaiveDate) -> String {
    format!(
        "{}-{}-{}-",
        Kind::CellEdit.prefix(),
        start.format(DAY),
        end.format(DAY)
    )
}

/// The period's days and the item a cell edit's id names.
pub fn parse_cell_id(id: &str) -> Option<(NaiveDate, NaiveDate, &str)> {
    let rest = id
        .strip_prefix(Kind::CellEdit.prefix())?
        .strip_prefix('-')?;
    let (start, rest) = rest.split_once('-')?;
    let (end, item) = rest.split_once('-')?;
    let day = |s: &str| {
        NaiveDate::parse_from_str(s, DAY)
            .ok()
            .filter(|_| s.len() == 8)
    };
    let (start, end) = (day(start)?, day(end)?);
    (start <= end && !item.is_empty()).then_some((start, end, item))
}

/// The edit that sets the office's text of `item`'s cell in `period`.
pub fn set_cell(period: &Period, item: &str, text: &str) -> Edit {
    let mut fields = Map::new();
    fields.insert("text".into(), json!(text));
    Edit::Set {
        entity: cell_id(period, item),
        fields,
    }
}

/// One text written to a cell, with who wrote it where and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellValue {
    pub text: String,
    pub author: String,
    pub device: String,
    pub stamp: u64,
}

/// A cell as the office edited it: the text shown and, when tablets edited it
/// concurrently, every value kept (the shown one first) until somebody chooses one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditedCell {
    pub text: String,
    /// All values when there is an open conflict (the winner first), else empty.
    pub conflict: Vec<CellValue>,
}

/// The office's edited cells of `period`, by item id.
pub fn cell_edits(doc: &Doc, period: &Period) -> BTreeMap<String, EditedCell> {
    let prefix = period_prefix(period.start, period.end);
    let mut out = BTreeMap::new();
    for (id, fields) in doc.entities.range(prefix.clone()..) {
        let Some(item) = id.strip_prefix(&prefix) else {
            break;
        };
        let Some(register) = fields.get("text") else {
            continue;
        };
        let values: Vec<CellValue> = register
            .values()
            .iter()
            .rev()
            .filter_map(|w| {
                Some(CellValue {
                    text: w.value.as_str()?.to_owned(),
                    author: w.author.to_string(),
                    device: w.device.to_string(),
                    stamp: w.stamp,
                })
            })
            .collect();
        let Some(shown) = values.first() else {
            continue;
        };
        let text = shown.text.clone();
        let conflict = if values.len() > 1 { values } else { Vec::new() };
        out.insert(item.to_owned(), EditedCell { text, conflict });
    }
    out
}

/// Checks a cell edit as it would stand: an id naming a period and an item of the plan,
/// and a text within [`MAX_CELL_TEXT`].
pub(crate) fn validate_cell(
    plan: &Plan,
    id: &str,
    fields: &Map<String, Value>,
) -> Result<(), EditError> {
    let Some((_, _, item)) = parse_cell_id(id) else {
        return Err(EditError::BadId(id.into()));
    };
    if plan.item(item).is_none() {
        return Err(EditError::UnknownReference {
            field: "item".into(),
            kind: Kind::Item,
            id: item.into(),
        });
    }
    if let Some(name) = fields.keys().find(|k| *k != "text") {
        return Err(EditError::Invalid(format!(
            "a cell edit holds its text only, not '{name}'"
        )));
    }
    let Some(Value::String(text)) = fields.get("text") else {
        return Err(EditError::Invalid("a cell edit's text must be text".into()));
    };
    let len = text.chars().count();
    if len > MAX_CELL_TEXT {
        return Err(EditError::TooLong {
            field: "text".into(),
            len,
            max: MAX_CELL_TEXT,
        });
    }
    Ok(())
}

/// What to do with cell edits an earlier version kept outside the document (text by
/// item, for the period from `start` to `end`): the edits that put them in, and whether
/// they may be let go once those are applied. A cell the document already holds with the
/// same text needs nothing; one it holds with another text (another tablet's edit since)
/// is not overwritten, and then the kept edits are not let go: nothing is lost.
pub fn moving_kept_edits(
    doc: &Doc,
    start: NaiveDate,
    end: NaiveDate,
    kept: &BTreeMap<String, String>,
) -> (Vec<Edit>, bool) {
    let prefix = period_prefix(start, end);
    let mut edits = Vec::new();
    let mut all_in = true;
    for (item, text) in kept {
        match doc.get(&format!("{prefix}{item}"), "text") {
            Some(v) if v.as_str() == Some(text) => {}
            Some(_) => all_in = false,
            None => {
                let mut fields = Map::new();
                fields.insert("text".into(), json!(text));
                edits.push(Edit::Set {
                    entity: format!("{prefix}{item}"),
                    fields,
                });
            }
        }
    }
    (edits, all_in)
}

impl Report {
    /// The report with the office's edited cells in place of the composed text.
    pub fn with_cell_edits(mut self, edits: &BTreeMap<String, EditedCell>) -> Report {
        for row in &mut self.rows {
            if let Some(cell) = edits.get(&row.item) {
                row.status = cell.text.clone();
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_id_names_its_period_and_item() {
        let p = Period::cumulative(2021, 6).unwrap();
        let id = cell_id(&p, "item-ab-c1");
        assert_eq!(id, "cell-20210101-20210630-item-ab-c1");
        assert_eq!(Kind::of_id(&id), Some(Kind::CellEdit));
        let (s, e, item) = parse_cell_id(&id).unwrap();
        assert_eq!((s, e, item), (p.start, p.end, "item-ab-c1"));
        for bad in [
            "cell-2021-20210630-item-x",
            "cell-20210630-20210101-item-x",
            "cell-20210101-20210630-",
            "rev-20210101-20210630-item-x",
        ] {
            assert_eq!(parse_cell_id(bad), None, "{bad}");
        }
    }
}
