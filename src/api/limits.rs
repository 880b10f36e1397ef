//! Rate limits (docs/limits.md), with `governor`'s GCRA limiters keyed in
//! memory per process:
//!
//! - a request budget per caller (an API client by its id, a user by `sub`);
//! - refusals of access per caller: more than the limit in a minute (401,
//!   403, 404) and the caller is answered 429 for a minute, so a storm of refused
//!   probes is audited as one record per window, not one per request; bad
//!   tokens count per source address the same way;
//! - failed client-credential attempts per client id and per source
//!   address: over the limit, `/oauth/token` answers 429 without checking
//!   the secret, so guessing cannot queue the slow hashing that legitimate
//!   clients wait on.
//!
//! Every 429 carries `Retry-After` in whole seconds.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::LimitSettings;

/// How long a caller or address over its refusal or login limit is held off.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Whom a request's refusals count against, set once the caller is known
/// (or its token refused, then its address).
#[derive(Debug, Clone)]
pub struct LimitKey(pub String);

/// A refusal for a while: answer 429 with this `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: Duration,
    /// The first 429 of this key's window: the one that is audited.
    pub first_in_window: bool,
}

/// The limiters of one process.
pub struct Limits {
    clock: DefaultClock,
    requests: Option<DefaultKeyedRateLimiter<String>>,
    refusals: Option<DefaultKeyedRateLimiter<String>>,
    logins: Option<DefaultKeyedRateLimiter<String>>,
    /// Keys held off, until when.
    held: Mutex<HashMap<String, Instant>>,
    /// How many keys `held` has, so that the usual request, when no one is
    /// held off, takes no lock.
    holding: AtomicUsize,
    /// When each key's current window of 429s ends (its first was audited).
    noted: Mutex<HashMap<String, Instant>>,
}

fn per_minute(n: u32) -> Option<Quota> {
    NonZeroU32::new(n).map(Quota::per_minute)
}

impl Limits {
    pub fn new(settings: &LimitSettings) -> Self {
        Self {
            clock: DefaultClock::default(),
            requests: NonZeroU32::new(settings.rate_limit)
                .map(|n| RateLimiter::keyed(Quota::per_second(n))),
            refusals: per_minute(settings.refusal_limit).map(RateLimiter::keyed),
            logins: per_minute(settings.login_failure_limit).map(RateLimiter::keyed),
            held: Mutex::new(HashMap::new()),
            holding: AtomicUsize::new(0),
            noted: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` is held off, and for how long yet.
    fn held(&self, key: &str) -> Option<Limited> {
        if self.holding.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let now = Instant::now();
        let until = *self.held.lock().ok()?.get(key)?;
        (until > now).then(|| self.limited(key, until - now))
    }

    fn hold(&self, key: &str) {
        if let Ok(mut held) = self.held.lock() {
            held.insert(key.to_owned(), Instant::now() + WINDOW);
            self.holding.store(held.len(), Ordering::Relaxed);
        }
    }

    fn limited(&self, key: &str, retry_after: Duration) -> Limited {
        let now = Instant::now();
        let first_in_window = match self.noted.lock() {
            Ok(mut noted) => match noted.get(key) {
                Some(end) if *end > now => false,
                _ => {
                    noted.insert(key.to_owned(), now + WINDOW);
                    true
                }
            },
            Err(_) => false,
        };
        Limited {
            retry_after,
            first_in_window,
        }
    }

    /// A known caller's request: refused while the caller is held off for
    /// its refusals, or when it is over its request budget.
    pub fn admit(&self, owner: &str) -> Result<(), Limited> {
        if let Some(limited) = self.held(owner) {
            return Err(limited);
        }
        match self
            .requests
            .as_ref()
            .map(|l| l.check_key(&owner.to_owned()))
        {
            Some(Err(not_until)) => {
                Err(self.limited(owner, not_until.wait_time_from(self.clock.now())))
            }
            _ => Ok(()),
        }
    }

    /// Whether an address whose tokens were refused is held off.
    pub fn address_held(&self, address: &str) -> Option<Limited> {
        self.held(&address_key(address))
    }

    /// Counts a refused request against `key`; over the limit, the key is
    /// held off for a [`WINDOW`].
    pub fn refused(&self, key: &str) {
        if let Some(Err(_)) = self.refusals.as_ref().map(|l| l.check_key(&key.to_owned())) {
            self.hold(key);
        }
    }

    /// Whether a token request for `client_id` from `address` is held off
    /// for earlier failures of either.
    pub fn login_held(&self, client_id: &str, address: &str) -> Option<Limited> {
        self.held(&login_client_key(client_id))
            .or_else(|| self.held(&login_address_key(address)))
    }

    /// Counts a failed token request against the client id and the address.
    pub fn login_failed(&self, client_id: &str, address: &str) {
        let Some(logins) = &self.logins else { return };
        for key in [login_client_key(client_id), login_address_key(address)] {
            if logins.check_key(&key).is_err() {
                self.hold(&key);
            }
        }
    }

    /// Forgets keys whose limits have run out, so memory follows the
    /// callers of the last minutes, not all there ever were.
    pub fn forget_old(&self) {
        for limiter in [&self.requests, &self.refusals, &self.logins]
            .into_iter()
            .flatten()
        {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        let now = Instant::now();
        if let Ok(mut held) = self.held.lock() {
            held.retain(|_, until| *until > now);
            self.holding.store(held.len(), Ordering::Relaxed);
        }
        if let Ok(mut noted) = self.noted.lock() {
            noted.retain(|_, until| *until > now);
        }
    }
}

pub fn address_key(address: &str) -> String {
    format!("address:{address}")
}

fn login_client_key(client_id: &str) -> String {
    // Bounded, so an attacker's long ids do not grow the map's keys.
    let id: String = client_id.chars().take(64).collect();
    format!("login-client:{id}")
}

fn login_address_key(address: &str) -> String {
    format!("login-address:{address}")
}

/// The source address of a request, as the limits count it.
pub fn source_address(req: &actix_web::HttpRequest) -> String {
    req.peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

/// Counts refusals of access (401, 403, 404) against the request's
/// [`LimitKey`], once the handler has answered. Answers that a rule refused
/// (409, 412, 422) are not counted: they come from legitimate work, such as
/// a citizen's mistake in the portal's form, and must not hold the portal
/// off for everyone.
pub async fn count_refusals(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let limits = req.app_data::<web::Data<Limits>>().cloned();
    let response = next.call(req).await?;
    let status = response.status();
    let key = response.request().extensions().get::<LimitKey>().cloned();
    if let (Some(limits), Some(LimitKey(key))) = (limits, key)
        && counts_as_refusal(status, &key)
    {
        limits.refused(&key);
    }
    Ok(response)
}

/// Whether an answer counts towards holding `key` off: 401 and 403 always;
/// 404 only for people, since an API client's 404s are its users' (a
/// citizen's mistyped receipt in the portal) and must not hold it off for
/// all of them.
fn counts_as_refusal(status: StatusCode, key: &str) -> bool {
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => true,
        StatusCode::NOT_FOUND => !key.starts_with("client:"),
        _ => false,
    }
}

/// Forgets spent limits every minute.
pub async fn tidy(limits: web::Data<Limits>) {
    loop {
        actix_web::rt::time::sleep(WINDOW).await;
        limits.forget_old();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(rate: u32, refusals: u32, logins: u32) -> Limits {
        Limits::new(&LimitSettings {
            rate_limit: rate,
            refusal_limit: refusals,
            login_failure_limit: logins,
        })
    }

    #[test]
    fn a_budget_refuses_beyond_its_rate_and_notes_the_first_refusal_once() {
        let l = limits(3, 0, 0);
        for _ in 0..3 {
            assert!(l.admit("client:a").is_ok());
        }
        let first = l.admit("client:a").unwrap_err();
        assert!(first.first_in_window);
        assert!(first.retry_after <= Duration::from_secs(1));
        assert!(!l.admit("client:a").unwrap_err().first_in_window);
        assert!(
            l.admit("client:b").is_ok(),
            "callers have budgets of their own"
        );
    }

    #[test]
    fn refusals_over_the_limit_hold_the_caller_off_for_a_window() {
        let l = limits(0, 2, 0);
        for _ in 0..2 {
            l.refused("user:x");
            assert!(l.admit("user:x").is_ok());
        }
        l.refused("user:x");
        let held = l.admit("user:x").unwrap_err();
        assert!(held.retry_after > Duration::from_secs(55));
        assert!(l.admit("user:y").is_ok());
    }

    #[test]
    fn failed_logins_hold_off_the_client_and_the_address() {
        let l = limits(0, 0, 2);
        for _ in 0..3 {
            l.login_failed("c1", "10.0.0.1");
        }
        assert!(l.login_held("c1", "10.0.0.9").is_some(), "the client");
        assert!(l.login_held("c2", "10.0.0.1").is_some(), "the address");
        assert!(l.login_held("c2", "10.0.0.2").is_none());
    }

    #[test]
    fn an_api_clients_not_found_answers_do_not_count() {
        assert!(counts_as_refusal(StatusCode::NOT_FOUND, "user:someone"));
        assert!(!counts_as_refusal(StatusCode::NOT_FOUND, "client:portal"));
        assert!(counts_as_refusal(StatusCode::FORBIDDEN, "client:portal"));
        assert!(counts_as_refusal(
            StatusCode::UNAUTHORIZED,
            "address:10.0.0.1"
        ));
        assert!(!counts_as_refusal(StatusCode::CONFLICT, "user:someone"));
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let l = limits(0, 0, 0);
        for _ in 0..1000 {
            l.refused("k");
            l.login_failed("c", "a");
        }
        assert!(l.admit("k").is_ok());
        assert!(l.login_held("c", "a").is_none());
    }
}
