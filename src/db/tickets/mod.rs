//! Tickets, their history and their idempotency keys.

mod changes;
mod filing;
mod import;
mod rows;
mod search;

pub use changes::*;
pub use filing::*;
pub use import::*;
pub use rows::*;
pub use search::*;
