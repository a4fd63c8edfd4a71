//! The supervision bulletin (督查通报) on the report page: the period's counts and the
//! annex of the items behind schedule with their 存在问题 and 下步措施, on screen and in
//! print (its Excel sheet and Word pages come from the exchange module).

use jindu_core::report::Bulletin;
use leptos::prelude::*;

use crate::state::AppState;

#[component]
pub fn BulletinView(bulletin: Bulletin) -> impl IntoView {
    let state = AppState::expect();
    let t = move || state.t();
    let c = bulletin.counts;
    let rows = bulletin
        .annex
        .iter()
        .map(|e| {
            let problem = if e.concern.from_note {
                format!("（{}）{}", t().latest_note, e.concern.problem)
            } else {
                e.concern.problem.clone()
            };
            view! {
                <tr data-testid="bulletin-row">
                    <td class="num">{e.number.clone()}</td>
                    <td>{e.content.clone()}</td>
                    <td>{e.departments.clone()}</td>
                    <td>{e.standing()}</td>
                    <td>{problem}</td>
                    <td>{e.concern.next_step.clone()}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <section class="bulletin" data-testid="bulletin" aria-labelledby="bulletin-title">
            <h2 id="bulletin-title">{bulletin.heading()}</h2>
            <p data-testid="bulletin-summary">{bulletin.summary()}</p>
            <dl class="facts bulletin-counts">
                <dt>{move || t().done_count}</dt><dd data-testid="bulletin-done">{c.done}</dd>
                <dt>{move || t().on_schedule_count}</dt><dd data-testid="bulletin-on-schedule">{c.on_schedule}</dd>
                <dt>{move || t().behind_count}</dt><dd data-testid="bulletin-behind">{c.behind}</dd>
                <dt>{move || t().overdue_count}</dt><dd data-testid="bulletin-overdue">{c.overdue}</dd>
            </dl>
            <table class="report-table bulletin-annex">
                <thead><tr>
                    <th scope="col">{move || t().number_short}</th>
                    <th scope="col">{move || t().content}</th>
                    <th scope="col">{move || t().department}</th>
                    <th scope="col">{move || t().standing}</th>
                    <th scope="col">{move || t().problem}</th>
                    <th scope="col">{move || t().next_step}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}
