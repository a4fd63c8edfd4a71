//! The evidence annex in the workbook: the period's photos, in the table's order, as a
//! `照片` sheet with the thumbnails embedded (read back from `xl/media`) and captions.

use std::io::{Cursor, Read};

use calamine::{open_workbook_from_rs, Reader, Xlsx};
use chrono::NaiveDate;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::{Location, Photo, Plan, Record};
use jindu_core::report::evidence::annex;
use jindu_core::report::{build, Period};
use jindu_core::seed;
use jindu_exchange::report_xlsx_with_photos;

const THUMB_A: &[u8] = include_bytes!("data/thumb-a.jpg");
const THUMB_B: &[u8] = include_bytes!("data/thumb-b.jpg");

fn hex_of(seed: u8) -> String {
    format!("{seed:02x}").repeat(32)
}

fn photo(seed: u8) -> Photo {
    Photo {
        photo: hex_of(seed),
        thumb: hex_of(seed + 1),
        width: 1600,
        height: 1200,
        bytes: 300_000,
    }
}

#[test]
fn the_workbook_carries_the_periods_photos_with_captions() {
    let mut r = Replica::new(seed::xixing_2021(), "tab", Clock::default());
    let plan = Plan::from_doc(&r.doc);
    let item = plan
        .items
        .iter()
        .find(|i| plan.display_number(i) == "4.1")
        .unwrap();
    let site = plan.sites_of(&item.id).next().unwrap().site.clone();
    let day = |m, d| NaiveDate::from_ymd_opt(2021, m, d).unwrap();
    let with_photos = Record {
        site: Some(site.clone()),
        photos: vec![photo(0x10), photo(0x20)],
        location: Some(Location {
            lat: 30.2101,
            lon: 120.2102,
            accuracy: 8.0,
            at: 0,
        }),
        ..Record::new(day(7, 15), "张检查", &item.id)
    };
    r.apply(
        &Edit::AddRecord {
            record: with_photos,
        },
        "张检查",
        1_626_000_000_000,
    )
    .unwrap();
    // A photo observed after the period is not in its annex.
    let later = Record {
        photos: vec![photo(0x30)],
        ..Record::new(day(8, 2), "张检查", &item.id)
    };
    r.apply(
        &Edit::AddRecord { record: later },
        "张检查",
        1_627_000_000_000,
    )
    .unwrap();
    let plan = Plan::from_doc(&r.doc);
    let period = Period::cumulative(2021, 7).unwrap();
    let photos = annex(&plan, &period, period.end);
    assert_eq!(photos.len(), 2);
    let site_name = plan.site(&site).unwrap().name.clone();
    assert_eq!(
        photos[0].caption(),
        format!("4.1 {site_name} · 2021-07-15 · 张检查 · 30.21010, 120.21020 ±8 米")
    );
    let report = build(&plan, &period).unwrap();
    let with_bytes: Vec<_> = photos
        .into_iter()
        .zip([THUMB_A, THUMB_B])
        .map(|(p, b)| (p, b.to_vec()))
        .collect();
    let bytes = report_xlsx_with_photos(&report, &r.doc, &with_bytes).unwrap();

    // The sheet and its captions, read back.
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(book.sheet_names().last().unwrap(), "照片");
    let sheet = book.worksheet_range("照片").unwrap();
    assert_eq!(sheet.get_value((0, 0)).unwrap().to_string(), "照片");
    for row in 1..=2u32 {
        assert_eq!(sheet.get_value((row, 1)).unwrap().to_string(), "4.1");
        assert_eq!(sheet.get_value((row, 3)).unwrap().to_string(), site_name);
        assert_eq!(sheet.get_value((row, 4)).unwrap().to_string(), "2021-07-15");
        assert_eq!(sheet.get_value((row, 5)).unwrap().to_string(), "张检查");
    }
    // The thumbnails themselves, byte for byte, in xl/media.
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut media: Vec<Vec<u8>> = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        if f.name().unwrap().starts_with("xl/media/") {
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            media.push(b);
        }
    }
    media.sort();
    let mut expected = vec![THUMB_A.to_vec(), THUMB_B.to_vec()];
    expected.sort();
    assert_eq!(media, expected);
}

#[test]
fn a_workbook_without_photos_has_no_photo_sheet() {
    let doc = seed::xixing_2021();
    let plan = Plan::from_doc(&doc);
    let period = Period::cumulative(2021, 6).unwrap();
    assert!(annex(&plan, &period, period.end).is_empty());
    let report = build(&plan, &period).unwrap();
    let bytes = report_xlsx_with_photos(&report, &doc, &[]).unwrap();
    let book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert!(!book.sheet_names().iter().any(|n| n == "照片"));
}
