//! The norm calculation behind an application's amount, line by line:
//! `GET /api/v1/{municipality}/applications/{id}/calculation`.

use actix_web::{HttpResponse, web};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::view::Application;
use crate::api::context::Caller;
use crate::api::norms;
use crate::api::params::ResourcePath;
use crate::api::parse_id;
use crate::auth::policy::Operation;
use crate::db::applications::{self as repo, ApplicationRow};
use crate::db::norms::NormRow;
use crate::db::{DbConn, households, stored, stored_uuid, unreadable};
use crate::domain::application::{ExpenseKind, IncomeKind};
use crate::domain::household::{MemberKey, MemberRole};
use crate::domain::month::Month;
use crate::domain::norm::{self, Calculation, Direction, Figure, Person, Section};
use crate::error::AppError;
use crate::error::catalogue::*;

crate::code_enum! {
    /// The part of a calculation a line belongs to.
    CalculationSection {
        /// The norm's personal costs, per person or for two adults together.
        PersonalCosts = "personal_costs",
        /// The norm's common household costs.
        HouseholdCosts = "household_costs",
        /// An expense approved as a reasonable cost.
        ReasonableCosts = "reasonable_costs",
        /// An income counted (a negative amount).
        Incomes = "incomes",
    }
}

impl From<Section> for CalculationSection {
    fn from(s: Section) -> Self {
        match s {
            Section::PersonalCosts => Self::PersonalCosts,
            Section::HouseholdCosts => Self::HouseholdCosts,
            Section::ReasonableCosts => Self::ReasonableCosts,
            Section::Incomes => Self::Incomes,
        }
    }
}

/// Which norm to calculate with.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalculationQuery {
    /// A revision of the support month's year; the latest when left out
    /// (a decision names the one it used).
    #[param(minimum = 1, maximum = 1000)]
    pub norm_revision: Option<i32>,
}

/// The norm table a calculation used.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NormReference {
    pub year: i32,
    pub revision: i32,
    pub source: String,
}

/// One explained line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalculationLine {
    pub section: CalculationSection,
    /// The persons it is about, by member key (empty for the household's
    /// common costs).
    pub members: Vec<String>,
    /// The application's income or expense line, where it is one.
    pub line: Option<i32>,
    /// SEK; an income counted is negative.
    #[schema(value_type = String, example = "1910.00")]
    pub amount: Decimal,
    /// What the line is and how it was reached, in Swedish.
    #[schema(
        example = "Personliga kostnader, barn 7–10 år (8 år den 2026-12-01): 3820 kr; bor i hemmet 15 av 30 dagar: 3820 kr × 15/30"
    )]
    pub explanation: String,
}

/// An application's norm calculation for its support month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalculationView {
    pub application_id: Uuid,
    #[schema(example = "2026-12")]
    pub support_month: String,
    pub norm_table: NormReference,
    /// Persons in the household, for the common costs.
    pub household_size: i32,
    pub lines: Vec<CalculationLine>,
    /// The norm: personal and common costs, SEK.
    #[schema(value_type = String, example = "10800.00")]
    pub norm: Decimal,
    #[schema(value_type = String, example = "6200.00")]
    pub reasonable_costs: Decimal,
    #[schema(value_type = String, example = "1200.00")]
    pub incomes: Decimal,
    /// Norm + reasonable costs − incomes, never below zero: the amount a
    /// decision grants unless it records why not.
    #[schema(value_type = String, example = "15800.00")]
    pub result: Decimal,
    /// The sum in words, in Swedish.
    pub explanation: String,
}

/// The calculation of `application` with its year's norm (the latest
/// revision, or `revision`): 409 `norm-table-missing` when none is loaded.
/// `covered` names the persons a decision covers; the others count like
/// adults sharing the home (in the household's size, not in its costs or
/// incomes). Without it, everyone but the other adults is covered.
pub fn calculate(
    conn: &mut DbConn,
    application: &ApplicationRow,
    revision: Option<i32>,
    covered: Option<&[MemberKey]>,
) -> Result<(NormRow, Calculation), AppError> {
    let m = &application.municipality;
    let month = stored(
        "applications.support_month",
        Month::parse(&application.support_month),
    )?;
    let row = norms::find(conn, month.year(), revision)?
        .ok_or(AppError::NormTableMissing(month.year()))?;
    let table = norms::table_of(&row)?;
    let persons = households::members_of(conn, m, &application.id)?
        .into_iter()
        .map(|member| {
            let outside = covered.is_some_and(|c| !c.iter().any(|k| k.as_str() == member.member));
            let person = match stored("household_members.role", MemberRole::parse(&member.role))? {
                _ if outside => Person::OtherAdult,
                MemberRole::Applicant => Person::Applicant,
                MemberRole::Partner => Person::Partner,
                MemberRole::OtherAdult => Person::OtherAdult,
                MemberRole::Child => Person::Child {
                    birth_date: member
                        .birth_date
                        .ok_or_else(|| unreadable("household_members.birth_date"))?,
                    days_in_home: member
                        .days_in_home
                        .ok_or_else(|| unreadable("household_members.days_in_home"))?,
                    preschool_lunch: member.preschool_lunch.unwrap_or(false),
                },
            };
            Ok((member.member, person))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let figures = repo::items(conn, m, &application.id)?
        .into_iter()
        .map(|item| {
            let (direction, label) = match item.direction.as_str() {
                "income" => (
                    Direction::Income,
                    stored("application_items.kind", IncomeKind::parse(&item.kind))?.label_sv(),
                ),
                "expense" => (
                    Direction::Expense,
                    stored("application_items.kind", ExpenseKind::parse(&item.kind))?.label_sv(),
                ),
                _ => return Err(unreadable("application_items.direction")),
            };
            Ok(Figure {
                line: item.line_no,
                member: item.member,
                direction,
                label_sv: label.to_owned(),
                applied: crate::domain::money::from_ore(item.amount_ore),
                approved: item.approved_ore.map(crate::domain::money::from_ore),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok((row, norm::calculate(&table, month, &persons, &figures)))
}

/// The answer for a calculation.
pub fn view_of(
    application: &ApplicationRow,
    row: &NormRow,
    c: Calculation,
) -> Result<CalculationView, AppError> {
    Ok(CalculationView {
        application_id: stored_uuid("applications.id", &application.id)?,
        support_month: application.support_month.clone(),
        norm_table: NormReference {
            year: row.year,
            revision: row.revision,
            source: row.source.clone(),
        },
        household_size: i32::try_from(c.household_size).unwrap_or(i32::MAX),
        lines: c
            .steps
            .into_iter()
            .map(|s| CalculationLine {
                section: s.section.into(),
                members: s.members,
                line: s.line,
                amount: s.amount,
                explanation: s.explanation,
            })
            .collect(),
        norm: c.norm,
        reasonable_costs: c.reasonable_costs,
        incomes: c.incomes,
        result: c.result,
        explanation: c.explanation,
    })
}

/// Read an application's norm calculation.
///
/// Line by line, each with its explanation (in Swedish): the personal costs
/// of each person by age band (a child living in the home part of the
/// month for those days), the common household costs by the household's
/// size, the reasonable costs approved, the incomes counted, and the
/// result. Lines not yet assessed count as applied for and say so. The
/// norm is the support month's year's, as loaded (the latest revision, or
/// `norm_revision`); 409 `norm-table-missing` when the year has none.
/// Caseworkers and the case system read it; reading is audited.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/applications/{id}/calculation",
    tag = "applications",
    operation_id = "get_calculation",
    params(ResourcePath, CalculationQuery),
    responses(
        (status = 200, description = "The calculation", body = CalculationView),
        (status = 409, response = NormTableMissing),
    ),
    security(("bearer" = []))
)]
pub async fn get_calculation(
    caller: Caller,
    path: web::Path<ResourcePath>,
    query: web::Query<CalculationQuery>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadCalculation;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let revision = query.norm_revision;
    let view = caller
        .transact(op, municipality, move |tx| {
            let (row, _) = tx.load::<Application>(&id)?;
            let (norm, calculation) = calculate(tx.conn, &row, revision, None)?;
            view_of(&row, &norm, calculation)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
