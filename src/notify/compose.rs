//! The messages' text, French by default, as plain text and HTML.

use crate::domain::ticket::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    French,
    English,
}

pub use crate::domain::mail::Message;

/// What a message says of a ticket.
#[derive(Debug, Clone)]
pub struct TicketFacts<'a> {
    pub id: i64,
    pub title: &'a str,
    pub priority: crate::domain::ticket::Priority,
    pub status: &'a str,
}

impl<'a> From<&'a crate::db::tickets::Ticket> for TicketFacts<'a> {
    fn from(ticket: &'a crate::db::tickets::Ticket) -> Self {
        TicketFacts {
            id: ticket.id,
            title: &ticket.title,
            priority: ticket.priority,
            status: ticket.status.as_str(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Composer {
    language: Language,
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Paragraphs as plain text and as HTML.
fn bodies(paragraphs: &[String]) -> (String, String) {
    let text = paragraphs.join("\n\n") + "\n";
    let html = format!(
        "<!DOCTYPE html><html><body>{}</body></html>",
        paragraphs
            .iter()
            .map(|p| format!("<p>{}</p>", escape_html(p).replace('\n', "<br>")))
            .collect::<String>()
    );
    (text, html)
}

impl Composer {
    pub fn new(language: &str) -> Self {
        Composer {
            language: if language == "en" {
                Language::English
            } else {
                Language::French
            },
        }
    }

    fn message(
        &self,
        kind: &'static str,
        recipient: &str,
        subject: String,
        paragraphs: &[String],
    ) -> Message {
        let (text, html) = bodies(paragraphs);
        Message {
            kind,
            recipient: recipient.to_string(),
            subject,
            text,
            html,
        }
    }

    fn status_word(&self, status: &str) -> String {
        let french = match Status::parse(status) {
            Ok(Status::New) => "nouveau",
            Ok(Status::Assigned) => "attribué",
            Ok(Status::InProgress) => "en cours",
            Ok(Status::Waiting) => "en attente",
            Ok(Status::Resolved) => "résolu",
            Ok(Status::Closed) => "clos",
            Err(_) => status,
        };
        match self.language {
            Language::French => french.to_string(),
            Language::English => status.replace('_', " "),
        }
    }

    /// To the requester, when their ticket is filed.
    pub fn filed(&self, recipient: &str, ticket: &TicketFacts) -> Message {
        let (subject, paragraphs) = match self.language {
            Language::French => (
                format!("[Ticket #{}] Demande enregistrée : {}", ticket.id, ticket.title),
                vec![
                    "Bonjour,".to_string(),
                    format!(
                        "Votre demande « {} » est enregistrée sous le numéro {}. La hotline la prend en charge.",
                        ticket.title, ticket.id
                    ),
                    "Rappelez ce numéro dans vos échanges avec le service.".to_string(),
                ],
            ),
            Language::English => (
                format!("[Ticket #{}] Request received: {}", ticket.id, ticket.title),
                vec![
                    "Hello,".to_string(),
                    format!(
                        "Your request \"{}\" is registered as number {}. The hotline is taking it in charge.",
                        ticket.title, ticket.id
                    ),
                    "Please quote this number when you contact the service.".to_string(),
                ],
            ),
        };
        self.message("ticket_filed", recipient, subject, &paragraphs)
    }

    /// To the requester, when staff answer publicly.
    pub fn answered(
        &self,
        recipient: &str,
        ticket: &TicketFacts,
        author: &str,
        body: &str,
    ) -> Message {
        let (subject, paragraphs) = match self.language {
            Language::French => (
                format!(
                    "[Ticket #{}] Nouvelle réponse : {}",
                    ticket.id, ticket.title
                ),
                vec![
                    "Bonjour,".to_string(),
                    format!(
                        "{author} a répondu à votre demande n° {} « {} » :",
                        ticket.id, ticket.title
                    ),
                    body.to_string(),
                ],
            ),
            Language::English => (
                format!("[Ticket #{}] New answer: {}", ticket.id, ticket.title),
                vec![
                    "Hello,".to_string(),
                    format!(
                        "{author} answered your request number {} \"{}\":",
                        ticket.id, ticket.title
                    ),
                    body.to_string(),
                ],
            ),
        };
        self.message("ticket_answered", recipient, subject, &paragraphs)
    }

    /// To the requester, when the ticket is resolved.
    pub fn resolved(&self, recipient: &str, ticket: &TicketFacts) -> Message {
        let (subject, paragraphs) = match self.language {
            Language::French => (
                format!("[Ticket #{}] Demande résolue : {}", ticket.id, ticket.title),
                vec![
                    "Bonjour,".to_string(),
                    format!(
                        "Votre demande n° {} « {} » est résolue.",
                        ticket.id, ticket.title
                    ),
                    "Si le problème persiste, répondez en rappelant ce numéro.".to_string(),
                ],
            ),
            Language::English => (
                format!("[Ticket #{}] Request resolved: {}", ticket.id, ticket.title),
                vec![
                    "Hello,".to_string(),
                    format!(
                        "Your request number {} \"{}\" is resolved.",
                        ticket.id, ticket.title
                    ),
                    "If the problem persists, answer quoting this number.".to_string(),
                ],
            ),
        };
        self.message("ticket_resolved", recipient, subject, &paragraphs)
    }

    /// To the technician a ticket is assigned to.
    pub fn assigned(&self, recipient: &str, ticket: &TicketFacts, member: &str) -> Message {
        let (subject, paragraphs) = match self.language {
            Language::French => (
                format!("[Ticket #{}] Attribué : {}", ticket.id, ticket.title),
                vec![
                    "Bonjour,".to_string(),
                    format!(
                        "Le ticket n° {} « {} » ({member}, priorité {}, {}) vous est attribué.",
                        ticket.id,
                        ticket.title,
                        ticket.priority,
                        self.status_word(ticket.status)
                    ),
                ],
            ),
            Language::English => (
                format!("[Ticket #{}] Assigned: {}", ticket.id, ticket.title),
                vec![
                    "Hello,".to_string(),
                    format!(
                        "Ticket number {} \"{}\" ({member}, priority {}, {}) is assigned to you.",
                        ticket.id,
                        ticket.title,
                        ticket.priority,
                        self.status_word(ticket.status)
                    ),
                ],
            ),
        };
        self.message("ticket_assigned", recipient, subject, &paragraphs)
    }

    /// To the hotline and managers, when a ticket passes its taken-in-charge target.
    pub fn overdue(
        &self,
        recipient: &str,
        ticket: &TicketFacts,
        member: &str,
        target_minutes: i64,
    ) -> Message {
        let (subject, paragraphs) = match self.language {
            Language::French => (
                format!(
                    "[Ticket #{}] Non pris en charge dans le délai : {}",
                    ticket.id, ticket.title
                ),
                vec![
                    "Bonjour,".to_string(),
                    format!(
                        "Le ticket n° {} « {} » ({member}, priorité {}) n'est pas pris en charge après {target_minutes} minutes ouvrées, son délai cible.",
                        ticket.id, ticket.title, ticket.priority
                    ),
                ],
            ),
            Language::English => (
                format!("[Ticket #{}] Not taken in charge in time: {}", ticket.id, ticket.title),
                vec![
                    "Hello,".to_string(),
                    format!(
                        "Ticket number {} \"{}\" ({member}, priority {}) is not taken in charge after {target_minutes} business minutes, its target.",
                        ticket.id, ticket.title, ticket.priority
                    ),
                ],
            ),
        };
        self.message("ticket_overdue", recipient, subject, &paragraphs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> TicketFacts<'static> {
        TicketFacts {
            id: 42,
            title: "Imprimante <bac 2> & scanner",
            priority: crate::domain::ticket::Priority::ALL[1],
            status: "assigned",
        }
    }

    #[test]
    fn subjects_carry_the_ticket_number_in_french_by_default() {
        let message = Composer::new("fr").filed("a@b.fr", &ticket());
        assert!(message
            .subject
            .starts_with("[Ticket #42] Demande enregistrée"));
        assert!(message.text.contains("numéro 42"));
        assert_eq!(message.recipient, "a@b.fr");
        let english = Composer::new("en").resolved("a@b.fr", &ticket());
        assert!(english.subject.starts_with("[Ticket #42] Request resolved"));
    }

    #[test]
    fn html_bodies_escape_what_people_typed() {
        let message =
            Composer::new("fr").answered("a@b.fr", &ticket(), "Léa", "<script>x</script>");
        assert!(message.html.contains("&lt;script&gt;"));
        assert!(!message.html.contains("<script>"));
        assert!(message.html.contains("&lt;bac 2&gt; &amp; scanner"));
        assert!(message.text.contains("<script>x</script>"));
    }

    #[test]
    fn an_assignment_names_the_member_and_the_status_in_words() {
        let message = Composer::new("fr").assigned("t@b.fr", &ticket(), "Ville d'Arcueil");
        assert!(message.text.contains("Ville d'Arcueil"));
        assert!(message.text.contains("attribué"));
    }
}
