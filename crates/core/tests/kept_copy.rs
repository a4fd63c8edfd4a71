//! The sync worker's kept copy: a copy of a tablet's document brought up to date only by
//! `Tablet::delta_since`, and joined with what rounds fetched, always holds everything
//! the tablet holds, whatever mix of edits, other tabs, rounds on copies and backups
//! happened in between; a log too short for the gap says stale instead of missing
//! something.

use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::{Plan, Record};
use jindu_core::sync::SyncState;
use jindu_core::tablet::persist::Memory;
use jindu_core::tablet::{RoundEnd, Tablet};
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
fn a_kept_copy_never_misses_a_change() {
    for seed in 1..=40u64 {
        let mut rng = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut kv = Memory::default();
        let open = |kv: &mut Memory| Tablet::open(kv, "p", base, || "dev".into());
        let mut page = open(&mut kv);
        let mut other_tab = open(&mut kv);
        let mut far = Replica::new(page.doc().clone(), "far", Clock::default());
        // The worker's copy and the digest it is at (None: not loaded).
        let mut worker: Option<(Doc, _)> = None;
        for step in 0..60u64 {
            let now = NOW + step * 10;
            match next(&mut rng) % 6 {
                0 | 1 => {
                    let plan = Plan::from_doc(page.doc());
                    page.edit(&mut kv, &plan, &add(step), "甲", now).unwrap();
                }
                2 => {
                    let plan = Plan::from_doc(other_tab.doc());
                    other_tab
                        .edit(&mut kv, &plan, &add(step), "乙", now)
                        .unwrap();
                    page.catch_up(&mut kv);
                }
                3 => {
                    // A round in the worker: what another device wrote comes back.
                    let plan = Plan::from_doc(&far.doc);
                    let a = far.apply_with(&plan, &add(step), "丙", now).unwrap();
                    let learned = far.doc.subset([a.id.as_str()]);
                    if let Some((copy, _)) = &mut worker {
                        copy.merge_changes(&learned).unwrap();
                    }
                    let sent: SyncState = page.sync_state().clone();
                    page.finish_round(
                        &mut kv,
                        &sent,
                        RoundEnd {
                            state: sent.clone(),
                            clock: 0,
                            learned,
                        },
                    );
                }
                4 => {
                    let mut backup = Replica::new(page.doc().clone(), "old", Clock::default());
                    let plan = Plan::from_doc(&backup.doc);
                    backup.apply_with(&plan, &add(step), "丁", now).unwrap();
                    page.import(&mut kv, &backup.doc, now).unwrap();
                }
                _ => {
                    // A round: the copy is brought up to date, or loaded whole.
                    let delta = worker.as_ref().and_then(|(_, at)| page.delta_since(*at));
                    match (&mut worker, delta) {
                        (Some((copy, at)), Some(delta)) => {
                            copy.merge_changes(&delta).unwrap();
                            *at = page.digest();
                        }
                        _ => worker = Some((page.doc().clone(), page.digest())),
                    }
                    let (copy, _) = worker.as_ref().unwrap();
                    assert!(copy.contains(page.doc()), "seed {seed} step {step}");
                }
            }
        }
    }
}
