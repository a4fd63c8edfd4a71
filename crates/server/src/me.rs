//! `GET /files/.me`: who the token belongs to, so the app can take the inspector's name
//! and role from the server instead of a setting anybody can change.
//!
//! A dot name is never a file, so this works behind a proxy that adds a path prefix and
//! stays out of a WebDAV server's way. 404 means "no accounts here" (an open server, or
//! a shared token): the app then keeps its typed name and its office/inspector switch.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::auth::Caller;
use crate::ApiError;

/// What the app learns about its account.
#[derive(Serialize)]
struct Me<'a> {
    id: &'a str,
    name: &'a str,
    role: &'a str,
    /// The plans the account is limited to; empty means all.
    plans: &'a [String],
}

pub(crate) async fn me(caller: Caller) -> Result<Response, ApiError> {
    match &caller {
        Caller::Account(a) => {
            let mut res = Json(Me {
                id: &a.id,
                name: &a.name,
                role: a.role.as_str(),
                plans: &a.plans,
            })
            .into_response();
            res.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            Ok(res)
        }
        Caller::Open | Caller::Shared(_) => Err(ApiError::NotFound),
    }
}
