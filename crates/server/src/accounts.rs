//! Accounts: who may use the endpoint, each with a role, the plans it is limited to and
//! a personal token kept only as a hash.
//!
//! The list lives in the store itself (at [`ACCOUNTS_PATH`], a name no request can
//! reach: a path segment starting with a dot is never a file), so every instance over a
//! shared PostgreSQL or S3 store sees the same accounts, and a revocation holds on all
//! of them from the next request: the list is read for every request that needs it.
//! The CLI changes it with `If-Match`, so two changes at once never lose one.

use jindu_core::roles::Role;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::link::new_token;
use crate::store::{FilePath, Precondition, Store, StoreError};

/// Where the accounts are kept in the store.
pub const ACCOUNTS_PATH: &str = ".jindu/accounts.json";

/// The longest display name.
pub const MAX_NAME: usize = 40;

/// One account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Stable id, signed into every write the account makes.
    pub id: String,
    /// Display name (unique among accounts).
    pub name: String,
    pub role: Role,
    /// The plans this account may use; empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<String>,
    /// SHA-256 of the token, hex. Tokens are random (144 bits), so a plain hash is
    /// enough: there is nothing to guess a dictionary for.
    pub token_sha256: String,
    /// Unix seconds of creation or the last rotation.
    pub issued: u64,
    /// Whether the account was revoked (kept, so its writes keep a name).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoked: bool,
}

impl Account {
    /// Whether this account may use plan `id`.
    pub fn may_use_plan(&self, id: &str) -> bool {
        self.plans.is_empty() || self.plans.iter().any(|p| p == id)
    }
}

/// The stored list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accounts {
    pub accounts: Vec<Account>,
}

/// Errors changing accounts, in words for the CLI.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(String),
    #[error("no account named '{0}'")]
    Unknown(String),
    #[error("an account named '{0}' exists")]
    Exists(String),
    #[error("the accounts in the store are damaged: {0}")]
    Damaged(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn path() -> FilePath {
    FilePath::internal(ACCOUNTS_PATH)
}

/// Hashes a token as it is stored.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.trim().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the accounts (none when the list was never written), with the list's ETag.
pub async fn load(store: &dyn Store) -> Result<(Accounts, Option<String>), AccountError> {
    match store.get(&path()).await? {
        None => Ok((Accounts::default(), None)),
        Some(s) => {
            let list: Accounts = serde_json::from_slice(&s.body)
                .map_err(|e| AccountError::Damaged(e.to_string()))?;
            Ok((list, Some(s.etag)))
        }
    }
}

impl Accounts {
    /// The live account whose token this is. Every account's hash is compared, each in
    /// constant time, so the time taken says nothing about which one nearly matched.
    pub fn find_token(&self, token: &str) -> Option<&Account> {
        let hash = token_hash(token);
        let mut found = None;
        for a in &self.accounts {
            if crate::auth::same_secret(&a.token_sha256, &hash) && found.is_none() {
                found = Some(a);
            }
        }
        found.filter(|a| !a.revoked)
    }

    pub fn by_name(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }
}

/// Checks a display name: 1–40 characters, no control characters, not only spaces.
pub fn check_name(name: &str) -> Result<(), AccountError> {
    let n = name.chars().count();
    if name.trim().is_empty() || n > MAX_NAME || name.chars().any(char::is_control) {
        return Err(AccountError::Invalid(format!(
            "an account name has 1 to {MAX_NAME} characters and no control characters \
             (got '{}')",
            name.escape_default()
        )));
    }
    if name.trim() != name {
        return Err(AccountError::Invalid(format!(
            "an account name does not start or end with a space (got '{name}')"
        )));
    }
    Ok(())
}

/// Checks the plan ids an account is limited to.
pub fn check_plans(plans: &[String]) -> Result<(), AccountError> {
    for p in plans {
        if !jindu_core::index::is_plan_id(p) {
            return Err(AccountError::Invalid(format!(
                "'{p}' is not a plan id (lower-case letters, digits and dashes, as in \
                 plans/ID.json)"
            )));
        }
    }
    Ok(())
}

/// Applies `change` to the stored list under `If-Match`, retrying when another change
/// got there first. Returns what `change` returned.
async fn update<T>(
    store: &dyn Store,
    mut change: impl FnMut(&mut Accounts) -> Result<T, AccountError>,
) -> Result<T, AccountError> {
    loop {
        let (mut list, etag) = load(store).await?;
        let out = change(&mut list)?;
        let body = serde_json::to_vec_pretty(&list).expect("accounts are plain data");
        let pre = etag.map_or(Precondition::IfAbsent, Precondition::IfMatch);
        match store.put(&path(), body, pre).await {
            Ok(_) => return Ok(out),
            Err(StoreError::PreconditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Adds an account; returns it and its token (shown once, never stored).
pub async fn add(
    store: &dyn Store,
    name: &str,
    role: Role,
    plans: Vec<String>,
) -> Result<(Account, String), AccountError> {
    check_name(name)?;
    check_plans(&plans)?;
    let token = new_token();
    let account = update(store, |list| {
        if list.by_name(name).is_some() {
            return Err(AccountError::Exists(name.to_owned()));
        }
        let account = Account {
            id: format!("u-{}", new_token()[..10].to_ascii_lowercase()),
            name: name.to_owned(),
            role,
            plans: plans.clone(),
            token_sha256: token_hash(&token),
            issued: now(),
            revoked: false,
        };
        list.accounts.push(account.clone());
        Ok(account)
    })
    .await?;
    Ok((account, token))
}

/// Changes the account named `name` with `change` and returns it as stored.
async fn change_account(
    store: &dyn Store,
    name: &str,
    change: impl Fn(&mut Account),
) -> Result<Account, AccountError> {
    update(store, |list| {
        let a = list
            .accounts
            .iter_mut()
            .find(|a| a.name == name)
            .ok_or_else(|| AccountError::Unknown(name.to_owned()))?;
        change(a);
        Ok(a.clone())
    })
    .await
}

/// Revokes an account: its token stops working on every instance from the next request.
pub async fn revoke(store: &dyn Store, name: &str) -> Result<Account, AccountError> {
    change_account(store, name, |a| a.revoked = true).await
}

/// Changes an account's role (its token stays): from the next request on, every server
/// over the store judges its writes by the new role.
pub async fn set_role(store: &dyn Store, name: &str, role: Role) -> Result<Account, AccountError> {
    change_account(store, name, |a| a.role = role).await
}

/// Gives an account a new token (the old one dead); a revoked account comes back.
pub async fn rotate(store: &dyn Store, name: &str) -> Result<(Account, String), AccountError> {
    let token = new_token();
    let hash = token_hash(&token);
    let issued = now();
    let account = change_account(store, name, |a| {
        a.token_sha256 = hash.clone();
        a.issued = issued;
        a.revoked = false;
    })
    .await?;
    Ok((account, token))
}
