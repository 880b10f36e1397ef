//! Roles and units carried in tokens.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a caller is (docs/access.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Social services: full person and case data of its municipalities.
    Caseworker,
    /// Viadidakt: the labour-market view of persons it has a referral for.
    Coach,
    /// Arbetsförmedlingen: persons with an active consent to AF.
    EmploymentOfficer,
    /// BI tools: indicators only.
    Analyst,
    /// The audit log and its verification.
    Auditor,
    /// Agreements, the indicator catalogue, API clients; no case data.
    Admin,
    /// The citizen e-service portal.
    Eservice,
    /// The case system (Treserva-like).
    CaseSystem,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Caseworker,
        Role::Coach,
        Role::EmploymentOfficer,
        Role::Analyst,
        Role::Auditor,
        Role::Admin,
        Role::Eservice,
        Role::CaseSystem,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::Coach => "coach",
            Role::EmploymentOfficer => "employment_officer",
            Role::Analyst => "analyst",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
            Role::Eservice => "eservice",
            Role::CaseSystem => "case_system",
        }
    }

    /// Roles of people, who sign in through the municipality's identity
    /// provider; the others belong to machine clients.
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            Role::Caseworker | Role::Coach | Role::EmploymentOfficer | Role::Auditor | Role::Admin
        )
    }

    /// The unit a role belongs to when a token does not say.
    pub fn default_unit(self) -> Unit {
        match self {
            Role::Caseworker | Role::Eservice | Role::CaseSystem => Unit::SocialServices,
            Role::Coach => Unit::Viadidakt,
            Role::EmploymentOfficer => Unit::EmploymentService,
            Role::Analyst | Role::Auditor | Role::Admin => Unit::MunicipalityOffice,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
                format!("unknown role '{s}'; one of {}", names.join(", "))
            })
    }
}

impl crate::domain::codes::Code for Role {
    const ALL: &'static [Self] = &Role::ALL;

    fn as_str(self) -> &'static str {
        Role::as_str(self)
    }

    fn parse(text: &str) -> Result<Self, String> {
        text.parse()
    }
}

/// The organisation a caller works for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    SocialServices,
    Viadidakt,
    EmploymentService,
    MunicipalityOffice,
}

impl Unit {
    pub const ALL: [Unit; 4] = [
        Unit::SocialServices,
        Unit::Viadidakt,
        Unit::EmploymentService,
        Unit::MunicipalityOffice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::SocialServices => "social_services",
            Unit::Viadidakt => "viadidakt",
            Unit::EmploymentService => "employment_service",
            Unit::MunicipalityOffice => "municipality_office",
        }
    }
}

impl FromStr for Unit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Unit::ALL
            .into_iter()
        .find(|u| u.as_str() == s)
        .ok_or_else(|| {
            format!(
                "unknown unit '{s}'; one of social_services, viadidakt, employment_service, municipality_office"
            )
        })
    }
}
