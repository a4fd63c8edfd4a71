//! The record-progress form: one tap from an item or a site, today and the current
//! inspector by default, errors next to their fields, saved on the device at once.
//!
//! Inputs are uncontrolled (set once, read on input), so a pinyin composition is never
//! interrupted by a re-render.

use chrono::NaiveDate;
use jindu_core::edit::Edit;
use jindu_core::model::{DateSpec, Location, Photo, Precision, Record, RecordStatus};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::num;
use crate::photos::{LocationButton, PhotoPicker};
use crate::state::AppState;

/// The choices the form offers: sites, targets, stages, packages, milestones.
type Options = (
    Vec<(String, String)>,
    Vec<(String, String)>,
    Vec<(String, String)>,
    Vec<(String, String)>,
    Vec<(String, String)>,
);

#[derive(Clone, Default)]
struct Form {
    observed: String,
    site: String,
    target: String,
    stage: String,
    package: String,
    milestone: String,
    figure: String,
    percent: String,
    status: String,
    note: String,
    problem: String,
    next_step: String,
    /// 预计完成 as the date input holds it (YYYY-MM-DD), and as the record held it.
    expected: String,
    expected_was: Option<DateSpec>,
}

fn status_code(s: Option<RecordStatus>) -> &'static str {
    match s {
        None => "",
        Some(RecordStatus::NotStarted) => "not_started",
        Some(RecordStatus::InProgress) => "in_progress",
        Some(RecordStatus::Done) => "done",
        Some(RecordStatus::Delayed) => "delayed",
        Some(RecordStatus::Rectifying) => "rectifying",
        Some(RecordStatus::Accepted) => "accepted",
    }
}

fn status_of(code: &str) -> Option<RecordStatus> {
    match code {
        "not_started" => Some(RecordStatus::NotStarted),
        "in_progress" => Some(RecordStatus::InProgress),
        "done" => Some(RecordStatus::Done),
        "delayed" => Some(RecordStatus::Delayed),
        "rectifying" => Some(RecordStatus::Rectifying),
        "accepted" => Some(RecordStatus::Accepted),
        _ => None,
    }
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

#[component]
pub fn RecordPage() -> impl IntoView {
    let state = AppState::expect();
    let item = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let (site_q, correct) =
        use_query_map().with_untracked(|q| (q.get("site").unwrap_or_default(), q.get("correct")));
    let existing = correct.as_ref().and_then(|id| {
        state.with_plan_untracked(|p| {
            p.records
                .iter()
                .find(|r| &r.id == id)
                .map(|r| r.record.clone())
        })
    });
    let today = state.today().to_string();
    let initial = match &existing {
        Some(r) => Form {
            observed: r.observed.to_string(),
            site: r.site.clone().unwrap_or_default(),
            target: r.target.clone().unwrap_or_default(),
            stage: r.stage.clone().unwrap_or_default(),
            package: r.package.clone().unwrap_or_default(),
            milestone: r.milestone.clone().unwrap_or_default(),
            figure: r.figure.map(num).unwrap_or_default(),
            percent: r.percent.map(num).unwrap_or_default(),
            status: status_code(r.status).into(),
            note: r.note.clone(),
            problem: r.problem.clone(),
            next_step: r.next_step.clone(),
            expected: r
                .expected
                .as_ref()
                .map(|e| e.date.to_string())
                .unwrap_or_default(),
            expected_was: r.expected.clone(),
        },
        None => Form {
            observed: today,
            site: site_q,
            ..Form::default()
        },
    };
    let form = RwSignal::new(initial.clone());
    // The evidence: photos and the location as the record held them, and when the
    // tablet first saved it (a correction keeps that time).
    let photos: RwSignal<Vec<Photo>> = RwSignal::new(
        existing
            .as_ref()
            .map(|r| r.photos.clone())
            .unwrap_or_default(),
    );
    let location: RwSignal<Option<Location>> =
        RwSignal::new(existing.as_ref().and_then(|r| r.location));
    let captured = existing.as_ref().and_then(|r| r.captured);
    let error: RwSignal<Option<(Option<String>, String)>> = RwSignal::new(None);
    let saved = RwSignal::new(false);
    let author = move || {
        state
            .account()
            .map_or_else(|| state.with_settings(|s| s.author.clone()), |a| a.name)
    };
    let number = {
        let item = item.clone();
        move || {
            state.with_plan(|p| {
                p.item(&item)
                    .map(|i| {
                        format!(
                            "{} {}",
                            p.display_number(i),
                            i.content.chars().take(40).collect::<String>()
                        )
                    })
                    .unwrap_or_default()
            })
        }
    };
    let options = {
        let item = item.clone();
        Memo::new(move |_| {
            let f = form.get();
            state.with_plan(|p| {
                let plan = p;
                let sites: Vec<(String, String)> = plan
                    .sites_of(&item)
                    .filter_map(|s| plan.site(&s.site).map(|x| (x.id.clone(), x.name.clone())))
                    .collect();
                let targets: Vec<(String, String)> = plan
                    .targets_of(&item)
                    .map(|t| {
                        (
                            t.id.clone(),
                            format!("{} ({}{})", t.name, num(t.quantity), t.unit),
                        )
                    })
                    .collect();
                let stages: Vec<(String, String)> = plan
                    .stages_of(&f.target)
                    .map(|s| (s.id.clone(), s.name.clone()))
                    .collect();
                let packages: Vec<(String, String)> = plan
                    .packages_of_item(&item)
                    .filter(|p| f.site.is_empty() || p.site == f.site)
                    .map(|p| (p.id.clone(), format!("{}{}", p.label, p.name)))
                    .collect();
                let milestones: Vec<(String, String)> = plan
                    .milestones_of(&item)
                    .map(|m| (m.id.clone(), m.text.clone()))
                    .collect();
                (sites, targets, stages, packages, milestones)
            })
        })
    };
    let set = move |f: fn(&mut Form, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            form.update(|x| f(x, v));
            saved.set(false);
        }
    };
    let field_error = move |name: &'static str| {
        move || {
            error.with(|e| match e {
            Some((Some(f), msg)) if f == name => Some(view! { <p class="error" role="alert" data-testid=format!("error-{name}")>{msg.clone()}</p> }),
            _ => None,
        })
        }
    };
    let navigate = leptos_router::hooks::use_navigate();
    let submit = {
        let item = item.clone();
        let correct = correct.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let f = form.get_untracked();
            let who = state.author_name();
            if who.trim().is_empty() {
                error.set(Some((Some("by".into()), state.t().name_needed.into())));
                return;
            }
            let observed = match chrono::NaiveDate::parse_from_str(&f.observed, "%Y-%m-%d") {
                Ok(d) => d,
                Err(_) => {
                    error.set(Some((
                        Some("observed".into()),
                        format!("{}: {}", state.t().observed_on, state.t().required),
                    )));
                    return;
                }
            };
            let number = |field: &'static str, s: &str| -> Result<Option<f64>, ()> {
                if s.trim().is_empty() {
                    return Ok(None);
                }
                s.trim()
                    .parse::<f64>()
                    .map(Some)
                    .map_err(|_| error.set(Some((Some(field.into()), format!("{field}: '{s}'")))))
            };
            let Ok(figure) = number("figure", &f.figure) else {
                return;
            };
            let Ok(percent) = number("percent", &f.percent) else {
                return;
            };
            // 预计完成: a date picked on the form is a day; one the record held as words
            // (6月25日左右, 9月中下旬) stays as it was while its date is not changed.
            let expected = match f.expected.trim() {
                "" => None,
                s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    Ok(d) => Some(match &f.expected_was {
                        Some(was) if was.date == d => was.clone(),
                        _ => DateSpec::day(d, "", Precision::Day),
                    }),
                    Err(_) => {
                        error.set(Some((Some("expected".into()), format!("expected: '{s}'"))));
                        return;
                    }
                },
            };
            let record = Record {
                observed,
                author: who,
                item: item.clone(),
                site: opt(&f.site),
                target: opt(&f.target),
                stage: opt(&f.stage),
                package: opt(&f.package),
                milestone: opt(&f.milestone),
                figure,
                percent,
                status: status_of(&f.status),
                note: f.note.trim().to_owned(),
                problem: f.problem.trim().to_owned(),
                next_step: f.next_step.trim().to_owned(),
                expected,
                // A version written on the form is the inspector's, even when it
                // corrects an imported record.
                imported: false,
                photos: photos.get_untracked(),
                location: location.get_untracked(),
                captured: Some(captured.unwrap_or_else(|| js_sys::Date::now() as i64)),
            };
            let edit = match &correct {
                Some(id) => Edit::CorrectRecord {
                    id: id.clone(),
                    record,
                },
                None => Edit::AddRecord { record },
            };
            match state.edit(edit) {
                Ok(_) => {
                    error.set(None);
                    saved.set(true);
                    navigate(&format!("/items/{item}?saved=1"), Default::default());
                }
                Err(e) => {
                    let field = e.field().map(|f| {
                        if f == "observed" {
                            "observed".to_string()
                        } else {
                            f.to_string()
                        }
                    });
                    error.set(Some((field, crate::i18n::describe_error(&e, state.lang()))));
                }
            }
        }
    };
    let select = move |name: &'static str,
                       label: fn(&crate::i18n::Texts) -> &'static str,
                       pick: fn(&Options) -> Vec<(String, String)>,
                       current: fn(&Form) -> String,
                       setter: fn(&mut Form, String)| {
        view! {
            <Show when=move || !options.with(|o| pick(o).is_empty())>
                <label class="field">
                    <span>{move || label(state.t())}</span>
                    <select name=name on:change=set(setter)>
                        <option value="">{move || state.t().none}</option>
                        {move || { let cur = form.with_untracked(current); options.with(pick).into_iter().map(|(id, n)| { let sel = id == cur; view! { <option value=id selected=sel>{n}</option> } }).collect::<Vec<_>>() }}
                    </select>
                    {field_error(name)}
                </label>
            </Show>
        }
    };
    let back = format!("/items/{item}");
    view! {
        <section class="page record" aria-labelledby="record-title">
            <h1 id="record-title">{move || if correct.is_some() { state.t().correct } else { state.t().record_progress }}</h1>
            <p class="muted">{number}</p>
            <form on:submit=submit data-testid="record-form" novalidate>
                <label class="field">
                    <span>{move || state.t().observed_on}</span>
                    <input name="observed" type="date" value=initial.observed.clone() on:input=set(|f, v| f.observed = v) />
                    {field_error("observed")}
                </label>
                <p class="field"><span>{move || state.t().inspector}</span>" "<strong data-testid="inspector">{author}</strong></p>
                {field_error("by")}
                {select("site", |t| t.site, |o| o.0.clone(), |f| f.site.clone(), |f, v| f.site = v)}
                {select("target", |t| t.target, |o| o.1.clone(), |f| f.target.clone(), |f, v| { f.target = v; f.stage.clear(); })}
                {select("stage", |t| t.stage, |o| o.2.clone(), |f| f.stage.clone(), |f, v| f.stage = v)}
                {select("package", |t| t.package, |o| o.3.clone(), |f| f.package.clone(), |f, v| f.package = v)}
                {select("milestone", |t| t.milestone, |o| o.4.clone(), |f| f.milestone.clone(), |f, v| f.milestone = v)}
                <div class="row">
                    <label class="field">
                        <span>{move || state.t().figure}</span>
                        <input name="figure" type="number" inputmode="decimal" step="any" min="0" value=initial.figure.clone() on:input=set(|f, v| f.figure = v) />
                        {field_error("figure")}
                    </label>
                    <label class="field">
                        <span>{move || state.t().percent}</span>
                        <input name="percent" type="number" inputmode="decimal" step="any" min="0" max="100" value=initial.percent.clone() on:input=set(|f, v| f.percent = v) />
                        {field_error("percent")}
                    </label>
                </div>
                <fieldset class="field status-choices">
                    <legend>{move || state.t().status}</legend>
                    {[("not_started", RecordStatus::NotStarted), ("in_progress", RecordStatus::InProgress), ("done", RecordStatus::Done), ("delayed", RecordStatus::Delayed), ("rectifying", RecordStatus::Rectifying), ("accepted", RecordStatus::Accepted)].into_iter().map(|(code, s)| {
                        let checked = initial.status == code;
                        view! {
                            <label class="choice">
                                <input type="radio" name="status" value=code checked=checked on:change=set(|f, v| f.status = v) />
                                <span>{move || state.t().record_status(s)}</span>
                            </label>
                        }
                    }).collect::<Vec<_>>()}
                </fieldset>
                <PhotoPicker photos=photos />
                <LocationButton location=location />
                <label class="field">
                    <span>{move || state.t().note}</span>
                    <textarea name="note" rows="4" on:input=set(|f, v| f.note = v)>{initial.note.clone()}</textarea>
                    {field_error("note")}
                </label>
                <label class="field">
                    <span>{move || state.t().problem}</span>
                    <textarea name="problem" rows="2" on:input=set(|f, v| f.problem = v)>{initial.problem.clone()}</textarea>
                    {field_error("problem")}
                </label>
                <label class="field">
                    <span>{move || state.t().next_step}</span>
                    <textarea name="next_step" rows="2" on:input=set(|f, v| f.next_step = v)>{initial.next_step.clone()}</textarea>
                    {field_error("next_step")}
                </label>
                <label class="field">
                    <span>{move || state.t().expected}</span>
                    <input name="expected" type="date" value=initial.expected.clone() on:input=set(|f, v| f.expected = v) />
                    {field_error("expected")}
                </label>
                {move || error.with(|e| match e {
                    Some((None, msg)) => Some(view! { <p class="error" role="alert">{msg.clone()}</p> }),
                    Some((Some(f), msg)) if !["observed", "by", "site", "target", "stage", "package", "milestone", "figure", "percent", "note", "problem", "next_step", "expected"].contains(&f.as_str()) => Some(view! { <p class="error" role="alert">{msg.clone()}</p> }),
                    _ => None,
                })}
                <div class="actions">
                    <button type="submit" class="primary big">{move || state.t().save}</button>
                    <A href=back.clone() attr:class="button">{move || state.t().back}</A>
                </div>
                <Show when=move || saved.get()>
                    <p class="saved" role="status" data-testid="saved">{move || state.t().saved}</p>
                </Show>
            </form>
        </section>
    }
}
