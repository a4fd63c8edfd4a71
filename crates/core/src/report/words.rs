//! A cell's text as it grows: the office's own words go in whole, except sentences the
//! cell already says, so that no sentence is told twice.

/// What ends a sentence in the office's text (full-width and ASCII, and line ends).
const ENDS: [char; 8] = ['。', '；', ';', '\n', '！', '？', '!', '?'];
/// Punctuation that does not change what a sentence says.
const TRIM: &[char] = &[
    '。', '；', ';', '，', ',', '、', '：', ':', '.', '！', '？', '!', '?',
];

/// A sentence as compared: without whitespace and without punctuation at its ends.
pub(super) fn normal(s: &str) -> String {
    let squeezed: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    squeezed.trim_matches(TRIM).to_owned()
}

/// The text's sentences, each with the punctuation that ends it.
fn segments(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    for (i, c) in text.char_indices() {
        if ENDS.contains(&c) {
            let to = i + c.len_utf8();
            out.push(&text[from..to]);
            from = to;
        }
    }
    if from < text.len() {
        out.push(&text[from..]);
    }
    out
}

/// The lines of one cell.
#[derive(Default)]
pub(super) struct Cell {
    lines: Vec<String>,
    /// Every sentence said so far, compared as [`normal`].
    said: Vec<String>,
    /// All of the cell so far as one [`normal`] string, for sentences said within
    /// longer ones (a part's "公厕完成1座" inside the narrative's first sentence).
    whole: String,
}

impl Cell {
    /// Adds `text` without the sentences already said: with `within`, also those the
    /// cell says as part of a longer sentence (a part's words repeating the narrative).
    fn add(&mut self, text: &str, within: bool) {
        let mut kept = String::new();
        for seg in segments(text) {
            let n = normal(seg);
            if n.is_empty() {
                kept.push_str(seg);
                continue;
            }
            let repeated = self.said.contains(&n) || (within && self.whole.contains(&n));
            if repeated {
                continue;
            }
            self.said.push(n.clone());
            kept.push_str(seg);
        }
        let kept = kept.trim();
        if normal(kept).is_empty() {
            return;
        }
        self.whole.push_str(&normal(kept));
        self.whole.push('\n');
        self.lines.push(kept.to_owned());
    }

    /// The item's narrative, as written (a sentence it repeats is told once).
    pub(super) fn narrative(&mut self, text: &str) {
        self.add(text, false);
    }

    /// A part in its own record's words, less what the cell already says.
    pub(super) fn own_words(&mut self, text: &str) {
        self.add(text, true);
    }

    /// A line generated from a record's figures.
    pub(super) fn generated(&mut self, line: &str) {
        self.add(line, false);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub(super) fn text(self) -> String {
        self.lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_that_repeats_the_narrative_adds_nothing() {
        let mut c = Cell::default();
        c.narrative("公厕完成1座,开工建设2座;迎春区块完成90%。");
        c.own_words("公厕完成1座");
        c.own_words("迎春区块完成90%。缤纷区块完成70%。");
        assert_eq!(
            c.text(),
            "公厕完成1座,开工建设2座;迎春区块完成90%。\n缤纷区块完成70%。"
        );
    }

    #[test]
    fn a_sentence_is_told_once_and_punctuation_is_kept() {
        let mut c = Cell::default();
        c.narrative("甲。乙；甲。");
        c.own_words("乙");
        assert_eq!(c.text(), "甲。乙；");
    }
}
