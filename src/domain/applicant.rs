//! The applicant (*sökande*): the person an application is about.

use super::{FieldError, PersonalNumber};

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Address {
    /// Street and number.
    #[schema(example = "Storgatan 1")]
    pub street: String,
    /// Five digits.
    #[schema(example = "64130")]
    pub postal_code: String,
    #[schema(example = "Katrineholm")]
    pub city: String,
}

/// A new applicant whose every field has passed the rules.
#[derive(Debug, Clone)]
pub struct NewApplicant {
    pub personal_number: PersonalNumber,
    pub first_name: String,
    pub last_name: String,
    pub protected_identity: bool,
    pub address: Option<Address>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// Changes to an applicant: `None` leaves a field as it is; for the optional
/// contact fields `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ApplicantChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub protected_identity: Option<bool>,
    pub address: Option<Option<Address>>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
}

impl ApplicantChanges {
    /// Whether the address, phone or e-mail changes.
    pub fn touches_contact(&self) -> bool {
        self.address.is_some() || self.phone.is_some() || self.email.is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.first_name.is_none()
            && self.last_name.is_none()
            && self.protected_identity.is_none()
            && self.address.is_none()
            && self.phone.is_none()
            && self.email.is_none()
    }
}

/// Collects field errors while a request is turned into domain values, so
/// that one answer names every bad field.
#[derive(Debug, Default)]
pub struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    /// Keeps `Ok` values and records `Err` ones under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(reason) => {
                self.errors.push(FieldError::new(field, reason));
                None
            }
        }
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// The contract's pattern for one line of text: no control characters and
/// at least one character that is not white space. [`name`] and [`text`]
/// implement exactly this, bounded by the field's `maxLength`.
pub const LINE_PATTERN: &str =
    r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\x9F\s][^\x00-\x1F\x7F-\x9F]*$";

/// One line of text of at most `max` characters as sent (the contract's
/// `maxLength`), no control characters and not blank; kept trimmed.
pub fn line(value: &str, max: usize) -> Result<String, String> {
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    Ok(trimmed.to_owned())
}

/// The contract's pattern for free text of several lines: like
/// [`LINE_PATTERN`], but tabs and line breaks are allowed.
pub const TEXT_PATTERN: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\x9F\s][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$";

/// Free text of at most `max` characters as sent: tabs and line breaks
/// allowed, other control characters not, not blank; kept trimmed.
pub fn note(value: &str, max: usize) -> Result<String, String> {
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err("must not contain control characters other than tabs and line breaks".into());
    }
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    Ok(trimmed.to_owned())
}

/// A first or last name: a [`line`] of at most 100 characters.
pub fn name(value: &str) -> Result<String, String> {
    line(value, 100)
}

/// Whether names given for a person are the names the register holds:
/// compared without regard to case, surrounding space or repeated spaces, so
/// `anna  maria` is `Anna Maria` but `Anna` is not `Anna Maria`.
pub fn same_name(registered: &str, given: &str) -> bool {
    let fold = |s: &str| {
        s.split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" ")
    };
    fold(registered) == fold(given)
}

/// Free text such as a street or a city: a [`line`] of at most 200 characters.
pub fn text(value: &str) -> Result<String, String> {
    line(value, 200)
}

/// The contract's pattern for a postal code.
pub const POSTAL_CODE_PATTERN: &str = r"^[0-9]{3} ?[0-9]{2}$";

/// A Swedish postal code, five digits with an optional space after the
/// third (`641 30`), kept as five digits.
pub fn postal_code(value: &str) -> Result<String, String> {
    let digits: String = value.chars().filter(|c| *c != ' ').collect();
    let shape = match value.len() {
        5 => true,
        6 => value.as_bytes()[3] == b' ',
        _ => false,
    };
    if shape && digits.len() == 5 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err("must be five digits, as in '641 30'".into())
    }
}

/// The contract's pattern for a phone number.
pub const PHONE_PATTERN: &str = r"^\+?[ -]*(?:[0-9][ -]*){6,20}$";

/// A phone number: an optional leading `+`, then 6–20 digits with spaces or
/// dashes between them; at most 40 characters.
pub fn phone(value: &str) -> Result<String, String> {
    let body = value.strip_prefix('+').unwrap_or(value);
    let ok_chars = body
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
    let digits = body.chars().filter(char::is_ascii_digit).count();
    if ok_chars && (6..=20).contains(&digits) && value.len() <= 40 {
        Ok(value.trim().to_owned())
    } else {
        Err(
            "must be a phone number: 6-20 digits with spaces or '-', optionally starting with '+'"
                .into(),
        )
    }
}

/// The contract's pattern for an e-mail address.
pub const EMAIL_PATTERN: &str =
    r"^[^\s@\x00-\x1F\x7F-\x9F]+@[^\s@.\x00-\x1F\x7F-\x9F]+(\.[^\s@.\x00-\x1F\x7F-\x9F]+)+$";

/// An e-mail address: one `@` with text on both sides and a dot in the
/// domain, at most 254 characters.
pub fn email(value: &str) -> Result<String, String> {
    let valid = value.chars().count() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        });
    if valid {
        Ok(value.to_owned())
    } else {
        Err("must be an e-mail address such as 'namn@example.se'".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postal_code_is_five_digits_with_an_optional_space() {
        assert_eq!(postal_code("641 30").unwrap(), "64130");
        assert_eq!(postal_code("64130").unwrap(), "64130");
        assert!(postal_code("6413").is_err());
        assert!(postal_code("64 1 30").is_err());
        assert!(postal_code("64 130").is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  Tolvan ").unwrap(), "Tolvan");
        assert!(name("   ").is_err());
        assert!(name(&"a".repeat(101)).is_err());
        assert!(
            name(&format!(" {} ", "a".repeat(99))).is_err(),
            "bounded as sent"
        );
        assert!(name("Tol\u{7}van").is_err());
    }

    #[test]
    fn email_and_phone_have_plain_shapes() {
        assert!(email("a@b.se").is_ok());
        assert!(email("a@b").is_err());
        assert!(email("a b@c.se").is_err());
        assert!(phone("+46 150-123 45").is_ok());
        assert!(phone("call me").is_err());
    }
}
