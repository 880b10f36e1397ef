//! Plain types and rules: no actix, no diesel.

pub mod access;
pub mod agreement;
pub mod applicant;
pub mod application;
pub mod audit;
pub mod codes;
pub mod consent;
pub mod decision;
pub mod event;
pub mod household;
pub mod indicator;
pub mod legal;
pub mod money;
pub mod month;
pub mod municipality;
pub mod norm;
pub mod obstacle;
pub mod payment;
pub mod personal_number;
pub mod referral;
pub mod retention;
pub mod time;

pub use municipality::Municipality;
pub use personal_number::{PersonalNumber, Sex};

/// One field that broke a rule, named by its JSON path (`address.postal_code`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub name: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            reason: reason.into(),
        }
    }
}
