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
    (
        build(&plan, &Period::months(2021, 1, 6).unwrap()).unwrap(),
        doc,
    )
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
        // A shared department cell is written once, at the top of its merged range.
        let departments = if row.departments_shared {
            ""
        } else {
            &row.departments
        };
        assert_eq!(cell(r, 3), departments, "row {r}");
        assert_eq!(cell(r, 4), row.status, "row {r}");
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
    let doc = imported_doc(p, "导入的计划");
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
    let shared: Vec<bool> = p
        .categories
        .iter()
        .flat_map(|c| c.items.iter().map(|i| i.departments_shared))
        .collect();
    assert_eq!(
        shared,
        vec![false, true, true, false],
        "items under one merged department cell share it"
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

/// The first sheet's merged ranges in one column, as (first row, last row).
fn merged_rows(book: &mut Xlsx<Cursor<Vec<u8>>>, sheet: &str, col: u32) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = book
        .merge_cells_by_sheet_name(sheet)
        .unwrap()
        .iter()
        .filter(|m| m.start.1 == col && m.end.1 == col)
        .map(|m| (m.start.0, m.end.0))
        .collect();
    out.sort();
    out
}

#[test]
fn department_cells_are_merged_where_the_plan_shares_them() {
    let (report, doc) = report();
    let bytes = report_xlsx(&report, &doc).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    // Rows 2–6 are 1.1–1.5, 7–9 are 2.1–2.3, 11–13 are 3.1–3.3; 2.4 (row 10), 4.1 and
    // 4.2 (rows 14 and 15) have their own, as in the seed.
    assert_eq!(
        merged_rows(&mut book, &sheet, 3),
        vec![(2, 6), (7, 9), (11, 13)]
    );
    let range = book.worksheet_range(&sheet).unwrap();
    let cell = |r: u32, c: u32| {
        range
            .get_value((r, c))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    assert_eq!(cell(2, 3), "公共管理办、各社区");
    assert_eq!(cell(10, 3), "公共管理办");
    assert_eq!(cell(14, 3), "区域发展办、相关社区");
    assert_eq!(cell(15, 3), "区域发展办、相关社区");
}

#[test]
fn marks_are_left_out_of_the_workbook_unless_the_office_asks() {
    let (report, doc) = report();
    let flagged: Vec<usize> = report
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !jindu_core::report::mark(r).is_empty())
        .map(|(i, _)| i)
        .collect();
    assert!(
        !flagged.is_empty(),
        "the built-in plan has items at risk on 30 June"
    );
    let status_cells = |report: &jindu_core::report::Report| {
        let bytes = report_xlsx(report, &doc).unwrap();
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let sheet = book.sheet_names()[0].clone();
        let range = book.worksheet_range(&sheet).unwrap();
        (0..report.rows.len())
            .map(|i| {
                range
                    .get_value((2 + i as u32, 4))
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
    };
    let plain = status_cells(&report);
    for (cell, row) in plain.iter().zip(&report.rows) {
        assert_eq!(cell, &row.status, "no mark by default");
        assert!(!cell.contains("【逾期】") && !cell.contains("【有风险】"));
    }
    let marked = status_cells(&report.clone().with_marks(true));
    for i in flagged {
        assert!(
            marked[i].starts_with(jindu_core::report::mark(&report.rows[i])),
            "row {i} marked when asked: {}",
            marked[i]
        );
    }
}

#[test]
fn a_seed_layout_workbook_without_the_data_sheet_keeps_its_department_merges() {
    // The exported table alone, as another office would send it: its merged 责任科室
    // cells become shared department cells of the new plan.
    let (report, doc) = report();
    let bytes = report_xlsx(&report, &doc).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let merges = book.merge_cells_by_sheet_name(&sheet).unwrap();
    let mut plain = rust_xlsxwriter::Workbook::new();
    let s = plain.add_worksheet();
    let f = rust_xlsxwriter::Format::new();
    for (r, row) in range.rows().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let text = v.to_string();
            if !text.is_empty() {
                s.write_string(r as u32, c as u16, &text).unwrap();
            }
        }
    }
    for m in &merges {
        let text = range
            .get_value((m.start.0, m.start.1))
            .map(|d| d.to_string())
            .unwrap_or_default();
        s.merge_range(
            m.start.0,
            m.start.1 as u16,
            m.end.0,
            m.end.1 as u16,
            &text,
            &f,
        )
        .unwrap();
    }
    let Imported::Proposal(p) = read_xlsx(&plain.save_to_buffer().unwrap(), "x", 2021).unwrap()
    else {
        panic!("no 数据 sheet: a proposal")
    };
    let doc = imported_doc(p, "导入");
    let imported = Plan::from_doc(&doc);
    let seed = Plan::from_doc(&seed::xixing_2021());
    let shared = |plan: &Plan| {
        plan.items
            .iter()
            .map(|i| i.departments_shared)
            .collect::<Vec<_>>()
    };
    assert_eq!(shared(&imported), shared(&seed));
}

/// The plan a proposal becomes, imported by 王芳 on 1 July 2021.
fn imported_doc(p: jindu_core::import::Proposal, title: &str) -> jindu_core::doc::Doc {
    p.into_doc(
        "imported",
        title,
        &jindu_core::import::Importer {
            author: "王芳",
            device: "tablet",
            wall_ms: 1_625_000_000_000,
            today: chrono::NaiveDate::from_ymd_opt(2021, 7, 1).unwrap(),
        },
        &mut jindu_core::hlc::Clock::default(),
    )
    .unwrap()
}
