//! Property tests of "one identity, one content": for documents built by random edits
//! and syncs (`common::docs`), and a random change of content under one existing
//! identity (a record version, correction or tombstone; a field's current value,
//! conflict or history entry; its value or its author), `check_rewrite` names it, a
//! merge either way reports it instead of choosing and leaves the receiving document as
//! it was, and `contains` does not count it as held. `PROPTEST_CASES` overrides the
//! 2,000 cases.

mod common;

use std::collections::BTreeMap;

use common::docs::{op, replicas, Op};
use jindu_core::doc::{check_rewrite, Body, Doc, DocError, RecordVersion, Register, Signer};
use jindu_core::edit::Replica;
use jindu_core::hlc::Clock;
use proptest::prelude::*;
use serde_json::{json, Value};

/// Where content is changed in place, and how.
#[derive(Clone, Debug)]
struct Change {
    /// Which identity, counted over all of them (modulo their number).
    nth: usize,
    /// For a field value: change its author instead of its value.
    author: bool,
    /// A seed for the new content.
    seed: u8,
}

fn change() -> impl Strategy<Value = Change> {
    (any::<usize>(), prop::bool::weighted(0.2), any::<u8>())
        .prop_map(|(nth, author, seed)| Change { nth, author, seed })
}

/// Every replica's edits and syncs, joined: a document with conflicts, histories,
/// corrections and tombstones.
fn document(ops: &[Op]) -> Doc {
    let mut rs = replicas(ops).into_iter();
    let mut all = rs.next().expect("replicas");
    for r in rs {
        all.merge(&r).expect("honest replicas merge");
    }
    all
}

/// Every identity a document holds, with its content as canonical text.
fn identities(doc: &Doc) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (id, versions) in &doc.records {
        for v in versions {
            out.insert(
                format!("record {id} {}/{}", v.stamp, v.device),
                serde_json::to_string(v).expect("plain data"),
            );
        }
    }
    for (id, fields) in &doc.entities {
        for (name, reg) in fields {
            for w in reg.history() {
                out.insert(
                    format!("field {id}.{name} {}/{}", w.stamp, w.device),
                    serde_json::to_string(&w).expect("plain data"),
                );
            }
            for w in reg.values() {
                out.insert(
                    format!("field {id}.{name} {}/{}", w.stamp, w.device),
                    serde_json::to_string(w).expect("plain data"),
                );
            }
        }
    }
    out
}

/// `doc` with the content under one identity changed, and the words naming it.
fn rewritten(doc: &Doc, c: &Change) -> (Doc, String) {
    let ids: Vec<String> = identities(doc).into_keys().collect();
    let pick = &ids[c.nth % ids.len()];
    let mut out = doc.clone();
    let (kind, rest) = pick.split_once(' ').expect("a kind");
    let (place, dot) = rest.rsplit_once(' ').expect("a dot");
    let (stamp, device) = dot.split_once('/').expect("stamp/device");
    let stamp: u64 = stamp.parse().expect("a stamp");
    if kind == "record" {
        let v = out
            .records
            .get_mut(place)
            .expect("the record")
            .iter_mut()
            .find(|v| v.stamp == stamp && &*v.device == device)
            .expect("the version");
        // A record, a correction or a tombstone: each becomes something else, or is
        // signed over to another account.
        if c.author {
            v.signer = Signer::new(&format!("u-{}", c.seed), "冒名");
            return (out, format!("record {place}'s version"));
        }
        v.body = if v.is_tombstone() {
            Body::new(&json!({"on": "2021-05-02", "by": "乙", "item": "item-0", "pct": c.seed}))
        } else if c.seed.is_multiple_of(3) {
            Body::tombstone()
        } else {
            let mut b: Value = v.body.read().expect("JSON");
            b["pct"] = json!(1000 + c.seed as u32);
            Body::new(&b)
        };
        return (out, format!("record {place}'s version"));
    }
    let (entity, field) = place.split_once('.').expect("entity.field");
    let reg = out.register(entity, field).expect("the field");
    let mut v = serde_json::to_value(reg).expect("plain data");
    let mut done = false;
    for list in ["v", "h"] {
        for w in v
            .get_mut(list)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if w["s"] == json!(stamp) && w["d"] == json!(device) {
                if c.author && c.seed.is_multiple_of(2) {
                    // Signed over to another account (a forger claiming the write).
                    w["w"] = json!({"i": format!("u-{}", c.seed), "n": "冒名"});
                } else if c.author {
                    w["a"] = json!(format!("{}!", w["a"].as_str().unwrap_or("")));
                } else {
                    w["v"] = json!({"was": w["v"].take(), "seed": c.seed});
                }
                done = true;
            }
        }
    }
    assert!(done, "{pick} is in the register's values or history");
    let reg: Register = serde_json::from_value(v).expect("still one content per dot");
    out.entities
        .get_mut(entity)
        .expect("the entity")
        .insert(field, reg);
    (out, format!("field {entity}.{field}'s value"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: common::cases(2_000), ..ProptestConfig::default() })]

    #[test]
    fn content_changed_under_an_existing_identity_is_refused(
        ops in prop::collection::vec(op(), 0..30),
        c in change(),
        honest in any::<bool>(),
    ) {
        let doc = document(&ops);
        let (changed, what) = rewritten(&doc, &c);
        // The change is exactly one identity's content, and the changed document still
        // reads as it is: only the rule can refuse it.
        let (before, after) = (identities(&doc), identities(&changed));
        prop_assert!(before.keys().eq(after.keys()));
        prop_assert_eq!(before.iter().zip(&after).filter(|(a, b)| a != b).count(), 1);
        let read = Doc::from_json(&changed.to_json());
        prop_assert_eq!(read.as_ref(), Ok(&changed));
        // Sometimes with an honest edit on top, which must not carry it through.
        let theirs = if honest {
            let mut more = changed.clone();
            let version = RecordVersion {
                stamp: u64::MAX >> 8,
                device: "d9".into(),
                signer: Signer::none(),
                body: Body::new(&json!({"on": "2021-06-01", "by": "丙", "item": "item-1", "pct": 50})),
            };
            more.records.insert("r-d9-new".into(), vec![version]);
            more
        } else {
            changed.clone()
        };
        let r = check_rewrite(&doc, &theirs).expect_err("a rewrite");
        prop_assert!(r.what.starts_with(&what), "{} / {}", r.what, what);
        prop_assert_ne!(&r.ours, &r.theirs);
        prop_assert!(check_rewrite(&theirs, &doc).is_err());
        for (ours, other) in [(&doc, &theirs), (&theirs, &doc)] {
            let mut m = ours.clone();
            let refused = m.merge(other);
            prop_assert!(matches!(refused, Err(DocError::Rewritten { .. })), "{:?}", refused);
            prop_assert_eq!(m.to_json(), ours.to_json());
            prop_assert!(m.merge_changes(other).is_err());
            prop_assert_eq!(&m, ours);
            prop_assert!(!ours.contains(other));
            let mut r = Replica::new(ours.clone(), "d0", Clock::default());
            prop_assert!(r.merge_remote(other, 1_700_000_000_000).is_err());
            prop_assert_eq!(&r.doc, ours);
        }
        // Without the change, the same documents merge as before.
        prop_assert!(check_rewrite(&doc, &doc).is_ok());
        let mut m = doc.clone();
        prop_assert!(!m.merge(&doc).unwrap());
    }
}
