//! A record's reasons (存在问题, 下步措施, 预计完成) and the statuses 整改中 and 已验收:
//! they round-trip, merge, read from earlier records, and count as stated.

use chrono::NaiveDate;
use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::{DateSpec, Plan, Precision, Record, RecordStatus};
use jindu_core::progress::{package_progress, site_progress};
use jindu_core::seed;

const NOW: u64 = 1_625_000_000_000;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, m, d).unwrap()
}

#[test]
fn reasons_round_trip_merge_and_earlier_records_read_without_them() {
    let base = seed::xixing_2021();
    let plan = Plan::from_doc(&base);
    let item = plan.items[0].id.clone();
    let record = Record {
        note: "进度滞后".into(),
        status: Some(RecordStatus::Rectifying),
        problem: "因面上活动管控，中高考等原因推后".into(),
        next_step: "6月20日左右启动招投标".into(),
        expected: Some(DateSpec::day(
            day(6, 25),
            "6月25日左右",
            Precision::Approximate,
        )),
        ..Record::new(day(6, 15), "张三", &item)
    };
    let mut a = Replica::new(base.clone(), "a", Clock::default());
    let id = a
        .apply(
            &Edit::AddRecord {
                record: record.clone(),
            },
            "张三",
            NOW,
        )
        .unwrap()
        .id;
    // Stored under short keys, and read back whole from JSON and from the binary form.
    let body = a.doc.records[&id][0].body.json().to_owned();
    for key in [
        r#""prob":"#,
        r#""next":"#,
        r#""exp":"#,
        r#""st":"rectifying""#,
    ] {
        assert!(body.contains(key), "{key} in {body}");
    }
    for doc in [
        Doc::from_json(&a.doc.to_json()).unwrap(),
        Doc::from_binary(&a.doc.to_binary()).unwrap(),
    ] {
        let view = Plan::from_doc(&doc);
        let r = view.records.iter().find(|r| r.id == id).unwrap();
        assert_eq!(r.record, record);
    }
    // Merged into another tablet's copy like any record.
    let mut b = Replica::new(base, "b", Clock::default());
    b.merge_remote(&a.doc, NOW).unwrap();
    let r = Plan::from_doc(&b.doc)
        .records
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    assert_eq!(r.record.expected.unwrap().text, "6月25日左右");
    // A record written before these fields existed reads with them empty.
    let old: Record = serde_json::from_str(
        r#"{"on":"2021-06-30","by":"西兴街道","item":"item-1-1","note":"已完成。"}"#,
    )
    .unwrap();
    assert!(old.problem.is_empty() && old.next_step.is_empty() && old.expected.is_none());
    // Too long is refused like a note.
    let mut long = record;
    long.problem = "很".repeat(4_001);
    let refused = a.apply(&Edit::AddRecord { record: long }, "张三", NOW + 1);
    assert!(refused.is_err());
}

#[test]
fn accepted_counts_as_done_and_rectifying_as_in_progress() {
    let base = seed::xixing_2021();
    let plan = Plan::from_doc(&base);
    let package = plan.packages[0].clone();
    let site = package.site.clone();
    let item = package.item.clone();
    let mut r = Replica::new(base, "a", Clock::default());
    let mut record = |status: RecordStatus, percent: Option<f64>, on: NaiveDate, t: u64| {
        let record = Record {
            site: Some(site.clone()),
            package: Some(package.id.clone()),
            status: Some(status),
            percent,
            ..Record::new(on, "张三", &item)
        };
        r.apply(&Edit::AddRecord { record }, "张三", t).unwrap();
        Plan::from_doc(&r.doc)
    };
    // Being rectified at 80%: in progress, not done.
    let plan = record(RecordStatus::Rectifying, Some(80.0), day(7, 1), NOW);
    let p = package_progress(&plan, &package.id, day(7, 2));
    assert_eq!(p.percent, Some(80.0));
    assert!(!p.is_done());
    // Accepted: done.
    let plan = record(RecordStatus::Accepted, None, day(7, 3), NOW + 10);
    let p = package_progress(&plan, &package.id, day(7, 4));
    assert_eq!(p.percent, Some(100.0));
    assert!(p.is_done());
    assert!(RecordStatus::Accepted.is_done() && RecordStatus::Done.is_done());
    assert!(!RecordStatus::Rectifying.is_done());
    // A site reported accepted as a whole is done too.
    let record = Record {
        site: Some(package.site.clone()),
        status: Some(RecordStatus::Accepted),
        ..Record::new(day(7, 5), "张三", &package.item)
    };
    r.apply(&Edit::AddRecord { record }, "张三", NOW + 20)
        .unwrap();
    let plan = Plan::from_doc(&r.doc);
    let p = site_progress(&plan, &package.item, &package.site, day(7, 6));
    assert_eq!(p.percent, Some(100.0));
}
