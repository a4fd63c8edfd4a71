//! Plans read from Word documents (.docx): the zip's `word/document.xml` (and
//! `word/numbering.xml` for automatic numbering), read with the zip and XML crates the
//! workbook reader already brings.
//!
//! Every table of the document is laid out as a grid ([`jindu_core::import::grid`]) and
//! the grids are joined as one table ([`join_tables`]) for the same reader as .xlsx and
//! CSV ([`parse_grid`]): a table continued over several pages with its heading repeated
//! reads as one (the repeated heading is skipped), a table after the plan's with the
//! same number of columns but no heading is its continuation, and a cell merged down
//! that goes on in the next table (`w:vMerge` where the table was split) is one merge. The paragraphs before the
//! first table are its title (the year is read there).
//!
//! [`export`] writes the period's table and the supervision bulletin as .docx.

mod document;
pub mod export;
mod numbering;

use std::io::{Cursor, Read};

use jindu_core::import::{grid, join_tables, parse_grid, Grid, Proposal};

use crate::ExchangeError;

/// Whether `bytes` are an OLE compound file (old binary Office formats, and Office's
/// password-protected documents, which wrap the encrypted zip in one).
pub fn is_ole(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

/// Whether an OLE file is a password-protected Office document: it holds an
/// `EncryptionInfo` stream (its directory names streams in UTF-16).
pub fn is_encrypted(bytes: &[u8]) -> bool {
    let name: Vec<u8> = "EncryptionInfo"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    is_ole(bytes) && bytes.windows(name.len()).any(|w| w == name.as_slice())
}

/// Whether `bytes` are a zip (a .docx or .xlsx) rather than something else.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// The text of the part `name` of a zip.
fn part<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Option<String>, ExchangeError> {
    let mut file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(ExchangeError::Damaged(e.to_string())),
    };
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| ExchangeError::Damaged(format!("{name}: {e}")))?;
    Ok(Some(text))
}

/// The rows of every table in a .docx, as one grid: the title's paragraphs first (one
/// row each), then each table's rows.
pub fn docx_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, ExchangeError> {
    Ok(docx_grid(bytes)?.rows)
}

/// As [`docx_rows`], with the slots that go on with a cell merged down from above, also
/// from the table before (a merge going on where the table is split over pages).
fn docx_grid(bytes: &[u8]) -> Result<Grid, ExchangeError> {
    if is_encrypted(bytes) {
        return Err(ExchangeError::Encrypted);
    }
    if is_ole(bytes) {
        return Err(ExchangeError::OldFormat);
    }
    if !is_zip(bytes) {
        return Err(ExchangeError::NotZip);
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ExchangeError::Damaged(e.to_string()))?;
    let xml = part(&mut zip, "word/document.xml")?
        .ok_or_else(|| ExchangeError::Damaged("no word/document.xml".into()))?;
    let mut numbering = part(&mut zip, "word/numbering.xml")?
        .map(|x| numbering::Numbering::parse(&x))
        .unwrap_or_default();
    let body = document::parse(&xml, &mut numbering)
        .map_err(|e| ExchangeError::Damaged(format!("word/document.xml: {e}")))?;
    if body.tables.is_empty() {
        return Err(ExchangeError::NoTable);
    }
    let grids: Vec<Grid> = body.tables.iter().map(|t| grid(t)).collect();
    let table = join_tables(&grids).ok_or(ExchangeError::NoHeading)?;
    Ok(table.after(body.title.into_iter().map(|t| vec![t]).collect()))
}

/// Reads the plan table of a .docx as a proposal, deadlines in the year its title names
/// (else `year`).
pub fn read_docx(bytes: &[u8], year: i32) -> Result<Proposal, ExchangeError> {
    Ok(parse_grid(&docx_grid(bytes)?, year))
}
