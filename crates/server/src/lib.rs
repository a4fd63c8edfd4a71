//! jindu-server: the shared-file endpoint Jindu syncs with, and the app's web server.
//!
//! HTTP API (the app relies on nothing more, so a WebDAV server that honours `If-Match`
//! can stand in for it):
//!
//! - `GET /files/{path}` → 200 with the body, a strong `ETag` and the content type; 404
//!   when absent; 304 when `If-None-Match` names the current ETag.
//! - `PUT /files/{path}` with `If-Match: <etag>` → 200 and the new `ETag` when it
//!   matches, 412 otherwise (nothing changed). With `If-None-Match: *` → 201 when absent,
//!   412 when present. With neither → 428: the server never overwrites blindly.
//! - `{path}` is 1–3 segments of `[A-Za-z0-9._-]`, none starting with a dot; anything
//!   else → 400. Plan documents (`plans/{id}.json`, `plans/index.json`) must read
//!   strictly (no unknown keys, nothing given twice), must not rewrite any record
//!   version or field value the stored version holds (same stamp and device, other
//!   content), and must keep everything it holds, else 409 with the reason (see
//!   `guard`).
//! - `Authorization: Bearer <token>` on `/files/*`: missing or wrong → 401; a read-only
//!   token may GET, and its PUT → 403. Without tokens the server is open (loopback only).
//! - Bodies over the limit → 413. CORS only for configured origins, exposing `ETag` and
//!   `Date`.
//! - `GET /healthz` → 200 `ok`. Anything else is the built app, with `index.html` for
//!   deep links.

pub mod guard;
pub mod postgres;
pub mod s3;
pub mod store;
pub mod tls;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use jindu_core::index::{self, INDEX_PATH};
use jindu_core::seed;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::store::{FilePath, Precondition, Store, StoreError};

/// Default request body limit: 16 MiB, far above a large plan (about 2.5 MB).
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// What the HTTP layer is configured with.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Tokens that may read and write.
    pub tokens: Vec<String>,
    /// Tokens that may only read.
    pub read_tokens: Vec<String>,
    pub max_body: usize,
    /// Origins allowed to call the endpoint from another site.
    pub allow_origins: Vec<String>,
    /// The built app, served for every path outside `/files/` and `/healthz`.
    pub static_dir: Option<PathBuf>,
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
}

/// Errors answered to a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad path: {0}")]
    BadPath(String),
    #[error("missing or wrong token")]
    Unauthorized,
    #[error("this token may only read")]
    ReadOnly,
    #[error("not found")]
    NotFound,
    #[error("the file changed or does not exist: fetch it, merge and try again")]
    PreconditionFailed,
    #[error("a PUT needs If-Match with the current ETag, or If-None-Match: * to create")]
    PreconditionRequired,
    #[error("{0}")]
    Conflict(String),
    #[error("storage error")]
    Storage(String),
    #[error("the store is unavailable; try again shortly")]
    Unavailable(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::BadPath(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::ReadOnly => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Storage(e) => {
                eprintln!("jindu-server: storage error: {e}");
                StatusCode::INTERNAL_SERVER_ERROR
            }
            ApiError::Unavailable(e) => {
                eprintln!("jindu-server: store unavailable: {e}");
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
        let mut res = (status, format!("{self}\n")).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::PreconditionFailed => ApiError::PreconditionFailed,
            StoreError::Symlink => {
                ApiError::BadPath("the path runs through a symbolic link".into())
            }
            StoreError::Io(e) => ApiError::Storage(e.to_string()),
            StoreError::Unavailable(e) => ApiError::Unavailable(e),
            StoreError::Config(e) => ApiError::Storage(e),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

/// Compares secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn access(config: &Config, headers: &HeaderMap) -> Result<Access, ApiError> {
    if config.tokens.is_empty() && config.read_tokens.is_empty() {
        return Ok(Access::Write);
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?
        .trim();
    if config.tokens.iter().any(|t| same_secret(t, presented)) {
        Ok(Access::Write)
    } else if config.read_tokens.iter().any(|t| same_secret(t, presented)) {
        Ok(Access::Read)
    } else {
        Err(ApiError::Unauthorized)
    }
}

fn content_type(path: &FilePath) -> &'static str {
    if path.as_str().ends_with(".json") {
        "application/json"
    } else {
        "application/octet-stream"
    }
}

async fn get_file(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let path = FilePath::parse(&raw).map_err(ApiError::BadPath)?;
    access(&state.config, &headers)?;
    let stored = state.store.get(&path).await?.ok_or(ApiError::NotFound)?;
    let etag = HeaderValue::from_str(&stored.etag).map_err(|e| ApiError::Storage(e.to_string()))?;
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == stored.etag || t.trim() == "*")
        });
    let mut res = if not_modified {
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

async fn put_file(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let path = FilePath::parse(&raw).map_err(ApiError::BadPath)?;
    if access(&state.config, &headers)? != Access::Write {
        return Err(ApiError::ReadOnly);
    }
    let header_str = |h| {
        headers
            .get(h)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::trim)
    };
    let pre = match (
        header_str(header::IF_MATCH),
        header_str(header::IF_NONE_MATCH),
    ) {
        (Some(tag), _) if tag != "*" => Precondition::IfMatch(tag.to_owned()),
        (None, Some("*")) => Precondition::IfAbsent,
        _ => return Err(ApiError::PreconditionRequired),
    };
    if let Some(id) = guard::guarded_doc_id(&path) {
        let current = state.store.get(&path).await?;
        match (&pre, &current) {
            (Precondition::IfMatch(tag), Some(c)) if *tag == c.etag => {}
            (Precondition::IfAbsent, None) => {}
            _ => return Err(ApiError::PreconditionFailed),
        }
        guard::check(&id, &body, current.as_ref().map(|c| c.body.as_slice()))?;
        // The store re-checks the precondition under its lock, so a write that slipped
        // in after this read still turns this one into a 412.
    }
    let created = pre == Precondition::IfAbsent;
    let etag = state.store.put(&path, body.to_vec(), pre).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut res = status.into_response();
    res.headers_mut().insert(
        header::ETAG,
        HeaderValue::from_str(&etag).map_err(|e| ApiError::Storage(e.to_string()))?,
    );
    Ok(res)
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// One log line per request: method, path, status, bytes, milliseconds. Never headers,
/// so never the token.
async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    let bytes = axum::body::HttpBody::size_hint(res.body())
        .exact()
        .map_or_else(|| "-".to_owned(), |n| n.to_string());
    println!(
        "{method} {path} {} {bytes} {:.1}ms",
        res.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    res
}

/// The router, for tests (`tower::ServiceExt::oneshot`) and for `main`.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let files = Router::new()
        .route("/files/{*path}", get(get_file).put(put_file))
        .layer(DefaultBodyLimit::max(config.max_body.max(1)))
        .with_state(state);
    let mut router = Router::new().route("/healthz", get(healthz)).merge(files);
    if let Some(dir) = &config.static_dir {
        // Builds carry brotli and gzip copies of their files (scripts/precompress.mjs):
        // sent to browsers that accept them, the app downloads a third of the bytes.
        let index = ServeFile::new(dir.join("index.html"))
            .precompressed_br()
            .precompressed_gzip();
        let assets = ServeDir::new(dir)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(index);
        router = router.fallback_service(assets);
    }
    // Let browsers revalidate the app shell; the service worker keeps it offline.
    router = router.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    ));
    if !config.allow_origins.is_empty() {
        let origins: Vec<HeaderValue> = config
            .allow_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::PUT])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::IF_MATCH,
                    header::IF_NONE_MATCH,
                ])
                .expose_headers([header::ETAG, header::DATE]),
        );
    }
    router.layer(middleware::from_fn(log_request))
}

/// Writes the built-in plan and index into a fresh store, byte-identical to what the
/// app starts from. Existing files are left alone.
pub async fn seed_store(store: &dyn Store) -> Result<(), StoreError> {
    let docs = [
        (
            index::plan_path(seed::PLAN_ID),
            seed::xixing_2021().to_json(),
        ),
        (INDEX_PATH.to_owned(), index::built_in_index().to_json()),
    ];
    for (path, body) in docs {
        let path = FilePath::parse(&path).expect("built-in paths are valid");
        match store.put(&path, body, Precondition::IfAbsent).await {
            Ok(_) | Err(StoreError::PreconditionFailed) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Whether an address is loopback only.
pub fn is_loopback(addr: &std::net::SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Makes a random token (URL-safe).
pub fn new_token() -> String {
    let mut b = [0u8; 24];
    getrandom::fill(&mut b).expect("the OS provides randomness");
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    b.iter()
        .map(|x| ALPHABET[(*x & 63) as usize] as char)
        .collect()
}

/// The link that configures a tablet in one tap: endpoint and token in the fragment,
/// which browsers never send to a server.
pub fn setup_link(base: &str, token: &str) -> String {
    let endpoint = format!("{}/files/", base.trim_end_matches('/'));
    format!(
        "{base}/#setup&endpoint={}&token={}",
        percent_encode(&endpoint),
        percent_encode(token)
    )
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }

    #[test]
    fn the_setup_link_carries_endpoint_and_token_in_the_fragment() {
        let link = setup_link("https://192.168.1.5:8443", "t0k-en");
        assert_eq!(
            link,
            "https://192.168.1.5:8443/#setup&endpoint=https%3A%2F%2F192.168.1.5%3A8443%2Ffiles%2F&token=t0k-en"
        );
    }
}
