//! Rate limits on the ways in: sign-in attempts per client address and per attempted username,
//! and the token endpoints with bad bearer tokens per client address, each in limiters of their
//! own (a script's bad tokens must not use up the sign-in allowance of everyone at its address).
//! GCRA limiters (the `governor` crate); requests within the limit cost nothing but a lookup.
//! Addresses are the client's as [`crate::client_addr`] finds it behind a trusted proxy, IPv6 ones
//! counted by their /64 (OWASP ASVS 5.0 2.4.1, 6.3.1).
use crate::client_addr::limiter_key;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

/// How many attempts a key may make: a burst, refilled at a steady rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateConfig {
    pub per_minute: u32,
    pub burst: u32,
}

impl Default for RateConfig {
    /// Per address: generous for an office whose staff share one address behind NAT; the account
    /// lockout (after repeated wrong passwords) is what stops guessing at one account.
    fn default() -> Self {
        RateConfig {
            per_minute: 30,
            burst: 30,
        }
    }
}

impl RateConfig {
    /// Per username: one person signs in a few times a day. This bounds the password hashing one
    /// account can be made to cost from many addresses at once, lockout or not.
    pub fn per_username() -> Self {
        RateConfig {
            per_minute: 10,
            burst: 10,
        }
    }
}

/// One keyed limiter, shared by every request of one server.
#[derive(Clone)]
struct Limiter<K: Hash + Eq + Clone> {
    limiter: Arc<DefaultKeyedRateLimiter<K>>,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    fn new(config: RateConfig) -> Self {
        let per_minute = NonZeroU32::new(config.per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Limiter {
            limiter: Arc::new(RateLimiter::keyed(
                Quota::per_minute(per_minute).allow_burst(burst),
            )),
        }
    }

    /// Counts one attempt under `key`: `Err(seconds)` to wait when it is over the limit.
    fn check(&self, key: &K) -> Result<(), u64> {
        // Forget keys whose allowance is full again, so the table does not grow forever.
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// Attempts per client address.
#[derive(Clone)]
pub struct AddressLimiter(Limiter<IpAddr>);

impl AddressLimiter {
    pub fn new(config: RateConfig) -> Self {
        AddressLimiter(Limiter::new(config))
    }

    /// Counts one attempt from `address` (an IPv6 one under its /64): `Err(seconds)` to wait
    /// when it is over the limit. A request whose address is unknown is counted under one key.
    pub fn check(&self, address: Option<IpAddr>) -> Result<(), u64> {
        let key = address.map_or(IpAddr::from([0, 0, 0, 0]), limiter_key);
        self.0.check(&key)
    }
}

/// Sign-in attempts per attempted username.
#[derive(Clone)]
pub struct UsernameLimiter(Limiter<String>);

impl UsernameLimiter {
    pub fn new(config: RateConfig) -> Self {
        UsernameLimiter(Limiter::new(config))
    }

    /// Counts one attempt at `username` (as [`normalised_username`] has it).
    pub fn check(&self, username: &str) -> Result<(), u64> {
        self.0.check(&normalised_username(username))
    }
}

/// The key an attempted username is counted under: trimmed, lower-cased and cut to 64 characters
/// (the longest username), so that `Reviewer `, `reviewer` and a 10 kB variant of it are one key.
pub fn normalised_username(username: &str) -> String {
    username.trim().to_lowercase().chars().take(64).collect()
}

/// The limiters of the ways in, each with its own buckets.
#[derive(Clone)]
pub struct AuthLimiters {
    /// `POST /login` and the second step of sign-in, per client address.
    pub sign_in: AddressLimiter,
    /// The same two, per attempted username.
    pub usernames: UsernameLimiter,
    /// Every request to the token endpoints, and every bearer token that does not authenticate,
    /// per client address.
    pub tokens: AddressLimiter,
}

impl AuthLimiters {
    pub fn new(per_address: RateConfig, per_username: RateConfig) -> Self {
        AuthLimiters {
            sign_in: AddressLimiter::new(per_address),
            usernames: UsernameLimiter::new(per_username),
            tokens: AddressLimiter::new(per_address),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> RateConfig {
        RateConfig {
            per_minute: 1,
            burst: 2,
        }
    }

    #[test]
    fn each_address_has_its_own_allowance_and_an_ipv6_network_shares_one() {
        let limiter = AddressLimiter::new(strict());
        let a = Some("203.0.113.7".parse().unwrap());
        let b = Some("203.0.113.8".parse().unwrap());
        assert!(limiter.check(a).is_ok() && limiter.check(a).is_ok());
        let wait = limiter.check(a).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(limiter.check(b).is_ok());

        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let next_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limiter.check(Some(one)).is_ok() && limiter.check(Some(same_64)).is_ok());
        assert!(limiter.check(Some(same_64)).is_err());
        assert!(limiter.check(Some(next_64)).is_ok());
    }

    #[test]
    fn usernames_are_counted_as_normalised() {
        let limiter = UsernameLimiter::new(strict());
        assert!(limiter.check("reviewer").is_ok());
        assert!(limiter.check(" Reviewer ").is_ok());
        assert!(limiter.check("REVIEWER").is_err());
        assert!(limiter.check("auditor").is_ok());
        let long = "a".repeat(10_000);
        assert_eq!(normalised_username(&long).len(), 64);
    }

    #[test]
    fn the_sign_in_and_token_limiters_do_not_share_buckets() {
        let limits = AuthLimiters::new(strict(), strict());
        let address = Some("203.0.113.7".parse().unwrap());
        for _ in 0..2 {
            limits.tokens.check(address).unwrap();
        }
        assert!(limits.tokens.check(address).is_err());
        assert!(limits.sign_in.check(address).is_ok());
    }
}
