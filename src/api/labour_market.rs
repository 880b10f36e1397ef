//! A person as Viadidakt and AF see them, each in a schema of its own:
//! `GET /api/v1/{municipality}/applicants/{id}/labour-market-view`.
//!
//! A coach sees the coach's view while the person has a referral to
//! Viadidakt that gives sight and a consent to Viadidakt; an AF officer
//! sees AF's view while the person has a consent to AF (BR-6b). Neither
//! holds a personal number, incomes, expenses, assistance amounts,
//! household details or the application's free text.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::applicants::model::Applicant;
use super::context::Caller;
use super::employment_status::EmploymentServiceStatus;
use super::params::ResourcePath;
use super::parse_id;
use super::referrals::view::Referral;
use super::referrals::work_of;
use super::tx::Tx;
use crate::auth::Role;
use crate::auth::policy::{self, Operation, ReferralFacts};
use crate::db::referrals::{self as referrals_repo, ListFilter};
use crate::db::{applications, stored};
use crate::domain::applicant::Address;
use crate::domain::application::StatedReason;
use crate::error::AppError;

crate::code_enum! {
    /// Names the coach's view.
    CoachViewName {
        Coach = "coach",
    }
}

crate::code_enum! {
    /// Names AF's view.
    EmploymentServiceViewName {
        EmploymentService = "employment_service",
    }
}

/// A person as a coach at Viadidakt sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoachView {
    /// Always `coach`.
    pub view: CoachViewName,
    pub applicant_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    /// When true, address, phone and e-mail are `null`.
    pub protected_identity: bool,
    #[schema(required = true)]
    pub address: Option<Address>,
    #[schema(required = true)]
    pub phone: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
    /// What AF has reported.
    pub employment_service_status: EmploymentServiceStatus,
    /// The person's work capacity as the latest decision assessed it, 0–100.
    #[schema(required = true)]
    pub work_capacity_percent: Option<i32>,
    /// Why the person's latest application said they need support (their
    /// own statement).
    pub stated_reasons: Vec<StatedReason>,
    /// The referrals to Viadidakt the coach sees, with their first
    /// meetings, plans and interventions.
    pub referrals: Vec<Referral>,
}

/// A person as an officer of the Employment Service sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmploymentServiceView {
    /// Always `employment_service`.
    pub view: EmploymentServiceViewName,
    pub applicant_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    /// When true, address, phone and e-mail are `null`.
    pub protected_identity: bool,
    #[schema(required = true)]
    pub address: Option<Address>,
    #[schema(required = true)]
    pub phone: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
    /// What AF has reported.
    pub employment_service_status: EmploymentServiceStatus,
    /// The referrals AF sent to Viadidakt (AF's view: no mapping).
    pub referrals: Vec<Referral>,
}

/// The coach's view or AF's view, as the caller's role has it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LabourMarketPerson {
    Coach(CoachView),
    EmploymentService(EmploymentServiceView),
}

/// Read a person's labour-market view.
///
/// A coach gets the coach's view (`view: coach`): name, contact unless
/// protected, AF's report, the work capacity of the latest decision, the
/// stated reasons of the latest application and the referrals to
/// Viadidakt with their meetings, plans and interventions. An AF officer
/// gets AF's view (`view: employment_service`): name, contact unless
/// protected, AF's report and the referrals AF sent. Either only while the
/// rules give sight of the person (BR-6b); 404 otherwise. Social services
/// read the person in full elsewhere. Reading is audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applicants/{id}/labour-market-view",
    tag = "applicants",
    operation_id = "get_labour_market_view",
    params(ResourcePath),
    responses(
        (status = 200, description = "The caller's view", body = LabourMarketPerson),
    ),
    security(("bearer" = []))
)]
pub async fn get_labour_market_view(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadLabourMarketView;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let person = caller
        .transact(op, municipality, move |tx| view_of(tx, &id))
        .await?;
    Ok(HttpResponse::Ok().json(person))
}

fn view_of(tx: &mut Tx, id: &str) -> Result<LabourMarketPerson, AppError> {
    let (row, view) = tx.load::<Applicant>(id)?;
    let person = Applicant::new(row, view)?;
    let m = tx.municipality().to_owned();
    let status = EmploymentServiceStatus::of(tx.conn, &m, id, tx.today())?;
    let referrals = referrals_of(tx, id)?;
    Ok(match tx.principal().role {
        Role::Coach => {
            let capacity = crate::db::decisions::latest_capacity_of(tx.conn, &m, id)?;
            let reasons = match applications::latest_of(tx.conn, &m, id)? {
                Some(a) => stored(
                    "applications.reasons_for_need",
                    serde_json::from_str::<Vec<String>>(&a.reasons_for_need),
                )?
                .iter()
                .map(|r| stored("applications.reasons_for_need", StatedReason::parse(r)))
                .collect::<Result<_, _>>()?,
                None => Vec::new(),
            };
            LabourMarketPerson::Coach(CoachView {
                view: CoachViewName::Coach,
                applicant_id: person.id,
                first_name: person.first_name,
                last_name: person.last_name,
                protected_identity: person.protected_identity,
                address: person.address,
                phone: person.phone,
                email: person.email,
                employment_service_status: status,
                work_capacity_percent: capacity,
                stated_reasons: reasons,
                referrals,
            })
        }
        _ => LabourMarketPerson::EmploymentService(EmploymentServiceView {
            view: EmploymentServiceViewName::EmploymentService,
            applicant_id: person.id,
            first_name: person.first_name,
            last_name: person.last_name,
            protected_identity: person.protected_identity,
            address: person.address,
            phone: person.phone,
            email: person.email,
            employment_service_status: status,
            referrals,
        }),
    })
}

/// The person's referrals the caller sees, in its view, oldest first.
fn referrals_of(tx: &mut Tx, person: &str) -> Result<Vec<Referral>, AppError> {
    let m = tx.municipality().to_owned();
    let principal = tx.principal().clone();
    let today = tx.today();
    let filter = ListFilter {
        scope: policy::referral_scope(&principal, today),
        status: None,
        source: None,
        assigned_to: None,
        applicant_id: Some(person.to_owned()),
        overdue_on: None,
        follow_up_overdue_on: None,
    };
    let rows = referrals_repo::page(tx.conn, &m, &filter, None, 1000)?;
    let relations = crate::db::applicants::relations(tx.conn, &m, person, today)?;
    let mut referrals = Vec::new();
    for row in rows {
        let facts = ReferralFacts {
            source: row.source()?,
            status: row.status()?,
            closed_on: row.closed_on,
        };
        if let Some(view) = policy::referral_view(&principal, facts, relations, today) {
            let work = work_of(tx.conn, &row)?;
            referrals.push(Referral::new(row, work, view, today)?);
        }
    }
    Ok(referrals)
}
