//! Who is calling: what a verified token says.

use super::Role;
use super::Unit;
use crate::domain::Municipality;

/// The verified caller of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// `sub`: a person's id at the identity provider, or a client id.
    pub subject: String,
    pub role: Role,
    pub unit: Unit,
    pub municipalities: Vec<Municipality>,
    /// Set when the token was issued to a registered API client.
    pub client_id: Option<String>,
}

impl Principal {
    /// Who the caller is, as idempotency keys and rate limits count it: an
    /// API client by its id, anyone else by `sub`, the two kinds apart so a
    /// user whose `sub` equals a client's id is never taken for the client.
    pub fn owner(&self) -> String {
        match &self.client_id {
            Some(client) => format!("client:{client}"),
            None => format!("user:{}", self.subject),
        }
    }

    /// The codes of the municipalities the caller serves.
    pub fn municipality_codes(&self) -> Vec<String> {
        self.municipalities
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect()
    }

    pub fn serves(&self, municipality: &Municipality) -> bool {
        self.municipalities.contains(municipality)
    }
}
