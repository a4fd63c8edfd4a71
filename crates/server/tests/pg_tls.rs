//! TLS to PostgreSQL: the test cluster serves a certificate made by `jindu-server tls
//! init`. A server whose connection string says `sslmode=verify-full` with that CA works
//! over an encrypted connection; one whose string names a host the certificate does not
//! name, or trusts another CA, refuses to start and says why; `require` encrypts without
//! checking either.

mod common;

use std::path::Path;
use std::process::Command;

use common::stores::Postgres;
use common::{client, temp_dir, Server};

/// `jindu-server tls init` into `dir`: ca.pem, cert.pem (with the chain), key.pem.
fn tls_init(dir: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_jindu-server"))
        .args(["tls", "init", "--dir"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tls init: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn start(url: &str) -> Result<Server, String> {
    Server::try_start_on(
        &temp_dir("pg-tls-instance"),
        "127.0.0.1:0",
        &["--store", url],
        &[],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_works_with_the_certificate_tls_init_made_and_refuses_a_mismatch() {
    let pg = Postgres::start(&temp_dir("pg-tls"), false);
    let certs = temp_dir("pg-tls-certs");
    tls_init(&certs);
    pg.serve_tls(&certs.join("cert.pem"), &certs.join("key.pem"));
    let ca = certs.join("ca.pem");
    let port = pg.port;

    // The certificate names 127.0.0.1 (and localhost): verified, and the store works.
    let url = format!(
        "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-full&sslrootcert={}",
        ca.display()
    );
    let s = start(&url).unwrap_or_else(|e| panic!("verify-full was refused: {e}"));
    let c = client();
    let r = c
        .put(s.url("files/tls/doc.json"))
        .header("If-None-Match", "*")
        .body("{\"over\":\"tls\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = c.get(s.url("files/tls/doc.json")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "{\"over\":\"tls\"}");
    // Every connection the server holds is encrypted, as the database sees it.
    let seen = pg.sql(
        "SELECT count(*) FILTER (WHERE s.ssl) || '/' || count(*) FROM pg_stat_ssl s \
         JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'jindu-server'",
    );
    let (encrypted, all) = seen.split_once('/').unwrap();
    assert!(all != "0" && encrypted == all, "encrypted/all: {seen}");
    drop(s);

    // A host name the certificate does not carry (reached at the right address).
    let wrong_name = format!(
        "postgres://postgres@db.example:{port}/postgres?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={}",
        ca.display()
    );
    let refused = start(&wrong_name)
        .err()
        .expect("a certificate for another name is refused");
    assert!(
        refused.contains("TLS certificate was refused") && refused.contains("db.example"),
        "{refused}"
    );

    // Another CA, as when the database presents a certificate nobody here issued. Both
    // CAs of `tls init` bear the same name, so the chain is built and its signature,
    // made by the other CA's key, is what fails.
    let other = temp_dir("pg-tls-other-ca");
    tls_init(&other);
    let wrong_root = format!(
        "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-full&sslrootcert={}",
        other.join("ca.pem").display()
    );
    let refused = start(&wrong_root)
        .err()
        .expect("a certificate from an untrusted CA is refused");
    assert!(
        refused.contains("TLS certificate was refused") && refused.contains("BadSignature"),
        "{refused}"
    );

    // `require` encrypts but checks nothing: the wrong name is accepted.
    let require = format!(
        "postgres://postgres@db.example:{port}/postgres?hostaddr=127.0.0.1&sslmode=require"
    );
    let s = start(&require).unwrap_or_else(|e| panic!("require was refused: {e}"));
    let r = c.get(s.url("files/tls/doc.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
