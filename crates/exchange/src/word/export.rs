//! The period's table and the supervision bulletin (督查通报) as Word documents (.docx).
//!
//! A4 landscape; the table's heading row is marked `w:tblHeader`, so Word repeats it on
//! every page; 序号 / 项目类别 and 责任科室 are merged down (`w:vMerge` restart, then
//! continue) exactly over the report's [`Report::category_spans`] and
//! [`Report::department_spans`]; a cell's lines are its paragraphs. The bulletin is its
//! heading, the counts in a sentence and a small table, and the annex of the items
//! behind schedule with their 存在问题 and 下步措施.
//!
//! The parts are written here as WordprocessingML over the zip writer the workbook
//! writer already brings: docx-rs (0.4) cannot mark a heading row (`w:tblHeader`), and
//! it would bring second copies of the zip and XML crates into the on-demand module.
//! Every file in the zip carries the same fixed time, so a table exports to the same
//! bytes every time.

use std::fmt::Write as _;
use std::io::{Cursor, Write};

use jindu_core::report::bulletin::{standing, Bulletin};
use jindu_core::report::Report;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::ExchangeError;

/// A4 in twentieths of a point, landscape: width, height.
pub const PAGE: (u32, u32) = (16838, 11906);
/// Page margins (2 cm).
const MARGIN: u32 = 1134;
/// The table's relative column widths, as the workbook's.
const REPORT_COLUMNS: [u32; 5] = [6, 18, 48, 16, 60];
/// The annex's: 序号, 具体项目, 责任科室, 进度, 存在问题, 下步措施.
const ANNEX_COLUMNS: [u32; 6] = [6, 40, 16, 8, 40, 36];

/// The table as a Word document.
pub fn report_docx(report: &Report) -> Result<Vec<u8>, ExchangeError> {
    report_and_bulletin_docx(Some(report), None)
}

/// The bulletin as a Word document.
pub fn bulletin_docx(bulletin: &Bulletin) -> Result<Vec<u8>, ExchangeError> {
    report_and_bulletin_docx(None, Some(bulletin))
}

/// The table, the bulletin, or both in one document (the table first, the bulletin on a
/// new page), as the office sends them together.
pub fn report_and_bulletin_docx(
    report: Option<&Report>,
    bulletin: Option<&Bulletin>,
) -> Result<Vec<u8>, ExchangeError> {
    let mut body = String::new();
    if let Some(r) = report {
        report_body(&mut body, r);
    }
    if let Some(b) = bulletin {
        if report.is_some() {
            body.push_str(r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#);
        }
        bulletin_body(&mut body, b);
    }
    pack(&document(&body))
}

fn report_body(out: &mut String, report: &Report) {
    title(out, &format!("{}（{}）", report.title, report.period.label));
    let widths = column_widths(&REPORT_COLUMNS);
    table_start(out, &widths);
    heading_row(out, &widths, &report.headings());
    // For each row and merged column, where the row stands in its merge.
    let n = report.rows.len();
    let mut category = vec![Merge::None; n];
    let mut departments = vec![Merge::None; n];
    for (spans, marks) in [
        (report.category_spans(), &mut category),
        (report.department_spans(), &mut departments),
    ] {
        for (start, len) in spans {
            if len > 1 {
                marks[start] = Merge::Restart;
                for m in &mut marks[start + 1..start + len] {
                    *m = Merge::Continue;
                }
            }
        }
    }
    for (i, row) in report.rows.iter().enumerate() {
        out.push_str("<w:tr>");
        let printed = report.printed(row);
        let cells: [(&str, Merge, bool); 5] = [
            (&row.number, category[i], true),
            (&row.category, category[i], true),
            (&row.content, Merge::None, false),
            (&row.departments, departments[i], true),
            (&printed, Merge::None, false),
        ];
        for (k, (text, merge, centred)) in cells.into_iter().enumerate() {
            cell(out, widths[k], text, merge, centred, false);
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
}

fn bulletin_body(out: &mut String, b: &Bulletin) {
    title(out, &b.heading());
    paragraph(out, &b.title, true, false);
    paragraph(out, &b.summary(), false, false);
    // The counts as a small table.
    let c = &b.counts;
    let widths = column_widths(&[1, 1, 1, 1, 1]);
    table_start(out, &widths);
    heading_row(
        out,
        &widths,
        &["项目总数", "已完成", "按序时", "慢序时", "逾期"],
    );
    out.push_str("<w:tr>");
    for (k, v) in [c.total(), c.done, c.on_schedule, c.behind, c.overdue]
        .into_iter()
        .enumerate()
    {
        cell(out, widths[k], &v.to_string(), Merge::None, true, false);
    }
    out.push_str("</w:tr></w:tbl>");

    paragraph(out, "附件：慢序时及逾期项目", true, false);
    if b.annex.is_empty() {
        paragraph(out, "本期无慢序时、逾期项目。", false, false);
        return;
    }
    let widths = column_widths(&ANNEX_COLUMNS);
    table_start(out, &widths);
    heading_row(out, &widths, &Bulletin::annex_headings());
    for e in &b.annex {
        out.push_str("<w:tr>");
        let cells: [(&str, bool); 6] = [
            (&e.number, true),
            (&e.content, false),
            (&e.departments, true),
            (standing(e.schedule), true),
            (&e.concern.problem, false),
            (&e.concern.next_step, false),
        ];
        for (k, (text, centred)) in cells.into_iter().enumerate() {
            cell(out, widths[k], text, Merge::None, centred, false);
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
}

/// Where a cell stands in a vertical merge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Merge {
    None,
    Restart,
    Continue,
}

/// Column widths in twips over the page's width inside its margins, in proportion.
fn column_widths(parts: &[u32]) -> Vec<u32> {
    let inside = PAGE.0 - 2 * MARGIN;
    let sum: u32 = parts.iter().sum();
    let mut w: Vec<u32> = parts.iter().map(|p| inside * p / sum).collect();
    let short = inside - w.iter().sum::<u32>();
    if let Some(last) = w.last_mut() {
        *last += short;
    }
    w
}

fn table_start(out: &mut String, widths: &[u32]) {
    let total: u32 = widths.iter().sum();
    let _ = write!(
        out,
        r#"<w:tbl><w:tblPr><w:tblW w:w="{total}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>"#
    );
    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        let _ = write!(
            out,
            r#"<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>"#
        );
    }
    out.push_str(r#"</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>"#);
    for w in widths {
        let _ = write!(out, r#"<w:gridCol w:w="{w}"/>"#);
    }
    out.push_str("</w:tblGrid>");
}

/// The heading row, repeated by Word at the top of every page the table runs onto.
fn heading_row<S: AsRef<str>>(out: &mut String, widths: &[u32], headings: &[S]) {
    out.push_str("<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>");
    for (w, h) in widths.iter().zip(headings) {
        cell(out, *w, h.as_ref(), Merge::None, true, true);
    }
    out.push_str("</w:tr>");
}

fn cell(out: &mut String, width: u32, text: &str, merge: Merge, centred: bool, bold: bool) {
    let _ = write!(out, r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>"#);
    match merge {
        Merge::None => {}
        Merge::Restart => out.push_str(r#"<w:vMerge w:val="restart"/>"#),
        Merge::Continue => out.push_str(r#"<w:vMerge w:val="continue"/>"#),
    }
    if bold {
        out.push_str(r#"<w:shd w:val="clear" w:color="auto" w:fill="E6EBF0"/>"#);
    }
    if centred {
        out.push_str(r#"<w:vAlign w:val="center"/>"#);
    }
    out.push_str("</w:tcPr>");
    // A cell continuing a merge shows nothing of its own (Word keeps one empty
    // paragraph in it).
    let text = if merge == Merge::Continue { "" } else { text };
    let mut lines = text.lines().peekable();
    if lines.peek().is_none() {
        paragraph(out, "", bold, centred);
    }
    for line in lines {
        paragraph(out, line, bold, centred);
    }
    out.push_str("</w:tc>");
}

fn title(out: &mut String, text: &str) {
    let _ = write!(
        out,
        r#"<w:p><w:pPr><w:spacing w:after="240"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="32"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        esc(text)
    );
}

fn paragraph(out: &mut String, text: &str, bold: bool, centred: bool) {
    out.push_str("<w:p>");
    if centred {
        out.push_str(r#"<w:pPr><w:jc w:val="center"/></w:pPr>"#);
    }
    if !text.is_empty() {
        out.push_str("<w:r>");
        if bold {
            out.push_str("<w:rPr><w:b/></w:rPr>");
        }
        let _ = write!(
            out,
            r#"<w:t xml:space="preserve">{}</w:t></w:r>"#,
            esc(text)
        );
    }
    out.push_str("</w:p>");
}

/// Text as XML character data: escaped, without the control characters XML refuses.
fn esc(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| *c == '\t' || !c.is_control())
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn document(body: &str) -> String {
    let (w, h) = PAGE;
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}"><w:body>{body}<w:sectPr><w:pgSz w:w="{w}" w:h="{h}" w:orient="landscape"/><w:pgMar w:top="{MARGIN}" w:right="{MARGIN}" w:bottom="{MARGIN}" w:left="{MARGIN}" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    )
}

/// Default text: 10.5 pt (五号), 宋体 for Chinese.
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="宋体" w:cs="Times New Roman"/><w:sz w:val="21"/><w:szCs w:val="21"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style></w:styles>"#;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>"#;

const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

/// The document's parts zipped as a .docx, every entry at the zip format's first day.
fn pack(document_xml: &str) -> Result<Vec<u8>, ExchangeError> {
    let werr = |e: zip::result::ZipError| ExchangeError::Write(e.to_string());
    let ioerr = |e: std::io::Error| ExchangeError::Write(e.to_string());
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    // A stream writer over a cursor on a borrowed buffer: the very type the workbook
    // writer zips with, so the module carries one copy of the zip writer's code.
    let mut buf = Vec::new();
    let mut zip = ZipWriter::new_stream(Cursor::new(&mut buf));
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", PACKAGE_RELS),
        ("word/document.xml", document_xml),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS),
        ("word/styles.xml", STYLES),
    ] {
        zip.start_file(name, options).map_err(werr)?;
        zip.write_all(text.as_bytes()).map_err(ioerr)?;
    }
    zip.finish().map_err(werr)?;
    Ok(buf)
}
