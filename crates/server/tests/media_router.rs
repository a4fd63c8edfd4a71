//! The media contract's fast cases against the router itself (`oneshot`, no socket),
//! over a data directory store: the default size limit (by `Content-Length` and while
//! streaming), what is stored where, and no history.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use axum::Router;
use common::media::{jpeg, media_path, png, sha256_hex, PLAN};
use common::temp_dir;
use http_body_util::BodyExt;
use jindu_server::store::{FilePath, FsStore, SharedFs, Store};
use jindu_server::{app, AppState, Config, DEFAULT_MAX_MEDIA};
use tower::ServiceExt;

async fn router(tag: &str) -> (Router, Arc<FsStore>) {
    let fs = Arc::new(FsStore::open(temp_dir(tag), 3).unwrap());
    let store: Arc<dyn Store> = Arc::new(SharedFs(fs.clone()));
    (app(AppState::new(store, Config::default())), fs)
}

async fn send(app: &Router, req: Request<Body>) -> Response {
    app.clone().oneshot(req).await.unwrap()
}

fn upload(path: &str, body: impl Into<Body>) -> Request<Body> {
    Request::put(format!("/{path}"))
        .header(header::IF_NONE_MATCH, "*")
        .body(body.into())
        .unwrap()
}

async fn text(res: Response) -> String {
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test]
async fn the_default_limit_is_8_mib_by_content_length_and_while_streaming() {
    let (app, fs) = router("mr-limit").await;
    assert_eq!(DEFAULT_MAX_MEDIA, 8 * 1024 * 1024);
    // Exactly the limit is taken.
    let full = jpeg(1, DEFAULT_MAX_MEDIA);
    let path = media_path(PLAN, &full, "jpg");
    assert_eq!(
        send(&app, upload(&path, full)).await.status(),
        StatusCode::CREATED
    );

    // A declared length over it is refused before the body is read: this body would
    // never end.
    let over = jpeg(2, 4096);
    let over_path = media_path(PLAN, &over, "jpg");
    let read = Arc::new(AtomicBool::new(false));
    let endless = futures_util::stream::repeat_with({
        let read = read.clone();
        move || {
            read.store(true, Ordering::SeqCst);
            Ok::<_, std::io::Error>(axum::body::Bytes::from_static(&[0u8; 65536]))
        }
    });
    let req = Request::put(format!("/{over_path}"))
        .header(header::IF_NONE_MATCH, "*")
        .header(header::CONTENT_LENGTH, (1u64 << 30).to_string())
        .body(Body::from_stream(endless))
        .unwrap();
    let res = send(&app, req).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(text(res).await.contains("at most 8388608 bytes"));
    assert!(
        !read.load(Ordering::SeqCst),
        "not one byte of the body was read"
    );

    // Without a length, the body is cut off one chunk past the limit.
    let chunks = futures_util::stream::iter(
        (0..200).map(|_| Ok::<_, std::io::Error>(axum::body::Bytes::from_static(&[0u8; 65536]))),
    );
    let res = send(&app, upload(&over_path, Body::from_stream(chunks))).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let file = fs.root().join(over_path.strip_prefix("files/").unwrap());
    assert!(!file.exists());
}

#[tokio::test]
async fn a_photo_is_one_file_in_the_data_directory_with_no_history_and_no_leftovers() {
    let (app, fs) = router("mr-files").await;
    let body = png(3, 5000);
    let path = media_path(PLAN, &body, "png");
    let res = send(&app, upload(&path, body.clone())).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let hash = sha256_hex(&body);
    let on_disk = fs.root().join(format!("media/{PLAN}/{hash}.png"));
    assert_eq!(std::fs::read(&on_disk).unwrap(), body);
    assert!(
        !fs.root().join(".history/media").exists(),
        "no history kept"
    );
    assert_eq!(
        std::fs::read_dir(fs.root().join(".tmp")).unwrap().count(),
        0
    );
    // The store itself refuses a second create, and a refused one leaves nothing.
    let store = SharedFs(fs.clone());
    let file = FilePath::parse(path.strip_prefix("files/").unwrap()).unwrap();
    assert!(store.create(&file, b"other".to_vec()).await.is_err());
    assert_eq!(std::fs::read(&on_disk).unwrap(), body);
    assert!(store.history(&file).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_get_for_the_current_etag_is_304_and_plain_files_are_unchanged() {
    let (app, _) = router("mr-304").await;
    let body = jpeg(4, 3000);
    let path = media_path(PLAN, &body, "jpg");
    send(&app, upload(&path, body)).await;
    let etag = format!(
        "\"{}\"",
        path.rsplit('/').next().unwrap().trim_end_matches(".jpg")
    );
    let req = Request::get(format!("/{path}"))
        .header(header::IF_NONE_MATCH, &etag)
        .body(Body::empty())
        .unwrap();
    let res = send(&app, req).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()[header::ETAG], etag.as_str());
    // Ordinary files elsewhere keep their rules (428 without a precondition).
    let req = Request::put("/files/notes/a.json")
        .body(Body::from("x"))
        .unwrap();
    assert_eq!(
        send(&app, req).await.status(),
        StatusCode::PRECONDITION_REQUIRED
    );
}
