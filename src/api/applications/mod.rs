//! Applications (*ansökan om ekonomiskt bistånd*): `/api/v1/{municipality}/applications`.

pub mod actions;
pub mod assessment;
pub mod calculation;
pub mod decision;
pub mod intake;
pub mod view;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::context::Caller;
use super::idempotency::{self, StoredResponse};
use super::json::JsonBody;
use super::params::{
    IdempotencyKeyHeader, MunicipalityPath, ResourcePath, decode_cursor, etag, fill_page,
    page_limit, strict_uuid,
};
use super::tx::{Resource, Tx};
use super::{parameter_error, parse_id};
use crate::auth::Principal;
use crate::auth::policy::{self, ApplicationScope, ApplicationView, Operation};
use crate::db::applications::{self as repo, ApplicationRow, ItemRow, ListFilter};
use crate::db::decisions;
use crate::db::households::{self, MemberRow};
use crate::db::stored_uuid;
use crate::db::{DbConn, applicants, unique_or};
use crate::domain::access::PersonRelations;
use crate::domain::applicant::{NewApplicant, same_name};
use crate::domain::application::Status;
use crate::domain::event::EventType;
use crate::domain::household::{LineSource, MemberKey, MemberRole};
use crate::domain::{FieldError, money};
use crate::error::AppError;
use intake::{NewApplication, NewApplicationBody, PersonInput, new_application};
use view::{Application, ApplicationPage, Household, NameMismatch};

/// Paging and filters of the application list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    /// Items per page, 1–100 (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page: the list goes on after it.
    #[param(pattern = r"^[A-Za-z0-9_-]{22}$", example = "AZqT0Ko2cBeaQ3JZ7bZ5Xg")]
    pub cursor: Option<String>,
    /// Only applications in this status.
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    /// Only applications whose household names this person as an adult.
    #[param(format = Uuid)]
    pub applicant_id: Option<String>,
}

/// An application, as the policy sees it: visible by who submitted it and
/// the caller's relations to its applicant.
impl Resource for Application {
    type Row = ApplicationRow;
    type View = ApplicationView;

    fn find(
        conn: &mut DbConn,
        municipality: &str,
        id: &str,
    ) -> Result<Option<ApplicationRow>, AppError> {
        Ok(repo::find(conn, municipality, id)?)
    }

    fn person(row: &ApplicationRow) -> &str {
        &row.applicant_id
    }

    fn also_about(
        conn: &mut DbConn,
        row: &ApplicationRow,
        view: ApplicationView,
    ) -> Result<Vec<String>, AppError> {
        if view != ApplicationView::Full {
            return Ok(Vec::new());
        }
        Ok(households::members_of(conn, &row.municipality, &row.id)?
            .into_iter()
            .filter_map(|m| m.applicant_id)
            .collect())
    }

    fn access(
        principal: &Principal,
        op: Operation,
        row: &ApplicationRow,
        relations: PersonRelations,
        _: NaiveDate,
    ) -> Result<ApplicationView, AppError> {
        policy::application_access(principal, op, &row.submitted_by, relations)
    }
}

/// Submit an application.
///
/// The e-service portal must send `Idempotency-Key` (BR-2): a retry with the
/// same key and body gets the first answer again (`Idempotent-Replayed:
/// true`), never a second application; the same key with another body is a
/// 422. Others may send one. The applicant is given by `id`, or by personal
/// number, which finds the applicant or, with names, registers them. The
/// portal gets the receipt view back.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/applications",
    tag = "applications",
    operation_id = "create_application",
    params(
        MunicipalityPath,
        IdempotencyKeyHeader,
    ),
    request_body(content = NewApplicationBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Received", body = Application,
         headers(("Location" = String, description = "The application's URL"),
                 ("ETag" = String, description = "The version, for If-Match"),
                 ("Idempotent-Replayed" = String, description = "`true` on a replayed answer"))),
    ),
    security(("bearer" = []))
)]
pub async fn create_application(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreateApplication;
    let municipality = caller.admit(op, &path.municipality).await?;
    let key = idempotency::key(&caller, op, &req, municipality.as_str(), &body)?;
    let portal = caller.key_required(op);
    let today = caller.today();
    let application = body.check(|b: &NewApplicationBody| new_application(b, portal, today))?;
    let view = policy::submitted_view(&caller.principal);
    let stored = caller
        .transact(op, municipality, move |tx| {
            idempotency::once(tx, key.as_ref(), "application.replay", |tx| {
                insert_application(tx, &application, view)
            })
        })
        .await?;
    Ok(stored.respond())
}

/// Registers the persons the application names that are new, takes the
/// next receipt number and stores the application.
fn insert_application(
    tx: &mut Tx,
    application: &NewApplication,
    view: ApplicationView,
) -> Result<StoredResponse, AppError> {
    let mut name_mismatch = Vec::new();
    let mut adults = vec![(MemberKey::applicant(), &application.applicant)];
    if let Some(partner) = &application.partner {
        adults.push((MemberKey::partner(), partner));
    }
    for (i, adult) in application.other_adults.iter().enumerate() {
        adults.push((MemberKey::adult(i + 1), adult));
    }
    let mut adult_ids: Vec<(MemberKey, String)> = Vec::new();
    for (i, (member, person)) in adults.into_iter().enumerate() {
        let field = match member.role() {
            MemberRole::OtherAdult => format!(
                "other_adults[{}]",
                i - 1 - usize::from(application.partner.is_some())
            ),
            _ => member.to_string(),
        };
        let id = resolve_person(tx, (&member, &field), person, &mut name_mismatch)?;
        if adult_ids.iter().any(|(_, earlier)| *earlier == id) {
            return Err(AppError::Validation(vec![FieldError::new(
                field,
                "names a person already in the household",
            )]));
        }
        adult_ids.push((member, id));
    }
    let applicant_id = adult_ids[0].1.clone();
    let co_applicant_id = adult_ids
        .iter()
        .find(|(m, _)| m.role() == MemberRole::Partner)
        .map(|(_, id)| id.clone());
    let m = tx.municipality().to_owned();
    let now = tx.now();
    let year = chrono::Datelike::year(&tx.today());
    let serial =
        repo::next_receipt_number(tx.conn, &m, year).map_err(unique_or(AppError::Contention))?;
    let id = Uuid::now_v7().to_string();
    let row = ApplicationRow {
        municipality: m.clone(),
        id: id.clone(),
        receipt_number: format!("EB-{year}-{serial:06}"),
        applicant_id: applicant_id.clone(),
        co_applicant_id,
        children: "[]".to_owned(),
        support_month: application.support_month.to_string(),
        channel: application.channel.as_str().to_owned(),
        reasons_for_need: serde_json::to_string(
            &application
                .reasons
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>(),
        )
        .map_err(AppError::internal)?,
        message: application.message.clone(),
        status: Status::Received.as_str().to_owned(),
        submitted_by: tx.principal().subject.clone(),
        submitted_role: tx.principal().role.as_str().to_owned(),
        received_at: now,
        version: 1,
        created_at: now,
        updated_at: now,
        name_mismatch: if name_mismatch.is_empty() {
            None
        } else {
            Some(serde_json::to_string(&name_mismatch).map_err(AppError::internal)?)
        },
    };
    let mut members: Vec<MemberRow> = adult_ids
        .iter()
        .enumerate()
        .map(|(position, (member, applicant))| MemberRow {
            municipality: m.clone(),
            application_id: id.clone(),
            member: member.to_string(),
            position: position as i32,
            role: member.role().as_str().to_owned(),
            applicant_id: Some(applicant.clone()),
            birth_date: None,
            personal_number: None,
            days_in_home: None,
            school_status: None,
            preschool_lunch: None,
        })
        .collect();
    for (i, child) in application.children.iter().enumerate() {
        members.push(MemberRow {
            municipality: m.clone(),
            application_id: id.clone(),
            member: MemberKey::child(i + 1).to_string(),
            position: (adult_ids.len() + i) as i32,
            role: MemberRole::Child.as_str().to_owned(),
            applicant_id: None,
            birth_date: Some(child.birth_date),
            personal_number: child
                .personal_number
                .as_ref()
                .map(|p| p.as_str().to_owned()),
            days_in_home: Some(child.days_in_home),
            school_status: child.school_status.map(|s| s.as_str().to_owned()),
            preschool_lunch: Some(child.preschool_lunch),
        });
    }
    let item =
        |i: usize,
         direction: &str,
         (member, kind, amount, source): (&MemberKey, &str, Decimal, LineSource)| ItemRow {
            municipality: m.clone(),
            application_id: id.clone(),
            line_no: i as i32 + 1,
            direction: direction.to_owned(),
            kind: kind.to_owned(),
            amount_ore: money::to_ore(amount),
            member: member.to_string(),
            source: source.as_str().to_owned(),
            approved_ore: None,
        };
    let items: Vec<ItemRow> = application
        .incomes
        .iter()
        .map(|l| ("income", (&l.member, l.kind.as_str(), l.amount, l.source)))
        .chain(
            application
                .expenses
                .iter()
                .map(|l| ("expense", (&l.member, l.kind.as_str(), l.amount, l.source))),
        )
        .enumerate()
        .map(|(i, (direction, line))| item(i, direction, line))
        .collect();
    repo::insert(tx.conn, &row, &items)?;
    households::insert(tx.conn, &members)?;
    tx.emit(EventType::ApplicationCreated, &id);
    tx.about(&id, &applicant_id);
    let body = Application::new(row, Household { members, items }, Vec::new(), view)?;
    StoredResponse::created(&body, Some(body.links.self_link.clone()))
}

/// Finds the person, or registers them when given by personal number with
/// names (audited, and announced on the feed). Returns the applicant id. A
/// registered person named by number under other names is attached, and the
/// difference noted in `mismatch` for the caseworker: the number decides who
/// the person is, and names are never taken over from an application.
fn resolve_person(
    tx: &mut Tx,
    (member, field): (&MemberKey, &str),
    person: &PersonInput,
    mismatch: &mut Vec<NameMismatch>,
) -> Result<String, AppError> {
    let m = tx.municipality().to_owned();
    match person {
        PersonInput::Existing(id) => match applicants::find(tx.conn, &m, id)? {
            Some(row) => Ok(row.id),
            None => Err(AppError::Validation(vec![FieldError::new(
                format!("{field}.id"),
                "no applicant with this id in the municipality",
            )])),
        },
        PersonInput::ByNumber {
            personal_number,
            first_name,
            last_name,
        } => {
            if let Some(row) =
                applicants::find_by_personal_number(tx.conn, &m, personal_number.as_str())?
            {
                if let (Some(first), Some(last)) = (first_name, last_name)
                    && !(same_name(&row.first_name, first) && same_name(&row.last_name, last))
                {
                    mismatch.push(NameMismatch {
                        member: member.to_string(),
                        applicant_id: stored_uuid("applicants.id", &row.id)?,
                        given_first_name: first.clone(),
                        given_last_name: last.clone(),
                    });
                }
                return Ok(row.id);
            }
            let (Some(first_name), Some(last_name)) = (first_name, last_name) else {
                let missing = [
                    ("first_name", first_name.is_none()),
                    ("last_name", last_name.is_none()),
                ];
                return Err(AppError::Validation(
                    missing
                        .iter()
                        .filter(|(_, m)| *m)
                        .map(|(n, _)| {
                            FieldError::new(
                                format!("{field}.{n}"),
                                "is required to register a new applicant",
                            )
                        })
                        .collect(),
                ));
            };
            let id = Uuid::now_v7().to_string();
            let new = NewApplicant {
                personal_number: personal_number.clone(),
                first_name: first_name.clone(),
                last_name: last_name.clone(),
                protected_identity: false,
                address: None,
                phone: None,
                email: None,
            };
            let row = applicants::ApplicantRow::new(&m, &id, &new, tx.now());
            applicants::insert(tx.conn, &row).map_err(unique_or(AppError::Contention))?;
            tx.emit(EventType::ApplicantCreated, &id);
            tx.record("applicant.create", "applicant", &id, &id);
            Ok(id)
        }
    }
}

/// The full answer for an application: its household, lines and
/// decisions, in `view`.
pub(crate) fn present(
    conn: &mut DbConn,
    row: ApplicationRow,
    view: ApplicationView,
) -> Result<Application, AppError> {
    let household = Household {
        members: households::members_of(conn, &row.municipality, &row.id)?,
        items: repo::items(conn, &row.municipality, &row.id)?,
    };
    let decisions = decisions::of_application(conn, &row.municipality, &row.id)?
        .into_iter()
        .map(|d| {
            let adults = decisions::adults_of(conn, &row.municipality, &d.id)?;
            Ok((d, adults))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Application::new(row, household, decisions, view)
}

pub(crate) fn respond(status: StatusCode, application: &Application) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(application.version)))
        .json(application)
}

/// Read an application.
///
/// Caseworkers and the case system see everything; coaches and AF officers
/// the labour-market view of persons visible to them; the portal only the
/// receipt view of what it submitted. Anything else is 404.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applications/{id}",
    tag = "applications",
    operation_id = "get_application",
    params(ResourcePath),
    responses(
        (status = 200, description = "The application", body = Application,
         headers(("ETag" = String, description = "The version, for If-Match"))),
    ),
    security(("bearer" = []))
)]
pub async fn get_application(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadApplication;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let application = caller
        .transact(op, municipality, move |tx| {
            let (row, view) = tx.load::<Application>(&id)?;
            present(tx.conn, row, view)
        })
        .await?;
    Ok(respond(StatusCode::OK, &application))
}

/// List applications.
///
/// In id (arrival) order, cursor-paginated, each in the caller's view. The
/// portal sees only what it submitted.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applications",
    tag = "applications",
    operation_id = "list_applications",
    params(MunicipalityPath, ApplicationQuery),
    responses(
        (status = 200, description = "One page", body = ApplicationPage),
    ),
    security(("bearer" = []))
)]
pub async fn list_applications(
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    query: web::Query<ApplicationQuery>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ListApplications;
    let municipality = caller.admit(op, &path.municipality).await?;
    let limit = page_limit(query.limit, 25, 100)?;
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let status = query
        .status
        .as_deref()
        .map(|s| Status::parse(s).map_err(|e| parameter_error(&e, "status")))
        .transpose()?;
    let applicant_id = query
        .applicant_id
        .as_deref()
        .map(|a| strict_uuid(a).ok_or_else(|| parameter_error("must be a UUID", "applicant_id")))
        .transpose()?;
    let (scope, submitted_by) = match policy::application_scope(&caller.principal, caller.today()) {
        ApplicationScope::SubmittedBy(sub) => (None, Some(sub)),
        ApplicationScope::Persons(scope) => (Some(scope), None),
    };
    let filter = ListFilter {
        scope,
        submitted_by,
        status: status.map(|s| s.as_str().to_owned()),
        applicant_id: applicant_id.map(|a| a.to_string()),
    };
    let page = caller
        .transact(op, municipality, move |tx| {
            let m = tx.municipality().to_owned();
            let principal = tx.principal().clone();
            let today = tx.today();
            let mut read = Vec::new();
            let (items, next_cursor) = fill_page(
                tx.conn,
                after.clone(),
                limit,
                |conn, after, n| Ok(repo::page(conn, &m, &filter, after, n)?),
                |row| row.id.clone(),
                |conn, row| {
                    let relations = applicants::relations(conn, &m, &row.applicant_id, today)?;
                    match policy::application_view(&principal, &row.submitted_by, relations) {
                        Some(view) => {
                            read.push((row.id.clone(), row.applicant_id.clone()));
                            // The other adults' data is read too.
                            for other in Application::also_about(conn, &row, view)? {
                                if other != row.applicant_id {
                                    read.push((row.id.clone(), other));
                                }
                            }
                            present(conn, row, view).map(Some)
                        }
                        None => Ok(None),
                    }
                },
            )?;
            tx.without_own_record();
            for (id, person) in &read {
                tx.read(id, person);
            }
            Ok(ApplicationPage { items, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
