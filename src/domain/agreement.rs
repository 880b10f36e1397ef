//! The local cooperation agreement (*lokal överenskommelse om samverkan*)
//! between social services, Viadidakt and the Employment Service, and the
//! meetings held under it (BR-10).

use chrono::NaiveDate;

use crate::code_enum;

code_enum! {
    /// A party to the agreement, and a unit present at a meeting.
    Party {
        /// Social services' economic assistance.
        SocialServices = "social_services",
        /// Viadidakt Arbetsmarknad.
        Viadidakt = "viadidakt",
        /// The Employment Service (*Arbetsförmedlingen*).
        EmploymentService = "employment_service",
    }
}

code_enum! {
    /// What a cooperation meeting is for.
    MeetingKind {
        /// The weekly meeting about the persons the parties work with.
        Operational = "operational",
        /// The meeting about how the cooperation works.
        Strategic = "strategic",
    }
}

/// Whether an agreement valid from `from` to `to` (inclusive; an open end
/// is until further notice) is in force on `day`.
pub fn in_force(from: NaiveDate, to: Option<NaiveDate>, day: NaiveDate) -> bool {
    from <= day && to.is_none_or(|to| day <= to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agreement_is_in_force_within_its_days() {
        let d = |t: &str| t.parse::<NaiveDate>().unwrap();
        assert!(in_force(d("2018-12-01"), None, d("2030-01-01")));
        assert!(in_force(
            d("2018-12-01"),
            Some(d("2019-12-31")),
            d("2019-12-31")
        ));
        assert!(!in_force(
            d("2018-12-01"),
            Some(d("2019-12-31")),
            d("2020-01-01")
        ));
        assert!(!in_force(d("2018-12-01"), None, d("2018-11-30")));
    }
}
