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
//! being a kept version: a server killed between the two writes loses nothing. A write
//! is two requests; every [`PRUNE_EVERY`] writes one listing and the deletes prune the
//! history, and listing the history is one request (the listing carries each version's
//! ETag).
//!
//! Errors are told apart ([`is_transient`]): a connection that fails, a 5xx or
//! `SlowDown` is answered 503 with `Retry-After`; `AccessDenied`, `NoSuchBucket` or
//! another 4xx is a fault, answered 500 with the reason logged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{
    Attribute, ObjectMeta, ObjectStore, PutMode, PutOptions, PutPayload, RetryConfig, UpdateVersion,
};

use crate::store::{random_hex, FilePath, Precondition, StoreError, Stored, Version};

mod errors;
pub use errors::is_transient;
use errors::{classify, fault, is_missing_bucket};

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
/// file object names the number of its version in the metadata `jindu-version`, for
/// whoever inspects the bucket).
pub struct S3Store {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    quoting: EtagQuoting,
    keep: usize,
    /// Prune a file's history every this many of this server's writes of it.
    prune_every: u32,
    /// How old a version must be (by its number) to be counted or deleted by pruning.
    prune_grace: Duration,
    /// This server's writes per file, counted for pruning.
    writes: Mutex<HashMap<String, u32>>,
}

/// How often a file's history is pruned, in writes by one server. Between prunings a
/// file has up to `keep + PRUNE_EVERY - 1` history objects per server writing it, plus
/// those of the last [`PRUNE_GRACE`].
const PRUNE_EVERY: u32 = 10;

/// Versions younger than this (before the pruning write's own) are left to a later
/// pruning: writes still in flight are among them.
const PRUNE_GRACE: Duration = Duration::from_secs(60);

/// The file object's metadata that names the history version it holds.
const VERSION_ATTRIBUTE: &str = "jindu-version";

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
            prune_every: PRUNE_EVERY,
            prune_grace: PRUNE_GRACE,
            writes: Mutex::new(HashMap::new()),
        }
    }

    /// Prunes every `writes` writes, counting versions older than `grace`, instead of
    /// every [`PRUNE_EVERY`] with [`PRUNE_GRACE`] (for tests).
    pub fn pruning(mut self, writes: u32, grace: Duration) -> S3Store {
        self.prune_every = writes.max(1);
        self.prune_grace = grace;
        self
    }

    /// Checks at start that the store honours conditional writes as configured: a write
    /// with the current ETag succeeds and one with a stale ETag fails. A store that
    /// ignores the conditions would let concurrent servers overwrite each other.
    pub async fn check(&self) -> Result<(), StoreError> {
        let name = random_hex()?;
        let key = self.key("probe", &name);
        let create = self
            .store
            .put_opts(&key, PutPayload::from_static(b"1"), PutMode::Create.into())
            .await
            .map_err(classify)?;
        let first = create
            .e_tag
            .ok_or_else(|| fault("the store sent no ETag"))?;
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
            Err(e) => return Err(classify(e)),
        }
        match update(&first, b"3").await {
            Err(object_store::Error::Precondition { .. }) => Ok(()),
            Ok(_) => Err(StoreError::Config(
                "the store accepted a write with a stale ETag: it ignores If-Match, so \
                 servers sharing it would overwrite each other's writes"
                    .into(),
            )),
            Err(e) => Err(classify(e)),
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
                    .ok_or_else(|| fault("the store sent no ETag"))?;
                let body = r.bytes().await.map_err(classify)?.to_vec();
                Ok(Some(Stored {
                    body,
                    etag: quoted(&etag),
                }))
            }
            Err(e @ object_store::Error::NotFound { .. }) if !is_missing_bucket(&e) => Ok(None),
            Err(e) => Err(classify(e)),
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
            Ok(r) => r.e_tag.ok_or_else(|| fault("the store sent no ETag"))?,
            // Real S3 answers an update of a missing object 404, which `object_store`
            // turns into a failed precondition; a missing bucket is not that.
            Err(e @ object_store::Error::Precondition { .. }) if is_missing_bucket(&e) => {
                return Err(classify(e))
            }
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
            Err(e) => return Err(classify(e)),
        };
        // Pruning is housekeeping, done every PRUNE_EVERY writes: the write is done
        // whatever happens here.
        if self.due_for_pruning(path) {
            if let Err(e) = self.prune(path, number).await {
                eprintln!(
                    "jindu-server: could not prune the history of {}: {e}",
                    path.as_str()
                );
            }
        }
        Ok(quoted(&etag))
    }

    /// Every history object of `path` with its number, oldest first: one listing,
    /// which carries each object's ETag and size too.
    async fn versions(&self, path: &FilePath) -> Result<Vec<(u64, ObjectMeta)>, StoreError> {
        let dir = self.history_dir(path);
        let listed: Vec<ObjectMeta> = self
            .store
            .list(Some(&dir))
            .try_collect()
            .await
            .map_err(classify)?;
        let mut out: Vec<(u64, ObjectMeta)> = listed
            .into_iter()
            .filter_map(|m| Some((m.location.filename()?.parse().ok()?, m)))
            .collect();
        out.sort_unstable_by_key(|v| v.0);
        Ok(out)
    }

    /// Counts this server's writes of `path`; true on every PRUNE_EVERY-th.
    fn due_for_pruning(&self, path: &FilePath) -> bool {
        let mut writes = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        let n = writes.entry(path.as_str().to_owned()).or_default();
        *n += 1;
        if *n < self.prune_every {
            return false;
        }
        *n = 0;
        true
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
                Err(e) => return Err(classify(e)),
            }
        }
    }

    /// After version `own` became the file: of the versions numbered more than the
    /// grace period before `own`, keeps the `keep` newest and deletes the older ones.
    ///
    /// Newer versions are neither counted nor deleted: among them are writes still in
    /// flight — one whose switch may yet make it the file, and the losers of a race,
    /// each about to delete its own version on its 412. Counting those as kept would
    /// prune real versions too early (the race test over RGW saw 49 of 50 kept). A
    /// write is over well within the grace period (the client gives up after 15 s), so
    /// an older version is settled: a body that was the file, or one a kill left.
    async fn prune(&self, path: &FilePath, own: u64) -> Result<(), StoreError> {
        let settled_before = own.saturating_sub(self.prune_grace.as_micros() as u64);
        let settled: Vec<_> = self
            .versions(path)
            .await?
            .into_iter()
            .filter(|v| v.0 <= settled_before)
            .collect();
        let excess = settled.len().saturating_sub(self.keep);
        for (_, meta) in settled.into_iter().take(excess) {
            let _ = self.store.delete(&meta.location).await;
        }
        Ok(())
    }

    /// The `keep` newest versions, from one listing: the ETag of each (that of its
    /// bytes as the store reports it, so the ETag the file had while it held them) comes
    /// with the listing, so no request per version is made. Versions beyond `keep` wait
    /// for the next pruning and are not shown.
    async fn history_now(&self, path: &FilePath) -> Result<Vec<Version>, StoreError> {
        let versions = self.versions(path).await?;
        let skip = versions.len().saturating_sub(self.keep);
        Ok(versions
            .into_iter()
            .skip(skip)
            .map(|(number, meta)| Version {
                number,
                etag: quoted(meta.e_tag.as_deref().unwrap_or_default()),
                bytes: meta.size,
                written: number / 1_000_000,
            })
            .collect())
    }

    async fn version_now(
        &self,
        path: &FilePath,
        number: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let key = self.history_dir(path).child(format!("{number:020}"));
        match self.store.get(&key).await {
            Ok(r) => Ok(Some(r.bytes().await.map_err(classify)?.to_vec())),
            Err(e @ object_store::Error::NotFound { .. }) if !is_missing_bucket(&e) => Ok(None),
            Err(e) => Err(classify(e)),
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
                &r.e_tag.ok_or_else(|| fault("the store sent no ETag"))?,
            )),
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => Err(StoreError::PreconditionFailed),
            Err(e) => Err(classify(e)),
        }
    }
}

crate::store::async_store!(S3Store);

#[cfg(test)]
mod http_tests;
#[cfg(test)]
mod tests;
