//! The table as CSV, and CSV read back (RFC 4180).

use super::Report;

impl Report {
    /// The table as CSV: UTF-8 with a byte-order mark (so Excel reads Chinese), CRLF line
    /// ends, every field quoted. Marks only when the report asks for them
    /// ([`Report::marks`]).
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = String::from("\u{feff}");
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let line = |cells: &[String]| {
            cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(",") + "\r\n"
        };
        out.push_str(&line(&self.headings()));
        for row in &self.rows {
            out.push_str(&line(&[
                row.number.clone(),
                row.category.clone(),
                row.content.clone(),
                row.departments.clone(),
                self.printed(row),
            ]));
        }
        out.into_bytes()
    }
}

/// Parses CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF), skipping a BOM.
pub fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}
