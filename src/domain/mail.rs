//! A mail to send, as the outbox keeps it until it is sent.

/// A message to queue: who, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The domain of addresses that exist only to name someone who has none (RFC 2606): people
/// brought from another system without an e-mail get one, and nothing is ever sent there.
pub const NO_ADDRESS_DOMAIN: &str = ".invalid";

/// Whether mail can go to an address: not to one of the `.invalid` domain.
pub fn deliverable(address: &str) -> bool {
    !address
        .trim_end_matches('>')
        .to_ascii_lowercase()
        .ends_with(NO_ADDRESS_DOMAIN)
}

impl Message {
    /// Whether it can go anywhere.
    pub fn deliverable(&self) -> bool {
        deliverable(&self.recipient)
    }
}
