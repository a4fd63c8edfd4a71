//! The sync service: when the open plan's rounds run and where.
//!
//! A round runs at start, every minute and when the browser says it is back online (all
//! three set up in `lib.rs`), on *Sync now*, after another plan is opened, and a couple of
//! seconds after the last edit or an imported backup (edits in a burst go together). One
//! round runs at a time: a round asked for while one runs follows it. When the browser
//! knows it has no network the tablet says offline at once, without a round; while the
//! endpoint is unreachable, a retry follows after 3 s, 6 s, 12 s … up to a minute.
//!
//! With nothing to send, a conditional request first checks whether the shared file is
//! still the version merged last. A whole round runs in the sync worker on its copy of
//! the replica, which the tablet then reconciles with the live replica (it kept taking
//! edits meanwhile); when the worker cannot run it, it runs on the page, a reply at a
//! time on the live replica. Each round ends by keeping the plan index in step with the
//! endpoint's, best effort.

use jindu_core::edit::Replica;
use jindu_core::index;
use jindu_core::sync::{run_round, Endpoint, Outcome, Policy, Reply, Step, SyncRound, SyncState};
use jindu_core::tablet::Tablet;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::AppState;
use crate::net::{endpoint_base, FetchEndpoint};
use crate::storage::{self, Local};
use crate::sync_worker;

impl AppState {
    /// Syncs a couple of seconds after the last edit (edits in a burst go together).
    pub fn sync_soon(&self) {
        let this = *self;
        debounce(self.debounce, 1_500, move || this.sync_now());
    }

    /// Starts a sync round (or asks for another one after the running round), reading
    /// the plan first if only its summary is shown yet.
    pub fn sync_now(&self) {
        self.read_plan();
        if self.syncing.get_untracked() {
            self.again.set(true);
            return;
        }
        // When the browser knows it has no network, a round could only fail, after copying
        // the whole plan: say offline at once and try again when the network is back.
        if !window().navigator().on_line() {
            self.tablet_update(|t| t.mark_offline("the browser has no network connection"));
            self.refresh_media();
            return;
        }
        self.syncing.set(true);
        let this = *self;
        spawn_local(async move {
            loop {
                this.again.set(false);
                this.round().await;
                if !this.again.get_untracked() {
                    break;
                }
            }
            this.syncing.set(false);
            this.retry_when_offline();
            // Photos after the records, on their own pass.
            this.upload_media();
        });
    }

    /// While the endpoint is unreachable, tries again after 3 s, 6 s, 12 s … up to a
    /// minute, so a tablet back in range syncs without anyone pressing a button.
    fn retry_when_offline(&self) {
        let offline = self
            .tablet_with_untracked(|t| {
                let s = t.sync_state();
                s.offline.is_some() && s.stopped.is_none()
            })
            .unwrap_or(false);
        if !offline {
            self.offline_rounds.set_value(0);
            return;
        }
        let n = self.offline_rounds.get_value().min(5);
        self.offline_rounds.set_value(n + 1);
        let delay = std::time::Duration::from_secs((3u64 << n).min(60));
        let this = *self;
        if let Some(h) = self.retry.get_value() {
            h.clear();
        }
        self.retry
            .set_value(set_timeout_with_handle(move || this.sync_now(), delay).ok());
    }

    /// After a refusal by the role rule, on the user's request: fetches the plan as the
    /// server holds it, keeps every record this tablet holds and drops its refused plan
    /// changes, then syncs. Says why when it could not.
    pub fn drop_refused_plan_changes(&self, done: impl FnOnce(Result<(), String>) + 'static) {
        self.read_plan();
        let this = *self;
        let plan = self.plan_id();
        let endpoint = self.endpoint_file(&index::plan_path(&plan));
        spawn_local(async move {
            let reply = endpoint
                .send(jindu_core::sync::Request::Get {
                    if_none_match: None,
                })
                .await;
            let server = match reply {
                Reply::Http {
                    status: 200, body, ..
                } => jindu_core::doc::Doc::from_json(&body).map_err(|e| e.to_string()),
                Reply::Http { status, .. } => Err(format!("HTTP {status}")),
                Reply::Failed(e) => Err(e),
            };
            let result = server.and_then(|server| {
                let dropped = this.on_live(&plan, |t| {
                    t.drop_plan_changes(&mut Local, &server)
                        .map_err(|e| e.to_string())
                });
                let dropped = dropped.unwrap_or_else(|| Err(format!("'{plan}' is no longer open")));
                dropped.map(|absorbed| this.absorb(&absorbed))
            });
            if result.is_ok() {
                this.sync_now();
            }
            done(result);
        });
    }

    /// The endpoint's file at `path` (relative to the endpoint base), with this tablet's
    /// token.
    pub(super) fn endpoint_file(&self, path: &str) -> FetchEndpoint {
        self.settings.with_untracked(|s| FetchEndpoint {
            url: format!("{}{path}", endpoint_base(s.endpoint.as_deref())),
            token: s.token.clone(),
        })
    }

    /// Clears a stopped sync (after the user changed the token or endpoint) and syncs.
    pub fn retry_sync(&self) {
        self.tablet_act(|t| t.clear_stop(&mut Local));
        self.sync_now();
    }

    async fn round(&self) {
        let (base, token) = self
            .settings
            .with_untracked(|s| (endpoint_base(s.endpoint.as_deref()), s.token.clone()));
        // What another tab stored goes along in this round.
        self.catch_up();
        let plan = self.plan_id();
        let endpoint = FetchEndpoint {
            url: format!("{base}{}", index::plan_path(&plan)),
            token: token.clone(),
        };
        let seed = (js_sys::Math::random() * u64::MAX as f64) as u64;
        // With a live sync worker (its copy is of this tablet), its round's own GET
        // (conditional when nothing is pending) says 304 or brings the file, in one
        // request. Without one, nothing to send and nothing new ends the round before the
        // whole replica is encoded for a worker (on a large plan, every minute).
        let live = sync_worker::holds().is_some_and(|at| {
            self.tablet_with_untracked(|t| t.changed_since(at).is_some()) == Some(true)
        });
        if live || !self.unchanged(&endpoint, &plan, seed).await {
            self.full_round(&endpoint, &plan, seed).await;
        }
        self.sync_index(&base, &token).await;
    }

    /// With nothing to send, checks whether the file is still the version this replica
    /// merged last, without downloading it; if so, the engine takes that answer as it
    /// would in a round (the sync state says synced) and this returns true.
    async fn unchanged(&self, endpoint: &FetchEndpoint, plan: &str, seed: u64) -> bool {
        let etag = self
            .tablet_with_untracked(|t| {
                let s = t.sync_state();
                (s.pending.is_empty() && s.stopped.is_none())
                    .then(|| s.etag.clone())
                    .flatten()
            })
            .flatten();
        let Some(etag) = etag else {
            return false;
        };
        if endpoint.unchanged(&etag).await != Ok(true) {
            return false;
        }
        let mut round = SyncRound::new(Policy::default(), seed);
        let now = endpoint.now_ms();
        self.on_live(plan, |t| {
            // An edit made while the request was out makes the engine ask for the file:
            // not synced, and a whole round follows.
            let Step::Send(_) = t.start_round(&mut round) else {
                return false;
            };
            let reply = Reply::status(304, Some(&etag), Vec::new());
            let step = t.on_reply(&mut round, reply, now);
            t.end_round(&mut Local, &round);
            matches!(step, Step::Finished(Outcome::Synced { .. }))
        })
        .unwrap_or(false)
    }

    /// Runs `f` on the live tablet, if `plan` is still the open plan (another may have
    /// been opened while a request was out), and notifies what reads it.
    fn on_live<T>(&self, plan: &str, f: impl FnOnce(&mut Tablet) -> T) -> Option<T> {
        if self.plan_id() != plan {
            return None;
        }
        self.tablet_update(f)
    }

    /// A whole round: in the sync worker, or on the page when the worker cannot run it.
    async fn full_round(&self, endpoint: &FetchEndpoint, plan: &str, seed: u64) {
        if let Err(e) = self.round_in_worker(endpoint, plan, seed).await {
            // Nothing of the round reached the tablet: run it here.
            leptos::logging::warn!("sync module: {e}; syncing on the page");
            self.round_here(endpoint, plan, seed).await;
        }
    }

    /// Runs a round in the sync worker on its copy of the replica, first handing it the
    /// whole replica when it holds none (or its copy is stale); the tablet then
    /// reconciles the round with the live replica, which kept taking edits meanwhile.
    /// When another plan was opened meanwhile the round's result is dropped (the next
    /// round of that plan fetches it again). An error means the round did not run.
    async fn round_in_worker(
        &self,
        endpoint: &FetchEndpoint,
        plan: &str,
        seed: u64,
    ) -> Result<(), String> {
        let mut loaded = false;
        loop {
            let prepared = self
                .tablet_with_untracked(|t| {
                    let sent = t.sync_state().clone();
                    crate::perf::span("jindu:sync-request", || {
                        sync_worker::prepare(endpoint, t, &sent, seed)
                    })
                    .map(|p| (p, sent))
                })
                .ok_or("the plan is not read")?;
            let Some((prepared, sent)) = prepared else {
                if loaded {
                    return Err("the sync module lost the plan".into());
                }
                // The first round in this worker, or its copy went stale: the whole
                // binary form, transferred.
                let whole = self
                    .tablet_with_untracked(|t| {
                        crate::perf::span("jindu:sync-load", || sync_worker::prepare_load(t))
                    })
                    .ok_or("the plan is not read")?;
                sync_worker::load(whole).await?;
                loaded = true;
                continue;
            };
            match sync_worker::round(prepared).await? {
                sync_worker::Answer::Ended(ended) => {
                    let finished = crate::perf::span("jindu:sync-finish", || {
                        self.on_live(plan, |t| t.finish_round(&mut Local, &sent, *ended))
                    });
                    if let Some(absorbed) = finished {
                        crate::perf::span("jindu:sync-absorb", || self.absorb(&absorbed));
                    }
                    return Ok(());
                }
                // Not the copy the round was for: loaded again at the next turn.
                sync_worker::Answer::Stale if !loaded => {}
                sync_worker::Answer::Stale => {
                    return Err("the sync module kept answering stale".into())
                }
            }
        }
    }

    /// Runs a round on the page (when the sync worker cannot): the engine works on the
    /// live replica, a reply at a time, each in one task, so edits made while a request
    /// is out land in the same replica and the engine counts as sent only what a
    /// request carried.
    async fn round_here(&self, endpoint: &FetchEndpoint, plan: &str, seed: u64) {
        let mut round = SyncRound::new(Policy::default(), seed);
        // `None` once another plan was opened while a request was out: the round is over.
        let mut step = self.on_live(plan, |t| t.start_round(&mut round));
        while let Some(next) = step {
            step = match next {
                Step::Send(request) => {
                    let reply = endpoint.send(request).await;
                    let now = endpoint.now_ms();
                    self.on_live(plan, |t| t.on_reply(&mut round, reply, now))
                }
                Step::Wait(ms) => {
                    endpoint.sleep(ms).await;
                    self.on_live(plan, |_| round.resume())
                }
                Step::Finished(_) => {
                    if let Some(absorbed) = self.on_live(plan, |t| t.end_round(&mut Local, &round))
                    {
                        self.absorb(&absorbed);
                    }
                    return;
                }
            };
        }
    }

    /// Keeps the plan index in step with the endpoint's (best effort: its failures do
    /// not change the plan's sync status).
    async fn sync_index(&self, base: &str, token: &str) {
        let endpoint = FetchEndpoint {
            url: format!("{base}{}", index::INDEX_PATH),
            token: token.to_owned(),
        };
        let Some((device, clock)) =
            self.tablet_with_untracked(|t| (t.device().to_owned(), t.replica().clock.clone()))
        else {
            return;
        };
        let mut replica = Replica::new(self.index.get_untracked(), device, clock);
        let mut state = SyncState::default();
        run_round(&endpoint, &mut replica, &mut state, Policy::default(), 7).await;
        let _ = storage::save_index(&replica.doc);
        self.index.set(replica.doc);
    }
}

/// Runs `f` after `ms` milliseconds, replacing the call pending in `slot`.
fn debounce(slot: StoredValue<Option<TimeoutHandle>>, ms: u64, f: impl FnOnce() + 'static) {
    if let Some(h) = slot.get_value() {
        h.clear();
    }
    let handle = set_timeout_with_handle(f, std::time::Duration::from_millis(ms)).ok();
    slot.set_value(handle);
}
