//! Evidence photos for the media tests: image bodies of each type named by their
//! SHA-256, requests over the socket (raw ones too, for what an HTTP client would
//! normalise or send), and the media contract every store must keep
//! ([`store_contract`]), run over the data directory, PostgreSQL and Ceph RGW.

#![allow(dead_code)]

use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{client, Server};

pub const PLAN: &str = "xixing-2021";

/// The `--max-media` the contract's servers run with: small, so that a body one byte
/// over it is still read whole by the server (see [`store_contract`]).
pub const LIMIT: usize = 4096;

pub fn sha256_hex(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `len` bytes of filler that differ with `seed`.
fn filler(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A body that starts like a JFIF JPEG and ends with its end-of-image marker.
pub fn jpeg(seed: u64, len: usize) -> Vec<u8> {
    let mut b = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00".to_vec();
    b.extend(filler(seed, len.saturating_sub(b.len() + 2)));
    b.extend_from_slice(b"\xFF\xD9");
    b
}

/// A body with PNG's signature and an IHDR chunk's start.
pub fn png(seed: u64, len: usize) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    b.extend(filler(seed, len.saturating_sub(b.len())));
    b
}

/// A body with WebP's RIFF header.
pub fn webp(seed: u64, len: usize) -> Vec<u8> {
    let mut b = b"RIFF\x00\x00\x00\x00WEBPVP8 ".to_vec();
    b.extend(filler(seed, len.saturating_sub(b.len())));
    b
}

/// `files/media/{plan}/{sha256 of body}.{ext}`.
pub fn media_path(plan: &str, body: &[u8], ext: &str) -> String {
    format!("files/media/{plan}/{}.{ext}", sha256_hex(body))
}

/// A PUT with the given headers (and bearer token), answered.
pub async fn put(
    s: &Server,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> reqwest::Response {
    let mut req = client().put(s.url(path)).body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

/// An upload as the tablet makes it: `If-None-Match: *`.
pub async fn upload(
    s: &Server,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    put(s, path, token, &[("If-None-Match", "*")], body).await
}

pub async fn get(s: &Server, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = client().get(s.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// Sends `head` (request line and headers, without the blank line) and `body` as they
/// are, and returns the status line and the rest of what the server answered.
pub async fn raw(s: &Server, head: &str, body: &[u8]) -> (String, String) {
    let addr = s.base.strip_prefix("http://").expect("an http server");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = format!("{head}\r\nHost: {addr}\r\nConnection: close\r\n\r\n").into_bytes();
    req.extend_from_slice(body);
    tcp.write_all(&req).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut answer))
        .await
        .expect("the server answers without waiting for the rest of the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (status, rest) = answer.split_once("\r\n").unwrap_or((&answer, ""));
    (status.to_owned(), rest.to_owned())
}

async fn status_text(r: reqwest::Response) -> (u16, String) {
    (r.status().as_u16(), r.text().await.unwrap())
}

/// What every store must do with media, on a server over that store started with
/// `--max-media` [`LIMIT`] and no tokens: create once (201, then 412), serve the bytes
/// with their type, a strong ETag and an immutable cache lifetime, never replace (409),
/// refuse a body that is not its name (422), too large (413) or not its type (415),
/// refuse every other path under `media/` (400), and keep no history. `env` is what
/// the CLI needs beside the server's store arguments to reach its store (an S3 store's
/// `AWS_*` variables).
pub async fn store_contract(s: &Server, env: &[(String, String)]) {
    let body = jpeg(1, 2000);
    let path = media_path(PLAN, &body, "jpg");
    let hash = sha256_hex(&body);
    let etag = format!("\"{hash}\"");
    assert_eq!(get(s, &path, None).await.status(), 404);

    // Created once; the repeat (a reply lost on the way back) is 412, with the ETag.
    let r = upload(s, &path, None, body.clone()).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["etag"], etag.as_str());
    let r = upload(s, &path, None, body.clone()).await;
    assert_eq!(r.headers()["etag"], etag.as_str());
    let (status, text) = status_text(r).await;
    assert_eq!(status, 412);
    assert!(text.contains("already stored"), "{text}");

    // Served as stored, cacheable for ever; 304 for the ETag.
    let r = get(s, &path, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.headers()["etag"], etag.as_str());
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().to_vec(), body);
    let r = client()
        .get(s.url(&path))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"], etag.as_str());

    // Never replaced: without a precondition or with If-Match, 409.
    for headers in [vec![], vec![("If-Match", etag.as_str())]] {
        let (status, text) = status_text(put(s, &path, None, &headers, body.clone()).await).await;
        assert_eq!(status, 409, "{headers:?}");
        assert!(text.contains("never replaced"), "{text}");
    }
    // A new name without a precondition is created (the name proves the content);
    // If-Match on an absent one fails.
    for (ext, image) in [("png", png(2, 1500)), ("webp", webp(3, 1500))] {
        let p = media_path(PLAN, &image, ext);
        let r = put(s, &p, None, &[("If-Match", "\"x\"")], image.clone()).await;
        assert_eq!(r.status(), 412, "{p}");
        assert_eq!(put(s, &p, None, &[], image.clone()).await.status(), 201);
        let r = get(s, &p, None).await;
        let ct = format!("image/{ext}");
        assert_eq!(r.headers()["content-type"], ct.as_str());
        assert_eq!(r.bytes().await.unwrap().to_vec(), image);
    }

    // A body that is not its name: 422, nothing stored under either hash.
    let other = jpeg(4, 2000);
    let wrong = media_path(PLAN, &other, "jpg");
    let (status, text) = status_text(upload(s, &wrong, None, jpeg(5, 2000)).await).await;
    assert_eq!(status, 422);
    assert!(text.contains("SHA-256"), "{text}");
    assert_eq!(get(s, &wrong, None).await.status(), 404);

    // Over the limit: 413, by Content-Length (also when the body never comes).
    let big = jpeg(6, LIMIT + 1);
    let big_path = media_path(PLAN, &big, "jpg");
    let (status, text) = status_text(upload(s, &big_path, None, big).await).await;
    assert_eq!(status, 413);
    assert!(text.contains("--max-media"), "{text}");
    let (status, _) = raw(
        s,
        &format!("PUT /{big_path} HTTP/1.1\r\nIf-None-Match: *\r\nContent-Length: 1073741824"),
        b"",
    )
    .await;
    assert!(status.contains(" 413 "), "{status}");
    assert_eq!(get(s, &big_path, None).await.status(), 404);
    let at_limit = jpeg(7, LIMIT);
    let r = upload(s, &media_path(PLAN, &at_limit, "jpg"), None, at_limit).await;
    assert_eq!(r.status(), 201, "a body of exactly the limit is taken");

    // Not an image, or another type than the name says: 415.
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let png_body = png(8, 1500);
    for (body, ext, why) in [
        (html, "jpg", "not a JPEG, PNG or WebP"),
        (
            png_body.clone(),
            "jpg",
            "a png image but the name ends in .jpg",
        ),
        (
            webp(9, 1500),
            "png",
            "a webp image but the name ends in .png",
        ),
        (
            jpeg(10, 1500),
            "webp",
            "a jpg image but the name ends in .webp",
        ),
    ] {
        let p = media_path(PLAN, &body, ext);
        let (status, text) = status_text(upload(s, &p, None, body).await).await;
        assert_eq!(status, 415, "{p}: {text}");
        assert!(text.contains(why), "{text}");
        assert_eq!(get(s, &p, None).await.status(), 404);
    }

    path_rules(s, &hash).await;

    // Content-addressed, so no history: the store keeps no version of a photo.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jindu-server"))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(&s.store_args)
        .args(["history", "list", path.strip_prefix("files/").unwrap()])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(listed.starts_with("no kept versions"), "{listed}");
}

/// Every path under `media/` that is not `{plan}/{64 lowercase hex}.{jpg|png|webp}`
/// is refused with 400 naming the shape, for GET and PUT, and stores nothing.
pub async fn path_rules(s: &Server, hash: &str) {
    let body = jpeg(1, 2000);
    let upper = hash.to_uppercase();
    let short = &hash[1..];
    for bad in [
        format!("files/media/{PLAN}/{short}.jpg"),
        format!("files/media/{PLAN}/{hash}0.jpg"),
        format!("files/media/{PLAN}/{upper}.jpg"),
        format!("files/media/{PLAN}/{hash}.gif"),
        format!("files/media/{PLAN}/{hash}.jpeg"),
        format!("files/media/{PLAN}/{hash}.JPG"),
        format!("files/media/{PLAN}/{hash}"),
        format!("files/media/{PLAN}/{hash}.jpg/"),
        format!("files/media/{PLAN}/sub/{hash}.jpg"),
        format!("files/media/{PLAN}/%2E%2E%2F{hash}.jpg"),
        format!("files/media/Xixing/{hash}.jpg"),
        format!("files/media/{hash}.jpg"),
        "files/media/".to_owned(),
        "files/media".to_owned(),
    ] {
        let (status, text) = status_text(get(s, &bad, None).await).await;
        assert_eq!(status, 400, "GET {bad}: {text}");
        assert!(
            text.contains("media paths are media/{plan}/"),
            "{bad}: {text}"
        );
        let r = upload(s, &bad, None, body.clone()).await;
        assert_eq!(r.status(), 400, "PUT {bad}");
    }
    // `..` as sent, which an HTTP client would have normalised away.
    for dots in ["..", "%2e%2e", "%2E%2E"] {
        let (status, rest) = raw(
            s,
            &format!(
                "PUT /files/media/{dots}/plans/{hash}.jpg HTTP/1.1\r\nIf-None-Match: *\r\nContent-Length: 3"
            ),
            b"\xFF\xD8\xFF",
        )
        .await;
        assert!(status.contains(" 400 "), "{dots}: {status} {rest}");
    }
}
