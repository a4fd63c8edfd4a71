//! The report page: the period's progress table in the seed's layout, editable before it
//! is issued, printed (A4 landscape) or exported as CSV.

use std::collections::BTreeMap;

use jindu_core::doc::Doc;
use jindu_core::progress::Schedule;
use jindu_core::report::{build, headings, marked, plan_year, Period};
use leptos::prelude::*;

use crate::settings::download;
use crate::state::AppState;
use crate::storage;

/// The periods offered: the reporting periods of the plan, each month, each quarter,
/// the year, or a range.
fn period_for(kind: &str, year: i32, month: u32, from: &str, to: &str) -> Option<Period> {
    match kind {
        "h1" => Period::months(year, 1, 6),
        "year" => Period::year(year),
        "month" => Period::month(year, month),
        "quarter" => Period::quarter(year, month.clamp(1, 4)),
        _ => Period::range(
            chrono::NaiveDate::parse_from_str(from, "%Y-%m-%d").ok()?,
            chrono::NaiveDate::parse_from_str(to, "%Y-%m-%d").ok()?,
        ),
    }
}

fn edits_key(plan: &str, period: &Period) -> String {
    format!("{plan}.{}.{}", period.start, period.end)
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let state = AppState::expect();
    let this_year = chrono::Datelike::year(&state.today());
    let year = RwSignal::new(state.with_plan_untracked(|p| plan_year(p, this_year)));
    let kind = RwSignal::new("h1".to_string());
    let month = RwSignal::new(1u32);
    let (from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let period = Memo::new(move |_| {
        period_for(&kind.get(), year.get(), month.get(), &from.get(), &to.get())
    });
    let edits: RwSignal<BTreeMap<String, String>> = RwSignal::new(BTreeMap::new());
    // The office's edits are kept per plan and period on this device.
    Effect::new(move |_| {
        if let Some(p) = period.get() {
            let plan = state.with_plan_untracked(|v| v.id.clone());
            edits.set(storage::load_report_edits(&edits_key(&plan, &p)));
        }
    });
    let report = Memo::new(move |_| {
        let p = period.get()?;
        let e = edits.get();
        Some(state.with_plan(|plan| build(plan, &p).with_override(&e)))
    });
    let save_edit = move |item: String, text: String| {
        edits.update(|m| {
            m.insert(item, text);
        });
        if let Some(p) = period.get_untracked() {
            let plan = state.with_plan_untracked(|v| v.id.clone());
            state.report_storage(storage::save_report_edits(
                &edits_key(&plan, &p),
                &edits.get_untracked(),
            ));
        }
    };
    let export_csv = move |_| {
        if let Some(r) = report.get_untracked() {
            download(&r.file_name("csv"), "text/csv;charset=utf-8", &r.to_csv());
        }
    };
    let xlsx_error: RwSignal<Option<String>> = RwSignal::new(None);
    let export_xlsx = move |_| {
        let Some(r) = report.get_untracked() else {
            return;
        };
        let doc = state.with_doc_untracked(Doc::clone);
        leptos::task::spawn_local(async move {
            match crate::xlsx::export(&r, &doc).await {
                Ok(bytes) => {
                    xlsx_error.set(None);
                    download(
                        &r.file_name("xlsx"),
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        &bytes,
                    );
                }
                Err(e) => xlsx_error.set(Some(e)),
            }
        });
    };
    let print = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    let t = move || state.t();
    view! {
        <section class="page report" aria-labelledby="report-title">
            <div class="report-controls">
                <h1 id="report-title">{move || t().report}</h1>
                <label class="field">
                    <span>{move || t().period}</span>
                    <select name="period-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="h1" selected=true>"1-6月"</option>
                        <option value="month">{move || t().month}</option>
                        <option value="quarter">{move || t().quarter}</option>
                        <option value="year">{move || t().whole_year}</option>
                        <option value="range">{move || t().date_range}</option>
                    </select>
                </label>
                <label class="field">
                    <span>{move || t().year}</span>
                    <input name="year" type="number" inputmode="numeric" value=year.get_untracked() on:change=move |ev| {
                        if let Ok(y) = event_target_value(&ev).parse() { year.set(y) }
                    } />
                </label>
                <Show when=move || kind.with(|k| k == "month" || k == "quarter")>
                    <label class="field">
                        <span>{move || if kind.with(|k| k == "month") { t().month } else { t().quarter }}</span>
                        <input name="month" type="number" min="1" max="12" value="1" on:change=move |ev| {
                            if let Ok(m) = event_target_value(&ev).parse() { month.set(m) }
                        } />
                    </label>
                </Show>
                <Show when=move || kind.with(|k| k == "range")>
                    <label class="field"><span>{move || t().from}</span><input name="from" type="date" on:change=move |ev| from.set(event_target_value(&ev)) /></label>
                    <label class="field"><span>{move || t().to}</span><input name="to" type="date" on:change=move |ev| to.set(event_target_value(&ev)) /></label>
                </Show>
                <div class="actions">
                    <button class="primary" on:click=print>{move || t().print}</button>
                    <button on:click=export_csv>{move || t().export_csv}</button>
                    <button on:click=export_xlsx>{move || t().export_xlsx}</button>
                </div>
                {move || xlsx_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </div>
            {move || report.get().map(|r| {
                let heads = headings(&r.period);
                let spans = r.category_spans();
                let title = format!("{}（{}）", r.title, r.period.label);
                let rows = r.rows.iter().enumerate().map(|(i, row)| {
                    let span = spans.iter().find(|s| s.0 == i).map(|s| s.1);
                    let class = match row.schedule {
                        Schedule::Overdue => "overdue",
                        Schedule::AtRisk => "at-risk",
                        _ => "",
                    };
                    let item = row.item.clone();
                    let text = row.status.clone();
                    let shown = marked(row);
                    view! {
                        <tr class=class data-testid="report-row">
                            {span.map(|n| view! {
                                <td rowspan=n class="num">{row.number.clone()}</td>
                                <td rowspan=n>{row.category.clone()}</td>
                            })}
                            <td>{row.content.clone()}</td>
                            <td>{row.departments.clone()}</td>
                            <td class="status">
                                <p class="print-only">{shown}</p>
                                <textarea class="screen-only" aria-label=move || format!("{} {}", t().report_status, row_number(i)) rows="5"
                                    on:change=move |ev| save_edit(item.clone(), event_target_value(&ev))>{text}</textarea>
                            </td>
                        </tr>
                    }
                }).collect::<Vec<_>>();
                view! {
                    <h2 class="report-title">{title}</h2>
                    <table class="report-table" data-testid="report-table">
                        <thead><tr>{heads.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect::<Vec<_>>()}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
            })}
        </section>
    }
}

fn row_number(i: usize) -> String {
    format!("{}", i + 1)
}
