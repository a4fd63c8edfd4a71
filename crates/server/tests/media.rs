//! Evidence photos over real sockets: the media contract (create once, immutable,
//! named by their SHA-256, size and type checked, no history), and who may upload.
//! Runs on the data directory, and again over PostgreSQL when the test command sets
//! `JINDU_TEST_PG`; `stores.rs` runs the contract over Ceph RGW.

mod common;

use common::media::{get, jpeg, media_path, put, store_contract, upload, LIMIT, PLAN};
use common::{temp_dir, Server};

/// Runs `jindu-server ARGS` over the server's store; its stdout.
fn cli(s: &Server, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jindu-server"))
        .args(&s.store_args)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Adds an account with the CLI and returns its token, read from the setup link.
fn add_user(s: &Server, name: &str, role: &str, extra: &[&str]) -> String {
    let mut args = vec!["user", "add", name, "--role", role];
    args.extend(extra);
    let out = cli(s, &args);
    let link = out
        .split_whitespace()
        .find(|w| w.contains("#setup&"))
        .unwrap_or_else(|| panic!("no setup link in: {out}"));
    link.split("token=").nth(1).expect("a token").to_owned()
}

#[tokio::test]
async fn media_are_created_once_served_immutable_and_checked_against_their_name() {
    let limit = LIMIT.to_string();
    let s = Server::start(&temp_dir("media"), &["--max-media", &limit]);
    store_contract(&s, &[]).await;
}

#[tokio::test]
async fn media_never_pass_the_plan_guard_nor_touch_the_plan() {
    let s = Server::start(&temp_dir("media-plan"), &[]);
    let plan = format!("files/plans/{PLAN}.json");
    let before = get(&s, &plan, None).await;
    let etag = before.headers()["etag"].to_str().unwrap().to_owned();
    let before = before.bytes().await.unwrap();
    // A photo of a plan the server does not hold yet (made offline) is taken too.
    for plan in [PLAN, "new-plan-2027"] {
        let body = jpeg(11, 3000);
        let r = upload(&s, &media_path(plan, &body, "jpg"), None, body).await;
        assert_eq!(r.status(), 201, "{plan}");
    }
    let after = get(&s, &plan, None).await;
    assert_eq!(after.headers()["etag"], etag.as_str());
    assert_eq!(after.bytes().await.unwrap(), before);
}

#[tokio::test]
async fn accounts_decide_who_may_upload_and_for_which_plan() {
    let s = Server::start(&temp_dir("media-roles"), &[]);
    // Before any account, the loopback server is open.
    let body = jpeg(20, 2000);
    let open = media_path(PLAN, &body, "jpg");
    assert_eq!(upload(&s, &open, None, body).await.status(), 201);

    let office = add_user(&s, "李科长", "office", &[]);
    let inspector = add_user(&s, "张三", "inspector", &[]);
    let viewer = add_user(&s, "王五", "viewer", &[]);
    let limited = add_user(&s, "赵六", "inspector", &["--plan", PLAN]);

    // Once an account exists, a token is needed, for GET and PUT.
    let body = jpeg(21, 2000);
    let path = media_path(PLAN, &body, "jpg");
    assert_eq!(upload(&s, &path, None, body.clone()).await.status(), 401);
    assert_eq!(get(&s, &open, None).await.status(), 401);
    assert_eq!(
        upload(&s, &path, Some("wrong"), body.clone())
            .await
            .status(),
        401
    );

    // A viewer reads and never writes.
    let r = upload(&s, &path, Some(&viewer), body.clone()).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("only read"));
    let r = get(&s, &open, Some(&viewer)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["cache-control"],
        "private, max-age=31536000, immutable",
        "what needed a token is no shared cache's to keep"
    );

    // Inspectors and the office upload.
    assert_eq!(
        upload(&s, &path, Some(&inspector), body.clone())
            .await
            .status(),
        201
    );
    assert_eq!(
        upload(&s, &path, Some(&office), body.clone())
            .await
            .status(),
        412
    );
    let other = jpeg(22, 2000);
    let other_path = media_path("other-plan", &other, "jpg");
    assert_eq!(
        upload(&s, &other_path, Some(&office), other.clone())
            .await
            .status(),
        201
    );

    // An account limited to one plan: its own plan only.
    let mine = jpeg(23, 2000);
    let mine_path = media_path(PLAN, &mine, "jpg");
    assert_eq!(
        upload(&s, &mine_path, Some(&limited), mine).await.status(),
        201
    );
    let theirs = jpeg(24, 2000);
    let r = upload(
        &s,
        &media_path("other-plan", &theirs, "jpg"),
        Some(&limited),
        theirs,
    )
    .await;
    assert_eq!(r.status(), 403);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("may not use plan 'other-plan'"));
    assert_eq!(get(&s, &other_path, Some(&limited)).await.status(), 403);
    assert_eq!(get(&s, &other_path, Some(&inspector)).await.status(), 200);

    // A revoked account is locked out at once.
    cli(&s, &["user", "revoke", "张三"]);
    assert_eq!(get(&s, &path, Some(&inspector)).await.status(), 401);
}

#[tokio::test]
async fn shared_tokens_upload_as_the_office_and_read_tokens_only_read() {
    let s = Server::start(
        &temp_dir("media-tokens"),
        &["--token", "write-secret", "--read-token", "read-secret"],
    );
    let body = jpeg(30, 2000);
    let path = media_path(PLAN, &body, "jpg");
    assert_eq!(upload(&s, &path, None, body.clone()).await.status(), 401);
    assert_eq!(
        upload(&s, &path, Some("read-secret"), body.clone())
            .await
            .status(),
        403
    );
    assert_eq!(
        upload(&s, &path, Some("write-secret"), body.clone())
            .await
            .status(),
        201
    );
    let r = get(&s, &path, Some("read-secret")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), body);
    // A blind overwrite is refused whoever asks.
    let r = put(&s, &path, Some("write-secret"), &[], body).await;
    assert_eq!(r.status(), 409);
}
