//! The sync engine's rules, one reply at a time.

use jindu_core::doc::{Body, Doc, DocError, Register, FORMAT};
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::sync::{Outcome, Policy, Reply, Request, Step, SyncError, SyncRound, SyncState};
use jindu_core::tablet::Verdict;
use jindu_core::{seed, Plan};
use serde_json::json;

const NOW: u64 = 1_625_100_000_000;

fn replica_with_edit() -> (Replica, SyncState) {
    let mut r = Replica::new(seed::xixing_2021(), "tab1", Clock::default());
    let mut s = SyncState::default();
    let record = serde_json::from_value(
        json!({"on": "2021-07-01", "by": "甲", "item": "item-4-1", "pct": 60}),
    )
    .unwrap();
    let a = r.apply(&Edit::AddRecord { record }, "甲", NOW).unwrap();
    s.note_edit(&a, Vec::new());
    (r, s)
}

fn started(r: &Replica, s: &SyncState) -> (SyncRound, Request) {
    let mut round = SyncRound::new(Policy::default(), 42);
    match round.start(r, s) {
        Step::Send(req) => (round, req),
        other => panic!("{other:?}"),
    }
}

/// A replica with nothing pending that last merged the file at ETag `"e1"`.
fn synced_at_e1() -> (Replica, SyncState) {
    let r = Replica::new(seed::xixing_2021(), "tab1", Clock::default());
    let s = SyncState {
        etag: Some("\"e1\"".into()),
        ..SyncState::default()
    };
    (r, s)
}

fn seed_reply() -> Reply {
    Reply::status(200, Some("\"e1\""), seed::xixing_2021().to_json())
}

#[test]
fn with_edits_pending_the_engine_fetches_merges_and_puts_with_if_match() {
    let (mut r, mut s) = replica_with_edit();
    let (mut round, req) = started(&r, &s);
    assert_eq!(
        req,
        Request::Get {
            if_none_match: None
        }
    );
    let step = round.on_reply(&mut r, &mut s, seed_reply(), NOW);
    let Step::Send(Request::Put { body, if_match }) = step else {
        panic!("{step:?}")
    };
    assert_eq!(if_match, "\"e1\"");
    assert_eq!(Doc::from_json(&body).unwrap(), r.doc);
    assert_eq!(
        s.status().name(),
        "pending",
        "nothing is synced before a reply says so"
    );
    let step = round.on_reply(&mut r, &mut s, Reply::status(204, Some("\"e2\""), ""), NOW);
    assert_eq!(
        step,
        Step::Finished(Outcome::Synced {
            etag: "\"e2\"".into()
        })
    );
    assert_eq!(s.status().name(), "synced");
    assert_eq!(s.etag.as_deref(), Some("\"e2\""));
}

#[test]
fn nothing_is_written_when_the_file_already_holds_everything() {
    let (mut r, mut s) = synced_at_e1();
    let (mut round, req) = started(&r, &s);
    assert_eq!(
        req,
        Request::Get {
            if_none_match: Some("\"e1\"".into())
        }
    );
    let step = round.on_reply(&mut r, &mut s, Reply::status(304, Some("\"e1\""), ""), NOW);
    assert!(matches!(step, Step::Finished(Outcome::Synced { .. })));
    let (mut round, _) = started(&r, &s);
    let step = round.on_reply(&mut r, &mut s, seed_reply(), NOW);
    assert!(
        matches!(step, Step::Finished(Outcome::Synced { .. })),
        "{step:?}"
    );
}

#[test]
fn an_absent_file_is_created_with_if_none_match() {
    let (mut r, mut s) = replica_with_edit();
    let (mut round, _) = started(&r, &s);
    let step = round.on_reply(&mut r, &mut s, Reply::status(404, None, ""), NOW);
    assert!(matches!(step, Step::Send(Request::Create { .. })));
    let step = round.on_reply(&mut r, &mut s, Reply::status(201, Some("\"c\""), ""), NOW);
    assert!(matches!(step, Step::Finished(Outcome::Synced { .. })));
}

#[test]
fn a_412_waits_a_jittered_back_off_and_starts_over_then_gives_up() {
    let (mut r, mut s) = replica_with_edit();
    let policy = Policy {
        max_conflicts: 3,
        base_backoff_ms: 100,
        max_backoff_ms: 1_000,
    };
    let mut round = SyncRound::new(policy, 9);
    round.start(&r, &s);
    let mut waits = Vec::new();
    for _ in 0..3 {
        round.on_reply(&mut r, &mut s, seed_reply(), NOW);
        match round.on_reply(&mut r, &mut s, Reply::status(412, None, ""), NOW) {
            Step::Wait(ms) => waits.push(ms),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            round.resume(),
            Step::Send(Request::Get {
                if_none_match: None
            })
        );
    }
    assert!(
        waits.iter().all(|&w| (50..=1_000).contains(&w)),
        "{waits:?}"
    );
    round.on_reply(&mut r, &mut s, seed_reply(), NOW);
    let step = round.on_reply(&mut r, &mut s, Reply::status(412, None, ""), NOW);
    assert!(
        matches!(step, Step::Finished(Outcome::Offline { .. })),
        "{step:?}"
    );
    assert_eq!(s.status().pending(), 1);
}

#[test]
fn a_put_reply_without_an_etag_is_confirmed_by_re_reading() {
    let (mut r, mut s) = replica_with_edit();
    let (mut round, _) = started(&r, &s);
    let Step::Send(Request::Put { body, .. }) = round.on_reply(&mut r, &mut s, seed_reply(), NOW)
    else {
        panic!()
    };
    let step = round.on_reply(&mut r, &mut s, Reply::status(200, None, ""), NOW);
    assert_eq!(
        step,
        Step::Send(Request::Get {
            if_none_match: None
        })
    );
    assert_eq!(s.status().name(), "pending");
    let step = round.on_reply(
        &mut r,
        &mut s,
        Reply::status(200, Some("\"e9\""), body),
        NOW,
    );
    assert!(matches!(step, Step::Finished(Outcome::Synced { .. })));
}

#[test]
fn timeouts_unavailability_and_network_errors_are_offline_500_a_fault_401_403_stop() {
    for (reply, name) in [
        (Reply::Failed("timeout".into()), "offline"),
        (Reply::status(408, None, ""), "offline"),
        (Reply::status(429, None, ""), "offline"),
        (Reply::status(502, None, ""), "offline"),
        (Reply::status(503, None, ""), "offline"),
        (Reply::status(504, None, ""), "offline"),
        (Reply::status(500, None, "storage error"), "server-fault"),
        (Reply::status(501, None, ""), "server-fault"),
        (Reply::status(507, None, ""), "server-fault"),
        (Reply::status(401, None, ""), "error"),
        (
            Reply::status(403, None, "an inspector corrects only its own records"),
            "refused",
        ),
    ] {
        let (mut r, mut s) = replica_with_edit();
        let (mut round, _) = started(&r, &s);
        round.on_reply(&mut r, &mut s, reply.clone(), NOW);
        assert_eq!(s.status().name(), name, "{reply:?}");
        assert_eq!(s.status().pending(), 1);
    }
    // Stopped stays stopped: no retry storm until a person changes something.
    let (mut r, mut s) = replica_with_edit();
    let (mut round, _) = started(&r, &s);
    round.on_reply(&mut r, &mut s, Reply::status(401, None, ""), NOW);
    assert_eq!(s.stopped, Some(SyncError::Unauthorized));
    let mut again = SyncRound::new(Policy::default(), 1);
    assert_eq!(
        again.start(&r, &s),
        Step::Finished(Outcome::Stopped(SyncError::Unauthorized))
    );
    // A refusal keeps the server's words, and stays stopped too.
    let (mut r, mut s) = replica_with_edit();
    let (mut round, _) = started(&r, &s);
    round.on_reply(
        &mut r,
        &mut s,
        Reply::status(403, None, "record r-1 was written by account 'u-2'\n"),
        NOW,
    );
    assert_eq!(
        s.status(),
        Verdict::Refused {
            pending: 1,
            reason: "record r-1 was written by account 'u-2'".into()
        }
    );
    let mut again = SyncRound::new(Policy::default(), 1);
    assert!(matches!(
        again.start(&r, &s),
        Step::Finished(Outcome::Stopped(SyncError::Refused(_)))
    ));
    // A token that worked before and gets 401 now was revoked (or rotated).
    let (mut r, mut s) = replica_with_edit();
    s.last_synced_ms = Some(NOW - 60_000);
    let (mut round, _) = started(&r, &s);
    round.on_reply(&mut r, &mut s, Reply::status(401, None, ""), NOW);
    assert_eq!(s.status(), Verdict::Revoked { pending: 1 });
}

#[test]
fn a_newer_format_is_never_overwritten() {
    let (mut r, mut s) = replica_with_edit();
    let (mut round, _) = started(&r, &s);
    let newer = String::from_utf8(seed::xixing_2021().to_json())
        .unwrap()
        .replacen(
            &format!("\"format\":{FORMAT}"),
            &format!("\"format\":{}", FORMAT + 1),
            1,
        );
    let step = round.on_reply(
        &mut r,
        &mut s,
        Reply::status(200, Some("\"n\""), newer),
        NOW,
    );
    assert_eq!(
        step,
        Step::Finished(Outcome::Stopped(SyncError::NewerFormat(FORMAT + 1)))
    );
    assert!(s.status().name() == "error");
    assert!(s.status() != jindu_core::tablet::Verdict::Synced { at_ms: NOW });
    // A garbage file is not overwritten either.
    let (mut r, mut s) = replica_with_edit();
    let (mut round, _) = started(&r, &s);
    let step = round.on_reply(
        &mut r,
        &mut s,
        Reply::status(200, Some("\"g\""), "<html>"),
        NOW,
    );
    assert!(matches!(
        step,
        Step::Finished(Outcome::Stopped(SyncError::Unreadable(_)))
    ));
}

#[test]
fn the_servers_refusal_is_reported_with_its_reason() {
    let (mut r, mut s) = replica_with_edit();
    let (mut round, _) = started(&r, &s);
    round.on_reply(&mut r, &mut s, seed_reply(), NOW);
    let step = round.on_reply(
        &mut r,
        &mut s,
        Reply::status(409, None, "would drop data"),
        NOW,
    );
    assert_eq!(
        step,
        Step::Finished(Outcome::Stopped(SyncError::Rejected(
            "would drop data".into()
        )))
    );
}

#[test]
fn a_remote_edit_arrives_and_local_edits_survive() {
    let (mut r, mut s) = replica_with_edit();
    let mut other = Replica::new(seed::xixing_2021(), "tab2", Clock::default());
    let record = serde_json::from_value(
        json!({"on": "2021-07-02", "by": "乙", "item": "item-4-2", "n": 30}),
    )
    .unwrap();
    other.apply(&Edit::AddRecord { record }, "乙", NOW).unwrap();
    let (mut round, _) = started(&r, &s);
    let step = round.on_reply(
        &mut r,
        &mut s,
        Reply::status(200, Some("\"o\""), other.doc.to_json()),
        NOW,
    );
    assert!(matches!(step, Step::Send(Request::Put { .. })));
    let plan = Plan::from_doc(&r.doc);
    assert!(plan.records.iter().any(|x| x.record.author == "乙"));
    assert!(plan.records.iter().any(|x| x.record.author == "甲"));
}

/// A record by `who` on `item`, applied to `r` and noted as pending in `s`.
fn record_edit(r: &mut Replica, s: &mut SyncState, who: &str, item: &str) {
    let record =
        serde_json::from_value(json!({"on": "2021-07-03", "by": who, "item": item, "pct": 10}))
            .unwrap();
    let a = r.apply(&Edit::AddRecord { record }, who, NOW).unwrap();
    s.note_edit(&a, Vec::new());
}

/// Another tablet's replica holding one record (by 乙) that the seed lacks.
fn another_devices_record() -> Replica {
    let mut other = Replica::new(seed::xixing_2021(), "tab2", Clock::default());
    record_edit(&mut other, &mut SyncState::default(), "乙", "item-4-2");
    other
}

// The app drives a round on its live replica: edits go on while a request is out.

#[test]
fn an_edit_made_while_the_put_is_out_stays_pending() {
    let (mut r, mut s) = replica_with_edit();
    let (mut round, _) = started(&r, &s);
    let step = round.on_reply(&mut r, &mut s, seed_reply(), NOW);
    let Step::Send(Request::Put { body, .. }) = step else {
        panic!("{step:?}")
    };
    record_edit(&mut r, &mut s, "丙", "item-4-2");
    assert_eq!(s.pending.len(), 2);
    let step = round.on_reply(&mut r, &mut s, Reply::status(204, Some("\"e2\""), ""), NOW);
    assert!(matches!(step, Step::Finished(Outcome::Synced { .. })));
    // The PUT carried the first edit only: the second is still to be sent.
    assert_eq!(s.pending.len(), 1);
    let sent = Plan::from_doc(&Doc::from_json(&body).unwrap());
    assert!(!sent.records.iter().any(|x| x.record.author == "丙"));
    assert_eq!(s.status().name(), "pending");
}

#[test]
fn a_304_confirms_no_edit_made_while_the_get_was_out() {
    let (mut r, mut s) = synced_at_e1();
    let (mut round, req) = started(&r, &s);
    assert!(matches!(
        req,
        Request::Get {
            if_none_match: Some(_)
        }
    ));
    record_edit(&mut r, &mut s, "丙", "item-4-2");
    let step = round.on_reply(&mut r, &mut s, Reply::status(304, Some("\"e1\""), ""), NOW);
    // The file lacks the edit: the round fetches it to merge and write, not "synced".
    assert_eq!(
        step,
        Step::Send(Request::Get {
            if_none_match: None
        })
    );
    assert_eq!(s.pending.len(), 1);
}

#[test]
fn a_round_says_whether_the_file_held_something_new() {
    // Only this device's edit to upload: the replica learns nothing.
    let (mut r, mut s) = replica_with_edit();
    let (mut round, _) = started(&r, &s);
    let before = r.doc.clone();
    round.on_reply(&mut r, &mut s, seed_reply(), NOW);
    assert!(!round.learned());
    assert_eq!(r.doc, before);
    // Another device's record in the file: the replica learns it.
    let other = another_devices_record();
    let (mut round, _) = started(&r, &s);
    round.on_reply(
        &mut r,
        &mut s,
        Reply::status(200, Some("\"o\""), other.doc.to_json()),
        NOW,
    );
    assert!(round.learned());
    assert_ne!(r.doc, before);
}

#[test]
fn a_round_names_what_it_learned_and_a_subset_carries_it() {
    let (mut r, mut s) = replica_with_edit();
    let before = r.doc.clone();
    let other = another_devices_record();
    let (mut round, _) = started(&r, &s);
    round.on_reply(
        &mut r,
        &mut s,
        Reply::status(200, Some("\"o\""), other.doc.to_json()),
        NOW,
    );
    // Exactly the other device's record: the seed's entities were the same on both.
    let theirs: Vec<&String> = other
        .doc
        .records
        .keys()
        .filter(|id| !before.records.contains_key(*id))
        .collect();
    assert_eq!(theirs.len(), 1);
    assert_eq!(round.learned_ids(), [theirs[0].clone()]);
    // The subset of those ids brings a copy from before the round up to the replica.
    let part = r.doc.subset(round.learned_ids().iter().map(String::as_str));
    assert_eq!(part.records.len(), 1);
    assert!(part.entities.is_empty());
    let mut copy = before;
    let changes = copy.merge_changes(&part).unwrap();
    assert_eq!(changes.ids, round.learned_ids());
    assert_eq!(copy, r.doc);
}

// Nothing stored is ever rewritten: a file that holds one of the replica's versions or
// values with other content is not merged, and syncing that file stops with words.

/// `doc` with record `id`'s first version given other content under its stamp.
fn with_record_rewritten(doc: &Doc, id: &str) -> Doc {
    let mut d = doc.clone();
    let v = &mut d.records.get_mut(id).expect("the record")[0];
    v.body = Body::new(&json!({"on": "2021-07-01", "by": "乙", "item": "item-4-1", "pct": 99}));
    d
}

/// `doc` with field `entity.field`'s current value given other content under its stamp.
fn with_field_rewritten(doc: &Doc, entity: &str, field: &str) -> Doc {
    let mut d = doc.clone();
    let reg = d.register(entity, field).expect("the field");
    let mut v = serde_json::to_value(reg).unwrap();
    v["v"][0]["v"] = json!("rewritten in place");
    let reg: Register = serde_json::from_value(v).unwrap();
    d.entities.get_mut(entity).unwrap().insert(field, reg);
    d
}

#[test]
fn a_file_that_rewrote_this_tablets_record_is_not_merged_and_syncing_stops() {
    let (mut r, mut s) = replica_with_edit();
    let own = s.pending[0].id.clone();
    // The file holds this tablet's record (it was uploaded) and a record of another
    // tablet, but the first with other content under its stamp.
    let mut file = with_record_rewritten(&r.doc, &own);
    file.merge(&another_devices_record().doc).unwrap();
    let (doc, clock, pending) = (r.doc.clone(), r.clock.clone(), s.pending.clone());
    let (mut round, _) = started(&r, &s);
    let reply = Reply::status(200, Some("\"e9\""), file.to_json());
    let step = round.on_reply(&mut r, &mut s, reply, NOW);
    let Step::Finished(Outcome::Stopped(SyncError::Rewritten(words))) = &step else {
        panic!("{step:?}")
    };
    assert!(
        words.starts_with(&format!("record {own}'s version written at 2021-07-01")),
        "{words}"
    );
    assert!(words.contains(r#""by":"乙""#), "{words}");
    // Nothing merged, not even the other tablet's record; nothing confirmed.
    assert_eq!(r.doc, doc);
    assert_eq!(r.clock, clock);
    assert_eq!(s.pending, pending);
    assert!(!round.learned());
    let status = s.status();
    assert_eq!(status.name(), "error");
    let jindu_core::tablet::Verdict::Error { reason, .. } = status else {
        unreachable!()
    };
    assert!(
        reason.contains("keeps its copy") && reason.contains("history restore"),
        "{reason}"
    );
    // It stops uploading to that file: the next round sends nothing.
    let mut next = SyncRound::new(Policy::default(), 7);
    assert!(matches!(
        next.start(&r, &s),
        Step::Finished(Outcome::Stopped(SyncError::Rewritten(_)))
    ));
}

#[test]
fn a_file_that_rewrote_a_field_value_the_replica_holds_is_not_merged() {
    let (mut r, mut s) = synced_at_e1();
    let (entity, field) = {
        let (id, fields) = r
            .doc
            .entities
            .iter()
            .find(|(id, _)| id.starts_with("item-"))
            .unwrap();
        (id.clone(), fields.keys().next().unwrap().to_owned())
    };
    let file = with_field_rewritten(&r.doc, &entity, &field);
    let doc = r.doc.clone();
    let (mut round, _) = started(&r, &s);
    let step = round.on_reply(
        &mut r,
        &mut s,
        Reply::status(200, Some("\"e2\""), file.to_json()),
        NOW,
    );
    let Step::Finished(Outcome::Stopped(SyncError::Rewritten(words))) = &step else {
        panic!("{step:?}")
    };
    assert!(
        words.starts_with(&format!("field {entity}.{field}'s value written")),
        "{words}"
    );
    assert!(words.contains("rewritten in place"), "{words}");
    assert_eq!(r.doc, doc);
    assert_eq!(
        s.etag.as_deref(),
        Some("\"e1\""),
        "the rewritten file is not taken as merged"
    );
}

#[test]
fn an_imported_backup_that_rewrote_a_record_is_refused_and_the_replica_kept() {
    let (mut r, s) = replica_with_edit();
    let own = s.pending[0].id.clone();
    let mut backup = with_record_rewritten(&r.doc, &own);
    backup.merge(&another_devices_record().doc).unwrap();
    let (doc, clock) = (r.doc.clone(), r.clock.clone());
    match r.merge_remote(&backup, NOW) {
        Err(DocError::Rewritten { what, ours, theirs }) => {
            assert!(
                what.starts_with(&format!("record {own}'s version")),
                "{what}"
            );
            assert!(
                ours.contains("甲") && theirs.contains("乙"),
                "{ours} {theirs}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.doc, doc);
    assert_eq!(r.clock, clock);
    // A backup that only adds is still merged.
    r.merge_remote(&another_devices_record().doc, NOW).unwrap();
    assert_ne!(r.doc, doc);
}

#[test]
fn a_server_fault_keeps_the_edits_retries_like_offline_and_clears_when_synced() {
    // On the PUT: the GET worked, the write failed at the server.
    let (mut r, mut s) = replica_with_edit();
    let (mut round, _) = started(&r, &s);
    let Step::Send(Request::Put { body, .. }) = round.on_reply(&mut r, &mut s, seed_reply(), NOW)
    else {
        panic!("expected a PUT")
    };
    let step = round.on_reply(
        &mut r,
        &mut s,
        Reply::status(500, None, "storage error\n"),
        NOW,
    );
    assert_eq!(
        step,
        Step::Finished(Outcome::ServerFault {
            reason: "the endpoint answered 500: storage error".into()
        })
    );
    assert_eq!(
        s.status(),
        Verdict::ServerFault {
            pending: 1,
            reason: "the endpoint answered 500: storage error".into()
        }
    );
    assert!(!s.status().needs_a_person(), "retried by itself");
    assert_eq!(s.stopped, None, "not stopped: the next round tries again");
    // The next round starts as any other and, answered, says synced.
    let mut again = SyncRound::new(Policy::default(), 2);
    assert!(matches!(
        again.start(&r, &s),
        Step::Send(Request::Get { .. })
    ));
    again.on_reply(&mut r, &mut s, seed_reply(), NOW);
    let step = again.on_reply(
        &mut r,
        &mut s,
        Reply::status(200, Some("\"e2\""), body),
        NOW,
    );
    assert!(
        matches!(step, Step::Finished(Outcome::Synced { .. })),
        "{step:?}"
    );
    assert_eq!((s.status().name(), s.server_fault), ("synced", false));

    // A fault then a network error: offline, not a fault any more.
    let (mut r, mut s) = replica_with_edit();
    let (mut round, _) = started(&r, &s);
    round.on_reply(&mut r, &mut s, Reply::status(500, None, ""), NOW);
    assert_eq!(s.status().name(), "server-fault");
    let mut again = SyncRound::new(Policy::default(), 3);
    again.start(&r, &s);
    again.on_reply(&mut r, &mut s, Reply::Failed("network".into()), NOW);
    assert_eq!(s.status().name(), "offline");
}

#[test]
fn the_server_fault_flag_is_stored_only_when_set_and_old_states_read() {
    // A state stored before the flag existed reads as no fault.
    let old = r#"{"etag":"\"e1\"","last_synced_ms":null,"pending":[],"stopped":null,"offline":"the endpoint answered 500","skewed_ahead_ms":null}"#;
    let s: SyncState = serde_json::from_str(old).unwrap();
    assert!(!s.server_fault);
    assert_eq!(s.status().name(), "offline");
    // Without a fault the stored form is what it was; with one it round-trips.
    assert!(!serde_json::to_string(&s).unwrap().contains("server_fault"));
    let faulty = SyncState {
        server_fault: true,
        ..s
    };
    let back: SyncState = serde_json::from_str(&serde_json::to_string(&faulty).unwrap()).unwrap();
    assert_eq!(back, faulty);
    assert_eq!(back.status().name(), "server-fault");
}
