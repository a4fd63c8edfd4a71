//! The words a target is read from: its part of the sentence, from where what is done
//! begins to the end of what is counted ("计划在星民、…新州等新建6个群众身边的体育健身
//! 苑点" → "新建6个群众身边的体育健身苑点"). Words that only lead into it are left out: a
//! joining word (并, 对于), the plan's 计划(于), a month (12月底前), and a frame closed
//! before it (在…内, 在…等, 通过…来).

/// Joining and planning words at the start of a clause, longest first.
const LEADS: [&str; 6] = ["并且", "对于", "计划于", "计划", "并", "于"];
/// Frames at the start of a clause, with the words that close them.
const FRAMES: [(&str, &[&str]); 2] = [("在", &["内", "等"]), ("通过", &["来"])];
/// Words right after a count that go on to something else, not to what is counted
/// ("加装电梯200台并形成…").
const GOES_ON: [char; 6] = ['并', '和', '及', '与', '同', '等'];

fn starts_with(words: &[char], lead: &str) -> bool {
    let lead: Vec<char> = lead.chars().collect();
    words.starts_with(&lead)
}

/// How many characters at the start of a month ("12月底前", "9月前", "6月") there are.
fn month_len(words: &[char]) -> usize {
    let digits = words
        .iter()
        .take_while(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(**c))
        .count();
    if digits == 0 || words.get(digits) != Some(&'月') {
        return 0;
    }
    let mut len = digits + 1;
    for part in ["底", "中", "初", "前"] {
        if starts_with(&words[len..], part) {
            len += part.chars().count();
        }
    }
    len
}

/// Where the words before a count (`before`) begin, leads left out.
pub(super) fn start_of(before: &[char]) -> usize {
    let mut at = 0;
    loop {
        let rest = &before[at..];
        let skip = if rest
            .first()
            .is_some_and(|c| c.is_whitespace() || *c == '、')
        {
            1
        } else if let Some(lead) = LEADS.iter().find(|l| starts_with(rest, l)) {
            lead.chars().count()
        } else if month_len(rest) > 0 {
            month_len(rest)
        } else if let Some(close) = FRAMES.iter().find_map(|(open, closers)| {
            let open_len = open.chars().count();
            starts_with(rest, open)
                .then(|| {
                    (open_len..rest.len())
                        .find(|&k| closers.iter().any(|c| starts_with(&rest[k..], c)))
                })
                .flatten()
        }) {
            close + 1
        } else {
            return at;
        };
        at += skip;
    }
}

/// How much of `tail` (the words right after a count, to the clause's end) is what is
/// counted: all of it ("6个群众身边的体育健身苑点"), or none when it goes on to
/// something else.
pub(super) fn counted_len(tail: &str) -> usize {
    match tail.chars().next() {
        Some(c) if !GOES_ON.contains(&c) => tail.chars().count(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(before: &str) -> String {
        let chars: Vec<char> = before.chars().collect();
        chars[start_of(&chars)..].iter().collect()
    }

    #[test]
    fn leading_words_are_left_out() {
        assert_eq!(lead("计划在星民、七甲闸、西陵、官河、新州等新建"), "新建");
        assert_eq!(lead("在街道范围内新建"), "新建");
        assert_eq!(
            lead("通过激励居民日常文明行为来打造“信用停”等"),
            "打造“信用停”等"
        );
        assert_eq!(
            lead("计划于12月底前建设完成襄七房社区、马湖社区"),
            "建设完成襄七房社区、马湖社区"
        );
        assert_eq!(lead("对于滨康二苑、白鹤苑"), "滨康二苑、白鹤苑");
        assert_eq!(
            lead("并新建沿街沿湖党群服务驿站"),
            "新建沿街沿湖党群服务驿站"
        );
        assert_eq!(
            lead("、新建(改造)安置小区垃圾集置房"),
            "新建(改造)安置小区垃圾集置房"
        );
        assert_eq!(
            lead("在建道路"),
            "在建道路",
            "an open frame is not left out"
        );
    }

    #[test]
    fn what_is_counted_after_the_count_is_kept() {
        assert_eq!(counted_len("群众身边的体育健身苑点"), 11);
        assert_eq!(counted_len("并形成加装电梯后的长效管理模式"), 0);
        assert_eq!(counted_len(""), 0);
    }
}
