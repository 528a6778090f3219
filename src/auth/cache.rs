//! The callers' rights (role, member, disabled, token epoch, or no such user), remembered for a moment so
//! that an authenticated request need not ask the database first.
//!
//! Staleness: a user changed through this process (created, changed with `PATCH`, anonymized)
//! is forgotten here as soon as the change commits, so their next request in this process sees
//! it. A change made elsewhere (another instance of the service, `helpdesk create-admin`, SQL
//! by hand) is seen here at most `auth.user_cache_seconds` later; 0 turns the cache off.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::user::Role;

/// Users remembered at most; past this, once the expired ones are dropped, newcomers are
/// looked up in the database until room is made.
pub const MAX_USERS: usize = 4096;

/// What a request needs to know of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachedUser {
    pub role: Role,
    pub member_id: Option<i64>,
    pub disabled: bool,
    /// The epoch a token must carry to be valid (see `db::users::end_tokens`).
    pub token_epoch: i64,
}

/// Taken when a lookup misses, and given back with what the database said: if a user changed
/// in between, the answer may be older than the change and is not kept.
#[derive(Debug, Clone, Copy)]
pub struct Generation(u64);

#[derive(Debug)]
pub struct UserCache {
    ttl: Duration,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// `None`: no such user.
    entries: HashMap<i64, (Option<CachedUser>, Instant)>,
    /// Bumped by every `forget`.
    generation: u64,
}

impl UserCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Ok` with what is remembered of the user (`None`: no such user), or `Err` when the
    /// database must be asked; then `remember` the answer with the generation given.
    pub fn get(&self, user_id: i64) -> Result<Option<CachedUser>, Generation> {
        let inner = self.inner();
        match inner.entries.get(&user_id) {
            Some((user, until)) if Instant::now() < *until => Ok(*user),
            _ => Err(Generation(inner.generation)),
        }
    }

    /// Keeps what the database said of a user, unless a user changed since the lookup began.
    pub fn remember(&self, user_id: i64, user: Option<CachedUser>, seen: Generation) {
        if self.ttl.is_zero() {
            return;
        }
        let mut inner = self.inner();
        if inner.generation != seen.0 {
            return;
        }
        let now = Instant::now();
        if inner.entries.len() >= MAX_USERS && !inner.entries.contains_key(&user_id) {
            inner.entries.retain(|_, (_, until)| now < *until);
            if inner.entries.len() >= MAX_USERS {
                return;
            }
        }
        inner.entries.insert(user_id, (user, now + self.ttl));
    }

    /// Drops what is remembered of a user, once a change to them has committed (or may have).
    pub fn forget(&self, user_id: i64) {
        let mut inner = self.inner();
        inner.entries.remove(&user_id);
        inner.generation += 1;
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOTLINE: CachedUser = CachedUser {
        role: Role::Hotline,
        member_id: None,
        disabled: false,
        token_epoch: 0,
    };

    fn seen(cache: &UserCache, id: i64) -> Generation {
        cache.get(id).expect_err("not remembered yet")
    }

    #[test]
    fn a_user_is_remembered_until_forgotten() {
        let cache = UserCache::new(Duration::from_secs(60));
        let generation = seen(&cache, 7);
        cache.remember(7, Some(HOTLINE), generation);
        assert_eq!(cache.get(7).unwrap(), Some(HOTLINE));
        let generation = seen(&cache, 8);
        cache.remember(8, None, generation);
        assert_eq!(cache.get(8).unwrap(), None);

        cache.forget(7);
        assert!(cache.get(7).is_err());
        assert_eq!(cache.get(8).unwrap(), None);
    }

    #[test]
    fn an_answer_read_before_a_change_is_not_kept() {
        let cache = UserCache::new(Duration::from_secs(60));
        let before = seen(&cache, 7);
        // The user is disabled while the lookup is on its way back from the database.
        cache.forget(7);
        cache.remember(7, Some(HOTLINE), before);
        assert!(cache.get(7).is_err());
    }

    #[test]
    fn entries_expire_and_zero_seconds_keeps_nothing() {
        let off = UserCache::new(Duration::ZERO);
        let generation = seen(&off, 7);
        off.remember(7, Some(HOTLINE), generation);
        assert!(off.get(7).is_err());

        let short = UserCache::new(Duration::from_millis(20));
        let generation = seen(&short, 7);
        short.remember(7, Some(HOTLINE), generation);
        assert!(short.get(7).is_ok());
        std::thread::sleep(Duration::from_millis(30));
        assert!(short.get(7).is_err());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = UserCache::new(Duration::from_secs(60));
        for id in 0..(MAX_USERS as i64 + 100) {
            let generation = seen(&cache, id);
            cache.remember(id, Some(HOTLINE), generation);
        }
        assert_eq!(cache.len(), MAX_USERS);
        // Known users are still refreshed.
        let generation = Generation(cache.inner().generation);
        cache.remember(1, None, generation);
        assert_eq!(cache.get(1).unwrap(), None);
    }
}
