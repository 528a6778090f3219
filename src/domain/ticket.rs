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

/// A ticket's priority: 1 (critical) to 4 (low). Stored and shown as its number.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Integer)]
#[serde(transparent)]
pub struct Priority(i32);

impl Priority {
    pub const CRITICAL: Priority = Priority(1);
    /// What a ticket filed without a priority gets.
    pub const NORMAL: Priority = Priority(3);
    pub const LOW: Priority = Priority(4);
    pub const ALL: [Priority; 4] = [Priority(1), Priority(2), Priority(3), Priority(4)];

    pub fn parse(value: i64) -> Result<Priority, FieldError> {
        if (1..=4).contains(&value) {
            Ok(Priority(value as i32))
        } else {
            Err(FieldError::new(
                "priority",
                "must be 1 (critical), 2, 3 or 4 (low)",
            ))
        }
    }

    /// Its number, 1 to 4.
    pub fn number(self) -> i32 {
        self.0
    }

    /// Its number, borrowed (as storage writes it).
    pub fn as_number(&self) -> &i32 {
        &self.0
    }

    /// Its place among the four, 0 to 3.
    pub fn index(self) -> usize {
        (self.0 - 1) as usize
    }
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

pub fn parse_priority(value: i64) -> Result<Priority, FieldError> {
    Priority::parse(value)
}

impl Status {
    /// Tickets someone still has to work on.
    pub const OPEN: [Status; 3] = [Status::Assigned, Status::InProgress, Status::Waiting];
    /// Tickets still to be done: the open ones and those nobody took yet.
    pub const NOT_DONE: [Status; 4] = [
        Status::New,
        Status::Assigned,
        Status::InProgress,
        Status::Waiting,
    ];

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
        assert_eq!(parse_priority(1).unwrap(), Priority::CRITICAL);
    }

    #[test]
    fn unknown_words_are_refused_with_the_field_name() {
        let error = Status::parse("open").unwrap_err();
        assert_eq!(error.field, "status");
        assert!(Origin::parse("hotline").is_ok());
        assert!(Channel::parse("fax").is_err());
    }
}
