//! Object store errors told apart, as PostgreSQL's are by SQLSTATE: what may go away by
//! itself (503 with `Retry-After`) and what a retry would only repeat (500, logged).
//!
//! `object_store` keeps the HTTP status of a failed request in an error type of its own
//! that it does not export, so the status and the S3 error code (`<Code>…</Code>` in
//! the body it keeps for 4xx answers) are read from the error's text. A request that
//! got no answer at all (connection refused or reset, a timeout) has neither.

use crate::store::StoreError;

/// S3 error codes that say "later": sent with 503 or 500 mostly, but `RequestTimeout`
/// comes with a 400.
const TRANSIENT_CODES: &[&str] = &[
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
    "RequestTimeout",
];

/// Whether a failed request may succeed when tried again: one that got no answer
/// (the connection failed or timed out), a 5xx, 408 or 429 status, or a code of
/// [`TRANSIENT_CODES`]. Everything else — `AccessDenied` (403), `NoSuchBucket` (404),
/// `InvalidAccessKeyId`, `SignatureDoesNotMatch`, any other 4xx, or an answer the
/// store should not have given — is a fault of the settings or of the store.
/// (Precondition failures never get here: the store answers them 412.)
pub fn is_transient(status: Option<u16>, code: Option<&str>, no_answer: bool) -> bool {
    no_answer
        || code.is_some_and(|c| TRANSIENT_CODES.contains(&c))
        || matches!(status, Some(500..=599 | 408 | 429))
}

/// The HTTP status an error's text reports (`… status code: 503 Service Unavailable…`).
fn status_in(text: &str) -> Option<u16> {
    let (_, rest) = text.split_once("status code: ")?;
    rest.get(..3)?.parse().ok()
}

/// The S3 error code in an error's text (`<Code>NoSuchBucket</Code>`).
fn code_in(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once("<Code>")?;
    Some(rest.split_once("</Code>")?.0)
}

/// An object store error as a store error: unavailable or a fault.
///
/// A request error with neither status nor code got no answer: its transport failed.
/// (`object_store`'s own transport error type is hidden behind a transparent wrapper,
/// so it cannot be found among the sources.) The variants for refused credentials and
/// paths or operations the store does not support are faults whatever their text.
pub fn classify(e: object_store::Error) -> StoreError {
    let text = e.to_string();
    let (status, code) = (status_in(&text), code_in(&text));
    let no_answer = matches!(
        e,
        object_store::Error::Generic { .. } | object_store::Error::JoinError { .. }
    ) && status.is_none()
        && code.is_none();
    let reason = format!("object store: {text}");
    if is_transient(status, code, no_answer) {
        StoreError::Unavailable(reason)
    } else {
        StoreError::Fault(reason)
    }
}

/// Whether a "not found" is the bucket's, not the object's: the bucket was deleted or
/// the settings name another, which is a fault, not an absent file.
pub fn is_missing_bucket(e: &object_store::Error) -> bool {
    code_in(&e.to_string()) == Some("NoSuchBucket")
}

/// A store that answered in a way S3 never does (no ETag on a write, say).
pub fn fault(msg: impl std::fmt::Display) -> StoreError {
    StoreError::Fault(format!("object store: {msg}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_errors_5xx_and_slow_down_are_transient_and_the_rest_are_faults() {
        for (status, code, no_answer) in [
            (None, None, true),
            (Some(500), Some("InternalError"), false),
            (Some(502), None, false),
            (Some(503), Some("SlowDown"), false),
            (Some(503), None, false),
            (Some(504), None, false),
            (Some(429), None, false),
            (Some(408), None, false),
            (Some(400), Some("RequestTimeout"), false),
            (Some(200), Some("InternalError"), false),
        ] {
            assert!(
                is_transient(status, code, no_answer),
                "{status:?} {code:?} {no_answer}"
            );
        }
        for (status, code) in [
            (Some(403), Some("AccessDenied")),
            (Some(403), Some("InvalidAccessKeyId")),
            (Some(403), Some("SignatureDoesNotMatch")),
            (Some(404), Some("NoSuchBucket")),
            (Some(400), Some("InvalidArgument")),
            (Some(400), Some("EntityTooLarge")),
            (Some(405), None),
            (Some(411), None),
            (None, None),
        ] {
            assert!(!is_transient(status, code, false), "{status:?} {code:?}");
        }
    }

    #[test]
    fn status_and_code_are_read_from_object_stores_text() {
        let text = "Generic S3 error: Error performing GET http://rgw/jindu/files/a in 3ms - \
                    Server returned non-2xx status code: 404 Not Found: <?xml version=\"1.0\"?>\
                    <Error><Code>NoSuchBucket</Code><BucketName>jindu</BucketName></Error>";
        assert_eq!(status_in(text), Some(404));
        assert_eq!(code_in(text), Some("NoSuchBucket"));
        assert_eq!(status_in("no status here"), None);
        assert_eq!(code_in("<Code>unclosed"), None);
    }
}
