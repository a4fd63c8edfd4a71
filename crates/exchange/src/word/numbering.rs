//! Word's automatic numbering (`word/numbering.xml`), kept as text: a numbered
//! paragraph is read with the label Word shows before it ("1.", "(1)", "一、"), so that
//! items numbered by Word split as items typed with numbers do.

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// One level of a list: where it starts, how its number is written and the label's
/// pattern ("%1.", "(%2)").
#[derive(Clone, Debug, Default)]
struct Level {
    start: u32,
    format: String,
    text: String,
}

/// The lists of a document and the counters of the paragraphs read so far.
#[derive(Debug, Default)]
pub struct Numbering {
    /// Levels of each abstract list.
    abstracts: HashMap<String, HashMap<usize, Level>>,
    /// Each list instance (`w:numId`): its abstract list and start overrides by level.
    nums: HashMap<String, (String, HashMap<usize, u32>)>,
    /// Counters by list instance, one per level.
    counters: HashMap<String, Vec<u32>>,
}

/// The value of the attribute `w:{name}` (or `{name}`) of `e`.
pub(super) fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        let key: &str = a.key.as_ref();
        let local = key.rsplit(':').next().unwrap_or(key);
        (local == name)
            .then(|| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
            .flatten()
    })
}

fn local(e: &BytesStart) -> String {
    e.local_name().as_ref().to_owned()
}

impl Numbering {
    /// Reads `numbering.xml`; a part that does not read gives no numbering (the text is
    /// still read, without labels).
    pub fn parse(xml: &str) -> Numbering {
        let mut n = Numbering::default();
        let mut reader = Reader::from_str(xml);
        let (mut abstract_id, mut num_id) = (None::<String>, None::<String>);
        let (mut level, mut override_level) = (None::<(usize, Level)>, None::<usize>);
        loop {
            let event = match reader.read_event() {
                Ok(Event::Eof) | Err(_) => break,
                Ok(e) => e,
            };
            match event {
                Event::Start(e) | Event::Empty(e) => match local(&e).as_str() {
                    "abstractNum" => abstract_id = attr(&e, "abstractNumId"),
                    "num" => {
                        num_id = attr(&e, "numId");
                        if let Some(id) = &num_id {
                            n.nums.insert(id.clone(), (String::new(), HashMap::new()));
                        }
                    }
                    "abstractNumId" => {
                        if let (Some(id), Some(v)) = (&num_id, attr(&e, "val")) {
                            if let Some(num) = n.nums.get_mut(id) {
                                num.0 = v;
                            }
                        }
                    }
                    "lvlOverride" => override_level = attr(&e, "ilvl").and_then(|v| v.parse().ok()),
                    "startOverride" => {
                        let start = attr(&e, "val").and_then(|v| v.parse().ok());
                        if let (Some(id), Some(l), Some(s)) = (&num_id, override_level, start) {
                            if let Some(num) = n.nums.get_mut(id) {
                                num.1.insert(l, s);
                            }
                        }
                    }
                    "lvl" if abstract_id.is_some() => {
                        let ilvl = attr(&e, "ilvl").and_then(|v| v.parse().ok()).unwrap_or(0);
                        level = Some((
                            ilvl,
                            Level {
                                start: 1,
                                format: "decimal".into(),
                                text: String::new(),
                            },
                        ));
                    }
                    "start" => {
                        if let (Some((_, l)), Some(v)) = (&mut level, attr(&e, "val")) {
                            l.start = v.parse().unwrap_or(1);
                        }
                    }
                    "numFmt" => {
                        if let (Some((_, l)), Some(v)) = (&mut level, attr(&e, "val")) {
                            l.format = v;
                        }
                    }
                    "lvlText" => {
                        if let (Some((_, l)), Some(v)) = (&mut level, attr(&e, "val")) {
                            l.text = v;
                        }
                    }
                    _ => {}
                },
                Event::End(e) => match e.local_name().as_ref() {
                    "lvl" => {
                        if let (Some(a), Some((i, l))) = (&abstract_id, level.take()) {
                            n.abstracts.entry(a.clone()).or_default().insert(i, l);
                        }
                    }
                    "abstractNum" => abstract_id = None,
                    "num" => num_id = None,
                    "lvlOverride" => override_level = None,
                    _ => {}
                },
                _ => {}
            }
        }
        n
    }

    /// The label of the next paragraph of list `num_id` at level `ilvl` ("3.", "(2)"),
    /// counting it; `None` for a list the document does not define.
    pub fn next_label(&mut self, num_id: &str, ilvl: usize) -> Option<String> {
        let (abstract_id, overrides) = self.nums.get(num_id)?;
        let levels = self.abstracts.get(abstract_id)?;
        let level = levels.get(&ilvl)?;
        let start_of = |l: usize| {
            overrides
                .get(&l)
                .copied()
                .or_else(|| levels.get(&l).map(|x| x.start))
                .unwrap_or(1)
        };
        let counters = self.counters.entry(num_id.to_owned()).or_default();
        if counters.len() <= ilvl {
            let from = counters.len();
            counters.extend((from..=ilvl).map(|l| start_of(l).saturating_sub(1)));
        }
        counters[ilvl] += 1;
        // A higher level's new number starts the levels below it again.
        counters.truncate(ilvl + 1);
        if level.format == "bullet" {
            return Some("•".into());
        }
        if level.format == "none" {
            return Some(String::new());
        }
        let mut label = level.text.clone();
        for (l, value) in counters.iter().enumerate() {
            let format = levels.get(&l).map_or("decimal", |x| x.format.as_str());
            label = label.replace(&format!("%{}", l + 1), &number(*value, format));
        }
        Some(label)
    }
}

/// `n` written in one of Word's number formats.
fn number(n: u32, format: &str) -> String {
    const DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    match format {
        "upperLetter" | "lowerLetter" if n > 0 => {
            let letter = char::from(b'A' + ((n - 1) % 26) as u8);
            let s = letter.to_string().repeat(((n - 1) / 26 + 1) as usize);
            if format == "lowerLetter" {
                s.to_lowercase()
            } else {
                s
            }
        }
        "upperRoman" | "lowerRoman" if n > 0 => {
            let mut left = n;
            let mut s = String::new();
            for (v, r) in [
                (1000, "M"),
                (900, "CM"),
                (500, "D"),
                (400, "CD"),
                (100, "C"),
                (90, "XC"),
                (50, "L"),
                (40, "XL"),
                (10, "X"),
                (9, "IX"),
                (5, "V"),
                (4, "IV"),
                (1, "I"),
            ] {
                while left >= v {
                    s.push_str(r);
                    left -= v;
                }
            }
            if format == "lowerRoman" {
                s.to_lowercase()
            } else {
                s
            }
        }
        "chineseCounting"
        | "chineseCountingThousand"
        | "chineseLegalSimplified"
        | "taiwaneseCounting"
        | "ideographDigital"
            if n < 100 =>
        {
            let (tens, ones) = ((n / 10) as usize, (n % 10) as usize);
            match (tens, ones) {
                (0, o) => DIGITS[o].to_string(),
                (1, 0) => "十".into(),
                (1, o) => format!("十{}", DIGITS[o]),
                (t, 0) => format!("{}十", DIGITS[t]),
                (t, o) => format!("{}十{}", DIGITS[t], DIGITS[o]),
            }
        }
        "ideographTraditional" if (1..=10).contains(&n) => {
            ['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸'][n as usize - 1].to_string()
        }
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32(0x2460 + n - 1).map_or(n.to_string(), String::from)
        }
        "decimalZero" if n < 10 => format!("0{n}"),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<w:numbering xmlns:w="x">
      <w:abstractNum w:abstractNumId="0">
        <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
        <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="(%2)"/></w:lvl>
      </w:abstractNum>
      <w:abstractNum w:abstractNumId="1">
        <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
      </w:abstractNum>
      <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
      <w:num w:numId="2"><w:abstractNumId w:val="1"/>
        <w:lvlOverride w:ilvl="0"><w:startOverride w:val="9"/></w:lvlOverride></w:num>
    </w:numbering>"#;

    #[test]
    fn labels_count_by_list_and_level() {
        let mut n = Numbering::parse(XML);
        let mut next = |id: &str, l| n.next_label(id, l).unwrap_or_default();
        assert_eq!(next("1", 0), "1.");
        assert_eq!(next("1", 1), "(1)");
        assert_eq!(next("1", 1), "(2)");
        assert_eq!(next("1", 0), "2.");
        assert_eq!(next("1", 1), "(1)", "a new item starts its sub-items again");
        assert_eq!(next("2", 0), "九、");
        assert_eq!(next("2", 0), "十、");
        assert_eq!(next("2", 0), "十一、");
        assert_eq!(n.next_label("7", 0), None);
    }

    #[test]
    fn numbers_in_words_formats() {
        assert_eq!(number(3, "lowerLetter"), "c");
        assert_eq!(number(14, "upperRoman"), "XIV");
        assert_eq!(number(23, "chineseCounting"), "二十三");
        assert_eq!(number(2, "decimalEnclosedCircle"), "②");
        assert_eq!(number(2, "ideographTraditional"), "乙");
    }
}
