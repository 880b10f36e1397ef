//! Municipality codes (SCB *kommunkod*).

use std::fmt;

/// A four-digit SCB municipality code such as `0483` (Katrineholm).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Municipality(String);

impl Municipality {
    /// Parses a code: exactly four ASCII digits.
    pub fn parse(code: &str) -> Option<Self> {
        (code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit())).then(|| Self(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Municipality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_four_digits() {
        assert!(Municipality::parse("0483").is_some());
        assert!(Municipality::parse("483").is_none());
        assert!(Municipality::parse("04830").is_none());
        assert!(Municipality::parse("04a3").is_none());
    }
}
