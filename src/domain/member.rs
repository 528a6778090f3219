//! Members of the cooperative: cities, housing offices, syndicates...

use chrono::NaiveDate;

use super::{text_enum, FieldError};

text_enum!(
    /// What sort of public body a member is.
    MemberKind, "kind" {
        City => "city",
        HousingOffice => "housing_office",
        Territory => "territory",
        Syndicate => "syndicate",
        PublicBody => "public_body",
        School => "school",
        Internal => "internal",
    }
);

/// A member's stable code: an upper-case slug such as `OPH-VILLEJUIF`.
pub fn parse_code(value: &str) -> Result<String, FieldError> {
    let code = value.trim().to_uppercase();
    let valid = !code.is_empty()
        && code.len() <= 40
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && code
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if valid {
        Ok(code)
    } else {
        Err(FieldError::new(
            "code",
            "must be 1 to 40 characters among A-Z, 0-9, '-' and '_', starting with a letter or digit",
        ))
    }
}

/// The dates a member was part of the cooperative; both ends are days of membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
}

impl Membership {
    pub fn parse(
        joined_on: Option<NaiveDate>,
        left_on: Option<NaiveDate>,
    ) -> Result<Self, FieldError> {
        if let Some(day) = joined_on {
            super::time::check_day("joined_on", day)?;
        }
        if let Some(day) = left_on {
            super::time::check_day("left_on", day)?;
        }
        if let (Some(joined), Some(left)) = (joined_on, left_on) {
            if left < joined {
                return Err(FieldError::new("left_on", "must not be before joined_on"));
            }
        }
        Ok(Self { joined_on, left_on })
    }

    /// Whether the member was a member on that day.
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.joined_on.is_none_or(|joined| joined <= day)
            && self.left_on.is_none_or(|left| day <= left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn codes_are_upper_case_slugs() {
        assert_eq!(parse_code(" oph-villejuif ").unwrap(), "OPH-VILLEJUIF");
        for bad in ["", "OPH D'IVRY", "-X", "ÉCOLE", &"X".repeat(41)] {
            assert!(parse_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn membership_includes_both_ends() {
        let m = Membership::parse(Some(day("2018-03-01")), Some(day("2018-06-30"))).unwrap();
        assert!(!m.covers(day("2018-02-28")));
        assert!(m.covers(day("2018-03-01")));
        assert!(m.covers(day("2018-06-30")));
        assert!(!m.covers(day("2018-07-01")));
        assert!(Membership::parse(None, None)
            .unwrap()
            .covers(day("1990-01-01")));
    }

    #[test]
    fn leaving_before_joining_is_refused() {
        assert!(Membership::parse(Some(day("2018-03-01")), Some(day("2018-02-01"))).is_err());
    }
}
