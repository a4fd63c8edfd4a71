//! The S3 store through the real S3 client against a loopback stub that answers as S3
//! does when things go wrong, so that the error classification is checked on the errors
//! `object_store` really produces: unavailable (503 with `Retry-After`) or a fault (500).

use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

/// An S3 error answer's body.
fn s3_error(code: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>\
         <Message>as S3 says it</Message><RequestId>1</RequestId></Error>"
    )
}

/// How the stub answers a request (method, path): a status and a body.
type Answer = fn(&str, &str) -> (u16, String);

/// Reads one HTTP request (head and `Content-Length` body); returns method and path.
async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<(String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut words = head.split_whitespace();
    Some((words.next()?.to_owned(), words.next()?.to_owned()))
}

/// A loopback server answering every request by `answer`, one request a connection.
async fn stub(answer: Answer) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Some((method, path)) = read_request(&mut sock).await else {
                    return;
                };
                let (status, body) = answer(&method, &path);
                let body = if method == "HEAD" {
                    String::new()
                } else {
                    body
                };
                let reply = format!(
                    "HTTP/1.1 {status} Stub\r\nContent-Type: application/xml\r\n\
                     Content-Length: {}\r\nETag: \"e1\"\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

/// The store over the S3 client at `endpoint`, without retries (each case is one answer).
fn store_at(endpoint: &str) -> S3Store {
    let s3 = AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_bucket_name("jindu")
        .with_region("us-east-1")
        .with_access_key_id("key")
        .with_secret_access_key("secret")
        .with_retry(RetryConfig {
            max_retries: 0,
            retry_timeout: Duration::from_secs(1),
            ..RetryConfig::default()
        })
        .build()
        .unwrap();
    S3Store::with_store(Arc::new(s3), "office", EtagQuoting::Unquoted, 5)
}

fn path() -> FilePath {
    FilePath::parse("plans/a.json").unwrap()
}

/// What a GET of a file comes to when every request is answered `answer`.
async fn get_with(answer: Answer) -> Result<Option<Stored>, StoreError> {
    store_at(&stub(answer).await).get_now(&path()).await
}

/// What an update comes to when every request is answered `answer`.
async fn put_with(answer: Answer) -> Result<String, StoreError> {
    let s = store_at(&stub(answer).await);
    s.put_now(
        &path(),
        b"{}".to_vec(),
        Precondition::IfMatch("\"e0\"".into()),
    )
    .await
}

fn unavailable<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(StoreError::Unavailable(reason)) => reason,
        other => panic!("expected unavailable, got {other:?}"),
    }
}

fn fault<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(StoreError::Fault(reason)) => reason,
        other => panic!("expected a fault, got {other:?}"),
    }
}

#[tokio::test]
async fn a_busy_or_failing_store_is_unavailable() {
    unavailable(get_with(|_, _| (503, s3_error("SlowDown"))).await);
    unavailable(get_with(|_, _| (500, s3_error("InternalError"))).await);
    unavailable(put_with(|_, _| (503, s3_error("ServiceUnavailable"))).await);
    // S3 sends RequestTimeout with a 400 when a body arrived too slowly.
    unavailable(put_with(|_, _| (400, s3_error("RequestTimeout"))).await);
}

#[tokio::test]
async fn a_store_that_cannot_be_reached_is_unavailable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    unavailable(store_at(&endpoint).get_now(&path()).await);
}

#[tokio::test]
async fn refusals_a_retry_would_repeat_are_faults_that_name_the_reason() {
    let reason = fault(get_with(|_, _| (403, s3_error("AccessDenied"))).await);
    assert!(reason.contains("AccessDenied"), "{reason}");
    let reason = fault(put_with(|_, _| (403, s3_error("SignatureDoesNotMatch"))).await);
    assert!(reason.contains("SignatureDoesNotMatch"), "{reason}");
    fault(put_with(|_, _| (400, s3_error("InvalidArgument"))).await);
    fault(put_with(|_, _| (405, s3_error("MethodNotAllowed"))).await);
}

#[tokio::test]
async fn a_missing_bucket_is_a_fault_and_a_missing_file_is_absent() {
    let reason = fault(get_with(|_, _| (404, s3_error("NoSuchBucket"))).await);
    assert!(reason.contains("NoSuchBucket"), "{reason}");
    assert_eq!(
        get_with(|_, _| (404, s3_error("NoSuchKey"))).await.unwrap(),
        None
    );
    // The version is written; the switch finds no bucket: not a 412 to read again.
    let reason = fault(
        put_with(|method, path| match (method, path.contains("/history/")) {
            ("PUT", true) => (200, String::new()),
            _ => (404, s3_error("NoSuchBucket")),
        })
        .await,
    );
    assert!(reason.contains("NoSuchBucket"), "{reason}");
}

#[tokio::test]
async fn a_failed_precondition_stays_a_precondition_failure() {
    let r = put_with(|method, path| match (method, path.contains("/history/")) {
        ("PUT", true) => (200, String::new()),
        ("DELETE", _) => (204, String::new()),
        _ => (412, s3_error("PreconditionFailed")),
    })
    .await;
    assert!(matches!(r, Err(StoreError::PreconditionFailed)), "{r:?}");
    // An update of a file that is gone: S3 answers 404 NoSuchKey, which is a 412 too.
    let r = put_with(|method, path| match (method, path.contains("/history/")) {
        ("PUT", true) => (200, String::new()),
        ("DELETE", _) => (204, String::new()),
        _ => (404, s3_error("NoSuchKey")),
    })
    .await;
    assert!(matches!(r, Err(StoreError::PreconditionFailed)), "{r:?}");
}
