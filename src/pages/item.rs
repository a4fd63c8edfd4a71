//! An item's page: its content, targets, milestones, sites and the record history with
//! each record's figures, photos, reasons and actions.

use jindu_core::model::{Item, RecordView};
use jindu_core::progress::{
    deadlines, item_progress, item_schedule_with, latest, package_progress, site_progress,
    target_progress, Due, Schedule,
};
use leptos::prelude::*;
use leptos_router::components::A;

use super::route_id;
use crate::components::{num, pct, ProgressBar, ScheduleChip};
use crate::editor::{AddButton, ConflictList, EditButton};
use crate::photos::Thumbs;
use crate::state::AppState;

#[component]
pub fn ItemPage() -> impl IntoView {
    let state = AppState::expect();
    let id = route_id();
    let item = Memo::new(move |_| state.with_plan(|p| p.item(&id.get()).cloned()));
    view! {
        <Show when=move || item.with(Option::is_some) fallback=move || view! { <section class="page"><h1>{move || state.t().not_found}</h1></section> }>
            <ItemDetail id=id.get() />
        </Show>
    }
}

#[component]
fn ItemDetail(id: String) -> impl IntoView {
    let state = AppState::expect();
    let today = move || state.as_of();
    let data = {
        let id = id.clone();
        Memo::new(move |_| {
            state.with_plan(|p| {
                let plan = p;
                let item = plan.item(&id).cloned()?;
                Some((
                    plan.display_number(&item),
                    plan.category(&item.category)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    item,
                ))
            })
        })
    };
    let progress = Memo::new(move |_| {
        state
            .with_plan(|p| data.with(|d| d.as_ref().map(|(_, _, i)| item_progress(p, i, today()))))
            .unwrap_or_else(jindu_core::progress::Progress::none)
    });
    // Judged with the progress above, not computed again.
    let schedule = Memo::new(move |_| {
        let progress = progress.get();
        state
            .with_plan(|p| {
                data.with(|d| {
                    d.as_ref()
                        .map(|(_, _, i)| item_schedule_with(p, i, &progress, today()))
                })
            })
            .unwrap_or(Schedule::OnTrack)
    });
    let field = move |f: fn(&Item) -> String| {
        move || data.with(|d| d.as_ref().map(|(_, _, i)| f(i)).unwrap_or_default())
    };
    let item_id = id.clone();
    let record_href = format!("/items/{id}/record");
    let saved = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("saved").is_some());
    view! {
        <section class="page item" aria-labelledby="item-title">
            <p class="muted">{move || data.with(|d| d.as_ref().map(|d| d.1.clone()).unwrap_or_default())}</p>
            <h1 id="item-title"><span class="num">{move || data.with(|d| d.as_ref().map(|d| d.0.clone()).unwrap_or_default())}</span>" "<ScheduleChip schedule /></h1>
            {saved.then(|| view! { <p class="saved" role="status" data-testid="saved">{move || state.t().saved}</p> })}
            <p class="content" data-testid="item-content">{field(|i| i.content.clone())}</p>
            <dl class="facts">
                <dt>{move || state.t().department}</dt><dd>{field(|i| i.departments.join("、"))}</dd>
                <dt>{move || state.t().deadline}</dt><dd>{field(|i| i.deadline.as_ref().map(|d| format!("{} ({})", d.date, d.text)).unwrap_or_else(|| "—".into()))}</dd>
            </dl>
            <ProgressBar progress label=Signal::derive(move || state.t().plan_progress.to_string()) />
            <div class="actions">
                <A href=record_href attr:class="button primary big">{move || state.t().record_progress}</A>
                <Show when=move || state.is_office()>
                    <EditButton entity=item_id.clone() />
                </Show>
            </div>
            <ConflictList item=id.clone() />
            <Targets item=id.clone() />
            <Milestones item=id.clone() />
            <Sites item=id.clone() />
            <RecordHistory item=id.clone() />
        </section>
    }
}

/// A card with a heading, shown when it has something to list (or, for the office, always,
/// so that the first entry can be added).
#[component]
fn Section(
    /// The heading.
    title: Signal<&'static str>,
    /// Whether the card shows.
    show: Signal<bool>,
    children: ChildrenFn,
) -> impl IntoView {
    view! {
        <Show when=move || show.get()>
            <div class="card">
                <h2>{move || title.get()}</h2>
                {children()}
            </div>
        </Show>
    }
}

#[component]
fn Targets(item: String) -> impl IntoView {
    let state = AppState::expect();
    let rows = {
        let item = item.clone();
        Memo::new(move |_| {
            state.with_plan(|p| {
                let plan = p;
                plan.targets_of(&item)
                    .map(|t| {
                        let prog = target_progress(plan, t, state.as_of());
                        let stages: Vec<(String, String, Option<f64>)> = plan
                            .stages_of(&t.id)
                            .map(|s| {
                                let fig = latest(plan, &s.id, state.as_of(), |r| {
                                    r.record.stage.as_deref() == Some(&s.id)
                                        && r.record.figure.is_some()
                                })
                                .and_then(|r| r.record.figure);
                                (s.id.clone(), s.name.clone(), fig)
                            })
                            .collect();
                        (t.clone(), prog, stages)
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    let item = StoredValue::new(item);
    let office = move || state.is_office();
    view! {
        <Section title=Signal::derive(move || state.t().targets) show=Signal::derive(move || !rows.with(Vec::is_empty) || office())>
                <ul class="targets">
                    {move || rows.get().into_iter().map(|(t, prog, stages)| {
                        let achieved = match &prog.basis {
                            jindu_core::progress::Basis::Count { achieved, .. } => Some(*achieved),
                            jindu_core::progress::Basis::Recurring { count, .. } => Some(*count),
                            _ => None,
                        };
                        let figure = match (&t.recurring, achieved) {
                            (Some(r), a) => format!("{} / {}{} {}", a.map(num).unwrap_or_else(|| "—".into()), num(r.per_month), t.unit, "/月"),
                            (None, a) => format!("{} / {}{}", a.map(num).unwrap_or_else(|| "—".into()), num(t.quantity), t.unit),
                        };
                        let p = Signal::derive(move || prog.clone());
                        let name = t.name.clone();
                        let tid = t.id.clone();
                        view! {
                            <li data-testid="target">
                                <p><strong>{t.name.clone()}</strong>" "<span class="figure">{figure}</span>
                                    <Show when=office><EditButton entity=tid.clone() /></Show>
                                </p>
                                <ProgressBar progress=p label=Signal::derive(move || name.clone()) />
                                <ul class="stages">
                                    {stages.into_iter().map(|(_, n, f)| view! { <li>{n}": "{f.map(num).unwrap_or_else(|| "—".into())}</li> }).collect::<Vec<_>>()}
                                </ul>
                                <Show when=office><AddButton kind=jindu_core::model::Kind::Stage parent=Some(t.id.clone()) label=|t| t.add_stage /></Show>
                            </li>
                        }
                    }).collect::<Vec<_>>()}
                </ul>
                <Show when=office><AddButton kind=jindu_core::model::Kind::Target parent=Some(item.get_value()) label=|t| t.add_target /></Show>
        </Section>
    }
}

#[component]
fn Milestones(item: String) -> impl IntoView {
    let state = AppState::expect();
    let rows = {
        let item = item.clone();
        Memo::new(move |_| {
            state.with_plan(|p| {
                let plan = p;
                let Some(i) = plan.item(&item) else {
                    return Vec::new();
                };
                let judged = deadlines(plan, i, state.as_of());
                plan.milestones_of(&item)
                    .map(|m| {
                        let s = judged
                            .iter()
                            .find(|d| d.what == Due::Milestone(m.id.clone()))
                            .map(|d| d.schedule)
                            .unwrap_or(Schedule::OnTrack);
                        (m.clone(), s)
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    let item = StoredValue::new(item);
    let office = move || state.is_office();
    view! {
        <Section title=Signal::derive(move || state.t().milestones) show=Signal::derive(move || !rows.with(Vec::is_empty) || office())>
                <ol class="timeline">
                    {move || rows.get().into_iter().map(|(m, s)| {
                        let revised = m.revised.as_ref().map(|r| format!(" → {} {} ({})", state.t().revised, r.date, r.text));
                        let mid = m.id.clone();
                        view! {
                            <li class=format!("milestone {s:?}").to_lowercase() data-testid="milestone">
                                <span class="date">{m.due.date.to_string()}</span>
                                " "<ScheduleChip schedule=Signal::derive(move || s) />
                                <p>{m.text.clone()}<span class="muted">{format!(" ({})", m.due.text)}{revised}</span></p>
                                <Show when=office><EditButton entity=mid.clone() /></Show>
                            </li>
                        }
                    }).collect::<Vec<_>>()}
                </ol>
                <Show when=office><AddButton kind=jindu_core::model::Kind::Milestone parent=Some(item.get_value()) label=|t| t.add_milestone /></Show>
        </Section>
    }
}

#[component]
fn Sites(item: String) -> impl IntoView {
    let state = AppState::expect();
    let rows = {
        let item = item.clone();
        Memo::new(move |_| {
            state.with_plan(|p| {
                let plan = p;
                plan.sites_of(&item)
                    .map(|s| {
                        let name = plan
                            .site(&s.site)
                            .map(|x| x.name.clone())
                            .unwrap_or_default();
                        let prog = site_progress(plan, &item, &s.site, state.as_of());
                        let packages: Vec<(String, String, String)> = plan
                            .packages_of(&item, &s.site)
                            .map(|wp| {
                                let pp = package_progress(plan, &wp.id, state.as_of());
                                let last = latest(plan, &wp.id, state.as_of(), |r| {
                                    r.record.package.as_deref() == Some(&wp.id)
                                });
                                let status = match (pp.percent, last.and_then(|r| r.record.status))
                                {
                                    (Some(v), _)
                                        if wp.measure == jindu_core::model::Measure::Percent =>
                                    {
                                        pct(Some(v))
                                    }
                                    (_, Some(st)) => state.t().record_status(st).to_string(),
                                    _ => "—".to_string(),
                                };
                                (format!("{}{}", wp.label, wp.name), status, wp.id.clone())
                            })
                            .collect();
                        (s.site.clone(), name, s.deadline.clone(), prog, packages)
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    let item = StoredValue::new(item);
    let office = move || state.is_office();
    view! {
        <Section title=Signal::derive(move || state.t().sites) show=Signal::derive(move || !rows.with(Vec::is_empty) || office())>
                <ul class="sites">
                    {move || rows.get().into_iter().map(|(sid, name, deadline, prog, packages)| {
                        let p = Signal::derive(move || prog.clone());
                        let label = name.clone();
                        let item = item.get_value();
                        view! {
                            <li data-testid="item-site">
                                <p><A href=format!("/sites/{sid}")><strong>{name.clone()}</strong></A>
                                    {deadline.map(|d| format!(" · {} {}", d.date, d.text))}
                                    " "<A href=format!("/items/{item}/record?site={sid}") attr:class="button">{move || state.t().record_progress}</A>
                                </p>
                                <ProgressBar progress=p label=Signal::derive(move || label.clone()) />
                                <ul class="packages" aria-label=move || state.t().work_packages>
                                    {packages.into_iter().map(|(n, s, _)| view! { <li><span>{n}</span>" "<span class="figure">{s}</span></li> }).collect::<Vec<_>>()}
                                </ul>
                                <Show when=office><AddButton kind=jindu_core::model::Kind::Package parent=Some(format!("{item}|{sid}")) label=|t| t.add_package /></Show>
                            </li>
                        }
                    }).collect::<Vec<_>>()}
                </ul>
                <Show when=office><AddButton kind=jindu_core::model::Kind::ItemSite parent=Some(item.get_value()) label=|t| t.add_site /></Show>
        </Section>
    }
}

#[component]
fn RecordHistory(item: String) -> impl IntoView {
    let state = AppState::expect();
    let rows = {
        let item = item.clone();
        Memo::new(move |_| {
            state.with_plan(|p| {
                let plan = p;
                let mut v: Vec<(RecordView, String)> = plan
                    .records_of(&item)
                    .map(|r| {
                        let mut what = Vec::new();
                        if let Some(s) = r.record.site.as_ref().and_then(|s| plan.site(s)) {
                            what.push(s.name.clone());
                        }
                        if let Some(t) = r.record.target.as_ref().and_then(|t| plan.target(t)) {
                            what.push(t.name.clone());
                        }
                        if let Some(s) = r.record.stage.as_ref().and_then(|t| plan.stage(t)) {
                            what.push(s.name.clone());
                        }
                        if let Some(s) = r.record.package.as_ref().and_then(|t| plan.package(t)) {
                            what.push(s.name.clone());
                        }
                        (r.clone(), what.join(" · "))
                    })
                    .collect();
                v.sort_by(|a, b| {
                    (b.0.record.observed, b.0.stamp).cmp(&(a.0.record.observed, a.0.stamp))
                });
                v
            })
        })
    };
    view! {
        <div class="card">
            <h2>{move || state.t().history}</h2>
            <Show when=move || !rows.with(Vec::is_empty) fallback=move || view! { <p>{move || state.t().no_records}</p> }>
                <ul class="records" data-testid="record-history">
                    <For each=move || rows.get() key=|r| (r.0.id.clone(), r.0.stamp) let:r>
                        <RecordRow record=r.0 what=r.1 />
                    </For>
                </ul>
            </Show>
        </div>
    }
}

#[component]
pub(super) fn RecordRow(record: RecordView, what: String) -> impl IntoView {
    let state = AppState::expect();
    // With an account, a record is this tablet's when its account signed it (and the
    // office may correct any); without, when it carries this tablet's name.
    let mine = match state.with_settings_untracked(|s| s.account.clone()) {
        Some(a) => *record.signer.account == *a.id || a.is_office(),
        None => record.record.author == state.author_name() && !record.record.author.is_empty(),
    };
    let verified = !record.signer.is_none();
    let writer = record.signer.name.to_string();
    let r = record.record.clone();
    let mut figures = Vec::new();
    if let Some(n) = r.figure {
        figures.push(num(n));
    }
    if let Some(p) = r.percent {
        figures.push(pct(Some(p)));
    }
    let status = r.status;
    let distance = crate::photos::distance_words(state, r.location, r.site.as_deref());
    // When the tablet saved it, in the tablet's own time zone.
    let captured = r
        .captured
        .map(|ms| crate::issued::local_time(ms.max(0) as u64));
    let id = record.id.clone();
    let del_id = record.id.clone();
    let correct_href = format!("/items/{}/record?correct={}", r.item, record.id);
    let on_delete = move |_| {
        let ok = web_sys::window()
            .and_then(|w| w.confirm_with_message(state.t().confirm_delete).ok())
            .unwrap_or(false);
        if ok {
            let _ = state.edit(jindu_core::edit::Edit::DeleteRecord { id: del_id.clone() });
        }
    };
    view! {
        <li class="record" data-testid="record" data-record-id=id>
            <p class="meta">
                <strong>{r.observed.to_string()}</strong>
                {captured.map(|c| view! { " "<span class="muted" data-testid="captured">{move || format!("({} {c})", state.t().saved_at)}</span> })}
                " · "{r.author.clone()}" "
                <span class="writer" data-testid="writer" data-verified=verified.to_string()>
                    {move || if verified {
                        format!("({} ✓{})", writer, state.t().verified)
                    } else {
                        format!("({})", state.t().unverified)
                    }}
                </span>
                {r.imported.then(|| view! { <span class="chip" data-testid="record-imported">{move || state.t().imported_record}</span> })}
                {(record.versions > 1).then(|| view! { <span class="muted">{move || format!(" ({})", state.t().corrected)}</span> })}
            </p>
            <p>
                <span class="what">{what}</span>" "
                <span class="figure">{figures.join(" · ")}</span>" "
                {status.map(|s| view! { <span class="chip">{move || state.t().record_status(s)}</span> })}
            </p>
            <p class="note">{r.note.clone()}</p>
            <crate::review::ReviewControls record=record.clone() />
            {(!r.problem.is_empty()).then(|| { let v = r.problem.clone(); view! { <p class="problem" data-testid="record-problem"><strong>{move || state.t().problem}</strong>"：" {v}</p> } })}
            {(!r.next_step.is_empty()).then(|| { let v = r.next_step.clone(); view! { <p class="next-step" data-testid="record-next-step"><strong>{move || state.t().next_step}</strong>"：" {v}</p> } })}
            {r.expected.clone().map(|e| { let shown = if e.text.is_empty() { e.date.to_string() } else { e.text.clone() }; view! { <p class="expected" data-testid="record-expected"><strong>{move || state.t().expected}</strong>"：" {shown}</p> } })}
            {(!r.photos.is_empty()).then(|| { let ph = r.photos.clone(); view! { <Thumbs photos=Signal::derive(move || ph.clone()) /> } })}
            {r.location.map(|l| view! {
                <p class="location" data-testid="record-location">
                    <strong>{move || state.t().location}</strong>
                    {format!("：{:.5}, {:.5} ±{:.0} ", l.lat, l.lon, l.accuracy)}{move || state.t().metres}
                    {distance.clone().map(|d| format!(" · {d}"))}
                </p>
            })}
            {mine.then(|| view! {
                <div class="actions">
                    <A href=correct_href attr:class="button">{move || state.t().correct}</A>
                    <button class="danger" on:click=on_delete>{move || state.t().delete}</button>
                </div>
            })}
        </li>
    }
}
