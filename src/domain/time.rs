//! Instants are UTC; days are those of the service's time zone.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SubsecRound, Utc};
use chrono_tz::Tz;

/// Now, to the second: what the service stores and shows.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(0)
}

/// The day in the service's time zone of an instant stored as UTC.
pub fn local_date(utc: NaiveDateTime, zone: Tz) -> NaiveDate {
    utc.and_utc().with_timezone(&zone).date_naive()
}

pub fn today(zone: Tz) -> NaiveDate {
    local_date(now(), zone)
}

/// The (year, month) a day counts in.
pub fn year_month(day: NaiveDate) -> (i32, i32) {
    (day.year(), day.month() as i32)
}

/// RFC 3339 in UTC with a `Z`, as the API shows every timestamp.
pub fn to_rfc3339(utc: NaiveDateTime) -> String {
    utc.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Parses an RFC 3339 timestamp with any offset into UTC, to the second.
pub fn parse_rfc3339(value: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(value.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc).naive_utc().trunc_subsecs(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> NaiveDateTime {
        parse_rfc3339(text).unwrap()
    }

    #[test]
    fn late_evening_utc_counts_for_the_next_day_in_paris() {
        let day = local_date(utc("2018-01-31T23:30:00Z"), chrono_tz::Europe::Paris);
        assert_eq!(year_month(day), (2018, 2));
    }

    #[test]
    fn clock_changes_are_no_special_case() {
        let paris = chrono_tz::Europe::Paris;
        // 25 March 2018: clocks went from 02:00 to 03:00 in Paris (UTC+1 to UTC+2).
        assert_eq!(
            local_date(utc("2018-03-24T23:30:00Z"), paris).to_string(),
            "2018-03-25"
        );
        assert_eq!(
            local_date(utc("2018-03-25T22:30:00Z"), paris).to_string(),
            "2018-03-26"
        );
        // 28 October 2018: back from UTC+2 to UTC+1.
        assert_eq!(
            local_date(utc("2018-10-27T22:30:00Z"), paris).to_string(),
            "2018-10-28"
        );
        assert_eq!(
            local_date(utc("2018-10-28T22:30:00Z"), paris).to_string(),
            "2018-10-28"
        );
    }

    #[test]
    fn timestamps_are_shown_in_utc_with_z() {
        assert_eq!(
            to_rfc3339(utc("2018-03-05T10:12:00+01:00")),
            "2018-03-05T09:12:00Z"
        );
    }
}
