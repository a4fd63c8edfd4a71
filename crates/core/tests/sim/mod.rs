//! The simulation's world: a faulty compare-and-swap store, and devices whose browser
//! storage and tabs run the app's own [`Tablet`], each with a sync worker that keeps its
//! copy of the plan in the worker's own [`KeptCopy`].
//!
//! Ground truth is tracked beside the code under test: `Known` is the set of field writes
//! a replica (or a stored copy, or a round's copy) has incorporated, moved along with the
//! data it describes, so that a write's "seen" set is what its writer really held.

use std::collections::BTreeSet;

use jindu_core::doc::{check_rewrite, Doc, Signer};
use jindu_core::edit::Replica;
use jindu_core::hlc::Clock;
use jindu_core::roles::{check_write, Role, Target, Writer};
use jindu_core::sync::{Pending, Policy, Reply, Request, Step, SyncRound, SyncState};
use jindu_core::tablet::persist::Memory;
use jindu_core::tablet::wire::Digest;
use jindu_core::tablet::{Begun, ChangeLog, KeptCopy, RoundEnd, Tablet};

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A field write: entity, field, stamp, device.
pub type WriteId = (String, String, u64, String);
pub type Known = BTreeSet<WriteId>;

/// The shared file: a compare-and-swap store that keeps what it holds as bytes.
pub struct Store {
    pub body: Option<Vec<u8>>,
    pub version: u64,
    pub known: Known,
    pub writes: u64,
    /// Requests held back, to arrive late and out of order, with who sent them.
    pub delayed: Vec<(Request, Known, Who)>,
    /// Writes the role rule refused.
    pub refused: u64,
    parsed: Option<(u64, Doc)>,
}

impl Store {
    pub fn new() -> Store {
        Store {
            body: None,
            version: 0,
            known: Known::new(),
            writes: 0,
            delayed: Vec::new(),
            refused: 0,
            parsed: None,
        }
    }

    pub fn etag(&self) -> String {
        format!("\"v{}\"", self.version)
    }

    /// The stored document (empty before anything was written).
    pub fn doc(&mut self) -> &Doc {
        let version = self.version;
        if self.parsed.as_ref().is_none_or(|(v, _)| *v != version) {
            let doc = match &self.body {
                Some(b) => Doc::from_json(b).expect("the store holds a document"),
                None => Doc::new("sim"),
            };
            self.parsed = Some((version, doc));
        }
        &self.parsed.as_ref().unwrap().1
    }

    pub fn handle(&mut self, req: &Request, known: &Known, who: &Who) -> Reply {
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
                // The server's plan guard: a body may add, never rewrite what is stored.
                let new = Doc::from_json(body).expect("writers send documents");
                if let Err(e) = check_rewrite(self.doc(), &new) {
                    return Reply::status(409, None, e.to_string());
                }
                // And the role rule, as the server applies it.
                if let Err(e) = check_write(who.writer(), Target::Plan, Some(self.doc()), &[], &new)
                {
                    self.refused += 1;
                    return Reply::status(403, None, e.to_string());
                }
                self.write(body, known)
            }
            Request::Create { body } => {
                if self.body.is_some() {
                    return Reply::status(412, None, Vec::new());
                }
                let new = Doc::from_json(body).expect("writers send documents");
                if let Err(e) = check_write(who.writer(), Target::Plan, None, &[], &new) {
                    self.refused += 1;
                    return Reply::status(403, None, e.to_string());
                }
                self.write(body, known)
            }
        }
    }

    fn write(&mut self, body: &[u8], known: &Known) -> Reply {
        self.body = Some(body.to_vec());
        self.version += 1;
        self.writes += 1;
        // A write replaces the file; what it knows is what its body knew (a body holds
        // everything the file held, or the CAS would have refused it).
        self.known = known.clone();
        Reply::status(200, Some(&self.etag()), Vec::new())
    }

    /// Delivers one held-back request (its reply goes nowhere: its sender gave up).
    pub fn deliver_late(&mut self, rng: &mut Rng) {
        if self.delayed.is_empty() {
            return;
        }
        let (req, known, who) = self
            .delayed
            .remove(rng.below(self.delayed.len() as u64) as usize);
        let _ = self.handle(&req, &known, &who);
    }
}

/// A faulty writer: takes the stored file, changes the content of one record version or
/// field value (or history entry) under its existing stamp and device, and PUTs it back
/// with the current ETag. Returns the reply, or `None` when the file holds nothing to
/// rewrite.
pub fn rewrite_in_place(rng: &mut Rng, store: &mut Store) -> Option<Reply> {
    use serde_json::Value;
    let body = store.body.clone()?;
    let mut doc: Value = serde_json::from_slice(&body).unwrap();
    let forged = format!("伪造{}", rng.next());
    // Every place that holds content, as a JSON pointer.
    let mut spots: Vec<String> = Vec::new();
    for (id, versions) in doc["records"].as_object()? {
        for k in 0..versions.as_array()?.len() {
            spots.push(format!("/records/{id}/{k}/r"));
        }
    }
    for (id, fields) in doc["entities"].as_object()? {
        for (field, reg) in fields.as_object()? {
            for key in ["v", "h"] {
                for k in 0..reg.get(key).and_then(Value::as_array).map_or(0, Vec::len) {
                    spots.push(format!("/entities/{id}/{field}/{key}/{k}/v"));
                }
            }
        }
    }
    if spots.is_empty() {
        return None;
    }
    let at = &spots[rng.below(spots.len() as u64) as usize];
    let spot = doc.pointer_mut(at).expect("a place listed above");
    *spot = match spot {
        // A record's content (a tombstone's too): another note.
        Value::Object(_) | Value::Null => serde_json::json!({
            "by": "伪造者", "item": "item-1", "note": forged, "on": "2021-04-01"
        }),
        _ => Value::String(forged),
    };
    let body = serde_json::to_vec(&doc).unwrap();
    let req = Request::Put {
        body,
        if_match: store.etag(),
    };
    let known = store.known.clone();
    let forger = Who {
        account: "u-forger".into(),
        role: Role::Office,
    };
    Some(store.handle(&req, &known, &forger))
}

/// A round in flight: on the sync worker's kept copy (as the worker runs it) or on the
/// live replica (as the page runs it when the worker cannot).
pub struct Round {
    pub engine: SyncRound,
    pub next: Step,
    /// The worker's round; `None` for a live round.
    pub copy: Option<CopyRound>,
    /// What the round's replica knows (a live round's is the tab's).
    pub known: Known,
    /// What the body it is about to write knew.
    pub body_known: Known,
}

/// A round in the sync worker: its replica (the kept copy, taken out for the round),
/// the sync state it runs on, the state the page sent, and the digest of the page's
/// document the copy is at once the delta is merged.
pub struct CopyRound {
    pub replica: Replica,
    pub state: SyncState,
    pub sent: SyncState,
    pub digest: Digest,
}

/// A tab's sync worker, both ends: the worker's kept copy (`KeptCopy`, the worker's own
/// logic) and what the page believes it holds (`sync_worker::holds` in the app).
#[derive(Default)]
pub struct Worker {
    pub kept: KeptCopy,
    /// What the kept copy knows (ground truth).
    pub known: Known,
    /// The digest the page believes the worker's copy is at.
    pub holds: Option<Digest>,
    /// Rounds the worker ran on its copy, and requests it answered stale.
    pub ran: u64,
    pub stale: u64,
}

impl Worker {
    /// The worker restarts: its copy is gone, and the page does not know.
    pub fn restart(&mut self) {
        self.kept.forget();
        self.known.clear();
    }

    /// A round's request failed (the worker died under it), or the page reloaded: the
    /// page forgets what the worker held and ends it, as `sync_worker::forget` does.
    pub fn fail(&mut self) {
        self.restart();
        self.holds = None;
    }
}

/// One tab of the app.
pub struct Tab {
    pub tablet: Tablet,
    pub known: Known,
    /// Every edit this tab made and stored (undone edits are not here).
    pub made: Vec<Pending>,
    pub round: Option<Round>,
    pub worker: Worker,
}

/// Who sends a request: an account and its role (as the server knows them now).
#[derive(Clone, Debug)]
pub struct Who {
    pub account: String,
    pub role: Role,
}

impl Who {
    /// An office without an account (a shared token): its writes are unsigned.
    pub fn shared() -> Who {
        Who {
            account: String::new(),
            role: Role::Office,
        }
    }

    pub fn writer(&self) -> Writer<'_> {
        Writer {
            account: Some(&self.account)
                .filter(|a| !a.is_empty())
                .map(|a| a.as_str()),
            role: self.role,
        }
    }
}

/// A tablet: its browser storage and one or two tabs open on the plan.
pub struct Device {
    pub name: String,
    /// Its account: `u-` and its name, with the role the server gives it.
    pub who: Who,
    pub kv: Memory,
    /// What the device's storage holds, as ground truth.
    pub kv_known: Known,
    pub tabs: Vec<Tab>,
    pub online: bool,
    pub clock_offset_ms: i64,
}

impl Device {
    pub fn new(
        name: String,
        role: Role,
        base: &Doc,
        base_known: &Known,
        tabs: usize,
        offset: i64,
    ) -> Device {
        let mut kv = Memory::default();
        let who = Who {
            account: format!("u-{name}"),
            role,
        };
        let tabs = (0..tabs)
            .map(|_| {
                let mut tablet = Tablet::open(&mut kv, "sim", || base.clone(), || name.clone());
                tablet.sign_as(Signer::new(&who.account, &name));
                Tab {
                    tablet,
                    known: base_known.clone(),
                    made: Vec::new(),
                    round: None,
                    worker: Worker::default(),
                }
            })
            .collect();
        Device {
            name,
            who,
            kv,
            kv_known: base_known.clone(),
            tabs,
            online: true,
            clock_offset_ms: offset,
        }
    }

    pub fn wall(&self, t: i64) -> u64 {
        (t + self.clock_offset_ms).max(0) as u64
    }
}

pub fn policy() -> Policy {
    Policy {
        max_conflicts: 4,
        ..Policy::default()
    }
}

/// Starts a round on a tab: in its sync worker, or on the live replica (also when the
/// worker cannot run it). Like the app, it first reads what another tab stored. With
/// `faults`, the worker may have restarted (its copy gone), hold a copy at another digest
/// than the page believes, or restart once loaded.
pub fn start_round(rng: &mut Rng, kv: &mut Memory, tab: &mut Tab, on_copy: bool, faults: bool) {
    tab.tablet.catch_up(kv);
    let mut engine = SyncRound::new(policy(), rng.next());
    let in_worker = if on_copy {
        prepare_in_worker(rng, tab, faults)
    } else {
        None
    };
    let (next, copy, known) = match in_worker {
        Some((copy, known)) => (engine.start(&copy.replica, &copy.state), Some(copy), known),
        None => (tab.tablet.start_round(&mut engine), None, tab.known.clone()),
    };
    tab.round = Some(Round {
        engine,
        next,
        copy,
        known,
        body_known: Known::new(),
    });
}

/// What the page's `round_in_worker` does up to the round: sends the delta since the
/// copy the worker holds, or the whole document first when it holds none the tablet can
/// bring up to date, or when it answers stale; the worker (`KeptCopy`) merges the delta
/// into its copy and runs the round on it. `None` when the worker cannot run the round
/// (stale again after a load): the page runs it itself.
fn prepare_in_worker(rng: &mut Rng, tab: &mut Tab, faults: bool) -> Option<(CopyRound, Known)> {
    let worker = &mut tab.worker;
    if faults && rng.chance(4) {
        worker.restart();
    }
    if faults && rng.chance(4) {
        wrong_digest(rng, worker);
    }
    let mut loaded = false;
    loop {
        let sent = tab.tablet.sync_state().clone();
        let digest = tab.tablet.digest();
        let delta = worker
            .holds
            .and_then(|base| Some((base, tab.tablet.delta_since(base)?)));
        let Some((base, delta)) = delta else {
            if loaded {
                // "the sync module lost the plan"
                worker.fail();
                return None;
            }
            // The first round, or the copy went stale: the whole document.
            worker.holds = None;
            worker.kept.load(tab.tablet.doc().clone(), digest);
            worker.known = tab.known.clone();
            worker.holds = Some(digest);
            loaded = true;
            if faults && rng.chance(2) {
                // Restarted at once: the round is answered stale.
                worker.restart();
            }
            continue;
        };
        // A copy not at `base` must answer stale and stay as it was.
        let has = worker.kept.holds();
        let before = (has != Some(base)).then(|| worker.kept.doc().cloned());
        let begun = worker
            .kept
            .begin(base, || Ok(delta))
            .expect("a delta of the tablet merges into its copy");
        match begun {
            Begun::Run(doc) => {
                worker.ran += 1;
                assert!(before.is_none(), "a delta for {base:?} merged into {has:?}");
                assert!(
                    doc.contains(tab.tablet.doc()),
                    "the kept copy, brought up to date, lacks what the tablet holds"
                );
                let mut known = std::mem::take(&mut worker.known);
                known.extend(tab.known.iter().cloned());
                let replica = Replica::new(
                    doc,
                    tab.tablet.device(),
                    Clock {
                        last: tab.tablet.replica().clock.last,
                    },
                );
                let copy = CopyRound {
                    replica,
                    state: sent.clone(),
                    sent,
                    digest,
                };
                return Some((copy, known));
            }
            Begun::Stale { has: answered } => {
                worker.stale += 1;
                let Some(before) = before else {
                    panic!("a copy at {base:?} answered stale");
                };
                assert_eq!(answered, has, "stale, naming another copy than it holds");
                assert_eq!(worker.kept.holds(), has, "a stale round moved the copy");
                assert!(
                    worker.kept.doc() == before.as_ref(),
                    "a stale round changed the copy"
                );
                worker.holds = None;
                if loaded {
                    // "the sync module kept answering stale"
                    worker.fail();
                    return None;
                }
            }
        }
    }
}

/// The page believes the worker's copy is at another digest than it is: one revision
/// behind, or the worker holds a copy of another plan (one opened meanwhile).
fn wrong_digest(rng: &mut Rng, worker: &mut Worker) {
    match worker.holds {
        Some(at) if at.revision > 0 && rng.chance(50) => {
            worker.holds = Some(Digest {
                revision: at.revision - 1,
                ..at
            });
        }
        _ => {
            worker
                .kept
                .load(Doc::new("other"), ChangeLog::default().digest());
            worker.known.clear();
        }
    }
}

/// The worker restarts under a round in flight: the page's request fails, it forgets
/// the worker, and runs the round itself on the live replica.
pub fn worker_dies_in_round(rng: &mut Rng, kv: &mut Memory, tab: &mut Tab) {
    tab.worker.fail();
    tab.round = None;
    start_round(rng, kv, tab, false, false);
}

/// Ends a finished round: a worker's round keeps its copy and is reconciled with the
/// live tab, as the page does with the worker's answer.
pub fn end_round(d: &mut Device, i: usize) {
    let kv = &mut d.kv;
    let tab = &mut d.tabs[i];
    let round = tab.round.take().expect("a round");
    match round.copy {
        Some(copy) => {
            let CopyRound {
                replica,
                state,
                sent,
                digest,
            } = copy;
            // The worker: the learned subset, and the copy kept at `digest`.
            let learned = replica
                .doc
                .subset(round.engine.learned_ids().iter().map(String::as_str));
            let clock = replica.clock.last;
            tab.worker.kept.keep(replica.doc, digest);
            tab.worker.known = round.known.clone();
            // The page.
            tab.worker.holds = Some(digest);
            let ended = RoundEnd {
                state,
                clock,
                learned,
            };
            tab.tablet.finish_round(kv, &sent, ended);
            tab.known.extend(round.known);
        }
        None => {
            tab.tablet.end_round(kv, &round.engine);
        }
    }
}
