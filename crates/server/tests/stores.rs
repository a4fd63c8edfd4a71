//! Several servers over one shared store, with real stores on loopback: PostgreSQL (one
//! cluster, and a primary with a synchronous standby) and a single-node Ceph RGW.
//! Races through different instances have exactly one winner per round, killed instances
//! and a killed primary lose no acknowledged write (plan files, photos and accounts in
//! the instance kill storm), and media keep their contract over
//! Ceph RGW (`common::media`; `media.rs` runs it on the directory and PostgreSQL).

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::stores::{CephRgw, Postgres};
use common::storm::{
    accounts_kept, accounts_storm, add_account, media_kept, media_storm, storm, storm_as,
};
use common::{client, temp_dir, Rng, Server};

const DOC: &str = "files/race/doc.json";

fn instances(n: usize, store: &str, env: &[(String, String)], extra: &[&str]) -> Vec<Server> {
    (0..n)
        .map(|_| {
            let mut args = vec!["--store", store];
            args.extend_from_slice(extra);
            Server::start_with(&temp_dir("instance"), "127.0.0.1:0", &args, env)
        })
        .collect()
}

async fn get(c: &reqwest::Client, url: &str) -> (u16, String, Vec<u8>) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let etag = r
        .headers()
        .get("etag")
        .map(|e| e.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, etag, r.bytes().await.unwrap().to_vec())
}

/// `clients` PUTs race with the same If-Match, spread over the instances, for `rounds`
/// rounds: exactly one wins each round, and then every instance serves the winner's
/// body and ETag.
async fn race(servers: &[Server], clients: usize, rounds: usize) {
    let c = client();
    let r = c
        .put(servers[0].url(DOC))
        .header("If-None-Match", "*")
        .body("start")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    for round in 0..rounds {
        let (_, etag, _) = get(&c, &servers[round % servers.len()].url(DOC)).await;
        let tasks: Vec<_> = (0..clients)
            .map(|i| {
                let url = servers[i % servers.len()].url(DOC);
                let (c, etag) = (c.clone(), etag.clone());
                tokio::spawn(async move {
                    let body = format!("round {round} client {i}");
                    let r = c
                        .put(url)
                        .header("If-Match", etag)
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    let tag = r
                        .headers()
                        .get("etag")
                        .map(|e| e.to_str().unwrap().to_owned());
                    (r.status().as_u16(), body, tag)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for t in tasks {
            let (status, body, tag) = t.await.unwrap();
            match status {
                200 => winners.push((body, tag.expect("a 200 carries the new ETag"))),
                412 => {}
                other => panic!("round {round}: unexpected {other}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        let (body, tag) = &winners[0];
        for (i, s) in servers.iter().enumerate() {
            let (status, etag, stored) = get(&c, &s.url(DOC)).await;
            assert_eq!(status, 200);
            assert_eq!(
                String::from_utf8_lossy(&stored),
                *body,
                "round {round}: instance {i} serves the winner's body"
            );
            assert_eq!(
                etag, *tag,
                "round {round}: instance {i} serves the winner's ETag"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_over_postgresql_have_one_winner_per_round() {
    let pg = Postgres::start(&temp_dir("pg-race"), false);
    let servers = instances(3, &pg.url, &[], &[]);
    race(&servers, 20, 100).await;
    // History is rows: one per write (start + 100 winners).
    let rows = pg.sql("SELECT count(*) FROM jindu_history WHERE name = 'race/doc.json'");
    assert_eq!(rows, "50", "101 writes, the last 50 kept by default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn etags_change_on_every_write_even_when_the_bytes_repeat() {
    let pg = Postgres::start(&temp_dir("pg-etag"), false);
    let servers = instances(2, &pg.url, &[], &[]);
    let c = client();
    let r = c
        .put(servers[0].url(DOC))
        .header("If-None-Match", "*")
        .body("same")
        .send()
        .await
        .unwrap();
    let first = r.headers()["etag"].to_str().unwrap().to_owned();
    let r = c
        .put(servers[1].url(DOC))
        .header("If-Match", &first)
        .body("same")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let second = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(first, second, "the same bytes written twice get new ETags");
    // The old ETag no longer matches anywhere.
    let r = c
        .put(servers[0].url(DOC))
        .header("If-Match", &first)
        .body("late")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    // Beyond loopback, instances sharing a store must share a token too: one kept in a
    // machine's own data directory would differ from the others'.
    let refused = Server::try_start_on(&temp_dir("lan"), "0.0.0.0:0", &["--store", &pg.url], &[])
        .err()
        .expect("no token, no start");
    assert!(refused.contains("same --token"), "{refused}");
}

/// Every acknowledged write is a history row with its body, and every row parses.
async fn assert_all_kept(pg: &Postgres, acked: &[(String, String)]) {
    let (db, conn) = tokio_postgres::connect(&pg.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let rows = db
        .query("SELECT etag, body FROM jindu_history", &[])
        .await
        .unwrap();
    let kept: std::collections::HashMap<String, Vec<u8>> =
        rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    for (etag, body) in acked {
        let stored = kept
            .get(etag)
            .unwrap_or_else(|| panic!("acknowledged write {etag} is not in the store"));
        assert_eq!(
            stored,
            body.as_bytes(),
            "{etag} holds what was acknowledged"
        );
    }
    for (etag, body) in &kept {
        serde_json::from_slice::<serde_json::Value>(body)
            .unwrap_or_else(|e| panic!("{etag} does not parse: {e}"));
    }
    let current = db
        .query(
            "SELECT body FROM jindu_files WHERE name LIKE 'storm/%'",
            &[],
        )
        .await
        .unwrap();
    assert!(!current.is_empty());
    for r in current {
        serde_json::from_slice::<serde_json::Value>(r.get(0)).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_an_instance_mid_storm_loses_no_acknowledged_write() {
    let pg = Postgres::start(&temp_dir("pg-kill"), false);
    let keep = ["--keep-versions", "1000000"];
    let mut servers = instances(3, &pg.url, &[], &keep);
    let ports: Vec<u16> = servers
        .iter()
        .map(|s| s.base.rsplit(':').next().unwrap().parse().unwrap())
        .collect();
    let urls = Arc::new(servers.iter().map(|s| s.base.clone()).collect::<Vec<_>>());
    // With accounts in the store every request needs a token: the writers act as an
    // office account, and CLI runs add inspectors (some SIGKILLed) all through.
    let cli_store: Vec<String> = ["--data-dir", &temp_dir("pg-kill-cli").display().to_string()]
        .iter()
        .map(|a| a.to_string())
        .chain(["--store".to_owned(), pg.url.clone()])
        .collect();
    let token = add_account(&cli_store, &[], "storm-office", "office");
    let stop = Arc::new(AtomicBool::new(false));
    let tasks = storm_as(urls.clone(), 6, stop.clone(), Some(token.clone()));
    let uploads = media_storm(urls.clone(), 2, stop.clone(), Some(token.clone()));
    let adders = accounts_storm(cli_store.clone(), vec![], 2, stop.clone());
    let mut rng = Rng(0x0dd_ba11);
    let kills = 12;
    for _ in 0..kills {
        tokio::time::sleep(Duration::from_millis(100 + rng.below(300))).await;
        let victim = rng.below(3) as usize;
        servers[victim].kill();
        tokio::time::sleep(Duration::from_millis(rng.below(200))).await;
        servers[victim] = Server::start_with(
            &temp_dir("instance"),
            &format!("127.0.0.1:{}", ports[victim]),
            &["--store", &pg.url, "--keep-versions", "1000000"],
            &[],
        );
    }
    stop.store(true, Ordering::Relaxed);
    let mut acked = Vec::new();
    let mut failures = 0;
    for t in tasks {
        let (a, f) = t.await.unwrap();
        acked.extend(a);
        failures += f;
    }
    assert!(acked.len() > 50, "the storm wrote: {} acked", acked.len());
    assert_all_kept(&pg, &acked).await;
    let unique: HashSet<_> = acked.iter().map(|a| &a.0).collect();
    assert_eq!(unique.len(), acked.len(), "no ETag was acknowledged twice");
    let media = media_kept(uploads, &urls, &token).await;
    let accounts = accounts_kept(adders, &cli_store, &[]).await;
    println!(
        "{kills} kills; {} acknowledged writes, {failures} failed or refused attempts; \
         {media}; {accounts}",
        acked.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failover_to_the_synchronous_standby_keeps_every_acknowledged_write() {
    let primary = Postgres::start(&temp_dir("pg-primary"), true);
    let standby = primary.standby(&temp_dir("pg-standby"));
    let url = format!(
        "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/postgres?target_session_attrs=read-write&connect_timeout=2",
        primary.port, standby.port
    );
    let servers = instances(2, &url, &[], &["--keep-versions", "1000000"]);
    let urls = Arc::new(servers.iter().map(|s| s.base.clone()).collect::<Vec<_>>());
    let stop = Arc::new(AtomicBool::new(false));
    let tasks = storm(urls, 6, stop.clone());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    primary.kill();
    let killed = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    standby.promote();
    let promoted = killed.elapsed();
    // The servers reconnect to the new primary and go on acknowledging writes.
    tokio::time::sleep(Duration::from_millis(3000)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acked = Vec::new();
    let mut failures = 0;
    for t in tasks {
        let (a, f) = t.await.unwrap();
        acked.extend(a);
        failures += f;
    }
    let after: usize = standby
        .sql("SELECT count(*) FROM jindu_history WHERE name LIKE 'storm/%' AND written > now() - interval '2500 milliseconds'")
        .parse()
        .unwrap();
    assert!(after > 0, "writes were acknowledged after the failover");
    assert_all_kept(&standby, &acked).await;
    println!(
        "promoted {promoted:?} after the kill; {} acknowledged writes all on the new primary ({after} in its last 2.5 s), {failures} failed or refused attempts",
        acked.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_over_ceph_rgw_have_one_winner_per_round() {
    let rgw = CephRgw::start(&temp_dir("ceph"));
    // Ceph RGW 16 compares If-Match with the unquoted ETag: the start check names the fix.
    let refused = Server::try_start_on(
        &temp_dir("quoted"),
        "127.0.0.1:0",
        &["--store", "s3://jindu/quoted", "--s3-etag", "quoted"],
        &rgw.env,
    )
    .err()
    .expect("a server with quoted ETags refuses to start over Ceph RGW");
    assert!(refused.contains("--s3-etag unquoted"), "{refused}");
    let servers = instances(2, "s3://jindu/office", &rgw.env, &["--s3-etag", "unquoted"]);
    race(&servers, 20, 100).await;
    // History versions are objects beside the file.
    let c = client();
    let (status, current, _) = get(&c, &servers[1].url(DOC)).await;
    assert_eq!(status, 200);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jindu-server"))
        .envs(rgw.env.iter().map(|(k, v)| (k, v)))
        .args(["--store", "s3://jindu/office", "--s3-etag", "unquoted"])
        .args(["history", "list", "race/doc.json"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(listed.lines().count(), 50, "{listed}");
    // The listing carries each version's ETag: the newest is the file's.
    let newest = listed.lines().last().unwrap();
    assert!(newest.ends_with(&current), "{newest} vs {current}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn media_over_ceph_rgw_are_created_once_and_checked_against_their_name() {
    let rgw = CephRgw::start(&temp_dir("ceph-media"));
    // In the environment, so that the contract's CLI calls reach the store as well.
    let mut env = rgw.env.clone();
    env.push(("JINDU_S3_ETAG".into(), "unquoted".into()));
    let limit = common::media::LIMIT.to_string();
    let servers = instances(2, "s3://jindu/media", &env, &["--max-media", &limit]);
    common::media::store_contract(&servers[0], &env).await;
    // A photo uploaded through one instance is there for the other: 412 on a repeat
    // (the tablet's retry after a lost reply went to another server), and the bytes.
    let body = common::media::jpeg(40, 3000);
    let path = common::media::media_path(common::media::PLAN, &body, "jpg");
    let r = common::media::upload(&servers[0], &path, None, body.clone()).await;
    assert_eq!(r.status(), 201);
    let r = common::media::upload(&servers[1], &path, None, body.clone()).await;
    assert_eq!(r.status(), 412);
    let r = common::media::get(&servers[1], &path, None).await;
    assert_eq!(r.bytes().await.unwrap().to_vec(), body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_fault_is_a_500_and_a_lost_database_a_503_to_retry() {
    let pg = Postgres::start(&temp_dir("pg-fault"), false);
    let servers = instances(1, &pg.url, &[], &[]);
    let c = client();
    // A rule of the database's own that every retry would break again (23514).
    pg.sql(
        "ALTER TABLE jindu_files ADD CONSTRAINT small CHECK (octet_length(body) < 1000) NOT VALID",
    );
    let r = c
        .put(servers[0].url("files/fault/big.json"))
        .header("If-None-Match", "*")
        .body(format!("\"{}\"", "x".repeat(2000)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500, "a constraint violation is a fault");
    assert!(r.headers().get("retry-after").is_none());
    let logged: Vec<String> = {
        std::thread::sleep(Duration::from_millis(200));
        servers[0].stderr.try_iter().collect()
    };
    assert!(
        logged
            .iter()
            .any(|l| l.contains("23514") && l.contains("small")),
        "the reason is logged: {logged:?}"
    );
    // A small body still goes through: the store itself is fine.
    let r = c
        .put(servers[0].url("files/fault/small.json"))
        .header("If-None-Match", "*")
        .body("1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // The database gone: try again later.
    pg.kill();
    let r = c
        .get(servers[0].url("files/fault/small.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503, "a lost connection is transient");
    assert_eq!(r.headers()["retry-after"], "2");
}
