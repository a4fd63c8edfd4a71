//! The overview, items, item, sites and site pages.

use std::collections::HashMap;

use jindu_core::model::{Item, Plan, RecordView};
use jindu_core::progress::{
    deadlines, item_progress, item_schedule, item_schedule_with, latest, overview,
    package_progress, site_progress, target_progress, Due, Schedule,
};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::components::{num, pct, ProgressBar, ScheduleChip};
use crate::editor::{AddButton, ConflictList, EditButton};
use crate::photos::Thumbs;
use crate::state::AppState;

/// The height of one row of the items list with its gap, in CSS pixels (as
/// `style/main.css` sets it). The list renders only the rows in view, placed by this.
const ROW: f64 = 176.0;
/// Rows rendered beyond each edge of the view, so a fling shows rows, not gaps.
const OVERSCAN: usize = 3;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let state = AppState::expect();
    let today = move || state.as_of();
    let title = move || state.title();
    let as_of_value = move || state.as_of().to_string();
    // Every figure of the page from one pass over the items, once per change.
    let figures = Memo::new(move |_| {
        state.with_plan(|p| crate::perf::span("jindu:overview", || overview(p, today())))
    });
    let overall = Memo::new(move |_| figures.with(|f| f.plan.clone()));
    let counts = Memo::new(move |_| figures.with(|f| (f.overdue, f.at_risk)));
    let categories = move || {
        state.with_plan(|p| {
            p.categories
                .iter()
                .enumerate()
                .map(|(n, c)| (n, c.id.clone(), c.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    let latest = move || {
        state.with_plan(|p| {
            let plan = p;
            // Records are in observation order: the newest are at the end.
            plan.records
                .iter()
                .rev()
                .take(5)
                .cloned()
                .map(|r| {
                    let number = plan
                        .item(&r.record.item)
                        .map(|i| plan.display_number(i))
                        .unwrap_or_default();
                    (r, number)
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="page overview" aria-labelledby="overview-title">
            <h1 id="overview-title">{title}</h1>
            <label class="as-of">
                <span>{move || state.t().as_of}</span>
                <input name="as-of" type="date" prop:value=as_of_value
                    on:change=move |ev| state.set_as_of(chrono::NaiveDate::parse_from_str(&event_target_value(&ev), "%Y-%m-%d").ok()) />
                <Show when=move || state.as_of_set()>
                    <button on:click=move |_| state.set_as_of(None)>{move || state.t().today}</button>
                </Show>
            </label>
            <crate::review::ToFixList />
            <div class="card summary">
                <h2>{move || state.t().plan_progress}</h2>
                <ProgressBar progress=overall label=Signal::derive(move || state.t().plan_progress.to_string()) />
                <p class="counts">
                    <A href="/items?status=overdue" attr:class="chip overdue" attr:data-testid="overdue-count">
                        {move || format!("{} {}", state.t().overdue, counts.get().0)}
                    </A>
                    <A href="/items?status=at_risk" attr:class="chip at-risk" attr:data-testid="at-risk-count">
                        {move || format!("{} {}", state.t().at_risk, counts.get().1)}
                    </A>
                </p>
            </div>
            <ul class="categories" aria-label=move || state.t().category>
                <For each=categories key=|c| c.1.clone() let:c>
                    {
                        let id = c.1.clone();
                        let progress = Memo::new(move |_| {
                            figures.with(|f| {
                                f.categories
                                    .iter()
                                    .find(|(c, _)| *c == id)
                                    .map(|(_, p)| p.clone())
                                    .unwrap_or_else(jindu_core::progress::Progress::none)
                            })
                        });
                        let name = c.2.clone();
                        let label = Signal::derive({ let name = name.clone(); move || name.clone() });
                        let count = {
                            let id = c.1.clone();
                            move || state.with_plan(|p| p.items_of(&id).count())
                        };
                        let href = format!("/items?category={}", c.1);
                        view! {
                            <li class="card category" data-testid="category-card">
                                <A href=href>
                                    <h2><span class="num">{c.0 + 1}</span>" "{name.clone()}</h2>
                                </A>
                                <ProgressBar progress label />
                                <p class="muted">{move || format!("{} {}", count(), state.t().items_count)}</p>
                            </li>
                        }
                    }
                </For>
            </ul>
            <div class="card">
                <h2>{move || state.t().latest_records}</h2>
                <Show when=move || state.with_plan(|p| !p.records.is_empty()) fallback=move || view! { <p>{move || state.t().no_records}</p> }>
                    <ul class="records">
                        {move || latest().into_iter().map(|(r, number)| view! {
                            <li>
                                <A href=format!("/items/{}", r.record.item)>
                                    <strong>{number}</strong>" "<span class="muted">{r.record.observed.to_string()}" · "{r.record.author.clone()}</span>
                                    <p class="note">{r.record.note.chars().take(80).collect::<String>()}</p>
                                </A>
                            </li>
                        }).collect::<Vec<_>>()}
                    </ul>
                </Show>
            </div>
        </section>
    }
}

fn matches_filters(plan: &Plan, item: &Item, f: &Filters, today: chrono::NaiveDate) -> bool {
    if !f.category.is_empty() && item.category != f.category {
        return false;
    }
    if !f.department.is_empty() && !item.departments.contains(&f.department) {
        return false;
    }
    if !f.site.is_empty() && !plan.sites_of(&item.id).any(|s| s.site == f.site) {
        return false;
    }
    if !f.status.is_empty() {
        let s = item_schedule(plan, item, today);
        let name = match s {
            Schedule::Done => "done",
            Schedule::OnTrack => "on_track",
            Schedule::AtRisk => "at_risk",
            Schedule::Overdue => "overdue",
        };
        if name != f.status {
            return false;
        }
    }
    if !f.text.trim().is_empty() {
        let q = f.text.trim();
        let in_sites = plan
            .sites_of(&item.id)
            .any(|s| plan.site(&s.site).is_some_and(|x| x.name.contains(q)));
        if !item.content.contains(q) && !item.departments.iter().any(|d| d.contains(q)) && !in_sites
        {
            return false;
        }
    }
    true
}

#[derive(Clone, Default, PartialEq)]
struct Filters {
    category: String,
    department: String,
    site: String,
    status: String,
    text: String,
}

#[component]
pub fn ItemsPage() -> impl IntoView {
    let state = AppState::expect();
    let query = leptos_router::hooks::use_query_map();
    let initial = query.with_untracked(|q| Filters {
        category: q.get("category").unwrap_or_default(),
        status: q.get("status").unwrap_or_default(),
        site: q.get("site").unwrap_or_default(),
        ..Filters::default()
    });
    let filters = RwSignal::new(initial);
    // Where the list is scrolled to and how tall its view is, in pixels.
    let scroll = RwSignal::new((0.0, viewport_height()));
    let rows = Memo::new(move |_| {
        let f = filters.get();
        let today = state.as_of();
        state.with_plan(|p| {
            let plan = p;
            plan.items
                .iter()
                .filter(|i| matches_filters(plan, i, &f, today))
                .map(|i| i.id.clone())
                .collect::<Vec<_>>()
        })
    });
    // The rows in view (with the overscan), as positions in `rows`.
    let window = Memo::new(move |_| {
        let (top, height) = scroll.get();
        let n = rows.with(Vec::len);
        let start = ((top / ROW) as usize).saturating_sub(OVERSCAN).min(n);
        let end = (((top + height) / ROW).ceil() as usize + OVERSCAN).min(n);
        (start, end)
    });
    // Changes whenever what a row shows may have changed, so rows are built again.
    let generation = Memo::new(move |g: Option<&u64>| {
        state.track_plan();
        let _ = state.as_of();
        g.map_or(0, |g| g + 1)
    });
    // Rows read in this generation, by id: scrolling reads only the rows new to the view.
    let cache = StoredValue::new((u64::MAX, HashMap::<String, RowData>::new()));
    let visible = Memo::new(move |_| {
        let (start, end) = window.get();
        let today = state.as_of();
        let generation = generation.get();
        cache.update_value(|(g, c)| {
            if *g != generation || c.len() > 2_000 {
                c.clear();
                *g = generation;
            }
        });
        rows.with(|ids| {
            state.with_plan(|p| {
                let mut out = Vec::with_capacity(end - start);
                for (k, id) in ids[start..end].iter().enumerate() {
                    let known = cache.with_value(|(_, c)| c.get(id).cloned());
                    let row = known.or_else(|| {
                        let row = RowData::read(p, id, today, 0, generation)?;
                        cache.update_value(|(_, c)| {
                            c.insert(id.clone(), row.clone());
                        });
                        Some(row)
                    });
                    if let Some(row) = row {
                        out.push(RowData {
                            position: start + k,
                            ..row
                        });
                    }
                }
                out
            })
        })
    });
    let departments = Memo::new(move |_| {
        state.with_plan(|p| {
            let mut d: Vec<String> = p.items.iter().flat_map(|i| i.departments.clone()).collect();
            d.sort();
            d.dedup();
            d
        })
    });
    let set = move |f: fn(&mut Filters, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            filters.update(|x| f(x, v));
        }
    };
    let list = NodeRef::<leptos::html::Div>::new();
    let on_scroll = move |_| {
        if let Some(el) = list.get_untracked() {
            let height = f64::from(el.client_height()).max(1.0);
            scroll.set((f64::from(el.scroll_top()), height));
        }
    };
    // A new filter shows its rows from the top.
    Effect::new(move |_| {
        filters.track();
        if let Some(el) = list.get_untracked() {
            el.set_scroll_top(0);
        }
        scroll.update(|s| s.0 = 0.0);
    });
    let count = move || rows.with(Vec::len);
    let selected = move |f: fn(&Filters) -> String, v: String| move || filters.with(|x| f(x) == v);
    view! {
        <section class="page items" aria-labelledby="items-title">
            <h1 id="items-title">{move || state.t().items}</h1>
            <div class="filters">
                <input
                    type="search"
                    aria-label=move || state.t().search
                    placeholder=move || state.t().search
                    on:input=set(|f, v| f.text = v)
                />
                <label>
                    <span>{move || state.t().category}</span>
                    <select on:change=set(|f, v| f.category = v)>
                        <option value="" selected=selected(|f| f.category.clone(), String::new())>{move || state.t().all}</option>
                        {move || state.with_plan(|p| p.categories.iter().map(|c| {
                            let id = c.id.clone();
                            view! { <option value=c.id.clone() selected=selected(|f| f.category.clone(), id)>{c.name.clone()}</option> }
                        }).collect::<Vec<_>>())}
                    </select>
                </label>
                <label>
                    <span>{move || state.t().department}</span>
                    <select on:change=set(|f, v| f.department = v)>
                        <option value="">{move || state.t().all}</option>
                        {move || departments.get().into_iter().map(|d| view! { <option value=d.clone()>{d.clone()}</option> }).collect::<Vec<_>>()}
                    </select>
                </label>
                <label>
                    <span>{move || state.t().site}</span>
                    <select on:change=set(|f, v| f.site = v)>
                        <option value="">{move || state.t().all}</option>
                        {move || state.with_plan(|p| p.sites.iter().map(|s| {
                            let id = s.id.clone();
                            view! { <option value=s.id.clone() selected=selected(|f| f.site.clone(), id)>{s.name.clone()}</option> }
                        }).collect::<Vec<_>>())}
                    </select>
                </label>
                <label>
                    <span>{move || state.t().status}</span>
                    <select on:change=set(|f, v| f.status = v)>
                        <option value="">{move || state.t().all}</option>
                        {[("overdue", Schedule::Overdue), ("at_risk", Schedule::AtRisk), ("on_track", Schedule::OnTrack), ("done", Schedule::Done)].into_iter().map(|(v, s)| view! {
                            <option value=v selected=selected(|f| f.status.clone(), v.to_string())>{move || state.t().schedule(s)}</option>
                        }).collect::<Vec<_>>()}
                    </select>
                </label>
            </div>
            <Show when=move || state.is_office()>
                <div class="actions">
                    <AddButton kind=jindu_core::model::Kind::Category parent=None label=|t| t.add_category />
                    <AddButton kind=jindu_core::model::Kind::Item parent=None label=|t| t.add_item />
                </div>
            </Show>
            <p class="muted" role="status" data-testid="item-count" data-count=count>{move || format!("{} {}", count(), state.t().items_count)}</p>
            // The scroller holds a list as tall as all rows, padded where rows are not
            // rendered.
            <div class="item-list" on:scroll=on_scroll node_ref=list data-testid="item-list">
                <ul
                    aria-label=move || state.t().items
                    style:padding-top=move || format!("{}px", window.get().0 as f64 * ROW)
                    style:padding-bottom=move || format!("{}px", (count() - window.get().1) as f64 * ROW)
                >
                    <For each=move || visible.get() key=|r| (r.generation, r.id.clone()) let:row>
                        <ItemRow row setsize=count() />
                    </For>
                </ul>
            </div>
        </section>
    }
}

/// What one row of the items list shows, read once for the rows in view.
#[derive(Clone, Debug, PartialEq)]
struct RowData {
    id: String,
    /// Position in the filtered list, from 0.
    position: usize,
    number: String,
    content: String,
    departments: String,
    progress: jindu_core::progress::Progress,
    schedule: Schedule,
    /// The list's generation when read (a key part: rows are rebuilt when it changes).
    generation: u64,
}

impl RowData {
    fn read(
        plan: &Plan,
        id: &str,
        today: chrono::NaiveDate,
        position: usize,
        generation: u64,
    ) -> Option<RowData> {
        let item = plan.item(id)?;
        let progress = item_progress(plan, item, today);
        Some(RowData {
            id: id.to_owned(),
            position,
            number: plan.display_number(item),
            content: item.content.clone(),
            departments: item.departments.join("、"),
            schedule: item_schedule_with(plan, item, &progress, today),
            progress,
            generation,
        })
    }
}

/// The list's view height before it is laid out: the window's (the list is never taller).
fn viewport_height() -> f64 {
    web_sys::window()
        .and_then(|w| w.inner_height().ok())
        .and_then(|h| h.as_f64())
        .unwrap_or(1024.0)
}

#[component]
fn ItemRow(row: RowData, setsize: usize) -> impl IntoView {
    let RowData {
        id,
        position,
        number,
        content,
        departments,
        progress,
        schedule,
        ..
    } = row;
    let label = number.clone();
    view! {
        // A plain link (the router still handles the tap): rows come and go as the list
        // scrolls, and the router's link component costs more to build.
        <li class="card item-row" data-testid="item-row" aria-posinset=position + 1 aria-setsize=setsize>
            <a href=format!("/items/{id}")>
                <div class="row-head">
                    <span class="num">{number.clone()}</span>
                    <ScheduleChip schedule />
                </div>
                <p class="content">{content}</p>
                <p class="muted depts">{departments}</p>
            </a>
            <ProgressBar progress label />
        </li>
    }
}

/// The reactive item for the route's `:id`.
fn route_id() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()))
}

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
fn RecordRow(record: RecordView, what: String) -> impl IntoView {
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
    let captured = r.captured.map(|ms| {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        format!(
            "{}-{:02}-{:02} {:02}:{:02}",
            d.get_full_year(),
            d.get_month() + 1,
            d.get_date(),
            d.get_hours(),
            d.get_minutes()
        )
    });
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

#[component]
pub fn SitesPage() -> impl IntoView {
    let state = AppState::expect();
    let rows = Memo::new(move |_| {
        state.with_plan(|p| {
            let plan = p;
            let mut items = std::collections::HashMap::<&str, usize>::new();
            for x in &plan.item_sites {
                *items.entry(x.site.as_str()).or_default() += 1;
            }
            let mut v: Vec<(String, String, usize)> = plan
                .sites
                .iter()
                .map(|s| {
                    let n = items.get(s.id.as_str()).copied().unwrap_or(0);
                    (s.id.clone(), s.name.clone(), n)
                })
                .collect();
            v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
            v
        })
    });
    view! {
        <section class="page sites" aria-labelledby="sites-title">
            <h1 id="sites-title">{move || state.t().sites}</h1>
            <Show when=move || state.is_office()>
                <AddButton kind=jindu_core::model::Kind::Site parent=None label=|t| t.add_site />
            </Show>
            <ul class="site-list">
                <For each=move || rows.get() key=|s| s.0.clone() let:s>
                    <li class="card"><A href=format!("/sites/{}", s.0)><strong>{s.1}</strong>" "<span class="muted">{format!("{} {}", s.2, state.t().items_count)}</span></A></li>
                </For>
            </ul>
        </section>
    }
}

#[component]
pub fn SitePage() -> impl IntoView {
    let state = AppState::expect();
    let id = route_id();
    let site = Memo::new(move |_| state.with_plan(|p| p.site(&id.get()).cloned()));
    let work = Memo::new(move |_| {
        let sid = id.get();
        state.with_plan(|p| {
            let plan = p;
            plan.item_sites
                .iter()
                .filter(|x| x.site == sid)
                .filter_map(|x| {
                    let item = plan.item(&x.item)?;
                    let prog = site_progress(plan, &item.id, &sid, state.as_of());
                    let packages: Vec<String> = plan
                        .packages_of(&item.id, &sid)
                        .map(|wp| {
                            let pp = package_progress(plan, &wp.id, state.as_of());
                            format!("{}{} {}", wp.label, wp.name, pct(pp.percent))
                        })
                        .collect();
                    Some((
                        item.id.clone(),
                        plan.display_number(item),
                        item.content.clone(),
                        x.deadline.clone(),
                        prog,
                        packages,
                    ))
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="page site" aria-labelledby="site-title">
            <h1 id="site-title">{move || site.with(|s| s.as_ref().map(|s| s.name.clone()).unwrap_or_else(|| state.t().not_found.to_string()))}</h1>
            <p class="muted">{move || site.with(|s| s.as_ref().map(|s| s.aliases.join("、")).unwrap_or_default())}</p>
            <Show when=move || state.is_office()>
                <EditButton entity=id.get_untracked() />
            </Show>
            <h2>{move || state.t().items_here}</h2>
            <ul class="item-list">
                {move || work.get().into_iter().map(|(iid, number, content, deadline, prog, packages)| {
                    let p = Signal::derive(move || prog.clone());
                    let label = number.clone();
                    let sid = id.get_untracked();
                    view! {
                        <li class="card" data-testid="site-work">
                            <A href=format!("/items/{iid}")><span class="num">{number.clone()}</span>" "<span class="content">{content}</span></A>
                            {deadline.map(|d| view! { <p class="muted">{format!("{} {} ({})", state.t().deadline, d.date, d.text)}</p> })}
                            <ProgressBar progress=p label=Signal::derive(move || label.clone()) />
                            <ul class="packages">{packages.into_iter().map(|x| view! { <li>{x}</li> }).collect::<Vec<_>>()}</ul>
                            <A href=format!("/items/{iid}/record?site={sid}") attr:class="button primary">{move || state.t().record_progress}</A>
                        </li>
                    }
                }).collect::<Vec<_>>()}
            </ul>
            <SiteRecords site=id.get_untracked() />
        </section>
    }
}

/// The records made at a site, newest first, with their photos and reasons.
#[component]
fn SiteRecords(site: String) -> impl IntoView {
    let state = AppState::expect();
    let rows = Memo::new(move |_| {
        state.with_plan(|plan| {
            let mut v: Vec<(RecordView, String)> = plan
                .records
                .iter()
                .filter(|r| r.record.site.as_deref() == Some(site.as_str()))
                .map(|r| {
                    let what = plan
                        .item(&r.record.item)
                        .map(|i| {
                            let short: String = i.content.chars().take(30).collect();
                            format!("{} {short}", plan.display_number(i))
                        })
                        .unwrap_or_default();
                    (r.clone(), what)
                })
                .collect();
            v.sort_by(|a, b| {
                (b.0.record.observed, b.0.stamp).cmp(&(a.0.record.observed, a.0.stamp))
            });
            v
        })
    });
    view! {
        <Show when=move || !rows.with(Vec::is_empty)>
            <div class="card">
                <h2>{move || state.t().history}</h2>
                <ul class="records" data-testid="site-records">
                    <For each=move || rows.get() key=|r| (r.0.id.clone(), r.0.stamp) let:r>
                        <RecordRow record=r.0 what=r.1 />
                    </For>
                </ul>
            </div>
        </Show>
    }
}
