//! Writers of this process taking turns for SQLite's one write lock.

use std::sync::Mutex;

/// Writers of this process take turns before they ask SQLite for its write lock: SQLite lets
/// one writer at a time, and a writer that finds the lock taken sleeps in its busy handler for
/// up to a hundred milliseconds at a time, where waiting here wakes it as soon as it is free.
pub(in crate::db) static SQLITE_WRITER: Turns = Turns::new();

/// A lock taken in the order it was asked for. A plain mutex lets a thread that has just let
/// go take it again before the ones waiting wake up, and under concurrent filings some waited
/// many times the mean (figures in `bench/README.md`).
pub struct Turns {
    /// The next turn to give out, and the turn now served.
    state: Mutex<(u64, u64)>,
    served: std::sync::Condvar,
}

/// A turn being served; the next one's comes when it is dropped.
pub struct Turn<'a>(&'a Turns);

impl Turns {
    const fn new() -> Self {
        Turns {
            state: Mutex::new((0, 0)),
            served: std::sync::Condvar::new(),
        }
    }

    pub(super) fn take(&self) -> Turn<'_> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mine = state.0;
        state.0 += 1;
        while state.1 != mine {
            state = self.served.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        Turn(self)
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        state.1 += 1;
        drop(state);
        self.0.served.notify_all();
    }
}
