//! Demo data: the members, staff, categories, tickets and work logs of three years (2016 to
//! 2018) of the workstation team, shaped after the figures of the activity reports, so that
//! the statistics can be tried on realistic numbers.
//!
//! Everything is drawn from a small seeded generator: every run writes the same data.

mod accounts;
mod directory;
mod figures;
mod plan;
mod records;
mod rng;
#[cfg(test)]
mod tests;

pub use accounts::DEMO_USERS;
pub use records::*;
