//! The built app compiled into the binary, so that one file deploys Jindu.
//!
//! `build.rs` points `rust-embed` at the Trunk build (`$JINDU_DIST` or `<repo>/dist`)
//! when there is one; a server built before the app embeds nothing ([`present`] is
//! false) and serves only the API unless given `--static-dir`. Served as `ServeDir`
//! serves a directory in `lib.rs`: the brotli or gzip copy a browser accepts (the build
//! carries them, `scripts/precompress.mjs`), `index.html` for any other path (deep links),
//! content types from the file name, and a strong ETag per copy so that a browser's
//! revalidation (the app is served `no-cache`) costs a 304.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

#[cfg(jindu_embed)]
#[derive(rust_embed::RustEmbed)]
#[folder = "$JINDU_EMBED_DIR"]
struct Dist;

/// One embedded file: its bytes, content type and SHA-256.
struct File {
    data: std::borrow::Cow<'static, [u8]>,
    mime: String,
    sha256: [u8; 32],
}

#[cfg(jindu_embed)]
fn get(name: &str) -> Option<File> {
    Dist::get(name).map(|f| File {
        mime: f.metadata.mimetype().to_owned(),
        sha256: f.metadata.sha256_hash(),
        data: f.data,
    })
}

#[cfg(not(jindu_embed))]
fn get(_name: &str) -> Option<File> {
    None
}

#[cfg(jindu_embed)]
fn names() -> Vec<String> {
    Dist::iter().map(|n| n.into_owned()).collect()
}

#[cfg(not(jindu_embed))]
fn names() -> Vec<String> {
    Vec::new()
}

/// Whether this binary carries a built app.
pub fn present() -> bool {
    get("index.html").is_some()
}

/// Which app build this binary carries, for `--version`: the first 12 hex digits of its
/// `index.html`'s SHA-256 (Trunk writes the hashed asset names into it, so it names the
/// build) and how many files it holds; `None` without one.
pub fn build() -> Option<String> {
    let index = get("index.html")?;
    let hash: String = index.sha256[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(format!("app {hash}, {} files", names().len()))
}

/// The version line: the server's version and the app build it carries.
pub fn version() -> String {
    match build() {
        Some(app) => format!("{} ({app})", env!("CARGO_PKG_VERSION")),
        None => format!("{} (no app embedded)", env!("CARGO_PKG_VERSION")),
    }
}

/// The encodings of the copies a build carries, in the order preferred.
const COPIES: [(&str, &str); 2] = [("br", ".br"), ("gzip", ".gz")];

/// Whether `Accept-Encoding` accepts `coding` (named, or `*`, without `q=0`).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    let Some(value) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut star = false;
    for part in value.split(',') {
        let mut bits = part.split(';');
        let name = bits.next().unwrap_or("").trim();
        let refused = bits.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        if name.eq_ignore_ascii_case(coding) {
            return !refused;
        }
        if name == "*" {
            star = !refused;
        }
    }
    star
}

/// Serves the embedded app: GET and HEAD of any path outside the API.
pub async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let path = uri.path().trim_start_matches('/');
    // A compressed copy is sent for its file, never asked for by name.
    let known = !path.is_empty() && !path.ends_with(".br") && !path.ends_with(".gz");
    let (name, file) = match known.then(|| get(path)).flatten() {
        Some(file) => (path.to_owned(), file),
        None => match get("index.html") {
            Some(file) => ("index.html".to_owned(), file),
            None => return StatusCode::NOT_FOUND.into_response(),
        },
    };
    let mut copy = None;
    for (coding, suffix) in COPIES {
        if accepts(&headers, coding) {
            if let Some(c) = get(&format!("{name}{suffix}")) {
                copy = Some((coding, c));
                break;
            }
        }
    }
    let has_copies = COPIES
        .iter()
        .any(|(_, suffix)| get(&format!("{name}{suffix}")).is_some());
    let mime = file.mime.clone();
    let (coding, body) = match copy {
        Some((coding, c)) => (Some(coding), c),
        None => (None, file),
    };
    let etag: String = body.sha256[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let etag = format!("\"{etag}\"");
    let mut res = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else if method == Method::HEAD {
        let mut res = Response::new(Body::empty());
        res.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(body.data.len()));
        res
    } else {
        Response::new(Body::from(body.data))
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(coding) = coding {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    if has_copies {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        let chrome = with("gzip, deflate, br, zstd");
        assert!(accepts(&chrome, "br") && accepts(&chrome, "gzip"));
        assert!(!accepts(&with("gzip"), "br"));
        assert!(!accepts(&with("br;q=0, gzip;q=0.5"), "br"));
        assert!(accepts(&with("br;q=0, gzip;q=0.5"), "gzip"));
        assert!(accepts(&with("*"), "br"));
        assert!(!accepts(&with("*, br;q=0"), "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }
}
