//! Who is calling: passwords, tokens and the extractor that checks them on every request.

pub mod cache;
pub mod extractor;
pub mod login;
pub mod password;
pub mod throttle;
pub mod token;

pub use cache::UserCache;
pub use extractor::AuthUser;
pub use throttle::{LoginLimits, LoginThrottle};
pub use token::JwtKeys;
