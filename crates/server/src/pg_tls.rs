//! TLS to PostgreSQL: which `sslmode` a connection string asks for, and the rustls
//! connector that gives it.
//!
//! The driver (`tokio-postgres`) knows only `disable`, `prefer` and `require`, and
//! never verifies a certificate itself: that is the connector's work. So Jindu reads
//! `sslmode` and `sslrootcert` from the connection string, takes them out before the
//! driver parses it, and builds the connector:
//!
//! - `disable` (also when `sslmode` is absent): plain TCP.
//! - `require`: encrypted, but the server's certificate is not checked — this stops a
//!   passive listener, not a machine that impersonates the database. With
//!   `sslrootcert` it is refused (libpq would quietly verify the issuer then; say
//!   `verify-full` instead).
//! - `verify-full`: encrypted, the certificate must chain to a root in `sslrootcert`
//!   (a PEM file, required) and name the host the string connects to (each host of a
//!   multi-host string by its own name; with `hostaddr`, the `host` name is checked).
//!
//! Other modes (`allow`, `prefer`, `verify-ca`) are refused at start, naming these.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::store::StoreError;

/// What a connection string asks of TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Require,
    VerifyFull,
}

/// Jindu's TLS settings, read from a connection string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgTls {
    pub mode: SslMode,
    /// The PEM file of the roots a `verify-full` certificate must chain to.
    pub root_cert: Option<PathBuf>,
}

fn config(msg: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!("PostgreSQL TLS: {msg}"))
}

/// Splits a connection string (a `postgres://` URL or `key=value` pairs) into what the
/// driver reads — the string without `sslmode` and `sslrootcert` — and Jindu's TLS
/// settings.
pub fn split(conn: &str) -> Result<(String, PgTls), StoreError> {
    let mut mode = None;
    let mut root_cert = None;
    let mut take = |key: &str, value: String| match key {
        "sslmode" => {
            mode = Some(value);
            true
        }
        "sslrootcert" => {
            root_cert = Some(PathBuf::from(value));
            true
        }
        _ => false,
    };
    let driver = if conn.starts_with("postgres://") || conn.starts_with("postgresql://") {
        match conn.split_once('?') {
            None => conn.to_owned(),
            Some((base, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|pair| {
                        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                        !take(&percent_decode(k), percent_decode(v))
                    })
                    .collect();
                if kept.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
        }
    } else {
        conn.split_whitespace()
            .filter(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                !take(k, v.trim_matches('\'').to_owned())
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mode = match mode.as_deref() {
        None | Some("disable") => SslMode::Disable,
        Some("require") => SslMode::Require,
        Some("verify-full") => SslMode::VerifyFull,
        Some(other) => {
            return Err(config(format!(
                "sslmode={other} is not supported: use disable, require or verify-full"
            )))
        }
    };
    match (mode, &root_cert) {
        (SslMode::VerifyFull, None) => Err(config(
            "sslmode=verify-full needs sslrootcert=FILE, the PEM file of the CA that \
             issued the database's certificate",
        )),
        (SslMode::Require, Some(_)) => Err(config(
            "sslmode=require does not check the certificate, so sslrootcert would be \
             ignored: use sslmode=verify-full",
        )),
        (SslMode::Disable, Some(_)) => Err(config(
            "sslrootcert without sslmode=verify-full: the certificate would not be checked",
        )),
        _ => Ok((driver, PgTls { mode, root_cert })),
    }
}

/// `%XX` escapes of a URL's query, decoded (`+` is kept: libpq keeps it too).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The rustls configuration for `tls`; none for `disable`.
pub fn client_config(tls: &PgTls) -> Result<Option<ClientConfig>, StoreError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(config)?;
    Ok(match tls.mode {
        SslMode::Disable => None,
        SslMode::Require => Some(
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
                .with_no_client_auth(),
        ),
        SslMode::VerifyFull => {
            let path = tls
                .root_cert
                .as_ref()
                .expect("split() refuses verify-full without sslrootcert");
            let mut roots = RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| config(format!("cannot read sslrootcert {}: {e}", path.display())))?;
            for cert in certs {
                let cert = cert.map_err(|e| {
                    config(format!("cannot read sslrootcert {}: {e}", path.display()))
                })?;
                roots.add(cert).map_err(|e| {
                    config(format!("a root in {} is not usable: {e}", path.display()))
                })?;
            }
            if roots.is_empty() {
                return Err(config(format!(
                    "sslrootcert {} holds no certificate",
                    path.display()
                )));
            }
            Some(builder.with_root_certificates(roots).with_no_client_auth())
        }
    })
}

/// `sslmode=require`: any certificate is accepted, but the handshake's signatures are
/// still checked, so the session is encrypted with the key of the certificate shown.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(conn: &str) -> Result<(String, SslMode), String> {
        split(conn)
            .map(|(driver, tls)| (driver, tls.mode))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_a_url() {
        let (driver, tls) = split(
            "postgres://jindu@db1:5432,db2:5432/jindu?sslmode=verify-full&target_session_attrs=read-write&sslrootcert=%2Fetc%2Fjindu%2Fca.pem",
        )
        .unwrap();
        assert_eq!(
            driver,
            "postgres://jindu@db1:5432,db2:5432/jindu?target_session_attrs=read-write"
        );
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(tls.root_cert, Some(PathBuf::from("/etc/jindu/ca.pem")));
        // The driver reads what is left.
        driver.parse::<tokio_postgres::Config>().unwrap();
        assert_eq!(
            mode("postgresql://u@h/db?sslmode=require").unwrap(),
            ("postgresql://u@h/db".into(), SslMode::Require)
        );
        assert_eq!(
            mode("postgres://u@h/db").unwrap(),
            ("postgres://u@h/db".into(), SslMode::Disable)
        );
    }

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_key_value_pairs() {
        let (driver, tls) =
            split("host=db user=jindu sslmode=verify-full sslrootcert='/etc/ca.pem'").unwrap();
        assert_eq!(driver, "host=db user=jindu");
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(tls.root_cert, Some(PathBuf::from("/etc/ca.pem")));
    }

    #[test]
    fn unsupported_or_unsafe_combinations_are_refused_naming_the_fix() {
        for (conn, says) in [
            (
                "postgres://h/db?sslmode=prefer",
                "disable, require or verify-full",
            ),
            (
                "postgres://h/db?sslmode=verify-ca",
                "disable, require or verify-full",
            ),
            ("postgres://h/db?sslmode=verify-full", "needs sslrootcert"),
            (
                "postgres://h/db?sslmode=require&sslrootcert=ca.pem",
                "use sslmode=verify-full",
            ),
            ("postgres://h/db?sslrootcert=ca.pem", "sslmode=verify-full"),
        ] {
            let e = mode(conn).unwrap_err();
            assert!(e.contains(says), "{conn}: {e}");
        }
    }

    #[test]
    fn a_missing_or_empty_root_file_is_a_clear_error() {
        let missing = PgTls {
            mode: SslMode::VerifyFull,
            root_cert: Some("/nonexistent/ca.pem".into()),
        };
        let e = client_config(&missing).unwrap_err().to_string();
        assert!(
            e.contains("cannot read sslrootcert /nonexistent/ca.pem"),
            "{e}"
        );
        let empty = std::env::temp_dir().join(format!("jindu-empty-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = client_config(&PgTls {
            mode: SslMode::VerifyFull,
            root_cert: Some(empty.clone()),
        })
        .unwrap_err()
        .to_string();
        let _ = std::fs::remove_file(&empty);
        assert!(e.contains("holds no certificate"), "{e}");
    }
}
