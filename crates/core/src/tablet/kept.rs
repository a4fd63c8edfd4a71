//! The sync worker's kept copy of the page's document, as a pure type: what the worker
//! (`crates/sync-worker`) holds between rounds and how it answers one, so that the
//! simulation drives the same logic the worker runs.
//!
//! The copy is loaded whole ([`KeptCopy::load`], for `ToWorker::Load`). A round names the
//! digest its delta applies to (`base`): the copy is taken out for the round with the
//! delta merged in ([`KeptCopy::begin`]) only when it is at `base`; otherwise the answer
//! is stale and the copy stays as it was, the delta never merged. After the round the
//! copy is put back at the round's digest ([`KeptCopy::keep`]); on an error it is dropped
//! ([`KeptCopy::forget`]) and the page sends it whole again.

use crate::doc::Doc;

use super::wire::Digest;

/// The kept copy of the page's document and the digest it is at; none before the first
/// load, after an error, or while a round runs on it.
#[derive(Clone, Debug, Default)]
pub struct KeptCopy {
    copy: Option<(Doc, Digest)>,
}

/// How a round's request for the copy was answered.
#[derive(Clone, Debug, PartialEq)]
pub enum Begun {
    /// The copy, at the round's `base`, with the delta merged in: the round runs on it,
    /// then [`KeptCopy::keep`] puts it back. Meanwhile the kept copy holds none.
    Run(Doc),
    /// The copy is not at the round's `base` (`has`: the digest it is at, if it holds
    /// one): nothing merged, nothing changed; the page sends the whole form.
    Stale { has: Option<Digest> },
}

impl KeptCopy {
    /// Holding none.
    pub const fn new() -> KeptCopy {
        KeptCopy { copy: None }
    }

    /// The digest of the page's document the copy is at, if it holds one.
    pub fn holds(&self) -> Option<Digest> {
        self.copy.as_ref().map(|(_, digest)| *digest)
    }

    /// The copy, if held.
    pub fn doc(&self) -> Option<&Doc> {
        self.copy.as_ref().map(|(doc, _)| doc)
    }

    /// Keeps `doc`, which is the page's document at `digest` (replacing any copy).
    pub fn load(&mut self, doc: Doc, digest: Digest) {
        self.copy = Some((doc, digest));
    }

    /// Takes the copy out for a round whose delta applies to `base`. When the copy is at
    /// `base`, the delta (read by `delta` only then) is merged into it and the copy is
    /// returned to run the round on. When it is not, or none is held, the answer is
    /// [`Begun::Stale`] and the copy stays. An error (a delta that does not read or
    /// merge) drops the copy.
    pub fn begin(
        &mut self,
        base: Digest,
        delta: impl FnOnce() -> Result<Doc, String>,
    ) -> Result<Begun, String> {
        let has = self.holds();
        if has != Some(base) {
            return Ok(Begun::Stale { has });
        }
        let (mut doc, _) = self.copy.take().expect("a copy at base");
        let delta = delta()?;
        doc.merge_changes(&delta).map_err(|e| e.to_string())?;
        Ok(Begun::Run(doc))
    }

    /// Puts the copy back after the round: the page's document at `digest` joined with
    /// what the round fetched (the page merges that in too, and sending it again is
    /// harmless).
    pub fn keep(&mut self, doc: Doc, digest: Digest) {
        self.copy = Some((doc, digest));
    }

    /// Drops the copy (after an error, or a restart): the next round is answered stale.
    pub fn forget(&mut self) {
        self.copy = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tablet::ChangeLog;

    fn digest(log: &ChangeLog) -> Digest {
        log.digest()
    }

    fn doc_with(entity: &str) -> Doc {
        let mut r = crate::edit::Replica::new(Doc::new("p"), "d", Default::default());
        let mut fields = serde_json::Map::new();
        fields.insert("name".into(), serde_json::json!(entity));
        fields.insert("order".into(), serde_json::json!(1));
        r.apply(
            &crate::edit::Edit::Set {
                entity: entity.into(),
                fields,
            },
            "甲",
            1_625_000_000_000,
        )
        .unwrap();
        r.doc
    }

    #[test]
    fn a_round_without_a_copy_is_stale() {
        let mut kept = KeptCopy::new();
        let log = ChangeLog::default();
        let begun = kept.begin(digest(&log), || panic!("a stale round reads no delta"));
        assert_eq!(begun, Ok(Begun::Stale { has: None }));
        assert_eq!(kept.holds(), None);
    }

    #[test]
    fn a_delta_for_another_digest_is_never_merged() {
        let mut log = ChangeLog::default();
        let old = digest(&log);
        log.note(&["cat-1".to_owned()]);
        let now = digest(&log);
        let other = digest(&ChangeLog::default());
        let mut kept = KeptCopy::new();
        kept.load(doc_with("cat-1"), now);
        for base in [old, other] {
            let begun = kept.begin(base, || Ok(doc_with("cat-2")));
            assert_eq!(begun, Ok(Begun::Stale { has: Some(now) }));
            assert_eq!(kept.holds(), Some(now));
            assert_eq!(kept.doc(), Some(&doc_with("cat-1")), "the copy changed");
        }
    }

    #[test]
    fn a_round_at_base_merges_the_delta_and_keeps_the_copy_after() {
        let mut log = ChangeLog::default();
        let base = digest(&log);
        let mut kept = KeptCopy::new();
        kept.load(doc_with("cat-1"), base);
        log.note(&["cat-2".to_owned()]);
        let Ok(Begun::Run(doc)) = kept.begin(base, || Ok(doc_with("cat-2"))) else {
            panic!("not run")
        };
        assert!(doc.contains(&doc_with("cat-1")) && doc.contains(&doc_with("cat-2")));
        // Taken out while the round runs: a second round meanwhile is stale.
        assert_eq!(kept.holds(), None);
        let at = digest(&log);
        kept.keep(doc.clone(), at);
        assert_eq!(kept.holds(), Some(at));
        assert_eq!(kept.doc(), Some(&doc));
        // The next round, at that digest, with nothing changed.
        let Ok(Begun::Run(again)) = kept.begin(at, || Ok(Doc::new("p"))) else {
            panic!("not run")
        };
        assert_eq!(again, doc);
    }

    #[test]
    fn an_error_drops_the_copy() {
        let log = ChangeLog::default();
        let at = digest(&log);
        let mut kept = KeptCopy::new();
        kept.load(doc_with("cat-1"), at);
        assert!(kept.begin(at, || Err("does not read".into())).is_err());
        assert_eq!(kept.holds(), None);
        // A delta of another document does not merge.
        kept.load(doc_with("cat-1"), at);
        assert!(kept.begin(at, || Ok(Doc::new("q"))).is_err());
        assert_eq!(kept.holds(), None);
        kept.load(doc_with("cat-1"), at);
        kept.forget();
        assert_eq!(
            kept.begin(at, || Ok(Doc::new("p"))),
            Ok(Begun::Stale { has: None })
        );
    }
}
