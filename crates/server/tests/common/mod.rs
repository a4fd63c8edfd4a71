//! Starts the real `jindu-server` binary on a loopback port with its own data directory.

#![allow(dead_code)]

pub mod media;
pub mod stores;
pub mod storm;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::Duration;

pub struct Server {
    pub child: Child,
    /// The arguments that reach this server's store from the command line.
    pub store_args: Vec<String>,
    pub base: String,
    pub data: PathBuf,
    pub stdout: mpsc::Receiver<String>,
    pub stderr: mpsc::Receiver<String>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty directory under the target directory.
/// Arguments that keep a server on its data directory even when the test command runs
/// the suite over a shared store: for tests of the directory itself (links, the kept token).
pub const DATA_DIR_ONLY: &[&str] = &["--store", ""];

pub fn temp_dir(tag: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("jindu-test-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn pipe(r: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Server {
    pub fn start(data: &Path, args: &[&str]) -> Server {
        Self::start_on(data, "127.0.0.1:0", args)
    }

    pub fn start_on(data: &Path, listen: &str, args: &[&str]) -> Server {
        Self::start_with(data, listen, args, &[])
    }

    /// With extra environment variables (a shared store's settings, say). When
    /// `JINDU_TEST_PG` names a PostgreSQL server and the arguments name no store, the
    /// server keeps its files in a database of that server, one per data directory: the
    /// test command runs the contract tests that way too.
    pub fn start_with(
        data: &Path,
        listen: &str,
        args: &[&str],
        env: &[(String, String)],
    ) -> Server {
        Self::try_start_on(data, listen, args, env)
            .unwrap_or_else(|errs| panic!("the server did not start: {errs}"))
    }

    /// Starts a server on any port, or returns what it printed when it refused to start.
    pub fn try_start_on(
        data: &Path,
        listen: &str,
        args: &[&str],
        env: &[(String, String)],
    ) -> Result<Server, String> {
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        if let Ok(admin) = std::env::var("JINDU_TEST_PG") {
            if !args.iter().any(|a| a == "--store") {
                args.push("--store".into());
                args.push(test_database(&admin, data));
            }
        }
        let mut store_args = vec!["--data-dir".to_owned(), data.display().to_string()];
        if let Some(i) = args.iter().position(|a| a == "--store") {
            store_args.extend(args[i..=i + 1].iter().cloned());
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_jindu-server"))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .arg("--listen")
            .arg(listen)
            .arg("--data-dir")
            .arg(data)
            .args(args)
            .env_remove("JINDU_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server binary runs");
        let stdout = pipe(child.stdout.take().unwrap());
        let stderr = pipe(child.stderr.take().unwrap());
        let Ok(first) = stdout.recv_timeout(Duration::from_secs(30)) else {
            let _ = child.kill();
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(100));
            return Err(stderr.try_iter().collect::<Vec<_>>().join("\n"));
        };
        let base = first
            .split_whitespace()
            .find(|w| w.starts_with("http"))
            .expect("the server prints its address")
            .trim_end_matches('/')
            .to_owned();
        Ok(Server {
            child,
            store_args,
            base,
            data: data.to_path_buf(),
            stdout,
            stderr,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Request log lines printed so far.
    pub fn log(&self) -> Vec<String> {
        std::thread::sleep(Duration::from_millis(100));
        self.stdout.try_iter().collect()
    }
}

/// A database named after the data directory on the PostgreSQL server `admin` (created
/// the first time), and its URL.
fn test_database(admin: &str, data: &Path) -> String {
    let name: String = data
        .file_name()
        .unwrap()
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let name = format!("t_{name}");
    let exists = std::process::Command::new("psql")
        .arg(admin)
        .args(["-X", "-A", "-t", "-c"])
        .arg(format!(
            "SELECT 1 FROM pg_database WHERE datname = '{name}'"
        ))
        .output()
        .expect("psql runs");
    assert!(
        exists.status.success(),
        "cannot reach JINDU_TEST_PG={admin}"
    );
    if String::from_utf8_lossy(&exists.stdout).trim() != "1" {
        let made = std::process::Command::new("psql")
            .arg(admin)
            .args(["-X", "-q", "-c"])
            .arg(format!("CREATE DATABASE {name}"))
            .status()
            .expect("psql runs");
        assert!(made.success(), "cannot create database {name}");
    }
    let (base, _) = admin.rsplit_once('/').expect("a URL with a database");
    format!("{base}/{name}")
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A small deterministic generator (xorshift) for random moments and choices.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}
