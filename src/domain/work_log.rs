//! Work logs: days of work by kind, stored as minutes.

use super::{text_enum, FieldError};

text_enum!(
    /// What sort of work a day was.
    WorkKind, "kind" {
        Posted => "posted",
        OnSite => "on_site",
        HotlineDuty => "hotline_duty",
        Project => "project",
    }
);

impl WorkKind {
    /// Hotline duty is shared among members later; every other kind is for one member.
    pub fn needs_member(self) -> bool {
        self != WorkKind::HotlineDuty
    }
}

/// The most a single log may hold: a whole month of full days.
pub const MAX_MINUTES: i64 = 1440 * 31;

/// The duration of a log from exactly one of `days` (quarter days) or `minutes`.
pub fn parse_duration(
    days: Option<f64>,
    minutes: Option<i64>,
    workday_minutes: u32,
) -> Result<i32, FieldError> {
    match (days, minutes) {
        (Some(_), Some(_)) => Err(FieldError::new(
            "days",
            "give either days or minutes, not both",
        )),
        (None, None) => Err(FieldError::new("minutes", "give either days or minutes")),
        (None, Some(minutes)) => {
            if (1..=MAX_MINUTES).contains(&minutes) {
                Ok(minutes as i32)
            } else {
                Err(FieldError::new(
                    "minutes",
                    format!("must be between 1 and {MAX_MINUTES}"),
                ))
            }
        }
        (Some(days), None) => {
            let quarters = days * 4.0;
            // Less than one whole quarter (1e-10 is within the tolerance of 0) is no duration.
            if !days.is_finite()
                || quarters.round() < 1.0
                || (quarters - quarters.round()).abs() > 1e-9
            {
                return Err(FieldError::new(
                    "days",
                    "must be a positive multiple of 0.25",
                ));
            }
            match days_to_minutes(quarters.round() as i64, workday_minutes) {
                Some(minutes) if (1..=MAX_MINUTES).contains(&minutes) => Ok(minutes as i32),
                _ => Err(FieldError::new(
                    "days",
                    format!("must come to 1 to {MAX_MINUTES} minutes"),
                )),
            }
        }
    }
}

/// Quarter days to minutes, rounded to the nearest minute when a quarter is not whole; `None`
/// past what an i64 holds (a huge `days` must be refused, not wrapped around).
fn days_to_minutes(quarters: i64, workday_minutes: u32) -> Option<i64> {
    let quarter_minutes = quarters.checked_mul(i64::from(workday_minutes))?;
    Some(quarter_minutes.checked_add(2)? / 4)
}

/// Minutes as days with two decimals, rounded half away from zero.
pub fn minutes_to_days(minutes: i64, workday_minutes: u32) -> f64 {
    let workday = i64::from(workday_minutes);
    let hundredths = (minutes * 100 * 2 + workday).div_euclid(2 * workday);
    hundredths as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_days_become_minutes_of_the_configured_workday() {
        assert_eq!(parse_duration(Some(0.5), None, 420).unwrap(), 210);
        assert_eq!(parse_duration(Some(1.0), None, 420).unwrap(), 420);
        assert_eq!(parse_duration(Some(0.25), None, 420).unwrap(), 105);
        assert_eq!(parse_duration(Some(2.75), None, 480).unwrap(), 1320);
    }

    #[test]
    fn days_must_be_positive_quarters() {
        for bad in [0.0, -1.0, 0.3, 0.1, f64::NAN] {
            assert!(parse_duration(Some(bad), None, 420).is_err(), "{bad}");
        }
    }

    #[test]
    fn exactly_one_of_days_and_minutes() {
        assert!(parse_duration(Some(1.0), Some(420), 420).is_err());
        assert!(parse_duration(None, None, 420).is_err());
    }

    #[test]
    fn huge_days_are_refused_not_wrapped_around() {
        // Found by Schemathesis (days: 1.29e306 dropped the connection): the quarters saturate
        // to i64::MAX and the multiplication overflowed.
        for huge in [1.2964118827044889e306, 1e19, 2.305843009213694e18, f64::MAX] {
            assert!(parse_duration(Some(huge), None, 420).is_err(), "{huge}");
        }
        assert!(parse_duration(Some(1e6), None, 420).is_err());
        assert_eq!(parse_duration(Some(106.25), None, 420), Ok(44625));
    }

    #[test]
    fn less_than_a_quarter_day_is_no_duration() {
        // Found by cargo fuzz: 6.6e-316 days rounded to 0 quarters within the tolerance and
        // was stored as a work log of 0 minutes.
        for tiny in [6.63123685e-316, 1e-10, 4e-10, f64::MIN_POSITIVE] {
            assert!(parse_duration(Some(tiny), None, 420).is_err(), "{tiny}");
        }
        // A quarter of a one-minute workday is no whole minute either.
        assert!(parse_duration(Some(0.25), None, 1).is_err());
        assert_eq!(parse_duration(Some(1.0), None, 1), Ok(1));
    }

    #[test]
    fn minutes_are_bounded() {
        assert!(parse_duration(None, Some(0), 420).is_err());
        assert!(parse_duration(None, Some(1), 420).is_ok());
        assert!(parse_duration(None, Some(MAX_MINUTES), 420).is_ok());
        assert!(parse_duration(None, Some(MAX_MINUTES + 1), 420).is_err());
    }

    #[test]
    fn minutes_read_back_as_days_with_two_decimals() {
        assert_eq!(minutes_to_days(210, 420), 0.5);
        assert_eq!(minutes_to_days(100, 420), 0.24);
        assert_eq!(minutes_to_days(1, 420), 0.0);
        assert_eq!(minutes_to_days(147_000, 420), 350.0);
    }

    #[test]
    fn only_hotline_duty_goes_without_a_member() {
        assert!(!WorkKind::HotlineDuty.needs_member());
        assert!(WorkKind::ALL
            .iter()
            .filter(|k| **k != WorkKind::HotlineDuty)
            .all(|k| k.needs_member()));
    }
}
