//! The role rule (`jindu_core::roles`): who may add what to a plan document.

use chrono::NaiveDate;
use jindu_core::doc::{Doc, Signer};
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::index;
use jindu_core::model::{Plan, Record};
use jindu_core::roles::{check_write, Refusal, Role, Target, Writer};
use jindu_core::seed;
use serde_json::json;

const T: u64 = 1_625_000_000_000;

fn tablet(doc: &Doc, device: &str, account: &str) -> Replica {
    let r = Replica::new(doc.clone(), device, Clock::default());
    if account.is_empty() {
        r
    } else {
        r.signed(Signer::new(account, &format!("{account} 的名字")))
    }
}

fn first_item(doc: &Doc) -> String {
    Plan::from_doc(doc).items[0].id.clone()
}

fn add_record(r: &mut Replica, note: &str) -> String {
    let item = first_item(&r.doc);
    let record = Record {
        note: note.into(),
        percent: Some(40.0),
        ..Record::new(NaiveDate::from_ymd_opt(2021, 6, 10).unwrap(), "张三", item)
    };
    r.apply(&Edit::AddRecord { record }, "张三", T).unwrap().id
}

fn set_title(r: &mut Replica) {
    let item = first_item(&r.doc);
    let fields = json!({"title": "改过的标题"}).as_object().unwrap().clone();
    r.apply(
        &Edit::Set {
            entity: item,
            fields,
        },
        "李四",
        T,
    )
    .unwrap();
}

fn as_(account: &'static str, role: Role) -> Writer<'static> {
    Writer {
        account: Some(account),
        role,
    }
}

fn judge(w: Writer, stored: &Doc, body: &Doc) -> Result<(), Refusal> {
    check_write(w, Target::Plan, Some(stored), &[], body)
}

#[test]
fn an_inspector_adds_and_corrects_its_own_records() {
    let stored = seed::xixing_2021();
    let mut insp = tablet(&stored, "t1", "u-insp");
    let id = add_record(&mut insp, "到现场看过");
    judge(as_("u-insp", Role::Inspector), &stored, &insp.doc).unwrap();
    // Stored, then corrected and deleted by the same account.
    let stored = insp.doc.clone();
    let item = first_item(&stored);
    let record = Record::new(NaiveDate::from_ymd_opt(2021, 6, 11).unwrap(), "张三", item);
    insp.apply(
        &Edit::CorrectRecord {
            id: id.clone(),
            record,
        },
        "张三",
        T + 10,
    )
    .unwrap();
    judge(as_("u-insp", Role::Inspector), &stored, &insp.doc).unwrap();
    insp.apply(&Edit::DeleteRecord { id }, "张三", T + 20)
        .unwrap();
    judge(as_("u-insp", Role::Inspector), &stored, &insp.doc).unwrap();
}

#[test]
fn an_inspector_never_changes_another_writers_record_or_the_plan() {
    let base = seed::xixing_2021();
    let mut office = tablet(&base, "t0", "u-office");
    let theirs = add_record(&mut office, "科室记录");
    let stored = office.doc.clone();

    let mut insp = tablet(&stored, "t1", "u-insp");
    insp.apply(&Edit::DeleteRecord { id: theirs.clone() }, "张三", T + 5)
        .unwrap();
    let e = judge(as_("u-insp", Role::Inspector), &stored, &insp.doc).unwrap_err();
    assert!(e.0.contains(&theirs) && e.0.contains("u-office"), "{e}");

    // A record of the built-in plan (unsigned: written before accounts) is not its own
    // either.
    let seeded = base.records.keys().next().unwrap().clone();
    let mut insp = tablet(&stored, "t1", "u-insp");
    insp.apply(&Edit::DeleteRecord { id: seeded.clone() }, "张三", T + 5)
        .unwrap();
    let e = judge(as_("u-insp", Role::Inspector), &stored, &insp.doc).unwrap_err();
    assert!(e.0.contains(&seeded) && e.0.contains("no account"), "{e}");

    let mut insp = tablet(&stored, "t1", "u-insp");
    set_title(&mut insp);
    let e = judge(as_("u-insp", Role::Inspector), &stored, &insp.doc).unwrap_err();
    assert!(
        e.0.contains(".title") && e.0.contains("only the office"),
        "{e}"
    );

    // The office may do both.
    let mut office = tablet(&stored, "t0", "u-office");
    set_title(&mut office);
    office
        .apply(&Edit::DeleteRecord { id: seeded }, "王五", T + 30)
        .unwrap();
    judge(as_("u-office", Role::Office), &stored, &office.doc).unwrap();
}

#[test]
fn nobody_signs_for_someone_else() {
    let stored = seed::xixing_2021();
    // A tablet signing as the office, its writes sent with the inspector's token.
    let mut forged = tablet(&stored, "t1", "u-office");
    add_record(&mut forged, "冒名");
    let e = judge(as_("u-insp", Role::Inspector), &stored, &forged.doc).unwrap_err();
    assert!(e.0.contains("nobody signs for someone else"), "{e}");
    let e = judge(as_("u-other", Role::Office), &stored, &forged.doc).unwrap_err();
    assert!(e.0.contains("u-office"), "{e}");
    // A shared token writes unsigned versions only.
    let shared = Writer {
        account: None,
        role: Role::Office,
    };
    let e = judge(shared, &stored, &forged.doc).unwrap_err();
    assert!(e.0.contains("a shared token"), "{e}");
    let mut plain = tablet(&stored, "t2", "");
    add_record(&mut plain, "共享令牌");
    set_title(&mut plain);
    judge(shared, &stored, &plain.doc).unwrap();
    // An unsigned write through an account is refused too: it would read as nobody's.
    let e = judge(as_("u-office", Role::Office), &stored, &plain.doc).unwrap_err();
    assert!(e.0.contains("no account"), "{e}");
}

#[test]
fn a_viewer_writes_nothing_and_only_the_office_writes_the_index() {
    let stored = seed::xixing_2021();
    let e = judge(as_("u-v", Role::Viewer), &stored, &stored).unwrap_err();
    assert!(e.0.contains("viewer"), "{e}");
    let idx = index::built_in_index();
    let e = check_write(
        as_("u-insp", Role::Inspector),
        Target::Index,
        Some(&idx),
        &[],
        &idx,
    )
    .unwrap_err();
    assert!(e.0.contains("index"), "{e}");
    check_write(
        as_("u-o", Role::Office),
        Target::Index,
        Some(&idx),
        &[],
        &idx,
    )
    .unwrap();
}

#[test]
fn what_a_kept_version_held_is_not_added_and_new_files_are_the_offices() {
    let base = seed::xixing_2021();
    let mut office = tablet(&base, "t0", "u-office");
    set_title(&mut office);
    add_record(&mut office, "科室记录");
    let written = office.doc.clone();
    // `history restore` made the built-in plan current again; the inspector's tablet,
    // which had learned the office's writes, uploads them back with its own record.
    let mut insp = tablet(&written, "t1", "u-insp");
    add_record(&mut insp, "我的记录");
    let w = as_("u-insp", Role::Inspector);
    assert!(check_write(w, Target::Plan, Some(&base), &[], &insp.doc).is_err());
    check_write(
        w,
        Target::Plan,
        Some(&base),
        std::slice::from_ref(&written),
        &insp.doc,
    )
    .unwrap();
    // A new file: an office copying a plan with everybody's records.
    check_write(
        as_("u-office", Role::Office),
        Target::Plan,
        None,
        &[],
        &insp.doc,
    )
    .unwrap();
    let e = check_write(w, Target::Plan, None, &[], &insp.doc).unwrap_err();
    assert!(e.0.contains("only the office creates"), "{e}");
}

#[test]
fn format_1_documents_read_as_unverified_and_signatures_round_trip() {
    let v1 = r#"{"format":1,"id":"x","entities":{"a":{"title":{"v":[{"s":1,"d":"t","a":"甲","v":"A"}]}}},"records":{"r":[{"s":2,"d":"t","r":{"n":1}}]}}"#;
    let doc = Doc::from_json(v1.as_bytes()).unwrap();
    assert_eq!(doc.format, jindu_core::doc::FORMAT);
    assert!(doc.records["r"][0].signer.is_none());
    assert!(doc
        .register("a", "title")
        .unwrap()
        .winner()
        .unwrap()
        .signer
        .is_none());
    // Signed writes keep their signer in JSON and in the binary form.
    let base = seed::xixing_2021();
    let mut r2 = tablet(&base, "t", "u-1");
    add_record(&mut r2, "签名");
    set_title(&mut r2);
    for back in [
        Doc::from_json(&r2.doc.to_json()).unwrap(),
        Doc::from_binary(&r2.doc.to_binary()).unwrap(),
    ] {
        assert_eq!(back, r2.doc);
    }
    let json = String::from_utf8(r2.doc.to_json()).unwrap();
    assert!(
        json.contains(r#""w":{"i":"u-1","n":"u-1 的名字"}"#),
        "{json}"
    );
    // A format 1 binary snapshot (no signers) still reads.
    let mut old = doc.clone();
    old.format = 1;
    let back = Doc::from_binary(&old.to_binary()).unwrap();
    assert_eq!(back, doc);
    // A signer without an account is malformed.
    let bad = br#"{"format":2,"id":"x","entities":{},"records":{"r":[{"s":2,"d":"t","w":{"i":"","n":"x"},"r":{}}]}}"#;
    assert!(Doc::from_json(bad).is_err());
    // A newer document is still refused by this build, as format 1 builds refuse format 2.
    let newer = br#"{"format":4,"id":"x","entities":{},"records":{}}"#;
    assert!(matches!(
        Doc::from_json(newer),
        Err(jindu_core::DocError::NewerFormat {
            found: 4,
            supported: 3
        })
    ));
}

/// The report's entities are the office's: an inspector's write adding a cell edit, a
/// review or an issue is refused naming what it is; the office's is accepted.
#[test]
fn only_the_office_edits_report_cells_reviews_records_and_issues() {
    use jindu_core::model::Kind;
    use jindu_core::report::issue::issue;
    use jindu_core::report::review::{review, Verdict};
    use jindu_core::report::{build, set_cell, Period};

    let stored = seed::xixing_2021();
    let period = Period::cumulative(2021, 6).unwrap();
    let plan = Plan::from_doc(&stored);
    let table = build(&plan, &period).unwrap();
    type Write<'a> = Box<dyn Fn(&mut Replica) + 'a>;
    let writes: [(&str, Write); 3] = [
        (
            "the office's edit of a report cell",
            Box::new(|r: &mut Replica| {
                let item = first_item(&r.doc);
                r.apply(&set_cell(&period, &item, "科室改写"), "张三", T)
                    .unwrap();
            }),
        ),
        (
            "the office's review of a record",
            Box::new(|r: &mut Replica| {
                let record = Plan::from_doc(&r.doc).records[0].clone();
                r.apply(&review(&record, Verdict::Approved, ""), "张三", T)
                    .unwrap();
            }),
        ),
        (
            "an issued report",
            Box::new(|r: &mut Replica| {
                let id = r.new_id(Kind::Issue, T);
                r.apply(&issue(&id, &table, "张三", T), "张三", T).unwrap();
            }),
        ),
    ];
    for (what, write) in &writes {
        let mut insp = tablet(&stored, "t1", "u-insp");
        write(&mut insp);
        let e = judge(as_("u-insp", Role::Inspector), &stored, &insp.doc).unwrap_err();
        assert!(
            e.0.contains(what) && e.0.contains("only the office writes it"),
            "{e}"
        );
        let mut office = tablet(&stored, "t0", "u-office");
        write(&mut office);
        judge(as_("u-office", Role::Office), &stored, &office.doc).unwrap();
    }
}
