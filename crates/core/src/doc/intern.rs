//! The shared copies of the short strings that recur throughout documents (device ids,
//! authors, field names), and the deserializers that read them as such.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use super::DeviceId;

/// The shared copy of a short string that recurs throughout documents (device ids,
/// authors, field names): reading a large plan then allocates each once instead of on
/// every value, which was a large part of its memory and of the time to read it.
/// The table only grows; it holds the few names this device has met.
pub fn intern(s: &str) -> Arc<str> {
    thread_local! {
        static TABLE: std::cell::RefCell<rustc_hash::FxHashSet<Arc<str>>> =
            Default::default();
    }
    TABLE.with_borrow_mut(|table| match table.get(s) {
        Some(shared) => shared.clone(),
        None => {
            let shared: Arc<str> = Arc::from(s);
            table.insert(shared.clone());
            shared
        }
    })
}

/// Deserializes a string as its [`intern`]ed copy.
pub(super) fn interned<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
    struct Visit;
    impl serde::de::Visitor<'_> for Visit {
        type Value = Arc<str>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Arc<str>, E> {
            Ok(intern(s))
        }
    }
    d.deserialize_str(Visit)
}

/// A string read as its [`intern`]ed copy (for map keys).
pub(super) struct Shared(pub(super) Arc<str>);

impl<'de> Deserialize<'de> for Shared {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Shared, D::Error> {
        interned(d).map(Shared)
    }
}

/// Deserializes a causal context with [`intern`]ed device ids, refusing a device named
/// twice (which of its stamps was meant is unknowable).
pub(super) fn interned_context<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<DeviceId, u64>, D::Error> {
    struct Visit;
    impl<'de> serde::de::Visitor<'de> for Visit {
        type Value = BTreeMap<DeviceId, u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of stamps by device")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((Shared(device), stamp)) = m.next_entry::<Shared, u64>()? {
                if out.insert(device, stamp).is_some() {
                    return Err(serde::de::Error::custom(
                        "a device appears twice in a context",
                    ));
                }
            }
            Ok(out)
        }
    }
    d.deserialize_map(Visit)
}
