//! Importing a plan from .xlsx, CSV, a Word document (.docx) or a table pasted from Word:
//! a Jindu export is read exactly; any other table in the seed's layout becomes a
//! proposal shown for review — every guess (item text, departments, deadline) can be
//! corrected and the targets read are shown, every unread row is named, and a progress
//! column's records are shown (a cell shared by several items said so) and can be left
//! out — before a new plan is made. Existing plans and records are never
//! touched; a file that cannot be read is refused with its reason.

mod paste;

use jindu_core::doc::Doc;
use jindu_core::hlc::Clock;
use jindu_core::import::{parse_grid, parse_rows, Proposal};
use jindu_core::model::{DateSpec, Precision};
use jindu_core::newplan::{new_plan, NewPlan};
use jindu_core::report::parse_csv;
use leptos::prelude::*;

use crate::state::AppState;
use crate::xlsx;

#[derive(Clone)]
enum Loaded {
    Exact(Doc),
    Proposal(Proposal),
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let state = AppState::expect();
    let plan_id = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let loaded: RwSignal<Option<Loaded>> = RwSignal::new(None);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let t = move || state.t();
    let year = chrono::Datelike::year(&state.today());

    let on_file = move |ev: leptos::ev::Event| {
        let Some(file) = crate::settings::chosen_file(&ev) else {
            return;
        };
        let name = file.name();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await;
            let bytes = match buffer {
                Ok(b) => js_sys::Uint8Array::new(&b).to_vec(),
                Err(_) => {
                    error.set(Some(format!("{name}: unreadable")));
                    busy.set(false);
                    return;
                }
            };
            let result = if name.to_lowercase().ends_with(".csv") {
                Ok(Loaded::Proposal(parse_rows(&parse_csv(&bytes), year)))
            } else {
                let id = plan_id.get_untracked();
                xlsx::read(&bytes, if id.is_empty() { "imported" } else { &id }, year)
                    .await
                    .and_then(|r| match r {
                        xlsx::Read::Exact(doc) => Ok(Loaded::Exact(doc)),
                        xlsx::Read::Proposal(p) => Ok(Loaded::Proposal(p)),
                        xlsx::Read::Refused { code, words } => {
                            Err(state.t().import_refused(&code).map_or(words, str::to_owned))
                        }
                    })
            };
            if result.is_err() {
                // What was read before is not what this file holds.
                loaded.set(None);
            }
            match result {
                Ok(l) => loaded.set(Some(l)),
                Err(e) => error.set(Some(format!("{}{e}", state.t().import_failed))),
            }
            busy.set(false);
        });
    };

    // A table pasted from Word or WPS (HTML with rowspan/colspan), else tab-separated
    // text; read in the page, as small as a CSV.
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        ev.prevent_default();
        let Some(data) = ev.clipboard_data() else {
            return;
        };
        let html = data.get_data("text/html").unwrap_or_default();
        let rows = if html.trim().is_empty() {
            paste::rows_from_text(&data.get_data("text/plain").unwrap_or_default())
        } else {
            paste::rows_from_html(&html)
        };
        match rows {
            Ok(rows) => {
                error.set(None);
                loaded.set(Some(Loaded::Proposal(parse_grid(&rows, year))));
            }
            Err(why) => {
                loaded.set(None);
                let t = state.t();
                error.set(Some(format!(
                    "{}{}",
                    t.import_failed,
                    t.import_refused(why.code()).unwrap_or_default()
                )));
            }
        }
    };

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (id, name) = (
            plan_id.get_untracked().trim().to_owned(),
            title.get_untracked().trim().to_owned(),
        );
        if name.is_empty() {
            error.set(Some(format!(
                "{}: {}",
                state.t().plan_title,
                state.t().required
            )));
            return;
        }
        // Written by the inspector on this device. The clock starts afresh here: the new
        // document's stamps are its own, and `add_plan` moves the tablet's clock past them.
        let author = state.author_name();
        let device = state.device_id();
        let mut clock = Clock::default();
        let now = js_sys::Date::now() as u64;
        let made = match loaded.get_untracked() {
            // The structure as exported (its year and dates too), under the new id and title.
            Some(Loaded::Exact(doc)) => new_plan(
                NewPlan {
                    id: &id,
                    title: &name,
                    year: None,
                    structure: Some(&doc.entities),
                },
                &author,
                &device,
                &mut clock,
                now,
            ),
            Some(Loaded::Proposal(p)) => p.into_doc(
                &id,
                &name,
                &jindu_core::import::Importer {
                    author: &author,
                    device: &device,
                    wall_ms: now,
                    today: state.today(),
                },
                &mut clock,
            ),
            None => return,
        };
        let doc = made.map_err(|e| crate::i18n::describe_error(&e, state.lang()));
        match doc.and_then(|d| state.add_plan(d, &name)) {
            Ok(()) => {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().set_href("/");
                }
            }
            Err(e) => error.set(Some(format!("{}: {e}", state.t().plan_id))),
        }
    };

    // Corrections to the proposal: each input writes its value back on change.
    let edit = move |f: Box<dyn Fn(&mut Proposal)>| {
        loaded.update(|l| {
            if let Some(Loaded::Proposal(p)) = l {
                f(p);
            }
        });
    };

    let preview = move || {
        let t = state.t();
        match loaded.get() {
            None => None,
            Some(Loaded::Exact(doc)) => {
                let plan = jindu_core::Plan::from_doc(&doc);
                Some(view! {
                    <div class="card" data-testid="import-preview">
                        <h2>{t.import_exact}</h2>
                        <p data-testid="import-count">{format!("{} {} · {} {}", plan.categories.len(), t.category, plan.items.len(), t.items_count)}</p>
                    </div>
                }.into_any())
            }
            Some(Loaded::Proposal(p)) => {
                let unread = p.unread.clone();
                let count = p.item_count();
                let keep = p.progress.as_ref().is_some_and(|c| c.keep);
                let records = p.progress.as_ref().map(|c| {
                    let on = p.records_on(state.today()).map(|d| d.to_string()).unwrap_or_default();
                    let n = p.records().count();
                    view! {
                        <div class="card" data-testid="import-records">
                            <h3>{t.import_records}</h3>
                            <p class="muted">{format!("{} · {}: {on} · {n}", c.heading, t.import_records_on)}</p>
                            <label class="check">
                                <input type="checkbox" name="import-keep-records" prop:checked=c.keep
                                    on:change=move |ev| { let on = event_target_checked(&ev); edit(Box::new(move |p| if let Some(c) = &mut p.progress { c.keep = on; })) } />
                                <span>{t.import_keep_records}</span>
                            </label>
                        </div>
                    }
                });
                let cats = p.categories.iter().enumerate().map(|(ci, c)| {
                    let items = c.items.iter().enumerate().map(|(ii, item)| {
                        let deadline = item.deadline.as_ref().map(|d| d.date.to_string()).unwrap_or_default();
                        let targets = item.targets.iter().map(|tg| format!("{}{}{}{}", tg.name, tg.quantity, tg.unit, if tg.per_month { "/月" } else { "" })).collect::<Vec<_>>().join("；");
                        view! {
                            <li class="import-item" data-testid="import-item">
                                <p class="muted">{format!("{} {}", t.row, item.row)}</p>
                                <label class="field"><span>{t.content}</span>
                                    <textarea rows="2" on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |p| p.categories[ci].items[ii].content = v.clone())) }>{item.content.clone()}</textarea>
                                </label>
                                <label class="field"><span>{t.deadline}</span>
                                    <input type="date" value=deadline on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        edit(Box::new(move |p| {
                                            let it = &mut p.categories[ci].items[ii];
                                            it.deadline = chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok().map(|date| DateSpec {
                                                text: it.deadline.as_ref().map(|d| d.text.clone()).unwrap_or_default(),
                                                date,
                                                precision: Precision::Day,
                                            });
                                        }))
                                    } />
                                </label>
                                <label class="field"><span>{t.department}</span>
                                    <input type="text" name="import-departments" value=item.departments.join("、") placeholder=t.departments_hint on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        edit(Box::new(move |p| {
                                            let items = &mut p.categories[ci].items;
                                            items[ii].departments = v.split(['、', ',', '，', ';', '；']).map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned).collect();
                                            // Departments of its own are no longer the cell it shared with the item above.
                                            if ii > 0 && items[ii].departments != items[ii - 1].departments {
                                                items[ii].departments_shared = false;
                                            }
                                        }))
                                    } />
                                </label>
                                <p><span class="muted">{t.targets}": "</span><span data-testid="import-targets">{targets}</span></p>
                                {(keep && !item.progress.is_empty()).then(|| view! {
                                    <p class="import-record" data-testid="import-record">{item.progress.clone()}</p>
                                })}
                                {(keep && item.progress_shared).then(|| view! {
                                    <p class="muted" data-testid="import-record-shared">{t.import_record_shared}</p>
                                })}
                                <button type="button" class="danger" on:click=move |_| edit(Box::new(move |p| { p.categories[ci].items.remove(ii); }))>{t.delete}</button>
                            </li>
                        }
                    }).collect::<Vec<_>>();
                    view! {
                        <li class="card">
                            <label class="field"><span>{t.category}</span>
                                <input type="text" value=c.name.clone() on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |p| p.categories[ci].name = v.clone())) } />
                            </label>
                            <ul>{items}</ul>
                        </li>
                    }
                }).collect::<Vec<_>>();
                Some(view! {
                    <div data-testid="import-preview">
                        <h2>{t.import_review}</h2>
                        <p data-testid="import-count">{format!("{} {}", count, t.items_count)}</p>
                        {(!unread.is_empty()).then(|| view! {
                            <div class="card warning" role="alert">
                                <h3>{t.import_unread}</h3>
                                <ul>{unread.into_iter().map(|(row, why)| view! { <li data-testid="import-unread">{format!("{} {row}: {why}", t.row)}</li> }).collect::<Vec<_>>()}</ul>
                            </div>
                        })}
                        {records}
                        <ul>{cats}</ul>
                    </div>
                }.into_any())
            }
        }
    };

    view! {
        <section class="page import" aria-labelledby="import-title">
            <h1 id="import-title">{move || t().import_plan}</h1>
            <form on:submit=create data-testid="import-form">
                <label class="field"><span>{move || t().plan_id}</span>
                    <input name="import-plan-id" type="text" pattern="[a-z0-9-]{1,40}" on:input=move |ev| plan_id.set(event_target_value(&ev)) /></label>
                <label class="field"><span>{move || t().plan_title}</span>
                    <input name="import-plan-title" type="text" on:input=move |ev| title.set(event_target_value(&ev)) /></label>
                <label class="field"><span>{move || t().import_file}</span>
                    <input name="import-file" type="file" accept=".docx,.xlsx,.csv,.doc,application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv" on:change=on_file /></label>
                <label class="field"><span>{move || t().import_paste}</span>
                    <textarea name="import-paste" rows="2" placeholder=move || t().import_paste_hint on:paste=on_paste></textarea></label>
                <Show when=move || busy.get()><p role="status">"…"</p></Show>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                {preview}
                <Show when=move || loaded.with(Option::is_some)>
                    <div class="actions"><button type="submit" class="primary big">{move || t().import_create}</button></div>
                </Show>
            </form>
        </section>
    }
}
