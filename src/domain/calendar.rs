//! The business calendar: opening hours per weekday in the service's time zone, French public
//! holidays, and extra closed days. Service-level clocks count only the minutes it is open.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;

use super::FieldError;

/// Opening hours of one weekday, local time; `None` when closed all day.
pub type DayHours = Option<(NaiveTime, NaiveTime)>;

#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    zone: Tz,
    /// Monday first.
    hours: [DayHours; 7],
    /// Extra closed days and the public holidays of `HOLIDAY_YEARS`, looked up rather than
    /// computed for every day a clock walks through.
    closed_days: BTreeSet<NaiveDate>,
    /// Every day's open interval over `HOLIDAY_YEARS`, with running totals, built on first use
    /// and shared by the calendar's clones (building it walks some 48,000 days).
    days: Arc<OnceLock<DayIndex>>,
}

/// The open interval of each day of `HOLIDAY_YEARS` and the open seconds before it, so that
/// the time between two instants years apart costs two look-ups rather than a walk.
#[derive(Debug, Clone)]
struct DayIndex {
    first: NaiveDate,
    intervals: Vec<Option<(NaiveDateTime, NaiveDateTime)>>,
    /// `before[i]`: open seconds from the first day up to the start of day `i`.
    before: Vec<i64>,
}

impl DayIndex {
    fn last(&self) -> NaiveDate {
        self.first + Duration::days(self.intervals.len() as i64 - 1)
    }

    /// The first indexed day's midnight, local time, as UTC.
    fn start_instant(&self, zone: Tz) -> NaiveDateTime {
        zone.from_local_datetime(&self.first.and_time(NaiveTime::MIN))
            .earliest()
            .map_or(self.first.and_time(NaiveTime::MIN), |t| t.naive_utc())
    }

    fn position(&self, day: NaiveDate) -> Option<usize> {
        let offset = (day - self.first).num_days();
        (0..self.intervals.len() as i64)
            .contains(&offset)
            .then_some(offset as usize)
    }
}

/// The years whose days are indexed: those of `time::SANE_YEARS`, which the service accepts.
const HOLIDAY_YEARS: std::ops::RangeInclusive<i32> = super::time::SANE_YEARS;

/// Parses `08:00-18:00`; an empty text means closed.
pub fn parse_hours(field: &str, value: &str) -> Result<DayHours, FieldError> {
    let value = value.trim();
    if value.is_empty() || value.eq_ignore_ascii_case("closed") {
        return Ok(None);
    }
    let invalid = || FieldError::new(field, "must be HH:MM-HH:MM (or empty when closed)");
    let (start, end) = value.split_once('-').ok_or_else(invalid)?;
    let start = NaiveTime::parse_from_str(start.trim(), "%H:%M").map_err(|_| invalid())?;
    let end = NaiveTime::parse_from_str(end.trim(), "%H:%M").map_err(|_| invalid())?;
    if end <= start {
        return Err(FieldError::new(field, "must end after it starts"));
    }
    Ok(Some((start, end)))
}

/// Easter Sunday of a Gregorian year (anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a valid date")
}

/// The eleven French public holidays of a year.
pub fn french_holidays(year: i32) -> Vec<NaiveDate> {
    let fixed = [
        (1, 1),
        (5, 1),
        (5, 8),
        (7, 14),
        (8, 15),
        (11, 1),
        (11, 11),
        (12, 25),
    ];
    let easter = easter_sunday(year);
    let mut days: Vec<NaiveDate> = fixed
        .iter()
        .filter_map(|&(m, d)| NaiveDate::from_ymd_opt(year, m, d))
        .chain([
            easter + Duration::days(1),  // Easter Monday
            easter + Duration::days(39), // Ascension
            easter + Duration::days(50), // Whit Monday
        ])
        .collect();
    days.sort();
    days
}

impl BusinessCalendar {
    pub fn new(
        zone: Tz,
        hours: [DayHours; 7],
        closed_days: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        let mut closed_days: BTreeSet<NaiveDate> = closed_days.into_iter().collect();
        closed_days.extend(HOLIDAY_YEARS.flat_map(french_holidays));
        Self {
            zone,
            hours,
            closed_days,
            days: Arc::new(OnceLock::new()),
        }
    }

    /// Monday to Friday, 08:00 to 18:00.
    pub fn office_hours(zone: Tz) -> Self {
        let day = Some((
            NaiveTime::from_hms_opt(8, 0, 0).expect("valid time"),
            NaiveTime::from_hms_opt(18, 0, 0).expect("valid time"),
        ));
        Self::new(zone, [day, day, day, day, day, None, None], [])
    }

    pub fn is_holiday(&self, day: NaiveDate) -> bool {
        self.closed_days.contains(&day)
            || (!HOLIDAY_YEARS.contains(&day.year()) && french_holidays(day.year()).contains(&day))
    }

    /// The open interval of a local day, as UTC instants.
    fn open_interval(&self, day: NaiveDate) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let weekday = day.weekday().num_days_from_monday() as usize;
        let (start, end) = self.hours[weekday]?;
        if self.is_holiday(day) {
            return None;
        }
        let to_utc = |time: NaiveTime| {
            let local = day.and_time(time);
            let resolved = self.zone.from_local_datetime(&local);
            // A time inside the spring-forward gap is taken one hour later.
            resolved
                .earliest()
                .or_else(|| {
                    self.zone
                        .from_local_datetime(&(local + Duration::hours(1)))
                        .earliest()
                })
                .map(|t| t.naive_utc())
        };
        Some((to_utc(start)?, to_utc(end)?))
    }

    fn local_day(&self, utc: NaiveDateTime) -> NaiveDate {
        super::time::local_date(utc, self.zone)
    }

    fn index(&self) -> &DayIndex {
        self.days.get_or_init(|| {
            let first = NaiveDate::from_ymd_opt(*HOLIDAY_YEARS.start(), 1, 1).expect("valid date");
            let last = NaiveDate::from_ymd_opt(*HOLIDAY_YEARS.end(), 12, 31).expect("valid date");
            let mut intervals = Vec::new();
            let mut before = vec![0i64];
            let mut day = first;
            while day <= last {
                let interval = self.open_interval(day);
                let seconds = interval.map_or(0, |(open, close)| (close - open).num_seconds());
                before.push(before.last().copied().unwrap_or(0) + seconds);
                intervals.push(interval);
                day += Duration::days(1);
            }
            DayIndex {
                first,
                intervals,
                before,
            }
        })
    }

    /// Whole business minutes between two instants (0 when `to` is not after `from`).
    pub fn business_minutes(&self, from: NaiveDateTime, to: NaiveDateTime) -> i64 {
        if to <= from {
            return 0;
        }
        let (first, last) = (self.local_day(from), self.local_day(to));
        let index = self.index();
        let overlap = |interval: Option<(NaiveDateTime, NaiveDateTime)>| {
            interval.map_or(0, |(open, close)| {
                let (start, end) = (open.max(from), close.min(to));
                if end > start {
                    (end - start).num_seconds()
                } else {
                    0
                }
            })
        };
        // Instants outside the indexed years are taken at the index's edge: no business time
        // is counted outside it, and no span, however long, is walked day by day.
        let clamp = |day: NaiveDate| day.clamp(index.first, index.last());
        let (i, j) = (index.position(clamp(first)), index.position(clamp(last)));
        let seconds = match (i, j) {
            (Some(i), Some(j)) if i == j => overlap(index.intervals[i]),
            (Some(i), Some(j)) => {
                overlap(index.intervals[i])
                    + (index.before[j] - index.before[i + 1])
                    + overlap(index.intervals[j])
            }
            _ => 0,
        };
        seconds / 60
    }

    /// The instant when `minutes` business minutes have passed since `from`; `None` if the
    /// calendar is not open that long within the indexed years.
    pub fn add_business_minutes(&self, from: NaiveDateTime, minutes: i64) -> Option<NaiveDateTime> {
        let wanted = Duration::minutes(minutes.max(0));
        let index = self.index();
        // From before the indexed years, the clock starts with them.
        let from = from.max(index.start_instant(self.zone));
        let first = self.local_day(from);
        if let Some(i) = index.position(first) {
            let available = index.intervals[i].map_or(Duration::zero(), |(open, close)| {
                (close - open.max(from)).max(Duration::zero())
            });
            if wanted <= available {
                let (open, _) = index.intervals[i]?;
                return Some(open.max(from) + wanted);
            }
            // The first day whose running total reaches what is still wanted after day `i`.
            let target = index.before[i + 1] + (wanted - available).num_seconds();
            let j = index.before.partition_point(|total| *total < target);
            if j >= 1 && j - 1 < index.intervals.len() {
                let day = j - 1;
                let (open, _) = index.intervals[day]?;
                return Some(open + Duration::seconds(target - index.before[day]));
            }
        }
        // Beyond the indexed years (or never open that long): no due time.
        None
    }
}

/// Weekday names as the settings spell them, Monday first.
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Paris;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn utc(text: &str) -> NaiveDateTime {
        super::super::time::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn easter_falls_on_its_known_dates() {
        assert_eq!(easter_sunday(2016), day("2016-03-27"));
        assert_eq!(easter_sunday(2017), day("2017-04-16"));
        assert_eq!(easter_sunday(2018), day("2018-04-01"));
        assert_eq!(easter_sunday(2019), day("2019-04-21"));
        assert_eq!(easter_sunday(2024), day("2024-03-31"));
        assert_eq!(easter_sunday(2038), day("2038-04-25"));
    }

    #[test]
    fn french_holidays_include_the_moving_ones() {
        let holidays = french_holidays(2018);
        assert_eq!(holidays.len(), 11);
        for text in [
            "2018-01-01",
            "2018-04-02",
            "2018-05-01",
            "2018-05-08",
            "2018-05-10",
            "2018-05-21",
            "2018-07-14",
            "2018-08-15",
            "2018-11-01",
            "2018-11-11",
            "2018-12-25",
        ] {
            assert!(holidays.contains(&day(text)), "{text}");
        }
        let holidays_2019 = french_holidays(2019);
        assert!(holidays_2019.contains(&day("2019-04-22"))); // Easter Monday
        assert!(holidays_2019.contains(&day("2019-05-30"))); // Ascension
        assert!(holidays_2019.contains(&day("2019-06-10"))); // Whit Monday
        let holidays_2024 = french_holidays(2024);
        assert!(holidays_2024.contains(&day("2024-04-01")));
        assert!(holidays_2024.contains(&day("2024-05-09")));
        assert!(holidays_2024.contains(&day("2024-05-20")));
    }

    #[test]
    fn friday_evening_to_monday_morning_is_thirty_business_minutes() {
        let calendar = BusinessCalendar::office_hours(Paris);
        // Friday 9 March 2018 17:50 in Paris (UTC+1) to Monday 12 March 08:20.
        let filed = utc("2018-03-09T17:50:00+01:00");
        let taken = utc("2018-03-12T08:20:00+01:00");
        assert_eq!(calendar.business_minutes(filed, taken), 30);
        assert_eq!(
            calendar.add_business_minutes(filed, 30),
            Some(taken),
            "the due time of a 30-minute target"
        );
    }

    #[test]
    fn holidays_and_weekends_do_not_count() {
        let calendar = BusinessCalendar::office_hours(Paris);
        // Thursday 29 March 17:00 to Tuesday 3 April 09:00 2018: Easter Monday is closed.
        let from = utc("2018-03-29T17:00:00+02:00");
        let to = utc("2018-04-03T09:00:00+02:00");
        assert_eq!(calendar.business_minutes(from, to), 60 + 600 + 60);
    }

    #[test]
    fn extra_closed_days_are_closed() {
        let hours = BusinessCalendar::office_hours(Paris).hours;
        let calendar = BusinessCalendar::new(Paris, hours, [day("2018-12-24")]);
        let from = utc("2018-12-24T09:00:00+01:00");
        let to = utc("2018-12-26T09:00:00+01:00");
        assert_eq!(calendar.business_minutes(from, to), 60);
    }

    #[test]
    fn clock_changes_keep_opening_hours_local() {
        let calendar = BusinessCalendar::office_hours(Paris);
        // Friday 23 March 2018 (UTC+1) to Monday 26 March (UTC+2): a whole business day
        // each side, whatever the offset.
        let from = utc("2018-03-23T08:00:00+01:00");
        let to = utc("2018-03-26T18:00:00+02:00");
        assert_eq!(calendar.business_minutes(from, to), 1200);
        // Friday 26 October (UTC+2) 17:00 to Monday 29 October (UTC+1) 09:00.
        let from = utc("2018-10-26T17:00:00+02:00");
        let to = utc("2018-10-29T09:00:00+01:00");
        assert_eq!(calendar.business_minutes(from, to), 120);
    }

    #[test]
    fn nothing_elapses_backwards_or_outside_hours() {
        let calendar = BusinessCalendar::office_hours(Paris);
        let evening = utc("2018-03-06T19:00:00+01:00");
        let night = utc("2018-03-06T23:00:00+01:00");
        assert_eq!(calendar.business_minutes(evening, night), 0);
        assert_eq!(calendar.business_minutes(night, evening), 0);
    }

    #[test]
    fn long_spans_count_like_a_walk_through_every_day() {
        let calendar = BusinessCalendar::office_hours(Paris);
        let walk = |from: NaiveDateTime, to: NaiveDateTime| {
            let mut seconds = 0;
            let mut day = calendar.local_day(from);
            while day <= calendar.local_day(to) {
                if let Some((open, close)) = calendar.open_interval(day) {
                    let (start, end) = (open.max(from), close.min(to));
                    if end > start {
                        seconds += (end - start).num_seconds();
                    }
                }
                day += Duration::days(1);
            }
            seconds / 60
        };
        let from = utc("2016-02-26T16:12:00+01:00");
        for to in [
            "2016-02-26T17:00:00+01:00",
            "2016-03-01T09:30:00+01:00",
            "2017-05-09T11:45:00+02:00",
            "2024-12-24T18:30:00+01:00",
        ] {
            let to = utc(to);
            let minutes = calendar.business_minutes(from, to);
            assert_eq!(minutes, walk(from, to), "{to}");
            // Adding back what elapsed lands within the minute of the end, or at an opening.
            let due = calendar.add_business_minutes(from, minutes).unwrap();
            assert_eq!(calendar.business_minutes(from, due), minutes);
        }
    }

    #[test]
    fn spans_beyond_the_accepted_years_cost_two_look_ups_and_count_no_time_outside_them() {
        let calendar = BusinessCalendar::office_hours(Paris);
        let ancient = NaiveDate::from_ymd_opt(1, 1, 1)
            .unwrap()
            .and_hms_opt(0, 10, 0)
            .unwrap();
        let far = NaiveDate::from_ymd_opt(9999, 12, 31)
            .unwrap()
            .and_hms_opt(23, 0, 0)
            .unwrap();
        let start = utc("1970-01-01T00:00:00+01:00");
        let end = utc("2101-01-01T00:00:00+01:00");
        assert_eq!(
            calendar.business_minutes(ancient, far),
            calendar.business_minutes(start, end)
        );
        assert_eq!(calendar.business_minutes(far, far + Duration::days(3)), 0);
        assert_eq!(
            calendar.business_minutes(ancient, ancient + Duration::days(3)),
            0
        );
        assert_eq!(calendar.add_business_minutes(far, 30), None);
        assert_eq!(
            calendar.add_business_minutes(ancient, 30),
            Some(utc("1970-01-02T08:30:00+01:00"))
        );
    }

    #[test]
    fn a_calendar_never_open_has_no_due_time() {
        let calendar = BusinessCalendar::new(Paris, [None; 7], []);
        assert_eq!(
            calendar.add_business_minutes(utc("2018-03-06T10:00:00Z"), 30),
            None
        );
    }

    #[test]
    fn hours_are_parsed_from_settings() {
        assert_eq!(
            parse_hours("monday", "08:00-18:00").unwrap(),
            Some((
                NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
                NaiveTime::from_hms_opt(18, 0, 0).unwrap()
            ))
        );
        assert_eq!(parse_hours("sunday", "").unwrap(), None);
        assert!(parse_hours("monday", "18:00-08:00").is_err());
        assert!(parse_hours("monday", "8h-18h").is_err());
    }
}
