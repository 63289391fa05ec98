//! Sign-in attempt limits, per username and per client address, with `governor`.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Token buckets for sign-in attempts. A client address gets five times the per-username
/// quota, since many people can share one address.
pub struct SignInLimiter {
    by_name: DefaultKeyedRateLimiter<String>,
    by_addr: DefaultKeyedRateLimiter<IpAddr>,
}

impl SignInLimiter {
    /// Allows `per_minute` attempts per username and `5 × per_minute` per address.
    pub fn new(per_minute: u32) -> SignInLimiter {
        let per_name = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let per_addr = per_name.saturating_mul(NonZeroU32::MIN.saturating_add(4));
        SignInLimiter {
            by_name: RateLimiter::keyed(Quota::per_minute(per_name)),
            by_addr: RateLimiter::keyed(Quota::per_minute(per_addr)),
        }
    }

    /// Takes one attempt from both buckets; `false` when either is empty.
    pub fn attempt(&self, username: &str, addr: Option<IpAddr>) -> bool {
        let name_ok = self.by_name.check_key(&username.to_lowercase()).is_ok();
        let addr_ok = addr.is_none_or(|a| self.by_addr.check_key(&a).is_ok());
        name_ok && addr_ok
    }

    /// Forgets buckets that are full again, so memory follows recent traffic only.
    pub fn forget_idle(&self) {
        self.by_name.retain_recent();
        self.by_addr.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bucket_empties_per_username() {
        let limiter = super::SignInLimiter::new(2);
        assert!(limiter.attempt("Alice", None));
        assert!(limiter.attempt("alice", None));
        assert!(!limiter.attempt("ALICE", None));
        assert!(limiter.attempt("bob", None));
    }
}
