use serde_json::json;

use super::persist::{journal_key, Memory};
use super::wire::Digest;
use super::*;
use crate::model::Record;
use crate::sync::{Policy, Reply, Request, Step, SyncRound};

fn base() -> Doc {
    let mut office = Replica::new(Doc::new("p"), "office", Clock::default());
    let set = |r: &mut Replica, id: &str, v: serde_json::Value| {
        let serde_json::Value::Object(fields) = v else {
            unreachable!()
        };
        r.apply(
            &Edit::Set {
                entity: id.into(),
                fields,
            },
            "office",
            1_617_235_200_000,
        )
        .unwrap();
    };
    set(
        &mut office,
        "plan",
        json!({"title": "T", "year": 2021, "start": "2021-01-01", "end": "2021-12-31"}),
    );
    set(&mut office, "cat-1", json!({"name": "C", "order": 1}));
    set(
        &mut office,
        "item-1",
        json!({"category": "cat-1", "order": 1, "content": "I"}),
    );
    office.doc
}

const NOW: u64 = 1_625_000_000_000;

fn add(n: u32) -> Edit {
    Edit::AddRecord {
        record: Record {
            percent: Some(n as f64),
            note: format!("n{n}"),
            ..Record::new(
                chrono::NaiveDate::from_ymd_opt(2021, 6, 1).unwrap(),
                "甲",
                "item-1",
            )
        },
    }
}

fn open(kv: &mut Memory, device: &str) -> Tablet {
    Tablet::open(kv, "p", base, || device.to_owned())
}

fn edit(t: &mut Tablet, kv: &mut Memory, e: &Edit, now: u64) -> Result<Edited, TabletError> {
    let plan = Plan::from_doc(t.doc());
    t.edit(kv, &plan, e, "甲", now)
}

#[test]
fn an_edit_is_one_journal_line_and_reopening_gives_the_same_replica() {
    let mut kv = Memory::default();
    let mut t = open(&mut kv, "dev");
    let e = edit(&mut t, &mut kv, &add(1), NOW).unwrap();
    assert_eq!(t.verdict(), Verdict::Pending { count: 1 });
    assert_eq!(kv.get(&journal_key("p")).unwrap().lines().count(), 1);
    // No snapshot was written yet, nor the sync state: the line carries the edit whole.
    let again = open(&mut kv, "other");
    assert_eq!(again.device(), "dev");
    assert_eq!(again.doc(), t.doc());
    assert_eq!(again.sync_state().pending, t.sync_state().pending);
    assert_eq!(again.replica().clock, t.replica().clock);
    assert!(again.doc().records.contains_key(&e.applied.id));
    // Folded: the snapshot holds it, the journal is gone, reading gives the same.
    t.fold(&mut kv).unwrap();
    assert!(kv.get(&journal_key("p")).is_none());
    let folded = open(&mut kv, "other");
    assert_eq!(folded.doc(), t.doc());
    assert_eq!(folded.sync_state(), t.sync_state());
}

#[test]
fn a_refused_write_undoes_the_edit_and_loses_nothing_else() {
    let mut kv = Memory::default();
    let mut t = open(&mut kv, "dev");
    edit(&mut t, &mut kv, &add(1), NOW).unwrap();
    let stored_before = kv.map.clone();
    let doc_before = t.doc().clone();
    kv.quota = Some(kv.used());
    let err = edit(&mut t, &mut kv, &add(2), NOW + 1).unwrap_err();
    assert!(matches!(err, TabletError::NotSaved(_)), "{err}");
    assert_eq!(t.doc(), &doc_before, "the edit is undone in memory");
    assert_eq!(t.sync_state().pending.len(), 1, "never counted as pending");
    assert_eq!(t.verdict().name(), "storage-full");
    // Storage holds what it held, but for the write counter.
    let mut after = kv.map.clone();
    after.remove("jindu.v1.gen.p");
    let mut before = stored_before;
    before.remove("jindu.v1.gen.p");
    assert_eq!(after, before);
    // Room again: the next edit stores and the verdict is back.
    kv.quota = None;
    edit(&mut t, &mut kv, &add(3), NOW + 2).unwrap();
    assert_eq!(t.verdict(), Verdict::Pending { count: 2 });
    assert_eq!(open(&mut kv, "x").doc(), t.doc());
}

#[test]
fn two_tabs_never_overwrite_each_other_and_never_reuse_a_stamp() {
    let mut kv = Memory::default();
    let mut a = open(&mut kv, "dev");
    let mut b = open(&mut kv, "dev");
    let ea = edit(&mut a, &mut kv, &add(1), NOW).unwrap();
    // b's clock is behind a's in memory; the same wall time must not give a's stamp.
    let eb = edit(&mut b, &mut kv, &add(2), NOW).unwrap();
    assert_ne!(ea.applied.stamp, eb.applied.stamp);
    assert_eq!(eb.caught_up.ids, vec![ea.applied.id.clone()]);
    // a folds: the snapshot must hold b's edit too.
    let caught = a.fold(&mut kv).unwrap();
    assert_eq!(caught.ids, vec![eb.applied.id.clone()]);
    b.fold(&mut kv).unwrap();
    let fresh = open(&mut kv, "dev");
    for id in [&ea.applied.id, &eb.applied.id] {
        assert!(fresh.doc().records.contains_key(id), "{id} lost");
    }
    assert_eq!(fresh.sync_state().pending.len(), 2);
    assert_eq!(a.doc(), b.doc());
}

#[test]
fn a_damaged_journal_line_is_kept_aside_not_dropped() {
    let mut kv = Memory::default();
    let mut t = open(&mut kv, "dev");
    edit(&mut t, &mut kv, &add(1), NOW).unwrap();
    let key = journal_key("p");
    let journal = kv.get(&key).unwrap();
    kv.set(&key, &format!("{journal}\n{{\"edit\":trunc"))
        .unwrap();
    let mut again = open(&mut kv, "dev");
    assert_eq!(again.doc(), t.doc());
    assert_eq!(again.problems().len(), 1, "{:?}", again.problems());
    again.fold(&mut kv).unwrap();
    assert_eq!(kv.get("jindu.v1.aside.p").unwrap(), "{\"edit\":trunc");
}

/// A round on a copy while the live replica takes an edit: the round confirms only what
/// it carried, and the edit made meanwhile stays pending.
#[test]
fn a_round_on_a_copy_confirms_only_what_it_carried() {
    let mut kv = Memory::default();
    let mut t = open(&mut kv, "dev");
    edit(&mut t, &mut kv, &add(1), NOW).unwrap();
    let sent = t.sync_state().clone();
    let mut copy = t.replica().clone();
    let mut state = sent.clone();
    let mut round = SyncRound::new(Policy::default(), 1);
    let Step::Send(Request::Get { .. }) = round.start(&copy, &state) else {
        panic!()
    };
    let later = edit(&mut t, &mut kv, &add(2), NOW + 5).unwrap();
    let step = round.on_reply(&mut copy, &mut state, Reply::status(404, None, ""), NOW);
    let Step::Send(Request::Create { .. }) = step else {
        panic!("{step:?}")
    };
    let step = round.on_reply(
        &mut copy,
        &mut state,
        Reply::status(201, Some("\"1\""), ""),
        NOW,
    );
    assert!(matches!(step, Step::Finished(_)));
    let learned = copy
        .doc
        .subset(round.learned_ids().iter().map(String::as_str));
    t.finish_round(
        &mut kv,
        &sent,
        RoundEnd {
            state,
            clock: copy.clock.last,
            learned,
        },
    );
    assert_eq!(t.sync_state().pending.len(), 1);
    assert_eq!(t.sync_state().pending[0].id, later.applied.id);
    assert_eq!(t.verdict(), Verdict::Pending { count: 1 });
    assert_eq!(t.sync_state().etag.as_deref(), Some("\"1\""));
    let reopened = open(&mut kv, "dev");
    assert_eq!(reopened.sync_state().pending, t.sync_state().pending);
}

/// A backup in which one of the tablet's own versions carries other content is refused
/// whole: nothing of it is merged, nothing stored changes, and the error names it.
#[test]
fn a_backup_that_rewrote_a_version_is_refused_and_nothing_changes() {
    let mut kv = Memory::default();
    let mut t = open(&mut kv, "dev");
    let e = edit(&mut t, &mut kv, &add(1), NOW).unwrap();
    let mut backup = t.doc().clone();
    backup.records.get_mut(&e.applied.id).unwrap()[0].body = crate::doc::Body::new(
        &json!({"by": "乙", "item": "item-1", "note": "forged", "on": "2021-06-01"}),
    );
    // An honest addition rides along: it must not get in either.
    let mut other = Replica::new(backup, "other", Clock::default());
    let plan = Plan::from_doc(&other.doc);
    other.apply_with(&plan, &add(9), "乙", NOW).unwrap();
    let (doc_before, stored_before) = (t.doc().clone(), kv.map.clone());
    let err = t.import(&mut kv, &other.doc, NOW).unwrap_err();
    assert!(err.contains(&e.applied.id), "{err}");
    assert_eq!(t.doc(), &doc_before);
    assert_eq!(kv.map, stored_before);
}

/// The shared file rewrote this tablet's record: the round stops with the verdict
/// `rewritten`, the replica keeps its copy, and the stop is stored.
#[test]
fn a_fetched_file_that_rewrote_a_version_stops_syncing_with_its_own_verdict() {
    let mut kv = Memory::default();
    let mut t = open(&mut kv, "dev");
    let e = edit(&mut t, &mut kv, &add(1), NOW).unwrap();
    let mut forged = t.doc().clone();
    forged.records.get_mut(&e.applied.id).unwrap()[0].body = crate::doc::Body::new(
        &json!({"by": "乙", "item": "item-1", "note": "forged", "on": "2021-06-01"}),
    );
    let before = t.doc().clone();
    let mut round = SyncRound::new(Policy::default(), 1);
    let Step::Send(Request::Get { .. }) = t.start_round(&mut round) else {
        panic!()
    };
    let reply = Reply::status(200, Some("\"x\""), forged.to_json());
    assert!(matches!(
        t.on_reply(&mut round, reply, NOW),
        Step::Finished(_)
    ));
    t.end_round(&mut kv, &round);
    assert_eq!(t.verdict().name(), "rewritten");
    assert_eq!(t.doc(), &before);
    assert_eq!(open(&mut kv, "dev").verdict().name(), "rewritten");
}

/// A copy kept elsewhere (the sync worker's) and brought up to date with only what
/// changed since its digest always equals the live document; another instance of the
/// plan (reopened) is stale.
#[test]
fn a_kept_copy_follows_the_tablet_by_deltas() {
    let mut kv = Memory::default();
    let mut t = open(&mut kv, "dev");
    let mut copy = t.doc().clone();
    let mut at = t.digest();
    let follow = |t: &Tablet, copy: &mut Doc, at: &mut Digest| {
        let delta = t.delta_since(*at).expect("the log covers the copy");
        copy.merge_changes(&delta).unwrap();
        *at = t.digest();
        assert_eq!(copy, t.doc());
    };
    // Edits.
    edit(&mut t, &mut kv, &add(1), NOW).unwrap();
    edit(&mut t, &mut kv, &add(2), NOW + 1).unwrap();
    follow(&t, &mut copy, &mut at);
    // Another tab's edit, read in.
    let mut other = open(&mut kv, "dev");
    edit(&mut other, &mut kv, &add(3), NOW + 2).unwrap();
    assert!(!t.catch_up(&mut kv).is_empty());
    follow(&t, &mut copy, &mut at);
    // A round on a copy that learned another device's record.
    let mut remote = Replica::new(t.doc().clone(), "far", Clock::default());
    let plan = Plan::from_doc(&remote.doc);
    let far = remote.apply_with(&plan, &add(4), "乙", NOW + 3).unwrap();
    let sent = t.sync_state().clone();
    let learned = remote.doc.subset([far.id.as_str()]);
    let state = sent.clone();
    t.finish_round(
        &mut kv,
        &sent,
        RoundEnd {
            state,
            clock: 0,
            learned,
        },
    );
    follow(&t, &mut copy, &mut at);
    // A backup.
    let mut backup = Replica::new(t.doc().clone(), "old", Clock::default());
    backup.apply_with(&plan, &add(5), "丙", NOW + 4).unwrap();
    t.import(&mut kv, &backup.doc, NOW + 5).unwrap();
    follow(&t, &mut copy, &mut at);
    // Nothing changed: an empty delta.
    let empty = t.delta_since(at).unwrap();
    assert!(empty.entities.is_empty() && empty.records.is_empty());
    // The plan opened again is another instance: the copy is stale.
    let reopened = open(&mut kv, "dev");
    assert_eq!(reopened.doc(), t.doc());
    assert_eq!(reopened.delta_since(at), None);
}

/// A store that counts the reads of each key.
struct Counting {
    kv: Memory,
    reads: std::cell::RefCell<std::collections::BTreeMap<String, usize>>,
}

impl KeyValue for Counting {
    fn get(&self, key: &str) -> Option<String> {
        *self.reads.borrow_mut().entry(key.to_owned()).or_default() += 1;
        self.kv.get(key)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageError> {
        self.kv.set(key, value)
    }

    fn remove(&mut self, key: &str) -> Result<(), StorageError> {
        self.kv.remove(key)
    }
}

#[test]
fn opening_reads_the_device_once_and_keeps_its_clock() {
    let mut kv = Memory::default();
    let mut t = open(&mut kv, "dev");
    edit(&mut t, &mut kv, &add(1), NOW).unwrap();
    t.fold(&mut kv).unwrap();
    // The device clock moved past the snapshot's and the journal's stamps (a new id).
    let id = t.new_id(&mut kv, crate::model::Kind::Item, NOW + 10_000);
    assert!(id.starts_with("item-dev-"));
    let stored = persist::load_device(&kv).unwrap().clock;
    let mut counting = Counting {
        kv,
        reads: Default::default(),
    };
    let again = Tablet::open(&mut counting, "p", base, || {
        unreachable!("a device is stored")
    });
    assert_eq!(counting.reads.borrow()[persist::DEVICE_KEY], 1);
    assert_eq!(again.replica().clock, stored);
    assert_eq!(again.replica().clock, t.replica().clock);
    // A new device: its id is made and stored, and the clock starts past the journal's.
    let mut fresh = Counting {
        kv: Memory::default(),
        reads: Default::default(),
    };
    let mut first = Tablet::open(&mut fresh, "p", base, || "new".into());
    assert_eq!(fresh.reads.borrow()[persist::DEVICE_KEY], 1);
    assert_eq!(first.device(), "new");
    let plan = Plan::from_doc(first.doc());
    first.edit(&mut fresh, &plan, &add(2), "甲", NOW).unwrap();
    let mut journal_only = fresh.kv.clone();
    journal_only.remove(persist::DEVICE_KEY).unwrap();
    let reread = Tablet::open(&mut journal_only, "p", base, || "new".into());
    assert_eq!(reread.replica().clock, first.replica().clock);
}

impl Counting {
    fn new(kv: Memory) -> Counting {
        Counting {
            kv,
            reads: Default::default(),
        }
    }

    /// The reads of `key` since the last call.
    fn reads_of(&self, key: &str) -> usize {
        let mut reads = self.reads.borrow_mut();
        let n = reads.get(key).copied().unwrap_or(0);
        reads.clear();
        n
    }
}

/// What another tab stored, read from the journal lines added since while the snapshot
/// is the one this tab read: the snapshot is not read, and the tablet ends as reading
/// everything would leave it. A fold by another tab (with the marker, or without it, as
/// an earlier version of the app folds) makes it read everything.
#[test]
fn catching_up_reads_only_the_new_journal_lines_while_the_snapshot_stands() {
    let plan = persist::plan_key("p");
    let mut kv = Counting::new(Memory::default());
    let open = |kv: &mut Counting| Tablet::open(kv, "p", base, || "dev".to_owned());
    let mut a = open(&mut kv);
    let edit = |t: &mut Tablet, kv: &mut Counting, n: u32| {
        let plan = Plan::from_doc(t.doc());
        t.edit(kv, &plan, &add(n), "甲", NOW + u64::from(n))
            .unwrap()
            .applied
            .id
    };
    edit(&mut a, &mut kv, 1);
    a.fold(&mut kv).unwrap();
    edit(&mut a, &mut kv, 2);
    let mut b = open(&mut kv);
    // Edits, and a round that learned another device's record (a delta line).
    let mut new = vec![edit(&mut a, &mut kv, 3), edit(&mut a, &mut kv, 4)];
    let mut far = Replica::new(a.doc().clone(), "far", Clock::default());
    let far_plan = Plan::from_doc(&far.doc);
    let learned = far.apply_with(&far_plan, &add(5), "乙", NOW + 5).unwrap();
    let sent = a.sync_state().clone();
    let ended = RoundEnd {
        state: sent.clone(),
        clock: far.clock.last,
        learned: far.doc.subset([learned.id.as_str()]),
    };
    a.finish_round(&mut kv, &sent, ended);
    new.push(learned.id);
    new.sort();
    let mut whole = b.clone();
    whole.seen = None;
    kv.reads_of(&plan);
    let absorbed = b.catch_up(&mut kv);
    assert_eq!(kv.reads_of(&plan), 0, "the snapshot was read");
    let mut whole_absorbed = whole.catch_up(&mut kv);
    assert_eq!(kv.reads_of(&plan), 1);
    whole_absorbed.ids.sort();
    assert_eq!(absorbed.ids, new);
    assert_eq!(absorbed, whole_absorbed);
    let fresh = open(&mut kv);
    for t in [&b, &whole] {
        assert_eq!(t.doc(), fresh.doc());
        assert_eq!(t.doc(), a.doc());
        assert_eq!(t.sync_state(), fresh.sync_state());
        assert_eq!(t.replica().clock, fresh.replica().clock);
        assert!(t.needs_fold());
    }
    // Nothing new: nothing read.
    kv.reads_of(&plan);
    assert!(b.catch_up(&mut kv).is_empty());
    // b's own edit extends what it has seen: a's next line is read alone again.
    edit(&mut b, &mut kv, 6);
    edit(&mut a, &mut kv, 7);
    assert_eq!(kv.reads_of(&plan), 0);
    b.catch_up(&mut kv);
    assert_eq!(kv.reads_of(&plan), 0);
    assert_eq!(b.doc(), a.doc());
    // a folds: the snapshot changed, b reads it.
    a.fold(&mut kv).unwrap();
    edit(&mut a, &mut kv, 8);
    kv.reads_of(&plan);
    b.catch_up(&mut kv);
    assert_eq!(kv.reads_of(&plan), 1);
    assert_eq!(b.doc(), a.doc());
    // A fold that writes no marker (an earlier version of the app): the journal b saw is
    // gone, so b reads everything.
    let mut older = a.doc().clone();
    let mut other = Replica::new(older.clone(), "old", Clock::default());
    let older_plan = Plan::from_doc(&other.doc);
    let lost = other
        .apply_with(&older_plan, &add(9), "丙", NOW + 9)
        .unwrap();
    older.merge(&other.doc).unwrap();
    kv.set(&plan, &crate::stored::encode_snapshot(&older))
        .unwrap();
    kv.remove(&journal_key("p")).unwrap();
    let g = persist::generation(&kv, "p") + 1;
    kv.set(&persist::generation_key("p"), &g.to_string())
        .unwrap();
    kv.reads_of(&plan);
    let absorbed = b.catch_up(&mut kv);
    assert_eq!(kv.reads_of(&plan), 1);
    assert_eq!(absorbed.ids, vec![lost.id]);
    assert_eq!(b.doc(), &older);
}

#[test]
fn the_sync_state_as_stored_counts_the_edits_in_the_journal_without_reading_the_plan() {
    let mut kv = Memory::default();
    let mut t = open(&mut kv, "dev");
    edit(&mut t, &mut kv, &add(1), NOW).unwrap();
    edit(&mut t, &mut kv, &add(2), NOW + 1).unwrap();
    t.fold(&mut kv).unwrap();
    edit(&mut t, &mut kv, &add(3), NOW + 2).unwrap();
    // The stored state alone knows the two folded edits; the journal holds the third.
    assert_eq!(persist::load_sync(&kv, "p").pending.len(), 2);
    let stored = persist::sync_as_stored(&kv, "p");
    assert_eq!(stored.pending, t.sync_state().pending);
    assert_eq!(stored.status(), t.verdict());
    // A damaged line is skipped here (reading the plan keeps it aside).
    let key = journal_key("p");
    let journal = kv.get(&key).unwrap();
    kv.set(&key, &format!("{journal}\n{{\"edit\":oops"))
        .unwrap();
    assert_eq!(persist::sync_as_stored(&kv, "p").pending.len(), 3);
}
