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
