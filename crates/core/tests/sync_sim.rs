//! Simulation: many devices edit offline and sync through a faulty compare-and-swap
//! store; at quiescence all hold the stored bytes and no acknowledged edit is lost.
//!
//! The store injects lost responses (PUT applied, reply lost), duplicated requests,
//! spurious 412s and 5xx; devices interleave, so concurrent PUTs with the same ETag
//! happen naturally. Ground truth is tracked outside the engine: for every field write,
//! the writes its device had already seen. At the end each field must hold exactly the
//! writes no other write had seen (the winner plus kept conflicts), and every record
//! version ever made must be present.
//!
//! `JINDU_SIM_SEEDS` sets the number of seeds (default 1,000).

use std::collections::{BTreeMap, BTreeSet};

use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::{Kind, Record};
use jindu_core::sync::{Outcome, Policy, Reply, Request, Step, SyncRound, SyncState};
use serde_json::{json, Map, Value};

/// Seeds that once failed, kept as regression cases.
const REGRESSION_SEEDS: &[u64] = &[];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

type WriteId = (String, String, u64, String); // entity, field, stamp, device
type Known = BTreeSet<WriteId>;

struct Store {
    body: Option<Vec<u8>>,
    version: u64,
    known: Known,
    writes: u64,
}

impl Store {
    fn etag(&self) -> String {
        format!("\"v{}\"", self.version)
    }

    fn handle(&mut self, req: &Request, known: &Known) -> Reply {
        match req {
            Request::Get { if_none_match } => match &self.body {
                None => Reply::status(404, None, Vec::new()),
                Some(_) if if_none_match.as_deref() == Some(&self.etag()) => {
                    Reply::status(304, Some(&self.etag()), Vec::new())
                }
                Some(b) => Reply::status(200, Some(&self.etag()), b.clone()),
            },
            Request::Put { body, if_match } => {
                if self.body.is_none() || *if_match != self.etag() {
                    return Reply::status(412, None, Vec::new());
                }
                self.write(body, known)
            }
            Request::Create { body } => {
                if self.body.is_some() {
                    return Reply::status(412, None, Vec::new());
                }
                self.write(body, known)
            }
        }
    }

    fn write(&mut self, body: &[u8], known: &Known) -> Reply {
        self.body = Some(body.to_vec());
        self.version += 1;
        self.writes += 1;
        self.known = known.clone();
        Reply::status(200, Some(&self.etag()), Vec::new())
    }
}

struct Device {
    replica: Replica,
    state: SyncState,
    round: Option<SyncRound>,
    next: Option<Step>,
    /// Ground truth: every write this replica has incorporated.
    known: Known,
    /// What the replica knew when it built the body it is about to write.
    body_known: Known,
    online: bool,
    clock_offset_ms: i64,
}

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

fn wall(device: &Device, t: i64) -> u64 {
    (t + device.clock_offset_ms).max(0) as u64
}

fn record(rng: &mut Rng, device: &str, t: i64) -> Record {
    let day = chrono::DateTime::from_timestamp_millis(t)
        .unwrap()
        .date_naive();
    Record {
        observed: day,
        author: format!("检查员{device}"),
        item: format!("item-{}", 1 + rng.below(3)),
        site: None,
        target: None,
        stage: None,
        package: None,
        milestone: None,
        figure: None,
        percent: Some(rng.below(101) as f64),
        status: None,
        note: format!("记录{}", rng.below(1000)),
    }
}

fn make_edit(rng: &mut Rng, d: &mut Device, truth: &mut Truth, t: i64) {
    let now = wall(d, t);
    let author = format!("检查员{}", d.replica.device);
    let live: Vec<String> = d
        .replica
        .doc
        .records
        .iter()
        .filter(|(_, v)| v.iter().all(|x| !x.is_tombstone()))
        .map(|(k, _)| k.clone())
        .collect();
    let choice = rng.below(10);
    let edit = if choice < 4 {
        let entity = format!("item-{}", 1 + rng.below(3));
        let mut fields = Map::new();
        let field_pool = ["content", "departments", "order"];
        for f in field_pool {
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
            record: record(rng, &d.replica.device, t),
        }
    } else if choice < 9 {
        let id = live[rng.below(live.len() as u64) as usize].clone();
        Edit::CorrectRecord {
            id,
            record: record(rng, &d.replica.device, t),
        }
    } else {
        let id = live[rng.below(live.len() as u64) as usize].clone();
        Edit::DeleteRecord { id }
    };
    let applied = d
        .replica
        .apply(&edit, &author, now)
        .unwrap_or_else(|e| panic!("a valid edit was refused: {e}"));
    match &edit {
        Edit::Set { entity, fields } => {
            for f in fields.keys() {
                let id: WriteId = (
                    entity.clone(),
                    f.clone(),
                    applied.stamp,
                    d.replica.device.clone(),
                );
                let seen: BTreeSet<WriteId> = d
                    .known
                    .iter()
                    .filter(|w| w.0 == *entity && w.1 == *f)
                    .cloned()
                    .collect();
                truth.superseded.insert(id.clone(), seen);
                d.known.insert(id);
            }
            d.state
                .note_edit(&applied, fields.keys().cloned().collect());
        }
        _ => {
            truth
                .versions
                .insert((applied.id.clone(), applied.stamp, d.replica.device.clone()));
            d.state.note_edit(&applied, Vec::new());
        }
    }
}

/// Advances a device's sync by one request (or starts a round).
fn sync_step(rng: &mut Rng, d: &mut Device, store: &mut Store, t: i64, faults: bool) {
    if d.round.is_none() {
        let mut round = SyncRound::new(
            Policy {
                max_conflicts: 4,
                ..Policy::default()
            },
            rng.next(),
        );
        let step = round.start(&d.replica, &d.state);
        if let Step::Finished(outcome) = step {
            panic!("{}: syncing stopped: {outcome:?}", d.replica.device);
        }
        d.round = Some(round);
        d.next = Some(step);
    }
    let now = wall(d, t);
    let round = d.round.as_mut().unwrap();
    let step = d.next.take().unwrap();
    let next = match step {
        Step::Send(req) => {
            let reply = if !d.online {
                Reply::Failed("no signal".into())
            } else if faults && rng.chance(5) {
                Reply::status(503, None, Vec::new())
            } else if faults && !matches!(req, Request::Get { .. }) && rng.chance(3) {
                Reply::status(412, None, Vec::new())
            } else {
                let reply = store.handle(&req, &d.body_known);
                if faults && rng.chance(5) {
                    // Duplicated request: the retry arrives too.
                    let _ = store.handle(&req, &d.body_known);
                }
                if faults && rng.chance(5) {
                    Reply::Failed("reply lost".into())
                } else {
                    if let (Request::Get { .. }, Reply::Http { status: 200, .. }) = (&req, &reply) {
                        d.known.extend(store.known.iter().cloned());
                    }
                    reply
                }
            };
            round.on_reply(&mut d.replica, &mut d.state, reply, now)
        }
        Step::Wait(_) => round.resume(),
        Step::Finished(_) => unreachable!("finished rounds are cleared"),
    };
    if let Step::Send(Request::Put { .. } | Request::Create { .. }) = &next {
        d.body_known = d.known.clone();
    }
    match next {
        Step::Finished(_) => {
            d.round = None;
            d.next = None;
        }
        other => d.next = Some(other),
    }
}

fn simulate(seed: u64) {
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
    let mut store = Store {
        body: None,
        version: 0,
        known: Known::new(),
        writes: 0,
    };
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
            let clock_offset_ms = match i {
                0 => 365 * DAY,
                1 => -2 * DAY,
                _ => (rng.below(60_000) as i64) - 30_000,
            };
            Device {
                replica: Replica::new(base.clone(), format!("d{i:02}"), Clock::default()),
                state: SyncState::default(),
                round: None,
                next: None,
                known: base_known.clone(),
                body_known: Known::new(),
                online: true,
                clock_offset_ms,
            }
        })
        .collect();
    let mut t = START_MS;
    let steps = 300 + rng.below(300);
    for _ in 0..steps {
        t += rng.below(60_000) as i64;
        let i = rng.below(n_devices as u64) as usize;
        let d = &mut devices[i];
        if i == 2 && rng.chance(2) {
            // A clock that jumps back an hour.
            d.clock_offset_ms -= 3_600_000;
        }
        match rng.below(10) {
            0 => d.online = !d.online,
            1..=4 => make_edit(&mut rng, d, &mut truth, t),
            _ => sync_step(&mut rng, d, &mut store, t, true),
        }
    }
    // Quiescence: everyone back online, no more faults, rounds run to the end until a
    // whole pass neither writes nor leaves anyone unsynced.
    for d in &mut devices {
        d.online = true;
    }
    for pass in 0.. {
        assert!(pass < 50, "seed {seed}: no quiescence after 50 passes");
        let writes_before = store.writes;
        let mut all_synced = true;
        for d in &mut devices {
            loop {
                t += 10;
                sync_step(&mut rng, d, &mut store, t, false);
                if d.round.is_none() {
                    break;
                }
            }
            all_synced &= d.state.status().name() == "synced";
        }
        if all_synced && store.writes == writes_before {
            break;
        }
    }

    let stored = store.body.clone().expect("something was written");
    let stored_doc = Doc::from_json(&stored).unwrap();
    for d in &devices {
        assert_eq!(
            d.replica.doc.to_json(),
            stored,
            "seed {seed}: device {} differs from the store",
            d.replica.device
        );
        assert_eq!(
            d.state.status().pending(),
            0,
            "seed {seed}: {} has pending edits",
            d.replica.device
        );
        assert!(matches!(
            d.state.status(),
            jindu_core::sync::Status::Synced { .. }
        ));
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
    let plan = jindu_core::Plan::from_doc(&stored_doc);
    for r in &plan.records {
        assert!(!stored_doc.records[&r.id].iter().any(|v| v.is_tombstone()));
    }
    assert!(Kind::of_id("item-1") == Some(Kind::Item));
}

#[test]
fn devices_converge_without_losing_an_edit() {
    let seeds: u64 = std::env::var("JINDU_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000);
    for &seed in REGRESSION_SEEDS {
        simulate(seed);
    }
    for seed in 0..seeds {
        simulate(seed);
    }
    println!("simulated {seeds} seeds");
}

#[test]
fn a_lost_put_reply_is_recovered_by_the_next_round() {
    let base = base_doc();
    let mut store = Store {
        body: Some(base.to_json()),
        version: 1,
        known: Known::new(),
        writes: 0,
    };
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
    let reply = store.handle(&get, &Known::new());
    let Step::Send(put) = round.on_reply(&mut replica, &mut state, reply, START_MS as u64) else {
        panic!()
    };
    let _applied_but_lost = store.handle(&put, &Known::new());
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
    let reply = store.handle(&get, &Known::new());
    let step = round.on_reply(&mut replica, &mut state, reply, START_MS as u64);
    assert!(
        matches!(step, Step::Finished(Outcome::Synced { .. })),
        "{step:?}"
    );
    assert_eq!(store.writes, 1);
    assert_eq!(state.status().name(), "synced");
}
