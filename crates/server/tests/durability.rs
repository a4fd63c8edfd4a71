//! Races and crashes: exactly one winner per If-Match, and no acknowledged write lost
//! when the server is killed at random moments.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::{client, temp_dir, Rng, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_clients_racing_with_the_same_etag_have_exactly_one_winner() {
    let s = Server::start(&temp_dir("race"), &[]);
    let c = client();
    let url = Arc::new(s.url("files/race/doc.json"));
    let r = c
        .put(url.as_str())
        .header("If-None-Match", "*")
        .body("start")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    for round in 0..200 {
        let etag = c.get(url.as_str()).send().await.unwrap().headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned();
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let (c, url, etag) = (c.clone(), url.clone(), etag.clone());
                tokio::spawn(async move {
                    let body = format!("round {round} client {i}");
                    let r = c
                        .put(url.as_str())
                        .header("If-Match", etag)
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    (r.status().as_u16(), body)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for t in tasks {
            let (status, body) = t.await.unwrap();
            match status {
                200 => winners.push(body),
                412 => {}
                other => panic!("round {round}: unexpected {other}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        let stored = c
            .get(url.as_str())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            stored, winners[0],
            "round {round}: the stored body is the winner's"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writers_of_a_plan_document_keep_one_winner_under_the_guard() {
    use jindu_core::doc::Doc;
    use jindu_core::edit::{Edit, Replica};
    use jindu_core::hlc::Clock;
    let s = Server::start(&temp_dir("race-plan"), &[]);
    let c = client();
    let url = Arc::new(s.url("files/plans/xixing-2021.json"));
    for round in 0..20 {
        let r = c.get(url.as_str()).send().await.unwrap();
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        let doc = Doc::from_json(&r.bytes().await.unwrap()).unwrap();
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let mut rep = Replica::new(doc.clone(), format!("t{i}"), Clock::default());
                let record = serde_json::from_value(serde_json::json!({
                    "on": "2021-07-01", "by": format!("检查员{i}"), "item": "item-4-2", "n": round
                }))
                .unwrap();
                rep.apply(&Edit::AddRecord { record }, "x", 1_625_100_000_000 + round)
                    .unwrap();
                let body = rep.doc.to_json();
                let (c, url, etag) = (c.clone(), url.clone(), etag.clone());
                tokio::spawn(async move {
                    let r = c
                        .put(url.as_str())
                        .header("If-Match", etag)
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    (r.status().as_u16(), body)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for t in tasks {
            let (status, body) = t.await.unwrap();
            if status == 200 {
                winners.push(body);
            } else {
                assert_eq!(status, 412);
            }
        }
        assert_eq!(winners.len(), 1);
        assert_eq!(
            c.get(url.as_str())
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .to_vec(),
            winners[0]
        );
    }
}

/// Every body the store holds for `name`: the current file and every history version,
/// read from the data directory itself or, when the server runs over PostgreSQL, from
/// its tables.
async fn stored_bodies(s: &Server, name: &str) -> HashSet<Vec<u8>> {
    let mut out = HashSet::new();
    if let Some(i) = s.store_args.iter().position(|a| a == "--store") {
        let url = &s.store_args[i + 1];
        let (db, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let rows = db
            .query(
                "SELECT body FROM jindu_files WHERE name = $1 \
                 UNION ALL SELECT body FROM jindu_history WHERE name = $1",
                &[&name],
            )
            .await
            .unwrap();
        out.extend(rows.iter().map(|r| r.get::<_, Vec<u8>>(0)));
        return out;
    }
    if let Ok(b) = std::fs::read(s.data.join(name)) {
        out.insert(b);
    }
    if let Ok(dir) = std::fs::read_dir(s.data.join(".history").join(name)) {
        for e in dir {
            out.insert(std::fs::read(e.unwrap().path()).unwrap());
        }
    }
    out
}

/// Files under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out
}

/// After a restart of a server on a data directory: the temporary directory is empty
/// and nothing but the writers' files and their history versions lies where they write.
fn assert_no_leftovers(data: &Path, writers: usize, kill: u64) {
    let tmp = files_under(&data.join(".tmp"));
    assert!(
        tmp.is_empty(),
        "kill {kill}: the restart left temporary files: {tmp:?}"
    );
    let expected: HashSet<String> = (0..writers).map(|w| format!("w{w}.json")).collect();
    for f in files_under(&data.join("crash")) {
        assert!(
            expected.contains(f.to_str().unwrap()),
            "kill {kill}: stray file crash/{}",
            f.display()
        );
    }
    for f in files_under(&data.join(".history/crash")) {
        let name = f.file_name().unwrap().to_str().unwrap();
        let version = name.strip_suffix(".v").unwrap_or("");
        assert!(
            version.len() == 8 && version.bytes().all(|b| b.is_ascii_digit()),
            "kill {kill}: stray file .history/crash/{}",
            f.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_server_mid_storm_never_loses_an_acknowledged_write() {
    let data = temp_dir("crash");
    let kills: u64 = std::env::var("JINDU_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let mut rng = Rng(0x5eed_cafe);
    let writers = 4;
    // Every version is kept, so that every acknowledged body can be found again.
    let args = ["--keep-versions", "1000000"];
    let on_dir = std::env::var("JINDU_TEST_PG").is_err();
    // Per writer: the highest sequence number acknowledged, the highest attempted, and
    // every acknowledged body (those of the last storm, and all of them).
    let mut acked = vec![0u64; writers];
    let mut attempted = vec![0u64; writers];
    let mut last_bodies: Vec<Vec<Vec<u8>>> = vec![Vec::new(); writers];
    let mut all_bodies: Vec<Vec<Vec<u8>>> = vec![Vec::new(); writers];
    let mut temp_left = 0;
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    for kill in 0..kills {
        let mut s = Server::start(&data, &args);
        if on_dir {
            assert_no_leftovers(&data, writers, kill);
        }
        // After every restart: every file parses and holds at least the last acked write,
        // and every body acknowledged before the kill is the current file or a history
        // version, byte for byte.
        for w in 0..writers {
            let name = format!("crash/w{w}.json");
            let r = c.get(s.url(&format!("files/{name}"))).send().await.unwrap();
            if acked[w] == 0 && r.status() == 404 {
                continue;
            }
            assert_eq!(r.status(), 200, "kill {kill}: writer {w}'s file is missing");
            let v: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap())
                .unwrap_or_else(|e| panic!("kill {kill}: writer {w}'s file does not parse: {e}"));
            let n = v["n"].as_u64().unwrap();
            assert!(
                n >= acked[w] && n <= attempted[w],
                "kill {kill}: writer {w} holds {n}, acked {}, attempted {}",
                acked[w],
                attempted[w]
            );
            acked[w] = n;
            let stored = stored_bodies(&s, &name).await;
            for body in last_bodies[w].drain(..) {
                assert!(
                    stored.contains(&body),
                    "kill {kill}: writer {w}'s acknowledged body {} is neither the file \
                     nor a history version",
                    String::from_utf8_lossy(&body[..40])
                );
                all_bodies[w].push(body);
            }
        }
        let storm: Vec<_> = (0..writers)
            .map(|w| {
                let c = c.clone();
                let url = s.url(&format!("files/crash/w{w}.json"));
                let start = attempted[w];
                tokio::spawn(async move {
                    let mut last_acked = None;
                    let mut bodies = Vec::new();
                    let mut n = start;
                    loop {
                        let cur = c.get(&url).send().await;
                        let Ok(cur) = cur else { break };
                        let etag = cur.headers().get("etag").map(|e| e.to_str().unwrap().to_owned());
                        n += 1;
                        let body = serde_json::json!({"n": n, "pad": "x".repeat(2000 + (n as usize % 7) * 1000)}).to_string();
                        let req = c.put(&url).body(body.clone());
                        let req = match etag {
                            Some(e) => req.header("If-Match", e),
                            None => req.header("If-None-Match", "*"),
                        };
                        match req.send().await {
                            Ok(r) if r.status().is_success() => {
                                last_acked = Some(n);
                                bodies.push(body.into_bytes());
                            }
                            Ok(r) => panic!("unexpected {}", r.status()),
                            Err(_) => break,
                        }
                    }
                    (last_acked, n, bodies)
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(5 + rng.below(60))).await;
        s.kill();
        for (w, t) in storm.into_iter().enumerate() {
            let (last, n, bodies) = t.await.unwrap();
            if let Some(a) = last {
                acked[w] = a;
            }
            attempted[w] = n;
            last_bodies[w].extend(bodies);
        }
        temp_left += files_under(&data.join(".tmp")).len();
    }
    // Everything in the data dir parses: plans as plans, the rest as JSON; and every
    // body acknowledged over the whole storm is still there, byte for byte.
    let s = Server::start(&data, &args);
    if on_dir {
        assert_no_leftovers(&data, writers, kills);
    }
    let mut total = 0;
    for (w, acked) in acked.iter().enumerate() {
        let name = format!("crash/w{w}.json");
        let r = c.get(s.url(&format!("files/{name}"))).send().await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert!(v["n"].as_u64().unwrap() >= *acked);
        let stored = stored_bodies(&s, &name).await;
        all_bodies[w].append(&mut last_bodies[w]);
        for body in &all_bodies[w] {
            assert!(
                stored.contains(body),
                "writer {w}'s acknowledged body {} is lost",
                String::from_utf8_lossy(&body[..40])
            );
        }
        total += all_bodies[w].len();
    }
    let plan = c
        .get(s.url("files/plans/xixing-2021.json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    jindu_core::doc::Doc::from_json(&plan).unwrap();
    assert!(
        acked.iter().all(|&a| a > 0),
        "the storm wrote something: {acked:?}"
    );
    println!(
        "{kills} kills; acknowledged writes per writer: {acked:?}; {total} acknowledged \
         bodies all found byte for byte; {temp_left} temporary files left by kills, all \
         cleaned by the restarts"
    );
}
