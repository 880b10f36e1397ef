//! Consents to share with another authority (OSL 12:2, BR-6b).

use crate::code_enum;

code_enum! {
    /// Who the person consents to share with.
    Recipient {
        Viadidakt = "viadidakt",
        EmploymentService = "employment_service",
    }
}

code_enum! {
    /// How the consent was given.
    ConsentChannel {
        EService = "e_service",
        Paper = "paper",
        Visit = "visit",
        Phone = "phone",
    }
}
