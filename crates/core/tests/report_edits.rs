//! The office's work on the table in the plan document: cell edits (synced, merged,
//! concurrent ones kept as a conflict, limited in length, kept in backups) and reviews
//! of records (已审核, 退回 with a comment, changed since review, the list to fix, the
//! table limited to reviewed records).

use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, EditError, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::Record;
use jindu_core::report::review::{review, Verdict};
use jindu_core::report::{
    build, cell_edits, cell_id, reviewed_only, set_cell, to_fix, Period, MAX_CELL_TEXT,
};
use jindu_core::{seed, Plan};

const T: u64 = 1_625_000_000_000;

fn tablet(doc: &Doc, device: &str) -> Replica {
    Replica::new(doc.clone(), device, Clock::default())
}

fn items(doc: &Doc) -> Vec<String> {
    Plan::from_doc(doc)
        .items
        .iter()
        .map(|i| i.id.clone())
        .collect()
}

fn h1() -> Period {
    Period::cumulative(2021, 6).unwrap()
}

fn status_of(doc: &Doc, period: &Period, item: &str) -> String {
    let report = build(&Plan::from_doc(doc), period)
        .unwrap()
        .with_cell_edits(&cell_edits(doc, period));
    report
        .rows
        .iter()
        .find(|r| r.item == item)
        .unwrap()
        .status
        .clone()
}

#[test]
fn two_offices_edit_different_cells_offline_and_both_see_both() {
    let base = seed::xixing_2021();
    let ids = items(&base);
    let (mut a, mut b) = (tablet(&base, "oa"), tablet(&base, "ob"));
    a.apply(&set_cell(&h1(), &ids[0], "甲科室写的"), "甲", T)
        .unwrap();
    b.apply(&set_cell(&h1(), &ids[1], "乙科室写的"), "乙", T + 1)
        .unwrap();
    let (mut ab, mut ba) = (a.doc.clone(), b.doc.clone());
    ab.merge(&b.doc).unwrap();
    ba.merge(&a.doc).unwrap();
    assert_eq!(ab, ba);
    for doc in [&ab, &ba] {
        assert_eq!(status_of(doc, &h1(), &ids[0]), "甲科室写的");
        assert_eq!(status_of(doc, &h1(), &ids[1]), "乙科室写的");
        assert!(cell_edits(doc, &h1())
            .values()
            .all(|c| c.conflict.is_empty()));
    }
    // Another period's cells are its own; a period of the same days shares them.
    let q1 = Period::cumulative(2021, 3).unwrap();
    assert!(cell_edits(&ab, &q1).is_empty());
    assert_ne!(status_of(&ab, &q1, &ids[0]), "甲科室写的");
    let h1_by_months = Period::months(2021, 1, 6).unwrap();
    assert_eq!(cell_edits(&ab, &h1_by_months).len(), 2);
    // The plan view does not count the report's entities as plan or as problems.
    let plan = Plan::from_doc(&ab);
    assert!(plan.unreadable.is_empty(), "{:?}", plan.unreadable);
    assert_eq!(plan.items.len(), ids.len());
}

#[test]
fn concurrent_edits_of_one_cell_are_kept_as_a_conflict_until_one_is_chosen() {
    let base = seed::xixing_2021();
    let item = items(&base)[2].clone();
    let (mut a, mut b) = (tablet(&base, "oa"), tablet(&base, "ob"));
    a.apply(&set_cell(&h1(), &item, "甲的版本"), "甲", T)
        .unwrap();
    b.apply(&set_cell(&h1(), &item, "乙的版本"), "乙", T + 1)
        .unwrap();
    a.merge_remote(&b.doc, T + 2).unwrap();
    let cell = &cell_edits(&a.doc, &h1())[&item];
    let texts: Vec<_> = cell.conflict.iter().map(|v| v.text.as_str()).collect();
    assert_eq!(texts, ["乙的版本", "甲的版本"]);
    assert_eq!(cell.text, "乙的版本");
    assert_eq!(cell.conflict[1].author, "甲");
    // Choosing one writes it again over both.
    a.apply(&set_cell(&h1(), &item, "甲的版本"), "甲", T + 3)
        .unwrap();
    b.merge_remote(&a.doc, T + 4).unwrap();
    let cell = &cell_edits(&b.doc, &h1())[&item];
    assert!(cell.conflict.is_empty());
    assert_eq!(status_of(&b.doc, &h1(), &item), "甲的版本");
}

#[test]
fn a_cell_over_the_limit_or_of_no_item_is_refused_with_a_clear_message() {
    let base = seed::xixing_2021();
    let item = items(&base)[0].clone();
    let mut a = tablet(&base, "oa");
    let long = "字".repeat(MAX_CELL_TEXT + 1);
    let e = a
        .apply(&set_cell(&h1(), &item, &long), "甲", T)
        .unwrap_err();
    assert_eq!(
        e,
        EditError::TooLong {
            field: "text".into(),
            len: MAX_CELL_TEXT + 1,
            max: MAX_CELL_TEXT
        }
    );
    assert_eq!(
        e.to_string(),
        "text is too long (2001 characters; at most 2000)"
    );
    assert_eq!(a.doc, base);
    let e = a
        .apply(&set_cell(&h1(), "item-gone", "x"), "甲", T)
        .unwrap_err();
    assert!(e.to_string().contains("item-gone"), "{e}");
    // Exactly at the limit is kept, and kept in a backup (JSON and the stored form).
    a.apply(
        &set_cell(&h1(), &item, &"字".repeat(MAX_CELL_TEXT)),
        "甲",
        T,
    )
    .unwrap();
    for back in [
        Doc::from_json(&a.doc.to_json()).unwrap(),
        Doc::from_binary(&a.doc.to_binary()).unwrap(),
    ] {
        assert_eq!(back, a.doc);
        assert!(back.entities.contains_key(&cell_id(&h1(), &item)));
        assert_eq!(
            cell_edits(&back, &h1())[&item].text.chars().count(),
            MAX_CELL_TEXT
        );
    }
}

fn correct(r: &mut Replica, id: &str, note: &str, wall: u64) {
    let plan = Plan::from_doc(&r.doc);
    let old = plan.records.iter().find(|x| x.id == id).unwrap();
    let record = Record {
        note: note.into(),
        ..old.record.clone()
    };
    r.apply(
        &Edit::CorrectRecord {
            id: id.into(),
            record,
        },
        "张三",
        wall,
    )
    .unwrap();
}

#[test]
fn a_returned_record_is_to_fix_until_corrected_then_changed_since_review() {
    let base = seed::xixing_2021();
    let mut office = tablet(&base, "oa");
    let plan = Plan::from_doc(&base);
    let (first, second) = (plan.records[0].clone(), plan.records[1].clone());
    office
        .apply(&review(&first, Verdict::Approved, ""), "李科长", T)
        .unwrap();
    office
        .apply(
            &review(&second, Verdict::Returned, "数字与照片不符"),
            "李科长",
            T,
        )
        .unwrap();
    // Returned without saying why is refused.
    let e = office
        .apply(&review(&second, Verdict::Returned, "  "), "李科长", T)
        .unwrap_err();
    assert_eq!(
        e,
        EditError::Empty {
            field: "comment".into()
        }
    );

    // The inspector's tablet sees what to fix, with the comment.
    let mut insp = tablet(&base, "ti");
    insp.merge_remote(&office.doc, T + 1).unwrap();
    let plan = Plan::from_doc(&insp.doc);
    let fix = to_fix(&insp.doc, &plan);
    assert_eq!(fix.len(), 1);
    assert_eq!(fix[0].record.id, second.id);
    assert_eq!(
        (fix[0].comment.as_str(), fix[0].reviewer.as_str()),
        ("数字与照片不符", "李科长")
    );
    let s = jindu_core::report::review_of(&insp.doc, &plan.records[1]).unwrap();
    assert!(!s.changed && s.to_fix());

    // Corrected: off the list, and the office sees it changed since review.
    correct(&mut insp, &second.id, "改正后的说明", T + 2);
    office.merge_remote(&insp.doc, T + 3).unwrap();
    let plan = Plan::from_doc(&office.doc);
    assert!(to_fix(&office.doc, &plan).is_empty());
    let now = plan.records.iter().find(|r| r.id == second.id).unwrap();
    let s = jindu_core::report::review_of(&office.doc, now).unwrap();
    assert!(s.changed && !s.approved() && !s.to_fix());
    assert_eq!(s.verdict, Verdict::Returned);
    // An approved record corrected later is no longer approved.
    correct(&mut office, &first.id, "又改了", T + 4);
    let plan = Plan::from_doc(&office.doc);
    let now = plan.records.iter().find(|r| r.id == first.id).unwrap();
    assert!(
        jindu_core::report::review_of(&office.doc, now)
            .unwrap()
            .changed
    );
}

#[test]
fn the_table_can_be_limited_to_reviewed_records() {
    let base = seed::xixing_2021();
    let mut office = tablet(&base, "oa");
    let plan = Plan::from_doc(&base);
    // Nothing reviewed: no record counts, every cell says nothing was recorded.
    let none = reviewed_only(&base, &plan);
    assert!(none.records.is_empty());
    let table = build(&none, &h1()).unwrap();
    assert!(table
        .rows
        .iter()
        .all(|r| r.status == jindu_core::report::NOTHING_RECORDED));
    // Approving one item's records brings back exactly that item's cell.
    let item = &plan.items[0].id;
    for r in plan.records_of(item).cloned().collect::<Vec<_>>() {
        office
            .apply(&review(&r, Verdict::Approved, ""), "李科长", T)
            .unwrap();
    }
    let only = reviewed_only(&office.doc, &plan);
    assert_eq!(only.records.len(), plan.records_of(item).count());
    assert!(only.records.iter().all(|r| &r.record.item == item));
    let full = build(&plan, &h1()).unwrap();
    let limited = build(&only, &h1()).unwrap();
    assert_eq!(limited.rows[0].status, full.rows[0].status);
    assert_eq!(limited.rows[1].status, jindu_core::report::NOTHING_RECORDED);
}

/// Cell edits an earlier version kept in the browser move into the document; a cell the
/// document already holds with another text is not overwritten, and then the kept edits
/// are not let go (nothing lost).
#[test]
fn kept_cell_edits_move_into_the_document_and_nothing_is_lost() {
    use jindu_core::report::edits::moving_kept_edits;
    use std::collections::BTreeMap;

    let base = seed::xixing_2021();
    let ids = items(&base);
    let p = h1();
    let kept: BTreeMap<String, String> = [
        (ids[0].clone(), "本机保存的第一行".to_owned()),
        (ids[1].clone(), "本机保存的第二行".to_owned()),
    ]
    .into();
    let mut office = tablet(&base, "oa");
    let (edits, all_in) = moving_kept_edits(&office.doc, p.start, p.end, &kept);
    assert!(all_in && edits.len() == 2);
    for e in &edits {
        office.apply(e, "甲", T).unwrap();
    }
    assert_eq!(status_of(&office.doc, &p, &ids[0]), "本机保存的第一行");
    assert_eq!(status_of(&office.doc, &p, &ids[1]), "本机保存的第二行");
    // Moving them again needs nothing.
    assert_eq!(
        moving_kept_edits(&office.doc, p.start, p.end, &kept),
        (vec![], true)
    );
    // Another tablet's text for one cell is kept, and so are this browser's edits.
    let mut other = tablet(&base, "ob");
    other
        .apply(&set_cell(&p, &ids[0], "别的平板改的"), "乙", T)
        .unwrap();
    let (edits, all_in) = moving_kept_edits(&other.doc, p.start, p.end, &kept);
    assert!(!all_in);
    assert_eq!(edits, vec![set_cell(&p, &ids[1], "本机保存的第二行")]);
}
