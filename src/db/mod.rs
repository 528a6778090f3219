//! Database access: the pool, the connection over both backends, and one module of queries per table.

pub mod aggregates;
pub mod audit;
mod backends;
mod bulk;
pub mod categories;
pub mod comments;
mod connections;
pub mod counts;
pub mod members;
pub mod outbox;
pub mod postgres;
pub mod privacy;
pub mod satisfactions;
pub mod schema;
pub mod service_levels;
pub mod sessions;
mod sqlite;
pub mod stored;
pub mod tickets;
mod transactions;
mod turns;
pub mod users;
pub mod work_logs;

pub use backends::*;
pub use bulk::*;
pub use connections::*;
pub use transactions::*;
