//! Real stores on loopback for the scale-out tests: PostgreSQL clusters (with a
//! synchronous standby when asked) and a single-node Ceph RGW, started by the scripts in
//! `scripts/stores/` that the test command also uses. A store that cannot start fails
//! the test with the script's reason; nothing is skipped.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts/stores")
        .join(name)
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A PostgreSQL cluster in a temporary directory, stopped (immediately) when dropped.
pub struct Postgres {
    pub dir: PathBuf,
    pub port: u16,
    pub url: String,
}

impl Postgres {
    /// A new primary; `sync` makes every commit wait for a synchronous standby.
    pub fn start(dir: &Path, sync: bool) -> Postgres {
        let port = free_port();
        let mut cmd = Command::new(script("postgres"));
        cmd.arg("start").arg(dir).arg(port.to_string());
        if sync {
            cmd.arg("sync");
        }
        let url = run(&mut cmd, "starting PostgreSQL");
        Postgres {
            dir: dir.to_path_buf(),
            port,
            url,
        }
    }

    /// A streaming standby of this cluster.
    pub fn standby(&self, dir: &Path) -> Postgres {
        let port = free_port();
        let url = run(
            Command::new(script("postgres"))
                .arg("standby")
                .arg(dir)
                .arg(port.to_string())
                .arg(self.port.to_string()),
            "starting a standby",
        );
        Postgres {
            dir: dir.to_path_buf(),
            port,
            url,
        }
    }

    /// Kills the postmaster and its backends with SIGKILL, as a machine failure would.
    pub fn kill(&self) {
        let pid = std::fs::read_to_string(self.dir.join("postmaster.pid"))
            .expect("a running cluster has a postmaster.pid");
        let pid = pid.lines().next().unwrap().trim().to_owned();
        // The backends first, then the postmaster, so none lingers holding the port.
        let _ = Command::new("pkill").args(["-9", "-P", &pid]).status();
        let _ = Command::new("kill")
            .args(["-9", &pid])
            .stderr(std::process::Stdio::null())
            .status();
    }

    /// Serves TLS from now on with this certificate and key (PEM files).
    pub fn serve_tls(&self, cert: &Path, key: &Path) {
        run(
            Command::new(script("postgres"))
                .arg("tls")
                .arg(&self.dir)
                .arg(cert)
                .arg(key),
            "turning on TLS",
        );
    }

    pub fn promote(&self) {
        run(
            Command::new(script("postgres"))
                .arg("promote")
                .arg(&self.dir),
            "promoting the standby",
        );
    }

    /// Runs SQL through psql and returns its unaligned output.
    pub fn sql(&self, sql: &str) -> String {
        run(
            Command::new("psql").arg(&self.url).args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ]),
            "psql",
        )
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.dir.join("postmaster.pid").exists() {
            self.kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The lock a Ceph RGW holds: a fixed path, as the ports are the machine's (whatever
/// `TMPDIR` each test run has).
pub const RGW_LOCK: &str = "/tmp/jindu-ceph-rgw.lock";

/// A single-node Ceph RGW with a bucket `jindu`, stopped when dropped.
///
/// Its monitor and gateway listen on fixed ports, so one runs at a time on a machine:
/// each holds an exclusive lock on [`RGW_LOCK`] from before it starts until after it
/// stops, and tests (in one binary or several, or two test runs) that want one wait
/// for it in turn.
pub struct CephRgw {
    pub dir: PathBuf,
    /// The AWS_* variables the S3 store reads.
    pub env: Vec<(String, String)>,
    /// Held for the cluster's lifetime; released when dropped, after the stop.
    _one_at_a_time: std::fs::File,
}

impl CephRgw {
    pub fn start(dir: &Path) -> CephRgw {
        let lock = std::fs::File::create(RGW_LOCK).expect("the lock file can be created");
        lock.lock().expect("the lock can be taken");
        let out = run(
            Command::new(script("ceph-rgw")).arg("start").arg(dir),
            "starting Ceph RGW",
        );
        let env = out
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        CephRgw {
            dir: dir.to_path_buf(),
            env,
            _one_at_a_time: lock,
        }
    }
}

impl Drop for CephRgw {
    fn drop(&mut self) {
        let _ = Command::new(script("ceph-rgw"))
            .arg("stop")
            .arg(&self.dir)
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
