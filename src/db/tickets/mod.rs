//! Tickets, their history and their idempotency keys.

mod idempotency;
mod rows;
pub(in crate::db) mod search;
mod workload;

pub use idempotency::*;
pub use rows::*;
pub use search::*;
pub use workload::*;
