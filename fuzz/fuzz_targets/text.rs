//! Free-text fields: e-mail, phone, member code, ticket title and the generic length checks.
#![no_main]

use helpdesk::domain::{member, text, ticket};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Ok(email) = text::email("email", input) {
        // Normalised: parsing it again changes nothing.
        assert_eq!(text::email("email", &email).as_ref(), Ok(&email));
        assert_eq!(email, email.trim().to_lowercase());
        assert_eq!(email.matches('@').count(), 1);
    }
    if let Ok(Some(phone)) = text::phone("phone", input) {
        assert_eq!(text::phone("phone", &phone), Ok(Some(phone.clone())));
        assert!(phone.len() <= 40);
    }
    if let Ok(code) = member::parse_code(input) {
        assert!(!code.is_empty() && code.len() <= 40);
        assert!(code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_'));
        assert_eq!(member::parse_code(&code).as_ref(), Ok(&code));
    }
    if let Ok(title) = ticket::parse_title(input) {
        let chars = title.chars().count();
        assert!((1..=200).contains(&chars));
        assert_eq!(title, title.trim());
    }
    if let Ok(Some(kept)) = text::optional("field", input, 50) {
        assert!(!kept.is_empty() && kept.chars().count() <= 50);
    }
    let _ = text::required("field", input, 10);
    let _ = text::bounded("field", input, 10);
    let _ = text::search_text(input, input);
});
