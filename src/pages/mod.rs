//! The app's pages of the plan: the overview and the items list here; an item's page
//! ([`item`]) and the sites' pages ([`sites`]).

mod item;
mod sites;

pub use item::ItemPage;
pub use sites::{SitePage, SitesPage};

use std::collections::HashMap;

use jindu_core::model::{Item, Plan};
use jindu_core::progress::{item_progress, item_schedule, item_schedule_with, Schedule};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::components::{ProgressBar, ScheduleChip};
use crate::editor::AddButton;
use crate::state::AppState;

/// The height of one row of the items list with its gap, in CSS pixels (as
/// `style/main.css` sets it). The list renders only the rows in view, placed by this.
const ROW: f64 = 176.0;
/// Rows rendered beyond each edge of the view, so a fling shows rows, not gaps.
const OVERSCAN: usize = 3;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let state = AppState::expect();
    let title = move || state.title();
    let as_of_value = move || state.as_of().to_string();
    // Every figure of the page, once per change: from the stored summary until the plan
    // is read, then from the plan.
    let summary = Memo::new(move |_| state.summary());
    let overall = Memo::new(move |_| summary.with(|s| s.progress.clone()));
    let counts = Memo::new(move |_| summary.with(|s| (s.overdue, s.at_risk)));
    let categories = move || {
        summary.with(|s| {
            s.categories
                .iter()
                .enumerate()
                .map(|(n, c)| (n, c.id.clone(), c.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    let latest = Memo::new(move |_| summary.with(|s| s.latest.clone()));
    let has_records = Memo::new(move |_| summary.with(|s| s.has_records));
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
                <For each=categories key=|c| c.clone() let:c>
                    {
                        let id = c.1.clone();
                        let figures = Memo::new(move |_| {
                            summary.with(|s| {
                                s.categories
                                    .iter()
                                    .find(|x| x.id == id)
                                    .map(|x| (x.progress.clone(), x.items))
                                    .unwrap_or_else(|| (jindu_core::progress::Progress::none(), 0))
                            })
                        });
                        let progress = Signal::derive(move || figures.with(|f| f.0.clone()));
                        let name = c.2.clone();
                        let label = Signal::derive({ let name = name.clone(); move || name.clone() });
                        let href = format!("/items?category={}", c.1);
                        view! {
                            <li class="card category" data-testid="category-card">
                                <A href=href>
                                    <h2><span class="num">{c.0 + 1}</span>" "{name.clone()}</h2>
                                </A>
                                <ProgressBar progress label />
                                <p class="muted">{move || format!("{} {}", figures.with(|f| f.1), state.t().items_count)}</p>
                            </li>
                        }
                    }
                </For>
            </ul>
            <div class="card">
                <h2>{move || state.t().latest_records}</h2>
                <Show when=move || has_records.get() fallback=move || view! { <p>{move || state.t().no_records}</p> }>
                    <ul class="records">
                        {move || latest.get().into_iter().map(|r| view! {
                            <li>
                                <A href=format!("/items/{}", r.item)>
                                    <strong>{r.number}</strong>" "<span class="muted">{r.observed.to_string()}" · "{r.author}</span>
                                    <p class="note">{r.note}</p>
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
pub(crate) fn route_id() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()))
}
