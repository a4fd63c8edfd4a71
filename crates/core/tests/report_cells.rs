//! How a 完成情况 cell is composed from records: a plan recorded in figures only keeps
//! every generated line; a narrative covers what was recorded before it, and what is
//! recorded after it follows it; milestones are told from records, never from dates.

use chrono::NaiveDate;
use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::{Record, RecordStatus};
use jindu_core::report::{build, build_as_of, Period};
use jindu_core::{seed, Plan};
use serde_json::{json, Value};

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, m, day).unwrap()
}

fn noon(on: NaiveDate) -> u64 {
    on.and_hms_opt(4, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis() as u64
}

fn set(r: &mut Replica, id: &str, v: Value) {
    let Value::Object(fields) = v else {
        panic!("fields")
    };
    r.apply(
        &Edit::Set {
            entity: id.into(),
            fields,
        },
        "test",
        noon(d(1, 1)),
    )
    .unwrap_or_else(|e| panic!("{id}: {e}"));
}

fn add(r: &mut Replica, on: NaiveDate, f: impl FnOnce(&mut Record)) {
    let mut rec = Record::new(on, "test", "item-1");
    f(&mut rec);
    r.apply(&Edit::AddRecord { record: rec }, "test", noon(on))
        .unwrap();
}

/// One item with every kind of part: a target with stages, a recurring target, a site
/// with a percentage package and a status package, and two milestones.
fn fixture() -> Replica {
    let mut r = Replica::new(Doc::new("fixture"), "dev", Clock::default());
    set(
        &mut r,
        "plan",
        json!({"title": "测试计划", "year": 2021, "start": "2021-01-01", "end": "2021-12-31"}),
    );
    set(&mut r, "cat-1", json!({"name": "类别", "order": 1}));
    set(
        &mut r,
        "item-1",
        json!({"category": "cat-1", "order": 1, "content": "改造公厕3处", "departments": ["办"]}),
    );
    set(
        &mut r,
        "tgt-1",
        json!({"item": "item-1", "order": 1, "name": "公厕", "quantity": 3, "unit": "处"}),
    );
    set(
        &mut r,
        "stg-1",
        json!({"target": "tgt-1", "order": 1, "name": "开工", "completes": false}),
    );
    set(
        &mut r,
        "stg-2",
        json!({"target": "tgt-1", "order": 2, "name": "完成", "completes": true}),
    );
    set(
        &mut r,
        "tgt-2",
        json!({"item": "item-1", "order": 2, "name": "活动", "quantity": 2, "unit": "场",
               "recurring": {"per_month": 2, "from": "2021-01-01", "until": "2021-12-31"}}),
    );
    set(&mut r, "site-a", json!({"name": "白鹤苑"}));
    set(
        &mut r,
        "loc-1-a",
        json!({"item": "item-1", "site": "site-a", "order": 1}),
    );
    set(
        &mut r,
        "wp-1",
        json!({"item": "item-1", "site": "site-a", "order": 1, "label": "(1)", "name": "屋面"}),
    );
    set(
        &mut r,
        "wp-2",
        json!({"item": "item-1", "site": "site-a", "order": 2, "label": "(2)", "name": "联审",
               "measure": "status"}),
    );
    set(
        &mut r,
        "ms-1",
        json!({"item": "item-1", "order": 1, "text": "5月完成设计",
               "due": {"text": "5月", "date": "2021-05-31", "precision": "month"}}),
    );
    set(
        &mut r,
        "ms-2",
        json!({"item": "item-1", "order": 2, "text": "6月完成招标",
               "due": {"text": "6月", "date": "2021-06-30", "precision": "month"}}),
    );
    set(
        &mut r,
        "ms-3",
        json!({"item": "item-1", "order": 3, "text": "9月完成验收",
               "due": {"text": "9月", "date": "2021-09-30", "precision": "month"}}),
    );
    r
}

fn figures_only(r: &mut Replica) {
    let on = d(6, 10);
    add(r, on, |x| {
        x.target = Some("tgt-1".into());
        x.stage = Some("stg-1".into());
        x.figure = Some(2.0);
    });
    add(r, on, |x| {
        x.target = Some("tgt-1".into());
        x.stage = Some("stg-2".into());
        x.figure = Some(1.0);
    });
    add(r, on, |x| {
        x.target = Some("tgt-2".into());
        x.figure = Some(12.0);
    });
    add(r, on, |x| {
        x.site = Some("site-a".into());
        x.percent = Some(40.0);
    });
    add(r, on, |x| {
        x.site = Some("site-a".into());
        x.package = Some("wp-1".into());
        x.percent = Some(50.0);
    });
    add(r, on, |x| {
        x.site = Some("site-a".into());
        x.package = Some("wp-2".into());
        x.status = Some(RecordStatus::Done);
    });
    add(r, on, |x| {
        x.milestone = Some("ms-1".into());
        x.status = Some(RecordStatus::Done);
    });
    add(r, on, |x| {
        x.milestone = Some("ms-2".into());
        x.status = Some(RecordStatus::InProgress);
    });
}

fn cell(r: &Replica, period: &Period, as_of: NaiveDate) -> String {
    let plan = Plan::from_doc(&r.doc);
    build_as_of(&plan, period, as_of).unwrap().rows[0]
        .status
        .clone()
}

#[test]
fn a_plan_recorded_in_figures_only_keeps_every_generated_line() {
    let mut r = fixture();
    figures_only(&mut r);
    let h1 = Period::cumulative(2021, 6).unwrap();
    let lines = [
        "公厕：开工2处，完成1/3处（33.3%）",
        "活动：累计12场（每月不少于2场）",
        "白鹤苑完成40%：(1)屋面50%；(2)联审已完成",
        "已完成节点：5月完成设计",
    ];
    // On 20 June the tender (due 30 June) is under way: told by its status.
    let june = cell(&r, &h1, d(6, 20));
    let want: Vec<&str> = lines
        .iter()
        .copied()
        .chain(["6月完成招标：进行中"])
        .collect();
    assert_eq!(june.lines().collect::<Vec<_>>(), want, "{june}");
    // Once its date has passed unmet, it is told as missed; 9月完成验收 has no record
    // and is not told at all.
    let later = cell(&r, &Period::cumulative(2021, 7).unwrap(), d(7, 31));
    let want: Vec<&str> = lines
        .iter()
        .copied()
        .chain(["逾期节点：6月完成招标"])
        .collect();
    assert_eq!(later.lines().collect::<Vec<_>>(), want, "{later}");
    assert!(!later.contains("9月完成验收"));
}

#[test]
fn a_narrative_covers_what_was_recorded_before_it_and_is_followed_by_what_came_after() {
    let mut r = fixture();
    figures_only(&mut r);
    let narrative = "公厕完成1座,开工建设2座;白鹤苑完成40%。";
    add(&mut r, d(6, 12), |x| {
        x.status = Some(RecordStatus::InProgress);
        x.note = narrative.into();
    });
    let h1 = Period::cumulative(2021, 6).unwrap();
    assert_eq!(cell(&r, &h1, d(6, 30)), narrative);
    // A figure recorded after the narrative adds its generated line.
    add(&mut r, d(6, 20), |x| {
        x.target = Some("tgt-1".into());
        x.stage = Some("stg-2".into());
        x.figure = Some(2.0);
    });
    assert_eq!(
        cell(&r, &h1, d(6, 30)),
        format!("{narrative}\n公厕：完成2/3处（66.7%）")
    );
    // A part with words is told in them, less what the cell already says.
    add(&mut r, d(6, 25), |x| {
        x.site = Some("site-a".into());
        x.package = Some("wp-1".into());
        x.percent = Some(80.0);
        x.note = "白鹤苑完成40%。屋面完成80%".into();
    });
    assert_eq!(
        cell(&r, &h1, d(6, 30)),
        format!("{narrative}\n公厕：完成2/3处（66.7%）\n屋面完成80%")
    );
    // Drawn up before those later records, the table leaves them out.
    assert_eq!(cell(&r, &h1, d(6, 15)), narrative);
}

#[test]
fn a_figure_recorded_after_the_built_in_plans_narrative_adds_its_line() {
    let mut replica = Replica::new(seed::xixing_2021(), "tablet", Clock::default());
    let plan = Plan::from_doc(&replica.doc);
    let before = build(&plan, &Period::cumulative(2021, 7).unwrap()).unwrap();
    let lifts = |r: &jindu_core::report::Report| {
        r.rows
            .iter()
            .find(|x| x.item == "item-4-2")
            .unwrap()
            .status
            .clone()
    };
    let mut rec = Record::new(d(7, 20), "巡查员", "item-4-2");
    rec.target = Some("tgt-4-2-1".into());
    rec.stage = Some("stg-4-2-1-2".into());
    rec.figure = Some(30.0);
    replica
        .apply(&Edit::AddRecord { record: rec }, "巡查员", noon(d(7, 20)))
        .unwrap();
    let after = build(
        &Plan::from_doc(&replica.doc),
        &Period::cumulative(2021, 7).unwrap(),
    )
    .unwrap();
    assert_eq!(
        lifts(&after),
        format!("{}\n加装电梯：吊装完成30/200台（15%）", lifts(&before))
    );
}
