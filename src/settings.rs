//! Settings: who is inspecting, where to sync, language, mode, the device, storage,
//! backups and plans.

use jindu_core::index;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::Lang;
use crate::net::endpoint_base;
use crate::state::AppState;
use crate::storage;

/// Masks a token for display: its last four characters only.
fn masked(token: &str) -> String {
    let n = token.chars().count();
    if n == 0 {
        return String::new();
    }
    let tail: String = token.chars().skip(n.saturating_sub(4)).collect();
    format!("••••••{tail}")
}

/// The file chosen in a file input's change event.
pub fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    input.files()?.get(0)
}

/// Offers bytes as a download.
/// Downloads the open plan as this tablet holds it (a backup another tablet can import).
pub fn export_copy(state: AppState) {
    let (bytes, id) = state.with_doc_untracked(|doc| (doc.to_json(), doc.id.clone()));
    download(
        &format!("jindu-{id}-backup.json"),
        "application/json",
        &bytes,
    );
}

pub fn download(name: &str, mime: &str, bytes: &[u8]) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::new();
    parts.push(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = doc.create_element("a") {
        let a: web_sys::HtmlAnchorElement = a.unchecked_into();
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let state = AppState::expect();
    state.refresh_media();
    let estimate: RwSignal<Option<(f64, f64)>> = RwSignal::new(None);
    leptos::task::spawn_local(async move { estimate.set(crate::media::estimate().await) });
    let s0 = state.settings_untracked();
    let token_draft = RwSignal::new(String::new());
    let exported = RwSignal::new(false);
    let sign_out_refused = RwSignal::new(false);
    let used = RwSignal::new(storage::used());
    let message: RwSignal<Option<String>> = RwSignal::new(None);
    let new_plan_error: RwSignal<Option<String>> = RwSignal::new(None);
    let (new_id, new_title, new_copy) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(false),
    );
    Effect::new(move |_| {
        // Storage use changes with every edit and sync.
        state.with_doc(|_| ());
        used.set(storage::used());
    });
    let share = move || used.get() / storage::QUOTA * 100.0;
    let export = move |_| {
        let (bytes, id) = state.with_doc_untracked(|doc| (doc.to_json(), doc.id.clone()));
        let today = state.today();
        download(
            &format!("jindu-{id}-backup-{today}.json"),
            "application/json",
            &bytes,
        );
    };
    let import = move |ev: leptos::ev::Event| {
        let Some(file) = crate::settings::chosen_file(&ev) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
            let result = match text.ok().and_then(|t| t.as_string()) {
                Some(t) => state.import_backup(t.as_bytes()),
                None => Err("unreadable file".into()),
            };
            message.set(Some(match result {
                Ok(()) => state.t().imported.to_string(),
                Err(e) => format!("{}{e}", state.t().import_failed),
            }));
        });
    };
    let plans = move || {
        let mut ids: Vec<(String, String)> = state
            .with_index(index::listed)
            .into_iter()
            .map(|l| (l.id, l.title))
            .collect();
        for id in storage::stored_plans() {
            if !ids.iter().any(|(i, _)| *i == id) {
                ids.push((id.clone(), id));
            }
        }
        if !ids.iter().any(|(i, _)| i == jindu_core::seed::PLAN_ID) {
            ids.push((
                jindu_core::seed::PLAN_ID.into(),
                jindu_core::seed::PLAN_ID.into(),
            ));
        }
        ids
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match state.create_plan(
            new_id.get_untracked().trim(),
            new_title.get_untracked().trim(),
            new_copy.get_untracked(),
        ) {
            Ok(()) => new_plan_error.set(None),
            Err(e) => new_plan_error.set(Some(format!("{}: {e}", state.t().plan_id))),
        }
    };
    view! {
        <section class="page settings" aria-labelledby="settings-title">
            <h1 id="settings-title">{move || state.t().settings}</h1>
            <div class="card">
                {move || state.account().map(|a| {
                    let t = state.t();
                    let sign_out = move |_| {
                        if !state.sign_out(exported.get_untracked()) {
                            sign_out_refused.set(true);
                        }
                    };
                    let export = move |_| {
                        export_copy(state);
                        exported.set(true);
                    };
                    let role = match a.role.as_str() {
                        "office" => t.role_office,
                        "inspector" => t.role_inspector,
                        _ => t.role_viewer,
                    };
                    view! {
                        <div class="field" data-testid="account">
                            <span>{t.account}</span>
                            <strong data-role=a.role.clone()>{a.name.clone()}" · "{role}</strong>
                            <small class="muted">{t.account_note}</small>
                            <button on:click=sign_out>{t.sign_out}</button>
                            <Show when=move || sign_out_refused.get()>
                                <p class="banner error" role="alert" data-testid="sign-out-refused">
                                    {t.sign_out_unsynced}" "
                                    <button on:click=export>{t.export_own_copy}</button>
                                </p>
                            </Show>
                        </div>
                    }
                })}
                <Show when=move || state.account().is_none()>
                <label class="field">
                    <span>{move || state.t().inspector_name}</span>
                    <input name="author" type="text" autocomplete="name" value=s0.author.clone()
                        on:change=move |ev| { let v = event_target_value(&ev); state.save_settings(|s| s.author = v.trim().to_owned()); } />
                </label>
                </Show>
                <fieldset class="field">
                    <legend>{move || state.t().language}</legend>
                    <label class="choice"><input type="radio" name="lang" checked=s0.lang == Lang::Zh on:change=move |_| state.save_settings(|s| s.lang = Lang::Zh) />" 中文"</label>
                    <label class="choice"><input type="radio" name="lang" checked=s0.lang == Lang::En on:change=move |_| state.save_settings(|s| s.lang = Lang::En) />" English"</label>
                </fieldset>
                <Show when=move || state.account().is_none()>
                <fieldset class="field">
                    <legend>{move || state.t().mode}</legend>
                    <label class="choice"><input type="radio" name="mode" checked=!s0.office on:change=move |_| state.save_settings(|s| s.office = false) />" "{move || state.t().mode_inspector}</label>
                    <label class="choice"><input type="radio" name="mode" checked=s0.office on:change=move |_| state.save_settings(|s| s.office = true) />" "{move || state.t().mode_office}</label>
                </fieldset>
                </Show>
            </div>
            <div class="card">
                <label class="field">
                    <span>{move || state.t().endpoint}</span>
                    <input name="endpoint" type="url" inputmode="url" placeholder=move || endpoint_base(None) value=s0.endpoint.clone().unwrap_or_default()
                        on:change=move |ev| { let v = event_target_value(&ev); state.save_settings(|s| s.endpoint = Some(v.trim().to_owned()).filter(|x| !x.is_empty())); state.refresh_account(); state.retry_sync(); } />
                    <small class="muted">{move || state.t().endpoint_default}</small>
                </label>
                <label class="field">
                    <span>{move || state.t().token}</span>
                    <span class="muted" data-testid="token-mask">{move || { let t = state.with_settings(|s| s.token.clone()); if t.is_empty() { state.t().token_none.to_string() } else { format!("{} {}", state.t().token_set, masked(&t)) } }}</span>
                    <input name="token" type="password" autocomplete="off" prop:value=move || token_draft.get()
                        on:change=move |ev| { let v = event_target_value(&ev); token_draft.set(String::new()); state.save_settings(|s| s.token = v.trim().to_owned()); state.refresh_account(); state.retry_sync(); } />
                </label>
            </div>
            <div class="card">
                <h2>{move || state.t().plans}</h2>
                <label class="field">
                    <span>{move || state.t().switch_plan}</span>
                    <select name="plan" on:change=move |ev| state.open_plan(&event_target_value(&ev))>
                        {move || { let cur = state.with_settings(|s| s.plan.clone()); plans().into_iter().map(|(id, title)| { let sel = id == cur; view! { <option value=id.clone() selected=sel>{format!("{title} ({id})")}</option> } }).collect::<Vec<_>>() }}
                    </select>
                </label>
                // Creating a plan is the office's (the server refuses anyone else's).
                <Show when=move || state.creates_plans()>
                <p><leptos_router::components::A href="/import" attr:class="button">{move || state.t().import_plan}</leptos_router::components::A></p>
                <form class="new-plan" on:submit=create>
                    <h3>{move || state.t().new_plan}</h3>
                    <label class="field"><span>{move || state.t().plan_id}</span><input name="new-plan-id" type="text" pattern="[a-z0-9-]{1,40}" on:input=move |ev| new_id.set(event_target_value(&ev)) /></label>
                    <label class="field"><span>{move || state.t().plan_title}</span><input name="new-plan-title" type="text" on:input=move |ev| new_title.set(event_target_value(&ev)) /></label>
                    <label class="choice"><input type="checkbox" on:change=move |ev| new_copy.set(event_target_checked(&ev)) />" "{move || state.t().new_plan_copy}</label>
                    {move || new_plan_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    <button type="submit">{move || state.t().new_plan}</button>
                </form>
                </Show>
            </div>
            <div class="card">
                <dl class="facts">
                    <dt>{move || state.t().device_id}</dt><dd data-testid="device-id">{move || state.device_id()}</dd>
                    <dt>{move || state.t().storage_used}</dt>
                    <dd data-testid="storage-used">{move || format!("{:.2} MB / 5 MB ({:.0}%)", used.get() / 1_000_000.0, share())}</dd>
                    <dt>{move || state.t().photos_waiting}</dt>
                    <dd data-testid="photos-waiting">{move || state.media_status().pending}</dd>
                    <Show when=move || !state.media_status().refused.is_empty()>
                        <dt>{move || state.t().photos_refused}</dt>
                        <dd data-testid="photos-refused">{move || state.media_status().refused.len()}</dd>
                    </Show>
                    <dt>{move || state.t().media_space}</dt>
                    <dd data-testid="media-space">{move || format!("{:.2} MB", state.media_status().kept_bytes / 1_000_000.0)}</dd>
                    <Show when=move || estimate.get().is_some()>
                        <dt>{move || state.t().device_storage}</dt>
                        <dd data-testid="storage-estimate">{move || estimate.get().map(|(u, q)| format!("{:.1} MB / {:.0} MB", u / 1_000_000.0, q / 1_000_000.0)).unwrap_or_default()}</dd>
                    </Show>
                </dl>
                <Show when=move || { share() >= 60.0 }>
                    <p class="warning" role="alert">{move || state.t().storage_warning}</p>
                </Show>
                <div class="actions">
                    <button on:click=export>{move || state.t().export_backup}</button>
                    <label class="button">{move || state.t().import_backup}<input type="file" accept="application/json,.json" class="visually-hidden" on:change=import /></label>
                </div>
                {move || message.get().map(|m| view! { <p role="status">{m}</p> })}
            </div>
        </section>
    }
}
