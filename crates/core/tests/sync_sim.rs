//! Simulation: many tablets edit offline and sync through a faulty compare-and-swap
//! store; at quiescence all hold the stored bytes and no acknowledged edit is lost.
//!
//! Each tablet runs the app's own [`Tablet`](jindu_core::tablet::Tablet) over an
//! in-memory browser storage. Most sync rounds run in the tab's sync worker, as the app
//! runs them: the worker keeps a copy of the plan between rounds
//! ([`KeptCopy`](jindu_core::tablet::KeptCopy), the worker's own logic), the page sends
//! it the whole document first and then only the delta since the copy's digest
//! (`Tablet::delta_since`), loads it whole again when it answers stale, and reconciles
//! what the round learned with the live replica (`Tablet::finish_round`), which kept
//! taking edits meanwhile; some rounds run on the live replica, as the page runs them
//! when the worker cannot. Faults: lost replies (the PUT applied), requests duplicated
//! at once or delivered late and out of order, spurious 412s and 5xx, storage that
//! refuses writes (a full quota), a tab that crashes and reads its storage again, a
//! second tab of the app sharing one device's storage, a sync worker that restarts
//! (before a round, once loaded, or under a round: the page then runs the round itself)
//! or holds a copy at another digest than the page's delta is for (it must answer stale
//! and merge nothing), and a faulty writer that rewrites stored content under its
//! existing stamps (the store runs the server's rule, `check_rewrite`, and must refuse
//! every one: nothing stored changes, and every honest edit still converges).
//!
//! Roles: every third tablet is the office's, the others are inspectors', each signing
//! with its own account, and the store applies the role rule (`jindu_core::roles`) as the
//! server does. Inspectors record and correct their own records; now and then one
//! changes the plan anyway (its role changed while it was offline): the store refuses
//! (403), the tablet says `refused`, keeps every edit in memory and storage, and starts
//! no round by itself until the office grants the role and the stop is cleared.
//!
//! Checked at every step: a tablet that drops an edit from pending, or says "synced",
//! does so only when the stored file holds that edit; an edit whose storage was refused
//! is undone and never counted; a crashed tab reads back exactly the replica it had; a
//! worker's copy, brought up to date by a delta, holds everything its tablet holds.
//! Checked at the end: every tab holds the stored bytes; each field holds exactly the
//! writes no other write had seen (the winner plus kept conflicts); every record version
//! ever made is there; every stored write is signed by its device's account.
//!
//! `JINDU_SIM_SEEDS` sets the number of seeds (default 1,000).

mod sim;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::{Kind, Plan, Record};
use jindu_core::sync::{Outcome, Pending, Policy, Reply, Request, Step, SyncRound, SyncState};
use jindu_core::tablet::persist::KeyValue;
use jindu_core::tablet::{Tablet, TabletError};
use serde_json::{json, Map, Value};

use jindu_core::doc::Signer;
use jindu_core::roles::Role;
use jindu_core::sync::SyncError;
use sim::{
    end_round, rewrite_in_place, start_round, worker_dies_in_round, Device, Known, Rng, Store, Tab,
    Who, WriteId,
};

/// Seeds that once failed, kept as regression cases.
const REGRESSION_SEEDS: &[u64] = &[];

struct Truth {
    /// For each write, the writes to the same field its device had seen.
    superseded: BTreeMap<WriteId, BTreeSet<WriteId>>,
    /// Every record version ever made: (record, stamp, device).
    versions: BTreeSet<(String, u64, String)>,
}

const DAY: i64 = 86_400_000;
const START_MS: i64 = 1_617_235_200_000; // 2021-04-01

fn base_doc() -> Doc {
    let mut office = Replica::new(Doc::new("sim"), "office", Clock::default());
    let set = |r: &mut Replica, id: &str, v: Value| {
        let Value::Object(fields) = v else {
            unreachable!()
        };
        r.apply(
            &Edit::Set {
                entity: id.into(),
                fields,
            },
            "office",
            START_MS as u64,
        )
        .unwrap();
    };
    set(
        &mut office,
        "plan",
        json!({"title": "模拟", "year": 2021, "start": "2021-01-01", "end": "2021-12-31"}),
    );
    set(&mut office, "cat-1", json!({"name": "类别", "order": 1}));
    for n in 1..=3 {
        set(
            &mut office,
            &format!("item-{n}"),
            json!({"category": "cat-1", "order": n, "content": format!("项目{n}")}),
        );
    }
    office.doc
}

fn record(rng: &mut Rng, device: &str, t: i64) -> Record {
    let day = chrono::DateTime::from_timestamp_millis(t)
        .unwrap()
        .date_naive();
    // Drawn in this order: the seeds' scenarios depend on it.
    let item = format!("item-{}", 1 + rng.below(3));
    Record {
        percent: Some(rng.below(101) as f64),
        note: format!("记录{}", rng.below(1000)),
        ..Record::new(day, format!("检查员{device}"), item)
    }
}

fn make_edit(rng: &mut Rng, d: &mut Device, i: usize, truth: &mut Truth, t: i64) {
    let now = d.wall(t);
    // A full quota now and then: the edit must be refused whole.
    let full = rng.chance(4);
    if full {
        d.kv.quota = Some(d.kv.used());
    }
    let name = d.name.clone();
    let tab = &mut d.tabs[i];
    tab.known.extend(d.kv_known.iter().cloned());
    // What another tab stored is read first (the app does on the storage event), so a
    // record deleted there is not offered for correction here.
    let quota = d.kv.quota.take();
    tab.tablet.catch_up(&mut d.kv);
    d.kv.quota = quota;
    let author = format!("检查员{name}");
    let live: Vec<String> = tab
        .tablet
        .doc()
        .records
        .iter()
        .filter(|(_, v)| v.iter().all(|x| !x.is_tombstone()))
        .map(|(k, _)| k.clone())
        .collect();
    let choice = rng.below(10);
    // An inspector records, and corrects or deletes its own records; now and then its
    // tablet changes the plan anyway (its role changed while it was offline).
    let inspector = d.who.role == Role::Inspector;
    let me = d.who.account.clone();
    let live: Vec<String> = if inspector {
        live.into_iter()
            .filter(|id| tab.tablet.doc().records[id][0].signer.account.as_ref() == me)
            .collect()
    } else {
        live
    };
    let choice = if inspector && choice < 4 && !rng.chance(3) {
        4 + rng.below(6)
    } else {
        choice
    };
    let edit = if choice < 4 {
        let entity = format!("item-{}", 1 + rng.below(3));
        let mut fields = Map::new();
        for f in ["content", "departments", "order"] {
            if rng.chance(50) || fields.is_empty() && f == "order" {
                let v = match f {
                    "content" => json!(format!("内容{}", rng.below(100))),
                    "departments" => json!([format!("科室{}", rng.below(5))]),
                    _ => json!(rng.below(10)),
                };
                fields.insert(f.into(), v);
            }
        }
        Edit::Set { entity, fields }
    } else if choice < 8 || live.is_empty() {
        Edit::AddRecord {
            record: record(rng, &name, t),
        }
    } else if choice < 9 {
        let id = live[rng.below(live.len() as u64) as usize].clone();
        Edit::CorrectRecord {
            id,
            record: record(rng, &name, t),
        }
    } else {
        let id = live[rng.below(live.len() as u64) as usize].clone();
        Edit::DeleteRecord { id }
    };
    let doc_before = tab.tablet.doc().clone();
    let plan = Plan::from_doc(tab.tablet.doc());
    let result = tab.tablet.edit(&mut d.kv, &plan, &edit, &author, now);
    d.kv.quota = None;
    let edited = match result {
        Ok(e) => e,
        Err(TabletError::NotSaved(_)) => {
            assert!(full, "a write was refused with room to spare");
            // Undone: the replica is as it was, but for what another tab stored.
            let mut expected = doc_before;
            let again = Tablet::open(&mut d.kv, "sim", || Doc::new("sim"), String::new);
            expected.merge(again.doc()).unwrap();
            assert_eq!(tab.tablet.doc(), &expected, "a refused edit left a trace");
            assert_eq!(tab.tablet.verdict().name(), "storage-full");
            return;
        }
        Err(e) => panic!("a valid edit was refused: {e}"),
    };
    let applied = edited.applied;
    let device = name.clone();
    match &edit {
        Edit::Set { entity, fields } => {
            for f in fields.keys() {
                let id: WriteId = (entity.clone(), f.clone(), applied.stamp, device.clone());
                let seen: BTreeSet<WriteId> = tab
                    .known
                    .iter()
                    .filter(|w| w.0 == *entity && w.1 == *f)
                    .cloned()
                    .collect();
                let twice = truth.superseded.insert(id.clone(), seen);
                assert!(twice.is_none(), "{device} issued {id:?} twice");
                tab.known.insert(id);
            }
        }
        _ => {
            let new = truth
                .versions
                .insert((applied.id.clone(), applied.stamp, device.clone()));
            assert!(new, "{device} issued a version of {} twice", applied.id);
        }
    }
    let pending = tab.tablet.sync_state().pending.last().unwrap().clone();
    assert_eq!(pending.stamp, applied.stamp);
    tab.made.push(pending);
    // Stored: the edited entity whole; with a round on the live replica in flight, what
    // that round merged into other entities is not stored yet.
    let live_round = tab.round.as_ref().is_some_and(|r| r.copy.is_none());
    let stored = tab.known.iter().filter(|w| match &edit {
        Edit::Set { entity, .. } => !live_round || w.0 == *entity,
        _ => !live_round,
    });
    d.kv_known.extend(stored.cloned());
}

/// Advances tab `i`'s sync by one request (or starts a round, or ends one).
fn sync_step(rng: &mut Rng, d: &mut Device, i: usize, store: &mut Store, t: i64, faults: bool) {
    let now = d.wall(t);
    let online = d.online;
    let tab = &mut d.tabs[i];
    if tab.round.is_none() {
        // The tablet reads what another tab stored before a round: so does the truth.
        tab.known.extend(d.kv_known.iter().cloned());
        let on_copy = rng.chance(80);
        start_round(rng, &mut d.kv, tab, on_copy, faults);
    } else if faults && tab.round.as_ref().is_some_and(|r| r.copy.is_some()) && rng.chance(2) {
        // The worker dies under its round: the page runs the round itself.
        tab.known.extend(d.kv_known.iter().cloned());
        worker_dies_in_round(rng, &mut d.kv, tab);
    }
    let round = tab.round.as_mut().unwrap();
    let step = std::mem::replace(&mut round.next, Step::Wait(0));
    let next = match step {
        Step::Send(req) => {
            let reply = if !online {
                Reply::Failed("no signal".into())
            } else if faults && rng.chance(5) {
                Reply::status(503, None, Vec::new())
            } else if faults && !matches!(req, Request::Get { .. }) && rng.chance(3) {
                Reply::status(412, None, Vec::new())
            } else {
                let reply = store.handle(&req, &round.body_known, &d.who);
                if faults && rng.chance(5) {
                    // Duplicated request: the retry arrives too.
                    let _ = store.handle(&req, &round.body_known, &d.who);
                }
                if faults && rng.chance(5) {
                    // A copy held up somewhere, to arrive later among other writes.
                    store
                        .delayed
                        .push((req.clone(), round.body_known.clone(), d.who.clone()));
                }
                if faults && rng.chance(5) {
                    Reply::Failed("reply lost".into())
                } else {
                    if let (Request::Get { .. }, Reply::Http { status: 200, .. }) = (&req, &reply) {
                        match round.copy {
                            Some(_) => round.known.extend(store.known.iter().cloned()),
                            None => tab.known.extend(store.known.iter().cloned()),
                        }
                    }
                    reply
                }
            };
            match &mut round.copy {
                Some(c) => round
                    .engine
                    .on_reply(&mut c.replica, &mut c.state, reply, now),
                None => tab.tablet.on_reply(&mut round.engine, reply, now),
            }
        }
        Step::Wait(_) => round.engine.resume(),
        Step::Finished(_) => unreachable!("finished rounds are ended"),
    };
    if let Step::Send(Request::Put { .. } | Request::Create { .. }) = &next {
        round.body_known = match round.copy {
            Some(_) => round.known.clone(),
            None => tab.known.clone(),
        };
    }
    if let Step::Finished(outcome) = &next {
        if let Outcome::Stopped(e) = outcome {
            assert!(
                matches!(e, SyncError::Refused(_)),
                "{}: syncing stopped: {e}",
                d.name
            );
        }
        // Ended: what the round learned is stored, and the truth follows it.
        d.tabs[i].known.extend(d.kv_known.iter().cloned());
        end_round(d, i);
        d.kv_known.extend(d.tabs[i].known.iter().cloned());
        if let Outcome::Stopped(_) = outcome {
            refused(d, i);
        }
    } else {
        d.tabs[i].round.as_mut().unwrap().next = next;
    }
}

/// A tab whose upload the role rule refused: it stops, keeps every edit, and does not
/// try again by itself. Then the office gives the device's account the office role (as
/// it would after the tablet's user asks), and the tablet is told to sync again.
fn refused(d: &mut Device, i: usize) {
    assert_eq!(
        d.who.role,
        Role::Inspector,
        "{}: the office was refused",
        d.name
    );
    let tab = &mut d.tabs[i];
    assert_eq!(tab.tablet.verdict().name(), "refused");
    for p in &tab.made {
        assert!(
            p.held_by(tab.tablet.doc(), &d.name),
            "{}: a refused tablet lost {p:?}",
            d.name
        );
    }
    // No loop: the next round stops before sending anything.
    let mut again = SyncRound::new(sim::policy(), 1);
    assert!(matches!(
        tab.tablet.start_round(&mut again),
        Step::Finished(Outcome::Stopped(SyncError::Refused(_)))
    ));
    // Storage keeps it all too.
    let name = d.name.clone();
    let stored = Tablet::open(&mut d.kv, "sim", || Doc::new("sim"), || name.clone());
    for p in &d.tabs[i].made {
        assert!(
            p.held_by(stored.doc(), &name),
            "{name}: refused and not stored: {p:?}"
        );
    }
    d.who.role = Role::Office;
    for tab in &mut d.tabs {
        tab.tablet.clear_stop(&mut d.kv);
    }
}

/// What every step must keep: an edit leaves pending, and "synced" is said, only when
/// the stored file holds it.
fn check_confirmed(seed: u64, d: &Device, tab: &Tab, before: &[Pending], store: &mut Store) {
    let stored = store.doc();
    for p in before {
        if !tab.tablet.sync_state().pending.contains(p) {
            assert!(
                p.held_by(stored, &d.name),
                "seed {seed}: {} dropped {p:?} from pending, but the file lacks it",
                d.name
            );
        }
    }
    if tab.tablet.verdict().name() == "synced" {
        for p in &tab.made {
            assert!(
                p.held_by(stored, &d.name),
                "seed {seed}: {} says synced, but the file lacks {p:?}",
                d.name
            );
        }
    }
}

/// A tab crashes and reads its storage again: it has exactly the replica it had (with a
/// second tab, at least that; in the middle of a round on the live replica, what the
/// round merged in so far is on the server and not yet stored, so at least its own
/// edits).
fn crash(seed: u64, d: &mut Device, i: usize, base: &Doc) {
    let name = d.name.clone();
    let tabs = d.tabs.len();
    let tab = &mut d.tabs[i];
    let live_round = tab.round.as_ref().is_some_and(|r| r.copy.is_none());
    let alone = tabs == 1 && !live_round;
    let again = Tablet::open(&mut d.kv, "sim", || base.clone(), || name.clone());
    for p in &tab.made {
        assert!(
            p.held_by(again.doc(), &name),
            "seed {seed}: {name} lost {p:?} in a crash"
        );
    }
    if alone {
        if again.doc() != tab.tablet.doc() {
            let (a, b) = (again.doc(), tab.tablet.doc());
            for (id, f) in &b.entities {
                if a.entities.get(id) != Some(f) {
                    eprintln!("entity {id}: stored {:?}\n live {f:?}", a.entities.get(id));
                }
            }
            for (id, v) in &b.records {
                if a.records.get(id) != Some(v) {
                    eprintln!("record {id}: stored {:?}\n live {v:?}", a.records.get(id));
                }
            }
            panic!("seed {seed}: {name} read back another replica");
        }
        assert_eq!(
            again.sync_state().pending,
            tab.tablet.sync_state().pending,
            "seed {seed}: {name}: stored sync {:?}, journal {:?}",
            d.kv.get("jindu.v1.sync.sim"),
            d.kv.get("jindu.v1.journal.sim").map(|j| j
                .lines()
                .map(|l| l.chars().take(200).collect::<String>())
                .collect::<Vec<_>>())
        );
    } else if !live_round {
        let mut joined = again.doc().clone();
        joined.merge(tab.tablet.doc()).unwrap();
        assert_eq!(
            &joined,
            again.doc(),
            "seed {seed}: {name} lost an edit in a crash"
        );
    }
    tab.tablet = again;
    tab.tablet.sign_as(Signer::new(&format!("u-{name}"), &name));
    tab.round = None;
    // The page reloaded: its sync worker starts again, empty.
    tab.worker.fail();
    tab.known = d.kv_known.clone();
}

/// What a seed exercised, counted.
#[derive(Default)]
struct Tally {
    /// Rewrites in place the store refused.
    rewrites_refused: u64,
    /// Writes the role rule refused.
    by_role: u64,
    /// Rounds the sync workers ran on their kept copies.
    in_worker: u64,
    /// Rounds the sync workers answered stale.
    stale: u64,
}

/// Runs one seed.
fn simulate(seed: u64) -> Tally {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let n_devices = 5 + rng.below(16) as usize;
    let base = base_doc();
    let base_known: Known = base
        .entities
        .iter()
        .flat_map(|(e, fields)| {
            fields.iter().flat_map(move |(f, r)| {
                r.values()
                    .iter()
                    .map(move |w| (e.clone(), f.to_owned(), w.stamp, w.device.to_string()))
            })
        })
        .collect();
    let mut store = Store::new();
    if rng.chance(70) {
        store.body = Some(base.to_json());
        store.version = 1;
        store.known = base_known.clone();
    }
    let mut truth = Truth {
        superseded: BTreeMap::new(),
        versions: BTreeSet::new(),
    };
    for w in &base_known {
        truth.superseded.insert(w.clone(), BTreeSet::new());
    }
    let mut devices: Vec<Device> = (0..n_devices)
        .map(|i| {
            // Skewed clocks: a tablet a year ahead, one two days behind.
            let offset = match i {
                0 => 365 * DAY,
                1 => -2 * DAY,
                _ => (rng.below(60_000) as i64) - 30_000,
            };
            // Tablets 3 and 4 have the app open in two tabs.
            let tabs = if i == 3 || i == 4 { 2 } else { 1 };
            // Every third tablet is the office's; the others are inspectors'.
            let role = if i % 3 == 0 {
                Role::Office
            } else {
                Role::Inspector
            };
            Device::new(format!("d{i:02}"), role, &base, &base_known, tabs, offset)
        })
        .collect();
    let mut t = START_MS;
    let mut rewrites_refused = 0;
    let steps = 300 + rng.below(300);
    for _ in 0..steps {
        t += rng.below(60_000) as i64;
        let n = rng.below(n_devices as u64) as usize;
        let d = &mut devices[n];
        let i = rng.below(d.tabs.len() as u64) as usize;
        if n == 2 && rng.chance(2) {
            // A clock that jumps back an hour.
            d.clock_offset_ms -= 3_600_000;
        }
        let before = d.tabs[i].tablet.sync_state().pending.clone();
        match rng.below(20) {
            0 | 1 => d.online = !d.online,
            2 => crash(seed, d, i, &base),
            3 => store.deliver_late(&mut rng),
            // Now and then a faulty or hostile writer rewrites stored content in place:
            // refused, and nothing stored changes.
            19 if rng.chance(30) => {
                let before = store.body.clone();
                if let Some(reply) = rewrite_in_place(&mut rng, &mut store) {
                    assert!(
                        matches!(reply, Reply::Http { status: 409, .. }),
                        "seed {seed}: a rewrite in place was accepted: {reply:?}"
                    );
                    assert_eq!(
                        store.body, before,
                        "seed {seed}: a refused write changed the file"
                    );
                    rewrites_refused += 1;
                }
            }
            4 => {
                d.tabs[i].known.extend(d.kv_known.iter().cloned());
                d.tabs[i].tablet.fold(&mut d.kv).unwrap();
                d.kv_known.extend(d.tabs[i].known.iter().cloned());
            }
            5..=11 => make_edit(&mut rng, d, i, &mut truth, t),
            _ => sync_step(&mut rng, d, i, &mut store, t, true),
        }
        check_confirmed(seed, d, &d.tabs[i], &before, &mut store);
    }
    // Quiescence: everyone back online, no more faults, late requests delivered, rounds
    // run to the end until a whole pass neither writes nor leaves anyone unsynced.
    while !store.delayed.is_empty() {
        store.deliver_late(&mut rng);
    }
    for d in &mut devices {
        d.online = true;
    }
    for pass in 0.. {
        assert!(pass < 50, "seed {seed}: no quiescence after 50 passes");
        let writes_before = store.writes;
        let mut all_synced = true;
        for d in &mut devices {
            for i in 0..d.tabs.len() {
                loop {
                    t += 10;
                    let before = d.tabs[i].tablet.sync_state().pending.clone();
                    sync_step(&mut rng, d, i, &mut store, t, false);
                    check_confirmed(seed, d, &d.tabs[i], &before, &mut store);
                    if d.tabs[i].round.is_none() {
                        break;
                    }
                }
                all_synced &= d.tabs[i].tablet.verdict().name() == "synced";
            }
        }
        if all_synced && store.writes == writes_before {
            break;
        }
    }

    let stored = store.body.clone().expect("something was written");
    let stored_doc = Doc::from_json(&stored).unwrap();
    for d in &devices {
        for tab in &d.tabs {
            assert_eq!(
                tab.tablet.doc().to_json(),
                stored,
                "seed {seed}: device {} differs from the store",
                d.name
            );
            assert_eq!(
                tab.tablet.verdict().pending(),
                0,
                "seed {seed}: {} has pending edits",
                d.name
            );
        }
    }
    // Fields: exactly the writes no other write had seen survive.
    let mut by_field: BTreeMap<(String, String), Vec<&WriteId>> = BTreeMap::new();
    for w in truth.superseded.keys() {
        by_field
            .entry((w.0.clone(), w.1.clone()))
            .or_default()
            .push(w);
    }
    for ((entity, field), writes) in by_field {
        let seen: BTreeSet<&WriteId> = writes
            .iter()
            .flat_map(|w| truth.superseded[*w].iter())
            .collect();
        let expected: BTreeSet<(u64, String)> = writes
            .iter()
            .filter(|w| !seen.contains(*w))
            .map(|w| (w.2, w.3.clone()))
            .collect();
        let reg = stored_doc.register(&entity, &field).unwrap();
        let got: BTreeSet<(u64, String)> = reg
            .values()
            .iter()
            .map(|w| (w.stamp, w.device.to_string()))
            .collect();
        if got != expected {
            for w in &writes {
                eprintln!("write {w:?} saw {:?}", truth.superseded[*w]);
            }
        }
        assert_eq!(
            got, expected,
            "seed {seed}: {entity}.{field} lost or resurrected a write"
        );
    }
    // Records: every version ever made is there; deleted records stay deleted.
    for (id, stamp, device) in &truth.versions {
        let versions = stored_doc
            .records
            .get(id)
            .unwrap_or_else(|| panic!("seed {seed}: record {id} lost"));
        assert!(
            versions
                .iter()
                .any(|v| v.stamp == *stamp && *v.device == **device),
            "seed {seed}: a version of {id} was lost"
        );
    }
    let plan = Plan::from_doc(&stored_doc);
    for r in &plan.records {
        assert!(!stored_doc.records[&r.id].iter().any(|v| v.is_tombstone()));
    }
    assert!(Kind::of_id("item-1") == Some(Kind::Item));
    // Every stored write is signed by the account of the device that made it.
    let signed_right =
        |device: &str, s: &Signer| device == "office" || *s.account == *format!("u-{device}");
    for v in stored_doc.records.values().flatten() {
        assert!(signed_right(&v.device, &v.signer), "seed {seed}: {v:?}");
    }
    for r in stored_doc.entities.values().flat_map(|f| f.values()) {
        for w in r.values() {
            assert!(signed_right(&w.device, &w.signer), "seed {seed}: {w:?}");
        }
    }
    let tabs = || devices.iter().flat_map(|d| &d.tabs);
    Tally {
        rewrites_refused,
        by_role: store.refused,
        in_worker: tabs().map(|t| t.worker.ran).sum(),
        stale: tabs().map(|t| t.worker.stale).sum(),
    }
}

#[test]
fn devices_converge_without_losing_an_edit() {
    let seeds: u64 = std::env::var("JINDU_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000);
    let started = Instant::now();
    let mut all = Tally::default();
    for &seed in REGRESSION_SEEDS
        .iter()
        .chain(&(0..seeds).collect::<Vec<_>>())
    {
        let t = std::panic::catch_unwind(|| simulate(seed)).unwrap_or_else(|e| {
            eprintln!("seed {seed} failed");
            std::panic::resume_unwind(e)
        });
        all.rewrites_refused += t.rewrites_refused;
        all.by_role += t.by_role;
        all.in_worker += t.in_worker;
        all.stale += t.stale;
    }
    let Tally {
        rewrites_refused: refused,
        by_role,
        in_worker,
        stale,
    } = all;
    assert!(refused > 0 || seeds < 10, "no rewrite in place was tried");
    assert!(
        by_role > 0 || seeds < 10,
        "no write was refused by the role rule"
    );
    assert!(stale > 0 || seeds < 10, "no sync worker answered stale");
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    println!(
        "simulated {seeds} seeds in {:.1} s: {:.0} seeds a minute; {refused} rewrites in place refused; {by_role} writes refused by the role rule; {in_worker} rounds in sync workers, {stale} answered stale",
        minutes * 60.0,
        seeds as f64 / minutes
    );
}

#[test]
fn a_lost_put_reply_is_recovered_by_the_next_round() {
    let base = base_doc();
    let mut store = Store::new();
    store.body = Some(base.to_json());
    store.version = 1;
    let mut replica = Replica::new(base, "a", Clock::default());
    let mut state = SyncState::default();
    let applied = replica
        .apply(
            &Edit::AddRecord {
                record: record(&mut Rng(7), "a", START_MS),
            },
            "甲",
            START_MS as u64,
        )
        .unwrap();
    state.note_edit(&applied, Vec::new());
    let mut round = SyncRound::new(Policy::default(), 1);
    let Step::Send(get) = round.start(&replica, &state) else {
        panic!()
    };
    let reply = store.handle(&get, &Known::new(), &Who::shared());
    let Step::Send(put) = round.on_reply(&mut replica, &mut state, reply, START_MS as u64) else {
        panic!()
    };
    let _applied_but_lost = store.handle(&put, &Known::new(), &Who::shared());
    let step = round.on_reply(
        &mut replica,
        &mut state,
        Reply::Failed("timeout".into()),
        START_MS as u64,
    );
    assert!(matches!(step, Step::Finished(Outcome::Offline { .. })));
    assert_eq!(state.status().name(), "offline");
    assert_eq!(
        state.status().pending(),
        1,
        "never synced without a confirming reply"
    );
    // Next round: the GET shows the file already holds the edit; nothing is written.
    let mut round = SyncRound::new(Policy::default(), 2);
    let Step::Send(get) = round.start(&replica, &state) else {
        panic!()
    };
    let reply = store.handle(&get, &Known::new(), &Who::shared());
    let step = round.on_reply(&mut replica, &mut state, reply, START_MS as u64);
    assert!(
        matches!(step, Step::Finished(Outcome::Synced { .. })),
        "{step:?}"
    );
    assert_eq!(store.writes, 1);
    assert_eq!(state.status().name(), "synced");
}
