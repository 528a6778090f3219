//! Service levels: how long, in business minutes and not counting time spent waiting, a ticket
//! took to be taken in charge and to be resolved, against targets per priority.

use chrono::NaiveDateTime;

use super::calendar::BusinessCalendar;
use super::ticket::Priority;

/// Targets in business minutes, for priorities 1 to 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub acknowledge: [i64; 4],
    pub resolve: [i64; 4],
}

impl Targets {
    pub fn acknowledge_for(&self, priority: Priority) -> i64 {
        self.acknowledge[priority.index()]
    }

    pub fn resolve_for(&self, priority: Priority) -> i64 {
        self.resolve[priority.index()]
    }
}

#[derive(Debug, Clone)]
pub struct ServiceClock {
    pub calendar: BusinessCalendar,
    pub targets: Targets,
}

/// The clock's state of one ticket.
#[derive(Debug, Clone, Copy)]
pub struct TicketClock {
    pub created_at: NaiveDateTime,
    /// Business minutes spent waiting, finished periods only.
    pub paused_minutes: i64,
    /// When the current waiting period began, if the ticket waits now.
    pub waiting_since: Option<NaiveDateTime>,
}

impl ServiceClock {
    /// Business minutes waited up to `at`, the current period included.
    pub fn paused_at(&self, clock: &TicketClock, at: NaiveDateTime) -> i64 {
        clock.paused_minutes
            + clock
                .waiting_since
                .map_or(0, |since| self.calendar.business_minutes(since, at))
    }

    /// Business minutes from creation to `at`, less the time waited.
    pub fn elapsed(&self, clock: &TicketClock, at: NaiveDateTime) -> i64 {
        (self.calendar.business_minutes(clock.created_at, at) - self.paused_at(clock, at)).max(0)
    }

    /// When `target` business minutes will have passed, counting the waiting so far as paused.
    pub fn due(
        &self,
        clock: &TicketClock,
        target: i64,
        now: NaiveDateTime,
    ) -> Option<NaiveDateTime> {
        self.calendar
            .add_business_minutes(clock.created_at, target + self.paused_at(clock, now))
    }
}

impl ServiceClock {
    /// The latest creation instant (to the second) whose target of `target` business minutes
    /// falls due before `now`, for a ticket that never waited: every ticket created at or
    /// before it is late, none after it (`due` grows with the creation instant). `None` when
    /// none is late.
    pub fn late_if_created_by(&self, target: i64, now: NaiveDateTime) -> Option<NaiveDateTime> {
        let late = |created: NaiveDateTime| {
            self.calendar
                .add_business_minutes(created, target)
                .is_some_and(|due| due < now)
        };
        let mut early = chrono::DateTime::UNIX_EPOCH.naive_utc();
        if !late(early) {
            return None;
        }
        let mut recent = now;
        // `early` is late and `recent` is not: halve the span down to one second.
        while (recent - early).num_seconds() > 1 {
            let middle = early + (recent - early) / 2;
            if late(middle) {
                early = middle;
            } else {
                recent = middle;
            }
        }
        Some(early)
    }
}

/// The `p`-th percentile (0 to 100) of sorted values, interpolating linearly between the two
/// nearest ranks (so the 50th is the usual median); `None` without values.
pub fn percentile(sorted: &[i64], p: f64) -> Option<f64> {
    match sorted.len() {
        0 => None,
        1 => Some(sorted[0] as f64),
        n => {
            let rank = (p / 100.0).clamp(0.0, 1.0) * (n - 1) as f64;
            let below = rank.floor() as usize;
            let above = rank.ceil() as usize;
            let fraction = rank - below as f64;
            Some(sorted[below] as f64 + (sorted[above] - sorted[below]) as f64 * fraction)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Paris;

    fn utc(text: &str) -> NaiveDateTime {
        super::super::time::parse_rfc3339(text).unwrap()
    }

    fn clock() -> ServiceClock {
        ServiceClock {
            calendar: BusinessCalendar::office_hours(Paris),
            targets: Targets {
                acknowledge: [30, 60, 240, 480],
                resolve: [240, 600, 1800, 3000],
            },
        }
    }

    #[test]
    fn the_last_late_creation_instant_splits_tickets_exactly_as_their_due_times_do() {
        let clock = clock();
        let now = utc("2018-03-12T10:17:00+01:00");
        let never_waited = |created| TicketClock {
            created_at: created,
            paused_minutes: 0,
            waiting_since: None,
        };
        for target in [30, 240, 3000] {
            let edge = clock.late_if_created_by(target, now).unwrap();
            let due = |created| clock.due(&never_waited(created), target, now).unwrap();
            assert!(due(edge) < now, "created at the edge: late ({target})");
            assert!(
                due(edge + chrono::Duration::seconds(1)) >= now,
                "a second later: not late ({target})"
            );
        }
        // Nothing filed since the epoch is late against a target longer than all that time.
        assert_eq!(clock.late_if_created_by(60_000_000, now), None);
    }

    #[test]
    fn a_ticket_filed_friday_evening_and_taken_monday_morning_took_thirty_minutes() {
        let ticket = TicketClock {
            created_at: utc("2018-03-09T17:50:00+01:00"),
            paused_minutes: 0,
            waiting_since: None,
        };
        let taken = utc("2018-03-12T08:20:00+01:00");
        assert_eq!(clock().elapsed(&ticket, taken), 30);
        // Priority 1's 30 minutes fall due exactly then.
        assert_eq!(clock().due(&ticket, 30, taken), Some(taken));
    }

    #[test]
    fn waiting_pauses_the_clock() {
        let service = clock();
        let created_at = utc("2018-03-06T09:00:00+01:00");
        // It waited from 10:00 to 14:00: four business hours paused.
        let paused = service.calendar.business_minutes(
            utc("2018-03-06T10:00:00+01:00"),
            utc("2018-03-06T14:00:00+01:00"),
        );
        let ticket = TicketClock {
            created_at,
            paused_minutes: paused,
            waiting_since: None,
        };
        assert_eq!(
            service.elapsed(&ticket, utc("2018-03-06T15:00:00+01:00")),
            120
        );
        // Still waiting since 15:00: at 17:00 the clock shows what it showed at 15:00.
        let waiting = TicketClock {
            waiting_since: Some(utc("2018-03-06T15:00:00+01:00")),
            ..ticket
        };
        assert_eq!(
            service.elapsed(&waiting, utc("2018-03-06T17:00:00+01:00")),
            120
        );
        // And the target moves on by the time waited.
        assert_eq!(
            service.due(&waiting, 240, utc("2018-03-06T17:00:00+01:00")),
            Some(utc("2018-03-07T09:00:00+01:00"))
        );
    }

    #[test]
    fn targets_follow_the_priority() {
        let targets = clock().targets;
        assert_eq!(targets.acknowledge_for(Priority::CRITICAL), 30);
        assert_eq!(targets.acknowledge_for(Priority::LOW), 480);
        assert_eq!(targets.resolve_for(Priority::ALL[1]), 600);
    }

    #[test]
    fn percentiles_interpolate_between_ranks() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[7], 90.0), Some(7.0));
        assert_eq!(percentile(&[10, 20], 50.0), Some(15.0));
        assert_eq!(percentile(&[10, 20, 30], 50.0), Some(20.0));
        let values: Vec<i64> = (1..=10).collect();
        assert!((percentile(&values, 90.0).unwrap() - 9.1).abs() < 1e-9);
    }
}

/// Minutes at or above this are kept in buckets 1 % wide instead of one by one.
const EXACT_BELOW: i64 = 600;
const BUCKET_GROWTH: f64 = 1.01;

/// How many tickets took how long: exact to the minute below ten hours, to within 1 % above,
/// so that a year of measures per member and priority fits in a few kilobytes.
///
/// The buckets are kept as one sorted list of (bucket, tickets), the order they are stored in:
/// decoding copies them, and adding up histograms is one pass over both lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<(u32, i64)>,
}

impl Histogram {
    fn bucket(minutes: i64) -> u32 {
        let minutes = minutes.max(0);
        if minutes < EXACT_BELOW {
            minutes as u32
        } else {
            let steps = ((minutes as f64 / EXACT_BELOW as f64).ln() / BUCKET_GROWTH.ln()).floor();
            (EXACT_BELOW as f64 + steps) as u32
        }
    }

    /// The minutes a bucket stands for: its lower bound.
    fn value(bucket: u32) -> i64 {
        let bucket = i64::from(bucket);
        if bucket < EXACT_BELOW {
            bucket
        } else {
            (EXACT_BELOW as f64 * BUCKET_GROWTH.powi((bucket - EXACT_BELOW) as i32)).ceil() as i64
        }
    }

    pub fn add(&mut self, minutes: i64, tickets: i64) {
        let bucket = Self::bucket(minutes);
        match self.counts.binary_search_by_key(&bucket, |&(b, _)| b) {
            Ok(at) => {
                self.counts[at].1 += tickets;
                if self.counts[at].1 == 0 {
                    self.counts.remove(at);
                }
            }
            Err(at) if tickets != 0 => self.counts.insert(at, (bucket, tickets)),
            Err(_) => {}
        }
    }

    pub fn merge(&mut self, other: &Histogram) {
        if other.counts.is_empty() {
            return;
        }
        if self.counts.is_empty() {
            self.counts.clone_from(&other.counts);
            return;
        }
        let mut merged = Vec::with_capacity(self.counts.len().max(other.counts.len()));
        let (mut mine, mut theirs) = (
            self.counts.iter().peekable(),
            other.counts.iter().peekable(),
        );
        loop {
            let next = match (mine.peek(), theirs.peek()) {
                (Some(&&(a, x)), Some(&&(b, y))) if a == b => {
                    mine.next();
                    theirs.next();
                    (a, x + y)
                }
                (Some(&&(a, x)), Some(&&(b, _))) if a < b => {
                    mine.next();
                    (a, x)
                }
                (_, Some(&&(b, y))) => {
                    theirs.next();
                    (b, y)
                }
                (Some(&&(a, x)), None) => {
                    mine.next();
                    (a, x)
                }
                (None, None) => break,
            };
            if next.1 != 0 {
                merged.push(next);
            }
        }
        self.counts = merged;
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn count(&self) -> i64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    /// Tickets whose minutes are at most `target`.
    pub fn at_most(&self, target: i64) -> i64 {
        self.counts
            .iter()
            .take_while(|(bucket, _)| Self::value(*bucket) <= target)
            .map(|(_, count)| count)
            .sum()
    }

    /// The `p`-th percentile, interpolating linearly between ranks as `percentile` does.
    pub fn percentile(&self, p: f64) -> Option<f64> {
        let n = self.count();
        if n <= 0 {
            return None;
        }
        let rank = (p / 100.0).clamp(0.0, 1.0) * (n - 1) as f64;
        let nth = |k: i64| {
            let mut seen = 0;
            for (bucket, count) in &self.counts {
                seen += count;
                if seen > k {
                    return Self::value(*bucket) as f64;
                }
            }
            self.counts
                .last()
                .map_or(0.0, |(b, _)| Self::value(*b) as f64)
        };
        let (below, above) = (rank.floor() as i64, rank.ceil() as i64);
        let (low, high) = (nth(below), nth(above));
        Some(low + (high - low) * (rank - below as f64))
    }

    /// Pairs of a little-endian u32 bucket and i32 tickets, by bucket. Tickets may be negative
    /// in one shard of the aggregates (counted in one, taken out in another).
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.counts.len() * 8);
        for (bucket, count) in &self.counts {
            bytes.extend_from_slice(&bucket.to_le_bytes());
            let count = (*count).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
            bytes.extend_from_slice(&count.to_le_bytes());
        }
        bytes
    }

    pub fn decode(bytes: &[u8]) -> Histogram {
        let mut counts: Vec<(u32, i64)> = bytes
            .chunks_exact(8)
            .map(|pair| {
                let bucket = u32::from_le_bytes([pair[0], pair[1], pair[2], pair[3]]);
                let count = i32::from_le_bytes([pair[4], pair[5], pair[6], pair[7]]);
                (bucket, i64::from(count))
            })
            .filter(|(_, count)| *count != 0)
            .collect();
        // Stored in order; a list that is not (written by hand) is put in order and added up.
        if !counts.windows(2).all(|w| w[0].0 < w[1].0) {
            counts.sort_by_key(|(bucket, _)| *bucket);
            counts.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    kept.1 += later.1;
                }
                same
            });
        }
        Histogram { counts }
    }
}

#[cfg(test)]
mod histogram_tests {
    use super::*;

    #[test]
    fn below_ten_hours_the_histogram_is_exact() {
        let mut histogram = Histogram::default();
        for minutes in [10, 20, 40, 50] {
            histogram.add(minutes, 1);
        }
        let sorted = [10, 20, 40, 50];
        for p in [0.0, 50.0, 90.0, 100.0] {
            assert_eq!(histogram.percentile(p), percentile(&sorted, p), "p{p}");
        }
        assert_eq!(histogram.at_most(30), 2);
        assert_eq!(Histogram::decode(&histogram.encode()), histogram);
    }

    #[test]
    fn above_ten_hours_it_is_within_one_percent() {
        for minutes in [600, 601, 1799, 1800, 3000, 45_000] {
            let value = Histogram::value(Histogram::bucket(minutes));
            assert!(value <= minutes, "{minutes} -> {value}");
            assert!(
                (minutes - value) as f64 <= minutes as f64 * 0.0101,
                "{minutes} -> {value}"
            );
        }
    }

    #[test]
    fn removing_what_was_added_leaves_nothing() {
        let mut histogram = Histogram::default();
        histogram.add(700, 1);
        histogram.add(30, 2);
        histogram.add(700, -1);
        histogram.add(30, -2);
        assert!(histogram.is_empty());
        assert!(histogram.encode().is_empty());
    }

    #[test]
    fn a_shard_keeps_negative_counts_through_storage() {
        let mut taken_out = Histogram::default();
        taken_out.add(700, -1);
        taken_out.add(30, 2);
        let stored = Histogram::decode(&taken_out.encode());
        assert_eq!(stored, taken_out);
        let mut put_in = Histogram::default();
        put_in.add(700, 1);
        put_in.merge(&stored);
        assert_eq!(put_in.count(), 2);
        assert_eq!(put_in.at_most(30), 2);
    }

    proptest::proptest! {
        #[test]
        fn merging_adds_up_the_tickets_of_each_bucket(
            first in proptest::collection::vec((0i64..100_000, -3i64..4), 0..60),
            second in proptest::collection::vec((0i64..100_000, -3i64..4), 0..60),
        ) {
            let build = |pairs: &[(i64, i64)]| {
                let mut histogram = Histogram::default();
                for &(minutes, tickets) in pairs {
                    histogram.add(minutes, tickets);
                }
                histogram
            };
            let mut merged = build(&first);
            merged.merge(&build(&second));
            let together = build(&[first.clone(), second.clone()].concat());
            proptest::prop_assert_eq!(&merged, &together);
            let mut expected = std::collections::BTreeMap::new();
            for (minutes, tickets) in first.iter().chain(&second) {
                *expected.entry(Histogram::bucket(*minutes)).or_insert(0i64) += tickets;
            }
            expected.retain(|_, n| *n != 0);
            proptest::prop_assert_eq!(merged.counts, expected.into_iter().collect::<Vec<_>>());
        }
    }
}
