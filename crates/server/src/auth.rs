//! Who a request acts as: the bearer token in its `Authorization` header, checked
//! against the accounts kept in the store and the configured shared tokens.
//!
//! [`Caller`] is the one place a request's rights are decided; handlers take it as an
//! extractor and ask it. The rules:
//! - no accounts and no tokens configured: open (loopback only), as the office;
//! - otherwise a token is required (401 without a valid one, on loopback too): an
//!   account's personal token acts as that account, with its role and plans; a shared
//!   `--token` acts as the office and a `--read-token` as a viewer, neither with a name;
//! - failed authentications are counted per client address ([`crate::limit`]); over the
//!   limit, 429 with `Retry-After` before any token is looked at.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use jindu_core::roles::{Role, Writer};

use crate::accounts::{self, Account};
use crate::{ApiError, AppState, Config};

/// Who a request acts as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Caller {
    /// No tokens and no accounts: an open server on loopback.
    Open,
    /// A shared token: the office (`--token`) or a viewer (`--read-token`), no name.
    Shared(Role),
    /// An account's personal token.
    Account(Account),
}

impl Caller {
    pub(crate) fn role(&self) -> Role {
        match self {
            Caller::Open => Role::Office,
            Caller::Shared(r) => *r,
            Caller::Account(a) => a.role,
        }
    }

    /// Who writes, for the role rule; `None` on an open server, which enforces nothing.
    pub(crate) fn writer(&self) -> Option<Writer<'_>> {
        match self {
            Caller::Open => None,
            Caller::Shared(role) => Some(Writer {
                account: None,
                role: *role,
            }),
            Caller::Account(a) => Some(Writer {
                account: Some(&a.id),
                role: a.role,
            }),
        }
    }

    /// Whether this caller may use plan `id` at all.
    pub(crate) fn may_use_plan(&self, id: &str) -> bool {
        match self {
            Caller::Account(a) => a.may_use_plan(id),
            _ => true,
        }
    }

    /// The plans this caller is limited to, if it is.
    pub(crate) fn plans(&self) -> Option<&[String]> {
        match self {
            Caller::Account(a) if !a.plans.is_empty() => Some(&a.plans),
            _ => None,
        }
    }

    /// Refuses a viewer's write with 403.
    pub(crate) fn require_write(&self) -> Result<(), ApiError> {
        match self.role() {
            Role::Viewer => Err(ApiError::ReadOnly),
            _ => Ok(()),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let client = client_address(&state.config, peer, &parts.headers);
        state.limiter.check(client)?;
        let (list, _) = accounts::load(state.store.as_ref())
            .await
            .map_err(|e| match e {
                accounts::AccountError::Store(e) => ApiError::from(e),
                other => ApiError::Storage(other.to_string()),
            })?;
        let result = decide(&state.config, &list, &parts.headers);
        if matches!(result, Err(ApiError::Unauthorized)) {
            state.limiter.failed(client);
        }
        result
    }
}

/// Decides from the configuration, the accounts and the request's headers.
pub(crate) fn decide(
    config: &Config,
    list: &accounts::Accounts,
    headers: &HeaderMap,
) -> Result<Caller, ApiError> {
    if list.accounts.is_empty() && config.tokens.is_empty() && config.read_tokens.is_empty() {
        return Ok(Caller::Open);
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthorized)?;
    if let Some(a) = list.find_token(presented) {
        return Ok(Caller::Account(a.clone()));
    }
    if config.tokens.iter().any(|t| same_secret(t, presented)) {
        Ok(Caller::Shared(Role::Office))
    } else if config.read_tokens.iter().any(|t| same_secret(t, presented)) {
        Ok(Caller::Shared(Role::Viewer))
    } else {
        Err(ApiError::Unauthorized)
    }
}

/// The address failures are counted against: the peer's, or behind a trusted reverse
/// proxy the last address it forwarded (the one it saw; earlier ones the client wrote).
fn client_address(config: &Config, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
    let peer = peer?;
    if !config.trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .next_back();
    Some(forwarded.unwrap_or(peer))
}

/// Compares secrets in time independent of where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
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

    fn bearer(v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_static(v));
        h
    }

    #[test]
    fn tokens_give_office_or_viewer_and_accounts_their_role() {
        let config = Config {
            tokens: vec!["w".into()],
            read_tokens: vec!["r".into()],
            ..Config::default()
        };
        let none = accounts::Accounts::default();
        assert_eq!(
            decide(&config, &none, &bearer("Bearer w")).unwrap(),
            Caller::Shared(Role::Office)
        );
        assert_eq!(
            decide(&config, &none, &bearer("Bearer r")).unwrap(),
            Caller::Shared(Role::Viewer)
        );
        for h in [bearer("Bearer x"), bearer("w"), HeaderMap::new()] {
            assert!(matches!(
                decide(&config, &none, &h),
                Err(ApiError::Unauthorized)
            ));
        }
        let open = Config::default();
        assert_eq!(
            decide(&open, &none, &HeaderMap::new()).unwrap(),
            Caller::Open
        );
        // Once an account exists, nothing is open any more.
        let mut list = accounts::Accounts::default();
        list.accounts.push(Account {
            id: "u-1".into(),
            name: "张三".into(),
            role: Role::Inspector,
            plans: vec![],
            token_sha256: accounts::token_hash("tok"),
            issued: 0,
            revoked: false,
        });
        assert!(matches!(
            decide(&open, &list, &HeaderMap::new()),
            Err(ApiError::Unauthorized)
        ));
        let who = decide(&open, &list, &bearer("Bearer tok")).unwrap();
        assert_eq!(who.role(), Role::Inspector);
        list.accounts[0].revoked = true;
        assert!(matches!(
            decide(&open, &list, &bearer("Bearer tok")),
            Err(ApiError::Unauthorized)
        ));
    }

    #[test]
    fn a_trusted_proxy_forwards_the_client_address() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let config = Config {
            trusted_proxies: vec![proxy],
            ..Config::default()
        };
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.2.3.4, 192.168.1.20"),
        );
        assert_eq!(
            client_address(&config, Some(proxy), &h),
            Some("192.168.1.20".parse().unwrap())
        );
        // Anyone else's header is ignored: it could name any address.
        let other: IpAddr = "192.168.1.9".parse().unwrap();
        assert_eq!(client_address(&config, Some(other), &h), Some(other));
    }
}
