//! The heading row of a plan table, found by its words with the variants offices use,
//! and the period a progress column's heading names.

use chrono::NaiveDate;

use crate::model::date::last_day_of_month;

/// Words of the category column's heading.
const CATEGORY: [&str; 2] = ["项目类别", "类别"];
/// Words of the item column's heading.
const CONTENT: [&str; 4] = ["具体项目", "工作内容", "项目内容", "建设内容"];
/// Words of the departments column's heading.
const DEPARTMENTS: [&str; 4] = ["责任", "牵头单位", "牵头科室", "实施单位"];
/// Words of a deadline column's heading.
const DEADLINE: [&str; 3] = ["完成时限", "时间节点", "完成时间"];
/// Words of a progress column's heading ("1-6月完成情况").
const PROGRESS: [&str; 3] = ["完成情况", "进展情况", "推进情况"];

/// Where a table's columns are, read from its heading row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    pub category: usize,
    pub content: usize,
    pub departments: Option<usize>,
    pub deadline: Option<usize>,
    /// The progress column and its heading.
    pub progress: Option<(usize, String)>,
}

fn find(row: &[String], words: &[&str], skip: &[usize]) -> Option<usize> {
    // Headings are short: a long cell that happens to hold the words is content.
    let heading = |h: &String| h.chars().count() <= 20;
    row.iter()
        .enumerate()
        .position(|(i, h)| !skip.contains(&i) && heading(h) && words.iter().any(|w| h.contains(w)))
}

impl Columns {
    /// The columns of `row` if it is a heading row: one naming both a category and an
    /// item column.
    pub fn find(row: &[String]) -> Option<Columns> {
        let content = find(row, &CONTENT, &[])?;
        let category = find(row, &CATEGORY, &[content])?;
        let taken = [category, content];
        let progress = find(row, &PROGRESS, &taken).map(|c| (c, row[c].trim().to_owned()));
        let deadline = find(row, &DEADLINE, &taken);
        Some(Columns {
            category,
            content,
            departments: find(row, &DEPARTMENTS, &taken),
            deadline,
            progress,
        })
    }
}

/// The day progress written under `heading` was reported: the end of the last month of
/// the period it names ("1-6月完成情况" → June 30 of `year`; "1-9月" → September 30;
/// 上半年 → June; 前三季度 → September; 全年 → December), or `None` when it names
/// none.
pub fn period_end(heading: &str, year: i32) -> Option<NaiveDate> {
    let named = [
        ("上半年", 6),
        ("前三季度", 9),
        ("三季度", 9),
        ("一季度", 3),
        ("全年", 12),
        ("年度", 12),
    ];
    let month = match named.iter().find(|(w, _)| heading.contains(w)) {
        Some((_, m)) => Some(*m),
        None => {
            // The number right before the last 月.
            let chars: Vec<char> = heading.chars().collect();
            let at = chars.iter().rposition(|c| *c == '月')?;
            let start = chars[..at]
                .iter()
                .rposition(|c| !c.is_ascii_digit())
                .map_or(0, |p| p + 1);
            chars[start..at].iter().collect::<String>().parse().ok()
        }
    }?;
    (1..=12)
        .contains(&month)
        .then(|| last_day_of_month(year, month))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headings_are_found_by_their_variants() {
        let seed = Columns::find(&row(&[
            "序号",
            "项目类别",
            "具体项目及内容",
            "责任科室",
            "1-6月完成情况",
        ]))
        .unwrap();
        assert_eq!((seed.category, seed.content), (1, 2));
        assert_eq!(seed.departments, Some(3));
        assert_eq!(seed.progress, Some((4, "1-6月完成情况".to_string())));
        let other = Columns::find(&row(&[
            "序号",
            "类别",
            "工作内容",
            "牵头单位",
            "完成时限",
            "进展情况",
        ]))
        .unwrap();
        assert_eq!(
            (other.category, other.content, other.departments),
            (1, 2, Some(3))
        );
        assert_eq!(other.deadline, Some(4));
        assert_eq!(other.progress.map(|p| p.0), Some(5));
        assert!(Columns::find(&row(&["序号", "名称", "金额"])).is_none());
    }

    #[test]
    fn the_progress_headings_period_ends_the_month_it_names() {
        let d = |m, day| NaiveDate::from_ymd_opt(2021, m, day);
        assert_eq!(period_end("1-6月完成情况", 2021), d(6, 30));
        assert_eq!(period_end("1-9月完成情况", 2021), d(9, 30));
        assert_eq!(period_end("1—12月进展情况", 2021), d(12, 31));
        assert_eq!(period_end("上半年完成情况", 2021), d(6, 30));
        assert_eq!(period_end("完成情况", 2021), None);
        assert_eq!(period_end("13月完成情况", 2021), None);
    }
}
