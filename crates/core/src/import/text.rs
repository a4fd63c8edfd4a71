//! What the words of a plan table's cells mean: numbered items sharing one cell,
//! deadlines ("计划9月底前完成") and quantities ("200台", "10处200个接口").

use super::ProposedTarget;
use crate::model::DateSpec;

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

/// Splits a cell holding several numbered items ("1. …\n2. …") into its items; a cell
/// without numbering is one item.
pub(super) fn split_items(cell: &str) -> (bool, Vec<String>) {
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
