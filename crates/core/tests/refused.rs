//! A tablet the role rule refused: it stops, keeps everything, and on request drops only
//! its refused plan changes, keeping every record (`Tablet::drop_plan_changes`).

use chrono::NaiveDate;
use jindu_core::doc::{Doc, Signer};
use jindu_core::edit::Edit;
use jindu_core::model::{Plan, Record};
use jindu_core::roles::{check_write, Role, Target, Writer};
use jindu_core::seed;
use jindu_core::sync::{Policy, Reply, Request, Step, SyncRound};
use jindu_core::tablet::persist::Memory;
use jindu_core::tablet::Tablet;
use serde_json::json;

const NOW: u64 = 1_625_000_000_000;
const ME: &str = "u-insp";

fn inspector() -> Writer<'static> {
    Writer {
        account: Some(ME),
        role: Role::Inspector,
    }
}

/// One round against a server holding `server`, which applies the role rule.
fn round(tablet: &mut Tablet, server: &Doc) -> Step {
    let mut engine = SyncRound::new(Policy::default(), 7);
    let mut step = tablet.start_round(&mut engine);
    loop {
        let reply = match &step {
            Step::Send(Request::Get { .. }) => Reply::status(200, Some("\"s1\""), server.to_json()),
            Step::Send(Request::Put { body, .. }) => {
                let body = Doc::from_json(body).unwrap();
                match check_write(inspector(), Target::Plan, Some(server), &[], &body) {
                    Ok(()) => Reply::status(200, Some("\"s2\""), Vec::new()),
                    Err(e) => Reply::status(403, None, e.to_string()),
                }
            }
            Step::Wait(_) => {
                step = engine.resume();
                continue;
            }
            other => return other.clone(),
        };
        step = tablet.on_reply(&mut engine, reply, NOW);
    }
}

#[test]
fn a_refused_tablet_keeps_its_records_and_drops_only_its_plan_changes() {
    let server = seed::xixing_2021();
    let mut kv = Memory::default();
    let mut t = Tablet::open(&mut kv, seed::PLAN_ID, || server.clone(), || "tab".into());
    t.sign_as(Signer::new(ME, "张三"));
    let plan = Plan::from_doc(t.doc());
    let item = plan.items[0].id.clone();
    let record = Record {
        note: "现场记录".into(),
        percent: Some(30.0),
        ..Record::new(NaiveDate::from_ymd_opt(2021, 7, 2).unwrap(), "张三", &item)
    };
    let added = t
        .edit(&mut kv, &plan, &Edit::AddRecord { record }, "张三", NOW)
        .unwrap()
        .applied;
    let fields = json!({"content": "检查员改了计划"})
        .as_object()
        .unwrap()
        .clone();
    let set = Edit::Set {
        entity: item.clone(),
        fields,
    };
    let plan = Plan::from_doc(t.doc());
    t.edit(&mut kv, &plan, &set, "张三", NOW + 1).unwrap();
    assert_eq!(t.sync_state().pending.len(), 2);

    // Refused: stopped with the server's words, both edits kept, no round by itself.
    let step = round(&mut t, &server);
    assert!(matches!(step, Step::Finished(_)), "{step:?}");
    assert_eq!(t.verdict().name(), "refused");
    assert!(format!("{:?}", t.verdict()).contains("only the office"));
    assert_eq!(t.sync_state().pending.len(), 2);
    let mut again = SyncRound::new(Policy::default(), 8);
    assert!(matches!(t.start_round(&mut again), Step::Finished(_)));

    // Dropped: the record stays (and stays pending), the plan change goes.
    t.drop_plan_changes(&mut kv, &server).unwrap();
    assert!(t.doc().records.contains_key(&added.id));
    assert_eq!(t.doc().entities, server.entities);
    let pending: Vec<&str> = t
        .sync_state()
        .pending
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(pending, vec![added.id.as_str()]);
    assert_ne!(t.verdict().name(), "refused");
    // Stored so: a reload reads the same.
    let back = Tablet::open(&mut kv, seed::PLAN_ID, || Doc::new("x"), || "other".into());
    assert_eq!(back.doc(), t.doc());
    assert_eq!(back.sync_state().pending, t.sync_state().pending);
    // And the next round is accepted.
    let step = round(&mut t, &server);
    assert!(matches!(step, Step::Finished(_)), "{step:?}");
    assert_eq!(t.verdict().name(), "synced");
}
