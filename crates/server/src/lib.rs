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
//!   content), must keep everything it holds, and must not change an issued report
//!   (`iss-…`) in any way, else 409 with the reason (see `guard`).
//! - `Authorization: Bearer <token>` on `/files/*`: missing or wrong → 401; a read-only
//!   token may GET, and its PUT → 403. Without tokens or accounts the server is open
//!   (loopback only). Once an account exists (`jindu-server user add`), every request
//!   under `/files/` needs a token; an account's token acts with its role and plans
//!   (`auth`, `accounts`), and every PUT of a plan document passes the role rule
//!   (`jindu_core::roles`) or is refused with 403 and the reason. A plan outside an
//!   account's list → 403; its `plans/index.json` shows only its plans.
//! - Evidence photos (`media`): `PUT /files/media/{plan}/{sha256}.{jpg|png|webp}` with
//!   the image as the body, never replaced: `If-None-Match: *` → 201 when new, 412
//!   when already stored (both success for a tablet); without a precondition → 201 when
//!   new, 409 when stored; `If-Match` → 409 (412 when absent). The body's SHA-256 must
//!   be the name (else 422), at most `--max-media` bytes (else 413, from
//!   `Content-Length` before reading), and by its magic bytes the type its extension
//!   names (else 415). `GET` → the bytes with their type, `ETag: "{sha256}"` and
//!   `Cache-Control: …, max-age=31536000, immutable` (`private` once a token is
//!   needed). Any other path under `media/` → 400. Same tokens as files: a viewer
//!   may GET; a plan outside an account's list → 403. No history is kept of media.
//! - `GET /files/.me` → the token's account (`id`, `name`, `role`, `plans`); 404 when
//!   there are no accounts or the token is a shared one.
//! - Too many failed sign-ins from one address (10 a minute) → 429 with `Retry-After`;
//!   behind `--trusted-proxy` the address is the one it forwards.
//! - Bodies over the limit → 413. CORS only for configured origins, exposing `ETag` and
//!   `Date`.
//! - `GET /healthz` → 200 `ok`. Anything else is the built app, with `index.html` for
//!   deep links: from `--static-dir`, else the one compiled into the binary (`embedded`),
//!   else 404.
//!
//! Layout: `files` holds the two file handlers and `media` the two media handlers,
//! thin over a [`store::Store`]; they ask
//! `auth` what the request may do and `guard` whether a plan document may be written,
//! and `error` turns a refusal into its status, message and headers. `link` makes
//! tokens and setup links; this file holds the configuration, router and seeding.

pub mod accounts;
mod auth;
pub mod disk;
pub mod embedded;
mod error;
mod files;
pub mod guard;
mod limit;
mod link;
mod me;
mod media;
pub mod pg_tls;
pub mod postgres;
pub mod s3;
pub mod store;
pub mod tls;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use jindu_core::index::{self, INDEX_PATH};
use jindu_core::seed;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

pub use crate::error::ApiError;
pub use crate::link::{new_token, setup_link};
pub use crate::media::DEFAULT_MAX_MEDIA;
use crate::store::{FilePath, Precondition, Store, StoreError};

/// Default request body limit: 16 MiB, far above a large plan (about 2.5 MB).
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// What the HTTP layer is configured with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Tokens that may read and write.
    pub tokens: Vec<String>,
    /// Tokens that may only read.
    pub read_tokens: Vec<String>,
    pub max_body: usize,
    /// Largest media file (`media`) in bytes.
    pub max_media: usize,
    /// Origins allowed to call the endpoint from another site.
    pub allow_origins: Vec<String>,
    /// The built app, served for every path outside `/files/` and `/healthz`.
    pub static_dir: Option<PathBuf>,
    /// Without `static_dir`, serve the app compiled into the binary (when it has one).
    pub embedded_app: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the limit on
    /// failed sign-ins).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for Config {
    /// Open (no tokens), with the default limits, serving no app.
    fn default() -> Config {
        Config {
            tokens: Vec::new(),
            read_tokens: Vec::new(),
            max_body: DEFAULT_MAX_BODY,
            max_media: DEFAULT_MAX_MEDIA,
            allow_origins: Vec::new(),
            static_dir: None,
            embedded_app: false,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    limiter: Arc<limit::Limiter>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            limiter: Arc::default(),
        }
    }
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
        .route("/files/.me", get(me::me))
        .route("/files/{*path}", get(files::get_file).put(files::put_file))
        .layer(DefaultBodyLimit::max(config.max_body.max(1)))
        // Media read their body themselves, against --max-media (`media::read_limited`).
        .route(
            "/files/media/{*rest}",
            get(media::get_media).put(media::put_media),
        )
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
    } else if config.embedded_app && embedded::present() {
        router = router.fallback(embedded::serve);
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
