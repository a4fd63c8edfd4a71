//! Property tests of the merge laws on documents built by random edits and partial
//! syncs: commutative, associative, idempotent, and merge(a, merge(a, b)) = merge(a, b),
//! all compared as canonical bytes. `PROPTEST_CASES` overrides the 10,000 cases.

use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::Record;
use proptest::prelude::*;
use serde_json::{json, Value};

#[derive(Clone, Debug)]
enum Op {
    Set {
        device: usize,
        item: u8,
        field: u8,
        value: u8,
        skew: i64,
    },
    Record {
        device: usize,
        item: u8,
        pct: u8,
    },
    Correct {
        device: usize,
        nth: usize,
        pct: u8,
    },
    Delete {
        device: usize,
        nth: usize,
    },
    Sync {
        from: usize,
        to: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 0..3u8, 0..3u8, any::<u8>(), -2i64..3).prop_map(|(device, item, field, value, skew)| Op::Set { device, item, field, value, skew }),
        3 => (0..3usize, 0..3u8, 0..=100u8).prop_map(|(device, item, pct)| Op::Record { device, item, pct }),
        1 => (0..3usize, any::<usize>(), 0..=100u8).prop_map(|(device, nth, pct)| Op::Correct { device, nth, pct }),
        1 => (0..3usize, any::<usize>()).prop_map(|(device, nth)| Op::Delete { device, nth }),
        2 => (0..3usize, 0..3usize).prop_map(|(from, to)| Op::Sync { from, to }),
    ]
}

fn fields(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn base() -> Doc {
    let mut r = Replica::new(Doc::new("laws"), "office", Clock::default());
    let t = 1_620_000_000_000;
    r.apply(
        &Edit::Set {
            entity: "plan".into(),
            fields: fields(
                json!({"title": "t", "year": 2021, "start": "2021-01-01", "end": "2021-12-31"}),
            ),
        },
        "o",
        t,
    )
    .unwrap();
    r.apply(
        &Edit::Set {
            entity: "cat-1".into(),
            fields: fields(json!({"name": "c", "order": 1})),
        },
        "o",
        t,
    )
    .unwrap();
    for i in 0..3 {
        r.apply(
            &Edit::Set {
                entity: format!("item-{i}"),
                fields: fields(json!({"category": "cat-1", "order": i, "content": "x"})),
            },
            "o",
            t,
        )
        .unwrap();
    }
    r.doc
}

fn rec(item: u8, pct: u8) -> Record {
    serde_json::from_value(
        json!({"on": "2021-05-01", "by": "甲", "item": format!("item-{item}"), "pct": pct}),
    )
    .unwrap()
}

fn replicas(ops: &[Op]) -> Vec<Doc> {
    let base = base();
    let mut rs: Vec<Replica> = (0..3)
        .map(|i| Replica::new(base.clone(), format!("d{i}"), Clock::default()))
        .collect();
    let mut t: u64 = 1_620_000_100_000;
    for op in ops {
        t += 1_000;
        match *op {
            Op::Set {
                device,
                item,
                field,
                value,
                skew,
            } => {
                let (name, v) = match field {
                    0 => ("content", json!(format!("v{value}"))),
                    1 => ("order", json!(value)),
                    _ => ("departments", json!([format!("d{value}")])),
                };
                let mut f = serde_json::Map::new();
                f.insert(name.into(), v);
                let wall = (t as i64 + skew * 86_400_000) as u64;
                rs[device]
                    .apply(
                        &Edit::Set {
                            entity: format!("item-{item}"),
                            fields: f,
                        },
                        "x",
                        wall,
                    )
                    .unwrap();
            }
            Op::Record { device, item, pct } => {
                rs[device]
                    .apply(
                        &Edit::AddRecord {
                            record: rec(item, pct),
                        },
                        "x",
                        t,
                    )
                    .unwrap();
            }
            Op::Correct { device, nth, pct } => {
                let live: Vec<String> = live(&rs[device].doc);
                if !live.is_empty() {
                    let id = live[nth % live.len()].clone();
                    rs[device]
                        .apply(
                            &Edit::CorrectRecord {
                                id,
                                record: rec(0, pct),
                            },
                            "x",
                            t,
                        )
                        .unwrap();
                }
            }
            Op::Delete { device, nth } => {
                let live: Vec<String> = live(&rs[device].doc);
                if !live.is_empty() {
                    let id = live[nth % live.len()].clone();
                    rs[device]
                        .apply(&Edit::DeleteRecord { id }, "x", t)
                        .unwrap();
                }
            }
            Op::Sync { from, to } => {
                let d = rs[from].doc.clone();
                rs[to].merge_remote(&d, t).unwrap();
            }
        }
    }
    rs.into_iter().map(|r| r.doc).collect()
}

fn live(doc: &Doc) -> Vec<String> {
    doc.records
        .iter()
        .filter(|(_, v)| !v.iter().any(|x| x.is_tombstone()))
        .map(|(k, _)| k.clone())
        .collect()
}

fn merged(a: &Doc, b: &Doc) -> Doc {
    let mut m = a.clone();
    m.merge(b).unwrap();
    m
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn merge_is_a_join(ops in prop::collection::vec(op(), 0..40)) {
        let ds = replicas(&ops);
        let (a, b, c) = (&ds[0], &ds[1], &ds[2]);
        let bytes = Doc::to_json;
        prop_assert_eq!(bytes(&merged(a, b)), bytes(&merged(b, a)), "commutative");
        prop_assert_eq!(bytes(&merged(&merged(a, b), c)), bytes(&merged(a, &merged(b, c))), "associative");
        prop_assert_eq!(bytes(&merged(a, a)), bytes(a), "idempotent");
        prop_assert_eq!(bytes(&merged(a, &merged(a, b))), bytes(&merged(a, b)), "absorbs");
        // The canonical bytes read back as the same state, and so does the binary form.
        prop_assert_eq!(Doc::from_json(&bytes(a)).unwrap(), a.clone());
        prop_assert_eq!(bytes(&Doc::from_binary(&merged(a, b).to_binary()).unwrap()), bytes(&merged(a, b)));
        // Nothing either side held is lost.
        let ab = merged(a, b);
        prop_assert!(ab.contains(a) && ab.contains(b));
        // A merge says whether it changed the document, and a merge of what is already
        // held changes nothing.
        let mut x = a.clone();
        let changed = x.merge(b).unwrap();
        prop_assert_eq!(changed, x != *a);
        let mut y = ab.clone();
        prop_assert!(!y.merge(a).unwrap() && !y.merge(b).unwrap());
        prop_assert_eq!(y, ab);
        // It names exactly the entities and records that changed, and those carry the
        // whole change: the original joined with just them is the merge.
        let mut z = a.clone();
        let changes = z.merge_changes(b).unwrap();
        prop_assert_eq!(&z, &x);
        let mut differ: Vec<String> = z.entities.iter()
            .filter(|(id, f)| a.entities.get(*id) != Some(*f)).map(|(id, _)| id.clone())
            .chain(z.records.iter().filter(|(id, v)| a.records.get(*id) != Some(*v)).map(|(id, _)| id.clone()))
            .collect();
        differ.sort();
        let mut named = changes.ids.clone();
        named.sort();
        prop_assert_eq!(&named, &differ);
        prop_assert_eq!(changes.any, z != *a);
        let mut w = a.clone();
        w.merge(&z.subset(named.iter().map(String::as_str))).unwrap();
        prop_assert_eq!(bytes(&w), bytes(&z));
    }
}

/// A large replica joined with a small one (a journal entry, a short sync) takes another
/// path through the records than two replicas of similar size: both give the same join.
#[test]
fn small_and_large_joins_agree() {
    use jindu_core::generate::{edits, plan, Shape};
    let base = plan(&Shape {
        items: 40,
        records_per_item: 5,
        devices: 4,
        seed: 9,
    });
    let big = edits(&base, 400, 4, "a", 1);
    for (n, seed) in [(3, 2), (30, 3), (300, 4)] {
        let small = edits(&base, n, 3, "b", seed);
        // Overlapping records: the same ids with other versions.
        let mut also = big.clone();
        also.merge(&small).unwrap();
        for (x, y) in [
            (&big, &small),
            (&small, &big),
            (&also, &small),
            (&small, &also),
        ] {
            assert_eq!(merged(x, y).to_json(), merged(y, x).to_json(), "n = {n}");
        }
        let ab = merged(&big, &small);
        assert!(ab.contains(&big) && ab.contains(&small));
        assert_eq!(ab.records.len(), {
            let mut ids: Vec<_> = big.records.keys().chain(small.records.keys()).collect();
            ids.sort();
            ids.dedup();
            ids.len()
        });
    }
}
