//! A record's evidence and reasons — photos by hash, a location, the capture time,
//! 存在问题, 下步措施, 预计完成 — and the statuses 整改中 and 已验收: they round-trip,
//! merge, read from earlier documents, are checked, and count as stated.

use chrono::NaiveDate;
use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::{
    distance_m, DateSpec, Location, Photo, Plan, Precision, Record, RecordStatus,
};
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

fn photo(seed: char) -> Photo {
    Photo {
        photo: seed.to_string().repeat(64),
        thumb: format!("{}{}", seed.to_string().repeat(63), 'f'),
        width: 1600,
        height: 1200,
        bytes: 412_345,
    }
}

#[test]
fn photos_location_and_capture_time_round_trip_merge_and_migrate() {
    let base = seed::xixing_2021();
    let plan = Plan::from_doc(&base);
    let item = plan.items[0].id.clone();
    let record = Record {
        note: "硬装已验收".into(),
        photos: vec![photo('a'), photo('b')],
        location: Some(Location {
            lat: 30.2112,
            lon: 120.2034,
            accuracy: 12.5,
            at: 1_623_747_600_000,
        }),
        captured: Some(1_623_747_612_345),
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
    let body = a.doc.records[&id][0].body.json().to_owned();
    for key in [
        r#""ph":[{"#,
        r#""loc":{"#,
        r#""cap":1623747612345"#,
        r#""acc":12.5"#,
    ] {
        assert!(body.contains(key), "{key} in {body}");
    }
    for doc in [
        Doc::from_json(&a.doc.to_json()).unwrap(),
        Doc::from_binary(&a.doc.to_binary()).unwrap(),
    ] {
        let view = Plan::from_doc(&doc);
        assert_eq!(
            view.records.iter().find(|r| r.id == id).unwrap().record,
            record
        );
    }
    // Merged into another tablet's copy, and a correction there that drops a photo is a
    // new version: the first version keeps both hashes.
    let mut b = Replica::new(base, "b", Clock::default());
    b.merge_remote(&a.doc, NOW).unwrap();
    let corrected = Record {
        photos: vec![photo('b')],
        ..record.clone()
    };
    b.apply(
        &Edit::CorrectRecord {
            id: id.clone(),
            record: corrected,
        },
        "李四",
        NOW + 5,
    )
    .unwrap();
    a.merge_remote(&b.doc, NOW + 6).unwrap();
    let view = Plan::from_doc(&a.doc);
    let now = view.records.iter().find(|r| r.id == id).unwrap();
    assert_eq!(now.record.photos, vec![photo('b')]);
    assert!(a.doc.records[&id][0].body.json().contains(&"a".repeat(64)));
    // A format 2 document (before photos) reads, and writes back as format 3.
    let v2 = a.doc.to_json();
    let v2 = String::from_utf8(v2)
        .unwrap()
        .replacen("\"format\":3", "\"format\":2", 1);
    let old = Doc::from_json(v2.as_bytes()).unwrap();
    assert_eq!(old.format, 3);
    assert_eq!(Plan::from_doc(&old).records.len(), view.records.len());
}

#[test]
fn bad_photos_and_places_are_refused_by_name() {
    let base = seed::xixing_2021();
    let plan = Plan::from_doc(&base);
    let item = plan.items[0].id.clone();
    let mut a = Replica::new(base, "a", Clock::default());
    let mut bad_hash = photo('a');
    bad_hash.photo = "A".repeat(64);
    let mut empty = photo('c');
    empty.bytes = 0;
    let cases = [
        (vec![bad_hash], None, "64 lowercase hex"),
        (vec![empty], None, "0 bytes"),
        (
            (0..51).map(|_| photo('d')).collect(),
            None,
            "at most 50 photos",
        ),
        (
            vec![],
            Some(Location {
                lat: 91.0,
                lon: 120.0,
                accuracy: 5.0,
                at: 0,
            }),
            "not a place on the globe",
        ),
    ];
    for (photos, location, words) in cases {
        let record = Record {
            photos,
            location,
            ..Record::new(day(6, 15), "张三", &item)
        };
        let err = a
            .apply(&Edit::AddRecord { record }, "张三", NOW)
            .unwrap_err()
            .to_string();
        assert!(err.contains(words), "{err} should say {words}");
    }
    // Nothing was added by a refused record.
    assert_eq!(Plan::from_doc(&a.doc).records.len(), plan.records.len());
}

#[test]
fn a_site_given_coordinates_tells_a_record_its_distance() {
    let base = seed::xixing_2021();
    let plan = Plan::from_doc(&base);
    let site = plan.sites[0].id.clone();
    let mut a = Replica::new(base, "a", Clock::default());
    let fields = serde_json::json!({"lat": 30.2, "lon": 120.2})
        .as_object()
        .unwrap()
        .clone();
    a.apply(
        &Edit::Set {
            entity: site.clone(),
            fields,
        },
        "西兴街道",
        NOW,
    )
    .unwrap();
    let view = Plan::from_doc(&a.doc);
    let (lat, lon) = view.site(&site).unwrap().position().unwrap();
    assert_eq!((lat, lon), (30.2, 120.2));
    let d = distance_m(lat, lon, 30.2, 120.21);
    assert!((d - 961.0).abs() < 5.0, "{d}");
    // A latitude past the pole is refused, and the stored one stays.
    let fields = serde_json::json!({"lat": 95.0})
        .as_object()
        .unwrap()
        .clone();
    let err = a
        .apply(
            &Edit::Set {
                entity: site.clone(),
                fields,
            },
            "西兴街道",
            NOW + 1,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a latitude"), "{err}");
    assert_eq!(Plan::from_doc(&a.doc).site(&site).unwrap().lat, Some(30.2));
}
