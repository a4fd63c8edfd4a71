//! Hybrid logical clock: the order of edits across devices.
//!
//! A stamp is one `u64`: milliseconds since the Unix epoch in the high 48 bits and a
//! logical counter in the low 16. Stamps from one device are strictly increasing per
//! register, and the device id breaks ties between devices, so `(stamp, device)` is a
//! total order on every write ever made.
//!
//! Time is passed in (`wall_ms`): nothing here reads a clock, so tests are deterministic.

use serde::{Deserialize, Serialize};

/// How far ahead of our wall clock a remote stamp may be before it is flagged as skewed
/// and no longer allowed to drag our clock forward (ten minutes).
pub const MAX_FORWARD_DRIFT_MS: u64 = 10 * 60 * 1000;

const LOGICAL_BITS: u32 = 16;

/// Builds a stamp from wall milliseconds and a logical counter.
pub const fn stamp(ms: u64, counter: u16) -> u64 {
    (ms << LOGICAL_BITS) | counter as u64
}

/// The wall-clock milliseconds a stamp carries.
pub const fn stamp_ms(stamp: u64) -> u64 {
    stamp >> LOGICAL_BITS
}

/// A device's clock, persisted with the device state across reloads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// The last stamp this clock issued or adopted.
    pub last: u64,
}

/// What the clock made of a stamp seen in a remote document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observed {
    /// Within the allowed drift: our clock now stands at or after it.
    Adopted,
    /// Too far ahead of our wall clock: the value is kept, our clock is not moved.
    FarAhead { ahead_ms: u64 },
}

impl Clock {
    /// Issues a fresh stamp, strictly after every stamp issued or adopted before.
    pub fn tick(&mut self, wall_ms: u64) -> u64 {
        let next = stamp(wall_ms, 0).max(self.last.saturating_add(1));
        self.last = next;
        next
    }

    /// Issues a stamp for a write that replaces a value stamped `floor`: it is after both
    /// our clock and `floor`, so a correction always wins over the value it corrects,
    /// even when that value came from a device whose clock runs far ahead. A far-ahead
    /// floor does not move our clock.
    pub fn tick_after(&mut self, wall_ms: u64, floor: u64) -> u64 {
        let own = self.tick(wall_ms);
        if floor < own {
            own
        } else {
            floor.saturating_add(1)
        }
    }

    /// Takes note of a stamp seen in a remote document.
    pub fn observe(&mut self, wall_ms: u64, remote: u64) -> Observed {
        let remote_ms = stamp_ms(remote);
        if remote_ms > wall_ms.saturating_add(MAX_FORWARD_DRIFT_MS) {
            return Observed::FarAhead {
                ahead_ms: remote_ms - wall_ms,
            };
        }
        self.last = self.last.max(remote);
        Observed::Adopted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_strictly_increasing_even_when_the_wall_clock_jumps_back() {
        let mut clock = Clock::default();
        let a = clock.tick(10_000);
        let b = clock.tick(10_000);
        let c = clock.tick(5_000); // the wall clock jumped back
        assert!(a < b && b < c);
        assert_eq!(stamp_ms(c), 10_000);
    }

    #[test]
    fn a_correction_wins_over_a_far_future_value_without_moving_the_clock() {
        let mut clock = Clock::default();
        let now = 1_700_000_000_000;
        let year_ahead = stamp(now + 365 * 24 * 3_600_000, 7);
        let fix = clock.tick_after(now, year_ahead);
        assert!(fix > year_ahead);
        assert_eq!(stamp_ms(clock.last), now);
        assert_eq!(
            clock.observe(now, year_ahead),
            Observed::FarAhead {
                ahead_ms: 365 * 24 * 3_600_000
            }
        );
        assert_eq!(stamp_ms(clock.last), now);
    }

    #[test]
    fn nearby_remote_stamps_are_adopted() {
        let mut clock = Clock::default();
        let now = 1_700_000_000_000;
        assert_eq!(clock.observe(now, stamp(now + 1_000, 3)), Observed::Adopted);
        assert!(clock.tick(now) > stamp(now + 1_000, 3));
    }
}
