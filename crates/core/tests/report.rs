//! The progress table for the built-in plan's January–June period.

use jindu_core::model::Plan;
use jindu_core::progress::Schedule;
use jindu_core::report::{build, headings, parse_csv, Period};
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

fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || (c == '.' && !cur.is_empty()) {
            cur.push(c);
        } else {
            if !cur.is_empty() {
                let n = cur.trim_end_matches('.').to_owned();
                out.push(if c == '%' { format!("{n}%") } else { n });
            }
            cur.clear();
        }
    }
    out
}

#[test]
fn every_item_number_percentage_and_site_of_the_seed_is_in_the_january_june_table() {
    let plan = Plan::from_doc(&seed::xixing_2021());
    let period = Period::months(2021, 1, 6).unwrap();
    let report = build(&plan, &period);
    assert_eq!(report.rows.len(), 17);
    assert_eq!(headings(&period)[4], "1-6月完成情况");
    let cells = seed_cells(&plan);
    assert_eq!(cells.len(), 17);
    let mut checked = 0;
    for (item, cell) in cells {
        let row = report.rows.iter().find(|r| r.item == item).unwrap();
        for n in numbers(&cell) {
            assert!(
                row.status.contains(&n),
                "{item}: '{n}' from the seed is missing in:\n{}",
                row.status
            );
            checked += 1;
        }
        for site in &plan.sites {
            for name in std::iter::once(&site.name).chain(&site.aliases) {
                if cell.contains(name.as_str()) {
                    assert!(
                        row.status.contains(name.as_str()),
                        "{item}: site {name} missing"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "the check covered {checked} facts");
}

#[test]
fn the_table_is_in_the_seeds_shape() {
    let plan = Plan::from_doc(&seed::xixing_2021());
    let report = build(&plan, &Period::months(2021, 1, 6).unwrap());
    let spans: Vec<usize> = report.category_spans().iter().map(|s| s.1).collect();
    assert_eq!(spans, vec![5, 4, 3, 2, 1, 2]);
    assert!(report.rows[0]
        .content
        .starts_with("1. 提升城市综合环境秩序"));
    assert!(
        report.rows[13].content.starts_with("加装电梯200台"),
        "category 4 is not numbered"
    );
    assert_eq!(
        report.rows[8].departments, "公共管理办",
        "item 2.4's own department"
    );
    // Composed facts: figures against targets and stages, sites with packages.
    let lifts = &report.rows[13].status;
    assert!(
        lifts.contains("吊装完成22/200台（11%）") && lifts.contains("新开73台"),
        "{lifts}"
    );
    let compounds = &report.rows[12].status;
    assert!(
        compounds.contains("白鹤苑完成52%") && compounds.contains("(1)外立面改造及内墙涂料85%"),
        "{compounds}"
    );
    let smart = &report.rows[10].status;
    for label in [
        "(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)",
    ] {
        assert!(smart.contains(label), "3.2 lacks {label}: {smart}");
    }
    assert!(
        smart.contains("轮播展示社区的工作人员信息"),
        "status-only packages keep their words"
    );
    // At the period's end, 3.3's pilot (due end of June) is at risk, not yet overdue.
    assert_eq!(report.rows[11].schedule, Schedule::AtRisk);
}

#[test]
fn a_period_without_records_says_so_and_later_periods_mark_missed_milestones() {
    let plan = Plan::from_doc(&seed::xixing_2021());
    let march = build(&plan, &Period::month(2021, 3).unwrap());
    assert!(march
        .rows
        .iter()
        .all(|r| r.status.contains("本期无记录") || r.status.contains("逾期节点")));
    let q3 = build(&plan, &Period::quarter(2021, 3).unwrap());
    let pilot = q3.rows.iter().find(|r| r.item == "item-3-3").unwrap();
    assert!(
        pilot
            .status
            .contains("逾期节点：6月底前启动1个子项的试应用"),
        "{}",
        pilot.status
    );
    assert_eq!(pilot.schedule, Schedule::Overdue);
}

#[test]
fn csv_has_a_bom_and_round_trips_chinese_text() {
    let plan = Plan::from_doc(&seed::xixing_2021());
    let report = build(&plan, &Period::months(2021, 1, 6).unwrap());
    let csv = report.to_csv();
    assert!(csv.starts_with("\u{feff}".as_bytes()));
    let rows = parse_csv(&csv);
    assert_eq!(rows.len(), 18);
    assert_eq!(rows[0][4], "1-6月完成情况");
    for (r, row) in rows[1..].iter().zip(&report.rows) {
        assert_eq!(r[2], row.content);
        assert!(r[4].ends_with(&row.status));
    }
    assert_eq!(
        report.file_name("csv"),
        "西兴街道2021年民生工程计划-1-6月.csv"
    );
}
