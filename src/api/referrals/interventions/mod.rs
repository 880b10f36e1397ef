//! Interventions of a referral (*insatser*, BR-9):
//! `POST .../referrals/{id}/interventions`,
//! `PATCH .../referrals/{id}/interventions/{intervention_id}`.

mod draft;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use self::draft::{InterventionBody, InterventionPatch, new_draft, patched};
use super::view::{Intervention, Referral};
use crate::api::context::Caller;
use crate::api::json::JsonBody;
use crate::api::params::{IfMatch, IfMatchHeader, ResourcePath, etag, if_match, strict_uuid};
use crate::api::parse_id;
use crate::api::tx::Tx;
use crate::api::{parameter_error, referrals::emit};
use crate::auth::policy::Operation;
use crate::db::programmes::{self as repo, InterventionRow};
use crate::db::referrals::ReferralRow;
use crate::domain::FieldError;
use crate::domain::event::EventType;
use crate::domain::money;
use crate::domain::referral::InterventionKind;
use crate::error::AppError;
use crate::error::catalogue::*;

/// The path of one intervention.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InterventionPath {
    /// SCB municipality code, one of the token's `municipalities`.
    #[param(example = "0483", pattern = r"^[0-9]{4}$")]
    pub municipality: String,
    /// The referral.
    #[param(format = Uuid)]
    pub id: String,
    /// The intervention.
    #[param(format = Uuid)]
    pub intervention_id: String,
}

fn respond(status: StatusCode, intervention: &Intervention) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(intervention.version)))
        .json(intervention)
}

/// Loads the referral for an intervention and checks that it takes
/// interventions now (BR-7: from the first meeting held until closed).
fn open_referral(tx: &mut Tx, id: &str) -> Result<ReferralRow, AppError> {
    let (row, _) = tx.load::<Referral>(id)?;
    let status = row.status()?;
    if status.takes_interventions() {
        Ok(row)
    } else {
        Err(AppError::ReferralTransition(status.as_str()))
    }
}

/// Add an intervention (BR-9).
///
/// A coach adds interventions to a referral from the first meeting held
/// on, until it is closed (409 otherwise): kind, placement, extent, dates,
/// and the monthly cost and subsidy in SEK. A subsidised employment of a
/// kind AF pays for (`extratjanst`, `introduktionsjobb`, `nystartsjobb`)
/// needs AF's assessment that the person qualifies (409
/// `af-assessment-required`). An intervention may place the person on a
/// programme of its kind with a free place (409 `programme-full`). Every bad
/// field is named at once (422) and nothing is written.
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/referrals/{id}/interventions",
    tag = "referrals",
    operation_id = "create_intervention",
    params(ResourcePath),
    request_body(content = InterventionBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = Intervention,
         headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 409, response = AfAssessmentRequired),
    ),
    security(("bearer" = []))
)]
pub async fn create_intervention(
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreateIntervention;
    let municipality = caller.admit(op, &path.municipality).await?;
    let referral_id = parse_id(&path.id)?.to_string();
    let draft = body.check(|b| new_draft(b, caller.today()))?;
    let intervention = caller
        .transact(op, municipality, move |tx| {
            let referral = open_referral(tx, &referral_id)?;
            draft.needs_af()?;
            if let Some(programme_id) = &draft.programme_id {
                place_on(tx, programme_id, draft.kind)?;
            }
            let (cost, subsidy) = (draft.monthly_cost, draft.monthly_subsidy);
            let row = InterventionRow {
                municipality: referral.municipality.clone(),
                id: Uuid::now_v7().to_string(),
                referral_id: referral.id.clone(),
                applicant_id: referral.applicant_id.clone(),
                kind: draft.kind.as_str().to_owned(),
                subtype: draft.subtype.map(|s| s.as_str().to_owned()),
                placement: draft.placement.as_str().to_owned(),
                extent_percent: draft.extent_percent,
                start_date: draft.start_date,
                end_date: draft.end_date,
                monthly_cost_ore: cost.map(money::to_ore),
                monthly_subsidy_ore: subsidy.map(money::to_ore),
                af_assessed_on: draft.af_assessment.map(|a| a.0),
                af_qualifies: draft.af_assessment.map(|a| a.1),
                programme_id: draft.programme_id.clone(),
                created_by: tx.principal().subject.clone(),
                version: 1,
                created_at: tx.now(),
                updated_at: tx.now(),
            };
            repo::insert_intervention(tx.conn, &row)?;
            tx.about(&row.id, &referral.applicant_id);
            emit(tx, &referral, EventType::ReferralInterventionAdded);
            Intervention::try_from(row)
        })
        .await?;
    Ok(respond(StatusCode::CREATED, &intervention))
}

/// Takes a place on a programme of the intervention's kind: 422 when no
/// such programme exists in the municipality or its kind differs, 409 when
/// it is full.
fn place_on(tx: &mut Tx, programme_id: &str, kind: InterventionKind) -> Result<(), AppError> {
    let m = tx.municipality().to_owned();
    let bad = |reason: &str| AppError::Validation(vec![FieldError::new("programme_id", reason)]);
    let Some(programme) = repo::find(tx.conn, &m, programme_id)? else {
        return Err(bad("must be a programme of the municipality"));
    };
    if programme.kind != kind.as_str() {
        return Err(bad(&format!(
            "is a programme of kind {}, not {}",
            programme.kind,
            kind.as_str()
        )));
    }
    if !repo::take_place(tx.conn, &m, programme_id, tx.now())? {
        return Err(AppError::ProgrammeFull);
    }
    tx.emit(EventType::ProgrammePlaceTaken, programme_id);
    Ok(())
}

/// Change an intervention (BR-9), with `If-Match`.
///
/// A JSON merge patch of its placement, extent, end, monthly cost and
/// subsidy and AF's assessment; the rules of adding one hold for the result
/// (422 naming each field; 409 `af-assessment-required`). Only while the
/// referral takes interventions.
#[utoipa::path(
    patch,
    path = "/api/v1/{municipality}/referrals/{id}/interventions/{intervention_id}",
    tag = "referrals",
    operation_id = "patch_intervention",
    params(InterventionPath, IfMatchHeader),
    request_body(content = InterventionPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = Intervention,
         headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 409, response = AfAssessmentRequired),
    ),
    security(("bearer" = []))
)]
pub async fn patch_intervention(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<InterventionPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::UpdateIntervention;
    let municipality = caller.admit(op, &path.municipality).await?;
    let referral_id = parse_id(&path.id)?.to_string();
    let intervention_id = strict_uuid(&path.intervention_id)
        .ok_or_else(|| parameter_error("must be a UUID", "intervention_id"))?
        .to_string();
    let expected: IfMatch = if_match(&req)?;
    let today = caller.today();
    let patch = body.check(|p: &InterventionPatch| Ok(p.clone()))?;
    let intervention = caller
        .transact(op, municipality, move |tx| {
            let referral = open_referral(tx, &referral_id)?;
            let m = referral.municipality.clone();
            let Some(mut row) =
                repo::find_intervention(tx.conn, &m, &referral.id, &intervention_id)?
            else {
                return Err(tx.refuse(AppError::NotFound));
            };
            tx.about(&row.id, &referral.applicant_id);
            if !expected.matches(row.version) {
                return Err(AppError::PreconditionFailed);
            }
            let draft = patched(&row, &patch, today)?;
            draft.needs_af()?;
            let version = row.version;
            row.placement = draft.placement.as_str().to_owned();
            row.extent_percent = draft.extent_percent;
            row.end_date = draft.end_date;
            row.monthly_cost_ore = draft.monthly_cost.map(money::to_ore);
            row.monthly_subsidy_ore = draft.monthly_subsidy.map(money::to_ore);
            row.af_assessed_on = draft.af_assessment.map(|a| a.0);
            row.af_qualifies = draft.af_assessment.map(|a| a.1);
            row.version += 1;
            row.updated_at = tx.now();
            if !repo::update_intervention(tx.conn, &row, version)? {
                return Err(AppError::PreconditionFailed);
            }
            emit(tx, &referral, EventType::ReferralInterventionChanged);
            Intervention::try_from(row)
        })
        .await?;
    Ok(respond(StatusCode::OK, &intervention))
}
