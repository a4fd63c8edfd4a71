//! `GET` and `PUT /files/{path}`: parse the path, authorise, guard plan documents,
//! call the store, and answer with its ETag.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::auth::access;
use crate::guard;
use crate::store::{FilePath, Precondition};
use crate::{ApiError, AppState};

pub(crate) async fn get_file(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let path = FilePath::parse(&raw).map_err(ApiError::BadPath)?;
    access(&state.config, &headers)?;
    let stored = state.store.get(&path).await?.ok_or(ApiError::NotFound)?;
    let etag = header_value(&stored.etag)?;
    let mut res = if names_etag(&headers, &stored.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(stored.body));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(&path)),
        );
        r
    };
    res.headers_mut().insert(header::ETAG, etag);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub(crate) async fn put_file(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let path = FilePath::parse(&raw).map_err(ApiError::BadPath)?;
    access(&state.config, &headers)?.require_write()?;
    let pre = precondition(&headers)?;
    guard::check_put(state.store.as_ref(), &path, &pre, &body).await?;
    let status = if pre == Precondition::IfAbsent {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let etag = state.store.put(&path, body.to_vec(), pre).await?;
    let mut res = status.into_response();
    res.headers_mut().insert(header::ETAG, header_value(&etag)?);
    Ok(res)
}

/// Whether `If-None-Match` names this ETag (or `*`): the client's copy is current.
fn names_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// The condition a PUT is made under: `If-Match` with an ETag, or `If-None-Match: *`
/// to create; anything else is refused with 428.
fn precondition(headers: &HeaderMap) -> Result<Precondition, ApiError> {
    let header_str = |h| {
        headers
            .get(h)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::trim)
    };
    match (
        header_str(header::IF_MATCH),
        header_str(header::IF_NONE_MATCH),
    ) {
        (Some(tag), _) if tag != "*" => Ok(Precondition::IfMatch(tag.to_owned())),
        (None, Some("*")) => Ok(Precondition::IfAbsent),
        _ => Err(ApiError::PreconditionRequired),
    }
}

fn header_value(etag: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(etag).map_err(|e| ApiError::Storage(e.to_string()))
}

fn content_type(path: &FilePath) -> &'static str {
    if path.as_str().ends_with(".json") {
        "application/json"
    } else {
        "application/octet-stream"
    }
}
