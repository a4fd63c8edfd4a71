//! The plan view kept up to date edit by edit (`Plan::refresh`, as the app does it) is
//! the view read afresh from the document (`Plan::from_doc`), lookups included.

use chrono::{Duration, NaiveDate};
use jindu_core::doc::{Body, RecordVersion, Signer, Written};
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::{Plan, Record};
use jindu_core::seed;
use proptest::prelude::*;
use serde_json::{json, Value};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
}

#[derive(Clone, Debug)]
enum Op {
    /// A new record like the n-th live one, observed `days` later, at `pct`.
    Add {
        n: usize,
        days: i64,
        pct: u8,
    },
    /// A correction of the n-th live record: another day (which moves it in the list).
    Correct {
        n: usize,
        days: i64,
    },
    Delete {
        n: usize,
    },
    /// Any value written to a field of an entity, as a merge of another device's edit
    /// would: orders, deletions, moves between parents, values that do not read.
    Write {
        entity: usize,
        field: usize,
        value: Value,
    },
    /// A record version with any body (a damaged or future record arriving by merge).
    RawRecord {
        n: usize,
        body: Value,
    },
}

const FIELDS: [&str; 7] = [
    "order", "deleted", "content", "category", "item", "site", "name",
];

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-5.0f64..40.0).prop_map(|f| json!(f)),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        "[a-z0-9-]{0,8}".prop_map(Value::String),
        Just(json!("cat-1")),
        Just(json!("cat-3")),
        Just(json!("item-4-1")),
        Just(json!("site-baihe")),
        Just(json!({"on": "2021-05-01", "by": "x", "item": "item-4-1", "pct": 30.0})),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<usize>(), -40i64..40, 0u8..=100).prop_map(|(n, days, pct)| Op::Add { n, days, pct }),
        2 => (any::<usize>(), -40i64..40).prop_map(|(n, days)| Op::Correct { n, days }),
        1 => any::<usize>().prop_map(|n| Op::Delete { n }),
        3 => (any::<usize>(), 0..FIELDS.len(), value()).prop_map(|(entity, field, value)| Op::Write { entity, field, value }),
        1 => (any::<usize>(), value()).prop_map(|(n, body)| Op::RawRecord { n, body }),
    ]
}

const NOW: u64 = 1_625_000_000_000;

fn nth<T>(list: &[T], n: usize) -> Option<&T> {
    (!list.is_empty()).then(|| &list[n % list.len()])
}

fn shifted(r: &Record, days: i64) -> Record {
    let mut r = r.clone();
    r.observed = (r.observed + Duration::days(days))
        .clamp(NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(), r.observed);
    r
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn refreshed_view_equals_a_fresh_read(ops in prop::collection::vec(op(), 1..30)) {
        let mut replica = Replica::new(seed::xixing_2021(), "dev-a", Clock::default());
        let mut view = Plan::from_doc(&replica.doc);
        for (step, op) in ops.into_iter().enumerate() {
            let wall = NOW + step as u64 * 1_000;
            let touched = match op {
                Op::Add { n, days, pct } => {
                    let Some(r) = nth(&view.records, n) else { continue };
                    let mut record = shifted(&r.record, days);
                    record.percent = Some(f64::from(pct));
                    match replica.apply_with(&view, &Edit::AddRecord { record }, "x", wall) {
                        Ok(applied) => applied.id,
                        Err(_) => continue,
                    }
                }
                Op::Correct { n, days } => {
                    let Some(r) = nth(&view.records, n) else { continue };
                    let edit = Edit::CorrectRecord { id: r.id.clone(), record: shifted(&r.record, days) };
                    match replica.apply_with(&view, &edit, "x", wall) {
                        Ok(applied) => applied.id,
                        Err(_) => continue,
                    }
                }
                Op::Delete { n } => {
                    let Some(r) = nth(&view.records, n) else { continue };
                    let edit = Edit::DeleteRecord { id: r.id.clone() };
                    replica.apply_with(&view, &edit, "x", wall).expect("a live record deletes").id
                }
                Op::Write { entity, field, value } => {
                    let ids: Vec<String> = replica.doc.entities.keys().cloned().collect();
                    let id = if entity % 10 == 0 { format!("item-new-{}", entity % 7) } else { ids[entity % ids.len()].clone() };
                    let stamp = replica.clock.tick(wall);
                    replica.doc.entities.entry(id.clone()).or_default().entry(FIELDS[field]).or_default().write(Written {
                        stamp,
                        device: "dev-b".into(),
                        author: "".into(),
                        signer: Signer::none(),
                        value,
                    });
                    id
                }
                Op::RawRecord { n, body } => {
                    let ids: Vec<String> = replica.doc.records.keys().cloned().collect();
                    let id = if n % 5 == 0 { format!("r-dev-b-{n}") } else { ids[n % ids.len()].clone() };
                    let stamp = replica.clock.tick(wall);
                    let versions = replica.doc.records.entry(id.clone()).or_default();
                    versions.push(RecordVersion { stamp, device: "dev-b".into(), signer: Signer::none(), body: Body::new(&body) });
                    id
                }
            };
            view.refresh(&replica.doc, &touched);
            let fresh = Plan::from_doc(&replica.doc);
            prop_assert!(view == fresh, "after touching {touched}, the refreshed view differs from a fresh read");
        }
    }
}

/// Checking an edit against the kept view refuses what checking against a fresh read
/// refuses, and leaves the replica as it was.
#[test]
fn edits_are_checked_against_the_kept_view() {
    let mut replica = Replica::new(seed::xixing_2021(), "dev-a", Clock::default());
    let view = Plan::from_doc(&replica.doc);
    let mut record = view.records[0].record.clone();
    record.item = "item-no-such".into();
    let before = replica.doc.clone();
    let edit = Edit::AddRecord { record };
    let kept = replica.apply_with(&view, &edit, "x", NOW).unwrap_err();
    let fresh = replica.clone().apply(&edit, "x", NOW).unwrap_err();
    assert_eq!(kept.to_string(), fresh.to_string());
    assert_eq!(replica.doc, before);
}
