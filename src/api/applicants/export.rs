//! The register extract (*registerutdrag*, GDPR art. 15):
//! `GET /api/v1/{municipality}/applicants/{id}/export`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::identity::FormerNumber;
use super::model::Applicant;
use crate::api::applications::present;
use crate::api::applications::view::Application;
use crate::api::consents::Consent;
use crate::api::context::Caller;
use crate::api::decisions::document;
use crate::api::decisions::document::Decision;
use crate::api::params::ResourcePath;
use crate::api::parse_id;
use crate::api::payments::Payment;
use crate::auth::policy::{ApplicationView, Operation, PersonView};
use crate::db::applications::{self, ListFilter};
use crate::db::{audit as audit_rows, consents, decisions as decision_rows, stored};
use crate::domain::audit::Outcome;
use crate::domain::decision::DecisionKind;
use crate::error::AppError;

/// One access to the person's data, from the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct Access {
    pub at: DateTime<Utc>,
    /// Who: a user's id at the identity provider, or an API client's id.
    pub actor: String,
    pub role: String,
    /// What, such as `applicant.read` or `application.decide`.
    pub action: String,
    pub outcome: Outcome,
}

/// Everything held about one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterExtract {
    pub generated_at: DateTime<Utc>,
    pub applicant: Applicant,
    /// Numbers the person held before (a coordination number replaced).
    pub former_personal_numbers: Vec<FormerNumber>,
    /// Those whose household names the person as an adult, with their
    /// assistance decisions embedded. Where someone else applied, only what
    /// is about the person: their place in the household, their own lines,
    /// and the decisions that cover them with their own assessment.
    pub applications: Vec<Application>,
    /// Recovery and write-off decisions about the person.
    pub decisions: Vec<Decision>,
    /// Payments under the applications the person made.
    pub payments: Vec<Payment>,
    pub consents: Vec<Consent>,
    /// Who has read or changed the data, oldest first.
    pub accesses: Vec<Access>,
}

/// The register extract of a person.
///
/// Everything held about the person: the applicant, the applications whose
/// household names them as an adult, with their decisions, recovery and
/// write-off decisions, payments, consents, and who has accessed the data.
/// The extract is itself audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applicants/{id}/export",
    tag = "applicants",
    operation_id = "export_applicant",
    params(ResourcePath),
    responses(
        (status = 200, description = "The extract", body = RegisterExtract),
    ),
    security(("bearer" = []))
)]
pub async fn export_applicant(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ExportApplicant;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let generated_at = caller.now();
    let extract = caller
        .transact(op, municipality, move |tx| {
            let (row, _) = tx.load::<Applicant>(&id)?;
            let m = tx.municipality().to_owned();
            let filter = ListFilter {
                applicant_id: Some(id.clone()),
                ..ListFilter::default()
            };
            let rows = applications::page(tx.conn, &m, &filter, None, i64::MAX)?;
            let mut payments = Vec::new();
            let mut list = Vec::new();
            let person = crate::db::stored_uuid("applicants.id", &id)?;
            for application in rows {
                if application.applicant_id == id {
                    for row in applications::payments_of(tx.conn, &m, &application.id)? {
                        payments.push(Payment::try_from(row)?);
                    }
                    list.push(present(tx.conn, application, ApplicationView::Full)?);
                    continue;
                }
                // Named in someone else's application: only what is about them.
                let member = crate::db::households::members_of(tx.conn, &m, &application.id)?
                    .into_iter()
                    .find(|member| member.applicant_id.as_deref() == Some(id.as_str()))
                    .map(|member| member.member)
                    .unwrap_or_default();
                let mut view = present(tx.conn, application, ApplicationView::Full)?;
                view.restrict_to(&member, person);
                list.push(view);
            }
            let decisions = decision_rows::of_person(tx.conn, &m, &id)?
                .iter()
                .filter(|d| d.kind != DecisionKind::Assistance.as_str())
                .map(|d| document(tx, d))
                .collect::<Result<Vec<_>, _>>()?;
            let consents = consents::of_applicant(tx.conn, &m, &id)?
                .into_iter()
                .map(Consent::try_from)
                .collect::<Result<_, _>>()?;
            let accesses = audit_rows::of_person(tx.conn, &m, &id)?
                .into_iter()
                .map(|r| {
                    Ok(Access {
                        at: r.occurred_at.and_utc(),
                        outcome: stored("audit_log.outcome", Outcome::parse(&r.outcome))?,
                        actor: r.actor,
                        role: r.role,
                        action: r.action,
                    })
                })
                .collect::<Result<_, AppError>>()?;
            let former_personal_numbers = crate::db::applicants::former_numbers(tx.conn, &m, &id)?
                .into_iter()
                .map(FormerNumber::from)
                .collect();
            Ok(RegisterExtract {
                generated_at,
                former_personal_numbers,
                applicant: Applicant::new(row, PersonView::Full)?,
                applications: list,
                decisions,
                payments,
                consents,
                accesses,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(extract))
}
