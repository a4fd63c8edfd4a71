//! The workbook export read back with a reader crate, export → import round trips, and
//! plain tables in the seed's layout.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Reader, Xlsx};
use jindu_core::model::Plan;
use jindu_core::report::{build, parse_csv, Period};
use jindu_core::seed;
use jindu_exchange::{parse_rows, read_xlsx, report_xlsx, Imported, DATA_SHEET};

fn report() -> (jindu_core::report::Report, jindu_core::doc::Doc) {
    let doc = seed::xixing_2021();
    let plan = Plan::from_doc(&doc);
    (build(&plan, &Period::months(2021, 1, 6).unwrap()), doc)
}

#[test]
fn the_workbook_has_the_reports_rows_and_merged_category_cells() {
    let (report, doc) = report();
    let bytes = report_xlsx(&report, &doc).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    assert_eq!(
        names,
        vec!["1-6月完成情况".to_string(), DATA_SHEET.to_string()]
    );
    let range = book.worksheet_range(&names[0]).unwrap();
    let cell = |r: u32, c: u32| {
        range
            .get_value((r, c))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    assert_eq!(cell(1, 4), "1-6月完成情况");
    assert_eq!(cell(1, 2), "具体项目及内容");
    for (i, row) in report.rows.iter().enumerate() {
        let r = 2 + i as u32;
        assert_eq!(cell(r, 2), row.content);
        assert_eq!(cell(r, 3), row.departments);
        assert!(cell(r, 4).ends_with(&row.status), "row {r}");
    }
    let merges = book.merge_cells_by_sheet_name(&names[0]).unwrap();
    let mut category_merges: Vec<(u32, u32)> = merges
        .iter()
        .filter(|m| m.start.1 == 1 && m.end.1 == 1)
        .map(|m| (m.start.0, m.end.0))
        .collect();
    category_merges.sort();
    // 5, 4, 3, 2 and 2 rows (category 5's single row is not merged).
    assert_eq!(
        category_merges,
        vec![(2, 6), (7, 10), (11, 13), (14, 15), (17, 18)]
    );
    assert_eq!(cell(2, 1), "推进“美丽西兴”建设,优化街区环境");
}

#[test]
fn export_then_import_gives_the_same_plan_structure() {
    let (report, doc) = report();
    let bytes = report_xlsx(&report, &doc).unwrap();
    let Imported::Exact(back) = read_xlsx(&bytes, "xixing-2021-copy", 2021).unwrap() else {
        panic!("a Jindu export reads exactly")
    };
    let (a, b) = (Plan::from_doc(&doc), Plan::from_doc(&back));
    assert_eq!(a.categories, b.categories);
    assert_eq!(a.items, b.items);
    assert_eq!(a.targets, b.targets);
    assert_eq!(a.stages, b.stages);
    assert_eq!(a.milestones, b.milestones);
    assert_eq!(a.sites, b.sites);
    assert_eq!(a.item_sites, b.item_sites);
    assert_eq!(a.packages, b.packages);
    assert_eq!(a.meta, b.meta);
    assert!(
        b.records.is_empty(),
        "an import creates a plan, not records"
    );
    assert_eq!(back.id, "xixing-2021-copy");
}

#[test]
fn the_seeds_own_table_reads_as_its_categories_items_deadlines_and_quantities() {
    // The seed in its own layout: the January–June table as CSV (one row per item,
    // category cells repeated as a spreadsheet's merged cells are).
    let (report, _) = report();
    let rows = parse_csv(&report.to_csv());
    let p = parse_rows(&rows, 2021);
    assert!(p.unread.is_empty(), "{:?}", p.unread);
    let counts: Vec<usize> = p.categories.iter().map(|c| c.items.len()).collect();
    assert_eq!(counts, vec![5, 4, 3, 2, 1, 2]);
    assert_eq!(
        p.categories.iter().map(|c| c.numbered).collect::<Vec<_>>(),
        vec![true, true, true, false, false, false]
    );
    let item = |c: usize, i: usize| &p.categories[c].items[i];
    assert_eq!(
        item(0, 1).deadline.as_ref().unwrap().date.to_string(),
        "2021-07-31"
    );
    assert_eq!(
        item(0, 1).deadline.as_ref().unwrap().text,
        "计划7月底前完成"
    );
    assert_eq!(
        (
            item(0, 1).targets[0].quantity,
            item(0, 1).targets[0].unit.as_str()
        ),
        (50.0, "家")
    );
    let lifts = &item(3, 1).targets[0];
    assert_eq!(
        (lifts.name.as_str(), lifts.quantity, lifts.unit.as_str()),
        ("加装电梯", 200.0, "台")
    );
    let piles: Vec<(f64, &str)> = item(4, 0)
        .targets
        .iter()
        .map(|t| (t.quantity, t.unit.as_str()))
        .collect();
    assert_eq!(&piles[..3], &[(10.0, "处"), (200.0, "个"), (10.0, "处")]);
    assert_eq!(item(1, 3).departments, vec!["公共管理办"]);
    let doc = p
        .into_doc(
            "imported",
            "导入的计划",
            &jindu_core::import::Importer {
                author: "王芳",
                device: "tablet",
                wall_ms: 1_625_000_000_000,
                today: chrono::NaiveDate::from_ymd_opt(2021, 7, 1).unwrap(),
            },
            &mut jindu_core::hlc::Clock::default(),
        )
        .unwrap();
    let plan = Plan::from_doc(&doc);
    assert_eq!(plan.items.len(), 17);
    assert!(plan.unreadable.is_empty());
}

#[test]
fn a_workbook_with_merged_cells_and_several_items_in_one_cell() {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    let f = Format::new();
    s.merge_range(0, 0, 0, 3, "某街道2024年民生实事", &f)
        .unwrap();
    for (c, h) in ["序号", "项目类别", "具体项目及内容", "责任科室"]
        .iter()
        .enumerate()
    {
        s.write_string(1, c as u16, *h).unwrap();
    }
    s.merge_range(2, 0, 3, 0, "1", &f).unwrap();
    s.merge_range(2, 1, 3, 1, "改善人居环境", &f).unwrap();
    s.write_string(
        2,
        2,
        "1. 新建口袋公园3处,计划6月底前完成;\n2. 改造公厕5座,计划10月底前完成;",
    )
    .unwrap();
    s.merge_range(2, 3, 3, 3, "城建办、各社区", &f).unwrap();
    s.write_string(3, 2, "3. 安装路灯120盏。").unwrap();
    s.write_string(4, 0, "备注：以上为计划").unwrap();
    s.write_string(5, 1, "提升服务").unwrap();
    s.write_string(5, 2, "新增养老床位40张,计划12月底前完成。")
        .unwrap();
    s.write_string(5, 3, "民政办").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let Imported::Proposal(p) = read_xlsx(&bytes, "x", 2026).unwrap() else {
        panic!("not a Jindu export")
    };
    assert_eq!(p.categories.len(), 2);
    assert_eq!(p.categories[0].name, "改善人居环境");
    let contents: Vec<&str> = p.categories[0]
        .items
        .iter()
        .map(|i| i.content.as_str())
        .collect();
    assert_eq!(
        contents,
        vec![
            "新建口袋公园3处,计划6月底前完成;",
            "改造公厕5座,计划10月底前完成;",
            "安装路灯120盏。"
        ]
    );
    assert_eq!(
        p.categories[0].items[2].departments,
        vec!["城建办", "各社区"],
        "merged department cell"
    );
    assert_eq!(
        p.categories[0].items[1]
            .deadline
            .as_ref()
            .unwrap()
            .date
            .to_string(),
        "2024-10-31",
        "the year from the title"
    );
    assert_eq!(p.categories[0].items[0].targets[0].quantity, 3.0);
    assert!(
        p.categories[0].items[2].targets.is_empty(),
        "盏 is not a known unit: left for the reviewer"
    );
    assert_eq!(
        p.unread,
        vec![(5, "neither a category nor an item".to_string())],
        "the note row is named"
    );
}
