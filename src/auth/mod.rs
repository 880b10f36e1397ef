//! Tokens (verify, mint, keys), the `Principal` extractor and the one
//! policy that decides who may do what (docs/access.md).

pub mod audit_key;
pub mod keys;
pub mod policy;
pub mod principal;
pub mod roles;
pub mod secrets;
pub mod token;

pub use keys::Keys;
pub use principal::Principal;
pub use roles::{Role, Unit};
pub use token::{Claims, MintRequest, TokenVerifier};
