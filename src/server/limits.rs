//! Flood limits per user, with `governor` token buckets (no hand-rolled counters): messages,
//! the other frames of the socket, room creation and searches.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::protocol::UserId;

/// Users a bucket map holds; see [`capped`].
const MAX_KEYS: usize = 100_000;

/// When a map is full: forgets its idle buckets (at most once a second, the scan is not
/// free), and while it is still full refuses the attempt, with a wait of a second. A flood
/// from more keys than the map holds pauses that limit's requests; memory stays bounded.
pub fn capped<K>(map: &DefaultKeyedRateLimiter<K>, max: usize) -> Result<(), Duration>
where
    K: Clone + Eq + std::hash::Hash,
{
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST_SWEEP_S: AtomicU64 = AtomicU64::new(0);
    if map.len() < max {
        return Ok(());
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if LAST_SWEEP_S.swap(now, Ordering::Relaxed) != now {
        map.retain_recent();
    }
    if map.len() >= max {
        return Err(Duration::from_secs(1));
    }
    Ok(())
}

/// One token bucket per user, shared by all the user's sockets.
pub struct UserLimiter {
    buckets: DefaultKeyedRateLimiter<UserId>,
}

impl UserLimiter {
    /// `per_second` sustained, `burst` at once.
    pub fn per_second(per_second: u32, burst: u32) -> UserLimiter {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(rate);
        UserLimiter::with(Quota::per_second(rate).allow_burst(burst))
    }

    /// `per_hour`, all at once or spread out.
    pub fn per_hour(per_hour: u32) -> UserLimiter {
        UserLimiter::with(Quota::per_hour(
            NonZeroU32::new(per_hour).unwrap_or(NonZeroU32::MIN),
        ))
    }

    fn with(quota: Quota) -> UserLimiter {
        UserLimiter {
            buckets: RateLimiter::keyed(quota),
        }
    }

    /// Takes `n` tokens at once; `false` when there are not that many (or `n` is over the
    /// burst, or zero tokens would be taken).
    pub fn check_n(&self, user: UserId, n: u32) -> bool {
        let Some(n) = NonZeroU32::new(n) else {
            return true;
        };
        if capped(&self.buckets, MAX_KEYS).is_err() {
            return false;
        }
        matches!(self.buckets.check_key_n(&user, n), Ok(Ok(())))
    }

    /// Takes one token from the user's bucket; `false` when it is empty.
    pub fn allow(&self, user: UserId) -> bool {
        self.check(user).is_ok()
    }

    /// Takes one token, or says how long until one is back.
    pub fn check(&self, user: UserId) -> Result<(), Duration> {
        capped(&self.buckets, MAX_KEYS)?;
        self.buckets
            .check_key(&user)
            .map_err(|n| n.wait_time_from(DefaultClock::default().now()))
    }

    /// Forgets buckets that are full again.
    pub fn forget_idle(&self) {
        self.buckets.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::UserLimiter;

    #[test]
    fn a_burst_then_the_rate() {
        let limiter = UserLimiter::per_second(1, 3);
        assert!((0..3).all(|_| limiter.allow(7)));
        assert!(!limiter.allow(7));
        assert!(limiter.allow(8), "buckets are per user");
    }

    #[test]
    fn an_hourly_bucket_says_when_to_come_back() {
        let limiter = UserLimiter::per_hour(2);
        assert!(limiter.check(1).is_ok() && limiter.check(1).is_ok());
        let wait = limiter.check(1).expect_err("empty");
        assert!(wait.as_secs() > 60 && wait.as_secs() <= 1800, "{wait:?}");
    }
}
