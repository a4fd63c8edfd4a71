//! Who a request acts as: the bearer token in its `Authorization` header, checked
//! against the configured tokens.
//!
//! [`access`] is the one place a request's rights are decided, from the configuration
//! and the request's headers. Accounts and roles extend [`Access`] and that function;
//! the handlers only ask it.

use axum::http::{header, HeaderMap};

use crate::{ApiError, Config};

/// What a request may do with files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Write,
}

impl Access {
    /// Whether this access may write; a read-only one is refused with 403.
    pub(crate) fn require_write(self) -> Result<(), ApiError> {
        match self {
            Access::Write => Ok(()),
            Access::Read => Err(ApiError::ReadOnly),
        }
    }
}

/// Authorises a request from its headers: open when no tokens are configured, else a
/// `Bearer` token that is one of the write or read tokens, or 401.
pub(crate) fn access(config: &Config, headers: &HeaderMap) -> Result<Access, ApiError> {
    if config.tokens.is_empty() && config.read_tokens.is_empty() {
        return Ok(Access::Write);
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?
        .trim();
    if config.tokens.iter().any(|t| same_secret(t, presented)) {
        Ok(Access::Write)
    } else if config.read_tokens.iter().any(|t| same_secret(t, presented)) {
        Ok(Access::Read)
    } else {
        Err(ApiError::Unauthorized)
    }
}

/// Compares secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }

    #[test]
    fn tokens_give_write_or_read_access() {
        let config = Config {
            tokens: vec!["w".into()],
            read_tokens: vec!["r".into()],
            ..Config::default()
        };
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, HeaderValue::from_static(v));
            access(&config, &h)
        };
        assert_eq!(with("Bearer w").unwrap(), Access::Write);
        assert_eq!(with("Bearer r").unwrap(), Access::Read);
        assert!(matches!(with("Bearer x"), Err(ApiError::Unauthorized)));
        assert!(matches!(with("w"), Err(ApiError::Unauthorized)));
        assert!(matches!(
            access(&config, &HeaderMap::new()),
            Err(ApiError::Unauthorized)
        ));
        let open = Config::default();
        assert_eq!(access(&open, &HeaderMap::new()).unwrap(), Access::Write);
    }
}
