//! Starts the real `jindu-server` binary on a loopback port with its own data directory.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::Duration;

pub struct Server {
    pub child: Child,
    pub base: String,
    pub data: PathBuf,
    pub stdout: mpsc::Receiver<String>,
    pub stderr: mpsc::Receiver<String>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty directory under the target directory.
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
        let mut child = Command::new(env!("CARGO_BIN_EXE_jindu-server"))
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
        let first = stdout
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| {
                let errs: Vec<String> = stderr.try_iter().collect();
                panic!("the server did not start: {errs:?}")
            });
        let base = first
            .split_whitespace()
            .find(|w| w.starts_with("http"))
            .expect("the server prints its address")
            .trim_end_matches('/')
            .to_owned();
        Server {
            child,
            base,
            data: data.to_path_buf(),
            stdout,
            stderr,
        }
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

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}
