use chrono::NaiveDate;

use super::*;
use crate::generate::{plan, Shape};
use crate::model::Plan;
use crate::seed;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn a_summary_holds_the_overviews_figures_of_the_plan() {
    let p = Plan::from_doc(&seed::xixing_2021());
    let as_of = day(2021, 6, 30);
    let s = Summary::of(&p, as_of);
    let o = overview(&p, as_of);
    assert_eq!(s.plan, seed::PLAN_ID);
    assert_eq!(s.title, p.meta.as_ref().unwrap().title);
    assert_eq!((s.overdue, s.at_risk), (o.overdue, o.at_risk));
    assert!(
        s.overdue + s.at_risk > 0,
        "the counts are not trivially zero"
    );
    assert_eq!(s.progress, o.plan);
    assert_eq!(s.categories.len(), 6);
    for (c, (id, progress)) in s.categories.iter().zip(&o.categories) {
        assert_eq!(&c.id, id);
        assert_eq!(&c.progress, progress);
        assert_eq!(c.items, p.items_of(id).count());
        assert_eq!(Some(&c.name), p.category(id).map(|x| &x.name));
    }
    assert_eq!(s.categories.iter().map(|c| c.items).sum::<usize>(), 17);
    // The newest records, newest first, with their items' numbers.
    assert!(s.has_records);
    assert_eq!(s.latest.len(), LATEST);
    let newest: Vec<&str> = p
        .records
        .iter()
        .rev()
        .take(LATEST)
        .map(|r| r.record.item.as_str())
        .collect();
    let listed: Vec<&str> = s.latest.iter().map(|l| l.item.as_str()).collect();
    assert_eq!(listed, newest);
    for l in &s.latest {
        assert_eq!(l.number, p.display_number(p.item(&l.item).unwrap()));
        assert!(l.note.chars().count() <= NOTE_CHARS);
    }
}

#[test]
fn a_summary_reads_back_as_written_and_stays_small() {
    let s = Summary::of(&Plan::from_doc(&seed::xixing_2021()), day(2021, 6, 30));
    let text = s.to_text();
    assert_eq!(Summary::from_text(&text, seed::PLAN_ID), Ok(s));
    assert!(text.len() < 4096, "{} bytes", text.len());
    // A plan of a thousand items with ten records each: the summary does not grow with
    // the items, only with the categories.
    let big = Plan::from_doc(&plan(&Shape {
        items: 1000,
        records_per_item: 10,
        devices: 5,
        seed: 1,
    }));
    let text = Summary::of(&big, day(2021, 6, 30)).to_text();
    assert!(text.len() < 16 * 1024, "{} bytes", text.len());
}

#[test]
fn a_damaged_or_foreign_summary_is_refused_by_name() {
    let s = Summary::of(&Plan::from_doc(&seed::xixing_2021()), day(2021, 6, 30));
    let text = s.to_text();
    assert!(matches!(
        Summary::from_text(&text[..text.len() / 2], seed::PLAN_ID),
        Err(SummaryError::Damaged(_))
    ));
    assert!(matches!(
        Summary::from_text("{\"plan\":1}", seed::PLAN_ID),
        Err(SummaryError::Damaged(_))
    ));
    let unknown = text.replacen('{', "{\"extra\":1,", 1);
    assert!(matches!(
        Summary::from_text(&unknown, seed::PLAN_ID),
        Err(SummaryError::Damaged(_))
    ));
    assert_eq!(
        Summary::from_text(&text, "other-plan"),
        Err(SummaryError::OtherPlan {
            expected: "other-plan".into(),
            found: seed::PLAN_ID.into()
        })
    );
}

#[test]
fn an_empty_plan_summarises_to_nothing_known() {
    let p = Plan::from_doc(&crate::doc::Doc::new("empty"));
    let s = Summary::of(&p, day(2021, 6, 30));
    assert_eq!(s.title, "empty");
    assert!(s.categories.is_empty() && s.latest.is_empty() && !s.has_records);
    assert_eq!(s.progress.percent, None);
}

#[test]
fn today_is_the_plans_day_before_the_plan_is_read() {
    let p = Plan::from_doc(&seed::xixing_2021());
    let s = Summary::of(&p, day(2021, 6, 30));
    // 2021-06-30 20:00 UTC is 1 July in China.
    let ms = chrono::NaiveDate::from_ymd_opt(2021, 6, 30)
        .unwrap()
        .and_hms_opt(20, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    assert_eq!(s.local_date(ms), p.local_date(ms));
    assert_eq!(s.local_date(ms), day(2021, 7, 1));
}
