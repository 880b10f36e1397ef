//! Closed lists of codes that travel as strings, spelled the same way in the
//! code, on the wire and in the contract.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A closed list of codes declared with [`code_enum!`](crate::code_enum).
pub trait Code: Sized + Copy + PartialEq + std::fmt::Debug + 'static {
    /// Every code, in declaration order.
    const ALL: &'static [Self];
    /// The wire name.
    fn as_str(self) -> &'static str;
    /// Parses a wire name; the error lists the allowed ones.
    fn parse(text: &str) -> Result<Self, String>;
}

/// Declares an enum of codes with its wire names, `ALL`, `as_str` and a
/// `parse` whose error lists the allowed values.
///
/// The wire names are matched as token trees, not `literal` fragments: a
/// `literal` fragment reaches the serde and schema derives wrapped in an
/// invisible group, which serde reads but utoipa does not, so the contract
/// showed the Rust variant names instead of the wire names.
#[macro_export]
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        $(#[$meta])*
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses a wire name; the error lists the allowed ones.
            pub fn parse(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!("must be one of: {}", [$($text),+].join(", "))),
                }
            }
        }

        impl $crate::domain::codes::Code for $name {
            const ALL: &'static [Self] = $name::ALL;

            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }

            fn parse(text: &str) -> Result<Self, String> {
                $name::parse(text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                $name::parse(text)
            }
        }
    };
}

/// One code list as the contract shows it, and the proof that the code
/// accepts and emits exactly those names.
#[derive(Debug, Clone)]
pub struct CodeList {
    /// The schema's name in the contract.
    pub schema: String,
    /// The wire names, in declaration order.
    pub values: Vec<&'static str>,
    /// Where serde or `parse` disagree with `as_str`, one line each.
    pub disagreements: Vec<String>,
}

impl CodeList {
    /// Describes `T` and checks every code through serde and `parse`.
    pub fn of<T>() -> Self
    where
        T: Code + Serialize + DeserializeOwned + utoipa::ToSchema,
    {
        let mut disagreements = Vec::new();
        for &code in T::ALL {
            let name = code.as_str();
            match serde_json::to_value(code) {
                Ok(serde_json::Value::String(s)) if s == name => {}
                other => {
                    disagreements.push(format!("{code:?} serialises as {other:?}, not {name}"))
                }
            }
            match serde_json::from_value::<T>(serde_json::Value::String(name.to_owned())) {
                Ok(back) if back == code => {}
                other => disagreements.push(format!("{name} deserialises as {other:?}")),
            }
            if T::parse(name) != Ok(code) {
                disagreements.push(format!("{name} does not parse back to {code:?}"));
            }
        }
        Self {
            schema: T::name().into_owned(),
            values: T::ALL.iter().map(|c| c.as_str()).collect(),
            disagreements,
        }
    }
}
