//! The caseworker's assessment of an application's figures: the amount of
//! each income counted and each expense approved as a reasonable cost.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;

use super::view::Application;
use super::{present, respond};
use crate::api::applicants::model::required;
use crate::api::context::Caller;
use crate::api::formats::Sek;
use crate::api::json::JsonBody;
use crate::api::params::{IfMatch, IfMatchHeader, ResourcePath, if_match};
use crate::api::parse_id;
use crate::auth::policy::Operation;
use crate::db::applications as repo;
use crate::db::stored;
use crate::domain::FieldError;
use crate::domain::applicant::Checker;
use crate::domain::application::Status;
use crate::domain::event::EventType;
use crate::domain::money::{self, parse_sek};
use crate::error::AppError;
use crate::error::catalogue::*;

/// The approved amount of one line.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalBody {
    /// The line's number (`line` of an income or expense).
    #[schema(value_type = i32, minimum = 1, maximum = 100, required = true)]
    #[serde(default, deserialize_with = "crate::api::json::optional_integer")]
    pub line: Option<i32>,
    /// SEK per month: the income counted, or the expense approved as a
    /// reasonable cost (at most the amount applied for).
    #[schema(value_type = Sek, required = true)]
    pub approved_amount: Option<String>,
}

/// Approved amounts, one per line named.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "lines": [
        { "line": 1, "approved_amount": "1200.00" },
        { "line": 2, "approved_amount": "6200.00" },
        { "line": 3, "approved_amount": "0.00" }
    ]
}))]
pub struct AssessmentBody {
    /// 1–100 lines, each named once. Lines left out keep what they had.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Vec<ApprovalBody>,
}

/// Checks the body: each line once, amounts in SEK.
fn approvals(body: &AssessmentBody) -> Result<Vec<(i32, Decimal)>, AppError> {
    let mut c = Checker::default();
    if body.lines.is_empty() || body.lines.len() > 100 {
        c.check::<()>("lines", Err("must have 1–100 lines".into()));
    }
    let mut out: Vec<(i32, Decimal)> = Vec::new();
    for (i, line) in body.lines.iter().enumerate() {
        let no = c.check(
            &format!("lines[{i}].line"),
            match line.line {
                Some(n) if (1..=100).contains(&n) => Ok(n),
                Some(_) => Err("must be a line number, 1–100".to_owned()),
                None => Err("is required".to_owned()),
            },
        );
        let amount = c.check(
            &format!("lines[{i}].approved_amount"),
            required(&line.approved_amount).and_then(|a| parse_sek(a, false)),
        );
        if let (Some(no), Some(amount)) = (no, amount) {
            if out.iter().any(|(n, _)| *n == no) {
                c.check::<()>(&format!("lines[{i}].line"), Err("is named twice".into()));
            }
            out.push((no, amount));
        }
    }
    c.finish().map_err(AppError::Validation)?;
    Ok(out)
}

/// Assess an application's incomes and expenses.
///
/// Caseworkers and the case system record, while the application is
/// received or under investigation, the amount of each income counted
/// and of each expense approved as a reasonable cost (never above what was
/// applied for). The norm calculation uses the approved amounts. Needs
/// `If-Match`; a line the application does not have is a 422; a decided or
/// withdrawn application answers 409.
#[utoipa::path(
    put,
    path = "/api/v1/{municipality}/applications/{id}/assessment",
    tag = "applications",
    operation_id = "assess_application",
    params(ResourcePath, IfMatchHeader),
    request_body(content = AssessmentBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Assessed", body = Application,
         headers(("ETag" = String, description = "The new version"))),
        (status = 409, response = InvalidTransition),
    ),
    security(("bearer" = []))
)]
pub async fn assess_application(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ResourcePath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::AssessApplication;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let expected: IfMatch = if_match(&req)?;
    let lines = body.check(approvals)?;
    let application = caller
        .transact(op, municipality, move |tx| {
            let (mut row, view) = tx.load::<Application>(&id)?;
            if !expected.matches(row.version) {
                return Err(AppError::PreconditionFailed);
            }
            let status = stored("applications.status", Status::parse(&row.status))?;
            if !matches!(status, Status::Received | Status::UnderInvestigation) {
                return Err(AppError::InvalidTransition(status.as_str()));
            }
            let m = row.municipality.clone();
            let items = repo::items(tx.conn, &m, &id)?;
            let mut errors = Vec::new();
            for (i, (no, amount)) in lines.iter().enumerate() {
                match items.iter().find(|item| item.line_no == *no) {
                    None => errors.push(FieldError::new(
                        format!("lines[{i}].line"),
                        "the application has no such line",
                    )),
                    Some(item)
                        if item.direction == "expense"
                            && money::to_ore(*amount) > item.amount_ore =>
                    {
                        errors.push(FieldError::new(
                            format!("lines[{i}].approved_amount"),
                            format!(
                                "an expense is approved up to the amount applied for, {}",
                                money::from_ore(item.amount_ore)
                            ),
                        ))
                    }
                    Some(_) => {}
                }
            }
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            let version = row.version;
            row.version += 1;
            row.updated_at = tx.now();
            if !repo::update(tx.conn, &row, version)? {
                return Err(AppError::PreconditionFailed);
            }
            for (no, amount) in &lines {
                repo::approve(tx.conn, &m, &id, *no, money::to_ore(*amount))?;
            }
            tx.emit(EventType::ApplicationAssessed, &id);
            present(tx.conn, row, view)
        })
        .await?;
    Ok(respond(StatusCode::OK, &application))
}
