//! The workbook's `督查通报` sheet: the supervision bulletin — its heading, the counts in
//! a sentence and a row, and the annex of the items behind schedule with their 存在问题
//! and 下步措施.

use jindu_core::report::bulletin::{standing, Bulletin};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

use crate::{xerr, ExchangeError};

/// The sheet's name.
pub const SHEET: &str = "督查通报";

/// Row (0-based) of the counts' headings; the counts are on the next row.
pub const COUNTS_ROW: u32 = 3;
/// Row (0-based) of the annex's headings; its entries follow.
pub const ANNEX_ROW: u32 = 6;

/// Adds the `督查通报` sheet.
pub(crate) fn add_sheet(book: &mut Workbook, b: &Bulletin) -> Result<(), ExchangeError> {
    let cell = Format::new()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);
    let centred = cell
        .clone()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let head = centred.clone().set_bold().set_background_color("E6EBF0");
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let bold = Format::new().set_bold();

    let sheet = book.add_worksheet();
    sheet.set_name(SHEET).map_err(xerr)?;
    sheet.set_landscape().set_paper_size(9);
    for (col, width) in [6.0, 40.0, 16.0, 8.0, 40.0, 36.0].into_iter().enumerate() {
        sheet.set_column_width(col as u16, width).map_err(xerr)?;
    }
    sheet
        .merge_range(0, 0, 0, 5, &b.heading(), &title)
        .map_err(xerr)?;
    sheet.write_string(1, 0, &b.title).map_err(xerr)?;
    sheet.write_string(2, 0, b.summary()).map_err(xerr)?;
    let c = &b.counts;
    for (col, (h, v)) in [
        ("项目总数", c.total()),
        ("已完成", c.done),
        ("按序时", c.on_schedule),
        ("慢序时", c.behind),
        ("逾期", c.overdue),
    ]
    .into_iter()
    .enumerate()
    {
        sheet
            .write_string_with_format(COUNTS_ROW, col as u16, h, &head)
            .map_err(xerr)?;
        sheet
            .write_number_with_format(COUNTS_ROW + 1, col as u16, v as f64, &centred)
            .map_err(xerr)?;
    }
    sheet
        .write_string_with_format(ANNEX_ROW - 1, 0, "附件：慢序时及逾期项目", &bold)
        .map_err(xerr)?;
    for (col, h) in Bulletin::annex_headings().iter().enumerate() {
        sheet
            .write_string_with_format(ANNEX_ROW, col as u16, *h, &head)
            .map_err(xerr)?;
    }
    sheet.set_repeat_rows(ANNEX_ROW, ANNEX_ROW).map_err(xerr)?;
    if b.annex.is_empty() {
        sheet
            .write_string(ANNEX_ROW + 1, 0, "本期无慢序时、逾期项目。")
            .map_err(xerr)?;
    }
    for (i, e) in b.annex.iter().enumerate() {
        let r = ANNEX_ROW + 1 + i as u32;
        for (col, text, format) in [
            (0, e.number.as_str(), &centred),
            (1, e.content.as_str(), &cell),
            (2, e.departments.as_str(), &centred),
            (3, standing(e.schedule), &centred),
            (4, e.concern.problem.as_str(), &cell),
            (5, e.concern.next_step.as_str(), &cell),
        ] {
            sheet
                .write_string_with_format(r, col, text, format)
                .map_err(xerr)?;
        }
    }
    Ok(())
}
