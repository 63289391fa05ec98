//! Sign-in and sign-up limits, per username and per client address, with `governor`.
//!
//! - A username's attempts are counted per address it is tried from (`sign_in_per_minute`),
//!   so that an attacker elsewhere cannot spend a real user's attempts and lock them out;
//!   a ceiling of ten times that over all addresses still stops a spread-out guesser.
//! - An address has five times `sign_in_per_minute` over all usernames.
//! - Sign-ups cost an Argon2 hash too, so they draw on the address's bucket, and have a
//!   bucket of their own per address (`sign_ups_per_hour`), so that one address cannot
//!   create accounts without bound.
//! - An IPv6 client is counted by its /64, the block one subscriber gets, so that walking the
//!   addresses of one network does not multiply its attempts.
//! - Keys are validated, bounded usernames and addresses, and each map holds at most
//!   [`MAX_KEYS`] of them: a full map forgets its idle buckets (at most once a second), and
//!   while it is still full attempts are refused. Memory has a ceiling whatever the traffic;
//!   the price, in a flood from over a hundred thousand addresses, is that sign-ins pause.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, NotUntil, Quota, RateLimiter};

/// How long to wait before the refused attempt would be allowed.
pub type Wait = Duration;

/// Keys a bucket map holds before its idle buckets are forgotten at once.
pub const MAX_KEYS: usize = 100_000;

/// Token buckets for sign-in and sign-up attempts.
pub struct AccountLimiter {
    by_name_and_addr: DefaultKeyedRateLimiter<(String, Option<IpAddr>)>,
    by_name: DefaultKeyedRateLimiter<String>,
    by_addr: DefaultKeyedRateLimiter<IpAddr>,
    sign_ups: DefaultKeyedRateLimiter<IpAddr>,
}

impl AccountLimiter {
    /// Allows `per_minute` sign-in attempts per username from one address, ten times that
    /// per username in all, five times that per address, and `sign_ups_per_hour` sign-ups
    /// per address.
    pub fn new(per_minute: u32, sign_ups_per_hour: u32) -> AccountLimiter {
        let per_name = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let times = |n: u32| per_name.saturating_mul(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        let sign_ups = NonZeroU32::new(sign_ups_per_hour).unwrap_or(NonZeroU32::MIN);
        AccountLimiter {
            by_name_and_addr: RateLimiter::keyed(Quota::per_minute(per_name)),
            by_name: RateLimiter::keyed(Quota::per_minute(times(10))),
            by_addr: RateLimiter::keyed(Quota::per_minute(times(5))),
            sign_ups: RateLimiter::keyed(Quota::per_hour(sign_ups)),
        }
    }

    /// Takes one sign-in attempt from the username's and the address's buckets. `username`
    /// must already be valid (bounded): it becomes a key. `None` counts the address only.
    pub fn sign_in(&self, username: Option<&str>, addr: Option<IpAddr>) -> Result<(), Wait> {
        let addr = addr.map(network);
        addr.map_or(Ok(()), |a| take(&self.by_addr, &a))?;
        let Some(name) = username.map(str::to_lowercase) else {
            return Ok(());
        };
        // The username's ceiling is spent only by attempts its per-address bucket allowed,
        // so that a flood from one place cannot drain it for everyone.
        take(&self.by_name_and_addr, &(name.clone(), addr))?;
        take(&self.by_name, &name)
    }

    /// Takes one sign-up from the address's sign-up bucket and one attempt from its sign-in
    /// bucket (a sign-up hashes a password too).
    pub fn sign_up(&self, addr: Option<IpAddr>) -> Result<(), Wait> {
        let Some(addr) = addr.map(network) else {
            return Ok(());
        };
        let hashes = take(&self.by_addr, &addr);
        let accounts = take(&self.sign_ups, &addr);
        hashes.and(accounts)
    }

    /// Forgets buckets that are full again, so memory follows recent traffic only.
    pub fn forget_idle(&self) {
        self.by_name_and_addr.retain_recent();
        self.by_name.retain_recent();
        self.by_addr.retain_recent();
        self.sign_ups.retain_recent();
    }
}

/// One attempt from a keyed bucket, keeping the map under [`MAX_KEYS`].
fn take<K>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), Wait>
where
    K: Clone + Eq + std::hash::Hash,
{
    crate::server::limits::capped(limiter, MAX_KEYS)?;
    limiter.check_key(key).map_err(wait)
}

fn wait(not_until: NotUntil<<DefaultClock as Clock>::Instant>) -> Wait {
    not_until.wait_time_from(DefaultClock::default().now())
}

/// The key of an address: itself for IPv4, its /64 for IPv6.
fn network(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::AccountLimiter;
    use std::net::IpAddr;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().expect("ip"))
    }

    #[test]
    fn the_bucket_empties_per_username() {
        let limiter = AccountLimiter::new(2, 10);
        assert!(limiter.sign_in(Some("Alice"), None).is_ok());
        assert!(limiter.sign_in(Some("alice"), None).is_ok());
        let wait = limiter.sign_in(Some("ALICE"), None).expect_err("limited");
        assert!(wait.as_secs() <= 30, "{wait:?}");
        assert!(limiter.sign_in(Some("bob"), None).is_ok());
    }

    #[test]
    fn sign_ups_have_their_own_bucket_and_share_the_addresses_hashes() {
        let limiter = AccountLimiter::new(1, 2);
        let here = ip("192.0.2.1");
        assert!(limiter.sign_up(here).is_ok());
        assert!(limiter.sign_up(here).is_ok());
        assert!(limiter.sign_up(here).is_err(), "two per hour");
        assert!(limiter.sign_up(ip("192.0.2.2")).is_ok());
        // An address that spent its sign-in attempts cannot sign up either.
        let busy = ip("192.0.2.3");
        for _ in 0..5 {
            assert!(limiter.sign_in(None, busy).is_ok());
        }
        assert!(limiter.sign_in(None, busy).is_err());
        assert!(limiter.sign_up(busy).is_err());
    }

    #[test]
    fn an_attacker_elsewhere_cannot_lock_a_user_out() {
        let limiter = AccountLimiter::new(2, 10);
        let (attacker, alice) = (ip("203.0.113.66"), ip("198.51.100.7"));
        assert!(limiter.sign_in(Some("alice"), attacker).is_ok());
        assert!(limiter.sign_in(Some("alice"), attacker).is_ok());
        assert!(
            limiter.sign_in(Some("alice"), attacker).is_err(),
            "the attacker is stopped"
        );
        assert!(
            limiter.sign_in(Some("alice"), alice).is_ok(),
            "alice is not"
        );
        // Spread over many addresses, the username's ceiling (ten times) still holds.
        let spread = (0..40)
            .filter(|i| {
                let from = ip(&format!("192.0.2.{i}"));
                limiter.sign_in(Some("bob"), from).is_ok()
            })
            .count();
        assert_eq!(spread, 20);
    }

    #[test]
    fn an_ipv6_network_is_one_address() {
        let limiter = AccountLimiter::new(1, 1);
        assert!(limiter.sign_up(ip("2001:db8:1:2::1")).is_ok());
        assert!(limiter.sign_up(ip("2001:db8:1:2:ffff::9")).is_err());
        assert!(limiter.sign_up(ip("2001:db8:1:3::1")).is_ok());
    }
}
