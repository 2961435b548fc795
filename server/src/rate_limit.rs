//! Per-address rate limits on the ways in: sign-in attempts, the token endpoints and bearer tokens
//! that do not authenticate. A GCRA limiter (the `governor` crate) keyed by the client's address;
//! requests within the limit cost nothing but a lookup.
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

/// How many attempts an address may make: a burst, refilled at a steady rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateConfig {
    pub per_minute: u32,
    pub burst: u32,
}

impl Default for RateConfig {
    /// Generous for an office whose staff share one address behind NAT; the account lockout
    /// (after repeated wrong passwords) is what stops guessing at one account.
    fn default() -> Self {
        RateConfig {
            per_minute: 30,
            burst: 30,
        }
    }
}

/// The limiter of authentication attempts, shared by every request of one server.
#[derive(Clone)]
pub struct AuthLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl AuthLimiter {
    pub fn new(config: RateConfig) -> Self {
        let per_minute = NonZeroU32::new(config.per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        AuthLimiter {
            limiter: Arc::new(RateLimiter::keyed(
                Quota::per_minute(per_minute).allow_burst(burst),
            )),
        }
    }

    /// Counts one attempt from `address`: `Err(seconds)` to wait when it is over the limit. A
    /// request whose address is unknown is counted under one shared key.
    pub fn check(&self, address: Option<IpAddr>) -> Result<(), u64> {
        let key = address.unwrap_or(IpAddr::from([0, 0, 0, 0]));
        // Forget addresses whose allowance is full again, so the table does not grow forever.
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}
