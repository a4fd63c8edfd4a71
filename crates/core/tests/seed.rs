//! Pins the facts of the Xixing 2021 plan as the built-in default holds them.

use chrono::NaiveDate;
use jindu_core::model::{Measure, Precision, RecordStatus};
use jindu_core::progress::{
    deadlines, item_progress, item_schedule, plan_progress, problems, site_progress,
    target_progress, Basis, Due, Schedule,
};
use jindu_core::{seed, Doc, Plan};

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, m, day).unwrap()
}

fn plan() -> Plan {
    Plan::from_doc(&seed::xixing_2021())
}

fn item_by_number<'a>(plan: &'a Plan, number: &str) -> &'a jindu_core::model::Item {
    plan.items
        .iter()
        .find(|i| plan.display_number(i) == number)
        .unwrap_or_else(|| panic!("no item {number}"))
}

fn site_id(plan: &Plan, name: &str) -> String {
    plan.site_named(name)
        .unwrap_or_else(|| panic!("no site {name}"))
        .id
        .clone()
}

#[test]
fn six_categories_and_seventeen_items_in_the_seeds_order() {
    let plan = plan();
    assert!(plan.unreadable.is_empty(), "{:?}", plan.unreadable);
    let counts: Vec<usize> = plan
        .categories
        .iter()
        .map(|c| plan.items_of(&c.id).count())
        .collect();
    assert_eq!(counts, vec![5, 4, 3, 2, 1, 2]);
    let names: Vec<&str> = plan.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names[0], "推进“美丽西兴”建设,优化街区环境");
    assert_eq!(names[5], "推进“幸福西兴”建设,提升社区服务功能");
    let numbered: Vec<bool> = plan.categories.iter().map(|c| c.numbered).collect();
    assert_eq!(numbered, vec![true, true, true, false, false, false]);
    let meta = plan.meta.as_ref().unwrap();
    assert_eq!(meta.time_zone, "Asia/Shanghai");
    assert_eq!(meta.periods[0].label, "1-6月");
}

#[test]
fn departments_belong_to_items_and_are_kept_as_written() {
    let plan = plan();
    assert_eq!(
        item_by_number(&plan, "2.1").departments,
        vec!["公共服务办", "各社区"]
    );
    assert_eq!(item_by_number(&plan, "2.4").departments, vec!["公共管理办"]);
    assert_eq!(
        item_by_number(&plan, "4.2").departments,
        vec!["区域发展办", "相关社区"]
    );
    assert_eq!(
        item_by_number(&plan, "5.1").departments,
        vec!["平安建设办", "区域发展办(安置)", "相关社区"]
    );
}

#[test]
fn deadlines_keep_the_text_and_mean_the_end_of_the_month() {
    let plan = plan();
    let dl = item_by_number(&plan, "1.4").deadline.clone().unwrap();
    assert_eq!(dl.text, "计划9月底前完成");
    assert_eq!(dl.date, d(9, 30));
    assert_eq!(dl.precision, Precision::Month);
    assert_eq!(
        item_by_number(&plan, "1.2").deadline.as_ref().unwrap().date,
        d(7, 31)
    );
}

#[test]
fn old_compounds_have_their_reported_totals_and_packages() {
    let plan = plan();
    let item = item_by_number(&plan, "4.1");
    let as_of = d(6, 30);
    for (name, total, packages) in [
        ("白鹤苑", 52.0, vec![85.0, 100.0, 60.0, 50.0, 40.0]),
        ("滨康小区", 58.0, vec![90.0, 95.0, 100.0, 50.0, 20.0, 20.0]),
        (
            "缤纷北苑",
            62.0,
            vec![100.0, 80.0, 60.0, 85.0, 80.0, 85.0, 30.0],
        ),
    ] {
        let site = site_id(&plan, name);
        let p = site_progress(&plan, &item.id, &site, as_of);
        assert_eq!(p.percent, Some(total), "{name}");
        assert!(!p.estimate, "{name}'s total is reported, not estimated");
        let got: Vec<f64> = plan
            .packages_of(&item.id, &site)
            .map(|wp| {
                jindu_core::progress::package_progress(&plan, &wp.id, as_of)
                    .percent
                    .unwrap()
            })
            .collect();
        assert_eq!(got, packages, "{name}");
    }
    // 沿河松木桩已完成; 停车场施工完成60% are two packages under the seed's "(2)".
    let baihe = site_id(&plan, "白鹤苑");
    let labels: Vec<(&str, &str)> = plan
        .packages_of(&item.id, &baihe)
        .map(|p| (p.label.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(labels[1], ("(2)", "沿河松木桩"));
    assert_eq!(labels[2], ("(2)", "停车场施工"));
    let p = item_progress(&plan, item, as_of);
    assert!((p.percent.unwrap() - (52.0 + 58.0 + 62.0) / 3.0).abs() < 1e-9);
}

#[test]
fn a_site_without_a_reported_total_is_estimated_and_labelled() {
    let mut doc = seed::xixing_2021();
    // Drop 白鹤苑's reported total: the estimate from its packages fills the gap.
    let plan0 = Plan::from_doc(&doc);
    let baihe = site_id(&plan0, "白鹤苑");
    let total = plan0
        .records
        .iter()
        .find(|r| {
            r.record.site.as_deref() == Some(&baihe)
                && r.record.package.is_none()
                && r.record.percent == Some(52.0)
        })
        .unwrap()
        .id
        .clone();
    doc.records.remove(&total);
    let plan = Plan::from_doc(&doc);
    let item = item_by_number(&plan, "4.1");
    let p = site_progress(&plan, &item.id, &baihe, d(6, 30));
    assert!(p.estimate);
    assert_eq!(p.percent, Some((85.0 + 100.0 + 60.0 + 50.0 + 40.0) / 5.0));
}

#[test]
fn lifts_two_hundred_with_seventy_three_started_and_twenty_two_hoisted() {
    let plan = plan();
    let item = item_by_number(&plan, "4.2");
    let target = plan.targets_of(&item.id).next().unwrap();
    assert_eq!(
        (target.name.as_str(), target.quantity, target.unit.as_str()),
        ("加装电梯", 200.0, "台")
    );
    let stages: Vec<(&str, bool)> = plan
        .stages_of(&target.id)
        .map(|s| (s.name.as_str(), s.completes))
        .collect();
    assert_eq!(stages, vec![("新开", false), ("吊装完成", true)]);
    let p = target_progress(&plan, target, d(6, 30));
    assert_eq!(
        p.basis,
        Basis::Count {
            achieved: 22.0,
            quantity: 200.0,
            stage: Some("吊装完成".into())
        }
    );
    assert_eq!(p.percent, Some(11.0));
    let opened = plan
        .records_of(&item.id)
        .find(|r| r.record.stage.as_deref() == Some(&plan.stages_of(&target.id).next().unwrap().id))
        .unwrap();
    assert_eq!(opened.record.figure, Some(73.0));
}

#[test]
fn sixty_two_activities_against_two_a_month_is_on_track_and_not_done() {
    let plan = plan();
    let item = item_by_number(&plan, "2.1");
    let target = plan.targets_of(&item.id).next().unwrap();
    assert_eq!(target.recurring.as_ref().unwrap().per_month, 2.0);
    let p = target_progress(&plan, target, d(6, 30));
    assert_eq!(
        p.basis,
        Basis::Recurring {
            count: 62.0,
            required_so_far: 12.0,
            required_in_all: 24.0
        }
    );
    assert_eq!(p.percent, Some(50.0), "credit is earned month by month");
    assert_eq!(item_schedule(&plan, item, d(6, 30)), Schedule::OnTrack);
    // Even at year end a surplus never shows more than 100%, and it is done only then.
    assert!(!deadlines(&plan, item, d(12, 30))
        .iter()
        .any(|x| x.schedule == Schedule::Done && matches!(x.what, Due::Target(_))));
}

#[test]
fn six_fitness_spots_with_staged_deadlines() {
    let plan = plan();
    let item = item_by_number(&plan, "2.3");
    let spots: Vec<(String, NaiveDate)> = plan
        .sites_of(&item.id)
        .map(|s| {
            (
                plan.site(&s.site).unwrap().name.clone(),
                s.deadline.as_ref().unwrap().date,
            )
        })
        .collect();
    assert_eq!(
        spots,
        vec![
            ("缤纷小区".to_string(), d(3, 31)),
            ("缤纷西苑".to_string(), d(3, 31)),
            ("河畔花园".to_string(), d(3, 31)),
            ("新州花苑西区".to_string(), d(5, 31)),
            ("官河东方花城".to_string(), d(5, 31)),
            ("缤纷北苑".to_string(), d(9, 30)),
        ]
    );
    assert_eq!(plan.site_named("官河").unwrap().name, "官河东方花城");
    assert_eq!(plan.site_named("新州").unwrap().name, "新州花苑西区");
    assert_eq!(plan.targets_of(&item.id).next().unwrap().quantity, 6.0);
}

#[test]
fn status_as_of_the_end_of_june_and_the_first_of_july() {
    let plan = plan();
    let spots = item_by_number(&plan, "2.3");
    let xinzhou = site_id(&plan, "新州");
    let on = |date| {
        deadlines(&plan, spots, date)
            .into_iter()
            .find(|x| x.what == Due::Site(xinzhou.clone()))
            .unwrap()
            .schedule
    };
    assert_eq!(on(d(6, 30)), Schedule::Overdue);
    assert_eq!(
        on(d(5, 31)),
        Schedule::AtRisk,
        "due at the end of May, inclusive"
    );
    let guanhe = site_id(&plan, "官河");
    assert!(deadlines(&plan, spots, d(6, 30))
        .iter()
        .any(|x| x.what == Due::Site(guanhe.clone()) && x.schedule == Schedule::Done));

    let pilot_item = item_by_number(&plan, "3.3");
    let pilot = |date| {
        deadlines(&plan, pilot_item, date)
            .into_iter()
            .find(|x| x.text == "6月底前启动1个子项的试应用")
            .unwrap()
            .schedule
    };
    assert_eq!(pilot(d(6, 30)), Schedule::AtRisk);
    assert_eq!(pilot(d(7, 1)), Schedule::Overdue);
    let listed = problems(&plan, d(6, 30));
    assert!(listed
        .iter()
        .any(|x| x.item == pilot_item.id && x.schedule == Schedule::AtRisk));
    assert!(listed
        .iter()
        .any(|x| x.what == Due::Site(xinzhou.clone()) && x.schedule == Schedule::Overdue));
}

#[test]
fn charging_pile_milestones_run_from_june_to_december() {
    let plan = plan();
    let item = item_by_number(&plan, "5.1");
    let months: Vec<u32> = plan
        .milestones_of(&item.id)
        .filter(|m| m.due.precision == Precision::Month && m.text.contains("完成"))
        .map(|m| chrono::Datelike::month(&m.due.date))
        .collect();
    assert_eq!(months, vec![6, 7, 8, 9, 12]);
    let targets: Vec<(&str, f64)> = plan
        .targets_of(&item.id)
        .map(|t| (t.unit.as_str(), t.quantity))
        .collect();
    assert_eq!(
        targets,
        vec![("处", 10.0), ("个", 200.0), ("处", 10.0), ("套", 20.0)]
    );
    let approx = plan
        .milestones_of(&item.id)
        .find(|m| m.due.text == "6月20日左右")
        .unwrap();
    assert_eq!(
        (approx.due.date, approx.due.precision),
        (d(6, 20), Precision::Approximate)
    );
    // Records from a cell that says 截至6月15日 are dated the 15th.
    assert!(plan
        .records_of(&item.id)
        .all(|r| r.record.observed == d(6, 15)));
}

#[test]
fn garbage_houses_and_toilets() {
    let plan = plan();
    let item = item_by_number(&plan, "1.3");
    let p = |name: &str| site_progress(&plan, &item.id, &site_id(&plan, name), d(6, 30)).percent;
    assert_eq!(p("迎春区块"), Some(90.0));
    assert_eq!(p("缤纷区块"), Some(70.0));
    let toilets = plan.targets_of(&item.id).next().unwrap();
    assert_eq!(toilets.quantity, 3.0);
    let p = target_progress(&plan, toilets, d(6, 30));
    assert_eq!(
        p.basis,
        Basis::Count {
            achieved: 1.0,
            quantity: 3.0,
            stage: Some("完成".into())
        }
    );
    assert_eq!(plan.targets_of(&item.id).nth(1).unwrap().quantity, 2.0);
}

#[test]
fn smart_village_modules_are_status_only_packages_of_xiangqifang() {
    let plan = plan();
    let item = item_by_number(&plan, "3.2");
    let site = site_id(&plan, "襄七房社区");
    let modules: Vec<_> = plan.packages_of(&item.id, &site).collect();
    assert_eq!(modules.len(), 9);
    assert!(modules.iter().all(|m| m.measure == Measure::Status));
    assert_eq!(modules[0].label, "(1)");
    assert_eq!(modules[8].label, "(9)");
    assert_eq!(modules[8].name, "社工APP重构");
}

#[test]
fn community_projects_are_a_matrix_of_sites_and_stages() {
    let plan = plan();
    let item = item_by_number(&plan, "6.1");
    let sites: Vec<String> = plan
        .sites_of(&item.id)
        .map(|s| plan.site(&s.site).unwrap().name.clone())
        .collect();
    assert_eq!(sites, vec!["滨康二苑", "湘云雅苑", "白鹤苑"]);
    for s in plan.sites_of(&item.id) {
        let stages: Vec<&str> = plan
            .packages_of(&item.id, &s.site)
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(stages, vec!["设计", "招标", "硬装", "软装"]);
    }
    // 白鹤苑 and 湘云雅苑 recur across items; 本周五 is kept next to its date.
    let baihe = site_id(&plan, "白鹤苑");
    assert_eq!(
        plan.item_sites.iter().filter(|s| s.site == baihe).count(),
        2
    );
    let friday = plan
        .milestones_of(&item.id)
        .find(|m| m.due.text == "本周五")
        .unwrap();
    assert_eq!(friday.due.date, d(7, 2));
}

#[test]
fn the_sports_meet_slipped_and_keeps_both_dates() {
    let plan = plan();
    let item = item_by_number(&plan, "2.2");
    let m = plan
        .milestones_of(&item.id)
        .find(|m| m.revised.is_some())
        .unwrap();
    assert_eq!(m.due.date, d(10, 31));
    assert_eq!(
        m.revised.as_ref().unwrap().precision,
        Precision::PartOfMonth
    );
    let record = plan.records_of(&item.id).next().unwrap();
    assert!(record.record.note.contains("相应推后"));
}

#[test]
fn every_progress_cell_of_the_seed_is_kept_verbatim() {
    let seed = include_str!("data/xixing-2021-livelihood-plan-h1.txt");
    let plan = plan();
    let notes: String = plan
        .records
        .iter()
        .map(|r| r.record.note.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    // Every line of the seed's progress column appears in a record.
    for line in seed.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let is_progress = line.contains("完成")
            && !line.starts_with(|c: char| c.is_ascii_digit())
            && !plan.items.iter().any(|i| i.content.contains(line));
        if is_progress {
            let probe: String = line.chars().take(30).collect();
            assert!(notes.contains(&probe), "seed progress not kept: {line}");
        }
    }
    // The seed's records are all dated the 15th or the 30th of June and are all the office's.
    assert!(plan
        .records
        .iter()
        .all(|r| r.record.observed == d(6, 15) || r.record.observed == d(6, 30)));
    assert!(plan
        .records
        .iter()
        .all(|r| r.record.author == seed::SEED_AUTHOR));
    assert!(plan
        .records
        .iter()
        .any(|r| r.record.status == Some(RecordStatus::Done)));
}

#[test]
fn every_item_content_is_the_seeds_text() {
    let seed = include_str!("data/xixing-2021-livelihood-plan-h1.txt");
    let plan = plan();
    for item in &plan.items {
        assert!(
            seed.contains(&item.content),
            "not in the seed: {}",
            item.content
        );
    }
    for c in &plan.categories {
        assert!(seed.contains(&c.name));
    }
}

#[test]
fn the_built_in_plan_is_deterministic_and_round_trips() {
    let a = seed::xixing_2021().to_json();
    let b = seed::xixing_2021().to_json();
    assert_eq!(a, b);
    let back = Doc::from_json(&a).unwrap();
    assert_eq!(back.to_json(), a);
}

#[test]
fn plan_progress_is_within_bounds_and_explained() {
    let plan = plan();
    let p = plan_progress(&plan, d(6, 30));
    let v = p.percent.unwrap();
    assert!((0.0..=100.0).contains(&v));
    assert!(matches!(p.basis, Basis::MeanOf { .. }));
    // Before any record was observed nothing is known.
    assert_eq!(plan_progress(&plan, d(1, 1)).percent, None);
}
