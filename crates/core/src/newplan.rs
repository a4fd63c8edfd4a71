//! The rules for a new plan, in one place: an empty plan, a copy of a plan's structure
//! (none of its records), and an imported plan all start here, so the app's "new plan",
//! the exact import of an exported workbook and [`Proposal::into_doc`] agree on what a
//! new plan holds and who wrote it.
//!
//! A new plan is written by a person on a device: the inspector's name is the author of
//! every value, the device's id is its device, and the device's clock stamps it (and
//! moves on past those stamps).
//!
//! [`Proposal::into_doc`]: crate::import::Proposal::into_doc

use std::collections::BTreeMap;

use serde_json::Map;

use crate::doc::{Doc, Fields};
use crate::edit::{Edit, EditError, Replica};
use crate::hlc::Clock;
use crate::index::{is_plan_id, INDEX_ID};
use crate::model::PLAN_ENTITY;

/// What a new plan is made of.
#[derive(Clone, Copy, Debug)]
pub struct NewPlan<'a> {
    /// The plan's id ([`is_plan_id`]; not `index`).
    pub id: &'a str,
    /// The plan's title (not empty; kept without surrounding spaces).
    pub title: &'a str,
    /// The plan's year: its meta gets the year and runs from 1 January to 31 December.
    /// `None` keeps the year and dates of the copied structure (an exact import of an
    /// exported plan); a plan without a copied meta needs a year.
    pub year: Option<i32>,
    /// The structure to copy (a plan document's entities: categories, items, targets …,
    /// with their registers as they stand), or `None` for an empty plan. Records are never
    /// copied.
    pub structure: Option<&'a BTreeMap<String, Fields>>,
}

/// Makes a new plan document: the copied structure, if any, and the plan's meta written by
/// `author` on `device`, stamped by `clock` (which moves past the stamps it issues).
/// Refuses an id that is not a plan id and an empty title, leaving `clock` as it was.
pub fn new_plan(
    spec: NewPlan<'_>,
    author: &str,
    device: &str,
    clock: &mut Clock,
    now: u64,
) -> Result<Doc, EditError> {
    let mut replica = new_replica(spec, author, device, clock.clone(), now)?;
    *clock = std::mem::take(&mut replica.clock);
    Ok(replica.doc)
}

/// [`new_plan`] as a replica on `device` with the clock moved on, for a caller that goes
/// on writing the new plan's structure (an import) before handing the document over.
pub fn new_replica(
    spec: NewPlan<'_>,
    author: &str,
    device: &str,
    clock: Clock,
    now: u64,
) -> Result<Replica, EditError> {
    if !is_plan_id(spec.id) || spec.id == INDEX_ID {
        return Err(EditError::BadId(spec.id.to_owned()));
    }
    let title = spec.title.trim();
    if title.is_empty() {
        return Err(EditError::Empty {
            field: "title".into(),
        });
    }
    let mut doc = Doc::new(spec.id);
    if let Some(structure) = spec.structure {
        doc.entities = structure.clone();
    }
    let mut meta = Map::new();
    meta.insert("title".into(), title.into());
    if let Some(year) = spec.year {
        meta.insert("year".into(), year.into());
        meta.insert("start".into(), format!("{year}-01-01").into());
        meta.insert("end".into(), format!("{year}-12-31").into());
    }
    let mut replica = Replica::new(doc, device, clock);
    replica.apply(
        &Edit::Set {
            entity: PLAN_ENTITY.into(),
            fields: meta,
        },
        author,
        now,
    )?;
    Ok(replica)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::parse_rows;
    use crate::model::Plan;
    use crate::seed;

    const NOW: u64 = 1_780_000_000_000;

    /// Every value written in `doc`'s entities, with its entity and field.
    fn written(doc: &Doc) -> Vec<(String, String, crate::doc::Written)> {
        doc.entities
            .iter()
            .flat_map(|(id, fields)| {
                fields.iter().filter_map(move |(name, r)| {
                    r.winner().map(|w| (id.clone(), name.to_owned(), w.clone()))
                })
            })
            .collect()
    }

    fn empty<'a>(id: &'a str, title: &'a str) -> NewPlan<'a> {
        NewPlan {
            id,
            title,
            year: Some(2026),
            structure: None,
        }
    }

    #[test]
    fn a_created_plan_has_its_meta_written_by_the_author_on_the_device() {
        let mut clock = Clock { last: 7 };
        let doc = new_plan(
            empty("roads-2026", " 道路整治 "),
            "王芳",
            "tab-1",
            &mut clock,
            NOW,
        )
        .unwrap();
        assert_eq!(doc.id, "roads-2026");
        let plan = Plan::from_doc(&doc);
        let meta = plan.meta.expect("the plan has its meta");
        assert_eq!(meta.title, "道路整治");
        assert_eq!(meta.year, 2026);
        assert_eq!(meta.start.to_string(), "2026-01-01");
        assert_eq!(meta.end.to_string(), "2026-12-31");
        assert!(plan.categories.is_empty() && plan.items.is_empty());
        assert!(doc.records.is_empty() && plan.unreadable.is_empty());
        for (_, field, w) in written(&doc) {
            assert_eq!((&*w.author, &*w.device), ("王芳", "tab-1"), "{field}");
        }
        assert!(clock.last >= doc.max_stamp() && clock.last > 7);
    }

    #[test]
    fn a_copy_has_the_structure_and_none_of_the_records() {
        let source = seed::xixing_2021();
        assert!(
            !source.records.is_empty(),
            "the seed has records to leave out"
        );
        let mut clock = Clock::default();
        let spec = NewPlan {
            id: "xixing-2026",
            title: "新计划",
            year: Some(2026),
            structure: Some(&source.entities),
        };
        let doc = new_plan(spec, "王芳", "tab-1", &mut clock, NOW).unwrap();
        assert!(doc.records.is_empty());
        for (id, fields) in &source.entities {
            if id != PLAN_ENTITY {
                assert_eq!(
                    doc.entities.get(id),
                    Some(fields),
                    "{id} is copied as it was"
                );
            }
        }
        assert_eq!(doc.entities.len(), source.entities.len());
        let (old, new) = (Plan::from_doc(&source), Plan::from_doc(&doc));
        assert_eq!(new.categories, old.categories);
        assert_eq!(new.items, old.items);
        assert_eq!(new.targets, old.targets);
        assert!(new.records.is_empty());
        let meta = new.meta.unwrap();
        assert_eq!((meta.title.as_str(), meta.year), ("新计划", 2026));
        assert!(clock.last >= doc.max_stamp());
    }

    #[test]
    fn an_exact_copy_without_a_year_keeps_the_copied_year() {
        let source = seed::xixing_2021();
        let old = Plan::from_doc(&source).meta.unwrap();
        let spec = NewPlan {
            id: "xixing-copy",
            title: "副本",
            year: None,
            structure: Some(&source.entities),
        };
        let doc = new_plan(spec, "王芳", "tab-1", &mut Clock::default(), NOW).unwrap();
        let meta = Plan::from_doc(&doc).meta.unwrap();
        assert_eq!(meta.title, "副本");
        assert_eq!(
            (meta.year, meta.start, meta.end),
            (old.year, old.start, old.end)
        );
        // Without a structure to copy, a year is needed.
        let spec = NewPlan {
            structure: None,
            ..spec
        };
        assert!(new_plan(spec, "王芳", "tab-1", &mut Clock::default(), NOW).is_err());
    }

    #[test]
    fn an_imported_plan_is_written_by_the_author_on_the_device() {
        let rows: Vec<Vec<String>> = [
            vec!["序号", "项目类别", "具体项目及内容", "责任科室"],
            vec![
                "1",
                "改善人居环境",
                "整治道路50家,计划7月底前完成;",
                "城管科",
            ],
            vec![
                "2",
                "民生保障",
                "加装电梯200台,计划于12月底前全部完成。",
                "建设科",
            ],
        ]
        .into_iter()
        .map(|r| r.into_iter().map(str::to_owned).collect())
        .collect();
        let proposal = parse_rows(&rows, 2026);
        assert_eq!(proposal.item_count(), 2);
        let mut clock = Clock { last: 5 };
        let doc = proposal
            .into_doc(
                "imported",
                "导入的计划",
                &crate::import::Importer {
                    author: "王芳",
                    device: "tab-1",
                    wall_ms: NOW,
                    today: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
                },
                &mut clock,
            )
            .unwrap();
        let plan = Plan::from_doc(&doc);
        assert_eq!(plan.items.len(), 2);
        assert_eq!(plan.targets.len(), 2);
        assert_eq!(plan.meta.as_ref().unwrap().title, "导入的计划");
        let all = written(&doc);
        assert!(all.len() > 10);
        for (id, field, w) in all {
            assert_eq!(
                &*w.author, "王芳",
                "{id}.{field}: the author, not the device"
            );
            assert_eq!(&*w.device, "tab-1", "{id}.{field}");
        }
        assert!(clock.last >= doc.max_stamp());
    }

    #[test]
    fn a_bad_id_or_an_empty_title_is_refused() {
        for id in ["", "Roads", "roads 2026", "道路", "index", &"x".repeat(41)] {
            let mut clock = Clock { last: 3 };
            let got = new_plan(empty(id, "道路整治"), "王芳", "tab-1", &mut clock, NOW);
            assert_eq!(got.err(), Some(EditError::BadId(id.to_owned())), "{id:?}");
            assert_eq!(clock.last, 3, "a refusal leaves the clock as it was");
        }
        for title in ["", "   "] {
            let mut clock = Clock { last: 3 };
            let got = new_plan(empty("roads", title), "王芳", "tab-1", &mut clock, NOW);
            let field = Some("title".to_owned());
            assert_eq!(got.err().and_then(|e| e.field().map(str::to_owned)), field);
            assert_eq!(clock.last, 3);
        }
    }
}
