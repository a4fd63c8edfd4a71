//! The report page: the period's progress table in the seed's layout, editable before it
//! is issued, printed (A4 landscape) or exported as CSV or .xlsx, and issued (签发).
//!
//! The office's cell edits are in the plan document (`jindu_core::report::edits`): they
//! sync, and concurrent edits of one cell show on it as a conflict to resolve. The table
//! can be limited to reviewed records. Issued tables are listed below it, read-only.
//!
//! Schedule marks (【逾期】, 【有风险】) are shown on screen; what is printed and
//! exported carries them only when the office ticks 标注逾期/风险.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use jindu_core::doc::Doc;
use jindu_core::edit::EditError;
use jindu_core::report::evidence::annex;
use jindu_core::report::{
    build_as_of, cell_edits, mark, plan_year, reviewed_only, EditedCell, Period, Report,
    ReportError, Row,
};
use leptos::prelude::*;

use crate::bulletin::BulletinView;
use crate::i18n::Texts;
use crate::issued::IssuedList;
use crate::photos::EvidenceAnnex;
use crate::report_table::table;
use crate::settings::download;
use crate::state::AppState;

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

/// Why a cell edit was not saved, in the interface's language.
fn not_saved(t: &Texts, e: &EditError) -> String {
    match e {
        EditError::TooLong { len, max, .. } => format!("{} {max}（{len}）", t.cell_too_long),
        e => format!("{}：{e}", t.cell_not_saved),
    }
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
    let reviewed = RwSignal::new(false);
    // The office's edits of this period's cells, from the plan document.
    let edits = Memo::new(move |_| match period.get() {
        Some(Ok(p)) => state.with_doc(|d| cell_edits(d, &p)),
        _ => BTreeMap::new(),
    });
    let report = Memo::new(move |_| -> Option<Result<Report, ReportError>> {
        let p = match period.get()? {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        let day = NaiveDate::parse_from_str(&as_of.get(), "%Y-%m-%d").unwrap_or(p.end);
        let marks = marks.get();
        let only = reviewed.get();
        Some(state.with_plan(|plan| {
            let built = if only {
                let limited = state.with_doc(|d| reviewed_only(d, plan));
                build_as_of(&limited, &p, day)
            } else {
                build_as_of(plan, &p, day)
            };
            edits.with(|e| built.map(|r| r.with_cell_edits(e).with_marks(marks)))
        }))
    });
    let ready = move || report.get_untracked().and_then(Result::ok);
    let with_bulletin = RwSignal::new(false);
    // The supervision bulletin of the table's period and day.
    let bulletin_of = move |r: &Report| {
        state.with_plan_untracked(|p| jindu_core::report::bulletin(p, &r.period, r.as_of).ok())
    };
    let cell_errors: RwSignal<BTreeMap<String, String>> = RwSignal::new(BTreeMap::new());
    // A textarea's change event also fires when it loses focus after a sync replaced
    // its text: writing what the cell already shows would silently settle a conflict
    // (or stamp a value nobody changed), so only a different text, or a text chosen
    // with the conflict's button (`chosen`), is written.
    let save_edit = move |item: String, text: String, chosen: bool| {
        let Some(Ok(p)) = period.get_untracked() else {
            return;
        };
        let unchanged = report.with_untracked(|r| {
            matches!(r, Some(Ok(r)) if r.rows.iter().any(|row| row.item == item && row.status == text))
        });
        if unchanged && !chosen {
            return;
        }
        let result = state.set_cell(&p, &item, &text);
        cell_errors.update(|m| match result {
            Ok(()) => {
                m.remove(&item);
            }
            Err(e) => {
                m.insert(item, not_saved(state.t(), &e));
            }
        });
    };
    let issue_error: RwSignal<Option<String>> = RwSignal::new(None);
    let issue_now = move |_| {
        let Some(r) = ready() else {
            return;
        };
        let ok = web_sys::window()
            .and_then(|w| w.confirm_with_message(state.t().issue_confirm).ok())
            .unwrap_or(false);
        if ok {
            issue_error.set(state.issue(&r).err().map(|e| e.to_string()));
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
            let b = bulletin_of(&r);
            match crate::xlsx::export_with(&r, &doc, &with_bytes, b.as_ref()).await {
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
    let export_docx = move |_| {
        let Some(r) = ready() else {
            return;
        };
        let b = bulletin_of(&r);
        leptos::task::spawn_local(async move {
            match crate::xlsx::export_docx(Some(&r), b.as_ref()).await {
                Ok(bytes) => {
                    xlsx_error.set(None);
                    download(
                        &r.file_name("docx"),
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
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
                <label class="field check">
                    <input name="bulletin" type="checkbox" prop:checked=move || with_bulletin.get()
                        on:change=move |ev| with_bulletin.set(event_target_checked(&ev)) />
                    <span>{move || t().show_bulletin}</span>
                </label>
                <label class="field check">
                    <input name="reviewed-only" type="checkbox" prop:checked=move || reviewed.get()
                        on:change=move |ev| reviewed.set(event_target_checked(&ev)) />
                    <span>{move || t().reviewed_only}</span>
                </label>
                <div class="actions">
                    <button class="primary" on:click=print>{move || t().print}</button>
                    <button on:click=export_csv>{move || t().export_csv}</button>
                    <button on:click=export_xlsx>{move || t().export_xlsx}</button>
                    <button on:click=export_docx>{move || t().export_word}</button>
                    <Show when=move || state.writes_report()>
                        <button class="primary" data-testid="issue-button" on:click=issue_now>{move || t().issue}</button>
                    </Show>
                </div>
                {move || xlsx_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                {move || issue_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </div>
            {move || match report.get() {
                None => view! { <p class="hint" data-testid="report-problem">{t().period_incomplete}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="report-problem">{problem(t(), &e)}</p> }.into_any(),
                Some(Ok(r)) => {
                    let writable = state.writes_report();
                    let cells = edits.get();
                    table(&r, |i, row| status_cell(&r, i, row, &cells, writable, t, save_edit, cell_errors)).into_any()
                }
            }}
            {move || with_bulletin.get().then(|| report.get().and_then(Result::ok).and_then(|r| bulletin_of(&r)).map(|b| view! { <BulletinView bulletin=b /> }))}
            {move || with_annex.get().then(|| report.get().and_then(Result::ok).map(|r| view! { <EvidenceAnnex period=r.period.clone() as_of=r.as_of /> }))}
            <IssuedList />
        </section>
    }
}

/// A status cell on the report page: the text as printed, the screen's mark, the
/// office's editable text with why an edit was not saved, and the texts of concurrent
/// edits to choose from.
#[allow(clippy::too_many_arguments)]
fn status_cell(
    r: &Report,
    i: usize,
    row: &Row,
    cells: &BTreeMap<String, EditedCell>,
    writable: bool,
    t: impl Fn() -> &'static Texts + Copy + Send + Sync + 'static,
    save_edit: impl Fn(String, String, bool) + Copy + Send + Sync + 'static,
    errors: RwSignal<BTreeMap<String, String>>,
) -> AnyView {
    let item = row.item.clone();
    let text = row.status.clone();
    let shown = r.printed(row);
    let flag = mark(row);
    let conflict = cells
        .get(&row.item)
        .map(|c| c.conflict.clone())
        .unwrap_or_default();
    let error = {
        let item = item.clone();
        move || errors.with(|m| m.get(&item).cloned())
    };
    let edit_item = item.clone();
    let choices = (!conflict.is_empty()).then(|| {
        let values = conflict
            .into_iter()
            .map(|v| {
                let item = item.clone();
                let chosen = v.text.clone();
                let when = crate::issued::local_time(jindu_core::hlc::stamp_ms(v.stamp));
                view! {
                    <li>
                        <p class="value">{v.text.clone()}</p>
                        <p class="muted">{format!("{} · {} · {when}", v.author, v.device)}</p>
                        <button class="big" on:click=move |_| save_edit(item.clone(), chosen.clone(), true)>{move || t().keep_this}</button>
                    </li>
                }
            })
            .collect::<Vec<_>>();
        view! {
            <div class="cell-conflict screen-only" role="group" aria-label=move || t().conflicts data-testid="cell-conflict">
                <p>{move || t().cell_conflict}</p>
                <ul class="choices">{values}</ul>
            </div>
        }
    });
    view! {
        <p class="print-only">{shown}</p>
        {(!flag.is_empty()).then(|| view! { <span class="mark screen-only" data-testid="report-mark">{flag}</span> })}
        <textarea class="screen-only" name=format!("cell-{}", i + 1) aria-label=move || format!("{} {}", t().report_status, i + 1) rows="5"
            readonly=!writable prop:value=text
            on:change=move |ev| save_edit(edit_item.clone(), event_target_value(&ev), false)></textarea>
        {move || error().map(|e| view! { <p class="error" role="alert" data-testid="cell-error">{e}</p> })}
        {choices}
    }
    .into_any()
}
