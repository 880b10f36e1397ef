//! Volume indicators (*volymmått*): the catalogue, the periods they are
//! asked for by, what each person contributes to them, and which cells a
//! caller may not see (suppression).

pub mod catalogue;
pub mod contribution;
pub mod period;
pub mod suppression;
pub mod table;

pub use catalogue::{Aggregation, Indicator, IndicatorSource, Unit};
pub use period::Period;

crate::code_enum! {
    /// A cell's sex: women (`K`), men (`M`) or everyone (`T`), as Kolada
    /// writes them. Persons are counted by their legal sex (BR-1).
    #[derive(PartialOrd, Ord)]
    Gender {
        /// *kvinnor*
        K = "K",
        /// *män*
        M = "M",
        /// *totalt*
        T = "T",
    }
}

impl From<crate::domain::Sex> for Gender {
    fn from(sex: crate::domain::Sex) -> Self {
        match sex {
            crate::domain::Sex::K => Gender::K,
            crate::domain::Sex::M => Gender::M,
        }
    }
}

/// What a stored cell holds of an indicator's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// The count, sum or numerator (`n`).
    N,
    /// The denominator of a share (`d`).
    D,
    /// The number of persons behind a sum of money (`c`).
    C,
    /// Observations of this many days, for a median (`h<days>`).
    Days(u16),
}

/// Days above this are counted as this many in a median's observations.
pub const MAX_DAYS: u16 = 999;

impl Part {
    pub fn as_string(self) -> String {
        match self {
            Part::N => "n".into(),
            Part::D => "d".into(),
            Part::C => "c".into(),
            Part::Days(d) => format!("h{d}"),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "n" => Some(Part::N),
            "d" => Some(Part::D),
            "c" => Some(Part::C),
            _ => text
                .strip_prefix('h')
                .and_then(|d| d.parse().ok())
                .filter(|d| *d <= MAX_DAYS)
                .map(Part::Days),
        }
    }
}
