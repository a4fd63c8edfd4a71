//! The plan's issued tables (签发), listed as 第1版, 第2版… by their stamps, each opening
//! read-only, as issued: an issue is a copy of the table, so it shows even after its
//! items were deleted.

use jindu_core::report::{issues, Issued};
use leptos::prelude::*;

use crate::report_table::table;
use crate::settings::download;
use crate::state::AppState;

/// A moment as the tablet's local day and time.
pub fn local_time(unix_ms: u64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix_ms as f64));
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// The issued versions of the open plan, each opening read-only.
#[component]
pub fn IssuedList() -> impl IntoView {
    let state = AppState::expect();
    let t = move || state.t();
    let listed = Memo::new(move |_| state.with_doc(issues));
    let open: RwSignal<Option<String>> = RwSignal::new(None);
    let opened = move || {
        let id = open.get()?;
        listed.with(|l| l.iter().find(|x| x.id == id).cloned())
    };
    view! {
        <section class="card issued screen-only" aria-labelledby="issued-title" data-testid="issued-list">
            <h2 id="issued-title">{move || t().issued_versions}</h2>
            <Show when=move || !listed.with(Vec::is_empty) fallback=move || view! { <p class="muted">{move || t().no_issues}</p> }>
                <ul class="issues">
                    <For each=move || listed.get() key=|x| x.id.clone() let:x>
                        {
                            let id = x.id.clone();
                            let line = format!("{} · {} · {} {} · {}", x.label(), x.issue.report.period.label,
                                t().issued_by, x.issue.issued_by, local_time(x.issue.issued_at));
                            view! {
                                <li data-testid="issued-version">
                                    <button class="big" on:click=move |_| open.set(Some(id.clone()))>{line}</button>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </Show>
            {move || opened().map(|x| view! { <IssuedView issued=x on_close=move || open.set(None) /> })}
        </section>
    }
}

/// One issued table, read-only, with a CSV download of what was issued.
#[component]
fn IssuedView(issued: Issued, on_close: impl Fn() + 'static) -> impl IntoView {
    let state = AppState::expect();
    let t = move || state.t();
    let report = issued.issue.report.clone();
    let csv = {
        let r = report.clone();
        move |_| download(&r.file_name("csv"), "text/csv;charset=utf-8", &r.to_csv())
    };
    // The issued table as Word: the same bytes on every tablet, every time.
    let word_error: RwSignal<Option<String>> = RwSignal::new(None);
    let word = {
        let r = report.clone();
        move |_| {
            let r = r.clone();
            leptos::task::spawn_local(async move {
                match crate::xlsx::export_docx(Some(&r), None).await {
                    Ok(bytes) => {
                        word_error.set(None);
                        download(
                            &r.file_name("docx"),
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                            &bytes,
                        );
                    }
                    Err(e) => word_error.set(Some(e)),
                }
            });
        }
    };
    let heading = format!(
        "{} · {} · {} {} · {}",
        issued.label(),
        report.period.label,
        t().issued_by,
        issued.issue.issued_by,
        local_time(issued.issue.issued_at)
    );
    let printed: Vec<String> = report.rows.iter().map(|r| report.printed(r)).collect();
    let drawn = table(&report, move |i, _| {
        view! { <p data-testid="issued-cell">{printed[i].clone()}</p> }.into_any()
    });
    view! {
        <div class="issued-view" role="region" aria-label=move || t().issued_read_only data-testid="issued-view">
            <p><strong>{heading}</strong>" — "{move || t().issued_read_only}</p>
            {drawn}
            <div class="actions">
                <button on:click=csv>{move || t().export_csv}</button>
                <button on:click=word>{move || t().export_word}</button>
                <button on:click=move |_| on_close()>{move || t().close}</button>
            </div>
            {move || word_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}
