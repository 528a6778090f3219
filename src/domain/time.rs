//! Instants are UTC; days are those of the service's time zone.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SubsecRound, Utc};
use chrono_tz::Tz;

use super::FieldError;

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

/// The years of the instants and days the service accepts: whatever lies outside is a typing
/// or conversion error, and would cost every computation that spans it.
pub const SANE_YEARS: std::ops::RangeInclusive<i32> = 1970..=2100;

/// Parses an RFC 3339 timestamp with any offset into UTC, to the second.
pub fn parse_rfc3339(value: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(value.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc).naive_utc().trunc_subsecs(0))
}

/// An instant of the accepted years, or why not, for the field named.
pub fn check_instant(field: &str, instant: NaiveDateTime) -> Result<NaiveDateTime, FieldError> {
    if SANE_YEARS.contains(&instant.year()) {
        Ok(instant)
    } else {
        Err(out_of_range(field))
    }
}

/// A day of the accepted years, or why not, for the field named.
pub fn check_day(field: &str, day: NaiveDate) -> Result<NaiveDate, FieldError> {
    if SANE_YEARS.contains(&day.year()) {
        Ok(day)
    } else {
        Err(out_of_range(field))
    }
}

fn out_of_range(field: &str) -> FieldError {
    FieldError::new(
        field,
        format!(
            "must be between {} and {}",
            SANE_YEARS.start(),
            SANE_YEARS.end()
        ),
    )
}

/// A day written `YYYY-MM-DD`, four-digit year, within the accepted years.
pub fn parse_day(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    let raw = raw.trim();
    let shaped = raw.len() == 10
        && raw.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let day = shaped
        .then(|| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| FieldError::new(field, "must be a date YYYY-MM-DD"))?;
    check_day(field, day)
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
    fn days_have_four_digit_years_within_the_accepted_ones() {
        assert_eq!(
            parse_day("d", "2018-03-05").unwrap().to_string(),
            "2018-03-05"
        );
        for bad in [
            "+10000-01-01",
            "10000-01-01",
            "2018-3-5",
            "0001-01-01",
            "2101-01-01",
            "x",
        ] {
            assert!(parse_day("d", bad).is_err(), "{bad}");
        }
        assert!(check_instant("at", utc("2100-12-31T23:59:59Z")).is_ok());
        assert!(check_instant("at", utc("1969-12-31T23:59:59Z")).is_err());
    }

    #[test]
    fn timestamps_are_shown_in_utc_with_z() {
        assert_eq!(
            to_rfc3339(utc("2018-03-05T10:12:00+01:00")),
            "2018-03-05T09:12:00Z"
        );
    }
}
