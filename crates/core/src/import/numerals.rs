//! Numbers as a plan's text writes them: Arabic digits ("200", "2.5") and Chinese
//! numerals ("一条", "两处", "十二个", "一百二十户").

/// Digits of a Chinese numeral, with their values.
const DIGITS: [(char, u64); 12] = [
    ('零', 0),
    ('〇', 0),
    ('一', 1),
    ('二', 2),
    ('两', 2),
    ('三', 3),
    ('四', 4),
    ('五', 5),
    ('六', 6),
    ('七', 7),
    ('八', 8),
    ('九', 9),
];

/// Multipliers of a Chinese numeral below 万, and 万 itself.
const SMALL_UNITS: [(char, u64); 3] = [('十', 10), ('百', 100), ('千', 1000)];

fn digit(c: char) -> Option<u64> {
    DIGITS.iter().find(|(d, _)| *d == c).map(|(_, v)| *v)
}

fn multiplier(c: char) -> Option<u64> {
    SMALL_UNITS.iter().find(|(d, _)| *d == c).map(|(_, v)| *v)
}

/// Whether `c` may be part of a Chinese numeral.
pub(super) fn is_chinese_numeral(c: char) -> bool {
    digit(c).is_some() || multiplier(c).is_some() || c == '万'
}

/// Characters that, right before a Chinese numeral, make it part of a word or an
/// ordinal rather than a count: 第一 (first), 统一, 唯一, 逐一, 万一, 之一.
const NOT_A_COUNT_AFTER: [char; 6] = ['第', '统', '唯', '逐', '万', '之'];

/// The number starting at `chars[at]`, and where it ends: Arabic digits (with a decimal
/// point, and 万 after them), or a Chinese numeral that starts with a digit or 十 ("一百二十", "两", "十二";
/// not "万家" or "千家万户", which are words). `None` when there is no number there, or
/// the numeral is an ordinal or part of a word (第一, 统一).
pub(super) fn number_at(chars: &[char], at: usize) -> Option<(f64, usize)> {
    let first = *chars.get(at)?;
    if at > 0 && chars[at - 1] == '第' {
        return None;
    }
    if first.is_ascii_digit() {
        let mut end = at;
        while end < chars.len() && (chars[end].is_ascii_digit() || chars[end] == '.') {
            end += 1;
        }
        let text: String = chars[at..end].iter().collect();
        let (n, end): (f64, usize) = (
            text.trim_end_matches('.').parse().ok()?,
            end - usize::from(text.ends_with('.')),
        );
        // "5万平方米": 万 multiplies the digits before it.
        return Some(match chars.get(end) {
            Some('万') => (n * 10_000.0, end + 1),
            _ => (n, end),
        });
    }
    if digit(first).is_none() && first != '十' {
        return None;
    }
    if at > 0 && NOT_A_COUNT_AFTER.contains(&chars[at - 1]) {
        return None;
    }
    let mut end = at;
    while end < chars.len() && is_chinese_numeral(chars[end]) {
        end += 1;
    }
    chinese_value(&chars[at..end]).map(|v| (v as f64, end))
}

/// The value of a Chinese numeral: 十二 → 12, 二十 → 20, 一百零五 → 105, 三万 → 30000.
fn chinese_value(numeral: &[char]) -> Option<u64> {
    let (mut total, mut section, mut pending) = (0u64, 0u64, None::<u64>);
    for &c in numeral {
        if let Some(d) = digit(c) {
            pending = Some(d);
        } else if let Some(m) = multiplier(c) {
            // 十 alone counts one ten.
            section += pending.take().unwrap_or(1) * m;
        } else if c == '万' {
            total += (section + pending.take().unwrap_or(0)).max(1) * 10_000;
            section = 0;
        } else {
            return None;
        }
    }
    Some(total + section + pending.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Option<(f64, usize)> {
        let chars: Vec<char> = text.chars().collect();
        number_at(&chars, 0)
    }

    #[test]
    fn arabic_and_chinese_numerals_are_read() {
        assert_eq!(read("200台"), Some((200.0, 3)));
        assert_eq!(read("2.5公里"), Some((2.5, 3)));
        assert_eq!(read("5万平方米"), Some((50_000.0, 2)));
        assert_eq!(read("3.处"), Some((3.0, 1)), "a full stop is not a decimal");
        assert_eq!(read("一条街"), Some((1.0, 1)));
        assert_eq!(read("两处"), Some((2.0, 1)));
        assert_eq!(read("十二个"), Some((12.0, 2)));
        assert_eq!(read("二十户"), Some((20.0, 2)));
        assert_eq!(read("一百零五米"), Some((105.0, 4)));
        assert_eq!(read("三万平方米"), Some((30_000.0, 2)));
    }

    #[test]
    fn words_and_ordinals_are_not_numbers() {
        assert_eq!(read("万家灯火"), None);
        assert_eq!(read("千家万户"), None);
        let chars: Vec<char> = "第一台".chars().collect();
        assert_eq!(number_at(&chars, 1), None, "an ordinal");
        let chars: Vec<char> = "第1批".chars().collect();
        assert_eq!(number_at(&chars, 1), None, "an ordinal in digits");
        let chars: Vec<char> = "统一管理".chars().collect();
        assert_eq!(number_at(&chars, 1), None);
    }
}
