//! Reading a plan from a table in the seed's layout (CSV here, .xlsx through
//! `jindu-exchange`): 序号 / 项目类别 / 具体项目及内容 /
//! 责任科室 / (完成情况).
//!
//! Merged category and department cells arrive repeated or empty (both are handled; an
//! empty department cell makes the item share the one above, `departments_shared`),
//! several numbered items may share one cell ("1. …;\n2. …;"), deadlines are read from
//! "计划X月底前完成" and quantities from "200台" or "10处200个接口". What is read is a
//! [`Proposal`]: every guess can be corrected before it becomes a plan, and every row
//! that could not be read is named.

use crate::doc::Doc;
use crate::edit::{Edit, EditError, Replica};
use crate::hlc::Clock;
use crate::model::DateSpec;
use crate::newplan::{new_replica, NewPlan};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Units a quantity may carry, longest first.
const UNITS: [&str; 18] = [
    "平方米",
    "公里",
    "接口",
    "台",
    "处",
    "个",
    "家",
    "套",
    "场",
    "座",
    "条",
    "户",
    "辆",
    "米",
    "间",
    "所",
    "项",
    "次",
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposedTarget {
    pub name: String,
    pub quantity: f64,
    pub unit: String,
    /// The words it was read from.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposedItem {
    pub content: String,
    pub departments: Vec<String>,
    /// Whether the table gives the item no department cell of its own: its row's cell
    /// was merged with (or left empty under) the one above, or it shares a cell of
    /// several numbered items. Becomes the item's `departments_shared`.
    #[serde(default)]
    pub departments_shared: bool,
    pub deadline: Option<DateSpec>,
    pub targets: Vec<ProposedTarget>,
    /// The spreadsheet row it came from (1-based), for the preview.
    pub row: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposedCategory {
    pub name: String,
    /// Whether its items were numbered in the table.
    pub numbered: bool,
    pub items: Vec<ProposedItem>,
}

/// What a table was read as, to be reviewed and corrected.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub categories: Vec<ProposedCategory>,
    /// Rows that could not be read, with the reason.
    pub unread: Vec<(usize, String)>,
    /// The year deadlines were placed in.
    pub year: i32,
}

fn find_col(header: &[String], words: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| words.iter().any(|w| h.contains(w)))
}

/// Splits a cell holding several numbered items ("1. …\n2. …") into its items; a cell
/// without numbering is one item.
fn split_items(cell: &str) -> (bool, Vec<String>) {
    let mut items: Vec<String> = Vec::new();
    let mut numbered = false;
    for line in cell.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        let rest = &line[digits..];
        let sep = rest.chars().next();
        if digits > 0 && matches!(sep, Some('.' | '、' | '．')) {
            numbered = true;
            let body = rest[sep.map_or(0, char::len_utf8)..].trim();
            items.push(body.to_owned());
        } else if let Some(last) = items.last_mut() {
            last.push_str(line);
        } else {
            items.push(line.to_owned());
        }
    }
    (numbered, items)
}

/// "计划9月底前完成" → the end of September, keeping the words.
pub fn deadline_in(text: &str, year: i32) -> Option<DateSpec> {
    let chars: Vec<char> = text.chars().collect();
    let mut best = None;
    for i in 0..chars.len() {
        if chars[i] != '月' {
            continue;
        }
        let rest: String = chars[i + 1..].iter().take(3).collect();
        if !rest.starts_with("底") {
            continue;
        }
        let mut j = i;
        while j > 0 && chars[j - 1].is_ascii_digit() {
            j -= 1;
        }
        let Ok(month) = chars[j..i].iter().collect::<String>().parse::<u32>() else {
            continue;
        };
        if !(1..=12).contains(&month) {
            continue;
        }
        // The clause around it: from the last punctuation before to the next after.
        let start = chars[..j]
            .iter()
            .rposition(|c| "，,；;。".contains(*c))
            .map_or(0, |p| p + 1);
        let end = chars[i..]
            .iter()
            .position(|c| "，,；;。".contains(*c))
            .map_or(chars.len(), |p| i + p);
        let words: String = chars[start..end].iter().collect();
        best = Some(DateSpec::month_end(year, month, words.trim()));
    }
    best
}

/// Quantities in the text: "加装电梯200台" → 加装电梯 200 台; "10处200个接口" → two.
pub fn targets_in(text: &str) -> Vec<ProposedTarget> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<ProposedTarget> = Vec::new();
    let mut i = 0;
    let mut clause_start = 0;
    while i < chars.len() {
        let c = chars[i];
        if "，,；;。、".contains(c) {
            clause_start = i + 1;
            i += 1;
            continue;
        }
        if !c.is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
            i += 1;
        }
        let number: String = chars[start..i].iter().collect();
        let after: String = chars[i..].iter().take(4).collect();
        let Some(unit) = UNITS.iter().find(|u| after.starts_with(*u)) else {
            continue;
        };
        let Ok(quantity) = number.parse::<f64>() else {
            continue;
        };
        let unit_len = unit.chars().count();
        let mut name: String = chars[clause_start..start].iter().collect();
        // "200个接口": a noun right after the unit names what is counted.
        let tail: String = chars[i + unit_len..]
            .iter()
            .take_while(|c| !c.is_ascii_digit() && !"，,；;。、(（".contains(**c))
            .collect();
        let (name_words, unit) = if name.trim().is_empty() {
            match out.last() {
                Some(prev) if !tail.is_empty() => {
                    (format!("{}{}", prev.name, tail), unit.to_string())
                }
                Some(prev) => (prev.name.clone(), unit.to_string()),
                None => (tail.clone(), unit.to_string()),
            }
        } else {
            name = name.trim_start_matches(['计', '划']).trim().to_owned();
            (name, unit.to_string())
        };
        let text: String = chars[clause_start..(i + unit_len).min(chars.len())]
            .iter()
            .collect();
        out.push(ProposedTarget {
            name: name_words.trim().to_owned(),
            quantity,
            unit,
            text: text.trim().to_owned(),
        });
        i += unit_len;
        clause_start = i;
    }
    out.retain(|t| !t.name.is_empty() && t.quantity > 0.0);
    out
}

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

/// Reads rows in the seed's layout into a proposal. The first row holding 项目类别 and
/// 具体项目 is the header; rows before it (a title) give the year when they name one,
/// else `fallback_year` is used.
pub fn parse_rows(rows: &[Vec<String>], fallback_year: i32) -> Proposal {
    let header_at = rows
        .iter()
        .position(|r| find_col(r, &["项目类别"]).is_some() && find_col(r, &["具体项目"]).is_some())
        .unwrap_or(0);
    let year = year_in(&rows[..header_at.min(rows.len())]).unwrap_or(fallback_year);
    parse_rows_for_year(rows, year)
}

/// As [`parse_rows`], with deadlines placed in `year`.
pub fn parse_rows_for_year(rows: &[Vec<String>], year: i32) -> Proposal {
    let mut p = Proposal {
        year,
        ..Proposal::default()
    };
    let Some(header_at) = rows
        .iter()
        .position(|r| find_col(r, &["项目类别"]).is_some() && find_col(r, &["具体项目"]).is_some())
    else {
        p.unread
            .push((1, "no header row with 项目类别 and 具体项目及内容".into()));
        return p;
    };
    let header = &rows[header_at];
    let cat_col = find_col(header, &["项目类别"]).unwrap_or(1);
    let content_col = find_col(header, &["具体项目"]).unwrap_or(2);
    let dept_col = find_col(header, &["责任"]);
    let mut last_dept: Vec<String> = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(header_at + 1) {
        let line = i + 1;
        let get = |c: usize| row.get(c).map(|s| s.trim().to_owned()).unwrap_or_default();
        let (category, content) = (get(cat_col), get(content_col));
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
        let own_cell = dept_col.map(get).filter(|d| !d.is_empty());
        let departments: Vec<String> = match &own_cell {
            Some(d) => d
                .split(['、', '\n', ',', '，'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            None => last_dept.clone(),
        };
        last_dept = departments.clone();
        let (numbered, items) = split_items(&content);
        let cat = &mut p.categories[cat_index];
        cat.numbered |= numbered;
        for (k, text) in items.into_iter().enumerate() {
            // An empty department cell under an item of the same category is one with it.
            let departments_shared =
                k > 0 || (own_cell.is_none() && dept_col.is_some() && !cat.items.is_empty());
            cat.items.push(ProposedItem {
                deadline: deadline_in(&text, year),
                targets: targets_in(&text),
                content: text,
                departments: departments.clone(),
                departments_shared,
                row: line,
            });
        }
    }
    p
}

impl Proposal {
    pub fn item_count(&self) -> usize {
        self.categories.iter().map(|c| c.items.len()).sum()
    }

    /// Makes a new plan document from the (corrected) proposal, by the rules of
    /// [`new_plan`](crate::newplan::new_plan): the plan's meta for the proposal's year,
    /// then its categories, items and targets. Every value is written by `author` (the
    /// inspector) on `device`, stamped by `clock`, which moves past those stamps; every
    /// entity goes through the same validation as any edit.
    pub fn into_doc(
        &self,
        plan_id: &str,
        title: &str,
        author: &str,
        device: &str,
        clock: &mut Clock,
        wall_ms: u64,
    ) -> Result<Doc, EditError> {
        let spec = NewPlan {
            id: plan_id,
            title,
            year: Some(self.year),
            structure: None,
        };
        let mut r = new_replica(spec, author, device, clock.clone(), wall_ms)?;
        let set = |r: &mut Replica, id: &str, v: serde_json::Value| {
            let serde_json::Value::Object(fields) = v else {
                unreachable!("fields are objects")
            };
            r.apply(
                &Edit::Set {
                    entity: id.into(),
                    fields,
                },
                author,
                wall_ms,
            )
            .map(|_| ())
        };
        for (ci, c) in self.categories.iter().enumerate() {
            let cat = format!("cat-{}", ci + 1);
            set(
                &mut r,
                &cat,
                json!({"name": c.name, "order": ci + 1, "numbered": c.numbered}),
            )?;
            for (ii, item) in c.items.iter().enumerate() {
                let id = format!("item-{}-{}", ci + 1, ii + 1);
                let mut fields = json!({"category": cat, "order": ii + 1, "content": item.content,
                           "departments": item.departments, "deadline": item.deadline});
                if item.departments_shared && ii > 0 {
                    fields["departments_shared"] = json!(true);
                }
                set(&mut r, &id, fields)?;
                for (ti, t) in item.targets.iter().enumerate() {
                    set(
                        &mut r,
                        &format!("tgt-{}-{}-{}", ci + 1, ii + 1, ti + 1),
                        json!({"item": id, "order": ti + 1, "name": t.name, "quantity": t.quantity, "unit": t.unit, "text": t.text}),
                    )?;
                }
            }
        }
        *clock = r.clock;
        Ok(r.doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_read_from_the_text() {
        let t = targets_in("加装电梯200台并形成加装电梯后的长效管理模式,计划于12月底前全部完成。");
        assert_eq!(
            (t[0].name.as_str(), t[0].quantity, t[0].unit.as_str()),
            ("加装电梯", 200.0, "台")
        );
        let t = targets_in("安装电瓶车充电桩10处200个接口,安装新能源(电动)汽车充电桩10处");
        let got: Vec<(&str, f64, &str)> = t
            .iter()
            .map(|x| (x.name.as_str(), x.quantity, x.unit.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("安装电瓶车充电桩", 10.0, "处"),
                ("安装电瓶车充电桩接口", 200.0, "个"),
                ("安装新能源(电动)汽车充电桩", 10.0, "处")
            ]
        );
        assert!(
            targets_in("计划9月底前完成").is_empty(),
            "a month is not a quantity"
        );
    }

    #[test]
    fn deadlines_are_read_with_their_words() {
        let d = deadline_in("整治道路及两侧店招店牌50家,计划7月底前完成;", 2021).unwrap();
        assert_eq!(d.date.to_string(), "2021-07-31");
        assert_eq!(d.text, "计划7月底前完成");
        assert!(deadline_in("完成3个老旧小区整治。", 2021).is_none());
    }

    #[test]
    fn numbered_items_in_one_cell_are_split() {
        let (numbered, items) = split_items("1. 甲项目;\n2. 乙项目,\n续写;");
        assert!(numbered);
        assert_eq!(items, vec!["甲项目;", "乙项目,续写;"]);
    }
}
