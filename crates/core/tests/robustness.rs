//! No input panics, and roll-ups stay within 0–100% whatever the records say.

use chrono::NaiveDate;
use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::Plan;
use jindu_core::progress::{
    category_progress, item_progress, item_schedule, plan_progress, problems, site_progress,
    target_progress,
};
use jindu_core::seed;
use proptest::prelude::*;
use serde_json::{json, Value};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500)
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        any::<i64>().prop_map(|i| json!(i)),
        "[a-z0-9-]{0,12}".prop_map(Value::String),
        "\\PC{0,20}".prop_map(Value::String),
        Just(json!("2021-06-30")),
        Just(json!("item-4-1")),
        Just(json!("site-baihe")),
        Just(json!("cat-1")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn entity_id() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("plan".to_string()),
        "(cat|item|tgt|stg|ms|site|loc|wp|xx)-[a-z0-9-]{0,10}",
        Just("item-4-1".to_string()),
        Just("tgt-4-2-1".to_string()),
        Just("site-baihe".to_string()),
        "\\PC{0,12}",
    ]
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("content".to_string()),
        Just("quantity".to_string()),
        Just("deadline".to_string()),
        Just("order".to_string()),
        Just("deleted".to_string()),
        Just("category".to_string()),
        Just("name".to_string()),
        Just("recurring".to_string()),
        "[a-z]{1,8}",
    ]
}

fn record_value() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            Just("item-4-1"),
            Just("item-2-1"),
            Just("item-4-2"),
            Just("nope")
        ],
        prop::option::of(prop_oneof![
            Just("site-baihe"),
            Just("site-binkang"),
            Just("site-x")
        ]),
        prop::option::of(prop_oneof![Just("tgt-2-1-1"), Just("tgt-4-2-1")]),
        prop::option::of(any::<f64>()),
        prop::option::of(-50.0..200.0f64),
        prop_oneof![
            Just("2021-06-30"),
            Just("2021-01-01"),
            Just("1999-01-01"),
            Just("2021-12-31")
        ],
        prop::option::of(prop_oneof![
            Just("done"),
            Just("in_progress"),
            Just("not_started"),
            Just("delayed")
        ]),
    )
        .prop_map(|(item, site, target, figure, pct, on, st)| {
            json!({"on": on, "by": "检查员", "item": item, "site": site, "target": target,
                   "n": figure.filter(|f| f.is_finite()), "pct": pct, "st": st, "note": "x"})
        })
}

#[derive(Clone, Debug)]
enum Op {
    Set(String, String, Value),
    Record(Value),
    Correct(usize, Value),
    Delete(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (entity_id(), field_name(), any_json()).prop_map(|(e, f, v)| Op::Set(e, f, v)),
        3 => record_value().prop_map(Op::Record),
        1 => (any::<usize>(), record_value()).prop_map(|(n, v)| Op::Correct(n, v)),
        1 => any::<usize>().prop_map(Op::Delete),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_reader(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = Doc::from_json(&bytes);
        let _ = Doc::from_binary(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics_the_reader(v in any_json()) {
        let _ = Doc::from_json(v.to_string().as_bytes());
        let wrapped = json!({"format": 1, "id": "x", "entities": {"item-1": {"content": v.clone()}}, "records": {"r": v}});
        if let Ok(doc) = Doc::from_json(wrapped.to_string().as_bytes()) {
            let _ = Plan::from_doc(&doc);
        }
    }

    #[test]
    fn arbitrary_edits_never_panic_and_roll_ups_stay_in_bounds(ops in prop::collection::vec(op(), 0..30), day in 0u32..365) {
        let mut r = Replica::new(seed::xixing_2021(), "fuzz", Clock::default());
        let mut t = 1_625_000_000_000u64;
        for op in ops {
            t += 1_000;
            let live: Vec<String> = r.doc.records.keys().cloned().collect();
            let edit = match op {
                Op::Set(e, f, v) => {
                    let mut m = serde_json::Map::new();
                    m.insert(f, v);
                    Edit::Set { entity: e, fields: m }
                }
                Op::Record(v) => match serde_json::from_value(v) {
                    Ok(record) => Edit::AddRecord { record },
                    Err(_) => continue,
                },
                Op::Correct(n, v) => match serde_json::from_value(v) {
                    Ok(record) if !live.is_empty() => Edit::CorrectRecord { id: live[n % live.len()].clone(), record },
                    _ => continue,
                },
                Op::Delete(n) if !live.is_empty() => Edit::DeleteRecord { id: live[n % live.len()].clone() },
                Op::Delete(_) => continue,
            };
            let before = r.doc.clone();
            if r.apply(&edit, "检查员", t).is_err() {
                prop_assert!(r.doc == before, "a refused edit leaves the document as it was");
            }
        }
        let plan = Plan::from_doc(&r.doc);
        let as_of = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap() + chrono::Days::new(day.into());
        let in_bounds = |p: Option<f64>| p.is_none_or(|v| (0.0..=100.0).contains(&v));
        prop_assert!(in_bounds(plan_progress(&plan, as_of).percent));
        for c in &plan.categories {
            prop_assert!(in_bounds(category_progress(&plan, &c.id, as_of).percent));
        }
        for i in &plan.items {
            prop_assert!(in_bounds(item_progress(&plan, i, as_of).percent));
            let _ = item_schedule(&plan, i, as_of);
            for s in plan.sites_of(&i.id) {
                prop_assert!(in_bounds(site_progress(&plan, &i.id, &s.site, as_of).percent));
            }
        }
        for t in &plan.targets {
            prop_assert!(in_bounds(target_progress(&plan, t, as_of).percent));
        }
        let _ = problems(&plan, as_of);
        // Whatever was accepted still encodes and reads back, from JSON and from the
        // binary form this device stores, to the same canonical bytes.
        let json = r.doc.to_json();
        let back = Doc::from_json(&json).unwrap();
        prop_assert!(back == r.doc, "the document reads back as it was written");
        let binary = r.doc.to_binary();
        let back = Doc::from_binary(&binary).unwrap();
        prop_assert!(back == r.doc, "the binary form reads back as it was written");
        prop_assert!(back.to_json() == json);
        // Damage to the binary form is an error or another document, never a panic.
        for cut in [1, binary.len() / 3, binary.len() / 2, binary.len() - 1] {
            prop_assert!(Doc::from_binary(&binary[..cut]).is_err(), "cut at {}", cut);
        }
        let mut flipped = binary.clone();
        let at = (day as usize * 7919) % flipped.len();
        flipped[at] ^= 0x5a;
        let _ = Doc::from_binary(&flipped);
    }
}

#[test]
fn specific_bad_input_gets_specific_errors() {
    use jindu_core::edit::EditError;
    let mut r = Replica::new(seed::xixing_2021(), "t", Clock::default());
    let set = |r: &mut Replica, e: &str, v: Value| {
        let Value::Object(m) = v else { unreachable!() };
        r.apply(
            &Edit::Set {
                entity: e.into(),
                fields: m,
            },
            "x",
            1_625_000_000_000,
        )
    };
    assert!(matches!(
        set(&mut r, "tgt-4-2-1", json!({"quantity": 0})),
        Err(EditError::NotPositive { .. })
    ));
    assert!(matches!(
        set(&mut r, "tgt-4-2-1", json!({"quantity": -3})),
        Err(EditError::NotPositive { .. })
    ));
    assert!(matches!(
        set(&mut r, "cat-1", json!({"name": "  "})),
        Err(EditError::Empty { .. })
    ));
    assert!(matches!(
        set(&mut r, "item-1-1", json!({"category": "cat-99"})),
        Err(EditError::UnknownReference { .. })
    ));
    assert!(matches!(
        set(&mut r, "item-1-1", json!({"content": "字".repeat(5000)})),
        Err(EditError::TooLong { .. })
    ));
    assert!(matches!(
        set(
            &mut r,
            "ms-5-1-1",
            json!({"due": {"date": "2030-01-01", "text": ""}})
        ),
        Err(EditError::DateOutOfRange { .. })
    ));
    assert!(matches!(
        set(&mut r, "zzz-1", json!({"name": "x"})),
        Err(EditError::BadId(_))
    ));
    let rec = |pct: f64| {
        serde_json::from_value(
            json!({"on": "2021-07-01", "by": "甲", "item": "item-4-1", "pct": pct}),
        )
        .unwrap()
    };
    assert!(matches!(
        r.apply(
            &Edit::AddRecord { record: rec(120.0) },
            "甲",
            1_625_000_000_000
        ),
        Err(EditError::PercentOutOfRange { .. })
    ));
    let wrong_site = serde_json::from_value(
        json!({"on": "2021-07-01", "by": "甲", "item": "item-4-2", "site": "site-baihe"}),
    )
    .unwrap();
    assert!(matches!(
        r.apply(
            &Edit::AddRecord { record: wrong_site },
            "甲",
            1_625_000_000_000
        ),
        Err(EditError::Mismatch(_))
    ));
    assert_eq!(
        Plan::from_doc(&r.doc),
        Plan::from_doc(&seed::xixing_2021()),
        "nothing stored was changed"
    );
}

/// Regression: without serde_json's `float_roundtrip`, 13.833534152400535 read back as a
/// different float, so a document's canonical bytes changed after a sync (found by
/// `arbitrary_edits_never_panic_and_roll_ups_stay_in_bounds`).
#[test]
fn floats_read_back_exactly() {
    let mut r = Replica::new(seed::xixing_2021(), "t", Clock::default());
    let record = serde_json::from_value(
        json!({"on": "2021-07-01", "by": "甲", "item": "item-2-1", "pct": 13.833534152400535}),
    )
    .unwrap();
    r.apply(&Edit::AddRecord { record }, "甲", 1_625_000_000_000)
        .unwrap();
    let bytes = r.doc.to_json();
    assert_eq!(Doc::from_json(&bytes).unwrap().to_json(), bytes);
}
