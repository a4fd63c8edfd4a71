//! The office's review of records: 已审核 / 退回 (with a comment) on a record, the
//! record's review shown to everyone (changed since review is computed), and the list of
//! returned records to fix on the overview.

use jindu_core::model::RecordView;
use jindu_core::report::{review_of, to_fix, Verdict};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::state::AppState;

/// A record's review: a chip for everyone, and for the office the review buttons.
#[component]
pub fn ReviewControls(record: RecordView) -> impl IntoView {
    let state = AppState::expect();
    let t = move || state.t();
    let reviewed = {
        let record = record.clone();
        Memo::new(move |_| state.with_doc(|d| review_of(d, &record)))
    };
    let office = move || state.is_office() && state.writes_report();
    let comment = RwSignal::new(String::new());
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let decide = move |verdict: Verdict| {
        let record = record.clone();
        move |_| {
            let said = comment.get_untracked();
            match state.review(&record, verdict, &said) {
                Ok(()) => error.set(None),
                Err(jindu_core::edit::EditError::Empty { .. }) => {
                    error.set(Some(t().review_comment.to_owned()))
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        }
    };
    let chip = move || {
        reviewed.get().map(|s| {
            let (class, text) = if s.changed {
                ("chip changed", t().changed_since_review)
            } else if s.verdict == Verdict::Approved {
                ("chip reviewed", t().reviewed)
            } else {
                ("chip returned", t().returned)
            };
            let comment = (!s.comment.is_empty()).then(|| format!("{}：{}", t().review_comment, s.comment));
            view! {
                <p class="review" data-testid="review-state" data-verdict=format!("{:?}", s.verdict).to_lowercase() data-changed=s.changed.to_string()>
                    <span class=class>{text}</span>" "
                    {comment.map(|c| view! { <span class="review-comment" data-testid="review-comment">{c}</span> })}
                </p>
            }
        })
    };
    let approve = decide(Verdict::Approved);
    let send_back = decide(Verdict::Returned);
    view! {
        {chip}
        <Show when=office>
            <div class="actions review-actions" role="group" aria-label=move || t().review_comment>
                <label class="field">
                    <span>{move || t().review_comment}</span>
                    <input name="review-comment" type="text" prop:value=move || comment.get()
                        on:input=move |ev| comment.set(event_target_value(&ev)) />
                </label>
                <button class="big" data-testid="review-approve" on:click=approve.clone()>{move || t().approve}</button>
                <button class="big danger" data-testid="review-return" on:click=send_back.clone()>{move || t().return_record}</button>
            </div>
        </Show>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}

/// The records the office returned and nobody has corrected yet, with its comment and
/// a link to correct each: what an inspector has to fix.
#[component]
pub fn ToFixList() -> impl IntoView {
    let state = AppState::expect();
    let t = move || state.t();
    let list = Memo::new(move |_| {
        state.with_plan(|plan| {
            state.with_doc(|doc| {
                to_fix(doc, plan)
                    .into_iter()
                    .map(|f| {
                        let item = plan.item(&f.record.record.item);
                        let what = item
                            .map(|i| format!("{} {}", plan.display_number(i), i.content))
                            .unwrap_or_default();
                        (f, what)
                    })
                    .collect::<Vec<_>>()
            })
        })
    });
    view! {
        <Show when=move || !list.with(Vec::is_empty)>
            <section class="card to-fix" aria-labelledby="to-fix-title" data-testid="to-fix">
                <h2 id="to-fix-title">{move || t().to_fix}</h2>
                <ul>
                    <For each=move || list.get() key=|f| (f.0.record.id.clone(), f.0.record.stamp) let:f>
                        {
                            let (fix, what) = f;
                            let r = &fix.record;
                            let href = format!("/items/{}/record?correct={}", r.record.item, r.id);
                            let line = format!("{} · {} · {}", r.record.observed, what, r.record.note);
                            view! {
                                <li data-testid="to-fix-record">
                                    <p>{line}</p>
                                    <p class="review-comment"><strong>{move || t().review_comment}</strong>"："{fix.comment.clone()}" ("{fix.reviewer.clone()}")"</p>
                                    <A href=href attr:class="button big">{move || t().correct}</A>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </section>
        </Show>
    }
}
