//! The register extract (*registerutdrag*, GDPR art. 15):
//! `GET /api/v1/{municipality}/applicants/{id}/export`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::Applicant;
use crate::api::admit;
use crate::api::applications::model::Application;
use crate::api::applications::present;
use crate::api::consents::Consent;
use crate::api::params::ApplicantPath;
use crate::api::parse_id;
use crate::api::payments::Payment;
use crate::audit::{self, AuditEvent, Outcome};
use crate::auth::Principal;
use crate::auth::policy::{ApplicationView, Operation, PersonView};
use crate::db::applications::{self, ListFilter};
use crate::db::{applicants, audit as audit_rows, consents};
use crate::error::AppError;
use crate::openapi::problems::*;
use crate::startup::AppState;
use crate::telemetry::RequestId;

/// One access to the person's data, from the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct Access {
    pub at: DateTime<Utc>,
    /// Who: a user's id at the identity provider, or an API client's id.
    pub actor: String,
    pub role: String,
    /// What, such as `applicant.read` or `application.decide`.
    pub action: String,
    pub outcome: crate::audit::Outcome,
}

/// Everything held about one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterExtract {
    pub generated_at: DateTime<Utc>,
    pub applicant: Applicant,
    /// As applicant or co-applicant, with decisions embedded.
    pub applications: Vec<Application>,
    pub payments: Vec<Payment>,
    pub consents: Vec<Consent>,
    /// Who has read or changed the data, oldest first.
    pub accesses: Vec<Access>,
}

/// The register extract of a person.
///
/// Everything held about the person: the applicant, applications (as
/// applicant or co-applicant) with decisions, payments, consents, and who
/// has accessed the data. The extract is itself audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applicants/{id}/export",
    tag = "applicants",
    operation_id = "export_applicant",
    params(ApplicantPath),
    responses(
        (status = 200, description = "The extract", body = RegisterExtract),
        (status = 400, response = InvalidParameter),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
pub async fn export_applicant(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<ApplicantPath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ExportApplicant;
    let municipality = admit(&state, &principal, &request_id.0, op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let event = AuditEvent::of(&principal, &request_id.0, op)
        .municipality(municipality.as_str())
        .person(&id);
    let extract = state
        .write(principal.client_check(&request_id.0), move |conn| {
            let m = municipality.as_str();
            let Some(row) = applicants::find(conn, m, &id)? else {
                audit::append(conn, &[event.outcome(Outcome::NotVisible)])?;
                return Ok(Err(AppError::NotFound));
            };
            let filter = ListFilter {
                applicant_id: Some(id.clone()),
                ..ListFilter::default()
            };
            let rows = applications::page(conn, m, &filter, None, i64::MAX)?;
            let mut payments = Vec::new();
            let mut list = Vec::new();
            for application in rows {
                for row in applications::payments_of(conn, m, &application.id)? {
                    payments.push(Payment::try_from(row)?);
                }
                list.push(present(conn, application, ApplicationView::Full)?);
            }
            let consents = consents::of_applicant(conn, m, &id)?
                .into_iter()
                .map(Consent::from)
                .collect();
            let accesses = audit_rows::of_person(conn, m, &id)?
                .into_iter()
                .map(|r| {
                    let outcome = crate::audit::Outcome::parse(&r.outcome)
                        .map_err(|_| AppError::internal("unreadable stored audit_log.outcome"))?;
                    Ok(Access {
                        at: r.occurred_at.and_utc(),
                        actor: r.actor,
                        role: r.role,
                        action: r.action,
                        outcome,
                    })
                })
                .collect::<Result<_, AppError>>()?;
            audit::append(conn, &[event])?;
            Ok(Ok(RegisterExtract {
                generated_at: crate::domain::time::now(),
                applicant: Applicant::new(row, PersonView::Full),
                applications: list,
                payments,
                consents,
                accesses,
            }))
        })
        .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(extract))
}
