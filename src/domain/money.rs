//! Money: SEK as `Decimal` with at most two decimals, öre as `i64` in storage.

use rust_decimal::Decimal;

/// The contract's pattern for an amount: at most 7 digits before the point
/// (below 10 million SEK) and at most 2 after it.
pub const SEK_PATTERN: &str = r"^[0-9]{1,7}(\.[0-9]{1,2})?$";

/// [`SEK_PATTERN`] with an optional leading minus.
pub const SIGNED_SEK_PATTERN: &str = r"^-?[0-9]{1,7}(\.[0-9]{1,2})?$";

/// Parses an amount written as a JSON string such as `"8450.00"`: digits,
/// optionally a point and one or two decimals; a leading `-` only when
/// `allow_negative`.
pub fn parse_sek(text: &str, allow_negative: bool) -> Result<Decimal, String> {
    let format =
        "must be an amount in SEK as a string with at most 2 decimals, such as \"8450.00\"";
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits_ok = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(unsigned.contains('.') && fraction.is_empty());
    if !digits_ok {
        return Err(format.into());
    }
    if fraction.len() > 2 {
        return Err("must have at most 2 decimals (whole öre)".into());
    }
    if whole.len() > 7 {
        return Err("must have at most 7 digits before the point (below 10 million SEK)".into());
    }
    if text.starts_with('-') && !allow_negative {
        return Err("must not be negative".into());
    }
    text.parse().map_err(|_| format.to_owned())
}

/// SEK to öre. The amount has at most two decimals and is bounded, so it fits.
pub fn to_ore(sek: Decimal) -> i64 {
    let ore = (sek * Decimal::from(100)).trunc();
    i64::try_from(ore).unwrap_or(i64::MAX)
}

/// Öre to SEK, always with two decimals.
pub fn from_ore(ore: i64) -> Decimal {
    Decimal::new(ore, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_at_most_two_decimals_and_no_sign_unless_allowed() {
        assert_eq!(to_ore(parse_sek("8450.00", false).unwrap()), 845_000);
        assert_eq!(to_ore(parse_sek("12.5", false).unwrap()), 1_250);
        assert_eq!(to_ore(parse_sek("-100", true).unwrap()), -10_000);
        for bad in [
            "12.345", "-1", "1e3", "", ".5", "5.", "1,50", " 1", "NaN", "99999999",
        ] {
            assert!(parse_sek(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn ore_come_back_with_two_decimals() {
        assert_eq!(from_ore(845_000).to_string(), "8450.00");
        assert_eq!(from_ore(-5).to_string(), "-0.05");
    }
}
