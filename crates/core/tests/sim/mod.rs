//! The simulation's world: a faulty compare-and-swap store, and devices whose browser
//! storage and tabs run the app's own [`Tablet`].
//!
//! Ground truth is tracked beside the code under test: `Known` is the set of field writes
//! a replica (or a stored copy, or a round's copy) has incorporated, moved along with the
//! data it describes, so that a write's "seen" set is what its writer really held.

use std::collections::BTreeSet;

use jindu_core::doc::{check_rewrite, Doc, Signer};
use jindu_core::edit::Replica;
use jindu_core::roles::{check_write, Role, Target, Writer};
use jindu_core::sync::{Pending, Policy, Reply, Request, Step, SyncRound, SyncState};
use jindu_core::tablet::persist::Memory;
use jindu_core::tablet::{RoundEnd, Tablet};

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

/// A round in flight: on a copy of the tab's replica (as the sync worker runs it) or on
/// the live replica (as the page runs it when no worker loads).
pub struct Round {
    pub engine: SyncRound,
    pub next: Step,
    /// `(copy, its state, the state it was made from)`; `None` for a live round.
    pub copy: Option<(Replica, SyncState, SyncState)>,
    /// What the round's replica knows (a live round's is the tab's).
    pub known: Known,
    /// What the body it is about to write knew.
    pub body_known: Known,
}

/// One tab of the app.
pub struct Tab {
    pub tablet: Tablet,
    pub known: Known,
    /// Every edit this tab made and stored (undone edits are not here).
    pub made: Vec<Pending>,
    pub round: Option<Round>,
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

/// Starts a round on a tab: on a copy, or on the live replica. Like the app, it first
/// reads what another tab stored.
pub fn start_round(rng: &mut Rng, kv: &mut Memory, tab: &mut Tab, on_copy: bool) {
    tab.tablet.catch_up(kv);
    let mut engine = SyncRound::new(policy(), rng.next());
    let (next, copy) = if on_copy {
        let sent = tab.tablet.sync_state().clone();
        let replica = tab.tablet.replica().clone();
        let state = sent.clone();
        let next = engine.start(&replica, &state);
        (next, Some((replica, state, sent)))
    } else {
        (tab.tablet.start_round(&mut engine), None)
    };
    tab.round = Some(Round {
        engine,
        next,
        copy,
        known: tab.known.clone(),
        body_known: Known::new(),
    });
}

/// Ends a finished round: reconciles a copy's round with the live tab.
pub fn end_round(d: &mut Device, i: usize) {
    let kv = &mut d.kv;
    let tab = &mut d.tabs[i];
    let round = tab.round.take().expect("a round");
    match round.copy {
        Some((replica, state, sent)) => {
            let learned = replica
                .doc
                .subset(round.engine.learned_ids().iter().map(String::as_str));
            let ended = RoundEnd {
                state,
                clock: replica.clock.last,
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
