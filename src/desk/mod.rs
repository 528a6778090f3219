//! The use cases, between the fronts (the JSON API, and the console and the GLPI import to
//! come) and storage: each opens its transaction through `db`, applies the rules of `domain`
//! and writes. A front parses what it was sent, calls one use case and shapes the answer.

pub mod tickets;
