//! The errors a request is answered with: each one's status, message and headers.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// Errors answered to a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad path: {0}")]
    BadPath(String),
    #[error("missing or wrong token")]
    Unauthorized,
    #[error("this token may only read")]
    ReadOnly,
    /// The caller's role or plans do not allow this; the reason in words.
    #[error("{0}")]
    Forbidden(String),
    /// Too many failed authentications from this address; seconds to wait.
    #[error("too many failed sign-ins from this address; try again in {0} s")]
    TooManyFailures(u64),
    #[error("not found")]
    NotFound,
    #[error("the file changed or does not exist: fetch it, merge and try again")]
    PreconditionFailed,
    #[error("a PUT needs If-Match with the current ETag, or If-None-Match: * to create")]
    PreconditionRequired,
    #[error("{0}")]
    Conflict(String),
    /// A body over a limit; the limit in words.
    #[error("{0}")]
    TooLarge(String),
    /// A body that contradicts its name (a media file's hash); the reason in words.
    #[error("{0}")]
    Unprocessable(String),
    /// A body of a type the path does not take; the reason in words.
    #[error("{0}")]
    UnsupportedType(String),
    /// The body could not be read (the client went away mid-upload).
    #[error("the request body could not be read: {0}")]
    BadBody(String),
    #[error("storage error")]
    Storage(String),
    #[error("the store is unavailable; try again shortly")]
    Unavailable(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::BadPath(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::ReadOnly | ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::TooManyFailures(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::BadBody(_) => StatusCode::BAD_REQUEST,
            ApiError::Storage(e) => {
                eprintln!("jindu-server: storage error: {e}");
                StatusCode::INTERNAL_SERVER_ERROR
            }
            ApiError::Unavailable(e) => {
                eprintln!("jindu-server: store unavailable: {e}");
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
        let mut res = (status, format!("{self}\n")).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let ApiError::TooManyFailures(wait) = &self {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*wait));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::PreconditionFailed => ApiError::PreconditionFailed,
            StoreError::Symlink => {
                ApiError::BadPath("the path runs through a symbolic link".into())
            }
            StoreError::Io(e) => ApiError::Storage(e.to_string()),
            StoreError::Unavailable(e) => ApiError::Unavailable(e),
            StoreError::Fault(e) => ApiError::Storage(e),
            StoreError::Config(e) => ApiError::Storage(e),
        }
    }
}
