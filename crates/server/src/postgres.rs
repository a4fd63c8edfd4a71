//! Files in PostgreSQL, so that several servers can share one store.
//!
//! Every write is one compare-and-swap statement: `UPDATE … WHERE name = $1 AND etag = $2`
//! (or `INSERT … ON CONFLICT DO NOTHING` to create) that also appends the version to the
//! history table, so the current file and its history never disagree. No row affected
//! means the precondition failed. The ETag carries the file's version number beside a
//! hash of the bytes, so it changes on every write even when the bytes repeat.
//!
//! Connections come from a pool that replaces broken connections; a connection string
//! with several hosts and `target_session_attrs=read-write` follows a failover to the
//! promoted standby.
//!
//! Errors are told apart by SQLSTATE ([`is_transient`]): a lost connection or a busy or
//! stopping server is answered 503 with `Retry-After`; anything else (a constraint, a
//! permission, a bad statement) is a fault, answered 500 with the reason logged, so that
//! tablets report it instead of retrying forever.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::pg_tls;
use crate::store::{digest_hex, FilePath, Precondition, StoreError, Stored, Version};

/// Schema steps, applied in order; the number of applied steps is kept in
/// `jindu_schema`. Append, never edit.
const MIGRATIONS: &[&str] = &["CREATE TABLE jindu_files (
        name text PRIMARY KEY,
        version bigint NOT NULL,
        etag text NOT NULL,
        body bytea NOT NULL,
        written timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE jindu_history (
        name text NOT NULL,
        version bigint NOT NULL,
        etag text NOT NULL,
        body bytea NOT NULL,
        written timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, version)
    );"];

/// A key for the advisory lock that serialises migrations of servers starting together.
const MIGRATION_LOCK: i64 = 0x6a696e6475; // "jindu"

/// Files in a PostgreSQL database.
pub struct PgStore {
    pool: Pool,
    keep: i64,
}

/// Whether an error with this SQLSTATE (or none) may go away by itself, so that the
/// request is answered 503 with `Retry-After` rather than 500.
///
/// Transient: no SQLSTATE at all (the connection closed, a timeout, a connection that
/// could not be made), connection exceptions (class 08), insufficient resources (53:
/// disk full, out of memory, too many connections), operator intervention (57: admin
/// shutdown, crash shutdown, cannot connect now, a cancelled statement), and the two
/// transaction rollbacks PostgreSQL asks clients to retry (40001 serialization
/// failure, 40P01 deadlock). Every other SQLSTATE — constraint violations (23), syntax
/// or access rules (42), data exceptions (22), authorisation (28), … — is a fault that
/// a retry would only repeat.
pub fn is_transient(code: Option<&SqlState>) -> bool {
    let Some(code) = code else { return true };
    if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED {
        return true;
    }
    matches!(code.code().get(..2), Some("08" | "53" | "57"))
}

/// The reason the TLS handshake refused the database's certificate, if it did: a fault
/// of the settings or of the certificate, which retrying does not mend.
fn refused_certificate(e: &tokio_postgres::Error) -> Option<&rustls::Error> {
    let io = std::error::Error::source(e)?.downcast_ref::<std::io::Error>()?;
    let tls = io.get_ref()?.downcast_ref::<rustls::Error>()?;
    matches!(tls, rustls::Error::InvalidCertificate(_)).then_some(tls)
}

/// A driver error as a store error, by its SQLSTATE.
fn backend(e: tokio_postgres::Error) -> StoreError {
    if let Some(refused) = refused_certificate(&e) {
        return StoreError::Fault(format!(
            "PostgreSQL: the database's TLS certificate was refused: {refused}"
        ));
    }
    let reason = match e.as_db_error() {
        // The server's own words say more than the driver's summary ("db error").
        Some(db) => format!(
            "PostgreSQL: {} (SQLSTATE {})",
            db.message(),
            db.code().code()
        ),
        None => format!("PostgreSQL: {e}"),
    };
    if is_transient(e.code()) {
        StoreError::Unavailable(reason)
    } else {
        StoreError::Fault(reason)
    }
}

/// A pool error as a store error: a connection that cannot be made is classified like
/// any driver error; a full or closed pool is transient.
fn pool(e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => backend(e),
        other => StoreError::Unavailable(format!("PostgreSQL pool: {other}")),
    }
}

impl PgStore {
    /// Connects (a `postgres://` URL or a key=value string), creates or migrates the
    /// schema, and keeps `keep` versions of each file.
    /// `sslmode` and `sslrootcert` in the string choose TLS (see [`crate::pg_tls`]).
    pub async fn connect(url: &str, keep: usize) -> Result<PgStore, StoreError> {
        let (url, tls) = pg_tls::split(url)?;
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Config(format!("bad PostgreSQL connection string: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        config.keepalives_idle(Duration::from_secs(30));
        if config.get_application_name().is_none() {
            config.application_name("jindu-server");
        }
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = match pg_tls::client_config(&tls)? {
            None => {
                config.ssl_mode(SslMode::Disable);
                Manager::from_config(config, NoTls, manager_config)
            }
            Some(rustls) => {
                config.ssl_mode(SslMode::Require);
                Manager::from_config(config, MakeRustlsConnect::new(rustls), manager_config)
            }
        };
        let pool = Pool::builder(manager)
            .max_size(16)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(|e| StoreError::Config(e.to_string()))?;
        let store = PgStore {
            pool,
            keep: keep.max(1) as i64,
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await.map_err(pool)?;
        let tx = client.transaction().await.map_err(backend)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(backend)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS jindu_schema (steps integer NOT NULL)")
            .await
            .map_err(backend)?;
        let row = tx
            .query_opt("SELECT steps FROM jindu_schema", &[])
            .await
            .map_err(backend)?;
        let applied = match row {
            Some(r) => r.get::<_, i32>(0) as usize,
            None => {
                tx.execute("INSERT INTO jindu_schema (steps) VALUES (0)", &[])
                    .await
                    .map_err(backend)?;
                0
            }
        };
        if applied > MIGRATIONS.len() {
            return Err(StoreError::Config(format!(
                "the database's schema is newer ({applied} steps) than this server knows \
                 ({}): upgrade jindu-server",
                MIGRATIONS.len()
            )));
        }
        for step in &MIGRATIONS[applied..] {
            tx.batch_execute(step).await.map_err(backend)?;
        }
        tx.execute(
            "UPDATE jindu_schema SET steps = $1",
            &[&(MIGRATIONS.len() as i32)],
        )
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn get_now(&self, path: &FilePath) -> Result<Option<Stored>, StoreError> {
        let client = self.pool.get().await.map_err(pool)?;
        let row = client
            .query_opt(
                "SELECT body, etag FROM jindu_files WHERE name = $1",
                &[&path.as_str()],
            )
            .await
            .map_err(backend)?;
        Ok(row.map(|r| Stored {
            body: r.get(0),
            etag: r.get(1),
        }))
    }

    async fn put_now(
        &self,
        path: &FilePath,
        body: Vec<u8>,
        pre: Precondition,
    ) -> Result<String, StoreError> {
        let client = self.pool.get().await.map_err(pool)?;
        let hash = digest_hex(&body, 8);
        let name = path.as_str();
        // One statement: the compare-and-swap and the history row commit together.
        let row = match &pre {
            Precondition::IfMatch(tag) => {
                client
                    .query_opt(
                        "WITH w AS (
                            UPDATE jindu_files
                               SET version = version + 1,
                                   etag = '\"' || (version + 1) || '-' || $3 || '\"',
                                   body = $4,
                                   written = now()
                             WHERE name = $1 AND etag = $2
                         RETURNING name, version, etag, body, written)
                         INSERT INTO jindu_history (name, version, etag, body, written)
                         SELECT name, version, etag, body, written FROM w
                         RETURNING version, etag",
                        &[&name, tag, &hash, &body],
                    )
                    .await
            }
            Precondition::IfAbsent => {
                client
                    .query_opt(
                        "WITH w AS (
                            INSERT INTO jindu_files (name, version, etag, body)
                            VALUES ($1, 1, '\"1-' || $2 || '\"', $3)
                            ON CONFLICT (name) DO NOTHING
                         RETURNING name, version, etag, body, written)
                         INSERT INTO jindu_history (name, version, etag, body, written)
                         SELECT name, version, etag, body, written FROM w
                         RETURNING version, etag",
                        &[&name, &hash, &body],
                    )
                    .await
            }
        }
        .map_err(backend)?;
        let Some(row) = row else {
            return Err(StoreError::PreconditionFailed);
        };
        let version: i64 = row.get(0);
        let etag: String = row.get(1);
        // Pruning is housekeeping: the write has committed whatever happens here.
        if let Err(e) = client
            .execute(
                "DELETE FROM jindu_history WHERE name = $1 AND version <= $2",
                &[&name, &(version - self.keep)],
            )
            .await
        {
            eprintln!("jindu-server: could not prune the history of {name}: {e}");
        }
        Ok(etag)
    }

    /// Creates a file that is never replaced: a row in `jindu_files` only, no history
    /// row (its bytes never change, so a kept version would only double them).
    async fn create_now(&self, path: &FilePath, body: Vec<u8>) -> Result<String, StoreError> {
        let client = self.pool.get().await.map_err(pool)?;
        let hash = digest_hex(&body, 8);
        let row = client
            .query_opt(
                "INSERT INTO jindu_files (name, version, etag, body)
                 VALUES ($1, 1, '\"1-' || $2 || '\"', $3)
                 ON CONFLICT (name) DO NOTHING
                 RETURNING etag",
                &[&path.as_str(), &hash, &body],
            )
            .await
            .map_err(backend)?;
        row.map(|r| r.get(0)).ok_or(StoreError::PreconditionFailed)
    }

    async fn history_now(&self, path: &FilePath) -> Result<Vec<Version>, StoreError> {
        let client = self.pool.get().await.map_err(pool)?;
        let rows = client
            .query(
                "SELECT version, etag, octet_length(body), \
                        extract(epoch FROM written)::bigint \
                   FROM jindu_history WHERE name = $1 ORDER BY version",
                &[&path.as_str()],
            )
            .await
            .map_err(backend)?;
        Ok(rows
            .iter()
            .map(|r| Version {
                number: r.get::<_, i64>(0) as u64,
                etag: r.get(1),
                bytes: r.get::<_, i32>(2) as u64,
                written: r.get::<_, i64>(3) as u64,
            })
            .collect())
    }

    async fn version_now(
        &self,
        path: &FilePath,
        number: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let client = self.pool.get().await.map_err(pool)?;
        let row = client
            .query_opt(
                "SELECT body FROM jindu_history WHERE name = $1 AND version = $2",
                &[&path.as_str(), &(number as i64)],
            )
            .await
            .map_err(backend)?;
        Ok(row.map(|r| r.get(0)))
    }
}

crate::store::async_store!(PgStore);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_and_availability_errors_are_transient_and_the_rest_are_faults() {
        for transient in [
            None,
            Some(SqlState::CONNECTION_EXCEPTION),
            Some(SqlState::CONNECTION_FAILURE),
            Some(SqlState::SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
            Some(SqlState::INSUFFICIENT_RESOURCES),
            Some(SqlState::DISK_FULL),
            Some(SqlState::TOO_MANY_CONNECTIONS),
            Some(SqlState::ADMIN_SHUTDOWN),
            Some(SqlState::CRASH_SHUTDOWN),
            Some(SqlState::CANNOT_CONNECT_NOW),
            Some(SqlState::QUERY_CANCELED),
            Some(SqlState::T_R_SERIALIZATION_FAILURE),
            Some(SqlState::T_R_DEADLOCK_DETECTED),
        ] {
            assert!(is_transient(transient.as_ref()), "{transient:?}");
        }
        for fault in [
            SqlState::UNIQUE_VIOLATION,
            SqlState::CHECK_VIOLATION,
            SqlState::NOT_NULL_VIOLATION,
            SqlState::SYNTAX_ERROR,
            SqlState::UNDEFINED_TABLE,
            SqlState::INSUFFICIENT_PRIVILEGE,
            SqlState::DATA_EXCEPTION,
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            SqlState::INVALID_PASSWORD,
            SqlState::READ_ONLY_SQL_TRANSACTION,
            SqlState::T_R_INTEGRITY_CONSTRAINT_VIOLATION,
            SqlState::from_code("XX000"),
        ] {
            assert!(!is_transient(Some(&fault)), "{fault:?}");
        }
    }
}
