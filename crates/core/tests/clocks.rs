//! Clock skew and delete-versus-edit: the cases the sync issue names.

use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::{stamp_ms, Clock};
use jindu_core::model::Record;
use jindu_core::sync::{Policy, Reply, Step, SyncRound, SyncState};
use jindu_core::Plan;
use serde_json::{json, Value};

const NOW: u64 = 1_625_000_000_000; // 2021-06-29
const DAY: u64 = 86_400_000;

fn fields(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn base() -> Doc {
    let mut r = Replica::new(Doc::new("p"), "office", Clock::default());
    for (id, v) in [
        (
            "plan",
            json!({"title": "t", "year": 2021, "start": "2021-01-01", "end": "2021-12-31"}),
        ),
        ("cat-1", json!({"name": "c", "order": 1})),
        (
            "item-1",
            json!({"category": "cat-1", "order": 1, "content": "原文"}),
        ),
    ] {
        r.apply(
            &Edit::Set {
                entity: id.into(),
                fields: fields(v),
            },
            "办公室",
            NOW - DAY,
        )
        .unwrap();
    }
    r.doc
}

fn set_content(r: &mut Replica, text: &str, wall: u64) {
    r.apply(
        &Edit::Set {
            entity: "item-1".into(),
            fields: fields(json!({"content": text})),
        },
        "x",
        wall,
    )
    .unwrap();
}

fn content(doc: &Doc) -> Value {
    doc.get("item-1", "content").unwrap().clone()
}

#[test]
fn a_tablet_a_year_ahead_is_corrected_by_the_office() {
    let mut ahead = Replica::new(base(), "tablet", Clock::default());
    set_content(&mut ahead, "未来的值", NOW + 365 * DAY);
    let mut office = Replica::new(base(), "office", Clock::default());
    let skew = office.merge_remote(&ahead.doc, NOW).unwrap();
    assert!(skew.unwrap() >= 364 * DAY, "flagged as far ahead");
    assert!(
        stamp_ms(office.clock.last) <= NOW,
        "our clock is not dragged a year forward"
    );
    assert_eq!(content(&office.doc), json!("未来的值"));
    set_content(&mut office, "更正", NOW);
    let mut tablet_view = ahead.doc.clone();
    tablet_view.merge(&office.doc).unwrap();
    assert_eq!(
        content(&tablet_view),
        json!("更正"),
        "the correction wins everywhere"
    );
    assert!(tablet_view
        .register("item-1", "content")
        .unwrap()
        .conflicts()
        .is_empty());
    // The office's next unrelated write is stamped by its own clock, not a year ahead.
    let a = office
        .apply(
            &Edit::Set {
                entity: "cat-1".into(),
                fields: fields(json!({"name": "改"})),
            },
            "x",
            NOW,
        )
        .unwrap();
    assert!(stamp_ms(a.stamp) <= NOW + 1);
}

#[test]
fn a_tablet_two_days_behind_still_wins_with_a_write_made_after_seeing_the_value() {
    let mut office = Replica::new(base(), "office", Clock::default());
    set_content(&mut office, "办公室的值", NOW);
    let mut behind = Replica::new(base(), "tablet", Clock::default());
    behind.merge_remote(&office.doc, NOW - 2 * DAY).unwrap();
    set_content(&mut behind, "检查员的新值", NOW - 2 * DAY);
    let mut both = office.doc.clone();
    both.merge(&behind.doc).unwrap();
    assert_eq!(content(&both), json!("检查员的新值"));
    assert!(both
        .register("item-1", "content")
        .unwrap()
        .conflicts()
        .is_empty());
}

#[test]
fn a_tablet_two_days_behind_writing_concurrently_keeps_a_conflict() {
    let mut office = Replica::new(base(), "office", Clock::default());
    set_content(&mut office, "办公室的值", NOW);
    let mut behind = Replica::new(base(), "tablet", Clock::default());
    set_content(&mut behind, "检查员的值", NOW - 2 * DAY);
    let mut both = behind.doc.clone();
    both.merge(&office.doc).unwrap();
    let reg = both.register("item-1", "content").unwrap();
    assert_eq!(reg.winner().unwrap().value, json!("办公室的值"));
    assert_eq!(
        reg.conflicts()[0].value,
        json!("检查员的值"),
        "the loser stays visible"
    );
}

#[test]
fn a_clock_that_jumps_back_keeps_stamping_forward() {
    let mut r = Replica::new(base(), "tablet", Clock::default());
    set_content(&mut r, "一", NOW);
    let before = r
        .doc
        .register("item-1", "content")
        .unwrap()
        .winner()
        .unwrap()
        .stamp;
    set_content(&mut r, "二", NOW - 3_600_000);
    let after = r
        .doc
        .register("item-1", "content")
        .unwrap()
        .winner()
        .unwrap()
        .stamp;
    assert!(after > before);
    assert_eq!(content(&r.doc), json!("二"));
}

#[test]
fn delete_versus_edit_keeps_the_record_deleted_and_the_edit_in_its_versions() {
    let mut a = Replica::new(base(), "a", Clock::default());
    let rec: Record = serde_json::from_value(
        json!({"on": "2021-06-01", "by": "甲", "item": "item-1", "pct": 10}),
    )
    .unwrap();
    let id = a
        .apply(
            &Edit::AddRecord {
                record: rec.clone(),
            },
            "甲",
            NOW,
        )
        .unwrap()
        .id;
    let mut b = Replica::new(a.doc.clone(), "b", Clock::default());
    a.apply(&Edit::DeleteRecord { id: id.clone() }, "甲", NOW + 1_000)
        .unwrap();
    let mut fixed = rec.clone();
    fixed.percent = Some(20.0);
    // b's correction is later by the clock, yet the deletion holds.
    b.apply(
        &Edit::CorrectRecord {
            id: id.clone(),
            record: fixed,
        },
        "乙",
        NOW + 5_000,
    )
    .unwrap();
    let mut ab = a.doc.clone();
    ab.merge(&b.doc).unwrap();
    let mut ba = b.doc.clone();
    ba.merge(&a.doc).unwrap();
    assert_eq!(ab.to_json(), ba.to_json());
    assert!(
        Plan::from_doc(&ab).records.is_empty(),
        "a deleted record never comes back"
    );
    assert_eq!(
        ab.records[&id].len(),
        3,
        "the correction is kept among the versions"
    );
    // Correcting a deleted record is refused rather than silently resurrecting it.
    let mut c = Replica::new(ab, "c", Clock::default());
    assert!(c
        .apply(&Edit::CorrectRecord { id, record: rec }, "丙", NOW)
        .is_err());
}

#[test]
fn a_far_ahead_document_is_flagged_in_the_sync_state() {
    let mut ahead = Replica::new(base(), "tablet", Clock::default());
    set_content(&mut ahead, "未来", NOW + 365 * DAY);
    let mut office = Replica::new(base(), "office", Clock::default());
    let mut state = SyncState::default();
    let mut round = SyncRound::new(Policy::default(), 1);
    round.start(&office, &state);
    let step = round.on_reply(
        &mut office,
        &mut state,
        Reply::status(200, Some("\"1\""), ahead.doc.to_json()),
        NOW,
    );
    assert!(
        matches!(step, Step::Finished(_)),
        "the file already holds all the office has"
    );
    assert!(state.skewed_ahead_ms.unwrap() >= 364 * DAY);
}
