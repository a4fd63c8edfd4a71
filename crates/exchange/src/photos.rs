//! The workbook's `照片` sheet: the evidence annex, one row per photo — the thumbnail
//! embedded in the first column, its item, site, day, writer and location beside it.

use jindu_core::report::evidence::AnnexPhoto;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Image, Workbook};

use crate::{xerr, ExchangeError};

/// The sheet's name, as the office's annex is headed.
pub const SHEET: &str = "照片";
/// Row height in points for a photo's row (a 320 px thumbnail scaled to fit).
const ROW_POINTS: f64 = 130.0;

/// Adds the `照片` sheet when there are photos; a workbook without photos has none.
pub(crate) fn add_sheet(
    book: &mut Workbook,
    photos: &[(AnnexPhoto, Vec<u8>)],
) -> Result<(), ExchangeError> {
    if photos.is_empty() {
        return Ok(());
    }
    let cell = Format::new()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);
    let head = cell
        .clone()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color("E6EBF0");
    let sheet = book.add_worksheet();
    sheet.set_name(SHEET).map_err(xerr)?;
    sheet.set_landscape().set_paper_size(9);
    for (col, (title, width)) in [
        ("照片", 30.0),
        ("序号", 8.0),
        ("具体项目", 40.0),
        ("点位", 16.0),
        ("日期", 12.0),
        ("记录人", 16.0),
        ("位置", 28.0),
    ]
    .into_iter()
    .enumerate()
    {
        sheet
            .write_string_with_format(0, col as u16, title, &head)
            .map_err(xerr)?;
        sheet.set_column_width(col as u16, width).map_err(xerr)?;
    }
    sheet.set_repeat_rows(0, 0).map_err(xerr)?;
    for (i, (p, bytes)) in photos.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.set_row_height(row, ROW_POINTS).map_err(xerr)?;
        // A photo the tablet could not read back is named, not left as an empty row.
        match Image::new_from_buffer(bytes) {
            Ok(image) => {
                let image = image.set_alt_text(p.caption());
                sheet
                    .insert_image_fit_to_cell(row, 0, &image, true)
                    .map_err(xerr)?;
            }
            Err(_) => {
                sheet
                    .write_string_with_format(row, 0, "（照片不可用）", &cell)
                    .map_err(xerr)?;
            }
        }
        let location = p
            .location
            .map(|l| format!("{:.5}, {:.5} ±{:.0} 米", l.lat, l.lon, l.accuracy))
            .unwrap_or_default();
        let writer = match &p.signer {
            Some(s) if *s != p.author => format!("{}（{s}）", p.author),
            _ => p.author.clone(),
        };
        let values = [
            p.number.clone(),
            p.item.clone(),
            p.site.clone().unwrap_or_default(),
            p.observed.to_string(),
            writer,
            location,
        ];
        for (col, v) in values.iter().enumerate() {
            sheet
                .write_string_with_format(row, col as u16 + 1, v, &cell)
                .map_err(xerr)?;
        }
    }
    Ok(())
}
