//! A write storm for the kill tests: writers that GET and PUT through random instances
//! and keep what was acknowledged; photo uploaders that do the same with media; and CLI
//! runs that add accounts to the shared store meanwhile, some of them SIGKILLed.

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::media::{jpeg, media_path, png, PLAN};
use super::Rng;

/// A storm writer: its acknowledged (ETag, body) pairs and its failed or refused attempts.
pub type Writer = tokio::task::JoinHandle<(Vec<(String, String)>, usize)>;

/// Writers loop GET then PUT (with the ETag they read) through random instances and
/// keep every acknowledged (ETag, body), until `stop` is set.
pub fn storm(urls: Arc<Vec<String>>, writers: usize, stop: Arc<AtomicBool>) -> Vec<Writer> {
    storm_as(urls, writers, stop, None)
}

/// A client for the storms that sends `token` (an account's) with every request.
fn storm_client(token: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token {
        let value = format!("Bearer {t}").parse().unwrap();
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .default_headers(headers)
        .build()
        .unwrap()
}

/// [`storm`] with a bearer token on every request, for a store that holds accounts.
pub fn storm_as(
    urls: Arc<Vec<String>>,
    writers: usize,
    stop: Arc<AtomicBool>,
    token: Option<String>,
) -> Vec<Writer> {
    let c = storm_client(token.as_deref());
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

/// What a photo uploader saw: the (path, body) pairs acknowledged (201 created, or 412
/// already stored), how many of each answer, and the failed attempts.
#[derive(Debug, Default)]
pub struct MediaOutcome {
    pub acked: Vec<(String, Vec<u8>)>,
    pub created: usize,
    /// New photos answered 412 on a retry: an earlier attempt stored it, its answer lost.
    pub already: usize,
    /// Acknowledged photos sent again, answered 412.
    pub repeats: usize,
    pub failures: usize,
}

/// Uploaders loop over new photos (JPEG and PNG bodies, each unique, named by their
/// SHA-256) through random instances with `If-None-Match: *`, and retry each through
/// another instance until it is acknowledged, as a tablet does. Every fourth upload
/// sends an acknowledged photo again, which must be 412: a 201 would mean the store had
/// lost it. Until `stop` is set.
pub fn media_storm(
    urls: Arc<Vec<String>>,
    uploaders: usize,
    stop: Arc<AtomicBool>,
    token: Option<String>,
) -> Vec<tokio::task::JoinHandle<MediaOutcome>> {
    let c = storm_client(token.as_deref());
    (0..uploaders)
        .map(|u| {
            let (c, urls, stop) = (c.clone(), urls.clone(), stop.clone());
            tokio::spawn(async move {
                let mut rng = Rng(0x51_7cc1 + u as u64);
                let mut out = MediaOutcome::default();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    // A photographer's pace, not a flood: a few hundred photos a storm,
                    // all of them read back afterwards.
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    n += 1;
                    let again = n.is_multiple_of(4) && !out.acked.is_empty();
                    let (path, body) = if again {
                        out.acked[rng.below(out.acked.len() as u64) as usize].clone()
                    } else {
                        let seed = ((u as u64) << 32) | n;
                        let len = 400 + rng.below(3000) as usize;
                        let (body, ext) = if n.is_multiple_of(2) {
                            (jpeg(seed, len), "jpg")
                        } else {
                            (png(seed, len), "png")
                        };
                        (media_path(PLAN, &body, ext), body)
                    };
                    // A new photo is sent until an answer says it is stored.
                    let mut tries = 0;
                    while !stop.load(Ordering::Relaxed) {
                        tries += 1;
                        let base = &urls[rng.below(urls.len() as u64) as usize];
                        let r = c
                            .put(format!("{base}/{path}"))
                            .header("If-None-Match", "*")
                            .body(body.clone())
                            .send()
                            .await;
                        match r.map(|r| r.status().as_u16()) {
                            Ok(201) if again => {
                                panic!("the acknowledged photo {path} was created again")
                            }
                            Ok(201) => {
                                out.created += 1;
                                out.acked.push((path.clone(), body.clone()));
                                break;
                            }
                            Ok(412) if again => {
                                out.repeats += 1;
                                break;
                            }
                            // Only an earlier attempt of this upload, its answer lost,
                            // can have stored a new photo.
                            Ok(412) => {
                                assert!(tries > 1, "a new photo {path} was already there");
                                out.already += 1;
                                out.acked.push((path.clone(), body.clone()));
                                break;
                            }
                            Ok(s) if s >= 500 => out.failures += 1,
                            Ok(s) => panic!("unexpected {s} for {path}"),
                            Err(_) => out.failures += 1,
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        if again {
                            break;
                        }
                    }
                }
                out
            })
        })
        .collect()
}

/// Runs `jindu-server ARGS` with `store_args` and `env`; (success, stdout, stderr).
pub fn cli(
    store_args: &[String],
    env: &[(String, String)],
    args: &[&str],
) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jindu-server"))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(store_args)
        .args(args)
        .output()
        .expect("the server binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Adds an account with the CLI and returns its token, read from its setup link.
pub fn add_account(
    store_args: &[String],
    env: &[(String, String)],
    name: &str,
    role: &str,
) -> String {
    let (ok, out, err) = cli(store_args, env, &["user", "add", name, "--role", role]);
    assert!(ok, "user add {name} failed: {err}");
    let link = out
        .split_whitespace()
        .find(|w| w.contains("#setup&"))
        .unwrap_or_else(|| panic!("no setup link in: {out}"));
    link.split("token=").nth(1).expect("a token").to_owned()
}

/// What the account CLI runs did: the names they reported added, how many were
/// SIGKILLed while running, and how many failed.
#[derive(Debug, Default)]
pub struct AccountsOutcome {
    pub added: Vec<String>,
    pub killed: usize,
    pub failed: Vec<String>,
}

/// `runners` loops of `user add storm-R-N --role inspector` over the shared store, with
/// short pauses, until `stop` is set; one run in three is SIGKILLed after a random moment (under 150 ms),
/// so some die in the middle of changing the accounts file.
pub fn accounts_storm(
    store_args: Vec<String>,
    env: Vec<(String, String)>,
    runners: usize,
    stop: Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<AccountsOutcome>> {
    (0..runners)
        .map(|r| {
            let (store_args, env, stop) = (store_args.clone(), env.clone(), stop.clone());
            tokio::task::spawn_blocking(move || {
                let mut rng = Rng(0xacc0_u64 + r as u64);
                let mut out = AccountsOutcome::default();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    // A pause, so that the runs do not take the CPU from the storm.
                    std::thread::sleep(Duration::from_millis(50 + rng.below(100)));
                    n += 1;
                    let name = format!("storm-{r}-{n}");
                    let mut child = Command::new(env!("CARGO_BIN_EXE_jindu-server"))
                        .envs(env.iter().map(|(k, v)| (k, v)))
                        .args(&store_args)
                        .args(["user", "add", &name, "--role", "inspector"])
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .spawn()
                        .expect("the server binary runs");
                    if rng.below(3) == 0 {
                        std::thread::sleep(Duration::from_millis(rng.below(150)));
                        if child.try_wait().unwrap().is_none() {
                            let _ = child.kill();
                            let _ = child.wait();
                            out.killed += 1;
                            continue;
                        }
                    }
                    let done = child.wait_with_output().unwrap();
                    let stdout = String::from_utf8_lossy(&done.stdout);
                    if done.status.success() {
                        assert!(
                            stdout.starts_with(&format!("{name} (inspector, id ")),
                            "{stdout}"
                        );
                        out.added.push(name);
                    } else {
                        out.failed.push(format!(
                            "{name}: {}",
                            String::from_utf8_lossy(&done.stderr).trim()
                        ));
                    }
                }
                out
            })
        })
        .collect()
}

/// Every account reported added is listed by `user list` (which reads and parses the
/// accounts file), once; returns how many accounts the list has.
pub fn assert_accounts_kept(
    store_args: &[String],
    env: &[(String, String)],
    added: &[String],
) -> usize {
    let (ok, out, err) = cli(store_args, env, &["user", "list"]);
    assert!(
        ok,
        "user list fails after the storm (a torn accounts file?): {err}"
    );
    let names: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let unique: HashSet<&str> = names.iter().copied().collect();
    assert_eq!(
        unique.len(),
        names.len(),
        "an account is listed twice: {out}"
    );
    for name in added {
        assert!(
            unique.contains(name.as_str()),
            "the account {name} the CLI reported added is not listed: {out}"
        );
    }
    names.len()
}

/// Every acknowledged photo is served, byte for byte, by one of the instances at `urls`
/// (each in turn, so that every instance serves some). Eight readers at a time: over
/// S3 each read is two requests to the store (the accounts, the photo).
pub async fn assert_media_kept(urls: &[String], token: &str, acked: &[(String, Vec<u8>)]) {
    let c = storm_client(Some(token));
    let readers: Vec<_> = (0..8)
        .map(|k| {
            let (c, urls) = (c.clone(), urls.to_vec());
            let mine: Vec<_> = acked.iter().skip(k).step_by(8).cloned().collect();
            tokio::spawn(async move {
                for (n, (path, body)) in mine.iter().enumerate() {
                    let i = (n + k) % urls.len();
                    let r = c.get(format!("{}/{path}", urls[i])).send().await.unwrap();
                    assert_eq!(r.status(), 200, "instance {i} serves {path}");
                    let served = r.bytes().await.unwrap();
                    assert!(
                        served.as_ref() == body.as_slice(),
                        "instance {i} serves other bytes for {path}"
                    );
                }
            })
        })
        .collect();
    for r in readers {
        r.await.unwrap();
    }
}

/// Waits for the uploaders (stopped), checks every acknowledged photo through every
/// instance, and says what was checked.
pub async fn media_kept(
    uploads: Vec<tokio::task::JoinHandle<MediaOutcome>>,
    urls: &[String],
    token: &str,
) -> String {
    let mut all = MediaOutcome::default();
    for t in uploads {
        let o = t.await.unwrap();
        all.acked.extend(o.acked);
        all.created += o.created;
        all.already += o.already;
        all.repeats += o.repeats;
        all.failures += o.failures;
    }
    assert!(all.acked.len() > 10, "the storm uploaded: {all:?}");
    assert!(all.repeats > 0, "some uploads were repeats answered 412");
    assert_media_kept(urls, token, &all.acked).await;
    format!(
        "{} photos acknowledged ({} with 201, {} with 412 after a lost answer) all served \
         byte for byte, {} repeats answered 412, {} failed uploads",
        all.acked.len(),
        all.created,
        all.already,
        all.repeats,
        all.failures
    )
}

/// Waits for the account CLI runs (stopped), checks the accounts they reported added
/// are all listed, and says what was checked.
pub async fn accounts_kept(
    adders: Vec<tokio::task::JoinHandle<AccountsOutcome>>,
    store_args: &[String],
    env: &[(String, String)],
) -> String {
    let mut all = AccountsOutcome::default();
    for t in adders {
        let o = t.await.unwrap();
        all.added.extend(o.added);
        all.killed += o.killed;
        all.failed.extend(o.failed);
    }
    assert!(all.failed.is_empty(), "user add failed: {:?}", all.failed);
    assert!(all.added.len() >= 3, "the storm added accounts: {all:?}");
    let listed = assert_accounts_kept(store_args, env, &all.added);
    format!(
        "{} accounts added by the CLI all listed ({listed} in all), {} CLI runs SIGKILLed",
        all.added.len(),
        all.killed
    )
}
