//! Small shared pieces of the interface.

use jindu_core::progress::{Progress, Schedule};
use jindu_core::tablet::Verdict;
use leptos::prelude::*;

use crate::state::AppState;

/// Formats a percentage for display ("—" when unknown).
pub fn pct(p: Option<f64>) -> String {
    match p {
        Some(v) if (v - v.round()).abs() < 0.05 => format!("{v:.0}%"),
        Some(v) => format!("{v:.1}%"),
        None => "—".into(),
    }
}

/// Formats a count without a needless ".0".
pub fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// A labelled progress bar (role `progressbar`, with its value for assistive technology).
#[component]
pub fn ProgressBar(
    /// The progress to show.
    #[prop(into)]
    progress: Signal<Progress>,
    /// What the bar measures, for screen readers.
    #[prop(into)]
    label: Signal<String>,
) -> impl IntoView {
    let state = AppState::expect();
    let value = move || progress.with(|p| p.percent.unwrap_or(0.0));
    let text = move || {
        progress.with(|p| {
            let mut s = pct(p.percent);
            if p.estimate {
                s.push_str(&format!(" ({})", state.t().estimate));
            }
            s
        })
    };
    view! {
        <div class="progress">
            <div
                class="bar"
                role="progressbar"
                aria-label=move || label.get()
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=move || format!("{:.0}", value())
                aria-valuetext=text
            >
                <div class="fill" style:width=move || format!("{:.1}%", value())></div>
            </div>
            <span class="pct">{text}</span>
        </div>
    }
}

/// A coloured schedule chip.
#[component]
pub fn ScheduleChip(#[prop(into)] schedule: Signal<Schedule>) -> impl IntoView {
    let state = AppState::expect();
    let class = move || {
        let s = match schedule.get() {
            Schedule::Done => "done",
            Schedule::OnTrack => "on-track",
            Schedule::AtRisk => "at-risk",
            Schedule::Overdue => "overdue",
        };
        format!("chip {s}")
    };
    view! { <span class=class>{move || state.t().schedule(schedule.get())}</span> }
}

/// Online/offline state, edits not yet synced, the last sync and any error, with a
/// "sync now" button. Tests read `data-state`, `data-pending` and `data-pending-media`
/// (absent until the media worker has answered: a count not yet known is not 0).
#[component]
pub fn SyncBadge() -> impl IntoView {
    let state = AppState::expect();
    let status = Memo::new(move |_| state.status());
    let words = move || {
        let t = state.t();
        match status.get() {
            Verdict::Synced { .. } => t.sync_synced.to_string(),
            Verdict::Pending { count } => format!("{} {count}", t.sync_pending),
            Verdict::Offline { pending, .. } => {
                format!("{} · {} {pending}", t.sync_offline, t.sync_pending)
            }
            Verdict::Error { reason, .. } => format!("{}: {reason}", t.sync_error),
            Verdict::Refused { reason, .. } => format!("{}: {reason}", t.sync_refused),
            Verdict::Revoked { .. } => t.sync_revoked.to_string(),
            // The server's own words (often English) follow the badge's, which say the
            // edits are kept and retried.
            Verdict::ServerFault { pending, reason } => {
                format!(
                    "{} · {} {pending} · {reason}",
                    t.sync_server_fault, t.sync_pending
                )
            }
            Verdict::Rewritten { reason, .. } => format!("{}: {reason}", t.sync_rewritten),
            Verdict::StorageFull { reason, .. } => format!("{}: {reason}", t.sync_storage_full),
        }
    };
    let last = move || {
        let t = state.t();
        let when = state
            .last_synced_ms()
            .map(|ms| {
                let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
                format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
            })
            .unwrap_or_else(|| t.never.to_string());
        format!("{} {when}", t.last_synced)
    };
    let is_error = move || status.get().needs_a_person();
    view! {
        <div
            class="sync-badge"
            data-testid="sync-status"
            data-state=move || status.get().name()
            data-pending=move || status.get().pending().to_string()
            data-last=move || state.last_synced_ms().unwrap_or(0).to_string()
            data-pending-media=move || {
                let media = state.media_status();
                media.known.then(|| media.pending.to_string())
            }
            role="status"
            aria-live="polite"
        >
            <span class="dot" aria-hidden="true"></span>
            <span class="words">{words}</span>
            <span class="last">{last}</span>
            <Show when=move || { state.media_status().pending > 0 }>
                <span class="media-pending" data-testid="media-pending">
                    {move || format!("{} {}", state.t().photos_waiting, state.media_status().pending)}
                </span>
            </Show>
            <button
                class="sync-now"
                on:click=move |_| {
                    if is_error() { state.retry_sync() } else { state.sync_now() }
                }
            >
                {move || state.t().sync_now}
            </button>
        </div>
    }
}
