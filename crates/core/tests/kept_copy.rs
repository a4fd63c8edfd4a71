//! The sync worker's kept copy ([`KeptCopy`]) across imported backups: a copy of a
//! tablet's document brought up to date only by `Tablet::delta_since` always holds
//! everything the tablet holds, whatever mix of edits and backups merged in happened in
//! between. Edits, other tabs, rounds in the worker, worker restarts and stale copies are
//! the simulation's (`tests/sync_sim.rs`), which drives the same `KeptCopy`; backups are
//! not, so they are here.

use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::{Plan, Record};
use jindu_core::tablet::persist::Memory;
use jindu_core::tablet::{Begun, KeptCopy, Tablet};
use serde_json::json;

const NOW: u64 = 1_625_000_000_000;

fn base() -> Doc {
    let mut office = Replica::new(Doc::new("p"), "office", Clock::default());
    for (id, v) in [
        (
            "plan",
            json!({"title": "T", "year": 2021, "start": "2021-01-01", "end": "2021-12-31"}),
        ),
        ("cat-1", json!({"name": "C", "order": 1})),
        (
            "item-1",
            json!({"category": "cat-1", "order": 1, "content": "I"}),
        ),
    ] {
        let serde_json::Value::Object(fields) = v else {
            unreachable!()
        };
        let entity = id.into();
        office
            .apply(&Edit::Set { entity, fields }, "office", NOW - 1_000)
            .unwrap();
    }
    office.doc
}

fn add(n: u64) -> Edit {
    Edit::AddRecord {
        record: Record {
            percent: Some((n % 100) as f64),
            note: format!("n{n}"),
            ..Record::new(
                chrono::NaiveDate::from_ymd_opt(2021, 6, 1).unwrap(),
                "甲",
                "item-1",
            )
        },
    }
}

fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn a_kept_copy_never_misses_a_backup() {
    for seed in 1..=40u64 {
        let mut rng = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut kv = Memory::default();
        let mut page = Tablet::open(&mut kv, "p", base, || "dev".into());
        let mut worker = KeptCopy::new();
        let mut imported = 0;
        for step in 0..60u64 {
            let now = NOW + step * 10;
            match next(&mut rng) % 3 {
                0 => {
                    let plan = Plan::from_doc(page.doc());
                    page.edit(&mut kv, &plan, &add(step), "甲", now).unwrap();
                }
                1 => {
                    // A backup of the plan as it stood, with an edit of its own.
                    let mut backup = Replica::new(page.doc().clone(), "old", Clock::default());
                    let plan = Plan::from_doc(&backup.doc);
                    backup.apply_with(&plan, &add(step), "丁", now).unwrap();
                    page.import(&mut kv, &backup.doc, now).unwrap();
                    imported += 1;
                }
                _ => {
                    // A round: the copy is brought up to date by the delta since the
                    // digest it is at, or loaded whole.
                    let digest = page.digest();
                    let delta = worker
                        .holds()
                        .and_then(|base| Some((base, page.delta_since(base)?)));
                    let doc = match delta {
                        Some((base, delta)) => match worker.begin(base, || Ok(delta)) {
                            Ok(Begun::Run(doc)) => doc,
                            other => panic!("seed {seed} step {step}: {other:?}"),
                        },
                        None => page.doc().clone(),
                    };
                    assert!(doc.contains(page.doc()), "seed {seed} step {step}");
                    worker.keep(doc, digest);
                }
            }
        }
        assert!(imported > 0);
    }
}
