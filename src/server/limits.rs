//! Flood limits on sending, with `governor` token buckets (no hand-rolled counters).

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::protocol::UserId;

/// Messages per user: `per_second` sustained, `burst` at once, shared by all the user's
/// sockets.
pub struct SendLimiter {
    buckets: DefaultKeyedRateLimiter<UserId>,
}

impl SendLimiter {
    pub fn new(per_second: u32, burst: u32) -> SendLimiter {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(rate);
        SendLimiter {
            buckets: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
        }
    }

    /// Takes one message from the user's bucket; `false` when it is empty.
    pub fn allow(&self, user: UserId) -> bool {
        self.buckets.check_key(&user).is_ok()
    }

    /// Forgets buckets that are full again.
    pub fn forget_idle(&self) {
        self.buckets.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_burst_then_the_rate() {
        let limiter = super::SendLimiter::new(1, 3);
        assert!((0..3).all(|_| limiter.allow(7)));
        assert!(!limiter.allow(7));
        assert!(limiter.allow(8), "buckets are per user");
    }
}
