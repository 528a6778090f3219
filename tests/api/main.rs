//! The service from outside, as its clients see it: one test binary (built and linked once),
//! one module per area, one harness (`common`) that starts the real service over a fresh
//! database (a temporary SQLite file, or a new PostgreSQL database when `TEST_DATABASE_URL`
//! names a server) and talks to it over HTTP.

mod common;

mod access;
mod console;
mod faults;
mod glpi;
mod mail;
mod privacy;
mod reports;
mod resources;
mod security;
mod service_levels;
mod smoke;
mod stats;
mod tickets;
mod work;
