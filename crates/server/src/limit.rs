//! Failed authentications, limited per client address, so that tokens cannot be guessed
//! at speed and one misconfigured tablet does not hold the others up.
//!
//! An address that failed [`MAX_FAILURES`] times within [`WINDOW`] is answered 429 with
//! `Retry-After` until the window that began with its first failure ends. Counting is per
//! instance (a guesser spread over several instances gets a few more tries each).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::ApiError;

/// Failures allowed per address within [`WINDOW`].
pub const MAX_FAILURES: u32 = 10;
/// The window failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct Limiter {
    failures: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Limiter {
    /// Refuses an address over the limit with 429 and the seconds to wait.
    pub fn check(&self, client: Option<IpAddr>) -> Result<(), ApiError> {
        let Some(ip) = client else { return Ok(()) };
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&ip) {
            Some(&(since, n)) if since.elapsed() < WINDOW && n >= MAX_FAILURES => {
                let wait = WINDOW.saturating_sub(since.elapsed()).as_secs().max(1);
                Err(ApiError::TooManyFailures(wait))
            }
            Some(&(since, _)) if since.elapsed() >= WINDOW => {
                map.remove(&ip);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed authentication from an address.
    pub fn failed(&self, client: Option<IpAddr>) {
        let Some(ip) = client else { return };
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            // A flood of addresses: forget the expired ones rather than grow for ever.
            map.retain(|_, (since, _)| since.elapsed() < WINDOW);
        }
        let entry = map.entry(ip).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_limited_after_its_failures_and_others_are_not() {
        let l = Limiter::default();
        let a: IpAddr = "192.168.1.5".parse().unwrap();
        let b: IpAddr = "192.168.1.6".parse().unwrap();
        for _ in 0..MAX_FAILURES {
            l.check(Some(a)).unwrap();
            l.failed(Some(a));
        }
        match l.check(Some(a)) {
            Err(ApiError::TooManyFailures(s)) => assert!((1..=60).contains(&s)),
            other => panic!("expected 429, got {other:?}"),
        }
        l.check(Some(b)).unwrap();
        l.check(None).unwrap();
    }
}
