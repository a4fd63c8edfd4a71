//! What the words of a plan table's cells mean: numbered items sharing one cell, and
//! deadlines ("计划9月底前完成"); quantities are read in `targets.rs`.

use super::targets::names_a_count;
use crate::model::DateSpec;

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
        // "计划于12月底前建设完成…中心4个": the words of the deadline end at 完成 when
        // what follows is what is counted (a target's words, not the deadline's).
        let rest: String = chars[i..end].iter().collect();
        let end = match rest.find("完成") {
            Some(at) if names_a_count(&rest[at..]) => i + rest[..at].chars().count() + 2,
            _ => end,
        };
        let words: String = chars[start..end].iter().collect();
        best = Some(DateSpec::month_end(year, month, words.trim()));
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_read_with_their_words() {
        let d = deadline_in("整治道路及两侧店招店牌50家,计划7月底前完成;", 2021).unwrap();
        assert_eq!(d.date.to_string(), "2021-07-31");
        assert_eq!(d.text, "计划7月底前完成");
        assert!(deadline_in("完成3个老旧小区整治。", 2021).is_none());
        let d = deadline_in(
            "计划于12月底前建设完成襄七房社区、马湖社区党群服务中心2个,并新建驿站1个。",
            2021,
        )
        .unwrap();
        assert_eq!(
            d.text, "计划于12月底前建设完成",
            "the words stop where what is counted begins"
        );
        let d = deadline_in("10月底前完成全部赛事项目;", 2021).unwrap();
        assert_eq!(
            d.text, "10月底前完成全部赛事项目",
            "nothing counted: the clause"
        );
    }

    #[test]
    fn numbered_items_in_one_cell_are_split() {
        let (numbered, items) = split_items("1. 甲项目;\n2. 乙项目,\n续写;");
        assert!(numbered);
        assert_eq!(items, vec!["甲项目;", "乙项目,续写;"]);
    }
}
