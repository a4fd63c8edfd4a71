//! The account this tablet signs its writes with: asked of the server
//! (`GET {endpoint}.me`), kept in the settings for offline use.
//!
//! With an account, the inspector's name and role come from the server: the typed name
//! and the office/inspector switch apply only to a server without accounts (an open
//! loopback server, or a shared token), where `.me` answers 404.

use jindu_core::doc::Signer;
use jindu_core::sync::{Endpoint, Reply, Request};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::AppState;
use crate::storage::Account;

impl AppState {
    /// The account the server named (tracked); `None` without accounts.
    pub fn account(&self) -> Option<Account> {
        self.settings.with(|s| s.account.clone())
    }

    /// Whether this tablet may create plans: without accounts anyone may; with one,
    /// only the office (tracked).
    pub fn creates_plans(&self) -> bool {
        self.account().is_none_or(|a| a.is_office())
    }

    /// The name written into records: the account's, else the typed one.
    pub fn author_name(&self) -> String {
        self.settings.with_untracked(|s| {
            s.account
                .as_ref()
                .map_or_else(|| s.author.clone(), |a| a.name.clone())
        })
    }

    /// Makes the open plan's tablet write as the account (or unsigned without one).
    pub(super) fn sign_tablet(&self) {
        let signer = self.settings.with_untracked(|s| {
            s.account
                .as_ref()
                .map_or_else(Signer::none, |a| Signer::new(&a.id, &a.name))
        });
        self.tablet.update_untracked(|t| {
            if let Some(t) = t {
                t.sign_as(signer);
            }
        });
    }

    /// Forgets the account (another account's setup link was opened: a sign-out of the
    /// first), until `.me` names the new one.
    pub fn forget_account(&self) {
        self.save_settings(|s| s.account = None);
        self.sign_tablet();
    }

    /// Signs out: forgets the token and the account. Refused (returns false) while
    /// edits wait to be synced, unless `exported` says a copy was exported first.
    pub fn sign_out(&self, exported: bool) -> bool {
        if self.status().pending() > 0 && !exported {
            return false;
        }
        self.save_settings(|s| {
            s.token.clear();
            s.account = None;
        });
        self.sign_tablet();
        true
    }

    /// Asks the server which account the token belongs to, and keeps the answer. A 404
    /// means no accounts there; no answer (offline) keeps what was kept.
    pub fn refresh_account(&self) {
        let this = *self;
        // A dot name is never a file: `.me` beside the files, under the same base.
        let endpoint = self.endpoint_file(".me");
        spawn_local(async move {
            let reply = endpoint
                .send(Request::Get {
                    if_none_match: None,
                })
                .await;
            let account = match reply {
                Reply::Http {
                    status: 200, body, ..
                } => match serde_json::from_slice::<Account>(&body) {
                    Ok(a) => Some(a),
                    Err(_) => return,
                },
                Reply::Http { status: 404, .. } => None,
                _ => return,
            };
            if this.settings.with_untracked(|s| s.account != account) {
                this.save_settings(|s| s.account = account);
                this.sign_tablet();
            }
        });
    }
}
