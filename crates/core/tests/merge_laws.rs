//! Property tests of the merge laws on documents built by random edits and partial
//! syncs (`common::docs`): commutative, associative, idempotent, and
//! merge(a, merge(a, b)) = merge(a, b), all compared as canonical bytes.
//! `PROPTEST_CASES` overrides the 10,000 cases.

mod common;

use common::docs::{op, replicas};
use jindu_core::doc::Doc;
use proptest::prelude::*;

fn merged(a: &Doc, b: &Doc) -> Doc {
    let mut m = a.clone();
    m.merge(b).unwrap();
    m
}

proptest! {
    #![proptest_config(ProptestConfig { cases: common::cases(10_000), ..ProptestConfig::default() })]

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
