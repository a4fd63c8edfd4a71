//! `GET` and `PUT /files/{path}`: parse the path, authorise, guard plan documents,
//! call the store, and answer with its ETag. Media (`media/…`) have their own handlers
//! (`media`).

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use jindu_core::doc::Doc;
use jindu_core::index::{INDEX_ID, INDEX_PATH};

use crate::auth::Caller;
use crate::store::{etag_of, FilePath, Precondition, Stored};
use crate::{guard, media};
use crate::{ApiError, AppState};

pub(crate) async fn get_file(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let path = file_path(&raw)?;
    check_plan(&caller, &path)?;
    let mut stored = state.store.get(&path).await?.ok_or(ApiError::NotFound)?;
    if let (Some(plans), INDEX_PATH) = (caller.plans(), path.as_str()) {
        stored = only_plans(stored, plans)?;
    }
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
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let path = file_path(&raw)?;
    caller.require_write()?;
    check_plan(&caller, &path)?;
    if caller.plans().is_some() && path.as_str() == INDEX_PATH {
        return Err(ApiError::Forbidden(
            "an account limited to some plans never writes the plan index".into(),
        ));
    }
    let pre = precondition(&headers)?;
    guard::check_put(state.store.as_ref(), &path, &pre, &body, caller.writer()).await?;
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

/// The path of an ordinary file: valid, and outside the media area, whose paths have
/// their own routes and rules (`media`); whatever reaches here under `media/` has the
/// wrong shape.
fn file_path(raw: &str) -> Result<FilePath, ApiError> {
    if media::name::in_media_area(raw) {
        return Err(ApiError::BadPath(format!(
            "media paths are {}",
            media::name::SHAPE
        )));
    }
    FilePath::parse(raw).map_err(ApiError::BadPath)
}

/// Refuses a plan outside the caller's list with 403.
fn check_plan(caller: &Caller, path: &FilePath) -> Result<(), ApiError> {
    match guard::guarded_doc_id(path) {
        Some(id) if id != INDEX_ID && !caller.may_use_plan(&id) => Err(ApiError::Forbidden(
            format!("this account may not use plan '{id}'"),
        )),
        _ => Ok(()),
    }
}

/// The index as an account limited to `plans` sees it: only its plans, with the ETag of
/// that view (so a change to another plan's entry is not a change to it).
fn only_plans(stored: Stored, plans: &[String]) -> Result<Stored, ApiError> {
    let mut doc = Doc::from_json(&stored.body)
        .map_err(|e| ApiError::Storage(format!("the plan index does not read: {e}")))?;
    doc.entities.retain(|id, _| plans.contains(id));
    doc.records.clear();
    let body = doc.to_json();
    Ok(Stored {
        etag: etag_of(&body),
        body,
    })
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
