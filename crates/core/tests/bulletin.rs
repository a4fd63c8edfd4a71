//! The supervision bulletin (督查通报) of the built-in plan: counts that add up to the
//! table's rows and agree with its schedules, and an annex of the items behind schedule
//! with their 存在问题 and 下步措施, or their latest note.

use chrono::NaiveDate;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::{Plan, Record};
use jindu_core::progress::Schedule;
use jindu_core::report::{build_as_of, bulletin, Period, ReportError};
use jindu_core::seed;

/// After every built-in record's stamp (noon of its day), so ours are the latest of a day.
const NOW: u64 = 1_626_000_000_000;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, m, d).unwrap()
}

fn h1() -> Period {
    Period::cumulative(2021, 6).unwrap()
}

/// The built-in plan with `records` added by one tablet.
fn with_records(records: &[Record]) -> Plan {
    let mut a = Replica::new(seed::xixing_2021(), "a", Clock::default());
    for (i, r) in records.iter().enumerate() {
        a.apply(
            &Edit::AddRecord { record: r.clone() },
            "张三",
            NOW + i as u64,
        )
        .unwrap();
    }
    Plan::from_doc(&a.doc)
}

#[test]
fn counts_add_up_and_agree_with_the_table() {
    let plan = Plan::from_doc(&seed::xixing_2021());
    for as_of in [day(6, 30), day(6, 10), day(3, 31)] {
        let b = bulletin(&plan, &h1(), as_of).unwrap();
        let table = build_as_of(&plan, &h1(), as_of).unwrap();
        assert_eq!(b.counts.total(), plan.items.len(), "as of {as_of}");
        assert_eq!(b.counts.total(), table.rows.len());
        let count = |s: Schedule| table.rows.iter().filter(|r| r.schedule == s).count();
        assert_eq!(b.counts.done, count(Schedule::Done));
        assert_eq!(b.counts.on_schedule, count(Schedule::OnTrack));
        assert_eq!(b.counts.behind, count(Schedule::AtRisk));
        assert_eq!(b.counts.overdue, count(Schedule::Overdue));
        // The annex is exactly the rows behind or overdue, in table order.
        let behind: Vec<&str> = table
            .rows
            .iter()
            .filter(|r| matches!(r.schedule, Schedule::AtRisk | Schedule::Overdue))
            .map(|r| r.item.as_str())
            .collect();
        let annex: Vec<&str> = b.annex.iter().map(|e| e.item.as_str()).collect();
        assert_eq!(annex, behind, "as of {as_of}");
        assert_eq!(annex.len(), b.counts.behind + b.counts.overdue);
        let s = b.summary();
        assert!(s.contains(&format!("共{}个项目", plan.items.len())), "{s}");
        assert!(s.contains(&format!("慢序时{}个", b.counts.behind)), "{s}");
    }
}

#[test]
fn the_built_in_plan_has_items_behind_at_mid_year() {
    let plan = Plan::from_doc(&seed::xixing_2021());
    let b = bulletin(&plan, &h1(), day(6, 30)).unwrap();
    assert!(!b.annex.is_empty(), "{:?}", b.counts);
    for e in &b.annex {
        let item = plan.item(&e.item).unwrap();
        assert_eq!(e.content, item.content);
        assert_eq!(e.number, plan.display_number(item));
        assert_eq!(e.departments, item.departments.join("、"));
    }
}

#[test]
fn the_annex_gives_the_records_problem_and_next_step_else_the_note() {
    let base = Plan::from_doc(&seed::xixing_2021());
    let before = bulletin(&base, &h1(), day(6, 30)).unwrap();
    assert!(before.annex.len() >= 2, "{:?}", before.counts);
    let (first, second) = (&before.annex[0].item, &before.annex[1].item);
    let reasons = Record {
        note: "推进中".into(),
        problem: "因中高考管控，施工推后".into(),
        next_step: "6月20日左右启动招投标".into(),
        ..Record::new(day(6, 18), "张三", first)
    };
    // A later record of the same item with words only: the fields still come from the
    // latest record that wrote them.
    let later = Record {
        note: "已进场".into(),
        ..Record::new(day(6, 25), "张三", first)
    };
    let note_only = Record {
        note: "方案已报区里审核，等待批复".into(),
        ..Record::new(day(6, 30), "张三", second)
    };
    // Outside the period: never read.
    let after = Record {
        problem: "七月的问题".into(),
        ..Record::new(day(7, 5), "张三", second)
    };
    let plan = with_records(&[reasons, later, note_only, after]);
    let b = bulletin(&plan, &h1(), day(6, 30)).unwrap();
    let entry = |id: &str| b.annex.iter().find(|e| e.item == id).unwrap();
    let c = &entry(first).concern;
    assert_eq!(c.problem, "因中高考管控，施工推后");
    assert_eq!(c.next_step, "6月20日左右启动招投标");
    assert!(!c.from_note);
    let c = &entry(second).concern;
    assert_eq!(c.problem, "方案已报区里审核，等待批复");
    assert_eq!(c.next_step, "");
    assert!(c.from_note);
    // As of a day before the record of reasons, it is not yet in the bulletin.
    let early = bulletin(&plan, &h1(), day(6, 17)).unwrap();
    if let Some(e) = early.annex.iter().find(|e| e.item == *first) {
        assert_ne!(e.concern.problem, "因中高考管控，施工推后");
    }
    // Round-trips as JSON, which the exchange worker receives.
    let json = serde_json::to_string(&b).unwrap();
    assert_eq!(
        serde_json::from_str::<jindu_core::report::Bulletin>(&json).unwrap(),
        b
    );
}

#[test]
fn bad_periods_are_refused() {
    let plan = Plan::from_doc(&seed::xixing_2021());
    let backwards = Period {
        start: day(6, 30),
        end: day(1, 1),
        label: "x".into(),
    };
    assert!(matches!(
        bulletin(&plan, &backwards, day(6, 30)),
        Err(ReportError::EndsBeforeStart { .. })
    ));
    assert!(matches!(
        bulletin(&plan, &Period::month(2021, 6).unwrap(), day(5, 1)),
        Err(ReportError::AsOfBeforeStart { .. })
    ));
    assert!(matches!(
        bulletin(&Plan::default(), &h1(), day(6, 30)),
        Err(ReportError::EmptyPlan)
    ));
}
