//! The body of a Word document (`word/document.xml`) as the text of its paragraphs and
//! its tables as rows of [`SpanCell`]s: `w:gridSpan` is a cell's column span,
//! `w:vMerge` a row span (the cells that continue a merge are folded into the cell that
//! starts it), paragraphs in a cell are its lines, numbered paragraphs carry their label.
//! A table inside a cell is read as more lines of that cell.

use jindu_core::import::SpanCell;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::numbering::{attr, Numbering};

/// What the body holds, in order.
#[derive(Debug, Default)]
pub struct Body {
    /// Text of the paragraphs before the first table (a title names the year).
    pub title: Vec<String>,
    /// Every top-level table, as rows of cells with their spans.
    pub tables: Vec<Vec<Vec<SpanCell>>>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Merge {
    Restart,
    Continue,
}

#[derive(Debug)]
struct Cell {
    lines: Vec<String>,
    span: usize,
    merge: Option<Merge>,
}

#[derive(Debug, Default)]
struct Row {
    before: usize,
    cells: Vec<Cell>,
}

/// The paragraph being read: its text and its list (`w:numId`, `w:ilvl`).
#[derive(Debug, Default)]
struct Paragraph {
    text: String,
    num: Option<String>,
    level: usize,
}

fn number(e: &BytesStart, name: &str) -> Option<usize> {
    attr(e, name).and_then(|v| v.parse().ok())
}

/// Reads the body; an XML error is a damaged document.
pub fn parse(xml: &str, numbering: &mut Numbering) -> Result<Body, quick_xml::Error> {
    let mut body = Body::default();
    let mut reader = Reader::from_str(xml);
    // Depth of tables: only top-level ones are tables of the plan.
    let mut depth = 0usize;
    let mut rows: Vec<Row> = Vec::new();
    let mut cell: Option<Cell> = None;
    let mut para: Option<Paragraph> = None;
    // Inside w:t (text kept) or w:delText / w:instrText (not shown, so not read).
    let mut in_text = false;
    // Inside w:pPr, whose w:tab elements are tab stops, not tabs.
    let mut in_props = false;
    loop {
        let event = reader.read_event()?;
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "tbl" => {
                    depth += 1;
                    if depth == 1 {
                        rows.clear();
                    }
                }
                "tr" if depth == 1 => rows.push(Row::default()),
                "gridBefore" if depth == 1 && cell.is_none() => {
                    if let Some(r) = rows.last_mut() {
                        r.before = number(&e, "val").unwrap_or(0);
                    }
                }
                "tc" if depth == 1 => {
                    cell = Some(Cell {
                        lines: Vec::new(),
                        span: 1,
                        merge: None,
                    })
                }
                "gridSpan" if depth == 1 => {
                    if let Some(c) = &mut cell {
                        c.span = number(&e, "val").unwrap_or(1).max(1);
                    }
                }
                "vMerge" if depth == 1 => {
                    if let Some(c) = &mut cell {
                        c.merge = Some(match attr(&e, "val").as_deref() {
                            Some("restart") => Merge::Restart,
                            _ => Merge::Continue,
                        });
                    }
                }
                "p" => {
                    para = Some(Paragraph::default());
                    if empty {
                        end_paragraph(&mut para, &mut cell, &mut body, depth, numbering);
                    }
                }
                "numId" => {
                    if let Some(p) = &mut para {
                        p.num = attr(&e, "val").filter(|v| v != "0");
                    }
                }
                "ilvl" => {
                    if let Some(p) = &mut para {
                        p.level = number(&e, "val").unwrap_or(0);
                    }
                }
                "t" => in_text = !empty,
                "pPr" => in_props = !empty,
                "tab" if !in_props => push(&mut para, " "),
                // A page break is layout; a line break is a new line of the cell.
                "br" | "cr" if attr(&e, "type").as_deref() != Some("page") => push(&mut para, "\n"),
                _ => {}
            },
            Event::Text(t) if in_text => push(&mut para, &t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                let name = r.xml10_content();
                let text = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_predefined_entity(&name)
                        .unwrap_or_default()
                        .to_owned(),
                };
                push(&mut para, &text);
            }
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "pPr" => in_props = false,
                "p" => end_paragraph(&mut para, &mut cell, &mut body, depth, numbering),
                "tc" if depth == 1 => {
                    if let (Some(c), Some(r)) = (cell.take(), rows.last_mut()) {
                        r.cells.push(c);
                    }
                }
                "tbl" => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        body.tables.push(spans(std::mem::take(&mut rows)));
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    Ok(body)
}

fn push(para: &mut Option<Paragraph>, text: &str) {
    if let Some(p) = para {
        p.text.push_str(text);
    }
}

fn end_paragraph(
    para: &mut Option<Paragraph>,
    cell: &mut Option<Cell>,
    body: &mut Body,
    depth: usize,
    numbering: &mut Numbering,
) {
    let Some(p) = para.take() else { return };
    let label = p
        .num
        .as_deref()
        .and_then(|n| numbering.next_label(n, p.level))
        .filter(|l| !l.is_empty());
    let text = match label {
        Some(l) => format!("{l} {}", p.text.trim_start()),
        None => p.text,
    };
    match cell {
        Some(c) => c.lines.extend(text.split('\n').map(str::to_owned)),
        None if depth == 0 && body.tables.is_empty() && !text.trim().is_empty() => {
            body.title.push(text.trim().to_owned());
        }
        None => {}
    }
}

/// A table's rows as cells with row and column spans: a cell continuing a vertical
/// merge adds a row to the cell above that started it and is not a cell of its own. A
/// cell continuing a merge with nothing merged above it in this table (at its top, or
/// under a heading row repeated where the table goes on over a page) goes on with the
/// merge of the table before ([`SpanCell::continued`]).
fn spans(rows: Vec<Row>) -> Vec<Vec<SpanCell>> {
    let mut out: Vec<Vec<SpanCell>> = Vec::new();
    // Which cell (row, index) covers each grid column in the row above, and whether
    // that cell is merged down (only such a cell can go on).
    let mut owner: Vec<Option<(usize, usize, bool)>> = Vec::new();
    for (r, row) in rows.into_iter().enumerate() {
        let mut cells = Vec::new();
        let mut next: Vec<Option<(usize, usize, bool)>> = Vec::new();
        let mut col = 0;
        if row.before > 0 {
            cells.push(SpanCell::new("", 1, row.before));
            next.resize(row.before, None);
            col = row.before;
        }
        for c in row.cells {
            let above = owner.get(col).copied().flatten();
            let at = match (c.merge, above) {
                (Some(Merge::Continue), Some((or, oi, true))) if or + out[or][oi].rows == r => {
                    out[or][oi].rows += 1;
                    (or, oi, true)
                }
                (Some(Merge::Continue), _) => {
                    cells.push(SpanCell::continued(c.span));
                    (r, cells.len() - 1, true)
                }
                (merge, _) => {
                    cells.push(SpanCell::new(c.lines.join("\n").trim(), 1, c.span));
                    (r, cells.len() - 1, merge.is_some())
                }
            };
            next.resize(col + c.span, None);
            next[col..col + c.span].fill(Some(at));
            col += c.span;
        }
        owner = next;
        out.push(cells);
    }
    out
}
