//! Evidence photos: `GET` and `PUT /files/media/{plan}/{sha256}.{jpg|png|webp}`.
//!
//! Media are content-addressed: a file is named by the SHA-256 of its bytes, so a name
//! has one content for ever. The server therefore never replaces one, keeps no history
//! of them (`Store::create`), and lets browsers cache them for a year. They never pass
//! the plan guard: they are not plan documents, and the plan's record lists them by
//! hash.
//!
//! A PUT is checked in this order, and nothing is stored unless every check passes:
//! the path (400), the token (401, in the `Caller` extractor), the role and plan (403),
//! the size (413, from `Content-Length` before any byte of the body is read, else while
//! reading), the hash of the body against the name (422), the type by its magic bytes
//! against the extension (415), and then the precondition:
//! - `If-None-Match: *`: 201 when new, 412 when already stored (the same bytes: for
//!   the tablet both mean "the server has it");
//! - no precondition: 201 when new (the name proves the content, so a blind create
//!   cannot clobber anything), 409 when already stored;
//! - `If-Match`: 409 when stored (never replaced), 412 when absent (nothing to match).

pub(crate) mod name;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::store::StoreError;
use crate::{ApiError, AppState};
use name::{ImageKind, MediaPath, SHAPE};

/// Default largest media body: 8 MiB, five times a 1600-pixel JPEG at high quality.
pub const DEFAULT_MAX_MEDIA: usize = 8 * 1024 * 1024;

/// How long browsers may keep a media file: a year, the longest `max-age` that caches
/// honour; the bytes behind a name never change.
const CACHE_FOREVER_PUBLIC: &str = "public, max-age=31536000, immutable";
/// The same for a request that needed a token: a shared cache (an office proxy) must
/// not hand it to someone without one.
const CACHE_FOREVER_PRIVATE: &str = "private, max-age=31536000, immutable";

pub(crate) async fn get_media(
    State(state): State<AppState>,
    caller: Caller,
    Path(rest): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let media = MediaPath::parse(&rest).map_err(ApiError::BadPath)?;
    check_plan(&caller, &media)?;
    let stored = state
        .store
        .get(&media.file())
        .await?
        .ok_or(ApiError::NotFound)?;
    let etag = media.etag();
    let mut res = if names_etag(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(stored.body));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(media.kind.content_type()),
        );
        r
    };
    let cache = if matches!(caller, Caller::Open) {
        CACHE_FOREVER_PUBLIC
    } else {
        CACHE_FOREVER_PRIVATE
    };
    let h = res.headers_mut();
    h.insert(header::ETAG, etag_value(&media));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // The type is the one its bytes were checked against: never sniff another.
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}

pub(crate) async fn put_media(
    State(state): State<AppState>,
    caller: Caller,
    Path(rest): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let media = MediaPath::parse(&rest).map_err(ApiError::BadPath)?;
    caller.require_write()?;
    check_plan(&caller, &media)?;
    let body = read_limited(&headers, body, state.config.max_media).await?;
    check_body(&media, &body)?;
    let file = media.file();
    if headers.contains_key(header::IF_MATCH) {
        return match state.store.get(&file).await? {
            Some(_) => Err(never_replaced(&media)),
            None => Ok(precondition_failed(
                &media,
                "If-Match names no stored file: create it with If-None-Match: *",
            )),
        };
    }
    let create_only = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "*");
    match state.store.create(&file, body).await {
        Ok(_) => {
            let mut res = StatusCode::CREATED.into_response();
            res.headers_mut().insert(header::ETAG, etag_value(&media));
            Ok(res)
        }
        Err(StoreError::PreconditionFailed) if create_only => Ok(precondition_failed(
            &media,
            "already stored, with these very bytes (the name is their SHA-256): nothing to send",
        )),
        Err(StoreError::PreconditionFailed) => Err(never_replaced(&media)),
        Err(e) => Err(e.into()),
    }
}

/// Refuses a plan outside the caller's list with 403.
fn check_plan(caller: &Caller, media: &MediaPath) -> Result<(), ApiError> {
    if caller.may_use_plan(&media.plan) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "this account may not use plan '{}'",
            media.plan
        )))
    }
}

/// Reads the body, refusing it with 413 as soon as it is known to be over `limit`:
/// from `Content-Length` before reading anything, else once the bytes read pass it.
async fn read_limited(headers: &HeaderMap, body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::TooLarge(format!(
            "a media file is at most {limit} bytes (the server's --max-media)"
        ))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut out = Vec::with_capacity(declared.unwrap_or(0) as usize);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadBody(e.to_string()))?;
        if out.len() + chunk.len() > limit {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Refuses a body whose SHA-256 is not its name (422) or whose magic bytes are not
/// the type its extension names (415).
fn check_body(media: &MediaPath, body: &[u8]) -> Result<(), ApiError> {
    let actual: String = Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if actual != media.sha256 {
        return Err(ApiError::Unprocessable(format!(
            "the body's SHA-256 is {actual}, not the {} its name says: the file was \
             damaged or named wrongly; nothing was stored",
            media.sha256
        )));
    }
    match ImageKind::sniff(body) {
        Some(kind) if kind == media.kind => Ok(()),
        Some(kind) => Err(ApiError::UnsupportedType(format!(
            "the body is a {} image but the name ends in .{}: name it .{}; nothing was stored",
            kind.extension(),
            media.kind.extension(),
            kind.extension()
        ))),
        None => Err(ApiError::UnsupportedType(format!(
            "the body is not a JPEG, PNG or WebP image (by its first bytes); media are {SHAPE}; \
             nothing was stored"
        ))),
    }
}

fn never_replaced(media: &MediaPath) -> ApiError {
    ApiError::Conflict(format!(
        "{} is already stored and media are never replaced; to upload, PUT with \
         If-None-Match: * (412 then means the server has it)",
        media.file().as_str()
    ))
}

/// 412 with the name's ETag and the reason.
fn precondition_failed(media: &MediaPath, why: &str) -> Response {
    let mut res = (StatusCode::PRECONDITION_FAILED, format!("{why}\n")).into_response();
    res.headers_mut().insert(header::ETAG, etag_value(media));
    res
}

fn etag_value(media: &MediaPath) -> HeaderValue {
    HeaderValue::from_str(&media.etag()).expect("a quoted hex digest is a header value")
}

/// Whether `If-None-Match` names this ETag (or `*`): the client's copy is current.
fn names_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}
