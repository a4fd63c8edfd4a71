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
//! ETags.
//!
//! History versions are separate objects, written *before* the file is switched (see
//! [`S3Store::put_now`]), so that no body ever becomes the current file without also
//! being a kept version: a server killed between the two writes loses nothing.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{
    Attribute, GetOptions, ObjectStore, PutMode, PutOptions, PutPayload, RetryConfig, UpdateVersion,
};

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
/// `PREFIX/history/PATH/NUMBER` (the number is the write's time in microseconds; the
/// file object names the number of its version in the metadata `jindu-version`).
pub struct S3Store {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    quoting: EtagQuoting,
    keep: usize,
}

/// The file object's metadata that names the history version it holds.
const VERSION_ATTRIBUTE: &str = "jindu-version";

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

    /// Writes in two steps, in this order:
    ///
    /// 1. the new body as a history version (a new object, so it cannot clash);
    /// 2. the conditional switch of the file to the new body.
    ///
    /// A version written after the switch (as this store once did) is lost when the
    /// server dies between the two writes, and the body it held — then the current file —
    /// is gone for good at the next write. In this order, every body that was ever the
    /// current file is a kept version. The other order was rejected: keeping the *old*
    /// body before the switch needs a read of it on every write.
    ///
    /// What this order leaves behind are versions whose switch was not made. When the
    /// store answers that the precondition failed, the version is deleted at once. When
    /// the switch ends in any other error (the request may have been applied before the
    /// answer was lost) or the server dies between the two writes, the version is left:
    /// it holds a body a tablet sent and has not seen acknowledged (so it will send its
    /// state again), it is harmless to restore (tablets merge their newer state back
    /// in), and it is pruned in its turn like any other. Deleting it would risk deleting
    /// the only kept copy of a file that did switch.
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
        // The number of the version this write replaces, for pruning (see `prune`).
        let replaced = match &pre {
            Precondition::IfMatch(_) => self.current_version(path).await,
            Precondition::IfAbsent => None,
        };
        let payload = PutPayload::from(body);
        let (number, version) = self.keep_version(path, payload.clone()).await?;
        let mut opts = PutOptions::from(mode);
        opts.attributes.insert(
            Attribute::Metadata(VERSION_ATTRIBUTE.into()),
            number.to_string().into(),
        );
        let result = self
            .store
            .put_opts(&self.file_key(path), payload, opts)
            .await;
        let etag = match result {
            Ok(r) => r.e_tag.ok_or_else(|| backend("the store sent no ETag"))?,
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. }
                | object_store::Error::NotModified { .. },
            ) => {
                // Certainly not switched: the version never was the file.
                if let Err(e) = self.store.delete(&version).await {
                    eprintln!("jindu-server: could not delete the unused version {version}: {e}");
                }
                return Err(StoreError::PreconditionFailed);
            }
            Err(e) => return Err(backend(e)),
        };
        // Pruning is housekeeping: the write is done whatever happens here.
        if let Some(replaced) = replaced {
            if let Err(e) = self.prune(path, number, replaced).await {
                eprintln!(
                    "jindu-server: could not prune the history of {}: {e}",
                    path.as_str()
                );
            }
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

    /// Writes `payload` as a new history version of `path`; returns its number and key.
    async fn keep_version(
        &self,
        path: &FilePath,
        payload: PutPayload,
    ) -> Result<(u64, Path), StoreError> {
        let dir = self.history_dir(path);
        let mut number = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        // Two servers writing the same file in the same microsecond take the next number.
        loop {
            let key = dir.child(format!("{number:020}"));
            match self
                .store
                .put_opts(&key, payload.clone(), PutOptions::from(PutMode::Create))
                .await
            {
                Ok(_) => return Ok((number, key)),
                Err(object_store::Error::AlreadyExists { .. }) => number += 1,
                Err(e) => return Err(backend(e)),
            }
        }
    }

    /// The number of the history version the file now holds, as its switch recorded it
    /// (none for a file written before versions were recorded, or when unreadable).
    async fn current_version(&self, path: &FilePath) -> Option<u64> {
        let head = GetOptions {
            head: true,
            ..GetOptions::default()
        };
        let r = self.store.get_opts(&self.file_key(path), head).await.ok()?;
        let value = r
            .attributes
            .get(&Attribute::Metadata(VERSION_ATTRIBUTE.into()))?;
        value.as_ref().parse().ok()
    }

    /// After version `own` replaced version `replaced`: keeps `own` and the `keep - 1`
    /// newest versions up to `replaced`. Versions numbered between the two are left
    /// alone: they are writes that raced this one and lost (each deletes its own
    /// version on its 412, so counting them would prune real versions too early) or
    /// were left by a kill; the next write, replacing `own`, prunes those.
    async fn prune(&self, path: &FilePath, own: u64, replaced: u64) -> Result<(), StoreError> {
        let settled: Vec<_> = self
            .versions(path)
            .await?
            .into_iter()
            .filter(|v| v.0 <= replaced && v.0 != own)
            .collect();
        let excess = (settled.len() + 1).saturating_sub(self.keep);
        for (_, key, _) in settled.into_iter().take(excess) {
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

impl S3Store {
    /// Creates a file that is never replaced: one conditional PUT (`If-None-Match: *`)
    /// and no history object (its bytes never change, so a version would only double
    /// them).
    async fn create_now(&self, path: &FilePath, body: Vec<u8>) -> Result<String, StoreError> {
        let mode = PutOptions::from(PutMode::Create);
        match self
            .store
            .put_opts(&self.file_key(path), PutPayload::from(body), mode)
            .await
        {
            Ok(r) => Ok(quoted(
                &r.e_tag.ok_or_else(|| backend("the store sent no ETag"))?,
            )),
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => Err(StoreError::PreconditionFailed),
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

    /// An object store that dies after `budget` writes (PUTs and DELETEs): every later
    /// write fails, as if the server had been killed between two requests.
    #[derive(Debug)]
    struct Dies {
        inner: Arc<dyn ObjectStore>,
        budget: std::sync::atomic::AtomicUsize,
    }

    impl Dies {
        fn write(&self) -> object_store::Result<()> {
            use std::sync::atomic::Ordering::SeqCst;
            match self
                .budget
                .fetch_update(SeqCst, SeqCst, |b| b.checked_sub(1))
            {
                Ok(_) => Ok(()),
                Err(_) => Err(object_store::Error::Generic {
                    store: "dies",
                    source: "the server was killed".into(),
                }),
            }
        }
    }

    impl std::fmt::Display for Dies {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "Dies({})", self.inner)
        }
    }

    #[async_trait::async_trait]
    impl ObjectStore for Dies {
        async fn put_opts(
            &self,
            location: &Path,
            payload: PutPayload,
            opts: PutOptions,
        ) -> object_store::Result<object_store::PutResult> {
            self.write()?;
            self.inner.put_opts(location, payload, opts).await
        }

        async fn put_multipart_opts(
            &self,
            location: &Path,
            opts: object_store::PutMultipartOptions,
        ) -> object_store::Result<Box<dyn object_store::MultipartUpload>> {
            self.write()?;
            self.inner.put_multipart_opts(location, opts).await
        }

        async fn get_opts(
            &self,
            location: &Path,
            options: object_store::GetOptions,
        ) -> object_store::Result<object_store::GetResult> {
            self.inner.get_opts(location, options).await
        }

        async fn delete(&self, location: &Path) -> object_store::Result<()> {
            self.write()?;
            self.inner.delete(location).await
        }

        fn list(
            &self,
            prefix: Option<&Path>,
        ) -> futures_util::stream::BoxStream<'static, object_store::Result<object_store::ObjectMeta>>
        {
            self.inner.list(prefix)
        }

        async fn list_with_delimiter(
            &self,
            prefix: Option<&Path>,
        ) -> object_store::Result<object_store::ListResult> {
            self.inner.list_with_delimiter(prefix).await
        }

        async fn copy(&self, from: &Path, to: &Path) -> object_store::Result<()> {
            self.write()?;
            self.inner.copy(from, to).await
        }

        async fn copy_if_not_exists(&self, from: &Path, to: &Path) -> object_store::Result<()> {
            self.write()?;
            self.inner.copy_if_not_exists(from, to).await
        }
    }

    /// The bodies of every kept version of `p`.
    async fn kept(s: &S3Store, p: &FilePath) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for v in s.history_now(p).await.unwrap() {
            out.push(s.version_now(p, v.number).await.unwrap().unwrap());
        }
        out
    }

    #[tokio::test]
    async fn a_kill_between_any_two_writes_loses_no_version_of_the_file() {
        let p = FilePath::parse("plans/a.json").unwrap();
        let bodies = ["one", "two", "three", "four", "five"];
        let mut kills = 0;
        for budget in 0..20 {
            let mem: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
            let dying = Arc::new(Dies {
                inner: mem.clone(),
                budget: budget.into(),
            });
            let s = S3Store::with_store(dying, "office", EtagQuoting::Unquoted, 3);
            let mut acked = Vec::new();
            let mut pre = Precondition::IfAbsent;
            for body in bodies {
                match s.put_now(&p, body.into(), pre.clone()).await {
                    Ok(tag) => {
                        acked.push(body.as_bytes().to_vec());
                        pre = Precondition::IfMatch(tag);
                    }
                    Err(e) => {
                        assert!(matches!(e, StoreError::Unavailable(_)), "{e}");
                        kills += 1;
                        break;
                    }
                }
            }
            // Restarted over what reached the store: whatever the file holds is a kept
            // version, and so is the last acknowledged write.
            let s = S3Store::with_store(mem, "office", EtagQuoting::Unquoted, 3);
            let kept = kept(&s, &p).await;
            let current = s.get_now(&p).await.unwrap().map(|c| c.body);
            if let Some(current) = &current {
                assert!(
                    kept.contains(current),
                    "killed after {budget} writes: the file {:?} is not a kept version",
                    String::from_utf8_lossy(current)
                );
            }
            if let Some(last) = acked.last() {
                assert!(kept.contains(last), "killed after {budget} writes");
            }
            // What the kill leaves is at most the one version whose switch it prevented.
            let never_current: Vec<_> = kept
                .iter()
                .filter(|b| !acked.contains(b) && Some(*b) != current.as_ref())
                .collect();
            assert!(never_current.len() <= 1, "{never_current:?}");
        }
        assert!(kills > 5, "the kill fell between writes: {kills}");
    }
}
