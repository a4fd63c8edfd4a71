//! The contract's fast cases against the router itself (`oneshot`, no socket), over a
//! data directory store.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::response::Response;
use axum::Router;
use common::temp_dir;
use http_body_util::BodyExt;
use jindu_core::seed;
use jindu_server::store::{FilePath, FsStore, SharedFs, Store};
use jindu_server::{app, seed_store, AppState, Config, DEFAULT_MAX_BODY};
use tower::ServiceExt;

const PLAN: &str = "/files/plans/xixing-2021.json";
const NOTE: &str = "/files/notes/a.json";

/// A router over a fresh data directory holding the built-in plan and index, and its
/// store.
async fn router(tag: &str, config: Config) -> (Router, Arc<dyn Store>) {
    let store: Arc<dyn Store> =
        Arc::new(SharedFs(Arc::new(FsStore::open(temp_dir(tag), 3).unwrap())));
    seed_store(store.as_ref()).await.unwrap();
    let config = Config {
        max_body: if config.max_body == 0 {
            DEFAULT_MAX_BODY
        } else {
            config.max_body
        },
        ..config
    };
    let state = AppState::new(store.clone(), config);
    (app(state), store)
}

async fn open(tag: &str) -> (Router, Arc<dyn Store>) {
    router(tag, Config::default()).await
}

/// Sends a request: method, URI, headers, body.
async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
    body: impl Into<Body>,
) -> Response {
    let mut req = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(name, *value);
    }
    app.clone()
        .oneshot(req.body(body.into()).unwrap())
        .await
        .unwrap()
}

async fn get(app: &Router, uri: &str) -> Response {
    send(app, "GET", uri, &[], Body::empty()).await
}

fn etag(res: &Response) -> String {
    res.headers()[header::ETAG].to_str().unwrap().to_owned()
}

async fn text(res: Response) -> String {
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The stored body of a file, straight from the store.
async fn stored(store: &dyn Store, uri: &str) -> Vec<u8> {
    let path = FilePath::parse(uri.strip_prefix("/files/").unwrap()).unwrap();
    store.get(&path).await.unwrap().unwrap().body
}

#[tokio::test]
async fn get_absent_is_404() {
    let (app, _) = open("r-absent").await;
    let res = get(&app, NOTE).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(text(res).await, "not found\n");
}

#[tokio::test]
async fn create_when_absent_is_201_with_an_etag_and_again_is_412() {
    let (app, _) = open("r-create").await;
    let create = || send(&app, "PUT", NOTE, &[(header::IF_NONE_MATCH, "*")], "one");
    let res = create().await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let tag = etag(&res);
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    let res = get(&app, NOTE).await;
    assert_eq!(etag(&res), tag);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(text(res).await, "one");
    assert_eq!(create().await.status(), StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn put_without_a_precondition_is_428() {
    let (app, _) = open("r-428").await;
    for headers in [vec![], vec![(header::IF_MATCH, "*")]] {
        let res = send(&app, "PUT", NOTE, &headers, "blind").await;
        assert_eq!(res.status(), StatusCode::PRECONDITION_REQUIRED);
    }
    assert_eq!(get(&app, NOTE).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn put_with_a_stale_if_match_is_412_and_the_current_one_is_200() {
    let (app, _) = open("r-412").await;
    let first = send(&app, "PUT", NOTE, &[(header::IF_NONE_MATCH, "*")], "one").await;
    let old = etag(&first);
    let res = send(&app, "PUT", NOTE, &[(header::IF_MATCH, &old)], "two").await;
    assert_eq!(res.status(), StatusCode::OK);
    let new = etag(&res);
    assert_ne!(new, old);
    let res = send(&app, "PUT", NOTE, &[(header::IF_MATCH, &old)], "three").await;
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(text(get(&app, NOTE).await).await, "two");
}

#[tokio::test]
async fn get_naming_the_current_etag_is_304() {
    let (app, _) = open("r-304").await;
    let tag = etag(&get(&app, PLAN).await);
    let res = send(
        &app,
        "GET",
        PLAN,
        &[(header::IF_NONE_MATCH, &tag)],
        Body::empty(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(etag(&res), tag);
    assert_eq!(text(res).await, "");
    let res = send(
        &app,
        "GET",
        PLAN,
        &[(header::IF_NONE_MATCH, "\"other\"")],
        Body::empty(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn bad_paths_are_400() {
    let (app, store) = open("r-paths").await;
    for bad in [
        "/files/a/../b.json",
        "/files/../b.json",
        "/files/a/./b.json",
        "/files/.token",
        "/files/a/b/c/d.json",
    ] {
        let res = get(&app, bad).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "GET {bad}");
        assert!(text(res).await.starts_with("bad path: "), "GET {bad}");
        let res = send(&app, "PUT", bad, &[(header::IF_NONE_MATCH, "*")], "x").await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "PUT {bad}");
    }
    let path = FilePath::parse("a/b/c.json").unwrap();
    assert!(store.get(&path).await.unwrap().is_none());
}

#[tokio::test]
async fn tokens_guard_files_and_read_tokens_cannot_write() {
    let config = Config {
        tokens: vec!["writer".into()],
        read_tokens: vec!["reader".into()],
        ..Config::default()
    };
    let (app, _) = router("r-auth", config).await;
    for headers in [vec![], vec![(header::AUTHORIZATION, "Bearer wrong")]] {
        let res = send(&app, "GET", PLAN, &headers, Body::empty()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }
    let reader = || (header::AUTHORIZATION, "Bearer reader");
    let res = send(&app, "GET", PLAN, &[reader()], Body::empty()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let tag = etag(&res);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let res = send(
        &app,
        "PUT",
        PLAN,
        &[reader(), (header::IF_MATCH, &tag)],
        body.clone(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(text(res).await, "this token may only read\n");
    let writer = (header::AUTHORIZATION, "Bearer writer");
    let res = send(&app, "PUT", PLAN, &[writer, (header::IF_MATCH, &tag)], body).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(get(&app, "/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_plan_document_that_does_not_parse_is_409() {
    let (app, store) = open("r-garbage").await;
    let before = stored(store.as_ref(), PLAN).await;
    let tag = etag(&get(&app, PLAN).await);
    let res = send(
        &app,
        "PUT",
        PLAN,
        &[(header::IF_MATCH, &tag)],
        "{\"not\": \"a plan\"}",
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(text(res).await.contains("not a Jindu plan document"));
    assert_eq!(stored(store.as_ref(), PLAN).await, before);
}

#[tokio::test]
async fn a_body_that_drops_stored_data_is_409_and_the_file_is_unchanged() {
    let (app, store) = open("r-drop").await;
    let before = stored(store.as_ref(), PLAN).await;
    let tag = etag(&get(&app, PLAN).await);
    let mut smaller = seed::xixing_2021();
    let first = smaller.records.keys().next().unwrap().clone();
    smaller.records.remove(&first);
    let res = send(
        &app,
        "PUT",
        PLAN,
        &[(header::IF_MATCH, &tag)],
        smaller.to_json(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(text(res).await.contains("would drop data"));
    assert_eq!(stored(store.as_ref(), PLAN).await, before);
    assert_eq!(etag(&get(&app, PLAN).await), tag);
}

/// An issued report (签发) is stored like any addition, and then never changes: a body
/// that writes a newer value into it is refused (409), the file unchanged.
#[tokio::test]
async fn an_issued_report_is_stored_and_a_body_changing_it_is_409() {
    use jindu_core::doc::{Signer, Written};
    use jindu_core::edit::Replica;
    use jindu_core::hlc::Clock;
    use jindu_core::model::Kind;
    use jindu_core::report::{build, issue::issue, issues, Period};

    let (app, store) = open("r-issue").await;
    let tag = etag(&get(&app, PLAN).await);
    let doc = jindu_core::Doc::from_json(&stored(store.as_ref(), PLAN).await).unwrap();
    let mut office = Replica::new(doc, "t-office", Clock::default());
    let table = build(
        &jindu_core::Plan::from_doc(&office.doc),
        &Period::cumulative(2021, 6).unwrap(),
    )
    .unwrap();
    let now = 1_625_000_000_000;
    let id = office.new_id(Kind::Issue, now);
    office
        .apply(&issue(&id, &table, "李科长", now), "李科长", now)
        .unwrap();
    let res = send(
        &app,
        "PUT",
        PLAN,
        &[(header::IF_MATCH, &tag)],
        office.doc.to_json(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let tag = etag(&res);
    let before = stored(store.as_ref(), PLAN).await;
    assert_eq!(
        issues(&jindu_core::Doc::from_json(&before).unwrap()).len(),
        1
    );

    let mut changed = office.doc.clone();
    changed
        .entities
        .get_mut(&id)
        .unwrap()
        .get_mut("issued_by")
        .unwrap()
        .write(Written {
            stamp: office.doc.max_stamp() + 1,
            device: "t-office".into(),
            author: "李科长".into(),
            signer: Signer::none(),
            value: "别人".into(),
        });
    let res = send(
        &app,
        "PUT",
        PLAN,
        &[(header::IF_MATCH, &tag)],
        changed.to_json(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let why = text(res).await;
    assert!(
        why.contains(&format!("issued report {id} was changed")),
        "{why}"
    );
    assert_eq!(stored(store.as_ref(), PLAN).await, before);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_the_file_is_unchanged() {
    let config = Config {
        max_body: 1000,
        ..Config::default()
    };
    let (app, store) = router("r-limit", config).await;
    let res = send(&app, "PUT", NOTE, &[(header::IF_NONE_MATCH, "*")], "small").await;
    let tag = etag(&res);
    let res = send(
        &app,
        "PUT",
        NOTE,
        &[(header::IF_MATCH, &tag)],
        vec![b'x'; 5000],
    )
    .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(stored(store.as_ref(), NOTE).await, b"small");
}

#[tokio::test]
async fn healthz_is_200_ok() {
    let (app, _) = open("r-health").await;
    let res = get(&app, "/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(text(res).await, "ok\n");
}
