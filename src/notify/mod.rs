//! Mail: messages are written to the outbox in the transaction of the change that causes
//! them, and a worker delivers them over SMTP with retries.

pub mod compose;
pub mod worker;

pub use compose::{Composer, Message};
