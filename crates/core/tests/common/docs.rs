//! Random documents for property tests: three replicas of a small plan take random edits
//! (field values, some with the clock days off; records added, corrected and deleted)
//! and partial syncs, so that they hold conflicts, histories, corrections and
//! tombstones.

use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::Record;
use proptest::prelude::*;
use serde_json::{json, Value};

/// The replicas, each a device of its own.
const REPLICAS: usize = 3;

/// One step: an edit on a replica, or a sync from one replica to another.
#[derive(Clone, Debug)]
pub enum Op {
    Set {
        device: usize,
        item: u8,
        field: u8,
        value: u8,
        /// The device's clock off by this many days.
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

pub fn op() -> impl Strategy<Value = Op> {
    let device = || 0..REPLICAS;
    prop_oneof![
        4 => (device(), 0..3u8, 0..3u8, any::<u8>(), -2i64..3).prop_map(|(device, item, field, value, skew)| Op::Set { device, item, field, value, skew }),
        3 => (device(), 0..3u8, 0..=100u8).prop_map(|(device, item, pct)| Op::Record { device, item, pct }),
        1 => (device(), any::<usize>(), 0..=100u8).prop_map(|(device, nth, pct)| Op::Correct { device, nth, pct }),
        1 => (device(), any::<usize>()).prop_map(|(device, nth)| Op::Delete { device, nth }),
        2 => (device(), device()).prop_map(|(from, to)| Op::Sync { from, to }),
    ]
}

fn fields(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!("fields are an object"),
    }
}

fn rec(item: u8, pct: u8) -> Record {
    serde_json::from_value(
        json!({"on": "2021-05-01", "by": "甲", "item": format!("item-{item}"), "pct": pct}),
    )
    .expect("a valid record")
}

fn live(doc: &Doc) -> Vec<String> {
    doc.records
        .iter()
        .filter(|(_, v)| !v.iter().any(|x| x.is_tombstone()))
        .map(|(k, _)| k.clone())
        .collect()
}

const T0: u64 = 1_620_000_000_000;

/// The plan every replica starts from: a category and three items.
fn base() -> Doc {
    let mut office = Replica::new(Doc::new("random"), "office", Clock::default());
    let set = |entity: String, f: Value| Edit::Set {
        entity,
        fields: fields(f),
    };
    let plan = json!({"title": "t", "year": 2021, "start": "2021-01-01", "end": "2021-12-31"});
    let mut edits = vec![
        set("plan".into(), plan),
        set("cat-1".into(), json!({"name": "c", "order": 1})),
    ];
    for i in 0..3 {
        let item = json!({"category": "cat-1", "order": i, "content": "x"});
        edits.push(set(format!("item-{i}"), item));
    }
    for edit in &edits {
        office.apply(edit, "o", T0).expect("a valid edit");
    }
    office.doc
}

/// The replicas after `ops`, a second of wall time apart.
pub fn replicas(ops: &[Op]) -> Vec<Doc> {
    let base = base();
    let mut rs: Vec<Replica> = (0..REPLICAS)
        .map(|i| Replica::new(base.clone(), format!("d{i}"), Clock::default()))
        .collect();
    let mut t = T0 + 100_000;
    for op in ops {
        t += 1_000;
        let edit = match *op {
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
                let edit = Edit::Set {
                    entity: format!("item-{item}"),
                    fields: fields(json!({ name: v })),
                };
                let wall = (t as i64 + skew * 86_400_000) as u64;
                Some((device, edit, wall))
            }
            Op::Record { device, item, pct } => {
                let record = rec(item, pct);
                Some((device, Edit::AddRecord { record }, t))
            }
            Op::Correct { device, nth, pct } => {
                let ids = live(&rs[device].doc);
                (!ids.is_empty()).then(|| {
                    let id = ids[nth % ids.len()].clone();
                    let record = rec(0, pct);
                    (device, Edit::CorrectRecord { id, record }, t)
                })
            }
            Op::Delete { device, nth } => {
                let ids = live(&rs[device].doc);
                (!ids.is_empty()).then(|| {
                    let id = ids[nth % ids.len()].clone();
                    (device, Edit::DeleteRecord { id }, t)
                })
            }
            Op::Sync { from, to } => {
                let d = rs[from].doc.clone();
                rs[to].merge_remote(&d, t).expect("honest replicas merge");
                None
            }
        };
        if let Some((device, edit, wall)) = edit {
            rs[device].apply(&edit, "x", wall).expect("a valid edit");
        }
    }
    rs.into_iter().map(|r| r.doc).collect()
}
