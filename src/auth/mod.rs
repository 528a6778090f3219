//! Who is calling: passwords, tokens and the extractor that checks them on every request.

pub mod extractor;
pub mod password;
pub mod token;

pub use extractor::AuthUser;
pub use token::JwtKeys;
