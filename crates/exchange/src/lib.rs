//! Plan exchange: the period's report as a real .xlsx workbook, and plans read back from
//! .xlsx or CSV tables.
//!
//! - [`report_xlsx`] writes the table in the seed's layout (merged category and
//!   department cells, no schedule marks unless the report asks for them, column widths, wrapped text, headings repeated on every printed page, A4 landscape) and a
//!   second sheet `数据` with the plan's structure, one row per entity, which
//!   [`read_xlsx`] reads back exactly; [`report_xlsx_with`] adds the supervision
//!   bulletin as a sheet `督查通报`.
//! - Word documents (.docx, `word/`) and tables pasted from Word are read the same way,
//!   their merged cells laid out as a spreadsheet's are; [`read_file`] tells the formats
//!   apart by their bytes and names what it cannot read ([`ExchangeError::code`]);
//!   [`report_docx`] and [`bulletin_docx`] write the table and the bulletin as .docx.
//! - Any other table in the seed's layout (序号 / 项目类别 / 具体项目及内容 / 责任科室 /
//!   …) is read as a [`Proposal`]: categories, items, deadlines and targets guessed from
//!   the text, every row that could not be read named, to be corrected before
//!   [`Proposal::into_doc`] makes a new plan. Nothing existing is touched.
//!
//! Kept apart from `jindu-core` so that the app shell does not carry the zip and XML
//! code; it is pure Rust and tested natively.

mod bulletin_sheet;
mod photos;
mod word;

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, EditError, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::{winners, Kind};
use jindu_core::report::evidence::AnnexPhoto;
use jindu_core::report::{Bulletin, Report};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use serde_json::Value;

pub use jindu_core::import::{
    parse_rows, Proposal, ProposedCategory, ProposedItem, ProposedTarget,
};
pub use word::export::{bulletin_docx, report_and_bulletin_docx, report_docx};
pub use word::{docx_rows, read_docx};

/// The name of the structure sheet.
pub const DATA_SHEET: &str = "数据";
pub use bulletin_sheet::{ANNEX_ROW as BULLETIN_ANNEX_ROW, SHEET as BULLETIN_SHEET};

/// Errors of the exchange.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("could not write the workbook: {0}")]
    Write(String),
    #[error("not a readable .xlsx workbook: {0}")]
    Read(String),
    #[error("the workbook has no sheet")]
    Empty,
    #[error("row {row} of 数据: {reason}")]
    BadDataRow { row: usize, reason: String },
    #[error("the plan does not validate: {0}")]
    Invalid(#[from] EditError),
    #[error("an old binary Office file (.doc or .xls): save it as .docx or .xlsx")]
    OldFormat,
    #[error("the document is password-protected")]
    Encrypted,
    #[error("not a .docx, .xlsx or CSV file")]
    NotZip,
    #[error("the document is damaged: {0}")]
    Damaged(String),
    #[error("the document has no table")]
    NoTable,
    #[error("no table has a heading row with 项目类别 and 具体项目及内容")]
    NoHeading,
}

impl ExchangeError {
    /// A stable name of what went wrong, for the app to say it in the inspector's
    /// language.
    pub fn code(&self) -> &'static str {
        match self {
            ExchangeError::Write(_) => "write",
            ExchangeError::Read(_) | ExchangeError::Empty | ExchangeError::BadDataRow { .. } => {
                "read"
            }
            ExchangeError::Invalid(_) => "invalid",
            ExchangeError::OldFormat => "old-format",
            ExchangeError::Encrypted => "encrypted",
            ExchangeError::NotZip => "not-zip",
            ExchangeError::Damaged(_) => "damaged",
            ExchangeError::NoTable => "no-table",
            ExchangeError::NoHeading => "no-heading",
        }
    }
}

fn xerr(e: rust_xlsxwriter::XlsxError) -> ExchangeError {
    ExchangeError::Write(e.to_string())
}

/// The report (first sheet) and the plan's structure (sheet `数据`) as .xlsx bytes.
pub fn report_xlsx(report: &Report, doc: &Doc) -> Result<Vec<u8>, ExchangeError> {
    report_xlsx_with_photos(report, doc, &[])
}

/// [`report_xlsx`] with the evidence annex: a sheet `照片` with each photo's thumbnail
/// (its JPEG bytes) and caption, when `photos` holds any.
pub fn report_xlsx_with_photos(
    report: &Report,
    doc: &Doc,
    photos: &[(AnnexPhoto, Vec<u8>)],
) -> Result<Vec<u8>, ExchangeError> {
    report_xlsx_with(report, doc, photos, None)
}

/// [`report_xlsx_with_photos`] with the supervision bulletin, when given, as a sheet
/// `督查通报` after the table (before `数据`).
pub fn report_xlsx_with(
    report: &Report,
    doc: &Doc,
    photos: &[(AnnexPhoto, Vec<u8>)],
    bulletin: Option<&Bulletin>,
) -> Result<Vec<u8>, ExchangeError> {
    let mut book = Workbook::new();
    let cell = Format::new()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);
    let head = cell
        .clone()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color("E6EBF0");
    let merged = cell
        .clone()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);

    let sheet = book.add_worksheet();
    let name: String = format!("{}完成情况", report.period.label)
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    sheet.set_name(&name).map_err(xerr)?;
    sheet.set_landscape().set_paper_size(9);
    for (col, width) in [6.0, 18.0, 48.0, 16.0, 60.0].into_iter().enumerate() {
        sheet.set_column_width(col as u16, width).map_err(xerr)?;
    }
    sheet
        .merge_range(
            0,
            0,
            0,
            4,
            &format!("{}（{}）", report.title, report.period.label),
            &title,
        )
        .map_err(xerr)?;
    for (col, h) in report.headings().iter().enumerate() {
        sheet
            .write_string_with_format(1, col as u16, h, &head)
            .map_err(xerr)?;
    }
    sheet.set_repeat_rows(1, 1).map_err(xerr)?;
    sheet.set_freeze_panes(2, 0).map_err(xerr)?;
    let first = 2u32;
    for (i, row) in report.rows.iter().enumerate() {
        let r = first + i as u32;
        sheet
            .write_string_with_format(r, 2, &row.content, &cell)
            .map_err(xerr)?;
        sheet
            .write_string_with_format(r, 4, report.printed(row), &cell)
            .map_err(xerr)?;
    }
    // Merged cells: 序号 and 项目类别 over each category, 责任科室 where the plan shares it.
    let mut span = |start: usize, len: usize, col: u16, text: &str| {
        let (a, b) = (first + start as u32, first + (start + len) as u32 - 1);
        if len > 1 {
            sheet.merge_range(a, col, b, col, text, &merged)
        } else {
            sheet.write_string_with_format(a, col, text, &merged)
        }
        .map(|_| ())
        .map_err(xerr)
    };
    for (start, len) in report.category_spans() {
        let row = &report.rows[start];
        span(start, len, 0, &row.number)?;
        span(start, len, 1, &row.category)?;
    }
    for (start, len) in report.department_spans() {
        span(start, len, 3, &report.rows[start].departments)?;
    }

    if let Some(b) = bulletin {
        bulletin_sheet::add_sheet(&mut book, b)?;
    }

    // The structure, one row per entity, with every field as JSON so that it reads back
    // exactly; the middle columns are for people.
    let data = book.add_worksheet();
    data.set_name(DATA_SHEET).map_err(xerr)?;
    for (col, (h, w)) in [
        ("类型", 10.0),
        ("编号", 22.0),
        ("名称或内容", 48.0),
        ("所属", 22.0),
        ("字段", 80.0),
    ]
    .into_iter()
    .enumerate()
    {
        data.write_string_with_format(0, col as u16, h, &head)
            .map_err(xerr)?;
        data.set_column_width(col as u16, w).map_err(xerr)?;
    }
    let mut r = 1u32;
    // The plan's structure: the report's cell edits, reviews and issues are not part of
    // it (a backup of the document keeps them).
    for kind in Kind::ALL.into_iter().filter(|k| !k.is_report()) {
        for id in doc
            .entities
            .keys()
            .filter(|id| Kind::of_id(id) == Some(kind))
        {
            let fields = winners(doc, id);
            if fields.get("deleted").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let label = ["name", "title", "content", "text"]
                .iter()
                .find_map(|k| fields.get(*k).and_then(Value::as_str))
                .unwrap_or("");
            let parent = ["item", "category", "target"]
                .iter()
                .find_map(|k| fields.get(*k).and_then(Value::as_str))
                .unwrap_or("");
            data.write_string(r, 0, kind.prefix()).map_err(xerr)?;
            data.write_string(r, 1, id).map_err(xerr)?;
            data.write_string(r, 2, label).map_err(xerr)?;
            data.write_string(r, 3, parent).map_err(xerr)?;
            data.write_string(r, 4, Value::Object(fields).to_string())
                .map_err(xerr)?;
            r += 1;
        }
    }
    photos::add_sheet(&mut book, photos)?;
    book.save_to_buffer().map_err(xerr)
}

/// What a workbook held.
#[derive(Debug)]
pub enum Imported {
    /// A Jindu export, read exactly from its `数据` sheet: the plan's structure.
    Exact(Doc),
    /// Another table in the seed's layout: a proposal to review.
    Proposal(Proposal),
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) => {
            if f.fract() == 0.0 {
                format!("{f:.0}")
            } else {
                f.to_string()
            }
        }
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// A merged range of a sheet: first and last (row, column), inclusive.
type Merge = ((usize, usize), (usize, usize));

/// The cells of a sheet as text, and its merged ranges.
fn sheet_cells(
    book: &mut Xlsx<Cursor<Vec<u8>>>,
    name: &str,
) -> Result<(Vec<Vec<String>>, Vec<Merge>), ExchangeError> {
    let range = book
        .worksheet_range(name)
        .map_err(|e| ExchangeError::Read(e.to_string()))?;
    let Some((h, w)) = range.end().map(|(r, c)| (r as usize + 1, c as usize + 1)) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut rows = vec![vec![String::new(); w]; h];
    for (r, row) in rows.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            if let Some(d) = range.get_value((r as u32, c as u32)) {
                *v = cell_text(d);
            }
        }
    }
    let merges = book
        .merge_cells_by_sheet_name(name)
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            let start = (m.start.0 as usize, m.start.1 as usize);
            let end = ((m.end.0 as usize).min(h - 1), (m.end.1 as usize).min(w - 1));
            (start, end)
        })
        .collect();
    Ok((rows, merges))
}

/// Copies each merged range's value into every cell it covers (so a merged category
/// cell labels each of its rows), except in column `keep_empty`: there the rows under
/// the first stay empty, which a proposal reads as one cell shared with the row above
/// (a merged 责任科室).
fn spread_merges(rows: &mut [Vec<String>], merges: &[Merge], keep_empty: Option<usize>) {
    for &((sr, sc), (er, ec)) in merges {
        let value = rows
            .get(sr)
            .and_then(|r| r.get(sc))
            .cloned()
            .unwrap_or_default();
        for (r, row) in rows.iter_mut().enumerate().take(er + 1).skip(sr) {
            for (c, v) in row.iter_mut().enumerate().take(ec + 1).skip(sc) {
                if keep_empty == Some(c) && sc == ec && r > sr {
                    continue;
                }
                *v = value.clone();
            }
        }
    }
}

/// The cells of a sheet as text, with merged cells' value copied into every cell they
/// cover.
fn sheet_rows(
    book: &mut Xlsx<Cursor<Vec<u8>>>,
    name: &str,
) -> Result<Vec<Vec<String>>, ExchangeError> {
    let (mut rows, merges) = sheet_cells(book, name)?;
    spread_merges(&mut rows, &merges, None);
    Ok(rows)
}

/// The 责任科室 column of a table in the seed's layout: in the header row, the first
/// that names 项目类别, 具体项目 and 责任.
fn department_column(rows: &[Vec<String>]) -> Option<usize> {
    let has = |r: &[String], w: &str| r.iter().any(|c| c.contains(w));
    rows.iter()
        .find(|r| has(r, "项目类别") && has(r, "具体项目"))
        .and_then(|r| r.iter().position(|c| c.contains("责任")))
}

/// Reads an .xlsx workbook: a Jindu export exactly, any other seed-layout table as a
/// proposal (deadlines in the year its title names, else `year`; a merged 责任科室 cell
/// makes its items share it). `plan_id` names the document an exact import becomes.
pub fn read_xlsx(bytes: &[u8], plan_id: &str, year: i32) -> Result<Imported, ExchangeError> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e: calamine::XlsxError| ExchangeError::Read(e.to_string()))?;
    let names = book.sheet_names();
    if names.iter().any(|n| n == DATA_SHEET) {
        let rows = sheet_rows(&mut book, DATA_SHEET)?;
        return Ok(Imported::Exact(structure_from_rows(&rows, plan_id)?));
    }
    let first = names.first().cloned().ok_or(ExchangeError::Empty)?;
    let (mut rows, merges) = sheet_cells(&mut book, &first)?;
    let departments = department_column(&rows);
    spread_merges(&mut rows, &merges, departments);
    Ok(Imported::Proposal(parse_rows(&rows, year)))
}

/// Reads a plan file of any format the import takes, told apart by its bytes: a Word
/// document (a zip with `word/document.xml`) as a proposal, a workbook as
/// [`read_xlsx`] does; an old binary or password-protected Office file, or anything
/// that is not a zip, is refused with its reason.
pub fn read_file(bytes: &[u8], plan_id: &str, year: i32) -> Result<Imported, ExchangeError> {
    if word::is_encrypted(bytes) {
        return Err(ExchangeError::Encrypted);
    }
    if word::is_ole(bytes) {
        return Err(ExchangeError::OldFormat);
    }
    if !word::is_zip(bytes) {
        return Err(ExchangeError::NotZip);
    }
    let is_word = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ExchangeError::Damaged(e.to_string()))?
        .index_for_name("word/document.xml")
        .is_some();
    if is_word {
        read_docx(bytes, year).map(Imported::Proposal)
    } else {
        read_xlsx(bytes, plan_id, year)
    }
}

/// Rebuilds a plan's structure from the `数据` rows, validating every entity as an edit
/// in dependency order (the plan, categories and sites before items, items before what
/// hangs on them).
pub fn structure_from_rows(rows: &[Vec<String>], plan_id: &str) -> Result<Doc, ExchangeError> {
    let mut entities: Vec<(Kind, String, serde_json::Map<String, Value>)> = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        if row.iter().all(String::is_empty) {
            continue;
        }
        let id = row.get(1).cloned().unwrap_or_default();
        let kind = Kind::of_id(&id).ok_or_else(|| ExchangeError::BadDataRow {
            row: i + 1,
            reason: format!("'{id}' is not an entity id"),
        })?;
        let json = row.get(4).cloned().unwrap_or_default();
        let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(&json) else {
            return Err(ExchangeError::BadDataRow {
                row: i + 1,
                reason: "the 字段 column is not a JSON object".into(),
            });
        };
        entities.push((kind, id, fields));
    }
    let rank = |k: Kind| Kind::ALL.iter().position(|x| *x == k).unwrap_or(usize::MAX);
    entities.sort_by_key(|(k, _, _)| rank(*k));
    let mut replica = Replica::new(Doc::new(plan_id), "import", Clock::default());
    for (_, id, fields) in entities {
        replica.apply(
            &Edit::Set { entity: id, fields },
            "import",
            1_609_430_400_000,
        )?;
    }
    Ok(replica.doc)
}
