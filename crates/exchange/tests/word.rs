//! Plans read from Word documents the tests make: merged cells, a table continued over
//! two pages, cells of several paragraphs, heading variants, a progress column, and the
//! files the import refuses, each with its reason.

mod support;

use std::io::{Cursor, Write};

use docx_rs::{Docx, Table, TableRow};
use jindu_exchange::{read_docx, read_file, ExchangeError, Imported};
use support::docx::{cell, continued, merged, pack, page_break, para, row};

const HEADING: [&str; 6] = [
    "序号",
    "类别",
    "工作内容",
    "牵头单位",
    "完成时限",
    "1-9月进展情况",
];

/// A plan of two categories over two pages: the table split where the page breaks, its
/// heading repeated on the second page (where the category's merged cells cannot go on,
/// so they are empty, as Word leaves them), category and department cells merged, a
/// content cell of two numbered paragraphs, progress cells of several paragraphs, and a
/// note row across the table.
fn two_pages() -> Vec<u8> {
    let first = Table::new(vec![
        row(&HEADING),
        TableRow::new(vec![
            merged(&["1"]),
            merged(&["改善人居环境"]),
            cell(&["1. 新建口袋公园3处;", "2. 改造公厕5座,计划10月底前完成;"]),
            merged(&["城建办、", "各社区"]),
            cell(&["9月底前"]),
            cell(&["口袋公园已完成2处;", "公厕改造完成3座。"]),
        ]),
        TableRow::new(vec![
            continued(),
            continued(),
            cell(&["3. 安装路灯120盏"]),
            continued(),
            cell(&["年底前"]),
            cell(&["已完成。"]),
        ]),
    ]);
    let second = Table::new(vec![
        row(&HEADING),
        TableRow::new(vec![
            cell(&[""]),
            cell(&[""]),
            cell(&["4. 整治背街小巷10条"]),
            merged(&["综合执法队"]),
            cell(&["11月底前"]),
            cell(&[]),
        ]),
        row(&[
            "2",
            "提升服务",
            "新增养老床位40张",
            "民政办",
            "12月底前",
            "在建。",
        ]),
        TableRow::new(vec![cell(&["备注：以上为计划"]).grid_span(6)]),
    ]);
    pack(
        Docx::new()
            .add_paragraph(para("某街道2024年重点工作计划"))
            .add_table(first)
            .add_paragraph(page_break())
            .add_table(second),
    )
}

#[test]
fn a_table_over_two_pages_with_merged_cells_reads_as_one() {
    let p = read_docx(&two_pages(), 2030).unwrap();
    assert_eq!(p.year, 2024, "the year from the title paragraph");
    let names: Vec<&str> = p.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["改善人居环境", "提升服务"]);
    let first = &p.categories[0];
    assert!(first.numbered);
    let contents: Vec<&str> = first.items.iter().map(|i| i.content.as_str()).collect();
    assert_eq!(
        contents,
        vec![
            "新建口袋公园3处;",
            "改造公厕5座,计划10月底前完成;",
            "安装路灯120盏",
            "整治背街小巷10条"
        ],
        "the category merged over both pages"
    );
    let departments: Vec<Vec<&str>> = first
        .items
        .iter()
        .map(|i| i.departments.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        departments,
        vec![
            vec!["城建办", "各社区"],
            vec!["城建办", "各社区"],
            vec!["城建办", "各社区"],
            vec!["综合执法队"],
        ],
        "a department cell merged over three items, of two paragraphs"
    );
    let deadlines: Vec<String> = first
        .items
        .iter()
        .map(|i| i.deadline.as_ref().unwrap().date.to_string())
        .collect();
    assert_eq!(
        deadlines,
        vec!["2024-09-30", "2024-09-30", "2024-12-31", "2024-11-30"],
        "read from the 完成时限 column"
    );
    let targets: Vec<(f64, &str)> = first
        .items
        .iter()
        .flat_map(|i| &i.targets)
        .map(|t| (t.quantity, t.unit.as_str()))
        .collect();
    assert_eq!(targets, vec![(3.0, "处"), (5.0, "座"), (10.0, "条")]);
    let progress: Vec<&str> = first.items.iter().map(|i| i.progress.as_str()).collect();
    assert_eq!(
        progress,
        vec![
            "口袋公园已完成2处;\n公厕改造完成3座。",
            "口袋公园已完成2处;\n公厕改造完成3座。",
            "已完成。",
            ""
        ],
        "paragraphs kept as lines; a cell beside two items is both's"
    );
    let shared: Vec<bool> = first.items.iter().map(|i| i.progress_shared).collect();
    assert_eq!(shared, vec![true, true, false, false]);
    let column = p.progress.as_ref().unwrap();
    assert_eq!(column.heading, "1-9月进展情况");
    assert_eq!(column.as_of.unwrap().to_string(), "2024-09-30");
    assert_eq!(p.categories[1].items[0].departments, vec!["民政办"]);
    assert_eq!(p.categories[1].items[0].progress, "在建。");
    assert_eq!(p.unread.len(), 1, "{:?}", p.unread);
    assert!(p.unread[0].1.contains("neither"), "the note row is named");
}

/// A table split over three pages where merges go on across the splits: the category,
/// department and progress cells begun on the first page continue (`w:vMerge`) at the
/// top of the second page's table, under its repeated heading, and again at the top of
/// the third page's table, which repeats no heading.
fn merges_over_pages() -> Vec<u8> {
    let heading = [
        "序号",
        "项目类别",
        "具体项目及内容",
        "责任科室",
        "1-6月完成情况",
    ];
    let going_on = |content: &str| {
        TableRow::new(vec![
            continued(),
            continued(),
            cell(&[content]),
            continued(),
            continued(),
        ])
    };
    let first = Table::new(vec![
        row(&heading),
        TableRow::new(vec![
            merged(&["1"]),
            merged(&["改善人居环境"]),
            cell(&["新建口袋公园3处"]),
            merged(&["城建办、各社区"]),
            merged(&["公园、公厕、路灯均已开工。"]),
        ]),
        going_on("改造公厕5座"),
    ]);
    let second = Table::new(vec![row(&heading), going_on("安装路灯120盏")]);
    let third = Table::new(vec![
        going_on("整治背街小巷10条"),
        row(&["2", "提升服务", "新增养老床位40张", "民政办", "在建。"]),
    ]);
    pack(
        Docx::new()
            .add_paragraph(para("某街道2024年重点工作计划"))
            .add_table(first)
            .add_paragraph(page_break())
            .add_table(second)
            .add_paragraph(page_break())
            .add_table(third),
    )
}

#[test]
fn a_merge_going_on_over_a_page_split_reads_as_one_merge() {
    let p = read_docx(&merges_over_pages(), 2030).unwrap();
    assert!(p.unread.is_empty(), "{:?}", p.unread);
    let names: Vec<&str> = p.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["改善人居环境", "提升服务"]);
    let first = &p.categories[0].items;
    assert_eq!(first.len(), 4, "the category merged over three pages");
    for (k, item) in first.iter().enumerate() {
        assert_eq!(item.departments, vec!["城建办", "各社区"], "item {k}");
        assert_eq!(
            item.departments_shared,
            k > 0,
            "item {k}: one department cell over the four items"
        );
        assert_eq!(item.progress, "公园、公厕、路灯均已开工。", "item {k}");
        assert!(item.progress_shared, "item {k}: one progress cell");
    }
    let last = &p.categories[1].items[0];
    assert_eq!(
        (last.departments.clone(), last.departments_shared),
        (vec!["民政办".to_owned()], false)
    );
    assert_eq!(
        (last.progress.as_str(), last.progress_shared),
        ("在建。", false)
    );
    assert_eq!(
        p.records().count(),
        5,
        "each covered item gets the shared text"
    );
}

#[test]
fn words_numbering_is_kept_as_text() {
    use docx_rs::{
        AbstractNumbering, IndentLevel, Level, LevelJc, LevelText, NumberFormat, Numbering,
        NumberingId, Start,
    };
    let numbered = |text: &str| {
        docx_rs::TableCell::new()
            .add_paragraph(para(text).numbering(NumberingId::new(3), IndentLevel::new(0)))
    };
    let table = Table::new(vec![
        row(&["序号", "项目类别", "项目内容", "责任单位"]),
        TableRow::new(vec![
            merged(&["一"]),
            merged(&["环境"]),
            numbered("新建口袋公园3处"),
            merged(&["城建办"]),
        ]),
        TableRow::new(vec![
            continued(),
            continued(),
            numbered("改造公厕5座"),
            continued(),
        ]),
    ]);
    let level = Level::new(
        0,
        Start::new(1),
        NumberFormat::new("decimal"),
        LevelText::new("(%1)"),
        LevelJc::new("left"),
    );
    let bytes = pack(
        Docx::new()
            .add_abstract_numbering(AbstractNumbering::new(3).add_level(level))
            .add_numbering(Numbering::new(3, 3))
            .add_table(table),
    );
    let rows = jindu_exchange::docx_rows(&bytes).unwrap();
    assert_eq!(rows[1][2], "(1) 新建口袋公园3处");
    assert_eq!(rows[2][2], "(2) 改造公厕5座");
    assert_eq!(
        rows[2][3], "",
        "merged down: empty below, as a spreadsheet reads it"
    );
    // The merged department labels both items, which share its cell.
    let Ok(Imported::Proposal(p)) = read_file(&bytes, "p", 2024) else {
        panic!("a proposal")
    };
    let items = &p.categories[0].items;
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].departments, vec!["城建办".to_owned()]);
    assert!(!items[0].departments_shared && items[1].departments_shared);
}

fn refused(bytes: &[u8]) -> ExchangeError {
    match read_file(bytes, "p", 2024) {
        Err(e) => e,
        Ok(Imported::Proposal(p)) => panic!("read as a proposal: {p:?}"),
        Ok(Imported::Exact(_)) => panic!("read as an export"),
    }
}

/// An OLE compound file's first sector, with `streams` named in its directory.
fn ole(streams: &[&str]) -> Vec<u8> {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(512, 0);
    for s in streams {
        bytes.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        bytes.resize(bytes.len().next_multiple_of(128), 0);
    }
    bytes
}

fn zip_of(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in parts {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn files_the_import_cannot_read_are_refused_with_their_reason() {
    let code = |bytes: &[u8]| refused(bytes).code();
    assert_eq!(
        code(&ole(&["WordDocument", "1Table"])),
        "old-format",
        ".doc"
    );
    assert_eq!(
        code(&ole(&["EncryptionInfo", "EncryptedPackage"])),
        "encrypted",
        "a password-protected .docx"
    );
    assert_eq!(code("序号,项目类别\n".as_bytes()), "not-zip");
    let good = two_pages();
    assert_eq!(code(&good[..good.len() / 2]), "damaged", "cut short");
    assert_eq!(
        code(&zip_of(&[(
            "word/document.xml",
            "<w:document><w:body><w:tbl></w:p>"
        )])),
        "damaged",
        "XML that does not parse"
    );
    let no_table = pack(Docx::new().add_paragraph(para("2024年工作计划")));
    assert_eq!(code(&no_table), "no-table");
    let no_heading = pack(Docx::new().add_table(Table::new(vec![
        row(&["姓名", "电话"]),
        row(&["王芳", "123"]),
    ])));
    assert_eq!(code(&no_heading), "no-heading");
}
