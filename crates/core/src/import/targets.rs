//! The quantities an item's text names, read as its targets: "加装电梯200台" → 加装电梯
//! 200 台; "10处200个接口" → two; "示范一条街" → 1 条 (Chinese numerals are numbers); a
//! count each month ("每月常态化开展…活动不少于2场") is a recurring target. The words a
//! target is read from are found in `target_words.rs`.
//!
//! Not every count in the text is a target of its own:
//! - a count of an ordinal (第1批, 第一台) counts nothing;
//! - a total followed by its parts ("新建中心5个,…建设完成…中心4个,并新建驿站1个") is one
//!   target, held by its parts: the total is left out, the parts kept;
//! - a smaller count of the same thing in a clause that names a month ("新建6个健身苑点,
//!   3月底前完成…3处新建体育健身苑点"; "2个子项的建设,…6月底前启动1个子项") is a stage
//!   on the way to the target named before, not another target.

use super::numerals::{is_chinese_numeral, number_at};
use super::target_words::{counted_len, start_of};
use super::ProposedTarget;

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

/// Punctuation that ends a clause of the text (a list's 、 ends a clause, not a sentence).
const CLAUSE_END: &str = "，,；;。、";
/// Punctuation that ends a sentence part: a date named in it belongs to its counts.
const PART_END: &str = "，,；;。";

/// A count read from the text, before the rules decide whether it is a target.
#[derive(Debug)]
struct Count {
    target: ProposedTarget,
    /// The words around the number that say what is counted (before and after it).
    words: String,
    /// Whether its part of the sentence names a month ("3月底前完成…3处").
    dated: bool,
    /// Where its words (the target's text) begin and end in the text, and where the
    /// count itself does (counts written together share their words).
    words_at: (usize, usize),
    count_at: (usize, usize),
}

/// Whether the words name a month: a number right before 月.
fn names_a_month(words: &[char]) -> bool {
    words
        .windows(2)
        .any(|w| w[1] == '月' && (w[0].is_ascii_digit() || is_chinese_numeral(w[0])))
}

/// Whether the words before a count make it a count each month ("每月…不少于2场").
fn every_month(words: &[char]) -> bool {
    let words: String = words.iter().collect();
    words.contains("每月") || words.contains("每个月")
}

/// Words that qualify a count rather than name what is counted ("不少于2场").
const QUALIFIERS: [&str; 5] = ["不少于", "不低于", "至少", "约", "共"];

/// A target's name: its words without the count ("完成3个老旧小区整治" → 完成老旧小区整治,
/// "每月…开展活动不少于2场" → 每月…开展活动) and without the places listed right
/// before a count that comes first ("滨康二苑、湘云雅苑、白鹤苑3个社区…项目" →
/// 社区…项目). `count` is where the count is in `words`.
fn name_of(words: &[char], count: usize, count_end: usize) -> String {
    let mut before: String = words[..count].iter().collect();
    for q in QUALIFIERS {
        if let Some(stripped) = before.strip_suffix(q) {
            before = stripped.to_owned();
        }
    }
    let after: String = words[count_end..].iter().collect();
    if !after.trim().is_empty() && before.contains('、') {
        // The places are the count's own list: what follows names the target.
        let head = before
            .rfind(|c: char| "，,；;：:".contains(c))
            .map_or(0, |i| i + 1);
        before.truncate(head);
    }
    let name = format!("{before}{after}");
    name.trim().trim_end_matches(['的', '等']).trim().to_owned()
}

/// Every count in the text with a known unit.
fn counts_in(text: &str) -> Vec<Count> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Count> = Vec::new();
    // Where the clause (to a 、 or a count before), the sentence's part (to a comma)
    // and a target's words (to a comma or a count before) begin.
    let (mut i, mut clause_start, mut part_start, mut words_start) = (0, 0, 0, 0);
    while i < chars.len() {
        let c = chars[i];
        if CLAUSE_END.contains(c) {
            clause_start = i + 1;
            if PART_END.contains(c) {
                part_start = i + 1;
                words_start = i + 1;
            }
            i += 1;
            continue;
        }
        let Some((quantity, end)) = number_at(&chars, i) else {
            i += 1;
            continue;
        };
        let start = i;
        i = end;
        let after: String = chars[i..].iter().take(4).collect();
        let Some(unit) = UNITS.iter().find(|u| after.starts_with(*u)) else {
            continue;
        };
        let unit_len = unit.chars().count();
        // 一次性: the unit is part of a word; 一户一档, 一处一策: a saying, not a count.
        let next = chars.get(i + unit_len);
        let saying = chars[start] == '一'
            && (next == Some(&'一') || (start >= 2 && chars[start - 2] == '一'));
        if next == Some(&'性') || saying {
            continue;
        }
        let name: String = chars[clause_start..start].iter().collect();
        // "200个接口": a noun right after the unit names what is counted.
        let tail: String = chars[i + unit_len..]
            .iter()
            .take_while(|c| !c.is_ascii_digit() && !"，,；;。、(（".contains(**c))
            .collect();
        let name = if name.trim().is_empty() {
            match out.last() {
                Some(prev) => format!("{}{tail}", prev.target.name),
                None => tail.clone(),
            }
        } else {
            name.trim_start_matches(['计', '划']).trim().to_owned()
        };
        let count_end = i + unit_len;
        out.push(Count {
            words: format!("{name}{tail}"),
            dated: names_a_month(&chars[part_start..start]),
            words_at: (
                words_start + start_of(&chars[words_start..start]),
                count_end + counted_len(&tail),
            ),
            count_at: (start, count_end),
            target: ProposedTarget {
                name: name.trim().to_owned(),
                quantity,
                unit: unit.to_string(),
                text: String::new(),
                per_month: every_month(&chars[part_start..start]),
            },
        });
        i = count_end;
        clause_start = i;
        words_start = i;
    }
    // "10处200个接口": counts written together are read from the same words.
    for k in 1..out.len() {
        if out[k - 1].count_at.1 == out[k].count_at.0 {
            let (from, to) = (out[k - 1].words_at.0, out[k].words_at.1);
            out[k - 1].words_at = (from, to);
            out[k].words_at = (from, to);
        }
    }
    for k in 0..out.len() {
        let (from, to) = out[k].words_at;
        let to = to.min(chars.len());
        out[k].target.text = chars[from..to].iter().collect::<String>().trim().to_owned();
        let joined = (k > 0 && out[k - 1].words_at == out[k].words_at)
            || out
                .get(k + 1)
                .is_some_and(|n| n.words_at == out[k].words_at);
        if !joined {
            out[k].target.name = name_of(
                &chars[from..to],
                out[k].count_at.0 - from,
                out[k].count_at.1 - from,
            );
        }
    }
    out.retain(|c| !c.target.name.is_empty() && c.target.quantity > 0.0);
    out
}

/// Whether two counts' words share a run of three characters (what is counted: 体育健身
/// 苑点, 子项的), not just a verb (新建) or a particle.
fn same_thing(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    a.windows(3).any(|w| {
        w.iter()
            .all(|c| !PART_END.contains(*c) && !c.is_ascii_digit())
            && b.contains(&w.iter().collect::<String>())
    })
}

/// Drops a total followed by its parts: the counts right after it, of its unit, of the
/// same kind of thing, that add up to it (at least two).
fn without_totals(counts: Vec<Count>) -> Vec<Count> {
    let total_at = |i: usize| {
        let total = &counts[i];
        let (mut sum, mut parts) = (0.0, 0);
        for part in counts[i + 1..]
            .iter()
            .take_while(|p| p.target.unit == total.target.unit)
        {
            if sum >= total.target.quantity || !same_thing(&part.words, &total.words) {
                break;
            }
            sum += part.target.quantity;
            parts += 1;
        }
        parts >= 2 && sum == total.target.quantity
    };
    let totals: Vec<bool> = (0..counts.len()).map(total_at).collect();
    counts
        .into_iter()
        .zip(totals)
        .filter_map(|(c, total)| (!total).then_some(c))
        .collect()
}

/// Drops stages: a dated count of the same thing as a target before it, and no more than
/// it.
fn without_stages(counts: Vec<Count>) -> Vec<Count> {
    let mut kept: Vec<Count> = Vec::new();
    for c in counts {
        let stage = c.dated
            && kept
                .iter()
                .any(|k| c.target.quantity <= k.target.quantity && same_thing(&c.words, &k.words));
        if !stage {
            kept.push(c);
        }
    }
    kept
}

/// The targets the text names (see the module's rules).
pub fn targets_in(text: &str) -> Vec<ProposedTarget> {
    without_stages(without_totals(counts_in(text)))
        .into_iter()
        .map(|c| c.target)
        .collect()
}

/// Whether the text names any count with a known unit.
pub(super) fn names_a_count(text: &str) -> bool {
    !counts_in(text).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(String, f64, String)> {
        targets_in(text)
            .into_iter()
            .map(|t| (t.name, t.quantity, t.unit))
            .collect()
    }

    fn measures(text: &str) -> Vec<(f64, String)> {
        targets_in(text)
            .into_iter()
            .map(|t| (t.quantity, t.unit))
            .collect()
    }

    fn m(list: &[(f64, &str)]) -> Vec<(f64, String)> {
        list.iter().map(|(q, u)| (*q, u.to_string())).collect()
    }

    #[test]
    fn quantities_are_read_from_the_text() {
        let t = targets_in("加装电梯200台并形成加装电梯后的长效管理模式,计划于12月底前全部完成。");
        assert_eq!(
            (t[0].name.as_str(), t[0].quantity, t[0].unit.as_str()),
            ("加装电梯", 200.0, "台")
        );
        let got = read("安装电瓶车充电桩10处200个接口,安装新能源(电动)汽车充电桩10处");
        let want = [
            ("安装电瓶车充电桩", 10.0, "处"),
            ("安装电瓶车充电桩接口", 200.0, "个"),
            ("安装新能源(电动)汽车充电桩", 10.0, "处"),
        ];
        let want: Vec<(String, f64, String)> = want
            .iter()
            .map(|(n, q, u)| (n.to_string(), *q, u.to_string()))
            .collect();
        assert_eq!(got, want, "not dated: a second kind of 充电桩 is a target");
        assert!(
            targets_in("计划9月底前完成").is_empty(),
            "a month is not a quantity"
        );
        let t = targets_in("每月常态化开展群众文化体育活动不少于2场,计划12月底前完成;");
        assert_eq!((t[0].quantity, t[0].per_month), (2.0, true), "each month");
        assert!(t[0].text.starts_with("每月"), "{}", t[0].text);
        assert!(!targets_in("新建口袋公园3处,计划9月底前完成")[0].per_month);
    }

    #[test]
    fn chinese_numerals_count_and_ordinals_do_not() {
        assert_eq!(
            measures("打造街容“示范一条街”,计划11月底前完成;"),
            m(&[(1.0, "条")])
        );
        assert_eq!(
            measures("新建两处口袋公园,改造十二座公厕"),
            m(&[(2.0, "处"), (12.0, "座")])
        );
        assert!(measures("7月完成第1批招投标,第一台吊装").is_empty());
        assert!(measures("统一管理,一次性完成").is_empty());
        assert!(measures("建立一户一档").is_empty(), "a saying");
        assert_eq!(measures("改造绿地5万平方米"), m(&[(50_000.0, "平方米")]));
    }

    #[test]
    fn a_dated_smaller_count_of_the_same_thing_is_a_stage() {
        assert_eq!(
            measures("新建6个群众身边的体育健身苑点,3月底前完成缤纷小区、缤纷西苑和河畔花园3处新建体育健身苑点,9月底前完成缤纷北苑新建体育健身苑点;"),
            m(&[(6.0, "个")])
        );
        assert_eq!(
            measures(
                "打造“信用停”等2个子项的建设,计划于2月开展可行性研究,6月底前启动1个子项的试应用。"
            ),
            m(&[(2.0, "个")])
        );
        assert_eq!(
            measures("新建公园3处,9月底前新建道路2条"),
            m(&[(3.0, "处"), (2.0, "条")]),
            "another thing, though dated, is another target"
        );
        assert_eq!(
            measures("新建口袋公园2处,9月底前新建口袋公园3处"),
            m(&[(2.0, "处"), (3.0, "处")]),
            "more than the target before: not a stage of it"
        );
    }

    #[test]
    fn a_total_followed_by_its_parts_is_held_by_the_parts() {
        assert_eq!(
            measures("对于新建社区党群服务中心5个,计划于12月底前建设完成襄七房社区、马湖社区、协同社区、温馨社区党群服务中心4个,并新建沿街沿湖党群服务驿站1个。"),
            m(&[(4.0, "个"), (1.0, "个")])
        );
        assert_eq!(
            measures("新建公园3处,改造道路1处,新建广场2处"),
            m(&[(3.0, "处"), (1.0, "处"), (2.0, "处")]),
            "counts of other things that happen to add up are not parts"
        );
    }
}
