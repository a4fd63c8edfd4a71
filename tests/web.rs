//! Components and adapters in a real browser (wasm-bindgen-test in headless Chromium).
#![cfg(target_arch = "wasm32")]

use jindu::storage;
use jindu_core::seed;
use leptos::prelude::*;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn clear_storage() {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
}

fn mount_app() -> web_sys::HtmlElement {
    let document = document();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let handle = leptos::mount::mount_to(host.clone(), jindu::App);
    handle.forget();
    host
}

async fn settle() {
    for _ in 0..5 {
        tick().await;
    }
}

#[wasm_bindgen_test]
fn a_plan_round_trips_through_local_storage() {
    clear_storage();
    let doc = seed::xixing_2021();
    storage::save_plan(&doc).unwrap();
    assert_eq!(
        storage::load_plan(seed::PLAN_ID).unwrap().to_json(),
        doc.to_json()
    );
    assert_eq!(storage::stored_plans(), vec![seed::PLAN_ID.to_string()]);
    // Stored compressed: far fewer characters than the JSON.
    let used = storage::used();
    assert!(
        used > 1_000.0 && used < doc.to_json().len() as f64 / 4.0,
        "{used} characters for {} bytes of JSON",
        doc.to_json().len()
    );
    // A corrupted stored plan reads as absent rather than crashing.
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .set_item("jindu.v1.plan.bad", "{oops")
        .unwrap();
    assert!(storage::load_plan("bad").is_none());
    // It is still held, so adding a plan under its id cannot write over it.
    assert!(storage::holds_plan("bad"));
    assert!(storage::holds_plan(seed::PLAN_ID));
    assert!(!storage::holds_plan("absent"));
}

#[wasm_bindgen_test]
fn edits_are_journalled_at_once_and_folded_into_the_snapshot_later() {
    use jindu_core::edit::Edit;
    use jindu_core::tablet::Tablet;
    clear_storage();
    storage::save_plan(&seed::xixing_2021()).unwrap();
    let mut t = Tablet::open(
        &mut storage::Local,
        seed::PLAN_ID,
        seed::xixing_2021,
        || "tablet".into(),
    );
    let record = serde_json::from_value(serde_json::json!({
        "on": "2021-07-01", "by": "甲", "item": "item-4-2", "note": "日志中的记录"
    }))
    .unwrap();
    let plan = jindu_core::Plan::from_doc(t.doc());
    let edit = Edit::AddRecord { record };
    t.edit(&mut storage::Local, &plan, &edit, "甲", 1_625_100_000_000)
        .unwrap();
    let storage_js = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let journal = storage_js
        .get_item("jindu.v1.journal.xixing-2021")
        .unwrap()
        .expect("the edit is journalled");
    assert!(journal.contains("日志中的记录"));
    // A reload now reads the snapshot and replays the journal.
    assert_eq!(&storage::load_plan(seed::PLAN_ID).unwrap(), t.doc());
    // Folding writes the snapshot and clears the journal.
    t.fold(&mut storage::Local).unwrap();
    assert!(storage_js
        .get_item("jindu.v1.journal.xixing-2021")
        .unwrap()
        .is_none());
    assert_eq!(&storage::load_plan(seed::PLAN_ID).unwrap(), t.doc());
}

#[wasm_bindgen_test]
fn a_plan_of_a_thousand_items_with_ten_records_each_fits_in_half_of_local_storage() {
    clear_storage();
    let doc = jindu_core::generate::plan(&jindu_core::generate::Shape {
        items: 1_000,
        records_per_item: 10,
        devices: 20,
        seed: 7,
    });
    let mut doc = doc;
    doc.id = "capacity".into();
    storage::save_plan(&doc).unwrap();
    let used = storage::used();
    assert!(used < 2_500_000.0, "{used} characters");
    assert_eq!(storage::load_plan("capacity").unwrap(), doc);
}

#[wasm_bindgen_test]
fn the_embedded_plan_and_index_are_the_built_in_ones() {
    assert_eq!(
        jindu::state::built_in_plan().to_json(),
        seed::xixing_2021().to_json()
    );
    assert_eq!(
        jindu::state::built_in_index().to_json(),
        jindu_core::index::built_in_index().to_json()
    );
}

#[wasm_bindgen_test]
fn the_device_id_is_random_per_install_and_kept() {
    clear_storage();
    let a = storage::load_device();
    assert_eq!(a.id.len(), 8);
    assert_eq!(storage::load_device().id, a.id, "kept across loads");
    clear_storage();
    assert_ne!(
        storage::load_device().id,
        a.id,
        "a new install gets a new id"
    );
}

#[wasm_bindgen_test]
async fn the_app_shows_the_built_in_plan_and_a_sync_badge() {
    clear_storage();
    let host = mount_app();
    settle().await;
    let cards = host
        .query_selector_all("[data-testid=category-card]")
        .unwrap();
    assert_eq!(cards.length(), 6);
    let badge = host
        .query_selector("[data-testid=sync-status]")
        .unwrap()
        .unwrap();
    let state = badge.get_attribute("data-state").unwrap();
    assert!(
        ["pending", "offline", "synced", "error"].contains(&state.as_str()),
        "{state}"
    );
    assert!(host
        .text_content()
        .unwrap()
        .contains("西兴街道2021年民生工程计划"));
    host.remove();
}

#[wasm_bindgen_test]
async fn english_is_available() {
    clear_storage();
    let s = storage::Settings {
        lang: jindu::i18n::Lang::En,
        ..Default::default()
    };
    storage::save_settings(&s).unwrap();
    let host = mount_app();
    settle().await;
    let text = host.text_content().unwrap();
    assert!(text.contains("Plan progress"), "{text}");
    assert!(text.contains("Overview"));
    host.remove();
}

/// Waits `ms` milliseconds (the browser's timers run meanwhile).
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Every key and value of localStorage.
fn stored() -> Vec<(String, String)> {
    let s = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let mut all: Vec<(String, String)> = (0..s.length().unwrap())
        .filter_map(|i| s.key(i).unwrap())
        .map(|k| (k.clone(), s.get_item(&k).unwrap().unwrap()))
        .collect();
    all.sort();
    all
}

#[wasm_bindgen_test]
fn a_summary_is_used_only_for_a_plan_the_device_holds_and_only_when_it_reads() {
    use jindu_core::summary::Summary;
    clear_storage();
    let doc = seed::xixing_2021();
    let plan = jindu_core::Plan::from_doc(&doc);
    let summary = Summary::of(&plan, chrono::NaiveDate::from_ymd_opt(2021, 6, 30).unwrap());
    storage::save_summary(&summary).unwrap();
    assert_eq!(storage::load_summary(seed::PLAN_ID), None, "no plan held");
    // Storing a plan (an import) drops a summary under its id.
    storage::save_plan(&doc).unwrap();
    storage::save_summary(&summary).unwrap();
    assert_eq!(storage::load_summary(seed::PLAN_ID), Some(summary.clone()));
    storage::save_plan(&doc).unwrap();
    assert_eq!(storage::load_summary(seed::PLAN_ID), None);
    // A damaged one is ignored, and left where it is.
    let key = "jindu.v1.summary.xixing-2021";
    let local = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    local.set_item(key, "{damaged").unwrap();
    assert_eq!(storage::load_summary(seed::PLAN_ID), None);
    assert_eq!(local.get_item(key).unwrap().as_deref(), Some("{damaged"));
}

#[wasm_bindgen_test]
async fn the_first_screen_is_the_summarys_and_nothing_is_stored_before_the_plan_is_read() {
    use jindu_core::summary::Summary;
    clear_storage();
    // A plan of its own: the apps of earlier tests live on (their mounts are forgotten)
    // and keep the built-in plan open; they never write this one's keys.
    let mut doc = seed::xixing_2021();
    doc.id = "first-screen".into();
    storage::save_plan(&doc).unwrap();
    storage::save_settings(&storage::Settings {
        plan: doc.id.clone(),
        ..Default::default()
    })
    .unwrap();
    let plan = jindu_core::Plan::from_doc(&doc);
    let mut summary = Summary::of(&plan, chrono::NaiveDate::from_ymd_opt(2021, 6, 30).unwrap());
    summary.categories[0].name = "摘要中的名称".into();
    storage::save_summary(&summary).unwrap();
    let mine = || {
        stored()
            .into_iter()
            .filter(|(k, _)| k.ends_with(".first-screen") || k == "jindu.v1.device")
            .collect::<Vec<_>>()
    };
    let before = mine();
    let host = mount_app();
    settle().await;
    // Painted from the summary; nothing read, so nothing written, even when the app is
    // hidden, closed, or told that another tab wrote.
    let text = host.text_content().unwrap();
    assert!(text.contains("摘要中的名称"), "{text}");
    let window = web_sys::window().unwrap();
    let doc: web_sys::EventTarget = document().into();
    let win: web_sys::EventTarget = window.into();
    for event in ["visibilitychange", "pagehide", "storage"] {
        let target = if event == "visibilitychange" {
            &doc
        } else {
            &win
        };
        let e = web_sys::Event::new(event).unwrap();
        // As the browser's `storage` event names the key another tab wrote.
        js_sys::Reflect::set(&e, &"key".into(), &"jindu.v1.gen.first-screen".into()).unwrap();
        target.dispatch_event(&e).unwrap();
    }
    settle().await;
    assert_eq!(mine(), before, "nothing is stored before the plan is read");
    // Read after the first paint: the plan's names replace the summary's, and the
    // stored summary is rewritten with them.
    sleep(1_500).await;
    settle().await;
    let text = host.text_content().unwrap();
    assert!(!text.contains("摘要中的名称"), "{text}");
    assert!(text.contains(&plan.categories[0].name));
    assert_eq!(
        storage::load_summary("first-screen").map(|s| s.categories[0].name.clone()),
        Some(plan.categories[0].name.clone())
    );
    host.remove();
}
