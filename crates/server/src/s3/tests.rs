//! The S3 store over in-memory object stores: compare-and-swap, history, the start
//! check, the requests a write makes, and kills between any two of them.

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

#[tokio::test]
async fn a_write_is_two_requests_and_the_history_is_pruned_every_few_writes() {
    use std::sync::atomic::Ordering::SeqCst;
    let mem: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
    // Counts writes (PUTs and DELETEs) without ever dying.
    let counted = Arc::new(Dies {
        inner: mem.clone(),
        budget: 1_000.into(),
    });
    // No grace period: nothing here is in flight when a write prunes.
    let s = S3Store::with_store(counted.clone(), "office", EtagQuoting::Unquoted, 3)
        .pruning(4, Duration::ZERO);
    let p = FilePath::parse("plans/a.json").unwrap();
    let dir = Path::from("office/history/plans/a.json");
    let mut pre = Precondition::IfAbsent;
    for n in 1..=12 {
        let before = counted.budget.load(SeqCst);
        let tag = s
            .put_now(&p, format!("body {n}").into_bytes(), pre)
            .await
            .unwrap();
        pre = Precondition::IfMatch(tag);
        let writes = before - counted.budget.load(SeqCst);
        let objects: Vec<_> = mem.list(Some(&dir)).try_collect().await.unwrap();
        if n % 4 == 0 {
            // The version and the switch, then one delete per version beyond 3.
            assert_eq!(objects.len(), 3, "write {n} pruned");
            assert_eq!(writes, 2 + if n == 4 { 1 } else { 4 }, "write {n}");
        } else {
            assert_eq!(writes, 2, "write {n}: the version and the switch");
            let expected = if n < 4 { n } else { 3 + n % 4 };
            assert_eq!(objects.len(), expected as usize, "write {n}");
        }
    }
    // The three newest versions, from one listing.
    let h = s.history_now(&p).await.unwrap();
    let bodies: Vec<_> = kept(&s, &p).await;
    assert_eq!(h.len(), 3);
    assert_eq!(
        bodies,
        [
            b"body 10".to_vec(),
            b"body 11".to_vec(),
            b"body 12".to_vec()
        ]
    );
    assert!(h.iter().all(|v| v.bytes == 7 && v.etag.len() > 2), "{h:?}");
}

#[tokio::test]
async fn pruning_leaves_the_versions_of_writes_that_may_still_be_in_flight() {
    let mem: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
    let s = S3Store::with_store(mem.clone(), "office", EtagQuoting::Unquoted, 2)
        .pruning(1, Duration::from_secs(3600));
    let p = FilePath::parse("plans/a.json").unwrap();
    let mut pre = Precondition::IfAbsent;
    for n in 0..5 {
        let tag = s.put_now(&p, vec![n], pre).await.unwrap();
        pre = Precondition::IfMatch(tag);
    }
    // All five are within the grace period: none is counted, none deleted; the
    // history shows the two newest.
    let dir = Path::from("office/history/plans/a.json");
    let objects: Vec<_> = mem.list(Some(&dir)).try_collect().await.unwrap();
    assert_eq!(objects.len(), 5);
    assert_eq!(kept(&s, &p).await, [vec![3], vec![4]]);
}
