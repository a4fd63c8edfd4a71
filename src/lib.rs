//! Jindu's app: an offline-first tablet app for recording progress on a sub-district's
//! project plan, synced with a shared file endpoint when a connection is there.
//!
//! The rules live in `jindu-core`; this crate is the interface (components and pages),
//! one storage adapter (`storage`) and one network adapter (`net`).

pub mod bulletin;
pub mod components;
pub mod editor;
pub mod i18n;
pub mod import;
pub mod issued;
pub mod media;
pub mod net;
pub mod pages;
mod perf;
pub mod photos;
pub mod record;
pub mod report;
mod report_table;
pub mod review;
pub mod settings;
pub mod state;
pub mod storage;
pub mod sync_worker;
mod workers;
pub mod xlsx;

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use crate::components::SyncBadge;
use crate::state::AppState;

/// Reads a setup link (`#setup&endpoint=…&token=…`), stores what it carries and removes
/// the token from the address bar. Returns whether the link was used.
fn apply_setup_link(state: &AppState) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let hash = window.location().hash().unwrap_or_default();
    let Some(rest) = hash.strip_prefix("#setup") else {
        return false;
    };
    let mut endpoint = None;
    let mut token = None;
    for pair in rest.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = js_sys::decode_uri_component(v)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default();
        match k {
            "endpoint" => endpoint = Some(v),
            "token" => token = Some(v),
            _ => {}
        }
    }
    // Another account's link: a sign-out of the first, until the server names the new
    // one (`refresh_account`, at start).
    state.forget_account();
    state.save_settings(|s| {
        if let Some(e) = endpoint.filter(|e| !e.is_empty()) {
            s.endpoint = Some(e);
        }
        if let Some(t) = token {
            s.token = t;
        }
    });
    if let Ok(history) = window.history() {
        let path = window.location().pathname().unwrap_or_else(|_| "/".into());
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
    true
}

/// Asks for persistent storage; resolves to false when the browser refused.
async fn request_persistence() -> bool {
    let Some(window) = web_sys::window() else {
        return true;
    };
    let storage = window.navigator().storage();
    let Ok(promise) = storage.persist() else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::provide();
    let configured = RwSignal::new(apply_setup_link(&state));
    let update_ready = RwSignal::new(false);
    let persist_refused = RwSignal::new(false);
    let secure = web_sys::window()
        .map(|w| w.is_secure_context())
        .unwrap_or(true);

    Effect::new(move |_| {
        let lang = state.lang();
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = el.set_attribute("lang", lang.code());
        }
    });
    // The plan is read after the first screen is painted (from its stored summary,
    // when there is one), then synced: at start, when the browser says it is back
    // online, and every minute. What counts is the outcome of real requests, not
    // `navigator.onLine`. Reading a large plan and handing it to the sync worker take a
    // while, and the screen comes first.
    request_animation_frame(move || {
        set_timeout(
            move || {
                state.read_plan();
                set_timeout(
                    move || {
                        state.refresh_account();
                        state.refresh_media();
                        state.sync_now();
                    },
                    Duration::ZERO,
                );
            },
            Duration::ZERO,
        )
    });
    let online = window_event_listener_untyped("online", move |_| state.sync_now());
    let update = window_event_listener_untyped("jindu-update", move |_| update_ready.set(true));
    // A setup link opened in a tab that already shows Jindu changes only the fragment.
    let hash = window_event_listener_untyped("hashchange", move |_| {
        if apply_setup_link(&state) {
            configured.set(true);
            state.refresh_account();
            state.retry_sync();
        }
    });
    let interval = set_interval_with_handle(
        move || {
            let on = web_sys::window()
                .map(|w| w.navigator().on_line())
                .unwrap_or(true);
            if on {
                state.sync_now();
            }
        },
        Duration::from_secs(60),
    )
    .ok();
    on_cleanup(move || {
        online.remove();
        update.remove();
        hash.remove();
        if let Some(h) = interval {
            h.clear();
        }
    });
    if secure {
        leptos::task::spawn_local(async move {
            if !request_persistence().await {
                persist_refused.set(true);
            }
        });
    }
    let export_now = move |_| settings::export_copy(state);
    let drop_failed = RwSignal::new(None::<String>);
    let reload = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    };
    let title = move || state.title();

    view! {
        <Router>
            <header class="top">
                <A href="/" attr:class="brand">{move || state.t().app_name}</A>
                <span class="plan-title">{title}</span>
                <SyncBadge />
            </header>
            <main>
                <Pages />
            </main>
            // After the page, kept in view above the tabs (sticky): a notice that comes
            // late (storage, an update) never pushes the page down under the user's finger.
            <div class="banners">
                {move || state.storage_error().map(|e| view! {
                    <p class="banner error" role="alert" data-testid="storage-error">{move || state.t().storage_failed}" "{e.clone()}" "
                        <button on:click=export_now>{move || state.t().export_backup}</button>
                    </p>
                })}
                // The shared file changed what this tablet holds in place: uploads of this
                // plan stopped; the tablet keeps its copy and offers it for export.
                // Also refused by the account's rights, or access revoked: nothing is
                // retried by itself, everything stays, and it can be exported.
                {move || {
                    use jindu_core::tablet::Verdict;
                    let t = state.t();
                    let (testid, words, reason) = match state.status() {
                        Verdict::Rewritten { reason, .. } => ("rewritten", t.rewritten_found, reason),
                        Verdict::Refused { reason, .. } => ("refused", t.refused_keep, reason),
                        Verdict::Revoked { .. } => ("revoked", t.revoked_keep, String::new()),
                        _ => return None,
                    };
                    let drop = move |_| {
                        state.drop_refused_plan_changes(move |r| drop_failed.set(r.err()));
                    };
                    Some(view! {
                        <p class="banner error" role="alert" data-testid=testid>
                            {words}" "{reason}" "
                            <button on:click=export_now>{t.export_own_copy}</button>
                            {(testid == "refused").then(|| view! {
                                <button on:click=drop>{t.drop_refused}</button>
                            })}
                            {move || drop_failed.get().map(|e| format!(" {}: {e}", t.drop_failed))}
                        </p>
                    })
                }}
                {(!secure).then(|| view! { <p class="banner warning" role="alert">{move || state.t().insecure}</p> })}
                <Show when=move || persist_refused.get()>
                    <p class="banner info">{move || state.t().persist_refused}</p>
                </Show>
                <Show when=move || { persist_refused.get() && state.media_status().pending > 0 }>
                    <p class="banner warning" role="alert" data-testid="photos-at-risk">{move || state.t().photos_at_risk}</p>
                </Show>
                <Show when=move || configured.get()>
                    <p class="banner info" role="status">{move || state.t().configured}" "<button on:click=move |_| configured.set(false)>"×"</button></p>
                </Show>
                <Show when=move || update_ready.get()>
                    <p class="banner info" role="status">{move || state.t().update_ready}" "<button on:click=reload>{move || state.t().reload}</button></p>
                </Show>
            </div>
            <nav class="tabs" aria-label=move || state.t().nav>
                <A href="/" exact=true>{move || state.t().overview}</A>
                <A href="/items">{move || state.t().items}</A>
                <A href="/sites">{move || state.t().sites}</A>
                <A href="/report">{move || state.t().report}</A>
                <A href="/settings">{move || state.t().settings}</A>
            </nav>
        </Router>
    }
}

/// The app's pages. Until the plan is read only the overview shows (painted from the
/// plan's stored summary); another page opened by its address waits for the plan, which
/// is read right after the first screen.
#[component]
fn Pages() -> impl IntoView {
    let state = AppState::expect();
    let location = leptos_router::hooks::use_location();
    let shown = move || state.is_read() || location.pathname.with(|p| p == "/");
    let reading = move || {
        view! {
            <section class="page" role="status" data-testid="reading-plan">
                <p>{move || state.t().reading_plan}</p>
            </section>
        }
    };
    view! {
        <Show when=shown fallback=reading>
            <Routes fallback=move || view! { <section class="page"><h1>{move || state.t().not_found}</h1></section> }>
                <Route path=path!("/") view=pages::OverviewPage />
                <Route path=path!("/items") view=pages::ItemsPage />
                <Route path=path!("/items/:id") view=pages::ItemPage />
                <Route path=path!("/items/:id/record") view=record::RecordPage />
                <Route path=path!("/sites") view=pages::SitesPage />
                <Route path=path!("/sites/:id") view=pages::SitePage />
                <Route path=path!("/edit/:id") view=editor::EditorPage />
                <Route path=path!("/report") view=report::ReportPage />
                <Route path=path!("/import") view=import::ImportPage />
                <Route path=path!("/settings") view=settings::SettingsPage />
            </Routes>
        </Show>
    }
}

/// Mounts the app on the page's body (called by `main`).
pub fn start() {
    console_error_panic_hook::set_once();
    crate::perf::span("jindu:mount", || leptos::mount::mount_to_body(App));
}
