//! Tables pasted from Word or WPS: the clipboard's HTML, parsed by the browser
//! (`DOMParser`, so Word's conditional comments and odd markup read as the browser reads
//! them), each table's cells taken with their `rowspan` and `colspan` and laid out by
//! the same grid and table joining as a .docx (`jindu_core::import`), for the same
//! reader. Paragraphs and line breaks in a cell are its lines.

use jindu_core::import::{grid, join_tables, Grid, SpanCell};
use wasm_bindgen::JsCast;
use web_sys::{
    DomParser, Element, HtmlTableCellElement, HtmlTableElement, HtmlTableRowElement, Node,
    SupportedType,
};

/// Why a paste gives no plan table; its code is the one the exchange module uses for
/// the same problem in a file, so both are said with the same words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreadable {
    NoTable,
    NoHeading,
}

impl Unreadable {
    pub fn code(self) -> &'static str {
        match self {
            Unreadable::NoTable => "no-table",
            Unreadable::NoHeading => "no-heading",
        }
    }
}

/// Elements after which a cell's text goes on on a new line.
const BLOCKS: [&str; 10] = [
    "P", "DIV", "LI", "TR", "H1", "H2", "H3", "H4", "TABLE", "UL",
];

/// The text of `node` and what it holds, with a line break at each `<br>` and around
/// each block; white space inside a line collapsed as the browser shows it.
fn text_of(node: &Node, out: &mut String) {
    if node.node_type() == Node::TEXT_NODE {
        let text = node.text_content().unwrap_or_default();
        let mut last_space = out.ends_with([' ', '\n']) || out.is_empty();
        for c in text.chars() {
            // Word writes &nbsp; for the space after an automatic number.
            if c.is_whitespace() || c == '\u{a0}' {
                if !last_space {
                    out.push(' ');
                }
                last_space = true;
            } else {
                out.push(c);
                last_space = false;
            }
        }
        return;
    }
    let Some(el) = node.dyn_ref::<Element>() else {
        return;
    };
    let tag = el.tag_name().to_uppercase();
    if matches!(tag.as_str(), "STYLE" | "SCRIPT" | "TITLE" | "HEAD") {
        return;
    }
    if tag == "BR" {
        out.push('\n');
        return;
    }
    let block = BLOCKS.contains(&tag.as_str());
    if block && !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    let children = node.child_nodes();
    for i in 0..children.length() {
        if let Some(child) = children.item(i) {
            text_of(&child, out);
        }
    }
    if block && !out.ends_with('\n') {
        out.push('\n');
    }
}

/// A cell's lines: its text split at line breaks, each line trimmed, empty ones left out.
fn cell_text(cell: &Element) -> String {
    let mut out = String::new();
    text_of(cell, &mut out);
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn table_cells(table: &HtmlTableElement) -> Vec<Vec<SpanCell>> {
    let rows = table.rows();
    (0..rows.length())
        .filter_map(|i| rows.item(i)?.dyn_into::<HtmlTableRowElement>().ok())
        .map(|row| {
            let cells = row.cells();
            (0..cells.length())
                .filter_map(|k| cells.item(k)?.dyn_into::<HtmlTableCellElement>().ok())
                .map(|c| {
                    SpanCell::new(
                        cell_text(&c),
                        c.row_span().max(1) as usize,
                        c.col_span().max(1) as usize,
                    )
                })
                .collect()
        })
        .collect()
}

/// The plan table in pasted HTML, as a grid for `parse_grid` (its merged cells known).
pub fn rows_from_html(html: &str) -> Result<Grid, Unreadable> {
    let doc = DomParser::new()
        .and_then(|p| p.parse_from_string(html, SupportedType::TextHtml))
        .map_err(|_| Unreadable::NoTable)?;
    let found = doc
        .query_selector_all("table")
        .map_err(|_| Unreadable::NoTable)?;
    let mut grids = Vec::new();
    for i in 0..found.length() {
        let Some(table) = found
            .item(i)
            .and_then(|n| n.dyn_into::<HtmlTableElement>().ok())
        else {
            continue;
        };
        // A table inside a cell is part of that cell's text.
        let nested = table
            .parent_element()
            .and_then(|p| p.closest("table").ok().flatten())
            .is_some();
        if !nested {
            grids.push(grid(&table_cells(&table)));
        }
    }
    if grids.is_empty() {
        return Err(Unreadable::NoTable);
    }
    let table = join_tables(&grids).ok_or(Unreadable::NoHeading)?;
    Ok(table.after(title_rows(&doc)))
}

/// The text before the first table (a title names the plan's year), one row a line.
fn title_rows(doc: &web_sys::Document) -> Vec<Vec<String>> {
    let Some(body) = doc.body() else {
        return Vec::new();
    };
    let mut text = String::new();
    let children = body.children();
    for i in 0..children.length() {
        let Some(child) = children.item(i) else {
            continue;
        };
        let holds_table = child.tag_name().eq_ignore_ascii_case("table")
            || child.query_selector("table").ok().flatten().is_some();
        if holds_table {
            break;
        }
        text_of(&child, &mut text);
        text.push('\n');
    }
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| vec![l.to_owned()])
        .collect()
}

/// Plain text pasted (a table copied from a spreadsheet, or a browser that offers no
/// HTML): one row a line, cells separated by tabs; no merges are known.
pub fn rows_from_text(text: &str) -> Result<Grid, Unreadable> {
    let rows: Vec<Vec<String>> = text
        .lines()
        .filter(|l| l.contains('\t'))
        .map(|l| l.split('\t').map(|c| c.trim().to_owned()).collect())
        .collect();
    if rows.is_empty() {
        return Err(Unreadable::NoTable);
    }
    join_tables(&[Grid::from_rows(rows)]).ok_or(Unreadable::NoHeading)
}
