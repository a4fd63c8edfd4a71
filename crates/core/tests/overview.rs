//! The overview's figures, read in one pass over the items, are those of the functions
//! that read one item, category or plan at a time.

use chrono::NaiveDate;
use jindu_core::generate::{plan, Shape};
use jindu_core::model::Plan;
use jindu_core::progress::{category_progress, item_schedule, overview, plan_progress, Schedule};
use jindu_core::seed;

fn check(p: &Plan, as_of: NaiveDate) {
    let o = overview(p, as_of);
    assert_eq!(o.plan, plan_progress(p, as_of), "plan as of {as_of}");
    let ids: Vec<&str> = o.categories.iter().map(|(id, _)| id.as_str()).collect();
    let expected: Vec<&str> = p.categories.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, expected);
    for (id, progress) in &o.categories {
        assert_eq!(
            *progress,
            category_progress(p, id, as_of),
            "{id} as of {as_of}"
        );
    }
    let count = |s: Schedule| {
        p.items
            .iter()
            .filter(|i| item_schedule(p, i, as_of) == s)
            .count()
    };
    assert_eq!(
        (o.overdue, o.at_risk),
        (count(Schedule::Overdue), count(Schedule::AtRisk)),
        "as of {as_of}"
    );
}

#[test]
fn the_overview_agrees_with_the_per_item_figures() {
    let built_in = Plan::from_doc(&seed::xixing_2021());
    let generated = Plan::from_doc(&plan(&Shape {
        items: 120,
        records_per_item: 6,
        devices: 5,
        seed: 3,
    }));
    for (y, m, d) in [(2021, 3, 31), (2021, 6, 30), (2021, 9, 15), (2021, 12, 31)] {
        let as_of = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        check(&built_in, as_of);
        check(&generated, as_of);
    }
    // The built-in plan as of 30 June has items overdue and at risk: the counts are not
    // trivially zero.
    let o = overview(&built_in, NaiveDate::from_ymd_opt(2021, 6, 30).unwrap());
    assert!(o.overdue + o.at_risk > 0, "{o:?}");
}
