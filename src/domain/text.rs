//! Parsing of free-text inputs.

use super::FieldError;

/// Characters that show nothing: a text of these alone and white space is blank.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
        )
}

/// Whether a text shows nothing at all.
pub fn is_blank(value: &str) -> bool {
    value.chars().all(is_invisible)
}

/// Trims and checks the length in characters (not bytes) of a required text.
pub fn required(field: &str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    let trimmed = value.trim();
    let count = trimmed.chars().count();
    if is_blank(trimmed) {
        return Err(FieldError::new(field, "must not be blank"));
    }
    if count > max_chars {
        return Err(FieldError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(trimmed.to_string())
}

/// An optional text: blank becomes absent.
pub fn optional(field: &str, value: &str, max_chars: usize) -> Result<Option<String>, FieldError> {
    let trimmed = value.trim();
    if is_blank(trimmed) {
        return Ok(None);
    }
    if trimmed.chars().count() > max_chars {
        return Err(FieldError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(Some(trimmed.to_string()))
}

/// A text whose length is bounded but which may be empty (kept as given).
pub fn bounded(field: &str, value: &str, max_chars: usize) -> Result<String, FieldError> {
    if value.chars().count() > max_chars {
        return Err(FieldError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(value.to_string())
}

/// An e-mail address: trimmed, lower-cased, one `@` with something on each side.
pub fn email(field: &str, value: &str) -> Result<String, FieldError> {
    let normalized = value.trim().to_lowercase();
    let valid = normalized.len() <= 254
        && !normalized.chars().any(char::is_whitespace)
        && match normalized.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty() && !domain.is_empty() && !domain.contains('@')
            }
            None => false,
        };
    if valid {
        Ok(normalized)
    } else {
        Err(FieldError::new(field, "must be an e-mail address"))
    }
}

/// A phone number as people write it: digits with spaces, dots, dashes, parentheses, a leading +.
pub fn phone(field: &str, value: &str) -> Result<Option<String>, FieldError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let digits = trimmed.chars().filter(char::is_ascii_digit).count();
    let allowed = trimmed
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || " .-()".contains(c) || (c == '+' && i == 0));
    if allowed && (3..=20).contains(&digits) && trimmed.len() <= 40 {
        Ok(Some(trimmed.to_string()))
    } else {
        Err(FieldError::new(field, "must be a phone number"))
    }
}

/// The text that `q` searches: title, description and the reference a ticket had in the
/// system it was brought from, lower-cased with Unicode rules on both backends (SQLite's own
/// `lower` only folds ASCII).
pub fn search_text(title: &str, description: &str, external_ref: Option<&str>) -> String {
    let mut text = title.to_lowercase();
    text.push('\n');
    text.push_str(&description.to_lowercase());
    if let Some(reference) = external_ref {
        text.push('\n');
        text.push_str(&reference.to_lowercase());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_of_invisible_characters_is_blank() {
        assert!(required("title", "\u{200B}\u{200B} \u{FEFF}", 200).is_err());
        assert_eq!(optional("note", "\u{2060}", 200).unwrap(), None);
        assert_eq!(
            required("title", "\u{200B}Écran", 200).unwrap(),
            "\u{200B}Écran"
        );
    }

    #[test]
    fn required_text_is_trimmed_and_counted_in_characters() {
        assert_eq!(required("title", "  Écran  ", 5).unwrap(), "Écran");
        assert!(required("title", "   ", 5).is_err());
        assert!(required("title", "éééééé", 5).is_err());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(email("email", " A.B@Ville.FR ").unwrap(), "a.b@ville.fr");
        for bad in ["", "no-at", "@x", "x@", "a@b@c", "a b@c"] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_accept_the_usual_french_forms() {
        for good in [
            "01 45 12 34 56",
            "+33 1 45 12 34 56",
            "01.45.12.34.56",
            "(01) 45-12",
        ] {
            assert!(phone("phone", good).unwrap().is_some(), "{good}");
        }
        for bad in ["abc", "12", "01 45 + 12"] {
            assert!(phone("phone", bad).is_err(), "{bad}");
        }
    }
}
