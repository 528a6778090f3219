//! Tickets: their closed vocabularies and the status machine.

use super::{text, text_enum, FieldError};

text_enum!(
    /// Where a ticket stands.
    Status, "status" {
        New => "new",
        Assigned => "assigned",
        InProgress => "in_progress",
        Waiting => "waiting",
        Resolved => "resolved",
        Closed => "closed",
    }
);

text_enum!(
    TicketType, "type" {
        Incident => "incident",
        Request => "request",
    }
);

text_enum!(
    /// A hotline ticket, or one logged by a technician posted on a member's site.
    Origin, "origin" {
        Hotline => "hotline",
        Posted => "posted",
    }
);

text_enum!(
    Channel, "channel" {
        Phone => "phone",
        Api => "api",
        Email => "email",
        Web => "web",
    }
);

pub const TITLE_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 20_000;
pub const COMMENT_MAX_CHARS: usize = 20_000;
pub const REQUESTER_NAME_MAX_CHARS: usize = 200;

pub fn parse_title(value: &str) -> Result<String, FieldError> {
    text::required("title", value, TITLE_MAX_CHARS)
}

pub fn parse_description(value: &str) -> Result<String, FieldError> {
    text::bounded("description", value, DESCRIPTION_MAX_CHARS)
}

pub fn parse_comment_body(value: &str) -> Result<String, FieldError> {
    text::required("body", value, COMMENT_MAX_CHARS)
}

/// 1 = critical ... 4 = low.
pub fn parse_priority(value: i64) -> Result<i32, FieldError> {
    if (1..=4).contains(&value) {
        Ok(value as i32)
    } else {
        Err(FieldError::new(
            "priority",
            "must be 1 (critical), 2, 3 or 4 (low)",
        ))
    }
}

impl Status {
    /// Tickets someone still has to work on.
    pub const OPEN: [Status; 3] = [Status::Assigned, Status::InProgress, Status::Waiting];

    /// The moves the status table allows. `assigned` is reached only by assigning.
    pub fn may_move_to(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (New, Assigned | InProgress | Waiting | Resolved)
                | (Assigned, InProgress | Waiting | Resolved)
                | (InProgress, Waiting | Resolved)
                | (Waiting, InProgress | Resolved)
                | (Resolved, Closed | InProgress)
        )
    }

    /// Whether a move to this status counts as taking the ticket in charge.
    pub fn acknowledges(self) -> bool {
        matches!(self, Status::InProgress | Status::Resolved)
    }

    /// Whether a ticket in this status may still be (re)assigned.
    pub fn accepts_assignment(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed)
    }

    /// The status after assigning: a new ticket becomes `assigned`, others keep theirs.
    pub fn after_assignment(self) -> Status {
        if self == Status::New {
            Status::Assigned
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn the_status_table_is_exactly_the_contracts() {
        let allowed = [
            (New, Assigned),
            (New, InProgress),
            (New, Waiting),
            (New, Resolved),
            (Assigned, InProgress),
            (Assigned, Waiting),
            (Assigned, Resolved),
            (InProgress, Waiting),
            (InProgress, Resolved),
            (Waiting, InProgress),
            (Waiting, Resolved),
            (Resolved, Closed),
            (Resolved, InProgress),
        ];
        for &from in Status::ALL {
            for &to in Status::ALL {
                assert_eq!(
                    from.may_move_to(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn closed_is_final() {
        assert!(Status::ALL.iter().all(|&to| !Closed.may_move_to(to)));
    }

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(parse_title("  Imprimante  ").unwrap(), "Imprimante");
        assert!(parse_title(" ").is_err());
        assert!(parse_title(&"x".repeat(201)).is_err());
        assert!(parse_title(&"é".repeat(200)).is_ok());
    }

    #[test]
    fn priorities_run_from_one_to_four() {
        assert!(parse_priority(0).is_err());
        assert!(parse_priority(5).is_err());
        assert_eq!(parse_priority(1).unwrap(), 1);
    }

    #[test]
    fn unknown_words_are_refused_with_the_field_name() {
        let error = Status::parse("open").unwrap_err();
        assert_eq!(error.field, "status");
        assert!(Origin::parse("hotline").is_ok());
        assert!(Channel::parse("fax").is_err());
    }
}
