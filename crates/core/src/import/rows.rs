//! Rows of a plan table read into a [`Proposal`]: the heading row found, a title's year,
//! categories continued down empty (merged) cells, department cells shared by the items
//! under them, numbered items of one cell split, and a progress column's cells given to
//! the items they cover: a cell merged over several items, or beside a cell of several
//! numbered items, is each item's (and said to be shared).

use super::grid::Grid;
use super::heading::{period_end, Columns};
use super::targets::targets_in;
use super::text::{deadline_in, split_items};
use super::{ProgressColumn, Proposal, ProposedCategory, ProposedItem};
use crate::model::DateSpec;

/// The first "2024年" in a title row, if any.
fn year_in(rows: &[Vec<String>]) -> Option<i32> {
    rows.iter().flatten().find_map(|cell| {
        let chars: Vec<char> = cell.chars().collect();
        chars.windows(5).find_map(|w| {
            (w[..4].iter().all(char::is_ascii_digit) && w[4] == '年')
                .then(|| w[..4].iter().collect::<String>().parse().ok())
                .flatten()
        })
    })
}

/// The index of the first heading row of `rows` (one naming a category column and an
/// item column, see [`Columns::find`]).
pub fn heading_row(rows: &[Vec<String>]) -> Option<usize> {
    rows.iter().position(|r| Columns::find(r).is_some())
}

/// Reads rows in the seed's layout into a proposal. The first heading row (项目类别 and
/// 具体项目, or their variants) is the header; rows before it (a title) give the year
/// when they name one, else `fallback_year` is used. Rows of text say nothing of merged
/// cells (a spreadsheet's or CSV's); [`parse_grid`] reads a table that does.
pub fn parse_rows(rows: &[Vec<String>], fallback_year: i32) -> Proposal {
    let header_at = heading_row(rows).unwrap_or(0);
    let year = year_in(&rows[..header_at.min(rows.len())]).unwrap_or(fallback_year);
    read(rows, &|_, _| false, year)
}

/// As [`parse_rows`], for a table whose merged cells are known (a Word document's, a
/// table pasted from Word): a progress cell merged over several items is each item's.
pub fn parse_grid(grid: &Grid, fallback_year: i32) -> Proposal {
    let rows = &grid.rows;
    let header_at = heading_row(rows).unwrap_or(0);
    let year = year_in(&rows[..header_at.min(rows.len())]).unwrap_or(fallback_year);
    read(rows, &|r, c| grid.merged_above(r, c), year)
}

/// Departments as written in a cell: "公共管理办、各社区" → two.
fn departments_in(cell: &str) -> Vec<String> {
    cell.split(['、', '\n', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// As [`parse_rows`], with deadlines placed in `year`. A heading row met again (a table
/// continued over pages repeats it) is skipped; another heading row re-reads the
/// columns.
pub fn parse_rows_for_year(rows: &[Vec<String>], year: i32) -> Proposal {
    read(rows, &|_, _| false, year)
}

/// Reads `rows`; `merged(r, c)` says whether slot `c` of row `r` goes on with the cell
/// above.
fn read(rows: &[Vec<String>], merged: &dyn Fn(usize, usize) -> bool, year: i32) -> Proposal {
    let mut p = Proposal {
        year,
        ..Proposal::default()
    };
    let Some(header_at) = heading_row(rows) else {
        p.unread
            .push((1, "no header row with 项目类别 and 具体项目及内容".into()));
        return p;
    };
    let mut cols = Columns::find(&rows[header_at]).expect("heading_row found it");
    p.progress = cols.progress.as_ref().map(|(_, h)| ProgressColumn {
        heading: h.clone(),
        as_of: period_end(h, year),
        keep: true,
    });
    let mut last_dept: Vec<String> = Vec::new();
    // The progress cell last begun, and the item read last (category, item).
    let mut last_progress = String::new();
    let mut last_item: Option<(usize, usize)> = None;
    for (i, row) in rows.iter().enumerate().skip(header_at + 1) {
        let line = i + 1;
        if let Some(again) = Columns::find(row) {
            cols = again;
            continue;
        }
        let get = |c: usize| row.get(c).map(|s| s.trim().to_owned()).unwrap_or_default();
        let (category, content) = (get(cols.category), get(cols.content));
        if category.is_empty() && content.is_empty() {
            if row.iter().any(|c| !c.trim().is_empty()) {
                p.unread
                    .push((line, "neither a category nor an item".into()));
            }
            continue;
        }
        if content.is_empty() {
            p.unread
                .push((line, format!("category '{category}' without an item")));
            continue;
        }
        let cat_index = match (category.is_empty(), p.categories.last()) {
            (true, None) => {
                p.unread.push((line, "an item before any category".into()));
                continue;
            }
            (true, Some(_)) => p.categories.len() - 1,
            (false, Some(last)) if last.name == category => p.categories.len() - 1,
            (false, _) => {
                p.categories.push(ProposedCategory {
                    name: category.clone(),
                    numbered: false,
                    items: Vec::new(),
                });
                last_dept.clear();
                p.categories.len() - 1
            }
        };
        let own_cell = cols.departments.map(get).filter(|d| !d.is_empty());
        let departments = match &own_cell {
            Some(d) => departments_in(d),
            None => last_dept.clone(),
        };
        last_dept = departments.clone();
        let deadline_cell = cols.deadline.map(get).unwrap_or_default();
        // A progress cell merged down from the row above is the same cell: its text is
        // this row's too, shared with the item above.
        let (progress, merged_progress) = match &cols.progress {
            Some((c, _)) if merged(i, *c) => (last_progress.clone(), true),
            Some((c, _)) => {
                last_progress = get(*c);
                (last_progress.clone(), false)
            }
            None => (String::new(), false),
        };
        if merged_progress && !progress.is_empty() {
            if let Some((ci, ii)) = last_item {
                p.categories[ci].items[ii].progress_shared = true;
            }
        }
        let (numbered, items) = split_items(&content);
        let several = items.len() > 1;
        let cat = &mut p.categories[cat_index];
        cat.numbered |= numbered;
        for (k, text) in items.into_iter().enumerate() {
            // An empty department cell under an item of the same category is one with it.
            let departments_shared = k > 0
                || (own_cell.is_none() && cols.departments.is_some() && !cat.items.is_empty());
            cat.items.push(ProposedItem {
                departments_shared,
                deadline: deadline_in(&deadline_cell, year)
                    .or_else(|| year_end_in(&deadline_cell, year))
                    .or_else(|| deadline_in(&text, year)),
                targets: targets_in(&text),
                content: text,
                departments: departments.clone(),
                row: line,
                // Several items in one cell share the row's progress cell, as items do
                // under a progress cell merged over their rows: it is each one's.
                progress_shared: !progress.is_empty() && (several || merged_progress),
                progress: progress.clone(),
            });
        }
        last_item = Some((cat_index, cat.items.len() - 1));
    }
    p
}

/// A deadline cell naming the year's end ("年底前", "12月底") when no month is read.
fn year_end_in(cell: &str, year: i32) -> Option<DateSpec> {
    cell.contains("年底")
        .then(|| DateSpec::month_end(year, 12, cell.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{grid, SpanCell};

    fn c(text: &str, rows: usize) -> SpanCell {
        SpanCell::new(text, rows, 1)
    }

    fn progress(p: &Proposal) -> Vec<(&str, &str, bool)> {
        p.categories
            .iter()
            .flat_map(|c| &c.items)
            .map(|i| (i.content.as_str(), i.progress.as_str(), i.progress_shared))
            .collect()
    }

    #[test]
    fn a_progress_cell_merged_over_several_items_is_each_ones_and_shared() {
        let table = grid(&[
            vec![c("类别", 1), c("工作内容", 1), c("1-6月完成情况", 1)],
            vec![
                c("环境", 4),
                c("新建公园3处", 1),
                c("公园、公厕均已开工。", 2),
            ],
            vec![c("改造公厕5座", 1)],
            vec![c("安装路灯120盏", 1), c("", 1)],
            vec![c("1. 整治小巷10条\n2. 新建广场2处", 1), c("已完成。", 1)],
        ]);
        let p = parse_grid(&table, 2024);
        assert!(p.unread.is_empty(), "{:?}", p.unread);
        assert_eq!(
            progress(&p),
            vec![
                ("新建公园3处", "公园、公厕均已开工。", true),
                ("改造公厕5座", "公园、公厕均已开工。", true),
                ("安装路灯120盏", "", false),
                ("整治小巷10条", "已完成。", true),
                ("新建广场2处", "已完成。", true),
            ],
            "an empty cell of its own is no progress; a cell of two items is both's"
        );
        let records: Vec<(usize, usize, &str)> = p.records().collect();
        assert_eq!(records.len(), 4, "{records:?}");
    }

    #[test]
    fn rows_of_text_know_no_merges_so_an_empty_progress_cell_is_empty() {
        let rows: Vec<Vec<String>> = [
            ["类别", "工作内容", "完成情况"],
            ["环境", "新建公园3处", "已开工。"],
            ["", "改造公厕5座", ""],
        ]
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
        let p = parse_rows(&rows, 2024);
        assert_eq!(
            progress(&p),
            vec![
                ("新建公园3处", "已开工。", false),
                ("改造公厕5座", "", false)
            ]
        );
    }
}
