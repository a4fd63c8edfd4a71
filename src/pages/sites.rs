//! The sites: the list, and a site's page with the work there and the records made there.

use jindu_core::model::RecordView;
use jindu_core::progress::{package_progress, site_progress};
use leptos::prelude::*;
use leptos_router::components::A;

use super::item::RecordRow;
use super::route_id;
use crate::components::{pct, ProgressBar};
use crate::editor::{AddButton, EditButton};
use crate::state::AppState;

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
