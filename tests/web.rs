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
    assert!(storage::used() > doc.to_json().len() as f64 / 2.0);
    // A corrupted stored plan reads as absent rather than crashing.
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .set_item("jindu.v1.plan.bad", "{oops")
        .unwrap();
    assert!(storage::load_plan("bad").is_none());
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
