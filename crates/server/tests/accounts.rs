//! Accounts and roles over real sockets: the CLI makes accounts in the store, the
//! server answers each token as its account, and every PUT of a plan document passes
//! the role rule. Runs on the data directory, and again over PostgreSQL when the test
//! command sets `JINDU_TEST_PG`.

mod common;

use chrono::NaiveDate;
use common::{client, temp_dir, Server};
use jindu_core::doc::{Doc, Signer};
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::model::{Plan, Record};
use reqwest::StatusCode;
use serde_json::{json, Value};

const PLAN: &str = "files/plans/xixing-2021.json";
const NOW: u64 = 1_625_000_000_000;

/// Runs `jindu-server ARGS` over the server's store; (success, stdout, stderr).
fn cli(store: &[String], args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jindu-server"))
        .args(store)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Adds an account with the CLI and returns its token, read from the setup link.
fn add_user(store: &[String], name: &str, role: &str, extra: &[&str]) -> String {
    let mut args = vec!["user", "add", name, "--role", role];
    args.extend(extra);
    let (ok, out, err) = cli(store, &args);
    assert!(ok, "user add failed: {err}");
    let link = out
        .split_whitespace()
        .find(|w| w.contains("#setup&"))
        .unwrap_or_else(|| panic!("no setup link in: {out}"));
    assert!(link.contains("endpoint="), "{link}");
    link.split("token=").nth(1).expect("a token").to_owned()
}

struct Tab {
    token: String,
}

impl Tab {
    async fn get(&self, s: &Server, path: &str) -> reqwest::Response {
        client()
            .get(s.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// The stored plan and its ETag.
    async fn fetch(&self, s: &Server) -> (Doc, String) {
        let res = self.get(s, PLAN).await;
        assert_eq!(res.status(), StatusCode::OK);
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        (Doc::from_json(&res.bytes().await.unwrap()).unwrap(), etag)
    }

    async fn put(&self, s: &Server, path: &str, etag: &str, body: Vec<u8>) -> reqwest::Response {
        client()
            .put(s.url(path))
            .bearer_auth(&self.token)
            .header("If-Match", etag)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn me(&self, s: &Server) -> Value {
        let res = self.get(s, "files/.me").await;
        assert_eq!(res.status(), StatusCode::OK);
        serde_json::from_slice(&res.bytes().await.unwrap()).unwrap()
    }

    /// A replica of the stored plan signed as this account.
    async fn replica(&self, s: &Server, device: &str) -> (Replica, String) {
        let me = self.me(s).await;
        let (doc, etag) = self.fetch(s).await;
        let signer = Signer::new(me["id"].as_str().unwrap(), me["name"].as_str().unwrap());
        // The device's clock has seen every stamp it stored, as a tablet's has.
        let clock = Clock {
            last: doc.max_stamp(),
        };
        (Replica::new(doc, device, clock).signed(signer), etag)
    }
}

fn record(r: &mut Replica, note: &str) -> String {
    let item = Plan::from_doc(&r.doc).items[0].id.clone();
    let record = Record {
        note: note.into(),
        percent: Some(50.0),
        ..Record::new(NaiveDate::from_ymd_opt(2021, 6, 12).unwrap(), "张三", item)
    };
    r.apply(&Edit::AddRecord { record }, "张三", NOW)
        .unwrap()
        .id
}

fn retitle(r: &mut Replica) {
    let item = Plan::from_doc(&r.doc).items[0].id.clone();
    let fields = json!({"title": "改了计划"}).as_object().unwrap().clone();
    r.apply(
        &Edit::Set {
            entity: item,
            fields,
        },
        "张三",
        NOW + 1,
    )
    .unwrap();
}

async fn refused(res: reqwest::Response, status: StatusCode, words: &str) {
    let got = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    assert!(text.contains(words), "expected '{words}' in: {text}");
}

#[tokio::test]
async fn roles_are_enforced_on_every_write_and_revocation_holds_everywhere() {
    let data = temp_dir("accounts");
    let s = Server::start(&data, &[]);
    let store = s.store_args.clone();
    // Open until the first account exists.
    assert_eq!(
        client().get(s.url(PLAN)).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        client()
            .get(s.url("files/.me"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let insp = Tab {
        token: add_user(&store, "张三", "inspector", &[]),
    };
    let office = Tab {
        token: add_user(&store, "李科长", "office", &[]),
    };
    let viewer = Tab {
        token: add_user(&store, "王看", "viewer", &[]),
    };
    let anon = Tab {
        token: "not-a-token".into(),
    };
    // Now every request under the endpoint needs a token, on loopback too.
    for path in [PLAN, "files/plans/index.json", "files/.me"] {
        let res = client().get(s.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(anon.get(&s, path).await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        client()
            .get(s.url("healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let me = insp.me(&s).await;
    assert_eq!(me["name"], "张三");
    assert_eq!(me["role"], "inspector");
    assert!(me["id"].as_str().unwrap().starts_with("u-"));

    // The inspector adds its own record.
    let (mut tab, etag) = insp.replica(&s, "t-insp").await;
    let mine = record(&mut tab, "现场已开工");
    let res = insp.put(&s, PLAN, &etag, tab.doc.to_json()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let (stored, etag) = insp.fetch(&s).await;
    let v = &stored.records[&mine][0];
    assert_eq!(v.signer.account.as_ref(), me["id"].as_str().unwrap());
    assert_eq!(v.signer.name.as_ref(), "张三");

    // The office adds one and edits the plan.
    let (mut otab, _) = office.replica(&s, "t-office").await;
    let theirs = record(&mut otab, "科室抽查");
    retitle(&mut otab);
    let res = office.put(&s, PLAN, &etag, otab.doc.to_json()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, etag) = office.fetch(&s).await;

    // What the inspector may not do: each 403, the file unchanged.
    let (base, _) = insp.replica(&s, "t-insp").await;
    let mut attempts: Vec<(&str, Replica)> = Vec::new();
    let mut t = base.clone();
    t.apply(&Edit::DeleteRecord { id: theirs.clone() }, "张三", NOW + 5)
        .unwrap();
    attempts.push(("corrects or deletes only its own records", t));
    let mut t = base.clone();
    retitle(&mut t);
    attempts.push(("only the office changes it", t));
    let mut t = base.clone();
    t.signer = otab.signer.clone();
    record(&mut t, "冒名顶替");
    attempts.push(("nobody signs for someone else", t));
    // The report's entities: a cell edit, a review, an issue.
    let period = jindu_core::report::Period::cumulative(2021, 6).unwrap();
    let plan = Plan::from_doc(&base.doc);
    let mut t = base.clone();
    t.apply(
        &jindu_core::report::set_cell(&period, &plan.items[0].id, "改写"),
        "张三",
        NOW + 5,
    )
    .unwrap();
    attempts.push(("report cell: only the office writes it", t));
    let mut t = base.clone();
    let own = plan.records.iter().find(|r| r.id == mine).unwrap();
    let verdict = jindu_core::report::Verdict::Approved;
    t.apply(
        &jindu_core::report::review::review(own, verdict, ""),
        "张三",
        NOW + 5,
    )
    .unwrap();
    attempts.push(("review of a record: only the office writes it", t));
    let mut t = base.clone();
    let table = jindu_core::report::build(&plan, &period).unwrap();
    let id = t.new_id(jindu_core::model::Kind::Issue, NOW + 5);
    t.apply(
        &jindu_core::report::issue::issue(&id, &table, "张三", NOW + 5),
        "张三",
        NOW + 5,
    )
    .unwrap();
    attempts.push(("an issued report: only the office writes it", t));
    for (words, t) in attempts {
        refused(
            insp.put(&s, PLAN, &etag, t.doc.to_json()).await,
            StatusCode::FORBIDDEN,
            words,
        )
        .await;
        assert_eq!(insp.fetch(&s).await.1, etag, "{words}: the file changed");
    }
    let idx = insp.get(&s, "files/plans/index.json").await;
    let idx_tag = idx.headers()["etag"].to_str().unwrap().to_owned();
    let idx_body = idx.bytes().await.unwrap().to_vec();
    refused(
        insp.put(&s, "files/plans/index.json", &idx_tag, idx_body.clone())
            .await,
        StatusCode::FORBIDDEN,
        "only the office changes it",
    )
    .await;
    refused(
        viewer.put(&s, PLAN, &etag, base.doc.to_json()).await,
        StatusCode::FORBIDDEN,
        "may only read",
    )
    .await;
    assert_eq!(insp.fetch(&s).await.1, etag);
    // The office may write the index.
    let res = office
        .put(&s, "files/plans/index.json", &idx_tag, idx_body)
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // `history restore` brings back the version before the office's write; the
    // inspector's tablet, which had learned it, uploads it back with a new record.
    let (ok, listed, err) = cli(&store, &["history", "list", "plans/xixing-2021.json"]);
    assert!(ok, "{err}");
    // Each version names who wrote it: the inspector's, then the office's.
    let lines: Vec<&str> = listed.lines().collect();
    let n = lines.len();
    assert!(lines[n - 2].contains("by 张三 (u-"), "{listed}");
    assert!(lines[n - 1].contains("by 李科长 (u-"), "{listed}");
    let before_office = listed
        .lines()
        .rev()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .expect("a version before the office's")
        .to_owned();
    let (mut tab, _) = insp.replica(&s, "t-insp").await;
    let (ok, _, err) = cli(
        &store,
        &[
            "history",
            "restore",
            "plans/xixing-2021.json",
            &before_office,
        ],
    );
    assert!(ok, "{err}");
    let (restored, etag) = insp.fetch(&s).await;
    assert!(!restored.records.contains_key(&theirs));
    record(&mut tab, "恢复之后");
    tab.doc.merge(&restored).unwrap();
    let res = insp.put(&s, PLAN, &etag, tab.doc.to_json()).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );

    // Revoked: 401 from the next request, on this server and on another one over the
    // same store.
    let (ok, out, err) = cli(&store, &["user", "revoke", "张三"]);
    assert!(ok && out.contains("revoked"), "{out}{err}");
    assert_eq!(insp.get(&s, PLAN).await.status(), StatusCode::UNAUTHORIZED);
    let s2 = Server::start(&data, &[]);
    assert_eq!(insp.get(&s2, PLAN).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(office.get(&s2, PLAN).await.status(), StatusCode::OK);
    // Rotated: a new token works, the old one never again.
    let (ok, out, err) = cli(&store, &["user", "rotate", "李科长"]);
    assert!(ok, "{err}");
    let fresh = out
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert_eq!(
        office.get(&s, PLAN).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let rotated = Tab {
        token: fresh.to_owned(),
    };
    assert_eq!(rotated.get(&s2, PLAN).await.status(), StatusCode::OK);
    // A role changed: the office's next write of the plan is refused.
    let (ok, out, err) = cli(&store, &["user", "role", "李科长", "inspector"]);
    assert!(ok && out.contains("now inspector"), "{out}{err}");
    let (mut t, etag) = rotated.replica(&s, "t-office").await;
    retitle(&mut t);
    refused(
        rotated.put(&s, PLAN, &etag, t.doc.to_json()).await,
        StatusCode::FORBIDDEN,
        "only the office changes it",
    )
    .await;
    let (ok, listed, _) = cli(&store, &["user", "list"]);
    assert!(
        ok && listed.contains("张三") && listed.contains("revoked"),
        "{listed}"
    );
    assert!(
        !listed.contains(&rotated.token),
        "tokens are never shown again"
    );
}

#[tokio::test]
async fn an_account_limited_to_plans_sees_and_writes_only_those() {
    let data = temp_dir("accounts-plans");
    let s = Server::start(&data, &[]);
    let store = s.store_args.clone();
    let other = Tab {
        token: add_user(&store, "别的街道", "office", &["--plan", "other-2022"]),
    };
    refused(
        other.get(&s, PLAN).await,
        StatusCode::FORBIDDEN,
        "xixing-2021",
    )
    .await;
    let full = Tab {
        token: add_user(&store, "科室", "office", &[]),
    };
    let whole = full.get(&s, "files/plans/index.json").await;
    let whole_tag = whole.headers()["etag"].to_str().unwrap().to_owned();
    let whole = Doc::from_json(&whole.bytes().await.unwrap()).unwrap();
    assert!(whole.entities.contains_key("xixing-2021"));
    let seen = other.get(&s, "files/plans/index.json").await;
    assert_eq!(seen.status(), StatusCode::OK);
    let tag = seen.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(tag, whole_tag, "the filtered view has its own ETag");
    let seen = Doc::from_json(&seen.bytes().await.unwrap()).unwrap();
    assert!(seen.entities.is_empty(), "{:?}", seen.entities.keys());
    refused(
        other
            .put(&s, "files/plans/index.json", &tag, seen.to_json())
            .await,
        StatusCode::FORBIDDEN,
        "never writes the plan index",
    )
    .await;
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_address_and_a_trusted_proxy_forwards_it() {
    let data = temp_dir("accounts-limit");
    let s = Server::start(&data, &["--trusted-proxy", "127.0.0.1"]);
    let store = s.store_args.clone();
    let good = add_user(&store, "科室", "office", &[]);
    let from = |addr: &'static str, token: &str| {
        client()
            .get(s.url(PLAN))
            .bearer_auth(token)
            .header("X-Forwarded-For", addr)
    };
    for _ in 0..10 {
        let res = from("10.9.9.1", "wrong").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = from("10.9.9.1", &good).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    // The proxy's other clients are not locked out.
    let res = from("10.9.9.2", &good).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_cli_refuses_bad_accounts_with_clear_words() {
    let data = temp_dir("accounts-cli");
    let store = vec![
        "--data-dir".to_owned(),
        data.display().to_string(),
        "--store".to_owned(),
        String::new(),
    ];
    let cases: &[(&[&str], &str)] = &[
        (
            &["user", "add", "x", "--role", "boss"],
            "unknown role 'boss'",
        ),
        (&["user", "add", " ", "--role", "office"], "account name"),
        (
            &["user", "add", "x", "--role", "office", "--plan", "Bad Id"],
            "not a plan id",
        ),
        (&["user", "revoke", "nobody"], "no account named 'nobody'"),
    ];
    for (args, words) in cases {
        let (ok, _, err) = cli(&store, args);
        assert!(!ok && err.contains(words), "{args:?}: {err}");
    }
    add_user(&store, "甲", "viewer", &[]);
    let (ok, _, err) = cli(&store, &["user", "add", "甲", "--role", "office"]);
    assert!(!ok && err.contains("exists"), "{err}");
}
