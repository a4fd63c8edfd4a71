//! A write storm for the kill tests: writers that GET and PUT through random instances
//! and keep what was acknowledged.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::Rng;

/// A storm writer: its acknowledged (ETag, body) pairs and its failed or refused attempts.
pub type Writer = tokio::task::JoinHandle<(Vec<(String, String)>, usize)>;

/// Writers loop GET then PUT (with the ETag they read) through random instances and
/// keep every acknowledged (ETag, body), until `stop` is set.
pub fn storm(urls: Arc<Vec<String>>, writers: usize, stop: Arc<AtomicBool>) -> Vec<Writer> {
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    (0..writers)
        .map(|w| {
            let (c, urls, stop) = (c.clone(), urls.clone(), stop.clone());
            tokio::spawn(async move {
                let mut rng = Rng(0x9e37_79b9 + w as u64);
                let mut acked = Vec::new();
                let mut failures = 0;
                let mut n = 0u64;
                let file = format!("storm/w{w}.json");
                while !stop.load(Ordering::Relaxed) {
                    let base = &urls[rng.below(urls.len() as u64) as usize];
                    let url = format!("{base}/files/{file}");
                    let etag = match c.get(&url).send().await {
                        Ok(r) if r.status() == 200 => r
                            .headers()
                            .get("etag")
                            .map(|e| e.to_str().unwrap().to_owned()),
                        Ok(r) if r.status() == 404 => None,
                        _ => {
                            failures += 1;
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            continue;
                        }
                    };
                    n += 1;
                    let body = serde_json::json!({"writer": w, "n": n, "pad": "x".repeat(500 + (n as usize % 5) * 700)})
                        .to_string();
                    let req = c.put(&url).body(body.clone());
                    let req = match etag {
                        Some(e) => req.header("If-Match", e),
                        None => req.header("If-None-Match", "*"),
                    };
                    match req.send().await {
                        Ok(r) if r.status().is_success() => {
                            let tag = r.headers()["etag"].to_str().unwrap().to_owned();
                            acked.push((tag, body));
                        }
                        // A write the instance could not finish, or one that raced a
                        // write whose answer was lost: read again and go on.
                        Ok(r) if r.status() == 412 || r.status().is_server_error() => {
                            failures += 1
                        }
                        Ok(r) => panic!("unexpected {}", r.status()),
                        Err(_) => failures += 1,
                    }
                }
                (acked, failures)
            })
        })
        .collect()
}
