//! Keeping personal numbers out of what is shown or logged.

/// Replaces every run that could be a personal number (ten or more digits,
/// with `-`, `+` or spaces among them) by `***`, so that text from outside
/// (a parser's message, a database error) can be shown or logged without
/// carrying one. Shorter numbers, such as the example month `2026-11` in a
/// message, are kept.
pub fn redact_digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            let mut digits = 0;
            while i < chars.len()
                && (chars[i].is_ascii_digit() || matches!(chars[i], '-' | '+' | ' '))
            {
                if chars[i].is_ascii_digit() {
                    digits += 1;
                }
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            if digits >= 10 {
                out.push_str("***");
                // keep a trailing separator that belonged to the sentence
                if run.ends_with(' ') {
                    out.push(' ');
                }
            } else {
                out.push_str(&run);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_long_digit_runs_and_keeps_short_ones() {
        assert_eq!(
            redact_digits("invalid value: \"19121212-1212\" at line 1 column 30"),
            "invalid value: \"***\" at line 1 column 30"
        );
        assert_eq!(redact_digits("1912 1212 1212 end"), "*** end");
        assert_eq!(redact_digits("line 12"), "line 12");
        assert_eq!(redact_digits("such as 2026-11"), "such as 2026-11");
        assert_eq!(redact_digits("121212-1212"), "***");
    }
}
