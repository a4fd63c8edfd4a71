//! Tables with merged cells, as word processors hold them, laid out as the plain grid of
//! text that [`parse_rows`](super::parse_rows) reads.
//!
//! A Word document (`w:vMerge`, `w:gridSpan`) and an HTML table pasted from Word or WPS
//! (`rowspan`, `colspan`) both come down to rows of cells that each cover some rows and
//! columns. They are laid out as HTML lays out a table: each cell takes the first column
//! of its row not yet covered by a cell above. A cell merged down holds its text in its
//! first row and leaves the rows below empty, as a spreadsheet's merged cells are read:
//! an empty category cell continues the category above, and an empty department cell
//! makes the item share the department cell above (`departments_shared`, the span the
//! report merges again). Where a cell goes on from the row above is kept ([`Grid`]), so
//! that a progress cell merged over several items is read as theirs, not as empty. A
//! cell merged across
//! is read once, in its first column: across, a merge is a note or section row over the
//! whole table, or one cell standing for two, and copied it would read as a category and
//! an item, or as departments.

/// One cell of a table: its text (paragraphs as lines) and how many rows and columns it
/// covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanCell {
    pub text: String,
    /// Rows covered, from this one down (at least 1).
    pub rows: usize,
    /// Columns covered, from this one right (at least 1).
    pub cols: usize,
    /// Whether it goes on with a cell merged down in a table before: a table split over
    /// pages where a merge went on (Word's `w:vMerge` at the top of the second table). It
    /// reads as one merge with that cell, so its own text is not read.
    pub continued: bool,
}

impl SpanCell {
    /// A cell covering one row and `cols` columns.
    pub fn new(text: impl Into<String>, rows: usize, cols: usize) -> SpanCell {
        SpanCell {
            text: text.into(),
            rows,
            cols,
            continued: false,
        }
    }

    /// A cell covering one row and `cols` columns that goes on with a cell merged down
    /// in the table before.
    pub fn continued(cols: usize) -> SpanCell {
        SpanCell {
            continued: true,
            ..SpanCell::new("", 1, cols)
        }
    }
}

/// A table laid out as rows of text, with the slots that go on with a cell merged down
/// from the row above (their text is in the cell's first row).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grid {
    pub rows: Vec<Vec<String>>,
    /// `merged[r][c]`: slot `c` of row `r` goes on with the cell above. Rows or slots
    /// missing here are not merged (a spreadsheet's or CSV's rows say nothing of merges).
    pub merged: Vec<Vec<bool>>,
}

impl Grid {
    /// Rows of text with no merges known.
    pub fn from_rows(rows: Vec<Vec<String>>) -> Grid {
        Grid {
            rows,
            merged: Vec::new(),
        }
    }

    /// Whether slot `col` of row `row` goes on with the cell above.
    pub fn merged_above(&self, row: usize, col: usize) -> bool {
        self.merged
            .get(row)
            .and_then(|r| r.get(col))
            .copied()
            .unwrap_or(false)
    }

    /// The grid with `rows` (a title, say) before its own, merged with nothing.
    pub fn after(self, mut rows: Vec<Vec<String>>) -> Grid {
        let mut merged = vec![Vec::new(); rows.len()];
        rows.extend(self.rows);
        merged.extend(self.merged);
        Grid { rows, merged }
    }
}

/// The grid of a table: one row of text per table row, as wide as the widest row, with
/// each merged cell's text in the first column it covers of every row it covers (the
/// other columns it covers are empty), and its slots below its first row marked as
/// merged. Spans reaching past the last row stop there.
pub fn grid(rows: &[Vec<SpanCell>]) -> Grid {
    let height = rows.len();
    // Each slot: its text and whether it goes on with the cell above.
    let mut out: Vec<Vec<Option<(String, bool)>>> = vec![Vec::new(); height];
    for (r, cells) in rows.iter().enumerate() {
        let mut col = 0;
        for cell in cells {
            while out[r].get(col).is_some_and(Option::is_some) {
                col += 1;
            }
            let (down, across) = (cell.rows.max(1), cell.cols.max(1));
            for (d, row) in out
                .iter_mut()
                .take((r + down).min(height))
                .skip(r)
                .enumerate()
            {
                if row.len() < col + across {
                    row.resize(col + across, None);
                }
                for (k, slot) in row[col..col + across].iter_mut().enumerate() {
                    // A slot already covered (overlapping spans in a malformed table)
                    // keeps the first cell's text.
                    slot.get_or_insert_with(|| {
                        let first = d == 0 && !cell.continued;
                        let text = if first && k == 0 {
                            cell.text.clone()
                        } else {
                            String::new()
                        };
                        (text, !first)
                    });
                }
            }
            col += across;
        }
    }
    let width = out.iter().map(Vec::len).max().unwrap_or(0);
    let (rows, merged): (Vec<Vec<String>>, Vec<Vec<bool>>) = out
        .into_iter()
        .map(|mut row| -> (Vec<String>, Vec<bool>) {
            row.resize(width, None);
            row.into_iter().map(Option::unwrap_or_default).unzip()
        })
        .unzip();
    Grid { rows, merged }
}

/// The rows of a document's tables read as one plan table: each table with a heading row
/// ([`heading_row`](super::heading_row)), and after one, each table as wide as it with
/// no heading (the plan continued on the next page without repeating it); tables before
/// the plan's or of another shape are left out. `None` when no table has a heading.
pub fn join_tables(tables: &[Grid]) -> Option<Grid> {
    let mut joined = Grid::default();
    let mut width = None;
    for g in tables {
        let w = g.rows.first().map_or(0, Vec::len);
        match (super::heading_row(&g.rows), width) {
            (Some(_), _) => width = Some(w),
            (None, Some(plan)) if plan == w => {}
            _ => continue,
        }
        let mut merged = g.merged.clone();
        merged.resize(g.rows.len(), Vec::new());
        joined.rows.extend(g.rows.iter().cloned());
        joined.merged.extend(merged);
    }
    width.map(|_| joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str, rows: usize, cols: usize) -> SpanCell {
        SpanCell::new(text, rows, cols)
    }

    #[test]
    fn a_merged_cell_holds_its_text_in_its_first_slot_only() {
        let rows = vec![
            vec![
                c("序号", 1, 1),
                c("类别", 1, 1),
                c("内容", 1, 1),
                c("科室", 1, 1),
            ],
            vec![c("1", 2, 1), c("甲", 2, 1), c("一", 1, 1), c("办", 3, 1)],
            vec![c("二", 1, 1)],
            vec![c("2", 1, 1), c("乙", 1, 1), c("三", 1, 1)],
            vec![c("备注", 1, 4)],
        ];
        let g = grid(&rows);
        assert_eq!(g.rows[1], vec!["1", "甲", "一", "办"]);
        // Merged down: empty below, as a spreadsheet's merged cells read, and marked.
        assert_eq!(g.rows[2], vec!["", "", "二", ""]);
        assert_eq!(g.merged[2], vec![true, true, false, true]);
        assert_eq!(g.rows[3], vec!["2", "乙", "三", ""]);
        assert_eq!(g.merged[3], vec![false, false, false, true]);
        assert_eq!(
            g.rows[4],
            vec!["备注", "", "", ""],
            "read once, not as a category"
        );
        assert_eq!(g.merged[4], vec![false; 4], "across is not down");
    }

    #[test]
    fn short_rows_are_padded_and_spans_stop_at_the_last_row() {
        let g = grid(&[vec![c("a", 5, 1), c("b", 1, 2)], vec![]]);
        assert_eq!(g.rows, vec![vec!["a", "b", ""], vec!["", "", ""]]);
        assert_eq!(g.merged[1], vec![true, false, false]);
        assert!(grid(&[]).rows.is_empty());
    }

    #[test]
    fn a_cell_going_on_from_the_table_before_is_merged_with_the_row_above() {
        let g = grid(&[vec![SpanCell::continued(1), c("二", 1, 1)]]);
        assert_eq!(g.rows, vec![vec!["", "二"]]);
        assert_eq!(g.merged, vec![vec![true, false]]);
    }

    #[test]
    fn tables_join_from_the_first_with_a_heading() {
        let t = |rows: &[&[&str]]| -> Grid {
            Grid::from_rows(
                rows.iter()
                    .map(|r| r.iter().map(|s| s.to_string()).collect())
                    .collect(),
            )
        };
        let title = t(&[&["签发人", "王"]]);
        let plan = t(&[&["序号", "类别", "工作内容"], &["1", "甲", "一"]]);
        let other = t(&[&["备注"]]);
        let more = grid(&[vec![SpanCell::continued(2), c("二", 1, 1)]]);
        let rows = join_tables(&[title.clone(), plan, more, other]).unwrap();
        assert_eq!(rows.rows.len(), 3);
        assert_eq!(rows.rows[2][2], "二");
        assert!(rows.merged_above(2, 0) && !rows.merged_above(2, 2));
        assert!(!rows.merged_above(1, 0), "rows of no merges");
        assert_eq!(join_tables(&[title]), None);
    }
}
