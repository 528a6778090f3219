//! Who is calling: passwords, tokens and the extractor that checks them on every request.

pub mod extractor;
pub mod password;
pub mod throttle;
pub mod token;

pub use extractor::AuthUser;
pub use throttle::{LoginLimits, LoginThrottle};
pub use token::JwtKeys;
