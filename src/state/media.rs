//! The photo upload service: apart from the plan's sync, so that a slow photo never
//! holds back records. It runs after each sync round and after photos are added; one
//! pass at a time, resumed after a reload from what the media worker kept.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::AppState;
use crate::media::{self, Status};
use crate::net::endpoint_base;

impl AppState {
    /// Photos waiting for upload and what the device keeps (tracked).
    pub fn media_status(&self) -> Status {
        self.media.get()
    }

    /// The endpoint base and token photos are uploaded to and fetched from.
    pub fn media_endpoint(&self) -> (String, Option<String>) {
        self.with_settings_untracked(|s| {
            let token = s.token.trim();
            (
                endpoint_base(s.endpoint.as_deref()),
                (!token.is_empty()).then(|| token.to_owned()),
            )
        })
    }

    /// The hashes (photos and thumbnails) the open plan's records list now.
    fn listed_media(&self) -> Vec<String> {
        self.with_plan_untracked(|p| {
            p.records
                .iter()
                .flat_map(|r| r.record.photos.iter())
                .flat_map(|ph| [ph.photo.clone(), ph.thumb.clone()])
                .collect()
        })
    }

    /// Reads the worker's counts again.
    pub fn refresh_media(&self) {
        let this = *self;
        spawn_local(async move {
            if let Ok(s) = media::status().await {
                this.media.set(s);
            }
        });
    }

    /// Uploads the photos waiting, unless a pass is running or the browser is offline.
    pub fn upload_media(&self) {
        if self.uploading.get_value() || !window().navigator().on_line() {
            self.refresh_media();
            return;
        }
        self.uploading.set_value(true);
        let this = *self;
        let (base, token) = self.media_endpoint();
        let listed = self.listed_media();
        let plan = self.plan_id();
        spawn_local(async move {
            let outcome = media::upload(&base, token.as_deref(), &plan, &listed).await;
            if let Ok(s) = media::status().await {
                this.media.set(s);
            }
            this.uploading.set_value(false);
            // Cut off or a server fault with photos left: again after 2 s, 4 s, 8 s … up
            // to a minute. Refused (401/403): kept until the token changes and a sync
            // round runs again.
            let again = match &outcome {
                Ok(u) => u.remaining > 0 && !matches!(u.stopped.as_deref(), Some("401" | "403")),
                Err(_) => false,
            };
            if again {
                let n = this.upload_failures.get_value().min(5);
                this.upload_failures.set_value(n + 1);
                let delay = std::time::Duration::from_secs((2u64 << n).min(60));
                set_timeout(move || this.upload_media(), delay);
            } else {
                this.upload_failures.set_value(0);
            }
        });
    }
}
