//! Word documents for the tests, made with docx-rs: tables with vertical merges, cells
//! of several paragraphs, Word's automatic numbering, and the Xixing 2021 table built
//! from the seed's text (`crates/core/tests/data/xixing-2021-livelihood-plan-h1.txt`).
#![allow(dead_code)]

use std::io::Cursor;

use docx_rs::{
    AbstractNumbering, BreakType, Docx, IndentLevel, Level, LevelJc, LevelText, NumberFormat,
    Numbering, NumberingId, Paragraph, Run, Start, Table, TableCell, TableRow, VMergeType,
};
use jindu_core::{seed, Plan};

/// The seed's text, as the office's table was copied out of its Word document.
pub const SEED: &str = include_str!("../../../core/tests/data/xixing-2021-livelihood-plan-h1.txt");

/// The seed table's heading row.
pub const HEADING: [&str; 5] = [
    "序号",
    "项目类别",
    "具体项目及内容",
    "责任科室",
    "1-6月完成情况",
];

/// A paragraph of one run of text.
pub fn para(text: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text))
}

/// A cell of one paragraph per line.
pub fn cell(lines: &[&str]) -> TableCell {
    lines
        .iter()
        .fold(TableCell::new(), |c, l| c.add_paragraph(para(l)))
}

/// A cell that starts a vertical merge.
pub fn merged(lines: &[&str]) -> TableCell {
    cell(lines).vertical_merge(VMergeType::Restart)
}

/// A cell continuing the vertical merge above (Word leaves one empty paragraph in it).
pub fn continued() -> TableCell {
    cell(&[""]).vertical_merge(VMergeType::Continue)
}

/// A row of plain cells.
pub fn row(cells: &[&str]) -> TableRow {
    TableRow::new(cells.iter().map(|c| cell(&[c])).collect())
}

/// A paragraph that starts a new page.
pub fn page_break() -> Paragraph {
    Paragraph::new().add_run(Run::new().add_break(BreakType::Page))
}

/// The document's bytes.
pub fn pack(docx: Docx) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    docx.pack(&mut out).expect("docx-rs writes to memory");
    out.into_inner()
}

/// One item of the seed's table, read from its text.
#[derive(Clone, Debug)]
pub struct SeedItem {
    pub category: usize,
    pub content: String,
    /// The department cell's lines, when a cell starts at this item (else it shares the
    /// merged cell above).
    pub departments: Option<Vec<String>>,
    /// The 1-6月完成情况 cell's lines.
    pub progress: Vec<String>,
}

/// The seed's items in order, each with its cells: the text after the item up to the
/// next item holds its department cell (short lines naming an office) and its progress
/// cell (the rest, less the next category's number and name).
pub fn seed_items() -> (Plan, Vec<SeedItem>) {
    let plan = Plan::from_doc(&seed::xixing_2021());
    let mut at: Vec<(usize, usize, usize, String)> = plan
        .items
        .iter()
        .map(|i| {
            let start = SEED
                .find(&i.content)
                .unwrap_or_else(|| panic!("{} not in the seed", i.content));
            let category = plan
                .categories
                .iter()
                .position(|c| c.id == i.category)
                .expect("items are of a category");
            (start, start + i.content.len(), category, i.content.clone())
        })
        .collect();
    at.sort();
    let mut items = Vec::new();
    for (k, (_, end, category, content)) in at.iter().enumerate() {
        let next = at.get(k + 1).map_or(SEED.len(), |n| n.0);
        let lines = SEED[*end..next]
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .filter(|l| !l.chars().all(|c| c.is_ascii_digit() || c == '.'))
            .filter(|l| !plan.categories.iter().any(|c| c.name == *l));
        let (mut departments, mut progress) = (Vec::new(), Vec::new());
        for l in lines {
            if l.contains('办') && l.chars().count() < 40 && !l.contains('完') {
                departments.push(l.to_owned());
            } else if !l.starts_with(|c: char| c.is_ascii_digit())
                || l.contains('月') && !l.ends_with('；')
            {
                progress.push(l.to_owned());
            }
        }
        items.push(SeedItem {
            category: *category,
            content: content.clone(),
            departments: (!departments.is_empty()).then_some(departments),
            progress,
        });
    }
    (plan, items)
}

/// The Xixing 2021 table as the office's Word document holds it: a title, then one
/// table with the seed's heading; 序号 and 项目类别 cells merged over each category's
/// items, department cells merged over the items that share them, items of numbered
/// categories numbered by Word's automatic numbering (each category's list starting at
/// 1), and each item's 1-6月完成情况 cell of one paragraph per line.
pub fn seed_docx() -> Vec<u8> {
    let (plan, items) = seed_items();
    let mut docx = Docx::new().add_paragraph(para("西兴街道2021年民生实事项目计划"));
    for (ci, _) in plan.categories.iter().enumerate() {
        // One list per category, so that each starts at 1.
        let id = ci + 2;
        docx = docx
            .add_abstract_numbering(AbstractNumbering::new(id).add_level(Level::new(
                0,
                Start::new(1),
                NumberFormat::new("decimal"),
                LevelText::new("%1."),
                LevelJc::new("left"),
            )))
            .add_numbering(Numbering::new(id, id));
    }
    let mut rows = vec![row(&HEADING)];
    for (k, item) in items.iter().enumerate() {
        let category = &plan.categories[item.category];
        let first_of_category = k == 0 || items[k - 1].category != item.category;
        let content = if category.numbered {
            let list = NumberingId::new(item.category + 2);
            TableCell::new().add_paragraph(para(&item.content).numbering(list, IndentLevel::new(0)))
        } else {
            cell(&[&item.content])
        };
        let departments = match &item.departments {
            Some(lines) => {
                let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
                merged(&lines)
            }
            None => continued(),
        };
        let progress: Vec<&str> = item.progress.iter().map(String::as_str).collect();
        let (number, name) = if first_of_category {
            (
                merged(&[&(item.category + 1).to_string()]),
                merged(&[&category.name]),
            )
        } else {
            (continued(), continued())
        };
        rows.push(TableRow::new(vec![
            number,
            name,
            content,
            departments,
            cell(&progress),
        ]));
    }
    pack(docx.add_table(Table::new(rows)))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A cell as Word puts it on the clipboard: one `<p>` a line, spans as attributes.
fn html_cell(lines: &[String], rows: usize) -> String {
    let span = if rows > 1 {
        format!(" rowspan={rows}")
    } else {
        String::new()
    };
    let paras: String = lines
        .iter()
        .map(|l| format!("<p class=MsoNormal>{}<o:p></o:p></p>", escape(l)))
        .collect();
    format!("<td{span} valign=top style='border:solid windowtext 1.0pt'>{paras}</td>")
}

/// The same table as [`seed_docx`], as the HTML Word puts on the clipboard when it is
/// copied: merged cells as `rowspan`, Word's automatic numbers as text in an
/// `mso-list:Ignore` span followed by non-breaking spaces.
pub fn seed_html() -> String {
    let (plan, items) = seed_items();
    let run = |k: usize, same: &dyn Fn(&SeedItem) -> bool| {
        items[k..].iter().take_while(|i| same(i)).count()
    };
    let mut rows = vec![format!(
        "<tr>{}</tr>",
        HEADING
            .iter()
            .map(|h| html_cell(&[h.to_string()], 1))
            .collect::<String>()
    )];
    let mut number = 0;
    for (k, item) in items.iter().enumerate() {
        let category = &plan.categories[item.category];
        let mut cells = String::new();
        if k == 0 || items[k - 1].category != item.category {
            number = 0;
            let n = run(k, &|i| i.category == item.category);
            cells += &html_cell(&[(item.category + 1).to_string()], n);
            cells += &html_cell(std::slice::from_ref(&category.name), n);
        }
        number += 1;
        let content = if category.numbered {
            format!(
                "<td valign=top><p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><![if !supportLists]><span style='mso-list:Ignore'>{number}.<span style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp; </span></span><![endif]>{}<o:p></o:p></p></td>",
                escape(&item.content)
            )
        } else {
            html_cell(std::slice::from_ref(&item.content), 1)
        };
        cells += &content;
        if let Some(lines) = &item.departments {
            let n = 1 + run(k + 1, &|i| i.departments.is_none());
            cells += &html_cell(lines, n);
        }
        cells += &html_cell(&item.progress, 1);
        rows.push(format!("<tr>{cells}</tr>"));
    }
    format!(
        "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><body lang=ZH-CN>\
         <!--StartFragment--><p class=MsoNormal>西兴街道2021年民生实事项目计划</p>\
         <table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0>{}</table>\
         <!--EndFragment--></body></html>",
        rows.concat()
    )
}
