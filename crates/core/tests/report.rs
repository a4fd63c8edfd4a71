//! The progress table for the built-in plan: its January–June cells as the office wrote
//! them, composed from the plan's records; periods and headings; department cells.

use chrono::NaiveDate;
use jindu_core::model::Plan;
use jindu_core::progress::Schedule;
use jindu_core::report::{build, build_as_of, parse_csv, Period, ReportError};
use jindu_core::seed;

const SEED: &str = include_str!("data/xixing-2021-livelihood-plan-h1.txt");

/// Each item's progress cell in the seed: the text after its content up to the next
/// item's content, without department lines, category headings and bare numbers.
fn seed_cells(plan: &Plan) -> Vec<(String, String)> {
    let mut at: Vec<(usize, usize, String)> = plan
        .items
        .iter()
        .map(|i| {
            let start = SEED
                .find(&i.content)
                .unwrap_or_else(|| panic!("{} not in the seed", i.content));
            (start, start + i.content.len(), i.id.clone())
        })
        .collect();
    at.sort();
    let mut out = Vec::new();
    for (k, (_, end, id)) in at.iter().enumerate() {
        let next = at.get(k + 1).map_or(SEED.len(), |n| n.0);
        let cell: Vec<&str> = SEED[*end..next]
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .filter(|l| !l.chars().all(|c| c.is_ascii_digit() || c == '.'))
            .filter(|l| !plan.categories.iter().any(|c| c.name == *l))
            .filter(|l| !(l.contains('办') && l.chars().count() < 40 && !l.contains('完')))
            .filter(|l| {
                !l.starts_with(|c: char| c.is_ascii_digit())
                    || l.contains('月') && !l.ends_with('；')
            })
            .collect();
        out.push((id.clone(), cell.join("\n")));
    }
    out
}

fn seed_plan() -> Plan {
    Plan::from_doc(&seed::xixing_2021())
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The sentences of a cell, split as a reader would (full stops, semicolons, line ends),
/// without whitespace and end punctuation. Written here, apart from the code under test.
fn sentences(cell: &str) -> Vec<String> {
    cell.split(['。', '；', ';', '\n', '！', '？'])
        .map(|s| {
            squeeze(s)
                .trim_matches(|c: char| "，,、：:.".contains(c))
                .to_owned()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn every_january_june_cell_is_the_seeds_own_text() {
    let plan = seed_plan();
    let period = Period::months(2021, 1, 6).unwrap();
    let report = build(&plan, &period).unwrap();
    assert_eq!(report.rows.len(), 17);
    assert_eq!(report.headings()[4], "1-6月完成情况");
    let cells = seed_cells(&plan);
    assert_eq!(cells.len(), 17);
    for (item, cell) in cells {
        assert!(!cell.is_empty(), "{item} has a cell in the seed");
        let row = report.rows.iter().find(|r| r.item == item).unwrap();
        assert_eq!(
            squeeze(&row.status),
            squeeze(&cell),
            "{item} composed:\n{}\nthe seed:\n{cell}",
            row.status
        );
    }
}

#[test]
fn no_row_says_a_sentence_twice_in_any_cumulative_period() {
    let plan = seed_plan();
    for n in 1..=12 {
        let report = build(&plan, &Period::cumulative(2021, n).unwrap()).unwrap();
        for row in &report.rows {
            let said = sentences(&row.status);
            for (i, s) in said.iter().enumerate() {
                assert!(
                    !said[..i].contains(s),
                    "1-{n}月, {}: '{s}' twice in\n{}",
                    row.item,
                    row.status
                );
            }
            assert!(
                !row.status.contains("逾期节点"),
                "1-{n}月, {}: a milestone without a record is not told missed:\n{}",
                row.item,
                row.status
            );
        }
    }
}

#[test]
fn cumulative_periods_quarters_and_as_of_dates_are_headed_as_the_office_heads_them() {
    let plan = seed_plan();
    let nine = Period::cumulative(2021, 9).unwrap();
    assert_eq!(
        (nine.start, nine.end),
        (
            NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(2021, 9, 30).unwrap()
        )
    );
    let report = build(&plan, &nine).unwrap();
    assert_eq!(report.headings()[4], "1-9月完成情况");
    let q3 = build(&plan, &Period::quarter(2021, 3).unwrap()).unwrap();
    assert_eq!(q3.headings()[4], "第三季度完成情况");
    assert_eq!(
        build(&plan, &Period::month(2021, 3).unwrap())
            .unwrap()
            .headings()[4],
        "3月完成情况"
    );
    // Drawn up on 15 June, as the seed's text was: the heading says so, and records
    // observed after that day are left out.
    let h1 = Period::months(2021, 1, 6).unwrap();
    let jun15 = NaiveDate::from_ymd_opt(2021, 6, 15).unwrap();
    let early = build_as_of(&plan, &h1, jun15).unwrap();
    assert_eq!(early.headings()[4], "1-6月完成情况（截至2021年6月15日）");
    let chargers = early.rows.iter().find(|r| r.item == "item-5-1").unwrap();
    assert!(
        chargers.status.contains("截至6月15日"),
        "{}",
        chargers.status
    );
    let lifts = early.rows.iter().find(|r| r.item == "item-4-2").unwrap();
    assert_eq!(lifts.status, jindu_core::report::NOTHING_RECORDED);
    let range = Period::range(
        NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
        NaiveDate::from_ymd_opt(2021, 4, 15).unwrap(),
    )
    .unwrap();
    assert_eq!(range.status_heading(range.end), "3月1日至4月15日完成情况");
}

#[test]
fn bad_periods_and_an_empty_plan_are_refused_with_a_reason() {
    let (a, b) = (
        NaiveDate::from_ymd_opt(2021, 5, 1).unwrap(),
        NaiveDate::from_ymd_opt(2021, 4, 1).unwrap(),
    );
    let e = Period::range(a, b).unwrap_err();
    assert_eq!(e, ReportError::EndsBeforeStart { start: a, end: b });
    assert!(e.to_string().contains("before it starts"), "{e}");
    assert!(matches!(
        Period::months(2021, 7, 3),
        Err(ReportError::EndsBeforeStart { .. })
    ));
    assert_eq!(
        Period::cumulative(2021, 13),
        Err(ReportError::NoSuchMonth {
            year: 2021,
            month: 13
        })
    );
    assert_eq!(Period::quarter(2021, 5), Err(ReportError::NoSuchQuarter(5)));
    let empty = Plan::from_doc(&jindu_core::Doc::new("empty"));
    assert_eq!(
        build(&empty, &Period::cumulative(2021, 6).unwrap()),
        Err(ReportError::EmptyPlan)
    );
    let h1 = Period::cumulative(2021, 6).unwrap();
    assert!(matches!(
        build_as_of(
            &seed_plan(),
            &h1,
            NaiveDate::from_ymd_opt(2020, 12, 1).unwrap()
        ),
        Err(ReportError::AsOfBeforeStart { .. })
    ));
}

#[test]
fn department_cells_are_merged_where_the_seed_merges_them() {
    let plan = seed_plan();
    let shared: Vec<String> = plan
        .items
        .iter()
        .filter(|i| i.departments_shared)
        .map(|i| plan.display_number(i))
        .collect();
    assert_eq!(
        shared,
        ["1.2", "1.3", "1.4", "1.5", "2.2", "2.3", "3.2", "3.3"]
    );
    let report = build(&plan, &Period::cumulative(2021, 6).unwrap()).unwrap();
    let spans: Vec<(usize, usize)> = report.department_spans();
    // 1.1–1.5, 2.1–2.3, 2.4, 3.1–3.3, then 4.1, 4.2, 5.1, 6.1, 6.2 on their own (4.1
    // and 4.2 name the same departments, but the seed gives each its cell).
    assert_eq!(
        spans,
        vec![
            (0, 5),
            (5, 3),
            (8, 1),
            (9, 3),
            (12, 1),
            (13, 1),
            (14, 1),
            (15, 1),
            (16, 1)
        ]
    );
    assert_eq!(report.rows[8].departments, "公共管理办");
}

#[test]
fn the_table_is_in_the_seeds_shape() {
    let plan = seed_plan();
    let report = build(&plan, &Period::months(2021, 1, 6).unwrap()).unwrap();
    let spans: Vec<usize> = report.category_spans().iter().map(|s| s.1).collect();
    assert_eq!(spans, vec![5, 4, 3, 2, 1, 2]);
    assert!(report.rows[0]
        .content
        .starts_with("1. 提升城市综合环境秩序"));
    assert!(
        report.rows[13].content.starts_with("加装电梯200台"),
        "category 4 is not numbered"
    );
    // At the period's end, 3.3's pilot (due end of June) is at risk, not yet overdue.
    assert_eq!(report.rows[11].schedule, Schedule::AtRisk);
}

#[test]
fn a_period_without_records_says_so_and_schedules_are_still_judged() {
    let plan = seed_plan();
    let march = build(&plan, &Period::month(2021, 3).unwrap()).unwrap();
    assert!(march.rows.iter().all(|r| r.status == "本期无记录。"));
    let q3 = build(&plan, &Period::quarter(2021, 3).unwrap()).unwrap();
    let pilot = q3.rows.iter().find(|r| r.item == "item-3-3").unwrap();
    assert_eq!(pilot.schedule, Schedule::Overdue);
    assert_eq!(pilot.status, "本期无记录。", "no record, nothing invented");
}

#[test]
fn csv_has_a_bom_round_trips_chinese_text_and_leaves_marks_out_unless_asked() {
    let plan = seed_plan();
    let report = build(&plan, &Period::months(2021, 1, 6).unwrap()).unwrap();
    assert!(report.rows.iter().any(|r| r.schedule == Schedule::AtRisk));
    let csv = report.to_csv();
    assert!(csv.starts_with("\u{feff}".as_bytes()));
    let rows = parse_csv(&csv);
    assert_eq!(rows.len(), 18);
    assert_eq!(rows[0][4], "1-6月完成情况");
    for (r, row) in rows[1..].iter().zip(&report.rows) {
        assert_eq!(r[2], row.content);
        assert_eq!(r[4], row.status, "no mark by default");
    }
    let text = String::from_utf8(csv).unwrap();
    assert!(!text.contains("【有风险】") && !text.contains("【逾期】"));
    let marked = String::from_utf8(report.clone().with_marks(true).to_csv()).unwrap();
    assert!(
        marked.contains("【有风险】"),
        "marks when the office ticks them"
    );
    assert_eq!(
        report.file_name("csv"),
        "西兴街道2021年民生工程计划-1-6月.csv"
    );
}
