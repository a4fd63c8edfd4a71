//! The report page: the period's progress table in the seed's layout, editable before it
//! is issued, printed (A4 landscape) or exported as CSV or .xlsx.
//!
//! Schedule marks (【逾期】, 【有风险】) are shown on screen; what is printed and
//! exported carries them only when the office ticks 标注逾期/风险.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use jindu_core::doc::Doc;
use jindu_core::progress::Schedule;
use jindu_core::report::evidence::annex;
use jindu_core::report::{build_as_of, mark, plan_year, Period, Report, ReportError};
use leptos::prelude::*;

use crate::i18n::Texts;
use crate::photos::EvidenceAnnex;
use crate::settings::download;
use crate::state::AppState;
use crate::storage;

/// The period chosen on the page: `None` while a range lacks a day.
fn period_for(
    kind: &str,
    year: i32,
    n: u32,
    from: &str,
    to: &str,
) -> Option<Result<Period, ReportError>> {
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    Some(match kind {
        "cumulative" => Period::cumulative(year, n),
        "year" => Period::year(year),
        "month" => Period::month(year, n),
        "quarter" => Period::quarter(year, n),
        _ => Period::range(day(from)?, day(to)?),
    })
}

/// Why there is no table, in the interface's language.
fn problem(t: &Texts, e: &ReportError) -> &'static str {
    match e {
        ReportError::EndsBeforeStart { .. } => t.period_ends_before_start,
        ReportError::NoSuchMonth { .. } => t.no_such_month,
        ReportError::NoSuchQuarter(_) => t.no_such_quarter,
        ReportError::AsOfBeforeStart { .. } => t.as_of_before_start,
        ReportError::EmptyPlan => t.empty_plan,
    }
}

/// The month a cumulative period runs to at first: this month while the plan's year
/// runs, else the end of the plan's first reporting period (the built-in plan's 1-6月),
/// else December.
fn first_through(plan: &jindu_core::Plan, today: NaiveDate) -> u32 {
    let meta = plan.meta.as_ref();
    if meta.is_some_and(|m| m.year == today.year()) {
        return today.month();
    }
    meta.and_then(|m| m.periods.first())
        .map_or(12, |p| p.end.month())
}

fn edits_key(plan: &str, period: &Period) -> String {
    format!("{plan}.{}.{}", period.start, period.end)
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let state = AppState::expect();
    let today = state.today();
    let year = RwSignal::new(state.with_plan_untracked(|p| plan_year(p, today.year())));
    let kind = RwSignal::new("cumulative".to_string());
    let through = RwSignal::new(state.with_plan_untracked(|p| first_through(p, today)));
    let month = RwSignal::new(1u32);
    let (from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let as_of = RwSignal::new(String::new());
    let marks = RwSignal::new(false);
    let with_annex = RwSignal::new(false);
    let period = Memo::new(move |_| {
        let n = if kind.with(|k| k == "cumulative") {
            through.get()
        } else {
            month.get()
        };
        period_for(&kind.get(), year.get(), n, &from.get(), &to.get())
    });
    let edits: RwSignal<BTreeMap<String, String>> = RwSignal::new(BTreeMap::new());
    // The office's edits are kept per plan and period on this device.
    Effect::new(move |_| {
        if let Some(Ok(p)) = period.get() {
            let plan = state.with_plan_untracked(|v| v.id.clone());
            edits.set(storage::load_report_edits(&edits_key(&plan, &p)));
        }
    });
    let report = Memo::new(move |_| -> Option<Result<Report, ReportError>> {
        let p = match period.get()? {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        let day = NaiveDate::parse_from_str(&as_of.get(), "%Y-%m-%d").unwrap_or(p.end);
        let e = edits.get();
        let marks = marks.get();
        Some(state.with_plan(|plan| {
            build_as_of(plan, &p, day).map(|r| r.with_override(&e).with_marks(marks))
        }))
    });
    let ready = move || report.get_untracked().and_then(Result::ok);
    let save_edit = move |item: String, text: String| {
        edits.update(|m| {
            m.insert(item, text);
        });
        if let Some(Ok(p)) = period.get_untracked() {
            let plan = state.with_plan_untracked(|v| v.id.clone());
            state.report_storage(storage::save_report_edits(
                &edits_key(&plan, &p),
                &edits.get_untracked(),
            ));
        }
    };
    let export_csv = move |_| {
        if let Some(r) = ready() {
            download(&r.file_name("csv"), "text/csv;charset=utf-8", &r.to_csv());
        }
    };
    let xlsx_error: RwSignal<Option<String>> = RwSignal::new(None);
    let export_xlsx = move |_| {
        let Some(r) = ready() else {
            return;
        };
        let doc = state.with_doc_untracked(Doc::clone);
        let photos = state.with_plan_untracked(|p| annex(p, &r.period, r.as_of));
        let (base, token) = state.media_endpoint();
        leptos::task::spawn_local(async move {
            // The 照片 sheet: each photo's thumbnail, from this device or the server; one
            // neither has now is left out of the sheet.
            let mut with_bytes = Vec::new();
            for p in photos {
                let thumb = p.photo.thumb.clone();
                if let Some(b) = crate::media::bytes(&base, token.as_deref(), &doc.id, &thumb).await
                {
                    with_bytes.push((p, b));
                }
            }
            match crate::xlsx::export(&r, &doc, &with_bytes).await {
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
    let number_input = move |name: &'static str, max: u32, value: RwSignal<u32>| {
        view! {
            <input name=name type="number" inputmode="numeric" min="1" max=max prop:value=move || value.get().to_string()
                on:change=move |ev| { if let Ok(m) = event_target_value(&ev).parse() { value.set(m) } } />
        }
    };
    view! {
        <section class="page report" aria-labelledby="report-title">
            <div class="report-controls">
                <h1 id="report-title">{move || t().report}</h1>
                <label class="field">
                    <span>{move || t().period}</span>
                    <select name="period-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="cumulative" selected=true>{move || t().cumulative}</option>
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
                <Show when=move || kind.with(|k| k == "cumulative")>
                    <label class="field">
                        <span>{move || t().through_month}</span>
                        {number_input("through", 12, through)}
                    </label>
                </Show>
                <Show when=move || kind.with(|k| k == "month" || k == "quarter")>
                    <label class="field">
                        <span>{move || if kind.with(|k| k == "month") { t().month } else { t().quarter }}</span>
                        {number_input("month", 12, month)}
                    </label>
                </Show>
                <Show when=move || kind.with(|k| k == "range")>
                    <label class="field"><span>{move || t().from}</span><input name="from" type="date" on:change=move |ev| from.set(event_target_value(&ev)) /></label>
                    <label class="field"><span>{move || t().to}</span><input name="to" type="date" on:change=move |ev| to.set(event_target_value(&ev)) /></label>
                </Show>
                <label class="field">
                    <span>{move || t().as_of}</span>
                    <input name="report-as-of" type="date" title=move || t().report_as_of_hint
                        on:change=move |ev| as_of.set(event_target_value(&ev)) />
                </label>
                <label class="field check">
                    <input name="marks" type="checkbox" prop:checked=move || marks.get()
                        on:change=move |ev| marks.set(event_target_checked(&ev)) />
                    <span>{move || t().report_marks}</span>
                </label>
                <label class="field check">
                    <input name="annex" type="checkbox" prop:checked=move || with_annex.get()
                        on:change=move |ev| with_annex.set(event_target_checked(&ev)) />
                    <span>{move || t().evidence_annex}</span>
                </label>
                <div class="actions">
                    <button class="primary" on:click=print>{move || t().print}</button>
                    <button on:click=export_csv>{move || t().export_csv}</button>
                    <button on:click=export_xlsx>{move || t().export_xlsx}</button>
                </div>
                {move || xlsx_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </div>
            {move || match report.get() {
                None => view! { <p class="hint" data-testid="report-problem">{t().period_incomplete}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="report-problem">{problem(t(), &e)}</p> }.into_any(),
                Some(Ok(r)) => table(r, t, save_edit).into_any(),
            }}
            {move || with_annex.get().then(|| report.get().and_then(Result::ok).map(|r| view! { <EvidenceAnnex period=r.period.clone() as_of=r.as_of /> }))}
        </section>
    }
}

/// The table: merged 序号, 项目类别 and 责任科室 cells, an editable status cell with the
/// screen's mark, and the text as printed.
fn table(
    r: Report,
    t: impl Fn() -> &'static Texts + Copy + Send + Sync + 'static,
    save_edit: impl Fn(String, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let heads = r.headings();
    let categories = r.category_spans();
    let departments = r.department_spans();
    let title = format!("{}（{}）", r.title, r.period.label);
    let starting =
        |spans: &[(usize, usize)], i: usize| spans.iter().find(|s| s.0 == i).map(|s| s.1);
    let rows = r
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let class = match row.schedule {
                Schedule::Overdue => "overdue",
                Schedule::AtRisk => "at-risk",
                _ => "",
            };
            let item = row.item.clone();
            let text = row.status.clone();
            let shown = r.printed(row);
            let flag = mark(row);
            let dept = starting(&departments, i).map(|n| {
                view! { <td rowspan=n class="departments">{row.departments.clone()}</td> }
            });
            view! {
                <tr class=class data-testid="report-row">
                    {starting(&categories, i).map(|n| view! {
                        <td rowspan=n class="num">{row.number.clone()}</td>
                        <td rowspan=n>{row.category.clone()}</td>
                    })}
                    <td>{row.content.clone()}</td>
                    {dept}
                    <td class="status">
                        <p class="print-only">{shown}</p>
                        {(!flag.is_empty()).then(|| view! { <span class="mark screen-only" data-testid="report-mark">{flag}</span> })}
                        <textarea class="screen-only" aria-label=move || format!("{} {}", t().report_status, i + 1) rows="5"
                            on:change=move |ev| save_edit(item.clone(), event_target_value(&ev))>{text}</textarea>
                    </td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    let class = if r.marks {
        "report-table with-marks"
    } else {
        "report-table"
    };
    view! {
        <h2 class="report-title">{title}</h2>
        <table class=class data-testid="report-table">
            <thead><tr>{heads.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect::<Vec<_>>()}</tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
