//! Who wrote a record version or a field value: the account the server checked.
//!
//! Beside the observer's name a write carries (`by` in a record, the author of a field
//! value), format 2 documents sign every write with the writing account's id and its
//! display name. A write without one is unverified: written before accounts (format 1
//! documents read so), through a shared token, or on a server without accounts.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::intern::interned;

/// The account a write was made with; empty for an unverified write.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "SignerWire")]
pub struct Signer {
    /// The account's id (what the server checks).
    #[serde(rename = "i")]
    pub account: Arc<str>,
    /// The account's display name when it wrote.
    #[serde(rename = "n", skip_serializing_if = "no_name")]
    pub name: Arc<str>,
}

fn no_name(name: &Arc<str>) -> bool {
    name.is_empty()
}

/// A signer as read: an account id is required (an unsigned write has no signer at all,
/// so one state has one encoding).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignerWire {
    #[serde(rename = "i", deserialize_with = "interned")]
    account: Arc<str>,
    #[serde(rename = "n", default, deserialize_with = "interned")]
    name: Arc<str>,
}

impl TryFrom<SignerWire> for Signer {
    type Error = &'static str;

    fn try_from(w: SignerWire) -> Result<Signer, &'static str> {
        if w.account.is_empty() {
            return Err("a signer names an account");
        }
        Ok(Signer {
            account: w.account,
            name: w.name,
        })
    }
}

impl Signer {
    /// A write by `account`, shown as `name`.
    pub fn new(account: &str, name: &str) -> Signer {
        Signer {
            account: super::intern(account),
            name: super::intern(name),
        }
    }

    /// An unverified write: no account.
    pub fn none() -> Signer {
        Signer::default()
    }

    /// Whether no account signed this write.
    pub fn is_none(&self) -> bool {
        self.account.is_empty()
    }
}

/// Who signed, in words for refusals: `account 'u-…'`, or `no account`.
impl std::fmt::Display for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        if self.is_none() {
            f.write_str("no account")
        } else {
            write!(f, "account '{}'", self.account)
        }
    }
}
