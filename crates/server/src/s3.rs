//! Files in an S3-compatible object store, so that several servers can share one store.
//!
//! Writes are conditional PUTs through `object_store`: `If-None-Match: *` to create and
//! `If-Match` to update. A 404 on update is a failed precondition; a 409 (sent by some
//! stores while concurrent conditional writes are in flight) is retried by the client
//! and then reported as a failed precondition too.
//!
//! Stores differ in how they compare `If-Match`: AWS S3 and MinIO accept the quoted ETag
//! they send; Ceph RGW 16 compares it with the unquoted value, so quoted ETags never
//! match there. [`EtagQuoting`] sets what this store sends; clients always see quoted
//! ETags. History versions are separate objects written after the file, so a server
//! killed between the two writes leaves the file written and one version unkept.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload, RetryConfig, UpdateVersion};

use crate::store::{random_hex, FilePath, Precondition, StoreError, Stored, Version};

/// How the store wants the ETag in `If-Match`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EtagQuoting {
    /// As sent: `"abc"` (AWS S3, MinIO).
    Quoted,
    /// Without the quotes: `abc` (Ceph RGW 16).
    Unquoted,
}

impl std::str::FromStr for EtagQuoting {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "quoted" => Ok(EtagQuoting::Quoted),
            "unquoted" => Ok(EtagQuoting::Unquoted),
            other => Err(format!(
                "ETag quoting is 'quoted' or 'unquoted', not '{other}'"
            )),
        }
    }
}

/// Files under a prefix of a bucket: `PREFIX/files/PATH`, history versions at
/// `PREFIX/history/PATH/NUMBER` (the number is the write's time in microseconds).
pub struct S3Store {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    quoting: EtagQuoting,
    keep: usize,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("object store: {e}"))
}

/// The quoted form clients see.
fn quoted(tag: &str) -> String {
    format!("\"{}\"", tag.trim_start_matches("W/").trim_matches('"'))
}

impl S3Store {
    /// Opens `s3://bucket[/prefix]`; the endpoint, region and credentials come from the
    /// usual `AWS_*` variables (`AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ALLOW_HTTP`).
    pub fn open(url: &str, quoting: EtagQuoting, keep: usize) -> Result<S3Store, StoreError> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| StoreError::Config(format!("not an s3:// address: {url}")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(StoreError::Config(format!("no bucket in {url}")));
        }
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_retry(RetryConfig {
                max_retries: 4,
                retry_timeout: Duration::from_secs(15),
                ..RetryConfig::default()
            })
            .build()
            .map_err(|e| StoreError::Config(format!("cannot use {url}: {e}")))?;
        Ok(S3Store::with_store(Arc::new(store), prefix, quoting, keep))
    }

    /// Over any object store (for tests and other backends).
    pub fn with_store(
        store: Arc<dyn ObjectStore>,
        prefix: &str,
        quoting: EtagQuoting,
        keep: usize,
    ) -> S3Store {
        S3Store {
            store,
            prefix: prefix.trim_matches('/').to_owned(),
            quoting,
            keep: keep.max(1),
        }
    }

    /// Checks at start that the store honours conditional writes as configured: a write
    /// with the current ETag succeeds and one with a stale ETag fails. A store that
    /// ignores the conditions would let concurrent servers overwrite each other.
    pub async fn check(&self) -> Result<(), StoreError> {
        let name = random_hex().map_err(backend)?;
        let key = self.key("probe", &name);
        let create = self
            .store
            .put_opts(&key, PutPayload::from_static(b"1"), PutMode::Create.into())
            .await
            .map_err(backend)?;
        let first = create
            .e_tag
            .ok_or_else(|| backend("the store sent no ETag"))?;
        let verdict = self.probe_updates(&key, first).await;
        let _ = self.store.delete(&key).await;
        verdict
    }

    /// The two writes of the start check on the probe object created with ETag `first`.
    async fn probe_updates(&self, key: &Path, first: String) -> Result<(), StoreError> {
        let update = |tag: &str, body: &'static [u8]| {
            let mode = PutMode::Update(UpdateVersion {
                e_tag: Some(self.to_store(tag)),
                version: None,
            });
            self.store
                .put_opts(key, PutPayload::from_static(body), mode.into())
        };
        match update(&first, b"2").await {
            Ok(_) => {}
            Err(object_store::Error::Precondition { .. }) => {
                let other = match self.quoting {
                    EtagQuoting::Quoted => "unquoted",
                    EtagQuoting::Unquoted => "quoted",
                };
                return Err(StoreError::Config(format!(
                    "the store refused a write with the current ETag: it compares \
                     If-Match differently; try --s3-etag {other}"
                )));
            }
            Err(e) => return Err(backend(e)),
        }
        match update(&first, b"3").await {
            Err(object_store::Error::Precondition { .. }) => Ok(()),
            Ok(_) => Err(StoreError::Config(
                "the store accepted a write with a stale ETag: it ignores If-Match, so \
                 servers sharing it would overwrite each other's writes"
                    .into(),
            )),
            Err(e) => Err(backend(e)),
        }
    }

    fn key(&self, area: &str, rest: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(format!("{area}/{rest}"))
        } else {
            Path::from(format!("{}/{area}/{rest}", self.prefix))
        }
    }

    fn file_key(&self, path: &FilePath) -> Path {
        self.key("files", path.as_str())
    }

    fn history_dir(&self, path: &FilePath) -> Path {
        self.key("history", path.as_str())
    }

    fn to_store(&self, client_tag: &str) -> String {
        match self.quoting {
            EtagQuoting::Quoted => quoted(client_tag),
            EtagQuoting::Unquoted => client_tag.trim_matches('"').to_owned(),
        }
    }

    async fn get_now(&self, path: &FilePath) -> Result<Option<Stored>, StoreError> {
        match self.store.get(&self.file_key(path)).await {
            Ok(r) => {
                let etag = r
                    .meta
                    .e_tag
                    .clone()
                    .ok_or_else(|| backend("the store sent no ETag"))?;
                let body = r.bytes().await.map_err(backend)?.to_vec();
                Ok(Some(Stored {
                    body,
                    etag: quoted(&etag),
                }))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    async fn put_now(
        &self,
        path: &FilePath,
        body: Vec<u8>,
        pre: Precondition,
    ) -> Result<String, StoreError> {
        let mode = match &pre {
            Precondition::IfAbsent => PutMode::Create,
            Precondition::IfMatch(tag) => PutMode::Update(UpdateVersion {
                e_tag: Some(self.to_store(tag)),
                version: None,
            }),
        };
        let payload = PutPayload::from(body.clone());
        let result = self
            .store
            .put_opts(&self.file_key(path), payload, PutOptions::from(mode))
            .await;
        let etag = match result {
            Ok(r) => r.e_tag.ok_or_else(|| backend("the store sent no ETag"))?,
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. }
                | object_store::Error::NotModified { .. },
            ) => return Err(StoreError::PreconditionFailed),
            Err(e) => return Err(backend(e)),
        };
        // History is a convenience for repairs: a failure here does not fail the write.
        if let Err(e) = self.keep_version(path, body).await {
            eprintln!(
                "jindu-server: could not keep a history version of {}: {e}",
                path.as_str()
            );
        }
        Ok(quoted(&etag))
    }

    async fn versions(&self, path: &FilePath) -> Result<Vec<(u64, Path, u64)>, StoreError> {
        let dir = self.history_dir(path);
        let listed: Vec<_> = self
            .store
            .list(Some(&dir))
            .try_collect()
            .await
            .map_err(backend)?;
        let mut out: Vec<(u64, Path, u64)> = listed
            .into_iter()
            .filter_map(|m| {
                let n = m.location.filename()?.parse().ok()?;
                Some((n, m.location, m.size))
            })
            .collect();
        out.sort_unstable_by_key(|v| v.0);
        Ok(out)
    }

    async fn keep_version(&self, path: &FilePath, body: Vec<u8>) -> Result<(), StoreError> {
        let dir = self.history_dir(path);
        let mut number = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        let payload = PutPayload::from(body);
        // Two servers writing the same file in the same microsecond take the next number.
        loop {
            let key = dir.child(format!("{number:020}"));
            match self
                .store
                .put_opts(&key, payload.clone(), PutOptions::from(PutMode::Create))
                .await
            {
                Ok(_) => break,
                Err(object_store::Error::AlreadyExists { .. }) => number += 1,
                Err(e) => return Err(backend(e)),
            }
        }
        let versions = self.versions(path).await?;
        let excess = versions.len().saturating_sub(self.keep);
        for (_, key, _) in versions.into_iter().take(excess) {
            let _ = self.store.delete(&key).await;
        }
        Ok(())
    }

    async fn history_now(&self, path: &FilePath) -> Result<Vec<Version>, StoreError> {
        let mut out = Vec::new();
        for (number, key, size) in self.versions(path).await? {
            // The ETag of a kept version is that of its bytes as the store reports it.
            let Ok(meta) = self.store.head(&key).await else {
                continue;
            };
            out.push(Version {
                number,
                etag: quoted(meta.e_tag.as_deref().unwrap_or_default()),
                bytes: size,
                written: number / 1_000_000,
            });
        }
        Ok(out)
    }

    async fn version_now(
        &self,
        path: &FilePath,
        number: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let key = self.history_dir(path).child(format!("{number:020}"));
        match self.store.get(&key).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(backend)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }
}

crate::store::async_store!(S3Store);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_quoted_for_clients_and_as_configured_for_the_store() {
        assert_eq!(quoted("abc"), "\"abc\"");
        assert_eq!(quoted("\"abc\""), "\"abc\"");
        let mem: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
        let q = S3Store::with_store(mem.clone(), "p", EtagQuoting::Quoted, 5);
        let u = S3Store::with_store(mem, "p", EtagQuoting::Unquoted, 5);
        assert_eq!(q.to_store("\"abc\""), "\"abc\"");
        assert_eq!(u.to_store("\"abc\""), "abc");
        assert_eq!("unquoted".parse::<EtagQuoting>(), Ok(EtagQuoting::Unquoted));
        assert!("both".parse::<EtagQuoting>().is_err());
    }

    #[tokio::test]
    async fn compare_and_swap_and_history_over_an_in_memory_store() {
        let mem: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
        // The in-memory store's ETags are bare numbers, compared unquoted.
        let s = S3Store::with_store(mem, "office", EtagQuoting::Unquoted, 2);
        let p = FilePath::parse("plans/a.json").unwrap();
        assert!(s.get_now(&p).await.unwrap().is_none());
        let e1 = s
            .put_now(&p, b"one".to_vec(), Precondition::IfAbsent)
            .await
            .unwrap();
        assert!(matches!(
            s.put_now(&p, b"again".to_vec(), Precondition::IfAbsent)
                .await,
            Err(StoreError::PreconditionFailed)
        ));
        let e2 = s
            .put_now(&p, b"two".to_vec(), Precondition::IfMatch(e1.clone()))
            .await
            .unwrap();
        assert!(matches!(
            s.put_now(&p, b"late".to_vec(), Precondition::IfMatch(e1))
                .await,
            Err(StoreError::PreconditionFailed)
        ));
        s.put_now(&p, b"three".to_vec(), Precondition::IfMatch(e2))
            .await
            .unwrap();
        assert_eq!(s.get_now(&p).await.unwrap().unwrap().body, b"three");
        let h = s.history_now(&p).await.unwrap();
        assert_eq!(h.len(), 2, "keeps two versions: {h:?}");
        let first = s.version_now(&p, h[0].number).await.unwrap().unwrap();
        assert_eq!(first, b"two");
    }

    #[tokio::test]
    async fn the_start_check_passes_on_a_store_that_honours_if_match_and_names_the_fix_otherwise() {
        let mem: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
        let right = S3Store::with_store(mem.clone(), "", EtagQuoting::Unquoted, 5);
        right.check().await.unwrap();
        let wrong = S3Store::with_store(mem.clone(), "", EtagQuoting::Quoted, 5);
        let e = wrong.check().await.unwrap_err().to_string();
        assert!(e.contains("--s3-etag unquoted"), "{e}");
        // The probe leaves nothing behind.
        let left: Vec<_> = mem.list(None).try_collect().await.unwrap();
        assert!(left.is_empty(), "{left:?}");
    }
}
