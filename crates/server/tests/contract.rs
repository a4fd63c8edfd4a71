//! Each rule of the endpoint's contract, against the real binary on loopback.

mod common;

use common::{client, temp_dir, Server, DATA_DIR_ONLY};
use jindu_core::doc::{Body, Doc, Register};
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::Clock;
use jindu_core::{index, seed};
use reqwest::StatusCode;

const PLAN: &str = "files/plans/xixing-2021.json";

async fn etag_of(c: &reqwest::Client, url: &str) -> String {
    let r = c.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_fresh_server_holds_the_built_in_plan_and_index_byte_identical() {
    let s = Server::start(&temp_dir("fresh"), &[]);
    let c = client();
    let r = c.get(s.url(PLAN)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && !etag.starts_with("W/"),
        "a strong ETag: {etag}"
    );
    assert_eq!(
        r.bytes().await.unwrap().to_vec(),
        seed::xixing_2021().to_json()
    );
    let idx = c.get(s.url("files/plans/index.json")).send().await.unwrap();
    assert_eq!(
        idx.bytes().await.unwrap().to_vec(),
        index::built_in_index().to_json()
    );
    let h = c.get(s.url("healthz")).send().await.unwrap();
    assert_eq!(h.status(), 200);
}

#[tokio::test]
async fn get_answers_404_for_absent_files_and_304_for_the_current_etag() {
    let s = Server::start(&temp_dir("get"), &[]);
    let c = client();
    assert_eq!(
        c.get(s.url("files/nothing.json"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let etag = etag_of(&c, &s.url(PLAN)).await;
    let r = c
        .get(s.url(PLAN))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"], etag.as_str());
    let r = c
        .get(s.url(PLAN))
        .header("If-None-Match", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn put_with_if_match_succeeds_only_on_the_current_etag() {
    let s = Server::start(&temp_dir("ifmatch"), &[]);
    let c = client();
    let url = s.url("files/notes/a.json");
    let r = c
        .put(&url)
        .header("If-None-Match", "*")
        .body("1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let e1 = r.headers()["etag"].to_str().unwrap().to_owned();
    let r = c
        .put(&url)
        .header("If-Match", &e1)
        .body("2")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let e2 = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(e1, e2);
    let r = c
        .put(&url)
        .header("If-Match", &e1)
        .body("3")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412, "a stale ETag changes nothing");
    assert_eq!(c.get(&url).send().await.unwrap().text().await.unwrap(), "2");
    let r = c
        .put(s.url("files/notes/absent.json"))
        .header("If-Match", &e2)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412, "If-Match on an absent file");
}

#[tokio::test]
async fn create_only_when_absent_and_never_a_blind_overwrite() {
    let s = Server::start(&temp_dir("create"), &[]);
    let c = client();
    let url = s.url("files/notes/b.json");
    assert_eq!(
        c.put(&url)
            .header("If-None-Match", "*")
            .body("1")
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    assert_eq!(
        c.put(&url)
            .header("If-None-Match", "*")
            .body("2")
            .send()
            .await
            .unwrap()
            .status(),
        412
    );
    assert_eq!(c.put(&url).body("3").send().await.unwrap().status(), 428);
    assert_eq!(
        c.put(&url)
            .header("If-Match", "*")
            .body("4")
            .send()
            .await
            .unwrap()
            .status(),
        428
    );
    assert_eq!(c.get(&url).send().await.unwrap().text().await.unwrap(), "1");
}

#[tokio::test]
async fn bad_paths_are_refused_and_nothing_outside_the_data_dir_is_touched() {
    let root = temp_dir("paths");
    let data = root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let outside = root.join("outside.json");
    std::fs::write(&outside, "secret").unwrap();
    // A symlink planted in the data dir, pointing outside.
    std::os::unix::fs::symlink(&root, data.join("link")).unwrap();
    let s = Server::start(&data, DATA_DIR_ONLY);
    let c = client();
    let long = "a".repeat(300);
    for bad in [
        "files/../outside.json",
        "files/%2e%2e/outside.json",
        "files/%2E%2E%2Foutside.json",
        "files/..%2F..%2Foutside.json",
        "files//etc/passwd",
        "files/%2Fetc%2Fpasswd",
        "files/a%00b.json",
        "files/.token",
        "files/.history/plans",
        "files/a/b/c/d.json",
        "files/sp%20ace.json",
        "files/link/outside.json",
        &format!("files/{long}.json"),
    ] {
        let got = c.get(s.url(bad)).send().await.unwrap();
        let get = got.status();
        // A form normalised out of /files/ reaches the app built into the binary, if it
        // carries one: its index, never the file.
        let app = get == 200 && EMBEDDED.is_some();
        if app {
            let body = got.text().await.unwrap();
            assert!(body.starts_with("<!") && !body.contains("secret"), "{bad}");
        }
        let put = c
            .put(s.url(bad))
            .header("If-None-Match", "*")
            .body("pwned")
            .send()
            .await
            .unwrap()
            .status();
        // Some forms are normalised away by the HTTP stack before routing (404, or the
        // app, which takes no PUT); none may succeed.
        assert!(get == 400 || get == 404 || app, "{bad}: {get}");
        assert!(
            put == 400 || put == 404 || (app && put == 405),
            "{bad}: {put}"
        );
    }
    let put_link = c
        .put(s.url("files/link/new.json"))
        .header("If-None-Match", "*")
        .body("pwned")
        .send()
        .await
        .unwrap();
    assert_eq!(put_link.status(), 400);
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "secret");
    assert!(!root.join("new.json").exists());
    let names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "nothing new beside the data dir: {names:?}");
}

#[tokio::test]
async fn tokens_guard_files_and_read_tokens_cannot_write() {
    let s = Server::start(
        &temp_dir("auth"),
        &["--token", "writer-secret", "--read-token", "reader-secret"],
    );
    let c = client();
    assert_eq!(c.get(s.url(PLAN)).send().await.unwrap().status(), 401);
    let r = c
        .get(s.url(PLAN))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .get(s.url(PLAN))
        .bearer_auth("reader-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let body = r.bytes().await.unwrap();
    let r = c
        .put(s.url(PLAN))
        .bearer_auth("reader-secret")
        .header("If-Match", &etag)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .put(s.url(PLAN))
        .bearer_auth("writer-secret")
        .header("If-Match", &etag)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        c.get(s.url("healthz")).send().await.unwrap().status(),
        200,
        "health needs no token"
    );
    let log = s.log().join("\n");
    assert!(
        !log.contains("secret"),
        "the request log never holds a token: {log}"
    );
    assert!(log.contains("GET /files/plans/xixing-2021.json 401"));
    let line = s.log();
    let _ = line;
}

#[tokio::test]
async fn beyond_loopback_without_a_token_the_server_makes_one_and_prints_the_setup_link() {
    let data = temp_dir("lan");
    let s = Server::start_on(&data, "0.0.0.0:0", DATA_DIR_ONLY);
    let port = s.base.rsplit(':').next().unwrap().to_owned();
    let c = client();
    let local = format!("http://127.0.0.1:{port}/{PLAN}");
    assert_eq!(
        c.get(&local).send().await.unwrap().status(),
        401,
        "never open beyond loopback"
    );
    let token = std::fs::read_to_string(data.join(".token")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(data.join(".token"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(
        c.get(&local)
            .bearer_auth(token.trim())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    let err: Vec<String> = s.stderr.try_iter().collect();
    let link = err
        .iter()
        .find(|l| l.contains("#setup"))
        .expect("a setup link on the terminal");
    assert!(link.contains(&format!("token={}", token.trim())));
    assert!(link.contains("endpoint=http%3A%2F%2F"));
    assert!(
        !s.log().join("\n").contains(token.trim()),
        "not in the request log"
    );
    // The same token is kept across restarts.
    drop(s);
    let s = Server::start_on(&data, "0.0.0.0:0", DATA_DIR_ONLY);
    let port = s.base.rsplit(':').next().unwrap().to_owned();
    let local = format!("http://127.0.0.1:{port}/{PLAN}");
    assert_eq!(
        c.get(&local)
            .bearer_auth(token.trim())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_and_the_file_is_untouched() {
    let s = Server::start(&temp_dir("limit"), &["--max-body", "1000"]);
    let c = client();
    let url = s.url("files/notes/big.json");
    assert_eq!(
        c.put(&url)
            .header("If-None-Match", "*")
            .body("small")
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let etag = etag_of(&c, &url).await;
    let r = c
        .put(&url)
        .header("If-Match", &etag)
        .body(vec![b'x'; 5000])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(
        c.get(&url).send().await.unwrap().text().await.unwrap(),
        "small"
    );
}

#[tokio::test]
async fn cors_only_for_configured_origins_exposing_etag_and_date() {
    let s = Server::start(
        &temp_dir("cors"),
        &["--allow-origin", "https://office.example"],
    );
    let c = client();
    let r = c
        .get(s.url(PLAN))
        .header("Origin", "https://office.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://office.example"
    );
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        exposed.contains("etag") && exposed.contains("date"),
        "{exposed}"
    );
    let r = c
        .get(s.url(PLAN))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let pre = c
        .request(reqwest::Method::OPTIONS, s.url(PLAN))
        .header("Origin", "https://office.example")
        .header("Access-Control-Request-Method", "PUT")
        .header("Access-Control-Request-Headers", "if-match,authorization")
        .send()
        .await
        .unwrap();
    assert!(pre.status().is_success());
    let allowed = pre.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(allowed.contains("if-match"));
}

fn grown(doc: &Doc) -> Doc {
    let mut r = Replica::new(doc.clone(), "tablet", Clock::default());
    let record = serde_json::from_value(serde_json::json!({
        "on": "2021-07-01", "by": "检查员", "item": "item-4-1", "pct": 60
    }))
    .unwrap();
    r.apply(&Edit::AddRecord { record }, "检查员", 1_625_100_000_000)
        .unwrap();
    r.doc
}

#[tokio::test]
async fn plan_documents_are_guarded_against_garbage_and_data_loss() {
    let s = Server::start(&temp_dir("guard"), &[]);
    let c = client();
    let etag = etag_of(&c, &s.url(PLAN)).await;
    let put = |body: Vec<u8>| {
        c.put(s.url(PLAN))
            .header("If-Match", &etag)
            .body(body)
            .send()
    };
    let r = put(b"{\"not\": \"a plan\"}".to_vec()).await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("not a Jindu plan document"));
    // Dropping a record the stored version holds.
    let mut smaller = seed::xixing_2021();
    let first = smaller.records.keys().next().unwrap().clone();
    smaller.records.remove(&first);
    let r = put(smaller.to_json()).await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("would drop data"));
    // Another plan's document at this path.
    let mut other = seed::xixing_2021();
    other.id = "another".into();
    assert_eq!(put(other.to_json()).await.unwrap().status(), 409);
    // A newer format.
    let newer = String::from_utf8(seed::xixing_2021().to_json())
        .unwrap()
        .replacen("\"format\":3", "\"format\":9", 1);
    assert_eq!(put(newer.into_bytes()).await.unwrap().status(), 409);
    assert_eq!(etag_of(&c, &s.url(PLAN)).await, etag, "nothing changed");
    // A superset is accepted.
    let r = put(grown(&seed::xixing_2021()).to_json()).await.unwrap();
    assert_eq!(r.status(), 200);
}

/// Nothing stored is ever rewritten: a body that changes the content under a stored
/// record version's or field value's stamp and device is refused with 409, naming it and
/// the start of both contents, whether the new content sorts before or after the old and
/// even alongside honest additions; and the file stays byte for byte as it was. Keys the
/// format does not know are refused too.
#[tokio::test]
async fn in_place_rewrites_and_unknown_keys_are_refused_and_the_file_is_unchanged() {
    let s = Server::start(&temp_dir("rewrite"), &[]);
    let c = client();
    let r = c.get(s.url(PLAN)).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let before = r.bytes().await.unwrap().to_vec();
    let stored = Doc::from_json(&before).unwrap();
    let put = |body: Vec<u8>| {
        c.put(s.url(PLAN))
            .header("If-Match", &etag)
            .body(body)
            .send()
    };
    let (record, versions) = stored
        .records
        .iter()
        .find(|(_, v)| !v[0].is_tombstone())
        .unwrap();
    let mut cases: Vec<(Doc, String)> = Vec::new();
    for note in ["AAA sorts before", "zzz sorts after"] {
        let mut body: serde_json::Value = versions[0].body.read().unwrap();
        body["note"] = note.into();
        let mut doc = stored.clone();
        doc.records.get_mut(record).unwrap()[0].body = Body::new(&body);
        cases.push((doc.clone(), format!("record {record}'s version")));
        cases.push((grown(&doc), format!("record {record}'s version")));
    }
    let (entity, fields) = stored
        .entities
        .iter()
        .find(|(id, _)| *id == "plan")
        .unwrap();
    let (field, reg) = fields.iter().next().unwrap();
    for value in [serde_json::json!("AAA"), serde_json::json!("zzz")] {
        let mut v = serde_json::to_value(reg).unwrap();
        v["v"][0]["v"] = value;
        let mut doc = stored.clone();
        doc.entities
            .get_mut(entity)
            .unwrap()
            .insert(field, serde_json::from_value::<Register>(v).unwrap());
        cases.push((grown(&doc), format!("field {entity}.{field}'s value")));
    }
    for (doc, what) in cases {
        let r = put(doc.to_json()).await.unwrap();
        assert_eq!(r.status(), 409, "{what}");
        let text = r.text().await.unwrap();
        assert!(text.contains(&what), "{text}");
        assert!(text.contains("rewritten in place"), "{text}");
    }
    let unknown = String::from_utf8(grown(&stored).to_json())
        .unwrap()
        .replacen("{\"format\":3,", "{\"format\":3,\"extra\":true,", 1);
    let r = put(unknown.into_bytes()).await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("unknown field"));
    let r = c.get(s.url(PLAN)).send().await.unwrap();
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(
        r.bytes().await.unwrap().to_vec(),
        before,
        "the file is unchanged"
    );
}

/// A server whose `--static-dir` holds these files (name, content).
fn serving_app(tag: &str, files: &[(&str, &str)]) -> Server {
    let root = temp_dir(tag);
    let dist = root.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    for (name, content) in files {
        std::fs::write(dist.join(name), content).unwrap();
    }
    Server::start(
        &root.join("data"),
        &["--static-dir", dist.to_str().unwrap()],
    )
}

#[tokio::test]
async fn the_app_is_served_with_index_html_for_deep_links() {
    let s = serving_app(
        "static",
        &[("index.html", "<html>进度</html>"), ("app.js", "1")],
    );
    let c = client();
    assert_eq!(
        c.get(s.url("app.js"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "1"
    );
    let deep = c.get(s.url("items/item-4-1")).send().await.unwrap();
    assert_eq!(deep.status(), 200);
    assert!(deep.text().await.unwrap().contains("进度"));
    assert_eq!(
        c.get(s.url("files/nothing.json"))
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "no fallback under /files/"
    );
}

#[tokio::test]
async fn compressed_copies_of_the_app_go_to_browsers_that_accept_them() {
    let s = serving_app(
        "precompressed",
        &[
            ("index.html", "<html>进度</html>"),
            ("index.html.br", "brotli index"),
            ("app.wasm", "plain wasm"),
            ("app.wasm.br", "brotli wasm"),
            ("app.wasm.gz", "gzip wasm"),
        ],
    );
    let c = client();
    let get = |path: &'static str, accept: &'static str| {
        let req = c.get(s.url(path));
        let req = if accept.is_empty() {
            req
        } else {
            req.header("accept-encoding", accept)
        };
        async move {
            let r = req.send().await.unwrap();
            let encoding = r
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_owned());
            let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
            (encoding, kind, r.text().await.unwrap())
        }
    };
    let (enc, kind, body) = get("app.wasm", "gzip, deflate, br").await;
    assert_eq!((enc.as_deref(), body.as_str()), (Some("br"), "brotli wasm"));
    assert_eq!(
        kind, "application/wasm",
        "the type of the file, not of its copy"
    );
    let (enc, _, body) = get("app.wasm", "gzip").await;
    assert_eq!((enc.as_deref(), body.as_str()), (Some("gzip"), "gzip wasm"));
    let (enc, _, body) = get("app.wasm", "").await;
    assert_eq!((enc, body.as_str()), (None, "plain wasm"));
    // Deep links get the index, compressed too.
    let (enc, kind, body) = get("items/item-4-1", "br").await;
    assert_eq!(
        (enc.as_deref(), body.as_str()),
        (Some("br"), "brotli index")
    );
    assert!(kind.starts_with("text/html"));
    let (enc, _, body) = get("items/item-4-1", "").await;
    assert_eq!((enc, body.as_str()), (None, "<html>进度</html>"));
}

/// The built app this build embeds (`build.rs` found it), if any.
const EMBEDDED: Option<&str> = option_env!("JINDU_EMBED_DIR");

#[tokio::test]
async fn without_a_static_dir_the_app_built_into_the_binary_is_served() {
    let version = std::process::Command::new(env!("CARGO_BIN_EXE_jindu-server"))
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8(version.stdout).unwrap();
    let s = Server::start(&temp_dir("embedded"), &[]);
    let c = client();
    let Some(dist) = EMBEDDED.map(std::path::Path::new) else {
        // Built before the app (as the test command's native tests are): nothing embedded,
        // and the server says so; the app's paths are not found.
        eprintln!("note: no app was built before this test build; checking that none is served");
        assert!(version.contains("no app embedded"), "{version}");
        assert_eq!(c.get(s.url("")).send().await.unwrap().status(), 404);
        std::thread::sleep(std::time::Duration::from_millis(200));
        let said: Vec<String> = s.stderr.try_iter().collect();
        assert!(
            said.iter()
                .any(|l| l.contains("No app is built into this binary")),
            "{said:?}"
        );
        return;
    };
    let index = std::fs::read(dist.join("index.html")).unwrap();
    let hash: String = {
        use sha2::Digest as _;
        sha2::Sha256::digest(&index)[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert!(
        version.starts_with(&format!(
            "jindu-server {} (app {hash}, ",
            env!("CARGO_PKG_VERSION")
        )),
        "{version}"
    );
    // The index at / and for deep links, plain to a client that accepts no encoding.
    for path in ["", "items/item-4-1", "report"] {
        let r = c.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert_eq!(r.headers()["cache-control"], "no-cache");
        assert!(r.headers().get("content-encoding").is_none());
        assert_eq!(r.bytes().await.unwrap().to_vec(), index, "{path}");
    }
    // Every file of the build, byte for byte and with its type; its brotli and gzip
    // copies to browsers that accept them; a 304 for the ETag a browser revalidates with.
    let mut checked = 0;
    for entry in std::fs::read_dir(dist).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".br") || name.ends_with(".gz") {
            continue;
        }
        let plain = c
            .get(s.url(&name))
            .header("accept-encoding", "identity")
            .send()
            .await
            .unwrap();
        assert_eq!(plain.status(), 200, "{name}");
        let kind = plain.headers()["content-type"].to_str().unwrap().to_owned();
        let want = match name.rsplit('.').next().unwrap() {
            "wasm" => "application/wasm",
            // mime_guess's name for it (browsers take both).
            "js" if kind.starts_with("application/javascript") => "application/javascript",
            "js" => "text/javascript",
            "css" => "text/css",
            "html" => "text/html",
            "svg" => "image/svg+xml",
            "webmanifest" => "application/manifest+json",
            other => panic!("a file type the test does not know: {other}"),
        };
        assert!(kind.starts_with(want), "{name}: {kind}");
        let etag = plain.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(
            plain.bytes().await.unwrap().to_vec(),
            std::fs::read(dist.join(&name)).unwrap(),
            "{name}"
        );
        let again = c
            .get(s.url(&name))
            .header("accept-encoding", "identity")
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{name}");
        for (coding, suffix) in [("br", "br"), ("gzip", "gz")] {
            let Ok(copy) = std::fs::read(dist.join(format!("{name}.{suffix}"))) else {
                continue;
            };
            let r = c
                .get(s.url(&name))
                .header("accept-encoding", coding)
                .send()
                .await
                .unwrap();
            assert_eq!(r.headers()["content-encoding"], coding, "{name}");
            assert_eq!(r.headers()["vary"], "accept-encoding", "{name}");
            assert!(r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(want));
            assert_ne!(
                r.headers()["etag"].to_str().unwrap(),
                etag,
                "one ETag per copy"
            );
            assert_eq!(r.bytes().await.unwrap().to_vec(), copy, "{name}.{suffix}");
        }
        checked += 1;
    }
    assert!(checked >= 5, "the build's files were checked ({checked})");
    // The API is still the API, and a --static-dir still overrides the embedded app.
    assert_eq!(
        c.get(s.url("files/nothing.json"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let other = serving_app("override", &[("index.html", "<html>other</html>")]);
    let r = c.get(other.url("items/item-4-1")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "<html>other</html>");
}

#[tokio::test]
async fn every_request_is_logged_on_one_line() {
    let s = Server::start(&temp_dir("log"), &[]);
    let c = client();
    c.get(s.url(PLAN))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let log = s.log();
    let line = log
        .iter()
        .find(|l| l.starts_with("GET /files/plans/xixing-2021.json"))
        .unwrap();
    let parts: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(parts[2], "200");
    assert_eq!(
        parts[3].parse::<usize>().unwrap(),
        seed::xixing_2021().to_json().len()
    );
    assert!(parts[4].ends_with("ms"));
}

#[tokio::test]
async fn https_with_a_certificate_from_tls_init() {
    let data = temp_dir("tls");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jindu-server"))
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "tls",
            "init",
            "--name",
            "jindu.test",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tls = data.join("tls");
    // A second init refuses to replace the CA tablets already trust.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_jindu-server"))
        .args(["--data-dir", data.to_str().unwrap(), "tls", "init"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    let s = Server::start(
        &data,
        &[
            "--tls-cert",
            tls.join("cert.pem").to_str().unwrap(),
            "--tls-key",
            tls.join("key.pem").to_str().unwrap(),
        ],
    );
    assert!(s.base.starts_with("https://"));
    let ca = reqwest::Certificate::from_pem(&std::fs::read(tls.join("ca.pem")).unwrap()).unwrap();
    let c = reqwest::Client::builder()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let port = s.base.rsplit(':').next().unwrap();
    for host in ["localhost", "127.0.0.1"] {
        let r = c
            .get(format!("https://{host}:{port}/{PLAN}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{host}");
    }
    // Without trusting the CA, the connection is refused.
    assert!(client()
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .is_err());
}

#[tokio::test]
async fn history_keeps_versions_and_restores_one() {
    let data = temp_dir("history");
    let s = Server::start(&data, &[]);
    let c = client();
    let url = s.url("files/notes/h.json");
    let mut etag = c
        .put(&url)
        .header("If-None-Match", "*")
        .body("v1")
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    for v in ["v2", "v3"] {
        etag = c
            .put(&url)
            .header("If-Match", &etag)
            .body(v)
            .send()
            .await
            .unwrap()
            .headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned();
    }
    let store = s.store_args.clone();
    drop(s);
    let bin = env!("CARGO_BIN_EXE_jindu-server");
    let list = std::process::Command::new(bin)
        .args(&store)
        .args(["history", "list", "notes/h.json"])
        .output()
        .unwrap();
    let listed = String::from_utf8(list.stdout).unwrap();
    assert_eq!(listed.lines().count(), 3, "{listed}");
    let first: String = listed
        .split_whitespace()
        .next()
        .expect("a version number")
        .to_owned();
    let restore = std::process::Command::new(bin)
        .args(&store)
        .args(["history", "restore", "notes/h.json", &first])
        .output()
        .unwrap();
    assert!(
        restore.status.success(),
        "{}",
        String::from_utf8_lossy(&restore.stderr)
    );
    let s = Server::start(&data, &[]);
    let restored = c.get(s.url("files/notes/h.json")).send().await.unwrap();
    assert_eq!(restored.text().await.unwrap(), "v1");
    drop(s);
    let missing = std::process::Command::new(bin)
        .args(&store)
        .args(["history", "restore", "notes/h.json", "99"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    // Only the last N versions are kept.
    let s = Server::start(&data, &["--keep-versions", "2"]);
    let mut etag = etag_of(&c, &s.url("files/notes/h.json")).await;
    for v in ["a", "b", "c"] {
        etag = c
            .put(s.url("files/notes/h.json"))
            .header("If-Match", &etag)
            .body(v)
            .send()
            .await
            .unwrap()
            .headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned();
    }
    drop(s);
    let list = std::process::Command::new(bin)
        .args(&store)
        .args(["history", "list", "notes/h.json"])
        .output()
        .unwrap();
    let listed = String::from_utf8(list.stdout).unwrap();
    assert_eq!(listed.lines().count(), 2, "{listed}");
}
