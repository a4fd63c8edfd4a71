//! Issued reports (签发): written once, whole; never changed (by an edit or by a write the
//! plan guard judges with `check_issues`); two issued offline both survive, numbered by
//! their stamps; an issue whose items were later deleted still shows as issued.

use jindu_core::doc::{Doc, Signer, Written};
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::Kind;
use jindu_core::report::issue::issue;
use jindu_core::report::{build, check_issues, issues, Period};
use jindu_core::{seed, Plan};
use serde_json::json;

const T: u64 = 1_625_000_000_000;

fn tablet(doc: &Doc, device: &str) -> Replica {
    Replica::new(doc.clone(), device, Clock::default())
}

fn issue_now(r: &mut Replica, by: &str, marks: bool, wall: u64) -> String {
    let plan = Plan::from_doc(&r.doc);
    let report = build(&plan, &Period::cumulative(2021, 6).unwrap())
        .unwrap()
        .with_marks(marks);
    let id = r.new_id(Kind::Issue, wall);
    r.apply(&issue(&id, &report, by, wall), by, wall).unwrap();
    id
}

#[test]
fn an_issue_holds_every_cell_as_printed_and_never_changes() {
    let base = seed::xixing_2021();
    let mut office = tablet(&base, "oa");
    let id = issue_now(&mut office, "李科长", true, T);
    let plan = Plan::from_doc(&office.doc);
    let table = build(&plan, &Period::cumulative(2021, 6).unwrap())
        .unwrap()
        .with_marks(true);
    let listed = issues(&office.doc);
    assert_eq!(listed.len(), 1);
    let x = &listed[0];
    assert_eq!(
        (x.id.as_str(), x.version, x.label()),
        (id.as_str(), 1, "第1版".into())
    );
    assert_eq!(x.issue.issued_by, "李科长");
    assert_eq!(x.issue.issued_at, T);
    assert!(x.issue.photos.is_empty());
    assert_eq!(x.issue.report.period, table.period);
    assert_eq!(x.issue.report.as_of, table.as_of);
    assert_eq!(x.issue.report.rows.len(), 17);
    // Cells frozen as printed: with the marks the office asked for.
    for (issued, row) in x.issue.report.rows.iter().zip(&table.rows) {
        assert_eq!(issued.status, table.printed(row));
        assert_eq!(x.issue.report.printed(issued), table.printed(row));
    }
    assert!(x
        .issue
        .report
        .rows
        .iter()
        .any(|r| r.status.starts_with('【')));
    // Well formed for the guard, and kept in a backup.
    check_issues(&base, &office.doc).unwrap();
    check_issues(&office.doc, &office.doc).unwrap();
    assert_eq!(
        issues(&Doc::from_json(&office.doc.to_json()).unwrap()),
        listed
    );
    assert_eq!(
        issues(&Doc::from_binary(&office.doc.to_binary()).unwrap()),
        listed
    );

    // An edit of it is refused and changes nothing.
    let before = office.doc.clone();
    for fields in [json!({"issued_by": "别人"}), json!({"deleted": true})] {
        let e = office
            .apply(
                &Edit::Set {
                    entity: id.clone(),
                    fields: fields.as_object().unwrap().clone(),
                },
                "李科长",
                T + 1,
            )
            .unwrap_err();
        assert!(
            e.to_string().contains("was issued and never changes"),
            "{e}"
        );
        assert_eq!(office.doc, before);
    }
}

#[test]
fn the_guard_refuses_a_write_that_changes_drops_or_half_writes_an_issue() {
    let base = seed::xixing_2021();
    let mut office = tablet(&base, "oa");
    let id = issue_now(&mut office, "李科长", false, T);
    let stored = office.doc.clone();
    let written = |stamp: u64, v: serde_json::Value| Written {
        stamp,
        device: "oa".into(),
        author: "李科长".into(),
        signer: Signer::none(),
        value: v,
    };
    // A newer value over a field: a correct CRDT write, but an issue never changes.
    let mut changed = stored.clone();
    let f = changed.entities.get_mut(&id).unwrap();
    f.get_mut("issued_by")
        .unwrap()
        .write(written(u64::MAX / 2, json!("别人")));
    assert!(changed.contains(&stored));
    let e = check_issues(&stored, &changed).unwrap_err();
    assert_eq!(e.id, id);
    assert!(e.to_string().contains("was changed"), "{e}");
    // Dropped.
    let mut dropped = stored.clone();
    dropped.entities.remove(&id);
    assert!(check_issues(&stored, &dropped)
        .unwrap_err()
        .to_string()
        .contains("is missing"));
    // A new issue written in two goes (a field added later) is not an issue.
    let mut half = base.clone();
    let mut fields = stored.entities[&id].clone();
    fields
        .get_mut("photos")
        .unwrap()
        .write(written(u64::MAX / 2, json!(["abc"])));
    half.entities.insert(id.clone(), fields);
    assert!(check_issues(&base, &half)
        .unwrap_err()
        .to_string()
        .contains("not written once"));
    let mut missing_field = base.clone();
    let mut fields = stored.entities[&id].clone();
    fields.insert("photos", Default::default());
    missing_field.entities.insert(id.clone(), fields);
    assert!(check_issues(&base, &missing_field).is_err());
}

#[test]
fn two_issued_offline_both_survive_numbered_by_their_stamps() {
    let base = seed::xixing_2021();
    let (mut a, mut b) = (tablet(&base, "oa"), tablet(&base, "ob"));
    let later = issue_now(&mut a, "甲", false, T + 60_000);
    let earlier = issue_now(&mut b, "乙", false, T);
    let (mut ab, mut ba) = (a.doc.clone(), b.doc.clone());
    ab.merge(&b.doc).unwrap();
    ba.merge(&a.doc).unwrap();
    assert_eq!(ab, ba);
    let listed = issues(&ab);
    let shown: Vec<_> = listed
        .iter()
        .map(|x| (x.label(), x.id.clone(), x.issue.issued_by.clone()))
        .collect();
    assert_eq!(
        shown,
        [
            ("第1版".into(), earlier, "乙".to_owned()),
            ("第2版".into(), later, "甲".to_owned())
        ]
    );
    // Merging either into the stored file is a write the guard accepts.
    check_issues(&a.doc, &ab).unwrap();
    check_issues(&b.doc, &ab).unwrap();
}

#[test]
fn an_issue_whose_items_were_deleted_still_shows_as_issued() {
    let base = seed::xixing_2021();
    let mut office = tablet(&base, "oa");
    issue_now(&mut office, "李科长", false, T);
    let before = issues(&office.doc);
    let gone = Plan::from_doc(&office.doc).items[0].clone();
    office
        .apply(
            &Edit::Set {
                entity: gone.id.clone(),
                fields: json!({"deleted": true}).as_object().unwrap().clone(),
            },
            "李科长",
            T + 1,
        )
        .unwrap();
    assert!(Plan::from_doc(&office.doc).item(&gone.id).is_none());
    let after = issues(&office.doc);
    assert_eq!(after, before);
    let row = &after[0].issue.report.rows[0];
    assert_eq!(row.item, gone.id);
    assert!(row.content.contains(&gone.content), "{}", row.content);
}

#[test]
fn an_issue_keeps_the_hashes_of_its_evidence_photos() {
    let base = seed::xixing_2021();
    let mut office = tablet(&base, "oa");
    let plan = Plan::from_doc(&office.doc);
    let report = build(&plan, &Period::cumulative(2021, 6).unwrap()).unwrap();
    let photos = vec!["a".repeat(64), "b".repeat(64)];
    let id = office.new_id(Kind::Issue, T);
    office
        .apply(
            &jindu_core::report::issue::issue_with_photos(&id, &report, "李科长", T, &photos),
            "李科长",
            T,
        )
        .unwrap();
    let back = Doc::from_json(&office.doc.to_json()).unwrap();
    let listed = issues(&back);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].issue.photos, photos);
}
