//! The kill storm over Ceph RGW: two instances share one bucket, one of them is SIGKILLed
//! at random moments while writers run, and afterwards every acknowledged body is, byte
//! for byte, the current file or a kept history version with the ETag it was
//! acknowledged with. Meanwhile photos are uploaded with an office account's token (each
//! one answered 201 or 412 is then served byte for byte by the restarted instances) and
//! the account CLI adds accounts, some runs SIGKILLed (each one it reported added is then
//! listed, and the list still reads; a lost office account would be a 401 mid-storm).

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::stores::CephRgw;
use common::storm::{
    accounts_kept, accounts_storm, add_account, media_kept, media_storm, storm_as,
};
use common::{temp_dir, Rng, Server};
use jindu_server::s3::{EtagQuoting, S3Store};
use jindu_server::store::{FilePath, Store};
use object_store::aws::AmazonS3Builder;

const PREFIX: &str = "storm";

fn instance(rgw: &CephRgw, listen: &str) -> Server {
    let store = format!("s3://jindu/{PREFIX}");
    let args = ["--store", &store, "--s3-etag", "unquoted"];
    let args = [&args[..], &["--keep-versions", "1000000"]].concat();
    Server::start_with(&temp_dir("rgw-instance"), listen, &args, &rgw.env)
}

/// The store the instances share, read directly (not through an instance).
fn shared_store(rgw: &CephRgw) -> S3Store {
    let env: HashMap<_, _> = rgw.env.iter().cloned().collect();
    let s3 = AmazonS3Builder::new()
        .with_endpoint(&env["AWS_ENDPOINT"])
        .with_allow_http(true)
        .with_access_key_id(&env["AWS_ACCESS_KEY_ID"])
        .with_secret_access_key(&env["AWS_SECRET_ACCESS_KEY"])
        .with_region(env.get("AWS_REGION").map_or("us-east-1", |r| r.as_str()))
        .with_bucket_name("jindu")
        .build()
        .unwrap();
    S3Store::with_store(Arc::new(s3), PREFIX, EtagQuoting::Unquoted, 1_000_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_instances_over_ceph_rgw_mid_storm_loses_no_acknowledged_body() {
    let rgw = CephRgw::start(&temp_dir("ceph-storm"));
    let mut servers: Vec<Server> = (0..2).map(|_| instance(&rgw, "127.0.0.1:0")).collect();
    let ports: Vec<String> = servers
        .iter()
        .map(|s| s.base.rsplit(':').next().unwrap().to_owned())
        .collect();
    let urls = Arc::new(servers.iter().map(|s| s.base.clone()).collect::<Vec<_>>());
    // With accounts in the store every request needs a token: the writers act as an
    // office account, and CLI runs add inspectors (some SIGKILLed) all through.
    let cli_store: Vec<String> = vec![
        "--data-dir".into(),
        temp_dir("rgw-cli").display().to_string(),
        "--store".into(),
        format!("s3://jindu/{PREFIX}"),
        "--s3-etag".into(),
        "unquoted".into(),
    ];
    let token = add_account(&cli_store, &rgw.env, "storm-office", "office");
    let stop = Arc::new(AtomicBool::new(false));
    let writers = 4;
    let tasks = storm_as(urls.clone(), writers, stop.clone(), Some(token.clone()));
    let uploads = media_storm(urls.clone(), 2, stop.clone(), Some(token.clone()));
    let adders = accounts_storm(cli_store.clone(), rgw.env.clone(), 2, stop.clone());
    let mut rng = Rng(0x0c3f_5eed);
    let kills = 12;
    for _ in 0..kills {
        tokio::time::sleep(Duration::from_millis(100 + rng.below(300))).await;
        let victim = rng.below(2) as usize;
        servers[victim].kill();
        tokio::time::sleep(Duration::from_millis(rng.below(200))).await;
        servers[victim] = instance(&rgw, &format!("127.0.0.1:{}", ports[victim]));
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

    // Everything the bucket holds for each writer's file: the file and every version.
    let store = shared_store(&rgw);
    let mut kept: HashMap<String, Vec<u8>> = HashMap::new();
    let mut current: Vec<Vec<u8>> = Vec::new();
    let mut versions = 0;
    for w in 0..writers {
        let path = FilePath::parse(&format!("storm/w{w}.json")).unwrap();
        let file = store.get(&path).await.unwrap().expect("every writer wrote");
        serde_json::from_slice::<serde_json::Value>(&file.body).expect("the file parses");
        current.push(file.body);
        for v in store.history(&path).await.unwrap() {
            let body = store.version(&path, v.number).await.unwrap().unwrap();
            serde_json::from_slice::<serde_json::Value>(&body).expect("a version parses");
            kept.insert(v.etag, body);
            versions += 1;
        }
    }
    for (etag, body) in &acked {
        let body = body.as_bytes();
        assert!(
            kept.get(etag).map(|b| b.as_slice()) == Some(body) || current.iter().any(|c| c == body),
            "the write acknowledged as {etag} is neither a kept version nor a file: {}",
            String::from_utf8_lossy(&body[..40])
        );
    }
    // Each file is a kept version too: nothing is ever only the file.
    for c in &current {
        assert!(
            kept.values().any(|b| b == c),
            "a file is not a kept version"
        );
    }
    let media = media_kept(uploads, &urls, &token).await;
    let accounts = accounts_kept(adders, &cli_store, &rgw.env).await;
    println!(
        "{kills} kills; {} acknowledged writes all kept byte for byte ({versions} versions), \
         {failures} failed or refused attempts; {media}; {accounts}",
        acked.len()
    );
}
