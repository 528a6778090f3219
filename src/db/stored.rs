//! Timestamps and days read back from the database.
//!
//! SQLite keeps them as text, and diesel reads each by trying chrono format strings in turn,
//! parsing the format string itself on every value: for the six timestamps and the day of a
//! ticket, a twentieth of the time of reading one. The text diesel writes for them
//! (`YYYY-MM-DD HH:MM:SS` and `YYYY-MM-DD`) is read here by position; any other text SQLite may
//! hold (fractions of a second, a `T`, a Julian day) goes to diesel's decoding as before.
//! PostgreSQL sends them in binary: diesel decodes them there.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::{Date, Nullable, Timestamp};
use diesel::sqlite::{Sqlite, SqliteType};
use diesel::Connection;

type Backend = <super::DbConn as Connection>::Backend;
type RawValue<'a> = <Backend as diesel::backend::Backend>::RawValue<'a>;

/// A timestamp column, read as [`NaiveDateTime`].
#[derive(FromSqlRow)]
pub struct StoredTime(pub NaiveDateTime);

/// A nullable timestamp column, read as an optional [`NaiveDateTime`].
#[derive(FromSqlRow)]
pub struct StoredMaybeTime(pub Option<NaiveDateTime>);

/// A day column, read as [`NaiveDate`].
#[derive(FromSqlRow)]
pub struct StoredDate(pub NaiveDate);

impl From<StoredTime> for NaiveDateTime {
    fn from(time: StoredTime) -> Self {
        time.0
    }
}

impl From<StoredMaybeTime> for Option<NaiveDateTime> {
    fn from(time: StoredMaybeTime) -> Self {
        time.0
    }
}

impl From<StoredDate> for NaiveDate {
    fn from(day: StoredDate) -> Self {
        day.0
    }
}

/// The number written in ASCII digits at `digits`, if they are all digits.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// `YYYY-MM-DD`.
fn parse_day(text: &[u8]) -> Option<NaiveDate> {
    if text.len() != 10 || text[4] != b'-' || text[7] != b'-' {
        return None;
    }
    let year = i32::try_from(number(&text[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&text[5..7])?, number(&text[8..10])?)
}

/// `YYYY-MM-DD HH:MM:SS`.
fn parse_time(text: &[u8]) -> Option<NaiveDateTime> {
    if text.len() != 19 || text[10] != b' ' || text[13] != b':' || text[16] != b':' {
        return None;
    }
    let time = NaiveTime::from_hms_opt(
        number(&text[11..13])?,
        number(&text[14..16])?,
        number(&text[17..19])?,
    )?;
    Some(parse_day(&text[0..10])?.and_time(time))
}

/// Reads `$sql` into `$stored`: on SQLite its text by `$parse`, any other form by diesel's
/// `$chrono`; on PostgreSQL by diesel; on the two-backend connection by the backend's own.
macro_rules! read_by_position {
    ($stored:ident, $chrono:ty, $sql:ty, $parse:ident) => {
        impl FromSql<$sql, Sqlite> for $stored {
            fn from_sql(
                mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                if value.value_type() == Some(SqliteType::Text) {
                    if let Some(read) = $parse(value.read_text().as_bytes()) {
                        return Ok($stored(read));
                    }
                }
                <$chrono as FromSql<$sql, Sqlite>>::from_sql(value).map($stored)
            }
        }

        impl FromSql<$sql, Pg> for $stored {
            fn from_sql(
                value: <Pg as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                <$chrono as FromSql<$sql, Pg>>::from_sql(value).map($stored)
            }
        }

        impl FromSql<$sql, Backend> for $stored {
            fn from_sql(value: RawValue<'_>) -> deserialize::Result<Self> {
                value.from_sql::<$stored, $sql>()
            }
        }
    };
}

read_by_position!(StoredTime, NaiveDateTime, Timestamp, parse_time);
read_by_position!(StoredDate, NaiveDate, Date, parse_day);

/// A nullable timestamp on each backend: null, or what [`StoredTime`] reads.
impl<DB> FromSql<Nullable<Timestamp>, DB> for StoredMaybeTime
where
    DB: diesel::backend::Backend,
    StoredTime: FromSql<Timestamp, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let time = <StoredTime as FromSql<Timestamp, DB>>::from_sql(value)?;
        Ok(StoredMaybeTime(Some(time.0)))
    }

    fn from_nullable_sql(value: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match value {
            Some(value) => Self::from_sql(value),
            None => Ok(StoredMaybeTime(None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_diesel_writes_is_read_by_position() {
        let at = NaiveDate::from_ymd_opt(2024, 2, 29)
            .unwrap()
            .and_hms_opt(23, 59, 58)
            .unwrap();
        assert_eq!(parse_time(b"2024-02-29 23:59:58"), Some(at));
        assert_eq!(parse_day(b"2024-02-29"), Some(at.date()));
        // The same text as diesel writes it.
        let written = at.format("%F %T%.f").to_string();
        assert_eq!(parse_time(written.as_bytes()), Some(at));
    }

    #[test]
    fn any_other_text_is_left_to_diesel() {
        for text in [
            "2024-02-29T23:59:58",
            "2024-02-29 23:59:58.5",
            "2024-02-29 23:59",
            "2024-02-30 10:00:00",
            "2024-13-01 10:00:00",
            "2024-02-29 24:00:00",
            "2024-02-29 23:60:00",
            "2024-02-29 23:59:60",
            "20a4-02-29 23:59:58",
            "2024-02-29 23:59:5x",
            "+2024-02-29 23:59:5",
            "2460000.5",
            "",
        ] {
            assert_eq!(parse_time(text.as_bytes()), None, "{text}");
        }
        for text in ["2023-02-29", "2024-2-29 ", "2024/02/29", "-024-02-29", ""] {
            assert_eq!(parse_day(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn sqlite_values_in_other_forms_are_read_by_diesel() {
        use diesel::{Connection, RunQueryDsl, SqliteConnection};
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let read = |conn: &mut SqliteConnection, sql: &str| -> NaiveDateTime {
            diesel::select(diesel::dsl::sql::<Timestamp>(sql))
                .get_result::<StoredTime>(conn)
                .unwrap()
                .0
        };
        let at = NaiveDate::from_ymd_opt(2024, 2, 29)
            .unwrap()
            .and_hms_opt(23, 59, 58)
            .unwrap();
        assert_eq!(read(&mut conn, "'2024-02-29 23:59:58'"), at);
        assert_eq!(read(&mut conn, "'2024-02-29T23:59:58'"), at);
        assert_eq!(
            read(&mut conn, "'2024-02-29 23:59:58.250'"),
            at + chrono::Duration::milliseconds(250)
        );
        // A Julian day is a float: diesel's reading of it is within a millisecond.
        let julian = read(&mut conn, "julianday('2024-02-29 23:59:58')");
        assert!((julian - at).num_milliseconds().abs() < 1, "{julian}");
        let day = diesel::select(diesel::dsl::sql::<Date>("'2024-02-29'"))
            .get_result::<StoredDate>(&mut conn)
            .unwrap();
        assert_eq!(day.0, at.date());
        let none = diesel::select(diesel::dsl::sql::<Nullable<Timestamp>>("NULL"))
            .get_result::<StoredMaybeTime>(&mut conn)
            .unwrap();
        assert_eq!(none.0, None);
        let some = diesel::select(diesel::dsl::sql::<Nullable<Timestamp>>(
            "'2024-02-29 23:59:58'",
        ))
        .get_result::<StoredMaybeTime>(&mut conn)
        .unwrap();
        assert_eq!(some.0, Some(at));
    }
}

/// The closed vocabularies of `domain`, stored as their text: written with `as_str`, read
/// back with `parse` (a value the code does not know is an error of the read, not a panic).
macro_rules! stored_as_text {
    ($($name:ty),+ $(,)?) => {$(
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = String::from_sql(bytes)?;
                <$name>::parse(&text).map_err(|e| format!("stored {}: {}", e.field, e.message).into())
            }
        }
    )+};
}

stored_as_text!(
    crate::domain::ticket::Status,
    crate::domain::ticket::TicketType,
    crate::domain::ticket::Origin,
    crate::domain::ticket::Channel,
    crate::domain::user::Role,
    crate::domain::work_log::WorkKind,
    crate::domain::member::MemberKind,
    crate::db::audit::AuditAction,
);

impl<DB> diesel::serialize::ToSql<diesel::sql_types::Integer, DB>
    for crate::domain::ticket::Priority
where
    DB: diesel::backend::Backend,
    i32: diesel::serialize::ToSql<diesel::sql_types::Integer, DB>,
{
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, DB>,
    ) -> diesel::serialize::Result {
        self.as_number().to_sql(out)
    }
}

impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Integer, DB>
    for crate::domain::ticket::Priority
where
    DB: diesel::backend::Backend,
    i32: diesel::deserialize::FromSql<diesel::sql_types::Integer, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
        let number = i32::from_sql(bytes)?;
        crate::domain::ticket::Priority::parse(i64::from(number))
            .map_err(|e| format!("stored {}: {}", e.field, e.message).into())
    }
}
