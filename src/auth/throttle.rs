//! Limits on failed log-ins, kept in memory, made so that guessing is slow without letting
//! anyone lock an owner out of their account:
//!
//! - per account and client address: a few failures, then that address waits before trying
//!   that account again (the owner, elsewhere, is not concerned);
//! - per client address: more failures, whatever the accounts, then the address waits;
//! - per account from every address together: many failures (a guess spread over many
//!   addresses), then the account waits, except from the addresses it logged in from before.
//!
//! Each process keeps its own counts: behind several instances an attacker gets the limit once
//! per instance, which still bounds guessing to a handful of tries per window. An attempt is
//! counted as a failure when it starts and forgiven if it succeeds, so that a burst of parallel
//! guesses cannot all slip through before the first one is counted.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Most accounts, and most addresses, followed at once: past it the quietest are forgotten.
const MAX_TRACKED: usize = 10_000;
/// Longer e-mails than this do not exist; the key is cut so that memory stays bounded.
const MAX_ACCOUNT_CHARS: usize = 254;
/// Addresses an account is known to log in from, at most; past it the oldest is forgotten.
const KNOWN_ADDRESSES_PER_ACCOUNT: usize = 8;

#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub window: Duration,
    /// Failures for one account from one address.
    pub per_account: u32,
    /// Failures from one address, whatever the accounts.
    pub per_address: u32,
    /// Failures for one account from every address together; addresses the account logged in
    /// from before are not held back by it.
    pub per_account_all_addresses: u32,
}

pub struct LoginThrottle {
    limits: LoginLimits,
    tracks: Mutex<Tracks>,
}

/// An account, and the address it was tried from when it is known.
type Pair = (String, Option<IpAddr>);

struct Tracks {
    pairs: Failures<Pair>,
    addresses: Failures<IpAddr>,
    accounts: Failures<String>,
    /// The addresses each account logged in from, newest last.
    known: HashMap<String, VecDeque<IpAddr>>,
}

/// A log-in attempt under way, counted as failed until it is said to have succeeded.
#[must_use = "tell the throttle how the attempt ended"]
pub struct Attempt {
    account: String,
    address: Option<IpAddr>,
    at: Instant,
}

impl LoginThrottle {
    pub fn new(limits: LoginLimits) -> Self {
        Self {
            limits,
            tracks: Mutex::new(Tracks {
                pairs: Failures::new(MAX_TRACKED),
                addresses: Failures::new(MAX_TRACKED),
                accounts: Failures::new(MAX_TRACKED),
                known: HashMap::new(),
            }),
        }
    }

    /// Starts an attempt, or says in how many seconds one may be made again.
    pub fn begin(&self, account: &str, address: Option<IpAddr>) -> Result<Attempt, u64> {
        self.begin_at(account, address, Instant::now())
    }

    fn begin_at(
        &self,
        account: &str,
        address: Option<IpAddr>,
        now: Instant,
    ) -> Result<Attempt, u64> {
        let LoginLimits {
            window,
            per_account,
            per_address,
            per_account_all_addresses,
        } = self.limits;
        let account: String = account.chars().take(MAX_ACCOUNT_CHARS).collect();
        let address = address.map(address_key);
        let pair = (account.clone(), address);
        let mut tracks = self.lock();
        let known = address.is_some_and(|a| {
            tracks
                .known
                .get(&account)
                .is_some_and(|addresses| addresses.contains(&a))
        });
        let pair_wait = tracks.pairs.wait(&pair, per_account, window, now);
        let address_wait =
            address.and_then(|a| tracks.addresses.wait(&a, per_address, window, now));
        let account_wait = if known {
            None
        } else {
            tracks
                .accounts
                .wait(&account, per_account_all_addresses, window, now)
        };
        if let Some(wait) = pair_wait.max(address_wait).max(account_wait) {
            return Err(whole_seconds(wait));
        }
        tracks.pairs.push(pair, per_account, window, now);
        if let Some(address) = address {
            tracks.addresses.push(address, per_address, window, now);
        }
        tracks
            .accounts
            .push(account.clone(), per_account_all_addresses, window, now);
        Ok(Attempt {
            account,
            address,
            at: now,
        })
    }

    /// The right password: the account starts afresh from this address, which becomes one it
    /// is known to log in from; neither the address nor the account is charged for it.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut tracks = self.lock();
        tracks
            .pairs
            .clear(&(attempt.account.clone(), attempt.address));
        tracks.accounts.forget(&attempt.account, attempt.at);
        if let Some(address) = attempt.address {
            tracks.addresses.forget(&address, attempt.at);
            if !tracks.known.contains_key(&attempt.account) && tracks.known.len() >= MAX_TRACKED {
                // Forgetting an account's addresses only makes it wait like any other.
                tracks.known.clear();
            }
            let known = tracks.known.entry(attempt.account).or_default();
            known.retain(|a| *a != address);
            known.push_back(address);
            while known.len() > KNOWN_ADDRESSES_PER_ACCOUNT {
                known.pop_front();
            }
        }
    }

    /// A wrong e-mail or password: the attempt stays counted.
    pub fn failed(&self, attempt: Attempt) {
        drop(attempt);
    }

    /// The attempt could not be judged (the database was unreachable): it does not count.
    pub fn cancelled(&self, attempt: Attempt) {
        let mut tracks = self.lock();
        tracks
            .pairs
            .forget(&(attempt.account.clone(), attempt.address), attempt.at);
        tracks.accounts.forget(&attempt.account, attempt.at);
        if let Some(address) = attempt.address {
            tracks.addresses.forget(&address, attempt.at);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tracks> {
        // The counts stay consistent whatever panicked while holding the lock.
        self.tracks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// IPv4 addresses count one by one; IPv6 ones by /64, the block one subscriber usually holds.
fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
    }
}

/// A wait in whole seconds, rounded up and at least one, as `Retry-After` gives it.
fn whole_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

/// The recent failures of each key, oldest first; no more than the limit are kept per key.
struct Failures<K> {
    times: HashMap<K, VecDeque<Instant>>,
    capacity: usize,
}

impl<K: Hash + Eq + Clone> Failures<K> {
    fn new(capacity: usize) -> Self {
        Self {
            times: HashMap::new(),
            capacity,
        }
    }

    /// How long `key` must wait, when it has reached `limit` failures within the window.
    fn wait(&mut self, key: &K, limit: u32, window: Duration, now: Instant) -> Option<Duration> {
        let times = self.times.get_mut(key)?;
        while times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            times.pop_front();
        }
        if times.is_empty() {
            self.times.remove(key);
            return None;
        }
        let oldest = *times.front()?;
        (times.len() >= limit as usize).then(|| window - now.saturating_duration_since(oldest))
    }

    fn push(&mut self, key: K, limit: u32, window: Duration, now: Instant) {
        if !self.times.contains_key(&key) && self.times.len() >= self.capacity {
            self.make_room(window, now);
        }
        let times = self.times.entry(key).or_default();
        times.push_back(now);
        while times.len() > limit as usize {
            times.pop_front();
        }
    }

    fn clear(&mut self, key: &K) {
        self.times.remove(key);
    }

    /// Takes back the failure counted at `at`.
    fn forget(&mut self, key: &K, at: Instant) {
        if let Some(times) = self.times.get_mut(key) {
            if let Some(index) = times.iter().position(|t| *t == at) {
                times.remove(index);
            }
            if times.is_empty() {
                self.times.remove(key);
            }
        }
    }

    /// Drops the keys whose failures are all past; if none is, the one quiet for longest.
    fn make_room(&mut self, window: Duration, now: Instant) {
        self.times.retain(|_, times| {
            times
                .back()
                .is_some_and(|t| now.saturating_duration_since(*t) < window)
        });
        if self.times.len() >= self.capacity {
            let quietest = self
                .times
                .iter()
                .min_by_key(|(_, times)| times.back().copied())
                .map(|(key, _)| key.clone());
            if let Some(key) = quietest {
                self.times.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(per_account: u32, per_address: u32) -> LoginThrottle {
        LoginThrottle::new(LoginLimits {
            window: Duration::from_secs(900),
            per_account,
            per_address,
            per_account_all_addresses: 1000,
        })
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn an_account_is_refused_from_an_address_after_its_failures_there_not_elsewhere() {
        let throttle = throttle(3, 100);
        let start = Instant::now();
        for minute in 0..3 {
            let at = start + Duration::from_secs(60 * minute);
            let attempt = throttle.begin_at("a@x", ip("10.0.0.1"), at).unwrap();
            throttle.failed(attempt);
        }
        let now = start + Duration::from_secs(180);
        assert_eq!(
            throttle.begin_at("a@x", ip("10.0.0.1"), now).err(),
            Some(720)
        );
        // The owner, from another address, is not locked out.
        assert!(throttle.begin_at("a@x", ip("10.0.0.2"), now).is_ok());
        assert!(throttle.begin_at("b@x", ip("10.0.0.1"), now).is_ok());
        let later = start + Duration::from_secs(900);
        assert!(throttle.begin_at("a@x", ip("10.0.0.1"), later).is_ok());
    }

    #[test]
    fn a_guess_spread_over_addresses_holds_the_account_back_but_not_from_known_addresses() {
        let throttle = LoginThrottle::new(LoginLimits {
            window: Duration::from_secs(900),
            per_account: 2,
            per_address: 100,
            per_account_all_addresses: 4,
        });
        let now = Instant::now();
        let ok = throttle.begin_at("a@x", ip("192.0.2.7"), now).unwrap();
        throttle.succeeded(ok);
        for n in 1..=4 {
            let attempt = throttle
                .begin_at("a@x", ip(&format!("10.0.0.{n}")), now)
                .unwrap();
            throttle.failed(attempt);
        }
        assert!(throttle.begin_at("a@x", ip("10.0.0.9"), now).is_err());
        let owner = throttle.begin_at("a@x", ip("192.0.2.7"), now).unwrap();
        throttle.succeeded(owner);
        assert!(throttle.begin_at("b@x", ip("10.0.0.9"), now).is_ok());
    }

    #[test]
    fn a_success_forgives_the_account_but_not_the_address() {
        let throttle = throttle(2, 3);
        let start = Instant::now();
        let failed = throttle.begin_at("a@x", ip("10.0.0.1"), start).unwrap();
        throttle.failed(failed);
        let failed = throttle.begin_at("b@x", ip("10.0.0.1"), start).unwrap();
        throttle.failed(failed);
        let ok = throttle.begin_at("a@x", ip("10.0.0.1"), start).unwrap();
        throttle.succeeded(ok);
        let failed = throttle.begin_at("a@x", ip("10.0.0.1"), start).unwrap();
        throttle.failed(failed);
        // Three failures from the address: the fourth attempt waits, whatever the account.
        assert!(throttle.begin_at("c@x", ip("10.0.0.1"), start).is_err());
        assert!(throttle.begin_at("a@x", ip("10.0.0.9"), start).is_ok());
    }

    #[test]
    fn parallel_attempts_are_counted_before_they_end() {
        let throttle = throttle(2, 100);
        let now = Instant::now();
        let first = throttle.begin_at("a@x", None, now).unwrap();
        let second = throttle.begin_at("a@x", None, now).unwrap();
        assert!(throttle.begin_at("a@x", None, now).is_err());
        throttle.cancelled(first);
        throttle.failed(second);
        assert!(throttle.begin_at("a@x", None, now).is_ok());
    }

    #[test]
    fn ipv6_addresses_of_one_subscriber_block_count_together() {
        assert_eq!(
            address_key("2001:db8:1:2:aaaa::1".parse().unwrap()),
            address_key("2001:db8:1:2:bbbb::2".parse().unwrap())
        );
        assert_ne!(
            address_key("2001:db8:1:2::1".parse().unwrap()),
            address_key("2001:db8:1:3::1".parse().unwrap())
        );
        assert_eq!(
            address_key("::ffff:10.0.0.1".parse().unwrap()),
            "10.0.0.1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn the_number_of_keys_followed_stays_bounded() {
        let mut failures = Failures::new(3);
        let now = Instant::now();
        for (i, key) in ["a", "b", "c", "d", "e"].into_iter().enumerate() {
            failures.push(
                key,
                5,
                Duration::from_secs(60),
                now + Duration::from_secs(i as u64),
            );
        }
        assert_eq!(failures.times.len(), 3);
        assert!(failures.times.contains_key("e"));
        assert!(!failures.times.contains_key("a"));
    }

    #[test]
    fn waits_are_whole_seconds_rounded_up() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(whole_seconds(Duration::from_secs(0)), 1);
    }
}
