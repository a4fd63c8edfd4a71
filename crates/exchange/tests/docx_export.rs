//! The table and the supervision bulletin as .docx, read back by unzipping and parsing
//! `word/document.xml`: A4 landscape, the heading row repeated on every page, 序号 /
//! 项目类别 and 责任科室 merged as the report merges them, every cell's text; and the
//! bulletin's sheet of the .xlsx read back with calamine.

use std::io::{Cursor, Read};

use calamine::{open_workbook_from_rs, Reader, Xlsx};
use chrono::NaiveDate;
use jindu_core::model::Plan;
use jindu_core::report::{build_as_of, bulletin, Bulletin, Period, Report};
use jindu_core::seed;
use jindu_exchange::{
    bulletin_docx, read_docx, report_and_bulletin_docx, report_docx, report_xlsx_with,
    BULLETIN_ANNEX_ROW, BULLETIN_SHEET, DATA_SHEET,
};
use quick_xml::events::{BytesStart, Event};

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, m, d).unwrap()
}

fn h1(as_of: NaiveDate) -> (Plan, Report, Bulletin) {
    let plan = Plan::from_doc(&seed::xixing_2021());
    let period = Period::cumulative(2021, 6).unwrap();
    let report = build_as_of(&plan, &period, as_of).unwrap();
    let b = bulletin(&plan, &period, as_of).unwrap();
    (plan, report, b)
}

#[derive(Debug, Default)]
struct Cell {
    paragraphs: Vec<String>,
    /// `w:vMerge`'s value ("restart" or "continue"; an empty `w:val` means continue).
    merge: Option<String>,
}

impl Cell {
    fn text(&self) -> String {
        self.paragraphs.join("\n")
    }
}

#[derive(Debug, Default)]
struct Row {
    header: bool,
    cells: Vec<Cell>,
}

/// What the test reads of `word/document.xml`.
#[derive(Debug, Default)]
struct Document {
    /// Paragraphs outside tables.
    paragraphs: Vec<String>,
    tables: Vec<Vec<Row>>,
    /// `w:pgSz`'s w:w, w:h and w:orient.
    page: (u32, u32, String),
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        let key: &str = a.key.as_ref();
        (key == name).then(|| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .unwrap()
                .into_owned()
        })
    })
}

fn document_xml(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    for part in ["[Content_Types].xml", "_rels/.rels", "word/styles.xml"] {
        assert!(zip.index_for_name(part).is_some(), "{part}");
    }
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

fn parse(bytes: &[u8]) -> Document {
    let xml = document_xml(bytes);
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut doc = Document::default();
    let mut in_table = false;
    let mut in_text = false;
    let mut para: Option<String> = None;
    loop {
        let event = reader.read_event().unwrap();
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let qname = e.name();
                let name: &str = qname.as_ref();
                match name {
                    "w:tbl" => {
                        in_table = true;
                        doc.tables.push(Vec::new());
                    }
                    "w:tr" => doc.tables.last_mut().unwrap().push(Row::default()),
                    "w:tblHeader" => {
                        doc.tables.last_mut().unwrap().last_mut().unwrap().header = true
                    }
                    "w:tc" => {
                        let row = doc.tables.last_mut().unwrap().last_mut().unwrap();
                        row.cells.push(Cell::default());
                    }
                    "w:vMerge" => {
                        let row = doc.tables.last_mut().unwrap().last_mut().unwrap();
                        row.cells.last_mut().unwrap().merge =
                            Some(attr(&e, "w:val").unwrap_or_else(|| "continue".into()));
                    }
                    "w:p" => para = Some(String::new()),
                    "w:t" => in_text = !empty,
                    "w:pgSz" => {
                        doc.page = (
                            attr(&e, "w:w").unwrap().parse().unwrap(),
                            attr(&e, "w:h").unwrap().parse().unwrap(),
                            attr(&e, "w:orient").unwrap_or_default(),
                        )
                    }
                    _ => {}
                }
                if empty && name == "w:p" {
                    finish(&mut doc, para.take(), in_table);
                }
            }
            Event::Text(t) if in_text => para.as_mut().unwrap().push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                let name = r.xml10_content();
                let c = quick_xml::escape::resolve_predefined_entity(&name).unwrap();
                para.as_mut().unwrap().push_str(c);
            }
            Event::End(e) => match e.name().as_ref() {
                "w:t" => in_text = false,
                "w:p" => finish(&mut doc, para.take(), in_table),
                "w:tbl" => in_table = false,
                _ => {}
            },
            _ => {}
        }
    }
    doc
}

fn finish(doc: &mut Document, para: Option<String>, in_table: bool) {
    let Some(p) = para else { return };
    if in_table {
        let row = doc.tables.last_mut().unwrap().last_mut().unwrap();
        row.cells.last_mut().unwrap().paragraphs.push(p);
    } else {
        doc.paragraphs.push(p);
    }
}

fn assert_a4_landscape(doc: &Document) {
    let (w, h, orient) = &doc.page;
    assert_eq!(orient, "landscape");
    assert!(w > h);
    assert_eq!((*w, *h), (16838, 11906));
}

/// The rows (first, last) merged in column `col` of a table's body, read back from the
/// restart and continue marks.
fn merges(rows: &[Row], col: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match row.cells[col].merge.as_deref() {
            Some("restart") => out.push((i, i)),
            Some("continue") => {
                let last = out.last_mut().expect("a continue follows a restart");
                assert_eq!(last.1 + 1, i, "a continue right below its merge");
                last.1 = i;
            }
            None => {}
            Some(other) => panic!("w:vMerge {other}"),
        }
    }
    out
}

/// The item rows that share a department cell, by display number of their first and
/// last rows.
fn by_number(plan: &Plan, report: &Report, spans: &[(usize, usize)]) -> Vec<(String, String)> {
    let n = |i: usize| plan.display_number(plan.item(&report.rows[i].item).unwrap());
    spans.iter().map(|&(a, b)| (n(a), n(b))).collect()
}

#[test]
fn the_table_is_a4_landscape_with_its_heading_repeated_and_cells_merged() {
    let (plan, report, _) = h1(day(6, 30));
    let bytes = report_docx(&report).unwrap();
    let doc = parse(&bytes);
    assert_a4_landscape(&doc);
    assert_eq!(doc.paragraphs[0], format!("{}（1-6月）", report.title));
    assert_eq!(doc.tables.len(), 1);
    let table = &doc.tables[0];
    // The heading row, repeated on every page; only it.
    assert!(table[0].header);
    assert!(table[1..].iter().all(|r| !r.header));
    let headings: Vec<String> = table[0].cells.iter().map(Cell::text).collect();
    assert_eq!(headings, report.headings().to_vec());
    assert_eq!(headings[4], "1-6月完成情况");
    let body = &table[1..];
    assert_eq!(body.len(), report.rows.len());
    for (row, back) in report.rows.iter().zip(body) {
        assert_eq!(back.cells.len(), 5);
        assert_eq!(back.cells[2].text(), row.content);
        // Every row's status, its lines as paragraphs.
        assert_eq!(
            back.cells[4].text(),
            row.status.lines().collect::<Vec<_>>().join("\n")
        );
        assert!(!row.status.is_empty());
    }
    // 序号 and 项目类别 merged over each category, as the report merges them.
    let categories: Vec<(usize, usize)> = report
        .category_spans()
        .into_iter()
        .filter(|(_, len)| *len > 1)
        .map(|(s, len)| (s, s + len - 1))
        .collect();
    assert_eq!(merges(body, 0), categories);
    assert_eq!(merges(body, 1), categories);
    for &(a, _) in &categories {
        assert_eq!(body[a].cells[0].text(), report.rows[a].number);
        assert_eq!(body[a].cells[1].text(), report.rows[a].category);
    }
    // 责任科室 as the seed merges it: 1.1–1.5, 2.1–2.3, 3.1–3.3; 2.4, 4.1 and 4.2 alone.
    let departments = merges(body, 3);
    let named = by_number(&plan, &report, &departments);
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    for span in [pair("1.1", "1.5"), pair("2.1", "2.3"), pair("3.1", "3.3")] {
        assert!(named.contains(&span), "{span:?} in {named:?}");
    }
    for alone in ["2.4", "4.1", "4.2"] {
        assert!(
            named.iter().all(|(a, b)| a != alone && b != alone),
            "{alone} in {named:?}"
        );
    }
    let spans: Vec<(usize, usize)> = report
        .department_spans()
        .into_iter()
        .filter(|(_, len)| *len > 1)
        .map(|(s, len)| (s, s + len - 1))
        .collect();
    assert_eq!(departments, spans);
    for &(a, b) in &departments {
        assert_eq!(body[a].cells[3].text(), report.rows[a].departments);
        for row in &body[a + 1..=b] {
            assert_eq!(row.cells[3].text(), "", "a continued cell shows nothing");
        }
    }
    // The same bytes every time.
    assert_eq!(report_docx(&report).unwrap(), bytes);
    // And the import reads it back as the seed's table.
    let proposal = read_docx(&bytes, 2021).unwrap();
    let items: usize = proposal.categories.iter().map(|c| c.items.len()).sum();
    assert_eq!(items, report.rows.len(), "unread: {:?}", proposal.unread);
}

#[test]
fn the_heading_says_as_of_when_drawn_up_before_the_periods_end() {
    let (_, report, _) = h1(day(6, 15));
    let doc = parse(&report_docx(&report).unwrap());
    assert_eq!(
        doc.tables[0][0].cells[4].text(),
        "1-6月完成情况（截至2021年6月15日）"
    );
}

#[test]
fn the_bulletin_has_its_counts_and_annex() {
    let (_, _, b) = h1(day(6, 30));
    assert!(!b.annex.is_empty());
    let doc = parse(&bulletin_docx(&b).unwrap());
    assert_a4_landscape(&doc);
    assert_eq!(doc.paragraphs[0], "督查通报（1-6月）");
    assert!(
        doc.paragraphs.contains(&b.summary()),
        "{:?}",
        doc.paragraphs
    );
    assert_eq!(doc.tables.len(), 2);
    let counts = &doc.tables[0];
    let c = &b.counts;
    let row: Vec<String> = counts[1].cells.iter().map(Cell::text).collect();
    assert_eq!(
        row,
        [c.total(), c.done, c.on_schedule, c.behind, c.overdue].map(|n| n.to_string())
    );
    let annex = &doc.tables[1];
    assert!(annex[0].header);
    let headings: Vec<String> = annex[0].cells.iter().map(Cell::text).collect();
    assert_eq!(headings, Bulletin::annex_headings());
    assert_eq!(annex.len() - 1, b.annex.len());
    for (e, back) in b.annex.iter().zip(&annex[1..]) {
        let cells: Vec<String> = back.cells.iter().map(Cell::text).collect();
        assert_eq!(cells[0], e.number);
        assert_eq!(cells[1], e.content);
        assert_eq!(cells[2], e.departments);
        assert_eq!(cells[3], e.standing());
        assert_eq!(
            cells[4],
            e.concern.problem.lines().collect::<Vec<_>>().join("\n")
        );
        assert_eq!(cells[5], e.concern.next_step);
    }
}

#[test]
fn the_table_and_bulletin_go_in_one_document() {
    let (_, report, b) = h1(day(6, 30));
    let doc = parse(&report_and_bulletin_docx(Some(&report), Some(&b)).unwrap());
    assert_eq!(doc.tables.len(), 3);
    assert_eq!(doc.tables[0].len(), report.rows.len() + 1);
    assert_eq!(doc.tables[2].len(), b.annex.len() + 1);
    assert!(doc.paragraphs.iter().any(|p| p == "督查通报（1-6月）"));
}

#[test]
fn the_workbook_carries_the_bulletin_sheet() {
    let (_, report, b) = h1(day(6, 30));
    let bytes = report_xlsx_with(&report, &seed::xixing_2021(), &[], Some(&b)).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec![
            "1-6月完成情况".to_string(),
            BULLETIN_SHEET.to_string(),
            DATA_SHEET.to_string()
        ]
    );
    let range = book.worksheet_range(BULLETIN_SHEET).unwrap();
    let cell = |r: u32, c: u32| {
        range
            .get_value((r, c))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    assert_eq!(cell(0, 0), "督查通报（1-6月）");
    assert_eq!(cell(2, 0), b.summary());
    assert_eq!(cell(3, 3), "慢序时");
    assert_eq!(cell(4, 3), b.counts.behind.to_string());
    assert_eq!(cell(4, 4), b.counts.overdue.to_string());
    assert_eq!(cell(BULLETIN_ANNEX_ROW, 4), "存在问题");
    for (i, e) in b.annex.iter().enumerate() {
        let r = BULLETIN_ANNEX_ROW + 1 + i as u32;
        assert_eq!(cell(r, 0), e.number);
        assert_eq!(cell(r, 1), e.content);
        assert_eq!(cell(r, 3), e.standing());
        assert_eq!(cell(r, 4), e.concern.problem);
        assert_eq!(cell(r, 5), e.concern.next_step);
    }
    // Without a bulletin, the workbook is as before.
    let plain = jindu_exchange::report_xlsx(&report, &seed::xixing_2021()).unwrap();
    let book: Xlsx<_> = open_workbook_from_rs(Cursor::new(plain)).unwrap();
    assert!(!book.sheet_names().contains(&BULLETIN_SHEET.to_string()));
}
