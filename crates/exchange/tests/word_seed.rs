//! The Xixing 2021 table as a Word document, built from the seed's text, imported: the
//! plan it makes has the built-in plan's categories, items, departments, deadlines and
//! targets, and the 1-6月完成情况 cells as imported records.

mod support;

use chrono::NaiveDate;
use jindu_core::hlc::Clock;
use jindu_core::model::Target;
use jindu_core::Plan;
use jindu_exchange::{read_file, Imported};
use support::docx::{seed_docx, seed_items};

fn imported() -> Plan {
    let Imported::Proposal(p) = read_file(&seed_docx(), "xixing-copy", 2030).unwrap() else {
        panic!("a Word document is a proposal")
    };
    assert!(p.unread.is_empty(), "{:?}", p.unread);
    assert_eq!(p.year, 2021, "the year from the document's title");
    let column = p.progress.as_ref().expect("the 1-6月完成情况 column");
    assert_eq!(column.heading, "1-6月完成情况");
    let doc = p
        .into_doc(
            "xixing-copy",
            "西兴2021（导入）",
            &jindu_core::import::Importer {
                author: "李娜",
                device: "tab-9",
                wall_ms: 1_700_000_000_000,
                today: NaiveDate::from_ymd_opt(2021, 7, 20).unwrap(),
            },
            &mut Clock::default(),
        )
        .unwrap();
    Plan::from_doc(&doc)
}

#[test]
fn the_seed_docx_gives_the_built_in_plans_categories_items_departments_and_deadlines() {
    let (seed, _) = seed_items();
    let plan = imported();
    assert!(plan.unreadable.is_empty(), "{:?}", plan.unreadable);
    assert_eq!(plan.categories.len(), 6);
    assert_eq!(plan.items.len(), 17);
    for (a, b) in seed.categories.iter().zip(&plan.categories) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.numbered, b.numbered, "{}: Word's numbering kept", a.name);
        let count = |p: &Plan, id: &str| p.items_of(id).count();
        assert_eq!(count(&seed, &a.id), count(&plan, &b.id), "{}", a.name);
    }
    for (a, b) in seed.items.iter().zip(&plan.items) {
        let n = seed.display_number(a);
        assert_eq!(n, plan.display_number(b));
        assert_eq!(a.content, b.content, "{n}");
        assert_eq!(a.departments, b.departments, "{n}: merged department cells");
        assert_eq!(
            a.departments_shared, b.departments_shared,
            "{n}: a department cell merged over several items is shared by them"
        );
        assert_eq!(
            a.deadline, b.deadline,
            "{n}: the deadline's date, precision and words"
        );
    }
}

/// Every item's targets, field by field: quantity, unit, the words they were read from,
/// a recurrence (每月…不少于2场) and its deadline, in order. 示范一条街 counts in words;
/// 3处 (2.3) and 1个子项 (3.3) are dated stages of the target before them; 5个 (6.2) is
/// the total of the two targets after it. Only the names differ: the built-in plan's
/// are shortened by hand (街容示范街, 整治店招店牌, 子项建设: words not in the text), and
/// the import names a target by its words without the count.
#[test]
fn the_seed_docx_gives_the_built_in_plans_targets() {
    let (seed, _) = seed_items();
    let plan = imported();
    assert_eq!(plan.targets.len(), seed.targets.len());
    let mut names = Vec::new();
    for (a, b) in seed.items.iter().zip(&plan.items) {
        let n = seed.display_number(a);
        let want: Vec<&Target> = seed.targets_of(&a.id).collect();
        let got: Vec<&Target> = plan.targets_of(&b.id).collect();
        assert_eq!(want.len(), got.len(), "{n}");
        for (w, g) in want.iter().zip(&got) {
            let fields = |t: &Target| {
                (
                    t.order,
                    t.quantity,
                    t.unit.clone(),
                    t.text.clone(),
                    t.recurring.clone(),
                    t.deadline.clone(),
                )
            };
            assert_eq!(fields(w), fields(g), "{n}: {}", w.name);
            // Named by its words without the count: every character of the name is in
            // the words, in order, and no figure is.
            assert!(!g.name.is_empty(), "{n}: {:?} is named", g.text);
            assert!(
                !g.name.chars().any(|c| c.is_ascii_digit()),
                "{n}: {}",
                g.name
            );
            let mut rest = g.text.chars();
            assert!(
                g.name.chars().all(|c| rest.any(|t| t == c)),
                "{n}: {} in {}",
                g.name,
                g.text
            );
            names.push((n.clone(), g.name.clone()));
        }
    }
    // A qualifier goes with the count (不少于2场), a count before what it counts is taken
    // out (完成3个老旧小区整治), and so are the places listed before such a count.
    for (n, name) in [
        ("2.1", "每月常态化开展群众文化体育活动"),
        ("4.1", "完成老旧小区整治"),
        ("6.1", "社区“美好生活共同体”项目"),
        ("5.1", "安装电瓶车充电桩接口"),
    ] {
        assert!(
            names.contains(&(n.to_string(), name.to_string())),
            "{n}: {name} in {names:?}"
        );
    }
}

#[test]
fn the_seed_docx_progress_cells_are_seventeen_imported_records() {
    let (_, items) = seed_items();
    let plan = imported();
    assert_eq!(plan.records.len(), 17);
    for (k, item) in items.iter().enumerate() {
        let b = plan
            .items
            .iter()
            .find(|i| i.content == item.content)
            .unwrap_or_else(|| panic!("item {k} imported"));
        let records: Vec<_> = plan.records_of(&b.id).collect();
        assert_eq!(records.len(), 1, "{}", b.content);
        let r = &records[0].record;
        assert_eq!(
            r.note,
            item.progress.join("\n"),
            "the seed's cell, line for line"
        );
        assert_eq!(r.observed, NaiveDate::from_ymd_opt(2021, 6, 30).unwrap());
        assert_eq!(r.author, "李娜", "written by whoever imports it");
        assert!(r.imported);
        assert_eq!(r.status, None, "text only: nothing is guessed from it");
    }
}
